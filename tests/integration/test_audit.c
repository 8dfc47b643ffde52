/*
 * test_audit.c: the audit ledger against a real PostgreSQL server.
 *
 * - The SQL canonical form (PL/pgSQL JCS) and libstrata's agree on Node's
 *   1,000 random documents: appended through the SQL function audit_append
 *   (canonicalized and hashed by the server), through libstrata's append
 *   (canonicalized here, hashed by the server) and through a batch (hashed
 *   here), each chain then verified here; and on Node's 10,000 numbers.
 * - Append-only: UPDATE, DELETE and TRUNCATE refused to the owner (trigger)
 *   and to another role (privileges); inserts that do not extend the chain
 *   refused.
 * - 64 concurrent writers x 1,000 appends on one chain: no fork, intact.
 * - The tamper suite: 1,000 random cases of each kind (changed payload,
 *   changed actor or time, deleted entry, swapped entries, forged
 *   insertion with a recomputed hash, truncated tail under a checkpoint),
 *   each detected at the exact first affected entry with its kind.
 * - Checkpoints: signature round trip, altered text, wrong key, private key
 *   mode, a chain that was rewritten after the checkpoint (diverged).
 * - Message envelopes: a changed envelope and a changed hash are reported.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "harness.h"

#define CHAIN_LEN 100
#define CASES 1000

static char *read_data(const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/tests/data/jcs/%s", getenv("STRATA_SOURCE_ROOT") ?
		getenv("STRATA_SOURCE_ROOT") : "..", name);
	return th_read_text(path);
}

static strata_audit_verify_result verify(strata_conn *c, const char *chain, const strata_audit_checkpoint *cp)
{
	strata_audit_verify_options o;
	strata_audit_verify_result r;
	strata_error err = STRATA_ERROR_INIT;

	memset(&o, 0, sizeof(o));
	o.chain = chain;
	o.checkpoint = cp;
	th_ok(strata_audit_verify(c, &o, &r, &err), &err);
	return r;
}

/* The JSON documents of Node's vectors that jsonb can hold (no \u0000), as payloads. */
static size_t node_documents(char ***out)
{
	char *text = read_data("documents.txt"), *line, *next;
	char **docs = calloc(1001, sizeof(*docs));
	size_t n = 0;

	for (line = text; *line != '\0'; line = next) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		json_error_t jerr;
		json_t *in;

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (tab == NULL)
			break;
		*tab = '\0';
		in = json_loads(line, JSON_DECODE_ANY, &jerr);
		assert_non_null(in);
		if (strstr(json_string_value(in), "\\u0000") == NULL)
			docs[n++] = strdup(json_string_value(in));
		json_decref(in);
	}
	free(text);
	*out = docs;
	return n;
}

/* An append through the SQL function audit_append: the payload canonicalized by PL/pgSQL. */
static void sql_append(strata_conn *c, const char *chain, const char *target, const char *payload, int64_t *seq,
	unsigned char hash[32])
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *r = NULL;
	const char *params[3] = { chain, target, payload };
	const char *hex;
	size_t k;

	th_ok(strata_conn_query(&r, c, "SELECT seq, encode(hash, 'hex') FROM strata.audit_append($1, 'test:sql', 'doc.add',"
		" $2, $3::jsonb)", 3, params, &err), &err);
	*seq = strtoll(strata_result_value(r, 0, 0), NULL, 10);
	hex = strata_result_value(r, 0, 1);
	for (k = 0; k < 32; k++) {
		unsigned x;

		sscanf(hex + 2 * k, "%2x", &x);
		hash[k] = (unsigned char)x;
	}
	strata_result_free(r);
}

