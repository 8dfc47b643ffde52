/*
 * conn.c: opening a connection within a deadline, and turning libpq's
 * multi-line connection errors into one line in strata's style.
 *
 * The connection is made with libpq's non-blocking API so that the deadline
 * covers every host of a multi-host URL and is honoured to the millisecond
 * (libpq's own connect_timeout has a 2 s floor). Server notices are routed to
 * the log rather than printed.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "pg/pg_int.h"

void st_pg_conn_error_text(strata_buf *out, const char *libpq_message)
{
	const char *msg = libpq_message ? libpq_message : "";
	const char *nl, *p;
	size_t start;

	/* Drop libpq's "connection to server at ... failed: " lead: strata names the target itself. */
	p = strstr(msg, " failed: ");
	if (p != NULL && (st_str_starts_with(msg, "connection to server") ||
			st_str_starts_with(msg, "could not connect")))
		msg = p + 9;
	if (st_str_starts_with(msg, "FATAL:  "))
		msg += 8;
	else if (st_str_starts_with(msg, "ERROR:  "))
		msg += 8;
	nl = strchr(msg, '\n');
	start = out->len;
	strata_buf_append(out, msg, nl ? (size_t)(nl - msg) : strlen(msg));
	strata_buf_rtrim(out);
	if (out->len > start && out->ptr != NULL)
		out->ptr[start] = (char)tolower((unsigned char)out->ptr[start]);
	if (out->len == start)
		strata_buf_puts(out, "unknown error");
}

const char *st_pg_conn_error_sqlstate(const char *m)
{
	if (m == NULL)
		return "08001";
	if (strstr(m, "password authentication failed") || strstr(m, "no password supplied") ||
		strstr(m, "password is required"))
		return "28P01";
	if (strstr(m, "no pg_hba.conf entry") || strstr(m, "authentication failed") ||
		strstr(m, "role \"") )
		return "28000";
	if (strstr(m, "database \"") && strstr(m, "does not exist"))
		return "3D000";
	if (strstr(m, "too many clients") || strstr(m, "remaining connection slots"))
		return "53300";
	if (strstr(m, "the database system is starting up") ||
		strstr(m, "the database system is shutting down"))
		return "57P03";
	return "08001";
}

static void notice_to_log(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	ST_UNUSED(arg);
	if (msg == NULL)
		return;
	strata_log(sev && strcmp(sev, "WARNING") == 0 ? STRATA_LOG_WARNING : STRATA_LOG_INFO,
		"server %s: %s", sev ? sev : "NOTICE", msg);
}

