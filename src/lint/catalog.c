/*
 * catalog.c: the columns and NOT NULL checks a run knows, so that rules
 * can tell a type change that rewrites a table from one that only changes
 * the catalog, and a SET NOT NULL that scans from one a validated CHECK
 * (col IS NOT NULL) lets PostgreSQL skip.
 *
 * lint.c calls lint_catalog_update after the rules of every statement
 * (replayed ones too). CREATE TABLE records every column of the table;
 * ALTER TABLE ADD COLUMN and ALTER COLUMN TYPE record the column also on a
 * table the run did not create; DROP COLUMN, RENAME and DROP TABLE keep it
 * true. CHECK constraints are kept only for the columns they prove NOT
 * NULL. Tables are few per run (thousands at most) and are looked up only
 * by statements that name them, so the lists are searched linearly.
 */
#include <string.h>

#include "lint/lint_int.h"

/* ---- types ---- */

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

/* An A_Const integer: {"ival": {"ival": N}} ({"ival": {}} is 0). */
static int const_int(const st_tree_node *n, long long *out)
{
	const st_tree_node *iv = st_tree_get(st_tree_node_as(n, "A_Const"), "ival");

	if (iv == NULL || iv->type != ST_TREE_OBJECT)
		return -1;
	*out = st_tree_int(st_tree_get(iv, "ival"), 0);
	return 0;
}

void lint_type_of(lint_type *out, const st_tree_node *type_name)
{
	const st_tree_node *m, *mods = st_tree_get(type_name, "typmods");
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	for (m = st_tree_get(type_name, "names") ? st_tree_get(type_name, "names")->first : NULL; m != NULL;
		m = m->next) {
		const char *part = st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval"));

		if (part == NULL)
			continue;
		st_snprintf(out->name + len, sizeof(out->name) - len, "%s%s", len > 0 ? "." : "", part);
		len = strlen(out->name);
	}
	for (m = mods != NULL ? mods->first : NULL; m != NULL; m = m->next) {
		long long v;

		if (out->nmods < 0)
			break;
		if (out->nmods >= 2 || const_int(m, &v) != 0) {
			out->nmods = -1;
			break;
		}
		out->mods[out->nmods++] = v;
	}
	out->array = st_tree_get(type_name, "arrayBounds") != NULL;
}

/* Names as people write them, for messages. */
static const char *const sql_names[][2] = {
	{ "bool", "boolean" }, { "bpchar", "char" }, { "float4", "real" },
	{ "float8", "double precision" }, { "int2", "smallint" }, { "int4", "integer" },
	{ "int8", "bigint" }, { "varbit", "bit varying" },
};

const char *lint_type_sql(const lint_type *t, char *buf, size_t size)
{
	const char *name = t->name;
	size_t i;

	if (strncmp(name, "pg_catalog.", 11) == 0) {
		name += 11;
		for (i = 0; i < ST_ARRAY_LEN(sql_names); i++)
			if (strcmp(name, sql_names[i][0]) == 0)
				name = sql_names[i][1];
	}
	if (t->nmods == 1)
		st_snprintf(buf, size, "%s(%lld)%s", name, t->mods[0], t->array ? "[]" : "");
	else if (t->nmods == 2)
		st_snprintf(buf, size, "%s(%lld,%lld)%s", name, t->mods[0], t->mods[1], t->array ? "[]" : "");
	else
		st_snprintf(buf, size, "%s%s", name, t->array ? "[]" : "");
	return buf;
}

/* ---- constraint names ---- */

