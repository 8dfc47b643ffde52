/*
 * lifecycle.c: creating, starting, recovering, stopping and resetting a
 * local cluster (see strata/cluster.h for the folder layout).
 *
 * Every operation holds the folder's lock (.lock, flock) so that two strata
 * commands never race on one cluster. Recovery after a crash or kill -9 is
 * explicit: leftover backends of the dead postmaster are killed and the stale
 * postmaster.pid removed before the server starts and replays its WAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "cluster/cluster_int.h"

static void say(strata_cluster *c, const char *fmt, ...) STRATA_PRINTF(2, 3);

static void say(strata_cluster *c, const char *fmt, ...)
{
	strata_buf msg = STRATA_BUF_INIT;
	va_list ap;

	if (c->notify == NULL)
		return;
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!strata_buf_failed(&msg))
		c->notify(strata_buf_cstr(&msg), c->notify_ud);
	strata_buf_release(&msg);
}

/* The line of the server log that says why it stopped: the last FATAL (or PANIC). */
static void log_tail(strata_buf *out, const char *log_file)
{
	strata_buf content = STRATA_BUF_INIT;
	const char *p, *best = NULL;

	if (st_file_read(&content, log_file, 0, NULL) != 0 || content.len == 0) {
		strata_buf_release(&content);
		return;
	}
	/* The last FATAL or PANIC line explains a failed start best. */
	for (p = content.ptr; (p = strstr(p, "FATAL:")) != NULL; p++)
		best = p;
	if (best == NULL)
		for (p = content.ptr; (p = strstr(p, "PANIC:")) != NULL; p++)
			best = p;
	if (best != NULL) {
		const char *nl = strchr(best, '\n');
		strata_buf_append(out, best, nl ? (size_t)(nl - best) : strlen(best));
	}
	strata_buf_release(&content);
}

static int set_field(char **field, const char *value)
{
	char *copy = st_strdup(value);

	if (copy == NULL)
		return STRATA_ENOMEM;
	st_free(*field);
	*field = copy;
	return 0;
}

