/*
 * seed_int.h: internals of the seed module (src/seed only).
 *
 * Seeds live in the migration ledger's schema and are checked the way
 * migration files are: the same checksums (st_text_checksums, so that a
 * changed file means the same thing in both) and the same actor columns
 * (st_actor_os_user, st_actor_ci). Everything else comes through public
 * headers.
 */
#ifndef STRATA_SRC_SEED_INT_H
#define STRATA_SRC_SEED_INT_H

#include "strata/migrate.h"
#include "strata/seed.h"
#include "strata/sql.h"

#include "base/base.h"
#include "crypto/crypto.h"

/* Seed files larger than this are refused (as migration files are). */
#define ST_SEED_MAX_FILE_SIZE ((size_t)64 << 20)

/* ---- ledger.c: the seeds table ---- */

/* Appends schema quoted as an identifier. */
int st_seed_ident(strata_buf *out, const char *schema);

/*
 * Creates the ledger (strata_ledger_ensure) and its seeds table when
 * missing or older than this strata's revision of it.
 */
int st_seed_ledger_ensure(strata_conn *c, const char *schema, strata_error *err);

/* The file names and checksums the seeds table holds. */
typedef struct st_seed_row {
	char *file;
	char checksum[65];
} st_seed_row;

typedef struct st_seed_ledger {
	st_seed_row *rows;     /* sorted by file */
	size_t n;
} st_seed_ledger;

/* Reads the seeds table; a database without it (or without the ledger) reads as empty. */
int st_seed_ledger_read(st_seed_ledger *out, strata_conn *c, const char *schema, strata_error *err);
void st_seed_ledger_release(st_seed_ledger *l);
/* The checksum recorded for file, or NULL when it never ran. */
const char *st_seed_ledger_checksum(const st_seed_ledger *l, const char *file);

/*
 * The statement that records a run of f (INSERT ... ON CONFLICT DO UPDATE),
 * without a terminating ';'.
 */
int st_seed_ledger_write(strata_buf *out, strata_conn *c, const char *schema,
	const strata_seed_file *f, double duration_ms, long long rows, strata_error *err);

/* ---- guard.c: locks ---- */

typedef struct st_seed_lock {
	int64_t key;
	char name[300];
	char what[160];        /* for messages: "the migration lock of track 'default'" */
} st_seed_lock;

/*
 * Takes the migration lock of every track of config (keyed as the migration
 * runner keys them) and the seed lock, in name order, waiting up to wait_ms
 * for each. *held counts what is held (also on failure: release those).
 * on_wait is told who holds a lock before waiting for it.
 */
int st_seed_take_locks(st_seed_lock **out, size_t *held, strata_conn *c,
	const strata_project_config *config, int64_t wait_ms,
	void (*on_wait)(const char *message, void *ud), void *ud, strata_error *err);
void st_seed_release_locks(strata_conn *c, st_seed_lock *locks, size_t held);

#endif
