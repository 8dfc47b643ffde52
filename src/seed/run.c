/*
 * run.c: running seed files.
 *
 * Order of work: take the locks (every track's migration lock and the seed
 * lock; see guard.c), check that every migration is applied, read the
 * seeds table, then walk the files in name order: an unchanged file is up
 * to date, a new or changed one (or any, forced) runs. A dry run does the
 * same without locks or writes and reports what would run.
 *
 * One file is one transaction in two round trips:
 *   BEGIN; <the file's timeouts, local>; <the file>          (rows counted from the command tags)
 *   INSERT INTO <schema>.seeds ... ON CONFLICT ...; COMMIT; RESET ALL;
 * so that the file and its ledger row commit together or not at all, and
 * the ledger row carries the rows the file changed. RESET ALL leaves the
 * session clean for the next file whatever the file SET. The first failure
 * rolls its file back and ends the run; files before it stay committed.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "seed/seed_int.h"

static volatile sig_atomic_t interrupted;

void strata_seed_interrupt(void)
{
	interrupted = 1;
}

typedef struct seed_run {
	strata_conn *c;
	const strata_seed_options *o;
	const strata_project_config *config;
	strata_seed_result *result;
	int ledger_ready;          /* the seeds table exists (ensured once, before the first file) */
	long long rows;            /* of the file running */
} seed_run;

static void emit(const seed_run *sr, strata_seed_event *ev)
{
	if (sr->o->on_event != NULL)
		sr->o->on_event(ev, sr->o->ud);
}

static void event_for(strata_seed_event *ev, strata_seed_event_kind kind, const strata_seed_file *f,
	const char *why)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->file = f;
	ev->why = why;
	ev->sqlstate = "";
}

static void on_lock_wait(const char *message, void *ud)
{
	seed_run *sr = ud;
	strata_seed_event ev;

	event_for(&ev, STRATA_SEED_EV_LOCK_WAIT, NULL, NULL);
	ev.message = message;
	emit(sr, &ev);
}

static int should_cancel(void *ud)
{
	ST_UNUSED(ud);
	return interrupted != 0;
}

/* Rows changed by the file's statements (results 0 and 1 are BEGIN and the settings). */
static int count_rows(const strata_batch_item *item, void *ud)
{
	seed_run *sr = ud;
	const char *tag = item->tag;

	if (item->index >= 2 && tag != NULL && (strncmp(tag, "INSERT", 6) == 0 ||
		strncmp(tag, "UPDATE", 6) == 0 || strncmp(tag, "DELETE", 6) == 0 ||
		strncmp(tag, "MERGE", 5) == 0 || strncmp(tag, "COPY", 4) == 0))
		sr->rows += item->rows;
	return 0;
}

static int64_t setting(int64_t option, int64_t config)
{
	return option >= 0 ? option : config;
}

static void rollback(strata_conn *c)
{
	strata_error ignored = STRATA_ERROR_INIT;

	if (!strata_conn_is_bad(c) && strata_tx_status(c) != STRATA_TX_IDLE)
		strata_conn_exec(c, "ROLLBACK", &ignored);
}

/* Reports a failed file: the event, then the error worded for the user. */
static int fail_file(seed_run *sr, const strata_seed_file *f, const char *why, int statement,
	int64_t t0, strata_error *err)
{
	strata_seed_event ev;

	rollback(sr->c);
	if (interrupted) {
		strata_error_set(err, STRATA_ETIMEOUT, "interrupted: '%s' was cancelled and rolled back", f->path);
		strata_error_sqlstate(err, "57014");
		statement = 0;
	}
	event_for(&ev, STRATA_SEED_EV_ERROR, f, why);
	ev.duration_ms = st_ns_to_ms(st_now_ns() - t0);
	ev.statement = statement;
	ev.line = statement > 0 && statement <= f->nstatements ? f->lines[statement] : 0;
	ev.message = err->message;
	ev.sqlstate = err->sqlstate;
	emit(sr, &ev);
	if (!interrupted) {
		if (ev.line > 0)
			strata_error_prefix(err, "%s line %d", f->path, ev.line);
		else
			strata_error_prefix(err, "%s", f->path);
		if (sr->result->seeded > 0)
			strata_error_hint(err, "nothing of '%s' was kept; the %zu seed file%s before it stay%s applied",
				f->path, sr->result->seeded, sr->result->seeded == 1 ? "" : "s",
				sr->result->seeded == 1 ? "s" : "");
		else
			strata_error_hint(err, "nothing of '%s' was kept", f->path);
	}
	sr->result->failed = 1;
	return err->code != 0 ? err->code : STRATA_EINTERNAL;
}

