/*
 * fuzz_lint.c: the lint path on any bytes, as a migration file would give
 * them: parse, the rules, ignore comments. It must never crash or leak, and
 * every finding must be well formed: a known rule, a position inside the
 * text (lines and columns that exist), a message, the source line. The
 * same input linted twice gives the same findings, and once more inside a
 * transaction and for PostgreSQL 10 without a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "strata/lint.h"

static int lines_in(const char *text, size_t size)
{
	int n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		if (text[i] == '\n')
			n++;
	return n;
}

static void check(const strata_lint_report *r, const char *text, size_t size)
{
	int lines = lines_in(text, size);
	size_t i;

	if (r->errors + r->warnings != r->nfindings)
		fuzz_fail("%zu errors and %zu warnings, but %zu findings", r->errors, r->warnings, r->nfindings);
	for (i = 0; i < r->nfindings; i++) {
		const strata_lint_finding *f = &r->findings[i];

		if (strata_lint_rule_find(f->rule) == NULL)
			fuzz_fail("finding of an unknown rule '%s'", f->rule);
		if (f->line < 1 || f->line > lines || f->column < 1 || f->end_line < f->line ||
			f->end_line > lines)
			fuzz_fail("%s at %d:%d-%d, outside the %d lines", f->rule, f->line, f->column, f->end_line,
				lines);
		if (f->message == NULL || f->message[0] == '\0' || f->source == NULL ||
			strlen(f->fingerprint) != 16)
			fuzz_fail("%s: an incomplete finding", f->rule);
		if (i > 0 && f->line < r->findings[i - 1].line)
			fuzz_fail("findings out of order at %zu", i);
	}
}

static int same(const strata_lint_report *a, const strata_lint_report *b)
{
	size_t i;

	if (a->nfindings != b->nfindings)
		return 0;
	for (i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].rule, b->findings[i].rule) != 0 ||
			a->findings[i].line != b->findings[i].line ||
			a->findings[i].column != b->findings[i].column ||
			strcmp(a->findings[i].message, b->findings[i].message) != 0 ||
			strcmp(a->findings[i].fingerprint, b->findings[i].fingerprint) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_report *r1 = NULL, *r2 = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const char *text = (const char *)data;
	int rc;

	o.assume_in_transaction = 0;
	rc = strata_lint_text(&r1, "fuzz.sql", text, size, &o, &err);
	if (rc != 0) {
		/* A NUL byte is a syntax error finding, not a failure: only memory may fail. */
		if (rc != STRATA_ENOMEM)
			fuzz_fail("lint failed: %s", err.message);
		return 0;
	}
	check(r1, text, size);
	if (strata_lint_text(&r2, "fuzz.sql", text, size, &o, &err) != 0)
		fuzz_fail("the second lint failed: %s", err.message);
	if (!same(r1, r2))
		fuzz_fail("linting twice gave different findings");
	strata_lint_report_free(r2);
	r2 = NULL;
	o.assume_in_transaction = 1;
	o.pg_version = 100000;
	if (strata_lint_text(&r2, "fuzz.sql", text, size, &o, &err) != 0)
		fuzz_fail("lint in a transaction for PostgreSQL 10 failed: %s", err.message);
	check(r2, text, size);
	strata_lint_report_free(r1);
	strata_lint_report_free(r2);
	return 0;
}
