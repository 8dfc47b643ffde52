/*
 * fuzz_sql_script.c: SQL files are untrusted input (migrations, lint
 * targets). Any bytes must parse without a crash or a leak, to statements or
 * to a syntax error, never to another failure (a NUL byte is the one bad
 * input). Every position must lie within the text, in order, with lines and
 * columns that agree with the bytes, and every statement followed by ';'
 * must be that statement again; classifying must not move a statement,
 * must give the same answers twice, and the pre-filter must agree with
 * decoding every parse tree. The lock model (sql/locks.h) must give every
 * statement's tree well-formed effects, the same twice.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "sql/locks.h"
#include "sql/sql_int.h"

#define ALL (STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES)

/* The 1-based line and byte column of offset, counted afresh. */
static void line_col(int *line, int *column, const char *text, size_t offset)
{
	size_t i, start = 0;

	*line = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*column = (int)(offset - start) + 1;
}

static void check_positions(const strata_sql_script *s, const char *text, size_t size)
{
	size_t i, prev_end = 0;
	int line, column;

	if (s->has_error) {
		if (s->nstmts != 0 || s->stmts != NULL)
			fuzz_fail("an error with %zu statements", s->nstmts);
		if (s->error_message[0] == '\0' ||
			memchr(s->error_message, '\0', sizeof(s->error_message)) == NULL)
			fuzz_fail("error without a proper message");
		if (s->error_offset > size)
			fuzz_fail("error offset %zu beyond %zu bytes", s->error_offset, size);
		line_col(&line, &column, text, s->error_offset);
		if (line != s->error_line || column != s->error_column)
			fuzz_fail("error at %d:%d, offset %zu is %d:%d", s->error_line, s->error_column,
				s->error_offset, line, column);
		return;
	}
	for (i = 0; i < s->nstmts; i++) {
		const strata_sql_stmt *st = &s->stmts[i];
		char c, next;

		if (st->length == 0 || st->offset < prev_end || st->offset > size ||
			st->length > size - st->offset)
			fuzz_fail("statement %zu at %zu+%zu: out of order or beyond %zu bytes", i, st->offset,
				st->length, size);
		c = text[st->offset];
		next = st->offset + 1 < size ? text[st->offset + 1] : '\0';
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
			(c == '-' && next == '-') || (c == '/' && next == '*'))
			fuzz_fail("statement %zu starts with a blank or a comment", i);
		line_col(&line, &column, text, st->offset);
		if (line != st->line || column != st->column)
			fuzz_fail("statement %zu at %d:%d, offset %zu is %d:%d", i, st->line, st->column,
				st->offset, line, column);
		line_col(&line, &column, text, st->offset + st->length - 1);
		if (line != st->end_line)
			fuzz_fail("statement %zu ends on line %d, its last byte is on %d", i, st->end_line, line);
		prev_end = st->offset + st->length;
	}
}

/*
 * Each statement's text followed by ';' must split back to that statement
 * alone (a trailing line comment left in the text would swallow the ';').
 */
static void check_resplit(const strata_sql_script *s, const char *text)
{
	strata_error err = STRATA_ERROR_INIT;
	size_t i;

	for (i = 0; i < s->nstmts; i++) {
		const strata_sql_stmt *st = &s->stmts[i];
		strata_sql_script *again = NULL;
		char *buf = malloc(st->length + 2);

		if (buf == NULL)
			return;
		memcpy(buf, text + st->offset, st->length);
		buf[st->length] = ';';
		buf[st->length + 1] = '\0';
		if (strata_sql_script_parse(&again, buf, st->length + 1, 0, &err) != 0)
			fuzz_fail("statement %zu alone: %s", i, err.message);
		if (again->has_error || again->nstmts != 1 || again->stmts[0].offset != 0 ||
			again->stmts[0].length != st->length)
			fuzz_fail("statement %zu followed by ';' is not itself (%s, %zu statements)", i,
				again->has_error ? again->error_message : "no error", again->nstmts);
		strata_sql_script_free(again);
		free(buf);
	}
}

static void check_same(const strata_sql_script *a, const strata_sql_script *b, int positions_only,
	const char *what)
{
	size_t i, j;

	if (a->nstmts != b->nstmts || a->has_error != b->has_error)
		fuzz_fail("%s: %zu/%zu statements, error %d/%d", what, a->nstmts, b->nstmts, a->has_error,
			b->has_error);
	if (a->has_error && (a->error_offset != b->error_offset ||
		strcmp(a->error_message, b->error_message) != 0))
		fuzz_fail("%s: errors differ", what);
	for (i = 0; i < a->nstmts; i++) {
		const strata_sql_stmt *x = &a->stmts[i], *y = &b->stmts[i];

		if (x->offset != y->offset || x->length != y->length || x->line != y->line ||
			x->column != y->column || x->end_line != y->end_line)
			fuzz_fail("%s: statement %zu moved", what, i);
		if (positions_only)
			continue;
		if (x->kind != y->kind || x->flags != y->flags || strcmp(x->node, y->node) != 0 ||
			(x->no_tx_reason == NULL) != (y->no_tx_reason == NULL) ||
			(x->no_tx_reason != NULL && strcmp(x->no_tx_reason, y->no_tx_reason) != 0) ||
			x->ntables != y->ntables)
			fuzz_fail("%s: statement %zu classified differently (%s/%s, flags %#x/%#x, "
				"%zu/%zu tables)", what, i, x->node, y->node, x->flags, y->flags, x->ntables,
				y->ntables);
		for (j = 0; j < x->ntables; j++)
			if (strcmp(x->tables[j], y->tables[j]) != 0)
				fuzz_fail("%s: statement %zu table %zu: %s/%s", what, i, j, x->tables[j],
					y->tables[j]);
	}
}

