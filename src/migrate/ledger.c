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
 *   audit_*   the audit ledger (src/audit/ddl.c, strata/audit.h); every
 *             event is also appended to its chain "strata"
 *
 * Reading is one query (history and progress together), so that planning
 * stays fast however long the history grows. A database without the
 * tables reads as an empty ledger: read-only commands never create them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "migrate/migrate_int.h"

#define LEDGER_FORMAT "1"
/*
 * Raised whenever the DDL below changes: a ledger of a lower revision is
 * brought up to date (every statement is idempotent), one of a higher
 * revision, written by a newer strata, is left alone.
 */
#define LEDGER_REVISION "6"

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
	"    IF k = 'p' THEN\n"
	"      SELECT coalesce(sum(pg_catalog.pg_relation_size(p.relid)), 0) INTO bytes\n"
	"        FROM pg_catalog.pg_partition_tree(r) p;\n"
	"    ELSE\n"
	"      bytes := pg_catalog.pg_relation_size(r);\n"
	"    END IF;\n"
	"    IF bytes = 0 AND k <> 'p' THEN\n"
	/* An empty heap holds no rows: no need to plan and run a count. */
	"      res := res || '[{\"rows\": 0}]'::jsonb;\n"
	"    ELSIF bytes <= 67108864 THEN\n"
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
	size_t i;
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
	for (i = 0; st_audit_ddl[i] != NULL; i++)
		with_schema(&sql, st_audit_ddl[i], schema);
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

/* "YYYY-MM-DDTHH:MM:SSZ" of a Unix time; the number itself for a year outside 0..9999. */
static void format_utc(char *out, size_t size, int64_t t)
{
	if (t > INT64_MAX / 1000000 || t < INT64_MIN / 1000000 || st_utc_text(out, size, t * 1000000, 0) != 0)
		st_snprintf(out, size, "%lld", (long long)t);
}

/* Appends s to out (size bytes, *at used), truncating; out stays NUL-terminated. */
static void put_str(char *out, size_t size, size_t *at, const char *s)
{
	while (*s != '\0' && *at + 1 < size)
		out[(*at)++] = *s++;
	out[*at] = '\0';
}

/* A float8 as PostgreSQL prints it ("12.345"); strtod for anything else (exponents, inf). */
static double parse_ms(const char *s)
{
	double v = 0, scale = 1;
	const char *p = s;

	if (s == NULL)
		return 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	return *p == '\0' && p != s ? v : strtod(s, NULL);
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

/* What reading the ledger's two result sets needs. */
typedef struct ledger_reader {
	strata_ledger *l;
	const char *const *tracks;
	size_t ntracks;
	int iso;                     /* applied_at comes as ISO text, else as epoch seconds */
	int failed;                  /* out of memory */
} ledger_reader;

static int wanted(const ledger_reader *lr, const char *track)
{
	size_t i;

	if (lr->ntracks == 0)
		return 1;
	for (i = 0; i < lr->ntracks; i++)
		if (strcmp(lr->tracks[i], track) == 0)
			return 1;
	return 0;
}

/*
 * "2026-11-22 00:52:18.123456+00" (DateStyle ISO; the offset may be
 * +05:30 or +05:30:00) to Unix seconds; -1 (and *ok = 0) when it is not that.
 */
static int64_t parse_iso(const char *s, int *ok)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, os = 0, n = 0;
	int64_t days, z, era, yoe, doy, doe;
	const char *p;
	char sign;

	*ok = 0;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	sign = *p;
	if ((sign != '+' && sign != '-') || sscanf(p + 1, "%2d", &oh) != 1)
		return -1;
	p += 3;
	if (*p == ':' && sscanf(p + 1, "%2d", &om) == 1)
		p += 3;
	if (*p == ':' && sscanf(p + 1, "%2d", &os) == 1)
		p += 3;
	if (*p != '\0')
		return -1;   /* " BC" and the like */
	/* Days from the civil date (Howard Hinnant's algorithm). */
	z = mo <= 2 ? y - 1 : y;
	era = (z >= 0 ? z : z - 399) / 400;
	yoe = z - era * 400;
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	*ok = 1;
	return days * 86400 + h * 3600 + mi * 60 + sec - (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60 + os);
}

static void add_applied(ledger_reader *lr, const strata_result *r, int row)
{
	strata_ledger *l = lr->l;
	strata_applied *a = &l->applied[l->napplied];
	const char *role = strata_result_value(r, row, 6), *os = strata_result_value(r, row, 7);
	const char *ci = strata_result_value(r, row, 8);
	char *by = a->applied_by;
	size_t at = 0, size = sizeof(a->applied_by);
	int64_t epoch = 0;
	int ok = 1;

	a->track = st_strdup(strata_result_value(r, row, 0));
	a->version = st_strdup(strata_result_value(r, row, 1));
	a->name = st_strdup(strata_result_value(r, row, 2));
	if (a->track == NULL || a->version == NULL || a->name == NULL) {
		st_free(a->track);
		st_free(a->version);
		st_free(a->name);
		memset(a, 0, sizeof(*a));
		lr->failed = 1;
		return;
	}
	l->napplied++;
	copy_field(a->checksum, sizeof(a->checksum), strata_result_value(r, row, 3));
	copy_field(a->down_checksum, sizeof(a->down_checksum), strata_result_value(r, row, 4));
	if (lr->iso)
		epoch = parse_iso(strata_result_value(r, row, 5), &ok);
	else
		st_parse_int64(&epoch, strata_result_value(r, row, 5), INT64_MIN, INT64_MAX);
	if (ok)
		format_utc(a->applied_at, sizeof(a->applied_at), epoch);
	else
		copy_field(a->applied_at, sizeof(a->applied_at), strata_result_value(r, row, 5));
	/* "role (os user, CI identity)", without printf: this runs for every row. */
	put_str(by, size, &at, role ? role : "");
	if (os != NULL || ci != NULL) {
		put_str(by, size, &at, " (");
		put_str(by, size, &at, os ? os : ci);
		if (os != NULL && ci != NULL) {
			put_str(by, size, &at, ", ");
			put_str(by, size, &at, ci);
		}
		put_str(by, size, &at, ")");
	}
	a->duration_ms = parse_ms(strata_result_value(r, row, 9));
	a->lock_wait_ms = parse_ms(strata_result_value(r, row, 10));
	a->baseline = strcmp(strata_result_value(r, row, 11), "baseline") == 0;
}

