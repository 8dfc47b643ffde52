/*
 * test_config.c: strata.yaml and fleet files: defaults, every key, every
 * error with its exact message and position, ${VAR} expansion, names made
 * from URLs, no password in any message, and allocation failures at every
 * step of a full load with nothing leaked.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "base/base.h"
#include "config/config_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define SECRET "Sup3rS3cret"

/* ---- fixture: a project folder per test ---- */

typedef struct fixture {
	char *dir;       /* as made */
	char root[PATH_MAX];  /* resolved */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_tempdir("config");
	assert_non_null(realpath(f->dir, f->root));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	st_alloc_fail_after(0, 0);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void write_in(const fixture *f, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	th_write_file(path, text, 0644);
}

/* Loads text as the fixture's strata.yaml. */
static int load_project(strata_project_config **out, strata_error *err, const fixture *f,
	const char *text)
{
	write_in(f, "strata.yaml", text);
	return strata_project_config_load(out, f->dir, err);
}

static void expect_path(const fixture *f, const char *got, const char *rel)
{
	char want[PATH_MAX * 2];

	if (rel[0] == '\0')
		snprintf(want, sizeof(want), "%s", f->root);
	else
		snprintf(want, sizeof(want), "%s/%s", f->root, rel);
	assert_string_equal(got, want);
}

static void expect_defaults(const fixture *f, const strata_project_config *c)
{
	assert_string_equal(c->root, f->root);
	assert_string_equal(c->ledger_schema, "strata");
	assert_int_equal(c->lock_timeout_ms, 5000);
	assert_int_equal(c->statement_timeout_ms, 0);
	assert_int_equal(c->lock_wait_ms, 60000);
	assert_int_equal(c->lock_retries, 5);
	assert_int_equal(c->long_running_ms, 60000);
	assert_int_equal(c->ntracks, 1);
	assert_string_equal(c->tracks[0].name, "default");
	expect_path(f, c->tracks[0].path, "migrations");
	assert_int_equal(c->tracks[0].layout, STRATA_LAYOUT_AUTO);
	assert_int_equal(c->tracks[0].versions, STRATA_VERSIONS_AUTO);
	assert_int_equal(c->tracks[0].require_down, 0);
	assert_int_equal(c->tracks[0].allow_out_of_order, 0);
	assert_int_equal(c->tracks[0].lock_timeout_ms, STRATA_CONFIG_INHERIT);
	assert_int_equal(c->tracks[0].statement_timeout_ms, STRATA_CONFIG_INHERIT);
	assert_int_equal(c->tracks[0].line, 0);
	expect_path(f, c->seed_path, "seeds");
}

/* ---- strata.yaml: defaults ---- */

static void defaults_without_file(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;

	th_ok(strata_project_config_load(&c, f->dir, &err), &err);
	expect_defaults(f, c);
	assert_null(c->file);
	strata_project_config_free(c);
}

static void defaults_with_empty_file(void **state)
{
	/* Empty, only comments, an empty document, an empty tracks: and sections. */
	static const char *const texts[] = {
		"", "# nothing here yet\n", "---\n", "---\n...\n", "~\n", "tracks:\n", "tracks: {}\n",
		"ledger:\nmigrate:\n", "migrate: {}\n", "seed:\n", "seed: {}\n", "seed: {path: seeds}\n",
	};
	fixture *f = *state;
	char want[PATH_MAX * 2];
	size_t i;

	snprintf(want, sizeof(want), "%s/strata.yaml", f->root);
	for (i = 0; i < ST_ARRAY_LEN(texts); i++) {
		strata_error err = STRATA_ERROR_INIT;
		strata_project_config *c = NULL;

		th_ok(load_project(&c, &err, f, texts[i]), &err);
		expect_defaults(f, c);
		assert_string_equal(c->file, want);
		strata_project_config_free(c);
	}
}

static const char FULL_PROJECT[] =
	"# strata.yaml with every key\n"
	"ledger:\n"
	"  schema: strata_history\n"
	"migrate:\n"
	"  lock_timeout: 2s\n"
	"  statement_timeout: 0\n"
	"  lock_wait: 90\n"
	"  lock_retries: 7\n"
	"  long_running: 2min\n"
	"tracks:\n"
	"  operational:\n"
	"    path: migrations/operational\n"
	"    versions: sequential\n"
	"    layout: strata\n"
	"    require_down: true\n"
	"    allow_out_of_order: false\n"
	"    lock_timeout: 500ms\n"
	"    statement_timeout: 10min\n"
	"  analytics:\n"
	"    path: \"./migrations/analytics/\"\n"
	"    versions: 'timestamp'\n"
	"    layout: golang-migrate\n"
	"    require_down: False\n"
	"    allow_out_of_order: TRUE\n"
	"seed:\n"
	"  path: db/seeds\n";

static void full_file(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;
	const strata_track_config *t;

	th_ok(load_project(&c, &err, f, FULL_PROJECT), &err);
	assert_string_equal(c->ledger_schema, "strata_history");
	assert_int_equal(c->lock_timeout_ms, 2000);
	assert_int_equal(c->statement_timeout_ms, 0);
	assert_int_equal(c->lock_wait_ms, 90000);
	assert_int_equal(c->lock_retries, 7);
	assert_int_equal(c->long_running_ms, 120000);
	assert_int_equal(c->ntracks, 2);

	t = &c->tracks[0];
	assert_string_equal(t->name, "operational");
	expect_path(f, t->path, "migrations/operational");
	assert_int_equal(t->versions, STRATA_VERSIONS_SEQUENTIAL);
	assert_int_equal(t->layout, STRATA_LAYOUT_STRATA);
	assert_int_equal(t->require_down, 1);
	assert_int_equal(t->allow_out_of_order, 0);
	assert_int_equal(t->lock_timeout_ms, 500);
	assert_int_equal(t->statement_timeout_ms, 600000);
	assert_int_equal(t->line, 11);

	t = &c->tracks[1];
	assert_string_equal(t->name, "analytics");
	expect_path(f, t->path, "migrations/analytics");
	assert_int_equal(t->versions, STRATA_VERSIONS_TIMESTAMP);
	assert_int_equal(t->layout, STRATA_LAYOUT_GOLANG_MIGRATE);
	assert_int_equal(t->require_down, 0);
	assert_int_equal(t->allow_out_of_order, 1);
	assert_int_equal(t->lock_timeout_ms, STRATA_CONFIG_INHERIT);
	assert_int_equal(t->statement_timeout_ms, STRATA_CONFIG_INHERIT);
	assert_int_equal(t->line, 19);
	expect_path(f, c->seed_path, "db/seeds");
	strata_project_config_free(c);
}

static void other_layouts_and_auto(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;

	th_ok(load_project(&c, &err, f,
		"tracks:\n"
		"  a: {layout: dbmate}\n"
		"  b: {layout: flyway, versions: auto}\n"
		"  c: {layout: auto}\n"), &err);
	assert_int_equal(c->ntracks, 3);
	assert_int_equal(c->tracks[0].layout, STRATA_LAYOUT_DBMATE);
	assert_int_equal(c->tracks[1].layout, STRATA_LAYOUT_FLYWAY);
	assert_int_equal(c->tracks[1].versions, STRATA_VERSIONS_AUTO);
	assert_int_equal(c->tracks[2].layout, STRATA_LAYOUT_AUTO);
	/* A track without a path lives in migrations/<name>. */
	expect_path(f, c->tracks[0].path, "migrations/a");
	expect_path(f, c->tracks[2].path, "migrations/c");
	assert_int_equal(c->tracks[2].line, 4);
	strata_project_config_free(c);
}

static void track_paths_are_normalised(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;

	th_ok(load_project(&c, &err, f,
		"tracks:\n"
		"  a: {path: ./x/}\n"
		"  b: {path: 'y//z/./w/../'}\n"
		"  c: {path: /srv/shared//migrations/}\n"
		"  d: {path: .}\n"
		"  e: {path: ../elsewhere}\n"), &err);
	expect_path(f, c->tracks[0].path, "x");
	expect_path(f, c->tracks[1].path, "y/z");
	assert_string_equal(c->tracks[2].path, "/srv/shared/migrations");
	expect_path(f, c->tracks[3].path, "");
	{
		char want[PATH_MAX * 2], *slash;

		snprintf(want, sizeof(want), "%s", f->root);
		slash = strrchr(want, '/');
		assert_non_null(slash);
		snprintf(slash, sizeof(want) - (size_t)(slash - want), "/elsewhere");
		assert_string_equal(c->tracks[4].path, want);
	}
	strata_project_config_free(c);
}

static void seed_paths_are_normalised(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;

	th_ok(load_project(&c, &err, f, "seed:\n  path: ./data//seeds/./\n"), &err);
	expect_path(f, c->seed_path, "data/seeds");
	strata_project_config_free(c);
	th_ok(load_project(&c, &err, f, "seed: {path: /srv/seeds/}\n"), &err);
	assert_string_equal(c->seed_path, "/srv/seeds");
	strata_project_config_free(c);
	/* A track may live inside the seed folder, and the other way round: each reads only its own files. */
	th_ok(load_project(&c, &err, f, "seed: {path: db}\ntracks:\n  a: {path: db/a}\n"), &err);
	expect_path(f, c->seed_path, "db");
	expect_path(f, c->tracks[0].path, "db/a");
	strata_project_config_free(c);
	th_ok(load_project(&c, &err, f, "seed: {path: migrations/seeds}\n"), &err);
	expect_path(f, c->seed_path, "migrations/seeds");
	strata_project_config_free(c);
}

static void track_lookup_and_timeouts(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;
	const strata_track_config *ops, *ana;

	th_ok(load_project(&c, &err, f, FULL_PROJECT), &err);
	ops = strata_project_config_track(c, "operational");
	ana = strata_project_config_track(c, "analytics");
	assert_ptr_equal(ops, &c->tracks[0]);
	assert_ptr_equal(ana, &c->tracks[1]);
	assert_null(strata_project_config_track(c, "default"));
	assert_null(strata_project_config_track(c, "Operational"));
	assert_null(strata_project_config_track(c, NULL));
	assert_int_equal(strata_track_lock_timeout_ms(c, ops), 500);
	assert_int_equal(strata_track_statement_timeout_ms(c, ops), 600000);
	assert_int_equal(strata_track_lock_timeout_ms(c, ana), 2000);
	assert_int_equal(strata_track_statement_timeout_ms(c, ana), 0);
	assert_int_equal(strata_track_lock_timeout_ms(c, NULL), 2000);
	strata_project_config_free(c);

	/* A track may turn a project timeout off with 0. */
	th_ok(load_project(&c, &err, f,
		"migrate: {statement_timeout: 30s}\ntracks:\n  t: {lock_timeout: 0, statement_timeout: 0}\n"),
		&err);
	assert_int_equal(strata_track_lock_timeout_ms(c, &c->tracks[0]), 0);
	assert_int_equal(strata_track_statement_timeout_ms(c, &c->tracks[0]), 0);
	strata_project_config_free(c);

	{
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/strata.yaml", f->dir);
		assert_int_equal(unlink(path), 0);
	}
	th_ok(strata_project_config_load(&c, f->dir, &err), &err);
	assert_non_null(strata_project_config_track(c, "default"));
	strata_project_config_free(c);
}

static void names_of_layouts_and_schemes(void **state)
{
	(void)state;
	assert_string_equal(strata_layout_name(STRATA_LAYOUT_AUTO), "auto");
	assert_string_equal(strata_layout_name(STRATA_LAYOUT_STRATA), "strata");
	assert_string_equal(strata_layout_name(STRATA_LAYOUT_GOLANG_MIGRATE), "golang-migrate");
	assert_string_equal(strata_layout_name(STRATA_LAYOUT_DBMATE), "dbmate");
	assert_string_equal(strata_layout_name(STRATA_LAYOUT_FLYWAY), "flyway");
	assert_string_equal(strata_layout_name((strata_layout)99), "unknown");
	assert_string_equal(strata_version_scheme_name(STRATA_VERSIONS_AUTO), "auto");
	assert_string_equal(strata_version_scheme_name(STRATA_VERSIONS_SEQUENTIAL), "sequential");
	assert_string_equal(strata_version_scheme_name(STRATA_VERSIONS_TIMESTAMP), "timestamp");
	assert_string_equal(strata_version_scheme_name((strata_version_scheme)-5), "unknown");
}

/* ---- strata.yaml: errors ---- */

typedef struct bad_case {
	const char *text;
	const char *message;
	const char *hint;     /* NULL: not checked */
} bad_case;

static const bad_case project_errors[] = {
	/* unknown keys at each level, with and without a suggestion */
	{ "tracs:\n  a: {}\n", "strata.yaml:1:1: unknown key 'tracs'; did you mean 'tracks'?", "" },
	{ "migrate: {}\nfoo: 1\n", "strata.yaml:2:1: unknown key 'foo'",
		"known keys: ledger, migrate, tracks, seed, tenancy, lint, audit" },
	{ "ledger:\n  shema: x\n", "strata.yaml:2:3: unknown key 'shema' in 'ledger'; did you mean 'schema'?", "" },
	{ "migrate:\n  lock_timout: 5s\n",
		"strata.yaml:2:3: unknown key 'lock_timout' in 'migrate'; did you mean 'lock_timeout'?", "" },
	{ "migrate:\n  LockWait: 5s\n",
		"strata.yaml:2:3: unknown key 'LockWait' in 'migrate'; did you mean 'lock_wait'?", NULL },
	{ "migrate:\n  retries: 5\n", "strata.yaml:2:3: unknown key 'retries' in 'migrate'",
		"known keys: lock_timeout, statement_timeout, lock_wait, lock_retries, long_running" },
	{ "# strata.yaml\nledger:\n  schema: strata\nmigrate:\n  lock_timeout: 5s\ntracks:\n  operational:\n    pth: migrations/ops\n",
		"strata.yaml:8:5: unknown key 'pth' in track 'operational'; did you mean 'path'?", "" },
	{ "tracks:\n  operational:\n    folder: x\n",
		"strata.yaml:3:5: unknown key 'folder' in track 'operational'",
		"known keys: path, versions, layout, require_down, allow_out_of_order, lock_timeout, statement_timeout" },
	/* wrong types */
	{ "- migrate\n", "strata.yaml:1:1: the top level must be a mapping of settings, not a list", "" },
	{ "just words\n", "strata.yaml:1:1: the top level must be a mapping of settings, not a string", "" },
	{ "migrate: 5s\n", "strata.yaml:1:10: 'migrate' must be a mapping, not a string", "" },
	{ "ledger: [strata]\n", "strata.yaml:1:9: 'ledger' must be a mapping, not a list", "" },
	{ "tracks:\n  - operational\n", "strata.yaml:2:3: 'tracks' must be a mapping, not a list", "" },
	{ "tracks:\n  ops: migrations/ops\n", "strata.yaml:2:8: track 'ops' must be a mapping, not a string", "" },
	{ "migrate:\n  lock_timeout: [5s]\n", "strata.yaml:2:17: 'lock_timeout' must be a duration, not a list", "" },
	{ "migrate:\n  lock_retries: {n: 1}\n", "strata.yaml:2:17: 'lock_retries' must be a whole number, not a mapping", "" },
	{ "tracks:\n  a:\n    require_down: [true]\n", "strata.yaml:3:19: 'require_down' must be true or false, not a list", "" },
	{ "tracks:\n  a:\n    path: {x: 1}\n", "strata.yaml:3:11: 'path' must be a string, not a mapping", "" },
	{ "tracks:\n  a:\n    layout: [strata]\n", "strata.yaml:3:13: 'layout' must be a name, not a list", "" },
	{ "migrate:\n  lock_timeout:\n", "strata.yaml:2:16: 'lock_timeout' needs a value", "" },
	{ "ledger:\n  schema: ''\n", "strata.yaml:2:11: 'schema' needs a value", "" },
	{ "tracks:\n  a:\n    path: ~\n", "strata.yaml:3:11: 'path' needs a value", "" },
	/* bad values */
	{ "migrate:\n  lock_timeout: five\n", "strata.yaml:2:17: bad duration 'five' for 'lock_timeout'",
		"a duration is a number with ms, s, min or h (500ms, 5s, 10min, 1h), or a bare number of seconds; 0 turns it off; at most 24 days" },
	{ "migrate:\n  lock_wait: -1s\n", "strata.yaml:2:14: bad duration '-1s' for 'lock_wait'", NULL },
	{ "migrate:\n  long_running: 5 s\n", "strata.yaml:2:17: bad duration '5 s' for 'long_running'", NULL },
	{ "tracks:\n  a:\n    statement_timeout: 25d\n", "strata.yaml:3:24: bad duration '25d' for 'statement_timeout'", NULL },
	{ "migrate:\n  statement_timeout: 2147484s\n",
		"strata.yaml:2:22: bad duration '2147484s' for 'statement_timeout'", NULL },
	{ "migrate:\n  lock_retries: many\n",
		"strata.yaml:2:17: 'lock_retries' must be a whole number from 0 to 1000, not 'many'", "" },
	{ "migrate:\n  lock_retries: -1\n",
		"strata.yaml:2:17: 'lock_retries' must be a whole number from 0 to 1000, not '-1'", "" },
	{ "tracks:\n  a:\n    require_down: yes\n",
		"strata.yaml:3:19: 'require_down' must be true or false, not 'yes'", "" },
	{ "tracks:\n  a:\n    allow_out_of_order: 1\n",
		"strata.yaml:3:25: 'allow_out_of_order' must be true or false, not '1'", "" },
	{ "tracks:\n  a:\n    layout: flyaway\n",
		"strata.yaml:3:13: unknown layout 'flyaway' (expected auto, strata, golang-migrate, dbmate or flyway); did you mean 'flyway'?", "" },
	{ "tracks:\n  a:\n    layout: rails\n",
		"strata.yaml:3:13: unknown layout 'rails' (expected auto, strata, golang-migrate, dbmate or flyway)", "" },
	{ "tracks:\n  a:\n    versions: sequental\n",
		"strata.yaml:3:15: unknown version scheme 'sequental' (expected auto, sequential or timestamp); did you mean 'sequential'?", "" },
	{ "ledger:\n  schema: My-Schema\n", "strata.yaml:2:11: bad schema name 'My-Schema'",
		"use lowercase letters, digits and _, starting with a letter or _, at most 63 characters" },
	{ "ledger:\n  schema: a234567890123456789012345678901234567890123456789012345678901234\n",
		"strata.yaml:2:11: bad schema name 'a234567890123456789012345678901234567890123456789012345678901234'", NULL },
	/* track names, duplicates, shared paths */
	{ "tracks:\n  Operational: {}\n", "strata.yaml:2:3: bad track name 'Operational'",
		"a track name is lowercase letters, digits and _, starting with a letter" },
	{ "tracks:\n  1st: {}\n", "strata.yaml:2:3: bad track name '1st'", NULL },
	{ "tracks:\n  ops-2: {}\n", "strata.yaml:2:3: bad track name 'ops-2'", NULL },
	{ "tracks:\n  '': {}\n", "strata.yaml:2:3: bad track name ''", NULL },
	{ "tracks:\n  ops:\n    path: a\n  ops:\n    path: b\n",
		"strata.yaml:4:3: duplicate key 'ops' in 'tracks' (first on line 2)", "" },
	{ "migrate: {}\nledger: {}\nmigrate: {}\n", "strata.yaml:3:1: duplicate key 'migrate' (first on line 1)", "" },
	{ "migrate:\n  lock_wait: 1s\n  lock_wait: 2s\n  lock_wait: 3s\n",
		"strata.yaml:3:3: duplicate key 'lock_wait' in 'migrate' (first on line 2)", "" },
	{ "tracks: {a: {path: x, path: y}}\n",
		"strata.yaml:1:23: duplicate key 'path' in 'a' (first on line 1)", "" },
	{ "tracks:\n  a:\n    path: migrations/x\n  b:\n    path: ./migrations//x/\n",
		"strata.yaml:5:11: track 'b' has the same path as track 'a' (line 2)", "" },
	{ "tracks:\n  a: {path: x}\n  b: {path: y}\n  c: {path: x}\n  d: {path: ./y}\n  e: {path: x/}\n",
		"strata.yaml:4:13: track 'c' has the same path as track 'a' (line 2)", "" },
	{ "tracks:\n  a:\n    path: migrations/b\n  b: {}\n",
		"strata.yaml:4:3: track 'b' has the same path as track 'a' (line 2)", "" },
	/* lint */
	{ "lint:\n  pg_versoin: 15\n", "strata.yaml:2:3: unknown key 'pg_versoin' in 'lint'; did you mean 'pg_version'?", "" },
	{ "lint:\n  pg_version: 9\n", "strata.yaml:2:15: 'pg_version' must be a whole number from 10 to 99, not '9'", "" },
	{ "lint:\n  rules: [a]\n", "strata.yaml:2:10: 'rules' must map rule ids to their settings", "" },
	{ "lint:\n  rules:\n    cascade:\n      paths: [x]\n      reason: r\n",
		"strata.yaml:4:7: lint rule 'cascade' needs a severity (off, warning or error)", "" },
	{ "lint:\n  rules:\n    cascade:\n      severity: error\n      paths: [x]\n",
		"strata.yaml:4:7: lint rule 'cascade': a setting for some paths needs a 'reason'", "" },
	{ "lint:\n  rules:\n    cascade:\n      severity: error\n      path: x\n",
		"strata.yaml:5:7: unknown key 'path' in a lint rule; did you mean 'paths'?", "" },
	/* seed */
	{ "seed:\n  pth: data\n", "strata.yaml:2:3: unknown key 'pth' in 'seed'; did you mean 'path'?", "" },
	{ "seed:\n  folder: data\n", "strata.yaml:2:3: unknown key 'folder' in 'seed'", "known keys: path" },
	{ "sed:\n  path: data\n", "strata.yaml:1:1: unknown key 'sed'; did you mean 'seed'?", "" },
	{ "seed: seeds\n", "strata.yaml:1:7: 'seed' must be a mapping, not a string", "" },
	{ "seed: [seeds]\n", "strata.yaml:1:7: 'seed' must be a mapping, not a list", "" },
	{ "seed:\n  path: [a, b]\n", "strata.yaml:2:9: 'path' must be a string, not a list", "" },
	{ "seed:\n  path:\n", "strata.yaml:2:8: 'path' needs a value", "" },
	{ "seed:\n  path: ./migrations/\n", "strata.yaml:2:9: the seed folder is the path of track 'default'",
		"seed files and migrations need folders of their own" },
	{ "tracks:\n  a: {path: db/a}\nseed: {path: db//a}\n",
		"strata.yaml:3:14: the seed folder is the path of track 'a' (line 2)", NULL },
	{ "seed: {path: db/a}\ntracks:\n  b: {}\n  a: {path: db/a}\n",
		"strata.yaml:1:14: the seed folder is the path of track 'a' (line 4)", NULL },
	{ "tracks:\n  a:\n    path: ./seeds/\n",
		"strata.yaml:3:11: track 'a' has the same path as the seed folder (seeds, the default)",
		"seed files and migrations need folders of their own" },
	/* YAML this reader refuses */
	{ "migrate: &m\n  lock_timeout: 5s\n", "strata.yaml:1:10: anchors are not supported ('&m')",
		"write every value out: strata's files use no anchors, aliases or tags" },
	{ "tracks:\n  a: *base\n", "strata.yaml:2:6: aliases are not supported ('*base')",
		"write every value out: strata's files use no anchors, aliases or tags" },
	{ "migrate: !!map {}\n", "strata.yaml:1:10: tags are not supported ('tag:yaml.org,2002:map')", NULL },
	{ "ledger:\n  schema: !custom x\n", "strata.yaml:2:11: tags are not supported ('!custom')", NULL },
	{ "%TAG ! tag:example.com,2000:\n---\nmigrate: {}\n",
		"strata.yaml:1:1: tags are not supported (%TAG directive)", NULL },
	{ "migrate: {}\n---\ntracks: {}\n", "strata.yaml:2:1: a second document: the file must hold one", "" },
	{ "? [a, b]\n: c\n", "strata.yaml:1:3: a key must be a string, not a list", "" },
	{ "ledger:\n  schema: \"a\\0b\"\n", "strata.yaml:2:11: a NUL character in a value", "" },
	/* syntax errors, with libyaml's position */
	{ "migrate:\n\tlock_timeout: 5s\n", "strata.yaml:2:1: found character that cannot start any token",
		"line 2 holds a tab: YAML indents and separates with spaces only" },
	{ "migrate:\n  lock_timeout: 5s\n\tlock_wait: 5s\n",
		"strata.yaml:3:1: found a tab character that violates indentation",
		"line 3 holds a tab: YAML indents and separates with spaces only" },
	{ "migrate: [1, 2\n", "strata.yaml:2:1: did not find expected ',' or ']'", "" },
	{ "migrate:\n  lock_timeout: 5s\n lock_wait: 5s\n",
		"strata.yaml:3:2: did not find expected key", "" },
	{ "ledger: {schema: 'strata}\n", "strata.yaml:2:1: found unexpected end of stream", "" },
	{ "ledger: x\xff\n", "strata.yaml:1:10: invalid leading UTF-8 octet (byte 0xff)", "" },
};

static void project_error_messages(void **state)
{
	fixture *f = *state;
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(project_errors); i++) {
		const bad_case *bc = &project_errors[i];
		strata_error err = STRATA_ERROR_INIT;
		strata_project_config *c = (strata_project_config *)&err;   /* must become NULL */
		int rc = load_project(&c, &err, f, bc->text);

		if (rc != STRATA_EINVAL || strcmp(err.message, bc->message) != 0)
			fail_msg("case %zu: rc %d, message\n  got  %s\n  want %s", i, rc, err.message,
				bc->message);
		assert_int_equal(err.code, STRATA_EINVAL);
		assert_null(c);
		if (bc->hint != NULL && strcmp(err.hint, bc->hint) != 0)
			fail_msg("case %zu: hint\n  got  %s\n  want %s", i, err.hint, bc->hint);
	}
}

