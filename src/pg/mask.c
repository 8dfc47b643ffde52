/*
 * mask.c: hiding passwords in connection strings.
 *
 * strata_conninfo_mask works on whatever the user typed, valid or not, since
 * malformed strings are exactly the ones that end up in error messages. For
 * URLs it masks the password of the user-info part and any password=...
 * query parameter; for keyword/value strings every password=... value,
 * quoted or not. Over-masking a strange string is acceptable; leaking a
 * password is not.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pg/pg_int.h"

static const char MASK[] = "****";

static int is_url(const char *s)
{
	const char *p = strstr(s, "://");
	const char *q;

	if (p == NULL || p == s)
		return 0;
	for (q = s; q < p; q++)
		if (!isalnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.')
			return 0;
	return 1;
}

/* Masks password=value pairs of a URL query string s (no leading '?'). */
static void mask_query(strata_buf *out, const char *s)
{
	while (*s != '\0') {
		const char *amp = strchr(s, '&');
		const char *end = amp ? amp : s + strlen(s);
		const char *eq = memchr(s, '=', (size_t)(end - s));

		if (eq != NULL && (size_t)(eq - s) == 8 && strncasecmp(s, "password", 8) == 0) {
			strata_buf_append(out, s, (size_t)(eq - s) + 1);
			strata_buf_puts(out, MASK);
		} else {
			strata_buf_append(out, s, (size_t)(end - s));
		}
		if (amp == NULL)
			break;
		strata_buf_putc(out, '&');
		s = amp + 1;
	}
}

static void mask_url(strata_buf *out, const char *raw)
{
	const char *auth = strstr(raw, "://") + 3;
	const char *query = strchr(auth, '?');
	const char *at = NULL, *p, *colon;

	/* The user-info ends at the last '@' before the query string. */
	for (p = auth; *p != '\0' && (query == NULL || p < query); p++)
		if (*p == '@')
			at = p;
	if (at == NULL && query != NULL) {
		/* No '@' before '?': a '?' inside an unencoded password is possible. */
		for (p = query; *p != '\0'; p++)
			if (*p == '@')
				at = p;
		if (at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL &&
			memchr(auth, '/', (size_t)(at - auth)) == NULL)
			query = strchr(at, '?');
		else
			at = NULL;
	}
	strata_buf_append(out, raw, (size_t)(auth - raw));
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL) {
			strata_buf_append(out, auth, (size_t)(colon - auth) + 1);
			strata_buf_puts(out, MASK);
		} else {
			strata_buf_append(out, auth, (size_t)(at - auth));
		}
		auth = at;
	}
	if (query == NULL) {
		strata_buf_puts(out, auth);
		return;
	}
	strata_buf_append(out, auth, (size_t)(query - auth) + 1);
	mask_query(out, query + 1);
}

/* keyword = value pairs; values may be single-quoted with backslash escapes. */
static void mask_keywords(strata_buf *out, const char *s)
{
	while (*s != '\0') {
		const char *kw, *kwend, *v;

		while (isspace((unsigned char)*s))
			strata_buf_putc(out, *s++);
		if (*s == '\0')
			break;
		kw = s;
		while (*s != '\0' && *s != '=' && !isspace((unsigned char)*s))
			s++;
		kwend = s;
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '=') {
			/* Not a pair: copy the word and go on. */
			strata_buf_append(out, kw, (size_t)(s - kw));
			continue;
		}
		s++;
		while (isspace((unsigned char)*s))
			s++;
		strata_buf_append(out, kw, (size_t)(s - kw));
		v = s;
		if (*s == '\'') {
			s++;
			while (*s != '\0' && *s != '\'') {
				if (*s == '\\' && s[1] != '\0')
					s++;
				s++;
			}
			if (*s == '\'')
				s++;
		} else {
			while (*s != '\0' && !isspace((unsigned char)*s))
				s++;
		}
		if ((size_t)(kwend - kw) == 8 && strncasecmp(kw, "password", 8) == 0)
			strata_buf_puts(out, MASK);
		else
			strata_buf_append(out, v, (size_t)(s - v));
	}
}

int strata_conninfo_mask(strata_buf *out, const char *raw)
{
	if (raw == NULL)
		return 0;
	if (is_url(raw))
		mask_url(out, raw);
	else
		mask_keywords(out, raw);
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}