static void add_progress(ledger_reader *lr, const strata_result *r, int row)
{
	strata_ledger *l = lr->l;
	strata_in_progress *p = &l->progress[l->nprogress];

	p->track = st_strdup(strata_result_value(r, row, 0));
	p->version = st_strdup(strata_result_value(r, row, 1));
	if (p->track == NULL || p->version == NULL) {
		st_free(p->track);
		st_free(p->version);
		memset(p, 0, sizeof(*p));
		lr->failed = 1;
		return;
	}
	l->nprogress++;
	p->reverting = strcmp(strata_result_value(r, row, 2), "down") == 0;
	copy_field(p->checksum, sizeof(p->checksum), strata_result_value(r, row, 3));
	st_parse_int(&p->statements_done, strata_result_value(r, row, 4), 0, 1 << 30);
}

/* Statement 0 gives the history, statement 1 the progress rows. */
static int ledger_item(const strata_batch_item *item, void *ud)
{
	ledger_reader *lr = ud;
	strata_ledger *l = lr->l;
	int n = strata_result_nrows(item->result), row;
	void *grown;

	if (n <= 0 || item->index > 1)
		return 0;
	if (item->index == 0) {
		grown = st_realloc(l->applied, ((size_t)n + 1) * sizeof(strata_applied));
		if (grown != NULL)
			l->applied = grown;
	} else {
		grown = st_realloc(l->progress, ((size_t)n + 1) * sizeof(strata_in_progress));
		if (grown != NULL)
			l->progress = grown;
	}
	if (grown == NULL) {
		lr->failed = 1;
		return 1;
	}
	for (row = 0; row < n && !lr->failed; row++) {
		if (!wanted(lr, strata_result_value(item->result, row, 0)))
			continue;
		if (item->index == 0)
			add_applied(lr, item->result, row);
		else
			add_progress(lr, item->result, row);
	}
	return lr->failed;
}

int strata_ledger_read(strata_ledger **out, strata_conn *c, const char *schema,
	const char *const *tracks, size_t ntracks, strata_error *err)
{
	strata_ledger *l = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	strata_error local = STRATA_ERROR_INIT;
	strata_batch_hooks hooks;
	ledger_reader lr;
	const char *datestyle = strata_conn_parameter(c, "DateStyle");
	size_t i;
	int rc, failed = -1;

	*out = NULL;
	l = st_calloc(1, sizeof(*l));
	if (l == NULL || (l->schema = st_strdup(schema)) == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	memset(&lr, 0, sizeof(lr));
	lr.l = l;
	lr.tracks = tracks;
	lr.ntracks = ntracks;
	/*
	 * Plain columns, no functions, operators or parameters, tracks filtered
	 * here: a new session's first query pays for every catalog entry it
	 * touches (a millisecond or more for the union, the array test and the
	 * epoch arithmetic this replaced). Timestamps are parsed here when the
	 * session prints them in ISO form (the default DateStyle).
	 */
	lr.iso = datestyle != NULL && strncmp(datestyle, "ISO", 3) == 0;
	strata_buf_printf(&sql, "SELECT track, version, name, checksum, down_checksum, %s, applied_by_role,"
		" applied_by_os, applied_by_ci, duration_ms, lock_wait_ms, execution FROM ",
		lr.iso ? "applied_at" : "floor(extract(epoch FROM applied_at))::bigint");
	with_schema(&sql, "@.history;\nSELECT track, version, direction, checksum, statements_done FROM "
		"@.progress;\n", schema);
	if (strata_buf_failed(&sql)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = ledger_item;
	hooks.ud = &lr;
	rc = strata_conn_exec_batch(c, strata_buf_cstr(&sql), &hooks, &failed, &local);
	if (rc == 0 && lr.failed)
		rc = strata_error_set(&local, STRATA_ENOMEM, "out of memory");
	if (rc != 0) {
		/* 42P01 undefined_table or 3F000 invalid_schema_name: no ledger yet. */
		if (strcmp(local.sqlstate, "42P01") == 0 || strcmp(local.sqlstate, "3F000") == 0) {
			strata_ledger_free(l);
			l = st_calloc(1, sizeof(*l));
			if (l == NULL || (l->schema = st_strdup(schema)) == NULL) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				goto done;
			}
			l->exists = 0;
			rc = 0;
			*out = l;
			l = NULL;
		} else if (err != NULL) {
			*err = local;
			if (local.code != STRATA_ENOMEM)
				strata_error_prefix(err, "cannot read the ledger in schema '%s'", schema);
		}
		goto done;
	}
	l->exists = 1;
	/* Rows usually come back in the order they were written: sort only when they did not. */
	for (i = 1; i < l->napplied; i++)
		if (compare_applied(&l->applied[i - 1], &l->applied[i]) > 0)
			break;
	if (l->napplied > 1 && i < l->napplied)
		qsort(l->applied, l->napplied, sizeof(strata_applied), compare_applied);
	*out = l;
	l = NULL;
done:
	strata_buf_release(&sql);
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
