/*
 * strata/pg.h: the database core of libstrata: where the connection comes
 * from, connecting, running SQL, transactions, advisory locks and retries.
 *
 * Nothing here exposes libpq: a strata_conn wraps the connection, and results
 * come back as text values. All functions report failure through a
 * strata_error whose message never contains a password.
 *
 * Where the connection comes from (strata_conninfo_resolve), highest
 * precedence first:
 *   1. an explicit URL (the --database-url option),
 *   2. the DATABASE_URL environment variable,
 *   3. libpq's own PG* environment variables and service files
 *      (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE, ...),
 * and when none of these is present, STRATA_ENOTFOUND so that the caller can
 * offer the local development cluster instead.
 */
#ifndef STRATA_PG_H
#define STRATA_PG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Connection settings
 * ------------------------------------------------------------------------ */

typedef enum strata_conn_source {
	STRATA_CONN_SOURCE_NONE = 0,
	STRATA_CONN_SOURCE_OPTION,       /* --database-url */
	STRATA_CONN_SOURCE_ENV_URL,      /* DATABASE_URL */
	STRATA_CONN_SOURCE_LIBPQ_ENV,    /* PG* variables or a service file */
	STRATA_CONN_SOURCE_DEV_CLUSTER,  /* the project's local cluster */
	STRATA_CONN_SOURCE_EXPLICIT      /* a URL given to strata_conninfo_parse */
} strata_conn_source;

typedef struct strata_conn_config {
	const char *url;             /* the --database-url value, or NULL */
	const char *password_file;   /* read the password from this file, or NULL */
	const char *command;         /* the strata command, for application_name */
	int connect_timeout_ms;      /* 0: 10 s */
} strata_conn_config;

#define STRATA_CONN_CONFIG_INIT { NULL, NULL, NULL, 0 }

/* Resolved, validated connection settings. Opaque; free with strata_conninfo_free. */
typedef struct strata_conninfo strata_conninfo;

/*
 * Resolves where to connect following the precedence above and validates the
 * result. STRATA_ENOTFOUND (with a message saying how to give a database) when
 * nothing is configured; STRATA_EINVAL for a malformed URL or an unreadable
 * password file.
 */
STRATA_API int strata_conninfo_resolve(strata_conninfo **out, const strata_conn_config *cfg,
	strata_error *err);

/*
 * Parses and validates a URL (postgresql://... or postgres://...) or a libpq
 * keyword/value string (host=... dbname=...). Anything else is STRATA_EINVAL.
 * source records where it came from, for display.
 */
STRATA_API int strata_conninfo_parse(strata_conninfo **out, const char *url,
	strata_conn_source source, strata_error *err);

/* Reads the password from the first line of path (it overrides any other). */
STRATA_API int strata_conninfo_set_password_file(strata_conninfo *ci, const char *path,
	strata_error *err);

/* Sets the command named in application_name ("strata/<version> <command>"); NULL clears it. */
STRATA_API int strata_conninfo_set_command(strata_conninfo *ci, const char *command);

/* Sets the connect timeout in milliseconds (at least 1). */
STRATA_API void strata_conninfo_set_timeout(strata_conninfo *ci, int timeout_ms);

/* Connect to database dbname on the same server, whatever the settings name (NULL: theirs). STRATA_ENOMEM. */
STRATA_API int strata_conninfo_set_dbname(strata_conninfo *ci, const char *dbname);

/* The settings as a URL with the password masked, safe for any output. */
STRATA_API const char *strata_conninfo_display(const strata_conninfo *ci);
STRATA_API strata_conn_source strata_conninfo_source(const strata_conninfo *ci);
STRATA_API const char *strata_conn_source_name(strata_conn_source source);

STRATA_API void strata_conninfo_free(strata_conninfo *ci);

/*
 * Appends raw (a URL or keyword/value string, well-formed or not) to out with
 * every password replaced by "****". Used for anything that echoes a
 * connection string a user typed.
 */
STRATA_API int strata_conninfo_mask(strata_buf *out, const char *raw);

/* ------------------------------------------------------------------------
 * Connections and queries
 * ------------------------------------------------------------------------ */

typedef struct strata_conn strata_conn;
typedef struct strata_result strata_result;

/*
 * Connects within the configured timeout, with application_name set to
 * "strata/<version> <command>" unless the settings name one. Failures are
 * STRATA_ECONNECT (refused, unknown host, authentication) or STRATA_ETIMEOUT,
 * with a one-line message naming the masked target and the reason.
 */
STRATA_API int strata_conn_open(strata_conn **out, const strata_conninfo *ci, strata_error *err);
STRATA_API void strata_conn_close(strata_conn *c);

