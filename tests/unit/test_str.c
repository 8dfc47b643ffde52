/*
 * test_str.c: the string and number helpers of src/base/str.c:
 * st_parse_int64 and st_parse_int (whole decimal integers within a range,
 * nothing else), st_parse_duration_ms (units ms, s, min, m, h and bare
 * seconds, bounded by max_ms), the bounded copies st_strlcpy and st_snprintf,
 * st_hex_encode, st_url_encode, st_buf_replace_all and the prefix/suffix
 * predicates.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

#include "base/base.h"

static void parse_int64_accepts_whole_decimals(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(st_parse_int64(&v, "42", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, 42);
	assert_int_equal(st_parse_int64(&v, "-42", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, -42);
	assert_int_equal(st_parse_int64(&v, "0", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, 0);
	assert_int_equal(st_parse_int64(&v, "-0", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, 0);
	/* Decimal even with leading zeros: never octal. */
	assert_int_equal(st_parse_int64(&v, "010", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, 10);
}

static void parse_int64_limits_and_overflow(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(st_parse_int64(&v, "9223372036854775807", INT64_MIN, INT64_MAX), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(st_parse_int64(&v, "-9223372036854775808", INT64_MIN, INT64_MAX), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(st_parse_int64(&v, "9223372036854775808", INT64_MIN, INT64_MAX),
		STRATA_EINVAL);
	assert_int_equal(st_parse_int64(&v, "-9223372036854775809", INT64_MIN, INT64_MAX),
		STRATA_EINVAL);
	assert_int_equal(st_parse_int64(&v, "99999999999999999999999", INT64_MIN, INT64_MAX),
		STRATA_EINVAL);
}

static void parse_int64_respects_the_range(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(st_parse_int64(&v, "9", 0, 9), 0);
	assert_int_equal(v, 9);
	assert_int_equal(st_parse_int64(&v, "0", 0, 9), 0);
	assert_int_equal(v, 0);
	assert_int_equal(st_parse_int64(&v, "10", 0, 9), STRATA_EINVAL);
	assert_int_equal(st_parse_int64(&v, "-1", 0, 9), STRATA_EINVAL);
	assert_int_equal(st_parse_int64(&v, "-5", -5, -1), 0);
	assert_int_equal(v, -5);
	assert_int_equal(st_parse_int64(&v, "-6", -5, -1), STRATA_EINVAL);
	assert_int_equal(st_parse_int64(&v, "0", -5, -1), STRATA_EINVAL);
}

static void parse_int64_rejects_anything_else(void **state)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "12a", "a12", "-", "--1", "1-", "0x10", "1e3", "1.0", "1,000",
		"\t7", "7\n", "\xd9\xa3",   /* an Arabic-Indic digit */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 77;

		if (st_parse_int64(&v, bad[i], INT64_MIN, INT64_MAX) != STRATA_EINVAL)
			fail_msg("'%s' was accepted as %lld", bad[i], (long long)v);
	}
	{
		int64_t v = 77;
		assert_int_equal(st_parse_int64(&v, NULL, INT64_MIN, INT64_MAX), STRATA_EINVAL);
	}
}

static void parse_int_uses_int_range(void **state)
{
	int v = 0;

	(void)state;
	assert_int_equal(st_parse_int(&v, "2147483647", INT_MIN, INT_MAX), 0);
	assert_int_equal(v, INT_MAX);
	assert_int_equal(st_parse_int(&v, "-2147483648", INT_MIN, INT_MAX), 0);
	assert_int_equal(v, INT_MIN);
	assert_int_equal(st_parse_int(&v, "2147483648", INT_MIN, INT_MAX), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "-2147483649", INT_MIN, INT_MAX), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "65535", 1, 65535), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(st_parse_int(&v, "65536", 1, 65535), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "0", 1, 65535), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "-3", -10, 10), 0);
	assert_int_equal(v, -3);
	assert_int_equal(st_parse_int(&v, "", 0, 10), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, " 3", 0, 10), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "+3", 0, 10), STRATA_EINVAL);
	assert_int_equal(st_parse_int(&v, "3x", 0, 10), STRATA_EINVAL);
}

static void duration_units(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} ok[] = {
		{ "250ms", 250 },
		{ "5s", 5000 },
		{ "3sec", 3000 },
		{ "10min", 600000 },
		{ "1m", 60000 },
		{ "2h", 7200000 },
		{ "7", 7000 },
		{ "0", 0 },
		{ "0ms", 0 },
		{ "0h", 0 },
		{ "007s", 7000 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;

		if (st_parse_duration_ms(&v, ok[i].text, INT64_MAX) != 0)
			fail_msg("'%s' was rejected", ok[i].text);
		if (v != ok[i].ms)
			fail_msg("'%s' gave %lld ms, want %lld", ok[i].text, (long long)v,
				(long long)ok[i].ms);
	}
}

