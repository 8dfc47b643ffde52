/*
 * diff.c: strata_catalog_diff, two snapshots compared as sets of named
 * objects (see strata/catalog.h).
 *
 * Every list of objects is matched by identity — schema and name for the
 * top-level kinds, plus the arguments for functions; the name for what a
 * table holds (columns, constraints, indexes, triggers, policies) — so that
 * order never makes a difference. A matched object's properties are
 * compared as JSON values (lists of plain values, such as grants or a
 * policy's roles, compared whole: the snapshot sorts them). Objects in one
 * snapshot only are added or removed as a whole; their parts are not listed.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/catalog.h"

#include "base/base.h"

typedef struct differ {
	strata_schema_diff *d;
	size_t cap;
	int failed;
	json_t *empty;            /* an empty list, for a list one side lacks */
} differ;

/* The singular of a list's key, for messages: "tables" -> "table". */
static const char *singular(const char *key)
{
	static const char *const map[][2] = {
		{ "schemas", "schema" }, { "extensions", "extension" }, { "tables", "table" },
		{ "views", "view" }, { "sequences", "sequence" }, { "functions", "function" },
		{ "types", "type" }, { "columns", "column" }, { "constraints", "constraint" },
		{ "indexes", "index" }, { "triggers", "trigger" }, { "policies", "policy" },
		{ "attributes", "attribute" },
	};
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(map); i++)
		if (strcmp(map[i][0], key) == 0)
			return map[i][1];
	return key;
}

/* An object's identity within its list, or NULL when the list is not of named objects. */
static char *identity(json_t *o)
{
	const char *schema = json_string_value(json_object_get(o, "schema"));
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *args = json_string_value(json_object_get(o, "arguments"));
	strata_buf b = STRATA_BUF_INIT;

	if (!json_is_object(o) || name == NULL)
		return NULL;
	if (schema != NULL)
		strata_buf_printf(&b, "%s.", schema);
	strata_buf_puts(&b, name);
	if (args != NULL)
		strata_buf_printf(&b, "(%s)", args);
	return strata_buf_detach(&b);
}

static int named_list(json_t *v)
{
	json_t *first = json_array_get(v, 0);

	return json_is_array(v) && json_array_size(v) > 0 && json_is_object(first) &&
		json_is_string(json_object_get(first, "name"));
}

static void add(differ *df, strata_change_kind kind, const char *object, const char *property,
	json_t *before, json_t *after)
{
	strata_schema_change *c;

	if (df->failed)
		return;
	if (df->d->n == df->cap) {
		size_t cap = df->cap ? df->cap * 2 : 32;
		strata_schema_change *grown = st_realloc(df->d->changes, cap * sizeof(*grown));

		if (grown == NULL) {
			df->failed = 1;
			return;
		}
		df->d->changes = grown;
		df->cap = cap;
	}
	c = &df->d->changes[df->d->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->object = st_strdup(object);
	c->property = property != NULL ? st_strdup(property) : NULL;
	c->before = before != NULL ? json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	c->after = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (c->object == NULL || (property != NULL && c->property == NULL) ||
		(before != NULL && c->before == NULL) || (after != NULL && c->after == NULL))
		df->failed = 1;
}

static void diff_list(differ *df, const char *kind, const char *parent, json_t *a, json_t *b);

/*
 * Two matched objects: their properties (reported on label, "table
 * shop.orders"), and the named lists they hold (their items named under
 * name, "shop.orders").
 */
static void diff_object(differ *df, const char *label, const char *name, json_t *a, json_t *b)
{
	const char *key;
	json_t *va, *vb;
	void *iter;

	json_object_foreach(a, key, va) {
		vb = json_object_get(b, key);
		if (named_list(va) || named_list(vb)) {
			diff_list(df, key, name, va, vb != NULL ? vb : df->empty);
			continue;
		}
		if (vb == NULL || !json_equal(va, vb))
			add(df, STRATA_CHANGE_CHANGED, label, key, va, vb != NULL ? vb : json_null());
	}
	for (iter = json_object_iter(b); iter != NULL; iter = json_object_iter_next(b, iter)) {
		key = json_object_iter_key(iter);
		vb = json_object_iter_value(iter);
		if (json_object_get(a, key) != NULL)
			continue;
		if (named_list(vb))
			diff_list(df, key, name, df->empty, vb);
		else
			add(df, STRATA_CHANGE_CHANGED, label, key, json_null(), vb);
	}
}

/* A list's named items by identity, sorted: one pass over each list instead of a search per item. */
typedef struct keyed {
	char *id;
	json_t *item;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const keyed *)a)->id, ((const keyed *)b)->id);
}

