/*
 * fleet.c: fleet files, the databases `strata migrate up --targets` works on
 * (see strata/config.h).
 *
 * A target is a bare URL or a mapping with url and an optional name; a name
 * left out is made from the URL's host and database. URLs may pull secrets
 * from the environment with ${VAR}; each URL is checked with
 * strata_conninfo_parse, so that a typo is reported at its line before any
 * database is touched. Fleet files hold passwords: nothing of a URL reaches a
 * message unmasked, names are made from the masked URL, and URL copies are
 * wiped before they are freed.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strata/pg.h"

#include "config/config_int.h"

static const char *const fleet_keys[] = { "targets", "query", "parallel", "canary", "on_error" };
static const char *const target_keys[] = { "name", "url" };
static const char *const query_keys[] = { "url", "sql" };
static const char *const on_error_names[] = { "stop", "continue" };
static const int on_error_values[] = { 0, 1 };

static void wipe_free(char *s)
{
	if (s != NULL) {
		memset(s, 0, strlen(s));
		st_free(s);
	}
}

static void wipe_release(strata_buf *b)
{
	if (b->ptr != NULL)
		memset(b->ptr, 0, b->cap);
	strata_buf_release(b);
}

void strata_fleet_config_free(strata_fleet_config *config)
{
	size_t i;

	if (config == NULL)
		return;
	for (i = 0; i < config->ntargets; i++) {
		st_free(config->targets[i].name);
		wipe_free(config->targets[i].url);
	}
	st_free(config->targets);
	st_free(config->file);
	wipe_free(config->query_url);
	st_free(config->query_sql);
	st_free(config);
}

static int oom(const st_config_ctx *ctx)
{
	return strata_error_set(ctx->err, STRATA_ENOMEM, "out of memory");
}

static int is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/*
 * v's text with every ${NAME} replaced by the environment variable's value,
 * into out. A '$' not followed by '{' is kept as it is.
 */
static int expand_vars(strata_buf *out, const st_config_ctx *ctx, const st_yaml_node *v)
{
	const char *p = v->text;
	char *name = NULL;
	int rc = 0;

	while (*p != '\0') {
		const char *ref = strstr(p, "${"), *end, *value;

		if (ref == NULL) {
			strata_buf_puts(out, p);
			break;
		}
		strata_buf_append(out, p, (size_t)(ref - p));
		end = ref + 2;
		if (is_name_start(*end))
			while (is_name_char(*end))
				end++;
		if (end == ref + 2 || *end != '}') {
			rc = st_config_fail(ctx, v, "bad variable reference in '%s'",
				v->key ? v->key->text : "url");
			strata_error_hint(ctx->err, "write ${NAME}, NAME being letters, digits and _ "
				"(no defaults or other shell forms)");
			goto done;
		}
		name = st_strndup(ref + 2, (size_t)(end - ref - 2));
		if (name == NULL) {
			rc = oom(ctx);
			goto done;
		}
		value = getenv(name);
		if (value == NULL) {
			char q[ST_CONFIG_QUOTE_MAX];

			rc = st_config_fail(ctx, v, "environment variable '%s' is not set",
				st_config_quote(q, sizeof(q), name));
			goto done;
		}
		strata_buf_puts(out, value);
		st_free(name);
		name = NULL;
		p = end + 1;
	}
	if (strata_buf_failed(out))
		rc = oom(ctx);
done:
	st_free(name);
	return rc;
}

/* Checks url as strata_conninfo_parse would use it; its message gets v's position. */
static int check_url(const st_config_ctx *ctx, const st_yaml_node *v, const char *url)
{
	strata_conninfo *ci = NULL;
	int rc = strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, ctx->err);

	strata_conninfo_free(ci);
	if (rc == 0 || rc == STRATA_ENOMEM)
		return rc;
	if (!st_config_can_mask(url))
		return st_config_fail(ctx, v, "invalid database URL (not shown: it may hold a password)");
	strata_error_prefix(ctx->err, "%s:%d:%d", ctx->file, v->line, v->column);
	return rc;
}

