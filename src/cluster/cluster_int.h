/*
 * cluster_int.h: internals of the local-cluster module (src/cluster only).
 */
#ifndef STRATA_SRC_CLUSTER_INT_H
#define STRATA_SRC_CLUSTER_INT_H

#include <sys/types.h>

#include "strata/cluster.h"

#include "base/base.h"

struct strata_cluster {
	strata_cluster_notify_fn notify;
	void *notify_ud;
	int ephemeral;
	int start_timeout_s;
	char *bindir_opt;       /* bindir from the options, or NULL */
	char *os_user;          /* the server's OS user when root */

	char *dir;              /* absolute cluster folder */
	char *conf_file;        /* <dir>/cluster.conf */
	char *pgpass_file;      /* <dir>/pgpass */
	char *lock_file;        /* <dir>/.lock */
	char *data_dir;
	char *sock_dir;
	char *log_dir;
	char *log_file;

	char *bindir;           /* "" until known */
	int pg_major;           /* of the binaries, once known */
	int port;               /* 0 until chosen */

	int as_other_user;      /* the server runs as os_user (we are root) */
	uid_t server_uid;
	gid_t server_gid;

	char *url;
	char *socket_url;
	int lock_fd;
};

/* ---- bindir.c ---- */
/* Major version of the postgres binary in bindir ("postgres --version"). */
int st_cluster_binary_major(int *out, const char *bindir, strata_error *err);
/* <bindir>/<name> into out. */
int st_cluster_tool(strata_buf *out, const strata_cluster *c, const char *name);

/* ---- meta.c: cluster.conf ---- */
int st_cluster_meta_load(strata_cluster *c, strata_error *err);
int st_cluster_meta_save(strata_cluster *c, strata_error *err);
/* Parses cluster.conf text into c (messages name c->conf_file). */
int st_cluster_meta_parse(strata_cluster *c, const char *text, size_t len, strata_error *err);

/* ---- osuser.c ---- */
/* Resolves (and when root, creates if missing) the server's OS user. */
int st_cluster_server_user(strata_cluster *c, int create, strata_error *err);
/* Nonzero when uid/gid can traverse into path. */
int st_cluster_user_can_reach(const char *path, uid_t uid, gid_t gid);
/* Creates a directory owned by the server user with mode 0700. */
int st_cluster_mkdir_server(strata_cluster *c, const char *path, strata_error *err);
/* Runs a PostgreSQL tool as the server user; output goes to out/errout. */
int st_cluster_run(int *status, strata_cluster *c, const char *const *argv, int64_t timeout_ms,
	strata_buf *out, strata_buf *errout, strata_error *err);

/* ---- procs.c ---- */
typedef struct st_pidfile {
	int pid;
	int port;
	char status[16];     /* "ready", "starting", "stopping", "" */
} st_pidfile;

/* Reads <data>/postmaster.pid; ENOTFOUND when absent. */
int st_cluster_read_pidfile(st_pidfile *out, const char *data_dir);
/* Parses postmaster.pid text; EINVAL when malformed. */
int st_cluster_parse_pidfile(st_pidfile *out, const char *text, size_t len);
/* Nonzero when pid is a live postgres process serving data_dir. */
int st_cluster_pid_is_ours(int pid, const char *data_dir);
/* PIDs of processes whose working directory is data_dir (postgres chdirs there). */
int st_cluster_find_procs(int *pids, int max, const char *data_dir);
/* Sends sig to every process of data_dir, waits up to wait_ms for them to go. Returns how many remain. */
int st_cluster_kill_procs(const char *data_dir, int sig, int64_t wait_ms);

/* ---- cluster.c ---- */
int st_cluster_build_urls(strata_cluster *c);
int st_cluster_default_paths(strata_cluster *c);
int st_cluster_lock(strata_cluster *c, strata_error *err);
void st_cluster_unlock(strata_cluster *c);
/* Major version recorded in the data directory's PG_VERSION; 0 when absent. */
int st_cluster_data_major(const strata_cluster *c);
strata_cluster_state st_cluster_detect(const strata_cluster *c, st_pidfile *pf);
/* 0 when the server answers a query on its socket within timeout_ms. */
int st_cluster_accepting(const strata_cluster *c, int timeout_ms, strata_error *err);

/* ---- ports ---- */
/* Nonzero when nothing listens on 127.0.0.1:port and it can be bound. */
int st_cluster_port_free(int port);
/* A free port chosen by the kernel. */
int st_cluster_pick_port(int *out, strata_error *err);

#endif
