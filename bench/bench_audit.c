/*
 * bench_audit.c: the audit ledger's speed (issue 7), against a database the
 * caller names (bench/audit.sh makes one on the dev cluster).
 *
 *   bench-audit URL N [--no-sql] [--no-single]
 *
 * 1. JCS: MB/s of canonicalization (one-pass writer, and the strict jansson
 *    reader alone) over payload-like documents in PostgreSQL's jsonb text.
 * 2. Single-row appends, each its own transaction (synchronous_commit
 *    on), with 1, 8 and 64 writers on one chain for 5 s each, through
 *    libstrata (payload canonicalized in C, audit_append_canonical) and
 *    through the SQL function audit_append (canonicalized in PL/pgSQL);
 *    then 64 writers with a chain each; the one chain is then verified
 *    (intact, no fork).
 * 3. Batched appends: N entries to a fresh chain in batches of 100,000
 *    (hashed here, sent with COPY binary, links checked by the server).
 * 4. Verify: strata_audit_verify of those N entries, median of 5, against
 *    the floor: the very same COPY (binary) statement read by libpq and
 *    thrown away, median of 5. Reported as entries/s, MB/s and the ratio.
 * 5. The pure-SQL check (strata.audit_hash over every row plus a lag()
 *    link check, one query), once (skipped with --no-sql).
 * Entries are W3-like: actor, action, target and a payload of about 170
 * bytes with a nested object.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata/strata.h"

#include "bench.h"

#include "base/base.h"
#include "jcs/jcs_int.h"

static double now(void)
{
	return (double)st_now_ns() / 1e9;
}

static const char *const ops[] = { "insert", "update", "delete" };
static const char *const tables[] = { "orders", "accounts", "payments", "invoices" };
static const char *const cols[] = { "status", "amount", "owner", "note" };

/* A W3-like payload, in jsonb's text style (", " and ": ", keys by length). */
static void payload(char *out, size_t size, long i)
{
	snprintf(out, size, "{\"n\": %ld, \"op\": \"%s\", \"ts\": %ld, \"actor\": \"user_%ld\", \"table\": \"%s\", "
		"\"detail\": {\"col\": \"%s\", \"new\": \"value_%ld\", \"old\": \"value_%ld\"}}", i, ops[i % 3],
		1700000000 + i, i % 9973, tables[i % 4], cols[i % 4], i * 7 % 100000, i * 13 % 100000);
}

static void bench_jcs(void)
{
	enum { DOCS = 10000 };
	static char docs[DOCS][256];
	strata_buf out = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	size_t bytes = 0;
	double t0, fast, strict;
	int i, round;

	for (i = 0; i < DOCS; i++) {
		payload(docs[i], sizeof(docs[i]), i);
		bytes += strlen(docs[i]);
	}
	t0 = now();
	for (round = 0; round < 50; round++)
		for (i = 0; i < DOCS; i++)
			if (strata_jcs_canonicalize(&out, docs[i], strlen(docs[i]), &err) != 0)
				bench_die("jcs", &err);
	fast = now() - t0;
	t0 = now();
	for (round = 0; round < 10; round++)
		for (i = 0; i < DOCS; i++)
			if (st_jcs_strict(&out, docs[i], strlen(docs[i]), &err) != 0)
				bench_die("jcs", &err);
	strict = now() - t0;
	printf("| JCS, one-pass writer | %.0f MB/s | %.0f documents/s (%zu bytes each on average) |\n",
		50.0 * (double)bytes / 1e6 / fast, 50.0 * DOCS / fast, bytes / DOCS);
	printf("| JCS, strict reader (jansson) alone | %.0f MB/s | %.0f documents/s |\n",
		10.0 * (double)bytes / 1e6 / strict, 10.0 * DOCS / strict);
	strata_buf_release(&out);
}

