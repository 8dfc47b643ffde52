/*
 * test_sql.c: SQL scripts read with PostgreSQL's grammar: statement
 * positions (bytes, lines, byte columns) through comments, strings, dollar
 * quotes and UTF-8; empty scripts; syntax errors and where they are; which
 * statements PostgreSQL 15 refuses inside a transaction block (each one
 * checked against a real 15 server, see src/sql/classify.c) and their near
 * misses; transaction-control kinds; table names; the pre-filter giving the
 * same answers as decoding every tree; bad input; and allocation failures
 * that must leak nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "sql/sql_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define ALL (STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES)

static strata_sql_script *parse_ok(const char *sql, unsigned options)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *s = NULL;
	int rc = strata_sql_script_parse(&s, sql, strlen(sql), options, &err);

	if (rc != 0)
		fail_msg("parsing '%s' failed with %d: %s", sql, rc, err.message);
	assert_non_null(s);
	return s;
}

/* Statement i must be exactly text, at offset, starting at line:column and ending on end_line. */
static void expect_stmt(const strata_sql_script *s, const char *sql, size_t i, const char *text,
	size_t offset, int line, int column, int end_line)
{
	const strata_sql_stmt *st;

	if (i >= s->nstmts)
		fail_msg("statement %zu missing: only %zu", i, s->nstmts);
	st = &s->stmts[i];
	if (st->offset != offset || st->length != strlen(text) ||
		memcmp(sql + st->offset, text, strlen(text)) != 0 || st->line != line ||
		st->column != column || st->end_line != end_line)
		fail_msg("statement %zu: got offset %zu length %zu at %d:%d to line %d ('%.*s'), "
			"expected offset %zu length %zu at %d:%d to line %d ('%s')", i, st->offset,
			st->length, st->line, st->column, st->end_line, (int)st->length, sql + st->offset,
			offset, strlen(text), line, column, end_line, text);
}

static void expect_error(const char *sql, const char *message, size_t offset, int line, int column)
{
	strata_sql_script *s = parse_ok(sql, ALL);

	if (!s->has_error)
		fail_msg("'%s' parsed without an error", sql);
	if (strcmp(s->error_message, message) != 0 || s->error_offset != offset ||
		s->error_line != line || s->error_column != column)
		fail_msg("'%s': got '%s' at offset %zu (%d:%d), expected '%s' at offset %zu (%d:%d)", sql,
			s->error_message, s->error_offset, s->error_line, s->error_column, message, offset,
			line, column);
	assert_int_equal(s->nstmts, 0);
	assert_null(s->stmts);
	assert_false(strata_sql_script_empty(s));
	strata_sql_script_free(s);
}

/* ---- positions ---- */

static void comments_blanks_and_lines(void **state)
{
	const char *sql =
		"-- leading; comment\n"
		"/* block; /* nested; */ still */\n"
		"CREATE TABLE a (id int);   -- trailing; comment\n"
		"  INSERT INTO a VALUES (1)\n"
		"  ;\n"
		"/* c1 */ /* c2 */ SELECT 1";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, 0);
	assert_false(s->has_error);
	assert_int_equal(s->nstmts, 3);
	expect_stmt(s, sql, 0, "CREATE TABLE a (id int)", 53, 3, 1, 3);
	/* Up to the ';', blanks before it included: the last byte is on line 5. */
	expect_stmt(s, sql, 1, "INSERT INTO a VALUES (1)\n  ", 103, 4, 3, 5);
	/* The last statement has no ';': it runs to the end. */
	expect_stmt(s, sql, 2, "SELECT 1", 150, 6, 19, 6);
	assert_false(strata_sql_script_empty(s));
	strata_sql_script_free(s);
}

static void dollar_quoted_bodies(void **state)
{
	const char *sql =
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
		"BEGIN\n"
		"  PERFORM 1; -- inner; comment\n"
		"  RETURN 1;\n"
		"END;\n"
		"$$;\n"
		"DO $body$ BEGIN RAISE NOTICE 'a;b $$ c'; END $body$;\n"
		"SELECT $x$;$x$, $$;$$;\n";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, ALL);
	assert_int_equal(s->nstmts, 3);
	expect_stmt(s, sql, 0,
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n"
		"  PERFORM 1; -- inner; comment\n  RETURN 1;\nEND;\n$$", 0, 1, 1, 6);
	expect_stmt(s, sql, 1, "DO $body$ BEGIN RAISE NOTICE 'a;b $$ c'; END $body$", 113, 7, 1, 7);
	expect_stmt(s, sql, 2, "SELECT $x$;$x$, $$;$$", 166, 8, 1, 8);
	assert_string_equal(s->stmts[0].node, "CreateFunctionStmt");
	assert_string_equal(s->stmts[1].node, "DoStmt");
	assert_string_equal(s->stmts[2].node, "SelectStmt");
	strata_sql_script_free(s);
}

static void string_literals(void **state)
{
	const char *sql =
		"SELECT 'a;b', 'it''s;';\n"
		"SELECT E'it\\'s; fine', \"semi;colon\" FROM t;\n"
		"SELECT U&'d\\0061t\\+000061;' AS x;\n"
		"SELECT B'101', X'1F' -- ; \n;";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, ALL);
	assert_int_equal(s->nstmts, 4);
	expect_stmt(s, sql, 0, "SELECT 'a;b', 'it''s;'", 0, 1, 1, 1);
	expect_stmt(s, sql, 1, "SELECT E'it\\'s; fine', \"semi;colon\" FROM t", 24, 2, 1, 2);
	expect_stmt(s, sql, 2, "SELECT U&'d\\0061t\\+000061;' AS x", 68, 3, 1, 3);
	/* A comment before the ';' belongs to the statement; its newline ends line 4. */
	expect_stmt(s, sql, 3, "SELECT B'101', X'1F' -- ; \n", 102, 4, 1, 4);
	strata_sql_script_free(s);
}

