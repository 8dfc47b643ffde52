/*
 * migrate_admin.c: `strata migrate` history, new, baseline and repair.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate_cli.h"

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
	rc = cli_project_config(&p.config, ctx);
	if (rc != 0)
		goto done;
	rc = cli_connect(&c, ctx);
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
	rc = cli_connect(&c, ctx);
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
