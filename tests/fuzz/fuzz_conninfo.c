/*
 * fuzz_conninfo.c: connection strings are untrusted input (command line,
 * environment). Masking and parsing must never crash, and whatever libpq
 * takes as the password must never appear in the masked display, nor in
 * the text strata_conninfo_scrub cleans.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "pg/pg_int.h"

/* Non-overlapping occurrences of needle in hay. */
static size_t occurrences(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += len;
	}
	return n;
}

/*
 * The password libpq reads must be hidden: the masked text holds at least
 * one occurrence fewer than the input when the input spells it out (the
 * same text may legitimately appear elsewhere, as a user name for example),
 * and none more when the input encodes it. Each "****" is first replaced by
 * a byte the password lacks, so that the mask's own stars cannot combine
 * with neighbouring text into a false match.
 */
static void check_hidden(const char *what, const char *masked, const char *input, const char *secret)
{
	strata_buf plain = STRATA_BUF_INIT;
	size_t in, out;
	char sentinel = 1;

	while (strchr(secret, sentinel) != NULL)
		sentinel++;
	strata_buf_puts(&plain, masked);
	{
		char rep[2] = { sentinel, '\0' };
		st_buf_replace_all(&plain, "****", rep);
	}
	in = occurrences(input, secret);
	out = occurrences(strata_buf_cstr(&plain), secret);
	if ((in > 0 && out >= in) || (in == 0 && out > 0))
		fuzz_fail("%s leaks password '%s': %s (input %s)", what, secret, masked, input);
	strata_buf_release(&plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_buf masked = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	char *s;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (strata_conninfo_mask(&masked, s) != 0)
		fuzz_fail("mask failed on %zu bytes", size);
	if (strata_conninfo_parse(&ci, s, STRATA_CONN_SOURCE_EXPLICIT, &err) == 0) {
		/*
		 * Short passwords match unrelated text too often to judge, and a
		 * password of only '*' is indistinguishable from the mask itself.
		 */
		if (ci->secret != NULL && strlen(ci->secret) >= 4 &&
			strspn(ci->secret, "*") != strlen(ci->secret)) {
			check_hidden("display", strata_conninfo_display(ci), s, ci->secret);
			/* libpq's parse errors echo the input in quotes; scrubbing must hide it. */
			strata_buf_printf(&text, "invalid URI: \"%s\"", s);
			if (st_conninfo_scrub(&text, s) != 0)
				fuzz_fail("scrub failed");
			check_hidden("scrubbed text", strata_buf_cstr(&text), s, ci->secret);
		}
		strata_conninfo_free(ci);
	} else if (err.message[0] == '\0') {
		fuzz_fail("parse failed without a message");
	}
	strata_buf_release(&masked);
	strata_buf_release(&text);
	free(s);
	return 0;
}