/* A syntax error carries libyaml's context in the detail. */
static void syntax_error_detail(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;

	assert_int_equal(load_project(&c, &err, f, "migrate: [1, 2\n"), STRATA_EINVAL);
	assert_string_equal(err.detail, "while parsing a flow sequence (line 1, column 10)");
}

static void unreadable_file_and_missing_root(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = (strata_project_config *)&err;
	char path[PATH_MAX + 32];

	/* A folder named strata.yaml cannot be read (unlike chmod 000, even as root). */
	snprintf(path, sizeof(path), "%s/strata.yaml", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(strata_project_config_load(&c, f->dir, &err), STRATA_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.message, "strata.yaml"));
	assert_non_null(strstr(err.message, "cannot read"));

	snprintf(path, sizeof(path), "%s/no-such-folder", f->dir);
	c = (strata_project_config *)&err;
	assert_int_equal(strata_project_config_load(&c, path, &err), STRATA_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.message, "no-such-folder"));
}

/* ---- fleet files ---- */

/* Loads text as <dir>/fleet.yaml; *path is what messages start with. */
static int load_fleet(strata_fleet_config **out, strata_error *err, const fixture *f,
	const char *text)
{
	char path[PATH_MAX];

	write_in(f, "fleet.yaml", text);
	snprintf(path, sizeof(path), "%s/fleet.yaml", f->dir);
	return strata_fleet_config_load(out, path, err);
}

