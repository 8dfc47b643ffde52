/*
 * check_int.h: what the files of strata_tenancy_check share: check.c (the
 * run and the table settings), policy.c (policy coverage and content),
 * access.c (application roles and views).
 */
#ifndef STRATA_SRC_TENANCY_CHECK_INT_H
#define STRATA_SRC_TENANCY_CHECK_INT_H

#include "tenancy/tenancy_int.h"

/* One row of pg_policy on a tenant-scoped table. */
typedef struct st_policy {
	unsigned relid;
	int table;                 /* index in the scope's tables, or -1 */
	char *name;
	char *ident;               /* quoted as SQL */
	char cmd;                  /* 'r' SELECT, 'a' INSERT, 'w' UPDATE, 'd' DELETE, '*' ALL */
	int permissive;
	int has_qual;              /* USING */
	int has_check;             /* WITH CHECK */
	char *qual_tree;           /* node trees, "" when absent */
	char *check_tree;
	char *qual_sql;            /* deparsed, "" when absent */
	char *check_sql;
	char *roles;               /* "PUBLIC" or "app, readonly", for messages */
	char *applies;             /* per application role, '1' when the policy applies to it */
	st_tenancy_refs qual_refs;
	st_tenancy_refs check_refs;
} st_policy;

typedef struct st_check {
	strata_tenancy_report *rep;
	size_t cap;                /* findings allocated */
	st_policy *policies;
	size_t npolicies;
	char **role_idents;        /* the application roles quoted as SQL, NULL-terminated */
	char *column_ident;        /* the tenant column quoted as SQL */
	char *tenant_expr;         /* "tenant_id = <the current tenant>", for hints */
	strata_error *err;
} st_check;

/* Adds a finding; the message is formatted. STRATA_ENOMEM only. */
int st_check_add(st_check *k, const char *kind, const char *object, const char *hint,
	const char *fmt, ...) STRATA_PRINTF(5, 6);

/* policy.c: policy_missing, policy_without_tenant, policy_without_check for table t. */
int st_check_table_policies(st_check *k, size_t t);

/* access.c: role_owns_tables, role_bypasses_rls; view_not_invoker. */
int st_check_roles(st_check *k, strata_conn *c);
int st_check_views(st_check *k, strata_conn *c, const strata_tenancy_options *opts);

#endif
