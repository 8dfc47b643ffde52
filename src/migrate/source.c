/*
 * source.c: a track's migrations as its folder holds them.
 *
 * Four layouts are read, so that a team can adopt strata without renaming a
 * file:
 *   strata          <version>_<slug>.up.sql and .down.sql, slug [a-z0-9_]+
 *   golang-migrate  <version>_<name>.up.sql and .down.sql, any name
 *   dbmate          <version>_<name>.sql with "-- migrate:up" and
 *                   "-- migrate:down" sections ("transaction:false" option)
 *   flyway          V<version>__<name>.sql and U<version>__<name>.sql
 *                   (an executeInTransaction=false in <file>.conf)
 * The layout comes from the config or is detected from the names. Every
 * problem found is collected; the source is still built as far as possible
 * so that all of them can be shown at once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/migrate_int.h"

#define MAX_FILE_SIZE (64u * 1024 * 1024)

typedef enum { PART_UP, PART_DOWN, PART_BOTH } part_kind;

typedef struct entry {
	char *file;          /* file name in the folder */
	char *version;
	char *name;
	part_kind kind;
	strata_layout layout;
} entry;

typedef struct entries {
	entry *items;
	size_t n, cap;
} entries;

static void entries_release(entries *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		st_free(e->items[i].file);
		st_free(e->items[i].version);
		st_free(e->items[i].name);
	}
	st_free(e->items);
}

