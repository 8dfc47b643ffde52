/*
 * strata/migrate.h: versioned migrations: the files of a track (source),
 * what a database has applied (ledger), what would run (plan) and running it.
 *
 * Data flows one way: files -> strata_source (discovered and validated
 * before any database contact) -> with the ledger -> strata_plan (the
 * exact SQL that will run, ledger writes included) -> strata_migrate_run.
 * A dry run prints the plan; a real run executes the same plan, so what a
 * dry run shows is what runs.
 *
 * Ledger (schema "strata" unless configured):
 *   history   one row per applied migration per track (checksums, who, when,
 *             how long, how long it waited for locks)
 *   events    append-only: every apply, revert, failure, baseline, repair
 *   progress  statements already done by a migration that runs statement
 *             by statement (no-transaction or as written), so that a rerun
 *             resumes where it stopped
 */
#ifndef STRATA_MIGRATE_H
#define STRATA_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "common.h"
#include "config.h"
#include "error.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Problems: everything wrong with the files, listed at once
 * ------------------------------------------------------------------------ */

typedef struct strata_problem {
	char *file;       /* relative to the project root; NULL when not about one file */
	int line;         /* 0 when not about one line */
	char *message;
} strata_problem;

typedef struct strata_problems {
	strata_problem *items;
	size_t n, cap;
} strata_problems;

#define STRATA_PROBLEMS_INIT { NULL, 0, 0 }

STRATA_API void strata_problems_release(strata_problems *p);
/* Adds a problem (file may be NULL, line 0); returns 0 or STRATA_ENOMEM. */
STRATA_API int strata_problems_add(strata_problems *p, const char *file, int line, const char *fmt, ...)
	STRATA_PRINTF(4, 5);
/* Sorts problems by file, then line (then message), so that the list reads in order. */
STRATA_API void strata_problems_sort(strata_problems *p);

/* ------------------------------------------------------------------------
 * Source: the migrations of a track, as files say
 * ------------------------------------------------------------------------ */

/* How a migration runs. */
typedef enum strata_exec_mode {
	STRATA_EXEC_TRANSACTION = 0,  /* one transaction with its ledger row: all or nothing */
	STRATA_EXEC_STATEMENTS        /* statement by statement, journaled, resumable: no-transaction
	                                 files and files with their own BEGIN/COMMIT */
} strata_exec_mode;

typedef struct strata_sql_part {
	char *path;         /* the file, relative to the project root */
	char *sql;          /* the SQL to run (for dbmate files, its section only); NULL until
	                       needed when the validation came from the cache */
	size_t len;
	int first_line;     /* line of sql[0] in the file (dbmate sections start later) */
	char checksum[65];  /* SHA-256 of the normalised text (BOM, CRLF and trailing blanks ignored) */
	char raw_checksum[65];  /* SHA-256 of the bytes as they are */
	strata_exec_mode mode;
	char mode_reason[64];      /* why STATEMENTS: "-- strata:no-transaction", "CREATE INDEX CONCURRENTLY", ... */
	int64_t lock_timeout_ms;       /* -- strata:lock-timeout, or STRATA_CONFIG_INHERIT */
	int64_t statement_timeout_ms;  /* -- strata:statement-timeout, or STRATA_CONFIG_INHERIT */
	int nstatements;           /* statements in sql */
} strata_sql_part;

typedef struct strata_migration {
	char *version;            /* as written: "0003", "202611211030" */
	char *name;               /* the slug */
	strata_sql_part up;
	strata_sql_part down;     /* path NULL when the migration has no down */
	char **requires;          /* "track/version" from -- strata:requires= */
	size_t nrequires;
} strata_migration;

typedef struct strata_source {
	const strata_track_config *track;   /* not owned */
	char *root;                         /* the project root the parts' paths are relative to */
	strata_layout layout;               /* as configured or detected */
	strata_version_scheme scheme;       /* as configured or detected */
	strata_migration *migrations;       /* in version order */
	size_t n;
} strata_source;

