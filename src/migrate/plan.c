/*
 * plan.c: which migrations run, in which order, and the exact SQL sent for
 * each, ledger writes included: a dry run prints this, a run sends it.
 *
 * Order: up runs each track's pending migrations in version order, merged
 * across tracks so that every "-- strata:requires=track/version" comes
 * first; down reverts newest first and never a migration that an applied
 * one in another track requires.
 *
 * A transactional step is one transaction:
 *   BEGIN; <file>; <ledger row and event>; COMMIT;
 * so that migration and ledger row commit together or not at all, and
 * consecutive steps can share one round trip. The session's lock and
 * statement timeouts are set once, in the plan's prologue; a step whose own
 * (a directive, its track) differ overrides them for its transaction only. A statement-by-statement step
 * is a list of units (round trips), each recording its progress in the same
 * transaction as its statements whenever PostgreSQL allows, so that a
 * failure resumes at the failed statement.
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

static int64_t effective(int64_t option, int64_t file, int64_t track_or_project)
{
	if (option >= 0)
		return option;
	if (file >= 0)
		return file;
	return track_or_project;
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
	strata_buf_puts(&b, "BEGIN;\nSET LOCAL synchronous_commit TO DEFAULT;\n");
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

/* ---- choosing the steps ---- */

static int add_step(strata_plan *plan, size_t *cap, const strata_source *src,
	const strata_migration *m, strata_direction dir, const char *why, int resume_from, int resuming)
{
	strata_plan_step *s;

	if (plan->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		strata_plan_step *steps = st_realloc(plan->steps, ncap * sizeof(*steps));

		if (steps == NULL)
			return STRATA_ENOMEM;
		plan->steps = steps;
		*cap = ncap;
	}
	s = &plan->steps[plan->n];
	memset(s, 0, sizeof(*s));
	s->source = src;
	s->migration = m;
	s->direction = dir;
	s->resume_from = resume_from;
	s->why = st_strdup(why);
	s->impl = st_calloc(1, sizeof(struct st_step_impl));
	plan->n++;
	if (s->impl != NULL)
		s->impl->resuming = resuming;
	return s->why && s->impl ? 0 : STRATA_ENOMEM;
}

/* "track/version" or "version" (the only track); NULL track when unqualified. */
static void split_target(const char *to, char *track, size_t tsz, const char **version)
{
	const char *slash = strchr(to, '/');

	track[0] = '\0';
	*version = to;
	if (slash != NULL) {
		size_t n = (size_t)(slash - to) < tsz - 1 ? (size_t)(slash - to) : tsz - 1;
		memcpy(track, to, n);
		track[n] = '\0';
		*version = slash + 1;
	}
}

static const strata_status_entry *find_entry(const strata_status *st, const char *track,
	const char *version)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->entries[i].track, track) == 0 &&
			strata_version_compare(st->entries[i].version, version) == 0)
			return &st->entries[i];
	return NULL;
}

static int is_applied(const strata_status_entry *e)
{
	return e != NULL && (e->state == STRATA_MIG_APPLIED || e->state == STRATA_MIG_CHANGED ||
		e->state == STRATA_MIG_MISSING ||
		(e->state == STRATA_MIG_PARTIAL && e->applied != NULL));
}

/* Refuses to run while applied files changed or vanished, or pending ones are out of order. */
static int check_blockers(const strata_status *st, strata_direction dir, strata_error *err)
{
	strata_buf list = STRATA_BUF_INIT;
	size_t i, n = 0;
	int oo = 0;

	for (i = 0; i < st->n; i++) {
		const strata_status_entry *e = &st->entries[i];

		if (e->state == STRATA_MIG_CHANGED || e->state == STRATA_MIG_MISSING ||
			(dir == STRATA_UP && e->state == STRATA_MIG_OUT_OF_ORDER)) {
			if (n < 5)
				strata_buf_printf(&list, "%s%s/%s '%s' %s", n ? ", " : "", e->track, e->version,
					e->name, e->state == STRATA_MIG_CHANGED ? "changed since it was applied"
					: e->state == STRATA_MIG_MISSING ? "is applied but its file is gone"
					: "is older than the newest applied migration");
			oo |= e->state == STRATA_MIG_OUT_OF_ORDER;
			n++;
		}
	}
	if (n == 0) {
		strata_buf_release(&list);
		return 0;
	}
	strata_error_set(err, STRATA_EINVAL, "%zu migration%s block%s the run: %s%s", n, n == 1 ? "" : "s",
		n == 1 ? "s" : "", strata_buf_cstr(&list), n > 5 ? ", ..." : "");
	strata_error_hint(err, "%s", oo
		? "apply it anyway with --allow-out-of-order (or allow_out_of_order in strata.yaml); see 'strata migrate status'"
		: "restore the file, or accept an intentional edit with 'strata migrate repair --version V --reason ...'");
	strata_buf_release(&list);
	return STRATA_EINVAL;
}

