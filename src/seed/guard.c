/*
 * guard.c: what makes a seed run safe: the locks it holds and the check
 * that the database is migrated.
 *
 * Locks: the migration lock of every track of the project, named exactly
 * as the migration runner names it ("strata/migrate/<database>/<ledger
 * schema>/<track>", a session advisory lock keyed by strata_lock_key), so
 * that no migration runs while seeds do and seeds never run under a
 * migration; and the seed lock ("strata/seed/<database>/<ledger schema>"),
 * so that two seed runners exclude each other whatever their projects'
 * tracks. They are taken in name order, by polling outside any transaction
 * like the migration runner's, and the server releases them if the process
 * dies.
 *
 * The check: every migration file of every track is applied and unchanged
 * (the same comparison as `strata migrate status`).
 */
#include <stdlib.h>
#include <string.h>

#include "seed/seed_int.h"

/* ---- locks ---- */

static int compare_locks(const void *a, const void *b)
{
	return strcmp(((const st_seed_lock *)a)->name, ((const st_seed_lock *)b)->name);
}

static int remaining(int64_t wait_ms, int64_t t0)
{
	int64_t left = wait_ms - (st_now_ns() - t0) / 1000000;

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

int st_seed_take_locks(st_seed_lock **out, size_t *held, strata_conn *c,
	const strata_project_config *config, int64_t wait_ms,
	void (*on_wait)(const char *message, void *ud), void *ud, strata_error *err)
{
	st_seed_lock *locks = NULL;
	char *db = NULL;
	size_t n = config->ntracks + 1, i;
	int64_t t0 = st_now_ns();
	int rc;

	*out = NULL;
	*held = 0;
	rc = strata_conn_query_value(&db, c, "SELECT current_database()", 0, NULL, err);
	if (rc != 0)
		return rc;
	locks = st_calloc(n, sizeof(*locks));
	if (locks == NULL) {
		strata_free(db);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < config->ntracks; i++) {
		st_snprintf(locks[i].name, sizeof(locks[i].name), "strata/migrate/%s/%s/%s", db,
			config->ledger_schema, config->tracks[i].name);
		st_snprintf(locks[i].what, sizeof(locks[i].what), "the migration lock of track '%s'",
			config->tracks[i].name);
	}
	st_snprintf(locks[i].name, sizeof(locks[i].name), "strata/seed/%s/%s", db, config->ledger_schema);
	st_strlcpy(locks[i].what, "the seed lock", sizeof(locks[i].what));
	strata_free(db);
	for (i = 0; i < n; i++)
		locks[i].key = strata_lock_key(locks[i].name);
	qsort(locks, n, sizeof(*locks), compare_locks);
	*out = locks;
	for (i = 0; i < n; i++) {
		strata_lock_holder holder;
		char msg[512];
		int got = 0;

		rc = strata_lock_try(&got, c, locks[i].key, err);
		if (rc != 0)
			return rc;
		if (!got) {
			if (strata_lock_holder_get(&holder, c, locks[i].key, NULL) == 0)
				st_snprintf(msg, sizeof(msg),
					"another runner holds %s: pid %d, '%s', user %s, from %s, connected since %s",
					locks[i].what, holder.pid, holder.application_name, holder.user, holder.client,
					holder.since);
			else
				st_snprintf(msg, sizeof(msg), "another runner holds %s", locks[i].what);
			if (wait_ms > 0 && on_wait != NULL)
				on_wait(msg, ud);
			if (strata_lock_wait(c, locks[i].key, remaining(wait_ms, t0), err) != 0) {
				strata_error_set(err, STRATA_ELOCKED, "%s", msg);
				strata_error_hint(err, wait_ms > 0 ? "waited %lld ms (--lock-wait)"
					: "--no-wait was given; drop it or use --lock-wait to wait", (long long)wait_ms);
				return STRATA_ELOCKED;
			}
		}
		(*held)++;
	}
	return 0;
}

void st_seed_release_locks(strata_conn *c, st_seed_lock *locks, size_t held)
{
	strata_error ignored = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i;

	/* All in one round trip: this session holds each of them once. */
	strata_buf_puts(&sql, "SELECT ");
	for (i = 0; i < held; i++)
		strata_buf_printf(&sql, "%spg_advisory_unlock(%lld)", i ? ", " : "", (long long)locks[i].key);
	if (held > 0 && !strata_buf_failed(&sql) && !strata_conn_is_bad(c))
		strata_conn_exec(c, strata_buf_cstr(&sql), &ignored);
	strata_buf_release(&sql);
}

/* ---- the database is migrated ---- */

static const char *unapplied_phrase(strata_mig_state s)
{
	switch (s) {
	case STRATA_MIG_PENDING: return "is pending";
	case STRATA_MIG_CHANGED: return "changed since it was applied";
	case STRATA_MIG_MISSING: return "is applied but its file is gone";
	case STRATA_MIG_OUT_OF_ORDER: return "is pending (older than the newest applied one)";
	case STRATA_MIG_PARTIAL: return "is partly applied";
	case STRATA_MIG_APPLIED: break;
	}
	return "is applied";
}

/* The error for a status with entries other than applied ones (0 when none). */
static int status_error(const strata_status *st, strata_error *err)
{
	strata_buf list = STRATA_BUF_INIT;
	size_t i, n = 0;
	int pending_only = 1;

	for (i = 0; i < st->n; i++) {
		const strata_status_entry *e = &st->entries[i];

		if (e->state == STRATA_MIG_APPLIED)
			continue;
		if (n < 5)
			strata_buf_printf(&list, "%s%s/%s '%s' %s", n ? ", " : "", e->track, e->version, e->name,
				unapplied_phrase(e->state));
		pending_only &= e->state == STRATA_MIG_PENDING || e->state == STRATA_MIG_OUT_OF_ORDER;
		n++;
	}
	if (n == 0) {
		strata_buf_release(&list);
		return 0;
	}
	if (n > 5)
		strata_buf_printf(&list, ", ... (%zu in all)", n);
	strata_error_set(err, STRATA_EINVAL, "the database is not fully migrated: %s",
		strata_buf_failed(&list) ? "(out of memory)" : strata_buf_cstr(&list));
	strata_error_hint(err, "%s", pending_only
		? "run 'strata migrate up' first, or seed anyway with --skip-migration-check"
		: "see 'strata migrate status'; seeds expect the schema the migration files describe"
		  " (--skip-migration-check seeds anyway)");
	strata_buf_release(&list);
	return STRATA_EINVAL;
}

int strata_seed_check_migrations(strata_conn *c, const strata_project_config *config,
	strata_error *err)
{
	strata_problems problems = STRATA_PROBLEMS_INIT;
	strata_source **sources = NULL;
	const char **tracks = NULL;
	strata_ledger *ledger = NULL;
	strata_status *st = NULL;
	size_t n = 0, i;
	int rc = 0;

	sources = st_calloc(config->ntracks + 1, sizeof(*sources));
	tracks = st_calloc(config->ntracks + 1, sizeof(*tracks));
	if (sources == NULL || tracks == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < config->ntracks && rc == 0; i++) {
		tracks[i] = config->tracks[i].name;
		rc = strata_source_load(&sources[n], &config->tracks[i], config->root, &problems, err);
		if (rc == 0)
			n++;
	}
	if (rc != 0)
		goto done;
	if (problems.n > 0) {
		const strata_problem *p = &problems.items[0];

		rc = strata_error_set(err, STRATA_EINVAL,
			"%zu problem%s in the migration files: cannot tell whether the database is migrated",
			problems.n, problems.n == 1 ? "" : "s");
		if (p->file != NULL && p->line > 0)
			strata_error_detail(err, "%s:%d: %s", p->file, p->line, p->message);
		else if (p->file != NULL)
			strata_error_detail(err, "%s: %s", p->file, p->message);
		else
			strata_error_detail(err, "%s", p->message);
		strata_error_hint(err, "see 'strata migrate validate', or seed anyway with --skip-migration-check");
		goto done;
	}
	rc = strata_ledger_read(&ledger, c, config->ledger_schema, tracks, config->ntracks, err);
	if (rc == 0)
		rc = strata_status_compute(&st, sources, n, ledger, 0, err);
	if (rc == 0)
		rc = status_error(st, err);
done:
	strata_status_free(st);
	strata_ledger_free(ledger);
	for (i = 0; i < n; i++)
		strata_source_free(sources[i]);
	st_free(sources);
	st_free(tracks);
	strata_problems_release(&problems);
	return rc;
}
