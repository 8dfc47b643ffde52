/*
 * test_alloc_failures.c: every error path of libstrata's allocating code
 * cleans up. With st_alloc_fail_after(n, 1) the n-th allocation from now and
 * every later one fail; each operation below runs for n = 1, 2, ... until a
 * run completes without reaching the failing allocation. Every run must end
 * in success or STRATA_ENOMEM (EINVAL too for deliberately invalid input;
 * never a crash, never another code, never a silent success with missing
 * content), and under ASan nothing may leak: the heap in use after the runs
 * must equal what it was before, so that a leak fails the test of the
 * operation that made it. Operations: strata_conninfo_parse,
 * strata_conninfo_mask, the JSON writer, strata_buf appends,
 * st_buf_replace_all, strata_log with a capturing sink and with the stderr
 * sink, and strata_cluster_open on an empty folder. libpq's own allocations
 * are not strata's and are not injected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#include "base/base.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, not shipped with every GCC). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* An operation under test: returns 0, STRATA_ENOMEM, or anything else on a bug. */
typedef int (*op_fn)(void *ud);

static int reset_injection(void **state)
{
	(void)state;
	st_alloc_fail_after(0, 0);
	strata_log_set_sink(NULL, NULL);
	strata_log_set_level(STRATA_LOG_NOTICE);
	return 0;
}

/*
 * Bytes of heap in use (under ASan), to pin a leak on the operation that
 * made it; LeakSanitizer's report at exit then shows where it was allocated.
 */
static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

static void assert_heap_back_to(size_t before, const char *what)
{
	size_t after = heap_in_use();

	if (after != before)
		fail_msg("%s leaked: %ld bytes more in use than before the runs", what,
			(long)after - (long)before);
}

/*
 * Runs op once normally (which must succeed, and lets libc set up whatever it
 * caches), then with the n-th allocation failing (sticky) for n = 1, 2, ...
 * Returns how many runs hit an injected failure. strict: a run in which an
 * allocation failed must not report success (content would be missing).
 */
static long run_failing(const char *what, op_fn op, void *ud, int strict)
{
	size_t before;
	long n;
	int rc;

	rc = op(ud);
	if (rc != 0)
		fail_msg("%s: fails with %d (%s) even without injected failures", what, rc,
			strata_code_name(rc));
	before = heap_in_use();
	for (n = 1; n <= 100000; n++) {
		long made;

		st_alloc_fail_after(n, 1);
		rc = op(ud);
		made = st_alloc_count();
		st_alloc_fail_after(0, 0);
		if (rc != 0 && rc != STRATA_ENOMEM)
			fail_msg("%s: allocation %ld failing gave %d (%s), not success or ENOMEM", what, n,
				rc, strata_code_name(rc));
		if (made < n) {
			/* The failing allocation was never reached: the operation must succeed. */
			if (rc != 0)
				fail_msg("%s: no allocation failed yet it returned %d", what, rc);
			assert_heap_back_to(before, what);
			return n - 1;
		}
		if (rc == 0 && strict)
			fail_msg("%s: allocation %ld of %ld failed but it reported success", what, n, made);
	}
	fail_msg("%s: still allocating after %ld runs", what, n);
	return 0;
}

static long run_with_failures(const char *what, op_fn op, void *ud)
{
	return run_failing(what, op, ud, 1);
}

/* ---- strata_conninfo_parse ---- */

static int op_conninfo_parse(void *ud)
{
	const char *url = ud;
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = (strata_conninfo *)&err;   /* must be reset to NULL on failure */
	int rc = strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, &err);

	if (rc == 0) {
		const char *shown;

		if (ci == NULL)
			return STRATA_EINTERNAL;
		shown = strata_conninfo_display(ci);
		/* No password may show in the display form. */
		if (shown == NULL || strstr(shown, "s3cr3t-pw") != NULL) {
			strata_conninfo_free(ci);
			return STRATA_EINTERNAL;
		}
		strata_conninfo_free(ci);
		return 0;
	}
	if (ci != NULL)
		return STRATA_EINTERNAL;
	if (rc == STRATA_ENOMEM && (err.code != STRATA_ENOMEM || err.message[0] == '\0'))
		return STRATA_EINTERNAL;
	return rc;
}

