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
		/* Its page, listed in the index with its severity. */
		{
			char rel[300], *page, *index, row[300], *path;

			snprintf(rel, sizeof(rel), "docs/lint/%s.md", id);
			path = cli_source_path(rel);
			page = cli_read_file(path);
			free(path);
			snprintf(row, sizeof(row), "# %s\n", id);
			if (strncmp(page, row, strlen(row)) != 0)
				fail_msg("%s does not start with '# %s'", rel, id);
			snprintf(row, sizeof(row), "| [`%s`](%s.md) | %s |", id, id,
				json_string_value(json_object_get(json_array_get(rules, i), "severity")));
			path = cli_source_path("docs/lint/README.md");
			index = cli_read_file(path);
			free(path);
			if (strstr(index, row) == NULL)
				fail_msg("docs/lint/README.md has no row starting '%s'", row);
			strata_free(page);
			strata_free(index);
		}
		example(id, dir, "fail", 1, 0);
		example(id, dir, "pass", 0, 0);
		if (!meta)
			example(id, dir, "ignored", 0, 1);
	}
	json_decref(rules);
	cli_result_free(&r);
	free(data);
}

/* --explain: the lock model per statement, as text and JSON. */
static void explain_prints_each_statements_locks(void **state)
{
	const char *const text[] = { "--explain", "explain.sql", NULL };
	const char *const json[] = { "--explain", "--format", "json", "explain.sql", NULL };
	const char *const sarif[] = { "--explain", "--format", "sarif", "explain.sql", NULL };
	char *dir = cli_source_path("tests/data/lint-explain");
	json_error_t jerr;
	json_t *doc, *st;
	cli_result r;

	(void)state;
	lint_in(&r, dir, text, 0);
	cli_assert_golden(strata_buf_cstr(&r.out), "lint-explain/explain.txt");
	cli_result_free(&r);
	lint_in(&r, dir, json, 0);
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	assert_non_null(doc);
	/* The type change of a column created in the file is judged on its known old type. */
	st = json_array_get(json_object_get(doc, "statements"), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(st, "locks"), 0),
		"level")), "ACCESS EXCLUSIVE");
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(st, "locks"), 0), "rewrites")));
	st = json_array_get(json_object_get(doc, "statements"), 2);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(st, "locks"), 1), "rewrites")));
	json_decref(doc);
	cli_result_free(&r);
	lint_in(&r, dir, sarif, 2);
	cli_result_free(&r);
	free(dir);
}

/* SARIF 2.1.0 and GitHub annotations of the same findings, and the exit codes. */
static void formats_and_exit_codes(void **state)
{
	const char *const sarif[] = { "--format", "sarif", "fail.sql", NULL };
	const char *const github[] = { "--format", "github", "fail.sql", NULL };
	const char *const warn_only[] = { "pass.sql", NULL };
	const char *const fail_on_warning[] = { "--fail-on", "warning", "ignored.sql", "fail.sql", NULL };
	const char *const fail_on_none[] = { "--fail-on", "none", "fail.sql", NULL };
	const char *const off[] = { "--rule", "require-concurrent-index-create=off", "--rule",
		"require-lock-timeout=off", "fail.sql", NULL };
	const char *const bad_rule[] = { "--rule", "no-such-rule=off", "fail.sql", NULL };
	const char *const bad_version[] = { "--pg-version", "9.6", "fail.sql", NULL };
	const char *const missing[] = { "no-such-file.sql", NULL };
	char *dir = cli_source_path("tests/data/lint/require-concurrent-index-create");
	json_error_t jerr;
	json_t *doc, *run, *res, *loc;
	cli_result r;
	size_t i, found = 0;

	(void)state;
	lint_in(&r, dir, sarif, 1);
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	if (doc == NULL)
		fail_msg("SARIF is not JSON: %s", jerr.text);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(run, "tool"),
		"driver"), "name")), "strata lint");
	assert_true(json_array_size(json_object_get(json_object_get(json_object_get(run, "tool"), "driver"),
		"rules")) >= 40);
	res = json_object_get(run, "results");
	for (i = 0; i < json_array_size(res); i++) {
		json_t *x = json_array_get(res, i);
		json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
		size_t k = (size_t)json_integer_value(json_object_get(x, "ruleIndex"));

		/* ruleIndex points at the rule named by ruleId. */
		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, k), "id")),
			json_string_value(json_object_get(x, "ruleId")));
		if (strcmp(json_string_value(json_object_get(x, "ruleId")), "require-concurrent-index-create") != 0)
			continue;
		found++;
		assert_string_equal(json_string_value(json_object_get(x, "level")), "error");
		loc = json_object_get(json_object_get(json_array_get(json_object_get(x, "locations"), 0),
			"physicalLocation"), "region");
		assert_int_equal(json_integer_value(json_object_get(loc, "startLine")), 1);
		assert_int_equal(json_integer_value(json_object_get(loc, "startColumn")), 33);
		assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(x, "partialFingerprints"),
			"strataFingerprint/v1"))), 16);
	}
	assert_int_equal(found, 1);
	json_decref(doc);
	cli_result_free(&r);

	lint_in(&r, dir, github, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "::error file=fail.sql,line=1,col=33,endLine=1,"
		"title=require-concurrent-index-create::CREATE INDEX on 'orders' takes a SHARE lock"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "%0A%0AInstead: CREATE INDEX CONCURRENTLY"));
	cli_result_free(&r);

	/* Warnings alone exit 0, unless --fail-on warning; --fail-on none never fails. */
	lint_in(&r, dir, warn_only, 0);
	cli_result_free(&r);
	lint_in(&r, dir, fail_on_warning, 1);
	cli_result_free(&r);
	lint_in(&r, dir, fail_on_none, 0);
	cli_result_free(&r);
	lint_in(&r, dir, off, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "no findings"));
	cli_result_free(&r);
	lint_in(&r, dir, bad_rule, 2);
	cli_result_free(&r);
	lint_in(&r, dir, bad_version, 2);
	cli_result_free(&r);
	lint_in(&r, dir, missing, 3);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "no-such-file.sql"));
	cli_result_free(&r);
	free(dir);
}

