/*
 * test_cli_migrate.c: `strata migrate` black-box against the test cluster,
 * the way a user meets it: a project folder with migration files (and
 * strata.yaml), DATABASE_URL naming a fresh database, and then exit codes,
 * what stdout and stderr say, and what the database and its ledger (schema
 * "strata": history, events, progress) hold afterwards.
 *
 * Covered: validation (every problem at once, in file and line order,
 * before any database work), the ledger's checks (changed, missing, out of
 * order, normalised checksums, repair), down/redo/goto, all-or-nothing
 * transactional runs, the adopted layouts (golang-migrate, dbmate, Flyway)
 * and baseline, plan and dry runs, JSON output, row counts, `new`, and
 * several tracks ordered by "-- strata:requires".
 */
#include <errno.h>
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
	char env_url[1024];    /* "DATABASE_URL=<url>" */
	strata_conn *conn;     /* for checks, opened on first use */
} fx;

/* A database URL that names no database that exists (and nothing listens on port 1). */
#define NOWHERE_URL "DATABASE_URL=postgresql://nobody@127.0.0.1:1/nowhere"

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	f->url = th_db_create("migrate");
	f->dir = th_tempdir("cli-migrate");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	strata_conn_close(f->conn);
	th_db_drop(f->url);
	th_rmtree(f->dir);
	free(f->url);
	free(f->dir);
	free(f);
	return 0;
}

static char *path_of(fx *f, const char *rel)
{
	strata_buf b = STRATA_BUF_INIT;
	char *p;

	strata_buf_printf(&b, "%s/%s", f->dir, rel);
	p = strdup(strata_buf_cstr(&b));
	strata_buf_release(&b);
	return p;
}

/* Writes len bytes to the project file rel, creating its folders. */
static void put_bytes(fx *f, const char *rel, const char *data, size_t len)
{
	strata_error err = STRATA_ERROR_INIT;
	char *path = path_of(f, rel), *slash = strrchr(path, '/');

	*slash = '\0';
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	*slash = '/';
	th_ok(st_file_write_atomic(path, data, len, 0644, &err), &err);
	free(path);
}

static void put(fx *f, const char *rel, const char *text)
{
	put_bytes(f, rel, text, strlen(text));
}

static void rm(fx *f, const char *rel)
{
	char *path = path_of(f, rel);

	if (unlink(path) != 0)
		fail_msg("unlink '%s': %s", path, strerror(errno));
	free(path);
}

static int exists(fx *f, const char *rel)
{
	char *path = path_of(f, rel);
	int yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

/* An up file and its down. */
static void put_pair(fx *f, const char *base, const char *up, const char *down)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "%s.up.sql", base);
	put(f, rel, up);
	snprintf(rel, sizeof(rel), "%s.down.sql", base);
	put(f, rel, down);
}

/* ------------------------------------------------------------------------
 * Running strata migrate
 * ------------------------------------------------------------------------ */

static void show_args(strata_buf *b, const char *const *args)
{
	for (; *args != NULL; args++)
		strata_buf_printf(b, " %s", *args);
}

/*
 * Runs `strata migrate <args>` in the project folder with db_env as the only
 * way to name a database (NULL: none at all) and checks the exit code. r is
 * freed first, so that one result serves a whole test; free it at the end.
 */
static void run_in(cli_result *r, const char *cwd, const char *db_env, int want, int line,
	const char *const *args)
{
	const char *env[32] = { CLI_CLEAN_ENV };
	const char *argv[40];
	size_t n = 0, a = 0;

	while (env[n] != NULL)
		n++;
	if (db_env != NULL)
		env[n++] = db_env;
	env[n] = NULL;
	argv[a++] = "migrate";
	while (*args != NULL && a < 38)
		argv[a++] = *args++;
	argv[a] = NULL;
	cli_result_free(r);
	cli_run(r, cwd, env, argv);
	if (r->status != want) {
		strata_buf cmd = STRATA_BUF_INIT;

		show_args(&cmd, argv);
		fail_msg("line %d: strata%s: exit %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", line,
			strata_buf_cstr(&cmd), r->status, want, strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
	}
}

static void migrate_v(cli_result *r, fx *f, int want, int line, ...)
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
	run_in(r, f->dir, f->env_url, want, line, args);
}

/* strata migrate ... in the project, on the test's database; the exit code must be want. */
#define MIG(r, f, want, ...) migrate_v((r), (f), (want), __LINE__, __VA_ARGS__, (const char *)NULL)

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

/* The first value of the first row, "NULL" for SQL NULL (free with free()). */
static char *sql(fx *f, const char *query)
{
	char *v, *copy;

	if (f->conn == NULL)
		f->conn = th_connect(f->url);
	v = th_value(f->conn, query);
	copy = strdup(v != NULL ? v : "NULL");
	strata_free(v);
	return copy;
}

static void sql_eq(fx *f, const char *query, const char *want, int line)
{
	char *got = sql(f, query);

	if (strcmp(got, want) != 0)
		fail_msg("line %d: %s\n  gave '%s', expected '%s'", line, query, got, want);
	free(got);
}

#define SQL_EQ(f, query, want) sql_eq((f), (query), (want), __LINE__)

/* Whether the table (or other relation) exists. */
#define REL_EXISTS(f, name, yes) \
	SQL_EQ((f), "SELECT to_regclass('" name "') IS NOT NULL", (yes) ? "t" : "f")

/* The applied versions of a track, in version order: "0001,0002". */
#define APPLIED(f, track, want) \
	SQL_EQ((f), "SELECT coalesce(string_agg(version, ',' ORDER BY version), '') FROM strata.history" \
		" WHERE track = '" track "'", (want))

static json_t *json_doc(const char *text, int line)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	if (doc == NULL)
		fail_msg("line %d: not JSON (%s): %s", line, jerr.text, text);
	return doc;
}

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

