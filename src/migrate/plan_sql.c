/*
 * plan_sql.c: the exact SQL sent for each step of a plan, ledger writes
 * included: a dry run prints this, a run sends it.
 *
 * A transactional step is one transaction:
 *   BEGIN; <file>; <ledger row and event>; COMMIT;
 * so that migration and ledger row commit together or not at all, and
 * consecutive steps can share one round trip. The session's lock and
 * statement timeouts are set once, in the plan's prologue; a step whose own
 * (a directive, its track) differ overrides them for its transaction only.
 * A statement-by-statement step is a list of units (round trips), each
 * recording its progress in the same transaction as its statements whenever
 * PostgreSQL allows, so that a failure resumes at the failed statement.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/migrate_int.h"

/* ---- small SQL builders ---- */

static void lit(strata_buf *b, strata_conn *c, const char *s)
{
	if (s == NULL) {
		strata_buf_puts(b, "NULL");
		return;
	}
	if (strata_conn_quote_literal(b, c, s, NULL) != 0)
		b->failed = 1;
}

static void ident_schema(strata_buf *b, const char *schema)
{
	st_ledger_ident(b, schema);
}


/* ---- what the parser says about the part ---- */

/* Statements whose tables get their rows counted before and after the migration. */
static int changes_rows(const char *node)
{
	static const char *const nodes[] = {
		"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt", "TruncateStmt",
		"AlterTableStmt", "DropStmt", "CreateTableAsStmt", "SelectStmt"
	};
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(nodes); i++)
		if (strcmp(node, nodes[i]) == 0)
			return 1;
	return 0;
}

/* At most this many tables are counted per migration. */
#define COUNT_MAX 32

/* "a.b" as "\"a\".\"b\"": the parser's name, exact for to_regclass. */
static char *quote_name(const char *name)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *p;

	strata_buf_putc(&b, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '.')
			strata_buf_puts(&b, "\".\"");
		else if (*p == '"')
			strata_buf_puts(&b, "\"\"");
		else
			strata_buf_putc(&b, *p);
	}
	strata_buf_putc(&b, '"');
	return strata_buf_detach(&b);
}

/* Whether an earlier statement of the part creates table (CREATE TABLE): it has no rows to count before. */
static int created_here(const strata_sql_script *script, size_t before, const char *table)
{
	size_t i, j;

	for (i = 0; i < before; i++) {
		const strata_sql_stmt *st = &script->stmts[i];

		if (st->node == NULL || strcmp(st->node, "CreateStmt") != 0)
			continue;
		for (j = 0; j < st->ntables; j++)
			if (strcmp(st->tables[j], table) == 0)
				return 1;
	}
	return 0;
}

/*
 * The tables that row-changing statements name. A second parse, asking for
 * tables, only for the parts that have such statements: most migrations
 * (CREATE TABLE, CREATE INDEX, CREATE VIEW) never pay for it.
 */
