/*
 * locks_column.c: the two ALTER TABLE subcommands whose cost depends on
 * types and expressions.
 *
 * ADD COLUMN rewrites the table when every row needs its own value: a
 * volatile default (random(), clock_timestamp(), gen_random_uuid(),
 * nextval(), and so serial), an identity, a stored generated column, and
 * before PostgreSQL 11 any non-NULL default. now() and CURRENT_TIMESTAMP are
 * stable, not volatile: one value for the statement, stored in the catalog.
 * Volatility comes from the context's lookup when it has one, then from two
 * tables of built-ins; any other function is assumed volatile.
 *
 * ALTER COLUMN TYPE rewrites unless the old type converts to the new one
 * without touching the data (PostgreSQL 15, checked on a server): the same
 * type and modifier; varchar, text and xml to text or unconstrained varchar;
 * a larger or removed length, precision or numeric precision with the same
 * scale (varchar, bit varying, numeric, timestamp, timestamptz, time,
 * timetz, interval); cidr to inet; bit to unconstrained bit varying.
 * timestamp to timestamptz and back is treated as a rewrite: since 12 it is
 * skipped only when the session's TimeZone is UTC. Types are compared as
 * format_type spells them, which is what st_lock_context.column_type gives.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/locks_int.h"

#define EXPR_DEPTH 100
#define MAX_MODS 3

/* ---- defaults ---- */

static const char *const volatile_functions[] = {
	"clock_timestamp", "currval", "gen_random_bytes", "gen_random_uuid", "lastval", "nextval", "random",
	"random_normal", "setval", "timeofday", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
	"uuidv4", "uuidv7",
};

/* Built-ins seen in defaults that are stable or immutable (pg_proc.provolatile 's' or 'i'). */
static const char *const stable_functions[] = {
	"abs", "array_fill", "array_to_string", "btrim", "ceil", "concat", "concat_ws", "current_database",
	"current_schema", "current_setting", "date_part", "date_trunc", "decode", "encode", "extract",
	"floor", "format", "inet_client_addr", "json_build_array", "json_build_object", "jsonb_build_array",
	"jsonb_build_object", "left", "length", "lower", "lpad", "ltrim", "make_date", "make_interval",
	"make_time", "make_timestamp", "make_timestamptz", "md5", "now", "pg_current_xact_id", "position",
	"replace", "right", "round", "rpad", "rtrim", "sha256", "split_part", "statement_timestamp",
	"string_to_array", "substr", "substring", "timezone", "to_char", "to_date", "to_json", "to_jsonb",
	"to_number", "to_timestamp", "transaction_timestamp", "trunc", "txid_current", "upper", "uuid_nil",
	"version",
};

static int cmp_str(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	return bsearch(s, list, n, sizeof(list[0]), cmp_str) != NULL;
}

enum { NOT_VOLATILE, VOLATILE, ASSUMED_VOLATILE };

static int call_volatility(const lk_builder *b, const st_tree_node *call)
{
	const st_tree_node *names = st_tree_get(call, "funcname"), *m;
	const char *schema = NULL, *name = NULL;
	char v = 0;

	for (m = names != NULL && names->type == ST_TREE_ARRAY ? names->first : NULL; m != NULL; m = m->next) {
		schema = name;
		name = st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval"));
	}
	if (name == NULL)
		return ASSUMED_VOLATILE;
	if (b->ctx->function_volatility != NULL)
		v = b->ctx->function_volatility(b->ctx->arg, schema, name);
	if (v == 'v')
		return VOLATILE;
	if (v == 's' || v == 'i')
		return NOT_VOLATILE;
	if (in_list(name, volatile_functions, ST_ARRAY_LEN(volatile_functions)))
		return VOLATILE;
	if ((schema == NULL || strcmp(schema, "pg_catalog") == 0) &&
		in_list(name, stable_functions, ST_ARRAY_LEN(stable_functions)))
		return NOT_VOLATILE;
	return ASSUMED_VOLATILE;
}

