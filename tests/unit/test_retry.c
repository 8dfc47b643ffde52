/*
 * test_retry.c: retrying transient failures (src/pg/retry.c) without a
 * server and without sleeping: which SQLSTATEs count as transient, the
 * "equal jitter" delay (bounds, doubling cap, max_delay_ms, the random part),
 * and strata_retry_run driven through fake sleep, random and on_retry hooks:
 * success after transient failures, stopping at once on a permanent error,
 * giving up after max_attempts with a hint, the single-call edge cases, and
 * the warning logged when no on_retry hook is installed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ---- a scripted operation and recording hooks ---- */

#define MAX_EVENTS 32

typedef struct fake_op {
	/* What call n (1-based) returns: sqlstates[n - 1], "" meaning success. */
	const char *sqlstates[MAX_EVENTS];
	int nscript;
	int calls;

	/* Hooks' records. */
	int sleeps[MAX_EVENTS];
	int nsleeps;
	uint32_t randoms[MAX_EVENTS];   /* what random() hands out, in order */
	int nrandom_calls;
	int retry_attempts[MAX_EVENTS];
	int retry_max[MAX_EVENTS];
	int retry_delays[MAX_EVENTS];
	char retry_sqlstates[MAX_EVENTS][6];
	int nretries;
} fake_op;

static int scripted_fn(void *ud, strata_error *err)
{
	fake_op *op = ud;
	const char *state;

	op->calls++;
	assert_true(op->calls <= op->nscript);
	state = op->sqlstates[op->calls - 1];
	if (state[0] == '\0')
		return 0;
	strata_error_set(err, STRATA_EDB, "failure #%d (%s)", op->calls, state);
	strata_error_sqlstate(err, state);
	return STRATA_EDB;
}

static void fake_sleep(int ms, void *ud)
{
	fake_op *op = ud;

	assert_true(op->nsleeps < MAX_EVENTS);
	op->sleeps[op->nsleeps++] = ms;
}

static uint32_t fake_random(void *ud)
{
	fake_op *op = ud;

	assert_true(op->nrandom_calls < MAX_EVENTS);
	return op->randoms[op->nrandom_calls++];
}

static void record_retry(int attempt, int max_attempts, int delay_ms, const strata_error *cause,
	void *ud)
{
	fake_op *op = ud;

	assert_true(op->nretries < MAX_EVENTS);
	op->retry_attempts[op->nretries] = attempt;
	op->retry_max[op->nretries] = max_attempts;
	op->retry_delays[op->nretries] = delay_ms;
	memcpy(op->retry_sqlstates[op->nretries], cause->sqlstate, sizeof(op->retry_sqlstates[0]));
	op->nretries++;
}

static strata_retry_policy fake_policy(fake_op *op, int max_attempts)
{
	strata_retry_policy p = STRATA_RETRY_POLICY_INIT;
	int i;

	p.max_attempts = max_attempts;
	p.base_delay_ms = 100;
	p.max_delay_ms = 5000;
	p.sleep_ms = fake_sleep;
	p.random = fake_random;
	p.on_retry = record_retry;
	p.ud = op;
	for (i = 0; i < MAX_EVENTS; i++)
		op->randoms[i] = (uint32_t)(1000003u * (uint32_t)(i + 1));
	return p;
}

/* ---- a capturing log sink ---- */

typedef struct captured_log {
	int count;
	strata_log_level level;
	char msg[512];
	long long attempt;
	int has_attempt;
} captured_log;

static void capture_sink(strata_log_level level, const char *msg, const strata_log_field *fields,
	int nfields, void *ud)
{
	captured_log *cap = ud;
	int i;

	cap->count++;
	cap->level = level;
	snprintf(cap->msg, sizeof(cap->msg), "%s", msg);
	for (i = 0; i < nfields; i++) {
		if (strcmp(fields[i].key, "attempt") == 0 && fields[i].str == NULL) {
			cap->attempt = fields[i].num;
			cap->has_attempt = 1;
		}
	}
}

static int reset_log(void **state)
{
	(void)state;
	strata_log_set_sink(NULL, NULL);
	strata_log_set_level(STRATA_LOG_NOTICE);
	return 0;
}

/* ---- strata_sqlstate_is_transient ---- */