static const char FULL_FLEET[] =
	"targets:\n"
	"  - name: eu-1\n"
	"    url: postgresql://app:" SECRET "@eu-1.db/app\n"
	"  - postgresql://app@us-1.db:5433/app\n"
	"  - name: us-2\n"
	"    url: ${STRATA_TEST_US2_URL}\n"
	"  - 'postgres://[2001:db8::1]:5432/caf%C3%A9'\n"
	"  - host=kw-1.db,kw-2.db port=5432 dbname='kw db' password=" SECRET "\n"
	"  - postgresql:///sockdb?host=/var/run/postgresql\n"
	"  - postgresql://h1.db:5432,h2.db:5433/multi?sslmode=prefer\n"
	"  - postgresql://ops@host-only.db\n"
	"  - postgresql://${STRATA_TEST_USER}@env-host.db/${STRATA_TEST_DB}?application_name=a$b\n"
	"query:\n"
	"  url: postgresql://ops:${STRATA_TEST_PW}@catalog/ops\n"
	"  sql: |\n"
	"    SELECT name, url\n"
	"    FROM fleet.databases WHERE active ORDER BY name\n"
	"parallel: 8\n"
	"canary: 2\n"
	"on_error: continue\n";

static void set_fleet_env(void)
{
	setenv("STRATA_TEST_US2_URL", "postgresql://app:" SECRET "@us-2.db/app", 1);
	setenv("STRATA_TEST_USER", "alice", 1);
	setenv("STRATA_TEST_DB", "tenant_7", 1);
	setenv("STRATA_TEST_PW", SECRET, 1);
	unsetenv("STRATA_TEST_UNSET");
}

