/*
 * ops_int.h: what the operations family's files share (rules_ops.c, the
 * rules; ops_locks.c, its lock table and tree helpers).
 */
#ifndef STRATA_SRC_LINT_OPS_INT_H
#define STRATA_SRC_LINT_OPS_INT_H

#include "lint/lint_int.h"

#define OPS_MAX_LOCKS 16

/* Lock levels that block the application's reads or writes (weaker ones are OPS_WEAK). */
typedef enum ops_level {
	OPS_WEAK,
	OPS_SHARE,
	OPS_SHARE_ROW_EXCLUSIVE,
	OPS_EXCLUSIVE,
	OPS_ACCESS_EXCLUSIVE
} ops_level;

/* "SHARE", "ACCESS EXCLUSIVE", ... by level. */
extern const char *const ops_level_names[];

typedef struct ops_lock {
	char table[256];
	ops_level level;
	int location;             /* of the name in the file, or -1 */
	int via_index;            /* table is an index's name: the lock is on that index's table */
} ops_lock;

/* The existing tables a statement locks, the statement's own table first. */
typedef struct ops_locks {
	ops_lock l[OPS_MAX_LOCKS];
	size_t n;
} ops_locks;

/* The existing tables the current statement locks SHARE or stronger, into ls. */
void ops_statement_locks(const lint_ctx *c, ops_locks *ls);
/* Adds the existing relations of rels (a RangeVar body, or a list of RangeVar nodes) at level. */
void ops_lock_rels(const lint_ctx *c, ops_locks *ls, const st_tree_node *rels, ops_level level);
/* "'orders'" or "the table of index 'orders_customer'" (into buf). */
const char *ops_lock_target(const ops_lock *l, char *buf, size_t size);

/* The target server version (150000 when not given). */
int ops_pg_version(const lint_ctx *c);
/* Nonzero when n is the string s. */
int ops_str_is(const st_tree_node *n, const char *s);
/* A list of String nodes joined with dots ("schema.name") into buf; skip_last leaves the last out. */
const char *ops_dotted(const st_tree_node *list, int skip_last, char *buf, size_t size);
/* Nonzero when the DefElem name of body's list is given and not false. */
int ops_option_on(const st_tree_node *body, const char *list, const char *name);
/* Nonzero when this run created the relation name. */
int ops_is_new_name(const lint_ctx *c, const char *name);
/* Nonzero for OBJECT_TABLE, OBJECT_FOREIGN_TABLE, OBJECT_VIEW, OBJECT_MATVIEW. */
int ops_table_like(const st_tree_node *objtype);

#endif
