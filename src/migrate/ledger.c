/*
 * ledger.c: what a database has applied, in strata's own schema.
 *
 *   history   one row per applied migration per track
 *   events    append-only: apply, revert, failure, baseline, repair;
 *             UPDATE, DELETE and TRUNCATE are refused by a trigger
 *   progress  statements done by a statement-by-statement migration that
 *             has not finished (removed when it does)
 *   meta      the ledger's own format version
 *   row_counts(text[])  rows of the tables a migration changes, counted
 *             before and after it (an estimate for tables over 64 MiB)
 *
 * Reading is one query (history and progress together), so that planning
 * stays fast however long the history grows. A database without the
 * tables reads as an empty ledger: read-only commands never create them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrate/migrate_int.h"

#define LEDGER_FORMAT "1"
/*
 * Raised whenever the DDL below changes: a ledger of a lower revision is
 * brought up to date (every statement is idempotent), one of a higher
 * revision, written by a newer strata, is left alone.
 */
#define LEDGER_REVISION "3"

int st_ledger_ident(strata_buf *out, const char *schema)
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

/* The DDL, with @ standing for the quoted schema name. */
static const char ledger_ddl[] =
	"CREATE SCHEMA IF NOT EXISTS @;\n"
	"COMMENT ON SCHEMA @ IS 'strata: migration history, events and progress';\n"
	"CREATE TABLE IF NOT EXISTS @.meta (\n"
	"  key text PRIMARY KEY,\n"
	"  value text NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS @.history (\n"
	"  track text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  checksum char(64) NOT NULL,\n"
	"  raw_checksum char(64) NOT NULL,\n"
	"  down_checksum char(64),\n"
	"  applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"  applied_by_role text NOT NULL DEFAULT current_user,\n"
	"  applied_by_os text,\n"
	"  applied_by_ci text,\n"
	"  strata_version text NOT NULL,\n"
	"  duration_ms double precision NOT NULL DEFAULT 0,\n"
	"  lock_wait_ms double precision NOT NULL DEFAULT 0,\n"
	"  execution text NOT NULL CHECK (execution IN ('transaction', 'statements', 'baseline')),\n"
	"  row_counts jsonb,\n"
	"  requires text[],\n"
	"  PRIMARY KEY (track, version));\n"
	"COMMENT ON TABLE @.history IS 'strata: one row per applied migration per track';\n"
	"CREATE TABLE IF NOT EXISTS @.events (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"  track text NOT NULL,\n"
	"  version text,\n"
	"  name text,\n"
	"  kind text NOT NULL CHECK (kind IN ('apply', 'revert', 'failure', 'baseline', 'repair', 'accept_risk')),\n"
	"  direction text CHECK (direction IN ('up', 'down')),\n"
	"  actor_role text NOT NULL DEFAULT current_user,\n"
	"  actor_os text,\n"
	"  actor_ci text,\n"
	"  strata_version text NOT NULL,\n"
	"  duration_ms double precision,\n"
	"  sqlstate text,\n"
	"  message text,\n"
	"  statement_index integer,\n"
	"  detail jsonb);\n"
	"COMMENT ON TABLE @.events IS 'strata: append-only log of every apply, revert, failure, baseline and repair';\n"
	"CREATE TABLE IF NOT EXISTS @.progress (\n"
	"  track text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  direction text NOT NULL CHECK (direction IN ('up', 'down')),\n"
	"  checksum char(64) NOT NULL,\n"
	"  statements_done integer NOT NULL DEFAULT 0,\n"
	"  started_at timestamptz NOT NULL DEFAULT now(),\n"
	"  updated_at timestamptz NOT NULL DEFAULT now(),\n"
	"  rows_before jsonb,\n"
	"  PRIMARY KEY (track, version));\n"
	"COMMENT ON TABLE @.progress IS 'strata: statements done by statement-by-statement migrations in flight';\n"
	"CREATE OR REPLACE FUNCTION @.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
	"BEGIN\n"
	"  RAISE EXCEPTION 'strata events are append-only: % is not allowed', TG_OP\n"
	"    USING ERRCODE = 'insufficient_privilege';\n"
	"END $f$;\n"
	"DROP TRIGGER IF EXISTS events_append_only ON @.events;\n"
	"CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON @.events\n"
	"  FOR EACH ROW EXECUTE FUNCTION @.refuse_change();\n"
	"DROP TRIGGER IF EXISTS events_no_truncate ON @.events;\n"
	"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON @.events\n"
	"  FOR EACH STATEMENT EXECUTE FUNCTION @.refuse_change();\n"
	"INSERT INTO @.meta (key, value) VALUES ('ledger_format', '" LEDGER_FORMAT "')\n"
	"  ON CONFLICT (key) DO NOTHING;\n";

