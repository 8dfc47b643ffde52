/*
 * test_platform_schema.c: the reference platform schema (schema/platform),
 * migrated by the strata binary on a fresh database per test, then checked
 * through the catalog and through the roles the platform defines.
 *
 *   1. up, down one step at a time, up again: every down restores the
 *      catalog of the step before exactly, nothing of the platform remains at
 *      the bottom, and up again gives the first catalog back;
 *   2. the rules of the schema, read from the catalog: comments on every
 *      table and column, ENABLE + FORCE row-level security and the four
 *      policies on every tenant-scoped table, keys and indexes led by
 *      tenant_id, composite references, owners and privileges of the roles;
 *   3. row-level security, for every tenant-scoped table the catalog lists
 *      (so a new table is covered without touching this file) and every
 *      command: as platform_app with tenant A set, tenant B's rows cannot be
 *      seen, changed, deleted or inserted; with no tenant, nothing at all;
 *   4. the pooled-connection rule: a session-level strata.tenant (left over
 *      or forged) is never honoured in a later transaction, and a forged
 *      value bound to the current one is an error, not a tenant;
 *   5. the run and tool-call state machine, every (from, to) pair; tool
 *      calls idempotent by (tenant_id, run_id, idempotency_key);
 *   6. envelope_hash accepts 64 lowercase hex characters only;
 *   7. classification.yaml covers every column and names no other, and
 *      docs/platform-schema.md documents every table and column.
 *
 * Tests 3 to 6 load tests/data/platform/fixture.sql: tenants A and B with a
 * row of every tenant-scoped table each.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"
#include "config/config_int.h"

#define PROJECT "schema/platform"
#define TENANT_A "aaaaaaaa-0000-4000-8000-000000000001"
#define TENANT_B "bbbbbbbb-0000-4000-8000-000000000002"

/* The schemas the platform creates; nothing else of it may remain after a full down. */
#define PLATFORM_SCHEMAS "'core', 'agents', 'audit', 'strata_tenant'"
/* The schemas whose tables hold data (classification covers their columns). */
#define DATA_SCHEMAS "'core', 'agents', 'audit'"

/* Tenant-scoped tables: those with a tenant_id column, in any non-system schema. */
#define TENANT_TABLES_SQL \
	"SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" \
	" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped" \
	" WHERE c.relkind IN ('r', 'p')" \
	" AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata') AND n.nspname !~ '^pg_'"

/* ------------------------------------------------------------------------
 * Fixture: a fresh database, the project in the source tree, a superuser session
 * ------------------------------------------------------------------------ */

typedef struct fx {
	char *url;
	char env_url[1024];
	char *project;
	strata_conn *c;
} fx;

static int setup_bare(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	f->url = th_db_create("platform");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	f->project = cli_source_path(PROJECT);
	f->c = th_connect(f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	strata_conn_close(f->c);
	th_db_drop(f->url);
	free(f->url);
	free(f->project);
	free(f);
	return 0;
}

/* Runs `strata -C <project> migrate <args>`; the exit code must be want. */
static void migrate_v(cli_result *r, fx *f, int want, int line, ...)
{
	const char *env[32] = { CLI_CLEAN_ENV };
	const char *argv[40];
	const char *a;
	size_t n = 0, k = 0;
	va_list ap;

	while (env[n] != NULL)
		n++;
	env[n++] = f->env_url;
	env[n] = NULL;
	argv[k++] = "-C";
	argv[k++] = f->project;
	argv[k++] = "migrate";
	va_start(ap, line);
	while ((a = va_arg(ap, const char *)) != NULL && k < 39)
		argv[k++] = a;
	va_end(ap);
	argv[k] = NULL;
	cli_result_free(r);
	cli_run(r, NULL, env, argv);
	if (r->status != want)
		fail_msg("line %d: strata migrate %s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", line,
			argv[3] ? argv[3] : "", r->status, want, strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
}

#define MIG(r, f, want, ...) migrate_v((r), (f), (want), __LINE__, __VA_ARGS__, (const char *)NULL)

static void migrate_up(fx *f)
{
	cli_result r = { 0 };

	MIG(&r, f, 0, "up");
	cli_result_free(&r);
}

static void load_fixture(fx *f)
{
	char *path = cli_source_path("tests/data/platform/fixture.sql");
	char *sql = cli_read_file(path);

	th_exec(f->c, sql);
	free(sql);
	free(path);
}

static int setup_migrated(void **state)
{
	setup_bare(state);
	migrate_up(*state);
	return 0;
}

static int setup_fixture(void **state)
{
	setup_migrated(state);
	load_fixture(*state);
	return 0;
}

/* ------------------------------------------------------------------------
 * SQL helpers
 * ------------------------------------------------------------------------ */

/* The first value of the first row of a formatted query, "NULL" for SQL NULL (free with free()). */
static char *q(fx *f, const char *fmt, ...) STRATA_PRINTF(2, 3);
static char *q(fx *f, const char *fmt, ...)
{
	strata_buf sql = STRATA_BUF_INIT;
	char *v, *copy;
	va_list ap;

	va_start(ap, fmt);
	strata_buf_vprintf(&sql, fmt, ap);
	va_end(ap);
	v = th_value(f->c, strata_buf_cstr(&sql));
	copy = strdup(v != NULL ? v : "NULL");
	strata_free(v);
	strata_buf_release(&sql);
	return copy;
}

static void q_eq(fx *f, const char *sql, const char *want, int line)
{
	char *got = q(f, "%s", sql);

	if (strcmp(got, want) != 0)
		fail_msg("line %d: %s\n  gave '%s', expected '%s'", line, sql, got, want);
	free(got);
}

#define Q_EQ(f, sql, want) q_eq((f), (sql), (want), __LINE__)

/*
 * What running sql did, in a form that compares with an expectation: the
 * command tag ("UPDATE 0"), the first value when rows came back ("=3"), or the
 * SQLSTATE and message of the error ("42501 new row violates ...").
 */
static void outcome(fx *f, const char *sql, char *out, size_t outsz)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *res = NULL;

	if (strata_conn_query(&res, f->c, sql, 0, NULL, &err) != 0)
		snprintf(out, outsz, "%s %s", err.sqlstate, err.message);
	else if (strata_result_ncols(res) > 0 && strata_result_nrows(res) > 0)
		snprintf(out, outsz, "=%s", strata_result_value(res, 0, 0) ? strata_result_value(res, 0, 0) : "NULL");
	else
		snprintf(out, outsz, "%s", strata_result_tag(res));
	strata_result_free(res);
}

/* Starts a transaction as role (NULL: stay superuser) with tenant set (NULL: none). */
static void begin_as(fx *f, const char *role, const char *tenant)
{
	strata_buf sql = STRATA_BUF_INIT;

	strata_buf_puts(&sql, "BEGIN;");
	if (role != NULL)
		strata_buf_printf(&sql, " SET LOCAL ROLE %s;", role);
	if (tenant != NULL)
		strata_buf_printf(&sql, " SELECT strata_tenant.set('%s');", tenant);
	th_exec(f->c, strata_buf_cstr(&sql));
	strata_buf_release(&sql);
}

static void rollback(fx *f)
{
	th_exec(f->c, "ROLLBACK");
}

/*
 * Runs sql in a transaction of its own as role with tenant, and checks that
 * its outcome starts with want. A mismatch is added to bad.
 */
static void expect_in_tx(fx *f, strata_buf *bad, const char *role, const char *tenant, const char *sql,
	const char *want)
{
	char got[700];

	begin_as(f, role, tenant);
	outcome(f, sql, got, sizeof(got));
	rollback(f);
	if (strncmp(got, want, strlen(want)) != 0)
		strata_buf_printf(bad, "  as %s, tenant %s: %s\n    gave '%s', expected '%s...'\n", role ? role : "superuser",
			tenant == NULL ? "none" : strcmp(tenant, TENANT_A) == 0 ? "A" : tenant, sql, got, want);
}

#define RLS_REFUSED "42501 new row violates row-level security policy"
#define PERMISSION_DENIED "42501 permission denied"

static void fail_if_bad(strata_buf *bad, const char *what)
{
	char msg[16384];

	snprintf(msg, sizeof(msg), "%s", strata_buf_cstr(bad));
	strata_buf_release(bad);
	if (msg[0] != '\0')
		fail_msg("%s:\n%s", what, msg);
}

/* Splits a space-separated list in place; returns the count (at most max). */
static size_t split_words(char *s, char **out, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		out[n++] = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if (*s == ' ')
			*s++ = '\0';
	}
	return n;
}

