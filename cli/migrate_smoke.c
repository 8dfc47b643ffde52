/*
 * migrate_smoke.c: `strata migrate smoke`, proof that every down migration
 * is a true inverse of its up.
 *
 * On a scratch database (created on the server the command points at, the
 * dev cluster by default, and dropped at the end), each track's
 * migrations are applied one at a time. Around each one the schema is
 * fingerprinted (strata_catalog_snapshot): before the up (A), after it (B),
 * after its down (must be A again), after the up once more (must be B
 * again). The first migration whose down does not restore A, whose second
 * up does not give B, or that fails, is reported with the difference, and
 * the run stops (exit 1). Every up and down is timed, so that a team knows
 * its rollout and rollback windows. The scratch database is dropped at the
 * end whatever happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate_cli.h"

typedef struct smoke {
	cli_ctx *ctx;
	mig_project *p;
	strata_conn *c;             /* the scratch database */
	strata_snapshot_options so;
	double up_ms, down_ms;
	size_t checked;
} smoke;

static int fingerprint(smoke *s, strata_buf *doc, char fp[65], strata_error *err)
{
	return strata_catalog_snapshot(doc, fp, s->c, &s->so, err);
}

/* One step of one track: steps 1, direction dir; its duration in *ms. */
static int step(smoke *s, strata_source *src, strata_direction dir, double *ms, strata_error *err)
{
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res;
	strata_source *one[1];

	ro.config = s->p->config;
	ro.direction = dir;
	ro.steps = 1;
	one[0] = src;
	memset(&res, 0, sizeof(res));
	if (strata_migrate_run(&res, NULL, s->c, one, 1, &ro, err) != 0)
		return err->code ? err->code : STRATA_EDB;
	*ms = res.duration_ms;
	return 0;
}

/* Prints what changed from a to b, as `strata schema diff` would. */
static void print_diff(const char *a, const char *b, const char *what)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_schema_diff *d = NULL;
	strata_buf out = STRATA_BUF_INIT;
	size_t i;

	fprintf(stderr, "  %s:\n", what);
	if (strata_catalog_diff(&d, a, "before", b, "after", &err) != 0) {
		fprintf(stderr, "    (cannot compare: %s)\n", err.message);
		return;
	}
	for (i = 0; i < d->n; i++)
		mig_change_line(&out, "    ", &d->changes[i]);
	fputs(strata_buf_cstr(&out), stderr);
	strata_buf_release(&out);
	strata_schema_diff_free(d);
}

static int smoke_track(smoke *s, strata_source *src)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf before = STRATA_BUF_INIT, after = STRATA_BUF_INIT, again = STRATA_BUF_INIT;
	char fa[65], fb[65], fc[65];
	size_t i;
	int rc = 0;

	printf("track %s\n", src->track->name);
	for (i = 0; i < src->n && rc == 0; i++) {
		const strata_migration *m = &src->migrations[i];
		double up1 = 0, down = 0, up2 = 0;

		rc = fingerprint(s, &before, fa, &err);
		if (rc == 0 && (rc = step(s, src, STRATA_UP, &up1, &err)) != 0)
			strata_error_prefix(&err, "%s/%s up", src->track->name, m->version);
		if (rc == 0)
			rc = fingerprint(s, &after, fb, &err);
		if (rc == 0 && m->down.path == NULL) {
			printf("  %-8s %-32s up %8.1f ms   no down migration: not checked\n", m->version, m->name, up1);
			s->up_ms += up1;
			continue;
		}
		if (rc == 0 && (rc = step(s, src, STRATA_DOWN, &down, &err)) != 0)
			strata_error_prefix(&err, "%s/%s down", src->track->name, m->version);
		if (rc == 0)
			rc = fingerprint(s, &again, fc, &err);
		if (rc != 0)
			break;
		if (strcmp(fa, fc) != 0) {
			printf("  %-8s %-32s up %8.1f ms   down %8.1f ms   NOT AN INVERSE\n", m->version, m->name, up1,
				down);
			print_diff(strata_buf_cstr(&before), strata_buf_cstr(&again),
				"the schema after its down, against the schema before its up");
			strata_error_set(&err, STRATA_EINVAL, "%s/%s %s: its down does not restore the schema",
				src->track->name, m->version, m->name);
			rc = cli_report_exit(s->ctx, &err, CLI_EXIT_FINDINGS);
			goto done;
		}
		if ((rc = step(s, src, STRATA_UP, &up2, &err)) != 0) {
			strata_error_prefix(&err, "%s/%s up after its down", src->track->name, m->version);
			break;
		}
		if ((rc = fingerprint(s, &again, fc, &err)) != 0)
			break;
		if (strcmp(fb, fc) != 0) {
			printf("  %-8s %-32s up %8.1f ms   down %8.1f ms   up again differs\n", m->version, m->name,
				up1, down);
			print_diff(strata_buf_cstr(&after), strata_buf_cstr(&again),
				"the schema after the second up, against the first");
			strata_error_set(&err, STRATA_EINVAL, "%s/%s %s: applied again, it gives another schema",
				src->track->name, m->version, m->name);
			rc = cli_report_exit(s->ctx, &err, CLI_EXIT_FINDINGS);
			goto done;
		}
		printf("  %-8s %-32s up %8.1f ms   down %8.1f ms   ok\n", m->version, m->name, up1, down);
		s->up_ms += up1;
		s->down_ms += down;
		s->checked++;
	}
	if (rc != 0)
		rc = cli_report_exit(s->ctx, &err, CLI_EXIT_FINDINGS);
