/*
 * test_cli_migrate_run.c: `strata migrate up` black-box when runs go wrong:
 * a failing statement of a no-transaction migration resumes where it
 * stopped; an INVALID index left by CREATE INDEX CONCURRENTLY is rebuilt;
 * a runner killed with SIGKILL leaves nothing behind that a rerun cannot
 * finish; two runners apply every migration exactly once; --no-wait names
 * the holder; lock timeouts are retried; Ctrl-C and SIGTERM cancel the
 * running statement; fleets report every target (on one cluster and across
 * two); a transaction-pooling PgBouncer is refused.
 *
 * Each test gets a fresh database and project folder. Programs that must be
 * signalled or raced run in the background (cli_spawn); the test waits for
 * what it needs by polling the server with a deadline, never by sleeping a
 * guessed time. Long statements sleep for as long as the table naptime
 * says, so that a rerun after an interruption finishes at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

#define SECRET "Sup3rSecretPw"

typedef struct fx {
	char *url;              /* the test's fresh database */
	char *dir;              /* the project folder */
	char *logs;             /* output of programs in the background */
	strata_conn *db;        /* the test's own session */
	char env_url[1024];
	const char *env[24];    /* the clean environment with DATABASE_URL = url */
	cli_proc bouncer;       /* a PgBouncer the test started (pid 0: none) */
	strata_cluster *second; /* a second cluster the test started, and its folder */
	char *second_dir;
} fx;

static void set_env(fx *f, const char *url)
{
	static const char *const clean[] = { CLI_CLEAN_ENV, NULL };
	size_t i;

	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", url);
	for (i = 0; clean[i] != NULL; i++)
		f->env[i] = clean[i];
	f->env[i++] = f->env_url;
	f->env[i] = NULL;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	char path[600];

	f->url = th_db_create("mrun");
	f->dir = th_tempdir("cli-mrun");
	f->logs = th_tempdir("cli-mrun-logs");
	snprintf(path, sizeof(path), "%s/migrations", f->dir);
	if (mkdir(path, 0755) != 0)
		fail_msg("mkdir '%s': %s", path, strerror(errno));
	f->db = th_connect(f->url);
	set_env(f, f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	if (f->bouncer.pid != 0) {
		kill(f->bouncer.pid, SIGTERM);
		cli_wait(&f->bouncer, 10000);
	}
	if (f->second != NULL) {
		strata_error err = STRATA_ERROR_INIT;

		if (strata_cluster_destroy(f->second, &err) != 0)
			print_error("cannot destroy the second cluster: %s\n", err.message);
		strata_cluster_free(f->second);
	}
	th_rmtree(f->second_dir);
	free(f->second_dir);
	strata_conn_close(f->db);
	th_db_drop(f->url);
	th_rmtree(f->dir);
	th_rmtree(f->logs);
	free(f->url);
	free(f->dir);
	free(f->logs);
	free(f);
	return 0;
}

/* ---- helpers ---- */

#define STRATA(f, r, ...) do { \
		const char *const args_[] = { __VA_ARGS__, NULL }; \
		cli_run((r), (f)->dir, (f)->env, args_); \
	} while (0)

#define SPAWN(f, p, name, ...) do { \
		const char *const args_[] = { __VA_ARGS__, NULL }; \
		cli_spawn((p), (f)->dir, (f)->env, args_, (f)->logs, (name)); \
	} while (0)

#define OUT(r) strata_buf_cstr(&(r).out)
#define ERR(r) strata_buf_cstr(&(r).err)

/* Fails showing what strata said when a run's exit code is not the expected one. */
#define assert_exit(r, code) do { \
		if ((r).status != (code)) \
			fail_msg("exit %d, expected %d\n--- stdout\n%s\n--- stderr\n%s", (r).status, (code), \
				OUT(r), ERR(r)); \
	} while (0)

#define assert_contains(haystack, needle) do { \
		if (strstr((haystack), (needle)) == NULL) \
			fail_msg("'%s' not found in:\n%s", (needle), (haystack)); \
	} while (0)

#define assert_lacks(haystack, needle) do { \
		if (strstr((haystack), (needle)) != NULL) \
			fail_msg("'%s' unexpectedly found in:\n%s", (needle), (haystack)); \
	} while (0)

static void write_file(fx *f, const char *rel, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	th_write_file(path, text, 0644);
}

static void migration(fx *f, const char *file, const char *sql)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "migrations/%s", file);
	write_file(f, rel, sql);
}

static void sqlf(strata_buf *b, const char *fmt, va_list ap)
{
	strata_buf_vprintf(b, fmt, ap);
	if (strata_buf_failed(b))
		fail_msg("out of memory");
}

/* The first value of a query as a number (NULL reads as -1). */
static long long qint(strata_conn *c, const char *fmt, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	va_list ap;
	char *v;
	long long n;

	va_start(ap, fmt);
	sqlf(&b, fmt, ap);
	va_end(ap);
	v = th_value(c, strata_buf_cstr(&b));
	n = v != NULL ? strtoll(v, NULL, 10) : -1;
	strata_free(v);
	strata_buf_release(&b);
	return n;
}

