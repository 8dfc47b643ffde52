/*
 * cmd_doctor.c: `strata doctor`, health checks of the database strata would
 * use: connection, server version, round-trip latency and recovery state.
 * The first slice of the operations doctor; later checks (Redis, vector
 * store) join the same report.
 *
 * Exit 0 when every check passes (warnings allowed), 1 when one fails; a
 * database that cannot be reached at all is the database error (4).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef enum { CHECK_OK, CHECK_WARN, CHECK_FAIL } check_status;

typedef struct check {
	const char *name;
	check_status status;
	char message[256];
} check;

static const char *status_name(check_status s)
{
	return s == CHECK_OK ? "ok" : s == CHECK_WARN ? "warn" : "fail";
}

/* End of community support per major version (the PostgreSQL versioning policy). */
static const struct {
	int major;
	const char *eol;
} eol_dates[] = {
	{ 12, "2024-11-14" }, { 13, "2025-11-13" }, { 14, "2026-11-12" }, { 15, "2027-11-11" },
	{ 16, "2028-11-09" }, { 17, "2029-11-08" }, { 18, "2030-11-14" },
};

#define DOCTOR_MIN_MAJOR 13

static void check_version(check *c, const strata_health *h)
{
	int major = h->server_version_num / 10000;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	c->name = "server_version";
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (major < DOCTOR_MIN_MAJOR) {
		c->status = CHECK_FAIL;
		snprintf(c->message, sizeof(c->message),
			"PostgreSQL %s is not supported by strata (%d or newer is)", h->server_version,
			DOCTOR_MIN_MAJOR);
		return;
	}
	c->status = CHECK_OK;
	snprintf(c->message, sizeof(c->message), "PostgreSQL %s", h->server_version);
	for (i = 0; i < sizeof(eol_dates) / sizeof(eol_dates[0]); i++) {
		if (eol_dates[i].major == major && strcmp(today, eol_dates[i].eol) >= 0) {
			c->status = CHECK_WARN;
			snprintf(c->message, sizeof(c->message),
				"PostgreSQL %s: major version %d left community support on %s", h->server_version,
				major, eol_dates[i].eol);
		}
	}
}

