/*
 * test_conninfo.c: where strata connects (src/pg/conninfo.c), without a
 * server: strata_conninfo_parse accepting URLs and keyword/value strings and
 * rejecting everything else with a masked, password-free message (including
 * libpq's own parse errors and bad ports); the display string and source
 * names; the precedence of strata_conninfo_resolve (--database-url, then
 * DATABASE_URL, then libpq's PG* variables and service files, then
 * STRATA_ENOTFOUND), exercised with setenv/unsetenv on a cleared environment
 * that is restored afterwards; password files (first line, CRLF, empty,
 * missing, permissions warning captured through a log sink); and the timeout
 * and command setters with odd values.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#include "pg/pg_int.h"

/* DATABASE_URL and every libpq variable conninfo.c checks (libpq_env_vars). */
static const char *const env_names[] = {
	"DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE",
	"PGSERVICEFILE", "PGSSLMODE", "PGOPTIONS", "PGPASSFILE", "PGPASSWORD",
};
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

static char *saved_env[N_ENV];
static int saved_present[N_ENV];
static char *tmpdir;

/* ---- a capturing log sink ---- */

typedef struct captured_log {
	int warnings;
	char last[512];
} captured_log;

static captured_log cap;

static void capture_sink(strata_log_level level, const char *msg, const strata_log_field *fields,
	int nfields, void *ud)
{
	captured_log *c = ud;

	(void)fields;
	(void)nfields;
	if (level == STRATA_LOG_WARNING)
		c->warnings++;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

/* ---- fixtures ---- */

static int save_environment(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ENV; i++) {
		const char *v = getenv(env_names[i]);
		saved_present[i] = v != NULL;
		saved_env[i] = v ? strdup(v) : NULL;
	}
	return 0;
}

static void restore_environment(void)
{
	size_t i;

	for (i = 0; i < N_ENV; i++) {
		if (saved_present[i])
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
	}
}

static int free_saved_environment(void **state)
{
	size_t i;

	(void)state;
	restore_environment();
	for (i = 0; i < N_ENV; i++) {
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	return 0;
}

/* Each test starts with no connection settings in the environment. */
static int clean_env(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ENV; i++)
		unsetenv(env_names[i]);
	memset(&cap, 0, sizeof(cap));
	tmpdir = th_tempdir("conninfo");
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	restore_environment();
	strata_log_set_sink(NULL, NULL);
	strata_log_set_level(STRATA_LOG_NOTICE);
	th_rmtree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

/* <tmpdir>/name, in a static buffer. */
static const char *tmp_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("expected '%s' in '%s'", needle, haystack);
}

static void assert_lacks(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) != NULL)
		fail_msg("did not expect '%s' in '%s'", needle, haystack);
}

/* Parses url expecting EINVAL; returns the message in err. */
static void expect_invalid(strata_error *err, const char *url)
{
	static char sentinel;
	strata_conninfo *ci = (strata_conninfo *)(void *)&sentinel;   /* must be reset to NULL */
	int rc;

	strata_error_clear(err);
	rc = strata_conninfo_parse(&ci, url, STRATA_CONN_SOURCE_EXPLICIT, err);
	if (rc != STRATA_EINVAL)
		fail_msg("'%s': rc %d, expected STRATA_EINVAL (%s)", url ? url : "(null)", rc,
			err->message);
	assert_null(ci);
	assert_int_equal(err->code, STRATA_EINVAL);
	assert_contains(err->message, "invalid database URL");
}

/* ---- strata_conninfo_parse ---- */

static void parse_accepts_postgresql_url(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://alice:s3cretpw@db.example.com:5433/app?sslmode=disable",
		STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	assert_non_null(ci);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_EXPLICIT);
	assert_string_equal(strata_conninfo_display(ci),
		"postgresql://alice:****@db.example.com:5433/app?sslmode=disable");
	assert_int_equal(ci->timeout_ms, 10000);
	strata_conninfo_free(ci);
}

