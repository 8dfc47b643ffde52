/*
 * ops_locks.c: the operations family's lock table. Which statements lock
 * which existing tables in a mode that blocks the application's reads or
 * writes (SHARE and stronger), with PostgreSQL 15's levels as pg_locks
 * shows them; rules_ops.c's require-lock-timeout, lock-accumulation and
 * maintenance rules read it, and lint.c asks it for the first ACCESS
 * EXCLUSIVE lock of a transaction (lint_ops_strong_lock). Weaker locks
 * are left out: they make nothing of the application's wait.
 *
 * The small tree helpers the family shares live here too.
 */
#include <string.h>

#include "lint/ops_int.h"

const char *const ops_level_names[] = {
	"weak", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
};

/* ---- small tree helpers ---- */

int ops_pg_version(const lint_ctx *c)
{
	return c->opts->pg_version > 0 ? c->opts->pg_version : 150000;
}

int ops_str_is(const st_tree_node *n, const char *s)
{
	const char *v = st_tree_str(n);

	return v != NULL && strcmp(v, s) == 0;
}

/* A list of String nodes joined with dots ("schema.name"), into buf; skip_last leaves the last out. */
const char *ops_dotted(const st_tree_node *list, int skip_last, char *buf, size_t size)
{
	const st_tree_node *m;
	size_t len = 0;

	buf[0] = '\0';
	if (list == NULL || list->type != ST_TREE_ARRAY)
		return buf;
	for (m = list->first; m != NULL && !(skip_last && m->next == NULL); m = m->next) {
		const char *s = st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval"));

		st_snprintf(buf + len, size - len, "%s%s", len > 0 ? "." : "", s != NULL ? s : "?");
		len = strlen(buf);
	}
	return buf;
}

/* An option (DefElem) of a list that is on: present without a false argument. */
int ops_option_on(const st_tree_node *body, const char *list, const char *name)
{
	const st_tree_node *m, *p = st_tree_get(body, list);

	for (m = p != NULL ? p->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *d = st_tree_node_as(m, "DefElem");
		const st_tree_node *arg;
		const char *v;

		if (!ops_str_is(st_tree_get(d, "defname"), name))
			continue;
		arg = st_tree_get(d, "arg");
		if (arg == NULL)
			return 1;
		v = st_tree_str(st_tree_path(arg, "String", "sval", (const char *)NULL));
		if (v != NULL)
			return strcmp(v, "false") != 0 && strcmp(v, "off") != 0 && strcmp(v, "0") != 0;
		return st_tree_int(st_tree_path(arg, "Integer", "ival", (const char *)NULL), 1) != 0;
	}
	return 0;
}

int ops_is_new_name(const lint_ctx *c, const char *name)
{
	return lint_names_has(&c->created, name);
}

/* ---- the lock table ---- */

static void lock_add(const lint_ctx *c, ops_locks *ls, const char *table, ops_level level, int location,
	int via_index)
{
	size_t i;

	if (level == OPS_WEAK || table[0] == '\0' || (!via_index && ops_is_new_name(c, table)))
		return;
	for (i = 0; i < ls->n; i++) {
		if (strcmp(ls->l[i].table, table) == 0) {
			if (level > ls->l[i].level)
				ls->l[i].level = level;
			return;
		}
	}
	if (ls->n == OPS_MAX_LOCKS)
		return;
	st_strlcpy(ls->l[ls->n].table, table, sizeof(ls->l[ls->n].table));
	ls->l[ls->n].level = level;
	ls->l[ls->n].location = location;
	ls->l[ls->n].via_index = via_index;
	ls->n++;
}

/* A RangeVar body, or a list of {"RangeVar": ...} nodes. */
void ops_lock_rels(const lint_ctx *c, ops_locks *ls, const st_tree_node *rels, ops_level level)
{
	const st_tree_node *m;
	char name[256];

	if (rels == NULL)
		return;
	if (rels->type != ST_TREE_ARRAY) {
		lock_add(c, ls, lint_rangevar(rels, name, sizeof(name)), level, lint_location(rels), 0);
		return;
	}
	for (m = rels->first; m != NULL; m = m->next) {
		const st_tree_node *rv = st_tree_node_as(m, "RangeVar");

		if (rv != NULL)
			lock_add(c, ls, lint_rangevar(rv, name, sizeof(name)), level, lint_location(rv), 0);
	}
}

