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

/*
 * A program running in the background, for tests that signal it or race
 * it against something else. Its stdout and stderr go to files, so that it
 * never blocks on a full pipe and the test can watch what it wrote so far.
 */
typedef struct cli_proc {
	int pid;                 /* 0 once reaped */
	int status;              /* exit code, or 128 + signal, once reaped */
	char out_path[512];
	char err_path[512];
} cli_proc;

/*
 * Starts argv[0] (a path) with args argv[1..] like cli_run starts strata
 * (same env rules), its output in <logdir>/<name>.out and .err, and returns
 * at once. Fails the test if it cannot be started.
 */
void cli_spawn_program(cli_proc *p, const char *cwd, const char *const *env,
	const char *const *argv, const char *logdir, const char *name);
/* The same for $STRATA_BIN with args (without argv[0]). */
void cli_spawn(cli_proc *p, const char *cwd, const char *const *env, const char *const *args,
	const char *logdir, const char *name);
/*
 * Waits at most timeout_ms for p to end and returns its status (exit code,
 * or 128 + signal). On expiry kills it and fails the test.
 */
int cli_wait(cli_proc *p, long timeout_ms);
/* Nonzero while p runs (reaps it when it has ended). */
int cli_running(cli_proc *p);
/* What p wrote to stderr / stdout so far (free with free()). */
char *cli_proc_err(const cli_proc *p);
char *cli_proc_out(const cli_proc *p);

#endif
