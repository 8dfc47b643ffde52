/*
 * policy.c: the policy rules of strata_tenancy_check, for one table.
 *
 * How PostgreSQL combines policies decides what is reported:
 *  - a command is open to a role only through a PERMISSIVE policy for that
 *    command (or FOR ALL) that applies to the role; RESTRICTIVE policies
 *    only narrow what permissive ones allow, so a command with restrictive
 *    policies alone allows nothing (policy_missing, worded so). A command no
 *    application role is granted needs no policy: privileges refuse it first;
 *  - only permissive policies can widen access, so only they must read the
 *    tenant column (policy_without_tenant). A permissive policy that does not
 *    is still fine when, for every command and role it covers, a restrictive
 *    policy reading the tenant column narrows it (the "allow all, then
 *    restrict to the tenant" pattern);
 *  - a write policy without WITH CHECK: for INSERT it admits (or, restrictive,
 *    restricts) no new row; for UPDATE and ALL the server checks new rows
 *    against USING instead. Neither lets rows cross tenants today, but the
 *    check then rests on an expression written for reading, so it is
 *    reported (policy_without_check) with the reason.
 * Policies that apply to none of the application roles (a backup role's, say)
 * are not judged when the roles are known.
 */
#include <string.h>

#include "tenancy/check_int.h"

static const struct command {
	char cmd;
	const char *name;
	unsigned priv;
	const char *verb;
	const char *lower;
} commands[] = {
	{ 'r', "SELECT", STRATA_TENANCY_SELECT, "see", "select" },
	{ 'a', "INSERT", STRATA_TENANCY_INSERT, "insert", "insert" },
	{ 'w', "UPDATE", STRATA_TENANCY_UPDATE, "update", "update" },
	{ 'd', "DELETE", STRATA_TENANCY_DELETE, "delete", "delete" },
};

static const char *cmd_name(char cmd)
{
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(commands); i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return "ALL";
}

static int covers(const st_policy *p, char cmd)
{
	return p->cmd == '*' || p->cmd == cmd;
}

/* role < 0: the roles are unknown, every policy counts. */
static int applies(const st_policy *p, int role)
{
	return role < 0 || (p->applies[0] != '\0' && p->applies[role] == '1');
}

static int applies_to_any(const st_check *k, const st_policy *p)
{
	size_t r;

	if (k->rep->scope.napp_roles == 0)
		return 1;
	for (r = 0; r < k->rep->scope.napp_roles; r++)
		if (applies(p, (int)r))
			return 1;
	return 0;
}

/* Nonzero when a policy of table t with the given mode covers cmd for role. */
static int has_policy(const st_check *k, size_t t, int permissive, char cmd, int role)
{
	size_t i;

	for (i = 0; i < k->npolicies; i++) {
		const st_policy *p = &k->policies[i];

		if (p->table == (int)t && p->permissive == permissive && covers(p, cmd) &&
			applies(p, role))
			return 1;
	}
	return 0;
}

/* Appends the policy template hint for a new policy covering cmd. */
static void create_policy_hint(strata_buf *b, const st_check *k, size_t t,
	const struct command *c, const char *roles)
{
	strata_buf_printf(b, "CREATE POLICY tenant_%s ON %s FOR %s", c->lower,
		k->rep->scope.tables[t].qualified, c->name);
	if (roles[0] != '\0')
		strata_buf_printf(b, " TO %s", roles);
	if (c->cmd != 'a')
		strata_buf_printf(b, " USING (%s)", k->tenant_expr);
	if (c->cmd == 'a' || c->cmd == 'w')
		strata_buf_printf(b, " WITH CHECK (%s)", k->tenant_expr);
	strata_buf_putc(b, ';');
}

