/*
 * project.c: strata.yaml, the project's settings (see strata/config.h).
 *
 * Loading reads <root>/strata.yaml through the YAML reader of yaml.c and
 * checks every key against the sections below; without the file, or without
 * a tracks key, the project has one track, "default", in <root>/migrations.
 * Track paths are made absolute and normalised by text (the folders need not
 * exist yet), so that two tracks spelling one folder differently are caught.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

static const char FILE_NAME[] = "strata.yaml";

static const char *const top_keys[] = { "ledger", "migrate", "tracks", "seed", "tenancy", "lint", "audit" };
static const char *const lint_keys[] = { "pg_version", "baseline", "rules", "classification", "naming" };
static const char *const lint_naming_keys[] = { "table", "column", "index", "constraint", "migration" };
static const char *const lint_rule_keys[] = { "severity", "paths", "reason" };
static const char *const ledger_keys[] = { "schema" };
static const char *const seed_keys[] = { "path" };
static const char *const audit_keys[] = { "signing_key", "public_key" };
static const char *const tenancy_keys[] = { "app_roles" };
static const char *const migrate_keys[] = {
	"lock_timeout", "statement_timeout", "lock_wait", "lock_retries", "long_running",
};
static const char *const track_keys[] = {
	"path", "versions", "layout", "require_down", "allow_out_of_order", "lock_timeout",
	"statement_timeout",
};

static const char *const layout_names[] = {
	"auto", "strata", "golang-migrate", "dbmate", "flyway",
};
static const int layout_values[] = {
	STRATA_LAYOUT_AUTO, STRATA_LAYOUT_STRATA, STRATA_LAYOUT_GOLANG_MIGRATE, STRATA_LAYOUT_DBMATE,
	STRATA_LAYOUT_FLYWAY,
};
static const char *const version_names[] = { "auto", "sequential", "timestamp" };
static const int version_values[] = {
	STRATA_VERSIONS_AUTO, STRATA_VERSIONS_SEQUENTIAL, STRATA_VERSIONS_TIMESTAMP,
};

const char *strata_layout_name(strata_layout layout)
{
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(layout_values); i++)
		if (layout_values[i] == (int)layout)
			return layout_names[i];
	return "unknown";
}

const char *strata_version_scheme_name(strata_version_scheme scheme)
{
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(version_values); i++)
		if (version_values[i] == (int)scheme)
			return version_names[i];
	return "unknown";
}

static void track_release(strata_track_config *t)
{
	st_free(t->name);
	st_free(t->path);
}

void strata_project_config_free(strata_project_config *config)
{
	size_t i;

	if (config == NULL)
		return;
	for (i = 0; i < config->ntracks; i++)
		track_release(&config->tracks[i]);
	st_free(config->tracks);
	st_free(config->root);
	st_free(config->file);
	st_free(config->ledger_schema);
	st_free(config->seed_path);
	st_free(config->audit_signing_key);
	st_free(config->audit_public_key);
	for (i = 0; i < config->ntenancy_app_roles; i++)
		st_free(config->tenancy_app_roles[i]);
	st_free(config->tenancy_app_roles);
	st_free(config->lint_baseline);
	st_free(config->lint_classification);
	for (i = 0; i < ST_ARRAY_LEN(config->lint_naming); i++)
		st_free(config->lint_naming[i]);
	for (i = 0; i < config->nlint_rules; i++) {
		strata_lint_rule_config *r = &config->lint_rules[i];
		size_t j;

		st_free(r->rule);
		st_free(r->severity);
		for (j = 0; j < r->npaths; j++)
			st_free(r->paths[j]);
		st_free(r->paths);
		st_free(r->reason);
	}
	st_free(config->lint_rules);
	st_free(config);
}

const strata_track_config *strata_project_config_track(const strata_project_config *config,
	const char *name)
{
	size_t i;

	if (config == NULL || name == NULL)
		return NULL;
	for (i = 0; i < config->ntracks; i++)
		if (strcmp(config->tracks[i].name, name) == 0)
			return &config->tracks[i];
	return NULL;
}

int64_t strata_track_lock_timeout_ms(const strata_project_config *config,
	const strata_track_config *track)
{
	if (track != NULL && track->lock_timeout_ms != STRATA_CONFIG_INHERIT)
		return track->lock_timeout_ms;
	return config->lock_timeout_ms;
}

int64_t strata_track_statement_timeout_ms(const strata_project_config *config,
	const strata_track_config *track)
{
	if (track != NULL && track->statement_timeout_ms != STRATA_CONFIG_INHERIT)
		return track->statement_timeout_ms;
	return config->statement_timeout_ms;
}

/*
 * path made absolute (relative to root) and normalised by text: no empty or
 * "." segments, ".." taking one segment off, no trailing slash.
 */
