/*
 * cmd_schema.c: `strata schema`, the database's schema as data.
 *
 *   snapshot   the live database's schema as deterministic JSON, and its
 *              fingerprint (see strata/catalog.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "migrate_cli.h"

typedef struct schema_opts {
	const char *dictionary;
	const char *output_dir;
	const char *classification;
	const char *output;
	cli_list schemas;
	int fingerprint_only;
} schema_opts;

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	printf("Usage: strata schema snapshot [--output FILE] [--schema S]... [--fingerprint]\n"
		"       strata schema diff A B\n"
		"       strata schema drift\n"
		"       strata schema docs [--output-dir DIR] [--classification FILE]\n"
		"       strata schema validate [--dictionary FILE] [--classification FILE]\n\n"
		"The live database's schema as one deterministic JSON document: schemas, tables\n"
		"(partitions too), columns, constraints, indexes, views, sequences, functions,\n"
		"triggers, types, extensions, row-level security and policies, grants, comments and\n"
		"owners; the same schema gives the same bytes on any database. Its fingerprint is\n"
		"the SHA-256 of the document.\n\n"
		"Commands:\n"
		"  snapshot  write the snapshot (stdout, or --output FILE) and print its fingerprint\n"
		"  diff A B  what changed from A to B, each a snapshot file, a database URL or a\n"
		"            project folder (its migrations applied on a scratch database); exit 1\n"
		"            when they differ\n"
		"  docs      the data dictionary (Markdown) and ERDs (Mermaid, PlantUML, DOT, SVG\n"
		"            with Graphviz), whole and per schema, in --output-dir\n"
		"  validate  the database against the committed dictionary and classification:\n"
		"            undocumented tables, columns without comment or classification, and\n"
		"            documented objects that no longer exist (exit 1 on findings)\n"
		"  drift     the database against what its applied migrations give, replayed on a\n"
		"            scratch database: every change made by hand (exit 1 when there is one)\n\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

#define ST_LINT_ERDS 3

/* The schemas with tables, each NUL-terminated, one after the other. */
static int schema_names(strata_conn *c, strata_buf *out, strata_error *err)
{
	strata_result *r = NULL;
	int rc, i;

	rc = strata_conn_query(&r, c, "SELECT DISTINCT n.nspname FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
		"AND n.nspname <> ALL (ARRAY['pg_catalog', 'information_schema', 'strata']) "
		"AND n.nspname !~ '^pg_' ORDER BY 1", 0, NULL, err);
	for (i = 0; rc == 0 && i < strata_result_nrows(r); i++) {
		strata_buf_puts(out, strata_result_value(r, i, 0));
		strata_buf_putc(out, '\0');
	}
	strata_result_free(r);
	return rc;
}

/* A diff side: a database URL (snapshot taken now) or a snapshot file. */
static int side(cli_ctx *ctx, const char *arg, strata_buf *out, strata_error *err)
{
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	char fp[65];
	int rc;

	if (strncmp(arg, "postgres://", 11) == 0 || strncmp(arg, "postgresql://", 13) == 0) {
		rc = strata_conninfo_parse(&ci, arg, STRATA_CONN_SOURCE_EXPLICIT, err);
		if (rc == 0)
			rc = strata_conn_open(&c, ci, err);
		if (rc == 0)
			rc = strata_catalog_snapshot(out, fp, c, NULL, err);
		strata_conn_close(c);
		strata_conninfo_free(ci);
		return rc;
	}
	{
		struct stat st;

		if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
			return mig_project_snapshot(ctx, arg, out, err);
	}
	return cli_read_file(arg, out, err);
}

void mig_change_line(strata_buf *out, const char *indent, const strata_schema_change *c)
{
	const char *sign = c->kind == STRATA_CHANGE_ADDED ? "+" : c->kind == STRATA_CHANGE_REMOVED ? "-" : "~";

	if (c->property != NULL)
		strata_buf_printf(out, "%s%s %s: %s %s -> %s\n", indent, sign, c->object, c->property, c->before,
			c->after);
	else
		strata_buf_printf(out, "%s%s %s\n", indent, sign, c->object);
}

