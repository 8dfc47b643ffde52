/*
 * admin.c: the two ledger operations that change no schema.
 *
 * baseline adopts a database that another tool (or a hand) already brought
 * to some version: it records the track's migrations up to that version as
 * applied, with their files' checksums, without running them.
 *
 * repair accepts an intentional edit of an applied migration: it stores the
 * file's current checksums (up and down) and records who did it and why. A
 * statement-by-statement migration stopped half-way keeps its journal, with
 * the new checksum, so that a resume continues with the edited file.
 *
 * Both take the track's migration lock and write an event.
 */
#include <string.h>

#include "migrate/migrate_int.h"

static int lock_track(strata_conn *c, const strata_project_config *config,
	const strata_source *source, int64_t *key, strata_error *err)
{
	char name[512];
	char *db = NULL;
	int rc;

	rc = strata_conn_query_value(&db, c, "SELECT current_database()", 0, NULL, err);
	if (rc != 0)
		return rc;
	st_snprintf(name, sizeof(name), "strata/migrate/%s/%s/%s", db, config->ledger_schema,
		source->track->name);
	strata_free(db);
	*key = strata_lock_key(name);
	rc = strata_lock_wait(c, *key, (int)config->lock_wait_ms, err);
	if (rc != 0)
		strata_error_prefix(err, "cannot take the migration lock of track '%s'", source->track->name);
	return rc;
}

static const strata_migration *find_migration(const strata_source *source, const char *version)
{
	size_t i;

	for (i = 0; i < source->n; i++)
		if (strata_version_compare(source->migrations[i].version, version) == 0)
			return &source->migrations[i];
	return NULL;
}

static void q(strata_buf *b, strata_conn *c, const char *s)
{
	if (s == NULL)
		strata_buf_puts(b, "NULL");
	else if (strata_conn_quote_literal(b, c, s, NULL) != 0)
		b->failed = 1;
}

int strata_migrate_baseline(strata_conn *c, const strata_project_config *config,
	const strata_source *source, const char *version, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	strata_error ignored = STRATA_ERROR_INIT;
	int64_t key = 0;
	size_t i;
	int rc, locked = 0;

	if (find_migration(source, version) == NULL)
		return strata_error_set(err, STRATA_EINVAL, "track '%s' has no migration %s",
			source->track->name, version);
	rc = strata_ledger_ensure(c, config->ledger_schema, err);
	if (rc == 0)
		rc = lock_track(c, config, source, &key, err);
	if (rc != 0)
		goto done;
	locked = 1;
	strata_buf_puts(&sql, "BEGIN;\n");
	for (i = 0; i < source->n; i++) {
		const strata_migration *m = &source->migrations[i];

		if (m->up.path == NULL || strata_version_compare(m->version, version) > 0)
			continue;
		strata_buf_puts(&sql, "WITH h AS (INSERT INTO ");
		st_ledger_ident(&sql, config->ledger_schema);
		strata_buf_puts(&sql, ".history (track, version, name, checksum, raw_checksum, down_checksum,"
			" applied_by_os, applied_by_ci, strata_version, execution) VALUES (");
		q(&sql, c, source->track->name);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, m->version);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, m->name);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, m->up.checksum);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, m->up.raw_checksum);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, m->down.path ? m->down.checksum : NULL);
		strata_buf_puts(&sql, ", ");
		q(&sql, c, st_actor_os_user());
		strata_buf_puts(&sql, ", ");
		q(&sql, c, st_actor_ci());
		strata_buf_puts(&sql, ", ");
		q(&sql, c, strata_version());
		strata_buf_puts(&sql, ", 'baseline') ON CONFLICT (track, version) DO NOTHING"
			" RETURNING track, version, name)\nINSERT INTO ");
		st_ledger_ident(&sql, config->ledger_schema);
		strata_buf_puts(&sql, ".events (track, version, name, kind, actor_os, actor_ci, strata_version,"
			" detail) SELECT track, version, name, 'baseline', ");
		q(&sql, c, st_actor_os_user());
		strata_buf_puts(&sql, ", ");
		q(&sql, c, st_actor_ci());
		strata_buf_puts(&sql, ", ");
		q(&sql, c, strata_version());
		strata_buf_puts(&sql, ", jsonb_build_object('baseline_version', ");
		q(&sql, c, version);
		strata_buf_puts(&sql, ") FROM h;\n");
	}
	strata_buf_puts(&sql, "COMMIT;\n");
	if (strata_buf_failed(&sql)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = strata_conn_exec(c, strata_buf_cstr(&sql), err);
	if (rc != 0 && strata_tx_status(c) != STRATA_TX_IDLE)
		strata_conn_exec(c, "ROLLBACK", &ignored);
done:
	if (locked)
		strata_lock_release(c, key, &ignored);
	strata_buf_release(&sql);
	return rc;
}

