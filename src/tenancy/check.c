/*
 * check.c: strata_tenancy_check, the catalog half of tenant isolation.
 *
 * The scope (scope.c) gives the tenant-scoped tables and the application
 * roles; this file reads their policies and reports, table by table, what
 * would let one tenant reach another's rows (see strata/tenancy.h for the
 * kinds), then the roles, then the views. policy.c holds the policy rules.
 * Every finding carries the SQL that fixes it; where the fix needs the
 * expression that names the current tenant, the one the database's own
 * policies use most is borrowed, so that the hint fits the schema.
 */
#include <string.h>

#include "tenancy/check_int.h"

int st_check_add(st_check *k, const char *kind, const char *object, const char *hint,
	const char *fmt, ...)
{
	strata_tenancy_report *rep = k->rep;
	strata_tenancy_finding *f;
	strata_buf msg = STRATA_BUF_INIT;
	va_list ap;

	if (rep->nfindings == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		strata_tenancy_finding *grown = st_realloc(rep->findings, cap * sizeof(*grown));

		if (grown == NULL)
			return st_tenancy_oom(k->err);
		rep->findings = grown;
		k->cap = cap;
	}
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	f = &rep->findings[rep->nfindings];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->object = st_strdup(object);
	f->hint = st_strdup(hint);
	f->message = strata_buf_detach(&msg);
	rep->nfindings++;
	if (f->object == NULL || f->hint == NULL || f->message == NULL)
		return st_tenancy_oom(k->err);
	return 0;
}

static void policy_release(st_policy *p)
{
	st_free(p->name);
	st_free(p->ident);
	st_free(p->qual_tree);
	st_free(p->check_tree);
	st_free(p->qual_sql);
	st_free(p->check_sql);
	st_free(p->roles);
	st_free(p->applies);
}

static const char POLICIES_SQL[] =
	"SELECT p.polrelid, p.polname, quote_ident(p.polname), p.polcmd, p.polpermissive, "
	"p.polqual IS NOT NULL, p.polwithcheck IS NOT NULL, p.polqual::text, p.polwithcheck::text, "
	"pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), "
	"array_to_string(array(SELECT CASE WHEN o = 0 THEN 'PUBLIC' "
	"ELSE quote_ident(pg_get_userbyid(o)) END FROM unnest(p.polroles) o ORDER BY 1), ', '), "
	"coalesce((SELECT string_agg(CASE WHEN 0 = ANY (p.polroles) OR EXISTS (SELECT 1 "
	"FROM unnest(p.polroles) o WHERE o <> 0 AND pg_has_role(u.a, o, 'MEMBER')) "
	"THEN '1' ELSE '0' END, '' ORDER BY u.i) FROM unnest($2::text[]) WITH ORDINALITY u(a, i)), '') "
	"FROM pg_policy p WHERE p.polrelid = ANY ($1::oid[]) "
	"ORDER BY p.polrelid, p.polname";

static int read_policies(st_check *k, strata_conn *c, const char *oids, const char *roles)
{
	strata_result *r = NULL;
	const char *params[2];
	int rc, i, n;

	params[0] = oids;
	params[1] = roles;
	rc = strata_conn_query(&r, c, POLICIES_SQL, 2, params, k->err);
	if (rc != 0)
		return rc;
	n = strata_result_nrows(r);
	k->policies = st_calloc(n > 0 ? (size_t)n : 1, sizeof(*k->policies));
	if (k->policies == NULL)
		rc = st_tenancy_oom(k->err);
	for (i = 0; rc == 0 && i < n; i++) {
		st_policy *p = &k->policies[k->npolicies++];
		const char *cmd = strata_result_value(r, i, 3);
		size_t t;

		p->relid = (unsigned)st_tenancy_ll(r, i, 0);
		p->name = st_tenancy_dup(r, i, 1);
		p->ident = st_tenancy_dup(r, i, 2);
		p->cmd = cmd != NULL ? cmd[0] : '*';
		p->permissive = st_tenancy_bool(r, i, 4);
		p->has_qual = st_tenancy_bool(r, i, 5);
		p->has_check = st_tenancy_bool(r, i, 6);
		p->qual_tree = st_tenancy_dup(r, i, 7);
		p->check_tree = st_tenancy_dup(r, i, 8);
		p->qual_sql = st_tenancy_dup(r, i, 9);
		p->check_sql = st_tenancy_dup(r, i, 10);
		p->roles = st_tenancy_dup(r, i, 11);
		p->applies = st_tenancy_dup(r, i, 12);
		if (p->name == NULL || p->ident == NULL || p->qual_tree == NULL || p->check_tree == NULL ||
			p->qual_sql == NULL || p->check_sql == NULL || p->roles == NULL || p->applies == NULL) {
			rc = st_tenancy_oom(k->err);
			break;
		}
		p->table = -1;
		for (t = 0; t < k->rep->scope.ntables; t++)
			if (k->rep->scope.tables[t].oid == p->relid)
				p->table = (int)t;
		if (p->table < 0)
			continue;
		rc = st_tenancy_expr_refs(&p->qual_refs, p->qual_tree,
			k->rep->scope.tables[p->table].column_attnum);
		if (rc == 0)
			rc = st_tenancy_expr_refs(&p->check_refs, p->check_tree,
				k->rep->scope.tables[p->table].column_attnum);
		if (rc != 0)
			rc = st_tenancy_oom(k->err);
	}
	strata_result_free(r);
	return rc;
}

