/*
 * test_cluster.c: the local-cluster lifecycle through the library, on real
 * PostgreSQL: create, idempotent up, connect over the socket and over TCP
 * with the generated password, recovery after kill -9 of the postmaster with
 * the data intact, down leaving no live process, a taken port, reset, two
 * concurrent ups, a binaries/data version mismatch, and (as root) a project
 * folder the server's OS user cannot enter. Each test makes its own cluster
 * in a temporary folder.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "cluster/cluster_int.h"

typedef struct fixture {
	char *root;       /* a project folder */
	char *dir;        /* <root>/.strata/cluster */
	strata_cluster *c;
	int notices;
	char last_notice[512];
} fixture;

static void record_notice(const char *msg, void *ud)
{
	fixture *f = ud;

	f->notices++;
	st_strlcpy(f->last_notice, msg, sizeof(f->last_notice));
}

static strata_cluster *open_cluster(fixture *f, int ephemeral)
{
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *c = NULL;

	opts.dir = f->dir;
	opts.ephemeral = ephemeral;
	opts.notify = record_notice;
	opts.notify_ud = f;
	th_ok(strata_cluster_open(&c, &opts, &err), &err);
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	strata_buf dir = STRATA_BUF_INIT;

	f->root = th_tempdir("cluster");
	strata_project_cluster_dir(&dir, f->root);
	f->dir = strata_buf_detach(&dir);
	f->c = open_cluster(f, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;

	th_ok(strata_cluster_destroy(f->c, &err), &err);
	strata_cluster_free(f->c);
	th_rmtree(f->root);
	strata_free(f->dir);
	free(f->root);
	free(f);
	return 0;
}

static strata_cluster_status status_of(strata_cluster *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status st;

	th_ok(strata_cluster_get_status(&st, c, &err), &err);
	return st;
}

static strata_cluster_action up(strata_cluster *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_action a = STRATA_CLUSTER_ALREADY_RUNNING;

	th_ok(strata_cluster_up(&a, c, &err), &err);
	return a;
}

static void down(strata_cluster *c)
{
	strata_error err = STRATA_ERROR_INIT;

	th_ok(strata_cluster_down(c, &err), &err);
}

static char *query_one(const char *url, const char *sql)
{
	strata_conn *conn = th_connect(url);
	char *v = th_value(conn, sql);

	strata_conn_close(conn);
	return v;
}

static void up_creates_then_is_idempotent(void **state)
{
	fixture *f = *state;
	strata_cluster_status st;
	struct stat sb;
	char path[1024];
	char *v, *url_before;

	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_ABSENT);
	assert_null(strata_cluster_url(f->c));
	assert_int_equal(up(f->c), STRATA_CLUSTER_CREATED);
	st = status_of(f->c);
	assert_int_equal(st.state, STRATA_CLUSTER_RUNNING);
	assert_true(st.accepting);
	assert_true(st.pid > 0);
	assert_true(st.port > 0);
	assert_true(st.size_bytes > 1000000);
	{
		int major = 0;
		assert_int_equal(st_cluster_binary_major(&major, strata_cluster_bindir(f->c), NULL), 0);
		assert_int_equal(st.pg_major, major);
	}
	url_before = strdup(strata_cluster_url(f->c));

	/* Up again: nothing changes, same server, same URL. */
	assert_int_equal(up(f->c), STRATA_CLUSTER_ALREADY_RUNNING);
	assert_int_equal(status_of(f->c).pid, st.pid);
	assert_string_equal(strata_cluster_url(f->c), url_before);

	/* The socket URL (trust) and the TCP URL (scram, password from passfile) both work. */
	v = query_one(strata_cluster_socket_url(f->c), "SELECT 1 + 1");
	assert_string_equal(v, "2");
	strata_free(v);
	v = query_one(strata_cluster_url(f->c), "SELECT inet_server_addr()::text");
	assert_string_equal(v, "127.0.0.1/32");
	strata_free(v);

	/* No secret in the URLs; the password file is private. */
	assert_null(strstr(url_before, "password"));
	assert_int_equal(stat(f->c->pgpass_file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* .strata/ is kept out of version control. */
	snprintf(path, sizeof(path), "%s/.strata/.gitignore", f->root);
	assert_int_equal(access(path, F_OK), 0);
	free(url_before);
}

static pid_t postmaster_pid(strata_cluster *c)
{
	st_pidfile pf;

	assert_int_equal(st_cluster_read_pidfile(&pf, strata_cluster_data_dir(c)), 0);
	return pf.pid;
}

static void kill_9_is_detected_and_recovered_with_data_intact(void **state)
{
	fixture *f = *state;
	strata_conn *conn;
	char *v;
	pid_t pid;

	/* A durable cluster: what was committed must survive the crash. */
	strata_cluster_free(f->c);
	f->c = open_cluster(f, 0);
	up(f->c);
	conn = th_connect(strata_cluster_socket_url(f->c));
	th_exec(conn, "CREATE TABLE survivor (v int); INSERT INTO survivor VALUES (42)");
	pid = postmaster_pid(f->c);
	assert_int_equal(kill(pid, SIGKILL), 0);
	/* The backend of our open connection notices the postmaster died and exits. */
	while (st_cluster_pid_is_ours(pid, strata_cluster_data_dir(f->c)))
		st_sleep_ms(20);
	strata_conn_close(conn);

	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_STALE);
	f->notices = 0;
	assert_int_equal(up(f->c), STRATA_CLUSTER_RECOVERED);
	assert_true(f->notices > 0);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_RUNNING);
	assert_int_not_equal(status_of(f->c).pid, pid);
	v = query_one(strata_cluster_socket_url(f->c), "SELECT v FROM survivor");
	assert_string_equal(v, "42");
	strata_free(v);
}

