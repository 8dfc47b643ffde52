/*
 * rules_schema.c: constraints and columns. Adding a constraint that
 * PostgreSQL validates at once, or a column that fills every row, or a
 * type change it cannot do in the catalog, scans or rewrites the table
 * while it holds a lock that stops writes (often reads too). Each rule
 * knows the form that avoids it: NOT VALID and a later VALIDATE, the CHECK
 * route to NOT NULL, a unique index built CONCURRENTLY, binary-coercible
 * type changes (which the catalog, catalog.c, lets it recognise).
 *
 * Only ALTER TABLE on tables the run did not create is looked at.
 */
#include <string.h>

#include "lint/lint_int.h"

#define LATER_TX "in a later transaction"

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

static const char *str(const st_tree_node *obj, const char *key)
{
	return st_tree_str(st_tree_get(obj, key));
}

static int pg_version(const lint_ctx *c)
{
	return c->opts->pg_version > 0 ? c->opts->pg_version : 150000;
}

/* 150004 -> "15", 90600 -> "9.6". */
static const char *version_text(int v, char *buf, size_t size)
{
	if (v >= 100000)
		st_snprintf(buf, size, "%d", v / 10000);
	else
		st_snprintf(buf, size, "%d.%d", v / 10000, v / 100 % 100);
	return buf;
}

/* The first element of a list, or NULL. */
static const st_tree_node *first(const st_tree_node *list)
{
	return list != NULL && list->type == ST_TREE_ARRAY ? list->first : NULL;
}

/* One command of an ALTER TABLE on a table the run did not create. */
typedef struct alter_cmd {
	const st_tree_node *rv;       /* the table's RangeVar */
	const char *table;            /* its name */
	const st_tree_node *cmd;      /* the AlterTableCmd body */
	const char *subtype;          /* "AT_AddColumn", ... */
	const st_tree_node *column;   /* the ColumnDef of ADD COLUMN / ALTER COLUMN TYPE */
	const st_tree_node *con;      /* the Constraint of ADD CONSTRAINT */
} alter_cmd;

typedef void (*cmd_fn)(lint_ctx *c, const alter_cmd *a);

static void each_cmd(lint_ctx *c, cmd_fn fn)
{
	const st_tree_node *m, *rv = st_tree_get(c->body, "relation");
	char table[256];
	alter_cmd a;

	if (!is(str(c->body, "objtype"), "OBJECT_TABLE") || rv == NULL || lint_is_new(c, rv))
		return;
	lint_rangevar(rv, table, sizeof(table));
	for (m = first(st_tree_get(c->body, "cmds")); m != NULL; m = m->next) {
		memset(&a, 0, sizeof(a));
		a.rv = rv;
		a.table = table;
		a.cmd = st_tree_node_as(m, "AlterTableCmd");
		a.subtype = str(a.cmd, "subtype");
		a.column = st_tree_node_as(st_tree_get(a.cmd, "def"), "ColumnDef");
		a.con = st_tree_node_as(st_tree_get(a.cmd, "def"), "Constraint");
		if (a.subtype != NULL)
			fn(c, &a);
	}
}

/* The constraint of type contype among an ADD COLUMN's constraints, or NULL. */
static const st_tree_node *column_constraint(const alter_cmd *a, const char *contype)
{
	const st_tree_node *m;

	if (!is(a->subtype, "AT_AddColumn"))
		return NULL;
	for (m = first(st_tree_get(a->column, "constraints")); m != NULL; m = m->next) {
		const st_tree_node *con = st_tree_node_as(m, "Constraint");

		if (is(str(con, "contype"), contype))
			return con;
	}
	return NULL;
}

/* The constraint ADD CONSTRAINT adds when it is of type contype, else NULL. */
static const st_tree_node *added_constraint(const alter_cmd *a, const char *contype)
{
	return is(a->subtype, "AT_AddConstraint") && is(str(a->con, "contype"), contype) ? a->con : NULL;
}

/* "'name' " for a named constraint, "" for one PostgreSQL names (into buf). */
static const char *named(const st_tree_node *con, char *buf, size_t size)
{
	const char *n = str(con, "conname");

	if (n != NULL)
		st_snprintf(buf, size, "'%s' ", n);
	else
		buf[0] = '\0';
	return buf;
}