done:
	strata_buf_release(&before);
	strata_buf_release(&after);
	strata_buf_release(&again);
	return rc;
}

/*
 * A scratch database on the server the command is pointed at (DATABASE_URL,
 * --database-url, or the dev cluster): created under a unique name, and a
 * session on it. *admin stays on the original database, to drop it after.
 */
static int scratch_open(smoke *s, strata_conn **admin, char *name, size_t size, strata_error *err)
{
	strata_conninfo *ci = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	rc = cli_resolve_database(&ci, s->ctx, err);
	if (rc == 0)
		rc = strata_conn_open(admin, ci, err);
	snprintf(name, size, "strata_smoke_%ld_%ld", (long)getpid(), (long)time(NULL));
	if (rc == 0) {
		strata_buf_printf(&sql, "CREATE DATABASE %s", name);
		rc = strata_conn_exec(*admin, strata_buf_cstr(&sql), err);
		if (rc != 0)
			strata_error_hint(err, "smoke needs to create a scratch database: point it at a server "
				"where you may (the dev cluster: 'strata dev up')");
	}
	if (rc == 0 && strata_conninfo_set_dbname(ci, name) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = strata_conn_open(&s->c, ci, err);
	strata_conninfo_free(ci);
	strata_buf_release(&sql);
	return rc;
}

/* Drops the scratch database (whatever happened) and closes the sessions. */
static void scratch_close(smoke *s, strata_conn *admin, const char *name)
{
	strata_conn_close(s->c);
	s->c = NULL;
	if (admin != NULL && name[0] != '\0') {
		strata_buf sql = STRATA_BUF_INIT;
		strata_error ignored = STRATA_ERROR_INIT;

		strata_buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
		strata_conn_exec(admin, strata_buf_cstr(&sql), &ignored);
		strata_buf_release(&sql);
	}
	strata_conn_close(admin);
}

/* The newest version of track the ledger lists as applied, or NULL. */
static const char *newest_applied(const strata_ledger *l, const char *track)
{
	const char *newest = NULL;
	size_t i;

	for (i = 0; i < l->napplied; i++)
		if (strcmp(l->applied[i].track, track) == 0 &&
			(newest == NULL || strata_version_compare(l->applied[i].version, newest) > 0))
			newest = l->applied[i].version;
	return newest;
}

/*
 * strata schema drift: the live database against what its applied
 * migrations give when replayed on a scratch database. Every difference is
 * a change made by hand (or a migration edited after it was applied).
 */
int mig_drift(cli_ctx *ctx, mig_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *admin = NULL, *live = NULL;
	strata_conninfo *ci = NULL;
	strata_ledger *ledger = NULL;
	strata_buf replayed = STRATA_BUF_INIT, actual = STRATA_BUF_INIT, lines = STRATA_BUF_INIT;
	strata_schema_diff *d = NULL;
	char fa[65], fb[65], name[96] = "";
	mig_project p;
	smoke s;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = mig_load(&p, ctx, o);
	if (rc != 0)
		return rc;
	s.ctx = ctx;
	s.p = &p;
	s.so.ledger_schema = p.config->ledger_schema;
	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(&live, ci, &err);
	if (rc == 0)
		rc = strata_ledger_read(&ledger, live, p.config->ledger_schema, NULL, 0, &err);
	if (rc == 0)
		rc = scratch_open(&s, &admin, name, sizeof(name), &err);
	for (i = 0; i < p.n && rc == 0; i++) {
		strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
		strata_run_result res;
		strata_source *one[1];
		const char *to = newest_applied(ledger, p.sources[i]->track->name);

		if (to == NULL)
			continue;
		ro.config = p.config;
		ro.to_version = to;
		ro.allow_out_of_order = 1;
		one[0] = p.sources[i];
		rc = strata_migrate_run(&res, NULL, s.c, one, 1, &ro, &err);
		if (rc != 0)
			strata_error_prefix(&err, "replaying track %s up to %s", p.sources[i]->track->name, to);
	}
	if (rc == 0)
		rc = strata_catalog_snapshot(&replayed, fa, s.c, &s.so, &err);
	if (rc == 0)
		rc = strata_catalog_snapshot(&actual, fb, live, &s.so, &err);
	if (rc == 0)
		rc = strata_catalog_diff(&d, strata_buf_cstr(&replayed), "the migrations", strata_buf_cstr(&actual),
			"the database", &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	for (i = 0; i < d->n; i++)
		mig_change_line(&lines, "", &d->changes[i]);
	fputs(strata_buf_cstr(&lines), stdout);
	if (d->n == 0) {
		printf("no drift: the database is what its %zu applied migration%s give (sha256:%s)\n",
			ledger->napplied, ledger->napplied == 1 ? "" : "s", fb);
	} else {
		printf("%zu change%s made outside the migrations (+ only in the database, - only in the "
			"migrations, ~ changed by hand)\n", d->n, d->n == 1 ? "" : "s");
		rc = CLI_EXIT_FINDINGS;
	}
done:
	strata_schema_diff_free(d);
	strata_buf_release(&replayed);
	strata_buf_release(&actual);
	strata_buf_release(&lines);
	scratch_close(&s, admin, name);
	strata_conn_close(live);
	strata_conninfo_free(ci);
	strata_ledger_free(ledger);
	mig_project_free(&p);
	return rc;
}

int mig_project_snapshot(cli_ctx *ctx, const char *dir, strata_buf *out, strata_error *err)
{
	const char *saved_dir = ctx->project_dir;
	strata_conn *admin = NULL;
	char name[96] = "", fp[65];
	mig_opts mo;
	mig_project p;
	smoke s;
	size_t i;
	int rc;

	mig_opts_init(&mo);
	memset(&s, 0, sizeof(s));
	ctx->project_dir = dir;
	rc = mig_load(&p, ctx, &mo);
	ctx->project_dir = saved_dir;
	if (rc != 0)
		return strata_error_set(err, STRATA_EINVAL, "%s: the migrations cannot be loaded (see above)", dir);
	s.ctx = ctx;
	s.p = &p;
	s.so.ledger_schema = p.config->ledger_schema;
	rc = scratch_open(&s, &admin, name, sizeof(name), err);
	for (i = 0; i < p.n && rc == 0; i++) {
		strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
		strata_run_result res;
		strata_source *one[1];

		ro.config = p.config;
		one[0] = p.sources[i];
		rc = strata_migrate_run(&res, NULL, s.c, one, 1, &ro, err);
		if (rc != 0)
			strata_error_prefix(err, "%s: applying track %s on a scratch database", dir,
				p.sources[i]->track->name);
	}
	if (rc == 0)
		rc = strata_catalog_snapshot(out, fp, s.c, &s.so, err);
	scratch_close(&s, admin, name);
	mig_project_free(&p);
	return rc;
}

int mig_smoke(cli_ctx *ctx, mig_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *admin = NULL;
	mig_project p;
	smoke s;
	char name[96] = "";
	size_t i;
	int rc;

	if (o->nargs > 0)
		return cli_usage_error(ctx, "'strata migrate smoke' takes no arguments");
	memset(&s, 0, sizeof(s));
	rc = mig_load(&p, ctx, o);
	if (rc != 0)
		return rc;
	s.ctx = ctx;
	s.p = &p;
	s.so.ledger_schema = p.config->ledger_schema;
	rc = scratch_open(&s, &admin, name, sizeof(name), &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	printf("scratch database %s\n", name);
	for (i = 0; i < p.n && rc == 0; i++)
		rc = smoke_track(&s, p.sources[i]);
	if (rc == 0)
		printf("%zu migration%s: every down is a true inverse (up %.0f ms, down %.0f ms in all)\n",
			s.checked, s.checked == 1 ? "" : "s", s.up_ms, s.down_ms);
done:
	scratch_close(&s, admin, name);
	mig_project_free(&p);
	return rc;
}