/* v's URL, expanded and checked, into *out. */
static int read_url(char **out, const st_config_ctx *ctx, const st_yaml_node *v)
{
	strata_buf url = STRATA_BUF_INIT;
	int rc = st_config_expect_value(ctx, v, "a database URL");

	if (rc == 0)
		rc = expand_vars(&url, ctx, v);
	if (rc == 0)
		rc = check_url(ctx, v, strata_buf_cstr(&url));
	if (rc == 0) {
		*out = st_strdup(strata_buf_cstr(&url));
		if (*out == NULL)
			rc = oom(ctx);
	}
	wipe_release(&url);
	return rc;
}

/* Appends [s, s+n) percent-decoded (a %00 stays as written). */
static void put_decoded(strata_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && st_hex_digit(s[i + 1]) >= 0 && st_hex_digit(s[i + 2]) >= 0 &&
			(st_hex_digit(s[i + 1]) | st_hex_digit(s[i + 2])) != 0) {
			strata_buf_putc(out, (char)(st_hex_digit(s[i + 1]) * 16 + st_hex_digit(s[i + 2])));
			i += 2;
		} else {
			strata_buf_putc(out, s[i]);
		}
	}
}

/* The first entry of a comma-separated list [s, s+n), without a port unless bracketed. */
static void first_host(const char **host, size_t *hlen, const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && s[0] == '[') {
		/* [IPv6]:port */
		for (i = 1; i < n && s[i] != ']'; i++)
			;
		*host = s + 1;
		*hlen = i - 1;
		return;
	}
	while (i < n && s[i] != ',' && s[i] != ':')
		i++;
	*host = s;
	*hlen = i;
}

/* Host and database from a URL (already masked). */
static void url_parts(strata_buf *host, strata_buf *db, const char *url)
{
	const char *auth = strstr(url, "://") + 3, *end, *at = NULL, *p, *h;
	size_t hlen;

	end = auth + strcspn(auth, "/?");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	p = at != NULL ? at + 1 : auth;
	first_host(&h, &hlen, p, (size_t)(end - p));
	put_decoded(host, h, hlen);
	if (*end == '/')
		put_decoded(db, end + 1, strcspn(end + 1, "?"));
	p = strchr(end, '?');
	while (p != NULL) {
		const char *kv = p + 1, *eq;
		size_t len = strcspn(kv, "&");

		eq = memchr(kv, '=', len);
		if (eq != NULL) {
			size_t klen = (size_t)(eq - kv), vlen = len - klen - 1;

			if (host->len == 0 && klen == 4 && strncmp(kv, "host", 4) == 0) {
				first_host(&h, &hlen, eq + 1, vlen);
				put_decoded(host, h, hlen);
			} else if (db->len == 0 && klen == 6 && strncmp(kv, "dbname", 6) == 0) {
				put_decoded(db, eq + 1, vlen);
			}
		}
		p = kv[len] == '&' ? kv + len : NULL;
	}
}

/* Host and database from keyword/value settings (already masked), read as libpq reads them. */
static void keyword_parts(strata_buf *host, strata_buf *db, const char *s)
{
	strata_buf value = STRATA_BUF_INIT;
	const char *p = s;

	while (*p != '\0') {
		const char *kw;
		size_t kwlen;

		while (isspace((unsigned char)*p))
			p++;
		kw = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		kwlen = (size_t)(p - kw);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			break;
		p++;
		while (isspace((unsigned char)*p))
			p++;
		strata_buf_clear(&value);
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				strata_buf_putc(&value, *p);
			}
			if (*p == '\'')
				p++;
		} else {
			for (; *p != '\0' && !isspace((unsigned char)*p); p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				strata_buf_putc(&value, *p);
			}
		}
		if (host->len == 0 && ((kwlen == 4 && strncmp(kw, "host", 4) == 0) ||
			(kwlen == 8 && strncmp(kw, "hostaddr", 8) == 0))) {
			const char *h;
			size_t hlen;

			first_host(&h, &hlen, strata_buf_cstr(&value), value.len);
			strata_buf_append(host, h, hlen);
		} else if (db->len == 0 && kwlen == 6 && strncmp(kw, "dbname", 6) == 0) {
			strata_buf_append(db, strata_buf_cstr(&value), value.len);
		}
	}
	if (strata_buf_failed(&value)) {
		/* Make the caller see the failure through its own buffers. */
		host->failed = 1;
	}
	strata_buf_release(&value);
}

