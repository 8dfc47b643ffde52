/*
 * locks_query.c: the lock model for statements that read or write rows
 * (SELECT, INSERT, UPDATE, DELETE, MERGE, and the queries inside CREATE
 * TABLE AS and CREATE VIEW), and for CREATE TABLE, whose only locks on
 * existing tables come from what it names: REFERENCES, INHERITS,
 * PARTITION OF and LIKE.
 *
 * A query is walked for RangeVar nodes: a table read is locked ACCESS
 * SHARE, the target of a write ROW EXCLUSIVE (also inside a WITH), and the
 * tables that FOR UPDATE / FOR SHARE apply to (all of a SELECT's, or those
 * named, by name or alias) ROW SHARE. Names of common table expressions
 * are not tables. Each table gives one effect, at its strongest lock.
 */
#include <string.h>

#include "sql/locks_int.h"

#define WALK_DEPTH 200
#define MAX_NAMES 64

typedef struct qrel {
	char *name;
	st_lock_level level;
	int location;
} qrel;

typedef struct walker {
	lk_builder *b;
	qrel *rels;
	size_t n, cap;
	const char *ctes[MAX_NAMES];     /* names that are common table expressions */
	size_t nctes;
	const char *locked[MAX_NAMES];   /* FOR UPDATE OF these names (tables or aliases) */
	size_t nlocked;
	int lock_all;                    /* FOR UPDATE without OF: every table of the FROM clause */
} walker;

static int is_cte(const walker *w, const st_tree_node *rv)
{
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));
	size_t i;

	if (rel == NULL || st_tree_get(rv, "schemaname") != NULL)
		return 0;
	for (i = 0; i < w->nctes; i++)
		if (strcmp(w->ctes[i], rel) == 0)
			return 1;
	return 0;
}

static void note_rel(walker *w, const st_tree_node *rv, st_lock_level level)
{
	strata_buf name = STRATA_BUF_INIT;
	size_t i;

	if (w->b->failed || rv == NULL || is_cte(w, rv))
		return;
	if (lk_rangevar_name(&name, rv) != 0) {
		if (strata_buf_failed(&name))
			w->b->failed = 1;
		strata_buf_release(&name);
		return;
	}
	for (i = 0; i < w->n; i++) {
		if (strcmp(w->rels[i].name, name.ptr) == 0) {
			if (level > w->rels[i].level)
				w->rels[i].level = level;
			strata_buf_release(&name);
			return;
		}
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		qrel *v = st_realloc(w->rels, cap * sizeof(*v));

		if (v == NULL) {
			w->b->failed = 1;
			strata_buf_release(&name);
			return;
		}
		w->rels = v;
		w->cap = cap;
	}
	w->rels[w->n].name = strata_buf_detach(&name);
	w->rels[w->n].level = level;
	w->rels[w->n].location = lk_location(rv);
	w->n++;
}

static void collect_ctes(walker *w, const st_tree_node *n, int depth)
{
	const st_tree_node *m, *cte;

	if (n == NULL || depth > WALK_DEPTH || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return;
	if ((cte = st_tree_node_as(n, "CommonTableExpr")) != NULL) {
		const char *name = st_tree_str(st_tree_get(cte, "ctename"));

		if (name != NULL && w->nctes < MAX_NAMES)
			w->ctes[w->nctes++] = name;
	}
	for (m = n->first; m != NULL; m = m->next)
		collect_ctes(w, m, depth + 1);
}

/* The lock a table read in a FROM clause gets under the SELECT's locking clauses. */
static st_lock_level read_level(const walker *w, const st_tree_node *rv)
{
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));
	const char *alias = st_tree_str(st_tree_path(rv, "alias", "aliasname", (const char *)NULL));
	size_t i;

	if (w->lock_all)
		return ST_LOCK_ROW_SHARE;
	for (i = 0; i < w->nlocked; i++)
		if ((alias != NULL && strcmp(alias, w->locked[i]) == 0) ||
			(alias == NULL && rel != NULL && strcmp(rel, w->locked[i]) == 0))
			return ST_LOCK_ROW_SHARE;
	return ST_LOCK_ACCESS_SHARE;
}

static void walk(walker *w, const st_tree_node *n, int depth, int in_from);

