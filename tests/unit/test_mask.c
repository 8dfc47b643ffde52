/*
 * test_mask.c: hiding passwords in connection strings (strata_conninfo_mask,
 * src/pg/mask.c). Exact outputs for URLs with and without a password in the
 * user-info, password=... query parameters in any case, percent-encoded and
 * unencoded special characters in the password, libpq keyword/value strings
 * with plain, quoted and escaped values, strings without a password (left
 * unchanged), malformed strings and other URL schemes. Then a property test:
 * for many generated passwords (fixed seed) embedded in URLs and keyword
 * strings, the password never appears in the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/*
 * Masks raw into dst (a fixed array, so that a failing assertion leaks
 * nothing) and returns strata_conninfo_mask's result.
 */
static int mask_into(char *dst, size_t dstsz, const char *raw)
{
	strata_buf out = STRATA_BUF_INIT;
	int rc = strata_conninfo_mask(&out, raw);
	size_t len = out.len;

	snprintf(dst, dstsz, "%s", strata_buf_cstr(&out));
	strata_buf_release(&out);
	assert_true(len < dstsz);
	return rc;
}

/* Masks raw and compares the result with want. */
static void check_mask(const char *raw, const char *want)
{
	char got[1024];

	assert_int_equal(mask_into(got, sizeof(got), raw), 0);
	if (strcmp(got, want) != 0)
		fail_msg("mask(%s)\n  got  %s\n  want %s", raw, got, want);
}

/* Masks raw and checks that secret appears nowhere in the output. */
static void check_hidden(const char *raw, const char *secret)
{
	char got[1024];

	assert_int_equal(mask_into(got, sizeof(got), raw), 0);
	if (strstr(got, secret) != NULL)
		fail_msg("mask(%s) = %s still shows '%s'", raw, got, secret);
	assert_non_null(strstr(got, "****"));
}

static void url_user_and_password(void **state)
{
	(void)state;
	check_mask("postgresql://alice:secret@db.example.com:5432/app",
		"postgresql://alice:****@db.example.com:5432/app");
	check_mask("postgres://alice:secret@localhost/app?sslmode=require",
		"postgres://alice:****@localhost/app?sslmode=require");
	check_mask("postgresql://alice:secret@h1:5432,h2:5433/app",
		"postgresql://alice:****@h1:5432,h2:5433/app");
	check_mask("postgresql://alice:secret@[::1]:5432/app",
		"postgresql://alice:****@[::1]:5432/app");
	/* An empty password is masked as well: its presence is not shown either way. */
	check_mask("postgresql://alice:@h/app", "postgresql://alice:****@h/app");
	/* A ':' in the password: everything after the first ':' goes. */
	check_mask("postgresql://alice:pa:ss@h/app", "postgresql://alice:****@h/app");
}

static void url_without_password_is_unchanged(void **state)
{
	(void)state;
	check_mask("postgresql://alice@db.example.com:5432/app",
		"postgresql://alice@db.example.com:5432/app");
	check_mask("postgresql://db.example.com:5432/app", "postgresql://db.example.com:5432/app");
	check_mask("postgresql:///app?host=/var/run/postgresql",
		"postgresql:///app?host=/var/run/postgresql");
	check_mask("postgresql://", "postgresql://");
	check_mask("postgresql://h/db?sslmode=require&application_name=x",
		"postgresql://h/db?sslmode=require&application_name=x");
}

static void url_password_query_parameter(void **state)
{
	(void)state;
	check_mask("postgresql://h/app?password=secret", "postgresql://h/app?password=****");
	check_mask("postgresql://h/app?sslmode=require&password=secret&connect_timeout=5",
		"postgresql://h/app?sslmode=require&password=****&connect_timeout=5");
	check_mask("postgresql://h/app?PASSWORD=secret", "postgresql://h/app?PASSWORD=****");
	check_mask("postgresql://h/app?PassWord=secret&x=1", "postgresql://h/app?PassWord=****&x=1");
	/* Every occurrence, not just the first. */
	check_mask("postgresql://h/app?password=one&password=two",
		"postgresql://h/app?password=****&password=****");
	/* Other keys that merely contain the word are left alone. */
	check_mask("postgresql://h/app?passwordx=1&xpassword=2",
		"postgresql://h/app?passwordx=1&xpassword=2");
}

