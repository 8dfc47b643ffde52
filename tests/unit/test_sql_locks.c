/*
 * test_sql_locks.c: the lock model (src/sql/locks.h) on parse trees from
 * libpg_query: dozens of statements with the effects expected of each
 * (action, relation, level, rewrite, scan, CONCURRENTLY, index), what
 * depends on the PostgreSQL version, on a column's current type and on a
 * function's volatility, locations, the conflict table, and trees that are
 * not what libpg_query writes (garbage, mutated trees, failed allocations),
 * which must give no effect or sane ones and never crash or leak.
 *
 * Expectations are rendered as "action: relation LEVEL, flags" per effect,
 * joined with " | ", so that a failure shows the whole answer. The levels
 * for PostgreSQL 15 are the ones tests/integration/test_lock_model.c
 * checks against a server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#include "base/base.h"
#include "sql/locks.h"
#include "sql/sql_int.h"

typedef struct lock_case {
	const char *sql;
	int pg_version;          /* 0: the latest */
	const char *expected;
} lock_case;

#define PG10 100000
#define PG11 110000
#define PG12 120000
#define PG13 130000
#define PG15 150000

/* ---- parsing and rendering ---- */

static char *parse_json(const char *sql)
{
	PgQueryParseResult r = pg_query_parse(sql);
	char *json;

	if (r.error != NULL)
		fail_msg("'%s' does not parse: %s", sql, r.error->message);
	json = st_strdup(r.parse_tree);
	pg_query_free_parse_result(r);
	assert_non_null(json);
	return json;
}

/* The tree of sql's first statement; t owns it. */
static const st_tree_node *parse_stmt(st_tree *t, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;
	char *json = parse_json(sql);

	th_ok(st_tree_parse(t, json, strlen(json), 1, &err), &err);
	return st_tree_path(st_tree_get(t->root, "stmts")->first, "stmt", (const char *)NULL);
}

static void render(strata_buf *out, const st_lock_effect *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		strata_buf_printf(out, "%s%s: %s %s", i > 0 ? " | " : "", e[i].action,
			e[i].relation != NULL ? e[i].relation : "-", st_lock_level_name(e[i].level));
		if (e[i].rewrites)
			strata_buf_puts(out, ", rewrites");
		if (e[i].scans)
			strata_buf_puts(out, ", scans");
		if (e[i].concurrently)
			strata_buf_puts(out, ", concurrently");
		if (e[i].relation_is_index)
			strata_buf_printf(out, ", index (table %s)", st_lock_level_name(e[i].table_level));
	}
}

/* Column types for ALTER COLUMN TYPE, as format_type spells them. */
static const char *const column_types[][3] = {
	{ "t", "a", "integer" },
	{ "t", "arr", "character varying(20)[]" },
	{ "t", "b", "bit varying(10)" },
	{ "t", "bits", "bit(5)" },
	{ "t", "c", "cidr" },
	{ "t", "ch", "character(5)" },
	{ "t", "iv", "interval(3)" },
	{ "t", "ivd", "interval day to second(3)" },
	{ "t", "m", "public.mood" },
	{ "t", "n", "numeric(10,2)" },
	{ "t", "n0", "numeric(10,0)" },
	{ "t", "nu", "numeric" },
	{ "t", "s", "text" },
	{ "t", "tm", "time(3) without time zone" },
	{ "t", "ts", "timestamp without time zone" },
	{ "t", "ts3", "timestamp(3) without time zone" },
	{ "t", "tz", "timestamp with time zone" },
	{ "t", "v", "character varying(20)" },
	{ "t", "vu", "character varying" },
	{ "t", "x", "xml" },
	{ "t", "bad", "numeric(10,2" },
};

static const char *lookup_type(void *arg, const char *relation, const char *column)
{
	size_t i;

	(void)arg;
	for (i = 0; i < ST_ARRAY_LEN(column_types); i++)
		if (strcmp(column_types[i][0], relation) == 0 && strcmp(column_types[i][1], column) == 0)
			return column_types[i][2];
	return NULL;
}

/* Volatility as a catalog would say it, for functions the model cannot know. */
static char lookup_volatility(void *arg, const char *schema, const char *name)
{
	(void)arg;
	(void)schema;
	if (strcmp(name, "my_stable") == 0)
		return 's';
	if (strcmp(name, "my_volatile") == 0 || strcmp(name, "now") == 0)
		return 'v';
	return 0;
}

static void check_cases(const lock_case *cases, size_t n, int with_lookups)
{
	strata_buf problems = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		strata_error err = STRATA_ERROR_INIT;
		st_lock_context ctx = { cases[i].pg_version, NULL, NULL, NULL };
		strata_buf got = STRATA_BUF_INIT;
		st_lock_effect *e = NULL;
		size_t ne = 0, j;
		st_tree t;

		if (with_lookups) {
			ctx.column_type = lookup_type;
			ctx.function_volatility = lookup_volatility;
		}
		th_ok(st_lock_effects(&e, &ne, parse_stmt(&t, cases[i].sql), &ctx, &err), &err);
		render(&got, e, ne);
		if (strcmp(strata_buf_cstr(&got), cases[i].expected) != 0)
			strata_buf_printf(&problems, "\n  %s (%d)\n    expected %s\n    got      %s", cases[i].sql,
				cases[i].pg_version, cases[i].expected, strata_buf_cstr(&got));
		for (j = 0; j < ne; j++)
			if (e[j].action == NULL || (e[j].relation != NULL && e[j].relation[0] == '\0') ||
				(!e[j].relation_is_index && e[j].table_level != e[j].level) ||
				(e[j].rewrites && e[j].scans))
				strata_buf_printf(&problems, "\n  %s: effect %zu is malformed", cases[i].sql, j);
		strata_buf_release(&got);
		st_lock_effects_free(e, ne);
		st_tree_release(&t);
	}
	if (problems.len > 0) {
		fprintf(stderr, "lock model mismatches:%s\n", strata_buf_cstr(&problems));
		strata_buf_release(&problems);
		fail_msg("lock model mismatches (listed on stderr)");
	}
}

#define CHECK(cases, lookups) check_cases(cases, ST_ARRAY_LEN(cases), lookups)

/* ---- ALTER TABLE ---- */

