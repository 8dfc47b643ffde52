/*
 * suppress.c: ignore comments.
 *
 *   -- strata:lint-ignore <rule>[,<rule>...] <reason>
 *   -- strata:lint-ignore-file <rule>[,<rule>...] <reason>
 *
 * The first applies to one statement: the one whose lines it sits on
 * (inside it, or after its ';' on its last line), else the next statement
 * after it. The second applies to every statement of the file. A reason is
 * required, every rule id must exist, and an ignore that suppressed nothing
 * is reported, so that ignores do not outlive the code they were for.
 */
#include <string.h>

#include "lint/lint_int.h"

#define MARK "strata:lint-ignore"

typedef struct lint_bad_ignore {
	size_t offset;
	char *why;
} bad_ignore;

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Which statement an ignore at offset o on line `line` applies to; SIZE_MAX: none. */
static size_t target(const lint_file *f, size_t o, int line)
{
	const strata_sql_script *s = f->parsed.script;
	size_t i, before = SIZE_MAX;

	if (s == NULL)
		return SIZE_MAX;
	for (i = 0; i < s->nstmts && s->stmts[i].offset < o; i++)
		before = i;
	if (before != SIZE_MAX && (o < s->stmts[before].offset + s->stmts[before].length ||
		s->stmts[before].end_line == line))
		return before;
	return i < s->nstmts ? i : SIZE_MAX;
}

static int add_rule(lint_ignore *ig, const char *start, size_t len)
{
	char **grown = st_realloc(ig->rules, (ig->nrules + 1) * sizeof(*grown));

	if (grown == NULL)
		return STRATA_ENOMEM;
	ig->rules = grown;
	if ((ig->rules[ig->nrules] = st_strndup(start, len)) == NULL)
		return STRATA_ENOMEM;
	ig->nrules++;
	return 0;
}

static void ignore_free(lint_ignore *ig)
{
	size_t i;

	for (i = 0; i < ig->nrules; i++)
		st_free(ig->rules[i]);
	st_free(ig->rules);
	st_free(ig->used);
}

/* Reads the ignore whose mark ends at p (line end at eol) into ig, or says why it is bad. */
static int read_ignore(lint_ignore *ig, const char *p, const char *eol, char **why)
{
	const char *q;

	if (eol - p >= 5 && memcmp(p, "-file", 5) == 0) {
		ig->file_wide = 1;
		p += 5;
	}
	if (p < eol && !is_space(*p)) {
		*why = st_strdup("not an ignore: write 'strata:lint-ignore <rule> <reason>'");
		return *why == NULL ? STRATA_ENOMEM : 0;
	}
	while (p < eol && is_space(*p))
		p++;
	q = p;
	while (q < eol && !is_space(*q))
		q++;
	while (p < q) {
		const char *comma = memchr(p, ',', (size_t)(q - p));
		const char *end = comma != NULL ? comma : q;

		if (end > p && add_rule(ig, p, (size_t)(end - p)) != 0)
			return STRATA_ENOMEM;
		p = end + 1;
	}
	/* No word at all, or only commas. */
	if (ig->nrules == 0) {
		*why = st_strdup("an ignore names no rule: write 'strata:lint-ignore <rule> <reason>'");
		return *why == NULL ? STRATA_ENOMEM : 0;
	}
	p = q;
	while (p < eol && is_space(*p))
		p++;
	q = eol;
	while (q > p && (is_space(q[-1]) || q[-1] == '\r'))
		q--;
	if (q == p) {
		strata_buf b = STRATA_BUF_INIT;

		strata_buf_printf(&b, "the ignore of '%s' gives no reason: say why after the rule id",
			ig->rules[0]);
		*why = strata_buf_detach(&b);
		return *why == NULL ? STRATA_ENOMEM : 0;
	}
	ig->used = st_calloc(ig->nrules, sizeof(*ig->used));
	return ig->used == NULL ? STRATA_ENOMEM : 0;
}

/* One problem per unknown rule id of ig. */
static int unknown_rules(const lint_ignore *ig, char **why)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < ig->nrules; i++)
		if (strata_lint_rule_find(ig->rules[i]) == NULL) {
			strata_buf_printf(&b, "unknown rule '%s' in an ignore (see 'strata lint --rules')",
				ig->rules[i]);
			*why = strata_buf_detach(&b);
			return *why == NULL ? STRATA_ENOMEM : 0;
		}
	return 0;
}

