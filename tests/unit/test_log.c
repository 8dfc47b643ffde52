/*
 * test_log.c: levelled logging (strata/log.h, src/base/log.c): a custom sink
 * receives level, message and structured fields; records below the level are
 * dropped; nothing is enabled without a sink; level names; and the standard
 * stderr sink in text form ("strata: warning: msg k=v", notices without a
 * level word) and JSON form (one object per line with ts, level, msg and the
 * fields, checked with jansson), captured by pointing fd 2 at a temporary
 * file. Every test restores the default state (no sink, level notice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

#define MAX_RECORDS 8
#define MAX_FIELDS 4

/* What the capturing sink saw. */
typedef struct captured {
	int n;
	struct {
		strata_log_level level;
		char msg[256];
		size_t msglen;     /* the whole message's length, beyond what msg keeps */
		int nfields;
		char key[MAX_FIELDS][32];
		char str[MAX_FIELDS][64];
		int is_str[MAX_FIELDS];
		long long num[MAX_FIELDS];
	} rec[MAX_RECORDS];
	void *ud_seen;
} captured;

static void capture_sink(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields, void *ud)
{
	captured *c = ud;
	int i;

	c->ud_seen = ud;
	if (c->n >= MAX_RECORDS)
		return;
	c->rec[c->n].level = level;
	snprintf(c->rec[c->n].msg, sizeof(c->rec[c->n].msg), "%s", msg);
	c->rec[c->n].msglen = strlen(msg);
	c->rec[c->n].nfields = nfields;
	for (i = 0; i < nfields && i < MAX_FIELDS; i++) {
		snprintf(c->rec[c->n].key[i], sizeof(c->rec[c->n].key[i]), "%s", fields[i].key);
		c->rec[c->n].is_str[i] = fields[i].str != NULL;
		if (fields[i].str != NULL)
			snprintf(c->rec[c->n].str[i], sizeof(c->rec[c->n].str[i]), "%s", fields[i].str);
		c->rec[c->n].num[i] = fields[i].num;
	}
	c->n++;
}

static int reset_log(void **state)
{
	(void)state;
	strata_log_set_sink(NULL, NULL);
	strata_log_set_level(STRATA_LOG_NOTICE);
	return 0;
}

/* fd 2 redirected to a temporary file while a test writes through the stderr sink. */
typedef struct stderr_capture {
	FILE *tmp;
	int saved;
} stderr_capture;

static void capture_begin(stderr_capture *cap)
{
	fflush(stderr);
	cap->tmp = tmpfile();
	assert_non_null(cap->tmp);
	cap->saved = dup(STDERR_FILENO);
	assert_true(cap->saved >= 0);
	assert_true(dup2(fileno(cap->tmp), STDERR_FILENO) >= 0);
}

/* Restores fd 2 and returns what was written (free with free()). */
static char *capture_end(stderr_capture *cap)
{
	long size;
	char *text;
	size_t got;

	fflush(stderr);
	dup2(cap->saved, STDERR_FILENO);
	close(cap->saved);
	fseek(cap->tmp, 0, SEEK_END);
	size = ftell(cap->tmp);
	rewind(cap->tmp);
	text = malloc((size_t)(size > 0 ? size : 0) + 1);
	assert_non_null(text);
	got = fread(text, 1, (size_t)(size > 0 ? size : 0), cap->tmp);
	text[got] = '\0';
	fclose(cap->tmp);
	return text;
}

static void sink_receives_level_message_and_fields(void **state)
{
	captured c;
	const strata_log_field fields[] = {
		STRATA_LOG_STR("table", "users"),
		STRATA_LOG_INT("rows", 1234567890123LL),
		STRATA_LOG_INT("delta", -7),
	};

	(void)state;
	memset(&c, 0, sizeof(c));
	strata_log_set_sink(capture_sink, &c);
	strata_log_set_level(STRATA_LOG_DEBUG);
	strata_log_fields(STRATA_LOG_INFO, "copied %s as is", fields, 3);
	strata_log(STRATA_LOG_WARNING, "attempt %d/%d on %s", 2, 5, "db");
	strata_log_set_sink(NULL, NULL);

	assert_int_equal(c.n, 2);
	assert_ptr_equal(c.ud_seen, &c);
	assert_int_equal(c.rec[0].level, STRATA_LOG_INFO);
	/* strata_log_fields takes msg as is, not as a format. */
	assert_string_equal(c.rec[0].msg, "copied %s as is");
	assert_int_equal(c.rec[0].nfields, 3);
	assert_string_equal(c.rec[0].key[0], "table");
	assert_true(c.rec[0].is_str[0]);
	assert_string_equal(c.rec[0].str[0], "users");
	assert_string_equal(c.rec[0].key[1], "rows");
	assert_false(c.rec[0].is_str[1]);
	assert_true(c.rec[0].num[1] == 1234567890123LL);
	assert_string_equal(c.rec[0].key[2], "delta");
	assert_true(c.rec[0].num[2] == -7);

	assert_int_equal(c.rec[1].level, STRATA_LOG_WARNING);
	assert_string_equal(c.rec[1].msg, "attempt 2/5 on db");
	assert_int_equal(c.rec[1].nfields, 0);
}

