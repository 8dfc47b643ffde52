/*
 * probe.c: strata_tenancy_probe, tenant isolation proven by trying.
 *
 * For each role and tenant-scoped table: a transaction as tenant A aiming at
 * B, one as B aiming at A, and one with no tenant set (attempt.c runs the
 * attempts). Each starts as the connecting user (who bypasses row-level
 * security) to learn what there is to leak: whether the other tenant has
 * rows, and one row of the current tenant to copy for the insert; then it
 * does SET LOCAL ROLE, sets the tenant with the caller's SQL, and tries.
 * Every attempt runs inside a savepoint rolled back at once, and every
 * transaction is rolled back, on success and on failure alike.
 */
#include <string.h>

#include "tenancy/probe_int.h"

const char *strata_tenancy_outcome_name(strata_tenancy_outcome outcome)
{
	switch (outcome) {
	case STRATA_TENANCY_ISOLATED: return "isolated";
	case STRATA_TENANCY_LEAKED: return "leaked";
	case STRATA_TENANCY_ACCEPTED: return "accepted";
	case STRATA_TENANCY_INCONCLUSIVE: return "inconclusive";
	}
	return "unknown";
}

static int list_tenants(st_probe *pr)
{
	const strata_tenancy_probe_options *o = pr->opts;
	const char *sql = o->tenants_sql != NULL ? o->tenants_sql : STRATA_TENANCY_TENANTS_SQL;
	strata_result *r = NULL;
	int rc = 0;

	if (o->ntenants > 0) {
		if (o->ntenants != 2)
			return strata_error_set(pr->err, STRATA_EINVAL,
				"the probe needs exactly two tenants (got %zu)", o->ntenants);
		pr->rep->tenant_a = st_strdup(o->tenants[0]);
		pr->rep->tenant_b = st_strdup(o->tenants[1]);
	} else {
		rc = strata_conn_query(&r, pr->c, sql, 0, NULL, pr->err);
		if (rc != 0) {
			strata_error_prefix(pr->err, "cannot list the tenants with '%s'", sql);
			strata_error_hint(pr->err, "name two tenants with --tenant A --tenant B, or give the "
				"query with --tenants-sql");
			goto done;
		}
		if (strata_result_nrows(r) < 2 || strata_result_value(r, 0, 0) == NULL ||
			strata_result_value(r, 1, 0) == NULL) {
			rc = strata_error_set(pr->err, STRATA_EINVAL,
				"the probe needs two tenants, and '%s' listed %d", sql, strata_result_nrows(r));
			strata_error_hint(pr->err, "seed two tenants, or name them with --tenant A --tenant B");
			goto done;
		}
		pr->rep->tenant_a = st_tenancy_dup(r, 0, 0);
		pr->rep->tenant_b = st_tenancy_dup(r, 1, 0);
	}
	if (pr->rep->tenant_a == NULL || pr->rep->tenant_b == NULL) {
		rc = st_tenancy_oom(pr->err);
		goto done;
	}
	if (strcmp(pr->rep->tenant_a, pr->rep->tenant_b) == 0)
		rc = strata_error_set(pr->err, STRATA_EINVAL, "the two tenants are the same ('%s')",
			pr->rep->tenant_a);
done:
	strata_result_free(r);
	return rc;
}

static int choose_roles(st_probe *pr)
{
	const strata_tenancy_scope *s = &pr->rep->scope;
	size_t i, n = pr->opts->role != NULL ? 1 : s->napp_roles;
	char *exists = NULL;
	int rc = 0;

	if (n == 0) {
		rc = strata_error_set(pr->err, STRATA_ENOTFOUND,
			"no application role to probe as: no role other than the owners and superusers is "
			"granted access to a tenant-scoped table");
		strata_error_hint(pr->err, "name the role with --role");
		return rc;
	}
	if (pr->opts->role != NULL) {
		rc = strata_conn_query_value(&exists, pr->c,
			"SELECT rolname FROM pg_roles WHERE rolname = $1", 1, &pr->opts->role, pr->err);
		st_free(exists);
		if (rc == STRATA_ENOTFOUND) {
			rc = strata_error_set(pr->err, STRATA_ENOTFOUND, "role '%s' does not exist",
				pr->opts->role);
			return rc;
		}
		if (rc != 0)
			return rc;
	}
	pr->rep->roles = st_calloc(n, sizeof(char *));
	if (pr->rep->roles == NULL)
		return st_tenancy_oom(pr->err);
	for (i = 0; i < n; i++) {
		pr->rep->roles[i] = st_strdup(pr->opts->role != NULL ? pr->opts->role : s->app_roles[i]);
		if (pr->rep->roles[i] == NULL)
			return st_tenancy_oom(pr->err);
		pr->rep->nroles++;
	}
	return 0;
}

static void attempt_release(strata_tenancy_attempt *a)
{
	st_free(a->tenant);
	st_free(a->other);
	st_free(a->message);
}

/* Sums up a probed table: leaks, writes accepted, checks no attempt settled. */
static void total(strata_tenancy_probe_table *pt)
{
	size_t i, j;
	long long seen[2] = { 0, 0 };

	for (i = 0; i < pt->nattempts; i++) {
		const strata_tenancy_attempt *a = &pt->attempts[i];
		int settled = 0, first = 1;

		if (a->outcome == STRATA_TENANCY_ACCEPTED)
			pt->writes_accepted += a->rows;
		if (a->outcome == STRATA_TENANCY_LEAKED && a->tenant == NULL)
			pt->rows_leaked += a->rows;
		/* The two reads of one direction see the same rows: count the larger. */
		if (a->outcome == STRATA_TENANCY_LEAKED && a->tenant != NULL) {
			int dir = strcmp(a->tenant, pt->attempts[0].tenant) != 0;

			if (a->rows > seen[dir])
				seen[dir] = a->rows;
		}
		for (j = 0; j < pt->nattempts; j++) {
			if (strcmp(pt->attempts[j].check, a->check) != 0)
				continue;
			if (j < i)
				first = 0;
			settled |= pt->attempts[j].outcome != STRATA_TENANCY_INCONCLUSIVE;
		}
		if (first && !settled)
			pt->inconclusive++;
	}
	pt->rows_leaked += seen[0] + seen[1];
}