/* Polls a query until it returns a nonzero number; returns it, or 0 after timeout_ms. */
static long long poll_for(strata_conn *c, long timeout_ms, const char *fmt, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	int64_t deadline = st_now_ns() + (int64_t)timeout_ms * 1000000;
	long long n = 0;
	va_list ap;

	va_start(ap, fmt);
	sqlf(&b, fmt, ap);
	va_end(ap);
	for (;;) {
		char *v = th_value(c, strata_buf_cstr(&b));

		n = v != NULL ? strtoll(v, NULL, 10) : 0;
		strata_free(v);
		if (n != 0 || st_now_ns() > deadline)
			break;
		st_sleep_ms(20);
	}
	strata_buf_release(&b);
	return n;
}

/* Waits until p's stderr contains text; fails after timeout_ms. */
static void wait_stderr(cli_proc *p, const char *text, long timeout_ms)
{
	int64_t deadline = st_now_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		char *err = cli_proc_err(p);
		int found = strstr(err, text) != NULL;

		if (found) {
			free(err);
			return;
		}
		if (st_now_ns() > deadline || !cli_running(p))
			fail_msg("'%s' never appeared on the runner's stderr:\n%s", text, err);
		free(err);
		st_sleep_ms(20);
	}
}

static double ms_since(int64_t t0)
{
	return (double)(st_now_ns() - t0) / 1e6;
}

/*
 * The backend of a `migrate up` runner sleeping in pg_sleep (found within
 * 10 s, or the test fails).
 */
static long long sleeping_runner(fx *f, cli_proc *p)
{
	long long pid = poll_for(f->db, 10000,
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database()"
		" AND application_name LIKE 'strata/%% migrate up' AND wait_event = 'PgSleep'");

	if (pid == 0) {
		char *err = cli_proc_err(p);
		fail_msg("the runner never reached pg_sleep; stderr:\n%s", err);
	}
	return pid;
}

/* Nonzero when the backend pid is still there after timeout_ms. */
static int backend_outlives(fx *f, long long pid, long timeout_ms)
{
	return poll_for(f->db, timeout_ms, "SELECT (count(*) = 0)::int FROM pg_stat_activity WHERE pid = %lld",
		pid) == 0;
}

static long long advisory_locks(fx *f)
{
	return qint(f->db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
		" AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
}

/* The ledger agrees with itself: every history row has its apply event, nothing in flight. */
static void assert_ledger_consistent(fx *f, long long applied)
{
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history"), applied);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'apply'"), applied);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM (SELECT version FROM strata.events"
		" WHERE kind = 'apply' GROUP BY version HAVING count(*) > 1) d"), 0);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history h WHERE NOT EXISTS"
		" (SELECT 1 FROM strata.events e WHERE e.kind = 'apply' AND e.version = h.version)"), 0);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.progress"), 0);
	assert_int_equal(advisory_locks(f), 0);
}

static int table_exists(fx *f, const char *name)
{
	return qint(f->db, "SELECT (to_regclass('%s') IS NOT NULL)::int", name) == 1;
}

/* N of the summary "applied N migrations", 0 for "nothing to do", -1 when neither. */
static int applied_count(const char *err)
{
	const char *p;

	if (strstr(err, "nothing to do") != NULL)
		return 0;
	for (p = strstr(err, "strata: applied "); p != NULL; p = strstr(p + 1, "strata: applied ")) {
		const char *n = p + strlen("strata: applied ");
		char *end;
		long v = strtol(n, &end, 10);

		if (end != n && strncmp(end, " migration", 10) == 0)
			return (int)v;
	}
	return -1;
}

/* ---- 1. resume after a failing statement ---- */

static void resume_after_failing_no_transaction_statement(void **state)
{
	fx *f = *state;
	cli_result r;

	th_exec(f->db, "CREATE TABLE seen (k text PRIMARY KEY)");
	/* Statement 1 cannot run twice (unique key); statement 3 fails until missing_t exists. */
	migration(f, "0001_resume.up.sql",
		"-- strata:no-transaction\n"
		"INSERT INTO seen (k) VALUES ('first');\n"
		"CREATE TABLE made_by_two (id int);\n"
		"INSERT INTO missing_t VALUES (1);\n"
		"INSERT INTO made_by_two VALUES (4);\n");

	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 4);
	assert_contains(ERR(r), "migrations/0001_resume.up.sql line 4");
	assert_contains(ERR(r), "relation \"missing_t\" does not exist");
	assert_contains(ERR(r), "run 'strata migrate up' to resume");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress WHERE version = '0001'"), 2);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM seen"), 1);
	assert_true(table_exists(f, "made_by_two"));
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history"), 0);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'failure'"
		" AND sqlstate = '42P01' AND statement_index = 3"), 1);

	/* status shows it half-done (a finding: exit 1). */
	STRATA(f, &r, "migrate", "status");
	assert_exit(r, 1);
	assert_contains(OUT(r), "stopped after statement 2");
	cli_result_free(&r);

	/* Editing the half-applied file is refused, and nothing runs. */
	migration(f, "0001_resume.up.sql",
		"-- strata:no-transaction\n"
		"INSERT INTO seen (k) VALUES ('first');\n"
		"CREATE TABLE made_by_two (id int);\n"
		"INSERT INTO missing_t VALUES (1);\n"
		"INSERT INTO made_by_two VALUES (5);\n");
	th_exec(f->db, "CREATE TABLE missing_t (id int)");
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 3);
	assert_contains(ERR(r), "stopped after statement 2, and its file changed since");
	assert_contains(ERR(r), "strata migrate repair --version 0001");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM missing_t"), 0);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress"), 2);

	/* repair accepts the edit: the journal keeps its place with the new checksum. */
	STRATA(f, &r, "migrate", "repair", "--version", "0001", "--reason", "statement 4 inserts 5");
	assert_exit(r, 0);
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress"), 2);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'repair'"
		" AND message = 'statement 4 inserts 5'"), 1);

	/* The cause is fixed: the rerun starts at statement 3. */
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 0);
	assert_contains(ERR(r), "applied 1 migration");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM seen"), 1);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM missing_t"), 1);
	assert_int_equal(qint(f->db, "SELECT sum(id) FROM made_by_two"), 5);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history WHERE version = '0001'"
		" AND execution = 'statements'"), 1);
	assert_ledger_consistent(f, 1);
}

