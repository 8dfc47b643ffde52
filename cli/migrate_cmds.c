/*
 * migrate_cmds.c: the `strata migrate` subcommands (see cmd_migrate.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate_cli.h"

/* ---- the project and its files ---- */

void mig_project_free(mig_project *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		strata_source_free(p->sources[i]);
	free(p->sources);
	strata_problems_release(&p->problems);
	strata_project_config_free(p->config);
	memset(p, 0, sizeof(*p));
}

static int print_problems(cli_ctx *ctx, const strata_problems *problems, int as_result)
{
	strata_buf out = STRATA_BUF_INIT;
	size_t i;

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "valid");
		strata_json_bool(&w, problems->n == 0);
		strata_json_key(&w, "problems");
		strata_json_array_begin(&w);
		for (i = 0; i < problems->n; i++) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "file");
			strata_json_string(&w, problems->items[i].file);
			strata_json_key(&w, "line");
			if (problems->items[i].line > 0)
				strata_json_int(&w, problems->items[i].line);
			else
				strata_json_null(&w);
			strata_json_key(&w, "message");
			strata_json_string(&w, problems->items[i].message);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
		cli_write_stdout(&out);
	} else {
		for (i = 0; i < problems->n; i++) {
			const strata_problem *pr = &problems->items[i];

			if (pr->file != NULL && pr->line > 0)
				fprintf(stderr, "%s:%d: %s\n", pr->file, pr->line, pr->message);
			else if (pr->file != NULL)
				fprintf(stderr, "%s: %s\n", pr->file, pr->message);
			else
				fprintf(stderr, "%s\n", pr->message);
		}
	}
	strata_buf_release(&out);
	if (problems->n > 0 && !as_result) {
		strata_error err = STRATA_ERROR_INIT;

		strata_error_set(&err, STRATA_EINVAL, "%zu problem%s in the migration files; nothing was run",
			problems->n, problems->n == 1 ? "" : "s");
		return cli_report(ctx, &err);
	}
	return problems->n > 0 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}

int mig_load_config(mig_project *p, cli_ctx *ctx, const mig_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf root = STRATA_BUF_INIT;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = strata_project_root(&root, ctx->project_dir ? ctx->project_dir : ".", &err);
	if (rc == 0)
		rc = strata_project_config_load(&p->config, strata_buf_cstr(&root), &err);
	strata_buf_release(&root);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (o->track != NULL && strata_project_config_track(p->config, o->track) == NULL) {
		strata_buf names = STRATA_BUF_INIT;

		for (i = 0; i < p->config->ntracks; i++)
			strata_buf_printf(&names, "%s'%s'", i ? ", " : "", p->config->tracks[i].name);
		strata_error_set(&err, STRATA_EINVAL, "no track '%s' (the project has %s)", o->track,
			strata_buf_cstr(&names));
		strata_buf_release(&names);
		return cli_report(ctx, &err);
	}
	return 0;
}

int mig_load_sources(mig_project *p, cli_ctx *ctx, const mig_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	size_t i;
	int rc;

	p->sources = calloc(p->config->ntracks + 1, sizeof(strata_source *));
	if (p->sources == NULL) {
		strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		return cli_report(ctx, &err);
	}
	for (i = 0; i < p->config->ntracks; i++) {
		const strata_track_config *t = &p->config->tracks[i];

		if (o->track != NULL && strcmp(t->name, o->track) != 0)
			continue;
		rc = strata_source_load(&p->sources[p->n], t, p->config->root, &p->problems, &err);
		if (rc != 0)
			return cli_report(ctx, &err);
		p->n++;
	}
	if (p->problems.n > 0 && !o->ignore_problems)
		return print_problems(ctx, &p->problems, 0);
	return 0;
}

int mig_load(mig_project *p, cli_ctx *ctx, const mig_opts *o)
{
	int rc = mig_load_config(p, ctx, o);

	return rc != 0 ? rc : mig_load_sources(p, ctx, o);
}

/* The tracks a command works on: all, or the one --track names. */
static size_t chosen_tracks(const char **out, const mig_project *p, const mig_opts *o)
{
	size_t i, n = 0;

	for (i = 0; i < p->config->ntracks; i++)
		if (o->track == NULL || strcmp(p->config->tracks[i].name, o->track) == 0)
			out[n++] = p->config->tracks[i].name;
	return n;
}

/*
 * Connecting and reading the files do not depend on each other: the
 * connection is opened on a thread while the files are checked, which saves
 * the server's session start-up from the command's time.
 */
typedef struct early_conn {
	pthread_t thread;
	int started;
	cli_ctx *ctx;
	strata_conninfo *ci;
	strata_conn *conn;
	strata_error err;
	int rc;
	/* Optionally the ledger too (it depends on the config only, not on the files). */
	const char *schema;
	const char **tracks;
	size_t ntracks;
	strata_ledger *ledger;
} early_conn;

static void *early_connect(void *arg)
{
	early_conn *e = arg;

	e->rc = strata_conn_open(&e->conn, e->ci, &e->err);
	if (e->rc == 0 && e->schema != NULL)
		e->rc = strata_ledger_read(&e->ledger, e->conn, e->schema, e->tracks, e->ntracks, &e->err);
	return NULL;
}

/* Starts connecting (and reading the ledger when schema is set); problems are reported by early_finish. */
static void early_start(early_conn *e, cli_ctx *ctx, const char *schema, const char **tracks,
	size_t ntracks)
{
	memset(e, 0, sizeof(*e));
	e->ctx = ctx;
	e->schema = schema;
	e->tracks = tracks;
	e->ntracks = ntracks;
	e->rc = cli_resolve_database(&e->ci, ctx, &e->err);
	if (e->rc == 0 && pthread_create(&e->thread, NULL, early_connect, e) == 0)
		e->started = 1;
	else if (e->rc == 0)
		early_connect(e);
}