static int probe_table(st_probe *pr, size_t role, size_t t)
{
	strata_tenancy_probe_report *rep = pr->rep;
	strata_tenancy_probe_table *pt;
	st_probe_target tg;
	int rc;

	if (rep->ntables == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 16;
		strata_tenancy_probe_table *grown = st_realloc(rep->tables, cap * sizeof(*grown));

		if (grown == NULL)
			return st_tenancy_oom(pr->err);
		rep->tables = grown;
		pr->cap = cap;
	}
	pt = &rep->tables[rep->ntables++];
	memset(pt, 0, sizeof(*pt));
	pt->table = &rep->scope.tables[t];
	pt->role = rep->roles[role];
	strata_log(STRATA_LOG_INFO, "probing %s as '%s'", pt->table->qualified, pt->role);
	memset(&tg, 0, sizeof(tg));
	tg.table = pt->table;
	tg.role = pt->role;
	tg.result = pt;
	rc = st_probe_prepare(pr, &tg);
	if (rc == 0)
		rc = st_probe_direction(pr, &tg, rep->tenant_a, rep->tenant_b);
	if (rc == 0)
		rc = st_probe_direction(pr, &tg, rep->tenant_b, rep->tenant_a);
	if (rc == 0)
		rc = st_probe_no_tenant(pr, &tg);
	/*
	 * Writes refused by a foreign key, a check or a trigger prove nothing
	 * about row-level security: they are tried again with triggers and
	 * foreign keys off (session_replication_role = replica, superusers only),
	 * where row-level security and the table's own constraints remain.
	 */
	if (rc == 0 && tg.nretry > 0 && !pr->replica_denied) {
		pr->replica = 1;
		rc = st_probe_direction(pr, &tg, rep->tenant_a, rep->tenant_b);
		if (rc == 0 && !pr->replica_denied)
			rc = st_probe_direction(pr, &tg, rep->tenant_b, rep->tenant_a);
		if (rc == 0 && !pr->replica_denied)
			rc = st_probe_no_tenant(pr, &tg);
		pr->replica = 0;
	}
	st_probe_target_release(&tg);
	if (rc != 0 && rc != STRATA_ENOMEM)
		strata_error_prefix(pr->err, "probing %s as '%s'", pt->table->qualified, pt->role);
	if (rc == 0) {
		total(pt);
		rep->rows_leaked += pt->rows_leaked;
		rep->writes_accepted += pt->writes_accepted;
		rep->inconclusive += pt->inconclusive;
	}
	return rc;
}

int strata_tenancy_probe(strata_tenancy_probe_report **out, strata_conn *c,
	const strata_tenancy_probe_options *opts, strata_error *err)
{
	static const strata_tenancy_probe_options none = STRATA_TENANCY_PROBE_OPTIONS_INIT;
	st_probe pr;
	size_t r, t;
	int rc;

	*out = NULL;
	memset(&pr, 0, sizeof(pr));
	pr.c = c;
	pr.err = err;
	pr.opts = opts != NULL ? opts : &none;
	pr.set_sql = pr.opts->set_tenant_sql != NULL ? pr.opts->set_tenant_sql
		: STRATA_TENANCY_SET_TENANT_SQL;
	pr.rep = st_calloc(1, sizeof(*pr.rep));
	if (pr.rep == NULL)
		return st_tenancy_oom(err);
	rc = st_tenancy_scope_load(&pr.rep->scope, c, &pr.opts->scope, err);
	if (rc == 0 && !pr.rep->scope.user_bypasses_rls) {
		rc = strata_error_set(err, STRATA_EENV,
			"the probe must connect as a superuser or a role with BYPASSRLS to see what every "
			"tenant holds (connected as '%s')", pr.rep->scope.user);
		strata_error_hint(err, "connect as the database owner's superuser, or ALTER ROLE %s "
			"BYPASSRLS", pr.rep->scope.user);
	}
	if (rc == 0)
		rc = list_tenants(&pr);
	if (rc == 0)
		rc = choose_roles(&pr);
	for (r = 0; rc == 0 && r < pr.rep->nroles; r++)
		for (t = 0; rc == 0 && t < pr.rep->scope.ntables; t++)
			rc = probe_table(&pr, r, t);
	if (strata_tx_status(c) != STRATA_TX_IDLE) {
		strata_error ignored = STRATA_ERROR_INIT;

		strata_tx_rollback(c, &ignored);
	}
	if (rc != 0) {
		strata_tenancy_probe_report_free(pr.rep);
		return rc;
	}
	*out = pr.rep;
	return 0;
}

void strata_tenancy_probe_report_free(strata_tenancy_probe_report *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->ntables; i++) {
		for (j = 0; j < r->tables[i].nattempts; j++)
			attempt_release(&r->tables[i].attempts[j]);
		st_free(r->tables[i].attempts);
	}
	st_free(r->tables);
	for (i = 0; i < r->nroles; i++)
		st_free(r->roles[i]);
	st_free(r->roles);
	st_free(r->tenant_a);
	st_free(r->tenant_b);
	st_tenancy_scope_release(&r->scope);
	st_free(r);
}