static void bench_batch(strata_conn *c, long n)
{
	enum { BATCH = 100000 };
	strata_audit_record *recs = calloc(BATCH, sizeof(*recs));
	char (*text)[256] = calloc(BATCH, sizeof(*text));
	strata_error err = STRATA_ERROR_INIT;
	double t0 = now(), t;
	long done;

	for (done = 0; done < n; done += BATCH) {
		long k, m = n - done < BATCH ? n - done : BATCH;

		for (k = 0; k < m; k++) {
			payload(text[k], sizeof(text[k]), done + k + 1);
			recs[k].actor = "user:alice";
			recs[k].action = "row.change";
			recs[k].target = tables[(done + k) % 4];
			recs[k].payload = text[k];
		}
		if (strata_audit_append_batch(c, NULL, "bench", recs, (size_t)m, NULL, &err) != 0)
			bench_die("append batch", &err);
	}
	t = now() - t0;
	printf("| batched appends (100,000 per COPY) | %ld entries in %.2f s | %.0f entries/s |\n", n, t, (double)n / t);
	free(recs);
	free(text);
}

static int discard(void *ctx, const char *data, size_t len)
{
	(void)data;
	*(int64_t *)ctx += (int64_t)len;
	return 0;
}

static void bench_verify(strata_conn *c, long n)
{
	strata_audit_verify_options o;
	strata_audit_verify_result r;
	strata_error err = STRATA_ERROR_INIT;
	double tv[5], tf[5], v, f;
	int64_t bytes = 0;
	int i;

	memset(&o, 0, sizeof(o));
	o.chain = "bench";
	for (i = 0; i < 5; i++) {
		double t0;

		/* Alternating which goes first, so that neither always reads a warmer cache. */
		if (i % 2 == 1) {
			if (strata_audit_verify(c, &o, &r, &err) != 0)
				bench_die("verify", &err);
			tv[i] = r.seconds;
		}
		t0 = now();
		bytes = 0;
		if (strata_conn_copy_out(c, "COPY (SELECT seq, recorded_at, actor, action, target, payload, prev_hash, hash "
			"FROM strata.audit_entries WHERE chain = 'bench' AND seq >= 1 ORDER BY seq) TO STDOUT (FORMAT binary)",
			discard, &bytes, &err) != 0)
			bench_die("copy", &err);
		tf[i] = now() - t0;
		if (i % 2 == 0) {
			if (strata_audit_verify(c, &o, &r, &err) != 0)
				bench_die("verify", &err);
			tv[i] = r.seconds;
		}
		if (r.kind != STRATA_AUDIT_INTACT || r.entries != n) {
			fprintf(stderr, "bench-audit: the chain is not intact: %s\n", r.detail);
			exit(1);
		}
	}
	v = bench_summarise(tv, 5).p50;
	f = bench_summarise(tf, 5).p50;
	printf("| COPY (binary) floor, read and discarded | %.3f s | %.0f entries/s, %.0f MB/s |\n", f, (double)n / f,
		(double)bytes / 1e6 / f);
	printf("| strata audit verify (library call) | %.3f s | %.0f entries/s, %.0f MB/s: %.2fx the floor's speed |\n",
		v, (double)n / v, (double)bytes / 1e6 / v, f / v);
}

static void bench_sql(strata_conn *c, long n)
{
	strata_error err = STRATA_ERROR_INIT;
	char *v = NULL;
	double t0 = now(), t;

	if (strata_conn_query_value(&v, c, "SELECT count(*) FILTER (WHERE hash <> strata.audit_hash(prev_hash, chain, seq,"
		" recorded_at, actor, action, target, payload) OR prev_hash <> coalesce(before, prev_hash)) FROM (SELECT *,"
		" lag(hash) OVER (ORDER BY seq) AS before FROM strata.audit_entries WHERE chain = 'bench') s", 0, NULL,
		&err) != 0)
		bench_die("sql check", &err);
	t = now() - t0;
	if (strcmp(v, "0") != 0) {
		fprintf(stderr, "bench-audit: the SQL check found %s bad entries\n", v);
		exit(1);
	}
	printf("| pure-SQL check (strata.audit_hash and lag(), one query) | %.2f s | %.0f entries/s |\n", t,
		(double)n / t);
	strata_free(v);
}