/* The worst volatility of the function calls in an expression. */
static int expr_volatility(const lk_builder *b, const st_tree_node *n, int depth)
{
	const st_tree_node *m;
	int worst = NOT_VOLATILE;

	if (n == NULL || depth > EXPR_DEPTH || (n->type != ST_TREE_OBJECT && n->type != ST_TREE_ARRAY))
		return NOT_VOLATILE;
	if (st_tree_node_as(n, "FuncCall") != NULL)
		worst = call_volatility(b, st_tree_node_as(n, "FuncCall"));
	for (m = n->first; m != NULL && worst != VOLATILE; m = m->next) {
		int v = expr_volatility(b, m, depth + 1);

		if (v == VOLATILE || (v == ASSUMED_VOLATILE && worst == NOT_VOLATILE))
			worst = v;
	}
	return worst;
}

static int is_null_const(const st_tree_node *expr)
{
	return st_tree_true(st_tree_get(st_tree_node_as(expr, "A_Const"), "isnull"));
}

static const char *last_name(const st_tree_node *names, int *count)
{
	const st_tree_node *m;
	const char *last = NULL;

	*count = 0;
	for (m = names != NULL && names->type == ST_TREE_ARRAY ? names->first : NULL; m != NULL; m = m->next) {
		last = st_tree_str(st_tree_get(st_tree_node_as(m, "String"), "sval"));
		(*count)++;
	}
	return last;
}

static int is_serial(const st_tree_node *type_name)
{
	static const char *const serials[] = {
		"bigserial", "serial", "serial2", "serial4", "serial8", "smallserial",
	};
	int count;
	const char *name = last_name(st_tree_get(type_name, "names"), &count);

	return count == 1 && name != NULL && in_list(name, serials, ST_ARRAY_LEN(serials));
}

void lk_add_column(lk_builder *b, const char *relation, const st_tree_node *coldef, int location)
{
	const st_tree_node *cons = st_tree_get(coldef, "constraints"), *m, *def = NULL, *fk = NULL;
	int identity = 0, generated = 0, check = 0, index = 0, notnull = 0, rewrite = 0, fk_checks, vol;
	const char *note = NULL;
	st_lock_effect *e;

	for (m = cons != NULL && cons->type == ST_TREE_ARRAY ? cons->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *c = st_tree_node_as(m, "Constraint");
		const char *t = st_tree_str(st_tree_get(c, "contype"));

		if (t == NULL)
			continue;
		if (strcmp(t, "CONSTR_DEFAULT") == 0 && !is_null_const(st_tree_get(c, "raw_expr")))
			def = st_tree_get(c, "raw_expr");
		identity |= strcmp(t, "CONSTR_IDENTITY") == 0;
		generated |= strcmp(t, "CONSTR_GENERATED") == 0;
		check |= strcmp(t, "CONSTR_CHECK") == 0;
		index |= strcmp(t, "CONSTR_PRIMARY") == 0 || strcmp(t, "CONSTR_UNIQUE") == 0;
		notnull |= strcmp(t, "CONSTR_NOTNULL") == 0 || strcmp(t, "CONSTR_PRIMARY") == 0;
		if (strcmp(t, "CONSTR_FOREIGN") == 0)
			fk = c;
	}
	if (identity) {
		rewrite = 1;
		note = "an identity column takes a value from its sequence for every row: rewrites the table";
	} else if (generated) {
		rewrite = 1;
		note = "a stored generated column is computed for every row: rewrites the table";
	} else if (is_serial(st_tree_get(coldef, "typeName"))) {
		rewrite = 1;
		note = "serial means a nextval() default, which is volatile: rewrites the table";
	} else if (def != NULL && (vol = expr_volatility(b, def, 0)) != NOT_VOLATILE) {
		rewrite = 1;
		note = vol == VOLATILE ? "a volatile default is evaluated for every row: rewrites the table" :
			"the default calls a function the model does not know: assumed volatile, which rewrites the table";
	} else if (def != NULL && b->pg_version < LK_PG11) {
		rewrite = 1;
		note = "before PostgreSQL 11 a non-NULL default rewrites the table";
	} else if (def != NULL) {
		note = "PostgreSQL 11 and later: a non-volatile default is stored in the catalog, no rewrite";
	} else if (notnull) {
		note = "NOT NULL without a default fails when the table has rows";
	}
	/* A new column without a value gives a foreign key nothing to check. */
	fk_checks = fk != NULL && !st_tree_true(st_tree_get(fk, "skip_validation")) &&
		(def != NULL || identity || generated || rewrite);
	if ((e = lk_add(b, "ALTER TABLE ADD COLUMN", relation, ST_LOCK_ACCESS_EXCLUSIVE, location)) == NULL)
		return;
	e->rewrites = rewrite;
	e->scans = !rewrite && (check || index || fk_checks);
	e->note = note;
	if (e->scans && note == NULL)
		e->note = index ? "builds the index under ACCESS EXCLUSIVE" : "checks every row under ACCESS EXCLUSIVE";
	else if (e->scans && !index)
		e->note = "PostgreSQL 11 and later: the default is stored in the catalog, but every row is "
			"checked under ACCESS EXCLUSIVE";
	if (fk != NULL && (e = lk_add_rangevar(b, "ALTER TABLE ADD COLUMN REFERENCES", st_tree_get(fk, "pktable"),
		ST_LOCK_SHARE_ROW_EXCLUSIVE)) != NULL) {
		e->scans = fk_checks;
		e->note = "the referenced table: SHARE ROW EXCLUSIVE blocks writes to it while the key is added";
	}
}