static int is_slug(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Splits a file name per layout; 0 when it does not match. With version and
 * name NULL it only checks (no allocation: layout detection tests every
 * name against every layout).
 */
static int match_name(const char *f, strata_layout layout, char **version, char **name,
	part_kind *kind)
{
	size_t len = strlen(f), vlen, nlen;
	const char *rest;
	int check_only = version == NULL;

	if (!check_only)
		*version = *name = NULL;
	if (layout == STRATA_LAYOUT_FLYWAY) {
		const char *sep;

		if ((f[0] != 'V' && f[0] != 'U') || !st_str_ends_with(f, ".sql"))
			return 0;
		sep = strstr(f + 1, "__");
		if (sep == NULL)
			return 0;
		vlen = (size_t)(sep - f - 1);
		nlen = len - 4 - (size_t)(sep + 2 - f);
		*kind = f[0] == 'V' ? PART_UP : PART_DOWN;
		if (nlen == 0 || vlen == 0 || vlen > 64)
			return 0;
		{
			char v[65];

			memcpy(v, f + 1, vlen);
			v[vlen] = '\0';
			if (!st_version_valid(v, layout))
				return 0;
		}
		if (check_only)
			return 1;
		*version = st_strndup(f + 1, vlen);
		*name = st_strndup(sep + 2, nlen);
		if (*version == NULL || *name == NULL)
			goto no;
		return 1;
	}
	vlen = strspn(f, "0123456789");
	if (vlen == 0 || f[vlen] != '_')
		return 0;
	rest = f + vlen + 1;
	if (layout == STRATA_LAYOUT_DBMATE) {
		if (!st_str_ends_with(f, ".sql") || st_str_ends_with(f, ".up.sql") ||
			st_str_ends_with(f, ".down.sql"))
			return 0;
		nlen = strlen(rest) - 4;
		*kind = PART_BOTH;
	} else if (st_str_ends_with(f, ".up.sql")) {
		nlen = strlen(rest) - 7;
		*kind = PART_UP;
	} else if (st_str_ends_with(f, ".down.sql")) {
		nlen = strlen(rest) - 9;
		*kind = PART_DOWN;
	} else {
		return 0;
	}
	if (nlen == 0 || (layout == STRATA_LAYOUT_STRATA && !is_slug(rest, nlen)))
		return 0;
	if (check_only)
		return 1;
	*version = st_strndup(f, vlen);
	*name = st_strndup(rest, nlen);
	if (*version == NULL || *name == NULL)
		goto no;
	return 1;
no:
	st_free(*version);
	st_free(*name);
	*version = *name = NULL;
	return 0;
}

static const char *pattern_of(strata_layout layout)
{
	switch (layout) {
	case STRATA_LAYOUT_GOLANG_MIGRATE: return "<version>_<name>.up.sql or .down.sql";
	case STRATA_LAYOUT_DBMATE: return "<version>_<name>.sql";
	case STRATA_LAYOUT_FLYWAY: return "V<version>__<name>.sql or U<version>__<name>.sql";
	default: return "<version>_<slug>.up.sql or .down.sql, slug [a-z0-9_]+";
	}
}

/* Reads the folder's file names, sorted. ENOENT gives an empty list. */
static int list_files(char ***out, size_t *n, const char *dir, strata_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0, count = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return strata_error_set(err, STRATA_EIO, "cannot read folder '%s': %s", dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			continue;
		if (count == cap) {
			char **grown;

			cap = cap ? cap * 2 : 64;
			grown = st_realloc(names, cap * sizeof(char *));
			if (grown == NULL) {
				rc = STRATA_ENOMEM;
				break;
			}
			names = grown;
		}
		names[count] = st_strdup(de->d_name);
		if (names[count] == NULL) {
			rc = STRATA_ENOMEM;
			break;
		}
		count++;
	}
	closedir(d);
	if (rc != 0) {
		while (count > 0)
			st_free(names[--count]);
		st_free(names);
		return strata_error_set(err, rc, "out of memory");
	}
	*out = names;
	*n = count;
	return 0;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		st_free(names[i]);
	st_free(names);
}

/* Guesses the layout from the names: the one most .sql files match. */
static strata_layout detect_layout(char **names, size_t n, const char *dir, strata_problems *problems,
	const char *rel)
{
	static const strata_layout order[] = {
		STRATA_LAYOUT_STRATA, STRATA_LAYOUT_GOLANG_MIGRATE, STRATA_LAYOUT_FLYWAY, STRATA_LAYOUT_DBMATE,
	};
	size_t counts[4] = { 0, 0, 0, 0 }, i, k, best = 0;
	part_kind kind;

	ST_UNUSED(dir);
	for (i = 0; i < n; i++)
		for (k = 0; k < 4; k++)
			counts[k] += match_name(names[i], order[k], NULL, NULL, &kind) != 0;
	/*
	 * golang-migrate accepts every strata name. strata wins when it covers
	 * them all, and also when only a few names miss its slug pattern (at most
	 * 2, and under a tenth): a typo in a strata project is reported as a bad
	 * name instead of silently switching the track to golang-migrate rules.
	 */
	if (counts[0] > 0 && (counts[0] == counts[1] ||
		(counts[1] - counts[0] <= 2 && (counts[1] - counts[0]) * 10 < counts[1])))
		return STRATA_LAYOUT_STRATA;
	for (k = 1; k < 4; k++)
		if (counts[k] > counts[best])
			best = k;
	if (counts[best] == 0)
		return STRATA_LAYOUT_STRATA;
	for (k = 1; k < 4; k++) {
		if (k != best && counts[k] > 0 && order[k] != STRATA_LAYOUT_STRATA &&
			!(order[best] == STRATA_LAYOUT_GOLANG_MIGRATE && order[k] == STRATA_LAYOUT_STRATA))
			strata_problems_add(problems, rel, 0,
				"mixes the %s and %s layouts; set 'layout' for the track in strata.yaml",
				strata_layout_name(order[best]), strata_layout_name(order[k]));
	}
	return order[best];
}

static int entry_add(entries *e, const char *file, char *version, char *name, part_kind kind)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		entry *items = st_realloc(e->items, cap * sizeof(*items));

		if (items == NULL)
			return STRATA_ENOMEM;
		e->items = items;
		e->cap = cap;
	}
	e->items[e->n].file = st_strdup(file);
	e->items[e->n].version = version;
	e->items[e->n].name = name;
	e->items[e->n].kind = kind;
	if (e->items[e->n].file == NULL)
		return STRATA_ENOMEM;
	e->n++;
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	int c = strata_version_compare(x->version, y->version);

	if (c != 0)
		return c;
	c = (int)x->kind - (int)y->kind;
	return c != 0 ? c : strcmp(x->file, y->file);
}

/* The path shown for a file: relative to the project root when inside it. */
static char *display_path(const char *root, const char *dir, const char *file)
{
	size_t rl = strlen(root), dl, fl = strlen(file);
	char *out;

	/* One allocation: this runs for every file of every status. */
	if (strncmp(dir, root, rl) == 0 && (dir[rl] == '/' || dir[rl] == '\0'))
		dir += rl + (dir[rl] == '/');
	dl = strlen(dir);
	out = st_malloc(dl + 1 + fl + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, dir, dl);
	if (dl > 0)
		out[dl++] = '/';
	memcpy(out + dl, file, fl + 1);
	return out;
}

