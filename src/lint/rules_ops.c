/*
 * rules_ops.c: operations that break or stall the running application.
 * Renames and drops (the release still running names the old objects, and
 * a drop loses data), CASCADE and TRUNCATE, maintenance commands that
 * rewrite a table under ACCESS EXCLUSIVE (VACUUM FULL, CLUSTER, REINDEX),
 * lock hygiene (no lock_timeout; more locks or long work after an ACCESS
 * EXCLUSIVE lock in the same transaction), enum changes, and data
 * backfills in the transaction of a schema change. Which statement locks
 * what is ops_locks.c's table.
 *
 * State across statements is lint_ctx.ops: the columns and enum types the
 * run created (lint_ops_after), and per file whether require-lock-timeout
 * was reported, the last transaction's bounds and the file's string
 * constants.
 */
#include <string.h>

#include "lint/ops_int.h"

#define OPS_WALK_DEPTH 500

#define NO_TX_FILE "in a file marked '-- strata:no-transaction'"

/* "11", "9.6": the major version of a server version number. */
static const char *major_name(int v, char *buf, size_t size)
{
	if (v >= 100000)
		st_snprintf(buf, size, "%d", v / 10000);
	else
		st_snprintf(buf, size, "%d.%d", v / 10000, v / 100 % 100);
	return buf;
}

/* The per-file part of the state, reset when a new file starts. */
static lint_ops_state *ops_state(lint_ctx *c)
{
	if (c->ops.file != c->file) {
		c->ops.file = c->file;
		c->ops.lock_timeout_reported = 0;
		c->ops.tx_known = 0;
		c->ops.literals_known = 0;
		lint_names_release(&c->ops.literals);
	}
	return &c->ops;
}

static const char *stmt_type(const lint_file *f, size_t i)
{
	const char *t = st_tree_node_type(f->parsed.trees[i]);

	return t != NULL ? t : "";
}

static int tx_kind_is(const lint_file *f, size_t i, const char *a, const char *b)
{
	const st_tree_node *kind;

	if (strcmp(stmt_type(f, i), "TransactionStmt") != 0)
		return 0;
	kind = st_tree_get(st_tree_node_body(f->parsed.trees[i]), "kind");
	return ops_str_is(kind, a) || (b != NULL && ops_str_is(kind, b));
}

/*
 * The statements [*start, *end) of the transaction the current statement
 * runs in (the runner's: the whole file; else from the file's BEGIN to its
 * COMMIT or ROLLBACK). 0 when it runs in none.
 */
static int tx_bounds(const lint_ctx *c, size_t *start, size_t *end)
{
	const lint_file *f = c->file;
	size_t n = f->parsed.script->nstmts, i;

	if (!c->in_tx)
		return 0;
	if (!c->explicit_tx) {
		*start = 0;
		*end = n;
		return 1;
	}
	for (i = c->index; i > 0 && !tx_kind_is(f, i - 1, "TRANS_STMT_BEGIN", "TRANS_STMT_START"); i--)
		;
	*start = i;
	for (i = c->index + 1; i < n && !tx_kind_is(f, i, "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"); i++)
		;
	*end = i;
	return 1;
}

/* ---- run state ---- */

/* Columns and enum types this run created (not those of files replayed for context: they exist). */
void lint_ops_after(lint_ctx *c)
{
	lint_ops_state *s = ops_state(c);
	char name[256], key[600];

	if (c->replay)
		return;
	if (strcmp(c->type, "CreateEnumStmt") == 0) {
		ops_dotted(st_tree_get(c->body, "typeName"), 0, name, sizeof(name));
		if (lint_names_add(&s->types, name) != 0)
			c->failed = 1;
	} else if (strcmp(c->type, "AlterTableStmt") == 0) {
		const st_tree_node *m, *cmds = st_tree_get(c->body, "cmds");

		lint_rangevar(st_tree_get(c->body, "relation"), name, sizeof(name));
		for (m = cmds != NULL ? cmds->first : NULL; m != NULL; m = m->next) {
			const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
			const char *col = st_tree_str(st_tree_path(cmd, "def", "ColumnDef", "colname",
				(const char *)NULL));

			if (!ops_str_is(st_tree_get(cmd, "subtype"), "AT_AddColumn") || col == NULL)
				continue;
			st_snprintf(key, sizeof(key), "%s.%s", name, col);
			if (lint_names_add(&s->columns, key) != 0)
				c->failed = 1;
		}
	}
}

void lint_ops_release(lint_ops_state *s)
{
	lint_names_release(&s->columns);
	lint_names_release(&s->types);
	lint_names_release(&s->literals);
	memset(s, 0, sizeof(*s));
}

