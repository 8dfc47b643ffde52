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

/* Nonzero when the query key [k, k+len) percent-decodes to "password" (any case). */
static int is_password_key(const char *k, size_t len)
{
	char decoded[16];
	size_t i = 0, n = 0;

	while (i < len) {
		char c = k[i];

		if (c == '%' && i + 2 < len && st_hex_digit(k[i + 1]) >= 0 && st_hex_digit(k[i + 2]) >= 0) {
			c = (char)(st_hex_digit(k[i + 1]) * 16 + st_hex_digit(k[i + 2]));
			i += 3;
		} else {
			i++;
		}
		if (n >= sizeof(decoded) - 1)
			return 0;
		decoded[n++] = c;
	}
	decoded[n] = '\0';
	return n == 8 && strncasecmp(decoded, "password", 8) == 0;
}

/*
 * URLs are masked by marking every byte that could belong to a password
 * under the plausible readings, then printing each marked run as "****": the
 * user-info password (see mark_userinfo), and the password=... parameter of
 * a query starting at any '?' (a password may hold an unencoded '?').
 * Over-masking a strange URL is harmless; a single reading could leak.
 */
/*
 * hide[i] marks byte i as secret; slot[i] marks an empty secret just before
 * byte i (an empty password still prints as "****", so that the output does
 * not tell whether one is set).
 */
static void mark(unsigned char *hide, unsigned char *slot, size_t from, size_t to)
{
	size_t j;

	if (from == to)
		slot[from] = 1;
	for (j = from; j < to; j++)
		hide[j] = 1;
}

/*
 * The password of "scheme://user:password@host/...". libpq ends the
 * user-info at an '@' before the first '/'; a password with unencoded '@' or
 * '?' can put more '@' there, so the mask runs to the last '@' before that
 * '/'. With no '@' before the first '/', the password itself may hold an
 * unencoded '/', so the mask runs to the last '@' of the string.
 */
static void mark_userinfo(unsigned char *hide, unsigned char *slot, const char *raw, size_t auth)
{
	size_t colon = auth + strcspn(raw + auth, ":");
	size_t slash = auth + strcspn(raw + auth, "/"), end = 0, i;

	/* A user:password pair needs its ':' before the first '/' ('?' may be in a user name). */
	if (raw[colon] == '\0' || colon > slash)
		return;
	for (i = colon + 1; i < slash; i++)
		if (raw[i] == '@')
			end = i;
	if (end == 0)
		for (i = slash; raw[i] != '\0'; i++)
			if (raw[i] == '@')
				end = i;
	if (end != 0)
		mark(hide, slot, colon + 1, end);
}

/* Marks the values of password=... parameters of the query starting at q. */
static void mark_query(unsigned char *hide, unsigned char *slot, const char *raw, size_t q)
{
	size_t p = q;

	while (raw[p] != '\0') {
		size_t len = strcspn(raw + p, "&");
		const char *eq = memchr(raw + p, '=', len);

		if (eq != NULL && is_password_key(raw + p, (size_t)(eq - (raw + p))))
			mark(hide, slot, (size_t)(eq + 1 - raw), p + len);
		p += len;
		if (raw[p] == '&')
			p++;
	}
}

/* Copies raw to out with each run of hidden bytes, and each empty slot, as the mask. */
static void emit(strata_buf *out, const char *raw, size_t n, const unsigned char *hide,
	const unsigned char *slot)
{
	size_t i;

	for (i = 0; i <= n; ) {
		size_t j = i;

		if (slot[i] && !hide[i] && (i == 0 || !hide[i - 1]))
			strata_buf_puts(out, MASK);
		if (i == n)
			break;
		if (!hide[i]) {
			while (j < n && !hide[j] && (j == i || !slot[j]))
				j++;
			strata_buf_append(out, raw + i, j - i);
		} else {
			while (j < n && hide[j])
				j++;
			put_mask(out, raw + i, j - i);
		}
		i = j;
	}
}

