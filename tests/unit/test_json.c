/*
 * test_json.c: the streaming JSON writer (strata/json.h, src/base/json.c):
 * exact compact and indented output for nested documents; string escaping
 * (quote, backslash, the short escapes, other control characters as \u00XX);
 * valid UTF-8 kept as is and invalid UTF-8 (stray continuation bytes,
 * truncated, overlong, surrogate and out-of-range sequences) replaced by
 * U+FFFD; number formatting (doubles, int64 and uint64 limits); misuse putting
 * the buffer into its failed state; strata_json_done. Every document produced
 * is parsed back with jansson to prove it is valid JSON, including a loop over
 * many pseudo-random byte strings given to strata_json_quote.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#define FFFD "\xef\xbf\xbd"

/* Parses text with jansson or fails the test; the caller owns the result. */
static json_t *parse_or_fail(const char *text, size_t flags)
{
	json_error_t jerr;
	json_t *v = json_loads(text, flags | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

	if (v == NULL)
		fail_msg("jansson rejects %s: %s (line %d col %d)", text, jerr.text, jerr.line,
			jerr.column);
	return v;
}

/* Writes s with strata_json_quote and returns the result (caller releases b). */
static const char *quote(strata_buf *b, const char *s, size_t len)
{
	strata_buf_clear(b);
	assert_int_equal(strata_json_quote(b, s, len), 0);
	return strata_buf_cstr(b);
}

/* Builds the same nested document with a given indent. */
static void write_sample(strata_json *w)
{
	strata_json_object_begin(w);
	strata_json_key(w, "name");
	strata_json_string(w, "x");
	strata_json_key(w, "list");
	strata_json_array_begin(w);
	strata_json_int(w, 1);
	strata_json_int(w, 2);
	strata_json_object_begin(w);
	strata_json_object_end(w);
	strata_json_array_begin(w);
	strata_json_array_end(w);
	strata_json_array_end(w);
	strata_json_key(w, "obj");
	strata_json_object_begin(w);
	strata_json_key(w, "a");
	strata_json_null(w);
	strata_json_key(w, "b");
	strata_json_bool(w, 1);
	strata_json_key(w, "c");
	strata_json_bool(w, 0);
	strata_json_object_end(w);
	strata_json_object_end(w);
}

static void compact_nested_document(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 0);
	write_sample(&w);
	assert_true(strata_json_done(&w));
	assert_false(strata_buf_failed(&b));
	assert_string_equal(strata_buf_cstr(&b),
		"{\"name\":\"x\",\"list\":[1,2,{},[]],\"obj\":{\"a\":null,\"b\":true,\"c\":false}}");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "list"), 1)), 2);
	assert_true(json_is_true(json_object_get(json_object_get(v, "obj"), "b")));
	json_decref(v);
	strata_buf_release(&b);
}

static void indented_nested_document(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 2);
	write_sample(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b),
		"{\n"
		"  \"name\": \"x\",\n"
		"  \"list\": [\n"
		"    1,\n"
		"    2,\n"
		"    {},\n"
		"    []\n"
		"  ],\n"
		"  \"obj\": {\n"
		"    \"a\": null,\n"
		"    \"b\": true,\n"
		"    \"c\": false\n"
		"  }\n"
		"}");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "x");
	json_decref(v);
	strata_buf_release(&b);
}

static void indent_of_four_and_top_level_array(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 4);
	strata_json_array_begin(&w);
	strata_json_string(&w, "a");
	strata_json_array_begin(&w);
	strata_json_int(&w, -3);
	strata_json_array_end(&w);
	strata_json_array_end(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b),
		"[\n    \"a\",\n    [\n        -3\n    ]\n]");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
	strata_buf_release(&b);
}

static void top_level_scalars(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_string(&w, "solo");
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b), "\"solo\"");

	strata_buf_clear(&b);
	strata_json_init(&w, &b, 2);
	strata_json_int(&w, 7);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b), "7");
	strata_buf_release(&b);
}

static void null_string_writes_null(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "s");
	strata_json_string(&w, NULL);
	strata_json_object_end(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b), "{\"s\":null}");
	strata_buf_release(&b);
}

static void keys_are_escaped_too(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "a\"b\\c\n");
	strata_json_int(&w, 1);
	strata_json_object_end(&w);
	assert_string_equal(strata_buf_cstr(&b), "{\"a\\\"b\\\\c\\n\":1}");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_non_null(json_object_get(v, "a\"b\\c\n"));
	json_decref(v);
	strata_buf_release(&b);
}

