/*
 * ledger.c: the seeds table, in the migration ledger's schema.
 *
 *   seeds   one row per seed file that ran: the checksum of the version that
 *           ran last, who ran it, when, how long it took, the rows it
 *           changed, and how many times it ran
 *
 * The table joins the ledger the way the ledger's own tables are brought up
 * to date: strata_ledger_ensure creates the schema and meta table, then an
 * idempotent DDL script, run under the ledger's creation lock, adds the
 * seeds table and records its revision in meta ("seeds_revision"), so that
 * a later strata can change the table the same way. A database without the
 * table reads as one where no seed ever ran.
 */
#include <stdlib.h>
#include <string.h>

#include "seed/seed_int.h"

/* Raised whenever the DDL below changes; every statement of it must stay idempotent. */
#define SEEDS_REVISION "1"

/* The DDL, with @ standing for the quoted schema name. */
static const char seeds_ddl[] =
	"CREATE TABLE IF NOT EXISTS @.seeds (\n"
	"  file text PRIMARY KEY,\n"
	"  checksum char(64) NOT NULL,\n"
	"  raw_checksum char(64) NOT NULL,\n"
	"  applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"  applied_by_role text NOT NULL DEFAULT current_user,\n"
	"  applied_by_os text,\n"
	"  applied_by_ci text,\n"
	"  strata_version text NOT NULL,\n"
	"  duration_ms double precision NOT NULL DEFAULT 0,\n"
	"  rows_changed bigint NOT NULL DEFAULT 0,\n"
	"  runs integer NOT NULL DEFAULT 1);\n"
	"COMMENT ON TABLE @.seeds IS 'strata: the last run of every seed file';\n"
	"INSERT INTO @.meta (key, value) VALUES ('seeds_revision', '" SEEDS_REVISION "')\n"
	"  ON CONFLICT (key) DO UPDATE SET value = greatest(@.meta.value::int, EXCLUDED.value::int)::text;\n";