static void mask_url(strata_buf *out, const char *raw)
{
	size_t auth = (size_t)(strstr(raw, "://") + 3 - raw);
	size_t n = strlen(raw), i;
	unsigned char *hide = st_calloc(2 * (n + 1), 1), *slot;


	if (hide == NULL) {
		/* No memory to mark: hide everything after the scheme rather than risk a leak. */
		strata_buf_append(out, raw, auth);
		put_mask(out, raw + auth, n - auth);
		return;
	}
	slot = hide + n + 1;
	mark_userinfo(hide, slot, raw, auth);
	for (i = auth; i < n; i++)
		if (raw[i] == '?')
			mark_query(hide, slot, raw, i + 1);
	emit(out, raw, n, hide, slot);
	st_free(hide);
}

/*
 * Keyword/value strings ("host=db password=x"), read the way libpq reads
 * them: blanks around '=', values quoted with '...' or bare, a backslash
 * escaping the next character in both. With empty_values set, a blank after
 * "key=" followed by a word holding '=' reads as an empty value ("dbname=
 * password=x": the user meant a password, libpq sees a dbname). Both readings
 * are marked; their union is masked.
 */
static void mark_keywords(unsigned char *hide, unsigned char *slot, const char *raw, int empty_values)
{
	size_t p = 0;

	while (raw[p] != '\0') {
		size_t kw, kwend, after_eq, v;
		int is_password;

		while (isspace((unsigned char)raw[p]))
			p++;
		if (raw[p] == '\0')
			break;
		kw = p;
		while (raw[p] != '\0' && raw[p] != '=' && !isspace((unsigned char)raw[p]))
			p++;
		kwend = p;
		while (isspace((unsigned char)raw[p]))
			p++;
		if (raw[p] != '=')
			continue;   /* not a pair (libpq refuses it); read on */
		p++;
		after_eq = p;
		while (isspace((unsigned char)raw[p]))
			p++;
		is_password = kwend - kw == 8 && strncasecmp(raw + kw, "password", 8) == 0;
		/* After "password =" libpq's reading (the next word is the password) is the one to mask. */
		if (empty_values && p > after_eq && !is_password) {
			size_t w = p;

			while (raw[w] != '\0' && !isspace((unsigned char)raw[w]) && raw[w] != '=')
				w++;
			if (raw[w] == '=')
				continue;
		}
		v = p;
		if (raw[p] == '\'') {
			p++;
			while (raw[p] != '\0' && raw[p] != '\'') {
				if (raw[p] == '\\' && raw[p + 1] != '\0')
					p++;
				p++;
			}
			if (raw[p] == '\'')
				p++;
		} else {
			while (raw[p] != '\0' && !isspace((unsigned char)raw[p])) {
				if (raw[p] == '\\' && raw[p + 1] != '\0')
					p++;
				p++;
			}
		}
		if (is_password)
			mark(hide, slot, v, p);
	}
}

static void mask_keywords(strata_buf *out, const char *raw)
{
	size_t n = strlen(raw);
	unsigned char *hide = st_calloc(2 * (n + 1), 1);

	if (hide == NULL) {
		/* No memory to mark: hide all of it rather than risk a leak. */
		put_mask(out, raw, n);
		return;
	}
	mark_keywords(hide, hide + n + 1, raw, 0);
	mark_keywords(hide, hide + n + 1, raw, 1);
	emit(out, raw, n, hide, hide + n + 1);
	st_free(hide);
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

/* Replaces each quoted span of text ("..." or '...') that is part of secret with the mask. */
static int scrub_quoted_fragments(strata_buf *text, const char *secret, size_t slen)
{
	strata_buf result = STRATA_BUF_INIT;
	const char *p = strata_buf_cstr(text), *open, *close;
	int changed = 0;

	while ((open = strpbrk(p, "\"'")) != NULL && (close = strchr(open + 1, *open)) != NULL) {
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
		strata_buf_putc(&result, *close);
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
