/*
 * verify.c: streaming verification of a chain.
 *
 * The entries come in seq order through COPY (binary), so nothing is
 * converted to text in the server and nothing is held here but the current
 * row: each entry's canonical form is rebuilt, hashed with its stored
 * prev_hash and compared with its stored hash (is it intact?), and its
 * prev_hash compared with the previous entry's hash (is it in place?).
 *
 * At the first entry that fails, reading goes on for a window of entries
 * (seq, prev_hash, hash only) so that the break can be told apart:
 *
 *   the seq is past the expected one                      deleted (a gap)
 *   linked, but the hash does not match its fields         changed
 *   links to the entry before the previous one             inserted (the previous)
 *   hashes right under another seq, and the entry the
 *     previous one links to sits later in the window       reordered
 *   hashes right under another seq, no such entry          deleted (later ones renumbered)
 *   the true successor of the previous entry is later      reordered
 *   anything else                                          link broken
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"

#define PG_EPOCH_US INT64_C(946684800000000)
#define WINDOW_MAX 65536
#define PROGRESS_EVERY 65536

typedef struct wrow {
	int64_t seq;
	unsigned char prev[STRATA_AUDIT_HASH_LEN];
	unsigned char hash[STRATA_AUDIT_HASH_LEN];
} wrow;

typedef struct verifier {
	const strata_audit_verify_options *o;
	strata_audit_verify_result *r;
	const char *chain;
	size_t chain_len;
	strata_buf canon;
	int64_t total;

	int64_t expect;                                  /* the next seq */
	unsigned char p[STRATA_AUDIT_HASH_LEN];          /* hash of the last intact entry */
	unsigned char pp[STRATA_AUDIT_HASH_LEN];         /* its prev_hash */
	int have_last;                                   /* an intact entry was read */

	/* the first failing entry */
	int failed;
	int64_t f_seq;
	unsigned char f_prev[STRATA_AUDIT_HASH_LEN], f_hash[STRATA_AUDIT_HASH_LEN];
	int f_self_ok;
	strata_buf f_canon;                              /* prev_hash || canonical form */
	size_t f_seq_at, f_seq_len;
	wrow *win;
	size_t nwin;

	/* the checkpoint's entry */
	int cp_seen;
	int malformed;
	unsigned char cp_hash[STRATA_AUDIT_HASH_LEN];
	strata_error jcs_err;
} verifier;