static int run_diff(cli_ctx *ctx, const char *a, const char *b)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf ta = STRATA_BUF_INIT, tb = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	strata_schema_diff *d = NULL;
	size_t i, counts[3] = { 0, 0, 0 };
	int rc;

	rc = side(ctx, a, &ta, &err);
	if (rc == 0)
		rc = side(ctx, b, &tb, &err);
	if (rc == 0)
		rc = strata_catalog_diff(&d, strata_buf_cstr(&ta), a, strata_buf_cstr(&tb), b, &err);
	if (rc != 0) {
		rc = err.code == STRATA_EIO ? cli_report_exit(ctx, &err, CLI_EXIT_INPUT) : cli_report(ctx, &err);
		goto done;
	}
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "equal");
		strata_json_bool(&w, d->n == 0);
		strata_json_key(&w, "changes");
		strata_json_array_begin(&w);
		for (i = 0; i < d->n; i++) {
			const strata_schema_change *c = &d->changes[i];

			strata_json_object_begin(&w);
			strata_json_key(&w, "change");
			strata_json_string(&w, c->kind == STRATA_CHANGE_ADDED ? "added" :
				c->kind == STRATA_CHANGE_REMOVED ? "removed" : "changed");
			strata_json_key(&w, "object");
			strata_json_string(&w, c->object);
			if (c->property != NULL) {
				strata_json_key(&w, "property");
				strata_json_string(&w, c->property);
				strata_json_key(&w, "before");
				strata_json_raw(&w, c->before);
				strata_json_key(&w, "after");
				strata_json_raw(&w, c->after);
			}
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		for (i = 0; i < d->n; i++) {
			const strata_schema_change *c = &d->changes[i];

			counts[c->kind]++;
			mig_change_line(&out, "", c);
		}
		if (d->n == 0)
			strata_buf_puts(&out, "the schemas are the same\n");
		else
			strata_buf_printf(&out, "%zu difference%s: %zu added, %zu removed, %zu changed\n", d->n,
				d->n == 1 ? "" : "s", counts[STRATA_CHANGE_ADDED], counts[STRATA_CHANGE_REMOVED],
				counts[STRATA_CHANGE_CHANGED]);
	}
	cli_write_stdout(&out);
	rc = d->n == 0 ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
done:
	strata_schema_diff_free(d);
	strata_buf_release(&ta);
	strata_buf_release(&tb);
	strata_buf_release(&out);
	return rc;
}

/* Writes one rendering of snap to dir/name. */
static int render_to(const char *dir, const char *name, const strata_snapshot *snap, strata_render_format f,
	const strata_render_options *ro, strata_error *err)
{
	strata_buf out = STRATA_BUF_INIT;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = strata_catalog_render_parsed(&out, snap, f, ro, err);
	if (rc == 0)
		rc = cli_write_file(path, &out, err);
	strata_buf_release(&out);
	return rc;
}

