/*
 * test_lint_schema.c: the constraint and column rules (src/lint/rules_schema.c)
 * where the golden examples of tests/data/lint cannot reach: the column
 * catalog (src/lint/catalog.c) fed by migrations that are already applied,
 * kept true through renames and drops, and asked which type changes are
 * binary coercible; the CHECK route to SET NOT NULL across transactions;
 * the answers that depend on --pg-version; and allocation failures in the
 * middle of a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "base/base.h"
#include "strata/lint.h"

/* The rules of this family: other families' findings are left out. */
static int ours(const char *rule)
{
	const strata_lint_rule *d = strata_lint_rule_find(rule);

	return d != NULL && (strcmp(d->family, "constraints") == 0 || strcmp(d->family, "columns") == 0);
}

/*
 * Lints sql after applied (replayed for context; may be NULL) and returns
 * the findings of this family as "rule:line" separated by blanks ("" for
 * none). The first one's message goes to msg (when given).
 */
static char *lint_with(const char *applied, const char *sql, int pg_version, int in_tx, char *msg,
	size_t msgsize)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_input in[2];
	strata_error err = STRATA_ERROR_INIT;
	strata_lint_report *r = NULL;
	strata_buf b = STRATA_BUF_INIT;
	size_t n = 0, i;
	char *out;

	memset(in, 0, sizeof(in));
	o.pg_version = pg_version;
	o.assume_in_transaction = in_tx;
	if (applied != NULL) {
		in[n].path = "applied.sql";
		in[n].text = applied;
		in[n].len = strlen(applied);
		in[n++].applied = 1;
	}
	in[n].path = "pending.sql";
	in[n].text = sql;
	in[n++].len = strlen(sql);
	th_ok(strata_lint_run(&r, in, n, &o, &err), &err);
	if (msg != NULL)
		msg[0] = '\0';
	for (i = 0; i < r->nfindings; i++) {
		const strata_lint_finding *f = &r->findings[i];

		if (strcmp(f->file, "pending.sql") != 0)
			fail_msg("a finding in an applied file: %s", f->message);
		if (!ours(f->rule))
			continue;
		strata_buf_printf(&b, "%s%s:%d", b.len > 0 ? " " : "", f->rule, f->line);
		if (msg != NULL && msg[0] == '\0')
			snprintf(msg, msgsize, "%s", f->message);
	}
	strata_lint_report_free(r);
	out = strdup(strata_buf_cstr(&b));
	strata_buf_release(&b);
	return out;
}

static void expect(const char *applied, const char *sql, int pg_version, const char *want)
{
	char *got = lint_with(applied, sql, pg_version, 0, NULL, 0);

	if (strcmp(got, want) != 0)
		fail_msg("findings\n  got:  %s\n  want: %s\nfor:\n%s", got, want, sql);
	free(got);
}

static void expect_message(const char *applied, const char *sql, int pg_version, const char *part)
{
	char msg[1024];
	char *got = lint_with(applied, sql, pg_version, 0, msg, sizeof(msg));

	if (strstr(msg, part) == NULL)
		fail_msg("first message does not say \"%s\":\n%s\n(findings: %s)", part, msg, got);
	free(got);
}

static const char *const users =
	"CREATE TABLE users (id integer PRIMARY KEY, email varchar(100), name text, score numeric(8,2),\n"
	"  net cidr, code char(4), bits varbit(8), seen timestamp(3), tags varchar(10)[], blob xml);\n";

static void type_changes_of_applied_tables(void **state)
{
	(void)state;
	/* Binary coercible: the catalog knows the old type, nothing is reported. */
	expect(users,
		"ALTER TABLE users ALTER COLUMN email TYPE varchar(200);\n"
		"ALTER TABLE users ALTER COLUMN name TYPE varchar;\n"
		"ALTER TABLE users ALTER COLUMN score TYPE numeric(10,2);\n"
		"ALTER TABLE users ALTER COLUMN net TYPE inet;\n"
		"ALTER TABLE users ALTER COLUMN bits TYPE bit varying;\n"
		"ALTER TABLE users ALTER COLUMN seen TYPE timestamp(6);\n"
		"ALTER TABLE users ALTER COLUMN blob TYPE text;\n"
		"ALTER TABLE users ALTER COLUMN email TYPE text USING email::text;\n"
		"ALTER TABLE users ALTER COLUMN id TYPE int4;\n", 0, "");
	/* Rewrites; the catalog follows each change (score is numeric(10,2) by line 4). */
	expect(users,
		"ALTER TABLE users ALTER COLUMN code TYPE char(8);\n"
		"ALTER TABLE users ALTER COLUMN tags TYPE varchar(20)[];\n"
		"ALTER TABLE users ALTER COLUMN score TYPE numeric(10,2);\n"
		"ALTER TABLE users ALTER COLUMN score TYPE numeric(12,3);\n"
		"ALTER TABLE users ALTER COLUMN name TYPE varchar(40);\n"
		"ALTER TABLE users ALTER COLUMN seen TYPE timestamp(2);\n",
		0, "change-column-type:1 change-column-type:2 change-column-type:4 change-column-type:5 "
		"change-column-type:6");
	expect_message(users, "ALTER TABLE users ALTER COLUMN id TYPE bigint;\n", 0,
		"from integer to bigint rewrites the table");
	expect_message(users, "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;\n", 0,
		"from timestamp(3) to timestamptz rewrites the table and rebuilds its indexes under ACCESS "
		"EXCLUSIVE (unless the session's TimeZone is UTC)");
	/* Not known: the message says which old types would make it free. */
	expect_message(users, "ALTER TABLE accounts ALTER COLUMN total TYPE numeric(12,2);\n", 0,
		"unless its current type is numeric of at most 12 digits with scale 2 (strata does not know it)");
	expect_message(users, "ALTER TABLE accounts ALTER COLUMN note TYPE text;\n", 0,
		"unless its current type is varchar or text");
	/* A column added to a table the run did not create is known from then on. */
	expect(NULL,
		"ALTER TABLE accounts ADD COLUMN note varchar(10);\n"
		"ALTER TABLE accounts ALTER COLUMN note TYPE varchar(30);\n"
		"ALTER TABLE accounts ALTER COLUMN other TYPE varchar(30);\n", 0, "change-column-type:3");
}

