/*
 * cmd_tenancy.c: `strata tenancy`, tenant isolation of a live database.
 *
 *   check   reads the catalog: row-level security, policies, application
 *           roles and views (exit 1 on findings)
 *   probe   as each application role, tries every command across two
 *           tenants, in transactions always rolled back (exit 1 when a row
 *           leaked or a write was accepted)
 *
 * The application roles come from --app-role, else strata.yaml
 * (tenancy: app_roles), else the library detects them from the grants.
 */
#include <stdio.h>
#include <string.h>

#include "tenancy_cli.h"

typedef struct ten_sub {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(cli_ctx *ctx, ten_opts *o);
} ten_sub;

static int run_check(cli_ctx *ctx, ten_opts *o);
static int run_probe(cli_ctx *ctx, ten_opts *o);

static const ten_sub subs[] = {
	{ "check", "report what lets one tenant reach another's rows: row-level security, policies, roles, views",
	  "strata tenancy check [--column NAME] [--schema S]... [--app-role NAME]...", run_check },
	{ "probe", "as the application role, try every command across two tenants; nothing is committed",
	  "strata tenancy probe [--role NAME] [--tenant A --tenant B] [--set-tenant-sql SQL] [--tenants-sql SQL]",
	  run_probe },
	{ NULL, NULL, NULL, NULL }
};

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	const ten_sub *s;

	printf("Usage: strata tenancy <command> [options]\n\n"
		"Tenant isolation of a live database: tables with the tenant column, their\n"
		"row-level security and policies, the application roles, views over them.\n\n"
		"Commands:\n");
	for (s = subs; s->name != NULL; s++)
		printf("  %-7s  %s\n", s->name, s->summary);
	printf("\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

/*
 * The roles of strata.yaml (tenancy: app_roles) when --app-role is not
 * given. A project without strata.yaml, or without the key, has none.
 */
static int roles_from_config(strata_project_config **config, cli_ctx *ctx, ten_opts *o)
{
	int rc;

	o->roles_from = o->app_roles.n > 0 ? "--app-role" : "detected";
	o->roles = o->app_roles.items;
	o->nroles = (size_t)o->app_roles.n;
	if (o->app_roles.n > 0)
		return 0;
	rc = cli_project_config(config, ctx);
	if (rc != 0)
		return rc;
	if ((*config)->ntenancy_app_roles > 0) {
		o->roles = (const char *const *)(*config)->tenancy_app_roles;
		o->nroles = (*config)->ntenancy_app_roles;
		o->roles_from = "strata.yaml";
	}
	return 0;
}

static void fill_scope(strata_tenancy_options *so, const ten_opts *o)
{
	so->column = o->column;
	so->schemas = o->schemas.items;
	so->nschemas = (size_t)o->schemas.n;
	so->app_roles = o->roles;
	so->napp_roles = o->nroles;
}

static int connect_db(strata_conninfo **ci, strata_conn **c, cli_ctx *ctx)
{
	strata_error err = STRATA_ERROR_INIT;
	int rc = cli_resolve_database(ci, ctx, &err);

	if (rc == 0)
		rc = strata_conn_open(c, *ci, &err);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

static void warn_empty(const strata_tenancy_scope *s, const ten_opts *o)
{
	if (s->ntables == 0)
		strata_log(STRATA_LOG_WARNING, "no table has a '%s' column%s: nothing to check",
			s->column, o->schemas.n > 0 ? " in the schemas given" : "");
}

static int run_check(cli_ctx *ctx, ten_opts *o)
{
	strata_tenancy_options so = STRATA_TENANCY_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *config = NULL;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_tenancy_report *rep = NULL;
	int rc;

	rc = roles_from_config(&config, ctx, o);
	if (rc == 0)
		rc = connect_db(&ci, &c, ctx);
	if (rc != 0)
		goto done;
	fill_scope(&so, o);
	if (strata_tenancy_check(&rep, c, &so, &err) != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	warn_empty(&rep->scope, o);
	rc = ten_print_check(ctx, ci, o, rep);
	if (rc == 0 && rep->nfindings > 0)
		rc = CLI_EXIT_FINDINGS;
done:
	strata_tenancy_report_free(rep);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	strata_project_config_free(config);
	return rc;
}

static int run_probe(cli_ctx *ctx, ten_opts *o)
{
	strata_tenancy_probe_options po = STRATA_TENANCY_PROBE_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *config = NULL;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_tenancy_probe_report *rep = NULL;
	int rc;

	if (o->tenants.n > 0 && o->tenants.n != 2)
		return cli_usage_error(ctx, "--tenant must be given twice (tenant A, then tenant B), not %d time%s",
			o->tenants.n, o->tenants.n == 1 ? "" : "s");
	if (o->tenants.n > 0 && o->tenants_sql != NULL)
		return cli_usage_error(ctx, "--tenant and --tenants-sql cannot be used together");
	rc = roles_from_config(&config, ctx, o);
	if (rc == 0)
		rc = connect_db(&ci, &c, ctx);
	if (rc != 0)
		goto done;
	fill_scope(&po.scope, o);
	po.role = o->role;
	po.tenants = o->tenants.items;
	po.ntenants = (size_t)o->tenants.n;
	po.tenants_sql = o->tenants_sql;
	po.set_tenant_sql = o->set_tenant_sql;
	if (strata_tenancy_probe(&rep, c, &po, &err) != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	warn_empty(&rep->scope, o);
	rc = ten_print_probe(ctx, ci, o, rep);
	if (rc == 0 && (rep->rows_leaked > 0 || rep->writes_accepted > 0))
		rc = CLI_EXIT_FINDINGS;
done:
	strata_tenancy_probe_report_free(rep);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	strata_project_config_free(config);
	return rc;
}

int cmd_tenancy(cli_ctx *ctx, int argc, char **argv)
{
	ten_opts o;
	const cli_option opts[] = {
		{ "column", 0, CLI_OPT_STRING, &o.column, "NAME",
		  "the tenant column (default tenant_id)", 0, 0, NULL },
		{ "schema", 0, CLI_OPT_LIST, &o.schemas, "S",
		  "only tables and views in schema S (repeatable; default all but system schemas)", 0, 0, NULL },
		{ "app-role", 0, CLI_OPT_LIST, &o.app_roles, "NAME",
		  "an application role (repeatable; default strata.yaml, else detected from grants)", 0, 0, NULL },
		{ "role", 0, CLI_OPT_STRING, &o.role, "NAME",
		  "probe: act as this role (default every application role)", 0, 0, NULL },
		{ "tenant", 0, CLI_OPT_LIST, &o.tenants, "ID",
		  "probe: a tenant; give two, A then B (default from --tenants-sql)", 0, 0, NULL },
		{ "tenants-sql", 0, CLI_OPT_STRING, &o.tenants_sql, "SQL",
		  "probe: lists the tenants, the first two are used (default SELECT id FROM core.tenants ORDER BY id)", 0, 0, NULL },
		{ "set-tenant-sql", 0, CLI_OPT_STRING, &o.set_tenant_sql, "SQL",
		  "probe: sets the tenant given as $1 (default SELECT strata_tenant.set($1::uuid))", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	const ten_sub *s;
	char usage_name[48];
	char **args;
	int nargs, idx, rc;

	memset(&o, 0, sizeof(o));
	idx = cli_command_index(ctx, argc, argv);
	if (idx >= argc) {
		rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "tenancy");
		if (rc != 0)
			return rc;
		if (ctx->help) {
			print_help(ctx, opts);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(ctx, "'strata tenancy' needs a command: check or probe (see 'strata tenancy --help')");
	}
	for (s = subs; s->name != NULL; s++)
		if (strcmp(s->name, argv[idx]) == 0)
			break;
	if (s->name == NULL)
		return cli_usage_error(ctx, "unknown command 'strata tenancy %s' (see 'strata tenancy --help')",
			argv[idx]);
	{
		const cli_sub_help help = { s->name, s->usage, s->summary };

		rc = cli_parse_subcommand(ctx, opts, argc, argv, idx, "tenancy", &help, usage_name, sizeof(usage_name),
			&args, &nargs);
		if (rc >= 0)
			return rc;
	}
	if (nargs > 0)
		return cli_usage_error(ctx, "'strata %s' takes no arguments (got '%s')", usage_name, args[0]);
	if (strcmp(s->name, "probe") != 0 && (o.role != NULL || o.tenants.n > 0 ||
		o.tenants_sql != NULL || o.set_tenant_sql != NULL))
		return cli_usage_error(ctx, "--role, --tenant, --tenants-sql and --set-tenant-sql work with 'probe' only");
	if (o.column != NULL && o.column[0] == '\0')
		return cli_usage_error(ctx, "--column needs a column name");
	ctx->command = usage_name;
	return s->run(ctx, &o);
}
