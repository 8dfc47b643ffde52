/*
 * bench_foundation.c: what the foundation's speed decides, measured on a real
 * local cluster started by src/cluster (default durability, like `strata dev`):
 *
 *   library: connect over the socket and over TCP (scram), a SELECT 1 round
 *   trip, an empty transaction, an advisory lock try + release, a health
 *   check, and CREATE DATABASE from a template (what every database test pays);
 *   commands: `strata --version`, `strata dev status`, `strata dev up` on a
 *   running cluster, `strata doctor`, and `psql -c 'select 1'` as a reference
 *   for a process that connects and runs one query; and a cold `strata dev up`
 *   (initdb and start) and `strata dev down`.
 *
 *   bench-foundation STRATA_BINARY        prints a Markdown table
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/strata.h"

#include "bench.h"

#include "base/base.h"

static void row(const char *what, bench_stats s)
{
	printf("| %s | %d | %.3f | %.3f | %.3f | %.3f |\n", what, s.n, s.mean, s.p50, s.p95, s.min);
}

static void bench_connect(const char *label, const char *url, int n)
{
	double *ms = malloc(sizeof(double) * (size_t)n);
	int i;

	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();
		strata_conn *c = bench_open(url);

		ms[i] = st_ns_to_ms(st_now_ns() - t0);
		strata_conn_close(c);
	}
	row(label, bench_summarise(ms, n));
	free(ms);
}

static void bench_sql(const char *label, strata_conn *c, const char *sql, int n)
{
	strata_error err = STRATA_ERROR_INIT;
	double *ms = malloc(sizeof(double) * (size_t)n);
	int i;

	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (strata_conn_exec(c, sql, &err) != 0)
			bench_die(sql, &err);
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
	}
	row(label, bench_summarise(ms, n));
	free(ms);
}

static void bench_lock(strata_conn *c, int n)
{
	strata_error err = STRATA_ERROR_INIT;
	double *ms = malloc(sizeof(double) * (size_t)n);
	int64_t key = strata_lock_key("bench");
	int i, got;

	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (strata_lock_try(&got, c, key, &err) != 0 || !got ||
			strata_lock_release(c, key, &err) != 0)
			bench_die("lock", &err);
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
	}
	row("advisory lock try + release (library)", bench_summarise(ms, n));
	free(ms);
}

static void bench_tx(strata_conn *c, int n)
{
	strata_error err = STRATA_ERROR_INIT;
	double *ms = malloc(sizeof(double) * (size_t)n);
	int i;

	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (strata_tx_begin(c, NULL, &err) != 0 || strata_tx_commit(c, &err) != 0)
			bench_die("tx", &err);
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
	}
	row("empty transaction, BEGIN + COMMIT (library)", bench_summarise(ms, n));
	free(ms);
}

static void bench_health(strata_cluster *cl, int n)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_health h;
	double *ms = malloc(sizeof(double) * (size_t)n);
	int i;

	if (strata_conninfo_parse(&ci, strata_cluster_socket_url(cl), STRATA_CONN_SOURCE_EXPLICIT, &err))
		bench_die("parse", &err);
	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (strata_health_check(&h, ci, NULL, 10, &err) != 0)
			bench_die("health", &err);
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
	}
	row("health check, 10 round trips (library)", bench_summarise(ms, n));
	strata_conninfo_free(ci);
	free(ms);
}

static void bench_template(strata_conn *c, int n)
{
	strata_error err = STRATA_ERROR_INIT;
	double *ms = malloc(sizeof(double) * (size_t)n);
	int i;

	if (strata_conn_exec(c, "DROP DATABASE IF EXISTS bench_template", &err) != 0 ||
		strata_conn_exec(c, "CREATE DATABASE bench_template", &err) != 0)
		bench_die("template", &err);
	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (strata_conn_exec(c, "CREATE DATABASE bench_copy TEMPLATE bench_template", &err) != 0)
			bench_die("create from template", &err);
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
		if (strata_conn_exec(c, "DROP DATABASE bench_copy", &err) != 0)
			bench_die("drop", &err);
	}
	row("CREATE DATABASE ... TEMPLATE (a test's fresh database)", bench_summarise(ms, n));
	free(ms);
}

/* Runs argv n times, cwd dir, discarding output; each run must exit 0. */
static void bench_command(const char *label, const char *const *argv, const char *dir, int n)
{
	static const char *const env[] = { "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER",
		NULL };
	strata_error err = STRATA_ERROR_INIT;
	double *ms = malloc(sizeof(double) * (size_t)n);
	st_proc_opts po;
	int i, status;

	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.cwd = dir;
	po.timeout_ms = 120000;
	for (i = 0; i < n; i++) {
		int64_t t0 = st_now_ns();

		if (st_proc_run(&status, &po, &err) != 0 || status != 0) {
			fprintf(stderr, "bench: '%s' exited %d %s\n", label, status, err.message);
			exit(1);
		}
		ms[i] = st_ns_to_ms(st_now_ns() - t0);
	}
	row(label, bench_summarise(ms, n));
	free(ms);
}

