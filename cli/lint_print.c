/*
 * lint_print.c: the lint report in four forms.
 *
 *   text     file:line:column: severity[rule]: message, the source line with
 *            a caret under the column, the help; then a summary line
 *   json     one object: totals and every finding
 *   sarif    SARIF 2.1.0, one run with the rules that fired and the results
 *            (with a partial fingerprint, so code scanning tracks them)
 *   github   workflow commands (::error file=...,line=...::message) that
 *            GitHub Actions shows as annotations on the pull request
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_cli.h"

int lint_run_inputs(cli_ctx *ctx, lint_runs *runs, const strata_lint_input *in, size_t n,
	const strata_lint_options *lo, const char *name)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_lint_report *r = NULL, **reports;
	char **names;

	if (strata_lint_run(&r, in, n, lo, &err) != 0)
		return err.code == STRATA_EIO ? cli_report_exit(ctx, &err, CLI_EXIT_INPUT) : cli_report(ctx, &err);
	reports = realloc(runs->reports, (runs->n + 1) * sizeof(*reports));
	names = reports != NULL ? realloc(runs->names, (runs->n + 1) * sizeof(*names)) : NULL;
	if (reports != NULL)
		runs->reports = reports;
	if (names != NULL)
		runs->names = names;
	if (reports == NULL || names == NULL) {
		strata_lint_report_free(r);
		strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		return cli_report(ctx, &err);
	}
	runs->reports[runs->n] = r;
	runs->names[runs->n] = name != NULL ? strdup(name) : NULL;
	runs->n++;
	return 0;
}

void lint_runs_release(lint_runs *runs)
{
	size_t i;

	for (i = 0; i < runs->n; i++) {
		strata_lint_report_free(runs->reports[i]);
		free(runs->names[i]);
	}
	free(runs->reports);
	free(runs->names);
	memset(runs, 0, sizeof(*runs));
}

typedef struct totals {
	size_t files, statements, errors, warnings, suppressed, findings, baselined;
} totals;

static totals sum(const lint_runs *runs)
{
	totals t;
	size_t i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < runs->n; i++) {
		const strata_lint_report *r = runs->reports[i];

		t.files += r->files;
		t.statements += r->statements;
		t.errors += r->errors;
		t.warnings += r->warnings;
		t.suppressed += r->suppressed;
		t.baselined += r->baselined;
		t.findings += r->nfindings;
	}
	return t;
}

/* ---- text ---- */

void lint_text_finding(strata_buf *out, const cli_ctx *ctx, const strata_lint_finding *f)
{
	const char *on = "", *off = "", *bold = "", *dim = "";
	int width, i;
	char num[16];

	if (ctx->color_stdout) {
		on = f->severity == STRATA_LINT_ERROR ? "\033[1;31m" : "\033[1;33m";
		off = "\033[0m";
		bold = "\033[1m";
		dim = "\033[2m";
	}
	strata_buf_printf(out, "%s%s:%d:%d:%s %s%s[%s]%s: %s\n", bold, f->file, f->line, f->column, off, on,
		strata_lint_severity_name(f->severity), f->rule, off, f->message);
	width = snprintf(num, sizeof(num), "%d", f->line);
	strata_buf_printf(out, "%s%*s |%s\n", dim, width, "", off);
	strata_buf_printf(out, "%s%s |%s %s\n", dim, num, off, f->source != NULL ? f->source : "");
	strata_buf_printf(out, "%s%*s |%s ", dim, width, "", off);
	/* The caret under the column; tabs kept so that it lines up. */
	for (i = 1; f->source != NULL && i < f->column && f->source[i - 1] != '\0'; i++)
		strata_buf_putc(out, f->source[i - 1] == '\t' ? '\t' : ' ');
	strata_buf_printf(out, "%s^%s\n", on, off);
	if (f->help != NULL)
		strata_buf_printf(out, "%*s = help: %s\n", width, "", f->help);
	strata_buf_putc(out, '\n');
}