int lint_ignores_find(lint_file *f, strata_error *err)
{
	const char *text = f->text, *end = text + f->len, *p = text;
	lint_ignore *list = NULL;
	bad_ignore *bad = NULL;
	size_t n = 0, nbad = 0;

	while (p < end && (p = memmem(p, (size_t)(end - p), MARK, sizeof(MARK) - 1)) != NULL) {
		const char *dash = p, *eol = memchr(p, '\n', (size_t)(end - p));
		lint_ignore ig;
		char *why = NULL;
		int line, col;

		if (eol == NULL)
			eol = end;
		/* Only in a line comment: "--" and blanks before the mark. */
		while (dash > text && is_space(dash[-1]))
			dash--;
		if (dash - text < 2 || dash[-1] != '-' || dash[-2] != '-') {
			p += sizeof(MARK) - 1;
			continue;
		}
		memset(&ig, 0, sizeof(ig));
		st_sql_line_col(text, (size_t)(dash - 2 - text), &line, &col);
		ig.line = line;
		ig.offset = (size_t)(dash - 2 - text);
		if (read_ignore(&ig, p + sizeof(MARK) - 1, eol, &why) != 0 ||
			(why == NULL && unknown_rules(&ig, &why) != 0))
			goto oom;
		if (why != NULL) {
			bad_ignore *g = st_realloc(bad, (nbad + 1) * sizeof(*g));

			ignore_free(&ig);
			if (g == NULL) {
				st_free(why);
				goto oom;
			}
			bad = g;
			bad[nbad].offset = (size_t)(dash - 2 - text);
			bad[nbad++].why = why;
		} else {
			lint_ignore *g = st_realloc(list, (n + 1) * sizeof(*g));

			if (g == NULL) {
				ignore_free(&ig);
				goto oom;
			}
			list = g;
			ig.stmt = ig.file_wide ? SIZE_MAX : target(f, (size_t)(dash - 2 - text), line);
			list[n++] = ig;
		}
		p = eol;
	}
	f->ignores = list;
	f->nignores = n;
	f->bad = bad;
	f->nbad = nbad;
	return 0;
oom:
	while (n > 0)
		ignore_free(&list[--n]);
	st_free(list);
	while (nbad > 0)
		st_free(bad[--nbad].why);
	st_free(bad);
	return strata_error_set(err, STRATA_ENOMEM, "out of memory reading ignore comments");
}

int lint_ignored(lint_file *f, const char *rule, size_t index)
{
	size_t i, j;

	for (i = 0; i < f->nignores; i++) {
		lint_ignore *ig = &f->ignores[i];

		if (!ig->file_wide && ig->stmt != index)
			continue;
		for (j = 0; j < ig->nrules; j++)
			if (strcmp(ig->rules[j], rule) == 0) {
				ig->used[j] = 1;
				return 1;
			}
	}
	return 0;
}

void lint_ignores_report(lint_ctx *c)
{
	lint_file *f = c->file;
	size_t i, j;

	for (i = 0; i < f->nbad; i++)
		lint_find(c, "invalid-ignore", (int)f->bad[i].offset, "write '-- strata:lint-ignore <rule> "
			"<reason>' on the line before the statement", "%s", f->bad[i].why);
	if (f->parsed.script == NULL || f->parsed.script->has_error)
		return;
	for (i = 0; i < f->nignores; i++) {
		const lint_ignore *ig = &f->ignores[i];

		for (j = 0; j < ig->nrules; j++)
			if (!ig->used[j])
				lint_find(c, "unused-ignore", (int)ig->offset, "remove the ignore, or move it to "
					"the statement it is for", "the ignore of '%s' suppresses nothing%s", ig->rules[j],
					ig->file_wide ? " in this file" : " on its statement");
	}
}

void lint_ignores_release(lint_file *f)
{
	size_t i;

	for (i = 0; i < f->nbad; i++)
		st_free(f->bad[i].why);
	st_free(f->bad);
	for (i = 0; i < f->nignores; i++)
		ignore_free(&f->ignores[i]);
	st_free(f->ignores);
	f->ignores = NULL;
	f->nignores = 0;
	f->bad = NULL;
	f->nbad = 0;
}
