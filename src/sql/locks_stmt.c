/*
 * locks_stmt.c: the statements of the lock model, a table sorted by node
 * name for bsearch. Each entry names the function that reads the statement
 * and, for the simple ones, the member holding the relation and its lock.
 * ALTER TABLE is locks_alter.c's, queries and CREATE TABLE locks_query.c's.
 *
 * Levels are PostgreSQL 15's as a server shows them in pg_locks (checked by
 * tests/integration/test_lock_model.c), with the releases where they
 * changed: ALTER INDEX RENAME took ACCESS EXCLUSIVE before 12, REINDEX
 * CONCURRENTLY exists since 12, ALTER TYPE ... ADD VALUE runs in a
 * transaction block since 12.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sql/locks_int.h"

typedef lk_stmt_rule stmt_rule;

/* An effect on the relation a list of names (DROP, COMMENT) gives without its last drop_last. */
static st_lock_effect *add_names(lk_builder *b, const char *action, const st_tree_node *list,
	unsigned drop_last, st_lock_level level)
{
	strata_buf name = STRATA_BUF_INIT;
	st_lock_effect *e = NULL;

	if (lk_names_join(&name, list, drop_last) == 0)
		e = lk_add(b, action, name.ptr, level, -1);
	else if (strata_buf_failed(&name))
		b->failed = 1;
	strata_buf_release(&name);
	return e;
}

/* One relation in a member that holds a RangeVar body. */
static void stmt_one(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	st_lock_effect *e = lk_add_rangevar(b, r->action, st_tree_get(body, r->member), r->level);

	if (e != NULL)
		e->note = r->note;
}

/* Every RangeVar in a list member. */
static void stmt_list(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const st_tree_node *list = st_tree_get(body, r->member), *m;
	st_lock_effect *e;

	if (list == NULL || list->type != ST_TREE_ARRAY)
		return;
	for (m = list->first; m != NULL; m = m->next)
		if (st_tree_node_as(m, "RangeVar") != NULL &&
			(e = lk_add_rangevar(b, r->action, st_tree_node_as(m, "RangeVar"), r->level)) != NULL)
			e->note = r->note;
}

/* Statements that lock no table. */
static void stmt_none(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	st_lock_effect *e = lk_add(b, r->action, NULL, ST_LOCK_NONE, -1);

	ST_UNUSED(body);
	if (e != NULL)
		e->note = r->note;
}

static void stmt_grant(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	st_lock_effect *e = lk_add(b, st_tree_true(st_tree_get(body, "is_grant")) ? r->action : "REVOKE", NULL,
		ST_LOCK_NONE, -1);

	if (e != NULL)
		e->note = r->note;
}

static void stmt_alter_enum(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	int add = st_tree_get(body, "oldVal") == NULL;
	st_lock_effect *e = lk_add(b, add ? "ALTER TYPE ADD VALUE" : "ALTER TYPE RENAME VALUE", NULL,
		ST_LOCK_NONE, -1);

	ST_UNUSED(r);
	if (e != NULL && add)
		e->note = b->pg_version < LK_PG12 ?
			"no table lock; before PostgreSQL 12 it cannot run inside a transaction block" :
			"no table lock; the new value cannot be used until the transaction commits";
}

static void stmt_alter_table(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	ST_UNUSED(r);
	lk_alter_table(b, body);
}

/* Where an object type names a relation and what its effects are called. */
typedef struct object_rule {
	const char *objtype;
	const char *drop;        /* DROP action, NULL: not a relation */
	const char *rename;      /* RenameStmt action */
	const char *comment;     /* COMMENT ON action */
	unsigned sub;            /* 1: the relation is the name without its last part (column, trigger...) */
	int index;
	st_lock_level comment_level; /* COMMENT ON's lock: objects of a table are looked up with ACCESS SHARE */
} object_rule;