/* The connection (or the exit code of its failure). keep = 0 just cleans up. */
static int early_finish(early_conn *e, strata_conn **out, int keep)
{
	int rc;

	if (e->started)
		pthread_join(e->thread, NULL);
	e->started = 0;
	strata_conninfo_free(e->ci);
	e->ci = NULL;
	if (!keep || e->rc != 0) {
		strata_conn_close(e->conn);
		strata_ledger_free(e->ledger);
		e->conn = NULL;
		e->ledger = NULL;
		rc = keep && e->rc != 0 ? cli_report(e->ctx, &e->err) : 0;
		return rc;
	}
	*out = e->conn;
	e->conn = NULL;
	return 0;
}

static int connect_db(strata_conn **out, cli_ctx *ctx)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	int rc;

	*out = NULL;
	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(out, ci, &err);
	strata_conninfo_free(ci);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

/* ---- validate ---- */

int mig_validate(cli_ctx *ctx, mig_opts *o)
{
	mig_project p;
	size_t i, total = 0;
	int rc;

	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate validate' takes no arguments");
	rc = mig_load(&p, ctx, o);
	if (rc == 0) {
		for (i = 0; i < p.n; i++)
			total += p.sources[i]->n;
		if (ctx->format == CLI_FORMAT_JSON)
			print_problems(ctx, &p.problems, 1);
		else
			printf("%zu migration%s in %zu track%s: valid\n", total, total == 1 ? "" : "s", p.n,
				p.n == 1 ? "" : "s");
	}
	mig_project_free(&p);
	return rc;
}

/* ---- status ---- */