static void parse_accepts_postgres_scheme_and_keywords(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgres://bob@localhost/db", STRATA_CONN_SOURCE_OPTION,
		&err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_OPTION);
	assert_string_equal(strata_conninfo_display(ci), "postgres://bob@localhost/db");
	strata_conninfo_free(ci);

	ci = NULL;
	th_ok(strata_conninfo_parse(&ci, "host=localhost port=5432 dbname=app user=bob password=hunter2",
		STRATA_CONN_SOURCE_ENV_URL, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_ENV_URL);
	assert_string_equal(strata_conninfo_display(ci),
		"host=localhost port=5432 dbname=app user=bob password=****");
	strata_conninfo_free(ci);

	/* Leading blanks and quoted values are fine too. */
	ci = NULL;
	th_ok(strata_conninfo_parse(&ci, "  dbname = 'my db' password='with space'",
		STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	assert_lacks(strata_conninfo_display(ci), "with space");
	strata_conninfo_free(ci);
}

static void parse_accepts_multi_host_urls(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://u:pw@h1:5432,h2:5433,h3/db",
		STRATA_CONN_SOURCE_EXPLICIT, &err), &err);
	assert_string_equal(strata_conninfo_display(ci), "postgresql://u:****@h1:5432,h2:5433,h3/db");
	strata_conninfo_free(ci);
}

static void parse_rejects_other_schemes_and_junk(void **state)
{
	strata_error err;

	(void)state;
	expect_invalid(&err, "mysql://u:p@h/db");
	assert_contains(err.message, "'mysql://u:****@h/db'");
	assert_lacks(err.message, "u:p@");

	expect_invalid(&err, "mysql://admin:topsecret@h/db");
	assert_lacks(err.message, "topsecret");

	expect_invalid(&err, "foo");
	assert_contains(err.message, "'foo'");

	expect_invalid(&err, "");
	expect_invalid(&err, NULL);
	expect_invalid(&err, "   ");
	expect_invalid(&err, "=value");
	expect_invalid(&err, "http://example.com/");
}

static void libpq_parse_errors_mask_the_password(void **state)
{
	strata_error err;

	(void)state;
	/* Unknown query parameter. */
	expect_invalid(&err, "postgresql://alice:pa55word@h/db?foo=bar");
	assert_contains(err.message, "postgresql://alice:****@h/db?foo=bar");
	assert_contains(err.message, "foo");
	assert_lacks(err.message, "pa55word");

	/* Bad percent-encoding outside the password. */
	expect_invalid(&err, "postgresql://alice:pa55word@h/db%zz");
	assert_contains(err.message, "percent");
	assert_lacks(err.message, "pa55word");

	/* Unterminated IPv6 address, no password. */
	expect_invalid(&err, "postgresql://[::1/db");
	assert_contains(err.message, "postgresql://[::1/db");

	/* Unknown keyword, unterminated quote in keyword/value strings. */
	expect_invalid(&err, "host=h password=hunter2 bogus=1");
	assert_contains(err.message, "bogus");
	assert_lacks(err.message, "hunter2");
	expect_invalid(&err, "host=h password='hunter2");
	assert_lacks(err.message, "hunter2");
}

static void unterminated_ipv6_does_not_echo_the_password(void **state)
{
	strata_error err;

	(void)state;
	/* libpq quotes the whole URI in this message. */
	expect_invalid(&err, "postgresql://alice:pa55word@[::1/db");
	assert_contains(err.message, "IPv6");
	assert_lacks(err.message, "pa55word");
}

static void bad_percent_encoding_in_password_is_not_echoed(void **state)
{
	strata_error err;

	(void)state;
	/* libpq quotes the undecodable token, which here is the password itself. */
	expect_invalid(&err, "postgresql://alice:pa55%zzword@h/db");
	assert_lacks(err.message, "pa55");
	assert_lacks(err.message, "word");

	expect_invalid(&err, "postgresql://alice@h/db?password=pa55%zzword");
	assert_lacks(err.message, "pa55");
}