static void sql_and_c_agree(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_audit_verify_result r;
	strata_audit_record *recs;
	char **docs;
	size_t n = node_documents(&docs), i;
	int64_t first = 0;

	assert_true(n > 990);
	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	th_exec(c, "SET synchronous_commit = off");
	for (i = 0; i < n; i++) {
		int64_t seq;
		unsigned char hash[32], want[32];
		strata_audit_entry e;
		char *at;

		sql_append(c, "node-sql", i % 2 ? "doc:x" : NULL, docs[i], &seq, hash);
		assert_int_equal(seq, (int64_t)i + 1);
		/* The server's hash is libstrata's hash of the same entry. */
		if (i % 97 == 0) {
			char sql[256];
			char *prev;

			snprintf(sql, sizeof(sql), "SELECT (extract(epoch FROM recorded_at) * 1000000)::bigint FROM "
				"strata.audit_entries WHERE chain = 'node-sql' AND seq = %zu", i + 1);
			at = th_value(c, sql);
			snprintf(sql, sizeof(sql), "SELECT encode(prev_hash, 'hex') FROM strata.audit_entries "
				"WHERE chain = 'node-sql' AND seq = %zu", i + 1);
			prev = th_value(c, sql);
			memset(&e, 0, sizeof(e));
			e.chain = "node-sql";
			e.seq = seq;
			e.recorded_at = strtoll(at, NULL, 10);
			e.actor = "test:sql";
			e.action = "doc.add";
			e.target = i % 2 ? "doc:x" : NULL;
			e.payload = docs[i];
			e.payload_len = strlen(docs[i]);
			for (size_t k = 0; k < 32; k++) {
				unsigned x;

				sscanf(prev + 2 * k, "%2x", &x);
				e.prev_hash[k] = (unsigned char)x;
			}
			th_ok(strata_audit_hash(want, &e, &err), &err);
			assert_memory_equal(want, hash, 32);
			strata_free(at);
			strata_free(prev);
		}
	}
	r = verify(c, "node-sql", NULL);
	if (r.kind != STRATA_AUDIT_INTACT)
		fail_msg("SQL-hashed chain broken at %lld: %s", (long long)r.seq, r.detail);
	assert_int_equal(r.entries, (int64_t)n);
	for (i = 0; i < n; i += 3)
		th_ok(strata_audit_append(c, NULL, "node-lib", "test:lib", "doc.add", NULL, docs[i], NULL, NULL, &err), &err);
	r = verify(c, "node-lib", NULL);
	if (r.kind != STRATA_AUDIT_INTACT)
		fail_msg("libstrata chain broken at %lld: %s", (long long)r.seq, r.detail);
	assert_int_equal(r.entries, (int64_t)(n + 2) / 3);

	/* The same documents hashed here, in two batches, verified the same way. */
	recs = calloc(n, sizeof(*recs));
	for (i = 0; i < n; i++) {
		recs[i].actor = "test:batch";
		recs[i].action = "doc.add";
		recs[i].target = i % 3 ? "doc:y" : NULL;
		recs[i].payload = docs[i];
	}
	th_ok(strata_audit_append_batch(c, NULL, "node-c", recs, n / 2, &first, &err), &err);
	assert_int_equal(first, 1);
	th_ok(strata_audit_append_batch(c, NULL, "node-c", recs + n / 2, n - n / 2, &first, &err), &err);
	assert_int_equal(first, (int64_t)(n / 2) + 1);
	r = verify(c, "node-c", NULL);
	if (r.kind != STRATA_AUDIT_INTACT)
		fail_msg("batch chain broken at %lld: %s", (long long)r.seq, r.detail);
	assert_int_equal(r.entries, (int64_t)n);

	/* A payload JCS refuses fails the whole batch, naming the record; nothing is appended. */
	recs[1].payload = "{\"a\": 1, \"a\": 2}";
	assert_int_equal(strata_audit_append_batch(c, NULL, "node-c", recs, 3, NULL, &err), STRATA_EINVAL);
	assert_non_null(strstr(err.message, "record 2"));
	r = verify(c, "node-c", NULL);
	assert_int_equal(r.entries, (int64_t)n);

	for (i = 0; i < n; i++)
		free(docs[i]);
	free(docs);
	free(recs);
	strata_conn_close(c);
}

/* strata.jcs_number (PL/pgSQL) against Node on 10,000 random doubles. */
static void sql_numbers_agree_with_node(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_buf arr = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
	strata_result *r = NULL;
	char *text = read_data("numbers.txt"), *line, *next;
	const char *params[1];
	int n = 0, i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	strata_buf_putc(&arr, '{');
	for (line = text; *line != '\0'; line = next) {
		char *nl = strchr(line, '\n'), *sp = strchr(line, '\t');
		unsigned long long bits;
		double d;

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (sp == NULL)
			break;
		if (nl != NULL)
			*nl = '\0';
		bits = strtoull(line, NULL, 16);
		memcpy(&d, &bits, sizeof(d));
		strata_buf_printf(&arr, "%s%.17g", n > 0 ? "," : "", d);
		strata_buf_puts(&want, sp + 1);
		strata_buf_putc(&want, '\0');
		n++;
	}
	strata_buf_putc(&arr, '}');
	assert_int_equal(n, 10000);
	params[0] = strata_buf_cstr(&arr);
	th_ok(strata_conn_query(&r, c, "SELECT strata.jcs_number(v) FROM unnest($1::numeric[]) WITH ORDINALITY AS u(v, i)"
		" ORDER BY i", 1, params, &err), &err);
	assert_int_equal(strata_result_nrows(r), n);
	{
		const char *w = want.ptr;

		for (i = 0; i < n; i++, w += strlen(w) + 1)
			if (strcmp(strata_result_value(r, i, 0), w) != 0)
				fail_msg("number %d: SQL %s, Node %s", i + 1, strata_result_value(r, i, 0), w);
	}
	strata_result_free(r);
	strata_buf_release(&arr);
	strata_buf_release(&want);
	free(text);
	/* strata.jcs on the published JCS test data. */
	{
		static const char *const names[] = { "arrays", "french", "simpleString", "structures", "unicode",
			"values", "weird" };
		size_t k;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			char rel[64];
			char *in, *out;
			const char *p1[1];
			char *got = NULL;

			snprintf(rel, sizeof(rel), "published/%s.in.json", names[k]);
			in = read_data(rel);
			snprintf(rel, sizeof(rel), "published/%s.out.json", names[k]);
			out = read_data(rel);
			p1[0] = in;
			th_ok(strata_conn_query_value(&got, c, "SELECT strata.jcs($1::jsonb)", 1, p1, &err), &err);
			if (strcmp(got, out) != 0)
				fail_msg("strata.jcs on %s: got %s, want %s", names[k], got, out);
			strata_free(got);
			free(in);
			free(out);
		}
	}
	strata_conn_close(c);
}

