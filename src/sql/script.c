/*
 * script.c: a SQL script split into statements, with exact positions.
 *
 * libpg_query's parser-based split finds the statement boundaries the way
 * PostgreSQL does (strings, dollar quotes, nested comments, CREATE RULE
 * bodies). Its slices start right after the previous ';', so each slice's
 * leading blanks and comments are skipped here to find the first token, and
 * lines and columns are counted from the text in one forward pass. A last
 * statement without ';' would run to the end of the text; it is cut after
 * its last token instead, so that appending ';' to any statement is safe.
 *
 * Syntax errors are located here too. libpg_query reports a 1-based
 * character position (PostgreSQL counts characters of its UTF-8 encoding),
 * which becomes a byte offset by walking the text with PostgreSQL's own
 * character-length rule, so that even invalid UTF-8 maps as the server
 * counted it. A few errors come without a position (a grammar check such as
 * WITH TIES without ORDER BY, or an escape that makes invalid UTF-8); those
 * are tracked down to their statement or literal with extra passes, which
 * only a failing script pays for.
 *
 * With STRATA_SQL_CLASSIFY or STRATA_SQL_TABLES each statement is then
 * parsed on its own by classify.c.
 */
#include <string.h>

#include "sql/sql_int.h"

/* libpg_query works on NUL-terminated text with int positions, and palloc caps at 1 GiB. */
#define SQL_TEXT_MAX (((size_t)1 << 30) - 2)

/* PostgreSQL's scanner blanks (plus \v, harmless: it never starts a valid token). */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * The offset of the first token in [from, to), or to when there is none.
 * Comments are "--" to the end of the line and "/" "*" ... "*" "/", which nest
 * in PostgreSQL.
 */