static void uppercase_scheme_error_does_not_echo_the_password(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	int rc;

	(void)state;
	/* Either accepted (schemes are case-insensitive) or rejected, but never leaked. */
	rc = strata_conninfo_parse(&ci, "POSTGRESQL://alice:pa55word@h/db",
		STRATA_CONN_SOURCE_EXPLICIT, &err);
	if (rc == 0) {
		assert_lacks(strata_conninfo_display(ci), "pa55word");
		strata_conninfo_free(ci);
	} else {
		assert_int_equal(rc, STRATA_EINVAL);
		assert_lacks(err.message, "pa55word");
	}
}

static void bad_ports_are_rejected_by_name(void **state)
{
	strata_error err;

	(void)state;
	expect_invalid(&err, "postgresql://u:pw@h:99999/db");
	assert_contains(err.message, "bad port '99999'");
	assert_lacks(err.message, ":pw@");
	expect_invalid(&err, "postgresql://h:0/db");
	assert_contains(err.message, "bad port '0'");
	expect_invalid(&err, "postgresql://h:abc/db");
	assert_contains(err.message, "bad port 'abc'");
	expect_invalid(&err, "postgresql://h:-1/db");
	assert_contains(err.message, "port");
	expect_invalid(&err, "postgresql://h1:5432,h2:x/db");
	assert_contains(err.message, "bad port");
	assert_contains(err.message, "x'");
	expect_invalid(&err, "host=h port=65536 password=hunter2");
	assert_contains(err.message, "65536");
	assert_lacks(err.message, "hunter2");
	expect_invalid(&err, "host=h port=123456789012345678901234567890");
	assert_contains(err.message, "bad port");
}

static void source_names(void **state)
{
	(void)state;
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_NONE), "none");
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_OPTION), "--database-url");
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_ENV_URL), "DATABASE_URL");
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_LIBPQ_ENV), "PG* environment");
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_DEV_CLUSTER), "dev cluster");
	assert_string_equal(strata_conn_source_name(STRATA_CONN_SOURCE_EXPLICIT), "explicit");
	assert_string_equal(strata_conn_source_name((strata_conn_source)99), "none");
}

/* ---- strata_conninfo_resolve ---- */

static void option_url_wins_over_database_url(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("DATABASE_URL", "postgresql://env@envhost/envdb", 1);
	setenv("PGHOST", "pghost", 1);
	cfg.url = "postgresql://opt:optpw@opthost/optdb";
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_OPTION);
	assert_string_equal(strata_conninfo_display(ci), "postgresql://opt:****@opthost/optdb");
	strata_conninfo_free(ci);
}

static void database_url_wins_over_pg_variables(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("DATABASE_URL", "postgresql://env:envpw@envhost:6000/envdb", 1);
	setenv("PGHOST", "pghost", 1);
	setenv("PGDATABASE", "pgdb", 1);
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_ENV_URL);
	assert_string_equal(strata_conninfo_display(ci), "postgresql://env:****@envhost:6000/envdb");
	strata_conninfo_free(ci);
}

static void empty_database_url_falls_through_to_pg_variables(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("DATABASE_URL", "", 1);
	setenv("PGHOST", "pghost", 1);
	setenv("PGPORT", "5444", 1);
	setenv("PGUSER", "pguser", 1);
	setenv("PGDATABASE", "pgdb", 1);
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(strata_conninfo_display(ci), "postgresql://pguser@pghost:5444/pgdb");
	strata_conninfo_free(ci);
}

static void pg_variables_alone(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("PGHOST", "db.internal", 1);
	setenv("PGPORT", "6543", 1);
	setenv("PGUSER", "carol", 1);
	setenv("PGDATABASE", "inventory", 1);
	setenv("PGPASSWORD", "envsecret", 1);
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(strata_conninfo_display(ci), "postgresql://carol@db.internal:6543/inventory");
	assert_lacks(strata_conninfo_display(ci), "envsecret");
	strata_conninfo_free(ci);
}