static void fleet_full_file(void **state)
{
	static const struct {
		const char *name;
		const char *url;
		int line;
	} want[] = {
		{ "eu-1", "postgresql://app:" SECRET "@eu-1.db/app", 2 },
		{ "us-1.db/app", "postgresql://app@us-1.db:5433/app", 4 },
		{ "us-2", "postgresql://app:" SECRET "@us-2.db/app", 5 },
		{ "2001:db8::1/caf\xc3\xa9", "postgres://[2001:db8::1]:5432/caf%C3%A9", 7 },
		{ "kw-1.db/kw db", "host=kw-1.db,kw-2.db port=5432 dbname='kw db' password=" SECRET, 8 },
		{ "/var/run/postgresql/sockdb", "postgresql:///sockdb?host=/var/run/postgresql", 9 },
		{ "h1.db/multi", "postgresql://h1.db:5432,h2.db:5433/multi?sslmode=prefer", 10 },
		{ "host-only.db", "postgresql://ops@host-only.db", 11 },
		{ "env-host.db/tenant_7", "postgresql://alice@env-host.db/tenant_7?application_name=a$b", 12 },
	};
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_fleet_config *fl = NULL;
	char path[PATH_MAX + 16];
	size_t i;

	set_fleet_env();
	th_ok(load_fleet(&fl, &err, f, FULL_FLEET), &err);
	snprintf(path, sizeof(path), "%s/fleet.yaml", f->dir);
	assert_string_equal(fl->file, path);
	assert_int_equal(fl->ntargets, ST_ARRAY_LEN(want));
	for (i = 0; i < ST_ARRAY_LEN(want); i++) {
		assert_string_equal(fl->targets[i].name, want[i].name);
		assert_string_equal(fl->targets[i].url, want[i].url);
		assert_int_equal(fl->targets[i].line, want[i].line);
	}
	assert_string_equal(fl->query_url, "postgresql://ops:" SECRET "@catalog/ops");
	assert_string_equal(fl->query_sql,
		"SELECT name, url\nFROM fleet.databases WHERE active ORDER BY name\n");
	assert_int_equal(fl->parallel, 8);
	assert_int_equal(fl->canary, 2);
	assert_int_equal(fl->continue_on_error, 1);
	strata_fleet_config_free(fl);
}

