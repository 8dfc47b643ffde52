/*
 * yaml.c: the YAML reader behind strata.yaml and fleet files, and the typed
 * accessors both use.
 *
 * libyaml's event parser feeds a small tree of maps, sequences and scalars,
 * each node with its line and column, kept in one arena that st_yaml_free
 * releases at once. The reader refuses what strata's files never need and
 * what would make them ambiguous to a reader: anchors and aliases, tags,
 * several documents, duplicate keys, keys that are not scalars. Every error
 * reads "<file>:<line>:<column>: <problem>"; user text in a message is masked
 * (a URL in a fleet file may hold a password) and cut short.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/pg.h"

#include "config/config_int.h"

/* ---- the arena ---- */

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t cap;
} arena_chunk;

/* The chunk header rounded up, so that the data after it is aligned. */
#define ARENA_HEADER ((sizeof(arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

struct st_yaml_doc {
	arena_chunk *chunks;   /* the first one has room; large blocks go behind it */
	st_yaml_node *root;
};

/* size bytes, zeroed, from the document's arena; NULL when out of memory. */
static void *arena_alloc(st_yaml_doc *doc, size_t size)
{
	arena_chunk *c = doc->chunks;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	unsigned char *p;

	if (need < size)
		return NULL;
	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK / 4 ? need : ARENA_CHUNK - ARENA_HEADER;

		if (cap > SIZE_MAX - ARENA_HEADER)
			return NULL;
		c = st_malloc(ARENA_HEADER + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (need > ARENA_CHUNK / 4 && doc->chunks != NULL) {
			/* A large block: keep the current chunk in front for small ones. */
			c->next = doc->chunks->next;
			doc->chunks->next = c;
		} else {
			c->next = doc->chunks;
			doc->chunks = c;
		}
	}
	p = (unsigned char *)c + ARENA_HEADER + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

void st_yaml_free(st_yaml_doc *doc)
{
	arena_chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		st_free(c);
	}
	st_free(doc);
}

const st_yaml_node *st_yaml_root(const st_yaml_doc *doc)
{
	if (doc->root == NULL || st_yaml_is_null(doc->root))
		return NULL;
	return doc->root;
}

int st_yaml_is_null(const st_yaml_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n == NULL || n->kind != ST_YAML_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < ST_ARRAY_LEN(nulls); i++)
		if (strcmp(n->text, nulls[i]) == 0)
			return 1;
	return 0;
}

/* ---- messages ---- */

static int fail_vat(const st_config_ctx *ctx, int line, int column, const char *fmt, va_list ap)
{
	char msg[STRATA_ERROR_MESSAGE_MAX];

	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	return strata_error_set(ctx->err, STRATA_EINVAL, "%s:%d:%d: %s", ctx->file, line, column,
		msg);
}

int st_config_fail_at(const st_config_ctx *ctx, int line, int column, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_vat(ctx, line, column, fmt, ap);
	va_end(ap);
	return rc;
}

int st_config_fail(const st_config_ctx *ctx, const st_yaml_node *at, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_vat(ctx, at ? at->line : 1, at ? at->column : 1, fmt, ap);
	va_end(ap);
	return rc;
}

int st_config_can_mask(const char *text)
{
	const char *url = strstr(text, "://");

	return url == NULL || (strstr(url + 3, "://") == NULL && strpbrk(text, " \t\r\n") == NULL);
}

/*
 * What may be shown of text: as it is when it looks like no connection
 * string, masked when strata_conninfo_mask reads it reliably, else nothing.
 */
static int masked_text(strata_buf *out, const char *text)
{
	if (strstr(text, "://") == NULL && strcasestr(text, "password") == NULL)
		return strata_buf_puts(out, text);
	if (!st_config_can_mask(text))
		return strata_buf_puts(out, "(hidden)");
	return strata_conninfo_mask(out, text);
}

