/*
 * test_cli_schema.c: `strata schema snapshot` black-box against fresh
 * databases: every kind of object appears; the same database gives the
 * same bytes twice; a second database built from the same DDL gives the
 * same fingerprint; a change changes it; --schema and the ledger's schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

typedef struct fx {
	char *url;
	char env_url[1024];
} fx;

static void db_new(fx *f, const char *ddl)
{
	strata_conn *c;

	f->url = th_db_create("schema");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	c = th_connect(f->url);
	th_exec(c, ddl);
	strata_conn_close(c);
}

static void db_free(fx *f)
{
	th_db_drop(f->url);
	free(f->url);
}

static void snapshot(cli_result *r, const fx *f, const char *const *extra, int want)
{
	const char *env[24] = { CLI_CLEAN_ENV };
	const char *argv[16] = { "schema", "snapshot" };
	size_t n = 0, k = 2;

	while (env[n] != NULL)
		n++;
	env[n] = f->env_url;
	while (extra != NULL && *extra != NULL && k < 15)
		argv[k++] = *extra++;
	argv[k] = NULL;
	cli_run(r, NULL, env, argv);
	if (r->status != want)
		fail_msg("strata schema snapshot: exit %d, expected %d\n%s", r->status, want,
			strata_buf_cstr(&r->err));
}

/* strata schema <args...> with the fixture's database. */
static void schema_cmd(cli_result *r, const fx *f, const char *const *args, int want)
{
	const char *env[24] = { CLI_CLEAN_ENV };
	const char *argv[16] = { "schema" };
	size_t n = 0, k = 1;

	while (env[n] != NULL)
		n++;
	env[n] = f->env_url;
	while (*args != NULL && k < 15)
		argv[k++] = *args++;
	argv[k] = NULL;
	cli_run(r, NULL, env, argv);
	if (r->status != want)
		fail_msg("strata schema %s: exit %d, expected %d\n%s", argv[1], r->status, want,
			strata_buf_cstr(&r->err));
}

static char *ddl(void)
{
	char *path = cli_source_path("tests/data/catalog/every_kind.sql");
	char *text = cli_read_file(path);

	free(path);
	return text;
}

static json_t *find(json_t *list, const char *schema, const char *name)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x)
		if ((schema == NULL || strcmp(json_string_value(json_object_get(x, "schema")), schema) == 0) &&
			strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
			return x;
	fail_msg("no %s.%s in the snapshot", schema != NULL ? schema : "", name);
	return NULL;
}

