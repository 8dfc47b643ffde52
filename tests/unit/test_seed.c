/*
 * test_seed.c: reading the seed folder, without a database: which files
 * count and in which order, the paths shown, checksums normalised as the
 * migration engine's, the BOM left out of the SQL, statement lines, every
 * problem with file and line, --file matching, and allocation failures at
 * every step of a load with nothing leaked.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "base/base.h"
#include "migrate/migrate_int.h"

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

typedef struct fixture {
	char *dir;
	strata_project_config *config;
} fixture;

static void write_in(const fixture *f, const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX], *slash;
	strata_error err = STRATA_ERROR_INIT;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	*slash = '/';
	th_ok(st_file_write_atomic(path, text, len, 0644, &err), &err);
}

#define WRITE(f, rel, text) write_in((f), (rel), (text), strlen(text))

static void load_config(fixture *f, const char *yaml)
{
	strata_error err = STRATA_ERROR_INIT;

	strata_project_config_free(f->config);
	f->config = NULL;
	if (yaml != NULL)
		WRITE(f, "strata.yaml", yaml);
	th_ok(strata_project_config_load(&f->config, f->dir, &err), &err);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_tempdir("seed");
	load_config(f, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	st_alloc_fail_after(0, 0);
	strata_project_config_free(f->config);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static strata_seed_set *load_ok(const fixture *f, const char *only, strata_problems *problems)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_seed_set *set = NULL;

	th_ok(strata_seed_load(&set, f->config, only, problems, &err), &err);
	assert_non_null(set);
	return set;
}

/* "file:line: message" per problem, one per line. */
static char *problem_text(const strata_problems *p)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < p->n; i++)
		strata_buf_printf(&b, "%s:%d: %s\n", p->items[i].file, p->items[i].line, p->items[i].message);
	return strata_buf_detach(&b);
}

static void files_in_name_order(void **state)
{
	fixture *f = *state;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_seed_set *set;

	WRITE(f, "seeds/0010_c.sql", "SELECT 3;\n");
	WRITE(f, "seeds/0002_b.sql", "SELECT 2;\n");
	WRITE(f, "seeds/0001_a.sql", "SELECT 1;\n");
	WRITE(f, "seeds/B_upper.sql", "SELECT 4;\n");
	WRITE(f, "seeds/notes.txt", "not SQL\n");
	WRITE(f, "seeds/.hidden.sql", "SELECT 1/0;\n");
	WRITE(f, "seeds/sub/0001_x.sql", "SELECT 1/0;\n");
	{
		char link[PATH_MAX], target[PATH_MAX];

		/* A link to a file is a file; one to a folder is not. */
		snprintf(link, sizeof(link), "%s/seeds/0003_link.sql", f->dir);
		snprintf(target, sizeof(target), "%s/seeds/0001_a.sql", f->dir);
		assert_int_equal(symlink(target, link), 0);
		snprintf(link, sizeof(link), "%s/seeds/0004_dir.sql", f->dir);
		snprintf(target, sizeof(target), "%s/seeds/sub", f->dir);
		assert_int_equal(symlink(target, link), 0);
	}
	set = load_ok(f, NULL, &problems);
	assert_int_equal(problems.n, 0);
	assert_int_equal(set->n, 5);
	assert_string_equal(set->files[0].name, "0001_a.sql");
	assert_string_equal(set->files[1].name, "0002_b.sql");
	assert_string_equal(set->files[2].name, "0003_link.sql");
	assert_string_equal(set->files[3].name, "0010_c.sql");
	assert_string_equal(set->files[4].name, "B_upper.sql");
	assert_string_equal(set->files[0].path, "seeds/0001_a.sql");
	assert_string_equal(set->shown, "seeds");
	assert_string_equal(set->files[2].checksum, set->files[0].checksum);
	assert_int_equal(set->files[0].nstatements, 1);
	strata_seed_set_free(set);

	/* No folder: no files, no error. */
	load_config(f, "seed: {path: elsewhere/nothing}\n");
	set = load_ok(f, NULL, &problems);
	assert_int_equal(set->n, 0);
	assert_string_equal(set->shown, "elsewhere/nothing");
	strata_seed_set_free(set);
	strata_problems_release(&problems);
}

