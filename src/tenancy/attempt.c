/*
 * attempt.c: the probe's transactions and the attempts inside them.
 *
 * A transaction (REPEATABLE READ, so that the counts before and after an
 * attempt read one snapshot) starts as the connecting user, who sees every
 * row: how many rows each of the two tenants has, and one of the current
 * tenant's rows to copy. Then SET LOCAL ROLE, the tenant is set with the
 * caller's SQL, and each attempt runs in a savepoint rolled back at once:
 *
 *   select_other    SELECT the rows that are not the current tenant's
 *   select_tenant   SELECT the other tenant's rows by name
 *   update_other    UPDATE the other tenant's rows (WHERE tenant = B)
 *   delete_other    DELETE the other tenant's rows (WHERE tenant = B)
 *   insert_other    INSERT a copy of a row of A given to B
 *   move_to_other   UPDATE t SET tenant = B, without WHERE
 *   take_other      UPDATE t SET tenant = A, without WHERE (rows taken from others)
 *   delete_all      DELETE FROM t, without WHERE (rows of B gone)
 *
 * The three statements without WHERE matter: a statement that reads a
 * column (any WHERE does) must also pass the SELECT policies, on the old
 * row and the new, so a lax UPDATE or DELETE policy only shows through
 * statements that read nothing. What they did to other tenants is counted
 * as the connecting user before the savepoint is rolled back.
 *
 * With no tenant set, in a transaction of its own: select_no_tenant (no row
 * may be seen) and insert_no_tenant (the copy must be refused).
 *
 * The insert rebuilds the copied row with jsonb_populate_record, leaving out
 * generated columns, GENERATED ALWAYS identities, and unique columns whose
 * default is not a sequence (a uuid, say) so that the copy gets a fresh key;
 * sequence-backed keys are copied, so that the probe advances no sequence.
 */
#include <string.h>

#include "tenancy/probe_int.h"

typedef struct ground {
	char *row;                 /* one of cur's rows as JSON, or NULL */
	char *row_problem;         /* why there is none to copy */
	long long cur_rows;        /* rows of the current tenant */
	long long other_rows;      /* rows of the other tenant */
	int foreign_rows;          /* rows that are not cur's exist */
} ground;

/*
 * Starts a probe transaction. In the replica pass it also turns triggers
 * and foreign keys off (as the connecting user, before SET ROLE): when the
 * user may not, pr->replica_denied is set and the transaction rolled back.
 */
static int begin(st_probe *pr)
{
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	strata_error denied = STRATA_ERROR_INIT;
	int rc;

	o.isolation = STRATA_ISOLATION_REPEATABLE_READ;
	rc = strata_tx_begin(pr->c, &o, pr->err);
	if (rc != 0 || !pr->replica)
		return rc;
	if (strata_conn_exec(pr->c, "SET LOCAL session_replication_role = replica", &denied) == 0)
		return 0;
	if (strcmp(denied.sqlstate, "42501") != 0) {
		*pr->err = denied;
		return denied.code ? denied.code : STRATA_EDB;
	}
	strata_log(STRATA_LOG_INFO, "no retries with triggers and foreign keys off: %s", denied.message);
	pr->replica_denied = 1;
	return strata_tx_rollback(pr->c, pr->err);
}

/* Rolls back whatever is open; the first error wins. */
static int finish(st_probe *pr, int rc)
{
	strata_error ignored = STRATA_ERROR_INIT;

	if (strata_tx_status(pr->c) == STRATA_TX_IDLE)
		return rc;
	if (strata_tx_rollback(pr->c, rc == 0 ? pr->err : &ignored) != 0 && rc == 0)
		rc = pr->err->code ? pr->err->code : STRATA_EDB;
	return rc;
}

