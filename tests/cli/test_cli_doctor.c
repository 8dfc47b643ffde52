/*
 * test_cli_doctor.c: `strata doctor` black-box against the test cluster:
 * the text report and its exit code, the JSON report's shape, thresholds that
 * turn a check into a failure (exit 1), and where the database came from
 * (--database-url beats DATABASE_URL beats the PG* variables).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

typedef struct dbs {
	char *a;     /* socket URL of database A */
	char *b;     /* and of B */
} dbs;

static int setup(void **state)
{
	dbs *d = calloc(1, sizeof(*d));

	d->a = th_db_create("doctor_a");
	d->b = th_db_create("doctor_b");
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	dbs *d = *state;

	th_db_drop(d->a);
	th_db_drop(d->b);
	free(d->a);
	free(d->b);
	free(d);
	return 0;
}

static void text_report_passes(void **state)
{
	dbs *d = *state;
	const char *const env[] = { CLI_CLEAN_ENV, NULL };
	const char *const args[] = { "doctor", "--database-url", d->a, NULL };
	cli_result r;
	const char *out;

	cli_run(&r, NULL, env, args);
	out = strata_buf_cstr(&r.out);
	if (r.status != 0)
		fail_msg("exit %d: %s%s", r.status, out, strata_buf_cstr(&r.err));
	assert_non_null(strstr(out, "(from --database-url)"));
	assert_non_null(strstr(out, "ok    connection"));
	assert_non_null(strstr(out, "ok    server_version  PostgreSQL 1"));
	assert_non_null(strstr(out, "ok    latency"));
	assert_non_null(strstr(out, "ok    recovery        primary"));
	assert_non_null(strstr(out, "4 checks: 4 ok, 0 warnings, 0 failed"));
	/* No colour codes when stdout is not a terminal. */
	assert_null(strstr(out, "\033["));
	cli_result_free(&r);
}

static json_t *doctor_json(const char *const *env, const char *const *args, int want_status)
{
	cli_result r;
	json_t *doc;
	json_error_t jerr;

	cli_run(&r, NULL, env, args);
	if (r.status != want_status)
		fail_msg("exit %d, expected %d: %s%s", r.status, want_status, strata_buf_cstr(&r.out),
			strata_buf_cstr(&r.err));
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	if (doc == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, strata_buf_cstr(&r.out));
	cli_result_free(&r);
	return doc;
}

static json_t *check_named(json_t *doc, const char *name)
{
	json_t *checks = json_object_get(doc, "checks");
	size_t i;

	for (i = 0; i < json_array_size(checks); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(checks, i), "name")), name) == 0)
			return json_array_get(checks, i);
	fail_msg("no check named %s", name);
	return NULL;
}

static void json_report_has_every_check(void **state)
{
	dbs *d = *state;
	const char *const env[] = { CLI_CLEAN_ENV, NULL };
	const char *const args[] = { "doctor", "--format", "json", "--rounds", "3", "--database-url",
		d->a, NULL };
	json_t *doc, *c;
	strata_conn *conn;
	char *num;

	doc = doctor_json(env, args, 0);
	assert_true(json_is_true(json_object_get(doc, "ok")));
	assert_string_equal(json_string_value(json_object_get(doc, "source")), "--database-url");
	c = check_named(doc, "server_version");
	conn = th_connect(d->a);
	num = th_value(conn, "SHOW server_version_num");
	assert_int_equal(json_integer_value(json_object_get(c, "version_num")), strtol(num, NULL, 10));
	strata_free(num);
	strata_conn_close(conn);
	c = check_named(doc, "latency");
	assert_int_equal(json_integer_value(json_object_get(c, "rounds")), 3);
	assert_true(json_number_value(json_object_get(c, "max_ms")) >=
		json_number_value(json_object_get(c, "median_ms")));
	c = check_named(doc, "recovery");
	assert_true(json_is_false(json_object_get(c, "in_recovery")));
	c = check_named(doc, "connection");
	assert_non_null(strstr(json_string_value(json_object_get(c, "database")), "t_doctor_a_"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "fail")), 0);
	json_decref(doc);
}

static void a_failed_check_exits_1(void **state)
{
	dbs *d = *state;
	const char *const env[] = { CLI_CLEAN_ENV, NULL };
	/* No round trip takes zero time, so a 0 ms limit always fails. */
	const char *const args[] = { "doctor", "--format", "json", "--max-latency", "0ms",
		"--database-url", d->a, NULL };
	json_t *doc;

	doc = doctor_json(env, args, 1);
	assert_true(json_is_false(json_object_get(doc, "ok")));
	assert_string_equal(json_string_value(json_object_get(check_named(doc, "latency"), "status")), "fail");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "fail")), 1);
	json_decref(doc);
}

static const char *db_of(json_t *doc)
{
	return json_string_value(json_object_get(check_named(doc, "connection"), "database"));
}

