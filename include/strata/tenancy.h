/*
 * strata/tenancy.h: tenant isolation of a live database, checked two ways.
 *
 * A tenant-scoped table is a table (ordinary or partitioned) with the tenant
 * column ("tenant_id" unless told otherwise) in a schema that is not a system
 * schema. Partitions are reached through their parent and are checked on
 * their own only when an application role may read or write them directly.
 *
 * The application roles are the roles the service connects as. Given by the
 * caller, or detected: roles granted SELECT, INSERT, UPDATE or DELETE on a
 * tenant-scoped table that are neither superusers nor that table's owner; a
 * role with BYPASSRLS that may only read is taken for a backup role and left
 * out (name it to have it checked).
 *
 * strata_tenancy_check reads the catalog and reports findings: row-level
 * security not enabled or not forced, a command no permissive policy covers,
 * a policy that does not read the tenant column, a write policy without WITH
 * CHECK, an application role that owns tables or bypasses row-level security,
 * a view over tenant-scoped tables that does not run as its invoker.
 *
 * strata_tenancy_probe proves it: as each application role, with one tenant
 * set, it reads, updates, deletes and inserts the other tenant's rows of every
 * tenant-scoped table, and does the same with no tenant set, inside
 * transactions that are always rolled back. Nothing it does is committed.
 *
 * Both take a connection the caller opened (a superuser, or a role with
 * BYPASSRLS for the probe, which must see every tenant's rows to know what a
 * leak would be) and return a report the caller frees.
 */
#ifndef STRATA_TENANCY_H
#define STRATA_TENANCY_H

#include <stddef.h>

#include "common.h"
#include "error.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default tenant column, tenant list query and tenant setter. */
#define STRATA_TENANCY_COLUMN "tenant_id"
#define STRATA_TENANCY_TENANTS_SQL "SELECT id FROM core.tenants ORDER BY id"
#define STRATA_TENANCY_SET_TENANT_SQL "SELECT strata_tenant.set($1::uuid)"

/* What to look at: shared by the check and the probe. */
typedef struct strata_tenancy_options {
	const char *column;               /* the tenant column; NULL: STRATA_TENANCY_COLUMN */
	const char *const *schemas;       /* only these schemas; none: every non-system schema */
	size_t nschemas;
	const char *const *app_roles;     /* the application roles; none: detected */
	size_t napp_roles;
} strata_tenancy_options;

#define STRATA_TENANCY_OPTIONS_INIT { NULL, NULL, 0, NULL, 0 }

/* Privilege bits of strata_tenancy_scope.privileges. */
#define STRATA_TENANCY_SELECT 1u
#define STRATA_TENANCY_INSERT 2u
#define STRATA_TENANCY_UPDATE 4u
#define STRATA_TENANCY_DELETE 8u

typedef struct strata_tenancy_table {
	unsigned int oid;                 /* pg_class oid */
	char *schema;
	char *name;
	char *qualified;                  /* schema.name quoted as SQL needs it */
	char *owner;
	const char *kind;                 /* "table", "partitioned table" or "partition" */
	char *column_type;                /* the tenant column's type, for example "uuid" */
	int column_attnum;
	int rls_enabled;
	int rls_forced;
	int npolicies;
} strata_tenancy_table;

/* The tenant-scoped tables and application roles a check or probe worked on. */
typedef struct strata_tenancy_scope {
	char *column;
	strata_tenancy_table *tables;     /* by schema, then name */
	size_t ntables;
	size_t npartitions_skipped;       /* partitions no application role may touch directly */
	char **app_roles;                 /* sorted when detected, else as given */
	size_t napp_roles;
	int app_roles_detected;           /* 1 when detected, 0 when given */
	/* privileges[t * napp_roles + r]: STRATA_TENANCY_* bits role r holds on table t. */
	unsigned char *privileges;
	char *user;                       /* who the connection is */
	int user_bypasses_rls;            /* a superuser, or BYPASSRLS */
} strata_tenancy_scope;

/* ------------------------------------------------------------------------
 * The check
 * ------------------------------------------------------------------------ */

/* Finding kinds: stable identifiers (for JSON and scripts). */
#define STRATA_TENANCY_RLS_NOT_ENABLED "rls_not_enabled"
#define STRATA_TENANCY_RLS_NOT_FORCED "rls_not_forced"
#define STRATA_TENANCY_POLICY_MISSING "policy_missing"
#define STRATA_TENANCY_POLICY_WITHOUT_TENANT "policy_without_tenant"
#define STRATA_TENANCY_POLICY_WITHOUT_CHECK "policy_without_check"
#define STRATA_TENANCY_ROLE_OWNS_TABLES "role_owns_tables"
#define STRATA_TENANCY_ROLE_BYPASSES_RLS "role_bypasses_rls"
#define STRATA_TENANCY_VIEW_NOT_INVOKER "view_not_invoker"

