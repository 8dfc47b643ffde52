/*
 * rules_strata.c: strata's own conventions for what a migration creates:
 * foreign keys with an index on the referencing side, tenant tables with a
 * NOT NULL tenant column and row-level security, keys that include the
 * tenant column (the distribution column, for Citus), and partitioned
 * tables that can take rows.
 *
 * Most of these are judged when a file ends, because the index, the
 * policies or the partitions come in statements after the CREATE TABLE. So
 * the family keeps its own picture of the tables the run created (replayed
 * migrations too): lint.c calls lint_strata_track after every statement,
 * lint_strata_file_end before a file's ignores are reported, and
 * lint_strata_release at the end of the run. Names are borrowed from the
 * parse trees, which live as long as the run. A finding made at the end of
 * a file is reported at the statement that created the object, so that an
 * ignore comment there applies.
 */
#include <string.h>

#include "lint/lint_int.h"

/* An index, or a PRIMARY KEY or UNIQUE constraint. */
typedef struct skey {
	const char *name;                 /* the index's or the constraint's, or NULL */
	const char **cols;                /* plain key columns (expressions are skipped) */
	size_t ncols;
	size_t nlead;                     /* plain columns before the first expression */
	int usable;                       /* btree without WHERE: serves a foreign key's lookups */
	int dropped;
} skey;

/* A foreign key of a table the run created. */
typedef struct sfk {
	size_t table;                     /* in tables */
	const char *name;                 /* NULL: unnamed */
	const char **cols;
	size_t ncols;
	char parent[256];                 /* the referenced table */
	const lint_file *file;
	size_t stmt;                      /* the statement that added it */
	int location;
	int dropped;
} sfk;

typedef struct stable {
	char *name;                       /* as lint_rangevar names it */
	const lint_file *file;            /* the file that created it */
	size_t stmt;                      /* its CREATE TABLE */
	int location;                     /* of its name */
	int dropped;
	int partition;                    /* PARTITION OF another table */
	int cols_unknown;                 /* LIKE: not every column is known */
	int tenant;                       /* has the tenant column */
	int tenant_not_null;
	int tenant_location;
	int tenant_schema;                /* created where the run already had tenant tables */
	int rls_enabled, rls_forced;
	size_t npolicies;
	char strategy;                    /* PARTITION BY: 'l'ist, 'r'ange, 'h'ash; 0: none */
	int partspec_location;
	int has_default;
	size_t npartitions;
	skey *keys;
	size_t nkeys;
} stable;

struct lint_strata {
	stable *tables;
	size_t ntables;
	sfk *fks;
	size_t nfks;
	lint_names tenant_schemas;        /* schemas ("" unqualified) with tenant tables */
	size_t file_tables, file_fks;     /* the first table and key of the current file */
};

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

static const char *tenant_column(const lint_ctx *c)
{
	return c->opts->tenant_column != NULL ? c->opts->tenant_column : STRATA_LINT_TENANT_COLUMN;
}

static const char *sval(const st_tree_node *n)
{
	return st_tree_str(st_tree_get(st_tree_node_as(n, "String"), "sval"));
}

/* A list's members, or NULL. */
static const st_tree_node *members(const st_tree_node *body, const char *key)
{
	const st_tree_node *l = st_tree_get(body, key);

	return l != NULL ? l->first : NULL;
}

/* ---- the tables ---- */

static stable *table_find(struct lint_strata *s, const st_tree_node *rv)
{
	char name[256];
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));
	const char *schema = st_tree_str(st_tree_get(rv, "schemaname"));
	size_t i;

	if (s == NULL || rv == NULL || rel == NULL)
		return NULL;
	lint_rangevar(rv, name, sizeof(name));
	for (i = s->ntables; i-- > 0;)
		if (!s->tables[i].dropped && strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	/* Created qualified, named here by the search path (or the other way round). */
	for (i = s->ntables; i-- > 0;) {
		const char *t = s->tables[i].name, *dot = strrchr(t, '.');

		if (s->tables[i].dropped)
			continue;
		if (schema == NULL && dot != NULL && strcmp(dot + 1, rel) == 0)
			return &s->tables[i];
		if (schema != NULL && strcmp(schema, "public") == 0 && dot == NULL && strcmp(t, rel) == 0)
			return &s->tables[i];
	}
	return NULL;
}

