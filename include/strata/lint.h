/*
 * strata/lint.h: migration safety lint with PostgreSQL's own parser.
 *
 * Files are linted in the order given, as a migration runner would apply
 * them: tables created by an earlier file (or earlier in the same file) are
 * new, and operations on new tables are not flagged. Each statement is
 * parsed by libpg_query; a syntax error is itself a finding, at its
 * position. Findings carry the rule id, severity, position, a message that
 * says what happens on a busy database, and the safe rewrite.
 *
 * Suppressions are comments: `-- strata:lint-ignore <rule>[,<rule>...]
 * <reason>` on the line before a statement or on its lines, and
 * `-- strata:lint-ignore-file <rule>[,...] <reason>` anywhere in a file for
 * the whole file. The reason is required; unknown rule ids and ignores that
 * suppress nothing are findings themselves.
 */
#ifndef STRATA_LINT_H
#define STRATA_LINT_H

#include <stddef.h>

#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_lint_severity {
	STRATA_LINT_OFF = 0,
	STRATA_LINT_WARNING,
	STRATA_LINT_ERROR
} strata_lint_severity;

/* "error", "warning", "off". */
STRATA_API const char *strata_lint_severity_name(strata_lint_severity s);

typedef struct strata_lint_rule {
	const char *id;                   /* e.g. "require-concurrent-index" */
	const char *family;               /* "locking", "rewrite", "transactions", "naming", ... */
	strata_lint_severity severity;    /* by default */
	const char *summary;              /* one line */
} strata_lint_rule;

/* Every rule, sorted by id. */
STRATA_API const strata_lint_rule *strata_lint_rules(size_t *n);
/* The rule with id, or NULL. */
STRATA_API const strata_lint_rule *strata_lint_rule_find(const char *id);

typedef struct strata_lint_finding {
	const char *rule;                 /* static: a rule's id */
	strata_lint_severity severity;
	const char *file;                 /* the path as given (owned by the report) */
	int line, column;                 /* 1-based; column counts bytes */
	int end_line;                     /* last line of the statement */
	char *message;                    /* what is wrong and what it does to a live database */
	char *help;                       /* the safe way, or NULL */
	char *source;                     /* the source line of (line), without newline */
	char fingerprint[17];             /* stable across edits elsewhere in the file (hex) */
} strata_lint_finding;

/* The default naming pattern of new tables, columns, indexes and constraints: snake_case. */
#define STRATA_LINT_NAME_PATTERN "^[a-z_][a-z0-9_]*$"
/* The default tenant column of strata's tenancy rules. */
#define STRATA_LINT_TENANT_COLUMN "tenant_id"

/*
 * Naming patterns (POSIX extended regular expressions, anchor them) that
 * the names a migration creates must match; NULL: STRATA_LINT_NAME_PATTERN.
 */
typedef struct strata_lint_naming {
	const char *table, *column, *index, *constraint;
	const char *migration;            /* a migration file's name without .up.sql/.sql; NULL: not checked */
} strata_lint_naming;

/* 0 when pattern (NULL: the default) is a valid naming pattern, else STRATA_EINVAL saying why. */
STRATA_API int strata_lint_name_pattern_check(const char *pattern, strata_error *err);

/* A rule's severity for the files matching paths (fnmatch globs; none: every file). */
typedef struct strata_lint_setting {
	const char *rule;
	strata_lint_severity severity;
	const char *const *paths;
	size_t npaths;
} strata_lint_setting;

typedef struct strata_lint_options {
	int pg_version;                   /* target server, e.g. 150000; 0: 150000 */
	int assume_in_transaction;        /* each file runs in one transaction (strata's runner does
	                                     unless the file manages its own or cannot) */
	/* Per-rule severity overrides: ids[i] gets severities[i]; OFF turns a rule off. */
	const char *const *rule_ids;
	const strata_lint_severity *rule_severities;
	size_t nrules;
	strata_lint_naming naming;        /* naming-convention's patterns */
	const char *tenant_column;        /* the tenancy rules' column; NULL: STRATA_LINT_TENANT_COLUMN */
	int runner_lock_timeout;          /* the runner sets a lock_timeout for every file (strata's
	                                     does: 5s unless configured off), so require-lock-timeout
	                                     has nothing to report */
	int explain;                      /* also fill the report's explained statements (lock model) */
	int separate;                     /* each input is a run of its own: tables one creates are not
	                                     new for the next (files applied at different times) */
	/* The project's settings (strata.yaml lint: rules), the last match wins; rule_ids win over them. */
	const strata_lint_setting *settings;
	size_t nsettings;
	/* Fingerprints of accepted findings (a baseline), sorted with strcmp: not reported. */
	const char *const *baseline;
	size_t nbaseline;
	/*
	 * The data classification's columns, "schema.table.column", sorted with
	 * strcmp; with classification set, a new column without an entry is a
	 * finding (classification-missing).
	 */
	int classification;
	const char *const *classified;
	size_t nclassified;
} strata_lint_options;

