/*
 * tap_summary.c: the last line of `make test`.
 *
 * Reads meson's testlog.json (one JSON object per test program), counts the
 * TAP results each program printed, and prints every failure followed by one
 * line "N passed, N failed". A program that promised N results (its "1..N"
 * plan) and printed fewer, or that exited non-zero although every printed
 * result passed (a crash, a leak report, a sanitizer error at exit), counts
 * its shortfall as failures, so nothing that went wrong can vanish from the
 * count. Skipped results are listed loudly and counted apart.
 *
 *   tap-summary LOG.json...     (one or more meson testlog.json files)
 * Exit status: 0 when nothing failed, 1 otherwise, 2 when a log is unreadable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

typedef struct totals {
	long passed, failed, skipped;
} totals;

/* Nonzero when the first len bytes of line contain directive, in any case. */
static int has_directive(const char *line, size_t len, const char *directive)
{
	size_t n = strlen(directive), i;

	for (i = 0; i + n <= len; i++)
		if (strncasecmp(line + i, directive, n) == 0)
			return 1;
	return 0;
}

/*
 * result is meson's verdict; bad_exit says whether the program itself failed
 * (a non-zero exit status or a timeout). meson's TAP parser calls cmocka's
 * "not ok N # SKIP" a failure, so its verdict alone cannot be trusted.
 */
static void count_program(totals *t, const char *name, const char *result, int bad_exit,
	const char *out)
{
	long plan = -1, seen = 0, failed_here = 0;
	const char *line = out;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len >= 3 && strncmp(line, "1..", 3) == 0) {
			plan = strtol(line + 3, NULL, 10);
		} else if ((len >= 3 && strncmp(line, "ok ", 3) == 0) ||
			(len >= 7 && strncmp(line, "not ok ", 7) == 0)) {
			seen++;
			/* A SKIP directive makes a result a skip, "ok" or "not ok" alike (cmocka says "not ok"). */
			if (has_directive(line, len, "# SKIP")) {
				t->skipped++;
				printf("SKIPPED  %s: %.*s\n", name, (int)len, line);
			} else if (line[0] == 'o') {
				t->passed++;
			} else {
				failed_here++;
				t->failed++;
				printf("FAILED   %s: %.*s\n", name, (int)len, line);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (plan > seen) {
		t->failed += plan - seen;
		failed_here += plan - seen;
		printf("FAILED   %s: %ld of %ld planned results missing (status %s)\n", name, plan - seen,
			plan, result);
	}
	if (seen == 0 && plan < 0) {
		/* No TAP at all: the program itself is one result. */
		if (!bad_exit) {
			t->passed++;
		} else {
			t->failed++;
			printf("FAILED   %s: printed no results (status %s)\n", name, result);
		}
		return;
	}
	if (failed_here == 0 && bad_exit) {
		t->failed++;
		printf("FAILED   %s: every result passed but the program ended with status %s"
			" (crash, leak or sanitizer report: see meson-logs/testlog.txt)\n", name, result);
	}
}

static int read_log(totals *t, const char *path, long *programs)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	f = fopen(path, "r");
	if (f == NULL) {
		perror(path);
		return 2;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
		json_t *rcval;
		const char *name, *result, *out;
		int bad_exit;

		if (o == NULL) {
			fprintf(stderr, "%s: line %ld: %s\n", path, *programs + 1, jerr.text);
			free(line);
			fclose(f);
			return 2;
		}
		name = json_string_value(json_object_get(o, "name"));
		result = json_string_value(json_object_get(o, "result"));
		out = json_string_value(json_object_get(o, "stdout"));
		rcval = json_object_get(o, "returncode");
		bad_exit = (result != NULL && strcmp(result, "TIMEOUT") == 0) ||
			(json_is_integer(rcval) ? json_integer_value(rcval) != 0
			: (result == NULL || strcmp(result, "OK") != 0));
		count_program(t, name ? name : "?", result ? result : "?", bad_exit, out ? out : "");
		(*programs)++;
		json_decref(o);
	}
	free(line);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	totals t = { 0, 0, 0 };
	long programs = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: tap-summary testlog.json...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		long before = programs;

		if (read_log(&t, argv[i], &programs) != 0)
			return 2;
		if (programs == before) {
			fprintf(stderr, "%s: no test programs ran\n", argv[i]);
			return 2;
		}
	}
	if (t.skipped > 0)
		printf("%ld skipped (listed above)\n", t.skipped);
	printf("%ld passed, %ld failed\n", t.passed, t.failed);
	return t.failed > 0 ? 1 : 0;
}