static void escapes_quote_backslash_and_controls(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	const char in[] = "q\"b\\n\nt\tr\rb\bf\fx\x01y\x1fz\x7f/";
	json_t *v;

	(void)state;
	assert_string_equal(quote(&b, in, strlen(in)),
		"\"q\\\"b\\\\n\\nt\\tr\\rb\\bf\\fx\\u0001y\\u001fz\x7f/\"");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_string_equal(json_string_value(v), in);
	json_decref(v);
	strata_buf_release(&b);
}

static void every_control_character_is_escaped(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char in[1];
	unsigned int c;
	json_t *v;

	(void)state;
	for (c = 0; c < 0x20; c++) {
		const char *out;

		in[0] = (char)c;
		out = quote(&b, in, 1);
		/* No raw control character survives. */
		assert_int_equal(out[0], '"');
		assert_int_equal(out[1], '\\');
		assert_int_equal(strcspn(out, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
			"\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"),
			strlen(out));
		v = parse_or_fail(out, 0);
		assert_int_equal(json_string_length(v), 1);
		assert_int_equal((unsigned char)json_string_value(v)[0], c);
		json_decref(v);
	}
	in[0] = '\0';
	assert_string_equal(quote(&b, in, 1), "\"\\u0000\"");
	in[0] = '\x1b';
	assert_string_equal(quote(&b, in, 1), "\"\\u001b\"");
	strata_buf_release(&b);
}

static void string_len_keeps_embedded_nul(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_string_len(&w, "a\0b", 3);
	assert_string_equal(strata_buf_cstr(&b), "\"a\\u0000b\"");
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	assert_int_equal(json_string_length(v), 3);
	assert_memory_equal(json_string_value(v), "a\0b", 3);
	json_decref(v);
	/* string_len stops at len even without a NUL there. */
	strata_buf_clear(&b);
	strata_json_init(&w, &b, 0);
	strata_json_string_len(&w, "abcdef", 2);
	assert_string_equal(strata_buf_cstr(&b), "\"ab\"");
	strata_buf_release(&b);
}

static void valid_utf8_passes_through(void **state)
{
	static const char *const samples[] = {
		"h\xc3\xa9llo",                 /* e acute, 2 bytes */
		"\xe2\x82\xac 5",               /* euro sign, 3 bytes */
		"\xf0\x9d\x84\x9e clef",        /* U+1D11E, 4 bytes */
		"\xc2\x80",                     /* U+0080, smallest 2-byte */
		"\xdf\xbf",                     /* U+07FF */
		"\xe0\xa0\x80",                 /* U+0800, smallest 3-byte */
		"\xed\x9f\xbf",                 /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",                 /* U+E000, just above them */
		"\xef\xbf\xbf",                 /* U+FFFF */
		"\xf0\x90\x80\x80",             /* U+10000, smallest 4-byte */
		"\xf4\x8f\xbf\xbf",             /* U+10FFFF, the largest */
		FFFD,                           /* U+FFFD itself */
	};
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const char *out = quote(&b, samples[i], strlen(samples[i]));
		size_t n = strlen(samples[i]);
		json_t *v;

		assert_int_equal(strlen(out), n + 2);
		assert_memory_equal(out + 1, samples[i], n);
		v = parse_or_fail(out, 0);
		assert_string_equal(json_string_value(v), samples[i]);
		json_decref(v);
	}
	strata_buf_release(&b);
}

/*
 * Quotes "a" bad "b" and checks the result is "a", then one or more U+FFFD
 * and nothing else, then "b": every byte of the bad sequence is gone.
 */
static void assert_replaced(const char *bad, size_t badlen)
{
	strata_buf b = STRATA_BUF_INIT;
	char in[16];
	const char *out, *p;
	size_t n = 0;
	json_t *v;

	assert_true(badlen + 2 <= sizeof(in));
	in[0] = 'a';
	memcpy(in + 1, bad, badlen);
	in[badlen + 1] = 'b';
	out = quote(&b, in, badlen + 2);
	assert_memory_equal(out, "\"a", 2);
	p = out + 2;
	while (memcmp(p, FFFD, 3) == 0) {
		p += 3;
		n++;
	}
	if (n == 0 || strcmp(p, "b\"") != 0)
		fail_msg("bad sequence not replaced by U+FFFD: got %s", out);
	assert_true(n <= badlen);
	v = parse_or_fail(out, 0);
	json_decref(v);
	strata_buf_release(&b);
}

