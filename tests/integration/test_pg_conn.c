/*
 * test_pg_conn.c: connections and queries against a real PostgreSQL server.
 *
 * Covers opening connections (application_name, server version, backend pid),
 * running SQL with text parameters and reading results, the mapping of server
 * errors onto strata codes and SQLSTATEs (syntax, undefined table, unique
 * violation, statement and lock timeouts, cancellation from another thread, a
 * terminated backend), quoting of awkward identifiers and literals, connection
 * failures (wrong password without leaking it, a password file over TCP, a
 * refused port, a silent server that never answers, an unknown database),
 * the precedence of strata_conninfo_resolve (option URL, DATABASE_URL, PG*
 * variables) and the routing of server notices to the log sink.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ---- helpers ---- */

static void env_restore(void);

/* Also undoes what a test changed globally, in case it failed half-way. */
static int db_teardown(void **state)
{
	env_restore();
	strata_log_set_sink(NULL, NULL);
	th_db_drop(*state);
	free(*state);
	return 0;
}

/* Connecting to url is expected to fail: returns the code, err filled. */
static int open_expect_failure(const char *url, int timeout_ms, strata_error *err)
{
	strata_conninfo *ci = th_parse(url);
	strata_conn *c = NULL;
	int rc;

	if (timeout_ms > 0)
		strata_conninfo_set_timeout(ci, timeout_ms);
	rc = strata_conn_open(&c, ci, err);
	assert_null(c);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc;
}

/* The name of the database behind url. */
static char *db_name_of(const char *url)
{
	strata_conn *c = th_connect(url);
	char *name = th_value(c, "SELECT current_database()");

	strata_conn_close(c);
	return name;
}

/* The cluster's TCP port, read from its TCP URL (postgresql://postgres@127.0.0.1:PORT/...). */
static int cluster_tcp_port(void)
{
	const char *url = strata_cluster_url(th_cluster());
	const char *p = url ? strstr(url, "127.0.0.1:") : NULL;
	long port;

	assert_non_null(p);
	port = strtol(p + strlen("127.0.0.1:"), NULL, 10);
	assert_true(port > 0 && port < 65536);
	return (int)port;
}

/* The superuser password from the cluster's libpq password file (free with free()). */
static char *cluster_password(void)
{
	char path[1024], line[512];
	const char *prefix = "127.0.0.1:*:*:postgres:";
	char *password = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/pgpass", strata_cluster_dir(th_cluster()));
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open '%s': %s", path, strerror(errno));
	while (password == NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			password = strdup(line + strlen(prefix));
		}
	}
	memset(line, 0, sizeof(line));
	fclose(f);
	if (password == NULL || password[0] == '\0')
		fail_msg("no 127.0.0.1 entry for postgres in '%s'", path);
	return password;
}