static void text_checksums_and_lines(void **state)
{
	fixture *f = *state;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_seed_set *set;
	char norm[65], raw[65];
	static const char plain[] = "-- rows\nINSERT INTO t VALUES (1);\n\nINSERT INTO t\n  VALUES (2)";
	static const char dressed[] = "\xef\xbb\xbf-- rows  \r\nINSERT INTO t VALUES (1);\r\n\r\nINSERT INTO t\r\n  VALUES (2)\r\n\r\n";

	WRITE(f, "seeds/a.sql", plain);
	WRITE(f, "seeds/b.sql", dressed);
	set = load_ok(f, NULL, &problems);
	assert_int_equal(problems.n, 0);
	/* The same checksum as a migration file with that text: one meaning of "changed". */
	th_ok(st_text_checksums(norm, raw, plain, strlen(plain)), NULL);
	assert_string_equal(set->files[0].checksum, norm);
	assert_string_equal(set->files[0].raw_checksum, raw);
	/* BOM, CRLF and trailing blanks: the same normalised checksum, another raw one. */
	assert_string_equal(set->files[1].checksum, norm);
	assert_string_not_equal(set->files[1].raw_checksum, raw);
	/* The BOM is not part of the SQL sent; lines count from the file's first. */
	assert_int_equal(set->files[1].len, strlen(dressed) - 3);
	assert_memory_equal(set->files[1].sql, dressed + 3, set->files[1].len);
	assert_int_equal(set->files[0].nstatements, 2);
	assert_int_equal(set->files[0].lines[1], 2);
	assert_int_equal(set->files[0].lines[2], 4);
	assert_int_equal(set->files[1].lines[2], 4);
	strata_seed_set_free(set);
	strata_problems_release(&problems);
}

static void every_problem_with_file_and_line(void **state)
{
	fixture *f = *state;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_seed_set *set;
	char *text;
	static const char nul[] = "SELECT 1;\n\nSELECT\0 2;\n";

	WRITE(f, "seeds/01_ok.sql", "SAVEPOINT a;\nINSERT INTO t VALUES (1);\nROLLBACK TO SAVEPOINT a;\nRELEASE a;\n");
	WRITE(f, "seeds/02_tx.sql", "BEGIN;\nSELECT 1;\nEND;\nabort;\nstart   transaction;\nCOMMIT AND CHAIN;\n");
	WRITE(f, "seeds/03_prepared.sql", "PREPARE TRANSACTION 'x';\nCOMMIT PREPARED 'x';\n");
	WRITE(f, "seeds/04_no_tx.sql", "SELECT 1;\nCREATE DATABASE d;\n");
	WRITE(f, "seeds/05_syntax.sql", "SELECT 1;\nINSERT INTO t VALUES (;\n");
	write_in(f, "seeds/06_nul.sql", nul, sizeof(nul) - 1);
	WRITE(f, "seeds/07_utf8.sql", "-- ok: caf\xc3\xa9\nSELECT 'caf\xe9';\n");
	WRITE(f, "seeds/08_empty.sql", "");
	WRITE(f, "seeds/09_comments.sql", "-- later\n/* nothing */\n");
	set = load_ok(f, NULL, &problems);
	assert_int_equal(set->n, 9);
	text = problem_text(&problems);
	assert_string_equal(text,
		"seeds/02_tx.sql:1: BEGIN: a seed file runs in one transaction that strata opens and commits;"
		" remove its own transaction control\n"
		"seeds/02_tx.sql:3: END: a seed file runs in one transaction that strata opens and commits;"
		" remove its own transaction control\n"
		"seeds/02_tx.sql:4: ABORT: a seed file runs in one transaction that strata opens and commits;"
		" remove its own transaction control\n"
		"seeds/02_tx.sql:5: START TRANSACTION: a seed file runs in one transaction that strata opens and"
		" commits; remove its own transaction control\n"
		"seeds/02_tx.sql:6: COMMIT: a seed file runs in one transaction that strata opens and commits;"
		" remove its own transaction control\n"
		"seeds/03_prepared.sql:1: PREPARE TRANSACTION: a seed file runs in one transaction that strata"
		" opens and commits; remove its own transaction control\n"
		"seeds/03_prepared.sql:2: COMMIT PREPARED: a seed file runs in one transaction that strata opens"
		" and commits; remove its own transaction control\n"
		"seeds/04_no_tx.sql:2: CREATE DATABASE cannot run inside a transaction, and a seed file runs in one\n"
		"seeds/05_syntax.sql:2: syntax error: syntax error at or near \";\" (column 23)\n"
		"seeds/06_nul.sql:3: holds a NUL byte\n"
		"seeds/07_utf8.sql:2: is not valid UTF-8 (byte 0xe9)\n"
		"seeds/08_empty.sql:0: has no SQL statement\n"
		"seeds/09_comments.sql:0: has no SQL statement\n");
	strata_free(text);
	strata_seed_set_free(set);
	strata_problems_release(&problems);
}

