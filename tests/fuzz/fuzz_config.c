/*
 * fuzz_config.c: strata.yaml and fleet files are edited by hand. Any bytes,
 * read as either, must load or fail cleanly: no crash, no leak, an error
 * that starts with "<file>:<line>:<column>: ", and on success a config that
 * keeps the promises of strata/config.h (valid and distinct track names and
 * paths, unique target names, parallel >= 1).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "config/config_int.h"

/* "<file>:<digits>:<digits>: " at the start of msg. */
static int has_position(const char *msg, const char *file)
{
	size_t n = strlen(file);
	const char *p;
	int i;

	if (strncmp(msg, file, n) != 0 || msg[n] != ':')
		return 0;
	p = msg + n + 1;
	for (i = 0; i < 2; i++) {
		if (*p < '1' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p != ':')
			return 0;
		p++;
	}
	return *p == ' ';
}

static void check_error(int rc, const strata_error *err, const void *out, const char *file)
{
	if (out != NULL)
		fuzz_fail("%s: error %d but a config was returned", file, rc);
	if (err->code != rc)
		fuzz_fail("%s: returned %d but the error holds %d", file, rc, err->code);
	if (rc != STRATA_EINVAL && rc != STRATA_ENOMEM)
		fuzz_fail("%s: unexpected code %d: %s", file, rc, err->message);
	if (rc == STRATA_EINVAL && !has_position(err->message, file))
		fuzz_fail("error without file and position: %s", err->message);
}

static int valid_track_name(const char *s)
{
	if (*s < 'a' || *s > 'z')
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int normalised(const char *path)
{
	size_t n = strlen(path);

	if (path[0] != '/' || (n > 1 && path[n - 1] == '/'))
		return 0;
	return strstr(path, "//") == NULL && strstr(path, "/./") == NULL &&
		strstr(path, "/../") == NULL && !st_str_ends_with(path, "/.") &&
		!st_str_ends_with(path, "/..");
}

static int duration_ok(int64_t ms, int may_inherit)
{
	return (ms >= 0 && ms <= INT_MAX) || (may_inherit && ms == STRATA_CONFIG_INHERIT);
}

static void check_project(const strata_project_config *c)
{
	size_t i, j;

	if (c->ntracks == 0)
		fuzz_fail("a project without tracks");
	if (!duration_ok(c->lock_timeout_ms, 0) || !duration_ok(c->statement_timeout_ms, 0) ||
		!duration_ok(c->lock_wait_ms, 0) || !duration_ok(c->long_running_ms, 0) ||
		c->lock_retries < 0 || c->lock_retries > 1000)
		fuzz_fail("a setting out of range");
	if (c->ledger_schema == NULL || c->ledger_schema[0] == '\0' || strlen(c->ledger_schema) > 63)
		fuzz_fail("bad ledger schema accepted");
	for (i = 0; i < c->ntracks; i++) {
		const strata_track_config *t = &c->tracks[i];

		if (strcmp(t->name, "default") != 0 && !valid_track_name(t->name))
			fuzz_fail("bad track name '%s' accepted", t->name);
		if (!normalised(t->path))
			fuzz_fail("track path '%s' not normalised", t->path);
		if (!duration_ok(t->lock_timeout_ms, 1) || !duration_ok(t->statement_timeout_ms, 1))
			fuzz_fail("track timeout out of range");
		if (strata_project_config_track(c, t->name) != t)
			fuzz_fail("track '%s' not found by name", t->name);
		for (j = 0; j < i; j++)
			if (strcmp(c->tracks[j].path, t->path) == 0)
				fuzz_fail("two tracks share '%s'", t->path);
	}
}

static void check_fleet(const strata_fleet_config *f)
{
	size_t i, j;

	if (f->ntargets == 0 && f->query_url == NULL)
		fuzz_fail("a fleet without targets or query");
	if ((f->query_url == NULL) != (f->query_sql == NULL))
		fuzz_fail("a query with only half of url and sql");
	if (f->parallel < 1 || f->canary < 0)
		fuzz_fail("parallel %d, canary %d accepted", f->parallel, f->canary);
	for (i = 0; i < f->ntargets; i++) {
		if (f->targets[i].name == NULL || f->targets[i].name[0] == '\0' || f->targets[i].url == NULL)
			fuzz_fail("target %zu without name or url", i);
		for (j = 0; j < i; j++)
			if (strcmp(f->targets[i].name, f->targets[j].name) == 0)
				fuzz_fail("two targets named '%s'", f->targets[i].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int env_set;
	strata_error err = STRATA_ERROR_INIT;
	strata_project_config *project = NULL;
	strata_fleet_config *fleet = NULL;
	int rc;

	if (!env_set) {
		/* Something for ${FUZZ_URL} and ${FUZZ_PW} to expand to. */
		setenv("FUZZ_URL", "postgresql://app:pw@fuzz.db/app", 1);
		setenv("FUZZ_PW", "pw", 1);
		env_set = 1;
	}
	rc = st_project_config_parse(&project, "/fuzz/project", "strata.yaml", (const char *)data,
		size, &err);
	if (rc != 0)
		check_error(rc, &err, project, "strata.yaml");
	else
		check_project(project);
	strata_project_config_free(project);

	strata_error_clear(&err);
	rc = st_fleet_config_parse(&fleet, "fleet.yaml", (const char *)data, size, &err);
	if (rc != 0)
		check_error(rc, &err, fleet, "fleet.yaml");
	else
		check_fleet(fleet);
	strata_fleet_config_free(fleet);
	return 0;
}
