/*
 * buf.c: the growable buffer (see strata/buf.h).
 *
 * Growth doubles the allocation, never past the cap. The failed flag is
 * sticky: the first failure freezes the content, so that a long run of
 * appends needs one check at the end.
 */
#include <stdio.h>
#include <string.h>

#include "base.h"

static size_t buf_max(const strata_buf *b)
{
	return b->max ? b->max : STRATA_BUF_DEFAULT_MAX;
}

void strata_buf_init(strata_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->failed = 0;
}

void strata_buf_release(strata_buf *b)
{
	st_free(b->ptr);
	strata_buf_init(b, b->max);
}

void strata_buf_clear(strata_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->ptr != NULL)
		b->ptr[0] = '\0';
}

int strata_buf_reserve(strata_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return STRATA_ENOMEM;
	if (extra > buf_max(b) || b->len + 1 > buf_max(b) - extra) {
		b->failed = 1;
		return STRATA_ENOMEM;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > buf_max(b) / 2 ? buf_max(b) : cap * 2;
	p = st_realloc(b->ptr, cap);
	if (p == NULL) {
		b->failed = 1;
		return STRATA_ENOMEM;
	}
	if (b->ptr == NULL)
		p[0] = '\0';
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int strata_buf_append(strata_buf *b, const void *data, size_t len)
{
	if (strata_buf_reserve(b, len) != 0)
		return STRATA_ENOMEM;
	if (len > 0)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int strata_buf_puts(strata_buf *b, const char *s)
{
	return strata_buf_append(b, s, strlen(s));
}

int strata_buf_putc(strata_buf *b, char c)
{
	return strata_buf_append(b, &c, 1);
}

int strata_buf_vprintf(strata_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (b->failed)
		return STRATA_ENOMEM;
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->failed = 1;
		return STRATA_ENOMEM;
	}
	if (strata_buf_reserve(b, (size_t)n) != 0)
		return STRATA_ENOMEM;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int strata_buf_printf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void strata_buf_truncate(strata_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

void strata_buf_rtrim(strata_buf *b)
{
	while (b->len > 0) {
		char c = b->ptr[b->len - 1];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
		b->len--;
	}
	if (b->ptr != NULL)
		b->ptr[b->len] = '\0';
}

const char *strata_buf_cstr(const strata_buf *b)
{
	return b->ptr != NULL ? b->ptr : "";
}

int strata_buf_failed(const strata_buf *b)
{
	return b->failed;
}

char *strata_buf_detach(strata_buf *b)
{
	char *p;

	if (b->failed) {
		strata_buf_release(b);
		return NULL;
	}
	if (b->ptr == NULL) {
		p = st_strdup("");
	} else {
		p = b->ptr;
	}
	strata_buf_init(b, b->max);
	return p;
}
