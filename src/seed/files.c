/*
 * files.c: the seed folder's files, read and checked before any database
 * contact.
 *
 * A seed file is *.sql directly in the seed folder; the set is in name
 * order (byte order: "0002" before "0010" only when zero-padded). Each file
 * will run as one transaction that strata opens and commits, so besides the
 * checks every SQL file gets (NUL bytes, UTF-8, syntax, emptiness), a file
 * may hold no transaction control (BEGIN, COMMIT, ROLLBACK, PREPARE
 * TRANSACTION; savepoints are fine) and no statement that cannot run in a
 * transaction. Problems are collected, with file and line, so that all of
 * them can be shown at once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "seed/seed_int.h"

static void file_release(strata_seed_file *f)
{
	st_free(f->name);
	st_free(f->path);
	st_free(f->sql);
	st_free(f->lines);
}

void strata_seed_set_free(strata_seed_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		file_release(&set->files[i]);
	st_free(set->files);
	st_free(set->dir);
	st_free(set->shown);
	st_free(set);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_names(char **names, size_t n)
{
	while (n > 0)
		st_free(names[--n]);
	st_free(names);
}

/* The names of the *.sql files directly in dir, sorted. A missing folder has none. */
static int list_sql_files(char ***out, size_t *n, const char *dir, strata_error *err)
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
		return strata_error_set(err, STRATA_EIO, "cannot read the seed folder '%s': %s", dir,
			strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		strata_buf path = STRATA_BUF_INIT;
		struct stat st;
		int regular;

		if (de->d_name[0] == '.' || !st_str_ends_with(de->d_name, ".sql"))
			continue;
		/* A link to a file counts; folders and the like do not. */
		if (st_path_join(&path, dir, de->d_name) != 0) {
			strata_buf_release(&path);
			rc = STRATA_ENOMEM;
			break;
		}
		regular = stat(strata_buf_cstr(&path), &st) == 0 && S_ISREG(st.st_mode);
		strata_buf_release(&path);
		if (!regular)
			continue;
		if (count == cap) {
			char **grown = st_realloc(names, (cap ? cap * 2 : 16) * sizeof(char *));

			if (grown == NULL) {
				rc = STRATA_ENOMEM;
				break;
			}
			names = grown;
			cap = cap ? cap * 2 : 16;
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
		free_names(names, count);
		return strata_error_set(err, rc, "out of memory");
	}
	if (count > 1)
		qsort(names, count, sizeof(char *), compare_names);
	*out = names;
	*n = count;
	return 0;
}

/*
 * The path shown for a file of dir (or for dir itself when name is NULL):
 * relative to the project root when inside it.
 */
static char *shown_path(const char *root, const char *dir, const char *name)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t rl = strlen(root);

	if (strncmp(dir, root, rl) == 0 && (dir[rl] == '/' || dir[rl] == '\0'))
		dir += rl + (dir[rl] == '/');
	if (name == NULL)
		strata_buf_puts(&b, dir[0] != '\0' ? dir : ".");
	else if (dir[0] != '\0')
		strata_buf_printf(&b, "%s/%s", dir, name);
	else
		strata_buf_puts(&b, name);
	return strata_buf_detach(&b);
}

static int line_of(const char *text, size_t offset)
{
	int line = 1;
	size_t i;

	for (i = 0; i < offset; i++)
		line += text[i] == '\n';
	return line;
}

/* Nonzero for BEGIN, COMMIT, ROLLBACK and prepared transactions (savepoints are fine). */
static int ends_or_opens(const strata_sql_stmt *s)
{
	return s->kind == STRATA_SQL_BEGIN || s->kind == STRATA_SQL_COMMIT ||
		s->kind == STRATA_SQL_ROLLBACK || s->kind == STRATA_SQL_PREPARED_XACT;
}

