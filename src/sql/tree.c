/*
 * tree.c: JSON read in place into a tree of nodes (see tree.h).
 *
 * One forward pass without recursion: an explicit stack holds the open
 * objects and arrays, so that nesting costs no C stack. Strings are
 * unescaped where they stand (an escape is never shorter than what it
 * stands for) and NUL-terminated there: the closing quote, or a byte freed
 * by unescaping, takes the NUL. Nodes come from blocks of a few thousand.
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "sql/tree.h"

#include "base/base.h"

/* Blocks grow from a small first one: most trees are one migration's, a few hundred nodes. */
#define BLOCK_FIRST 256
#define BLOCK_MAX 16384

struct st_tree_block {
	st_tree_block *next;
	size_t used, cap;
	st_tree_node nodes[];
};

typedef struct frame {
	st_tree_node *node;
	st_tree_node *last;        /* its last member so far */
} frame;

typedef struct reader {
	st_tree *t;
	char *s;
	size_t len, pos;
	frame *stack;
	size_t depth, cap;
	strata_error *err;
} reader;

static st_tree_node *new_node(reader *r, st_tree_type type)
{
	st_tree_block *b = r->t->blocks;
	st_tree_node *n;

	if (b == NULL || b->used == b->cap) {
		size_t cap = b == NULL ? BLOCK_FIRST : b->cap * 2 > BLOCK_MAX ? BLOCK_MAX : b->cap * 2;

		b = st_malloc(sizeof(*b) + cap * sizeof(b->nodes[0]));
		if (b == NULL)
			return NULL;
		b->next = r->t->blocks;
		b->used = 0;
		b->cap = cap;
		r->t->blocks = b;
	}
	n = &b->nodes[b->used++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

static int fail(reader *r, const char *what)
{
	return strata_error_set(r->err, STRATA_EINVAL, "invalid JSON at offset %zu: %s", r->pos, what);
}

static int oom(reader *r)
{
	return strata_error_set(r->err, STRATA_ENOMEM, "out of memory reading a parse tree");
}

static void skip_ws(reader *r)
{
	while (r->pos < r->len) {
		char c = r->s[r->pos];

		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return;
		r->pos++;
	}
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A \u escape at p (after the backslash and u): its code point, pairs joined. */
static int unicode_escape(reader *r, size_t *i, unsigned *cp)
{
	unsigned hi, lo;

	if (*i + 4 > r->len || hex4(r->s + *i, &hi) != 0)
		return fail(r, "bad \\u escape");
	*i += 4;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return fail(r, "lone low surrogate");
	if (hi >= 0xD800 && hi <= 0xDBFF) {
		if (*i + 6 > r->len || r->s[*i] != '\\' || r->s[*i + 1] != 'u' ||
			hex4(r->s + *i + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
			return fail(r, "lone high surrogate");
		*i += 6;
		hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
	}
	*cp = hi;
	return 0;
}

/* The string at r->pos (its opening quote), unescaped in place. */
static int read_string(reader *r, const char **text, size_t *len)
{
	size_t i = r->pos + 1, o;
	char *s = r->s;

	/* The common case: no escape, nothing to move. */
	while (i < r->len && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20)
		i++;
	o = i;
	while (i < r->len && s[i] != '"') {
		unsigned char c = (unsigned char)s[i];
		unsigned cp = 0;

		if (c < 0x20) {
			r->pos = i;
			return fail(r, "control character in a string");
		}
		if (c != '\\') {
			s[o++] = s[i++];
			continue;
		}
		if (i + 1 >= r->len)
			break;
		i += 2;
		switch (s[i - 1]) {
		case '"': s[o++] = '"'; break;
		case '\\': s[o++] = '\\'; break;
		case '/': s[o++] = '/'; break;
		case 'b': s[o++] = '\b'; break;
		case 'f': s[o++] = '\f'; break;
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case 'u':
			if (unicode_escape(r, &i, &cp) != 0)
				return r->err->code;
			o += put_utf8(s + o, cp);
			break;
		default:
			r->pos = i - 2;
			return fail(r, "bad escape");
		}
	}
	if (i >= r->len)
		return fail(r, "unterminated string");
	*text = s + r->pos + 1;
	*len = o - (r->pos + 1);
	s[o] = '\0';
	r->pos = i + 1;
	return 0;
}

static int read_number(reader *r, st_tree_node *n)
{
	size_t i = r->pos, start = r->pos;
	const char *s = r->s;

	if (s[i] == '-')
		i++;
	if (i < r->len && s[i] == '0')
		i++;
	else if (i < r->len && s[i] >= '1' && s[i] <= '9')
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return fail(r, "bad number");
	if (i < r->len && s[i] == '.') {
		i++;
		if (i >= r->len || s[i] < '0' || s[i] > '9')
			return fail(r, "bad number");
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < r->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < r->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= r->len || s[i] < '0' || s[i] > '9')
			return fail(r, "bad number");
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	n->text = s + start;
	n->len = i - start;
	r->pos = i;
	return 0;
}

static int literal(reader *r, const char *word, size_t n)
{
	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return fail(r, "unexpected character");
	r->pos += n;
	return 0;
}

static int push(reader *r, st_tree_node *n)
{
	if (r->depth == ST_TREE_MAX_DEPTH)
		return fail(r, "nested too deeply");
	if (r->depth == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		frame *grown = st_realloc(r->stack, cap * sizeof(*grown));

		if (grown == NULL)
			return oom(r);
		r->stack = grown;
		r->cap = cap;
	}
	r->stack[r->depth].node = n;
	r->stack[r->depth].last = NULL;
	r->depth++;
	return 0;
}

static void attach(reader *r, st_tree_node *n)
{
	frame *f;

	if (r->depth == 0) {
		r->t->root = n;
		return;
	}
	f = &r->stack[r->depth - 1];
	if (f->last == NULL)
		f->node->first = n;
	else
		f->last->next = n;
	f->last = n;
	f->node->count++;
}

/*
 * The value at r->pos, attached to the open container with key. Objects
 * and arrays are pushed; their members follow in read().
 */
static int value(reader *r, const char *key)
{
	st_tree_node *n;
	char c;
	int rc = 0;

	skip_ws(r);
	if (r->pos >= r->len)
		return fail(r, "unexpected end");
	c = r->s[r->pos];
	switch (c) {
	case '{': n = new_node(r, ST_TREE_OBJECT); break;
	case '[': n = new_node(r, ST_TREE_ARRAY); break;
	case '"': n = new_node(r, ST_TREE_STRING); break;
	case 't': n = new_node(r, ST_TREE_TRUE); break;
	case 'f': n = new_node(r, ST_TREE_FALSE); break;
	case 'n': n = new_node(r, ST_TREE_NULL); break;
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return fail(r, "unexpected character");
		n = new_node(r, ST_TREE_NUMBER);
	}
	if (n == NULL)
		return oom(r);
	n->key = key;
	switch (c) {
	case '{':
	case '[':
		r->pos++;
		attach(r, n);
		return push(r, n);
	case '"': rc = read_string(r, &n->text, &n->len); break;
	case 't': rc = literal(r, "true", 4); break;
	case 'f': rc = literal(r, "false", 5); break;
	case 'n': rc = literal(r, "null", 4); break;
	default: rc = read_number(r, n);
	}
	if (rc == 0)
		attach(r, n);
	return rc;
}

/* In an open object: the next member's key and colon (not the value). */
static int member_key(reader *r, const char **key)
{
	size_t len;

	skip_ws(r);
	if (r->pos >= r->len || r->s[r->pos] != '"')
		return fail(r, "expected a key");
	if (read_string(r, key, &len) != 0)
		return r->err->code;
	skip_ws(r);
	if (r->pos >= r->len || r->s[r->pos] != ':')
		return fail(r, "expected ':'");
	r->pos++;
	return 0;
}

static int read_all(reader *r)
{
	const char *key;
	int rc = value(r, NULL);

	while (rc == 0 && r->depth > 0) {
		frame *f = &r->stack[r->depth - 1];
		char close = f->node->type == ST_TREE_OBJECT ? '}' : ']';

		skip_ws(r);
		if (r->pos >= r->len)
			return fail(r, "unexpected end");
		if (r->s[r->pos] == close) {
			r->pos++;
			r->depth--;
			continue;
		}
		if (f->node->count > 0) {
			if (r->s[r->pos] != ',')
				return fail(r, "expected ',' or a closing bracket");
			r->pos++;
		}
		key = NULL;
		if (f->node->type == ST_TREE_OBJECT && (rc = member_key(r, &key)) != 0)
			return rc;
		rc = value(r, key);
	}
	if (rc != 0)
		return rc;
	skip_ws(r);
	if (r->pos != r->len)
		return fail(r, "text after the value");
	return 0;
}

int st_tree_parse(st_tree *t, char *json, size_t len, int own, strata_error *err)
{
	reader r;
	int rc;

	memset(t, 0, sizeof(*t));
	if (own)
		t->owned = json;
	memset(&r, 0, sizeof(r));
	r.t = t;
	r.s = json;
	r.len = len;
	r.err = err;
	rc = read_all(&r);
	st_free(r.stack);
	if (rc != 0)
		st_tree_release(t);
	return rc;
}

void st_tree_release(st_tree *t)
{
	st_tree_block *b = t->blocks;

	while (b != NULL) {
		st_tree_block *next = b->next;

		st_free(b);
		b = next;
	}
	st_free(t->owned);
	memset(t, 0, sizeof(*t));
}

const st_tree_node *st_tree_get(const st_tree_node *obj, const char *key)
{
	const st_tree_node *m;

	if (obj == NULL || obj->type != ST_TREE_OBJECT)
		return NULL;
	/* The hot path of every rule: the first byte rules out most members. */
	for (m = obj->first; m != NULL; m = m->next)
		if (m->key[0] == key[0] && strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const st_tree_node *st_tree_path(const st_tree_node *obj, ...)
{
	const char *key;
	va_list ap;

	va_start(ap, obj);
	while (obj != NULL && (key = va_arg(ap, const char *)) != NULL)
		obj = st_tree_get(obj, key);
	va_end(ap);
	return obj;
}

const char *st_tree_str(const st_tree_node *n)
{
	return n != NULL && n->type == ST_TREE_STRING ? n->text : NULL;
}

long long st_tree_int(const st_tree_node *n, long long dflt)
{
	long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n == NULL || n->type != ST_TREE_NUMBER)
		return dflt;
	if (n->text[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < n->len; i++) {
		char c = n->text[i];

		if (c < '0' || c > '9' || v > (LLONG_MAX - (c - '0')) / 10)
			return dflt;
		v = v * 10 + (c - '0');
	}
	return neg ? -v : v;
}

int st_tree_true(const st_tree_node *n)
{
	return n != NULL && n->type == ST_TREE_TRUE;
}

const char *st_tree_node_type(const st_tree_node *n)
{
	if (n == NULL || n->type != ST_TREE_OBJECT || n->count != 1)
		return NULL;
	return n->first->key;
}

const st_tree_node *st_tree_node_body(const st_tree_node *n)
{
	return st_tree_node_type(n) != NULL ? n->first : NULL;
}

const st_tree_node *st_tree_node_as(const st_tree_node *n, const char *name)
{
	const char *type = st_tree_node_type(n);

	return type != NULL && type[0] == name[0] && strcmp(type, name) == 0 ? n->first : NULL;
}