static void status_json(strata_buf *out, const mig_project *p, const strata_status *st,
	const char *db)
{
	strata_json w;
	size_t i, t;

	strata_json_init(&w, out, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "database");
	strata_json_string(&w, db);
	strata_json_key(&w, "tracks");
	strata_json_array_begin(&w);
	for (t = 0; t < p->n; t++) {
		const strata_source *s = p->sources[t];

		strata_json_object_begin(&w);
		strata_json_key(&w, "name");
		strata_json_string(&w, s->track->name);
		strata_json_key(&w, "path");
		strata_json_string(&w, s->track->path);
		strata_json_key(&w, "layout");
		strata_json_string(&w, strata_layout_name(s->layout));
		strata_json_key(&w, "versions");
		strata_json_string(&w, strata_version_scheme_name(s->scheme));
		strata_json_key(&w, "migrations");
		strata_json_array_begin(&w);
		for (i = 0; i < st->n; i++) {
			const strata_status_entry *e = &st->entries[i];

			if (strcmp(e->track, s->track->name) != 0)
				continue;
			strata_json_object_begin(&w);
			strata_json_key(&w, "version");
			strata_json_string(&w, e->version);
			strata_json_key(&w, "name");
			strata_json_string(&w, e->name);
			strata_json_key(&w, "state");
			strata_json_string(&w, strata_mig_state_name(e->state));
			strata_json_key(&w, "file");
			strata_json_string(&w, e->file ? e->file->up.path : NULL);
			if (e->file != NULL) {
				strata_json_key(&w, "checksum");
				strata_json_string(&w, e->file->up.checksum);
				strata_json_key(&w, "execution");
				strata_json_string(&w, e->file->up.mode == STRATA_EXEC_TRANSACTION ? "transaction"
					: "statements");
			}
			if (e->applied != NULL) {
				strata_json_key(&w, "applied_at");
				strata_json_string(&w, e->applied->applied_at);
				strata_json_key(&w, "applied_by");
				strata_json_string(&w, e->applied->applied_by);
				strata_json_key(&w, "duration_ms");
				strata_json_double(&w, e->applied->duration_ms);
				strata_json_key(&w, "applied_checksum");
				strata_json_string(&w, e->applied->checksum);
				strata_json_key(&w, "baseline");
				strata_json_bool(&w, e->applied->baseline);
			}
			if (e->state == STRATA_MIG_PARTIAL) {
				strata_json_key(&w, "statements_done");
				strata_json_int(&w, e->statements_done);
			}
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "summary");
	strata_json_object_begin(&w);
	strata_json_key(&w, "applied");
	strata_json_uint(&w, st->applied);
	strata_json_key(&w, "pending");
	strata_json_uint(&w, st->pending);
	strata_json_key(&w, "changed");
	strata_json_uint(&w, st->changed);
	strata_json_key(&w, "missing");
	strata_json_uint(&w, st->missing);
	strata_json_key(&w, "out_of_order");
	strata_json_uint(&w, st->out_of_order);
	strata_json_key(&w, "partial");
	strata_json_uint(&w, st->partial);
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(out, '\n');
}

static void status_text(strata_buf *out, const mig_project *p, const strata_status *st,
	const char *db)
{
	size_t i, t;

	strata_buf_printf(out, "database: %s\n", db);
	for (t = 0; t < p->n; t++) {
		const strata_source *s = p->sources[t];
		size_t shown = 0;

		strata_buf_printf(out, "\ntrack %s (%s, %s layout, %s versions)\n", s->track->name,
			s->track->path, strata_layout_name(s->layout), strata_version_scheme_name(s->scheme));
		for (i = 0; i < st->n; i++) {
			const strata_status_entry *e = &st->entries[i];

			if (strcmp(e->track, s->track->name) != 0)
				continue;
			shown++;
			strata_buf_printf(out, "  %-12s %-16s %-32s", strata_mig_state_name(e->state), e->version,
				e->name);
			if (e->state == STRATA_MIG_APPLIED && e->applied != NULL)
				strata_buf_printf(out, " %s%s", e->applied->applied_at,
					e->applied->baseline ? " (baseline)" : "");
			else if (e->state == STRATA_MIG_CHANGED)
				strata_buf_puts(out, " the file changed since it was applied");
			else if (e->state == STRATA_MIG_MISSING)
				strata_buf_puts(out, " applied, but its file is gone");
			else if (e->state == STRATA_MIG_OUT_OF_ORDER)
				strata_buf_puts(out, " older than the newest applied migration");
			else if (e->state == STRATA_MIG_PARTIAL)
				strata_buf_printf(out, " stopped after statement %d; 'up' resumes it", e->statements_done);
			strata_buf_putc(out, '\n');
		}
		if (shown == 0)
			strata_buf_puts(out, "  (no migrations)\n");
	}
	strata_buf_printf(out, "\n%zu applied, %zu pending", st->applied, st->pending);
	if (st->changed)
		strata_buf_printf(out, ", %zu changed", st->changed);
	if (st->missing)
		strata_buf_printf(out, ", %zu missing", st->missing);
	if (st->out_of_order)
		strata_buf_printf(out, ", %zu out of order", st->out_of_order);
	if (st->partial)
		strata_buf_printf(out, ", %zu partial", st->partial);
	strata_buf_putc(out, '\n');
}

int mig_status(cli_ctx *ctx, mig_opts *o)
{
	early_conn early;
	mig_project p;
	strata_conn *c = NULL;
	strata_ledger *ledger = NULL;
	strata_status *st = NULL;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf out = STRATA_BUF_INIT;
	const char **tracks = NULL;
	int rc;

	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate status' takes no arguments");
	rc = mig_load_config(&p, ctx, o);
	if (rc != 0)
		goto done;
	tracks = calloc(p.config->ntracks + 1, sizeof(char *));
	if (tracks == NULL) {
		strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		rc = cli_report(ctx, &err);
		goto done;
	}
	/* Only the connection: on two cores, a query racing the file scan costs more than it saves. */
	strata_log(STRATA_LOG_DEBUG, "strata.yaml read at %.1f ms", cli_elapsed_ms());
	early_start(&early, ctx, NULL, NULL, 0);
	strata_log(STRATA_LOG_DEBUG, "connecting from %.1f ms", cli_elapsed_ms());
	rc = mig_load_sources(&p, ctx, o);
	strata_log(STRATA_LOG_DEBUG, "files checked at %.1f ms", cli_elapsed_ms());
	if (rc != 0) {
		early_finish(&early, NULL, 0);
		goto done;
	}
	rc = early_finish(&early, &c, 1);
	if (rc != 0)
		goto done;
	strata_log(STRATA_LOG_DEBUG, "connected at %.1f ms", cli_elapsed_ms());
	if (strata_ledger_read(&ledger, c, p.config->ledger_schema, tracks, chosen_tracks(tracks, &p, o),
		&err) != 0 || strata_status_compute(&st, p.sources, p.n, ledger, o->allow_out_of_order, &err) != 0) {
		if (err.code == 0)
			strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		rc = cli_report(ctx, &err);
		goto done;
	}
	strata_log(STRATA_LOG_DEBUG, "ledger read and compared at %.1f ms", cli_elapsed_ms());
	if (ctx->format == CLI_FORMAT_JSON)
		status_json(&out, &p, st, strata_conn_display(c));
	else
		status_text(&out, &p, st, strata_conn_display(c));
	rc = cli_write_stdout(&out);
	strata_log(STRATA_LOG_DEBUG, "printed at %.1f ms", cli_elapsed_ms());
	/* Pending migrations are normal; changed, missing, out-of-order or partial ones are findings. */
	if (rc == 0 && (st->changed || st->missing || st->out_of_order || st->partial))
		rc = CLI_EXIT_FINDINGS;
done:
	free(tracks);
	strata_buf_release(&out);
	strata_status_free(st);
	strata_ledger_free(ledger);
	strata_conn_close(c);
	mig_project_free(&p);
	return rc;
}

/* ---- events ---- */

/* A row count for people: "1200", "~48000000" (an estimate), or what its absence means. */
static void put_count(strata_buf *b, long long n, int estimated, const char *absent)
{
	if (n < 0)
		strata_buf_puts(b, absent);
	else
		strata_buf_printf(b, "%s%lld", estimated ? "~" : "", n);
}

void mig_print_event(const strata_migrate_event *ev, void *ud)
{
	cli_ctx *ctx = ud;
	static const char *const kinds[] = { "lock_wait", "start", "statement", "retry", "done", "error",
		"warning" };
	size_t i;

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf b = STRATA_BUF_INIT;
		strata_json w;

		strata_json_init(&w, &b, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "event");
		strata_json_string(&w, kinds[ev->kind]);
		if (ev->target != NULL) {
			strata_json_key(&w, "target");
			strata_json_string(&w, ev->target);
		}
		if (ev->track != NULL) {
			strata_json_key(&w, "track");
			strata_json_string(&w, ev->track);
		}
		if (ev->version != NULL) {
			strata_json_key(&w, "version");
			strata_json_string(&w, ev->version);
			strata_json_key(&w, "name");
			strata_json_string(&w, ev->name);
			strata_json_key(&w, "direction");
			strata_json_string(&w, ev->direction == STRATA_UP ? "up" : "down");
		}
		switch (ev->kind) {
		case STRATA_EV_DONE:
			strata_json_key(&w, "duration_ms");
			strata_json_double(&w, ev->duration_ms);
			strata_json_key(&w, "rows_changed");
			strata_json_int(&w, ev->rows_changed);
			strata_json_key(&w, "row_counts");
			strata_json_array_begin(&w);
			for (i = 0; i < ev->nrow_counts; i++) {
				const strata_row_count *rc = &ev->row_counts[i];

				strata_json_object_begin(&w);
				strata_json_key(&w, "table");
				strata_json_string(&w, rc->table);
				strata_json_key(&w, "before");
				if (rc->before >= 0)
					strata_json_int(&w, rc->before);
				else
					strata_json_null(&w);
				strata_json_key(&w, "after");
				if (rc->after >= 0)
					strata_json_int(&w, rc->after);
				else
					strata_json_null(&w);
				strata_json_key(&w, "estimated");
				strata_json_bool(&w, rc->before_estimated || rc->after_estimated);
				strata_json_object_end(&w);
			}
			strata_json_array_end(&w);
			break;
		case STRATA_EV_STATEMENT:
			strata_json_key(&w, "statement");
			strata_json_int(&w, ev->statement);
			strata_json_key(&w, "statements");
			strata_json_int(&w, ev->statements);
			break;
		case STRATA_EV_RETRY:
			strata_json_key(&w, "attempt");
			strata_json_int(&w, ev->attempt);
			strata_json_key(&w, "max_attempts");
			strata_json_int(&w, ev->max_attempts);
			strata_json_key(&w, "delay_ms");
			strata_json_int(&w, ev->delay_ms);
			strata_json_key(&w, "sqlstate");
			strata_json_string(&w, ev->sqlstate);
			break;
		case STRATA_EV_ERROR:
			strata_json_key(&w, "sqlstate");
			strata_json_string(&w, ev->sqlstate && ev->sqlstate[0] ? ev->sqlstate : NULL);
			strata_json_key(&w, "file");
			strata_json_string(&w, ev->file);
			strata_json_key(&w, "line");
			if (ev->line > 0)
				strata_json_int(&w, ev->line);
			else
				strata_json_null(&w);
			strata_json_key(&w, "statement");
			if (ev->statement > 0)
				strata_json_int(&w, ev->statement);
			else
				strata_json_null(&w);
			break;
		default:
			break;
		}
		if (ev->message != NULL) {
			strata_json_key(&w, "message");
			strata_json_string(&w, ev->message);
		}
		strata_json_object_end(&w);
		strata_buf_putc(&b, '\n');
		cli_write_stdout(&b);
		strata_buf_release(&b);
		return;
	}
	switch (ev->kind) {
	case STRATA_EV_DONE: {
		strata_buf extra = STRATA_BUF_INIT;

		if (ev->rows_changed > 0)
			strata_buf_printf(&extra, ", %lld row%s changed", ev->rows_changed,
				ev->rows_changed == 1 ? "" : "s");
		for (i = 0; i < ev->nrow_counts; i++) {
			const strata_row_count *rc = &ev->row_counts[i];

			strata_buf_printf(&extra, "%s%s ", i == 0 ? "; rows: " : ", ", rc->table);
			put_count(&extra, rc->before, rc->before_estimated, "none");
			strata_buf_puts(&extra, " -> ");
			put_count(&extra, rc->after, rc->after_estimated, "dropped");
		}
		strata_log(STRATA_LOG_NOTICE, "%s%s%s %s/%s %s (%.1f ms%s)", ev->target ? ev->target : "",
			ev->target ? ": " : "", ev->direction == STRATA_UP ? "applied" : "reverted", ev->track,
			ev->version, ev->name, ev->duration_ms, strata_buf_cstr(&extra));
		strata_buf_release(&extra);
		break;
	}
	case STRATA_EV_START:
		strata_log(STRATA_LOG_INFO, "%s%s%s %s/%s %s", ev->target ? ev->target : "",
			ev->target ? ": " : "", ev->direction == STRATA_UP ? "applying" : "reverting", ev->track,
			ev->version, ev->name);
		break;
	case STRATA_EV_STATEMENT:
		strata_log(STRATA_LOG_INFO, "%s/%s: statement %d of %d done", ev->track, ev->version,
			ev->statement, ev->statements);
		break;
	case STRATA_EV_RETRY:
		strata_log(STRATA_LOG_WARNING, "%s%s%s/%s: %s; retry %d of %d in %d ms",
			ev->target ? ev->target : "", ev->target ? ": " : "", ev->track, ev->version, ev->message,
			ev->attempt - 1, ev->max_attempts - 1, ev->delay_ms);
		break;
	case STRATA_EV_ERROR:
		/* A single database's failure is the command's own error, reported once at the end. */
		if (ev->target == NULL)
			break;
		strata_log(STRATA_LOG_ERROR, "%s%s%s/%s %s failed%s%s: %s", ev->target ? ev->target : "",
			ev->target ? ": " : "", ev->track, ev->version, ev->name, ev->file ? " at " : "",
			ev->file ? ev->file : "", ev->message);
		break;
	case STRATA_EV_LOCK_WAIT:
	case STRATA_EV_WARNING:
		strata_log(STRATA_LOG_WARNING, "%s%s%s", ev->target ? ev->target : "", ev->target ? ": " : "",
			ev->message);
		break;
	}
}

