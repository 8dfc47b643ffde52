/*
 * error.c: recording failures in a strata_error.
 *
 * The text lives inline in the struct, so setting an error never allocates:
 * an out-of-memory error can always be reported.
 */
#include <stdio.h>
#include <string.h>

#include "base.h"

void strata_error_clear(strata_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->sqlstate[0] = '\0';
	err->message[0] = '\0';
	err->detail[0] = '\0';
	err->hint[0] = '\0';
}

int strata_error_setv(strata_error *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	strata_error_clear(err);
	err->code = code;
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
		err->message[0] = '\0';
	return code;
}

int strata_error_set(strata_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_error_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void strata_error_detail(strata_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(err->detail, sizeof(err->detail), fmt, ap) < 0)
		err->detail[0] = '\0';
	va_end(ap);
}

void strata_error_hint(strata_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(err->hint, sizeof(err->hint), fmt, ap) < 0)
		err->hint[0] = '\0';
	va_end(ap);
}

void strata_error_sqlstate(strata_error *err, const char *sqlstate)
{
	if (err == NULL)
		return;
	if (sqlstate != NULL && strlen(sqlstate) == 5)
		memcpy(err->sqlstate, sqlstate, 6);
	else
		err->sqlstate[0] = '\0';
}

void strata_error_prefix(strata_error *err, const char *fmt, ...)
{
	char prefix[STRATA_ERROR_MESSAGE_MAX];
	char joined[STRATA_ERROR_MESSAGE_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(prefix, sizeof(prefix), fmt, ap) < 0)
		prefix[0] = '\0';
	va_end(ap);
	if (err->message[0] == '\0')
		st_strlcpy(joined, prefix, sizeof(joined));
	else
		st_snprintf(joined, sizeof(joined), "%s: %s", prefix, err->message);
	memcpy(err->message, joined, sizeof(joined));
}

const char *strata_code_name(int code)
{
	switch (code) {
	case STRATA_OK: return "ok";
	case STRATA_ENOMEM: return "out_of_memory";
	case STRATA_EINVAL: return "invalid";
	case STRATA_EIO: return "io";
	case STRATA_ECONNECT: return "connect";
	case STRATA_EDB: return "database";
	case STRATA_ETIMEOUT: return "timeout";
	case STRATA_ELOCKED: return "locked";
	case STRATA_ENOTFOUND: return "not_found";
	case STRATA_EENV: return "environment";
	case STRATA_ESTATE: return "state";
	case STRATA_EINTERNAL: return "internal";
	default: return "unknown";
	}
}
