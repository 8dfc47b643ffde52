/*
 * test_cli_dev.c: `strata dev` black-box, the way the acceptance criteria
 * read: up twice is idempotent; kill -9 of the postmaster then up recovers;
 * down leaves no process behind; status in text and JSON; url for scripts;
 * psql; reset; --project-dir; and a command that needs a database picking the
 * running dev cluster up by itself (or saying how to get one).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

static const char *const clean_env[] = { CLI_CLEAN_ENV, NULL };

typedef struct project {
	char *dir;
} project;

static int setup(void **state)
{
	project *p = calloc(1, sizeof(*p));

	p->dir = th_tempdir("cli-dev");
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	project *p = *state;
	const char *const args[] = { "dev", "down", NULL };
	cli_result r;

	cli_run(&r, p->dir, clean_env, args);
	cli_result_free(&r);
	th_rmtree(p->dir);
	free(p->dir);
	free(p);
	return 0;
}

static void dev(cli_result *r, project *p, const char *a1, const char *a2, const char *a3)
{
	const char *args[6] = { "dev", a1, a2, a3, NULL, NULL };

	cli_run(r, p->dir, clean_env, args);
}

static json_t *status_json(project *p)
{
	cli_result r;
	json_t *doc;
	json_error_t jerr;

	dev(&r, p, "status", "--format", "json");
	doc = json_loads(strata_buf_cstr(&r.out), 0, &jerr);
	if (doc == NULL)
		fail_msg("status JSON does not parse (%s): %s", jerr.text, strata_buf_cstr(&r.out));
	cli_result_free(&r);
	return doc;
}

static const char *jstr(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static void up_twice_is_idempotent(void **state)
{
	project *p = *state;
	cli_result r;
	char *url;
	json_t *st;
	long pid;

	dev(&r, p, "status", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "absent"));
	cli_result_free(&r);

	dev(&r, p, "up", NULL, NULL);
	assert_int_equal(r.status, 0);
	/* stdout is the URL alone: one line, no password, TCP on 127.0.0.1. */
	assert_int_equal(cli_count_lines(strata_buf_cstr(&r.out)), 1);
	assert_true(strncmp(strata_buf_cstr(&r.out), "postgresql://postgres@127.0.0.1:", 32) == 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "passfile="));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "creating a PostgreSQL"));
	url = strdup(strata_buf_cstr(&r.out));
	cli_result_free(&r);
	st = status_json(p);
	assert_string_equal(jstr(st, "state"), "running");
	assert_true(json_is_true(json_object_get(st, "accepting")));
	pid = (long)json_integer_value(json_object_get(st, "pid"));
	json_decref(st);

	dev(&r, p, "up", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), url);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "already running"));
	cli_result_free(&r);
	st = status_json(p);
	assert_int_equal((long)json_integer_value(json_object_get(st, "pid")), pid);
	json_decref(st);

	/* url prints the same URL, alone. */
	dev(&r, p, "url", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), url);
	assert_string_equal(strata_buf_cstr(&r.err), "");
	cli_result_free(&r);
	free(url);
}

static void kill_9_then_up_recovers(void **state)
{
	project *p = *state;
	cli_result r;
	json_t *st;
	long pid;
	int tries;

	dev(&r, p, "up", NULL, NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	st = status_json(p);
	pid = (long)json_integer_value(json_object_get(st, "pid"));
	json_decref(st);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);

	/* The dead postmaster is noticed: status says stale and exits 1. */
	for (tries = 0; ; tries++) {
		dev(&r, p, "status", NULL, NULL);
		if (strstr(strata_buf_cstr(&r.out), "stale") != NULL)
			break;
		if (tries == 1000)
			fail_msg("status never noticed the killed server: %s", strata_buf_cstr(&r.out));
		cli_result_free(&r);
		st_sleep_ms(20);
	}
	assert_int_equal(r.status, 1);
	cli_result_free(&r);

	dev(&r, p, "up", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "recovering"));
	cli_result_free(&r);
	st = status_json(p);
	assert_string_equal(jstr(st, "state"), "running");
	assert_true(json_is_true(json_object_get(st, "accepting")));
	assert_true((long)json_integer_value(json_object_get(st, "pid")) != pid);
	json_decref(st);
}