/* base, with room for element n (capacities are powers of two from 8); NULL when out of memory. */
static void *room(void *base, size_t n, size_t size)
{
	if (n == 0)
		return st_realloc(base, 8 * size);
	if (n >= 8 && (n & (n - 1)) == 0)
		return st_realloc(base, 2 * n * size);
	return base;
}

static stable *new_table(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	stable *v = room(s->tables, s->ntables, sizeof(*v));

	if (v == NULL) {
		c->failed = 1;
		return NULL;
	}
	s->tables = v;
	memset(&v[s->ntables], 0, sizeof(*v));
	return &v[s->ntables++];
}

static skey *new_key(lint_ctx *c, stable *t)
{
	skey *v = room(t->keys, t->nkeys, sizeof(*v));

	if (v == NULL) {
		c->failed = 1;
		return NULL;
	}
	t->keys = v;
	memset(&v[t->nkeys], 0, sizeof(*v));
	return &v[t->nkeys++];
}

static sfk *new_fk(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	sfk *v = room(s->fks, s->nfks, sizeof(*v));

	if (v == NULL) {
		c->failed = 1;
		return NULL;
	}
	s->fks = v;
	memset(&v[s->nfks], 0, sizeof(*v));
	return &v[s->nfks++];
}

/* A String list (or IndexElem list) as an array of names; NULL when empty or out of memory. */
static const char **names_of(lint_ctx *c, const st_tree_node *first, size_t *n, size_t *nlead)
{
	const st_tree_node *m;
	const char **v;
	size_t k = 0, count = 0;
	int lead = 1;

	for (m = first; m != NULL; m = m->next)
		count++;
	*n = 0;
	if (nlead != NULL)
		*nlead = 0;
	if (count == 0)
		return NULL;
	v = st_calloc(count, sizeof(*v));
	if (v == NULL) {
		c->failed = 1;
		return NULL;
	}
	for (m = first; m != NULL; m = m->next) {
		const char *name = sval(m);

		if (name == NULL)
			name = st_tree_str(st_tree_get(st_tree_node_as(m, "IndexElem"), "name"));
		if (name == NULL) {
			lead = 0;
			continue;
		}
		v[k++] = name;
		if (lead && nlead != NULL)
			(*nlead)++;
	}
	*n = k;
	return v;
}

static int has_name(const char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is(v[i], name))
			return 1;
	return 0;
}

static void add_key(lint_ctx *c, stable *t, const char *name, const char **cols, size_t n, size_t nlead,
	int usable)
{
	skey *k = new_key(c, t);

	if (k == NULL) {
		st_free(cols);
		return;
	}
	k->name = name;
	k->cols = cols;
	k->ncols = n;
	k->nlead = nlead;
	k->usable = usable;
}

static void add_fk(lint_ctx *c, stable *t, const char *name, const char **cols, size_t n,
	const st_tree_node *con)
{
	struct lint_strata *s = c->strata;
	sfk *f = new_fk(c);

	if (f == NULL) {
		st_free(cols);
		return;
	}
	f->table = (size_t)(t - s->tables);
	f->name = name;
	f->cols = cols;
	f->ncols = n;
	lint_rangevar(st_tree_get(con, "pktable"), f->parent, sizeof(f->parent));
	f->file = c->file;
	f->stmt = c->index;
	f->location = lint_location(con);
}

/* A column constraint's one column as an array (like names_of). */
static const char **one_name(lint_ctx *c, const char *column, size_t *n, size_t *nlead)
{
	const char **v = st_calloc(1, sizeof(*v));

	*n = v != NULL ? 1 : 0;
	if (nlead != NULL)
		*nlead = *n;
	if (v == NULL)
		c->failed = 1;
	else
		v[0] = column;
	return v;
}

