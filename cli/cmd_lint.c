/*
 * cmd_lint.c: `strata lint`, migration safety (see strata/lint.h).
 *
 * With files, lints them in the order given, as one run. Without, lints
 * the project's migrations: each track's up files in version order, one run
 * per track, as strata's runner applies them (each file in one transaction
 * unless it is marked no-transaction or holds its own BEGIN/COMMIT). The
 * report goes to stdout as text, JSON, SARIF 2.1.0 or GitHub annotations.
 * Exit 1 on error findings (and on warnings with --fail-on warning).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint_cli.h"

static const char *const format_choices[] = { "text", "json", "sarif", "github", NULL };
static const char *const fail_choices[] = { "error", "warning", "none", NULL };

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	printf("Usage: strata lint [options] [FILE...]\n\n"
		"Checks migrations for what would lock, rewrite or break a busy database, with\n"
		"PostgreSQL's own parser. Without files, lints every track of the project in\n"
		"version order; tables created by earlier migrations (or earlier in the file)\n"
		"are new, and work on them is not flagged. Ignore a finding with a comment\n"
		"'-- strata:lint-ignore <rule> <reason>' on the line before the statement.\n\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

static int list_rules(cli_ctx *ctx, const lint_cli_opts *o)
{
	strata_buf out = STRATA_BUF_INIT;
	const strata_lint_rule *r;
	size_t n, i;

	r = strata_lint_rules(&n);
	if (o->format == LINT_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_array_begin(&w);
		for (i = 0; i < n; i++) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "id");
			strata_json_string(&w, r[i].id);
			strata_json_key(&w, "family");
			strata_json_string(&w, r[i].family);
			strata_json_key(&w, "severity");
			strata_json_string(&w, strata_lint_severity_name(r[i].severity));
			strata_json_key(&w, "summary");
			strata_json_string(&w, r[i].summary);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		for (i = 0; i < n; i++)
			strata_buf_printf(&out, "%-36s %-8s %-13s %s\n", r[i].id,
				strata_lint_severity_name(r[i].severity), r[i].family, r[i].summary);
	}
	(void)ctx;
	n = cli_write_stdout(&out) == 0;
	strata_buf_release(&out);
	return n ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

/* A whole decimal number in [min, max], or -1. */
static long long number(const char *s, size_t len, long long min, long long max)
{
	long long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= min && v <= max ? v : -1;
}

/* --pg-version 15, 15.4 or 150004 into a version number (150004). */
static int parse_pg_version(cli_ctx *ctx, const char *s, int *out)
{
	const char *dot = strchr(s, '.');
	long long major, minor = 0;

	if (dot != NULL) {
		major = number(s, (size_t)(dot - s), 10, 99);
		minor = number(dot + 1, strlen(dot + 1), 0, 99);
	} else {
		major = number(s, strlen(s), 10, 999999);
	}
	if (major < 0 || minor < 0 || (major >= 100 && major < 100000))
		return cli_usage_error(ctx, "--pg-version '%s' is not a PostgreSQL version of 10 or later "
			"(e.g. 15, 15.4 or 150004)", s);
	*out = (int)(major >= 100000 ? major : major * 10000 + minor);
	return 0;
}

/* --rule ID=off|warning|error, checked against the rule table. */
static int parse_rule_overrides(cli_ctx *ctx, lint_cli_opts *o)
{
	int i;

	for (i = 0; i < o->rule_args.n; i++) {
		const char *a = o->rule_args.items[i], *eq = strchr(a, '=');
		char id[96];
		const char *sev;

		if (eq == NULL || (size_t)(eq - a) >= sizeof(id))
			return cli_usage_error(ctx, "--rule '%s': write --rule <id>=off|warning|error", a);
		memcpy(id, a, (size_t)(eq - a));
		id[eq - a] = '\0';
		sev = eq + 1;
		if (strata_lint_rule_find(id) == NULL)
			return cli_usage_error(ctx, "--rule '%s': unknown rule '%s' (see 'strata lint --rules')",
				a, id);
		o->ids[i] = strata_lint_rule_find(id)->id;
		if (strcmp(sev, "off") == 0)
			o->sevs[i] = STRATA_LINT_OFF;
		else if (strcmp(sev, "warning") == 0)
			o->sevs[i] = STRATA_LINT_WARNING;
		else if (strcmp(sev, "error") == 0)
			o->sevs[i] = STRATA_LINT_ERROR;
		else
			return cli_usage_error(ctx, "--rule '%s': the severity is off, warning or error, not '%s'",
				a, sev);
	}
	return 0;
}

