/*
 * sql/parsed.h: a SQL file parsed whole into statements with exact
 * positions and their parse trees, for the linter and the lock model.
 *
 * One libpg_query parse of the whole text gives every statement's tree and
 * bounds; the bounds become positions the way strata_sql_script_parse
 * makes them (first token, lines, columns). Locations inside the trees
 * ("location" members) are byte offsets into the same text. When the text
 * does not parse, script->has_error says where, as strata_sql_script_parse
 * would, and there are no trees.
 */
#ifndef STRATA_SRC_SQL_PARSED_H
#define STRATA_SRC_SQL_PARSED_H

#include "strata/sql.h"

#include "sql/tree.h"

typedef struct st_sql_parsed {
	strata_sql_script *script;        /* statements and positions, or the syntax error */
	const st_tree_node **trees;       /* per statement: its node, e.g. {"IndexStmt": {...}} */
	st_tree tree;                     /* the nodes; they point into the parse result's JSON */
	void *result;                     /* libpg_query's parse result, freed with the tree */
} st_sql_parsed;

/* Parses text (len bytes). Failures: STRATA_ENOMEM, STRATA_EINVAL (NUL byte, too large). */
int st_sql_parse(st_sql_parsed *p, const char *text, size_t len, strata_error *err);
void st_sql_parsed_release(st_sql_parsed *p);

/* 1-based line and column (bytes) of a byte offset into text. */
void st_sql_line_col(const char *text, size_t offset, int *line, int *column);

#endif