static void print_text(strata_buf *out, const cli_ctx *ctx, const lint_runs *runs)
{
	totals t = sum(runs);
	size_t i, j;

	for (i = 0; i < runs->n; i++)
		for (j = 0; j < runs->reports[i]->nfindings; j++)
			lint_text_finding(out, ctx, &runs->reports[i]->findings[j]);
	strata_buf_printf(out, "%zu file%s, %zu statement%s: ", t.files, t.files == 1 ? "" : "s",
		t.statements, t.statements == 1 ? "" : "s");
	if (t.errors + t.warnings == 0)
		strata_buf_puts(out, "no findings");
	else
		strata_buf_printf(out, "%zu error%s, %zu warning%s", t.errors, t.errors == 1 ? "" : "s",
			t.warnings, t.warnings == 1 ? "" : "s");
	if (t.suppressed > 0)
		strata_buf_printf(out, " (%zu ignored by comments or strata.yaml)", t.suppressed);
	if (t.baselined > 0)
		strata_buf_printf(out, " (%zu accepted by the baseline)", t.baselined);
	strata_buf_putc(out, '\n');
}

/* ---- json ---- */

static void json_opt_string(strata_json *w, const char *key, const char *v)
{
	strata_json_key(w, key);
	if (v != NULL)
		strata_json_string(w, v);
	else
		strata_json_null(w);
}

static void print_json(strata_buf *out, const lint_runs *runs)
{
	totals t = sum(runs);
	strata_json w;
	size_t i, j;

	strata_json_init(&w, out, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "files");
	strata_json_int(&w, (int64_t)t.files);
	strata_json_key(&w, "statements");
	strata_json_int(&w, (int64_t)t.statements);
	strata_json_key(&w, "errors");
	strata_json_int(&w, (int64_t)t.errors);
	strata_json_key(&w, "warnings");
	strata_json_int(&w, (int64_t)t.warnings);
	strata_json_key(&w, "ignored");
	strata_json_int(&w, (int64_t)t.suppressed);
	strata_json_key(&w, "baselined");
	strata_json_int(&w, (int64_t)t.baselined);
	strata_json_key(&w, "findings");
	strata_json_array_begin(&w);
	for (i = 0; i < runs->n; i++)
		for (j = 0; j < runs->reports[i]->nfindings; j++) {
			const strata_lint_finding *f = &runs->reports[i]->findings[j];

			strata_json_object_begin(&w);
			strata_json_key(&w, "rule");
			strata_json_string(&w, f->rule);
			strata_json_key(&w, "severity");
			strata_json_string(&w, strata_lint_severity_name(f->severity));
			json_opt_string(&w, "track", runs->names[i]);
			strata_json_key(&w, "file");
			strata_json_string(&w, f->file);
			strata_json_key(&w, "line");
			strata_json_int(&w, f->line);
			strata_json_key(&w, "column");
			strata_json_int(&w, f->column);
			strata_json_key(&w, "end_line");
			strata_json_int(&w, f->end_line);
			strata_json_key(&w, "message");
			strata_json_string(&w, f->message);
			json_opt_string(&w, "help", f->help);
			strata_json_key(&w, "fingerprint");
			strata_json_string(&w, f->fingerprint);
			strata_json_object_end(&w);
		}
	strata_json_array_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(out, '\n');
}

/* ---- sarif ---- */

static const char *sarif_level(strata_lint_severity s)
{
	return s == STRATA_LINT_ERROR ? "error" : "warning";
}