int main(int argc, char **argv)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *cl = NULL;
	strata_conn *c;
	char tmpl[] = "/tmp/strata-bench-XXXXXX";
	char dir[512], psql[600], tcp_db[700];
	const char *strata;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-foundation STRATA_BINARY\n");
		return 2;
	}
	strata = argv[1];
	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0)
		bench_die("mkdtemp", NULL);
	snprintf(dir, sizeof(dir), "%s/.strata/cluster", tmpl);
	opts.dir = dir;

	printf("| operation | runs | mean ms | p50 ms | p95 ms | min ms |\n|---|---|---|---|---|---|\n");
	{
		const char *const up[] = { strata, "dev", "up", "--quiet", NULL };
		const char *const down[] = { strata, "dev", "down", "--quiet", NULL };
		const char *const reset[] = { strata, "dev", "reset", "--yes", "--quiet", NULL };

		bench_command("`strata dev up`, cold: initdb + start", up, tmpl, 1);
		bench_command("`strata dev down`", down, tmpl, 1);
		bench_command("`strata dev up`, stopped cluster: start", up, tmpl, 1);
		bench_command("`strata dev reset --yes`: stop, delete, initdb, start", reset, tmpl, 3);
	}
	if (strata_cluster_open(&cl, &opts, &err) != 0 || strata_cluster_up(NULL, cl, &err) != 0)
		bench_die("cluster", &err);

	bench_connect("connect, Unix socket, trust (library)", strata_cluster_socket_url(cl), 300);
	bench_connect("connect, TCP 127.0.0.1, scram-sha-256 (library)", strata_cluster_url(cl), 100);
	c = bench_open(strata_cluster_socket_url(cl));
	bench_sql("`SELECT 1` round trip (library)", c, "SELECT 1", 20000);
	bench_tx(c, 5000);
	bench_lock(c, 5000);
	bench_health(cl, 200);
	bench_template(c, 20);
	strata_conn_close(c);

	snprintf(psql, sizeof(psql), "%s/psql", strata_cluster_bindir(cl));
	snprintf(tcp_db, sizeof(tcp_db), "%s", strata_cluster_socket_url(cl));
	{
		const char *const version[] = { strata, "--version", NULL };
		const char *const status[] = { strata, "dev", "status", NULL };
		const char *const up[] = { strata, "dev", "up", "--quiet", NULL };
		const char *const doctor[] = { strata, "doctor", NULL };
		const char *const ref[] = { psql, "-X", "-Atqc", "select 1", tcp_db, NULL };

		bench_command("`strata --version`", version, tmpl, 200);
		bench_command("`strata dev status`", status, tmpl, 100);
		bench_command("`strata dev up`, already running", up, tmpl, 100);
		bench_command("`strata doctor` (10 round trips)", doctor, tmpl, 100);
		bench_command("reference: `psql -c 'select 1'` over the socket", ref, tmpl, 100);
	}
	strata_cluster_down(cl, &err);
	strata_cluster_free(cl);
	st_rmtree(tmpl, &err);
	return 0;
}
