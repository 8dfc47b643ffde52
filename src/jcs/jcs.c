/*
 * jcs.c: RFC 8785 canonical JSON (see strata/jcs.h).
 *
 * fast.c writes the canonical form of most texts in one pass; for the rest
 * jansson reads the text (rejecting duplicate keys, invalid UTF-8, lone
 * surrogates and overflowing numbers, and reading every number as a
 * double, as JCS's data model says); this file writes the canonical form.
 *
 * Numbers: the shortest round trip is found by printing with 1 to 17
 * significant digits until the text reads back as the same double; the
 * digits and the decimal exponent are then laid out by ECMAScript's
 * Number::toString rules.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/jcs.h"

#include "base/base.h"
#include "crypto/crypto.h"
#include "jcs/jcs_int.h"

/* The exponent of "%e" output: [+-]digits. */
static int exponent(const char *p)
{
	int sign = 1, v = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return sign * v;
}

int strata_jcs_number(strata_buf *out, double v)
{
	char text[40], digits[24];
	int prec, exp10 = 0, k = 0, n, i;
	const char *p;

	if (isnan(v) || isinf(v))
		return -1;
	if (v == 0) {
		strata_buf_putc(out, '0');
		return 0;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*e", prec - 1, v);
		if (strtod(text, NULL) == v)
			break;
	}
	/* text is [-]d[.ddd]e[+-]xx: the digits and the exponent. */
	p = text;
	if (*p == '-') {
		strata_buf_putc(out, '-');
		p++;
	}
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[k++] = *p;
	digits[k] = '\0';
	exp10 = exponent(p + 1);
	/* Trailing zeros are not significant. */
	while (k > 1 && digits[k - 1] == '0')
		digits[--k] = '\0';
	n = exp10 + 1;   /* the decimal point's position */
	if (k <= n && n <= 21) {
		strata_buf_puts(out, digits);
		for (i = 0; i < n - k; i++)
			strata_buf_putc(out, '0');
	} else if (0 < n && n <= 21) {
		strata_buf_append(out, digits, (size_t)n);
		strata_buf_putc(out, '.');
		strata_buf_puts(out, digits + n);
	} else if (-6 < n && n <= 0) {
		strata_buf_puts(out, "0.");
		for (i = 0; i < -n; i++)
			strata_buf_putc(out, '0');
		strata_buf_puts(out, digits);
	} else {
		strata_buf_putc(out, digits[0]);
		if (k > 1) {
			strata_buf_putc(out, '.');
			strata_buf_puts(out, digits + 1);
		}
		strata_buf_printf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	return 0;
}

/* A string with JCS's escapes: \" \\ \b \f \n \r \t, other controls as \u00xx, the rest as is. */
void st_jcs_string(strata_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	strata_buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;

		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		strata_buf_append(out, s + i - run, run);
		run = 0;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc != NULL) {
			strata_buf_puts(out, esc);
		} else {
			strata_buf_puts(out, "\\u00");
			strata_buf_putc(out, hex[c >> 4]);
			strata_buf_putc(out, hex[c & 0xf]);
		}
	}
	strata_buf_append(out, s + len - run, run);
	strata_buf_putc(out, '"');
}

/*
 * The next UTF-16 code unit of a valid UTF-8 string (jansson checked it),
 * or -1 at its end (a prefix sorts first); *pending holds a low surrogate.
 */
static long next_unit(const unsigned char **p, const unsigned char *end, unsigned *pending)
{
	unsigned cp;

	if (*pending != 0) {
		cp = *pending;
		*pending = 0;
		return cp;
	}
	if (*p >= end)
		return -1;
	cp = *(*p)++;
	if (cp >= 0xF0) {
		cp = ((cp & 0x07) << 18) | ((unsigned)((*p)[0] & 0x3F) << 12) | ((unsigned)((*p)[1] & 0x3F) << 6) |
			((*p)[2] & 0x3F);
		*p += 3;
	} else if (cp >= 0xE0) {
		cp = ((cp & 0x0F) << 12) | ((unsigned)((*p)[0] & 0x3F) << 6) | ((*p)[1] & 0x3F);
		*p += 2;
	} else if (cp >= 0xC0) {
		cp = ((cp & 0x1F) << 6) | ((*p)[0] & 0x3F);
		*p += 1;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*pending = 0xDC00 | (cp & 0x3FF);
		return (long)(0xD800 | (cp >> 10));
	}
	return (long)cp;
}