static void one_file_by_name_or_path(void **state)
{
	fixture *f = *state;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_seed_set *set = (strata_seed_set *)&err;

	load_config(f, "seed: {path: ./db//seeds/}\n");
	WRITE(f, "db/seeds/0001_a.sql", "SELECT 1;\n");
	WRITE(f, "db/seeds/0002_b.sql", "SELEC 2;\n");
	set = load_ok(f, "0001_a.sql", &problems);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->files[0].path, "db/seeds/0001_a.sql");
	assert_int_equal(problems.n, 0);   /* the other file is not read */
	strata_seed_set_free(set);
	set = load_ok(f, "db/seeds/0002_b.sql", &problems);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->files[0].name, "0002_b.sql");
	assert_int_equal(problems.n, 1);
	strata_seed_set_free(set);
	strata_problems_release(&problems);

	set = (strata_seed_set *)&err;
	assert_int_equal(strata_seed_load(&set, f->config, "0003_c.sql", &problems, &err), STRATA_ENOTFOUND);
	assert_null(set);
	assert_string_equal(err.message, "no seed file '0003_c.sql' in 'db/seeds'");
	assert_string_equal(err.hint, "name a *.sql file of the seed folder, such as '0001_a.sql'");
	/* A folder outside the project is shown as it is. */
	load_config(f, "seed: {path: /nonexistent/strata-seeds}\n");
	assert_int_equal(strata_seed_load(&set, f->config, "x.sql", &problems, &err), STRATA_ENOTFOUND);
	assert_string_equal(err.message, "no seed file 'x.sql' in '/nonexistent/strata-seeds'");
	assert_string_equal(err.hint, "");
	strata_problems_release(&problems);
}

static void unreadable_folder(void **state)
{
	fixture *f = *state;
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_seed_set *set = NULL;

	/* A file where the folder should be. */
	WRITE(f, "seeds", "not a folder\n");
	assert_int_equal(strata_seed_load(&set, f->config, NULL, &problems, &err), STRATA_EIO);
	assert_null(set);
	assert_non_null(strstr(err.message, "cannot read the seed folder '"));
	strata_problems_release(&problems);
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

static int op_load(const fixture *f, const char *only)
{
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_seed_set *set = (strata_seed_set *)&err;
	int rc = strata_seed_load(&set, f->config, only, &problems, &err);

	if (rc != 0) {
		strata_problems_release(&problems);
		return set == NULL && err.code == rc ? rc : STRATA_EINTERNAL;
	}
	/* Nothing may go missing quietly: every file, every problem. */
	if (set->n != (only != NULL ? 1u : 4u) || problems.n != (only != NULL ? 0u : 3u))
		rc = STRATA_EINTERNAL;
	strata_seed_set_free(set);
	strata_problems_release(&problems);
	return rc;
}

static void allocation_failures(void **state)
{
	fixture *f = *state;
	const char *const onlies[] = { NULL, "seeds/0003_c.sql" };
	size_t k;

	WRITE(f, "seeds/0001_a.sql", "\xef\xbb\xbfINSERT INTO t VALUES (1);\r\nINSERT INTO t VALUES (2);\n");
	WRITE(f, "seeds/0002_b.sql", "BEGIN;\nSELECT 1;\nCOMMIT;\n");
	WRITE(f, "seeds/0003_c.sql", "SELECT 1;\n");
	WRITE(f, "seeds/0004_d.sql", "SELEC 1;\n");
	for (k = 0; k < ST_ARRAY_LEN(onlies); k++) {
		size_t before;
		long n;
		int rc;

		assert_int_equal(op_load(f, onlies[k]), 0);
		before = heap_in_use();
		for (n = 1; n <= 100000; n++) {
			long made;

			st_alloc_fail_after(n, 1);
			rc = op_load(f, onlies[k]);
			made = st_alloc_count();
			st_alloc_fail_after(0, 0);
			if (rc != 0 && rc != STRATA_ENOMEM)
				fail_msg("allocation %ld failing gave %d (%s)", n, rc, strata_code_name(rc));
			if (made < n) {
				assert_int_equal(rc, 0);
				if (heap_in_use() != before)
					fail_msg("leaked %ld bytes", (long)heap_in_use() - (long)before);
				break;
			}
			if (rc == 0)
				fail_msg("allocation %ld of %ld failed but the load reported success", n, made);
		}
		assert_true(n > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(files_in_name_order, setup, teardown),
		cmocka_unit_test_setup_teardown(text_checksums_and_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(every_problem_with_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(one_file_by_name_or_path, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