static void fleet_defaults(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_fleet_config *fl = NULL;

	th_ok(load_fleet(&fl, &err, f, "targets:\n  - postgresql://db/app\n"), &err);
	assert_int_equal(fl->ntargets, 1);
	assert_string_equal(fl->targets[0].name, "db/app");
	assert_null(fl->query_url);
	assert_null(fl->query_sql);
	assert_int_equal(fl->parallel, 4);
	assert_int_equal(fl->canary, 0);
	assert_int_equal(fl->continue_on_error, 0);
	strata_fleet_config_free(fl);

	/* A query alone is a fleet; on_error: stop is the default spelled out. */
	th_ok(load_fleet(&fl, &err, f,
		"query: {url: 'postgresql://ops@catalog/ops', sql: 'SELECT name, url FROM f'}\n"
		"on_error: stop\nparallel: 1\ncanary: 0\n"), &err);
	assert_int_equal(fl->ntargets, 0);
	assert_null(fl->targets);
	assert_string_equal(fl->query_sql, "SELECT name, url FROM f");
	assert_int_equal(fl->parallel, 1);
	assert_int_equal(fl->continue_on_error, 0);
	strata_fleet_config_free(fl);
}

static const bad_case fleet_errors[] = {
	{ "", "fleet.yaml:1:1: no targets: list databases under 'targets' or give a 'query'", "" },
	{ "targets: []\nparallel: 2\n", "fleet.yaml:1:1: no targets: list databases under 'targets' or give a 'query'", "" },
	{ "- postgresql://h/db\n", "fleet.yaml:1:1: the top level must be a mapping of settings, not a list", "" },
	{ "target:\n  - postgresql://h/db\n", "fleet.yaml:1:1: unknown key 'target'; did you mean 'targets'?", "" },
	{ "targets:\n  - name: a\n    uri: postgresql://h/db\n",
		"fleet.yaml:3:5: unknown key 'uri' in a target; did you mean 'url'?", "" },
	{ "targets:\n  - name: a\n    password: x\n", "fleet.yaml:3:5: unknown key 'password' in a target",
		"known keys: name, url" },
	{ "query:\n  url: postgresql://h/db\n  sq: SELECT 1\n",
		"fleet.yaml:3:3: unknown key 'sq' in 'query'; did you mean 'sql'?", "" },
	{ "targets: postgresql://h/db\n", "fleet.yaml:1:10: 'targets' must be a list, not a string", "" },
	{ "targets:\n  a: postgresql://h/db\n", "fleet.yaml:2:3: 'targets' must be a list, not a mapping", "" },
	{ "targets:\n  - [postgresql://h/db]\n",
		"fleet.yaml:2:5: a target must be a URL or a mapping with 'name' and 'url', not a list", "" },
	{ "targets:\n  -\n  - postgresql://h/db\n",
		"fleet.yaml:2:4: a target must be a URL or a mapping with 'name' and 'url', not an empty value", "" },
	{ "targets:\n  - name: a\n", "fleet.yaml:2:5: a target needs a 'url'", "" },
	{ "targets:\n  - name: a\n    url: [x]\n", "fleet.yaml:3:10: 'url' must be a database URL, not a list", "" },
	{ "targets:\n  - name: ''\n    url: postgresql://h/db\n", "fleet.yaml:2:11: 'name' needs a value", "" },
	{ "targets:\n  - name: \"a\\tb\"\n    url: postgresql://h/db\n",
		"fleet.yaml:2:11: a target name must not hold control characters", "" },
	{ "targets:\n  - ${STRATA_TEST_UNSET}\n",
		"fleet.yaml:2:5: environment variable 'STRATA_TEST_UNSET' is not set", "" },
	{ "targets:\n  - postgresql://h/db\n  - name: b\n    url: postgresql://u:${STRATA_TEST_UNSET}@h/db\n",
		"fleet.yaml:4:10: environment variable 'STRATA_TEST_UNSET' is not set", "" },
	{ "targets:\n  - ${STRATA_TEST_UNSET:-postgresql://h/db}\n",
		"fleet.yaml:2:5: bad variable reference in 'url'",
		"write ${NAME}, NAME being letters, digits and _ (no defaults or other shell forms)" },
	{ "targets:\n  - postgresql://${}@h/db\n", "fleet.yaml:2:5: bad variable reference in 'url'", NULL },
	{ "targets:\n  - postgresql://${USER@h/db\n", "fleet.yaml:2:5: bad variable reference in 'url'", NULL },
	{ "targets:\n  - http://h/db\n",
		"fleet.yaml:2:5: invalid database URL 'http://h/db': expected postgresql://[user[:password]@][host][:port][/dbname][?param=value...] or keyword=value settings", "" },
	{ "targets:\n  - postgresql://h:0/db\n", "fleet.yaml:2:5: invalid database URL 'postgresql://h:0/db': bad port '0'", "" },
	{ "targets:\n  - postgresql://u@h/db http://i/db\n",
		"fleet.yaml:2:5: a target with this URL needs a 'name'", "" },
	{ "targets:\n  - name: a\n    url: postgresql://h:0/db http://i/db\n",
		"fleet.yaml:3:10: invalid database URL (not shown: it may hold a password)", "" },
	{ "targets:\n  - postgresql://a.db/app\n  - name: b\n    url: postgresql://b.db/app\n  - postgresql://other@a.db/app\n",
		"fleet.yaml:5:5: duplicate target name 'a.db/app' (first on line 2)", "give each target its own 'name'" },
	{ "targets:\n  - name: x\n    url: postgresql://a/db\n  - name: x\n    url: postgresql://b/db\n  - name: x\n    url: postgresql://c/db\n",
		"fleet.yaml:4:5: duplicate target name 'x' (first on line 2)", NULL },
	{ "targets:\n  - {name: a, url: 'postgresql://h/db', name: b}\n",
		"fleet.yaml:2:41: duplicate key 'name' (first on line 2)", "" },
	{ "query:\n", "fleet.yaml:1:7: 'query' needs a 'url' and an 'sql'", "" },
	{ "query:\n  sql: SELECT 1\n", "fleet.yaml:2:3: 'query' needs a 'url'", "" },
	{ "query:\n  url: postgresql://h/db\n", "fleet.yaml:2:3: 'query' needs an 'sql'", "" },
	{ "query: [postgresql://h/db]\n", "fleet.yaml:1:8: 'query' must be a mapping, not a list", "" },
	{ "query:\n  url: ${STRATA_TEST_UNSET}\n  sql: SELECT 1\n",
		"fleet.yaml:2:8: environment variable 'STRATA_TEST_UNSET' is not set", "" },
	{ "query:\n  url: postgresql://h/db\n  sql: ''\n", "fleet.yaml:3:8: 'sql' needs a value", "" },
	{ "targets: [postgresql://h/db]\nparallel: 0\n",
		"fleet.yaml:2:11: 'parallel' must be a whole number of at least 1, not '0'", "" },
	{ "targets: [postgresql://h/db]\nparallel: four\n",
		"fleet.yaml:2:11: 'parallel' must be a whole number of at least 1, not 'four'", "" },
	{ "targets: [postgresql://h/db]\ncanary: -1\n",
		"fleet.yaml:2:9: 'canary' must be a whole number of at least 0, not '-1'", "" },
	{ "targets: [postgresql://h/db]\ncanary: 1.5\n",
		"fleet.yaml:2:9: 'canary' must be a whole number of at least 0, not '1.5'", "" },
	{ "targets: [postgresql://h/db]\non_error: contine\n",
		"fleet.yaml:2:11: unknown on_error value 'contine' (expected stop or continue); did you mean 'continue'?", "" },
	{ "targets: [postgresql://h/db]\non_error: retry\n",
		"fleet.yaml:2:11: unknown on_error value 'retry' (expected stop or continue)", "" },
	{ "targets: [postgresql://h/db]\n---\n", "fleet.yaml:2:1: a second document: the file must hold one", "" },
};