static int normalise_path(char **out, const char *root, const char *path)
{
	strata_buf joined = STRATA_BUF_INIT, norm = STRATA_BUF_INIT;
	const char *p;
	int rc = 0;

	if (path[0] == '/')
		strata_buf_puts(&joined, path);
	else
		st_path_join(&joined, root, path);
	for (p = strata_buf_cstr(&joined); *p != '\0'; ) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (norm.len > 0 && norm.ptr[norm.len - 1] != '/')
				norm.len--;
			strata_buf_truncate(&norm, norm.len > 0 ? norm.len - 1 : 0);
			continue;
		}
		strata_buf_putc(&norm, '/');
		strata_buf_append(&norm, seg, n);
	}
	if (norm.len == 0)
		strata_buf_putc(&norm, '/');
	if (strata_buf_failed(&joined) || strata_buf_failed(&norm)) {
		rc = STRATA_ENOMEM;
		goto done;
	}
	*out = strata_buf_detach(&norm);
	if (*out == NULL)
		rc = STRATA_ENOMEM;
done:
	strata_buf_release(&joined);
	strata_buf_release(&norm);
	return rc;
}

/* Track names become ledger values and CLI arguments: [a-z][a-z0-9_]*. */
static int valid_track_name(const char *s)
{
	if (*s < 'a' || *s > 'z')
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/*
 * The ledger schema lands in SQL: a plain lowercase identifier that never
 * needs quoting, within PostgreSQL's 63 bytes.
 */
static int valid_schema_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int oom(const st_config_ctx *ctx)
{
	return strata_error_set(ctx->err, STRATA_ENOMEM, "out of memory");
}

static int read_ledger(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v;
	char q[ST_CONFIG_QUOTE_MAX];
	int rc = st_config_expect_map(ctx, map, "'ledger'");

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL; v = v->next) {
		if (strcmp(v->key->text, "schema") != 0)
			return st_config_unknown_key(ctx, v, " in 'ledger'", ledger_keys,
				ST_ARRAY_LEN(ledger_keys));
		rc = st_config_string(&c->ledger_schema, ctx, v);
		if (rc != 0)
			return rc;
		if (!valid_schema_name(c->ledger_schema)) {
			rc = st_config_fail(ctx, v, "bad schema name '%s'",
				st_config_quote(q, sizeof(q), c->ledger_schema));
			strata_error_hint(ctx->err, "use lowercase letters, digits and _, starting with a "
				"letter or _, at most 63 characters");
			return rc;
		}
	}
	return 0;
}

static int read_migrate(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v;
	int rc = st_config_expect_map(ctx, map, "'migrate'");

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL && rc == 0; v = v->next) {
		const char *k = v->key->text;

		if (strcmp(k, "lock_timeout") == 0)
			rc = st_config_duration(&c->lock_timeout_ms, ctx, v);
		else if (strcmp(k, "statement_timeout") == 0)
			rc = st_config_duration(&c->statement_timeout_ms, ctx, v);
		else if (strcmp(k, "lock_wait") == 0)
			rc = st_config_duration(&c->lock_wait_ms, ctx, v);
		else if (strcmp(k, "lock_retries") == 0)
			rc = st_config_int(&c->lock_retries, ctx, v, 0, 1000);
		else if (strcmp(k, "long_running") == 0)
			rc = st_config_duration(&c->long_running_ms, ctx, v);
		else
			rc = st_config_unknown_key(ctx, v, " in 'migrate'", migrate_keys,
				ST_ARRAY_LEN(migrate_keys));
	}
	return rc;
}

/*
 * seed: the folder of `strata seed`'s files. *path_at is the path value, for
 * the message when a track shares the folder (NULL: the default folder).
 */
