/*
 * lint.c: the run. Every file is read and parsed first (one libpg_query
 * parse per file, see sql/parsed.h); then the statements go through the
 * rules in order, file after file, the way a runner applies them: the
 * transaction each statement runs in (the runner's own, a BEGIN of the
 * file, or none), what this transaction already locked, and which tables
 * this run created, so that work on new tables is not flagged.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint/lint_int.h"


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
	const st_tree_node *schema = st_tree_get(rv, "schemaname");
	const st_tree_node *rel = st_tree_get(rv, "relname");
	size_t n = 0, k;

	/* Hot: every rule names tables. Plain copies instead of a formatted print. */
	if (size == 0)
		return buf;
	if (schema != NULL && schema->type == ST_TREE_STRING) {
		k = schema->len < size - 1 ? schema->len : size - 1;
		memcpy(buf, schema->text, k);
		n = k;
		if (n < size - 1)
			buf[n++] = '.';
	}
	if (rel != NULL && rel->type == ST_TREE_STRING) {
		k = rel->len < size - 1 - n ? rel->len : size - 1 - n;
		memcpy(buf + n, rel->text, k);
		n += k;
	} else if (n < size - 1) {
		buf[n++] = '?';
	}
	buf[n] = '\0';
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

/* The rule's severity for this file; *by_setting: decided by the project's settings. */
static strata_lint_severity severity_of(const lint_ctx *c, const lint_rule_def *d, int *by_setting)
{
	const strata_lint_options *o = c->opts;
	strata_lint_severity sev = d->info.severity;
	size_t i, j;

	*by_setting = 0;
	for (i = 0; i < o->nrules; i++)
		if (strcmp(o->rule_ids[i], d->info.id) == 0)
			return o->rule_severities[i];
	for (i = 0; i < o->nsettings; i++) {
		const strata_lint_setting *st = &o->settings[i];

		if (strcmp(st->rule, d->info.id) != 0)
			continue;
		if (st->npaths == 0) {
			sev = st->severity;
			*by_setting = 1;
		}
		for (j = 0; j < st->npaths; j++)
			if (fnmatch(st->paths[j], c->file->path, 0) == 0) {
				sev = st->severity;
				*by_setting = 1;
				break;
			}
	}
	return sev;
}

static int by_fingerprint(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
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

/* The source line that starts at offset start. */
static char *line_text(const lint_file *f, size_t start)
{
	const char *p = f->text + start, *end = f->text + f->len, *nl;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return st_strndup(p, (size_t)(nl - p));
}

/*
 * Line, column and line start of offset: counted from the statement's start
 * when it lies in or after the statement (the usual case: a rule points into
 * its statement), else from the top of the file.
 */
static void position(const lint_ctx *c, size_t offset, int *line, int *column, size_t *line_start)
{
	const char *t = c->file->text, *p, *nl;
	size_t from = 0;
	int l = 1;

	if (c->stmt != NULL && offset >= c->stmt->offset) {
		from = c->stmt->offset - (size_t)(c->stmt->column - 1);
		l = c->stmt->line;
	}
	p = t + from;
	while ((nl = memchr(p, '\n', (size_t)(t + offset - p))) != NULL) {
		l++;
		p = nl + 1;
	}
	*line = l;
	*line_start = (size_t)(p - t);
	*column = (int)(offset - *line_start) + 1;
}

/*
 * rule, file and the statement's text with blanks collapsed: stable while
 * other lines move. A 64-bit FNV-1a hash: an identity for baselines and
 * code scanning, not a security boundary.
 */
static void fingerprint(const lint_ctx *c, const char *rule, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 14695981039346656037u;
	const char *p;
	size_t i;
	int blank = 0, k;

#define FNV(ch) (h = (h ^ (unsigned char)(ch)) * 1099511628211u)
	for (p = rule; *p != '\0'; p++)
		FNV(*p);
	FNV('\n');
	for (p = c->file->path; *p != '\0'; p++)
		FNV(*p);
	FNV('\n');
	if (c->stmt != NULL) {
		const char *s = c->file->text + c->stmt->offset;

		for (i = 0; i < c->stmt->length; i++) {
			char ch = s[i];

			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
				blank = 1;
				continue;
			}
			if (blank)
				FNV(' ');
			blank = 0;
			FNV(ch);
		}
	}
#undef FNV
	for (k = 15; k >= 0; k--) {
		out[k] = hex[h & 0xf];
		h >>= 4;
	}
	out[16] = '\0';
}

