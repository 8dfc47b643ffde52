/*
 * strata/audit.h: the audit ledger, an append-only SHA-256 hash chain in
 * PostgreSQL (see docs/ledger.md for the exact canonical form).
 *
 * The ledger lives in strata's schema (strata.yaml "ledger_schema",
 * default "strata"), beside the migration history:
 *
 *   audit_chains       one row per chain; appends lock it (one writer at a
 *                      time per chain, so no two entries share a prev_hash)
 *   audit_entries      (chain, seq) with recorded_at, actor, action, target,
 *                      payload (jsonb), prev_hash and hash; UPDATE, DELETE and
 *                      TRUNCATE refused by triggers and privileges; every
 *                      INSERT statement checked to extend its chain
 *   audit_checkpoints  signed checkpoints recorded by strata audit checkpoint
 *   audit_append(chain, actor, action, target, payload)
 *                      the append any application can call from SQL
 *   audit_append_canonical(chain, actor, action, target, payload_canonical)
 *                      the same with the payload canonicalized by the caller
 *                      (libstrata): for trusted writers, like INSERT
 *
 * Each entry's hash is SHA-256(prev_hash || canonical), where canonical is
 * the RFC 8785 (JCS) form of {"action", "actor", "chain", "payload",
 * "recorded_at", "seq", "target"} in UTF-8 and prev_hash is the previous
 * entry's hash (32 zero bytes before the first entry). Migration events
 * (apply, revert, failure, baseline, repair, accept_risk) are appended to
 * the chain "strata" by a trigger, in the transaction that records them.
 */
#ifndef STRATA_AUDIT_H
#define STRATA_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "common.h"
#include "error.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_AUDIT_HASH_LEN 32
/* The chain of strata's own events (migrations). */
#define STRATA_AUDIT_STRATA_CHAIN "strata"

/* One entry, as hashed. */
typedef struct strata_audit_entry {
	const char *chain;
	int64_t seq;                 /* 1, 2, ... */
	int64_t recorded_at;         /* microseconds since 1970-01-01 UTC */
	const char *actor;
	const char *action;
	const char *target;          /* NULL: none (JSON null) */
	const char *payload;         /* JSON text; canonicalized before hashing */
	size_t payload_len;
	unsigned char prev_hash[STRATA_AUDIT_HASH_LEN];
} strata_audit_entry;

/* Appends the entry's canonical form (UTF-8 JCS text) to out. STRATA_EINVAL for a payload JCS refuses. */
STRATA_API int strata_audit_canonical(strata_buf *out, const strata_audit_entry *e, strata_error *err);
/* hash = SHA-256(prev_hash || canonical form). */
STRATA_API int strata_audit_hash(unsigned char hash[STRATA_AUDIT_HASH_LEN], const strata_audit_entry *e,
	strata_error *err);

/* Creates or upgrades strata's schema with the ledger in it (same as strata_ledger_ensure). */
STRATA_API int strata_audit_ensure(strata_conn *c, const char *schema, strata_error *err);

/*
 * Appends one entry: the payload is canonicalized here (STRATA_EINVAL for
 * JSON that RFC 8785 refuses) and sent to the SQL function
 * audit_append_canonical, which locks the chain and computes the hash in
 * the server. Outside a transaction it is one round trip that returns once
 * the entry is durable (the append commits without waiting for its WAL
 * flush, so the chain's lock is not held across an fsync, and a second,
 * synchronous transaction flushes past it); inside the caller's
 * transaction, the caller's commit decides. seq and hash may be NULL. The
 * role needs EXECUTE on audit_append_canonical.
 */
STRATA_API int strata_audit_append(strata_conn *c, const char *schema, const char *chain, const char *actor,
	const char *action, const char *target, const char *payload, int64_t *seq,
	unsigned char hash[STRATA_AUDIT_HASH_LEN], strata_error *err);

typedef struct strata_audit_record {
	const char *actor;
	const char *action;
	const char *target;          /* may be NULL */
	const char *payload;         /* JSON text; NULL means {} */
} strata_audit_record;

/*
 * Appends n entries in one transaction (or inside the caller's): locks the
 * chain, computes the hashes here and sends the entries with COPY; the
 * server checks that they extend the chain. All or nothing. *first_seq
 * (may be NULL) is the first entry's seq.
 */
STRATA_API int strata_audit_append_batch(strata_conn *c, const char *schema, const char *chain,
	const strata_audit_record *records, size_t n, int64_t *first_seq, strata_error *err);

/* What verification found. */
typedef enum strata_audit_break {
	STRATA_AUDIT_INTACT = 0,
	STRATA_AUDIT_CHANGED,        /* an entry's fields or payload differ from what was hashed */
	STRATA_AUDIT_DELETED,        /* entries are missing (a gap, or later entries renumbered) */
	STRATA_AUDIT_REORDERED,      /* an entry sits at another position than it was written at */
	STRATA_AUDIT_INSERTED,       /* an entry was inserted into the chain after the fact */
	STRATA_AUDIT_LINK_BROKEN,    /* an entry's prev_hash is not the previous entry's hash */
	STRATA_AUDIT_TRUNCATED,      /* the chain is shorter than a checkpoint says it was */
	STRATA_AUDIT_DIVERGED        /* the entry a checkpoint names has another hash */
} strata_audit_break;