static int read_seed(strata_project_config *c, const st_yaml_node **path_at,
	const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v;
	char *path = NULL;
	int rc = st_config_expect_map(ctx, map, "'seed'");

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL && rc == 0; v = v->next) {
		if (strcmp(v->key->text, "path") != 0) {
			rc = st_config_unknown_key(ctx, v, " in 'seed'", seed_keys, ST_ARRAY_LEN(seed_keys));
			break;
		}
		rc = st_config_string(&path, ctx, v);
		*path_at = v;
	}
	if (rc == 0 && path != NULL) {
		char *norm = NULL;

		if (normalise_path(&norm, c->root, path) != 0) {
			rc = oom(ctx);
		} else {
			st_free(c->seed_path);
			c->seed_path = norm;
		}
	}
	st_free(path);
	return rc;
}

/* audit: the key files of signed checkpoints, relative to the project folder. */
static int read_audit(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v;
	int rc = st_config_expect_map(ctx, map, "'audit'");

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL && rc == 0; v = v->next) {
		char *path = NULL, **field;

		if (strcmp(v->key->text, "signing_key") == 0)
			field = &c->audit_signing_key;
		else if (strcmp(v->key->text, "public_key") == 0)
			field = &c->audit_public_key;
		else
			return st_config_unknown_key(ctx, v, " in 'audit'", audit_keys, ST_ARRAY_LEN(audit_keys));
		rc = st_config_string(&path, ctx, v);
		if (rc == 0) {
			st_free(*field);
			*field = NULL;
			if (normalise_path(field, c->root, path) != 0)
				rc = oom(ctx);
		}
		st_free(path);
	}
	return rc;
}

/* tenancy: the application roles that `strata tenancy` checks and probes as. */
static int read_tenancy(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v, *item;
	int rc = st_config_expect_map(ctx, map, "'tenancy'");

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL; v = v->next) {
		if (strcmp(v->key->text, "app_roles") != 0)
			return st_config_unknown_key(ctx, v, " in 'tenancy'", tenancy_keys,
				ST_ARRAY_LEN(tenancy_keys));
		if (v->kind != ST_YAML_SEQ && !st_yaml_is_null(v))
			return st_config_fail(ctx, v, "'app_roles' must be a list of role names");
		if (v->kind != ST_YAML_SEQ)
			continue;
		c->tenancy_app_roles = st_calloc(v->count + 1, sizeof(char *));
		if (c->tenancy_app_roles == NULL)
			return oom(ctx);
		for (item = v->child; item != NULL; item = item->next) {
			rc = st_config_string(&c->tenancy_app_roles[c->ntenancy_app_roles], ctx, item);
			if (rc != 0)
				return rc;
			c->ntenancy_app_roles++;
		}
	}
	return 0;
}

/* One rule's setting under lint: rules: a severity, or {severity, paths, reason}. */
static int read_lint_rule(strata_lint_rule_config *r, const st_config_ctx *ctx, const st_yaml_node *v)
{
	const st_yaml_node *k, *item;
	int rc;

	r->line = v->key->line;
	if ((r->rule = st_strdup(v->key->text)) == NULL)
		return oom(ctx);
	if (v->kind == ST_YAML_SCALAR)
		return st_config_string(&r->severity, ctx, v);
	if (v->kind != ST_YAML_MAP)
		return st_config_fail(ctx, v, "lint rule '%s': give a severity (off, warning, error) or a map "
			"with severity, paths and reason", v->key->text);
	for (k = v->child; k != NULL; k = k->next) {
		if (strcmp(k->key->text, "severity") == 0) {
			rc = st_config_string(&r->severity, ctx, k);
		} else if (strcmp(k->key->text, "reason") == 0) {
			rc = st_config_string(&r->reason, ctx, k);
		} else if (strcmp(k->key->text, "paths") == 0) {
			if (k->kind != ST_YAML_SEQ)
				return st_config_fail(ctx, k, "'paths' must be a list of file patterns");
			r->paths = st_calloc(k->count + 1, sizeof(char *));
			if (r->paths == NULL)
				return oom(ctx);
			rc = 0;
			for (item = k->child; item != NULL && rc == 0; item = item->next)
				if ((rc = st_config_string(&r->paths[r->npaths], ctx, item)) == 0)
					r->npaths++;
		} else {
			return st_config_unknown_key(ctx, k, " in a lint rule", lint_rule_keys,
				ST_ARRAY_LEN(lint_rule_keys));
		}
		if (rc != 0)
			return rc;
	}
	if (r->severity == NULL)
		return st_config_fail(ctx, v, "lint rule '%s' needs a severity (off, warning or error)",
			v->key->text);
	if (r->npaths > 0 && (r->reason == NULL || r->reason[0] == '\0'))
		return st_config_fail(ctx, v, "lint rule '%s': a setting for some paths needs a 'reason'",
			v->key->text);
	return 0;
}

