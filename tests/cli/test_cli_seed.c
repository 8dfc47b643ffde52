/*
 * test_cli_seed.c: `strata seed` black-box against the test cluster: a
 * project folder with migrations and seed files, DATABASE_URL naming a
 * fresh database, then exit codes, what stdout and stderr say, and what the
 * database and the ledger's seeds table hold afterwards.
 *
 * Covered: files run in name order, each in one transaction (and the
 * session reset between them); a failing statement rolls its file back,
 * names file and line, and keeps the files before it; a rerun does nothing;
 * a changed or new file runs again, a reformatted one does not; --force,
 * --file, --dry-run; refusal while migrations are pending, changed or
 * invalid (and --skip-migration-check); problems in the files (transaction
 * control, statements that cannot run in a transaction, syntax, NUL bytes)
 * listed at once before any database work; JSON output; the seed folder
 * from strata.yaml; the locks shared with `strata migrate` both ways, and
 * Ctrl-C.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

/* ------------------------------------------------------------------------
 * Fixture: a fresh database and a project folder per test
 * ------------------------------------------------------------------------ */

typedef struct fx {
	char *url;             /* the test's fresh database */
	char *dir;             /* the project folder */
	char *logs;            /* output of programs in the background */
	char env_url[1024];    /* "DATABASE_URL=<url>" */
	const char *env[24];   /* the clean environment with DATABASE_URL */
	strata_conn *conn;     /* for checks, opened on first use */
} fx;

/* A database URL that names no database that exists (and nothing listens on port 1). */
#define NOWHERE_URL "DATABASE_URL=postgresql://nobody@127.0.0.1:1/nowhere"

static int setup(void **state)
{
	static const char *const clean[] = { CLI_CLEAN_ENV, NULL };
	fx *f = calloc(1, sizeof(*f));
	size_t i;

	f->url = th_db_create("seed");
	f->dir = th_tempdir("cli-seed");
	f->logs = th_tempdir("cli-seed-logs");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	for (i = 0; clean[i] != NULL; i++)
		f->env[i] = clean[i];
	f->env[i++] = f->env_url;
	f->env[i] = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	strata_conn_close(f->conn);
	th_db_drop(f->url);
	th_rmtree(f->dir);
	th_rmtree(f->logs);
	free(f->url);
	free(f->dir);
	free(f->logs);
	free(f);
	return 0;
}

/* Writes len bytes to the project file rel, creating its folders. */
static void put_bytes(fx *f, const char *rel, const char *data, size_t len)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf b = STRATA_BUF_INIT;
	char *path, *slash;

	strata_buf_printf(&b, "%s/%s", f->dir, rel);
	path = strata_buf_detach(&b);
	slash = strrchr(path, '/');
	*slash = '\0';
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	*slash = '/';
	th_ok(st_file_write_atomic(path, data, len, 0644, &err), &err);
	strata_free(path);
}

static void put(fx *f, const char *rel, const char *text)
{
	put_bytes(f, rel, text, strlen(text));
}

static strata_conn *db(fx *f)
{
	if (f->conn == NULL)
		f->conn = th_connect(f->url);
	return f->conn;
}

/* ------------------------------------------------------------------------
 * Running strata
 * ------------------------------------------------------------------------ */

/*
 * Runs `strata <args>` in the project folder with db_env as the only way to
 * name a database (NULL: none) and checks the exit code. r is freed first.
 */