static int64_t get_i64(const char *q)
{
	const unsigned char *p = (const unsigned char *)q;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

static void set_break(verifier *v, strata_audit_break kind, int64_t seq, const char *fmt, ...)
	STRATA_PRINTF(4, 5);

static void set_break(verifier *v, strata_audit_break kind, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	v->r->kind = kind;
	v->r->seq = seq;
	va_start(ap, fmt);
	vsnprintf(v->r->detail, sizeof(v->r->detail), fmt, ap);
	va_end(ap);
}

/* prev_hash || canonical form of the row into b. */
static int build(verifier *v, strata_buf *b, const strata_copy_field *w, size_t *seq_at)
{
	st_audit_fields f;

	strata_buf_truncate(b, 0);
	strata_buf_append(b, w[6].data, STRATA_AUDIT_HASH_LEN);
	f.chain = v->chain;
	f.chain_len = v->chain_len;
	f.seq = get_i64(w[0].data);
	f.recorded_at = get_i64(w[1].data) + PG_EPOCH_US;
	f.actor = (const char *)w[2].data;
	f.actor_len = (size_t)w[2].len;
	f.action = (const char *)w[3].data;
	f.action_len = (size_t)w[3].len;
	f.target = w[4].len < 0 ? NULL : (const char *)w[4].data;
	f.target_len = w[4].len < 0 ? 0 : (size_t)w[4].len;
	f.payload = (const char *)w[5].data + 1;          /* jsonb: a version byte, then the text */
	f.payload_len = (size_t)w[5].len - 1;
	v->jcs_err.code = 0;
	return st_audit_canonical_fields(b, &f, seq_at, &v->jcs_err);
}

static void progress(verifier *v)
{
	if (v->o->progress != NULL && v->r->entries % PROGRESS_EVERY == 0)
		v->o->progress(v->r->entries, v->total, v->o->ud);
}

/* One row in order. Returns nonzero to stop reading. */
static int take(verifier *v, const strata_copy_field *w)
{
	unsigned char h[STRATA_AUDIT_HASH_LEN];
	int64_t seq = get_i64(w[0].data);
	size_t seq_at = 0;
	int self_ok, link_ok;

	if (v->failed) {
		wrow *x;

		if (v->nwin == WINDOW_MAX)
			return 1;
		x = &v->win[v->nwin++];
		x->seq = seq;
		memcpy(x->prev, w[6].data, STRATA_AUDIT_HASH_LEN);
		memcpy(x->hash, w[7].data, STRATA_AUDIT_HASH_LEN);
		return 0;
	}
	if (build(v, &v->canon, w, &seq_at) != 0) {
		/* A payload JCS refuses (it was never hashed by strata): the entry cannot be intact. */
		self_ok = 0;
	} else {
		st_sha256(h, v->canon.ptr, v->canon.len);
		self_ok = memcmp(h, w[7].data, STRATA_AUDIT_HASH_LEN) == 0;
	}
	link_ok = memcmp(w[6].data, v->p, STRATA_AUDIT_HASH_LEN) == 0;
	if (seq == v->expect && self_ok && link_ok) {
		memcpy(v->pp, v->p, STRATA_AUDIT_HASH_LEN);
		memcpy(v->p, w[7].data, STRATA_AUDIT_HASH_LEN);
		v->have_last = 1;
		if (v->o->checkpoint != NULL && seq == v->o->checkpoint->size) {
			memcpy(v->cp_hash, h, sizeof(h));
			v->cp_seen = 1;
		}
		v->r->entries++;
		v->r->last_seq = seq;
		v->expect++;
		progress(v);
		return 0;
	}
	/* The first break: keep the entry, then read on for a window. */
	v->failed = 1;
	v->f_seq = seq;
	v->f_self_ok = self_ok;
	memcpy(v->f_prev, w[6].data, STRATA_AUDIT_HASH_LEN);
	memcpy(v->f_hash, w[7].data, STRATA_AUDIT_HASH_LEN);
	if (v->canon.len > STRATA_AUDIT_HASH_LEN && v->jcs_err.code == 0) {
		strata_buf_append(&v->f_canon, v->canon.ptr, v->canon.len);
		v->f_seq_at = seq_at;
		v->f_seq_len = strspn(v->canon.ptr + seq_at, "0123456789");
	}
	v->win = st_calloc(WINDOW_MAX, sizeof(*v->win));
	return v->win == NULL || strata_buf_failed(&v->f_canon) ? -1 : 0;
}

/* Does the failing entry hash right when written as seq s? */
static int hashes_as(verifier *v, int64_t s)
{
	strata_buf b = STRATA_BUF_INIT;
	unsigned char h[STRATA_AUDIT_HASH_LEN];
	int ok;

	if (v->f_canon.len == 0)
		return 0;
	strata_buf_append(&b, v->f_canon.ptr, v->f_seq_at);
	strata_buf_printf(&b, "%lld", (long long)s);
	strata_buf_append(&b, v->f_canon.ptr + v->f_seq_at + v->f_seq_len,
		v->f_canon.len - v->f_seq_at - v->f_seq_len);
	ok = !strata_buf_failed(&b) && st_sha256(h, b.ptr, b.len) == 0 &&
		memcmp(h, v->f_hash, sizeof(h)) == 0;
	strata_buf_release(&b);
	return ok;
}

/* The window's entry whose prev_hash is the last intact entry's hash: its true successor. */
static const wrow *successor(const verifier *v)
{
	size_t i;

	for (i = 0; i < v->nwin; i++)
		if (memcmp(v->win[i].prev, v->p, STRATA_AUDIT_HASH_LEN) == 0)
			return &v->win[i];
	return NULL;
}

static void classify(verifier *v)
{
	int64_t e = v->expect, s, last = v->f_seq;
	int link_ok = memcmp(v->f_prev, v->p, STRATA_AUDIT_HASH_LEN) == 0;
	const wrow *succ;
	size_t i;

	if (v->f_seq > e) {
		if (v->f_seq == e + 1)
			set_break(v, STRATA_AUDIT_DELETED, e, "entry %lld is missing (the next entry is %lld)",
				(long long)e, (long long)v->f_seq);
		else
			set_break(v, STRATA_AUDIT_DELETED, e, "entries %lld to %lld are missing",
				(long long)e, (long long)v->f_seq - 1);
		return;
	}
	if (v->f_seq < e) {
		set_break(v, STRATA_AUDIT_REORDERED, v->f_seq, "entry %lld appears again after entry %lld",
			(long long)v->f_seq, (long long)e - 1);
		return;
	}
	if (link_ok) {
		set_break(v, STRATA_AUDIT_CHANGED, e,
			"entry %lld does not match its hash: its fields or payload were changed after it was written",
			(long long)e);
		return;
	}
	if (v->have_last && memcmp(v->f_prev, v->pp, STRATA_AUDIT_HASH_LEN) == 0) {
		v->r->entries--;
		v->r->last_seq = e - 2;
		memcpy(v->r->head, v->pp, STRATA_AUDIT_HASH_LEN);
		set_break(v, STRATA_AUDIT_INSERTED, e - 1,
			"entry %lld was inserted: entry %lld links past it to entry %lld",
			(long long)e - 1, (long long)e, (long long)e - 2);
		return;
	}
	succ = successor(v);
	for (i = 0; i < v->nwin; i++)
		if (v->win[i].seq > last)
			last = v->win[i].seq;
	if (!v->f_self_ok) {
		for (s = e + 1; s <= last + 1 && s <= e + WINDOW_MAX; s++) {
			if (!hashes_as(v, s))
				continue;
			if (succ != NULL)
				set_break(v, STRATA_AUDIT_REORDERED, e,
					"entry %lld holds the entry written as %lld (the entries were reordered)",
					(long long)e, (long long)s);
			else
				set_break(v, STRATA_AUDIT_DELETED, e,
					"entry %lld holds the entry written as %lld: %lld entr%s deleted and the rest renumbered",
					(long long)e, (long long)s, (long long)(s - e), s - e == 1 ? "y was" : "ies were");
			return;
		}
	}
	if (succ != NULL) {
		set_break(v, STRATA_AUDIT_REORDERED, e,
			"entry %lld is out of place: the entry that follows %lld is now at %lld",
			(long long)e, (long long)e - 1, (long long)succ->seq);
		return;
	}
	set_break(v, STRATA_AUDIT_LINK_BROKEN, e,
		"entry %lld does not link to entry %lld: its prev_hash is not that entry's hash%s",
		(long long)e, (long long)e - 1, v->f_self_ok ? " (it was rewritten with a new hash)" : "");
}

/* A row of the COPY: seq, recorded_at, actor, action, target, payload, prev_hash, hash. */
static int on_row(void *ctx, int n, const strata_copy_field *w)
{
	verifier *v = ctx;

	if (n != 8 || w[0].len != 8 || w[1].len != 8 || w[2].len < 0 || w[3].len < 0 || w[5].len < 1 ||
		w[6].len != STRATA_AUDIT_HASH_LEN || w[7].len != STRATA_AUDIT_HASH_LEN) {
		v->malformed = 1;
		return 1;
	}
	return take(v, w);
}

/* Where the chain is read from: the ledger's table, or another one in the same form. */
typedef struct source {
	strata_buf table;
	strata_buf chain_col;
	strata_buf time_col;
	int custom;
} source;

static int source_init(source *src, strata_conn *c, const strata_audit_verify_options *o, const char *schema,
	strata_error *err)
{
	int rc = 0;

	memset(src, 0, sizeof(*src));
	src->custom = o->table != NULL;
	if (src->custom)
		rc = strata_conn_quote_qualified(&src->table, c, o->table, err);
	else
		st_audit_table(&src->table, schema, "audit_entries");
	if (rc == 0)
		rc = strata_conn_quote_ident(&src->chain_col, c, o->chain_column != NULL ? o->chain_column : "chain", err);
	if (rc == 0)
		rc = strata_conn_quote_ident(&src->time_col, c, o->time_column != NULL ? o->time_column : "recorded_at",
			err);
	return rc;
}

static void source_release(source *src)
{
	strata_buf_release(&src->table);
	strata_buf_release(&src->chain_col);
	strata_buf_release(&src->time_col);
}

/*
 * The chain exists? Its name as the source writes it (a uuid in lowercase,
 * say: the canonical form's), its last seq, and the hash of entry from - 1
 * when from > 1.
 */
static int start(strata_conn *c, verifier *v, const source *src, const char *schema, int64_t from,
	strata_buf *name, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_result *r = NULL;
	char fromtext[24];
	const char *params[2];
	const char *t = strata_buf_cstr(&src->table), *cc = strata_buf_cstr(&src->chain_col);
	int rc;

	st_snprintf(fromtext, sizeof(fromtext), "%lld", (long long)from - 1);
	params[0] = v->chain;
	params[1] = fromtext;
	if (src->custom) {
		strata_buf_printf(&sql, "SELECT (SELECT %s::text FROM %s WHERE %s = $1 LIMIT 1)", cc, t, cc);
	} else {
		strata_buf_puts(&sql, "SELECT (SELECT chain FROM ");
		st_audit_table(&sql, schema, "audit_chains WHERE chain = $1)");
	}
	strata_buf_printf(&sql, ", (SELECT max(seq) FROM %s WHERE %s = $1), (SELECT hash FROM %s WHERE %s = $1 "
		"AND seq = $2::bigint)", t, cc, t, cc);
	if (strata_buf_failed(&sql))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 2, params, err);
	if (rc != 0 && !src->custom && (strcmp(err->sqlstate, "42P01") == 0 || strcmp(err->sqlstate, "3F000") == 0))
		rc = strata_error_set(err, STRATA_ENOTFOUND, "this database has no audit ledger in schema '%s'",
			schema);
	if (rc == 0 && strata_result_value(r, 0, 0) == NULL)
		rc = src->custom ? strata_error_set(err, STRATA_ENOTFOUND, "%s has no entries of chain '%s'", t, v->chain)
			: strata_error_set(err, STRATA_ENOTFOUND, "there is no audit chain '%s'", v->chain);
	if (rc == 0) {
		const char *max = strata_result_value(r, 0, 1);

		strata_buf_puts(name, strata_result_value(r, 0, 0));
		v->total = max != NULL ? strtoll(max, NULL, 10) : 0;
		if (from > 1 && st_audit_hash_from_text(v->p, strata_result_value(r, 0, 2)) != 0)
			rc = strata_error_set(err, STRATA_ENOTFOUND,
				"chain '%s' has no entry %lld to start from (its last entry is %lld)", v->chain,
				(long long)from - 1, (long long)v->total);
	}
	strata_result_free(r);
	strata_buf_release(&sql);
	return rc;
}

