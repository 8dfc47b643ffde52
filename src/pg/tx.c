/*
 * tx.c: transactions and savepoints, and the callback form that commits or
 * rolls back. A COMMIT that the server turned into a ROLLBACK (because the
 * transaction had already failed) is reported as an error: silently treating
 * it as success is how data goes missing.
 */
#include <ctype.h>
#include <string.h>

#include "pg/pg_int.h"

strata_tx_state strata_tx_status(const strata_conn *c)
{
	switch (PQtransactionStatus(c->pg)) {
	case PQTRANS_IDLE: return STRATA_TX_IDLE;
	case PQTRANS_INTRANS: return STRATA_TX_ACTIVE;
	case PQTRANS_INERROR: return STRATA_TX_FAILED;
	default: return STRATA_TX_UNKNOWN;
	}
}

int strata_tx_begin(strata_conn *c, const strata_tx_options *opts, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (strata_tx_status(c) != STRATA_TX_IDLE)
		return strata_error_set(err, STRATA_ESTATE, "cannot begin: a transaction is already open");
	strata_buf_puts(&sql, "BEGIN");
	if (opts != NULL) {
		switch (opts->isolation) {
		case STRATA_ISOLATION_READ_COMMITTED:
			strata_buf_puts(&sql, " ISOLATION LEVEL READ COMMITTED");
			break;
		case STRATA_ISOLATION_REPEATABLE_READ:
			strata_buf_puts(&sql, " ISOLATION LEVEL REPEATABLE READ");
			break;
		case STRATA_ISOLATION_SERIALIZABLE:
			strata_buf_puts(&sql, " ISOLATION LEVEL SERIALIZABLE");
			break;
		case STRATA_ISOLATION_DEFAULT:
			break;
		}
		if (opts->read_only)
			strata_buf_puts(&sql, " READ ONLY");
		if (opts->deferrable)
			strata_buf_puts(&sql, " DEFERRABLE");
	}
	if (strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	else
		rc = strata_conn_exec(c, strata_buf_cstr(&sql), err);
	strata_buf_release(&sql);
	return rc;
}

int strata_tx_commit(strata_conn *c, strata_error *err)
{
	PGresult *res;
	int rc = 0;

	if (strata_tx_status(c) == STRATA_TX_IDLE)
		return strata_error_set(err, STRATA_ESTATE, "cannot commit: no transaction is open");
	res = PQexec(c->pg, "COMMIT");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = st_pg_result_error(err, c, res);
	} else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		rc = strata_error_set(err, STRATA_EDB,
			"commit failed: the transaction had an error and was rolled back");
		strata_error_sqlstate(err, "25P02");
	}
	PQclear(res);
	return rc;
}

int strata_tx_rollback(strata_conn *c, strata_error *err)
{
	if (strata_tx_status(c) == STRATA_TX_IDLE)
		return strata_error_set(err, STRATA_ESTATE, "cannot roll back: no transaction is open");
	return strata_conn_exec(c, "ROLLBACK", err);
}

static int check_name(const char *name, strata_error *err)
{
	const char *p = name;

	if (!isalpha((unsigned char)*p) && *p != '_')
		goto bad;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			goto bad;
	if (p - name > 63)
		goto bad;
	return 0;
bad:
	return strata_error_set(err, STRATA_EINVAL,
		"invalid savepoint name '%s': use letters, digits and underscores", name);
}

static int savepoint_cmd(strata_conn *c, const char *verb, const char *name, strata_error *err)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	rc = check_name(name, err);
	if (rc != 0)
		return rc;
	if (strata_tx_status(c) == STRATA_TX_IDLE)
		return strata_error_set(err, STRATA_ESTATE, "cannot use savepoint '%s': no transaction is open",
			name);
	strata_buf_printf(&sql, "%s %s", verb, name);
	if (strata_buf_failed(&sql))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	else
		rc = strata_conn_exec(c, strata_buf_cstr(&sql), err);
	strata_buf_release(&sql);
	return rc;
}

int strata_tx_savepoint(strata_conn *c, const char *name, strata_error *err)
{
	return savepoint_cmd(c, "SAVEPOINT", name, err);
}

int strata_tx_release(strata_conn *c, const char *name, strata_error *err)
{
	return savepoint_cmd(c, "RELEASE SAVEPOINT", name, err);
}

int strata_tx_rollback_to(strata_conn *c, const char *name, strata_error *err)
{
	return savepoint_cmd(c, "ROLLBACK TO SAVEPOINT", name, err);
}

int strata_tx_run(strata_conn *c, const strata_tx_options *opts, strata_tx_fn fn, void *ud,
	strata_error *err)
{
	char name[32];
	strata_error ignored = STRATA_ERROR_INIT;
	int rc, nested = strata_tx_status(c) != STRATA_TX_IDLE;

	if (nested) {
		st_snprintf(name, sizeof(name), "strata_sp_%u", ++c->savepoints);
		rc = strata_tx_savepoint(c, name, err);
	} else {
		rc = strata_tx_begin(c, opts, err);
	}
	if (rc != 0)
		return rc;
	rc = fn(c, ud, err);
	if (rc == 0) {
		rc = nested ? strata_tx_release(c, name, err) : strata_tx_commit(c, err);
		if (rc != 0 && nested)
			strata_tx_rollback_to(c, name, &ignored);
		return rc;
	}
	/* Keep fn's error; a failing rollback only matters if the connection is gone. */
	if (nested) {
		if (strata_tx_rollback_to(c, name, &ignored) == 0)
			strata_tx_release(c, name, &ignored);
	} else if (strata_tx_status(c) != STRATA_TX_IDLE) {
		strata_tx_rollback(c, &ignored);
	}
	return rc;
}