static void invalid_utf8_becomes_replacement_character(void **state)
{
	(void)state;
	assert_replaced("\x80", 1);                 /* stray continuation byte */
	assert_replaced("\xbf", 1);
	assert_replaced("\xc3", 1);                 /* truncated 2-byte */
	assert_replaced("\xe2\x82", 2);             /* truncated 3-byte */
	assert_replaced("\xf0\x9f\x98", 3);         /* truncated 4-byte */
	assert_replaced("\xc0\x80", 2);             /* overlong NUL */
	assert_replaced("\xc1\xbf", 2);             /* overlong 2-byte */
	assert_replaced("\xe0\x80\x80", 3);         /* overlong 3-byte */
	assert_replaced("\xe0\x9f\xbf", 3);         /* overlong U+07FF */
	assert_replaced("\xf0\x80\x80\x80", 4);     /* overlong 4-byte */
	assert_replaced("\xf0\x8f\xbf\xbf", 4);     /* overlong U+FFFF */
	assert_replaced("\xed\xa0\x80", 3);         /* surrogate U+D800 */
	assert_replaced("\xed\xbf\xbf", 3);         /* surrogate U+DFFF */
	assert_replaced("\xf4\x90\x80\x80", 4);     /* U+110000, beyond Unicode */
	assert_replaced("\xf5\x80\x80\x80", 4);     /* lead byte never valid */
	assert_replaced("\xff", 1);
	assert_replaced("\xfe", 1);
	assert_replaced("\xc3\x28", 1);             /* lead then ASCII: only the lead goes */
}

static void invalid_lead_keeps_following_ascii(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	/* The ASCII after a broken sequence is kept, not swallowed. */
	assert_string_equal(quote(&b, "x\xc3(y", 4), "\"x" FFFD "(y\"");
	assert_string_equal(quote(&b, "\xe2\x82\"", 3), "\"" FFFD FFFD "\\\"\"");
	/* Invalid bytes at the very end and start. */
	assert_string_equal(quote(&b, "\x80", 1), "\"" FFFD "\"");
	assert_string_equal(quote(&b, "ok\xf0", 3), "\"ok" FFFD "\"");
	strata_buf_release(&b);
}

/* Writes one double at top level and returns the text. */
static const char *double_text(strata_buf *b, double d)
{
	strata_json w;

	strata_buf_clear(b);
	strata_json_init(&w, b, 0);
	strata_json_double(&w, d);
	assert_true(strata_json_done(&w));
	return strata_buf_cstr(b);
}

static void doubles_are_formatted_briefly(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_string_equal(double_text(&b, 1.5), "1.5");
	assert_string_equal(double_text(&b, 2.0), "2");
	assert_string_equal(double_text(&b, 0.001), "0.001");
	assert_string_equal(double_text(&b, 0.0), "0");
	assert_string_equal(double_text(&b, -0.0), "0");
	assert_string_equal(double_text(&b, -2.25), "-2.25");
	assert_string_equal(double_text(&b, 12.5), "12.5");
	assert_string_equal(double_text(&b, 100.0), "100");
	strata_buf_release(&b);
}

static void non_finite_doubles_are_null(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	assert_string_equal(double_text(&b, NAN), "null");
	assert_string_equal(double_text(&b, INFINITY), "null");
	assert_string_equal(double_text(&b, -INFINITY), "null");
	/* Inside an object the key still gets its (null) value. */
	strata_buf_clear(&b);
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "x");
	strata_json_double(&w, NAN);
	strata_json_key(&w, "y");
	strata_json_double(&w, 0.5);
	strata_json_object_end(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b), "{\"x\":null,\"y\":0.5}");
	strata_buf_release(&b);
}

static void huge_and_tiny_doubles_stay_valid_numbers(void **state)
{
	static const double values[] = { 1e300, -1e300, 1e15, -1e15, 123456789012345678.0,
		DBL_MAX, -DBL_MAX, 1e-300, DBL_MIN, 999999999.9999 };
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *text = double_text(&b, values[i]);
		json_t *v = parse_or_fail(text, JSON_DECODE_INT_AS_REAL);

		assert_true(json_is_number(v));
		if (fabs(values[i]) >= 1e15) {
			/* Large magnitudes keep every significant digit. */
			assert_true(json_number_value(v) == values[i]);
		} else {
			assert_true(fabs(json_number_value(v) - values[i]) <= 0.0005);
		}
		json_decref(v);
	}
	strata_buf_release(&b);
}