/* The role names quoted as SQL identifiers, for hints. */
static int quote_roles(st_check *k, strata_conn *c, const char *roles)
{
	strata_result *r = NULL;
	int rc, i;

	k->role_idents = st_calloc(k->rep->scope.napp_roles + 1, sizeof(char *));
	if (k->role_idents == NULL)
		return st_tenancy_oom(k->err);
	if (k->rep->scope.napp_roles == 0)
		return 0;
	rc = strata_conn_query(&r, c,
		"SELECT quote_ident(a) FROM unnest($1::text[]) WITH ORDINALITY u(a, i) ORDER BY i", 1,
		&roles, k->err);
	for (i = 0; rc == 0 && i < strata_result_nrows(r) && (size_t)i < k->rep->scope.napp_roles; i++)
		if ((k->role_idents[i] = st_tenancy_dup(r, i, 0)) == NULL)
			rc = st_tenancy_oom(k->err);
	strata_result_free(r);
	return rc;
}

/*
 * Removes the parentheses that pg_get_expr puts around a whole expression
 * ("(tenant_id = f())"), since hints put their own; string literals and
 * quoted identifiers are skipped when matching.
 */
static void strip_parens(char *e)
{
	size_t n = strlen(e), i;
	int depth = 0;
	char quote = 0;

	if (n < 2 || e[0] != '(' || e[n - 1] != ')')
		return;
	for (i = 0; i < n; i++) {
		if (quote != 0) {
			if (e[i] == quote)
				quote = 0;
			continue;
		}
		if (e[i] == '\'' || e[i] == '"')
			quote = e[i];
		else if (e[i] == '(')
			depth++;
		else if (e[i] == ')' && --depth == 0 && i < n - 1)
			return;
	}
	memmove(e, e + 1, n - 2);
	e[n - 2] = '\0';
}

/*
 * The expression for the current tenant that hints suggest: the USING or
 * WITH CHECK expression that the database's permissive policies use most
 * among those reading the tenant column and no other column; else a
 * placeholder.
 */
static int pick_template(st_check *k)
{
	size_t i, j, best = 0;
	const char *pick = NULL;

	for (i = 0; i < k->npolicies; i++) {
		const st_policy *p = &k->policies[i];
		const char *e = p->has_qual ? p->qual_sql : p->check_sql;
		const st_tenancy_refs *refs = p->has_qual ? &p->qual_refs : &p->check_refs;
		size_t n = 0;

		if (p->table < 0 || !p->permissive || !refs->column || refs->others || e[0] == '\0')
			continue;
		for (j = 0; j < k->npolicies; j++) {
			const st_policy *q = &k->policies[j];

			n += q->table >= 0 && (strcmp(q->qual_sql, e) == 0 || strcmp(q->check_sql, e) == 0);
		}
		if (n > best) {
			best = n;
			pick = e;
		}
	}
	if (pick != NULL) {
		k->tenant_expr = st_strdup(pick);
		if (k->tenant_expr != NULL)
			strip_parens(k->tenant_expr);
	} else {
		strata_buf b = STRATA_BUF_INIT;

		strata_buf_printf(&b, "%s = <current tenant>", k->column_ident);
		k->tenant_expr = strata_buf_detach(&b);
	}
	return k->tenant_expr == NULL ? st_tenancy_oom(k->err) : 0;
}