/* ------------------------------------------------------------------------
 * 1. up, down step by step, up again
 * ------------------------------------------------------------------------ */

/*
 * Everything of a database's schemas but the ledger's, one object a line,
 * sorted: schemas, relations (owner, ACL, row-level security, options),
 * columns, constraints, indexes, policies, triggers, functions (whole
 * definitions), types, extensions, default privileges, the database's ACL,
 * and every comment. Two databases with equal snapshots look the same to
 * anything that uses them.
 */
static const char snapshot_sql[] =
	"WITH ns AS ("
	"  SELECT oid, nspname FROM pg_namespace"
	"  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'strata')"
	"    AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
	"), rel AS ("
	"  SELECT c.oid, ns.nspname || '.' || c.relname AS name, c.relkind, c.relowner, c.relacl,"
	"    c.relrowsecurity, c.relforcerowsecurity, c.reloptions"
	"  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
	"), line AS ("
	"  SELECT 'schema ' || nspname || ' owner=' || pg_get_userbyid(n.nspowner)"
	"    || ' acl=' || coalesce(n.nspacl::text, '-')"
	"    || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-') AS l"
	"  FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns)"
	"  UNION ALL"
	"  SELECT 'rel ' || r.name || ' kind=' || r.relkind::text || ' owner=' || pg_get_userbyid(r.relowner)"
	"    || ' acl=' || coalesce(r.relacl::text, '-') || ' rls=' || r.relrowsecurity || '/' || r.relforcerowsecurity"
	"    || ' options=' || coalesce(r.reloptions::text, '-')"
	"    || ' comment=' || coalesce(obj_description(r.oid, 'pg_class'), '-')"
	"  FROM rel r"
	"  UNION ALL"
	"  SELECT 'column ' || r.name || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
	"    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
	"    || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' acl=' || coalesce(a.attacl::text, '-')"
	"    || ' comment=' || coalesce(col_description(r.oid, a.attnum), '-')"
	"  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped"
	"  LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum"
	"  UNION ALL"
	"  SELECT 'constraint ' || r.name || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid)"
	"    || ' comment=' || coalesce(obj_description(co.oid, 'pg_constraint'), '-')"
	"  FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid"
	"  UNION ALL"
	"  SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rel r ON r.oid = i.indrelid"
	"  UNION ALL"
	"  SELECT 'policy ' || r.name || '.' || p.polname || ' cmd=' || p.polcmd::text || ' permissive=' || p.polpermissive"
	"    || ' roles=' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x) END, ',' ORDER BY 1)"
	"                     FROM unnest(p.polroles) AS x)"
	"    || ' using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')"
	"    || ' check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')"
	"  FROM pg_policy p JOIN rel r ON r.oid = p.polrelid"
	"  UNION ALL"
	"  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text"
	"    || ' comment=' || coalesce(obj_description(t.oid, 'pg_trigger'), '-')"
	"  FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal"
	"  UNION ALL"
	"  SELECT 'function ' || p.oid::regprocedure::text || ' owner=' || pg_get_userbyid(p.proowner)"
	"    || ' acl=' || coalesce(p.proacl::text, '-') || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')"
	"    || ' ' || pg_get_functiondef(p.oid)"
	"  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')"
	"  UNION ALL"
	"  SELECT 'type ' || t.oid::regtype::text || ' owner=' || pg_get_userbyid(t.typowner)"
	"  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
	"  WHERE t.typcategory <> 'A' AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')"
	"  UNION ALL"
	"  SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension"
	"  UNION ALL"
	"  SELECT 'default_acl ' || pg_get_userbyid(defaclrole) || ' ' || defaclobjtype::text || ' ' || defaclacl::text"
	"  FROM pg_default_acl"
	"  UNION ALL"
	"  SELECT 'database acl=' || coalesce(datacl::text, '-') FROM pg_database WHERE datname = current_database()"
	")"
	"SELECT coalesce(string_agg(l, E'\\n' ORDER BY l), '') || E'\\n(' || count(*) || ' catalog lines)' FROM line";

static char *snapshot(fx *f)
{
	return q(f, "%s", snapshot_sql);
}

/* Fails with the first line where two snapshots differ. */
static void same_catalog(const char *want, const char *got, const char *what)
{
	const char *a = want, *b = got;

	if (strcmp(want, got) == 0)
		return;
	for (;;) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);

		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("%s: the catalog differs\n  expected: %.*s\n  found:    %.*s", what,
				(int)(la > 600 ? 600 : la), a, (int)(lb > 600 ? 600 : lb), b);
		if (ea == NULL || eb == NULL)
			break;
		a = ea + 1;
		b = eb + 1;
	}
	fail_msg("%s: the catalog differs in length", what);
}

/* The number of *.up.sql files of the track. */
static int count_migrations(fx *f)
{
	strata_buf dir = STRATA_BUF_INIT;
	struct dirent *e;
	DIR *d;
	int n = 0;

	strata_buf_printf(&dir, "%s/migrations/operational", f->project);
	d = opendir(strata_buf_cstr(&dir));
	if (d == NULL)
		fail_msg("cannot open '%s'", strata_buf_cstr(&dir));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 7 && strcmp(e->d_name + len - 7, ".up.sql") == 0)
			n++;
	}
	closedir(d);
	strata_buf_release(&dir);
	return n;
}

#define MAX_MIGRATIONS 64

