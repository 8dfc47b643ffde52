/*
 * scope.c: what the check and the probe look at: the tenant-scoped tables,
 * the application roles (given, or detected from the tables' grants), and
 * which of the four commands each role may run on each table.
 *
 * Partitions are left out unless an application role holds a privilege on
 * one: queries through the parent apply the parent's policies, but a
 * partition queried directly applies its own, so a partition the service
 * can reach directly is checked like any table.
 */
#include <string.h>

#include "tenancy/tenancy_int.h"

int st_tenancy_oom(strata_error *err)
{
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

char *st_tenancy_dup(const strata_result *r, int row, int col)
{
	const char *v = strata_result_value(r, row, col);

	return st_strdup(v != NULL ? v : "");
}

int st_tenancy_bool(const strata_result *r, int row, int col)
{
	const char *v = strata_result_value(r, row, col);

	return v != NULL && strcmp(v, "t") == 0;
}

long long st_tenancy_ll(const strata_result *r, int row, int col)
{
	const char *v = strata_result_value(r, row, col);
	int64_t n = 0;

	if (v == NULL || st_parse_int64(&n, v, INT64_MIN, INT64_MAX) != 0)
		return 0;
	return (long long)n;
}

int st_tenancy_array(strata_buf *out, const char *const *items, size_t n)
{
	size_t i;
	const char *p;

	strata_buf_putc(out, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			strata_buf_putc(out, ',');
		strata_buf_putc(out, '"');
		for (p = items[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strata_buf_putc(out, '\\');
			strata_buf_putc(out, *p);
		}
		strata_buf_putc(out, '"');
	}
	strata_buf_putc(out, '}');
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

int st_tenancy_oid_array(strata_buf *out, const strata_tenancy_scope *s)
{
	size_t i;

	strata_buf_putc(out, '{');
	for (i = 0; i < s->ntables; i++)
		strata_buf_printf(out, "%s%u", i > 0 ? "," : "", s->tables[i].oid);
	strata_buf_putc(out, '}');
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

unsigned st_tenancy_privs(const strata_tenancy_scope *s, size_t t, size_t r)
{
	return s->privileges[t * s->napp_roles + r];
}

static void table_release(strata_tenancy_table *t)
{
	st_free(t->schema);
	st_free(t->name);
	st_free(t->qualified);
	st_free(t->owner);
	st_free(t->column_type);
}

void st_tenancy_scope_release(strata_tenancy_scope *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntables; i++)
		table_release(&s->tables[i]);
	for (i = 0; i < s->napp_roles; i++)
		st_free(s->app_roles[i]);
	st_free(s->tables);
	st_free(s->app_roles);
	st_free(s->privileges);
	st_free(s->column);
	st_free(s->user);
	memset(s, 0, sizeof(*s));
}

/*
 * Every relation with the column: ordinary and partitioned tables (and
 * partitions, filtered later) outside system schemas and extensions.
 */
static const char TABLES_SQL[] =
	"SELECT c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), "
	"pg_get_userbyid(c.relowner), c.relkind, c.relispartition, c.relrowsecurity, "
	"c.relforcerowsecurity, a.attnum, format_type(a.atttypid, a.atttypmod), "
	"(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
	"FROM pg_class c "
	"JOIN pg_namespace n ON n.oid = c.relnamespace "
	"JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 "
	"AND NOT a.attisdropped "
	"WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' "
	"AND n.nspname !~ '^pg_' "
	"AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[])) "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
	"AND d.objid = c.oid AND d.deptype = 'e') "
	"ORDER BY n.nspname, c.relname";

/*
 * Roles granted one of the four commands on a tenant-scoped table that is
 * not a partition, other than the table's owner, superusers, and roles with
 * BYPASSRLS that may only read (backup roles).
 */
static const char DETECT_ROLES_SQL[] =
	"WITH g AS (SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
	"WHERE c.oid = ANY ($1::oid[]) AND NOT c.relispartition AND a.grantee <> 0 "
	"AND a.grantee <> c.relowner AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')) "
	"SELECT r.rolname FROM pg_roles r WHERE r.oid IN (SELECT grantee FROM g) AND NOT r.rolsuper "
	"AND (NOT r.rolbypassrls OR EXISTS (SELECT 1 FROM g WHERE g.grantee = r.oid "
	"AND g.privilege_type <> 'SELECT')) "
	"ORDER BY r.rolname";

static const char MISSING_ROLES_SQL[] =
	"SELECT a FROM unnest($1::text[]) WITH ORDINALITY u(a, i) "
	"WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = u.a) ORDER BY i";

/* One row per table and role, in order: the four privileges as t/f. */
static const char PRIVS_SQL[] =
	"SELECT has_table_privilege(r.a, t.o, 'SELECT'), has_table_privilege(r.a, t.o, 'INSERT'), "
	"has_table_privilege(r.a, t.o, 'UPDATE'), has_table_privilege(r.a, t.o, 'DELETE') "
	"FROM unnest($1::oid[]) WITH ORDINALITY t(o, i), unnest($2::text[]) WITH ORDINALITY r(a, j) "
	"ORDER BY t.i, r.j";

static const char USER_SQL[] =
	"SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user";

static int read_tables(strata_tenancy_scope *s, strata_conn *c, const strata_tenancy_options *o,
	strata_error *err)
{
	strata_buf schemas = STRATA_BUF_INIT;
	strata_result *r = NULL;
	const char *params[2];
	int rc, i, n;

	params[0] = s->column;
	params[1] = NULL;
	if (o->nschemas > 0) {
		if (st_tenancy_array(&schemas, o->schemas, o->nschemas) != 0) {
			rc = st_tenancy_oom(err);
			goto done;
		}
		params[1] = strata_buf_cstr(&schemas);
	}
	rc = strata_conn_query(&r, c, TABLES_SQL, 2, params, err);
	if (rc != 0)
		goto done;
	n = strata_result_nrows(r);
	s->tables = st_calloc(n > 0 ? (size_t)n : 1, sizeof(*s->tables));
	if (s->tables == NULL) {
		rc = st_tenancy_oom(err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		strata_tenancy_table *t = &s->tables[s->ntables++];
		const char *kind = strata_result_value(r, i, 5);

		t->oid = (unsigned)st_tenancy_ll(r, i, 0);
		t->schema = st_tenancy_dup(r, i, 1);
		t->name = st_tenancy_dup(r, i, 2);
		t->qualified = st_tenancy_dup(r, i, 3);
		t->owner = st_tenancy_dup(r, i, 4);
		t->kind = st_tenancy_bool(r, i, 6) ? "partition"
			: kind != NULL && kind[0] == 'p' ? "partitioned table" : "table";
		t->rls_enabled = st_tenancy_bool(r, i, 7);
		t->rls_forced = st_tenancy_bool(r, i, 8);
		t->column_attnum = (int)st_tenancy_ll(r, i, 9);
		t->column_type = st_tenancy_dup(r, i, 10);
		t->npolicies = (int)st_tenancy_ll(r, i, 11);
		if (t->schema == NULL || t->name == NULL || t->qualified == NULL || t->owner == NULL ||
			t->column_type == NULL) {
			rc = st_tenancy_oom(err);
			goto done;
		}
	}
done:
	strata_result_free(r);
	strata_buf_release(&schemas);
	return rc;
}

/* Copies the given roles, refusing any that does not exist. */
static int given_roles(strata_tenancy_scope *s, strata_conn *c, const strata_tenancy_options *o,
	strata_error *err)
{
	strata_buf arr = STRATA_BUF_INIT;
	strata_result *r = NULL;
	const char *param;
	size_t i;
	int rc;

	if (st_tenancy_array(&arr, o->app_roles, o->napp_roles) != 0)
		return st_tenancy_oom(err);
	param = strata_buf_cstr(&arr);
	rc = strata_conn_query(&r, c, MISSING_ROLES_SQL, 1, &param, err);
	if (rc == 0 && strata_result_nrows(r) > 0) {
		rc = strata_error_set(err, STRATA_ENOTFOUND, "application role '%s' does not exist",
			strata_result_value(r, 0, 0));
		strata_error_hint(err, "roles are listed by \\du in psql; name an existing role");
	}
	for (i = 0; rc == 0 && i < o->napp_roles; i++) {
		s->app_roles[i] = st_strdup(o->app_roles[i]);
		if (s->app_roles[i] == NULL)
			rc = st_tenancy_oom(err);
		else
			s->napp_roles++;
	}
	strata_result_free(r);
	strata_buf_release(&arr);
	return rc;
}

static int detect_roles(strata_tenancy_scope *s, strata_conn *c, const char *oids,
	strata_error *err)
{
	strata_result *r = NULL;
	int rc, i, n;

	rc = strata_conn_query(&r, c, DETECT_ROLES_SQL, 1, &oids, err);
	if (rc != 0)
		return rc;
	n = strata_result_nrows(r);
	st_free(s->app_roles);
	s->app_roles = st_calloc(n > 0 ? (size_t)n : 1, sizeof(char *));
	if (s->app_roles == NULL)
		rc = st_tenancy_oom(err);
	for (i = 0; rc == 0 && i < n; i++) {
		s->app_roles[i] = st_tenancy_dup(r, i, 0);
		if (s->app_roles[i] == NULL)
			rc = st_tenancy_oom(err);
		else
			s->napp_roles++;
	}
	s->app_roles_detected = 1;
	strata_result_free(r);
	return rc;
}

static int read_privileges(strata_tenancy_scope *s, strata_conn *c, const char *oids,
	strata_error *err)
{
	strata_buf roles = STRATA_BUF_INIT;
	strata_result *r = NULL;
	const char *params[2];
	size_t i, n = s->ntables * s->napp_roles;
	int rc;

	s->privileges = st_calloc(n > 0 ? n : 1, 1);
	if (s->privileges == NULL)
		return st_tenancy_oom(err);
	if (n == 0)
		return 0;
	if (st_tenancy_array(&roles, (const char *const *)s->app_roles, s->napp_roles) != 0)
		return st_tenancy_oom(err);
	params[0] = oids;
	params[1] = strata_buf_cstr(&roles);
	rc = strata_conn_query(&r, c, PRIVS_SQL, 2, params, err);
	if (rc == 0 && (size_t)strata_result_nrows(r) != n)
		rc = strata_error_set(err, STRATA_EINTERNAL, "privileges: %d rows for %zu tables and roles",
			strata_result_nrows(r), n);
	for (i = 0; rc == 0 && i < n; i++) {
		unsigned bits = 0;

		bits |= st_tenancy_bool(r, (int)i, 0) ? STRATA_TENANCY_SELECT : 0;
		bits |= st_tenancy_bool(r, (int)i, 1) ? STRATA_TENANCY_INSERT : 0;
		bits |= st_tenancy_bool(r, (int)i, 2) ? STRATA_TENANCY_UPDATE : 0;
		bits |= st_tenancy_bool(r, (int)i, 3) ? STRATA_TENANCY_DELETE : 0;
		s->privileges[i] = (unsigned char)bits;
	}
	strata_result_free(r);
	strata_buf_release(&roles);
	return rc;
}

/* Drops the partitions that no application role may touch directly. */
static void drop_unreachable_partitions(strata_tenancy_scope *s)
{
	size_t t, r, kept = 0;

	for (t = 0; t < s->ntables; t++) {
		int reachable = strcmp(s->tables[t].kind, "partition") != 0;

		for (r = 0; r < s->napp_roles && !reachable; r++)
			reachable = st_tenancy_privs(s, t, r) != 0;
		if (!reachable) {
			table_release(&s->tables[t]);
			s->npartitions_skipped++;
			continue;
		}
		if (kept != t) {
			s->tables[kept] = s->tables[t];
			memmove(&s->privileges[kept * s->napp_roles], &s->privileges[t * s->napp_roles],
				s->napp_roles);
		}
		kept++;
	}
	s->ntables = kept;
}

int st_tenancy_scope_load(strata_tenancy_scope *s, strata_conn *c,
	const strata_tenancy_options *o, strata_error *err)
{
	strata_buf oids = STRATA_BUF_INIT;
	strata_result *r = NULL;
	int rc;

	s->column = st_strdup(o->column != NULL && o->column[0] != '\0' ? o->column
		: STRATA_TENANCY_COLUMN);
	s->app_roles = st_calloc(o->napp_roles > 0 ? o->napp_roles : 1, sizeof(char *));
	if (s->column == NULL || s->app_roles == NULL)
		return st_tenancy_oom(err);
	rc = strata_conn_query(&r, c, USER_SQL, 0, NULL, err);
	if (rc != 0)
		goto done;
	s->user = st_tenancy_dup(r, 0, 0);
	s->user_bypasses_rls = st_tenancy_bool(r, 0, 1);
	if (s->user == NULL) {
		rc = st_tenancy_oom(err);
		goto done;
	}
	rc = read_tables(s, c, o, err);
	if (rc == 0 && st_tenancy_oid_array(&oids, s) != 0)
		rc = st_tenancy_oom(err);
	if (rc != 0)
		goto done;
	if (o->napp_roles > 0)
		rc = given_roles(s, c, o, err);
	else
		rc = detect_roles(s, c, strata_buf_cstr(&oids), err);
	if (rc == 0)
		rc = read_privileges(s, c, strata_buf_cstr(&oids), err);
	if (rc == 0)
		drop_unreachable_partitions(s);
done:
	strata_result_free(r);
	strata_buf_release(&oids);
	return rc;
}
