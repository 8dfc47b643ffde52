/*
 * test_pg_prepared.c: prepared statements against a real PostgreSQL server.
 *
 * Covers preparing once and executing many times with different text
 * parameters, SQL NULL parameters, errors with their SQLSTATE at prepare time
 * (bad SQL, an unknown table, more parameters declared than used, a name that
 * exists) and at execute time (a value the inferred type refuses, the wrong
 * parameter count, an unknown name), that the session goes on after each of
 * them, and preparing a name again after DEALLOCATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int db_setup(void **state)
{
	strata_conn *c;
	char *url = th_db_create("prep");

	c = th_connect(url);
	th_exec(c, "CREATE TABLE items (id int PRIMARY KEY, name text)");
	th_exec(c, "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) AS g");
	strata_conn_close(c);
	*state = url;
	return 0;
}

/* Executes name with one parameter and checks the single value it returns. */
static void assert_prepared_value(strata_conn *c, const char *name, const char *param,
	const char *expected)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *r = NULL;
	const char *params[1] = { param };

	th_ok(strata_conn_query_prepared(&r, c, name, 1, params, &err), &err);
	assert_int_equal(strata_result_nrows(r), 1);
	if (expected == NULL)
		assert_null(strata_result_value(r, 0, 0));
	else
		assert_string_equal(strata_result_value(r, 0, 0), expected);
	strata_result_free(r);
}

/* The session still answers (it was not left in a failed state). */
static void assert_session_usable(strata_conn *c)
{
	char *v = th_value(c, "SELECT 1");

	assert_string_equal(v, "1");
	strata_free(v);
	assert_int_equal(strata_tx_status(c), STRATA_TX_IDLE);
}

static void prepare_once_execute_many(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;
	char id[16], expected[32];
	const char *params[2];
	int i;

	th_ok(strata_conn_prepare(c, "item_name", "SELECT name FROM items WHERE id = $1", 1, &err),
		&err);
	/* more than five executions: past the switch to a generic plan */
	for (i = 1; i <= 12; i++) {
		snprintf(id, sizeof(id), "%d", i);
		snprintf(expected, sizeof(expected), "item %d", i);
		assert_prepared_value(c, "item_name", id, expected);
	}
	/* no row */
	params[0] = "999";
	th_ok(strata_conn_query_prepared(&r, c, "item_name", 1, params, &err), &err);
	assert_int_equal(strata_result_nrows(r), 0);
	strata_result_free(r);

	/* two parameters, several rows, a column name and a command tag */
	th_ok(strata_conn_prepare(c, "range", "SELECT id, name FROM items WHERE id BETWEEN $1 AND $2 "
		"ORDER BY id", 2, &err), &err);
	params[0] = "3";
	params[1] = "5";
	th_ok(strata_conn_query_prepared(&r, c, "range", 2, params, &err), &err);
	assert_int_equal(strata_result_nrows(r), 3);
	assert_int_equal(strata_result_ncols(r), 2);
	assert_string_equal(strata_result_colname(r, 1), "name");
	assert_string_equal(strata_result_value(r, 2, 1), "item 5");
	assert_string_equal(strata_result_tag(r), "SELECT 3");
	strata_result_free(r);

	/* no parameters, and a statement without rows */
	th_ok(strata_conn_prepare(c, "rename", "UPDATE items SET name = upper(name) WHERE id <= 2", 0,
		&err), &err);
	th_ok(strata_conn_query_prepared(&r, c, "rename", 0, NULL, &err), &err);
	assert_string_equal(strata_result_tag(r), "UPDATE 2");
	strata_result_free(r);
	assert_prepared_value(c, "item_name", "2", "ITEM 2");
	strata_conn_close(c);
}

static void null_parameters_are_sql_null(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;
	const char *params[2] = { NULL, "x" };

	th_ok(strata_conn_prepare(c, "is_null", "SELECT $1::text IS NULL, coalesce($1::text, $2)", 2,
		&err), &err);
	th_ok(strata_conn_query_prepared(&r, c, "is_null", 2, params, &err), &err);
	assert_string_equal(strata_result_value(r, 0, 0), "t");
	assert_string_equal(strata_result_value(r, 0, 1), "x");
	strata_result_free(r);
	params[0] = "y";
	params[1] = NULL;
	th_ok(strata_conn_query_prepared(&r, c, "is_null", 2, params, &err), &err);
	assert_string_equal(strata_result_value(r, 0, 0), "f");
	assert_string_equal(strata_result_value(r, 0, 1), "y");
	strata_result_free(r);

	/* a NULL parameter reaching a NULL result */
	th_ok(strata_conn_prepare(c, "echo", "SELECT $1::int + 1", 1, &err), &err);
	assert_prepared_value(c, "echo", NULL, NULL);
	assert_prepared_value(c, "echo", "41", "42");
	strata_conn_close(c);
}