/* A table or column constraint: keys, foreign keys, NOT NULL of the tenant column. */
static void track_constraint(lint_ctx *c, stable *t, const st_tree_node *con, const char *column)
{
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	const char *name = st_tree_str(st_tree_get(con, "conname"));
	const char **cols;
	size_t n, nlead;

	if (is(type, "CONSTR_NOTNULL") && is(column, tenant_column(c))) {
		t->tenant_not_null = 1;
	} else if (is(type, "CONSTR_PRIMARY") || is(type, "CONSTR_UNIQUE")) {
		if (st_tree_get(con, "indexname") != NULL)
			return;           /* USING INDEX: the index is a key already */
		if (column != NULL)
			cols = one_name(c, column, &n, &nlead);
		else
			cols = names_of(c, members(con, "keys"), &n, &nlead);
		if (is(type, "CONSTR_PRIMARY") && has_name(cols, n, tenant_column(c)))
			t->tenant_not_null = 1;
		add_key(c, t, name, cols, n, nlead, 1);
	} else if (is(type, "CONSTR_FOREIGN")) {
		if (column != NULL)
			cols = one_name(c, column, &n, NULL);
		else
			cols = names_of(c, members(con, "fk_attrs"), &n, NULL);
		add_fk(c, t, name, cols, n, con);
	}
}

static void track_column(lint_ctx *c, stable *t, const st_tree_node *col)
{
	const char *name = st_tree_str(st_tree_get(col, "colname"));
	const st_tree_node *m;

	if (is(name, tenant_column(c))) {
		t->tenant = 1;
		t->tenant_location = lint_location(col);
	}
	for (m = members(col, "constraints"); m != NULL; m = m->next)
		track_constraint(c, t, st_tree_node_as(m, "Constraint"), name);
}

static void schema_of(const char *table, char *buf, size_t size)
{
	const char *dot = strrchr(table, '.');

	st_snprintf(buf, size, "%.*s", dot != NULL ? (int)(dot - table) : 0, table);
}

static void track_create(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m, *bound, *spec;
	const char *strategy;
	stable *t, *parent = NULL;
	char schema[256];

	if (rv == NULL || is(st_tree_str(st_tree_get(rv, "relpersistence")), "t"))
		return;
	bound = st_tree_get(c->body, "partbound");
	if (bound != NULL) {
		const st_tree_node *inh = members(c->body, "inhRelations");

		parent = table_find(s, st_tree_node_as(inh, "RangeVar"));
		if (parent != NULL) {
			parent->npartitions++;
			if (st_tree_true(st_tree_get(bound, "is_default")))
				parent->has_default = 1;
		}
	}
	if (parent != NULL) {
		size_t p = (size_t)(parent - s->tables);

		t = new_table(c);
		parent = t != NULL ? &s->tables[p] : NULL;
	} else {
		t = new_table(c);
	}
	if (t == NULL)
		return;
	t->name = st_strdup(lint_rangevar(rv, schema, sizeof(schema)));
	if (t->name == NULL) {
		c->failed = 1;
		return;
	}
	t->file = c->file;
	t->stmt = c->index;
	t->location = lint_location(rv);
	t->partition = bound != NULL;
	if (parent != NULL) {
		t->tenant = parent->tenant;
		t->tenant_not_null = parent->tenant_not_null;
		t->tenant_location = t->location;
	}
	spec = st_tree_get(c->body, "partspec");
	strategy = st_tree_str(st_tree_get(spec, "strategy"));
	if (strategy != NULL) {
		t->strategy = (char)(strategy[0] == 'l' || strategy[0] == 'r' || strategy[0] == 'h' ?
			strategy[0] : 'r');
		t->partspec_location = lint_location(spec);
	}
	for (m = members(c->body, "tableElts"); m != NULL; m = m->next) {
		if (st_tree_node_as(m, "ColumnDef") != NULL)
			track_column(c, t, st_tree_node_as(m, "ColumnDef"));
		else if (st_tree_node_as(m, "Constraint") != NULL)
			track_constraint(c, t, st_tree_node_as(m, "Constraint"), NULL);
		else if (st_tree_node_as(m, "TableLikeClause") != NULL)
			t->cols_unknown = 1;
	}
	if (members(c->body, "inhRelations") != NULL && bound == NULL)
		t->cols_unknown = 1;      /* INHERITS */
	schema_of(t->name, schema, sizeof(schema));
	t->tenant_schema = lint_names_has(&s->tenant_schemas, schema);
	if (t->tenant && !t->partition && lint_names_add(&s->tenant_schemas, schema) != 0)
		c->failed = 1;
}