/* The first column an expression names (pre-order), or NULL. */
static const char *first_column(const st_tree_node *n)
{
	const st_tree_node *m;
	const char *found;

	if (n == NULL || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return NULL;
	if (n->type == ST_TREE_OBJECT && st_tree_node_as(n, "ColumnRef") != NULL)
		return lint_last_name(st_tree_get(st_tree_node_as(n, "ColumnRef"), "fields"));
	for (m = n->first; m != NULL; m = m->next)
		if ((found = first_column(m)) != NULL)
			return found;
	return NULL;
}

const char *lint_constraint_name(const st_tree_node *con, const st_tree_node *rv, char *buf, size_t size)
{
	const char *own = st_tree_str(st_tree_get(con, "conname"));
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	strata_buf b = STRATA_BUF_INIT;
	const st_tree_node *m;

	if (own != NULL) {
		st_snprintf(buf, size, "%s", own);
		return buf;
	}
	/* As ChooseConstraintName does it (without its truncation to 63 bytes). */
	strata_buf_printf(&b, "%s", rel != NULL ? rel : "?");
	if (type != NULL && strcmp(type, "CONSTR_FOREIGN") == 0) {
		for (m = st_tree_get(con, "fk_attrs") ? st_tree_get(con, "fk_attrs")->first : NULL; m != NULL;
			m = m->next)
			strata_buf_printf(&b, "_%s", st_tree_str(st_tree_get(st_tree_node_as(m, "String"),
				"sval")) ? st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval")) : "");
		strata_buf_printf(&b, "_fkey");
	} else {
		const char *col = first_column(st_tree_get(con, "raw_expr"));

		if (col != NULL)
			strata_buf_printf(&b, "_%s", col);
		strata_buf_printf(&b, "_check");
	}
	st_snprintf(buf, size, "%s", strata_buf_cstr(&b));
	strata_buf_release(&b);
	return buf;
}

const char *lint_constraint_key(const char *table, const char *name, const char *kind, char *buf,
	size_t size)
{
	st_snprintf(buf, size, "%s\x1f%s\x1f%s", table, name, kind);
	return buf;
}

/* ---- tables and columns ---- */

static lint_table *table_find(const lint_catalog *cat, const char *name)
{
	size_t i;

	for (i = 0; i < cat->ntables; i++)
		if (strcmp(cat->tables[i].name, name) == 0)
			return &cat->tables[i];
	return NULL;
}

static void table_clear(lint_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		st_free(t->cols[i].name);
	st_free(t->cols);
	st_free(t->name);
	memset(t, 0, sizeof(*t));
}

static void table_drop(lint_catalog *cat, const char *name)
{
	lint_table *t = table_find(cat, name);

	if (t == NULL)
		return;
	table_clear(t);
	*t = cat->tables[--cat->ntables];
}

/* The table named name, added (with no columns) when missing; NULL: out of memory. */
static lint_table *table_get(lint_catalog *cat, const char *name)
{
	lint_table *t = table_find(cat, name);

	if (t != NULL)
		return t;
	if (cat->ntables == cat->cap) {
		size_t cap = cat->cap ? cat->cap * 2 : 16;
		lint_table *grown = st_realloc(cat->tables, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		cat->tables = grown;
		cat->cap = cap;
	}
	t = &cat->tables[cat->ntables];
	memset(t, 0, sizeof(*t));
	if ((t->name = st_strdup(name)) == NULL)
		return NULL;
	cat->ntables++;
	return t;
}

static lint_column *column_find(const lint_table *t, const char *name)
{
	size_t i;

	for (i = 0; t != NULL && i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* Sets column name of t to type (added when missing). -1: out of memory. */
static int column_set(lint_table *t, const char *name, const lint_type *type)
{
	lint_column *col = column_find(t, name);

	if (col == NULL) {
		if (t->ncols == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 8;
			lint_column *grown = st_realloc(t->cols, cap * sizeof(*grown));

			if (grown == NULL)
				return -1;
			t->cols = grown;
			t->cap = cap;
		}
		col = &t->cols[t->ncols];
		if ((col->name = st_strdup(name)) == NULL)
			return -1;
		t->ncols++;
	}
	col->type = *type;
	return 0;
}

static void column_drop(lint_table *t, const char *name)
{
	lint_column *col = column_find(t, name);

	if (col == NULL)
		return;
	st_free(col->name);
	/* Keep the order: messages and future rules may list columns. */
	memmove(col, col + 1, (size_t)(t->cols + t->ncols - (col + 1)) * sizeof(*col));
	t->ncols--;
}

const lint_column *lint_catalog_column(const lint_catalog *cat, const char *table, const char *column)
{
	return column_find(table_find(cat, table), column);
}

/* ---- CHECK constraints that prove columns NOT NULL ---- */

static void check_free(lint_check *k)
{
	st_free(k->table);
	st_free(k->name);
	st_free(k->column);
}

static int check_add(lint_catalog *cat, const char *table, const char *name, const char *column,
	int valid)
{
	lint_check *k;

	if (cat->nchecks == cat->checks_cap) {
		size_t cap = cat->checks_cap ? cat->checks_cap * 2 : 16;
		lint_check *grown = st_realloc(cat->checks, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		cat->checks = grown;
		cat->checks_cap = cap;
	}
	k = &cat->checks[cat->nchecks];
	k->table = st_strdup(table);
	k->name = st_strdup(name);
	k->column = st_strdup(column);
	k->valid = valid;
	if (k->table == NULL || k->name == NULL || k->column == NULL) {
		check_free(k);
		return -1;
	}
	cat->nchecks++;
	return 0;
}

/* Drops the checks of table (named name; NULL: all of them). */
static void checks_drop(lint_catalog *cat, const char *table, const char *name)
{
	size_t i = 0;

	while (i < cat->nchecks) {
		lint_check *k = &cat->checks[i];

		if (strcmp(k->table, table) == 0 && (name == NULL || strcmp(k->name, name) == 0)) {
			check_free(k);
			*k = cat->checks[--cat->nchecks];
		} else {
			i++;
		}
	}
}

/* Replaces the string *field with a copy of value. -1: out of memory. */
static int replace(char **field, const char *value)
{
	char *copy = st_strdup(value);

	if (copy == NULL)
		return -1;
	st_free(*field);
	*field = copy;
	return 0;
}

int lint_catalog_not_null(const lint_catalog *cat, const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < cat->nchecks; i++) {
		const lint_check *k = &cat->checks[i];

		if (k->valid && strcmp(k->table, table) == 0 && strcmp(k->column, column) == 0)
			return 1;
	}
	return 0;
}

/* The columns expr proves NOT NULL: "col IS NOT NULL", alone or ANDed (into the checks). */
static int not_null_columns(lint_catalog *cat, const st_tree_node *expr, const char *table,
	const char *name, int valid)
{
	const st_tree_node *test = st_tree_node_as(expr, "NullTest");
	const st_tree_node *conj = st_tree_node_as(expr, "BoolExpr");
	const st_tree_node *m;

	if (test != NULL) {
		const char *type = st_tree_str(st_tree_get(test, "nulltesttype"));
		const st_tree_node *ref = st_tree_node_as(st_tree_get(test, "arg"), "ColumnRef");
		const char *col = lint_last_name(st_tree_get(ref, "fields"));

		if (type == NULL || strcmp(type, "IS_NOT_NULL") != 0 || col == NULL)
			return 0;
		return check_add(cat, table, name, col, valid);
	}
	if (conj == NULL || !is(st_tree_str(st_tree_get(conj, "boolop")), "AND_EXPR"))
		return 0;
	for (m = st_tree_get(conj, "args") ? st_tree_get(conj, "args")->first : NULL; m != NULL; m = m->next)
		if (not_null_columns(cat, m, table, name, valid) != 0)
			return -1;
	return 0;
}

/* ---- statements ---- */

/* CREATE TABLE: the table anew, with its columns. */
static int create_table(lint_catalog *cat, const st_tree_node *body)
{
	const st_tree_node *m, *rv = st_tree_get(body, "relation");
	char name[256];
	lint_table *t;

	lint_rangevar(rv, name, sizeof(name));
	if (st_tree_true(st_tree_get(body, "if_not_exists")) && table_find(cat, name) != NULL)
		return 0;
	table_drop(cat, name);
	checks_drop(cat, name, NULL);
	if ((t = table_get(cat, name)) == NULL)
		return -1;
	t->complete = st_tree_get(body, "inhRelations") == NULL && st_tree_get(body, "partbound") == NULL &&
		st_tree_get(body, "ofTypename") == NULL;
	for (m = st_tree_get(body, "tableElts") ? st_tree_get(body, "tableElts")->first : NULL; m != NULL;
		m = m->next) {
		const st_tree_node *col = st_tree_node_as(m, "ColumnDef");
		const char *cname = st_tree_str(st_tree_get(col, "colname"));
		lint_type type;

		if (col == NULL || cname == NULL) {
			if (st_tree_node_as(m, "TableLikeClause") != NULL)
				t->complete = 0;
			continue;
		}
		lint_type_of(&type, st_tree_get(col, "typeName"));
		if (column_set(t, cname, &type) != 0)
			return -1;
	}
	return 0;
}

/* ADD CONSTRAINT (or a column's constraint): NOT NULL checks, and NOT VALID ones in the transaction. */
static int add_constraint(lint_ctx *c, const st_tree_node *con, const st_tree_node *rv, const char *table)
{
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	int not_valid = st_tree_true(st_tree_get(con, "skip_validation"));
	char name[256], key[600];

	if (!is(type, "CONSTR_CHECK") && !is(type, "CONSTR_FOREIGN"))
		return 0;
	lint_constraint_name(con, rv, name, sizeof(name));
	if (not_valid && c->in_tx &&
		lint_names_add(&c->constraints_tx, lint_constraint_key(table, name,
			is(type, "CONSTR_CHECK") ? "check" : "foreign key", key, sizeof(key))) != 0)
		return -1;
	if (!is(type, "CONSTR_CHECK"))
		return 0;
	return not_null_columns(&c->catalog, st_tree_get(con, "raw_expr"), table, name, !not_valid);
}

static int alter_command(lint_ctx *c, const st_tree_node *rv, const char *table, const st_tree_node *cmd)
{
	lint_catalog *cat = &c->catalog;
	const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
	const char *name = st_tree_str(st_tree_get(cmd, "name"));
	const st_tree_node *def = st_tree_get(cmd, "def");
	const st_tree_node *col = st_tree_node_as(def, "ColumnDef");
	const st_tree_node *m;
	lint_table *t;
	lint_type type;
	size_t i;

	if (is(sub, "AT_AddColumn") && col != NULL && st_tree_str(st_tree_get(col, "colname")) != NULL) {
		if ((t = table_get(cat, table)) == NULL)
			return -1;
		lint_type_of(&type, st_tree_get(col, "typeName"));
		if (column_set(t, st_tree_str(st_tree_get(col, "colname")), &type) != 0)
			return -1;
		for (m = st_tree_get(col, "constraints") ? st_tree_get(col, "constraints")->first : NULL;
			m != NULL; m = m->next)
			if (add_constraint(c, st_tree_node_as(m, "Constraint"), rv, table) != 0)
				return -1;
	} else if (is(sub, "AT_AlterColumnType") && col != NULL && name != NULL) {
		if ((t = table_get(cat, table)) == NULL)
			return -1;
		lint_type_of(&type, st_tree_get(col, "typeName"));
		return column_set(t, name, &type);
	} else if (is(sub, "AT_DropColumn") && name != NULL) {
		column_drop(table_find(cat, table), name);
		/* PostgreSQL drops the constraints that use the column. */
		for (i = 0; i < cat->nchecks;) {
			char con[256];

			if (strcmp(cat->checks[i].table, table) != 0 || strcmp(cat->checks[i].column, name) != 0) {
				i++;
				continue;
			}
			st_snprintf(con, sizeof(con), "%s", cat->checks[i].name);
			checks_drop(cat, table, con);
			i = 0;
		}
	} else if (is(sub, "AT_AddConstraint")) {
		return add_constraint(c, st_tree_node_as(def, "Constraint"), rv, table);
	} else if (is(sub, "AT_ValidateConstraint") && name != NULL) {
		for (i = 0; i < cat->nchecks; i++)
			if (strcmp(cat->checks[i].table, table) == 0 && strcmp(cat->checks[i].name, name) == 0)
				cat->checks[i].valid = 1;
	} else if (is(sub, "AT_DropConstraint") && name != NULL) {
		checks_drop(cat, table, name);
	}
	return 0;
}

static int alter_table(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	const st_tree_node *m;
	char table[256];

	if (!is(st_tree_str(st_tree_get(c->body, "objtype")), "OBJECT_TABLE") || rv == NULL)
		return 0;
	lint_rangevar(rv, table, sizeof(table));
	for (m = st_tree_get(c->body, "cmds") ? st_tree_get(c->body, "cmds")->first : NULL; m != NULL;
		m = m->next)
		if (alter_command(c, rv, table, st_tree_node_as(m, "AlterTableCmd")) != 0)
			return -1;
	return 0;
}

/* ALTER TABLE RENAME (the table, a column, a constraint). */
static int rename_object(lint_catalog *cat, const st_tree_node *body)
{
	const st_tree_node *rv = st_tree_get(body, "relation");
	const char *kind = st_tree_str(st_tree_get(body, "renameType"));
	const char *sub = st_tree_str(st_tree_get(body, "subname"));
	const char *to = st_tree_str(st_tree_get(body, "newname"));
	const char *schema = st_tree_str(st_tree_get(rv, "schemaname"));
	char table[256], renamed[256];
	lint_table *t;
	lint_column *col;
	size_t i;

	if (rv == NULL || to == NULL)
		return 0;
	lint_rangevar(rv, table, sizeof(table));
	if (is(kind, "OBJECT_TABLE")) {
		if (schema != NULL)
			st_snprintf(renamed, sizeof(renamed), "%s.%s", schema, to);
		else
			st_snprintf(renamed, sizeof(renamed), "%s", to);
		table_drop(cat, renamed);
		checks_drop(cat, renamed, NULL);
		if ((t = table_find(cat, table)) != NULL && replace(&t->name, renamed) != 0)
			return -1;
		for (i = 0; i < cat->nchecks; i++)
			if (strcmp(cat->checks[i].table, table) == 0 && replace(&cat->checks[i].table, renamed) != 0)
				return -1;
	} else if (is(kind, "OBJECT_COLUMN") && sub != NULL) {
		t = table_find(cat, table);
		column_drop(t, to);
		if ((col = column_find(t, sub)) != NULL && replace(&col->name, to) != 0)
			return -1;
		for (i = 0; i < cat->nchecks; i++)
			if (strcmp(cat->checks[i].table, table) == 0 && strcmp(cat->checks[i].column, sub) == 0 &&
				replace(&cat->checks[i].column, to) != 0)
				return -1;
	} else if (is(kind, "OBJECT_TABCONSTRAINT") && sub != NULL) {
		for (i = 0; i < cat->nchecks; i++)
			if (strcmp(cat->checks[i].table, table) == 0 && strcmp(cat->checks[i].name, sub) == 0 &&
				replace(&cat->checks[i].name, to) != 0)
				return -1;
	}
	return 0;
}

/* DROP TABLE: forgotten. */
static void drop_tables(lint_catalog *cat, const st_tree_node *body)
{
	const st_tree_node *m, *p;
	char name[256];

	if (!is(st_tree_str(st_tree_get(body, "removeType")), "OBJECT_TABLE"))
		return;
	for (m = st_tree_get(body, "objects") ? st_tree_get(body, "objects")->first : NULL; m != NULL;
		m = m->next) {
		const st_tree_node *items = st_tree_get(st_tree_node_as(m, "List"), "items");
		size_t len = 0;

		name[0] = '\0';
		for (p = items != NULL ? items->first : NULL; p != NULL; p = p->next) {
			const char *part = st_tree_str(st_tree_get(st_tree_node_as(p, "String"), "sval"));

			st_snprintf(name + len, sizeof(name) - len, "%s%s", len > 0 ? "." : "", part ? part : "");
			len = strlen(name);
		}
		table_drop(cat, name);
		checks_drop(cat, name, NULL);
	}
}

void lint_catalog_update(lint_ctx *c)
{
	int rc = 0;

	if (c->type == NULL || c->failed)
		return;
	if (strcmp(c->type, "CreateStmt") == 0)
		rc = create_table(&c->catalog, c->body);
	else if (strcmp(c->type, "AlterTableStmt") == 0)
		rc = alter_table(c);
	else if (strcmp(c->type, "RenameStmt") == 0)
		rc = rename_object(&c->catalog, c->body);
	else if (strcmp(c->type, "DropStmt") == 0)
		drop_tables(&c->catalog, c->body);
	if (rc != 0)
		c->failed = 1;
}

void lint_catalog_release(lint_catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->ntables; i++)
		table_clear(&cat->tables[i]);
	st_free(cat->tables);
	for (i = 0; i < cat->nchecks; i++)
		check_free(&cat->checks[i]);
	st_free(cat->checks);
	memset(cat, 0, sizeof(*cat));
}