static void walk_members(walker *w, const st_tree_node *body, int depth, int in_from, const char *skip)
{
	const st_tree_node *m;

	for (m = body->first; m != NULL; m = m->next)
		if (skip == NULL || strcmp(m->key, skip) != 0)
			walk(w, m, depth + 1, in_from);
}

static void walk_select(walker *w, const st_tree_node *body, int depth)
{
	const st_tree_node *clauses = st_tree_get(body, "lockingClause"), *c, *m;
	size_t saved_locked = w->nlocked;
	int saved_all = w->lock_all;

	w->lock_all = 0;
	for (c = clauses != NULL && clauses->type == ST_TREE_ARRAY ? clauses->first : NULL; c != NULL; c = c->next) {
		const st_tree_node *rels = st_tree_get(st_tree_node_as(c, "LockingClause"), "lockedRels");

		if (rels == NULL || rels->type != ST_TREE_ARRAY || rels->count == 0)
			w->lock_all = 1;
		for (m = rels != NULL && rels->type == ST_TREE_ARRAY ? rels->first : NULL; m != NULL; m = m->next) {
			const char *name = st_tree_str(st_tree_get(st_tree_node_as(m, "RangeVar"), "relname"));

			if (name != NULL && w->nlocked < MAX_NAMES)
				w->locked[w->nlocked++] = name;
		}
	}
	for (m = body->first; m != NULL; m = m->next) {
		if (strcmp(m->key, "lockingClause") == 0 || strcmp(m->key, "intoClause") == 0)
			continue;
		walk(w, m, depth + 1, strcmp(m->key, "fromClause") == 0);
	}
	w->nlocked = saved_locked;
	w->lock_all = saved_all;
}

static void walk(walker *w, const st_tree_node *n, int depth, int in_from)
{
	const char *type;
	const st_tree_node *body, *m;

	if (n == NULL || depth > WALK_DEPTH || w->b->failed)
		return;
	if (n->type == ST_TREE_ARRAY) {
		for (m = n->first; m != NULL; m = m->next)
			walk(w, m, depth + 1, in_from);
		return;
	}
	if (n->type != ST_TREE_OBJECT)
		return;
	type = st_tree_node_type(n);
	body = n->first;
	if (type == NULL || body->type != ST_TREE_OBJECT) {
		walk_members(w, n, depth, in_from, NULL);
		return;
	}
	if (strcmp(type, "RangeVar") == 0) {
		note_rel(w, body, in_from ? read_level(w, body) : ST_LOCK_ACCESS_SHARE);
	} else if (strcmp(type, "InsertStmt") == 0 || strcmp(type, "UpdateStmt") == 0 ||
		strcmp(type, "DeleteStmt") == 0 || strcmp(type, "MergeStmt") == 0) {
		note_rel(w, st_tree_get(body, "relation"), ST_LOCK_ROW_EXCLUSIVE);
		walk_members(w, body, depth, 0, "relation");
	} else if (strcmp(type, "SelectStmt") == 0) {
		walk_select(w, body, depth);
	} else {
		/* Joins keep the FROM clause's locking; subqueries start their own. */
		walk_members(w, body, depth, in_from && (strcmp(type, "JoinExpr") == 0), NULL);
	}
}

/* Effects for every table query (a wrapped statement node) reads or writes. */
static void add_query(lk_builder *b, const st_tree_node *query, const char *action, const char *note)
{
	walker w;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.b = b;
	collect_ctes(&w, query, 0);
	walk(&w, query, 0, 0);
	for (i = 0; i < w.n; i++) {
		st_lock_effect *e;

		if ((e = lk_add(b, w.rels[i].level == ST_LOCK_ROW_SHARE && strcmp(action, "SELECT") == 0 ?
			"SELECT FOR UPDATE/SHARE" : action, w.rels[i].name, w.rels[i].level, w.rels[i].location)) != NULL &&
			w.rels[i].level == ST_LOCK_ROW_EXCLUSIVE)
			e->note = note;
		st_free(w.rels[i].name);
	}
	st_free(w.rels);
}

