/*
 * append.c: appending to a chain from libstrata.
 *
 * One entry is canonicalized here and goes through the SQL function
 * audit_append_canonical, which takes the chain's lock and computes the
 * hash in the server (audit_append, what applications call, canonicalizes
 * in PL/pgSQL and then does the same). A batch is hashed
 * here and sent with one COPY (binary) while the chain's row is locked; the
 * ledger's statement trigger checks that the entries extend the chain, so
 * that a wrong batch fails as a whole and never forks the chain.
 */
#include <stdlib.h>
#include <string.h>

#include "strata/migrate.h"

#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "jcs/jcs_int.h"

/* Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01. */
#define PG_EPOCH_US INT64_C(946684800000000)

/* A missing ledger said as such (the server only says a relation or function does not exist). */
static void name_missing_ledger(strata_error *err, const char *schema)
{
	if (err != NULL && (strcmp(err->sqlstate, "42P01") == 0 || strcmp(err->sqlstate, "3F000") == 0 ||
		strcmp(err->sqlstate, "42883") == 0))
		strata_error_set(err, STRATA_ENOTFOUND, "this database has no audit ledger in schema '%s' "
			"(strata_audit_ensure creates it)", schema != NULL ? schema : "strata");
}

int strata_audit_ensure(strata_conn *c, const char *schema, strata_error *err)
{
	return strata_ledger_ensure(c, schema != NULL ? schema : "strata", err);
}

/* What the pipelined append keeps of its batch: the append's row. */
typedef struct one_append {
	int64_t seq;
	char hash[2 * STRATA_AUDIT_HASH_LEN + 3];
	int got;
} one_append;

static int on_append_item(const strata_batch_item *item, void *ud)
{
	one_append *a = ud;

	/* Statement 2 of the batch: SELECT seq, hash FROM audit_append_canonical(...). */
	if (item->index == 2 && item->result != NULL && strata_result_nrows(item->result) == 1) {
		a->seq = strtoll(strata_result_value(item->result, 0, 0), NULL, 10);
		st_strlcpy(a->hash, strata_result_value(item->result, 0, 1), sizeof(a->hash));
		a->got = 1;
	}
	return 0;
}

/*
 * Outside a transaction, one round trip: the append commits without waiting
 * for its WAL flush, so that the chain's lock (held to commit) is not held
 * across an fsync, and a second transaction (an xid, synchronous commit)
 * then flushes the WAL up to and past the append before anything is
 * reported. A crash in between loses the append and everything after it
 * in the WAL, never a link in the middle; nothing unflushed is ever
 * acknowledged. It costs a second transaction id per append.
 */