static void prepare_errors_carry_the_sqlstate(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);

	assert_int_equal(strata_conn_prepare(c, "bad", "SELEC name FROM items", 0, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "42601");
	assert_non_null(strstr(err.message, "cannot prepare 'bad'"));
	assert_non_null(strstr(err.message, "syntax error"));
	assert_session_usable(c);

	assert_int_equal(strata_conn_prepare(c, "bad", "SELECT * FROM missing WHERE id = $1", 1, &err),
		STRATA_EDB);
	assert_string_equal(err.sqlstate, "42P01");
	assert_session_usable(c);

	/* a parameter declared but never used: its type cannot be inferred */
	assert_int_equal(strata_conn_prepare(c, "bad", "SELECT name FROM items WHERE id = $1", 2, &err),
		STRATA_EDB);
	assert_string_equal(err.sqlstate, "42P18");
	assert_session_usable(c);

	/* none of the failures above left a statement behind */
	th_ok(strata_conn_prepare(c, "bad", "SELECT 1", 0, &err), &err);
	assert_int_equal(strata_conn_prepare(c, "bad", "SELECT 2", 0, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "42P05");
	assert_session_usable(c);

	assert_int_equal(strata_conn_prepare(c, "bad", "SELECT 1", -1, &err), STRATA_EINVAL);
	assert_int_equal(strata_conn_prepare(c, NULL, "SELECT 1", 0, &err), STRATA_EINVAL);
	strata_conn_close(c);
}

static void execute_errors_carry_the_sqlstate(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;
	const char *params[2] = { "1", "2" };

	th_ok(strata_conn_prepare(c, "item_name", "SELECT name FROM items WHERE id = $1", 1, &err),
		&err);
	params[0] = "not a number";
	assert_int_equal(strata_conn_query_prepared(&r, c, "item_name", 1, params, &err), STRATA_EDB);
	assert_null(r);
	assert_string_equal(err.sqlstate, "22P02");
	assert_non_null(strstr(err.message, "invalid input syntax for type integer"));
	assert_session_usable(c);

	/* the wrong count: a protocol violation for the statement, not a lost connection */
	params[0] = "1";
	assert_int_equal(strata_conn_query_prepared(&r, c, "item_name", 2, params, &err), STRATA_EDB);
	assert_null(r);
	assert_string_equal(err.sqlstate, "08P01");
	assert_false(strata_conn_is_bad(c));
	assert_session_usable(c);

	assert_int_equal(strata_conn_query_prepared(&r, c, "nope", 1, params, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "26000");
	assert_session_usable(c);

	/* inside a transaction the error fails the transaction, as any statement does */
	th_ok(strata_tx_begin(c, NULL, &err), &err);
	params[0] = "x";
	assert_int_equal(strata_conn_query_prepared(&r, c, "item_name", 1, params, &err), STRATA_EDB);
	assert_int_equal(strata_tx_status(c), STRATA_TX_FAILED);
	th_ok(strata_tx_rollback(c, &err), &err);

	assert_prepared_value(c, "item_name", "7", "item 7");
	strata_conn_close(c);
}

static void reprepare_after_deallocate(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_conn *other = th_connect(*state);
	strata_result *r = NULL;
	const char *params[1] = { "4" };

	th_ok(strata_conn_prepare(c, "q", "SELECT name FROM items WHERE id = $1", 1, &err), &err);
	assert_prepared_value(c, "q", "4", "item 4");

	/* prepared statements belong to their session */
	assert_int_equal(strata_conn_query_prepared(&r, other, "q", 1, params, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "26000");

	th_exec(c, "DEALLOCATE q");
	assert_int_equal(strata_conn_query_prepared(&r, c, "q", 1, params, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "26000");
	th_ok(strata_conn_prepare(c, "q", "SELECT id * 10 FROM items WHERE id = $1", 1, &err), &err);
	assert_prepared_value(c, "q", "4", "40");

	/* the unnamed statement is replaced by the next unnamed prepare */
	th_ok(strata_conn_prepare(c, "", "SELECT $1::int * 2", 1, &err), &err);
	assert_prepared_value(c, "", "21", "42");
	th_ok(strata_conn_prepare(c, "", "SELECT $1::int * 3", 1, &err), &err);
	assert_prepared_value(c, "", "21", "63");
	strata_conn_close(other);
	strata_conn_close(c);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, db_setup, th_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(prepare_once_execute_many),
		DB_TEST(null_parameters_are_sql_null),
		DB_TEST(prepare_errors_carry_the_sqlstate),
		DB_TEST(execute_errors_carry_the_sqlstate),
		DB_TEST(reprepare_after_deallocate),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
