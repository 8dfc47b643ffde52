/*
 * test_fs_proc.c: the file and process helpers of src/base (fs.c, proc.c) on
 * real temporary folders and real child processes: whole-file reads with a
 * size cap, atomic writes (exact mode bits whatever the umask, replacing,
 * no temporary left behind), recursive mkdir, rmtree (which must not follow
 * symlinks out of the tree), dir_size, realpath, path_join and which; and
 * st_proc_run: exit codes, separate stdout and stderr, death by signal,
 * timeouts, environment edits, the working folder, programs that cannot be
 * started, and a child whose background grandchild keeps the pipes open.
 * No assertion depends on how long anything takes.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "base/base.h"

static char *tmpdir;

static int make_tmpdir(void **state)
{
	(void)state;
	tmpdir = th_tempdir("fsproc");
	return 0;
}

static int remove_tmpdir(void **state)
{
	(void)state;
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

/* Nonzero when text holds line as a whole line. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return 1;
		p++;
	}
	return 0;
}

static void assert_has_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("expected the line '%s' in:\n%s", line, text);
}

/* Number of entries (besides . and ..) in dir; names joined by '|' into names. */
static int list_dir(const char *dir, char *names, size_t namesz)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	names[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		size_t used = strlen(names);
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		snprintf(names + used, namesz - used, "%s|", de->d_name);
	}
	closedir(d);
	return n;
}

/* ---- st_file_read ---- */

static void file_read_returns_the_content(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];
	char *big;
	FILE *f;
	size_t i;

	(void)state;
	tpath(path, "small");
	th_write_file(path, "hello\nworld\n", 0644);
	th_ok(st_file_read(&b, path, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), "hello\nworld\n");
	assert_int_equal(b.len, 12);
	strata_buf_release(&b);

	/* Several read chunks, and bytes that are not text. */
	tpath(path, "big");
	big = malloc(50000);
	assert_non_null(big);
	for (i = 0; i < 50000; i++)
		big[i] = (char)(i * 7 % 256);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 50000, f), 50000);
	fclose(f);
	th_ok(st_file_read(&b, path, 50000, &err), &err);
	assert_int_equal(b.len, 50000);
	assert_memory_equal(b.ptr, big, 50000);
	free(big);
	strata_buf_release(&b);

	/* An empty file gives an empty, non-NULL string. */
	tpath(path, "empty");
	th_write_file(path, "", 0644);
	th_ok(st_file_read(&b, path, 10, &err), &err);
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	strata_buf_release(&b);
}

static void file_read_missing_is_not_found(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];

	(void)state;
	tpath(path, "nope");
	assert_int_equal(st_file_read(&b, path, 0, &err), STRATA_ENOTFOUND);
	assert_int_equal(err.code, STRATA_ENOTFOUND);
	assert_contains(err.message, path);
	strata_buf_release(&b);
}

static void file_read_over_the_cap_is_invalid(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];
	char text[101];

	(void)state;
	memset(text, 'a', 100);
	text[100] = '\0';
	tpath(path, "hundred");
	th_write_file(path, text, 0644);
	assert_int_equal(st_file_read(&b, path, 99, &err), STRATA_EINVAL);
	assert_contains(err.message, path);
	strata_buf_release(&b);
	/* Exactly at the cap is fine. */
	th_ok(st_file_read(&b, path, 100, &err), &err);
	assert_int_equal(b.len, 100);
	strata_buf_release(&b);
}

/* ---- st_file_write_atomic ---- */

static void write_atomic_sets_exact_mode_despite_umask(void **state)
{
	static const struct { mode_t umask; int mode; } cases[] = {
		{ 077, 0644 }, { 022, 0666 }, { 0, 0600 }, { 0777, 0640 },
	};
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	(void)state;
	tpath(path, "conf");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mode_t old = umask(cases[i].umask);
		int rc = st_file_write_atomic(path, "port = 5432\n", 12, cases[i].mode, &err);

		umask(old);
		th_ok(rc, &err);
		assert_int_equal(stat(path, &st), 0);
		if ((int)(st.st_mode & 07777) != cases[i].mode)
			fail_msg("umask %03o, mode %04o: file has %04o", (unsigned)cases[i].umask,
				(unsigned)cases[i].mode, (unsigned)(st.st_mode & 07777));
	}
	th_ok(st_file_read(&b, path, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), "port = 5432\n");
	strata_buf_release(&b);
}