static int append_pipelined(strata_conn *c, const char *schema, const char *const *params, one_append *a,
	strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_batch_hooks hooks;
	int i, failed = -1, rc = 0;

	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = on_append_item;
	hooks.ud = a;
	strata_buf_puts(&sql, "BEGIN;\nSET LOCAL synchronous_commit TO off;\nSELECT seq, hash FROM ");
	st_audit_table(&sql, schema, "audit_append_canonical(");
	for (i = 0; i < 5 && rc == 0; i++) {
		if (i > 0)
			strata_buf_puts(&sql, ", ");
		if (params[i] == NULL)
			strata_buf_puts(&sql, "NULL");
		else
			rc = strata_conn_quote_literal(&sql, c, params[i], err);
	}
	strata_buf_puts(&sql, ");\nCOMMIT;\nBEGIN;\nSET LOCAL synchronous_commit TO on;\n"
		"SELECT pg_catalog.txid_current();\nCOMMIT;\n");
	if (rc == 0 && strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_exec_batch(c, strata_buf_cstr(&sql), &hooks, &failed, err);
	if (rc != 0 && strata_tx_status(c) != STRATA_TX_IDLE) {
		strata_error ignored = STRATA_ERROR_INIT;

		strata_conn_exec(c, "ROLLBACK", &ignored);
	}
	strata_buf_release(&sql);
	return rc;
}

int strata_audit_append(strata_conn *c, const char *schema, const char *chain, const char *actor,
	const char *action, const char *target, const char *payload, int64_t *seq,
	unsigned char hash[STRATA_AUDIT_HASH_LEN], strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT, canon = STRATA_BUF_INIT;
	strata_result *r = NULL;
	one_append a;
	const char *params[5];
	int rc;

	/* Canonicalized here (refusing what JCS refuses, with its position); the server hashes it. */
	if (payload == NULL)
		payload = "{}";
	rc = st_jcs_append(&canon, payload, strlen(payload), err);
	if (rc != 0) {
		strata_error_prefix(err, "payload");
		return rc;
	}
	if (strata_buf_failed(&canon)) {
		strata_buf_release(&canon);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	params[0] = chain;
	params[1] = actor;
	params[2] = action;
	params[3] = target;
	params[4] = strata_buf_cstr(&canon);
	memset(&a, 0, sizeof(a));
	if (strata_tx_status(c) == STRATA_TX_IDLE) {
		rc = append_pipelined(c, schema, params, &a, err);
		if (rc == 0 && !a.got)
			rc = strata_error_set(err, STRATA_EINTERNAL, "audit_append_canonical returned no row");
	} else {
		/* Inside the caller's transaction, which commits it. */
		strata_buf_puts(&sql, "SELECT seq, hash FROM ");
		st_audit_table(&sql, schema, "audit_append_canonical($1, $2, $3, $4, $5)");
		if (strata_buf_failed(&sql))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		if (rc == 0)
			rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 5, params, err);
		if (rc == 0 && strata_result_nrows(r) != 1)
			rc = strata_error_set(err, STRATA_EINTERNAL, "audit_append_canonical returned no row");
		if (rc == 0) {
			a.seq = strtoll(strata_result_value(r, 0, 0), NULL, 10);
			st_strlcpy(a.hash, strata_result_value(r, 0, 1), sizeof(a.hash));
		}
	}
	if (rc == 0) {
		if (seq != NULL)
			*seq = a.seq;
		if (hash != NULL && st_audit_hash_from_text(hash, a.hash) != 0)
			rc = strata_error_set(err, STRATA_EINTERNAL, "audit_append_canonical returned a malformed hash");
	}
	if (rc != 0) {
		name_missing_ledger(err, schema);
		rc = err != NULL && err->code != 0 ? err->code : rc;
		strata_error_prefix(err, "cannot append to audit chain '%s'", chain);
	}
	strata_result_free(r);
	strata_buf_release(&sql);
	strata_buf_release(&canon);
	return rc;
}

/* ---- COPY binary ---- */

static void put_u16(strata_buf *b, unsigned v)
{
	char x[2] = { (char)(v >> 8), (char)v };

	strata_buf_append(b, x, 2);
}

static void put_u32(strata_buf *b, uint32_t v)
{
	char x[4] = { (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v };

	strata_buf_append(b, x, 4);
}

static void put_i64(strata_buf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;

	put_u32(b, (uint32_t)(u >> 32));
	put_u32(b, (uint32_t)u);
}

static void put_field(strata_buf *b, const void *data, size_t len)
{
	put_u32(b, (uint32_t)len);
	strata_buf_append(b, data, len);
}

static void put_text(strata_buf *b, const char *s)
{
	if (s == NULL)
		put_u32(b, 0xFFFFFFFFu);   /* NULL */
	else
		put_field(b, s, strlen(s));
}

/* Locks the chain (creating it) and reads its last seq and hash and the server's clock. */
static int lock_chain(strata_conn *c, const char *schema, const char *chain, int64_t *last,
	unsigned char head[STRATA_AUDIT_HASH_LEN], int64_t *now_us, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_result *r = NULL;
	const char *params[1] = { chain };
	int rc;

	strata_buf_puts(&sql, "INSERT INTO ");
	st_audit_table(&sql, schema, "audit_chains (chain) VALUES ($1) ON CONFLICT DO NOTHING");
	if (strata_buf_failed(&sql))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	rc = strata_conn_execp(c, strata_buf_cstr(&sql), 1, params, err);
	/*
	 * Locked first, read after, in a statement of its own: a statement that
	 * waits for a row lock keeps the snapshot it started with, so the last
	 * entry read in the same statement would be the one before the writer
	 * that held the lock.
	 */
	strata_buf_clear(&sql);
	strata_buf_puts(&sql, "SELECT 1 FROM ");
	st_audit_table(&sql, schema, "audit_chains h WHERE h.chain = $1 FOR UPDATE");
	if (rc == 0 && strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_execp(c, strata_buf_cstr(&sql), 1, params, err);
	strata_buf_clear(&sql);
	strata_buf_puts(&sql, "SELECT (SELECT e.seq FROM ");
	st_audit_table(&sql, schema, "audit_entries e WHERE e.chain = $1 ORDER BY e.seq DESC LIMIT 1), (SELECT e.hash FROM ");
	st_audit_table(&sql, schema, "audit_entries e WHERE e.chain = $1 ORDER BY e.seq DESC LIMIT 1),"
		" floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
	if (rc == 0 && strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 1, params, err);
	if (rc == 0 && strata_result_nrows(r) != 1)
		rc = strata_error_set(err, STRATA_EINTERNAL, "reading the chain's end returned no row");
	if (rc == 0) {
		const char *s = strata_result_value(r, 0, 0);

		*last = s != NULL ? strtoll(s, NULL, 10) : 0;
		if (s == NULL)
			memset(head, 0, STRATA_AUDIT_HASH_LEN);
		else if (st_audit_hash_from_text(head, strata_result_value(r, 0, 1)) != 0)
			rc = strata_error_set(err, STRATA_EINTERNAL, "the chain's last hash is malformed");
		*now_us = strtoll(strata_result_value(r, 0, 2), NULL, 10);
	}
	strata_result_free(r);
	strata_buf_release(&sql);
	return rc;
}

/* A batch: what strata_tx_run's function needs. */
typedef struct batch {
	const char *schema;
	const char *chain;
	const strata_audit_record *records;
	size_t n;
	int64_t last;                /* the chain's last seq before the batch */
} batch;

/* Locks the chain, hashes the entries onto its end and sends them with one COPY (binary). */
static int append_batch_in_tx(strata_conn *c, void *ud, strata_error *err)
{
	static const char header[] = "PGCOPY\n\377\r\n";
	batch *b = ud;
	strata_buf data = STRATA_BUF_INIT, canon = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	unsigned char prev[STRATA_AUDIT_HASH_LEN];
	int64_t now_us = 0;
	size_t i;
	int rc;

	rc = lock_chain(c, b->schema, b->chain, &b->last, prev, &now_us, err);
	if (rc == 0) {
		strata_buf_append(&data, header, 11);
		put_u32(&data, 0);   /* flags */
		put_u32(&data, 0);   /* header extension */
	}
	for (i = 0; i < b->n && rc == 0; i++) {
		const strata_audit_record *rec = &b->records[i];
		strata_audit_entry e;
		const char *payload = rec->payload != NULL ? rec->payload : "{}";

		if (rec->actor == NULL || rec->action == NULL) {
			rc = strata_error_set(err, STRATA_EINVAL, "record %zu has no actor or action", i + 1);
			break;
		}
		memset(&e, 0, sizeof(e));
		e.chain = b->chain;
		e.seq = b->last + 1 + (int64_t)i;
		e.recorded_at = now_us;
		e.actor = rec->actor;
		e.action = rec->action;
		e.target = rec->target;
		e.payload = payload;
		e.payload_len = strlen(payload);
		memcpy(e.prev_hash, prev, sizeof(prev));
		strata_buf_clear(&canon);
		strata_buf_append(&canon, prev, sizeof(prev));
		rc = strata_audit_canonical(&canon, &e, err);
		if (rc != 0) {
			strata_error_prefix(err, "record %zu: payload", i + 1);
			break;
		}
		put_u16(&data, 9);
		put_text(&data, b->chain);
		put_u32(&data, 8);
		put_i64(&data, e.seq);
		put_u32(&data, 8);
		put_i64(&data, now_us - PG_EPOCH_US);
		put_text(&data, rec->actor);
		put_text(&data, rec->action);
		put_text(&data, rec->target);
		put_u32(&data, (uint32_t)e.payload_len + 1);
		strata_buf_putc(&data, 1);   /* jsonb's binary format version */
		strata_buf_append(&data, payload, e.payload_len);
		put_field(&data, prev, sizeof(prev));
		st_sha256(prev, canon.ptr, canon.len);
		put_field(&data, prev, sizeof(prev));
	}
	if (rc == 0) {
		put_u16(&data, 0xFFFF);   /* trailer */
		strata_buf_puts(&sql, "COPY ");
		st_audit_table(&sql, b->schema, "audit_entries (chain, seq, recorded_at, actor, action, target, payload,"
			" prev_hash, hash) FROM STDIN (FORMAT binary)");
		if (strata_buf_failed(&data) || strata_buf_failed(&sql) || strata_buf_failed(&canon))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = strata_conn_copy_in(c, strata_buf_cstr(&sql), data.ptr, data.len, err);
	strata_buf_release(&data);
	strata_buf_release(&canon);
	strata_buf_release(&sql);
	return rc;
}

int strata_audit_append_batch(strata_conn *c, const char *schema, const char *chain,
	const strata_audit_record *records, size_t n, int64_t *first_seq, strata_error *err)
{
	batch b = { schema, chain, records, n, 0 };
	int rc;

	if (n == 0)
		return 0;
	rc = strata_tx_run(c, NULL, append_batch_in_tx, &b, err);
	if (rc != 0) {
		name_missing_ledger(err, schema);
		rc = err != NULL && err->code != 0 ? err->code : rc;
		strata_error_prefix(err, "cannot append %zu entries to audit chain '%s'", n, chain);
	} else if (first_seq != NULL) {
		*first_seq = b.last + 1;
	}
	return rc;
}