static const char *colname(const alter_cmd *a)
{
	const char *n = str(a->column, "colname");

	return n != NULL ? n : "?";
}

/* ---- require-not-valid-foreign-key ---- */

static void foreign_key_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *con = added_constraint(a, "CONSTR_FOREIGN");
	char ref[256], nm[260];

	if (con != NULL && !st_tree_true(st_tree_get(con, "skip_validation"))) {
		lint_find(c, "require-not-valid-foreign-key", lint_location(con),
			"ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT " LATER_TX
			" (it takes SHARE UPDATE EXCLUSIVE: reads and writes go on)",
			"adding foreign key %sto '%s' checks every row while holding SHARE ROW EXCLUSIVE locks on "
			"'%s' and '%s': writes to both tables wait for the whole scan", named(con, nm, sizeof(nm)),
			a->table, a->table, lint_rangevar(st_tree_get(con, "pktable"), ref, sizeof(ref)));
		return;
	}
	con = column_constraint(a, "CONSTR_FOREIGN");
	if (con == NULL)
		return;
	lint_find(c, "require-not-valid-foreign-key", lint_location(con),
		"ADD COLUMN without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... NOT VALID "
		"and VALIDATE CONSTRAINT " LATER_TX,
		"ADD COLUMN '%s' REFERENCES '%s' checks every row of '%s' under ACCESS EXCLUSIVE and holds "
		"SHARE ROW EXCLUSIVE on '%s': reads and writes of '%s', and writes to '%s', wait for the whole "
		"scan", colname(a), lint_rangevar(st_tree_get(con, "pktable"), ref, sizeof(ref)), a->table, ref,
		a->table, ref);
}

static void require_not_valid_foreign_key(lint_ctx *c)
{
	each_cmd(c, foreign_key_cmd);
}

/* ---- require-not-valid-check ---- */

static void check_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *con = added_constraint(a, "CONSTR_CHECK");
	char nm[260];

	if (con != NULL && !st_tree_true(st_tree_get(con, "skip_validation"))) {
		lint_find(c, "require-not-valid-check", lint_location(con),
			"ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT " LATER_TX
			" (it takes SHARE UPDATE EXCLUSIVE: reads and writes go on)",
			"adding CHECK constraint %sto '%s' scans every row under ACCESS EXCLUSIVE: reads and writes "
			"wait for the whole scan", named(con, nm, sizeof(nm)), a->table);
		return;
	}
	con = column_constraint(a, "CONSTR_CHECK");
	if (con == NULL)
		return;
	lint_find(c, "require-not-valid-check", lint_location(con),
		"ADD COLUMN without the CHECK, then ADD CONSTRAINT ... CHECK (...) NOT VALID and VALIDATE "
		"CONSTRAINT " LATER_TX,
		"ADD COLUMN '%s' with a CHECK constraint scans every row of '%s' under ACCESS EXCLUSIVE: reads "
		"and writes wait for the whole scan", colname(a), a->table);
}

static void require_not_valid_check(lint_ctx *c)
{
	each_cmd(c, check_cmd);
}

/* ---- validate-in-same-transaction ---- */

/* The command before a's in the statement that adds constraint name NOT VALID, or NULL. */
static const st_tree_node *added_before(const lint_ctx *c, const alter_cmd *a, const char *name)
{
	const st_tree_node *m;

	for (m = first(st_tree_get(c->body, "cmds")); m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const st_tree_node *con = st_tree_node_as(st_tree_get(cmd, "def"), "Constraint");
		char own[256];

		if (cmd == a->cmd)
			break;
		if (is(str(cmd, "subtype"), "AT_AddConstraint") && st_tree_true(st_tree_get(con, "skip_validation")) &&
			strcmp(lint_constraint_name(con, a->rv, own, sizeof(own)), name) == 0)
			return con;
	}
	return NULL;
}

