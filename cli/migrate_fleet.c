/*
 * migrate_fleet.c: `strata migrate up --targets FILE`, the same migrations on
 * every database of a fleet file.
 *
 * Progress lines name their target; at the end a table gives every target's
 * outcome (or one JSON object with --format json). The exit code is 0 when
 * every target succeeded, otherwise the code of the first failure in the
 * table (4 for a database error, 5 for a lock or timeout), or 130 when the
 * run was interrupted.
 */
#include <string.h>

#include "migrate_cli.h"

static const char *state_name(strata_target_state s)
{
	switch (s) {
	case STRATA_TARGET_OK: return "ok";
	case STRATA_TARGET_FAILED: return "failed";
	case STRATA_TARGET_SKIPPED: return "skipped";
	}
	return "?";
}

static int is_interrupt(const strata_error *e)
{
	return strcmp(e->sqlstate, "57014") == 0 && strstr(e->message, "interrupted") != NULL;
}

static void print_json(cli_ctx *ctx, const mig_opts *o, const strata_fleet_result *r)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	size_t i;

	(void)ctx;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "fleet");
	strata_json_object_begin(&w);
	strata_json_key(&w, "file");
	strata_json_string(&w, o->targets);
	strata_json_key(&w, "dry_run");
	strata_json_bool(&w, o->dry_run);
	strata_json_key(&w, "targets");
	strata_json_array_begin(&w);
	for (i = 0; i < r->n; i++) {
		const strata_fleet_target_result *t = &r->targets[i];

		strata_json_object_begin(&w);
		strata_json_key(&w, "name");
		strata_json_string(&w, t->name);
		strata_json_key(&w, "url");
		strata_json_string(&w, t->display);
		strata_json_key(&w, "canary");
		strata_json_bool(&w, t->canary);
		strata_json_key(&w, "state");
		strata_json_string(&w, state_name(t->state));
		strata_json_key(&w, "planned");
		strata_json_int(&w, (long long)t->run.planned);
		strata_json_key(&w, "applied");
		strata_json_int(&w, (long long)t->run.applied);
		strata_json_key(&w, "duration_ms");
		strata_json_double(&w, t->run.duration_ms);
		strata_json_key(&w, "error");
		if (t->state == STRATA_TARGET_FAILED) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "code");
			strata_json_string(&w, strata_code_name(t->error.code));
			strata_json_key(&w, "sqlstate");
			strata_json_string(&w, t->error.sqlstate[0] ? t->error.sqlstate : NULL);
			strata_json_key(&w, "message");
			strata_json_string(&w, t->error.message);
			strata_json_object_end(&w);
		} else {
			strata_json_null(&w);
		}
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "ok");
	strata_json_int(&w, (long long)r->ok);
	strata_json_key(&w, "failed");
	strata_json_int(&w, (long long)r->failed);
	strata_json_key(&w, "skipped");
	strata_json_int(&w, (long long)r->skipped);
	strata_json_key(&w, "duration_ms");
	strata_json_double(&w, r->duration_ms);
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(&b, '\n');
	cli_write_stdout(&b);
	strata_buf_release(&b);
}

static void print_text(const mig_opts *o, const strata_fleet_result *r)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i, wname = strlen("TARGET");

	for (i = 0; i < r->n; i++) {
		size_t len = strlen(r->targets[i].name) + (r->targets[i].canary ? strlen(" (canary)") : 0);

		if (len > wname)
			wname = len;
	}
	strata_buf_printf(&b, "%-*s  %-7s  %7s  %9s  %s\n", (int)wname, "TARGET", "STATE",
		o->dry_run ? "PENDING" : "APPLIED", "TIME", "DETAIL");
	for (i = 0; i < r->n; i++) {
		const strata_fleet_target_result *t = &r->targets[i];
		char name[512], count[24], time[24];

		snprintf(name, sizeof(name), "%s%s", t->name, t->canary ? " (canary)" : "");
		if (t->state == STRATA_TARGET_SKIPPED) {
			snprintf(count, sizeof(count), "-");
			snprintf(time, sizeof(time), "-");
		} else {
			snprintf(count, sizeof(count), "%zu", o->dry_run ? t->run.planned : t->run.applied);
			snprintf(time, sizeof(time), "%.0f ms", t->run.duration_ms);
		}
		strata_buf_printf(&b, "%-*s  %-7s  %7s  %9s", (int)wname, name, state_name(t->state), count,
			time);
		if (t->state == STRATA_TARGET_FAILED)
			strata_buf_printf(&b, "  %s", t->error.message);
		else if (t->state == STRATA_TARGET_OK && !o->dry_run && t->run.planned == 0)
			strata_buf_puts(&b, "  up to date");
		strata_buf_putc(&b, '\n');
	}
	strata_buf_printf(&b, "%zu target%s: %zu ok, %zu failed, %zu skipped in %.0f ms\n", r->n,
		r->n == 1 ? "" : "s", r->ok, r->failed, r->skipped, r->duration_ms);
	cli_write_stdout(&b);
	strata_buf_release(&b);
}

int mig_fleet_up(cli_ctx *ctx, mig_opts *o, mig_project *p)
{
	strata_fleet_config *fleet = NULL;
	strata_fleet_result *r = NULL;
	strata_fleet_options fo;
	strata_error err = STRATA_ERROR_INIT;
	size_t i;
	int rc;

	rc = strata_fleet_config_load(&fleet, o->targets, &err);
	if (rc != 0)
		return cli_report(ctx, &err);
	memset(&fo, 0, sizeof(fo));
	fo.fleet = fleet;
	fo.parallel = o->parallel;
	fo.canary = o->canary;
	fo.continue_on_error = o->continue_on_error ? 1 : -1;
	fo.command = ctx->command;
	fo.connect_timeout_ms = ctx->connect_timeout_ms > 0 ? (int)ctx->connect_timeout_ms : 0;
	mig_fill_run_options(&fo.run, p, o, ctx);
	fo.run.direction = STRATA_UP;
	rc = strata_fleet_run(&r, p->sources, p->n, &fo, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	if (ctx->format == CLI_FORMAT_JSON)
		print_json(ctx, o, r);
	else
		print_text(o, r);
	for (i = 0; i < r->n && rc == 0; i++) {
		const strata_fleet_target_result *t = &r->targets[i];

		if (t->state != STRATA_TARGET_FAILED)
			continue;
		rc = is_interrupt(&t->error) ? mig_interrupted_exit() : cli_exit_for(t->error.code);
	}
	if (rc == 0 && r->skipped > 0)   /* interrupted before every target started */
		rc = mig_interrupted_exit();
	if (rc != 0 && ctx->format != CLI_FORMAT_JSON)
		strata_log(STRATA_LOG_ERROR, "the fleet run failed on %zu of %zu targets%s", r->failed, r->n,
			r->skipped ? "; the skipped ones were not started" : "");
done:
	strata_fleet_result_free(r);
	strata_fleet_config_free(fleet);
	return rc;
}
