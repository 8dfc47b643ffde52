/*
 * sql/locks.h: PostgreSQL's lock model as data. Given one statement's parse
 * tree (libpg_query's JSON read by sql/tree.h), which relations it locks, in
 * which mode, and whether it rewrites or scans a table while holding the
 * lock: what `strata lint` needs to say "this blocks writes to 'orders'
 * while it scans the table".
 *
 * The knowledge lives in tables (statement nodes, ALTER TABLE subcommands,
 * storage parameters, column types, volatile functions) written from
 * PostgreSQL's documentation and checked against a real server
 * (tests/integration/test_lock_model.c runs every statement of a corpus in a
 * transaction and compares pg_locks and relfilenode with this model).
 * Facts that changed between releases depend on st_lock_context.pg_version.
 *
 * What a parse tree cannot tell is stated in each effect's note: the tables
 * a foreign key references when only the constraint's name is given, the
 * default partition, partitions and inheritance children an ALTER TABLE
 * recurses to, a column's current type (unless the context can look it up).
 */
#ifndef STRATA_SRC_SQL_LOCKS_H
#define STRATA_SRC_SQL_LOCKS_H

#include <stddef.h>

#include "strata/error.h"

#include "sql/tree.h"

/* PostgreSQL's table lock modes, weakest first (the same order as its lock numbers). */
typedef enum st_lock_level {
	ST_LOCK_NONE = 0,
	ST_LOCK_ACCESS_SHARE,
	ST_LOCK_ROW_SHARE,
	ST_LOCK_ROW_EXCLUSIVE,
	ST_LOCK_SHARE_UPDATE_EXCLUSIVE,
	ST_LOCK_SHARE,
	ST_LOCK_SHARE_ROW_EXCLUSIVE,
	ST_LOCK_EXCLUSIVE,
	ST_LOCK_ACCESS_EXCLUSIVE
} st_lock_level;

/* "ACCESS EXCLUSIVE", ..., "NONE"; "UNKNOWN" out of range. Static. */
const char *st_lock_level_name(st_lock_level l);

/* Which common operations a lock level blocks while held: a bit set of */
#define ST_BLOCKS_READS 0x1          /* SELECT (ACCESS SHARE) */
#define ST_BLOCKS_WRITES 0x2         /* INSERT/UPDATE/DELETE (ROW EXCLUSIVE) */
#define ST_BLOCKS_LOCKING_READS 0x4  /* SELECT FOR UPDATE/SHARE (ROW SHARE) */
#define ST_BLOCKS_VACUUM 0x8         /* VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE) */
#define ST_BLOCKS_INDEX_BUILDS 0x10  /* CREATE INDEX (SHARE) */
#define ST_BLOCKS_DDL 0x20           /* ALTER TABLE and other ACCESS EXCLUSIVE work */

/* From PostgreSQL's lock conflict table: what l conflicts with, as ST_BLOCKS_ bits. */
unsigned st_lock_blocks(st_lock_level l);

/* Nonzero when a lock held in mode a makes a request for mode b wait. */
int st_lock_conflicts(st_lock_level a, st_lock_level b);

typedef struct st_lock_effect {
	const char *action;     /* static: "CREATE INDEX", "ALTER TABLE ADD COLUMN", "ALTER TABLE SET NOT NULL", ... */
	char *relation;         /* the relation locked, as written (schema.name when qualified); NULL when none */
	st_lock_level level;    /* the lock on relation */
	int rewrites;           /* rewrites the relation (for a table: and its indexes); duration grows with size */
	int scans;              /* reads the whole table while holding the lock (validation, index build);
	                           0 when rewrites is set, which reads it anyway */
	int concurrently;       /* the CONCURRENTLY form: no long-held strong lock; all but REFRESH
	                           MATERIALIZED VIEW CONCURRENTLY cannot run in a transaction block */
	int location;           /* byte offset in the parsed text of the most specific node that has one
	                           (the column or constraint of a subcommand, else the relation), or -1 */
	const char *note;       /* static: why, or what the tree cannot tell; NULL when nothing to add */
	int relation_is_index;  /* relation names an index (DROP INDEX, REINDEX INDEX, ALTER INDEX) */
	st_lock_level table_level; /* with relation_is_index: the lock on the index's table (NONE when the
	                              table is not locked); otherwise equal to level */
} st_lock_effect;

/* PostgreSQL versions as server_version_num; 0 in st_lock_context means this one. */
#define ST_LOCK_LATEST_VERSION 170000

typedef struct st_lock_context {   /* what the model may need to know; all optional */
	int pg_version;          /* e.g. 150000; 0 = latest supported (17) */
	/*
	 * Looks up a column's current type as format_type spells it (e.g.
	 * "character varying(20)", "numeric(10,2)", "timestamp(3) without time
	 * zone") for ALTER COLUMN TYPE coercibility. NULL, or returning NULL:
	 * unknown, and the change is assumed to rewrite the table.
	 */
	const char *(*column_type)(void *arg, const char *relation, const char *column);
	void *arg;               /* passed to the lookups */
	/*
	 * The volatility of a function a new column's default calls: 'v', 's' or
	 * 'i' as pg_proc.provolatile, or 0 when unknown. schema is NULL when the
	 * call is not qualified. Functions neither this nor the model's table of
	 * built-ins knows are assumed volatile (a rewrite).
	 */
	char (*function_volatility)(void *arg, const char *schema, const char *name);
} st_lock_context;

/*
 * The effects of one statement (stmt = the wrapped node, e.g.
 * {"AlterTableStmt": {...}}): one per ALTER TABLE subcommand, one for most
 * other statements, several when a statement locks several relations (a
 * foreign key locks both tables with SHARE ROW EXCLUSIVE). Statements known
 * to lock no table (CREATE FUNCTION, ALTER TYPE ... ADD VALUE) give one
 * effect with level NONE and no relation. Unknown statements and anything
 * that is not a statement node give zero effects. ctx may be NULL.
 *
 * *out is allocated (NULL when *n is 0); free it with st_lock_effects_free.
 * Failures: STRATA_ENOMEM only, and then *out is NULL and *n is 0.
 */
int st_lock_effects(st_lock_effect **out, size_t *n, const st_tree_node *stmt,
	const st_lock_context *ctx, strata_error *err);
void st_lock_effects_free(st_lock_effect *e, size_t n);

/* For the tests: nonzero when every lookup table of the model is sorted for bsearch. */
int st_lock_tables_sorted(void);

#endif
