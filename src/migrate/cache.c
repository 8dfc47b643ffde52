/*
 * cache.c: what validating a migration file found, remembered between runs
 * so that `strata migrate status` on a long history reads file metadata
 * instead of every file (the way git's index avoids rereading files).
 *
 * One text file per track in <project>/.strata/cache/. An entry is keyed by
 * the file name, size, modification and change times (nanoseconds) and
 * inode; any difference and the file is read and checked again. Only files
 * without problems are remembered, never files changed in the last two
 * seconds (their timestamps could still match a later edit on a coarse
 * clock), and the whole cache is ignored when strata's version or the
 * track's layout or rules differ. When the SQL is needed (to run it), it is
 * read and its checksum compared with the remembered one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "migrate/migrate_int.h"

#define CACHE_FORMAT "strata-migrate-cache 1"
#define RACY_NS (2LL * 1000000000LL)

typedef struct cache_part {
	char kind;                 /* 'u' up, 'd' down */
	int first_line;
	size_t len;
	char checksum[65], raw_checksum[65];
	int mode;
	char reason[64];
	int64_t lock_ms, stmt_ms;
	int nstatements;
} cache_part;

typedef struct cache_entry {
	char *file;
	long long size, mtime, ctime, ino;
	int nparts;
	cache_part parts[2];
	char *requires;            /* comma-separated, "" when none */
	int fresh;                 /* put during this run */
} cache_entry;

struct st_cache {
	char *path;
	char *header;
	cache_entry *items;
	size_t n, cap;
	int dirty;
	int64_t now_ns;
	size_t hint;               /* where find() looks first */
};

static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const cache_entry *)a)->file, ((const cache_entry *)b)->file);
}

static void entry_release(cache_entry *e)
{
	st_free(e->file);
	st_free(e->requires);
}

/* Splits line at tabs into at most max fields; returns how many. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		char *tab = strchr(line, '\t');

		fields[n++] = line;
		if (tab == NULL)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

/* A decimal number written by this file's own writer ("-1" allowed); -1 when malformed. */
static int parse_ll(long long *out, const char *s)
{
	unsigned long long v = 0;
	int neg = *s == '-';
	const char *p = s + neg;

	if (*p == '\0' || p - s > 1)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (unsigned long long)INT64_MAX / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v > (unsigned long long)INT64_MAX)
		return -1;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

/* One entry line; 0 when malformed (the cache is then ignored entirely). */
static int parse_entry(cache_entry *e, char *line)
{
	char *f[40];
	int n = split_tabs(line, f, 40), i, k = 0;
	long long v;

	memset(e, 0, sizeof(*e));
	if (n < 7)
		return 0;
	if (parse_ll(&e->size, f[1]) || parse_ll(&e->mtime, f[2]) || parse_ll(&e->ctime, f[3]) ||
		parse_ll(&e->ino, f[4]) || parse_ll(&v, f[5]) || v < 1 || v > 2)
		return 0;
	e->nparts = (int)v;
	k = 6;
	for (i = 0; i < e->nparts; i++) {
		cache_part *p = &e->parts[i];
		long long fl, len, mode, lock, stmt, nst;

		if (k + 10 > n)
			return 0;
		p->kind = f[k][0];
		if ((p->kind != 'u' && p->kind != 'd') || parse_ll(&fl, f[k + 1]) || parse_ll(&len, f[k + 2]) ||
			strlen(f[k + 3]) != 64 || strlen(f[k + 4]) != 64 || parse_ll(&mode, f[k + 5]) ||
			parse_ll(&lock, f[k + 7]) || parse_ll(&stmt, f[k + 8]) || parse_ll(&nst, f[k + 9]))
			return 0;
		p->first_line = (int)fl;
		p->len = (size_t)len;
		memcpy(p->checksum, f[k + 3], 65);
		memcpy(p->raw_checksum, f[k + 4], 65);
		p->mode = (int)mode;
		st_strlcpy(p->reason, strcmp(f[k + 6], "-") == 0 ? "" : f[k + 6], sizeof(p->reason));
		p->lock_ms = lock;
		p->stmt_ms = stmt;
		p->nstatements = (int)nst;
		k += 10;
	}
	if (k >= n)
		return 0;
	e->file = st_strdup(f[0]);
	e->requires = st_strdup(strcmp(f[k], "-") == 0 ? "" : f[k]);
	return e->file != NULL && e->requires != NULL;
}

