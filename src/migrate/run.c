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
 */
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "migrate/migrate_int.h"

static volatile sig_atomic_t interrupted;

void strata_migrate_interrupt(void)
{
	interrupted = 1;
}

int st_migrate_interrupted(void)
{
	return interrupted != 0;
}

const char *st_os_user(void)
{
	static char name[128];
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (name[0] == '\0') {
		if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
			st_strlcpy(name, pw.pw_name, sizeof(name));
		else
			st_snprintf(name, sizeof(name), "uid %ld", (long)geteuid());
	}
	return name;
}

const char *st_ci_identity(void)
{
	static char id[256];
	const char *v;

	if (id[0] != '\0')
		return id;
	if ((v = getenv("GITHUB_ACTIONS")) != NULL && strcmp(v, "true") == 0) {
		const char *repo = getenv("GITHUB_REPOSITORY"), *run = getenv("GITHUB_RUN_ID");
		st_snprintf(id, sizeof(id), "github-actions %s run %s", repo ? repo : "?", run ? run : "?");
	} else if ((v = getenv("GITLAB_CI")) != NULL) {
		const char *p = getenv("CI_PROJECT_PATH"), *job = getenv("CI_JOB_ID");
		st_snprintf(id, sizeof(id), "gitlab-ci %s job %s", p ? p : "?", job ? job : "?");
	} else if ((v = getenv("BUILDKITE_BUILD_URL")) != NULL) {
		st_snprintf(id, sizeof(id), "buildkite %s", v);
	} else if ((v = getenv("JENKINS_URL")) != NULL) {
		const char *tag = getenv("BUILD_TAG");
		st_snprintf(id, sizeof(id), "jenkins %s", tag ? tag : v);
	} else if ((v = getenv("CIRCLE_BUILD_URL")) != NULL) {
		st_snprintf(id, sizeof(id), "circleci %s", v);
	} else if ((v = getenv("CI")) != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)) {
		st_strlcpy(id, "ci", sizeof(id));
	} else {
		return NULL;
	}
	return id;
}

typedef struct run_state {
	strata_conn *c;
	const strata_run_options *o;
	const strata_project_config *config;
	strata_run_result *result;
	const char *schema;
	int64_t long_running_ms;
	/* The step whose statements are arriving, for events and ticks. */
	const strata_plan_step *current;
	int64_t current_start;
	int warned;
	long long rows;
	/* The unit being run: which of its results are the file's own statements. */
	const st_unit *unit;
	/* The row counts the ledger write returned for the current step. */
	strata_row_count counts[32];
	size_t ncounts;
} run_state;

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
static void read_counts(run_state *rs, const strata_plan_step *step, const char *text)
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

static void emit(run_state *rs, strata_migrate_event *ev)
{
	if (rs->o->on_event != NULL)
		rs->o->on_event(ev, rs->o->ud);
}

static void event_for(strata_migrate_event *ev, strata_event_kind kind, const strata_plan_step *step)
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

static int should_cancel(void *ud)
{
	ST_UNUSED(ud);
	return interrupted != 0;
}

static void on_tick(int64_t waited_ms, void *ud)
{
	run_state *rs = ud;
	strata_migrate_event ev;
	char msg[256];
	int64_t ran = (st_now_ns() - rs->current_start) / 1000000;

	ST_UNUSED(waited_ms);
	if (rs->current == NULL || rs->warned || rs->long_running_ms <= 0 || ran < rs->long_running_ms)
		return;
	rs->warned = 1;
	event_for(&ev, STRATA_EV_WARNING, rs->current);
	st_snprintf(msg, sizeof(msg), "%s/%s '%s' is still running after %lld s (long_running is %lld s)",
		rs->current->source->track->name, rs->current->migration->version, rs->current->migration->name,
		(long long)(ran / 1000), (long long)(rs->long_running_ms / 1000));
	ev.message = msg;
	emit(rs, &ev);
}

/* ---- the migration lock ---- */

typedef struct held_lock {
	int64_t key;
	char name[256];
} held_lock;

