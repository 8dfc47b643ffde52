/*
 * run.c: running a plan.
 *
 * Order of work: take every involved track's migration lock (a session
 * advisory lock, polled outside any transaction so that it can never
 * deadlock with CREATE INDEX CONCURRENTLY, and released by the server if
 * this process dies), refuse a transaction-pooling proxy (where session
 * locks do not hold), create the ledger if needed, read it in one query,
 * compare with the files, plan, then execute.
 *
 * Execution: consecutive transactional steps go to the server in one round
 * trip (each is its own transaction; the server stops at the first error,
 * so nothing after a failure runs). A lock timeout (55P03) is retried from
 * the failed step with jittered backoff. Statement-by-statement steps run
 * unit by unit and resume where they stopped. Every failure is recorded in
 * the ledger's events. Ctrl-C cancels the running statement.
 *
 * This file holds the run itself and its events; the locks and the checks
 * before anything changes are in run_guard.c, execution in run_steps.c.
 */
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "migrate/run_int.h"

static volatile sig_atomic_t interrupted;

void strata_migrate_interrupt(void)
{
	interrupted = 1;
}

int st_migrate_interrupted(void)
{
	return interrupted != 0;
}


/* One side of the counts: null (no table), {"rows": n} or {"estimate": n}. */
static void count_value(const json_t *v, long long *n, int *estimated)
{
	const json_t *x;

	*n = -1;
	*estimated = 0;
	if ((x = json_object_get(v, "rows")) != NULL && json_is_integer(x)) {
		*n = (long long)json_integer_value(x);
	} else if ((x = json_object_get(v, "estimate")) != NULL && json_is_integer(x)) {
		*n = (long long)json_integer_value(x);
		*estimated = 1;
	}
}

/* Reads {"before": [...], "after": [...]} (row_counts, one element per table) into rs->counts. */
void st_run_read_counts(run_state *rs, const strata_plan_step *step, const char *text)
{
	json_t *root, *before, *after;
	size_t i;

	rs->ncounts = 0;
	if (text == NULL || step->impl->ncount == 0)
		return;
	root = json_loads(text, 0, NULL);
	before = json_object_get(root, "before");
	after = json_object_get(root, "after");
	for (i = 0; i < step->impl->ncount && i < ST_ARRAY_LEN(rs->counts); i++) {
		strata_row_count *rc = &rs->counts[rs->ncounts];

		rc->table = step->impl->count_names[i];
		count_value(json_array_get(before, i), &rc->before, &rc->before_estimated);
		count_value(json_array_get(after, i), &rc->after, &rc->after_estimated);
		if (rc->before >= 0 || rc->after >= 0)
			rs->ncounts++;
	}
	json_decref(root);
}

void st_run_emit(run_state *rs, strata_migrate_event *ev)
{
	if (rs->o->on_event != NULL)
		rs->o->on_event(ev, rs->o->ud);
}

void st_run_event_for(strata_migrate_event *ev, strata_event_kind kind, const strata_plan_step *step)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	if (step != NULL) {
		ev->track = step->source->track->name;
		ev->version = step->migration->version;
		ev->name = step->migration->name;
		ev->direction = step->direction;
		ev->statements = step->impl->nstatements;
	}
}

int st_run_should_cancel(void *ud)
{
	ST_UNUSED(ud);
	return interrupted != 0;
}

void st_run_on_tick(int64_t waited_ms, void *ud)
{
	run_state *rs = ud;
	strata_migrate_event ev;
	char msg[256];
	int64_t ran = (st_now_ns() - rs->current_start) / 1000000;

	ST_UNUSED(waited_ms);
	if (rs->current == NULL || rs->warned || rs->long_running_ms <= 0 || ran < rs->long_running_ms)
		return;
	rs->warned = 1;
	st_run_event_for(&ev, STRATA_EV_WARNING, rs->current);
	st_snprintf(msg, sizeof(msg), "%s/%s '%s' is still running after %lld s (long_running is %lld s)",
		rs->current->source->track->name, rs->current->migration->version, rs->current->migration->name,
		(long long)(ran / 1000), (long long)(rs->long_running_ms / 1000));
	ev.message = msg;
	st_run_emit(rs, &ev);
}

int strata_migrate_run(strata_run_result *result, strata_plan **plan_out, strata_conn *c,
	strata_source *const *sources, size_t nsources, const strata_run_options *options,
	strata_error *err)
{
	return st_migrate_run(result, plan_out, c, sources, nsources, options, 1, err);
}

