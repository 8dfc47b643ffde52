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

static void put_digits(char *out, int64_t v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int st_utc_text(char *out, size_t size, int64_t unix_us, int micro)
{
	int64_t t = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
	int64_t us = unix_us - t * 1000000;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400;
	/* Days to a civil date (proleptic Gregorian), by Howard Hinnant's algorithm. */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	size_t at = 19;

	if (y < 0 || y > 9999 || size < (micro ? 28u : 21u))
		return -1;
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	if (micro) {
		out[at++] = '.';
		put_digits(out + at, us, 6);
		at += 6;
	}
	out[at++] = 'Z';
	out[at] = '\0';
	return 0;
}
