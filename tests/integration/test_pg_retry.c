/*
 * test_pg_retry.c: strata_retry_run against real transient server errors.
 *
 * Covers a lock timeout (55P03) that goes away when the other session
 * commits, a real deadlock between two sessions driven from two threads
 * (40P01: the victim's transaction is retried and succeeds), a serialization
 * failure (40001) retried until it succeeds, a non-transient error (42P01)
 * that is not retried, and giving up after max_attempts with the hint set.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static int db_setup(void **state)
{
	strata_conn *c;
	char *url = th_db_create("retry");

	c = th_connect(url);
	th_exec(c, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);"
		"INSERT INTO t VALUES (1, 0), (2, 0)");
	strata_conn_close(c);
	*state = url;
	return 0;
}

/* Connects without cmocka asserts, for use inside threads. */
static int open_conn(strata_conn **out, const char *url, strata_error *err)
{
	strata_conninfo *ci = NULL;
	int rc;

	*out = NULL;
	rc = strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, err);
	if (rc == 0)
		rc = strata_conn_open(out, ci, err);
	strata_conninfo_free(ci);
	return rc;
}

static void assert_value(strata_conn *c, const char *sql, const char *expected)
{
	char *v = th_value(c, sql);

	if (v == NULL || strcmp(v, expected) != 0)
		fail_msg("%s gave '%s', expected '%s'", sql, v ? v : "(null)", expected);
	strata_free(v);
}

/* What on_retry saw. */
typedef struct retry_log {
	atomic_int retries;
	int last_attempt;
	int last_max;
	char first_sqlstate[6];
	int first_code;
	int sqlstates_ok;       /* every cause had the expected SQLSTATE */
	const char *expect_sqlstate;
} retry_log;

static void log_retry(int attempt, int max_attempts, int delay_ms, const strata_error *cause,
	void *ud)
{
	retry_log *log = ud;

	(void)delay_ms;
	if (atomic_fetch_add(&log->retries, 1) == 0) {
		snprintf(log->first_sqlstate, sizeof(log->first_sqlstate), "%s", cause->sqlstate);
		log->first_code = cause->code;
		log->sqlstates_ok = 1;
	}
	if (log->expect_sqlstate != NULL && strcmp(cause->sqlstate, log->expect_sqlstate) != 0)
		log->sqlstates_ok = 0;
	log->last_attempt = attempt;
	log->last_max = max_attempts;
}

static void retry_log_init(retry_log *log, const char *expect_sqlstate)
{
	memset(log, 0, sizeof(*log));
	atomic_init(&log->retries, 0);
	log->expect_sqlstate = expect_sqlstate;
}

static strata_retry_policy small_policy(int max_attempts, retry_log *log)
{
	strata_retry_policy p = STRATA_RETRY_POLICY_INIT;

	p.max_attempts = max_attempts;
	p.base_delay_ms = 10;
	p.max_delay_ms = 40;
	p.on_retry = log_retry;
	p.ud = log;
	return p;
}

/* ---- lock timeout (55P03) ---- */

typedef struct update_job {
	strata_conn *c;
	const char *sql;
	atomic_int calls;
} update_job;

static int run_update(void *ud, strata_error *err)
{
	update_job *job = ud;

	atomic_fetch_add(&job->calls, 1);
	return strata_conn_exec(job->c, job->sql, err);
}

typedef struct commit_job {
	strata_conn *c;        /* B: used only by the thread while it runs */
	retry_log *log;
	int rc;
	strata_error err;
} commit_job;

/* Commits B once A has failed at least once and then ~300 ms more. */
static void *commit_after_first_retry(void *arg)
{
	commit_job *job = arg;
	int i;

	for (i = 0; i < 6000 && atomic_load(&job->log->retries) == 0; i++)
		th_sleep_ms(10);
	th_sleep_ms(300);
	job->rc = strata_conn_exec(job->c, "COMMIT", &job->err);
	return NULL;
}

