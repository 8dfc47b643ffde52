/*
 * bindir.c: finding PostgreSQL's server binaries and their version.
 *
 * Debian keeps initdb, pg_ctl and postgres out of PATH, under
 * /usr/lib/postgresql/<major>/bin; other systems put them in PATH or report
 * them through pg_config. A folder counts only if it holds all three.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_int.h"

static const char *const server_tools[] = { "initdb", "pg_ctl", "postgres" };

static int has_server_tools(const char *dir)
{
	strata_buf p = STRATA_BUF_INIT;
	size_t i;
	int ok = 1;

	for (i = 0; i < ST_ARRAY_LEN(server_tools) && ok; i++) {
		st_path_join(&p, dir, server_tools[i]);
		ok = !strata_buf_failed(&p) && st_is_executable(strata_buf_cstr(&p));
	}
	strata_buf_release(&p);
	return ok;
}

int st_cluster_binary_major(int *out, const char *bindir, strata_error *err)
{
	strata_buf prog = STRATA_BUF_INIT, output = STRATA_BUF_INIT;
	const char *argv[3];
	st_proc_opts po;
	const char *p;
	int status = -1, rc;

	*out = 0;
	st_path_join(&prog, bindir, "postgres");
	argv[0] = strata_buf_cstr(&prog);
	argv[1] = "--version";
	argv[2] = NULL;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.out = &output;
	po.timeout_ms = 30000;
	rc = st_proc_run(&status, &po, err);
	if (rc != 0)
		goto done;
	/* "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)" */
	p = strstr(strata_buf_cstr(&output), ") ");
	if (status != 0 || p == NULL) {
		rc = strata_error_set(err, STRATA_EENV, "cannot tell the version of '%s'",
			strata_buf_cstr(&prog));
		goto done;
	}
	*out = (int)strtol(p + 2, NULL, 10);
	if (*out < 9)
		rc = strata_error_set(err, STRATA_EENV, "cannot tell the version of '%s'",
			strata_buf_cstr(&prog));
done:
	strata_buf_release(&prog);
	strata_buf_release(&output);
	return rc;
}

static int from_pg_config(strata_buf *out)
{
	strata_buf prog = STRATA_BUF_INIT, output = STRATA_BUF_INIT;
	const char *argv[3];
	st_proc_opts po;
	int status = -1, found = 0;

	if (st_which(&prog, "pg_config", NULL) != 0)
		goto done;
	argv[0] = strata_buf_cstr(&prog);
	argv[1] = "--bindir";
	argv[2] = NULL;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.out = &output;
	po.timeout_ms = 30000;
	if (st_proc_run(&status, &po, NULL) != 0 || status != 0)
		goto done;
	strata_buf_rtrim(&output);
	if (output.len > 0 && has_server_tools(strata_buf_cstr(&output))) {
		strata_buf_clear(out);
		strata_buf_puts(out, strata_buf_cstr(&output));
		found = 1;
	}
done:
	strata_buf_release(&prog);
	strata_buf_release(&output);
	return found;
}

static int from_path(strata_buf *out)
{
	strata_buf prog = STRATA_BUF_INIT;
	int found = 0;

	if (st_which(&prog, "initdb", NULL) == 0) {
		char *slash = strrchr(prog.ptr, '/');
		if (slash != NULL) {
			strata_buf_truncate(&prog, (size_t)(slash - prog.ptr));
			if (has_server_tools(strata_buf_cstr(&prog))) {
				strata_buf_clear(out);
				strata_buf_puts(out, strata_buf_cstr(&prog));
				found = 1;
			}
		}
	}
	strata_buf_release(&prog);
	return found;
}

/* The highest /usr/lib/postgresql/<v>/bin, or exactly want_major when > 0. */
static int from_usr_lib(strata_buf *out, int want_major)
{
	const char *root = getenv("STRATA_PG_LIBROOT");
	strata_buf cand = STRATA_BUF_INIT;
	DIR *d;
	struct dirent *de;
	double best = -1;

	if (root == NULL || *root == '\0')
		root = "/usr/lib/postgresql";
	d = opendir(root);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end = NULL;
		double v = strtod(de->d_name, &end);

		if (end == de->d_name || *end != '\0' || v <= best)
			continue;
		if (want_major > 0 && (int)v != want_major)
			continue;
		strata_buf_clear(&cand);
		strata_buf_printf(&cand, "%s/%s/bin", root, de->d_name);
		if (!strata_buf_failed(&cand) && has_server_tools(strata_buf_cstr(&cand))) {
			best = v;
			strata_buf_clear(out);
			strata_buf_puts(out, strata_buf_cstr(&cand));
		}
	}
	closedir(d);
	strata_buf_release(&cand);
	return best >= 0;
}

static int matches_major(const char *dir, int want_major)
{
	int major = 0;

	if (want_major <= 0)
		return 1;
	return st_cluster_binary_major(&major, dir, NULL) == 0 && major == want_major;
}

int strata_cluster_find_bindir(strata_buf *out, int want_major, strata_error *err)
{
	const char *env = getenv("STRATA_PG_BINDIR");

	if (env != NULL && *env != '\0') {
		if (!has_server_tools(env))
			return strata_error_set(err, STRATA_EENV,
				"STRATA_PG_BINDIR '%s' does not hold initdb, pg_ctl and postgres", env);
		strata_buf_clear(out);
		strata_buf_puts(out, env);
		return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
	}
	if (want_major > 0 && from_usr_lib(out, want_major))
		return 0;
	if (from_pg_config(out) && matches_major(strata_buf_cstr(out), want_major))
		return 0;
	if (from_path(out) && matches_major(strata_buf_cstr(out), want_major))
		return 0;
	if (from_usr_lib(out, 0) && matches_major(strata_buf_cstr(out), want_major))
		return 0;
	strata_buf_clear(out);
	if (want_major > 0) {
		strata_error_set(err, STRATA_EENV,
			"PostgreSQL %d server binaries not found (the cluster was created with version %d)",
			want_major, want_major);
		strata_error_hint(err,
			"install postgresql-%d, point STRATA_PG_BINDIR at its bin folder, or recreate the cluster with 'strata dev reset' (deletes its data)",
			want_major);
		return STRATA_EENV;
	}
	strata_error_set(err, STRATA_EENV,
		"PostgreSQL server binaries not found (looked in STRATA_PG_BINDIR, pg_config --bindir, PATH and /usr/lib/postgresql/*/bin)");
	strata_error_hint(err, "install them with 'make deps' or 'apt-get install postgresql', or set STRATA_PG_BINDIR");
	return STRATA_EENV;
}

int st_cluster_tool(strata_buf *out, const strata_cluster *c, const char *name)
{
	return st_path_join(out, c->bindir, name);
}
