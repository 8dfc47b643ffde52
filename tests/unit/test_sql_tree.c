/*
 * test_sql_tree.c: the in-place JSON reader behind parse trees
 * (src/sql/tree.c): values, escapes, errors with offsets, nesting limits,
 * and agreement with jansson on thousands of random documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#include "base/base.h"
#include "sql/tree.h"

/* Parses a copy of text (the reader writes into it); the copy is owned by t. */
static int parse(st_tree *t, const char *text, strata_error *err)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);

	memcpy(copy, text, n + 1);
	return st_tree_parse(t, copy, n, 1, err);
}

static void values_and_lookups(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	const st_tree_node *r, *a, *m;
	st_tree t;

	(void)state;
	th_ok(parse(&t, " {\"a\": [1, -20, 3.5e2, true, false, null, \"x\"],"
		" \"b\": {\"AlterTableCmd\": {\"subtype\": \"AT_AddColumn\", \"n\": 9223372036854775807}},"
		" \"empty\": {}, \"none\": []} ", &err), &err);
	r = t.root;
	assert_int_equal(r->type, ST_TREE_OBJECT);
	assert_int_equal(r->count, 4);
	a = st_tree_get(r, "a");
	assert_int_equal(a->type, ST_TREE_ARRAY);
	assert_int_equal(a->count, 7);
	m = a->first;
	assert_int_equal(st_tree_int(m, 0), 1);
	assert_int_equal(st_tree_int(m->next, 0), -20);
	/* Not an integer: the default. */
	assert_int_equal(st_tree_int(m->next->next, 42), 42);
	assert_int_equal(m->next->next->len, 5);
	assert_true(st_tree_true(m->next->next->next));
	assert_int_equal(m->next->next->next->next->type, ST_TREE_FALSE);
	assert_int_equal(m->next->next->next->next->next->type, ST_TREE_NULL);
	assert_string_equal(st_tree_str(m->next->next->next->next->next->next), "x");
	assert_null(st_tree_str(m));
	assert_string_equal(st_tree_node_type(st_tree_get(r, "b")), "AlterTableCmd");
	assert_string_equal(st_tree_str(st_tree_get(st_tree_node_as(st_tree_get(r, "b"), "AlterTableCmd"),
		"subtype")), "AT_AddColumn");
	assert_null(st_tree_node_as(st_tree_get(r, "b"), "CreateStmt"));
	assert_true(st_tree_int(st_tree_path(r, "b", "AlterTableCmd", "n", (const char *)NULL), 0) ==
		9223372036854775807LL);
	assert_null(st_tree_path(r, "b", "nope", (const char *)NULL));
	assert_null(st_tree_get(a, "a"));
	assert_null(st_tree_get(NULL, "a"));
	assert_int_equal(st_tree_get(r, "empty")->count, 0);
	assert_null(st_tree_get(r, "empty")->first);
	assert_null(st_tree_node_type(st_tree_get(r, "empty")));
	assert_int_equal(st_tree_get(r, "none")->type, ST_TREE_ARRAY);
	st_tree_release(&t);

	/* Scalars at the top, and an integer too large for long long. */
	th_ok(parse(&t, "\"top\"", &err), &err);
	assert_string_equal(st_tree_str(t.root), "top");
	st_tree_release(&t);
	th_ok(parse(&t, "99999999999999999999", &err), &err);
	assert_int_equal(st_tree_int(t.root, -1), -1);
	st_tree_release(&t);
}