static void down_leaves_no_live_process(void **state)
{
	fixture *f = *state;
	int pids[16];
	strata_conn *conn;

	up(f->c);
	/* An open session must not keep anything alive after down. */
	conn = th_connect(strata_cluster_socket_url(f->c));
	assert_true(st_cluster_find_procs(pids, 16, strata_cluster_data_dir(f->c)) >= 2);
	down(f->c);
	assert_int_equal(st_cluster_find_procs(pids, 16, strata_cluster_data_dir(f->c)), 0);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_STOPPED);
	strata_conn_close(conn);
	/* Idempotent. */
	down(f->c);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_STOPPED);
	assert_int_equal(up(f->c), STRATA_CLUSTER_STARTED);
}

static void a_taken_port_moves_the_cluster(void **state)
{
	fixture *f = *state;
	struct sockaddr_in sa;
	int fd, old_port, one = 1;
	char *v;

	up(f->c);
	old_port = status_of(f->c).port;
	down(f->c);
	/* Someone else takes the port while the cluster is stopped. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)old_port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	f->notices = 0;
	assert_int_equal(up(f->c), STRATA_CLUSTER_STARTED);
	close(fd);
	assert_int_not_equal(status_of(f->c).port, old_port);
	assert_non_null(strstr(f->last_notice, "is taken"));
	v = query_one(strata_cluster_url(f->c), "SELECT current_setting('port')");
	assert_int_equal(strtol(v, NULL, 10), status_of(f->c).port);
	strata_free(v);
}

static void reset_deletes_everything(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *conn;
	char *v;

	up(f->c);
	conn = th_connect(strata_cluster_socket_url(f->c));
	th_exec(conn, "CREATE TABLE doomed (v int)");
	strata_conn_close(conn);
	th_ok(strata_cluster_reset(f->c, &err), &err);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_RUNNING);
	v = query_one(strata_cluster_socket_url(f->c),
		"SELECT count(*) FROM pg_class WHERE relname = 'doomed'");
	assert_string_equal(v, "0");
	strata_free(v);
}

static void concurrent_ups_make_one_cluster(void **state)
{
	fixture *f = *state;
	pid_t kids[3];
	int i, status;

	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			strata_error err = STRATA_ERROR_INIT;
			strata_cluster *c = open_cluster(f, 1);
			int rc = strata_cluster_up(NULL, c, &err);

			if (rc != 0)
				fprintf(stderr, "child up: %s\n", err.message);
			strata_cluster_free(c);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_RUNNING);
	assert_int_equal(up(f->c), STRATA_CLUSTER_ALREADY_RUNNING);
}

static void version_mismatch_is_explained(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	char path[1024];
	char *original;

	up(f->c);
	down(f->c);
	snprintf(path, sizeof(path), "%s/PG_VERSION", strata_cluster_data_dir(f->c));
	original = th_read_text(path);
	th_write_file(path, "99\n", 0600);
	strata_cluster_free(f->c);
	f->c = open_cluster(f, 1);
	assert_int_equal(strata_cluster_up(NULL, f->c, &err), STRATA_EENV);
	assert_non_null(strstr(err.message, "PostgreSQL 99"));
	assert_non_null(strstr(err.hint, "strata dev reset"));
	th_write_file(path, original, 0600);
	free(original);
	if (geteuid() == 0)
		assert_int_equal(chown(path, f->c->server_uid, f->c->server_gid), 0);
}

static void unreachable_folder_relocates_data_when_root(void **state)
{
	fixture *f = *state;
	strata_cluster_status st;
	char *v;

	if (geteuid() != 0) {
		/* Only root runs the server as another user; CI runs as root, so this runs there. */
		skip();
	}
	/* A project under a 0700 folder (like /root): 'postgres' cannot enter it. */
	assert_int_equal(chmod(f->root, 0700), 0);
	assert_int_equal(up(f->c), STRATA_CLUSTER_CREATED);
	assert_non_null(strstr(strata_cluster_data_dir(f->c), "/var/lib/strata/clusters/"));
	st = status_of(f->c);
	assert_int_equal(st.state, STRATA_CLUSTER_RUNNING);
	v = query_one(strata_cluster_socket_url(f->c), "SELECT current_setting('data_directory')");
	assert_string_equal(v, strata_cluster_data_dir(f->c));
	strata_free(v);
	/* A fresh handle finds the relocated data through cluster.conf. */
	strata_cluster_free(f->c);
	f->c = open_cluster(f, 1);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_RUNNING);
	/* Destroying it removes the relocated folder too, leaving nothing in /var/lib. */
	{
		strata_error err = STRATA_ERROR_INIT;
		char *data = strdup(strata_cluster_data_dir(f->c));
		char *base = strdup(data);

		*strrchr(base, '/') = '\0';
		th_ok(strata_cluster_destroy(f->c, &err), &err);
		assert_int_equal(access(data, F_OK), -1);
		assert_int_equal(access(base, F_OK), -1);
		assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_ABSENT);
		free(data);
		free(base);
	}
	assert_int_equal(chmod(f->root, 0755), 0);
}

