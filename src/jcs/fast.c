/*
 * fast.c: the canonical form in one pass over the text, without a tree.
 *
 * Most JSON that strata hashes is already nearly canonical: PostgreSQL's
 * jsonb output (the ledger's payloads, message envelopes) escapes strings
 * exactly as JCS does and only orders keys differently. This writer copies
 * strings and short integers as they are, reads other numbers as doubles,
 * and sorts each object's members after writing them. Whatever it is not
 * sure about (escapes JCS writes differently, a key with an escape, a
 * syntax error, a number a double cannot hold, very deep nesting) makes it
 * give up, and the jansson reader in jcs.c does the work (or reports the
 * error with its position). Both give the same bytes for every input they
 * accept; tests and the fuzz target compare them.
 */
#include <stdlib.h>
#include <string.h>

#include "strata/jcs.h"

#include "base/base.h"
#include "jcs/jcs_int.h"

#define MAX_DEPTH 512

typedef struct span {
	size_t key;       /* offset of the key's first byte (after its quote) in out */
	size_t key_len;
	size_t start;     /* offset of the member ("key":value) in out */
	size_t len;
} span;

typedef struct fast {
	const unsigned char *p, *end;
	strata_buf *out;
	span *members;
	size_t nmembers, cap;
	strata_buf scratch;
	int depth;
} fast;

static void skip_ws(fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\t' || *f->p == '\r'))
		f->p++;
}

