/*
 * procs.c: telling a live server from a stale postmaster.pid, finding every
 * process that belongs to a data directory, and choosing free ports.
 *
 * A postmaster.pid can outlive its server (kill -9, a crash, a container
 * restart) and its PID can be reused by an unrelated process, which makes
 * PostgreSQL refuse to start. A PID counts as our server only if it is alive,
 * runs a postgres binary and has the data directory as its working directory
 * (the postmaster and all its children chdir there).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/cluster_int.h"

int st_cluster_read_pidfile(st_pidfile *out, const char *data_dir)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	st_path_join(&path, data_dir, "postmaster.pid");
	rc = st_file_read(&content, strata_buf_cstr(&path), 64 * 1024, NULL);
	if (rc == 0)
		rc = st_cluster_parse_pidfile(out, content.ptr, content.len);
	strata_buf_release(&path);
	strata_buf_release(&content);
	return rc;
}

int st_cluster_parse_pidfile(st_pidfile *out, const char *text, size_t len)
{
	strata_buf content = STRATA_BUF_INIT;
	char *line, *next;
	int rc = 0, lineno = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL)
		return STRATA_EINVAL;
	if (strata_buf_append(&content, text, len) != 0)
		return STRATA_ENOMEM;
	/* Lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status. */
	for (line = content.ptr; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (lineno == 1 && st_parse_int(&out->pid, line, 1, INT_MAX) != 0)
			rc = STRATA_EINVAL;
		else if (lineno == 4)
			st_parse_int(&out->port, line, 1, 65535);
		else if (lineno == 8) {
			char *end = line + strlen(line);
			while (end > line && end[-1] == ' ')
				*--end = '\0';
			st_strlcpy(out->status, line, sizeof(out->status));
		}
	}
	if (lineno == 0)
		rc = STRATA_EINVAL;   /* an empty file: the server was killed while writing it */
	strata_buf_release(&content);
	return rc;
}

static int proc_link_equals(int pid, const char *what, const char *expect)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	st_snprintf(link, sizeof(link), "/proc/%d/%s", pid, what);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	return strcmp(target, expect) == 0;
}

static int proc_is_postgres(int pid)
{
	char path[64], comm[64];
	strata_buf content = STRATA_BUF_INIT;
	int yes = 0;

	st_snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (st_file_read(&content, path, 4096, NULL) == 0) {
		strata_buf_rtrim(&content);
		st_strlcpy(comm, strata_buf_cstr(&content), sizeof(comm));
		yes = strcmp(comm, "postgres") == 0 || strcmp(comm, "postmaster") == 0;
	}
	strata_buf_release(&content);
	return yes;
}

/*
 * Nonzero when pid exists and is not a zombie. A killed postmaster whose
 * parent (pg_ctl) is gone is reparented to PID 1; in containers PID 1 often
 * never reaps, so the dead server lingers as a zombie that kill(pid, 0) still
 * finds.
 */
static int proc_alive(int pid)
{
	char path[64];
	strata_buf stat = STRATA_BUF_INIT;
	const char *paren;
	int alive = 0;

	if (kill(pid, 0) != 0 && errno != EPERM)
		return 0;
	st_snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (st_file_read(&stat, path, 8192, NULL) == 0) {
		/* "pid (comm) S ...": the state follows the last ')'. */
		paren = strrchr(strata_buf_cstr(&stat), ')');
		alive = paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	}
	strata_buf_release(&stat);
	return alive;
}

int st_cluster_pid_is_ours(int pid, const char *data_dir)
{
	char *real;
	int same;

	if (pid <= 0 || !proc_alive(pid))
		return 0;
	if (!proc_is_postgres(pid))
		return 0;
	real = realpath(data_dir, NULL);
	if (real == NULL)
		return 0;
	same = proc_link_equals(pid, "cwd", real);
	free(real);
	/* Unreadable cwd (another user's process, no privilege): trust the name check. */
	return same != 0;
}

int st_cluster_find_procs(int *pids, int max, const char *data_dir)
{
	DIR *d;
	struct dirent *de;
	char *real;
	int n = 0;

	real = realpath(data_dir, NULL);
	if (real == NULL)
		return 0;
	d = opendir("/proc");
	if (d == NULL) {
		free(real);
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		int pid;

		if (st_parse_int(&pid, de->d_name, 1, INT_MAX) != 0 || pid == getpid())
			continue;
		if (proc_link_equals(pid, "cwd", real) == 1 && proc_is_postgres(pid) && proc_alive(pid))
			pids[n++] = pid;
	}
	closedir(d);
	free(real);
	return n;
}

int st_cluster_kill_procs(const char *data_dir, int sig, int64_t wait_ms)
{
	int pids[512];
	int n, i;
	int64_t deadline = st_now_ns() + wait_ms * 1000000LL;

	n = st_cluster_find_procs(pids, (int)ST_ARRAY_LEN(pids), data_dir);
	for (i = 0; i < n; i++)
		kill(pids[i], sig);
	while (n > 0 && st_now_ns() < deadline) {
		st_sleep_ms(20);
		n = st_cluster_find_procs(pids, (int)ST_ARRAY_LEN(pids), data_dir);
	}
	return n;
}

int st_cluster_port_free(int port)
{
	struct sockaddr_in sa;
	int fd, ok;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int st_cluster_pick_port(int *out, strata_error *err)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return strata_error_set(err, STRATA_EENV, "cannot open a socket: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		rc = strata_error_set(err, STRATA_EENV, "cannot find a free port on 127.0.0.1: %s",
			strerror(errno));
	else
		*out = ntohs(sa.sin_port);
	close(fd);
	return rc;
}