const char *st_config_quote(char *out, size_t outsz, const char *text)
{
	strata_buf masked = STRATA_BUF_INIT;
	const unsigned char *p;
	size_t n = 0;

	if (outsz < 16) {
		if (outsz > 0)
			out[0] = '\0';
		return out;
	}
	if (masked_text(&masked, text) != 0) {
		strata_buf_release(&masked);
		st_strlcpy(out, "(hidden)", outsz);
		return out;
	}
	for (p = (const unsigned char *)strata_buf_cstr(&masked); *p != '\0'; p++) {
		char esc[8];
		size_t elen;

		if (*p < 0x20 || *p == 0x7f) {
			if (*p == '\n')
				st_strlcpy(esc, "\\n", sizeof(esc));
			else if (*p == '\t')
				st_strlcpy(esc, "\\t", sizeof(esc));
			else
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
			elen = strlen(esc);
		} else {
			esc[0] = (char)*p;
			esc[1] = '\0';
			elen = 1;
		}
		if (n + elen > outsz - 4) {
			/* Cut after the last whole UTF-8 character, then mark the cut. */
			size_t lead = n;

			while (lead > 0 && ((unsigned char)out[lead - 1] & 0xc0) == 0x80)
				lead--;
			if (lead > 0 && ((unsigned char)out[lead - 1] & 0xc0) == 0xc0) {
				unsigned char c = (unsigned char)out[lead - 1];
				size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

				if (n - (lead - 1) < want)
					n = lead - 1;
			}
			memcpy(out + n, "...", 4);
			strata_buf_release(&masked);
			return out;
		}
		memcpy(out + n, esc, elen);
		n += elen;
	}
	out[n] = '\0';
	strata_buf_release(&masked);
	return out;
}

static int tolower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : (unsigned char)c;
}