int st_cache_open(st_cache **out, const char *root, const strata_source *src, strata_error *err)
{
	st_cache *c = st_calloc(1, sizeof(*c));
	strata_buf path = STRATA_BUF_INIT, header = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	char *line, *next;
	size_t i;
	int ok = 1;

	*out = NULL;
	if (c == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	c->now_ns = 0;
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		c->now_ns = ns_of(&ts);
	}
	strata_buf_printf(&path, "%s/.strata/cache/migrate-%s.tsv", root, src->track->name);
	strata_buf_printf(&header, "%s\t%s\t%s\t%s\t%s\t%d", CACHE_FORMAT, strata_version(),
		src->track->path, strata_layout_name(src->layout), strata_version_scheme_name(src->track->versions),
		src->track->require_down);
	c->path = strata_buf_detach(&path);
	c->header = strata_buf_detach(&header);
	if (c->path == NULL || c->header == NULL) {
		st_cache_free(c);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	/* A missing or unreadable cache is an empty one. */
	if (st_file_read(&content, c->path, 64u * 1024 * 1024, NULL) == 0 && content.len > 0) {
		line = content.ptr;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strcmp(line, c->header) != 0)
			next = NULL;   /* another strata version or other track rules */
		for (line = next; ok && line != NULL && *line != '\0'; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			if (c->n == c->cap) {
				size_t cap = c->cap ? c->cap * 2 : 256;
				cache_entry *items = st_realloc(c->items, cap * sizeof(*items));
				if (items == NULL) {
					ok = 0;
					break;
				}
				c->items = items;
				c->cap = cap;
			}
			if (!parse_entry(&c->items[c->n], line)) {
				entry_release(&c->items[c->n]);
				ok = 0;
				break;
			}
			c->n++;
		}
		if (!ok) {
			/* Damaged: start over (it is only a cache). */
			while (c->n > 0)
				entry_release(&c->items[--c->n]);
		}
		/* Written sorted: only a hand-edited file needs sorting. */
		for (i = 1; i < c->n; i++)
			if (compare_entries(&c->items[i - 1], &c->items[i]) > 0)
				break;
		if (i < c->n)
			qsort(c->items, c->n, sizeof(cache_entry), compare_entries);
	}
	strata_buf_release(&content);
	*out = c;
	return 0;
}

static cache_entry *find(st_cache *c, const char *file)
{
	cache_entry key, *hit;
	size_t k;

	if (c->n == 0)
		return NULL;
	/*
	 * Files are looked up in version order, which is nearly name order (an
	 * up comes before its down, which sorts first by name): the entries
	 * around the last one found are tried before a search.
	 */
	for (k = c->hint >= 2 ? c->hint - 2 : 0; k < c->n && k < c->hint + 3; k++) {
		if (strcmp(c->items[k].file, file) == 0) {
			c->hint = k + 1;
			return &c->items[k];
		}
	}
	key.file = (char *)file;
	hit = bsearch(&key, c->items, c->n, sizeof(cache_entry), compare_entries);
	if (hit != NULL)
		c->hint = (size_t)(hit - c->items) + 1;
	return hit;
}

static void restore_part(strata_sql_part *part, const cache_part *p)
{
	part->sql = NULL;
	part->len = p->len;
	part->first_line = p->first_line;
	memcpy(part->checksum, p->checksum, 65);
	memcpy(part->raw_checksum, p->raw_checksum, 65);
	part->mode = (strata_exec_mode)p->mode;
	st_strlcpy(part->mode_reason, p->reason, sizeof(part->mode_reason));
	part->lock_timeout_ms = p->lock_ms;
	part->statement_timeout_ms = p->stmt_ms;
	part->nstatements = p->nstatements;
}