/* ---- 2. an INVALID index left by CREATE INDEX CONCURRENTLY ---- */

static void invalid_concurrent_index_is_rebuilt(void **state)
{
	fx *f = *state;
	cli_result r;
	long long oid;

	th_exec(f->db, "CREATE TABLE people (id int, email text);"
		" INSERT INTO people VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x');"
		" CREATE TABLE pets (id int, tag text);"
		" INSERT INTO pets VALUES (1, 't'), (2, 't')");
	/* The build fails as the file's first statement (the journal says 0 done)... */
	migration(f, "0001_people_email.up.sql",
		"-- strata:no-transaction\n"
		"CREATE UNIQUE INDEX CONCURRENTLY people_email_key ON people (email);\n");
	/* ...and after another statement (the journal says 1 done). */
	migration(f, "0002_pet_tags.up.sql",
		"-- strata:no-transaction\n"
		"CREATE TABLE vets (id int);\n"
		"CREATE UNIQUE INDEX CONCURRENTLY pets_tag_key ON pets (tag);\n");

	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 4);
	assert_contains(ERR(r), "0001_people_email.up.sql line 2");
	assert_contains(ERR(r), "SQLSTATE 23505");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT (NOT indisvalid)::int FROM pg_index"
		" WHERE indexrelid = 'people_email_key'::regclass"), 1);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress"), 0);
	oid = qint(f->db, "SELECT 'people_email_key'::regclass::oid");

	th_exec(f->db, "DELETE FROM people WHERE id = 2");
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 4);
	assert_contains(ERR(r), "index people_email_key is INVALID after an interrupted CREATE INDEX CONCURRENTLY: dropping and rebuilding it");
	assert_contains(ERR(r), "0002_pet_tags.up.sql line 3");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT indisvalid::int FROM pg_index"
		" WHERE indexrelid = 'people_email_key'::regclass"), 1);
	assert_true(qint(f->db, "SELECT 'people_email_key'::regclass::oid") != oid);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history WHERE version = '0001'"
		" AND execution = 'statements'"), 1);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress WHERE version = '0002'"), 1);
	assert_int_equal(qint(f->db, "SELECT (NOT indisvalid)::int FROM pg_index"
		" WHERE indexrelid = 'pets_tag_key'::regclass"), 1);

	th_exec(f->db, "DELETE FROM pets WHERE id = 2");
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 0);
	assert_contains(ERR(r), "index pets_tag_key is INVALID");
	cli_result_free(&r);
	assert_int_equal(qint(f->db, "SELECT indisvalid::int FROM pg_index"
		" WHERE indexrelid = 'pets_tag_key'::regclass"), 1);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
		" WHERE c.relname IN ('people', 'pets')"), 2);
	assert_true(table_exists(f, "vets"));
	assert_ledger_consistent(f, 2);
}

/* ---- 3. SIGKILL of the runner ---- */

