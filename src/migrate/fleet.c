/*
 * fleet.c: the same migrations on many databases.
 *
 * Targets come from the fleet file and from its query (rows of name and
 * URL, or URL alone). Canaries run first, one at a time; when they all
 * succeed the rest run on a pool of `parallel` worker threads, each with its
 * own connection and its own runner (locks, ledger and retries are per
 * database). A failure stops new targets from starting unless
 * continue_on_error; targets that never started are reported skipped.
 *
 * Sources are shared read-only between workers: their SQL is loaded before
 * any worker starts, since loading it later would write to them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_int.h"

typedef struct fleet_run {
	const strata_fleet_options *o;
	strata_source *const *sources;
	size_t nsources;
	strata_fleet_result *result;
	char **urls;                   /* per target */
	pthread_mutex_t mu;
	pthread_mutex_t ev_mu;
	size_t next, end;              /* targets [next, end) still to start */
	int stop;                      /* a failure stopped the run */
	int continue_on_error;
} fleet_run;

typedef struct target_events {
	const strata_fleet_options *o;
	pthread_mutex_t *mu;           /* one event at a time, whatever the callback does */
	const char *name;
} target_events;

static void tag_event(const strata_migrate_event *ev, void *ud)
{
	target_events *t = ud;
	strata_migrate_event copy = *ev;

	copy.target = t->name;
	if (t->o->run.on_event == NULL)
		return;
	pthread_mutex_lock(t->mu);
	t->o->run.on_event(&copy, t->o->run.ud);
	pthread_mutex_unlock(t->mu);
}

static void run_target(fleet_run *f, size_t i)
{
	strata_fleet_target_result *t = &f->result->targets[i];
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_run_options ro = f->o->run;
	target_events te;
	int rc;

	te.o = f->o;
	te.mu = &f->ev_mu;
	te.name = t->name;
	ro.direction = STRATA_UP;
	ro.on_event = tag_event;
	ro.ud = &te;
	rc = strata_conninfo_parse(&ci, f->urls[i], STRATA_CONN_SOURCE_EXPLICIT, &t->error);
	if (rc == 0) {
		strata_conninfo_set_command(ci, f->o->command ? f->o->command : "migrate up");
		if (f->o->connect_timeout_ms > 0)
			strata_conninfo_set_timeout(ci, f->o->connect_timeout_ms);
		rc = strata_conn_open(&c, ci, &t->error);
	}
	if (rc == 0)
		rc = st_migrate_run(&t->run, NULL, c, f->sources, f->nsources, &ro, 0, &t->error);
	t->state = rc == 0 ? STRATA_TARGET_OK : STRATA_TARGET_FAILED;
	strata_conn_close(c);
	strata_conninfo_free(ci);
}

static void *worker(void *arg)
{
	fleet_run *f = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&f->mu);
		if (f->stop || f->next >= f->end || st_migrate_interrupted()) {
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		i = f->next++;
		pthread_mutex_unlock(&f->mu);
		run_target(f, i);
		if (f->result->targets[i].state == STRATA_TARGET_FAILED && !f->continue_on_error) {
			pthread_mutex_lock(&f->mu);
			f->stop = 1;
			pthread_mutex_unlock(&f->mu);
		}
	}
}

/* Runs targets [from, to) with up to parallel workers. */
static void run_range(fleet_run *f, size_t from, size_t to, int parallel)
{
	pthread_t threads[256];
	int n = 0, k;

	f->next = from;
	f->end = to;
	if (parallel > 256)
		parallel = 256;
	if ((size_t)parallel > to - from)
		parallel = (int)(to - from);
	for (k = 0; k < parallel; k++)
		if (pthread_create(&threads[n], NULL, worker, f) == 0)
			n++;
	if (n == 0)
		worker(f);   /* no threads available: run them here */
	for (k = 0; k < n; k++)
		pthread_join(threads[k], NULL);
}

static int add_target(strata_fleet_result *r, char ***urls, size_t *cap, const char *name,
	const char *url)
{
	strata_fleet_target_result *t;
	strata_buf shown = STRATA_BUF_INIT;

	if (r->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		strata_fleet_target_result *items = st_realloc(r->targets, ncap * sizeof(*items));
		char **u;

		if (items == NULL)
			return STRATA_ENOMEM;
		r->targets = items;
		u = st_realloc(*urls, ncap * sizeof(char *));
		if (u == NULL)
			return STRATA_ENOMEM;
		*urls = u;
		*cap = ncap;
	}
	t = &r->targets[r->n];
	memset(t, 0, sizeof(*t));
	t->state = STRATA_TARGET_SKIPPED;
	strata_conninfo_mask(&shown, url);
	t->display = strata_buf_detach(&shown);
	if (name != NULL)
		t->name = st_strdup(name);
	else if (strata_fleet_target_name(&t->name, url) != 0)
		t->name = NULL;
	(*urls)[r->n] = st_strdup(url);
	r->n++;
	return t->name && t->display && (*urls)[r->n - 1] ? 0 : STRATA_ENOMEM;
}

