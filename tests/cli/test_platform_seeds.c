/*
 * test_platform_seeds.c: the platform's demo data (schema/platform/seeds),
 * seeded by the strata binary on a fresh database migrated with
 * schema/platform, then checked through the catalog and the data.
 *
 *   1. deterministic and idempotent: seeding twice, or again with --force,
 *      leaves byte-identical table contents, and a second fresh database
 *      seeded the same way holds the very same contents;
 *   2. what the issue asks of the data: at least two tenants, each with a
 *      user bound to every built-in role, agents, workflows with plans,
 *      conversations with messages, runs with tool calls, memories and an
 *      audit log; runs in several states, moved there legally (the state
 *      machine's trigger saw every move);
 *   3. envelope hashes: every message's envelope_hash is the SHA-256 of the
 *      canonical (RFC 8785) form of its envelope, recomputed from the stored
 *      JSONB with libstrata's JCS (strata_jcs_sha256);
 *   4. the seeded database passes `strata tenancy check` (no finding) and
 *      `strata tenancy probe` (0 rows leaked, 0 writes accepted).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"
#include "crypto/crypto.h"

#define PROJECT "schema/platform"
#define DATA_SCHEMAS "'core', 'agents', 'audit'"

/* ------------------------------------------------------------------------
 * Fixture: a fresh database migrated with the platform project
 * ------------------------------------------------------------------------ */

typedef struct fx {
	char *url;
	char env_url[1024];
	char *project;
	strata_conn *c;
} fx;

/* Runs `strata -C <project> <args>` on url; the exit code must be want. */
static void strata_v(cli_result *r, const char *env_url, const char *project, int want, int line,
	...)
{
	const char *env[32] = { CLI_CLEAN_ENV };
	const char *argv[40];
	const char *a;
	size_t n = 0, k = 0;
	va_list ap;

	while (env[n] != NULL)
		n++;
	env[n++] = env_url;
	env[n] = NULL;
	argv[k++] = "-C";
	argv[k++] = project;
	va_start(ap, line);
	while ((a = va_arg(ap, const char *)) != NULL && k < 39)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	cli_result_free(r);
	cli_run(r, NULL, env, argv);
	if (r->status != want)
		fail_msg("line %d: strata %s %s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", line,
			argv[2], argv[3] ? argv[3] : "", r->status, want, strata_buf_cstr(&r->out),
			strata_buf_cstr(&r->err));
}

#define STRATA(r, f, want, ...) \
	strata_v((r), (f)->env_url, (f)->project, (want), __LINE__, __VA_ARGS__, (const char *)NULL)

static fx *fx_new(void)
{
	fx *f = calloc(1, sizeof(*f));
	cli_result r = { 0 };

	f->url = th_db_create("seeds");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	f->project = cli_source_path(PROJECT);
	f->c = th_connect(f->url);
	STRATA(&r, f, 0, "migrate", "up");
	cli_result_free(&r);
	return f;
}

static void fx_free(fx *f)
{
	strata_conn_close(f->c);
	th_db_drop(f->url);
	free(f->url);
	free(f->project);
	free(f);
}