/*
 * Reads a track's folder and validates every file, before any database
 * contact: names and versions (pattern, duplicates, gaps in sequential
 * tracks, a mixed scheme), a missing down where the track requires one,
 * invalid UTF-8 or NUL bytes, empty files, unknown or misplaced directives,
 * SQL syntax errors, and statements that cannot run inside a transaction in
 * a file not marked no-transaction. Every problem goes into *problems (with
 * file and line); the call still returns 0 then, with a best-effort source.
 * Failures of the call itself (unreadable folder, out of memory) are errors.
 * root is the project root that problem paths are relative to.
 */
STRATA_API int strata_source_load(strata_source **out, const strata_track_config *track,
	const char *root, strata_problems *problems, strata_error *err);
STRATA_API void strata_source_free(strata_source *source);

/* Compares two versions numerically ("0010" > "9"); timestamps with and without seconds compare by time. */
STRATA_API int strata_version_compare(const char *a, const char *b);

/*
 * The next version for `migrate new`: max + 1 keeping the width (sequential,
 * "0001" for an empty track) or the current UTC time (timestamp, with
 * seconds unless the track's files have none).
 */
STRATA_API int strata_source_next_version(strata_buf *out, const strata_source *source);

/* ------------------------------------------------------------------------
 * Ledger
 * ------------------------------------------------------------------------ */

typedef struct strata_applied {
	char *track;
	char *version;
	char *name;
	char checksum[65];
	char down_checksum[65];    /* "" when applied without a down */
	char applied_at[40];       /* ISO 8601 */
	char applied_by[128];      /* "role (os user, CI identity)" */
	double duration_ms;
	double lock_wait_ms;
	int baseline;              /* recorded by baseline, never run by strata */
} strata_applied;

typedef struct strata_in_progress {
	char *track;
	char *version;
	char checksum[65];
	int statements_done;       /* statements of the up (or down) already done */
	int reverting;             /* the journal is of a down */
} strata_in_progress;

typedef struct strata_ledger {
	char *schema;
	int exists;                /* the ledger tables exist in the database */
	strata_applied *applied;   /* sorted by track, then version */
	size_t napplied;
	strata_in_progress *progress;
	size_t nprogress;
} strata_ledger;

/* Reads the ledger of the given tracks (all when ntracks is 0) in one query. Absent ledger: exists 0. */
STRATA_API int strata_ledger_read(strata_ledger **out, strata_conn *c, const char *schema,
	const char *const *tracks, size_t ntracks, strata_error *err);
STRATA_API void strata_ledger_free(strata_ledger *ledger);

/* Creates the ledger schema and tables when missing (idempotent; the runner calls it). */
STRATA_API int strata_ledger_ensure(strata_conn *c, const char *schema, strata_error *err);

/* ------------------------------------------------------------------------
 * Status: files against the ledger
 * ------------------------------------------------------------------------ */

typedef enum strata_mig_state {
	STRATA_MIG_APPLIED = 0,     /* applied, file unchanged */
	STRATA_MIG_PENDING,         /* file not applied yet */
	STRATA_MIG_CHANGED,         /* applied, but the file changed since */
	STRATA_MIG_MISSING,         /* applied, but no file any more */
	STRATA_MIG_OUT_OF_ORDER,    /* pending, older than the newest applied one */
	STRATA_MIG_PARTIAL          /* a statement-by-statement run stopped half-way */
} strata_mig_state;

typedef struct strata_status_entry {
	const char *track;               /* not owned */
	const char *version;
	const char *name;
	strata_mig_state state;
	const strata_migration *file;    /* NULL when MISSING */
	const strata_applied *applied;   /* NULL when PENDING/OUT_OF_ORDER */
	int statements_done;             /* PARTIAL: how far it got */
	const strata_in_progress *progress;  /* PARTIAL: the journal */
} strata_status_entry;

typedef struct strata_status {
	strata_status_entry *entries;    /* per track, in version order */
	size_t n;
	size_t applied, pending, changed, missing, out_of_order, partial;
} strata_status;

/*
 * Compares sources with the ledger. allow_out_of_order (per track, from the
 * config or the command line) turns OUT_OF_ORDER into PENDING.
 */
STRATA_API int strata_status_compute(strata_status **out, strata_source *const *sources,
	size_t nsources, const strata_ledger *ledger, int force_allow_out_of_order, strata_error *err);
STRATA_API void strata_status_free(strata_status *status);

