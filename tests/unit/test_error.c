/*
 * test_error.c: recording failures in a strata_error (src/base/error.c):
 * strata_error_set/setv return the code and reset sqlstate, detail and hint;
 * every function accepts a NULL error; text longer than the inline fields is
 * truncated and stays NUL-terminated; strata_error_sqlstate keeps only
 * five-character codes; strata_error_prefix joins "context: message"; and
 * strata_code_name gives the stable name of every code.
 */
#include <stdarg.h>
#include <string.h>

#include "harness.h"

/* Fills every field of err with junk so that a later call must overwrite it. */
static void dirty(strata_error *err)
{
	memset(err, 'z', sizeof(*err));
	err->message[sizeof(err->message) - 1] = '\0';
	err->detail[sizeof(err->detail) - 1] = '\0';
	err->hint[sizeof(err->hint) - 1] = '\0';
	memcpy(err->sqlstate, "XX000", 6);
	err->code = 12345;
}

static int setv_through(strata_error *err, int code, const char *fmt, ...) STRATA_PRINTF(3, 4);

static int setv_through(strata_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata_error_setv(err, code, fmt, ap);
	va_end(ap);
	return rc;
}

static void set_returns_code_and_formats_message(void **state)
{
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	assert_int_equal(strata_error_set(&err, STRATA_EIO, "cannot read '%s': %d", "f.txt", 13),
		STRATA_EIO);
	assert_int_equal(err.code, STRATA_EIO);
	assert_string_equal(err.message, "cannot read 'f.txt': 13");
	assert_string_equal(err.sqlstate, "");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.hint, "");
}

static void set_clears_sqlstate_detail_and_hint(void **state)
{
	strata_error err;

	(void)state;
	dirty(&err);
	assert_int_equal(strata_error_set(&err, STRATA_ETIMEOUT, "slow"), STRATA_ETIMEOUT);
	assert_int_equal(err.code, STRATA_ETIMEOUT);
	assert_string_equal(err.message, "slow");
	assert_string_equal(err.sqlstate, "");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.hint, "");
}

static void setv_returns_code_and_clears_the_rest(void **state)
{
	strata_error err;

	(void)state;
	dirty(&err);
	assert_int_equal(setv_through(&err, STRATA_ELOCKED, "lock %s held by %d", "migrate", 4242),
		STRATA_ELOCKED);
	assert_int_equal(err.code, STRATA_ELOCKED);
	assert_string_equal(err.message, "lock migrate held by 4242");
	assert_string_equal(err.sqlstate, "");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.hint, "");
}

static void set_with_zero_code_still_records_message(void **state)
{
	strata_error err;

	(void)state;
	dirty(&err);
	assert_int_equal(strata_error_set(&err, STRATA_OK, "fine"), 0);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.message, "fine");
}

static void null_error_is_accepted_everywhere(void **state)
{
	(void)state;
	assert_int_equal(strata_error_set(NULL, STRATA_EINVAL, "x %d", 1), STRATA_EINVAL);
	assert_int_equal(setv_through(NULL, STRATA_EDB, "y %s", "z"), STRATA_EDB);
	assert_int_equal(strata_error_set(NULL, STRATA_OK, "ok"), STRATA_OK);
	strata_error_clear(NULL);
	strata_error_detail(NULL, "d %d", 2);
	strata_error_hint(NULL, "h %d", 3);
	strata_error_sqlstate(NULL, "40001");
	strata_error_prefix(NULL, "ctx %d", 4);
}

static void clear_resets_every_field(void **state)
{
	strata_error err;

	(void)state;
	dirty(&err);
	strata_error_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.sqlstate, "");
	assert_string_equal(err.message, "");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.hint, "");
}

static void long_message_is_truncated_and_terminated(void **state)
{
	strata_error err;
	char longtext[3 * STRATA_ERROR_DETAIL_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(longtext) - 1; i++)
		longtext[i] = (char)('a' + i % 26);
	longtext[sizeof(longtext) - 1] = '\0';
	dirty(&err);
	assert_int_equal(strata_error_set(&err, STRATA_EINVAL, "%s", longtext), STRATA_EINVAL);
	assert_int_equal(strlen(err.message), STRATA_ERROR_MESSAGE_MAX - 1);
	assert_memory_equal(err.message, longtext, STRATA_ERROR_MESSAGE_MAX - 1);

	strata_error_detail(&err, "%s", longtext);
	assert_int_equal(strlen(err.detail), STRATA_ERROR_DETAIL_MAX - 1);
	assert_memory_equal(err.detail, longtext, STRATA_ERROR_DETAIL_MAX - 1);

	strata_error_hint(&err, "%s", longtext);
	assert_int_equal(strlen(err.hint), STRATA_ERROR_HINT_MAX - 1);
	assert_memory_equal(err.hint, longtext, STRATA_ERROR_HINT_MAX - 1);

	/* The truncated message is still intact after the other fields were filled. */
	assert_int_equal(strlen(err.message), STRATA_ERROR_MESSAGE_MAX - 1);
	assert_int_equal(err.code, STRATA_EINVAL);
}