static void expect_refused(strata_conn *c, const char *sql, const char *sqlstate)
{
	strata_error err = STRATA_ERROR_INIT;

	if (strata_conn_exec(c, sql, &err) == 0)
		fail_msg("accepted: %s", sql);
	if (strcmp(err.sqlstate, sqlstate) != 0)
		fail_msg("%s: want %s, got %s (%s)", sql, sqlstate, err.sqlstate, err.message);
}

static void append_only(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state), *app;
	int i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	for (i = 0; i < 3; i++)
		th_ok(strata_audit_append(c, NULL, "ro", "test:1", "x.y", NULL, "{\"i\": 1}", NULL, NULL, &err), &err);
	/* The owner (a superuser here): the triggers refuse. */
	expect_refused(c, "UPDATE strata.audit_entries SET actor = 'x' WHERE chain = 'ro'", "42501");
	expect_refused(c, "DELETE FROM strata.audit_entries WHERE chain = 'ro' AND seq = 3", "42501");
	expect_refused(c, "TRUNCATE strata.audit_entries", "42501");
	expect_refused(c, "DELETE FROM strata.audit_checkpoints", "42501");   /* even when no row matches */
	expect_refused(c, "UPDATE strata.audit_entries SET actor = 'x' WHERE false", "42501");
	/* Inserts that do not extend the chain. */
	expect_refused(c, "INSERT INTO strata.audit_entries SELECT chain, 5, now(), actor, action, target, payload,"
		" hash, hash FROM strata.audit_entries WHERE chain = 'ro' AND seq = 3", "23000");
	expect_refused(c, "INSERT INTO strata.audit_entries SELECT chain, 4, now(), actor, action, target, payload,"
		" prev_hash, hash FROM strata.audit_entries WHERE chain = 'ro' AND seq = 3", "23000");
	expect_refused(c, "INSERT INTO strata.audit_entries SELECT chain, 3, now(), actor, action, target, payload,"
		" prev_hash, hash FROM strata.audit_entries WHERE chain = 'ro' AND seq = 3", "23505");
	expect_refused(c, "INSERT INTO strata.audit_entries SELECT 'nochain', 1, now(), actor, action, target, payload,"
		" prev_hash, hash FROM strata.audit_entries WHERE chain = 'ro' AND seq = 1", "23503");

	/* Another role: privileges refuse first; it may append only when granted the function. */
	th_exec(c, "DROP ROLE IF EXISTS audit_app");
	th_exec(c, "CREATE ROLE audit_app LOGIN");
	th_exec(c, "GRANT USAGE ON SCHEMA strata TO audit_app");
	app = th_connect(*state);
	th_exec(app, "SET ROLE audit_app");
	expect_refused(app, "UPDATE strata.audit_entries SET actor = 'x'", "42501");
	expect_refused(app, "DELETE FROM strata.audit_entries", "42501");
	expect_refused(app, "TRUNCATE strata.audit_entries", "42501");
	expect_refused(app, "SELECT strata.audit_append('ro', 'app', 'x.y', NULL, '{}')", "42501");
	th_exec(c, "GRANT EXECUTE ON FUNCTION strata.audit_append(text, text, text, text, jsonb) TO audit_app");
	th_exec(app, "SELECT strata.audit_append('ro', 'app', 'x.y', NULL, '{}')");
	th_exec(app, "RESET ROLE");
	/* strata's own chain takes entries only from the ledger's owner: a login as audit_app may not forge one. */
	{
		strata_conn *login;
		strata_error e2 = STRATA_ERROR_INIT;

		login = th_connect(*state);
		th_exec(login, "SET SESSION AUTHORIZATION audit_app");
		assert_int_not_equal(strata_conn_exec(login, "SELECT strata.audit_append('strata', 'role:audit_app', "
			"'migrate.apply', 'default/9999', '{}')", &e2), 0);
		assert_string_equal(e2.sqlstate, "42501");
		assert_non_null(strstr(e2.message, "records strata's own events"));
		strata_conn_close(login);
	}
	strata_conn_close(app);
	assert_int_equal(verify(c, "ro", NULL).entries, 4);
	th_exec(c, "DROP OWNED BY audit_app");
	th_exec(c, "DROP ROLE audit_app");
	strata_conn_close(c);
}