static void pg_socket_host_is_shown_as_a_parameter(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("PGHOST", "/var/run/postgresql", 1);
	setenv("PGPORT", "5433", 1);
	setenv("PGUSER", "dave", 1);
	setenv("PGDATABASE", "shop", 1);
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_string_equal(strata_conninfo_display(ci),
		"postgresql://dave@/shop?host=/var/run/postgresql&port=5433");
	strata_conninfo_free(ci);
}

static void pg_service_file_is_honoured(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	char *service_file;

	(void)state;
	service_file = strdup(tmp_path("pg_service.conf"));
	th_write_file(service_file,
		"[billing]\nhost=billing.internal\nport=7000\ndbname=ledger\nuser=erin\n", 0600);
	setenv("PGSERVICEFILE", service_file, 1);
	setenv("PGSERVICE", "billing", 1);
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_LIBPQ_ENV);
	assert_string_equal(strata_conninfo_display(ci),
		"postgresql://erin@billing.internal:7000/ledger?service=billing");
	strata_conninfo_free(ci);
	free(service_file);
}

static void bad_pgport_is_rejected(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("PGHOST", "h", 1);
	setenv("PGPORT", "abc", 1);
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_EINVAL);
	assert_null(ci);
	assert_contains(err.message, "PGPORT");
	assert_contains(err.message, "abc");
}

static void nothing_configured_is_not_found(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	/* Empty variables count as unset. */
	setenv("PGHOST", "", 1);
	setenv("DATABASE_URL", "", 1);
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_ENOTFOUND);
	assert_null(ci);
	assert_int_equal(err.code, STRATA_ENOTFOUND);
	assert_contains(err.message, "--database-url");
}

static void malformed_database_url_is_prefixed(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("DATABASE_URL", "mysql://u:hidden@h/db", 1);
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_EINVAL);
	assert_null(ci);
	if (strncmp(err.message, "DATABASE_URL", 12) != 0)
		fail_msg("message not prefixed with DATABASE_URL: '%s'", err.message);
	assert_contains(err.message, "invalid database URL");
	assert_lacks(err.message, "hidden");
}

static void malformed_option_url_is_not_blamed_on_database_url(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	setenv("DATABASE_URL", "postgresql://fine@h/db", 1);
	cfg.url = "nonsense";
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_EINVAL);
	assert_null(ci);
	assert_lacks(err.message, "DATABASE_URL");
	assert_contains(err.message, "'nonsense'");
}

static void resolve_applies_command_and_timeout(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	cfg.url = "postgresql://h/db";
	cfg.command = "migrate up";
	cfg.connect_timeout_ms = 2500;
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_string_equal(ci->command, "migrate up");
	assert_int_equal(ci->timeout_ms, 2500);
	strata_conninfo_free(ci);

	/* A non-positive timeout in the config keeps the default. */
	ci = NULL;
	cfg.command = NULL;
	cfg.connect_timeout_ms = -7;
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_null(ci->command);
	assert_int_equal(ci->timeout_ms, 10000);
	strata_conninfo_free(ci);
}

/* ---- password files ---- */

static void password_file_first_line_crlf_stripped(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const char *path = tmp_path("pw");

	(void)state;
	strata_log_set_sink(capture_sink, &cap);
	th_write_file(path, "Corr3ct-Horse\r\nsecond line\n", 0600);
	th_ok(strata_conninfo_parse(&ci, "postgresql://alice@h/db", STRATA_CONN_SOURCE_EXPLICIT,
		&err), &err);
	th_ok(strata_conninfo_set_password_file(ci, path, &err), &err);
	assert_non_null(ci->password);
	assert_string_equal(ci->password, "Corr3ct-Horse");
	assert_lacks(strata_conninfo_display(ci), "Corr3ct-Horse");
	/* Mode 0600: nothing to warn about. */
	assert_int_equal(cap.warnings, 0);

	/* A later file replaces the earlier password; no newline at all is fine. */
	th_write_file(path, "second-pw", 0600);
	th_ok(strata_conninfo_set_password_file(ci, path, &err), &err);
	assert_string_equal(ci->password, "second-pw");
	strata_conninfo_free(ci);
}

