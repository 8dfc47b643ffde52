/*
 * locks.c: the lock model's core: lock levels and PostgreSQL's conflict
 * table, the list of effects being built, the helpers every part uses to
 * read names and options from a tree, and st_lock_effects, which finds the
 * statement's rule (locks_stmt.c) and runs it. ALTER TABLE is
 * locks_alter.c's, column defaults and type changes locks_column.c's,
 * queries and CREATE TABLE locks_query.c's.
 */
#include <string.h>

#include "sql/locks_int.h"

/* ---- levels ---- */

static const char *const level_names[] = {
	"NONE", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
	"SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
};

/* PostgreSQL's conflict table: bit m of conflicts[l] is set when l conflicts with m. */
#define B(l) (1u << (l))
static const unsigned conflicts[] = {
	0,
	B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_SHARE) | B(ST_LOCK_SHARE_ROW_EXCLUSIVE) | B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_SHARE_UPDATE_EXCLUSIVE) | B(ST_LOCK_SHARE) | B(ST_LOCK_SHARE_ROW_EXCLUSIVE) |
		B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_ROW_EXCLUSIVE) | B(ST_LOCK_SHARE_UPDATE_EXCLUSIVE) | B(ST_LOCK_SHARE_ROW_EXCLUSIVE) |
		B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_ROW_EXCLUSIVE) | B(ST_LOCK_SHARE_UPDATE_EXCLUSIVE) | B(ST_LOCK_SHARE) |
		B(ST_LOCK_SHARE_ROW_EXCLUSIVE) | B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_ROW_SHARE) | B(ST_LOCK_ROW_EXCLUSIVE) | B(ST_LOCK_SHARE_UPDATE_EXCLUSIVE) | B(ST_LOCK_SHARE) |
		B(ST_LOCK_SHARE_ROW_EXCLUSIVE) | B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
	B(ST_LOCK_ACCESS_SHARE) | B(ST_LOCK_ROW_SHARE) | B(ST_LOCK_ROW_EXCLUSIVE) |
		B(ST_LOCK_SHARE_UPDATE_EXCLUSIVE) | B(ST_LOCK_SHARE) | B(ST_LOCK_SHARE_ROW_EXCLUSIVE) |
		B(ST_LOCK_EXCLUSIVE) | B(ST_LOCK_ACCESS_EXCLUSIVE),
};
#undef B

const char *st_lock_level_name(st_lock_level l)
{
	return (unsigned)l < ST_ARRAY_LEN(level_names) ? level_names[l] : "UNKNOWN";
}

int st_lock_conflicts(st_lock_level a, st_lock_level b)
{
	if ((unsigned)a >= ST_ARRAY_LEN(conflicts) || (unsigned)b >= ST_ARRAY_LEN(conflicts))
		return 0;
	return (conflicts[a] >> b) & 1u;
}

unsigned st_lock_blocks(st_lock_level l)
{
	unsigned r = 0;

	if (st_lock_conflicts(l, ST_LOCK_ACCESS_SHARE))
		r |= ST_BLOCKS_READS;
	if (st_lock_conflicts(l, ST_LOCK_ROW_EXCLUSIVE))
		r |= ST_BLOCKS_WRITES;
	if (st_lock_conflicts(l, ST_LOCK_ROW_SHARE))
		r |= ST_BLOCKS_LOCKING_READS;
	if (st_lock_conflicts(l, ST_LOCK_SHARE_UPDATE_EXCLUSIVE))
		r |= ST_BLOCKS_VACUUM;
	if (st_lock_conflicts(l, ST_LOCK_SHARE))
		r |= ST_BLOCKS_INDEX_BUILDS;
	if (st_lock_conflicts(l, ST_LOCK_ACCESS_EXCLUSIVE))
		r |= ST_BLOCKS_DDL;
	return r;
}

/* ---- building effects ---- */

st_lock_effect *lk_add(lk_builder *b, const char *action, const char *relation, st_lock_level level,
	int location)
{
	st_lock_effect *e;

	if (b->failed)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		st_lock_effect *v = st_realloc(b->v, cap * sizeof(*v));

		if (v == NULL) {
			b->failed = 1;
			return NULL;
		}
		b->v = v;
		b->cap = cap;
	}
	e = &b->v[b->n];
	memset(e, 0, sizeof(*e));
	if (relation != NULL && (e->relation = st_strdup(relation)) == NULL) {
		b->failed = 1;
		return NULL;
	}
	b->n++;
	e->action = action;
	e->level = level;
	e->table_level = level;
	e->location = location;
	return e;
}

static int put_name_part(strata_buf *out, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	if (out->len > 0)
		strata_buf_putc(out, '.');
	strata_buf_puts(out, s);
	return 1;
}