typedef struct queue {
	const strata_source *src;
	const strata_status_entry **items;
	size_t n, head;
} queue;

/* Whether a track this run leaves out has version applied (its ledger rows were read for this). */
static int foreign_applied(const strata_ledger *foreign, const char *track, const char *version)
{
	size_t i;

	for (i = 0; foreign != NULL && i < foreign->napplied; i++)
		if (strcmp(foreign->applied[i].track, track) == 0 &&
			strata_version_compare(foreign->applied[i].version, version) == 0)
			return 1;
	return 0;
}

/* Up: pending (and half-done) migrations, merged across tracks by their requirements. */
static int plan_up(strata_plan *plan, size_t *cap, const st_plan_ctx *ctx,
	strata_source *const *sources, size_t nsources, const strata_status *st, strata_error *err)
{
	const strata_run_options *o = ctx->options;
	queue *queues = st_calloc(nsources + 1, sizeof(queue));
	char to_track[128];
	const char *to_version = NULL;
	size_t s, i, remaining = 0;
	int rc = 0;

	if (queues == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (o->to_version != NULL)
		split_target(o->to_version, to_track, sizeof(to_track), &to_version);
	for (s = 0; s < nsources; s++) {
		queues[s].src = sources[s];
		queues[s].items = st_calloc(st->n + 1, sizeof(*queues[s].items));
		if (queues[s].items == NULL) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < st->n; i++) {
			const strata_status_entry *e = &st->entries[i];

			if (strcmp(e->track, sources[s]->track->name) != 0)
				continue;
			if (e->state != STRATA_MIG_PENDING && !(e->state == STRATA_MIG_PARTIAL && e->applied == NULL))
				continue;
			if (to_version != NULL && (to_track[0] == '\0' || strcmp(to_track, e->track) == 0) &&
				strata_version_compare(e->version, to_version) > 0)
				continue;
			queues[s].items[queues[s].n++] = e;
		}
		remaining += queues[s].n;
	}
	while (remaining > 0) {
		int progressed = 0;

		for (s = 0; s < nsources && rc == 0; s++) {
			queue *q = &queues[s];

			while (q->head < q->n) {
				const strata_status_entry *e = q->items[q->head];
				const strata_migration *m = e->file;
				size_t r, blocked = 0;

				for (r = 0; r < m->nrequires && !blocked; r++) {
					char rtrack[128];
					const char *rversion;
					const strata_status_entry *dep;
					size_t k, t, found_track = 0;

					split_target(m->requires[r], rtrack, sizeof(rtrack), &rversion);
					dep = find_entry(st, rtrack, rversion);
					if (is_applied(dep))
						continue;
					/* Scheduled already in this plan? */
					for (k = 0; k < plan->n; k++)
						if (plan->steps[k].direction == STRATA_UP &&
							strcmp(plan->steps[k].source->track->name, rtrack) == 0 &&
							strata_version_compare(plan->steps[k].migration->version, rversion) == 0)
							break;
					if (k < plan->n)
						continue;
					for (t = 0; t < nsources; t++)
						found_track |= strcmp(sources[t]->track->name, rtrack) == 0;
					if (!found_track && foreign_applied(ctx->foreign, rtrack, rversion))
						continue;
					if (dep == NULL || !found_track) {
						rc = strata_error_set(err, STRATA_EINVAL,
							"%s/%s requires %s, which %s", e->track, e->version, m->requires[r],
							found_track ? "does not exist" : "is not applied (and its track is not part of this run)");
						if (!found_track)
							strata_error_hint(err, "run 'strata migrate up' for track '%s' first, or for all tracks",
								rtrack);
						goto done;
					}
					/* Pending, but is it part of this run? --to may leave it out. */
					{
						size_t qi, qk;
						int queued = 0;

						for (qi = 0; qi < nsources && !queued; qi++)
							for (qk = queues[qi].head; qk < queues[qi].n && !queued; qk++)
								queued = queues[qi].items[qk] == dep;
						if (!queued) {
							rc = strata_error_set(err, STRATA_EINVAL,
								"%s/%s requires %s, which --to %s leaves out", e->track, e->version,
								m->requires[r], o->to_version ? o->to_version : "");
							strata_error_hint(err, "run up to %s first, or choose a later --to", m->requires[r]);
							goto done;
						}
					}
					blocked = 1;
				}
				if (blocked)
					break;
				if (e->progress != NULL && strcmp(e->progress->checksum, m->up.checksum) != 0) {
					rc = strata_error_set(err, STRATA_EINVAL,
						"%s/%s '%s' stopped after statement %d, and its file changed since",
						e->track, e->version, e->name, e->statements_done);
					strata_error_hint(err,
						"if its first %d statements are unchanged, accept the edit with 'strata migrate repair --version %s --reason ...' and run up again",
						e->statements_done, e->version);
					goto done;
				}
				if (o->steps > 0 && plan->n >= (size_t)o->steps) {
					remaining = 0;
					break;
				}
				rc = add_step(plan, cap, q->src, m, STRATA_UP,
					e->state == STRATA_MIG_PARTIAL ? "resumes where it stopped" : "pending",
					e->state == STRATA_MIG_PARTIAL ? e->statements_done : 0,
					e->state == STRATA_MIG_PARTIAL);
				if (rc != 0) {
					rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
					goto done;
				}
				q->head++;
				remaining--;
				progressed = 1;
			}
		}
		if (remaining > 0 && !progressed) {
			rc = strata_error_set(err, STRATA_EINVAL,
				"the requirements between tracks form a cycle; check the -- strata:requires directives");
			goto done;
		}
		if (o->steps > 0 && plan->n >= (size_t)o->steps)
			break;
	}
done:
	for (s = 0; s < nsources; s++)
		st_free(queues[s].items);
	st_free(queues);
	return rc;
}