static void conninfo_parse_short_url(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_conninfo_parse (short URL)", op_conninfo_parse,
		"postgresql://u:s3cr3t-pw@h/db") > 0);
}

/* Longer than the 64-byte first allocation of a buffer, so that buffers must grow. */
static void conninfo_parse_long_url(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_conninfo_parse (long URL)", op_conninfo_parse,
		"postgresql://alice:s3cr3t-pw@db.example.com:5432/application"
		"?sslmode=prefer&connect_timeout=5&application_name=alloc_failures") > 0);
}

static void conninfo_parse_keywords(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_conninfo_parse (keywords)", op_conninfo_parse,
		"host=db.example.com port=5432 dbname=application user=alice password=s3cr3t-pw "
		"sslmode=prefer") > 0);
}

/*
 * Invalid input takes the error paths (a bad port found after the settings
 * were allocated, and a parameter libpq rejects): there EINVAL is the
 * expected outcome, reported here as 0 (even when an allocation for the
 * message's details failed), and the message never shows the password. The
 * URLs are short (under 64 bytes) so that these runs do not depend on buffer
 * growth, which conninfo_parse_long_url covers.
 */
static int op_conninfo_parse_invalid(void *ud)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	int rc = strata_conninfo_parse(&ci, ud, STRATA_CONN_SOURCE_EXPLICIT, &err);

	if (rc == 0) {
		strata_conninfo_free(ci);
		return STRATA_EINTERNAL;
	}
	if (ci != NULL || strstr(err.message, "s3cr3t-pw") != NULL || err.code != rc)
		return STRATA_EINTERNAL;
	return rc == STRATA_EINVAL ? 0 : rc;
}

static void conninfo_parse_error_paths(void **state)
{
	(void)state;
	assert_true(run_failing("strata_conninfo_parse (bad port)", op_conninfo_parse_invalid,
		"postgresql://u:s3cr3t-pw@h:99999/db", 0) > 0);
	assert_true(run_failing("strata_conninfo_parse (bad parameter)", op_conninfo_parse_invalid,
		"postgresql://u:s3cr3t-pw@h/db?no_such_setting=1", 0) > 0);
}

/* ---- strata_conninfo_mask ---- */

static int op_mask(void *ud)
{
	strata_buf out = STRATA_BUF_INIT;
	int rc;

	rc = strata_conninfo_mask(&out, ud);
	if (rc == 0 && strstr(strata_buf_cstr(&out), "s3cr3t-pw") != NULL)
		rc = STRATA_EINTERNAL;
	if (rc == 0 && strstr(strata_buf_cstr(&out), "@db.example.com:5432/application") == NULL &&
		strstr(strata_buf_cstr(&out), "dbname=application") == NULL)
		rc = STRATA_EINTERNAL;   /* success with missing content */
	strata_buf_release(&out);
	return rc;
}

static void conninfo_mask(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_conninfo_mask (URL)", op_mask,
		"postgresql://alice:s3cr3t-pw@db.example.com:5432/application"
		"?sslmode=prefer&password=s3cr3t-pw&application_name=a_rather_long_name_to_grow") > 0);
	assert_true(run_with_failures("strata_conninfo_mask (keywords)", op_mask,
		"host=db.example.com port=5432 dbname=application user=alice password='s3cr3t-pw' "
		"application_name=a_rather_long_name_to_grow_the_buffer") > 0);
}

/* ---- the JSON writer ---- */