typedef struct strata_tenancy_finding {
	const char *kind;                 /* one of the STRATA_TENANCY_* kinds (static) */
	char *object;                     /* "core.users", "policy p on core.users", "role app", "view v" */
	char *message;                    /* what is wrong and why it matters */
	char *hint;                       /* the SQL that fixes it */
} strata_tenancy_finding;

typedef struct strata_tenancy_report {
	strata_tenancy_scope scope;
	size_t nviews;                    /* views reading tenant-scoped tables */
	strata_tenancy_finding *findings; /* by table, then roles, then views */
	size_t nfindings;
} strata_tenancy_report;

/*
 * Checks the database c is connected to. Findings are not errors: the call
 * succeeds and lists them. An application role that does not exist is
 * STRATA_ENOTFOUND; server errors are STRATA_EDB.
 */
STRATA_API int strata_tenancy_check(strata_tenancy_report **out, strata_conn *c,
	const strata_tenancy_options *opts, strata_error *err);
STRATA_API void strata_tenancy_report_free(strata_tenancy_report *r);

/* ------------------------------------------------------------------------
 * The probe
 * ------------------------------------------------------------------------ */

typedef struct strata_tenancy_probe_options {
	strata_tenancy_options scope;
	const char *role;                 /* probe as this role; NULL: every application role */
	const char *const *tenants;       /* the two tenants (A, then B); none: tenants_sql */
	size_t ntenants;
	const char *tenants_sql;          /* lists tenants, first column; NULL: the default */
	const char *set_tenant_sql;       /* sets the tenant given as $1; NULL: the default */
} strata_tenancy_probe_options;

#define STRATA_TENANCY_PROBE_OPTIONS_INIT { STRATA_TENANCY_OPTIONS_INIT, NULL, NULL, 0, NULL, NULL }

/* What one attempt showed. */
typedef enum strata_tenancy_outcome {
	STRATA_TENANCY_ISOLATED = 0,      /* nothing seen, nothing changed, or refused */
	STRATA_TENANCY_LEAKED,            /* rows of another tenant (or of none) were seen */
	STRATA_TENANCY_ACCEPTED,          /* a write across tenants (or without one) went through */
	STRATA_TENANCY_INCONCLUSIVE       /* nothing to try it on, or refused for another reason */
} strata_tenancy_outcome;

/*
 * One attempt. Checks: "select_other" (rows not of the current tenant),
 * "select_tenant" (rows of the other tenant, asked for by name),
 * "update_other", "delete_other", "insert_other" (a copy of one of the
 * current tenant's rows given to the other tenant), "move_to_other" (one of
 * the current tenant's rows moved to the other), and with no tenant set,
 * "select_no_tenant" and "insert_no_tenant".
 */
typedef struct strata_tenancy_attempt {
	const char *check;                /* static */
	char *tenant;                     /* the tenant set; NULL for the no-tenant checks */
	char *other;                      /* the tenant aimed at; NULL for the no-tenant checks */
	strata_tenancy_outcome outcome;
	long long rows;                   /* rows seen or changed (LEAKED, ACCEPTED) */
	char *message;                    /* what happened, for example the server's refusal */
} strata_tenancy_attempt;

typedef struct strata_tenancy_probe_table {
	const strata_tenancy_table *table;   /* in the report's scope */
	const char *role;                    /* in the report's roles */
	long long rows_leaked;
	long long writes_accepted;
	int inconclusive;                    /* checks that no attempt could settle */
	strata_tenancy_attempt *attempts;
	size_t nattempts;
} strata_tenancy_probe_table;

typedef struct strata_tenancy_probe_report {
	strata_tenancy_scope scope;
	char *tenant_a;
	char *tenant_b;
	char **roles;                        /* the roles probed as */
	size_t nroles;
	strata_tenancy_probe_table *tables;  /* by role, then table */
	size_t ntables;
	long long rows_leaked;
	long long writes_accepted;
	int inconclusive;
} strata_tenancy_probe_report;

/*
 * Probes the database c is connected to, which must be a superuser or a role
 * with BYPASSRLS (else STRATA_EENV) allowed to SET ROLE to the probed roles.
 * Each tenant-scoped table is probed in three transactions per role (tenant
 * A aiming at B, B at A, then no tenant), each rolled back. Fewer than two
 * tenants is STRATA_EINVAL; no application role to probe as is
 * STRATA_ENOTFOUND; a tenant that cannot be set, or any other server error
 * outside an attempt, is STRATA_EDB.
 */
STRATA_API int strata_tenancy_probe(strata_tenancy_probe_report **out, strata_conn *c,
	const strata_tenancy_probe_options *opts, strata_error *err);
STRATA_API void strata_tenancy_probe_report_free(strata_tenancy_probe_report *r);

/* "isolated", "leaked", "accepted" or "inconclusive". */
STRATA_API const char *strata_tenancy_outcome_name(strata_tenancy_outcome outcome);

#ifdef __cplusplus
}
#endif

#endif
