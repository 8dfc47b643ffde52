/*
 * strata/error.h: how libstrata reports failure.
 *
 * Every fallible function returns 0 or a negative STRATA_E* code and, when the
 * caller passes a strata_error, fills it with the code, the SQLSTATE when the
 * server sent one, a primary message (lowercase, no trailing period, subject
 * quoted), and optional detail and hint. The struct holds its text inline, so
 * recording an error never allocates and never fails; text longer than the
 * fields is truncated. A strata_error is plain data: no _free is needed.
 *
 * Messages never contain secrets: code that builds a message from a connection
 * string masks the password first (see strata_conninfo_mask).
 */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. Stable: they map onto the CLI exit codes (docs/exit-codes.md). */
typedef enum strata_code {
	STRATA_OK = 0,
	STRATA_ENOMEM = -1,     /* out of memory, or a buffer hit its size cap */
	STRATA_EINVAL = -2,     /* bad argument or bad input (file, URL, value) */
	STRATA_EIO = -3,        /* local file or process I/O failed */
	STRATA_ECONNECT = -4,   /* cannot reach or log in to the database */
	STRATA_EDB = -5,        /* the server reported an error for a statement */
	STRATA_ETIMEOUT = -6,   /* a timeout expired (connect, statement, wait) */
	STRATA_ELOCKED = -7,    /* a lock is held by someone else */
	STRATA_ENOTFOUND = -8,  /* something looked up does not exist */
	STRATA_EENV = -9,       /* the local environment is unfit (binaries, users, permissions) */
	STRATA_ESTATE = -10,    /* the object is in the wrong state for the call */
	STRATA_EINTERNAL = -11  /* a bug: an invariant did not hold */
} strata_code;

#define STRATA_ERROR_MESSAGE_MAX 512
#define STRATA_ERROR_DETAIL_MAX 1024
#define STRATA_ERROR_HINT_MAX 512

typedef struct strata_error {
	int code;                                /* a strata_code; 0 when clear */
	char sqlstate[6];                        /* five characters and NUL, or "" */
	char message[STRATA_ERROR_MESSAGE_MAX];  /* primary message */
	char detail[STRATA_ERROR_DETAIL_MAX];    /* optional, "" when absent */
	char hint[STRATA_ERROR_HINT_MAX];        /* optional, "" when absent */
} strata_error;

#define STRATA_ERROR_INIT { 0, "", "", "", "" }

/* Clears err (NULL is accepted). */
STRATA_API void strata_error_clear(strata_error *err);

/*
 * Records code and a formatted primary message in err, clearing sqlstate,
 * detail and hint. The arguments must not point into err itself (copy
 * err->message first, or use strata_error_prefix). Returns code, so that `return strata_error_set(...)` reads
 * naturally. err may be NULL, in which case only the code is returned.
 */
STRATA_API int strata_error_set(strata_error *err, int code, const char *fmt, ...)
	STRATA_PRINTF(3, 4);
STRATA_API int strata_error_setv(strata_error *err, int code, const char *fmt, va_list ap)
	STRATA_PRINTF(3, 0);

/* Adds a detail or hint to an error already set. err may be NULL. */
STRATA_API void strata_error_detail(strata_error *err, const char *fmt, ...) STRATA_PRINTF(2, 3);
STRATA_API void strata_error_hint(strata_error *err, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* Sets the SQLSTATE (five characters; anything else clears it). */
STRATA_API void strata_error_sqlstate(strata_error *err, const char *sqlstate);

/*
 * Puts context in front of the primary message: "context: message".
 * err may be NULL.
 */
STRATA_API void strata_error_prefix(strata_error *err, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* The stable lowercase name of a code, for example "connect" or "timeout". */
STRATA_API const char *strata_code_name(int code);

#ifdef __cplusplus
}
#endif

#endif