static void up_down_up_restores_every_step(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	char *snap[MAX_MIGRATIONS + 1] = { 0 };
	char what[128], *again;
	int n = count_migrations(f), k;

	assert_true(n >= 10 && n <= MAX_MIGRATIONS);
	MIG(&r, f, 0, "validate");
	assert_non_null(strstr(strata_buf_cstr(&r.out), "valid"));

	snap[0] = snapshot(f);
	for (k = 1; k <= n; k++) {
		MIG(&r, f, 0, "up", "--steps", "1");
		snap[k] = snapshot(f);
		if (strcmp(snap[k], snap[k - 1]) == 0)
			fail_msg("migration %d changed nothing in the catalog", k);
	}
	MIG(&r, f, 0, "up");
	assert_non_null(strstr(strata_buf_cstr(&r.err), "nothing to do"));
	MIG(&r, f, 0, "status");

	for (k = n; k >= 1; k--) {
		char *now;

		MIG(&r, f, 0, "down");
		now = snapshot(f);
		snprintf(what, sizeof(what), "after reverting migration %d of %d", k, n);
		same_catalog(snap[k - 1], now, what);
		free(now);
	}

	/* Nothing of the platform remains in the database. */
	Q_EQ(f, "SELECT count(*) FROM pg_namespace WHERE nspname IN (" PLATFORM_SCHEMAS ")", "0");
	Q_EQ(f, "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid"
		" WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
		" AND r.rolname IN ('platform_owner', 'platform_app', 'platform_readonly', 'platform_backup')", "0");
	Q_EQ(f, "SELECT count(*) FROM strata.history", "0");

	MIG(&r, f, 0, "up");
	again = snapshot(f);
	same_catalog(snap[n], again, "after up, down to nothing and up again");
	free(again);
	for (k = 0; k <= n; k++)
		free(snap[k]);
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 2. The rules of the schema, from the catalog
 * ------------------------------------------------------------------------ */

/* A query listing violations, one a line: must list none. */
static void none(fx *f, strata_buf *bad, const char *rule, const char *sql)
{
	char *got = q(f, "SELECT coalesce(string_agg(v, E'\\n    ' ORDER BY v), '') FROM (%s) AS s (v)", sql);

	if (got[0] != '\0')
		strata_buf_printf(bad, "  %s:\n    %s\n", rule, got);
	free(got);
}

static void schema_follows_its_rules(void **state)
{
	fx *f = *state;
	strata_buf bad = STRATA_BUF_INIT;

	Q_EQ(f, "SELECT count(*) >= 18 FROM (" TENANT_TABLES_SQL ") AS t", "t");

	none(f, &bad, "tables without a comment",
		"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
		" AND obj_description(c.oid, 'pg_class') IS NULL");
	none(f, &bad, "columns without a comment",
		"SELECT c.oid::regclass::text || '.' || a.attname FROM pg_class c"
		" JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
		" AND col_description(c.oid, a.attnum) IS NULL");
	none(f, &bad, "schemas and functions without a comment",
		"SELECT nspname FROM pg_namespace WHERE nspname IN (" PLATFORM_SCHEMAS ")"
		" AND obj_description(oid, 'pg_namespace') IS NULL"
		" UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND obj_description(p.oid, 'pg_proc') IS NULL");

	/* Row-level security. */
	none(f, &bad, "tenant-scoped tables without ENABLE and FORCE row level security",
		"SELECT c.oid::regclass::text FROM pg_class c WHERE c.oid IN (" TENANT_TABLES_SQL ")"
		" AND NOT (c.relrowsecurity AND c.relforcerowsecurity)");
	none(f, &bad, "policies missing, extra or different from <table>_tenant_<command> on tenant_id = strata_tenant.current()",
		"WITH want AS ("
		"  SELECT t.oid AS rel, c.relname || '_tenant_' || x.name AS polname, x.cmd,"
		"    CASE WHEN x.cmd <> 'a' THEN k.expr END AS qual, CASE WHEN x.cmd IN ('a', 'w') THEN k.expr END AS chk"
		"  FROM (" TENANT_TABLES_SQL " UNION ALL SELECT 'core.tenants'::regclass) AS t (oid)"
		"  JOIN pg_class c ON c.oid = t.oid"
		"  CROSS JOIN LATERAL (SELECT CASE WHEN t.oid = 'core.tenants'::regclass"
		"    THEN '(id = strata_tenant.current())' ELSE '(tenant_id = strata_tenant.current())' END) AS k (expr)"
		"  CROSS JOIN (VALUES ('select', 'r'), ('insert', 'a'), ('update', 'w'), ('delete', 'd')) AS x (name, cmd)"
		"), have AS ("
		"  SELECT p.polrelid AS rel, p.polname::text, p.polcmd::text AS cmd, pg_get_expr(p.polqual, p.polrelid) AS qual,"
		"    pg_get_expr(p.polwithcheck, p.polrelid) AS chk, p.polpermissive AND p.polroles = '{0}' AS plain"
		"  FROM pg_policy p"
		"  WHERE p.polrelid IN (SELECT rel FROM want)"
		")"
		" SELECT coalesce(w.rel, h.rel)::regclass::text || ' ' || coalesce(w.polname, h.polname)"
		"   || CASE WHEN h.rel IS NULL THEN ': missing' WHEN w.rel IS NULL THEN ': not expected'"
		"      ELSE ': cmd ' || h.cmd || ', using ' || coalesce(h.qual, '-') || ', check ' || coalesce(h.chk, '-') END"
		" FROM want w FULL JOIN have h ON h.rel = w.rel AND h.polname = w.polname"
		" WHERE h.rel IS NULL OR w.rel IS NULL OR h.cmd <> w.cmd OR h.qual IS DISTINCT FROM w.qual"
		"   OR h.chk IS DISTINCT FROM w.chk OR NOT h.plain");

	/* Keys, references and indexes. */
	none(f, &bad, "tenant_id that is not uuid NOT NULL referencing core.tenants (id)",
		"SELECT c.oid::regclass::text FROM pg_class c"
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
		" WHERE c.oid IN (" TENANT_TABLES_SQL ") AND (a.atttypid <> 'uuid'::regtype OR NOT a.attnotnull"
		"  OR NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'f'"
		"    AND k.confrelid = 'core.tenants'::regclass AND k.conkey = ARRAY[a.attnum]))");
	none(f, &bad, "primary keys and unique constraints not led by tenant_id",
		"SELECT k.conname::text FROM pg_constraint k"
		" JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attname = 'tenant_id'"
		" WHERE k.conrelid IN (" TENANT_TABLES_SQL ") AND k.contype IN ('p', 'u') AND k.conkey[1] <> a.attnum"
		" UNION ALL SELECT c.oid::regclass::text || ': no primary key' FROM pg_class c"
		" WHERE c.oid IN (" TENANT_TABLES_SQL ") AND NOT EXISTS (SELECT FROM pg_constraint k"
		"   WHERE k.conrelid = c.oid AND k.contype = 'p')");
	none(f, &bad, "references between tenant tables that are not composite (tenant_id, x) -> (tenant_id, id)",
		"SELECT k.conname::text FROM pg_constraint k"
		" JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attname = 'tenant_id'"
		" JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attname = 'tenant_id'"
		" WHERE k.contype = 'f' AND k.conrelid IN (" TENANT_TABLES_SQL ")"
		" AND (k.conkey[1] <> a.attnum OR k.confkey[1] <> b.attnum OR cardinality(k.conkey) < 2)");
	/*
	 * The exception: GIN indexes on one jsonb column (messages.envelope,
	 * audit_log.payload, memory_items.value, model_registry.parameters).
	 * A GIN index cannot lead with a uuid without the btree_gin extension;
	 * the planner combines it with a tenant_id index, and the policy filters.
	 */
	none(f, &bad, "indexes on tenant tables not led by tenant_id (GIN on one jsonb column excepted)",
		"SELECT i.indexrelid::regclass::text FROM pg_index i"
		" JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = 'tenant_id'"
		" JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam"
		" WHERE i.indrelid IN (" TENANT_TABLES_SQL ") AND i.indkey[0] <> a.attnum"
		" AND NOT (am.amname = 'gin' AND i.indnatts = 1 AND (SELECT atttypid FROM pg_attribute"
		"   WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) = 'jsonb'::regtype)");
	none(f, &bad, "timestamp without time zone, json, or ids that are not uuid",
		"SELECT c.oid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
		" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
		" WHERE n.nspname IN (" DATA_SCHEMAS ") AND c.relkind = 'r'"
		" AND (a.atttypid IN ('timestamp'::regtype, 'json'::regtype)"
		"   OR ((a.attname = 'id' OR a.attname LIKE '%\\_id') AND a.atttypid <> 'uuid'::regtype))");
	none(f, &bad, "envelope_hash that is not char(64) NOT NULL",
		"SELECT 'agents.messages.envelope_hash' WHERE NOT EXISTS (SELECT FROM pg_attribute"
		" WHERE attrelid = 'agents.messages'::regclass AND attname = 'envelope_hash'"
		" AND format_type(atttypid, atttypmod) = 'character(64)' AND attnotnull)");

	/* Owners, roles, privileges. */
	none(f, &bad, "platform objects not owned by platform_owner",
		"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND pg_get_userbyid(c.relowner) <> 'platform_owner'"
		" UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND pg_get_userbyid(p.proowner) <> 'platform_owner'"
		" UNION ALL SELECT nspname FROM pg_namespace WHERE nspname IN (" PLATFORM_SCHEMAS ")"
		" AND pg_get_userbyid(nspowner) <> 'platform_owner'");
	none(f, &bad, "roles with the wrong attributes",
		"SELECT rolname || ' super=' || rolsuper || ' bypassrls=' || rolbypassrls || ' login=' || rolcanlogin"
		" FROM pg_roles WHERE rolname LIKE 'platform\\_%' AND (rolsuper OR rolcanlogin"
		"   OR rolbypassrls <> (rolname = 'platform_backup'))"
		" UNION ALL SELECT r || ': missing' FROM unnest(ARRAY['platform_owner', 'platform_app',"
		"   'platform_readonly', 'platform_backup']) AS r WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)");
	none(f, &bad, "platform_app owns something",
		"SELECT classid::regclass::text || ' ' || objid FROM pg_shdepend"
		" WHERE deptype = 'o' AND refobjid = 'platform_app'::regrole"
		" AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
	none(f, &bad, "privileges on tenant tables different from the contract",
		"SELECT c.oid::regclass::text || ' ' || r || ' ' || p || ': ' || has_table_privilege(r, c.oid, p)"
		" FROM pg_class c CROSS JOIN unnest(ARRAY['platform_app', 'platform_readonly', 'platform_backup']) AS r"
		" CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p"
		" WHERE c.oid IN (" TENANT_TABLES_SQL ") AND has_table_privilege(r, c.oid, p) <> CASE"
		"   WHEN p = 'SELECT' THEN true"
		"   WHEN r <> 'platform_app' OR p NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN false"
		"   WHEN c.oid = 'audit.audit_log'::regclass THEN p = 'INSERT'"
		"   ELSE true END");
	none(f, &bad, "strata_tenant functions different from the contract",
		"SELECT 'set: ' || prosecdef || ' ' || coalesce(proconfig::text, '-') || ' ' || provolatile::text"
		" FROM pg_proc WHERE oid = 'strata_tenant.set(uuid)'::regprocedure"
		" AND NOT (prosecdef AND proconfig = '{\"search_path=pg_catalog, pg_temp\"}'"
		"   AND prorettype = 'void'::regtype)"
		" UNION ALL SELECT 'current: ' || provolatile::text || ' ' || prorettype::regtype::text"
		" FROM pg_proc WHERE oid = 'strata_tenant.current()'::regprocedure"
		" AND NOT (provolatile = 's' AND prorettype = 'uuid'::regtype AND NOT prosecdef)"
		" UNION ALL SELECT p.oid::regprocedure::text || ': SECURITY DEFINER without a search_path'"
		" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND p.prosecdef"
		" AND NOT coalesce(p.proconfig::text LIKE '%search\\_path=pg\\_catalog, pg\\_temp%', false)"
		" UNION ALL SELECT 'platform_app cannot execute ' || x FROM unnest(ARRAY['strata_tenant.set(uuid)',"
		"   'strata_tenant.current()']) AS x WHERE NOT has_function_privilege('platform_app', x, 'EXECUTE')"
		" UNION ALL SELECT 'PUBLIC can execute strata_tenant.set(uuid)' FROM pg_proc"
		" WHERE oid = 'strata_tenant.set(uuid)'::regprocedure AND (proacl IS NULL OR proacl::text LIKE '%{=X%'"
		"   OR proacl::text LIKE '%,=X%')");
	none(f, &bad, "views over tenant tables without security_invoker",
		"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname IN (" PLATFORM_SCHEMAS ") AND c.relkind IN ('v', 'm')"
		" AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)");
	fail_if_bad(&bad, "the platform schema breaks its rules");
}

/* ------------------------------------------------------------------------
 * 3. Row-level security on every tenant-scoped table
 * ------------------------------------------------------------------------ */

/*
 * An INSERT of a copy of one of tenant from's rows of table t, with tenant_id
 * changed to tenant to (built as superuser, run as anyone).
 */
static char *copy_row_insert(fx *f, const char *t, const char *from, const char *to)
{
	return q(f, "SELECT format('INSERT INTO %%s SELECT (jsonb_populate_record(NULL::%%s, %%L::jsonb)).*', '%s', '%s',"
		" to_jsonb(x) || jsonb_build_object('tenant_id', '%s'))"
		" FROM %s AS x WHERE tenant_id = '%s' ORDER BY x::text LIMIT 1", t, t, to, t, from);
}

static void rls_check_table(fx *f, strata_buf *bad, const char *t)
{
	strata_buf sql = STRATA_BUF_INIT;
	char *a_rows = q(f, "SELECT count(*) FROM %s WHERE tenant_id = '" TENANT_A "'", t);
	char *b_rows = q(f, "SELECT count(*) FROM %s WHERE tenant_id = '" TENANT_B "'", t);
	char *may_update = q(f, "SELECT has_table_privilege('platform_app', '%s', 'UPDATE')", t);
	char *may_delete = q(f, "SELECT has_table_privilege('platform_app', '%s', 'DELETE')", t);
	char *insert_b, *insert_a, want[64];
	size_t before = strlen(strata_buf_cstr(bad));

	if (strcmp(a_rows, "0") == 0 || strcmp(b_rows, "0") == 0) {
		strata_buf_printf(bad, "  %s: the fixture has no row for tenant %s: add one to"
			" tests/data/platform/fixture.sql\n", t, strcmp(a_rows, "0") == 0 ? "A" : "B");
		goto done;
	}
	insert_b = copy_row_insert(f, t, TENANT_A, TENANT_B);
	insert_a = copy_row_insert(f, t, TENANT_A, TENANT_A);

	/* Tenant A set: all of A, none of B. */
	snprintf(want, sizeof(want), "=%s", a_rows);
	strata_buf_printf(&sql, "SELECT count(*) FROM %s", t);
	expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), want);
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT count(*) FROM %s WHERE tenant_id = '" TENANT_B "'", t);
	expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), "=0");
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT count(*) FROM %s WHERE tenant_id IS DISTINCT FROM '" TENANT_A "'", t);
	expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), "=0");
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "UPDATE %s SET tenant_id = tenant_id WHERE tenant_id = '" TENANT_B "'", t);
	expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql),
		strcmp(may_update, "t") == 0 ? "UPDATE 0" : PERMISSION_DENIED);
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "DELETE FROM %s WHERE tenant_id = '" TENANT_B "'", t);
	expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql),
		strcmp(may_delete, "t") == 0 ? "DELETE 0" : PERMISSION_DENIED);
	if (strcmp(may_update, "t") == 0) {
		/* Moving one's own row to B is refused by WITH CHECK. */
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "UPDATE %s SET tenant_id = '" TENANT_B "' WHERE tenant_id = '" TENANT_A "'", t);
		expect_in_tx(f, bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), RLS_REFUSED);
	}
	expect_in_tx(f, bad, "platform_app", TENANT_A, insert_b, RLS_REFUSED);

	/* No tenant: nothing visible, nothing writable. */
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT count(*) FROM %s", t);
	expect_in_tx(f, bad, "platform_app", NULL, strata_buf_cstr(&sql), "=0");
	expect_in_tx(f, bad, "platform_app", NULL, insert_a, RLS_REFUSED);
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "UPDATE %s SET tenant_id = tenant_id", t);
	expect_in_tx(f, bad, "platform_app", NULL, strata_buf_cstr(&sql),
		strcmp(may_update, "t") == 0 ? "UPDATE 0" : PERMISSION_DENIED);
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "DELETE FROM %s", t);
	expect_in_tx(f, bad, "platform_app", NULL, strata_buf_cstr(&sql),
		strcmp(may_delete, "t") == 0 ? "DELETE 0" : PERMISSION_DENIED);

	/* platform_readonly: A's rows with A set, and no writes at all. */
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT count(*) FROM %s", t);
	expect_in_tx(f, bad, "platform_readonly", TENANT_A, strata_buf_cstr(&sql), want);
	expect_in_tx(f, bad, "platform_readonly", NULL, strata_buf_cstr(&sql), "=0");
	expect_in_tx(f, bad, "platform_readonly", TENANT_A, insert_a, PERMISSION_DENIED);

	/* platform_backup bypasses row-level security, for pg_dump. */
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT count(*) FILTER (WHERE tenant_id IN ('" TENANT_A "', '" TENANT_B "')) FROM %s", t);
	{
		char both[80];
		char *total = q(f, "SELECT count(*) FROM %s WHERE tenant_id IN ('" TENANT_A "', '" TENANT_B "')", t);

		snprintf(both, sizeof(both), "=%s", total);
		expect_in_tx(f, bad, "platform_backup", NULL, strata_buf_cstr(&sql), both);
		free(total);
	}
	free(insert_a);
	free(insert_b);