static void check_checkpoint(verifier *v)
{
	const strata_audit_checkpoint *cp = v->o->checkpoint;

	if (cp == NULL || v->r->kind != STRATA_AUDIT_INTACT)
		return;
	if (v->r->last_seq < cp->size) {
		set_break(v, STRATA_AUDIT_TRUNCATED, v->r->last_seq + 1,
			"the checkpoint says the chain had %lld entries; it has %lld now (entries from %lld are gone)",
			(long long)cp->size, (long long)v->r->last_seq, (long long)v->r->last_seq + 1);
		return;
	}
	if (!v->cp_seen || memcmp(v->cp_hash, cp->head, STRATA_AUDIT_HASH_LEN) != 0)
		set_break(v, STRATA_AUDIT_DIVERGED, cp->size,
			"entry %lld is not the one the checkpoint signed: the chain was rewritten or restored from another history",
			(long long)cp->size);
}

int strata_audit_verify(strata_conn *c, const strata_audit_verify_options *o, strata_audit_verify_result *r,
	strata_error *err)
{
	const char *schema = o->schema != NULL ? o->schema : "strata";
	strata_buf sql = STRATA_BUF_INIT, name = STRATA_BUF_INIT;
	verifier v;
	source src;
	int64_t from = o->from > 1 ? o->from : 1;
	int64_t t0 = st_now_ns();
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&v, 0, sizeof(v));
	v.o = o;
	v.r = r;
	v.chain = o->chain != NULL ? o->chain : STRATA_AUDIT_STRATA_CHAIN;
	v.chain_len = strlen(v.chain);
	v.jcs_err = (strata_error)STRATA_ERROR_INIT;
	if (o->checkpoint != NULL) {
		if (strcmp(o->checkpoint->chain, v.chain) != 0)
			return strata_error_set(err, STRATA_EINVAL, "the checkpoint is for chain '%s', not '%s'",
				o->checkpoint->chain, v.chain);
		if (o->checkpoint->size < from)
			from = o->checkpoint->size;
	}
	rc = source_init(&src, c, o, schema, err);
	if (rc == 0)
		rc = start(c, &v, &src, schema, from, &name, err);
	if (rc == 0) {
		v.chain = strata_buf_cstr(&name);
		v.chain_len = name.len;
	}
	if (rc != 0) {
		source_release(&src);
		strata_buf_release(&name);
		return rc;
	}
	v.expect = from;
	r->last_seq = from - 1;
	memcpy(r->head, v.p, sizeof(r->head));
	strata_buf_printf(&sql, "COPY (SELECT seq, %s, actor, action, target, payload, coalesce(prev_hash, "
		"'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea), hash FROM %s WHERE %s = ",
		strata_buf_cstr(&src.time_col), strata_buf_cstr(&src.table), strata_buf_cstr(&src.chain_col));
	strata_conn_quote_literal(&sql, c, v.chain, err);
	strata_buf_printf(&sql, " AND seq >= %lld ORDER BY seq) TO STDOUT (FORMAT binary)", (long long)from);
	if (strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_copy_rows(c, strata_buf_cstr(&sql), on_row, &v, &r->bytes, err);
	if (rc == 0 && v.malformed)
		rc = strata_error_set(err, STRATA_EINTERNAL, "the server's COPY stream could not be read");
	if (rc == 0) {
		if (v.failed)
			classify(&v);
		else
			memcpy(r->head, v.p, sizeof(r->head));
		if (v.failed && r->kind != STRATA_AUDIT_INSERTED)
			memcpy(r->head, v.p, sizeof(r->head));
		check_checkpoint(&v);
		if (o->progress != NULL)
			o->progress(r->entries, v.total, o->ud);
	}
	r->seconds = (double)(st_now_ns() - t0) / 1e9;
	st_free(v.win);
	strata_buf_release(&v.canon);
	strata_buf_release(&v.f_canon);
	strata_buf_release(&sql);
	strata_buf_release(&name);
	source_release(&src);
	return rc;
}
