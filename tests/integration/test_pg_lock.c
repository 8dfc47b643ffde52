/*
 * test_pg_lock.c: session-level advisory locks against a real PostgreSQL server.
 *
 * Covers the key derivation (strata_lock_key equals the SQL expression given
 * in strata/pg.h, for ASCII and non-ASCII names), try-locking from two
 * sessions, a timed wait that gives up with STRATA_ELOCKED naming the holder,
 * strata_lock_holder_get, releasing (and releasing what is not held), the
 * server dropping the lock when the holding session closes, a wait that
 * succeeds because the holder releases meanwhile, and independent keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define HOLDER_COMMAND "lock-holder-a"

/* A session whose application_name carries command. */
static strata_conn *connect_as(const char *url, const char *command)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;

	th_ok(strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	assert_int_equal(strata_conninfo_set_command(ci, command), 0);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	strata_conninfo_free(ci);
	return c;
}

static int try_lock(strata_conn *c, int64_t key)
{
	strata_error err = STRATA_ERROR_INIT;
	int got = -1;

	th_ok(strata_lock_try(&got, c, key, &err), &err);
	assert_true(got == 0 || got == 1);
	return got;
}

static void expected_app_name(char *out, size_t outsz, const char *command)
{
	snprintf(out, outsz, "strata/%s %s", strata_version(), command);
}

static void key_matches_the_documented_sql(void **state)
{
	static const char *const names[] = {
		"strata",
		"migrations",
		"",
		"schema:public/apply",
		"ünïcødé",
		"名前",
		"🚀 rocket",
		"it's a \"name\" with spaces",
	};
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	int negative = 0, positive = 0;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int64_t key = strata_lock_key(names[i]);
		char mine[32];
		char *v = NULL;

		th_ok(strata_conn_query_value(&v, c,
			"SELECT ('x' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16))::bit(64)::bigint",
			1, &names[i], &err), &err);
		snprintf(mine, sizeof(mine), "%" PRId64, key);
		if (strcmp(v, mine) != 0)
			fail_msg("key of '%s': strata %s, SQL %s", names[i], mine, v);
		strata_free(v);
		if (key < 0)
			negative++;
		else
			positive++;
	}
	/* The names cover both signs, so the conversion to a signed integer is checked. */
	assert_true(negative > 0);
	assert_true(positive > 0);
	/* And one value fixed independently of the server. */
	assert_true(strata_lock_key("strata") == INT64_C(-9026763829635092013));
	strata_conn_close(c);
}

static void try_lock_from_two_sessions(void **state)
{
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	int64_t key = strata_lock_key("try-two-sessions");

	assert_int_equal(try_lock(a, key), 1);
	assert_int_equal(try_lock(b, key), 0);
	assert_int_equal(try_lock(b, key), 0);
	strata_conn_close(a);
	strata_conn_close(b);
}

static void timed_wait_names_the_holder(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = connect_as(*state, HOLDER_COMMAND);
	strata_conn *b = th_connect(*state);
	int64_t key = strata_lock_key("timed-wait");
	char app[256], pid[64];

	assert_int_equal(try_lock(a, key), 1);
	assert_int_equal(strata_lock_wait(b, key, 200, &err), STRATA_ELOCKED);
	assert_int_equal(err.code, STRATA_ELOCKED);
	expected_app_name(app, sizeof(app), HOLDER_COMMAND);
	snprintf(pid, sizeof(pid), "pid %d ", strata_conn_backend_pid(a));
	if (strstr(err.detail, pid) == NULL || strstr(err.detail, app) == NULL)
		fail_msg("detail '%s' does not name '%s' and '%s'", err.detail, pid, app);
	/* Timeout 0 tries once and fails the same way. */
	strata_error_clear(&err);
	assert_int_equal(strata_lock_wait(b, key, 0, &err), STRATA_ELOCKED);
	assert_non_null(strstr(err.detail, pid));
	/* B never got it. */
	assert_int_equal(try_lock(b, key), 0);
	strata_conn_close(a);
	strata_conn_close(b);
}

static void holder_fields(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = connect_as(*state, HOLDER_COMMAND);
	strata_conn *b = th_connect(*state);
	int64_t key = strata_lock_key("holder-fields");
	strata_lock_holder h;
	const char *params[2];
	char app[256], pid[32];
	char *v;

	assert_int_equal(strata_lock_holder_get(&h, b, key, &err), STRATA_ENOTFOUND);
	assert_int_equal(try_lock(a, key), 1);
	th_ok(strata_lock_holder_get(&h, b, key, &err), &err);
	assert_int_equal(h.pid, strata_conn_backend_pid(a));
	expected_app_name(app, sizeof(app), HOLDER_COMMAND);
	assert_string_equal(h.application_name, app);
	assert_string_equal(h.user, "postgres");
	assert_string_equal(h.client, "local");   /* connected through the Unix socket */
	/* since: ISO 8601 in UTC, not before A connected and not in the future. */
	assert_int_equal(strlen(h.since), 20);
	assert_int_equal(h.since[10], 'T');
	assert_int_equal(h.since[19], 'Z');
	snprintf(pid, sizeof(pid), "%d", h.pid);
	params[0] = h.since;
	params[1] = pid;
	th_ok(strata_conn_query_value(&v, b,
		"SELECT $1::timestamptz >= date_trunc('second', backend_start)"
		" AND $1::timestamptz <= clock_timestamp()"
		" FROM pg_stat_activity WHERE pid = $2::int", 2, params, &err), &err);
	assert_non_null(v);
	assert_string_equal(v, "t");
	strata_free(v);
	/* The holder sees itself the same way. */
	th_ok(strata_lock_holder_get(&h, a, key, &err), &err);
	assert_int_equal(h.pid, strata_conn_backend_pid(a));
	strata_conn_close(a);
	strata_conn_close(b);
}