/* Marks the key or foreign key named name of t dropped. */
static void drop_named(struct lint_strata *s, stable *t, const char *name)
{
	size_t i, ti = (size_t)(t - s->tables);

	for (i = 0; i < t->nkeys; i++)
		if (is(t->keys[i].name, name))
			t->keys[i].dropped = 1;
	for (i = 0; i < s->nfks; i++)
		if (s->fks[i].table == ti && is(s->fks[i].name, name))
			s->fks[i].dropped = 1;
}

static void track_alter(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	const st_tree_node *m;
	stable *t;
	size_t ti;

	if (!is(st_tree_str(st_tree_get(c->body, "objtype")), "OBJECT_TABLE") ||
		(t = table_find(s, st_tree_get(c->body, "relation"))) == NULL)
		return;
	ti = (size_t)(t - s->tables);
	for (m = members(c->body, "cmds"); m != NULL && !c->failed; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
		const char *name = st_tree_str(st_tree_get(cmd, "name"));
		const st_tree_node *def = st_tree_get(cmd, "def");

		t = &s->tables[ti];
		if (is(sub, "AT_AddColumn") && st_tree_node_as(def, "ColumnDef") != NULL) {
			track_column(c, t, st_tree_node_as(def, "ColumnDef"));
		} else if (is(sub, "AT_AddConstraint") && st_tree_node_as(def, "Constraint") != NULL) {
			track_constraint(c, t, st_tree_node_as(def, "Constraint"), NULL);
		} else if (is(sub, "AT_SetNotNull") && is(name, tenant_column(c))) {
			t->tenant_not_null = 1;
		} else if (is(sub, "AT_DropNotNull") && is(name, tenant_column(c))) {
			t->tenant_not_null = 0;
		} else if (is(sub, "AT_DropColumn") && is(name, tenant_column(c))) {
			t->tenant = 0;
		} else if (is(sub, "AT_DropConstraint")) {
			drop_named(s, t, name);
		} else if (is(sub, "AT_EnableRowSecurity")) {
			t->rls_enabled = 1;
		} else if (is(sub, "AT_DisableRowSecurity")) {
			t->rls_enabled = 0;
		} else if (is(sub, "AT_ForceRowSecurity")) {
			t->rls_forced = 1;
		} else if (is(sub, "AT_NoForceRowSecurity")) {
			t->rls_forced = 0;
		} else if (is(sub, "AT_AttachPartition")) {
			stable *part = table_find(s, st_tree_path(def, "PartitionCmd", "name", (const char *)NULL));

			t->npartitions++;
			if (st_tree_true(st_tree_path(def, "PartitionCmd", "bound", "is_default",
				(const char *)NULL)))
				t->has_default = 1;
			if (part != NULL && part != t)
				part->partition = 1;
		} else if (is(sub, "AT_DetachPartition") && t->npartitions > 0) {
			t->npartitions--;
		}
	}
	if (s->tables[ti].tenant && !s->tables[ti].partition) {
		char schema[256];

		schema_of(s->tables[ti].name, schema, sizeof(schema));
		if (lint_names_add(&s->tenant_schemas, schema) != 0)
			c->failed = 1;
	}
}

static void track_index(lint_ctx *c)
{
	stable *t = table_find(c->strata, st_tree_get(c->body, "relation"));
	const char *am = st_tree_str(st_tree_get(c->body, "accessMethod"));
	const char **cols;
	size_t n, nlead;

	if (t == NULL)
		return;
	cols = names_of(c, members(c->body, "indexParams"), &n, &nlead);
	add_key(c, t, st_tree_str(st_tree_get(c->body, "idxname")), cols, n, nlead,
		(am == NULL || strcmp(am, "btree") == 0) && st_tree_get(c->body, "whereClause") == NULL);
}

/* DROP TABLE and DROP INDEX: what the run created is gone. */
static void track_drop(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	const char *what = st_tree_str(st_tree_get(c->body, "removeType"));
	const st_tree_node *m, *p;
	size_t i, k;

	for (m = members(c->body, "objects"); m != NULL; m = m->next) {
		const st_tree_node *items = st_tree_get(st_tree_node_as(m, "List"), "items");
		char name[256];
		size_t len = 0;

		name[0] = '\0';
		for (p = items != NULL ? items->first : NULL; p != NULL && sval(p) != NULL; p = p->next) {
			st_snprintf(name + len, sizeof(name) - len, "%s%s", len > 0 ? "." : "", sval(p));
			len = strlen(name);
		}
		if (is(what, "OBJECT_TABLE")) {
			for (i = 0; i < s->ntables; i++)
				if (strcmp(s->tables[i].name, name) == 0)
					s->tables[i].dropped = 1;
		} else if (is(what, "OBJECT_INDEX")) {
			const char *idx = strrchr(name, '.') != NULL ? strrchr(name, '.') + 1 : name;

			for (i = 0; i < s->ntables; i++)
				for (k = 0; k < s->tables[i].nkeys; k++)
					if (is(s->tables[i].keys[k].name, idx))
						s->tables[i].keys[k].dropped = 1;
		}
	}
}