static void every_kind_appears_and_snapshots_are_deterministic(void **state)
{
	const char *const fp_only[] = { "--fingerprint", NULL };
	char *text = ddl(), *first;
	json_error_t jerr;
	json_t *doc, *t, *x;
	cli_result r;
	fx a, b;

	(void)state;
	db_new(&a, text);
	snapshot(&r, &a, NULL, 0);
	first = strdup(strata_buf_cstr(&r.out));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "fingerprint sha256:"));
	cli_result_free(&r);
	doc = json_loads(first, 0, &jerr);
	if (doc == NULL)
		fail_msg("snapshot is not JSON: %s", jerr.text);
	assert_string_equal(json_string_value(json_object_get(doc, "format")), "strata-snapshot/1");
	assert_non_null(find(json_object_get(doc, "schemas"), NULL, "shop"));
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "schemas"), NULL, "shop"),
		"comment")), "the shop");
	assert_non_null(find(json_object_get(doc, "extensions"), NULL, "citext"));
	t = find(json_object_get(doc, "tables"), "shop", "customers");
	assert_true(json_is_true(json_object_get(t, "row_level_security")));
	assert_true(json_is_true(json_object_get(t, "force_row_level_security")));
	assert_string_equal(json_string_value(json_object_get(t, "comment")), "people who buy");
	x = json_array_get(json_object_get(t, "columns"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "identity")), "always");
	x = json_array_get(json_object_get(t, "columns"), 1);
	assert_string_equal(json_string_value(json_object_get(x, "type")), "citext");
	assert_string_equal(json_string_value(json_object_get(x, "comment")), "where receipts go");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(t, "columns"), 2),
		"collation")), "C");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(t, "columns"), 4),
		"generated")), "length(name)"));
	assert_non_null(find(json_object_get(t, "constraints"), NULL, "customers_name_check"));
	assert_non_null(find(json_object_get(t, "indexes"), NULL, "customers_email_key"));
	assert_non_null(find(json_object_get(t, "triggers"), NULL, "customers_touch"));
	assert_non_null(find(json_object_get(t, "policies"), NULL, "customers_self"));
	{
		char *grants = json_dumps(json_object_get(t, "grants"), 0);

		assert_non_null(strstr(grants, "t_snapshot_reader=r/"));
		free(grants);
	}
	t = find(json_object_get(doc, "tables"), "shop", "orders");
	assert_string_equal(json_string_value(json_object_get(t, "kind")), "partitioned table");
	assert_string_equal(json_string_value(json_object_get(t, "partition_key")), "RANGE (placed_at)");
	assert_non_null(strstr(json_string_value(json_object_get(find(json_object_get(t, "constraints"), NULL,
		"orders_customer_id_fkey"), "definition")), "ON DELETE CASCADE"));
	assert_non_null(strstr(json_string_value(json_object_get(find(json_object_get(t, "indexes"), NULL,
		"orders_customer"), "definition")), "WHERE"));
	t = find(json_object_get(doc, "tables"), "shop", "orders_2026");
	assert_string_equal(json_string_value(json_object_get(t, "partition_of")), "shop.orders");
	assert_non_null(strstr(json_string_value(json_object_get(t, "partition_bound")), "FOR VALUES FROM"));
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "views"), "shop",
		"big_orders"), "kind")), "view");
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "views"), "shop",
		"order_counts"), "kind")), "materialized view");
	x = find(json_object_get(doc, "sequences"), "shop", "order_no");
	assert_int_equal(json_integer_value(json_object_get(x, "increment")), 5);
	assert_string_equal(json_string_value(json_object_get(x, "owned_by")), "shop.orders.id");
	x = find(json_object_get(doc, "functions"), "shop", "touch");
	assert_true(json_is_true(json_object_get(x, "security_definer")));
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "functions"), "shop",
		"noop"), "kind")), "procedure");
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "types"), "shop",
		"mood"), "kind")), "enum");
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "types"), "shop",
		"positive"), "kind")), "domain");
	assert_string_equal(json_string_value(json_object_get(find(json_object_get(doc, "types"), "shop",
		"pair"), "kind")), "composite");
	/* Objects of extensions (citext's functions and types) are the extension's, not listed. */
	assert_null(strstr(first, "\"citextin\""));
	json_decref(doc);

	/* The same database twice: the same bytes. */
	snapshot(&r, &a, NULL, 0);
	assert_string_equal(strata_buf_cstr(&r.out), first);
	cli_result_free(&r);

	/* Another database from the same DDL: the same fingerprint; a change changes it. */
	{
		char fa[80], fb[80];
		strata_conn *c;

		snapshot(&r, &a, fp_only, 0);
		snprintf(fa, sizeof(fa), "%s", strata_buf_cstr(&r.out));
		cli_result_free(&r);
		db_new(&b, text);
		snapshot(&r, &b, fp_only, 0);
		snprintf(fb, sizeof(fb), "%s", strata_buf_cstr(&r.out));
		cli_result_free(&r);
		assert_string_equal(fa, fb);
		c = th_connect(b.url);
		th_exec(c, "ALTER TABLE shop.customers ADD COLUMN phone text");
		strata_conn_close(c);
		snapshot(&r, &b, fp_only, 0);
		assert_string_not_equal(strata_buf_cstr(&r.out), fa);
		cli_result_free(&r);
		db_free(&b);
	}
	db_free(&a);
	free(first);
	free(text);
}

