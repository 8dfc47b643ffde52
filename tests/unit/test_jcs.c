/*
 * test_jcs.c: RFC 8785 canonical JSON (src/jcs): the RFC's own examples
 * (3.2.2's document, 3.2.3's key order, Appendix B's numbers), the errors,
 * and agreement with an independent implementation — Node.js, whose
 * JSON.stringify is ECMAScript's number serialisation — on 10,000 random
 * doubles and 1,000 random documents (tests/data/jcs, made once by gen.js).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#include "base/base.h"
#include "jcs/jcs_int.h"

static char *canon(const char *json)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf out = STRATA_BUF_INIT;

	th_ok(strata_jcs_canonicalize(&out, json, strlen(json), &err), &err);
	return strata_buf_detach(&out);
}

static void rfc_examples(void **state)
{
	char *c;

	(void)state;
	/* RFC 8785 3.2.2. */
	c = canon("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
		"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
		"  \"literals\": [null, true, false]\n}");
	assert_string_equal(c, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
		"1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
	strata_free(c);
	/* RFC 8785 3.2.3: keys by UTF-16 code units (the emoji's surrogates sort before U+FB33). */
	c = canon("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew Letter Dalet With "
		"Dagesh\", \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\", "
		"\"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}");
	assert_string_equal(c, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
		"\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
		"\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
	strata_free(c);
}

static double from_hex(const char *hex)
{
	unsigned long long bits = strtoull(hex, NULL, 16);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static void number(const char *hex, const char *want)
{
	strata_buf out = STRATA_BUF_INIT;

	assert_int_equal(strata_jcs_number(&out, from_hex(hex)), 0);
	if (strcmp(strata_buf_cstr(&out), want) != 0)
		fail_msg("%s: '%s', expected '%s'", hex, strata_buf_cstr(&out), want);
	strata_buf_release(&out);
}

static void rfc_numbers(void **state)
{
	strata_buf out = STRATA_BUF_INIT;

	(void)state;
	/* RFC 8785 Appendix B. */
	number("0000000000000000", "0");
	number("8000000000000000", "0");
	number("0000000000000001", "5e-324");
	number("8000000000000001", "-5e-324");
	number("7fefffffffffffff", "1.7976931348623157e+308");
	number("ffefffffffffffff", "-1.7976931348623157e+308");
	number("4340000000000000", "9007199254740992");
	number("c340000000000000", "-9007199254740992");
	number("4430000000000000", "295147905179352830000");
	number("44b52d02c7e14af5", "9.999999999999997e+22");
	number("44b52d02c7e14af6", "1e+23");
	number("44b52d02c7e14af7", "1.0000000000000001e+23");
	number("444b1ae4d6e2ef4e", "999999999999999700000");
	number("444b1ae4d6e2ef4f", "999999999999999900000");
	number("444b1ae4d6e2ef50", "1e+21");
	number("3eb0c6f7a0b5ed8c", "9.999999999999997e-7");
	number("3eb0c6f7a0b5ed8d", "0.000001");
	number("41b3de4355555553", "333333333.3333332");
	number("41b3de4355555554", "333333333.33333325");
	number("41b3de4355555555", "333333333.3333333");
	number("41b3de4355555556", "333333333.3333334");
	number("41b3de4355555557", "333333333.33333343");
	number("becbf647612f3696", "-0.0000033333333333333333");
	number("43143ff3c1cb0959", "1424953923781206.2");
	assert_int_equal(strata_jcs_number(&out, from_hex("7ff8000000000000")), -1);   /* NaN */
	assert_int_equal(strata_jcs_number(&out, from_hex("7ff0000000000000")), -1);   /* Infinity */
	strata_buf_release(&out);
}

static void errors_name_where(void **state)
{
	static const struct { const char *json, *message; } bad[] = {
		{ "{\"a\": 1, \"a\": 2}", "duplicate object key" },
		{ "[\"\\ud800\"]", "invalid Unicode" },
		{ "[\"\\udc00x\"]", "invalid Unicode" },
		{ "[\"\xff\"]", "unable to decode byte 0xff" },
		{ "[1e400]", "real number overflow" },
		{ "{\"a\": 1,}", "line 1, column" },
		{ "", "line" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(bad); i++) {
		strata_error err = STRATA_ERROR_INIT;
		strata_buf out = STRATA_BUF_INIT;

		if (strata_jcs_canonicalize(&out, bad[i].json, strlen(bad[i].json), &err) != STRATA_EINVAL)
			fail_msg("'%s' was accepted", bad[i].json);
		if (strstr(err.message, bad[i].message) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].json, err.message, bad[i].message);
		strata_buf_release(&out);
	}
}

static char *data(const char *name)
{
	char path[600];
	const char *root = getenv("STRATA_SOURCE_ROOT");
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;

	snprintf(path, sizeof(path), "%s/tests/data/jcs/%s", root != NULL ? root : ".", name);
	th_ok(st_file_read(&b, path, 0, &err), &err);
	return strata_buf_detach(&b);
}

static void agrees_with_node_on_random_numbers(void **state)
{
	char *text = data("numbers.txt"), *line, *next;
	size_t n = 0;

	(void)state;
	for (line = text; *line != '\0'; line = next) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (tab == NULL)
			break;
		*tab = '\0';
		if (nl != NULL)
			*nl = '\0';
		number(line, tab + 1);
		n++;
	}
	assert_int_equal(n, 10000);
	strata_free(text);
}

static void agrees_with_node_on_random_documents(void **state)
{
	char *text = data("documents.txt"), *line, *next;
	size_t n = 0;

	(void)state;
	for (line = text; *line != '\0'; line = next) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		json_error_t jerr;
		json_t *in, *want;
		char *got;

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (tab == NULL)
			break;
		*tab = '\0';
		if (nl != NULL)
			*nl = '\0';
		in = json_loads(line, JSON_DECODE_ANY, &jerr);
		want = json_loads(tab + 1, JSON_DECODE_ANY, &jerr);
		assert_non_null(in);
		assert_non_null(want);
		got = canon(json_string_value(in));
		if (strcmp(got, json_string_value(want)) != 0)
			fail_msg("document %zu:\n  in   %s\n  got  %s\n  want %s", n + 1, json_string_value(in), got,
				json_string_value(want));
		strata_free(got);
		json_decref(in);
		json_decref(want);
		n++;
	}
	assert_int_equal(n, 1000);
	strata_free(text);
}