static void write_atomic_replaces_and_leaves_no_temporary(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX], names[4096];
	struct stat before, after;

	(void)state;
	tpath(path, "data");
	th_write_file(path, "old content that is longer than the new one\n", 0600);
	assert_int_equal(stat(path, &before), 0);
	th_ok(st_file_write_atomic(path, "new\n", 4, 0644, &err), &err);
	th_ok(st_file_read(&b, path, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), "new\n");
	strata_buf_release(&b);
	/* Replaced through a rename: a new inode, not an in-place rewrite. */
	assert_int_equal(stat(path, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	assert_int_equal(list_dir(tmpdir, names, sizeof(names)), 1);
	assert_string_equal(names, "data|");

	/* Zero bytes are a valid content. */
	th_ok(st_file_write_atomic(path, "", 0, 0644, &err), &err);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_size, 0);
	assert_int_equal(list_dir(tmpdir, names, sizeof(names)), 1);
}

static void write_atomic_failure_leaves_no_temporary(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX], names[4096];

	(void)state;
	/* The target is a non-empty folder: the final rename must fail. */
	tpath(path, "occupied");
	assert_int_equal(mkdir(path, 0755), 0);
	tpath(names, "occupied/inside");
	th_write_file(names, "x", 0644);
	assert_int_not_equal(st_file_write_atomic(path, "data", 4, 0644, &err), 0);
	assert_int_equal(err.code, STRATA_EIO);
	assert_contains(err.message, path);
	assert_int_equal(list_dir(tmpdir, names, sizeof(names)), 1);
	assert_string_equal(names, "occupied|");

	/* The folder does not exist. */
	tpath(path, "missing/file");
	assert_int_equal(st_file_write_atomic(path, "data", 4, 0644, &err), STRATA_EIO);
	assert_contains(err.message, path);
}

/* ---- st_mkdir_p ---- */