static int take_locks(run_state *rs, strata_source *const *sources, size_t n, const char *db,
	held_lock *held, size_t *nheld, double *waited_ms, strata_error *err)
{
	int64_t wait = rs->o->no_wait ? 0 : rs->o->lock_wait_ms >= 0 ? rs->o->lock_wait_ms
		: rs->config->lock_wait_ms;
	int64_t t0 = st_now_ns();
	size_t i, j;
	int rc;

	*nheld = 0;
	/* Sorted by track name, so that two multi-track runners cannot deadlock. */
	for (i = 0; i < n; i++) {
		held_lock *h = &held[i];

		st_snprintf(h->name, sizeof(h->name), "strata/migrate/%s/%s/%s", db, rs->schema,
			sources[i]->track->name);
		h->key = strata_lock_key(h->name);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(held[j - 1].name, held[j].name) > 0; j--) {
			held_lock tmp = held[j];
			held[j] = held[j - 1];
			held[j - 1] = tmp;
		}
	for (i = 0; i < n; i++) {
		int got = 0;

		rc = strata_lock_try(&got, rs->c, held[i].key, err);
		if (rc != 0)
			return rc;
		if (!got) {
			strata_lock_holder holder;
			strata_migrate_event ev;
			char msg[512];

			if (strata_lock_holder_get(&holder, rs->c, held[i].key, NULL) == 0)
				st_snprintf(msg, sizeof(msg),
					"another runner holds the migration lock of track '%s': pid %d, '%s', user %s, from %s, connected since %s",
					sources[i]->track->name, holder.pid, holder.application_name, holder.user,
					holder.client, holder.since);
			else
				st_snprintf(msg, sizeof(msg), "another runner holds the migration lock of track '%s'",
					sources[i]->track->name);
			event_for(&ev, STRATA_EV_LOCK_WAIT, NULL);
			ev.track = sources[i]->track->name;
			ev.message = msg;
			if (wait > 0)
				emit(rs, &ev);
			rc = strata_lock_wait(rs->c, held[i].key, (int)(wait - (st_now_ns() - t0) / 1000000 > 0
				? wait - (st_now_ns() - t0) / 1000000 : 0), err);
			if (rc != 0) {
				strata_error_set(err, STRATA_ELOCKED, "%s", msg);
				strata_error_hint(err, wait > 0 ? "waited %lld ms (--lock-wait)"
					: "--no-wait was given; drop it or use --lock-wait to wait", (long long)wait);
				return STRATA_ELOCKED;
			}
		}
		(*nheld)++;
	}
	*waited_ms = st_ns_to_ms(st_now_ns() - t0);
	return 0;
}

static void release_locks(run_state *rs, held_lock *held, size_t n)
{
	strata_error ignored = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i;

	/* All in one round trip: this session holds each of them once. */
	strata_buf_puts(&sql, "SELECT ");
	for (i = 0; i < n; i++)
		strata_buf_printf(&sql, "%spg_advisory_unlock(%lld)", i ? ", " : "", (long long)held[i].key);
	if (!strata_buf_failed(&sql) && !strata_conn_is_bad(rs->c))
		strata_conn_exec(rs->c, strata_buf_cstr(&sql), &ignored);
	strata_buf_release(&sql);
}

/*
 * Behind a transaction-pooling proxy (PgBouncer pool_mode=transaction)
 * consecutive statements may run on different server sessions: a session
 * lock would not protect the run. The proxy shows itself by a backend PID
 * that differs from the one the connection reported at start-up; then the
 * server session must stay the same across several transactions, and must
 * not be handed to another client between them. The last needs a second
 * client: alone, this one keeps getting the same idle server session from a
 * transaction-pooling proxy too, but a second client is given the session
 * this one just released.
 */
static int session_shared(run_state *rs, int server_pid)
{
	strata_error ignored = STRATA_ERROR_INIT;
	strata_conn *other = NULL;
	char *pid = NULL;
	int v = -1;

	if (strata_conn_open_same(&other, rs->c, &ignored) == 0 &&
		strata_conn_query_value(&pid, other, "SELECT pg_backend_pid()", 0, NULL, &ignored) == 0 &&
		pid != NULL)
		st_parse_int(&v, pid, 0, INT32_MAX);
	strata_free(pid);
	strata_conn_close(other);
	return v == server_pid;
}

