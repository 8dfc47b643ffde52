/*
 * rules_more.c: the rest of the union of squawk's and strong_migrations'
 * rules: exclusion constraints added to existing tables, NOT NULL dropped
 * from existing columns, and constraints on domains.
 */
#include <string.h>

#include "lint/lint_int.h"

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

/* The first member of the statement's list key, or NULL. */
static const st_tree_node *first(const lint_ctx *c, const char *key)
{
	const st_tree_node *list = st_tree_get(c->body, key);

	return list != NULL ? list->first : NULL;
}

static void exclusion_constraint(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m;
	char table[256];

	if (lint_is_new(c, rv))
		return;
	lint_rangevar(rv, table, sizeof(table));
	for (m = first(c, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");
		const st_tree_node *con = st_tree_node_as(st_tree_get(cmd, "def"), "Constraint");

		if (cmd == NULL || !is(st_tree_str(st_tree_get(cmd, "subtype")), "AT_AddConstraint") ||
			!is(st_tree_str(st_tree_get(con, "contype")), "CONSTR_EXCLUSION"))
			continue;
		lint_find(c, "exclusion-constraint", lint_location(con),
			"create the constraint with the table, or add it in a maintenance window: PostgreSQL "
			"has no NOT VALID and no USING INDEX for exclusion constraints",
			"ADD CONSTRAINT ... EXCLUDE on '%s' builds its index and checks every row under an ACCESS "
			"EXCLUSIVE lock: reads and writes wait for the whole build", table);
	}
}

static void drop_not_null(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation"), *m;
	char table[256];

	if (lint_is_new(c, rv))
		return;
	lint_rangevar(rv, table, sizeof(table));
	for (m = first(c, "cmds"); m != NULL; m = m->next) {
		const st_tree_node *cmd = st_tree_node_as(m, "AlterTableCmd");

		if (cmd == NULL || !is(st_tree_str(st_tree_get(cmd, "subtype")), "AT_DropNotNull"))
			continue;
		lint_find(c, "drop-not-null", lint_location(rv),
			"deploy code that handles NULL in the column first, then drop the constraint",
			"DROP NOT NULL on '%s.%s': the running application may assume the column always has a "
			"value, and the first NULL written breaks it", table,
			st_tree_str(st_tree_get(cmd, "name")) != NULL ? st_tree_str(st_tree_get(cmd, "name")) : "?");
	}
}

static void domain_constraint(lint_ctx *c)
{
	const st_tree_node *con;
	const char *name;

	if (strcmp(c->type, "AlterDomainStmt") == 0) {
		con = st_tree_node_as(st_tree_get(c->body, "def"), "Constraint");
		if (!is(st_tree_str(st_tree_get(c->body, "subtype")), "C") || con == NULL ||
			st_tree_true(st_tree_get(con, "skip_validation")))
			return;
		name = lint_last_name(st_tree_get(c->body, "typeName"));
		lint_find(c, "domain-constraint", lint_location(con),
			"ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
			"ALTER DOMAIN %s ADD CONSTRAINT checks every column of every table that uses the domain, "
			"locking each of them against writes while it scans", name != NULL ? name : "?");
		return;
	}
	if (strcmp(c->type, "CreateDomainStmt") != 0)
		return;
	for (con = first(c, "constraints"); con != NULL; con = con->next) {
		const st_tree_node *k = st_tree_node_as(con, "Constraint");

		if (!is(st_tree_str(st_tree_get(k, "contype")), "CONSTR_CHECK"))
			continue;
		name = lint_last_name(st_tree_get(c->body, "domainname"));
		lint_find(c, "domain-constraint", lint_location(k),
			"put the CHECK on the columns (ADD CONSTRAINT ... NOT VALID, then VALIDATE), where it "
			"can be changed without touching every table at once",
			"CREATE DOMAIN %s with a CHECK: changing that check later (ALTER DOMAIN) scans and locks "
			"every table that uses the domain at once", name != NULL ? name : "?");
	}
}

const lint_rule_def lint_rules_more[] = {
	{ { "exclusion-constraint", "constraints", STRATA_LINT_ERROR,
	    "an EXCLUDE constraint added to an existing table: its index is built under ACCESS EXCLUSIVE" },
	  "AlterTableStmt", exclusion_constraint },
	{ { "drop-not-null", "columns", STRATA_LINT_WARNING,
	    "DROP NOT NULL on an existing column: running code may not expect NULL" },
	  "AlterTableStmt", drop_not_null },
	{ { "domain-constraint", "constraints", STRATA_LINT_WARNING,
	    "a CHECK on a domain: adding or changing it scans every table that uses the domain" },
	  NULL, domain_constraint },
};

const size_t lint_rules_more_n = ST_ARRAY_LEN(lint_rules_more);