/* "changed", "deleted", ... */
STRATA_API const char *strata_audit_break_name(strata_audit_break kind);

/* A signed statement of a chain's size and head: the chain must keep extending it. */
typedef struct strata_audit_checkpoint {
	char chain[256];
	int64_t size;                           /* entries 1..size */
	unsigned char head[STRATA_AUDIT_HASH_LEN];   /* hash of entry size */
	int64_t time;                           /* Unix seconds when signed */
	char key_id[17];                        /* first 8 bytes of SHA-256 of the public key, hex */
	unsigned char signature[64];            /* Ed25519 over the checkpoint's body */
	int signed_;                            /* signature holds one */
} strata_audit_checkpoint;

typedef struct strata_audit_verify_options {
	const char *schema;          /* strata's schema; NULL: "strata" */
	const char *chain;           /* NULL: "strata" */
	int64_t from;                /* first seq to verify (linked to the stored hash before it); <= 1: all */
	const strata_audit_checkpoint *checkpoint;   /* NULL: none; checked for chain, size and head */
	/*
	 * Another table holding chains in the same canonical form (NULL: the
	 * ledger's audit_entries): "schema.table", with columns seq, actor,
	 * action, target, payload (jsonb), prev_hash (NULL read as 32 zero bytes)
	 * and hash; chain_column names the chain (any type: its text form is the
	 * canonical "chain"), time_column the recorded_at (timestamptz).
	 */
	const char *table;
	const char *chain_column;    /* NULL: chain */
	const char *time_column;     /* NULL: recorded_at */
	/* Called every 65,536 entries with those done and the chain's last seq. */
	void (*progress)(int64_t done, int64_t total, void *ud);
	void *ud;
} strata_audit_verify_options;

typedef struct strata_audit_verify_result {
	int64_t entries;             /* verified and intact */
	int64_t bytes;               /* read from the server */
	double seconds;
	int64_t last_seq;            /* of the last intact entry (from - 1 when none) */
	unsigned char head[STRATA_AUDIT_HASH_LEN];   /* its hash */
	strata_audit_break kind;
	int64_t seq;                 /* the first affected entry; 0 when intact */
	char detail[512];            /* one sentence: what was found there */
} strata_audit_verify_result;

/*
 * Streams the chain with COPY (binary), recomputes every hash and link and
 * stops at the first break, classified. Returns 0 whether or not the chain
 * is intact (see r->kind); nonzero only when verification could not run
 * (no ledger, no such chain: STRATA_ENOTFOUND; database errors).
 */
STRATA_API int strata_audit_verify(strata_conn *c, const strata_audit_verify_options *o,
	strata_audit_verify_result *r, strata_error *err);

/* Writes a new Ed25519 key pair: the private key (PEM, mode 0600) and the public key (PEM). */
STRATA_API int strata_audit_keygen(const char *private_path, const char *public_path, strata_error *err);

/*
 * Fills cp for the chain's current head (size 0 for an empty chain is
 * refused), signs it with the private key file and records it in the
 * ledger's audit_checkpoints.
 */
STRATA_API int strata_audit_checkpoint_create(strata_conn *c, const char *schema, const char *chain,
	const char *private_key_path, strata_audit_checkpoint *cp, strata_error *err);
/* The checkpoint as text (see docs/ledger.md): body lines, a blank line, the signature line. */
STRATA_API int strata_audit_checkpoint_format(strata_buf *out, const strata_audit_checkpoint *cp);
/* Reads a checkpoint's text; STRATA_EINVAL naming the line. */
STRATA_API int strata_audit_checkpoint_parse(strata_audit_checkpoint *cp, const char *text, size_t len,
	strata_error *err);
/* Checks cp's signature against a public key file (PEM); STRATA_EINVAL when it does not verify. */
STRATA_API int strata_audit_checkpoint_check(const strata_audit_checkpoint *cp, const char *public_key_path,
	strata_error *err);

/* ---- message envelopes ---- */

/* A stored message whose envelope_hash is not the SHA-256 of its envelope's canonical form. */
typedef struct strata_message_mismatch {
	const char *id;              /* the id column as text */
	const char *stored;          /* the stored hash (NULL when NULL) */
	const char *computed;        /* the hash recomputed (NULL when the envelope cannot be canonicalized) */
	const char *problem;         /* why, in one sentence */
} strata_message_mismatch;

typedef struct strata_messages_options {
	const char *table;           /* schema.table; NULL: agents.messages */
	const char *id_column;       /* NULL: id */
	const char *envelope_column; /* NULL: envelope (jsonb, json or text) */
	const char *hash_column;     /* NULL: envelope_hash (lowercase hex) */
	void (*on_mismatch)(const strata_message_mismatch *m, void *ud);
	void *ud;
} strata_messages_options;

typedef struct strata_messages_result {
	int64_t messages;
	int64_t mismatches;
	int64_t bytes;
	double seconds;
} strata_messages_result;

/*
 * Streams every stored message (COPY, binary) and recomputes its
 * envelope_hash: the lowercase hex SHA-256 of the RFC 8785 form of the
 * envelope (strata_jcs_sha256). Each mismatch goes to on_mismatch. Returns
 * 0 whether or not there were mismatches (see r->mismatches).
 */
STRATA_API int strata_integrity_verify_messages(strata_conn *c, const strata_messages_options *o,
	strata_messages_result *r, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
