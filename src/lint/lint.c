/*
 * lint.c: the run. Every file is read and parsed first (one libpg_query
 * parse per file, see sql/parsed.h); then the statements go through the
 * rules in order, file after file, the way a runner applies them: the
 * transaction each statement runs in (the runner's own, a BEGIN of the
 * file, or none), what this transaction already locked, and which tables
 * this run created, so that work on new tables is not flagged.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"

#include "crypto/crypto.h"

#define LINT_FILE_MAX ((size_t)256 << 20)

const char *strata_lint_severity_name(strata_lint_severity s)
{
	switch (s) {
	case STRATA_LINT_ERROR: return "error";
	case STRATA_LINT_WARNING: return "warning";
	case STRATA_LINT_OFF: break;
	}
	return "off";
}

const strata_lint_rule *strata_lint_rules(size_t *n)
{
	static strata_lint_rule infos[256];
	const lint_rule_def *table = lint_rule_table(n);
	size_t i;

	/* The table is constant: filling the copy again writes the same values. */
	if (*n > ST_ARRAY_LEN(infos))
		*n = ST_ARRAY_LEN(infos);
	for (i = 0; i < *n; i++)
		infos[i] = table[i].info;
	return infos;
}

const strata_lint_rule *strata_lint_rule_find(const char *id)
{
	const lint_rule_def *d = id != NULL ? lint_rule_def_find(id) : NULL;

	return d != NULL ? &d->info : NULL;
}

/* ---- tree helpers for the rules ---- */

const char *lint_rangevar(const st_tree_node *rv, char *buf, size_t size)
{
	const char *schema = st_tree_str(st_tree_get(rv, "schemaname"));
	const char *rel = st_tree_str(st_tree_get(rv, "relname"));

	if (rel == NULL)
		rel = "?";
	if (schema != NULL)
		st_snprintf(buf, size, "%s.%s", schema, rel);
	else
		st_snprintf(buf, size, "%s", rel);
	return buf;
}

int lint_is_new(const lint_ctx *c, const st_tree_node *rv)
{
	char name[256];

	return rv != NULL && lint_names_has(&c->created, lint_rangevar(rv, name, sizeof(name)));
}

int lint_location(const st_tree_node *body)
{
	return (int)st_tree_int(st_tree_get(body, "location"), -1);
}

const char *lint_last_name(const st_tree_node *list)
{
	const st_tree_node *m, *last = NULL;

	if (list == NULL || list->type != ST_TREE_ARRAY)
		return NULL;
	for (m = list->first; m != NULL; m = m->next)
		last = m;
	return st_tree_str(st_tree_get(st_tree_node_as(last, "String"), "sval"));
}

/* ---- findings ---- */

static strata_lint_severity severity_of(const lint_ctx *c, const lint_rule_def *d)
{
	size_t i;

	for (i = 0; i < c->opts->nrules; i++)
		if (strcmp(c->opts->rule_ids[i], d->info.id) == 0)
			return c->opts->rule_severities[i];
	return d->info.severity;
}

static strata_lint_finding *new_finding(lint_ctx *c)
{
	strata_lint_report *r = c->rep;
	size_t n = r->nfindings;

	/* The capacity is 16, then doubles: grow when n reaches it. */
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		strata_lint_finding *grown = st_realloc(r->findings, (n == 0 ? 16 : 2 * n) * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		r->findings = grown;
	}
	memset(&r->findings[n], 0, sizeof(r->findings[0]));
	r->nfindings++;
	return &r->findings[n];
}

static char *line_text(const lint_file *f, int line)
{
	const char *p = f->text, *end = f->text + f->len, *nl;
	int l = 1;

	while (l < line && p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = nl + 1;
		l++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return st_strndup(p, (size_t)(nl - p));
}

/* rule, file and the statement's text with blanks collapsed: stable while other lines move. */
static void fingerprint(const lint_ctx *c, const char *rule, char out[17])
{
	strata_buf b = STRATA_BUF_INIT;
	char hex[65];
	size_t i;
	int blank = 0;

	strata_buf_printf(&b, "%s\n%s\n", rule, c->file->path);
	if (c->stmt != NULL) {
		const char *s = c->file->text + c->stmt->offset;

		for (i = 0; i < c->stmt->length; i++) {
			char ch = s[i];

			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
				blank = 1;
				continue;
			}
			if (blank)
				strata_buf_putc(&b, ' ');
			blank = 0;
			strata_buf_putc(&b, ch);
		}
	}
	st_sha256_hex(hex, strata_buf_cstr(&b), b.len);
	memcpy(out, hex, 16);
	out[16] = '\0';
	strata_buf_release(&b);
}