/* ---- concurrency ---- */

typedef struct writer {
	const char *url;
	int id;
	int failed;
	strata_error err;
} writer;

/* A writer thread's own connection (no cmocka asserts in threads); NULL with w->failed set. */
static strata_conn *writer_connect(writer *w)
{
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;

	if (strata_conninfo_parse(&ci, w->url, STRATA_CONN_SOURCE_EXPLICIT, &w->err) != 0 ||
		strata_conn_open(&c, ci, &w->err) != 0) {
		w->failed = 1;
		strata_conn_close(c);
		c = NULL;
	}
	strata_conninfo_free(ci);
	return c;
}

static void *write_many(void *arg)
{
	writer *w = arg;
	strata_conn *c = writer_connect(w);
	char payload[64];
	int i;

	if (c == NULL)
		return NULL;
	if (strata_conn_exec(c, "SET synchronous_commit = off", &w->err) != 0)
		w->failed = 1;
	for (i = 0; i < 1000 && !w->failed; i++) {
		snprintf(payload, sizeof(payload), "{\"writer\": %d, \"i\": %d}", w->id, i);
		if (strata_audit_append(c, NULL, "busy", "test:writer", "w.append", NULL, payload, NULL, NULL, &w->err) != 0)
			w->failed = 1;
	}
	strata_conn_close(c);
	return NULL;
}

static void concurrent_writers(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	pthread_t t[64];
	writer w[64];
	strata_audit_verify_result r;
	char *forks;
	int i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	for (i = 0; i < 64; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].url = *state;
		w[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
	}
	for (i = 0; i < 64; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 64; i++)
		if (w[i].failed)
			fail_msg("writer %d failed: %s", i, w[i].err.message);
	forks = th_value(c, "SELECT count(*) - count(DISTINCT prev_hash) FROM strata.audit_entries WHERE chain = 'busy'");
	assert_string_equal(forks, "0");
	strata_free(forks);
	r = verify(c, "busy", NULL);
	if (r.kind != STRATA_AUDIT_INTACT)
		fail_msg("broken at %lld: %s", (long long)r.seq, r.detail);
	assert_int_equal(r.entries, 64000);
	strata_conn_close(c);
}

/* Batches and single appends from 8 threads at once on one chain: every batch lands whole, in order. */
static void *write_batches(void *arg)
{
	writer *w = arg;
	strata_conn *c = writer_connect(w);
	strata_audit_record recs[40];
	char payloads[40][48];
	int i, k;

	if (c == NULL)
		return NULL;
	for (i = 0; i < 25 && !w->failed; i++) {
		for (k = 0; k < 40; k++) {
			snprintf(payloads[k], sizeof(payloads[k]), "{\"writer\": %d, \"batch\": %d, \"k\": %d}", w->id, i, k);
			recs[k].actor = "test:batch";
			recs[k].action = "b.append";
			recs[k].target = NULL;
			recs[k].payload = payloads[k];
		}
		if (strata_audit_append_batch(c, NULL, "mixed", recs, 40, NULL, &w->err) != 0 ||
			strata_audit_append(c, NULL, "mixed", "test:single", "s.append", NULL, "{}", NULL, NULL, &w->err) != 0)
			w->failed = 1;
	}
	strata_conn_close(c);
	return NULL;
}

static void concurrent_batches(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	pthread_t t[8];
	writer w[8];
	strata_audit_verify_result r;
	char *whole;
	int i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	for (i = 0; i < 8; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].url = *state;
		w[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, write_batches, &w[i]), 0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 8; i++)
		if (w[i].failed)
			fail_msg("writer %d failed: %s", i, w[i].err.message);
	r = verify(c, "mixed", NULL);
	if (r.kind != STRATA_AUDIT_INTACT)
		fail_msg("broken at %lld: %s", (long long)r.seq, r.detail);
	assert_int_equal(r.entries, 8 * 25 * 41);
	/* Each batch's 40 entries are consecutive: k runs 0..39 without another writer in between. */
	whole = th_value(c, "SELECT count(*) FROM (SELECT seq - (payload->>'k')::int AS start, count(*) AS n "
		"FROM strata.audit_entries WHERE chain = 'mixed' AND action = 'b.append' "
		"GROUP BY payload->>'writer', payload->>'batch', seq - (payload->>'k')::int) s WHERE n = 40");
	assert_string_equal(whole, "200");
	strata_free(whole);
	strata_conn_close(c);
}