/*
 * Opens a second session with the settings c was opened with (same server,
 * database, user, password and application_name), within 10 s. For checks
 * that need two clients, such as telling a proxy's pooling mode.
 */
STRATA_API int strata_conn_open_same(strata_conn **out, strata_conn *c, strata_error *err);

/* Runs one or more statements (simple protocol), discarding results. */
STRATA_API int strata_conn_exec(strata_conn *c, const char *sql, strata_error *err);

/*
 * Runs one statement with text parameters ($1, $2, ...; NULL entries are SQL
 * NULL) and returns its rows. Server errors are STRATA_EDB with the SQLSTATE,
 * except lock_not_available (55P03: STRATA_ELOCKED) and query_canceled
 * (57014: STRATA_ETIMEOUT); a lost connection is STRATA_ECONNECT with 08006.
 */
STRATA_API int strata_conn_query(strata_result **out, strata_conn *c, const char *sql,
	int nparams, const char *const *params, strata_error *err);

/* strata_conn_query without rows to return. */
STRATA_API int strata_conn_execp(strata_conn *c, const char *sql, int nparams,
	const char *const *params, strata_error *err);

/*
 * The first column of the first row as an allocated string (free with
 * strata_free); *out is NULL for SQL NULL. STRATA_ENOTFOUND when no row.
 */
STRATA_API int strata_conn_query_value(char **out, strata_conn *c, const char *sql,
	int nparams, const char *const *params, strata_error *err);

/*
 * Prepared statements (per session: a statement prepared on c exists only on
 * c, whatever role c switches to, until c closes or DEALLOCATE name).
 *
 * strata_conn_prepare parses and analyses one statement once, under name
 * ("" is the unnamed statement, which the next unnamed prepare replaces). It
 * takes nparams text parameters ($1..$nparams), each of whose types the
 * server infers from its use, as for strata_conn_query; a statement that uses
 * fewer parameters fails (42P18). Preparing a name that exists is 42P05:
 * DEALLOCATE it first. Errors are reported as by strata_conn_query, the
 * message prefixed with "cannot prepare '<name>'".
 *
 * strata_conn_query_prepared executes it with nparams text parameters (NULL
 * entries are SQL NULL) and returns its rows as strata_conn_query does, with
 * the same error codes. Wrong parameters are server errors: a value the
 * inferred type refuses (for example 22P02), a count that differs from the
 * prepared one (08P01, STRATA_EDB: the session goes on), an unknown name
 * (26000).
 *
 * PostgreSQL plans each of the first five executions for their parameters,
 * then may switch to a generic plan that it reuses (plan_cache_mode).
 */
STRATA_API int strata_conn_prepare(strata_conn *c, const char *name, const char *sql, int nparams,
	strata_error *err);
STRATA_API int strata_conn_query_prepared(strata_result **out, strata_conn *c, const char *name,
	int nparams, const char *const *params, strata_error *err);

STRATA_API int strata_result_nrows(const strata_result *r);
STRATA_API int strata_result_ncols(const strata_result *r);
STRATA_API const char *strata_result_colname(const strata_result *r, int col);
/* The value as text, or NULL for SQL NULL or out of range. */
STRATA_API const char *strata_result_value(const strata_result *r, int row, int col);
/* The command tag, for example "INSERT 0 1". */
STRATA_API const char *strata_result_tag(const strata_result *r);
STRATA_API void strata_result_free(strata_result *r);

/* The version of the libpq that libstrata runs with, for example 150014. */
STRATA_API int strata_pg_libpq_version(void);

/* Server version as a number, for example 150014. */
STRATA_API int strata_conn_server_version(const strata_conn *c);
STRATA_API int strata_conn_backend_pid(const strata_conn *c);
/* A setting the server reports (DateStyle, TimeZone, server_encoding...), or NULL. */
STRATA_API const char *strata_conn_parameter(const strata_conn *c, const char *name);
/* Where this connection goes, password masked. */
STRATA_API const char *strata_conn_display(const strata_conn *c);
/* Nonzero when the connection is broken. */
STRATA_API int strata_conn_is_bad(const strata_conn *c);

/* Asks the server to cancel the statement running on c (safe from another thread). */
STRATA_API int strata_conn_cancel(strata_conn *c, strata_error *err);

/* One statement's outcome within a batch (see strata_conn_exec_batch). */
typedef struct strata_batch_item {
	int index;                   /* 0-based position of the statement in the batch */
	long long rows;              /* rows affected (INSERT/UPDATE/DELETE...) or returned */
	const char *tag;             /* command tag, for example "INSERT 0 1" */
	const strata_result *result; /* its rows (valid during the callback only) */
} strata_batch_item;