static void records_below_the_level_are_dropped(void **state)
{
	captured c;

	(void)state;
	memset(&c, 0, sizeof(c));
	strata_log_set_sink(capture_sink, &c);
	strata_log_set_level(STRATA_LOG_WARNING);
	assert_int_equal(strata_log_get_level(), STRATA_LOG_WARNING);
	strata_log(STRATA_LOG_TRACE, "trace");
	strata_log(STRATA_LOG_DEBUG, "debug");
	strata_log(STRATA_LOG_INFO, "info");
	strata_log(STRATA_LOG_NOTICE, "notice");
	strata_log(STRATA_LOG_WARNING, "warning");
	strata_log_fields(STRATA_LOG_NOTICE, "notice fields", NULL, 0);
	strata_log(STRATA_LOG_ERROR, "error");

	assert_int_equal(c.n, 2);
	assert_string_equal(c.rec[0].msg, "warning");
	assert_int_equal(c.rec[0].level, STRATA_LOG_WARNING);
	assert_string_equal(c.rec[1].msg, "error");
	assert_int_equal(c.rec[1].level, STRATA_LOG_ERROR);

	assert_true(strata_log_enabled(STRATA_LOG_ERROR));
	assert_true(strata_log_enabled(STRATA_LOG_WARNING));
	assert_false(strata_log_enabled(STRATA_LOG_NOTICE));
	assert_false(strata_log_enabled(STRATA_LOG_TRACE));

	/* The most verbose level keeps everything. */
	strata_log_set_level(STRATA_LOG_TRACE);
	strata_log(STRATA_LOG_TRACE, "trace");
	assert_int_equal(c.n, 3);
	assert_int_equal(c.rec[2].level, STRATA_LOG_TRACE);
	assert_true(strata_log_enabled(STRATA_LOG_TRACE));
}

static void default_level_is_notice(void **state)
{
	captured c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(strata_log_get_level(), STRATA_LOG_NOTICE);
	strata_log_set_sink(capture_sink, &c);
	strata_log(STRATA_LOG_INFO, "info");
	strata_log(STRATA_LOG_NOTICE, "notice");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rec[0].msg, "notice");
}

static void nothing_is_enabled_without_a_sink(void **state)
{
	captured c;

	(void)state;
	memset(&c, 0, sizeof(c));
	strata_log_set_level(STRATA_LOG_TRACE);
	assert_false(strata_log_enabled(STRATA_LOG_ERROR));
	assert_false(strata_log_enabled(STRATA_LOG_TRACE));
	/* Records without a sink are dropped quietly. */
	strata_log(STRATA_LOG_ERROR, "dropped %d", 1);
	strata_log_fields(STRATA_LOG_ERROR, "dropped", NULL, 0);

	strata_log_set_sink(capture_sink, &c);
	assert_true(strata_log_enabled(STRATA_LOG_ERROR));
	strata_log_set_sink(NULL, &c);
	assert_false(strata_log_enabled(STRATA_LOG_ERROR));
	strata_log(STRATA_LOG_ERROR, "dropped");
	assert_int_equal(c.n, 0);
}

static void long_messages_reach_custom_sinks_whole(void **state)
{
	captured c;
	size_t n = 70000;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n - 1);
	big[n - 1] = '\0';
	memset(&c, 0, sizeof(c));
	strata_log_set_sink(capture_sink, &c);
	strata_log(STRATA_LOG_ERROR, "%s", big);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rec[0].level, STRATA_LOG_ERROR);
	/* The capture keeps a prefix only; the sink saw the whole message. */
	assert_int_equal(c.rec[0].msglen, n - 1);
	free(big);
}

static void messages_past_the_cap_are_replaced_not_lost(void **state)
{
	captured c;
	size_t n = 2 * 1024 * 1024;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n - 1);
	big[n - 1] = '\0';
	memset(&c, 0, sizeof(c));
	strata_log_set_sink(capture_sink, &c);
	strata_log(STRATA_LOG_ERROR, "%s", big);
	free(big);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rec[0].msg, "(a log message could not be formatted)");
}

static void level_names(void **state)
{
	(void)state;
	assert_string_equal(strata_log_level_name(STRATA_LOG_ERROR), "error");
	assert_string_equal(strata_log_level_name(STRATA_LOG_WARNING), "warning");
	assert_string_equal(strata_log_level_name(STRATA_LOG_NOTICE), "notice");
	assert_string_equal(strata_log_level_name(STRATA_LOG_INFO), "info");
	assert_string_equal(strata_log_level_name(STRATA_LOG_DEBUG), "debug");
	assert_string_equal(strata_log_level_name(STRATA_LOG_TRACE), "trace");
	assert_string_equal(strata_log_level_name((strata_log_level)42), "unknown");
}