/* A TCP socket on 127.0.0.1 at a kernel-chosen port; listening when listen_too. */
static int open_local_socket(int *port, int listen_too)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	if (listen_too)
		assert_int_equal(listen(fd, 4), 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

/* Environment variables saved before a test touches them and restored after. */
typedef struct saved_env {
	const char *name;
	char *value;   /* NULL when unset */
} saved_env;

static const char *const touched_env[] = {
	"DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE",
	"PGSERVICE", "PGPASSFILE",
};
#define TOUCHED_ENV_COUNT (sizeof(touched_env) / sizeof(touched_env[0]))

static saved_env saved_vars[TOUCHED_ENV_COUNT];
static int vars_saved;

static void env_save(void)
{
	saved_env *saved = saved_vars;
	size_t i;

	if (vars_saved)
		return;
	vars_saved = 1;

	for (i = 0; i < TOUCHED_ENV_COUNT; i++) {
		const char *v = getenv(touched_env[i]);

		saved[i].name = touched_env[i];
		saved[i].value = v ? strdup(v) : NULL;
	}
}

static void env_restore(void)
{
	saved_env *saved = saved_vars;
	size_t i;

	if (!vars_saved)
		return;
	vars_saved = 0;

	for (i = 0; i < TOUCHED_ENV_COUNT; i++) {
		if (saved[i].value != NULL)
			setenv(saved[i].name, saved[i].value, 1);
		else
			unsetenv(saved[i].name);
		free(saved[i].value);
		saved[i].value = NULL;
	}
}

static void env_clear_all(void)
{
	size_t i;

	for (i = 0; i < TOUCHED_ENV_COUNT; i++)
		unsetenv(touched_env[i]);
}

/* ---- connecting ---- */

static void application_name_names_version_and_command(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = th_parse(*state);
	strata_conn *c = NULL;
	char expected[256];
	char *v;

	assert_int_equal(strata_conninfo_set_command(ci, "conn-test"), 0);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	snprintf(expected, sizeof(expected), "strata/%s conn-test", strata_version());
	v = th_value(c, "SHOW application_name");
	assert_string_equal(v, expected);
	strata_free(v);
	strata_conn_close(c);
	strata_conninfo_free(ci);
}

static void application_name_in_url_is_kept(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci;
	strata_conn *c = NULL;
	char url[2048];
	char *v;

	snprintf(url, sizeof(url), "%s&application_name=my_own_app", (const char *)*state);
	ci = th_parse(url);
	assert_int_equal(strata_conninfo_set_command(ci, "conn-test"), 0);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	v = th_value(c, "SHOW application_name");
	assert_string_equal(v, "my_own_app");
	strata_free(v);
	strata_conn_close(c);
	strata_conninfo_free(ci);
}

static void server_version_and_backend_pid(void **state)
{
	strata_conn *c = th_connect(*state);
	char pid[32];
	char *v;

	assert_true(strata_conn_server_version(c) >= 130000);
	v = th_value(c, "SELECT current_setting('server_version_num')");
	assert_int_equal(strtol(v, NULL, 10), strata_conn_server_version(c));
	strata_free(v);
	snprintf(pid, sizeof(pid), "%d", strata_conn_backend_pid(c));
	v = th_value(c, "SELECT pg_backend_pid()");
	assert_string_equal(v, pid);
	strata_free(v);
	assert_false(strata_conn_is_bad(c));
	assert_non_null(strata_conn_display(c));
	strata_conn_close(c);
}

/* ---- queries and results ---- */

static void query_with_text_and_null_params(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	const char *params[3] = { NULL, "41", "it's \"quoted\" ü" };
	strata_result *r = NULL;

	th_ok(strata_conn_query(&r, c,
		"SELECT $1::text AS a, $1::text IS NULL AS a_is_null, $2::int + 1 AS b, $3::text AS c",
		3, params, &err), &err);
	assert_int_equal(strata_result_nrows(r), 1);
	assert_int_equal(strata_result_ncols(r), 4);
	assert_null(strata_result_value(r, 0, 0));
	assert_string_equal(strata_result_value(r, 0, 1), "t");
	assert_string_equal(strata_result_value(r, 0, 2), "42");
	assert_string_equal(strata_result_value(r, 0, 3), "it's \"quoted\" ü");
	strata_result_free(r);
	strata_conn_close(c);
}

static void result_accessors(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;

	th_ok(strata_conn_query(&r, c,
		"SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, NULL)) AS v(num, label) ORDER BY num",
		0, NULL, &err), &err);
	assert_int_equal(strata_result_nrows(r), 3);
	assert_int_equal(strata_result_ncols(r), 2);
	assert_string_equal(strata_result_colname(r, 0), "num");
	assert_string_equal(strata_result_colname(r, 1), "label");
	assert_null(strata_result_colname(r, 2));
	assert_null(strata_result_colname(r, -1));
	assert_string_equal(strata_result_value(r, 0, 0), "1");
	assert_string_equal(strata_result_value(r, 1, 1), "two");
	assert_string_equal(strata_result_value(r, 2, 0), "3");
	assert_null(strata_result_value(r, 2, 1));     /* SQL NULL */
	assert_null(strata_result_value(r, 3, 0));     /* row out of range */
	assert_null(strata_result_value(r, 0, 2));     /* column out of range */
	assert_null(strata_result_value(r, -1, 0));
	assert_null(strata_result_value(r, 0, -1));
	assert_string_equal(strata_result_tag(r), "SELECT 3");
	strata_result_free(r);
	strata_conn_close(c);
}

static void exec_runs_several_statements(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;
	char *v;

	th_ok(strata_conn_exec(c,
		"CREATE TABLE multi (x int);"
		"INSERT INTO multi VALUES (1), (2);"
		"INSERT INTO multi VALUES (3);", &err), &err);
	v = th_value(c, "SELECT sum(x) || '/' || count(*) FROM multi");
	assert_string_equal(v, "6/3");
	strata_free(v);
	th_ok(strata_conn_query(&r, c, "INSERT INTO multi VALUES (4)", 0, NULL, &err), &err);
	assert_string_equal(strata_result_tag(r), "INSERT 0 1");
	assert_int_equal(strata_result_nrows(r), 0);
	strata_result_free(r);
	th_ok(strata_conn_execp(c, "DELETE FROM multi WHERE x > $1::int", 1,
		(const char *const[]){ "2" }, &err), &err);
	v = th_value(c, "SELECT count(*) FROM multi");
	assert_string_equal(v, "2");
	strata_free(v);
	strata_conn_close(c);
}

/* ---- server errors ---- */

static void syntax_error_is_edb_42601(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;

	assert_int_equal(strata_conn_query(&r, c, "SELEC 1", 0, NULL, &err), STRATA_EDB);
	assert_null(r);
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.sqlstate, "42601");
	assert_non_null(strstr(err.message, "syntax error"));
	/* The same through exec. */
	strata_error_clear(&err);
	assert_int_equal(strata_conn_exec(c, "SELECT 1; SELEC 2", &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "42601");
	/* The connection is still usable. */
	assert_false(strata_conn_is_bad(c));
	th_exec(c, "SELECT 1");
	strata_conn_close(c);
}

static void undefined_table_is_42P01(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	strata_result *r = NULL;

	assert_int_equal(strata_conn_query(&r, c, "SELECT * FROM no_such_table", 0, NULL, &err),
		STRATA_EDB);
	assert_null(r);
	assert_string_equal(err.sqlstate, "42P01");
	assert_non_null(strstr(err.message, "no_such_table"));
	strata_conn_close(c);
}

static void unique_violation_is_23505_with_detail(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);

	th_exec(c, "CREATE TABLE uniq (id int PRIMARY KEY)");
	th_exec(c, "INSERT INTO uniq VALUES (7)");
	assert_int_equal(strata_conn_execp(c, "INSERT INTO uniq VALUES ($1::int)", 1,
		(const char *const[]){ "7" }, &err), STRATA_EDB);
	assert_string_equal(err.sqlstate, "23505");
	assert_true(err.detail[0] != '\0');
	assert_non_null(strstr(err.detail, "(id)=(7)"));
	strata_conn_close(c);
}

