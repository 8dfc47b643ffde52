/*
 * strata/catalog.h: a live database's schema as one deterministic JSON
 * document (a snapshot) and its fingerprint.
 *
 * One query per kind of object, never one per object: schemas, tables
 * (partitioned tables and partitions with their keys and bounds), columns,
 * constraints, indexes, views and materialized views, sequences, functions
 * and procedures, triggers, enum and domain types, extensions, row-level
 * security and policies, grants, comments and owners. Objects are named,
 * never numbered (no OIDs), and every list is sorted by name, so that the
 * same schema gives byte-identical snapshots on any database. The
 * fingerprint is the SHA-256 of the snapshot text.
 */
#ifndef STRATA_CATALOG_H
#define STRATA_CATALOG_H

#include <stddef.h>

#include "buf.h"
#include "common.h"
#include "error.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_snapshot_options {
	/* Only these schemas (NULL: every schema but the system ones and the excluded). */
	const char *const *schemas;
	size_t nschemas;
	/* Left out besides the system schemas: strata's ledger (NULL: "strata"). */
	const char *ledger_schema;
} strata_snapshot_options;

#define STRATA_SNAPSHOT_OPTIONS_INIT { NULL, 0, NULL }

/*
 * Writes the snapshot of the database c is connected to into out (JSON,
 * indented by two, ending with a newline) and its fingerprint (64 lowercase
 * hex characters) into fingerprint. It reads in one REPEATABLE READ, READ
 * ONLY transaction, so the kinds agree with each other. Failures:
 * STRATA_EDB and the connection's errors, STRATA_ENOMEM.
 */
STRATA_API int strata_catalog_snapshot(strata_buf *out, char fingerprint[65], strata_conn *c,
	const strata_snapshot_options *opts, strata_error *err);

/* One difference between two snapshots. */
typedef enum strata_change_kind {
	STRATA_CHANGE_ADDED,     /* in B only */
	STRATA_CHANGE_REMOVED,   /* in A only */
	STRATA_CHANGE_CHANGED    /* in both, a property differs */
} strata_change_kind;

typedef struct strata_schema_change {
	strata_change_kind kind;
	char *object;            /* "table shop.orders", "column shop.orders.total", "function shop.f(integer)" */
	char *property;          /* CHANGED: the property ("type", "definition"); else NULL */
	char *before, *after;    /* CHANGED: the values as JSON; else NULL */
} strata_schema_change;

typedef struct strata_schema_diff {
	strata_schema_change *changes;   /* sorted by object, then property */
	size_t n;
} strata_schema_diff;

/*
 * Compares snapshot a with snapshot b (the JSON strata_catalog_snapshot
 * writes): objects matched by their names (functions by name and
 * arguments), lists compared as sets, so that order never counts. A
 * document that is not a snapshot is STRATA_EINVAL naming which (label_a or
 * label_b). STRATA_ENOMEM.
 */
STRATA_API int strata_catalog_diff(strata_schema_diff **out, const char *a, const char *label_a,
	const char *b, const char *label_b, strata_error *err);
STRATA_API void strata_schema_diff_free(strata_schema_diff *diff);

typedef enum strata_render_format {
	STRATA_RENDER_MARKDOWN,   /* the data dictionary */
	STRATA_RENDER_MERMAID,    /* erDiagram */
	STRATA_RENDER_PLANTUML,   /* @startuml entities */
	STRATA_RENDER_DOT         /* Graphviz digraph with record nodes */
} strata_render_format;

typedef struct strata_render_options {
	const char *schema;                /* only this schema's tables (ERDs per schema); NULL: all */
	/* The data classification: "schema.table.column" -> its entry's text, sorted by key. */
	const char *const *classified;     /* keys */
	const char *const *classes;        /* the entries, parallel to classified */
	size_t nclassified;
	const char *title;                 /* NULL: "Data dictionary" */
} strata_render_options;

#define STRATA_RENDER_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL }

/*
 * Renders a snapshot (strata_catalog_snapshot's JSON) into out: the data
 * dictionary in Markdown (per table: columns with type, nullability,
 * default, comment and classification; constraints; indexes; foreign keys in
 * both directions; row-level security and policies) or an ERD (tables,
 * columns, foreign keys). Deterministic: the same snapshot, the same text.
 * STRATA_EINVAL when snapshot is not one; STRATA_ENOMEM.
 */
STRATA_API int strata_catalog_render(strata_buf *out, const char *snapshot, strata_render_format format,
	const strata_render_options *opts, strata_error *err);

/* A snapshot read once, to render it several times (a large schema's JSON takes a while to read). */
typedef struct strata_snapshot strata_snapshot;
STRATA_API int strata_snapshot_parse(strata_snapshot **out, const char *snapshot, strata_error *err);
STRATA_API void strata_snapshot_free(strata_snapshot *s);
STRATA_API int strata_catalog_render_parsed(strata_buf *out, const strata_snapshot *s,
	strata_render_format format, const strata_render_options *opts, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
