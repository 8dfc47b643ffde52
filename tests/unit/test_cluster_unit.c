/*
 * test_cluster_unit.c: the parts of the local-cluster module (src/cluster)
 * that need no PostgreSQL server: finding the server binaries (through
 * STRATA_PG_BINDIR, and through a fake /usr/lib/postgresql tree named by
 * STRATA_PG_LIBROOT with PATH emptied of pg_config and initdb), finding the
 * project root, opening a cluster folder without touching it, reading
 * cluster.conf (port, URLs with percent-encoded paths, bad lines), parsing
 * postmaster.pid, telling absent, stopped and stale clusters apart from
 * crafted data folders, choosing free ports, and the state names.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "cluster/cluster_int.h"

static const char *const env_names[] = { "PATH", "STRATA_PG_BINDIR", "STRATA_PG_LIBROOT" };
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

static char *saved_env[N_ENV];
static char *tmpdir;

static int setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ENV; i++) {
		const char *v = getenv(env_names[i]);
		saved_env[i] = v ? strdup(v) : NULL;
	}
	tmpdir = th_tempdir("cluster-unit");
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ENV; i++) {
		if (saved_env[i] != NULL)
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	th_rmtree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

/* <tmpdir>/name into out (of size PATH_MAX). */
static void tpath(char *out, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

static void mkdirs(const char *path)
{
	strata_error err = STRATA_ERROR_INIT;

	th_ok(st_mkdir_p(path, 0755, &err), &err);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (haystack == NULL || strstr(haystack, needle) == NULL)
		fail_msg("expected '%s' in '%s'", needle, haystack ? haystack : "(null)");
}

/* realpath() or fail. Free with free(). */
static char *real(const char *path)
{
	char *r = realpath(path, NULL);

	if (r == NULL)
		fail_msg("realpath '%s': %s", path, strerror(errno));
	return r;
}

/* ---- finding the binaries ---- */

/* <root>/<version>/bin holding the tools named in tools (a subset of the three). */
static void fake_bindir(const char *root, const char *version, int initdb, int pg_ctl,
	int postgres)
{
	char dir[PATH_MAX + 64], p[PATH_MAX + 96], script[128];

	snprintf(dir, sizeof(dir), "%s/%s/bin", root, version);
	mkdirs(dir);
	if (initdb) {
		snprintf(p, sizeof(p), "%s/initdb", dir);
		th_write_file(p, "#!/bin/sh\nexit 0\n", 0755);
	}
	if (pg_ctl) {
		snprintf(p, sizeof(p), "%s/pg_ctl", dir);
		th_write_file(p, "#!/bin/sh\nexit 0\n", 0755);
	}
	if (postgres) {
		snprintf(p, sizeof(p), "%s/postgres", dir);
		snprintf(script, sizeof(script), "#!/bin/sh\necho 'postgres (PostgreSQL) %s.1'\n",
			version);
		th_write_file(p, script, 0755);
	}
}

/* A fake /usr/lib/postgresql with 14, 15, 16 (complete), 17 (no pg_ctl) and junk. */
static void fake_libroot(char *root)
{
	char p[PATH_MAX], empty_bin[PATH_MAX];

	tpath(root, "lib/postgresql");
	fake_bindir(root, "14", 1, 1, 1);
	fake_bindir(root, "16", 1, 1, 1);
	fake_bindir(root, "15", 1, 1, 1);
	fake_bindir(root, "17", 1, 0, 1);
	snprintf(p, sizeof(p), "%s/common/bin", root);
	mkdirs(p);
	/* PATH holds neither pg_config nor initdb. */
	tpath(empty_bin, "empty-bin");
	mkdirs(empty_bin);
	setenv("PATH", empty_bin, 1);
	unsetenv("STRATA_PG_BINDIR");
	setenv("STRATA_PG_LIBROOT", root, 1);
}

static void bindir_env_must_hold_the_tools(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char root[PATH_MAX], partial[PATH_MAX + 16], full[PATH_MAX + 16];

	(void)state;
	setenv("STRATA_PG_BINDIR", "/nonexistent", 1);
	assert_int_equal(strata_cluster_find_bindir(&b, 0, &err), STRATA_EENV);
	assert_int_equal(err.code, STRATA_EENV);
	assert_contains(err.message, "STRATA_PG_BINDIR");
	assert_contains(err.message, "/nonexistent");

	/* A folder with only some of the tools is refused as well. */
	tpath(root, "envbin");
	fake_bindir(root, "9", 1, 0, 1);
	snprintf(partial, sizeof(partial), "%s/9/bin", root);
	setenv("STRATA_PG_BINDIR", partial, 1);
	assert_int_equal(strata_cluster_find_bindir(&b, 0, &err), STRATA_EENV);
	assert_contains(err.message, partial);

	/* A complete one is taken as is, before anything else. */
	fake_bindir(root, "13", 1, 1, 1);
	snprintf(full, sizeof(full), "%s/13/bin", root);
	setenv("STRATA_PG_BINDIR", full, 1);
	th_ok(strata_cluster_find_bindir(&b, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), full);
	strata_buf_release(&b);
}

static void bindir_picks_the_highest_complete_version(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char root[PATH_MAX], want[PATH_MAX + 16];

	(void)state;
	fake_libroot(root);
	th_ok(strata_cluster_find_bindir(&b, 0, &err), &err);
	/* 17 lacks pg_ctl, so 16 wins. */
	snprintf(want, sizeof(want), "%s/16/bin", root);
	assert_string_equal(strata_buf_cstr(&b), want);
	strata_buf_release(&b);
}

static void bindir_honours_the_wanted_major(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char root[PATH_MAX], want[PATH_MAX + 16];

	(void)state;
	fake_libroot(root);
	th_ok(strata_cluster_find_bindir(&b, 15, &err), &err);
	snprintf(want, sizeof(want), "%s/15/bin", root);
	assert_string_equal(strata_buf_cstr(&b), want);
	th_ok(strata_cluster_find_bindir(&b, 14, &err), &err);
	snprintf(want, sizeof(want), "%s/14/bin", root);
	assert_string_equal(strata_buf_cstr(&b), want);

	/* 17 is incomplete and 12 absent: no fallback to another version. */
	assert_int_equal(strata_cluster_find_bindir(&b, 17, &err), STRATA_EENV);
	assert_contains(err.message, "17");
	assert_string_equal(strata_buf_cstr(&b), "");
	assert_int_equal(strata_cluster_find_bindir(&b, 12, &err), STRATA_EENV);
	assert_contains(err.message, "12");
	strata_buf_release(&b);
}

static void nothing_found_is_an_environment_error(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char empty_root[PATH_MAX], empty_bin[PATH_MAX];

	(void)state;
	tpath(empty_root, "no-postgres-here");
	mkdirs(empty_root);
	tpath(empty_bin, "empty-bin");
	mkdirs(empty_bin);
	setenv("PATH", empty_bin, 1);
	unsetenv("STRATA_PG_BINDIR");
	setenv("STRATA_PG_LIBROOT", empty_root, 1);
	assert_int_equal(strata_cluster_find_bindir(&b, 0, &err), STRATA_EENV);
	assert_contains(err.message, "not found");
	assert_int_not_equal(err.hint[0], '\0');
	strata_buf_release(&b);
}

static void binary_major_reads_postgres_version(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char root[PATH_MAX], dir[PATH_MAX + 16], p[PATH_MAX + 32];
	int major = -1;

	(void)state;
	fake_libroot(root);
	snprintf(dir, sizeof(dir), "%s/15/bin", root);
	th_ok(st_cluster_binary_major(&major, dir, &err), &err);
	assert_int_equal(major, 15);

	/* Output that is not a version is an environment error. */
	snprintf(p, sizeof(p), "%s/postgres", dir);
	th_write_file(p, "#!/bin/sh\necho 'something else'\n", 0755);
	assert_int_equal(st_cluster_binary_major(&major, dir, &err), STRATA_EENV);
	assert_contains(err.message, p);
	assert_int_equal(major, 0);
	/* So is a failing binary. */
	th_write_file(p, "#!/bin/sh\necho 'postgres (PostgreSQL) 15.1'\nexit 1\n", 0755);
	assert_int_equal(st_cluster_binary_major(&major, dir, &err), STRATA_EENV);
}

/* ---- the project root ---- */

/* A fresh folder directly under /tmp, whose ancestors hold no project markers. */
static char *tmp_root(void)
{
	char tmpl[] = "/tmp/strata-root-XXXXXX";
	struct stat st;

	/* Preconditions: nothing above the test folders marks a project. */
	if (stat("/tmp/strata.yaml", &st) == 0 || stat("/tmp/.strata", &st) == 0 ||
		stat("/strata.yaml", &st) == 0 || stat("/.strata", &st) == 0)
		fail_msg("precondition: /tmp and / must hold neither strata.yaml nor .strata");
	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	return strdup(tmpl);
}

static void project_root_finds_strata_yaml(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char *root = tmp_root();
	char p[PATH_MAX];
	char *proj, *inner;

	(void)state;
	snprintf(p, sizeof(p), "%s/proj/a/b/c", root);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/proj/strata.yaml", root);
	th_write_file(p, "name: demo\n", 0644);
	snprintf(p, sizeof(p), "%s/proj", root);
	proj = real(p);

	snprintf(p, sizeof(p), "%s/proj/a/b/c", root);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), proj);
	/* Also from the root itself, and through "..". */
	snprintf(p, sizeof(p), "%s/proj", root);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), proj);
	snprintf(p, sizeof(p), "%s/proj/a/b/../b/c/..", root);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), proj);

	/* The nearest marker wins. */
	snprintf(p, sizeof(p), "%s/proj/a/strata.yaml", root);
	th_write_file(p, "name: inner\n", 0644);
	snprintf(p, sizeof(p), "%s/proj/a", root);
	inner = real(p);
	snprintf(p, sizeof(p), "%s/proj/a/b/c", root);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), inner);

	strata_buf_release(&b);
	free(proj);
	free(inner);
	th_rmtree(root);
	free(root);
}