static void print_sarif(strata_buf *out, const lint_runs *runs)
{
	const strata_lint_rule *rules;
	size_t nrules, i, j, k;
	strata_json w;

	rules = strata_lint_rules(&nrules);
	strata_json_init(&w, out, 2);
	strata_json_object_begin(&w);
	strata_json_key(&w, "$schema");
	strata_json_string(&w, "https://json.schemastore.org/sarif-2.1.0.json");
	strata_json_key(&w, "version");
	strata_json_string(&w, "2.1.0");
	strata_json_key(&w, "runs");
	strata_json_array_begin(&w);
	strata_json_object_begin(&w);
	strata_json_key(&w, "tool");
	strata_json_object_begin(&w);
	strata_json_key(&w, "driver");
	strata_json_object_begin(&w);
	strata_json_key(&w, "name");
	strata_json_string(&w, "strata lint");
	strata_json_key(&w, "version");
	strata_json_string(&w, strata_version());
	strata_json_key(&w, "rules");
	strata_json_array_begin(&w);
	for (k = 0; k < nrules; k++) {
		strata_json_object_begin(&w);
		strata_json_key(&w, "id");
		strata_json_string(&w, rules[k].id);
		strata_json_key(&w, "shortDescription");
		strata_json_object_begin(&w);
		strata_json_key(&w, "text");
		strata_json_string(&w, rules[k].summary);
		strata_json_object_end(&w);
		strata_json_key(&w, "defaultConfiguration");
		strata_json_object_begin(&w);
		strata_json_key(&w, "level");
		strata_json_string(&w, rules[k].severity == STRATA_LINT_OFF ? "none" :
			sarif_level(rules[k].severity));
		strata_json_object_end(&w);
		strata_json_key(&w, "properties");
		strata_json_object_begin(&w);
		strata_json_key(&w, "family");
		strata_json_string(&w, rules[k].family);
		strata_json_object_end(&w);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_json_key(&w, "results");
	strata_json_array_begin(&w);
	for (i = 0; i < runs->n; i++)
		for (j = 0; j < runs->reports[i]->nfindings; j++) {
			const strata_lint_finding *f = &runs->reports[i]->findings[j];
			strata_buf text = STRATA_BUF_INIT;

			for (k = 0; k < nrules && strcmp(rules[k].id, f->rule) != 0; k++)
				;
			strata_json_object_begin(&w);
			strata_json_key(&w, "ruleId");
			strata_json_string(&w, f->rule);
			strata_json_key(&w, "ruleIndex");
			strata_json_int(&w, (int64_t)k);
			strata_json_key(&w, "level");
			strata_json_string(&w, sarif_level(f->severity));
			strata_json_key(&w, "message");
			strata_json_object_begin(&w);
			strata_json_key(&w, "text");
			strata_buf_puts(&text, f->message);
			if (f->help != NULL)
				strata_buf_printf(&text, ". Instead: %s", f->help);
			strata_json_string(&w, strata_buf_cstr(&text));
			strata_buf_release(&text);
			strata_json_object_end(&w);
			strata_json_key(&w, "locations");
			strata_json_array_begin(&w);
			strata_json_object_begin(&w);
			strata_json_key(&w, "physicalLocation");
			strata_json_object_begin(&w);
			strata_json_key(&w, "artifactLocation");
			strata_json_object_begin(&w);
			strata_json_key(&w, "uri");
			strata_json_string(&w, f->file);
			strata_json_object_end(&w);
			strata_json_key(&w, "region");
			strata_json_object_begin(&w);
			strata_json_key(&w, "startLine");
			strata_json_int(&w, f->line);
			strata_json_key(&w, "startColumn");
			strata_json_int(&w, f->column);
			strata_json_key(&w, "endLine");
			strata_json_int(&w, f->end_line >= f->line ? f->end_line : f->line);
			strata_json_object_end(&w);
			strata_json_object_end(&w);
			strata_json_object_end(&w);
			strata_json_array_end(&w);
			strata_json_key(&w, "partialFingerprints");
			strata_json_object_begin(&w);
			strata_json_key(&w, "strataFingerprint/v1");
			strata_json_string(&w, f->fingerprint);
			strata_json_object_end(&w);
			strata_json_object_end(&w);
		}
	strata_json_array_end(&w);
	strata_json_object_end(&w);
	strata_json_array_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(out, '\n');
}

/* ---- github ---- */

/* Workflow command escaping: data escapes % CR LF; properties also : and ,. */
static void gh_escape(strata_buf *out, const char *s, int property)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			strata_buf_puts(out, "%25");
		else if (*s == '\r')
			strata_buf_puts(out, "%0D");
		else if (*s == '\n')
			strata_buf_puts(out, "%0A");
		else if (property && *s == ':')
			strata_buf_puts(out, "%3A");
		else if (property && *s == ',')
			strata_buf_puts(out, "%2C");
		else
			strata_buf_putc(out, *s);
	}
}