static void precedence_of_database_sources(void **state)
{
	dbs *d = *state;
	char env_a[600], pgdb[128], pghost[600], pgport[32];
	strata_conn *conn;
	char *name_a, *name_b, *socket_dir, *port;
	json_t *doc;

	conn = th_connect(d->a);
	name_a = th_value(conn, "SELECT current_database()");
	socket_dir = th_value(conn, "SHOW unix_socket_directories");
	port = th_value(conn, "SHOW port");
	strata_conn_close(conn);
	conn = th_connect(d->b);
	name_b = th_value(conn, "SELECT current_database()");
	strata_conn_close(conn);
	snprintf(env_a, sizeof(env_a), "DATABASE_URL=%s", d->a);
	snprintf(pgdb, sizeof(pgdb), "PGDATABASE=%s", name_b);
	snprintf(pghost, sizeof(pghost), "PGHOST=%s", socket_dir);
	snprintf(pgport, sizeof(pgport), "PGPORT=%s", port);
	{
		/* DATABASE_URL (A) beats the PG* variables (B). */
		const char *const env[] = { CLI_CLEAN_ENV, env_a, pgdb, pghost, pgport, "PGUSER=postgres", NULL };
		const char *const args[] = { "doctor", "--format", "json", NULL };

		doc = doctor_json(env, args, 0);
		assert_string_equal(db_of(doc), name_a);
		assert_string_equal(json_string_value(json_object_get(doc, "source")), "DATABASE_URL");
		json_decref(doc);
	}
	{
		/* --database-url (B) beats DATABASE_URL (A). */
		const char *const env[] = { CLI_CLEAN_ENV, env_a, NULL };
		const char *const args[] = { "doctor", "--format", "json", "--database-url", d->b, NULL };

		doc = doctor_json(env, args, 0);
		assert_string_equal(db_of(doc), name_b);
		json_decref(doc);
	}
	{
		/* The PG* variables alone. */
		const char *const env[] = { CLI_CLEAN_ENV, pgdb, pghost, pgport, "PGUSER=postgres", NULL };
		const char *const args[] = { "doctor", "--format", "json", NULL };

		doc = doctor_json(env, args, 0);
		assert_string_equal(db_of(doc), name_b);
		assert_string_equal(json_string_value(json_object_get(doc, "source")), "PG* environment");
		json_decref(doc);
	}
	strata_free(name_a);
	strata_free(name_b);
	strata_free(socket_dir);
	strata_free(port);
}

static void quiet_verbose_and_json_logs(void **state)
{
	dbs *d = *state;
	const char *const env[] = { CLI_CLEAN_ENV, NULL };
	const char *const quiet[] = { "doctor", "--quiet", "--database-url", d->a, NULL };
	const char *const verbose[] = { "doctor", "-vv", "--database-url", d->a, NULL };
	const char *const json[] = { "doctor", "-vv", "--format", "json", "--database-url", d->a, NULL };
	cli_result r;
	const char *p;
	int lines = 0;

	cli_run(&r, NULL, env, quiet);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.err), "");
	cli_result_free(&r);

	/* -vv adds debug lines on stderr, the report stays on stdout. */
	cli_run(&r, NULL, env, verbose);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "strata: debug: connected to"));
	assert_null(strstr(strata_buf_cstr(&r.out), "debug"));
	cli_result_free(&r);

	/* With --format json every stderr line is a JSON object too. */
	cli_run(&r, NULL, env, json);
	assert_int_equal(r.status, 0);
	for (p = strata_buf_cstr(&r.err); *p != '\0'; lines++) {
		const char *nl = strchr(p, '\n');
		json_error_t jerr;
		json_t *rec;

		assert_non_null(nl);
		rec = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		if (rec == NULL)
			fail_msg("stderr line is not JSON: %.*s", (int)(nl - p), p);
		assert_string_equal(json_string_value(json_object_get(rec, "level")), "debug");
		json_decref(rec);
		p = nl + 1;
	}
	assert_true(lines > 0);
	cli_result_free(&r);
}

/* Runs strata under a pseudo-terminal (script(1)), so that colour is possible. */
static void run_on_tty(cli_result *r, const char *extra_env, const char *flags, const char *url)
{
	char cmd[2048], sh[2200];
	const char *const argv_env[] = { CLI_CLEAN_ENV, NULL };
	strata_error err = STRATA_ERROR_INIT;
	const char *argv[] = { "/usr/bin/script", "-qec", sh, "/dev/null", NULL };
	st_proc_opts po;

	snprintf(cmd, sizeof(cmd), "%s doctor %s --database-url '%s'", getenv("STRATA_BIN"), flags, url);
	snprintf(sh, sizeof(sh), "%s %s", extra_env, cmd);
	memset(r, 0, sizeof(*r));
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = argv_env;
	po.timeout_ms = 60000;
	po.out = &r->out;
	po.errout = &r->err;
	th_ok(st_proc_run(&r->status, &po, &err), &err);
	strata_buf_append(&r->out, "", 0);
}

static void colour_only_on_a_terminal_and_never_with_no_color(void **state)
{
	dbs *d = *state;
	cli_result r;

	run_on_tty(&r, "env", "", d->a);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "\033[32mok"));
	cli_result_free(&r);
	run_on_tty(&r, "env NO_COLOR=1", "", d->a);
	assert_int_equal(r.status, 0);
	assert_null(strstr(strata_buf_cstr(&r.out), "\033["));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "ok    connection"));
	cli_result_free(&r);
	run_on_tty(&r, "env", "--no-color", d->a);
	assert_int_equal(r.status, 0);
	assert_null(strstr(strata_buf_cstr(&r.out), "\033["));
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(text_report_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(json_report_has_every_check, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_check_exits_1, setup, teardown),
		cmocka_unit_test_setup_teardown(precedence_of_database_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(quiet_verbose_and_json_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(colour_only_on_a_terminal_and_never_with_no_color, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