static void project_root_finds_dot_strata_folder(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char *root = tmp_root();
	char p[PATH_MAX];
	char *other, *start;

	(void)state;
	snprintf(p, sizeof(p), "%s/other/.strata/cluster", root);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/other/x/y", root);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/other", root);
	other = real(p);
	snprintf(p, sizeof(p), "%s/other/x/y", root);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), other);

	/* A file named .strata is not a marker. */
	snprintf(p, sizeof(p), "%s/fake/sub", root);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/fake/.strata", root);
	th_write_file(p, "not a folder", 0644);
	snprintf(p, sizeof(p), "%s/fake/sub", root);
	start = real(p);
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), start);

	strata_buf_release(&b);
	free(other);
	free(start);
	th_rmtree(root);
	free(root);
}

static void project_root_without_marker_is_the_start(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char *root = tmp_root();
	char p[PATH_MAX];
	char *start;

	(void)state;
	snprintf(p, sizeof(p), "%s/none/deep/er", root);
	mkdirs(p);
	start = real(p);
	snprintf(p, sizeof(p), "%s/none/deep/./er/", root);
	strata_buf_puts(&b, "stale");
	th_ok(strata_project_root(&b, p, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), start);

	/* A start that does not exist is an error. */
	snprintf(p, sizeof(p), "%s/none/missing", root);
	assert_int_not_equal(strata_project_root(&b, p, &err), 0);
	assert_contains(err.message, "missing");

	strata_buf_release(&b);
	free(start);
	th_rmtree(root);
	free(root);
}