/* A file named relative to the project root (or absolute), as an absolute path. */
static int project_file(char **out, const strata_project_config *c, const st_config_ctx *ctx,
	const st_yaml_node *v)
{
	strata_buf b = STRATA_BUF_INIT;
	char *rel = NULL;
	int rc = st_config_string(&rel, ctx, v);

	if (rc != 0)
		return rc;
	if (rel[0] == '/')
		strata_buf_puts(&b, rel);
	else
		strata_buf_printf(&b, "%s/%s", c->root, rel);
	st_free(rel);
	st_free(*out);
	*out = strata_buf_detach(&b);
	return *out == NULL ? oom(ctx) : 0;
}

/* lint: strata lint's settings for the project (see strata/config.h). */
static int read_lint(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node *v, *r;
	int rc = st_config_expect_map(ctx, map, "'lint'");
	int major = 0;

	if (rc != 0 || map->kind != ST_YAML_MAP)
		return rc;
	for (v = map->child; v != NULL && rc == 0; v = v->next) {
		if (strcmp(v->key->text, "pg_version") == 0) {
			rc = st_config_int(&major, ctx, v, 10, 99);
			c->lint_pg_version = major * 10000;
		} else if (strcmp(v->key->text, "baseline") == 0) {
			rc = project_file(&c->lint_baseline, c, ctx, v);
		} else if (strcmp(v->key->text, "classification") == 0) {
			rc = project_file(&c->lint_classification, c, ctx, v);
		} else if (strcmp(v->key->text, "naming") == 0) {
			const st_yaml_node *k;
			size_t i;

			rc = st_config_expect_map(ctx, v, "'naming'");
			for (k = v->kind == ST_YAML_MAP ? v->child : NULL; k != NULL && rc == 0; k = k->next) {
				for (i = 0; i < ST_ARRAY_LEN(lint_naming_keys); i++)
					if (strcmp(k->key->text, lint_naming_keys[i]) == 0)
						break;
				if (i == ST_ARRAY_LEN(lint_naming_keys))
					return st_config_unknown_key(ctx, k, " in 'naming'", lint_naming_keys,
						ST_ARRAY_LEN(lint_naming_keys));
				st_free(c->lint_naming[i]);
				c->lint_naming[i] = NULL;
				rc = st_config_string(&c->lint_naming[i], ctx, k);
			}
		} else if (strcmp(v->key->text, "rules") == 0) {
			if (st_yaml_is_null(v))
				continue;
			if (v->kind != ST_YAML_MAP)
				return st_config_fail(ctx, v, "'rules' must map rule ids to their settings");
			c->lint_rules = st_calloc(v->count + 1, sizeof(*c->lint_rules));
			if (c->lint_rules == NULL)
				return oom(ctx);
			for (r = v->child; r != NULL && rc == 0; r = r->next) {
				rc = read_lint_rule(&c->lint_rules[c->nlint_rules], ctx, r);
				c->nlint_rules++;
			}
		} else {
			rc = st_config_unknown_key(ctx, v, " in 'lint'", lint_keys, ST_ARRAY_LEN(lint_keys));
		}
	}
	return rc;
}

/* Where a track's path is written: its path value, or its name when the path is implied. */
static const st_yaml_node *track_path_node(const st_yaml_node *root, const char *name)
{
	const st_yaml_node *v, *t;

	for (v = root->child; v != NULL; v = v->next) {
		if (strcmp(v->key->text, "tracks") != 0 || v->kind != ST_YAML_MAP)
			continue;
		for (t = v->child; t != NULL; t = t->next) {
			const st_yaml_node *k;

			if (strcmp(t->key->text, name) != 0)
				continue;
			for (k = t->kind == ST_YAML_MAP ? t->child : NULL; k != NULL; k = k->next)
				if (strcmp(k->key->text, "path") == 0)
					return k;
			return t->key;
		}
	}
	return NULL;
}