/* A foreign key (a Constraint, or a ColumnDef's) locks the table it references SHARE ROW EXCLUSIVE. */
static void lock_fk_target(const lint_ctx *c, ops_locks *ls, const st_tree_node *node)
{
	const st_tree_node *con = st_tree_node_as(node, "Constraint");
	const st_tree_node *col = st_tree_node_as(node, "ColumnDef");
	const st_tree_node *m, *list = st_tree_get(col, "constraints");

	if (con != NULL && ops_str_is(st_tree_get(con, "contype"), "CONSTR_FOREIGN"))
		ops_lock_rels(c, ls, st_tree_get(con, "pktable"), OPS_SHARE_ROW_EXCLUSIVE);
	for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next)
		lock_fk_target(c, ls, m);
}

int ops_table_like(const st_tree_node *objtype)
{
	return ops_str_is(objtype, "OBJECT_TABLE") || ops_str_is(objtype, "OBJECT_FOREIGN_TABLE") ||
		ops_str_is(objtype, "OBJECT_VIEW") || ops_str_is(objtype, "OBJECT_MATVIEW");
}

/* ALTER TABLE: the strongest level of its commands; some take less than ACCESS EXCLUSIVE. */
static ops_level alter_cmd_level(const lint_ctx *c, const st_tree_node *cmd)
{
	static const char *const share_update_exclusive[] = {
		"AT_ValidateConstraint", "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions",
		"AT_SetRelOptions", "AT_ResetRelOptions", "AT_ClusterOn", "AT_DropCluster",
		"AT_DetachPartitionFinalize",
	};
	static const char *const share_row_exclusive[] = {
		"AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_DisableTrig",
		"AT_EnableTrigAll", "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser",
	};
	const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
	const st_tree_node *def = st_tree_get(cmd, "def");
	size_t i;

	if (sub == NULL)
		return OPS_ACCESS_EXCLUSIVE;
	for (i = 0; i < ST_ARRAY_LEN(share_update_exclusive); i++)
		if (strcmp(sub, share_update_exclusive[i]) == 0)
			return OPS_WEAK;
	for (i = 0; i < ST_ARRAY_LEN(share_row_exclusive); i++)
		if (strcmp(sub, share_row_exclusive[i]) == 0)
			return OPS_SHARE_ROW_EXCLUSIVE;
	if (strcmp(sub, "AT_AttachPartition") == 0)
		return ops_pg_version(c) >= 120000 ? OPS_WEAK : OPS_ACCESS_EXCLUSIVE;
	if (strcmp(sub, "AT_DetachPartition") == 0 &&
		st_tree_true(st_tree_path(def, "PartitionCmd", "concurrent", (const char *)NULL)))
		return OPS_WEAK;
	if (strcmp(sub, "AT_AddConstraint") == 0 &&
		ops_str_is(st_tree_path(def, "Constraint", "contype", (const char *)NULL), "CONSTR_FOREIGN"))
		return OPS_SHARE_ROW_EXCLUSIVE;
	return OPS_ACCESS_EXCLUSIVE;
}

static void locks_alter_table(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *m, *cmds = st_tree_get(body, "cmds");
	ops_level level = OPS_WEAK;

	if (!ops_table_like(st_tree_get(body, "objtype")))
		return;
	for (m = cmds != NULL ? cmds->first : NULL; m != NULL; m = m->next) {
		ops_level l = alter_cmd_level(c, st_tree_node_as(m, "AlterTableCmd"));

		if (l > level)
			level = l;
	}
	ops_lock_rels(c, ls, st_tree_get(body, "relation"), level);
	for (m = cmds != NULL ? cmds->first : NULL; m != NULL; m = m->next)
		lock_fk_target(c, ls, st_tree_get(st_tree_node_as(m, "AlterTableCmd"), "def"));
}

/* CREATE TABLE ... PARTITION OF locks the parent ACCESS EXCLUSIVE; foreign keys their targets. */
static void locks_create_table(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *inh = st_tree_get(body, "inhRelations");
	const st_tree_node *m, *elts = st_tree_get(body, "tableElts");

	if (st_tree_get(body, "partbound") != NULL && inh != NULL && inh->first != NULL)
		ops_lock_rels(c, ls, st_tree_node_as(inh->first, "RangeVar"), OPS_ACCESS_EXCLUSIVE);
	for (m = elts != NULL ? elts->first : NULL; m != NULL; m = m->next)
		lock_fk_target(c, ls, m);
}