int strata_migrate_repair(strata_conn *c, const strata_project_config *config,
	const strata_source *source, const char *version, const char *reason, strata_error *err)
{
	const strata_migration *m = find_migration(source, version);
	strata_buf sql = STRATA_BUF_INIT;
	strata_error ignored = STRATA_ERROR_INIT;
	strata_result *r = NULL;
	int64_t key = 0;
	int rc, locked = 0;

	if (reason == NULL || reason[0] == '\0')
		return strata_error_set(err, STRATA_EINVAL, "repair needs a reason (--reason \"...\")");
	if (m == NULL || m->up.path == NULL)
		return strata_error_set(err, STRATA_EINVAL, "track '%s' has no migration %s",
			source->track->name, version);
	rc = strata_ledger_ensure(c, config->ledger_schema, err);
	if (rc == 0)
		rc = lock_track(c, config, source, &key, err);
	if (rc != 0)
		goto done;
	locked = 1;
	/*
	 * One transaction: both tables, the event records old and new checksums.
	 * "old" reads the statement's snapshot, before h's update; the track's
	 * lock keeps other writers out. (FOR UPDATE there would skip the row once
	 * h has updated it, and the old checksums would read as null.)
	 */
	strata_buf_puts(&sql, "WITH old AS (SELECT checksum, down_checksum FROM ");
	st_ledger_ident(&sql, config->ledger_schema);
	strata_buf_puts(&sql, ".history WHERE track = $1 AND version = $2),"
		" h AS (UPDATE ");
	st_ledger_ident(&sql, config->ledger_schema);
	strata_buf_puts(&sql, ".history SET checksum = $3, raw_checksum = $4, down_checksum = $5"
		" WHERE track = $1 AND version = $2 RETURNING 1),"
		" p AS (UPDATE ");
	st_ledger_ident(&sql, config->ledger_schema);
	strata_buf_puts(&sql, ".progress SET checksum = CASE direction WHEN 'up' THEN $3 ELSE coalesce($5, checksum) END"
		" WHERE track = $1 AND version = $2 RETURNING 1),"
		" e AS (INSERT INTO ");
	st_ledger_ident(&sql, config->ledger_schema);
	strata_buf_puts(&sql, ".events (track, version, name, kind, actor_os, actor_ci, strata_version, message,"
		" detail) SELECT $1, $2, $6, 'repair', $7, $8, $9, $10, jsonb_build_object("
		"'old_checksum', (SELECT checksum FROM old), 'new_checksum', $3::text,"
		"'old_down_checksum', (SELECT down_checksum FROM old), 'new_down_checksum', $5::text)"
		" WHERE EXISTS (SELECT 1 FROM h) OR EXISTS (SELECT 1 FROM p) RETURNING 1)"
		" SELECT (SELECT count(*) FROM h), (SELECT count(*) FROM p)");
	if (strata_buf_failed(&sql)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	{
		const char *params[10];

		params[0] = source->track->name;
		params[1] = m->version;
		params[2] = m->up.checksum;
		params[3] = m->up.raw_checksum;
		params[4] = m->down.path ? m->down.checksum : NULL;
		params[5] = m->name;
		params[6] = st_actor_os_user();
		params[7] = st_actor_ci();
		params[8] = strata_version();
		params[9] = reason;
		rc = strata_conn_query(&r, c, strata_buf_cstr(&sql), 10, params, err);
	}
	if (rc == 0 && strcmp(strata_result_value(r, 0, 0), "0") == 0 &&
		strcmp(strata_result_value(r, 0, 1), "0") == 0)
		rc = strata_error_set(err, STRATA_EINVAL,
			"%s/%s is not applied and not in progress: there is nothing to repair", source->track->name,
			version);
done:
	if (locked)
		strata_lock_release(c, key, &ignored);
	strata_result_free(r);
	strata_buf_release(&sql);
	return rc;
}
