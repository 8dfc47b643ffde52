/*
 * migrate_project.c: what the `strata migrate` subcommands share: loading
 * strata.yaml and the chosen tracks' files (every problem printed at once),
 * and the connection, opened on a thread while the files are checked.
 */
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int mig_print_problems(cli_ctx *ctx, const strata_problems *problems, int as_result)
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

void mig_opts_init(mig_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lock_wait_ms = o->lock_timeout_ms = o->statement_timeout_ms = -1;
	o->lock_retries = -1;
	o->canary = -1;
	o->limit = 50;
}

int mig_load_config(mig_project *p, cli_ctx *ctx, const mig_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = cli_project_config(&p->config, ctx);
	if (rc != 0)
		return rc;
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
		return mig_print_problems(ctx, &p->problems, 0);
	return 0;
}

int mig_load(mig_project *p, cli_ctx *ctx, const mig_opts *o)
{
	int rc = mig_load_config(p, ctx, o);

	return rc != 0 ? rc : mig_load_sources(p, ctx, o);
}

/* The tracks a command works on: all, or the one --track names. */
size_t mig_chosen_tracks(const char **out, const mig_project *p, const mig_opts *o)
{
	size_t i, n = 0;

	for (i = 0; i < p->config->ntracks; i++)
		if (o->track == NULL || strcmp(p->config->tracks[i].name, o->track) == 0)
			out[n++] = p->config->tracks[i].name;
	return n;
}


static void *early_connect(void *arg)
{
	mig_early_conn *e = arg;

	e->rc = strata_conn_open(&e->conn, e->ci, &e->err);
	return NULL;
}

/* Starts connecting on a thread; problems are reported by mig_early_finish. */
void mig_early_start(mig_early_conn *e, cli_ctx *ctx)
{
	memset(e, 0, sizeof(*e));
	e->ctx = ctx;
	e->rc = cli_resolve_database(&e->ci, ctx, &e->err);
	if (e->rc == 0 && pthread_create(&e->thread, NULL, early_connect, e) == 0)
		e->started = 1;
	else if (e->rc == 0)
		early_connect(e);
}

/* The connection (or the exit code of its failure). keep = 0 just cleans up. */
int mig_early_finish(mig_early_conn *e, strata_conn **out, int keep)
{
	int rc;

	if (e->started)
		pthread_join(e->thread, NULL);
	e->started = 0;
	strata_conninfo_free(e->ci);
	e->ci = NULL;
	if (!keep || e->rc != 0) {
		strata_conn_close(e->conn);
		e->conn = NULL;
		rc = keep && e->rc != 0 ? cli_report(e->ctx, &e->err) : 0;
		return rc;
	}
	*out = e->conn;
	e->conn = NULL;
	return 0;
}