static int check_pooling(run_state *rs, strata_error *err)
{
	char *pid = NULL;
	int first = -1, i, rc = 0, v = 0;
	strata_migrate_event ev;

	for (i = 0; i < 4 && rc == 0; i++) {
		rc = strata_conn_query_value(&pid, rs->c, "SELECT pg_backend_pid()", 0, NULL, err);
		if (rc != 0)
			break;
		st_parse_int(&v, pid, 0, INT32_MAX);
		strata_free(pid);
		pid = NULL;
		if (i == 0 && v == strata_conn_backend_pid(rs->c))
			return 0;   /* no proxy in between */
		if (first < 0)
			first = v;
		else if (v != first)
			return strata_error_set(err, STRATA_EENV,
				"the connection goes through a proxy in transaction pooling mode (PgBouncer?): the migration lock cannot hold there");
	}
	if (rc != 0)
		return rc;
	if (session_shared(rs, first))
		return strata_error_set(err, STRATA_EENV,
			"the connection goes through a proxy in transaction pooling mode (PgBouncer?): the migration lock cannot hold there");
	event_for(&ev, STRATA_EV_WARNING, NULL);
	ev.message = "connected through a proxy (PgBouncer?) that kept one server session; session pooling is fine";
	emit(rs, &ev);
	return 0;
}

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

		strata_conn_quote_literal(&tail, rs->c, st_os_user(), &ignored);
		strata_buf_puts(&tail, ", ");
		if (st_ci_identity() != NULL)
			strata_conn_quote_literal(&tail, rs->c, st_ci_identity(), &ignored);
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

	event_for(&ev, STRATA_EV_ERROR, step);
	ev.duration_ms = st_ns_to_ms(st_now_ns() - rs->current_start);
	ev.statement = statement;
	ev.message = e->message;
	ev.sqlstate = e->sqlstate;
	ev.file = part->path;
	ev.line = statement > 0 && statement <= step->impl->nstatements ? step->impl->lines[statement] : 0;
	emit(rs, &ev);
}