static void run_in(cli_result *r, const char *db_env, const fx *f, int want, int line,
	const char *const *args)
{
	const char *env[32] = { CLI_CLEAN_ENV };
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	if (db_env != NULL)
		env[n++] = db_env;
	env[n] = NULL;
	cli_result_free(r);
	cli_run(r, f->dir, env, args);
	if (r->status != want) {
		strata_buf cmd = STRATA_BUF_INIT;

		for (; *args != NULL; args++)
			strata_buf_printf(&cmd, " %s", *args);
		fail_msg("line %d: strata%s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", line,
			strata_buf_cstr(&cmd), r->status, want, strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
	}
}

static void strata_v(cli_result *r, fx *f, int want, int line, ...)
{
	const char *args[40];
	const char *a;
	size_t n = 0;
	va_list ap;

	va_start(ap, line);
	while ((a = va_arg(ap, const char *)) != NULL && n < 39)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	run_in(r, f->env_url, f, want, line, args);
}

/* strata seed [args] in the project: seed_v(r, f, line, want, args..., NULL). */
static void seed_v(cli_result *r, fx *f, int line, int want, ...)
{
	const char *args[40];
	const char *a;
	size_t n = 0;
	va_list ap;

	args[n++] = "seed";
	va_start(ap, want);
	while ((a = va_arg(ap, const char *)) != NULL && n < 39)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	run_in(r, f->env_url, f, want, line, args);
}

/* strata ... in the project, on the test's database; the exit code must be want. */
#define STRATA(r, f, want, ...) strata_v((r), (f), (want), __LINE__, __VA_ARGS__, (const char *)NULL)
/* strata seed ...: SEED(&r, f, want) or SEED(&r, f, want, "--force", ...). */
#define SEED(r, f, ...) seed_v((r), (f), __LINE__, __VA_ARGS__, (const char *)NULL)

#define OUT(r) strata_buf_cstr(&(r).out)
#define ERR(r) strata_buf_cstr(&(r).err)

/* ------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------ */

static void has(const char *hay, const char *needle, int want, int line)
{
	if ((strstr(hay, needle) != NULL) != want)
		fail_msg("line %d: %s \"%s\" in:\n%s", line, want ? "expected" : "did not expect", needle, hay);
}

#define HAS(hay, needle) has((hay), (needle), 1, __LINE__)
#define HASNT(hay, needle) has((hay), (needle), 0, __LINE__)

/* Each needle occurs in hay after the one before it. */
static void in_order(const char *hay, const char *const *needles, int line)
{
	const char *at = hay, *hit;

	for (; *needles != NULL; needles++) {
		hit = strstr(at, *needles);
		if (hit == NULL)
			fail_msg("line %d: \"%s\" missing%s in:\n%s", line, *needles,
				strstr(hay, *needles) ? " after the one before it" : "", hay);
		at = hit + strlen(*needles);
	}
}

#define IN_ORDER(hay, ...) do { \
		const char *const in_order_[] = { __VA_ARGS__, NULL }; \
		in_order((hay), in_order_, __LINE__); \
	} while (0)

static void sql_eq(fx *f, const char *query, const char *want, int line)
{
	char *v = th_value(db(f), query);
	const char *got = v != NULL ? v : "NULL";

	if (strcmp(got, want) != 0)
		fail_msg("line %d: %s\n  gave '%s', expected '%s'", line, query, got, want);
	strata_free(v);
}

#define SQL_EQ(f, query, want) sql_eq((f), (query), (want), __LINE__)

/* The seeds table: "file:runs:rows_changed" per row, in file order. */
#define SEEDS(f, want) \
	SQL_EQ((f), "SELECT coalesce(string_agg(file || ':' || runs || ':' || rows_changed, ',' ORDER BY file), '')" \
		" FROM strata.seeds", (want))

/* One JSON object per line, as an array. */
static json_t *json_lines(const char *text, int line)
{
	json_t *all = json_array();
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		json_error_t jerr;
		json_t *obj;

		if (len > 0) {
			obj = json_loadb(p, len, 0, &jerr);
			if (obj == NULL || !json_is_object(obj))
				fail_msg("line %d: not a JSON object (%s): %.*s", line, jerr.text, (int)len, p);
			json_array_append_new(all, obj);
		}
		p += len + (nl != NULL);
	}
	return all;
}

#define JSON_LINES(text) json_lines((text), __LINE__)

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

static long long jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", key);
	return (long long)json_integer_value(v);
}

/* The n-th object of events whose "event" member is kind (0-based); fails when absent. */
static json_t *nth_event(json_t *events, const char *kind, size_t n)
{
	size_t i;

	for (i = 0; i < json_array_size(events); i++) {
		json_t *e = json_array_get(events, i);

		if (strcmp(jstr(e, "event"), kind) == 0 && n-- == 0)
			return e;
	}
	fail_msg("no '%s' event number %zu", kind, n);
	return NULL;
}

/* A project with one table, migrated, and seed files that write to it. */
static void put_log_project(fx *f)
{
	put(f, "migrations/0001_log.up.sql",
		"CREATE TABLE log (n serial PRIMARY KEY, file text NOT NULL, tx bigint NOT NULL DEFAULT txid_current());\n");
}