/* The project's tracks: one run each, up files in version order. */
static int lint_project(cli_ctx *ctx, lint_cli_opts *o, lint_runs *runs, strata_lint_options *lo,
	const strata_project_config *config)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_problems problems;
	size_t i, j;
	int rc = 0;

	memset(&problems, 0, sizeof(problems));
	lo->assume_in_transaction = o->no_transaction ? 0 : 1;
	for (i = 0; i < config->ntracks && rc == 0; i++) {
		strata_source *src = NULL;
		strata_lint_input *in;
		strata_buf *paths;

		if (o->track != NULL && strcmp(config->tracks[i].name, o->track) != 0)
			continue;
		rc = strata_source_load(&src, &config->tracks[i], config->root, &problems, &err);
		if (rc != 0) {
			rc = cli_report(ctx, &err);
			break;
		}
		in = lint_source_inputs(src, src->n, &paths);
		for (j = 0; in != NULL && j < src->n; j++)
			in[j].applied = o->since != NULL &&
				strata_version_compare(src->migrations[j].version, o->since) < 0;
		/* strata's runner sets the track's lock_timeout (5s unless configured to 0). */
		lo->runner_lock_timeout = !o->no_transaction &&
			strata_track_lock_timeout_ms(config, &config->tracks[i]) > 0;
		if (in == NULL) {
			strata_error_set(&err, STRATA_ENOMEM, "out of memory");
			rc = cli_report(ctx, &err);
		} else {
			rc = lint_run_inputs(ctx, runs, in, src->n, lo, config->tracks[i].name);
		}
		lint_source_inputs_free(in, paths, src->n);
		strata_source_free(src);
	}
	if (rc == 0 && o->track != NULL && runs->n == 0) {
		strata_error_set(&err, STRATA_EINVAL, "no track '%s' in the project", o->track);
		rc = cli_report(ctx, &err);
	}
	strata_problems_release(&problems);
	return rc;
}

/* The version of the server -d/--database-url names: the target when nothing else says. */
static int live_version(cli_ctx *ctx, int *out)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	int rc = cli_resolve_database(&ci, ctx, &err);

	if (rc == 0)
		rc = strata_conn_open(&c, ci, &err);
	if (rc == 0)
		*out = strata_conn_server_version(c);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