static void integer_limits(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_array_begin(&w);
	strata_json_int(&w, INT64_MIN);
	strata_json_int(&w, INT64_MAX);
	strata_json_int(&w, 0);
	strata_json_int(&w, -1);
	strata_json_uint(&w, UINT64_MAX);
	strata_json_uint(&w, 0);
	strata_json_array_end(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b),
		"[-9223372036854775808,9223372036854775807,0,-1,18446744073709551615,0]");
	/* jansson holds integers in a long long, so read UINT64_MAX as a real. */
	v = parse_or_fail(strata_buf_cstr(&b), JSON_DECODE_INT_AS_REAL);
	assert_int_equal(json_array_size(v), 6);
	assert_true(json_number_value(json_array_get(v, 4)) == 18446744073709551615.0);
	json_decref(v);
	v = parse_or_fail("[-9223372036854775808,9223372036854775807]", 0);
	assert_true(json_integer_value(json_array_get(v, 0)) == INT64_MIN);
	assert_true(json_integer_value(json_array_get(v, 1)) == INT64_MAX);
	json_decref(v);
	strata_buf_release(&b);
}

static void value_where_key_is_due_fails(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_int(&w, 1);
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	strata_buf_release(&b);

	/* After one member, a second value without a key fails too. */
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "a");
	strata_json_string(&w, "x");
	assert_false(strata_buf_failed(&b));
	strata_json_string(&w, "y");
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);

	/* Opening a container where a key is due fails. */
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_array_begin(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);
}

static void two_keys_in_a_row_fail(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "a");
	assert_false(strata_buf_failed(&b));
	strata_json_key(&w, "b");
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	strata_buf_release(&b);
}

static void mismatched_close_fails(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_array_end(&w);
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	strata_buf_release(&b);

	strata_json_init(&w, &b, 0);
	strata_json_array_begin(&w);
	strata_json_object_end(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);

	/* A close without an open. */
	strata_json_init(&w, &b, 0);
	strata_json_object_end(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);

	strata_json_init(&w, &b, 0);
	strata_json_array_begin(&w);
	strata_json_array_end(&w);
	assert_false(strata_buf_failed(&b));
	strata_json_array_end(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);

	/* Closing an object while the value of a key is still due. */
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "k");
	strata_json_object_end(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);
}

static void key_outside_object_fails(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_key(&w, "top");
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);

	strata_json_init(&w, &b, 0);
	strata_json_array_begin(&w);
	strata_json_key(&w, "in-array");
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	strata_buf_release(&b);
}

static void depth_limit(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	json_t *v;
	int i;

	(void)state;
	/* Exactly STRATA_JSON_MAX_DEPTH levels are fine... */
	strata_json_init(&w, &b, 0);
	for (i = 0; i < STRATA_JSON_MAX_DEPTH; i++)
		strata_json_array_begin(&w);
	assert_false(strata_buf_failed(&b));
	for (i = 0; i < STRATA_JSON_MAX_DEPTH; i++)
		strata_json_array_end(&w);
	assert_false(strata_buf_failed(&b));
	assert_true(strata_json_done(&w));
	assert_int_equal(b.len, 2 * STRATA_JSON_MAX_DEPTH);
	v = parse_or_fail(strata_buf_cstr(&b), 0);
	json_decref(v);
	strata_buf_release(&b);

	/* ...one more fails, with arrays and with objects. */
	strata_json_init(&w, &b, 0);
	for (i = 0; i < STRATA_JSON_MAX_DEPTH + 1; i++)
		strata_json_array_begin(&w);
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	strata_buf_release(&b);

	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	for (i = 1; i < STRATA_JSON_MAX_DEPTH; i++) {
		strata_json_key(&w, "k");
		strata_json_object_begin(&w);
	}
	assert_false(strata_buf_failed(&b));
	strata_json_key(&w, "k");
	strata_json_object_begin(&w);
	assert_true(strata_buf_failed(&b));
	strata_buf_release(&b);
}

static void done_tracks_completeness(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;

	(void)state;
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	assert_false(strata_json_done(&w));
	strata_json_key(&w, "a");
	assert_false(strata_json_done(&w));
	strata_json_array_begin(&w);
	assert_false(strata_json_done(&w));
	strata_json_array_end(&w);
	assert_false(strata_json_done(&w));
	strata_json_object_end(&w);
	assert_true(strata_json_done(&w));
	assert_string_equal(strata_buf_cstr(&b), "{\"a\":[]}");
	strata_buf_release(&b);
}