static int op_json(void *ud)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	int i, rc;

	(void)ud;
	strata_json_init(&w, &b, 2);
	strata_json_object_begin(&w);
	strata_json_key(&w, "name");
	strata_json_string(&w, "alloc \"failures\"\n\xff");
	strata_json_key(&w, "items");
	strata_json_array_begin(&w);
	for (i = 0; i < 40; i++) {
		strata_json_object_begin(&w);
		strata_json_key(&w, "i");
		strata_json_int(&w, i);
		strata_json_key(&w, "half");
		strata_json_double(&w, i / 2.0);
		strata_json_key(&w, "ok");
		strata_json_bool(&w, i % 2);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "big");
	strata_json_uint(&w, UINT64_MAX);
	strata_json_object_end(&w);
	if (strata_buf_failed(&b)) {
		rc = strata_json_done(&w) ? STRATA_EINTERNAL : STRATA_ENOMEM;
	} else if (!strata_json_done(&w)) {
		rc = STRATA_EINTERNAL;
	} else {
		/* Spot-check the complete document. */
		static const char head[] = "{\n  \"name\": \"alloc \\\"failures\\\"\\n\xef\xbf\xbd\",\n";
		const char *s = strata_buf_cstr(&b);
		rc = strncmp(s, head, sizeof(head) - 1) == 0 &&
			strstr(s, "\"i\": 39,\n      \"half\": 19.5,\n      \"ok\": true\n    }\n  ],\n"
				"  \"big\": 18446744073709551615\n}") != NULL ? 0 : STRATA_EINTERNAL;
	}
	strata_buf_release(&b);
	return rc;
}

static void json_document(void **state)
{
	(void)state;
	assert_true(run_with_failures("JSON writer", op_json, NULL) > 0);
}

static int op_json_quote(void *ud)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *s = ud;
	int rc = strata_json_quote(&b, s, strlen(s));

	if (rc == 0 && b.len < strlen(s) + 2)
		rc = STRATA_EINTERNAL;
	if (rc != 0 && !strata_buf_failed(&b))
		rc = STRATA_EINTERNAL;
	strata_buf_release(&b);
	return rc;
}

static void json_quote(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_json_quote", op_json_quote,
		"\x01\x02\x03\x04\x05\x06\x07\x08 controls, \"quotes\", \\backslashes\\ and \xc3 bad "
		"UTF-8 \xe2\x82\xac: long enough to make the buffer grow twice over, surely.") > 0);
}

/* ---- strata_buf ---- */

static int op_buf(void *ud)
{
	strata_buf b = STRATA_BUF_INIT;
	int i, failed_at = -1;
	char *s;

	(void)ud;
	for (i = 0; i < 200; i++) {
		int rc;

		switch (i % 3) {
		case 0: rc = strata_buf_puts(&b, "hello "); break;
		case 1: rc = strata_buf_printf(&b, "#%d/%s ", i, "printf"); break;
		default: rc = strata_buf_putc(&b, ';'); break;
		}
		if (rc != 0 && rc != STRATA_ENOMEM) {
			strata_buf_release(&b);
			return STRATA_EINTERNAL;
		}
		/* Once failed, every later append fails too (sticky). */
		if (failed_at >= 0 && rc == 0) {
			strata_buf_release(&b);
			return STRATA_EINTERNAL;
		}
		if (rc != 0 && failed_at < 0)
			failed_at = i;
	}
	s = strata_buf_detach(&b);
	if (s == NULL)
		return failed_at >= 0 ? STRATA_ENOMEM : STRATA_EINTERNAL;
	if (failed_at >= 0 || strncmp(s, "hello #1/printf ;hello #4/printf ;", 34) != 0) {
		strata_free(s);
		return STRATA_EINTERNAL;
	}
	strata_free(s);
	return 0;
}

static void buf_appends_and_printf(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_buf appends", op_buf, NULL) > 0);
}

static int op_buf_detach_empty(void *ud)
{
	strata_buf b = STRATA_BUF_INIT;
	char *s;

	(void)ud;
	s = strata_buf_detach(&b);
	if (s == NULL)
		return STRATA_ENOMEM;
	if (s[0] != '\0') {
		strata_free(s);
		return STRATA_EINTERNAL;
	}
	strata_free(s);
	return 0;
}

static void buf_detach_of_empty_buffer(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_buf_detach (empty)", op_buf_detach_empty, NULL) > 0);
}

/* ---- st_buf_replace_all ---- */