/* strata.yaml's lint: section (per-path settings with a reason) and baselines. */
static void project_settings_and_baselines(void **state)
{
	const char *const lint[] = { NULL };
	const char *const json[] = { "--format", "json", NULL };
	const char *const write[] = { "--write-baseline", "baseline.json", NULL };
	const char *const with[] = { "--baseline", "baseline.json", NULL };
	char *dir = th_tempdir("lint-project"), path[600], *platform;
	strata_error err = STRATA_ERROR_INIT;
	cli_result r;

	(void)state;
	snprintf(path, sizeof(path), "%s/migrations", dir);
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	snprintf(path, sizeof(path), "%s/migrations/0001_a.up.sql", dir);
	th_write_file(path, "CREATE INDEX a_x ON a (x);\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0002_b.up.sql", dir);
	th_write_file(path, "CREATE INDEX b_x ON b (x);\n", 0644);
	snprintf(path, sizeof(path), "%s/strata.yaml", dir);
	th_write_file(path, "tracks:\n  default:\n    path: migrations\n    layout: strata\n"
		"lint:\n  pg_version: 14\n  rules:\n    require-concurrent-index-create:\n"
		"      severity: warning\n      paths: [migrations/0001_*]\n      reason: a is empty\n", 0644);
	/* 0001 is a warning by the project's setting, 0002 still an error. */
	lint_in(&r, dir, lint, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "0001_a.up.sql:1:21: warning[require-concurrent-index-create]"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "0002_b.up.sql:1:21: error[require-concurrent-index-create]"));
	cli_result_free(&r);
	/* A baseline accepts what is there today; a new finding is still reported. */
	lint_in(&r, dir, write, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "wrote 2 fingerprints of 2 findings"));
	cli_result_free(&r);
	lint_in(&r, dir, with, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "no findings (2 accepted by the baseline)"));
	cli_result_free(&r);
	snprintf(path, sizeof(path), "%s/migrations/0003_c.up.sql", dir);
	th_write_file(path, "CREATE INDEX c_x ON c (x);\n", 0644);
	lint_in(&r, dir, with, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "0003_c.up.sql:1:21: error"));
	assert_null(strstr(strata_buf_cstr(&r.out), "0002_b.up.sql"));
	cli_result_free(&r);
	/* Settings are checked: an unknown rule names strata.yaml and its line. */
	snprintf(path, sizeof(path), "%s/strata.yaml", dir);
	th_write_file(path, "lint:\n  rules:\n    no-such-rule: off\n", 0644);
	lint_in(&r, dir, json, 3);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "unknown lint rule 'no-such-rule' (line 3)"));
	cli_result_free(&r);
	th_write_file(path, "lint:\n  rules:\n    cascade:\n      severity: off\n      paths: [x]\n", 0644);
	lint_in(&r, dir, json, 3);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "needs a 'reason'"));
	cli_result_free(&r);
	th_rmtree(dir);
	free(dir);

	/* The reference platform schema lints clean, its kept findings explained in its strata.yaml. */
	platform = cli_source_path("schema/platform");
	lint_in(&r, platform, lint, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "15 files, 439 statements: no findings (4 ignored "
		"by comments or strata.yaml)"));
	cli_result_free(&r);
	free(platform);
}

/* ---- the guardrail of migrate up ---- */

typedef struct guard_fx {
	char *url;
	char *dir;
	char env_url[1024];
	const char *env[24];
} guard_fx;