static void validate_cmd(lint_ctx *c, const alter_cmd *a)
{
	const char *name = str(a->cmd, "name");
	const st_tree_node *con;
	char key[600];
	int fk;

	if (!is(a->subtype, "AT_ValidateConstraint") || name == NULL)
		return;
	if ((con = added_before(c, a, name)) != NULL)
		fk = is(str(con, "contype"), "CONSTR_FOREIGN");
	else if (lint_names_has(&c->constraints_tx, lint_constraint_key(a->table, name, "check", key,
		sizeof(key))))
		fk = 0;
	else if (lint_names_has(&c->constraints_tx, lint_constraint_key(a->table, name, "foreign key", key,
		sizeof(key))))
		fk = 1;
	else
		return;
	lint_find(c, "validate-in-same-transaction", -1,
		"COMMIT after the ADD ... NOT VALID and VALIDATE in a transaction of its own (a later migration): "
		"VALIDATE alone takes SHARE UPDATE EXCLUSIVE, so reads and writes go on",
		fk ? "VALIDATE CONSTRAINT '%s' runs in the transaction that added it NOT VALID, which still holds "
		"that ADD's SHARE ROW EXCLUSIVE locks on '%s' and the referenced table: writes to both wait for the "
		"whole scan" : "VALIDATE CONSTRAINT '%s' runs in the transaction that added it NOT VALID, which still "
		"holds that ADD's ACCESS EXCLUSIVE lock on '%s': reads and writes wait for the whole scan",
		name, a->table);
}

static void validate_in_same_transaction(lint_ctx *c)
{
	each_cmd(c, validate_cmd);
}

/* ---- set-not-null ---- */

static void set_not_null_cmd(lint_ctx *c, const alter_cmd *a)
{
	const char *col = str(a->cmd, "name");
	char help[512], ver[16];
	int v = pg_version(c);

	if (!is(a->subtype, "AT_SetNotNull") || col == NULL)
		return;
	if (v >= 120000) {
		if (lint_catalog_not_null(&c->catalog, a->table, col))
			return;
		st_snprintf(help, sizeof(help), "ADD CONSTRAINT ... CHECK (%s IS NOT NULL) NOT VALID, VALIDATE "
			"CONSTRAINT " LATER_TX ", then SET NOT NULL (it skips the scan) and drop the CHECK", col);
		lint_find(c, "set-not-null", -1, help, "SET NOT NULL on column '%s' of '%s' scans every row under "
			"ACCESS EXCLUSIVE: reads and writes wait for the whole scan", col, a->table);
		return;
	}
	st_snprintf(help, sizeof(help), "keep a CHECK (%s IS NOT NULL) constraint instead: add it NOT VALID "
		"and VALIDATE CONSTRAINT " LATER_TX "; SET NOT NULL once on PostgreSQL 12+", col);
	lint_find(c, "set-not-null", -1, help, "SET NOT NULL on column '%s' of '%s' scans every row under "
		"ACCESS EXCLUSIVE: reads and writes wait for the whole scan (PostgreSQL %s cannot skip it; "
		"12 and later skip it when a validated CHECK (%s IS NOT NULL) exists)", col, a->table,
		version_text(v, ver, sizeof(ver)), col);
}

static void set_not_null(lint_ctx *c)
{
	each_cmd(c, set_not_null_cmd);
}

/* ---- ADD COLUMN ---- */

static const char *const serial_types[] = {
	"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2",
};

/* The serial pseudo-type of an ADD COLUMN, or NULL. */
static const char *serial_type(const alter_cmd *a)
{
	const st_tree_node *names = st_tree_get(st_tree_get(a->column, "typeName"), "names");
	const char *n;
	size_t i;

	if (names == NULL || names->count != 1 || (n = lint_last_name(names)) == NULL)
		return NULL;
	for (i = 0; i < ST_ARRAY_LEN(serial_types); i++)
		if (strcmp(n, serial_types[i]) == 0)
			return n;
	return NULL;
}