/*
 * Nonzero when strata_conninfo_mask, short of memory, hid everything after
 * the scheme (or all of a keyword string) instead of the password alone: a
 * name made from that would be wrong, not just masked. A real masking keeps
 * the '@' or "password=" around what it hides, so it never yields this form
 * from a different input.
 */
static int mask_gave_up(const char *raw, const char *masked)
{
	const char *auth = strstr(raw, "://");
	size_t prefix = auth != NULL ? (size_t)(auth + 3 - raw) : 0;

	if (strcmp(raw, masked) == 0)
		return 0;
	if (strcmp(masked, "****") == 0)
		return 1;
	if (strlen(masked) != prefix + 4)
		return 0;
	return strncmp(raw, masked, prefix) == 0 && strcmp(masked + prefix, "****") == 0;
}

/*
 * "<host>/<dbname>" for a target without a name: the first host of the
 * URL ("localhost" when it names none), and the database ("/<dbname>" left
 * out when it names none). Made from the masked URL, so that no part of a
 * password can end up in a name.
 */
static int derive_name(char **out, const char *url)
{
	strata_buf masked = STRATA_BUF_INIT, host = STRATA_BUF_INIT, db = STRATA_BUF_INIT;
	strata_buf name = STRATA_BUF_INIT;
	int rc = 0;

	if (strata_conninfo_mask(&masked, url) != 0 || mask_gave_up(url, strata_buf_cstr(&masked))) {
		rc = STRATA_ENOMEM;
		goto done;
	}
	if (strncasecmp(strata_buf_cstr(&masked), "postgresql://", 13) == 0 ||
		strncasecmp(strata_buf_cstr(&masked), "postgres://", 11) == 0)
		url_parts(&host, &db, strata_buf_cstr(&masked));
	else
		keyword_parts(&host, &db, strata_buf_cstr(&masked));
	strata_buf_puts(&name, host.len > 0 ? strata_buf_cstr(&host) : "localhost");
	if (db.len > 0) {
		strata_buf_putc(&name, '/');
		strata_buf_puts(&name, strata_buf_cstr(&db));
	}
	if (strata_buf_failed(&host) || strata_buf_failed(&db) || strata_buf_failed(&name)) {
		rc = STRATA_ENOMEM;
		goto done;
	}
	*out = strata_buf_detach(&name);
	if (*out == NULL)
		rc = STRATA_ENOMEM;
done:
	wipe_release(&masked);
	strata_buf_release(&host);
	strata_buf_release(&db);
	strata_buf_release(&name);
	return rc;
}

int strata_fleet_target_name(char **out, const char *url)
{
	*out = NULL;
	return derive_name(out, url);
}

static int check_name(const st_config_ctx *ctx, const st_yaml_node *v, const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return st_config_fail(ctx, v, "a target name must not hold control characters");
	return 0;
}