static int collect_counted(struct st_step_impl *impl, const strata_sql_part *part, strata_error *err)
{
	strata_sql_script *script = NULL;
	size_t i, j, k;
	int rc;

	rc = strata_sql_script_parse(&script, part->sql, part->len, STRATA_SQL_CLASSIFY | STRATA_SQL_TABLES,
		err);
	if (rc != 0)
		return rc;
	impl->count_names = st_calloc(COUNT_MAX, sizeof(char *));
	impl->count_quoted = st_calloc(COUNT_MAX, sizeof(char *));
	if (impl->count_names == NULL || impl->count_quoted == NULL)
		goto oom;
	for (i = 0; i < script->nstmts; i++) {
		const strata_sql_stmt *st = &script->stmts[i];

		if (st->node == NULL || !changes_rows(st->node))
			continue;
		for (j = 0; j < st->ntables && impl->ncount < COUNT_MAX; j++) {
			if (created_here(script, i, st->tables[j]))
				continue;
			for (k = 0; k < impl->ncount; k++)
				if (strcmp(impl->count_names[k], st->tables[j]) == 0)
					break;
			if (k < impl->ncount)
				continue;
			/* k == ncount: the next free slot. */
			impl->count_names[k] = st_strdup(st->tables[j]);
			impl->count_quoted[k] = quote_name(st->tables[j]);
			impl->ncount++;
			if (impl->count_names[k] == NULL || impl->count_quoted[k] == NULL)
				goto oom;
		}
	}
	/*
	 * When the part drops every counted table for good (a down dropping its
	 * tables), the counts after are known without asking: none of them exists.
	 */
	impl->all_gone = impl->ncount > 0;
	for (k = 0; k < impl->ncount && impl->all_gone; k++) {
		int gone = 0;

		for (i = 0; i < script->nstmts; i++)
			for (j = 0; j < script->stmts[i].ntables; j++)
				if (strcmp(script->stmts[i].tables[j], impl->count_names[k]) == 0)
					gone = script->stmts[i].node != NULL && strcmp(script->stmts[i].node, "DropStmt") == 0;
		impl->all_gone = gone;
	}
	strata_sql_script_free(script);
	return 0;
oom:
	strata_sql_script_free(script);
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

static void text_array(strata_buf *b, const st_plan_ctx *ctx, char *const *items, size_t n)
{
	size_t i;

	strata_buf_puts(b, "ARRAY[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strata_buf_puts(b, ", ");
		lit(b, ctx->conn, items[i]);
	}
	strata_buf_puts(b, "]::text[]");
}

/* <schema>.row_counts(ARRAY[...]): the counts of the part's tables, as jsonb. */
static void count_call(strata_buf *b, const st_plan_ctx *ctx, const struct st_step_impl *impl)
{
	ident_schema(b, ctx->schema);
	strata_buf_puts(b, ".row_counts(");
	text_array(b, ctx, impl->count_quoted, impl->ncount);
	strata_buf_putc(b, ')');
}

static int analyse(struct st_step_impl *impl, const strata_sql_part *part, strata_error *err)
{
	strata_sql_script *script = NULL;
	size_t i;
	int rc, counted = 0;

	rc = strata_sql_script_parse(&script, part->sql, part->len, STRATA_SQL_CLASSIFY, err);
	if (rc != 0)
		return rc;
	if (script->has_error) {
		rc = strata_error_set(err, STRATA_EINVAL, "'%s' line %d: syntax error: %s", part->path,
			part->first_line + script->error_line - 1, script->error_message);
		goto done;
	}
	impl->nstatements = (int)script->nstmts;
	impl->lines = st_calloc(script->nstmts + 2, sizeof(int));
	impl->dml = st_calloc(script->nstmts + 2, sizeof(int));
	if (impl->lines == NULL || impl->dml == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < script->nstmts; i++) {
		const char *node = script->stmts[i].node ? script->stmts[i].node : "";

		impl->lines[i + 1] = part->first_line + script->stmts[i].line - 1;
		impl->dml[i + 1] = strcmp(node, "InsertStmt") == 0 || strcmp(node, "UpdateStmt") == 0 ||
			strcmp(node, "DeleteStmt") == 0 || strcmp(node, "MergeStmt") == 0 ||
			strcmp(node, "CopyStmt") == 0;
		if (strcmp(node, "VariableSetStmt") == 0)
			impl->reset_after = 1;
		counted |= changes_rows(node);
	}
	if (counted)
		rc = collect_counted(impl, part, err);
done:
	strata_sql_script_free(script);
	return rc;
}

/* ---- transactional steps ---- */

/*
 * The lint findings accepted for this migration, as 'accept_risk' events
 * written with its history row: ", a AS (INSERT ...)" after the CTE h.
 */
static void accepted_events(strata_buf *b, const st_plan_ctx *ctx, const strata_plan_step *step)
{
	const strata_run_options *o = ctx->options;
	strata_conn *c = ctx->conn;
	size_t i, n = 0;

	for (i = 0; o != NULL && i < o->naccepted; i++) {
		const strata_accepted_risk *a = &o->accepted[i];

		if (strcmp(a->track, step->source->track->name) != 0 ||
			strcmp(a->version, step->migration->version) != 0)
			continue;
		if (n++ == 0) {
			strata_buf_puts(b, ", a AS (INSERT INTO ");
			ident_schema(b, ctx->schema);
			strata_buf_puts(b, ".events (track, version, name, kind, direction, actor_os, actor_ci,"
				" strata_version, message, detail) SELECT h.track, h.version, h.name, 'accept_risk', 'up', ");
			lit(b, c, ctx->os_user);
			strata_buf_puts(b, ", ");
			lit(b, c, ctx->ci);
			strata_buf_puts(b, ", ");
			lit(b, c, strata_version());
			strata_buf_puts(b, ", v.reason, jsonb_build_object('rule', v.rule, 'finding', v.finding,"
				" 'file', v.file, 'line', v.line, 'fingerprint', v.fingerprint) FROM h, (VALUES ");
		} else {
			strata_buf_puts(b, ", ");
		}
		strata_buf_putc(b, '(');
		lit(b, c, a->rule);
		strata_buf_puts(b, ", ");
		lit(b, c, a->reason);
		strata_buf_puts(b, ", ");
		lit(b, c, a->message);
		strata_buf_puts(b, ", ");
		lit(b, c, a->file);
		strata_buf_printf(b, ", %d, ", a->line);
		lit(b, c, a->fingerprint);
		strata_buf_putc(b, ')');
	}
	if (n > 0)
		strata_buf_puts(b, ") AS v (rule, reason, finding, file, line, fingerprint))\n");
}

/*
 * The ledger row (history insert or delete) and its event, in one
 * statement. from_progress: also remove the progress row and count the
 * duration from its start (a statement-by-statement run, resumed or not).
 */
static void ledger_write(strata_buf *b, const st_plan_ctx *ctx, const strata_plan_step *step,
	const char *execution, int from_progress)
{
	strata_conn *c = ctx->conn;
	const strata_source *src = step->source;
	const strata_migration *m = step->migration;
	strata_direction dir = step->direction;
	/*
	 * now() cannot time a migration: every transaction of one round trip
	 * (one query string) starts at the same now(). The step's first statement
	 * keeps the clock instead.
	 */
	const char *duration_sql = from_progress
		? "coalesce((SELECT extract(epoch FROM clock_timestamp() - started_at) * 1000 FROM p), 0)"
		: "(extract(epoch FROM clock_timestamp() - current_setting('strata.started')::timestamptz) * 1000)";
	strata_buf counts = STRATA_BUF_INIT;

	/* The row counts: before (saved when the migration started), and now. */
	if (step->impl->ncount == 0) {
		strata_buf_puts(&counts, "NULL::jsonb");
	} else {
		strata_buf_puts(&counts, "jsonb_build_object('tables', to_jsonb(");
		text_array(&counts, ctx, step->impl->count_names, step->impl->ncount);
		strata_buf_printf(&counts, "), 'before', %s, 'after', ", from_progress
			? "(SELECT rows_before FROM p)" : "current_setting('strata.rows_before')::jsonb");
		if (step->impl->all_gone) {
			size_t k;

			strata_buf_puts(&counts, "'[");
			for (k = 0; k < step->impl->ncount; k++)
				strata_buf_puts(&counts, k ? ", null" : "null");
			strata_buf_puts(&counts, "]'::jsonb");
		} else {
			count_call(&counts, ctx, step->impl);
		}
		strata_buf_putc(&counts, ')');
	}
	if (strata_buf_failed(&counts))
		b->failed = 1;
	if (from_progress) {
		strata_buf_puts(b, "WITH p AS (DELETE FROM ");
		ident_schema(b, ctx->schema);
		strata_buf_puts(b, ".progress WHERE track = ");
		lit(b, c, src->track->name);
		strata_buf_puts(b, " AND version = ");
		lit(b, c, m->version);
		strata_buf_puts(b, " RETURNING started_at, rows_before),\n");
	} else {
		strata_buf_puts(b, "WITH ");
	}
	if (dir == STRATA_UP) {
		strata_buf_puts(b, "h AS (INSERT INTO ");
		ident_schema(b, ctx->schema);
		strata_buf_puts(b, ".history (track, version, name, checksum, raw_checksum, down_checksum,"
			" applied_by_os, applied_by_ci, strata_version, duration_ms, lock_wait_ms, execution, row_counts,"
			" requires) VALUES (");
		lit(b, c, src->track->name);
		strata_buf_puts(b, ", ");
		lit(b, c, m->version);
		strata_buf_puts(b, ", ");
		lit(b, c, m->name);
		strata_buf_puts(b, ", ");
		lit(b, c, m->up.checksum);
		strata_buf_puts(b, ", ");
		lit(b, c, m->up.raw_checksum);
		strata_buf_puts(b, ", ");
		lit(b, c, m->down.path ? m->down.checksum : NULL);
		strata_buf_puts(b, ", ");
		lit(b, c, ctx->os_user);
		strata_buf_puts(b, ", ");
		lit(b, c, ctx->ci);
		strata_buf_puts(b, ", ");
		lit(b, c, strata_version());
		strata_buf_printf(b, ", %s, %.3f, ", duration_sql, ctx->lock_wait_ms);
		lit(b, c, execution);
		strata_buf_printf(b, ", %s, ", strata_buf_cstr(&counts));
		if (m->nrequires > 0)
			text_array(b, ctx, m->requires, m->nrequires);
		else
			strata_buf_puts(b, "NULL");
		strata_buf_puts(b, ") RETURNING track, version, name, duration_ms, row_counts)\n");
		accepted_events(b, ctx, step);
	} else {
		strata_buf_puts(b, "h AS (DELETE FROM ");
		ident_schema(b, ctx->schema);
		strata_buf_puts(b, ".history WHERE track = ");
		lit(b, c, src->track->name);
		strata_buf_puts(b, " AND version = ");
		lit(b, c, m->version);
		strata_buf_printf(b, " RETURNING track, version, name, %s AS duration_ms, %s AS row_counts)\n",
			duration_sql, strata_buf_cstr(&counts));
	}
	strata_buf_puts(b, "INSERT INTO ");
	ident_schema(b, ctx->schema);
	strata_buf_puts(b, ".events (track, version, name, kind, direction, actor_os, actor_ci,"
		" strata_version, duration_ms, detail) SELECT track, version, name, ");
	strata_buf_puts(b, dir == STRATA_UP ? "'apply', 'up', " : "'revert', 'down', ");
	lit(b, c, ctx->os_user);
	strata_buf_puts(b, ", ");
	lit(b, c, ctx->ci);
	strata_buf_puts(b, ", ");
	lit(b, c, strata_version());
	strata_buf_puts(b, ", duration_ms, CASE WHEN row_counts IS NULL THEN NULL"
		" ELSE jsonb_build_object('row_counts', row_counts) END FROM h"
		" RETURNING duration_ms, detail->'row_counts';\n");
	strata_buf_release(&counts);
}

/* The session settings of the plan's prologue again, in one statement (after a RESET ALL). */
static void restore_session(strata_buf *b, const st_plan_ctx *ctx)
{
	strata_buf_printf(b, "SELECT set_config('lock_timeout', '%lldms', false), "
		"set_config('statement_timeout', '%lldms', false)", (long long)ctx->session_lock_ms,
		(long long)ctx->session_statement_ms);
	if (!ctx->flush_each)
		strata_buf_puts(b, ", set_config('synchronous_commit', 'off', false)");
	if (ctx->conn_check)
		strata_buf_puts(b, ", set_config('client_connection_check_interval', '1s', false)");
	strata_buf_puts(b, ";\n");
}

static void append_part_sql(strata_buf *b, const strata_sql_part *part)
{
	strata_buf_printf(b, "-- %s\n", part->path);
	strata_buf_append(b, part->sql, part->len);
	/* On its own line: the file may end in a comment or lack its last ';'. */
	strata_buf_puts(b, "\n;\n");
}

static int build_transaction_step(strata_plan_step *step, const st_plan_ctx *ctx, strata_error *err)
{
	const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
		: &step->migration->down;
	struct st_step_impl *impl = step->impl;
	strata_buf b = STRATA_BUF_INIT;

	/* BEGIN, then one statement: the clock, the step's own timeouts, the row counts before. */
	impl->prologue = 2;
	impl->epilogue = 2;
	impl->ledger_at = 1;
	strata_buf_puts(&b, "BEGIN;\nSELECT set_config('strata.started', clock_timestamp()::text, true)");
	if (impl->lock_timeout_ms != ctx->session_lock_ms ||
		impl->statement_timeout_ms != ctx->session_statement_ms)
		strata_buf_printf(&b, ", set_config('lock_timeout', '%lldms', true), "
			"set_config('statement_timeout', '%lldms', true)",
			(long long)impl->lock_timeout_ms, (long long)impl->statement_timeout_ms);
	if (impl->ncount > 0) {
		strata_buf_puts(&b, ", set_config('strata.rows_before', ");
		count_call(&b, ctx, impl);
		strata_buf_puts(&b, "::text, true)");
	}
	strata_buf_puts(&b, ";\n");
	append_part_sql(&b, part);
	if (impl->reset_after) {
		/*
		 * The file may have left a SET [LOCAL] ROLE behind: the ledger is
		 * written as the role that runs the migration (RESET ALL, later,
		 * leaves the role alone).
		 */
		strata_buf_puts(&b, "RESET ROLE;\n");
		impl->epilogue++;
		impl->ledger_at = 2;
	}
	ledger_write(&b, ctx, step, "transaction", 0);
	strata_buf_puts(&b, "COMMIT;\n");
	if (impl->reset_after) {
		/* The migration changed session state: later ones start clean, with our settings. */
		strata_buf_puts(&b, "RESET ALL;\n");
		restore_session(&b, ctx);
		impl->epilogue += 2;
	}
	if (strata_buf_failed(&b)) {
		strata_buf_release(&b);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	step->sql = strata_buf_detach(&b);
	return step->sql ? 0 : strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

/* ---- statement-by-statement steps ---- */

static int unit_add(struct st_step_impl *impl, st_unit_kind kind, strata_buf *sql, int first, int last)
{
	st_unit *units = st_realloc(impl->units, (impl->nunits + 1) * sizeof(st_unit));

	if (units == NULL)
		return STRATA_ENOMEM;
	impl->units = units;
	memset(&units[impl->nunits], 0, sizeof(st_unit));
	units[impl->nunits].kind = kind;
	units[impl->nunits].first = first;
	units[impl->nunits].last = last;
	units[impl->nunits].sql = strata_buf_detach(sql);
	if (units[impl->nunits].sql == NULL)
		return STRATA_ENOMEM;
	impl->nunits++;
	return 0;
}

static void progress_update(strata_buf *b, const st_plan_ctx *ctx, const strata_plan_step *step,
	int done)
{
	strata_buf_puts(b, "UPDATE ");
	ident_schema(b, ctx->schema);
	strata_buf_printf(b, ".progress SET statements_done = %d, updated_at = now() WHERE track = ", done);
	lit(b, ctx->conn, step->source->track->name);
	strata_buf_puts(b, " AND version = ");
	lit(b, ctx->conn, step->migration->version);
	strata_buf_puts(b, ";\n");
}

/* Skips blanks and comments; returns the next token's start and sets its length. */
static const char *next_token(const char *p, const char *end, size_t *len)
{
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *close = p + 2;
			while (close + 1 < end && !(close[0] == '*' && close[1] == '/'))
				close++;
			p = close + 2 > end ? end : close + 2;
			continue;
		}
		break;
	}
	if (p >= end) {
		*len = 0;
		return p;
	}
	if (*p == '"') {
		const char *q = p + 1;
		while (q < end && !(*q == '"' && (q + 1 >= end || q[1] != '"')))
			q += *q == '"' ? 2 : 1;
		*len = (size_t)(q + 1 - p);
	} else {
		const char *q = p;
		while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '$' || *q == '.' ||
			(unsigned char)*q >= 0x80 || *q == '"')) {
			if (*q == '"') {
				q++;
				while (q < end && *q != '"')
					q++;
			}
			q++;
		}
		*len = q > p ? (size_t)(q - p) : 1;
	}
	return p;
}