static void statement_timeout_is_etimeout_57014(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);

	th_exec(c, "SET statement_timeout = '100ms'");
	assert_int_equal(strata_conn_exec(c, "SELECT pg_sleep(30)", &err), STRATA_ETIMEOUT);
	assert_string_equal(err.sqlstate, "57014");
	assert_false(strata_conn_is_bad(c));
	th_exec(c, "RESET statement_timeout");
	strata_conn_close(c);
}

static void lock_timeout_is_elocked_55P03(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *holder = th_connect(*state);
	strata_conn *waiter = th_connect(*state);
	strata_result *r = NULL;

	th_exec(holder, "CREATE TABLE locked (x int)");
	th_exec(holder, "BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE");
	th_exec(waiter, "SET lock_timeout = '100ms'");
	assert_int_equal(strata_conn_query(&r, waiter, "SELECT * FROM locked", 0, NULL, &err),
		STRATA_ELOCKED);
	assert_null(r);
	assert_string_equal(err.sqlstate, "55P03");
	th_exec(holder, "COMMIT");
	/* With the lock gone the same statement works. */
	th_exec(waiter, "SELECT * FROM locked");
	strata_conn_close(waiter);
	strata_conn_close(holder);
}

static void query_value_not_found_and_null(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	static char sentinel[] = "sentinel";
	char *v = sentinel;

	assert_int_equal(strata_conn_query_value(&v, c, "SELECT 1 WHERE false", 0, NULL, &err),
		STRATA_ENOTFOUND);
	assert_null(v);
	v = sentinel;
	th_ok(strata_conn_query_value(&v, c, "SELECT NULL::text", 0, NULL, &err), &err);
	assert_null(v);
	th_ok(strata_conn_query_value(&v, c, "SELECT $1::text || 'b'", 1,
		(const char *const[]){ "a" }, &err), &err);
	assert_string_equal(v, "ab");
	strata_free(v);
	strata_conn_close(c);
}

