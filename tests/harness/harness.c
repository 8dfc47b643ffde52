/*
 * harness.c: the database harness of strata's tests (see harness.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "base/base.h"

static strata_cluster *run_cluster;
static char *private_dir;
static unsigned int db_counter;

static void stop_private_cluster(void)
{
	strata_error err = STRATA_ERROR_INIT;

	if (private_dir != NULL && run_cluster != NULL)
		strata_cluster_destroy(run_cluster, &err);
	strata_cluster_free(run_cluster);
	run_cluster = NULL;
	if (private_dir != NULL) {
		th_rmtree(private_dir);
		free(private_dir);
		private_dir = NULL;
	}
}

void th_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
}

void th_ok_impl(int rc, const strata_error *err, const char *file, int line)
{
	if (rc != 0)
		fail_msg("%s:%d: rc %d (%s): %s%s%s", file, line, rc, strata_code_name(rc),
			err ? err->message : "", err && err->detail[0] ? " | " : "", err ? err->detail : "");
}

static void ensure_template(strata_cluster *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *conn = NULL;
	char *exists = NULL;

	th_ok(strata_conninfo_parse(&ci, strata_cluster_socket_url(c), STRATA_CONN_SOURCE_EXPLICIT,
		&err), &err);
	th_ok(strata_conn_open(&conn, ci, &err), &err);
	th_ok(strata_conn_query_value(&exists, conn,
		"SELECT count(*) FROM pg_database WHERE datname = '" TH_TEMPLATE_DB "'", 0, NULL, &err), &err);
	if (strcmp(exists, "0") == 0)
		th_ok(strata_conn_exec(conn, "CREATE DATABASE " TH_TEMPLATE_DB, &err), &err);
	strata_free(exists);
	strata_conn_close(conn);
	strata_conninfo_free(ci);
}

strata_cluster *th_cluster(void)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	const char *dir = getenv("STRATA_TEST_CLUSTER_DIR");

	if (run_cluster != NULL)
		return run_cluster;
	if (dir == NULL || *dir == '\0') {
		private_dir = th_tempdir("harness");
		dir = private_dir;
		atexit(stop_private_cluster);
	}
	opts.dir = dir;
	opts.ephemeral = 1;
	th_ok(strata_cluster_open(&run_cluster, &opts, &err), &err);
	th_ok(strata_cluster_up(NULL, run_cluster, &err), &err);
	if (private_dir != NULL)
		ensure_template(run_cluster);
	return run_cluster;
}

const char *th_cluster_url(void)
{
	return strata_cluster_socket_url(th_cluster());
}

strata_conn *th_connect(const char *url)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;

	th_ok(strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	strata_conninfo_set_command(ci, "test");
	th_ok(strata_conn_open(&c, ci, &err), &err);
	strata_conninfo_free(ci);
	return c;
}

void th_exec(strata_conn *c, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;

	th_ok(strata_conn_exec(c, sql, &err), &err);
}

char *th_value(strata_conn *c, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;
	char *v = NULL;

	th_ok(strata_conn_query_value(&v, c, sql, 0, NULL, &err), &err);
	return v;
}

char *th_db_create(const char *prefix)
{
	strata_conn *admin;
	strata_buf sql = STRATA_BUF_INIT, name = STRATA_BUF_INIT;
	char *url;

	strata_buf_printf(&name, "t_%s_%ld_%u", prefix, (long)getpid(), ++db_counter);
	admin = th_connect(th_cluster_url());
	strata_buf_printf(&sql, "CREATE DATABASE %s TEMPLATE " TH_TEMPLATE_DB, strata_buf_cstr(&name));
	th_exec(admin, strata_buf_cstr(&sql));
	strata_conn_close(admin);
	url = strata_cluster_database_url(th_cluster(), strata_buf_cstr(&name), 1);
	strata_buf_release(&sql);
	strata_buf_release(&name);
	return url;
}

int th_db_setup(void **state)
{
	*state = th_db_create("t");
	return *state == NULL ? -1 : 0;
}

int th_db_teardown(void **state)
{
	th_db_drop(*state);
	free(*state);
	*state = NULL;
	return 0;
}

void th_sleep_ms(long ms)
{
	st_sleep_ms(ms);
}

strata_conninfo *th_parse(const char *url)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;

	th_ok(strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	return ci;
}

void th_db_drop(const char *url)
{
	strata_conn *c, *admin;
	strata_buf sql = STRATA_BUF_INIT;
	char *name;

	if (url == NULL)
		return;
	c = th_connect(url);
	name = th_value(c, "SELECT current_database()");
	strata_conn_close(c);
	admin = th_connect(th_cluster_url());
	strata_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	th_exec(admin, strata_buf_cstr(&sql));
	strata_conn_close(admin);
	strata_free(name);
	strata_buf_release(&sql);
}

char *th_tempdir(const char *prefix)
{
	char tmpl[256];
	const char *base = getenv("STRATA_TEST_TMPDIR");

	snprintf(tmpl, sizeof(tmpl), "%s/strata-%s-XXXXXX", base && *base ? base : "/tmp", prefix);
	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp '%s': %s", tmpl, strerror(errno));
	if (chmod(tmpl, 0755) != 0)
		fail_msg("chmod '%s': %s", tmpl, strerror(errno));
	return strdup(tmpl);
}

void th_rmtree(const char *path)
{
	strata_error err = STRATA_ERROR_INIT;

	if (path != NULL)
		st_rmtree(path, &err);
}

char *th_read_text(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char *copy;

	if (st_file_read(&b, path, 0, &err) != 0)
		fail_msg("%s", err.message);
	copy = strdup(strata_buf_cstr(&b));
	strata_buf_release(&b);
	return copy;
}

void th_write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fail_msg("cannot write '%s': %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	if (chmod(path, (mode_t)mode) != 0)
		fail_msg("chmod '%s': %s", path, strerror(errno));
}