static void migrate(fx *f)
{
	cli_result r = { 0 };

	STRATA(&r, f, 0, "migrate", "up");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 1. Running files
 * ------------------------------------------------------------------------ */

static void files_run_in_name_order_each_in_one_transaction(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0010_c.sql", "INSERT INTO log (file) VALUES ('c');\n");
	put(f, "seeds/0001_a.sql", "-- two rows\nINSERT INTO log (file) VALUES ('a');\nINSERT INTO log (file) VALUES ('a')");
	/* Session state a file leaves behind does not reach the next one. */
	put(f, "seeds/0002_b.sql",
		"UPDATE log SET file = 'a' WHERE file = 'a';\nSET search_path = nowhere;\nINSERT INTO public.log (file) VALUES ('b');\n");
	/* Not seed files: other extensions, hidden files, folders. */
	put(f, "seeds/README.md", "SELECT 1/0;\n");
	put(f, "seeds/.scratch.sql", "SELECT 1/0;\n");
	put(f, "seeds/old/0001_x.sql", "SELECT 1/0;\n");

	SEED(&r, f, 0, "-v");
	IN_ORDER(ERR(r),
		"strata: info: seeding seeds/0001_a.sql (new)\n",
		"strata: seeded seeds/0001_a.sql (", " ms, 2 rows changed)\n",
		"strata: seeded seeds/0002_b.sql (", " ms, 3 rows changed)\n",
		"strata: seeded seeds/0010_c.sql (", " ms, 1 row changed)\n",
		"strata: seeded 3 files in ");
	HASNT(ERR(r), "old");
	HASNT(ERR(r), "README");
	HASNT(ERR(r), "scratch");
	assert_string_equal(OUT(r), "");
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a,a,b,c");
	/* One transaction per file: the rows of a file share one, the files do not. */
	SQL_EQ(f, "SELECT string_agg(file || '=' || txs, ',' ORDER BY file) FROM"
		" (SELECT file, count(DISTINCT tx) AS txs FROM log GROUP BY file) t", "a=1,b=1,c=1");
	SQL_EQ(f, "SELECT count(DISTINCT tx) FROM log", "3");
	SEEDS(f, "0001_a.sql:1:2,0002_b.sql:1:3,0010_c.sql:1:1");
	/* The ledger row: normalised and raw checksums, who, which strata, how long. */
	SQL_EQ(f, "SELECT count(*) FROM strata.seeds WHERE checksum ~ '^[0-9a-f]{64}$' AND raw_checksum ~ '^[0-9a-f]{64}$'"
		" AND applied_by_role = current_user AND applied_by_os IS NOT NULL AND strata_version <> ''"
		" AND duration_ms > 0 AND applied_at <= now()", "3");
	SQL_EQ(f, "SELECT value FROM strata.meta WHERE key = 'seeds_revision'", "1");
	cli_result_free(&r);
}

static void a_rerun_does_nothing_and_changed_files_run_again(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");
	SEED(&r, f, 0, "--quiet");
	assert_string_equal(ERR(r), "");

	SEED(&r, f, 0, "-v");
	assert_string_equal(ERR(r), "strata: info: seeds/0001_a.sql is up to date\n"
		"strata: info: seeds/0002_b.sql is up to date\nstrata: 2 seed files up to date\n");
	SQL_EQ(f, "SELECT count(*) FROM log", "2");

	/* Line endings, a BOM and trailing blanks are not a change. */
	put(f, "seeds/0002_b.sql", "\xef\xbb\xbfINSERT INTO log (file) VALUES ('b');  \r\n\r\n");
	SEED(&r, f, 0);
	assert_string_equal(ERR(r), "strata: 2 seed files up to date\n");

	/* A changed file runs again, and only it. */
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b2');\n");
	SEED(&r, f, 0, "-v");
	IN_ORDER(ERR(r), "seeds/0001_a.sql is up to date\n", "seeding seeds/0002_b.sql (changed)\n",
		"seeded seeds/0002_b.sql (", "seeded 1 file in ", " ms, 1 up to date\n");
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a,b,b2");
	SEEDS(f, "0001_a.sql:1:1,0002_b.sql:2:1");

	/* So does a new one, wherever its name sorts. */
	put(f, "seeds/0001_0_first.sql", "INSERT INTO log (file) VALUES ('first');\n");
	SEED(&r, f, 0, "-v");
	HAS(ERR(r), "seeding seeds/0001_0_first.sql (new)\n");
	HASNT(ERR(r), "seeding seeds/0001_a.sql");
	SEEDS(f, "0001_0_first.sql:1:1,0001_a.sql:1:1,0002_b.sql:2:1");
	SEED(&r, f, 0);
	assert_string_equal(ERR(r), "strata: 3 seed files up to date\n");
	cli_result_free(&r);
}

static void force_and_file_choose_what_runs(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");
	SEED(&r, f, 0);

	SEED(&r, f, 0, "--force", "-v");
	IN_ORDER(ERR(r), "seeding seeds/0001_a.sql (forced)\n", "seeding seeds/0002_b.sql (forced)\n",
		"seeded 2 files in ");
	SEEDS(f, "0001_a.sql:2:1,0002_b.sql:2:1");

	/* --file: that file only, by name or by the path shown; up to date unless forced. */
	SEED(&r, f, 0, "--file", "0002_b.sql");
	assert_string_equal(ERR(r), "strata: 1 seed file up to date (--force runs it again)\n");
	SEED(&r, f, 0, "--file", "seeds/0002_b.sql", "--force");
	HAS(ERR(r), "seeded seeds/0002_b.sql (");
	HASNT(ERR(r), "0001_a");
	SEEDS(f, "0001_a.sql:2:1,0002_b.sql:3:1");
	put(f, "seeds/0003_c.sql", "INSERT INTO log (file) VALUES ('c');\n");
	put(f, "seeds/0004_d.sql", "INSERT INTO log (file) VALUES ('d');\n");
	SEED(&r, f, 0, "--file", "0004_d.sql");
	HAS(ERR(r), "seeded seeds/0004_d.sql (");
	SEEDS(f, "0001_a.sql:2:1,0002_b.sql:3:1,0004_d.sql:1:1");

	/* A name that is no seed file is an input error; so is an argument. */
	SEED(&r, f, 3, "--file", "0009_nope.sql");
	HAS(ERR(r), "strata: error: no seed file '0009_nope.sql' in 'seeds'\n");
	HAS(ERR(r), "strata: hint: name a *.sql file of the seed folder, such as '0001_a.sql'\n");
	SEED(&r, f, 2, "0001_a.sql");
	HAS(ERR(r), "takes no arguments");
	SEED(&r, f, 2, "--no-wait", "--lock-wait", "1s");
	cli_result_free(&r);
}

static void a_failing_statement_rolls_back_its_file_only(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");
	put(f, "seeds/0002_b.sql",
		"INSERT INTO log (file) VALUES ('b');\n"
		"\n"
		"-- the mistake\n"
		"INSERT INTO log (n, file)\n"
		"  VALUES (1, 'dup');\n"
		"INSERT INTO log (file) VALUES ('b2');\n");
	put(f, "seeds/0003_c.sql", "INSERT INTO log (file) VALUES ('c');\n");

	SEED(&r, f, 4);
	IN_ORDER(ERR(r), "strata: seeded seeds/0001_a.sql (",
		"strata: error: seeds/0002_b.sql line 4: duplicate key value violates unique constraint \"log_pkey\""
		" (SQLSTATE 23505)\n",
		"strata: hint: nothing of 'seeds/0002_b.sql' was kept; the 1 seed file before it stays applied\n");
	HASNT(ERR(r), "0003_c");
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a");
	SEEDS(f, "0001_a.sql:1:1");

	/* Fixed, the rest runs. */
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");
	SEED(&r, f, 0, "-v");
	IN_ORDER(ERR(r), "seeds/0001_a.sql is up to date", "seeding seeds/0002_b.sql (new)",
		"seeding seeds/0003_c.sql (new)", "seeded 2 files in ");
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a,b,c");

	/* A first file failing: nothing was seeded, the hint says so. */
	put(f, "seeds/0000_bad.sql", "SELECT 1;\nSELECT 1/0;\n");
	SEED(&r, f, 4);
	HAS(ERR(r), "strata: error: seeds/0000_bad.sql line 2: division by zero (SQLSTATE 22012)\n");
	HAS(ERR(r), "strata: hint: nothing of 'seeds/0000_bad.sql' was kept\n");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 2. Dry runs, JSON
 * ------------------------------------------------------------------------ */

static void dry_run_lists_what_would_run_and_touches_nothing(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *events;

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");

	SEED(&r, f, 0, "--dry-run");
	assert_string_equal(OUT(r), "would run seeds/0001_a.sql (new)\nwould run seeds/0002_b.sql (new)\n");
	assert_string_equal(ERR(r), "strata: dry run: 2 seed files would run, 0 up to date; nothing was changed\n");
	/* Not even the seeds table was created. */
	SQL_EQ(f, "SELECT to_regclass('strata.seeds') IS NULL", "t");
	SQL_EQ(f, "SELECT count(*) FROM log", "0");

	SEED(&r, f, 0);
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b2');\n");
	put(f, "seeds/0003_c.sql", "INSERT INTO log (file) VALUES ('c');\n");
	SEED(&r, f, 0, "--dry-run");
	assert_string_equal(OUT(r), "would run seeds/0002_b.sql (changed)\nwould run seeds/0003_c.sql (new)\n");
	SEED(&r, f, 0, "--dry-run", "--force", "--format", "json");
	events = JSON_LINES(OUT(r));
	assert_int_equal(json_array_size(events), 4);
	assert_string_equal(jstr(nth_event(events, "planned", 0), "file"), "seeds/0001_a.sql");
	assert_string_equal(jstr(nth_event(events, "planned", 0), "why"), "forced");
	assert_string_equal(jstr(nth_event(events, "planned", 1), "why"), "changed");
	assert_string_equal(jstr(nth_event(events, "planned", 2), "why"), "new");
	{
		json_t *sum = json_object_get(json_array_get(events, 3), "summary");

		assert_non_null(sum);
		assert_true(json_is_true(json_object_get(sum, "dry_run")));
		assert_int_equal(jint(sum, "planned"), 3);
		assert_int_equal(jint(sum, "seeded"), 0);
	}
	json_decref(events);
	SEEDS(f, "0001_a.sql:1:1,0002_b.sql:1:1");
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a,b");
	cli_result_free(&r);
}

static void json_events_and_summary(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *events, *e, *sum;

	put_log_project(f);
	migrate(f);
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a'), ('a');\n");
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");
	SEED(&r, f, 0, "--file", "0001_a.sql");

	SEED(&r, f, 0, "--format", "json");
	events = JSON_LINES(OUT(r));
	assert_int_equal(json_array_size(events), 4);
	e = json_array_get(events, 0);
	assert_string_equal(jstr(e, "event"), "up_to_date");
	assert_string_equal(jstr(e, "file"), "seeds/0001_a.sql");
	assert_string_equal(jstr(e, "name"), "0001_a.sql");
	assert_int_equal(strlen(jstr(e, "checksum")), 64);
	e = json_array_get(events, 1);
	assert_string_equal(jstr(e, "event"), "start");
	assert_string_equal(jstr(e, "why"), "new");
	e = json_array_get(events, 2);
	assert_string_equal(jstr(e, "event"), "done");
	assert_string_equal(jstr(e, "file"), "seeds/0002_b.sql");
	assert_int_equal(jint(e, "rows_changed"), 1);
	assert_true(json_is_number(json_object_get(e, "duration_ms")));
	sum = json_object_get(json_array_get(events, 3), "summary");
	assert_non_null(sum);
	assert_string_equal(jstr(sum, "folder"), "seeds");
	assert_int_equal(jint(sum, "files"), 2);
	assert_int_equal(jint(sum, "up_to_date"), 1);
	assert_int_equal(jint(sum, "planned"), 1);
	assert_int_equal(jint(sum, "seeded"), 1);
	assert_int_equal(jint(sum, "rows_changed"), 1);
	assert_true(json_is_false(json_object_get(sum, "failed")));
	json_decref(events);

	/* A failure: an error event with file, line and statement, and the error as JSON on stderr. */
	put(f, "seeds/0003_c.sql", "SELECT 1;\nSELECT 1;\nSELECT 1/0;\n");
	SEED(&r, f, 4, "--format", "json");
	events = JSON_LINES(OUT(r));
	e = nth_event(events, "error", 0);
	assert_string_equal(jstr(e, "file"), "seeds/0003_c.sql");
	assert_int_equal(jint(e, "line"), 3);
	assert_int_equal(jint(e, "statement"), 3);
	assert_string_equal(jstr(e, "sqlstate"), "22012");
	assert_string_equal(jstr(e, "message"), "division by zero");
	sum = json_object_get(json_array_get(events, json_array_size(events) - 1), "summary");
	assert_true(json_is_true(json_object_get(sum, "failed")));
	json_decref(events);
	events = JSON_LINES(ERR(r));
	e = json_object_get(json_array_get(events, 0), "error");
	assert_int_equal(jint(e, "exit"), 4);
	assert_string_equal(jstr(e, "message"), "seeds/0003_c.sql line 3: division by zero");
	json_decref(events);
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 3. What is refused
 * ------------------------------------------------------------------------ */

static void problems_in_seed_files_are_listed_before_any_database_work(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *doc, *problems;
	static const char nul_file[] = "SELECT 1;\nSELECT 2\0;\n";

	put(f, "seeds/0001_ok.sql", "SELECT 1;\n");
	put(f, "seeds/0002_tx.sql", "begin;\nINSERT INTO t VALUES (1);\nSAVEPOINT s;\nRELEASE s;\ncommit;\n");
	put(f, "seeds/0003_vacuum.sql", "-- tidy\nVACUUM;\n");
	put(f, "seeds/0004_start.sql", "SELECT 1;\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nROLLBACK;\n");
	put(f, "seeds/0005_typo.sql", "SELECT 1;\nSELEC 2;\n");
	put_bytes(f, "seeds/0006_nul.sql", nul_file, sizeof(nul_file) - 1);
	put(f, "seeds/0007_empty.sql", "-- nothing yet\n");
	put(f, "seeds/0008_index.sql", "CREATE INDEX CONCURRENTLY i ON t (id);\n");
	put(f, "seeds/0009_latin1.sql", "SELECT 'caf\xe9';\n");

	/* Nothing listens there: the files decide, exit 3, before any connection. */
	{
		const char *const args[] = { "seed", NULL };

		run_in(&r, NOWHERE_URL, f, 3, __LINE__, args);
	}
	IN_ORDER(ERR(r),
		"seeds/0002_tx.sql:1: BEGIN: a seed file runs in one transaction that strata opens and commits;"
		" remove its own transaction control\n",
		"seeds/0002_tx.sql:5: COMMIT: a seed file runs in one transaction",
		"seeds/0003_vacuum.sql:2: VACUUM cannot run inside a transaction, and a seed file runs in one\n",
		"seeds/0004_start.sql:2: START TRANSACTION: a seed file",
		"seeds/0004_start.sql:3: ROLLBACK: a seed file",
		"seeds/0005_typo.sql:2: syntax error: syntax error at or near \"SELEC\"",
		"seeds/0006_nul.sql:2: holds a NUL byte\n",
		"seeds/0007_empty.sql: has no SQL statement\n",
		"seeds/0008_index.sql:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction",
		"seeds/0009_latin1.sql:1: is not valid UTF-8 (byte 0xe9)\n",
		"strata: error: 10 problems in the seed files; nothing was run\n");
	assert_int_equal(cli_count_lines(ERR(r)), 11);
	HASNT(ERR(r), "0001_ok");
	HASNT(ERR(r), "connect");

	{
		const char *const args[] = { "seed", "--format", "json", NULL };

		run_in(&r, NOWHERE_URL, f, 3, __LINE__, args);
	}
	doc = json_loads(OUT(r), 0, NULL);
	assert_non_null(doc);
	assert_true(json_is_false(json_object_get(doc, "valid")));
	problems = json_object_get(doc, "problems");
	assert_int_equal(json_array_size(problems), 10);
	assert_string_equal(jstr(json_array_get(problems, 0), "file"), "seeds/0002_tx.sql");
	assert_int_equal(jint(json_array_get(problems, 0), "line"), 1);
	assert_true(json_is_null(json_object_get(json_array_get(problems, 7), "line")));
	json_decref(doc);

	/* --file looks at that file only. */
	SEED(&r, f, 3, "--file", "0003_vacuum.sql");
	HAS(ERR(r), "1 problem in the seed files");
	cli_result_free(&r);
}

static void refused_until_the_database_is_migrated(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_log_project(f);
	put(f, "migrations/0002_more.up.sql", "CREATE TABLE more (id int);\n");
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");

	/* Never migrated. */
	SEED(&r, f, 3);
	assert_string_equal(ERR(r),
		"strata: error: the database is not fully migrated: default/0001 'log' is pending,"
		" default/0002 'more' is pending\n"
		"strata: hint: run 'strata migrate up' first, or seed anyway with --skip-migration-check\n");
	SQL_EQ(f, "SELECT to_regnamespace('strata') IS NULL", "t");
	/* A dry run says the same. */
	SEED(&r, f, 3, "--dry-run");
	HAS(ERR(r), "default/0002 'more' is pending");
	assert_string_equal(OUT(r), "");

	/* Half migrated. */
	STRATA(&r, f, 0, "migrate", "up", "--to", "0001");
	SEED(&r, f, 3);
	HAS(ERR(r), "the database is not fully migrated: default/0002 'more' is pending\n");
	SQL_EQ(f, "SELECT to_regclass('strata.seeds') IS NULL", "t");
	SQL_EQ(f, "SELECT count(*) FROM log", "0");
	SEED(&r, f, 0, "--skip-migration-check");
	HAS(ERR(r), "seeded seeds/0001_a.sql (");
	SQL_EQ(f, "SELECT count(*) FROM log", "1");

	/* An applied migration changed since. */
	migrate(f);
	put(f, "migrations/0002_more.up.sql", "CREATE TABLE more (id bigint);\n");
	put(f, "seeds/0002_b.sql", "INSERT INTO log (file) VALUES ('b');\n");
	SEED(&r, f, 3);
	HAS(ERR(r), "the database is not fully migrated: default/0002 'more' changed since it was applied\n");
	HAS(ERR(r), "strata: hint: see 'strata migrate status'");

	/* Migration files with problems: the state cannot be told. */
	put(f, "migrations/0002_more.up.sql", "CREATE TABLE more (id int);\n");
	put(f, "migrations/0003_bad.up.sql", "VACUUM;\n");
	SEED(&r, f, 3, "-v");
	HAS(ERR(r), "strata: error: 1 problem in the migration files: cannot tell whether the database is migrated\n");
	HAS(ERR(r), "strata: detail: migrations/0003_bad.up.sql:1: VACUUM cannot run inside a transaction");
	SQL_EQ(f, "SELECT count(*) FROM log", "1");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 4. The project's settings
 * ------------------------------------------------------------------------ */

static void seed_folder_and_tracks_from_strata_yaml(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	const char *const args[] = { "seed", NULL };

	put(f, "strata.yaml",
		"ledger: {schema: ops_ledger}\n"
		"tracks:\n"
		"  core: {path: db/core}\n"
		"  extra: {path: db/extra}\n"
		"seed:\n"
		"  path: db/data\n");
	put(f, "db/core/0001_t.up.sql", "CREATE TABLE t (id int PRIMARY KEY);\n");
	put(f, "db/extra/0001_u.up.sql", "CREATE TABLE u (id int PRIMARY KEY);\n");
	put(f, "db/data/0001_t.sql", "INSERT INTO t VALUES (1), (2);\n");
	put(f, "seeds/0001_ignored.sql", "SELECT 1/0;\n");
	STRATA(&r, f, 0, "migrate", "up", "--track", "core");
	SEED(&r, f, 3);
	HAS(ERR(r), "extra/0001 'u' is pending");
	migrate(f);
	SEED(&r, f, 0);
	HAS(ERR(r), "strata: seeded db/data/0001_t.sql (");
	SQL_EQ(f, "SELECT string_agg(file || ':' || rows_changed, ',') FROM ops_ledger.seeds", "0001_t.sql:2");
	SQL_EQ(f, "SELECT to_regnamespace('strata') IS NULL", "t");

	/* A project without seed files: nothing to do, no database needed. */
	put(f, "strata.yaml", "seed: {path: nothing_here}\n");
	run_in(&r, NOWHERE_URL, f, 0, __LINE__, args);
	assert_string_equal(ERR(r), "strata: no seed files in 'nothing_here'\n");
	/* A bad seed key is strata.yaml's error, with its position. */
	put(f, "strata.yaml", "seed:\n  pth: data\n");
	run_in(&r, NOWHERE_URL, f, 3, __LINE__, args);
	assert_string_equal(ERR(r),
		"strata: error: strata.yaml:2:3: unknown key 'pth' in 'seed'; did you mean 'path'?\n");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 5. Locks and signals
 * ------------------------------------------------------------------------ */

static long long qint(fx *f, const char *sql)
{
	char *v = th_value(db(f), sql);
	long long n = v != NULL ? strtoll(v, NULL, 10) : -1;

	strata_free(v);
	return n;
}

/* Waits (up to 10 s) until a strata process running command sleeps in pg_sleep. */
static void wait_for_sleeper(fx *f, cli_proc *p, const char *command)
{
	char sql[512];
	int i;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
		" AND application_name LIKE 'strata/%% %s' AND wait_event = 'PgSleep'", command);
	for (i = 0; i < 200; i++) {
		if (qint(f, sql) > 0)
			return;
		if (!cli_running(p))
			break;
		th_sleep_ms(50);
	}
	{
		char *err = cli_proc_err(p);

		if (p->pid == 0)
			fail_msg("'%s' ended (exit %d) before it reached pg_sleep; stderr:\n%s", command, p->status,
				err);
		fail_msg("'%s' never reached pg_sleep; stderr:\n%s", command, err);
	}
}

static void seeds_and_migrations_exclude_each_other(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	cli_proc p;

	th_exec(db(f), "CREATE TABLE naptime (secs float8); INSERT INTO naptime VALUES (30)");
	put_log_project(f);
	migrate(f);

	/* A migration running: a seed run waits for it, or with --no-wait fails at once naming it. */
	put(f, "migrations/0002_sleepy.up.sql", "SELECT pg_sleep((SELECT secs FROM naptime));\n");
	put(f, "seeds/0001_a.sql", "INSERT INTO log (file) VALUES ('a');\n");
	{
		const char *const args[] = { "migrate", "up", NULL };

		cli_spawn(&p, f->dir, f->env, args, f->logs, "migrate");
	}
	wait_for_sleeper(f, &p, "migrate up");
	SEED(&r, f, 5, "--no-wait", "--skip-migration-check");
	HAS(ERR(r), "strata: error: another runner holds the migration lock of track 'default': pid ");
	HAS(ERR(r), "migrate up', user ");
	HAS(ERR(r), "strata: hint: --no-wait was given");
	SEED(&r, f, 5, "--lock-wait", "200ms", "--skip-migration-check");
	IN_ORDER(ERR(r), "strata: warning: another runner holds the migration lock of track 'default'",
		"strata: error: another runner holds the migration lock", "strata: hint: waited 200 ms");
	assert_int_equal(kill(p.pid, SIGINT), 0);
	assert_int_equal(cli_wait(&p, 10000), 130);
	SQL_EQ(f, "SELECT count(*) FROM log", "0");

	/* A seed file running: migrations and other seed runs wait for it. */
	th_exec(db(f), "UPDATE naptime SET secs = 0");
	migrate(f);
	th_exec(db(f), "UPDATE naptime SET secs = 30");
	put(f, "seeds/0002_sleepy.sql", "INSERT INTO log (file) VALUES ('b');\nSELECT pg_sleep((SELECT secs FROM naptime));\n");
	put(f, "migrations/0003_more.up.sql", "CREATE TABLE more (id int);\n");
	{
		const char *const args[] = { "seed", "--skip-migration-check", NULL };

		cli_spawn(&p, f->dir, f->env, args, f->logs, "seed");
	}
	wait_for_sleeper(f, &p, "seed");
	STRATA(&r, f, 5, "migrate", "up", "--no-wait");
	HAS(ERR(r), "another runner holds the migration lock of track 'default'");
	HAS(ERR(r), " seed', user ");
	SEED(&r, f, 5, "--no-wait", "--skip-migration-check");
	HAS(ERR(r), "another runner holds the migration lock of track 'default'");

	/* Ctrl-C: the running file is cancelled and rolled back; the files before it stay. */
	assert_int_equal(kill(p.pid, SIGINT), 0);
	assert_int_equal(cli_wait(&p, 10000), 130);
	{
		char *err = cli_proc_err(&p);

		if (strstr(err, "seeded seeds/0001_a.sql (") == NULL ||
			strstr(err, "strata: error: interrupted: 'seeds/0002_sleepy.sql' was cancelled and rolled back\n") == NULL)
			fail_msg("unexpected stderr of the interrupted run:\n%s", err);
		free(err);
	}
	SQL_EQ(f, "SELECT string_agg(file, ',' ORDER BY n) FROM log", "a");
	SEEDS(f, "0001_a.sql:1:1");

	/* With the locks free, everything goes through. */
	th_exec(db(f), "UPDATE naptime SET secs = 0");
	migrate(f);
	SEED(&r, f, 0);
	HAS(ERR(r), "seeded seeds/0002_sleepy.sql (");
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(files_run_in_name_order_each_in_one_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(a_rerun_does_nothing_and_changed_files_run_again, setup, teardown),
		cmocka_unit_test_setup_teardown(force_and_file_choose_what_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failing_statement_rolls_back_its_file_only, setup, teardown),
		cmocka_unit_test_setup_teardown(dry_run_lists_what_would_run_and_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(json_events_and_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(problems_in_seed_files_are_listed_before_any_database_work, setup,
			teardown),
		cmocka_unit_test_setup_teardown(refused_until_the_database_is_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(seed_folder_and_tracks_from_strata_yaml, setup, teardown),
		cmocka_unit_test_setup_teardown(seeds_and_migrations_exclude_each_other, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