/* Makes sure the binaries match the data directory's major version. */
static int resolve_binaries(strata_cluster *c, strata_error *err)
{
	strata_buf dir = STRATA_BUF_INIT;
	int want = st_cluster_data_major(c);
	int rc, major = 0;

	if (c->bindir[0] != '\0' && st_cluster_binary_major(&major, c->bindir, NULL) == 0 &&
		(want == 0 || major == want)) {
		c->pg_major = major;
		return 0;
	}
	if (c->bindir_opt != NULL) {
		if (major == 0)
			return strata_error_set(err, STRATA_EENV,
				"'%s' does not hold PostgreSQL's server binaries", c->bindir_opt);
		return strata_error_set(err, STRATA_EENV,
			"'%s' holds PostgreSQL %d but the cluster was created with version %d",
			c->bindir_opt, major, want);
	}
	rc = strata_cluster_find_bindir(&dir, want, err);
	if (rc == 0)
		rc = st_cluster_binary_major(&major, strata_buf_cstr(&dir), err);
	if (rc == 0 && set_field(&c->bindir, strata_buf_cstr(&dir)) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (rc == 0)
		c->pg_major = major;
	strata_buf_release(&dir);
	return rc;
}

static int set_joined(char **field, const char *a, const char *b)
{
	strata_buf p = STRATA_BUF_INIT;
	int rc = st_path_join(&p, a, b);

	if (rc == 0)
		rc = set_field(field, strata_buf_cstr(&p));
	strata_buf_release(&p);
	return rc;
}

/*
 * Where data, socket and log go for a new cluster. When root runs strata and
 * the server's user cannot traverse into the cluster folder, the data moves
 * to /var/lib/strata/clusters/<hash>; a socket path past the kernel's
 * 107-byte limit moves to /tmp/strata-<hash>.
 */
static int plan_paths(strata_cluster *c, strata_error *err)
{
	char hash[2 * ST_SHA256_LEN + 1];
	strata_buf base = STRATA_BUF_INIT;
	int rc = 0;

	if (st_sha256_hex(hash, c->dir, strlen(c->dir)) != 0)
		return strata_error_set(err, STRATA_EINTERNAL, "cannot hash '%s'", c->dir);
	hash[16] = '\0';
	if (c->as_other_user && !st_cluster_user_can_reach(c->dir, c->server_uid, c->server_gid)) {
		strata_buf_printf(&base, "/var/lib/strata/clusters/%s", hash);
		if (strata_buf_failed(&base))
			goto oom;
		say(c, "OS user '%s' cannot reach '%s'; keeping the cluster's data in '%s'",
			c->os_user, c->dir, strata_buf_cstr(&base));
		rc = st_mkdir_p(strata_buf_cstr(&base), 0755, err);
		if (rc != 0)
			goto done;
		if (set_joined(&c->data_dir, strata_buf_cstr(&base), "data") != 0 ||
			set_joined(&c->sock_dir, strata_buf_cstr(&base), "run") != 0 ||
			set_joined(&c->log_dir, strata_buf_cstr(&base), "log") != 0)
			goto oom;
	}
	if (strlen(c->sock_dir) + strlen("/.s.PGSQL.65535") > 107) {
		strata_buf_clear(&base);
		strata_buf_printf(&base, "/tmp/strata-%s", hash);
		if (strata_buf_failed(&base) || set_field(&c->sock_dir, strata_buf_cstr(&base)) != 0)
			goto oom;
	}
	if (set_joined(&c->log_file, c->log_dir, "server.log") != 0)
		goto oom;
done:
	strata_buf_release(&base);
	return rc;
oom:
	strata_buf_release(&base);
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

/* Keeps .strata/ out of version control. */
static void ignore_in_git(const char *dir)
{
	static const char gitignore[] = "# Local state of strata (the dev cluster); never commit it.\n*\n";
	strata_buf parent = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	const char *slash = strrchr(dir, '/');

	if (slash != NULL) {
		strata_buf_append(&parent, dir, (size_t)(slash - dir));
		if (st_str_ends_with(strata_buf_cstr(&parent), "/.strata")) {
			st_path_join(&path, strata_buf_cstr(&parent), ".gitignore");
			if (!strata_buf_failed(&path) && !st_path_exists(strata_buf_cstr(&path)))
				st_file_write_atomic(strata_buf_cstr(&path), gitignore, sizeof(gitignore) - 1, 0644,
					NULL);
		}
	}
	strata_buf_release(&parent);
	strata_buf_release(&path);
}

static const char *initdb_locale(void)
{
	const char *saved = setlocale(LC_CTYPE, NULL);
	char keep[64];
	const char *ok;

	st_strlcpy(keep, saved ? saved : "C", sizeof(keep));
	ok = setlocale(LC_CTYPE, "C.UTF-8");
	setlocale(LC_CTYPE, keep);
	return ok != NULL ? "C.UTF-8" : "C";
}

static int write_server_file(strata_cluster *c, const char *path, const char *text, int mode,
	strata_error *err)
{
	int rc = st_file_write_atomic(path, text, strlen(text), mode, err);

	if (rc == 0 && c->as_other_user && chown(path, c->server_uid, c->server_gid) != 0)
		rc = strata_error_set(err, STRATA_EIO, "cannot change the owner of '%s': %s", path,
			strerror(errno));
	return rc;
}

static int append_include(const char *data_dir, strata_error *err)
{
	static const char line[] =
		"\n# Added by strata: its settings (port, socket, listen address) live here.\n"
		"include_if_exists = 'strata.conf'\n";
	strata_buf path = STRATA_BUF_INIT;
	int fd, rc = 0;

	st_path_join(&path, data_dir, "postgresql.conf");
	fd = open(strata_buf_cstr(&path), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1))
		rc = strata_error_set(err, STRATA_EIO, "cannot update '%s': %s", strata_buf_cstr(&path),
			strerror(errno));
	if (fd >= 0)
		close(fd);
	strata_buf_release(&path);
	return rc;
}

static int create_cluster(strata_cluster *c, strata_error *err)
{
	unsigned char raw[24];
	char password[2 * sizeof(raw) + 1];
	strata_buf initdb = STRATA_BUF_INIT, pwfile = STRATA_BUF_INIT, pwopt = STRATA_BUF_INIT;
	strata_buf locale = STRATA_BUF_INIT, staging = STRATA_BUF_INIT;
	strata_buf out = STRATA_BUF_INIT, errout = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	const char *argv[16];
	int n = 0, status = -1, rc;

	rc = st_mkdir_p(c->dir, 0755, err);
	if (rc != 0)
		goto done;
	ignore_in_git(c->dir);
	rc = st_cluster_server_user(c, 1, err);
	if (rc != 0)
		goto done;
	rc = plan_paths(c, err);
	if (rc != 0)
		goto done;
	rc = resolve_binaries(c, err);
	if (rc != 0)
		goto done;
	/*
	 * initdb fills <data>.initdb, renamed to <data> only once complete, so
	 * that an interrupted up never leaves a data folder that looks real.
	 */
	strata_buf_printf(&staging, "%s.initdb", c->data_dir);
	if (strata_buf_failed(&staging)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = st_rmtree(strata_buf_cstr(&staging), err)) != 0 ||
		(rc = st_rmtree(c->data_dir, err)) != 0)
		goto done;
	say(c, "creating a PostgreSQL %d cluster in '%s'", c->pg_major, c->dir);
	if ((rc = st_cluster_mkdir_server(c, strata_buf_cstr(&staging), err)) != 0 ||
		(rc = st_cluster_mkdir_server(c, c->log_dir, err)) != 0 ||
		(rc = st_cluster_mkdir_server(c, c->sock_dir, err)) != 0)
		goto done;

	rc = st_random_bytes(raw, sizeof(raw), err);
	if (rc != 0)
		goto done;
	st_hex_encode(password, raw, sizeof(raw));
	st_path_join(&pwfile, c->log_dir, ".initdb-password");
	strata_buf_printf(&text, "%s\n", password);
	rc = write_server_file(c, strata_buf_cstr(&pwfile), strata_buf_cstr(&text), 0600, err);
	if (rc != 0)
		goto done;

	st_cluster_tool(&initdb, c, "initdb");
	strata_buf_printf(&pwopt, "--pwfile=%s", strata_buf_cstr(&pwfile));
	argv[n++] = strata_buf_cstr(&initdb);
	argv[n++] = "-D";
	argv[n++] = strata_buf_cstr(&staging);
	argv[n++] = "--username=postgres";
	argv[n++] = "--encoding=UTF8";
	strata_buf_printf(&locale, "--locale=%s", initdb_locale());
	argv[n++] = strata_buf_cstr(&locale);
	argv[n++] = "--auth-local=trust";
	argv[n++] = "--auth-host=scram-sha-256";
	argv[n++] = strata_buf_cstr(&pwopt);
	if (c->ephemeral)
		argv[n++] = "--no-sync";
	argv[n] = NULL;
	if (strata_buf_failed(&initdb) || strata_buf_failed(&pwopt) || strata_buf_failed(&pwfile) ||
		strata_buf_failed(&locale)) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	rc = st_cluster_run(&status, c, argv, 300000, &out, &errout, err);
	unlink(strata_buf_cstr(&pwfile));
	if (rc == 0 && status != 0) {
		strata_buf_rtrim(&errout);
		rc = strata_error_set(err, STRATA_EENV, "initdb failed (exit %d)", status);
		strata_error_detail(err, "%s", strata_buf_cstr(&errout));
	}
	if (rc != 0)
		goto done;
	rc = append_include(strata_buf_cstr(&staging), err);
	if (rc != 0)
		goto done;
	if (rename(strata_buf_cstr(&staging), c->data_dir) != 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot rename '%s' to '%s': %s",
			strata_buf_cstr(&staging), c->data_dir, strerror(errno));
		goto done;
	}

	/* The password only ever lives in this 0600 libpq password file. */
	strata_buf_clear(&text);
	strata_buf_printf(&text, "# Superuser password of the strata dev cluster (libpq password file).\n"
		"127.0.0.1:*:*:postgres:%s\nlocalhost:*:*:postgres:%s\n", password, password);
	rc = st_file_write_atomic(c->pgpass_file, text.ptr, text.len, 0600, err);
	if (rc != 0)
		goto done;
	rc = st_cluster_meta_save(c, err);