#define SUE ST_LOCK_SHARE_UPDATE_EXCLUSIVE
static const object_rule object_rules[] = {
	{ "OBJECT_COLUMN", NULL, "ALTER TABLE RENAME COLUMN", "COMMENT ON COLUMN", 1, 0, SUE },
	{ "OBJECT_FOREIGN_TABLE", "DROP FOREIGN TABLE", "ALTER FOREIGN TABLE RENAME", "COMMENT ON FOREIGN TABLE", 0, 0, SUE },
	{ "OBJECT_INDEX", "DROP INDEX", "ALTER INDEX RENAME", "COMMENT ON INDEX", 0, 1, SUE },
	{ "OBJECT_MATVIEW", "DROP MATERIALIZED VIEW", "ALTER MATERIALIZED VIEW RENAME", "COMMENT ON MATERIALIZED VIEW", 0, 0, SUE },
	{ "OBJECT_POLICY", "DROP POLICY", "ALTER POLICY RENAME", "COMMENT ON POLICY", 1, 0, ST_LOCK_ACCESS_SHARE },
	{ "OBJECT_RULE", "DROP RULE", "ALTER RULE RENAME", "COMMENT ON RULE", 1, 0, ST_LOCK_ACCESS_SHARE },
	{ "OBJECT_SEQUENCE", "DROP SEQUENCE", "ALTER SEQUENCE RENAME", "COMMENT ON SEQUENCE", 0, 0, SUE },
	{ "OBJECT_TABCONSTRAINT", NULL, "ALTER TABLE RENAME CONSTRAINT", "COMMENT ON CONSTRAINT", 1, 0, ST_LOCK_ACCESS_SHARE },
	{ "OBJECT_TABLE", "DROP TABLE", "ALTER TABLE RENAME", "COMMENT ON TABLE", 0, 0, SUE },
	{ "OBJECT_TRIGGER", "DROP TRIGGER", "ALTER TRIGGER RENAME", "COMMENT ON TRIGGER", 1, 0, ST_LOCK_ACCESS_SHARE },
	{ "OBJECT_VIEW", "DROP VIEW", "ALTER VIEW RENAME", "COMMENT ON VIEW", 0, 0, SUE },
};
#undef SUE

static int cmp_object(const void *k, const void *e)
{
	return strcmp(k, ((const object_rule *)e)->objtype);
}

static const object_rule *object_rule_of(const st_tree_node *body, const char *member)
{
	const char *t = st_tree_str(st_tree_get(body, member));

	return t == NULL ? NULL : bsearch(t, object_rules, ST_ARRAY_LEN(object_rules),
		sizeof(object_rules[0]), cmp_object);
}

static void stmt_drop(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const object_rule *o = object_rule_of(body, "removeType");
	const st_tree_node *list = st_tree_get(body, "objects"), *m;
	int conc = st_tree_true(st_tree_get(body, "concurrent"));

	ST_UNUSED(r);
	if (o == NULL || o->drop == NULL || list == NULL || list->type != ST_TREE_ARRAY)
		return;
	for (m = list->first; m != NULL; m = m->next) {
		st_lock_effect *e;

		if (o->index && conc) {
			if ((e = add_names(b, "DROP INDEX CONCURRENTLY", m, 0, ST_LOCK_SHARE_UPDATE_EXCLUSIVE)) == NULL)
				continue;
			e->concurrently = 1;
			e->note = "waits for transactions using the index; cannot run in a transaction block";
		} else if ((e = add_names(b, o->drop, m, o->sub, ST_LOCK_ACCESS_EXCLUSIVE)) == NULL) {
			continue;
		} else if (o->index) {
			e->note = "ACCESS EXCLUSIVE on the index's table too: reads and writes wait";
		} else if (strcmp(o->objtype, "OBJECT_TABLE") == 0) {
			e->note = "also ACCESS EXCLUSIVE on the tables its foreign keys reference, on its "
				"partitioned parent and default partition, and with CASCADE on what depends on it";
		}
		if (e->relation != NULL)
			e->relation_is_index = o->index;
	}
}