static void track_rename(lint_ctx *c)
{
	stable *t;
	char schema[256], name[512];
	const char *to = st_tree_str(st_tree_get(c->body, "newname"));
	char *renamed;

	if (!is(st_tree_str(st_tree_get(c->body, "renameType")), "OBJECT_TABLE") || to == NULL ||
		(t = table_find(c->strata, st_tree_get(c->body, "relation"))) == NULL)
		return;
	schema_of(t->name, schema, sizeof(schema));
	st_snprintf(name, sizeof(name), "%s%s%s", schema, schema[0] != '\0' ? "." : "", to);
	renamed = st_strdup(name);
	if (renamed == NULL) {
		c->failed = 1;
		return;
	}
	st_free(t->name);
	t->name = renamed;
}

void lint_strata_track(lint_ctx *c)
{
	stable *t;

	if (c->strata == NULL && (c->strata = st_calloc(1, sizeof(*c->strata))) == NULL) {
		c->failed = 1;
		return;
	}
	if (strcmp(c->type, "CreateStmt") == 0)
		track_create(c);
	else if (strcmp(c->type, "AlterTableStmt") == 0)
		track_alter(c);
	else if (strcmp(c->type, "IndexStmt") == 0)
		track_index(c);
	else if (strcmp(c->type, "DropStmt") == 0)
		track_drop(c);
	else if (strcmp(c->type, "RenameStmt") == 0)
		track_rename(c);
	else if (strcmp(c->type, "CreatePolicyStmt") == 0 &&
		(t = table_find(c->strata, st_tree_get(c->body, "table"))) != NULL)
		t->npolicies++;
}

void lint_strata_release(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	size_t i, k;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntables; i++) {
		for (k = 0; k < s->tables[i].nkeys; k++)
			st_free(s->tables[i].keys[k].cols);
		st_free(s->tables[i].keys);
		st_free(s->tables[i].name);
	}
	for (i = 0; i < s->nfks; i++)
		st_free(s->fks[i].cols);
	st_free(s->tables);
	st_free(s->fks);
	lint_names_release(&s->tenant_schemas);
	st_free(s);
	c->strata = NULL;
}

/* ---- distribution-key-missing: judged at the statement ---- */

static void list_cols(const char *const *cols, size_t n, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		st_snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "", cols[i]);
		len = strlen(buf);
	}
}

/* Appends a key element to buf: a column's name, or an expression as "f(...)". */
static int key_element(const st_tree_node *m, char *buf, size_t size, size_t *len, const char *tenant)
{
	const char *name = sval(m);
	const st_tree_node *elem = st_tree_node_as(m, "IndexElem");
	const char *func = lint_last_name(st_tree_path(elem, "expr", "FuncCall", "funcname", (const char *)NULL));

	if (name == NULL)
		name = st_tree_str(st_tree_get(elem, "name"));
	if (name != NULL)
		st_snprintf(buf + *len, size - *len, "%s%s", *len > 0 ? ", " : "", name);
	else if (func != NULL)
		st_snprintf(buf + *len, size - *len, "%s%s(...)", *len > 0 ? ", " : "", func);
	else
		st_snprintf(buf + *len, size - *len, "%s(expression)", *len > 0 ? ", " : "");
	*len = strlen(buf);
	return is(name, tenant);
}

