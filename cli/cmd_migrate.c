/*
 * cmd_migrate.c: `strata migrate`, versioned migrations.
 *
 *   validate   check every file, before any database contact
 *   status     applied, pending, changed, missing, out of order, partial
 *   plan       the exact SQL `up` would send (also: up --dry-run)
 *   up         apply pending migrations (--to V, --steps N)
 *   down       revert the newest (--to V, --steps N)
 *   redo       revert the newest and apply it again
 *   goto V     up or down to V
 *   history    the ledger's events
 *   new SLUG   create the next migration's files
 *   baseline   adopt a database another tool migrated (--version V)
 *   repair     accept an intentional edit (--version V --reason "...")
 *
 * Every subcommand validates all files of the chosen tracks first and lists
 * every problem at once (exit 3). Progress goes to stderr; with --format json
 * stdout gets one JSON object per event and a final summary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migrate_cli.h"

static const mig_sub subs[] = {
	{ "validate", "check every migration file (no database needed)", "strata migrate validate [--track T]", mig_validate },
	{ "status", "what is applied, pending, changed, missing or out of order", "strata migrate status [--track T]", mig_status },
	{ "plan", "the exact SQL 'up' would run, ledger writes included; touches nothing", "strata migrate plan [--track T] [--to V | --steps N] [--targets FILE]", mig_plan },
	{ "up", "apply pending migrations", "strata migrate up [--track T] [--to V | --steps N] [--dry-run] [--targets FILE]", mig_up },
	{ "down", "revert the newest migration (or down to --to V, or --steps N)", "strata migrate down --track T [--to V | --steps N] [--dry-run]", mig_down },
	{ "redo", "revert the newest migration and apply it again", "strata migrate redo [--track T]", mig_redo },
	{ "goto", "migrate up or down to a version", "strata migrate goto VERSION [--track T]", mig_goto },
	{ "history", "the ledger's events: applies, reverts, failures, baselines, repairs", "strata migrate history [--track T] [--limit N]", mig_history },
	{ "new", "create the next migration's up and down files", "strata migrate new SLUG [--track T]", mig_new },
	{ "baseline", "record migrations up to a version as applied, without running them", "strata migrate baseline --version V [--track T]", mig_baseline },
	{ "repair", "accept an intentional edit of an applied migration", "strata migrate repair --version V --reason TEXT [--track T]", mig_repair },
	{ "smoke", "on a scratch database, apply each migration, revert it and apply it again: prove every down is a true inverse", "strata migrate smoke [--track T]", mig_smoke },
	{ NULL, NULL, NULL, NULL }
};

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	const mig_sub *s;

	printf("Usage: strata migrate <command> [options]\n\n"
		"Versioned migrations of the project's tracks (strata.yaml, or ./migrations).\n"
		"Every command checks all files first and lists every problem at once.\n\n"
		"Commands:\n");
	for (s = subs; s->name != NULL; s++)
		printf("  %-9s  %s\n", s->name, s->summary);
	printf("\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

static volatile sig_atomic_t stopped_by = 0;

static void on_signal(int sig)
{
	stopped_by = sig;
	strata_migrate_interrupt();
}

int mig_interrupted_exit(void)
{
	/* 130 for Ctrl-C (SIGINT), 143 for SIGTERM: 128 + the signal, as shells report it. */
	return 128 + (stopped_by != 0 ? (int)stopped_by : SIGINT);
}

