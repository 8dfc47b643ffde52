/*
 * migrate_int.h: internals of the migration engine (src/migrate only).
 */
#ifndef STRATA_SRC_MIGRATE_INT_H
#define STRATA_SRC_MIGRATE_INT_H

#include "strata/migrate.h"
#include "strata/sql.h"

#include "base/base.h"
#include "crypto/crypto.h"

/* ---- version.c ---- */
/* Nonzero when s is a valid version for layout (digits; flyway also allows '.' and '_' between digit groups). */
int st_version_valid(const char *s, strata_layout layout);
/* Nonzero when s is a valid YYYYMMDDHHMM or YYYYMMDDHHMMSS timestamp. */
int st_version_is_timestamp(const char *s);

/* ---- file.c: one SQL part's content ---- */
typedef struct st_directives {
	int no_transaction;
	int64_t lock_timeout_ms;       /* STRATA_CONFIG_INHERIT when absent */
	int64_t statement_timeout_ms;
	char **requires;
	size_t nrequires;
} st_directives;

void st_directives_release(st_directives *d);

/*
 * Checks and classifies one part: UTF-8, NUL bytes, emptiness, strata
 * directives (leading comments only), syntax, and how it must run. Fills
 * the part's mode, reason, timeouts, statement count and checksums; adds
 * problems; the requires directives go to dirs. forced: the layout marked
 * it non-transactional ("transaction:false", "executeInTransaction=false"),
 * or NULL. native: strata's own layout, where a statement that cannot run in
 * a transaction needs the explicit directive instead of running as written.
 */
int st_part_check(strata_sql_part *part, st_directives *dirs, const char *forced, int native,
	strata_problems *problems, strata_error *err);

/* Line (1-based) of byte offset in text. */
int st_line_of(const char *text, size_t len, size_t offset);

/* ---- cache.c ---- */
typedef struct st_cache st_cache;
struct stat;
int st_cache_open(st_cache **out, const char *root, const strata_source *src, strata_error *err);
/*
 * Fills m's parts from the cache when file (with this stat) is known: 1 hit,
 * 0 miss, -1 no memory. A part's path takes *shown (set to NULL then).
 */
int st_cache_fill(st_cache *c, const char *file, const struct stat *st, strata_migration *m,
	char **shown);
/* Remembers a file checked without problems (its up and/or down part). */
void st_cache_put(st_cache *c, const char *file, const struct stat *st, const strata_migration *m,
	int up, int down);
void st_cache_save(st_cache *c);
void st_cache_free(st_cache *c);

/* ---- source.c ---- */
/*
 * Reads a part's SQL when the cache left it out, and checks that the file
 * still has the checksum validation saw (STRATA_EINVAL when it changed).
 */
int st_part_load_text(const strata_source *src, strata_sql_part *part, int down, strata_error *err);

/* ---- ledger.c ---- */
/* Appends schema quoted as an identifier ("strata"). */
int st_ledger_ident(strata_buf *out, const char *schema);

/* ---- plan.c ---- */

/* What one round trip of a statement-by-statement step does. */
typedef enum st_unit_kind {
	ST_UNIT_SETUP,       /* session timeouts and the progress row */
	ST_UNIT_STATEMENT,   /* file statements (a transaction block, or one wrapped statement) */
	ST_UNIT_NO_TX,       /* one statement that cannot run in a transaction, sent alone */
	ST_UNIT_PROGRESS,    /* records that the statements before it are done */
	ST_UNIT_FINAL        /* ledger row and event, progress row removed, timeouts reset */
} st_unit_kind;

typedef struct st_unit {
	st_unit_kind kind;
	char *sql;
	int first, last;     /* 1-based file statements it runs; 0 when none */
	char *index_name;    /* NO_TX CREATE INDEX CONCURRENTLY: the index, to repair on resume */
} st_unit;

struct st_step_impl {
	int nstatements;     /* statements of the file part */
	int *lines;          /* line in the file of each statement (1-based index) */
	int *dml;            /* 1 when the statement changes rows (for the rows-changed count) */
	int reset_after;     /* the part sets session state: RESET ALL (and our settings again) after it */
	/*
	 * Tables whose rows the part may change (written to, altered, dropped),
	 * counted before and after it: names as the parser gave them, and quoted
	 * for to_regclass.
	 */
	char **count_names, **count_quoted;
	size_t ncount;
	int all_gone;        /* the part drops every counted table: nothing to count after */
	/* TRANSACTION mode: statements before the file's first (BEGIN, and set_config when it overrides). */
	int prologue;
	int epilogue;        /* statements after the file's last (ledger, COMMIT, the RESET group) */
	int ledger_at;       /* the ledger write is the file's last statement + ledger_at */
	/* STATEMENTS mode: the round trips. */
	st_unit *units;
	size_t nunits;
	/* A journal of an earlier run exists (it may have stopped before its first statement completed). */
	int resuming;
	int64_t lock_timeout_ms, statement_timeout_ms;
};

/* What the planner needs from the run. */
typedef struct st_plan_ctx {
	strata_conn *conn;
	const strata_run_options *options;
	const strata_project_config *config;
	const char *schema;
	const char *os_user;
	const char *ci;
	double lock_wait_ms;
	int single_track;    /* only some tracks take part: requirements elsewhere must be applied */
	/* The session's timeouts, set once by the plan's prologue; steps override locally. */
	int64_t session_lock_ms, session_statement_ms;
	int flush_each;      /* each migration waits for its own WAL flush */
	int conn_check;      /* the server has client_connection_check_interval (14+) */
	int choose_only;     /* st_plan_build picks the steps but builds no SQL */
	/* The ledger of tracks this run leaves out that its migrations require (or NULL). */
	const strata_ledger *foreign;
} st_plan_ctx;

/* The commit that makes every earlier asynchronous commit durable (at the server's own level). */
#define ST_FLUSH_SQL "BEGIN;\nSET LOCAL synchronous_commit TO DEFAULT;\nSELECT pg_catalog.txid_current();\nCOMMIT;\n"

int st_plan_build(strata_plan **out, const st_plan_ctx *ctx, strata_source *const *sources,
	size_t nsources, const strata_status *status, strata_error *err);

/* ---- plan_sql.c ---- */
/* Parses the step's part (loaded) and builds its SQL: step->sql and the impl's units or counts. */
int st_plan_step_sql(strata_plan_step *step, const st_plan_ctx *ctx, strata_error *err);

/* ---- run.c ---- */
/* strata_migrate_run without clearing an earlier interrupt (fleets run it per target). */
int st_migrate_run(strata_run_result *result, strata_plan **plan_out, strata_conn *c,
	strata_source *const *sources, size_t nsources, const strata_run_options *options,
	int reset_interrupt, strata_error *err);
int st_migrate_interrupted(void);

#endif