/* Waits before retry number attempt (2 = first retry); 0 to retry, else give up. */
static int backoff(run_state *rs, const strata_plan_step *step, int attempt, int max_attempts,
	const strata_error *cause)
{
	strata_retry_policy policy = STRATA_RETRY_POLICY_INIT;
	strata_migrate_event ev;
	uint32_t rnd = (uint32_t)(st_now_ns() ^ (int64_t)getpid());
	int delay, waited;

	if (strcmp(cause->sqlstate, "55P03") != 0 || attempt > max_attempts || interrupted)
		return -1;
	policy.base_delay_ms = 200;
	policy.max_delay_ms = 10000;
	delay = strata_retry_delay_ms(&policy, attempt, rnd);
	event_for(&ev, STRATA_EV_RETRY, step);
	ev.attempt = attempt;
	ev.max_attempts = max_attempts;
	ev.delay_ms = delay;
	ev.message = cause->message;
	ev.sqlstate = cause->sqlstate;
	emit(rs, &ev);
	for (waited = 0; waited < delay && !interrupted; waited += 50)
		st_sleep_ms(delay - waited < 50 ? delay - waited : 50);
	return interrupted ? -1 : 0;
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
			event_for(&ev, STRATA_EV_START, step);
			emit(rs, &ev);
		} else if (file_stmt >= 1 && file_stmt <= n) {
			if (step->impl->dml[file_stmt])
				rs->rows += item->rows;
		} else if (file_stmt == n + 1) {
			const char *d = strata_result_value(item->result, 0, 0);
			b->step_duration = d ? strtod(d, NULL) : 0;
			read_counts(rs, step, strata_result_value(item->result, 0, 1));
		} else if (file_stmt == n + 2) {
			event_for(&ev, STRATA_EV_DONE, step);
			ev.duration_ms = b->step_duration;
			ev.rows_changed = rs->rows;
			ev.row_counts = rs->counts;
			ev.nrow_counts = rs->ncounts;
			emit(rs, &ev);
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
	event_for(&ev, STRATA_EV_WARNING, first);
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
	emit(rs, &ev);
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
	hooks.should_cancel = should_cancel;
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
			if (interrupted) {
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

/* ---- requirements in tracks this run leaves out ---- */

/*
 * With --track, a migration may require one in a track that is not loaded:
 * the ledger of those tracks says whether it is applied. Read only when
 * such a requirement exists (*out stays NULL otherwise).
 */
static int read_foreign(strata_ledger **out, strata_conn *c, const char *schema,
	strata_source *const *sources, size_t nsources, strata_error *err)
{
	const char **names = NULL;
	size_t n = 0, cap = 0, s, i, r, k;
	int rc = 0;

	*out = NULL;
	for (s = 0; s < nsources; s++) {
		for (i = 0; i < sources[s]->n; i++) {
			const strata_migration *m = &sources[s]->migrations[i];

			for (r = 0; r < m->nrequires; r++) {
				const char *req = m->requires[r], *slash = strchr(req, '/');
				size_t len = slash ? (size_t)(slash - req) : 0;
				int known = 0;

				for (k = 0; k < nsources && !known; k++)
					known = strlen(sources[k]->track->name) == len &&
						strncmp(sources[k]->track->name, req, len) == 0;
				for (k = 0; k < n && !known; k++)
					known = strlen(names[k]) == len && strncmp(names[k], req, len) == 0;
				if (known || len == 0)
					continue;
				if (n == cap) {
					const char **grown = st_realloc(names, (cap ? cap * 2 : 4) * sizeof(char *));

					if (grown == NULL) {
						rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
						goto done;
					}
					names = grown;
					cap = cap ? cap * 2 : 4;
				}
				names[n] = st_strndup(req, len);
				if (names[n] == NULL) {
					rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
					goto done;
				}
				n++;
			}
		}
	}
	if (n > 0)
		rc = strata_ledger_read(out, c, schema, names, n, err);
done:
	for (k = 0; k < n; k++)
		st_free((char *)names[k]);
	st_free(names);
	return rc;
}

/* ---- reverts across tracks ---- */

/*
 * A revert must not pull the ground from under another track: the ledger
 * keeps each applied migration's "-- strata:requires" list, so this works
 * even when the other tracks' files are not loaded (--track) or are gone.
 */
static int check_required_elsewhere(run_state *rs, const strata_plan *plan, const char *const *tracks,
	size_t ntracks, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT, arr = STRATA_BUF_INIT;
	strata_result *r = NULL;
	strata_error local = STRATA_ERROR_INIT;
	const char *params[1];
	size_t i, s;
	int rc, row;

	if (plan->n == 0 || plan->steps[0].direction != STRATA_DOWN)
		return 0;
	strata_buf_putc(&arr, '{');
	for (i = 0; i < ntracks; i++) {
		const char *p;

		strata_buf_puts(&arr, i ? ",\"" : "\"");
		for (p = tracks[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strata_buf_putc(&arr, '\\');
			strata_buf_putc(&arr, *p);
		}
		strata_buf_putc(&arr, '"');
	}
	strata_buf_putc(&arr, '}');
	strata_buf_puts(&sql, "SELECT h.track, h.version, r FROM ");
	st_ledger_ident(&sql, rs->schema);
	strata_buf_puts(&sql, ".history h, unnest(h.requires) r WHERE h.track <> ALL($1::text[])");
	if (strata_buf_failed(&sql) || strata_buf_failed(&arr)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	params[0] = strata_buf_cstr(&arr);
	rc = strata_conn_query(&r, rs->c, strata_buf_cstr(&sql), 1, params, &local);
	if (rc != 0) {
		/* No ledger yet (a dry run): nothing is applied, nothing requires anything. */
		if (strcmp(local.sqlstate, "42P01") == 0 || strcmp(local.sqlstate, "3F000") == 0) {
			rc = 0;
		} else if (err != NULL) {
			*err = local;
		}
		goto done;
	}
	for (row = 0; row < strata_result_nrows(r) && rc == 0; row++) {
		const char *req = strata_result_value(r, row, 2), *slash = strchr(req, '/');

		if (slash == NULL)
			continue;
		for (s = 0; s < plan->n; s++) {
			const strata_plan_step *step = &plan->steps[s];
			const char *track = step->source->track->name;

			if (strlen(track) != (size_t)(slash - req) || strncmp(track, req, (size_t)(slash - req)) != 0 ||
				strata_version_compare(step->migration->version, slash + 1) != 0)
				continue;
			rc = strata_error_set(err, STRATA_EINVAL,
				"cannot revert %s/%s: %s/%s requires it and is applied; revert that first", track,
				step->migration->version, strata_result_value(r, row, 0), strata_result_value(r, row, 1));
			strata_error_hint(err, "revert %s/%s first: strata migrate down --track %s",
				strata_result_value(r, row, 0), strata_result_value(r, row, 1),
				strata_result_value(r, row, 0));
			break;
		}
	}
done:
	strata_result_free(r);
	strata_buf_release(&sql);
	strata_buf_release(&arr);
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
		event_for(&ev, STRATA_EV_WARNING, rs->current);
		ev.message = msg;
		emit(rs, &ev);
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

	/* The final unit: BEGIN, SET LOCAL, then the ledger write returning duration and counts. */
	if (rs->unit != NULL && rs->unit->kind == ST_UNIT_FINAL && item->index == 2 &&
		item->result != NULL && strata_result_ncols(item->result) == 2 &&
		strata_result_nrows(item->result) == 1)
		read_counts(rs, rs->current, strata_result_value(item->result, 0, 1));
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
	event_for(&ev, STRATA_EV_START, step);
	emit(rs, &ev);
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = unit_item;
	hooks.should_cancel = should_cancel;
	hooks.on_tick = on_tick;
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
			if (interrupted) {
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
			event_for(&ev, STRATA_EV_STATEMENT, step);
			ev.statement = unit->last;
			emit(rs, &ev);
		}
	}
	if (rc == 0) {
		event_for(&ev, STRATA_EV_DONE, step);
		ev.duration_ms = st_ns_to_ms(st_now_ns() - rs->current_start);
		ev.rows_changed = rs->rows;
		ev.row_counts = rs->counts;
		ev.nrow_counts = rs->ncounts;
		emit(rs, &ev);
		rs->result->applied++;
	}
	rs->current = NULL;
	return rc;
}

static int execute(run_state *rs, strata_plan *plan, strata_error *err)
{
	size_t i = 0;
	int rc = 0;

	while (i < plan->n && rc == 0) {
		const strata_sql_part *part = plan->steps[i].direction == STRATA_UP
			? &plan->steps[i].migration->up : &plan->steps[i].migration->down;

		if (interrupted) {
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
	pctx.os_user = st_os_user();
	pctx.ci = st_ci_identity();
	pctx.session_lock_ms = options->lock_timeout_ms >= 0 ? options->lock_timeout_ms
		: options->config->lock_timeout_ms;
	pctx.session_statement_ms = options->statement_timeout_ms >= 0 ? options->statement_timeout_ms
		: options->config->statement_timeout_ms;
	pctx.flush_each = options->flush_each;
	pctx.conn_check = strata_conn_server_version(c) >= 140000;
	rc = read_foreign(&foreign, c, rs.schema, sources, nsources, err);
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
		rc = check_pooling(&rs, err);
		if (rc == 0)
			rc = take_locks(&rs, sources, nsources, db, held, &nheld, &waited, err);
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
	rc = check_required_elsewhere(&rs, plan, tracks, nsources, err);
	if (rc != 0)
		goto done;
	result->planned = plan->n;
	strata_log(STRATA_LOG_DEBUG, "planned %zu steps after %.1f ms", plan->n, st_ns_to_ms(st_now_ns() - t0));
	if (!options->dry_run && plan->n > 0) {
		strata_error ignored = STRATA_ERROR_INIT;

		rc = strata_conn_exec(c, plan->prologue, err);
		if (rc == 0)
			rc = execute(&rs, plan, err);
		if (!strata_conn_is_bad(c))
			strata_conn_exec(c, plan->epilogue, &ignored);
		strata_log(STRATA_LOG_DEBUG, "executed after %.1f ms", st_ns_to_ms(st_now_ns() - t0));
	}
done:
	result->duration_ms = st_ns_to_ms(st_now_ns() - t0);
	if (nheld > 0)
		release_locks(&rs, held, nheld);
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