/* ---- column types ---- */

/* Parser names of built-in types and how format_type spells them. */
static const struct type_name {
	const char *internal, *formatted;
} type_names[] = {
	{ "bool", "boolean" },
	{ "bpchar", "character" },
	{ "float4", "real" },
	{ "float8", "double precision" },
	{ "int2", "smallint" },
	{ "int4", "integer" },
	{ "int8", "bigint" },
	{ "time", "time without time zone" },
	{ "timestamp", "timestamp without time zone" },
	{ "timestamptz", "timestamp with time zone" },
	{ "timetz", "time with time zone" },
	{ "varbit", "bit varying" },
	{ "varchar", "character varying" },
};

static int cmp_type_name(const void *k, const void *e)
{
	return strcmp(k, ((const struct type_name *)e)->internal);
}

typedef struct col_type {
	char base[128];          /* as format_type spells it, without modifiers and array brackets */
	long mods[MAX_MODS];
	int nmods;               /* -1 when the modifiers could not be read */
	int array;
} col_type;

#define INTERVAL_FULL_RANGE 32767

/* The type a TypeName node names. */
static void new_type(col_type *t, const st_tree_node *tn)
{
	int count;
	const char *name = last_name(st_tree_get(tn, "names"), &count);
	const char *schema = count == 2 ? st_tree_str(st_tree_get(st_tree_node_as(
		st_tree_get(tn, "names")->first, "String"), "sval")) : NULL;
	const st_tree_node *mods = st_tree_get(tn, "typmods"), *m;
	const struct type_name *known;

	memset(t, 0, sizeof(*t));
	if (name == NULL) {
		t->nmods = -1;
		return;
	}
	known = bsearch(name, type_names, ST_ARRAY_LEN(type_names), sizeof(type_names[0]), cmp_type_name);
	if (known != NULL && (schema == NULL || strcmp(schema, "pg_catalog") == 0))
		st_strlcpy(t->base, known->formatted, sizeof(t->base));
	else if (schema != NULL && strcmp(schema, "pg_catalog") != 0)
		st_snprintf(t->base, sizeof(t->base), "%s.%s", schema, name);
	else
		st_strlcpy(t->base, name, sizeof(t->base));
	for (m = mods != NULL && mods->type == ST_TREE_ARRAY ? mods->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *c = st_tree_node_as(m, "A_Const");

		if (c == NULL || t->nmods == MAX_MODS || st_tree_get(c, "ival") == NULL) {
			t->nmods = -1;
			return;
		}
		/* libpg_query leaves out an ival of 0. */
		t->mods[t->nmods++] = (long)st_tree_int(st_tree_path(c, "ival", "ival", (const char *)NULL), 0);
	}
	t->array = st_tree_get(tn, "arrayBounds") != NULL;
	if (strcmp(t->base, "numeric") == 0 && t->nmods == 1)
		t->mods[t->nmods++] = 0;
	if (strcmp(t->base, "interval") == 0 && t->nmods > 0) {
		/* interval(p) is (full range, p); anything else restricts the fields. */
		if (t->nmods == 2 && t->mods[0] == INTERVAL_FULL_RANGE) {
			t->mods[0] = t->mods[1];
			t->nmods = 1;
		} else {
			t->nmods = -1;
		}
	}
}