/* Added after the first ledgers were written: upgrades them in place. */
static const char ledger_ddl_later[] =
	"ALTER TABLE @.history ADD COLUMN IF NOT EXISTS row_counts jsonb;\n"
	"ALTER TABLE @.history ADD COLUMN IF NOT EXISTS requires text[];\n"
	"ALTER TABLE @.progress ADD COLUMN IF NOT EXISTS rows_before jsonb;\n"
	/*
	 * One element per table, in order: null when the table does not exist,
	 * {"rows": n} counted, or {"estimate": n} from the planner's statistics
	 * when the table (all its partitions) is over 64 MiB, so that counting
	 * never turns a quick migration into a long scan. Created last: the
	 * fast path of strata_ledger_ensure looks for it.
	 */
	"CREATE OR REPLACE FUNCTION @.row_counts(tables text[]) RETURNS jsonb\n"
	"LANGUAGE plpgsql AS $f$\n"
	"DECLARE\n"
	"  t text; r regclass; k \"char\"; est real; bytes bigint; n bigint;\n"
	"  res jsonb := '[]';\n"
	"BEGIN\n"
	"  FOREACH t IN ARRAY tables LOOP\n"
	"    r := pg_catalog.to_regclass(t);\n"
	"    k := NULL;\n"
	"    IF r IS NOT NULL THEN\n"
	"      SELECT c.relkind, c.reltuples INTO k, est FROM pg_catalog.pg_class c WHERE c.oid = r;\n"
	"    END IF;\n"
	"    IF k IS NULL OR k NOT IN ('r', 'p', 'm') THEN\n"
	"      res := res || 'null'::jsonb;\n"
	"      CONTINUE;\n"
	"    END IF;\n"
	"    SELECT coalesce(sum(pg_catalog.pg_relation_size(p.relid)), 0) INTO bytes\n"
	"      FROM pg_catalog.pg_partition_tree(r) p;\n"
	"    IF bytes <= 67108864 THEN\n"
	"      EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', r) INTO n;\n"
	"      res := res || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('rows', n));\n"
	"    ELSE\n"
	"      res := res || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('estimate',\n"
	"        CASE WHEN est < 0 THEN NULL ELSE est::bigint END));\n"
	"    END IF;\n"
	"  END LOOP;\n"
	"  RETURN res;\n"
	"END $f$;\n"
	"COMMENT ON FUNCTION @.row_counts(text[]) IS 'strata: rows of the tables a migration changes';\n"
	"INSERT INTO @.meta (key, value) VALUES ('ledger_revision', '" LEDGER_REVISION "')\n"
	"  ON CONFLICT (key) DO UPDATE SET value = greatest(@.meta.value::int, EXCLUDED.value::int)::text;\n";

/* text with every '@' replaced by the quoted schema. */
static int with_schema(strata_buf *out, const char *text, const char *schema)
{
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '@')
			st_ledger_ident(out, schema);
		else
			strata_buf_putc(out, *p);
	}
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