/* A column of a table this run created, or added to an existing one. */
static int column_is_new(const lint_ctx *c, const st_tree_node *rv, const char *col)
{
	char name[256], key[600];

	if (lint_is_new(c, rv))
		return 1;
	st_snprintf(key, sizeof(key), "%s.%s", lint_rangevar(rv, name, sizeof(name)), col);
	return lint_names_has(&c->ops.columns, key);
}

/* ---- renames and drops ---- */

static void rename_table(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const st_tree_node *type = st_tree_get(c->body, "renameType");
	const char *to = st_tree_str(st_tree_get(c->body, "newname"));
	const char *what = ops_str_is(type, "OBJECT_VIEW") ? "view" : ops_str_is(type, "OBJECT_MATVIEW") ?
		"materialized view" : "table";
	char name[256];

	if (!ops_table_like(type) || rv == NULL || lint_is_new(c, rv))
		return;
	lint_rangevar(rv, name, sizeof(name));
	lint_find(c, "rename-table", lint_location(rv),
		strcmp(what, "table") == 0 ?
		"expand and contract: keep the old name working while code moves (rename it and create a view "
		"with the old name in the same transaction; simple views are updatable), drop that view once "
		"no running code uses the old name" :
		"create the view under the new name, move the code to it, then drop the old one",
		"renaming %s '%s' to '%s' breaks the release that is running: its queries name '%s' and fail "
		"from this commit until every instance runs the new code", what, name, to != NULL ? to : "?",
		name);
}

static void rename_column(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const char *col = st_tree_str(st_tree_get(c->body, "subname"));
	const char *to = st_tree_str(st_tree_get(c->body, "newname"));
	char name[256];

	if (!ops_str_is(st_tree_get(c->body, "renameType"), "OBJECT_COLUMN") ||
		!ops_table_like(st_tree_get(c->body, "relationType")) || rv == NULL || col == NULL ||
		column_is_new(c, rv, col))
		return;
	lint_find(c, "rename-column", lint_location(rv),
		"expand and contract: add the new column, write both, backfill, move reads to the new one, "
		"then drop the old one in a later migration",
		"renaming column '%s.%s' to '%s' breaks the release that is running: its queries name '%s' "
		"and fail from this commit until every instance runs the new code",
		lint_rangevar(rv, name, sizeof(name)), col, to != NULL ? to : "?", col);
}

static void drop_table(lint_ctx *c)
{
	const st_tree_node *m, *objs = st_tree_get(c->body, "objects");
	strata_buf list = STRATA_BUF_INIT;
	char name[256];
	size_t n = 0;

	if (!ops_str_is(st_tree_get(c->body, "removeType"), "OBJECT_TABLE"))
		return;
	for (m = objs != NULL ? objs->first : NULL; m != NULL; m = m->next) {
		ops_dotted(st_tree_get(st_tree_node_as(m, "List"), "items"), 0, name, sizeof(name));
		if (name[0] == '\0' || ops_is_new_name(c, name))
			continue;
		strata_buf_printf(&list, "%s'%s'", n++ > 0 ? ", " : "", name);
	}
	if (n > 0)
		lint_find(c, "drop-table", -1,
			"stop using the table in the code and deploy that first; drop it in a later migration, "
			"after a backup",
			"DROP TABLE %s deletes %s data for good, and the queries of the release that is running "
			"fail on %s from this commit on", strata_buf_cstr(&list), n > 1 ? "their" : "its",
			n > 1 ? "them" : "it");
	if (list.failed)
		c->failed = 1;
	strata_buf_release(&list);
}

static void drop_column(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const st_tree_node *m, *cmds = st_tree_get(c->body, "cmds");
	strata_buf list = STRATA_BUF_INIT;
	char name[256];
	size_t n = 0;

	if (!ops_str_is(st_tree_get(c->body, "objtype"), "OBJECT_TABLE") || rv == NULL || lint_is_new(c, rv))
		return;
	for (m = cmds != NULL ? cmds->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *col = st_tree_str(st_tree_get(cmd, "name"));

		if (!ops_str_is(st_tree_get(cmd, "subtype"), "AT_DropColumn") || col == NULL ||
			column_is_new(c, rv, col))
			continue;
		strata_buf_printf(&list, "%s'%s'", n++ > 0 ? ", " : "", col);
	}
	if (n > 0)
		lint_find(c, "drop-column", lint_location(rv),
			"stop using the column in the code first (and tell the ORM to ignore it), deploy, then "
			"drop it in a later migration",
			"dropping column%s %s of '%s' deletes %s data, and the release that is running fails on "
			"queries that name %s (and on ORM INSERTs that list every column they know)",
			n > 1 ? "s" : "", strata_buf_cstr(&list), lint_rangevar(rv, name, sizeof(name)),
			n > 1 ? "their" : "its", n > 1 ? "them" : "it");
	if (list.failed)
		c->failed = 1;
	strata_buf_release(&list);
}