static void project_cluster_dir_is_under_dot_strata(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	strata_buf_puts(&b, "leftover");
	assert_int_equal(strata_project_cluster_dir(&b, "/srv/app"), 0);
	assert_string_equal(strata_buf_cstr(&b), "/srv/app/.strata/cluster");
	assert_int_equal(strata_project_cluster_dir(&b, "/srv/app/"), 0);
	assert_string_equal(strata_buf_cstr(&b), "/srv/app/.strata/cluster");
	strata_buf_release(&b);
}

/* ---- opening a cluster folder ---- */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		fail_msg("opendir '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static strata_cluster *open_cluster(const char *dir)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_cluster *c = NULL;
	strata_error err = STRATA_ERROR_INIT;

	opts.dir = dir;
	th_ok(strata_cluster_open(&c, &opts, &err), &err);
	assert_non_null(c);
	return c;
}

static void open_empty_folder_is_absent_and_untouched(void **state)
{
	strata_cluster *c;
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;
	char dir[PATH_MAX], want[PATH_MAX + 32];
	char *rdir;

	(void)state;
	tpath(dir, "empty-cluster");
	mkdirs(dir);
	rdir = real(dir);
	c = open_cluster(dir);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_ABSENT);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.port, 0);
	assert_int_equal(st.pg_major, 0);
	assert_int_equal(st.accepting, 0);
	assert_null(strata_cluster_url(c));
	assert_null(strata_cluster_socket_url(c));
	assert_null(strata_cluster_database_url(c, "app", 0));
	assert_string_equal(strata_cluster_bindir(c), "");
	assert_string_equal(strata_cluster_dir(c), rdir);
	snprintf(want, sizeof(want), "%s/data", rdir);
	assert_string_equal(strata_cluster_data_dir(c), want);
	snprintf(want, sizeof(want), "%s/run", rdir);
	assert_string_equal(strata_cluster_socket_dir(c), want);
	snprintf(want, sizeof(want), "%s/log/server.log", rdir);
	assert_string_equal(strata_cluster_log_file(c), want);
	strata_cluster_free(c);
	/* Open, status and free created nothing. */
	assert_int_equal(count_entries(dir), 0);
	free(rdir);
}

