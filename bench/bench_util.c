/* bench_util.c: see bench.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

void bench_die(const char *what, const strata_error *err)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		err != NULL && err->message[0] ? err->message : "failed");
	if (err != NULL && err->detail[0])
		fprintf(stderr, "  detail: %s\n", err->detail);
	exit(1);
}

strata_conn *bench_open(const char *url)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;

	if (strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, &err) != 0 ||
		strata_conn_open(&c, ci, &err) != 0)
		bench_die("connect", &err);
	strata_conninfo_free(ci);
	return c;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

bench_stats bench_summarise(double *v, int n)
{
	bench_stats s;
	double sum = 0;
	int i;

	qsort(v, (size_t)n, sizeof(double), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	s.n = n;
	s.mean = sum / n;
	s.p50 = v[n / 2];
	s.p95 = v[(int)(n * 0.95) < n ? (int)(n * 0.95) : n - 1];
	s.min = v[0];
	return s;
}