static void ban_drop_database(lint_ctx *c)
{
	const char *db = st_tree_str(st_tree_get(c->body, "dbname"));

	lint_find(c, "ban-drop-database", -1, "drop databases by hand, outside the migrations",
		"DROP DATABASE '%s' deletes every table in it; a migration must never do this",
		db != NULL ? db : "?");
}

static void truncate_table(lint_ctx *c)
{
	ops_locks ls;
	strata_buf list = STRATA_BUF_INIT;
	size_t i;

	ls.n = 0;
	ops_lock_rels(c, &ls, st_tree_get(c->body, "relations"), OPS_ACCESS_EXCLUSIVE);
	for (i = 0; i < ls.n; i++)
		strata_buf_printf(&list, "%s'%s'", i > 0 ? ", " : "", ls.l[i].table);
	if (ls.n > 0)
		lint_find(c, "truncate-table", ls.l[0].location,
			"if the data must go, ignore this with the reason; to keep the table available, DELETE in "
			"batches instead",
			"TRUNCATE %s deletes every row for good, under an ACCESS EXCLUSIVE lock: every query on "
			"%s waits meanwhile", strata_buf_cstr(&list), ls.n > 1 ? "them" : "the table");
	if (list.failed)
		c->failed = 1;
	strata_buf_release(&list);
}

/* Every table a DROP or TRUNCATE names was created by this run. */
static int all_new(const lint_ctx *c)
{
	const st_tree_node *m, *list;
	char name[256];

	if (strcmp(c->type, "TruncateStmt") == 0) {
		list = st_tree_get(c->body, "relations");
		for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next)
			if (!lint_is_new(c, st_tree_node_as(m, "RangeVar")))
				return 0;
		return 1;
	}
	if (!ops_table_like(st_tree_get(c->body, "removeType")))
		return 0;
	list = st_tree_get(c->body, "objects");
	for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next)
		if (!ops_is_new_name(c, ops_dotted(st_tree_get(st_tree_node_as(m, "List"), "items"), 0, name,
			sizeof(name))))
			return 0;
	return 1;
}

/* "TABLE", "MATERIALIZED VIEW": what a DropStmt drops. */
static const char *object_kind(const st_tree_node *remove_type, char *buf, size_t size)
{
	const char *t = st_tree_str(remove_type);
	size_t i;

	if (t == NULL || !st_str_starts_with(t, "OBJECT_"))
		return "";
	if (strcmp(t, "OBJECT_MATVIEW") == 0)
		return "MATERIALIZED VIEW";
	st_strlcpy(buf, t + 7, size);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
	return buf;
}

static void cascade(lint_ctx *c)
{
	const char *help = "drop what depends on it by name first, then drop without CASCADE: the "
		"default (RESTRICT) fails when something was missed";
	const st_tree_node *type = st_tree_get(c->body, "removeType");
	char kind[64];

	if ((strcmp(c->type, "DropStmt") == 0 || strcmp(c->type, "TruncateStmt") == 0) &&
		ops_str_is(st_tree_get(c->body, "behavior"), "DROP_CASCADE") && !all_new(c)) {
		if (strcmp(c->type, "TruncateStmt") == 0)
			lint_find(c, "cascade", -1, "truncate the referencing tables by name, or empty them in "
				"batches", "TRUNCATE ... CASCADE also empties every table with a foreign key to the "
				"tables it names, and the tables referencing those, without naming them here");
		else
			lint_find(c, "cascade", -1, help, "DROP %s ... CASCADE also drops every object that "
				"depends on it (%s), without naming them: what goes is decided by the database's "
				"contents, not by this file",
				object_kind(type, kind, sizeof(kind)),
				ops_str_is(type, "OBJECT_TYPE") || ops_str_is(type, "OBJECT_DOMAIN") ?
				"the columns of that type, with their data, and the functions and views using it" :
				ops_str_is(type, "OBJECT_SCHEMA") ? "every table, view and function in the schema, with "
				"their data" : "views, foreign keys, and the objects depending on those");
		return;
	}
	if (strcmp(c->type, "AlterTableStmt") == 0 && !lint_is_new(c, st_tree_get(c->body, "relation"))) {
		const st_tree_node *m, *cmds = st_tree_get(c->body, "cmds");
		char name[256];

		for (m = cmds != NULL ? cmds->first : NULL; m != NULL; m = m->next) {
			const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
			int column = ops_str_is(st_tree_get(cmd, "subtype"), "AT_DropColumn");

			if (!ops_str_is(st_tree_get(cmd, "behavior"), "DROP_CASCADE") ||
				(!column && !ops_str_is(st_tree_get(cmd, "subtype"), "AT_DropConstraint")))
				continue;
			lint_find(c, "cascade", -1, help, "DROP %s '%s' ... CASCADE on '%s' also drops the views, "
				"constraints and foreign keys that depend on it, without naming them here",
				column ? "COLUMN" : "CONSTRAINT", st_tree_str(st_tree_get(cmd, "name")) ?
				st_tree_str(st_tree_get(cmd, "name")) : "?",
				lint_rangevar(st_tree_get(c->body, "relation"), name, sizeof(name)));
			return;
		}
	}
}

