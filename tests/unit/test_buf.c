/* test_buf.c: the growable buffer: growth, formatting, the size cap, the sticky failed state. */
#include <string.h>

#include "harness.h"

#include "base/base.h"

static void append_and_printf(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_string_equal(strata_buf_cstr(&b), "");
	assert_int_equal(strata_buf_puts(&b, "hello"), 0);
	assert_int_equal(strata_buf_putc(&b, ' '), 0);
	assert_int_equal(strata_buf_printf(&b, "%s #%d", "world", 42), 0);
	assert_string_equal(strata_buf_cstr(&b), "hello world #42");
	assert_int_equal(b.len, 15);
	strata_buf_release(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
}

static void grows_past_many_doublings(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		strata_buf_putc(&b, (char)('a' + i % 26));
	assert_false(strata_buf_failed(&b));
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.ptr[99999], 'a' + 99999 % 26);
	assert_int_equal(b.ptr[100000], '\0');
	strata_buf_release(&b);
}

static void cap_makes_it_fail_and_stay_failed(void **state)
{
	strata_buf b;

	(void)state;
	strata_buf_init(&b, 8);   /* 7 bytes of content plus the NUL */
	assert_int_equal(strata_buf_puts(&b, "1234567"), 0);
	assert_int_equal(strata_buf_putc(&b, '8'), STRATA_ENOMEM);
	assert_true(strata_buf_failed(&b));
	/* Sticky: even a tiny append fails now, and the content is frozen. */
	assert_int_equal(strata_buf_puts(&b, ""), STRATA_ENOMEM);
	assert_int_equal(strata_buf_printf(&b, "x"), STRATA_ENOMEM);
	assert_string_equal(strata_buf_cstr(&b), "1234567");
	/* Detaching a failed buffer gives NULL and frees the content. */
	assert_null(strata_buf_detach(&b));
	assert_null(b.ptr);
	/* clear() resets the failed state for reuse. */
	strata_buf_puts(&b, "ab");
	strata_buf_clear(&b);
	assert_false(strata_buf_failed(&b));
	strata_buf_release(&b);
}

static void printf_respects_cap(void **state)
{
	strata_buf b;

	(void)state;
	strata_buf_init(&b, 16);
	assert_int_equal(strata_buf_printf(&b, "%0100d", 7), STRATA_ENOMEM);
	assert_true(strata_buf_failed(&b));
	assert_int_equal(b.len, 0);
	strata_buf_release(&b);
}

static void allocation_failure_is_sticky(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	st_alloc_fail_after(1, 0);
	assert_int_equal(strata_buf_puts(&b, "x"), STRATA_ENOMEM);
	st_alloc_fail_after(0, 0);
	assert_true(strata_buf_failed(&b));
	/* The allocator works again, but the buffer stays failed until cleared. */
	assert_int_equal(strata_buf_puts(&b, "y"), STRATA_ENOMEM);
	strata_buf_clear(&b);
	assert_int_equal(strata_buf_puts(&b, "y"), 0);
	assert_string_equal(strata_buf_cstr(&b), "y");
	strata_buf_release(&b);
}

static void detach_hands_over_ownership(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char *s;

	(void)state;
	s = strata_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	strata_free(s);
	strata_buf_puts(&b, "kept");
	s = strata_buf_detach(&b);
	assert_string_equal(s, "kept");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	strata_free(s);
}

static void truncate_and_rtrim(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	strata_buf_puts(&b, "value \t\r\n");
	strata_buf_rtrim(&b);
	assert_string_equal(strata_buf_cstr(&b), "value");
	strata_buf_truncate(&b, 3);
	assert_string_equal(strata_buf_cstr(&b), "val");
	strata_buf_truncate(&b, 10);
	assert_string_equal(strata_buf_cstr(&b), "val");
	strata_buf_release(&b);
}

static void binary_content(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	const char data[] = { 'a', '\0', 'b' };

	(void)state;
	assert_int_equal(strata_buf_append(&b, data, sizeof(data)), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, data, 3);
	strata_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(append_and_printf),
		cmocka_unit_test(grows_past_many_doublings),
		cmocka_unit_test(cap_makes_it_fail_and_stay_failed),
		cmocka_unit_test(printf_respects_cap),
		cmocka_unit_test(allocation_failure_is_sticky),
		cmocka_unit_test(detach_hands_over_ownership),
		cmocka_unit_test(truncate_and_rtrim),
		cmocka_unit_test(binary_content),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