static void mkdir_p_nested_and_existing(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	tpath(path, "a/b/c/d");
	th_ok(st_mkdir_p(path, 0750, &err), &err);
	assert_true(st_is_dir(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777 & ~(mode_t)0750, 0);
	/* Again: already there is fine. */
	th_ok(st_mkdir_p(path, 0750, &err), &err);
	/* A trailing slash is fine too. */
	tpath(path, "a/b/e/");
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	tpath(path, "a/b/e");
	assert_true(st_is_dir(path));
}

static void mkdir_p_file_in_the_way_fails(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char path[PATH_MAX];

	(void)state;
	tpath(path, "plain");
	th_write_file(path, "not a folder", 0644);
	/* The file is the last component... */
	assert_int_not_equal(st_mkdir_p(path, 0755, &err), 0);
	assert_int_equal(err.code, STRATA_EIO);
	assert_contains(err.message, "plain");
	/* ...or in the middle. */
	strata_error_clear(&err);
	tpath(path, "plain/sub/deeper");
	assert_int_not_equal(st_mkdir_p(path, 0755, &err), 0);
	assert_int_equal(err.code, STRATA_EIO);
	assert_contains(err.message, "plain");
	assert_false(st_is_dir(path));
}

static void mkdir_p_empty_path_is_an_error(void **state)
{
	char names[4096];
	pid_t pid;
	int wst = 0;

	(void)state;
	/*
	 * In a child, inside the temporary folder: a memory error (caught by
	 * ASan) or stray folders made from garbage must not take the whole
	 * test program down or litter the current folder.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		strata_error err = STRATA_ERROR_INIT;
		int rc;

		if (chdir(tmpdir) != 0)
			_exit(2);
		rc = st_mkdir_p("", 0755, &err);
		_exit(rc != 0 && err.code == rc ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
		fail_msg("st_mkdir_p(\"\") in a child: %s %d (expected an error return)",
			WIFEXITED(wst) ? "exit" : "signal",
			WIFEXITED(wst) ? WEXITSTATUS(wst) : WTERMSIG(wst));
	assert_int_equal(list_dir(tmpdir, names, sizeof(names)), 0);
}

/* ---- st_rmtree ---- */

static void rmtree_removes_a_tree_but_not_symlink_targets(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char tree[PATH_MAX], p[PATH_MAX], outside_file[PATH_MAX], outside_dir[PATH_MAX];
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	tpath(outside_file, "keep.txt");
	th_write_file(outside_file, "precious", 0644);
	tpath(outside_dir, "keepdir");
	assert_int_equal(mkdir(outside_dir, 0755), 0);
	tpath(p, "keepdir/inner.txt");
	th_write_file(p, "also precious", 0644);

	tpath(tree, "tree");
	tpath(p, "tree/x/y/z");
	th_ok(st_mkdir_p(p, 0755, &err), &err);
	tpath(p, "tree/x/y/z/file");
	th_write_file(p, "1", 0644);
	tpath(p, "tree/x/file2");
	th_write_file(p, "2", 0600);
	tpath(p, "tree/.hidden");
	th_write_file(p, "3", 0644);
	tpath(p, "tree/x/link-to-file");
	assert_int_equal(symlink(outside_file, p), 0);
	tpath(p, "tree/x/y/link-to-dir");
	assert_int_equal(symlink(outside_dir, p), 0);
	tpath(p, "tree/dangling");
	assert_int_equal(symlink("/nonexistent/strata/target", p), 0);

	th_ok(st_rmtree(tree, &err), &err);
	assert_false(st_path_exists(tree));
	/* What the links pointed at is untouched. */
	th_ok(st_file_read(&b, outside_file, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), "precious");
	strata_buf_release(&b);
	tpath(p, "keepdir/inner.txt");
	th_ok(st_file_read(&b, p, 0, &err), &err);
	assert_string_equal(strata_buf_cstr(&b), "also precious");
	strata_buf_release(&b);
}

static void rmtree_of_a_symlink_removes_only_the_link(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char target[PATH_MAX], link[PATH_MAX], p[PATH_MAX];

	(void)state;
	tpath(target, "real");
	assert_int_equal(mkdir(target, 0755), 0);
	tpath(p, "real/content");
	th_write_file(p, "stay", 0644);
	tpath(link, "link");
	assert_int_equal(symlink(target, link), 0);
	th_ok(st_rmtree(link, &err), &err);
	assert_false(st_path_exists(link));
	assert_true(st_path_exists(p));
}

static void rmtree_missing_path_is_not_an_error(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char p[PATH_MAX];

	(void)state;
	tpath(p, "never-was");
	assert_int_equal(st_rmtree(p, &err), 0);
	assert_int_equal(err.code, 0);
	tpath(p, "never-was/deeper/still");
	assert_int_equal(st_rmtree(p, &err), 0);
}

/* ---- st_dir_size, st_realpath, st_path_join, st_which ---- */

static void dir_size_counts_regular_files_only(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	char p[PATH_MAX], target[PATH_MAX], big[5001];
	long long size = -1;

	(void)state;
	memset(big, 'b', 5000);
	big[5000] = '\0';
	tpath(p, "outside-big");
	th_write_file(p, big, 0644);
	tpath(p, "sized/one/two");
	th_ok(st_mkdir_p(p, 0755, &err), &err);
	tpath(p, "sized/ten");
	th_write_file(p, "0123456789", 0644);
	tpath(p, "sized/one/two/three");
	th_write_file(p, "abc", 0644);
	tpath(p, "sized/one/empty");
	th_write_file(p, "", 0644);
	/* A link to a big file outside counts as nothing. */
	tpath(target, "outside-big");
	tpath(p, "sized/one/link");
	assert_int_equal(symlink(target, p), 0);

	tpath(p, "sized");
	th_ok(st_dir_size(&size, p, &err), &err);
	assert_int_equal(size, 13);
	/* A single file is its own size. */
	tpath(p, "sized/ten");
	th_ok(st_dir_size(&size, p, &err), &err);
	assert_int_equal(size, 10);
}

static void realpath_normalises(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char p[PATH_MAX], expected[PATH_MAX * 2];
	char *real_tmp;

	(void)state;
	real_tmp = realpath(tmpdir, NULL);
	assert_non_null(real_tmp);
	tpath(p, "r/s");
	th_ok(st_mkdir_p(p, 0755, &err), &err);
	tpath(p, "r/./s/../s//");
	strata_buf_puts(&b, "stale content");
	th_ok(st_realpath(&b, p, &err), &err);
	snprintf(expected, sizeof(expected), "%s/r/s", real_tmp);
	assert_string_equal(strata_buf_cstr(&b), expected);

	/* Through a symlink. */
	tpath(p, "alias");
	tpath(expected, "r");
	assert_int_equal(symlink(expected, p), 0);
	tpath(p, "alias/s");
	th_ok(st_realpath(&b, p, &err), &err);
	snprintf(expected, sizeof(expected), "%s/r/s", real_tmp);
	assert_string_equal(strata_buf_cstr(&b), expected);

	tpath(p, "r/missing");
	assert_int_equal(st_realpath(&b, p, &err), STRATA_ENOTFOUND);
	assert_contains(err.message, "missing");
	strata_buf_release(&b);
	free(real_tmp);
}

static void path_join_variants(void **state)
{
	static const struct { const char *a, *b, *want; } cases[] = {
		{ "a", "b", "a/b" },
		{ "a/", "b", "a/b" },
		{ "a", "/b", "a/b" },
		{ "a/", "//b", "a/b" },
		{ "/", "etc", "/etc" },
		{ "/srv/data", "x/y", "/srv/data/x/y" },
		{ "a", "", "a/" },
	};
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_buf_puts(&b, "leftover");
		assert_int_equal(st_path_join(&b, cases[i].a, cases[i].b), 0);
		if (strcmp(strata_buf_cstr(&b), cases[i].want) != 0)
			fail_msg("join('%s', '%s') = '%s', expected '%s'", cases[i].a, cases[i].b,
				strata_buf_cstr(&b), cases[i].want);
	}
	strata_buf_release(&b);
}

static void which_searches_path(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char bin1[PATH_MAX], bin2[PATH_MAX], p[PATH_MAX], newpath[PATH_MAX * 3];
	char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	int rc;

	(void)state;
	th_ok(st_which(&b, "sh", &err), &err);
	assert_true(st_str_ends_with(strata_buf_cstr(&b), "/sh"));
	assert_true(st_is_executable(strata_buf_cstr(&b)));

	/* Only executable regular files count, in PATH order; empty entries are skipped. */
	tpath(bin1, "bin1");
	tpath(bin2, "bin2");
	assert_int_equal(mkdir(bin1, 0755), 0);
	assert_int_equal(mkdir(bin2, 0755), 0);
	tpath(p, "bin1/strata-tool");
	th_write_file(p, "#!/bin/sh\n", 0644);        /* not executable */
	tpath(p, "bin1/strata-dir");
	assert_int_equal(mkdir(p, 0755), 0);          /* a folder, not a program */
	tpath(p, "bin2/strata-tool");
	th_write_file(p, "#!/bin/sh\n", 0755);
	tpath(p, "bin2/strata-dir");
	th_write_file(p, "#!/bin/sh\n", 0755);
	snprintf(newpath, sizeof(newpath), "::%s:%s:", bin1, bin2);
	setenv("PATH", newpath, 1);
	rc = st_which(&b, "strata-tool", &err);
	if (rc == 0) {
		tpath(p, "bin2/strata-tool");
		rc = strcmp(strata_buf_cstr(&b), p) == 0 ? 0 : -100;
	}
	if (rc == 0) {
		rc = st_which(&b, "strata-dir", &err);
		tpath(p, "bin2/strata-dir");
		if (rc == 0 && strcmp(strata_buf_cstr(&b), p) != 0)
			rc = -100;
	}
	if (rc == 0)
		rc = st_which(&b, "strata-absent", &err) == STRATA_ENOTFOUND ? 0 : -101;
	if (old_path != NULL)
		setenv("PATH", old_path, 1);
	else
		unsetenv("PATH");
	free(old_path);
	if (rc != 0)
		fail_msg("rc %d, found '%s': %s", rc, strata_buf_cstr(&b), err.message);
	assert_contains(err.message, "strata-absent");
	strata_buf_release(&b);
}

/* ---- st_proc_run ---- */

typedef struct run_result {
	int rc;
	int status;
	strata_buf out;
	strata_buf errout;
	strata_error err;
} run_result;

static void run(run_result *r, const char *const *argv, const char *const *env, const char *cwd,
	int64_t timeout_ms)
{
	st_proc_opts po;

	memset(r, 0, sizeof(*r));
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.cwd = cwd;
	po.timeout_ms = timeout_ms;
	po.out = &r->out;
	po.errout = &r->errout;
	r->status = -12345;
	r->rc = st_proc_run(&r->status, &po, &r->err);
}

static void run_result_release(run_result *r)
{
	strata_buf_release(&r->out);
	strata_buf_release(&r->errout);
}

static void proc_exit_code(void **state)
{
	static const char *const codes[] = { "0", "1", "7", "126", "255" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char script[32];
		const char *argv[] = { "/bin/sh", "-c", script, NULL };
		run_result r;

		snprintf(script, sizeof(script), "exit %s", codes[i]);
		run(&r, argv, NULL, NULL, 20000);
		th_ok(r.rc, &r.err);
		assert_int_equal(r.status, (int)strtol(codes[i], NULL, 10));
		run_result_release(&r);
	}
}

static void proc_captures_stdout_and_stderr_separately(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
		"echo to-out; echo to-err >&2; printf 'more out'; printf 'more err' >&2", NULL };
	run_result r;

	(void)state;
	run(&r, argv, NULL, NULL, 20000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), "to-out\nmore out");
	assert_string_equal(strata_buf_cstr(&r.errout), "to-err\nmore err");
	run_result_release(&r);
}