typedef struct strata_batch_hooks {
	/* Called for each statement that completed; nonzero stops reading (the rest still runs). */
	int (*on_item)(const strata_batch_item *item, void *ud);
	/* Polled every tick_ms while waiting: nonzero cancels the running statement. */
	int (*should_cancel)(void *ud);
	/* Called every tick_ms while waiting, with the time spent so far. */
	void (*on_tick)(int64_t waited_ms, void *ud);
	int64_t tick_ms;             /* 0: 200 ms */
	void *ud;
} strata_batch_hooks;

/*
 * Sends sql (one or more statements) in one round trip and reads each
 * statement's result as it arrives. The server stops at the first failing
 * statement; *failed_index (may be NULL) is then its 0-based position and
 * err holds its error, and the call returns that error's code. On success
 * *failed_index is -1. A cancelled statement fails with STRATA_ETIMEOUT
 * (57014). COPY FROM STDIN is refused (there is no data to send).
 */
STRATA_API int strata_conn_exec_batch(strata_conn *c, const char *sql, const strata_batch_hooks *hooks,
	int *failed_index, strata_error *err);

/*
 * COPY ... TO STDOUT (text or binary): fn gets each piece libpq hands over
 * (a row, or the binary header and trailer in their own pieces); returning
 * nonzero stops the copy (the statement is cancelled; the call returns 0;
 * inside a transaction a savepoint keeps the transaction usable).
 */
typedef int (*strata_copy_out_fn)(void *ctx, const char *data, size_t len);
STRATA_API int strata_conn_copy_out(strata_conn *c, const char *sql, strata_copy_out_fn fn, void *ctx,
	strata_error *err);
/*
 * COPY ... TO STDOUT (FORMAT binary), row by row: fn gets each row's fields
 * (len -1 for NULL; the data in PostgreSQL's binary send format, valid
 * during the call). fn returns 0 to go on, 1 to stop (not an error), -1 to
 * stop for lack of memory. *bytes (may be NULL) counts what was read.
 */
#define STRATA_COPY_MAX_FIELDS 64
typedef struct strata_copy_field {
	const char *data;
	int32_t len;
} strata_copy_field;
typedef int (*strata_copy_row_fn)(void *ctx, int nfields, const strata_copy_field *fields);
STRATA_API int strata_conn_copy_rows(strata_conn *c, const char *sql, strata_copy_row_fn fn, void *ctx,
	int64_t *bytes, strata_error *err);
/* COPY ... FROM STDIN with data (len bytes, in the statement's format) as its input. */
STRATA_API int strata_conn_copy_in(strata_conn *c, const char *sql, const void *data, size_t len,
	strata_error *err);

/* Appends ident quoted as an SQL identifier, or s as an SQL string literal. */
STRATA_API int strata_conn_quote_ident(strata_buf *out, strata_conn *c, const char *ident,
	strata_error *err);
STRATA_API int strata_conn_quote_literal(strata_buf *out, strata_conn *c, const char *s,
	strata_error *err);
/* "schema.table" with each part quoted as an identifier ("a"."b"), or a lone name quoted. */
STRATA_API int strata_conn_quote_qualified(strata_buf *out, strata_conn *c, const char *name, strata_error *err);

/* ------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------ */

typedef enum strata_tx_state {
	STRATA_TX_IDLE = 0,      /* not in a transaction */
	STRATA_TX_ACTIVE = 1,    /* in a transaction */
	STRATA_TX_FAILED = 2,    /* in a transaction that failed; only ROLLBACK works */
	STRATA_TX_UNKNOWN = 3    /* connection broken or busy */
} strata_tx_state;

typedef enum strata_isolation {
	STRATA_ISOLATION_DEFAULT = 0,
	STRATA_ISOLATION_READ_COMMITTED,
	STRATA_ISOLATION_REPEATABLE_READ,
	STRATA_ISOLATION_SERIALIZABLE
} strata_isolation;

typedef struct strata_tx_options {
	strata_isolation isolation;
	int read_only;
	int deferrable;     /* only with SERIALIZABLE and read_only */
} strata_tx_options;

#define STRATA_TX_OPTIONS_INIT { STRATA_ISOLATION_DEFAULT, 0, 0 }

STRATA_API strata_tx_state strata_tx_status(const strata_conn *c);

/* opts may be NULL. STRATA_ESTATE when already in a transaction. */
STRATA_API int strata_tx_begin(strata_conn *c, const strata_tx_options *opts, strata_error *err);

/*
 * Commits. When the server turned the COMMIT into a rollback (the transaction
 * had failed) this is an error, STRATA_EDB, not a silent success.
 */