static void quote_ident_and_literal_round_trip(void **state)
{
	static const char *const names[] = {
		"plain",
		"MixedCase",
		"has space",
		"dou\"ble\"quote",
		"sin'gle",
		"\"",
		"semi;colon -- DROP",
		"ünïcødé",
		"名前 テーブル",
		"back\\slash",
	};
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		strata_buf sql = STRATA_BUF_INIT;
		char *v = NULL;

		/* An identifier: create a table by that name and find it in the catalogue. */
		strata_buf_puts(&sql, "CREATE TABLE ");
		th_ok(strata_conn_quote_ident(&sql, c, names[i], &err), &err);
		strata_buf_puts(&sql, " (x int)");
		th_exec(c, strata_buf_cstr(&sql));
		th_ok(strata_conn_query_value(&v, c,
			"SELECT count(*) FROM pg_class WHERE relname = $1 AND relkind = 'r'", 1, &names[i],
			&err), &err);
		assert_string_equal(v, "1");
		strata_free(v);

		/* A literal: the server reads back exactly the original text. */
		strata_buf_clear(&sql);
		strata_buf_puts(&sql, "SELECT ");
		th_ok(strata_conn_quote_literal(&sql, c, names[i], &err), &err);
		v = th_value(c, strata_buf_cstr(&sql));
		assert_string_equal(v, names[i]);
		strata_free(v);
		strata_buf_release(&sql);
	}
	strata_conn_close(c);
}

/* ---- cancellation and lost connections ---- */

typedef struct cancel_job {
	const char *url;
	strata_conn *target;   /* the main thread's connection: only cancelled, never queried */
	int target_pid;
	int saw_running;
	int cancel_rc;
	strata_error err;
} cancel_job;

static void *cancel_when_running(void *arg)
{
	cancel_job *job = arg;
	strata_conninfo *ci = NULL;
	strata_conn *watcher = NULL;
	char pid[32];
	const char *params[1] = { pid };
	int i;

	snprintf(pid, sizeof(pid), "%d", job->target_pid);
	job->cancel_rc = strata_conninfo_parse(&ci, job->url, STRATA_CONN_SOURCE_EXPLICIT, &job->err);
	if (job->cancel_rc == 0)
		job->cancel_rc = strata_conn_open(&watcher, ci, &job->err);
	strata_conninfo_free(ci);
	if (job->cancel_rc != 0)
		return NULL;
	/* Wait (up to ~60 s) until the target is really inside pg_sleep. */
	for (i = 0; i < 3000 && !job->saw_running; i++) {
		char *v = NULL;

		job->cancel_rc = strata_conn_query_value(&v, watcher,
			"SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND state = 'active'"
			" AND query LIKE '%pg_sleep(30)%'", 1, params, &job->err);
		if (job->cancel_rc != 0)
			break;
		job->saw_running = v != NULL && strcmp(v, "1") == 0;
		strata_free(v);
		if (!job->saw_running)
			th_sleep_ms(20);
	}
	if (job->saw_running)
		job->cancel_rc = strata_conn_cancel(job->target, &job->err);
	strata_conn_close(watcher);
	return NULL;
}

