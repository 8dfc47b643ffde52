/*
 * run_steps.c: executing a plan. Consecutive transactional steps go to the
 * server in one round trip (each its own transaction; the server stops at
 * the first error, so nothing after a failure runs); a lock timeout (55P03)
 * is retried from the failed step with jittered backoff; statement-by-
 * statement steps run unit by unit and resume where they stopped. Every
 * failure is recorded in the ledger's events.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/run_int.h"

/* ---- recording failures ---- */

static void record_failure(run_state *rs, const strata_plan_step *step, const strata_error *cause,
	int statement)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_error ignored = STRATA_ERROR_INIT;
	char idx[16];
	const char *params[7];

	if (strata_conn_is_bad(rs->c))
		return;
	if (strata_tx_status(rs->c) != STRATA_TX_IDLE)
		strata_conn_exec(rs->c, "ROLLBACK", &ignored);
	st_snprintf(idx, sizeof(idx), "%d", statement);
	params[0] = step->source->track->name;
	params[1] = step->migration->version;
	params[2] = step->migration->name;
	params[3] = step->direction == STRATA_UP ? "up" : "down";
	params[4] = cause->sqlstate[0] ? cause->sqlstate : NULL;
	params[5] = cause->message;
	params[6] = statement > 0 ? idx : NULL;
	strata_buf_puts(&sql, "INSERT INTO ");
	st_ledger_ident(&sql, rs->schema);
	strata_buf_puts(&sql, ".events (track, version, name, kind, direction, actor_os, actor_ci,"
		" strata_version, sqlstate, message, statement_index) VALUES ($1, $2, $3, 'failure', $4, ");
	{
		strata_buf tail = STRATA_BUF_INIT;

		strata_conn_quote_literal(&tail, rs->c, st_actor_os_user(), &ignored);
		strata_buf_puts(&tail, ", ");
		if (st_actor_ci() != NULL)
			strata_conn_quote_literal(&tail, rs->c, st_actor_ci(), &ignored);
		else
			strata_buf_puts(&tail, "NULL");
		strata_buf_puts(&tail, ", ");
		strata_conn_quote_literal(&tail, rs->c, strata_version(), &ignored);
		strata_buf_puts(&sql, strata_buf_cstr(&tail));
		strata_buf_release(&tail);
	}
	strata_buf_puts(&sql, ", $5, $6, $7::int)");
	/* Durable, like every record of what happened (the session may commit asynchronously). */
	if (!strata_buf_failed(&sql) && strata_conn_exec(rs->c, "BEGIN; SET LOCAL synchronous_commit TO DEFAULT",
		&ignored) == 0) {
		strata_conn_execp(rs->c, strata_buf_cstr(&sql), 7, params, &ignored);
		strata_conn_exec(rs->c, strata_tx_status(rs->c) == STRATA_TX_ACTIVE ? "COMMIT" : "ROLLBACK",
			&ignored);
	}
	strata_buf_release(&sql);
}

static void emit_error(run_state *rs, const strata_plan_step *step, const strata_error *e,
	int statement)
{
	strata_migrate_event ev;
	const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
		: &step->migration->down;

	st_run_event_for(&ev, STRATA_EV_ERROR, step);
	ev.duration_ms = st_ns_to_ms(st_now_ns() - rs->current_start);
	ev.statement = statement;
	ev.message = e->message;
	ev.sqlstate = e->sqlstate;
	ev.file = part->path;
	ev.line = statement > 0 && statement <= step->impl->nstatements ? step->impl->lines[statement] : 0;
	st_run_emit(rs, &ev);
}

