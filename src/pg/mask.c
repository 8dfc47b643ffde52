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

/* When not NULL, every masked value is also appended here, NUL-separated. */
static strata_buf *collected;

static void put_mask(strata_buf *out, const char *secret, size_t len)
{
	strata_buf_puts(out, MASK);
	if (collected != NULL && len > 0) {
		strata_buf_append(collected, secret, len);
		strata_buf_putc(collected, '\0');
	}
}

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
			put_mask(out, eq + 1, (size_t)(end - eq - 1));
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
			put_mask(out, colon + 1, (size_t)(at - colon - 1));
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
			put_mask(out, v, (size_t)(s - v));
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

/* Replaces each double-quoted span of text that is part of secret with the mask. */
static int scrub_quoted_fragments(strata_buf *text, const char *secret, size_t slen)
{
	strata_buf result = STRATA_BUF_INIT;
	const char *p = strata_buf_cstr(text), *open, *close;
	int changed = 0;

	while ((open = strchr(p, '"')) != NULL && (close = strchr(open + 1, '"')) != NULL) {
		size_t flen = (size_t)(close - open - 1);
		int hit = 0;

		if (flen > 0 && flen <= slen) {
			size_t i;
			for (i = 0; i + flen <= slen && !hit; i++)
				hit = memcmp(secret + i, open + 1, flen) == 0;
		}
		strata_buf_append(&result, p, (size_t)(open - p) + 1);
		if (hit) {
			strata_buf_puts(&result, MASK);
			changed = 1;
		} else {
			strata_buf_append(&result, open + 1, flen);
		}
		strata_buf_putc(&result, '"');
		p = close + 1;
	}
	strata_buf_puts(&result, p);
	if (strata_buf_failed(&result)) {
		strata_buf_release(&result);
		return STRATA_ENOMEM;
	}
	if (changed) {
		strata_buf_release(text);
		*text = result;
	} else {
		strata_buf_release(&result);
	}
	return 0;
}

int st_conninfo_scrub(strata_buf *text, const char *raw)
{
	strata_buf masked = STRATA_BUF_INIT, secrets = STRATA_BUF_INIT;
	const char *s;
	int rc = 0;

	if (raw == NULL || text->len == 0)
		return 0;
	collected = &secrets;
	strata_conninfo_mask(&masked, raw);
	collected = NULL;
	if (strata_buf_failed(&masked) || strata_buf_failed(&secrets)) {
		rc = STRATA_ENOMEM;
		goto done;
	}
	/* The whole input first (libpq quotes it), then each secret alone or in part. */
	rc = st_buf_replace_all(text, raw, strata_buf_cstr(&masked));
	for (s = secrets.ptr; rc == 0 && s != NULL && s < secrets.ptr + secrets.len; s += strlen(s) + 1) {
		rc = st_buf_replace_all(text, s, MASK);
		if (rc == 0)
			rc = scrub_quoted_fragments(text, s, strlen(s));
	}
done:
	strata_buf_release(&masked);
	strata_buf_release(&secrets);
	return rc;
}
