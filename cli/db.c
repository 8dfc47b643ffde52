/*
 * db.c: finding the database a command should use. The precedence is the
 * library's (--database-url, DATABASE_URL, PG* environment); when nothing is
 * configured the project's dev cluster is used if it is running, and
 * otherwise the error says exactly how to get a database.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_cluster_dir(strata_buf *out, const cli_ctx *ctx, strata_error *err)
{
	strata_buf root = STRATA_BUF_INIT;
	int rc;

	rc = strata_project_root(&root, ctx->project_dir ? ctx->project_dir : ".", err);
	if (rc == 0 && strata_project_cluster_dir(out, strata_buf_cstr(&root)) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_release(&root);
	return rc;
}

static int dev_cluster_conninfo(strata_conninfo **out, cli_ctx *ctx, strata_error *err)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_cluster *cluster = NULL;
	strata_cluster_status st;
	strata_buf dir = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	rc = cli_cluster_dir(&dir, ctx, err);
	if (rc != 0)
		goto done;
	opts.dir = strata_buf_cstr(&dir);
	rc = strata_cluster_open(&cluster, &opts, err);
	if (rc != 0)
		goto done;
	rc = strata_cluster_get_status(&st, cluster, err);
	if (rc != 0)
		goto done;
	if (st.state != STRATA_CLUSTER_RUNNING || strata_cluster_socket_url(cluster) == NULL) {
		rc = strata_error_set(err, STRATA_ECONNECT,
			"no database given: run 'strata dev up' to start a local one, or pass --database-url (or set DATABASE_URL)");
		goto done;
	}
	rc = strata_conninfo_parse(out, strata_cluster_socket_url(cluster),
		STRATA_CONN_SOURCE_DEV_CLUSTER, err);
done:
	strata_cluster_free(cluster);
	strata_buf_release(&dir);
	return rc;
}

int cli_resolve_database(strata_conninfo **out, cli_ctx *ctx, strata_error *err)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	int rc;

	cfg.url = ctx->database_url;
	cfg.password_file = ctx->password_file;
	cfg.command = ctx->command;
	cfg.connect_timeout_ms = (int)(ctx->connect_timeout_ms > 0 ? ctx->connect_timeout_ms : 0);
	rc = strata_conninfo_resolve(out, &cfg, err);
	if (rc != STRATA_ENOTFOUND)
		return rc;
	rc = dev_cluster_conninfo(out, ctx, err);
	if (rc != 0)
		return rc;
	if (ctx->command != NULL)
		strata_conninfo_set_command(*out, ctx->command);
	if (ctx->connect_timeout_ms > 0)
		strata_conninfo_set_timeout(*out, (int)ctx->connect_timeout_ms);
	if (ctx->password_file != NULL) {
		rc = strata_conninfo_set_password_file(*out, ctx->password_file, err);
		if (rc != 0) {
			strata_conninfo_free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

int cli_project_config(strata_project_config **out, cli_ctx *ctx)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf root = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	rc = strata_project_root(&root, ctx->project_dir ? ctx->project_dir : ".", &err);
	if (rc == 0)
		rc = strata_project_config_load(out, strata_buf_cstr(&root), &err);
	strata_buf_release(&root);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

int cli_connect(strata_conn **out, cli_ctx *ctx)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	int rc;

	*out = NULL;
	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(out, ci, &err);
	strata_conninfo_free(ci);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}