/* ---- plan, up, down, redo, goto ---- */

void mig_fill_run_options(strata_run_options *ro, const mig_project *p, const mig_opts *o,
	cli_ctx *ctx)
{
	strata_run_options init = STRATA_RUN_OPTIONS_INIT;

	*ro = init;
	ro->config = p->config;
	ro->to_version = o->to;
	ro->steps = o->steps;
	ro->allow_out_of_order = o->allow_out_of_order;
	ro->dry_run = o->dry_run;
	ro->no_wait = o->no_wait;
	ro->lock_wait_ms = o->lock_wait_ms;
	ro->lock_timeout_ms = o->lock_timeout_ms;
	ro->statement_timeout_ms = o->statement_timeout_ms;
	ro->lock_retries = o->lock_retries;
	ro->flush_each = o->flush_each;
	ro->on_event = mig_print_event;
	ro->ud = ctx;
}

static void print_plan(cli_ctx *ctx, const strata_plan *plan)
{
	strata_buf out = STRATA_BUF_INIT;
	size_t i;

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "prologue");
		strata_json_string(&w, plan->prologue);
		strata_json_key(&w, "epilogue");
		strata_json_string(&w, plan->epilogue);
		strata_json_key(&w, "steps");
		strata_json_array_begin(&w);
		for (i = 0; i < plan->n; i++) {
			const strata_plan_step *s = &plan->steps[i];

			strata_json_object_begin(&w);
			strata_json_key(&w, "track");
			strata_json_string(&w, s->source->track->name);
			strata_json_key(&w, "version");
			strata_json_string(&w, s->migration->version);
			strata_json_key(&w, "name");
			strata_json_string(&w, s->migration->name);
			strata_json_key(&w, "direction");
			strata_json_string(&w, s->direction == STRATA_UP ? "up" : "down");
			strata_json_key(&w, "why");
			strata_json_string(&w, s->why);
			strata_json_key(&w, "sql");
			strata_json_string(&w, s->sql);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else if (plan->n == 0) {
		strata_buf_puts(&out, "-- nothing to do\n");
	} else {
		strata_buf_printf(&out, "-- session\n%s\n", plan->prologue);
		for (i = 0; i < plan->n; i++) {
			const strata_plan_step *s = &plan->steps[i];

			strata_buf_printf(&out, "-- [%zu/%zu] %s %s/%s %s: %s\n", i + 1, plan->n,
				s->direction == STRATA_UP ? "up" : "down", s->source->track->name,
				s->migration->version, s->migration->name, s->why);
			strata_buf_puts(&out, s->sql);
			strata_buf_putc(&out, '\n');
		}
		strata_buf_printf(&out, "-- session\n%s", plan->epilogue);
	}
	cli_write_stdout(&out);
	strata_buf_release(&out);
}

