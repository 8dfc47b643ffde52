/*
 * str.c: bounded string copies, range-checked number and duration parsing,
 * hex encoding. These replace the banned libc calls (see banned.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

size_t st_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src);

	if (dstsz > 0) {
		size_t n = len < dstsz - 1 ? len : dstsz - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void st_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;

	if (dstsz == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(dst, dstsz, fmt, ap) < 0)
		dst[0] = '\0';
	va_end(ap);
}

int st_parse_int64(int64_t *out, const char *s, int64_t min, int64_t max)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return STRATA_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return STRATA_EINVAL;
	if (v < min || v > max)
		return STRATA_EINVAL;
	*out = (int64_t)v;
	return 0;
}

int st_parse_int(int *out, const char *s, int min, int max)
{
	int64_t v;
	int rc = st_parse_int64(&v, s, min, max);

	if (rc == 0)
		*out = (int)v;
	return rc;
}

int st_parse_duration_ms(int64_t *out, const char *s, int64_t max_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 },
		{ "m", 60000 }, { "h", 3600000 },
	};
	char digits[32];
	size_t n = 0;
	int64_t v, mult = 1000;
	size_t i;

	if (s == NULL)
		return STRATA_EINVAL;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n >= sizeof(digits))
		return STRATA_EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (s[n] != '\0') {
		for (i = 0; i < ST_ARRAY_LEN(units); i++)
			if (strcmp(s + n, units[i].unit) == 0)
				break;
		if (i == ST_ARRAY_LEN(units))
			return STRATA_EINVAL;
		mult = units[i].ms;
	}
	if (st_parse_int64(&v, digits, 0, INT64_MAX / mult) != 0)
		return STRATA_EINVAL;
	v *= mult;
	if (v > max_ms)
		return STRATA_EINVAL;
	*out = v;
	return 0;
}

int st_str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int st_str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

void st_hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int st_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int st_hex_decode(unsigned char *out, const char *hex, size_t len)
{
	size_t i;

	if (hex == NULL || strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = st_hex_digit(hex[2 * i]), lo = st_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int st_buf_replace_all(strata_buf *b, const char *needle, const char *repl)
{
	strata_buf result = STRATA_BUF_INIT;
	size_t nlen = strlen(needle);
	const char *p, *hit;

	if (nlen == 0 || b->len == 0)
		return 0;
	if (strstr(strata_buf_cstr(b), needle) == NULL)
		return 0;
	strata_buf_init(&result, b->max);
	p = strata_buf_cstr(b);
	while ((hit = strstr(p, needle)) != NULL) {
		strata_buf_append(&result, p, (size_t)(hit - p));
		strata_buf_puts(&result, repl);
		p = hit + nlen;
	}
	strata_buf_puts(&result, p);
	if (strata_buf_failed(&result)) {
		strata_buf_release(&result);
		return STRATA_ENOMEM;
	}
	strata_buf_release(b);
	*b = result;
	return 0;
}

int st_url_encode(strata_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			*p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
			strata_buf_putc(out, (char)*p);
		} else {
			strata_buf_putc(out, '%');
			strata_buf_putc(out, hex[*p >> 4]);
			strata_buf_putc(out, hex[*p & 15]);
		}
	}
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

size_t st_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return len;
}

int st_utf8_valid(const char *text, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = st_utf8_seq_len(p + i, len - i);
		if (n == 0) {
			if (bad_offset != NULL)
				*bad_offset = i;
			return 0;
		}
		i += n;
	}
	return 1;
}