done:
	memset(password, 0, sizeof(password));
	if (text.ptr != NULL)
		memset(text.ptr, 0, text.cap);
	strata_buf_release(&initdb);
	strata_buf_release(&pwfile);
	strata_buf_release(&pwopt);
	strata_buf_release(&locale);
	strata_buf_release(&staging);
	strata_buf_release(&out);
	strata_buf_release(&errout);
	strata_buf_release(&text);
	return rc;
}

static int write_strata_conf(strata_cluster *c, strata_error *err)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	const char *p;
	int rc;

	strata_buf_puts(&text, "# Written by strata at every start; edit postgresql.conf instead.\n");
	strata_buf_printf(&text, "port = %d\n", c->port);
	strata_buf_puts(&text, "listen_addresses = '127.0.0.1'\n");
	strata_buf_puts(&text, "unix_socket_directories = '");
	for (p = c->sock_dir; *p != '\0'; p++) {
		if (*p == '\'')
			strata_buf_putc(&text, '\'');
		strata_buf_putc(&text, *p);
	}
	strata_buf_puts(&text, "'\n");
	strata_buf_puts(&text, "unix_socket_permissions = 0700\n");
	strata_buf_puts(&text, "max_connections = 200\n");
	if (c->ephemeral)
		strata_buf_puts(&text,
			"# An ephemeral test cluster: fast, and not crash-safe.\n"
			"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
	st_path_join(&path, c->data_dir, "strata.conf");
	if (strata_buf_failed(&text) || strata_buf_failed(&path))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	else
		rc = write_server_file(c, strata_buf_cstr(&path), strata_buf_cstr(&text), 0600, err);
	strata_buf_release(&text);
	strata_buf_release(&path);
	return rc;
}

