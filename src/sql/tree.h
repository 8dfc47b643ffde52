/*
 * sql/tree.h: a parse tree as libpg_query writes it (JSON), read into a
 * compact tree that rules and the lock model walk.
 *
 * The reader exists for speed: a linter parses every statement of every
 * migration, and libpg_query's JSON for 20,000 statements is some 12 MB,
 * which a general-purpose JSON library decodes several times slower than
 * PostgreSQL's own parser produces it. This reader parses in place (strings
 * are unescaped inside the JSON text, which the tree then points into),
 * allocates nodes in blocks, and links members as siblings: objects in a
 * parse tree have a handful of keys, so lookups walk a short list.
 *
 * It accepts any RFC 8259 JSON text (libpg_query's output is one), nested up
 * to ST_TREE_MAX_DEPTH; anything else is an error with its byte offset.
 * Numbers keep their text; st_tree_int reads integers from it.
 */
#ifndef STRATA_SRC_SQL_TREE_H
#define STRATA_SRC_SQL_TREE_H

#include <stddef.h>

#include "strata/error.h"

#define ST_TREE_MAX_DEPTH 10000

typedef enum st_tree_type {
	ST_TREE_NULL,
	ST_TREE_FALSE,
	ST_TREE_TRUE,
	ST_TREE_NUMBER,
	ST_TREE_STRING,
	ST_TREE_ARRAY,
	ST_TREE_OBJECT
} st_tree_type;

typedef struct st_tree_node st_tree_node;
struct st_tree_node {
	st_tree_type type;
	unsigned count;           /* members of an object or array */
	const char *key;          /* the member's key in its object, else NULL */
	const char *text;         /* string (unescaped, NUL-terminated) or number text */
	size_t len;               /* bytes of text */
	st_tree_node *first;      /* first member of an object or array */
	st_tree_node *next;       /* next member of the parent */
};

typedef struct st_tree_block st_tree_block;

typedef struct st_tree {
	st_tree_node *root;
	st_tree_block *blocks;
	char *owned;              /* the JSON text, when the tree owns it */
} st_tree;

/*
 * Parses json (len bytes, NUL-terminated at json[len]) in place: the text
 * is modified and must outlive the tree. With own set, the tree frees json
 * (st_free) when released, also on failure. Errors: STRATA_EINVAL (not
 * JSON, with the offset), STRATA_ENOMEM.
 */
int st_tree_parse(st_tree *t, char *json, size_t len, int own, strata_error *err);
void st_tree_release(st_tree *t);

/* The member of obj named key, or NULL (also when obj is NULL or no object). */
const st_tree_node *st_tree_get(const st_tree_node *obj, const char *key);
/* obj's members along a path of keys ending with NULL, or NULL. */
const st_tree_node *st_tree_path(const st_tree_node *obj, ...);
/* n's text when it is a string, else NULL. */
const char *st_tree_str(const st_tree_node *n);
/* n's value when it is an integer number that fits, else dflt. */
long long st_tree_int(const st_tree_node *n, long long dflt);
/* 1 when n is true, else 0. */
int st_tree_true(const st_tree_node *n);

/*
 * libpg_query wraps every node in an object with one member named after the
 * node's type: {"AlterTableCmd": {...}}. The type's name and its body, or
 * NULL when n is not such a wrapper.
 */
const char *st_tree_node_type(const st_tree_node *n);
const st_tree_node *st_tree_node_body(const st_tree_node *n);
/* The body of n when it is a node of type name, else NULL. */
const st_tree_node *st_tree_node_as(const st_tree_node *n, const char *name);

#endif
