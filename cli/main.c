/*
 * main.c: the strata command's entry point and command table.
 *
 *   strata [global options] <command> [options] [arguments]
 *
 * Global options may come before or after the command name. Each command
 * parses its own options (cli_parse) and prints its own --help from the same
 * table. Exit codes are in exit.h and docs/exit-codes.md.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "migrate_cli.h"

static const cli_command commands[] = {
	{ "dev", "run a local PostgreSQL cluster for this project (up, down, status, url, psql, reset, destroy)", cmd_dev },
	{ "migrate", "versioned migrations: validate, status, plan, up, down, redo, goto, history, new, baseline, repair", cmd_migrate },
	{ "schema", "the live schema as data: snapshot (deterministic JSON and its fingerprint), diff, drift, docs, validate", cmd_schema },
	{ "lint", "check migrations for locks, rewrites and breakage on a busy database", cmd_lint },
	{ "seed", "seed a migrated database: run new and changed seed files, each in one transaction", cmd_seed },
	{ "tenancy", "tenant isolation: check row-level security and policies, probe across tenants", cmd_tenancy },
	{ "audit", "the tamper-evident audit ledger: verify chains, append, signed checkpoints, keygen, log", cmd_audit },
	{ "integrity", "replay verification: recompute every stored message envelope's hash", cmd_integrity },
	{ "doctor", "check the database: connection, server version, latency, recovery", cmd_doctor },
	{ "version", "print strata's version and its libraries' versions", cmd_version },
	{ "help", "show help for a command, or the exit codes (help exit-codes)", cmd_help },
	{ NULL, NULL, NULL }
};

const cli_command *cli_commands(void)
{
	return commands;
}

static void print_main_help(FILE *out, cli_ctx *ctx)
{
	const cli_command *c;

	fprintf(out,
		"strata %s: PostgreSQL change-and-integrity toolkit\n"
		"\n"
		"Usage: strata [options] <command> [options] [arguments]\n"
		"\n"
		"Commands:\n", strata_version());
	for (c = commands; c->name != NULL; c++)
		fprintf(out, "  %-10s  %s\n", c->name, c->summary);
	fprintf(out, "\n");
	cli_print_options(out, "Global options", cli_global_options(ctx));
	fprintf(out,
		"      --version                 print the version and exit\n"
		"\n"
		"Where the database comes from, first match wins: --database-url, DATABASE_URL,\n"
		"the PG* variables of libpq, then the project's dev cluster when it is running.\n"
		"\n"
		"Run 'strata <command> --help' for a command's options. Exit codes: docs/exit-codes.md.\n");
}

static const cli_command *find_command(const char *name)
{
	const cli_command *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	const cli_command *c;
	char **args;
	int nargs, rc;
	char *sub_argv[4];

	rc = cli_parse(ctx, NULL, argc, argv, &args, &nargs, "help");
	if (rc != 0)
		return rc;
	if (nargs == 0) {
		print_main_help(stdout, ctx);
		return CLI_EXIT_OK;
	}
	if (strcmp(args[0], "exit-codes") == 0) {
		strata_buf out = STRATA_BUF_INIT;

		cli_print_exit_codes(&out, ctx->format == CLI_FORMAT_JSON);
		rc = cli_write_stdout(&out);
		strata_buf_release(&out);
		return rc;
	}
	c = find_command(args[0]);
	if (c == NULL || c->run == cmd_help)
		return c ? (print_main_help(stdout, ctx), CLI_EXIT_OK)
			: cli_usage_error(ctx, "unknown command '%s' (see 'strata --help')", args[0]);
	/* `strata help dev up` is `strata dev up --help`. */
	sub_argv[0] = args[0];
	sub_argv[1] = nargs > 1 ? args[1] : (char *)"--help";
	sub_argv[2] = nargs > 1 ? (char *)"--help" : NULL;
	sub_argv[3] = NULL;
	return c->run(ctx, nargs > 1 ? 3 : 2, sub_argv);
}

int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { CLI_OPTIONS_END };
	strata_buf out = STRATA_BUF_INIT;
	char **args;
	int nargs, rc;

	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "version");
	if (rc != 0)
		return rc;
	if (ctx->help) {
		printf("Usage: strata version [--format json]\n\nPrints strata's version and the versions of libpq and OpenSSL it runs with.\n\n");
		cli_print_options(stdout, "Global options", cli_global_options(ctx));
		return CLI_EXIT_OK;
	}
	if (nargs > 0)
		return cli_usage_error(ctx, "'strata version' takes no arguments");
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "strata");
		strata_json_string(&w, strata_version());
		strata_json_key(&w, "libpq");
		strata_json_int(&w, strata_pg_libpq_version());
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		int v = strata_pg_libpq_version();
		strata_buf_printf(&out, "strata %s (libpq %d.%d)\n", strata_version(), v / 10000, v % 10000);
	}
	rc = cli_write_stdout(&out);
	strata_buf_release(&out);
	return rc;
}

int cli_command_index(cli_ctx *ctx, int argc, char **argv)
{
	const cli_option *globals = cli_global_options(ctx), *o;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || strcmp(a, "-") == 0)
			return i;
		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? i + 1 : argc;
		for (o = globals; o->name != NULL; o++) {
			int takes = o->kind != CLI_OPT_FLAG && o->kind != CLI_OPT_COUNT;
			int is_long = a[1] == '-' && strcmp(a + 2, o->name) == 0;
			int is_short = a[1] == o->short_name && a[1] != '\0' && a[2] == '\0';

			if (takes && (is_long || is_short)) {
				i++;
				break;
			}
		}
	}
	return argc;
}

static struct timespec started;

double cli_elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - started.tv_sec) * 1e3 + (double)(now.tv_nsec - started.tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	cli_ctx ctx;
	const cli_command *c;
	char **args;
	int nargs, idx, rc, i;

	clock_gettime(CLOCK_MONOTONIC, &started);
	memset(&ctx, 0, sizeof(ctx));
	ctx.log_format = -1;
	signal(SIGPIPE, SIG_IGN);

	idx = cli_command_index(&ctx, argc, argv);
	for (i = 1; i < idx; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			char *vargv[] = { "version", NULL };

			memset(&ctx, 0, sizeof(ctx));
			ctx.log_format = -1;
			/* Honour --format given alongside --version. */
			rc = cli_parse(&ctx, NULL, i, argv, &args, &nargs, "");
			if (rc != 0)
				return rc;
			return cmd_version(&ctx, 1, vargv);
		}
	}
	/* Global options before the command. */
	rc = cli_parse(&ctx, NULL, idx, argv, &args, &nargs, "");
	cli_setup_logging(&ctx);
	if (rc != 0)
		return rc;
	if (idx >= argc) {
		print_main_help(ctx.help ? stdout : stderr, &ctx);
		return ctx.help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	c = find_command(argv[idx]);
	if (c == NULL)
		return cli_usage_error(&ctx, "unknown command '%s' (see 'strata --help')", argv[idx]);
	ctx.command = c->name;
	rc = c->run(&ctx, argc - idx, argv + idx);
	fflush(stdout);
	return rc;
}