static void full_buffer_fails_the_document(void **state)
{
	strata_buf b;
	strata_json w;

	(void)state;
	strata_buf_init(&b, 16);
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "key");
	strata_json_string(&w, "a value longer than the cap");
	strata_json_object_end(&w);
	assert_true(strata_buf_failed(&b));
	assert_false(strata_json_done(&w));
	assert_int_equal(strata_json_quote(&b, "x", 1), STRATA_ENOMEM);
	strata_buf_release(&b);
}

/* A small deterministic generator (xorshift32), so that failures reproduce. */
static uint32_t next_random(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void random_bytes_always_quote_to_valid_json(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	unsigned char in[64];
	uint32_t seed = 0x5eed1234u;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = next_random(&seed) % sizeof(in), i;
		uint32_t mode = next_random(&seed) % 3;
		const char *out;
		json_error_t jerr;
		json_t *v;

		for (i = 0; i < len; i++) {
			uint32_t r = next_random(&seed);
			/* Mix: any byte, mostly high bytes, or mostly ASCII with controls. */
			if (mode == 0)
				in[i] = (unsigned char)r;
			else if (mode == 1)
				in[i] = (unsigned char)(0x80 | (r & 0x7f));
			else
				in[i] = (unsigned char)(r % 0x80);
		}
		out = quote(&b, (const char *)in, len);
		v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (v == NULL)
			fail_msg("round %d: quote output is not JSON: %s", round, jerr.text);
		if (!json_is_string(v))
			fail_msg("round %d: quote output is not a JSON string", round);
		json_decref(v);
	}
	strata_buf_release(&b);
}

/* Appends the UTF-8 encoding of cp to out; returns the byte count. */
static size_t utf8_encode(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void random_valid_utf8_round_trips_exactly(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	unsigned char in[32 * 4];
	uint32_t seed = 0xc0ffee01u;
	int round;

	(void)state;
	for (round = 0; round < 5000; round++) {
		size_t len = 0;
		int n = (int)(next_random(&seed) % 32), i;
		json_t *v;

		for (i = 0; i < n; i++) {
			uint32_t cp;
			do {
				uint32_t r = next_random(&seed);
				/* Favour the boundaries of each sequence length. */
				switch (r % 4) {
				case 0: cp = r % 0x80; break;
				case 1: cp = 0x80 + r % 0x780; break;
				case 2: cp = 0x800 + r % 0xf800; break;
				default: cp = 0x10000 + r % 0x100000; break;
				}
			} while (cp >= 0xd800 && cp <= 0xdfff);
			len += utf8_encode(in + len, cp);
		}
		v = parse_or_fail(quote(&b, (const char *)in, len), 0);
		assert_int_equal(json_string_length(v), len);
		assert_memory_equal(json_string_value(v), in, len);
		json_decref(v);
	}
	strata_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compact_nested_document),
		cmocka_unit_test(indented_nested_document),
		cmocka_unit_test(indent_of_four_and_top_level_array),
		cmocka_unit_test(top_level_scalars),
		cmocka_unit_test(null_string_writes_null),
		cmocka_unit_test(keys_are_escaped_too),
		cmocka_unit_test(escapes_quote_backslash_and_controls),
		cmocka_unit_test(every_control_character_is_escaped),
		cmocka_unit_test(string_len_keeps_embedded_nul),
		cmocka_unit_test(valid_utf8_passes_through),
		cmocka_unit_test(invalid_utf8_becomes_replacement_character),
		cmocka_unit_test(invalid_lead_keeps_following_ascii),
		cmocka_unit_test(doubles_are_formatted_briefly),
		cmocka_unit_test(non_finite_doubles_are_null),
		cmocka_unit_test(huge_and_tiny_doubles_stay_valid_numbers),
		cmocka_unit_test(integer_limits),
		cmocka_unit_test(value_where_key_is_due_fails),
		cmocka_unit_test(two_keys_in_a_row_fail),
		cmocka_unit_test(mismatched_close_fails),
		cmocka_unit_test(key_outside_object_fails),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(done_tracks_completeness),
		cmocka_unit_test(full_buffer_fails_the_document),
		cmocka_unit_test(random_bytes_always_quote_to_valid_json),
		cmocka_unit_test(random_valid_utf8_round_trips_exactly),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