void lint_find(lint_ctx *c, const char *rule, int location, const char *help, const char *fmt, ...)
{
	const lint_rule_def *d = lint_rule_def_find(rule);
	strata_lint_severity sev;
	strata_lint_finding *f;
	strata_buf msg = STRATA_BUF_INIT;
	size_t start;
	int by_setting;
	va_list ap;

	if (c->failed || c->replay || d == NULL)
		return;
	sev = severity_of(c, d, &by_setting);
	if (sev == STRATA_LINT_OFF) {
		/* Turned off for this file by the project: counted like an ignore comment. */
		if (by_setting)
			c->rep->suppressed++;
		return;
	}
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
	if (location < 0 || (size_t)location > c->file->len)
		location = c->stmt != NULL ? (int)c->stmt->offset : 0;
	position(c, (size_t)location, &f->line, &f->column, &start);
	f->end_line = c->stmt != NULL ? c->stmt->end_line : f->line;
	f->source = line_text(c->file, start);
	f->line += c->file->first_line - 1;
	f->end_line += c->file->first_line - 1;
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	f->message = strata_buf_detach(&msg);
	f->help = help != NULL ? st_strdup(help) : NULL;
	fingerprint(c, rule, f->fingerprint);
	if (c->opts->nbaseline > 0 && bsearch(f->fingerprint, c->opts->baseline, c->opts->nbaseline,
		sizeof(*c->opts->baseline), by_fingerprint) != NULL) {
		/* Accepted by the baseline: dropped again. */
		st_free(f->message);
		st_free(f->help);
		st_free(f->source);
		c->rep->nfindings--;
		c->rep->baselined++;
		return;
	}
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

/* After the rules: what the statement changed in the run's state. */
static void after(lint_ctx *c)
{
	const st_tree_node *rv;
	char name[256];
	int lock_timeout;

	if (is_tx(c, "TRANS_STMT_BEGIN") || is_tx(c, "TRANS_STMT_START")) {
		c->in_tx = 1;
		c->explicit_tx = 1;
	} else if (is_tx(c, "TRANS_STMT_COMMIT") || is_tx(c, "TRANS_STMT_ROLLBACK")) {
		end_tx(c);
	}
	if ((lock_timeout = lint_ops_lock_timeout(c)) >= 0)
		c->lock_timeout = lock_timeout;
	if ((rv = created_relation(c)) != NULL && !c->replay) {
		lint_rangevar(rv, name, sizeof(name));
		if (lint_names_add(&c->created, name) != 0 ||
			(c->in_tx && lint_names_add(&c->created_tx, name) != 0))
			c->failed = 1;
	}
	if (c->in_tx && !c->strong_lock &&
		lint_ops_strong_lock(c, c->strong_lock_on, sizeof(c->strong_lock_on)) != NULL)
		c->strong_lock = 1;
	lint_catalog_update(c);
	lint_ops_after(c);
	lint_strata_track(c);
}

static void run_rules(lint_ctx *c)
{
	size_t i, n;
	const lint_rule_def *table = lint_rule_table(&n);

	for (i = 0; i < n && !c->failed; i++) {
		const lint_rule_def *d = &table[i];

		if (d->fn == NULL || (d->node != NULL && (d->node[0] != c->type[0] ||
			strcmp(d->node, c->type) != 0)))
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
	/* Once per file, at its first statement (so that an ignore there applies). */
	c->index = 0;
	c->stmt = s->nstmts > 0 ? &s->stmts[0] : NULL;
	if (!c->replay)
		lint_migration_file_name(c);
	c->stmt = NULL;
	c->in_tx = runner_wraps(c, f);
	c->lock_timeout = f->lock_timeout || c->opts->runner_lock_timeout;
	for (i = 0; i < s->nstmts && !c->failed; i++) {
		c->index = i;
		c->stmt = &s->stmts[i];
		c->node = f->parsed.trees[i];
		c->type = st_tree_node_type(c->node);
		c->body = st_tree_node_body(c->node);
		if (c->type == NULL)
			continue;
		if (!c->replay) {
			run_rules(c);
			lint_explain(c);
		}
		after(c);
	}
	if (!c->replay)
		c->rep->statements += s->nstmts;
	lint_strata_file_end(c);
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
/* Forgets what the run learnt: the tables it created, their columns, the rules' state. */
static void run_release(lint_ctx *c)
{
	lint_names_release(&c->created);
	lint_catalog_release(&c->catalog);
	lint_ops_release(&c->ops);
	lint_strata_release(c);
	end_tx(c);
}

static int lint_all(strata_lint_report *r, lint_file *files, size_t n, const strata_lint_options *opts,
	strata_error *err)
{
	static const strata_lint_options defaults = STRATA_LINT_OPTIONS_INIT;
	lint_ctx c;
	size_t i, from;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.opts = opts != NULL ? opts : &defaults;
	c.rep = r;
	c.err = err;
	for (i = 0; i < n && !c.failed && rc == 0; i++) {
		from = r->nfindings;
		/* Each input alone: nothing it creates is new for the next one. */
		if (c.opts->separate && i > 0)
			run_release(&c);
		rc = lint_ignores_find(&files[i], err);
		if (rc != 0)
			break;
		lint_one(&c, &files[i]);
		if (r->nfindings > from)
			qsort(r->findings + from, r->nfindings - from, sizeof(*r->findings), cmp_findings);
		if (!files[i].applied)
			r->files++;
	}
	run_release(&c);
	if (rc == 0 && c.failed)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	return rc;
}

static void files_release(lint_file *files, size_t n)
{
	size_t i;

	for (i = 0; files != NULL && i < n; i++) {
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

/* Reading and parsing the inputs: the costly part, spread over threads. */
typedef struct loader {
	const strata_lint_input *inputs;
	lint_file *files;
	strata_buf *texts;
	size_t n;
	size_t next;                      /* the next input to take (under lock) */
	pthread_mutex_t lock;
	int rc;                           /* the first failure, in input order */
	size_t failed_at;
	strata_error err;
} loader;

static int load_one(loader *l, size_t i, strata_error *err)
{
	const strata_lint_input *in = &l->inputs[i];
	lint_file *f = &l->files[i];
	int rc;

	if (in->text != NULL) {
		f->text = in->text;
		f->len = in->len;
	} else {
		rc = st_file_read(&l->texts[i], in->file != NULL ? in->file : in->path, LINT_FILE_MAX, err);
		if (rc != 0)
			return rc;
		f->text = l->texts[i].ptr != NULL ? l->texts[i].ptr : "";
		f->len = l->texts[i].len;
	}
	rc = st_sql_parse(&f->parsed, f->text, f->len, err);
	if (rc != 0)
		strata_error_prefix(err, "%s", f->path);
	return rc;
}

/* Keeps the failure of the earliest input: the one a sequential run would have met first. */
static void record_failure(loader *l, size_t i, int rc, const strata_error *err)
{
	pthread_mutex_lock(&l->lock);
	if (l->rc == 0 || i < l->failed_at) {
		l->rc = rc;
		l->failed_at = i;
		l->err = *err;
	}
	pthread_mutex_unlock(&l->lock);
}

/* Takes the next input to work on (under the lock); l->n when none is left. */
static size_t take(loader *l)
{
	size_t i;

	pthread_mutex_lock(&l->lock);
	i = l->next++;
	pthread_mutex_unlock(&l->lock);
	return i;
}

static void *load_worker(void *arg)
{
	loader *l = arg;

	for (;;) {
		strata_error err = STRATA_ERROR_INIT;
		size_t i;
		int rc;

		i = take(l);
		if (i >= l->n)
			return NULL;
		rc = load_one(l, i, &err);
		if (rc != 0)
			record_failure(l, i, rc, &err);
	}
}

/* Loads every input, on up to LINT_THREADS threads (one for a few files). */
#define LINT_THREADS 8
static int load_all(loader *l, strata_error *err)
{
	pthread_t threads[LINT_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus > 1 ? (size_t)cpus : 1, started = 0, i;

	if (want > LINT_THREADS)
		want = LINT_THREADS;
	if (want > l->n / 4 + 1)
		want = l->n / 4 + 1;
	pthread_mutex_init(&l->lock, NULL);
	for (i = 1; i < want; i++)
		if (pthread_create(&threads[started], NULL, load_worker, l) == 0)
			started++;
	load_worker(l);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&l->lock);
	if (l->rc != 0)
		*err = l->err;
	return l->rc;
}

/*
 * Each input a run of its own (options.separate): the whole lint of a file,
 * parse and rules, is independent of the others, so workers take files in
 * turn and lint each into a report of its own; the reports are then joined
 * in input order.
 */
typedef struct separate_job {
	loader *l;
	const strata_lint_options *opts;
	strata_lint_report *subs;         /* one per input */
} separate_job;

static void *separate_worker(void *arg)
{
	separate_job *j = arg;
	loader *l = j->l;

	for (;;) {
		strata_error err = STRATA_ERROR_INIT;
		size_t i;
		int rc;

		i = take(l);
		if (i >= l->n)
			return NULL;
		rc = load_one(l, i, &err);
		if (rc == 0)
			rc = lint_all(&j->subs[i], &l->files[i], 1, j->opts, &err);
		if (rc != 0)
			record_failure(l, i, rc, &err);
	}
}

static int join_reports(strata_lint_report *r, strata_lint_report *subs, size_t n, strata_error *err)
{
	size_t i, nf = 0, ne = 0;

	for (i = 0; i < n; i++) {
		nf += subs[i].nfindings;
		ne += subs[i].nexplained;
	}
	if (nf > 0 && (r->findings = st_malloc(nf * sizeof(*r->findings))) == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	if (ne > 0 && (r->explained = st_malloc(ne * sizeof(*r->explained))) == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	for (i = 0; i < n; i++) {
		strata_lint_report *s = &subs[i];

		if (s->nfindings > 0)
			memcpy(r->findings + r->nfindings, s->findings, s->nfindings * sizeof(*s->findings));
		if (s->nexplained > 0)
			memcpy(r->explained + r->nexplained, s->explained, s->nexplained * sizeof(*s->explained));
		r->nfindings += s->nfindings;
		r->nexplained += s->nexplained;
		r->errors += s->errors;
		r->warnings += s->warnings;
		r->files += s->files;
		r->statements += s->statements;
		r->suppressed += s->suppressed;
		r->baselined += s->baselined;
		/* The pieces moved: only the arrays remain to free. */
		st_free(s->findings);
		st_free(s->explained);
		memset(s, 0, sizeof(*s));
	}
	return 0;
}

/* Frees what sub-reports still own (after a failure: they were not joined). */
static void subs_free(strata_lint_report *subs, size_t n)
{
	size_t i;

	for (i = 0; subs != NULL && i < n; i++) {
		strata_lint_report *s = &subs[i];

		s->paths = NULL;
		if (s->findings != NULL || s->explained != NULL) {
			strata_lint_report *copy = st_malloc(sizeof(*copy));

			if (copy != NULL) {
				*copy = *s;
				strata_lint_report_free(copy);
			}
		}
	}
	st_free(subs);
}

static int run_separately(strata_lint_report *r, loader *l, const strata_lint_options *opts,
	strata_error *err)
{
	pthread_t threads[LINT_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus > 1 ? (size_t)cpus : 1, started = 0, i;
	separate_job j;
	int rc;

	j.l = l;
	j.opts = opts;
	j.subs = st_calloc(l->n + 1, sizeof(*j.subs));
	if (j.subs == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory linting");
	if (want > LINT_THREADS)
		want = LINT_THREADS;
	if (want > l->n)
		want = l->n;
	pthread_mutex_init(&l->lock, NULL);
	for (i = 1; i < want; i++)
		if (pthread_create(&threads[started], NULL, separate_worker, &j) == 0)
			started++;
	separate_worker(&j);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&l->lock);
	rc = l->rc;
	if (rc != 0)
		*err = l->err;
	else
		rc = join_reports(r, j.subs, l->n, err);
	subs_free(j.subs, l->n);
	return rc;
}

int strata_lint_run(strata_lint_report **out, const strata_lint_input *inputs, size_t n,
	const strata_lint_options *opts, strata_error *err)
{
	strata_buf *texts = NULL;
	lint_file *files = NULL;
	strata_lint_report *r = NULL;
	loader l;
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
	}
	if (rc == 0) {
		memset(&l, 0, sizeof(l));
		l.inputs = inputs;
		l.files = files;
		l.texts = texts;
		l.n = n;
		if (opts != NULL && opts->separate && n > 1)
			rc = run_separately(r, &l, opts, err);
		else if ((rc = load_all(&l, err)) == 0)
			rc = lint_all(r, files, n, opts, err);
	}
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
	lint_explained_free(r);
	for (i = 0; r->paths != NULL && r->paths[i] != NULL; i++)
		st_free(r->paths[i]);
	st_free(r->paths);
	st_free(r);
}