/* Reports a key of a tenant table (its elements, or one column) that leaves the tenant column out. */
static void key_check(lint_ctx *c, const char *table, const char *what, const char *name,
	const st_tree_node *first, const char *column, int location)
{
	const char *col = tenant_column(c);
	const st_tree_node *m;
	char shown[512], label[300], help[600];
	size_t len = 0;
	int has = 0;

	shown[0] = '\0';
	if (column != NULL) {
		st_snprintf(shown, sizeof(shown), "%s", column);
		has = is(column, col);
	}
	for (m = column == NULL ? first : NULL; m != NULL; m = m->next)
		has |= key_element(m, shown, sizeof(shown), &len, col);
	if (has || shown[0] == '\0')
		return;
	st_snprintf(label, sizeof(label), "%s%s%s%s", what, name != NULL ? " '" : "", name != NULL ? name : "",
		name != NULL ? "'" : "");
	st_snprintf(help, sizeof(help), "make %s part of the key, first: (%s, %s)", col, col, shown);
	lint_find(c, "distribution-key-missing", location, help,
		"the %s of '%s' (%s) does not include %s: it is unique across all tenants rather than "
		"within each (a duplicate tells one tenant what another has), and Citus can distribute "
		"the table by %s only when every primary key and unique constraint includes it", label,
		table, shown, col, col);
}

static void constraint_check(lint_ctx *c, const char *table, const st_tree_node *con, const char *column)
{
	const char *type = st_tree_str(st_tree_get(con, "contype"));
	const char *what = is(type, "CONSTR_PRIMARY") ? "primary key" :
		is(type, "CONSTR_UNIQUE") ? "unique constraint" : NULL;

	if (what == NULL || st_tree_get(con, "indexname") != NULL)
		return;
	key_check(c, table, what, st_tree_str(st_tree_get(con, "conname")), members(con, "keys"), column,
		lint_location(con));
}