static void transient_sqlstates(void **state)
{
	static const char *const transient[] = { "08000", "08006", "08P01", "40001", "40P01", "55P03" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		if (!strata_sqlstate_is_transient(transient[i]))
			fail_msg("'%s' should be transient", transient[i]);
}

static void permanent_and_malformed_sqlstates(void **state)
{
	static const char *const permanent[] = {
		"23505",   /* unique_violation */
		"42P01",   /* undefined_table */
		"57014",   /* query_canceled: a timeout we set on purpose */
		"",
		"4000",    /* too short */
		"400011",  /* too long */
		"08",      /* a class alone is not a SQLSTATE */
		"55P02",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++)
		if (strata_sqlstate_is_transient(permanent[i]))
			fail_msg("'%s' should not be transient", permanent[i]);
	assert_false(strata_sqlstate_is_transient(NULL));
}

/* ---- strata_retry_delay_ms ---- */

static void first_retry_delay_is_between_half_and_full_base(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 2, 49, 50, 51, 99, 100, 12345, 0x7fffffffu, UINT32_MAX };
	strata_retry_policy p = STRATA_RETRY_POLICY_INIT;
	size_t i;

	(void)state;
	p.base_delay_ms = 100;
	p.max_delay_ms = 5000;
	for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		int d = strata_retry_delay_ms(&p, 2, rnds[i]);
		if (d < 50 || d > 100)
			fail_msg("rnd %u gave %d ms, outside [50, 100]", rnds[i], d);
	}
	/* The random part spans the whole upper half, both ends included. */
	assert_int_equal(strata_retry_delay_ms(&p, 2, 0), 50);
	assert_int_equal(strata_retry_delay_ms(&p, 2, 50), 100);
}

static void cap_doubles_per_attempt_up_to_max_delay(void **state)
{
	strata_retry_policy p = STRATA_RETRY_POLICY_INIT;
	int64_t expected_cap = 100;
	int attempt;

	(void)state;
	p.base_delay_ms = 100;
	p.max_delay_ms = 5000;
	for (attempt = 2; attempt <= 40; attempt++) {
		int cap = (int)(expected_cap < 5000 ? expected_cap : 5000);
		int half = cap / 2;
		int lo = strata_retry_delay_ms(&p, attempt, 0);
		int hi = strata_retry_delay_ms(&p, attempt, (uint32_t)(cap - half));
		int top = strata_retry_delay_ms(&p, attempt, UINT32_MAX);

		/* rnd 0 gives exactly the half; the largest random part reaches the cap. */
		if (lo != half || hi != cap)
			fail_msg("attempt %d: got [%d, %d], expected [%d, %d]", attempt, lo, hi, half, cap);
		if (top < half || top > cap)
			fail_msg("attempt %d: UINT32_MAX gave %d, outside [%d, %d]", attempt, top, half, cap);
		if (expected_cap < 5000)
			expected_cap *= 2;
	}
}

static void delay_never_exceeds_max_delay(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 150, 151, 299, 300, 301, 65535, UINT32_MAX };
	strata_retry_policy p = STRATA_RETRY_POLICY_INIT;
	size_t i;
	int attempt;

	(void)state;
	/* A base above the maximum: the maximum wins from the first retry on. */
	p.base_delay_ms = 1000;
	p.max_delay_ms = 300;
	for (attempt = 2; attempt <= 10; attempt++)
		for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
			int d = strata_retry_delay_ms(&p, attempt, rnds[i]);
			if (d < 150 || d > 300)
				fail_msg("attempt %d rnd %u: %d ms outside [150, 300]", attempt, rnds[i], d);
		}
	/* Huge attempt numbers must not overflow the doubling. */
	p.base_delay_ms = 100;
	p.max_delay_ms = 2000000000;
	for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		int d = strata_retry_delay_ms(&p, 1000000, rnds[i]);
		if (d < 1000000000 || d > 2000000000)
			fail_msg("attempt 1000000 rnd %u: %d ms out of bounds", rnds[i], d);
	}
}

/* ---- strata_retry_run ---- */

static void succeeds_after_two_transient_failures(void **state)
{
	fake_op op;
	strata_retry_policy p;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	memset(&op, 0, sizeof(op));
	p = fake_policy(&op, 5);
	op.sqlstates[0] = "40001";
	op.sqlstates[1] = "08006";
	op.sqlstates[2] = "";
	op.nscript = 3;

	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), 0);
	assert_int_equal(op.calls, 3);
	assert_int_equal(op.nsleeps, 2);
	/* The delays are what the policy computes from the random values handed out. */
	assert_int_equal(op.nrandom_calls, 2);
	assert_int_equal(op.sleeps[0], strata_retry_delay_ms(&p, 2, op.randoms[0]));
	assert_int_equal(op.sleeps[1], strata_retry_delay_ms(&p, 3, op.randoms[1]));
	assert_int_equal(op.nretries, 2);
	assert_int_equal(op.retry_attempts[0], 2);
	assert_int_equal(op.retry_attempts[1], 3);
	assert_int_equal(op.retry_max[0], 5);
	assert_int_equal(op.retry_delays[0], op.sleeps[0]);
	assert_int_equal(op.retry_delays[1], op.sleeps[1]);
	assert_string_equal(op.retry_sqlstates[0], "40001");
	assert_string_equal(op.retry_sqlstates[1], "08006");
	/* Success leaves no stale error behind. */
	assert_int_equal(err.code, 0);
	assert_string_equal(err.message, "");
}

static void permanent_error_stops_at_once(void **state)
{
	fake_op op;
	strata_retry_policy p;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	memset(&op, 0, sizeof(op));
	p = fake_policy(&op, 5);
	op.sqlstates[0] = "23505";
	op.nscript = 1;

	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), STRATA_EDB);
	assert_int_equal(op.calls, 1);
	assert_int_equal(op.nsleeps, 0);
	assert_int_equal(op.nretries, 0);
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.sqlstate, "23505");
	assert_string_equal(err.message, "failure #1 (23505)");
	assert_string_equal(err.hint, "");
}