/* Migrated and seeded once. */
static int setup_seeded(void **state)
{
	fx *f = fx_new();
	cli_result r = { 0 };

	STRATA(&r, f, 0, "seed");
	cli_result_free(&r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ------------------------------------------------------------------------
 * SQL helpers
 * ------------------------------------------------------------------------ */

static strata_result *rows(fx *f, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *res = NULL;

	if (strata_conn_query(&res, f->c, sql, 0, NULL, &err) != 0)
		fail_msg("%s\n  failed: %s", sql, err.message);
	return res;
}

static int64_t num(const char *v, const char *what)
{
	int64_t n;

	if (v == NULL || st_parse_int64(&n, v, INT64_MIN, INT64_MAX) != 0)
		fail_msg("%s gave '%s', not a number", what, v != NULL ? v : "NULL");
	return n;
}

static int64_t qint(fx *f, const char *sql)
{
	char *v = th_value(f->c, sql);
	int64_t n = num(v, sql);

	strata_free(v);
	return n;
}

/*
 * The contents of every table of the platform's data schemas, one line per
 * table: its name, row count and the MD5 of its rows as text, sorted. Equal
 * digests mean equal contents, value for value.
 */
static char *contents(fx *f)
{
	strata_result *tables = rows(f, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
		" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')"
		" AND n.nspname IN (" DATA_SCHEMAS ") ORDER BY 1");
	strata_buf out = STRATA_BUF_INIT;
	int i;

	assert_true(strata_result_nrows(tables) >= 18);
	for (i = 0; i < strata_result_nrows(tables); i++) {
		const char *t = strata_result_value(tables, i, 0);
		strata_buf sql = STRATA_BUF_INIT;
		char *v;

		strata_buf_printf(&sql, "SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, E'\\n'"
			" ORDER BY x::text), '')) FROM %s x", t);
		v = th_value(f->c, strata_buf_cstr(&sql));
		strata_buf_printf(&out, "%s %s\n", t, v);
		strata_free(v);
		strata_buf_release(&sql);
	}
	strata_result_free(tables);
	return strata_buf_detach(&out);
}

/* ------------------------------------------------------------------------
 * 1. deterministic and idempotent
 * ------------------------------------------------------------------------ */

static void seeding_again_leaves_identical_contents(void **state)
{
	fx *f = *state, *g;
	cli_result r = { 0 };
	char *first, *again, *forced, *other;

	first = contents(f);
	/* Every table holds rows: the seeds cover the whole schema. */
	if (strstr(first, " 0 ") != NULL)
		fail_msg("a table of the platform is empty after seeding:\n%s", first);

	STRATA(&r, f, 0, "seed");
	assert_non_null(strstr(strata_buf_cstr(&r.err), "up to date"));
	again = contents(f);
	assert_string_equal(again, first);

	STRATA(&r, f, 0, "seed", "--force");
	forced = contents(f);
	if (strcmp(forced, first) != 0)
		fail_msg("seed --force changed the contents:\n--- before:\n%s--- after:\n%s", first, forced);

	/* A second fresh database, seeded the same way, holds the same contents. */
	g = fx_new();
	STRATA(&r, g, 0, "seed");
	other = contents(g);
	assert_string_equal(other, first);
	fx_free(g);

	cli_result_free(&r);
	free(first);
	free(again);
	free(forced);
	free(other);
}

/* ------------------------------------------------------------------------
 * 2. what the data holds
 * ------------------------------------------------------------------------ */

static void every_tenant_has_the_data_the_platform_needs(void **state)
{
	fx *f = *state;
	strata_result *res;
	int i;

	assert_true(qint(f, "SELECT count(*) FROM core.tenants") >= 2);
	/* Per tenant: a user holding each built-in role, and a row in every kind of data. */
	res = rows(f, "SELECT t.slug,"
		" (SELECT count(DISTINCT r.name) FROM core.rbac_bindings b"
		"   JOIN core.rbac_roles r ON r.tenant_id = b.tenant_id AND r.id = b.role_id"
		"   JOIN core.users u ON u.tenant_id = b.tenant_id AND u.id = b.principal_id"
		"   WHERE b.tenant_id = t.id AND b.principal_type = 'user' AND r.built_in"
		"   AND r.name IN ('Admin', 'Planner', 'Viewer')),"
		" (SELECT count(*) FROM agents.agents a WHERE a.tenant_id = t.id),"
		" (SELECT count(*) FROM agents.workflows w WHERE w.tenant_id = t.id),"
		" (SELECT count(*) FROM agents.plans p WHERE p.tenant_id = t.id),"
		" (SELECT count(*) FROM agents.messages m WHERE m.tenant_id = t.id),"
		" (SELECT count(*) FROM agents.tool_calls c WHERE c.tenant_id = t.id),"
		" (SELECT count(*) FROM agents.memory_items i WHERE i.tenant_id = t.id),"
		" (SELECT count(*) FROM audit.audit_log l WHERE l.tenant_id = t.id)"
		" FROM core.tenants t ORDER BY t.slug");
	for (i = 0; i < strata_result_nrows(res); i++) {
		const char *slug = strata_result_value(res, i, 0);
		int col;

		if (strcmp(strata_result_value(res, i, 1), "3") != 0)
			fail_msg("tenant %s: users hold %s of the 3 built-in roles", slug,
				strata_result_value(res, i, 1));
		for (col = 2; col < 9; col++)
			if (num(strata_result_value(res, i, col), slug) <= 0)
				fail_msg("tenant %s: no %s", slug, (const char *[]){ "agents", "workflows",
					"plans", "messages", "tool calls", "memories", "audit entries" }[col - 2]);
	}
	strata_result_free(res);

	/* Runs end in each state the machine knows; each run that started made a tool call. */
	assert_int_equal(qint(f, "SELECT count(DISTINCT state) FROM agents.agent_runs"
		" WHERE state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')"), 5);
	assert_int_equal(qint(f, "SELECT count(*) FROM agents.agent_runs r WHERE r.started_at IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM agents.tool_calls c WHERE c.tenant_id = r.tenant_id"
		" AND c.run_id = r.id)"), 0);
	/* Each audit chain links: entry n's prev_hash is entry n - 1's hash. */
	assert_int_equal(qint(f, "SELECT count(*) FROM audit.audit_log l WHERE l.prev_hash IS DISTINCT FROM"
		" (SELECT p.hash FROM audit.audit_log p WHERE p.tenant_id = l.tenant_id AND p.seq = l.seq - 1)"),
		0);
	/* And every tenant's chain verifies in strata's ledger form (migration 0015). */
	{
		strata_result *tenants = rows(f, "SELECT tenant_id::text, count(*) FROM audit.audit_log GROUP BY 1 ORDER BY 1");
		int t;

		assert_int_equal(strata_result_nrows(tenants), 3);
		for (t = 0; t < strata_result_nrows(tenants); t++) {
			strata_audit_verify_options o;
			strata_audit_verify_result r;
			strata_error err = STRATA_ERROR_INIT;

			memset(&o, 0, sizeof(o));
			o.table = "audit.audit_log";
			o.chain_column = "tenant_id";
			o.time_column = "occurred_at";
			o.chain = strata_result_value(tenants, t, 0);
			th_ok(strata_audit_verify(f->c, &o, &r, &err), &err);
			if (r.kind != STRATA_AUDIT_INTACT)
				fail_msg("tenant %s: broken at %lld: %s", o.chain, (long long)r.seq, r.detail);
			assert_int_equal(r.entries, num(strata_result_value(tenants, t, 1), "count"));
		}
		/* The application appends through audit.append (its tenant only) and may not rewrite. */
		{
			strata_audit_verify_options o;
			strata_audit_verify_result r;
			strata_error err = STRATA_ERROR_INIT;
			char sql[256];

			th_exec(f->c, "BEGIN");
			th_exec(f->c, "SET LOCAL ROLE platform_app");
			snprintf(sql, sizeof(sql), "SELECT strata_tenant.set('%s'::uuid)", strata_result_value(tenants, 0, 0));
			th_exec(f->c, sql);
			th_exec(f->c, "SELECT audit.append('user:test', 'test.append', NULL, '{\"n\": 1.50}')");
			assert_int_not_equal(strata_conn_exec(f->c, "SAVEPOINT s; UPDATE audit.audit_log SET actor = 'x'", &err), 0);
			th_exec(f->c, "ROLLBACK TO SAVEPOINT s");
			th_exec(f->c, "RESET ROLE");
			memset(&o, 0, sizeof(o));
			o.table = "audit.audit_log";
			o.chain_column = "tenant_id";
			o.time_column = "occurred_at";
			o.chain = strata_result_value(tenants, 0, 0);
			th_ok(strata_audit_verify(f->c, &o, &r, &err), &err);
			assert_int_equal(r.kind, STRATA_AUDIT_INTACT);
			assert_int_equal(r.entries, num(strata_result_value(tenants, 0, 1), "count") + 1);
			th_exec(f->c, "ROLLBACK");
		}
		strata_result_free(tenants);
	}
}

/* ------------------------------------------------------------------------
 * 3. envelope hashes
 * ------------------------------------------------------------------------ */

static void envelope_hashes_are_sha256_of_the_canonical_form(void **state)
{
	fx *f = *state;
	strata_result *res = rows(f, "SELECT id, envelope::text, envelope_hash FROM agents.messages ORDER BY id");
	int i;

	assert_true(strata_result_nrows(res) >= 6);
	for (i = 0; i < strata_result_nrows(res); i++) {
		const char *id = strata_result_value(res, i, 0), *env = strata_result_value(res, i, 1);
		strata_error err = STRATA_ERROR_INIT;
		char hex[65];

		/* libstrata's RFC 8785 canonical form (src/jcs), from the stored jsonb's text. */
		th_ok(strata_jcs_sha256(hex, env, strlen(env), &err), &err);
		if (strcmp(hex, strata_result_value(res, i, 2)) != 0)
			fail_msg("message %s: envelope_hash %s, but SHA-256 of the canonical form of %s is %s", id,
				strata_result_value(res, i, 2), env, hex);
	}
	strata_result_free(res);
}

/* ------------------------------------------------------------------------
 * 4. tenancy check and probe on the seeded database
 * ------------------------------------------------------------------------ */

static void seeded_database_is_isolated(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_error_t jerr;
	json_t *doc, *summary;

	STRATA(&r, f, 0, "tenancy", "check");
	assert_non_null(strstr(strata_buf_cstr(&r.out), " tables checked, 0 findings\n"));

	STRATA(&r, f, 0, "tenancy", "probe", "--format", "json");
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	if (doc == NULL)
		fail_msg("probe JSON: %s\n%s", jerr.text, strata_buf_cstr(&r.out));
	summary = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(summary, "rows_leaked")), 0);
	assert_int_equal(json_integer_value(json_object_get(summary, "writes_accepted")), 0);
	assert_true(json_integer_value(json_object_get(summary, "tables")) >= 18);
	assert_int_equal(json_integer_value(json_object_get(summary, "roles")), 2);
	json_decref(doc);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(seeding_again_leaves_identical_contents, setup_seeded, teardown),
		cmocka_unit_test_setup_teardown(every_tenant_has_the_data_the_platform_needs, setup_seeded,
			teardown),
		cmocka_unit_test_setup_teardown(envelope_hashes_are_sha256_of_the_canonical_form, setup_seeded,
			teardown),
		cmocka_unit_test_setup_teardown(seeded_database_is_isolated, setup_seeded, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
