/*
 * locks_int.h: what the lock model's files share (src/sql/locks*.c only).
 * locks.c walks statements and owns the effect list, locks_alter.c knows
 * ALTER TABLE's subcommands and storage parameters, locks_column.c knows
 * column defaults (volatility) and type changes (binary coercibility),
 * locks_query.c knows queries and CREATE TABLE.
 */
#ifndef STRATA_SRC_SQL_LOCKS_INT_H
#define STRATA_SRC_SQL_LOCKS_INT_H

#include "sql/locks.h"

#include "base/base.h"

/* A statement the model knows (locks_stmt.c). */
struct lk_builder;
typedef struct lk_stmt_rule lk_stmt_rule;
struct lk_stmt_rule {
	const char *node;        /* the node's name, e.g. "IndexStmt" */
	void (*fn)(struct lk_builder *b, const st_tree_node *body, const lk_stmt_rule *r);
	const char *action;
	const char *member;      /* the relation member, for the simple statements */
	st_lock_level level;
	const char *note;
};

/* PostgreSQL releases the model knows about; older ones are treated as 10. */
#define LK_PG11 110000
#define LK_PG12 120000
#define LK_PG14 140000

/* The effects of one statement as they are built. */
typedef struct lk_builder {
	st_lock_effect *v;
	size_t n, cap;
	int pg_version;                /* resolved: never 0 */
	const st_lock_context *ctx;    /* never NULL (an empty one when the caller gave none) */
	const st_tree_node *stmt;      /* the wrapped statement node */
	int failed;                    /* out of memory: the result is discarded */
} lk_builder;

/*
 * Appends an effect on relation (copied; NULL for none) with table_level =
 * level and location, nothing else set. Returns it (valid until the next
 * append) or NULL when out of memory, which also sets b->failed.
 */
st_lock_effect *lk_add(lk_builder *b, const char *action, const char *relation, st_lock_level level,
	int location);

/*
 * Appends an effect on the relation a RangeVar body names
 * ({"relname": ..., "schemaname": ...}), located at its "location". A
 * RangeVar without relname gives an effect without relation.
 */
st_lock_effect *lk_add_rangevar(lk_builder *b, const char *action, const st_tree_node *rv,
	st_lock_level level);

/*
 * The qualified name of a RangeVar body, or of a list of String nodes
 * (DROP, COMMENT) without its last `drop_last` items, into out (reset
 * first). 0 when there is a name, -1 when none (out is then empty or failed).
 */
int lk_rangevar_name(strata_buf *out, const st_tree_node *rv);
int lk_names_join(strata_buf *out, const st_tree_node *list, unsigned drop_last);

/* The "location" member of a node body, or -1. */
int lk_location(const st_tree_node *body);

/* A DefElem's boolean value: no argument is true; true/on/yes/1 and false/off/no/0. */
int lk_defelem_true(const st_tree_node *defelem_body);
/* The first DefElem named name in a list of {"DefElem": ...}, or NULL. */
const st_tree_node *lk_defelem_find(const st_tree_node *list, const char *name);

/* ALTER TABLE / INDEX / VIEW / MATERIALIZED VIEW / SEQUENCE / FOREIGN TABLE (locks_alter.c). */
void lk_alter_table(lk_builder *b, const st_tree_node *stmt);
/* The lock a list of storage parameters needs: the strongest of theirs (locks_alter.c). */
st_lock_level lk_reloptions_level(const st_tree_node *options);

/* ADD COLUMN (locks_column.c): the table's effect and the tables its REFERENCES name. */
void lk_add_column(lk_builder *b, const char *relation, const st_tree_node *coldef, int location);
/* ALTER COLUMN ... TYPE (locks_column.c). */
void lk_alter_column_type(lk_builder *b, const char *relation, const st_tree_node *cmd);

/* Queries (locks_query.c): every table a statement node reads or writes. */
void lk_query_stmt(lk_builder *b, const st_tree_node *stmt, const char *action);
/* A new relation (newrel, a RangeVar body) at new_level, and what query reads. */
void lk_create_as(lk_builder *b, const char *action, const st_tree_node *newrel, st_lock_level new_level,
	const char *note, const st_tree_node *query);
/* CREATE TABLE: the new table and the tables it references, inherits or copies. */
void lk_create_table(lk_builder *b, const st_tree_node *body);

/* The rule for a statement node's name, or NULL. */
const lk_stmt_rule *lk_stmt_rule_find(const char *node);

int lk_stmt_tables_sorted(void);
int lk_alter_tables_sorted(void);
int lk_column_tables_sorted(void);

#endif