static void message_exactly_at_the_limit_fits(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char text[STRATA_ERROR_MESSAGE_MAX];

	(void)state;
	memset(text, 'm', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	strata_error_set(&err, STRATA_EIO, "%s", text);
	assert_string_equal(err.message, text);
}

static void detail_and_hint_are_kept_beside_the_message(void **state)
{
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	strata_error_set(&err, STRATA_EDB, "relation \"%s\" does not exist", "t");
	strata_error_detail(&err, "searched %d schemas", 2);
	strata_error_hint(&err, "run '%s' first", "strata migrate");
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.message, "relation \"t\" does not exist");
	assert_string_equal(err.detail, "searched 2 schemas");
	assert_string_equal(err.hint, "run 'strata migrate' first");

	/* A second detail replaces the first. */
	strata_error_detail(&err, "other");
	assert_string_equal(err.detail, "other");
	assert_string_equal(err.hint, "run 'strata migrate' first");
}

static void sqlstate_accepts_only_five_characters(void **state)
{
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	strata_error_sqlstate(&err, "40001");
	assert_string_equal(err.sqlstate, "40001");
	strata_error_sqlstate(&err, "55P03");
	assert_string_equal(err.sqlstate, "55P03");

	strata_error_sqlstate(&err, "4000");
	assert_string_equal(err.sqlstate, "");

	strata_error_sqlstate(&err, "40001");
	strata_error_sqlstate(&err, "400011");
	assert_string_equal(err.sqlstate, "");

	strata_error_sqlstate(&err, "40001");
	strata_error_sqlstate(&err, "");
	assert_string_equal(err.sqlstate, "");

	strata_error_sqlstate(&err, "40001");
	strata_error_sqlstate(&err, NULL);
	assert_string_equal(err.sqlstate, "");

	/* The other fields are left alone. */
	strata_error_set(&err, STRATA_EDB, "boom");
	strata_error_sqlstate(&err, "23505");
	assert_int_equal(err.code, STRATA_EDB);
	assert_string_equal(err.message, "boom");
	assert_string_equal(err.sqlstate, "23505");
}

static void prefix_puts_context_in_front(void **state)
{
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	strata_error_set(&err, STRATA_ECONNECT, "connection refused");
	strata_error_detail(&err, "d");
	strata_error_sqlstate(&err, "08006");
	strata_error_prefix(&err, "DATABASE_URL %d", 2);
	assert_string_equal(err.message, "DATABASE_URL 2: connection refused");
	assert_int_equal(err.code, STRATA_ECONNECT);
	assert_string_equal(err.detail, "d");
	assert_string_equal(err.sqlstate, "08006");

	/* Prefixes stack, the latest outermost. */
	strata_error_prefix(&err, "outer");
	assert_string_equal(err.message, "outer: DATABASE_URL 2: connection refused");
}

static void prefix_on_empty_message_is_just_the_context(void **state)
{
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	strata_error_prefix(&err, "ctx %s", "here");
	assert_string_equal(err.message, "ctx here");
}

static void prefix_truncates_long_results(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char longtext[2 * STRATA_ERROR_MESSAGE_MAX];

	(void)state;
	memset(longtext, 'p', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	strata_error_set(&err, STRATA_EIO, "tail");
	strata_error_prefix(&err, "%s", longtext);
	assert_int_equal(strlen(err.message), STRATA_ERROR_MESSAGE_MAX - 1);
	assert_memory_equal(err.message, longtext, STRATA_ERROR_MESSAGE_MAX - 1);

	/* A full-length message plus a short prefix keeps the prefix and cuts the end. */
	memset(longtext, 'm', STRATA_ERROR_MESSAGE_MAX - 1);
	longtext[STRATA_ERROR_MESSAGE_MAX - 1] = '\0';
	strata_error_set(&err, STRATA_EIO, "%s", longtext);
	strata_error_prefix(&err, "ctx");
	assert_int_equal(strlen(err.message), STRATA_ERROR_MESSAGE_MAX - 1);
	assert_memory_equal(err.message, "ctx: mmm", 8);
}

static void code_names_are_stable(void **state)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ STRATA_OK, "ok" },
		{ STRATA_ENOMEM, "out_of_memory" },
		{ STRATA_EINVAL, "invalid" },
		{ STRATA_EIO, "io" },
		{ STRATA_ECONNECT, "connect" },
		{ STRATA_EDB, "database" },
		{ STRATA_ETIMEOUT, "timeout" },
		{ STRATA_ELOCKED, "locked" },
		{ STRATA_ENOTFOUND, "not_found" },
		{ STRATA_EENV, "environment" },
		{ STRATA_ESTATE, "state" },
		{ STRATA_EINTERNAL, "internal" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(strata_code_name(names[i].code), names[i].name);
}

static void unknown_code_has_a_name_too(void **state)
{
	(void)state;
	assert_string_equal(strata_code_name(-12), "unknown");
	assert_string_equal(strata_code_name(1), "unknown");
	assert_string_equal(strata_code_name(-1000), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_returns_code_and_formats_message),
		cmocka_unit_test(set_clears_sqlstate_detail_and_hint),
		cmocka_unit_test(setv_returns_code_and_clears_the_rest),
		cmocka_unit_test(set_with_zero_code_still_records_message),
		cmocka_unit_test(null_error_is_accepted_everywhere),
		cmocka_unit_test(clear_resets_every_field),
		cmocka_unit_test(long_message_is_truncated_and_terminated),
		cmocka_unit_test(message_exactly_at_the_limit_fits),
		cmocka_unit_test(detail_and_hint_are_kept_beside_the_message),
		cmocka_unit_test(sqlstate_accepts_only_five_characters),
		cmocka_unit_test(prefix_puts_context_in_front),
		cmocka_unit_test(prefix_on_empty_message_is_just_the_context),
		cmocka_unit_test(prefix_truncates_long_results),
		cmocka_unit_test(code_names_are_stable),
		cmocka_unit_test(unknown_code_has_a_name_too),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