static void schema_filter_and_the_ledger(void **state)
{
	const char *const only_public[] = { "--schema", "public", NULL };
	cli_result r;
	fx a;

	(void)state;
	db_new(&a, "CREATE SCHEMA strata; CREATE TABLE strata.history (id int);"
		"CREATE SCHEMA app; CREATE TABLE app.t (id int); CREATE TABLE public.p (id int)");
	snapshot(&r, &a, NULL, 0);
	assert_null(strstr(strata_buf_cstr(&r.out), "\"history\""));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "\"name\": \"t\""));
	cli_result_free(&r);
	snapshot(&r, &a, only_public, 0);
	assert_null(strstr(strata_buf_cstr(&r.out), "\"name\": \"t\""));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "\"name\": \"p\""));
	cli_result_free(&r);
	db_free(&a);
}

static void run_diff(cli_result *r, const char *a, const char *b, const char *format, int want)
{
	const char *env[] = { CLI_CLEAN_ENV, NULL };
	const char *argv[8] = { "schema", "diff", a, b, NULL };

	if (format != NULL) {
		argv[4] = "--format";
		argv[5] = format;
		argv[6] = NULL;
	}
	cli_run(r, NULL, env, argv);
	if (r->status != want)
		fail_msg("strata schema diff: exit %d, expected %d\n%s%s", r->status, want,
			strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
}

/* diff: every kind of change, by name and never by order; files and live databases. */
static void diff_reports_each_kind_of_change(void **state)
{
	char *text = ddl(), *dir = th_tempdir("schema-diff"), path[600], bad[600];
	const char *argv[4];
	strata_conn *c;
	cli_result r;
	fx a, b;

	(void)state;
	db_new(&a, text);
	db_new(&b, text);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	argv[0] = "-o";
	argv[1] = path;
	argv[2] = NULL;
	snapshot(&r, &a, argv, 0);
	cli_result_free(&r);
	/* Equal: the snapshot file against the other live database. */
	run_diff(&r, path, b.url, NULL, 0);
	assert_string_equal(strata_buf_cstr(&r.out), "the schemas are the same\n");
	cli_result_free(&r);
	c = th_connect(b.url);
	th_exec(c, "ALTER TABLE shop.customers ADD COLUMN phone text;"
		"ALTER TABLE shop.customers ALTER COLUMN note TYPE varchar(80);"
		"DROP INDEX shop.orders_customer;"
		"ALTER TABLE shop.customers DROP CONSTRAINT customers_name_check;"
		"ALTER TABLE shop.customers ADD CONSTRAINT customers_name_check CHECK (length(name) > 1);"
		"ALTER POLICY customers_self ON shop.customers USING (true);"
		"CREATE OR REPLACE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
		"  SET search_path = pg_catalog AS $$ BEGIN NEW.name := NEW.name; RETURN NEW; END $$;"
		"CREATE OR REPLACE VIEW shop.big_orders WITH (security_invoker = on) AS"
		"  SELECT id, total FROM shop.orders WHERE total > 1000;"
		"ALTER TYPE shop.mood ADD VALUE 'calm';"
		"CREATE TABLE shop.notes (id int);"
		"DROP PROCEDURE shop.noop(int)");
	strata_conn_close(c);
	run_diff(&r, path, b.url, NULL, 1);
	{
		const char *o = strata_buf_cstr(&r.out);
		static const char *const want[] = {
			"+ column shop.customers.phone\n",
			"~ column shop.customers.note: type \"character varying(20)\" -> \"character varying(80)\"\n",
			"- index shop.orders.orders_customer\n",
			"~ constraint shop.customers.customers_name_check: definition",
			"~ policy shop.customers.customers_self: using",
			"~ function shop.touch(): definition",
			"~ view shop.big_orders: definition",
			"~ type shop.mood: values [\"happy\",\"sad\"] -> [\"happy\",\"sad\",\"calm\"]\n",
			"+ table shop.notes\n",
			"- function shop.noop(IN x integer)\n",
			"- index shop.orders_2026.orders_2026_customer_id_idx\n",
			"11 differences: 2 added, 3 removed, 6 changed\n",
		};
		size_t i;

		for (i = 0; i < ST_ARRAY_LEN(want); i++)
			if (strstr(o, want[i]) == NULL)
				fail_msg("the diff lacks '%s':\n%s", want[i], o);
	}
	cli_result_free(&r);
	run_diff(&r, path, b.url, "json", 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "\"equal\":false"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "{\"change\":\"added\",\"object\":\"table shop.notes\"}"));
	cli_result_free(&r);
	/* Not a snapshot, or no file at all: bad input. */
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	th_write_file(bad, "{\"tables\": []}\n", 0644);
	run_diff(&r, path, bad, NULL, 3);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "not a strata schema snapshot"));
	cli_result_free(&r);
	snprintf(bad, sizeof(bad), "%s/missing.json", dir);
	run_diff(&r, path, bad, NULL, 3);
	cli_result_free(&r);
	db_free(&a);
	db_free(&b);
	th_rmtree(dir);
	free(dir);
	free(text);
}