static void print_summary(cli_ctx *ctx, const strata_run_result *r, strata_direction dir, int rc)
{
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf b = STRATA_BUF_INIT;

		strata_buf_printf(&b, "{\"summary\":{\"direction\":\"%s\",\"planned\":%zu,\"%s\":%zu,"
			"\"failed\":%s,\"duration_ms\":%.3f}}\n", dir == STRATA_UP ? "up" : "down", r->planned,
			dir == STRATA_UP ? "applied" : "reverted", r->applied, rc != 0 ? "true" : "false",
			r->duration_ms);
		cli_write_stdout(&b);
		strata_buf_release(&b);
		return;
	}
	if (rc == 0 && r->planned == 0)
		strata_log(STRATA_LOG_NOTICE, dir == STRATA_UP ? "nothing to do: the database is up to date"
			: "nothing to revert");
	else if (rc == 0)
		strata_log(STRATA_LOG_NOTICE, "%s %zu migration%s in %.0f ms", dir == STRATA_UP ? "applied"
			: "reverted", r->applied, r->applied == 1 ? "" : "s", r->duration_ms);
}

static int run_direction(cli_ctx *ctx, mig_opts *o, strata_direction dir, int force_dry_run)
{
	early_conn early;
	mig_project p;
	strata_conn *c = NULL;
	strata_plan *plan = NULL;
	strata_run_options ro;
	strata_run_result result;
	strata_error err = STRATA_ERROR_INIT;
	int rc;

	if (o->targets == NULL)
		early_start(&early, ctx, NULL, NULL, 0);
	rc = mig_load(&p, ctx, o);
	if (rc == 0 && dir == STRATA_DOWN && p.n > 1)
		rc = cli_usage_error(ctx, "down works on one track at a time: choose it with --track");
	if (rc != 0) {
		if (o->targets == NULL)
			early_finish(&early, NULL, 0);
		goto done;
	}
	if (o->targets != NULL) {
		/* cmd_migrate lets --targets through for up and plan only. */
		if (force_dry_run)
			o->dry_run = 1;
		rc = mig_fleet_up(ctx, o, &p);
		goto done;
	}
	rc = early_finish(&early, &c, 1);
	if (rc != 0)
		goto done;
	mig_fill_run_options(&ro, &p, o, ctx);
	ro.direction = dir;
	ro.dry_run = o->dry_run || force_dry_run;
	rc = strata_migrate_run(&result, &plan, c, p.sources, p.n, &ro, &err);
	if (ro.dry_run && rc == 0) {
		print_plan(ctx, plan);
		goto done;
	}
	print_summary(ctx, &result, dir, rc);
	if (rc != 0 && strcmp(err.sqlstate, "57014") == 0 && strstr(err.message, "interrupted") != NULL)
		rc = cli_report_exit(ctx, &err, mig_interrupted_exit());
	else if (rc != 0)
		rc = cli_report(ctx, &err);
done:
	strata_plan_free(plan);
	strata_conn_close(c);
	mig_project_free(&p);
	return rc;
}