/* Appends the word of sql at *at (letters only), uppercase; returns its length. */
static size_t put_word(char *out, size_t size, size_t *used, const char *sql, size_t end, size_t *at)
{
	size_t n = 0;

	while (*at < end && (sql[*at] == ' ' || sql[*at] == '\t' || sql[*at] == '\n' || sql[*at] == '\r'))
		(*at)++;
	while (*at < end && ((sql[*at] >= 'A' && sql[*at] <= 'Z') || (sql[*at] >= 'a' && sql[*at] <= 'z'))) {
		char c = sql[(*at)++];

		if (*used + 1 < size)
			out[(*used)++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
		n++;
	}
	out[*used] = '\0';
	return n;
}

/* How messages name a transaction-control statement: "BEGIN", "START TRANSACTION", "COMMIT PREPARED". */
static void control_name(char *out, size_t size, const char *sql, const strata_sql_stmt *s)
{
	size_t at = s->offset, end = s->offset + s->length, used = 0;

	out[0] = '\0';
	put_word(out, size, &used, sql, end, &at);
	if (strcmp(out, "START") == 0 || s->kind == STRATA_SQL_PREPARED_XACT) {
		size_t mark = used;

		if (used + 1 < size)
			out[used++] = ' ';
		if (put_word(out, size, &used, sql, end, &at) == 0)
			out[mark] = '\0';
	}
}

/* Checks a file's text and fills its statements' lines; problems go to problems. */
static int check_file(strata_seed_file *f, strata_problems *problems, strata_error *err)
{
	strata_sql_script *script = NULL;
	const char *nul;
	size_t bad = 0, i;
	int rc;

	nul = memchr(f->sql, '\0', f->len);
	if (nul != NULL)
		return strata_problems_add(problems, f->path, line_of(f->sql, (size_t)(nul - f->sql)),
			"holds a NUL byte") ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
	if (!st_utf8_valid(f->sql, f->len, &bad))
		return strata_problems_add(problems, f->path, line_of(f->sql, bad), "is not valid UTF-8 (byte 0x%02x)",
			(unsigned char)f->sql[bad]) ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
	rc = strata_sql_script_parse(&script, f->sql, f->len, STRATA_SQL_CLASSIFY, err);
	if (rc != 0)
		return rc;
	if (script->has_error) {
		rc = strata_problems_add(problems, f->path, script->error_line, "syntax error: %s (column %d)",
			script->error_message, script->error_column);
		goto done;
	}
	if (strata_sql_script_empty(script)) {
		rc = strata_problems_add(problems, f->path, 0, "has no SQL statement");
		goto done;
	}
	f->lines = st_calloc(script->nstmts + 1, sizeof(int));
	if (f->lines == NULL) {
		rc = STRATA_ENOMEM;
		goto done;
	}
	f->nstatements = (int)script->nstmts;
	for (i = 0; i < script->nstmts && rc == 0; i++) {
		const strata_sql_stmt *s = &script->stmts[i];
		char name[40];

		f->lines[i + 1] = s->line;
		if (ends_or_opens(s)) {
			control_name(name, sizeof(name), f->sql, s);
			rc = strata_problems_add(problems, f->path, s->line,
				"%s: a seed file runs in one transaction that strata opens and commits;"
				" remove its own transaction control", name);
		} else if (s->flags & STRATA_SQL_NO_TX) {
			rc = strata_problems_add(problems, f->path, s->line,
				"%s cannot run inside a transaction, and a seed file runs in one",
				s->no_tx_reason ? s->no_tx_reason : "this statement");
		}
	}
done:
	strata_sql_script_free(script);
	return rc != 0 ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
}

/* Reads and checks one file into f (name taken over). */
static int load_file(strata_seed_file *f, const strata_project_config *config, const char *dir,
	char *name, strata_problems *problems, strata_error *err)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	strata_error why = STRATA_ERROR_INIT;
	size_t bom;
	int rc;

	f->name = name;
	f->path = shown_path(config->root, dir, name);
	if (f->path == NULL || st_path_join(&path, dir, name) != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = st_file_read(&content, strata_buf_cstr(&path), ST_SEED_MAX_FILE_SIZE, &why);
	if (rc == STRATA_EINVAL) {
		/* Too large; read nothing of it. */
		rc = strata_problems_add(problems, f->path, 0, "is larger than %zu MiB", ST_SEED_MAX_FILE_SIZE >> 20)
			? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
		f->sql = st_strdup("");
		if (rc == 0 && f->sql == NULL)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if (rc != 0) {
		if (err != NULL)
			*err = why;
		goto done;
	}
	if (st_text_checksums(f->checksum, f->raw_checksum, content.ptr ? content.ptr : "", content.len) != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	/* A UTF-8 byte order mark is not SQL: the server would read it as part of the first word. */
	bom = content.len >= 3 && memcmp(content.ptr, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	f->len = content.len - bom;
	f->sql = st_malloc(f->len + 1);
	if (f->sql == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if (f->len > 0)
		memcpy(f->sql, content.ptr + bom, f->len);
	f->sql[f->len] = '\0';
	rc = check_file(f, problems, err);
done:
	strata_buf_release(&path);
	strata_buf_release(&content);
	return rc;
}

/* Whether only names the file: its name, or its path as shown; -1 when out of memory. */
static int names_file(const strata_project_config *config, const char *dir, const char *name,
	const char *only)
{
	char *shown;
	int yes;

	if (strcmp(name, only) == 0)
		return 1;
	shown = shown_path(config->root, dir, name);
	if (shown == NULL)
		return -1;
	yes = strcmp(shown, only) == 0;
	st_free(shown);
	return yes;
}

int strata_seed_load(strata_seed_set **out, const strata_project_config *config, const char *only,
	strata_problems *problems, strata_error *err)
{
	strata_seed_set *set = NULL;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	set = st_calloc(1, sizeof(*set));
	if (set == NULL || (set->dir = st_strdup(config->seed_path)) == NULL ||
		(set->shown = shown_path(config->root, set->dir, NULL)) == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = list_sql_files(&names, &n, set->dir, err);
	if (rc != 0)
		goto done;
	if (only != NULL) {
		int hit = 0;

		for (i = 0; i < n; i++) {
			hit = names_file(config, set->dir, names[i], only);
			if (hit != 0)
				break;
		}
		if (hit < 0) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
		if (i == n) {
			rc = strata_error_set(err, STRATA_ENOTFOUND, "no seed file '%s' in '%s'", only,
				set->shown);
			if (n > 0)
				strata_error_hint(err, "name a *.sql file of the seed folder, such as '%s'", names[0]);
			goto done;
		}
		/* Keep the one. */
		if (i != 0) {
			char *keep = names[i];

			names[i] = names[0];
			names[0] = keep;
		}
		while (n > 1)
			st_free(names[--n]);
	}
	set->files = st_calloc(n + 1, sizeof(strata_seed_file));
	if (set->files == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n && rc == 0; i++) {
		/* Counted first, so that free releases what a failing load allocated. */
		set->n++;
		rc = load_file(&set->files[i], config, set->dir, names[i], problems, err);
		names[i] = NULL;
	}
	if (rc != 0)
		goto done;
	strata_problems_sort(problems);
	*out = set;
	set = NULL;
done:
	free_names(names, n);
	strata_seed_set_free(set);
	return rc;
}