/* ---- rewrites by maintenance commands ---- */

static void vacuum_full(lint_ctx *c)
{
	ops_locks ls;

	if (!st_tree_true(st_tree_get(c->body, "is_vacuumcmd")) || !ops_option_on(c->body, "options", "full"))
		return;
	ops_statement_locks(c, &ls);
	if (ls.n == 0 && st_tree_get(c->body, "rels") != NULL)
		return;   /* only tables this run created */
	if (ls.n == 0)
		lint_find(c, "vacuum-full", -1, "compact tables online with pg_repack or pg_squeeze; plain "
			"VACUUM makes the space reusable without blocking reads or writes",
			"VACUUM FULL rewrites every table of the database, each under an ACCESS EXCLUSIVE lock: "
			"reads and writes of each table wait for its whole rewrite");
	else
		lint_find(c, "vacuum-full", ls.l[0].location, "compact the table online with pg_repack or "
			"pg_squeeze; plain VACUUM makes the space reusable without blocking reads or writes",
			"VACUUM FULL rewrites '%s' under an ACCESS EXCLUSIVE lock: reads and writes wait for the "
			"whole rewrite, which also needs the disk space of a second copy", ls.l[0].table);
}

static void cluster(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	char name[256];

	if (rv != NULL && lint_is_new(c, rv))
		return;
	if (rv == NULL)
		lint_find(c, "cluster", -1, "reorder tables online with pg_repack --order-by",
			"CLUSTER without a table rewrites every table clustered before, each under an ACCESS "
			"EXCLUSIVE lock: reads and writes of each wait for its whole rewrite");
	else
		lint_find(c, "cluster", lint_location(rv), "reorder the table online with pg_repack --order-by",
			"CLUSTER rewrites '%s' under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole "
			"rewrite, which also needs the disk space of a second copy",
			lint_rangevar(rv, name, sizeof(name)));
}

static void reindex_without_concurrently(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const char *kind = st_tree_str(st_tree_get(c->body, "kind"));
	int v = ops_pg_version(c);
	char what[400], name[256], ver[16];

	if (ops_option_on(c->body, "params", "concurrently") || kind == NULL ||
		(rv != NULL && lint_is_new(c, rv)))
		return;
	if (strcmp(kind, "REINDEX_OBJECT_INDEX") == 0)
		st_snprintf(what, sizeof(what), "REINDEX INDEX '%s' locks its table SHARE (writes wait) and the "
			"index ACCESS EXCLUSIVE (queries that would use it wait)", lint_rangevar(rv, name, sizeof(name)));
	else if (strcmp(kind, "REINDEX_OBJECT_TABLE") == 0)
		st_snprintf(what, sizeof(what), "REINDEX TABLE '%s' locks it SHARE (writes wait) and each of its "
			"indexes ACCESS EXCLUSIVE (queries that would use them wait)",
			lint_rangevar(rv, name, sizeof(name)));
	else
		st_snprintf(what, sizeof(what), "REINDEX %s locks each table in turn SHARE (writes wait) and its "
			"indexes ACCESS EXCLUSIVE (queries that would use them wait)",
			strcmp(kind, "REINDEX_OBJECT_SCHEMA") == 0 ? "SCHEMA" :
			strcmp(kind, "REINDEX_OBJECT_SYSTEM") == 0 ? "SYSTEM" : "DATABASE");
	if (v >= 120000) {
		lint_find(c, "reindex-without-concurrently", lint_location(rv),
			"REINDEX ... CONCURRENTLY, " NO_TX_FILE, "%s, for the whole rebuild", what);
		return;
	}
	lint_find(c, "reindex-without-concurrently", lint_location(rv), "build a copy with CREATE INDEX "
		"CONCURRENTLY, DROP INDEX CONCURRENTLY the old one and rename the copy, " NO_TX_FILE,
		"%s, for the whole rebuild; PostgreSQL %s has no REINDEX CONCURRENTLY (it came in 12)", what,
		major_name(v, ver, sizeof(ver)));
}

/* ---- lock hygiene ---- */

