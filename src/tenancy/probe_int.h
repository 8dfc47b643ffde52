/*
 * probe_int.h: what the files of strata_tenancy_probe share: probe.c (the
 * run: tenants, roles, tables, totals) and attempt.c (the transactions and
 * the attempts inside them).
 */
#ifndef STRATA_SRC_TENANCY_PROBE_INT_H
#define STRATA_SRC_TENANCY_PROBE_INT_H

#include "tenancy/tenancy_int.h"

typedef struct st_probe {
	strata_conn *c;
	strata_tenancy_probe_report *rep;
	const strata_tenancy_probe_options *opts;
	const char *set_sql;
	size_t cap;                       /* rep->tables allocated */
	strata_error *err;
	int replica;                      /* this pass retries with session_replication_role = replica */
	int replica_denied;               /* the connecting user may not set it: no retries */
} st_probe;

/* One table probed as one role: the SQL pieces, and the row to copy. */
typedef struct st_probe_target {
	const strata_tenancy_table *table;
	const char *role;
	strata_tenancy_probe_table *result;
	size_t cap;                       /* result->attempts allocated */
	char *role_ident;                 /* quoted as SQL */
	char *column_ident;
	char *insert_cols;                /* the columns an insert gives ("id, tenant_id, ...") */
	char *update_col;                 /* a column the role may update; NULL: none */
	char *row;                        /* a tenant's row as JSON, for the no-tenant insert */
	char *row_tenant;                 /* the tenant that insert gives the copy */
	char *retry;                      /* per attempt: refused by something else than RLS */
	int nretry;                       /* attempts marked in retry */
} st_probe_target;

/* ---- probe_sql.c ---- */

/* Reads the SQL pieces of tg (as the connecting user, outside any transaction). */
int st_probe_prepare(st_probe *pr, st_probe_target *tg);
void st_probe_target_release(st_probe_target *tg);

/*
 * Adds an attempt to tg's result; the message is formatted. STRATA_ENOMEM
 * only. In the replica pass it only settles an attempt marked for a retry
 * (same check and tenant), and drops everything else.
 */
int st_probe_add(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, strata_tenancy_outcome outcome, long long rows, const char *fmt, ...)
	STRATA_PRINTF(8, 9);

/*
 * Writes a statement about tg into b from fmt, where T~ stands for the
 * table, C~ the tenant column, U~ the column to update, I~ the insert's
 * columns. STRATA_ENOMEM only.
 */
int st_probe_build(strata_buf *b, const st_probe_target *tg, const char *fmt);

/* INSERT INTO T~ (I~) from $1 (a row as JSON) with column $2 set to $3. */
extern const char st_probe_insert_fmt[];

/* SET LOCAL ROLE to tg's role; the error names it. */
int st_probe_set_role(st_probe *pr, st_probe_target *tg, strata_buf *sql);

/* A statement to try, and what to count after it as the connecting user. */
typedef struct st_probe_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
	int count;                        /* rows: the count it returns, not its tag */
	const char *after_sql;            /* a count with one parameter; NULL: none */
	const char *after_param;
} st_probe_stmt;

/*
 * Runs s in a savepoint rolled back after. 0 when it ran (*rows, *after),
 * 1 when the server refused it (why), negative when the probe must stop.
 */
int st_probe_try(st_probe *pr, const st_probe_stmt *s, long long *rows, long long *after,
	strata_error *why);

/* Marks the attempt just added as one to retry with triggers and foreign keys off. */
void st_probe_mark_retry(st_probe_target *tg);

/* Refused by privileges or row-level security (42501); by a constraint (class 23). */
int st_probe_refused(const strata_error *why);
int st_probe_by_constraint(const strata_error *why);

/*
 * Records a read (ran: 0 or 1 as st_probe_try returned): rows seen are a
 * leak; none seen is isolation when something was there to see.
 */
int st_probe_judge_read(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, int ran, long long n, const strata_error *why, int something,
	const char *what);
/*
 * Records a write: rows changed are writes accepted; none changed is
 * isolation, or inconclusive with none_means when nothing could be changed.
 */
int st_probe_judge_write(st_probe *pr, st_probe_target *tg, const char *check, const char *cur,
	const char *other, int ran, long long n, const strata_error *why, const char *none_means,
	const char *verb, const char *where);

/* ---- attempt.c ---- */

/* One transaction as tenant cur aiming at other, rolled back. */
int st_probe_direction(st_probe *pr, st_probe_target *tg, const char *cur, const char *other);
/* One transaction with no tenant set, rolled back. */
int st_probe_no_tenant(st_probe *pr, st_probe_target *tg);

#endif