/* Waits before retry number attempt (2 = first retry); 0 to retry, else give up. */
static int backoff(run_state *rs, const strata_plan_step *step, int attempt, int max_attempts,
	const strata_error *cause)
{
	strata_retry_policy policy = STRATA_RETRY_POLICY_INIT;
	strata_migrate_event ev;
	uint32_t rnd = (uint32_t)(st_now_ns() ^ (int64_t)getpid());
	int delay, waited;

	if (strcmp(cause->sqlstate, "55P03") != 0 || attempt > max_attempts || st_migrate_interrupted())
		return -1;
	policy.base_delay_ms = 200;
	policy.max_delay_ms = 10000;
	delay = strata_retry_delay_ms(&policy, attempt, rnd);
	st_run_event_for(&ev, STRATA_EV_RETRY, step);
	ev.attempt = attempt;
	ev.max_attempts = max_attempts;
	ev.delay_ms = delay;
	ev.message = cause->message;
	ev.sqlstate = cause->sqlstate;
	st_run_emit(rs, &ev);
	for (waited = 0; waited < delay && !st_migrate_interrupted(); waited += 50)
		st_sleep_ms(delay - waited < 50 ? delay - waited : 50);
	return st_migrate_interrupted() ? -1 : 0;
}

/* ---- transactional steps, batched ---- */

typedef struct batch_ctx {
	run_state *rs;
	strata_plan *plan;
	size_t first, last;      /* steps in this batch */
	int *offsets;            /* statement offset of each step within the batch */
	size_t at;               /* the step whose statements arrive now */
	double step_duration;
	int64_t sent_ns;         /* when the round trip was sent */
	int warned;              /* the long-running warning was given for it */
} batch_ctx;

static int batch_item(const strata_batch_item *item, void *ud)
{
	batch_ctx *b = ud;
	run_state *rs = b->rs;

	while (b->at + 1 <= b->last && item->index >= b->offsets[b->at + 1 - b->first])
		b->at++;
	{
		const strata_plan_step *step = &b->plan->steps[b->at];
		int rel = item->index - b->offsets[b->at - b->first];
		int n = step->impl->nstatements, file_stmt = rel - step->impl->prologue + 1;
		strata_migrate_event ev;

		if (rel == 0) {
			rs->current = step;
			rs->current_start = st_now_ns();
			rs->warned = 0;
			rs->rows = 0;
			rs->ncounts = 0;
			st_run_event_for(&ev, STRATA_EV_START, step);
			st_run_emit(rs, &ev);
		} else if (file_stmt >= 1 && file_stmt <= n) {
			if (step->impl->dml[file_stmt])
				rs->rows += item->rows;
		} else if (file_stmt == n + step->impl->ledger_at) {
			const char *d = strata_result_value(item->result, 0, 0);
			b->step_duration = d ? strtod(d, NULL) : 0;
			st_run_read_counts(rs, step, strata_result_value(item->result, 0, 1));
		} else if (file_stmt == n + step->impl->ledger_at + 1) {
			st_run_event_for(&ev, STRATA_EV_DONE, step);
			ev.duration_ms = b->step_duration;
			ev.rows_changed = rs->rows;
			ev.row_counts = rs->counts;
			ev.nrow_counts = rs->ncounts;
			st_run_emit(rs, &ev);
			rs->result->applied++;
			rs->current = NULL;
		}
	}
	return 0;
}

/*
 * The server sends a round trip's results when all of it is done, so while
 * it runs, which of its migrations is running is not known: the warning
 * names the round trip's first and last.
 */
static void batch_tick(int64_t waited_ms, void *ud)
{
	batch_ctx *b = ud;
	run_state *rs = b->rs;
	const strata_plan_step *first = &b->plan->steps[b->first], *last = &b->plan->steps[b->last];
	strata_migrate_event ev;
	char msg[512];
	int64_t ran = (st_now_ns() - b->sent_ns) / 1000000;

	ST_UNUSED(waited_ms);
	if (b->warned || rs->long_running_ms <= 0 || ran < rs->long_running_ms)
		return;
	b->warned = 1;
	st_run_event_for(&ev, STRATA_EV_WARNING, first);
	if (b->first == b->last)
		st_snprintf(msg, sizeof(msg), "%s/%s '%s' is still running after %lld s (long_running is %lld s)",
			first->source->track->name, first->migration->version, first->migration->name,
			(long long)(ran / 1000), (long long)(rs->long_running_ms / 1000));
	else
		st_snprintf(msg, sizeof(msg), "migrations %s/%s to %s/%s (one round trip) are still running after "
			"%lld s (long_running is %lld s)", first->source->track->name, first->migration->version,
			last->source->track->name, last->migration->version, (long long)(ran / 1000),
			(long long)(rs->long_running_ms / 1000));
	ev.message = msg;
	st_run_emit(rs, &ev);
}