/* The columns and constraints of a CREATE TABLE or of ALTER TABLE's ADD clauses. */
static void keys_of_statement(lint_ctx *c, const char *table)
{
	const st_tree_node *m, *k;

	if (strcmp(c->type, "CreateStmt") == 0) {
		for (m = members(c->body, "tableElts"); m != NULL; m = m->next) {
			const st_tree_node *col = st_tree_node_as(m, "ColumnDef");

			if (col != NULL)
				for (k = members(col, "constraints"); k != NULL; k = k->next)
					constraint_check(c, table, st_tree_node_as(k, "Constraint"),
						st_tree_str(st_tree_get(col, "colname")));
			else if (st_tree_node_as(m, "Constraint") != NULL)
				constraint_check(c, table, st_tree_node_as(m, "Constraint"), NULL);
		}
		return;
	}
	for (m = members(c->body, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *def = st_tree_get(st_tree_node_as(m, "AlterTableCmd"), "def");
		const st_tree_node *col = st_tree_node_as(def, "ColumnDef");

		if (col != NULL)
			for (k = members(col, "constraints"); k != NULL; k = k->next)
				constraint_check(c, table, st_tree_node_as(k, "Constraint"),
					st_tree_str(st_tree_get(col, "colname")));
		else if (st_tree_node_as(def, "Constraint") != NULL)
			constraint_check(c, table, st_tree_node_as(def, "Constraint"), NULL);
	}
}

/* Nonzero when the statement itself defines the tenant column (CREATE TABLE, ADD COLUMN). */
static int defines_tenant(const lint_ctx *c)
{
	const st_tree_node *m;

	if (strcmp(c->type, "CreateStmt") == 0) {
		for (m = members(c->body, "tableElts"); m != NULL; m = m->next)
			if (is(st_tree_str(st_tree_get(st_tree_node_as(m, "ColumnDef"), "colname")), tenant_column(c)))
				return 1;
		return 0;
	}
	for (m = members(c->body, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *col = st_tree_node_as(st_tree_get(st_tree_node_as(m, "AlterTableCmd"), "def"),
			"ColumnDef");

		if (is(st_tree_str(st_tree_get(col, "colname")), tenant_column(c)))
			return 1;
	}
	return 0;
}

static void distribution_key_missing(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	stable *t;
	char table[256];
	int tenant;

	if (rv == NULL)
		return;
	lint_rangevar(rv, table, sizeof(table));
	t = table_find(c->strata, rv);
	if (strcmp(c->type, "CreateStmt") == 0) {
		const st_tree_node *inh = members(c->body, "inhRelations");
		stable *parent = st_tree_get(c->body, "partbound") != NULL ?
			table_find(c->strata, st_tree_node_as(inh, "RangeVar")) : NULL;

		if (is(st_tree_str(st_tree_get(rv, "relpersistence")), "t"))
			return;
		tenant = defines_tenant(c) || (parent != NULL && parent->tenant);
	} else if (strcmp(c->type, "AlterTableStmt") == 0) {
		if (t == NULL || !is(st_tree_str(st_tree_get(c->body, "objtype")), "OBJECT_TABLE"))
			return;
		tenant = t->tenant || defines_tenant(c);
	} else if (strcmp(c->type, "IndexStmt") == 0) {
		if (t == NULL || !t->tenant || !st_tree_true(st_tree_get(c->body, "unique")))
			return;
		key_check(c, table, "unique index", st_tree_str(st_tree_get(c->body, "idxname")),
			members(c->body, "indexParams"), NULL, -1);
		return;
	} else {
		return;
	}
	if (tenant)
		keys_of_statement(c, table);
}

/* ---- judged at the end of a file ---- */

static void at_statement(lint_ctx *c, size_t stmt)
{
	c->index = stmt;
	c->stmt = &c->file->parsed.script->stmts[stmt];
}

/* Nonzero when a usable key of t leads with exactly the columns of f (in any order). */
static int covered(const stable *t, const sfk *f)
{
	size_t i, j;

	for (i = 0; i < t->nkeys; i++) {
		const skey *k = &t->keys[i];

		if (k->dropped || !k->usable || k->nlead < f->ncols || f->ncols == 0)
			continue;
		for (j = 0; j < f->ncols && has_name(k->cols, f->ncols, f->cols[j]); j++)
			;
		if (j == f->ncols)
			return 1;
	}
	return 0;
}

static void fk_check(lint_ctx *c, const sfk *f)
{
	const stable *t = &c->strata->tables[f->table];
	char cols[512], name[300];

	if (f->dropped || t->dropped || f->ncols == 0 || covered(t, f))
		return;
	list_cols(f->cols, f->ncols, cols, sizeof(cols));
	if (f->name != NULL)
		st_snprintf(name, sizeof(name), " '%s'", f->name);
	else
		name[0] = '\0';
	at_statement(c, f->stmt);
	lint_find(c, "fk-without-index", f->location,
		t->file == c->file ? "CREATE INDEX on the referencing columns in this migration (the table is "
			"new: no CONCURRENTLY needed)" :
			"CREATE INDEX CONCURRENTLY on the referencing columns, in a file marked "
			"'-- strata:no-transaction'",
		"foreign key%s of '%s' (%s) has no index that leads with its columns: every DELETE from "
		"'%s', and every UPDATE of its key, scans '%s' for referencing rows while holding the "
		"parent row's lock", name, t->name, cols, f->parent, t->name);
}

/* What t lacks of ENABLE, FORCE and a policy, as a list for a message. */
static void rls_missing(const stable *t, char *buf, size_t size)
{
	const char *parts[3];
	size_t n = 0, i, len = 0;

	if (!t->rls_enabled)
		parts[n++] = "ENABLE ROW LEVEL SECURITY";
	if (!t->rls_forced)
		parts[n++] = "FORCE ROW LEVEL SECURITY";
	if (t->npolicies == 0)
		parts[n++] = "a policy";
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		st_snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " and ", parts[i]);
		len = strlen(buf);
	}
}

