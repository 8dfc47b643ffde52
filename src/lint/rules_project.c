/*
 * rules_project.c: rules that follow the project's own conventions, as
 * strata.yaml's lint section sets them: the data classification every new
 * column needs an entry in, and the pattern of migration file names.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"

/* ---- classification-missing ---- */

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int classified(const lint_ctx *c, const char *table, const char *column)
{
	char key[512];

	st_snprintf(key, sizeof(key), "%s.%s", table, column);
	if (bsearch(key, c->opts->classified, c->opts->nclassified, sizeof(char *), cmp_key) != NULL)
		return 1;
	/* An unqualified table is in the public schema (the usual search_path). */
	if (strchr(table, '.') == NULL) {
		st_snprintf(key, sizeof(key), "public.%s.%s", table, column);
		return bsearch(key, c->opts->classified, c->opts->nclassified, sizeof(char *), cmp_key) != NULL;
	}
	return 0;
}

static void check_column(lint_ctx *c, const char *table, const st_tree_node *col)
{
	const char *name = st_tree_str(st_tree_get(col, "colname"));

	if (name == NULL || classified(c, table, name))
		return;
	lint_find(c, "classification-missing", lint_location(col),
		"add the column to the project's classification file: its class, whether it is personal "
		"data, and its retention",
		"column '%s.%s' has no entry in the data classification: nobody has said whether it holds "
		"personal data or how long it is kept", table, name);
}

static void classification_missing(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m, *list;
	char table[256];

	if (!c->opts->classification || rv == NULL)
		return;
	lint_rangevar(rv, table, sizeof(table));
	if (strcmp(c->type, "CreateStmt") == 0) {
		list = st_tree_get(c->body, "tableElts");
		for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next)
			if (st_tree_node_as(m, "ColumnDef") != NULL)
				check_column(c, table, st_tree_node_as(m, "ColumnDef"));
		return;
	}
	if (strcmp(c->type, "AlterTableStmt") != 0)
		return;
	list = st_tree_get(c->body, "cmds");
	for (m = list != NULL ? list->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const char *sub = st_tree_str(st_tree_get(cmd, "subtype"));

		if (sub != NULL && strcmp(sub, "AT_AddColumn") == 0 &&
			st_tree_node_as(st_tree_get(cmd, "def"), "ColumnDef") != NULL)
			check_column(c, table, st_tree_node_as(st_tree_get(cmd, "def"), "ColumnDef"));
	}
}

/* ---- migration-file-name ---- */

/* The file's name without its folder and its .up.sql / .down.sql / .sql ending. */
static void stem(const char *path, char *out, size_t size)
{
	static const char *const endings[] = { ".up.sql", ".down.sql", ".sql" };
	const char *base = strrchr(path, '/');
	size_t len, i, e;

	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	for (i = 0; i < ST_ARRAY_LEN(endings); i++) {
		e = strlen(endings[i]);
		if (len > e && strcmp(base + len - e, endings[i]) == 0) {
			len -= e;
			break;
		}
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, base, len);
	out[len] = '\0';
}

void lint_migration_file_name(lint_ctx *c)
{
	const char *pattern = c->opts->naming.migration;
	char name[256];
	regex_t re;
	int rc;

	if (pattern == NULL)
		return;
	stem(c->file->path, name, sizeof(name));
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		lint_find(c, "migration-file-name", -1, "fix the pattern in the project's configuration",
			"the migration file name pattern '%s' is not a valid POSIX extended regular expression",
			pattern);
		return;
	}
	rc = regexec(&re, name, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		lint_find(c, "migration-file-name", -1, "rename the file to match the project's pattern "
			"before it is applied anywhere (an applied migration's name is in the ledger)",
			"migration file name '%s' does not match the project's pattern %s", name, pattern);
}

const lint_rule_def lint_rules_project[] = {
	{ { "classification-missing", "project", STRATA_LINT_WARNING,
	    "a new column without an entry in the project's data classification (lint: classification)" },
	  NULL, classification_missing },
	{ { "migration-file-name", "project", STRATA_LINT_WARNING,
	    "a migration file named against the project's pattern (lint: naming: migration)" },
	  "-", NULL },
};

const size_t lint_rules_project_n = ST_ARRAY_LEN(lint_rules_project);