static void duration_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"", "s", "ms", "5x", "5 s", " 5s", "5s ", "-1s", "-1", "+1s", "1.5s", "5sx", "5mss",
		"5 ", "h2", "5S", "99999999999999999999999999999999999h",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 77;

		if (st_parse_duration_ms(&v, bad[i], INT64_MAX) != STRATA_EINVAL)
			fail_msg("'%s' was accepted as %lld ms", bad[i], (long long)v);
		assert_int_equal(v, 77);
	}
	{
		int64_t v = 77;
		assert_int_equal(st_parse_duration_ms(&v, NULL, INT64_MAX), STRATA_EINVAL);
	}
}

static void duration_respects_max(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(st_parse_duration_ms(&v, "1h", 3600000), 0);
	assert_int_equal(v, 3600000);
	assert_int_equal(st_parse_duration_ms(&v, "2h", 3600000), STRATA_EINVAL);
	assert_int_equal(st_parse_duration_ms(&v, "3601s", 3600000), STRATA_EINVAL);
	assert_int_equal(st_parse_duration_ms(&v, "3600001ms", 3600000), STRATA_EINVAL);
	assert_int_equal(st_parse_duration_ms(&v, "1ms", 0), STRATA_EINVAL);
	assert_int_equal(st_parse_duration_ms(&v, "0s", 0), 0);
	assert_int_equal(v, 0);
	/* A huge count of hours must not overflow into an accepted value. */
	assert_int_equal(st_parse_duration_ms(&v, "9223372036854775807h", INT64_MAX), STRATA_EINVAL);
	assert_int_equal(st_parse_duration_ms(&v, "2562047788016h", INT64_MAX), STRATA_EINVAL);
	/* The largest count of hours that fits is exact. */
	assert_int_equal(st_parse_duration_ms(&v, "2562047788015h", INT64_MAX), 0);
	assert_true(v == INT64_C(2562047788015) * 3600000);
}

static void strlcpy_truncates_and_returns_source_length(void **state)
{
	char dst[8];

	(void)state;
	assert_int_equal(st_strlcpy(dst, "hello world", sizeof(dst)), 11);
	assert_string_equal(dst, "hello w");

	assert_int_equal(st_strlcpy(dst, "1234567", sizeof(dst)), 7);
	assert_string_equal(dst, "1234567");

	assert_int_equal(st_strlcpy(dst, "12345678", sizeof(dst)), 8);
	assert_string_equal(dst, "1234567");

	assert_int_equal(st_strlcpy(dst, "", sizeof(dst)), 0);
	assert_string_equal(dst, "");

	assert_int_equal(st_strlcpy(dst, "abc", 1), 3);
	assert_string_equal(dst, "");

	/* Size 0 writes nothing at all. */
	memcpy(dst, "sentine", 8);
	assert_int_equal(st_strlcpy(dst, "abc", 0), 3);
	assert_string_equal(dst, "sentine");
}

static void snprintf_truncates_and_terminates(void **state)
{
	char dst[6];

	(void)state;
	st_snprintf(dst, sizeof(dst), "%s-%d", "abc", 12345);
	assert_string_equal(dst, "abc-1");
	st_snprintf(dst, sizeof(dst), "%d", 42);
	assert_string_equal(dst, "42");
	st_snprintf(dst, 1, "%s", "xyz");
	assert_string_equal(dst, "");
	memcpy(dst, "keep!", 6);
	st_snprintf(dst, 0, "%s", "xyz");
	assert_string_equal(dst, "keep!");
}

static void hex_encode(void **state)
{
	const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'z', sizeof(out));
	st_hex_encode(out, in, sizeof(in));
	assert_string_equal(out, "00017f80abff");
	st_hex_encode(out, in, 0);
	assert_string_equal(out, "");
	st_hex_encode(out, (const unsigned char *)"A", 1);
	assert_string_equal(out, "41");
}

static void url_encode(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(st_url_encode(&b, "AZaz09-._~/"), 0);
	assert_string_equal(strata_buf_cstr(&b), "AZaz09-._~/");

	strata_buf_clear(&b);
	assert_int_equal(st_url_encode(&b, "a b?c=d&e%f#g@h:i+j"), 0);
	assert_string_equal(strata_buf_cstr(&b), "a%20b%3Fc%3Dd%26e%25f%23g%40h%3Ai%2Bj");

	strata_buf_clear(&b);
	assert_int_equal(st_url_encode(&b, "h\xc3\xa9\x01\xff"), 0);
	assert_string_equal(strata_buf_cstr(&b), "h%C3%A9%01%FF");

	/* It appends; an empty string appends nothing. */
	strata_buf_clear(&b);
	strata_buf_puts(&b, "db=");
	assert_int_equal(st_url_encode(&b, ""), 0);
	assert_int_equal(st_url_encode(&b, "my db"), 0);
	assert_string_equal(strata_buf_cstr(&b), "db=my%20db");
	strata_buf_release(&b);

	/* A full buffer reports ENOMEM. */
	strata_buf_init(&b, 4);
	assert_int_equal(st_url_encode(&b, "   "), STRATA_ENOMEM);
	strata_buf_release(&b);
}

