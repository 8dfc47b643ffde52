/*
 * cmd_seed.c: `strata seed`, the project's seed files run on a migrated
 * database, each file once per version of its text (see strata/seed.h).
 *
 * The files are checked first and every problem listed at once (exit 3),
 * before any database contact. Progress goes to stderr, one line per file
 * that ran; --dry-run lists what would run on stdout; with --format json
 * stdout gets one JSON object per event and a final summary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct seed_opts {
	const char *file;
	int force;
	int dry_run;
	int skip_migration_check;
	int64_t lock_wait_ms;
	int no_wait;
	int64_t lock_timeout_ms;
	int64_t statement_timeout_ms;
} seed_opts;

static volatile sig_atomic_t stopped_by = 0;

static void on_signal(int sig)
{
	stopped_by = sig;
	strata_seed_interrupt();
}

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	printf("Usage: strata seed [options]\n\n"
		"Runs the project's seed files (seeds/*.sql, or the folder 'seed: {path: ...}' in\n"
		"strata.yaml names) in name order, each in one transaction together with its row in\n"
		"the ledger: a file runs again only when it changed. Refuses a database whose\n"
		"migrations are not all applied, and holds the migration locks while it runs.\n\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

static int print_problems(cli_ctx *ctx, const strata_problems *problems)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf out = STRATA_BUF_INIT;
	size_t i;

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "valid");
		strata_json_bool(&w, 0);
		strata_json_key(&w, "problems");
		strata_json_array_begin(&w);
		for (i = 0; i < problems->n; i++) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "file");
			strata_json_string(&w, problems->items[i].file);
			strata_json_key(&w, "line");
			if (problems->items[i].line > 0)
				strata_json_int(&w, problems->items[i].line);
			else
				strata_json_null(&w);
			strata_json_key(&w, "message");
			strata_json_string(&w, problems->items[i].message);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
		cli_write_stdout(&out);
	} else {
		for (i = 0; i < problems->n; i++) {
			const strata_problem *p = &problems->items[i];

			if (p->line > 0)
				fprintf(stderr, "%s:%d: %s\n", p->file, p->line, p->message);
			else
				fprintf(stderr, "%s: %s\n", p->file, p->message);
		}
		fflush(stderr);
	}
	strata_buf_release(&out);
	strata_error_set(&err, STRATA_EINVAL, "%zu problem%s in the seed files; nothing was run",
		problems->n, problems->n == 1 ? "" : "s");
	return cli_report(ctx, &err);
}

/* ---- events ---- */

static const char *const event_names[] = {
	"lock_wait", "up_to_date", "planned", "start", "done", "error",
};

static void event_json(const strata_seed_event *ev)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "event");
	strata_json_string(&w, event_names[ev->kind]);
	if (ev->file != NULL) {
		strata_json_key(&w, "file");
		strata_json_string(&w, ev->file->path);
		strata_json_key(&w, "name");
		strata_json_string(&w, ev->file->name);
		strata_json_key(&w, "checksum");
		strata_json_string(&w, ev->file->checksum);
	}
	if (ev->why != NULL) {
		strata_json_key(&w, "why");
		strata_json_string(&w, ev->why);
	}
	if (ev->kind == STRATA_SEED_EV_DONE) {
		strata_json_key(&w, "duration_ms");
		strata_json_double(&w, ev->duration_ms);
		strata_json_key(&w, "rows_changed");
		strata_json_int(&w, ev->rows_changed);
	} else if (ev->kind == STRATA_SEED_EV_ERROR) {
		strata_json_key(&w, "duration_ms");
		strata_json_double(&w, ev->duration_ms);
		strata_json_key(&w, "line");
		if (ev->line > 0)
			strata_json_int(&w, ev->line);
		else
			strata_json_null(&w);
		strata_json_key(&w, "statement");
		if (ev->statement > 0)
			strata_json_int(&w, ev->statement);
		else
			strata_json_null(&w);
		strata_json_key(&w, "sqlstate");
		strata_json_string(&w, ev->sqlstate != NULL && ev->sqlstate[0] ? ev->sqlstate : NULL);
	}
	if (ev->message != NULL) {
		strata_json_key(&w, "message");
		strata_json_string(&w, ev->message);
	}
	strata_json_object_end(&w);
	strata_buf_putc(&b, '\n');
	cli_write_stdout(&b);
	strata_buf_release(&b);
}

