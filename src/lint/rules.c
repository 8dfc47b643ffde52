/*
 * rules.c: the rule table. Each family file (rules_<family>.c) defines its
 * rules; here they are gathered once into one table sorted by id, so that
 * ids are looked up by binary search and listed in order. A duplicate id
 * is a bug the tests catch (strata_lint_rules lists every rule once).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"

typedef struct family {
	const lint_rule_def *rules;
	const size_t *n;
} family;

static const family families[] = {
	{ lint_rules_core, &lint_rules_core_n },
	{ lint_rules_project, &lint_rules_project_n },
	{ lint_rules_more, &lint_rules_more_n },
	{ lint_rules_schema, &lint_rules_schema_n },
	{ lint_rules_ops, &lint_rules_ops_n },
	{ lint_rules_style, &lint_rules_style_n },
	{ lint_rules_strata, &lint_rules_strata_n },
};

static lint_rule_def *table;
static size_t table_n;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_id(const void *a, const void *b)
{
	return strcmp(((const lint_rule_def *)a)->info.id, ((const lint_rule_def *)b)->info.id);
}

static void build(void)
{
	size_t total = 0, i, k = 0;

	for (i = 0; i < ST_ARRAY_LEN(families); i++)
		total += *families[i].n;
	table = st_calloc(total, sizeof(*table));
	if (table == NULL)
		return;
	for (i = 0; i < ST_ARRAY_LEN(families); i++) {
		memcpy(table + k, families[i].rules, *families[i].n * sizeof(*table));
		k += *families[i].n;
	}
	qsort(table, total, sizeof(*table), by_id);
	table_n = total;
}

const lint_rule_def *lint_rule_table(size_t *n)
{
	pthread_once(&once, build);
	*n = table_n;
	return table;
}

static int key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const lint_rule_def *)elem)->info.id);
}

const lint_rule_def *lint_rule_def_find(const char *id)
{
	size_t n;
	const lint_rule_def *t = lint_rule_table(&n);

	return t != NULL ? bsearch(id, t, n, sizeof(*t), key_cmp) : NULL;
}
