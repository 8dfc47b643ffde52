/*
 * locks_alter.c: ALTER TABLE (and ALTER INDEX, VIEW, MATERIALIZED VIEW,
 * SEQUENCE, FOREIGN TABLE, which share its node) in the lock model. Every
 * subcommand type libpg_query 15 knows has a row in at_rules, sorted by
 * subtype name: its action, lock level, and whether it rewrites or scans;
 * the ones whose effect depends on their arguments have a function.
 *
 * Levels are those PostgreSQL 15 takes (its ALTER TABLE documentation, and
 * pg_locks on a 15 server); the internal subtypes (AT_ReAdd*, *Recurse,
 * AT_CheckNotNull...) that the parser never emits are there so that no tree
 * goes unanswered. Storage parameters have their own table: most take
 * SHARE UPDATE EXCLUSIVE, the rest (and any unknown one) ACCESS EXCLUSIVE.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sql/locks_int.h"

#define F_REWRITE 0x1u
#define F_SCAN 0x2u

typedef struct alter_ctx {
	const char *relation;    /* the altered relation's name, NULL when the tree has none */
	int location;            /* the relation's location */
	int index;               /* ALTER INDEX */
	int no_storage;          /* ALTER VIEW, ALTER FOREIGN TABLE: no data to rewrite or scan */
} alter_ctx;

struct at_rule;
typedef void (*at_fn)(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const struct at_rule *r);

typedef struct at_rule {
	const char *subtype;
	const char *action;
	st_lock_level level;
	unsigned flags;
	at_fn fn;                /* NULL: one effect on the relation as the row says */
	const char *note;
	const char *index_action; /* the action under ALTER INDEX, when it differs */
} at_rule;

/* The location of a subcommand: its column, constraint or relation argument, else the table's. */
static int cmd_location(const alter_ctx *a, const st_tree_node *cmd)
{
	const st_tree_node *def = st_tree_node_body(st_tree_get(cmd, "def"));
	int loc = lk_location(def);

	if (loc < 0)
		loc = lk_location(st_tree_get(def, "name"));
	return loc >= 0 ? loc : a->location;
}

static st_lock_effect *add_on_table(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd,
	const char *action, st_lock_level level)
{
	st_lock_effect *e = lk_add(b, action, a->relation, level, cmd_location(a, cmd));

	if (e != NULL && a->index) {
		e->relation_is_index = 1;
		e->table_level = ST_LOCK_NONE;
	}
	return e;
}

static void at_plain(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_effect *e = add_on_table(b, a, cmd, a->index && r->index_action ? r->index_action : r->action,
		r->level);

	if (e == NULL)
		return;
	e->rewrites = (r->flags & F_REWRITE) != 0;
	e->scans = (r->flags & F_SCAN) != 0;
	e->note = r->note;
}

static void at_add_column(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	ST_UNUSED(r);
	lk_add_column(b, a->relation, st_tree_node_as(st_tree_get(cmd, "def"), "ColumnDef"), cmd_location(a, cmd));
}

static void at_column_type(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	size_t first = b->n, i;

	ST_UNUSED(r);
	lk_alter_column_type(b, a->relation, cmd);
	for (i = first; i < b->n; i++)
		if (b->v[i].location < 0)
			b->v[i].location = a->location;
}

static void at_column_default(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_effect *e = add_on_table(b, a, cmd, st_tree_get(cmd, "def") != NULL ?
		"ALTER TABLE ALTER COLUMN SET DEFAULT" : "ALTER TABLE ALTER COLUMN DROP DEFAULT", r->level);

	if (e != NULL)
		e->note = r->note;
}

static void at_set_not_null(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_effect *e = add_on_table(b, a, cmd, r->action, r->level);

	if (e == NULL)
		return;
	e->scans = 1;
	e->note = b->pg_version >= LK_PG12 ?
		"scans the table for NULLs under ACCESS EXCLUSIVE, unless a valid CHECK (column IS NOT NULL) "
		"constraint proves there are none: add that NOT VALID and VALIDATE it first" :
		"scans the table for NULLs under ACCESS EXCLUSIVE (before PostgreSQL 12 even when a CHECK "
		"constraint proves there are none)";
}