int cmd_migrate(cli_ctx *ctx, int argc, char **argv)
{
	mig_opts o;
	const cli_option opts[] = {
		{ "track", 't', CLI_OPT_STRING, &o.track, "NAME", "work on one track (default: all)", 0, 0, NULL },
		{ "to", 0, CLI_OPT_STRING, &o.to, "VERSION", "up to and including, or down to (kept), this version", 0, 0, NULL },
		{ "steps", 'n', CLI_OPT_INT, &o.steps, "N", "at most N migrations", 1, 1000000, NULL },
		{ "dry-run", 0, CLI_OPT_FLAG, &o.dry_run, NULL, "print the exact SQL and change nothing", 0, 0, NULL },
		{ "allow-out-of-order", 0, CLI_OPT_FLAG, &o.allow_out_of_order, NULL,
		  "apply pending files older than the newest applied one", 0, 0, NULL },
		{ "lock-wait", 0, CLI_OPT_DURATION, &o.lock_wait_ms, "TIME",
		  "wait this long for another runner (default 60s, from strata.yaml)", 0, 0, NULL },
		{ "no-wait", 0, CLI_OPT_FLAG, &o.no_wait, NULL, "fail at once when another runner holds the lock", 0, 0, NULL },
		{ "lock-timeout", 0, CLI_OPT_DURATION, &o.lock_timeout_ms, "TIME",
		  "lock_timeout for every migration (default 5s, from strata.yaml)", 0, 0, NULL },
		{ "statement-timeout", 0, CLI_OPT_DURATION, &o.statement_timeout_ms, "TIME",
		  "statement_timeout for every migration (default none)", 0, 0, NULL },
		{ "lock-retries", 0, CLI_OPT_INT, &o.lock_retries, "N",
		  "retries after a lock timeout (default 5)", 0, 1000, NULL },
		{ "flush-each", 0, CLI_OPT_FLAG, &o.flush_each, NULL,
		  "wait for every migration's WAL flush (default: once per round trip)", 0, 0, NULL },
		{ "version", 0, CLI_OPT_STRING, &o.version, "V", "the version (baseline, repair)", 0, 0, NULL },
		{ "reason", 0, CLI_OPT_STRING, &o.reason, "TEXT", "why (repair, --accept-risk; recorded in the ledger)", 0, 0, NULL },
		{ "accept-risk", 0, CLI_OPT_LIST, &o.accept_risks, "RULE",
		  "up: apply despite this lint rule's error findings (repeatable; needs --reason)", 0, 0, NULL },
		{ "limit", 0, CLI_OPT_INT, &o.limit, "N", "events to show (history; default 50)", 1, 1000000, NULL },
		{ "targets", 0, CLI_OPT_STRING, &o.targets, "FILE", "run on every database of a fleet file (up)", 0, 0, NULL },
		{ "parallel", 0, CLI_OPT_INT, &o.parallel, "N", "fleet: databases at once (default from the file, 4)", 1, 256, NULL },
		{ "canary", 0, CLI_OPT_INT, &o.canary, "N", "fleet: migrate N databases first, the rest only if they succeed", 0, 100000, NULL },
		{ "continue-on-error", 0, CLI_OPT_FLAG, &o.continue_on_error, NULL,
		  "fleet: keep going after a database fails", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	const mig_sub *s;
	char usage_name[48];
	char **args;
	int nargs, idx, rc;

	mig_opts_init(&o);
	idx = cli_command_index(ctx, argc, argv);
	if (idx >= argc) {
		rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "migrate");
		if (rc != 0)
			return rc;
		if (ctx->help) {
			print_help(ctx, opts);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(ctx, "'strata migrate' needs a command (see 'strata migrate --help')");
	}
	for (s = subs; s->name != NULL; s++)
		if (strcmp(s->name, argv[idx]) == 0)
			break;
	if (s->name == NULL)
		return cli_usage_error(ctx, "unknown command 'strata migrate %s' (see 'strata migrate --help')",
			argv[idx]);
	{
		const cli_sub_help help = { s->name, s->usage, s->summary };

		rc = cli_parse_subcommand(ctx, opts, argc, argv, idx, "migrate", &help, usage_name, sizeof(usage_name),
			&args, &nargs);
		if (rc >= 0)
			return rc;
	}
	ctx->command = usage_name;
	/* Options that only some commands take: refused elsewhere instead of ignored (or worse). */
	if ((o.targets != NULL || o.parallel > 0 || o.canary >= 0 || o.continue_on_error) &&
		strcmp(s->name, "up") != 0 && strcmp(s->name, "plan") != 0)
		return cli_usage_error(ctx, "--targets, --parallel, --canary and --continue-on-error work with 'up' and 'plan' only");
	if (o.targets == NULL && (o.parallel > 0 || o.canary >= 0 || o.continue_on_error))
		return cli_usage_error(ctx, "--parallel, --canary and --continue-on-error need --targets FILE");
	if (o.to != NULL && o.steps > 0)
		return cli_usage_error(ctx, "--to and --steps cannot be used together");
	if (o.accept_risks.n > 0 && strcmp(s->name, "up") != 0)
		return cli_usage_error(ctx, "--accept-risk works with 'up' only");
	o.args = args;
	o.nargs = nargs;
	o.sub = s;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	return s->run(ctx, &o);
}