/* migrate smoke: a true inverse passes; a down that forgets an index, or fails, is caught. */
static void smoke_proves_every_down_is_an_inverse(void **state)
{
	const char *const smoke[] = { "migrate", "smoke", NULL };
	char *dir = th_tempdir("smoke"), path[600];
	strata_error err = STRATA_ERROR_INIT;
	const char *env[24] = { CLI_CLEAN_ENV };
	char env_url[1024];
	cli_result r;
	size_t n = 0;
	fx a;

	(void)state;
	db_new(&a, "SELECT 1");
	snprintf(env_url, sizeof(env_url), "DATABASE_URL=%s", a.url);
	while (env[n] != NULL)
		n++;
	env[n] = env_url;
	snprintf(path, sizeof(path), "%s/migrations", dir);
	th_ok(st_mkdir_p(path, 0755, &err), &err);
#define PUT(rel, text) do { snprintf(path, sizeof(path), "%s/%s", dir, rel); th_write_file(path, text, 0644); } while (0)
	PUT("strata.yaml", "tracks:\n  default:\n    path: migrations\n    layout: strata\n");
	PUT("migrations/0001_t.up.sql", "CREATE TABLE t (id bigint PRIMARY KEY, x int);\n");
	PUT("migrations/0001_t.down.sql", "DROP TABLE t;\n");
	PUT("migrations/0002_x_idx.up.sql", "CREATE INDEX t_x ON t (x);\n");
	PUT("migrations/0002_x_idx.down.sql", "DROP INDEX t_x;\n");
	cli_run(&r, dir, env, smoke);
	if (r.status != 0)
		fail_msg("smoke: exit %d\n%s%s", r.status, strata_buf_cstr(&r.out), strata_buf_cstr(&r.err));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "2 migrations: every down is a true inverse"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "0002     x_idx"));
	cli_result_free(&r);
	/* A down that forgets the index. */
	PUT("migrations/0002_x_idx.down.sql", "SELECT 1;\n");
	cli_run(&r, dir, env, smoke);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "NOT AN INVERSE"));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "+ index public.t.t_x"));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "default/0002 x_idx: its down does not restore the schema"));
	cli_result_free(&r);
	/* A down that fails outright. */
	PUT("migrations/0002_x_idx.down.sql", "DROP INDEX no_such_index;\n");
	cli_run(&r, dir, env, smoke);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "default/0002 down"));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "no_such_index"));
	cli_result_free(&r);
#undef PUT
	/* Nothing left behind: the scratch databases are gone. */
	{
		strata_conn *c = th_connect(a.url);
		char *v = th_value(c, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_smoke%'");

		assert_string_equal(v, "0");
		strata_free(v);
		strata_conn_close(c);
	}
	db_free(&a);
	th_rmtree(dir);
	free(dir);
}

