/*
 * strata/jcs.h: RFC 8785 JSON Canonicalization Scheme.
 *
 * The canonical form of a JSON text: object members sorted by their keys'
 * UTF-16 code units, no whitespace, strings with only the escapes JCS
 * requires, numbers as ECMAScript serialises them (the shortest text that
 * reads back as the same IEEE 754 double; exponents from 1e21 up and below
 * 1e-6; -0 as 0). Duplicate keys, lone surrogates, invalid UTF-8 and numbers
 * a double cannot hold are rejected with an error naming the line and
 * column. Hashing the canonical form gives every party the same hash for
 * the same data (message envelopes, the audit ledger).
 */
#ifndef STRATA_JCS_H
#define STRATA_JCS_H

#include <stddef.h>

#include "buf.h"
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the canonical form of json (len bytes) into out. STRATA_EINVAL (with where), STRATA_ENOMEM. */
STRATA_API int strata_jcs_canonicalize(strata_buf *out, const char *json, size_t len, strata_error *err);

/* The ECMAScript form of a finite double ("1e+21", "0.000001", "5e-324"); NaN and infinities: -1. */
STRATA_API int strata_jcs_number(strata_buf *out, double v);

/* Lowercase hex SHA-256 of the canonical form of json: an envelope hash. */
STRATA_API int strata_jcs_sha256(char hex[65], const char *json, size_t len, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
