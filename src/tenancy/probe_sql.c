/*
 * probe_sql.c: the pieces the probe's attempts are made of: the SQL of a
 * table (its name, tenant column, the columns an insert gives and one the
 * role may update), running a statement in a savepoint that is always rolled
 * back, and telling what its outcome shows (see attempt.c).
 */
#include <stdarg.h>
#include <string.h>

#include "tenancy/probe_int.h"

#define SAVEPOINT "strata_probe"

void st_probe_target_release(st_probe_target *tg)
{
	st_free(tg->role_ident);
	st_free(tg->column_ident);
	st_free(tg->insert_cols);
	st_free(tg->update_col);
	st_free(tg->row);
	st_free(tg->row_tenant);
	st_free(tg->retry);
	memset(tg, 0, sizeof(*tg));
}

static const char PREPARE_SQL[] =
	"SELECT quote_ident($2), quote_ident($3), "
	"(SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a "
	"LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
	"WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
	"AND a.attidentity <> 'a' "
	"AND NOT (a.attname <> $2 AND d.oid IS NOT NULL "
	"AND pg_get_expr(d.adbin, d.adrelid) !~ '^nextval\\(' "
	"AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique "
	"AND a.attnum = ANY (i.indkey)))), "
	"(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = $1::oid "
	"AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity <> 'a' "
	"AND has_column_privilege($3, a.attrelid, a.attnum, 'UPDATE') "
	"ORDER BY a.attname = $2, a.attnum LIMIT 1)";

int st_probe_prepare(st_probe *pr, st_probe_target *tg)
{
	strata_result *r = NULL;
	char oid[16];
	const char *params[3];
	int rc;

	st_snprintf(oid, sizeof(oid), "%u", tg->table->oid);
	params[0] = oid;
	params[1] = pr->rep->scope.column;
	params[2] = tg->role;
	rc = strata_conn_query(&r, pr->c, PREPARE_SQL, 3, params, pr->err);
	if (rc != 0)
		return rc;
	tg->column_ident = st_tenancy_dup(r, 0, 0);
	tg->role_ident = st_tenancy_dup(r, 0, 1);
	tg->insert_cols = st_tenancy_dup(r, 0, 2);
	if (strata_result_value(r, 0, 3) != NULL)
		tg->update_col = st_tenancy_dup(r, 0, 3);
	if (tg->column_ident == NULL || tg->role_ident == NULL || tg->insert_cols == NULL ||
		(strata_result_value(r, 0, 3) != NULL && tg->update_col == NULL))
		rc = st_tenancy_oom(pr->err);
	strata_result_free(r);
	return rc;
}

static int same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/*
 * The replica pass: what a retry showed replaces the attempt it retried
 * when it settles it; an inconclusive retry keeps the first refusal.
 */
static int settle(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	strata_tenancy_outcome outcome, long long rows, const char *fmt, va_list ap)
{
	strata_tenancy_probe_table *pt = tg->result;
	strata_buf msg = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < pt->nattempts; i++)
		if (tg->retry[i] && strcmp(pt->attempts[i].check, check) == 0 &&
			same(pt->attempts[i].tenant, cur))
			break;
	if (i == pt->nattempts || outcome == STRATA_TENANCY_INCONCLUSIVE)
		return 0;
	strata_buf_puts(&msg, "with triggers and foreign keys off (session_replication_role = replica): ");
	strata_buf_vprintf(&msg, fmt, ap);
	if (strata_buf_failed(&msg)) {
		strata_buf_release(&msg);
		return st_tenancy_oom(pr->err);
	}
	st_free(pt->attempts[i].message);
	pt->attempts[i].message = strata_buf_detach(&msg);
	pt->attempts[i].outcome = outcome;
	pt->attempts[i].rows = rows;
	tg->retry[i] = 0;
	tg->nretry--;
	return 0;
}

