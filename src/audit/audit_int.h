/* audit_int.h: the audit ledger's internals (src/audit, and ledger.c which installs it). */
#ifndef STRATA_SRC_AUDIT_INT_H
#define STRATA_SRC_AUDIT_INT_H

#include "strata/audit.h"

#include "base/base.h"

/* The ledger's DDL in pieces ending with NULL, '@' standing for the quoted schema; idempotent. */
extern const char *const st_audit_ddl[];

/* The quoted schema (NULL: "strata") followed by ".name" into out. */
void st_audit_table(strata_buf *out, const char *schema, const char *name);

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" of microseconds since the Unix epoch (28 bytes with the NUL). */
void st_audit_time(char out[32], int64_t unix_us);

/* A hash as PostgreSQL writes a bytea in text ("\\x" and 64 hex digits): 0, else -1. */
int st_audit_hash_from_text(unsigned char out[STRATA_AUDIT_HASH_LEN], const char *text);

/* An entry's fields with their lengths (as COPY hands them over). */
typedef struct st_audit_fields {
	const char *chain, *actor, *action, *target, *payload;   /* target NULL: none */
	size_t chain_len, actor_len, action_len, target_len, payload_len;
	int64_t seq;
	int64_t recorded_at;   /* microseconds since the Unix epoch */
} st_audit_fields;

/* Appends the canonical form; *seq_at (may be NULL) gets the offset of the seq digits in out. */
int st_audit_canonical_fields(strata_buf *out, const st_audit_fields *f, size_t *seq_at, strata_error *err);

#endif