static void sigkill_mid_transaction_then_rerun(void **state)
{
	fx *f = *state;
	cli_proc runner, rerun;
	long long backend;
	int64_t killed_at;
	char *err;

	th_exec(f->db, "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	migration(f, "0001_a.up.sql", "CREATE TABLE a (id int);\n");
	migration(f, "0002_sleepy.up.sql",
		"SELECT pg_sleep((SELECT secs FROM naptime));\nCREATE TABLE b (id int);\n");
	migration(f, "0003_c.up.sql", "CREATE TABLE c (id int);\n");

	SPAWN(f, &runner, "runner", "migrate", "up", "--lock-timeout", "60s");
	backend = sleeping_runner(f, &runner);
	assert_int_equal(kill(runner.pid, SIGKILL), 0);
	killed_at = st_now_ns();
	assert_int_equal(cli_wait(&runner, 5000), 128 + SIGKILL);

	/* The rerun starts at once: it waits for the lock the dead runner's session still holds. */
	th_exec(f->db, "UPDATE naptime SET secs = 0");
	SPAWN(f, &rerun, "rerun", "migrate", "up", "--lock-wait", "10s");

	/* client_connection_check_interval = 1s: the server notices the dead client. */
	if (backend_outlives(f, backend, 5000))
		fail_msg("the killed runner's backend %lld still runs after 5 s", backend);
	print_message("# the killed runner's backend ended %.0f ms after SIGKILL\n", ms_since(killed_at));

	assert_int_equal(cli_wait(&rerun, 20000), 0);
	err = cli_proc_err(&rerun);
	/* 0001 committed before the kill; 0002 was rolled back with its session. */
	assert_int_equal(applied_count(err), 2);
	free(err);
	assert_true(table_exists(f, "a") && table_exists(f, "b") && table_exists(f, "c"));
	assert_ledger_consistent(f, 3);
}

static void sigkill_between_statements_then_resume(void **state)
{
	fx *f = *state;
	cli_proc runner;
	cli_result r;
	long long backend;

	th_exec(f->db, "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	migration(f, "0001_steps.up.sql",
		"-- strata:no-transaction\n"
		"CREATE TABLE n1 (id int);\n"
		"SELECT pg_sleep((SELECT secs FROM naptime));\n"
		"CREATE TABLE n2 (id int);\n");

	SPAWN(f, &runner, "runner", "migrate", "up");
	backend = sleeping_runner(f, &runner);
	assert_int_equal(kill(runner.pid, SIGKILL), 0);
	assert_int_equal(cli_wait(&runner, 5000), 128 + SIGKILL);
	if (backend_outlives(f, backend, 5000))
		fail_msg("the killed runner's backend %lld still runs after 5 s", backend);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress"), 1);
	assert_true(table_exists(f, "n1"));
	assert_false(table_exists(f, "n2"));

	/* Statement 1 is not run again (CREATE TABLE n1 would fail). */
	th_exec(f->db, "UPDATE naptime SET secs = 0");
	STRATA(f, &r, "migrate", "up", "--lock-wait", "10s");
	assert_exit(r, 0);
	cli_result_free(&r);
	assert_true(table_exists(f, "n2"));
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history WHERE execution = 'statements'"), 1);
	assert_ledger_consistent(f, 1);
}

/* ---- 4. concurrent runners ---- */

static void two_runners_apply_each_migration_once(void **state)
{
	fx *f = *state;
	cli_proc one, two;
	char name[64], sql[128];
	char *err1, *err2;
	int i, n1, n2;

	for (i = 1; i <= 50; i++) {
		snprintf(name, sizeof(name), "%04d_t%d.up.sql", i, i);
		snprintf(sql, sizeof(sql), "CREATE TABLE t%d (id int);\nINSERT INTO t%d VALUES (%d);\n", i, i, i);
		migration(f, name, sql);
	}
	SPAWN(f, &one, "one", "migrate", "up");
	SPAWN(f, &two, "two", "migrate", "up");
	assert_int_equal(cli_wait(&one, 30000), 0);
	assert_int_equal(cli_wait(&two, 30000), 0);
	err1 = cli_proc_err(&one);
	err2 = cli_proc_err(&two);
	n1 = applied_count(err1);
	n2 = applied_count(err2);
	if (n1 < 0 || n2 < 0 || n1 + n2 != 50)
		fail_msg("the runners applied %d and %d migrations:\n%s\n---\n%s", n1, n2, err1, err2);
	assert_lacks(err1, "error");
	assert_lacks(err2, "error");
	free(err1);
	free(err2);
	assert_ledger_consistent(f, 50);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind <> 'apply'"), 0);
	assert_int_equal(qint(f->db, "SELECT sum(id) FROM (SELECT id FROM t1 UNION ALL SELECT id FROM t50) u"), 51);
}

static void no_wait_names_the_holder(void **state)
{
	fx *f = *state;
	cli_proc holder;
	cli_result r;
	long long backend;
	char pid_text[64];

	th_exec(f->db, "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	migration(f, "0001_sleepy.up.sql", "SELECT pg_sleep((SELECT secs FROM naptime));\n");
	SPAWN(f, &holder, "holder", "migrate", "up");
	backend = sleeping_runner(f, &holder);

	STRATA(f, &r, "migrate", "up", "--no-wait");
	assert_exit(r, 5);
	snprintf(pid_text, sizeof(pid_text), "pid %lld, 'strata/", backend);
	assert_contains(ERR(r), "another runner holds the migration lock of track 'default'");
	assert_contains(ERR(r), pid_text);
	assert_contains(ERR(r), " migrate up', user ");
	assert_contains(ERR(r), "connected since 20");
	assert_contains(ERR(r), "--no-wait was given");
	cli_result_free(&r);

	/* A short --lock-wait gives up the same way, saying how long it waited. */
	STRATA(f, &r, "migrate", "up", "--lock-wait", "300ms", "--format", "json");
	assert_exit(r, 5);
	assert_contains(ERR(r), pid_text);
	assert_contains(ERR(r), "waited 300 ms");
	cli_result_free(&r);

	assert_int_equal(kill(holder.pid, SIGINT), 0);
	assert_int_equal(cli_wait(&holder, 5000), 130);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history"), 0);
	assert_int_equal(advisory_locks(f), 0);
}

/* ---- 5. lock timeouts and retries ---- */

static void lock_timeout_retries_then_gives_up(void **state)
{
	fx *f = *state;
	strata_conn *blocker = th_connect(f->url);
	cli_result r;
	const char *line;
	int retries = 0, expect = 2;

	th_exec(f->db, "CREATE TABLE gate (id int)");
	migration(f, "0001_alter_gate.up.sql", "ALTER TABLE gate ADD COLUMN x int;\n");
	th_exec(blocker, "BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE");

	STRATA(f, &r, "migrate", "up", "--lock-timeout", "200ms", "--lock-retries", "3", "--format", "json");
	assert_exit(r, 5);
	/* One JSON line per event on stdout: retries 2, 3 and 4 of 4 attempts. */
	for (line = OUT(r); *line != '\0'; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		json_error_t jerr;
		json_t *ev = json_loadb(line, len, 0, &jerr);

		if (ev == NULL)
			fail_msg("not JSON (%s): %.*s", jerr.text, (int)len, line);
		if (json_is_string(json_object_get(ev, "event")) &&
			strcmp(json_string_value(json_object_get(ev, "event")), "retry") == 0) {
			assert_int_equal(json_integer_value(json_object_get(ev, "attempt")), expect++);
			assert_int_equal(json_integer_value(json_object_get(ev, "max_attempts")), 4);
			assert_string_equal(json_string_value(json_object_get(ev, "sqlstate")), "55P03");
			retries++;
		}
		json_decref(ev);
		line = nl ? nl + 1 : line + len;
	}
	assert_int_equal(retries, 3);
	assert_contains(ERR(r), "\"exit\":5");
	assert_contains(ERR(r), "lock timeout");
	cli_result_free(&r);
	/* Every attempt's failure is in the ledger; the migration is not. */
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'failure'"
		" AND sqlstate = '55P03' AND version = '0001'"), 4);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.history"), 0);

	th_exec(blocker, "ROLLBACK");
	strata_conn_close(blocker);
}

