/*
 * messages.c: replay verification of message envelopes. Every stored
 * envelope is canonicalized again (RFC 8785) and hashed; a stored hash that
 * differs means the envelope or its hash changed after it was written.
 */
#include <string.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "jcs/jcs_int.h"

typedef struct msg_state {
	const strata_messages_options *o;
	strata_messages_result *r;
	strata_buf canon;
	strata_buf id;
	strata_buf stored;
	strata_error jcs_err;
} msg_state;

static void report(msg_state *m, const strata_copy_field *f, const char *computed, const char *problem)
{
	strata_message_mismatch mm;

	m->r->mismatches++;
	if (m->o->on_mismatch == NULL)
		return;
	strata_buf_clear(&m->id);
	strata_buf_append(&m->id, f[0].data != NULL ? f[0].data : "", f[0].len > 0 ? (size_t)f[0].len : 0);
	strata_buf_clear(&m->stored);
	strata_buf_append(&m->stored, f[2].data != NULL ? f[2].data : "", f[2].len > 0 ? (size_t)f[2].len : 0);
	mm.id = strata_buf_cstr(&m->id);
	mm.stored = f[2].len < 0 ? NULL : strata_buf_cstr(&m->stored);
	mm.computed = computed;
	mm.problem = problem;
	m->o->on_mismatch(&mm, m->o->ud);
}

static int on_row(void *ctx, int n, const strata_copy_field *f)
{
	msg_state *m = ctx;
	unsigned char h[32];
	char hex[65];

	if (n != 3)
		return 1;
	m->r->messages++;
	if (f[1].len < 0) {
		report(m, f, NULL, "the envelope is NULL");
		return 0;
	}
	strata_buf_truncate(&m->canon, 0);
	m->jcs_err.code = 0;
	if (st_jcs_append(&m->canon, f[1].data, (size_t)f[1].len, &m->jcs_err) != 0) {
		if (m->jcs_err.code == STRATA_ENOMEM)
			return -1;
		report(m, f, NULL, m->jcs_err.message);
		return 0;
	}
	st_sha256(h, m->canon.ptr != NULL ? m->canon.ptr : "", m->canon.len);
	st_hex_encode(hex, h, sizeof(h));
	hex[64] = '\0';
	if (f[2].len != 64 || memcmp(f[2].data, hex, 64) != 0)
		report(m, f, hex, f[2].len < 0 ? "the stored hash is NULL"
			: "the stored hash is not the SHA-256 of the envelope's canonical form");
	return 0;
}

int strata_integrity_verify_messages(strata_conn *c, const strata_messages_options *o,
	strata_messages_result *r, strata_error *err)
{
	const char *table = o->table != NULL ? o->table : "agents.messages";
	strata_buf sql = STRATA_BUF_INIT;
	int64_t t0 = st_now_ns();
	msg_state m;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&m, 0, sizeof(m));
	m.o = o;
	m.r = r;
	strata_buf_puts(&sql, "COPY (SELECT ");
	rc = strata_conn_quote_ident(&sql, c, o->id_column != NULL ? o->id_column : "id", err);
	strata_buf_puts(&sql, "::text, ");
	if (rc == 0)
		rc = strata_conn_quote_ident(&sql, c, o->envelope_column != NULL ? o->envelope_column : "envelope", err);
	strata_buf_puts(&sql, "::text, ");
	if (rc == 0)
		rc = strata_conn_quote_ident(&sql, c, o->hash_column != NULL ? o->hash_column : "envelope_hash", err);
	strata_buf_puts(&sql, "::text FROM ");
	if (rc == 0)
		rc = strata_conn_quote_qualified(&sql, c, table, err);
	strata_buf_puts(&sql, ") TO STDOUT (FORMAT binary)");
	if (rc == 0 && strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_copy_rows(c, strata_buf_cstr(&sql), on_row, &m, &r->bytes, err);
	if (rc != 0)
		strata_error_prefix(err, "cannot read the messages of %s", table);
	r->seconds = (double)(st_now_ns() - t0) / 1e9;
	strata_buf_release(&m.canon);
	strata_buf_release(&m.id);
	strata_buf_release(&m.stored);
	strata_buf_release(&sql);
	return rc;
}
