/*
 * version.c: migration versions. Versions are digits ("0003",
 * "202611211030"); Flyway's may hold '.' or '_' between digit groups
 * ("1.2.10"). They compare numerically, group by group, so that "0010" >
 * "9" and "1.10" > "1.9"; a 12-digit timestamp compares as its 14-digit
 * form with seconds 00.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "migrate/migrate_int.h"

int st_version_valid(const char *s, strata_layout layout)
{
	const char *p = s;
	int digits = 0;

	if (*s == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			continue;
		}
		if (layout == STRATA_LAYOUT_FLYWAY && (*p == '.' || *p == '_') && digits > 0 &&
			p[1] >= '0' && p[1] <= '9') {
			digits = 0;
			continue;
		}
		return 0;
	}
	return digits > 0;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int st_version_is_timestamp(const char *s)
{
	size_t len = strlen(s);
	int year, month, day, hour, minute, second = 0;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if ((len != 12 && len != 14) || strspn(s, "0123456789") != len)
		return 0;
	year = two(s) * 100 + two(s + 2);
	month = two(s + 4);
	day = two(s + 6);
	hour = two(s + 8);
	minute = two(s + 10);
	if (len == 14)
		second = two(s + 12);
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
		return 0;
	if (month == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 0;
	return hour < 24 && minute < 60 && second < 60;
}

/* Compares two digit groups numerically: leading zeros do not count. */
static int compare_group(const char *a, size_t la, const char *b, size_t lb)
{
	int c;

	while (la > 1 && *a == '0') {
		a++;
		la--;
	}
	while (lb > 1 && *b == '0') {
		b++;
		lb--;
	}
	if (la != lb)
		return la < lb ? -1 : 1;
	c = memcmp(a, b, la);
	return (c > 0) - (c < 0);
}

int strata_version_compare(const char *a, const char *b)
{
	char ta[16], tb[16];
	size_t la = 0, lb = 0;

	/* Fast path, the common case: digits only, same width (zero-padded, or timestamps). */
	while (a[la] >= '0' && a[la] <= '9')
		la++;
	while (b[lb] >= '0' && b[lb] <= '9')
		lb++;
	if (a[la] == '\0' && b[lb] == '\0' && la == lb) {
		int c = memcmp(a, b, la);
		return (c > 0) - (c < 0);
	}

	/* Timestamps with and without seconds compare as moments. */
	if (st_version_is_timestamp(a) && st_version_is_timestamp(b) && strlen(a) != strlen(b)) {
		st_snprintf(ta, sizeof(ta), "%s%s", a, strlen(a) == 12 ? "00" : "");
		st_snprintf(tb, sizeof(tb), "%s%s", b, strlen(b) == 12 ? "00" : "");
		a = ta;
		b = tb;
	}
	for (;;) {
		size_t ga = strcspn(a, "._"), gb = strcspn(b, "._");
		int c = compare_group(a, ga, b, gb);

		if (c != 0)
			return c;
		a += ga;
		b += gb;
		if (*a == '\0' || *b == '\0')
			return (*a != '\0') - (*b != '\0');
		a++;
		b++;
	}
}

int strata_source_next_version(strata_buf *out, const strata_source *source)
{
	strata_buf_clear(out);
	if (source->scheme == STRATA_VERSIONS_TIMESTAMP) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		int seconds = 1;

		if (source->n > 0)
			seconds = strlen(source->migrations[source->n - 1].version) == 14;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), seconds ? "%Y%m%d%H%M%S" : "%Y%m%d%H%M", &tm);
		/*
		 * Never at or behind the newest file (two in the same second, a clock
		 * set back, a file from the future): then one second (minute) after it.
		 */
		if (source->n > 0 &&
			strata_version_compare(stamp, source->migrations[source->n - 1].version) <= 0) {
			const char *newest = source->migrations[source->n - 1].version;
			time_t t;

			memset(&tm, 0, sizeof(tm));
			if (sscanf(newest, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec) < 5)
				return STRATA_EINVAL;
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			t = timegm(&tm) + (seconds ? 1 : 60);
			gmtime_r(&t, &tm);
			strftime(stamp, sizeof(stamp), seconds ? "%Y%m%d%H%M%S" : "%Y%m%d%H%M", &tm);
		}
		strata_buf_puts(out, stamp);
	} else {
		const char *last = source->n > 0 ? source->migrations[source->n - 1].version : "0000";
		size_t width = strspn(last, "0123456789"), i;
		char next[64];

		/* A dotted Flyway version (1.1, 2_3) continues with its first group: 1.1 -> 2. */
		if (width == 0 || width >= sizeof(next) - 1)
			return STRATA_EINVAL;
		memcpy(next, last, width);
		next[width] = '\0';
		/* Decimal increment of the digit string, growing it when it overflows. */
		for (i = width; i > 0; i--) {
			if (next[i - 1] < '9') {
				next[i - 1]++;
				break;
			}
			next[i - 1] = '0';
		}
		if (i == 0) {
			memmove(next + 1, next, width + 1);
			next[0] = '1';
		}
		strata_buf_puts(out, next);
	}
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}
