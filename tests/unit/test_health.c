/*
 * test_health.c: the database health check (src/pg/health.c) driven through a
 * fake strata_health_driver, so that no server is needed. The fake answers
 * each SQL text with a canned value, records what it was asked, and owns a
 * fake monotonic clock that only moves when the fake connects (by a
 * programmed connect time) or answers a query (by a programmed time per
 * query): that makes connect_ms, the median and the maximum latency exact.
 * Also covered: version parsing, the recovery flag, truncation to the output
 * fields, error propagation from connect and from queries, that close is
 * called exactly when a connection was opened, and the clamping of rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define MAX_ROUND_SAMPLES 8

typedef struct fake_db {
	/* Canned answers. */
	const char *server_version;
	const char *server_version_num;
	const char *in_recovery;
	const char *database;
	const char *user;

	/* The clock, in ns, and how far each operation moves it. */
	int64_t clock_ns;
	int64_t connect_ns;
	int64_t metadata_query_ns;            /* every query other than SELECT 1 */
	int64_t round_ns[MAX_ROUND_SAMPLES];  /* SELECT 1 number i (cycling) */
	int nround_ns;

	/* Failures to inject. */
	int connect_rc;                       /* nonzero: connect fails with it */
	int fail_at_query;                    /* 1-based query number to fail, 0: never */
	int fail_rc;

	/* Records. */
	int connects;
	int queries;
	int select1;
	int asked_version, asked_version_num, asked_recovery, asked_database, asked_user;
	size_t database_outsz;
	int closes;
	int closes_of_wrong_handle;
	const strata_conninfo *seen_ci;
} fake_db;

/* The connection handle the fake hands out. */
static int fake_handle;

static int fake_connect(void **out, const strata_conninfo *ci, void *ud, strata_error *err)
{
	fake_db *db = ud;

	db->connects++;
	db->seen_ci = ci;
	db->clock_ns += db->connect_ns;
	if (db->connect_rc != 0) {
		*out = NULL;
		return strata_error_set(err, db->connect_rc, "cannot connect to fake: connection refused");
	}
	*out = &fake_handle;
	return 0;
}

static int fake_query(char *out, size_t outsz, void *conn, const char *sql, void *ud,
	strata_error *err)
{
	fake_db *db = ud;
	const char *answer;

	assert_ptr_equal(conn, &fake_handle);
	db->queries++;
	if (strcmp(sql, "SELECT 1") == 0) {
		db->clock_ns += db->round_ns[db->select1 % db->nround_ns];
		db->select1++;
		answer = "1";
	} else {
		db->clock_ns += db->metadata_query_ns;
		if (strcmp(sql, "SELECT current_setting('server_version')") == 0) {
			db->asked_version++;
			answer = db->server_version;
		} else if (strcmp(sql, "SELECT current_setting('server_version_num')") == 0) {
			db->asked_version_num++;
			answer = db->server_version_num;
		} else if (strcmp(sql, "SELECT pg_is_in_recovery()") == 0) {
			db->asked_recovery++;
			answer = db->in_recovery;
		} else if (strcmp(sql, "SELECT current_database()") == 0) {
			db->asked_database++;
			db->database_outsz = outsz;
			answer = db->database;
		} else if (strcmp(sql, "SELECT current_user") == 0) {
			db->asked_user++;
			answer = db->user;
		} else {
			return strata_error_set(err, STRATA_EINTERNAL, "fake: unexpected SQL '%s'", sql);
		}
	}
	if (db->fail_at_query == db->queries)
		return strata_error_set(err, db->fail_rc, "fake: query %d failed", db->queries);
	/* Like the real driver: copy, truncating to the caller's buffer. */
	snprintf(out, outsz, "%s", answer);
	return 0;
}

static void fake_close(void *conn, void *ud)
{
	fake_db *db = ud;

	db->closes++;
	if (conn != &fake_handle)
		db->closes_of_wrong_handle++;
}

static int64_t fake_now(void *ud)
{
	fake_db *db = ud;

	return db->clock_ns;
}

static void fake_init(fake_db *db, strata_health_driver *d)
{
	memset(db, 0, sizeof(*db));
	db->server_version = "16.4 (Debian 16.4-1.pgdg120+1)";
	db->server_version_num = "160004";
	db->in_recovery = "f";
	db->database = "appdb";
	db->user = "alice";
	db->clock_ns = 1000000000000LL;   /* an arbitrary, large starting point */
	db->connect_ns = 12500000;         /* 12.5 ms */
	db->metadata_query_ns = 700000000; /* 700 ms: would show if counted as latency */
	db->round_ns[0] = 1000000;
	db->nround_ns = 1;
	d->connect = fake_connect;
	d->query = fake_query;
	d->close = fake_close;
	d->now_ns = fake_now;
	d->ud = db;
}

