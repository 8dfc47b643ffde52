/*
 * strata/sql.h: SQL scripts read with PostgreSQL's own grammar (libpg_query).
 *
 * A script (a migration file, a lint target) is split into statements with
 * exact positions, and each statement is classified: transaction control
 * (BEGIN, COMMIT, ...), statements that cannot run inside a transaction
 * block (CREATE INDEX CONCURRENTLY, VACUUM, ...), and the tables it names.
 * Valid PostgreSQL is never rejected; a syntax error is reported with its
 * position instead of statements, never as a crash.
 *
 * Positions: offsets are bytes into the script; lines and columns are
 * 1-based, columns count bytes. A statement starts at its first token
 * (leading blanks and comments excluded) and ends before its ';'; a last
 * statement without ';' ends after its last token (trailing blanks and
 * comments excluded), so that a statement's text followed by ';' is always
 * that statement.
 */
#ifndef STRATA_SQL_H
#define STRATA_SQL_H

#include <stddef.h>

#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_sql_kind {
	STRATA_SQL_OTHER = 0,        /* any other statement */
	STRATA_SQL_BEGIN,            /* BEGIN, START TRANSACTION */
	STRATA_SQL_COMMIT,           /* COMMIT, END */
	STRATA_SQL_ROLLBACK,         /* ROLLBACK, ABORT */
	STRATA_SQL_SAVEPOINT,        /* SAVEPOINT, RELEASE, ROLLBACK TO */
	STRATA_SQL_PREPARED_XACT     /* PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED */
} strata_sql_kind;

/* Statement flags. */
#define STRATA_SQL_TX_CONTROL 0x1u  /* a transaction-control statement (kind != OTHER) */
#define STRATA_SQL_NO_TX      0x2u  /* cannot run inside a transaction block */

typedef struct strata_sql_stmt {
	size_t offset;       /* of the first token */
	size_t length;       /* up to, not including, the terminating ';' (or the last token) */
	int line, column;    /* of the first token */
	int end_line;        /* line of the statement's last byte */
	strata_sql_kind kind;
	unsigned flags;
	/*
	 * The parser's name for the statement ("IndexStmt", "CreateStmt", ...) and,
	 * for NO_TX statements, a short human name of what forbids a transaction
	 * ("CREATE INDEX CONCURRENTLY", "VACUUM"). Static strings.
	 */
	const char *node;
	const char *no_tx_reason;
	/* Tables the statement names at top level (schema-qualified when written so). */
	char **tables;
	size_t ntables;
} strata_sql_stmt;

typedef struct strata_sql_script {
	strata_sql_stmt *stmts;
	size_t nstmts;
	/* A syntax error: then nstmts is 0 and these say where and why. */
	int has_error;
	char error_message[256];   /* the parser's message, e.g. syntax error at or near "SELEC" */
	size_t error_offset;
	int error_line, error_column;
} strata_sql_script;

/* What strata_sql_script_parse does beyond splitting. */
#define STRATA_SQL_CLASSIFY 0x1u   /* fill kind, flags, node and no_tx_reason */
#define STRATA_SQL_TABLES   0x2u   /* fill tables */

/*
 * Splits and (per options) classifies text (len bytes; NUL bytes are an
 * error). A syntax error is not a failure of the call: *out describes it.
 * Failures are STRATA_ENOMEM or STRATA_EINVAL (a NUL byte, text too large).
 */
STRATA_API int strata_sql_script_parse(strata_sql_script **out, const char *text, size_t len,
	unsigned options, strata_error *err);

STRATA_API void strata_sql_script_free(strata_sql_script *script);

/* Nonzero when the script holds no statement (only blanks and comments). */
STRATA_API int strata_sql_script_empty(const strata_sql_script *script);

#ifdef __cplusplus
}
#endif

#endif