static void lock_released_during_retries_succeeds(void **state)
{
	fx *f = *state;
	strata_conn *blocker = th_connect(f->url);
	cli_proc runner;

	th_exec(f->db, "CREATE TABLE gate (id int)");
	migration(f, "0001_alter_gate.up.sql", "ALTER TABLE gate ADD COLUMN x int;\n");
	th_exec(blocker, "BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE");

	SPAWN(f, &runner, "runner", "migrate", "up", "--lock-timeout", "200ms", "--lock-retries", "10");
	wait_stderr(&runner, "retry 1 of 10", 10000);
	th_exec(blocker, "COMMIT");
	assert_int_equal(cli_wait(&runner, 20000), 0);
	strata_conn_close(blocker);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM information_schema.columns"
		" WHERE table_name = 'gate' AND column_name = 'x'"), 1);
	assert_true(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'failure'"
		" AND sqlstate = '55P03'") >= 1);
	assert_ledger_consistent(f, 1);
}

/* ---- 6. Ctrl-C and SIGTERM ---- */

static void sigint_cancels_the_running_statement(void **state)
{
	fx *f = *state;
	cli_proc runner;
	cli_result r;
	int64_t t0;
	double took;
	char *err;

	th_exec(f->db, "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	migration(f, "0001_slow.up.sql",
		"CREATE TABLE before_sleep (id int);\n"
		"SELECT pg_sleep((SELECT secs FROM naptime));\n"
		"CREATE TABLE after_sleep (id int);\n");
	SPAWN(f, &runner, "runner", "migrate", "up");
	sleeping_runner(f, &runner);
	t0 = st_now_ns();
	assert_int_equal(kill(runner.pid, SIGINT), 0);
	assert_int_equal(cli_wait(&runner, 10000), 130);
	took = ms_since(t0);
	if (took > 3000)
		fail_msg("the runner took %.0f ms to stop after SIGINT", took);
	err = cli_proc_err(&runner);
	assert_contains(err, "interrupted: default/0001 'slow' was cancelled and rolled back");
	free(err);

	/* All or nothing: the migration and its ledger row rolled back; the failure is recorded. */
	assert_false(table_exists(f, "before_sleep"));
	assert_false(table_exists(f, "after_sleep"));
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'failure'"
		" AND sqlstate = '57014' AND version = '0001'"), 1);
	assert_ledger_consistent(f, 0);
	/* The runner closed its session: the backend ends as soon as the server reads the goodbye. */
	assert_int_equal(poll_for(f->db, 5000, "SELECT (count(*) = 0)::int FROM pg_stat_activity"
		" WHERE datname = current_database() AND application_name LIKE 'strata/%% migrate up'"), 1);

	th_exec(f->db, "UPDATE naptime SET secs = 0");
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 0);
	cli_result_free(&r);
	assert_true(table_exists(f, "after_sleep"));
	assert_ledger_consistent(f, 1);
}

static void sigterm_stops_a_no_transaction_migration_resumably(void **state)
{
	fx *f = *state;
	cli_proc runner;
	cli_result r;
	int status;
	char *err;

	th_exec(f->db, "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	migration(f, "0001_steps.up.sql",
		"-- strata:no-transaction\n"
		"CREATE TABLE s1 (id int);\n"
		"SELECT pg_sleep((SELECT secs FROM naptime));\n"
		"CREATE TABLE s2 (id int);\n");
	SPAWN(f, &runner, "runner", "migrate", "up");
	sleeping_runner(f, &runner);
	assert_int_equal(kill(runner.pid, SIGTERM), 0);
	status = cli_wait(&runner, 5000);
	/*
	 * Today every interruption exits 130; docs/exit-codes.md says a signal
	 * other than SIGINT gives 128 + its number (143). Either is an orderly stop.
	 */
	if (status != 130 && status != 128 + SIGTERM)
		fail_msg("exit %d after SIGTERM", status);
	err = cli_proc_err(&runner);
	assert_contains(err, "stopped at statement 2; 'strata migrate up' resumes it");
	free(err);
	assert_int_equal(qint(f->db, "SELECT statements_done FROM strata.progress"), 1);
	assert_int_equal(qint(f->db, "SELECT count(*) FROM strata.events WHERE kind = 'failure'"
		" AND sqlstate = '57014' AND statement_index = 2"), 1);
	assert_int_equal(advisory_locks(f), 0);

	th_exec(f->db, "UPDATE naptime SET secs = 0");
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 0);
	cli_result_free(&r);
	assert_true(table_exists(f, "s1") && table_exists(f, "s2"));
	assert_ledger_consistent(f, 1);
}