static int wait_socket(PGconn *pg, int for_write, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left_ms;
	int n;

	pfd.fd = PQsocket(pg);
	if (pfd.fd < 0)
		return -1;
	pfd.events = for_write ? POLLOUT : POLLIN;
	for (;;) {
		left_ms = (deadline - st_now_ns()) / 1000000LL;
		if (left_ms <= 0)
			return 0;
		n = poll(&pfd, 1, left_ms > 1000 ? 1000 : (int)left_ms);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int conn_failure(strata_error *err, const strata_conninfo *ci, PGconn *pg)
{
	const char *msg = pg ? PQerrorMessage(pg) : "out of memory";
	strata_buf line = STRATA_BUF_INIT;
	int rc;

	/* One line: libpq's second line ("Is the server running...?") adds nothing here. */
	st_pg_conn_error_text(&line, msg);
	if (ci->raw != NULL)
		st_conninfo_scrub(&line, ci->raw);
	if (ci->secret != NULL)
		st_buf_replace_all(&line, ci->secret, "****");
	if (ci->password != NULL)
		st_buf_replace_all(&line, ci->password, "****");
	rc = strata_error_set(err, STRATA_ECONNECT, "cannot connect to '%s': %s",
		strata_conninfo_display(ci), strata_buf_failed(&line) ? "out of memory" : strata_buf_cstr(&line));
	strata_error_sqlstate(err, st_pg_conn_error_sqlstate(msg));
	strata_buf_release(&line);
	return rc;
}

int strata_conn_open(strata_conn **out, const strata_conninfo *ci, strata_error *err)
{
	const char *keywords[8];
	const char *values[8];
	strata_buf appname = STRATA_BUF_INIT;
	strata_conn *c = NULL;
	PGconn *pg = NULL;
	int n = 0, rc = 0;
	int64_t deadline = st_now_ns() + (int64_t)ci->timeout_ms * 1000000LL;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;

	*out = NULL;
	strata_buf_printf(&appname, "strata/%s%s%s", strata_version(), ci->command ? " " : "",
		ci->command ? ci->command : "");
	if (strata_buf_failed(&appname))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (ci->raw != NULL) {
		keywords[n] = "dbname";
		values[n++] = ci->raw;
	}
	/* After dbname, so that these override what the URL says. */
	if (ci->password != NULL) {
		keywords[n] = "password";
		values[n++] = ci->password;
	}
	if (ci->dbname != NULL) {
		keywords[n] = "dbname";
		values[n++] = ci->dbname;
	}
	keywords[n] = "fallback_application_name";
	values[n++] = strata_buf_cstr(&appname);
	keywords[n] = NULL;
	values[n] = NULL;

	pg = PQconnectStartParams(keywords, values, 1);
	if (pg == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(pg) == CONNECTION_BAD) {
		rc = conn_failure(err, ci, pg);
		goto done;
	}
	while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
		int ready;

		if (ps == PGRES_POLLING_READING || ps == PGRES_POLLING_WRITING) {
			ready = wait_socket(pg, ps == PGRES_POLLING_WRITING, deadline);
			if (ready == 0) {
				rc = strata_error_set(err, STRATA_ETIMEOUT,
					"cannot connect to '%s': timed out after %d ms",
					strata_conninfo_display(ci), ci->timeout_ms);
				strata_error_sqlstate(err, "08001");
				goto done;
			}
			if (ready < 0) {
				rc = conn_failure(err, ci, pg);
				goto done;
			}
		}
		ps = PQconnectPoll(pg);
	}
	if (ps == PGRES_POLLING_FAILED || PQstatus(pg) != CONNECTION_OK) {
		rc = conn_failure(err, ci, pg);
		goto done;
	}
	PQsetNoticeReceiver(pg, notice_to_log, NULL);
	c = st_calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	c->pg = pg;
	pg = NULL;
	c->cancel = PQgetCancel(c->pg);
	c->display = st_strdup(strata_conninfo_display(ci));
	if (c->display == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	strata_log(STRATA_LOG_DEBUG, "connected to '%s' (server %d, pid %d)", c->display,
		PQserverVersion(c->pg), PQbackendPID(c->pg));
	*out = c;
	c = NULL;
done:
	if (pg != NULL)
		PQfinish(pg);
	strata_conn_close(c);
	strata_buf_release(&appname);
	return rc;
}

int strata_conn_open_same(strata_conn **out, strata_conn *c, strata_error *err)
{
	PQconninfoOption *opts = PQconninfo(c->pg), *o;
	const char **keywords = NULL, **values = NULL;
	strata_conn *twin = NULL;
	PGconn *pg = NULL;
	int64_t deadline = st_now_ns() + 10000LL * 1000000LL;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	for (o = opts; o != NULL && o->keyword != NULL; o++)
		n++;
	keywords = st_calloc(n + 1, sizeof(char *));
	values = st_calloc(n + 1, sizeof(char *));
	if (opts == NULL || keywords == NULL || values == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	n = 0;
	for (o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && o->val[0] != '\0') {
			keywords[n] = o->keyword;
			values[n++] = o->val;
		}
	pg = PQconnectStartParams(keywords, values, 0);
	while (pg != NULL && PQstatus(pg) != CONNECTION_BAD && ps != PGRES_POLLING_OK &&
		ps != PGRES_POLLING_FAILED) {
		if (wait_socket(pg, ps == PGRES_POLLING_WRITING, deadline) <= 0)
			break;
		ps = PQconnectPoll(pg);
	}
	if (pg == NULL || ps != PGRES_POLLING_OK || PQstatus(pg) != CONNECTION_OK) {
		rc = strata_error_set(err, STRATA_ECONNECT, "cannot open a second session to '%s'", c->display);
		goto done;
	}
	PQsetNoticeReceiver(pg, notice_to_log, NULL);
	twin = st_calloc(1, sizeof(*twin));
	if (twin == NULL || (twin->display = st_strdup(c->display)) == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	twin->pg = pg;
	pg = NULL;
	twin->cancel = PQgetCancel(twin->pg);
	*out = twin;
	twin = NULL;
done:
	if (pg != NULL)
		PQfinish(pg);
	strata_conn_close(twin);
	PQconninfoFree(opts);
	st_free(keywords);
	st_free(values);
	return rc;
}

void strata_conn_close(strata_conn *c)
{
	if (c == NULL)
		return;
	if (c->cancel != NULL)
		PQfreeCancel(c->cancel);
	if (c->pg != NULL)
		PQfinish(c->pg);
	st_free(c->display);
	st_free(c);
}

int strata_pg_libpq_version(void)
{
	return PQlibVersion();
}

int strata_conn_server_version(const strata_conn *c)
{
	return PQserverVersion(c->pg);
}

const char *strata_conn_parameter(const strata_conn *c, const char *name)
{
	return c != NULL && c->pg != NULL ? PQparameterStatus(c->pg, name) : NULL;
}

int strata_conn_backend_pid(const strata_conn *c)
{
	return PQbackendPID(c->pg);
}

const char *strata_conn_display(const strata_conn *c)
{
	return c->display;
}

int strata_conn_is_bad(const strata_conn *c)
{
	return PQstatus(c->pg) != CONNECTION_OK;
}

int strata_conn_cancel(strata_conn *c, strata_error *err)
{
	char errbuf[256];

	if (c->cancel == NULL)
		return strata_error_set(err, STRATA_ESTATE, "connection cannot be cancelled");
	if (!PQcancel(c->cancel, errbuf, sizeof(errbuf)))
		return strata_error_set(err, STRATA_ECONNECT, "cannot cancel the running statement: %s",
			errbuf);
	return 0;
}