static void a_missing_server_user_is_created_when_root(void **state)
{
	fixture *f = *state;
	strata_cluster_options opts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster *c = NULL;
	char user[32], cmd[96];
	struct passwd *pw;
	char *who;
	int ok;

	if (geteuid() != 0) {
		/* Creating OS users needs root; CI runs as root, so this runs there. */
		skip();
	}
	snprintf(user, sizeof(user), "strata_t%ld", (long)getpid());
	assert_null(getpwnam(user));
	opts.dir = f->dir;
	opts.ephemeral = 1;
	opts.os_user = user;
	opts.notify = record_notice;
	opts.notify_ud = f;
	th_ok(strata_cluster_open(&c, &opts, &err), &err);
	th_ok(strata_cluster_up(NULL, c, &err), &err);
	pw = getpwnam(user);
	ok = pw != NULL;
	/* The server really runs as that user, and owns the data. */
	if (ok) {
		struct stat data, proc;
		char procdir[64];

		snprintf(procdir, sizeof(procdir), "/proc/%d", (int)postmaster_pid(c));
		ok = stat(strata_cluster_data_dir(c), &data) == 0 && data.st_uid == pw->pw_uid &&
			stat(procdir, &proc) == 0 && proc.st_uid == pw->pw_uid;
	}
	who = query_one(strata_cluster_socket_url(c), "SELECT current_user");
	/* Clean up before asserting, so that a failure leaves no user or server behind. */
	th_ok(strata_cluster_destroy(c, &err), &err);
	strata_cluster_free(c);
	snprintf(cmd, sizeof(cmd), "userdel %s", user);
	assert_int_equal(system(cmd), 0);
	assert_true(ok);
	assert_string_equal(who, "postgres");
	strata_free(who);
}