static int is_hex_lower(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * A string copied as it is when its escapes are the ones JCS writes (\" \\
 * \b \f \n \r \t, \u00xx for the other controls); keys take no escapes.
 */
static int string(fast *f, int key)
{
	const unsigned char *s = f->p++;

	while (f->p < f->end) {
		unsigned c = *f->p;

		if (c == '"') {
			f->p++;
			strata_buf_append(f->out, s, (size_t)(f->p - s));
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (key || f->end - f->p < 2)
				return -1;
			c = f->p[1];
			if (c == '"' || c == '\\' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
				f->p += 2;
				continue;
			}
			/* \u00xx below 0x20 with lowercase digits, except the ones that have a short form. */
			if (c != 'u' || f->end - f->p < 6 || f->p[2] != '0' || f->p[3] != '0' || (f->p[4] != '0' && f->p[4] != '1') ||
				!is_hex_lower(f->p[5]))
				return -1;
			c = (unsigned)(f->p[4] - '0') * 16 + (unsigned)(f->p[5] <= '9' ? f->p[5] - '0' : f->p[5] - 'a' + 10);
			if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
				return -1;
			f->p += 6;
			continue;
		}
		if (c < 0x80) {
			f->p++;
		} else {
			size_t n = st_utf8_seq_len(f->p, (size_t)(f->end - f->p));

			if (n == 0)
				return -1;
			f->p += n;
		}
	}
	return -1;
}

static int number(fast *f)
{
	const unsigned char *s = f->p, *digits;
	int integer = 1;
	char text[64];
	size_t len;
	double v;

	if (*f->p == '-')
		f->p++;
	digits = f->p;
	if (f->p < f->end && *f->p == '0') {
		f->p++;
	} else if (f->p < f->end && *f->p >= '1' && *f->p <= '9') {
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	} else {
		return -1;
	}
	if (f->p < f->end && *f->p == '.') {
		integer = 0;
		f->p++;
		if (f->p >= f->end || *f->p < '0' || *f->p > '9')
			return -1;
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
		integer = 0;
		f->p++;
		if (f->p < f->end && (*f->p == '+' || *f->p == '-'))
			f->p++;
		if (f->p >= f->end || *f->p < '0' || *f->p > '9')
			return -1;
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	len = (size_t)(f->p - s);
	/* Up to 15 digits: exact as a double, and ECMAScript writes it the same way. */
	if (integer && f->p - digits <= 15) {
		if (len == 2 && s[0] == '-' && s[1] == '0')
			strata_buf_putc(f->out, '0');
		else
			strata_buf_append(f->out, s, len);
		return 0;
	}
	if (len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	v = strtod(text, NULL);
	return strata_jcs_number(f->out, v);   /* -1 for an infinity: the strict reader reports it */
}

static int literal(fast *f, const char *word, size_t len)
{
	if ((size_t)(f->end - f->p) < len || memcmp(f->p, word, len) != 0)
		return -1;
	strata_buf_append(f->out, word, len);
	f->p += len;
	return 0;
}

/*
 * UTF-8 keys in UTF-16 code unit order: byte order, except that a
 * character above U+FFFF (a surrogate pair, 0xD800...) sorts before one in
 * U+E000..U+FFFF, whose UTF-8 bytes are smaller.
 */
static int cmp_utf16(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;
		if ((a[i] & 0xC0) != 0x80 && (b[i] & 0xC0) != 0x80) {
			if (a[i] >= 0xF0 && (b[i] == 0xEE || b[i] == 0xEF))
				return -1;
			if (b[i] >= 0xF0 && (a[i] == 0xEE || a[i] == 0xEF))
				return 1;
		}
		return a[i] < b[i] ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

static int cmp_members(const void *x, const void *y, void *base)
{
	const span *a = x, *b = y;
	const unsigned char *p = base;

	return cmp_utf16(p + a->key, a->key_len, p + b->key, b->key_len);
}

/* Rewrites the members written since offset from in key order; duplicate keys fail. */
static int order_members(fast *f, size_t first, size_t from)
{
	span *m = f->members + first;
	size_t n = f->nmembers - first, i, at;
	const unsigned char *keys = (const unsigned char *)f->out->ptr;
	const char *base;
	int sorted = 1;

	for (i = 1; i < n && sorted; i++)
		if (cmp_utf16(keys + m[i - 1].key, m[i - 1].key_len, keys + m[i].key, m[i].key_len) >= 0)
			sorted = 0;
	if (sorted)
		return 0;
	qsort_r(m, n, sizeof(*m), cmp_members, (void *)keys);
	for (i = 1; i < n; i++)
		if (cmp_utf16(keys + m[i - 1].key, m[i - 1].key_len, keys + m[i].key, m[i].key_len) == 0)
			return -1;
	strata_buf_clear(&f->scratch);
	strata_buf_append(&f->scratch, f->out->ptr + from, f->out->len - from);
	if (strata_buf_failed(&f->scratch))
		return -2;
	base = f->scratch.ptr - from;
	at = from;
	for (i = 0; i < n; i++) {
		if (i > 0)
			f->out->ptr[at++] = ',';
		memcpy(f->out->ptr + at, base + m[i].start, m[i].len);
		at += m[i].len;
	}
	return 0;
}

static int value(fast *f);

static int object(fast *f)
{
	size_t first = f->nmembers, from;
	int rc;

	f->p++;
	strata_buf_putc(f->out, '{');
	from = f->out->len;
	skip_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		strata_buf_putc(f->out, '}');
		return 0;
	}
	for (;;) {
		span *s;

		if (f->nmembers == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 32;
			span *m = st_realloc(f->members, cap * sizeof(*m));

			if (m == NULL)
				return -2;
			f->members = m;
			f->cap = cap;
		}
		s = &f->members[f->nmembers++];
		if (f->nmembers - first > 1)
			strata_buf_putc(f->out, ',');
		s->start = f->out->len;
		if (f->p >= f->end || *f->p != '"')
			return -1;
		s->key = f->out->len + 1;
		if ((rc = string(f, 1)) != 0)
			return rc;
		s->key_len = f->out->len - s->key - 1;
		skip_ws(f);
		if (f->p >= f->end || *f->p != ':')
			return -1;
		f->p++;
		strata_buf_putc(f->out, ':');
		if ((rc = value(f)) != 0)
			return rc;
		s = &f->members[f->nmembers - 1];
		s->len = f->out->len - s->start;
		skip_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			skip_ws(f);
			continue;
		}
		if (f->p < f->end && *f->p == '}')
			break;
		return -1;
	}
	f->p++;
	if (strata_buf_failed(f->out))
		return -2;
	rc = order_members(f, first, from);
	f->nmembers = first;
	strata_buf_putc(f->out, '}');
	return rc;
}

static int array(fast *f)
{
	int rc, n = 0;

	f->p++;
	strata_buf_putc(f->out, '[');
	skip_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		strata_buf_putc(f->out, ']');
		return 0;
	}
	for (;;) {
		if (n++ > 0)
			strata_buf_putc(f->out, ',');
		if ((rc = value(f)) != 0)
			return rc;
		skip_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			continue;
		}
		if (f->p < f->end && *f->p == ']')
			break;
		return -1;
	}
	f->p++;
	strata_buf_putc(f->out, ']');
	return 0;
}

static int value(fast *f)
{
	int rc;

	skip_ws(f);
	if (f->p >= f->end)
		return -1;
	switch (*f->p) {
	case '{':
	case '[':
		if (++f->depth > MAX_DEPTH)
			return -1;
		rc = *f->p == '{' ? object(f) : array(f);
		f->depth--;
		return rc;
	case '"': return string(f, 0);
	case 't': return literal(f, "true", 4);
	case 'f': return literal(f, "false", 5);
	case 'n': return literal(f, "null", 4);
	default: return number(f);
	}
}

int st_jcs_fast(strata_buf *out, const char *json, size_t len)
{
	fast f;
	size_t mark = out->len;
	int rc;

	memset(&f, 0, sizeof(f));
	f.p = (const unsigned char *)json;
	f.end = f.p + len;
	f.out = out;
	f.scratch = (strata_buf)STRATA_BUF_INIT;
	rc = value(&f);
	if (rc == 0) {
		skip_ws(&f);
		if (f.p != f.end)
			rc = -1;
	}
	if (rc == 0 && strata_buf_failed(out))
		rc = -2;
	st_free(f.members);
	strata_buf_release(&f.scratch);
	if (rc != 0 && !strata_buf_failed(out))
		strata_buf_truncate(out, mark);   /* nothing half written */
	return rc;
}