int st_probe_add(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, strata_tenancy_outcome outcome, long long rows, const char *fmt, ...)
{
	strata_tenancy_probe_table *pt = tg->result;
	strata_tenancy_attempt *a;
	strata_buf msg = STRATA_BUF_INIT;
	va_list ap;
	int rc;

	if (pr->replica) {
		va_start(ap, fmt);
		rc = settle(pr, tg, check, cur, outcome, rows, fmt, ap);
		va_end(ap);
		return rc;
	}
	if (pt->nattempts == tg->cap) {
		size_t cap = tg->cap ? tg->cap * 2 : 16;
		strata_tenancy_attempt *grown = st_realloc(pt->attempts, cap * sizeof(*grown));
		char *retry;

		if (grown == NULL)
			return st_tenancy_oom(pr->err);
		pt->attempts = grown;
		retry = st_realloc(tg->retry, cap);
		if (retry == NULL)
			return st_tenancy_oom(pr->err);
		memset(retry + tg->cap, 0, cap - tg->cap);
		tg->retry = retry;
		tg->cap = cap;
	}
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	a = &pt->attempts[pt->nattempts++];
	memset(a, 0, sizeof(*a));
	a->check = check;
	a->outcome = outcome;
	a->rows = rows;
	a->tenant = cur != NULL ? st_strdup(cur) : NULL;
	a->other = other != NULL ? st_strdup(other) : NULL;
	a->message = strata_buf_detach(&msg);
	if (a->message == NULL || (cur != NULL && a->tenant == NULL) ||
		(other != NULL && a->other == NULL))
		return st_tenancy_oom(pr->err);
	return 0;
}

void st_probe_mark_retry(st_probe_target *tg)
{
	if (tg->result->nattempts > 0 && !tg->retry[tg->result->nattempts - 1]) {
		tg->retry[tg->result->nattempts - 1] = 1;
		tg->nretry++;
	}
}

/* The rows a command tag reports ("UPDATE 3", "INSERT 0 1"). */
static long long tag_rows(const char *tag)
{
	const char *sp = tag != NULL ? strrchr(tag, ' ') : NULL;
	int64_t n = 0;

	if (sp == NULL || st_parse_int64(&n, sp + 1, 0, INT64_MAX) != 0)
		return 0;
	return (long long)n;
}

/*
 * Runs a statement in a savepoint that is rolled back after. Returns 0 when
 * it ran (*rows: the count it returned, or the rows its tag reports; *after:
 * what after_sql counted as the connecting user before the rollback), 1
 * when the server refused it (why says how), or a negative code in pr->err
 * when the probe cannot go on (the connection is lost, the savepoint failed).
 */
int st_probe_try(st_probe *pr, const st_probe_stmt *s, long long *rows, long long *after,
	strata_error *why)
{
	strata_result *r = NULL;
	char *v = NULL;
	int64_t n = 0;
	int rc;

	*rows = 0;
	if (after != NULL)
		*after = 0;
	strata_error_clear(why);
	rc = strata_tx_savepoint(pr->c, SAVEPOINT, pr->err);
	if (rc != 0)
		return rc;
	rc = strata_conn_query(&r, pr->c, s->sql, s->nparams, s->params, why);
	if (rc == 0)
		*rows = s->count ? st_tenancy_ll(r, 0, 0) : tag_rows(strata_result_tag(r));
	strata_result_free(r);
	if (rc == STRATA_ECONNECT || rc == STRATA_ENOMEM) {
		*pr->err = *why;
		return rc;
	}
	if (rc == 0 && s->after_sql != NULL) {
		/* Back to the connecting user until the rollback, which restores the role. */
		rc = strata_conn_exec(pr->c, "SET LOCAL ROLE NONE", pr->err);
		if (rc == 0)
			rc = strata_conn_query_value(&v, pr->c, s->after_sql, 1, &s->after_param, pr->err);
		if (rc != 0)
			return rc;
		if (v == NULL || st_parse_int64(&n, v, INT64_MIN, INT64_MAX) != 0)
			n = 0;
		*after = (long long)n;
		st_free(v);
	}
	rc = rc != 0;
	if (strata_tx_rollback_to(pr->c, SAVEPOINT, pr->err) != 0)
		return pr->err->code ? pr->err->code : STRATA_EDB;
	return rc;
}