void lint_find(lint_ctx *c, const char *rule, int location, const char *help, const char *fmt, ...)
{
	const lint_rule_def *d = lint_rule_def_find(rule);
	strata_lint_severity sev;
	strata_lint_finding *f;
	strata_buf msg = STRATA_BUF_INIT;
	va_list ap;

	if (c->failed || c->replay || d == NULL)
		return;
	sev = severity_of(c, d);
	if (sev == STRATA_LINT_OFF)
		return;
	if (c->stmt != NULL && lint_ignored(c->file, rule, c->index)) {
		c->rep->suppressed++;
		return;
	}
	f = new_finding(c);
	if (f == NULL) {
		c->failed = 1;
		return;
	}
	f->rule = d->info.id;
	f->severity = sev;
	f->file = c->file->path;
	if (location >= 0 && (size_t)location <= c->file->len) {
		st_sql_line_col(c->file->text, (size_t)location, &f->line, &f->column);
	} else if (c->stmt != NULL) {
		f->line = c->stmt->line;
		f->column = c->stmt->column;
	} else {
		f->line = 1;
		f->column = 1;
	}
	f->end_line = c->stmt != NULL ? c->stmt->end_line : f->line;
	f->source = line_text(c->file, f->line);
	f->line += c->file->first_line - 1;
	f->end_line += c->file->first_line - 1;
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	f->message = strata_buf_detach(&msg);
	f->help = help != NULL ? st_strdup(help) : NULL;
	fingerprint(c, rule, f->fingerprint);
	if (f->message == NULL || (help != NULL && f->help == NULL) || f->source == NULL)
		c->failed = 1;
	if (sev == STRATA_LINT_ERROR)
		c->rep->errors++;
	else
		c->rep->warnings++;
}

/* ---- transactions and what the run created ---- */

static int is_tx(const lint_ctx *c, const char *kind)
{
	return strcmp(c->type, "TransactionStmt") == 0 &&
		strcmp(st_tree_str(st_tree_get(c->body, "kind")) ? st_tree_str(st_tree_get(c->body, "kind")) :
			"", kind) == 0;
}

static void end_tx(lint_ctx *c)
{
	c->in_tx = 0;
	c->explicit_tx = 0;
	c->strong_lock = 0;
	c->strong_lock_on[0] = '\0';
	lint_names_release(&c->created_tx);
	lint_names_release(&c->constraints_tx);
}

/* The relation a statement creates, if any. */
static const st_tree_node *created_relation(const lint_ctx *c)
{
	if (strcmp(c->type, "CreateStmt") == 0)
		return st_tree_get(c->body, "relation");
	if (strcmp(c->type, "CreateTableAsStmt") == 0)
		return st_tree_path(c->body, "into", "IntoClause", "rel", (const char *)NULL);
	if (strcmp(c->type, "ViewStmt") == 0)
		return st_tree_get(c->body, "view");
	return NULL;
}

/* Statements that take ACCESS EXCLUSIVE on the table they name. */
static const st_tree_node *strongly_locked(const lint_ctx *c)
{
	if (strcmp(c->type, "AlterTableStmt") == 0 || strcmp(c->type, "RenameStmt") == 0)
		return st_tree_get(c->body, "relation");
	return NULL;
}

