/*
 * strata/cluster.h: private local PostgreSQL clusters, the embedded default
 * of `strata dev` and the harness of strata's own tests.
 *
 * A cluster lives in one folder (for a project, <project>/.strata/cluster):
 *   cluster.conf   strata's record of the cluster (port, binaries, paths)
 *   data/          the PostgreSQL data directory
 *   run/           the Unix socket directory
 *   log/server.log the server log
 *   pgpass         the generated superuser password (mode 0600), as a libpq
 *                  password file, so that URLs never carry the secret
 * The server listens on that socket (trust, guarded by the folder's 0700
 * permissions) and on 127.0.0.1 at a free port (scram-sha-256).
 *
 * PostgreSQL refuses to run as root. When the calling process is root, the
 * server runs as an unprivileged OS user ("postgres" by default, created if
 * missing) that owns data/, run/ and log/. If that user cannot reach the
 * cluster folder (for example a project under /root), the data lives under
 * /var/lib/strata/clusters/<hash>/ instead and cluster.conf records where.
 */
#ifndef STRATA_CLUSTER_H
#define STRATA_CLUSTER_H

#include <stdint.h>

#include "buf.h"
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_cluster strata_cluster;

/* Progress and one-time notices ("creating ...", "running as 'postgres' ..."). */
typedef void (*strata_cluster_notify_fn)(const char *message, void *ud);

typedef struct strata_cluster_options {
	const char *dir;          /* the cluster folder; required */
	const char *bindir;       /* PostgreSQL binaries; NULL: discover (see strata_cluster_find_bindir) */
	const char *os_user;      /* the server's OS user when running as root; NULL: "postgres" */
	int ephemeral;            /* test clusters: no fsync, no crash safety; never for real data */
	int start_timeout_s;      /* 0: 60 */
	strata_cluster_notify_fn notify;
	void *notify_ud;
} strata_cluster_options;

#define STRATA_CLUSTER_OPTIONS_INIT { NULL, NULL, NULL, 0, 0, NULL, NULL }

typedef enum strata_cluster_state {
	STRATA_CLUSTER_ABSENT = 0,   /* no cluster in the folder */
	STRATA_CLUSTER_STOPPED,      /* created, not running */
	STRATA_CLUSTER_RUNNING,      /* the server process is alive */
	STRATA_CLUSTER_STALE         /* a postmaster.pid names a process that is gone: crashed or killed */
} strata_cluster_state;

typedef struct strata_cluster_status {
	strata_cluster_state state;
	int pid;                  /* postmaster PID when running (or the dead one when stale) */
	int port;                 /* 0 when unknown */
	int accepting;            /* running and answering connections */
	long long size_bytes;     /* bytes under the data directory */
	int pg_major;             /* major version of the data directory, 0 when absent */
	char server_user[64];     /* OS user the server runs as */
} strata_cluster_status;

/* What strata_cluster_up did. */
typedef enum strata_cluster_action {
	STRATA_CLUSTER_ALREADY_RUNNING = 0,
	STRATA_CLUSTER_STARTED,      /* was stopped, now running */
	STRATA_CLUSTER_CREATED,      /* initialised and started */
	STRATA_CLUSTER_RECOVERED     /* was stale (crashed or killed), restarted */
} strata_cluster_action;

/*
 * Prepares a handle for the cluster in opts->dir without touching anything:
 * reading the folder is all it does, so status on an absent cluster works.
 */
STRATA_API int strata_cluster_open(strata_cluster **out, const strata_cluster_options *opts,
	strata_error *err);
STRATA_API void strata_cluster_free(strata_cluster *c);

/*
 * Creates the cluster if needed, recovers it when stale, starts it if
 * stopped, and waits until it accepts connections. Idempotent. *out (may be
 * NULL) says what happened. STRATA_EENV when PostgreSQL's binaries are
 * missing or the server cannot start (the message quotes the server log).
 */
STRATA_API int strata_cluster_up(strata_cluster_action *out, strata_cluster *c, strata_error *err);

/* Stops the server and waits until no process of it is left. Idempotent. */
STRATA_API int strata_cluster_down(strata_cluster *c, strata_error *err);

/*
 * Stops the cluster and deletes everything it owns: data, socket and log
 * folders (also where they were relocated, see above), cluster.conf and the
 * password file. The cluster folder itself stays. Idempotent.
 */
STRATA_API int strata_cluster_destroy(strata_cluster *c, strata_error *err);

/* Stops the cluster, deletes it (all its data) and creates it afresh. */
STRATA_API int strata_cluster_reset(strata_cluster *c, strata_error *err);

STRATA_API int strata_cluster_get_status(strata_cluster_status *out, strata_cluster *c,
	strata_error *err);

/* The state's name: "absent", "stopped", "running", "stale". */
STRATA_API const char *strata_cluster_state_name(strata_cluster_state state);

/*
 * URLs, valid once the cluster exists (after up, or open of a created one);
 * NULL before. Neither carries a secret:
 *   url: TCP on 127.0.0.1 with passfile=<folder>/pgpass
 *   socket_url: the Unix socket (trust), the fastest way in for local tools
 */
STRATA_API const char *strata_cluster_url(const strata_cluster *c);
STRATA_API const char *strata_cluster_socket_url(const strata_cluster *c);

/* The same, for another database of the cluster (allocated; free with strata_free). */
STRATA_API char *strata_cluster_database_url(const strata_cluster *c, const char *dbname, int socket);

/* Paths, for display. */
STRATA_API const char *strata_cluster_dir(const strata_cluster *c);
STRATA_API const char *strata_cluster_data_dir(const strata_cluster *c);
STRATA_API const char *strata_cluster_socket_dir(const strata_cluster *c);
STRATA_API const char *strata_cluster_log_file(const strata_cluster *c);
/* The binaries in use ("" until known). */
STRATA_API const char *strata_cluster_bindir(const strata_cluster *c);

/*
 * Finds PostgreSQL's server binaries (initdb, pg_ctl, postgres), in order:
 * STRATA_PG_BINDIR, `pg_config --bindir`, the folder of initdb in PATH, and
 * the highest version under /usr/lib/postgresql/<version>/bin. want_major > 0
 * prefers that major version.
 */
STRATA_API int strata_cluster_find_bindir(strata_buf *out, int want_major, strata_error *err);

/*
 * The project root for start (a folder): the nearest folder at or above it
 * holding strata.yaml or .strata/, otherwise start itself. Absolute.
 */
STRATA_API int strata_project_root(strata_buf *out, const char *start, strata_error *err);

/* The conventional cluster folder of a project: <root>/.strata/cluster. */
STRATA_API int strata_project_cluster_dir(strata_buf *out, const char *root);

#ifdef __cplusplus
}
#endif

#endif