static void fleet_error_messages(void **state)
{
	fixture *f = *state;
	size_t i;

	set_fleet_env();
	for (i = 0; i < ST_ARRAY_LEN(fleet_errors); i++) {
		const bad_case *bc = &fleet_errors[i];
		strata_error err = STRATA_ERROR_INIT;
		strata_fleet_config *fl = (strata_fleet_config *)&err;   /* must become NULL */
		char want[PATH_MAX + STRATA_ERROR_MESSAGE_MAX];
		int rc = load_fleet(&fl, &err, f, bc->text);

		snprintf(want, sizeof(want), "%s/%s", f->dir, bc->message);
		if (rc != STRATA_EINVAL || strcmp(err.message, want) != 0)
			fail_msg("case %zu: rc %d, message\n  got  %s\n  want %s", i, rc, err.message, want);
		assert_int_equal(err.code, STRATA_EINVAL);
		assert_null(fl);
		if (bc->hint != NULL && strcmp(err.hint, bc->hint) != 0)
			fail_msg("case %zu: hint\n  got  %s\n  want %s", i, err.hint, bc->hint);
	}
}

static void fleet_file_missing(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_fleet_config *fl = (strata_fleet_config *)&err;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/absent.yaml", f->dir);
	assert_int_equal(strata_fleet_config_load(&fl, path, &err), STRATA_EINVAL);
	assert_null(fl);
	assert_non_null(strstr(err.message, "absent.yaml"));
}

/*
 * Passwords never reach a message, whatever the mistake around the URL that
 * holds them: in a URL that does not parse, a URL written where a number or
 * a name or a key belongs, a password from the environment, split by '/' or
 * '@', or a URL in a tag.
 */