static void unicode_columns_count_bytes(void **state)
{
	const char *sql = "-- h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x98\x80\n"
		"  /* \xc3\xbcn\xc3\xaf */ SELECT '\xc3\x9f' AS \"na\xc3\xafve\"; SELECT 2";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, ALL);
	assert_int_equal(s->nstmts, 2);
	/* 13 characters but 14 bytes precede SELECT on line 2. */
	expect_stmt(s, sql, 0, "SELECT '\xc3\x9f' AS \"na\xc3\xafve\"", 36, 2, 15, 2);
	expect_stmt(s, sql, 1, "SELECT 2", 61, 2, 40, 2);
	strata_sql_script_free(s);
}

static void last_statement_without_semicolon(void **state)
{
	const char *sql = "SELECT 1;\nSELECT 2 -- no semicolon\n\n";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, ALL);
	assert_int_equal(s->nstmts, 2);
	expect_stmt(s, sql, 0, "SELECT 1", 0, 1, 1, 1);
	/* Without a ';' the statement ends after its last token, its comment left out. */
	expect_stmt(s, sql, 1, "SELECT 2", 10, 2, 1, 2);
	strata_sql_script_free(s);

	s = parse_ok("select 1;;  ;select 2 ;", 0);
	assert_int_equal(s->nstmts, 2);
	expect_stmt(s, "select 1;;  ;select 2 ;", 0, "select 1", 0, 1, 1, 1);
	expect_stmt(s, "select 1;;  ;select 2 ;", 1, "select 2 ", 13, 1, 14, 1);
	strata_sql_script_free(s);
}

/* The last statement, without ';', ends at its last token whatever surrounds that token. */
static void last_statement_ends_at_its_last_token(void **state)
{
	static const struct {
		const char *sql;
		const char *stmt;
	} cases[] = {
		{ "SELECT 1 /* tail */ -- more\n\n", "SELECT 1" },
		{ "SELECT 1\r\n", "SELECT 1" },
		{ "SELECT '-- not a comment' -- a comment", "SELECT '-- not a comment'" },
		{ "SELECT 'it''s -- still a string' -- c", "SELECT 'it''s -- still a string'" },
		{ "SELECT E'\\' -- still a string' -- c", "SELECT E'\\' -- still a string'" },
		{ "SELECT $$ -- $$ -- c", "SELECT $$ -- $$" },
		{ "SELECT $fn$ $$ -- $fn$/* c */", "SELECT $fn$ $$ -- $fn$" },
		{ "SELECT \"a--b\" -- c", "SELECT \"a--b\"" },
		{ "SELECT 1 AS a$b$ -- c", "SELECT 1 AS a$b$" },
		{ "SELECT U&'d!0061t' UESCAPE '!' -- c", "SELECT U&'d!0061t' UESCAPE '!'" },
		{ "SELECT X'1F', B'10' /* a /* nested */ comment */", "SELECT X'1F', B'10'" },
		{ "SELECT $1 -- c", "SELECT $1" },
		{ "SELECT 1 -- c", "SELECT 1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(cases); i++) {
		strata_sql_script *s = parse_ok(cases[i].sql, 0), *again;
		char buf[256];

		if (s->nstmts != 1 || s->stmts[0].length != strlen(cases[i].stmt) ||
			memcmp(cases[i].sql + s->stmts[0].offset, cases[i].stmt, strlen(cases[i].stmt)) != 0)
			fail_msg("'%s': got '%.*s', expected '%s'", cases[i].sql,
				s->nstmts ? (int)s->stmts[0].length : 0,
				s->nstmts ? cases[i].sql + s->stmts[0].offset : "", cases[i].stmt);
		/* Its text followed by ';' and more is still that one statement. */
		snprintf(buf, sizeof(buf), "%.*s; SELECT 2", (int)s->stmts[0].length,
			cases[i].sql + s->stmts[0].offset);
		again = parse_ok(buf, 0);
		assert_false(again->has_error);
		assert_int_equal(again->nstmts, 2);
		strata_sql_script_free(again);
		strata_sql_script_free(s);
	}
}

static void empty_and_comment_only_scripts(void **state)
{
	static const char *const empties[] = {
		"", "  \n\t\r\n", "-- only a comment", "-- c\n/* d; */\n", "/* a /* nested */ b */",
		";", " ; ;\n;", "-- c\n;\n/* x */;",
	};
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *s;
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(empties); i++) {
		s = parse_ok(empties[i], ALL);
		if (s->has_error || s->nstmts != 0 || !strata_sql_script_empty(s))
			fail_msg("'%s' is not an empty script", empties[i]);
		strata_sql_script_free(s);
	}
	/* NULL text of length 0 is the empty script. */
	assert_int_equal(strata_sql_script_parse(&s, NULL, 0, ALL, &err), 0);
	assert_true(strata_sql_script_empty(s));
	strata_sql_script_free(s);
	assert_true(strata_sql_script_empty(NULL));
	strata_sql_script_free(NULL);

	s = parse_ok("-- c\nSELECT 1", 0);
	assert_false(strata_sql_script_empty(s));
	strata_sql_script_free(s);
}

/* ---- syntax errors ---- */