done:
	if (strlen(strata_buf_cstr(bad)) > before)
		strata_buf_printf(bad, "  (in %s)\n", t);
	free(a_rows);
	free(b_rows);
	free(may_update);
	free(may_delete);
	strata_buf_release(&sql);
}

static void rls_isolates_every_tenant_table(void **state)
{
	fx *f = *state;
	strata_buf bad = STRATA_BUF_INIT;
	char *list = q(f, "SELECT string_agg(oid::regclass::text, ' ' ORDER BY oid::regclass::text) FROM ("
		TENANT_TABLES_SQL ") AS t");
	char *tables[256];
	size_t n = split_words(list, tables, 256), i;

	assert_true(n >= 18);
	for (i = 0; i < n; i++)
		rls_check_table(f, &bad, tables[i]);

	/* core.tenants: a tenant sees and changes only its own row. */
	expect_in_tx(f, &bad, "platform_app", TENANT_A, "SELECT string_agg(slug, ',') FROM core.tenants", "=fx-a");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.tenants", "=0");
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"UPDATE core.tenants SET name = 'mine now' WHERE id = '" TENANT_B "'", "UPDATE 0");
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"UPDATE core.tenants SET name = 'renamed' WHERE id = '" TENANT_A "'", "UPDATE 1");
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"UPDATE core.tenants SET status = 'active' WHERE id = '" TENANT_A "'", PERMISSION_DENIED);
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"INSERT INTO core.tenants (slug, name) VALUES ('fx-c', 'C')", PERMISSION_DENIED);
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"DELETE FROM core.tenants WHERE id = '" TENANT_B "'", PERMISSION_DENIED);

	/* The built-in roles came with each tenant. */
	Q_EQ(f, "SELECT string_agg(t.slug || ':' || r.name, ',' ORDER BY t.slug, r.name) FROM core.rbac_roles r"
		" JOIN core.tenants t ON t.id = r.tenant_id WHERE r.built_in",
		"fx-a:Admin,fx-a:Planner,fx-a:Viewer,fx-b:Admin,fx-b:Planner,fx-b:Viewer");
	free(list);
	fail_if_bad(&bad, "row-level security lets something through");
}