static void print_github(strata_buf *out, const lint_runs *runs)
{
	size_t i, j;

	for (i = 0; i < runs->n; i++)
		for (j = 0; j < runs->reports[i]->nfindings; j++) {
			const strata_lint_finding *f = &runs->reports[i]->findings[j];

			strata_buf_printf(out, "::%s file=", f->severity == STRATA_LINT_ERROR ? "error" : "warning");
			gh_escape(out, f->file, 1);
			strata_buf_printf(out, ",line=%d,col=%d,endLine=%d,title=", f->line, f->column,
				f->end_line >= f->line ? f->end_line : f->line);
			gh_escape(out, f->rule, 1);
			strata_buf_puts(out, "::");
			gh_escape(out, f->message, 0);
			if (f->help != NULL) {
				strata_buf_puts(out, "%0A%0AInstead: ");
				gh_escape(out, f->help, 0);
			}
			strata_buf_putc(out, '\n');
		}
}

/* ---- --explain ---- */

static const char *const block_names[] = { "reads", "writes", "SELECT FOR UPDATE/SHARE", "VACUUM",
	"CREATE INDEX", "DDL" };

static void blocks_text(strata_buf *out, unsigned blocks)
{
	size_t i, n = 0;

	if (blocks == 0) {
		strata_buf_puts(out, "blocks nothing");
		return;
	}
	if (blocks == 0x3f) {
		strata_buf_puts(out, "blocks everything, reads included");
		return;
	}
	strata_buf_puts(out, "blocks ");
	for (i = 0; i < (sizeof(block_names) / sizeof(block_names[0])); i++)
		if (blocks & (1u << i))
			strata_buf_printf(out, "%s%s", n++ ? ", " : "", block_names[i]);
}

static void explain_text(strata_buf *out, const strata_lint_statement *st)
{
	size_t i;

	strata_buf_printf(out, "%s:%d: %s\n", st->file, st->line, st->text);
	if (st->nlocks == 0)
		strata_buf_puts(out, "    (not in the lock model: no table lock known)\n");
	for (i = 0; i < st->nlocks; i++) {
		const strata_lint_lock *k = &st->locks[i];

		if (k->relation == NULL) {
			strata_buf_printf(out, "    %s: no table lock\n", k->action);
		} else if (strcmp(k->level, "NONE") == 0 && !k->relation_is_index) {
			strata_buf_printf(out, "    %s: %s, no lock that others wait for\n", k->action, k->relation);
		} else {
			strata_buf_printf(out, "    %s: %s on %s%s", k->action, k->level, k->relation,
				k->relation_is_index ? " (an index)" : "");
			if (k->relation_is_index)
				strata_buf_printf(out, ", %s on its table", k->table_level);
			strata_buf_puts(out, "; ");
			blocks_text(out, k->blocks);
			strata_buf_printf(out, "; %s%s\n", k->rewrites ? "rewrites the table" : k->scans ?
				"scans the table" : "no rewrite, no scan", k->concurrently ? "; concurrently" : "");
		}
		if (k->note != NULL)
			strata_buf_printf(out, "      note: %s\n", k->note);
	}
	if (st->nlocks > 0 && !st->in_transaction)
		strata_buf_puts(out, "    (outside a transaction: the locks end with the statement)\n");
	else if (st->nlocks > 0)
		strata_buf_puts(out, "    (in a transaction: the locks are held until it ends)\n");
}

