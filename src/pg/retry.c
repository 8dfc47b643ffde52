/*
 * retry.c: retrying transient failures with jittered exponential backoff.
 *
 * Only failures that can succeed on a second try are retried: connection
 * exceptions (class 08), serialization failures (40001), deadlocks (40P01)
 * and lock timeouts (55P03). The delay uses "equal jitter": half the
 * exponential cap plus a random part of the other half, so that competing
 * retriers spread out without ever retrying at once.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "pg/pg_int.h"

int strata_sqlstate_is_transient(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return 0;
	return strncmp(s, "08", 2) == 0 || strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
		strcmp(s, "55P03") == 0;
}

int strata_retry_delay_ms(const strata_retry_policy *p, int attempt, uint32_t rnd)
{
	int64_t cap = p->base_delay_ms > 0 ? p->base_delay_ms : 1;
	int64_t max = p->max_delay_ms > 0 ? p->max_delay_ms : cap;
	int i, half;

	for (i = 2; i < attempt && cap < max; i++)
		cap *= 2;
	if (cap > max)
		cap = max;
	half = (int)(cap / 2);
	return half + (int)(rnd % (uint32_t)(cap - half + 1));
}

static uint32_t default_random(void *ud)
{
	static uint64_t state;

	ST_UNUSED(ud);
	if (state == 0 && (st_random_bytes(&state, sizeof(state), NULL) != 0 || state == 0))
		state = (uint64_t)st_now_ns() | 1;
	/* xorshift64*: plenty for spreading retries. */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * 2685821657736338717ULL) >> 32);
}

static void default_sleep(int ms, void *ud)
{
	ST_UNUSED(ud);
	st_sleep_ms(ms);
}

static void default_on_retry(int attempt, int max_attempts, int delay_ms, const strata_error *cause,
	void *ud)
{
	strata_log_field fields[] = {
		STRATA_LOG_INT("attempt", attempt),
		STRATA_LOG_INT("max_attempts", max_attempts),
		STRATA_LOG_INT("delay_ms", delay_ms),
		STRATA_LOG_STR("sqlstate", cause->sqlstate),
	};
	strata_buf msg = STRATA_BUF_INIT;

	ST_UNUSED(ud);
	strata_buf_printf(&msg, "retrying after a transient error: %s", cause->message);
	strata_log_fields(STRATA_LOG_WARNING, strata_buf_cstr(&msg), fields, (int)ST_ARRAY_LEN(fields));
	strata_buf_release(&msg);
}

int strata_retry_run(const strata_retry_policy *p, strata_retry_fn fn, void *ud, strata_error *err)
{
	strata_error local = STRATA_ERROR_INIT;
	strata_error *e = err ? err : &local;
	int attempt, rc = 0;
	int max = p->max_attempts > 0 ? p->max_attempts : 1;

	for (attempt = 1; attempt <= max; attempt++) {
		int delay;

		strata_error_clear(e);
		rc = fn(ud, e);
		if (rc == 0)
			return 0;
		if (!strata_sqlstate_is_transient(e->sqlstate) || attempt == max)
			break;
		delay = strata_retry_delay_ms(p, attempt + 1,
			p->random ? p->random(p->ud) : default_random(NULL));
		if (p->on_retry)
			p->on_retry(attempt + 1, max, delay, e, p->ud);
		else
			default_on_retry(attempt + 1, max, delay, e, NULL);
		if (p->sleep_ms)
			p->sleep_ms(delay, p->ud);
		else
			default_sleep(delay, NULL);
	}
	if (attempt > 1 && strata_sqlstate_is_transient(e->sqlstate))
		strata_error_hint(e, "gave up after %d attempts", attempt);
	return rc;
}