typedef struct writer {
	const char *url;
	int sql;          /* through strata.audit_append (canonical JSON in PL/pgSQL), else libstrata's append */
	char chain[32];
	double until;
	long appends;
	int failed;
	strata_error err;
} writer;

static void *append_loop(void *arg)
{
	writer *w = arg;
	strata_conn *c = bench_open(w->url);
	char text[256];

	while (now() < w->until) {
		int rc;

		payload(text, sizeof(text), w->appends);
		if (w->sql) {
			const char *params[2] = { w->chain, text };

			rc = strata_conn_execp(c, "SELECT strata.audit_append($1, 'user:bob', 'row.change', 'orders', $2::jsonb)",
				2, params, &w->err);
		} else {
			rc = strata_audit_append(c, NULL, w->chain, "user:bob", "row.change", "orders", text, NULL, NULL, &w->err);
		}
		if (rc != 0) {
			w->failed = 1;
			break;
		}
		w->appends++;
	}
	strata_conn_close(c);
	return NULL;
}

/* Appends for 5 s with writers threads; chains: 1 (all on "single") or one chain per writer. */
static long run_writers(const char *url, int writers, int chains, int sql)
{
	pthread_t t[64];
	writer w[64];
	double t0 = now(), dt;
	long sum = 0;
	int i;

	for (i = 0; i < writers; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].url = url;
		w[i].sql = sql;
		snprintf(w[i].chain, sizeof(w[i].chain), chains == 1 ? "single" : "tenant:%d", i);
		w[i].until = t0 + 5.0;
		pthread_create(&t[i], NULL, append_loop, &w[i]);
	}
	for (i = 0; i < writers; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failed)
			bench_die("append", &w[i].err);
		sum += w[i].appends;
	}
	dt = now() - t0;
	printf("| single-row appends%s, %d writer%s, %s | %ld in %.1f s | %.0f appends/s |\n",
		sql ? " through SQL audit_append" : " (libstrata)", writers, writers == 1 ? "" : "s",
		chains == 1 ? "one chain" : "a chain each", sum, dt, (double)sum / dt);
	return sum;
}

static void bench_single(strata_conn *c, const char *url)
{
	static const int counts[] = { 1, 8, 64 };
	strata_audit_verify_options o;
	strata_audit_verify_result r;
	strata_error err = STRATA_ERROR_INIT;
	long total = 0;
	size_t k;
	int sql;

	for (sql = 0; sql <= 1; sql++)
		for (k = 0; k < 3; k++)
			total += run_writers(url, counts[k], 1, sql);
	run_writers(url, 64, 64, 0);
	memset(&o, 0, sizeof(o));
	o.chain = "single";
	if (strata_audit_verify(c, &o, &r, &err) != 0)
		bench_die("verify", &err);
	printf("| the one chain verified | %s | %lld entries (%ld appended) |\n",
		r.kind == STRATA_AUDIT_INTACT ? "intact" : "BROKEN", (long long)r.entries, total);
	if (r.kind != STRATA_AUDIT_INTACT || r.entries != total)
		exit(1);
}

int main(int argc, char **argv)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c;
	long n;
	int i, sql = 1, single = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-audit URL N [--no-sql] [--no-single]\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--no-sql") == 0)
			sql = 0;
		else if (strcmp(argv[i], "--no-single") == 0)
			single = 0;
	}
	c = bench_open(argv[1]);
	if (strata_audit_ensure(c, NULL, &err) != 0)
		bench_die("ledger", &err);
	printf("| measure | time | rate |\n|---|---|---|\n");
	bench_jcs();
	/* Single-row appends first, on an idle server (a bulk load's checkpoints would slow every fsync). */
	if (single)
		bench_single(c, argv[1]);
	bench_batch(c, n);
	if (strata_conn_exec(c, "VACUUM (FREEZE, ANALYZE) strata.audit_entries", &err) != 0 ||
		strata_conn_exec(c, "CHECKPOINT", &err) != 0)
		bench_die("vacuum", &err);
	bench_verify(c, n);
	if (sql)
		bench_sql(c, n);
	strata_conn_close(c);
	return 0;
}
