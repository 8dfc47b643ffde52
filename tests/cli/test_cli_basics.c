/*
 * test_cli_basics.c: the strata command as a user meets it, black-box: help
 * and version output (golden files), usage errors and their exit code, and
 * the three connection failures a new user hits first (malformed URL, wrong
 * password, unreachable host), each one line on stderr with the password
 * masked and the documented exit code. Also JSON errors and a missing or
 * unreadable password file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "cluster/cluster_int.h"

static const char *const clean_env[] = { CLI_CLEAN_ENV, NULL };

static void run(cli_result *r, const char *const *args)
{
	cli_run(r, NULL, clean_env, args);
}

static void help_matches_golden(void **state)
{
	cli_result r;
	const char *const main_help[] = { "--help", NULL };
	const char *const dev_help[] = { "dev", "--help", NULL };
	const char *const help_dev[] = { "help", "dev", NULL };
	const char *const doctor_help[] = { "doctor", "--help", NULL };
	char *dev_text;

	(void)state;
	run(&r, main_help);
	assert_int_equal(r.status, 0);
	cli_assert_golden(strata_buf_cstr(&r.out), "cli/help.txt");
	assert_string_equal(strata_buf_cstr(&r.err), "");
	cli_result_free(&r);

	run(&r, dev_help);
	assert_int_equal(r.status, 0);
	cli_assert_golden(strata_buf_cstr(&r.out), "cli/dev-help.txt");
	dev_text = strdup(strata_buf_cstr(&r.out));
	cli_result_free(&r);

	/* `strata help dev` is the same page. */
	run(&r, help_dev);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), dev_text);
	cli_result_free(&r);
	free(dev_text);

	run(&r, doctor_help);
	assert_int_equal(r.status, 0);
	cli_assert_golden(strata_buf_cstr(&r.out), "cli/doctor-help.txt");
	cli_result_free(&r);
}

static void version_text_and_json(void **state)
{
	cli_result r;
	const char *const a1[] = { "--version", NULL };
	const char *const a2[] = { "version", "--format", "json", NULL };
	char expect[64];
	json_t *doc;
	json_error_t jerr;

	(void)state;
	run(&r, a1);
	assert_int_equal(r.status, 0);
	snprintf(expect, sizeof(expect), "strata %s (libpq ", strata_version());
	assert_true(strncmp(strata_buf_cstr(&r.out), expect, strlen(expect)) == 0);
	assert_int_equal(cli_count_lines(strata_buf_cstr(&r.out)), 1);
	cli_result_free(&r);

	run(&r, a2);
	assert_int_equal(r.status, 0);
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "strata")), strata_version());
	assert_true(json_integer_value(json_object_get(doc, "libpq")) >= 100000);
	json_decref(doc);
	cli_result_free(&r);
}

static void usage_errors_exit_2(void **state)
{
	static const char *const cases[][5] = {
		{ "bogus", NULL },
		{ "doctor", "--bogus", NULL },
		{ "doctor", "--rounds", "0", NULL },
		{ "doctor", "--rounds", "ten", NULL },
		{ "doctor", "--max-latency", "fast", NULL },
		{ "doctor", "--rounds", NULL },
		{ "--format", "yaml", "doctor", NULL },
		{ "dev", NULL },
		{ "dev", "sideways", NULL },
		{ "dev", "up", "extra-argument", NULL },
		{ "--quiet=yes", "doctor", NULL },
	};
	static const char *const expect[] = {
		"unknown command 'bogus'",
		"unknown option '--bogus' for 'strata doctor'",
		"invalid value '0' for --rounds",
		"invalid value 'ten' for --rounds",
		"invalid value 'fast' for --max-latency",
		"option '--rounds' needs a value",
		"invalid value 'yaml' for --format",
		"'strata dev' needs a command",
		"unknown command 'strata dev sideways'",
		"'strata dev up' takes no arguments",
		"option '--quiet' takes no value",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_result r;

		run(&r, cases[i]);
		if (r.status != 2 || strstr(strata_buf_cstr(&r.err), expect[i]) == NULL)
			fail_msg("case %zu: status %d, stderr: %s", i, r.status, strata_buf_cstr(&r.err));
		assert_true(strncmp(strata_buf_cstr(&r.err), "strata: error: ", 15) == 0);
		assert_int_equal(cli_count_lines(strata_buf_cstr(&r.err)), 1);
		assert_string_equal(strata_buf_cstr(&r.out), "");
		cli_result_free(&r);
	}
}

/* The cluster's TCP port, for URLs that need a real server behind them. */
static int cluster_port(void)
{
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;

	th_ok(strata_cluster_get_status(&st, th_cluster(), &err), &err);
	return st.port;
}

static void assert_one_line_error(const cli_result *r, int status, const char *must, const char *never)
{
	const char *err = strata_buf_cstr(&r->err);

	if (r->status != status)
		fail_msg("exit %d, expected %d; stderr: %s", r->status, status, err);
	assert_int_equal(cli_count_lines(err), 1);
	assert_true(strncmp(err, "strata: error: ", 15) == 0);
	if (strstr(err, must) == NULL)
		fail_msg("stderr lacks '%s': %s", must, err);
	if (never != NULL && strstr(err, never) != NULL)
		fail_msg("stderr shows the secret '%s': %s", never, err);
	if (never != NULL && strstr(strata_buf_cstr(&r->out), never) != NULL)
		fail_msg("stdout shows the secret '%s'", never);
}