STRATA_API const char *strata_mig_state_name(strata_mig_state state);

/* ------------------------------------------------------------------------
 * Plans and runs
 * ------------------------------------------------------------------------ */

typedef enum strata_direction {
	STRATA_UP = 0,
	STRATA_DOWN
} strata_direction;

struct strata_migrate_event;

struct st_step_impl;

typedef struct strata_plan_step {
	const strata_source *source;        /* not owned */
	const strata_migration *migration;  /* not owned */
	strata_direction direction;
	char *why;                          /* "pending", "resumes at statement 3", ... */
	int resume_from;                    /* STATEMENTS mode: statements already done */
	/* Exactly what the runner sends, as text: what a dry run shows. */
	char *sql;
	struct st_step_impl *impl;          /* the runner's own view; internal */
} strata_plan_step;

typedef struct strata_plan {
	char *prologue;        /* sent once before the steps: the session's timeouts */
	char *epilogue;        /* sent once after them */
	strata_plan_step *steps;
	size_t n;
} strata_plan;

typedef struct strata_run_options {
	const strata_project_config *config;
	strata_direction direction;
	const char *to_version;      /* up/down to (inclusive for up, exclusive for down), or NULL */
	int steps;                   /* at most this many (0: no limit) */
	int allow_out_of_order;
	int dry_run;
	int no_wait;                 /* fail at once when another runner holds the lock */
	int64_t lock_wait_ms;        /* -1: from the config */
	int64_t lock_timeout_ms;     /* -1: from the config / track / file */
	int64_t statement_timeout_ms;/* -1: from the config / track / file */
	int lock_retries;            /* -1: from the config */
	/*
	 * Make every migration durable before the next one starts. By default
	 * migrations commit without waiting for their WAL flush and each batch
	 * (one round trip) ends with one commit that waits: a crash can then
	 * undo only whole migrations from the end of the batch, each with its
	 * ledger row, and the run fails; nothing is half-applied.
	 */
	int flush_each;
	/*
	 * Lint findings accepted for this run (strata migrate up --accept-risk):
	 * each is recorded as an 'accept_risk' event of its migration, in the
	 * transaction that records the migration's apply.
	 */
	const struct strata_accepted_risk *accepted;
	size_t naccepted;
	/* Progress: called for each event (see strata_migrate_event); may be NULL. */
	void (*on_event)(const struct strata_migrate_event *ev, void *ud);
	void *ud;
} strata_run_options;

#define STRATA_RUN_OPTIONS_INIT { NULL, STRATA_UP, NULL, 0, 0, 0, 0, -1, -1, -1, -1, 0, NULL, 0, NULL, NULL }

/* A lint finding accepted for a migration, with the reason (see strata_run_options). */
typedef struct strata_accepted_risk {
	const char *track, *version;   /* the migration it belongs to */
	const char *rule;              /* the lint rule */
	const char *reason;            /* why it is accepted (--reason) */
	const char *message;           /* the finding */
	const char *file;
	int line;
	const char *fingerprint;
} strata_accepted_risk;

typedef enum strata_event_kind {
	STRATA_EV_LOCK_WAIT = 0,     /* waiting for another runner (holder in message) */
	STRATA_EV_START,             /* a migration starts */
	STRATA_EV_STATEMENT,         /* a statement of a STATEMENTS migration completed */
	STRATA_EV_RETRY,             /* a lock timeout; retrying after a pause */
	STRATA_EV_DONE,              /* a migration completed */
	STRATA_EV_ERROR,             /* a migration failed (nothing of it kept, or resumable) */
	STRATA_EV_WARNING            /* long-running migration, proxy detected, ... */
} strata_event_kind;

/*
 * Rows of a table a migration changes (writes to, alters, drops), counted
 * in the migration's own transaction just before and just after it. -1: the
 * table did not exist (or was not a table). A table over 64 MiB is not
 * scanned: its count is the planner's estimate and *_estimated is set.
 */
typedef struct strata_row_count {
	const char *table;           /* as the migration names it */
	long long before, after;
	int before_estimated, after_estimated;
} strata_row_count;