static void catalog_follows_renames_and_drops(void **state)
{
	(void)state;
	expect("CREATE TABLE t (a varchar(10), b varchar(10), c int);\n"
		"ALTER TABLE t RENAME COLUMN a TO x;\n"
		"ALTER TABLE t RENAME TO u;\n"
		"ALTER TABLE u DROP COLUMN b;\n"
		"ALTER TABLE u ALTER COLUMN c TYPE varchar(5);\n",
		"ALTER TABLE u ALTER COLUMN x TYPE varchar(20);\n"      /* known under its new names */
		"ALTER TABLE u ALTER COLUMN b TYPE varchar(20);\n"      /* dropped: unknown */
		"ALTER TABLE t ALTER COLUMN x TYPE varchar(20);\n"      /* t is gone */
		"ALTER TABLE u ALTER COLUMN c TYPE varchar(6);\n",      /* retyped in the applied file */
		0, "change-column-type:2 change-column-type:3");
	expect("CREATE TABLE s.t (a varchar(10));\nDROP TABLE s.t;\n",
		"ALTER TABLE s.t ALTER COLUMN a TYPE varchar(20);\n", 0, "change-column-type:1");
	expect("CREATE TABLE s.t (a varchar(10));\nALTER TABLE s.t RENAME TO v;\n",
		"ALTER TABLE s.v ALTER COLUMN a TYPE varchar(20);\n", 0, "");
}

static void set_not_null_and_the_check_route(void **state)
{
	const char *route =
		"BEGIN;\n"
		"ALTER TABLE orders ADD CONSTRAINT nn CHECK (customer_id IS NOT NULL AND amount IS NOT NULL) NOT VALID;\n"
		"COMMIT;\n"
		"ALTER TABLE orders VALIDATE CONSTRAINT nn;\n";
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	strata_buf_printf(&b, "%sALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n"
		"ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;\n"
		"ALTER TABLE orders ALTER COLUMN note SET NOT NULL;\n", route);
	expect(NULL, strata_buf_cstr(&b), 0, "set-not-null:7");
	/* Before 12 the CHECK does not help. */
	expect(NULL, strata_buf_cstr(&b), 110000, "set-not-null:5 set-not-null:6 set-not-null:7");
	expect_message(NULL, strata_buf_cstr(&b), 110000, "(PostgreSQL 11 cannot skip it;");
	/* Validated in an applied migration. */
	expect(route, "ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;\n", 0, "");
	/* Not validated, dropped, or its column dropped: the scan is back. */
	expect(NULL, "ALTER TABLE orders ADD CONSTRAINT nn CHECK (a IS NOT NULL) NOT VALID;\n"
		"ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\n", 0, "set-not-null:2");
	expect(route, "ALTER TABLE orders DROP CONSTRAINT nn;\n"
		"ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;\n", 0, "set-not-null:2");
	expect(route, "ALTER TABLE orders DROP COLUMN customer_id;\n"
		"ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;\n", 0, "set-not-null:2");
	/* A renamed column keeps its proof. */
	expect(route, "ALTER TABLE orders RENAME COLUMN amount TO total;\n"
		"ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n", 0, "");
	/* An OR proves nothing. */
	expect(NULL, "ALTER TABLE orders ADD CONSTRAINT nn CHECK (a IS NOT NULL OR b IS NOT NULL) NOT VALID;\n"
		"ALTER TABLE orders VALIDATE CONSTRAINT nn;\n"
		"ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\n", 0, "set-not-null:3");
	strata_buf_release(&b);
}

