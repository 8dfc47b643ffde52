/*
 * fuzz_json_quote.c: any bytes, quoted by strata_json_quote, are one valid
 * JSON string (checked with jansson); valid UTF-8 without NUL comes back
 * unchanged after parsing.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

#include "strata/json.h"

static int valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t len, k;
		uint32_t cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			(cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_buf b = STRATA_BUF_INIT;
	json_error_t jerr;
	json_t *v;

	if (strata_json_quote(&b, (const char *)data, size) != 0)
		fuzz_fail("quote failed on %zu bytes", size);
	v = json_loadb(strata_buf_cstr(&b), b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (v == NULL || !json_is_string(v))
		fuzz_fail("not a JSON string (%s): %s", jerr.text, strata_buf_cstr(&b));
	if (valid_utf8(data, size) &&
		(json_string_length(v) != size || memcmp(json_string_value(v), data, size) != 0))
		fuzz_fail("valid UTF-8 did not round-trip");
	json_decref(v);
	strata_buf_release(&b);
	return 0;
}