static void password_file_through_config(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	char *path;

	(void)state;
	path = strdup(tmp_path("pw"));
	th_write_file(path, "from-file\n", 0600);
	setenv("DATABASE_URL", "postgresql://alice:inline@h/db", 1);
	cfg.password_file = path;
	th_ok(strata_conninfo_resolve(&ci, &cfg, &err), &err);
	assert_int_equal(strata_conninfo_source(ci), STRATA_CONN_SOURCE_ENV_URL);
	assert_string_equal(ci->password, "from-file");
	assert_lacks(strata_conninfo_display(ci), "from-file");
	assert_lacks(strata_conninfo_display(ci), "inline");
	strata_conninfo_free(ci);
	free(path);
}

static void empty_password_file_is_invalid(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const char *path = tmp_path("empty");

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	th_write_file(path, "", 0600);
	assert_int_equal(strata_conninfo_set_password_file(ci, path, &err), STRATA_EINVAL);
	assert_contains(err.message, path);
	assert_contains(err.message, "empty");
	assert_null(ci->password);
	/* An empty first line counts as empty, whatever follows. */
	th_write_file(path, "\r\nsecond\n", 0600);
	assert_int_equal(strata_conninfo_set_password_file(ci, path, &err), STRATA_EINVAL);
	assert_contains(err.message, "empty");
	strata_conninfo_free(ci);
}

static void missing_password_file_is_invalid(void **state)
{
	strata_conn_config cfg = STRATA_CONN_CONFIG_INIT;
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	char *path;

	(void)state;
	path = strdup(tmp_path("does-not-exist"));
	cfg.url = "postgresql://h/db";
	cfg.password_file = path;
	assert_int_equal(strata_conninfo_resolve(&ci, &cfg, &err), STRATA_EINVAL);
	assert_null(ci);
	assert_contains(err.message, path);
	assert_contains(err.message, "no such file");
	free(path);
}

static void oversized_password_file_is_invalid(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const char *path = tmp_path("huge");
	char *text;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	text = malloc(64 * 1024 + 2);
	assert_non_null(text);
	memset(text, 'p', 64 * 1024 + 1);
	text[64 * 1024 + 1] = '\0';
	th_write_file(path, text, 0600);
	free(text);
	assert_int_equal(strata_conninfo_set_password_file(ci, path, &err), STRATA_EINVAL);
	assert_contains(err.message, path);
	assert_contains(err.message, "64 KiB");
	assert_null(ci->password);
	strata_conninfo_free(ci);
}

static void password_file_that_is_a_directory_is_invalid(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	assert_int_equal(strata_conninfo_set_password_file(ci, tmpdir, &err), STRATA_EINVAL);
	assert_contains(err.message, tmpdir);
	assert_null(ci->password);
	strata_conninfo_free(ci);
}

static void readable_password_file_logs_a_warning(void **state)
{
	static const int modes[] = { 0644, 0640, 0604 };
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	const char *path = tmp_path("pw");
	size_t i;

	(void)state;
	strata_log_set_sink(capture_sink, &cap);
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memset(&cap, 0, sizeof(cap));
		th_write_file(path, "Tr0ub4dor\n", modes[i]);
		th_ok(strata_conninfo_set_password_file(ci, path, &err), &err);
		if (cap.warnings != 1)
			fail_msg("mode %o: %d warnings", modes[i], cap.warnings);
		assert_contains(cap.last, path);
		assert_lacks(cap.last, "Tr0ub4dor");
		assert_string_equal(ci->password, "Tr0ub4dor");
	}
	strata_conninfo_free(ci);
}