static void locks_drop(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *type = st_tree_get(body, "removeType"), *m, *objs = st_tree_get(body, "objects");
	int on_table = ops_str_is(type, "OBJECT_TRIGGER") || ops_str_is(type, "OBJECT_POLICY") ||
		ops_str_is(type, "OBJECT_RULE");
	int index = ops_str_is(type, "OBJECT_INDEX");
	char name[256];

	if (!ops_table_like(type) && !on_table && !index)
		return;
	if (index && st_tree_true(st_tree_get(body, "concurrent")))
		return;
	for (m = objs != NULL ? objs->first : NULL; m != NULL; m = m->next) {
		ops_dotted(st_tree_get(st_tree_node_as(m, "List"), "items"), on_table, name, sizeof(name));
		lock_add(c, ls, name, OPS_ACCESS_EXCLUSIVE, -1, index);
	}
}

static void locks_index(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	if (!st_tree_true(st_tree_get(body, "concurrent")))
		ops_lock_rels(c, ls, st_tree_get(body, "relation"), OPS_SHARE);
}

static void locks_lock(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	long long mode = st_tree_int(st_tree_get(body, "mode"), 8);
	ops_level level = mode >= 8 ? OPS_ACCESS_EXCLUSIVE : mode == 7 ? OPS_EXCLUSIVE :
		mode == 6 ? OPS_SHARE_ROW_EXCLUSIVE : mode == 5 ? OPS_SHARE : OPS_WEAK;

	ops_lock_rels(c, ls, st_tree_get(body, "relations"), level);
}

static void locks_refresh(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	/* CONCURRENTLY takes EXCLUSIVE, which only blocks writes, and nothing writes a materialized view. */
	if (!st_tree_true(st_tree_get(body, "concurrent")))
		ops_lock_rels(c, ls, st_tree_get(body, "relation"), OPS_ACCESS_EXCLUSIVE);
}

/* REINDEX: SHARE on the table (its indexes ACCESS EXCLUSIVE); CONCURRENTLY takes neither. */
static void locks_reindex(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *rv = st_tree_get(body, "relation");
	char name[256];

	if (ops_option_on(body, "params", "concurrently") || rv == NULL)
		return;
	if (ops_str_is(st_tree_get(body, "kind"), "REINDEX_OBJECT_INDEX"))
		lock_add(c, ls, lint_rangevar(rv, name, sizeof(name)), OPS_SHARE, lint_location(rv), 1);
	else
		ops_lock_rels(c, ls, rv, OPS_SHARE);
}

static void locks_rename(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *type = st_tree_get(body, "renameType");

	if (ops_table_like(type) || ops_str_is(type, "OBJECT_TABCONSTRAINT") ||
		ops_str_is(type, "OBJECT_TRIGGER") || ops_str_is(type, "OBJECT_POLICY") ||
		ops_str_is(type, "OBJECT_RULE") ||
		(ops_str_is(type, "OBJECT_COLUMN") && ops_table_like(st_tree_get(body, "relationType"))))
		ops_lock_rels(c, ls, st_tree_get(body, "relation"), OPS_ACCESS_EXCLUSIVE);
}

static void locks_vacuum(const lint_ctx *c, const st_tree_node *body, ops_locks *ls)
{
	const st_tree_node *m, *rels = st_tree_get(body, "rels");

	if (!st_tree_true(st_tree_get(body, "is_vacuumcmd")) || !ops_option_on(body, "options", "full"))
		return;
	for (m = rels != NULL ? rels->first : NULL; m != NULL; m = m->next)
		ops_lock_rels(c, ls, st_tree_get(st_tree_node_as(m, "VacuumRelation"), "relation"),
			OPS_ACCESS_EXCLUSIVE);
}

typedef void (*locks_fn)(const lint_ctx *c, const st_tree_node *body, ops_locks *ls);

/*
 * The statements that lock an existing table SHARE or stronger. A row
 * names the level and the member holding the relation (a RangeVar or a
 * list of them), or a function for the statements whose locks depend on
 * their options. Everything else takes weaker locks or none on tables.
 */
