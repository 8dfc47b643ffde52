/*
 * file.c: what one migration file (or one dbmate section) holds, checked
 * before any database contact: bytes (NUL, UTF-8, emptiness), strata
 * directives, SQL syntax (PostgreSQL's own parser), and how it must run.
 *
 * How a file runs:
 *   - in one transaction with its ledger row (the default);
 *   - statement by statement, journaled and resumable, when it is marked
 *     no-transaction, or holds its own transaction control (BEGIN/COMMIT:
 *     run as written), or, in an adopted layout, a statement that cannot
 *     run in a transaction (CREATE INDEX CONCURRENTLY: run as written).
 *     In strata's own layout such a statement needs the explicit
 *     -- strata:no-transaction, so that the choice is visible in review.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/migrate_int.h"

static const char *const known_directives[] = {
	"no-transaction", "lock-timeout", "statement-timeout", "requires",
};

int st_line_of(const char *text, size_t len, size_t offset)
{
	const char *p = text, *end = text + (offset < len ? offset : len);
	int line = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

void st_directives_release(st_directives *d)
{
	size_t i;

	for (i = 0; i < d->nrequires; i++)
		st_free(d->requires[i]);
	st_free(d->requires);
	d->requires = NULL;
	d->nrequires = 0;
}

static int add_require(st_directives *d, const char *s, size_t len)
{
	char **list = st_realloc(d->requires, (d->nrequires + 1) * sizeof(char *));

	if (list == NULL)
		return STRATA_ENOMEM;
	d->requires = list;
	list[d->nrequires] = st_strndup(s, len);
	if (list[d->nrequires] == NULL)
		return STRATA_ENOMEM;
	d->nrequires++;
	return 0;
}

/* A "track/version" reference: a track name and a version of digits. */
static int valid_require(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t i;

	if (slash == NULL || slash == s || slash == s + len - 1)
		return 0;
	for (i = 0; s + i < slash; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return 0;
	for (i = (size_t)(slash - s) + 1; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

/* One "-- strata:name[=value]" line (text after "strata:", up to the line end). */
static int parse_directive(st_directives *d, const char *s, size_t len, const char *file, int line,
	strata_problems *problems)
{
	char name[64], value[256];
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len, vlen = eq ? len - nlen - 1 : 0;
	size_t i;
	int64_t ms;

	while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0 || nlen >= sizeof(name) || vlen >= sizeof(value))
		return strata_problems_add(problems, file, line, "malformed strata directive");
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	if (eq != NULL) {
		const char *v = eq + 1;

		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		memcpy(value, v, vlen);
	}
	value[vlen] = '\0';
	if (strcmp(name, "no-transaction") == 0) {
		if (eq != NULL)
			return strata_problems_add(problems, file, line, "directive 'strata:no-transaction' takes no value");
		d->no_transaction = 1;
		return 0;
	}
	if (strcmp(name, "lock-timeout") == 0 || strcmp(name, "statement-timeout") == 0) {
		if (eq == NULL || st_parse_duration_ms(&ms, value, (int64_t)24 * 3600 * 1000) != 0)
			return strata_problems_add(problems, file, line,
				"directive 'strata:%s' needs a duration such as 5s or 10min, got '%s'", name, value);
		if (name[0] == 'l')
			d->lock_timeout_ms = ms;
		else
			d->statement_timeout_ms = ms;
		return 0;
	}
	if (strcmp(name, "requires") == 0) {
		const char *p = value;

		if (vlen == 0)
			return strata_problems_add(problems, file, line,
				"directive 'strata:requires' needs track/version, for example operational/0003");
		while (*p != '\0') {
			size_t n = strcspn(p, ", ");

			if (n > 0) {
				if (!valid_require(p, n))
					return strata_problems_add(problems, file, line,
						"directive 'strata:requires': '%.*s' is not track/version", (int)n, p);
				if (add_require(d, p, n) != 0)
					return STRATA_ENOMEM;
			}
			p += n;
			while (*p == ',' || *p == ' ')
				p++;
		}
		return 0;
	}
	for (i = 0; i < ST_ARRAY_LEN(known_directives); i++)
		if (strncmp(name, known_directives[i], 4) == 0)
			return strata_problems_add(problems, file, line,
				"unknown directive 'strata:%s' (did you mean 'strata:%s'?)", name, known_directives[i]);
	return strata_problems_add(problems, file, line,
		"unknown directive 'strata:%s' (known: no-transaction, lock-timeout, statement-timeout, requires)",
		name);
}

/* The text after "--" and blanks, if it starts with "strata:"; NULL otherwise. */
static const char *directive_at(const char *line, const char *end)
{
	const char *p = line;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || p[0] != '-' || p[1] != '-')
		return NULL;
	p += 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p >= 7 && memcmp(p, "strata:", 7) == 0)
		return p + 7;
	return NULL;
}