static void cancel_from_another_thread(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = th_connect(*state);
	cancel_job job;
	pthread_t thread;

	memset(&job, 0, sizeof(job));
	job.url = *state;
	job.target = c;
	job.target_pid = strata_conn_backend_pid(c);
	assert_int_equal(pthread_create(&thread, NULL, cancel_when_running, &job), 0);
	assert_int_equal(strata_conn_exec(c, "SELECT pg_sleep(30)", &err), STRATA_ETIMEOUT);
	assert_int_equal(pthread_join(thread, NULL), 0);
	th_ok(job.cancel_rc, &job.err);
	assert_true(job.saw_running);
	assert_string_equal(err.sqlstate, "57014");
	/* The connection survives a cancel. */
	assert_false(strata_conn_is_bad(c));
	th_exec(c, "SELECT 1");
	strata_conn_close(c);
}

static void terminated_backend_is_econnect_08006(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *victim = th_connect(*state);
	strata_conn *killer = th_connect(*state);
	strata_result *r = NULL;
	char pid[32];
	char *v = NULL;

	snprintf(pid, sizeof(pid), "%d", strata_conn_backend_pid(victim));
	/* Wait up to 30 s for the backend to be gone. */
	th_ok(strata_conn_query_value(&v, killer, "SELECT pg_terminate_backend($1::int, 30000)", 1,
		(const char *const[]){ pid }, &err), &err);
	assert_string_equal(v, "t");
	strata_free(v);
	assert_int_equal(strata_conn_query(&r, victim, "SELECT 1", 0, NULL, &err), STRATA_ECONNECT);
	assert_null(r);
	assert_string_equal(err.sqlstate, "08006");
	assert_true(strata_conn_is_bad(victim));
	strata_conn_close(victim);
	strata_conn_close(killer);
}

typedef struct terminate_job {
	const char *url;
	int target_pid;
	int saw_running;
	int rc;
	strata_error err;
} terminate_job;

/* Terminates the target's backend once it is inside pg_sleep(30). */
static void *terminate_when_running(void *arg)
{
	terminate_job *job = arg;
	strata_conninfo *ci = NULL;
	strata_conn *killer = NULL;
	char pid[32];
	const char *params[1] = { pid };
	char *v = NULL;
	int i;

	snprintf(pid, sizeof(pid), "%d", job->target_pid);
	job->rc = strata_conninfo_parse(&ci, job->url, STRATA_CONN_SOURCE_EXPLICIT, &job->err);
	if (job->rc == 0)
		job->rc = strata_conn_open(&killer, ci, &job->err);
	strata_conninfo_free(ci);
	if (job->rc != 0)
		return NULL;
	for (i = 0; i < 3000 && !job->saw_running; i++) {
		job->rc = strata_conn_query_value(&v, killer,
			"SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND state = 'active'"
			" AND query LIKE '%pg_sleep(30)%'", 1, params, &job->err);
		if (job->rc != 0)
			break;
		job->saw_running = v != NULL && strcmp(v, "1") == 0;
		strata_free(v);
		v = NULL;
		if (!job->saw_running)
			th_sleep_ms(20);
	}
	if (job->saw_running)
		job->rc = strata_conn_query_value(&v, killer, "SELECT pg_terminate_backend($1::int)", 1,
			params, &job->err);
	strata_free(v);
	strata_conn_close(killer);
	return NULL;
}