static void open_of_a_missing_folder_creates_nothing(void **state)
{
	strata_cluster *c;
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;
	char dir[PATH_MAX];

	(void)state;
	tpath(dir, "not-yet");
	c = open_cluster(dir);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_ABSENT);
	strata_cluster_free(c);
	assert_false(st_path_exists(dir));
}

static void open_without_a_folder_is_invalid(void **state)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_cluster *c = (strata_cluster *)(void *)&opts;
	strata_error err = STRATA_ERROR_INIT;

	(void)state;
	assert_int_equal(strata_cluster_open(&c, &opts, &err), STRATA_EINVAL);
	assert_null(c);
	opts.dir = "";
	assert_int_equal(strata_cluster_open(&c, &opts, &err), STRATA_EINVAL);
	assert_int_equal(strata_cluster_open(&c, NULL, &err), STRATA_EINVAL);
	strata_cluster_free(NULL);
}

/* The real base folder, which must need no percent-encoding for the expectations below. */
static char *plain_real_tmpdir(void)
{
	char *r = real(tmpdir);
	const char *p;

	assert_non_null(r);
	for (p = r; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL))
			fail_msg("precondition: temporary folder '%s' needs URL encoding", r);
	return r;
}

static void conf_port_gives_urls_with_encoded_paths(void **state)
{
	strata_cluster *c;
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;
	char dir[PATH_MAX], p[PATH_MAX], want[PATH_MAX * 2];
	char *base = plain_real_tmpdir();
	char *url;

	(void)state;
	/* A space and a plus sign: both must be percent-encoded in URLs. */
	tpath(dir, "my cluster+1");
	mkdirs(dir);
	tpath(p, "my cluster+1/cluster.conf");
	th_write_file(p,
		"# Written by strata\n"
		"\n"
		"port = 5999\r\n"
		"future_key = ignored\n"
		"pg_major = 15\n",
		0644);
	c = open_cluster(dir);

	snprintf(want, sizeof(want),
		"postgresql://postgres@127.0.0.1:5999/postgres?passfile=%s/my%%20cluster%%2B1/pgpass", base);
	assert_string_equal(strata_cluster_url(c), want);
	snprintf(want, sizeof(want),
		"postgresql://postgres@/postgres?host=%s/my%%20cluster%%2B1/run&port=5999", base);
	assert_string_equal(strata_cluster_socket_url(c), want);

	url = strata_cluster_database_url(c, "my db", 0);
	snprintf(want, sizeof(want),
		"postgresql://postgres@127.0.0.1:5999/my%%20db?passfile=%s/my%%20cluster%%2B1/pgpass", base);
	assert_string_equal(url, want);
	strata_free(url);
	url = strata_cluster_database_url(c, "app", 1);
	snprintf(want, sizeof(want),
		"postgresql://postgres@/app?host=%s/my%%20cluster%%2B1/run&port=5999", base);
	assert_string_equal(url, want);
	strata_free(url);

	/* No data folder yet: absent, but the configured port is reported. */
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_ABSENT);
	assert_int_equal(st.port, 5999);
	strata_cluster_free(c);
	free(base);
}