/*
 * libpq percent-decodes query keys as well as values, so "pass%77ord=x" sets
 * the password to x: such a key must be masked like the plain one.
 */
static void url_percent_encoded_password_key_is_masked(void **state)
{
	(void)state;
	check_hidden("postgresql://h/db?pass%77ord=secret", "secret");
	check_hidden("postgresql://h/db?sslmode=require&%70%61%73%73%77%6f%72%64=secret", "secret");
}

static void url_password_in_both_places(void **state)
{
	(void)state;
	check_mask("postgres://u:pw1@h/db?sslmode=disable&password=pw2",
		"postgres://u:****@h/db?sslmode=disable&password=****");
}

static void url_percent_encoded_password(void **state)
{
	(void)state;
	check_mask("postgresql://u:p%40ss%3Aw%2Fo%3Frd@h/db", "postgresql://u:****@h/db");
	check_mask("postgresql://u:%25%26%3D@h/db?password=%26x%3D",
		"postgresql://u:****@h/db?password=****");
	/* An encoded user name stays as it was. */
	check_mask("postgresql://a%40b:pw@h/db", "postgresql://a%40b:****@h/db");
}

static void url_unencoded_at_in_password(void **state)
{
	(void)state;
	check_mask("postgresql://u:p@ss@h/db", "postgresql://u:****@h/db");
	check_mask("postgresql://u:@@@h/db?sslmode=require",
		"postgresql://u:****@h/db?sslmode=require");
}

static void url_unencoded_question_mark_in_password(void **state)
{
	(void)state;
	check_mask("postgresql://u:pa?ss@h/db", "postgresql://u:****@h/db");
	check_mask("postgresql://u:pa?ss@h/db?sslmode=require",
		"postgresql://u:****@h/db?sslmode=require");
	check_mask("postgresql://u:?@h/db", "postgresql://u:****@h/db");
}

static void url_unencoded_slash_in_password(void **state)
{
	(void)state;
	check_mask("postgresql://u:pa/ss@h/db", "postgresql://u:****@h/db");
	check_mask("postgresql://u:/x/@h/db?sslmode=require",
		"postgresql://u:****@h/db?sslmode=require");
}

/*
 * Unencoded special characters combined: the exact output is free (over-masking
 * is acceptable) but no part of the password may survive.
 */
static void url_unencoded_mixed_specials_never_leak(void **state)
{
	(void)state;
	check_hidden("postgresql://u:pw/with?both@h/db", "with");
	check_hidden("postgresql://u:pw?with/both@h/db", "with");
	check_hidden("postgresql://u:pw/with?both@h/db?sslmode=require", "with");
	check_hidden("postgresql://u:pw@with?both@h/db", "with?both");
}

static void keyword_value_strings(void **state)
{
	(void)state;
	check_mask("host=x password=secret dbname=y", "host=x password=**** dbname=y");
	check_mask("password=secret", "password=****");
	check_mask("host=x password=secret", "host=x password=****");
	check_mask("PASSWORD=secret host=x", "PASSWORD=**** host=x");
	check_mask("Password=secret", "Password=****");
	check_mask("host=x password = secret dbname=y", "host=x password = **** dbname=y");
	check_mask("host=x\tpassword=secret\n dbname=y", "host=x\tpassword=****\n dbname=y");
	check_mask("  password=secret  ", "  password=****  ");
	check_mask("password=a password=b", "password=**** password=****");
	check_mask("passwordx=1 xpassword=2", "passwordx=1 xpassword=2");
}

static void keyword_quoted_values(void **state)
{
	(void)state;
	check_mask("host=x password='se cret' dbname=y", "host=x password=**** dbname=y");
	check_mask("password='a\\'b' user=u", "password=**** user=u");
	check_mask("password='a\\\\' user=u", "password=**** user=u");
	check_mask("password='' user=u", "password=**** user=u");
	check_mask("user='al ice' password='p w'", "user='al ice' password=****");
	check_mask("application_name='password=x' user=u", "application_name='password=x' user=u");
}

static void no_password_is_unchanged(void **state)
{
	(void)state;
	check_mask("host=x dbname=y user=z", "host=x dbname=y user=z");
	check_mask("host=/tmp port=5432", "host=/tmp port=5432");
	check_mask("", "");
	check_mask("not a connection string", "not a connection string");
}

