/*
 * explain.c: `strata lint --explain`: every statement with the locks the
 * lock model (sql/locks.h) says it takes, for the run's target version and
 * with the column types the run's catalog knows (so that a type change of
 * a column created earlier is judged on its real old type).
 */
#include <string.h>

#include "lint/lint_int.h"
#include "sql/locks.h"

/* Parser type names as format_type spells them, for the lock model's lookup. */
static const char *const formatted[][2] = {
	{ "pg_catalog.bool", "boolean" }, { "pg_catalog.bpchar", "character" },
	{ "pg_catalog.float4", "real" }, { "pg_catalog.float8", "double precision" },
	{ "pg_catalog.int2", "smallint" }, { "pg_catalog.int4", "integer" },
	{ "pg_catalog.int8", "bigint" }, { "pg_catalog.interval", "interval" },
	{ "pg_catalog.numeric", "numeric" }, { "pg_catalog.time", "time without time zone" },
	{ "pg_catalog.timestamp", "timestamp without time zone" },
	{ "pg_catalog.timestamptz", "timestamp with time zone" },
	{ "pg_catalog.timetz", "time with time zone" }, { "pg_catalog.varbit", "bit varying" },
	{ "pg_catalog.bit", "bit" }, { "pg_catalog.varchar", "character varying" },
};

typedef struct lookup {
	const lint_catalog *catalog;
	char buf[256];
} lookup;

static const char *column_type(void *arg, const char *relation, const char *column)
{
	lookup *l = arg;
	const lint_column *col = lint_catalog_column(l->catalog, relation, column);
	const char *name;
	char *p;
	size_t i;
	int k;

	if (col == NULL || col->type.nmods < 0)
		return NULL;
	name = col->type.name;
	for (i = 0; i < ST_ARRAY_LEN(formatted); i++)
		if (strcmp(name, formatted[i][0]) == 0)
			name = formatted[i][1];
	st_snprintf(l->buf, sizeof(l->buf), "%s", name);
	if (col->type.nmods > 0) {
		p = l->buf + strlen(l->buf);
		for (k = 0; k < col->type.nmods && p < l->buf + sizeof(l->buf) - 24; k++) {
			st_snprintf(p, (size_t)(l->buf + sizeof(l->buf) - p), "%s%lld", k ? "," : "(",
				col->type.mods[k]);
			p += strlen(p);
		}
		st_snprintf(p, (size_t)(l->buf + sizeof(l->buf) - p), ")");
	}
	if (col->type.array)
		st_snprintf(l->buf + strlen(l->buf), sizeof(l->buf) - strlen(l->buf), "[]");
	return l->buf;
}

/* The statement on one line: blanks collapsed, cut at 200 bytes. */
static char *one_line(const lint_ctx *c)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *s = c->file->text + c->stmt->offset;
	size_t i;
	int blank = 0;

	for (i = 0; i < c->stmt->length && b.len < 200; i++) {
		char ch = s[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			blank = 1;
			continue;
		}
		if (blank && b.len > 0)
			strata_buf_putc(&b, ' ');
		blank = 0;
		strata_buf_putc(&b, ch);
	}
	if (i < c->stmt->length)
		strata_buf_puts(&b, " ...");
	return strata_buf_detach(&b);
}

void lint_explain(lint_ctx *c)
{
	strata_lint_report *r = c->rep;
	strata_lint_statement *st, *grown;
	st_lock_context lc;
	st_lock_effect *e = NULL;
	strata_error err = STRATA_ERROR_INIT;
	lookup l;
	size_t n = 0, i;

	if (!c->opts->explain || c->replay || c->failed)
		return;
	grown = st_realloc(r->explained, (r->nexplained + 1) * sizeof(*grown));
	if (grown == NULL) {
		c->failed = 1;
		return;
	}
	r->explained = grown;
	st = &r->explained[r->nexplained++];
	memset(st, 0, sizeof(*st));
	st->file = c->file->path;
	st->line = c->stmt->line + c->file->first_line - 1;
	st->column = c->stmt->column;
	st->end_line = c->stmt->end_line + c->file->first_line - 1;
	st->in_transaction = c->in_tx;
	st->text = one_line(c);
	memset(&lc, 0, sizeof(lc));
	lc.pg_version = c->opts->pg_version;
	l.catalog = &c->catalog;
	lc.column_type = column_type;
	lc.arg = &l;
	if (st->text == NULL || st_lock_effects(&e, &n, c->node, &lc, &err) != 0) {
		c->failed = 1;
		return;
	}
	if (n > 0 && (st->locks = st_calloc(n, sizeof(*st->locks))) == NULL) {
		st_lock_effects_free(e, n);
		c->failed = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		strata_lint_lock *k = &st->locks[i];

		k->action = e[i].action;
		k->relation = e[i].relation;
		e[i].relation = NULL;
		k->level = st_lock_level_name(e[i].level);
		k->relation_is_index = e[i].relation_is_index;
		k->table_level = st_lock_level_name(e[i].relation_is_index ? e[i].table_level : e[i].level);
		k->rewrites = e[i].rewrites;
		k->scans = e[i].scans;
		k->concurrently = e[i].concurrently;
		/* The ST_BLOCKS_ bits are the public ones. */
		k->blocks = st_lock_blocks(e[i].relation_is_index ? e[i].table_level : e[i].level);
		if (e[i].location >= 0 && (size_t)e[i].location <= c->file->len) {
			st_sql_line_col(c->file->text, (size_t)e[i].location, &k->line, &k->column);
			k->line += c->file->first_line - 1;
		} else {
			k->line = st->line;
			k->column = st->column;
		}
		k->note = e[i].note;
	}
	st->nlocks = n;
	st_lock_effects_free(e, n);
}

void lint_explained_free(strata_lint_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nexplained; i++) {
		for (j = 0; j < r->explained[i].nlocks; j++)
			st_free(r->explained[i].locks[j].relation);
		st_free(r->explained[i].locks);
		st_free(r->explained[i].text);
	}
	st_free(r->explained);
}