void lk_query_stmt(lk_builder *b, const st_tree_node *stmt, const char *action)
{
	const st_tree_node *into = st_tree_path(st_tree_node_as(stmt, "SelectStmt"), "intoClause", "rel",
		(const char *)NULL);
	size_t before = b->n;
	st_lock_effect *e;

	if (into != NULL && (e = lk_add_rangevar(b, "SELECT INTO", into, ST_LOCK_NONE)) != NULL)
		e->note = "a new table: other sessions cannot see it until commit";
	add_query(b, stmt, action, strcmp(action, "SELECT") == 0 ? NULL :
		"rows its foreign keys check are locked FOR KEY SHARE (ROW SHARE on the referenced tables)");
	if (b->n == before && (e = lk_add(b, action, NULL, ST_LOCK_NONE, -1)) != NULL)
		e->note = "reads no table";
}

void lk_create_as(lk_builder *b, const char *action, const st_tree_node *newrel, st_lock_level new_level,
	const char *note, const st_tree_node *query)
{
	st_lock_effect *e = lk_add_rangevar(b, action, newrel, new_level);

	if (e != NULL)
		e->note = note;
	add_query(b, query, action, NULL);
}

/* REFERENCES in a column or table constraint of CREATE TABLE. */
static void create_fk(lk_builder *b, const st_tree_node *con, const char *newname)
{
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	const st_tree_node *pk = st_tree_get(con, "pktable");
	strata_buf name = STRATA_BUF_INIT;
	st_lock_effect *e;

	if (type == NULL || strcmp(type, "CONSTR_FOREIGN") != 0 || pk == NULL)
		return;
	/* A table referencing itself locks nothing that exists. */
	if (lk_rangevar_name(&name, pk) == 0 && newname != NULL && strcmp(name.ptr, newname) == 0) {
		strata_buf_release(&name);
		return;
	}
	strata_buf_release(&name);
	if ((e = lk_add_rangevar(b, "CREATE TABLE REFERENCES", pk, ST_LOCK_SHARE_ROW_EXCLUSIVE)) != NULL) {
		e->location = lk_location(con) >= 0 ? lk_location(con) : e->location;
		e->note = "adding the foreign key's triggers blocks writes to the referenced table";
	}
}

void lk_create_table(lk_builder *b, const st_tree_node *body)
{
	const st_tree_node *elts = st_tree_get(body, "tableElts"), *inh = st_tree_get(body, "inhRelations"), *m, *c;
	int partition = st_tree_get(body, "partbound") != NULL;
	st_lock_effect *e = lk_add_rangevar(b, "CREATE TABLE", st_tree_get(body, "relation"), ST_LOCK_NONE);
	char *newname = NULL;

	if (e == NULL)
		return;
	e->note = "a new table: other sessions cannot see it until commit";
	if (e->relation != NULL && (newname = st_strdup(e->relation)) == NULL) {
		b->failed = 1;
		return;
	}
	for (m = inh != NULL && inh->type == ST_TREE_ARRAY ? inh->first : NULL; m != NULL; m = m->next) {
		e = lk_add_rangevar(b, partition ? "CREATE TABLE PARTITION OF" : "CREATE TABLE INHERITS",
			st_tree_node_as(m, "RangeVar"), partition ? ST_LOCK_ACCESS_EXCLUSIVE :
			ST_LOCK_SHARE_UPDATE_EXCLUSIVE);
		if (e != NULL && partition)
			e->note = "ACCESS EXCLUSIVE on the partitioned table; a default partition is locked too "
				"and scanned for rows that belong to the new partition";
	}
	for (m = elts != NULL && elts->type == ST_TREE_ARRAY ? elts->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *cons = st_tree_get(st_tree_node_as(m, "ColumnDef"), "constraints");

		if (st_tree_node_as(m, "Constraint") != NULL)
			create_fk(b, st_tree_node_as(m, "Constraint"), newname);
		if (st_tree_node_as(m, "TableLikeClause") != NULL)
			lk_add_rangevar(b, "CREATE TABLE LIKE", st_tree_get(st_tree_node_as(m, "TableLikeClause"),
				"relation"), ST_LOCK_ACCESS_SHARE);
		for (c = cons != NULL && cons->type == ST_TREE_ARRAY ? cons->first : NULL; c != NULL; c = c->next)
			create_fk(b, st_tree_node_as(c, "Constraint"), newname);
	}
	st_free(newname);
}