static void require_lock_timeout(lint_ctx *c)
{
	lint_ops_state *s = ops_state(c);
	ops_locks ls;
	char target[300];

	if (c->lock_timeout || s->lock_timeout_reported)
		return;
	ops_statement_locks(c, &ls);
	if (ls.n == 0)
		return;
	s->lock_timeout_reported = 1;
	lint_find(c, "require-lock-timeout", ls.l[0].location,
		"SET lock_timeout = '5s' at the top of the file (or '-- strata:lock-timeout=5s' for strata's "
		"runner), and retry the migration when it times out",
		"this statement takes %s on %s with no lock_timeout set: while it waits for a long-running "
		"query, every %s %s queues behind it (reported once per file)",
		ops_level_names[ls.l[0].level], ops_lock_target(&ls.l[0], target, sizeof(target)),
		ls.l[0].level == OPS_ACCESS_EXCLUSIVE ? "query on" : "write to",
		ls.l[0].via_index ? "that table" : target);
}

/* Long work on a table, as a message says it: before, the table's name, after. */
typedef struct ops_work {
	const char *before, *after;
} ops_work;

static const ops_work work_validate = { "validates a constraint of", " (a scan of every row)" };
static const ops_work work_validate_fk = { "validates a new foreign key of", " (a scan of every row)" };
static const ops_work work_validate_check = { "validates a new constraint of", " (a scan of every row)" };
static const ops_work work_index = { "builds an index on", "" };
static const ops_work work_not_null = { "checks a column of", " for NULLs (a scan of every row)" };
static const ops_work work_type = { "changes the type of a column of",
	" (a rewrite, unless the change is binary-coercible)" };
static const ops_work work_rewrite = { "rewrites", "" };
static const ops_work work_reindex = { "rebuilds the indexes of", "" };
static const ops_work work_reindex_index = { "rebuilds index", "" };
static const ops_work work_refresh = { "refreshes", "" };

/*
 * The long work of an ALTER TABLE command, or NULL. On the table the
 * transaction holds ACCESS EXCLUSIVE on already, only the work that takes
 * less than that on its own (a VALIDATE, a foreign key) counts: the rest
 * would block the table the same in a transaction of its own.
 */
static const ops_work *alter_long_work(const st_tree_node *cmd, int same_table)
{
	const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
	const st_tree_node *con = st_tree_path(cmd, "def", "Constraint", (const char *)NULL);
	const char *contype = st_tree_str(st_tree_get(con, "contype"));

	if (sub == NULL)
		return NULL;
	if (strcmp(sub, "AT_ValidateConstraint") == 0)
		return &work_validate;
	if (strcmp(sub, "AT_AddConstraint") == 0 && contype != NULL) {
		int validated = !st_tree_true(st_tree_get(con, "skip_validation"));

		if (strcmp(contype, "CONSTR_FOREIGN") == 0 && validated)
			return &work_validate_fk;
		if (same_table)
			return NULL;
		if (strcmp(contype, "CONSTR_CHECK") == 0 && validated)
			return &work_validate_check;
		if ((strcmp(contype, "CONSTR_PRIMARY") == 0 || strcmp(contype, "CONSTR_UNIQUE") == 0 ||
			strcmp(contype, "CONSTR_EXCLUSION") == 0) && st_tree_get(con, "indexname") == NULL)
			return &work_index;
		return NULL;
	}
	if (same_table)
		return NULL;
	if (strcmp(sub, "AT_SetNotNull") == 0)
		return &work_not_null;
	if (strcmp(sub, "AT_AlterColumnType") == 0)
		return &work_type;
	return NULL;
}

/* A data change of an existing table: UPDATE, DELETE, MERGE, INSERT ... SELECT ... FROM. */
static const st_tree_node *backfill_target(const lint_ctx *c, const char **verb)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");

	if (strcmp(c->type, "UpdateStmt") == 0)
		*verb = "UPDATE";
	else if (strcmp(c->type, "DeleteStmt") == 0)
		*verb = "DELETE";
	else if (strcmp(c->type, "MergeStmt") == 0)
		*verb = "MERGE";
	else if (strcmp(c->type, "InsertStmt") == 0 &&
		st_tree_path(c->body, "selectStmt", "SelectStmt", "fromClause", (const char *)NULL) != NULL)
		*verb = "INSERT ... SELECT";
	else
		return NULL;
	return rv != NULL && !lint_is_new(c, rv) ? rv : NULL;
}