static const struct lock_kind {
	const char *node;
	ops_level level;
	const char *member;
	locks_fn fn;
} lock_kinds[] = {
	{ "AlterPolicyStmt", OPS_ACCESS_EXCLUSIVE, "table", NULL },
	{ "AlterTableStmt", OPS_WEAK, NULL, locks_alter_table },       /* per command, FK targets too */
	{ "ClusterStmt", OPS_ACCESS_EXCLUSIVE, "relation", NULL },
	{ "CreatePolicyStmt", OPS_ACCESS_EXCLUSIVE, "table", NULL },
	{ "CreateStmt", OPS_WEAK, NULL, locks_create_table },          /* PARTITION OF, FK targets */
	{ "CreateTrigStmt", OPS_SHARE_ROW_EXCLUSIVE, "relation", NULL },
	{ "DropStmt", OPS_WEAK, NULL, locks_drop },                    /* tables, views, triggers, ... */
	{ "IndexStmt", OPS_WEAK, NULL, locks_index },                  /* SHARE unless CONCURRENTLY */
	{ "LockStmt", OPS_WEAK, NULL, locks_lock },                    /* the mode given */
	{ "RefreshMatViewStmt", OPS_WEAK, NULL, locks_refresh },
	{ "ReindexStmt", OPS_WEAK, NULL, locks_reindex },
	{ "RenameStmt", OPS_WEAK, NULL, locks_rename },                /* tables, columns, constraints */
	{ "RuleStmt", OPS_ACCESS_EXCLUSIVE, "relation", NULL },
	{ "TruncateStmt", OPS_ACCESS_EXCLUSIVE, "relations", NULL },
	{ "VacuumStmt", OPS_WEAK, NULL, locks_vacuum },                /* FULL */
};

/* The existing tables the current statement locks SHARE or stronger. */
void ops_statement_locks(const lint_ctx *c, ops_locks *ls)
{
	size_t i;

	ls->n = 0;
	for (i = 0; i < ST_ARRAY_LEN(lock_kinds); i++) {
		const struct lock_kind *k = &lock_kinds[i];

		if (strcmp(k->node, c->type) != 0)
			continue;
		if (k->fn != NULL)
			k->fn(c, c->body, ls);
		else
			ops_lock_rels(c, ls, st_tree_get(c->body, k->member), k->level);
		return;
	}
}

const char *lint_ops_strong_lock(const lint_ctx *c, char *buf, size_t size)
{
	ops_locks ls;
	size_t i;

	ops_statement_locks(c, &ls);
	/* DROP INDEX's table is not known: it is left out. */
	for (i = 0; i < ls.n; i++) {
		if (ls.l[i].level == OPS_ACCESS_EXCLUSIVE && !ls.l[i].via_index) {
			st_strlcpy(buf, ls.l[i].table, size);
			return buf;
		}
	}
	return NULL;
}

/* "'orders'" or "the table of index 'orders_customer'". */
const char *ops_lock_target(const ops_lock *l, char *buf, size_t size)
{
	if (l->via_index)
		st_snprintf(buf, size, "the table of index '%s'", l->table);
	else
		st_snprintf(buf, size, "'%s'", l->table);
	return buf;
}

/* ---- lock_timeout ---- */

int lint_ops_lock_timeout(const lint_ctx *c)
{
	const st_tree_node *args, *arg;
	const char *s;
	int64_t ms;

	if (strcmp(c->type, "VariableSetStmt") != 0 || !ops_str_is(st_tree_get(c->body, "name"), "lock_timeout"))
		return -1;
	/* RESET and DEFAULT give the server's default: no timeout, as far as a migration can know. */
	if (!ops_str_is(st_tree_get(c->body, "kind"), "VAR_SET_VALUE"))
		return 0;
	args = st_tree_get(c->body, "args");
	arg = st_tree_node_as(args != NULL ? args->first : NULL, "A_Const");
	s = st_tree_str(st_tree_path(arg, "sval", "sval", (const char *)NULL));
	if (s != NULL)
		return st_parse_duration_ms(&ms, s, INT64_MAX) != 0 || ms != 0;
	/* A number of milliseconds; libpg_query writes 0 as an empty ival. */
	if (st_tree_get(arg, "ival") != NULL)
		return st_tree_int(st_tree_path(arg, "ival", "ival", (const char *)NULL), 0) != 0;
	return 1;
}