typedef struct member {
	const char *key;
	size_t len;
	json_t *value;
} member;

/* Keys compared as UTF-16 code units, as JCS sorts them (not as UTF-8 bytes or code points). */
static int cmp_keys(const void *a, const void *b)
{
	const member *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->key, *q = (const unsigned char *)y->key;
	const unsigned char *pe = p + x->len, *qe = q + y->len;
	unsigned pp = 0, qp = 0;

	for (;;) {
		long u = next_unit(&p, pe, &pp), v = next_unit(&q, qe, &qp);

		if (u != v)
			return u < v ? -1 : 1;
		if (u < 0)
			return 0;
	}
}

static int value(strata_buf *out, json_t *v)
{
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_NULL: strata_buf_puts(out, "null"); return 0;
	case JSON_TRUE: strata_buf_puts(out, "true"); return 0;
	case JSON_FALSE: strata_buf_puts(out, "false"); return 0;
	case JSON_INTEGER: return strata_jcs_number(out, (double)json_integer_value(v));
	case JSON_REAL: return strata_jcs_number(out, json_real_value(v));
	case JSON_STRING:
		st_jcs_string(out, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_ARRAY:
		strata_buf_putc(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				strata_buf_putc(out, ',');
			if (value(out, json_array_get(v, i)) != 0)
				return -1;
		}
		strata_buf_putc(out, ']');
		return 0;
	case JSON_OBJECT: {
		member *m;
		const char *key;
		json_t *item;
		int rc = 0;

		n = json_object_size(v);
		m = st_calloc(n + 1, sizeof(*m));
		if (m == NULL)
			return -2;
		i = 0;
		json_object_foreach(v, key, item) {
			m[i].key = key;
			m[i].len = strlen(key);
			m[i].value = item;
			i++;
		}
		qsort(m, n, sizeof(*m), cmp_keys);
		strata_buf_putc(out, '{');
		for (i = 0; i < n && rc == 0; i++) {
			if (i > 0)
				strata_buf_putc(out, ',');
			st_jcs_string(out, m[i].key, m[i].len);
			strata_buf_putc(out, ':');
			rc = value(out, m[i].value);
		}
		strata_buf_putc(out, '}');
		st_free(m);
		return rc;
	}
	}
	return -1;
}

int st_jcs_strict(strata_buf *out, const char *json, size_t len, strata_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL |
		JSON_ALLOW_NUL, &jerr);
	if (doc == NULL)
		return strata_error_set(err, STRATA_EINVAL, "not canonicalizable JSON at line %d, column %d: %s",
			jerr.line, jerr.column, jerr.text);
	strata_buf_clear(out);
	rc = value(out, doc);
	json_decref(doc);
	if (rc == -2 || strata_buf_failed(out))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc != 0)
		return strata_error_set(err, STRATA_EINVAL, "a number JSON cannot hold (NaN or infinity)");
	return 0;
}

int st_jcs_append(strata_buf *out, const char *json, size_t len, strata_error *err)
{
	strata_buf strict = STRATA_BUF_INIT;
	int rc = st_jcs_fast(out, json, len);

	if (rc == -2)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		return 0;
	rc = st_jcs_strict(&strict, json, len, err);
	if (rc == 0 && strata_buf_append(out, strict.ptr != NULL ? strict.ptr : "", strict.len) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_release(&strict);
	return rc;
}

int strata_jcs_canonicalize(strata_buf *out, const char *json, size_t len, strata_error *err)
{
	strata_buf_clear(out);
	return st_jcs_append(out, json, len, err);
}

int strata_jcs_sha256(char hex[65], const char *json, size_t len, strata_error *err)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata_jcs_canonicalize(&b, json, len, err);

	if (rc == 0)
		st_sha256_hex(hex, b.ptr != NULL ? b.ptr : "", b.len);
	strata_buf_release(&b);
	return rc;
}