static void stderr_text_format(void **state)
{
	stderr_capture cap;
	char *out;
	const strata_log_field fields[] = {
		STRATA_LOG_STR("k", "v"),
		STRATA_LOG_INT("n", 42),
		STRATA_LOG_INT("neg", -3),
	};

	(void)state;
	strata_log_set_level(STRATA_LOG_DEBUG);
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_TEXT, 0, "strata");
	strata_log_fields(STRATA_LOG_WARNING, "msg", fields, 1);
	strata_log(STRATA_LOG_NOTICE, "created cluster in %s", "/tmp/x");
	strata_log_fields(STRATA_LOG_ERROR, "boom", fields, 3);
	strata_log(STRATA_LOG_INFO, "progress %d%%", 50);
	strata_log(STRATA_LOG_TRACE, "dropped");
	strata_log_set_sink(NULL, NULL);
	strata_log(STRATA_LOG_ERROR, "after the sink was removed");
	out = capture_end(&cap);

	assert_string_equal(out,
		"strata: warning: msg k=v\n"
		"strata: created cluster in /tmp/x\n"
		"strata: error: boom k=v n=42 neg=-3\n"
		"strata: info: progress 50%\n");
	free(out);
}

static void stderr_text_without_prefix_and_with_color(void **state)
{
	stderr_capture cap;
	char *out;

	(void)state;
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_TEXT, 0, NULL);
	strata_log(STRATA_LOG_WARNING, "plain");
	strata_log_use_stderr(STRATA_LOG_TEXT, 0, "");
	strata_log(STRATA_LOG_NOTICE, "note");
	strata_log_use_stderr(STRATA_LOG_TEXT, 1, "app");
	strata_log(STRATA_LOG_ERROR, "red");
	strata_log(STRATA_LOG_NOTICE, "no word");
	strata_log_set_sink(NULL, NULL);
	out = capture_end(&cap);

	assert_string_equal(out,
		"warning: plain\n"
		"note\n"
		"app: \033[1;31merror:\033[0m red\n"
		"app: no word\n");
	free(out);
}

/* Checks one JSON log line; returns the parsed object (caller decrefs). */
static json_t *check_json_line(const char *line, size_t len, const char *level, const char *msg)
{
	json_error_t jerr;
	json_t *v = json_loadb(line, len, 0, &jerr);
	const char *ts;

	if (v == NULL)
		fail_msg("not JSON: %.*s (%s)", (int)len, line, jerr.text);
	assert_true(json_is_object(v));
	ts = json_string_value(json_object_get(v, "ts"));
	assert_non_null(ts);
	/* 2026-11-21T10:00:00.123Z */
	assert_int_equal(strlen(ts), 24);
	assert_int_equal(ts[4], '-');
	assert_int_equal(ts[10], 'T');
	assert_int_equal(ts[19], '.');
	assert_int_equal(ts[23], 'Z');
	assert_string_equal(json_string_value(json_object_get(v, "level")), level);
	assert_string_equal(json_string_value(json_object_get(v, "msg")), msg);
	return v;
}

static void stderr_json_format(void **state)
{
	stderr_capture cap;
	char *out, *nl1, *nl2;
	json_t *v;
	const strata_log_field fields[] = {
		STRATA_LOG_INT("attempt", 2),
		STRATA_LOG_STR("table", "a \"quoted\"\nname"),
		STRATA_LOG_INT("big", -9007199254740993LL),
	};

	(void)state;
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_JSON, 1, "strata");
	strata_log_fields(STRATA_LOG_WARNING, "retrying\tafter \"lock\" timeout", fields, 3);
	strata_log(STRATA_LOG_NOTICE, "two\nlines");
	strata_log(STRATA_LOG_INFO, "dropped");
	strata_log_set_sink(NULL, NULL);
	out = capture_end(&cap);

	/* Exactly two lines, each one JSON object; colour and prefix do not apply. */
	nl1 = strchr(out, '\n');
	assert_non_null(nl1);
	nl2 = strchr(nl1 + 1, '\n');
	assert_non_null(nl2);
	assert_int_equal(nl2[1], '\0');
	assert_null(strstr(out, "\033"));
	assert_memory_equal(out, "{\"ts\":\"", 7);

	v = check_json_line(out, (size_t)(nl1 - out), "warning", "retrying\tafter \"lock\" timeout");
	assert_int_equal(json_object_size(v), 6);
	assert_int_equal(json_integer_value(json_object_get(v, "attempt")), 2);
	assert_string_equal(json_string_value(json_object_get(v, "table")), "a \"quoted\"\nname");
	assert_true(json_integer_value(json_object_get(v, "big")) == -9007199254740993LL);
	json_decref(v);
	/* Keys in the documented order: ts, level, msg, then the fields. */
	assert_true(strstr(out, "\",\"level\":\"warning\",\"msg\":") != NULL);
	assert_true(strstr(out, "timeout\",\"attempt\":2,\"table\":") != NULL);

	v = check_json_line(nl1 + 1, (size_t)(nl2 - nl1 - 1), "notice", "two\nlines");
	assert_int_equal(json_object_size(v), 3);
	json_decref(v);
	free(out);
}

