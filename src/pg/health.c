/*
 * health.c: the database health check (see strata/health.h).
 *
 * All database access goes through a strata_health_driver so that the
 * arithmetic and the error paths are unit-tested without a server; the
 * default driver below is a thin shim over strata_conn.
 */
#include <stdlib.h>
#include <string.h>

#include "strata/health.h"

#include "pg/pg_int.h"

static int real_connect(void **out, const strata_conninfo *ci, void *ud, strata_error *err)
{
	strata_conn *c = NULL;
	int rc;

	ST_UNUSED(ud);
	rc = strata_conn_open(&c, ci, err);
	*out = c;
	return rc;
}

static int real_query(char *out, size_t outsz, void *conn, const char *sql, void *ud,
	strata_error *err)
{
	char *v = NULL;
	int rc;

	ST_UNUSED(ud);
	rc = strata_conn_query_value(&v, conn, sql, 0, NULL, err);
	if (rc == 0)
		st_strlcpy(out, v ? v : "", outsz);
	st_free(v);
	return rc;
}

static void real_close(void *conn, void *ud)
{
	ST_UNUSED(ud);
	strata_conn_close(conn);
}

static int64_t real_now(void *ud)
{
	ST_UNUSED(ud);
	return st_now_ns();
}

static const strata_health_driver real_driver = {
	real_connect, real_query, real_close, real_now, NULL
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define HEALTH_MAX_ROUNDS 1000

int strata_health_check(strata_health *out, const strata_conninfo *ci,
	const strata_health_driver *driver, int rounds, strata_error *err)
{
	const strata_health_driver *d = driver ? driver : &real_driver;
	double *samples = NULL;
	void *conn = NULL;
	char value[128];
	int64_t t0;
	int i, rc;

	memset(out, 0, sizeof(*out));
	if (rounds < 1)
		rounds = 1;
	if (rounds > HEALTH_MAX_ROUNDS)
		rounds = HEALTH_MAX_ROUNDS;
	samples = st_calloc((size_t)rounds, sizeof(double));
	if (samples == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");

	t0 = d->now_ns(d->ud);
	rc = d->connect(&conn, ci, d->ud, err);
	if (rc != 0)
		goto done;
	out->connect_ms = st_ns_to_ms(d->now_ns(d->ud) - t0);

	rc = d->query(out->server_version, sizeof(out->server_version), conn,
		"SELECT current_setting('server_version')", d->ud, err);
	if (rc != 0)
		goto done;
	rc = d->query(value, sizeof(value), conn, "SELECT current_setting('server_version_num')",
		d->ud, err);
	if (rc != 0)
		goto done;
	if (st_parse_int(&out->server_version_num, value, 0, 9999999) != 0) {
		rc = strata_error_set(err, STRATA_EDB, "server reported a malformed version number '%s'",
			value);
		goto done;
	}
	rc = d->query(value, sizeof(value), conn, "SELECT pg_is_in_recovery()", d->ud, err);
	if (rc != 0)
		goto done;
	out->in_recovery = value[0] == 't';
	rc = d->query(out->database, sizeof(out->database), conn, "SELECT current_database()",
		d->ud, err);
	if (rc != 0)
		goto done;
	rc = d->query(out->user, sizeof(out->user), conn, "SELECT current_user", d->ud, err);
	if (rc != 0)
		goto done;

	for (i = 0; i < rounds; i++) {
		t0 = d->now_ns(d->ud);
		rc = d->query(value, sizeof(value), conn, "SELECT 1", d->ud, err);
		if (rc != 0)
			goto done;
		samples[i] = st_ns_to_ms(d->now_ns(d->ud) - t0);
	}
	qsort(samples, (size_t)rounds, sizeof(double), cmp_double);
	out->rounds = rounds;
	out->latency_ms = rounds % 2 ? samples[rounds / 2]
		: (samples[rounds / 2 - 1] + samples[rounds / 2]) / 2.0;
	out->latency_max_ms = samples[rounds - 1];
done:
	if (conn != NULL)
		d->close(conn, d->ud);
	st_free(samples);
	return rc;
}
