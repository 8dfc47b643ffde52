/*
 * rules_style.c: hygiene of what a migration creates. Types that cost a
 * table rewrite to fix once the table is big (integer keys, varchar(n),
 * timestamp, json) or that bring a separate object along (serial); names
 * that must be quoted forever, or that PostgreSQL truncates without an
 * error. These rules judge new tables too: a name or a type is cheapest to
 * get right when it is created.
 *
 * The naming patterns are options (strata_lint_options.naming); NULL is
 * STRATA_LINT_NAME_PATTERN, checked by hand (no regex per name).
 */
#include <regex.h>
#include <string.h>

#include "lint/lint_int.h"

/* PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated. */
#define NAME_MAX_BYTES 63

/* ---- column definitions a statement creates ---- */

/* A column a statement defines: CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE. */
typedef struct coldef {
	const char *table;                /* as lint_rangevar names it */
	const char *name;                 /* the column */
	const st_tree_node *type;         /* TypeName body */
	int pk;                           /* part of the primary key */
	int retype;                       /* ALTER COLUMN TYPE */
} coldef;

typedef void (*coldef_fn)(lint_ctx *c, const coldef *d);

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

/* A list's first member, or NULL. */
static const st_tree_node *members(const st_tree_node *body, const char *key)
{
	const st_tree_node *l = st_tree_get(body, key);

	return l != NULL ? l->first : NULL;
}

