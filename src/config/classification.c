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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strata_classification_free(char **columns, size_t n)
{
	size_t i;

	for (i = 0; columns != NULL && i < n; i++)
		st_free(columns[i]);
	st_free(columns);
}

int strata_classification_load(char ***columns, size_t *n, const char *path, strata_error *err)
{
	strata_buf text = STRATA_BUF_INIT;
	st_yaml_doc *doc = NULL;
	const st_yaml_node *root, *tables = NULL, *t, *c;
	char **out = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*columns = NULL;
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
				char **grown = st_realloc(out, (cap ? cap * 2 : 64) * sizeof(*grown));

				if (grown == NULL) {
					rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
					break;
				}
				out = grown;
				cap = cap ? cap * 2 : 64;
			}
			strata_buf_printf(&name, "%s.%s", t->key->text, c->key->text);
			if ((out[count] = strata_buf_detach(&name)) == NULL) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				break;
			}
			count++;
		}
	}
done:
	st_yaml_free(doc);
	strata_buf_release(&text);
	if (rc != 0) {
		strata_classification_free(out, count);
		return rc;
	}
	if (count > 0)
		qsort(out, count, sizeof(*out), cmp_str);
	*columns = out;
	*n = count;
	return 0;
}
