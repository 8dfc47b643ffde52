/* run.c: see run.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

void cli_run(cli_result *r, const char *cwd, const char *const *env, const char *const *args)
{
	const char *bin = getenv("STRATA_BIN");
	const char *argv[64];
	strata_error err = STRATA_ERROR_INIT;
	st_proc_opts po;
	int n = 0;

	if (bin == NULL)
		fail_msg("STRATA_BIN is not set (run through meson test)");
	memset(r, 0, sizeof(*r));
	argv[n++] = bin;
	while (args != NULL && *args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.cwd = cwd;
	po.timeout_ms = 120000;
	po.out = &r->out;
	po.errout = &r->err;
	if (st_proc_run(&r->status, &po, &err) != 0)
		fail_msg("cannot run strata: %s", err.message);
	/* Make the buffers valid C strings even when empty. */
	strata_buf_append(&r->out, "", 0);
	strata_buf_append(&r->err, "", 0);
}

void cli_result_free(cli_result *r)
{
	strata_buf_release(&r->out);
	strata_buf_release(&r->err);
}

int cli_count_lines(const char *s)
{
	size_t len = strlen(s);
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return len > 0 && s[-1] != '\n' ? n + 1 : n;
}

char *cli_source_path(const char *rel)
{
	const char *root = getenv("STRATA_SOURCE_ROOT");
	char path[PATH_MAX];

	if (root == NULL)
		fail_msg("STRATA_SOURCE_ROOT is not set (run through meson test)");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return strdup(path);
}

char *cli_read_file(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;

	if (st_file_read(&b, path, 0, &err) != 0)
		fail_msg("%s", err.message);
	return strata_buf_detach(&b);
}

void cli_assert_golden(const char *actual, const char *name)
{
	char rel[512];
	char *path, *expected;
	const char *update = getenv("STRATA_UPDATE_GOLDEN");
	strata_error err = STRATA_ERROR_INIT;

	snprintf(rel, sizeof(rel), "tests/data/%s", name);
	path = cli_source_path(rel);
	if (update != NULL && strcmp(update, "1") == 0) {
		if (st_file_write_atomic(path, actual, strlen(actual), 0644, &err) != 0)
			fail_msg("%s", err.message);
		free(path);
		return;
	}
	expected = cli_read_file(path);
	if (strcmp(expected, actual) != 0) {
		print_error("golden file %s differs\n--- expected\n%s\n--- actual\n%s\n", rel, expected,
			actual);
		strata_free(expected);
		free(path);
		fail_msg("output differs from %s (STRATA_UPDATE_GOLDEN=1 rewrites it)", rel);
	}
	strata_free(expected);
	free(path);
}

int cli_live_procs_in(const char *dir)
{
	char *real = realpath(dir, NULL);
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (real == NULL)
		return 0;
	d = opendir("/proc");
	while (d != NULL && (de = readdir(d)) != NULL) {
		char link[300], target[PATH_MAX], statpath[300];
		strata_buf stat = STRATA_BUF_INIT;
		const char *paren;
		ssize_t len;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/cwd", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, real) != 0)
			continue;
		snprintf(statpath, sizeof(statpath), "/proc/%s/stat", de->d_name);
		if (st_file_read(&stat, statpath, 8192, NULL) == 0) {
			paren = strrchr(strata_buf_cstr(&stat), ')');
			if (paren != NULL && paren[2] != 'Z' && paren[2] != 'X')
				n++;
		}
		strata_buf_release(&stat);
	}
	if (d != NULL)
		closedir(d);
	free(real);
	return n;
}
