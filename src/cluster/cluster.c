/*
 * cluster.c: the cluster handle: paths, URLs, state detection and status.
 * Creating, starting and stopping live in lifecycle.c.
 *
 * The state of a cluster is read from the file system every time, never
 * cached: the data directory's PG_VERSION says it exists, postmaster.pid and
 * the process it names say whether it runs (see procs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "strata/pg.h"

#include "cluster/cluster_int.h"

const char *strata_cluster_state_name(strata_cluster_state state)
{
	switch (state) {
	case STRATA_CLUSTER_ABSENT: return "absent";
	case STRATA_CLUSTER_STOPPED: return "stopped";
	case STRATA_CLUSTER_RUNNING: return "running";
	case STRATA_CLUSTER_STALE: return "stale";
	}
	return "unknown";
}

static int join_into(char **field, const char *a, const char *b)
{
	strata_buf p = STRATA_BUF_INIT;

	if (st_path_join(&p, a, b) != 0) {
		strata_buf_release(&p);
		return STRATA_ENOMEM;
	}
	st_free(*field);
	*field = strata_buf_detach(&p);
	return *field ? 0 : STRATA_ENOMEM;
}

static int absolute_dir(char **out, const char *dir)
{
	strata_buf b = STRATA_BUF_INIT;
	char cwd[4096];

	if (dir[0] == '/') {
		strata_buf_puts(&b, dir);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return STRATA_EIO;
		st_path_join(&b, cwd, dir);
	}
	while (b.len > 1 && b.ptr[b.len - 1] == '/')
		strata_buf_truncate(&b, b.len - 1);
	if (st_is_dir(strata_buf_cstr(&b)))
		st_realpath(&b, strata_buf_cstr(&b), NULL);
	*out = strata_buf_detach(&b);
	return *out ? 0 : STRATA_ENOMEM;
}

/* (Re)builds the two URLs from the port and paths. */
int st_cluster_build_urls(strata_cluster *c)
{
	st_free(c->url);
	st_free(c->socket_url);
	c->url = c->socket_url = NULL;
	if (c->port <= 0)
		return 0;
	c->url = strata_cluster_database_url(c, "postgres", 0);
	c->socket_url = strata_cluster_database_url(c, "postgres", 1);
	return c->url && c->socket_url ? 0 : STRATA_ENOMEM;
}

char *strata_cluster_database_url(const strata_cluster *c, const char *dbname, int socket)
{
	strata_buf b = STRATA_BUF_INIT;

	if (c->port <= 0)
		return NULL;
	if (socket) {
		strata_buf_puts(&b, "postgresql://postgres@/");
		st_url_encode(&b, dbname);
		strata_buf_puts(&b, "?host=");
		st_url_encode(&b, c->sock_dir);
		strata_buf_printf(&b, "&port=%d", c->port);
	} else {
		strata_buf_printf(&b, "postgresql://postgres@127.0.0.1:%d/", c->port);
		st_url_encode(&b, dbname);
		strata_buf_puts(&b, "?passfile=");
		st_url_encode(&b, c->pgpass_file);
	}
	return strata_buf_detach(&b);
}

int st_cluster_default_paths(strata_cluster *c)
{
	if ((c->data_dir == NULL && join_into(&c->data_dir, c->dir, "data") != 0) ||
		(c->sock_dir == NULL && join_into(&c->sock_dir, c->dir, "run") != 0) ||
		(c->log_dir == NULL && join_into(&c->log_dir, c->dir, "log") != 0))
		return STRATA_ENOMEM;
	return join_into(&c->log_file, c->log_dir, "server.log");
}