/* Checks that the copy of g->row rebuilds; if not, says why there is no row to copy. */
static int check_copy(st_probe *pr, st_probe_target *tg, ground *g, const char *other,
	strata_buf *sql)
{
	strata_error why = STRATA_ERROR_INIT;
	st_probe_stmt s;
	const char *params[3];
	long long ignored;
	strata_buf b = STRATA_BUF_INIT;
	int ran;

	params[0] = g->row;
	params[1] = pr->rep->scope.column;
	params[2] = other;
	if (st_probe_build(sql, tg, "SELECT 1 FROM jsonb_populate_record(NULL::T~, "
		"$1::jsonb || jsonb_build_object($2::text, $3::text))") != 0)
		return st_tenancy_oom(pr->err);
	memset(&s, 0, sizeof(s));
	s.sql = strata_buf_cstr(sql);
	s.nparams = 3;
	s.params = params;
	ran = st_probe_try(pr, &s, &ignored, NULL, &why);
	if (ran <= 0)
		return ran;
	strata_buf_printf(&b, "cannot rebuild a row of the table from JSON (%s: %s)", why.sqlstate,
		why.message);
	st_free(g->row);
	g->row = NULL;
	g->row_problem = strata_buf_detach(&b);
	return g->row_problem == NULL ? st_tenancy_oom(pr->err) : 0;
}

/* What there is to leak, read as the connecting user inside the transaction. */
static int read_ground(st_probe *pr, st_probe_target *tg, ground *g, const char *cur,
	const char *other, strata_buf *sql)
{
	strata_result *r = NULL;
	const char *params[2];
	int rc;

	params[0] = cur;
	params[1] = other;
	if (st_probe_build(sql, tg, "SELECT (SELECT to_jsonb(x)::text FROM T~ x WHERE x.C~ = $1 "
		"LIMIT 1), (SELECT count(*) FROM T~ WHERE C~ = $1), (SELECT count(*) FROM T~ WHERE C~ = $2), "
		"EXISTS (SELECT 1 FROM T~ WHERE C~ IS DISTINCT FROM $1)") != 0)
		return st_tenancy_oom(pr->err);
	rc = strata_conn_query(&r, pr->c, strata_buf_cstr(sql), 2, params, pr->err);
	if (rc != 0)
		return rc;
	if (strata_result_value(r, 0, 0) != NULL && (g->row = st_tenancy_dup(r, 0, 0)) == NULL)
		rc = st_tenancy_oom(pr->err);
	g->cur_rows = st_tenancy_ll(r, 0, 1);
	g->other_rows = st_tenancy_ll(r, 0, 2);
	g->foreign_rows = st_tenancy_bool(r, 0, 3);
	strata_result_free(r);
	if (rc != 0)
		return rc;
	if (g->row == NULL) {
		g->row_problem = st_strdup("the tenant set has no row in the table to copy");
		return g->row_problem == NULL ? st_tenancy_oom(pr->err) : 0;
	}
	rc = check_copy(pr, tg, g, other, sql);
	/* Kept for the insert with no tenant set, aimed at the other tenant like insert_other. */
	if (rc == 0 && g->row != NULL && tg->row == NULL) {
		tg->row = st_strdup(g->row);
		tg->row_tenant = st_strdup(other);
		if (tg->row == NULL || tg->row_tenant == NULL)
			rc = st_tenancy_oom(pr->err);
	}
	return rc;
}

/* One attempt: the statement, and how to read its outcome. */
typedef struct attempt {
	const char *check;
	const char *fmt;
	int nparams;
	const char *params[3];
	int read;                  /* a count of rows seen, else a write */
	int something;             /* reads: there were rows to see */
	const char *what;          /* reads: whose rows */
	const char *after_fmt;     /* writes: counts rows afterwards (one parameter) */
	const char *after_param;
	long long before;          /* what the after count was before */
	int taken;                 /* after - before is the count (else before - after) */
	const char *none_means;    /* writes: why no row changed proves nothing; NULL: it proves isolation */
	const char *verb;
	const char *where;
} attempt;

static int run_attempt(st_probe *pr, st_probe_target *tg, const attempt *a, const char *cur,
	const char *other, strata_buf *sql, strata_buf *after_sql)
{
	strata_error why = STRATA_ERROR_INIT;
	st_probe_stmt s;
	long long n = 0, after = 0;
	int ran;

	if (st_probe_build(sql, tg, a->fmt) != 0 ||
		(a->after_fmt != NULL && st_probe_build(after_sql, tg, a->after_fmt) != 0))
		return st_tenancy_oom(pr->err);
	memset(&s, 0, sizeof(s));
	s.sql = strata_buf_cstr(sql);
	s.nparams = a->nparams;
	s.params = a->params;
	s.count = a->read;
	s.after_sql = a->after_fmt != NULL ? strata_buf_cstr(after_sql) : NULL;
	s.after_param = a->after_param;
	ran = st_probe_try(pr, &s, &n, &after, &why);
	if (ran < 0)
		return ran;
	if (a->read)
		return st_probe_judge_read(pr, tg, a->check, cur, other, ran, n, &why, a->something,
			a->what);
	if (ran == 0 && a->after_fmt != NULL)
		n = a->taken ? after - a->before : a->before - after;
	return st_probe_judge_write(pr, tg, a->check, cur, other, ran, n < 0 ? 0 : n, &why,
		a->none_means, a->verb, a->where);
}