/* After the rules: what the statement changed in the run's state. */
static void after(lint_ctx *c)
{
	const st_tree_node *rv;
	char name[256];

	if (is_tx(c, "TRANS_STMT_BEGIN") || is_tx(c, "TRANS_STMT_START")) {
		c->in_tx = 1;
		c->explicit_tx = 1;
	} else if (is_tx(c, "TRANS_STMT_COMMIT") || is_tx(c, "TRANS_STMT_ROLLBACK")) {
		end_tx(c);
	}
	if (strcmp(c->type, "VariableSetStmt") == 0 &&
		st_tree_str(st_tree_get(c->body, "name")) != NULL &&
		strcmp(st_tree_str(st_tree_get(c->body, "name")), "lock_timeout") == 0)
		c->lock_timeout = 1;
	if ((rv = created_relation(c)) != NULL && !c->replay) {
		lint_rangevar(rv, name, sizeof(name));
		if (lint_names_add(&c->created, name) != 0 ||
			(c->in_tx && lint_names_add(&c->created_tx, name) != 0))
			c->failed = 1;
	}
	if (c->in_tx && !c->strong_lock && (rv = strongly_locked(c)) != NULL && !lint_is_new(c, rv)) {
		c->strong_lock = 1;
		lint_rangevar(rv, c->strong_lock_on, sizeof(c->strong_lock_on));
	}
	lint_catalog_update(c);
}

static void run_rules(lint_ctx *c)
{
	size_t i, n;
	const lint_rule_def *table = lint_rule_table(&n);

	for (i = 0; i < n && !c->failed; i++) {
		const lint_rule_def *d = &table[i];

		if (d->fn == NULL || (d->node != NULL && strcmp(d->node, c->type) != 0))
			continue;
		d->fn(c);
	}
}

/* The runner wraps the file in a transaction unless told not to or the file has its own. */
static int runner_wraps(const lint_ctx *c, const lint_file *f)
{
	const strata_sql_script *s = f->parsed.script;
	size_t i;

	if (!c->opts->assume_in_transaction || f->no_transaction)
		return 0;
	for (i = 0; s != NULL && i < s->nstmts; i++)
		if (strcmp(st_tree_node_type(f->parsed.trees[i]) ? st_tree_node_type(f->parsed.trees[i]) : "",
			"TransactionStmt") == 0)
			return 0;
	return 1;
}

/* Directives in the comments before the first statement. */
static void directives(lint_file *f)
{
	size_t head = f->parsed.script != NULL && f->parsed.script->nstmts > 0 ?
		f->parsed.script->stmts[0].offset : f->len;
	char *copy = st_strndup(f->text, head);

	if (copy == NULL)
		return;
	if (strstr(copy, "strata:no-transaction") != NULL)
		f->no_transaction = 1;
	f->lock_timeout = strstr(copy, "strata:lock-timeout=") != NULL;
	st_free(copy);
}

static void lint_one(lint_ctx *c, lint_file *f)
{
	const strata_sql_script *s = f->parsed.script;
	size_t i;

	c->file = f;
	c->stmt = NULL;
	c->replay = f->applied;
	directives(f);
	if (s->has_error) {
		c->index = 0;
		lint_find(c, "syntax-error", (int)s->error_offset,
			"fix the statement; nothing in this file was checked further", "%s", s->error_message);
		lint_ignores_report(c);
		return;
	}
	c->in_tx = runner_wraps(c, f);
	c->lock_timeout = f->lock_timeout;
	for (i = 0; i < s->nstmts && !c->failed; i++) {
		c->index = i;
		c->stmt = &s->stmts[i];
		c->node = f->parsed.trees[i];
		c->type = st_tree_node_type(c->node);
		c->body = st_tree_node_body(c->node);
		if (c->type == NULL)
			continue;
		if (!c->replay)
			run_rules(c);
		after(c);
	}
	if (!c->replay)
		c->rep->statements += s->nstmts;
	c->stmt = NULL;
	lint_ignores_report(c);
	end_tx(c);
	c->lock_timeout = 0;
}