int mig_plan(cli_ctx *ctx, mig_opts *o)
{
	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate plan' takes no arguments");
	return run_direction(ctx, o, STRATA_UP, 1);
}

int mig_up(cli_ctx *ctx, mig_opts *o)
{
	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate up' takes no arguments (versions go with --to)");
	if (o->to != NULL && o->steps > 0)
		return cli_usage_error(ctx, "--to and --steps cannot be used together");
	return run_direction(ctx, o, STRATA_UP, 0);
}

int mig_down(cli_ctx *ctx, mig_opts *o)
{
	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate down' takes no arguments (versions go with --to)");
	if (o->to != NULL && o->steps > 0)
		return cli_usage_error(ctx, "--to and --steps cannot be used together");
	if (o->targets != NULL)
		return cli_usage_error(ctx, "--targets works with 'up' only");
	return run_direction(ctx, o, STRATA_DOWN, 0);
}

int mig_redo(cli_ctx *ctx, mig_opts *o)
{
	int rc;

	if (o->nargs > 0 || o->to != NULL || o->steps > 0)
		return cli_usage_error(ctx, "'strata migrate redo' takes no arguments, --to or --steps");
	o->steps = 1;
	rc = run_direction(ctx, o, STRATA_DOWN, 0);
	if (rc == 0 && !o->dry_run)
		rc = run_direction(ctx, o, STRATA_UP, 0);
	return rc;
}