static void stmt_rename(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const object_rule *o = object_rule_of(body, "renameType");
	st_lock_effect *e;

	ST_UNUSED(r);
	if (o == NULL || (e = lk_add_rangevar(b, o->rename, st_tree_get(body, "relation"),
		ST_LOCK_ACCESS_EXCLUSIVE)) == NULL)
		return;
	if (o->index) {
		e->relation_is_index = 1;
		e->table_level = ST_LOCK_NONE;
		if (b->pg_version >= LK_PG12)
			e->level = ST_LOCK_SHARE_UPDATE_EXCLUSIVE;
		else
			e->note = "before PostgreSQL 12 renaming an index takes ACCESS EXCLUSIVE on it";
	}
}

static void stmt_comment(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const object_rule *o = object_rule_of(body, "objtype");
	st_lock_effect *e;

	if (o == NULL) {
		stmt_none(b, body, r);
		return;
	}
	e = add_names(b, o->comment, st_tree_get(body, "object"), o->sub, o->comment_level);
	if (e != NULL && o->index) {
		e->relation_is_index = 1;
		e->table_level = ST_LOCK_NONE;
	}
}

static void stmt_set_schema(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const object_rule *o = object_rule_of(body, "objectType");

	if (o == NULL || o->sub || st_tree_get(body, "relation") == NULL) {
		stmt_none(b, body, r);
		return;
	}
	lk_add_rangevar(b, "ALTER TABLE SET SCHEMA", st_tree_get(body, "relation"), ST_LOCK_ACCESS_EXCLUSIVE);
}

static void stmt_lock(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	long long mode = st_tree_int(st_tree_get(body, "mode"), ST_LOCK_ACCESS_EXCLUSIVE);
	stmt_rule lr = *r;

	lr.level = mode >= ST_LOCK_ACCESS_SHARE && mode <= ST_LOCK_ACCESS_EXCLUSIVE ?
		(st_lock_level)mode : ST_LOCK_ACCESS_EXCLUSIVE;
	stmt_list(b, body, &lr);
}

static void stmt_index(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	int conc = st_tree_true(st_tree_get(body, "concurrent"));
	st_lock_effect *e = lk_add_rangevar(b, conc ? "CREATE INDEX CONCURRENTLY" : r->action,
		st_tree_get(body, "relation"), conc ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE : ST_LOCK_SHARE);

	if (e == NULL)
		return;
	e->scans = 1;
	e->concurrently = conc;
	e->note = conc ? "scans the table twice and waits for running transactions, without blocking "
		"writes; cannot run in a transaction block" :
		"writes wait while the index is built; on a partitioned table every partition is locked too";
}

/* REINDEX: actions by kind, plain and CONCURRENTLY. */
static const struct reindex_rule {
	const char *kind;
	const char *plain, *conc;
} reindex_rules[] = {
	{ "REINDEX_OBJECT_DATABASE", "REINDEX DATABASE", "REINDEX DATABASE CONCURRENTLY" },
	{ "REINDEX_OBJECT_INDEX", "REINDEX INDEX", "REINDEX INDEX CONCURRENTLY" },
	{ "REINDEX_OBJECT_SCHEMA", "REINDEX SCHEMA", "REINDEX SCHEMA CONCURRENTLY" },
	{ "REINDEX_OBJECT_SYSTEM", "REINDEX SYSTEM", "REINDEX SYSTEM CONCURRENTLY" },
	{ "REINDEX_OBJECT_TABLE", "REINDEX TABLE", "REINDEX TABLE CONCURRENTLY" },
};

static int cmp_reindex(const void *k, const void *e)
{
	return strcmp(k, ((const struct reindex_rule *)e)->kind);
}

