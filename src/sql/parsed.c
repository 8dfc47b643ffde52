/*
 * parsed.c: a whole file through libpg_query once: trees and positions
 * (see parsed.h). A text that does not parse goes to strata_sql_script_parse,
 * which finds where the error is; that path is only paid by broken files.
 */
#include <string.h>

#include "sql/parsed.h"
#include "sql/sql_int.h"

#define SQL_TEXT_MAX (((size_t)1 << 30) - 2)

static int oom(strata_error *err)
{
	return strata_error_set(err, STRATA_ENOMEM, "out of memory parsing SQL");
}

/* The statements' bounds and trees from the parse tree's "stmts". */
static int from_tree(st_sql_parsed *p, char *t, size_t len, strata_error *err)
{
	const st_tree_node *stmts = st_tree_get(p->tree.root, "stmts"), *m;
	size_t n = stmts != NULL ? stmts->count : 0, i = 0;
	int *locs = NULL, *lens = NULL, rc;

	if (n == 0)
		return 0;
	locs = st_malloc(n * sizeof(*locs));
	lens = st_malloc(n * sizeof(*lens));
	p->trees = st_calloc(n, sizeof(*p->trees));
	if (locs == NULL || lens == NULL || p->trees == NULL) {
		rc = oom(err);
		goto done;
	}
	for (m = stmts->first; m != NULL; m = m->next, i++) {
		long long loc = st_tree_int(st_tree_get(m, "stmt_location"), 0);
		long long sl = st_tree_int(st_tree_get(m, "stmt_len"), 0);

		if (loc < 0 || sl < 0 || (size_t)loc > len || (size_t)sl > len) {
			rc = strata_error_set(err, STRATA_EINTERNAL,
				"libpg_query placed statement %zu at %lld+%lld, outside the text", i + 1, loc, sl);
			goto done;
		}
		locs[i] = (int)loc;
		lens[i] = (int)sl;
		p->trees[i] = st_tree_get(m, "stmt");
	}
	rc = st_sql_fill_statements(p->script, t, len, n, locs, lens, err);
done:
	st_free(locs);
	st_free(lens);
	return rc;
}

int st_sql_parse(st_sql_parsed *p, const char *text, size_t len, strata_error *err)
{
	PgQueryParseResult r, *held;
	const char *nul;
	char *t;
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > SQL_TEXT_MAX)
		return strata_sql_script_parse(&p->script, text, len, 0, err);
	if (len > 0 && (nul = memchr(text, '\0', len)) != NULL) {
		/* Not SQL at all: a syntax error at the NUL, for the linter to report. */
		p->script = st_calloc(1, sizeof(*p->script));
		if (p->script == NULL)
			return oom(err);
		p->script->has_error = 1;
		st_snprintf(p->script->error_message, sizeof(p->script->error_message),
			"a NUL byte at offset %zu: this is not a text file", (size_t)(nul - text));
		p->script->error_offset = (size_t)(nul - text);
		st_sql_line_col(text, p->script->error_offset, &p->script->error_line,
			&p->script->error_column);
		return 0;
	}
	t = st_malloc(len + 1);
	if (t == NULL)
		return oom(err);
	if (len > 0)
		memcpy(t, text, len);
	t[len] = '\0';
	r = pg_query_parse(t);
	if (r.error != NULL) {
		pg_query_free_parse_result(r);
		st_free(t);
		return strata_sql_script_parse(&p->script, text, len, 0, err);
	}
	/* The tree is read in place from libpg_query's own JSON, kept until release. */
	held = st_malloc(sizeof(*held));
	p->script = st_calloc(1, sizeof(*p->script));
	if (held == NULL || p->script == NULL) {
		pg_query_free_parse_result(r);
		st_free(held);
		st_free(t);
		st_sql_parsed_release(p);
		return oom(err);
	}
	*held = r;
	p->result = held;
	rc = st_tree_parse(&p->tree, held->parse_tree, strlen(held->parse_tree), 0, err);
	if (rc == 0)
		rc = from_tree(p, t, len, err);
	st_free(t);
	if (rc != 0)
		st_sql_parsed_release(p);
	return rc;
}

void st_sql_parsed_release(st_sql_parsed *p)
{
	strata_sql_script_free(p->script);
	st_free(p->trees);
	st_tree_release(&p->tree);
	if (p->result != NULL) {
		pg_query_free_parse_result(*(PgQueryParseResult *)p->result);
		st_free(p->result);
	}
	memset(p, 0, sizeof(*p));
}

void st_sql_line_col(const char *text, size_t offset, int *line, int *column)
{
	const char *p = text, *end = text + offset, *nl;
	int l = 1;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		l++;
		p = nl + 1;
	}
	*line = l;
	*column = (int)(end - p) + 1;
}