static const char COLUMN_IDENT_SQL[] = "SELECT quote_ident($1)";

static int prepare(st_check *k, strata_conn *c)
{
	strata_buf oids = STRATA_BUF_INIT, roles = STRATA_BUF_INIT;
	const strata_tenancy_scope *s = &k->rep->scope;
	int rc;

	rc = strata_conn_query_value(&k->column_ident, c, COLUMN_IDENT_SQL, 1,
		(const char *const *)&s->column, k->err);
	if (rc != 0)
		goto done;
	if (st_tenancy_oid_array(&oids, s) != 0 ||
		st_tenancy_array(&roles, (const char *const *)s->app_roles, s->napp_roles) != 0) {
		rc = st_tenancy_oom(k->err);
		goto done;
	}
	rc = read_policies(k, c, strata_buf_cstr(&oids), strata_buf_cstr(&roles));
	if (rc == 0)
		rc = quote_roles(k, c, strata_buf_cstr(&roles));
	if (rc == 0)
		rc = pick_template(k);
done:
	strata_buf_release(&oids);
	strata_buf_release(&roles);
	return rc;
}

static int check_tables(st_check *k)
{
	const strata_tenancy_scope *s = &k->rep->scope;
	size_t t;
	int rc = 0;

	for (t = 0; t < s->ntables && rc == 0; t++) {
		const strata_tenancy_table *tab = &s->tables[t];
		strata_buf hint = STRATA_BUF_INIT;

		if (!tab->rls_enabled) {
			strata_buf_printf(&hint, "ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", tab->qualified);
			rc = st_check_add(k, STRATA_TENANCY_RLS_NOT_ENABLED, tab->qualified,
				strata_buf_cstr(&hint),
				"row-level security is not enabled: every role granted access sees and "
				"changes every tenant's rows, whatever the policies say");
			strata_buf_clear(&hint);
		}
		if (rc == 0 && !tab->rls_forced) {
			strata_buf_printf(&hint, "ALTER TABLE %s FORCE ROW LEVEL SECURITY;", tab->qualified);
			rc = st_check_add(k, STRATA_TENANCY_RLS_NOT_FORCED, tab->qualified,
				strata_buf_cstr(&hint),
				"row-level security is not forced: the owner '%s' (and any role that is a "
				"member of it) bypasses the policies", tab->owner);
		}
		strata_buf_release(&hint);
		if (rc == 0)
			rc = st_check_table_policies(k, t);
	}
	return rc;
}

int strata_tenancy_check(strata_tenancy_report **out, strata_conn *c,
	const strata_tenancy_options *opts, strata_error *err)
{
	static const strata_tenancy_options none = STRATA_TENANCY_OPTIONS_INIT;
	st_check k;
	size_t i;
	int rc;

	*out = NULL;
	memset(&k, 0, sizeof(k));
	k.err = err;
	k.rep = st_calloc(1, sizeof(*k.rep));
	if (k.rep == NULL)
		return st_tenancy_oom(err);
	rc = st_tenancy_scope_load(&k.rep->scope, c, opts != NULL ? opts : &none, err);
	if (rc == 0)
		rc = prepare(&k, c);
	if (rc == 0)
		rc = check_tables(&k);
	if (rc == 0)
		rc = st_check_roles(&k, c);
	if (rc == 0)
		rc = st_check_views(&k, c, opts != NULL ? opts : &none);
	for (i = 0; i < k.npolicies; i++)
		policy_release(&k.policies[i]);
	st_free(k.policies);
	for (i = 0; k.role_idents != NULL && k.role_idents[i] != NULL; i++)
		st_free(k.role_idents[i]);
	st_free(k.role_idents);
	st_free(k.column_ident);
	st_free(k.tenant_expr);
	if (rc != 0) {
		strata_tenancy_report_free(k.rep);
		return rc;
	}
	*out = k.rep;
	return 0;
}

void strata_tenancy_report_free(strata_tenancy_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	st_tenancy_scope_release(&r->scope);
	for (i = 0; i < r->nfindings; i++) {
		st_free(r->findings[i].object);
		st_free(r->findings[i].message);
		st_free(r->findings[i].hint);
	}
	st_free(r->findings);
	st_free(r);
}