/* dot -Tsvg, when Graphviz is installed: 0 when it ran, 1 when there is no dot. */
static int svg(const char *dir, const char *base)
{
	char cmd[8192];

	if (system("command -v dot >/dev/null 2>&1") != 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s/%s.dot' -o '%s/%s.svg'", dir, base, dir, base);
	return system(cmd) == 0 ? 0 : -1;
}

static int run_docs(cli_ctx *ctx, schema_opts *o)
{
	static const struct { const char *ext; strata_render_format f; } erds[] = {
		{ "mmd", STRATA_RENDER_MERMAID }, { "puml", STRATA_RENDER_PLANTUML }, { "dot", STRATA_RENDER_DOT },
	};
	strata_render_options ro = STRATA_RENDER_OPTIONS_INIT;
	strata_snapshot *parsed = NULL;
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_buf doc = STRATA_BUF_INIT, schemas = STRATA_BUF_INIT;
	char **keys = NULL, **entries = NULL, fp[65], name[512];
	const char *dir = o->output_dir != NULL ? o->output_dir : "docs/schema";
	size_t nkeys = 0, i, k, files = 0;
	int rc, svgs = 0, have_dot = 1;

	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(&c, ci, &err);
	if (rc == 0)
		rc = strata_catalog_snapshot(&doc, fp, c, NULL, &err);
	if (rc == 0 && o->classification != NULL)
		rc = strata_classification_entries(&keys, &entries, &nkeys, o->classification, &err);
	if (rc == 0 && mkdir(dir, 0755) != 0 && errno != EEXIST)
		rc = strata_error_set(&err, STRATA_EIO, "cannot create %s", dir);
	if (rc != 0) {
		rc = err.code == STRATA_EIO || err.code == STRATA_EINVAL ? cli_report_exit(ctx, &err, CLI_EXIT_INPUT)
			: cli_report(ctx, &err);
		goto done;
	}
	rc = strata_snapshot_parse(&parsed, strata_buf_cstr(&doc), &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	ro.classified = (const char *const *)keys;
	ro.classes = (const char *const *)entries;
	ro.nclassified = nkeys;
	rc = render_to(dir, "README.md", parsed, STRATA_RENDER_MARKDOWN, &ro, &err);
	files++;
	for (k = 0; k < ST_LINT_ERDS && rc == 0; k++) {
		snprintf(name, sizeof(name), "schema.%s", erds[k].ext);
		rc = render_to(dir, name, parsed, erds[k].f, &ro, &err);
		files++;
	}
	/* Per schema too: the ERDs of large databases stay legible. */
	if (rc == 0)
		rc = schema_names(c, &schemas, &err);
	for (i = 0; rc == 0 && i < schemas.len; ) {
		const char *sname = schemas.ptr + i;

		ro.schema = sname;
		for (k = 0; k < ST_LINT_ERDS && rc == 0; k++) {
			snprintf(name, sizeof(name), "%s.%s", sname, erds[k].ext);
			rc = render_to(dir, name, parsed, erds[k].f, &ro, &err);
			files++;
		}
		if (rc == 0 && have_dot) {
			int r = svg(dir, sname);

			have_dot = r != 1;
			svgs += r == 0;
		}
		i += strlen(sname) + 1;
	}
	if (rc == 0 && have_dot && svg(dir, "schema") == 0)
		svgs++;
	if (rc != 0) {
		rc = cli_report_exit(ctx, &err, CLI_EXIT_INPUT);
		goto done;
	}
	strata_log(STRATA_LOG_NOTICE, "wrote %zu files%s to %s (schema sha256:%s)", files + (size_t)svgs,
		have_dot ? ", SVGs included" : " (no SVG: Graphviz's dot is not installed)", dir, fp);
done:
	strata_snapshot_free(parsed);
	strata_classification_free(keys, nkeys);
	strata_classification_free(entries, nkeys);
	strata_buf_release(&doc);
	strata_buf_release(&schemas);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has(char **sorted, size_t n, const char *key)
{
	return n > 0 && bsearch(&key, sorted, n, sizeof(char *), cmp_cstr) != NULL;
}

/*
 * The live database against the committed dictionary (its "## schema.table"
 * headings) and the data classification: undocumented tables, columns
 * without a comment or a classification, and documented tables or
 * classified columns that no longer exist.
 */
static int run_validate(cli_ctx *ctx, schema_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_result *r = NULL;
	strata_buf dict = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	char **documented = NULL, **classified = NULL, **live_tables = NULL, **live_cols = NULL;
	size_t ndoc = 0, ncls = 0, nlt = 0, nlc = 0, i, findings = 0;
	const char *p;
	int rc, k;

	if (o->dictionary == NULL && o->classification == NULL)
		return cli_usage_error(ctx, "'strata schema validate' needs --dictionary FILE and/or --classification FILE");
	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(&c, ci, &err);
	if (rc == 0 && o->dictionary != NULL)
		rc = cli_read_file(o->dictionary, &dict, &err);
	if (rc == 0 && o->classification != NULL)
		rc = strata_classification_load(&classified, &ncls, o->classification, &err);
	if (rc == 0)
		rc = strata_conn_query(&r, c, "SELECT n.nspname || '.' || c.relname, a.attname, "
			"pg_catalog.col_description(c.oid, a.attnum) IS NOT NULL "
			"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
			"JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
			"WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
			"AND n.nspname <> ALL (ARRAY['pg_catalog', 'information_schema', 'strata']) "
			"AND n.nspname !~ '^pg_' ORDER BY 1, a.attnum", 0, NULL, &err);
	if (rc != 0) {
		rc = err.code == STRATA_EIO || err.code == STRATA_EINVAL ? cli_report_exit(ctx, &err, CLI_EXIT_INPUT)
			: cli_report(ctx, &err);
		goto done;
	}
	/* The dictionary's tables: its "## schema.table" headings. */
	for (p = dict.ptr; p != NULL && (p = strstr(p, "\n## ")) != NULL; p += 4) {
		const char *e = strchr(p + 4, '\n');
		size_t len = e != NULL ? (size_t)(e - p - 4) : strlen(p + 4);
		char **grown = realloc(documented, (ndoc + 1) * sizeof(char *));

		if (grown == NULL)
			break;
		documented = grown;
		documented[ndoc] = strndup(p + 4, len);
		if (documented[ndoc] != NULL)
			ndoc++;
	}
	qsort(documented, ndoc, sizeof(char *), cmp_cstr);
	live_tables = calloc((size_t)strata_result_nrows(r) + 1, sizeof(char *));
	live_cols = calloc((size_t)strata_result_nrows(r) + 1, sizeof(char *));
	for (k = 0; live_tables != NULL && live_cols != NULL && k < strata_result_nrows(r); k++) {
		const char *t = strata_result_value(r, k, 0), *col = strata_result_value(r, k, 1);
		strata_buf key = STRATA_BUF_INIT;

		strata_buf_printf(&key, "%s.%s", t, col);
		live_cols[nlc++] = strata_buf_detach(&key);
		if (nlt == 0 || strcmp(live_tables[nlt - 1], t) != 0) {
			live_tables[nlt++] = strdup(t);
			if (o->dictionary != NULL && !has(documented, ndoc, t)) {
				strata_buf_printf(&out, "undocumented table %s: not in %s\n", t, o->dictionary);
				findings++;
			}
		}
		if (strcmp(strata_result_value(r, k, 2), "t") != 0) {
			strata_buf_printf(&out, "column %s.%s has no comment\n", t, col);
			findings++;
		}
		if (o->classification != NULL && !has(classified, ncls, live_cols[nlc - 1])) {
			strata_buf_printf(&out, "column %s.%s has no entry in %s\n", t, col, o->classification);
			findings++;
		}
	}
	qsort(live_tables, nlt, sizeof(char *), cmp_cstr);
	qsort(live_cols, nlc, sizeof(char *), cmp_cstr);
	for (i = 0; i < ndoc; i++)
		if (!has(live_tables, nlt, documented[i])) {
			strata_buf_printf(&out, "documented table %s no longer exists\n", documented[i]);
			findings++;
		}
	for (i = 0; i < ncls; i++)
		if (!has(live_cols, nlc, classified[i])) {
			strata_buf_printf(&out, "classified column %s no longer exists\n", classified[i]);
			findings++;
		}
	if (findings == 0)
		strata_buf_printf(&out, "%zu tables, %zu columns: documented and classified\n", nlt, nlc);
	else
		strata_buf_printf(&out, "%zu finding%s\n", findings, findings == 1 ? "" : "s");
	cli_write_stdout(&out);
	rc = findings == 0 ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
done:
	for (i = 0; i < ndoc; i++)
		free(documented[i]);
	free(documented);
	for (i = 0; i < nlt; i++)
		free(live_tables[i]);
	free(live_tables);
	for (i = 0; i < nlc; i++)
		strata_free(live_cols[i]);
	free(live_cols);
	strata_classification_free(classified, ncls);
	strata_result_free(r);
	strata_buf_release(&dict);
	strata_buf_release(&out);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc;
}

static int run_snapshot(cli_ctx *ctx, schema_opts *o)
{
	strata_snapshot_options so = STRATA_SNAPSHOT_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_conn *c = NULL;
	strata_buf doc = STRATA_BUF_INIT;
	char fp[65];
	int rc;

	so.schemas = o->schemas.items;
	so.nschemas = (size_t)o->schemas.n;
	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_conn_open(&c, ci, &err);
	if (rc == 0)
		rc = strata_catalog_snapshot(&doc, fp, c, &so, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	if (o->fingerprint_only) {
		printf("sha256:%s\n", fp);
	} else if (o->output != NULL) {
		if (cli_write_file(o->output, &doc, &err) != 0) {
			rc = cli_report_exit(ctx, &err, CLI_EXIT_INPUT);
			goto done;
		}
		strata_log(STRATA_LOG_NOTICE, "wrote %s (%zu bytes), fingerprint sha256:%s", o->output, doc.len, fp);
	} else {
		cli_write_stdout(&doc);
		strata_log(STRATA_LOG_NOTICE, "fingerprint sha256:%s", fp);
	}
done:
	strata_buf_release(&doc);
	strata_conn_close(c);
	strata_conninfo_free(ci);
	return rc;
}

int cmd_schema(cli_ctx *ctx, int argc, char **argv)
{
	schema_opts o;
	const cli_option opts[] = {
		{ "output", 'o', CLI_OPT_STRING, &o.output, "FILE",
		  "write the snapshot to FILE (atomically) instead of stdout", 0, 0, NULL },
		{ "schema", 0, CLI_OPT_LIST, &o.schemas, "S",
		  "only schema S (repeatable; default every schema but the system ones and the ledger's)",
		  0, 0, NULL },
		{ "dictionary", 0, CLI_OPT_STRING, &o.dictionary, "FILE",
		  "validate: the committed data dictionary (strata schema docs' README.md)", 0, 0, NULL },
		{ "output-dir", 0, CLI_OPT_STRING, &o.output_dir, "DIR",
		  "docs: where to write the dictionary and ERDs (default docs/schema)", 0, 0, NULL },
		{ "classification", 0, CLI_OPT_STRING, &o.classification, "FILE",
		  "docs, validate: the data classification (tables: {schema.table: {column: ...}})", 0, 0, NULL },
		{ "fingerprint", 0, CLI_OPT_FLAG, &o.fingerprint_only, NULL,
		  "print only the fingerprint (sha256:...)", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	char **args;
	int nargs, rc;

	memset(&o, 0, sizeof(o));
	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "schema");
	if (rc != 0)
		return rc;
	if (ctx->help) {
		print_help(ctx, opts);
		return CLI_EXIT_OK;
	}
	if (nargs == 0)
		return cli_usage_error(ctx, "'strata schema' needs a command: snapshot (see 'strata schema --help')");
	if (strcmp(args[0], "validate") == 0) {
		if (nargs > 1)
			return cli_usage_error(ctx, "'strata schema validate' takes no arguments (got '%s')", args[1]);
		ctx->command = "schema validate";
		return run_validate(ctx, &o);
	}
	if (strcmp(args[0], "docs") == 0) {
		if (nargs > 1)
			return cli_usage_error(ctx, "'strata schema docs' takes no arguments (got '%s')", args[1]);
		ctx->command = "schema docs";
		return run_docs(ctx, &o);
	}
	if (strcmp(args[0], "drift") == 0) {
		mig_opts mo;

		if (nargs > 1)
			return cli_usage_error(ctx, "'strata schema drift' takes no arguments (got '%s')", args[1]);
		mig_opts_init(&mo);
		ctx->command = "schema drift";
		return mig_drift(ctx, &mo);
	}
	if (strcmp(args[0], "diff") == 0) {
		if (nargs != 3)
			return cli_usage_error(ctx, "'strata schema diff' compares two schemas: strata schema diff A B "
				"(each a snapshot file or a database URL)");
		ctx->command = "schema diff";
		return run_diff(ctx, args[1], args[2]);
	}
	if (strcmp(args[0], "snapshot") != 0)
		return cli_usage_error(ctx, "unknown command 'strata schema %s' (see 'strata schema --help')", args[0]);
	if (nargs > 1)
		return cli_usage_error(ctx, "'strata schema snapshot' takes no arguments (got '%s')", args[1]);
	ctx->command = "schema snapshot";
	return run_snapshot(ctx, &o);
}