static void conf_overrides_paths(void **state)
{
	strata_cluster *c;
	char dir[PATH_MAX], p[PATH_MAX], text[PATH_MAX * 3];

	(void)state;
	tpath(dir, "moved");
	mkdirs(dir);
	tpath(p, "moved/cluster.conf");
	snprintf(text, sizeof(text),
		"port = 6001\n"
		"data_dir =   /var/lib/strata/clusters/abc/data  \n"
		"socket_dir = /var/lib/strata/clusters/abc/run\n"
		"log_dir = /var/lib/strata/clusters/abc/log\n"
		"bindir = /opt/pg/bin\n");
	th_write_file(p, text, 0644);
	c = open_cluster(dir);
	assert_string_equal(strata_cluster_data_dir(c), "/var/lib/strata/clusters/abc/data");
	assert_string_equal(strata_cluster_socket_dir(c), "/var/lib/strata/clusters/abc/run");
	assert_string_equal(strata_cluster_log_file(c), "/var/lib/strata/clusters/abc/log/server.log");
	assert_string_equal(strata_cluster_bindir(c), "/opt/pg/bin");
	assert_contains(strata_cluster_socket_url(c), "host=/var/lib/strata/clusters/abc/run&port=6001");
	strata_cluster_free(c);
}

static void conf_bad_lines_are_invalid(void **state)
{
	static const struct { const char *text; const char *line; } cases[] = {
		{ "# comment\nport = 70000\n", "line 2" },
		{ "port = abc\n", "line 1" },
		{ "port =\n", "line 1" },
		{ "port = 0\n", "line 1" },
		{ "bindir = /x\n\nport = 5432 6543\n", "line 3" },
		{ "port = 5432\njust words\n", "line 2" },
	};
	char dir[PATH_MAX], conf[PATH_MAX];
	size_t i;

	(void)state;
	tpath(dir, "bad-conf");
	mkdirs(dir);
	tpath(conf, "bad-conf/cluster.conf");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
		strata_cluster *c = NULL;
		strata_error err = STRATA_ERROR_INIT;
		char *rconf;
		int rc;

		th_write_file(conf, cases[i].text, 0644);
		rconf = real(conf);
		opts.dir = dir;
		rc = strata_cluster_open(&c, &opts, &err);
		if (rc != STRATA_EINVAL)
			fail_msg("case %zu: rc %d, expected STRATA_EINVAL", i, rc);
		assert_null(c);
		assert_contains(err.message, rconf);
		assert_contains(err.message, cases[i].line);
		free(rconf);
	}
}

/* ---- postmaster.pid and state detection ---- */

static void pidfile_is_parsed(void **state)
{
	st_pidfile pf;
	char dir[PATH_MAX], p[PATH_MAX];

	(void)state;
	tpath(dir, "data");
	mkdirs(dir);
	tpath(p, "data/postmaster.pid");
	th_write_file(p,
		"12345\n"
		"/var/lib/postgresql/15/main\n"
		"1700000000\n"
		"5432\n"
		"/var/run/postgresql\n"
		"localhost\n"
		"  5432001         0\n"
		"ready   \n",
		0600);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), 0);
	assert_int_equal(pf.pid, 12345);
	assert_int_equal(pf.port, 5432);
	assert_string_equal(pf.status, "ready");

	/* Written halfway (a server still starting): what is there is read. */
	th_write_file(p, "777\n/data\n1700000000\n6000\n", 0600);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), 0);
	assert_int_equal(pf.pid, 777);
	assert_int_equal(pf.port, 6000);
	assert_string_equal(pf.status, "");
}

static void pidfile_empty_bad_or_absent(void **state)
{
	st_pidfile pf;
	char dir[PATH_MAX], p[PATH_MAX];

	(void)state;
	tpath(dir, "data");
	mkdirs(dir);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), STRATA_ENOTFOUND);
	tpath(p, "data/postmaster.pid");
	th_write_file(p, "", 0600);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), STRATA_EINVAL);
	th_write_file(p, "not-a-pid\n/data\n", 0600);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), STRATA_EINVAL);
	th_write_file(p, "0\n", 0600);
	assert_int_equal(st_cluster_read_pidfile(&pf, dir), STRATA_EINVAL);
}