static void add_fk_target(lk_builder *b, const st_tree_node *con, const char *action, int validate)
{
	st_lock_effect *e = lk_add_rangevar(b, action, st_tree_get(con, "pktable"), ST_LOCK_SHARE_ROW_EXCLUSIVE);

	if (e == NULL)
		return;
	e->scans = validate;
	e->note = "the referenced table: SHARE ROW EXCLUSIVE blocks writes to it while the key is added";
}

static void at_add_constraint(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	const st_tree_node *con = st_tree_node_as(st_tree_get(cmd, "def"), "Constraint");
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	int validate = !st_tree_true(st_tree_get(con, "skip_validation"));
	st_lock_effect *e;

	if (type == NULL)
		type = "";
	if (strcmp(type, "CONSTR_FOREIGN") == 0) {
		if ((e = add_on_table(b, a, cmd, "ALTER TABLE ADD FOREIGN KEY", ST_LOCK_SHARE_ROW_EXCLUSIVE)) == NULL)
			return;
		e->scans = validate;
		e->note = validate ? "checks every row against the referenced table while writes to both wait: "
			"add it NOT VALID, then VALIDATE CONSTRAINT" :
			"NOT VALID: existing rows are not checked; VALIDATE CONSTRAINT later takes SHARE UPDATE EXCLUSIVE";
		add_fk_target(b, con, "ALTER TABLE ADD FOREIGN KEY", validate);
	} else if (strcmp(type, "CONSTR_CHECK") == 0) {
		if ((e = add_on_table(b, a, cmd, "ALTER TABLE ADD CHECK", r->level)) == NULL)
			return;
		e->scans = validate;
		e->note = validate ? "checks every row under ACCESS EXCLUSIVE: add it NOT VALID, then VALIDATE CONSTRAINT" :
			"NOT VALID: existing rows are not checked; VALIDATE CONSTRAINT later takes SHARE UPDATE EXCLUSIVE";
	} else if ((strcmp(type, "CONSTR_PRIMARY") == 0 || strcmp(type, "CONSTR_UNIQUE") == 0) &&
		st_tree_get(con, "indexname") != NULL) {
		if ((e = add_on_table(b, a, cmd, "ALTER TABLE ADD CONSTRAINT USING INDEX", r->level)) != NULL)
			e->note = strcmp(type, "CONSTR_PRIMARY") == 0 ? "uses the existing index, no build; a primary "
				"key also sets NOT NULL on its columns, which scans the table when they allow NULLs" :
				"uses the existing index: no build, no scan";
	} else if (strcmp(type, "CONSTR_PRIMARY") == 0 || strcmp(type, "CONSTR_UNIQUE") == 0 ||
		strcmp(type, "CONSTR_EXCLUSION") == 0) {
		e = add_on_table(b, a, cmd, strcmp(type, "CONSTR_PRIMARY") == 0 ? "ALTER TABLE ADD PRIMARY KEY" :
			strcmp(type, "CONSTR_UNIQUE") == 0 ? "ALTER TABLE ADD UNIQUE" : "ALTER TABLE ADD EXCLUDE", r->level);
		if (e == NULL)
			return;
		e->scans = 1;
		e->note = strcmp(type, "CONSTR_EXCLUSION") == 0 ? "builds the index under ACCESS EXCLUSIVE" :
			"builds the index under ACCESS EXCLUSIVE: build it with CREATE UNIQUE INDEX CONCURRENTLY, "
			"then ADD CONSTRAINT ... USING INDEX";
	} else if ((e = add_on_table(b, a, cmd, "ALTER TABLE ADD CONSTRAINT", r->level)) != NULL) {
		e->scans = strcmp(type, "CONSTR_NOTNULL") == 0;
	}
}

static void at_validate(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_effect *e = add_on_table(b, a, cmd, r->action, r->level);

	if (e == NULL)
		return;
	e->scans = 1;
	e->note = "scans the table while reads and writes go on; a foreign key also takes ROW SHARE on "
		"the table it references";
}

