/*
 * run_int.h: what the files of a run share (run.c, run_guard.c, run_steps.c).
 */
#ifndef STRATA_SRC_MIGRATE_RUN_INT_H
#define STRATA_SRC_MIGRATE_RUN_INT_H

#include "migrate/migrate_int.h"

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

typedef struct held_lock {
	int64_t key;
	char name[256];
} held_lock;

/* ---- run.c ---- */
void st_run_emit(run_state *rs, strata_migrate_event *ev);
void st_run_event_for(strata_migrate_event *ev, strata_event_kind kind, const strata_plan_step *step);
/* Batch hooks: cancel on Ctrl-C; warn once when the current step runs past long_running. */
int st_run_should_cancel(void *ud);
void st_run_on_tick(int64_t waited_ms, void *ud);
/* Reads the ledger write's row counts of step (JSON text) into rs->counts. */
void st_run_read_counts(run_state *rs, const strata_plan_step *step, const char *text);

/* ---- run_guard.c: locks, proxies, requirements across tracks ---- */
int st_run_take_locks(run_state *rs, strata_source *const *sources, size_t n, const char *db,
	held_lock *held, size_t *nheld, double *waited_ms, strata_error *err);
void st_run_release_locks(run_state *rs, held_lock *held, size_t n);
int st_run_check_pooling(run_state *rs, strata_error *err);
int st_run_read_foreign(strata_ledger **out, strata_conn *c, const char *schema,
	strata_source *const *sources, size_t nsources, strata_error *err);
int st_run_check_required_elsewhere(run_state *rs, const strata_plan *plan, const char *const *tracks,
	size_t ntracks, strata_error *err);

/* ---- run_steps.c: executing a plan ---- */
int st_run_execute(run_state *rs, strata_plan *plan, strata_error *err);

#endif