int st_seed_ident(strata_buf *out, const char *schema)
{
	const char *p;

	strata_buf_putc(out, '"');
	for (p = schema; *p != '\0'; p++) {
		if (*p == '"')
			strata_buf_putc(out, '"');
		strata_buf_putc(out, *p);
	}
	strata_buf_putc(out, '"');
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

/* text with every '@' replaced by the quoted schema. */
static void with_schema(strata_buf *out, const char *text, const char *schema)
{
	for (; *text != '\0'; text++) {
		if (*text == '@')
			st_seed_ident(out, schema);
		else
			strata_buf_putc(out, *text);
	}
}

static int no_ledger(const strata_error *e)
{
	/* 42P01 undefined_table, 3F000 invalid_schema_name. */
	return strcmp(e->sqlstate, "42P01") == 0 || strcmp(e->sqlstate, "3F000") == 0;
}

int st_seed_ledger_ensure(strata_conn *c, const char *schema, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT, lockname = STRATA_BUF_INIT;
	strata_error local = STRATA_ERROR_INIT;
	char *current = NULL, key[32];
	const char *params[1];
	int rc;

	rc = strata_ledger_ensure(c, schema, err);
	if (rc != 0)
		return rc;
	/* Fast path: the table is there, at this revision or a later one (one round trip). */
	strata_buf_puts(&sql, "SELECT coalesce((SELECT value::int FROM ");
	st_seed_ident(&sql, schema);
	strata_buf_puts(&sql, ".meta WHERE key = 'seeds_revision'), 0) >= " SEEDS_REVISION);
	if (strata_buf_failed(&sql)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_query_value(&current, c, strata_buf_cstr(&sql), 0, NULL, &local);
	if (rc != 0) {
		if (err != NULL)
			*err = local;
		goto done;
	}
	if (current != NULL && current[0] == 't')
		goto done;
	/* Concurrent runners may race to create it: the ledger's creation lock serialises them. */
	strata_buf_clear(&sql);
	strata_buf_printf(&lockname, "strata/ledger/%s", schema);
	st_snprintf(key, sizeof(key), "%lld", (long long)strata_lock_key(strata_buf_cstr(&lockname)));
	params[0] = key;
	with_schema(&sql, seeds_ddl, schema);
	if (strata_buf_failed(&sql) || strata_buf_failed(&lockname)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_exec(c, "BEGIN", err);
	if (rc == 0)
		rc = strata_conn_execp(c, "SELECT pg_advisory_xact_lock($1::bigint)", 1, params, err);
	if (rc == 0)
		rc = strata_conn_exec(c, strata_buf_cstr(&sql), err);
	if (rc == 0)
		rc = strata_conn_exec(c, "COMMIT", err);
	if (rc != 0) {
		strata_error ignored = STRATA_ERROR_INIT;

		if (strata_tx_status(c) != STRATA_TX_IDLE)
			strata_conn_exec(c, "ROLLBACK", &ignored);
		strata_error_prefix(err, "cannot create the seeds table in schema '%s'", schema);
	}
done:
	strata_free(current);
	strata_buf_release(&sql);
	strata_buf_release(&lockname);
	return rc;
}

static int compare_rows(const void *a, const void *b)
{
	return strcmp(((const st_seed_row *)a)->file, ((const st_seed_row *)b)->file);
}

void st_seed_ledger_release(st_seed_ledger *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		st_free(l->rows[i].file);
	st_free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

int st_seed_ledger_read(st_seed_ledger *out, strata_conn *c, const char *schema, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_error local = STRATA_ERROR_INIT;
	strata_result *r = NULL;
	int rc, i, n;

	memset(out, 0, sizeof(*out));
	strata_buf_puts(&sql, "SELECT file, checksum FROM ");
	st_seed_ident(&sql, schema);
	strata_buf_puts(&sql, ".seeds");
	if (strata_buf_failed(&sql)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 0, NULL, &local);
	if (rc != 0) {
		if (no_ledger(&local)) {
			rc = 0;
		} else if (err != NULL) {
			*err = local;
			strata_error_prefix(err, "cannot read the seeds table in schema '%s'", schema);
		}
		goto done;
	}
	n = strata_result_nrows(r);
	out->rows = st_calloc((size_t)n + 1, sizeof(st_seed_row));
	if (out->rows == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		const char *file = strata_result_value(r, i, 0), *sum = strata_result_value(r, i, 1);

		out->rows[out->n].file = st_strdup(file != NULL ? file : "");
		if (out->rows[out->n].file == NULL) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
		st_strlcpy(out->rows[out->n].checksum, sum != NULL ? sum : "", sizeof(out->rows[0].checksum));
		out->n++;
	}
	if (out->n > 1)
		qsort(out->rows, out->n, sizeof(st_seed_row), compare_rows);
done:
	if (rc != 0)
		st_seed_ledger_release(out);
	strata_result_free(r);
	strata_buf_release(&sql);
	return rc;
}

const char *st_seed_ledger_checksum(const st_seed_ledger *l, const char *file)
{
	st_seed_row key, *hit;

	if (l->n == 0)
		return NULL;
	key.file = (char *)file;
	hit = bsearch(&key, l->rows, l->n, sizeof(st_seed_row), compare_rows);
	return hit != NULL ? hit->checksum : NULL;
}

int st_seed_ledger_write(strata_buf *out, strata_conn *c, const char *schema,
	const strata_seed_file *f, double duration_ms, long long rows, strata_error *err)
{
	const char *values[6];
	size_t i;
	int rc = 0;

	values[0] = f->name;
	values[1] = f->checksum;
	values[2] = f->raw_checksum;
	values[3] = st_actor_os_user();
	values[4] = st_actor_ci();
	values[5] = strata_version();
	strata_buf_puts(out, "INSERT INTO ");
	st_seed_ident(out, schema);
	strata_buf_puts(out, ".seeds AS s (file, checksum, raw_checksum, applied_by_os, applied_by_ci,"
		" strata_version, duration_ms, rows_changed) VALUES (");
	for (i = 0; i < ST_ARRAY_LEN(values) && rc == 0; i++) {
		if (i > 0)
			strata_buf_puts(out, ", ");
		if (values[i] == NULL)
			strata_buf_puts(out, "NULL");
		else
			rc = strata_conn_quote_literal(out, c, values[i], err);
	}
	if (rc != 0)
		return rc;
	strata_buf_printf(out, ", %.3f, %lld)\n"
		"  ON CONFLICT (file) DO UPDATE SET checksum = EXCLUDED.checksum,"
		" raw_checksum = EXCLUDED.raw_checksum, applied_at = EXCLUDED.applied_at,"
		" applied_by_role = EXCLUDED.applied_by_role, applied_by_os = EXCLUDED.applied_by_os,"
		" applied_by_ci = EXCLUDED.applied_by_ci, strata_version = EXCLUDED.strata_version,"
		" duration_ms = EXCLUDED.duration_ms, rows_changed = EXCLUDED.rows_changed,"
		" runs = s.runs + 1", duration_ms, rows);
	return strata_buf_failed(out) ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
}