static void terminated_during_a_query_is_econnect_08006(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *victim = th_connect(*state);
	terminate_job job;
	pthread_t thread;
	int rc;

	memset(&job, 0, sizeof(job));
	job.url = *state;
	job.target_pid = strata_conn_backend_pid(victim);
	assert_int_equal(pthread_create(&thread, NULL, terminate_when_running, &job), 0);
	rc = strata_conn_exec(victim, "SELECT pg_sleep(30)", &err);
	assert_int_equal(pthread_join(thread, NULL), 0);
	th_ok(job.rc, &job.err);
	assert_true(job.saw_running);
	if (rc != STRATA_ECONNECT || strcmp(err.sqlstate, "08006") != 0)
		fail_msg("rc %d (%s), sqlstate '%s': %s", rc, strata_code_name(rc), err.sqlstate,
			err.message);
	assert_true(strata_conn_is_bad(victim));
	/* Worth retrying: a lost connection is transient. */
	assert_true(strata_sqlstate_is_transient(err.sqlstate));
	strata_conn_close(victim);
}

/* ---- connection failures ---- */

static void wrong_password_over_tcp(void **state)
{
	static const char secret[] = "wrongpass-Zq81xK";
	strata_error err = STRATA_ERROR_INIT;
	char *dbname = db_name_of(*state);
	char url[1024];
	strata_conninfo *ci;
	strata_conn *c = NULL;

	snprintf(url, sizeof(url), "host=127.0.0.1 port=%d user=postgres dbname=%s password=%s",
		cluster_tcp_port(), dbname, secret);
	ci = th_parse(url);
	assert_null(strstr(strata_conninfo_display(ci), secret));
	assert_int_equal(strata_conn_open(&c, ci, &err), STRATA_ECONNECT);
	assert_null(c);
	assert_string_equal(err.sqlstate, "28P01");
	assert_non_null(strstr(err.message, "password authentication failed"));
	assert_non_null(strstr(err.message, "127.0.0.1"));   /* names the target */
	assert_null(strstr(err.message, secret));
	assert_null(strstr(err.detail, secret));
	assert_null(strstr(err.hint, secret));
	strata_conninfo_free(ci);

	/* The same as a URL. */
	snprintf(url, sizeof(url), "postgresql://postgres:%s@127.0.0.1:%d/%s", secret,
		cluster_tcp_port(), dbname);
	strata_error_clear(&err);
	assert_int_equal(open_expect_failure(url, 0, &err), STRATA_ECONNECT);
	assert_string_equal(err.sqlstate, "28P01");
	assert_non_null(strstr(err.message, "password authentication failed"));
	assert_null(strstr(err.message, secret));
	assert_null(strstr(err.detail, secret));
	assert_null(strstr(err.hint, secret));
	strata_free(dbname);
}

static void password_file_connects_over_tcp(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char *dbname = db_name_of(*state);
	char *password = cluster_password();
	char *dir = th_tempdir("pgconn");
	char url[1024], pwfile[1024], text[600];
	strata_conninfo *ci;
	strata_conn *c = NULL;
	char *v;

	env_save();
	env_clear_all();
	/* No password from anywhere else: libpq must not find one on its own. */
	setenv("PGPASSFILE", "/nonexistent/strata-test-pgpass", 1);
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/%s", cluster_tcp_port(), dbname);
	snprintf(pwfile, sizeof(pwfile), "%s/password", dir);
	snprintf(text, sizeof(text), "%s\n", password);
	th_write_file(pwfile, text, 0600);
	memset(text, 0, sizeof(text));

	/* Without the file the server refuses. */
	assert_int_equal(open_expect_failure(url, 0, &err), STRATA_ECONNECT);
	assert_string_equal(err.sqlstate, "28P01");

	ci = th_parse(url);
	th_ok(strata_conninfo_set_password_file(ci, pwfile, &err), &err);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	v = th_value(c, "SELECT host(inet_server_addr()) || ' ' || current_database()");
	snprintf(text, sizeof(text), "127.0.0.1 %s", dbname);
	assert_string_equal(v, text);
	strata_free(v);
	strata_conn_close(c);
	strata_conninfo_free(ci);

	/* The file overrides a (wrong) password inside the URL. */
	snprintf(url, sizeof(url), "postgresql://postgres:not-the-password@127.0.0.1:%d/%s",
		cluster_tcp_port(), dbname);
	ci = th_parse(url);
	th_ok(strata_conninfo_set_password_file(ci, pwfile, &err), &err);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	strata_conn_close(c);
	strata_conninfo_free(ci);

	/* And through strata_conninfo_resolve's password_file. */
	{
		strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;

		snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/%s", cluster_tcp_port(),
			dbname);
		cfg.url = url;
		cfg.password_file = pwfile;
		ci = NULL;
		th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
		th_ok(strata_conn_open(&c, ci, &err), &err);
		v = th_value(c, "SELECT current_database()");
		assert_string_equal(v, dbname);
		strata_free(v);
		strata_conn_close(c);
		strata_conninfo_free(ci);
	}

	env_restore();
	th_rmtree(dir);
	free(dir);
	memset(password, 0, strlen(password));
	free(password);
	strata_free(dbname);
}