/* A String list has s. */
static int list_has(const st_tree_node *list, const char *s)
{
	const st_tree_node *m;

	for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next)
		if (is(st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval")), s))
			return 1;
	return 0;
}

/* A ColumnDef body has a column constraint of contype. */
static int col_has(const st_tree_node *col, const char *contype)
{
	const st_tree_node *m;

	for (m = members(col, "constraints"); m != NULL; m = m->next)
		if (is(st_tree_str(st_tree_get(st_tree_node_as(m, "Constraint"), "contype")), contype))
			return 1;
	return 0;
}

/* CREATE TABLE's table-level PRIMARY KEY has column. */
static int table_pk_has(const st_tree_node *elts, const char *column)
{
	const st_tree_node *m;

	for (m = elts != NULL ? elts->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *con = st_tree_node_as(m, "Constraint");

		if (is(st_tree_str(st_tree_get(con, "contype")), "CONSTR_PRIMARY") &&
			list_has(st_tree_get(con, "keys"), column))
			return 1;
	}
	return 0;
}

/* Calls fn for every column definition of c's statement. */
static void each_coldef(lint_ctx *c, coldef_fn fn)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m, *elts;
	char table[256];
	coldef d;

	if (rv == NULL)
		return;
	lint_rangevar(rv, table, sizeof(table));
	memset(&d, 0, sizeof(d));
	d.table = table;
	if (strcmp(c->type, "CreateStmt") == 0) {
		elts = st_tree_get(c->body, "tableElts");
		for (m = elts != NULL ? elts->first : NULL; m != NULL; m = m->next) {
			const st_tree_node *col = st_tree_node_as(m, "ColumnDef");

			if (col == NULL || (d.type = st_tree_get(col, "typeName")) == NULL)
				continue;
			d.name = st_tree_str(st_tree_get(col, "colname"));
			d.pk = col_has(col, "CONSTR_PRIMARY") || table_pk_has(elts, d.name);
			fn(c, &d);
		}
		return;
	}
	if (strcmp(c->type, "AlterTableStmt") != 0 ||
		!is(st_tree_str(st_tree_get(c->body, "objtype")), "OBJECT_TABLE"))
		return;
	for (m = members(c->body, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
		const st_tree_node *col = st_tree_node_as(st_tree_get(cmd, "def"), "ColumnDef");

		if (col == NULL || (d.type = st_tree_get(col, "typeName")) == NULL)
			continue;
		if (is(sub, "AT_AddColumn")) {
			d.name = st_tree_str(st_tree_get(col, "colname"));
			d.pk = col_has(col, "CONSTR_PRIMARY");
			d.retype = 0;
		} else if (is(sub, "AT_AlterColumnType")) {
			d.name = st_tree_str(st_tree_get(cmd, "name"));
			d.pk = 0;
			d.retype = 1;
		} else {
			continue;
		}
		fn(c, &d);
	}
}

/*
 * The built-in type a TypeName names: its last name when it is unqualified
 * or in pg_catalog, else NULL (a type of the project's own). serial and
 * its kin are only ever unqualified.
 */
static const char *builtin(const st_tree_node *type)
{
	const st_tree_node *names = st_tree_get(type, "names");
	const char *first;

	if (names == NULL || names->first == NULL)
		return NULL;
	first = st_tree_str(st_tree_get(st_tree_node_as(names->first, "String"), "sval"));
	if (names->count == 1)
		return first;
	if (names->count == 2 && is(first, "pg_catalog"))
		return lint_last_name(names);
	return NULL;
}

static int is_array(const st_tree_node *type)
{
	return st_tree_get(type, "arrayBounds") != NULL;
}

/* The first typmod as an integer, or -1. */
static long long typmod(const st_tree_node *type)
{
	const st_tree_node *mods = st_tree_get(type, "typmods");

	if (mods == NULL || mods->first == NULL)
		return -1;
	return st_tree_int(st_tree_path(mods->first, "A_Const", "ival", "ival", (const char *)NULL), 0);
}

static int is_serial(const char *t)
{
	return is(t, "serial") || is(t, "serial4") || is(t, "smallserial") || is(t, "serial2") ||
		is(t, "bigserial") || is(t, "serial8");
}

/* ---- prefer-bigint ---- */

static int named_like_id(const char *name)
{
	return is(name, "id") || (name != NULL && st_str_ends_with(name, "_id"));
}

static void bigint_check(lint_ctx *c, const coldef *d)
{
	const char *t = builtin(d->type), *shown, *max;

	if (t == NULL || is_array(d->type) || (!d->pk && !named_like_id(d->name)))
		return;
	if (is(t, "int4") || is(t, "serial") || is(t, "serial4")) {
		shown = is(t, "int4") ? "integer" : t;
		max = "2,147,483,647";
	} else if (is(t, "int2") || is(t, "smallserial") || is(t, "serial2")) {
		shown = is(t, "int2") ? "smallint" : t;
		max = "32,767";
	} else {
		return;
	}
	lint_find(c, "prefer-bigint", lint_location(d->type),
		d->pk ? "bigint GENERATED ALWAYS AS IDENTITY" : "bigint, like the key it refers to",
		"'%s.%s' is %s: ids run out at %s, and widening the column to bigint later rewrites "
		"'%s' and its indexes under an ACCESS EXCLUSIVE lock", d->table, d->name, shown, max, d->table);
}


/* ---- prefer-identity ---- */

static void identity_check(lint_ctx *c, const coldef *d)
{
	const char *t = builtin(d->type);

	/* Identity columns came with PostgreSQL 10; serial is what older servers have. */
	if (!is_serial(t) || d->retype || (c->opts->pg_version != 0 && c->opts->pg_version < 100000) ||
		st_tree_get(d->type, "names")->count != 1)
		return;
	lint_find(c, "prefer-identity", lint_location(d->type),
		"bigint GENERATED ALWAYS AS IDENTITY",
		"'%s.%s' is %s: its sequence is a separate object, so INSERT needs USAGE on it granted "
		"apart from the table, it can be altered or dropped on its own, and rows inserted with "
		"explicit ids later collide with the values it hands out", d->table, d->name, t);
}


/* ---- prefer-text ---- */

static void text_check(lint_ctx *c, const coldef *d)
{
	const char *t = builtin(d->type);
	long long n = typmod(d->type);

	if (is(t, "varchar") && n >= 0)
		lint_find(c, "prefer-text", lint_location(d->type),
			"text, with CHECK (length(col) <= n) if the limit matters",
			"'%s.%s' is varchar(%lld): the limit is part of the type, so changing it takes an ACCESS "
			"EXCLUSIVE lock on '%s' (and lowering it rewrites the table), where a CHECK on length "
			"can be replaced with NOT VALID and VALIDATE", d->table, d->name, n, d->table);
	else if (is(t, "bpchar"))
		lint_find(c, "prefer-text", lint_location(d->type),
			"text, with CHECK (length(col) = n) if the length matters",
			"'%s.%s' is char(%lld): values are padded with blanks to that length, comparisons "
			"ignore trailing blanks, and moving to text later rewrites '%s' under an ACCESS "
			"EXCLUSIVE lock", d->table, d->name, n > 0 ? n : 1, d->table);
}


/* ---- prefer-timestamptz ---- */

static void timestamptz_check(lint_ctx *c, const coldef *d)
{
	if (!is(builtin(d->type), "timestamp"))
		return;
	lint_find(c, "prefer-timestamptz", lint_location(d->type), "timestamptz (timestamp with time zone)",
		"'%s.%s' is timestamp without time zone: the values mean whatever time zone each writer had, "
		"and changing the column to timestamptz later rewrites its indexes (and, unless the session "
		"time zone is UTC on PostgreSQL 12 or later, '%s' itself) under an ACCESS EXCLUSIVE lock",
		d->table, d->name, d->table);
}


/* ---- prefer-jsonb ---- */

static void jsonb_check(lint_ctx *c, const coldef *d)
{
	if (!is(builtin(d->type), "json"))
		return;
	lint_find(c, "prefer-jsonb", lint_location(d->type), "jsonb",
		"'%s.%s' is json: it is stored as text and parsed again on every access, has no equality "
		"(no DISTINCT, GROUP BY or UNIQUE) and no GIN index, and changing it to jsonb later rewrites "
		"'%s' under an ACCESS EXCLUSIVE lock", d->table, d->name, d->table);
}


/* ---- naming-convention ---- */

/* STRATA_LINT_NAME_PATTERN without a regex: ^[a-z_][a-z0-9_]*$ */
static int snake_case(const char *s)
{
	if (*s == '\0' || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int strata_lint_name_pattern_check(const char *pattern, strata_error *err)
{
	regex_t re;
	char why[200];
	int rc;

	if (pattern == NULL)
		return 0;
	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc == 0) {
		regfree(&re);
		return 0;
	}
	regerror(rc, &re, why, sizeof(why));
	return strata_error_set(err, STRATA_EINVAL, "naming pattern '%s': %s", pattern, why);
}

/* 1: name matches pattern (NULL: the default); 0: it does not; -1: the pattern is invalid. */
static int name_matches(const char *pattern, const char *name)
{
	regex_t re;
	int rc;

	if (pattern == NULL || strcmp(pattern, STRATA_LINT_NAME_PATTERN) == 0)
		return snake_case(name);
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	rc = regexec(&re, name, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

typedef enum name_kind { NAME_TABLE, NAME_COLUMN, NAME_INDEX, NAME_CONSTRAINT } name_kind;

static void check_name(lint_ctx *c, name_kind kind, const char *name, int location)
{
	static const char *const kinds[] = { "table", "column", "index", "constraint" };
	const strata_lint_naming *nm = &c->opts->naming;
	const char *pattern = kind == NAME_TABLE ? nm->table : kind == NAME_COLUMN ? nm->column :
		kind == NAME_INDEX ? nm->index : nm->constraint;
	int ok;

	if (name == NULL)
		return;
	ok = name_matches(pattern, name);
	if (ok == 1)
		return;
	if (ok < 0)
		lint_find(c, "naming-convention", location, "fix the pattern in the project's configuration",
			"the naming pattern for %s names '%s' is not a valid POSIX extended regular expression, "
			"so %s '%s' was not checked", kinds[kind], pattern, kinds[kind], name);
	else if (pattern == NULL || strcmp(pattern, STRATA_LINT_NAME_PATTERN) == 0)
		lint_find(c, "naming-convention", location,
			"lower-case letters, digits and underscores, starting with a letter or underscore",
			"%s name '%s' is not snake_case (%s): every query must then spell it double-quoted, "
			"exactly as written", kinds[kind], name, STRATA_LINT_NAME_PATTERN);
	else
		lint_find(c, "naming-convention", location, "rename it to match the project's pattern",
			"%s name '%s' does not match the project's pattern for %s names (%s)", kinds[kind], name,
			kinds[kind], pattern);
}

static void check_constraint(lint_ctx *c, const st_tree_node *con)
{
	check_name(c, NAME_CONSTRAINT, st_tree_str(st_tree_get(con, "conname")), lint_location(con));
}

/* A column's name and the names of its column constraints. */
static void check_column(lint_ctx *c, const st_tree_node *col)
{
	const st_tree_node *m;

	check_name(c, NAME_COLUMN, st_tree_str(st_tree_get(col, "colname")), lint_location(col));
	for (m = members(col, "constraints"); m != NULL; m = m->next)
		check_constraint(c, st_tree_node_as(m, "Constraint"));
}

static void naming_create(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m;

	if (is(st_tree_str(st_tree_get(rv, "relpersistence")), "t"))
		return;
	check_name(c, NAME_TABLE, st_tree_str(st_tree_get(rv, "relname")), lint_location(rv));
	for (m = members(c->body, "tableElts"); m != NULL; m = m->next) {
		if (st_tree_node_as(m, "ColumnDef") != NULL)
			check_column(c, st_tree_node_as(m, "ColumnDef"));
		else if (st_tree_node_as(m, "Constraint") != NULL)
			check_constraint(c, st_tree_node_as(m, "Constraint"));
	}
}

static void naming_alter(lint_ctx *c)
{
	const st_tree_node *m;

	if (!is(st_tree_str(st_tree_get(c->body, "objtype")), "OBJECT_TABLE"))
		return;
	for (m = members(c->body, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));
		const st_tree_node *def = st_tree_get(cmd, "def");

		if (is(sub, "AT_AddColumn") && st_tree_node_as(def, "ColumnDef") != NULL)
			check_column(c, st_tree_node_as(def, "ColumnDef"));
		else if (is(sub, "AT_AddConstraint") && st_tree_node_as(def, "Constraint") != NULL)
			check_constraint(c, st_tree_node_as(def, "Constraint"));
	}
}

static void naming_rename(lint_ctx *c)
{
	const char *t = st_tree_str(st_tree_get(c->body, "renameType"));
	const char *name = st_tree_str(st_tree_get(c->body, "newname"));

	if (is(t, "OBJECT_TABLE"))
		check_name(c, NAME_TABLE, name, -1);
	else if (is(t, "OBJECT_COLUMN") &&
		is(st_tree_str(st_tree_get(c->body, "relationType")), "OBJECT_TABLE"))
		check_name(c, NAME_COLUMN, name, -1);
	else if (is(t, "OBJECT_INDEX"))
		check_name(c, NAME_INDEX, name, -1);
	else if (is(t, "OBJECT_TABCONSTRAINT"))
		check_name(c, NAME_CONSTRAINT, name, -1);
}

static void naming_convention(lint_ctx *c)
{
	if (strcmp(c->type, "CreateStmt") == 0)
		naming_create(c);
	else if (strcmp(c->type, "AlterTableStmt") == 0)
		naming_alter(c);
	else if (strcmp(c->type, "IndexStmt") == 0)
		check_name(c, NAME_INDEX, st_tree_str(st_tree_get(c->body, "idxname")), -1);
	else if (strcmp(c->type, "RenameStmt") == 0)
		naming_rename(c);
}

/* ---- identifier-too-long ---- */

static int ident_start(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch >= 0x80;
}

static int ident_char(unsigned char ch)
{
	return ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}

/* Bytes of s[0..n) that PostgreSQL keeps: at most 63, not cutting a UTF-8 character. */
static size_t clip(const unsigned char *s, size_t n)
{
	size_t k = n < NAME_MAX_BYTES ? n : NAME_MAX_BYTES;

	while (k > 0 && k < n && (s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

/*
 * Reports the identifier at text[at..at+len): a word (folded to lower case,
 * as the parser does) or a double-quoted name (its "" an escaped quote).
 */
static void too_long(lint_ctx *c, const char *text, size_t at, size_t len, int quoted)
{
	const char *s = text + at + (quoted ? 1 : 0), *end = text + at + len - (quoted ? 1 : 0);
	char name[1024];
	size_t n = 0, k;

	for (; s < end && n < sizeof(name) - 1; s++) {
		name[n++] = (char)(!quoted && *s >= 'A' && *s <= 'Z' ? *s + ('a' - 'A') : *s);
		if (quoted && *s == '"')
			s++;
	}
	name[n] = '\0';
	if (n <= NAME_MAX_BYTES)
		return;
	k = clip((const unsigned char *)name, n);
	lint_find(c, "identifier-too-long", (int)at, "shorten it to 63 bytes or fewer",
		"identifier %.*s is %zu bytes: PostgreSQL truncates it to %d bytes with only a NOTICE, "
		"so the object is named '%.*s' (and two long names that share those bytes collide)",
		(int)len, text + at, n, NAME_MAX_BYTES, (int)k, name);
}

/* The end of a dollar quote's tag starting at p ('$'), or NULL when p starts none. */
static const char *dollar_tag(const char *p, const char *end)
{
	const char *q = p + 1;

	if (q < end && *q == '$')
		return q + 1;
	if (q >= end || !ident_start((unsigned char)*q))
		return NULL;
	while (q < end && ident_char((unsigned char)*q) && *q != '$')
		q++;
	return q < end && *q == '$' ? q + 1 : NULL;
}

/*
 * Scans the statement's text for identifiers longer than 63 bytes: words
 * and double-quoted names, outside strings, dollar quotes and comments.
 * The tree cannot tell: the parser has truncated them already.
 */
static void identifier_too_long(lint_ctx *c)
{
	const char *text = c->file->text;
	const char *p = text + c->stmt->offset, *end = p + c->stmt->length, *q, *tag;

	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '-' && p + 1 < end && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (ch == '/' && p + 1 < end && p[1] == '*') {
			int depth = 1;

			for (p += 2; p < end && depth > 0; p++) {
				if (*p == '/' && p + 1 < end && p[1] == '*')
					depth++, p++;
				else if (*p == '*' && p + 1 < end && p[1] == '/')
					depth--, p++;
			}
		} else if (ch == '\'') {
			int esc = p > text && (p[-1] == 'E' || p[-1] == 'e');

			for (p++; p < end; p++) {
				if (esc && *p == '\\' && p + 1 < end)
					p++;
				else if (*p == '\'' && p + 1 < end && p[1] == '\'')
					p++;
				else if (*p == '\'')
					break;
			}
			p++;
		} else if (ch == '"') {
			for (q = p + 1; q < end; q++) {
				if (*q == '"' && q + 1 < end && q[1] == '"')
					q++;
				else if (*q == '"')
					break;
			}
			if (q < end && (size_t)(q - p - 1) > NAME_MAX_BYTES)
				too_long(c, text, (size_t)(p - text), (size_t)(q + 1 - p), 1);
			p = q + 1;
		} else if (ch == '$' && (tag = dollar_tag(p, end)) != NULL) {
			size_t tl = (size_t)(tag - p);

			for (q = tag; q + tl <= end && memcmp(q, p, tl) != 0; q++)
				;
			p = q + tl <= end ? q + tl : end;
		} else if (ident_start(ch)) {
			for (q = p; q < end && ident_char((unsigned char)*q); q++)
				;
			if ((size_t)(q - p) > NAME_MAX_BYTES)
				too_long(c, text, (size_t)(p - text), (size_t)(q - p), 0);
			p = q;
		} else if (ch >= '0' && ch <= '9') {
			while (p < end && (ident_char((unsigned char)*p) || *p == '.'))
				p++;
		} else {
			p++;
		}
	}
}

/* The five type rules in one walk over the columns (the walk is most of their cost). */
static void type_checks(lint_ctx *c, const coldef *d)
{
	bigint_check(c, d);
	identity_check(c, d);
	text_check(c, d);
	timestamptz_check(c, d);
	jsonb_check(c, d);
}

static void type_hygiene(lint_ctx *c)
{
	each_coldef(c, type_checks);
}

/* The type rules run together from prefer-bigint's entry; the others have no function of their own. */
const lint_rule_def lint_rules_style[] = {
	{ { "prefer-bigint", "types", STRATA_LINT_WARNING,
	    "integer or smallint keys and ids run out, and widening them rewrites the table" },
	  NULL, type_hygiene },
	{ { "prefer-identity", "types", STRATA_LINT_WARNING,
	    "serial columns: use bigint GENERATED ALWAYS AS IDENTITY" }, NULL, NULL },
	{ { "prefer-text", "types", STRATA_LINT_WARNING,
	    "varchar(n) and char(n): use text, with a CHECK on length if needed" }, NULL, NULL },
	{ { "prefer-timestamptz", "types", STRATA_LINT_WARNING,
	    "timestamp without time zone: use timestamptz" }, NULL, NULL },
	{ { "prefer-jsonb", "types", STRATA_LINT_WARNING, "json: use jsonb" }, NULL, NULL },
	{ { "naming-convention", "naming", STRATA_LINT_WARNING,
	    "new tables, columns, indexes and constraints named against the project's pattern "
	    "(snake_case by default)" }, NULL, naming_convention },
	{ { "identifier-too-long", "naming", STRATA_LINT_ERROR,
	    "an identifier longer than 63 bytes, which PostgreSQL truncates silently" },
	  NULL, identifier_too_long },
};

const size_t lint_rules_style_n = ST_ARRAY_LEN(lint_rules_style);
