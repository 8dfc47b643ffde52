/*
 * proc.c: running a helper program (initdb, pg_ctl, pg_config, postgres) and
 * collecting its output, optionally as another OS user.
 *
 * The child gets a fresh environment built before fork (so that nothing
 * unsafe runs between fork and exec), its own stdout and stderr pipes, and is
 * reaped even when one of its own children keeps those pipes open: reading
 * stops when the child has exited and the pipes have been drained.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base.h"

extern char **environ;

static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

/*
 * environ without the names that extra overrides, then extra's NAME=value
 * entries; an entry without '=' only removes NAME. Caller frees the array only.
 */
static char **build_env(const char *const *extra)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[m] != NULL)
		m++;
	envp = st_calloc(n + m + 1, sizeof(char *));
	if (envp == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		int overridden = 0;
		for (j = 0; j < m; j++) {
			size_t len = env_name_len(extra[j]);
			if (env_name_len(environ[i]) == len && strncmp(environ[i], extra[j], len) == 0) {
				overridden = 1;
				break;
			}
		}
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		if (strchr(extra[j], '=') != NULL)
			envp[k++] = (char *)extra[j];
	envp[k] = NULL;
	return envp;
}

static void child_fail(int fd, const char *what)
{
	/*
	 * Only async-signal-safe calls here (write, _exit). strerror may translate
	 * and lock; strerrordesc_np is a plain table lookup of the English text.
	 */
	const char *msg = strerrordesc_np(errno);
	ssize_t ignored;

	if (msg == NULL)
		msg = "unknown error";
	ignored = write(fd, what, strlen(what));
	ignored = write(fd, ": ", 2);
	ignored = write(fd, msg, strlen(msg));
	ignored = write(fd, "\n", 1);
	(void)ignored;
	_exit(127);
}

static void drain(int *fd, strata_buf *sink)
{
	char chunk[4096];
	ssize_t n;

	if (*fd < 0)
		return;
	for (;;) {
		n = read(*fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (sink != NULL)
				strata_buf_append(sink, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			close(*fd);
			*fd = -1;
		}
		return;   /* EAGAIN: nothing more for now */
	}
}

int st_proc_run(int *out_status, const st_proc_opts *opts, strata_error *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	char **envp = NULL;
	pid_t pid = -1;
	int status = 0, rc = 0, exited = 0;
	int64_t deadline = opts->timeout_ms > 0 ? st_now_ns() + opts->timeout_ms * 1000000LL : 0;

	*out_status = -1;
	envp = build_env(opts->env);
	if (envp == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot run '%s': %s", opts->argv[0],
			strerror(errno));
		goto done;
	}
	pid = fork();
	if (pid < 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot run '%s': %s", opts->argv[0],
			strerror(errno));
		goto done;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			close(devnull);
		}
		dup2(outp[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		if (opts->detach)
			setsid();
		if (opts->run_as) {
			if (setgroups(1, &opts->gid) != 0)
				child_fail(STDERR_FILENO, "setgroups");
			if (setgid(opts->gid) != 0)
				child_fail(STDERR_FILENO, "setgid");
			if (setuid(opts->uid) != 0)
				child_fail(STDERR_FILENO, "setuid");
		}
		if (opts->cwd != NULL && chdir(opts->cwd) != 0)
			child_fail(STDERR_FILENO, opts->cwd);
		execve(opts->argv[0], (char *const *)opts->argv, envp);
		child_fail(STDERR_FILENO, opts->argv[0]);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);

	for (;;) {
		struct pollfd pfd[2];
		int nfd = 0, wait_ms = 100;

		drain(&outp[0], opts->out);
		drain(&errp[0], opts->errout);
		if (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid)
				exited = 1;
		}
		if (exited) {
			/* Final drain: anything a lingering grandchild writes later is not ours. */
			drain(&outp[0], opts->out);
			drain(&errp[0], opts->errout);
			break;
		}
		if (deadline != 0) {
			int64_t left = (deadline - st_now_ns()) / 1000000LL;
			if (left <= 0) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				rc = strata_error_set(err, STRATA_ETIMEOUT, "'%s' did not finish within %lld ms",
					opts->argv[0], (long long)opts->timeout_ms);
				goto done;
			}
			if (left < wait_ms)
				wait_ms = (int)left;
		}
		if (outp[0] >= 0) {
			pfd[nfd].fd = outp[0];
			pfd[nfd++].events = POLLIN;
		}
		if (errp[0] >= 0) {
			pfd[nfd].fd = errp[0];
			pfd[nfd++].events = POLLIN;
		}
		if (nfd > 0)
			poll(pfd, (nfds_t)nfd, wait_ms);
		else
			st_sleep_ms(wait_ms < 10 ? wait_ms : 10);
	}
	if (WIFEXITED(status))
		*out_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*out_status = 128 + WTERMSIG(status);
done:
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	st_free(envp);
	return rc;
}

int st_which(strata_buf *out, const char *name, strata_error *err)
{
	const char *path = getenv("PATH");
	const char *p, *end;
	strata_buf cand = STRATA_BUF_INIT;
	int rc = STRATA_ENOTFOUND;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p) {
			strata_buf_clear(&cand);
			strata_buf_append(&cand, p, (size_t)(end - p));
			strata_buf_putc(&cand, '/');
			strata_buf_puts(&cand, name);
			if (strata_buf_failed(&cand)) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				break;
			}
			if (st_is_executable(strata_buf_cstr(&cand))) {
				strata_buf_clear(out);
				strata_buf_puts(out, strata_buf_cstr(&cand));
				rc = strata_buf_failed(out) ? STRATA_ENOMEM : 0;
				break;
			}
		}
		if (*end == '\0')
			break;
	}
	if (rc == STRATA_ENOTFOUND)
		strata_error_set(err, rc, "'%s' is not in PATH", name);
	strata_buf_release(&cand);
	return rc;
}