int strata_cluster_open(strata_cluster **out, const strata_cluster_options *opts, strata_error *err)
{
	strata_cluster *c = NULL;
	strata_error local = STRATA_ERROR_INIT;
	int rc = 0;

	*out = NULL;
	if (opts == NULL || opts->dir == NULL || *opts->dir == '\0')
		return strata_error_set(err, STRATA_EINVAL, "no cluster folder given");
	c = st_calloc(1, sizeof(*c));
	if (c == NULL)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	c->lock_fd = -1;
	c->notify = opts->notify;
	c->notify_ud = opts->notify_ud;
	c->ephemeral = opts->ephemeral;
	c->start_timeout_s = opts->start_timeout_s > 0 ? opts->start_timeout_s : 60;
	c->os_user = st_strdup(opts->os_user ? opts->os_user : "postgres");
	c->bindir_opt = st_strdup(opts->bindir);
	c->bindir = st_strdup(opts->bindir ? opts->bindir : "");
	if (c->os_user == NULL || c->bindir == NULL || (opts->bindir && c->bindir_opt == NULL) ||
		absolute_dir(&c->dir, opts->dir) != 0 ||
		join_into(&c->conf_file, c->dir, "cluster.conf") != 0 ||
		join_into(&c->pgpass_file, c->dir, "pgpass") != 0 ||
		join_into(&c->lock_file, c->dir, ".lock") != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if (st_path_exists(c->conf_file)) {
		rc = st_cluster_meta_load(c, err);
		if (rc != 0)
			goto done;
	}
	if (st_cluster_default_paths(c) != 0 || st_cluster_build_urls(c) != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	/* Only looks the user up; up() creates it when needed. */
	st_cluster_server_user(c, 0, &local);
	*out = c;
	c = NULL;
done:
	strata_cluster_free(c);
	return rc;
}

void strata_cluster_free(strata_cluster *c)
{
	if (c == NULL)
		return;
	st_cluster_unlock(c);
	st_free(c->bindir_opt);
	st_free(c->os_user);
	st_free(c->dir);
	st_free(c->conf_file);
	st_free(c->pgpass_file);
	st_free(c->lock_file);
	st_free(c->data_dir);
	st_free(c->sock_dir);
	st_free(c->log_dir);
	st_free(c->log_file);
	st_free(c->bindir);
	st_free(c->url);
	st_free(c->socket_url);
	st_free(c);
}

int st_cluster_lock(strata_cluster *c, strata_error *err)
{
	int64_t waited = 0;
	int said = 0;

	if (c->lock_fd >= 0)
		return 0;
	c->lock_fd = open(c->lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0)
		return strata_error_set(err, STRATA_EIO, "cannot open '%s': %s", c->lock_file,
			strerror(errno));
	while (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			st_cluster_unlock(c);
			return strata_error_set(err, STRATA_EIO, "cannot lock '%s': %s", c->lock_file,
				strerror(e));
		}
		if (!said && waited >= 1000 && c->notify != NULL) {
			c->notify("waiting for another strata command working on this cluster", c->notify_ud);
			said = 1;
		}
		if (waited >= 300000) {
			st_cluster_unlock(c);
			return strata_error_set(err, STRATA_ELOCKED,
				"another strata command has held '%s' for 5 minutes", c->lock_file);
		}
		st_sleep_ms(100);
		waited += 100;
	}
	return 0;
}

void st_cluster_unlock(strata_cluster *c)
{
	if (c->lock_fd >= 0) {
		close(c->lock_fd);   /* releases the flock */
		c->lock_fd = -1;
	}
}

int st_cluster_data_major(const strata_cluster *c)
{
	strata_buf path = STRATA_BUF_INIT, content = STRATA_BUF_INIT;
	int major = 0;

	st_path_join(&path, c->data_dir, "PG_VERSION");
	if (st_file_read(&content, strata_buf_cstr(&path), 64, NULL) == 0) {
		strata_buf_rtrim(&content);
		if (st_parse_int(&major, strata_buf_cstr(&content), 1, 999) != 0)
			major = 0;
	}
	strata_buf_release(&path);
	strata_buf_release(&content);
	return major;
}

strata_cluster_state st_cluster_detect(const strata_cluster *c, st_pidfile *pf)
{
	int rc;

	memset(pf, 0, sizeof(*pf));
	if (st_cluster_data_major(c) == 0)
		return STRATA_CLUSTER_ABSENT;
	rc = st_cluster_read_pidfile(pf, c->data_dir);
	if (rc == STRATA_ENOTFOUND)
		return STRATA_CLUSTER_STOPPED;
	if (rc != 0)
		return STRATA_CLUSTER_STALE;
	return st_cluster_pid_is_ours(pf->pid, c->data_dir) ? STRATA_CLUSTER_RUNNING
		: STRATA_CLUSTER_STALE;
}

int st_cluster_accepting(const strata_cluster *c, int timeout_ms, strata_error *err)
{
	strata_conninfo *ci = NULL;
	strata_conn *conn = NULL;
	int rc;

	if (c->socket_url == NULL)
		return strata_error_set(err, STRATA_ESTATE, "the cluster has no port yet");
	rc = strata_conninfo_parse(&ci, c->socket_url, STRATA_CONN_SOURCE_DEV_CLUSTER, err);
	if (rc != 0)
		return rc;
	strata_conninfo_set_timeout(ci, timeout_ms);
	strata_conninfo_set_command(ci, "dev");
	rc = strata_conn_open(&conn, ci, err);
	if (rc == 0)
		rc = strata_conn_exec(conn, "SELECT 1", err);
	strata_conn_close(conn);
	strata_conninfo_free(ci);
	return rc;
}

int strata_cluster_get_status(strata_cluster_status *out, strata_cluster *c, strata_error *err)
{
	st_pidfile pf;

	memset(out, 0, sizeof(*out));
	out->state = st_cluster_detect(c, &pf);
	out->pg_major = st_cluster_data_major(c);
	out->pid = pf.pid;
	out->port = pf.port ? pf.port : c->port;
	st_strlcpy(out->server_user, c->as_other_user ? c->os_user : "", sizeof(out->server_user));
	if (!c->as_other_user) {
		const char *u = getenv("USER");
		st_strlcpy(out->server_user, u && *u ? u : "(this user)", sizeof(out->server_user));
	}
	if (out->state == STRATA_CLUSTER_RUNNING)
		out->accepting = st_cluster_accepting(c, 2000, NULL) == 0;
	if (out->state != STRATA_CLUSTER_ABSENT && st_dir_size(&out->size_bytes, c->data_dir, err) != 0)
		return err ? err->code : STRATA_EIO;
	return 0;
}

const char *strata_cluster_url(const strata_cluster *c) { return c->url; }
const char *strata_cluster_socket_url(const strata_cluster *c) { return c->socket_url; }
const char *strata_cluster_dir(const strata_cluster *c) { return c->dir; }
const char *strata_cluster_data_dir(const strata_cluster *c) { return c->data_dir; }
const char *strata_cluster_socket_dir(const strata_cluster *c) { return c->sock_dir; }
const char *strata_cluster_log_file(const strata_cluster *c) { return c->log_file; }
const char *strata_cluster_bindir(const strata_cluster *c) { return c->bindir; }

int strata_project_root(strata_buf *out, const char *start, strata_error *err)
{
	strata_buf cur = STRATA_BUF_INIT, probe = STRATA_BUF_INIT;
	int rc;

	rc = st_realpath(&cur, start, err);
	if (rc != 0)
		goto done;
	for (;;) {
		char *slash;

		st_path_join(&probe, strata_buf_cstr(&cur), "strata.yaml");
		if (st_path_exists(strata_buf_cstr(&probe)))
			break;
		st_path_join(&probe, strata_buf_cstr(&cur), ".strata");
		if (st_is_dir(strata_buf_cstr(&probe)))
			break;
		slash = strrchr(cur.ptr, '/');
		if (slash == NULL || cur.len <= 1) {
			/* Nothing marks a project: the starting folder is the root. */
			rc = st_realpath(&cur, start, err);
			break;
		}
		strata_buf_truncate(&cur, slash == cur.ptr ? 1 : (size_t)(slash - cur.ptr));
	}
	if (rc == 0) {
		strata_buf_clear(out);
		strata_buf_puts(out, strata_buf_cstr(&cur));
		if (strata_buf_failed(out) || strata_buf_failed(&probe))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
done:
	strata_buf_release(&cur);
	strata_buf_release(&probe);
	return rc;
}

int strata_project_cluster_dir(strata_buf *out, const char *root)
{
	strata_buf_clear(out);
	return st_path_join(out, root, ".strata/cluster");
}
