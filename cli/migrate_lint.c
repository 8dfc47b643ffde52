/*
 * migrate_lint.c: the lint guardrail of `strata migrate up`.
 *
 * Before anything runs, the migrations the run would apply are linted
 * (strata/lint.h) the way `strata lint` lints the project: each track's up
 * files in version order, so that tables created by earlier migrations are
 * new, for the server's own version. Findings in the pending files are
 * printed; an error finding stops the run (exit 1, nothing applied) unless
 * its rule is accepted with --accept-risk RULE --reason "...". Accepted
 * findings are recorded in the ledger as 'accept_risk' events of their
 * migration, in the transaction that records its apply.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint_cli.h"
#include "migrate_cli.h"

static int accepted_rule(const mig_opts *o, const char *rule)
{
	int i;

	for (i = 0; i < o->accept_risks.n; i++)
		if (strcmp(o->accept_risks.items[i], rule) == 0)
			return 1;
	return 0;
}

/* The step of plan that applies file path of track, or NULL. */
static const strata_plan_step *step_of(const strata_plan *plan, const char *track, const char *path)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const strata_plan_step *s = &plan->steps[i];

		if (s->direction == STRATA_UP && strcmp(s->source->track->name, track) == 0 &&
			strcmp(s->migration->up.path, path) == 0)
			return s;
	}
	return NULL;
}

/* Lints a source's up files up to its last pending one; keeps the report in g. */
static int lint_source(cli_ctx *ctx, mig_guard *g, const strata_source *src, const strata_plan *plan,
	strata_lint_options *lo, const strata_project_config *config, int64_t o_lock_timeout_ms)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_lint_input *in;
	strata_buf *paths;
	size_t j, last = 0, any = 0;
	int rc;

	for (j = 0; j < src->n; j++)
		if (step_of(plan, src->track->name, src->migrations[j].up.path) != NULL) {
			last = j;
			any = 1;
		}
	if (!any)
		return 0;
	/* The runner sets lock_timeout unless the track's is 0 (or --lock-timeout 0). */
	lo->runner_lock_timeout = (o_lock_timeout_ms < 0 ? strata_track_lock_timeout_ms(config, src->track)
		: o_lock_timeout_ms) > 0;
	in = lint_source_inputs(src, last + 1, &paths);
	if (in == NULL) {
		strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		return cli_report(ctx, &err);
	}
	/* Files before a pending one that the plan does not apply are applied: context only. */
	for (j = 0; j <= last; j++)
		in[j].applied = step_of(plan, src->track->name, src->migrations[j].up.path) == NULL;
	rc = lint_run_inputs(ctx, &g->runs, in, last + 1, lo, src->track->name);
	lint_source_inputs_free(in, paths, last + 1);
	return rc;
}

static int add_accepted(mig_guard *g, const strata_plan_step *s, const strata_lint_finding *f,
	const char *reason)
{
	strata_accepted_risk *grown = realloc(g->accepted, (g->naccepted + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	g->accepted = grown;
	memset(&g->accepted[g->naccepted], 0, sizeof(*grown));
	g->accepted[g->naccepted].track = s->source->track->name;
	g->accepted[g->naccepted].version = s->migration->version;
	g->accepted[g->naccepted].rule = f->rule;
	g->accepted[g->naccepted].reason = reason;
	g->accepted[g->naccepted].message = f->message;
	g->accepted[g->naccepted].file = f->file;
	g->accepted[g->naccepted].line = f->line;
	g->accepted[g->naccepted].fingerprint = f->fingerprint;
	g->naccepted++;
	return 0;
}

int mig_lint_guard(cli_ctx *ctx, mig_opts *o, const mig_project *p, const strata_plan *plan,
	strata_conn *c, mig_guard *g)
{
	strata_lint_options lo = STRATA_LINT_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf out = STRATA_BUF_INIT;
	size_t i, j, blocking = 0, warnings = 0;
	int rc = 0, k;

	memset(g, 0, sizeof(*g));
	for (k = 0; k < o->accept_risks.n; k++)
		if (strata_lint_rule_find(o->accept_risks.items[k]) == NULL)
			return cli_usage_error(ctx, "--accept-risk '%s': unknown lint rule (see 'strata lint --rules')",
				o->accept_risks.items[k]);
	if (o->accept_risks.n > 0 && (o->reason == NULL || o->reason[0] == '\0'))
		return cli_usage_error(ctx, "--accept-risk needs --reason \"why the risk is acceptable\" (it is "
			"recorded in the ledger)");
	lo.pg_version = strata_conn_server_version(c);
	lo.assume_in_transaction = 1;
	/* The project's lint settings and baseline apply here as in strata lint. */
	rc = lint_config_apply(ctx, &g->config, p->config, &lo);
	if (rc == 0)
		rc = lint_config_project(ctx, &g->config, p->config, NULL, NULL, &lo);
	if (rc == 0 && p->config->lint_baseline != NULL && access(p->config->lint_baseline, F_OK) == 0)
		rc = lint_baseline_load(ctx, &g->config, p->config->lint_baseline, &lo);
	if (rc != 0)
		return rc;
	for (i = 0; i < p->n && rc == 0; i++)
		rc = lint_source(ctx, g, p->sources[i], plan, &lo, p->config, o->lock_timeout_ms);
	if (rc != 0)
		return rc;
	for (i = 0; i < g->runs.n; i++) {
		const strata_lint_report *r = g->runs.reports[i];

		for (j = 0; j < r->nfindings; j++) {
			const strata_lint_finding *f = &r->findings[j];
			const strata_plan_step *s = step_of(plan, g->runs.names[i], f->file);

			if (s == NULL)
				continue;
			if (f->severity == STRATA_LINT_ERROR && accepted_rule(o, f->rule)) {
				if (add_accepted(g, s, f, o->reason) != 0) {
					strata_error_set(&err, STRATA_ENOMEM, "out of memory");
					return cli_report(ctx, &err);
				}
				strata_log(STRATA_LOG_WARNING, "%s:%d: accepted risk %s: %s", f->file, f->line, f->rule,
					f->message);
				continue;
			}
			if (f->severity == STRATA_LINT_ERROR)
				blocking++;
			else
				warnings++;
			lint_text_finding(&out, ctx, f);
		}
	}
	for (k = 0; k < o->accept_risks.n; k++) {
		for (i = 0; i < g->naccepted && strcmp(g->accepted[i].rule, o->accept_risks.items[k]) != 0; i++)
			;
		if (i == g->naccepted)
			strata_log(STRATA_LOG_WARNING, "--accept-risk %s: no pending migration has this finding",
				o->accept_risks.items[k]);
	}
	if (out.len > 0)
		fputs(strata_buf_cstr(&out), stderr);
	strata_buf_release(&out);
	if (blocking > 0) {
		strata_error_set(&err, STRATA_EINVAL, "lint: %zu error%s in the pending migrations: nothing was "
			"applied", blocking, blocking == 1 ? "" : "s");
		strata_error_hint(&err, "fix them, ignore one with '-- strata:lint-ignore <rule> <reason>', or "
			"accept the risk: --accept-risk <rule> --reason \"...\"");
		return cli_report_exit(ctx, &err, CLI_EXIT_FINDINGS);
	}
	if (warnings > 0)
		strata_log(STRATA_LOG_NOTICE, "lint: %zu warning%s in the pending migrations", warnings,
			warnings == 1 ? "" : "s");
	return 0;
}

void mig_guard_release(mig_guard *g)
{
	lint_runs_release(&g->runs);
	lint_config_release(&g->config);
	free(g->accepted);
	memset(g, 0, sizeof(*g));
}