static const char replace_text[] =
	"secret at the start, a secret in the middle and at the end: secret";

/*
 * st_buf_replace_all needs its own driver: the buffer is filled before
 * injection is turned on, so that the n-th allocation counts from inside
 * replace_all, and a failure must leave the original content intact.
 */
static void replace_all_with(const char *repl, const char *want)
{
	size_t before = heap_in_use();
	long n;

	for (n = 1; n <= 1000; n++) {
		strata_buf b = STRATA_BUF_INIT;
		long made;
		int rc, unchanged, replaced;

		strata_buf_puts(&b, replace_text);
		assert_false(strata_buf_failed(&b));
		st_alloc_fail_after(n, 1);
		rc = st_buf_replace_all(&b, "secret", repl);
		made = st_alloc_count();
		st_alloc_fail_after(0, 0);
		unchanged = strcmp(strata_buf_cstr(&b), replace_text) == 0 && !strata_buf_failed(&b);
		replaced = strcmp(strata_buf_cstr(&b), want) == 0;
		strata_buf_release(&b);
		if (rc == STRATA_ENOMEM) {
			/* On failure the original is kept intact. */
			if (!unchanged)
				fail_msg("replace_all: allocation %ld failing damaged the buffer", n);
			if (made < n)
				fail_msg("replace_all: ENOMEM though no allocation failed");
			continue;
		}
		if (rc != 0)
			fail_msg("replace_all: allocation %ld failing gave %d", n, rc);
		if (!replaced)
			fail_msg("replace_all: success with the wrong content");
		if (made >= n)
			fail_msg("replace_all: allocation %ld failed but it reported success", n);
		assert_true(n > 1);
		assert_heap_back_to(before, "st_buf_replace_all");
		return;
	}
	fail_msg("replace_all: still allocating after %ld runs", n);
}

static void buf_replace_all(void **state)
{
	(void)state;
	replace_all_with("****", "**** at the start, a **** in the middle and at the end: ****");
	replace_all_with("a much longer replacement text that makes the result grow",
		"a much longer replacement text that makes the result grow at the start, a a much "
		"longer replacement text that makes the result grow in the middle and at the end: a "
		"much longer replacement text that makes the result grow");
}

/* ---- strata_log ---- */

static struct {
	int calls;
	char msg[512];
} log_seen;

static void capture_sink(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields, void *ud)
{
	(void)level;
	(void)fields;
	(void)nfields;
	(void)ud;
	log_seen.calls++;
	snprintf(log_seen.msg, sizeof(log_seen.msg), "%s", msg);
}

static const char log_expected[] =
	"migration 42 of 'schema_v2' failed after 3 attempts: a message long enough to grow the buffer";

static int op_log(void *ud)
{
	(void)ud;
	memset(&log_seen, 0, sizeof(log_seen));
	strata_log_set_sink(capture_sink, NULL);
	strata_log(STRATA_LOG_ERROR, "migration %d of '%s' failed after %d attempts: %s", 42,
		"schema_v2", 3, "a message long enough to grow the buffer");
	strata_log_set_sink(NULL, NULL);
	/* The record is never lost: either the message or the fallback text arrives. */
	if (log_seen.calls != 1)
		return STRATA_EINTERNAL;
	if (strcmp(log_seen.msg, log_expected) == 0)
		return 0;
	if (strcmp(log_seen.msg, "(a log message could not be formatted)") == 0)
		return STRATA_ENOMEM;
	return STRATA_EINTERNAL;
}

static void log_with_capturing_sink(void **state)
{
	(void)state;
	assert_true(run_with_failures("strata_log", op_log, NULL) > 0);
}