static int statements_in(const strata_plan_step *step)
{
	return step->impl->prologue + step->impl->nstatements + step->impl->epilogue;
}

/* Runs steps[first..last] (all transactional) as one batch, retrying lock timeouts. */
static int run_batch(run_state *rs, strata_plan *plan, size_t first, size_t last, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	batch_ctx b;
	strata_batch_hooks hooks;
	int attempt = 1, rc = 0;
	int max_attempts = (rs->o->lock_retries >= 0 ? rs->o->lock_retries : rs->config->lock_retries) + 1;

	memset(&b, 0, sizeof(b));
	b.rs = rs;
	b.plan = plan;
	b.offsets = st_calloc(last - first + 2, sizeof(int));
	if (b.offsets == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = batch_item;
	hooks.should_cancel = st_run_should_cancel;
	hooks.on_tick = batch_tick;
	hooks.ud = &b;
	while (first <= last) {
		size_t i;
		int failed = -1, off = 0;

		strata_buf_clear(&sql);
		for (i = first; i <= last; i++) {
			b.offsets[i - first] = off;
			off += statements_in(&plan->steps[i]);
			strata_buf_puts(&sql, plan->steps[i].sql);
		}
		b.offsets[last - first + 1] = off;
		if (strata_buf_failed(&sql)) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			break;
		}
		b.first = first;
		b.last = last;
		b.at = first;
		rs->current = NULL;
		b.sent_ns = st_now_ns();
		b.warned = 0;
		rc = strata_conn_exec_batch(rs->c, strata_buf_cstr(&sql), &hooks, &failed, err);
		if (rc == 0)
			break;
		{
			/* Which step failed, and which of its statements. */
			size_t at = first;
			const strata_plan_step *step;
			int rel, stmt;

			while (at < last && failed >= b.offsets[at + 1 - first])
				at++;
			step = &plan->steps[at];
			rel = failed - b.offsets[at - first];
			stmt = rel - step->impl->prologue + 1;
			if (stmt < 1 || stmt > step->impl->nstatements)
				stmt = 0;
			if (rs->current != step) {
				rs->current_start = st_now_ns();
			}
			if (st_migrate_interrupted()) {
				strata_error_set(err, STRATA_ETIMEOUT, "interrupted: %s/%s '%s' was cancelled and rolled back",
					step->source->track->name, step->migration->version, step->migration->name);
				strata_error_sqlstate(err, "57014");
			}
			record_failure(rs, step, err, stmt);
			if (backoff(rs, step, ++attempt, max_attempts, err) == 0) {
				first = at;   /* the steps before it committed */
				continue;
			}
			emit_error(rs, step, err, stmt);
			if (stmt > 0) {
				const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
					: &step->migration->down;
				strata_error_prefix(err, "%s line %d", part->path, step->impl->lines[stmt]);
			}
			rs->result->failed = 1;
			break;
		}
	}
	st_free(b.offsets);
	strata_buf_release(&sql);
	if (!rs->o->flush_each && !strata_conn_is_bad(rs->c)) {
		/* Durable before anything is reported as done. */
		strata_error ferr = STRATA_ERROR_INIT;

		if (strata_tx_status(rs->c) != STRATA_TX_IDLE)
			strata_conn_exec(rs->c, "ROLLBACK", &ferr);
		if (strata_conn_exec(rs->c, ST_FLUSH_SQL, &ferr) != 0 && rc == 0) {
			*err = ferr;
			rc = ferr.code;
		}
	}
	return rc;
}

/* ---- statement-by-statement steps ---- */

