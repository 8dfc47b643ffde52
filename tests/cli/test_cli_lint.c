/*
 * test_cli_lint.c: `strata lint` black-box.
 *
 * Every rule has a folder tests/data/lint/<rule>/ with fail.sql (the rule
 * fires), pass.sql (the safe form: it does not) and ignored.sql (it fires
 * but an ignore comment suppresses it; not for the rules about ignores and
 * syntax), each with its exact expected text output in <name>.txt, and
 * optionally `args` (extra arguments, one per line). A rule without its
 * folder fails the test, so a new rule cannot land without examples.
 * STRATA_UPDATE_GOLDEN=1 rewrites the .txt files (then read the diff).
 *
 * Then the formats (JSON, SARIF, GitHub), exit codes, options, new tables
 * across files, and a project's tracks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

static const char *const clean_env[] = { CLI_CLEAN_ENV, "NO_COLOR=1", NULL };

/* Runs strata lint in cwd with args (NULL-terminated); the exit code must be want. */
static void lint_in(cli_result *r, const char *cwd, const char *const *args, int want)
{
	const char *argv[40];
	size_t n = 0;

	argv[n++] = "lint";
	while (*args != NULL && n < 39)
		argv[n++] = *args++;
	argv[n] = NULL;
	cli_run(r, cwd, clean_env, argv);
	if (r->status != want)
		fail_msg("strata lint %s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s",
			argv[1] ? argv[1] : "", r->status, want, strata_buf_cstr(&r->out),
			strata_buf_cstr(&r->err));
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Counts findings of rule in a JSON report. */
static size_t count_rule(const char *json, const char *rule, size_t *ignored)
{
	json_error_t jerr;
	json_t *doc = json_loads(json, 0, &jerr), *fs;
	size_t i, n = 0;

	if (doc == NULL)
		fail_msg("lint JSON: %s\n%s", jerr.text, json);
	fs = json_object_get(doc, "findings");
	for (i = 0; i < json_array_size(fs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(fs, i), "rule")), rule) == 0)
			n++;
	if (ignored != NULL)
		*ignored = (size_t)json_integer_value(json_object_get(doc, "ignored"));
	json_decref(doc);
	return n;
}

/* The extra arguments in <dir>/args, one per line (into argv, from *n). */
static char *read_args(const char *dir, const char **argv, size_t *n)
{
	char path[600];
	char *text, *p;

	snprintf(path, sizeof(path), "%s/args", dir);
	if (!exists(path))
		return NULL;
	text = cli_read_file(path);
	p = text;
	while (*p != '\0' && *n < 16) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (*p != '\0')
			argv[(*n)++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return text;
}

/* strata lint <argv...> in dir. */
static void run_example(cli_result *r, const char *dir, const char *const *argv, size_t n)
{
	const char *args[40] = { "lint" };
	size_t k;

	for (k = 0; k < n && k < 38; k++)
		args[k + 1] = argv[k];
	args[k + 1] = NULL;
	cli_run(r, dir, clean_env, args);
}

/* One example of a rule: its golden text output, and whether the rule fired. */
static void example(const char *rule, const char *dir, const char *name, int fires, int ignored)
{
	const char *argv[24];
	char file[64], golden[200];
	cli_result r;
	size_t n = 0, hits, nignored = 0;
	char *extra;

	snprintf(file, sizeof(file), "%s.sql", name);
	extra = read_args(dir, argv, &n);
	argv[n++] = file;
	/* Text: exactly as committed. */
	run_example(&r, dir, argv, n);
	if (r.status != 0 && r.status != 1)
		fail_msg("%s/%s: exit %d\n%s", rule, file, r.status, strata_buf_cstr(&r.err));
	snprintf(golden, sizeof(golden), "lint/%s/%s.txt", rule, name);
	cli_assert_golden(strata_buf_cstr(&r.out), golden);
	cli_result_free(&r);
	/* JSON: the rule fired, or not, or was ignored. */
	argv[n++] = "--format";
	argv[n++] = "json";
	run_example(&r, dir, argv, n);
	hits = count_rule(strata_buf_cstr(&r.out), rule, &nignored);
	if (fires && hits == 0)
		fail_msg("%s/%s: the rule did not fire", rule, file);
	if (!fires && hits > 0)
		fail_msg("%s/%s: the rule fired %zu time(s)\n%s", rule, file, hits, strata_buf_cstr(&r.out));
	if (ignored && nignored == 0)
		fail_msg("%s/%s: nothing was ignored", rule, file);
	cli_result_free(&r);
	free(extra);
}

static void every_rule_has_failing_passing_and_ignored_examples(void **state)
{
	cli_result r;
	json_error_t jerr;
	json_t *rules;
	size_t i;
	char *data = cli_source_path("tests/data/lint");
	const char *const list[] = { "--rules", "--format", "json", NULL };

	(void)state;
	lint_in(&r, NULL, list, 0);
	rules = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	assert_non_null(rules);
	assert_true(json_array_size(rules) >= 7);
	for (i = 0; i < json_array_size(rules); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(rules, i), "id"));
		const char *family = json_string_value(json_object_get(json_array_get(rules, i), "family"));
		char dir[512];
		int meta = strcmp(family, "parser") == 0 || strcmp(family, "ignores") == 0;

		snprintf(dir, sizeof(dir), "%s/%s", data, id);
		if (!exists(dir))
			fail_msg("rule %s has no examples in tests/data/lint/%s/", id, id);
		example(id, dir, "fail", 1, 0);
		example(id, dir, "pass", 0, 0);
		if (!meta)
			example(id, dir, "ignored", 0, 1);
	}
	json_decref(rules);
	cli_result_free(&r);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rule_has_failing_passing_and_ignored_examples),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