/* schema drift: a column added, an index dropped and a policy altered by hand are each named. */
static void drift_names_what_changed_by_hand(void **state)
{
	const char *const up[] = { "migrate", "up", NULL };
	const char *const drift[] = { "schema", "drift", NULL };
	char *dir = th_tempdir("drift"), path[600];
	strata_error err = STRATA_ERROR_INIT;
	const char *env[24] = { CLI_CLEAN_ENV };
	char env_url[1024];
	strata_conn *c;
	cli_result r;
	size_t n = 0;
	fx a;

	(void)state;
	db_new(&a, "SELECT 1");
	snprintf(env_url, sizeof(env_url), "DATABASE_URL=%s", a.url);
	while (env[n] != NULL)
		n++;
	env[n] = env_url;
	snprintf(path, sizeof(path), "%s/migrations", dir);
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	snprintf(path, sizeof(path), "%s/strata.yaml", dir);
	th_write_file(path, "tracks:\n  default:\n    path: migrations\n    layout: strata\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0001_t.up.sql", dir);
	th_write_file(path, "CREATE TABLE t (id bigint PRIMARY KEY, owner_id uuid, x int);\n"
		"CREATE INDEX t_x ON t (x);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
		"CREATE POLICY t_owner ON t USING (owner_id IS NOT NULL);\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0002_u.up.sql", dir);
	th_write_file(path, "CREATE TABLE u (id bigint);\n", 0644);
	cli_run(&r, dir, env, up);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	cli_run(&r, dir, env, drift);
	if (r.status != 0)
		fail_msg("drift on a clean database: exit %d\n%s%s", r.status, strata_buf_cstr(&r.out),
			strata_buf_cstr(&r.err));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "no drift: the database is what its 2 applied migrations give"));
	cli_result_free(&r);
	/* The project folder as a side of a diff: its migrations on a scratch database. */
	{
		const char *argv[] = { "schema", "diff", dir, a.url, NULL };

		cli_run(&r, NULL, env, argv);
		if (r.status != 0)
			fail_msg("diff of the project against its database: exit %d\n%s%s", r.status,
				strata_buf_cstr(&r.out), strata_buf_cstr(&r.err));
		assert_string_equal(strata_buf_cstr(&r.out), "the schemas are the same\n");
		cli_result_free(&r);
	}
	c = th_connect(a.url);
	th_exec(c, "ALTER TABLE t ADD COLUMN note text; DROP INDEX t_x; ALTER POLICY t_owner ON t USING (true)");
	strata_conn_close(c);
	cli_run(&r, dir, env, drift);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "+ column public.t.note\n"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "- index public.t.t_x\n"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "~ policy public.t.t_owner: using \"(owner_id IS NOT NULL)\" -> \"true\"\n"));
	assert_non_null(strstr(strata_buf_cstr(&r.out), "3 changes made outside the migrations"));
	cli_result_free(&r);
	{
		const char *argv[] = { "schema", "diff", dir, a.url, NULL };

		cli_run(&r, NULL, env, argv);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(strata_buf_cstr(&r.out), "+ column public.t.note\n"));
		cli_result_free(&r);
	}
	db_free(&a);
	th_rmtree(dir);
	free(dir);
}

