/*
 * fuzz_numbers.c: numbers and durations from the command line and config
 * files. st_parse_int64 must agree with strtoll on plain decimal text and
 * reject everything else; durations must stay in their range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	int64_t v = 0, ms = 0;
	int rc;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rc = st_parse_int64(&v, s, INT64_MIN, INT64_MAX);
	{
		size_t digits = strspn(s + (s[0] == '-'), "0123456789");
		int plain = digits > 0 && s[(s[0] == '-') + digits] == '\0';
		char *end = NULL;
		long long ref;

		errno = 0;
		ref = strtoll(s, &end, 10);
		if (plain && errno == 0 && rc != 0)
			fuzz_fail("'%s' rejected, strtoll reads %lld", s, ref);
		if (rc == 0 && (!plain || v != ref))
			fuzz_fail("'%s' accepted as %lld (plain %d, strtoll %lld)", s, (long long)v, plain, ref);
	}
	rc = st_parse_duration_ms(&ms, s, 86400000);
	if (rc == 0 && (ms < 0 || ms > 86400000))
		fuzz_fail("duration '%s' gave %lld ms", s, (long long)ms);
	return 0;
}