/* One entry of targets: a bare URL, or a mapping with url and an optional name. */
static int read_target(strata_fleet_target *t, const st_config_ctx *ctx, const st_yaml_node *item)
{
	const st_yaml_node *v, *url = NULL, *name = NULL;
	int rc = 0;

	t->line = item->line;
	if (item->kind == ST_YAML_SCALAR && !st_yaml_is_null(item)) {
		url = item;
	} else if (item->kind == ST_YAML_MAP) {
		for (v = item->child; v != NULL; v = v->next) {
			if (strcmp(v->key->text, "url") == 0)
				url = v;
			else if (strcmp(v->key->text, "name") == 0)
				name = v;
			else
				return st_config_unknown_key(ctx, v, " in a target", target_keys,
					ST_ARRAY_LEN(target_keys));
		}
		if (url == NULL)
			return st_config_fail(ctx, item, "a target needs a 'url'");
	} else {
		return st_config_fail(ctx, item,
			"a target must be a URL or a mapping with 'name' and 'url', not %s",
			item->kind == ST_YAML_SEQ ? "a list" : "an empty value");
	}
	if (name != NULL) {
		rc = st_config_string(&t->name, ctx, name);
		if (rc == 0)
			rc = check_name(ctx, name, t->name);
		if (rc != 0)
			return rc;
	}
	rc = read_url(&t->url, ctx, url);
	if (rc != 0 || t->name != NULL)
		return rc;
	/* A name is made from the masked URL: only from one the masker reads reliably. */
	if (!st_config_can_mask(t->url))
		return st_config_fail(ctx, url, "a target with this URL needs a 'name'");
	if (derive_name(&t->name, t->url) != 0)
		rc = oom(ctx);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	const strata_fleet_target *x = *(const strata_fleet_target *const *)a;
	const strata_fleet_target *y = *(const strata_fleet_target *const *)b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* Two targets with one name: the later one (in file order) is reported. */
static int check_duplicate_names(const strata_fleet_config *c, const st_config_ctx *ctx,
	const st_yaml_node *targets)
{
	const strata_fleet_target **sorted = NULL, *dup = NULL, *first = NULL;
	const st_yaml_node *item;
	char q[ST_CONFIG_QUOTE_MAX];
	size_t i;
	int rc;

	if (c->ntargets < 2)
		return 0;
	sorted = st_malloc(c->ntargets * sizeof(*sorted));
	if (sorted == NULL)
		return oom(ctx);
	for (i = 0; i < c->ntargets; i++)
		sorted[i] = &c->targets[i];
	qsort(sorted, c->ntargets, sizeof(*sorted), compare_names);
	for (i = 1; i < c->ntargets; i++) {
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) != 0)
			continue;
		if (i >= 2 && strcmp(sorted[i - 2]->name, sorted[i]->name) == 0)
			continue;   /* a third of a kind: the second is reported */
		if (dup == NULL || sorted[i] < dup) {
			dup = sorted[i];
			first = sorted[i - 1];
		}
	}
	st_free(sorted);
	if (dup == NULL)
		return 0;
	/* The target's own node, for its column. */
	for (item = targets->child, i = 0; item != NULL && &c->targets[i] != dup; item = item->next)
		i++;
	rc = st_config_fail(ctx, item, "duplicate target name '%s' (first on line %d)",
		st_config_quote(q, sizeof(q), dup->name), first->line);
	strata_error_hint(ctx->err, "give each target its own 'name'");
	return rc;
}

static int read_targets(strata_fleet_config *c, const st_config_ctx *ctx, const st_yaml_node *seq)
{
	const st_yaml_node *item;
	int rc;

	if (st_yaml_is_null(seq))
		return 0;
	if (seq->kind != ST_YAML_SEQ)
		return st_config_fail(ctx, seq, "'targets' must be a list, not %s",
			seq->kind == ST_YAML_MAP ? "a mapping" : "a string");
	if (seq->count == 0)
		return 0;
	c->targets = st_calloc(seq->count, sizeof(*c->targets));
	if (c->targets == NULL)
		return oom(ctx);
	for (item = seq->child; item != NULL; item = item->next) {
		/* Counted first, so that free releases what a failing target allocated. */
		c->ntargets++;
		rc = read_target(&c->targets[c->ntargets - 1], ctx, item);
		if (rc != 0)
			return rc;
	}
	return check_duplicate_names(c, ctx, seq);
}

