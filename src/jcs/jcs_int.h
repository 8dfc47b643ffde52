/* jcs_int.h: the canonical JSON writer's internals (src/jcs and its callers in libstrata). */
#ifndef STRATA_SRC_JCS_INT_H
#define STRATA_SRC_JCS_INT_H

#include <stddef.h>

#include "strata/buf.h"
#include "strata/error.h"

/*
 * Appends the canonical form of json to out in one pass (fast.c): 0 done,
 * -1 not sure (nothing appended; the strict reader must decide), -2 out of
 * memory.
 */
int st_jcs_fast(strata_buf *out, const char *json, size_t len);

/* Appends the canonical form of json to out: the fast writer, else the strict reader. */
int st_jcs_append(strata_buf *out, const char *json, size_t len, strata_error *err);

/* The strict reader alone (jansson), replacing out's content; for tests of the fast writer. */
int st_jcs_strict(strata_buf *out, const char *json, size_t len, strata_error *err);

/* Appends s (len bytes of valid UTF-8) as a JCS string, quotes included. */
void st_jcs_string(strata_buf *out, const char *s, size_t len);

#endif