/* A real (parsed, never connected) conninfo, to check it is handed through. */
static strata_conninfo *sample_conninfo(void)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	th_ok(strata_conninfo_parse(&ci, "postgresql://alice@db.invalid/appdb",
		STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	return ci;
}

static void reports_server_facts_and_connect_time(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = sample_conninfo();

	(void)state;
	fake_init(&db, &d);
	th_ok(strata_health_check(&h, ci, &d, 3, &err), &err);
	assert_ptr_equal(db.seen_ci, ci);
	assert_float_equal(h.connect_ms, 12.5, 1e-9);
	assert_string_equal(h.server_version, "16.4 (Debian 16.4-1.pgdg120+1)");
	assert_int_equal(h.server_version_num, 160004);
	assert_int_equal(h.in_recovery, 0);
	assert_string_equal(h.database, "appdb");
	assert_string_equal(h.user, "alice");
	/* Each fact is asked once, and SELECT 1 once per round. */
	assert_int_equal(db.asked_version, 1);
	assert_int_equal(db.asked_version_num, 1);
	assert_int_equal(db.asked_recovery, 1);
	assert_int_equal(db.asked_database, 1);
	assert_int_equal(db.asked_user, 1);
	assert_int_equal(db.select1, 3);
	assert_int_equal(db.connects, 1);
	assert_int_equal(db.closes, 1);
	assert_int_equal(db.closes_of_wrong_handle, 0);
	strata_conninfo_free(ci);
}

static void standby_is_reported_in_recovery(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	fake_init(&db, &d);
	db.in_recovery = "t";
	db.server_version = "9.6.24";
	db.server_version_num = "90624";
	th_ok(strata_health_check(&h, NULL, &d, 1, &err), &err);
	assert_int_equal(h.in_recovery, 1);
	assert_int_equal(h.server_version_num, 90624);
	assert_string_equal(h.server_version, "9.6.24");
}

static void median_of_odd_rounds(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	fake_init(&db, &d);
	/* 5, 1, 4, 2, 3 ms: sorted 1 2 3 4 5, median 3, max 5. */
	db.round_ns[0] = 5000000;
	db.round_ns[1] = 1000000;
	db.round_ns[2] = 4000000;
	db.round_ns[3] = 2000000;
	db.round_ns[4] = 3000000;
	db.nround_ns = 5;
	th_ok(strata_health_check(&h, NULL, &d, 5, &err), &err);
	assert_int_equal(h.rounds, 5);
	assert_int_equal(db.select1, 5);
	assert_float_equal(h.latency_ms, 3.0, 1e-9);
	assert_float_equal(h.latency_max_ms, 5.0, 1e-9);
}

static void median_of_even_rounds_is_the_mean_of_the_middle_two(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	fake_init(&db, &d);
	/* 8, 1, 3, 2 ms: sorted 1 2 3 8, median (2 + 3) / 2, max 8. */
	db.round_ns[0] = 8000000;
	db.round_ns[1] = 1000000;
	db.round_ns[2] = 3000000;
	db.round_ns[3] = 2000000;
	db.nround_ns = 4;
	th_ok(strata_health_check(&h, NULL, &d, 4, &err), &err);
	assert_int_equal(h.rounds, 4);
	assert_float_equal(h.latency_ms, 2.5, 1e-9);
	assert_float_equal(h.latency_max_ms, 8.0, 1e-9);
}

static void fractional_milliseconds_are_kept(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	fake_init(&db, &d);
	db.connect_ns = 250;          /* 0.00025 ms */
	db.round_ns[0] = 1500;        /* 0.0015 ms */
	db.nround_ns = 1;
	th_ok(strata_health_check(&h, NULL, &d, 2, &err), &err);
	assert_float_equal(h.connect_ms, 0.00025, 1e-12);
	assert_float_equal(h.latency_ms, 0.0015, 1e-12);
	assert_float_equal(h.latency_max_ms, 0.0015, 1e-12);
}

static void long_answers_are_truncated_to_the_fields(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;
	char longname[300];

	(void)state;
	fake_init(&db, &d);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	db.database = longname;
	db.server_version = longname;
	th_ok(strata_health_check(&h, NULL, &d, 1, &err), &err);
	/* The driver is told each field's real size; nothing overflows. */
	assert_int_equal(db.database_outsz, sizeof(h.database));
	assert_int_equal(strlen(h.database), sizeof(h.database) - 1);
	assert_int_equal(strlen(h.server_version), sizeof(h.server_version) - 1);
}

static void malformed_version_number_is_a_database_error(void **state)
{
	static const char *const bad[] = { "16beta", "", "-1", "99999999", "16.4" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_db db;
		strata_health_driver d;
		strata_health h;
		strata_error err = STRATA_ERROR_INIT;
		int rc;

		fake_init(&db, &d);
		db.server_version_num = bad[i];
		rc = strata_health_check(&h, NULL, &d, 3, &err);
		if (rc != STRATA_EDB)
			fail_msg("version number '%s': rc %d, expected STRATA_EDB", bad[i], rc);
		assert_int_equal(err.code, STRATA_EDB);
		assert_non_null(strstr(err.message, "version"));
		if (bad[i][0] != '\0')
			assert_non_null(strstr(err.message, bad[i]));
		/* The connection opened before is closed; no round trips are made. */
		assert_int_equal(db.closes, 1);
		assert_int_equal(db.select1, 0);
	}
}

static void connect_failure_propagates_and_closes_nothing(void **state)
{
	static const int codes[] = { STRATA_ECONNECT, STRATA_ETIMEOUT };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		fake_db db;
		strata_health_driver d;
		strata_health h;
		strata_error err = STRATA_ERROR_INIT;

		fake_init(&db, &d);
		db.connect_rc = codes[i];
		assert_int_equal(strata_health_check(&h, NULL, &d, 3, &err), codes[i]);
		assert_int_equal(err.code, codes[i]);
		assert_string_equal(err.message, "cannot connect to fake: connection refused");
		assert_int_equal(db.connects, 1);
		assert_int_equal(db.queries, 0);
		assert_int_equal(db.closes, 0);
		assert_int_equal(h.rounds, 0);
	}
}