static void not_null_without_default_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *nn, *pk;

	if (!is(a->subtype, "AT_AddColumn") || column_constraint(a, "CONSTR_DEFAULT") != NULL ||
		column_constraint(a, "CONSTR_IDENTITY") != NULL || column_constraint(a, "CONSTR_GENERATED") != NULL ||
		serial_type(a) != NULL)
		return;
	nn = column_constraint(a, "CONSTR_NOTNULL");
	pk = column_constraint(a, "CONSTR_PRIMARY");
	if (nn != NULL)
		lint_find(c, "add-column-not-null-without-default", lint_location(nn),
			"add it nullable, backfill it in batches, then SET NOT NULL by the CHECK route; or give it a "
			"constant DEFAULT (no rewrite on PostgreSQL 11+)",
			"ADD COLUMN '%s' NOT NULL without a DEFAULT fails on '%s' as soon as it has a row: the existing "
			"rows would hold NULL", colname(a), a->table);
	else if (pk != NULL)
		lint_find(c, "add-column-not-null-without-default", lint_location(pk),
			"add it nullable, backfill unique values in batches, CREATE UNIQUE INDEX CONCURRENTLY, then "
			"ADD PRIMARY KEY USING INDEX",
			"ADD COLUMN '%s' PRIMARY KEY without a DEFAULT fails on '%s' as soon as it has a row: the "
			"existing rows would hold NULL", colname(a), a->table);
}

static void add_column_not_null_without_default(lint_ctx *c)
{
	each_cmd(c, not_null_without_default_cmd);
}

/* Volatile functions a DEFAULT may call (PostgreSQL's and common extensions'). */
static const char *const volatile_functions[] = {
	"clock_timestamp", "currval", "gen_random_bytes", "gen_random_uuid", "lastval", "nextval", "random",
	"random_normal", "timeofday", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4",
	"uuidv7",
};

/* The first call of a volatile function in an expression (pre-order), or NULL. */
static const st_tree_node *volatile_call(const st_tree_node *n, const char **name)
{
	const st_tree_node *m, *found, *call;
	size_t i;

	if (n == NULL || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return NULL;
	if (n->type == ST_TREE_OBJECT && (call = st_tree_node_as(n, "FuncCall")) != NULL) {
		const char *f = lint_last_name(st_tree_get(call, "funcname"));

		for (i = 0; f != NULL && i < ST_ARRAY_LEN(volatile_functions); i++)
			if (strcmp(f, volatile_functions[i]) == 0) {
				*name = volatile_functions[i];
				return call;
			}
	}
	for (m = n->first; m != NULL; m = m->next)
		if ((found = volatile_call(m, name)) != NULL)
			return found;
	return NULL;
}

/* DEFAULT NULL, also with a cast. */
static int null_default(const st_tree_node *expr)
{
	const st_tree_node *cast;

	while ((cast = st_tree_node_as(expr, "TypeCast")) != NULL)
		expr = st_tree_get(cast, "arg");
	return st_tree_true(st_tree_get(st_tree_node_as(expr, "A_Const"), "isnull"));
}

#define BACKFILL_HELP "add the column without a default, ALTER COLUMN ... SET DEFAULT for new rows, and " \
	"backfill the existing rows in batches"

static void volatile_default_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *def = column_constraint(a, "CONSTR_DEFAULT");
	const st_tree_node *expr = st_tree_get(def, "raw_expr"), *call;
	const char *fn = NULL;
	char ver[16];

	if (def == NULL || null_default(expr))
		return;
	if (pg_version(c) < 110000)
		lint_find(c, "add-column-volatile-default", lint_location(def), BACKFILL_HELP,
			"ADD COLUMN '%s' with a DEFAULT rewrites '%s' under ACCESS EXCLUSIVE on PostgreSQL %s (only 11 "
			"and later add a constant default without a rewrite): reads and writes wait for the whole "
			"rewrite", colname(a), a->table, version_text(pg_version(c), ver, sizeof(ver)));
	else if ((call = volatile_call(expr, &fn)) != NULL)
		lint_find(c, "add-column-volatile-default", lint_location(call), BACKFILL_HELP,
			"ADD COLUMN '%s' with the volatile default %s() rewrites '%s' under ACCESS EXCLUSIVE to give "
			"every row its own value: reads and writes wait for the whole rewrite", colname(a), fn, a->table);
}

static void add_column_volatile_default(lint_ctx *c)
{
	each_cmd(c, volatile_default_cmd);
}

#define NUMBER_HELP "add a nullable bigint column, backfill it in batches, SET NOT NULL by the CHECK route, " \
	"then ALTER COLUMN ... ADD GENERATED BY DEFAULT AS IDENTITY (START WITH past the backfill)"

