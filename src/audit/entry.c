/*
 * entry.c: an audit entry's canonical form and hash (docs/ledger.md):
 *
 *   hash = SHA-256(prev_hash || UTF-8 of
 *     {"action":A,"actor":B,"chain":C,"payload":JCS(P),
 *      "recorded_at":"YYYY-MM-DDTHH:MM:SS.uuuuuuZ","seq":N,"target":T|null})
 *
 * The members are written in their sorted order directly; only the payload
 * goes through the JCS writer. The SQL function audit_canonical writes the
 * same bytes (tests compare them on random documents).
 */
#include <string.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "jcs/jcs_int.h"

void st_audit_table(strata_buf *out, const char *schema, const char *name)
{
	const char *p;

	strata_buf_putc(out, '"');
	for (p = schema != NULL ? schema : "strata"; *p != '\0'; p++) {
		if (*p == '"')
			strata_buf_putc(out, '"');
		strata_buf_putc(out, *p);
	}
	strata_buf_printf(out, "\".%s", name);
}

void st_audit_time(char out[32], int64_t unix_us)
{
	/* The ledger's clock stays within years 1..9999 (PostgreSQL's timestamptz goes further). */
	if (unix_us < INT64_C(-62135596800000000))
		unix_us = INT64_C(-62135596800000000);
	if (unix_us > INT64_C(253402300799999999))
		unix_us = INT64_C(253402300799999999);
	st_utc_text(out, 32, unix_us, 1);
}

int st_audit_canonical_fields(strata_buf *out, const st_audit_fields *f, size_t *seq_at, strata_error *err)
{
	char when[32], num[24];
	int rc, n = 0;
	uint64_t v = f->seq < 0 ? 0 : (uint64_t)f->seq;

	strata_buf_puts(out, "{\"action\":");
	st_jcs_string(out, f->action, f->action_len);
	strata_buf_puts(out, ",\"actor\":");
	st_jcs_string(out, f->actor, f->actor_len);
	strata_buf_puts(out, ",\"chain\":");
	st_jcs_string(out, f->chain, f->chain_len);
	strata_buf_puts(out, ",\"payload\":");
	rc = st_jcs_append(out, f->payload, f->payload_len, err);
	if (rc != 0)
		return rc;
	st_audit_time(when, f->recorded_at);
	strata_buf_puts(out, ",\"recorded_at\":\"");
	strata_buf_append(out, when, 27);
	strata_buf_puts(out, "\",\"seq\":");
	if (seq_at != NULL)
		*seq_at = out->len;
	do {
		num[sizeof(num) - 1 - (size_t)n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	strata_buf_append(out, num + sizeof(num) - n, (size_t)n);
	strata_buf_puts(out, ",\"target\":");
	if (f->target != NULL)
		st_jcs_string(out, f->target, f->target_len);
	else
		strata_buf_puts(out, "null");
	strata_buf_putc(out, '}');
	return strata_buf_failed(out) ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
}

int strata_audit_canonical(strata_buf *out, const strata_audit_entry *e, strata_error *err)
{
	st_audit_fields f;

	f.chain = e->chain;
	f.chain_len = strlen(e->chain);
	f.actor = e->actor;
	f.actor_len = strlen(e->actor);
	f.action = e->action;
	f.action_len = strlen(e->action);
	f.target = e->target;
	f.target_len = e->target != NULL ? strlen(e->target) : 0;
	f.payload = e->payload != NULL ? e->payload : "{}";
	f.payload_len = e->payload != NULL ? e->payload_len : 2;
	f.seq = e->seq;
	f.recorded_at = e->recorded_at;
	return st_audit_canonical_fields(out, &f, NULL, err);
}

int strata_audit_hash(unsigned char hash[STRATA_AUDIT_HASH_LEN], const strata_audit_entry *e, strata_error *err)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	strata_buf_append(&b, e->prev_hash, STRATA_AUDIT_HASH_LEN);
	rc = strata_audit_canonical(&b, e, err);
	if (rc == 0 && st_sha256(hash, b.ptr, b.len) != 0)
		rc = strata_error_set(err, STRATA_EINTERNAL, "SHA-256 failed");
	strata_buf_release(&b);
	return rc;
}

int st_audit_hash_from_text(unsigned char out[STRATA_AUDIT_HASH_LEN], const char *text)
{
	if (text == NULL || strncmp(text, "\\x", 2) != 0)
		return -1;
	return st_hex_decode(out, text + 2, STRATA_AUDIT_HASH_LEN);
}

const char *strata_audit_break_name(strata_audit_break kind)
{
	switch (kind) {
	case STRATA_AUDIT_INTACT: return "intact";
	case STRATA_AUDIT_CHANGED: return "changed";
	case STRATA_AUDIT_DELETED: return "deleted";
	case STRATA_AUDIT_REORDERED: return "reordered";
	case STRATA_AUDIT_INSERTED: return "inserted";
	case STRATA_AUDIT_LINK_BROKEN: return "link-broken";
	case STRATA_AUDIT_TRUNCATED: return "truncated";
	case STRATA_AUDIT_DIVERGED: return "diverged";
	}
	return "unknown";
}
