/*
 * batch.c: many statements in one round trip, with every statement's
 * outcome seen as it completes.
 *
 * The simple query protocol runs a multi-statement string in order and
 * stops at the first error; explicit BEGIN/COMMIT pairs inside it are real
 * transactions. Results come back one per statement as the server finishes
 * them, so progress can be reported while later statements still run. The
 * wait is a poll loop, not a blocking call, so that a cancel request (Ctrl-C)
 * and a periodic "still running" tick are honoured.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "pg/pg_int.h"

static long long rows_of(PGresult *res)
{
	const char *n = PQcmdTuples(res);
	int64_t v = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return PQntuples(res);
	if (n == NULL || *n == '\0' || st_parse_int64(&v, n, 0, INT64_MAX) != 0)
		return 0;
	return (long long)v;
}

/* Waits until a result can be read without blocking; handles cancel and ticks. */
static int wait_ready(strata_conn *c, const strata_batch_hooks *hooks, int64_t start, int *cancelled,
	strata_error *err)
{
	int64_t tick = hooks && hooks->tick_ms > 0 ? hooks->tick_ms : 200;

	while (PQisBusy(c->pg)) {
		struct pollfd pfd;
		int n;

		pfd.fd = PQsocket(c->pg);
		pfd.events = POLLIN;
		if (pfd.fd < 0)
			return st_pg_result_error(err, c, NULL);
		n = poll(&pfd, 1, (int)tick);
		if (n < 0 && errno != EINTR)
			return strata_error_set(err, STRATA_ECONNECT, "lost the connection to '%s': %s",
				c->display, strerror(errno));
		if (hooks != NULL && !*cancelled && hooks->should_cancel != NULL &&
			hooks->should_cancel(hooks->ud)) {
			strata_error ignored = STRATA_ERROR_INIT;

			*cancelled = 1;
			strata_conn_cancel(c, &ignored);
		}
		if (n == 0) {
			if (hooks != NULL && hooks->on_tick != NULL)
				hooks->on_tick((st_now_ns() - start) / 1000000, hooks->ud);
			continue;
		}
		if (!PQconsumeInput(c->pg))
			return st_pg_result_error(err, c, NULL);
	}
	return 0;
}

int strata_conn_exec_batch(strata_conn *c, const char *sql, const strata_batch_hooks *hooks,
	int *failed_index, strata_error *err)
{
	int64_t start = st_now_ns();
	int index = 0, failed = -1, stop = 0, cancelled = 0, rc = 0;
	PGresult *res;

	if (failed_index != NULL)
		*failed_index = -1;
	if (!PQsendQuery(c->pg, sql))
		return st_pg_result_error(err, c, NULL);
	for (;;) {
		ExecStatusType st;
		int wrc = wait_ready(c, hooks, start, &cancelled, failed >= 0 ? NULL : err);

		if (wrc != 0) {
			if (failed < 0)
				rc = wrc;
			break;
		}
		res = PQgetResult(c->pg);
		if (res == NULL)
			break;
		st = PQresultStatus(res);
		if (st == PGRES_COPY_IN) {
			/* No data to send: end the COPY with an error; its failure result follows. */
			PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported in a migration");
		} else if (st == PGRES_COPY_OUT) {
			char *buf = NULL;
			while (PQgetCopyData(c->pg, &buf, 0) > 0)
				PQfreemem(buf);
		} else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
			if (failed < 0 && !stop && hooks != NULL && hooks->on_item != NULL && st != PGRES_EMPTY_QUERY) {
				strata_batch_item item;
				strata_result r;

				r.res = res;
				item.index = index;
				item.rows = rows_of(res);
				item.tag = PQcmdStatus(res);
				item.result = &r;
				stop = hooks->on_item(&item, hooks->ud) != 0;
			}
			if (st != PGRES_EMPTY_QUERY)
				index++;
		} else if (failed < 0) {
			failed = index;
			rc = st_pg_result_error(err, c, res);
			if (cancelled && rc == STRATA_ETIMEOUT)
				strata_error_hint(err, "cancelled on request");
		}
		PQclear(res);
	}
	/* Drain whatever is left (after a connection error there may be results). */
	while ((res = PQgetResult(c->pg)) != NULL)
		PQclear(res);
	if (failed_index != NULL)
		*failed_index = failed >= 0 ? failed : (rc != 0 ? index : -1);
	return rc;
}