/* ---- setters with odd values ---- */

static void timeout_setter_clamps(void **state)
{
	static const struct { int in, want; } cases[] = {
		{ 1, 1 }, { 0, 1 }, { -5, 1 }, { INT_MIN, 1 }, { INT_MAX, INT_MAX },
		{ 1234, 1234 },
	};
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	size_t i;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_conninfo_set_timeout(ci, cases[i].in);
		if (ci->timeout_ms != cases[i].want)
			fail_msg("timeout %d gave %d, expected %d", cases[i].in, ci->timeout_ms,
				cases[i].want);
	}
	strata_conninfo_free(ci);
}

static void command_setter_handles_odd_values(void **state)
{
	strata_conninfo *ci = NULL;
	strata_error err = STRATA_ERROR_INIT;
	char *big;

	(void)state;
	th_ok(strata_conninfo_parse(&ci, "postgresql://h/db", STRATA_CONN_SOURCE_EXPLICIT, &err),
		&err);
	assert_int_equal(strata_conninfo_set_command(ci, ""), 0);
	assert_string_equal(ci->command, "");
	big = malloc(100001);
	assert_non_null(big);
	memset(big, 'c', 100000);
	big[100000] = '\0';
	assert_int_equal(strata_conninfo_set_command(ci, big), 0);
	assert_string_equal(ci->command, big);
	free(big);
	assert_int_equal(strata_conninfo_set_command(ci, "migrate"), 0);
	assert_string_equal(ci->command, "migrate");
	/* NULL must not crash; the command is then either kept or cleared. */
	strata_conninfo_set_command(ci, NULL);
	if (ci->command != NULL)
		assert_string_equal(ci->command, "migrate");
	strata_conninfo_free(ci);
}

#define ENV_TEST(f) cmocka_unit_test_setup_teardown(f, clean_env, restore_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ENV_TEST(parse_accepts_postgresql_url),
		ENV_TEST(parse_accepts_postgres_scheme_and_keywords),
		ENV_TEST(parse_accepts_multi_host_urls),
		ENV_TEST(parse_rejects_other_schemes_and_junk),
		ENV_TEST(libpq_parse_errors_mask_the_password),
		ENV_TEST(unterminated_ipv6_does_not_echo_the_password),
		ENV_TEST(bad_percent_encoding_in_password_is_not_echoed),
		ENV_TEST(uppercase_scheme_error_does_not_echo_the_password),
		ENV_TEST(bad_ports_are_rejected_by_name),
		ENV_TEST(source_names),
		ENV_TEST(option_url_wins_over_database_url),
		ENV_TEST(database_url_wins_over_pg_variables),
		ENV_TEST(empty_database_url_falls_through_to_pg_variables),
		ENV_TEST(pg_variables_alone),
		ENV_TEST(pg_socket_host_is_shown_as_a_parameter),
		ENV_TEST(pg_service_file_is_honoured),
		ENV_TEST(bad_pgport_is_rejected),
		ENV_TEST(nothing_configured_is_not_found),
		ENV_TEST(malformed_database_url_is_prefixed),
		ENV_TEST(malformed_option_url_is_not_blamed_on_database_url),
		ENV_TEST(resolve_applies_command_and_timeout),
		ENV_TEST(password_file_first_line_crlf_stripped),
		ENV_TEST(password_file_through_config),
		ENV_TEST(empty_password_file_is_invalid),
		ENV_TEST(missing_password_file_is_invalid),
		ENV_TEST(oversized_password_file_is_invalid),
		ENV_TEST(password_file_that_is_a_directory_is_invalid),
		ENV_TEST(readable_password_file_logs_a_warning),
		ENV_TEST(timeout_setter_clamps),
		ENV_TEST(command_setter_handles_odd_values),
	};

	th_init();
	return cmocka_run_group_tests(tests, save_environment, free_saved_environment);
}
