/*
 * clock.c: a monotonic clock for durations and a UTC wall clock for records.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "base.h"

int64_t st_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double st_ns_to_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

void st_wall_iso8601(char *out, size_t outsz)
{
	struct timespec ts;
	struct tm tm;
	char date[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	st_snprintf(out, outsz, "%s.%03ldZ", date, ts.tv_nsec / 1000000L);
}

void st_sleep_ms(int64_t ms)
{
	struct timespec req, rem;

	if (ms <= 0)
		return;
	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}