/* ---- 7. fleets ---- */

typedef struct fleet_dbs {
	char *url[5];
	strata_conn *c[5];
} fleet_dbs;

/* url with a password that the socket's trust authentication ignores: it must never be shown. */
static char *with_password(const char *url)
{
	const char *at = strstr(url, "postgres@");
	strata_buf b = STRATA_BUF_INIT;

	if (at == NULL)
		fail_msg("unexpected URL form: %s", url);
	strata_buf_append(&b, url, (size_t)(at - url));
	strata_buf_puts(&b, "postgres:" SECRET "@");
	strata_buf_puts(&b, at + strlen("postgres@"));
	return strata_buf_detach(&b);
}

/* Rows in a database's strata.history, -1 when it has no ledger. */
static long long ledger_rows(strata_conn *c)
{
	if (qint(c, "SELECT (to_regclass('strata.history') IS NULL)::int") == 1)
		return -1;
	return qint(c, "SELECT count(*) FROM strata.history");
}

static json_t *fleet_json(const char *out)
{
	json_error_t jerr;
	const char *line = strstr(out, "{\"fleet\"");
	json_t *doc;

	if (line == NULL)
		fail_msg("no fleet object in:\n%s", out);
	doc = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
	if (doc == NULL)
		fail_msg("fleet JSON does not parse (%s): %s", jerr.text, line);
	return doc;
}

static const char *target_state(json_t *doc, const char *name)
{
	json_t *targets = json_object_get(json_object_get(doc, "fleet"), "targets");
	size_t i;

	for (i = 0; i < json_array_size(targets); i++) {
		json_t *t = json_array_get(targets, i);

		if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return json_string_value(json_object_get(t, "state"));
	}
	fail_msg("no target '%s' in the fleet JSON", name);
	return NULL;
}