/* ---- the tamper suite ---- */

typedef enum tamper { T_PAYLOAD, T_ACTOR_OR_TIME, T_DELETE, T_SWAP, T_INSERT, T_TRUNCATE, T_KINDS } tamper;

static const char *const tamper_names[] = { "changed payload", "changed actor or time", "deleted entry",
	"swapped entries", "forged insertion", "truncated tail" };

static void run_sql(strata_conn *c, const char *fmt, ...) STRATA_PRINTF(2, 3);

static void run_sql(strata_conn *c, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	th_exec(c, sql);
}

/* Tampers with chain "t" (CHAIN_LEN entries) inside a transaction; returns the expected kind and seq. */
static strata_audit_break do_tamper(strata_conn *c, tamper kind, unsigned *rnd, int64_t *seq)
{
	int64_t k = 1 + (int64_t)(rand_r(rnd) % (CHAIN_LEN - 1)), j;

	switch (kind) {
	case T_PAYLOAD:
		k = 1 + rand_r(rnd) % CHAIN_LEN;
		run_sql(c, "UPDATE strata.audit_entries SET payload = payload || '{\"tampered\": true}' "
			"WHERE chain = 't' AND seq = %lld", (long long)k);
		*seq = k;
		return STRATA_AUDIT_CHANGED;
	case T_ACTOR_OR_TIME:
		k = 1 + rand_r(rnd) % CHAIN_LEN;
		if (rand_r(rnd) % 2)
			run_sql(c, "UPDATE strata.audit_entries SET actor = 'user:mallory' WHERE chain = 't' AND seq = %lld",
				(long long)k);
		else
			run_sql(c, "UPDATE strata.audit_entries SET recorded_at = recorded_at - interval '1 microsecond' "
				"WHERE chain = 't' AND seq = %lld", (long long)k);
		*seq = k;
		return STRATA_AUDIT_CHANGED;
	case T_DELETE:
		/* An entry before the last (the last alone is a truncation: see T_TRUNCATE). */
		run_sql(c, "DELETE FROM strata.audit_entries WHERE chain = 't' AND seq = %lld", (long long)k);
		if (rand_r(rnd) % 2) {
			/* ... and the later ones renumbered to close the gap. */
			run_sql(c, "UPDATE strata.audit_entries SET seq = seq + 1000000 WHERE chain = 't' AND seq > %lld",
				(long long)k);
			run_sql(c, "UPDATE strata.audit_entries SET seq = seq - 1000001 WHERE chain = 't' AND seq > 1000000");
		}
		*seq = k;
		return STRATA_AUDIT_DELETED;
	case T_SWAP:
		j = k + 1 + rand_r(rnd) % (CHAIN_LEN - k);
		run_sql(c, "UPDATE strata.audit_entries SET seq = CASE seq WHEN %lld THEN 1000000 + %lld "
			"ELSE 1000000 + %lld END WHERE chain = 't' AND seq IN (%lld, %lld)", (long long)k, (long long)j,
			(long long)k, (long long)k, (long long)j);
		run_sql(c, "UPDATE strata.audit_entries SET seq = seq - 1000000 WHERE chain = 't' AND seq > 1000000");
		*seq = k;
		return STRATA_AUDIT_REORDERED;
	case T_INSERT:
		k = 1 + rand_r(rnd) % CHAIN_LEN;
		run_sql(c, "UPDATE strata.audit_entries SET seq = seq + 1000000 WHERE chain = 't' AND seq >= %lld",
			(long long)k);
		run_sql(c, "UPDATE strata.audit_entries SET seq = seq - 999999 WHERE chain = 't' AND seq > 1000000");
		/* A well-formed entry, hashed onto the one before it as verify would expect. */
		run_sql(c, "INSERT INTO strata.audit_entries SELECT 't', %lld, now(), 'user:mallory', 'grant.admin', NULL,"
			" '{\"forged\": true}', p, strata.audit_hash(p, 't', %lld, now(), 'user:mallory', 'grant.admin', NULL,"
			" '{\"forged\": true}') FROM (SELECT coalesce((SELECT hash FROM strata.audit_entries WHERE chain = 't'"
			" AND seq = %lld), '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS p) s",
			(long long)k, (long long)k, (long long)k - 1);
		*seq = k;
		return STRATA_AUDIT_INSERTED;
	case T_TRUNCATE:
		k = 2 + rand_r(rnd) % (CHAIN_LEN - 1);
		run_sql(c, "DELETE FROM strata.audit_entries WHERE chain = 't' AND seq >= %lld", (long long)k);
		*seq = k;
		return STRATA_AUDIT_TRUNCATED;
	default:
		break;
	}
	return STRATA_AUDIT_INTACT;
}