/* INHERIT and NO INHERIT: the child as the row says, the parent named in def. */
static void at_inherit(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	int add = strcmp(r->subtype, "AT_AddInherit") == 0;

	at_plain(b, a, cmd, r);
	lk_add_rangevar(b, r->action, st_tree_node_as(st_tree_get(cmd, "def"), "RangeVar"),
		add ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE : ST_LOCK_ACCESS_SHARE);
}

static const st_tree_node *partition_of(const st_tree_node *cmd)
{
	return st_tree_get(st_tree_node_as(st_tree_get(cmd, "def"), "PartitionCmd"), "name");
}

static void at_attach(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_effect *e;

	if (a->index) {
		/* ALTER INDEX ... ATTACH PARTITION: both indexes; their tables get ACCESS SHARE. */
		if ((e = add_on_table(b, a, cmd, r->index_action, ST_LOCK_SHARE_UPDATE_EXCLUSIVE)) != NULL)
			e->table_level = ST_LOCK_ACCESS_SHARE;
		if ((e = lk_add_rangevar(b, r->index_action, partition_of(cmd), ST_LOCK_ACCESS_EXCLUSIVE)) != NULL) {
			e->relation_is_index = 1;
			e->table_level = ST_LOCK_ACCESS_SHARE;
		}
		return;
	}
	if ((e = add_on_table(b, a, cmd, r->action, b->pg_version >= LK_PG12 ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE :
		ST_LOCK_ACCESS_EXCLUSIVE)) != NULL)
		e->note = b->pg_version >= LK_PG12 ? "the partitioned table: queries on it go on" :
			"before PostgreSQL 12 the partitioned table is locked ACCESS EXCLUSIVE";
	if ((e = lk_add_rangevar(b, r->action, partition_of(cmd), ST_LOCK_ACCESS_EXCLUSIVE)) != NULL) {
		e->scans = 1;
		e->note = "the new partition is scanned for rows outside its bound unless a valid CHECK "
			"constraint (and NOT NULL on the key) proves there are none; a default partition is "
			"locked ACCESS EXCLUSIVE and scanned too";
	}
}

static void at_detach(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	int finalize = strcmp(r->subtype, "AT_DetachPartitionFinalize") == 0;
	int asked = st_tree_true(st_tree_get(st_tree_node_as(st_tree_get(cmd, "def"), "PartitionCmd"), "concurrent"));
	int conc = (asked || finalize) && b->pg_version >= LK_PG14;
	st_lock_effect *e;

	if ((e = add_on_table(b, a, cmd, conc && !finalize ? "ALTER TABLE DETACH PARTITION CONCURRENTLY" :
		r->action, conc ? ST_LOCK_SHARE_UPDATE_EXCLUSIVE : ST_LOCK_ACCESS_EXCLUSIVE)) != NULL) {
		e->concurrently = conc && !finalize;
		e->note = asked && !conc ? "no DETACH PARTITION CONCURRENTLY before PostgreSQL 14" :
			conc ? "the partitioned table: queries on it go on; cannot run in a transaction block" :
			"also ACCESS EXCLUSIVE on a default partition";
	}
	if ((e = lk_add_rangevar(b, e != NULL ? e->action : r->action, partition_of(cmd),
		ST_LOCK_ACCESS_EXCLUSIVE)) != NULL) {
		e->concurrently = conc && !finalize;
		e->note = conc ? "the partition: SHARE UPDATE EXCLUSIVE at first, ACCESS EXCLUSIVE once every "
			"query that could see it as a partition has ended" : NULL;
	}
}

static void at_reloptions(lk_builder *b, const alter_ctx *a, const st_tree_node *cmd, const at_rule *r)
{
	st_lock_level level = lk_reloptions_level(st_tree_get(cmd, "def"));
	st_lock_effect *e = add_on_table(b, a, cmd, a->index ? r->index_action : r->action, level);

	if (e != NULL && level == ST_LOCK_ACCESS_EXCLUSIVE)
		e->note = "only the autovacuum, fillfactor, parallel_workers, toast_tuple_target and vacuum "
			"parameters take SHARE UPDATE EXCLUSIVE; this one takes ACCESS EXCLUSIVE";
}