static int attempts(st_probe *pr, st_probe_target *tg, const ground *g, const char *cur,
	const char *other, strata_buf *sql)
{
	const char *none_other = g->other_rows > 0 ? NULL : "the other tenant has no rows to change";
	const char *no_row = "the role sees no row of the tenant set to move";
	attempt list[] = {
		{ "select_other", "SELECT count(*) FROM T~ WHERE C~ IS DISTINCT FROM $1", 1, { cur },
		  1, g->foreign_rows, "other tenants (or of none)", NULL, NULL, 0, 0, NULL, NULL, NULL },
		{ "select_tenant", "SELECT count(*) FROM T~ WHERE C~ = $1", 1, { other },
		  1, g->other_rows > 0, "the other tenant", NULL, NULL, 0, 0, NULL, NULL, NULL },
		{ "update_other", "UPDATE T~ SET U~ = U~ WHERE C~ = $1", 1, { other },
		  0, 0, NULL, NULL, NULL, 0, 0, none_other, "updated", "of the other tenant" },
		{ "delete_other", "DELETE FROM T~ WHERE C~ = $1", 1, { other },
		  0, 0, NULL, NULL, NULL, 0, 0, none_other, "deleted", "of the other tenant" },
		{ "insert_other", st_probe_insert_fmt, 3, { g->row, pr->rep->scope.column, other },
		  0, 0, NULL, NULL, NULL, 0, 0, "inserted nothing, without an error", "inserted",
		  "for the other tenant" },
		{ "move_to_other", "UPDATE T~ SET C~ = $1", 1, { other },
		  0, 0, NULL, NULL, NULL, 0, 0, no_row, "moved", "to the other tenant" },
		{ "take_other", "UPDATE T~ SET C~ = $1", 1, { cur },
		  0, 0, NULL, "SELECT count(*) FROM T~ WHERE C~ = $1", cur, g->cur_rows, 1,
		  g->foreign_rows ? NULL : "there are no rows of other tenants to take", "took",
		  "from other tenants" },
		{ "delete_all", "DELETE FROM T~", 0, { NULL },
		  0, 0, NULL, "SELECT count(*) FROM T~ WHERE C~ = $1", other, g->other_rows, 0,
		  none_other, "deleted", "of the other tenant" },
	};
	strata_buf after_sql = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < ST_ARRAY_LEN(list) && rc == 0; i++) {
		const attempt *a = &list[i];

		if (strcmp(a->check, "update_other") == 0 && tg->update_col == NULL)
			rc = st_probe_add(pr, tg, a->check, cur, other, STRATA_TENANCY_ISOLATED, 0,
				"refused: the role may update no column");
		else if (strcmp(a->check, "insert_other") == 0 && g->row == NULL)
			rc = st_probe_add(pr, tg, a->check, cur, other, STRATA_TENANCY_INCONCLUSIVE, 0, "%s",
				g->row_problem);
		else
			rc = run_attempt(pr, tg, a, cur, other, sql, &after_sql);
	}
	strata_buf_release(&after_sql);
	return rc;
}

int st_probe_direction(st_probe *pr, st_probe_target *tg, const char *cur, const char *other)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_result *r = NULL;
	ground g;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = begin(pr);
	if (rc == 0 && pr->replica && pr->replica_denied)
		return 0;   /* begin() rolled back */
	if (rc == 0)
		rc = read_ground(pr, tg, &g, cur, other, &sql);
	if (rc == 0)
		rc = st_probe_set_role(pr, tg, &sql);
	if (rc == 0) {
		rc = strata_conn_query(&r, pr->c, pr->set_sql, 1, &cur, pr->err);
		if (rc != 0) {
			strata_error_prefix(pr->err, "cannot set the tenant to '%s' as role '%s' with '%s'",
				cur, tg->role, pr->set_sql);
			strata_error_hint(pr->err, "give the statement that sets the tenant ($1) with "
				"--set-tenant-sql");
		}
		strata_result_free(r);
	}
	if (rc == 0)
		rc = attempts(pr, tg, &g, cur, other, &sql);
	rc = finish(pr, rc);
	st_free(g.row);
	st_free(g.row_problem);
	strata_buf_release(&sql);
	return rc;
}