static void tamper_suite(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_audit_record recs[CHAIN_LEN];
	strata_audit_checkpoint cp;
	char payloads[CHAIN_LEN][96], *dir, priv[512], pub[512];
	unsigned rnd = 20261122;
	int kind, i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	for (i = 0; i < CHAIN_LEN; i++) {
		snprintf(payloads[i], sizeof(payloads[i]), "{\"amount\": %d.25, \"tenant\": \"t%d\", \"tags\": [\"a\", %d]}",
			i, i % 7, i);
		recs[i].actor = i % 2 ? "user:alice" : "api_key:k1";
		recs[i].action = "invoice.pay";
		recs[i].target = i % 5 ? "invoice:9" : NULL;
		recs[i].payload = payloads[i];
	}
	/* Two batches (two recorded_at values) and one single append. */
	th_ok(strata_audit_append_batch(c, NULL, "t", recs, CHAIN_LEN / 2, NULL, &err), &err);
	th_ok(strata_audit_append_batch(c, NULL, "t", recs + CHAIN_LEN / 2, CHAIN_LEN / 2 - 1, NULL, &err), &err);
	th_ok(strata_audit_append(c, NULL, "t", "user:bob", "invoice.void", "invoice:9", "{\"why\": \"dup\"}",
		NULL, NULL, &err), &err);
	assert_int_equal(verify(c, "t", NULL).entries, CHAIN_LEN);
	dir = th_tempdir("audit-keys");
	snprintf(priv, sizeof(priv), "%s/signing.pem", dir);
	snprintf(pub, sizeof(pub), "%s/public.pem", dir);
	th_ok(strata_audit_keygen(priv, pub, &err), &err);
	th_ok(strata_audit_checkpoint_create(c, NULL, "t", priv, &cp, &err), &err);
	assert_int_equal(cp.size, CHAIN_LEN);

	for (kind = 0; kind < T_KINDS; kind++) {
		int detected = 0;

		for (i = 0; i < CASES; i++) {
			strata_audit_verify_result r;
			strata_audit_break want;
			int64_t seq = 0;

			th_exec(c, "BEGIN");
			th_exec(c, "SET LOCAL session_replication_role = replica");
			want = do_tamper(c, (tamper)kind, &rnd, &seq);
			r = verify(c, "t", kind == T_TRUNCATE ? &cp : NULL);
			th_exec(c, "ROLLBACK");
			if (r.kind != want || r.seq != seq)
				fail_msg("%s, case %d: want %s at %lld, got %s at %lld (%s)", tamper_names[kind], i,
					strata_audit_break_name(want), (long long)seq, strata_audit_break_name(r.kind),
					(long long)r.seq, r.detail);
			detected++;
		}
		assert_int_equal(detected, CASES);
		print_message("# %s: %d of %d detected at the exact entry\n", tamper_names[kind], detected, CASES);
	}
	/* Untouched after all of it. */
	assert_int_equal(verify(c, "t", &cp).kind, STRATA_AUDIT_INTACT);
	th_rmtree(dir);
	free(dir);
	strata_conn_close(c);
}

/* ---- checkpoints ---- */