#define JSON(text) json_doc((text), __LINE__)
#define JSON_LINES(text) json_lines((text), __LINE__)

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* The n-th object of events whose "event" member is kind (0-based), or NULL. */
static json_t *nth_event(json_t *events, const char *kind, size_t n)
{
	size_t i;

	for (i = 0; i < json_array_size(events); i++) {
		json_t *e = json_array_get(events, i);

		if (strcmp(jstr(e, "event"), kind) == 0 && n-- == 0)
			return e;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * 1. Validation
 * ------------------------------------------------------------------------ */

static const char strata_yaml_require_down[] =
	"tracks:\n"
	"  default:\n"
	"    path: migrations\n"
	"    require_down: true\n";

/* A project with one problem of each kind, in different files. */
static void put_broken_project(fx *f)
{
	static const char nul_file[] = "CREATE TABLE n (id int);\nSELECT 1;\nSELECT 2\0;\n";

	put(f, "strata.yaml", strata_yaml_require_down);
	put_pair(f, "migrations/0001_users", "CREATE TABLE users (id int);\n", "DROP TABLE users;\n");
	/* Two files for version 0002. */
	put_pair(f, "migrations/0002_accounts", "CREATE TABLE accounts (id int);\n", "DROP TABLE accounts;\n");
	put(f, "migrations/0002_accounts_v2.up.sql", "CREATE TABLE accounts2 (id int);\n");
	/* 0003 is missing: a gap in a sequential track. */
	put_pair(f, "migrations/0004_orders", "CREATE TABLE orders (id int);\n", "DROP TABLE orders;\n");
	/* A name no layout reads. */
	put(f, "migrations/0005-bad-name.up.sql", "SELECT 1;\n");
	/* No down, and the track requires one. */
	put(f, "migrations/0005_no_down.up.sql", "CREATE TABLE nd (id int);\n");
	/* Latin-1, not UTF-8, on line 2. */
	put_pair(f, "migrations/0006_latin1", "-- caf\xc3\xa9 is fine\nCOMMENT ON TABLE users IS 'caf\xe9';\n",
		"SELECT 1;\n");
	/* A NUL byte on line 3. */
	put_bytes(f, "migrations/0007_nul.up.sql", nul_file, sizeof(nul_file) - 1);
	put(f, "migrations/0007_nul.down.sql", "SELECT 1;\n");
	/* Only comments. */
	put_pair(f, "migrations/0008_empty", "-- nothing here yet\n\n/* nor here */\n", "SELECT 1;\n");
	/* Statements that cannot run in a transaction, in files not marked no-transaction. */
	put_pair(f, "migrations/0009_concurrently",
		"CREATE TABLE c (id int);\n\nCREATE INDEX CONCURRENTLY c_id ON c (id);\n", "DROP TABLE c;\n");
	put_pair(f, "migrations/0010_vacuum", "-- tidy up\nVACUUM users;\n", "SELECT 1;\n");
	/* A syntax error on line 4. */
	put_pair(f, "migrations/0011_typo", "CREATE TABLE t (\n  id int\n);\nSELEC 1;\n", "DROP TABLE t;\n");
	/* A misspelt directive. */
	put_pair(f, "migrations/0012_directive", "-- strata:no-transactoin\nSELECT 1;\n", "SELECT 1;\n");
}

static void validate_lists_every_problem_in_file_and_line_order(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *doc, *problems;
	const char *const args[] = { "validate", NULL };

	put_broken_project(f);
	/* No database anywhere: validation does not need one. */
	run_in(&r, f->dir, NULL, 3, __LINE__, args);
	IN_ORDER(ERR(r),
		"migrations/0002_accounts_v2.up.sql: version 0002 is used twice: by 'accounts' and by 'accounts_v2'\n",
		"migrations/0004_orders.up.sql: gap in the sequence: 0004 follows 0002 (1 missing)\n",
		"migrations/0005-bad-name.up.sql: name does not match <version>_<slug>.up.sql or .down.sql",
		"migrations/0005_no_down.up.sql: has no down migration, and track 'default' requires one\n",
		"migrations/0006_latin1.up.sql:2: is not valid UTF-8 (byte 0xe9)\n",
		"migrations/0007_nul.up.sql:3: holds a NUL byte\n",
		"migrations/0008_empty.up.sql: has no SQL statement\n",
		"migrations/0009_concurrently.up.sql:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction:"
		" mark the file with '-- strata:no-transaction'\n",
		"migrations/0010_vacuum.up.sql:2: VACUUM cannot run inside a transaction",
		"migrations/0011_typo.up.sql:4: syntax error: syntax error at or near \"SELEC\"",
		"migrations/0012_directive.up.sql:1: unknown directive 'strata:no-transactoin'"
		" (did you mean 'strata:no-transaction'?)\n",
		"strata: error: 11 problems in the migration files; nothing was run\n");
	assert_int_equal(cli_count_lines(ERR(r)), 12);
	assert_string_equal(OUT(r), "");

	/* The same as JSON, on stdout: file, line (null when not about one line) and message. */
	{
		const char *const json_args[] = { "validate", "--format", "json", NULL };

		run_in(&r, f->dir, NULL, 3, __LINE__, json_args);
	}
	doc = JSON(OUT(r));
	assert_true(json_is_false(json_object_get(doc, "valid")));
	problems = json_object_get(doc, "problems");
	assert_int_equal(json_array_size(problems), 11);
	assert_string_equal(jstr(json_array_get(problems, 0), "file"), "migrations/0002_accounts_v2.up.sql");
	assert_true(json_is_null(json_object_get(json_array_get(problems, 0), "line")));
	assert_string_equal(jstr(json_array_get(problems, 9), "file"), "migrations/0011_typo.up.sql");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(problems, 9), "line")), 4);
	json_decref(doc);
	cli_result_free(&r);
}

static void invalid_files_stop_every_command_before_the_database(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	char missing_db[1200];
	const char *const up[] = { "up", NULL };
	const char *const status[] = { "status", NULL };
	const char *const plan[] = { "plan", NULL };

	put(f, "migrations/0001_ok.up.sql", "CREATE TABLE ok (id int);\n");
	put(f, "migrations/0002_bad.up.sql", "CREATE TABLE bad (id int);\nVACUUM;\n");

	/* Nothing listens there: the files decide, exit 3, not a connection error (4). */
	run_in(&r, f->dir, NOWHERE_URL, 3, __LINE__, up);
	HAS(ERR(r), "migrations/0002_bad.up.sql:2: VACUUM cannot run inside a transaction");
	HAS(ERR(r), "1 problem in the migration files; nothing was run");
	HASNT(ERR(r), "connect");
	run_in(&r, f->dir, NOWHERE_URL, 3, __LINE__, status);
	HAS(ERR(r), "migrations/0002_bad.up.sql:2: VACUUM");
	/* No database named at all. */
	run_in(&r, f->dir, NULL, 3, __LINE__, plan);
	HAS(ERR(r), "migrations/0002_bad.up.sql:2: VACUUM");
	HASNT(ERR(r), "no database");
	/* A server that exists, a database that does not. */
	{
		char *url = strata_cluster_database_url(th_cluster(), "no_such", 1);

		snprintf(missing_db, sizeof(missing_db), "DATABASE_URL=%s", url);
		strata_free(url);
	}
	run_in(&r, f->dir, missing_db, 3, __LINE__, up);
	HAS(ERR(r), "VACUUM cannot run inside a transaction");
	HASNT(ERR(r), "no_such");

	/* And the real database was left alone: no ledger, no table. */
	MIG(&r, f, 3, "up");
	SQL_EQ(f, "SELECT to_regnamespace('strata') IS NULL", "t");
	REL_EXISTS(f, "ok", 0);
	cli_result_free(&r);
}

static void validate_is_quiet_on_a_good_project(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	const char *const args[] = { "validate", NULL };
	const char *const json_args[] = { "--format", "json", "validate", NULL };
	json_t *doc;

	put(f, "strata.yaml", strata_yaml_require_down);
	put_pair(f, "migrations/0001_users", "CREATE TABLE users (id int, email text);\n", "DROP TABLE users;\n");
	/* Marked: statements that cannot run in a transaction are fine. */
	put_pair(f, "migrations/0002_users_email",
		"-- strata:no-transaction\n-- strata:lock-timeout=2s\n"
		"CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
		"-- strata:no-transaction\nDROP INDEX CONCURRENTLY users_email;\n");
	put_pair(f, "migrations/0003_vacuum", "-- strata:no-transaction\nVACUUM (ANALYZE) users;\n", "SELECT 1;\n");
	/* Whitespace, comments and dollar quotes are no problem. */
	put_pair(f, "migrations/0004_function",
		"\n\n-- a function\nCREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;   \n\n",
		"DROP FUNCTION one();\n");
	run_in(&r, f->dir, NOWHERE_URL, 0, __LINE__, args);
	assert_string_equal(OUT(r), "4 migrations in 1 track: valid\n");
	assert_string_equal(ERR(r), "");
	run_in(&r, f->dir, NULL, 0, __LINE__, json_args);
	doc = JSON(OUT(r));
	assert_true(json_is_true(json_object_get(doc, "valid")));
	assert_int_equal(json_array_size(json_object_get(doc, "problems")), 0);
	json_decref(doc);
	assert_string_equal(ERR(r), "");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 2. The ledger's checks
 * ------------------------------------------------------------------------ */

static void edited_applied_file_blocks_up_until_repaired(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *doc, *migs;
	char *checksum;

	put_pair(f, "migrations/0001_accounts", "CREATE TABLE accounts (id int);\n", "DROP TABLE accounts;\n");
	put(f, "migrations/0002_users.up.sql", "CREATE TABLE users (id int);\n");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001,0002");

	/* BOM, CRLF, trailing blanks and blank lines: not an edit. */
	put(f, "migrations/0001_accounts.up.sql", "\xef\xbb\xbf" "CREATE TABLE accounts (id int);  \r\n\r\n\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "2 applied, 0 pending\n");
	HASNT(OUT(r), "changed");
	MIG(&r, f, 0, "up");
	HAS(ERR(r), "nothing to do");

	/* A real edit. */
	put(f, "migrations/0001_accounts.up.sql", "CREATE TABLE accounts (id bigint);\n");
	put(f, "migrations/0003_orders.up.sql", "CREATE TABLE orders (id int);\n");
	MIG(&r, f, 1, "status");
	HAS(OUT(r), "  changed      0001");
	HAS(OUT(r), "the file changed since it was applied");
	HAS(OUT(r), "1 applied, 1 pending, 1 changed\n");
	MIG(&r, f, 1, "status", "--format", "json");
	doc = JSON(OUT(r));
	migs = json_object_get(json_array_get(json_object_get(doc, "tracks"), 0), "migrations");
	assert_string_equal(jstr(json_array_get(migs, 0), "state"), "changed");
	assert_string_equal(jstr(json_array_get(migs, 1), "state"), "applied");
	assert_string_equal(jstr(json_array_get(migs, 2), "state"), "pending");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "changed")), 1);
	json_decref(doc);
	/* up refuses, naming it, and runs nothing (not even the pending 0003). */
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "default/0001 'accounts' changed since it was applied");
	HAS(ERR(r), "strata migrate repair");
	REL_EXISTS(f, "orders", 0);

	/* repair needs a reason, then records who and why, and up works again. */
	MIG(&r, f, 2, "repair", "--version", "0001");
	MIG(&r, f, 0, "repair", "--version", "0001", "--reason", "widened the id before release");
	checksum = sql(f, "SELECT checksum FROM strata.history WHERE version = '0001'");
	SQL_EQ(f, "SELECT count(*) FROM strata.events WHERE kind = 'repair' AND version = '0001'"
		" AND message = 'widened the id before release'", "1");
	{
		char q[512];

		snprintf(q, sizeof(q), "SELECT detail->>'new_checksum' = '%s' AND detail->>'old_checksum' <> '%s'"
			" FROM strata.events WHERE kind = 'repair'", checksum, checksum);
		SQL_EQ(f, q, "t");
	}
	free(checksum);
	MIG(&r, f, 0, "status");
	HASNT(OUT(r), "changed");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001,0002,0003");
	REL_EXISTS(f, "orders", 1);
	/* Repairing what was never applied is refused. */
	put(f, "migrations/0004_later.up.sql", "SELECT 1;\n");
	MIG(&r, f, 3, "repair", "--version", "0004", "--reason", "x");
	HAS(ERR(r), "nothing to repair");
	cli_result_free(&r);
}