static void print_event(const strata_seed_event *ev, void *ud)
{
	cli_ctx *ctx = ud;

	if (ctx->format == CLI_FORMAT_JSON) {
		event_json(ev);
		return;
	}
	switch (ev->kind) {
	case STRATA_SEED_EV_LOCK_WAIT:
		strata_log(STRATA_LOG_WARNING, "%s", ev->message);
		break;
	case STRATA_SEED_EV_UP_TO_DATE:
		strata_log(STRATA_LOG_INFO, "%s is up to date", ev->file->path);
		break;
	case STRATA_SEED_EV_PLANNED: {
		/* What a dry run finds is its result: stdout. */
		strata_buf b = STRATA_BUF_INIT;

		strata_buf_printf(&b, "would run %s (%s)\n", ev->file->path, ev->why);
		cli_write_stdout(&b);
		strata_buf_release(&b);
		break;
	}
	case STRATA_SEED_EV_START:
		strata_log(STRATA_LOG_INFO, "seeding %s (%s)", ev->file->path, ev->why);
		break;
	case STRATA_SEED_EV_DONE:
		strata_log(STRATA_LOG_NOTICE, "seeded %s (%.1f ms, %lld row%s changed)", ev->file->path,
			ev->duration_ms, ev->rows_changed, ev->rows_changed == 1 ? "" : "s");
		break;
	case STRATA_SEED_EV_ERROR:
		/* The command's own error, reported once at the end. */
		break;
	}
}

static void print_summary(cli_ctx *ctx, const strata_seed_set *set, const strata_seed_result *r,
	const seed_opts *o, int rc)
{
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf b = STRATA_BUF_INIT;
		strata_json w;

		strata_json_init(&w, &b, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "summary");
		strata_json_object_begin(&w);
		strata_json_key(&w, "folder");
		strata_json_string(&w, set->shown);
		strata_json_key(&w, "dry_run");
		strata_json_bool(&w, o->dry_run);
		strata_json_key(&w, "files");
		strata_json_uint(&w, r->files);
		strata_json_key(&w, "up_to_date");
		strata_json_uint(&w, r->up_to_date);
		strata_json_key(&w, "planned");
		strata_json_uint(&w, r->planned);
		strata_json_key(&w, "seeded");
		strata_json_uint(&w, r->seeded);
		strata_json_key(&w, "rows_changed");
		strata_json_int(&w, r->rows_changed);
		strata_json_key(&w, "failed");
		strata_json_bool(&w, rc != 0);
		strata_json_key(&w, "duration_ms");
		strata_json_double(&w, r->duration_ms);
		strata_json_object_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&b, '\n');
		cli_write_stdout(&b);
		strata_buf_release(&b);
		return;
	}
	if (rc != 0)
		return;
	if (r->files == 0)
		strata_log(STRATA_LOG_NOTICE, "no seed files in '%s'", set->shown);
	else if (o->dry_run)
		strata_log(STRATA_LOG_NOTICE, "dry run: %zu seed file%s would run, %zu up to date; nothing was changed",
			r->planned, r->planned == 1 ? "" : "s", r->up_to_date);
	else if (r->seeded == 0)
		strata_log(STRATA_LOG_NOTICE, "%zu seed file%s up to date%s", r->up_to_date,
			r->up_to_date == 1 ? "" : "s", o->file != NULL ? " (--force runs it again)" : "");
	else if (r->up_to_date > 0)
		strata_log(STRATA_LOG_NOTICE, "seeded %zu file%s in %.0f ms, %zu up to date", r->seeded,
			r->seeded == 1 ? "" : "s", r->duration_ms, r->up_to_date);
	else
		strata_log(STRATA_LOG_NOTICE, "seeded %zu file%s in %.0f ms", r->seeded,
			r->seeded == 1 ? "" : "s", r->duration_ms);
}