static void malformed_strings(void **state)
{
	(void)state;
	check_mask("password=", "password=****");
	check_mask("host=x password=", "host=x password=****");
	check_mask("password='unterminated and long", "password=****");
	check_mask("host=x password='trailing\\", "host=x password=****");
	check_mask("password", "password");
	check_mask("postgresql://u:secret@", "postgresql://u:****@");
	check_mask("postgresql://h/db?password", "postgresql://h/db?password");
	check_mask("postgresql://h/db?password=", "postgresql://h/db?password=****");
	check_mask("postgresql://h/db?&&password=x&", "postgresql://h/db?&&password=****&");
	check_mask("postgresql://h/db?", "postgresql://h/db?");
	check_mask("postgresql://u:p@h:notaport/db", "postgresql://u:****@h:notaport/db");
	check_mask("postgresql://u:p@h/db#frag", "postgresql://u:****@h/db#frag");
}

/*
 * Keyword/value strings that libpq reads differently from what the user meant
 * must still not show the password: an empty value followed by a blank (libpq
 * then takes the next word as that value), a stray '=' before the password,
 * and an unquoted value with a backslash-escaped blank (libpq unescapes it, so
 * the whole of "sec\\ ret" is the password).
 */
static void keyword_edge_cases_never_leak(void **state)
{
	(void)state;
	check_hidden("host=x dbname= password=secret", "secret");
	check_hidden("= password=secret", "secret");
	check_hidden("host=x password=sec\\ ret dbname=y", "ret");
}

static void other_schemes_are_masked_too(void **state)
{
	(void)state;
	check_mask("mysql://u:p@h/db", "mysql://u:****@h/db");
	check_mask("redis+tls://:secret@cache:6380/0", "redis+tls://:****@cache:6380/0");
	check_mask("https://h/x?password=p", "https://h/x?password=****");
}

static void null_and_appending(void **state)
{
	strata_buf out = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(strata_conninfo_mask(&out, NULL), 0);
	assert_string_equal(strata_buf_cstr(&out), "");
	/* It appends to what the buffer already holds. */
	strata_buf_puts(&out, "target: ");
	assert_int_equal(strata_conninfo_mask(&out, "postgresql://u:pw@h/db"), 0);
	assert_string_equal(strata_buf_cstr(&out), "target: postgresql://u:****@h/db");
	strata_buf_release(&out);

	/* A buffer too small reports ENOMEM. */
	strata_buf_init(&out, 8);
	assert_int_equal(strata_conninfo_mask(&out, "postgresql://u:pw@h/db"), STRATA_ENOMEM);
	strata_buf_release(&out);
}

/* ---- property test ---- */