/*
 * Directives live in the leading comment lines. One found further down has
 * no effect, which is worth telling.
 */
static int scan_directives(st_directives *d, const strata_sql_part *part, strata_problems *problems)
{
	const char *p = part->sql, *end = part->sql + part->len;
	int line = part->first_line, leading = 1, rc;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end, *q = p, *dir;

		while (q < lend && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		dir = directive_at(p, lend);
		if (dir != NULL) {
			size_t n = (size_t)(lend - dir);

			while (n > 0 && (dir[n - 1] == '\r' || dir[n - 1] == ' ' || dir[n - 1] == '\t'))
				n--;
			if (leading)
				rc = parse_directive(d, dir, n, part->path, line, problems);
			else
				rc = strata_problems_add(problems, part->path, line,
					"the directive 'strata:%.*s' has no effect after the first statement; move it to the top",
					(int)n, dir);
			if (rc != 0)
				return rc;
		} else if (q < lend && !(lend - q >= 2 && q[0] == '-' && q[1] == '-')) {
			leading = 0;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
		line++;
	}
	return 0;
}

/* The next word of text (case-insensitive) is word; *p moves past it. */
static int next_word_is(const char **p, const char *end, const char *word)
{
	size_t n = strlen(word);

	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
	if ((size_t)(end - *p) < n || strncasecmp(*p, word, n) != 0 ||
		((size_t)(end - *p) > n && (isalnum((unsigned char)(*p)[n]) || (*p)[n] == '_')))
		return 0;
	*p += n;
	return 1;
}

/* SET [SESSION | LOCAL] ROLE, or SET SESSION AUTHORIZATION (comments inside are not expected). */
static int sets_role(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (!next_word_is(&p, end, "SET"))
		return 0;
	if (next_word_is(&p, end, "SESSION")) {
		if (next_word_is(&p, end, "AUTHORIZATION"))
			return 1;
	} else {
		next_word_is(&p, end, "LOCAL");
	}
	return next_word_is(&p, end, "ROLE");
}

/* Decides STATEMENTS vs TRANSACTION and checks transaction-control balance. */
static int decide_mode(strata_sql_part *part, const strata_sql_script *script, int no_tx,
	const char *no_tx_reason, int native, strata_problems *problems)
{
	const strata_sql_stmt *first_tx = NULL, *first_no_tx = NULL, *open = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < script->nstmts; i++) {
		const strata_sql_stmt *s = &script->stmts[i];

		if ((s->flags & STRATA_SQL_TX_CONTROL) && first_tx == NULL)
			first_tx = s;
		if ((s->flags & STRATA_SQL_NO_TX) && first_no_tx == NULL)
			first_no_tx = s;
	}
	if (no_tx) {
		part->mode = STRATA_EXEC_STATEMENTS;
		st_strlcpy(part->mode_reason, no_tx_reason ? no_tx_reason : "", sizeof(part->mode_reason));
	} else if (first_tx != NULL) {
		part->mode = STRATA_EXEC_STATEMENTS;
		st_strlcpy(part->mode_reason, "its own transaction control (run as written)",
			sizeof(part->mode_reason));
	} else if (first_no_tx != NULL) {
		if (native)
			return strata_problems_add(problems, part->path, part->first_line + first_no_tx->line - 1,
				"%s cannot run inside a transaction: mark the file with '-- strata:no-transaction'",
				first_no_tx->no_tx_reason);
		part->mode = STRATA_EXEC_STATEMENTS;
		st_strlcpy(part->mode_reason, first_no_tx->no_tx_reason ? first_no_tx->no_tx_reason : "",
			sizeof(part->mode_reason));
	} else {
		part->mode = STRATA_EXEC_TRANSACTION;
		part->mode_reason[0] = '\0';
		return 0;
	}
	/* Statement by statement: transaction blocks must be balanced and hold no NO_TX statement. */
	for (i = 0; i < script->nstmts && rc == 0; i++) {
		const strata_sql_stmt *s = &script->stmts[i];
		int line = part->first_line + s->line - 1;

		switch (s->kind) {
		case STRATA_SQL_BEGIN:
			if (open != NULL)
				rc = strata_problems_add(problems, part->path, line,
					"BEGIN inside the transaction opened at line %d",
					part->first_line + open->line - 1);
			open = s;
			break;
		case STRATA_SQL_COMMIT:
		case STRATA_SQL_ROLLBACK:
			if (open == NULL)
				rc = strata_problems_add(problems, part->path, line,
					"%s without a BEGIN before it", s->kind == STRATA_SQL_COMMIT ? "COMMIT" : "ROLLBACK");
			open = NULL;
			break;
		case STRATA_SQL_PREPARED_XACT:
			rc = strata_problems_add(problems, part->path, line,
				"prepared transactions (PREPARE TRANSACTION, COMMIT PREPARED) are not supported in migrations");
			break;
		case STRATA_SQL_SAVEPOINT:
		case STRATA_SQL_OTHER:
			if (s->node != NULL && strcmp(s->node, "VariableSetStmt") == 0 &&
				sets_role(part->sql + s->offset, s->length)) {
				rc = strata_problems_add(problems, part->path, line,
					"a role set in a file run statement by statement would also run strata's progress "
					"writes: set it in a transactional migration (SET LOCAL ROLE), or grant what it needs");
				break;
			}
			if (open != NULL && (s->flags & STRATA_SQL_NO_TX))
				rc = strata_problems_add(problems, part->path, line,
					"%s cannot run inside the transaction opened at line %d", s->no_tx_reason,
					part->first_line + open->line - 1);
			break;
		}
	}
	if (rc == 0 && open != NULL)
		rc = strata_problems_add(problems, part->path, part->first_line + open->line - 1,
			"the transaction opened here is never committed");
	return rc;
}

