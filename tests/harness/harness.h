/*
 * harness.h: what strata's tests share.
 *
 * Database tests run against a real PostgreSQL started by src/cluster, the
 * same code as `strata dev`: one cluster per test run (its folder is passed in
 * STRATA_TEST_CLUSTER_DIR by tests/run-all), and a fresh database per test,
 * created from the template database "strata_template". A test binary run on
 * its own, without that variable, starts a private cluster and stops it at
 * exit, so that `meson test` alone also works.
 *
 * Test mains use TH_MAIN so that TAP output is line-buffered: a leak report
 * at exit must not swallow results still sitting in a stdout buffer.
 */
#ifndef STRATA_TEST_HARNESS_H
#define STRATA_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "strata/strata.h"

#define TH_TEMPLATE_DB "strata_template"

/* The socket URL of the run's cluster (starting a private one if needed). */
const char *th_cluster_url(void);
/* The run's cluster handle (for tests that need its paths or TCP URL). */
strata_cluster *th_cluster(void);

/* A fresh database; returns its socket URL (free with free()). */
char *th_db_create(const char *prefix);
/* Drops a database made by th_db_create, closing any session in it. */
void th_db_drop(const char *url);

/*
 * cmocka setup and teardown giving each test a fresh database: *state is its
 * URL (named after the test program), dropped and freed afterwards.
 */
int th_db_setup(void **state);
int th_db_teardown(void **state);

/* Sleeps ms milliseconds (only to order events, never to measure). */
void th_sleep_ms(long ms);

/* Parses url or fails the test. */
strata_conninfo *th_parse(const char *url);

/* Connects to url or fails the test. */
strata_conn *th_connect(const char *url);
/* Runs sql or fails the test, showing the server's message. */
void th_exec(strata_conn *c, const char *sql);
/* The first value of the first row (free with strata_free), or fails. */
char *th_value(strata_conn *c, const char *sql);

/* A temporary folder, mode 0755 so that the server's OS user can enter it. */
char *th_tempdir(const char *prefix);
void th_rmtree(const char *path);

/* Reads a whole file (free with free()), or fails. */
char *th_read_text(const char *path);

/* Writes text to path or fails. */
void th_write_file(const char *path, const char *text, int mode);

/* Fails the test with err's message when rc != 0. */
#define th_ok(rc, err) th_ok_impl((rc), (err), __FILE__, __LINE__)
void th_ok_impl(int rc, const strata_error *err, const char *file, int line);

#define TH_MAIN(tests) \
	int main(void) \
	{ \
		th_init(); \
		return cmocka_run_group_tests(tests, NULL, NULL); \
	}

void th_init(void);

#endif
