/*
 * sql_int.h: internals of the SQL module (src/sql only). This is the one
 * place in strata that includes pg_query.h: script.c splits a script with
 * libpg_query and locates syntax errors, classify.c parses each statement on
 * its own and reads what it needs from the parse tree.
 */
#ifndef STRATA_SRC_SQL_INT_H
#define STRATA_SRC_SQL_INT_H

#include <pg_query.h>

#include "strata/sql.h"

#include "base/base.h"

/*
 * Internal option for strata_sql_script_parse: decode every statement's parse
 * tree and classify from the tree alone, without the cheap pre-filter that
 * normally skips decoding. The results must be identical either way; the
 * tests compare the two.
 */
#define ST_SQL_DECODE_ALL 0x100u

/* A statement that libpg_query refused when parsed on its own. */
typedef struct st_sql_stmt_error {
	int failed;
	char message[512];     /* longer than the script's, which truncates it cleanly */
	int cursorpos;        /* as libpg_query reports it: 1-based characters, 0 when unknown */
} st_sql_stmt_error;

/*
 * Parses one statement (text is NUL-terminated, len bytes, starting at its
 * first token) and fills st's kind, flags, node and no_tx_reason (with
 * STRATA_SQL_CLASSIFY) and tables (with STRATA_SQL_TABLES). When libpg_query
 * rejects the text, *perr says why and st is left as it was; that is not a
 * failure of the call. Failures: STRATA_ENOMEM, STRATA_EINTERNAL. On failure
 * st holds no tables.
 */
int st_sql_classify(strata_sql_stmt *st, const char *text, size_t len, unsigned options,
	st_sql_stmt_error *perr, strata_error *err);

/* Frees what st_sql_classify allocated in st (its tables). */
void st_sql_stmt_release(strata_sql_stmt *st);

/*
 * Fills s->stmts from libpg_query's statement bounds (stmt_location and
 * stmt_len, 0 meaning "to the end"), count of them, over t (len bytes,
 * NUL-terminated, modified for a moment). script.c.
 */
int st_sql_fill_statements(strata_sql_script *s, char *t, size_t len, size_t count,
	const int *locs, const int *lens, strata_error *err);

/* For the tests: nonzero when classify.c's lookup tables are sorted for bsearch. */
int st_sql_lookup_tables_sorted(void);

#endif