static void proc_drains_large_output(void **state)
{
	/* Far more than a pipe buffer on both streams: the parent must keep reading. */
	const char *argv[] = { "/bin/sh", "-c",
		"head -c 300000 /dev/zero | tr '\\000' o; head -c 200000 /dev/zero | tr '\\000' e >&2",
		NULL };
	run_result r;
	size_t i;

	(void)state;
	run(&r, argv, NULL, NULL, 60000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 300000);
	assert_int_equal(r.errout.len, 200000);
	for (i = 0; i < r.out.len; i++)
		if (r.out.ptr[i] != 'o')
			fail_msg("stdout byte %zu is %d", i, r.out.ptr[i]);
	run_result_release(&r);
}

static void proc_output_can_be_discarded(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "echo lost; echo lost >&2; exit 3", NULL };
	st_proc_opts po;
	strata_error err = STRATA_ERROR_INIT;
	int status = -1;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.timeout_ms = 20000;
	th_ok(st_proc_run(&status, &po, &err), &err);
	assert_int_equal(status, 3);
}

static void proc_death_by_signal(void **state)
{
	const char *argv_term[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	const char *argv_kill[] = { "/bin/sh", "-c", "kill -KILL $$", NULL };
	run_result r;

	(void)state;
	run(&r, argv_term, NULL, NULL, 20000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 128 + SIGTERM);
	run_result_release(&r);
	run(&r, argv_kill, NULL, NULL, 20000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 128 + SIGKILL);
	run_result_release(&r);
}

static void proc_timeout_kills_the_child(void **state)
{
	char pidfile[PATH_MAX], script[PATH_MAX + 64];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	strata_buf content = STRATA_BUF_INIT;
	run_result r;
	int wst;

	(void)state;
	tpath(pidfile, "child.pid");
	/* exec: the program that times out is the very process st_proc_run forked. */
	snprintf(script, sizeof(script), "echo $$ > '%s'; exec sleep 30", pidfile);
	run(&r, argv, NULL, NULL, 500);
	assert_int_equal(r.rc, STRATA_ETIMEOUT);
	assert_int_equal(r.err.code, STRATA_ETIMEOUT);
	assert_contains(r.err.message, "/bin/sh");
	/* Killed and reaped: this process has no child left, live or zombie. */
	errno = 0;
	assert_int_equal(waitpid(-1, &wst, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	if (st_file_read(&content, pidfile, 0, NULL) == 0 && content.len > 0) {
		int pid = (int)strtol(strata_buf_cstr(&content), NULL, 10);
		assert_true(pid > 0);
		errno = 0;
		assert_int_equal(kill(pid, 0), -1);
		assert_int_equal(errno, ESRCH);
	}
	strata_buf_release(&content);
	run_result_release(&r);
}

static void proc_environment_edits(void **state)
{
	const char *argv[] = { "/usr/bin/env", NULL };
	const char *env[] = { "STRATA_T_SET=hello world", "STRATA_T_GONE", "STRATA_T_OVER=new",
		"STRATA_T_NEVER_SET", NULL };
	run_result r;
	const char *out;

	(void)state;
	setenv("STRATA_T_GONE", "should vanish", 1);
	setenv("STRATA_T_GONEX", "prefix-sharing survivor", 1);
	setenv("STRATA_T_OVER", "old", 1);
	setenv("STRATA_T_KEEP", "inherited", 1);
	run(&r, argv, env, NULL, 20000);
	unsetenv("STRATA_T_GONE");
	unsetenv("STRATA_T_GONEX");
	unsetenv("STRATA_T_OVER");
	unsetenv("STRATA_T_KEEP");
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 0);
	out = strata_buf_cstr(&r.out);
	assert_has_line(out, "STRATA_T_SET=hello world");
	assert_lacks(out, "STRATA_T_GONE=");
	assert_has_line(out, "STRATA_T_GONEX=prefix-sharing survivor");
	assert_has_line(out, "STRATA_T_OVER=new");
	assert_lacks(out, "STRATA_T_OVER=old");
	assert_has_line(out, "STRATA_T_KEEP=inherited");
	assert_lacks(out, "STRATA_T_NEVER_SET");
	run_result_release(&r);
	/* The caller's own environment is not changed by the edits. */
	assert_null(getenv("STRATA_T_SET"));
}

static void proc_runs_in_the_given_folder(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "pwd -P", NULL };
	char expected[PATH_MAX + 2], missing[PATH_MAX];
	char *real_tmp;
	run_result r;

	(void)state;
	real_tmp = realpath(tmpdir, NULL);
	assert_non_null(real_tmp);
	run(&r, argv, NULL, tmpdir, 20000);
	th_ok(r.rc, &r.err);
	snprintf(expected, sizeof(expected), "%s\n", real_tmp);
	assert_string_equal(strata_buf_cstr(&r.out), expected);
	run_result_release(&r);
	free(real_tmp);

	/* A folder that does not exist: the child reports it and exits 127. */
	tpath(missing, "no-such-folder");
	run(&r, argv, NULL, missing, 20000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 127);
	assert_contains(strata_buf_cstr(&r.errout), "no-such-folder");
	assert_string_equal(strata_buf_cstr(&r.out), "");
	run_result_release(&r);
}

static void proc_missing_program_is_status_127(void **state)
{
	const char *argv[] = { "/nonexistent/strata-no-such-program", "--flag", NULL };
	run_result r;

	(void)state;
	run(&r, argv, NULL, NULL, 20000);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 127);
	assert_contains(strata_buf_cstr(&r.errout), "/nonexistent/strata-no-such-program");
	assert_contains(strata_buf_cstr(&r.errout), strerror(ENOENT));
	run_result_release(&r);
}