static void escapes_are_decoded_in_place(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	st_tree t;

	(void)state;
	th_ok(parse(&t, "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\\ud83d\\ude00\", \"\\u0000x\","
		" \"plain\", \"caf\xc3\xa9\"]", &err), &err);
	assert_string_equal(t.root->first->text, "a\"b\\c/d\b\f\n\r\t");
	assert_int_equal(t.root->first->len, 12);
	assert_string_equal(t.root->first->next->text, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* An escaped NUL stays in the string: len counts it. */
	assert_int_equal(t.root->first->next->next->len, 2);
	assert_int_equal(t.root->first->next->next->text[1], 'x');
	assert_string_equal(t.root->first->next->next->next->text, "plain");
	assert_string_equal(t.root->first->next->next->next->next->text, "caf\xc3\xa9");
	st_tree_release(&t);
}

static void errors_name_the_offset(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} bad[] = {
		{ "", "invalid JSON at offset 0: unexpected end" },
		{ "{", "invalid JSON at offset 1: unexpected end" },
		{ "{\"a\" 1}", "invalid JSON at offset 5: expected ':'" },
		{ "[1 2]", "invalid JSON at offset 3: expected ',' or a closing bracket" },
		{ "[1,]", "invalid JSON at offset 3: unexpected character" },
		{ "[01]", "invalid JSON at offset 2: expected ',' or a closing bracket" },
		{ "[-]", "invalid JSON at offset 1: bad number" },
		{ "[1.]", "invalid JSON at offset 1: bad number" },
		{ "[1e]", "invalid JSON at offset 1: bad number" },
		{ "[tru]", "invalid JSON at offset 1: unexpected character" },
		{ "[\"abc", "invalid JSON at offset 1: unterminated string" },
		{ "[\"a\\x\"]", "invalid JSON at offset 3: bad escape" },
		{ "[\"\\u12\"]", "invalid JSON at offset 1: bad \\u escape" },
		{ "[\"\\udc00\"]", "invalid JSON at offset 1: lone low surrogate" },
		{ "[\"\\ud800x\"]", "invalid JSON at offset 1: lone high surrogate" },
		{ "[\"a\nb\"]", "invalid JSON at offset 3: control character in a string" },
		{ "[1] [2]", "invalid JSON at offset 4: text after the value" },
		{ "{\"a\":1,}", "invalid JSON at offset 7: expected a key" },
		{ "]", "invalid JSON at offset 0: unexpected character" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ST_ARRAY_LEN(bad); i++) {
		strata_error err = STRATA_ERROR_INIT;
		st_tree t;

		if (parse(&t, bad[i].text, &err) != STRATA_EINVAL)
			fail_msg("'%s' was accepted", bad[i].text);
		if (strcmp(err.message, bad[i].message) != 0)
			fail_msg("'%s': '%s', expected '%s'", bad[i].text, err.message, bad[i].message);
		assert_null(t.root);
	}
}

static void nesting_is_limited_not_recursive(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	size_t depth = ST_TREE_MAX_DEPTH, i;
	char *deep = malloc(2 * (depth + 1) + 1);
	const st_tree_node *n;
	st_tree t;

	(void)state;
	for (i = 0; i < depth; i++) {
		deep[i] = '[';
		deep[2 * depth - 1 - i] = ']';
	}
	deep[2 * depth] = '\0';
	th_ok(parse(&t, deep, &err), &err);
	for (n = t.root, i = 1; n->first != NULL; n = n->first)
		i++;
	assert_int_equal(i, depth);
	st_tree_release(&t);
	/* One more level is refused. */
	memmove(deep + 1, deep, 2 * depth + 1);
	deep[0] = '[';
	deep[2 * depth + 1] = ']';
	deep[2 * depth + 2] = '\0';
	assert_int_equal(parse(&t, deep, &err), STRATA_EINVAL);
	assert_non_null(strstr(err.message, "nested too deeply"));
	free(deep);
}

/* ---- agreement with jansson on random documents ---- */

static unsigned rnd_state = 12345u;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static json_t *random_string(void)
{
	static const char *const pieces[] = { "a", "Z", "\"", "\\", "/", "\n", "\t", "\x01", " ",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "AT_AddColumn", "" };
	strata_buf b = STRATA_BUF_INIT;
	unsigned n = rnd(8), i;
	json_t *s;

	for (i = 0; i < n; i++)
		strata_buf_puts(&b, pieces[rnd(ST_ARRAY_LEN(pieces))]);
	s = json_string(strata_buf_cstr(&b));
	strata_buf_release(&b);
	return s;
}

static json_t *random_value(int depth)
{
	unsigned kind = depth > 5 ? rnd(5) : rnd(7), n, i;
	json_t *v;

	switch (kind) {
	case 0: return json_null();
	case 1: return json_boolean(rnd(2));
	case 2: return json_integer((json_int_t)rnd(2000000) - 1000000);
	case 3: return json_real((double)rnd(100000) / 64.0 - 500.0);
	case 4: return random_string();
	case 5:
		v = json_array();
		n = rnd(5);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1));
		return v;
	default:
		v = json_object();
		n = rnd(5);
		for (i = 0; i < n; i++) {
			json_t *k = random_string();

			json_object_set_new(v, json_string_value(k), random_value(depth + 1));
			json_decref(k);
		}
		return v;
	}
}

/* Compares a tree node with a jansson value, members in order. */
static void same(const st_tree_node *n, json_t *v, const char *doc)
{
	const st_tree_node *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_NULL: assert_int_equal(n->type, ST_TREE_NULL); break;
	case JSON_TRUE: assert_int_equal(n->type, ST_TREE_TRUE); break;
	case JSON_FALSE: assert_int_equal(n->type, ST_TREE_FALSE); break;
	case JSON_INTEGER:
		assert_int_equal(n->type, ST_TREE_NUMBER);
		assert_true(st_tree_int(n, -9999999) == json_integer_value(v));
		break;
	case JSON_REAL:
		assert_int_equal(n->type, ST_TREE_NUMBER);
		assert_true(strtod(n->text, NULL) == json_real_value(v));
		break;
	case JSON_STRING:
		assert_int_equal(n->type, ST_TREE_STRING);
		if (n->len != json_string_length(v) || memcmp(n->text, json_string_value(v), n->len) != 0)
			fail_msg("string differs in %s", doc);
		break;
	case JSON_ARRAY:
		assert_int_equal(n->type, ST_TREE_ARRAY);
		assert_int_equal(n->count, json_array_size(v));
		for (m = n->first, i = 0; m != NULL; m = m->next, i++)
			same(m, json_array_get(v, i), doc);
		break;
	case JSON_OBJECT:
		assert_int_equal(n->type, ST_TREE_OBJECT);
		assert_int_equal(n->count, json_object_size(v));
		for (m = n->first; m != NULL; m = m->next) {
			json_t *w = json_object_get(v, m->key);

			if (w == NULL)
				fail_msg("key '%s' not in %s", m->key, doc);
			same(m, w, doc);
		}
		break;
	}
}

static void agrees_with_jansson_on_random_documents(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		strata_error err = STRATA_ERROR_INIT;
		json_t *v = random_value(0);
		char *text = json_dumps(v, JSON_ENCODE_ANY | (i % 2 ? JSON_INDENT(2) : JSON_COMPACT) |
			(i % 3 == 0 ? JSON_ENSURE_ASCII : 0));
		char *doc = strdup(text);
		st_tree t;

		if (st_tree_parse(&t, text, strlen(text), 1, &err) != 0)
			fail_msg("%s\n  refused: %s", doc, err.message);
		same(t.root, v, doc);
		st_tree_release(&t);
		free(doc);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_lookups),
		cmocka_unit_test(escapes_are_decoded_in_place),
		cmocka_unit_test(errors_name_the_offset),
		cmocka_unit_test(nesting_is_limited_not_recursive),
		cmocka_unit_test(agrees_with_jansson_on_random_documents),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