static void vanished_applied_file_is_missing(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put(f, "migrations/0001_a.up.sql", "CREATE TABLE a (id int);\n");
	put(f, "migrations/0002_b.up.sql", "CREATE TABLE b (id int);\n");
	MIG(&r, f, 0, "up");
	rm(f, "migrations/0002_b.up.sql");
	MIG(&r, f, 1, "status");
	HAS(OUT(r), "  missing      0002             b");
	HAS(OUT(r), "applied, but its file is gone");
	HAS(OUT(r), "1 applied, 0 pending, 1 missing\n");
	put(f, "migrations/0003_c.up.sql", "CREATE TABLE c (id int);\n");
	/* The gap 0001 -> 0003 is a file problem first. */
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "gap in the sequence: 0003 follows 0001");
	/* Back as it was; then the oldest file goes, which leaves no gap: the ledger check speaks. */
	rm(f, "migrations/0003_c.up.sql");
	put(f, "migrations/0002_b.up.sql", "CREATE TABLE b (id int);\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "2 applied, 0 pending\n");
	rm(f, "migrations/0001_a.up.sql");
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "default/0001 'a' is applied but its file is gone");
	cli_result_free(&r);
}

static void out_of_order_file_needs_permission(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *doc, *migs;

	put(f, "migrations/202401010900_a.up.sql", "CREATE TABLE a (id int);\n");
	put(f, "migrations/202403010900_c.up.sql", "CREATE TABLE c (id int);\n");
	MIG(&r, f, 0, "up");
	/* A branch merged late: older than the newest applied one. */
	put(f, "migrations/202402010900_b.up.sql", "CREATE TABLE b (id int);\n");
	MIG(&r, f, 1, "status");
	HAS(OUT(r), "  out_of_order 202402010900     b");
	HAS(OUT(r), "older than the newest applied migration");
	MIG(&r, f, 1, "status", "--format", "json");
	doc = JSON(OUT(r));
	migs = json_object_get(json_array_get(json_object_get(doc, "tracks"), 0), "migrations");
	assert_string_equal(jstr(json_array_get(migs, 1), "state"), "out_of_order");
	assert_string_equal(jstr(json_array_get(json_object_get(doc, "tracks"), 0), "versions"), "timestamp");
	json_decref(doc);
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "default/202402010900 'b' is older than the newest applied migration");
	HAS(ERR(r), "--allow-out-of-order");
	REL_EXISTS(f, "b", 0);
	MIG(&r, f, 0, "up", "--allow-out-of-order");
	HAS(ERR(r), "applied default/202402010900 b");
	REL_EXISTS(f, "b", 1);
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "3 applied, 0 pending\n");

	/* Per track, in strata.yaml. */
	put(f, "migrations/202402150900_b2.up.sql", "CREATE TABLE b2 (id int);\n");
	MIG(&r, f, 3, "up");
	put(f, "strata.yaml", "tracks:\n  default:\n    path: migrations\n    allow_out_of_order: true\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "  pending      202402150900     b2");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "202401010900,202402010900,202402150900,202403010900");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 3. down, redo, goto
 * ------------------------------------------------------------------------ */

static void put_four_tables(fx *f)
{
	put_pair(f, "migrations/0001_t1", "CREATE TABLE t1 (id int);\n", "DROP TABLE t1;\n");
	put_pair(f, "migrations/0002_t2", "CREATE TABLE t2 (id int);\n", "DROP TABLE t2;\n");
	put_pair(f, "migrations/0003_t3", "CREATE TABLE t3 (id int);\n", "DROP TABLE t3;\n");
	put_pair(f, "migrations/0004_t4", "CREATE TABLE t4 (id int);\n", "DROP TABLE t4;\n");
}

static void down_reverts_newest_first(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_four_tables(f);
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001,0002,0003,0004");
	MIG(&r, f, 0, "down");
	HAS(ERR(r), "reverted default/0004 t4");
	APPLIED(f, "default", "0001,0002,0003");
	REL_EXISTS(f, "t4", 0);
	REL_EXISTS(f, "t3", 1);
	MIG(&r, f, 0, "down", "--steps", "2");
	IN_ORDER(ERR(r), "reverted default/0003 t3", "reverted default/0002 t2", "reverted 2 migrations");
	APPLIED(f, "default", "0001");
	MIG(&r, f, 0, "up");
	/* --to keeps that version. */
	MIG(&r, f, 0, "down", "--to", "0001");
	IN_ORDER(ERR(r), "reverted default/0004", "reverted default/0003", "reverted default/0002");
	APPLIED(f, "default", "0001");
	REL_EXISTS(f, "t1", 1);
	REL_EXISTS(f, "t2", 0);
	MIG(&r, f, 2, "down", "--to", "0001", "--steps", "1");
	MIG(&r, f, 3, "down", "--to", "0009");
	HAS(ERR(r), "no migration 0009");
	/* The ledger keeps every revert, newest first as they ran. */
	SQL_EQ(f, "SELECT string_agg(version, ',' ORDER BY id) FROM strata.events WHERE kind = 'revert'",
		"0004,0003,0002,0004,0003,0002");
	SQL_EQ(f, "SELECT count(*) FROM strata.events WHERE kind = 'revert' AND direction = 'down'", "6");
	MIG(&r, f, 0, "history");
	HAS(OUT(r), "revert");
	HAS(OUT(r), "default/0002 t2");
	cli_result_free(&r);
}

static void goto_and_redo(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_four_tables(f);
	MIG(&r, f, 0, "up", "--to", "0001");
	APPLIED(f, "default", "0001");
	/* goto up: applies through V. */
	MIG(&r, f, 0, "goto", "0003");
	APPLIED(f, "default", "0001,0002,0003");
	/* goto down: reverts what is newer than V. */
	MIG(&r, f, 0, "goto", "0002");
	APPLIED(f, "default", "0001,0002");
	REL_EXISTS(f, "t3", 0);
	MIG(&r, f, 3, "goto", "0042");
	HAS(ERR(r), "track 'default' has no migration 0042");
	MIG(&r, f, 2, "goto");
	/* redo: the newest reverted and applied again. */
	MIG(&r, f, 0, "redo");
	IN_ORDER(ERR(r), "reverted default/0002 t2", "applied default/0002 t2");
	APPLIED(f, "default", "0001,0002");
	SQL_EQ(f, "SELECT string_agg(kind || ' ' || version, ',' ORDER BY id) FROM"
		" (SELECT * FROM strata.events ORDER BY id DESC LIMIT 2) e", "revert 0002,apply 0002");
	cli_result_free(&r);
}

static void down_refuses_a_changed_or_missing_down(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_four_tables(f);
	MIG(&r, f, 0, "up");
	put(f, "migrations/0004_t4.down.sql", "DROP TABLE t4 CASCADE;\n");
	MIG(&r, f, 3, "down");
	HAS(ERR(r), "cannot revert default/0004 't4': its down file changed since the migration was applied");
	HAS(ERR(r), "strata migrate repair --version 0004");
	/* Nothing was reverted, not even what a --steps 2 would reach before it. */
	MIG(&r, f, 3, "down", "--steps", "2");
	APPLIED(f, "default", "0001,0002,0003,0004");
	REL_EXISTS(f, "t4", 1);
	SQL_EQ(f, "SELECT count(*) FROM strata.events WHERE kind = 'revert'", "0");
	/* Whitespace only in a down is not a change. */
	put(f, "migrations/0004_t4.down.sql", "DROP TABLE t4;   \r\n\r\n");
	MIG(&r, f, 0, "down");
	APPLIED(f, "default", "0001,0002,0003");
	/* A down that vanished. */
	rm(f, "migrations/0003_t3.down.sql");
	MIG(&r, f, 3, "down");
	HAS(ERR(r), "cannot revert default/0003 't3': it has no down migration");
	APPLIED(f, "default", "0001,0002,0003");
	REL_EXISTS(f, "t3", 1);
	/* Restored as it was: accepted. */
	put(f, "migrations/0003_t3.down.sql", "DROP TABLE t3;\n");
	MIG(&r, f, 0, "down");
	APPLIED(f, "default", "0001,0002");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 4. All or nothing
 * ------------------------------------------------------------------------ */

static void failing_migration_keeps_earlier_ones_and_nothing_of_itself(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put(f, "migrations/0001_t1.up.sql", "CREATE TABLE t1 (id int);\n");
	put(f, "migrations/0002_t2.up.sql", "CREATE TABLE t2 (id int);\n");
	put(f, "migrations/0003_t3.up.sql",
		"CREATE TABLE t3 (id int);\n"
		"INSERT INTO t1 VALUES (1);\n"
		"\n"
		"INSERT INTO no_such_table VALUES (1);\n"
		"CREATE TABLE t3b (id int);\n");
	put(f, "migrations/0004_t4.up.sql", "CREATE TABLE t4 (id int);\n");
	put(f, "migrations/0005_t5.up.sql", "CREATE TABLE t5 (id int);\n");
	MIG(&r, f, 4, "up");
	HAS(ERR(r), "migrations/0003_t3.up.sql line 4: relation \"no_such_table\" does not exist");
	HAS(ERR(r), "42P01");
	IN_ORDER(ERR(r), "applied default/0001 t1", "applied default/0002 t2");
	HASNT(ERR(r), "applied default/0003");
	/* 1 and 2 committed; nothing of 3 (its table, its insert into t1), nothing after it. */
	APPLIED(f, "default", "0001,0002");
	REL_EXISTS(f, "t2", 1);
	REL_EXISTS(f, "t3", 0);
	REL_EXISTS(f, "t3b", 0);
	REL_EXISTS(f, "t4", 0);
	SQL_EQ(f, "SELECT count(*) FROM t1", "0");
	SQL_EQ(f, "SELECT sqlstate || ' statement ' || statement_index || ': ' || message FROM strata.events"
		" WHERE kind = 'failure' AND version = '0003' AND direction = 'up'",
		"42P01 statement 3: relation \"no_such_table\" does not exist");
	SQL_EQ(f, "SELECT count(*) FROM strata.progress", "0");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "2 applied, 3 pending\n");
	MIG(&r, f, 0, "history");
	HAS(OUT(r), "failure");
	HAS(OUT(r), "42P01: relation \"no_such_table\" does not exist (statement 3)");

	/* Fixed: the rest applies. */
	put(f, "migrations/0003_t3.up.sql",
		"CREATE TABLE t3 (id int);\nINSERT INTO t1 VALUES (1);\n\nCREATE TABLE t3b (id int);\n");
	MIG(&r, f, 0, "up");
	HAS(ERR(r), "applied 3 migrations");
	APPLIED(f, "default", "0001,0002,0003,0004,0005");
	SQL_EQ(f, "SELECT count(*) FROM t1", "1");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 5. Adopted layouts and baseline
 * ------------------------------------------------------------------------ */

static void golang_migrate_layout(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	/* An upper-case name: only golang-migrate reads it, so that is the layout detected. */
	put_pair(f, "migrations/1_create_Users", "CREATE TABLE users (id int);\n", "DROP TABLE users;\n");
	/* Its own transaction: run as written, not wrapped. */
	put(f, "migrations/2_seed.up.sql",
		"BEGIN;\nCREATE TABLE seed (id int);\nINSERT INTO seed VALUES (1), (2);\nCOMMIT;\n");
	/* Runs outside a transaction without a strata directive. */
	put(f, "migrations/5_users_id.up.sql", "CREATE INDEX CONCURRENTLY users_id ON users (id);\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "golang-migrate layout, sequential versions");
	MIG(&r, f, 0, "plan");
	HAS(OUT(r), "runs statement by statement (its own transaction control");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "1,2,5");
	SQL_EQ(f, "SELECT string_agg(version || ' ' || name || ' ' || execution, ', ' ORDER BY version)"
		" FROM strata.history", "1 create_Users transaction, 2 seed statements, 5 users_id statements");
	SQL_EQ(f, "SELECT count(*) FROM seed", "2");
	SQL_EQ(f, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass", "t");
	MIG(&r, f, 3, "down", "--to", "1");
	HAS(ERR(r), "cannot revert default/5 'users_id': it has no down migration");
	APPLIED(f, "default", "1,2,5");
	cli_result_free(&r);
}

/*
 * A file with its own BEGIN ... COMMIT runs as written, statement by
 * statement and journaled: what it committed stays when a later statement
 * fails, and a rerun resumes after it instead of running it twice.
 */
static void own_transaction_runs_as_written_and_resumes(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put(f, "migrations/0001_seed.up.sql",
		"BEGIN;\nCREATE TABLE seed (id int);\nINSERT INTO seed VALUES (1);\nCOMMIT;\n"
		"UPDATE seed SET id = id / 0;\n");
	MIG(&r, f, 4, "up");
	HAS(ERR(r), "migrations/0001_seed.up.sql line 5: division by zero");
	/* Not wrapped: the file's own transaction committed. */
	SQL_EQ(f, "SELECT count(*) FROM seed", "1");
	APPLIED(f, "default", "");
	SQL_EQ(f, "SELECT statements_done FROM strata.progress WHERE version = '0001'", "4");
	SQL_EQ(f, "SELECT statement_index || ' ' || sqlstate FROM strata.events WHERE kind = 'failure'", "5 22012");
	MIG(&r, f, 1, "status");
	HAS(OUT(r), "partial");
	HAS(OUT(r), "stopped after statement 4");
	/* The fix changes the file under a journal: accepted explicitly, then it resumes at statement 5. */
	put(f, "migrations/0001_seed.up.sql",
		"BEGIN;\nCREATE TABLE seed (id int);\nINSERT INTO seed VALUES (1);\nCOMMIT;\n"
		"UPDATE seed SET id = id * 10;\n");
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "stopped after statement 4, and its file changed since");
	MIG(&r, f, 0, "repair", "--version", "0001", "--reason", "fixed the update");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001");
	SQL_EQ(f, "SELECT string_agg(id::text, ',') FROM seed", "10");
	SQL_EQ(f, "SELECT execution FROM strata.history", "statements");
	SQL_EQ(f, "SELECT count(*) FROM strata.progress", "0");
	cli_result_free(&r);
}

static void golang_migrate_layout_from_config(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	/* All-lowercase golang-migrate names look like strata's own layout... */
	put_pair(f, "db/1_users", "CREATE TABLE users (id int);\n", "DROP TABLE users;\n");
	put(f, "db/3_users_id.up.sql", "CREATE INDEX CONCURRENTLY users_id ON users (id);\n");
	put(f, "strata.yaml", "tracks:\n  default:\n    path: db\n");
	MIG(&r, f, 3, "validate");
	HAS(ERR(r), "db/3_users_id.up.sql: gap in the sequence: 3 follows 1");
	HAS(ERR(r), "db/3_users_id.up.sql:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction");
	/* ...so the track says what it is. */
	put(f, "strata.yaml", "tracks:\n  default:\n    path: db\n    layout: golang-migrate\n");
	MIG(&r, f, 0, "validate");
	HAS(OUT(r), "2 migrations in 1 track: valid");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "1,3");
	SQL_EQ(f, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass", "t");
	cli_result_free(&r);
}

static void dbmate_layout(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put(f, "strata.yaml", "tracks:\n  default:\n    path: db/migrations\n");
	put(f, "db/migrations/20240101120000_create_users.sql",
		"-- migrate:up\nCREATE TABLE users (id int, email text);\n\n"
		"-- migrate:down\nDROP TABLE users;\n");
	put(f, "db/migrations/20240102120000_users_email.sql",
		"-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n\n"
		"-- migrate:down\nDROP INDEX users_email;\n");
	put(f, "db/migrations/20240103120000_own_transaction.sql",
		"-- migrate:up\nBEGIN;\nCREATE TABLE audit (id int);\nINSERT INTO audit VALUES (7);\nCOMMIT;\n\n"
		"-- migrate:down\nDROP TABLE audit;\n");
	/* An error names the line in the file, not in its section. */
	put(f, "db/migrations/20240104120000_broken.sql",
		"-- migrate:up\nSELECT 1;\n\n-- migrate:down\nSELECT 1;\nDROP TABLE nope nope;\n");
	MIG(&r, f, 3, "validate");
	HAS(ERR(r), "db/migrations/20240104120000_broken.sql:6: syntax error");
	rm(f, "db/migrations/20240104120000_broken.sql");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "dbmate layout, timestamp versions");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "20240101120000,20240102120000,20240103120000");
	SQL_EQ(f, "SELECT string_agg(execution, ',' ORDER BY version) FROM strata.history",
		"transaction,statements,statements");
	SQL_EQ(f, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass", "t");
	SQL_EQ(f, "SELECT id FROM audit", "7");
	/* The down sections run. */
	MIG(&r, f, 0, "down", "--steps", "2");
	REL_EXISTS(f, "audit", 0);
	REL_EXISTS(f, "users_email", 0);
	REL_EXISTS(f, "users", 1);
	/* Said in strata.yaml, the same. */
	put(f, "strata.yaml", "tracks:\n  default:\n    path: db/migrations\n    layout: dbmate\n");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "20240101120000,20240102120000,20240103120000");
	/* new writes a dbmate file. */
	MIG(&r, f, 0, "new", "add_orders");
	HAS(OUT(r), "_add_orders.sql\n");
	HASNT(OUT(r), ".up.sql");
	cli_result_free(&r);
}