STRATA_API int strata_tx_commit(strata_conn *c, strata_error *err);
STRATA_API int strata_tx_rollback(strata_conn *c, strata_error *err);

/* Savepoints; name must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*). */
STRATA_API int strata_tx_savepoint(strata_conn *c, const char *name, strata_error *err);
STRATA_API int strata_tx_release(strata_conn *c, const char *name, strata_error *err);
STRATA_API int strata_tx_rollback_to(strata_conn *c, const char *name, strata_error *err);

typedef int (*strata_tx_fn)(strata_conn *c, void *ud, strata_error *err);

/*
 * Runs fn inside a transaction: commits when fn returns 0, rolls back (and
 * returns fn's error) otherwise. Inside an open transaction it uses a
 * savepoint instead, so that calls nest.
 */
STRATA_API int strata_tx_run(strata_conn *c, const strata_tx_options *opts, strata_tx_fn fn,
	void *ud, strata_error *err);

/* ------------------------------------------------------------------------
 * Advisory locks (session level, keyed by a name hashed to a bigint)
 * ------------------------------------------------------------------------ */

/*
 * The lock key for a name: the first 8 bytes of SHA-256(name), big-endian, as
 * a signed 64-bit integer. In SQL:
 *   ('x' || left(encode(sha256(convert_to(name, 'UTF8')), 'hex'), 16))::bit(64)::bigint
 */
STRATA_API int64_t strata_lock_key(const char *name);

/*
 * Tries once; *out is 1 when acquired, 0 when someone else holds it.
 * PostgreSQL counts a session's advisory locks: a session that acquired a
 * key twice must release it twice before others can take it.
 */
STRATA_API int strata_lock_try(int *out, strata_conn *c, int64_t key, strata_error *err);

/*
 * Waits up to timeout_ms by polling the try-lock (never a blocking lock call,
 * so that it cannot deadlock with statements such as CREATE INDEX
 * CONCURRENTLY). timeout_ms 0 tries once. STRATA_ELOCKED when still held, with
 * the holder named in the detail.
 */
STRATA_API int strata_lock_wait(strata_conn *c, int64_t key, int timeout_ms, strata_error *err);

/* Releases; STRATA_ESTATE when this session did not hold it. */
STRATA_API int strata_lock_release(strata_conn *c, int64_t key, strata_error *err);

typedef struct strata_lock_holder {
	int pid;
	char application_name[128];
	char user[64];
	char client[64];       /* client address, or "local" */
	char since[40];        /* when the holder's session started (ISO 8601, UTC) */
} strata_lock_holder;

/* Who holds key now; STRATA_ENOTFOUND when nobody. */
STRATA_API int strata_lock_holder_get(strata_lock_holder *out, strata_conn *c, int64_t key,
	strata_error *err);

/* ------------------------------------------------------------------------
 * Retry with jittered exponential backoff
 * ------------------------------------------------------------------------ */

/*
 * Nonzero for SQLSTATEs worth retrying: class 08 (connection exception),
 * 40001 (serialization failure), 40P01 (deadlock detected) and 55P03 (lock
 * not available).
 */
STRATA_API int strata_sqlstate_is_transient(const char *sqlstate);

typedef struct strata_retry_policy {
	int max_attempts;          /* attempts in all, the first included; at least 1 */
	int base_delay_ms;         /* the delay cap before the second attempt */
	int max_delay_ms;          /* no delay exceeds this */
	/* Hooks for tests; NULL uses the real clock and a random source. */
	void (*sleep_ms)(int ms, void *ud);
	uint32_t (*random)(void *ud);
	/* Called before each retry; NULL logs a warning. */
	void (*on_retry)(int attempt, int max_attempts, int delay_ms, const strata_error *cause,
		void *ud);
	void *ud;
} strata_retry_policy;

#define STRATA_RETRY_POLICY_INIT { 5, 100, 5000, NULL, NULL, NULL, NULL }

/*
 * The delay before attempt number `attempt` (2 for the first retry): "equal
 * jitter", half of min(max, base * 2^(attempt-2)) plus a random part up to the
 * other half, so that retries never collapse to zero yet spread out.
 */
STRATA_API int strata_retry_delay_ms(const strata_retry_policy *p, int attempt, uint32_t rnd);

typedef int (*strata_retry_fn)(void *ud, strata_error *err);

/*
 * Calls fn until it succeeds, fails with a non-transient error, or the
 * attempts run out; the last error is returned.
 */
STRATA_API int strata_retry_run(const strata_retry_policy *p, strata_retry_fn fn, void *ud,
	strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
