/*
 * pg_int.h: internals of the database core (src/pg only). This and the files
 * beside it are the only places in strata that include libpq-fe.h.
 */
#ifndef STRATA_SRC_PG_INT_H
#define STRATA_SRC_PG_INT_H

#include <libpq-fe.h>

#include "strata/pg.h"

#include "base/base.h"

struct strata_conninfo {
	strata_conn_source source;
	char *raw;            /* the URL or keyword/value string as given; NULL for libpq env */
	char *password;       /* from a password file; overrides the settings */
	char *secret;         /* the password inside raw, for scrubbing messages; may be NULL */
	char *command;        /* for application_name */
	char *dbname;         /* overrides the database the settings name; NULL: theirs */
	char *display;        /* masked rendering */
	int timeout_ms;
};

struct strata_conn {
	PGconn *pg;
	PGcancel *cancel;
	char *display;
	unsigned int savepoints;   /* names the savepoints of nested strata_tx_run calls */
};

struct strata_result {
	PGresult *res;
};

/* Fills err from a failed PGresult (or the connection when res is NULL). */
int st_pg_result_error(strata_error *err, strata_conn *c, const PGresult *res);

/*
 * Removes from text every password found (leniently) in raw, whole or as a
 * quoted fragment, and replaces raw itself by its masked form. For libpq
 * messages that echo what the user typed.
 */
int st_conninfo_scrub(strata_buf *text, const char *raw);

/* Makes a libpq connection error message one line, in strata's style. */
void st_pg_conn_error_text(strata_buf *out, const char *libpq_message);

/* Guesses a SQLSTATE for a connection failure message (libpq gives none). */
const char *st_pg_conn_error_sqlstate(const char *libpq_message);

#endif