int st_migrate_run(strata_run_result *result, strata_plan **plan_out, strata_conn *c,
	strata_source *const *sources, size_t nsources, const strata_run_options *options,
	int reset_interrupt, strata_error *err)
{
	run_state rs;
	held_lock *held = NULL;
	size_t nheld = 0, i;
	strata_ledger *ledger = NULL, *foreign = NULL;
	strata_status *status = NULL;
	strata_plan *plan = NULL;
	const char **tracks = NULL;
	st_plan_ctx pctx;
	char *db = NULL;
	double waited = 0;
	int64_t t0 = st_now_ns();
	int rc;

	memset(result, 0, sizeof(*result));
	if (plan_out != NULL)
		*plan_out = NULL;
	memset(&rs, 0, sizeof(rs));
	rs.c = c;
	rs.o = options;
	rs.config = options->config;
	rs.result = result;
	rs.schema = options->config->ledger_schema;
	rs.long_running_ms = options->config->long_running_ms;
	if (reset_interrupt)
		interrupted = 0;

	held = st_calloc(nsources + 1, sizeof(*held));
	tracks = st_calloc(nsources + 1, sizeof(char *));
	if (held == NULL || tracks == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < nsources; i++)
		tracks[i] = sources[i]->track->name;
	rc = strata_conn_query_value(&db, c, "SELECT current_database()", 0, NULL, err);
	if (rc != 0)
		goto done;
	memset(&pctx, 0, sizeof(pctx));
	pctx.conn = c;
	pctx.options = options;
	pctx.config = options->config;
	pctx.schema = rs.schema;
	pctx.os_user = st_actor_os_user();
	pctx.ci = st_actor_ci();
	pctx.session_lock_ms = options->lock_timeout_ms >= 0 ? options->lock_timeout_ms
		: options->config->lock_timeout_ms;
	pctx.session_statement_ms = options->statement_timeout_ms >= 0 ? options->statement_timeout_ms
		: options->config->statement_timeout_ms;
	pctx.flush_each = options->flush_each;
	pctx.conn_check = strata_conn_server_version(c) >= 140000;
	rc = st_run_read_foreign(&foreign, c, rs.schema, sources, nsources, err);
	if (rc != 0)
		goto done;
	pctx.foreign = foreign;
	if (!options->dry_run) {
		/*
		 * A look without the lock first: when nothing is to be done (the
		 * common case in CI) that is the whole run. Whatever it finds to do
		 * is looked at again under the lock before anything runs.
		 */
		rc = strata_ledger_read(&ledger, c, rs.schema, tracks, nsources, err);
		if (rc == 0)
			rc = strata_status_compute(&status, sources, nsources, ledger, options->allow_out_of_order,
				err);
		pctx.choose_only = 1;
		if (rc == 0)
			rc = st_plan_build(&plan, &pctx, sources, nsources, status, err);
		pctx.choose_only = 0;
		if (rc != 0 || plan->n == 0) {
			if (plan != NULL)
				result->planned = 0;
			goto done;
		}
		strata_plan_free(plan);
		strata_status_free(status);
		strata_ledger_free(ledger);
		plan = NULL;
		status = NULL;
		ledger = NULL;
		rc = st_run_check_pooling(&rs, err);
		if (rc == 0)
			rc = st_run_take_locks(&rs, sources, nsources, db, held, &nheld, &waited, err);
		strata_log(STRATA_LOG_DEBUG, "migration locks taken after %.1f ms", st_ns_to_ms(st_now_ns() - t0));
		if (rc == 0)
			rc = strata_ledger_ensure(c, rs.schema, err);
		strata_log(STRATA_LOG_DEBUG, "ledger ready after %.1f ms", st_ns_to_ms(st_now_ns() - t0));
		if (rc != 0)
			goto done;
	}
	rc = strata_ledger_read(&ledger, c, rs.schema, tracks, nsources, err);
	if (rc == 0)
		rc = strata_status_compute(&status, sources, nsources, ledger, options->allow_out_of_order, err);
	strata_log(STRATA_LOG_DEBUG, "ledger read and compared after %.1f ms", st_ns_to_ms(st_now_ns() - t0));
	if (rc != 0)
		goto done;
	pctx.lock_wait_ms = waited;
	rc = st_plan_build(&plan, &pctx, sources, nsources, status, err);
	if (rc != 0)
		goto done;
	rc = st_run_check_required_elsewhere(&rs, plan, tracks, nsources, err);
	if (rc != 0)
		goto done;
	result->planned = plan->n;
	strata_log(STRATA_LOG_DEBUG, "planned %zu steps after %.1f ms", plan->n, st_ns_to_ms(st_now_ns() - t0));
	if (!options->dry_run && plan->n > 0) {
		strata_error ignored = STRATA_ERROR_INIT;

		rc = strata_conn_exec(c, plan->prologue, err);
		if (rc == 0)
			rc = st_run_execute(&rs, plan, err);
		if (!strata_conn_is_bad(c))
			strata_conn_exec(c, plan->epilogue, &ignored);
		strata_log(STRATA_LOG_DEBUG, "executed after %.1f ms", st_ns_to_ms(st_now_ns() - t0));
	}
done:
	result->duration_ms = st_ns_to_ms(st_now_ns() - t0);
	if (nheld > 0)
		st_run_release_locks(&rs, held, nheld);
	if (plan_out != NULL && plan != NULL) {
		*plan_out = plan;
		plan = NULL;
	}
	strata_plan_free(plan);
	strata_status_free(status);
	strata_ledger_free(ledger);
	strata_ledger_free(foreign);
	strata_free(db);
	st_free(held);
	st_free(tracks);
	return rc;
}
