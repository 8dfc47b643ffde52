/*
 * bench.h: what strata's benchmark programs share: dying with a library
 * error, connecting to a URL, and summarising timings.
 */
#ifndef STRATA_BENCH_H
#define STRATA_BENCH_H

#include "strata/strata.h"

/* Prints "<program>: what: message" (and the detail) and exits 1; err may be NULL. */
void bench_die(const char *what, const strata_error *err);

/* Connects to url or dies. */
strata_conn *bench_open(const char *url);

typedef struct bench_stats {
	double mean, p50, p95, min;
	int n;
} bench_stats;

/* Sorts v (n > 0 values) in place and summarises it. */
bench_stats bench_summarise(double *v, int n);

#endif
