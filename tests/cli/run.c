/* run.c: see run.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* ---- programs in the background ---- */

extern char **environ;

static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* environ minus the names env mentions, plus env's NAME=value entries (as st_proc_run does). */
static char **child_env(const char *const *env)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **out;

	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[m] != NULL)
		m++;
	out = calloc(n + m + 1, sizeof(char *));
	if (out == NULL)
		fail_msg("out of memory");
	for (i = 0; i < n; i++) {
		for (j = 0; j < m; j++)
			if (env_name_len(environ[i]) == env_name_len(env[j]) &&
				strncmp(environ[i], env[j], env_name_len(env[j])) == 0)
				break;
		if (j == m)
			out[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		if (strchr(env[j], '=') != NULL)
			out[k++] = (char *)env[j];
	return out;
}

void cli_spawn_program(cli_proc *p, const char *cwd, const char *const *env,
	const char *const *argv, const char *logdir, const char *name)
{
	char **envp = child_env(env);
	int out_fd, err_fd;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	snprintf(p->out_path, sizeof(p->out_path), "%s/%s.out", logdir, name);
	snprintf(p->err_path, sizeof(p->err_path), "%s/%s.err", logdir, name);
	out_fd = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err_fd = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0 || err_fd < 0)
		fail_msg("cannot create '%s': %s", p->out_path, strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Only async-signal-safe calls until exec. */
		int null_fd = open("/dev/null", O_RDONLY);

		if (null_fd >= 0)
			dup2(null_fd, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		if (cwd != NULL && chdir(cwd) != 0)
			_exit(127);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	close(out_fd);
	close(err_fd);
	free(envp);
	p->pid = (int)pid;
}

void cli_spawn(cli_proc *p, const char *cwd, const char *const *env, const char *const *args,
	const char *logdir, const char *name)
{
	const char *bin = getenv("STRATA_BIN");
	const char *argv[64];
	int n = 0;

	if (bin == NULL)
		fail_msg("STRATA_BIN is not set (run through meson test)");
	argv[n++] = bin;
	while (args != NULL && *args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	cli_spawn_program(p, cwd, env, argv, logdir, name);
}

static int reap(cli_proc *p, int options)
{
	int status = 0;
	pid_t r;

	if (p->pid == 0)
		return 1;
	do
		r = waitpid((pid_t)p->pid, &status, options);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		fail_msg("waitpid %d: %s", p->pid, strerror(errno));
	p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	p->pid = 0;
	return 1;
}

int cli_running(cli_proc *p)
{
	return !reap(p, WNOHANG);
}

int cli_wait(cli_proc *p, long timeout_ms)
{
	long waited = 0;

	while (!reap(p, WNOHANG)) {
		if (waited >= timeout_ms) {
			kill((pid_t)p->pid, SIGKILL);
			reap(p, 0);
			fail_msg("'%s' still ran after %ld ms; killed it. stderr:\n%s", p->err_path, timeout_ms,
				cli_proc_err(p));
		}
		st_sleep_ms(10);
		waited += 10;
	}
	return p->status;
}

static char *read_or_empty(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	char *copy;

	st_file_read(&b, path, 0, NULL);
	copy = strdup(strata_buf_cstr(&b));
	strata_buf_release(&b);
	return copy;
}

char *cli_proc_err(const cli_proc *p)
{
	return read_or_empty(p->err_path);
}

char *cli_proc_out(const cli_proc *p)
{
	return read_or_empty(p->out_path);
}