/* The targets a fleet file's query lists. */
static int query_targets(strata_fleet_result *r, char ***urls, size_t *cap,
	const strata_fleet_options *o, strata_error *err)
{
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_result *res = NULL;
	int rc, i, n;

	rc = strata_conninfo_parse(&ci, o->fleet->query_url, STRATA_CONN_SOURCE_EXPLICIT, err);
	if (rc == 0) {
		strata_conninfo_set_command(ci, "migrate fleet query");
		rc = strata_conn_open(&c, ci, err);
	}
	if (rc == 0)
		rc = strata_conn_query(&res, c, o->fleet->query_sql, 0, NULL, err);
	if (rc != 0) {
		strata_error_prefix(err, "the fleet query of '%s' failed", o->fleet->file);
		goto done;
	}
	n = strata_result_nrows(res);
	if (n > 0 && strata_result_ncols(res) != 1 && strata_result_ncols(res) != 2) {
		rc = strata_error_set(err, STRATA_EINVAL,
			"the fleet query of '%s' must return url, or name and url (it returns %d columns)",
			o->fleet->file, strata_result_ncols(res));
		goto done;
	}
	for (i = 0; i < n && rc == 0; i++) {
		int two = strata_result_ncols(res) == 2;
		const char *url = strata_result_value(res, i, two ? 1 : 0);

		if (url == NULL) {
			rc = strata_error_set(err, STRATA_EINVAL, "the fleet query of '%s' returned a NULL url (row %d)",
				o->fleet->file, i + 1);
			break;
		}
		if (add_target(r, urls, cap, two ? strata_result_value(res, i, 0) : NULL, url) != 0)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
done:
	strata_result_free(res);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc;
}

int strata_fleet_run(strata_fleet_result **out, strata_source *const *sources, size_t nsources,
	const strata_fleet_options *o, strata_error *err)
{
	strata_fleet_result *r = st_calloc(1, sizeof(*r));
	fleet_run f;
	char **urls = NULL;
	size_t cap = 0, i, s, canaries;
	int64_t t0 = st_now_ns();
	int rc = 0, parallel;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	if (r == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	for (i = 0; i < o->fleet->ntargets && rc == 0; i++)
		if (add_target(r, &urls, &cap, o->fleet->targets[i].name, o->fleet->targets[i].url) != 0)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0 && o->fleet->query_url != NULL)
		rc = query_targets(r, &urls, &cap, o, err);
	if (rc == 0 && r->n == 0)
		rc = strata_error_set(err, STRATA_EINVAL, "the fleet '%s' has no targets", o->fleet->file);
	/* Everything the workers read must be loaded before they start. */
	for (s = 0; s < nsources && rc == 0; s++) {
		for (i = 0; i < sources[s]->n && rc == 0; i++) {
			strata_migration *m = &sources[s]->migrations[i];

			if (m->up.path != NULL)
				rc = st_part_load_text(sources[s], &m->up, 0, err);
			if (rc == 0 && m->down.path != NULL)
				rc = st_part_load_text(sources[s], &m->down, 1, err);
		}
	}
	if (rc != 0)
		goto fail;

	f.o = o;
	f.sources = sources;
	f.nsources = nsources;
	f.result = r;
	f.urls = urls;
	f.continue_on_error = o->continue_on_error >= 0 ? o->continue_on_error : o->fleet->continue_on_error;
	pthread_mutex_init(&f.mu, NULL);
	pthread_mutex_init(&f.ev_mu, NULL);
	canaries = (size_t)(o->canary >= 0 ? o->canary : o->fleet->canary);
	if (canaries > r->n)
		canaries = r->n;
	parallel = o->parallel > 0 ? o->parallel : o->fleet->parallel > 0 ? o->fleet->parallel : 4;
	for (i = 0; i < canaries; i++)
		r->targets[i].canary = 1;
	/* Canaries first, one at a time; the rest only if every canary succeeded. */
	if (canaries > 0) {
		int keep = f.continue_on_error;

		f.continue_on_error = 0;
		run_range(&f, 0, canaries, 1);
		f.continue_on_error = keep;
	}
	if (!f.stop && !st_migrate_interrupted())
		run_range(&f, canaries, r->n, parallel);
	pthread_mutex_destroy(&f.mu);
	pthread_mutex_destroy(&f.ev_mu);
	for (i = 0; i < r->n; i++) {
		r->ok += r->targets[i].state == STRATA_TARGET_OK;
		r->failed += r->targets[i].state == STRATA_TARGET_FAILED;
		r->skipped += r->targets[i].state == STRATA_TARGET_SKIPPED;
	}
	r->duration_ms = st_ns_to_ms(st_now_ns() - t0);
	for (i = 0; i < r->n; i++)
		st_free(urls[i]);
	st_free(urls);
	*out = r;
	return 0;
fail:
	for (i = 0; i < r->n; i++)
		st_free(urls[i]);
	st_free(urls);
	strata_fleet_result_free(r);
	return rc;
}

void strata_fleet_result_free(strata_fleet_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		st_free(r->targets[i].name);
		st_free(r->targets[i].display);
	}
	st_free(r->targets);
	st_free(r);
}
