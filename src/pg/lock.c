/*
 * lock.c: session-level advisory locks keyed by a name.
 *
 * Waiting polls pg_try_advisory_lock with a growing pause instead of calling
 * the blocking pg_advisory_lock: a blocking call sits in the lock queue, and
 * a concurrent CREATE INDEX CONCURRENTLY waits for every transaction that
 * holds a snapshot, so the two could deadlock. Session-level locks are
 * released by the server when the session ends, so a crashed holder never
 * leaves a stale lock behind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "pg/pg_int.h"

int64_t strata_lock_key(const char *name)
{
	unsigned char d[ST_SHA256_LEN];
	uint64_t v = 0;
	int i;

	if (st_sha256(d, name, strlen(name)) != 0)
		return 0;
	for (i = 0; i < 8; i++)
		v = (v << 8) | d[i];
	return (int64_t)v;
}

int strata_lock_try(int *out, strata_conn *c, int64_t key, strata_error *err)
{
	char keytext[32];
	const char *params[1] = { keytext };
	char *v = NULL;
	int rc;

	*out = 0;
	st_snprintf(keytext, sizeof(keytext), "%" PRId64, key);
	rc = strata_conn_query_value(&v, c, "SELECT pg_try_advisory_lock($1::bigint)", 1, params, err);
	if (rc != 0)
		return rc;
	*out = v != NULL && v[0] == 't';
	st_free(v);
	return 0;
}

int strata_lock_release(strata_conn *c, int64_t key, strata_error *err)
{
	char keytext[32];
	const char *params[1] = { keytext };
	char *v = NULL;
	int rc;

	st_snprintf(keytext, sizeof(keytext), "%" PRId64, key);
	/* pg_advisory_unlock warns when the lock is not held; check first to keep logs clean. */
	rc = strata_conn_query_value(&v, c,
		"SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
		" AND pid = pg_backend_pid() AND granted AND objsubid = 1"
		" AND classid = (($1::bigint >> 32) & 4294967295)::oid"
		" AND objid = ($1::bigint & 4294967295)::oid)"
		" THEN pg_advisory_unlock($1::bigint) ELSE false END", 1, params, err);
	if (rc != 0)
		return rc;
	if (v == NULL || v[0] != 't')
		rc = strata_error_set(err, STRATA_ESTATE, "advisory lock %" PRId64 " is not held by this session",
			key);
	st_free(v);
	return rc;
}

int strata_lock_holder_get(strata_lock_holder *out, strata_conn *c, int64_t key, strata_error *err)
{
	char keytext[32];
	const char *params[1] = { keytext };
	strata_result *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	st_snprintf(keytext, sizeof(keytext), "%" PRId64, key);
	rc = strata_conn_query(&r, c,
		"SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),"
		" coalesce(host(a.client_addr), 'local'),"
		" to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		" FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
		" WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
		" AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
		" AND l.classid = (($1::bigint >> 32) & 4294967295)::oid"
		" AND l.objid = ($1::bigint & 4294967295)::oid"
		" ORDER BY a.backend_start LIMIT 1", 1, params, err);
	if (rc != 0)
		return rc;
	if (strata_result_nrows(r) == 0) {
		strata_result_free(r);
		return strata_error_set(err, STRATA_ENOTFOUND, "nobody holds advisory lock %" PRId64, key);
	}
	st_parse_int(&out->pid, strata_result_value(r, 0, 0), 0, INT32_MAX);
	st_strlcpy(out->application_name, strata_result_value(r, 0, 1), sizeof(out->application_name));
	st_strlcpy(out->user, strata_result_value(r, 0, 2), sizeof(out->user));
	st_strlcpy(out->client, strata_result_value(r, 0, 3), sizeof(out->client));
	st_strlcpy(out->since, strata_result_value(r, 0, 4) ? strata_result_value(r, 0, 4) : "",
		sizeof(out->since));
	strata_result_free(r);
	return 0;
}

int strata_lock_wait(strata_conn *c, int64_t key, int timeout_ms, strata_error *err)
{
	int64_t deadline = st_now_ns() + (int64_t)timeout_ms * 1000000LL;
	int64_t pause_ms = 20;
	strata_lock_holder holder;
	int got = 0, rc;

	for (;;) {
		rc = strata_lock_try(&got, c, key, err);
		if (rc != 0)
			return rc;
		if (got)
			return 0;
		{
			int64_t left = (deadline - st_now_ns()) / 1000000LL;
			if (left <= 0)
				break;
			st_sleep_ms(pause_ms < left ? pause_ms : left);
		}
		if (pause_ms < 500)
			pause_ms *= 2;
	}
	rc = strata_error_set(err, STRATA_ELOCKED, "advisory lock %" PRId64 " is held by another session",
		key);
	if (strata_lock_holder_get(&holder, c, key, NULL) == 0)
		strata_error_detail(err, "held by pid %d (application '%s', user '%s', client %s, connected since %s)",
			holder.pid, holder.application_name, holder.user, holder.client, holder.since);
	if (timeout_ms > 0)
		strata_error_hint(err, "gave up after waiting %d ms", timeout_ms);
	return rc;
}