int st_part_check(strata_sql_part *part, st_directives *dirs, const char *forced, int native,
	strata_problems *problems, strata_error *err)
{
	strata_sql_script *script = NULL;
	const char *nul;
	size_t bad = 0;
	int rc;

	dirs->lock_timeout_ms = STRATA_CONFIG_INHERIT;
	dirs->statement_timeout_ms = STRATA_CONFIG_INHERIT;
	part->lock_timeout_ms = STRATA_CONFIG_INHERIT;
	part->statement_timeout_ms = STRATA_CONFIG_INHERIT;
	part->nstatements = 0;
	part->mode = STRATA_EXEC_TRANSACTION;
	part->mode_reason[0] = '\0';
	if (st_text_checksums(part->checksum, part->raw_checksum, part->sql, part->len) != 0)
		return strata_error_set(err, STRATA_EINTERNAL, "cannot compute a checksum");
	nul = memchr(part->sql, '\0', part->len);
	if (nul != NULL)
		return strata_problems_add(problems, part->path,
			part->first_line + st_line_of(part->sql, part->len, (size_t)(nul - part->sql)) - 1,
			"holds a NUL byte") ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
	if (!st_utf8_valid(part->sql, part->len, &bad))
		return strata_problems_add(problems, part->path,
			part->first_line + st_line_of(part->sql, part->len, bad) - 1,
			"is not valid UTF-8 (byte 0x%02x)", (unsigned char)part->sql[bad])
			? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
	rc = scan_directives(dirs, part, problems);
	if (rc != 0)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	part->lock_timeout_ms = dirs->lock_timeout_ms;
	part->statement_timeout_ms = dirs->statement_timeout_ms;
	rc = strata_sql_script_parse(&script, part->sql, part->len, STRATA_SQL_CLASSIFY, err);
	if (rc != 0)
		return rc;
	if (script->has_error) {
		rc = strata_problems_add(problems, part->path, part->first_line + script->error_line - 1,
			"syntax error: %s (column %d)", script->error_message, script->error_column);
	} else if (strata_sql_script_empty(script)) {
		rc = strata_problems_add(problems, part->path, 0, "has no SQL statement");
	} else {
		part->nstatements = (int)script->nstmts;
		rc = decide_mode(part, script, forced != NULL || dirs->no_transaction,
			dirs->no_transaction ? "-- strata:no-transaction" : forced, native, problems);
	}
	strata_sql_script_free(script);
	return rc != 0 ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
}
