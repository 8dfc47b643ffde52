/*
 * run.h: running the strata binary black-box for CLI tests: argv in, exit
 * code, stdout and stderr out, with extra environment and a working folder.
 */
#ifndef STRATA_TEST_CLI_RUN_H
#define STRATA_TEST_CLI_RUN_H

#include "strata/strata.h"

typedef struct cli_result {
	int status;          /* exit code, or 128 + signal */
	strata_buf out;
	strata_buf err;
} cli_result;

/*
 * Runs $STRATA_BIN with args (NULL-terminated, without argv[0]) in cwd (NULL:
 * inherit), with env entries "NAME=value" set or "NAME" unset. Fails the test
 * if the program cannot be started or runs longer than 120 s.
 */
void cli_run(cli_result *r, const char *cwd, const char *const *env, const char *const *args);
void cli_result_free(cli_result *r);

/*
 * Environment entries that remove every way of naming a database, so that a
 * test controls exactly where strata connects. NULL-terminated; use
 * CLI_CLEAN_ENV at the start of an env array.
 */
#define CLI_CLEAN_ENV "DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", \
	"PGUSER", "PGSERVICE", "PGSERVICEFILE", "PGPASSWORD", "PGPASSFILE", "PGOPTIONS", \
	"PGSSLMODE", "NO_COLOR", "STRATA_PG_BINDIR"

/* Number of lines in s (a final line without newline counts). */
int cli_count_lines(const char *s);

/* The path of a file in the source tree. Free with free(). */
char *cli_source_path(const char *rel);

/* Reads a whole file into an allocated string, or fails. */
char *cli_read_file(const char *path);

/*
 * Compares actual with the golden file tests/data/<name>. With
 * STRATA_UPDATE_GOLDEN=1 it rewrites the file instead (then check the diff).
 */
void cli_assert_golden(const char *actual, const char *name);

/* Live (not zombie) processes whose working folder is dir. */
int cli_live_procs_in(const char *dir);

#endif