/* The PID of a process that existed and is gone (forked and reaped). */
static int dead_pid(void)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return (int)pid;
}

static void crafted_data_dir_states(void **state)
{
	strata_cluster *c;
	strata_cluster_status st;
	strata_error err = STRATA_ERROR_INIT;
	char dir[PATH_MAX], p[PATH_MAX], text[64];
	int gone;

	(void)state;
	tpath(dir, "crafted");
	tpath(p, "crafted/data");
	mkdirs(p);
	tpath(p, "crafted/data/PG_VERSION");
	th_write_file(p, "15\n", 0600);
	c = open_cluster(dir);

	/* PG_VERSION without postmaster.pid: created, not running. */
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_STOPPED);
	assert_int_equal(st.pg_major, 15);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.accepting, 0);
	assert_int_equal(st.size_bytes, 3);

	/* A postmaster.pid naming a process that is gone: stale. */
	gone = dead_pid();
	snprintf(text, sizeof(text), "%d\n%s\n1700000000\n5998\n", gone, "/x");
	tpath(p, "crafted/data/postmaster.pid");
	th_write_file(p, text, 0600);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_STALE);
	assert_int_equal(st.pid, gone);
	assert_int_equal(st.port, 5998);
	assert_int_equal(st.accepting, 0);

	/* A live process that is not a postgres of this folder (a reused PID): stale too. */
	snprintf(text, sizeof(text), "%d\n/x\n1700000000\n5998\n", (int)getpid());
	th_write_file(p, text, 0600);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_STALE);

	/* An empty postmaster.pid (killed while writing it): stale. */
	th_write_file(p, "", 0600);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_STALE);

	/* Back to stopped once the file is gone. */
	assert_int_equal(unlink(p), 0);
	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	assert_int_equal(st.state, STRATA_CLUSTER_STOPPED);
	strata_cluster_free(c);
}

/* ---- ports ---- */

static void picked_port_is_free_and_a_bound_port_is_not(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	struct sockaddr_in sa;
	int port = 0, fd;

	(void)state;
	th_ok(st_cluster_pick_port(&port, &err), &err);
	assert_in_range(port, 1, 65535);
	assert_true(st_cluster_port_free(port));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
		close(fd);
		fail_msg("cannot hold port %d: %s", port, strerror(errno));
	}
	assert_false(st_cluster_port_free(port));
	close(fd);
}

static void state_names(void **state)
{
	(void)state;
	assert_string_equal(strata_cluster_state_name(STRATA_CLUSTER_ABSENT), "absent");
	assert_string_equal(strata_cluster_state_name(STRATA_CLUSTER_STOPPED), "stopped");
	assert_string_equal(strata_cluster_state_name(STRATA_CLUSTER_RUNNING), "running");
	assert_string_equal(strata_cluster_state_name(STRATA_CLUSTER_STALE), "stale");
	assert_string_equal(strata_cluster_state_name((strata_cluster_state)42), "unknown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(bindir_env_must_hold_the_tools),
		T(bindir_picks_the_highest_complete_version),
		T(bindir_honours_the_wanted_major),
		T(nothing_found_is_an_environment_error),
		T(binary_major_reads_postgres_version),
		T(project_root_finds_strata_yaml),
		T(project_root_finds_dot_strata_folder),
		T(project_root_without_marker_is_the_start),
		T(project_cluster_dir_is_under_dot_strata),
		T(open_empty_folder_is_absent_and_untouched),
		T(open_of_a_missing_folder_creates_nothing),
		T(open_without_a_folder_is_invalid),
		T(conf_port_gives_urls_with_encoded_paths),
		T(conf_overrides_paths),
		T(conf_bad_lines_are_invalid),
		T(pidfile_is_parsed),
		T(pidfile_empty_bad_or_absent),
		T(crafted_data_dir_states),
		T(picked_port_is_free_and_a_bound_port_is_not),
		T(state_names),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