#define STRATA_LINT_OPTIONS_INIT { 0, 1, NULL, NULL, 0, { NULL, NULL, NULL, NULL, NULL }, NULL, 0, \
	0, 0, NULL, 0, NULL, 0, 0, NULL, 0 }

/* What a lock blocks while it is held (from PostgreSQL's lock conflict table). */
#define STRATA_LINT_BLOCKS_READS 0x1          /* SELECT */
#define STRATA_LINT_BLOCKS_WRITES 0x2         /* INSERT, UPDATE, DELETE */
#define STRATA_LINT_BLOCKS_LOCKING_READS 0x4  /* SELECT FOR UPDATE / SHARE */
#define STRATA_LINT_BLOCKS_VACUUM 0x8         /* VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY */
#define STRATA_LINT_BLOCKS_INDEX_BUILDS 0x10  /* CREATE INDEX */
#define STRATA_LINT_BLOCKS_DDL 0x20           /* ALTER TABLE and other ACCESS EXCLUSIVE work */

/* One lock a statement (or an ALTER TABLE subcommand) takes: the lock model's answer. */
typedef struct strata_lint_lock {
	const char *action;               /* static: "ALTER TABLE ADD COLUMN", "CREATE INDEX", ... */
	char *relation;                   /* as written; NULL when none */
	const char *level;                /* static: "ACCESS EXCLUSIVE", ..., "NONE" */
	int relation_is_index;
	const char *table_level;          /* for an index: the lock on its table; else level */
	int rewrites, scans, concurrently;
	unsigned blocks;                  /* STRATA_LINT_BLOCKS_*, of the lock on the table */
	int line, column;                 /* of the construct, or of the statement */
	const char *note;                 /* static, or NULL */
} strata_lint_lock;

typedef struct strata_lint_statement {
	const char *file;
	int line, column, end_line;
	char *text;                       /* the statement on one line, cut at 200 bytes */
	int in_transaction;               /* runs inside a transaction block */
	strata_lint_lock *locks;
	size_t nlocks;
} strata_lint_statement;

typedef struct strata_lint_report {
	strata_lint_finding *findings;    /* by file (in the order given), then line */
	size_t nfindings;
	size_t errors, warnings;
	size_t files, statements;
	size_t suppressed;                /* findings an ignore comment removed */
	size_t baselined;                 /* findings the baseline accepts */
	strata_lint_statement *explained; /* with options.explain: every statement linted, in order */
	size_t nexplained;
	char **paths;                     /* internal: the files' paths */
} strata_lint_report;

/* One file to lint: its path, and its text when already read. */
typedef struct strata_lint_input {
	const char *path;                 /* as findings name it */
	const char *file;                 /* where to read it when text is NULL; NULL: path */
	const char *text;                 /* NULL: read the file */
	size_t len;
	int first_line;                   /* line of text[0] in the file (a section of it); 0 or 1: the start */
	int no_transaction;               /* the runner runs this file statement by statement */
	int applied;                      /* already applied to the database: replayed for context only
	                                     (its tables exist: they are not new), never reported */
} strata_lint_input;

/*
 * Lints the inputs in order, as one run (tables created by one input are
 * new for the inputs after it). An unreadable file is a failure (STRATA_EIO,
 * naming it) and nothing is reported. STRATA_ENOMEM.
 */
STRATA_API int strata_lint_run(strata_lint_report **out, const strata_lint_input *inputs, size_t n,
	const strata_lint_options *opts, strata_error *err);

/* strata_lint_run on files read from paths. */
STRATA_API int strata_lint_files(strata_lint_report **out, const char *const *paths, size_t n,
	const strata_lint_options *opts, strata_error *err);

/* strata_lint_run on one text, named name (for tests and stdin). */
STRATA_API int strata_lint_text(strata_lint_report **out, const char *name, const char *text,
	size_t len, const strata_lint_options *opts, strata_error *err);

STRATA_API void strata_lint_report_free(strata_lint_report *r);

#ifdef __cplusplus
}
#endif

#endif