static size_t skip_blanks_and_comments(const char *t, size_t from, size_t to)
{
	size_t i = from;

	while (i < to) {
		if (is_blank(t[i])) {
			i++;
		} else if (t[i] == '-' && i + 1 < to && t[i + 1] == '-') {
			i += 2;
			while (i < to && t[i] != '\n' && t[i] != '\r')
				i++;
		} else if (t[i] == '/' && i + 1 < to && t[i + 1] == '*') {
			int depth = 1;

			i += 2;
			while (i < to && depth > 0) {
				if (t[i] == '/' && i + 1 < to && t[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (t[i] == '*' && i + 1 < to && t[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			return i;
		}
	}
	return to;
}

static int ident_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static int ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/*
 * Skips a quoted string or identifier whose opening quote is at i; with
 * backslashes, an E'' string. Returns the offset after the closing quote.
 */
static size_t skip_quoted(const char *t, size_t i, size_t to, char quote, int backslashes)
{
	for (i++; i < to; i++) {
		if (backslashes && t[i] == '\\') {
			i++;
		} else if (t[i] == quote) {
			if (i + 1 < to && t[i + 1] == quote)
				i++;
			else
				return i + 1;
		}
	}
	return to;
}

/* Skips a $n parameter or a $tag$...$tag$ string at i (a lone '$' is one byte). */
static size_t skip_dollar(const char *t, size_t i, size_t to)
{
	size_t j = i + 1, tag;

	if (j < to && t[j] >= '0' && t[j] <= '9') {
		while (j < to && t[j] >= '0' && t[j] <= '9')
			j++;
		return j;
	}
	if (j < to && ident_start((unsigned char)t[j]))
		while (j < to && ident_cont((unsigned char)t[j]) && t[j] != '$')
			j++;
	if (j >= to || t[j] != '$')
		return i + 1;
	tag = j + 1 - i;   /* the delimiter, both dollars included */
	for (j++; j + tag <= to; j++)
		if (t[j] == '$' && memcmp(t + j, t + i, tag) == 0)
			return j + tag;
	return to;
}

/*
 * The end of the last token in [from, to), from a first token on: trailing
 * blanks and comments excluded. A light lexer: it skips strings (with the
 * E, U&, B, X and N prefixes), quoted identifiers and dollar quotes whole, so
 * that a "--" inside them is not taken for a comment; its answer is checked
 * with the parser before use (see trim_last_statement).
 */
static size_t last_token_end(const char *t, size_t from, size_t to)
{
	size_t i = from, end = from;

	while (i < to) {
		unsigned char c = (unsigned char)t[i];
		char next = i + 1 < to ? t[i + 1] : '\0';

		if (is_blank((char)c) || (c == '-' && next == '-') || (c == '/' && next == '*')) {
			i = skip_blanks_and_comments(t, i, to);
			continue;
		}
		if (c == '\'' || c == '"')
			i = skip_quoted(t, i, to, (char)c, 0);
		else if ((c == 'E' || c == 'e') && next == '\'')
			i = skip_quoted(t, i + 1, to, '\'', 1);
		else if ((c == 'U' || c == 'u') && next == '&' && i + 2 < to &&
			(t[i + 2] == '\'' || t[i + 2] == '"'))
			i = skip_quoted(t, i + 2, to, t[i + 2], 0);
		else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') &&
			next == '\'')
			i = skip_quoted(t, i + 1, to, '\'', 0);
		else if (c == '$')
			i = skip_dollar(t, i, to);
		else if (ident_start(c))
			while (i < to && ident_cont((unsigned char)t[i]))
				i++;
		else
			i++;
		end = i;
	}
	return end;
}

/* Nonzero when [from, to) holds only blanks. */
static int only_blanks(const char *t, size_t from, size_t to)
{
	for (; from < to; from++)
		if (!is_blank(t[from]))
			return 0;
	return 1;
}

/* Parses t[from, to) alone (free the result with pg_query_free_parse_result). */
static PgQueryParseResult parse_alone(char *t, size_t from, size_t to)
{
	PgQueryParseResult r;
	char saved = t[to];

	t[to] = '\0';
	r = pg_query_parse(t + from);
	t[to] = saved;
	return r;
}

/*
 * Where a last statement that no ';' ends stops: after its last token, so
 * that its text followed by ';' is always the statement (a trailing line
 * comment would swallow the ';'). Trailing comments are dropped only when
 * the parser agrees: the statement with and without them must parse to the
 * same tree; otherwise the statement keeps them.
 */
static size_t trim_last_statement(char *t, size_t first, size_t end)
{
	size_t tok_end = last_token_end(t, first, end);
	PgQueryParseResult with, without;
	int same;

	if (tok_end == end || tok_end == first)
		return end;
	if (only_blanks(t, tok_end, end))
		return tok_end;
	with = parse_alone(t, first, end);
	without = parse_alone(t, first, tok_end);
	same = with.error == NULL && without.error == NULL && with.parse_tree != NULL &&
		without.parse_tree != NULL && strcmp(with.parse_tree, without.parse_tree) == 0;
	pg_query_free_parse_result(with);
	pg_query_free_parse_result(without);
	return same ? tok_end : end;
}

/* Counts lines forward through the text; positions asked for never go back. */
typedef struct line_cursor {
	const char *t;
	size_t pos;          /* bytes before pos are counted */
	int line;            /* the line of pos */
	size_t line_start;   /* offset of the first byte of that line */
} line_cursor;

static void line_cursor_init(line_cursor *lc, const char *t)
{
	lc->t = t;
	lc->pos = 0;
	lc->line = 1;
	lc->line_start = 0;
}

static void line_cursor_advance(line_cursor *lc, size_t to)
{
	const char *p = lc->t + lc->pos, *end = lc->t + to;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		lc->line++;
		lc->line_start = (size_t)(p - lc->t);
	}
	lc->pos = to;
}

/* PostgreSQL's pg_utf_mblen: a character's length from its first byte, valid or not. */
static size_t utf8_mblen(unsigned char c)
{
	if ((c & 0x80) == 0)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/*
 * The byte offset, within the len bytes at t, of libpg_query's cursorpos (the
 * 1-based character position that PostgreSQL computes with
 * pg_mbstrlen_with_len). Walking the same character lengths forward inverts
 * it exactly for valid UTF-8; a position inside a malformed sequence lands
 * just after it. Never beyond len.
 */
static size_t cursor_to_offset(const char *t, size_t len, int cursorpos)
{
	size_t off = 0;
	int chars = cursorpos - 1;

	while (chars > 0 && off < len) {
		off += utf8_mblen((unsigned char)t[off]);
		chars--;
	}
	return off < len ? off : len;
}

/* Copies msg into dst, truncated if need be at a UTF-8 character boundary. */
static void copy_message(char *dst, size_t dstsz, const char *msg)
{
	size_t n = strlen(msg);

	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, msg, n);
	dst[n] = '\0';
}

static void set_error_at(strata_sql_script *s, const char *t, const char *message, size_t off)
{
	line_cursor lc;

	s->has_error = 1;
	copy_message(s->error_message, sizeof(s->error_message),
		message != NULL && message[0] != '\0' ? message : "syntax error");
	s->error_offset = off;
	line_cursor_init(&lc, t);
	line_cursor_advance(&lc, off);
	s->error_line = lc.line;
	s->error_column = (int)(off - lc.line_start) + 1;
}

/* Runs the scanner-only split on the first n bytes of t; t[n] is restored. */
static PgQuerySplitResult scan_prefix(char *t, size_t n)
{
	PgQuerySplitResult r;
	char saved = t[n];

	t[n] = '\0';
	r = pg_query_split_with_scanner(t);
	t[n] = saved;
	return r;
}

/* Nonzero when scanning the first n bytes of t fails without a position. */
static int prefix_fails_positionless(char *t, size_t n, int *cursorpos)
{
	PgQuerySplitResult r = scan_prefix(t, n);
	int fails = r.error != NULL && r.error->cursorpos == 0;

	if (cursorpos != NULL)
		*cursorpos = r.error != NULL ? r.error->cursorpos : 0;
	pg_query_free_split_result(r);
	return fails;
}

/*
 * A lexical error without a position (an escape that makes invalid UTF-8)
 * shows once the scanner has seen the whole bad literal: bisect for the
 * shortest prefix that fails so. Cut one byte shorter, that literal is
 * unterminated, and that error does say where it starts.
 */
static size_t locate_lexical_error(char *t, size_t len)
{
	size_t lo = 0, hi = len;
	int cursorpos;

	if (len == 0 || !prefix_fails_positionless(t, len, NULL))
		return 0;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (prefix_fails_positionless(t, mid, NULL))
			hi = mid;
		else
			lo = mid;
	}
	prefix_fails_positionless(t, hi - 1, &cursorpos);
	if (cursorpos > 0)
		return cursor_to_offset(t, hi - 1, cursorpos);
	return hi - 1;
}

/*
 * A grammar error without a position: split with the scanner, which does not
 * run the grammar, and parse the statements one by one; the first that fails
 * is the culprit.
 */
static size_t locate_grammar_error(char *t, size_t len, const PgQuerySplitResult *sr)
{
	int i;

	for (i = 0; i < sr->n_stmts; i++) {
		PgQueryParseResult pr;
		size_t loc, n, off;
		char saved;

		if (sr->stmts[i]->stmt_location < 0 || sr->stmts[i]->stmt_len < 0)
			break;
		loc = (size_t)sr->stmts[i]->stmt_location;
		n = (size_t)sr->stmts[i]->stmt_len;
		if (loc > len)
			break;
		if (n == 0 || n > len - loc)
			n = len - loc;
		saved = t[loc + n];
		t[loc + n] = '\0';
		pr = pg_query_parse(t + loc);
		t[loc + n] = saved;
		if (pr.error != NULL) {
			if (pr.error->cursorpos > 0)
				off = loc + cursor_to_offset(t + loc, n, pr.error->cursorpos);
			else
				off = skip_blanks_and_comments(t, loc, loc + n);
			pg_query_free_parse_result(pr);
			return off;
		}
		pg_query_free_parse_result(pr);
	}
	return 0;
}

/* Where an error that libpg_query reported without a position lies (0 if unknown). */
static size_t locate_positionless(char *t, size_t len)
{
	PgQuerySplitResult sr = pg_query_split_with_scanner(t);
	size_t off;

	if (sr.error == NULL)
		off = locate_grammar_error(t, len, &sr);
	else if (sr.error->cursorpos > 0)
		off = cursor_to_offset(t, len, sr.error->cursorpos);
	else
		off = locate_lexical_error(t, len);
	pg_query_free_split_result(sr);
	return off;
}

/* Records the error libpg_query reported for the whole script t (len bytes). */
static void set_split_error(strata_sql_script *s, char *t, size_t len, const PgQueryError *e)
{
	size_t off;

	if (e->cursorpos > 0)
		off = cursor_to_offset(t, len, e->cursorpos);
	else
		off = locate_positionless(t, len);
	set_error_at(s, t, e->message, off);
}

/*
 * Fills s->stmts from statement bounds as libpg_query gives them (a split's
 * or a parse's stmt_location and stmt_len, 0 meaning "to the end"), with
 * first tokens, lengths and lines.
 */
int st_sql_fill_statements(strata_sql_script *s, char *t, size_t len, size_t count,
	const int *locs, const int *lens, strata_error *err)
{
	line_cursor lc;
	size_t prev_end = 0, i;

	if (count == 0)
		return 0;
	s->stmts = st_calloc(count, sizeof(*s->stmts));
	if (s->stmts == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory splitting SQL");
	line_cursor_init(&lc, t);
	for (i = 0; i < count; i++) {
		strata_sql_stmt *st = &s->stmts[i];
		int loc = locs[i], n = lens[i];
		size_t start, end, first;

		if (loc < 0 || n < 0 || (size_t)loc < prev_end || (size_t)loc > len ||
			(size_t)n > len - (size_t)loc)
			return strata_error_set(err, STRATA_EINTERNAL,
				"libpg_query split statement %zu at %d+%d, outside the text (%zu bytes)",
				i + 1, loc, n, len);
		start = (size_t)loc;
		end = n == 0 ? len : start + (size_t)n;
		first = skip_blanks_and_comments(t, start, end);
		if (first == end)
			return strata_error_set(err, STRATA_EINTERNAL,
				"libpg_query split an empty statement at offset %zu", start);
		if (end == len)
			end = trim_last_statement(t, first, end);
		st->offset = first;
		st->length = end - first;
		line_cursor_advance(&lc, first);
		st->line = lc.line;
		st->column = (int)(first - lc.line_start) + 1;
		line_cursor_advance(&lc, end - 1);
		st->end_line = lc.line;
		s->nstmts++;
		prev_end = end;
	}
	return 0;
}

static int fill_from_split(strata_sql_script *s, char *t, size_t len, const PgQuerySplitResult *sr,
	strata_error *err)
{
	size_t n = sr->n_stmts > 0 ? (size_t)sr->n_stmts : 0, i;
	int *locs, *lens, rc;

	if (n == 0)
		return 0;
	locs = st_malloc(n * sizeof(*locs));
	lens = st_malloc(n * sizeof(*lens));
	if (locs == NULL || lens == NULL) {
		st_free(locs);
		st_free(lens);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory splitting SQL");
	}
	for (i = 0; i < n; i++) {
		locs[i] = sr->stmts[i]->stmt_location;
		lens[i] = sr->stmts[i]->stmt_len;
	}
	rc = st_sql_fill_statements(s, t, len, n, locs, lens, err);
	st_free(locs);
	st_free(lens);
	return rc;
}

static void release_statements(strata_sql_script *s)
{
	size_t i;

	for (i = 0; i < s->nstmts; i++)
		st_sql_stmt_release(&s->stmts[i]);
	st_free(s->stmts);
	s->stmts = NULL;
	s->nstmts = 0;
}

/*
 * Classifies every statement, parsing each on its own in place: t is the
 * script's own copy, NUL-terminated for a moment at the statement's end.
 */
static int classify_statements(strata_sql_script *s, char *t, unsigned options, strata_error *err)
{
	size_t i;

	for (i = 0; i < s->nstmts; i++) {
		strata_sql_stmt *st = &s->stmts[i];
		st_sql_stmt_error perr;
		size_t end = st->offset + st->length;
		char saved = t[end];
		int rc;

		memset(&perr, 0, sizeof(perr));
		t[end] = '\0';
		rc = st_sql_classify(st, t + st->offset, st->length, options, &perr, err);
		t[end] = saved;
		if (rc != 0)
			return rc;
		if (perr.failed) {
			/* Valid in the script yet not alone: report it rather than guess. */
			size_t off = st->offset;

			if (perr.cursorpos > 0)
				off += cursor_to_offset(t + st->offset, st->length, perr.cursorpos);
			release_statements(s);
			set_error_at(s, t, perr.message, off);
			return 0;
		}
	}
	return 0;
}

int strata_sql_script_parse(strata_sql_script **out, const char *text, size_t len,
	unsigned options, strata_error *err)
{
	strata_sql_script *s = NULL;
	PgQuerySplitResult sr;
	const char *nul;
	char *t = NULL;
	int have_split = 0, rc = 0;

	if (out == NULL)
		return strata_error_set(err, STRATA_EINVAL, "no place to store the parsed SQL script");
	*out = NULL;
	if (text == NULL && len > 0)
		return strata_error_set(err, STRATA_EINVAL, "no SQL text given");
	if (len > SQL_TEXT_MAX)
		return strata_error_set(err, STRATA_EINVAL,
			"SQL text too large: %zu bytes (the limit is %zu)", len, SQL_TEXT_MAX);
	if (len > 0 && (nul = memchr(text, '\0', len)) != NULL)
		return strata_error_set(err, STRATA_EINVAL, "SQL text contains a NUL byte at offset %zu",
			(size_t)(nul - text));

	s = st_calloc(1, sizeof(*s));
	t = st_malloc(len + 1);
	if (s == NULL || t == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory reading SQL");
		goto done;
	}
	if (len > 0)
		memcpy(t, text, len);
	t[len] = '\0';

	sr = pg_query_split_with_parser(t);
	have_split = 1;
	if (sr.error != NULL) {
		set_split_error(s, t, len, sr.error);
		goto done;
	}
	rc = fill_from_split(s, t, len, &sr, err);
	if (rc != 0)
		goto done;
	pg_query_free_split_result(sr);
	have_split = 0;

	if (options & (STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES))
		rc = classify_statements(s, t, options, err);

done:
	if (have_split)
		pg_query_free_split_result(sr);
	st_free(t);
	if (rc != 0) {
		strata_sql_script_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void strata_sql_script_free(strata_sql_script *script)
{
	if (script == NULL)
		return;
	release_statements(script);
	st_free(script);
}

int strata_sql_script_empty(const strata_sql_script *script)
{
	return script == NULL || (script->nstmts == 0 && !script->has_error);
}