static void stmt_reindex(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const char *kind = st_tree_str(st_tree_get(body, "kind"));
	const struct reindex_rule *k = kind == NULL ? NULL : bsearch(kind, reindex_rules,
		ST_ARRAY_LEN(reindex_rules), sizeof(reindex_rules[0]), cmp_reindex);
	const st_tree_node *d = lk_defelem_find(st_tree_get(body, "params"), "concurrently");
	int conc = (d != NULL && lk_defelem_true(d)) || st_tree_true(st_tree_get(body, "concurrent"));
	int old = conc && b->pg_version < LK_PG12;
	int index = k != NULL && strcmp(k->kind, "REINDEX_OBJECT_INDEX") == 0;
	int table = k != NULL && strcmp(k->kind, "REINDEX_OBJECT_TABLE") == 0;
	st_lock_effect *e;

	ST_UNUSED(r);
	if (k == NULL)
		return;
	conc = conc && !old;
	e = index || table ? lk_add_rangevar(b, conc ? k->conc : k->plain, st_tree_get(body, "relation"),
		conc ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE : ST_LOCK_SHARE) :
		lk_add(b, conc ? k->conc : k->plain, NULL, conc ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE : ST_LOCK_SHARE, -1);
	if (e == NULL)
		return;
	e->concurrently = conc;
	e->scans = 1;
	if (index && e->relation != NULL) {
		e->relation_is_index = 1;
		if (!conc) {
			e->level = ST_LOCK_ACCESS_EXCLUSIVE;
			e->rewrites = 1;
			e->scans = 0;
		}
	}
	if (old)
		e->note = "PostgreSQL 11 and earlier have no REINDEX CONCURRENTLY (a syntax error there); "
			"the plain form locks as shown";
	else if (conc)
		e->note = "builds new indexes beside the old ones and waits for running transactions; "
			"cannot run in a transaction block";
	else if (index)
		e->note = "writes to the table wait (SHARE), and so does every query planned on the table, "
			"which opens the index";
	else if (table)
		e->note = "each index is rebuilt under ACCESS EXCLUSIVE: queries planned on the table wait too";
	else
		e->note = "every table, one at a time, as REINDEX TABLE; cannot run in a transaction block";
}

static void stmt_vacuum(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const st_tree_node *opts = st_tree_get(body, "options"), *rels = st_tree_get(body, "rels"), *m;
	const st_tree_node *full = lk_defelem_find(opts, "full");
	int vacuum = st_tree_true(st_tree_get(body, "is_vacuumcmd"));
	int is_full = vacuum && full != NULL && lk_defelem_true(full);
	const char *action = is_full ? "VACUUM FULL" : vacuum ? "VACUUM" : "ANALYZE";
	st_lock_level level = is_full ? ST_LOCK_ACCESS_EXCLUSIVE : ST_LOCK_SHARE_UPDATE_EXCLUSIVE;
	const char *note = is_full ? "rewrites the table under ACCESS EXCLUSIVE; cannot run in a transaction block" :
		vacuum ? "cannot run in a transaction block" : NULL;
	st_lock_effect *e;

	ST_UNUSED(r);
	if (rels == NULL || rels->type != ST_TREE_ARRAY || rels->count == 0) {
		if ((e = lk_add(b, action, NULL, level, -1)) != NULL) {
			e->rewrites = is_full;
			e->note = "every table in the database, one at a time";
		}
		return;
	}
	for (m = rels->first; m != NULL; m = m->next) {
		e = lk_add_rangevar(b, action, st_tree_get(st_tree_node_as(m, "VacuumRelation"), "relation"), level);
		if (e != NULL) {
			e->rewrites = is_full;
			e->note = note;
		}
	}
}

static void stmt_cluster(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	st_lock_effect *e = lk_add_rangevar(b, r->action, st_tree_get(body, "relation"), r->level);

	if (e == NULL)
		return;
	e->rewrites = 1;
	e->note = e->relation != NULL ? "rewrites the table in index order under ACCESS EXCLUSIVE" :
		"every table clustered before, one at a time; cannot run in a transaction block";
}