/* The long work the statement does on an existing table, into buf ("builds an index on 'x'"), or NULL. */
static const char *long_work(const lint_ctx *c, char *buf, size_t size)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const char *verb = NULL;
	const ops_work *work = NULL;
	char name[256];

	if (backfill_target(c, &verb) != NULL) {
		st_snprintf(buf, size, "backfills '%s' (%s)", lint_rangevar(rv, name, sizeof(name)), verb);
		return buf;
	}
	if (rv == NULL || lint_is_new(c, rv))
		return NULL;
	lint_rangevar(rv, name, sizeof(name));
	if (strcmp(c->type, "IndexStmt") == 0 && !st_tree_true(st_tree_get(c->body, "concurrent")))
		work = &work_index;
	else if (strcmp(c->type, "ClusterStmt") == 0)
		work = &work_rewrite;
	else if (strcmp(c->type, "ReindexStmt") == 0 && !ops_option_on(c->body, "params", "concurrently"))
		work = ops_str_is(st_tree_get(c->body, "kind"), "REINDEX_OBJECT_INDEX") ? &work_reindex_index :
			&work_reindex;
	else if (strcmp(c->type, "RefreshMatViewStmt") == 0)
		work = &work_refresh;
	else if (strcmp(c->type, "AlterTableStmt") == 0) {
		const st_tree_node *m, *cmds = st_tree_get(c->body, "cmds");

		for (m = cmds != NULL ? cmds->first : NULL; m != NULL && work == NULL; m = m->next)
			work = alter_long_work(st_tree_node_as(m, "AlterTableCmd"),
				strcmp(name, c->strong_lock_on) == 0);
	}
	if (work == NULL)
		return NULL;
	st_snprintf(buf, size, "%s '%s'%s", work->before, name, work->after);
	return buf;
}

static void lock_accumulation(lint_ctx *c)
{
	const char *help = "split the migration: this statement in a migration (or transaction) of its own, "
		"so that the ACCESS EXCLUSIVE lock is released first";
	ops_locks ls;
	char work[400];
	size_t i;

	if (!c->in_tx || !c->strong_lock)
		return;
	if (long_work(c, work, sizeof(work)) != NULL) {
		lint_find(c, "lock-accumulation", lint_location(st_tree_get(c->body, "relation")), help,
			"this transaction already holds ACCESS EXCLUSIVE "
			"on '%s', and this statement %s: every query on '%s' waits until the transaction commits",
			c->strong_lock_on, work, c->strong_lock_on);
		return;
	}
	ops_statement_locks(c, &ls);
	for (i = 0; i < ls.n; i++) {
		/* An index's table is not known: it may be the locked one. */
		if (ls.l[i].via_index || strcmp(ls.l[i].table, c->strong_lock_on) == 0)
			continue;
		lint_find(c, "lock-accumulation", ls.l[i].location, help, "this transaction already holds "
			"ACCESS EXCLUSIVE on '%s', and this statement also takes %s on '%s': while it waits for "
			"the queries running on '%s', every query on '%s' waits too", c->strong_lock_on,
			ops_level_names[ls.l[i].level], ls.l[i].table, ls.l[i].table, c->strong_lock_on);
		return;
	}
}

/* ---- enums ---- */

/* Whether the enum type named by typeName was created in [start, end) of the file. */
static int type_created_in(const lint_ctx *c, const char *type, size_t start, size_t end)
{
	char name[256];
	size_t i;

	for (i = start; i < end; i++)
		if (strcmp(stmt_type(c->file, i), "CreateEnumStmt") == 0 &&
			strcmp(ops_dotted(st_tree_get(st_tree_node_body(c->file->parsed.trees[i]), "typeName"), 0, name,
			sizeof(name)), type) == 0)
			return 1;
	return 0;
}

static void enum_add_value_in_transaction(lint_ctx *c)
{
	char type[256], ver[16];
	size_t start, end;

	if (st_tree_get(c->body, "oldVal") != NULL || ops_pg_version(c) >= 120000 || !tx_bounds(c, &start, &end))
		return;
	ops_dotted(st_tree_get(c->body, "typeName"), 0, type, sizeof(type));
	/* Before 12, a type created in the same transaction is the exception. */
	if (type_created_in(c, type, start, c->index))
		return;
	lint_find(c, "enum-add-value-in-transaction", -1, "put it in a file of its own marked "
		"'-- strata:no-transaction' (or target PostgreSQL 12+, where it can run in a transaction)",
		"ALTER TYPE '%s' ADD VALUE cannot run inside a transaction block on PostgreSQL %s, and this "
		"statement runs in one (%s): the migration fails", type,
		major_name(ops_pg_version(c), ver, sizeof(ver)),
		c->explicit_tx ? "the file's BEGIN" : "the migration's own transaction");
}

