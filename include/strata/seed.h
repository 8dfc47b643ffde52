/*
 * strata/seed.h: seed files, SQL that fills a migrated database with data
 * (reference rows, demo tenants, fixtures), each version of a file run once.
 *
 * The seed folder (strata.yaml "seed: {path: ...}", default <root>/seeds)
 * holds *.sql files, run in name order (byte order). Each runs in one
 * transaction together with its row in the ledger's seeds table
 * (<ledger schema>.seeds): all of it or nothing. A file whose normalised
 * checksum (as for migrations: BOM, CRLF and trailing blanks ignored)
 * matches its row is up to date and runs again only when forced; a new or
 * changed file runs. Since a file is one transaction, it may not hold its
 * own transaction control (BEGIN, COMMIT, ROLLBACK) or a statement that
 * cannot run in a transaction (VACUUM, CREATE INDEX CONCURRENTLY):
 * strata_seed_load reports those as problems, with file and line.
 *
 * A run holds the migration lock of every track of the project and a seed
 * lock (session advisory locks), so that seeds and migrations never run at
 * the same time, and refuses a database whose migrations are not all
 * applied: seeds are written against the project's current schema.
 */
#ifndef STRATA_SEED_H
#define STRATA_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "config.h"
#include "error.h"
#include "migrate.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_seed_file {
	char *name;              /* the file's name in the seed folder, the ledger's key: "0001_tenants.sql" */
	char *path;              /* as shown: relative to the project root when inside it ("seeds/0001_tenants.sql") */
	char *sql;               /* the text without a UTF-8 BOM, NUL-terminated */
	size_t len;
	char checksum[65];       /* SHA-256 of the normalised text: what decides "changed" */
	char raw_checksum[65];   /* SHA-256 of the bytes as they are */
	int nstatements;
	int *lines;              /* line of each statement in the file: lines[1..nstatements] */
} strata_seed_file;

typedef struct strata_seed_set {
	char *dir;               /* the seed folder, absolute */
	char *shown;             /* the folder as shown: relative to the project root when inside it ("seeds") */
	strata_seed_file *files; /* in name order */
	size_t n;
} strata_seed_set;

/*
 * Reads the seed folder of config: every *.sql file directly in it (names
 * starting with '.' and other files are ignored; a missing folder holds no
 * files), or only the file only names ("0001_tenants.sql", or its path as
 * shown) when only is not NULL. Every problem of the files read goes into
 * *problems with file and line, and the call still returns 0: NUL bytes,
 * invalid UTF-8, a file larger than 64 MiB, a syntax error, no statement,
 * transaction control, statements that cannot run in a transaction. A name
 * that matches no file is STRATA_ENOTFOUND; an unreadable folder or file
 * STRATA_EIO.
 */
STRATA_API int strata_seed_load(strata_seed_set **out, const strata_project_config *config,
	const char *only, strata_problems *problems, strata_error *err);
STRATA_API void strata_seed_set_free(strata_seed_set *set);

/*
 * Checks that every migration of every track of config is applied on c,
 * unchanged (reusing strata_source_load, strata_ledger_read and
 * strata_status_compute). STRATA_EINVAL names what is pending, changed,
 * missing, out of order or partly applied, or says that the migration
 * files have problems. Changes nothing.
 */
STRATA_API int strata_seed_check_migrations(strata_conn *c, const strata_project_config *config,
	strata_error *err);

typedef enum strata_seed_event_kind {
	STRATA_SEED_EV_LOCK_WAIT = 0,  /* another runner holds a lock (message names it and its holder) */
	STRATA_SEED_EV_UP_TO_DATE,     /* the file is unchanged since it last ran: skipped */
	STRATA_SEED_EV_PLANNED,        /* dry run: the file would run (why) */
	STRATA_SEED_EV_START,          /* the file starts (why) */
	STRATA_SEED_EV_DONE,           /* the file ran and committed with its ledger row */
	STRATA_SEED_EV_ERROR           /* the file failed and was rolled back */
} strata_seed_event_kind;

typedef struct strata_seed_event {
	strata_seed_event_kind kind;
	const strata_seed_file *file;  /* NULL for LOCK_WAIT */
	const char *why;               /* PLANNED, START, DONE, ERROR: "new", "changed" or "forced" */
	double duration_ms;            /* DONE, ERROR */
	long long rows_changed;        /* DONE: rows its INSERT, UPDATE, DELETE, MERGE and COPY statements changed */
	int statement;                 /* ERROR: 1-based statement of the file; 0 when not in the file */
	int line;                      /* ERROR: that statement's line; 0 when not in the file */
	const char *message;           /* LOCK_WAIT, ERROR */
	const char *sqlstate;          /* ERROR: "" when none */
} strata_seed_event;

typedef struct strata_seed_options {
	const strata_project_config *config;
	int force;                     /* run unchanged files too */
	int dry_run;                   /* decide and report (PLANNED events); no lock, no writes */
	int skip_migration_check;      /* seed a database whose migrations are not all applied */
	int no_wait;                   /* fail at once when another runner holds a lock */
	int64_t lock_wait_ms;          /* -1: the config's lock_wait */
	int64_t lock_timeout_ms;       /* per file; -1: the config's migrate lock_timeout */
	int64_t statement_timeout_ms;  /* per file; -1: the config's migrate statement_timeout */
	void (*on_event)(const strata_seed_event *ev, void *ud);   /* may be NULL */
	void *ud;
} strata_seed_options;

#define STRATA_SEED_OPTIONS_INIT { NULL, 0, 0, 0, 0, -1, -1, -1, NULL, NULL }

typedef struct strata_seed_result {
	size_t files;                  /* files in the set */
	size_t up_to_date;             /* skipped: unchanged */
	size_t planned;                /* to run (a dry run: that would run) */
	size_t seeded;                 /* ran and committed */
	long long rows_changed;        /* by the files that committed */
	double duration_ms;
	int failed;                    /* a file failed (the run stopped there) */
} strata_seed_result;

/*
 * Runs the files of set on c that are new, changed (or all, forced), in
 * order, stopping at the first failure: the files before it stay applied,
 * nothing of the failing one is kept. Unless dry_run: takes the locks,
 * creates the ledger (and its seeds table) when a file is to run, and
 * resets the session (RESET ALL) after each file. A failing statement's
 * error is prefixed "<path> line <n>"; a lock not obtained is
 * STRATA_ELOCKED; an interrupted run STRATA_ETIMEOUT with SQLSTATE 57014.
 */
STRATA_API int strata_seed_run(strata_seed_result *result, strata_conn *c,
	const strata_seed_set *set, const strata_seed_options *options, strata_error *err);

/*
 * Async-signal-safe: asks a run in progress in this process to stop. The
 * running file is cancelled and rolled back; the run fails "interrupted".
 */
STRATA_API void strata_seed_interrupt(void);

#ifdef __cplusplus
}
#endif

#endif