static void permanent_error_after_transient_one_is_returned(void **state)
{
	fake_op op;
	strata_retry_policy p;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	memset(&op, 0, sizeof(op));
	p = fake_policy(&op, 5);
	op.sqlstates[0] = "40P01";
	op.sqlstates[1] = "42P01";
	op.nscript = 2;

	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), STRATA_EDB);
	assert_int_equal(op.calls, 2);
	assert_int_equal(op.nsleeps, 1);
	assert_string_equal(err.sqlstate, "42P01");
	assert_string_equal(err.message, "failure #2 (42P01)");
}

static void gives_up_after_max_attempts(void **state)
{
	fake_op op;
	strata_retry_policy p;
	strata_error err = STRATA_ERROR_INIT;
	int i;

	(void)state;
	memset(&op, 0, sizeof(op));
	p = fake_policy(&op, 4);
	for (i = 0; i < 4; i++)
		op.sqlstates[i] = "55P03";
	op.nscript = 4;

	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), STRATA_EDB);
	assert_int_equal(op.calls, 4);
	assert_int_equal(op.nsleeps, 3);
	assert_int_equal(op.nretries, 3);
	assert_int_equal(op.retry_attempts[2], 4);
	assert_int_equal(op.retry_max[2], 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(op.sleeps[i], strata_retry_delay_ms(&p, i + 2, op.randoms[i]));
	/* The last error comes back, with a hint that says how often it was tried. */
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.message, "failure #4 (55P03)");
	assert_string_equal(err.sqlstate, "55P03");
	assert_non_null(strstr(err.hint, "4 attempts"));
}

static void zero_or_one_attempt_means_a_single_call(void **state)
{
	static const int limits[] = { 0, 1, -3 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		fake_op op;
		strata_retry_policy p;
		strata_error err = STRATA_ERROR_INIT;

		memset(&op, 0, sizeof(op));
		p = fake_policy(&op, limits[i]);
		op.sqlstates[0] = "08006";
		op.sqlstates[1] = "";
		op.nscript = 2;
		assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), STRATA_EDB);
		if (op.calls != 1 || op.nsleeps != 0 || op.nretries != 0)
			fail_msg("max_attempts %d: %d calls, %d sleeps, %d retries", limits[i], op.calls,
				op.nsleeps, op.nretries);
		assert_string_equal(err.sqlstate, "08006");
	}
}

static void works_without_an_error_struct(void **state)
{
	fake_op op;
	strata_retry_policy p;

	(void)state;
	memset(&op, 0, sizeof(op));
	p = fake_policy(&op, 3);
	op.sqlstates[0] = "40001";
	op.sqlstates[1] = "40001";
	op.sqlstates[2] = "40001";
	op.nscript = 3;
	/* Transient failures are still recognised when the caller passes no err. */
	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, NULL), STRATA_EDB);
	assert_int_equal(op.calls, 3);
	assert_int_equal(op.nsleeps, 2);
}

static void default_on_retry_logs_a_warning(void **state)
{
	fake_op op;
	strata_retry_policy p;
	strata_error err = STRATA_ERROR_INIT;
	captured_log cap;

	(void)state;
	memset(&op, 0, sizeof(op));
	memset(&cap, 0, sizeof(cap));
	p = fake_policy(&op, 3);
	p.on_retry = NULL;
	op.sqlstates[0] = "40001";
	op.sqlstates[1] = "";
	op.nscript = 2;
	strata_log_set_sink(capture_sink, &cap);
	strata_log_set_level(STRATA_LOG_NOTICE);

	assert_int_equal(strata_retry_run(&p, scripted_fn, &op, &err), 0);
	assert_int_equal(op.calls, 2);
	assert_int_equal(op.nsleeps, 1);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.level, STRATA_LOG_WARNING);
	assert_non_null(strstr(cap.msg, "failure #1 (40001)"));
	assert_true(cap.has_attempt);
	assert_int_equal(cap.attempt, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transient_sqlstates),
		cmocka_unit_test(permanent_and_malformed_sqlstates),
		cmocka_unit_test(first_retry_delay_is_between_half_and_full_base),
		cmocka_unit_test(cap_doubles_per_attempt_up_to_max_delay),
		cmocka_unit_test(delay_never_exceeds_max_delay),
		cmocka_unit_test(succeeds_after_two_transient_failures),
		cmocka_unit_test(permanent_error_stops_at_once),
		cmocka_unit_test(permanent_error_after_transient_one_is_returned),
		cmocka_unit_test(gives_up_after_max_attempts),
		cmocka_unit_test(zero_or_one_attempt_means_a_single_call),
		cmocka_unit_test(works_without_an_error_struct),
		cmocka_unit_test_teardown(default_on_retry_logs_a_warning, reset_log),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