/* Finds the line starting with marker ("-- migrate:up"); returns its offset or -1. */
static long find_marker(const char *text, size_t len, const char *marker)
{
	size_t ml = strlen(marker), i = 0;

	while (i < len) {
		const char *eol = memchr(text + i, '\n', len - i);
		size_t end = eol ? (size_t)(eol - text) : len, j = i;

		while (j < end && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (end - j >= ml && memcmp(text + j, marker, ml) == 0 &&
			(end - j == ml || text[j + ml] == ' ' || text[j + ml] == '\t' || text[j + ml] == '\r'))
			return (long)i;
		i = end + 1;
	}
	return -1;
}

/* Whether the marker line at offset holds "transaction:false". */
static int marker_no_tx(const char *text, size_t len, long at)
{
	const char *eol = memchr(text + at, '\n', len - (size_t)at);
	size_t end = eol ? (size_t)(eol - text) : len;
	const char *hit;
	char line[256];
	size_t n = end - (size_t)at;

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, text + at, n);
	line[n] = '\0';
	hit = strstr(line, "transaction:false");
	return hit != NULL;
}

/* A copy of len bytes plus a terminating NUL: a file may hold NUL bytes (a problem, reported). */
static char *dup_bytes(const char *text, size_t len)
{
	char *copy = st_malloc(len + 1);

	if (copy != NULL) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

/*
 * A UTF-8 byte order mark is not SQL (the server would read it as part of
 * the first word): the parts start after it. Checksums ignore it anyway.
 */
static size_t bom_length(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

static int set_part(strata_sql_part *p, const char *path, const char *text, size_t len, int first_line)
{
	p->path = st_strdup(path);
	p->sql = dup_bytes(text, len);
	p->len = len;
	p->first_line = first_line;
	return p->path && p->sql ? 0 : STRATA_ENOMEM;
}

/* A flyway <file>.conf saying executeInTransaction=false. */
static int flyway_no_tx(const char *dir, const char *file)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	int no_tx = 0;

	strata_buf_printf(&path, "%s/%s.conf", dir, file);
	if (!strata_buf_failed(&path) && st_file_read(&content, strata_buf_cstr(&path), 65536, NULL) == 0) {
		const char *hit = strstr(strata_buf_cstr(&content), "executeInTransaction");
		if (hit != NULL) {
			hit = strchr(hit, '=');
			while (hit != NULL && (*hit == '=' || *hit == ' '))
				hit++;
			no_tx = hit != NULL && strncmp(hit, "false", 5) == 0;
		}
	}
	strata_buf_release(&path);
	strata_buf_release(&content);
	return no_tx;
}

/*
 * The sections of a dbmate file: the up section starts after its marker
 * line and ends at the down marker (or the end); -1 when there is no down.
 */
static int dbmate_sections(const char *text, size_t len, long *up, long *down, size_t *up_start,
	size_t *up_end, size_t *down_start)
{
	*up = find_marker(text, len, "-- migrate:up");
	*down = find_marker(text, len, "-- migrate:down");
	if (*up < 0 || (*down >= 0 && *down < *up))
		return -1;
	*up_start = (size_t)*up;
	while (*up_start < len && text[*up_start] != '\n')
		(*up_start)++;
	if (*up_start < len)
		(*up_start)++;
	*up_end = *down >= 0 ? (size_t)*down : len;
	*down_start = len;
	if (*down >= 0) {
		*down_start = (size_t)*down;
		while (*down_start < len && text[*down_start] != '\n')
			(*down_start)++;
		if (*down_start < len)
			(*down_start)++;
	}
	return 0;
}

/* Reads one file into its migration's part(s) and checks it. */
static int load_entry(strata_migration *m, const entry *e, const strata_source *src, const char *dir,
	const char *root, strata_problems *problems, strata_error *err)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	st_directives dirs;
	char *shown = NULL;
	const char *forced = NULL;
	int native = src->layout == STRATA_LAYOUT_STRATA, rc;

	memset(&dirs, 0, sizeof(dirs));
	st_path_join(&path, dir, e->file);
	shown = display_path(root, dir, e->file);
	if (strata_buf_failed(&path) || shown == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = st_file_read(&content, strata_buf_cstr(&path), MAX_FILE_SIZE, err);
	if (rc == STRATA_EINVAL) {
		rc = strata_problems_add(problems, shown, 0, "is larger than %u MiB", MAX_FILE_SIZE >> 20);
		goto done;
	}
	if (rc != 0)
		goto done;
	if (e->kind == PART_BOTH) {
		size_t bom = bom_length(content.ptr ? content.ptr : "", content.len);
		const char *text = content.ptr ? content.ptr + bom : "";
		size_t len = content.len - bom;
		long up, down;
		size_t up_start, up_end, ds;

		if (dbmate_sections(text, len, &up, &down, &up_start, &up_end, &ds) != 0) {
			if (up < 0)
				rc = strata_problems_add(problems, shown, 0, "has no '-- migrate:up' line (dbmate layout)");
			else
				rc = strata_problems_add(problems, shown, st_line_of(text, len, (size_t)down),
					"'-- migrate:down' comes before '-- migrate:up'");
			goto done;
		}
		if (set_part(&m->up, shown, text + up_start, up_end - up_start,
			st_line_of(text, len, up_start)) != 0)
			goto oom;
		forced = marker_no_tx(text, len, up) ? "transaction:false" : NULL;
		rc = st_part_check(&m->up, &dirs, forced, 0, problems, err);
		if (rc != 0)
			goto done;
		m->requires = dirs.requires;
		m->nrequires = dirs.nrequires;
		dirs.requires = NULL;
		dirs.nrequires = 0;
		if (down >= 0) {
			if (set_part(&m->down, shown, text + ds, len - ds, st_line_of(text, len, ds)) != 0)
				goto oom;
			forced = marker_no_tx(text, len, down) ? "transaction:false" : NULL;
			rc = st_part_check(&m->down, &dirs, forced, 0, problems, err);
		}
		goto done;
	}
	{
		strata_sql_part *part = e->kind == PART_UP ? &m->up : &m->down;
		size_t bom = bom_length(content.ptr ? content.ptr : "", content.len);

		if (set_part(part, shown, content.ptr ? content.ptr + bom : "", content.len - bom, 1) != 0)
			goto oom;
		if (src->layout == STRATA_LAYOUT_FLYWAY && flyway_no_tx(dir, e->file))
			forced = "executeInTransaction=false";
		rc = st_part_check(part, &dirs, forced, native, problems, err);
		if (rc == 0 && e->kind == PART_UP) {
			m->requires = dirs.requires;
			m->nrequires = dirs.nrequires;
			dirs.requires = NULL;
			dirs.nrequires = 0;
		}
	}
	goto done;
oom:
	rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
done:
	st_directives_release(&dirs);
	st_free(shown);
	strata_buf_release(&path);
	strata_buf_release(&content);
	return rc;
}

static void part_release(strata_sql_part *p)
{
	st_free(p->path);
	st_free(p->sql);
}

void strata_source_free(strata_source *source)
{
	size_t i, j;

	if (source == NULL)
		return;
	for (i = 0; i < source->n; i++) {
		strata_migration *m = &source->migrations[i];

		st_free(m->version);
		st_free(m->name);
		part_release(&m->up);
		part_release(&m->down);
		for (j = 0; j < m->nrequires; j++)
			st_free(m->requires[j]);
		st_free(m->requires);
	}
	st_free(source->migrations);
	st_free(source->root);
	st_free(source);
}

/* Versions, schemes and gaps, over the whole track. */
static int check_versions(strata_source *src, const char *rel, strata_problems *problems)
{
	size_t i, stamps = 0;
	int rc = 0;

	for (i = 0; i < src->n; i++)
		stamps += st_version_is_timestamp(src->migrations[i].version) != 0;
	if (src->track->versions != STRATA_VERSIONS_AUTO)
		src->scheme = src->track->versions;
	else
		src->scheme = src->n > 0 && stamps == src->n ? STRATA_VERSIONS_TIMESTAMP
			: STRATA_VERSIONS_SEQUENTIAL;
	if (src->layout == STRATA_LAYOUT_FLYWAY)
		return 0;
	for (i = 0; i < src->n && rc == 0; i++) {
		const strata_migration *m = &src->migrations[i];
		int ts = st_version_is_timestamp(m->version);

		if (src->scheme == STRATA_VERSIONS_TIMESTAMP && !ts)
			rc = strata_problems_add(problems, m->up.path ? m->up.path : m->down.path, 0,
				"version '%s' is not a timestamp (YYYYMMDDHHMM or YYYYMMDDHHMMSS) in a timestamp track",
				m->version);
		else if (src->scheme == STRATA_VERSIONS_SEQUENTIAL && strlen(m->version) >= 12 && ts &&
			src->track->versions == STRATA_VERSIONS_AUTO)
			rc = strata_problems_add(problems, m->up.path ? m->up.path : m->down.path, 0,
				"version '%s' looks like a timestamp in a track of sequential versions; one scheme per track",
				m->version);
	}
	/* Gaps: only strata's own sequential tracks promise a contiguous sequence. */
	if (rc == 0 && src->layout == STRATA_LAYOUT_STRATA && src->scheme == STRATA_VERSIONS_SEQUENTIAL) {
		for (i = 1; i < src->n && rc == 0; i++) {
			const char *a = src->migrations[i - 1].version, *b = src->migrations[i].version;
			int64_t va, vb;

			if (strlen(a) > 18 || strlen(b) > 18 || st_parse_int64(&va, a, 0, INT64_MAX) != 0 ||
				st_parse_int64(&vb, b, 0, INT64_MAX) != 0)
				continue;
			if (vb > va + 1)
				rc = strata_problems_add(problems, src->migrations[i].up.path ? src->migrations[i].up.path
					: rel, 0, "gap in the sequence: %s follows %s (%lld missing)", b, a,
					(long long)(vb - va - 1));
		}
	}
	return rc;
}

int strata_source_load(strata_source **out, const strata_track_config *track, const char *root,
	strata_problems *problems, strata_error *err)
{
	strata_source *src = NULL;
	st_cache *cache = NULL;
	int dirfd = -1;
	char **names = NULL, *rel = NULL;
	size_t nnames = 0, i;
	entries list;
	int rc;

	memset(&list, 0, sizeof(list));
	*out = NULL;
	src = st_calloc(1, sizeof(*src));
	rel = display_path(root, track->path, "");
	if (src == NULL || rel == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if (rel[0] != '\0' && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	src->track = track;
	src->root = st_strdup(root);
	if (src->root == NULL)
		goto oom;
	rc = list_files(&names, &nnames, track->path, err);
	if (rc != 0)
		goto done;
	src->layout = track->layout != STRATA_LAYOUT_AUTO ? track->layout
		: detect_layout(names, nnames, track->path, problems, rel);
	/* Flyway's .conf side files decide things too: that layout is always read in full. */
	if (src->layout != STRATA_LAYOUT_FLYWAY) {
		rc = st_cache_open(&cache, root, src, err);
		if (rc != 0)
			goto done;
		dirfd = open(track->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}

	for (i = 0; i < nnames; i++) {
		char *version, *name;
		part_kind kind;

		if (!st_str_ends_with(names[i], ".sql"))
			continue;
		if (src->layout == STRATA_LAYOUT_FLYWAY && names[i][0] == 'R' && names[i][1] == '_') {
			char *shown = display_path(root, track->path, names[i]);
			rc = strata_problems_add(problems, shown, 0,
				"repeatable migrations (R__) are not supported; make it a versioned migration");
			st_free(shown);
			if (rc != 0)
				goto oom;
			continue;
		}
		if (!match_name(names[i], src->layout, &version, &name, &kind)) {
			char *shown = display_path(root, track->path, names[i]);
			rc = strata_problems_add(problems, shown, 0, "name does not match %s",
				pattern_of(src->layout));
			st_free(shown);
			if (rc != 0)
				goto oom;
			continue;
		}
		if (entry_add(&list, names[i], version, name, kind) != 0) {
			st_free(version);
			st_free(name);
			goto oom;
		}
	}
	if (list.n > 1)   /* qsort of a NULL array, even of 0 items, is undefined */
		qsort(list.items, list.n, sizeof(entry), compare_entries);

	/* Group into migrations: one up (and at most one down) per version. */
	src->migrations = st_calloc(list.n ? list.n : 1, sizeof(strata_migration));
	if (src->migrations == NULL)
		goto oom;
	for (i = 0; i < list.n; i++) {
		entry *e = &list.items[i];
		strata_migration *m = src->n > 0 ? &src->migrations[src->n - 1] : NULL;
		char *shown = display_path(root, track->path, e->file);

		if (shown == NULL)
			goto oom;
		if (m == NULL || strata_version_compare(m->version, e->version) != 0) {
			m = &src->migrations[src->n++];
			memset(m, 0, sizeof(*m));
			/* Taken from the entry, not copied: this runs for every file. */
			m->version = e->version;
			m->name = e->name;
			e->version = e->name = NULL;
		} else if (strcmp(m->name, e->name) != 0 && !(e->kind == PART_DOWN && m->up.path == NULL)) {
			rc = strata_problems_add(problems, shown, 0, "version %s is used twice: by '%s' and by '%s'",
				e->version, m->name, e->name);
			st_free(shown);
			if (rc != 0)
				goto oom;
			continue;
		}
		if ((e->kind == PART_UP || e->kind == PART_BOTH) && m->up.path != NULL) {
			rc = strata_problems_add(problems, shown, 0, "version %s is used twice (also by '%s')",
				e->version, m->up.path);
			st_free(shown);
			if (rc != 0)
				goto oom;
			continue;
		}
		if (e->kind == PART_DOWN && m->down.path != NULL) {
			rc = strata_problems_add(problems, shown, 0, "a second down for version %s", e->version);
			st_free(shown);
			if (rc != 0)
				goto oom;
			continue;
		}
		{
			struct stat st;
			size_t before = problems->n;
			int hit = 0, have_stat;

			/* Relative to the open folder: no path walk per file. */
			have_stat = dirfd >= 0 && fstatat(dirfd, e->file, &st, 0) == 0;
			if (have_stat && cache != NULL) {
				hit = st_cache_fill(cache, e->file, &st, m, &shown);
				if (hit < 0) {
					st_free(shown);
					goto oom;
				}
			}
			st_free(shown);
			if (!hit) {
				rc = load_entry(m, e, src, track->path, root, problems, err);
				if (rc != 0)
					goto done;
				if (have_stat && problems->n == before && cache != NULL)
					st_cache_put(cache, e->file, &st, m, e->kind != PART_DOWN,
						e->kind == PART_DOWN || (e->kind == PART_BOTH && m->down.path != NULL));
			}
		}
	}
	/* Downs without ups, and ups without downs where the track requires them. */
	for (i = 0; i < src->n; i++) {
		strata_migration *m = &src->migrations[i];

		if (m->up.path == NULL)
			rc = strata_problems_add(problems, m->down.path, 0, "a down without an up for version %s",
				m->version);
		else if (m->down.path == NULL && track->require_down)
			rc = strata_problems_add(problems, m->up.path, 0,
				"has no down migration, and track '%s' requires one", track->name);
		if (rc != 0)
			goto oom;
	}
	rc = check_versions(src, rel, problems);
	if (rc != 0)
		goto oom;
	strata_problems_sort(problems);
	st_cache_save(cache);
	*out = src;
	src = NULL;
	goto done;
oom:
	rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
done:
	if (dirfd >= 0)
		close(dirfd);
	st_cache_free(cache);
	entries_release(&list);
	free_names(names, nnames);
	st_free(rel);
	strata_source_free(src);
	return rc;
}

int st_part_load_text(const strata_source *src, strata_sql_part *part, int down, strata_error *err)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	char norm[65], raw[65];
	const char *text;
	size_t start = 0, end, bom;
	int rc;

	if (part->sql != NULL)
		return 0;
	if (part->path[0] == '/')
		strata_buf_puts(&path, part->path);
	else
		st_path_join(&path, src->root, part->path);
	if (strata_buf_failed(&path))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	rc = st_file_read(&content, strata_buf_cstr(&path), MAX_FILE_SIZE, err);
	if (rc != 0)
		goto done;
	text = content.ptr ? content.ptr : "";
	bom = bom_length(text, content.len);
	text += bom;
	end = content.len - bom;
	if (src->layout == STRATA_LAYOUT_DBMATE) {
		long up_m, down_m;
		size_t up_start, up_end, ds;

		if (dbmate_sections(text, end, &up_m, &down_m, &up_start, &up_end, &ds) != 0 ||
			(down && down_m < 0)) {
			rc = strata_error_set(err, STRATA_EINVAL, "'%s' changed while strata was working: run again",
				part->path);
			goto done;
		}
		start = down ? ds : up_start;
		end = down ? end : up_end;
	}
	if (st_text_checksums(norm, raw, text + start, end - start) != 0 || strcmp(raw, part->raw_checksum) != 0) {
		rc = strata_error_set(err, STRATA_EINVAL, "'%s' changed while strata was working: run again",
			part->path);
		goto done;
	}
	part->sql = dup_bytes(text + start, end - start);
	part->len = end - start;
	if (part->sql == NULL)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
done:
	strata_buf_release(&path);
	strata_buf_release(&content);
	return rc;
}