/* Runs st_buf_replace_all on a buffer holding text and checks the result. */
static void check_replace(const char *text, const char *needle, const char *repl,
	const char *want)
{
	strata_buf b = STRATA_BUF_INIT;

	strata_buf_puts(&b, text);
	assert_int_equal(st_buf_replace_all(&b, needle, repl), 0);
	assert_string_equal(strata_buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	assert_false(strata_buf_failed(&b));
	strata_buf_release(&b);
}

static void replace_all_cases(void **state)
{
	(void)state;
	check_replace("a-b-c", "-", "+", "a+b+c");
	check_replace("a-b-c", "-", "<->", "a<->b<->c");          /* longer */
	check_replace("a<->b<->c", "<->", "-", "a-b-c");          /* shorter */
	check_replace("a.b.c", ".", "", "abc");                   /* deletion */
	check_replace("no match here", "xyz", "!", "no match here");
	check_replace("secret in the secret", "secret", "****", "**** in the ****");  /* ends */
	check_replace("secret", "secret", "****", "****");        /* the whole content */
	check_replace("aaaa", "aa", "b", "bb");                   /* left to right, no overlap */
	check_replace("aaa", "aa", "b", "ba");
	check_replace("abab", "ab", "abab", "abababab");          /* replacement holds needle */
	check_replace("x", "longer than x", "y", "x");
	check_replace("", "a", "b", "");
}

static void replace_all_empty_needle_is_a_no_op(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	strata_buf_puts(&b, "abc");
	assert_int_equal(st_buf_replace_all(&b, "", "x"), 0);
	assert_string_equal(strata_buf_cstr(&b), "abc");
	strata_buf_release(&b);

	/* A buffer never appended to stays untouched. */
	assert_int_equal(st_buf_replace_all(&b, "a", "b"), 0);
	assert_null(b.ptr);
}

static void replace_all_over_the_cap_keeps_the_original(void **state)
{
	strata_buf b;

	(void)state;
	strata_buf_init(&b, 16);
	strata_buf_puts(&b, "aaaa");
	assert_int_equal(st_buf_replace_all(&b, "a", "xxxxxxxx"), STRATA_ENOMEM);
	assert_string_equal(strata_buf_cstr(&b), "aaaa");
	assert_false(strata_buf_failed(&b));
	/* The result keeps the cap of the original. */
	assert_int_equal(st_buf_replace_all(&b, "a", "bb"), 0);
	assert_string_equal(strata_buf_cstr(&b), "bbbbbbbb");
	assert_int_equal(b.max, 16);
	strata_buf_release(&b);
}

static void starts_and_ends_with(void **state)
{
	(void)state;
	assert_true(st_str_starts_with("hello", "he"));
	assert_true(st_str_starts_with("hello", "hello"));
	assert_true(st_str_starts_with("hello", ""));
	assert_true(st_str_starts_with("", ""));
	assert_false(st_str_starts_with("hello", "hello!"));
	assert_false(st_str_starts_with("he", "hello"));
	assert_false(st_str_starts_with("hello", "lo"));
	assert_false(st_str_starts_with("", "a"));
	assert_false(st_str_starts_with("Hello", "he"));

	assert_true(st_str_ends_with("hello", "lo"));
	assert_true(st_str_ends_with("hello", "hello"));
	assert_true(st_str_ends_with("hello", ""));
	assert_true(st_str_ends_with("", ""));
	assert_false(st_str_ends_with("lo", "hello"));
	assert_false(st_str_ends_with("hello", "he"));
	assert_false(st_str_ends_with("hello", "xhello"));
	assert_false(st_str_ends_with("", "a"));
	assert_false(st_str_ends_with("hellO", "lo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_int64_accepts_whole_decimals),
		cmocka_unit_test(parse_int64_limits_and_overflow),
		cmocka_unit_test(parse_int64_respects_the_range),
		cmocka_unit_test(parse_int64_rejects_anything_else),
		cmocka_unit_test(parse_int_uses_int_range),
		cmocka_unit_test(duration_units),
		cmocka_unit_test(duration_rejects_bad_input),
		cmocka_unit_test(duration_respects_max),
		cmocka_unit_test(strlcpy_truncates_and_returns_source_length),
		cmocka_unit_test(snprintf_truncates_and_terminates),
		cmocka_unit_test(hex_encode),
		cmocka_unit_test(url_encode),
		cmocka_unit_test(replace_all_cases),
		cmocka_unit_test(replace_all_empty_needle_is_a_no_op),
		cmocka_unit_test(replace_all_over_the_cap_keeps_the_original),
		cmocka_unit_test(starts_and_ends_with),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