#define AE ST_LOCK_ACCESS_EXCLUSIVE
#define SRE ST_LOCK_SHARE_ROW_EXCLUSIVE
#define SUE ST_LOCK_SHARE_UPDATE_EXCLUSIVE
#define SH ST_LOCK_SHARE
#define NO_REWRITE_CATALOG "changes only the catalog: no rewrite"
#define ENABLE_TRIGGER "ALTER TABLE ENABLE TRIGGER"
#define DISABLE_TRIGGER "ALTER TABLE DISABLE TRIGGER"
#define COPY_NOTE "copies the files block by block: duration grows with size"
#define INTERNAL "an internal subcommand"

/* Sorted by subtype (strcmp order). */
static const at_rule at_rules[] = {
	{ "AT_AddColumn", "ALTER TABLE ADD COLUMN", AE, 0, at_add_column, NULL, NULL },
	{ "AT_AddColumnRecurse", "ALTER TABLE ADD COLUMN", AE, 0, at_add_column, NULL, NULL },
	{ "AT_AddColumnToView", "CREATE OR REPLACE VIEW", AE, 0, NULL, NULL, NULL },
	{ "AT_AddConstraint", "ALTER TABLE ADD CONSTRAINT", AE, 0, at_add_constraint, NULL, NULL },
	{ "AT_AddConstraintRecurse", "ALTER TABLE ADD CONSTRAINT", AE, 0, at_add_constraint, NULL, NULL },
	{ "AT_AddIdentity", "ALTER TABLE ALTER COLUMN ADD IDENTITY", AE, 0, NULL, NO_REWRITE_CATALOG, NULL },
	{ "AT_AddIndex", "ALTER TABLE ADD INDEX", SH, F_SCAN, NULL, INTERNAL, NULL },
	{ "AT_AddIndexConstraint", "ALTER TABLE ADD CONSTRAINT USING INDEX", AE, 0, NULL, NULL, NULL },
	{ "AT_AddInherit", "ALTER TABLE INHERIT", AE, 0, at_inherit, NULL, NULL },
	{ "AT_AddOf", "ALTER TABLE OF", AE, 0, NULL, NULL, NULL },
	{ "AT_AlterColumnGenericOptions", "ALTER FOREIGN TABLE ALTER COLUMN OPTIONS", AE, 0, NULL, NULL, NULL },
	{ "AT_AlterColumnType", "ALTER TABLE ALTER COLUMN TYPE", AE, 0, at_column_type, NULL, NULL },
	{ "AT_AlterConstraint", "ALTER TABLE ALTER CONSTRAINT", AE, 0, NULL, NULL, NULL },
	{ "AT_AttachPartition", "ALTER TABLE ATTACH PARTITION", SUE, 0, at_attach, NULL, "ALTER INDEX ATTACH PARTITION" },
	{ "AT_ChangeOwner", "ALTER TABLE OWNER TO", AE, 0, NULL, NULL, NULL },
	{ "AT_CheckNotNull", "ALTER TABLE CHECK NOT NULL", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ClusterOn", "ALTER TABLE CLUSTER ON", SUE, 0, NULL, NULL, NULL },
	{ "AT_ColumnDefault", "ALTER TABLE ALTER COLUMN SET DEFAULT", AE, 0, at_column_default,
		"changes only the catalog: no rewrite, existing rows keep their values", NULL },
	{ "AT_CookedColumnDefault", "ALTER TABLE ALTER COLUMN SET DEFAULT", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_DetachPartition", "ALTER TABLE DETACH PARTITION", AE, 0, at_detach, NULL, NULL },
	{ "AT_DetachPartitionFinalize", "ALTER TABLE DETACH PARTITION FINALIZE", SUE, 0, at_detach, NULL, NULL },
	{ "AT_DisableRowSecurity", "ALTER TABLE DISABLE ROW LEVEL SECURITY", AE, 0, NULL, NULL, NULL },
	{ "AT_DisableRule", "ALTER TABLE DISABLE RULE", AE, 0, NULL, NULL, NULL },
	{ "AT_DisableTrig", DISABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_DisableTrigAll", DISABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_DisableTrigUser", DISABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_DropCluster", "ALTER TABLE SET WITHOUT CLUSTER", SUE, 0, NULL, NULL, NULL },
	{ "AT_DropColumn", "ALTER TABLE DROP COLUMN", AE, 0, NULL,
		"no rewrite: the column is hidden and its space reclaimed as rows are rewritten", NULL },
	{ "AT_DropColumnRecurse", "ALTER TABLE DROP COLUMN", AE, 0, NULL, NULL, NULL },
	{ "AT_DropConstraint", "ALTER TABLE DROP CONSTRAINT", AE, 0, NULL,
		"dropping a foreign key also locks the table it references ACCESS EXCLUSIVE", NULL },
	{ "AT_DropConstraintRecurse", "ALTER TABLE DROP CONSTRAINT", AE, 0, NULL, NULL, NULL },
	{ "AT_DropExpression", "ALTER TABLE ALTER COLUMN DROP EXPRESSION", AE, 0, NULL, NO_REWRITE_CATALOG, NULL },
	{ "AT_DropIdentity", "ALTER TABLE ALTER COLUMN DROP IDENTITY", AE, 0, NULL, NULL, NULL },
	{ "AT_DropInherit", "ALTER TABLE NO INHERIT", AE, 0, at_inherit, NULL, NULL },
	{ "AT_DropNotNull", "ALTER TABLE ALTER COLUMN DROP NOT NULL", AE, 0, NULL, NULL, NULL },
	{ "AT_DropOf", "ALTER TABLE NOT OF", AE, 0, NULL, NULL, NULL },
	{ "AT_DropOids", "ALTER TABLE SET WITHOUT OIDS", AE, 0, NULL, "a no-op since PostgreSQL 12", NULL },
	{ "AT_EnableAlwaysRule", "ALTER TABLE ENABLE RULE", AE, 0, NULL, NULL, NULL },
	{ "AT_EnableAlwaysTrig", ENABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_EnableReplicaRule", "ALTER TABLE ENABLE RULE", AE, 0, NULL, NULL, NULL },
	{ "AT_EnableReplicaTrig", ENABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_EnableRowSecurity", "ALTER TABLE ENABLE ROW LEVEL SECURITY", AE, 0, NULL, NULL, NULL },
	{ "AT_EnableRule", "ALTER TABLE ENABLE RULE", AE, 0, NULL, NULL, NULL },
	{ "AT_EnableTrig", ENABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_EnableTrigAll", ENABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_EnableTrigUser", ENABLE_TRIGGER, SRE, 0, NULL, NULL, NULL },
	{ "AT_ForceRowSecurity", "ALTER TABLE FORCE ROW LEVEL SECURITY", AE, 0, NULL, NULL, NULL },
	{ "AT_GenericOptions", "ALTER FOREIGN TABLE OPTIONS", AE, 0, NULL, NULL, NULL },
	{ "AT_NoForceRowSecurity", "ALTER TABLE NO FORCE ROW LEVEL SECURITY", AE, 0, NULL, NULL, NULL },
	{ "AT_ReAddComment", "ALTER TABLE (comment)", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReAddConstraint", "ALTER TABLE ADD CONSTRAINT", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReAddDomainConstraint", "ALTER DOMAIN ADD CONSTRAINT", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReAddIndex", "ALTER TABLE ADD INDEX", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReAddStatistics", "ALTER TABLE (statistics)", SUE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReplaceRelOptions", "ALTER TABLE SET (...)", AE, 0, NULL, INTERNAL, NULL },
	{ "AT_ReplicaIdentity", "ALTER TABLE REPLICA IDENTITY", AE, 0, NULL, NULL, NULL },
	{ "AT_ResetOptions", "ALTER TABLE ALTER COLUMN RESET (...)", SUE, 0, NULL, NULL, NULL },
	{ "AT_ResetRelOptions", "ALTER TABLE RESET (...)", AE, 0, at_reloptions, NULL, "ALTER INDEX RESET (...)" },
	{ "AT_SetAccessMethod", "ALTER TABLE SET ACCESS METHOD", AE, F_REWRITE, NULL, NULL, NULL },
	{ "AT_SetCompression", "ALTER TABLE ALTER COLUMN SET COMPRESSION", AE, 0, NULL,
		"no rewrite: applies to values written from now on", NULL },
	{ "AT_SetIdentity", "ALTER TABLE ALTER COLUMN SET IDENTITY", AE, 0, NULL, NULL, NULL },
	{ "AT_SetLogged", "ALTER TABLE SET LOGGED", AE, F_REWRITE, NULL, NULL, NULL },
	{ "AT_SetNotNull", "ALTER TABLE SET NOT NULL", AE, F_SCAN, at_set_not_null, NULL, NULL },
	{ "AT_SetOptions", "ALTER TABLE ALTER COLUMN SET (...)", SUE, 0, NULL, NULL, NULL },
	{ "AT_SetRelOptions", "ALTER TABLE SET (...)", AE, 0, at_reloptions, NULL, "ALTER INDEX SET (...)" },
	{ "AT_SetStatistics", "ALTER TABLE ALTER COLUMN SET STATISTICS", SUE, 0, NULL, NULL,
		"ALTER INDEX ALTER COLUMN SET STATISTICS" },
	{ "AT_SetStorage", "ALTER TABLE ALTER COLUMN SET STORAGE", AE, 0, NULL,
		"no rewrite: applies to values written from now on", NULL },
	{ "AT_SetTableSpace", "ALTER TABLE SET TABLESPACE", AE, F_REWRITE, NULL, COPY_NOTE, "ALTER INDEX SET TABLESPACE" },
	{ "AT_SetUnLogged", "ALTER TABLE SET UNLOGGED", AE, F_REWRITE, NULL, NULL, NULL },
	{ "AT_ValidateConstraint", "ALTER TABLE VALIDATE CONSTRAINT", SUE, F_SCAN, at_validate, NULL, NULL },
	{ "AT_ValidateConstraintRecurse", "ALTER TABLE VALIDATE CONSTRAINT", SUE, F_SCAN, at_validate, NULL, NULL },
};

/* Storage parameters (also under toast.), sorted; any other takes ACCESS EXCLUSIVE. */
static const struct reloption {
	const char *name;
	st_lock_level level;
} reloptions[] = {
	{ "autosummarize", AE },
	{ "autovacuum_analyze_scale_factor", SUE },
	{ "autovacuum_analyze_threshold", SUE },
	{ "autovacuum_enabled", SUE },
	{ "autovacuum_freeze_max_age", SUE },
	{ "autovacuum_freeze_min_age", SUE },
	{ "autovacuum_freeze_table_age", SUE },
	{ "autovacuum_multixact_freeze_max_age", SUE },
	{ "autovacuum_multixact_freeze_min_age", SUE },
	{ "autovacuum_multixact_freeze_table_age", SUE },
	{ "autovacuum_vacuum_cost_delay", SUE },
	{ "autovacuum_vacuum_cost_limit", SUE },
	{ "autovacuum_vacuum_insert_scale_factor", SUE },
	{ "autovacuum_vacuum_insert_threshold", SUE },
	{ "autovacuum_vacuum_scale_factor", SUE },
	{ "autovacuum_vacuum_threshold", SUE },
	{ "buffering", AE },
	{ "check_option", AE },
	{ "deduplicate_items", SUE },
	{ "fastupdate", AE },
	{ "fillfactor", SUE },
	{ "gin_pending_list_limit", AE },
	{ "log_autovacuum_min_duration", SUE },
	{ "pages_per_range", AE },
	{ "parallel_workers", SUE },
	{ "security_barrier", AE },
	{ "security_invoker", AE },
	{ "toast_tuple_target", SUE },
	{ "user_catalog_table", AE },
	{ "vacuum_index_cleanup", SUE },
	{ "vacuum_truncate", SUE },
};
#undef AE
#undef SRE
#undef SUE
#undef SH

static int cmp_at(const void *k, const void *e)
{
	return strcmp(k, ((const at_rule *)e)->subtype);
}

static int cmp_reloption(const void *k, const void *e)
{
	return strcmp(k, ((const struct reloption *)e)->name);
}

st_lock_level lk_reloptions_level(const st_tree_node *options)
{
	const st_tree_node *items = options, *m;
	st_lock_level level = ST_LOCK_NONE;

	if (st_tree_node_as(options, "List") != NULL)
		items = st_tree_get(st_tree_node_as(options, "List"), "items");
	if (items == NULL || items->type != ST_TREE_ARRAY || items->count == 0)
		return ST_LOCK_ACCESS_EXCLUSIVE;
	for (m = items->first; m != NULL; m = m->next) {
		const char *name = st_tree_str(st_tree_get(st_tree_node_as(m, "DefElem"), "defname"));
		const struct reloption *o = name == NULL ? NULL : bsearch(name, reloptions,
			ST_ARRAY_LEN(reloptions), sizeof(reloptions[0]), cmp_reloption);
		st_lock_level l = o != NULL ? o->level : ST_LOCK_ACCESS_EXCLUSIVE;

		if (l > level)
			level = l;
	}
	return level;
}

void lk_alter_table(lk_builder *b, const st_tree_node *body)
{
	const char *objtype = st_tree_str(st_tree_get(body, "objtype"));
	const st_tree_node *rv = st_tree_get(body, "relation");
	const st_tree_node *cmds = st_tree_get(body, "cmds"), *m;
	strata_buf name = STRATA_BUF_INIT;
	alter_ctx a;

	if (objtype != NULL && strcmp(objtype, "OBJECT_TYPE") == 0) {
		st_lock_effect *e = lk_add(b, "ALTER TYPE", NULL, ST_LOCK_NONE, -1);

		if (e != NULL)
			e->note = "a composite type: no table lock unless tables use it as a column type";
		return;
	}
	a.relation = lk_rangevar_name(&name, rv) == 0 ? name.ptr : NULL;
	if (strata_buf_failed(&name)) {
		b->failed = 1;
		return;
	}
	a.location = lk_location(rv);
	a.index = objtype != NULL && strcmp(objtype, "OBJECT_INDEX") == 0;
	a.no_storage = objtype != NULL && (strcmp(objtype, "OBJECT_VIEW") == 0 ||
		strcmp(objtype, "OBJECT_FOREIGN_TABLE") == 0);
	for (m = cmds != NULL && cmds->type == ST_TREE_ARRAY ? cmds->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *subtype = st_tree_str(st_tree_get(cmd, "subtype"));
		const at_rule *r = subtype == NULL ? NULL : bsearch(subtype, at_rules, ST_ARRAY_LEN(at_rules),
			sizeof(at_rules[0]), cmp_at);
		size_t first = b->n, i;

		if (r == NULL || b->failed)
			continue;
		(r->fn != NULL ? r->fn : at_plain)(b, &a, cmd, r);
		for (i = first; i < b->n && a.no_storage && !b->failed; i++) {
			if (b->v[i].relation != NULL && a.relation != NULL && strcmp(b->v[i].relation, a.relation) == 0 &&
				(b->v[i].rewrites || b->v[i].scans)) {
				b->v[i].rewrites = b->v[i].scans = 0;
				b->v[i].note = "a view or foreign table has no data here to rewrite or scan";
			}
		}
	}
	strata_buf_release(&name);
}

int lk_alter_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ST_ARRAY_LEN(at_rules); i++)
		if (strcmp(at_rules[i - 1].subtype, at_rules[i].subtype) >= 0)
			return 0;
	for (i = 1; i < ST_ARRAY_LEN(reloptions); i++)
		if (strcmp(reloptions[i - 1].name, reloptions[i].name) >= 0)
			return 0;
	return 1;
}
