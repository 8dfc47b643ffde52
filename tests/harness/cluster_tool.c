/*
 * cluster_tool.c: starts and stops the test run's cluster for tests/run-all,
 * through the same src/cluster code as `strata dev` (ephemeral settings: no
 * fsync). `up` also creates the template database that every test's fresh
 * database is copied from.
 *
 *   test-cluster up DIR       prints the socket URL
 *   test-cluster down DIR
 *   test-cluster destroy DIR  stops it and deletes its data (also relocated data)
 */
#include <stdio.h>
#include <string.h>

#include "strata/strata.h"

static int fail(const strata_error *err)
{
	fprintf(stderr, "test-cluster: %s\n", err->message);
	if (err->detail[0])
		fprintf(stderr, "test-cluster: %s\n", err->detail);
	return 1;
}

static void notice(const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "test-cluster: %s\n", msg);
}

int main(int argc, char **argv)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *c = NULL;
	strata_conninfo *ci = NULL;
	strata_conn *conn = NULL;
	char *n = NULL;
	int rc = 0;

	if (argc != 3 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0 &&
		strcmp(argv[1], "destroy") != 0)) {
		fprintf(stderr, "usage: test-cluster up|down|destroy DIR\n");
		return 2;
	}
	opts.dir = argv[2];
	opts.ephemeral = 1;
	opts.notify = notice;
	if (strata_cluster_open(&c, &opts, &err) != 0)
		return fail(&err);
	if (strcmp(argv[1], "down") == 0) {
		rc = strata_cluster_down(c, &err) ? fail(&err) : 0;
		goto done;
	}
	if (strcmp(argv[1], "destroy") == 0) {
		rc = strata_cluster_destroy(c, &err) ? fail(&err) : 0;
		goto done;
	}
	if (strata_cluster_up(NULL, c, &err) != 0 ||
		strata_conninfo_parse(&ci, strata_cluster_socket_url(c), STRATA_CONN_SOURCE_EXPLICIT, &err) != 0 ||
		strata_conn_open(&conn, ci, &err) != 0 ||
		strata_conn_query_value(&n, conn,
			"SELECT count(*) FROM pg_database WHERE datname = 'strata_template'", 0, NULL, &err) != 0) {
		rc = fail(&err);
		goto done;
	}
	if (strcmp(n, "0") == 0 && strata_conn_exec(conn, "CREATE DATABASE strata_template", &err) != 0) {
		rc = fail(&err);
		goto done;
	}
	printf("%s\n", strata_cluster_socket_url(c));
done:
	strata_free(n);
	strata_conn_close(conn);
	strata_conninfo_free(ci);
	strata_cluster_free(c);
	return rc;
}