/* schema docs: the dictionary and the ERDs, deterministic. */
static void docs_write_the_dictionary_and_erds(void **state)
{
	char *text = ddl(), *dir = th_tempdir("schema-docs"), path[600], *first, *again;
	const char *argv[8] = { "docs", "--output-dir", NULL, NULL };
	cli_result r;
	fx a;

	(void)state;
	argv[2] = dir;
	db_new(&a, text);
	schema_cmd(&r, &a, argv, 0);
	cli_result_free(&r);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	first = cli_read_file(path);
	assert_non_null(strstr(first, "## shop.customers\n\npeople who buy\n"));
	assert_non_null(strstr(first, "| `email` | `citext` | not null |  |  | where receipts go |"));
	assert_non_null(strstr(first, "row-level security enabled and forced"));
	assert_non_null(strstr(first, "Referenced by:\n\n- shop.orders `orders_customer_id_fkey`"));
	assert_non_null(strstr(first, "- `customers_self` (SELECT, permissive): using"));
	assert_non_null(strstr(first, "partitioned by `RANGE (placed_at)`"));
	snprintf(path, sizeof(path), "%s/shop.mmd", dir);
	again = cli_read_file(path);
	assert_non_null(strstr(again, "erDiagram\n"));
	assert_non_null(strstr(again, "shop__orders }o--|| shop__customers : \"orders_customer_id_fkey\""));
	strata_free(again);
	snprintf(path, sizeof(path), "%s/schema.dot", dir);
	again = cli_read_file(path);
	assert_non_null(strstr(again, "digraph schema {"));
	assert_non_null(strstr(again, "shop__orders -> shop__customers"));
	strata_free(again);
	snprintf(path, sizeof(path), "%s/shop.puml", dir);
	again = cli_read_file(path);
	assert_non_null(strstr(again, "entity \"shop.customers\" as shop__customers {"));
	strata_free(again);
	/* Graphviz is one of the project's packages (scripts/debian-packages): the ERDs are drawn. */
	snprintf(path, sizeof(path), "%s/shop.svg", dir);
	again = cli_read_file(path);
	assert_non_null(strstr(again, "<svg"));
	assert_non_null(strstr(again, "shop.customers"));
	strata_free(again);
	/* Again: the same bytes. */
	schema_cmd(&r, &a, argv, 0);
	cli_result_free(&r);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	again = cli_read_file(path);
	assert_string_equal(again, first);
	strata_free(again);
	strata_free(first);
	db_free(&a);
	th_rmtree(dir);
	free(dir);
	free(text);
}

/* schema validate: the database against the committed dictionary and classification. */
static void validate_finds_what_the_docs_miss(void **state)
{
	char *dir = th_tempdir("schema-validate"), dict[600], cls[600];
	const char *docs[] = { "docs", "--output-dir", NULL, NULL };
	const char *validate[] = { "validate", "--dictionary", dict, "--classification", cls, NULL };
	strata_conn *c;
	cli_result r;
	fx a;

	(void)state;
	docs[2] = dir;
	snprintf(dict, sizeof(dict), "%s/README.md", dir);
	snprintf(cls, sizeof(cls), "%s/classification.yaml", dir);
	db_new(&a, "CREATE SCHEMA app; CREATE TABLE app.a (id int, email text);"
		"COMMENT ON COLUMN app.a.id IS 'the id'; COMMENT ON COLUMN app.a.email IS 'where to write';"
		"CREATE TABLE app.old (id int); COMMENT ON COLUMN app.old.id IS 'the id'");
	th_write_file(cls, "tables:\n  app.a:\n    id: {class: internal}\n    email: {class: confidential}\n"
		"  app.old:\n    id: {class: internal}\n", 0644);
	schema_cmd(&r, &a, docs, 0);
	cli_result_free(&r);
	schema_cmd(&r, &a, validate, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "2 tables, 3 columns: documented and classified\n"));
	cli_result_free(&r);
	c = th_connect(a.url);
	th_exec(c, "DROP TABLE app.old; CREATE TABLE app.b (id int); ALTER TABLE app.a ADD COLUMN phone text");
	strata_conn_close(c);
	schema_cmd(&r, &a, validate, 1);
	{
		const char *o = strata_buf_cstr(&r.out);

		assert_non_null(strstr(o, "undocumented table app.b: not in "));
		assert_non_null(strstr(o, "column app.a.phone has no comment\n"));
		assert_non_null(strstr(o, "column app.a.phone has no entry in "));
		assert_non_null(strstr(o, "column app.b.id has no comment\n"));
		assert_non_null(strstr(o, "documented table app.old no longer exists\n"));
		assert_non_null(strstr(o, "classified column app.old.id no longer exists\n"));
		assert_non_null(strstr(o, "7 findings\n"));
	}
	cli_result_free(&r);
	db_free(&a);
	th_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_appears_and_snapshots_are_deterministic),
		cmocka_unit_test(schema_filter_and_the_ledger),
		cmocka_unit_test(diff_reports_each_kind_of_change),
		cmocka_unit_test(smoke_proves_every_down_is_an_inverse),
		cmocka_unit_test(drift_names_what_changed_by_hand),
		cmocka_unit_test(docs_write_the_dictionary_and_erds),
		cmocka_unit_test(validate_finds_what_the_docs_miss),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