static int run_file(seed_run *sr, const strata_seed_file *f, const char *why, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_batch_hooks hooks;
	strata_seed_event ev;
	int64_t t0 = st_now_ns();
	double ms;
	int failed = -1, rc;

	event_for(&ev, STRATA_SEED_EV_START, f, why);
	emit(sr, &ev);
	sr->rows = 0;
	strata_buf_printf(&sql, "BEGIN;\nSELECT set_config('lock_timeout', '%lldms', true),"
		" set_config('statement_timeout', '%lldms', true);\n",
		(long long)setting(sr->o->lock_timeout_ms, sr->config->lock_timeout_ms),
		(long long)setting(sr->o->statement_timeout_ms, sr->config->statement_timeout_ms));
	strata_buf_append(&sql, f->sql, f->len);
	/* On its own line: the file may end in a comment or lack its last ';'. */
	strata_buf_puts(&sql, "\n;\n");
	if (strata_buf_failed(&sql)) {
		strata_buf_release(&sql);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = count_rows;
	hooks.should_cancel = should_cancel;
	hooks.ud = sr;
	rc = strata_conn_exec_batch(sr->c, strata_buf_cstr(&sql), &hooks, &failed, err);
	if (rc != 0) {
		strata_buf_release(&sql);
		return fail_file(sr, f, why, failed >= 2 ? failed - 1 : 0, t0, err);
	}
	ms = st_ns_to_ms(st_now_ns() - t0);
	strata_buf_clear(&sql);
	rc = st_seed_ledger_write(&sql, sr->c, sr->config->ledger_schema, f, ms, sr->rows, err);
	if (rc == 0) {
		strata_buf_puts(&sql, ";\nCOMMIT;\nRESET ALL;\n");
		rc = strata_buf_failed(&sql) ? strata_error_set(err, STRATA_ENOMEM, "out of memory")
			: strata_conn_exec_batch(sr->c, strata_buf_cstr(&sql), NULL, NULL, err);
	}
	strata_buf_release(&sql);
	if (rc != 0) {
		if (!interrupted)
			strata_error_prefix(err, "cannot record the run in the seeds table");
		return fail_file(sr, f, why, 0, t0, err);
	}
	event_for(&ev, STRATA_SEED_EV_DONE, f, why);
	ev.duration_ms = ms;
	ev.rows_changed = sr->rows;
	emit(sr, &ev);
	sr->result->seeded++;
	sr->result->rows_changed += sr->rows;
	return 0;
}

/* Why a file runs ("new", "changed", "forced"), or NULL when it is up to date. */
static const char *why_run(const st_seed_ledger *ledger, const strata_seed_file *f, int force)
{
	const char *sum = st_seed_ledger_checksum(ledger, f->name);

	if (sum == NULL)
		return "new";
	if (strcmp(sum, f->checksum) != 0)
		return "changed";
	return force ? "forced" : NULL;
}

static int walk_files(seed_run *sr, const strata_seed_set *set, const st_seed_ledger *ledger,
	strata_error *err)
{
	strata_seed_event ev;
	size_t i;
	int rc = 0;

	for (i = 0; i < set->n && rc == 0; i++) {
		const strata_seed_file *f = &set->files[i];
		const char *why = why_run(ledger, f, sr->o->force);

		if (why == NULL) {
			sr->result->up_to_date++;
			event_for(&ev, STRATA_SEED_EV_UP_TO_DATE, f, NULL);
			emit(sr, &ev);
			continue;
		}
		sr->result->planned++;
		if (sr->o->dry_run) {
			event_for(&ev, STRATA_SEED_EV_PLANNED, f, why);
			emit(sr, &ev);
			continue;
		}
		if (interrupted) {
			rc = strata_error_set(err, STRATA_ETIMEOUT, "interrupted before '%s'", f->path);
			strata_error_sqlstate(err, "57014");
			sr->result->failed = 1;
			break;
		}
		if (!sr->ledger_ready) {
			rc = st_seed_ledger_ensure(sr->c, sr->config->ledger_schema, err);
			if (rc != 0)
				break;
			sr->ledger_ready = 1;
		}
		rc = run_file(sr, f, why, err);
	}
	/* What the rest would have been: counted, so that the summary adds up. */
	for (; i < set->n && rc != 0; i++)
		if (why_run(ledger, &set->files[i], sr->o->force) != NULL)
			sr->result->planned++;
	return rc;
}

int strata_seed_run(strata_seed_result *result, strata_conn *c, const strata_seed_set *set,
	const strata_seed_options *options, strata_error *err)
{
	seed_run sr;
	st_seed_ledger ledger;
	st_seed_lock *locks = NULL;
	size_t held = 0;
	int64_t t0 = st_now_ns();
	int rc = 0;

	memset(result, 0, sizeof(*result));
	memset(&ledger, 0, sizeof(ledger));
	memset(&sr, 0, sizeof(sr));
	sr.c = c;
	sr.o = options;
	sr.config = options->config;
	sr.result = result;
	result->files = set->n;
	interrupted = 0;
	if (set->n == 0)
		goto done;
	if (!options->dry_run) {
		int64_t wait = options->no_wait ? 0 : setting(options->lock_wait_ms, sr.config->lock_wait_ms);

		rc = st_seed_take_locks(&locks, &held, c, sr.config, wait, on_lock_wait, &sr, err);
		if (rc != 0)
			goto done;
	}
	if (!options->skip_migration_check) {
		rc = strata_seed_check_migrations(c, sr.config, err);
		if (rc != 0)
			goto done;
	}
	rc = st_seed_ledger_read(&ledger, c, sr.config->ledger_schema, err);
	if (rc == 0)
		rc = walk_files(&sr, set, &ledger, err);
done:
	if (held > 0 || locks != NULL)
		st_seed_release_locks(c, locks, held);
	st_free(locks);
	st_seed_ledger_release(&ledger);
	result->duration_ms = st_ns_to_ms(st_now_ns() - t0);
	return rc;
}
