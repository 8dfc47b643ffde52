/*
 * test_audit_vectors.c: the test vectors of docs/ledger.md, recomputed.
 *
 * Each line of the page's jsonl block gives an entry's fields, its payload
 * as sent, prev_hash, the canonical text and the hash; libstrata must give
 * the same canonical bytes and hash, and each entry must link to the one
 * before it. Also: the timestamp form at the edges of a second and a day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#include "audit/audit_int.h"

static void hex_decode(unsigned char *out, const char *hex)
{
	size_t i;

	assert_int_equal(strlen(hex), 64);
	for (i = 0; i < 32; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

static void ledger_page_vectors(void **state)
{
	char path[600];
	const char *root = getenv("STRATA_SOURCE_ROOT");
	char *page, *p, *end;
	unsigned char prev[32] = { 0 };
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/ledger.md", root != NULL ? root : ".");
	page = th_read_text(path);
	p = strstr(page, "```jsonl\n");
	assert_non_null(p);
	p += strlen("```jsonl\n");
	end = strstr(p, "```");
	assert_non_null(end);
	*end = '\0';
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		json_error_t jerr;
		json_t *v;
		strata_audit_entry e;
		strata_buf canon = STRATA_BUF_INIT;
		strata_error err = STRATA_ERROR_INIT;
		unsigned char hash[32], want[32];

		if (nl != NULL)
			*nl = '\0';
		v = json_loads(p, 0, &jerr);
		if (v == NULL)
			fail_msg("docs/ledger.md vector %d: %s", n + 1, jerr.text);
		memset(&e, 0, sizeof(e));
		e.chain = json_string_value(json_object_get(v, "chain"));
		e.seq = json_integer_value(json_object_get(v, "seq"));
		e.recorded_at = json_integer_value(json_object_get(v, "recorded_at_us"));
		e.actor = json_string_value(json_object_get(v, "actor"));
		e.action = json_string_value(json_object_get(v, "action"));
		e.target = json_string_value(json_object_get(v, "target"));   /* NULL for null */
		e.payload = json_string_value(json_object_get(v, "payload"));
		e.payload_len = strlen(e.payload);
		hex_decode(e.prev_hash, json_string_value(json_object_get(v, "prev_hash")));
		/* Each links to the one before it (the first to 32 zero bytes). */
		assert_memory_equal(e.prev_hash, prev, 32);
		th_ok(strata_audit_canonical(&canon, &e, &err), &err);
		assert_string_equal(canon.ptr, json_string_value(json_object_get(v, "canonical")));
		th_ok(strata_audit_hash(hash, &e, &err), &err);
		hex_decode(want, json_string_value(json_object_get(v, "hash")));
		assert_memory_equal(hash, want, 32);
		memcpy(prev, hash, 32);
		strata_buf_release(&canon);
		json_decref(v);
		n++;
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	assert_int_equal(n, 3);
	free(page);
}

static void timestamps(void **state)
{
	char out[32];

	(void)state;
	st_audit_time(out, 0);
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
	st_audit_time(out, INT64_C(951782399999999));   /* the last microsecond of 2000-02-28 */
	assert_string_equal(out, "2000-02-28T23:59:59.999999Z");
	st_audit_time(out, INT64_C(951782400000000));
	assert_string_equal(out, "2000-02-29T00:00:00.000000Z");
	st_audit_time(out, INT64_C(-1));
	assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
	st_audit_time(out, INT64_C(253402300799999999));
	assert_string_equal(out, "9999-12-31T23:59:59.999999Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ledger_page_vectors),
		cmocka_unit_test(timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