static int token_is(const char *t, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(t, word, len) == 0;
}

/*
 * The index a CREATE INDEX CONCURRENTLY statement builds, schema-qualified
 * like its table, so that a resume can find an INVALID one left by a crash.
 * NULL when the statement does not name its index.
 */
static char *cic_index_name(const char *sql, size_t len)
{
	const char *end = sql + len, *t, *name = NULL, *rel = NULL;
	size_t tl, name_len = 0, rel_len = 0;
	strata_buf b = STRATA_BUF_INIT;
	const char *dot;

	t = next_token(sql, end, &tl);
	if (!token_is(t, tl, "CREATE"))
		return NULL;
	t = next_token(t + tl, end, &tl);
	if (token_is(t, tl, "UNIQUE"))
		t = next_token(t + tl, end, &tl);
	if (!token_is(t, tl, "INDEX"))
		return NULL;
	t = next_token(t + tl, end, &tl);
	if (!token_is(t, tl, "CONCURRENTLY"))
		return NULL;
	t = next_token(t + tl, end, &tl);
	if (token_is(t, tl, "IF")) {
		t = next_token(t + tl, end, &tl);   /* NOT */
		t = next_token(t + tl, end, &tl);   /* EXISTS */
		t = next_token(t + tl, end, &tl);
	}
	if (token_is(t, tl, "ON"))
		return NULL;   /* unnamed: PostgreSQL picks the name */
	name = t;
	name_len = tl;
	t = next_token(t + tl, end, &tl);
	if (!token_is(t, tl, "ON"))
		return NULL;
	t = next_token(t + tl, end, &tl);
	if (token_is(t, tl, "ONLY"))
		t = next_token(t + tl, end, &tl);
	rel = t;
	rel_len = tl;
	dot = NULL;
	if (rel[0] != '"') {
		dot = memchr(rel, '.', rel_len);
	} else {
		const char *q = rel + 1;
		while (q < rel + rel_len && *q != '"')
			q++;
		if (q + 1 < rel + rel_len && q[1] == '.')
			dot = q + 1;
	}
	if (dot != NULL)
		strata_buf_append(&b, rel, (size_t)(dot - rel) + 1);
	strata_buf_append(&b, name, name_len);
	return strata_buf_detach(&b);
}