static void flyway_layout(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put(f, "strata.yaml", "tracks:\n  default:\n    path: sql\n");
	put(f, "sql/V1__create_users.sql", "CREATE TABLE users (id int);\n");
	put(f, "sql/U1__create_users.sql", "DROP TABLE users;\n");
	put(f, "sql/V1.1__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\n");
	put(f, "sql/U1.1__add_email.sql", "ALTER TABLE users DROP COLUMN email;\n");
	put(f, "sql/V1.10__later.sql", "CREATE TABLE later (id int);\n");
	put(f, "sql/V2__email_index.sql", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n");
	put(f, "sql/V3__own_transaction.sql", "BEGIN;\nCREATE TABLE audit (id int);\nCOMMIT;\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "flyway layout");
	/* 1.10 comes after 1.1 (numbers, not text). */
	IN_ORDER(OUT(r), " 1 ", " 1.1 ", " 1.10 ", " 2 ", " 3 ");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "1,1.1,1.10,2,3");
	SQL_EQ(f, "SELECT string_agg(version, ',' ORDER BY id) FROM strata.events WHERE kind = 'apply'",
		"1,1.1,1.10,2,3");
	SQL_EQ(f, "SELECT string_agg(execution, ',' ORDER BY id) FROM strata.history h"
		" JOIN strata.events e USING (track, version) WHERE e.kind = 'apply'",
		"transaction,transaction,transaction,statements,statements");
	SQL_EQ(f, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'", "1");
	REL_EXISTS(f, "audit", 1);
	/* Said in strata.yaml, the same; new writes V and U files. */
	put(f, "strata.yaml", "tracks:\n  default:\n    path: sql\n    layout: flyway\n");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "5 applied, 0 pending");
	MIG(&r, f, 0, "new", "more");
	HAS(OUT(r), "sql/V4__more.sql\n");
	HAS(OUT(r), "sql/U4__more.sql\n");
	assert_true(exists(f, "sql/V4__more.sql"));
	cli_result_free(&r);
}

static void baseline_adopts_an_existing_schema(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	if (f->conn == NULL)
		f->conn = th_connect(f->url);
	/* Another tool brought the database to version 2. */
	th_exec(f->conn, "CREATE TABLE users (id int); CREATE TABLE orders (id int);");
	put(f, "migrations/1_Users.up.sql", "CREATE TABLE users (id int);\n");
	put(f, "migrations/2_Orders.up.sql", "CREATE TABLE orders (id int);\n");
	put(f, "migrations/3_Invoices.up.sql", "CREATE TABLE invoices (id int);\n");
	/* Running 1 would fail: the table exists. */
	MIG(&r, f, 4, "up", "--to", "1");
	HAS(ERR(r), "relation \"users\" already exists");
	MIG(&r, f, 2, "baseline");
	MIG(&r, f, 3, "baseline", "--version", "7");
	HAS(ERR(r), "no migration 7");
	MIG(&r, f, 0, "baseline", "--version", "2");
	HAS(ERR(r), "recorded default up to 2 as applied (baseline)");
	SQL_EQ(f, "SELECT string_agg(version || ' ' || execution, ',' ORDER BY version) FROM strata.history",
		"1 baseline,2 baseline");
	SQL_EQ(f, "SELECT string_agg(version || ' ' || (detail->>'baseline_version'), ',' ORDER BY id)"
		" FROM strata.events WHERE kind = 'baseline'", "1 2,2 2");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "(baseline)");
	HAS(OUT(r), "2 applied, 1 pending");
	MIG(&r, f, 0, "up");
	HAS(ERR(r), "applied 1 migration");
	APPLIED(f, "default", "1,2,3");
	REL_EXISTS(f, "invoices", 1);
	SQL_EQ(f, "SELECT string_agg(version, ',') FROM strata.events WHERE kind = 'apply'", "3");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 6. plan and up --dry-run
 * ------------------------------------------------------------------------ */

static void plan_and_dry_run_show_the_sql_and_touch_nothing(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *doc, *steps;

	put_pair(f, "migrations/0001_widgets", "CREATE TABLE widgets (id int, name text);\n",
		"DROP TABLE widgets;\n");
	put(f, "migrations/0002_widgets_name.up.sql",
		"-- strata:no-transaction\nCREATE INDEX CONCURRENTLY widgets_name ON widgets (name);\n");
	MIG(&r, f, 0, "plan");
	IN_ORDER(OUT(r), "-- [1/2] up default/0001 widgets: pending",
		"CREATE TABLE widgets (id int, name text);",
		"INSERT INTO \"strata\".history",
		"COMMIT;",
		"-- [2/2] up default/0002 widgets_name: pending",
		"CREATE INDEX CONCURRENTLY widgets_name ON widgets (name);",
		"INSERT INTO \"strata\".history");
	MIG(&r, f, 0, "up", "--dry-run");
	HAS(OUT(r), "CREATE TABLE widgets (id int, name text);");
	HAS(OUT(r), "INSERT INTO \"strata\".history");
	MIG(&r, f, 0, "plan", "--format", "json");
	doc = JSON(OUT(r));
	steps = json_object_get(doc, "steps");
	assert_int_equal(json_array_size(steps), 2);
	assert_string_equal(jstr(json_array_get(steps, 0), "version"), "0001");
	assert_string_equal(jstr(json_array_get(steps, 0), "direction"), "up");
	HAS(jstr(json_array_get(steps, 0), "sql"), "CREATE TABLE widgets (id int, name text);");
	HAS(jstr(json_array_get(steps, 0), "sql"), "INSERT INTO \"strata\".history");
	HAS(jstr(json_array_get(steps, 1), "sql"), "CREATE INDEX CONCURRENTLY widgets_name");
	HAS(jstr(doc, "prologue"), "lock_timeout");
	json_decref(doc);
	/* Nothing happened: no ledger, no table. */
	SQL_EQ(f, "SELECT to_regnamespace('strata') IS NULL", "t");
	REL_EXISTS(f, "widgets", 0);

	/* With a ledger: the plan is what is left, and still nothing moves. */
	MIG(&r, f, 0, "up", "--steps", "1");
	MIG(&r, f, 0, "up", "--dry-run", "--format", "json");
	doc = JSON(OUT(r));
	assert_int_equal(json_array_size(json_object_get(doc, "steps")), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(doc, "steps"), 0), "version"), "0002");
	json_decref(doc);
	APPLIED(f, "default", "0001");
	REL_EXISTS(f, "widgets_name", 0);
	SQL_EQ(f, "SELECT count(*) FROM strata.events", "1");
	MIG(&r, f, 0, "down", "--dry-run");
	HAS(OUT(r), "-- [1/1] down default/0001 widgets");
	HAS(OUT(r), "DELETE FROM \"strata\".history");
	APPLIED(f, "default", "0001");
	MIG(&r, f, 0, "up");
	MIG(&r, f, 0, "plan");
	assert_string_equal(OUT(r), "-- nothing to do\n");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 7. JSON output
 * ------------------------------------------------------------------------ */