static void checkpoints(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_audit_checkpoint cp, back;
	strata_buf text = STRATA_BUF_INIT;
	strata_audit_verify_result r;
	char *dir, priv[512], pub[512], priv2[512], pub2[512], *p, *count;
	int i;

	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	dir = th_tempdir("audit-cp");
	snprintf(priv, sizeof(priv), "%s/a.pem", dir);
	snprintf(pub, sizeof(pub), "%s/a.pub", dir);
	snprintf(priv2, sizeof(priv2), "%s/b.pem", dir);
	snprintf(pub2, sizeof(pub2), "%s/b.pub", dir);
	th_ok(strata_audit_keygen(priv, pub, &err), &err);
	th_ok(strata_audit_keygen(priv2, pub2, &err), &err);
	/* Never overwrites a key. */
	assert_int_equal(strata_audit_keygen(priv, pub, &err), STRATA_EINVAL);
	/* Refuses an empty or missing chain. */
	assert_int_not_equal(strata_audit_checkpoint_create(c, NULL, "cp", priv, &cp, &err), 0);
	for (i = 0; i < 10; i++)
		th_ok(strata_audit_append(c, NULL, "cp", "system:test", "tick", NULL, "{}", NULL, NULL, &err), &err);
	th_ok(strata_audit_checkpoint_create(c, NULL, "cp", priv, &cp, &err), &err);
	assert_int_equal(cp.size, 10);
	count = th_value(c, "SELECT count(*) FROM strata.audit_checkpoints WHERE chain = 'cp' AND size = 10");
	assert_string_equal(count, "1");
	strata_free(count);
	/* Text round trip, signature checked. */
	assert_int_equal(strata_audit_checkpoint_format(&text, &cp), 0);
	th_ok(strata_audit_checkpoint_parse(&back, text.ptr, text.len, &err), &err);
	assert_int_equal(back.size, 10);
	assert_memory_equal(back.head, cp.head, 32);
	th_ok(strata_audit_checkpoint_check(&back, pub, &err), &err);
	/* Another key, or an altered size, does not verify. */
	assert_int_equal(strata_audit_checkpoint_check(&back, pub2, &err), STRATA_EINVAL);
	p = strstr(text.ptr, "size: 10");
	p[7] = '1';   /* "size: 11" */
	th_ok(strata_audit_checkpoint_parse(&back, text.ptr, text.len, &err), &err);
	assert_int_equal(strata_audit_checkpoint_check(&back, pub, &err), STRATA_EINVAL);
	assert_non_null(strstr(err.message, "altered"));
	/* Malformed text names the line. */
	assert_int_equal(strata_audit_checkpoint_parse(&back, "strata audit checkpoint v1\nchain: cp\nsize: x\n", 45,
		&err), STRATA_EINVAL);
	assert_non_null(strstr(err.message, "line 3"));
	/* A private key others can read is refused. */
	chmod(priv, 0644);
	assert_int_equal(strata_audit_checkpoint_create(c, NULL, "cp", priv, &back, &err), STRATA_EINVAL);
	assert_non_null(strstr(err.message, "chmod 600"));
	chmod(priv, 0600);

	/* The chain grows: it still extends the checkpoint. */
	th_ok(strata_audit_append(c, NULL, "cp", "system:test", "tick", NULL, "{}", NULL, NULL, &err), &err);
	r = verify(c, "cp", &cp);
	assert_int_equal(r.kind, STRATA_AUDIT_INTACT);
	assert_int_equal(r.entries, 11);
	/* Rewritten from entry 6 on (a consistent chain, but another history): diverged at 10. */
	th_exec(c, "BEGIN");
	th_exec(c, "SET LOCAL session_replication_role = replica");
	th_exec(c, "DELETE FROM strata.audit_entries WHERE chain = 'cp' AND seq >= 6");
	th_exec(c, "SET LOCAL session_replication_role = origin");
	for (i = 0; i < 6; i++)
		th_ok(strata_audit_append(c, NULL, "cp", "system:test", "tock", NULL, "{}", NULL, NULL, &err), &err);
	r = verify(c, "cp", NULL);
	assert_int_equal(r.kind, STRATA_AUDIT_INTACT);
	r = verify(c, "cp", &cp);
	assert_int_equal(r.kind, STRATA_AUDIT_DIVERGED);
	assert_int_equal(r.seq, 10);
	th_exec(c, "ROLLBACK");
	/* --from: only the tail is read, linked to the stored hash before it. */
	{
		strata_audit_verify_options o;

		memset(&o, 0, sizeof(o));
		o.chain = "cp";
		o.from = 8;
		th_ok(strata_audit_verify(c, &o, &r, &err), &err);
		assert_int_equal(r.kind, STRATA_AUDIT_INTACT);
		assert_int_equal(r.entries, 4);
		o.from = 50;
		assert_int_equal(strata_audit_verify(c, &o, &r, &err), STRATA_ENOTFOUND);
		o.chain = "no-such-chain";
		o.from = 0;
		assert_int_equal(strata_audit_verify(c, &o, &r, &err), STRATA_ENOTFOUND);
	}
	strata_buf_release(&text);
	th_rmtree(dir);
	free(dir);
	strata_conn_close(c);
}

/* ---- progress ---- */

typedef struct progress_seen {
	int calls;
	int64_t last_done, total;
} progress_seen;

static void on_progress(int64_t done, int64_t total, void *ud)
{
	progress_seen *p = ud;

	p->calls++;
	assert_true(done >= p->last_done);
	p->last_done = done;
	p->total = total;
}

