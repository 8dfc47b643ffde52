/*
 * strata/log.h: levelled logging, as text or JSON lines.
 *
 * libstrata never prints on its own: log records go to a sink that the
 * application installs. strata_log_use_stderr() installs the standard sink
 * (what the strata command uses): text lines such as
 *   strata: warning: retrying after lock timeout (attempt 2/5)
 * or one JSON object per line:
 *   {"ts":"2026-11-21T10:00:00.123Z","level":"warning","msg":"...","attempt":2}
 * Without a sink, records are dropped. Records below the configured level are
 * dropped before they are formatted.
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include <stdarg.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_log_level {
	STRATA_LOG_ERROR = 0,
	STRATA_LOG_WARNING = 1,
	STRATA_LOG_NOTICE = 2,  /* something the user should know once; shown by default */
	STRATA_LOG_INFO = 3,    /* progress; shown with --verbose */
	STRATA_LOG_DEBUG = 4,   /* --verbose --verbose */
	STRATA_LOG_TRACE = 5
} strata_log_level;

typedef enum strata_log_format {
	STRATA_LOG_TEXT = 0,
	STRATA_LOG_JSON = 1
} strata_log_format;

/* A structured field of a log record. Exactly one of str or the integer applies. */
typedef struct strata_log_field {
	const char *key;
	const char *str;   /* when not NULL, a string value */
	long long num;     /* otherwise, an integer value */
} strata_log_field;

#define STRATA_LOG_STR(k, v) { (k), (v), 0 }
#define STRATA_LOG_INT(k, v) { (k), NULL, (long long)(v) }

/* A sink receives each record that passed the level filter. */
typedef void (*strata_log_sink)(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields, void *ud);

/* Installs sink (NULL drops every record) and the most verbose level kept. */
STRATA_API void strata_log_set_sink(strata_log_sink sink, void *ud);
STRATA_API void strata_log_set_level(strata_log_level level);
STRATA_API strata_log_level strata_log_get_level(void);

/*
 * Installs the standard stderr sink. prefix starts text lines ("strata");
 * color adds ANSI colour to the level word of text lines.
 */
STRATA_API void strata_log_use_stderr(strata_log_format format, int color, const char *prefix);

/* Nonzero when a record at level would be kept. */
STRATA_API int strata_log_enabled(strata_log_level level);

STRATA_API void strata_log(strata_log_level level, const char *fmt, ...) STRATA_PRINTF(2, 3);
STRATA_API void strata_logv(strata_log_level level, const char *fmt, va_list ap) STRATA_PRINTF(2, 0);

/* A record with structured fields; msg is taken as is (not a format). */
STRATA_API void strata_log_fields(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields);

/* The lowercase name of a level: "error", "warning", "notice", "info", ... */
STRATA_API const char *strata_log_level_name(strata_log_level level);

#ifdef __cplusplus
}
#endif

#endif