static int choose_port(strata_cluster *c, strata_error *err)
{
	int old = c->port, rc;

	if (old > 0 && st_cluster_port_free(old))
		return 0;
	rc = st_cluster_pick_port(&c->port, err);
	if (rc != 0)
		return rc;
	if (old > 0)
		say(c, "port %d is taken; the cluster now listens on port %d", old, c->port);
	return 0;
}

static int pg_ctl(strata_cluster *c, const char *const *args, int64_t timeout_ms, strata_buf *errout,
	int *status, strata_error *err)
{
	strata_buf prog = STRATA_BUF_INIT;
	const char *argv[16];
	int n = 0, rc;

	st_cluster_tool(&prog, c, "pg_ctl");
	argv[n++] = strata_buf_cstr(&prog);
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	rc = st_cluster_run(status, c, argv, timeout_ms, NULL, errout, err);
	strata_buf_release(&prog);
	return rc;
}

static int start_server(strata_cluster *c, strata_error *err)
{
	strata_buf errout = STRATA_BUF_INIT, why = STRATA_BUF_INIT, timeout = STRATA_BUF_INIT;
	int attempt, status = -1, rc = 0;

	if ((rc = st_cluster_mkdir_server(c, c->sock_dir, err)) != 0 ||
		(rc = st_cluster_mkdir_server(c, c->log_dir, err)) != 0)
		goto done;
	strata_buf_printf(&timeout, "%d", c->start_timeout_s);
	for (attempt = 1; attempt <= 3; attempt++) {
		const char *args[] = { "start", "-D", c->data_dir, "-l", c->log_file, "-w", "-t",
			strata_buf_cstr(&timeout), "-s", NULL };

		if ((rc = choose_port(c, err)) != 0 || (rc = write_strata_conf(c, err)) != 0 ||
			(rc = st_cluster_build_urls(c)) != 0 || (rc = st_cluster_meta_save(c, err)) != 0)
			goto done;
		strata_buf_clear(&errout);
		rc = pg_ctl(c, args, (int64_t)(c->start_timeout_s + 30) * 1000, &errout, &status, err);
		if (rc != 0)
			goto done;
		if (status == 0)
			break;
		strata_buf_clear(&why);
		log_tail(&why, c->log_file);
		/* Another process took the port between the check and the start: try another. */
		if (strstr(strata_buf_cstr(&why), "could not bind") != NULL ||
			strstr(strata_buf_cstr(&why), "could not create any TCP/IP sockets") != NULL) {
			c->port = 0;
			continue;
		}
		break;
	}
	if (status != 0) {
		strata_buf_rtrim(&errout);
		rc = strata_error_set(err, STRATA_EENV, "the PostgreSQL server did not start: %s",
			why.len ? strata_buf_cstr(&why) : errout.len ? strata_buf_cstr(&errout)
			: "see the server log");
		strata_error_detail(err, "server log: %s", c->log_file);
		goto done;
	}
	rc = st_cluster_accepting(c, c->start_timeout_s * 1000, err);
	if (rc != 0)
		strata_error_prefix(err, "the server started but does not answer");
done:
	strata_buf_release(&errout);
	strata_buf_release(&why);
	strata_buf_release(&timeout);
	return rc;
}