/* Down: newest first, per the --to/--steps limits; never what another applied migration requires. */
static int plan_down(strata_plan *plan, size_t *cap, const st_plan_ctx *ctx,
	strata_source *const *sources, size_t nsources, const strata_status *st, strata_error *err)
{
	const strata_run_options *o = ctx->options;
	char to_track[128];
	const char *to_version = NULL;
	size_t s, i, limit;
	long k;

	if (o->to_version != NULL)
		split_target(o->to_version, to_track, sizeof(to_track), &to_version);
	if (nsources != 1)
		return strata_error_set(err, STRATA_EINVAL,
			"down works on one track at a time: choose it with --track (this project has %zu)",
			nsources);
	limit = o->steps > 0 ? (size_t)o->steps : to_version != NULL ? (size_t)-1 : 1;
	for (s = 0; s < nsources; s++) {
		const char *track = sources[s]->track->name;

		for (k = (long)st->n - 1; k >= 0 && plan->n < limit; k--) {
			const strata_status_entry *e = &st->entries[k];
			const strata_migration *m = e->file;

			if (strcmp(e->track, track) != 0)
				continue;
			if (e->state == STRATA_MIG_PARTIAL && e->applied == NULL) {
				/* An up stopped half-way: reverting what lies under it would break it. */
				strata_error_set(err, STRATA_EINVAL,
					"cannot revert in track '%s': %s '%s' is partly applied (stopped after statement %d)",
					track, e->version, e->name, e->statements_done);
				strata_error_hint(err, "finish it first with 'strata migrate up' (it resumes where it stopped)");
				return STRATA_EINVAL;
			}
			if (!is_applied(e))
				continue;
			if (to_version != NULL && strata_version_compare(e->version, to_version) <= 0)
				break;
			if (m == NULL || m->down.path == NULL)
				return strata_error_set(err, STRATA_EINVAL, "cannot revert %s/%s '%s': it has no down migration",
					track, e->version, e->name);
			if (e->progress != NULL && strcmp(e->progress->checksum, m->down.checksum) != 0)
				return strata_error_set(err, STRATA_EINVAL,
					"%s/%s '%s': its revert stopped after statement %d, and the down file changed since",
					track, e->version, e->name, e->statements_done);
			if (e->applied->down_checksum[0] == '\0' ||
				strcmp(e->applied->down_checksum, m->down.checksum) != 0) {
				strata_error_set(err, STRATA_EINVAL,
					"cannot revert %s/%s '%s': its down file %s since the migration was applied",
					track, e->version, e->name,
					e->applied->down_checksum[0] == '\0' ? "did not exist" : "changed");
				strata_error_hint(err, "review it, then accept it with 'strata migrate repair --version %s --reason ...'",
					e->version);
				return STRATA_EINVAL;
			}
			/* Another track's applied migration may require this one. */
			for (i = 0; i < st->n; i++) {
				const strata_status_entry *other = &st->entries[i];
				size_t r;

				if (other->file == NULL || !is_applied(other) || strcmp(other->track, track) == 0)
					continue;
				for (r = 0; r < other->file->nrequires; r++) {
					char rt[128];
					const char *rv;

					split_target(other->file->requires[r], rt, sizeof(rt), &rv);
					if (strcmp(rt, track) == 0 && strata_version_compare(rv, e->version) == 0)
						return strata_error_set(err, STRATA_EINVAL,
							"cannot revert %s/%s: %s/%s requires it and is applied; revert that first",
							track, e->version, other->track, other->version);
				}
			}
			if (add_step(plan, cap, sources[s], m, STRATA_DOWN,
				e->state == STRATA_MIG_PARTIAL ? "resumes the revert where it stopped"
				: o->to_version ? "newer than --to" : "requested",
				e->state == STRATA_MIG_PARTIAL ? e->statements_done : 0,
				e->state == STRATA_MIG_PARTIAL) != 0)
				return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
	}
	if (to_version != NULL && find_entry(st, sources[0]->track->name, to_version) == NULL)
		return strata_error_set(err, STRATA_EINVAL, "track '%s' has no migration %s",
			sources[0]->track->name, to_version);
	return 0;
}

void strata_plan_free(strata_plan *plan)
{
	size_t i, u;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->n; i++) {
		strata_plan_step *s = &plan->steps[i];

		st_free(s->why);
		st_free(s->sql);
		if (s->impl != NULL) {
			for (u = 0; u < s->impl->nunits; u++) {
				st_free(s->impl->units[u].sql);
				st_free(s->impl->units[u].index_name);
			}
			st_free(s->impl->units);
			st_free(s->impl->lines);
			st_free(s->impl->dml);
			for (u = 0; u < s->impl->ncount; u++) {
				st_free(s->impl->count_names[u]);
				st_free(s->impl->count_quoted[u]);
			}
			st_free(s->impl->count_names);
			st_free(s->impl->count_quoted);
			st_free(s->impl);
		}
	}
	st_free(plan->steps);
	st_free(plan->prologue);
	st_free(plan->epilogue);
	st_free(plan);
}

