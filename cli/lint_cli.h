/*
 * lint_cli.h: what cmd_lint.c and lint_print.c share.
 */
#ifndef STRATA_CLI_LINT_CLI_H
#define STRATA_CLI_LINT_CLI_H

#include "cli.h"


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
	const char *baseline;
	const char *write_baseline;
	const char *migration_pattern;
	const char *classification;
} lint_cli_opts;

typedef struct lint_runs lint_runs;

/* strata.yaml's lint settings and a baseline, owned for the run (lint_config.c). */
typedef struct lint_config {
	strata_lint_setting *settings;
	char **baseline;
	size_t nbaseline;
	char **classified;
	size_t nclassified;
} lint_config;

/*
 * Naming patterns and the data classification: strata.yaml's lint: naming
 * and classification, overridden by migration_pattern and classification
 * (the command line's) when not NULL. Bad patterns or files exit 3.
 */
int lint_config_project(cli_ctx *ctx, lint_config *lc, const strata_project_config *config,
	const char *migration_pattern, const char *classification, strata_lint_options *lo);

/* Sets lo's settings from config's lint: rules (checked: exit 3 on an unknown rule or severity). */
int lint_config_apply(cli_ctx *ctx, lint_config *lc, const strata_project_config *config,
	strata_lint_options *lo);
/* Reads a baseline file into lo (sorted fingerprints). */
int lint_baseline_load(cli_ctx *ctx, lint_config *lc, const char *path, strata_lint_options *lo);
/* Writes every finding's fingerprint as a baseline file. */
int lint_baseline_write(cli_ctx *ctx, const char *path, const lint_runs *runs);
void lint_config_release(lint_config *lc);

/*
 * Lint inputs for the first n up files of src: named relative to the
 * project, read from its root, their text when the source holds it, their
 * first line and how the runner runs them (applied left 0). NULL on no memory.
 */
strata_lint_input *lint_source_inputs(const strata_source *src, size_t n, strata_buf **paths);
void lint_source_inputs_free(strata_lint_input *in, strata_buf *paths, size_t n);

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
