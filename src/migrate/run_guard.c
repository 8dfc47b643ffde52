/*
 * run_guard.c: what must hold before a run changes anything: the tracks'
 * migration locks (session advisory locks, polled outside any transaction
 * so that they cannot deadlock with CREATE INDEX CONCURRENTLY, released by
 * the server if the process dies), a connection that is not a
 * transaction-pooling proxy, and requirements across tracks that the run's
 * own files do not show (tracks left out by --track, reverts).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/run_int.h"

/* ---- the migration lock ---- */


int st_run_take_locks(run_state *rs, strata_source *const *sources, size_t n, const char *db,
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
			st_run_event_for(&ev, STRATA_EV_LOCK_WAIT, NULL);
			ev.track = sources[i]->track->name;
			ev.message = msg;
			if (wait > 0)
				st_run_emit(rs, &ev);
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

void st_run_release_locks(run_state *rs, held_lock *held, size_t n)
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

int st_run_check_pooling(run_state *rs, strata_error *err)
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
	st_run_event_for(&ev, STRATA_EV_WARNING, NULL);
	ev.message = "connected through a proxy (PgBouncer?) that kept one server session; session pooling is fine";
	st_run_emit(rs, &ev);
	return 0;
}

/* ---- requirements in tracks this run leaves out ---- */

/*
 * With --track, a migration may require one in a track that is not loaded:
 * the ledger of those tracks says whether it is applied. Read only when
 * such a requirement exists (*out stays NULL otherwise).
 */
int st_run_read_foreign(strata_ledger **out, strata_conn *c, const char *schema,
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
int st_run_check_required_elsewhere(run_state *rs, const strata_plan *plan, const char *const *tracks,
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