/* Clears what a dead server left: its orphaned backends, postmaster.pid, socket locks. */
static int clear_remains(strata_cluster *c, strata_error *err)
{
	strata_buf path = STRATA_BUF_INIT;
	int left, rc = 0;

	left = st_cluster_kill_procs(c->data_dir, SIGKILL, 5000);
	if (left > 0) {
		rc = strata_error_set(err, STRATA_EENV,
			"%d process(es) of the old server in '%s' will not exit", left, c->data_dir);
		goto done;
	}
	st_path_join(&path, c->data_dir, "postmaster.pid");
	if (unlink(strata_buf_cstr(&path)) != 0 && errno != ENOENT) {
		rc = strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", strata_buf_cstr(&path),
			strerror(errno));
		goto done;
	}
	if (c->port > 0) {
		strata_buf_clear(&path);
		strata_buf_printf(&path, "%s/.s.PGSQL.%d.lock", c->sock_dir, c->port);
		unlink(strata_buf_cstr(&path));
		strata_buf_clear(&path);
		strata_buf_printf(&path, "%s/.s.PGSQL.%d", c->sock_dir, c->port);
		unlink(strata_buf_cstr(&path));
	}
done:
	strata_buf_release(&path);
	return rc;
}

static void say_root_once(strata_cluster *c)
{
	if (c->as_other_user)
		say(c, "strata runs as root and PostgreSQL refuses to: the server runs as OS user '%s'",
			c->os_user);
}

static int up_locked(strata_cluster *c, strata_cluster_action *action, strata_error *err)
{
	st_pidfile pf;
	strata_cluster_state state = st_cluster_detect(c, &pf);
	int rc;

	switch (state) {
	case STRATA_CLUSTER_RUNNING:
		if (pf.port > 0 && pf.port != c->port) {
			c->port = pf.port;
			st_cluster_build_urls(c);
		}
		rc = st_cluster_accepting(c, c->start_timeout_s * 1000, err);
		if (rc == 0 && c->bindir[0] == '\0')
			resolve_binaries(c, NULL);
		*action = STRATA_CLUSTER_ALREADY_RUNNING;
		return rc;
	case STRATA_CLUSTER_ABSENT:
		rc = create_cluster(c, err);
		if (rc != 0)
			return rc;
		say_root_once(c);
		*action = STRATA_CLUSTER_CREATED;
		break;
	case STRATA_CLUSTER_STALE:
		if (pf.pid > 0)
			say(c, "the server was not shut down cleanly (postmaster.pid names PID %d, which no longer runs it): recovering",
				pf.pid);
		else
			say(c, "the server was not shut down cleanly (its postmaster.pid is empty or damaged): recovering");
		rc = st_cluster_server_user(c, 1, err);
		if (rc == 0)
			rc = clear_remains(c, err);
		if (rc != 0)
			return rc;
		say_root_once(c);
		*action = STRATA_CLUSTER_RECOVERED;
		break;
	case STRATA_CLUSTER_STOPPED:
		rc = st_cluster_server_user(c, 1, err);
		if (rc != 0)
			return rc;
		/* A killed server whose postmaster.pid vanished can still leave backends. */
		rc = clear_remains(c, err);
		if (rc != 0)
			return rc;
		say_root_once(c);
		*action = STRATA_CLUSTER_STARTED;
		break;
	}
	rc = resolve_binaries(c, err);
	if (rc == 0)
		rc = start_server(c, err);
	return rc;
}

/* What a locked operation does while it holds the folder's lock. */
typedef int (*locked_fn)(strata_cluster *c, strata_cluster_action *action, strata_error *err);

/*
 * Runs fn holding the cluster folder's lock. create: make the folder first
 * (up, reset); otherwise a missing folder means there is nothing to do.
 */
static int with_lock(strata_cluster *c, int create, locked_fn fn, strata_cluster_action *action,
	strata_error *err)
{
	int rc;

	if (create) {
		rc = st_mkdir_p(c->dir, 0755, err);
		if (rc != 0)
			return rc;
	} else if (!st_is_dir(c->dir)) {
		return 0;
	}
	rc = st_cluster_lock(c, err);
	if (rc != 0)
		return rc;
	rc = fn(c, action, err);
	st_cluster_unlock(c);
	return rc;
}

int strata_cluster_up(strata_cluster_action *out, strata_cluster *c, strata_error *err)
{
	strata_cluster_action action = STRATA_CLUSTER_ALREADY_RUNNING;
	int rc = with_lock(c, 1, up_locked, &action, err);

	if (out != NULL)
		*out = action;
	return rc;
}