static int check_missing(st_check *k, size_t t, const struct command *c)
{
	const strata_tenancy_scope *s = &k->rep->scope;
	strata_buf names = STRATA_BUF_INIT, idents = STRATA_BUF_INIT, hint = STRATA_BUF_INIT;
	int lacking = 0, restrictive = 0, rc = 0;
	size_t r;

	if (s->napp_roles == 0) {
		lacking = !has_policy(k, t, 1, c->cmd, -1);
		restrictive = lacking && has_policy(k, t, 0, c->cmd, -1);
	}
	for (r = 0; r < s->napp_roles; r++) {
		if ((st_tenancy_privs(s, t, r) & c->priv) == 0 || has_policy(k, t, 1, c->cmd, (int)r))
			continue;
		restrictive |= has_policy(k, t, 0, c->cmd, (int)r);
		strata_buf_printf(&names, "%s'%s'", lacking ? ", " : "", s->app_roles[r]);
		strata_buf_printf(&idents, "%s%s", lacking ? ", " : "", k->role_idents[r]);
		lacking++;
	}
	if (!lacking)
		goto done;
	create_policy_hint(&hint, k, t, c, strata_buf_cstr(&idents));
	if (s->napp_roles == 0 && restrictive)
		rc = st_check_add(k, STRATA_TENANCY_POLICY_MISSING, s->tables[t].qualified,
			strata_buf_cstr(&hint),
			"only RESTRICTIVE policies cover %s: a restrictive policy narrows what permissive "
			"ones allow and allows nothing alone, so no role can %s a row", c->name, c->verb);
	else if (s->napp_roles == 0)
		rc = st_check_add(k, STRATA_TENANCY_POLICY_MISSING, s->tables[t].qualified,
			strata_buf_cstr(&hint), "no policy covers %s", c->name);
	else if (restrictive)
		rc = st_check_add(k, STRATA_TENANCY_POLICY_MISSING, s->tables[t].qualified,
			strata_buf_cstr(&hint),
			"only RESTRICTIVE policies cover %s for %s, granted %s: a restrictive policy "
			"narrows what permissive ones allow and allows nothing alone, so %s can %s no row",
			c->name, strata_buf_cstr(&names), c->name, lacking > 1 ? "they" : "it", c->verb);
	else
		rc = st_check_add(k, STRATA_TENANCY_POLICY_MISSING, s->tables[t].qualified,
			strata_buf_cstr(&hint),
			"no permissive policy for %s applies to %s, granted %s: row-level security "
			"lets %s %s no row", c->name, strata_buf_cstr(&names), c->name,
			lacking > 1 ? "them" : "it", c->verb);
done:
	if (rc == 0 && (strata_buf_failed(&names) || strata_buf_failed(&idents) ||
		strata_buf_failed(&hint)))
		rc = st_tenancy_oom(k->err);
	strata_buf_release(&names);
	strata_buf_release(&idents);
	strata_buf_release(&hint);
	return rc;
}

/*
 * Nonzero when, for every command p covers on the given side (reading:
 * SELECT, UPDATE, DELETE; writing: INSERT, UPDATE) and every role it applies
 * to, a restrictive policy reading the tenant column narrows it.
 */
static int narrowed(const st_check *k, size_t t, const st_policy *p, int write)
{
	size_t c, i;
	int r, nroles = (int)k->rep->scope.napp_roles;

	for (c = 0; c < ST_ARRAY_LEN(commands); c++) {
		char cmd = commands[c].cmd;

		if (!covers(p, cmd) || (write && cmd != 'a' && cmd != 'w') || (!write && cmd == 'a'))
			continue;
		for (r = nroles > 0 ? 0 : -1; r < nroles || r == -1; r++) {
			int found = 0;

			if (r >= 0 && !applies(p, r))
				continue;
			for (i = 0; i < k->npolicies && !found; i++) {
				const st_policy *q = &k->policies[i];

				if (q->table != (int)t || q->permissive || !covers(q, cmd) || !applies(q, r))
					continue;
				if (!write)
					found = q->has_qual && q->qual_refs.column;
				else
					found = q->has_check ? q->check_refs.column
						: q->has_qual && q->qual_refs.column;
			}
			if (!found)
				return 0;
			if (r == -1)
				break;
		}
	}
	return 1;
}

/* Appends an expression for a message, shortened when long. */
static void show_expr(strata_buf *b, const char *e)
{
	size_t n = strlen(e);

	if (n <= 120)
		strata_buf_puts(b, e);
	else
		strata_buf_printf(b, "%.117s...", e);
}