int st_probe_refused(const strata_error *why)
{
	return strcmp(why->sqlstate, "42501") == 0;
}

int st_probe_by_constraint(const strata_error *why)
{
	return strncmp(why->sqlstate, "23", 2) == 0;
}

/* A statement of the target's table: T is the table, C the tenant column, U the update column. */
int st_probe_build(strata_buf *b, const st_probe_target *tg, const char *fmt)
{
	const char *p;

	strata_buf_clear(b);
	for (p = fmt; *p != '\0'; p++) {
		if (*p == 'T' && p[1] == '~')
			strata_buf_puts(b, tg->table->qualified);
		else if (*p == 'C' && p[1] == '~')
			strata_buf_puts(b, tg->column_ident);
		else if (*p == 'U' && p[1] == '~')
			strata_buf_puts(b, tg->update_col);
		else if (*p == 'I' && p[1] == '~')
			strata_buf_puts(b, tg->insert_cols);
		else {
			strata_buf_putc(b, *p);
			continue;
		}
		p++;
	}
	return strata_buf_failed(b) ? STRATA_ENOMEM : 0;
}

const char st_probe_insert_fmt[] =
	"INSERT INTO T~ (I~) SELECT I~ FROM jsonb_populate_record(NULL::T~, "
	"$1::jsonb || jsonb_build_object($2::text, $3::text))";

/* SET LOCAL ROLE to the probed role, inside the transaction. */
int st_probe_set_role(st_probe *pr, st_probe_target *tg, strata_buf *sql)
{
	int rc;

	strata_buf_clear(sql);
	strata_buf_printf(sql, "SET LOCAL ROLE %s", tg->role_ident);
	if (strata_buf_failed(sql))
		return st_tenancy_oom(pr->err);
	rc = strata_conn_exec(pr->c, strata_buf_cstr(sql), pr->err);
	if (rc != 0)
		strata_error_prefix(pr->err, "cannot probe as role '%s'", tg->role);
	return rc;
}

/* A read of rows that are not cur's: n seen, none, or a refusal. */
int st_probe_judge_read(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, int ran, long long n, const strata_error *why, int something, const char *what)
{
	if (ran == 1 && st_probe_refused(why))
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_ISOLATED, 0, "refused: %s",
			why->message);
	if (ran == 1)
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_INCONCLUSIVE, 0,
			"failed (%s: %s)", why->sqlstate, why->message);
	if (n > 0)
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_LEAKED, n,
			"saw %lld row%s of %s", n, n == 1 ? "" : "s", what);
	if (!something)
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_INCONCLUSIVE, 0,
			"saw none, but there are no rows of %s to see", what);
	return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_ISOLATED, 0,
		"saw none of the rows of %s", what);
}

/* A write aimed at other rows: n changed, none, or a refusal. */
int st_probe_judge_write(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, int ran, long long n, const strata_error *why, const char *none_means,
	const char *verb, const char *where)
{
	if (ran == 1 && st_probe_refused(why))
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_ISOLATED, 0, "refused: %s",
			why->message);
	if (ran == 1) {
		int rc = st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_INCONCLUSIVE, 0,
			"refused for another reason than row-level security or privileges (%s: %s): not "
			"proven", why->sqlstate, why->message);

		if (rc == 0 && !pr->replica)
			st_probe_mark_retry(tg);
		return rc;
	}
	if (n > 0)
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_ACCEPTED, n, "%s %lld row%s %s",
			verb, n, n == 1 ? "" : "s", where);
	if (none_means != NULL)
		return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_INCONCLUSIVE, 0, "%s",
			none_means);
	return st_probe_add(pr, tg, check, cur, other, STRATA_TENANCY_ISOLATED, 0, "changed no row");
}