static void validate_in_the_same_transaction(void **state)
{
	char *got;

	(void)state;
	/* Each statement commits on its own: nothing to report. */
	expect(NULL, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT c;\n", 0, "");
	/* One statement is one transaction. */
	expect(NULL, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID, VALIDATE CONSTRAINT c;\n", 0,
		"validate-in-same-transaction:1");
	/* The runner's transaction (one per file). */
	got = lint_with(NULL, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
		"ALTER TABLE t ADD FOREIGN KEY (a, b) REFERENCES p NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT t_a_b_fkey;\n"
		"ALTER TABLE u VALIDATE CONSTRAINT c;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT c;\n", 0, 1, NULL, 0);
	assert_string_equal(got, "validate-in-same-transaction:3 validate-in-same-transaction:5");
	free(got);
	/* A table of this run: not reported. */
	expect(NULL, "BEGIN;\nCREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;\n", 0, "");
}

static void defaults_by_version(void **state)
{
	const char *sql =
		"ALTER TABLE t ADD COLUMN a int DEFAULT 0;\n"
		"ALTER TABLE t ADD COLUMN b int DEFAULT NULL, ADD COLUMN c text DEFAULT NULL::text;\n"
		"ALTER TABLE t ADD COLUMN d timestamptz DEFAULT now();\n"
		"ALTER TABLE t ADD COLUMN e float8 DEFAULT random() * 10;\n"
		"ALTER TABLE t ADD COLUMN f bigint DEFAULT nextval('t_f_seq');\n"
		"ALTER TABLE t ADD COLUMN g uuid DEFAULT public.uuid_generate_v4();\n"
		"ALTER TABLE t ADD COLUMN h bigint DEFAULT txid_current();\n";

	(void)state;
	expect(NULL, sql, 0, "add-column-volatile-default:4 add-column-volatile-default:5 "
		"add-column-volatile-default:6");
	expect(NULL, sql, 100000, "add-column-volatile-default:1 add-column-volatile-default:3 "
		"add-column-volatile-default:4 add-column-volatile-default:5 add-column-volatile-default:6 "
		"add-column-volatile-default:7");
	expect_message(NULL, sql, 90600, "on PostgreSQL 9.6 (only 11 and later");
	expect_message(NULL, "ALTER TABLE t ADD COLUMN e float8 DEFAULT 1 + random();\n", 0,
		"the volatile default random() rewrites 't'");
}

static void add_column_forms(void **state)
{
	(void)state;
	expect(NULL,
		"ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0;\n"
		"ALTER TABLE t ADD COLUMN b bigint NOT NULL GENERATED ALWAYS AS IDENTITY;\n"
		"ALTER TABLE t ADD COLUMN c int PRIMARY KEY;\n"
		"ALTER TABLE t ADD COLUMN d serial8 NOT NULL;\n"
		"ALTER TABLE t ADD COLUMN e public.serial;\n"
		"ALTER TABLE ONLY t ADD COLUMN f int NOT NULL;\n",
		0, "add-column-rewrite:2 add-column-not-null-without-default:3 require-unique-using-index:3 "
		"add-column-rewrite:4 add-column-not-null-without-default:6");
	/* Other ALTERs than ALTER TABLE are not these rules' business. */
	expect(NULL, "ALTER FOREIGN TABLE ft ADD COLUMN a int NOT NULL;\n", 0, "");
}

/* Every run with an allocation failing is STRATA_ENOMEM, and nothing leaks (ASan). */
static void allocation_failures(void **state)
{
	const char *applied = "CREATE TABLE t (a varchar(10), b int);\n"
		"ALTER TABLE t ADD CONSTRAINT nn CHECK (b IS NOT NULL) NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT nn;\nALTER TABLE t RENAME COLUMN b TO c;\n";
	const char *sql = "BEGIN;\nALTER TABLE t ADD CONSTRAINT x CHECK (a IS NOT NULL) NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT x, ALTER COLUMN a TYPE varchar(5);\n"
		"ALTER TABLE t ALTER COLUMN c SET NOT NULL, ADD COLUMN d uuid DEFAULT gen_random_uuid();\n"
		"ALTER TABLE t RENAME TO u;\nDROP TABLE u;\nCOMMIT;\n";
	strata_lint_input in[2];
	long n;
	int done = 0;

	(void)state;
	memset(in, 0, sizeof(in));
	in[0].path = "applied.sql";
	in[0].text = applied;
	in[0].len = strlen(applied);
	in[0].applied = 1;
	in[1].path = "pending.sql";
	in[1].text = sql;
	in[1].len = strlen(sql);
	for (n = 1; !done && n < 100000; n++) {
		strata_error err = STRATA_ERROR_INIT;
		strata_lint_report *r = NULL;
		int rc;

		st_alloc_fail_after(n, 1);
		rc = strata_lint_run(&r, in, 2, NULL, &err);
		st_alloc_fail_after(0, 0);
		if (rc == 0) {
			assert_true(r->nfindings >= 3);
			done = 1;
		} else if (rc != STRATA_ENOMEM) {
			fail_msg("allocation %ld failing: code %d (%s)", n, rc, err.message);
		}
		strata_lint_report_free(r);
		strata_error_clear(&err);
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type_changes_of_applied_tables),
		cmocka_unit_test(catalog_follows_renames_and_drops),
		cmocka_unit_test(set_not_null_and_the_check_route),
		cmocka_unit_test(validate_in_the_same_transaction),
		cmocka_unit_test(defaults_by_version),
		cmocka_unit_test(add_column_forms),
		cmocka_unit_test(allocation_failures),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