int mig_goto(cli_ctx *ctx, mig_opts *o)
{
	mig_project p;
	strata_conn *c = NULL;
	strata_ledger *ledger = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const strata_source *src;
	const char *track;
	size_t i;
	int rc, applied = 0, exists = 0;

	if (o->nargs != 1)
		return cli_usage_error(ctx, "'strata migrate goto' needs one version");
	rc = mig_load(&p, ctx, o);
	if (rc != 0)
		goto done;
	if (p.n != 1) {
		rc = cli_usage_error(ctx, "goto works on one track at a time: choose it with --track");
		goto done;
	}
	src = p.sources[0];
	track = src->track->name;
	for (i = 0; i < src->n; i++)
		exists |= strata_version_compare(src->migrations[i].version, o->args[0]) == 0;
	if (!exists) {
		strata_error_set(&err, STRATA_EINVAL, "track '%s' has no migration %s", track, o->args[0]);
		rc = cli_report(ctx, &err);
		goto done;
	}
	rc = connect_db(&c, ctx);
	if (rc != 0)
		goto done;
	if (strata_ledger_read(&ledger, c, p.config->ledger_schema, &track, 1, &err) != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	for (i = 0; i < ledger->napplied; i++)
		applied |= strata_version_compare(ledger->applied[i].version, o->args[0]) == 0;
	strata_ledger_free(ledger);
	ledger = NULL;
	strata_conn_close(c);
	c = NULL;
	mig_project_free(&p);
	o->to = o->args[0];
	o->nargs = 0;
	return run_direction(ctx, o, applied ? STRATA_DOWN : STRATA_UP, 0);
done:
	strata_ledger_free(ledger);
	strata_conn_close(c);
	mig_project_free(&p);
	return rc;
}

/* ---- history ---- */

int mig_history(cli_ctx *ctx, mig_opts *o)
{
	mig_project p;
	strata_conn *c = NULL;
	strata_result *r = NULL;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	char limit[16];
	const char *params[2];
	int rc, i, n;

	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate history' takes no arguments");
	/* history needs the config (schema) but not valid files. */
	memset(&p, 0, sizeof(p));
	{
		strata_buf root = STRATA_BUF_INIT;

		rc = strata_project_root(&root, ctx->project_dir ? ctx->project_dir : ".", &err);
		if (rc == 0)
			rc = strata_project_config_load(&p.config, strata_buf_cstr(&root), &err);
		strata_buf_release(&root);
		if (rc != 0) {
			rc = cli_report(ctx, &err);
			goto done;
		}
	}
	rc = connect_db(&c, ctx);
	if (rc != 0)
		goto done;
	snprintf(limit, sizeof(limit), "%d", o->limit);
	params[0] = o->track;
	params[1] = limit;
	strata_buf_puts(&sql, "SELECT * FROM (SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" track, version, name, kind, direction,"
		" actor_role || coalesce(' (' || concat_ws(', ', actor_os, actor_ci) || ')', ''),"
		" round(duration_ms::numeric, 1)::text, sqlstate, message, statement_index, detail FROM \"");
	{
		const char *q;
		for (q = p.config->ledger_schema; *q != '\0'; q++) {
			if (*q == '"')
				strata_buf_putc(&sql, '"');
			strata_buf_putc(&sql, *q);
		}
	}
	strata_buf_puts(&sql, "\".events WHERE $1::text IS NULL OR track = $1 ORDER BY id DESC LIMIT $2::int) e"
		" ORDER BY id");
	rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 2, params, &err);
	if (rc != 0) {
		if (strcmp(err.sqlstate, "42P01") == 0 || strcmp(err.sqlstate, "3F000") == 0) {
			rc = 0;
			if (ctx->format == CLI_FORMAT_JSON)
				strata_buf_puts(&out, "{\"events\":[]}\n");
			else
				strata_buf_puts(&out, "no history: strata has not migrated this database yet\n");
			cli_write_stdout(&out);
		} else {
			rc = cli_report(ctx, &err);
		}
		goto done;
	}
	n = strata_result_nrows(r);
	if (ctx->format == CLI_FORMAT_JSON) {
		static const char *const keys[] = { "id", "at", "track", "version", "name", "kind", "direction",
			"actor", "duration_ms", "sqlstate", "message", "statement", "detail" };
		strata_json w;
		int col;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "events");
		strata_json_array_begin(&w);
		for (i = 0; i < n; i++) {
			strata_json_object_begin(&w);
			for (col = 0; col < 13; col++) {
				const char *v = strata_result_value(r, i, col);

				strata_json_key(&w, keys[col]);
				if (col == 12)
					strata_json_raw(&w, v);   /* jsonb from the server */
				else if (v != NULL && (col == 0 || col == 11))
					strata_json_int(&w, strtoll(v, NULL, 10));
				else if (v != NULL && col == 8)
					strata_json_double(&w, strtod(v, NULL));
				else
					strata_json_string(&w, v);
			}
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else if (n == 0) {
		strata_buf_puts(&out, "no events\n");
	} else {
		int wmig = (int)strlen("MIGRATION"), wdur = (int)strlen("TIME");

		for (i = 0; i < n; i++) {
			const char *v = strata_result_value(r, i, 3), *nm = strata_result_value(r, i, 4);
			const char *dur = strata_result_value(r, i, 8);
			int len = (int)(strlen(strata_result_value(r, i, 2)) + 1 + (v ? strlen(v) : 1) +
				(nm ? 1 + strlen(nm) : 0));

			if (len > wmig)
				wmig = len;
			if (dur != NULL && (int)strlen(dur) + 3 > wdur)
				wdur = (int)strlen(dur) + 3;
		}
		strata_buf_printf(&out, "%-20s  %-14s  %-*s  %*s  %s\n", "AT (UTC)", "EVENT", wmig, "MIGRATION",
			wdur, "TIME", "BY");
		for (i = 0; i < n; i++) {
			const char *dur = strata_result_value(r, i, 8), *state = strata_result_value(r, i, 9);
			const char *msg = strata_result_value(r, i, 10), *stmt = strata_result_value(r, i, 11);
			const char *v = strata_result_value(r, i, 3), *nm = strata_result_value(r, i, 4);
			char mig[512], time[48];

			snprintf(mig, sizeof(mig), "%s/%s%s%s", strata_result_value(r, i, 2), v ? v : "-",
				nm ? " " : "", nm ? nm : "");
			const char *kind = strata_result_value(r, i, 5), *dir = strata_result_value(r, i, 6);
			char event[32];

			snprintf(time, sizeof(time), "%s%s", dur ? dur : "", dur ? " ms" : "");
			/* A failure says of what: "failure (up)" or "failure (down)". */
			if (strcmp(kind, "failure") == 0 && dir != NULL)
				snprintf(event, sizeof(event), "failure (%s)", dir);
			else
				snprintf(event, sizeof(event), "%s", kind);
			strata_buf_printf(&out, "%-20s  %-14s  %-*s  %*s  %s", strata_result_value(r, i, 1), event, wmig,
				mig, wdur, time, strata_result_value(r, i, 7));
			if (state != NULL || msg != NULL)
				strata_buf_printf(&out, "\n    %s%s%s%s%s", state ? state : "", state ? ": " : "",
					msg ? msg : "", stmt ? " (statement " : "", stmt ? stmt : "");
			if (stmt != NULL && (state != NULL || msg != NULL))
				strata_buf_putc(&out, ')');
			strata_buf_putc(&out, '\n');
		}
	}
	rc = cli_write_stdout(&out);
done:
	strata_result_free(r);
	strata_buf_release(&sql);
	strata_buf_release(&out);
	strata_conn_close(c);
	mig_project_free(&p);
	return rc;
}

/* ---- new ---- */

/* Creates path exclusively (never over an existing file) and remembers it in *created. */
static int write_new_file(cli_ctx *ctx, const char *path, const char *text, char **created, int *ncreated)
{
	strata_error err = STRATA_ERROR_INIT;
	FILE *f;

	f = fopen(path, "wx");
	if (f == NULL && errno == EEXIST) {
		strata_error_set(&err, STRATA_EINVAL, "'%s' already exists", path);
		return cli_report(ctx, &err);
	}
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		strata_error_set(&err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
		return cli_report(ctx, &err);
	}
	created[(*ncreated)++] = strdup(path);
	return 0;
}

/* mkdir -p: the track's folder and any missing parent. */
static int make_dirs(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

static int valid_slug(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int mig_new(cli_ctx *ctx, mig_opts *o)
{
	mig_project p;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf version = STRATA_BUF_INIT;
	const strata_source *src;
	char path[4096], text[1024];
	char *created[2] = { NULL, NULL };
	int rc, ncreated = 0, i;

	if (o->nargs != 1)
		return cli_usage_error(ctx, "'strata migrate new' needs a slug, for example add_users_email");
	if (!valid_slug(o->args[0]))
		return cli_usage_error(ctx, "invalid slug '%s': use lowercase letters, digits and _", o->args[0]);
	/* A new file may be wanted to fix a problem elsewhere: problems are not this command's business. */
	o->ignore_problems = 1;
	rc = mig_load(&p, ctx, o);
	if (rc != 0)
		goto done;
	if (p.n != 1) {
		rc = cli_usage_error(ctx, "this project has %zu tracks: choose one with --track", p.n);
		goto done;
	}
	src = p.sources[0];
	if (strata_source_next_version(&version, src) != 0) {
		strata_error_set(&err, STRATA_ESTATE,
			"cannot pick the next version of track '%s' (the newest is ahead of the clock?)",
			src->track->name);
		rc = cli_report(ctx, &err);
		goto done;
	}
	if (make_dirs(src->track->path) != 0) {
		strata_error_set(&err, STRATA_EIO, "cannot create '%s': %s", src->track->path, strerror(errno));
		rc = cli_report(ctx, &err);
		goto done;
	}
	switch (src->layout) {
	case STRATA_LAYOUT_DBMATE:
		snprintf(path, sizeof(path), "%s/%s_%s.sql", src->track->path, strata_buf_cstr(&version), o->args[0]);
		rc = write_new_file(ctx, path, "-- migrate:up\n\n\n-- migrate:down\n\n", created, &ncreated);
		break;
	case STRATA_LAYOUT_FLYWAY:
		snprintf(path, sizeof(path), "%s/V%s__%s.sql", src->track->path, strata_buf_cstr(&version), o->args[0]);
		rc = write_new_file(ctx, path, "-- Write the change here.\n", created, &ncreated);
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/U%s__%s.sql", src->track->path, strata_buf_cstr(&version),
				o->args[0]);
			rc = write_new_file(ctx, path, "-- Write how to undo the change here.\n", created, &ncreated);
		}
		break;
	default:
		snprintf(path, sizeof(path), "%s/%s_%s.up.sql", src->track->path, strata_buf_cstr(&version),
			o->args[0]);
		snprintf(text, sizeof(text),
			"-- %s %s: write the change here.\n"
			"-- Optional directives, each on a line of its own at the top, such as\n"
			"-- \"-- strata:no-transaction\", \"-- strata:lock-timeout=5s\",\n"
			"-- \"-- strata:statement-timeout=10min\", \"-- strata:requires=<track>/<version>\".\n\n",
			strata_buf_cstr(&version), o->args[0]);
		rc = write_new_file(ctx, path, text, created, &ncreated);
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/%s_%s.down.sql", src->track->path, strata_buf_cstr(&version),
				o->args[0]);
			snprintf(text, sizeof(text), "-- %s %s: undo the change exactly.\n\n",
				strata_buf_cstr(&version), o->args[0]);
			rc = write_new_file(ctx, path, text, created, &ncreated);
		}
		break;
	}
	if (ncreated > 0) {
		strata_buf out = STRATA_BUF_INIT;

		if (ctx->format == CLI_FORMAT_JSON) {
			strata_json w;

			strata_json_init(&w, &out, 0);
			strata_json_object_begin(&w);
			strata_json_key(&w, "version");
			strata_json_string(&w, strata_buf_cstr(&version));
			strata_json_key(&w, "created");
			strata_json_array_begin(&w);
			for (i = 0; i < ncreated; i++)
				strata_json_string(&w, created[i]);
			strata_json_array_end(&w);
			strata_json_object_end(&w);
			strata_buf_putc(&out, '\n');
		} else {
			for (i = 0; i < ncreated; i++)
				strata_buf_printf(&out, "%s\n", created[i]);
		}
		cli_write_stdout(&out);
		strata_buf_release(&out);
	}
