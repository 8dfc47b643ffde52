/*
 * test_pg_tx.c: transactions and savepoints against a real PostgreSQL server.
 *
 * Covers commit and rollback as another session sees them, the transaction
 * status (idle, active, failed), misuse (begin twice, commit or savepoint
 * without a transaction, invalid savepoint names), the COMMIT that the server
 * turns into a rollback (25P02, nothing committed), strata_tx_run (commit on
 * success, rollback keeping the callback's error, nesting through savepoints),
 * the isolation options as the server reports them, read-only transactions
 * (25006) and a serialization conflict between two sessions (40001).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int db_setup(void **state)
{
	strata_conn *c;
	char *url = th_db_create("tx");

	c = th_connect(url);
	th_exec(c, "CREATE TABLE items (name text PRIMARY KEY)");
	strata_conn_close(c);
	*state = url;
	return 0;
}

/* The item names in order, comma-separated, as another session sees them. */
static char *items_seen_by(strata_conn *c)
{
	return th_value(c, "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM items");
}

static void assert_items(strata_conn *c, const char *expected)
{
	char *v = items_seen_by(c);

	assert_string_equal(v, expected);
	strata_free(v);
}

static void commit_is_visible_to_another_session(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);

	th_ok(strata_tx_begin(a, NULL, &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('apple')");
	assert_items(a, "apple");
	assert_items(b, "");           /* not yet committed */
	th_ok(strata_tx_commit(a, &err), &err);
	assert_items(b, "apple");
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	strata_conn_close(a);
	strata_conn_close(b);
}

static void rollback_discards(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);

	th_ok(strata_tx_begin(a, NULL, &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('banana')");
	assert_items(a, "banana");
	th_ok(strata_tx_rollback(a, &err), &err);
	assert_items(a, "");
	assert_items(b, "");
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	strata_conn_close(a);
	strata_conn_close(b);
}

static void status_follows_the_transaction(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);

	assert_int_equal(strata_tx_status(c), STRATA_TX_IDLE);
	th_ok(strata_tx_begin(c, NULL, &err), &err);
	assert_int_equal(strata_tx_status(c), STRATA_TX_ACTIVE);
	th_exec(c, "INSERT INTO items VALUES ('cherry')");
	assert_int_equal(strata_tx_status(c), STRATA_TX_ACTIVE);
	assert_int_equal(strata_conn_exec(c, "SELECT * FROM no_such_table", &err), STRATA_EDB);
	assert_int_equal(strata_tx_status(c), STRATA_TX_FAILED);
	/* Only ROLLBACK works now. */
	strata_error_clear(&err);
	assert_int_equal(strata_conn_exec(c, "SELECT 1", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "25P02");
	assert_int_equal(strata_tx_status(c), STRATA_TX_FAILED);
	th_ok(strata_tx_rollback(c, &err), &err);
	assert_int_equal(strata_tx_status(c), STRATA_TX_IDLE);
	assert_items(c, "");
	strata_conn_close(c);
}

static void misuse_is_estate(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);

	/* Nothing open: commit, rollback and savepoints are refused. */
	assert_int_equal(strata_tx_commit(c, &err), STRATA_ESTATE);
	assert_int_equal(strata_tx_rollback(c, &err), STRATA_ESTATE);
	assert_int_equal(strata_tx_savepoint(c, "sp", &err), STRATA_ESTATE);
	assert_int_equal(strata_tx_release(c, "sp", &err), STRATA_ESTATE);
	assert_int_equal(strata_tx_rollback_to(c, "sp", &err), STRATA_ESTATE);
	assert_int_equal(strata_tx_status(c), STRATA_TX_IDLE);

	/* Begin twice: the second is refused and the first stays open. */
	th_ok(strata_tx_begin(c, NULL, &err), &err);
	th_exec(c, "INSERT INTO items VALUES ('date')");
	strata_error_clear(&err);
	assert_int_equal(strata_tx_begin(c, NULL, &err), STRATA_ESTATE);
	assert_int_equal(err.code, STRATA_ESTATE);
	assert_int_equal(strata_tx_status(c), STRATA_TX_ACTIVE);
	th_ok(strata_tx_commit(c, &err), &err);
	assert_items(c, "date");
	strata_conn_close(c);
}

static void savepoints_roll_back_and_release(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);

	th_ok(strata_tx_begin(a, NULL, &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('a1')");
	th_ok(strata_tx_savepoint(a, "before_a2", &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('a2')");
	assert_items(a, "a1,a2");
	th_ok(strata_tx_rollback_to(a, "before_a2", &err), &err);
	assert_items(a, "a1");
	/* rollback_to keeps the savepoint; release removes it. */
	th_ok(strata_tx_release(a, "before_a2", &err), &err);
	strata_error_clear(&err);
	assert_int_equal(strata_tx_rollback_to(a, "before_a2", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "3B001");
	th_ok(strata_tx_rollback(a, &err), &err);

	/* A savepoint rescues a failed statement. */
	th_ok(strata_tx_begin(a, NULL, &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('b1')");
	th_ok(strata_tx_savepoint(a, "_Risky_2", &err), &err);
	assert_int_equal(strata_conn_exec(a, "INSERT INTO items VALUES ('b1')", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "23505");
	assert_int_equal(strata_tx_status(a), STRATA_TX_FAILED);
	th_ok(strata_tx_rollback_to(a, "_Risky_2", &err), &err);
	assert_int_equal(strata_tx_status(a), STRATA_TX_ACTIVE);
	th_exec(a, "INSERT INTO items VALUES ('b2')");
	th_ok(strata_tx_release(a, "_Risky_2", &err), &err);
	assert_items(b, "");
	th_ok(strata_tx_commit(a, &err), &err);
	assert_items(b, "b1,b2");
	strata_conn_close(a);
	strata_conn_close(b);
}

static void invalid_savepoint_names_are_einval(void **state)
{
	static const char *const bad[] = {
		"",
		"1abc",
		"a b",
		"a-b",
		"sp; DROP TABLE items",
		"\"quoted\"",
		"ünïcødé",
		"sp'",
		/* 64 characters: longer than PostgreSQL keeps */
		"a123456789012345678901234567890123456789012345678901234567890123",
	};
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	size_t i;

	th_ok(strata_tx_begin(c, NULL, &err), &err);
	th_exec(c, "INSERT INTO items VALUES ('kept')");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strata_error_clear(&err);
		if (strata_tx_savepoint(c, bad[i], &err) != STRATA_EINVAL)
			fail_msg("savepoint name '%s' was not refused (rc %d)", bad[i], err.code);
		assert_int_equal(strata_tx_release(c, bad[i], &err), STRATA_EINVAL);
		assert_int_equal(strata_tx_rollback_to(c, bad[i], &err), STRATA_EINVAL);
		/* Refused before reaching the server: the transaction is untouched. */
		assert_int_equal(strata_tx_status(c), STRATA_TX_ACTIVE);
	}
	/* 63 characters is still fine. */
	th_ok(strata_tx_savepoint(c, "a12345678901234567890123456789012345678901234567890123456789012",
		&err), &err);
	th_ok(strata_tx_commit(c, &err), &err);
	assert_items(c, "kept");
	strata_conn_close(c);
}

static void commit_of_failed_transaction_is_an_error(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);

	th_ok(strata_tx_begin(a, NULL, &err), &err);
	th_exec(a, "INSERT INTO items VALUES ('lost')");
	assert_int_equal(strata_conn_exec(a, "SELECT 1/0", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "22012");
	strata_error_clear(&err);
	assert_int_equal(strata_tx_commit(a, &err), STRATA_EDB);
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.sqlstate, "25P02");
	assert_true(err.message[0] != '\0');
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "");
	assert_items(a, "");
	strata_conn_close(a);
	strata_conn_close(b);
}

static int swallow_failure(strata_conn *c, void *ud, strata_error *err)
{
	strata_error ignored = STRATA_ERROR_INIT;

	(void)ud;
	if (strata_conn_exec(c, "INSERT INTO items VALUES ('swallowed')", err) != 0)
		return err->code;
	/* The statement fails but the callback pretends all went well. */
	(void)strata_conn_exec(c, "SELECT 1/0", &ignored);
	return 0;
}

static void tx_run_reports_a_commit_that_rolled_back(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);

	assert_int_equal(strata_tx_run(a, NULL, swallow_failure, NULL, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "25P02");
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "");
	strata_conn_close(a);
	strata_conn_close(b);
}

/* ---- strata_tx_run ---- */

typedef struct run_job {
	const char *insert;       /* the item to insert */
	int fail_with;            /* 0, or the code to return after inserting */
	const char *fail_sql;     /* or SQL that fails after inserting */
	int calls;
	strata_tx_state status_inside;
} run_job;

static int run_body(strata_conn *c, void *ud, strata_error *err)
{
	run_job *job = ud;
	const char *params[1] = { job->insert };
	int rc;

	job->calls++;
	job->status_inside = strata_tx_status(c);
	rc = strata_conn_execp(c, "INSERT INTO items VALUES ($1)", 1, params, err);
	if (rc != 0)
		return rc;
	if (job->fail_sql != NULL)
		return strata_conn_exec(c, job->fail_sql, err);
	if (job->fail_with != 0)
		return strata_error_set(err, job->fail_with, "callback gave up on '%s'", job->insert);
	return 0;
}

static void tx_run_commits_on_success(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	run_job job = { "fig", 0, NULL, 0, STRATA_TX_UNKNOWN };

	th_ok(strata_tx_run(a, NULL, run_body, &job, &err), &err);
	assert_int_equal(job.calls, 1);
	assert_int_equal(job.status_inside, STRATA_TX_ACTIVE);
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "fig");
	strata_conn_close(a);
	strata_conn_close(b);
}

static void tx_run_rolls_back_and_keeps_the_error(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	run_job job = { "grape", STRATA_EINVAL, NULL, 0, STRATA_TX_UNKNOWN };
	run_job sql_job = { "grape", 0, "SELECT * FROM no_such_table", 0, STRATA_TX_UNKNOWN };

	assert_int_equal(strata_tx_run(a, NULL, run_body, &job, &err), STRATA_EINVAL);
	assert_int_equal(job.calls, 1);
	assert_int_equal(err.code, STRATA_EINVAL);
	assert_string_equal(err.message, "callback gave up on 'grape'");
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "");

	/* A failing statement: its SQLSTATE survives the rollback. */
	strata_error_clear(&err);
	assert_int_equal(strata_tx_run(a, NULL, run_body, &sql_job, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "42P01");
	assert_non_null(strstr(err.message, "no_such_table"));
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "");
	strata_conn_close(a);
	strata_conn_close(b);
}

typedef struct nest_job {
	run_job inner;
	int inner_rc;
	strata_error inner_err;
	strata_tx_state status_after_inner;
} nest_job;

static int outer_body(strata_conn *c, void *ud, strata_error *err)
{
	nest_job *job = ud;
	int rc;

	rc = strata_conn_exec(c, "INSERT INTO items VALUES ('outer1')", err);
	if (rc != 0)
		return rc;
	job->inner_rc = strata_tx_run(c, NULL, run_body, &job->inner, &job->inner_err);
	job->status_after_inner = strata_tx_status(c);
	return strata_conn_exec(c, "INSERT INTO items VALUES ('outer2')", err);
}

static void nested_tx_run_uses_a_savepoint(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	nest_job job;

	/* The inner call fails on a statement: only its work is undone. */
	memset(&job, 0, sizeof(job));
	job.inner.insert = "inner";
	job.inner.fail_sql = "SELECT * FROM no_such_table";
	th_ok(strata_tx_run(a, NULL, outer_body, &job, &err), &err);
	assert_int_equal(job.inner.calls, 1);
	assert_int_equal(job.inner_rc, STRATA_EDB);
	assert_string_equal(job.inner_err.sqlstate, "42P01");
	assert_int_equal(job.status_after_inner, STRATA_TX_ACTIVE);
	assert_int_equal(strata_tx_status(a), STRATA_TX_IDLE);
	assert_items(b, "outer1,outer2");

	/* The inner call fails with its own error. */
	th_exec(a, "DELETE FROM items");
	memset(&job, 0, sizeof(job));
	job.inner.insert = "inner";
	job.inner.fail_with = STRATA_ENOTFOUND;
	th_ok(strata_tx_run(a, NULL, outer_body, &job, &err), &err);
	assert_int_equal(job.inner_rc, STRATA_ENOTFOUND);
	assert_string_equal(job.inner_err.message, "callback gave up on 'inner'");
	assert_int_equal(job.status_after_inner, STRATA_TX_ACTIVE);
	assert_items(b, "outer1,outer2");

	/* The inner call succeeds: its work commits with the outer transaction, not before. */
	th_exec(a, "DELETE FROM items");
	memset(&job, 0, sizeof(job));
	job.inner.insert = "inner";
	th_ok(strata_tx_run(a, NULL, outer_body, &job, &err), &err);
	th_ok(job.inner_rc, &job.inner_err);
	assert_int_equal(job.inner.status_inside, STRATA_TX_ACTIVE);
	assert_items(b, "inner,outer1,outer2");
	strata_conn_close(a);
	strata_conn_close(b);
}

typedef struct visibility_job {
	strata_conn *observer;
	char *seen_after_inner;
} visibility_job;

static int inner_insert(strata_conn *c, void *ud, strata_error *err)
{
	(void)ud;
	return strata_conn_exec(c, "INSERT INTO items VALUES ('nested')", err);
}

static int outer_observes(strata_conn *c, void *ud, strata_error *err)
{
	visibility_job *job = ud;
	int rc = strata_tx_run(c, NULL, inner_insert, NULL, err);

	if (rc == 0)
		job->seen_after_inner = items_seen_by(job->observer);
	return rc;
}

static void nested_success_is_not_committed_early(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	visibility_job job = { b, NULL };

	th_ok(strata_tx_run(a, NULL, outer_observes, &job, &err), &err);
	assert_non_null(job.seen_after_inner);
	assert_string_equal(job.seen_after_inner, "");
	strata_free(job.seen_after_inner);
	assert_items(b, "nested");
	strata_conn_close(a);
	strata_conn_close(b);
}

/* ---- isolation and access mode ---- */

static void check_setting_inside(strata_conn *c, const strata_tx_options *opts, const char *show,
	const char *expected)
{
	strata_error err = STRATA_ERROR_INIT;
	char sql[128];
	char *v;

	th_ok(strata_tx_begin(c, opts, &err), &err);
	snprintf(sql, sizeof(sql), "SHOW %s", show);
	v = th_value(c, sql);
	if (strcmp(v, expected) != 0)
		fail_msg("%s is '%s', expected '%s'", show, v, expected);
	strata_free(v);
	th_ok(strata_tx_rollback(c, &err), &err);
}

static void isolation_levels_reach_the_server(void **state)
{
	strata_conn *c = th_connect(*state);
	strata_tx_options opts = STRATA_TX_OPTIONS_INIT;

	check_setting_inside(c, NULL, "transaction_isolation", "read committed");
	check_setting_inside(c, &opts, "transaction_isolation", "read committed");
	opts.isolation = STRATA_ISOLATION_READ_COMMITTED;
	check_setting_inside(c, &opts, "transaction_isolation", "read committed");
	opts.isolation = STRATA_ISOLATION_REPEATABLE_READ;
	check_setting_inside(c, &opts, "transaction_isolation", "repeatable read");
	opts.isolation = STRATA_ISOLATION_SERIALIZABLE;
	check_setting_inside(c, &opts, "transaction_isolation", "serializable");
	check_setting_inside(c, &opts, "transaction_read_only", "off");
	check_setting_inside(c, &opts, "transaction_deferrable", "off");
	opts.read_only = 1;
	opts.deferrable = 1;
	check_setting_inside(c, &opts, "transaction_read_only", "on");
	check_setting_inside(c, &opts, "transaction_deferrable", "on");

	/* The default level follows the session's setting. */
	th_exec(c, "SET default_transaction_isolation = 'repeatable read'");
	check_setting_inside(c, NULL, "transaction_isolation", "repeatable read");
	strata_conn_close(c);
}

static void read_only_refuses_writes(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_tx_options opts = STRATA_TX_OPTIONS_INIT;
	run_job job = { "kiwi", 0, NULL, 0, STRATA_TX_UNKNOWN };

	opts.read_only = 1;
	th_ok(strata_tx_begin(c, &opts, &err), &err);
	assert_int_equal(strata_conn_exec(c, "INSERT INTO items VALUES ('kiwi')", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "25006");
	th_ok(strata_tx_rollback(c, &err), &err);

	/* The same through strata_tx_run. */
	strata_error_clear(&err);
	assert_int_equal(strata_tx_run(c, &opts, run_body, &job, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "25006");
	assert_int_equal(strata_tx_status(c), STRATA_TX_IDLE);
	assert_items(c, "");
	strata_conn_close(c);
}

static void serialization_conflict_is_40001(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	strata_tx_options opts = STRATA_TX_OPTIONS_INIT;
	char *v;

	th_exec(a, "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);"
		"INSERT INTO counter VALUES (1, 0)");
	opts.isolation = STRATA_ISOLATION_SERIALIZABLE;
	th_ok(strata_tx_begin(a, &opts, &err), &err);
	th_ok(strata_tx_begin(b, &opts, &err), &err);
	/* Both take their snapshot and read the row. */
	v = th_value(a, "SELECT n FROM counter WHERE id = 1");
	assert_string_equal(v, "0");
	strata_free(v);
	v = th_value(b, "SELECT n FROM counter WHERE id = 1");
	assert_string_equal(v, "0");
	strata_free(v);
	/* B writes and commits first; A's write then conflicts. */
	th_exec(b, "UPDATE counter SET n = n + 1 WHERE id = 1");
	th_ok(strata_tx_commit(b, &err), &err);
	assert_int_equal(strata_conn_exec(a, "UPDATE counter SET n = n + 10 WHERE id = 1", &err),
		STRATA_EDB);
	assert_string_equal(err.sqlstate, "40001");
	assert_int_equal(strata_tx_status(a), STRATA_TX_FAILED);
	th_ok(strata_tx_rollback(a, &err), &err);
	v = th_value(a, "SELECT n FROM counter WHERE id = 1");
	assert_string_equal(v, "1");
	strata_free(v);
	strata_conn_close(a);
	strata_conn_close(b);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, db_setup, th_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(commit_is_visible_to_another_session),
		DB_TEST(rollback_discards),
		DB_TEST(status_follows_the_transaction),
		DB_TEST(misuse_is_estate),
		DB_TEST(savepoints_roll_back_and_release),
		DB_TEST(invalid_savepoint_names_are_einval),
		DB_TEST(commit_of_failed_transaction_is_an_error),
		DB_TEST(tx_run_commits_on_success),
		DB_TEST(tx_run_reports_a_commit_that_rolled_back),
		DB_TEST(tx_run_rolls_back_and_keeps_the_error),
		DB_TEST(nested_tx_run_uses_a_savepoint),
		DB_TEST(nested_success_is_not_committed_early),
		DB_TEST(isolation_levels_reach_the_server),
		DB_TEST(read_only_refuses_writes),
		DB_TEST(serialization_conflict_is_40001),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
