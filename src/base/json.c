/*
 * json.c: the streaming JSON writer (see strata/json.h).
 *
 * Output is deterministic: members appear in the order written, numbers use
 * a fixed format, and strings are escaped minimally (quote, backslash and
 * control characters) with invalid UTF-8 replaced by U+FFFD.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "strata/json.h"

#include "base.h"

int strata_json_quote(strata_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	strata_buf_putc(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		size_t seq;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			seq = st_utf8_seq_len(p + i, len - i);
			if (seq > 0) {
				i += seq;
				run += seq;
				continue;
			}
		}
		strata_buf_append(b, p + i - run, run);
		run = 0;
		switch (c) {
		case '"': strata_buf_puts(b, "\\\""); break;
		case '\\': strata_buf_puts(b, "\\\\"); break;
		case '\n': strata_buf_puts(b, "\\n"); break;
		case '\r': strata_buf_puts(b, "\\r"); break;
		case '\t': strata_buf_puts(b, "\\t"); break;
		case '\b': strata_buf_puts(b, "\\b"); break;
		case '\f': strata_buf_puts(b, "\\f"); break;
		default:
			if (c < 0x20)
				strata_buf_printf(b, "\\u%04x", c);
			else
				strata_buf_puts(b, "\xef\xbf\xbd");   /* U+FFFD for an invalid byte */
			break;
		}
		i++;
	}
	strata_buf_append(b, p + i - run, run);
	strata_buf_putc(b, '"');
	return strata_buf_failed(b) ? STRATA_ENOMEM : 0;
}

void strata_json_init(strata_json *w, strata_buf *out, int indent)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->indent = indent;
}

static void misuse(strata_json *w)
{
	w->out->failed = 1;
}

static void newline(strata_json *w)
{
	int i;

	if (w->indent <= 0)
		return;
	strata_buf_putc(w->out, '\n');
	for (i = 0; i < w->depth * w->indent; i++)
		strata_buf_putc(w->out, ' ');
}

/* Writes what must precede a value: a comma and indentation in arrays. */
static int before_value(strata_json *w)
{
	if (w->depth == 0) {
		/* A document holds exactly one top-level value. */
		if (w->top_done) {
			misuse(w);
			return -1;
		}
		w->top_done = 1;
		return 0;
	}
	if (w->kind[w->depth - 1] == 'o') {
		if (!w->want_value) {
			misuse(w);
			return -1;
		}
		w->want_value = 0;
		return 0;
	}
	if (w->count[w->depth - 1])
		strata_buf_putc(w->out, ',');
	w->count[w->depth - 1] = 1;
	newline(w);
	return 0;
}

static void open_container(strata_json *w, char kind)
{
	if (before_value(w) != 0)
		return;
	if (w->depth >= STRATA_JSON_MAX_DEPTH) {
		misuse(w);
		return;
	}
	strata_buf_putc(w->out, kind == 'o' ? '{' : '[');
	w->kind[w->depth] = (unsigned char)kind;
	w->count[w->depth] = 0;
	w->depth++;
}

static void close_container(strata_json *w, char kind)
{
	int had_members;

	if (w->depth == 0 || w->kind[w->depth - 1] != (unsigned char)kind || w->want_value) {
		misuse(w);
		return;
	}
	had_members = w->count[w->depth - 1];
	w->depth--;
	if (had_members)
		newline(w);
	strata_buf_putc(w->out, kind == 'o' ? '}' : ']');
}

void strata_json_object_begin(strata_json *w) { open_container(w, 'o'); }
void strata_json_object_end(strata_json *w) { close_container(w, 'o'); }
void strata_json_array_begin(strata_json *w) { open_container(w, 'a'); }
void strata_json_array_end(strata_json *w) { close_container(w, 'a'); }

void strata_json_key(strata_json *w, const char *key)
{
	if (w->depth == 0 || w->kind[w->depth - 1] != 'o' || w->want_value) {
		misuse(w);
		return;
	}
	if (w->count[w->depth - 1])
		strata_buf_putc(w->out, ',');
	w->count[w->depth - 1] = 1;
	newline(w);
	strata_json_quote(w->out, key, strlen(key));
	strata_buf_putc(w->out, ':');
	if (w->indent > 0)
		strata_buf_putc(w->out, ' ');
	w->want_value = 1;
}

void strata_json_string_len(strata_json *w, const char *s, size_t len)
{
	if (before_value(w) != 0)
		return;
	strata_json_quote(w->out, s, len);
}

void strata_json_string(strata_json *w, const char *s)
{
	if (s == NULL) {
		strata_json_null(w);
		return;
	}
	strata_json_string_len(w, s, strlen(s));
}

void strata_json_int(strata_json *w, int64_t v)
{
	if (before_value(w) != 0)
		return;
	strata_buf_printf(w->out, "%lld", (long long)v);
}

void strata_json_uint(strata_json *w, uint64_t v)
{
	if (before_value(w) != 0)
		return;
	strata_buf_printf(w->out, "%llu", (unsigned long long)v);
}

void strata_json_double(strata_json *w, double v)
{
	char num[64];
	size_t n;

	if (!isfinite(v)) {
		strata_json_null(w);
		return;
	}
	if (before_value(w) != 0)
		return;
	/*
	 * Three decimals suit durations in ms; trailing zeros are trimmed. Large
	 * magnitudes use an exponent so that the text stays short and exact.
	 */
	if (fabs(v) >= 1e15) {
		st_snprintf(num, sizeof(num), "%.17g", v);
		strata_buf_puts(w->out, num);
		return;
	}
	st_snprintf(num, sizeof(num), "%.3f", v);
	n = strlen(num);
	while (n > 1 && num[n - 1] == '0')
		num[--n] = '\0';
	if (n > 0 && num[n - 1] == '.')
		num[--n] = '\0';
	if (strcmp(num, "-0") == 0)
		st_strlcpy(num, "0", sizeof(num));
	strata_buf_puts(w->out, num);
}

void strata_json_bool(strata_json *w, int v)
{
	if (before_value(w) != 0)
		return;
	strata_buf_puts(w->out, v ? "true" : "false");
}

void strata_json_null(strata_json *w)
{
	if (before_value(w) != 0)
		return;
	strata_buf_puts(w->out, "null");
}

void strata_json_raw(strata_json *w, const char *json)
{
	if (json == NULL) {
		strata_json_null(w);
		return;
	}
	if (before_value(w) != 0)
		return;
	strata_buf_puts(w->out, json);
}

int strata_json_done(const strata_json *w)
{
	return w->top_done && w->depth == 0 && !w->want_value && !w->out->failed;
}