/* The type format_type spelled, e.g. "timestamp(3) without time zone", "numeric(10,2)[]". */
static int old_type(col_type *t, const char *s)
{
	size_t len = strlen(s), i;
	const char *open, *close;

	memset(t, 0, sizeof(*t));
	while (len >= 2 && s[len - 2] == '[' && s[len - 1] == ']') {
		t->array = 1;
		len -= 2;
	}
	open = memchr(s, '(', len);
	close = open != NULL ? memchr(open, ')', len - (size_t)(open - s)) : NULL;
	if (open == NULL || close == NULL) {
		if (open != NULL || len >= sizeof(t->base))
			return -1;
		memcpy(t->base, s, len);
		return 0;
	}
	if ((size_t)(open - s) + (len - (size_t)(close + 1 - s)) >= sizeof(t->base))
		return -1;
	memcpy(t->base, s, (size_t)(open - s));
	memcpy(t->base + (open - s), close + 1, len - (size_t)(close + 1 - s));
	for (i = (size_t)(open - s) + 1; i < (size_t)(close - s);) {
		long v = 0;
		size_t digits = 0;

		while (s[i] == ' ')
			i++;
		while (s[i] >= '0' && s[i] <= '9' && digits < 9) {
			v = v * 10 + (s[i++] - '0');
			digits++;
		}
		if (digits == 0 || t->nmods == MAX_MODS)
			return -1;
		t->mods[t->nmods++] = v;
		if (s[i] == ',')
			i++;
		else if (i != (size_t)(close - s))
			return -1;
	}
	return 0;
}

static int base_is(const col_type *t, const char *name)
{
	return strcmp(t->base, name) == 0;
}

/* A type whose modifier is a length or precision that may only grow (or go). */
static int widening_type(const char *base)
{
	static const char *const types[] = {
		"bit varying", "character varying", "interval", "time with time zone", "time without time zone",
		"timestamp with time zone", "timestamp without time zone",
	};

	return in_list(base, types, ST_ARRAY_LEN(types));
}

static int same_name(const col_type *o, const col_type *n)
{
	const char *od = strchr(o->base, '.'), *nd = strchr(n->base, '.');

	if (strcmp(o->base, n->base) == 0)
		return 1;
	/* A user type, qualified on one side only. */
	return (od != NULL && nd == NULL && strcmp(od + 1, n->base) == 0) ||
		(nd != NULL && od == NULL && strcmp(nd + 1, o->base) == 0);
}

enum { SAME, COERCIBLE, REWRITE, REWRITE_TZ };