static int check_tenant(st_check *k, size_t t, const st_policy *p)
{
	const strata_tenancy_table *tab = &k->rep->scope.tables[t];
	int using_bad = p->has_qual && !p->qual_refs.column && !narrowed(k, t, p, 0);
	int check_bad = p->has_check && !p->check_refs.column && !narrowed(k, t, p, 1);
	strata_buf what = STRATA_BUF_INIT, hint = STRATA_BUF_INIT, object = STRATA_BUF_INIT;
	int rc;

	if (!p->permissive || (!using_bad && !check_bad))
		return 0;
	if (using_bad) {
		strata_buf_puts(&what, "USING (");
		show_expr(&what, p->qual_sql);
		strata_buf_putc(&what, ')');
	}
	if (check_bad) {
		strata_buf_puts(&what, using_bad ? " and WITH CHECK (" : "WITH CHECK (");
		show_expr(&what, p->check_sql);
		strata_buf_putc(&what, ')');
	}
	strata_buf_printf(&hint, "ALTER POLICY %s ON %s", p->ident, tab->qualified);
	if (using_bad)
		strata_buf_printf(&hint, " USING (%s)", k->tenant_expr);
	if (check_bad || (using_bad && !p->has_check && p->cmd != 'r' && p->cmd != 'd'))
		strata_buf_printf(&hint, " WITH CHECK (%s)", k->tenant_expr);
	strata_buf_putc(&hint, ';');
	strata_buf_printf(&object, "policy %s on %s", p->ident, tab->qualified);
	rc = st_check_add(k, STRATA_TENANCY_POLICY_WITHOUT_TENANT, strata_buf_cstr(&object),
		strata_buf_cstr(&hint),
		"permissive policy %s (FOR %s, TO %s): %s %s not read %s, so the roles it applies to %s%s%s",
		p->ident, cmd_name(p->cmd), p->roles, strata_buf_cstr(&what),
		using_bad && check_bad ? "do" : "does", k->rep->scope.column,
		using_bad ? "see every tenant's rows" : "",
		using_bad && (check_bad || (!p->has_check && p->cmd != 'r' && p->cmd != 'd'))
			? " and " : "",
		check_bad || (using_bad && !p->has_check && p->cmd != 'r' && p->cmd != 'd')
			? "may write rows for any tenant" : "");
	if (rc == 0 && (strata_buf_failed(&what) || strata_buf_failed(&hint) ||
		strata_buf_failed(&object)))
		rc = st_tenancy_oom(k->err);
	strata_buf_release(&what);
	strata_buf_release(&hint);
	strata_buf_release(&object);
	return rc;
}

static int check_with_check(st_check *k, size_t t, const st_policy *p)
{
	const strata_tenancy_table *tab = &k->rep->scope.tables[t];
	strata_buf hint = STRATA_BUF_INIT, object = STRATA_BUF_INIT;
	const char *why;
	int rc;

	if (p->has_check || (p->cmd != 'a' && p->cmd != 'w' && p->cmd != '*'))
		return 0;
	if (p->cmd == 'a' && p->permissive)
		why = ", so it admits no new row (new rows are checked against WITH CHECK only): say "
			"which tenant's rows it admits";
	else if (p->cmd == 'a')
		why = ", so it restricts no new row (new rows are checked against WITH CHECK only)";
	else
		why = ": new rows are checked against its USING expression instead, so widening USING "
			"later (to let tenants read shared rows, say) would silently let rows be written "
			"for other tenants: state WITH CHECK explicitly";
	strata_buf_printf(&hint, "ALTER POLICY %s ON %s WITH CHECK (%s);", p->ident, tab->qualified,
		k->tenant_expr);
	strata_buf_printf(&object, "policy %s on %s", p->ident, tab->qualified);
	rc = st_check_add(k, STRATA_TENANCY_POLICY_WITHOUT_CHECK, strata_buf_cstr(&object),
		strata_buf_cstr(&hint), "%s policy %s (FOR %s, TO %s) has no WITH CHECK%s",
		p->permissive ? "permissive" : "restrictive", p->ident, cmd_name(p->cmd), p->roles, why);
	if (rc == 0 && (strata_buf_failed(&hint) || strata_buf_failed(&object)))
		rc = st_tenancy_oom(k->err);
	strata_buf_release(&hint);
	strata_buf_release(&object);
	return rc;
}

int st_check_table_policies(st_check *k, size_t t)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < ST_ARRAY_LEN(commands) && rc == 0; i++)
		rc = check_missing(k, t, &commands[i]);
	for (i = 0; i < k->npolicies && rc == 0; i++) {
		const st_policy *p = &k->policies[i];

		if (p->table != (int)t || !applies_to_any(k, p))
			continue;
		rc = check_tenant(k, t, p);
		if (rc == 0)
			rc = check_with_check(k, t, p);
	}
	return rc;
}