static void stmt_refresh(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	int conc = st_tree_true(st_tree_get(body, "concurrent"));
	st_lock_effect *e = lk_add_rangevar(b, conc ? "REFRESH MATERIALIZED VIEW CONCURRENTLY" : r->action,
		st_tree_get(body, "relation"), conc ? ST_LOCK_EXCLUSIVE : ST_LOCK_ACCESS_EXCLUSIVE);

	if (e == NULL)
		return;
	e->concurrently = conc;
	e->rewrites = !conc;
	e->scans = conc;
	e->note = conc ? "reads go on while the query runs and the changes are applied; needs a unique "
		"index; runs inside a transaction block" :
		"replaces the contents under ACCESS EXCLUSIVE: reads wait while the query runs";
}

static void stmt_move_all(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	st_lock_effect *e = lk_add(b, r->action, NULL, r->level, -1);

	ST_UNUSED(body);
	if (e != NULL) {
		e->rewrites = 1;
		e->note = r->note;
	}
}

static void stmt_query(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	ST_UNUSED(body);
	/* The walk starts at the wrapped node, which the driver keeps in b. */
	lk_query_stmt(b, b->stmt, r->action);
}

static void stmt_create(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	ST_UNUSED(r);
	lk_create_table(b, body);
}

static void stmt_create_as(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	const char *type = st_tree_str(st_tree_get(body, "objtype"));
	int mv = type != NULL && strcmp(type, "OBJECT_MATVIEW") == 0;

	ST_UNUSED(r);
	lk_create_as(b, mv ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS",
		st_tree_path(body, "into", "rel", (const char *)NULL), ST_LOCK_NONE,
		"a new relation: other sessions cannot see it until commit", st_tree_get(body, "query"));
}

static void stmt_view(lk_builder *b, const st_tree_node *body, const stmt_rule *r)
{
	int replace = st_tree_true(st_tree_get(body, "replace"));

	lk_create_as(b, replace ? "CREATE OR REPLACE VIEW" : r->action, st_tree_get(body, "view"),
		replace ? ST_LOCK_ACCESS_EXCLUSIVE : ST_LOCK_NONE,
		replace ? "replacing an existing view locks it ACCESS EXCLUSIVE: queries on it wait" :
		"a new view: other sessions cannot see it until commit", st_tree_get(body, "query"));
}

