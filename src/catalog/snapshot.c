/*
 * snapshot.c: strata_catalog_snapshot (see strata/catalog.h).
 *
 * The server builds the document: one subquery per kind of object
 * (snapshot_sql.h) in one statement, read in one REPEATABLE READ, READ ONLY
 * transaction. jsonb gives every object its keys in one fixed order and the
 * lists are sorted by name, so the text is the same for the same schema on
 * any database, any day. The fingerprint is the SHA-256 of that text.
 */
#include <string.h>

#include "strata/catalog.h"

#include "base/base.h"
#include "catalog/snapshot_sql.h"
#include "crypto/crypto.h"

/* The schemas as a text[] literal: {"a","b"} with " and \ escaped. */
static void array_literal(strata_buf *b, const char *const *items, size_t n)
{
	size_t i;
	const char *p;

	strata_buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		strata_buf_puts(b, i ? ",\"" : "\"");
		for (p = items[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strata_buf_putc(b, '\\');
			strata_buf_putc(b, *p);
		}
		strata_buf_putc(b, '"');
	}
	strata_buf_putc(b, '}');
}

int strata_catalog_snapshot(strata_buf *out, char fingerprint[65], strata_conn *c,
	const strata_snapshot_options *opts, strata_error *err)
{
	static const strata_snapshot_options none = STRATA_SNAPSHOT_OPTIONS_INIT;
	strata_tx_options tx = STRATA_TX_OPTIONS_INIT;
	strata_buf schemas = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	const char *params[2];
	size_t i;
	char *doc = NULL;
	int rc;

	if (opts == NULL)
		opts = &none;
	params[0] = opts->ledger_schema != NULL ? opts->ledger_schema : "strata";
	params[1] = NULL;
	if (opts->nschemas > 0) {
		array_literal(&schemas, opts->schemas, opts->nschemas);
		if (strata_buf_failed(&schemas)) {
			strata_buf_release(&schemas);
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
		params[1] = strata_buf_cstr(&schemas);
	}
	for (i = 0; i < ST_ARRAY_LEN(st_snapshot_sql); i++)
		strata_buf_puts(&sql, st_snapshot_sql[i]);
	if (strata_buf_failed(&sql)) {
		strata_buf_release(&schemas);
		strata_buf_release(&sql);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	tx.isolation = STRATA_ISOLATION_REPEATABLE_READ;
	tx.read_only = 1;
	rc = strata_tx_begin(c, &tx, err);
	/*
	 * Once the catalog is analyzed, the statement's estimated cost passes the
	 * JIT thresholds, and compiling it costs more than running it (5,000
	 * tables: 3.0 s with JIT, 1.4 s without).
	 */
	if (rc == 0)
		rc = strata_conn_exec(c, "SET LOCAL jit = off", err);
	if (rc == 0)
		rc = strata_conn_query_value(&doc, c, strata_buf_cstr(&sql), 2, params, err);
	if (rc == 0)
		rc = strata_tx_commit(c, err);
	else if (strata_tx_status(c) != STRATA_TX_IDLE) {
		strata_error ignored = STRATA_ERROR_INIT;

		strata_tx_rollback(c, &ignored);
	}
	strata_buf_release(&schemas);
	strata_buf_release(&sql);
	if (rc == 0 && doc == NULL)
		rc = strata_error_set(err, STRATA_EINTERNAL, "the snapshot query returned no document");
	if (rc == 0) {
		strata_buf_clear(out);
		strata_buf_puts(out, doc);
		strata_buf_putc(out, '\n');
		if (strata_buf_failed(out))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		else
			st_sha256_hex(fingerprint, out->ptr, out->len);
	}
	st_free(doc);
	if (rc != 0)
		strata_error_prefix(err, "cannot take a snapshot of the schema");
	return rc;
}
