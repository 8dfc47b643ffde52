/*
 * classification.c: the columns a data classification file names, for the
 * linter's classification-missing rule: tables: {schema.table: {column:
 * {...}, ...}, ...}. Only the names are read; what each entry says is the
 * classification's business (tests/cli/test_platform_schema.c checks the
 * platform's).
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

void strata_classification_free(char **columns, size_t n)
{
	size_t i;

	for (i = 0; columns != NULL && i < n; i++)
		st_free(columns[i]);
	st_free(columns);
}

/* "class: restricted, personal: true, retention: 7y" from an entry's map (or its scalar). */
static char *entry_text(const st_yaml_node *v)
{
	strata_buf b = STRATA_BUF_INIT;
	const st_yaml_node *k;

	if (v->kind == ST_YAML_MAP) {
		for (k = v->child; k != NULL; k = k->next)
			strata_buf_printf(&b, "%s%s: %s", k == v->child ? "" : ", ", k->key->text,
				k->kind == ST_YAML_SCALAR ? k->text : "...");
	} else if (v->kind == ST_YAML_SCALAR) {
		strata_buf_puts(&b, v->text);
	}
	if (b.len == 0)
		strata_buf_puts(&b, "");
	return strata_buf_detach(&b);
}

static int load(char ***columns, char ***entries, size_t *n, const char *path, strata_error *err);

int strata_classification_load(char ***columns, size_t *n, const char *path, strata_error *err)
{
	return load(columns, NULL, n, path, err);
}

int strata_classification_entries(char ***columns, char ***entries, size_t *n, const char *path,
	strata_error *err)
{
	return load(columns, entries, n, path, err);
}

typedef struct pair {
	char *key, *entry;
} pair;

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const pair *)a)->key, ((const pair *)b)->key);
}

static int load(char ***columns, char ***entries, size_t *n, const char *path, strata_error *err)
{
	strata_buf text = STRATA_BUF_INIT;
	st_yaml_doc *doc = NULL;
	const st_yaml_node *root, *tables = NULL, *t, *c;
	pair *out = NULL;
	size_t count = 0, cap = 0, i;
	int rc;

	*columns = NULL;
	if (entries != NULL)
		*entries = NULL;
	*n = 0;
	rc = st_file_read(&text, path, (size_t)16 << 20, err);
	if (rc == 0)
		rc = st_yaml_parse(&doc, path, strata_buf_cstr(&text), text.len, err);
	if (rc != 0)
		goto done;
	root = st_yaml_root(doc);
	for (t = root != NULL && root->kind == ST_YAML_MAP ? root->child : NULL; t != NULL; t = t->next)
		if (strcmp(t->key->text, "tables") == 0)
			tables = t;
	if (tables == NULL || tables->kind != ST_YAML_MAP) {
		rc = strata_error_set(err, STRATA_EINVAL, "%s: no 'tables' map of tables to their columns",
			path);
		goto done;
	}
	for (t = tables->child; t != NULL && rc == 0; t = t->next) {
		if (t->kind != ST_YAML_MAP) {
			rc = strata_error_set(err, STRATA_EINVAL, "%s:%d: table '%s' must map its columns",
				path, t->line, t->key->text);
			break;
		}
		for (c = t->child; c != NULL; c = c->next) {
			strata_buf name = STRATA_BUF_INIT;

			if (count == cap) {
				pair *grown = st_realloc(out, (cap ? cap * 2 : 64) * sizeof(*grown));

				if (grown == NULL) {
					rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
					break;
				}
				out = grown;
				cap = cap ? cap * 2 : 64;
			}
			strata_buf_printf(&name, "%s.%s", t->key->text, c->key->text);
			out[count].key = strata_buf_detach(&name);
			out[count].entry = entries != NULL ? entry_text(c) : NULL;
			count++;
			if (out[count - 1].key == NULL || (entries != NULL && out[count - 1].entry == NULL)) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				break;
			}
		}
	}
done:
	st_yaml_free(doc);
	strata_buf_release(&text);
	if (rc == 0 && count > 0)
		qsort(out, count, sizeof(*out), cmp_pair);
	if (rc == 0) {
		*columns = st_calloc(count + 1, sizeof(char *));
		if (entries != NULL)
			*entries = st_calloc(count + 1, sizeof(char *));
		if (*columns == NULL || (entries != NULL && *entries == NULL))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < count; i++) {
		if (rc == 0) {
			(*columns)[i] = out[i].key;
			if (entries != NULL)
				(*entries)[i] = out[i].entry;
		} else {
			st_free(out[i].key);
			st_free(out[i].entry);
		}
	}
	st_free(out);
	if (rc != 0) {
		st_free(*columns);
		*columns = NULL;
		if (entries != NULL) {
			st_free(*entries);
			*entries = NULL;
		}
		return rc;
	}
	*n = count;
	return 0;
}
