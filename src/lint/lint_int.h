/*
 * lint_int.h: what the files of src/lint share.
 *
 *   lint.c       the run: files parsed, then statements in order through
 *                the rules; transaction state; the report
 *   names.c      sets of relation names (the tables this run created)
 *   catalog.c    the columns and NOT NULL checks the run knows of
 *   suppress.c   ignore comments: found, matched, unused ones reported
 *   rules.c      the rule table (every rule, sorted by id)
 *   rules_*.c    the rules, a file per family
 *   ops_locks.c  the operations family's lock table (ops_int.h)
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

/*
 * catalog.c: what the run knows of tables' columns and CHECK constraints.
 * Tables created in the run are known whole; of other tables, the columns
 * the run added or retyped. Updated after every statement (also replayed
 * ones), so that a rule sees the state before its statement.
 */
typedef struct lint_type {
	char name[128];           /* as the parser names it: "pg_catalog.varchar", "text", "public.mood" */
	int nmods;                /* integer typmods given (0..2); -1: others */
	long long mods[2];
	int array;
} lint_type;

typedef struct lint_column {
	char *name;
	lint_type type;
} lint_column;

typedef struct lint_table {
	char *name;               /* as lint_rangevar names it */
	int complete;             /* created in the run with plain columns: every column is known */
	lint_column *cols;
	size_t ncols, cap;
} lint_table;

/* A CHECK constraint that proves a column NOT NULL (one per column). */
typedef struct lint_check {
	char *table, *name, *column;
	int valid;                /* added valid, or validated since */
} lint_check;

typedef struct lint_catalog {
	lint_table *tables;
	size_t ntables, cap;
	lint_check *checks;
	size_t nchecks, checks_cap;
} lint_catalog;

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
	int applied;              /* replayed for context only (strata_lint_input.applied) */
	st_sql_parsed parsed;
	lint_ignore *ignores;
	size_t nignores;
	struct lint_bad_ignore *bad;   /* ignores that cannot be used: reported */
	size_t nbad;
	int no_transaction;       /* -- strata:no-transaction */
	int lock_timeout;         /* -- strata:lock-timeout=... */
} lint_file;

/* rules_ops.c's state across statements. */
typedef struct lint_ops_state {
	/* Of one file (reset when the next starts): */
	const lint_file *file;
	int lock_timeout_reported;        /* require-lock-timeout fired in it */
	size_t tx_start, tx_end;          /* the last transaction backfill-in-schema-migration looked at */
	int tx_known, tx_ddl;             /* ... its bounds are known; it changes the schema */
	int literals_known;               /* literals holds the file's string constants (enum rules) */
	lint_names literals;
	/* Of the run: */
	lint_names columns;               /* "table.column" added by this run to existing tables */
	lint_names types;                 /* enum types created by this run */
} lint_ops_state;

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
	                                  /* (keys: lint_constraint_key) */
	lint_catalog catalog;             /* columns and NOT NULL checks the run knows (catalog.c) */
	lint_ops_state ops;               /* rules_ops.c's */
	int replay;                       /* the file is applied already: context only, no findings */
	struct lint_strata *strata;       /* rules_strata.c's picture of the tables the run created */
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
extern const lint_rule_def lint_rules_more[];
extern const size_t lint_rules_more_n;
extern const lint_rule_def lint_rules_project[];
extern const size_t lint_rules_project_n;
extern const lint_rule_def lint_rules_core[];
extern const size_t lint_rules_core_n;
extern const lint_rule_def lint_rules_schema[];
extern const size_t lint_rules_schema_n;
extern const lint_rule_def lint_rules_ops[];
extern const size_t lint_rules_ops_n;
extern const lint_rule_def lint_rules_style[];
extern const size_t lint_rules_style_n;
extern const lint_rule_def lint_rules_strata[];
extern const size_t lint_rules_strata_n;

/*
 * rules_strata.c judges some things when a file ends (an index or a policy
 * may come after the CREATE TABLE): lint.c calls lint_strata_track after
 * every statement (replayed ones too), lint_strata_file_end after a file's
 * statements (before its ignores are reported), lint_strata_release at the
 * end of the run.
 */
void lint_strata_track(lint_ctx *c);
void lint_strata_file_end(lint_ctx *c);
void lint_strata_release(lint_ctx *c);

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

/* catalog.c */
/* Updates c->catalog and c->constraints_tx with what c's statement did. */
void lint_catalog_update(lint_ctx *c);
void lint_catalog_release(lint_catalog *cat);
/* The column of table the run knows, or NULL. */
const lint_column *lint_catalog_column(const lint_catalog *cat, const char *table, const char *column);
/* Nonzero when a valid CHECK constraint on table proves column NOT NULL. */
int lint_catalog_not_null(const lint_catalog *cat, const char *table, const char *column);
/* A TypeName body as a lint_type. */
void lint_type_of(lint_type *out, const st_tree_node *type_name);
/* t as SQL for messages: "varchar(20)", "numeric(10,2)", "public.mood[]" (into buf). */
const char *lint_type_sql(const lint_type *t, char *buf, size_t size);
/* The name of a Constraint body of table rv: its own, or the one PostgreSQL gives it. */
const char *lint_constraint_name(const st_tree_node *con, const st_tree_node *rv, char *buf, size_t size);
/* The constraints_tx key of constraint name of table (kind: "check" or "foreign key"). */
const char *lint_constraint_key(const char *table, const char *name, const char *kind, char *buf,
	size_t size);

/* rules_ops.c, ops_locks.c */
/* The first existing table the statement locks ACCESS EXCLUSIVE (its name into buf), or NULL. */
const char *lint_ops_strong_lock(const lint_ctx *c, char *buf, size_t size);
/* A SET of lock_timeout: 1 sets one, 0 turns it off (0, RESET, DEFAULT); -1: another statement. */
int lint_ops_lock_timeout(const lint_ctx *c);
/* Updates c->ops with what c's statement created (columns, enum types). */
void lint_ops_after(lint_ctx *c);
void lint_ops_release(lint_ops_state *s);

/* rules_project.c: the file's name against the project's pattern, once per file. */
void lint_migration_file_name(lint_ctx *c);

/* explain.c: the statement's locks into the report (options.explain) */
void lint_explain(lint_ctx *c);
void lint_explained_free(strata_lint_report *r);

/* suppress.c */
int lint_ignores_find(lint_file *f, strata_error *err);
/* Nonzero (and marks it used) when rule is ignored for statement index of f. */
int lint_ignored(lint_file *f, const char *rule, size_t index);
/* Reports bad and unused ignores of f. */
void lint_ignores_report(lint_ctx *c);
void lint_ignores_release(lint_file *f);

#endif