/* The stderr sink under failure: no crash, no leak, at most one line per record. */
static int op_log_stderr(void *ud)
{
	const strata_log_field fields[] = {
		STRATA_LOG_STR("table", "a table name long enough to need more room"),
		STRATA_LOG_INT("attempt", 2),
	};
	FILE *tmp = ud;
	char text[4096];
	size_t got;
	int saved, newlines = 0;
	size_t i;

	fflush(stderr);
	if (ftruncate(fileno(tmp), 0) != 0)
		return STRATA_EINTERNAL;
	rewind(tmp);
	saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0)
		return STRATA_EINTERNAL;
	strata_log_fields(STRATA_LOG_WARNING, "retrying after a lock timeout", fields, 2);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fileno(tmp), 0, SEEK_SET);
	got = (size_t)read(fileno(tmp), text, sizeof(text) - 1);
	if (got > sizeof(text) - 1)
		got = 0;
	text[got] = '\0';
	for (i = 0; i < got; i++)
		newlines += text[i] == '\n';
	if (newlines > 1)
		return STRATA_EINTERNAL;
	if (strstr(text, "\"table\":\"a table name long enough to need more room\",\"attempt\":2}") !=
		NULL || strstr(text, "table=a table name long enough to need more room attempt=2") != NULL)
		return 0;
	return STRATA_ENOMEM;
}

static void log_with_stderr_sink(void **state)
{
	FILE *tmp = tmpfile();

	(void)state;
	assert_non_null(tmp);
	strata_log_use_stderr(STRATA_LOG_JSON, 0, "strata");
	assert_true(run_with_failures("strata_log_fields (stderr JSON)", op_log_stderr, tmp) > 0);
	strata_log_use_stderr(STRATA_LOG_TEXT, 0, "strata");
	assert_true(run_with_failures("strata_log_fields (stderr text)", op_log_stderr, tmp) > 0);
	strata_log_set_sink(NULL, NULL);
	fclose(tmp);
}

/* ---- strata_cluster_open ---- */

static int op_cluster_open(void *ud)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *c = (strata_cluster *)&err;   /* must be reset to NULL on failure */
	int rc;

	opts.dir = ud;
	rc = strata_cluster_open(&c, &opts, &err);
	if (rc != 0) {
		if (c != NULL)
			return STRATA_EINTERNAL;
		if (rc == STRATA_ENOMEM && err.code != STRATA_ENOMEM)
			return STRATA_EINTERNAL;
		return rc;
	}
	if (c == NULL)
		return STRATA_EINTERNAL;
	if (strata_cluster_dir(c) == NULL || strata_cluster_data_dir(c) == NULL ||
		strata_cluster_log_file(c) == NULL || strata_cluster_socket_dir(c) == NULL ||
		!st_str_ends_with(strata_cluster_data_dir(c), "/data") ||
		!st_str_ends_with(strata_cluster_log_file(c), "/log/server.log")) {
		strata_cluster_free(c);
		return STRATA_EINTERNAL;
	}
	/* An empty folder holds no cluster: no URL yet. */
	if (strata_cluster_url(c) != NULL) {
		strata_cluster_free(c);
		return STRATA_EINTERNAL;
	}
	strata_cluster_free(c);
	return 0;
}

static void cluster_open_on_empty_folder(void **state)
{
	char *dir = th_tempdir("allocfail");

	(void)state;
	assert_true(run_with_failures("strata_cluster_open", op_cluster_open, dir) > 0);
	th_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(conninfo_parse_short_url, reset_injection),
		cmocka_unit_test_teardown(conninfo_parse_long_url, reset_injection),
		cmocka_unit_test_teardown(conninfo_parse_keywords, reset_injection),
		cmocka_unit_test_teardown(conninfo_parse_error_paths, reset_injection),
		cmocka_unit_test_teardown(conninfo_mask, reset_injection),
		cmocka_unit_test_teardown(json_document, reset_injection),
		cmocka_unit_test_teardown(json_quote, reset_injection),
		cmocka_unit_test_teardown(buf_appends_and_printf, reset_injection),
		cmocka_unit_test_teardown(buf_detach_of_empty_buffer, reset_injection),
		cmocka_unit_test_teardown(buf_replace_all, reset_injection),
		cmocka_unit_test_teardown(log_with_capturing_sink, reset_injection),
		cmocka_unit_test_teardown(log_with_stderr_sink, reset_injection),
		cmocka_unit_test_teardown(cluster_open_on_empty_folder, reset_injection),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