/* Optimal string alignment distance, case-insensitive; both words at most 64 bytes. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[3][65];
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2];

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int ca = tolower_ascii(a[i - 1]), cb = tolower_ascii(b[j - 1]);
			size_t cost = ca == cb ? 0 : 1;
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower_ascii(b[j - 2]) &&
				tolower_ascii(a[i - 2]) == cb && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *st_config_suggest(const char *word, const char *const *known, size_t nknown)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, i;

	if (strlen(word) > 64)
		return NULL;
	for (i = 0; i < nknown; i++) {
		size_t len = strlen(known[i]), d, limit;

		if (len > 64)
			continue;
		/* One typo in a short word, about one in three in a longer one. */
		limit = len / 3 > 1 ? len / 3 : 1;
		d = edit_distance(word, known[i]);
		if (d <= limit && d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

/* "a, b, c" from a list of words, cut to fit out. */
static const char *word_list(char *out, size_t outsz, const char *const *words, size_t n,
	const char *last_sep)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && used < outsz; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? last_sep : ", ";
		int w = snprintf(out + used, outsz - used, "%s%s", sep, words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return out;
}

int st_config_unknown_key(const st_config_ctx *ctx, const st_yaml_node *value,
	const char *where, const char *const *known, size_t nknown)
{
	const st_yaml_node *key = value->key;
	const char *close = st_config_suggest(key->text, known, nknown);
	char q[ST_CONFIG_QUOTE_MAX], list[256];
	int rc;

	st_config_quote(q, sizeof(q), key->text);
	if (close != NULL)
		return st_config_fail(ctx, key, "unknown key '%s'%s; did you mean '%s'?", q, where,
			close);
	rc = st_config_fail(ctx, key, "unknown key '%s'%s", q, where);
	strata_error_hint(ctx->err, "known keys: %s", word_list(list, sizeof(list), known, nknown, ", "));
	return rc;
}

/* How a node reads in a type error: "a mapping", "a list", "a string". */
static const char *kind_name(const st_yaml_node *v)
{
	if (v->kind == ST_YAML_MAP)
		return "a mapping";
	if (v->kind == ST_YAML_SEQ)
		return "a list";
	return st_yaml_is_null(v) ? "an empty value" : "a string";
}

/* The key a value belongs to, for messages (a known key by the time a value is read). */
static const char *key_name(const st_yaml_node *v)
{
	return v->key != NULL ? v->key->text : "value";
}

int st_config_expect_map(const st_config_ctx *ctx, const st_yaml_node *v, const char *what)
{
	if (v->kind == ST_YAML_MAP || st_yaml_is_null(v))
		return 0;
	return st_config_fail(ctx, v, "%s must be a mapping, not %s", what, kind_name(v));
}

int st_config_expect_value(const st_config_ctx *ctx, const st_yaml_node *v, const char *expected)
{
	char k[ST_CONFIG_QUOTE_MAX];

	if (v->kind == ST_YAML_SCALAR && !st_yaml_is_null(v) && v->len > 0)
		return 0;
	st_config_quote(k, sizeof(k), key_name(v));
	if (v->kind == ST_YAML_SCALAR)
		return st_config_fail(ctx, v, "'%s' needs a value", k);
	return st_config_fail(ctx, v, "'%s' must be %s, not %s", k, expected, kind_name(v));
}

int st_config_string(char **out, const st_config_ctx *ctx, const st_yaml_node *v)
{
	char *copy;
	int rc = st_config_expect_value(ctx, v, "a string");

	if (rc != 0)
		return rc;
	copy = st_strdup(v->text);
	if (copy == NULL)
		return strata_error_set(ctx->err, STRATA_ENOMEM, "out of memory");
	st_free(*out);
	*out = copy;
	return 0;
}

int st_config_bool(int *out, const st_config_ctx *ctx, const st_yaml_node *v)
{
	/* YAML 1.2's core schema; yes/no/on/off are YAML 1.1 only and read as strings there. */
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	char k[ST_CONFIG_QUOTE_MAX], q[ST_CONFIG_QUOTE_MAX];
	size_t i;
	int rc = st_config_expect_value(ctx, v, "true or false");

	if (rc != 0)
		return rc;
	for (i = 0; i < ST_ARRAY_LEN(yes); i++) {
		if (strcmp(v->text, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(v->text, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return st_config_fail(ctx, v, "'%s' must be true or false, not '%s'",
		st_config_quote(k, sizeof(k), key_name(v)), st_config_quote(q, sizeof(q), v->text));
}

int st_config_int(int *out, const st_config_ctx *ctx, const st_yaml_node *v, int min, int max)
{
	char k[ST_CONFIG_QUOTE_MAX], q[ST_CONFIG_QUOTE_MAX];
	int rc = st_config_expect_value(ctx, v, "a whole number");

	if (rc != 0)
		return rc;
	if (st_parse_int(out, v->text, min, max) == 0)
		return 0;
	st_config_quote(k, sizeof(k), key_name(v));
	st_config_quote(q, sizeof(q), v->text);
	if (max == INT_MAX)
		return st_config_fail(ctx, v, "'%s' must be a whole number of at least %d, not '%s'",
			k, min, q);
	return st_config_fail(ctx, v, "'%s' must be a whole number from %d to %d, not '%s'", k, min,
		max, q);
}

int st_config_duration(int64_t *out, const st_config_ctx *ctx, const st_yaml_node *v)
{
	char k[ST_CONFIG_QUOTE_MAX], q[ST_CONFIG_QUOTE_MAX];
	int rc = st_config_expect_value(ctx, v, "a duration");

	if (rc != 0)
		return rc;
	/* PostgreSQL's timeouts are int milliseconds: longer ones could not be SET. */
	if (st_parse_duration_ms(out, v->text, INT_MAX) == 0)
		return 0;
	rc = st_config_fail(ctx, v, "bad duration '%s' for '%s'",
		st_config_quote(q, sizeof(q), v->text), st_config_quote(k, sizeof(k), key_name(v)));
	strata_error_hint(ctx->err, "a duration is a number with ms, s, min or h (500ms, 5s, 10min, "
		"1h), or a bare number of seconds; 0 turns it off; at most 24 days");
	return rc;
}

int st_config_enum(int *out, const st_config_ctx *ctx, const st_yaml_node *v, const char *what,
	const char *const *names, const int *values, size_t n)
{
	char q[ST_CONFIG_QUOTE_MAX], list[256];
	const char *close;
	size_t i;
	int rc = st_config_expect_value(ctx, v, "a name");

	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(v->text, names[i]) == 0) {
			*out = values[i];
			return 0;
		}
	}
	st_config_quote(q, sizeof(q), v->text);
	word_list(list, sizeof(list), names, n, " or ");
	close = st_config_suggest(v->text, names, n);
	if (close != NULL)
		return st_config_fail(ctx, v, "unknown %s '%s' (expected %s); did you mean '%s'?", what,
			q, list, close);
	return st_config_fail(ctx, v, "unknown %s '%s' (expected %s)", what, q, list);
}

/* ---- building the tree from libyaml's events ---- */

typedef struct builder {
	st_config_ctx ctx;
	const char *text;
	size_t len;
	st_yaml_doc *doc;
	st_yaml_node *cur;     /* the open map or sequence; NULL at the top */
	int depth;
	int documents;
} builder;

static int oom(builder *b)
{
	return strata_error_set(b->ctx.err, STRATA_ENOMEM, "out of memory");
}

static int mark_line(yaml_mark_t m)
{
	return m.line < INT_MAX - 1 ? (int)m.line + 1 : INT_MAX;
}

static int mark_column(yaml_mark_t m)
{
	return m.column < INT_MAX - 1 ? (int)m.column + 1 : INT_MAX;
}

#define NO_ANCHORS_HINT "write every value out: strata's files use no anchors, aliases or tags"

static int refuse_anchor_or_tag(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
	const yaml_char_t *tag)
{
	char q[ST_CONFIG_QUOTE_MAX];
	int rc;

	if (anchor == NULL && tag == NULL)
		return 0;
	if (anchor != NULL)
		rc = st_config_fail_at(&b->ctx, mark_line(ev->start_mark), mark_column(ev->start_mark),
			"anchors are not supported ('&%s')",
			st_config_quote(q, sizeof(q), (const char *)anchor));
	else
		rc = st_config_fail_at(&b->ctx, mark_line(ev->start_mark), mark_column(ev->start_mark),
			"tags are not supported ('%s')", st_config_quote(q, sizeof(q), (const char *)tag));
	strata_error_hint(b->ctx.err, NO_ANCHORS_HINT);
	return rc;
}

static int compare_keys(const void *a, const void *b)
{
	const st_yaml_node *x = *(const st_yaml_node *const *)a;
	const st_yaml_node *y = *(const st_yaml_node *const *)b;
	int c = strcmp(x->key->text, y->key->text);

	if (c != 0)
		return c;
	if (x->key->line != y->key->line)
		return x->key->line < y->key->line ? -1 : 1;
	return x->key->column < y->key->column ? -1 : x->key->column > y->key->column;
}

static int before(const st_yaml_node *a, const st_yaml_node *b)
{
	return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/*
 * A map's keys sorted, so that a big map is checked in n log n; the
 * duplicate reported is the first one in the file.
 */
static int check_duplicate_keys(builder *b, const st_yaml_node *map)
{
	const st_yaml_node **sorted = NULL, *dup = NULL, *first = NULL, *run = NULL;
	const st_yaml_node *v;
	char q[ST_CONFIG_QUOTE_MAX], in[ST_CONFIG_QUOTE_MAX + 8];
	size_t i = 0;

	if (map->count < 2)
		return 0;
	sorted = st_malloc(map->count * sizeof(*sorted));
	if (sorted == NULL)
		return oom(b);
	for (v = map->child; v != NULL; v = v->next)
		sorted[i++] = v;
	qsort(sorted, map->count, sizeof(*sorted), compare_keys);
	for (i = 0; i < map->count; i++) {
		if (i == 0 || strcmp(sorted[i - 1]->key->text, sorted[i]->key->text) != 0) {
			run = sorted[i];
			continue;
		}
		/* The second of a run is the first repeat of that key in the file. */
		if (sorted[i - 1] == run && (dup == NULL || before(sorted[i]->key, dup))) {
			dup = sorted[i]->key;
			first = run->key;
		}
	}
	st_free(sorted);
	if (dup == NULL)
		return 0;
	in[0] = '\0';
	if (map->key != NULL)
		snprintf(in, sizeof(in), " in '%s'", st_config_quote(q, sizeof(q), map->key->text));
	return st_config_fail(&b->ctx, dup, "duplicate key '%s'%s (first on line %d)",
		st_config_quote(q, sizeof(q), dup->text), in, first->line);
}

/* Hangs n under the open container: as the root, an item, a key or a value. */
static int attach(builder *b, st_yaml_node *n)
{
	st_yaml_node *p = b->cur;

	if (p == NULL) {
		b->doc->root = n;
		return 0;
	}
	n->parent = p;
	if (p->kind == ST_YAML_MAP) {
		if (p->pending == NULL) {
			if (n->kind != ST_YAML_SCALAR)
				return st_config_fail(&b->ctx, n, "a key must be a string, not %s",
					kind_name(n));
			p->pending = n;
			return 0;
		}
		n->key = p->pending;
		p->pending = NULL;
	}
	if (p->last != NULL)
		p->last->next = n;
	else
		p->child = n;
	p->last = n;
	p->count++;
	return 0;
}

static st_yaml_node *new_node(builder *b, const yaml_event_t *ev, st_yaml_kind kind)
{
	st_yaml_node *n = arena_alloc(b->doc, sizeof(*n));

	if (n != NULL) {
		n->kind = kind;
		n->line = mark_line(ev->start_mark);
		n->column = mark_column(ev->start_mark);
		n->text = "";
	}
	return n;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
	const char *value = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	st_yaml_node *n;
	char *text;
	int rc;

	rc = refuse_anchor_or_tag(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	if (rc != 0)
		return rc;
	n = new_node(b, ev, ST_YAML_SCALAR);
	if (n == NULL)
		return oom(b);
	/* A "\0" escape in a double-quoted scalar: C strings could not carry it. */
	if (memchr(value, '\0', len) != NULL)
		return st_config_fail(&b->ctx, n, "a NUL character in a value");
	text = len + 1 > len ? arena_alloc(b->doc, len + 1) : NULL;
	if (text == NULL)
		return oom(b);
	memcpy(text, value, len);
	text[len] = '\0';
	n->text = text;
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return attach(b, n);
}

static int on_start(builder *b, const yaml_event_t *ev, st_yaml_kind kind,
	const yaml_char_t *anchor, const yaml_char_t *tag)
{
	st_yaml_node *n;
	int rc = refuse_anchor_or_tag(b, ev, anchor, tag);

	if (rc != 0)
		return rc;
	n = new_node(b, ev, kind);
	if (n == NULL)
		return oom(b);
	if (b->depth >= ST_YAML_MAX_DEPTH)
		return st_config_fail(&b->ctx, n, "nested deeper than %d levels", ST_YAML_MAX_DEPTH);
	rc = attach(b, n);
	if (rc != 0)
		return rc;
	b->cur = n;
	b->depth++;
	return 0;
}

static int on_end(builder *b)
{
	st_yaml_node *n = b->cur;
	int rc = 0;

	/* libyaml balances starts and ends; a NULL here would be its bug, not the file's. */
	if (n == NULL)
		return strata_error_set(b->ctx.err, STRATA_EINTERNAL, "unbalanced YAML events");
	if (n->kind == ST_YAML_MAP)
		rc = check_duplicate_keys(b, n);
	b->cur = n->parent;
	b->depth--;
	return rc;
}

static int on_event(builder *b, const yaml_event_t *ev)
{
	char q[ST_CONFIG_QUOTE_MAX];

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			return st_config_fail_at(&b->ctx, mark_line(ev->start_mark),
				mark_column(ev->start_mark), "a second document: the file must hold one");
		if (ev->data.document_start.tag_directives.start !=
			ev->data.document_start.tag_directives.end)
			return st_config_fail_at(&b->ctx, mark_line(ev->start_mark),
				mark_column(ev->start_mark), "tags are not supported (%%TAG directive)");
		return 0;
	case YAML_ALIAS_EVENT:
		st_config_fail_at(&b->ctx, mark_line(ev->start_mark), mark_column(ev->start_mark),
			"aliases are not supported ('*%s')",
			st_config_quote(q, sizeof(q), (const char *)ev->data.alias.anchor));
		strata_error_hint(b->ctx.err, NO_ANCHORS_HINT);
		return STRATA_EINVAL;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, ST_YAML_SEQ, ev->data.sequence_start.anchor,
			ev->data.sequence_start.tag);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, ST_YAML_MAP, ev->data.mapping_start.anchor,
			ev->data.mapping_start.tag);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b);
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		break;
	}
	return 0;
}

/* The byte where 1-based line and column start, or NULL past the text. */
static const char *find_position(const builder *b, int line, int column)
{
	const char *p = b->text, *end = b->text + b->len;
	int l = 1, c = 1;

	while (p < end && l < line) {
		if (*p == '\n')
			l++;
		p++;
	}
	while (p < end && c < column && *p != '\n') {
		p++;
		while (p < end && ((unsigned char)*p & 0xc0) == 0x80)
			p++;
		c++;
	}
	return p < end ? p : NULL;
}

/* libyaml gives a byte offset for undecodable input: count lines and characters to it. */
static void offset_position(const builder *b, size_t offset, int *line, int *column)
{
	size_t i;

	*line = 1;
	*column = 1;
	for (i = 0; i < offset && i < b->len; i++) {
		if (b->text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)b->text[i] & 0xc0) != 0x80) {
			(*column)++;
		}
	}
}