static int restore_requires(strata_migration *m, const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char **grown = st_realloc(m->requires, (m->nrequires + 1) * sizeof(char *));

		if (grown == NULL)
			return STRATA_ENOMEM;
		m->requires = grown;
		m->requires[m->nrequires] = st_strndup(p, n);
		if (m->requires[m->nrequires] == NULL)
			return STRATA_ENOMEM;
		m->nrequires++;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int st_cache_fill(st_cache *c, const char *file, const struct stat *st, strata_migration *m,
	char **shown)
{
	cache_entry *e = c ? find(c, file) : NULL;
	int i;

	if (e == NULL || e->size != (long long)st->st_size || e->mtime != ns_of(&st->st_mtim) ||
		e->ctime != ns_of(&st->st_ctim) || e->ino != (long long)st->st_ino)
		return 0;
	for (i = 0; i < e->nparts; i++) {
		strata_sql_part *part = e->parts[i].kind == 'u' ? &m->up : &m->down;

		if (part->path != NULL)
			return 0;   /* a second file for the same part: let validation say so */
		/* The first part takes the caller's copy, a second (dbmate's down) its own. */
		if (*shown != NULL) {
			part->path = *shown;
			*shown = NULL;
		} else {
			part->path = st_strdup(m->up.path != NULL ? m->up.path : m->down.path);
		}
		if (part->path == NULL)
			return -1;
		restore_part(part, &e->parts[i]);
	}
	if (e->requires[0] != '\0' && restore_requires(m, e->requires) != 0)
		return -1;
	return 1;
}

static void put_part(cache_part *p, char kind, const strata_sql_part *part)
{
	p->kind = kind;
	p->first_line = part->first_line;
	p->len = part->len;
	memcpy(p->checksum, part->checksum, 65);
	memcpy(p->raw_checksum, part->raw_checksum, 65);
	p->mode = (int)part->mode;
	st_strlcpy(p->reason, part->mode_reason, sizeof(p->reason));
	p->lock_ms = part->lock_timeout_ms;
	p->stmt_ms = part->statement_timeout_ms;
	p->nstatements = part->nstatements;
}

void st_cache_put(st_cache *c, const char *file, const struct stat *st, const strata_migration *m,
	int up, int down)
{
	cache_entry e;
	strata_buf req = STRATA_BUF_INIT;
	size_t i;

	if (c == NULL || strchr(file, '\t') != NULL || strchr(file, '\n') != NULL)
		return;
	/* Racy: a file changed just now may change again within the same timestamp. */
	if (c->now_ns - ns_of(&st->st_mtim) < RACY_NS || c->now_ns - ns_of(&st->st_ctim) < RACY_NS)
		return;
	memset(&e, 0, sizeof(e));
	e.size = (long long)st->st_size;
	e.mtime = ns_of(&st->st_mtim);
	e.ctime = ns_of(&st->st_ctim);
	e.ino = (long long)st->st_ino;
	if (up)
		put_part(&e.parts[e.nparts++], 'u', &m->up);
	if (down)
		put_part(&e.parts[e.nparts++], 'd', &m->down);
	if (up)
		for (i = 0; i < m->nrequires; i++)
			strata_buf_printf(&req, "%s%s", i ? "," : "", m->requires[i]);
	e.file = st_strdup(file);
	e.requires = strata_buf_detach(&req);
	e.fresh = 1;
	if (e.file == NULL || e.requires == NULL) {
		entry_release(&e);
		return;
	}
	{
		cache_entry *old = find(c, file);

		if (old != NULL) {
			entry_release(old);
			*old = e;
			c->dirty = 1;
			return;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		cache_entry *items = st_realloc(c->items, cap * sizeof(*items));

		if (items == NULL) {
			entry_release(&e);
			return;
		}
		c->items = items;
		c->cap = cap;
	}
	/* Insert in order (files usually arrive sorted, so this is an append). */
	{
		size_t at = c->n;

		while (at > 0 && strcmp(c->items[at - 1].file, e.file) > 0)
			at--;
		memmove(&c->items[at + 1], &c->items[at], (c->n - at) * sizeof(cache_entry));
		c->items[at] = e;
		c->n++;
	}
	c->dirty = 1;
}

void st_cache_save(st_cache *c)
{
	strata_buf b = STRATA_BUF_INIT, dir = STRATA_BUF_INIT;
	size_t i;
	int k;

	if (c == NULL || !c->dirty)
		return;
	strata_buf_printf(&b, "%s\n", c->header);
	for (i = 0; i < c->n; i++) {
		const cache_entry *e = &c->items[i];

		strata_buf_printf(&b, "%s\t%lld\t%lld\t%lld\t%lld\t%d", e->file, e->size, e->mtime, e->ctime,
			e->ino, e->nparts);
		for (k = 0; k < e->nparts; k++) {
			const cache_part *p = &e->parts[k];

			strata_buf_printf(&b, "\t%c\t%d\t%zu\t%s\t%s\t%d\t%s\t%lld\t%lld\t%d", p->kind,
				p->first_line, p->len, p->checksum, p->raw_checksum, p->mode,
				p->reason[0] ? p->reason : "-", (long long)p->lock_ms, (long long)p->stmt_ms,
				p->nstatements);
		}
		strata_buf_printf(&b, "\t%s\n", e->requires[0] ? e->requires : "-");
	}
	{
		const char *slash = strrchr(c->path, '/');
		strata_buf_append(&dir, c->path, (size_t)(slash - c->path));
	}
	/* Only a cache: failing to write it costs speed, not correctness. */
	if (!strata_buf_failed(&b) && !strata_buf_failed(&dir) &&
		st_mkdir_p(strata_buf_cstr(&dir), 0755, NULL) == 0) {
		static const char ignore[] = "# Local state of strata; never commit it.\n*\n";
		strata_buf gi = STRATA_BUF_INIT;
		const char *slash = strrchr(strata_buf_cstr(&dir), '/');

		/* <project>/.strata/.gitignore keeps the cache out of version control. */
		if (slash != NULL) {
			strata_buf_append(&gi, strata_buf_cstr(&dir), (size_t)(slash - strata_buf_cstr(&dir)));
			strata_buf_puts(&gi, "/.gitignore");
			if (!strata_buf_failed(&gi) && !st_path_exists(strata_buf_cstr(&gi)))
				st_file_write_atomic(strata_buf_cstr(&gi), ignore, sizeof(ignore) - 1, 0644, NULL);
		}
		strata_buf_release(&gi);
		st_file_write_atomic(c->path, b.ptr, b.len, 0644, NULL);
	}
	strata_buf_release(&b);
	strata_buf_release(&dir);
}

void st_cache_free(st_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		entry_release(&c->items[i]);
	st_free(c->items);
	st_free(c->path);
	st_free(c->header);
	st_free(c);
}