/* xorshift32: deterministic, so that a failure reproduces. */
static uint32_t next_random(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* Letters, digits and the punctuation a user might type in a password. */
static const char password_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ";

/* RFC 3986 unreserved characters never need encoding. */
static int is_unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * Percent-encodes p, leaving unencoded the characters in keep (beyond the
 * unreserved ones) that the URL part allows as they are.
 */
static void encode(strata_buf *out, const char *p, const char *keep)
{
	for (; *p != '\0'; p++) {
		if (is_unreserved(*p) || strchr(keep, *p) != NULL)
			strata_buf_putc(out, *p);
		else
			strata_buf_printf(out, "%%%02X", (unsigned char)*p);
	}
}

/* A libpq keyword value: plain when possible, else quoted with \' and \\. */
static void keyword_value(strata_buf *out, const char *p)
{
	if (*p != '\0' && strpbrk(p, " '\\") == NULL) {
		strata_buf_puts(out, p);
		return;
	}
	strata_buf_putc(out, '\'');
	for (; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			strata_buf_putc(out, '\\');
		strata_buf_putc(out, *p);
	}
	strata_buf_putc(out, '\'');
}

static void assert_masked(const char *raw, const char *want, const char *password,
	const char *encoded)
{
	char got[1024];

	assert_int_equal(mask_into(got, sizeof(got), raw), 0);
	if (strstr(got, password) != NULL || strstr(got, encoded) != NULL)
		fail_msg("password '%s' leaks: mask(%s) = %s", password, raw, got);
	if (strcmp(got, want) != 0)
		fail_msg("mask(%s)\n  got  %s\n  want %s", raw, got, want);
}

static void generated_passwords_never_appear(void **state)
{
	strata_buf raw = STRATA_BUF_INIT, enc_user = STRATA_BUF_INIT, enc_query = STRATA_BUF_INIT;
	char password[40];
	uint32_t seed = 0x0badf00du;
	int round;

	(void)state;
	for (round = 0; round < 5000; round++) {
		size_t len = 8 + next_random(&seed) % 24, i;

		for (i = 0; i < len; i++)
			password[i] = password_chars[next_random(&seed) % (sizeof(password_chars) - 1)];
		password[len] = '\0';

		/* In the user-info, sub-delims and ':' may stay unencoded (RFC 3986). */
		strata_buf_clear(&enc_user);
		encode(&enc_user, password, "!$&'()*+,;=:");
		/* In a query value, '&', '=', '+' and '#' must be encoded. */
		strata_buf_clear(&enc_query);
		encode(&enc_query, password, "!$'()*,;:@/?");

		strata_buf_clear(&raw);
		strata_buf_printf(&raw, "postgresql://alice:%s@db.example.com:5432/app",
			strata_buf_cstr(&enc_user));
		assert_masked(strata_buf_cstr(&raw), "postgresql://alice:****@db.example.com:5432/app",
			password, strata_buf_cstr(&enc_user));

		strata_buf_clear(&raw);
		strata_buf_printf(&raw, "postgres://alice:%s@db/app?sslmode=require&application_name=t",
			strata_buf_cstr(&enc_user));
		assert_masked(strata_buf_cstr(&raw),
			"postgres://alice:****@db/app?sslmode=require&application_name=t",
			password, strata_buf_cstr(&enc_user));

		strata_buf_clear(&raw);
		strata_buf_printf(&raw, "postgresql://db/app?sslmode=require&password=%s&connect_timeout=5",
			strata_buf_cstr(&enc_query));
		assert_masked(strata_buf_cstr(&raw),
			"postgresql://db/app?sslmode=require&password=****&connect_timeout=5",
			password, strata_buf_cstr(&enc_query));

		strata_buf_clear(&raw);
		strata_buf_printf(&raw, "postgresql://bob:%s@db/app?password=%s",
			strata_buf_cstr(&enc_user), strata_buf_cstr(&enc_query));
		assert_masked(strata_buf_cstr(&raw), "postgresql://bob:****@db/app?password=****",
			password, strata_buf_cstr(&enc_query));

		strata_buf_clear(&raw);
		strata_buf_puts(&raw, "host=db.example.com password=");
		keyword_value(&raw, password);
		strata_buf_puts(&raw, " dbname=app");
		assert_masked(strata_buf_cstr(&raw), "host=db.example.com password=**** dbname=app",
			password, password);

		strata_buf_clear(&raw);
		strata_buf_puts(&raw, "password = ");
		keyword_value(&raw, password);
		assert_masked(strata_buf_cstr(&raw), "password = ****", password, password);
		assert_false(strata_buf_failed(&raw));
	}
	strata_buf_release(&raw);
	strata_buf_release(&enc_user);
	strata_buf_release(&enc_query);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_user_and_password),
		cmocka_unit_test(url_without_password_is_unchanged),
		cmocka_unit_test(url_password_query_parameter),
		cmocka_unit_test(url_percent_encoded_password_key_is_masked),
		cmocka_unit_test(url_password_in_both_places),
		cmocka_unit_test(url_percent_encoded_password),
		cmocka_unit_test(url_unencoded_at_in_password),
		cmocka_unit_test(url_unencoded_question_mark_in_password),
		cmocka_unit_test(url_unencoded_slash_in_password),
		cmocka_unit_test(url_unencoded_mixed_specials_never_leak),
		cmocka_unit_test(keyword_value_strings),
		cmocka_unit_test(keyword_quoted_values),
		cmocka_unit_test(no_password_is_unchanged),
		cmocka_unit_test(malformed_strings),
		cmocka_unit_test(keyword_edge_cases_never_leak),
		cmocka_unit_test(other_schemes_are_masked_too),
		cmocka_unit_test(null_and_appending),
		cmocka_unit_test(generated_passwords_never_appear),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