static void rewrite_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *con;
	const char *serial = serial_type(a);

	if (!is(a->subtype, "AT_AddColumn"))
		return;
	if (serial != NULL)
		lint_find(c, "add-column-rewrite", lint_location(st_tree_get(a->column, "typeName")), NUMBER_HELP,
			"ADD COLUMN '%s' %s rewrites '%s' under ACCESS EXCLUSIVE to number every row from a new "
			"sequence: reads and writes wait for the whole rewrite", colname(a), serial, a->table);
	else if ((con = column_constraint(a, "CONSTR_IDENTITY")) != NULL)
		lint_find(c, "add-column-rewrite", lint_location(con), NUMBER_HELP,
			"ADD COLUMN '%s' GENERATED AS IDENTITY rewrites '%s' under ACCESS EXCLUSIVE to number every row: "
			"reads and writes wait for the whole rewrite", colname(a), a->table);
	else if ((con = column_constraint(a, "CONSTR_GENERATED")) != NULL)
		lint_find(c, "add-column-rewrite", lint_location(con),
			"add a plain column, backfill it in batches and keep it current with a trigger (or compute "
			"the value where it is read)",
			"ADD COLUMN '%s' GENERATED ALWAYS AS (...) STORED rewrites '%s' under ACCESS EXCLUSIVE to compute "
			"every row: reads and writes wait for the whole rewrite", colname(a), a->table);
}

static void add_column_rewrite(lint_ctx *c)
{
	each_cmd(c, rewrite_cmd);
}

/* ---- change-column-type ---- */

static const char *base_name(const lint_type *t)
{
	return strncmp(t->name, "pg_catalog.", 11) == 0 ? t->name + 11 : t->name;
}

static int same_type(const lint_type *a, const lint_type *b)
{
	int i;

	if (strcmp(base_name(a), base_name(b)) != 0 || a->array != b->array || a->nmods != b->nmods)
		return 0;
	for (i = 0; i < a->nmods; i++)
		if (a->mods[i] != b->mods[i])
			return 0;
	return 1;
}