int lk_rangevar_name(strata_buf *out, const st_tree_node *rv)
{
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));

	strata_buf_clear(out);
	if (rel == NULL || rel[0] == '\0')
		return -1;
	put_name_part(out, st_tree_str(st_tree_get(rv, "catalogname")));
	put_name_part(out, st_tree_str(st_tree_get(rv, "schemaname")));
	put_name_part(out, rel);
	return strata_buf_failed(out) ? -1 : 0;
}

int lk_names_join(strata_buf *out, const st_tree_node *list, unsigned drop_last)
{
	const st_tree_node *items = list, *m;
	unsigned count, i = 0;

	strata_buf_clear(out);
	if (st_tree_node_as(list, "List") != NULL)
		items = st_tree_get(st_tree_node_as(list, "List"), "items");
	else if (st_tree_node_as(list, "String") != NULL)
		return drop_last == 0 && put_name_part(out, st_tree_str(st_tree_get(
			st_tree_node_as(list, "String"), "sval"))) && !strata_buf_failed(out) ? 0 : -1;
	if (items == NULL || items->type != ST_TREE_ARRAY || items->count <= drop_last)
		return -1;
	count = items->count - drop_last;
	for (m = items->first; m != NULL && i < count; m = m->next, i++)
		put_name_part(out, st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval")));
	return out->len > 0 && !strata_buf_failed(out) ? 0 : -1;
}

int lk_location(const st_tree_node *body)
{
	long long v = st_tree_int(st_tree_get(body, "location"), -1);

	return v >= 0 && v <= 0x7fffffff ? (int)v : -1;
}

st_lock_effect *lk_add_rangevar(lk_builder *b, const char *action, const st_tree_node *rv,
	st_lock_level level)
{
	strata_buf name = STRATA_BUF_INIT;
	st_lock_effect *e;
	int has = lk_rangevar_name(&name, rv) == 0;

	if (strata_buf_failed(&name)) {
		b->failed = 1;
		e = NULL;
	} else {
		e = lk_add(b, action, has ? name.ptr : NULL, level, lk_location(rv));
	}
	strata_buf_release(&name);
	return e;
}

int lk_defelem_true(const st_tree_node *d)
{
	const st_tree_node *arg = st_tree_get(d, "arg");
	const char *s;

	if (arg == NULL)
		return 1;
	if (st_tree_node_as(arg, "Integer") != NULL)
		return st_tree_int(st_tree_get(st_tree_node_as(arg, "Integer"), "ival"), 0) != 0;
	if (st_tree_node_as(arg, "Boolean") != NULL)
		return st_tree_true(st_tree_get(st_tree_node_as(arg, "Boolean"), "boolval"));
	s = st_tree_str(st_tree_get(st_tree_node_as(arg, "String"), "sval"));
	if (s == NULL)
		return 1;
	return !(strcmp(s, "false") == 0 || strcmp(s, "off") == 0 || strcmp(s, "no") == 0 ||
		strcmp(s, "0") == 0);
}

const st_tree_node *lk_defelem_find(const st_tree_node *list, const char *name)
{
	const st_tree_node *m;

	if (list == NULL || list->type != ST_TREE_ARRAY)
		return NULL;
	for (m = list->first; m != NULL; m = m->next) {
		const st_tree_node *d = st_tree_node_as(m, "DefElem");
		const char *n = st_tree_str(st_tree_get(d, "defname"));

		if (n != NULL && strcmp(n, name) == 0)
			return d;
	}
	return NULL;
}

int st_lock_effects(st_lock_effect **out, size_t *n, const st_tree_node *stmt,
	const st_lock_context *ctx, strata_error *err)
{
	static const st_lock_context no_context;
	const char *type = st_tree_node_type(stmt);
	const st_tree_node *body = st_tree_node_body(stmt);
	const lk_stmt_rule *r;
	lk_builder b;

	*out = NULL;
	*n = 0;
	if (type == NULL || body == NULL || body->type != ST_TREE_OBJECT)
		return 0;
	r = lk_stmt_rule_find(type);
	if (r == NULL)
		return 0;
	memset(&b, 0, sizeof(b));
	b.ctx = ctx != NULL ? ctx : &no_context;
	b.pg_version = b.ctx->pg_version > 0 ? b.ctx->pg_version : ST_LOCK_LATEST_VERSION;
	b.stmt = stmt;
	r->fn(&b, body, r);
	if (b.failed) {
		st_lock_effects_free(b.v, b.n);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory in the lock model");
	}
	if (b.n == 0) {
		st_free(b.v);
		return 0;
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

void st_lock_effects_free(st_lock_effect *e, size_t n)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < n; i++)
		st_free(e[i].relation);
	st_free(e);
}

int st_lock_tables_sorted(void)
{
	return lk_stmt_tables_sorted() && lk_alter_tables_sorted() && lk_column_tables_sorted();
}
