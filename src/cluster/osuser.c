/*
 * osuser.c: running PostgreSQL as an unprivileged OS user when strata runs as
 * root (the server refuses to run as root).
 *
 * The user ("postgres" unless configured) is created with useradd when it
 * does not exist. Every server-side tool (initdb, pg_ctl) then runs with that
 * user's uid and gid, and the folders the server writes are owned by it.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster/cluster_int.h"

static int lookup(strata_cluster *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(c->os_user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	c->server_uid = pw.pw_uid;
	c->server_gid = pw.pw_gid;
	return 1;
}

static int create_user(strata_cluster *c, strata_error *err)
{
	static const char *const candidates[] = { "/usr/sbin/useradd", "/sbin/useradd" };
	strata_buf errout = STRATA_BUF_INIT;
	const char *argv[12];
	const char *useradd = NULL;
	st_proc_opts po;
	size_t i;
	int status = -1, rc;

	for (i = 0; i < ST_ARRAY_LEN(candidates); i++)
		if (st_is_executable(candidates[i]))
			useradd = candidates[i];
	if (useradd == NULL)
		return strata_error_set(err, STRATA_EENV,
			"OS user '%s' does not exist and useradd is not available to create it", c->os_user);
	argv[0] = useradd;
	argv[1] = "--system";
	argv[2] = "--user-group";
	argv[3] = "--no-create-home";
	argv[4] = "--home-dir";
	argv[5] = "/var/lib/postgresql";
	argv[6] = "--shell";
	argv[7] = "/usr/sbin/nologin";
	argv[8] = "--comment";
	argv[9] = "PostgreSQL server (created by strata)";
	argv[10] = c->os_user;
	argv[11] = NULL;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.errout = &errout;
	po.timeout_ms = 60000;
	rc = st_proc_run(&status, &po, err);
	if (rc == 0 && status != 0) {
		strata_buf_rtrim(&errout);
		rc = strata_error_set(err, STRATA_EENV, "cannot create OS user '%s': %s", c->os_user,
			strata_buf_cstr(&errout));
	}
	strata_buf_release(&errout);
	if (rc != 0)
		return rc;
	if (c->notify != NULL) {
		strata_buf msg = STRATA_BUF_INIT;
		strata_buf_printf(&msg, "created OS user '%s' to run the PostgreSQL server", c->os_user);
		c->notify(strata_buf_cstr(&msg), c->notify_ud);
		strata_buf_release(&msg);
	}
	if (!lookup(c))
		return strata_error_set(err, STRATA_EENV, "OS user '%s' was created but cannot be found",
			c->os_user);
	return 0;
}

int st_cluster_server_user(strata_cluster *c, int create, strata_error *err)
{
	if (geteuid() != 0) {
		c->as_other_user = 0;
		c->server_uid = geteuid();
		c->server_gid = getegid();
		return 0;
	}
	c->as_other_user = 1;
	if (lookup(c))
		return 0;
	if (!create)
		return strata_error_set(err, STRATA_EENV, "OS user '%s' does not exist", c->os_user);
	return create_user(c, err);
}

int st_cluster_user_can_reach(const char *path, uid_t uid, gid_t gid)
{
	pid_t pid;
	int status = 0;

	if (geteuid() != 0)
		return access(path, X_OK) == 0;
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(2);
		_exit(access(path, X_OK) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int st_cluster_mkdir_server(strata_cluster *c, const char *path, strata_error *err)
{
	int rc = st_mkdir_p(path, 0700, err);

	if (rc != 0)
		return rc;
	if (chmod(path, 0700) != 0)
		return strata_error_set(err, STRATA_EIO, "cannot set the mode of '%s': %s", path,
			strerror(errno));
	if (c->as_other_user)
		return st_chown_tree(path, c->server_uid, c->server_gid, err);
	return 0;
}

int st_cluster_run(int *status, strata_cluster *c, const char *const *argv, int64_t timeout_ms,
	strata_buf *out, strata_buf *errout, strata_error *err)
{
	/* A predictable environment: no stray PG* settings, a UTF-8 capable locale. */
	static const char *const env[] = {
		"PGDATA", "PGPORT", "PGHOST", "PGHOSTADDR", "PGUSER", "PGDATABASE", "PGOPTIONS",
		"PGSERVICE", "PGPASSWORD", "PGPASSFILE", "PGTZ", "PGCLIENTENCODING",
		"LC_ALL=C.UTF-8", "LANG=C.UTF-8", NULL
	};
	st_proc_opts po;

	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.cwd = "/";
	po.run_as = c->as_other_user;
	po.uid = c->server_uid;
	po.gid = c->server_gid;
	po.timeout_ms = timeout_ms;
	po.out = out;
	po.errout = errout;
	return st_proc_run(status, &po, err);
}