static void lock_timeout_retried_until_the_lock_goes(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *a = th_connect(*state);
	strata_conn *b = th_connect(*state);
	update_job job;
	commit_job committer;
	retry_log log;
	strata_retry_policy policy;
	pthread_t thread;

	th_exec(b, "BEGIN; UPDATE t SET v = 1 WHERE id = 1");
	th_exec(a, "SET lock_timeout = '100ms'");

	/* Without retrying: a lock timeout. */
	assert_int_equal(strata_conn_exec(a, "UPDATE t SET v = v + 10 WHERE id = 1", &err),
		STRATA_ELOCKED);
	assert_string_equal(err.sqlstate, "55P03");

	retry_log_init(&log, "55P03");
	policy = small_policy(1000, &log);
	memset(&job, 0, sizeof(job));
	job.c = a;
	job.sql = "UPDATE t SET v = v + 10 WHERE id = 1";
	atomic_init(&job.calls, 0);
	memset(&committer, 0, sizeof(committer));
	committer.c = b;
	committer.log = &log;
	assert_int_equal(pthread_create(&thread, NULL, commit_after_first_retry, &committer), 0);
	strata_error_clear(&err);
	th_ok(strata_retry_run(&policy, run_update, &job, &err), &err);
	assert_int_equal(pthread_join(thread, NULL), 0);
	th_ok(committer.rc, &committer.err);
	assert_true(atomic_load(&log.retries) >= 1);
	assert_int_equal(atomic_load(&job.calls), atomic_load(&log.retries) + 1);
	assert_string_equal(log.first_sqlstate, "55P03");
	assert_int_equal(log.first_code, STRATA_ELOCKED);
	assert_true(log.sqlstates_ok);
	assert_int_equal(log.last_max, 1000);
	/* B's update committed first, then A's. */
	assert_value(a, "SELECT v FROM t WHERE id = 1", "11");
	strata_conn_close(a);
	strata_conn_close(b);
}

/* ---- deadlock (40P01) ---- */

typedef struct deadlock_side {
	const char *url;
	int first_id, second_id;
	pthread_barrier_t *both_hold_first;
	int attempts;
	int rc;
	int pid;
	strata_error err;
	retry_log log;
	strata_conn *c;
} deadlock_side;

static int deadlock_body(strata_conn *c, void *ud, strata_error *err)
{
	deadlock_side *side = ud;
	char first[16], second[16];
	const char *p1[1] = { first };
	const char *p2[1] = { second };
	int rc;

	snprintf(first, sizeof(first), "%d", side->first_id);
	snprintf(second, sizeof(second), "%d", side->second_id);
	rc = strata_conn_execp(c, "UPDATE t SET v = v + 1 WHERE id = $1::int", 1, p1, err);
	if (rc != 0)
		return rc;
	/* Only on the first attempt: both sides hold their first row, so the second updates deadlock. */
	if (side->attempts == 1)
		pthread_barrier_wait(side->both_hold_first);
	return strata_conn_execp(c, "UPDATE t SET v = v + 1 WHERE id = $1::int", 1, p2, err);
}

static int deadlock_attempt(void *ud, strata_error *err)
{
	deadlock_side *side = ud;

	side->attempts++;
	return strata_tx_run(side->c, NULL, deadlock_body, side, err);
}

static void *deadlock_thread(void *arg)
{
	deadlock_side *side = arg;
	strata_retry_policy policy = small_policy(5, &side->log);

	side->rc = open_conn(&side->c, side->url, &side->err);
	if (side->rc != 0) {
		/* Let the other side pass the barrier; it will then simply succeed. */
		pthread_barrier_wait(side->both_hold_first);
		return NULL;
	}
	side->pid = strata_conn_backend_pid(side->c);
	side->rc = strata_retry_run(&policy, deadlock_attempt, side, &side->err);
	strata_conn_close(side->c);
	side->c = NULL;
	return NULL;
}

