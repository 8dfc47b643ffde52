/*
 * plan.c: which migrations run, and in which order.
 *
 * Up runs each track's pending migrations in version order, merged across
 * tracks so that every "-- strata:requires=track/version" comes first; down
 * reverts newest first and never a migration that an applied one in another
 * track requires. The SQL of each step is built in plan_sql.c.
 */
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_int.h"

static int64_t effective(int64_t option, int64_t file, int64_t track_or_project)
{
	if (option >= 0)
		return option;
	if (file >= 0)
		return file;
	return track_or_project;
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
			rc = st_plan_step_sql(step, ctx, err);
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
