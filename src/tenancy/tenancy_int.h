/*
 * tenancy_int.h: internals of the tenancy module (src/tenancy only, and its
 * tests). scope.c finds the tenant-scoped tables and the application roles
 * that check.c and probe.c work on; expr.c reads policy expressions.
 */
#ifndef STRATA_SRC_TENANCY_INT_H
#define STRATA_SRC_TENANCY_INT_H

#include "strata/tenancy.h"

#include "base/base.h"

/* ---- scope.c ---- */

/*
 * Fills s (zeroed by the caller) with the tenant-scoped tables and the
 * application roles, and each role's privileges on each table. A given role
 * that does not exist is STRATA_ENOTFOUND. s must be released whatever the
 * result.
 */
int st_tenancy_scope_load(strata_tenancy_scope *s, strata_conn *c,
	const strata_tenancy_options *opts, strata_error *err);
void st_tenancy_scope_release(strata_tenancy_scope *s);

/* The privilege bits role r holds on table t. */
unsigned st_tenancy_privs(const strata_tenancy_scope *s, size_t t, size_t r);

/* Appends a PostgreSQL array literal ({"a","b"}) of n strings. */
int st_tenancy_array(strata_buf *out, const char *const *items, size_t n);
/* The tables' oids as an array literal. */
int st_tenancy_oid_array(strata_buf *out, const strata_tenancy_scope *s);

/* A result's value as an allocated string ("" for NULL); NULL when out of memory. */
char *st_tenancy_dup(const strata_result *r, int row, int col);
/* Nonzero when a result's value is "t". */
int st_tenancy_bool(const strata_result *r, int row, int col);
long long st_tenancy_ll(const strata_result *r, int row, int col);

/* Sets STRATA_ENOMEM in err and returns it. */
int st_tenancy_oom(strata_error *err);

/* ---- expr.c ---- */

/* What a policy expression reads of the policy's own table. */
typedef struct st_tenancy_refs {
	int column;          /* the given column */
	int others;          /* another column, or the whole row */
} st_tenancy_refs;

/*
 * Scans tree, the text of a pg_node_tree (pg_policy.polqual or polwithcheck),
 * for the Vars that read the policy's own table: range table entry 1 at the
 * expression's own query level (varlevelsup equal to the number of QUERY
 * nodes around the Var). A Var of a subquery's own table, or a string that
 * merely spells the column's name, does not count. STRATA_ENOMEM only.
 */
int st_tenancy_expr_refs(st_tenancy_refs *out, const char *tree, int attnum);

#endif