static void deadlock_victim_is_retried(void **state)
{
	strata_conn *c = th_connect(*state);
	pthread_barrier_t barrier;
	deadlock_side sides[2];
	pthread_t threads[2];
	int i, victims = 0;

	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	memset(sides, 0, sizeof(sides));
	for (i = 0; i < 2; i++) {
		sides[i].url = *state;
		sides[i].first_id = i == 0 ? 1 : 2;
		sides[i].second_id = i == 0 ? 2 : 1;
		sides[i].both_hold_first = &barrier;
		retry_log_init(&sides[i].log, "40P01");
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, deadlock_thread, &sides[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	pthread_barrier_destroy(&barrier);

	for (i = 0; i < 2; i++) {
		th_ok(sides[i].rc, &sides[i].err);
		if (atomic_load(&sides[i].log.retries) > 0) {
			victims++;
			/* The victim failed once with a deadlock, then its retry went through. */
			assert_int_equal(atomic_load(&sides[i].log.retries), 1);
			assert_int_equal(sides[i].attempts, 2);
			assert_string_equal(sides[i].log.first_sqlstate, "40P01");
			assert_int_equal(sides[i].log.first_code, STRATA_EDB);
		} else {
			assert_int_equal(sides[i].attempts, 1);
		}
	}
	assert_int_equal(victims, 1);
	/* Both transactions committed: each row was updated twice. */
	assert_value(c, "SELECT string_agg(v::text, ',' ORDER BY id) FROM t", "2,2");
	strata_conn_close(c);
}

/* ---- serialization failure (40001) ---- */

typedef struct serial_job {
	strata_conn *c;           /* the retried session */
	strata_conn *meddler;     /* another session that updates the row in between */
	int meddle_times;         /* how many attempts are disturbed */
	int attempts;
	int meddle_rc;
	strata_error meddle_err;
} serial_job;

static int serial_body(strata_conn *c, void *ud, strata_error *err)
{
	serial_job *job = ud;
	char *v = NULL;
	int rc;

	/* Take the snapshot. */
	rc = strata_conn_query_value(&v, c, "SELECT v FROM t WHERE id = 1", 0, NULL, err);
	strata_free(v);
	if (rc != 0)
		return rc;
	if (job->attempts <= job->meddle_times) {
		int mrc = strata_conn_exec(job->meddler, "UPDATE t SET v = v + 100 WHERE id = 1",
			&job->meddle_err);

		if (mrc != 0)
			job->meddle_rc = mrc;
	}
	return strata_conn_exec(c, "UPDATE t SET v = v + 1 WHERE id = 1", err);
}

static int serial_attempt(void *ud, strata_error *err)
{
	serial_job *job = ud;
	strata_tx_options opts = STRATA_TX_OPTIONS_INIT;

	job->attempts++;
	opts.isolation = STRATA_ISOLATION_SERIALIZABLE;
	return strata_tx_run(job->c, &opts, serial_body, job, err);
}

static void serialization_failure_retried_until_success(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	serial_job job;
	retry_log log;
	strata_retry_policy policy;

	memset(&job, 0, sizeof(job));
	job.c = th_connect(*state);
	job.meddler = th_connect(*state);
	job.meddle_times = 2;

	/* Without retrying: a serialization failure. */
	assert_int_equal(serial_attempt(&job, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "40001");
	assert_int_equal(strata_tx_status(job.c), STRATA_TX_IDLE);
	assert_value(job.c, "SELECT v FROM t WHERE id = 1", "100");

	job.attempts = 0;
	retry_log_init(&log, "40001");
	policy = small_policy(10, &log);
	strata_error_clear(&err);
	th_ok(strata_retry_run(&policy, serial_attempt, &job, &err), &err);
	th_ok(job.meddle_rc, &job.meddle_err);
	assert_int_equal(job.attempts, 3);
	assert_int_equal(atomic_load(&log.retries), 2);
	assert_true(log.sqlstates_ok);
	assert_int_equal(log.last_attempt, 3);
	/* 100 from the first failure, 2 x 100 more, and A's +1 once. */
	assert_value(job.c, "SELECT v FROM t WHERE id = 1", "301");
	strata_conn_close(job.c);
	strata_conn_close(job.meddler);
}

/* ---- non-transient errors and giving up ---- */

static void non_transient_error_is_not_retried(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	update_job job;
	retry_log log;
	strata_retry_policy policy;

	memset(&job, 0, sizeof(job));
	job.c = th_connect(*state);
	job.sql = "UPDATE no_such_table SET v = 1";
	atomic_init(&job.calls, 0);
	retry_log_init(&log, NULL);
	policy = small_policy(5, &log);
	assert_int_equal(strata_retry_run(&policy, run_update, &job, &err), STRATA_EDB);
	assert_int_equal(atomic_load(&job.calls), 1);
	assert_int_equal(atomic_load(&log.retries), 0);
	assert_string_equal(err.sqlstate, "42P01");
	assert_string_equal(err.hint, "");
	strata_conn_close(job.c);
}

static void gives_up_after_max_attempts(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *b = th_connect(*state);
	update_job job;
	retry_log log;
	strata_retry_policy policy;

	memset(&job, 0, sizeof(job));
	job.c = th_connect(*state);
	job.sql = "UPDATE t SET v = v + 10 WHERE id = 2";
	atomic_init(&job.calls, 0);
	th_exec(b, "BEGIN; UPDATE t SET v = 5 WHERE id = 2");   /* never released during the run */
	th_exec(job.c, "SET lock_timeout = '100ms'");
	retry_log_init(&log, "55P03");
	policy = small_policy(3, &log);
	policy.base_delay_ms = 1;
	policy.max_delay_ms = 2;
	assert_int_equal(strata_retry_run(&policy, run_update, &job, &err), STRATA_ELOCKED);
	assert_int_equal(err.code, STRATA_ELOCKED);
	assert_string_equal(err.sqlstate, "55P03");
	assert_int_equal(atomic_load(&job.calls), 3);
	assert_int_equal(atomic_load(&log.retries), 2);
	assert_true(log.sqlstates_ok);
	if (strstr(err.hint, "3 attempts") == NULL)
		fail_msg("hint '%s' does not say how many attempts were made", err.hint);
	th_exec(b, "ROLLBACK");
	assert_value(job.c, "SELECT v FROM t WHERE id = 2", "0");
	strata_conn_close(job.c);
	strata_conn_close(b);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, db_setup, th_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(lock_timeout_retried_until_the_lock_goes),
		DB_TEST(deadlock_victim_is_retried),
		DB_TEST(serialization_failure_retried_until_success),
		DB_TEST(non_transient_error_is_not_retried),
		DB_TEST(gives_up_after_max_attempts),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