static int cmp_findings(const void *a, const void *b)
{
	const strata_lint_finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

/* Lints files[0..n) (read and parsed) into r. */
static int lint_all(strata_lint_report *r, lint_file *files, size_t n, const strata_lint_options *opts,
	strata_error *err)
{
	static const strata_lint_options defaults = STRATA_LINT_OPTIONS_INIT;
	lint_ctx c;
	size_t i, from;

	memset(&c, 0, sizeof(c));
	c.opts = opts != NULL ? opts : &defaults;
	c.rep = r;
	c.err = err;
	for (i = 0; i < n && !c.failed; i++) {
		from = r->nfindings;
		if (lint_ignores_find(&files[i], err) != 0)
			return err->code;
		lint_one(&c, &files[i]);
		if (r->nfindings > from)
			qsort(r->findings + from, r->nfindings - from, sizeof(*r->findings), cmp_findings);
		if (!files[i].applied)
			r->files++;
	}
	lint_names_release(&c.created);
	lint_catalog_release(&c.catalog);
	end_tx(&c);
	if (c.failed)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	return 0;
}

static void files_release(lint_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		st_sql_parsed_release(&files[i].parsed);
		lint_ignores_release(&files[i]);
	}
	st_free(files);
}

static int report_new(strata_lint_report **out, size_t n, strata_error *err)
{
	*out = st_calloc(1, sizeof(**out));
	if (*out == NULL || ((*out)->paths = st_calloc(n + 1, sizeof(char *))) == NULL) {
		st_free(*out);
		*out = NULL;
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	}
	return 0;
}

int strata_lint_run(strata_lint_report **out, const strata_lint_input *inputs, size_t n,
	const strata_lint_options *opts, strata_error *err)
{
	strata_buf *texts = NULL;
	lint_file *files = NULL;
	strata_lint_report *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = report_new(&r, n, err);
	if (rc != 0)
		return rc;
	texts = st_calloc(n + 1, sizeof(*texts));
	files = st_calloc(n + 1, sizeof(*files));
	if (texts == NULL || files == NULL)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	for (i = 0; i < n && rc == 0; i++) {
		const strata_lint_input *in = &inputs[i];

		strata_buf_init(&texts[i], 0);
		if ((r->paths[i] = st_strdup(in->path != NULL ? in->path : "-")) == NULL) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
			break;
		}
		files[i].path = r->paths[i];
		files[i].first_line = in->first_line > 1 ? in->first_line : 1;
		files[i].applied = in->applied;
		files[i].no_transaction = in->no_transaction;
		if (in->text != NULL) {
			files[i].text = in->text;
			files[i].len = in->len;
		} else {
			rc = st_file_read(&texts[i], in->file != NULL ? in->file : in->path, LINT_FILE_MAX, err);
			if (rc != 0)
				break;
			files[i].text = texts[i].ptr != NULL ? texts[i].ptr : "";
			files[i].len = texts[i].len;
		}
		rc = st_sql_parse(&files[i].parsed, files[i].text, files[i].len, err);
		if (rc != 0)
			strata_error_prefix(err, "%s", files[i].path);
	}
	if (rc == 0)
		rc = lint_all(r, files, n, opts, err);
	files_release(files, n);
	for (i = 0; texts != NULL && i < n; i++)
		strata_buf_release(&texts[i]);
	st_free(texts);
	if (rc != 0) {
		strata_lint_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int strata_lint_files(strata_lint_report **out, const char *const *paths, size_t n,
	const strata_lint_options *opts, strata_error *err)
{
	strata_lint_input *in = st_calloc(n + 1, sizeof(*in));
	size_t i;
	int rc;

	*out = NULL;
	if (in == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	for (i = 0; i < n; i++)
		in[i].path = paths[i];
	rc = strata_lint_run(out, in, n, opts, err);
	st_free(in);
	return rc;
}

int strata_lint_text(strata_lint_report **out, const char *name, const char *text, size_t len,
	const strata_lint_options *opts, strata_error *err)
{
	strata_lint_input in;

	memset(&in, 0, sizeof(in));
	in.path = name;
	in.text = text != NULL ? text : "";
	in.len = text != NULL ? len : 0;
	return strata_lint_run(out, &in, 1, opts, err);
}

void strata_lint_report_free(strata_lint_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfindings; i++) {
		st_free(r->findings[i].message);
		st_free(r->findings[i].help);
		st_free(r->findings[i].source);
	}
	st_free(r->findings);
	for (i = 0; r->paths != NULL && r->paths[i] != NULL; i++)
		st_free(r->paths[i]);
	st_free(r->paths);
	st_free(r);
}