static void malformed_url_is_bad_input(void **state)
{
	static const char *const urls[] = {
		"postgresql://alice:S3cretPw@localhost:notaport/app",
		"postgresql://alice:S3cretPw@[::1/app",
		"mysql://alice:S3cretPw@localhost/app",
		"postgresql://alice:S3cretPw@localhost/app?sslmode=sideways&bogus=1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const char *const args[] = { "doctor", "--database-url", urls[i], NULL };
		cli_result r;

		run(&r, args);
		assert_one_line_error(&r, 3, "invalid database URL", "S3cretPw");
		assert_non_null(strstr(strata_buf_cstr(&r.err), "alice:****@"));
		cli_result_free(&r);
	}
}

static void wrong_password_is_a_database_error(void **state)
{
	char url[256];
	const char *const args[] = { "doctor", "--database-url", url, NULL };
	cli_result r;

	(void)state;
	snprintf(url, sizeof(url), "postgresql://postgres:Wr0ngPassw0rd@127.0.0.1:%d/postgres",
		cluster_port());
	run(&r, args);
	assert_one_line_error(&r, 4, "password authentication failed", "Wr0ngPassw0rd");
	assert_non_null(strstr(strata_buf_cstr(&r.err), "postgres:****@127.0.0.1"));
	cli_result_free(&r);
}

static int free_port(void)
{
	strata_error err = STRATA_ERROR_INIT;
	int port = 0;

	th_ok(st_cluster_pick_port(&port, &err), &err);
	return port;
}

static void unreachable_host_is_a_database_error(void **state)
{
	char url[256];
	const char *const args[] = { "doctor", "--database-url", url, NULL };
	cli_result r;

	(void)state;
	snprintf(url, sizeof(url), "postgresql://app:Hidd3nPw@127.0.0.1:%d/app", free_port());
	run(&r, args);
	assert_one_line_error(&r, 4, "connection refused", "Hidd3nPw");
	assert_non_null(strstr(strata_buf_cstr(&r.err), "cannot connect to 'postgresql://app:****@127.0.0.1:"));
	cli_result_free(&r);
}

static void json_errors_are_one_object(void **state)
{
	const char *const args[] = { "--format", "json", "doctor", "--database-url",
		"postgresql://u:TopS3cret@h:bad/db", NULL };
	cli_result r;
	json_t *doc, *e;
	json_error_t jerr;

	(void)state;
	run(&r, args);
	assert_int_equal(r.status, 3);
	assert_int_equal(cli_count_lines(strata_buf_cstr(&r.err)), 1);
	assert_null(strstr(strata_buf_cstr(&r.err), "TopS3cret"));
	doc = json_loads(strata_buf_cstr(&r.err), 0, &jerr);
	assert_non_null(doc);
	e = json_object_get(doc, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid");
	assert_int_equal(json_integer_value(json_object_get(e, "exit")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "invalid database URL"));
	json_decref(doc);
	cli_result_free(&r);
}

static void database_url_from_environment_is_named(void **state)
{
	const char *const env[] = { CLI_CLEAN_ENV, "DATABASE_URL=postgresql://x:EnvS3cret@h:nope/db", NULL };
	const char *const args[] = { "doctor", NULL };
	cli_result r;

	(void)state;
	cli_run(&r, NULL, env, args);
	assert_one_line_error(&r, 3, "DATABASE_URL: invalid database URL", "EnvS3cret");
	cli_result_free(&r);
}

static void password_file_problems_are_bad_input(void **state)
{
	char *dir = th_tempdir("pwfile");
	char empty[512], url[256];
	const char *const missing[] = { "doctor", "--database-url", url, "--password-file",
		"/nonexistent/pw", NULL };
	const char *const blank[] = { "doctor", "--database-url", url, "--password-file", empty, NULL };
	cli_result r;

	(void)state;
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/postgres", cluster_port());
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	th_write_file(empty, "", 0600);
	run(&r, missing);
	assert_one_line_error(&r, 3, "cannot read password file '/nonexistent/pw'", NULL);
	cli_result_free(&r);
	run(&r, blank);
	assert_one_line_error(&r, 3, "is empty", NULL);
	cli_result_free(&r);
	th_rmtree(dir);
	free(dir);
}

static void exit_code_table_is_printed(void **state)
{
	const char *const args[] = { "help", "exit-codes", "--format", "json", NULL };
	cli_result r;
	json_t *doc;
	json_error_t jerr;

	(void)state;
	run(&r, args);
	assert_int_equal(r.status, 0);
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	assert_non_null(doc);
	assert_true(json_array_size(doc) >= 8);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 2), "code")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 2), "name")), "usage");
	json_decref(doc);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_matches_golden),
		cmocka_unit_test(version_text_and_json),
		cmocka_unit_test(usage_errors_exit_2),
		cmocka_unit_test(malformed_url_is_bad_input),
		cmocka_unit_test(wrong_password_is_a_database_error),
		cmocka_unit_test(unreachable_host_is_a_database_error),
		cmocka_unit_test(json_errors_are_one_object),
		cmocka_unit_test(database_url_from_environment_is_named),
		cmocka_unit_test(password_file_problems_are_bad_input),
		cmocka_unit_test(exit_code_table_is_printed),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