static void put(const guard_fx *g, const char *rel, const char *text)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", g->dir, rel);
	th_write_file(path, text, 0644);
}

static void migrate(cli_result *r, const guard_fx *g, int want, const char *const *args)
{
	const char *argv[16] = { "migrate" };
	size_t n = 1;

	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	cli_run(r, g->dir, g->env, argv);
	if (r->status != want)
		fail_msg("strata migrate %s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", argv[1],
			r->status, want, strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
}

static char *q(const guard_fx *g, const char *sql)
{
	strata_conn *c = th_connect(g->url);
	char *v = th_value(c, sql);
	char *copy = strdup(v != NULL ? v : "NULL");

	strata_free(v);
	strata_conn_close(c);
	return copy;
}

static void up_lints_pending_migrations_and_records_accepted_risks(void **state)
{
	const char *const up_to_1[] = { "up", "--to", "0001", NULL };
	const char *const up[] = { "up", NULL };
	const char *const no_reason[] = { "up", "--accept-risk", "require-concurrent-index-create", NULL };
	const char *const unknown[] = { "up", "--accept-risk", "no-such-rule", "--reason", "x", NULL };
	const char *const down_accept[] = { "down", "--accept-risk", "require-concurrent-index-create",
		"--reason", "x", NULL };
	const char *const accept[] = { "up", "--accept-risk", "require-concurrent-index-create", "--reason",
		"orders is empty until the launch", NULL };
	static const char *const clean[] = { CLI_CLEAN_ENV, NULL };
	guard_fx g;
	cli_result r;
	char *v;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.url = th_db_create("lintguard");
	g.dir = th_tempdir("lint-guard");
	snprintf(g.env_url, sizeof(g.env_url), "DATABASE_URL=%s", g.url);
	for (i = 0; clean[i] != NULL; i++)
		g.env[i] = clean[i];
	g.env[i++] = g.env_url;
	g.env[i] = NULL;
	put(&g, "strata.yaml", "tracks:\n  default:\n    path: migrations\n");
	{
		char mig[600];

		strata_error err = STRATA_ERROR_INIT;

		snprintf(mig, sizeof(mig), "%s/migrations", g.dir);
		th_ok(st_mkdir_p(mig, 0755, &err), &err);
	}
	put(&g, "migrations/0001_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n");
	put(&g, "migrations/0002_orders_customer.up.sql",
		"CREATE INDEX orders_customer ON orders (customer_id);\n");

	/* 0001 applied: orders exists, so 0002's index build on it is an error, and nothing runs. */
	migrate(&r, &g, 0, up_to_1);
	cli_result_free(&r);
	migrate(&r, &g, 1, up);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "migrations/0002_orders_customer.up.sql:1:33: "
		"error[require-concurrent-index-create]"));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "lint: 1 error in the pending migrations: nothing "
		"was applied"));
	cli_result_free(&r);
	v = q(&g, "SELECT count(*) FROM strata.history");
	assert_string_equal(v, "1");
	free(v);
	migrate(&r, &g, 2, no_reason);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "--accept-risk needs --reason"));
	cli_result_free(&r);
	migrate(&r, &g, 2, unknown);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "unknown lint rule"));
	cli_result_free(&r);
	migrate(&r, &g, 2, down_accept);
	cli_result_free(&r);

	/* Accepted: applied, and the ledger says who accepted what and why, with the apply. */
	migrate(&r, &g, 0, accept);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "accepted risk require-concurrent-index-create"));
	cli_result_free(&r);
	v = q(&g, "SELECT string_agg(concat_ws(' | ', version, kind, message, detail->>'rule', detail->>'file',"
		" detail->>'line'), E'\\n' ORDER BY id) FROM strata.events WHERE version = '0002'");
	assert_string_equal(v, "0002 | apply\n0002 | accept_risk | orders is empty until the launch | "
		"require-concurrent-index-create | migrations/0002_orders_customer.up.sql | 1");
	free(v);

	/* A fresh database: orders is created by a pending migration of the same run: nothing to say. */
	th_db_drop(g.url);
	free(g.url);
	g.url = th_db_create("lintguard");
	snprintf(g.env_url, sizeof(g.env_url), "DATABASE_URL=%s", g.url);
	migrate(&r, &g, 0, up);
	assert_null(strstr(strata_buf_cstr(&r.err), "require-concurrent-index-create"));
	cli_result_free(&r);

	th_db_drop(g.url);
	free(g.url);
	th_rmtree(g.dir);
	free(g.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rule_has_failing_passing_and_ignored_examples),
		cmocka_unit_test(explain_prints_each_statements_locks),
		cmocka_unit_test(formats_and_exit_codes),
		cmocka_unit_test(project_settings_and_baselines),
		cmocka_unit_test(up_lints_pending_migrations_and_records_accepted_risks),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