static const lock_case add_column_cases[] = {
	{ "ALTER TABLE t ADD COLUMN c int", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE s.t ADD COLUMN c int DEFAULT 0", 0, "ALTER TABLE ADD COLUMN: s.t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c int DEFAULT 0", PG10,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int DEFAULT NULL", PG10, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c float8 DEFAULT random()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c uuid DEFAULT public.uuid_generate_v4()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('s')", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int DEFAULT (random() * 10)::int", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c text DEFAULT lower(md5('x'))", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c text DEFAULT my_function()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}'::jsonb", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c serial", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c bigserial", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int GENERATED BY DEFAULT AS IDENTITY", PG10,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c int NOT NULL", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c int CHECK (c > 0)", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD COLUMN c int UNIQUE", 0, "ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD COLUMN c int PRIMARY KEY DEFAULT random()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c int REFERENCES p(id)", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE | ALTER TABLE ADD COLUMN REFERENCES: p SHARE ROW EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c int DEFAULT 1 REFERENCES s.p(id)", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, scans | ALTER TABLE ADD COLUMN REFERENCES: s.p SHARE ROW EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int DEFAULT random()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE | ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE IF EXISTS ONLY t ADD COLUMN IF NOT EXISTS c int", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
};

/* With lookup_type and lookup_volatility: the context's answers come first. */
static const lock_case lookup_cases[] = {
	{ "ALTER TABLE t ADD COLUMN c text DEFAULT my_stable()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD COLUMN c text DEFAULT my_volatile()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	/* The context says now() is volatile (it is not): the context wins over the built-in table. */
	{ "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ADD COLUMN c text DEFAULT other_unknown()", 0,
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE varchar(30)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE varchar(10)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE varchar", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE text", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN vu TYPE varchar(10)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN s TYPE varchar", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN s TYPE character varying(10)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN x TYPE text", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN n TYPE numeric(12,3)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN n TYPE numeric(9,2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN n TYPE numeric", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN n TYPE decimal(10,2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN n0 TYPE numeric(12)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN nu TYPE numeric(10,2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN c TYPE inet", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN b TYPE varbit(20)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN b TYPE bit varying(5)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN bits TYPE varbit", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN bits TYPE varbit(5)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN ch TYPE char(10)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN tz TYPE timestamp", PG11,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN ts3 TYPE timestamp(6)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN ts3 TYPE timestamp", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN ts3 TYPE timestamp(2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(3)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN tm TYPE time(6)", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN iv TYPE interval(6)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN iv TYPE interval", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN iv TYPE interval(2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN ivd TYPE interval", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN iv TYPE interval day to second(6)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE bigint", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE int", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE pg_catalog.int4", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE int USING a", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE int USING a::integer", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN a TYPE int USING a + 0", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN s TYPE varchar USING s::varchar", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN s TYPE text USING lower(s)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN s TYPE text COLLATE \"C\"", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN m TYPE mood", 0, "ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN m TYPE public.mood", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN m TYPE other.mood", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN arr TYPE varchar(20)[]", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN arr TYPE varchar(30)[]", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN v TYPE varchar(30)[]", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN bad TYPE numeric(12,2)", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t ALTER COLUMN nope TYPE int", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE other ALTER COLUMN v TYPE text", 0,
		"ALTER TABLE ALTER COLUMN TYPE: other ACCESS EXCLUSIVE, rewrites" },
};

static const lock_case alter_cases[] = {
	{ "ALTER TABLE t ALTER COLUMN v TYPE text", 0,
		"ALTER TABLE ALTER COLUMN TYPE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t DROP COLUMN c", 0, "ALTER TABLE DROP COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t DROP COLUMN IF EXISTS c CASCADE", 0, "ALTER TABLE DROP COLUMN: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET NOT NULL", 0,
		"ALTER TABLE SET NOT NULL: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ALTER COLUMN c DROP NOT NULL", 0,
		"ALTER TABLE ALTER COLUMN DROP NOT NULL: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0", 0,
		"ALTER TABLE ALTER COLUMN SET DEFAULT: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c DROP DEFAULT", 0,
		"ALTER TABLE ALTER COLUMN DROP DEFAULT: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c DROP EXPRESSION", 0,
		"ALTER TABLE ALTER COLUMN DROP EXPRESSION: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET STATISTICS 500", 0,
		"ALTER TABLE ALTER COLUMN SET STATISTICS: t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET (n_distinct = 10)", 0,
		"ALTER TABLE ALTER COLUMN SET (...): t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c RESET (n_distinct)", 0,
		"ALTER TABLE ALTER COLUMN RESET (...): t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL", 0,
		"ALTER TABLE ALTER COLUMN SET STORAGE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4", 0,
		"ALTER TABLE ALTER COLUMN SET COMPRESSION: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c ADD GENERATED ALWAYS AS IDENTITY", 0,
		"ALTER TABLE ALTER COLUMN ADD IDENTITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET GENERATED BY DEFAULT", 0,
		"ALTER TABLE ALTER COLUMN SET IDENTITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c DROP IDENTITY IF EXISTS", 0,
		"ALTER TABLE ALTER COLUMN DROP IDENTITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", 0,
		"ALTER TABLE ADD CHECK: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", 0,
		"ALTER TABLE ADD CHECK: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES p(id)", 0,
		"ALTER TABLE ADD FOREIGN KEY: t SHARE ROW EXCLUSIVE, scans | ALTER TABLE ADD FOREIGN KEY: p SHARE ROW EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES s.p(id) NOT VALID", 0,
		"ALTER TABLE ADD FOREIGN KEY: t SHARE ROW EXCLUSIVE | ALTER TABLE ADD FOREIGN KEY: s.p SHARE ROW EXCLUSIVE" },
	{ "ALTER TABLE t ADD PRIMARY KEY (id)", 0, "ALTER TABLE ADD PRIMARY KEY: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b)", 0,
		"ALTER TABLE ADD UNIQUE: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_a_idx", 0,
		"ALTER TABLE ADD CONSTRAINT USING INDEX: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX t_a_idx", 0,
		"ALTER TABLE ADD CONSTRAINT USING INDEX: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist (r WITH &&)", 0,
		"ALTER TABLE ADD EXCLUDE: t ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE t VALIDATE CONSTRAINT c", 0,
		"ALTER TABLE VALIDATE CONSTRAINT: t SHARE UPDATE EXCLUSIVE, scans" },
	{ "ALTER TABLE t DROP CONSTRAINT c", 0, "ALTER TABLE DROP CONSTRAINT: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER CONSTRAINT fk DEFERRABLE INITIALLY DEFERRED", 0,
		"ALTER TABLE ALTER CONSTRAINT: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = off)", 0,
		"ALTER TABLE SET (...): t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t SET (toast.autovacuum_enabled = off)", 0,
		"ALTER TABLE SET (...): t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t SET (fillfactor = 70, user_catalog_table = true)", 0,
		"ALTER TABLE SET (...): t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t SET (made_up = 1)", 0, "ALTER TABLE SET (...): t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t RESET (fillfactor)", 0, "ALTER TABLE RESET (...): t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER INDEX i SET (fillfactor = 50)", 0,
		"ALTER INDEX SET (...): i SHARE UPDATE EXCLUSIVE, index (table NONE)" },
	{ "ALTER INDEX i SET (fastupdate = off)", 0,
		"ALTER INDEX SET (...): i ACCESS EXCLUSIVE, index (table NONE)" },
	{ "ALTER INDEX i RESET (deduplicate_items)", 0,
		"ALTER INDEX RESET (...): i SHARE UPDATE EXCLUSIVE, index (table NONE)" },
	{ "ALTER INDEX i ALTER COLUMN 1 SET STATISTICS 100", 0,
		"ALTER INDEX ALTER COLUMN SET STATISTICS: i SHARE UPDATE EXCLUSIVE, index (table NONE)" },
	{ "ALTER INDEX i SET TABLESPACE fast", 0,
		"ALTER INDEX SET TABLESPACE: i ACCESS EXCLUSIVE, rewrites, index (table NONE)" },
	{ "ALTER VIEW v SET (security_barrier = true)", 0, "ALTER TABLE SET (...): v ACCESS EXCLUSIVE" },
	{ "ALTER MATERIALIZED VIEW m SET (fillfactor = 50)", 0,
		"ALTER TABLE SET (...): m SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t CLUSTER ON t_a_idx", 0, "ALTER TABLE CLUSTER ON: t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t SET WITHOUT CLUSTER", 0, "ALTER TABLE SET WITHOUT CLUSTER: t SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t SET LOGGED", 0, "ALTER TABLE SET LOGGED: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t SET UNLOGGED", 0, "ALTER TABLE SET UNLOGGED: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t SET TABLESPACE fast", 0, "ALTER TABLE SET TABLESPACE: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t SET ACCESS METHOD heap2", 0,
		"ALTER TABLE SET ACCESS METHOD: t ACCESS EXCLUSIVE, rewrites" },
	{ "ALTER TABLE t SET WITHOUT OIDS", 0, "ALTER TABLE SET WITHOUT OIDS: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ENABLE TRIGGER tr", 0, "ALTER TABLE ENABLE TRIGGER: t SHARE ROW EXCLUSIVE" },
	{ "ALTER TABLE t DISABLE TRIGGER ALL", 0, "ALTER TABLE DISABLE TRIGGER: t SHARE ROW EXCLUSIVE" },
	{ "ALTER TABLE t ENABLE REPLICA TRIGGER tr", 0, "ALTER TABLE ENABLE TRIGGER: t SHARE ROW EXCLUSIVE" },
	{ "ALTER TABLE t DISABLE RULE r", 0, "ALTER TABLE DISABLE RULE: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ENABLE ROW LEVEL SECURITY", 0,
		"ALTER TABLE ENABLE ROW LEVEL SECURITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t FORCE ROW LEVEL SECURITY", 0,
		"ALTER TABLE FORCE ROW LEVEL SECURITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t NO FORCE ROW LEVEL SECURITY", 0,
		"ALTER TABLE NO FORCE ROW LEVEL SECURITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t DISABLE ROW LEVEL SECURITY", 0,
		"ALTER TABLE DISABLE ROW LEVEL SECURITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (1) TO (2)", 0,
		"ALTER TABLE ATTACH PARTITION: p SHARE UPDATE EXCLUSIVE | ALTER TABLE ATTACH PARTITION: p2 ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE p ATTACH PARTITION s.p2 DEFAULT", PG11,
		"ALTER TABLE ATTACH PARTITION: p ACCESS EXCLUSIVE | ALTER TABLE ATTACH PARTITION: s.p2 ACCESS EXCLUSIVE, scans" },
	{ "ALTER TABLE p DETACH PARTITION p1", 0,
		"ALTER TABLE DETACH PARTITION: p ACCESS EXCLUSIVE | ALTER TABLE DETACH PARTITION: p1 ACCESS EXCLUSIVE" },
	{ "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", 0,
		"ALTER TABLE DETACH PARTITION CONCURRENTLY: p SHARE UPDATE EXCLUSIVE, concurrently | ALTER TABLE DETACH PARTITION CONCURRENTLY: p1 ACCESS EXCLUSIVE, concurrently" },
	{ "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", PG13,
		"ALTER TABLE DETACH PARTITION: p ACCESS EXCLUSIVE | ALTER TABLE DETACH PARTITION: p1 ACCESS EXCLUSIVE" },
	{ "ALTER TABLE p DETACH PARTITION p1 FINALIZE", 0,
		"ALTER TABLE DETACH PARTITION FINALIZE: p SHARE UPDATE EXCLUSIVE | ALTER TABLE DETACH PARTITION FINALIZE: p1 ACCESS EXCLUSIVE" },
	{ "ALTER INDEX pi ATTACH PARTITION p1i", 0,
		"ALTER INDEX ATTACH PARTITION: pi SHARE UPDATE EXCLUSIVE, index (table ACCESS SHARE) | ALTER INDEX ATTACH PARTITION: p1i ACCESS EXCLUSIVE, index (table ACCESS SHARE)" },
	{ "ALTER TABLE t REPLICA IDENTITY FULL", 0, "ALTER TABLE REPLICA IDENTITY: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t OWNER TO bob", 0, "ALTER TABLE OWNER TO: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t INHERIT parent", 0,
		"ALTER TABLE INHERIT: t ACCESS EXCLUSIVE | ALTER TABLE INHERIT: parent SHARE UPDATE EXCLUSIVE" },
	{ "ALTER TABLE t NO INHERIT parent", 0,
		"ALTER TABLE NO INHERIT: t ACCESS EXCLUSIVE | ALTER TABLE NO INHERIT: parent ACCESS SHARE" },
	{ "ALTER TABLE t OF comp", 0, "ALTER TABLE OF: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t NOT OF", 0, "ALTER TABLE NOT OF: t ACCESS EXCLUSIVE" },
	{ "ALTER FOREIGN TABLE f ADD COLUMN c float8 DEFAULT random(), ALTER COLUMN d TYPE text, "
		"ALTER COLUMN e SET NOT NULL", 0, "ALTER TABLE ADD COLUMN: f ACCESS EXCLUSIVE | "
		"ALTER TABLE ALTER COLUMN TYPE: f ACCESS EXCLUSIVE | ALTER TABLE SET NOT NULL: f ACCESS EXCLUSIVE" },
	{ "ALTER FOREIGN TABLE f OPTIONS (ADD x 'y')", 0, "ALTER FOREIGN TABLE OPTIONS: f ACCESS EXCLUSIVE" },
	{ "ALTER FOREIGN TABLE f ALTER COLUMN c OPTIONS (ADD x 'y')", 0,
		"ALTER FOREIGN TABLE ALTER COLUMN OPTIONS: f ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0, ALTER COLUMN d SET STATISTICS 10, "
		"ADD CONSTRAINT fk FOREIGN KEY (d) REFERENCES u(id) NOT VALID", 0,
		"ALTER TABLE ALTER COLUMN SET DEFAULT: t ACCESS EXCLUSIVE | ALTER TABLE ALTER COLUMN SET STATISTICS: t SHARE UPDATE EXCLUSIVE | ALTER TABLE ADD FOREIGN KEY: t SHARE ROW EXCLUSIVE | ALTER TABLE ADD FOREIGN KEY: u SHARE ROW EXCLUSIVE" },
	{ "ALTER TYPE comp ADD ATTRIBUTE z int", 0, "ALTER TYPE: - NONE" },
};

/* ---- other statements ---- */

static const lock_case stmt_cases[] = {
	{ "CREATE TABLE t (id int PRIMARY KEY, a text)", 0, "CREATE TABLE: t NONE" },
	{ "CREATE TABLE s.t (id int REFERENCES p(id), CONSTRAINT fk FOREIGN KEY (id) REFERENCES s.q)", 0,
		"CREATE TABLE: s.t NONE | CREATE TABLE REFERENCES: p SHARE ROW EXCLUSIVE | CREATE TABLE REFERENCES: s.q SHARE ROW EXCLUSIVE" },
	{ "CREATE TABLE t (id int PRIMARY KEY, up int REFERENCES t(id))", 0, "CREATE TABLE: t NONE" },
	{ "CREATE TABLE t (LIKE src INCLUDING ALL)", 0,
		"CREATE TABLE: t NONE | CREATE TABLE LIKE: src ACCESS SHARE" },
	{ "CREATE TABLE t PARTITION OF p FOR VALUES FROM (1) TO (2)", 0,
		"CREATE TABLE: t NONE | CREATE TABLE PARTITION OF: p ACCESS EXCLUSIVE" },
	{ "CREATE TABLE t () INHERITS (a, s.b)", 0,
		"CREATE TABLE: t NONE | CREATE TABLE INHERITS: a SHARE UPDATE EXCLUSIVE | CREATE TABLE INHERITS: s.b SHARE UPDATE EXCLUSIVE" },
	{ "CREATE TABLE t AS SELECT * FROM src JOIN s.other USING (id)", 0,
		"CREATE TABLE AS: t NONE | CREATE TABLE AS: src ACCESS SHARE | CREATE TABLE AS: s.other ACCESS SHARE" },
	{ "CREATE MATERIALIZED VIEW m AS SELECT * FROM src", 0,
		"CREATE MATERIALIZED VIEW: m NONE | CREATE MATERIALIZED VIEW: src ACCESS SHARE" },
	{ "CREATE VIEW v AS SELECT * FROM src", 0, "CREATE VIEW: v NONE | CREATE VIEW: src ACCESS SHARE" },
	{ "CREATE OR REPLACE VIEW v AS SELECT * FROM src", 0,
		"CREATE OR REPLACE VIEW: v ACCESS EXCLUSIVE | CREATE OR REPLACE VIEW: src ACCESS SHARE" },
	{ "CREATE INDEX i ON t (a)", 0, "CREATE INDEX: t SHARE, scans" },
	{ "CREATE UNIQUE INDEX IF NOT EXISTS i ON s.t USING btree (a) WHERE a > 0", 0,
		"CREATE INDEX: s.t SHARE, scans" },
	{ "CREATE INDEX CONCURRENTLY i ON t (a)", 0,
		"CREATE INDEX CONCURRENTLY: t SHARE UPDATE EXCLUSIVE, scans, concurrently" },
	{ "DROP INDEX i", 0, "DROP INDEX: i ACCESS EXCLUSIVE, index (table ACCESS EXCLUSIVE)" },
	{ "DROP INDEX CONCURRENTLY IF EXISTS s.i", 0,
		"DROP INDEX CONCURRENTLY: s.i SHARE UPDATE EXCLUSIVE, concurrently, index (table SHARE UPDATE EXCLUSIVE)" },
	{ "DROP INDEX i, j", 0,
		"DROP INDEX: i ACCESS EXCLUSIVE, index (table ACCESS EXCLUSIVE) | DROP INDEX: j ACCESS EXCLUSIVE, index (table ACCESS EXCLUSIVE)" },
	{ "REINDEX INDEX i", 0, "REINDEX INDEX: i ACCESS EXCLUSIVE, rewrites, index (table SHARE)" },
	{ "REINDEX TABLE t", 0, "REINDEX TABLE: t SHARE, scans" },
	{ "REINDEX INDEX CONCURRENTLY i", 0,
		"REINDEX INDEX CONCURRENTLY: i SHARE UPDATE EXCLUSIVE, scans, concurrently, index (table SHARE UPDATE EXCLUSIVE)" },
	{ "REINDEX (CONCURRENTLY) TABLE s.t", PG12,
		"REINDEX TABLE CONCURRENTLY: s.t SHARE UPDATE EXCLUSIVE, scans, concurrently" },
	{ "REINDEX TABLE CONCURRENTLY t", PG11, "REINDEX TABLE: t SHARE, scans" },
	{ "REINDEX (CONCURRENTLY false) TABLE t", 0, "REINDEX TABLE: t SHARE, scans" },
	{ "REINDEX (VERBOSE, CONCURRENTLY on) INDEX i", 0,
		"REINDEX INDEX CONCURRENTLY: i SHARE UPDATE EXCLUSIVE, scans, concurrently, index (table SHARE UPDATE EXCLUSIVE)" },
	{ "REINDEX SCHEMA s", 0, "REINDEX SCHEMA: - SHARE, scans" },
	{ "REINDEX DATABASE CONCURRENTLY d", 0,
		"REINDEX DATABASE CONCURRENTLY: - SHARE UPDATE EXCLUSIVE, scans, concurrently" },
	{ "DROP TABLE t", 0, "DROP TABLE: t ACCESS EXCLUSIVE" },
	{ "DROP TABLE IF EXISTS t, s.u CASCADE", 0,
		"DROP TABLE: t ACCESS EXCLUSIVE | DROP TABLE: s.u ACCESS EXCLUSIVE" },
	{ "DROP VIEW v", 0, "DROP VIEW: v ACCESS EXCLUSIVE" },
	{ "DROP MATERIALIZED VIEW m", 0, "DROP MATERIALIZED VIEW: m ACCESS EXCLUSIVE" },
	{ "DROP SEQUENCE q", 0, "DROP SEQUENCE: q ACCESS EXCLUSIVE" },
	{ "DROP TRIGGER tr ON s.t", 0, "DROP TRIGGER: s.t ACCESS EXCLUSIVE" },
	{ "DROP POLICY pol ON t", 0, "DROP POLICY: t ACCESS EXCLUSIVE" },
	{ "DROP RULE r ON t", 0, "DROP RULE: t ACCESS EXCLUSIVE" },
	{ "DROP FUNCTION f()", 0, "" },
	{ "TRUNCATE t", 0, "TRUNCATE: t ACCESS EXCLUSIVE" },
	{ "TRUNCATE ONLY t, s.u RESTART IDENTITY CASCADE", 0,
		"TRUNCATE: t ACCESS EXCLUSIVE | TRUNCATE: s.u ACCESS EXCLUSIVE" },
	{ "VACUUM t", 0, "VACUUM: t SHARE UPDATE EXCLUSIVE" },
	{ "VACUUM (FULL, ANALYZE) t, s.u (a)", 0,
		"VACUUM FULL: t ACCESS EXCLUSIVE, rewrites | VACUUM FULL: s.u ACCESS EXCLUSIVE, rewrites" },
	{ "VACUUM FULL", 0, "VACUUM FULL: - ACCESS EXCLUSIVE, rewrites" },
	{ "VACUUM (FULL false) t", 0, "VACUUM: t SHARE UPDATE EXCLUSIVE" },
	{ "ANALYZE t", 0, "ANALYZE: t SHARE UPDATE EXCLUSIVE" },
	{ "ANALYZE", 0, "ANALYZE: - SHARE UPDATE EXCLUSIVE" },
	{ "CLUSTER t USING t_pkey", 0, "CLUSTER: t ACCESS EXCLUSIVE, rewrites" },
	{ "CLUSTER", 0, "CLUSTER: - ACCESS EXCLUSIVE, rewrites" },
	{ "REFRESH MATERIALIZED VIEW m", 0, "REFRESH MATERIALIZED VIEW: m ACCESS EXCLUSIVE, rewrites" },
	{ "REFRESH MATERIALIZED VIEW CONCURRENTLY s.m", 0,
		"REFRESH MATERIALIZED VIEW CONCURRENTLY: s.m EXCLUSIVE, scans, concurrently" },
	{ "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", 0,
		"CREATE TRIGGER: t SHARE ROW EXCLUSIVE" },
	{ "CREATE POLICY pol ON t USING (true)", 0, "CREATE POLICY: t ACCESS EXCLUSIVE" },
	{ "ALTER POLICY pol ON t USING (false)", 0, "ALTER POLICY: t ACCESS EXCLUSIVE" },
	{ "CREATE RULE r AS ON INSERT TO t DO ALSO NOTHING", 0, "CREATE RULE: t ACCESS EXCLUSIVE" },
	{ "CREATE STATISTICS st ON a, b FROM t", 0, "CREATE STATISTICS: t SHARE UPDATE EXCLUSIVE" },
	{ "COMMENT ON TABLE s.t IS 'x'", 0, "COMMENT ON TABLE: s.t SHARE UPDATE EXCLUSIVE" },
	{ "COMMENT ON COLUMN s.t.a IS 'x'", 0, "COMMENT ON COLUMN: s.t SHARE UPDATE EXCLUSIVE" },
	{ "COMMENT ON INDEX i IS 'x'", 0, "COMMENT ON INDEX: i SHARE UPDATE EXCLUSIVE, index (table NONE)" },
	{ "COMMENT ON CONSTRAINT c ON t IS 'x'", 0, "COMMENT ON CONSTRAINT: t ACCESS SHARE" },
	{ "COMMENT ON TRIGGER tr ON t IS 'x'", 0, "COMMENT ON TRIGGER: t ACCESS SHARE" },
	{ "COMMENT ON FUNCTION f() IS 'x'", 0, "COMMENT ON: - NONE" },
	{ "COMMENT ON SCHEMA s IS 'x'", 0, "COMMENT ON: - NONE" },
	{ "LOCK TABLE t", 0, "LOCK TABLE: t ACCESS EXCLUSIVE" },
	{ "LOCK t, s.u IN SHARE ROW EXCLUSIVE MODE NOWAIT", 0,
		"LOCK TABLE: t SHARE ROW EXCLUSIVE | LOCK TABLE: s.u SHARE ROW EXCLUSIVE" },
	{ "LOCK t IN ACCESS SHARE MODE", 0, "LOCK TABLE: t ACCESS SHARE" },
	{ "ALTER TABLE t RENAME TO u", 0, "ALTER TABLE RENAME: t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE s.t RENAME COLUMN a TO b", 0, "ALTER TABLE RENAME COLUMN: s.t ACCESS EXCLUSIVE" },
	{ "ALTER TABLE t RENAME CONSTRAINT a TO b", 0, "ALTER TABLE RENAME CONSTRAINT: t ACCESS EXCLUSIVE" },
	{ "ALTER INDEX i RENAME TO j", 0, "ALTER INDEX RENAME: i SHARE UPDATE EXCLUSIVE, index (table NONE)" },
	{ "ALTER INDEX i RENAME TO j", PG11, "ALTER INDEX RENAME: i ACCESS EXCLUSIVE, index (table NONE)" },
	{ "ALTER VIEW v RENAME TO w", 0, "ALTER VIEW RENAME: v ACCESS EXCLUSIVE" },
	{ "ALTER TRIGGER tr ON t RENAME TO tr2", 0, "ALTER TRIGGER RENAME: t ACCESS EXCLUSIVE" },
	{ "ALTER POLICY pol ON t RENAME TO pol2", 0, "ALTER POLICY RENAME: t ACCESS EXCLUSIVE" },
	{ "ALTER SCHEMA s RENAME TO s2", 0, "" },
	{ "ALTER TABLE t SET SCHEMA s", 0, "ALTER TABLE SET SCHEMA: t ACCESS EXCLUSIVE" },
	{ "ALTER FUNCTION f() SET SCHEMA s", 0, "ALTER SET SCHEMA: - NONE" },
	{ "ALTER SEQUENCE q RESTART", 0, "ALTER SEQUENCE: q SHARE ROW EXCLUSIVE" },
	{ "ALTER TYPE mood ADD VALUE 'c'", 0, "ALTER TYPE ADD VALUE: - NONE" },
	{ "ALTER TYPE mood ADD VALUE 'c'", PG11, "ALTER TYPE ADD VALUE: - NONE" },
	{ "ALTER TYPE mood RENAME VALUE 'a' TO 'b'", 0, "ALTER TYPE RENAME VALUE: - NONE" },
	{ "ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b", 0,
		"ALTER TABLE ALL IN TABLESPACE: - ACCESS EXCLUSIVE, rewrites" },
	{ "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", 0, "CREATE FUNCTION: - NONE" },
	{ "CREATE TYPE mood AS ENUM ('a')", 0, "CREATE TYPE: - NONE" },
	{ "CREATE SCHEMA s", 0, "CREATE SCHEMA: - NONE" },
	{ "CREATE SEQUENCE q", 0, "CREATE SEQUENCE: - NONE" },
	{ "REVOKE SELECT ON t FROM bob", 0, "REVOKE: - NONE" },
	{ "GRANT SELECT ON t TO bob", 0, "GRANT: - NONE" },
};

static const lock_case query_cases[] = {
	{ "SELECT 1", 0, "SELECT: - NONE" },
	{ "SELECT * FROM t", 0, "SELECT: t ACCESS SHARE" },
	{ "SELECT * FROM t JOIN s.u USING (id) WHERE a IN (SELECT a FROM v)", 0,
		"SELECT: t ACCESS SHARE | SELECT: s.u ACCESS SHARE | SELECT: v ACCESS SHARE" },
	{ "SELECT * FROM t FOR UPDATE", 0, "SELECT FOR UPDATE/SHARE: t ROW SHARE" },
	{ "SELECT * FROM t JOIN u USING (id) FOR SHARE OF u", 0,
		"SELECT: t ACCESS SHARE | SELECT FOR UPDATE/SHARE: u ROW SHARE" },
	{ "SELECT * FROM t AS x JOIN u ON u.id = x.id FOR NO KEY UPDATE OF x", 0,
		"SELECT FOR UPDATE/SHARE: t ROW SHARE | SELECT: u ACCESS SHARE" },
	{ "SELECT * FROM t FOR UPDATE SKIP LOCKED", 0, "SELECT FOR UPDATE/SHARE: t ROW SHARE" },
	{ "WITH c AS (SELECT * FROM t) SELECT * FROM c JOIN u USING (id)", 0,
		"SELECT: u ACCESS SHARE | SELECT: t ACCESS SHARE" },
	{ "WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d", 0, "SELECT: t ROW EXCLUSIVE" },
	{ "SELECT * INTO n FROM t", 0, "SELECT INTO: n NONE | SELECT: t ACCESS SHARE" },
	{ "INSERT INTO t VALUES (1)", 0, "INSERT: t ROW EXCLUSIVE" },
	{ "INSERT INTO s.t SELECT * FROM u ON CONFLICT DO NOTHING", 0,
		"INSERT: s.t ROW EXCLUSIVE | INSERT: u ACCESS SHARE" },
	{ "UPDATE t SET a = 1 FROM u WHERE u.id = t.id", 0, "UPDATE: t ROW EXCLUSIVE | UPDATE: u ACCESS SHARE" },
	{ "UPDATE t SET a = (SELECT max(a) FROM t)", 0, "UPDATE: t ROW EXCLUSIVE" },
	{ "DELETE FROM t USING u WHERE u.id = t.id", 0, "DELETE: t ROW EXCLUSIVE | DELETE: u ACCESS SHARE" },
	{ "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE", 0,
		"MERGE: t ROW EXCLUSIVE | MERGE: u ACCESS SHARE" },
};

static void add_column(void **state)
{
	(void)state;
	CHECK(add_column_cases, 0);
}

static void column_types_and_volatility_from_the_context(void **state)
{
	(void)state;
	CHECK(lookup_cases, 1);
}

static void alter_table_subcommands(void **state)
{
	(void)state;
	CHECK(alter_cases, 0);
}

static void other_statements(void **state)
{
	(void)state;
	CHECK(stmt_cases, 0);
}

static void queries(void **state)
{
	(void)state;
	CHECK(query_cases, 0);
}

/* ---- levels ---- */

static void levels_and_conflicts(void **state)
{
	static const struct {
		st_lock_level level;
		const char *name;
		unsigned blocks;
	} levels[] = {
		{ ST_LOCK_NONE, "NONE", 0 },
		{ ST_LOCK_ACCESS_SHARE, "ACCESS SHARE", ST_BLOCKS_DDL },
		{ ST_LOCK_ROW_SHARE, "ROW SHARE", ST_BLOCKS_DDL },
		{ ST_LOCK_ROW_EXCLUSIVE, "ROW EXCLUSIVE", ST_BLOCKS_INDEX_BUILDS | ST_BLOCKS_DDL },
		{ ST_LOCK_SHARE_UPDATE_EXCLUSIVE, "SHARE UPDATE EXCLUSIVE",
			ST_BLOCKS_VACUUM | ST_BLOCKS_INDEX_BUILDS | ST_BLOCKS_DDL },
		{ ST_LOCK_SHARE, "SHARE", ST_BLOCKS_WRITES | ST_BLOCKS_VACUUM | ST_BLOCKS_DDL },
		{ ST_LOCK_SHARE_ROW_EXCLUSIVE, "SHARE ROW EXCLUSIVE",
			ST_BLOCKS_WRITES | ST_BLOCKS_VACUUM | ST_BLOCKS_INDEX_BUILDS | ST_BLOCKS_DDL },
		{ ST_LOCK_EXCLUSIVE, "EXCLUSIVE", ST_BLOCKS_WRITES | ST_BLOCKS_LOCKING_READS | ST_BLOCKS_VACUUM |
			ST_BLOCKS_INDEX_BUILDS | ST_BLOCKS_DDL },
		{ ST_LOCK_ACCESS_EXCLUSIVE, "ACCESS EXCLUSIVE", ST_BLOCKS_READS | ST_BLOCKS_WRITES |
			ST_BLOCKS_LOCKING_READS | ST_BLOCKS_VACUUM | ST_BLOCKS_INDEX_BUILDS | ST_BLOCKS_DDL },
	};
	/* How many of the eight modes each one conflicts with (PostgreSQL's table 13.2). */
	static const int conflict_counts[] = { 0, 1, 2, 4, 5, 5, 6, 7, 8 };
	size_t i, j;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(levels); i++) {
		int count = 0;

		assert_string_equal(st_lock_level_name(levels[i].level), levels[i].name);
		assert_int_equal(st_lock_blocks(levels[i].level), levels[i].blocks);
		for (j = 0; j < ST_ARRAY_LEN(levels); j++) {
			assert_int_equal(st_lock_conflicts(levels[i].level, levels[j].level),
				st_lock_conflicts(levels[j].level, levels[i].level));
			count += st_lock_conflicts(levels[i].level, levels[j].level);
		}
		assert_int_equal(count, conflict_counts[i]);
	}
	assert_false(st_lock_conflicts(ST_LOCK_SHARE, ST_LOCK_SHARE));
	assert_true(st_lock_conflicts(ST_LOCK_SHARE_UPDATE_EXCLUSIVE, ST_LOCK_SHARE_UPDATE_EXCLUSIVE));
	assert_true(st_lock_conflicts(ST_LOCK_ROW_EXCLUSIVE, ST_LOCK_SHARE));
	assert_false(st_lock_conflicts(ST_LOCK_ROW_EXCLUSIVE, ST_LOCK_ROW_EXCLUSIVE));
	assert_false(st_lock_conflicts(ST_LOCK_ACCESS_SHARE, ST_LOCK_EXCLUSIVE));
	assert_string_equal(st_lock_level_name((st_lock_level)9), "UNKNOWN");
	assert_string_equal(st_lock_level_name((st_lock_level)-1), "UNKNOWN");
	assert_int_equal(st_lock_blocks((st_lock_level)42), 0);
	assert_false(st_lock_conflicts((st_lock_level)42, ST_LOCK_ACCESS_EXCLUSIVE));
	assert_true(st_lock_tables_sorted());
}

/* ---- locations, notes, contexts ---- */

/* The effects of sql's first statement under ctx; free with st_lock_effects_free. */
static st_lock_effect *effects_of(size_t *n, const char *sql, const st_lock_context *ctx)
{
	strata_error err = STRATA_ERROR_INIT;
	st_lock_effect *e = NULL;
	st_tree t;

	th_ok(st_lock_effects(&e, n, parse_stmt(&t, sql), ctx, &err), &err);
	st_tree_release(&t);
	return e;
}

static void locations_point_into_the_text(void **state)
{
	static const struct {
		const char *sql;
		const char *at[3];       /* the text each effect's location starts with, NULL: -1 */
	} cases[] = {
		{ "ALTER TABLE t ADD COLUMN c int, ALTER COLUMN d SET NOT NULL", { "c int", "t ADD" } },
		{ "ALTER TABLE s.t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
			{ "CONSTRAINT fk", "p (id)" } },
		{ "ALTER TABLE t ALTER COLUMN c TYPE text", { "c TYPE" } },
		{ "CREATE INDEX i ON t (a)", { "t (a)" } },
		{ "CREATE TABLE n (a int REFERENCES p)", { "n (a", "REFERENCES p" } },
		{ "UPDATE t SET a = 1 FROM u", { "t SET", "u" } },
		{ "DROP TABLE t, u", { NULL, NULL } },
		{ "ALTER TABLE p ATTACH PARTITION p1 DEFAULT", { "p1 DEFAULT", "p1 DEFAULT" } },
	};
	size_t i, j, n;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(cases); i++) {
		st_lock_effect *e = effects_of(&n, cases[i].sql, NULL);

		for (j = 0; j < n && j < 3; j++) {
			const char *want = cases[i].at[j];

			if (want == NULL) {
				assert_int_equal(e[j].location, -1);
				continue;
			}
			if (e[j].location < 0 || strncmp(cases[i].sql + e[j].location, want, strlen(want)) != 0)
				fail_msg("%s: effect %zu at %d, expected at '%s'", cases[i].sql, j, e[j].location, want);
		}
		st_lock_effects_free(e, n);
	}
}

static void notes_say_why(void **state)
{
	static const struct {
		const char *sql;
		int pg_version;
		const char *fragment;    /* in the first effect's note */
	} cases[] = {
		{ "ALTER TABLE t ADD COLUMN c int DEFAULT 0", 0, "stored in the catalog, no rewrite" },
		{ "ALTER TABLE t ADD COLUMN c int DEFAULT 0", PG10, "before PostgreSQL 11" },
		{ "ALTER TABLE t ADD COLUMN c float8 DEFAULT random()", 0, "volatile default" },
		{ "ALTER TABLE t ADD COLUMN c text DEFAULT f()", 0, "assumed volatile" },
		{ "ALTER TABLE t ADD COLUMN c serial", 0, "nextval" },
		{ "ALTER TABLE t ALTER COLUMN c SET NOT NULL", PG12, "CHECK (column IS NOT NULL)" },
		{ "ALTER TABLE t ALTER COLUMN c SET NOT NULL", PG11, "before PostgreSQL 12" },
		{ "ALTER TABLE t ALTER COLUMN c TYPE text", 0, "current type is unknown" },
		{ "ALTER TABLE t ALTER COLUMN c TYPE text USING c || ''", 0, "USING" },
		{ "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", 0, "NOT VALID, then VALIDATE" },
		{ "ALTER TABLE t VALIDATE CONSTRAINT c", 0, "ROW SHARE" },
		{ "ALTER TABLE t DROP CONSTRAINT c", 0, "foreign key" },
		{ "ALTER TABLE t ADD UNIQUE (a)", 0, "CONCURRENTLY" },
		{ "ALTER TABLE t SET (user_catalog_table = true)", 0, "ACCESS EXCLUSIVE" },
		{ "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", PG11, "before PostgreSQL 12" },
		{ "ALTER TABLE p DETACH PARTITION c CONCURRENTLY", PG13, "before PostgreSQL 14" },
		{ "ALTER INDEX i RENAME TO j", PG11, "before PostgreSQL 12" },
		{ "REINDEX INDEX CONCURRENTLY i", PG11, "no REINDEX CONCURRENTLY" },
		{ "REINDEX TABLE t", 0, "ACCESS EXCLUSIVE" },
		{ "ALTER TYPE mood ADD VALUE 'x'", PG11, "before PostgreSQL 12" },
		{ "DROP TABLE t", 0, "foreign keys" },
		{ "DROP INDEX i", 0, "table too" },
		{ "TRUNCATE t", 0, "no rewrite" },
		{ "CREATE TABLE t (a int)", 0, "new table" },
		{ "CREATE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f()", 0, "not reads" },
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(cases); i++) {
		st_lock_context ctx = { cases[i].pg_version, NULL, NULL, NULL };
		st_lock_effect *e = effects_of(&n, cases[i].sql, &ctx);

		assert_true(n > 0);
		if (e[0].note == NULL || strstr(e[0].note, cases[i].fragment) == NULL)
			fail_msg("%s (%d): note '%s' lacks '%s'", cases[i].sql, cases[i].pg_version,
				e[0].note ? e[0].note : "(none)", cases[i].fragment);
		st_lock_effects_free(e, n);
	}
}

static void every_statement_of_a_script(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char *json = parse_json("BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); SET lock_timeout = '1s';"
		" ALTER TABLE t ADD COLUMN c int; COMMIT");
	static const char *const expected[] = {
		"", "CREATE INDEX CONCURRENTLY: t SHARE UPDATE EXCLUSIVE, scans, concurrently", "",
		"ALTER TABLE ADD COLUMN: t ACCESS EXCLUSIVE", "",
	};
	const st_tree_node *m;
	size_t i = 0;
	st_tree t;

	(void)state;
	th_ok(st_tree_parse(&t, json, strlen(json), 1, &err), &err);
	for (m = st_tree_get(t.root, "stmts")->first; m != NULL; m = m->next, i++) {
		strata_buf got = STRATA_BUF_INIT;
		st_lock_effect *e = NULL;
		size_t n = 7;

		assert_true(i < ST_ARRAY_LEN(expected));
		th_ok(st_lock_effects(&e, &n, st_tree_get(m, "stmt"), NULL, &err), &err);
		assert_true((n == 0) == (e == NULL));
		render(&got, e, n);
		assert_string_equal(strata_buf_cstr(&got), expected[i]);
		strata_buf_release(&got);
		st_lock_effects_free(e, n);
	}
	assert_int_equal(i, ST_ARRAY_LEN(expected));
	st_tree_release(&t);
	st_lock_effects_free(NULL, 0);
}

/* ---- trees libpg_query does not write ---- */

/* Checks that effects are well-formed; returns the count. */
static size_t sane_effects(const st_tree_node *stmt, const char *what)
{
	strata_error err = STRATA_ERROR_INIT;
	st_lock_effect *e = NULL;
	size_t n = 99, i;

	if (st_lock_effects(&e, &n, stmt, NULL, &err) != 0)
		fail_msg("%s: failed: %s", what, err.message);
	if ((n == 0) != (e == NULL))
		fail_msg("%s: %zu effects at %p", what, n, (void *)e);
	for (i = 0; i < n; i++)
		if (e[i].action == NULL || e[i].action[0] == '\0' || e[i].level > ST_LOCK_ACCESS_EXCLUSIVE ||
			e[i].table_level > ST_LOCK_ACCESS_EXCLUSIVE || (e[i].relation != NULL && e[i].relation[0] == '\0') ||
			e[i].location < -1)
			fail_msg("%s: effect %zu is malformed", what, i);
	st_lock_effects_free(e, n);
	return n;
}

static void garbage_gives_no_effect(void **state)
{
	static const struct {
		const char *json;
		size_t effects;
	} cases[] = {
		{ "null", 0 },
		{ "42", 0 },
		{ "\"AlterTableStmt\"", 0 },
		{ "[]", 0 },
		{ "{}", 0 },
		{ "{\"a\": 1, \"b\": 2}", 0 },
		{ "{\"NoSuchStmt\": {}}", 0 },
		{ "{\"AlterTableStmt\": 5}", 0 },
		{ "{\"AlterTableStmt\": []}", 0 },
		{ "{\"AlterTableStmt\": {}}", 0 },
		{ "{\"AlterTableStmt\": {\"cmds\": 7}}", 0 },
		{ "{\"AlterTableStmt\": {\"cmds\": [1, null, \"x\", {}, {\"AlterTableCmd\": 3}]}}", 0 },
		{ "{\"AlterTableStmt\": {\"cmds\": [{\"AlterTableCmd\": {\"subtype\": \"AT_Nope\"}}]}}", 0 },
		{ "{\"AlterTableStmt\": {\"relation\": {\"relname\": 5}, \"cmds\": [{\"AlterTableCmd\": "
			"{\"subtype\": \"AT_AddColumn\", \"def\": 1}}]}}", 1 },
		{ "{\"AlterTableStmt\": {\"relation\": {\"relname\": \"\"}, \"cmds\": [{\"AlterTableCmd\": "
			"{\"subtype\": \"AT_AlterColumnType\", \"def\": {\"ColumnDef\": {\"typeName\": {\"names\": 3, "
			"\"typmods\": [{\"A_Const\": {}}, 7]}}}}}]}}", 1 },
		{ "{\"AlterTableStmt\": {\"cmds\": [{\"AlterTableCmd\": {\"subtype\": \"AT_AddConstraint\", "
			"\"def\": {\"Constraint\": {\"contype\": \"CONSTR_FOREIGN\", \"pktable\": []}}}}]}}", 2 },
		{ "{\"AlterTableStmt\": {\"cmds\": [{\"AlterTableCmd\": {\"subtype\": \"AT_AttachPartition\", "
			"\"def\": {\"PartitionCmd\": {\"name\": {\"relname\": {\"x\": 1}}}}}}]}}", 2 },
		{ "{\"AlterTableStmt\": {\"cmds\": [{\"AlterTableCmd\": {\"subtype\": \"AT_SetRelOptions\", "
			"\"def\": {\"List\": {\"items\": [{\"DefElem\": {}}, 4]}}}}]}}", 1 },
		{ "{\"IndexStmt\": {\"relation\": \"x\", \"concurrent\": 1}}", 1 },
		{ "{\"DropStmt\": {\"removeType\": \"OBJECT_TABLE\", \"objects\": [[], {\"List\": {}}, 3]}}", 0 },
		{ "{\"DropStmt\": {\"removeType\": \"OBJECT_TRIGGER\", \"objects\": [{\"List\": {\"items\": "
			"[{\"String\": {\"sval\": \"tr\"}}]}}]}}", 0 },
		{ "{\"DropStmt\": {\"removeType\": 7, \"objects\": []}}", 0 },
		{ "{\"RenameStmt\": {\"renameType\": \"OBJECT_INDEX\"}}", 1 },
		{ "{\"CommentStmt\": {\"objtype\": \"OBJECT_COLUMN\", \"object\": {\"String\": {\"sval\": \"t\"}}}}", 0 },
		{ "{\"LockStmt\": {\"relations\": [{\"RangeVar\": {\"relname\": \"t\"}}], \"mode\": 99}}", 1 },
		{ "{\"LockStmt\": {\"relations\": {\"RangeVar\": {}}}}", 0 },
		{ "{\"ReindexStmt\": {\"kind\": \"REINDEX_OBJECT_INDEX\", \"params\": [{\"DefElem\": "
			"{\"defname\": \"concurrently\", \"arg\": {\"Integer\": {}}}}]}}", 1 },
		{ "{\"VacuumStmt\": {\"rels\": [7, {\"VacuumRelation\": 1}]}}", 2 },
		{ "{\"SelectStmt\": {\"fromClause\": [{\"RangeVar\": {\"schemaname\": \"s\"}}], \"lockingClause\": 1}}", 1 },
		{ "{\"SelectStmt\": {\"lockingClause\": [{\"LockingClause\": {\"lockedRels\": [{\"RangeVar\": 1}]}}]}}", 1 },
		{ "{\"InsertStmt\": {\"relation\": 1, \"selectStmt\": {\"SelectStmt\": []}}}", 1 },
		{ "{\"CreateStmt\": {\"relation\": {\"relname\": \"n\"}, \"tableElts\": [{\"Constraint\": "
			"{\"contype\": \"CONSTR_FOREIGN\"}}, {\"ColumnDef\": {\"constraints\": 5}}], \"inhRelations\": 1}}", 1 },
		{ "{\"CreateTableAsStmt\": {}}", 1 },
		{ "{\"AlterEnumStmt\": 1}", 0 },
	};
	strata_error err = STRATA_ERROR_INIT;
	size_t i;

	(void)state;
	assert_int_equal(sane_effects(NULL, "NULL"), 0);
	for (i = 0; i < ST_ARRAY_LEN(cases); i++) {
		st_tree t;
		char *json = st_strdup(cases[i].json);
		size_t n;

		th_ok(st_tree_parse(&t, json, strlen(json), 1, &err), &err);
		n = sane_effects(t.root, cases[i].json);
		if (n != cases[i].effects)
			fail_msg("%s: %zu effects, expected %zu", cases[i].json, n, cases[i].effects);
		st_tree_release(&t);
	}
}

/* A deterministic generator for the mutations. */
static unsigned long next_random(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* Every value below v (objects and arrays included) into all. */
static void collect(json_t *v, json_t **all, size_t *n, size_t max)
{
	const char *key;
	json_t *m;
	size_t i;

	if (*n == max)
		return;
	all[(*n)++] = v;
	if (json_is_object(v)) {
		json_object_foreach(v, key, m)
			collect(m, all, n, max);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			collect(m, all, n, max);
	}
}

static json_t *random_value(unsigned long *seed, json_t **all, size_t n)
{
	static const char *const words[] = {
		"AT_AddColumn", "AT_AlterColumnType", "CONSTR_FOREIGN", "OBJECT_INDEX", "RangeVar", "x", "",
		"REINDEX_OBJECT_INDEX", "OBJECT_COLUMN", "AT_AttachPartition",
	};

	switch (next_random(seed) % 8) {
	case 0: return json_null();
	case 1: return json_integer((json_int_t)(next_random(seed) % 20) - 5);
	case 2: return json_string(words[next_random(seed) % ST_ARRAY_LEN(words)]);
	case 3: return json_true();
	case 4: return json_array();
	case 5: return json_object();
	default: return json_deep_copy(all[next_random(seed) % n]);
	}
}

/* Replaces or removes members of a few random containers. */
static void mutate(json_t *root, unsigned long *seed)
{
	json_t *all[4096];
	size_t n = 0, k, rounds = 1 + next_random(seed) % 3;

	for (k = 0; k < rounds; k++) {
		json_t *target;

		n = 0;
		collect(root, all, &n, ST_ARRAY_LEN(all));
		target = all[next_random(seed) % n];
		if (json_is_object(target) && json_object_size(target) > 0) {
			size_t pick = next_random(seed) % json_object_size(target), i = 0;
			const char *key;
			json_t *m;

			json_object_foreach(target, key, m) {
				if (i++ != pick)
					continue;
				if (next_random(seed) % 4 == 0)
					json_object_del(target, key);
				else
					json_object_set_new(target, key, random_value(seed, all, n));
				break;
			}
		} else if (json_is_array(target) && json_array_size(target) > 0) {
			size_t pick = next_random(seed) % json_array_size(target);

			if (next_random(seed) % 4 == 0)
				json_array_remove(target, pick);
			else
				json_array_set_new(target, pick, random_value(seed, all, n));
		}
	}
}

static void mutated_trees_never_crash(void **state)
{
	static const lock_case *const tables[] = { add_column_cases, alter_cases, stmt_cases, query_cases };
	static const size_t sizes[] = {
		ST_ARRAY_LEN(add_column_cases), ST_ARRAY_LEN(alter_cases), ST_ARRAY_LEN(stmt_cases),
		ST_ARRAY_LEN(query_cases),
	};
	unsigned long seed = 20261122;
	size_t ti, i, round, trees = 0, statements = 0;

	(void)state;
	for (ti = 0; ti < ST_ARRAY_LEN(tables); ti++) {
		statements += sizes[ti];
		for (i = 0; i < sizes[ti]; i++) {
			char *json = parse_json(tables[ti][i].sql);
			json_t *orig = json_loads(json, 0, NULL);

			assert_non_null(orig);
			st_free(json);
			for (round = 0; round < 40; round++) {
				strata_error err = STRATA_ERROR_INIT;
				json_t *copy = json_deep_copy(orig);
				const st_tree_node *m;
				char *text;
				st_tree t;

				mutate(copy, &seed);
				text = json_dumps(copy, JSON_COMPACT | JSON_ENCODE_ANY);
				json_decref(copy);
				th_ok(st_tree_parse(&t, st_strdup(text), strlen(text), 1, &err), &err);
				/* The statement node, the root, and whatever "stmts" became. */
				sane_effects(t.root, text);
				m = st_tree_get(t.root, "stmts");
				for (m = m != NULL && m->type == ST_TREE_ARRAY ? m->first : NULL; m != NULL; m = m->next) {
					sane_effects(st_tree_get(m, "stmt"), text);
					sane_effects(m, text);
				}
				st_tree_release(&t);
				free(text);
				trees++;
			}
			json_decref(orig);
		}
	}
	assert_int_equal(trees, statements * 40);
}

/* Every allocation the model makes may fail: ENOMEM, nothing returned, nothing leaked. */
static void allocation_failures(void **state)
{
	static const char *const sqls[] = {
		"ALTER TABLE s.t ADD COLUMN c int DEFAULT 1 REFERENCES p(id), ALTER COLUMN d TYPE text, "
			"SET (fillfactor = 50)",
		"ALTER TABLE p ATTACH PARTITION s.p1 FOR VALUES IN (1)",
		"WITH c AS (SELECT * FROM a) SELECT * FROM c JOIN b USING (id) JOIN s.d USING (id) FOR UPDATE OF b",
		"CREATE TABLE s.n (a int REFERENCES p, LIKE src) INHERITS (base)",
		"DROP INDEX i, s.j",
		"COMMENT ON COLUMN s.t.c IS 'x'",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(sqls); i++) {
		long k;
		st_tree t;
		const st_tree_node *stmt = parse_stmt(&t, sqls[i]);

		for (k = 1; k < 1000; k++) {
			strata_error err = STRATA_ERROR_INIT;
			st_lock_effect *e = (st_lock_effect *)&err;
			size_t n = 5;
			int rc;

			st_alloc_fail_after(k, 1);
			rc = st_lock_effects(&e, &n, stmt, NULL, &err);
			st_alloc_fail_after(0, 0);
			if (rc == 0) {
				assert_true(n > 0);
				st_lock_effects_free(e, n);
				break;
			}
			assert_int_equal(rc, STRATA_ENOMEM);
			assert_int_equal(err.code, STRATA_ENOMEM);
			assert_null(e);
			assert_int_equal(n, 0);
		}
		assert_true(k > 2 && k < 1000);
		st_tree_release(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_column),
		cmocka_unit_test(column_types_and_volatility_from_the_context),
		cmocka_unit_test(alter_table_subcommands),
		cmocka_unit_test(other_statements),
		cmocka_unit_test(queries),
		cmocka_unit_test(levels_and_conflicts),
		cmocka_unit_test(locations_point_into_the_text),
		cmocka_unit_test(notes_say_why),
		cmocka_unit_test(every_statement_of_a_script),
		cmocka_unit_test(garbage_gives_no_effect),
		cmocka_unit_test(mutated_trees_never_crash),
		cmocka_unit_test(allocation_failures),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