/* The published JCS test data (tests/data/jcs/published), byte for byte. */
static void published_vectors(void **state)
{
	static const char *const names[] = { "arrays", "french", "simpleString", "structures", "unicode", "values",
		"weird" };
	strata_buf got = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[64];
		char *in, *want;

		snprintf(rel, sizeof(rel), "published/%s.in.json", names[i]);
		in = data(rel);
		snprintf(rel, sizeof(rel), "published/%s.out.json", names[i]);
		want = data(rel);
		th_ok(strata_jcs_canonicalize(&got, in, strlen(in), &err), &err);
		if (strcmp(got.ptr, want) != 0)
			fail_msg("%s: got %s, want %s", names[i], got.ptr, want);
		/* And the strict reader alone. */
		th_ok(st_jcs_strict(&got, in, strlen(in), &err), &err);
		assert_string_equal(got.ptr, want);
		strata_free(in);
		strata_free(want);
	}
	strata_buf_release(&got);
}

/* The one-pass writer either agrees with the strict reader byte for byte or gives way to it. */
static void fast_agrees_with_strict(void **state)
{
	static const struct { const char *in; int fast; } cases[] = {
		{ "{\"b\": 1, \"a\": [1.0, -0, 1e2, 123456789012345678]}", 0 },
		{ "{\"\xef\xac\xb3\": 1, \"\xf0\x9f\x98\x80\": 2, \"\xc3\xa9\": 3, \"z\": 4}", 0 },
		{ "{\"a\": \"x\\n\\u001f\\\"\\\\\"}", 0 },
		{ " [ true , false , null , {} , [] , \"\" ] ", 0 },
		{ "{\"a\": 1, \"a\": 2}", -1 },            /* duplicate: the strict reader reports it */
		{ "{\"b\": {\"y\": 1, \"x\": 2}, \"a\": 0}", 0 },
		{ "\"\\u00e9\"", -1 },                     /* an escape JCS writes differently */
		{ "\"\\/\"", -1 },
		{ "\"\\u000a\"", -1 },
		{ "\"\\u001F\"", -1 },
		{ "{\"\\u0061\": 1}", -1 },                  /* an escape in a key */
		{ "1e400", -1 },
		{ "01", -1 },
		{ "\"\xc3\"", -1 },                          /* invalid UTF-8 */
		{ "\"\xed\xa0\x80\"", -1 },                  /* an encoded surrogate */
		{ "[1] x", -1 },
		{ "1.5e-7", 0 },
		{ "-0.0", 0 },
	};
	char *text = data("documents.txt"), *line, *next;
	size_t i, n = 0, fast_n = 0;
	strata_buf a = STRATA_BUF_INIT, b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		strata_buf_clear(&a);
		rc = st_jcs_fast(&a, cases[i].in, strlen(cases[i].in));
		if (rc != cases[i].fast)
			fail_msg("case %zu (%s): fast writer returned %d, want %d", i, cases[i].in, rc, cases[i].fast);
		assert_int_equal(a.len, rc == 0 ? a.len : 0);
		if (rc == 0) {
			assert_int_equal(st_jcs_strict(&b, cases[i].in, strlen(cases[i].in), &err), 0);
			assert_string_equal(a.ptr, b.ptr);
		}
	}
	for (line = text; *line != '\0'; line = next) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		json_error_t jerr;
		json_t *in;
		const char *s;

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (tab == NULL)
			break;
		*tab = '\0';
		in = json_loads(line, JSON_DECODE_ANY, &jerr);
		assert_non_null(in);
		s = json_string_value(in);
		strata_buf_clear(&a);
		if (st_jcs_fast(&a, s, strlen(s)) == 0) {
			assert_int_equal(st_jcs_strict(&b, s, strlen(s), &err), 0);
			if (strcmp(a.ptr, b.ptr) != 0)
				fail_msg("document %zu: fast %s, strict %s", n + 1, a.ptr, b.ptr);
			fast_n++;
		}
		json_decref(in);
		n++;
	}
	assert_int_equal(n, 1000);
	/* Node's random documents have keys with escapes and \u escapes now and then; most take the fast way. */
	assert_true(fast_n > 500);
	print_message("fast writer: %zu of %zu documents\n", fast_n, n);
	strata_buf_release(&a);
	strata_buf_release(&b);
	strata_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_examples),
		cmocka_unit_test(rfc_numbers),
		cmocka_unit_test(errors_name_where),
		cmocka_unit_test(agrees_with_node_on_random_numbers),
		cmocka_unit_test(agrees_with_node_on_random_documents),
		cmocka_unit_test(fast_agrees_with_strict),
		cmocka_unit_test(published_vectors),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