int st_plan_build(strata_plan **out, const st_plan_ctx *ctx, strata_source *const *sources,
	size_t nsources, const strata_status *status, strata_error *err)
{
	const strata_run_options *o = ctx->options;
	strata_plan *plan = st_calloc(1, sizeof(*plan));
	size_t cap = 0, i;
	int rc;

	*out = NULL;
	if (plan == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	rc = check_blockers(status, o->direction, err);
	if (rc == 0)
		rc = o->direction == STRATA_UP ? plan_up(plan, &cap, ctx, sources, nsources, status, err)
			: plan_down(plan, &cap, ctx, sources, nsources, status, err);
	/* Only which steps (a look before the lock): no SQL read, parsed or built. */
	for (i = 0; rc == 0 && !ctx->choose_only && i < plan->n; i++) {
		strata_plan_step *step = &plan->steps[i];
		const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
			: &step->migration->down;
		const strata_track_config *track = step->source->track;

		step->impl->lock_timeout_ms = effective(o->lock_timeout_ms, part->lock_timeout_ms,
			strata_track_lock_timeout_ms(ctx->config, track));
		step->impl->statement_timeout_ms = effective(o->statement_timeout_ms,
			part->statement_timeout_ms, strata_track_statement_timeout_ms(ctx->config, track));
		rc = st_part_load_text(step->source, (strata_sql_part *)part, step->direction == STRATA_DOWN, err);
		if (rc == 0)
			rc = analyse(step->impl, part, err);
		if (rc == 0)
			rc = part->mode == STRATA_EXEC_TRANSACTION ? build_transaction_step(step, ctx, err)
				: build_statements_step(step, ctx, err);
	}
	if (rc == 0) {
		strata_buf pro = STRATA_BUF_INIT, epi = STRATA_BUF_INIT;

		strata_buf_printf(&pro, "SET lock_timeout = '%lldms';\nSET statement_timeout = '%lldms';\n",
			(long long)ctx->session_lock_ms, (long long)ctx->session_statement_ms);
		if (!ctx->flush_each)
			strata_buf_puts(&pro, "-- each migration commits without waiting for its WAL flush;\n"
				"-- every round trip of migrations ends with one commit that waits:\n"
				"SET synchronous_commit = off;\n");
		if (ctx->conn_check)
			strata_buf_puts(&pro, "-- should strata die, the server stops its statement within a second\n"
				"-- (and the migration lock goes with the session):\n"
				"SET client_connection_check_interval = '1s';\n");
		strata_buf_puts(&epi, "RESET lock_timeout;\nRESET statement_timeout;\nRESET synchronous_commit;\n");
		if (ctx->conn_check)
			strata_buf_puts(&epi, "RESET client_connection_check_interval;\n");
		plan->prologue = strata_buf_detach(&pro);
		plan->epilogue = strata_buf_detach(&epi);
		if (plan->prologue == NULL || plan->epilogue == NULL)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (rc != 0) {
		strata_plan_free(plan);
		return rc;
	}
	*out = plan;
	return 0;
}