static int down_locked(strata_cluster *c, strata_cluster_action *action, strata_error *err)
{
	strata_buf errout = STRATA_BUF_INIT;
	st_pidfile pf;
	strata_cluster_state state = st_cluster_detect(c, &pf);
	int status = -1, rc = 0;

	ST_UNUSED(action);
	if (state == STRATA_CLUSTER_ABSENT)
		return 0;
	if (state == STRATA_CLUSTER_RUNNING) {
		const char *args[] = { "stop", "-D", c->data_dir, "-m", "fast", "-w", "-t", "60", "-s",
			NULL };

		if (c->bindir[0] == '\0' || st_cluster_binary_major(&c->pg_major, c->bindir, NULL) != 0)
			rc = resolve_binaries(c, NULL);
		if (rc == 0)
			rc = pg_ctl(c, args, 90000, &errout, &status, NULL);
		if (rc != 0 || status != 0) {
			/* pg_ctl could not do it: an immediate shutdown, then the hard way. */
			kill(pf.pid, SIGQUIT);
			st_cluster_kill_procs(c->data_dir, 0, 5000);
		}
	}
	rc = clear_remains(c, err);
	strata_buf_release(&errout);
	return rc;
}

int strata_cluster_down(strata_cluster *c, strata_error *err)
{
	return with_lock(c, 0, down_locked, NULL, err);
}

/* Removes path unless it is missing; a relocated folder's parent goes too when empty. */
static int remove_owned(const char *path, const char *inside, strata_error *err)
{
	int rc = st_rmtree(path, err);

	if (rc == 0 && !st_str_starts_with(path, inside)) {
		/* Relocated (/var/lib/strata/clusters/<hash>/data): drop <hash>/ once empty. */
		strata_buf parent = STRATA_BUF_INIT;
		const char *slash = strrchr(path, '/');

		if (slash != NULL && slash != path) {
			strata_buf_append(&parent, path, (size_t)(slash - path));
			if (st_str_starts_with(strata_buf_cstr(&parent), "/var/lib/strata/clusters/"))
				rmdir(strata_buf_cstr(&parent));
		}
		strata_buf_release(&parent);
	}
	return rc;
}

/* Back to the default paths of a fresh cluster (a relocation is decided again). */
static int forget_paths(strata_cluster *c, strata_error *err)
{
	st_free(c->data_dir);
	st_free(c->sock_dir);
	st_free(c->log_dir);
	st_free(c->log_file);
	c->data_dir = c->sock_dir = c->log_dir = c->log_file = NULL;
	/* The port is kept as a preference; the URLs only exist with a cluster. */
	st_free(c->url);
	st_free(c->socket_url);
	c->url = c->socket_url = NULL;
	if (st_cluster_default_paths(c) != 0)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Everything the cluster owns goes; the handle is back to a fresh cluster's paths. */
static int destroy_locked(strata_cluster *c, strata_cluster_action *action, strata_error *err)
{
	strata_buf inside = STRATA_BUF_INIT;
	int rc;

	strata_buf_printf(&inside, "%s/", c->dir);
	rc = down_locked(c, action, err);
	if (rc == 0) {
		/* What an interrupted creation left (see create_cluster). */
		strata_buf staging = STRATA_BUF_INIT;

		strata_buf_printf(&staging, "%s.initdb", c->data_dir);
		rc = st_rmtree(strata_buf_cstr(&staging), err);
		strata_buf_release(&staging);
	}
	if (rc == 0)
		rc = remove_owned(c->data_dir, strata_buf_cstr(&inside), err);
	if (rc == 0)
		rc = remove_owned(c->log_dir, strata_buf_cstr(&inside), err);
	if (rc == 0)
		rc = remove_owned(c->sock_dir, strata_buf_cstr(&inside), err);
	if (rc == 0 && unlink(c->pgpass_file) != 0 && errno != ENOENT)
		rc = strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", c->pgpass_file,
			strerror(errno));
	if (rc == 0 && unlink(c->conf_file) != 0 && errno != ENOENT)
		rc = strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", c->conf_file,
			strerror(errno));
	if (rc == 0)
		rc = forget_paths(c, err);
	strata_buf_release(&inside);
	return rc;
}

int strata_cluster_destroy(strata_cluster *c, strata_error *err)
{
	return with_lock(c, 0, destroy_locked, NULL, err);
}

static int reset_locked(strata_cluster *c, strata_cluster_action *action, strata_error *err)
{
	int rc = destroy_locked(c, action, err);

	return rc == 0 ? up_locked(c, action, err) : rc;
}

int strata_cluster_reset(strata_cluster *c, strata_error *err)
{
	strata_cluster_action action;

	return with_lock(c, 1, reset_locked, &action, err);
}