static int change_kind(const col_type *o, const col_type *n)
{
	int i;

	if (o->nmods < 0 || n->nmods < 0 || o->array != n->array)
		return REWRITE;
	if (same_name(o, n) && o->nmods == n->nmods) {
		for (i = 0; i < o->nmods && o->mods[i] == n->mods[i]; i++)
			;
		if (i == o->nmods)
			return SAME;
	}
	if (o->array)
		return REWRITE;
	if (same_name(o, n)) {
		if (n->nmods == 0 && (widening_type(o->base) || base_is(o, "numeric")))
			return COERCIBLE;
		if (o->nmods == 1 && n->nmods == 1 && widening_type(o->base) && n->mods[0] >= o->mods[0])
			return COERCIBLE;
		if (o->nmods == 2 && n->nmods == 2 && base_is(o, "numeric") && n->mods[1] == o->mods[1] &&
			n->mods[0] >= o->mods[0])
			return COERCIBLE;
		return REWRITE;
	}
	if (base_is(n, "text") && n->nmods == 0 &&
		(base_is(o, "character varying") || base_is(o, "xml")))
		return COERCIBLE;
	if (base_is(n, "character varying") && n->nmods == 0 && (base_is(o, "text") || base_is(o, "xml")))
		return COERCIBLE;
	if (base_is(o, "cidr") && base_is(n, "inet"))
		return COERCIBLE;
	if (base_is(o, "bit") && base_is(n, "bit varying") && n->nmods == 0)
		return COERCIBLE;
	if ((base_is(o, "timestamp without time zone") && base_is(n, "timestamp with time zone")) ||
		(base_is(o, "timestamp with time zone") && base_is(n, "timestamp without time zone")))
		return REWRITE_TZ;
	return REWRITE;
}

/* USING that is the column itself, maybe cast to the new type, changes nothing. */
static int using_is_column(const st_tree_node *expr, const char *column, const col_type *n)
{
	const st_tree_node *cast = st_tree_node_as(expr, "TypeCast"), *ref;
	int count;
	const char *name;

	if (cast != NULL) {
		col_type t;

		new_type(&t, st_tree_get(cast, "typeName"));
		if (change_kind(&t, n) != SAME)
			return 0;
		expr = st_tree_get(cast, "arg");
	}
	ref = st_tree_node_as(expr, "ColumnRef");
	name = last_name(st_tree_get(ref, "fields"), &count);
	return name != NULL && column != NULL && strcmp(name, column) == 0;
}

void lk_alter_column_type(lk_builder *b, const char *relation, const st_tree_node *cmd)
{
	const st_tree_node *coldef = st_tree_node_as(st_tree_get(cmd, "def"), "ColumnDef");
	const st_tree_node *using = st_tree_get(coldef, "raw_default");
	const char *column = st_tree_str(st_tree_get(cmd, "name"));
	const char *old = NULL;
	st_lock_effect *e;
	col_type o, n;
	int kind = REWRITE;

	if ((e = lk_add(b, "ALTER TABLE ALTER COLUMN TYPE", relation, ST_LOCK_ACCESS_EXCLUSIVE,
		lk_location(coldef))) == NULL)
		return;
	new_type(&n, st_tree_get(coldef, "typeName"));
	if (b->ctx->column_type != NULL && relation != NULL && column != NULL)
		old = b->ctx->column_type(b->ctx->arg, relation, column);
	if (using != NULL && !using_is_column(using, column, &n)) {
		e->note = "the USING expression is computed for every row: rewrites the table";
	} else if (old == NULL) {
		e->note = "the column's current type is unknown: assumed a rewrite (none when the change is "
			"binary coercible, such as varchar(n) to a larger n or to text)";
	} else if (old_type(&o, old) != 0) {
		e->note = "the column's current type could not be read: assumed a rewrite";
	} else {
		kind = change_kind(&o, &n);
		e->note = kind == SAME ? "the same type: no rewrite" :
			kind == COERCIBLE ? "binary coercible: no rewrite (indexes on the column may still be rebuilt)" :
			kind == REWRITE_TZ ? (b->pg_version >= LK_PG12 ? "timestamp to timestamptz or back rewrites the "
				"table unless the session's TimeZone is UTC" : "rewrites the table") :
			"every value is converted: rewrites the table and its indexes";
	}
	e->rewrites = kind != SAME && kind != COERCIBLE;
}

int lk_column_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ST_ARRAY_LEN(volatile_functions); i++)
		if (strcmp(volatile_functions[i - 1], volatile_functions[i]) >= 0)
			return 0;
	for (i = 1; i < ST_ARRAY_LEN(stable_functions); i++)
		if (strcmp(stable_functions[i - 1], stable_functions[i]) >= 0)
			return 0;
	for (i = 1; i < ST_ARRAY_LEN(type_names); i++)
		if (strcmp(type_names[i - 1].internal, type_names[i].internal) >= 0)
			return 0;
	return 1;
}
