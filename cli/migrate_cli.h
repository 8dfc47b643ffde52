/*
 * migrate_cli.h: what the `strata migrate` subcommands share.
 */
#ifndef STRATA_CLI_MIGRATE_H
#define STRATA_CLI_MIGRATE_H

#include <pthread.h>

#include "lint_cli.h"

struct mig_sub;

typedef struct mig_opts {
	const char *track;
	const char *to;
	int steps;
	int dry_run;
	int allow_out_of_order;
	int64_t lock_wait_ms;
	int no_wait;
	int64_t lock_timeout_ms;
	int64_t statement_timeout_ms;
	int lock_retries;
	const char *version;
	const char *reason;
	int limit;
	const char *targets;
	int parallel;
	int canary;
	int continue_on_error;
	int flush_each;
	int ignore_problems;         /* mig_load: load despite problems in the files, silently */
	cli_list accept_risks;       /* up: lint rules whose error findings are accepted (--accept-risk) */
	char **args;
	int nargs;
	const struct mig_sub *sub;
} mig_opts;

typedef struct mig_sub {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(cli_ctx *ctx, mig_opts *o);
} mig_sub;

/* The project: config, and the chosen tracks' sources (validated). */
typedef struct mig_project {
	strata_project_config *config;
	strata_source **sources;
	size_t n;
	strata_problems problems;
} mig_project;

/* What the lint guardrail of `migrate up` found and accepted (migrate_lint.c). */
typedef struct mig_guard {
	lint_runs runs;
	lint_config config;
	strata_accepted_risk *accepted;
	size_t naccepted;
} mig_guard;

/*
 * Lints the migrations plan would apply; prints the findings; refuses
 * (returns exit 1) on error findings not accepted with --accept-risk. On 0,
 * g->accepted lists the accepted ones for strata_run_options.
 */
int mig_lint_guard(cli_ctx *ctx, mig_opts *o, const mig_project *p, const strata_plan *plan,
	strata_conn *c, mig_guard *g);
void mig_guard_release(mig_guard *g);

/*
 * Loads strata.yaml and the chosen tracks' files. Prints every problem and
 * returns the exit code (3) when any; 0 when valid. p must be freed with
 * mig_project_free whatever the result.
 */
int mig_load(mig_project *p, cli_ctx *ctx, const mig_opts *o);
/* o with every option unset (timeouts and counts from the configuration). */
void mig_opts_init(mig_opts *o);
/* migrate_smoke.c: strata migrate smoke. */
int mig_smoke(cli_ctx *ctx, mig_opts *o);
/* A schema change as one line, "+ object", "- object" or "~ object: property before -> after". */
void mig_change_line(strata_buf *out, const char *indent, const strata_schema_change *c);
/* migrate_smoke.c: strata schema drift (the live database against its replayed migrations). */
int mig_drift(cli_ctx *ctx, mig_opts *o);
/* The snapshot of what the project in dir's migrations give, applied on a scratch database. */
int mig_project_snapshot(cli_ctx *ctx, const char *dir, strata_buf *out, strata_error *err);
/* The same in two halves: the config (strata.yaml, --track), then the files. */
int mig_load_config(mig_project *p, cli_ctx *ctx, const mig_opts *o);
int mig_load_sources(mig_project *p, cli_ctx *ctx, const mig_opts *o);
void mig_project_free(mig_project *p);

/* Run options from the command line and strata.yaml; events go to mig_print_event. */
void mig_fill_run_options(strata_run_options *ro, const mig_project *p, const mig_opts *o,
	cli_ctx *ctx);

/* Prints validation problems (as the result with as_result, else as an error); the exit code. */
int mig_print_problems(cli_ctx *ctx, const strata_problems *problems, int as_result);

/* The tracks a command works on: all, or the one --track names; returns how many. */
size_t mig_chosen_tracks(const char **out, const mig_project *p, const mig_opts *o);

/*
 * Connecting and reading the files do not depend on each other: the
 * connection is opened on a thread while the files are checked, which takes
 * the server's session start-up out of the command's time.
 */
typedef struct mig_early_conn {
	pthread_t thread;
	int started;
	cli_ctx *ctx;
	strata_conninfo *ci;
	strata_conn *conn;
	strata_error err;
	int rc;
} mig_early_conn;

void mig_early_start(mig_early_conn *e, cli_ctx *ctx);
/* The connection (or the exit code of its failure); keep = 0 just cleans up. */
int mig_early_finish(mig_early_conn *e, strata_conn **out, int keep);

/* Prints a run's events: text lines on stderr, or JSON lines on stdout. */
void mig_print_event(const strata_migrate_event *ev, void *ud);

int cmd_migrate(cli_ctx *ctx, int argc, char **argv);

/* The exit code of a run stopped by a signal: 128 + its number (130 for Ctrl-C). */
int mig_interrupted_exit(void);

int mig_validate(cli_ctx *ctx, mig_opts *o);
int mig_status(cli_ctx *ctx, mig_opts *o);
int mig_plan(cli_ctx *ctx, mig_opts *o);
int mig_up(cli_ctx *ctx, mig_opts *o);
int mig_down(cli_ctx *ctx, mig_opts *o);
int mig_redo(cli_ctx *ctx, mig_opts *o);
int mig_goto(cli_ctx *ctx, mig_opts *o);
int mig_history(cli_ctx *ctx, mig_opts *o);
int mig_new(cli_ctx *ctx, mig_opts *o);
int mig_baseline(cli_ctx *ctx, mig_opts *o);
int mig_repair(cli_ctx *ctx, mig_opts *o);

/* Fleets (migrate_fleet.c): up on every target of a fleet file. */
int mig_fleet_up(cli_ctx *ctx, mig_opts *o, mig_project *p);

#endif