#define AE ST_LOCK_ACCESS_EXCLUSIVE
#define SRE ST_LOCK_SHARE_ROW_EXCLUSIVE
#define SUE ST_LOCK_SHARE_UPDATE_EXCLUSIVE
#define NOLOCK ST_LOCK_NONE
/* Sorted by node name (strcmp order). */
static const stmt_rule stmt_rules[] = {
	{ "AlterEnumStmt", stmt_alter_enum, "ALTER TYPE", NULL, NOLOCK, NULL },
	{ "AlterObjectSchemaStmt", stmt_set_schema, "ALTER SET SCHEMA", NULL, NOLOCK, "no table lock" },
	{ "AlterPolicyStmt", stmt_one, "ALTER POLICY", "table", AE, NULL },
	{ "AlterSeqStmt", stmt_one, "ALTER SEQUENCE", "sequence", SRE, NULL },
	{ "AlterTableMoveAllStmt", stmt_move_all, "ALTER TABLE ALL IN TABLESPACE", NULL, AE,
		"every relation in the tablespace is copied under ACCESS EXCLUSIVE" },
	{ "AlterTableStmt", stmt_alter_table, NULL, NULL, NOLOCK, NULL },
	{ "ClusterStmt", stmt_cluster, "CLUSTER", NULL, AE, NULL },
	{ "CommentStmt", stmt_comment, "COMMENT ON", NULL, NOLOCK, "no table lock" },
	{ "CompositeTypeStmt", stmt_none, "CREATE TYPE", NULL, NOLOCK, "no table lock" },
	{ "CreateDomainStmt", stmt_none, "CREATE DOMAIN", NULL, NOLOCK, "no table lock" },
	{ "CreateEnumStmt", stmt_none, "CREATE TYPE", NULL, NOLOCK, "no table lock" },
	{ "CreateFunctionStmt", stmt_none, "CREATE FUNCTION", NULL, NOLOCK, "no table lock" },
	{ "CreatePolicyStmt", stmt_one, "CREATE POLICY", "table", AE, NULL },
	{ "CreateSchemaStmt", stmt_none, "CREATE SCHEMA", NULL, NOLOCK,
		"no table lock (the statements inside it are not looked into)" },
	{ "CreateSeqStmt", stmt_none, "CREATE SEQUENCE", NULL, NOLOCK, "no table lock" },
	{ "CreateStatsStmt", stmt_list, "CREATE STATISTICS", "relations", SUE, NULL },
	{ "CreateStmt", stmt_create, "CREATE TABLE", NULL, NOLOCK, NULL },
	{ "CreateTableAsStmt", stmt_create_as, "CREATE TABLE AS", NULL, NOLOCK, NULL },
	{ "CreateTrigStmt", stmt_one, "CREATE TRIGGER", "relation", SRE,
		"blocks writes to the table, not reads" },
	{ "DeleteStmt", stmt_query, "DELETE", NULL, NOLOCK, NULL },
	{ "DropStmt", stmt_drop, "DROP", NULL, NOLOCK, NULL },
	{ "GrantStmt", stmt_grant, "GRANT", NULL, NOLOCK, "no table lock" },
	{ "IndexStmt", stmt_index, "CREATE INDEX", NULL, NOLOCK, NULL },
	{ "InsertStmt", stmt_query, "INSERT", NULL, NOLOCK, NULL },
	{ "LockStmt", stmt_lock, "LOCK TABLE", "relations", AE, NULL },
	{ "MergeStmt", stmt_query, "MERGE", NULL, NOLOCK, NULL },
	{ "RefreshMatViewStmt", stmt_refresh, "REFRESH MATERIALIZED VIEW", NULL, NOLOCK, NULL },
	{ "ReindexStmt", stmt_reindex, "REINDEX", NULL, NOLOCK, NULL },
	{ "RenameStmt", stmt_rename, "RENAME", NULL, NOLOCK, NULL },
	{ "RuleStmt", stmt_one, "CREATE RULE", "relation", AE, NULL },
	{ "SelectStmt", stmt_query, "SELECT", NULL, NOLOCK, NULL },
	{ "TruncateStmt", stmt_list, "TRUNCATE", "relations", AE,
		"swaps in empty files (fast, no rewrite); with CASCADE also the tables that reference it" },
	{ "UpdateStmt", stmt_query, "UPDATE", NULL, NOLOCK, NULL },
	{ "VacuumStmt", stmt_vacuum, "VACUUM", NULL, NOLOCK, NULL },
	{ "ViewStmt", stmt_view, "CREATE VIEW", NULL, NOLOCK, NULL },
};
#undef AE
#undef SRE
#undef SUE
#undef NOLOCK

static int cmp_stmt(const void *k, const void *e)
{
	return strcmp(k, ((const stmt_rule *)e)->node);
}

const lk_stmt_rule *lk_stmt_rule_find(const char *node)
{
	return bsearch(node, stmt_rules, ST_ARRAY_LEN(stmt_rules), sizeof(stmt_rules[0]), cmp_stmt);
}

#define SORTED(tbl, type, field) sorted_by((const char *)(tbl), ST_ARRAY_LEN(tbl), sizeof((tbl)[0]), \
	offsetof(type, field))

static int sorted_by(const char *base, size_t n, size_t size, size_t off)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(*(const char *const *)(base + (i - 1) * size + off),
			*(const char *const *)(base + i * size + off)) >= 0)
			return 0;
	return 1;
}

int lk_stmt_tables_sorted(void)
{
	return SORTED(stmt_rules, stmt_rule, node) && SORTED(object_rules, object_rule, objtype) &&
		SORTED(reindex_rules, struct reindex_rule, kind);
}
