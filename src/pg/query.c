/*
 * query.c: running SQL and reading results as text, with server errors
 * mapped onto strata codes (see strata_conn_query in strata/pg.h), and
 * prepared statements (strata_conn_prepare, strata_conn_query_prepared),
 * which report errors the same way.
 */
#include <string.h>

#include "pg/pg_int.h"

static int code_for_sqlstate(const char *sqlstate)
{
	if (sqlstate == NULL)
		return STRATA_EDB;
	if (strcmp(sqlstate, "55P03") == 0)
		return STRATA_ELOCKED;
	if (strcmp(sqlstate, "57014") == 0)
		return STRATA_ETIMEOUT;
	/*
	 * protocol_violation is how the server refuses a Bind with the wrong
	 * number of parameters for a prepared statement; the session goes on (a
	 * broken connection is caught before this is consulted).
	 */
	if (strcmp(sqlstate, "08P01") == 0)
		return STRATA_EDB;
	if (strncmp(sqlstate, "08", 2) == 0)
		return STRATA_ECONNECT;
	return STRATA_EDB;
}

int st_pg_result_error(strata_error *err, strata_conn *c, const PGresult *res)
{
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int rc;

	/*
	 * A broken connection is a connection error whatever the server said last
	 * (a FATAL 57P01 on termination, or nothing at all), so that retries see
	 * class 08.
	 */
	if (PQstatus(c->pg) != CONNECTION_OK) {
		strata_buf line = STRATA_BUF_INIT;

		st_pg_conn_error_text(&line, PQerrorMessage(c->pg));
		rc = strata_error_set(err, STRATA_ECONNECT, "lost the connection to '%s': %s", c->display,
			strata_buf_cstr(&line));
		strata_error_sqlstate(err, "08006");
		strata_buf_release(&line);
		return rc;
	}
	if (primary == NULL) {
		strata_buf line = STRATA_BUF_INIT;

		st_pg_conn_error_text(&line, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
		rc = strata_error_set(err, code_for_sqlstate(sqlstate), "%s", strata_buf_cstr(&line));
		strata_buf_release(&line);
	} else {
		rc = strata_error_set(err, code_for_sqlstate(sqlstate), "%s", primary);
	}
	strata_error_sqlstate(err, sqlstate);
	if (res != NULL) {
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

		if (detail != NULL)
			strata_error_detail(err, "%s", detail);
		if (hint != NULL)
			strata_error_hint(err, "%s", hint);
	}
	return rc;
}

static int check_result(strata_error *err, strata_conn *c, PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
		return 0;
	if (res == NULL && PQstatus(c->pg) == CONNECTION_OK)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
		return strata_error_set(err, STRATA_EINVAL,
			"COPY is not supported through this call; use the COPY API");
	return st_pg_result_error(err, c, res);
}

int strata_conn_exec(strata_conn *c, const char *sql, strata_error *err)
{
	PGresult *res = PQexec(c->pg, sql);
	int rc = check_result(err, c, res);

	PQclear(res);
	return rc;
}

/* Checks res and hands it to *out as a strata_result; res is consumed either way. */
static int wrap_result(strata_result **out, strata_conn *c, PGresult *res, strata_error *err)
{
	strata_result *r;
	int rc = check_result(err, c, res);

	if (rc != 0) {
		PQclear(res);
		return rc;
	}
	r = st_malloc(sizeof(*r));
	if (r == NULL) {
		PQclear(res);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	r->res = res;
	*out = r;
	return 0;
}

int strata_conn_query(strata_result **out, strata_conn *c, const char *sql, int nparams,
	const char *const *params, strata_error *err)
{
	*out = NULL;
	return wrap_result(out, c, PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0), err);
}

/* The most parameters a statement can take: the protocol counts them in 16 bits. */
#define MAX_PREPARED_PARAMS 65535

int strata_conn_prepare(strata_conn *c, const char *name, const char *sql, int nparams,
	strata_error *err)
{
	Oid *types = NULL;
	PGresult *res;
	int rc;

	if (name == NULL || sql == NULL)
		return strata_error_set(err, STRATA_EINVAL, "a prepared statement needs a name and SQL");
	if (nparams < 0 || nparams > MAX_PREPARED_PARAMS)
		return strata_error_set(err, STRATA_EINVAL,
			"cannot prepare '%s' with %d parameters: 0 to %d", name, nparams, MAX_PREPARED_PARAMS);
	/*
	 * Type 0 for each parameter asks the server to infer it, as an untyped
	 * literal would be; sending the count makes a statement that takes fewer
	 * parameters fail here (42P18) rather than at each execution.
	 */
	if (nparams > 0) {
		types = st_calloc((size_t)nparams, sizeof(*types));
		if (types == NULL)
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	res = PQprepare(c->pg, name, sql, nparams, types);
	rc = check_result(err, c, res);
	if (rc != 0)
		strata_error_prefix(err, "cannot prepare '%s'", name);
	PQclear(res);
	st_free(types);
	return rc;
}

int strata_conn_query_prepared(strata_result **out, strata_conn *c, const char *name, int nparams,
	const char *const *params, strata_error *err)
{
	*out = NULL;
	if (name == NULL || nparams < 0 || (nparams > 0 && params == NULL))
		return strata_error_set(err, STRATA_EINVAL, "invalid arguments for a prepared statement");
	return wrap_result(out, c, PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0), err);
}

int strata_conn_execp(strata_conn *c, const char *sql, int nparams, const char *const *params,
	strata_error *err)
{
	PGresult *res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = check_result(err, c, res);

	PQclear(res);
	return rc;
}

int strata_conn_query_value(char **out, strata_conn *c, const char *sql, int nparams,
	const char *const *params, strata_error *err)
{
	strata_result *r = NULL;
	const char *v;
	int rc;

	*out = NULL;
	rc = strata_conn_query(&r, c, sql, nparams, params, err);
	if (rc != 0)
		return rc;
	if (strata_result_nrows(r) < 1 || strata_result_ncols(r) < 1) {
		strata_result_free(r);
		return strata_error_set(err, STRATA_ENOTFOUND, "query returned no rows");
	}
	v = strata_result_value(r, 0, 0);
	if (v != NULL) {
		*out = st_strdup(v);
		if (*out == NULL)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	strata_result_free(r);
	return rc;
}

int strata_result_nrows(const strata_result *r)
{
	return r ? PQntuples(r->res) : 0;
}

int strata_result_ncols(const strata_result *r)
{
	return r ? PQnfields(r->res) : 0;
}

const char *strata_result_colname(const strata_result *r, int col)
{
	return r ? PQfname(r->res, col) : NULL;
}

const char *strata_result_value(const strata_result *r, int row, int col)
{
	if (r == NULL || row < 0 || col < 0 || row >= PQntuples(r->res) || col >= PQnfields(r->res))
		return NULL;
	if (PQgetisnull(r->res, row, col))
		return NULL;
	return PQgetvalue(r->res, row, col);
}

const char *strata_result_tag(const strata_result *r)
{
	return r ? PQcmdStatus(r->res) : "";
}

void strata_result_free(strata_result *r)
{
	if (r == NULL)
		return;
	PQclear(r->res);
	st_free(r);
}

static int quote_with(strata_buf *out, strata_conn *c, const char *s, int ident, strata_error *err)
{
	char *q = ident ? PQescapeIdentifier(c->pg, s, strlen(s)) : PQescapeLiteral(c->pg, s, strlen(s));
	int rc = 0;

	if (q == NULL)
		return strata_error_set(err, STRATA_EINVAL, "cannot quote '%s': %s", s,
			PQerrorMessage(c->pg));
	if (strata_buf_puts(out, q) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	PQfreemem(q);
	return rc;
}

int strata_conn_quote_ident(strata_buf *out, strata_conn *c, const char *ident, strata_error *err)
{
	return quote_with(out, c, ident, 1, err);
}

int strata_conn_quote_literal(strata_buf *out, strata_conn *c, const char *s, strata_error *err)
{
	return quote_with(out, c, s, 0, err);
}

int strata_conn_quote_qualified(strata_buf *out, strata_conn *c, const char *name, strata_error *err)
{
	const char *dot = strchr(name, '.');
	strata_buf part = STRATA_BUF_INIT;
	int rc;

	if (dot == NULL)
		return quote_with(out, c, name, 1, err);
	strata_buf_append(&part, name, (size_t)(dot - name));
	rc = strata_buf_failed(&part) ? strata_error_set(err, STRATA_ENOMEM, "out of memory")
		: quote_with(out, c, strata_buf_cstr(&part), 1, err);
	strata_buf_release(&part);
	strata_buf_putc(out, '.');
	return rc != 0 ? rc : quote_with(out, c, dot + 1, 1, err);
}