typedef struct strata_migrate_event {
	strata_event_kind kind;
	const char *target;          /* fleet target name, or NULL */
	const char *track;
	const char *version;
	const char *name;
	strata_direction direction;
	double duration_ms;          /* DONE, ERROR */
	double lock_wait_ms;         /* DONE */
	int statement;               /* STATEMENT, ERROR: 1-based index; 0 when not known */
	int statements;              /* total statements (STATEMENTS mode) */
	int attempt, max_attempts;   /* RETRY */
	int delay_ms;                /* RETRY */
	const char *message;         /* ERROR, WARNING, LOCK_WAIT */
	const char *sqlstate;        /* ERROR */
	const char *file;            /* ERROR: where */
	int line;                    /* ERROR: line of the failing statement in the file */
	long long rows_changed;      /* DONE: rows inserted, updated or deleted */
	const strata_row_count *row_counts;  /* DONE: the tables it changes */
	size_t nrow_counts;
} strata_migrate_event;

typedef struct strata_run_result {
	size_t applied;              /* migrations applied (or reverted) */
	size_t planned;
	double duration_ms;
	int failed;                  /* a migration failed */
} strata_run_result;

/*
 * Plans and (unless dry_run) runs migrations of the given sources on c, in
 * dependency order across tracks. Takes the migration lock of each track
 * (an advisory lock keyed by database, schema and track) first. *plan_out,
 * when not NULL, receives the plan (caller frees).
 */
STRATA_API int strata_migrate_run(strata_run_result *result, strata_plan **plan_out,
	strata_conn *c, strata_source *const *sources, size_t nsources,
	const strata_run_options *options, strata_error *err);

STRATA_API void strata_plan_free(strata_plan *plan);

/*
 * Async-signal-safe: asks a run in progress in this process to stop. The
 * running statement is cancelled; the run ends with STRATA_ETIMEOUT-class
 * error "interrupted", leaving database and ledger consistent.
 */
STRATA_API void strata_migrate_interrupt(void);

/* ------------------------------------------------------------------------
 * Fleets: the same migrations on many databases
 * ------------------------------------------------------------------------ */

typedef enum strata_target_state {
	STRATA_TARGET_OK = 0,
	STRATA_TARGET_FAILED,
	STRATA_TARGET_SKIPPED     /* not started: a canary or an earlier target failed */
} strata_target_state;

typedef struct strata_fleet_target_result {
	char *name;
	char *display;            /* the URL, password masked */
	int canary;
	strata_target_state state;
	strata_run_result run;
	strata_error error;       /* FAILED: why */
} strata_fleet_target_result;

typedef struct strata_fleet_result {
	strata_fleet_target_result *targets;
	size_t n;
	size_t ok, failed, skipped;
	double duration_ms;
} strata_fleet_result;

typedef struct strata_fleet_options {
	const strata_fleet_config *fleet;
	int parallel;              /* 0: the fleet file's */
	int canary;                /* -1: the fleet file's */
	int continue_on_error;     /* -1: the fleet file's */
	const char *command;       /* application_name's command */
	int connect_timeout_ms;    /* 0: 10 s */
	strata_run_options run;    /* per target; on_event gets the target's name in ev->target */
} strata_fleet_options;

/*
 * Runs strata_migrate_run (up) on every target: the ones a query lists
 * after the file's, canaries first and alone, then the rest with at most
 * `parallel` at once. On a failure no new target starts unless
 * continue_on_error. *out lists every target's outcome (free with
 * strata_fleet_result_free); the call fails only for the run as a whole
 * (no targets, the query failed, out of memory).
 */
STRATA_API int strata_fleet_run(strata_fleet_result **out, strata_source *const *sources,
	size_t nsources, const strata_fleet_options *options, strata_error *err);
STRATA_API void strata_fleet_result_free(strata_fleet_result *result);

/* Records migrations up to and including version as applied without running them (adoption). */
STRATA_API int strata_migrate_baseline(strata_conn *c, const strata_project_config *config,
	const strata_source *source, const char *version, strata_error *err);

/* Accepts an intentional edit: stores the file's current checksums for version, with who and why. */
STRATA_API int strata_migrate_repair(strata_conn *c, const strata_project_config *config,
	const strata_source *source, const char *version, const char *reason, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