int strata_ledger_ensure(strata_conn *c, const char *schema, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT, lockname = STRATA_BUF_INIT;
	char *exists = NULL;
	char key[32];
	const char *params[1];
	int rc;

	/* Fast path: there, at this revision or a later one (one round trip). */
	strata_buf_puts(&sql, "SELECT coalesce((SELECT value::int FROM ");
	st_ledger_ident(&sql, schema);
	strata_buf_puts(&sql, ".meta WHERE key = 'ledger_revision'), 0) >= " LEDGER_REVISION);
	if (strata_buf_failed(&sql))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	{
		strata_error local = STRATA_ERROR_INIT;

		rc = strata_conn_query_value(&exists, c, strata_buf_cstr(&sql), 0, NULL, &local);
		/* 42P01 undefined_table, 3F000 invalid_schema_name: no ledger yet. */
		if (rc != 0 && strcmp(local.sqlstate, "42P01") != 0 && strcmp(local.sqlstate, "3F000") != 0) {
			if (err != NULL)
				*err = local;
			goto done;
		}
		rc = 0;
	}
	if (exists != NULL && exists[0] == 't')
		goto done;
	/* Concurrent runners on other tracks may race to create it: serialise on a lock. */
	strata_buf_clear(&sql);
	strata_buf_printf(&lockname, "strata/ledger/%s", schema);
	st_snprintf(key, sizeof(key), "%lld", (long long)strata_lock_key(strata_buf_cstr(&lockname)));
	params[0] = key;
	strata_buf_puts(&sql, "BEGIN;\n");
	with_schema(&sql, ledger_ddl, schema);
	with_schema(&sql, ledger_ddl_later, schema);
	strata_buf_puts(&sql, "COMMIT;\n");
	if (strata_buf_failed(&sql) || strata_buf_failed(&lockname)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_exec(c, "BEGIN", err);
	if (rc == 0)
		rc = strata_conn_execp(c, "SELECT pg_advisory_xact_lock($1::bigint)", 1, params, err);
	if (rc == 0)
		rc = strata_conn_exec(c, strata_buf_cstr(&sql) + strlen("BEGIN;\n"), err);
	if (rc != 0) {
		strata_error ignored = STRATA_ERROR_INIT;

		if (strata_tx_status(c) != STRATA_TX_IDLE)
			strata_conn_exec(c, "ROLLBACK", &ignored);
		strata_error_prefix(err, "cannot create the ledger in schema '%s'", schema);
	}
done:
	strata_free(exists);
	strata_buf_release(&sql);
	strata_buf_release(&lockname);
	return rc;
}

static int compare_applied(const void *a, const void *b)
{
	const strata_applied *x = a, *y = b;
	int c = strcmp(x->track, y->track);

	return c != 0 ? c : strata_version_compare(x->version, y->version);
}

static void copy_field(char *dst, size_t size, const char *v)
{
	st_strlcpy(dst, v != NULL ? v : "", size);
}

int strata_ledger_read(strata_ledger **out, strata_conn *c, const char *schema,
	const char *const *tracks, size_t ntracks, strata_error *err)
{
	strata_ledger *l = NULL;
	strata_buf sql = STRATA_BUF_INIT, arr = STRATA_BUF_INIT;
	strata_result *r = NULL;
	strata_error local = STRATA_ERROR_INIT;
	const char *params[1];
	size_t i;
	int rc, nrows, row;

	*out = NULL;
	l = st_calloc(1, sizeof(*l));
	if (l == NULL || (l->schema = st_strdup(schema)) == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	/* A text[] literal of the tracks; NULL means all. */
	strata_buf_putc(&arr, '{');
	for (i = 0; i < ntracks; i++) {
		const char *p;

		strata_buf_puts(&arr, i ? ",\"" : "\"");
		for (p = tracks[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strata_buf_putc(&arr, '\\');
			strata_buf_putc(&arr, *p);
		}
		strata_buf_putc(&arr, '"');
	}
	strata_buf_putc(&arr, '}');
	params[0] = ntracks > 0 ? strata_buf_cstr(&arr) : NULL;
	/* Raw columns, formatted here: the server's to_char and concatenations cost more than the rows. */
	strata_buf_puts(&sql,
		"SELECT 'h', track, version, name, checksum, down_checksum,"
		" floor(extract(epoch FROM applied_at))::bigint, applied_by_role, applied_by_os, applied_by_ci,"
		" duration_ms, lock_wait_ms, execution"
		" FROM ");
	with_schema(&sql, "@.history", schema);
	strata_buf_puts(&sql,
		" WHERE $1::text[] IS NULL OR track = ANY($1::text[])"
		" UNION ALL"
		" SELECT 'p', track, version, direction, checksum, NULL, statements_done, NULL, NULL, NULL,"
		" NULL, NULL, NULL FROM ");
	with_schema(&sql, "@.progress", schema);
	strata_buf_puts(&sql, " WHERE $1::text[] IS NULL OR track = ANY($1::text[])");
	if (strata_buf_failed(&sql) || strata_buf_failed(&arr)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 1, params, &local);
	if (rc != 0) {
		/* 42P01 undefined_table or 3F000 invalid_schema_name: no ledger yet. */
		if (strcmp(local.sqlstate, "42P01") == 0 || strcmp(local.sqlstate, "3F000") == 0) {
			l->exists = 0;
			rc = 0;
			*out = l;
			l = NULL;
		} else if (err != NULL) {
			*err = local;
			strata_error_prefix(err, "cannot read the ledger in schema '%s'", schema);
		}
		goto done;
	}
	l->exists = 1;
	nrows = strata_result_nrows(r);
	l->applied = st_calloc((size_t)nrows + 1, sizeof(strata_applied));
	l->progress = st_calloc((size_t)nrows + 1, sizeof(strata_in_progress));
	if (l->applied == NULL || l->progress == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (row = 0; row < nrows; row++) {
		const char *kind = strata_result_value(r, row, 0);

		if (kind[0] == 'h') {
			strata_applied *a = &l->applied[l->napplied];

			a->track = st_strdup(strata_result_value(r, row, 1));
			a->version = st_strdup(strata_result_value(r, row, 2));
			a->name = st_strdup(strata_result_value(r, row, 3));
			if (a->track == NULL || a->version == NULL || a->name == NULL) {
				st_free(a->track);
				st_free(a->version);
				st_free(a->name);
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				goto done;
			}
			l->napplied++;
			copy_field(a->checksum, sizeof(a->checksum), strata_result_value(r, row, 4));
			copy_field(a->down_checksum, sizeof(a->down_checksum), strata_result_value(r, row, 5));
			{
				int64_t epoch = 0;
				time_t t;
				struct tm tm;

				st_parse_int64(&epoch, strata_result_value(r, row, 6), INT64_MIN, INT64_MAX);
				t = (time_t)epoch;
				gmtime_r(&t, &tm);
				strftime(a->applied_at, sizeof(a->applied_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
			}
			{
				const char *role = strata_result_value(r, row, 7), *os = strata_result_value(r, row, 8);
				const char *ci = strata_result_value(r, row, 9);

				if (os != NULL && ci != NULL)
					st_snprintf(a->applied_by, sizeof(a->applied_by), "%s (%s, %s)", role, os, ci);
				else if (os != NULL || ci != NULL)
					st_snprintf(a->applied_by, sizeof(a->applied_by), "%s (%s)", role, os ? os : ci);
				else
					st_strlcpy(a->applied_by, role ? role : "", sizeof(a->applied_by));
			}
			a->duration_ms = strtod(strata_result_value(r, row, 10), NULL);
			a->lock_wait_ms = strtod(strata_result_value(r, row, 11), NULL);
			a->baseline = strcmp(strata_result_value(r, row, 12), "baseline") == 0;
		} else {
			strata_in_progress *p = &l->progress[l->nprogress];

			p->track = st_strdup(strata_result_value(r, row, 1));
			p->version = st_strdup(strata_result_value(r, row, 2));
			if (p->track == NULL || p->version == NULL) {
				st_free(p->track);
				st_free(p->version);
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				goto done;
			}
			l->nprogress++;
			copy_field(p->checksum, sizeof(p->checksum), strata_result_value(r, row, 4));
			st_parse_int(&p->statements_done, strata_result_value(r, row, 6), 0, 1 << 30);
			p->reverting = strcmp(strata_result_value(r, row, 3), "down") == 0;
		}
	}
	qsort(l->applied, l->napplied, sizeof(strata_applied), compare_applied);
	*out = l;
	l = NULL;
done:
	strata_result_free(r);
	strata_buf_release(&sql);
	strata_buf_release(&arr);
	strata_ledger_free(l);
	return rc;
}

void strata_ledger_free(strata_ledger *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->napplied; i++) {
		st_free(l->applied[i].track);
		st_free(l->applied[i].version);
		st_free(l->applied[i].name);
	}
	for (i = 0; i < l->nprogress; i++) {
		st_free(l->progress[i].track);
		st_free(l->progress[i].version);
	}
	st_free(l->applied);
	st_free(l->progress);
	st_free(l->schema);
	st_free(l);
}