static int read_query(strata_fleet_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v, *url = NULL, *sql = NULL;
	int rc = st_config_expect_map(ctx, map, "'query'");

	if (rc != 0)
		return rc;
	for (v = map->kind == ST_YAML_MAP ? map->child : NULL; v != NULL; v = v->next) {
		if (strcmp(v->key->text, "url") == 0)
			url = v;
		else if (strcmp(v->key->text, "sql") == 0)
			sql = v;
		else
			return st_config_unknown_key(ctx, v, " in 'query'", query_keys,
				ST_ARRAY_LEN(query_keys));
	}
	if (url == NULL || sql == NULL)
		return st_config_fail(ctx, map, "'query' needs %s",
			url == NULL && sql == NULL ? "a 'url' and an 'sql'" : url == NULL ? "a 'url'" :
			"an 'sql'");
	rc = read_url(&c->query_url, ctx, url);
	if (rc == 0)
		rc = st_config_string(&c->query_sql, ctx, sql);
	return rc;
}

static int read_fleet(strata_fleet_config *c, const st_config_ctx *ctx, const st_yaml_node *root)
{
	const st_yaml_node *v;
	int rc = 0, e;

	if (root == NULL)
		return st_config_fail(ctx, NULL, "no targets: list databases under 'targets' or give a 'query'");
	if (root->kind != ST_YAML_MAP)
		return st_config_fail(ctx, root, "the top level must be a mapping of settings, not %s",
			root->kind == ST_YAML_SEQ ? "a list" : "a string");
	for (v = root->child; v != NULL && rc == 0; v = v->next) {
		const char *k = v->key->text;

		if (strcmp(k, "targets") == 0) {
			rc = read_targets(c, ctx, v);
		} else if (strcmp(k, "query") == 0) {
			rc = read_query(c, ctx, v);
		} else if (strcmp(k, "parallel") == 0) {
			rc = st_config_int(&c->parallel, ctx, v, 1, INT_MAX);
		} else if (strcmp(k, "canary") == 0) {
			rc = st_config_int(&c->canary, ctx, v, 0, INT_MAX);
		} else if (strcmp(k, "on_error") == 0) {
			rc = st_config_enum(&e, ctx, v, "on_error value", on_error_names, on_error_values,
				ST_ARRAY_LEN(on_error_names));
			if (rc == 0)
				c->continue_on_error = e;
		} else {
			rc = st_config_unknown_key(ctx, v, "", fleet_keys, ST_ARRAY_LEN(fleet_keys));
		}
	}
	if (rc == 0 && c->ntargets == 0 && c->query_url == NULL)
		rc = st_config_fail(ctx, root, "no targets: list databases under 'targets' or give a 'query'");
	return rc;
}

int st_fleet_config_parse(strata_fleet_config **out, const char *path, const char *text,
	size_t len, strata_error *err)
{
	st_config_ctx ctx = { path, err };
	strata_fleet_config *c = NULL;
	st_yaml_doc *doc = NULL;
	int rc;

	*out = NULL;
	c = st_calloc(1, sizeof(*c));
	if (c == NULL || (c->file = st_strdup(path)) == NULL) {
		rc = oom(&ctx);
		goto done;
	}
	c->parallel = 4;
	c->canary = 0;
	rc = st_yaml_parse(&doc, path, text, len, err);
	if (rc == 0)
		rc = read_fleet(c, &ctx, st_yaml_root(doc));
	if (rc != 0)
		goto done;
	*out = c;
	c = NULL;
done:
	st_yaml_free(doc);
	strata_fleet_config_free(c);
	return rc;
}

int strata_fleet_config_load(strata_fleet_config **out, const char *path, strata_error *err)
{
	strata_error why = STRATA_ERROR_INIT;
	strata_buf content = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	rc = st_file_read(&content, path, ST_CONFIG_MAX_BYTES, &why);
	if (rc == STRATA_ENOMEM)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	else if (rc != 0)
		rc = strata_error_set(err, STRATA_EINVAL, "%s", why.message);
	else
		rc = st_fleet_config_parse(out, path, content.ptr, content.len, err);
	wipe_release(&content);
	return rc;
}