static void json_events_status_and_history(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *lines, *e, *sum, *doc, *track, *migs, *events;
	size_t i;

	put_pair(f, "migrations/0001_items", "CREATE TABLE items (id int);\n", "DROP TABLE items;\n");
	put(f, "migrations/0002_seed.up.sql", "INSERT INTO items VALUES (1), (2), (3);\n");
	MIG(&r, f, 0, "up", "--format", "json");
	lines = JSON_LINES(OUT(r));
	assert_int_equal(json_array_size(lines), 5);
	for (i = 0; i < 2; i++) {
		json_t *start = json_array_get(lines, 2 * i), *done = json_array_get(lines, 2 * i + 1);

		assert_string_equal(jstr(start, "event"), "start");
		assert_string_equal(jstr(done, "event"), "done");
		assert_string_equal(jstr(done, "track"), "default");
		assert_string_equal(jstr(done, "version"), i == 0 ? "0001" : "0002");
		assert_string_equal(jstr(done, "name"), i == 0 ? "items" : "seed");
		assert_string_equal(jstr(done, "direction"), "up");
		assert_true(json_is_number(json_object_get(done, "duration_ms")));
		assert_true(json_number_value(json_object_get(done, "duration_ms")) >= 0);
		assert_true(json_is_array(json_object_get(done, "row_counts")));
	}
	e = json_array_get(lines, 3);
	assert_int_equal(json_integer_value(json_object_get(e, "rows_changed")), 3);
	sum = json_object_get(json_array_get(lines, 4), "summary");
	assert_non_null(sum);
	assert_string_equal(jstr(sum, "direction"), "up");
	assert_int_equal(json_integer_value(json_object_get(sum, "planned")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "applied")), 2);
	assert_true(json_is_false(json_object_get(sum, "failed")));
	json_decref(lines);

	/* status: tracks, their migrations and states, and a summary. */
	put(f, "migrations/0003_bad.up.sql", "INSERT INTO items VALUES ('not a number');\n");
	MIG(&r, f, 0, "status", "--format", "json");
	doc = JSON(OUT(r));
	HAS(jstr(doc, "database"), "t_migrate_");
	track = json_array_get(json_object_get(doc, "tracks"), 0);
	assert_string_equal(jstr(track, "name"), "default");
	assert_string_equal(jstr(track, "layout"), "strata");
	assert_string_equal(jstr(track, "versions"), "sequential");
	migs = json_object_get(track, "migrations");
	assert_int_equal(json_array_size(migs), 3);
	assert_string_equal(jstr(json_array_get(migs, 0), "state"), "applied");
	assert_string_equal(jstr(json_array_get(migs, 0), "file"), "migrations/0001_items.up.sql");
	assert_string_equal(jstr(json_array_get(migs, 0), "execution"), "transaction");
	assert_string_equal(jstr(json_array_get(migs, 0), "checksum"),
		jstr(json_array_get(migs, 0), "applied_checksum"));
	assert_true(json_is_false(json_object_get(json_array_get(migs, 0), "baseline")));
	assert_string_equal(jstr(json_array_get(migs, 2), "state"), "pending");
	assert_null(json_object_get(json_array_get(migs, 2), "applied_at"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "applied")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "pending")), 1);
	json_decref(doc);

	/* A failure: an error event with where and why, and a failed summary. */
	MIG(&r, f, 4, "up", "--format", "json");
	lines = JSON_LINES(OUT(r));
	e = nth_event(lines, "error", 0);
	assert_non_null(e);
	assert_string_equal(jstr(e, "version"), "0003");
	assert_string_equal(jstr(e, "sqlstate"), "22P02");
	assert_string_equal(jstr(e, "file"), "migrations/0003_bad.up.sql");
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 1);
	assert_int_equal(json_integer_value(json_object_get(e, "statement")), 1);
	HAS(jstr(e, "message"), "invalid input syntax for type integer");
	sum = json_object_get(json_array_get(lines, json_array_size(lines) - 1), "summary");
	assert_true(json_is_true(json_object_get(sum, "failed")));
	json_decref(lines);
	/* The error itself is one JSON object on stderr. */
	doc = JSON(ERR(r));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "error"), "exit")), 4);
	json_decref(doc);
	rm(f, "migrations/0003_bad.up.sql");

	/* A down written after the apply is refused until it is accepted. */
	MIG(&r, f, 3, "down");
	HAS(ERR(r), "cannot revert default/0002 'seed': it has no down migration");
	put(f, "migrations/0002_seed.down.sql", "DELETE FROM items;\n");
	MIG(&r, f, 3, "down");
	HAS(ERR(r), "its down file did not exist since the migration was applied");
	MIG(&r, f, 0, "repair", "--version", "0002", "--reason", "add the down");
	/* down as JSON events. */
	MIG(&r, f, 0, "down", "--format", "json");
	lines = JSON_LINES(OUT(r));
	e = nth_event(lines, "done", 0);
	assert_non_null(e);
	assert_string_equal(jstr(e, "direction"), "down");
	assert_string_equal(jstr(e, "version"), "0002");
	assert_int_equal(json_integer_value(json_object_get(e, "rows_changed")), 3);
	assert_string_equal(jstr(json_object_get(json_array_get(lines, json_array_size(lines) - 1), "summary"),
		"direction"), "down");
	json_decref(lines);

	/* history: every kind of event, oldest first. */
	MIG(&r, f, 0, "history", "--format", "json");
	doc = JSON(OUT(r));
	events = json_object_get(doc, "events");
	assert_int_equal(json_array_size(events), 5);
	{
		static const char *const kinds[] = { "apply", "apply", "failure", "repair", "revert" };

		for (i = 0; i < 5; i++)
			assert_string_equal(jstr(json_array_get(events, i), "kind"), kinds[i]);
	}
	e = json_array_get(events, 2);
	assert_string_equal(jstr(e, "sqlstate"), "22P02");
	assert_int_equal(json_integer_value(json_object_get(e, "statement")), 1);
	assert_string_equal(jstr(json_array_get(events, 4), "direction"), "down");
	json_decref(doc);
	MIG(&r, f, 0, "history", "--format", "json", "--limit", "2");
	doc = JSON(OUT(r));
	events = json_object_get(doc, "events");
	assert_int_equal(json_array_size(events), 2);
	assert_string_equal(jstr(json_array_get(events, 1), "kind"), "revert");
	json_decref(doc);
	MIG(&r, f, 0, "history");
	IN_ORDER(OUT(r), "apply", "default/0001 items", "apply", "default/0002 seed", "failure",
		"default/0003 bad", "22P02", "repair", "revert", "default/0002 seed");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 8. Row counts
 * ------------------------------------------------------------------------ */