static void an_interrupted_creation_is_redone(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	char staging[1024], version[1100];

	/* What a Ctrl-C during initdb leaves: a staging folder that already has PG_VERSION. */
	snprintf(staging, sizeof(staging), "%s/data.initdb", f->dir);
	th_ok(st_mkdir_p(f->dir, 0755, &err), &err);
	th_ok(st_mkdir_p(staging, 0700, &err), &err);
	snprintf(version, sizeof(version), "%s/PG_VERSION", staging);
	th_write_file(version, "15\n", 0600);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_ABSENT);
	assert_int_equal(up(f->c), STRATA_CLUSTER_CREATED);
	assert_int_equal(access(staging, F_OK), -1);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_RUNNING);
}

static void destroy_removes_what_the_cluster_owns(void **state)
{
	fixture *f = *state;
	strata_error err = STRATA_ERROR_INIT;
	char path[1024];

	up(f->c);
	th_ok(strata_cluster_destroy(f->c, &err), &err);
	assert_int_equal(status_of(f->c).state, STRATA_CLUSTER_ABSENT);
	assert_null(strata_cluster_url(f->c));
	assert_int_equal(access(f->c->pgpass_file, F_OK), -1);
	assert_int_equal(access(f->c->conf_file, F_OK), -1);
	snprintf(path, sizeof(path), "%s/data", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	/* Idempotent, and the folder can hold a new cluster. */
	th_ok(strata_cluster_destroy(f->c, &err), &err);
	assert_int_equal(up(f->c), STRATA_CLUSTER_CREATED);
}

static void long_paths_move_the_socket(void **state)
{
	fixture *f = *state;
	char deep[1024];
	strata_buf dir = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;
	char *v;

	/* A project path long enough that <dir>/run/.s.PGSQL.N exceeds 107 bytes. */
	snprintf(deep, sizeof(deep), "%s/%s/%s", f->root,
		"a-rather-long-folder-name-for-a-project-checkout",
		"and-another-long-component-to-pass-the-limit");
	th_ok(st_mkdir_p(deep, 0755, &err), &err);
	strata_cluster_free(f->c);
	strata_free(f->dir);
	strata_project_cluster_dir(&dir, deep);
	f->dir = strata_buf_detach(&dir);
	f->c = open_cluster(f, 1);
	assert_int_equal(up(f->c), STRATA_CLUSTER_CREATED);
	assert_true(strlen(strata_cluster_socket_dir(f->c)) + 16 <= 107);
	assert_non_null(strstr(strata_cluster_socket_dir(f->c), "/tmp/strata-"));
	v = query_one(strata_cluster_socket_url(f->c), "SELECT 7");
	assert_string_equal(v, "7");
	strata_free(v);
	{
		/* destroy removes the relocated socket folder too. */
		char *sock = strdup(strata_cluster_socket_dir(f->c));

		th_ok(strata_cluster_destroy(f->c, &err), &err);
		assert_int_equal(access(sock, F_OK), -1);
		free(sock);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(up_creates_then_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(kill_9_is_detected_and_recovered_with_data_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(down_leaves_no_live_process, setup, teardown),
		cmocka_unit_test_setup_teardown(a_taken_port_moves_the_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(reset_deletes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_ups_make_one_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(version_mismatch_is_explained, setup, teardown),
		cmocka_unit_test_setup_teardown(unreachable_folder_relocates_data_when_root, setup, teardown),
		cmocka_unit_test_setup_teardown(long_paths_move_the_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_removes_what_the_cluster_owns, setup, teardown),
		cmocka_unit_test_setup_teardown(an_interrupted_creation_is_redone, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_server_user_is_created_when_root, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