/* Types whose length or precision typmod may grow without a rewrite. */
static int grows_freely(const char *name)
{
	static const char *const names[] = { "varchar", "varbit", "timestamp", "timestamptz", "time", "timetz" };
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * Whether PostgreSQL changes old to new in the catalog alone (checked on
 * PostgreSQL 15 against the table's file node): a typmod that grows, or
 * goes away, for the types whose length coercion is a no-op then; and the
 * binary-coercible casts varchar -> text, text -> varchar, cidr -> inet,
 * xml -> text. Arrays rewrite unless the type stays the same.
 */
static int binary_coercible(const lint_type *old, const lint_type *new_type)
{
	const char *o = base_name(old), *n = base_name(new_type);

	if (same_type(old, new_type))
		return 1;
	if (old->array || new_type->array || old->nmods < 0 || new_type->nmods < 0)
		return 0;
	if (strcmp(o, n) == 0) {
		if (new_type->nmods == 0)
			return grows_freely(n) || is(n, "numeric") || is(n, "interval");
		if (grows_freely(n))
			return old->nmods == 1 && new_type->nmods == 1 && new_type->mods[0] >= old->mods[0];
		if (is(n, "numeric"))
			return old->nmods >= 1 && new_type->mods[0] >= old->mods[0] &&
				(old->nmods == 2 ? old->mods[1] : 0) == (new_type->nmods == 2 ? new_type->mods[1] : 0);
		return 0;
	}
	return (is(o, "varchar") && is(n, "text")) || (is(o, "text") && is(n, "varchar") && new_type->nmods == 0) ||
		(is(o, "cidr") && is(n, "inet")) || (is(o, "xml") && is(n, "text"));
}

/* The old types a change to t is free from, for a message (into buf). */
static const char *free_from(const lint_type *t, char *buf, size_t size)
{
	const char *n = base_name(t);
	char sql[200];

	lint_type_sql(t, sql, sizeof(sql));
	if (t->array || t->nmods < 0)
		st_snprintf(buf, size, "%s", sql);
	else if ((is(n, "text") || is(n, "varchar")) && t->nmods == 0)
		st_snprintf(buf, size, "varchar or text");
	else if (is(n, "varchar"))
		st_snprintf(buf, size, "varchar of at most %lld characters", t->mods[0]);
	else if (is(n, "varbit") && t->nmods == 1)
		st_snprintf(buf, size, "bit varying of at most %lld bits", t->mods[0]);
	else if (is(n, "numeric") && t->nmods >= 1)
		st_snprintf(buf, size, "numeric of at most %lld digits with scale %lld", t->mods[0],
			t->nmods == 2 ? t->mods[1] : 0);
	else if (grows_freely(n) && t->nmods == 1)
		st_snprintf(buf, size, "%s of at most %lld fractional digits", n, t->mods[0]);
	else if (grows_freely(n) || is(n, "numeric") || is(n, "interval"))
		st_snprintf(buf, size, "%s of any %s", sql, is(n, "varbit") ? "length" : is(n, "numeric") ?
			"precision and scale" : "precision");
	else if (is(n, "inet"))
		st_snprintf(buf, size, "inet or cidr");
	else
		st_snprintf(buf, size, "%s", sql);
	return buf;
}

/* USING that only names the column (perhaps cast to the new type) changes nothing. */
static int plain_using(const st_tree_node *expr, const char *col)
{
	const st_tree_node *cast, *ref;

	if (expr == NULL)
		return 1;
	if ((cast = st_tree_node_as(expr, "TypeCast")) != NULL)
		expr = st_tree_get(cast, "arg");
	ref = st_tree_node_as(expr, "ColumnRef");
	return ref != NULL && st_tree_get(ref, "fields") != NULL && st_tree_get(ref, "fields")->count == 1 &&
		is(lint_last_name(st_tree_get(ref, "fields")), col);
}

#define NEW_COLUMN_HELP "add a column of the new type, backfill it in batches and keep it in sync with a " \
	"trigger, then switch to it and drop the old one in a later migration"

static void change_type_cmd(lint_ctx *c, const alter_cmd *a)
{
	const char *col = str(a->cmd, "name");
	const st_tree_node *type_name = st_tree_get(a->column, "typeName");
	const lint_column *known;
	lint_type to;
	char to_sql[200], from_sql[200], from[300];
	int loc = lint_location(type_name);

	if (!is(a->subtype, "AT_AlterColumnType") || col == NULL || type_name == NULL)
		return;
	lint_type_of(&to, type_name);
	lint_type_sql(&to, to_sql, sizeof(to_sql));
	known = lint_catalog_column(&c->catalog, a->table, col);
	if (!plain_using(st_tree_get(a->column, "raw_default"), col)) {
		lint_find(c, "change-column-type", loc, NEW_COLUMN_HELP, "changing column '%s' of '%s' to %s with a "
			"USING expression rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE: reads "
			"and writes wait for the whole rewrite", col, a->table, to_sql);
	} else if (known != NULL) {
		int tz = (is(base_name(&known->type), "timestamp") && is(base_name(&to), "timestamptz")) ||
			(is(base_name(&known->type), "timestamptz") && is(base_name(&to), "timestamp"));

		if (binary_coercible(&known->type, &to))
			return;
		lint_find(c, "change-column-type", loc, NEW_COLUMN_HELP, "changing column '%s' of '%s' from %s to "
			"%s rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE%s: reads and writes "
			"wait for the whole rewrite", col, a->table, lint_type_sql(&known->type, from_sql,
			sizeof(from_sql)), to_sql, tz && pg_version(c) >= 120000 && !known->type.array && !to.array ?
			" (unless the session's TimeZone is UTC)" : "");
	} else {
		lint_find(c, "change-column-type", loc, NEW_COLUMN_HELP, "changing column '%s' of '%s' to %s "
			"rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE unless its current type "
			"is %s (strata does not know it): reads and writes wait for the whole rewrite", col, a->table, to_sql, free_from(&to, from, sizeof(from)));
	}
}

static void change_column_type(lint_ctx *c)
{
	each_cmd(c, change_type_cmd);
}

/* ---- require-unique-using-index ---- */

static void unique_cmd(lint_ctx *c, const alter_cmd *a)
{
	const st_tree_node *con;
	char nm[260];
	int pk;

	if ((con = added_constraint(a, "CONSTR_UNIQUE")) != NULL ||
		(con = added_constraint(a, "CONSTR_PRIMARY")) != NULL) {
		if (str(con, "indexname") != NULL)
			return;
		pk = is(str(con, "contype"), "CONSTR_PRIMARY");
		named(con, nm, sizeof(nm));
		lint_find(c, "require-unique-using-index", lint_location(con),
			pk ? "CREATE UNIQUE INDEX CONCURRENTLY (in a '-- strata:no-transaction' file), then ADD "
			"CONSTRAINT ... PRIMARY KEY USING INDEX" : "CREATE UNIQUE INDEX CONCURRENTLY (in a "
			"'-- strata:no-transaction' file), then ADD CONSTRAINT ... UNIQUE USING INDEX",
			"adding %s %sto '%s' builds its unique index under ACCESS EXCLUSIVE: reads and writes wait "
			"for the whole build", pk ? "PRIMARY KEY" : "UNIQUE constraint", nm, a->table);
		return;
	}
	if ((con = column_constraint(a, "CONSTR_UNIQUE")) == NULL &&
		(con = column_constraint(a, "CONSTR_PRIMARY")) == NULL)
		return;
	pk = is(str(con, "contype"), "CONSTR_PRIMARY");
	lint_find(c, "require-unique-using-index", lint_location(con),
		"ADD COLUMN alone, then CREATE UNIQUE INDEX CONCURRENTLY (in a '-- strata:no-transaction' file) and "
		"ADD CONSTRAINT ... USING INDEX",
		"ADD COLUMN '%s' %s builds a unique index on '%s' under ACCESS EXCLUSIVE: reads and writes wait for "
		"the whole build", colname(a), pk ? "PRIMARY KEY" : "UNIQUE", a->table);
}

static void require_unique_using_index(lint_ctx *c)
{
	each_cmd(c, unique_cmd);
}

const lint_rule_def lint_rules_schema[] = {
	{ { "require-not-valid-foreign-key", "constraints", STRATA_LINT_ERROR,
	    "a foreign key added to an existing table without NOT VALID blocks writes to both tables for a "
	    "full scan" }, "AlterTableStmt", require_not_valid_foreign_key },
	{ { "require-not-valid-check", "constraints", STRATA_LINT_ERROR,
	    "a CHECK constraint added to an existing table without NOT VALID blocks reads and writes for a "
	    "full scan" }, "AlterTableStmt", require_not_valid_check },
	{ { "validate-in-same-transaction", "constraints", STRATA_LINT_ERROR,
	    "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID scans under the "
	    "ADD's lock" }, "AlterTableStmt", validate_in_same_transaction },
	{ { "set-not-null", "constraints", STRATA_LINT_ERROR,
	    "SET NOT NULL on an existing table scans it under ACCESS EXCLUSIVE (use the CHECK route)" },
	  "AlterTableStmt", set_not_null },
	{ { "require-unique-using-index", "constraints", STRATA_LINT_ERROR,
	    "UNIQUE or PRIMARY KEY added to an existing table without USING INDEX builds the index under "
	    "ACCESS EXCLUSIVE" }, "AlterTableStmt", require_unique_using_index },
	{ { "add-column-not-null-without-default", "columns", STRATA_LINT_ERROR,
	    "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table that has rows" },
	  "AlterTableStmt", add_column_not_null_without_default },
	{ { "add-column-volatile-default", "columns", STRATA_LINT_ERROR,
	    "ADD COLUMN with a volatile DEFAULT (any DEFAULT before PostgreSQL 11) rewrites the table" },
	  "AlterTableStmt", add_column_volatile_default },
	{ { "add-column-rewrite", "columns", STRATA_LINT_ERROR,
	    "ADD COLUMN of a serial, identity or stored generated column rewrites the table" },
	  "AlterTableStmt", add_column_rewrite },
	{ { "change-column-type", "columns", STRATA_LINT_ERROR,
	    "ALTER COLUMN TYPE rewrites the table and its indexes unless the change is binary coercible" },
	  "AlterTableStmt", change_column_type },
};

const size_t lint_rules_schema_n = ST_ARRAY_LEN(lint_rules_schema);