static void refused_port_is_econnect(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char url[256];
	int port;
	int fd = open_local_socket(&port, 0);

	(void)state;
	close(fd);   /* bound then closed: nothing listens there */
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/postgres", port);
	assert_int_equal(open_expect_failure(url, 0, &err), STRATA_ECONNECT);
	assert_non_null(strstr(err.message, "refused"));
}

static void silent_server_times_out(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char url[256];
	int port;
	int fd = open_local_socket(&port, 1);   /* listens, never accepts, never answers */

	(void)state;
	snprintf(url, sizeof(url), "host=127.0.0.1 port=%d user=postgres dbname=postgres", port);
	assert_int_equal(open_expect_failure(url, 300, &err), STRATA_ETIMEOUT);
	assert_int_equal(err.code, STRATA_ETIMEOUT);
	close(fd);
}

static void unknown_database_is_3D000(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char *url = strata_cluster_database_url(th_cluster(), "strata_no_such_db_x9", 1);

	(void)state;
	assert_non_null(url);
	assert_int_equal(open_expect_failure(url, 0, &err), STRATA_ECONNECT);
	assert_string_equal(err.sqlstate, "3D000");
	assert_non_null(strstr(err.message, "strata_no_such_db_x9"));
	strata_free(url);
}

/* ---- where the connection comes from ---- */

/* Resolves with cfg, connects and returns current_database() (free with strata_free). */
static char *resolve_and_name(const strata_conn_config *cfg, strata_conn_source expect_source)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	char *v;

	th_ok(strata_conninfo_resolve(&ci, cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), expect_source);
	th_ok(strata_conn_open(&c, ci, &err), &err);
	v = th_value(c, "SELECT current_database()");
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return v;
}