static void stderr_json_keeps_invalid_utf8_valid(void **state)
{
	stderr_capture cap;
	char *out;
	json_t *v;
	json_error_t jerr;

	(void)state;
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_JSON, 0, NULL);
	strata_log(STRATA_LOG_ERROR, "bad \xff\xc3 bytes");
	strata_log_set_sink(NULL, NULL);
	out = capture_end(&cap);

	v = json_loads(out, 0, &jerr);
	if (v == NULL)
		fail_msg("not JSON: %s (%s)", out, jerr.text);
	assert_string_equal(json_string_value(json_object_get(v, "msg")),
		"bad \xef\xbf\xbd\xef\xbf\xbd bytes");
	json_decref(v);
	free(out);
}

/*
 * A record that fills the sink's 64 KiB line limit must still end its line:
 * the next record starts on a line of its own. Here "strata: error: " plus
 * the message is exactly 65535 bytes, so only the newline does not fit.
 */
static void stderr_text_record_at_the_limit_still_ends_its_line(void **state)
{
	stderr_capture cap;
	char *out, *big = malloc(65521);
	size_t len;
	int starts_right, ends_right;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 65520);
	big[65520] = '\0';
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_TEXT, 0, "strata");
	strata_log_fields(STRATA_LOG_ERROR, big, NULL, 0);
	strata_log(STRATA_LOG_NOTICE, "next");
	strata_log_set_sink(NULL, NULL);
	out = capture_end(&cap);
	free(big);

	len = strlen(out);
	starts_right = strncmp(out, "strata: error: xxx", 18) == 0;
	ends_right = len >= 14 && strcmp(out + len - 14, "\nstrata: next\n") == 0;
	free(out);
	assert_true(starts_right);
	if (!ends_right)
		fail_msg("the record after a full-length one does not start on its own line");
}

/*
 * In JSON format, every line must be a complete JSON object even when the
 * record is too long for the sink (here a message that escaping doubles).
 */
static void stderr_json_overlong_record_is_still_one_json_object(void **state)
{
	stderr_capture cap;
	char *out, *big = malloc(60001), *nl;
	json_error_t jerr;
	json_t *v;
	int lines = 0;
	char *line;

	(void)state;
	assert_non_null(big);
	memset(big, '"', 60000);
	big[60000] = '\0';
	capture_begin(&cap);
	strata_log_use_stderr(STRATA_LOG_JSON, 0, NULL);
	strata_log_fields(STRATA_LOG_ERROR, big, NULL, 0);
	strata_log(STRATA_LOG_NOTICE, "next");
	strata_log_set_sink(NULL, NULL);
	out = capture_end(&cap);
	free(big);

	for (line = out; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		v = json_loadb(line, (size_t)(nl - line), 0, &jerr);
		if (v == NULL) {
			free(out);
			fail_msg("line %d is not JSON: %s", lines + 1, jerr.text);
		}
		json_decref(v);
		lines++;
	}
	assert_int_equal(*line, '\0');
	free(out);
	assert_int_equal(lines, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(sink_receives_level_message_and_fields, reset_log),
		cmocka_unit_test_teardown(records_below_the_level_are_dropped, reset_log),
		cmocka_unit_test_teardown(default_level_is_notice, reset_log),
		cmocka_unit_test_teardown(nothing_is_enabled_without_a_sink, reset_log),
		cmocka_unit_test_teardown(long_messages_reach_custom_sinks_whole, reset_log),
		cmocka_unit_test_teardown(messages_past_the_cap_are_replaced_not_lost, reset_log),
		cmocka_unit_test_teardown(level_names, reset_log),
		cmocka_unit_test_teardown(stderr_text_format, reset_log),
		cmocka_unit_test_teardown(stderr_text_without_prefix_and_with_color, reset_log),
		cmocka_unit_test_teardown(stderr_json_format, reset_log),
		cmocka_unit_test_teardown(stderr_json_keeps_invalid_utf8_valid, reset_log),
		cmocka_unit_test_teardown(stderr_text_record_at_the_limit_still_ends_its_line, reset_log),
		cmocka_unit_test_teardown(stderr_json_overlong_record_is_still_one_json_object, reset_log),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