/*
 * The seed folder must not be a track's folder: `migrate validate` would
 * read the seed files as migrations. Blamed on the seed path when one is
 * written, else on the track.
 */
static int check_seed_path(const strata_project_config *c, const st_config_ctx *ctx,
	const st_yaml_node *seed_at, const st_yaml_node *root)
{
	size_t i;
	int rc;

	for (i = 0; i < c->ntracks; i++) {
		const strata_track_config *t = &c->tracks[i];

		if (strcmp(t->path, c->seed_path) != 0)
			continue;
		if (seed_at != NULL && t->line > 0)
			rc = st_config_fail(ctx, seed_at, "the seed folder is the path of track '%s' (line %d)",
				t->name, t->line);
		else if (seed_at != NULL)
			rc = st_config_fail(ctx, seed_at, "the seed folder is the path of track '%s'", t->name);
		else
			rc = st_config_fail(ctx, track_path_node(root, t->name),
				"track '%s' has the same path as the seed folder (seeds, the default)", t->name);
		strata_error_hint(ctx->err, "seed files and migrations need folders of their own");
		return rc;
	}
	return 0;
}

static void track_defaults(strata_track_config *t)
{
	memset(t, 0, sizeof(*t));
	t->layout = STRATA_LAYOUT_AUTO;
	t->versions = STRATA_VERSIONS_AUTO;
	t->lock_timeout_ms = STRATA_CONFIG_INHERIT;
	t->statement_timeout_ms = STRATA_CONFIG_INHERIT;
}

/*
 * One track from its entry under tracks. *path_at is the node to blame for
 * its path: the path value, or the track's name when the path is implied.
 */
static int read_track(strata_track_config *t, const st_yaml_node **path_at,
	const strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *entry)
{
	const st_yaml_node *v;
	char q[ST_CONFIG_QUOTE_MAX], where[ST_CONFIG_QUOTE_MAX + 16];
	char *path = NULL;
	int rc = 0, e;

	track_defaults(t);
	t->line = entry->key->line;
	*path_at = entry->key;
	if (!valid_track_name(entry->key->text)) {
		rc = st_config_fail(ctx, entry->key, "bad track name '%s'",
			st_config_quote(q, sizeof(q), entry->key->text));
		strata_error_hint(ctx->err, "a track name is lowercase letters, digits and _, starting "
			"with a letter");
		return rc;
	}
	t->name = st_strdup(entry->key->text);
	if (t->name == NULL)
		return oom(ctx);
	snprintf(where, sizeof(where), "track '%s'", t->name);
	rc = st_config_expect_map(ctx, entry, where);
	if (rc != 0)
		return rc;
	snprintf(where, sizeof(where), " in track '%s'", t->name);
	for (v = entry->kind == ST_YAML_MAP ? entry->child : NULL; v != NULL && rc == 0; v = v->next) {
		const char *k = v->key->text;

		if (strcmp(k, "path") == 0) {
			rc = st_config_string(&path, ctx, v);
			*path_at = v;
		} else if (strcmp(k, "versions") == 0) {
			rc = st_config_enum(&e, ctx, v, "version scheme", version_names, version_values,
				ST_ARRAY_LEN(version_names));
			if (rc == 0)
				t->versions = (strata_version_scheme)e;
		} else if (strcmp(k, "layout") == 0) {
			rc = st_config_enum(&e, ctx, v, "layout", layout_names, layout_values,
				ST_ARRAY_LEN(layout_names));
			if (rc == 0)
				t->layout = (strata_layout)e;
		} else if (strcmp(k, "require_down") == 0) {
			rc = st_config_bool(&t->require_down, ctx, v);
		} else if (strcmp(k, "allow_out_of_order") == 0) {
			rc = st_config_bool(&t->allow_out_of_order, ctx, v);
		} else if (strcmp(k, "lock_timeout") == 0) {
			rc = st_config_duration(&t->lock_timeout_ms, ctx, v);
		} else if (strcmp(k, "statement_timeout") == 0) {
			rc = st_config_duration(&t->statement_timeout_ms, ctx, v);
		} else {
			rc = st_config_unknown_key(ctx, v, where, track_keys, ST_ARRAY_LEN(track_keys));
		}
	}
	if (rc == 0) {
		/* A track without a path lives in migrations/<name>. */
		strata_buf implied = STRATA_BUF_INIT;

		if (path == NULL)
			strata_buf_printf(&implied, "migrations/%s", t->name);
		if (strata_buf_failed(&implied) ||
			normalise_path(&t->path, c->root, path ? path : strata_buf_cstr(&implied)) != 0)
			rc = oom(ctx);
		strata_buf_release(&implied);
	}
	st_free(path);
	return rc;
}