/* Nonzero when the problem sits on a tab, or its line is indented with one. */
static int tab_near(const builder *b, int line, int column)
{
	const char *end = b->text + b->len;
	const char *p = find_position(b, line, 1), *at = find_position(b, line, column);

	if (at != NULL && *at == '\t')
		return 1;
	for (; p != NULL && p < end && (*p == ' ' || *p == '\t'); p++)
		if (*p == '\t')
			return 1;
	return 0;
}

static int syntax_error(builder *b, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "cannot parse";
	int line, column, rc;

	if (parser->error == YAML_MEMORY_ERROR)
		return oom(b);
	if (parser->error == YAML_READER_ERROR) {
		offset_position(b, parser->problem_offset, &line, &column);
		if (parser->problem_value >= 0)
			return st_config_fail_at(&b->ctx, line, column, "%s (byte 0x%02x)", problem,
				(unsigned)parser->problem_value & 0xff);
		return st_config_fail_at(&b->ctx, line, column, "%s", problem);
	}
	line = mark_line(parser->problem_mark);
	column = mark_column(parser->problem_mark);
	rc = st_config_fail_at(&b->ctx, line, column, "%s", problem);
	if (parser->context != NULL)
		strata_error_detail(b->ctx.err, "%s (line %d, column %d)", parser->context,
			mark_line(parser->context_mark), mark_column(parser->context_mark));
	if (tab_near(b, line, column))
		strata_error_hint(b->ctx.err,
			"line %d holds a tab: YAML indents and separates with spaces only", line);
	return rc;
}

int st_yaml_parse(st_yaml_doc **out, const char *file, const char *text, size_t len,
	strata_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	builder b;
	int have_parser = 0, rc = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.ctx.file = file;
	b.ctx.err = err;
	b.text = text != NULL ? text : "";
	b.len = text != NULL ? len : 0;
	b.doc = st_calloc(1, sizeof(*b.doc));
	if (b.doc == NULL) {
		rc = oom(&b);
		goto done;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = oom(&b);
		goto done;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)b.text, b.len);
	for (;;) {
		yaml_event_type_t type;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(&b, &parser);
			goto done;
		}
		rc = on_event(&b, &ev);
		type = ev.type;
		yaml_event_delete(&ev);
		if (rc != 0)
			goto done;
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	*out = b.doc;
	b.doc = NULL;
done:
	if (have_parser)
		yaml_parser_delete(&parser);
	st_yaml_free(b.doc);
	return rc;
}