static void row_counts_before_and_after(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	json_t *lines, *done, *counts, *c;

	put(f, "migrations/0001_items.up.sql",
		"CREATE TABLE items (id int PRIMARY KEY);\nINSERT INTO items SELECT generate_series(1, 10);\n");
	MIG(&r, f, 0, "up");
	put(f, "migrations/0002_reshuffle.up.sql",
		"INSERT INTO items SELECT generate_series(11, 15);\n"
		"DELETE FROM items WHERE id <= 3;\n");
	MIG(&r, f, 0, "up", "--format", "json");
	lines = JSON_LINES(OUT(r));
	done = nth_event(lines, "done", 0);
	assert_non_null(done);
	assert_string_equal(jstr(done, "version"), "0002");
	/* 5 inserted, 3 deleted. */
	assert_int_equal(json_integer_value(json_object_get(done, "rows_changed")), 8);
	counts = json_object_get(done, "row_counts");
	assert_int_equal(json_array_size(counts), 1);
	c = json_array_get(counts, 0);
	assert_string_equal(jstr(c, "table"), "items");
	assert_int_equal(json_integer_value(json_object_get(c, "before")), 10);
	assert_int_equal(json_integer_value(json_object_get(c, "after")), 12);
	assert_true(json_is_false(json_object_get(c, "estimated")));
	json_decref(lines);
	SQL_EQ(f, "SELECT row_counts->'tables'->>0 || ' ' || (row_counts->'before'->0->>'rows') || ' -> '"
		" || (row_counts->'after'->0->>'rows') FROM strata.history WHERE version = '0002'", "items 10 -> 12");
	SQL_EQ(f, "SELECT detail->'row_counts'->'after'->0->>'rows' FROM strata.events"
		" WHERE kind = 'apply' AND version = '0002'", "12");
	/* And in words, for people. */
	put(f, "migrations/0003_trim.up.sql", "DELETE FROM items WHERE id > 10;\n");
	MIG(&r, f, 0, "up");
	HAS(ERR(r), "applied default/0003 trim");
	HAS(ERR(r), "5 rows changed; rows: items 12 -> 7");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 9. new
 * ------------------------------------------------------------------------ */

static void new_creates_the_next_pair(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	char *up, *expect;

	/* A fresh project: no migrations folder yet. */
	MIG(&r, f, 0, "new", "add_users");
	expect = path_of(f, "migrations/0001_add_users.up.sql");
	HAS(OUT(r), expect);
	free(expect);
	HAS(OUT(r), "migrations/0001_add_users.down.sql\n");
	assert_true(exists(f, "migrations/0001_add_users.up.sql"));
	assert_true(exists(f, "migrations/0001_add_users.down.sql"));
	/* The template is only comments, and none of them reads as a directive. */
	expect = path_of(f, "migrations/0001_add_users.up.sql");
	up = cli_read_file(expect);
	free(expect);
	HAS(up, "-- 0001 add_users");
	MIG(&r, f, 3, "validate");
	HAS(ERR(r), "migrations/0001_add_users.up.sql: has no SQL statement");
	HASNT(ERR(r), "directive");
	{
		strata_buf b = STRATA_BUF_INIT;

		strata_buf_printf(&b, "%sCREATE TABLE users (id int);\n", up);
		put(f, "migrations/0001_add_users.up.sql", strata_buf_cstr(&b));
		strata_buf_release(&b);
	}
	free(up);
	put(f, "migrations/0001_add_users.down.sql", "DROP TABLE users;\n");
	MIG(&r, f, 0, "validate");
	MIG(&r, f, 0, "new", "add_email");
	HAS(OUT(r), "migrations/0002_add_email.up.sql\n");
	assert_true(exists(f, "migrations/0002_add_email.down.sql"));
	/* A bad slug is a bad argument: exit 2 (usage), and no file. */
	MIG(&r, f, 2, "new", "Add-Email");
	HAS(ERR(r), "invalid slug 'Add-Email'");
	MIG(&r, f, 2, "new");
	assert_false(exists(f, "migrations/0003_Add-Email.up.sql"));
	assert_false(exists(f, "migrations/0003_add_email.up.sql"));
	/* --project-dir from elsewhere, with a width kept. */
	rm(f, "migrations/0002_add_email.up.sql");
	rm(f, "migrations/0002_add_email.down.sql");
	{
		const char *const args[] = { "new", "--project-dir", f->dir, "orders", NULL };

		run_in(&r, "/", NULL, 0, __LINE__, args);
	}
	HAS(OUT(r), "migrations/0002_orders.up.sql\n");
	assert_true(exists(f, "migrations/0002_orders.up.sql"));
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 10. Tracks
 * ------------------------------------------------------------------------ */

static void put_two_tracks(fx *f)
{
	/* reports is listed first, but needs app's users table. */
	put(f, "strata.yaml",
		"tracks:\n"
		"  reports:\n"
		"    path: migrations/reports\n"
		"  app:\n"
		"    path: migrations/app\n");
	put_pair(f, "migrations/reports/0001_user_count",
		"-- strata:requires=app/0002\nCREATE VIEW user_count AS SELECT count(*) AS n FROM users;\n",
		"DROP VIEW user_count;\n");
	put_pair(f, "migrations/app/0001_tenants", "CREATE TABLE tenants (id int);\n", "DROP TABLE tenants;\n");
	put_pair(f, "migrations/app/0002_users", "CREATE TABLE users (id int);\n", "DROP TABLE users;\n");
	put_pair(f, "migrations/app/0003_audit", "CREATE TABLE audit (id int);\n", "DROP TABLE audit;\n");
}

static void tracks_are_ordered_by_requires(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_two_tracks(f);
	MIG(&r, f, 0, "validate");
	HAS(OUT(r), "4 migrations in 2 tracks: valid");
	MIG(&r, f, 0, "plan");
	IN_ORDER(OUT(r), "up app/0001 tenants", "up app/0002 users", "up reports/0001 user_count");
	MIG(&r, f, 0, "up");
	IN_ORDER(ERR(r), "applied app/0002 users", "applied reports/0001 user_count");
	SQL_EQ(f, "SELECT string_agg(track || '/' || version, ',' ORDER BY id) FROM strata.events",
		"app/0001,app/0002,app/0003,reports/0001");
	SQL_EQ(f, "SELECT n FROM user_count", "0");
	/* down works on one track at a time. */
	MIG(&r, f, 2, "down");
	HAS(ERR(r), "--track");
	/* app/0002 is required by an applied migration of reports. */
	MIG(&r, f, 3, "down", "--track", "app", "--to", "0001");
	HAS(ERR(r), "reports/0001 requires it");
	APPLIED(f, "app", "0001,0002,0003");
	MIG(&r, f, 0, "down", "--track", "reports");
	MIG(&r, f, 0, "down", "--track", "app", "--to", "0001");
	APPLIED(f, "app", "0001");
	APPLIED(f, "reports", "");
	cli_result_free(&r);
}

static void track_selection(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_two_tracks(f);
	MIG(&r, f, 0, "up", "--track", "app", "--to", "0001");
	APPLIED(f, "app", "0001");
	MIG(&r, f, 0, "status", "--track", "app");
	HAS(OUT(r), "track app (");
	HASNT(OUT(r), "track reports");
	HAS(OUT(r), "1 applied, 2 pending");
	/* What reports needs is in a track this run does not touch. */
	MIG(&r, f, 3, "up", "--track", "reports");
	HAS(ERR(r), "reports/0001 requires app/0002");
	APPLIED(f, "reports", "");
	HAS(ERR(r), "which is not applied (and its track is not part of this run)");
	MIG(&r, f, 0, "up", "--track", "app");
	APPLIED(f, "app", "0001,0002,0003");
	APPLIED(f, "reports", "");
	/* Applied now: the other track's ledger rows say so, without loading its files. */
	MIG(&r, f, 0, "plan", "--track", "reports");
	HAS(OUT(r), "reports/0001 user_count");
	MIG(&r, f, 0, "status");
	HAS(OUT(r), "track reports (");
	HAS(OUT(r), "3 applied, 1 pending");
	MIG(&r, f, 3, "status", "--track", "nope");
	HAS(ERR(r), "no track 'nope' (the project has 'reports', 'app')");
	/* A requirement that names nothing is a clear error. */
	put(f, "migrations/reports/0002_bad.up.sql",
		"-- strata:requires=app/0042\nCREATE VIEW v2 AS SELECT 1;\n");
	MIG(&r, f, 3, "up");
	HAS(ERR(r), "reports/0002 requires app/0042, which does not exist");
	APPLIED(f, "reports", "");
	cli_result_free(&r);
}

/* ------------------------------------------------------------------------
 * 11. Options where they belong, and what stands in a revert's way
 * ------------------------------------------------------------------------ */

static void fleet_options_belong_to_up_and_plan(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_pair(f, "migrations/0001_a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n");
	put(f, "fleet.yaml", "targets:\n  - postgresql://nobody@127.0.0.1:1/x\n");
	MIG(&r, f, 2, "redo", "--targets", "fleet.yaml");
	HAS(ERR(r), "--targets, --parallel, --canary and --continue-on-error work with 'up' and 'plan' only");
	MIG(&r, f, 2, "goto", "0001", "--targets", "fleet.yaml");
	MIG(&r, f, 2, "down", "--targets", "fleet.yaml");
	MIG(&r, f, 2, "status", "--targets", "fleet.yaml");
	MIG(&r, f, 2, "up", "--parallel", "2");
	HAS(ERR(r), "need --targets FILE");
	MIG(&r, f, 2, "plan", "--to", "0001", "--steps", "1");
	MIG(&r, f, 2, "up", "--lock-timeout", "1000h");
	HAS(ERR(r), "at most 24 days");
	REL_EXISTS(f, "a", 0);
	cli_result_free(&r);
}

static void plan_with_targets_runs_nothing(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	strata_buf fleet = STRATA_BUF_INIT;

	put_pair(f, "migrations/0001_a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n");
	strata_buf_printf(&fleet, "targets:\n  - name: one\n    url: %s\n", f->url);
	put(f, "fleet.yaml", strata_buf_cstr(&fleet));
	strata_buf_release(&fleet);
	MIG(&r, f, 0, "plan", "--targets", "fleet.yaml");
	HAS(OUT(r), "PENDING");
	IN_ORDER(OUT(r), "one", "ok", "1");
	REL_EXISTS(f, "a", 0);
	SQL_EQ(f, "SELECT to_regnamespace('strata') IS NULL", "t");
	cli_result_free(&r);
}

static void down_stops_under_a_half_applied_migration(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };

	put_pair(f, "migrations/0001_a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n");
	put_pair(f, "migrations/0002_b",
		"-- strata:no-transaction\nCREATE TABLE b (id int);\nINSERT INTO nowhere VALUES (1);\n",
		"-- strata:no-transaction\nDROP TABLE b;\n");
	MIG(&r, f, 4, "up");
	APPLIED(f, "default", "0001");
	MIG(&r, f, 3, "down");
	HAS(ERR(r), "0002 'b' is partly applied (stopped after statement 1)");
	APPLIED(f, "default", "0001");
	REL_EXISTS(f, "a", 1);
	MIG(&r, f, 3, "down", "--to", "0001");
	HAS(ERR(r), "partly applied");
	/* Finished, it reverts like any other; with nothing left, there is nothing to revert. */
	if (f->conn == NULL)
		f->conn = th_connect(f->url);
	th_exec(f->conn, "CREATE TABLE nowhere (id int)");
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001,0002");
	MIG(&r, f, 0, "down", "--steps", "2");
	APPLIED(f, "default", "");
	MIG(&r, f, 0, "down");
	HAS(ERR(r), "nothing to revert");
	cli_result_free(&r);
}

static void a_role_left_set_does_not_write_the_ledger(void **state)
{
	fx *f = *state;
	cli_result r = { 0 };
	char *db = sql(f, "SELECT current_database()");
	strata_buf b = STRATA_BUF_INIT;

	/* A role that may not write strata's ledger, left in force by the file. */
	if (f->conn == NULL)
		f->conn = th_connect(f->url);
	strata_buf_printf(&b, "CREATE ROLE \"%s_r\" NOLOGIN", db);
	th_exec(f->conn, strata_buf_cstr(&b));
	strata_buf_clear(&b);
	strata_buf_printf(&b, "CREATE TABLE a (id int);\nSET LOCAL ROLE \"%s_r\";\n", db);
	put_pair(f, "migrations/0001_a", strata_buf_cstr(&b), "DROP TABLE a;\n");
	strata_buf_clear(&b);
	strata_buf_printf(&b, "-- strata:no-transaction\nCREATE TABLE b (id int);\nSET ROLE \"%s_r\";\n", db);
	put_pair(f, "migrations/0002_b", strata_buf_cstr(&b), "-- strata:no-transaction\nDROP TABLE b;\n");
	put_pair(f, "migrations/0003_c", "CREATE TABLE c (id int);\n", "DROP TABLE c;\n");
	/* Statement by statement, a role change would run strata's own progress writes too: refused. */
	MIG(&r, f, 3, "validate");
	HAS(ERR(r), "migrations/0002_b.up.sql:3: a role set in a file run statement by statement");
	strata_buf_clear(&b);
	strata_buf_printf(&b, "CREATE TABLE b (id int);\nSET ROLE \"%s_r\";\n", db);
	put_pair(f, "migrations/0002_b", strata_buf_cstr(&b), "DROP TABLE b;\n");
	/* In a transaction (LOCAL or not), the ledger is still written as the migrator. */
	MIG(&r, f, 0, "up");
	APPLIED(f, "default", "0001,0002,0003");
	SQL_EQ(f, "SELECT count(DISTINCT applied_by_role) FROM strata.history", "1");
	strata_buf_clear(&b);
	strata_buf_printf(&b, "DROP TABLE a, b, c; DROP SCHEMA strata CASCADE; DROP ROLE \"%s_r\"", db);
	th_exec(f->conn, strata_buf_cstr(&b));
	strata_buf_release(&b);
	free(db);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(validate_lists_every_problem_in_file_and_line_order, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_files_stop_every_command_before_the_database, setup, teardown),
		cmocka_unit_test_setup_teardown(validate_is_quiet_on_a_good_project, setup, teardown),
		cmocka_unit_test_setup_teardown(edited_applied_file_blocks_up_until_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(vanished_applied_file_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_order_file_needs_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(down_reverts_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(goto_and_redo, setup, teardown),
		cmocka_unit_test_setup_teardown(down_refuses_a_changed_or_missing_down, setup, teardown),
		cmocka_unit_test_setup_teardown(failing_migration_keeps_earlier_ones_and_nothing_of_itself, setup,
			teardown),
		cmocka_unit_test_setup_teardown(golang_migrate_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(own_transaction_runs_as_written_and_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(golang_migrate_layout_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(dbmate_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(flyway_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(baseline_adopts_an_existing_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(plan_and_dry_run_show_the_sql_and_touch_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(json_events_status_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(row_counts_before_and_after, setup, teardown),
		cmocka_unit_test_setup_teardown(new_creates_the_next_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(tracks_are_ordered_by_requires, setup, teardown),
		cmocka_unit_test_setup_teardown(track_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_options_belong_to_up_and_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(plan_with_targets_runs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(down_stops_under_a_half_applied_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(a_role_left_set_does_not_write_the_ledger, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