/* A long chain reports progress every 65,536 entries and once at the end, with the chain's size as total. */
static void progress_reports(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_audit_record *recs = calloc(140000, sizeof(*recs));
	strata_audit_verify_options o;
	strata_audit_verify_result r;
	progress_seen p;
	size_t i;

	/* Without the ledger: a clear error, not the server's missing relation. */
	recs[0].actor = "system:test";
	recs[0].action = "tick";
	assert_int_equal(strata_audit_append_batch(c, NULL, "long", recs, 1, NULL, &err), STRATA_ENOTFOUND);
	assert_non_null(strstr(err.message, "no audit ledger"));
	assert_int_equal(strata_audit_append(c, NULL, "long", "a", "b", NULL, NULL, NULL, NULL, &err), STRATA_ENOTFOUND);
	th_ok(strata_audit_ensure(c, NULL, &err), &err);
	for (i = 0; i < 140000; i++) {
		recs[i].actor = "system:test";
		recs[i].action = "tick";
	}
	th_ok(strata_audit_append_batch(c, NULL, "long", recs, 140000, NULL, &err), &err);
	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	o.chain = "long";
	o.progress = on_progress;
	o.ud = &p;
	th_ok(strata_audit_verify(c, &o, &r, &err), &err);
	assert_int_equal(r.kind, STRATA_AUDIT_INTACT);
	assert_int_equal(r.entries, 140000);
	assert_int_equal(p.calls, 3);   /* at 65,536, at 131,072, at the end */
	assert_int_equal(p.last_done, 140000);
	assert_int_equal(p.total, 140000);
	assert_true(r.bytes > 140000 * 100);
	/*
	 * A break near the start: verify reads a window of 65,536 entries past it,
	 * then stops the COPY (a cancel); the session stays usable.
	 */
	th_exec(c, "BEGIN");
	th_exec(c, "SET LOCAL session_replication_role = replica");
	th_exec(c, "UPDATE strata.audit_entries SET actor = 'x' WHERE chain = 'long' AND seq = 5");
	o.progress = NULL;
	th_ok(strata_audit_verify(c, &o, &r, &err), &err);
	assert_int_equal(r.kind, STRATA_AUDIT_CHANGED);
	assert_int_equal(r.seq, 5);
	assert_int_equal(r.entries, 4);
	{
		char *one = th_value(c, "SELECT 1");

		assert_string_equal(one, "1");
		strata_free(one);
	}
	th_exec(c, "ROLLBACK");
	free(recs);
	strata_conn_close(c);
}

/* ---- message envelopes ---- */

typedef struct seen {
	int n;
	char ids[8][64];
} seen;

static void on_mismatch(const strata_message_mismatch *m, void *ud)
{
	seen *s = ud;

	if (s->n < 8)
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", m->id);
	s->n++;
}

static void message_envelopes(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_messages_options o;
	strata_messages_result r;
	strata_buf sql = STRATA_BUF_INIT;
	seen s;
	int i;

	th_exec(c, "CREATE SCHEMA agents");
	th_exec(c, "CREATE TABLE agents.messages (id int PRIMARY KEY, envelope jsonb, envelope_hash char(64))");
	for (i = 1; i <= 500; i++) {
		char doc[160], hex[65];

		snprintf(doc, sizeof(doc), "{\"type\": \"text\", \"seq\": %d, \"content\": {\"text\": \"hi %d\", "
			"\"score\": %d.50}, \"from\": \"agent:%d\"}", i, i, i, i % 3);
		th_ok(strata_jcs_sha256(hex, doc, strlen(doc), &err), &err);
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "INSERT INTO agents.messages VALUES (%d, '%s', '%s')", i, doc, hex);
		th_exec(c, strata_buf_cstr(&sql));
	}
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.on_mismatch = on_mismatch;
	o.ud = &s;
	th_ok(strata_integrity_verify_messages(c, &o, &r, &err), &err);
	assert_int_equal(r.messages, 500);
	assert_int_equal(r.mismatches, 0);
	th_exec(c, "UPDATE agents.messages SET envelope = jsonb_set(envelope, '{content,text}', '\"HI\"') WHERE id = 42");
	th_exec(c, "UPDATE agents.messages SET envelope_hash = repeat('0', 64) WHERE id = 314");
	th_ok(strata_integrity_verify_messages(c, &o, &r, &err), &err);
	assert_int_equal(r.mismatches, 2);
	assert_int_equal(s.n, 2);
	assert_true((strcmp(s.ids[0], "42") == 0 && strcmp(s.ids[1], "314") == 0) ||
		(strcmp(s.ids[0], "314") == 0 && strcmp(s.ids[1], "42") == 0));
	o.table = "agents.nothing";
	assert_int_not_equal(strata_integrity_verify_messages(c, &o, &r, &err), 0);
	strata_buf_release(&sql);
	strata_conn_close(c);
}

static int setup(void **state)
{
	*state = th_db_create("audit");
	return 0;
}

static int teardown(void **state)
{
	th_db_drop(*state);
	free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sql_and_c_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(sql_numbers_agree_with_node, setup, teardown),
		cmocka_unit_test_setup_teardown(append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(tamper_suite, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(progress_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(message_envelopes, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