static void query_failure_midway_returns_its_error_and_closes(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	/* Query 7 is the second SELECT 1 (five metadata queries come first). */
	fake_init(&db, &d);
	db.fail_at_query = 7;
	db.fail_rc = STRATA_ETIMEOUT;
	assert_int_equal(strata_health_check(&h, NULL, &d, 5, &err), STRATA_ETIMEOUT);
	assert_int_equal(err.code, STRATA_ETIMEOUT);
	assert_string_equal(err.message, "fake: query 7 failed");
	assert_int_equal(db.queries, 7);
	assert_int_equal(db.closes, 1);
	assert_int_equal(db.closes_of_wrong_handle, 0);
}

static void metadata_query_failure_closes_too(void **state)
{
	int failing;

	(void)state;
	for (failing = 1; failing <= 5; failing++) {
		fake_db db;
		strata_health_driver d;
		strata_health h;
		strata_error err = STRATA_ERROR_INIT;

		fake_init(&db, &d);
		db.fail_at_query = failing;
		db.fail_rc = STRATA_EDB;
		assert_int_equal(strata_health_check(&h, NULL, &d, 3, &err), STRATA_EDB);
		if (db.queries != failing || db.closes != 1 || db.select1 != 0)
			fail_msg("failing query %d: %d queries, %d closes, %d round trips", failing,
				db.queries, db.closes, db.select1);
	}
}

static void rounds_below_one_measure_one_round(void **state)
{
	static const int asked[] = { 0, -1, -1000 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		fake_db db;
		strata_health_driver d;
		strata_health h;
		strata_error err = STRATA_ERROR_INIT;

		fake_init(&db, &d);
		db.round_ns[0] = 4000000;
		th_ok(strata_health_check(&h, NULL, &d, asked[i], &err), &err);
		assert_int_equal(h.rounds, 1);
		assert_int_equal(db.select1, 1);
		assert_float_equal(h.latency_ms, 4.0, 1e-9);
		assert_float_equal(h.latency_max_ms, 4.0, 1e-9);
	}
}

static void rounds_are_capped_at_one_thousand(void **state)
{
	fake_db db;
	strata_health_driver d;
	strata_health h;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	fake_init(&db, &d);
	db.round_ns[0] = 1000000;
	db.round_ns[1] = 3000000;
	db.nround_ns = 2;
	th_ok(strata_health_check(&h, NULL, &d, 5000, &err), &err);
	assert_int_equal(h.rounds, 1000);
	assert_int_equal(db.select1, 1000);
	/* 500 samples of 1 ms and 500 of 3 ms: the middle two are 1 and 3. */
	assert_float_equal(h.latency_ms, 2.0, 1e-9);
	assert_float_equal(h.latency_max_ms, 3.0, 1e-9);
	assert_int_equal(db.closes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reports_server_facts_and_connect_time),
		cmocka_unit_test(standby_is_reported_in_recovery),
		cmocka_unit_test(median_of_odd_rounds),
		cmocka_unit_test(median_of_even_rounds_is_the_mean_of_the_middle_two),
		cmocka_unit_test(fractional_milliseconds_are_kept),
		cmocka_unit_test(long_answers_are_truncated_to_the_fields),
		cmocka_unit_test(malformed_version_number_is_a_database_error),
		cmocka_unit_test(connect_failure_propagates_and_closes_nothing),
		cmocka_unit_test(query_failure_midway_returns_its_error_and_closes),
		cmocka_unit_test(metadata_query_failure_closes_too),
		cmocka_unit_test(rounds_below_one_measure_one_round),
		cmocka_unit_test(rounds_are_capped_at_one_thousand),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
