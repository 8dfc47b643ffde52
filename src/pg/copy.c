/*
 * copy.c: COPY ... TO STDOUT streamed to a callback, and COPY ... FROM
 * STDIN fed from memory. What the audit verifier reads and the batched
 * appender writes; both run at the speed of the server's COPY.
 */
#include <string.h>

#include "pg/pg_int.h"

/* Reads results until libpq has none left; the first failure goes to err. */
static int finish(strata_conn *c, int rc, strata_error *err)
{
	PGresult *res;

	while ((res = PQgetResult(c->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (rc == 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			rc = st_pg_result_error(err, c, res);
		PQclear(res);
	}
	return rc;
}

static int start(strata_conn *c, const char *sql, ExecStatusType want, strata_error *err)
{
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;

	if (st != want) {
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			rc = strata_error_set(err, STRATA_EINVAL, "not a COPY %s statement",
				want == PGRES_COPY_OUT ? "TO STDOUT" : "FROM STDIN");
		else
			rc = st_pg_result_error(err, c, res);
	}
	PQclear(res);
	return rc;
}

int strata_conn_copy_out(strata_conn *c, const char *sql, strata_copy_out_fn fn, void *ctx,
	strata_error *err)
{
	char *buf = NULL;
	int n, rc, stopped = 0;
	/*
	 * Stopping early cancels the statement; inside the caller's transaction
	 * a savepoint keeps that cancel from failing the whole transaction.
	 */
	int in_tx = strata_tx_status(c) == STRATA_TX_ACTIVE;

	if (in_tx) {
		rc = strata_tx_savepoint(c, "strata_copy_out", err);
		if (rc != 0)
			return rc;
	}
	rc = start(c, sql, PGRES_COPY_OUT, err);
	if (rc != 0)
		return rc;
	while ((n = PQgetCopyData(c->pg, &buf, 0)) > 0) {
		if (!stopped && fn(ctx, buf, (size_t)n) != 0) {
			strata_error ignored = STRATA_ERROR_INIT;

			/* The rest is not wanted: ask the server to stop, drop what is in flight. */
			stopped = 1;
			strata_conn_cancel(c, &ignored);
		}
		PQfreemem(buf);
		buf = NULL;
	}
	if (n == -2 && !stopped)
		rc = st_pg_result_error(err, c, NULL);
	if (stopped) {
		strata_error ignored = STRATA_ERROR_INIT;

		finish(c, 0, &ignored);
		if (in_tx && strata_tx_status(c) == STRATA_TX_FAILED)
			rc = strata_tx_rollback_to(c, "strata_copy_out", err);
		if (rc == 0 && in_tx)
			rc = strata_tx_release(c, "strata_copy_out", err);
		return rc;
	}
	rc = finish(c, rc, err);
	if (rc == 0 && in_tx)
		rc = strata_tx_release(c, "strata_copy_out", err);
	return rc;
}

/* ---- binary rows ---- */

typedef struct row_reader {
	strata_copy_row_fn fn;
	void *ctx;
	strata_buf carry;
	int64_t bytes;
	int header_done;
	int ended;
	int malformed;
	int stop;
} row_reader;

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One tuple at p (n bytes there): bytes used, 0 when incomplete, -1 malformed. */
static long tuple(row_reader *rr, const unsigned char *p, size_t n)
{
	strata_copy_field f[STRATA_COPY_MAX_FIELDS];
	size_t at = 2;
	int nf, i;

	if (n < 2)
		return 0;
	nf = (int16_t)(p[0] << 8 | p[1]);
	if (nf == -1) {
		rr->ended = 1;
		return 2;
	}
	if (nf < 0 || nf > STRATA_COPY_MAX_FIELDS)
		return -1;
	for (i = 0; i < nf; i++) {
		int32_t len;

		if (n - at < 4)
			return 0;
		len = (int32_t)get_u32(p + at);
		at += 4;
		f[i].data = NULL;
		f[i].len = len < 0 ? -1 : len;
		if (len < 0)
			continue;
		if (n - at < (size_t)len)
			return 0;
		f[i].data = (const char *)p + at;
		at += (size_t)len;
	}
	rr->stop = rr->fn(rr->ctx, nf, f);
	return (long)at;
}

/* Whole tuples from p; *used says how far (the rest waits for the next piece). */
static int tuples(row_reader *rr, const unsigned char *p, size_t n, size_t *used)
{
	size_t at = 0;

	*used = 0;
	if (!rr->header_done) {
		uint32_t ext;

		if (n < 19)
			return 0;
		if (memcmp(p, "PGCOPY\n\377\r\n\0", 11) != 0)
			return -1;
		ext = get_u32(p + 15);
		if (n - 19 < ext)
			return 0;
		at = 19 + ext;
		rr->header_done = 1;
	}
	while (at < n && !rr->ended && rr->stop == 0) {
		long k = tuple(rr, p + at, n - at);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		at += (size_t)k;
	}
	*used = at;
	return 0;
}

static int on_piece(void *ctx, const char *data, size_t len)
{
	row_reader *rr = ctx;
	size_t used = 0;

	rr->bytes += (int64_t)len;
	if (rr->carry.len == 0) {
		if (tuples(rr, (const unsigned char *)data, len, &used) != 0)
			rr->malformed = 1;
		else if (used < len)
			strata_buf_append(&rr->carry, data + used, len - used);
	} else {
		strata_buf_append(&rr->carry, data, len);
		if (strata_buf_failed(&rr->carry) ||
			tuples(rr, (const unsigned char *)rr->carry.ptr, rr->carry.len, &used) != 0) {
			rr->malformed = 1;
		} else {
			memmove(rr->carry.ptr, rr->carry.ptr + used, rr->carry.len - used);
			strata_buf_truncate(&rr->carry, rr->carry.len - used);
		}
	}
	if (strata_buf_failed(&rr->carry))
		rr->malformed = 1;
	return rr->malformed || rr->stop != 0;
}

int strata_conn_copy_rows(strata_conn *c, const char *sql, strata_copy_row_fn fn, void *ctx, int64_t *bytes,
	strata_error *err)
{
	row_reader rr;
	int rc;

	memset(&rr, 0, sizeof(rr));
	rr.fn = fn;
	rr.ctx = ctx;
	rc = strata_conn_copy_out(c, sql, on_piece, &rr, err);
	if (rc == 0 && rr.malformed)
		rc = strata_error_set(err, STRATA_EINTERNAL, "the server's binary COPY stream could not be read");
	if (rc == 0 && rr.stop < 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (bytes != NULL)
		*bytes = rr.bytes;
	strata_buf_release(&rr.carry);
	return rc;
}

int strata_conn_copy_in(strata_conn *c, const char *sql, const void *data, size_t len, strata_error *err)
{
	const char *p = data;
	int rc;

	rc = start(c, sql, PGRES_COPY_IN, err);
	if (rc != 0)
		return rc;
	while (len > 0) {
		int chunk = len > (1u << 20) ? 1 << 20 : (int)len;

		if (PQputCopyData(c->pg, p, chunk) != 1) {
			rc = st_pg_result_error(err, c, NULL);
			break;
		}
		p += chunk;
		len -= (size_t)chunk;
	}
	if (PQputCopyEnd(c->pg, rc != 0 ? "strata: sending failed" : NULL) != 1 && rc == 0)
		rc = st_pg_result_error(err, c, NULL);
	return finish(c, rc, err);
}