static void syntax_errors_with_positions(void **state)
{
	(void)state;
	expect_error("SELECT 1;\nSELEC 2;", "syntax error at or near \"SELEC\"", 10, 2, 1);
	/* After multibyte characters the column still counts bytes. */
	expect_error("SELECT '\xc3\xa9\xf0\x9f\x98\x80', FROM t", "syntax error at or near \"FROM\"",
		17, 1, 18);
	expect_error("-- \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9\nSELECT '\xc3\xbc',\n  FROM",
		"syntax error at or near \"FROM\"", 30, 3, 3);
	expect_error("SELECT 1;\nSELECT 'abc", "unterminated quoted string at or near \"'abc\"",
		17, 2, 8);
	expect_error("SELECT 1; /* never closed", "unterminated /* comment at or near \"/* never closed\"",
		10, 1, 11);
	expect_error("SELECT (1", "syntax error at end of input", 9, 1, 10);
	expect_error("SELECT $a$ never closed", "unterminated dollar-quoted string at or near "
		"\"$a$ never closed\"", 7, 1, 8);
	/* Invalid UTF-8 counts as the server counts it: 0xc3 swallows the quote after it. */
	expect_error("SELECT '\xc3' ; SELEC 1", "syntax error at or near \"SELEC\"", 13, 1, 14);
}

static void errors_without_a_position_are_located(void **state)
{
	(void)state;
	/* A grammar check without a position: found by parsing statement by statement. */
	expect_error("SELECT 1;\n  SELECT 1 FETCH FIRST 1 ROWS WITH TIES;",
		"WITH TIES cannot be specified without ORDER BY clause", 12, 2, 3);
	/* An escape making invalid UTF-8: found at its literal. */
	expect_error("SELECT 1;\nSELECT 'ok', E'\\xff';",
		"invalid byte sequence for encoding \"UTF8\": 0xff", 23, 2, 14);
}

static void long_error_messages_are_truncated_cleanly(void **state)
{
	char sql[400];
	strata_sql_script *s;
	size_t i, n;

	(void)state;
	/* An identifier of multibyte characters, quoted back in the message. */
	n = 0;
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SELECT 1; SELEC ");
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "\xc3\xa9");
	s = parse_ok(sql, 0);
	assert_true(s->has_error);
	assert_true(strlen(s->error_message) < sizeof(s->error_message));
	assert_int_equal(s->error_offset, 10);
	/* No truncated character at the end. */
	n = strlen(s->error_message);
	assert_true(n > 0);
	assert_true(((unsigned char)s->error_message[n - 1] & 0xc0) != 0xc0);
	strata_sql_script_free(s);
}

/* ---- transaction rules ---- */

typedef struct tx_case {
	const char *sql;
	const char *node;
	const char *no_tx;   /* NULL: allowed in a transaction */
} tx_case;