static int build_statements_step(strata_plan_step *step, const st_plan_ctx *ctx, strata_error *err)
{
	const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
		: &step->migration->down;
	struct st_step_impl *impl = step->impl;
	strata_sql_script *script = NULL;
	strata_buf b = STRATA_BUF_INIT, shown = STRATA_BUF_INIT;
	const char *dirname = step->direction == STRATA_UP ? "up" : "down";
	size_t i, u;
	int rc, block_start = 0;

	rc = strata_sql_script_parse(&script, part->sql, part->len, STRATA_SQL_CLASSIFY, err);
	if (rc != 0)
		return rc;

	/* Setup: session timeouts, and the progress row (kept when resuming). */
	strata_buf_printf(&b, "SET lock_timeout = '%lldms';\nSET statement_timeout = '%lldms';\n",
		(long long)impl->lock_timeout_ms, (long long)impl->statement_timeout_ms);
	strata_buf_puts(&b, "INSERT INTO ");
	ident_schema(&b, ctx->schema);
	strata_buf_puts(&b, ".progress (track, version, direction, checksum, rows_before) VALUES (");
	lit(&b, ctx->conn, step->source->track->name);
	strata_buf_puts(&b, ", ");
	lit(&b, ctx->conn, step->migration->version);
	strata_buf_printf(&b, ", '%s', ", dirname);
	lit(&b, ctx->conn, part->checksum);
	strata_buf_puts(&b, ", ");
	if (impl->ncount > 0)
		count_call(&b, ctx, impl);
	else
		strata_buf_puts(&b, "NULL");
	strata_buf_puts(&b, ") ON CONFLICT (track, version) DO NOTHING;\n");
	if (unit_add(impl, ST_UNIT_SETUP, &b, 0, 0) != 0)
		goto oom;

	for (i = (size_t)step->resume_from; i < script->nstmts; i++) {
		const strata_sql_stmt *s = &script->stmts[i];
		int n = (int)i + 1;

		if (s->kind == STRATA_SQL_BEGIN) {
			block_start = n;
			strata_buf_clear(&b);
		}
		if (block_start != 0) {
			/* Inside the file's own transaction: progress is written before its COMMIT. */
			if (s->kind == STRATA_SQL_COMMIT)
				progress_update(&b, ctx, step, n);
			strata_buf_append(&b, part->sql + s->offset, s->length);
			strata_buf_puts(&b, ";\n");
			if (s->kind == STRATA_SQL_COMMIT || s->kind == STRATA_SQL_ROLLBACK) {
				if (unit_add(impl, ST_UNIT_STATEMENT, &b, block_start, n) != 0)
					goto oom;
				if (s->kind == STRATA_SQL_ROLLBACK) {
					progress_update(&b, ctx, step, n);
					if (unit_add(impl, ST_UNIT_PROGRESS, &b, 0, 0) != 0)
						goto oom;
				}
				block_start = 0;
			}
			continue;
		}
		strata_buf_clear(&b);
		if (s->flags & STRATA_SQL_NO_TX) {
			/* Alone: a multi-statement string is itself a transaction block. */
			strata_buf_append(&b, part->sql + s->offset, s->length);
			strata_buf_puts(&b, ";\n");
			if (unit_add(impl, ST_UNIT_NO_TX, &b, n, n) != 0)
				goto oom;
			impl->units[impl->nunits - 1].index_name = cic_index_name(part->sql + s->offset, s->length);
			progress_update(&b, ctx, step, n);
			if (unit_add(impl, ST_UNIT_PROGRESS, &b, 0, 0) != 0)
				goto oom;
		} else {
			strata_buf_puts(&b, "BEGIN;\n");
			strata_buf_append(&b, part->sql + s->offset, s->length);
			strata_buf_puts(&b, ";\n");
			progress_update(&b, ctx, step, n);
			strata_buf_puts(&b, "COMMIT;\n");
			if (unit_add(impl, ST_UNIT_STATEMENT, &b, n, n) != 0)
				goto oom;
		}
	}

	/* Final: the ledger row and event with the progress row gone, in one durable transaction. */
	strata_buf_clear(&b);
	strata_buf_puts(&b, "BEGIN;\nSET LOCAL synchronous_commit TO DEFAULT;\nRESET ROLE;\n");
	ledger_write(&b, ctx, step, "statements", 1);
	strata_buf_puts(&b, "COMMIT;\n");
	if (impl->reset_after)
		strata_buf_puts(&b, "RESET ALL;\n");
	restore_session(&b, ctx);
	if (unit_add(impl, ST_UNIT_FINAL, &b, 0, 0) != 0)
		goto oom;

	/* The text a dry run shows: every round trip, in order. */
	strata_buf_printf(&shown, "-- %s runs statement by statement (%s), journaled in ", part->path,
		part->mode_reason[0] ? part->mode_reason : "no transaction");
	ident_schema(&shown, ctx->schema);
	strata_buf_puts(&shown, ".progress\n");
	if (step->resume_from > 0)
		strata_buf_printf(&shown, "-- resuming after statement %d\n", step->resume_from);
	for (u = 0; u < impl->nunits; u++) {
		const st_unit *unit = &impl->units[u];

		if (unit->first > 0)
			strata_buf_printf(&shown, "-- statement%s %d%s (line %d)\n",
				unit->last > unit->first ? "s" : "", unit->first,
				unit->last > unit->first ? " and on" : "", impl->lines[unit->first]);
		if (unit->kind == ST_UNIT_NO_TX)
			strata_buf_puts(&shown, "-- (alone: cannot run in a transaction)\n");
		strata_buf_puts(&shown, unit->sql);
	}
	if (strata_buf_failed(&shown))
		goto oom;
	step->sql = strata_buf_detach(&shown);
	if (step->sql == NULL)
		goto oom;
	rc = 0;
	goto done;
oom:
	rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
done:
	strata_buf_release(&b);
	strata_buf_release(&shown);
	strata_sql_script_free(script);
	return rc;
}

int st_plan_step_sql(strata_plan_step *step, const st_plan_ctx *ctx, strata_error *err)
{
	const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
		: &step->migration->down;
	int rc = analyse(step->impl, part, err);

	if (rc == 0)
		rc = part->mode == STRATA_EXEC_TRANSACTION ? build_transaction_step(step, ctx, err)
			: build_statements_step(step, ctx, err);
	return rc;
}