/* On resume: an index that a crashed CREATE INDEX CONCURRENTLY left INVALID is dropped first. */
static int repair_index(run_state *rs, const st_unit *unit, int *skip, strata_error *err)
{
	const char *params[1] = { unit->index_name };
	char *valid = NULL;
	int rc;

	*skip = 0;
	rc = strata_conn_query_value(&valid, rs->c,
		"SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)", 1, params, err);
	if (rc == STRATA_ENOTFOUND) {
		strata_error_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (valid != NULL && valid[0] == 't') {
		*skip = 1;   /* it completed; only the journal missed it */
	} else {
		strata_buf sql = STRATA_BUF_INIT;
		strata_migrate_event ev;
		char msg[300];

		st_snprintf(msg, sizeof(msg), "index %s is INVALID after an interrupted CREATE INDEX CONCURRENTLY: dropping and rebuilding it",
			unit->index_name);
		st_run_event_for(&ev, STRATA_EV_WARNING, rs->current);
		ev.message = msg;
		st_run_emit(rs, &ev);
		strata_buf_printf(&sql, "DROP INDEX CONCURRENTLY IF EXISTS %s", unit->index_name);
		rc = strata_buf_failed(&sql) ? STRATA_ENOMEM : strata_conn_exec(rs->c, strata_buf_cstr(&sql), err);
		strata_buf_release(&sql);
	}
	strata_free(valid);
	return rc;
}

/*
 * Results of a unit that belong to the file (not to strata's journal): a
 * lone statement is result 0; a wrapped one result 1 (after BEGIN); a
 * transaction block of the file has its statements before the journal
 * update that precedes its COMMIT.
 */
static int file_result(const st_unit *u, int index)
{
	if (u == NULL || u->first == 0)
		return 0;
	if (u->kind == ST_UNIT_NO_TX)
		return index == 0;
	if (u->first == u->last)
		return index == 1;
	return index < u->last - u->first;
}

static int unit_item(const strata_batch_item *item, void *ud)
{
	run_state *rs = ud;

	/* The final unit: BEGIN, SET LOCAL, RESET ROLE, then the ledger write returning duration and counts. */
	if (rs->unit != NULL && rs->unit->kind == ST_UNIT_FINAL && item->index == 3 &&
		item->result != NULL && strata_result_ncols(item->result) == 2 &&
		strata_result_nrows(item->result) == 1)
		st_run_read_counts(rs, rs->current, strata_result_value(item->result, 0, 1));
	if (!file_result(rs->unit, item->index))
		return 0;
	if (item->tag != NULL && (strncmp(item->tag, "INSERT", 6) == 0 || strncmp(item->tag, "UPDATE", 6) == 0 ||
		strncmp(item->tag, "DELETE", 6) == 0 || strncmp(item->tag, "MERGE", 5) == 0 ||
		strncmp(item->tag, "COPY", 4) == 0))
		rs->rows += item->rows;
	return 0;
}

static int run_statements_step(run_state *rs, const strata_plan_step *step, strata_error *err)
{
	struct st_step_impl *impl = step->impl;
	strata_batch_hooks hooks;
	strata_migrate_event ev;
	int max_attempts = (rs->o->lock_retries >= 0 ? rs->o->lock_retries : rs->config->lock_retries) + 1;
	size_t u;
	int rc = 0;

	rs->current = step;
	rs->current_start = st_now_ns();
	rs->warned = 0;
	rs->rows = 0;
	rs->ncounts = 0;
	st_run_event_for(&ev, STRATA_EV_START, step);
	st_run_emit(rs, &ev);
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = unit_item;
	hooks.should_cancel = st_run_should_cancel;
	hooks.on_tick = st_run_on_tick;
	hooks.ud = rs;
	for (u = 0; u < impl->nunits; u++) {
		const st_unit *unit = &impl->units[u];
		int attempt = 1, skip = 0, failed = -1;
		long long rows_before = rs->rows;

		/* Not resume_from > 0: a build that failed as the file's first statement resumes from 0. */
		if (unit->kind == ST_UNIT_NO_TX && unit->index_name != NULL && (int)unit->first ==
			step->resume_from + 1 && impl->resuming) {
			rc = repair_index(rs, unit, &skip, err);
			if (rc != 0)
				break;
			if (skip)
				continue;
		}
		rs->unit = unit;
		for (;;) {
			rc = strata_conn_exec_batch(rs->c, unit->sql, &hooks, &failed, err);
			if (rc == 0)
				break;
			if (strata_tx_status(rs->c) != STRATA_TX_IDLE) {
				strata_error ignored = STRATA_ERROR_INIT;
				strata_conn_exec(rs->c, "ROLLBACK", &ignored);
			}
			if (backoff(rs, step, ++attempt, max_attempts, err) != 0)
				break;
			rs->rows = rows_before;
		}
		if (rc != 0) {
			int stmt = unit->first;

			if (unit->last > unit->first && failed >= 0) {
				/* A transaction block of the file: its BEGIN is the unit's first statement. */
				stmt = unit->first + failed;
				if (stmt > unit->last)
					stmt = unit->last;
			}
			if (st_migrate_interrupted()) {
				strata_error_set(err, STRATA_ETIMEOUT,
					"interrupted: %s/%s '%s' stopped at statement %d; 'strata migrate up' resumes it",
					step->source->track->name, step->migration->version, step->migration->name, stmt);
				strata_error_sqlstate(err, "57014");
			}
			record_failure(rs, step, err, stmt);
			emit_error(rs, step, err, stmt);
			if (stmt > 0) {
				const strata_sql_part *part = step->direction == STRATA_UP ? &step->migration->up
					: &step->migration->down;
				strata_error_prefix(err, "%s line %d", part->path, impl->lines[stmt]);
				strata_error_hint(err, "statements before it are done and journaled; fix the cause and run 'strata migrate %s' to resume",
					step->direction == STRATA_UP ? "up" : "down");
			}
			/* Leave the session clean for what comes next. */
			{
				strata_error ignored = STRATA_ERROR_INIT;
				strata_conn_exec(rs->c, "RESET lock_timeout; RESET statement_timeout", &ignored);
			}
			rs->result->failed = 1;
			break;
		}
		if (unit->kind == ST_UNIT_STATEMENT || unit->kind == ST_UNIT_NO_TX) {
			st_run_event_for(&ev, STRATA_EV_STATEMENT, step);
			ev.statement = unit->last;
			st_run_emit(rs, &ev);
		}
	}
	if (rc == 0) {
		st_run_event_for(&ev, STRATA_EV_DONE, step);
		ev.duration_ms = st_ns_to_ms(st_now_ns() - rs->current_start);
		ev.rows_changed = rs->rows;
		ev.row_counts = rs->counts;
		ev.nrow_counts = rs->ncounts;
		st_run_emit(rs, &ev);
		rs->result->applied++;
	}
	rs->current = NULL;
	return rc;
}

int st_run_execute(run_state *rs, strata_plan *plan, strata_error *err)
{
	size_t i = 0;
	int rc = 0;

	while (i < plan->n && rc == 0) {
		const strata_sql_part *part = plan->steps[i].direction == STRATA_UP
			? &plan->steps[i].migration->up : &plan->steps[i].migration->down;

		if (st_migrate_interrupted()) {
			rc = strata_error_set(err, STRATA_ETIMEOUT, "interrupted before %s/%s",
				plan->steps[i].source->track->name, plan->steps[i].migration->version);
			strata_error_sqlstate(err, "57014");
			break;
		}
		if (part->mode == STRATA_EXEC_STATEMENTS) {
			rc = run_statements_step(rs, &plan->steps[i], err);
			i++;
			continue;
		}
		{
			size_t last = i;

			while (last + 1 < plan->n) {
				const strata_plan_step *next = &plan->steps[last + 1];
				const strata_sql_part *np = next->direction == STRATA_UP ? &next->migration->up
					: &next->migration->down;

				if (np->mode != STRATA_EXEC_TRANSACTION)
					break;
				last++;
			}
			rc = run_batch(rs, plan, i, last, err);
			i = last + 1;
		}
	}
	return rc;
}