static void resolve_precedence_against_the_server(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	char *url_env = th_db_create("connenv");
	char *url_pg = th_db_create("connpg");
	char *name_opt = db_name_of(*state);
	char *name_env = db_name_of(url_env);
	char *name_pg = db_name_of(url_pg);
	strata_conninfo *ci = NULL;
	char port[16];
	char *v;

	env_save();
	env_clear_all();
	/* Nothing configured. */
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_ENOTFOUND);
	assert_null(ci);

	snprintf(port, sizeof(port), "%d", cluster_tcp_port());
	setenv("PGHOST", strata_cluster_socket_dir(th_cluster()), 1);
	setenv("PGPORT", port, 1);
	setenv("PGUSER", "postgres", 1);
	setenv("PGDATABASE", name_pg, 1);
	setenv("DATABASE_URL", url_env, 1);
	cfg.url = *state;

	v = resolve_and_name(&cfg, STRATA_CONN_SOURCE_OPTION);
	assert_string_equal(v, name_opt);
	strata_free(v);

	cfg.url = NULL;
	v = resolve_and_name(&cfg, STRATA_CONN_SOURCE_ENV_URL);
	assert_string_equal(v, name_env);
	strata_free(v);

	/* An empty DATABASE_URL counts as unset. */
	setenv("DATABASE_URL", "", 1);
	v = resolve_and_name(&cfg, STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(v, name_pg);
	strata_free(v);

	unsetenv("DATABASE_URL");
	v = resolve_and_name(&cfg, STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(v, name_pg);
	strata_free(v);

	env_restore();
	th_db_drop(url_env);
	th_db_drop(url_pg);
	free(url_env);
	free(url_pg);
	strata_free(name_opt);
	strata_free(name_env);
	strata_free(name_pg);
}

static void pg_variables_alone_connect(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	char *name = db_name_of(*state);
	char port[16];
	char *v;

	env_save();
	env_clear_all();
	snprintf(port, sizeof(port), "%d", cluster_tcp_port());
	setenv("PGHOST", strata_cluster_socket_dir(th_cluster()), 1);
	setenv("PGPORT", port, 1);
	setenv("PGUSER", "postgres", 1);
	setenv("PGDATABASE", name, 1);
	cfg.command = "env-test";
	v = resolve_and_name(&cfg, STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(v, name);
	strata_free(v);
	env_restore();
	strata_free(name);
}

/* ---- notices ---- */

typedef struct notice_capture {
	int count;
	strata_log_level level;
	char message[512];
} notice_capture;

static void capture_sink(strata_log_level level, const char *msg, const strata_log_field *fields,
	int nfields, void *ud)
{
	notice_capture *cap = ud;

	(void)fields;
	(void)nfields;
	if (strstr(msg, "hello") == NULL)
		return;
	cap->count++;
	cap->level = level;
	snprintf(cap->message, sizeof(cap->message), "%s", msg);
}

static void server_notices_reach_the_log_sink(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_log_level old_level = strata_log_get_level();
	strata_conn *c = th_connect(*state);
	notice_capture cap;
	char *dir = th_tempdir("pgnotice");
	char path[1024], printed[4096];
	int saved_stderr, fd, rc;
	ssize_t n;

	memset(&cap, 0, sizeof(cap));
	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	strata_log_set_sink(capture_sink, &cap);
	strata_log_set_level(STRATA_LOG_INFO);

	/* Whatever would be printed to stderr lands in the file instead. */
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	dup2(fd, 2);
	rc = strata_conn_exec(c, "DO $$ BEGIN RAISE NOTICE 'hello'; END $$", &err);
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);

	strata_log_set_sink(NULL, NULL);
	strata_log_set_level(old_level);
	th_ok(rc, &err);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.level, STRATA_LOG_INFO);
	assert_non_null(strstr(cap.message, "hello"));

	n = pread(fd, printed, sizeof(printed) - 1, 0);
	assert_true(n >= 0);
	printed[n] = '\0';
	assert_null(strstr(printed, "hello"));
	close(fd);
	th_rmtree(dir);
	free(dir);
	strata_conn_close(c);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, th_db_setup, db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(application_name_names_version_and_command),
		DB_TEST(application_name_in_url_is_kept),
		DB_TEST(server_version_and_backend_pid),
		DB_TEST(query_with_text_and_null_params),
		DB_TEST(result_accessors),
		DB_TEST(exec_runs_several_statements),
		DB_TEST(syntax_error_is_edb_42601),
		DB_TEST(undefined_table_is_42P01),
		DB_TEST(unique_violation_is_23505_with_detail),
		DB_TEST(statement_timeout_is_etimeout_57014),
		DB_TEST(lock_timeout_is_elocked_55P03),
		DB_TEST(query_value_not_found_and_null),
		DB_TEST(quote_ident_and_literal_round_trip),
		DB_TEST(cancel_from_another_thread),
		DB_TEST(terminated_backend_is_econnect_08006),
		DB_TEST(terminated_during_a_query_is_econnect_08006),
		DB_TEST(wrong_password_over_tcp),
		DB_TEST(password_file_connects_over_tcp),
		DB_TEST(refused_port_is_econnect),
		DB_TEST(silent_server_times_out),
		DB_TEST(unknown_database_is_3D000),
		DB_TEST(resolve_precedence_against_the_server),
		DB_TEST(pg_variables_alone_connect),
		DB_TEST(server_notices_reach_the_log_sink),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
