/*
 * lint_cli.h: what cmd_lint.c and lint_print.c share.
 */
#ifndef STRATA_CLI_LINT_CLI_H
#define STRATA_CLI_LINT_CLI_H

#include "cli.h"

#define CLI_LINT_FILES_MAX 4096

enum { LINT_FORMAT_TEXT, LINT_FORMAT_JSON, LINT_FORMAT_SARIF, LINT_FORMAT_GITHUB };
enum { LINT_FAIL_ERROR, LINT_FAIL_WARNING, LINT_FAIL_NONE };

typedef struct lint_cli_opts {
	int format;
	const char *pg_version;
	int fail_on;
	int in_transaction;
	int no_transaction;
	const char *track;
	cli_list rule_args;
	const char *ids[CLI_LIST_MAX];
	strata_lint_severity sevs[CLI_LIST_MAX];
	int list_rules;
	int explain;
	int together;
	const char *since;
} lint_cli_opts;

/* The reports of a lint: one per run (a track, or the files given). */
typedef struct lint_runs {
	strata_lint_report **reports;
	char **names;             /* the track, or NULL */
	size_t n;
} lint_runs;

/* Runs strata_lint_run and keeps its report; reports a failure (returns its exit code). */
int lint_run_inputs(cli_ctx *ctx, lint_runs *runs, const strata_lint_input *in, size_t n,
	const strata_lint_options *lo, const char *name);
void lint_runs_release(lint_runs *runs);

/* One finding as text (file:line:col, the source line and caret, the help). */
void lint_text_finding(strata_buf *out, const cli_ctx *ctx, const strata_lint_finding *f);

/* Prints every run's explained statements (--explain) in o->format; returns the exit code. */
int lint_print_explain(cli_ctx *ctx, const lint_cli_opts *o, const lint_runs *runs);

/* Prints every run's findings in o->format and returns the exit code. */
int lint_print(cli_ctx *ctx, const lint_cli_opts *o, const lint_runs *runs);

#endif