static keyed *index_list(json_t *list, size_t *n, int *failed)
{
	keyed *k = st_calloc(json_array_size(list) + 1, sizeof(*k));
	size_t i;
	json_t *x;

	*n = 0;
	if (k == NULL) {
		*failed = 1;
		return NULL;
	}
	json_array_foreach(list, i, x) {
		char *id = identity(x);

		if (id == NULL)
			continue;
		k[*n].id = id;
		k[(*n)++].item = x;
	}
	if (*n > 1)
		qsort(k, *n, sizeof(*k), cmp_keyed);
	return k;
}

static void free_index(keyed *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		st_free(k[i].id);
	st_free(k);
}

/* "<kind> <parent>.<id>", or "<kind> <id>" at the top. */
static void label_of(strata_buf *label, const char *kind, const char *parent, const char *id)
{
	strata_buf_clear(label);
	strata_buf_printf(label, "%s %s%s%s", singular(kind), parent != NULL ? parent : "",
		parent != NULL ? "." : "", id);
}

static void diff_list(differ *df, const char *kind, const char *parent, json_t *a, json_t *b)
{
	strata_buf label = STRATA_BUF_INIT;
	size_t na, nb, i = 0, j = 0;
	keyed *ka = index_list(a, &na, &df->failed), *kb = index_list(b, &nb, &df->failed);

	/* A merge of the two sorted lists: in both, in A only, in B only. */
	while (!df->failed && ka != NULL && kb != NULL && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(ka[i].id, kb[j].id);

		label_of(&label, kind, parent, c <= 0 ? ka[i].id : kb[j].id);
		if (c < 0)
			add(df, STRATA_CHANGE_REMOVED, strata_buf_cstr(&label), NULL, NULL, NULL);
		else if (c > 0)
			add(df, STRATA_CHANGE_ADDED, strata_buf_cstr(&label), NULL, NULL, NULL);
		else
			diff_object(df, strata_buf_cstr(&label), strata_buf_cstr(&label) + strlen(singular(kind)) + 1,
				ka[i].item, kb[j].item);
		i += c <= 0;
		j += c >= 0;
	}
	strata_buf_release(&label);
	free_index(ka, na);
	free_index(kb, nb);
}

static int cmp_change(const void *x, const void *y)
{
	const strata_schema_change *a = x, *b = y;
	int c = strcmp(a->object, b->object);

	if (c != 0)
		return c;
	return strcmp(a->property != NULL ? a->property : "", b->property != NULL ? b->property : "");
}

static json_t *load(const char *text, const char *label, strata_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	if (doc == NULL) {
		strata_error_set(err, STRATA_EINVAL, "%s: not JSON (line %d: %s)", label, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc) || json_string_value(json_object_get(doc, "format")) == NULL ||
		strcmp(json_string_value(json_object_get(doc, "format")), "strata-snapshot/1") != 0) {
		json_decref(doc);
		strata_error_set(err, STRATA_EINVAL, "%s: not a strata schema snapshot (no \"format\": "
			"\"strata-snapshot/1\")", label);
		return NULL;
	}
	return doc;
}

int strata_catalog_diff(strata_schema_diff **out, const char *a, const char *label_a,
	const char *b, const char *label_b, strata_error *err)
{
	json_t *da, *db, *va, *vb;
	const char *key;
	differ df;

	*out = NULL;
	if ((da = load(a, label_a, err)) == NULL)
		return STRATA_EINVAL;
	if ((db = load(b, label_b, err)) == NULL) {
		json_decref(da);
		return STRATA_EINVAL;
	}
	memset(&df, 0, sizeof(df));
	df.d = st_calloc(1, sizeof(*df.d));
	df.empty = json_array();
	if (df.d == NULL || df.empty == NULL)
		df.failed = 1;
	json_object_foreach(da, key, va) {
		if (df.failed || strcmp(key, "format") == 0)
			continue;
		vb = json_object_get(db, key);
		diff_list(&df, key, NULL, va, vb != NULL ? vb : df.empty);
	}
	json_object_foreach(db, key, vb) {
		if (!df.failed && json_object_get(da, key) == NULL && strcmp(key, "format") != 0)
			diff_list(&df, key, NULL, df.empty, vb);
	}
	json_decref(df.empty);
	json_decref(da);
	json_decref(db);
	if (df.failed) {
		strata_schema_diff_free(df.d);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory comparing snapshots");
	}
	if (df.d->n > 1)
		qsort(df.d->changes, df.d->n, sizeof(*df.d->changes), cmp_change);
	*out = df.d;
	return 0;
}

void strata_schema_diff_free(strata_schema_diff *diff)
{
	size_t i;

	if (diff == NULL)
		return;
	for (i = 0; i < diff->n; i++) {
		st_free(diff->changes[i].object);
		st_free(diff->changes[i].property);
		free(diff->changes[i].before);
		free(diff->changes[i].after);
	}
	st_free(diff->changes);
	st_free(diff);
}