static int compare_paths(const void *a, const void *b)
{
	const strata_track_config *x = *(const strata_track_config *const *)a;
	const strata_track_config *y = *(const strata_track_config *const *)b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * Two tracks in one folder would read each other's files. Sorted, so that a
 * long list is checked in n log n; the later track of the first pair in file
 * order is reported, at its path (or its name when the path is implied).
 */
static int check_shared_paths(const strata_project_config *c, const st_config_ctx *ctx,
	const st_yaml_node *const *path_at)
{
	const strata_track_config **sorted, *dup = NULL, *first = NULL;
	size_t i;

	if (c->ntracks < 2)
		return 0;
	sorted = st_malloc(c->ntracks * sizeof(*sorted));
	if (sorted == NULL)
		return oom(ctx);
	for (i = 0; i < c->ntracks; i++)
		sorted[i] = &c->tracks[i];
	qsort(sorted, c->ntracks, sizeof(*sorted), compare_paths);
	for (i = 1; i < c->ntracks; i++) {
		if (strcmp(sorted[i - 1]->path, sorted[i]->path) != 0)
			continue;
		if (i >= 2 && strcmp(sorted[i - 2]->path, sorted[i]->path) == 0)
			continue;   /* a third in one folder: the second is reported */
		if (dup == NULL || sorted[i] < dup) {
			dup = sorted[i];
			first = sorted[i - 1];
		}
	}
	st_free(sorted);
	if (dup == NULL)
		return 0;
	return st_config_fail(ctx, path_at[dup - c->tracks],
		"track '%s' has the same path as track '%s' (line %d)", dup->name, first->name,
		first->line);
}

static int read_tracks(strata_project_config *c, const st_config_ctx *ctx, const st_yaml_node *map)
{
	const st_yaml_node **path_at = NULL;
	const st_yaml_node *v;
	int rc = st_config_expect_map(ctx, map, "'tracks'");

	/* An empty tracks: reads like none: the default track. */
	if (rc != 0 || map->kind != ST_YAML_MAP || map->count == 0)
		return rc;
	c->tracks = st_calloc(map->count, sizeof(*c->tracks));
	path_at = st_calloc(map->count, sizeof(*path_at));
	if (c->tracks == NULL || path_at == NULL) {
		rc = oom(ctx);
		goto done;
	}
	for (v = map->child; v != NULL; v = v->next) {
		/* Counted first, so that free releases what a failing track allocated. */
		c->ntracks++;
		rc = read_track(&c->tracks[c->ntracks - 1], &path_at[c->ntracks - 1], c, ctx, v);
		if (rc != 0)
			goto done;
	}
	rc = check_shared_paths(c, ctx, path_at);
done:
	st_free(path_at);
	return rc;
}

static int add_default_track(strata_project_config *c, const st_config_ctx *ctx)
{
	c->tracks = st_calloc(1, sizeof(*c->tracks));
	if (c->tracks == NULL)
		return oom(ctx);
	c->ntracks = 1;
	track_defaults(&c->tracks[0]);
	c->tracks[0].name = st_strdup("default");
	if (c->tracks[0].name == NULL || normalise_path(&c->tracks[0].path, c->root, "migrations") != 0)
		return oom(ctx);
	return 0;
}

static strata_project_config *config_new(const char *root)
{
	strata_project_config *c = st_calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->lock_timeout_ms = 5000;
	c->statement_timeout_ms = 0;
	c->lock_wait_ms = 60000;
	c->lock_retries = 5;
	c->long_running_ms = 60000;
	c->root = st_strdup(root);
	c->ledger_schema = st_strdup("strata");
	if (c->root == NULL || c->ledger_schema == NULL ||
		normalise_path(&c->seed_path, root, "seeds") != 0) {
		strata_project_config_free(c);
		return NULL;
	}
	return c;
}

static int read_settings(strata_project_config *c, const st_config_ctx *ctx,
	const st_yaml_node *root)
{
	const st_yaml_node *v, *seed_at = NULL;
	int rc = 0;

	if (root == NULL)
		return 0;
	if (root->kind != ST_YAML_MAP)
		return st_config_fail(ctx, root, "the top level must be a mapping of settings, not %s",
			root->kind == ST_YAML_SEQ ? "a list" : "a string");
	for (v = root->child; v != NULL && rc == 0; v = v->next) {
		const char *k = v->key->text;

		if (strcmp(k, "ledger") == 0)
			rc = read_ledger(c, ctx, v);
		else if (strcmp(k, "migrate") == 0)
			rc = read_migrate(c, ctx, v);
		else if (strcmp(k, "tracks") == 0)
			rc = read_tracks(c, ctx, v);
		else if (strcmp(k, "seed") == 0)
			rc = read_seed(c, &seed_at, ctx, v);
		else if (strcmp(k, "tenancy") == 0)
			rc = read_tenancy(c, ctx, v);
		else if (strcmp(k, "lint") == 0)
			rc = read_lint(c, ctx, v);
		else if (strcmp(k, "audit") == 0)
			rc = read_audit(c, ctx, v);
		else
			rc = st_config_unknown_key(ctx, v, "", top_keys, ST_ARRAY_LEN(top_keys));
	}
	if (rc == 0 && c->ntracks == 0)
		rc = add_default_track(c, ctx);
	if (rc == 0)
		rc = check_seed_path(c, ctx, seed_at, root);
	return rc;
}

int st_project_config_parse(strata_project_config **out, const char *root, const char *file,
	const char *text, size_t len, strata_error *err)
{
	st_config_ctx ctx = { file, err };
	strata_project_config *c = NULL;
	st_yaml_doc *doc = NULL;
	strata_buf path = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	c = config_new(root);
	if (c == NULL || st_path_join(&path, root, FILE_NAME) != 0 ||
		(c->file = strata_buf_detach(&path)) == NULL) {
		rc = oom(&ctx);
		goto done;
	}
	rc = st_yaml_parse(&doc, file, text, len, err);
	if (rc != 0)
		goto done;
	rc = read_settings(c, &ctx, st_yaml_root(doc));
	if (rc == 0 && c->ntracks == 0)
		rc = add_default_track(c, &ctx);
	if (rc != 0)
		goto done;
	*out = c;
	c = NULL;
done:
	st_yaml_free(doc);
	strata_buf_release(&path);
	strata_project_config_free(c);
	return rc;
}

int strata_project_config_load(strata_project_config **out, const char *root, strata_error *err)
{
	strata_error why = STRATA_ERROR_INIT;
	strata_buf abs = STRATA_BUF_INIT, path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	strata_project_config *c = NULL;
	st_config_ctx ctx = { FILE_NAME, err };
	int rc;

	*out = NULL;
	rc = st_realpath(&abs, root, &why);
	if (rc == STRATA_ENOMEM) {
		rc = oom(&ctx);
		goto done;
	}
	if (rc != 0) {
		rc = strata_error_set(err, STRATA_EINVAL, "bad project folder: %s", why.message);
		goto done;
	}
	if (st_path_join(&path, strata_buf_cstr(&abs), FILE_NAME) != 0) {
		rc = oom(&ctx);
		goto done;
	}
	rc = st_file_read(&content, strata_buf_cstr(&path), ST_CONFIG_MAX_BYTES, &why);
	if (rc == STRATA_ENOTFOUND) {
		/* No strata.yaml: every default, file NULL. */
		c = config_new(strata_buf_cstr(&abs));
		rc = c == NULL ? oom(&ctx) : add_default_track(c, &ctx);
		if (rc != 0)
			goto done;
		*out = c;
		c = NULL;
		goto done;
	}
	if (rc == STRATA_ENOMEM) {
		rc = oom(&ctx);
		goto done;
	}
	if (rc != 0) {
		rc = strata_error_set(err, STRATA_EINVAL, "%s", why.message);
		goto done;
	}
	rc = st_project_config_parse(out, strata_buf_cstr(&abs), FILE_NAME, content.ptr, content.len,
		err);
done:
	strata_buf_release(&abs);
	strata_buf_release(&path);
	strata_buf_release(&content);
	strata_project_config_free(c);
	return rc;
}
