/*
 * access.c: the ways around row-level security that are not policies: an
 * application role that owns relations (owners bypass RLS unless it is
 * forced, and may turn it off) or that is a superuser or has BYPASSRLS; and
 * views over tenant-scoped tables that read them with their owner's rights
 * instead of the querying role's (no security_invoker), found through the
 * views' dependencies, views over views included.
 */
#include <string.h>

#include "tenancy/check_int.h"

static const char ROLES_SQL[] =
	"SELECT u.i - 1, r.rolsuper, r.rolbypassrls FROM unnest($1::text[]) WITH ORDINALITY u(a, i) "
	"JOIN pg_roles r ON r.rolname = u.a ORDER BY u.i";

/*
 * Relations (tables, views, materialized views, foreign tables) owned by an
 * application role or by a role it is a member of, by owner.
 */
static const char OWNED_SQL[] =
	"SELECT u.i - 1, pg_get_userbyid(c.relowner), quote_ident(pg_get_userbyid(c.relowner)), "
	"c.relowner = r.oid, count(*), array_to_string((array_agg(format('%I.%I', n.nspname, c.relname) "
	"ORDER BY n.nspname, c.relname))[1:5], ', ') "
	"FROM unnest($1::text[]) WITH ORDINALITY u(a, i) "
	"JOIN pg_roles r ON r.rolname = u.a AND NOT r.rolsuper "
	"JOIN pg_class c ON c.relkind IN ('r', 'p', 'v', 'm', 'f') "
	"JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname <> 'information_schema' "
	"AND n.nspname !~ '^pg_' "
	"WHERE pg_has_role(r.oid, c.relowner, 'MEMBER') "
	"GROUP BY u.i, c.relowner, r.oid ORDER BY u.i, 2";

static int role_flags(st_check *k, strata_conn *c, const char *roles)
{
	const strata_tenancy_scope *s = &k->rep->scope;
	strata_result *r = NULL;
	strata_buf hint = STRATA_BUF_INIT, object = STRATA_BUF_INIT;
	int rc, i;

	rc = strata_conn_query(&r, c, ROLES_SQL, 1, &roles, k->err);
	for (i = 0; rc == 0 && i < strata_result_nrows(r); i++) {
		size_t j = (size_t)st_tenancy_ll(r, i, 0);
		int super = st_tenancy_bool(r, i, 1), bypass = st_tenancy_bool(r, i, 2);

		if (j >= s->napp_roles || (!super && !bypass))
			continue;
		strata_buf_clear(&hint);
		strata_buf_clear(&object);
		strata_buf_printf(&hint, "ALTER ROLE %s %s;", k->role_idents[j],
			super ? "NOSUPERUSER" : "NOBYPASSRLS");
		strata_buf_printf(&object, "role %s", k->role_idents[j]);
		rc = st_check_add(k, STRATA_TENANCY_ROLE_BYPASSES_RLS, strata_buf_cstr(&object),
			strata_buf_cstr(&hint),
			super ? "application role '%s' is a superuser: row-level security never applies to it"
				: "application role '%s' has BYPASSRLS: row-level security never applies to it",
			s->app_roles[j]);
	}
	if (rc == 0 && (strata_buf_failed(&hint) || strata_buf_failed(&object)))
		rc = st_tenancy_oom(k->err);
	strata_result_free(r);
	strata_buf_release(&hint);
	strata_buf_release(&object);
	return rc;
}

static int role_owners(st_check *k, strata_conn *c, const char *roles)
{
	const strata_tenancy_scope *s = &k->rep->scope;
	strata_result *r = NULL;
	strata_buf hint = STRATA_BUF_INIT, object = STRATA_BUF_INIT;
	int rc, i;

	rc = strata_conn_query(&r, c, OWNED_SQL, 1, &roles, k->err);
	for (i = 0; rc == 0 && i < strata_result_nrows(r); i++) {
		size_t j = (size_t)st_tenancy_ll(r, i, 0);
		const char *owner = strata_result_value(r, i, 1);
		const char *owner_ident = strata_result_value(r, i, 2);
		int direct = st_tenancy_bool(r, i, 3);
		long long n = st_tenancy_ll(r, i, 4);
		const char *names = strata_result_value(r, i, 5);

		if (j >= s->napp_roles)
			continue;
		strata_buf_clear(&hint);
		strata_buf_clear(&object);
		strata_buf_printf(&object, "role %s", k->role_idents[j]);
		if (direct) {
			const char *p = names, *comma;

			/* One ALTER per relation named (the first five). */
			while (p != NULL && *p != '\0') {
				comma = strstr(p, ", ");
				strata_buf_printf(&hint, "%sALTER TABLE %.*s OWNER TO <owner role>;",
					hint.len > 0 ? " " : "", comma ? (int)(comma - p) : (int)strlen(p), p);
				p = comma ? comma + 2 : NULL;
			}
			rc = st_check_add(k, STRATA_TENANCY_ROLE_OWNS_TABLES, strata_buf_cstr(&object),
				strata_buf_cstr(&hint),
				"application role '%s' owns %lld relation%s (%s%s): an owner bypasses row-level "
				"security unless it is forced, and may turn it off", s->app_roles[j], n,
				n == 1 ? "" : "s", names, n > 5 ? ", ..." : "");
		} else {
			strata_buf_printf(&hint, "REVOKE %s FROM %s;", owner_ident, k->role_idents[j]);
			rc = st_check_add(k, STRATA_TENANCY_ROLE_OWNS_TABLES, strata_buf_cstr(&object),
				strata_buf_cstr(&hint),
				"application role '%s' is a member of '%s', which owns %lld relation%s (%s%s): "
				"as a member it has the owner's rights, and an owner bypasses row-level "
				"security unless it is forced, and may turn it off", s->app_roles[j], owner, n,
				n == 1 ? "" : "s", names, n > 5 ? ", ..." : "");
		}
	}
	if (rc == 0 && (strata_buf_failed(&hint) || strata_buf_failed(&object)))
		rc = st_tenancy_oom(k->err);
	strata_result_free(r);
	strata_buf_release(&hint);
	strata_buf_release(&object);
	return rc;
}