/* ---- the command ---- */

static int run_seeds(cli_ctx *ctx, const seed_opts *o)
{
	strata_project_config *config = NULL;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_seed_set *set = NULL;
	strata_seed_options so = STRATA_SEED_OPTIONS_INIT;
	strata_seed_result result;
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = NULL;
	int rc;

	memset(&result, 0, sizeof(result));
	rc = cli_project_config(&config, ctx);
	if (rc != 0)
		goto done;
	rc = strata_seed_load(&set, config, o->file, &problems, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	if (problems.n > 0) {
		rc = print_problems(ctx, &problems);
		goto done;
	}
	if (set->n > 0) {
		rc = cli_connect(&c, ctx);
		if (rc != 0)
			goto done;
		so.config = config;
		so.force = o->force;
		so.dry_run = o->dry_run;
		so.skip_migration_check = o->skip_migration_check;
		so.no_wait = o->no_wait;
		so.lock_wait_ms = o->lock_wait_ms;
		so.lock_timeout_ms = o->lock_timeout_ms;
		so.statement_timeout_ms = o->statement_timeout_ms;
		so.on_event = print_event;
		so.ud = ctx;
		rc = strata_seed_run(&result, c, set, &so, &err);
	}
	print_summary(ctx, set, &result, o, rc);
	if (rc != 0 && strcmp(err.sqlstate, "57014") == 0 && strstr(err.message, "interrupted") != NULL)
		rc = cli_report_exit(ctx, &err, 128 + (stopped_by != 0 ? (int)stopped_by : SIGINT));
	else if (rc != 0)
		rc = cli_report(ctx, &err);
done:
	strata_conn_close(c);
	strata_seed_set_free(set);
	strata_problems_release(&problems);
	strata_project_config_free(config);
	return rc;
}

int cmd_seed(cli_ctx *ctx, int argc, char **argv)
{
	seed_opts o;
	const cli_option opts[] = {
		{ "file", 0, CLI_OPT_STRING, &o.file, "NAME", "run only this seed file (a name in the seed folder)", 0, 0, NULL },
		{ "force", 0, CLI_OPT_FLAG, &o.force, NULL, "run files that are up to date too", 0, 0, NULL },
		{ "dry-run", 0, CLI_OPT_FLAG, &o.dry_run, NULL, "list the files that would run and change nothing", 0, 0, NULL },
		{ "skip-migration-check", 0, CLI_OPT_FLAG, &o.skip_migration_check, NULL,
		  "seed even when migrations are pending or changed", 0, 0, NULL },
		{ "lock-wait", 0, CLI_OPT_DURATION, &o.lock_wait_ms, "TIME",
		  "wait this long for a migration or seed runner (default 60s, from strata.yaml)", 0, 0, NULL },
		{ "no-wait", 0, CLI_OPT_FLAG, &o.no_wait, NULL, "fail at once when another runner holds a lock", 0, 0, NULL },
		{ "lock-timeout", 0, CLI_OPT_DURATION, &o.lock_timeout_ms, "TIME",
		  "lock_timeout for every file (default 5s, from strata.yaml)", 0, 0, NULL },
		{ "statement-timeout", 0, CLI_OPT_DURATION, &o.statement_timeout_ms, "TIME",
		  "statement_timeout for every file (default none)", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	char **args;
	int nargs, rc;

	memset(&o, 0, sizeof(o));
	o.lock_wait_ms = o.lock_timeout_ms = o.statement_timeout_ms = -1;
	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "seed");
	if (rc != 0)
		return rc;
	if (ctx->help) {
		print_help(ctx, opts);
		return CLI_EXIT_OK;
	}
	if (nargs > 0)
		return cli_usage_error(ctx, "'strata seed' takes no arguments (one file goes with --file NAME)");
	if (o.no_wait && o.lock_wait_ms >= 0)
		return cli_usage_error(ctx, "--no-wait and --lock-wait cannot be used together");
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	return run_seeds(ctx, &o);
}
