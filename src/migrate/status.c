/*
 * status.c: files against the ledger, per track, in version order.
 *
 * A file is applied (and unchanged), pending, changed since it was applied
 * (its normalised checksum differs), out of order (pending but older than
 * the newest applied migration of its track), or partial (a statement-by-
 * statement run that stopped half-way). A ledger row without a file is
 * missing.
 */
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_int.h"

const char *strata_mig_state_name(strata_mig_state state)
{
	switch (state) {
	case STRATA_MIG_APPLIED: return "applied";
	case STRATA_MIG_PENDING: return "pending";
	case STRATA_MIG_CHANGED: return "changed";
	case STRATA_MIG_MISSING: return "missing";
	case STRATA_MIG_OUT_OF_ORDER: return "out_of_order";
	case STRATA_MIG_PARTIAL: return "partial";
	}
	return "unknown";
}

static const strata_in_progress *progress_of(const strata_ledger *l, const char *track,
	const char *version)
{
	size_t i;

	for (i = 0; i < l->nprogress; i++)
		if (strcmp(l->progress[i].track, track) == 0 &&
			strata_version_compare(l->progress[i].version, version) == 0)
			return &l->progress[i];
	return NULL;
}

static void count(strata_status *st, strata_mig_state s)
{
	switch (s) {
	case STRATA_MIG_APPLIED: st->applied++; break;
	case STRATA_MIG_PENDING: st->pending++; break;
	case STRATA_MIG_CHANGED: st->changed++; break;
	case STRATA_MIG_MISSING: st->missing++; break;
	case STRATA_MIG_OUT_OF_ORDER: st->out_of_order++; break;
	case STRATA_MIG_PARTIAL: st->partial++; break;
	}
}

int strata_status_compute(strata_status **out, strata_source *const *sources, size_t nsources,
	const strata_ledger *ledger, int force_allow_out_of_order, strata_error *err)
{
	strata_status *st = NULL;
	size_t total = ledger->napplied, s, cap;

	*out = NULL;
	for (s = 0; s < nsources; s++)
		total += sources[s]->n;
	cap = total + 1;
	st = st_calloc(1, sizeof(*st));
	if (st == NULL || (st->entries = st_calloc(cap, sizeof(strata_status_entry))) == NULL) {
		st_free(st);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (s = 0; s < nsources; s++) {
		const strata_source *src = sources[s];
		const char *track = src->track->name;
		const strata_applied *first = NULL, *newest = NULL;
		size_t napplied = 0, i = 0, j = 0;
		int allow = force_allow_out_of_order || src->track->allow_out_of_order;

		/* The applied rows of this track: a contiguous, version-sorted run. */
		for (i = 0; i < ledger->napplied; i++) {
			if (strcmp(ledger->applied[i].track, track) == 0) {
				if (first == NULL)
					first = &ledger->applied[i];
				napplied++;
				newest = &ledger->applied[i];
			}
		}
		i = 0;
		while (i < src->n || j < napplied) {
			const strata_migration *m = i < src->n ? &src->migrations[i] : NULL;
			const strata_applied *a = j < napplied ? &first[j] : NULL;
			strata_status_entry *e = &st->entries[st->n];
			int c;

			if (m != NULL && m->up.path == NULL) {   /* a down without an up: a problem already */
				i++;
				continue;
			}
			c = m == NULL ? 1 : a == NULL ? -1 : strata_version_compare(m->version, a->version);
			memset(e, 0, sizeof(*e));
			e->track = track;
			if (c < 0) {
				const strata_in_progress *p = progress_of(ledger, track, m->version);

				e->version = m->version;
				e->name = m->name;
				e->file = m;
				if (p != NULL && !p->reverting) {
					e->state = STRATA_MIG_PARTIAL;
					e->statements_done = p->statements_done;
					e->progress = p;
				} else if (!allow && newest != NULL &&
					strata_version_compare(m->version, newest->version) < 0) {
					e->state = STRATA_MIG_OUT_OF_ORDER;
				} else {
					e->state = STRATA_MIG_PENDING;
				}
				i++;
			} else if (c > 0) {
				e->version = a->version;
				e->name = a->name;
				e->applied = a;
				e->state = STRATA_MIG_MISSING;
				j++;
			} else {
				const strata_in_progress *p = progress_of(ledger, track, m->version);

				e->version = m->version;
				e->name = m->name;
				e->file = m;
				e->applied = a;
				if (p != NULL && p->reverting) {
					e->state = STRATA_MIG_PARTIAL;
					e->statements_done = p->statements_done;
					e->progress = p;
				} else {
					e->state = strcmp(a->checksum, m->up.checksum) == 0 ? STRATA_MIG_APPLIED
						: STRATA_MIG_CHANGED;
				}
				i++;
				j++;
			}
			count(st, e->state);
			st->n++;
		}
	}
	*out = st;
	return 0;
}

void strata_status_free(strata_status *status)
{
	if (status == NULL)
		return;
	st_free(status->entries);
	st_free(status);
}