/* ------------------------------------------------------------------------
 * 4. The pooled-connection rule
 * ------------------------------------------------------------------------ */

static void session_tenant_never_leaks_into_a_later_transaction(void **state)
{
	fx *f = *state;
	strata_buf bad = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	char *left_over, *binding;
	char got[600];

	/* A value set by set() and copied to session level (a pooled connection's leftover). */
	begin_as(f, "platform_app", TENANT_A);
	Q_EQ(f, "SELECT count(*) FROM core.users", "1");
	left_over = q(f, "SELECT current_setting('strata.tenant')");
	th_exec(f->c, "SELECT set_config('strata.tenant', current_setting('strata.tenant'), false)");
	th_exec(f->c, "COMMIT");
	strata_buf_printf(&sql, "SELECT current_setting('strata.tenant') = '%s'", left_over);
	Q_EQ(f, strata_buf_cstr(&sql), "t");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT strata_tenant.current()", "=NULL");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.users", "=0");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM agents.messages", "=0");
	expect_in_tx(f, &bad, "platform_app", NULL,
		"INSERT INTO core.users (tenant_id, email) VALUES ('" TENANT_A "', 'eve@fx-a.example')", RLS_REFUSED);

	/* SET strata.tenant at session level, with a binding taken from an earlier transaction. */
	binding = q(f, "SELECT strata_tenant.binding()");
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SET strata.tenant = '" TENANT_A "@%s'", binding);
	th_exec(f->c, strata_buf_cstr(&sql));
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.users", "=0");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.tenants", "=0");

	/* A bare tenant id, without a binding, is never honoured, not even in its own transaction. */
	th_exec(f->c, "SET strata.tenant = '" TENANT_A "'");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.users", "=0");
	begin_as(f, "platform_app", NULL);
	th_exec(f->c, "SET LOCAL strata.tenant = '" TENANT_A "'");
	outcome(f, "SELECT count(*) FROM core.users", got, sizeof(got));
	rollback(f);
	if (strcmp(got, "=0") != 0)
		strata_buf_printf(&bad, "  a bare SET LOCAL strata.tenant was honoured: %s\n", got);
	th_exec(f->c, "RESET strata.tenant");

	/*
	 * A value carrying this transaction's binding is taken to be set()'s
	 * (migration 0014): one forged on purpose around something other than a
	 * uuid is an error, never a tenant.
	 */
	begin_as(f, "platform_app", NULL);
	th_exec(f->c, "SELECT set_config('strata.tenant', 'not-a-tenant@' || strata_tenant.binding(), true)");
	outcome(f, "SELECT count(*) FROM core.users", got, sizeof(got));
	rollback(f);
	if (strncmp(got, "22P02", 5) != 0)
		strata_buf_printf(&bad, "  a forged value bound to this transaction gave %s\n", got);

	/* set() in one transaction is gone in the next, explicit or implicit. */
	begin_as(f, "platform_app", TENANT_A);
	th_exec(f->c, "COMMIT");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT count(*) FROM core.users", "=0");
	th_exec(f->c, "SET ROLE platform_app");
	th_exec(f->c, "SELECT strata_tenant.set('" TENANT_A "')");
	outcome(f, "SELECT count(*) FROM core.users", got, sizeof(got));
	th_exec(f->c, "RESET ROLE");
	if (strcmp(got, "=0") != 0)
		strata_buf_printf(&bad, "  set() outside a transaction block outlived its statement: %s\n", got);

	/* set() validates: unknown, inactive or null tenants are refused; a failed set() keeps the tenant. */
	expect_in_tx(f, &bad, "platform_app", NULL,
		"SELECT strata_tenant.set('cccccccc-0000-4000-8000-000000000003')",
		"28000 unknown tenant 'cccccccc-0000-4000-8000-000000000003'");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT strata_tenant.set(NULL)", "28000");
	th_exec(f->c, "UPDATE core.tenants SET status = 'suspended' WHERE id = '" TENANT_B "'");
	expect_in_tx(f, &bad, "platform_app", NULL, "SELECT strata_tenant.set('" TENANT_B "')",
		"28000 tenant '" TENANT_B "' is not active (status suspended)");
	begin_as(f, "platform_app", TENANT_A);
	th_exec(f->c, "SAVEPOINT s");
	outcome(f, "SELECT strata_tenant.set('" TENANT_B "')", got, sizeof(got));
	th_exec(f->c, "ROLLBACK TO SAVEPOINT s");
	outcome(f, "SELECT strata_tenant.current()", got, sizeof(got));
	rollback(f);
	if (strcmp(got, "=" TENANT_A) != 0)
		strata_buf_printf(&bad, "  a refused set() changed the tenant: %s\n", got);

	free(left_over);
	free(binding);
	strata_buf_release(&sql);
	fail_if_bad(&bad, "a tenant leaked from one transaction into another");
}