static void explain_json(strata_json *w, const strata_lint_statement *st)
{
	size_t i, b;

	strata_json_object_begin(w);
	strata_json_key(w, "file");
	strata_json_string(w, st->file);
	strata_json_key(w, "line");
	strata_json_int(w, st->line);
	strata_json_key(w, "column");
	strata_json_int(w, st->column);
	strata_json_key(w, "text");
	strata_json_string(w, st->text);
	strata_json_key(w, "in_transaction");
	strata_json_bool(w, st->in_transaction);
	strata_json_key(w, "locks");
	strata_json_array_begin(w);
	for (i = 0; i < st->nlocks; i++) {
		const strata_lint_lock *k = &st->locks[i];

		strata_json_object_begin(w);
		strata_json_key(w, "action");
		strata_json_string(w, k->action);
		json_opt_string(w, "relation", k->relation);
		strata_json_key(w, "relation_is_index");
		strata_json_bool(w, k->relation_is_index);
		strata_json_key(w, "level");
		strata_json_string(w, k->level);
		strata_json_key(w, "table_level");
		strata_json_string(w, k->table_level);
		strata_json_key(w, "rewrites");
		strata_json_bool(w, k->rewrites);
		strata_json_key(w, "scans");
		strata_json_bool(w, k->scans);
		strata_json_key(w, "concurrently");
		strata_json_bool(w, k->concurrently);
		strata_json_key(w, "blocks");
		strata_json_array_begin(w);
		for (b = 0; b < (sizeof(block_names) / sizeof(block_names[0])); b++)
			if (k->blocks & (1u << b))
				strata_json_string(w, block_names[b]);
		strata_json_array_end(w);
		strata_json_key(w, "line");
		strata_json_int(w, k->line);
		strata_json_key(w, "column");
		strata_json_int(w, k->column);
		json_opt_string(w, "note", k->note);
		strata_json_object_end(w);
	}
	strata_json_array_end(w);
	strata_json_object_end(w);
}

int lint_print_explain(cli_ctx *ctx, const lint_cli_opts *o, const lint_runs *runs)
{
	strata_buf out = STRATA_BUF_INIT;
	size_t i, j;
	int rc;

	(void)ctx;
	if (o->format == LINT_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "statements");
		strata_json_array_begin(&w);
		for (i = 0; i < runs->n; i++)
			for (j = 0; j < runs->reports[i]->nexplained; j++)
				explain_json(&w, &runs->reports[i]->explained[j]);
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		for (i = 0; i < runs->n; i++)
			for (j = 0; j < runs->reports[i]->nexplained; j++) {
				if (out.len > 0)
					strata_buf_putc(&out, '\n');
				explain_text(&out, &runs->reports[i]->explained[j]);
			}
	}
	rc = cli_write_stdout(&out) == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
	strata_buf_release(&out);
	return rc;
}

int lint_print(cli_ctx *ctx, const lint_cli_opts *o, const lint_runs *runs)
{
	strata_buf out = STRATA_BUF_INIT;
	totals t = sum(runs);

	switch (o->format) {
	case LINT_FORMAT_JSON: print_json(&out, runs); break;
	case LINT_FORMAT_SARIF: print_sarif(&out, runs); break;
	case LINT_FORMAT_GITHUB: print_github(&out, runs); break;
	default: print_text(&out, ctx, runs); break;
	}
	if (cli_write_stdout(&out) != 0) {
		strata_buf_release(&out);
		return CLI_EXIT_INTERNAL;
	}
	strata_buf_release(&out);
	if (o->fail_on == LINT_FAIL_NONE)
		return CLI_EXIT_OK;
	if (t.errors > 0 || (o->fail_on == LINT_FAIL_WARNING && t.warnings > 0))
		return CLI_EXIT_FINDINGS;
	return CLI_EXIT_OK;
}