static void fleet_errors_never_show_passwords(void **state)
{
	static const char *const texts[] = {
		"targets:\n  - postgresql://u:" SECRET "@h:99999/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h:0/db\n",
		"targets:\n  - http://u:" SECRET "@h/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db?nosuchparam=1\n",
		"targets:\n  - postgresql://u@h/db?password=" SECRET "&bogus=1\n",
		"targets:\n  - host=h port=99999 password=" SECRET "\n",
		"targets:\n  - host=h password='" SECRET "' bogus=1\n",
		"targets:\n  - postgresql://u:Sup3r/S3cret@h/db\n",
		"targets:\n  - postgresql://u:Sup3r@S3cret@h:99999/db\n",
		"targets:\n  - postgresql://u:Sup3r?S3cret@h:99999/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\n  - postgresql://v:" SECRET "@h/db\n",
		"targets:\n  - postgresql://u:Sup3r@S3cret@h/db\n  - postgresql://u:Sup3r@S3cret@h/db\n",
		"targets:\n  - postgresql://u:Sup3r/S3cret@h/db\n  - postgresql://u:Sup3r/S3cret@h/db\n",
		"targets:\n  - name: postgresql://u:" SECRET "@h/db\n    url: postgresql://h/a\n"
			"  - name: postgresql://u:" SECRET "@h/db\n    url: postgresql://h/b\n",
		"targets:\n  - ${STRATA_TEST_BAD_URL}\n",
		"targets:\n  - postgresql://u:${STRATA_TEST_PW}@h:99999/db\n",
		"parallel: postgresql://u:" SECRET "@h/db\n",
		"canary: 'postgresql://u:Sup3r S3cret@h/db'\n",
		"on_error: postgresql://u:" SECRET "@h/db\n",
		"postgresql://u:" SECRET "@h/db: 1\n",
		"targets:\n  - {postgresql://u:" SECRET "@h/db: 1, postgresql://u:" SECRET "@h/db: 2}\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\n  - !<postgresql://u:" SECRET "@h/db> x\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\n  - &postgresql://u:" SECRET "@h/db x\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\n  - *postgresql://u:" SECRET "@h/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\n  - [\n",
		"query:\n  url: postgresql://u:" SECRET "@h:99999/db\n  sql: SELECT 1\n",
		"query:\n  url: postgresql://u:" SECRET "@h/db\n  sql: [x]\n",
		"query:\n  url: postgresql://u:" SECRET "@h/db\n  sq: x\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db\nparallel: 'host=h password=" SECRET "'\n",
		"targets:\n  - postgresql://u:" SECRET "@h:99999/db http://v:" SECRET "@i/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db http://v:" SECRET "@i/db\n",
		"targets:\n  - postgresql://u:" SECRET "@h/db?x=http://v:" SECRET "@i/db\n",
	};
	static const char *const fragments[] = { SECRET, "Sup3r", "S3cret" };
	fixture *f = *state;
	size_t i, j;

	set_fleet_env();
	setenv("STRATA_TEST_BAD_URL", "postgresql://u:" SECRET "@h:99999/db", 1);
	for (i = 0; i < ST_ARRAY_LEN(texts); i++) {
		strata_error err = STRATA_ERROR_INIT;
		strata_fleet_config *fl = NULL;
		int rc = load_fleet(&fl, &err, f, texts[i]);

		if (rc != STRATA_EINVAL)
			fail_msg("case %zu: expected an error, got rc %d", i, rc);
		for (j = 0; j < ST_ARRAY_LEN(fragments); j++) {
			if (strstr(err.message, fragments[j]) != NULL || strstr(err.detail, fragments[j]) != NULL ||
				strstr(err.hint, fragments[j]) != NULL)
				fail_msg("case %zu shows a password: %s | %s | %s", i, err.message, err.detail,
					err.hint);
		}
		if (strncmp(err.message, f->dir, strlen(f->dir)) != 0)
			fail_msg("case %zu: message does not start with the file: %s", i, err.message);
	}
	unsetenv("STRATA_TEST_BAD_URL");
}

/* Names made from URLs never hold any part of a password, however the URL is written. */
static void derived_names_never_show_passwords(void **state)
{
	static const char *const urls[] = {
		"postgresql://u:" SECRET "@h/db",
		"postgresql://u:Sup3r@S3cret@h/db",
		"postgresql://u:Sup3r%2FS3cret@h/db",
		"postgresql://u@h/db?password=" SECRET,
		"postgresql://u:" SECRET "@/db?host=/tmp",
		"host=h dbname=db password=" SECRET,
		"password='Sup3r S3cret' host=h",
	};
	fixture *f = *state;
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(urls); i++) {
		strata_error err = STRATA_ERROR_INIT;
		strata_fleet_config *fl = NULL;
		char text[512];

		snprintf(text, sizeof(text), "targets:\n  - \"%s\"\n", urls[i]);
		th_ok(load_fleet(&fl, &err, f, text), &err);
		if (strstr(fl->targets[0].name, "Sup3r") != NULL || strstr(fl->targets[0].name, "S3cret") != NULL)
			fail_msg("case %zu: name '%s' shows the password", i, fl->targets[0].name);
		strata_fleet_config_free(fl);
	}
}

/* ---- the message helpers ---- */

static void quoting_user_text(void **state)
{
	char q[ST_CONFIG_QUOTE_MAX], small[20], text[300];

	(void)state;
	assert_string_equal(st_config_quote(q, sizeof(q), "pth"), "pth");
	assert_string_equal(st_config_quote(q, sizeof(q), "a\tb\nc\x01"), "a\\tb\\nc\\x01");
	assert_string_equal(st_config_quote(q, sizeof(q), "postgresql://u:" SECRET "@h/db"),
		"postgresql://u:****@h/db");
	assert_string_equal(st_config_quote(q, sizeof(q), "host=h password=" SECRET),
		"host=h password=****");
	assert_string_equal(st_config_quote(q, sizeof(q), "a://u:p@h b://v:" SECRET "@i"), "(hidden)");
	assert_string_equal(st_config_quote(q, sizeof(q), "postgresql://u:p@h x"), "(hidden)");
	/* Long text is cut with "...", never inside a UTF-8 character. */
	memset(text, 'k', 200);
	text[200] = '\0';
	st_config_quote(q, sizeof(q), text);
	assert_int_equal(strlen(q), sizeof(q) - 1);
	assert_true(st_str_ends_with(q, "kkk..."));
#define E_ACUTE "\xc3\xa9"
	assert_string_equal(st_config_quote(small, sizeof(small), "0123456789abcd" E_ACUTE "xyz"),
		"0123456789abcd" E_ACUTE "...");
	assert_string_equal(st_config_quote(small, sizeof(small), "0123456789abcde" E_ACUTE "xyz"),
		"0123456789abcde...");
	assert_string_equal(st_config_quote(small, sizeof(small), "0123456789abcdef"), "0123456789abcdef");
}

static void suggestions(void **state)
{
	static const char *const keys[] = { "path", "versions", "layout", "lock_timeout", "url", "sql" };

	(void)state;
	assert_string_equal(st_config_suggest("pth", keys, ST_ARRAY_LEN(keys)), "path");
	assert_string_equal(st_config_suggest("Path", keys, ST_ARRAY_LEN(keys)), "path");
	assert_string_equal(st_config_suggest("lyaout", keys, ST_ARRAY_LEN(keys)), "layout");
	assert_string_equal(st_config_suggest("lock_timout", keys, ST_ARRAY_LEN(keys)), "lock_timeout");
	assert_string_equal(st_config_suggest("versons", keys, ST_ARRAY_LEN(keys)), "versions");
	assert_string_equal(st_config_suggest("uri", keys, ST_ARRAY_LEN(keys)), "url");
	assert_null(st_config_suggest("folder", keys, ST_ARRAY_LEN(keys)));
	assert_null(st_config_suggest("x", keys, ST_ARRAY_LEN(keys)));
	assert_null(st_config_suggest("", keys, ST_ARRAY_LEN(keys)));
	assert_null(st_config_suggest("timeout", keys, ST_ARRAY_LEN(keys)));
}