int cmd_doctor(cli_ctx *ctx, int argc, char **argv)
{
	int rounds = 10, require_primary = 0;
	int64_t max_latency_ms = 100;
	const cli_option opts[] = {
		{ "rounds", 0, CLI_OPT_INT, &rounds, "N", "round trips to measure (default 10)", 1, 1000, NULL },
		{ "max-latency", 0, CLI_OPT_DURATION, &max_latency_ms, "TIME",
		  "fail when the median round trip is slower (default 100ms)", 0, 0, NULL },
		{ "require-primary", 0, CLI_OPT_FLAG, &require_primary, NULL,
		  "fail when the server is a standby (in recovery)", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	strata_error err = STRATA_ERROR_INIT;
	strata_conninfo *ci = NULL;
	strata_health h;
	check checks[4];
	strata_buf out = STRATA_BUF_INIT;
	char **args;
	int nargs, rc, i, nok = 0, nwarn = 0, nfail = 0;

	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "doctor");
	if (rc != 0)
		return rc;
	if (ctx->help) {
		printf("Usage: strata doctor [options]\n\n"
			"Checks the database strata would use: it connects, reads the server version and\n"
			"recovery state, and measures round-trip latency. Exit 0 when all checks pass,\n"
			"1 when one fails, 4 when the database cannot be reached.\n\n");
		cli_print_options(stdout, "Options", opts);
		printf("\n");
		cli_print_options(stdout, "Global options", cli_global_options(ctx));
		return CLI_EXIT_OK;
	}
	if (nargs > 0)
		return cli_usage_error(ctx, "'strata doctor' takes no arguments (got '%s')", args[0]);

	rc = cli_resolve_database(&ci, ctx, &err);
	if (rc == 0)
		rc = strata_health_check(&h, ci, NULL, rounds, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}

	memset(checks, 0, sizeof(checks));
	checks[0].name = "connection";
	checks[0].status = CHECK_OK;
	snprintf(checks[0].message, sizeof(checks[0].message), "connected in %.1f ms as '%s' to '%s'",
		h.connect_ms, h.user, h.database);
	check_version(&checks[1], &h);
	checks[2].name = "latency";
	checks[2].status = h.latency_ms > (double)max_latency_ms ? CHECK_FAIL : CHECK_OK;
	snprintf(checks[2].message, sizeof(checks[2].message),
		"%.2f ms median over %d round trips (slowest %.2f ms, limit %lld ms)", h.latency_ms,
		h.rounds, h.latency_max_ms, (long long)max_latency_ms);
	checks[3].name = "recovery";
	checks[3].status = h.in_recovery && require_primary ? CHECK_FAIL : CHECK_OK;
	snprintf(checks[3].message, sizeof(checks[3].message), "%s",
		h.in_recovery ? "standby (in recovery): read-only" : "primary (accepts writes)");
	for (i = 0; i < 4; i++) {
		nok += checks[i].status == CHECK_OK;
		nwarn += checks[i].status == CHECK_WARN;
		nfail += checks[i].status == CHECK_FAIL;
	}

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "database");
		strata_json_string(&w, strata_conninfo_display(ci));
		strata_json_key(&w, "source");
		strata_json_string(&w, strata_conn_source_name(strata_conninfo_source(ci)));
		strata_json_key(&w, "ok");
		strata_json_bool(&w, nfail == 0);
		strata_json_key(&w, "checks");
		strata_json_array_begin(&w);
		for (i = 0; i < 4; i++) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "name");
			strata_json_string(&w, checks[i].name);
			strata_json_key(&w, "status");
			strata_json_string(&w, status_name(checks[i].status));
			strata_json_key(&w, "message");
			strata_json_string(&w, checks[i].message);
			switch (i) {
			case 0:
				strata_json_key(&w, "connect_ms");
				strata_json_double(&w, h.connect_ms);
				strata_json_key(&w, "user");
				strata_json_string(&w, h.user);
				strata_json_key(&w, "database");
				strata_json_string(&w, h.database);
				break;
			case 1:
				strata_json_key(&w, "version");
				strata_json_string(&w, h.server_version);
				strata_json_key(&w, "version_num");
				strata_json_int(&w, h.server_version_num);
				break;
			case 2:
				strata_json_key(&w, "median_ms");
				strata_json_double(&w, h.latency_ms);
				strata_json_key(&w, "max_ms");
				strata_json_double(&w, h.latency_max_ms);
				strata_json_key(&w, "rounds");
				strata_json_int(&w, h.rounds);
				break;
			default:
				strata_json_key(&w, "in_recovery");
				strata_json_bool(&w, h.in_recovery);
				break;
			}
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_key(&w, "summary");
		strata_json_object_begin(&w);
		strata_json_key(&w, "ok");
		strata_json_int(&w, nok);
		strata_json_key(&w, "warn");
		strata_json_int(&w, nwarn);
		strata_json_key(&w, "fail");
		strata_json_int(&w, nfail);
		strata_json_object_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		strata_buf_printf(&out, "database: %s (from %s)\n\n", strata_conninfo_display(ci),
			strata_conn_source_name(strata_conninfo_source(ci)));
		for (i = 0; i < 4; i++) {
			const char *color = "", *off = "";

			if (ctx->color_stdout) {
				color = checks[i].status == CHECK_OK ? "\033[32m"
					: checks[i].status == CHECK_WARN ? "\033[33m" : "\033[31m";
				off = "\033[0m";
			}
			strata_buf_printf(&out, "  %s%-4s%s  %-14s  %s\n", color, status_name(checks[i].status),
				off, checks[i].name, checks[i].message);
		}
		strata_buf_printf(&out, "\n%d checks: %d ok, %d warnings, %d failed\n", 4, nok, nwarn, nfail);
	}
	rc = cli_write_stdout(&out);
	if (rc == 0 && nfail > 0)
		rc = CLI_EXIT_FINDINGS;
done:
	strata_buf_release(&out);
	strata_conninfo_free(ci);
	return rc;
}