static int no_tenant_insert(st_probe *pr, st_probe_target *tg, strata_buf *sql)
{
	strata_error why = STRATA_ERROR_INIT;
	st_probe_stmt s;
	const char *params[3];
	long long n = 0;
	int ran;

	if (tg->row == NULL)
		return st_probe_add(pr, tg, "insert_no_tenant", NULL, NULL, STRATA_TENANCY_INCONCLUSIVE, 0,
			"neither tenant has a row in the table to copy");
	params[0] = tg->row;
	params[1] = pr->rep->scope.column;
	params[2] = tg->row_tenant;
	if (st_probe_build(sql, tg, st_probe_insert_fmt) != 0)
		return st_tenancy_oom(pr->err);
	memset(&s, 0, sizeof(s));
	s.sql = strata_buf_cstr(sql);
	s.nparams = 3;
	s.params = params;
	ran = st_probe_try(pr, &s, &n, NULL, &why);
	if (ran < 0)
		return ran;
	if (ran == 1 && st_probe_by_constraint(&why)) {
		int rc = st_probe_add(pr, tg, "insert_no_tenant", NULL, NULL, STRATA_TENANCY_INCONCLUSIVE,
			0, "refused for another reason than row-level security (%s: %s): not proven",
			why.sqlstate, why.message);

		if (rc == 0 && !pr->replica)
			st_probe_mark_retry(tg);
		return rc;
	}
	if (ran == 1)
		return st_probe_add(pr, tg, "insert_no_tenant", NULL, NULL, STRATA_TENANCY_ISOLATED, 0,
			"refused: %s", why.message);
	return st_probe_add(pr, tg, "insert_no_tenant", NULL, NULL, STRATA_TENANCY_ACCEPTED,
		n > 0 ? n : 1, "inserted a row with no tenant set");
}

int st_probe_no_tenant(st_probe *pr, st_probe_target *tg)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_error why = STRATA_ERROR_INIT;
	st_probe_stmt s;
	char *any = NULL;
	long long n = 0;
	int rc, ran, something;

	rc = begin(pr);
	if (rc == 0 && pr->replica && pr->replica_denied)
		return 0;   /* begin() rolled back */
	if (rc == 0 && st_probe_build(&sql, tg, "SELECT EXISTS (SELECT 1 FROM T~)") != 0)
		rc = st_tenancy_oom(pr->err);
	if (rc == 0)
		rc = strata_conn_query_value(&any, pr->c, strata_buf_cstr(&sql), 0, NULL, pr->err);
	something = any != NULL && strcmp(any, "t") == 0;
	if (rc == 0)
		rc = st_probe_set_role(pr, tg, &sql);
	if (rc == 0 && st_probe_build(&sql, tg, "SELECT count(*) FROM T~") != 0)
		rc = st_tenancy_oom(pr->err);
	if (rc != 0)
		goto done;
	memset(&s, 0, sizeof(s));
	s.sql = strata_buf_cstr(&sql);
	s.count = 1;
	ran = st_probe_try(pr, &s, &n, NULL, &why);
	/* A policy that cannot tell the tenant may fail closed with an error: nothing was seen. */
	if (ran < 0)
		rc = ran;
	else if (ran == 1)
		rc = st_probe_add(pr, tg, "select_no_tenant", NULL, NULL, STRATA_TENANCY_ISOLATED, 0,
			"refused: %s", why.message);
	else if (n > 0)
		rc = st_probe_add(pr, tg, "select_no_tenant", NULL, NULL, STRATA_TENANCY_LEAKED, n,
			"saw %lld row%s with no tenant set", n, n == 1 ? "" : "s");
	else
		rc = st_probe_add(pr, tg, "select_no_tenant", NULL, NULL,
			something ? STRATA_TENANCY_ISOLATED : STRATA_TENANCY_INCONCLUSIVE, 0, "%s",
			something ? "saw none" : "saw none, but the table has no rows to see");
	if (rc == 0)
		rc = no_tenant_insert(pr, tg, &sql);
done:
	rc = finish(pr, rc);
	st_free(any);
	strata_buf_release(&sql);
	return rc;
}