/* Whether the tree n holds a string constant equal to value; *at: its location, when it has one. */
static int find_literal(const st_tree_node *n, const char *value, int *at, int depth)
{
	const st_tree_node *m;

	if (n == NULL || depth > OPS_WALK_DEPTH || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return 0;
	if (n->type == ST_TREE_OBJECT) {
		const st_tree_node *k = st_tree_get(n, "A_Const");

		if (k != NULL && ops_str_is(st_tree_path(k, "sval", "sval", (const char *)NULL), value)) {
			*at = lint_location(k);
			return 1;
		}
	}
	for (m = n->first; m != NULL; m = m->next)
		if (find_literal(m, value, at, depth + 1))
			return 1;
	return 0;
}

/* Adds the string constants of the tree n to set. */
static int collect_literals(lint_names *set, const st_tree_node *n, int depth)
{
	const st_tree_node *m;

	if (n == NULL || depth > OPS_WALK_DEPTH || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return 0;
	if (n->type == ST_TREE_OBJECT) {
		const char *v = st_tree_str(st_tree_path(n, "A_Const", "sval", "sval", (const char *)NULL));

		if (v != NULL && lint_names_add(set, v) != 0)
			return STRATA_ENOMEM;
	}
	for (m = n->first; m != NULL; m = m->next)
		if (collect_literals(set, m, depth + 1) != 0)
			return STRATA_ENOMEM;
	return 0;
}

static void enum_value_used_in_transaction(lint_ctx *c)
{
	lint_ops_state *s = ops_state(c);
	const char *value = st_tree_str(st_tree_get(c->body, "newVal"));
	const lint_file *f = c->file;
	char type[256];
	size_t start, end, i;
	int at = -1, line = 0, col;

	if (st_tree_get(c->body, "oldVal") != NULL || value == NULL || ops_pg_version(c) < 120000 ||
		!tx_bounds(c, &start, &end))
		return;
	/* The file's string constants, gathered once: most new values are not among them. */
	if (!s->literals_known) {
		s->literals_known = 1;
		for (i = 0; i < f->parsed.script->nstmts; i++)
			if (collect_literals(&s->literals, f->parsed.trees[i], 0) != 0)
				c->failed = 1;
	}
	if (!lint_names_has(&s->literals, value))
		return;
	for (i = c->index + 1; i < end; i++)
		if (find_literal(f->parsed.trees[i], value, &at, 0))
			break;
	if (i >= end)
		return;
	if (at >= 0 && (size_t)at <= f->len)
		st_sql_line_col(f->text, (size_t)at, &line, &col);
	else
		line = f->parsed.script->stmts[i].line;
	lint_find(c, "enum-value-used-in-transaction", -1, "use the new value in a later migration: a "
		"value added to an enum can be used once its transaction has committed",
		"'%s' is added to enum '%s' here and used at line %d in the same transaction: PostgreSQL "
		"refuses it there ('unsafe use of new value') and the migration fails", value,
		ops_dotted(st_tree_get(c->body, "typeName"), 0, type, sizeof(type)), line + f->first_line - 1);
}

static void enum_rename_value(lint_ctx *c)
{
	const char *from = st_tree_str(st_tree_get(c->body, "oldVal"));
	const char *to = st_tree_str(st_tree_get(c->body, "newVal"));
	char type[256];

	if (from == NULL ||
		lint_names_has(&c->ops.types, ops_dotted(st_tree_get(c->body, "typeName"), 0, type, sizeof(type))))
		return;
	lint_find(c, "enum-rename-value", -1, "add the new value instead (ALTER TYPE ... ADD VALUE), move "
		"the code and the rows to it, and leave the old one unused",
		"renaming value '%s' of enum '%s' to '%s' breaks the release that is running: the '%s' it "
		"still writes and compares against is no longer a valid value of the type", from, type,
		to != NULL ? to : "?", from);
}

/* ---- data changes in schema migrations ---- */

/* Statements that change no schema: data, session, transaction and maintenance commands. */
static int is_ddl(const char *type)
{
	static const char *const not_ddl[] = {
		"CallStmt", "CheckPointStmt", "ClosePortalStmt", "CommentStmt", "ConstraintsSetStmt",
		"CopyStmt", "DeallocateStmt", "DeclareCursorStmt", "DeleteStmt", "DiscardStmt", "DoStmt",
		"ExecuteStmt", "ExplainStmt", "FetchStmt", "GrantRoleStmt", "GrantStmt", "InsertStmt",
		"ListenStmt", "LoadStmt", "LockStmt", "MergeStmt", "NotifyStmt", "PrepareStmt",
		"RefreshMatViewStmt", "SelectStmt", "TransactionStmt", "UnlistenStmt", "UpdateStmt",
		"VacuumStmt", "VariableSetStmt", "VariableShowStmt",
	};
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(not_ddl); i++)
		if (strcmp(type, not_ddl[i]) == 0)
			return 0;
	return 1;
}

static void backfill_in_schema_migration(lint_ctx *c)
{
	lint_ops_state *s = ops_state(c);
	const char *verb = NULL;
	const st_tree_node *rv = backfill_target(c, &verb);
	size_t start, end, i;
	char name[256];

	if (rv == NULL || !c->in_tx)
		return;
	/* The transaction's DDL is looked for once, at its first data change. */
	if (!s->tx_known || c->index < s->tx_start || c->index >= s->tx_end) {
		tx_bounds(c, &start, &end);
		s->tx_known = 1;
		s->tx_start = start;
		s->tx_end = end;
		s->tx_ddl = 0;
		for (i = start; i < end && !s->tx_ddl; i++)
			s->tx_ddl = is_ddl(stmt_type(c->file, i));
	}
	if (!s->tx_ddl)
		return;
	lint_find(c, "backfill-in-schema-migration", lint_location(rv), "move the backfill to a migration of "
		"its own, and change the rows in batches (a few thousand per transaction)",
		"this %s on '%s' runs in the same transaction as schema changes: the DDL's locks and the "
		"row locks of every row it changes are all held until the transaction commits, so a long "
		"backfill keeps them for its whole run",
		verb, lint_rangevar(rv, name, sizeof(name)));
}

const lint_rule_def lint_rules_ops[] = {
	{ { "rename-table", "operations", STRATA_LINT_WARNING,
	    "renaming an existing table or view breaks the queries of the release that is running" },
	  "RenameStmt", rename_table },
	{ { "rename-column", "operations", STRATA_LINT_WARNING,
	    "renaming a column of an existing table breaks the queries of the release that is running" },
	  "RenameStmt", rename_column },
	{ { "drop-table", "operations", STRATA_LINT_WARNING,
	    "DROP TABLE of an existing table: its data is lost and running code that uses it fails" },
	  "DropStmt", drop_table },
	{ { "drop-column", "operations", STRATA_LINT_WARNING,
	    "DROP COLUMN of an existing table: its data is lost and running code that names it fails" },
	  "AlterTableStmt", drop_column },
	{ { "ban-drop-database", "operations", STRATA_LINT_ERROR,
	    "DROP DATABASE in a migration" },
	  "DropdbStmt", ban_drop_database },
	{ { "truncate-table", "operations", STRATA_LINT_WARNING,
	    "TRUNCATE of an existing table deletes every row under an ACCESS EXCLUSIVE lock" },
	  "TruncateStmt", truncate_table },
	{ { "cascade", "operations", STRATA_LINT_WARNING,
	    "DROP ... CASCADE or TRUNCATE ... CASCADE drops or empties more than the statement names" },
	  NULL, cascade },
	{ { "vacuum-full", "locking", STRATA_LINT_ERROR,
	    "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE: reads and writes wait throughout" },
	  "VacuumStmt", vacuum_full },
	{ { "cluster", "locking", STRATA_LINT_ERROR,
	    "CLUSTER rewrites the table under ACCESS EXCLUSIVE: reads and writes wait throughout" },
	  "ClusterStmt", cluster },
	{ { "reindex-without-concurrently", "locking", STRATA_LINT_ERROR,
	    "REINDEX without CONCURRENTLY blocks writes to the table and queries that use its indexes" },
	  "ReindexStmt", reindex_without_concurrently },
	{ { "require-lock-timeout", "locking", STRATA_LINT_WARNING,
	    "a lock that blocks reads or writes of an existing table, with no lock_timeout set (once per file)" },
	  NULL, require_lock_timeout },
	{ { "lock-accumulation", "locking", STRATA_LINT_WARNING,
	    "more locks or long work in a transaction that already holds ACCESS EXCLUSIVE on a table" },
	  NULL, lock_accumulation },
	{ { "enum-add-value-in-transaction", "transactions", STRATA_LINT_ERROR,
	    "ALTER TYPE ... ADD VALUE inside a transaction block fails before PostgreSQL 12" },
	  "AlterEnumStmt", enum_add_value_in_transaction },
	{ { "enum-value-used-in-transaction", "transactions", STRATA_LINT_WARNING,
	    "a value added to an enum is used before its transaction commits, which fails" },
	  "AlterEnumStmt", enum_value_used_in_transaction },
	{ { "enum-rename-value", "operations", STRATA_LINT_WARNING,
	    "ALTER TYPE ... RENAME VALUE breaks running code that uses the old value" },
	  "AlterEnumStmt", enum_rename_value },
	{ { "backfill-in-schema-migration", "transactions", STRATA_LINT_WARNING,
	    "UPDATE, DELETE or INSERT ... SELECT of an existing table in the transaction of a schema change" },
	  NULL, backfill_in_schema_migration },
};

const size_t lint_rules_ops_n = ST_ARRAY_LEN(lint_rules_ops);