/* ---- allocation failures ---- */

static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

typedef int (*op_fn)(const fixture *f);

/*
 * As in test_alloc_failures.c: op once normally, then with the n-th
 * allocation (and every later one) failing, n = 1, 2, ... until a run no
 * longer reaches the failing allocation. Each run gives 0 or ENOMEM, a run
 * that lost an allocation never reports success (strict; invalid input
 * reports its EINVAL as 0), and the heap ends as it began.
 */
static long run_failing(const char *what, op_fn op, const fixture *f, int strict)
{
	size_t before;
	long n;
	int rc;

	rc = op(f);
	if (rc != 0)
		fail_msg("%s: fails with %d even without injected failures", what, rc);
	before = heap_in_use();
	for (n = 1; n <= 100000; n++) {
		long made;

		st_alloc_fail_after(n, 1);
		rc = op(f);
		made = st_alloc_count();
		st_alloc_fail_after(0, 0);
		if (rc != 0 && rc != STRATA_ENOMEM)
			fail_msg("%s: allocation %ld failing gave %d (%s)", what, n, rc, strata_code_name(rc));
		if (made < n) {
			if (rc != 0)
				fail_msg("%s: no allocation failed yet it returned %d", what, rc);
			if (heap_in_use() != before)
				fail_msg("%s leaked: %ld bytes", what, (long)heap_in_use() - (long)before);
			return n - 1;
		}
		if (rc == 0 && strict)
			fail_msg("%s: allocation %ld of %ld failed but it reported success", what, n, made);
	}
	fail_msg("%s: still allocating after %ld runs", what, n);
	return 0;
}

static int op_project_full(const fixture *f)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = (strata_project_config *)&err;
	int rc = strata_project_config_load(&c, f->dir, &err);

	if (rc != 0)
		return c == NULL && err.code == rc ? rc : STRATA_EINTERNAL;
	rc = c->ntracks == 2 && strcmp(c->tracks[1].name, "analytics") == 0 &&
		c->tracks[1].path[0] == '/' ? 0 : STRATA_EINTERNAL;
	strata_project_config_free(c);
	return rc;
}

/* Invalid files take the error paths: there EINVAL is the expected outcome, reported as 0. */
static int op_project_invalid(const fixture *f)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = NULL;
	int rc = strata_project_config_load(&c, f->dir, &err);

	if (rc == 0) {
		strata_project_config_free(c);
		return STRATA_EINTERNAL;
	}
	if (c != NULL || err.code != rc)
		return STRATA_EINTERNAL;
	return rc == STRATA_EINVAL ? 0 : rc;
}

static int op_fleet_full(const fixture *f)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_fleet_config *fl = (strata_fleet_config *)&err;
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/fleet.yaml", f->dir);
	rc = strata_fleet_config_load(&fl, path, &err);
	if (rc != 0)
		return fl == NULL && err.code == rc ? rc : STRATA_EINTERNAL;
	rc = fl->ntargets == 9 && strcmp(fl->targets[8].name, "env-host.db/tenant_7") == 0 &&
		fl->query_sql != NULL ? 0 : STRATA_EINTERNAL;
	strata_fleet_config_free(fl);
	return rc;
}

static int op_fleet_invalid(const fixture *f)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_fleet_config *fl = NULL;
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/fleet.yaml", f->dir);
	rc = strata_fleet_config_load(&fl, path, &err);
	if (rc == 0) {
		strata_fleet_config_free(fl);
		return STRATA_EINTERNAL;
	}
	if (fl != NULL || err.code != rc || strstr(err.message, SECRET) != NULL)
		return STRATA_EINTERNAL;
	return rc == STRATA_EINVAL ? 0 : rc;
}

static void allocation_failures_project(void **state)
{
	fixture *f = *state;

	write_in(f, "strata.yaml", FULL_PROJECT);
	assert_true(run_failing("strata.yaml (full)", op_project_full, f, 1) > 0);
	/* A duplicate key (sorting), a suggestion, a shared path: each error path. */
	write_in(f, "strata.yaml", "tracks:\n  a: {path: x}\n  b: {path: x}\n");
	assert_true(run_failing("strata.yaml (shared path)", op_project_invalid, f, 0) > 0);
	write_in(f, "strata.yaml", "migrate: {lock_wait: 1s, lock_wait: 2s}\n");
	assert_true(run_failing("strata.yaml (duplicate key)", op_project_invalid, f, 0) > 0);
	write_in(f, "strata.yaml", "tracks:\n  a: {pth: x}\n");
	assert_true(run_failing("strata.yaml (unknown key)", op_project_invalid, f, 0) > 0);
}

static int op_project_defaults(const fixture *f)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *c = (strata_project_config *)&err;
	int rc = strata_project_config_load(&c, f->dir, &err);

	if (rc != 0)
		return c == NULL && err.code == rc ? rc : STRATA_EINTERNAL;
	rc = c->ntracks == 1 && strcmp(c->tracks[0].name, "default") == 0 && c->file == NULL ?
		0 : STRATA_EINTERNAL;
	strata_project_config_free(c);
	return rc;
}

static void allocation_failures_without_file(void **state)
{
	fixture *f = *state;

	assert_true(run_failing("no strata.yaml", op_project_defaults, f, 1) > 0);
}

static void allocation_failures_fleet(void **state)
{
	fixture *f = *state;

	set_fleet_env();
	write_in(f, "fleet.yaml", FULL_FLEET);
	assert_true(run_failing("fleet (full)", op_fleet_full, f, 1) > 0);
	write_in(f, "fleet.yaml", "targets:\n  - postgresql://u:" SECRET "@a/db\n  - postgresql://u:" SECRET "@a/db\n");
	assert_true(run_failing("fleet (duplicate names)", op_fleet_invalid, f, 0) > 0);
	write_in(f, "fleet.yaml", "targets:\n  - postgresql://u:" SECRET "@a:99999/db\n");
	assert_true(run_failing("fleet (bad URL)", op_fleet_invalid, f, 0) > 0);
	write_in(f, "fleet.yaml", "parallel: postgresql://u:" SECRET "@a/db\n");
	assert_true(run_failing("fleet (URL as a number)", op_fleet_invalid, f, 0) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(defaults_without_file, setup, teardown),
		cmocka_unit_test_setup_teardown(defaults_with_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(other_layouts_and_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(track_paths_are_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(seed_paths_are_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(track_lookup_and_timeouts, setup, teardown),
		cmocka_unit_test(names_of_layouts_and_schemes),
		cmocka_unit_test_setup_teardown(project_error_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(syntax_error_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_file_and_missing_root, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_error_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_file_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_errors_never_show_passwords, setup, teardown),
		cmocka_unit_test_setup_teardown(derived_names_never_show_passwords, setup, teardown),
		cmocka_unit_test(quoting_user_text),
		cmocka_unit_test(suggestions),
		cmocka_unit_test_setup_teardown(allocation_failures_project, setup, teardown),
		cmocka_unit_test_setup_teardown(allocation_failures_without_file, setup, teardown),
		cmocka_unit_test_setup_teardown(allocation_failures_fleet, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