static void down_leaves_no_process(void **state)
{
	project *p = *state;
	cli_result r;
	json_t *st;
	char *data;

	dev(&r, p, "up", NULL, NULL);
	cli_result_free(&r);
	st = status_json(p);
	data = strdup(jstr(st, "data_dir"));
	json_decref(st);
	assert_true(cli_live_procs_in(data) > 0);

	dev(&r, p, "down", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "stopped"));
	cli_result_free(&r);
	assert_int_equal(cli_live_procs_in(data), 0);
	st = status_json(p);
	assert_string_equal(jstr(st, "state"), "stopped");
	json_decref(st);

	/* Again: nothing to do, still success. */
	dev(&r, p, "down", NULL, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "not running"));
	cli_result_free(&r);

	/* A stopped cluster has no URL to give. */
	dev(&r, p, "url", NULL, NULL);
	assert_int_equal(r.status, 6);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "strata dev up"));
	cli_result_free(&r);
	free(data);
}

static void psql_runs_against_the_cluster(void **state)
{
	project *p = *state;
	cli_result r;
	const char *args[] = { "dev", "psql", "--", "-At", "-c", "SELECT 40 + 2", NULL };

	dev(&r, p, "up", NULL, NULL);
	cli_result_free(&r);
	cli_run(&r, p->dir, clean_env, args);
	assert_int_equal(r.status, 0);
	assert_string_equal(strata_buf_cstr(&r.out), "42\n");
	cli_result_free(&r);
}

static void reset_starts_from_scratch(void **state)
{
	project *p = *state;
	cli_result r;
	const char *make[] = { "dev", "psql", "--", "-c", "CREATE TABLE t (x int)", NULL };
	const char *count[] = { "dev", "psql", "--", "-At", "-c",
		"SELECT count(*) FROM pg_class WHERE relname = 't'", NULL };

	dev(&r, p, "up", NULL, NULL);
	cli_result_free(&r);
	cli_run(&r, p->dir, clean_env, make);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	dev(&r, p, "reset", "--yes", NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(strata_buf_cstr(&r.out), "postgresql://", 13) == 0);
	cli_result_free(&r);
	cli_run(&r, p->dir, clean_env, count);
	assert_string_equal(strata_buf_cstr(&r.out), "0\n");
	cli_result_free(&r);
}

static void destroy_deletes_the_cluster(void **state)
{
	project *p = *state;
	cli_result r;
	char path[600];

	dev(&r, p, "up", NULL, NULL);
	cli_result_free(&r);
	dev(&r, p, "destroy", "--yes", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "deleted the dev cluster"));
	cli_result_free(&r);
	snprintf(path, sizeof(path), "%s/.strata/cluster/data", p->dir);
	assert_int_equal(access(path, F_OK), -1);
	dev(&r, p, "status", NULL, NULL);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "absent"));
	cli_result_free(&r);
	/* Nothing to destroy: still success. */
	dev(&r, p, "destroy", "--yes", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "there is no dev cluster"));
	cli_result_free(&r);
}

static void project_dir_option_and_subfolders(void **state)
{
	project *p = *state;
	cli_result r;
	char sub[512];
	const char *from_elsewhere[] = { "--project-dir", p->dir, "dev", "status", NULL };
	const char *up[] = { "dev", "up", NULL };
	const char *status[] = { "dev", "status", NULL };

	cli_run(&r, "/", clean_env, from_elsewhere);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "absent"));
	cli_result_free(&r);
	cli_run(&r, p->dir, clean_env, up);
	cli_result_free(&r);
	/* From a subfolder, the project's cluster is found by walking up. */
	snprintf(sub, sizeof(sub), "%s/src/deeper", p->dir);
	{
		strata_error err = STRATA_ERROR_INIT;
		th_ok(st_mkdir_p(sub, 0755, &err), &err);
	}
	cli_run(&r, sub, clean_env, status);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "running"));
	cli_result_free(&r);
}

static void commands_use_the_running_dev_cluster(void **state)
{
	project *p = *state;
	cli_result r;
	const char *doctor[] = { "doctor", NULL };

	/* Not running yet: the error says how to get a database. */
	cli_run(&r, p->dir, clean_env, doctor);
	assert_int_equal(r.status, 4);
	assert_non_null(strstr(strata_buf_cstr(&r.err), "strata dev up"));
	assert_non_null(strstr(strata_buf_cstr(&r.err), "--database-url"));
	assert_int_equal(cli_count_lines(strata_buf_cstr(&r.err)), 1);
	cli_result_free(&r);

	dev(&r, p, "up", NULL, NULL);
	cli_result_free(&r);
	cli_run(&r, p->dir, clean_env, doctor);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(strata_buf_cstr(&r.out), "(from dev cluster)"));
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(up_twice_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(kill_9_then_up_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(down_leaves_no_process, setup, teardown),
		cmocka_unit_test_setup_teardown(psql_runs_against_the_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(reset_starts_from_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_deletes_the_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(project_dir_option_and_subfolders, setup, teardown),
		cmocka_unit_test_setup_teardown(commands_use_the_running_dev_cluster, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