/* ------------------------------------------------------------------------
 * 5. State machine and idempotency
 * ------------------------------------------------------------------------ */

static const char *const states[] = { "pending", "running", "succeeded", "failed", "cancelled" };

/* The legal moves (besides staying put); the same graph as agents.enforce_state_machine(). */
static int legal(const char *from, const char *to)
{
	if (strcmp(from, to) == 0)
		return 1;
	if (strcmp(from, "pending") == 0)
		return strcmp(to, "running") == 0 || strcmp(to, "cancelled") == 0;
	if (strcmp(from, "running") == 0)
		return strcmp(to, "succeeded") == 0 || strcmp(to, "failed") == 0 || strcmp(to, "cancelled") == 0;
	return 0;
}

static void move(fx *f, const char *table, const char *where, const char *to, char *out, size_t outsz)
{
	strata_buf sql = STRATA_BUF_INIT;

	strata_buf_printf(&sql, "UPDATE %s SET state = '%s' WHERE %s", table, to, where);
	outcome(f, strata_buf_cstr(&sql), out, outsz);
	strata_buf_release(&sql);
}

static void state_machine_allows_only_the_documented_moves(void **state)
{
	static const char *const tables[] = { "agents.agent_runs", "agents.tool_calls" };
	fx *f = *state;
	strata_buf bad = STRATA_BUF_INIT, sql = STRATA_BUF_INIT, where = STRATA_BUF_INIT;
	char got[600];
	size_t t, i, j;

	for (t = 0; t < 2; t++) {
		for (i = 0; i < 5; i++) {
			for (j = 0; j < 5; j++) {
				const char *from = states[i], *to = states[j];
				char *id = q(f, "SELECT md5('%s/%s/%s')::uuid", tables[t], from, to);

				begin_as(f, "platform_app", TENANT_A);
				strata_buf_clear(&sql);
				if (t == 0)
					strata_buf_printf(&sql, "INSERT INTO agents.agent_runs (tenant_id, id, agent_id)"
						" VALUES ('" TENANT_A "', '%s', md5('" TENANT_A "/agent')::uuid)", id);
				else
					strata_buf_printf(&sql, "INSERT INTO agents.tool_calls (tenant_id, id, run_id, tool_id,"
						" idempotency_key) VALUES ('" TENANT_A "', '%s', md5('" TENANT_A "/run')::uuid,"
						" md5('" TENANT_A "/tool')::uuid, '%s-%s')", id, from, to);
				th_exec(f->c, strata_buf_cstr(&sql));
				strata_buf_clear(&where);
				strata_buf_printf(&where, "tenant_id = '" TENANT_A "' AND id = '%s'", id);
				/* Walk to from along legal moves. */
				if (strcmp(from, "pending") != 0) {
					const char *via = strcmp(from, "cancelled") == 0 ? from : "running";

					move(f, tables[t], strata_buf_cstr(&where), via, got, sizeof(got));
					if (strcmp(via, from) != 0 && strcmp(got, "UPDATE 1") == 0)
						move(f, tables[t], strata_buf_cstr(&where), from, got, sizeof(got));
					if (strcmp(got, "UPDATE 1") != 0) {
						strata_buf_printf(&bad, "  %s: cannot reach %s: %s\n", tables[t], from, got);
						rollback(f);
						free(id);
						continue;
					}
				}
				move(f, tables[t], strata_buf_cstr(&where), to, got, sizeof(got));
				if (legal(from, to) ? strcmp(got, "UPDATE 1") != 0
					: strncmp(got, "23514 illegal state transition", 30) != 0)
					strata_buf_printf(&bad, "  %s %s -> %s: %s (should be %s)\n", tables[t], from, to, got,
						legal(from, to) ? "allowed" : "refused");
				rollback(f);
				free(id);
			}
		}

		/* A new row starts pending; the stamps follow the state. */
		strata_buf_clear(&sql);
		if (t == 0)
			strata_buf_puts(&sql, "INSERT INTO agents.agent_runs (tenant_id, agent_id, state) VALUES"
				" ('" TENANT_A "', md5('" TENANT_A "/agent')::uuid, 'succeeded')");
		else
			strata_buf_puts(&sql, "INSERT INTO agents.tool_calls (tenant_id, run_id, tool_id, idempotency_key, state)"
				" VALUES ('" TENANT_A "', md5('" TENANT_A "/run')::uuid, md5('" TENANT_A "/tool')::uuid, 'x', 'running')");
		expect_in_tx(f, &bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), "23514 a new row of");
		begin_as(f, "platform_app", TENANT_A);
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "UPDATE %s SET state = 'running' WHERE tenant_id = '" TENANT_A "'"
			" RETURNING started_at IS NOT NULL AND finished_at IS NULL", tables[t]);
		outcome(f, strata_buf_cstr(&sql), got, sizeof(got));
		if (strcmp(got, "=t") != 0)
			strata_buf_printf(&bad, "  %s: running without started_at: %s\n", tables[t], got);
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "UPDATE %s SET state = 'failed', error = 'boom' WHERE tenant_id = '" TENANT_A "'"
			" RETURNING finished_at >= started_at", tables[t]);
		outcome(f, strata_buf_cstr(&sql), got, sizeof(got));
		if (strcmp(got, "=t") != 0)
			strata_buf_printf(&bad, "  %s: failed without finished_at: %s\n", tables[t], got);
		rollback(f);
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "UPDATE %s SET error = 'not failed' WHERE tenant_id = '" TENANT_A "'", tables[t]);
		expect_in_tx(f, &bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), "23514");
	}

	/* Tool calls are idempotent by (tenant_id, run_id, idempotency_key). */
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"INSERT INTO agents.tool_calls (tenant_id, run_id, tool_id, idempotency_key) VALUES"
		" ('" TENANT_A "', md5('" TENANT_A "/run')::uuid, md5('" TENANT_A "/tool')::uuid, 'call-1')",
		"23505 duplicate key value violates unique constraint \"tool_calls_idempotency_key\"");
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"INSERT INTO agents.tool_calls (tenant_id, run_id, tool_id, idempotency_key) VALUES"
		" ('" TENANT_A "', md5('" TENANT_A "/run')::uuid, md5('" TENANT_A "/tool')::uuid, 'call-1')"
		" ON CONFLICT ON CONSTRAINT tool_calls_idempotency_key DO NOTHING", "INSERT 0 0");
	expect_in_tx(f, &bad, "platform_app", TENANT_A,
		"INSERT INTO agents.tool_calls (tenant_id, run_id, tool_id, idempotency_key) VALUES"
		" ('" TENANT_A "', md5('" TENANT_A "/run')::uuid, md5('" TENANT_A "/tool')::uuid, 'call-1')"
		" ON CONFLICT (tenant_id, run_id, idempotency_key) DO UPDATE SET arguments = agents.tool_calls.arguments"
		" RETURNING id = md5('" TENANT_A "/call')::uuid", "=t");
	/* The same key in another run is another call. */
	begin_as(f, "platform_app", TENANT_A);
	th_exec(f->c, "INSERT INTO agents.agent_runs (tenant_id, id, agent_id) VALUES"
		" ('" TENANT_A "', md5('" TENANT_A "/run2')::uuid, md5('" TENANT_A "/agent')::uuid)");
	outcome(f, "INSERT INTO agents.tool_calls (tenant_id, run_id, tool_id, idempotency_key) VALUES"
		" ('" TENANT_A "', md5('" TENANT_A "/run2')::uuid, md5('" TENANT_A "/tool')::uuid, 'call-1')",
		got, sizeof(got));
	rollback(f);
	if (strcmp(got, "INSERT 0 1") != 0)
		strata_buf_printf(&bad, "  the same key in another run was refused: %s\n", got);

	strata_buf_release(&sql);
	strata_buf_release(&where);
	fail_if_bad(&bad, "the state machine or idempotency is wrong");
}

/* ------------------------------------------------------------------------
 * 6. envelope_hash
 * ------------------------------------------------------------------------ */

static void envelope_hash_takes_64_lowercase_hex_only(void **state)
{
	static const struct {
		const char *value;    /* SQL expression */
		const char *want;     /* outcome prefix */
	} cases[] = {
		{ "repeat('a', 63)", "23514" },
		{ "repeat('A', 64)", "23514" },
		{ "upper(encode(sha256('x'), 'hex'))", "23514" },
		{ "repeat('a', 63) || 'g'", "23514" },
		{ "' ' || repeat('a', 63)", "23514" },
		{ "repeat('a', 62) || ' a'", "23514" },
		{ "repeat('a', 65)", "22001" },
		{ "''", "23514" },
		{ "NULL", "23502" },
		{ "encode(sha256('x'), 'hex')", "INSERT 0 1" },
	};
	fx *f = *state;
	strata_buf bad = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_buf_clear(&sql);
		strata_buf_printf(&sql, "INSERT INTO agents.messages (tenant_id, conversation_id, seq, role, envelope,"
			" envelope_hash) VALUES ('" TENANT_A "', md5('" TENANT_A "/conversation')::uuid, 2, 'assistant',"
			" '{\"type\": \"text\"}', %s)", cases[i].value);
		expect_in_tx(f, &bad, "platform_app", TENANT_A, strata_buf_cstr(&sql), cases[i].want);
	}
	strata_buf_release(&sql);
	fail_if_bad(&bad, "envelope_hash takes a malformed value, or refuses a good one");
}

/* ------------------------------------------------------------------------
 * 7. Classification and the data dictionary
 * ------------------------------------------------------------------------ */

static int one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* forever, Nd, Ny, or until <words>. */
static int good_retention(const char *s)
{
	size_t n = 0;

	if (strcmp(s, "forever") == 0)
		return 1;
	if (strncmp(s, "until ", 6) == 0 && s[6] != '\0')
		return 1;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n > 0 && (s[n] == 'd' || s[n] == 'y') && s[n + 1] == '\0';
}