/* Each of these was run as BEGIN; <sql>; ROLLBACK on PostgreSQL 15 (25001 for no_tx ones). */
static const tx_case no_tx_cases[] = {
	{ "CREATE INDEX CONCURRENTLY i ON t (a)", "IndexStmt", "CREATE INDEX CONCURRENTLY" },
	{ "create unique index concurrently if not exists i on s.t using btree (a)", "IndexStmt",
		"CREATE INDEX CONCURRENTLY" },
	{ "DROP INDEX CONCURRENTLY IF EXISTS i", "DropStmt", "DROP INDEX CONCURRENTLY" },
	{ "REINDEX INDEX CONCURRENTLY i", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX TABLE CONCURRENTLY t", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX (CONCURRENTLY) TABLE t", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX (CONCURRENTLY on, VERBOSE) TABLE t", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX (concurrently 1) INDEX i", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX (CONCURRENTLY TRUE) INDEX i", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX SCHEMA CONCURRENTLY public", "ReindexStmt", "REINDEX CONCURRENTLY" },
	{ "REINDEX SCHEMA public", "ReindexStmt", "REINDEX SCHEMA" },
	{ "REINDEX SYSTEM app", "ReindexStmt", "REINDEX SYSTEM" },
	{ "REINDEX DATABASE app", "ReindexStmt", "REINDEX DATABASE" },
	{ "VACUUM", "VacuumStmt", "VACUUM" },
	{ "VACUUM t", "VacuumStmt", "VACUUM" },
	{ "VACUUM (ANALYZE) t", "VacuumStmt", "VACUUM" },
	{ "VACUUM FULL ANALYZE t", "VacuumStmt", "VACUUM" },
	{ "vacuum (analyze false, freeze) t", "VacuumStmt", "VACUUM" },
	{ "CREATE DATABASE d", "CreatedbStmt", "CREATE DATABASE" },
	{ "DROP DATABASE IF EXISTS d WITH (FORCE)", "DropdbStmt", "DROP DATABASE" },
	{ "ALTER DATABASE d SET TABLESPACE ts", "AlterDatabaseStmt", "ALTER DATABASE SET TABLESPACE" },
	{ "ALTER DATABASE d WITH TABLESPACE ts", "AlterDatabaseStmt", "ALTER DATABASE SET TABLESPACE" },
	{ "CREATE TABLESPACE ts LOCATION '/srv/ts'", "CreateTableSpaceStmt", "CREATE TABLESPACE" },
	{ "DROP TABLESPACE IF EXISTS ts", "DropTableSpaceStmt", "DROP TABLESPACE" },
	{ "ALTER SYSTEM SET work_mem = '8MB'", "AlterSystemStmt", "ALTER SYSTEM" },
	{ "ALTER SYSTEM RESET ALL", "AlterSystemStmt", "ALTER SYSTEM" },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p", "CreateSubscriptionStmt",
		"CREATE SUBSCRIPTION ... WITH (create_slot = true)" },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (create_slot)",
		"CreateSubscriptionStmt", "CREATE SUBSCRIPTION ... WITH (create_slot = true)" },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (CREATE_SLOT = On, enabled = false)",
		"CreateSubscriptionStmt", "CREATE SUBSCRIPTION ... WITH (create_slot = true)" },
	{ "DROP SUBSCRIPTION s", "DropSubscriptionStmt", "DROP SUBSCRIPTION" },
	{ "ALTER SUBSCRIPTION s REFRESH PUBLICATION", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION ... REFRESH" },
	{ "ALTER SUBSCRIPTION s REFRESH PUBLICATION WITH (copy_data = false)", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION ... REFRESH" },
	{ "ALTER SUBSCRIPTION s SET PUBLICATION p", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION with refresh" },
	{ "ALTER SUBSCRIPTION s ADD PUBLICATION p2", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION with refresh" },
	{ "ALTER SUBSCRIPTION s DROP PUBLICATION p2", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION with refresh" },
	{ "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh)", "AlterSubscriptionStmt",
		"ALTER SUBSCRIPTION with refresh" },
	{ "CLUSTER", "ClusterStmt", "CLUSTER without a table" },
	{ "CLUSTER VERBOSE", "ClusterStmt", "CLUSTER without a table" },
	{ "DISCARD ALL", "DiscardStmt", "DISCARD ALL" },
	{ "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "AlterTableStmt",
		"ALTER TABLE ... DETACH CONCURRENTLY" },
	{ "COMMIT PREPARED 'x'", "TransactionStmt", "COMMIT PREPARED" },
	{ "ROLLBACK PREPARED 'x'", "TransactionStmt", "ROLLBACK PREPARED" },

	/* Near misses: fine inside a transaction on PostgreSQL 15. */
	{ "CREATE INDEX i ON t (a)", "IndexStmt", NULL },
	{ "CREATE INDEX concurrently_idx ON t (\"concurrently\")", "IndexStmt", NULL },
	{ "DROP INDEX i", "DropStmt", NULL },
	{ "DROP TABLE concurrently_log", "DropStmt", NULL },
	{ "REINDEX TABLE t", "ReindexStmt", NULL },
	{ "REINDEX INDEX i", "ReindexStmt", NULL },
	{ "REINDEX (CONCURRENTLY false) TABLE t", "ReindexStmt", NULL },
	{ "REINDEX (concurrently off) INDEX i", "ReindexStmt", NULL },
	{ "REINDEX (CONCURRENTLY 0) INDEX i", "ReindexStmt", NULL },
	{ "ANALYZE", "VacuumStmt", NULL },
	{ "ANALYZE t", "VacuumStmt", NULL },
	{ "ANALYSE VERBOSE t", "VacuumStmt", NULL },
	{ "ANALYZE (VERBOSE) t", "VacuumStmt", NULL },
	{ "ALTER DATABASE d CONNECTION LIMIT 5", "AlterDatabaseStmt", NULL },
	{ "ALTER DATABASE d SET work_mem = '8MB'", "AlterDatabaseSetStmt", NULL },
	{ "ALTER DATABASE d REFRESH COLLATION VERSION", "AlterDatabaseRefreshCollStmt", NULL },
	{ "ALTER DATABASE d RENAME TO e", "RenameStmt", NULL },
	{ "ALTER DATABASE d OWNER TO postgres", "AlterOwnerStmt", NULL },
	{ "ALTER TABLESPACE ts SET (seq_page_cost = 1)", "AlterTableSpaceOptionsStmt", NULL },
	{ "ALTER TABLE t SET TABLESPACE ts", "AlterTableStmt", NULL },
	{ "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE ts", "AlterTableMoveAllStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (connect = false)",
		"CreateSubscriptionStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (connect = off)",
		"CreateSubscriptionStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (connect = 0)",
		"CreateSubscriptionStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (create_slot = false)",
		"CreateSubscriptionStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (CREATE_SLOT = FALSE)",
		"CreateSubscriptionStmt", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'host=pub' PUBLICATION p WITH (create_slot = 'false')",
		"CreateSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)", "AlterSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (refresh = off)", "AlterSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s DROP PUBLICATION p WITH (refresh = 0)", "AlterSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s DISABLE", "AlterSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s SET (slot_name = NONE)", "AlterSubscriptionStmt", NULL },
	{ "ALTER SUBSCRIPTION s CONNECTION 'host=other'", "AlterSubscriptionStmt", NULL },
	{ "CLUSTER t USING t_pkey", "ClusterStmt", NULL },
	{ "CLUSTER t", "ClusterStmt", NULL },
	{ "DISCARD PLANS", "DiscardStmt", NULL },
	{ "DISCARD TEMP", "DiscardStmt", NULL },
	{ "DISCARD SEQUENCES", "DiscardStmt", NULL },
	{ "ALTER TABLE p DETACH PARTITION p1", "AlterTableStmt", NULL },
	{ "ALTER TABLE p DETACH PARTITION p1 FINALIZE", "AlterTableStmt", NULL },
	{ "ALTER TABLE p ADD COLUMN concurrently_flag bool", "AlterTableStmt", NULL },
	{ "PREPARE TRANSACTION 'x'", "TransactionStmt", NULL },
	{ "REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "RefreshMatViewStmt", NULL },
	{ "REFRESH MATERIALIZED VIEW mv", "RefreshMatViewStmt", NULL },
	{ "ALTER TYPE mood ADD VALUE 'b'", "AlterEnumStmt", NULL },
	{ "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' BEFORE 'a'", "AlterEnumStmt", NULL },
	{ "CHECKPOINT", "CheckPointStmt", NULL },
	{ "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "LockStmt", NULL },
	{ "CREATE EXTENSION IF NOT EXISTS pgcrypto", "CreateExtensionStmt", NULL },
	{ "DO $$ BEGIN VACUUM; END $$", "DoStmt", NULL },
	{ "LOAD 'plpgsql'", "LoadStmt", NULL },
	{ "SET LOCAL work_mem = '8MB'", "VariableSetStmt", NULL },
};

static void no_transaction_statements(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(no_tx_cases); i++) {
		const tx_case *c = &no_tx_cases[i];
		strata_sql_script *s = parse_ok(c->sql, STRATA_SQL_CLASSIFY);
		const strata_sql_stmt *st;

		if (s->has_error || s->nstmts != 1)
			fail_msg("'%s': %s", c->sql, s->has_error ? s->error_message : "not one statement");
		st = &s->stmts[0];
		if (st->node == NULL || strcmp(st->node, c->node) != 0)
			fail_msg("'%s': node %s, expected %s", c->sql, st->node ? st->node : "NULL", c->node);
		if (c->no_tx != NULL) {
			if (!(st->flags & STRATA_SQL_NO_TX) || st->no_tx_reason == NULL ||
				strcmp(st->no_tx_reason, c->no_tx) != 0)
				fail_msg("'%s': flags %#x reason '%s', expected NO_TX '%s'", c->sql, st->flags,
					st->no_tx_reason ? st->no_tx_reason : "NULL", c->no_tx);
		} else if ((st->flags & STRATA_SQL_NO_TX) || st->no_tx_reason != NULL) {
			fail_msg("'%s': flagged NO_TX (%s) but PostgreSQL 15 runs it in a transaction", c->sql,
				st->no_tx_reason ? st->no_tx_reason : "NULL");
		}
		strata_sql_script_free(s);
	}
}

typedef struct kind_case {
	const char *sql;
	strata_sql_kind kind;
} kind_case;

static const kind_case kind_cases[] = {
	{ "BEGIN", STRATA_SQL_BEGIN },
	{ "BEGIN ISOLATION LEVEL SERIALIZABLE", STRATA_SQL_BEGIN },
	{ "begin work", STRATA_SQL_BEGIN },
	{ "START TRANSACTION READ ONLY", STRATA_SQL_BEGIN },
	{ "COMMIT", STRATA_SQL_COMMIT },
	{ "END", STRATA_SQL_COMMIT },
	{ "COMMIT AND CHAIN", STRATA_SQL_COMMIT },
	{ "ROLLBACK", STRATA_SQL_ROLLBACK },
	{ "ABORT", STRATA_SQL_ROLLBACK },
	{ "SAVEPOINT a", STRATA_SQL_SAVEPOINT },
	{ "RELEASE a", STRATA_SQL_SAVEPOINT },
	{ "RELEASE SAVEPOINT a", STRATA_SQL_SAVEPOINT },
	{ "ROLLBACK TO a", STRATA_SQL_SAVEPOINT },
	{ "ROLLBACK TO SAVEPOINT a", STRATA_SQL_SAVEPOINT },
	{ "PREPARE TRANSACTION 'x'", STRATA_SQL_PREPARED_XACT },
	{ "COMMIT PREPARED 'x'", STRATA_SQL_PREPARED_XACT },
	{ "ROLLBACK PREPARED 'x'", STRATA_SQL_PREPARED_XACT },
	/* Not transaction control. */
	{ "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", STRATA_SQL_OTHER },
	{ "PREPARE q AS SELECT 1", STRATA_SQL_OTHER },
	{ "SELECT 'BEGIN'", STRATA_SQL_OTHER },
	{ "CALL do_commit()", STRATA_SQL_OTHER },
};

static void transaction_control_kinds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(kind_cases); i++) {
		strata_sql_script *s = parse_ok(kind_cases[i].sql, STRATA_SQL_CLASSIFY);
		const strata_sql_stmt *st = &s->stmts[0];
		unsigned want = kind_cases[i].kind != STRATA_SQL_OTHER ? STRATA_SQL_TX_CONTROL : 0;

		assert_int_equal(s->nstmts, 1);
		if (st->kind != kind_cases[i].kind || (st->flags & STRATA_SQL_TX_CONTROL) != want)
			fail_msg("'%s': kind %d flags %#x, expected kind %d", kind_cases[i].sql, st->kind,
				st->flags, kind_cases[i].kind);
		strata_sql_script_free(s);
	}
}

static void migration_with_transaction_block(void **state)
{
	const char *sql =
		"BEGIN;\n"
		"CREATE TABLE app.t (id bigint PRIMARY KEY);\n"
		"SAVEPOINT before_index;\n"
		"CREATE INDEX t_id ON app.t (id);\n"
		"COMMIT;\n"
		"CREATE INDEX CONCURRENTLY t_id2 ON app.t (id);\n";
	strata_sql_script *s;

	(void)state;
	s = parse_ok(sql, ALL);
	assert_int_equal(s->nstmts, 6);
	assert_int_equal(s->stmts[0].kind, STRATA_SQL_BEGIN);
	assert_int_equal(s->stmts[1].kind, STRATA_SQL_OTHER);
	assert_int_equal(s->stmts[1].flags, 0);
	assert_int_equal(s->stmts[2].kind, STRATA_SQL_SAVEPOINT);
	assert_int_equal(s->stmts[4].kind, STRATA_SQL_COMMIT);
	assert_int_equal(s->stmts[5].flags, STRATA_SQL_NO_TX);
	assert_string_equal(s->stmts[5].no_tx_reason, "CREATE INDEX CONCURRENTLY");
	assert_int_equal(s->stmts[5].line, 6);
	strata_sql_script_free(s);
}

/* ---- tables ---- */

typedef struct table_case {
	const char *sql;
	const char *tables;   /* comma-separated, in order */
} table_case;

static const table_case table_cases[] = {
	{ "CREATE TABLE app.users (id int)", "app.users" },
	{ "CREATE TABLE IF NOT EXISTS \"Mixed Case\" (id int)", "Mixed Case" },
	{ "create table UPPER_lower (id int)", "upper_lower" },
	{ "CREATE TABLE s.p1 PARTITION OF s.p FOR VALUES IN (1)", "s.p1,s.p" },
	{ "CREATE TEMP TABLE c (a int) INHERITS (a, s.b)", "c,a,s.b" },
	{ "CREATE TABLE t (id int REFERENCES other (id))", "t" },
	{ "CREATE FOREIGN TABLE f (a int) SERVER srv", "f" },
	{ "CREATE TABLE x AS SELECT * FROM src", "x" },
	{ "CREATE MATERIALIZED VIEW mv AS SELECT 1", "mv" },
	{ "SELECT * INTO newt FROM src", "newt" },
	{ "SELECT * FROM src WHERE note = 'into'", "" },
	{ "ALTER TABLE ONLY app.users ADD COLUMN email text", "app.users" },
	{ "ALTER TABLE p ATTACH PARTITION s.p2 FOR VALUES IN (2)", "p,s.p2" },
	{ "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "p,p1" },
	{ "ALTER TABLE t RENAME TO u", "t" },
	{ "ALTER TABLE t RENAME COLUMN a TO b", "t" },
	{ "ALTER TABLE t RENAME CONSTRAINT c TO d", "t" },
	{ "ALTER TABLE t SET SCHEMA s", "t" },
	{ "ALTER FOREIGN TABLE f RENAME TO g", "f" },
	{ "ALTER MATERIALIZED VIEW mv SET (fillfactor = 50)", "mv" },
	{ "ALTER INDEX i RENAME TO j", "" },
	{ "ALTER INDEX i SET TABLESPACE ts", "" },
	{ "ALTER VIEW v RENAME TO w", "" },
	{ "ALTER SEQUENCE sq RESTART", "" },
	{ "CREATE INDEX i ON app.users (email)", "app.users" },
	{ "CREATE INDEX CONCURRENTLY ON t USING gin (doc)", "t" },
	{ "INSERT INTO app.users (id) SELECT id FROM other", "app.users" },
	{ "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "t" },
	{ "UPDATE ONLY x.y SET a = 1 FROM z WHERE y.id = z.id", "x.y" },
	{ "DELETE FROM t USING u WHERE t.id = u.id", "t" },
	{ "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "t" },
	{ "DROP TABLE a, s.b, a CASCADE", "a,s.b" },
	{ "DROP TABLE IF EXISTS db.s.t", "db.s.t" },
	{ "DROP MATERIALIZED VIEW mv", "mv" },
	{ "DROP VIEW v", "" },
	{ "DROP INDEX i", "" },
	{ "COPY s.t (a, b) FROM STDIN", "s.t" },
	{ "COPY (SELECT 1) TO STDOUT", "" },
	{ "TRUNCATE a, ONLY s.b RESTART IDENTITY", "a,s.b" },
	{ "REFRESH MATERIALIZED VIEW CONCURRENTLY s.mv", "s.mv" },
	{ "LOCK TABLE a, s.b IN SHARE MODE", "a,s.b" },
	{ "VACUUM (ANALYZE) a, s.b (c)", "a,s.b" },
	{ "ANALYZE t", "t" },
	{ "CLUSTER s.t USING i", "s.t" },
	{ "REINDEX TABLE s.t", "s.t" },
	{ "REINDEX INDEX i", "" },
	{ "CREATE TRIGGER tr AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION f()", "s.t" },
	{ "ALTER TRIGGER tr ON s.t RENAME TO tr2", "s.t" },
	{ "CREATE POLICY p ON s.t USING (true)", "s.t" },
	{ "ALTER POLICY p ON s.t USING (false)", "s.t" },
	{ "CREATE RULE r AS ON INSERT TO s.t DO NOTHING", "s.t" },
	{ "SELECT * FROM a JOIN b USING (id)", "" },
	{ "COMMENT ON TABLE t IS 'x'", "" },
	{ "GRANT SELECT ON t TO r", "" },
	{ "CREATE VIEW v AS SELECT * FROM t", "" },
	/* Bytes that are not UTF-8 in a quoted name: kept readable, never a failure. */
	{ "CREATE TABLE \"a\xff\" (x int)", "a?" },
	{ "CREATE TABLE \"\xc3\xa9t\xc3\xa9\" (x int)", "\xc3\xa9t\xc3\xa9" },
};

static void table_names(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(table_cases); i++) {
		strata_sql_script *s = parse_ok(table_cases[i].sql, STRATA_SQL_TABLES);
		const strata_sql_stmt *st;
		char got[512];
		size_t n = 0;

		if (s->has_error || s->nstmts != 1)
			fail_msg("'%s': %s", table_cases[i].sql,
				s->has_error ? s->error_message : "not one statement");
		st = &s->stmts[0];
		got[0] = '\0';
		for (j = 0; j < st->ntables; j++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", j ? "," : "", st->tables[j]);
		if (strcmp(got, table_cases[i].tables) != 0)
			fail_msg("'%s': tables '%s', expected '%s'", table_cases[i].sql, got,
				table_cases[i].tables);
		if (st->ntables == 0)
			assert_null(st->tables);
		/* Without STRATA_SQL_CLASSIFY nothing else is filled. */
		assert_null(st->node);
		assert_int_equal(st->flags, 0);
		strata_sql_script_free(s);
	}
}

static void splitting_alone_classifies_nothing(void **state)
{
	strata_sql_script *s;

	(void)state;
	s = parse_ok("VACUUM; BEGIN; CREATE TABLE t (a int)", 0);
	assert_int_equal(s->nstmts, 3);
	assert_null(s->stmts[0].node);
	assert_null(s->stmts[0].no_tx_reason);
	assert_int_equal(s->stmts[0].flags, 0);
	assert_int_equal(s->stmts[1].kind, STRATA_SQL_OTHER);
	assert_null(s->stmts[2].tables);
	assert_int_equal(s->stmts[2].ntables, 0);
	strata_sql_script_free(s);
}

static void lookup_tables_are_sorted(void **state)
{
	(void)state;
	assert_true(st_sql_lookup_tables_sorted());
}

/* ---- the pre-filter ---- */

static void expect_same(const strata_sql_script *a, const strata_sql_script *b, const char *what)
{
	size_t i, j;

	if (a->nstmts != b->nstmts || a->has_error != b->has_error)
		fail_msg("%s: %zu/%zu statements, errors %d/%d", what, a->nstmts, b->nstmts,
			a->has_error, b->has_error);
	for (i = 0; i < a->nstmts; i++) {
		const strata_sql_stmt *x = &a->stmts[i], *y = &b->stmts[i];

		if (x->offset != y->offset || x->length != y->length || x->kind != y->kind ||
			x->flags != y->flags || (x->node == NULL) != (y->node == NULL) ||
			(x->node != NULL && strcmp(x->node, y->node) != 0) ||
			(x->no_tx_reason == NULL) != (y->no_tx_reason == NULL) ||
			(x->no_tx_reason != NULL && strcmp(x->no_tx_reason, y->no_tx_reason) != 0) ||
			x->ntables != y->ntables)
			fail_msg("%s: statement %zu at offset %zu differs (%s/%s, flags %#x/%#x, %zu/%zu tables)",
				what, i, x->offset, x->node ? x->node : "-", y->node ? y->node : "-", x->flags,
				y->flags, x->ntables, y->ntables);
		for (j = 0; j < x->ntables; j++)
			if (strcmp(x->tables[j], y->tables[j]) != 0)
				fail_msg("%s: statement %zu table %zu: %s / %s", what, i, j, x->tables[j],
					y->tables[j]);
	}
}

/* Compares the pre-filtered results with decoding every tree, for each option set. */
static void compare_with_full_decoding(const char *sql, size_t len)
{
	static const unsigned option_sets[] = {
		STRATA_SQL_CLASSIFY, STRATA_SQL_TABLES, STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES,
	};
	strata_error err = STRATA_ERROR_INIT;
	size_t k;

	for (k = 0; k < ST_ARRAY_LEN(option_sets); k++) {
		strata_sql_script *fast = NULL, *full = NULL;
		char what[64];

		th_ok(strata_sql_script_parse(&fast, sql, len, option_sets[k], &err), &err);
		th_ok(strata_sql_script_parse(&full, sql, len, option_sets[k] | ST_SQL_DECODE_ALL, &err),
			&err);
		if (fast->has_error)
			fail_msg("%s at %d:%d", fast->error_message, fast->error_line, fast->error_column);
		snprintf(what, sizeof(what), "options %#x", option_sets[k]);
		expect_same(fast, full, what);
		strata_sql_script_free(fast);
		strata_sql_script_free(full);
	}
}

static void prefilter_matches_full_decoding(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(no_tx_cases); i++)
		strata_buf_printf(&b, "%s;\n", no_tx_cases[i].sql);
	for (i = 0; i < ST_ARRAY_LEN(kind_cases); i++)
		strata_buf_printf(&b, "%s;\n", kind_cases[i].sql);
	for (i = 0; i < ST_ARRAY_LEN(table_cases); i++)
		strata_buf_printf(&b, "%s;\n", table_cases[i].sql);
	/* Deep trees (pruned before decoding) and words the keyword filter sees in names and strings. */
	strata_buf_puts(&b, "SELECT ");
	for (i = 0; i < 40; i++)
		strata_buf_puts(&b, "(1 + ");
	strata_buf_puts(&b, "1");
	for (i = 0; i < 40; i++)
		strata_buf_puts(&b, ")");
	strata_buf_puts(&b, " AS x INTO deep_into;\n");
	strata_buf_puts(&b, "INSERT INTO t SELECT 'concurrently' FROM into_table;\n");
	strata_buf_puts(&b, "ALTER TABLE t ADD COLUMN c int DEFAULT (((((((((((1)))))))))));\n");
	strata_buf_puts(&b, "CREATE TABLE w (a int CHECK (a > 0), b text DEFAULT 'x;y') WITH (fillfactor = 70);\n");
	assert_false(strata_buf_failed(&b));
	compare_with_full_decoding(b.ptr, b.len);
	strata_buf_release(&b);
}

static void prefilter_on_a_generated_migration(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		strata_buf_printf(&b,
			"CREATE TABLE app.t%d (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, "
			"name text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now());\n"
			"ALTER TABLE app.t%d ADD COLUMN note text;\n"
			"CREATE INDEX%s t%d_tenant ON app.t%d (tenant_id, created_at);\n"
			"-- backfill; in batches\nUPDATE app.t%d SET note = 'x;y' WHERE id < 100;\n"
			"INSERT INTO app.t%d (tenant_id, name) VALUES (1, 'a'), (2, 'b');\n"
			"CREATE OR REPLACE FUNCTION app.f%d() RETURNS trigger LANGUAGE plpgsql AS $$\n"
			"BEGIN\n  NEW.created_at := now();\n  RETURN NEW;\nEND;\n$$;\n"
			"%s;\nDROP TABLE IF EXISTS app.old%d;\n",
			i, i, i % 3 == 0 ? " CONCURRENTLY" : "", i, i, i, i, i,
			i % 5 == 0 ? "VACUUM ANALYZE app.t0" : "SELECT count(*) FROM app.t0", i);
	}
	assert_false(strata_buf_failed(&b));
	compare_with_full_decoding(b.ptr, b.len);
	strata_buf_release(&b);
}

/* ---- bad input ---- */

static void nul_byte_is_rejected(void **state)
{
	static const char sql[] = "SELECT 1;\0SELECT 2;";
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *s = (strata_sql_script *)&err;

	(void)state;
	assert_int_equal(strata_sql_script_parse(&s, sql, sizeof(sql) - 1, ALL, &err), STRATA_EINVAL);
	assert_null(s);
	assert_int_equal(err.code, STRATA_EINVAL);
	assert_non_null(strstr(err.message, "NUL byte at offset 9"));

	assert_int_equal(strata_sql_script_parse(NULL, "SELECT 1", 8, 0, &err), STRATA_EINVAL);
	assert_int_equal(strata_sql_script_parse(&s, NULL, 3, 0, &err), STRATA_EINVAL);
	assert_null(s);
}

static void repeated_parses_are_stable(void **state)
{
	const char *sql = "BEGIN; CREATE INDEX CONCURRENTLY i ON s.t (a); DROP TABLE a, b; COMMIT";
	strata_sql_script *a = parse_ok(sql, ALL), *b = parse_ok(sql, ALL);

	(void)state;
	expect_same(a, b, "twice");
	strata_sql_script_free(a);
	strata_sql_script_free(b);
}

/* ---- allocation failures ---- */

static int reset_injection(void **state)
{
	(void)state;
	st_alloc_fail_after(0, 0);
	return 0;
}

static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

typedef struct alloc_case {
	const char *sql;
	unsigned options;
	size_t nstmts;      /* expected on success */
	size_t ntables;     /* over all statements */
	int has_error;
} alloc_case;

static int op_parse(const alloc_case *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *s = (strata_sql_script *)&err;   /* must come back NULL on failure */
	size_t i, ntables = 0;
	int rc = strata_sql_script_parse(&s, c->sql, strlen(c->sql), c->options, &err);

	if (rc != 0) {
		if (s != NULL || rc != STRATA_ENOMEM || err.code != rc || err.message[0] == '\0')
			return STRATA_EINTERNAL;
		return rc;
	}
	for (i = 0; i < s->nstmts; i++)
		ntables += s->stmts[i].ntables;
	/* Success with missing content would be a bug. */
	if (s->nstmts != c->nstmts || ntables != c->ntables || s->has_error != c->has_error)
		rc = STRATA_EINTERNAL;
	strata_sql_script_free(s);
	return rc;
}

/*
 * Runs op with the n-th allocation failing (sticky) for n = 1, 2, ... until a
 * run completes without reaching it: every run ends in success or ENOMEM,
 * a run that lost an allocation never reports success, and the heap in use
 * afterwards is what it was before.
 */
static void run_with_failures(const alloc_case *c)
{
	size_t before;
	long n;
	int rc;

	if (op_parse(c) != 0)
		fail_msg("'%s': fails even without injected failures", c->sql);
	before = heap_in_use();
	for (n = 1; n <= 100000; n++) {
		long made;

		st_alloc_fail_after(n, 1);
		rc = op_parse(c);
		made = st_alloc_count();
		st_alloc_fail_after(0, 0);
		if (rc != 0 && rc != STRATA_ENOMEM)
			fail_msg("'%s': allocation %ld failing gave %d", c->sql, n, rc);
		if (made < n) {
			if (rc != 0)
				fail_msg("'%s': no allocation failed yet it returned %d", c->sql, rc);
			if (heap_in_use() != before)
				fail_msg("'%s' leaked: %ld bytes more in use than before", c->sql,
					(long)heap_in_use() - (long)before);
			assert_true(n > 1);
			return;
		}
		if (rc == 0)
			fail_msg("'%s': allocation %ld of %ld failed but it reported success", c->sql, n, made);
	}
	fail_msg("'%s': still allocating after %ld runs", c->sql, n);
}

static void allocation_failures(void **state)
{
	static const alloc_case cases[] = {
		{ "SELECT 1; SELECT 2", 0, 2, 0, 0 },
		{ "BEGIN; CREATE TABLE a (id int); CREATE TABLE b (id int) INHERITS (a, c, d, e);\n"
			"DROP TABLE a, b, c, d, e, f, g; CREATE INDEX CONCURRENTLY i ON s.t (x); COMMIT",
			STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES, 6, 14, 0 },
		{ "TRUNCATE a, b; CREATE TABLE \"x\xff\" (a int)", STRATA_SQL_TABLES, 2, 3, 0 },
		{ "VACUUM t; LOCK a, b", STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES | ST_SQL_DECODE_ALL, 2, 3, 0 },
		{ "SELECT 1; SELEC 2", STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES, 0, 0, 1 },
		{ "SELECT 1; SELECT E'\\xff'", STRATA_SQL_CLASSIFY, 0, 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(cases); i++)
		run_with_failures(&cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comments_blanks_and_lines),
		cmocka_unit_test(dollar_quoted_bodies),
		cmocka_unit_test(string_literals),
		cmocka_unit_test(unicode_columns_count_bytes),
		cmocka_unit_test(last_statement_without_semicolon),
		cmocka_unit_test(last_statement_ends_at_its_last_token),
		cmocka_unit_test(empty_and_comment_only_scripts),
		cmocka_unit_test(syntax_errors_with_positions),
		cmocka_unit_test(errors_without_a_position_are_located),
		cmocka_unit_test(long_error_messages_are_truncated_cleanly),
		cmocka_unit_test(no_transaction_statements),
		cmocka_unit_test(transaction_control_kinds),
		cmocka_unit_test(migration_with_transaction_block),
		cmocka_unit_test(table_names),
		cmocka_unit_test(splitting_alone_classifies_nothing),
		cmocka_unit_test(lookup_tables_are_sorted),
		cmocka_unit_test(prefilter_matches_full_decoding),
		cmocka_unit_test(prefilter_on_a_generated_migration),
		cmocka_unit_test(nul_byte_is_rejected),
		cmocka_unit_test(repeated_parses_are_stable),
		cmocka_unit_test_teardown(allocation_failures, reset_injection),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