int cmd_lint(cli_ctx *ctx, int argc, char **argv)
{
	lint_cli_opts o;
	const cli_option opts[] = {
		{ "format", 0, CLI_OPT_CHOICE, &o.format, "text|json|sarif|github",
		  "report format (default text); sarif is SARIF 2.1.0, github prints workflow annotations",
		  0, 0, format_choices },
		{ "pg-version", 0, CLI_OPT_STRING, &o.pg_version, "VERSION",
		  "the PostgreSQL version the migrations run on (default: strata.yaml lint: pg_version, else "
		  "the server -d names, else 15)", 0, 0, NULL },
		{ "fail-on", 0, CLI_OPT_CHOICE, &o.fail_on, "error|warning|none",
		  "findings of this severity or worse exit 1 (default error)", 0, 0, fail_choices },
		{ "assume-in-transaction", 0, CLI_OPT_FLAG, &o.in_transaction, NULL,
		  "files given run in one transaction each (the default for a project's tracks)", 0, 0, NULL },
		{ "no-transaction", 0, CLI_OPT_FLAG, &o.no_transaction, NULL,
		  "the runner does not wrap files in a transaction", 0, 0, NULL },
		{ "track", 0, CLI_OPT_STRING, &o.track, "NAME",
		  "lint only this track of the project", 0, 0, NULL },
		{ "rule", 0, CLI_OPT_LIST, &o.rule_args, "ID=SEVERITY",
		  "set a rule's severity: off, warning or error (repeatable)", 0, 0, NULL },
		{ "rules", 0, CLI_OPT_FLAG, &o.list_rules, NULL,
		  "list every rule with its severity and family, and exit", 0, 0, NULL },
		{ "together", 0, CLI_OPT_FLAG, &o.together, NULL,
		  "files given are applied together, in order: tables one creates are new for the next",
		  0, 0, NULL },
		{ "since", 0, CLI_OPT_STRING, &o.since, "VERSION",
		  "project: migrations before VERSION are applied (context only; their tables exist)", 0, 0, NULL },
		{ "baseline", 0, CLI_OPT_STRING, &o.baseline, "FILE",
		  "findings whose fingerprints FILE lists are accepted and not reported (default: strata.yaml "
		  "lint: baseline)", 0, 0, NULL },
		{ "write-baseline", 0, CLI_OPT_STRING, &o.write_baseline, "FILE",
		  "write every finding's fingerprint to FILE (adopting the linter on an old repository) and exit 0",
		  0, 0, NULL },
		{ "migration-name-pattern", 0, CLI_OPT_STRING, &o.migration_pattern, "REGEX",
		  "migration file names (without .up.sql) must match REGEX, e.g. '^[0-9]{12}_[a-z0-9_]+$' "
		  "(default: strata.yaml lint: naming: migration)", 0, 0, NULL },
		{ "classification", 0, CLI_OPT_STRING, &o.classification, "FILE",
		  "new columns need an entry in this data classification (default: strata.yaml lint: "
		  "classification)", 0, 0, NULL },
		{ "explain", 0, CLI_OPT_FLAG, &o.explain, NULL,
		  "print each statement's locks instead of findings: level, what it blocks, rewrite or scan",
		  0, 0, NULL },
		CLI_OPTIONS_END
	};
	strata_lint_options lo = STRATA_LINT_OPTIONS_INIT;
	strata_project_config *config = NULL;
	lint_config lc;
	lint_runs runs;
	char **args;
	int nargs, rc;

	memset(&o, 0, sizeof(o));
	memset(&runs, 0, sizeof(runs));
	memset(&lc, 0, sizeof(lc));
	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "lint");
	if (rc != 0)
		return rc;
	if (o.format == LINT_FORMAT_JSON)
		ctx->format = CLI_FORMAT_JSON;
	if (ctx->help) {
		print_help(ctx, opts);
		return CLI_EXIT_OK;
	}
	if (o.list_rules)
		return list_rules(ctx, &o);
	if (o.in_transaction && o.no_transaction)
		return cli_usage_error(ctx, "--assume-in-transaction and --no-transaction contradict each other");
	if (nargs > 0 && (o.track != NULL || o.since != NULL))
		return cli_usage_error(ctx, "--track and --since choose the project's migrations: give them without files");
	if (nargs == 0 && o.together)
		return cli_usage_error(ctx, "--together is for files given on the command line (a project's "
			"tracks are linted in order already)");
	if (o.write_baseline != NULL && (o.baseline != NULL || o.explain))
		return cli_usage_error(ctx, "--write-baseline records every finding: not with --baseline or --explain");
	if ((rc = cli_project_config(&config, ctx)) != 0)
		return rc;
	lo.pg_version = config->lint_pg_version > 0 ? config->lint_pg_version : 150000;
	if (o.pg_version != NULL && (rc = parse_pg_version(ctx, o.pg_version, &lo.pg_version)) != 0)
		goto done;
	if (o.pg_version == NULL && config->lint_pg_version == 0 && ctx->database_url != NULL &&
		(rc = live_version(ctx, &lo.pg_version)) != 0)
		goto done;
	if ((rc = parse_rule_overrides(ctx, &o)) != 0 || (rc = lint_config_apply(ctx, &lc, config, &lo)) != 0 ||
		(rc = lint_config_project(ctx, &lc, config, o.migration_pattern, o.classification, &lo)) != 0)
		goto done;
	if (o.baseline != NULL)
		rc = lint_baseline_load(ctx, &lc, o.baseline, &lo);
	else if (o.write_baseline == NULL && config->lint_baseline != NULL &&
		access(config->lint_baseline, F_OK) == 0)
		rc = lint_baseline_load(ctx, &lc, config->lint_baseline, &lo);
	if (rc != 0)
		goto done;
	lo.explain = o.explain;
	if (o.explain && (o.format == LINT_FORMAT_SARIF || o.format == LINT_FORMAT_GITHUB)) {
		rc = cli_usage_error(ctx, "--explain prints text or JSON only");
		goto done;
	}
	lo.rule_ids = o.ids;
	lo.rule_severities = o.sevs;
	lo.nrules = (size_t)o.rule_args.n;
	ctx->command = "lint";
	if (nargs > 0) {
		strata_lint_input *in;
		int i;

		in = calloc((size_t)nargs + 1, sizeof(*in));
		if (in == NULL) {
			rc = CLI_EXIT_INTERNAL;
			goto done;
		}
		for (i = 0; i < nargs; i++)
			in[i].path = args[i];
		lo.assume_in_transaction = o.in_transaction;
		lo.separate = !o.together;
		rc = lint_run_inputs(ctx, &runs, in, (size_t)nargs, &lo, NULL);
		free(in);
	} else {
		rc = lint_project(ctx, &o, &runs, &lo, config);
	}
	if (rc == 0 && o.write_baseline != NULL)
		rc = lint_baseline_write(ctx, o.write_baseline, &runs);
	else if (rc == 0 && o.explain)
		rc = lint_print_explain(ctx, &o, &runs);
	else if (rc == 0)
		rc = lint_print(ctx, &o, &runs);
done:
	lint_config_release(&lc);
	strata_project_config_free(config);
	lint_runs_release(&runs);
	return rc;
}
