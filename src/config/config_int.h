/*
 * config_int.h: internals of the configuration module (src/config only, plus
 * its tests and fuzz target). This is the only place in strata that includes
 * yaml.h: yaml.c turns libyaml's events into a small tree, and project.c and
 * fleet.c read that tree through the typed accessors below, which word every
 * error as "<file>:<line>:<column>: <problem>".
 */
#ifndef STRATA_SRC_CONFIG_INT_H
#define STRATA_SRC_CONFIG_INT_H

#include <yaml.h>

#include "strata/config.h"

#include "base/base.h"

/* strata.yaml and fleet files larger than this are refused. */
#define ST_CONFIG_MAX_BYTES ((size_t)4 << 20)

/* Deeper nesting than any strata file needs is refused. */
#define ST_YAML_MAX_DEPTH 64

/* ---- yaml.c: the tree ---- */

typedef enum st_yaml_kind {
	ST_YAML_SCALAR = 1,
	ST_YAML_MAP,
	ST_YAML_SEQ
} st_yaml_kind;

/*
 * One node. A map's children are its values, each pointing at its key (a
 * scalar); a sequence's children are its items. Everything lives in the
 * document's arena and goes away with st_yaml_free.
 */
typedef struct st_yaml_node st_yaml_node;
struct st_yaml_node {
	st_yaml_kind kind;
	int line;                  /* 1-based, where the node starts */
	int column;                /* 1-based, in characters */
	int plain;                 /* a scalar written without quotes or | > */
	const char *text;          /* a scalar's value, NUL-terminated, never holding a NUL */
	size_t len;
	const st_yaml_node *key;   /* a map value's key; NULL elsewhere */
	st_yaml_node *child;       /* first item or value */
	st_yaml_node *last;
	st_yaml_node *next;        /* next sibling */
	st_yaml_node *parent;
	st_yaml_node *pending;     /* while building a map: a key waiting for its value */
	size_t count;              /* children */
};

/* A parsed file: the root node and the arena holding every node and string. */
typedef struct st_yaml_doc st_yaml_doc;

/*
 * Parses text (len bytes, NUL bytes and all) as one YAML document. file is
 * how messages name it. Refuses what strata's files never need: anchors and
 * aliases, tags, more than one document, duplicate keys, keys that are not
 * scalars, nesting deeper than ST_YAML_MAX_DEPTH, NUL characters. Errors are
 * STRATA_EINVAL "<file>:<line>:<column>: <problem>", or STRATA_ENOMEM.
 */
int st_yaml_parse(st_yaml_doc **out, const char *file, const char *text, size_t len,
	strata_error *err);
/* The root node; NULL when the file holds no document or only a null. */
const st_yaml_node *st_yaml_root(const st_yaml_doc *doc);
void st_yaml_free(st_yaml_doc *doc);

/* Nonzero for a plain "", "~", "null", "Null" or "NULL" scalar (an empty value). */
int st_yaml_is_null(const st_yaml_node *n);

/* ---- yaml.c: typed accessors shared by project.c and fleet.c ---- */

/* Where messages come from: the file as messages name it, and the error to fill. */
typedef struct st_config_ctx {
	const char *file;
	strata_error *err;
} st_config_ctx;

/*
 * Sets STRATA_EINVAL "<file>:<line>:<column>: <message>" at node at (1:1
 * when NULL) and returns STRATA_EINVAL. User text in the message must come
 * through st_config_quote.
 */
int st_config_fail(const st_config_ctx *ctx, const st_yaml_node *at, const char *fmt, ...)
	STRATA_PRINTF(3, 4);
int st_config_fail_at(const st_config_ctx *ctx, int line, int column, const char *fmt, ...)
	STRATA_PRINTF(4, 5);

/*
 * User text made fit for a message, into out (outsz bytes): passwords masked
 * (strata_conninfo_mask), control characters escaped, long text cut with
 * "...". Never allocates through the caller; when masking cannot allocate it
 * gives "(hidden)" rather than the raw text. Returns out.
 */
#define ST_CONFIG_QUOTE_MAX 96
const char *st_config_quote(char *out, size_t outsz, const char *text);

/*
 * Nonzero when strata_conninfo_mask can be trusted with text: at most one
 * "://", and no blanks beside one (several URLs run together could hide a
 * password where the masker does not look).
 */
int st_config_can_mask(const char *text);

/* The known word closest to word when one is close enough to suggest, else NULL. */
const char *st_config_suggest(const char *word, const char *const *known, size_t nknown);

/*
 * An unknown key: "unknown key '<key>'<where>; did you mean '<k>'?", with the
 * known keys in the hint when none is close. where is "" or " in ...".
 */
int st_config_unknown_key(const st_config_ctx *ctx, const st_yaml_node *value,
	const char *where, const char *const *known, size_t nknown);

/* Nonzero when v is a map or an empty value (which reads as an empty map); else an error. */
int st_config_expect_map(const st_config_ctx *ctx, const st_yaml_node *v, const char *what);

/*
 * Scalars. Each fails (STRATA_EINVAL) on an empty value, a map or a list;
 * expected says what was wanted instead ("a string").
 */
int st_config_expect_value(const st_config_ctx *ctx, const st_yaml_node *v, const char *expected);
int st_config_string(char **out, const st_config_ctx *ctx, const st_yaml_node *v);
int st_config_bool(int *out, const st_config_ctx *ctx, const st_yaml_node *v);
int st_config_int(int *out, const st_config_ctx *ctx, const st_yaml_node *v, int min, int max);
int st_config_duration(int64_t *out, const st_config_ctx *ctx, const st_yaml_node *v);
/* One of names[i]; *out = values[i]. what names the kind ("layout") for the message. */
int st_config_enum(int *out, const st_config_ctx *ctx, const st_yaml_node *v, const char *what,
	const char *const *names, const int *values, size_t n);

/* ---- project.c ---- */

/*
 * Parses strata.yaml text for the project at root (absolute, normalised, not
 * checked on disk). file names it in messages. *out is NULL on failure.
 */
int st_project_config_parse(strata_project_config **out, const char *root, const char *file,
	const char *text, size_t len, strata_error *err);

/* ---- fleet.c ---- */

/* Parses a fleet file's text; path is config->file and names it in messages. */
int st_fleet_config_parse(strata_fleet_config **out, const char *path, const char *text,
	size_t len, strata_error *err);

#endif
