/*
 * tenancy_cli.h: what the files of `strata tenancy` share: cmd_tenancy.c
 * (options, subcommands, the runs) and tenancy_print.c (the reports as text
 * and JSON).
 */
#ifndef STRATA_CLI_TENANCY_H
#define STRATA_CLI_TENANCY_H

#include "cli.h"

typedef struct ten_opts {
	const char *column;
	cli_list schemas;
	cli_list app_roles;
	cli_list tenants;
	const char *role;
	const char *tenants_sql;
	const char *set_tenant_sql;
	const char *const *roles;     /* the application roles: --app-role, else strata.yaml */
	size_t nroles;
	const char *roles_from;       /* "--app-role", "strata.yaml" or "detected" */
} ten_opts;

/* Prints a report on stdout; returns 0, or the exit code of a failed write. */
int ten_print_check(const cli_ctx *ctx, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_report *r);
int ten_print_probe(const cli_ctx *ctx, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_probe_report *r);

#endif
