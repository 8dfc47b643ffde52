/*
 * strata/json.h: a small streaming JSON writer on top of strata_buf.
 *
 * It produces compact or indented JSON with keys in the order written, which
 * keeps command output deterministic. Strings are escaped per RFC 8259;
 * invalid UTF-8 is replaced by U+FFFD so that output is always valid JSON.
 * The writer tracks nesting and commas; misuse (a value where a key is due, a
 * close without an open) puts the underlying buffer into its failed state.
 * Parsing is not done here (see the jcs module for canonical JSON).
 */
#ifndef STRATA_JSON_H
#define STRATA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_JSON_MAX_DEPTH 64

typedef struct strata_json {
	strata_buf *out;
	int indent;                           /* spaces per level; 0 for compact */
	int depth;
	unsigned char kind[STRATA_JSON_MAX_DEPTH];   /* 'o' object, 'a' array */
	unsigned char count[STRATA_JSON_MAX_DEPTH];  /* 0 before the first member */
	int want_value;                       /* a key was written, its value is due */
	int top_done;                         /* the top-level value has been started */
} strata_json;

/* Starts writing into out (not owned). indent 0 gives compact output. */
STRATA_API void strata_json_init(strata_json *w, strata_buf *out, int indent);

STRATA_API void strata_json_object_begin(strata_json *w);
STRATA_API void strata_json_object_end(strata_json *w);
STRATA_API void strata_json_array_begin(strata_json *w);
STRATA_API void strata_json_array_end(strata_json *w);
STRATA_API void strata_json_key(strata_json *w, const char *key);

STRATA_API void strata_json_string(strata_json *w, const char *s);      /* NULL writes null */
STRATA_API void strata_json_string_len(strata_json *w, const char *s, size_t len);
STRATA_API void strata_json_int(strata_json *w, int64_t v);
STRATA_API void strata_json_uint(strata_json *w, uint64_t v);
STRATA_API void strata_json_double(strata_json *w, double v);           /* non-finite writes null */
STRATA_API void strata_json_bool(strata_json *w, int v);
STRATA_API void strata_json_null(strata_json *w);
/* A value already in JSON, written as is (from PostgreSQL's json output, say); NULL writes null. */
STRATA_API void strata_json_raw(strata_json *w, const char *json);

/* Appends s as a quoted, escaped JSON string to b (no writer state). */
STRATA_API int strata_json_quote(strata_buf *b, const char *s, size_t len);

/* Nonzero when the document is complete: one top-level value, every container closed. */
STRATA_API int strata_json_done(const strata_json *w);

#ifdef __cplusplus
}
#endif

#endif