done:
	for (i = 0; i < ncreated; i++)
		free(created[i]);
	strata_buf_release(&version);
	mig_project_free(&p);
	return rc;
}

/* ---- baseline, repair ---- */

static int one_track_admin(cli_ctx *ctx, mig_opts *o, int repair)
{
	mig_project p;
	strata_conn *c = NULL;
	strata_error err = STRATA_ERROR_INIT;
	int rc;

	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate %s' takes no arguments", repair ? "repair" : "baseline");
	if (o->version == NULL)
		return cli_usage_error(ctx, "'strata migrate %s' needs --version", repair ? "repair" : "baseline");
	if (repair && (o->reason == NULL || o->reason[0] == '\0'))
		return cli_usage_error(ctx, "'strata migrate repair' needs --reason \"...\" (it is recorded in the ledger)");
	rc = mig_load(&p, ctx, o);
	/* repair exists to accept a changed file: validation problems of other files still stop it. */
	if (rc != 0)
		goto done;
	if (p.n != 1) {
		rc = cli_usage_error(ctx, "this project has %zu tracks: choose one with --track", p.n);
		goto done;
	}
	rc = connect_db(&c, ctx);
	if (rc != 0)
		goto done;
	/* The lock options apply here too: the config carries them to the library. */
	if (o->no_wait)
		p.config->lock_wait_ms = 0;
	else if (o->lock_wait_ms >= 0)
		p.config->lock_wait_ms = o->lock_wait_ms;
	if (repair)
		rc = strata_migrate_repair(c, p.config, p.sources[0], o->version, o->reason, &err);
	else
		rc = strata_migrate_baseline(c, p.config, p.sources[0], o->version, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf out = STRATA_BUF_INIT;
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, repair ? "repair" : "baseline");
		strata_json_object_begin(&w);
		strata_json_key(&w, "track");
		strata_json_string(&w, p.sources[0]->track->name);
		strata_json_key(&w, "version");
		strata_json_string(&w, o->version);
		if (repair) {
			strata_json_key(&w, "reason");
			strata_json_string(&w, o->reason);
		}
		strata_json_object_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
		cli_write_stdout(&out);
		strata_buf_release(&out);
	} else {
		strata_log(STRATA_LOG_NOTICE, repair ? "accepted the current file of %s/%s; recorded in the ledger"
			: "recorded %s up to %s as applied (baseline)", p.sources[0]->track->name, o->version);
	}
done:
	strata_conn_close(c);
	mig_project_free(&p);
	return rc;
}

int mig_baseline(cli_ctx *ctx, mig_opts *o)
{
	return one_track_admin(ctx, o, 0);
}

int mig_repair(cli_ctx *ctx, mig_opts *o)
{
	return one_track_admin(ctx, o, 1);
}
