/*
 * test_pg_health.c: strata_health_check with the real driver against a real
 * PostgreSQL server.
 *
 * Covers what the check reports (server version number and text, recovery
 * state, database and user) compared with what the server says over another
 * connection, the number of round trips, the latency figures, the check over
 * TCP with the cluster's password file, and a refused port.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static void check_or_fail(strata_health *h, const char *url, int rounds)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = th_parse(url);

	th_ok(strata_health_check(h, ci, NULL, rounds, &err), &err);
	strata_conninfo_free(ci);
}

static void reports_what_the_server_says(void **state)
{
	strata_conn *c = th_connect(*state);
	strata_health h;
	char *version_num = th_value(c, "SHOW server_version_num");
	char *database = th_value(c, "SELECT current_database()");
	char *user = th_value(c, "SELECT current_user");
	char *version = th_value(c, "SHOW server_version");
	char num[32], major[16];

	check_or_fail(&h, *state, 5);
	snprintf(num, sizeof(num), "%d", h.server_version_num);
	assert_string_equal(num, version_num);
	assert_true(h.server_version_num >= 130000);
	assert_string_equal(h.server_version, version);
	/* The text starts with the major version, for example "15." for 150014. */
	snprintf(major, sizeof(major), "%d", h.server_version_num / 10000);
	assert_memory_equal(h.server_version, major, strlen(major));
	assert_false(h.server_version[strlen(major)] >= '0' && h.server_version[strlen(major)] <= '9');
	assert_int_equal(h.in_recovery, 0);
	assert_string_equal(h.database, database);
	assert_string_equal(h.user, user);
	assert_string_equal(h.user, "postgres");
	strata_free(version_num);
	strata_free(database);
	strata_free(user);
	strata_free(version);
	strata_conn_close(c);
}

static void rounds_are_honoured(void **state)
{
	static const int asked[] = { 1, 2, 7, 20 };
	strata_health h;
	size_t i;

	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		check_or_fail(&h, *state, asked[i]);
		assert_int_equal(h.rounds, asked[i]);
	}
	/* At least one round trip, whatever was asked. */
	check_or_fail(&h, *state, 0);
	assert_int_equal(h.rounds, 1);
	check_or_fail(&h, *state, -3);
	assert_int_equal(h.rounds, 1);
}

static void latency_figures_are_sane(void **state)
{
	strata_health h;

	check_or_fail(&h, *state, 9);
	assert_true(h.connect_ms > 0.0);
	assert_true(h.latency_ms > 0.0);
	assert_true(h.latency_max_ms >= h.latency_ms);
	/* One round: the median is the only sample, and so is the maximum. */
	check_or_fail(&h, *state, 1);
	assert_true(h.latency_ms > 0.0);
	assert_true(h.latency_max_ms == h.latency_ms);
}

static void works_over_tcp_with_the_password_file(void **state)
{
	strata_health h;
	strata_conn *c = th_connect(*state);
	char *dbname = th_value(c, "SELECT current_database()");
	char *url = strata_cluster_database_url(th_cluster(), dbname, 0);

	assert_non_null(url);
	assert_non_null(strstr(url, "127.0.0.1"));
	check_or_fail(&h, url, 3);
	assert_string_equal(h.database, dbname);
	assert_string_equal(h.user, "postgres");
	assert_int_equal(h.rounds, 3);
	strata_free(url);
	strata_free(dbname);
	strata_conn_close(c);
}

static void refused_port_is_econnect(void **state)
{
	strata_error err = STRATA_ERROR_INIT;
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	strata_conninfo *ci;
	strata_health h;
	char url[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	/* A port the kernel handed out and nothing listens on. */
	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/postgres",
		ntohs(addr.sin_port));
	ci = th_parse(url);
	memset(&h, 0x5a, sizeof(h));
	assert_int_equal(strata_health_check(&h, ci, NULL, 3, &err), STRATA_ECONNECT);
	assert_int_equal(err.code, STRATA_ECONNECT);
	assert_non_null(strstr(err.message, "refused"));
	/* Nothing measured is reported. */
	assert_int_equal(h.rounds, 0);
	assert_int_equal(h.server_version_num, 0);
	strata_conninfo_free(ci);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, th_db_setup, th_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(reports_what_the_server_says),
		DB_TEST(rounds_are_honoured),
		DB_TEST(latency_figures_are_sane),
		DB_TEST(works_over_tcp_with_the_password_file),
		DB_TEST(refused_port_is_econnect),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
