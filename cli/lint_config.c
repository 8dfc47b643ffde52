/*
 * lint_config.c: strata.yaml's lint section and baseline files, turned into
 * strata_lint_options for `strata lint` and the guardrail of `migrate up`.
 *
 * A baseline file is JSON: {"fingerprints": ["<16 hex>", ...]}, written by
 * `strata lint --write-baseline FILE`; the JSON report of `strata lint
 * --format json` is accepted too (its findings' fingerprints).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lint_cli.h"

static int severity_named(const char *s, strata_lint_severity *out)
{
	if (strcmp(s, "off") == 0)
		*out = STRATA_LINT_OFF;
	else if (strcmp(s, "warning") == 0)
		*out = STRATA_LINT_WARNING;
	else if (strcmp(s, "error") == 0)
		*out = STRATA_LINT_ERROR;
	else
		return -1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int bad_input(cli_ctx *ctx, const char *fmt, const char *a, const char *b, int line)
{
	strata_error err = STRATA_ERROR_INIT;
	char where[64] = "";

	if (line > 0)
		snprintf(where, sizeof(where), " (line %d)", line);
	strata_error_set(&err, STRATA_EINVAL, fmt, a, b, where);
	return cli_report(ctx, &err);
}

int lint_config_apply(cli_ctx *ctx, lint_config *lc, const strata_project_config *config,
	strata_lint_options *lo)
{
	size_t i;

	if (config == NULL || config->nlint_rules == 0)
		return 0;
	lc->settings = calloc(config->nlint_rules, sizeof(*lc->settings));
	if (lc->settings == NULL)
		return CLI_EXIT_INTERNAL;
	for (i = 0; i < config->nlint_rules; i++) {
		const strata_lint_rule_config *r = &config->lint_rules[i];
		const strata_lint_rule *rule = strata_lint_rule_find(r->rule);
		strata_lint_setting *s = &lc->settings[i];

		if (rule == NULL)
			return bad_input(ctx, "%s: unknown lint rule '%s'%s (see 'strata lint --rules')",
				config->file, r->rule, r->line);
		if (severity_named(r->severity, &s->severity) != 0)
			return bad_input(ctx, "%s: the severity of lint rule '%s'%s is off, warning or error",
				config->file, r->rule, r->line);
		s->rule = rule->id;
		s->paths = (const char *const *)r->paths;
		s->npaths = r->npaths;
	}
	lo->settings = lc->settings;
	lo->nsettings = config->nlint_rules;
	return 0;
}

int lint_baseline_load(cli_ctx *ctx, lint_config *lc, const char *path, strata_lint_options *lo)
{
	strata_error err = STRATA_ERROR_INIT;
	json_error_t jerr;
	json_t *doc, *list, *v;
	size_t i, n = 0;

	doc = json_load_file(path, 0, &jerr);
	if (doc == NULL) {
		strata_error_set(&err, STRATA_EINVAL, "baseline %s: line %d: %s", path, jerr.line, jerr.text);
		return cli_report(ctx, &err);
	}
	list = json_object_get(doc, "fingerprints");
	if (list == NULL)
		list = json_object_get(doc, "findings");
	if (!json_is_array(list)) {
		json_decref(doc);
		strata_error_set(&err, STRATA_EINVAL, "baseline %s: no \"fingerprints\" list", path);
		return cli_report(ctx, &err);
	}
	lc->baseline = calloc(json_array_size(list) + 1, sizeof(char *));
	if (lc->baseline == NULL) {
		json_decref(doc);
		return CLI_EXIT_INTERNAL;
	}
	json_array_foreach(list, i, v) {
		const char *fp = json_is_string(v) ? json_string_value(v) :
			json_string_value(json_object_get(v, "fingerprint"));

		if (fp == NULL || strlen(fp) != 16) {
			json_decref(doc);
			strata_error_set(&err, STRATA_EINVAL, "baseline %s: item %zu is not a fingerprint", path,
				i + 1);
			return cli_report(ctx, &err);
		}
		if ((lc->baseline[n] = strdup(fp)) == NULL) {
			json_decref(doc);
			return CLI_EXIT_INTERNAL;
		}
		n++;
	}
	json_decref(doc);
	qsort(lc->baseline, n, sizeof(char *), cmp_str);
	lc->nbaseline = n;
	lo->baseline = (const char *const *)lc->baseline;
	lo->nbaseline = n;
	return 0;
}

int lint_baseline_write(cli_ctx *ctx, const char *path, const lint_runs *runs)
{
	strata_error err = STRATA_ERROR_INIT;
	json_t *doc = json_object(), *list = json_array();
	char **fps;
	size_t i, j, n = 0, total = 0;
	int rc = 0;

	for (i = 0; i < runs->n; i++)
		total += runs->reports[i]->nfindings;
	fps = calloc(total + 1, sizeof(char *));
	if (doc == NULL || list == NULL || fps == NULL) {
		json_decref(doc);
		json_decref(list);
		free(fps);
		return CLI_EXIT_INTERNAL;
	}
	for (i = 0; i < runs->n; i++)
		for (j = 0; j < runs->reports[i]->nfindings; j++)
			fps[n++] = runs->reports[i]->findings[j].fingerprint;
	qsort(fps, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(fps[i], fps[i - 1]) != 0)
			json_array_append_new(list, json_string(fps[i]));
	json_object_set_new(doc, "fingerprints", list);
	if (json_dump_file(doc, path, JSON_INDENT(1)) != 0) {
		strata_error_set(&err, STRATA_EIO, "cannot write the baseline %s", path);
		rc = cli_report_exit(ctx, &err, CLI_EXIT_INPUT);
	} else {
		strata_log(STRATA_LOG_NOTICE, "wrote %zu fingerprint%s of %zu finding%s to %s",
			json_array_size(list), json_array_size(list) == 1 ? "" : "s", n, n == 1 ? "" : "s", path);
	}
	json_decref(doc);
	free(fps);
	return rc;
}

int lint_config_project(cli_ctx *ctx, lint_config *lc, const strata_project_config *config,
	const char *migration_pattern, const char *classification, strata_lint_options *lo)
{
	strata_error err = STRATA_ERROR_INIT;
	const char **slots[5];
	size_t i;

	slots[0] = &lo->naming.table;
	slots[1] = &lo->naming.column;
	slots[2] = &lo->naming.index;
	slots[3] = &lo->naming.constraint;
	slots[4] = &lo->naming.migration;
	for (i = 0; i < 5; i++)
		if (config != NULL && config->lint_naming[i] != NULL)
			*slots[i] = config->lint_naming[i];
	if (migration_pattern != NULL)
		lo->naming.migration = migration_pattern;
	for (i = 0; i < 5; i++)
		if (*slots[i] != NULL && strata_lint_name_pattern_check(*slots[i], &err) != 0)
			return cli_report(ctx, &err);
	if (classification == NULL && config != NULL)
		classification = config->lint_classification;
	if (classification == NULL)
		return 0;
	if (strata_classification_load(&lc->classified, &lc->nclassified, classification, &err) != 0)
		return err.code == STRATA_EIO ? cli_report_exit(ctx, &err, CLI_EXIT_INPUT) : cli_report(ctx, &err);
	lo->classification = 1;
	lo->classified = (const char *const *)lc->classified;
	lo->nclassified = lc->nclassified;
	return 0;
}

void lint_config_release(lint_config *lc)
{
	size_t i;

	strata_classification_free(lc->classified, lc->nclassified);
	free(lc->settings);
	for (i = 0; i < lc->nbaseline; i++)
		free(lc->baseline[i]);
	free(lc->baseline);
	memset(lc, 0, sizeof(*lc));
}

strata_lint_input *lint_source_inputs(const strata_source *src, size_t n, strata_buf **paths)
{
	strata_lint_input *in = calloc(n + 1, sizeof(*in));
	size_t j;

	*paths = calloc(n + 1, sizeof(**paths));
	if (in == NULL || *paths == NULL) {
		free(in);
		free(*paths);
		*paths = NULL;
		return NULL;
	}
	for (j = 0; j < n; j++) {
		const strata_sql_part *up = &src->migrations[j].up;

		strata_buf_printf(&(*paths)[j], "%s/%s", src->root, up->path);
		in[j].path = up->path;
		in[j].file = strata_buf_cstr(&(*paths)[j]);
		in[j].text = up->sql;
		in[j].len = up->len;
		in[j].first_line = up->first_line;
		in[j].no_transaction = up->mode == STRATA_EXEC_STATEMENTS;
	}
	return in;
}

void lint_source_inputs_free(strata_lint_input *in, strata_buf *paths, size_t n)
{
	size_t j;

	for (j = 0; paths != NULL && j < n; j++)
		strata_buf_release(&paths[j]);
	free(paths);
	free(in);
}
