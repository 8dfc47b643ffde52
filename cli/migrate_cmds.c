/*
 * migrate_cmds.c: `strata migrate` validate, status, plan, up, down, redo and
 * goto (history, new, baseline and repair are in migrate_admin.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_cli.h"

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
			mig_print_problems(ctx, &p.problems, 1);
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
	mig_early_conn early;
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
	mig_early_start(&early, ctx);
	strata_log(STRATA_LOG_DEBUG, "connecting from %.1f ms", cli_elapsed_ms());
	rc = mig_load_sources(&p, ctx, o);
	strata_log(STRATA_LOG_DEBUG, "files checked at %.1f ms", cli_elapsed_ms());
	if (rc != 0) {
		mig_early_finish(&early, NULL, 0);
		goto done;
	}
	rc = mig_early_finish(&early, &c, 1);
	if (rc != 0)
		goto done;
	strata_log(STRATA_LOG_DEBUG, "connected at %.1f ms", cli_elapsed_ms());
	if (strata_ledger_read(&ledger, c, p.config->ledger_schema, tracks, mig_chosen_tracks(tracks, &p, o),
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
	mig_guard guard;
	mig_early_conn early;
	mig_project p;
	strata_conn *c = NULL;
	strata_plan *plan = NULL;
	strata_run_options ro;
	strata_run_result result;
	strata_error err = STRATA_ERROR_INIT;
	int rc;

	memset(&guard, 0, sizeof(guard));
	if (o->targets == NULL)
		mig_early_start(&early, ctx);
	rc = mig_load(&p, ctx, o);
	if (rc == 0 && dir == STRATA_DOWN && p.n > 1)
		rc = cli_usage_error(ctx, "down works on one track at a time: choose it with --track");
	if (rc != 0) {
		if (o->targets == NULL)
			mig_early_finish(&early, NULL, 0);
		goto done;
	}
	if (o->targets != NULL) {
		/* cmd_migrate lets --targets through for up and plan only. */
		if (force_dry_run)
			o->dry_run = 1;
		rc = mig_fleet_up(ctx, o, &p);
		goto done;
	}
	rc = mig_early_finish(&early, &c, 1);
	if (rc != 0)
		goto done;
	mig_fill_run_options(&ro, &p, o, ctx);
	ro.direction = dir;
	ro.dry_run = o->dry_run || force_dry_run;
	if (dir == STRATA_UP && !ro.dry_run) {
		/* The guardrail: lint what the run would apply, from its plan, before anything runs. */
		ro.dry_run = 1;
		ro.on_event = NULL;
		rc = strata_migrate_run(&result, &plan, c, p.sources, p.n, &ro, &err);
		if (rc != 0) {
			rc = cli_report(ctx, &err);
			goto done;
		}
		rc = mig_lint_guard(ctx, o, &p, plan, c, &guard);
		strata_plan_free(plan);
		plan = NULL;
		if (rc != 0)
			goto done;
		mig_fill_run_options(&ro, &p, o, ctx);
		ro.direction = dir;
		ro.accepted = guard.accepted;
		ro.naccepted = guard.naccepted;
	}
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
	mig_guard_release(&guard);
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
	rc = cli_connect(&c, ctx);
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