int st_check_roles(st_check *k, strata_conn *c)
{
	const strata_tenancy_scope *s = &k->rep->scope;
	strata_buf roles = STRATA_BUF_INIT;
	int rc;

	if (s->napp_roles == 0)
		return 0;
	if (st_tenancy_array(&roles, (const char *const *)s->app_roles, s->napp_roles) != 0)
		return st_tenancy_oom(k->err);
	rc = role_flags(k, c, strata_buf_cstr(&roles));
	if (rc == 0)
		rc = role_owners(k, c, strata_buf_cstr(&roles));
	strata_buf_release(&roles);
	return rc;
}

/*
 * Views reaching a tenant-scoped table, directly or through other views,
 * with whether they run as the invoker (security_invoker, PostgreSQL 15).
 */
static const char VIEWS_SQL[] =
	"WITH RECURSIVE deps(v, rel) AS ("
	" SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r"
	" JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid"
	" AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class),"
	" reach(v, rel) AS (SELECT v, rel FROM deps"
	" UNION SELECT x.v, d.rel FROM reach x JOIN deps d ON d.v = x.rel) "
	"SELECT format('%I.%I', n.nspname, c.relname), pg_get_userbyid(c.relowner), "
	"EXISTS (SELECT 1 FROM unnest(c.reloptions) o "
	"WHERE o ~* '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$'), "
	"array_to_string(array(SELECT format('%I.%I', tn.nspname, tc.relname) FROM reach x "
	"JOIN pg_class tc ON tc.oid = x.rel JOIN pg_namespace tn ON tn.oid = tc.relnamespace "
	"WHERE x.v = c.oid AND x.rel = ANY ($1::oid[]) ORDER BY 1), ', ') "
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.relkind = 'v' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' "
	"AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[])) "
	"AND EXISTS (SELECT 1 FROM reach x WHERE x.v = c.oid AND x.rel = ANY ($1::oid[])) "
	"ORDER BY n.nspname, c.relname";

int st_check_views(st_check *k, strata_conn *c, const strata_tenancy_options *opts)
{
	strata_buf oids = STRATA_BUF_INIT, schemas = STRATA_BUF_INIT, hint = STRATA_BUF_INIT;
	strata_buf object = STRATA_BUF_INIT;
	strata_result *r = NULL;
	const char *params[2];
	int rc = 0, i, old = strata_conn_server_version(c) < 150000;

	if (k->rep->scope.ntables == 0)
		return 0;
	if (st_tenancy_oid_array(&oids, &k->rep->scope) != 0 ||
		(opts->nschemas > 0 && st_tenancy_array(&schemas, opts->schemas, opts->nschemas) != 0)) {
		rc = st_tenancy_oom(k->err);
		goto done;
	}
	params[0] = strata_buf_cstr(&oids);
	params[1] = opts->nschemas > 0 ? strata_buf_cstr(&schemas) : NULL;
	rc = strata_conn_query(&r, c, VIEWS_SQL, 2, params, k->err);
	if (rc != 0)
		goto done;
	k->rep->nviews = (size_t)strata_result_nrows(r);
	for (i = 0; rc == 0 && i < strata_result_nrows(r); i++) {
		const char *view = strata_result_value(r, i, 0);

		if (st_tenancy_bool(r, i, 2))
			continue;
		strata_buf_clear(&hint);
		strata_buf_clear(&object);
		strata_buf_printf(&object, "view %s", view);
		strata_buf_printf(&hint, "ALTER VIEW %s SET (security_invoker = true);", view);
		rc = st_check_add(k, STRATA_TENANCY_VIEW_NOT_INVOKER, strata_buf_cstr(&object),
			strata_buf_cstr(&hint),
			"view %s reads %s with the rights of its owner '%s' (no security_invoker), so the "
			"owner's row-level security applies, not the querying role's; an owner that "
			"bypasses it shows every tenant's rows%s", view, strata_result_value(r, i, 3),
			strata_result_value(r, i, 1),
			old ? " (security_invoker needs PostgreSQL 15 or later)" : "");
	}
	if (rc == 0 && (strata_buf_failed(&hint) || strata_buf_failed(&object)))
		rc = st_tenancy_oom(k->err);
done:
	strata_result_free(r);
	strata_buf_release(&oids);
	strata_buf_release(&schemas);
	strata_buf_release(&hint);
	strata_buf_release(&object);
	return rc;
}