static void tenant_checks(lint_ctx *c, const stable *t)
{
	const char *col = tenant_column(c);
	char schema[256], missing[160], help[300];
	int scoped = t->tenant || (t->tenant_schema && !t->cols_unknown);

	if (t->partition || !scoped)
		return;
	at_statement(c, t->stmt);
	schema_of(t->name, schema, sizeof(schema));
	st_snprintf(help, sizeof(help), "add %s NOT NULL referencing the tenants table, or ignore this "
		"rule with the reason the table is shared by every tenant", col);
	if (!t->tenant)
		lint_find(c, "tenant-table-without-tenant-id", t->location, help,
			"'%s' is created in %s%s%s, where the run already created tenant tables, but has no %s "
			"column: its rows belong to no tenant, and no row-level security policy can keep one "
			"tenant's rows from another", t->name, schema[0] != '\0' ? "schema '" : "the default schema",
			schema, schema[0] != '\0' ? "'" : "", col);
	else if (!t->tenant_not_null)
		lint_find(c, "tenant-table-without-tenant-id", t->tenant_location,
			"declare it NOT NULL",
			"'%s.%s' may be NULL: a row without a tenant belongs to none, no tenant's policy "
			"matches it, and Citus refuses it in the distribution column", t->name, col);
	/* A table without the column was told to get one, or is shared: no policy to write yet. */
	if (!t->tenant || (t->rls_enabled && t->rls_forced && t->npolicies > 0))
		return;
	rls_missing(t, missing, sizeof(missing));
	st_snprintf(help, sizeof(help), "ALTER TABLE %s ENABLE ROW LEVEL SECURITY, ALTER TABLE %s FORCE ROW "
		"LEVEL SECURITY and CREATE POLICY ... USING (%s = <the current tenant>), in this migration",
		t->name, t->name, col);
	lint_find(c, "tenant-table-without-rls", t->location, help,
		"'%s' holds tenant rows (%s) but this migration leaves it without %s: %s", t->name, col,
		missing,
		!t->rls_enabled ? "every role that may read it reads every tenant's rows" :
		!t->rls_forced ? "the table's owner, and functions running as the owner, bypass the policies" :
		"row-level security without a policy hides every row from every role but superusers and "
		"BYPASSRLS roles");
}

static void partition_check(lint_ctx *c, const stable *t)
{
	at_statement(c, t->stmt);
	if (t->strategy == 'l' && !t->has_default)
		lint_find(c, "partition-without-default", t->partspec_location,
			"CREATE TABLE <name>_default PARTITION OF <table> DEFAULT",
			"'%s' is partitioned by LIST without a DEFAULT partition: an INSERT of a value no "
			"partition lists fails with 'no partition of relation found for row'", t->name);
	else if (t->strategy != 0 && t->strategy != 'l' && t->npartitions == 0)
		lint_find(c, "partition-without-default", t->partspec_location,
			t->strategy == 'r' ? "create the partitions it needs now and the next ones ahead of time "
				"(or a DEFAULT partition) in this migration" :
				"create its partitions (FOR VALUES WITH (MODULUS n, REMAINDER r)) in this migration",
			"'%s' is partitioned by %s and this migration creates no partition of it: every INSERT "
			"fails with 'no partition of relation found for row'", t->name,
			t->strategy == 'r' ? "RANGE" : "HASH");
}

void lint_strata_file_end(lint_ctx *c)
{
	struct lint_strata *s = c->strata;
	size_t i;

	if (s == NULL)
		return;
	if (!c->replay && c->file->parsed.script != NULL) {
		for (i = s->file_tables; i < s->ntables && !c->failed; i++) {
			if (s->tables[i].dropped || s->tables[i].file != c->file)
				continue;
			tenant_checks(c, &s->tables[i]);
			partition_check(c, &s->tables[i]);
		}
		for (i = s->file_fks; i < s->nfks && !c->failed; i++)
			if (s->fks[i].file == c->file)
				fk_check(c, &s->fks[i]);
		c->stmt = NULL;
	}
	s->file_tables = s->ntables;
	s->file_fks = s->nfks;
}

const lint_rule_def lint_rules_strata[] = {
	{ { "fk-without-index", "indexes", STRATA_LINT_WARNING,
	    "a foreign key without an index that leads with its columns: deletes of the parent scan "
	    "the table" }, "-", NULL },
	{ { "tenant-table-without-tenant-id", "tenancy", STRATA_LINT_WARNING,
	    "a new table among tenant tables without a NOT NULL tenant_id" }, "-", NULL },
	{ { "tenant-table-without-rls", "tenancy", STRATA_LINT_ERROR,
	    "a new tenant table without ENABLE and FORCE ROW LEVEL SECURITY and a policy" }, "-", NULL },
	{ { "distribution-key-missing", "tenancy", STRATA_LINT_WARNING,
	    "a primary key or unique constraint of a tenant table that does not include tenant_id" },
	  NULL, distribution_key_missing },
	{ { "partition-without-default", "partitioning", STRATA_LINT_WARNING,
	    "a partitioned table that cannot take every row: LIST without DEFAULT, RANGE or HASH "
	    "without partitions" }, "-", NULL },
};

const size_t lint_rules_strata_n = ST_ARRAY_LEN(lint_rules_strata);
