/*
 * migrate_events.c: a run's events as people read them (lines on stderr)
 * or as programs do (JSON lines on stdout).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_cli.h"

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