static const st_yaml_node *map_get(const st_yaml_node *map, const char *key)
{
	const st_yaml_node *v;

	if (map == NULL || map->kind != ST_YAML_MAP)
		return NULL;
	for (v = map->child; v != NULL; v = v->next)
		if (v->key != NULL && strcmp(v->key->text, key) == 0)
			return v;
	return NULL;
}

static void classification_covers_every_column(void **state)
{
	static const char *const classes[] = { "public", "internal", "confidential", "restricted", NULL };
	static const char *const booleans[] = { "true", "false", NULL };
	fx *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf bad = STRATA_BUF_INIT, listed = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	char *path = cli_source_path(PROJECT "/classification.yaml");
	char *text = cli_read_file(path);
	char *doc_path = cli_source_path("docs/platform-schema.md");
	char *doc = cli_read_file(doc_path);
	st_yaml_doc *yd = NULL;
	const st_yaml_node *tables, *t, *c;
	char *columns, *words[2048];
	size_t nwords, k;

	th_ok(st_yaml_parse(&yd, "classification.yaml", text, strlen(text), &err), &err);
	tables = map_get(st_yaml_root(yd), "tables");
	if (tables == NULL) {
		fail_msg("classification.yaml has no 'tables' mapping");
		return;
	}
	assert_int_equal(tables->kind, ST_YAML_MAP);

	/* Every entry well-formed; collect "table.column" as a VALUES list. */
	for (t = tables->child; t != NULL; t = t->next) {
		if (t->kind != ST_YAML_MAP) {
			strata_buf_printf(&bad, "  line %d: %s is not a mapping of columns\n", t->line, t->key->text);
			continue;
		}
		for (c = t->child; c != NULL; c = c->next) {
			const st_yaml_node *cls = map_get(c, "class"), *pers = map_get(c, "personal");
			const st_yaml_node *ret = map_get(c, "retention");

			strata_buf_puts(&listed, listed.len ? ", (" : "(");
			th_ok(strata_conn_quote_literal(&listed, f->c, t->key->text, &err), &err);
			strata_buf_puts(&listed, ", ");
			th_ok(strata_conn_quote_literal(&listed, f->c, c->key->text, &err), &err);
			strata_buf_puts(&listed, ")");
			if (c->kind != ST_YAML_MAP || c->count != 3 || cls == NULL || pers == NULL || ret == NULL) {
				strata_buf_printf(&bad, "  line %d: %s.%s needs exactly class, personal and retention\n", c->line,
					t->key->text, c->key->text);
				continue;
			}
			if (cls->kind != ST_YAML_SCALAR || !one_of(cls->text, classes))
				strata_buf_printf(&bad, "  line %d: %s.%s: class must be public, internal, confidential or"
					" restricted\n", c->line, t->key->text, c->key->text);
			if (pers->kind != ST_YAML_SCALAR || !one_of(pers->text, booleans))
				strata_buf_printf(&bad, "  line %d: %s.%s: personal must be true or false\n", c->line,
					t->key->text, c->key->text);
			if (ret->kind != ST_YAML_SCALAR || !good_retention(ret->text))
				strata_buf_printf(&bad, "  line %d: %s.%s: retention must be forever, Nd, Ny or until ...\n",
					c->line, t->key->text, c->key->text);
		}
	}

	/* The entries and the columns of the migrated database, both ways. */
	assert_true(listed.len > 0);
	strata_buf_printf(&sql, "SELECT n.nspname || '.' || c.relname || '.' || a.attname FROM pg_class c"
		" JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
		" WHERE n.nspname IN (" DATA_SCHEMAS ") AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
		" AND (n.nspname || '.' || c.relname, a.attname::text) NOT IN (VALUES %s)", strata_buf_cstr(&listed));
	none(f, &bad, "columns without an entry in classification.yaml", strata_buf_cstr(&sql));
	strata_buf_clear(&sql);
	strata_buf_printf(&sql, "SELECT x.t || '.' || x.c FROM (VALUES %s) AS x (t, c)"
		" WHERE NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		"  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
		"  WHERE n.nspname IN (" DATA_SCHEMAS ") AND n.nspname || '.' || c.relname = x.t AND a.attname = x.c)",
		strata_buf_cstr(&listed));
	none(f, &bad, "entries in classification.yaml that name no column", strata_buf_cstr(&sql));

	/* The data dictionary documents every table and column: "### schema.table", then `column` in its section. */
	columns = q(f, "SELECT string_agg(n.nspname || '.' || c.relname || ' ' || a.attname, ' '"
		" ORDER BY n.nspname, c.relname, a.attnum) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
		" WHERE n.nspname IN (" DATA_SCHEMAS ") AND c.relkind IN ('r', 'p', 'v', 'm', 'f')");
	nwords = split_words(columns, words, sizeof(words) / sizeof(words[0]));
	assert_true(nwords % 2 == 0 && nwords < sizeof(words) / sizeof(words[0]));
	for (k = 0; k < nwords; k += 2) {
		char heading[160], name[96];
		const char *sec, *end;

		snprintf(heading, sizeof(heading), "\n### %s\n", words[k]);
		sec = strstr(doc, heading);
		if (sec == NULL) {
			if (k == 0 || strcmp(words[k], words[k - 2]) != 0)
				strata_buf_printf(&bad, "  docs/platform-schema.md has no section '### %s'\n", words[k]);
			continue;
		}
		sec += strlen(heading);
		end = strstr(sec, "\n#");
		snprintf(name, sizeof(name), "`%s`", words[k + 1]);
		if (strstr(sec, name) == NULL || (end != NULL && strstr(sec, name) > end))
			strata_buf_printf(&bad, "  docs/platform-schema.md does not document %s.%s\n", words[k], words[k + 1]);
	}

	free(columns);
	strata_buf_release(&sql);
	strata_buf_release(&listed);
	st_yaml_free(yd);
	free(text);
	free(path);
	free(doc);
	free(doc_path);
	fail_if_bad(&bad, "classification.yaml or the data dictionary is incomplete or wrong");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(up_down_up_restores_every_step, setup_bare, teardown),
	cmocka_unit_test_setup_teardown(schema_follows_its_rules, setup_migrated, teardown),
	cmocka_unit_test_setup_teardown(rls_isolates_every_tenant_table, setup_fixture, teardown),
	cmocka_unit_test_setup_teardown(session_tenant_never_leaks_into_a_later_transaction, setup_fixture, teardown),
	cmocka_unit_test_setup_teardown(state_machine_allows_only_the_documented_moves, setup_fixture, teardown),
	cmocka_unit_test_setup_teardown(envelope_hash_takes_64_lowercase_hex_only, setup_fixture, teardown),
	cmocka_unit_test_setup_teardown(classification_covers_every_column, setup_migrated, teardown),
};

TH_MAIN(tests)
