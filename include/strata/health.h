/*
 * strata/health.h: a database health check: can we connect, how long does a
 * round trip take, which server is it, is it a standby.
 *
 * The check talks to the database through a small driver so that it can be
 * tested without a server: the default driver uses libstrata's connection
 * (libpq); tests pass their own connect/query/clock functions.
 */
#ifndef STRATA_HEALTH_H
#define STRATA_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "error.h"
#include "pg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_health {
	double connect_ms;          /* time to open the connection */
	double latency_ms;          /* median round trip of SELECT 1 */
	double latency_max_ms;      /* slowest round trip */
	int rounds;                 /* round trips measured */
	int server_version_num;     /* for example 150014 */
	char server_version[128];   /* for example "15.14 (Debian 15.14-0+deb12u1)" */
	int in_recovery;            /* 1 on a standby */
	char database[64];
	char user[64];
} strata_health;

/* How the check reaches the database. Every function reports through err. */
typedef struct strata_health_driver {
	int (*connect)(void **out, const strata_conninfo *ci, void *ud, strata_error *err);
	/* The first column of the first row of sql as text, into out of size outsz. */
	int (*query)(char *out, size_t outsz, void *conn, const char *sql, void *ud,
		strata_error *err);
	void (*close)(void *conn, void *ud);
	int64_t (*now_ns)(void *ud);   /* a monotonic clock */
	void *ud;
} strata_health_driver;

/*
 * Runs the check: connects, reads the server's version, recovery state,
 * database and user, then measures `rounds` round trips (at least 1).
 * driver NULL uses the real database. Connection failures come back as the
 * driver reported them (STRATA_ECONNECT or STRATA_ETIMEOUT).
 */
STRATA_API int strata_health_check(strata_health *out, const strata_conninfo *ci,
	const strata_health_driver *driver, int rounds, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif
