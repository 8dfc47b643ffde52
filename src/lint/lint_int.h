/*
 * lint_int.h: what the files of src/lint share.
 *
 *   lint.c       the run: files parsed, then statements in order through
 *                the rules; transaction state; the report
 *   names.c      sets of relation names (the tables this run created)
 *   suppress.c   ignore comments: found, matched, unused ones reported
 *   rules.c      the rule table (every rule, sorted by id)
 *   rules_*.c    the rules, a file per family
 *
 * A rule is a function called for every statement whose node type it names
 * (or every statement): it reads the tree (sql/tree.h) and calls lint_find.
 */
#ifndef STRATA_SRC_LINT_INT_H
#define STRATA_SRC_LINT_INT_H

#include "strata/lint.h"

#include "base/base.h"
#include "sql/parsed.h"

/* A set of names (lower-cased as the parser gives them). */
typedef struct lint_names {
	char **slots;
	size_t cap, n;
} lint_names;

int lint_names_add(lint_names *s, const char *name);
int lint_names_has(const lint_names *s, const char *name);
void lint_names_release(lint_names *s);

/* An ignore comment of a file. */
typedef struct lint_ignore {
	size_t offset;            /* of the comment's "--" */
	int line;                 /* of the comment */
	int file_wide;            /* strata:lint-ignore-file */
	char **rules;
	size_t nrules;
	int *used;                /* per rule */
	size_t stmt;              /* the statement it applies to (not file_wide); SIZE_MAX: none */
} lint_ignore;

typedef struct lint_file {
	const char *path;
	const char *text;
	size_t len;
	int first_line;           /* line of text[0] in the file */
	st_sql_parsed parsed;
	lint_ignore *ignores;
	size_t nignores;
	struct lint_bad_ignore *bad;   /* ignores that cannot be used: reported */
	size_t nbad;
	int no_transaction;       /* -- strata:no-transaction */
	int lock_timeout;         /* -- strata:lock-timeout=... */
} lint_file;

typedef struct lint_ctx {
	const strata_lint_options *opts;
	strata_lint_report *rep;
	lint_file *file;
	size_t index;                     /* of the statement in the file */
	const strata_sql_stmt *stmt;
	const st_tree_node *node;         /* the statement's node, {"Type": {...}} */
	const char *type;                 /* its type, e.g. "AlterTableStmt" */
	const st_tree_node *body;         /* its body */
	/* Transaction state, as the runner would run the file. */
	int in_tx;                        /* this statement runs inside a transaction block */
	int explicit_tx;                  /* a BEGIN of the file opened it */
	int strong_lock;                  /* the transaction holds ACCESS EXCLUSIVE on an existing table */
	char strong_lock_on[128];         /* that table */
	int lock_timeout;                 /* lock_timeout is set for this statement */
	lint_names created;               /* relations created by this run so far */
	lint_names created_tx;            /* ... in the current transaction */
	lint_names constraints_tx;        /* constraints added NOT VALID in the current transaction */
	int failed;                       /* out of memory: the run fails */
	strata_error *err;
} lint_ctx;

typedef void (*lint_rule_fn)(lint_ctx *c);

typedef struct lint_rule_def {
	strata_lint_rule info;
	const char *node;                 /* the node type it looks at; NULL: every statement */
	lint_rule_fn fn;
} lint_rule_def;

/*
 * rules.c: every family's rules in one table sorted by id, built once.
 * A family is a file rules_<family>.c that defines its array and count.
 */
extern const lint_rule_def lint_rules_core[];
extern const size_t lint_rules_core_n;

const lint_rule_def *lint_rule_table(size_t *n);
const lint_rule_def *lint_rule_def_find(const char *id);

/*
 * Reports a finding of rule at location (a byte offset into the file's
 * text, or -1 for the statement's start). help may be NULL.
 */
void lint_find(lint_ctx *c, const char *rule, int location, const char *help, const char *fmt, ...)
	STRATA_PRINTF(5, 6);

/* A RangeVar body's name: "schema.rel" or "rel" (into buf). */
const char *lint_rangevar(const st_tree_node *rv, char *buf, size_t size);
/* Nonzero when the RangeVar names a relation this run created. */
int lint_is_new(const lint_ctx *c, const st_tree_node *rv);
/* A node's "location" member, or -1. */
int lint_location(const st_tree_node *body);
/* The last element of a list of String nodes ("names", "funcname"), or NULL. */
const char *lint_last_name(const st_tree_node *list);

/* suppress.c */
int lint_ignores_find(lint_file *f, strata_error *err);
/* Nonzero (and marks it used) when rule is ignored for statement index of f. */
int lint_ignored(lint_file *f, const char *rule, size_t index);
/* Reports bad and unused ignores of f. */
void lint_ignores_report(lint_ctx *c);
void lint_ignores_release(lint_file *f);

#endif