static void fleet_reports_every_target(void **state)
{
	fx *f = *state;
	fleet_dbs d;
	strata_buf yaml = STRATA_BUF_INIT;
	cli_result r;
	json_t *doc, *fl;
	char *pw;
	int i;

	for (i = 0; i < 5; i++) {
		d.url[i] = th_db_create("fleet");
		d.c[i] = th_connect(d.url[i]);
	}
	/* db3's conflicting table makes its 0002 fail. */
	th_exec(d.c[2], "CREATE TABLE gadgets (id int)");
	migration(f, "0001_widgets.up.sql", "CREATE TABLE widgets (id int);\n");
	migration(f, "0002_gadgets.up.sql", "CREATE TABLE gadgets (id int);\n");

	/* The canary (db3, first) fails: no other target starts. */
	pw = with_password(d.url[0]);
	strata_buf_printf(&yaml, "targets:\n"
		"  - name: db3\n    url: '%s'\n  - name: db1\n    url: '%s'\n  - name: db2\n    url: '%s'\n"
		"  - name: db4\n    url: '%s'\n  - name: db5\n    url: '%s'\n",
		d.url[2], pw, d.url[1], d.url[3], d.url[4]);
	write_file(f, "canary.yaml", strata_buf_cstr(&yaml));
	STRATA(f, &r, "migrate", "up", "--targets", "canary.yaml", "--canary", "1", "--continue-on-error");
	assert_exit(r, 4);
	assert_contains(OUT(r), "db3 (canary)  failed");
	assert_contains(OUT(r), "5 targets: 0 ok, 1 failed, 4 skipped");
	assert_contains(ERR(r), "db3: default/0002 gadgets failed");
	assert_lacks(OUT(r), SECRET);
	assert_lacks(ERR(r), SECRET);
	cli_result_free(&r);
	assert_int_equal(ledger_rows(d.c[2]), 1);
	for (i = 0; i < 5; i++)
		if (i != 2)
			assert_int_equal(ledger_rows(d.c[i]), -1);

	/* In order, one at a time, stopping at the failure: the later targets are skipped. */
	strata_buf_clear(&yaml);
	strata_buf_printf(&yaml, "targets:\n"
		"  - name: db1\n    url: '%s'\n  - name: db2\n    url: '%s'\n  - name: db3\n    url: '%s'\n"
		"  - name: db4\n    url: '%s'\n  - name: db5\n    url: '%s'\n",
		pw, d.url[1], d.url[2], d.url[3], d.url[4]);
	write_file(f, "fleet.yaml", strata_buf_cstr(&yaml));
	STRATA(f, &r, "migrate", "up", "--targets", "fleet.yaml", "--parallel", "1");
	assert_exit(r, 4);
	assert_contains(OUT(r), "TARGET  STATE");
	assert_contains(OUT(r), "db1     ok");
	assert_contains(OUT(r), "db2     ok");
	assert_contains(OUT(r), "db3     failed");
	assert_contains(OUT(r), "relation \"gadgets\" already exists");
	assert_contains(OUT(r), "db4     skipped");
	assert_contains(OUT(r), "db5     skipped");
	assert_contains(OUT(r), "5 targets: 2 ok, 1 failed, 2 skipped");
	assert_contains(ERR(r), "the skipped ones were not started");
	assert_lacks(OUT(r), SECRET);
	assert_lacks(ERR(r), SECRET);
	cli_result_free(&r);
	assert_int_equal(ledger_rows(d.c[0]), 2);
	assert_int_equal(ledger_rows(d.c[3]), -1);

	/* --continue-on-error, JSON, and db4 and db5 listed by a query (db4's URL with a password). */
	th_exec(f->db, "CREATE TABLE fleet_targets (name text, url text)");
	{
		char *pw4 = with_password(d.url[3]);
		const char *params[2] = { pw4, d.url[4] };
		strata_error err = STRATA_ERROR_INIT;

		th_ok(strata_conn_execp(f->db, "INSERT INTO fleet_targets VALUES ('db4', $1), ('db5', $2)",
			2, params, &err), &err);
		strata_free(pw4);
	}
	strata_buf_clear(&yaml);
	strata_buf_printf(&yaml, "targets:\n"
		"  - name: db1\n    url: '%s'\n  - name: db2\n    url: '%s'\n  - name: db3\n    url: '%s'\n"
		"query:\n  url: '%s'\n  sql: 'SELECT name, url FROM fleet_targets ORDER BY name'\n"
		"parallel: 2\n",
		pw, d.url[1], d.url[2], f->url);
	write_file(f, "fleet.yaml", strata_buf_cstr(&yaml));
	STRATA(f, &r, "migrate", "up", "--targets", "fleet.yaml", "--continue-on-error", "--format", "json");
	assert_exit(r, 4);
	assert_lacks(OUT(r), SECRET);
	assert_lacks(ERR(r), SECRET);
	doc = fleet_json(OUT(r));
	fl = json_object_get(doc, "fleet");
	assert_int_equal(json_array_size(json_object_get(fl, "targets")), 5);
	assert_string_equal(target_state(doc, "db1"), "ok");
	assert_string_equal(target_state(doc, "db2"), "ok");
	assert_string_equal(target_state(doc, "db3"), "failed");
	assert_string_equal(target_state(doc, "db4"), "ok");
	assert_string_equal(target_state(doc, "db5"), "ok");
	assert_int_equal(json_integer_value(json_object_get(fl, "ok")), 4);
	assert_int_equal(json_integer_value(json_object_get(fl, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(fl, "skipped")), 0);
	{
		json_t *t3 = json_array_get(json_object_get(fl, "targets"), 2);
		json_t *e = json_object_get(t3, "error");

		assert_string_equal(json_string_value(json_object_get(e, "sqlstate")), "42P07");
		assert_string_equal(json_string_value(json_object_get(e, "code")), "database");
	}
	json_decref(doc);
	cli_result_free(&r);
	for (i = 0; i < 5; i++)
		assert_int_equal(ledger_rows(d.c[i]), i == 2 ? 1 : 2);

	strata_free(pw);
	strata_buf_release(&yaml);
	for (i = 0; i < 5; i++) {
		strata_conn_close(d.c[i]);
		th_db_drop(d.url[i]);
		free(d.url[i]);
	}
}

static void fleet_across_two_clusters(void **state)
{
	fx *f = *state;
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *second;
	strata_conn *admin, *far;
	strata_buf yaml = STRATA_BUF_INIT;
	char *far_url, *far_socket;
	cli_result r;

	/* Destroyed by teardown, also when the test fails half-way. */
	f->second_dir = th_tempdir("cluster2");
	opts.dir = f->second_dir;
	opts.ephemeral = 1;
	th_ok(strata_cluster_open(&f->second, &opts, &err), &err);
	second = f->second;
	th_ok(strata_cluster_up(NULL, second, &err), &err);
	admin = th_connect(strata_cluster_socket_url(second));
	th_exec(admin, "CREATE DATABASE far");
	strata_conn_close(admin);
	/* TCP with the cluster's password file: a different way in than the near one's socket. */
	far_url = strata_cluster_database_url(second, "far", 0);
	far_socket = strata_cluster_database_url(second, "far", 1);

	migration(f, "0001_widgets.up.sql", "CREATE TABLE widgets (id int);\n");
	migration(f, "0002_gadgets.up.sql", "CREATE TABLE gadgets (id int);\n");
	strata_buf_printf(&yaml, "targets:\n  - name: near\n    url: '%s'\n  - name: far\n    url: '%s'\n",
		f->url, far_url);
	write_file(f, "fleet.yaml", strata_buf_cstr(&yaml));
	STRATA(f, &r, "migrate", "up", "--targets", "fleet.yaml");
	assert_exit(r, 0);
	assert_contains(OUT(r), "2 targets: 2 ok, 0 failed, 0 skipped");
	cli_result_free(&r);
	assert_int_equal(ledger_rows(f->db), 2);
	far = th_connect(far_socket);
	assert_int_equal(ledger_rows(far), 2);
	assert_true(qint(far, "SELECT current_setting('port')::int") !=
		qint(f->db, "SELECT current_setting('port')::int"));
	strata_conn_close(far);

	/* Run again: both up to date. */
	STRATA(f, &r, "migrate", "up", "--targets", "fleet.yaml");
	assert_exit(r, 0);
	assert_contains(OUT(r), "up to date");
	cli_result_free(&r);

	strata_buf_release(&yaml);
	strata_free(far_url);
	strata_free(far_socket);
	th_ok(strata_cluster_destroy(second, &err), &err);
	strata_cluster_free(second);
	f->second = NULL;
}

/* ---- 8. PgBouncer in transaction pooling mode ---- */

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		getsockname(s, (struct sockaddr *)&a, &len) != 0)
		fail_msg("cannot find a free port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static void pgbouncer_transaction_pooling_is_refused(void **state)
{
	fx *f = *state;
	static const char *const bins[] = { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", NULL };
	const char *bin = NULL;
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf ini = STRATA_BUF_INIT, url = STRATA_BUF_INIT;
	cli_result r;
	char ini_path[600], *dbname, *log;
	int port, i;
	int64_t deadline;

	for (i = 0; bins[i] != NULL && bin == NULL; i++)
		if (access(bins[i], X_OK) == 0)
			bin = bins[i];
	if (bin == NULL) {
		print_message("# SKIP pgbouncer is not installed (apt-get install pgbouncer; see scripts/debian-packages)\n");
		skip();
	}
	th_ok(strata_cluster_get_status(&st, th_cluster(), &err), &err);
	dbname = th_value(f->db, "SELECT current_database()");
	port = free_port();
	/* Transaction pooling by default; "session" is the same database pooled by session. */
	strata_buf_printf(&ini,
		"[databases]\n"
		"session = host=%s port=%d user=postgres dbname=%s pool_mode=session\n"
		"* = host=%s port=%d user=postgres\n"
		"[pgbouncer]\n"
		"listen_addr = 127.0.0.1\n"
		"listen_port = %d\n"
		"unix_socket_dir =\n"
		"auth_type = any\n"
		"pool_mode = transaction\n",
		strata_cluster_socket_dir(th_cluster()), st.port, dbname,
		strata_cluster_socket_dir(th_cluster()), st.port, port);
	snprintf(ini_path, sizeof(ini_path), "%s/pgbouncer.ini", f->logs);
	th_write_file(ini_path, strata_buf_cstr(&ini), 0644);
	{
		/* PgBouncer refuses to run as root: it switches to the server's user. */
		const char *argv[] = { bin, "-u", "postgres", ini_path, NULL };
		const char *argv_user[] = { bin, ini_path, NULL };

		cli_spawn_program(&f->bouncer, f->logs, f->env, geteuid() == 0 ? argv : argv_user, f->logs,
			"pgbouncer");
	}
	deadline = st_now_ns() + 10000000000LL;
	for (;;) {
		log = cli_proc_err(&f->bouncer);
		if (strstr(log, "process up") != NULL)
			break;
		if (!cli_running(&f->bouncer) || st_now_ns() > deadline)
			fail_msg("pgbouncer did not start:\n%s", log);
		free(log);
		st_sleep_ms(20);
	}
	free(log);

	migration(f, "0001_widgets.up.sql", "CREATE TABLE widgets (id int);\n");
	strata_buf_printf(&url, "postgresql://postgres@127.0.0.1:%d/%s", port, dbname);
	set_env(f, strata_buf_cstr(&url));
	STRATA(f, &r, "migrate", "up");
	/* Refused before anything runs: the session lock would not hold behind the proxy. */
	assert_exit(r, 6);
	assert_contains(ERR(r), "the connection goes through a proxy in transaction pooling mode (PgBouncer?)");
	cli_result_free(&r);
	assert_false(table_exists(f, "widgets"));
	assert_true(ledger_rows(f->db) <= 0);

	/* Session pooling keeps one server session per client: fine, with a warning. */
	strata_buf_clear(&url);
	strata_buf_printf(&url, "postgresql://postgres@127.0.0.1:%d/session", port);
	set_env(f, strata_buf_cstr(&url));
	STRATA(f, &r, "migrate", "up");
	assert_exit(r, 0);
	assert_contains(ERR(r), "session pooling is fine");
	cli_result_free(&r);
	assert_true(table_exists(f, "widgets"));
	assert_int_equal(ledger_rows(f->db), 1);

	strata_free(dbname);
	strata_buf_release(&ini);
	strata_buf_release(&url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(resume_after_failing_no_transaction_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_concurrent_index_is_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(sigkill_mid_transaction_then_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(sigkill_between_statements_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(two_runners_apply_each_migration_once, setup, teardown),
		cmocka_unit_test_setup_teardown(no_wait_names_the_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(lock_timeout_retries_then_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(lock_released_during_retries_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(sigint_cancels_the_running_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(sigterm_stops_a_no_transaction_migration_resumably, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_reports_every_target, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_across_two_clusters, setup, teardown),
		cmocka_unit_test_setup_teardown(pgbouncer_transaction_pooling_is_refused, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