static void release_hands_over(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	int64_t key = strata_lock_key("release-hands-over");
	strata_lock_holder h;

	assert_int_equal(try_lock(a, key), 1);
	assert_int_equal(try_lock(b, key), 0);
	th_ok(strata_lock_release(a, key, &err), &err);
	assert_int_equal(strata_lock_holder_get(&h, b, key, &err), STRATA_ENOTFOUND);
	assert_int_equal(try_lock(b, key), 1);
	th_ok(strata_lock_holder_get(&h, a, key, &err), &err);
	assert_int_equal(h.pid, strata_conn_backend_pid(b));
	/* A no longer holds it: releasing again is a state error and does not free B's lock. */
	strata_error_clear(&err);
	assert_int_equal(strata_lock_release(a, key, &err), STRATA_ESTATE);
	assert_int_equal(err.code, STRATA_ESTATE);
	assert_int_equal(try_lock(a, key), 0);
	th_ok(strata_lock_release(b, key, &err), &err);
	strata_conn_close(a);
	strata_conn_close(b);
}

static void release_when_never_held_is_estate(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	int64_t key = strata_lock_key("never-held");

	assert_int_equal(strata_lock_release(c, key, &err), STRATA_ESTATE);
	/* Held once, released once: a second release is a state error. */
	assert_int_equal(try_lock(c, key), 1);
	th_ok(strata_lock_release(c, key, &err), &err);
	strata_error_clear(&err);
	assert_int_equal(strata_lock_release(c, key, &err), STRATA_ESTATE);
	strata_conn_close(c);
}

static void closing_the_session_releases(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	int64_t key = strata_lock_key("closed-session");
	strata_lock_holder h;

	assert_int_equal(try_lock(a, key), 1);
	assert_int_equal(try_lock(b, key), 0);
	strata_conn_close(a);
	/* The server ends A's session asynchronously: wait generously. */
	th_ok(strata_lock_wait(b, key, 10000, &err), &err);
	th_ok(strata_lock_holder_get(&h, b, key, &err), &err);
	assert_int_equal(h.pid, strata_conn_backend_pid(b));
	strata_conn_close(b);
}

typedef struct release_job {
	strata_conn *holder;   /* used only by the thread while it runs */
	int64_t key;
	atomic_int waiting;    /* set by the main thread just before it waits */
	atomic_int releasing;  /* set by the thread just before it releases */
	int rc;
	strata_error err;
} release_job;

static void *release_later(void *arg)
{
	release_job *job = arg;
	int i;

	for (i = 0; i < 3000 && !atomic_load(&job->waiting); i++)
		th_sleep_ms(10);
	th_sleep_ms(300);
	atomic_store(&job->releasing, 1);
	job->rc = strata_lock_release(job->holder, job->key, &job->err);
	return NULL;
}

static void wait_succeeds_when_released_meanwhile(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	release_job job;
	pthread_t thread;
	strata_lock_holder h;

	memset(&job, 0, sizeof(job));
	job.holder = a;
	job.key = strata_lock_key("released-meanwhile");
	atomic_init(&job.waiting, 0);
	atomic_init(&job.releasing, 0);
	assert_int_equal(try_lock(a, job.key), 1);
	assert_int_equal(try_lock(b, job.key), 0);
	assert_int_equal(pthread_create(&thread, NULL, release_later, &job), 0);
	atomic_store(&job.waiting, 1);
	th_ok(strata_lock_wait(b, job.key, 10000, &err), &err);
	/* B cannot have the lock before A started to release it. */
	assert_int_equal(atomic_load(&job.releasing), 1);
	assert_int_equal(pthread_join(thread, NULL), 0);
	th_ok(job.rc, &job.err);
	th_ok(strata_lock_holder_get(&h, a, job.key, &err), &err);
	assert_int_equal(h.pid, strata_conn_backend_pid(b));
	strata_conn_close(a);
	strata_conn_close(b);
}

static void different_keys_are_independent(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	int64_t one = strata_lock_key("independent-one");
	int64_t two = strata_lock_key("independent-two");

	assert_true(one != two);
	assert_int_equal(try_lock(a, one), 1);
	assert_int_equal(try_lock(b, two), 1);
	assert_int_equal(try_lock(b, one), 0);
	assert_int_equal(try_lock(a, two), 0);
	th_ok(strata_lock_release(a, one, &err), &err);
	/* Releasing one leaves the other held. */
	assert_int_equal(try_lock(a, two), 0);
	assert_int_equal(try_lock(b, one), 1);
	strata_conn_close(a);
	strata_conn_close(b);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, th_db_setup, th_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(key_matches_the_documented_sql),
		DB_TEST(try_lock_from_two_sessions),
		DB_TEST(timed_wait_names_the_holder),
		DB_TEST(holder_fields),
		DB_TEST(release_hands_over),
		DB_TEST(release_when_never_held_is_estate),
		DB_TEST(closing_the_session_releases),
		DB_TEST(wait_succeeds_when_released_meanwhile),
		DB_TEST(different_keys_are_independent),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