static void proc_returns_when_the_child_exits_despite_a_grandchild(void **state)
{
	char pidfile[PATH_MAX], script[PATH_MAX + 64];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	strata_buf content = STRATA_BUF_INIT;
	run_result r;

	(void)state;
	tpath(pidfile, "grandchild.pid");
	/* The background sleep inherits stdout and stderr and keeps them open. */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > '%s'; echo hi", pidfile);
	run(&r, argv, NULL, NULL, 20000);
	/* Tidy up the grandchild (it is ours) before asserting. */
	if (st_file_read(&content, pidfile, 0, NULL) == 0) {
		int pid = (int)strtol(strata_buf_cstr(&content), NULL, 10);
		if (pid > 0)
			kill(pid, SIGKILL);
	}
	strata_buf_release(&content);
	th_ok(r.rc, &r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), "hi\n");
	run_result_release(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_tmpdir, remove_tmpdir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(file_read_returns_the_content),
		T(file_read_missing_is_not_found),
		T(file_read_over_the_cap_is_invalid),
		T(write_atomic_sets_exact_mode_despite_umask),
		T(write_atomic_replaces_and_leaves_no_temporary),
		T(write_atomic_failure_leaves_no_temporary),
		T(mkdir_p_nested_and_existing),
		T(mkdir_p_file_in_the_way_fails),
		T(mkdir_p_empty_path_is_an_error),
		T(rmtree_removes_a_tree_but_not_symlink_targets),
		T(rmtree_of_a_symlink_removes_only_the_link),
		T(rmtree_missing_path_is_not_an_error),
		T(dir_size_counts_regular_files_only),
		T(realpath_normalises),
		T(path_join_variants),
		T(which_searches_path),
		T(proc_exit_code),
		T(proc_captures_stdout_and_stderr_separately),
		T(proc_drains_large_output),
		T(proc_output_can_be_discarded),
		T(proc_death_by_signal),
		T(proc_timeout_kills_the_child),
		T(proc_environment_edits),
		T(proc_runs_in_the_given_folder),
		T(proc_missing_program_is_status_127),
		T(proc_returns_when_the_child_exits_despite_a_grandchild),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