static void check_classified(const strata_sql_script *s)
{
	size_t i, j;

	for (i = 0; i < s->nstmts; i++) {
		const strata_sql_stmt *st = &s->stmts[i];

		if (st->node == NULL)
			fuzz_fail("statement %zu has no node name", i);
		if (((st->flags & STRATA_SQL_NO_TX) != 0) != (st->no_tx_reason != NULL))
			fuzz_fail("statement %zu: NO_TX flag and reason disagree", i);
		if (((st->flags & STRATA_SQL_TX_CONTROL) != 0) != (st->kind != STRATA_SQL_OTHER))
			fuzz_fail("statement %zu: TX_CONTROL flag and kind disagree", i);
		for (j = 0; j < st->ntables; j++)
			if (st->tables[j] == NULL || st->tables[j][0] == '\0')
				fuzz_fail("statement %zu: empty table name", i);
	}
}

static void check_effects(const st_lock_effect *e, size_t n, const st_lock_effect *again, size_t n2)
{
	size_t i;

	if (n != n2 || (n == 0) != (e == NULL))
		fuzz_fail("lock model: %zu then %zu effects", n, n2);
	for (i = 0; i < n; i++) {
		if (e[i].action == NULL || e[i].level > ST_LOCK_ACCESS_EXCLUSIVE ||
			e[i].table_level > ST_LOCK_ACCESS_EXCLUSIVE || e[i].location < -1 ||
			(e[i].relation != NULL && e[i].relation[0] == '\0'))
			fuzz_fail("lock model: effect %zu is malformed", i);
		if (strcmp(e[i].action, again[i].action) != 0 || e[i].level != again[i].level ||
			e[i].rewrites != again[i].rewrites || e[i].scans != again[i].scans ||
			e[i].location != again[i].location || (e[i].relation == NULL) != (again[i].relation == NULL) ||
			(e[i].relation != NULL && strcmp(e[i].relation, again[i].relation) != 0))
			fuzz_fail("lock model: effect %zu differs the second time", i);
	}
}

/* The lock model over every statement of the text's parse tree. */
static void check_locks(const char *text, size_t size)
{
	strata_error err = STRATA_ERROR_INIT;
	PgQueryParseResult r;
	const st_tree_node *m;
	char *copy = malloc(size + 1);
	st_tree t;

	if (copy == NULL)
		return;
	memcpy(copy, text, size);
	copy[size] = '\0';
	r = pg_query_parse(copy);
	free(copy);
	copy = r.error == NULL && r.parse_tree != NULL ? st_strdup(r.parse_tree) : NULL;
	if (copy != NULL && st_tree_parse(&t, copy, strlen(copy), 1, &err) == 0) {
		m = st_tree_get(t.root, "stmts");
		for (m = m != NULL ? m->first : NULL; m != NULL; m = m->next) {
			st_lock_effect *a = NULL, *b = NULL;
			size_t na = 0, nb = 0;

			if (st_lock_effects(&a, &na, st_tree_get(m, "stmt"), NULL, &err) != 0 ||
				st_lock_effects(&b, &nb, st_tree_get(m, "stmt"), NULL, &err) != 0)
				fuzz_fail("lock model failed: %s", err.message);
			check_effects(a, na, b, nb);
			st_lock_effects_free(a, na);
			st_lock_effects_free(b, nb);
		}
		st_tree_release(&t);
	}
	pg_query_free_parse_result(r);
}

static strata_sql_script *parse(const char *text, size_t size, unsigned options)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *s = NULL;
	int rc = strata_sql_script_parse(&s, text, size, options, &err);

	if (rc != 0)
		fuzz_fail("options %#x: failed with %d: %s", options, rc, err.message);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_sql_script *split = NULL, *a = NULL, *b = NULL, *full = NULL;
	const char *text = (const char *)data;
	int rc;

	if (size > 16384)
		return 0;
	if (size > 0 && memchr(data, '\0', size) != NULL) {
		rc = strata_sql_script_parse(&a, text, size, ALL, &err);
		if (rc != STRATA_EINVAL || a != NULL)
			fuzz_fail("a NUL byte gave %d", rc);
		return 0;
	}

	split = parse(text, size, 0);
	check_positions(split, text, size);
	check_resplit(split, text);
	a = parse(text, size, ALL);
	check_positions(a, text, size);
	check_classified(a);
	/* Classifying parses each statement alone: it must accept what the split accepted. */
	check_same(split, a, 1, "split and classified");
	b = parse(text, size, ALL);
	check_same(a, b, 0, "twice");

	/* Decoding every full tree may exceed jansson's nesting limit; that alone is allowed. */
	rc = strata_sql_script_parse(&full, text, size, ALL | ST_SQL_DECODE_ALL, &err);
	if (rc == 0)
		check_same(a, full, 0, "pre-filter and full decoding");
	else if (rc != STRATA_EINTERNAL || strstr(err.message, "depth") == NULL)
		fuzz_fail("full decoding failed with %d: %s", rc, err.message);

	check_locks(text, size);

	strata_sql_script_free(split);
	strata_sql_script_free(a);
	strata_sql_script_free(b);
	strata_sql_script_free(full);
	return 0;
}
