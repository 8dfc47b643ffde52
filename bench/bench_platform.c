/*
 * bench_platform.c: the platform schema's core operational queries under
 * row-level security, on a large data set (workload platform_rls, the
 * "Speed" part of issue 4).
 *
 * It starts a private cluster through src/cluster (default durability, like
 * `strata dev`), creates a database, migrates it with the strata binary
 * (`strata migrate up --project-dir schema/platform`), and loads
 * bench/platform_data.sql as the superuser: set-based SQL, split into timed
 * steps, the big ones in chunks of tenants on several sessions at once. Then
 * it measures four queries, each in two modes, on one session that switches
 * role between transactions (untimed):
 *
 *   rls       SET ROLE platform_app; then timed:
 *             BEGIN; SELECT strata_tenant.set($1); <query>; COMMIT
 *   explicit  SET ROLE platform_backup (BYPASSRLS); then timed:
 *             BEGIN; <the same query with tenant_id = $1 added>; COMMIT
 *
 * Both modes send the same statements the same way (text parameters, one
 * round trip per statement), take their parameters from the same random
 * sample of the data, and alternate which goes first, so that neither
 * profits from the pages the other just read. By default every statement is
 * sent unprepared, so every execution is planned; with --prepared each query
 * (and strata_tenant.set) is prepared once per session, in each mode's role,
 * and executed with strata_conn_query_prepared, as applications with
 * prepared statements do. PostgreSQL then chooses between custom and generic
 * plans itself (plan_cache_mode is left alone); the report says which.
 * One untimed pass over every sample warms the caches and checks that both
 * modes return the same rows. It reports the query alone and the whole
 * transaction, p50, p95 and mean, as Markdown tables on stdout; progress goes
 * to stderr.
 *
 *   bench-platform STRATA_BINARY REPO_DIR [options]   (--help lists them)
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata/strata.h"

#include "bench.h"

#include "base/base.h"

/* ---- options ---------------------------------------------------------- */

typedef struct bench_opts {
	int tenants, users, agents, tools, conversations, messages, runs, calls;
	int iterations;    /* timed executions per query and mode */
	int jobs;          /* sessions loading the chunked steps at once */
	int chunk;         /* tenants per chunk */
	int explain;       /* print the plans */
	int keep;          /* leave the cluster running */
	int prepared;      /* prepare each statement once, execute it prepared */
	const char *database_url;   /* measure this loaded database instead */
} bench_opts;

static void usage(FILE *to)
{
	fputs("usage: bench-platform STRATA_BINARY REPO_DIR [options]\n"
		"\n"
		"Sizes (per tenant unless said; defaults give 1,000 tenants, 100,000 users,\n"
		"10,000,000 messages):\n"
		"  --tenants N          tenants (1000)\n"
		"  --users N            users per tenant (100)\n"
		"  --agents N           agents per tenant, each with a workflow and a plan (10)\n"
		"  --tools N            tools per tenant (12)\n"
		"  --conversations N    conversations per tenant (100)\n"
		"  --messages N         mean messages per conversation (100)\n"
		"  --runs N             runs per conversation (2)\n"
		"  --calls N            mean tool calls per run (5)\n"
		"Measurement:\n"
		"  --iterations N       timed executions per query and mode (2000)\n"
		"  --explain            print each query's plan in both modes\n"
		"  --prepared           prepare each statement once per session and execute it\n"
		"                       prepared (default: unprepared, planned every time)\n"
		"Load:\n"
		"  --jobs N             sessions loading at once (2)\n"
		"  --chunk N            tenants per chunk of the big steps (50)\n"
		"  --keep               leave the cluster running and print its URL\n"
		"  --database-url URL   measure this already loaded database (a superuser URL);\n"
		"                       no cluster, no load\n", to);
}

static int parse_opts(bench_opts *o, int argc, char **argv)
{
	enum { O_TENANTS = 256, O_USERS, O_AGENTS, O_TOOLS, O_CONVERSATIONS, O_MESSAGES, O_RUNS,
		O_CALLS, O_ITERATIONS, O_JOBS, O_CHUNK, O_EXPLAIN, O_KEEP, O_URL, O_PREPARED, O_HELP };
	static const struct option longopts[] = {
		{ "tenants", required_argument, NULL, O_TENANTS },
		{ "users", required_argument, NULL, O_USERS },
		{ "agents", required_argument, NULL, O_AGENTS },
		{ "tools", required_argument, NULL, O_TOOLS },
		{ "conversations", required_argument, NULL, O_CONVERSATIONS },
		{ "messages", required_argument, NULL, O_MESSAGES },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "calls", required_argument, NULL, O_CALLS },
		{ "iterations", required_argument, NULL, O_ITERATIONS },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "chunk", required_argument, NULL, O_CHUNK },
		{ "explain", no_argument, NULL, O_EXPLAIN },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "database-url", required_argument, NULL, O_URL },
		{ "prepared", no_argument, NULL, O_PREPARED },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int *target = NULL, min = 1, max = 1000000;

		switch (ch) {
		case O_TENANTS: target = &o->tenants; break;
		case O_USERS: target = &o->users; max = 50000; break;   /* emails stay unique */
		case O_AGENTS: target = &o->agents; break;
		case O_TOOLS: target = &o->tools; break;
		case O_CONVERSATIONS: target = &o->conversations; break;
		case O_MESSAGES: target = &o->messages; min = 5; break;
		case O_RUNS: target = &o->runs; break;
		case O_CALLS: target = &o->calls; break;
		case O_ITERATIONS: target = &o->iterations; min = 20; break;
		case O_JOBS: target = &o->jobs; max = 64; break;
		case O_CHUNK: target = &o->chunk; break;
		case O_EXPLAIN: o->explain = 1; break;
		case O_KEEP: o->keep = 1; break;
		case O_URL: o->database_url = optarg; break;
		case O_PREPARED: o->prepared = 1; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (target && st_parse_int(target, optarg, min, max) != 0) {
			fprintf(stderr, "bench-platform: --%s: '%s' is not a number from %d to %d\n",
				longopts[ch - O_TENANTS].name, optarg, min, max);
			return -1;
		}
	}
	if (o->database_url && o->keep) {
		fprintf(stderr, "bench-platform: --keep and --database-url cannot be used together\n");
		return -1;
	}
	return 0;
}

/* ---- statistics ------------------------------------------------------- */

/* ---- connections ------------------------------------------------------ */

static void exec_or_die(strata_conn *c, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;

	if (strata_conn_exec(c, sql, &err) != 0)
		bench_die(sql, &err);
}

/* The first value of sql's first row, copied into out. */
static void query_text(char *out, size_t outsz, strata_conn *c, const char *sql)
{
	strata_error err = STRATA_ERROR_INIT;
	char *v = NULL;

	if (strata_conn_query_value(&v, c, sql, 0, NULL, &err) != 0)
		bench_die(sql, &err);
	st_strlcpy(out, v ? v : "", outsz);
	strata_free(v);
}

/* ---- the data file: variables and steps ------------------------------- */

typedef struct bench_var {
	const char *name;
	int value;
} bench_var;

/*
 * Appends sql to out with every :name of vars replaced by its value, as psql
 * -v would: not inside quotes, dollar quotes or comments, and not the second
 * colon of a cast (::int). An unknown :name is an error (a typo).
 */
static int expand_vars(strata_buf *out, const char *sql, const bench_var *vars, size_t nvars)
{
	const char *p = sql;

	while (*p != '\0') {
		if (*p == '\'') {
			const char *q = p + 1;

			while (*q != '\0' && !(*q == '\'' && q[1] != '\''))
				q += (*q == '\'') ? 2 : 1;
			q += (*q != '\0');
			strata_buf_append(out, p, (size_t)(q - p));
			p = q;
		} else if (p[0] == '-' && p[1] == '-') {
			size_t n = strcspn(p, "\n");

			strata_buf_append(out, p, n);
			p += n;
		} else if (p[0] == '$' && (p[1] == '$' || isalpha((unsigned char)p[1]) || p[1] == '_')) {
			size_t tag = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
			const char *end;
			char delim[64];

			if (p[tag] != '$' || tag + 2 > sizeof(delim)) {
				strata_buf_putc(out, *p++);
				continue;
			}
			memcpy(delim, p, tag + 1);
			delim[tag + 1] = '\0';
			end = strstr(p + tag + 1, delim);
			end = end ? end + tag + 1 : p + strlen(p);
			strata_buf_append(out, p, (size_t)(end - p));
			p = end;
		} else if (p[0] == ':' && p[1] == ':') {
			strata_buf_append(out, p, 2);
			p += 2;
		} else if (p[0] == ':' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			size_t n = 1, i;

			while (isalnum((unsigned char)p[n]) || p[n] == '_')
				n++;
			for (i = 0; i < nvars; i++)
				if (strlen(vars[i].name) == n - 1 && memcmp(vars[i].name, p + 1, n - 1) == 0)
					break;
			if (i == nvars) {
				fprintf(stderr, "bench-platform: unknown variable '%.*s' in the data file\n", (int)n, p);
				return -1;
			}
			strata_buf_printf(out, "%d", vars[i].value);
			p += n;
		} else {
			strata_buf_putc(out, *p++);
		}
	}
	return strata_buf_failed(out) ? -1 : 0;
}

typedef struct load_step {
	char name[128];
	int chunked;
	strata_buf sql;
	double seconds;
} load_step;

#define MAX_STEPS 32

/* Splits the file at "-- step: " and "-- chunked step: " lines; text before the first is the header. */
static int split_steps(load_step *steps, int *nsteps, const char *text)
{
	const char *line = text;
	load_step *cur = NULL;

	*nsteps = 0;
	while (*line != '\0') {
		size_t len = strcspn(line, "\n");
		int chunked = st_str_starts_with(line, "-- chunked step: ");

		if (chunked || st_str_starts_with(line, "-- step: ")) {
			const char *name = line + (chunked ? 17 : 9);
			size_t nlen = len - (size_t)(name - line);

			if (*nsteps == MAX_STEPS)
				return -1;
			cur = &steps[(*nsteps)++];
			memset(cur, 0, sizeof(*cur));
			strata_buf_init(&cur->sql, 0);
			cur->chunked = chunked;
			st_snprintf(cur->name, sizeof(cur->name), "%.*s", (int)nlen, name);
		} else if (cur) {
			strata_buf_append(&cur->sql, line, len);
			strata_buf_putc(&cur->sql, '\n');
		}
		line += len + (line[len] == '\n');
	}
	return *nsteps > 0 ? 0 : -1;
}

static size_t size_vars(bench_var *vars, const bench_opts *o)
{
	const bench_var v[] = {
		{ "tenants", o->tenants }, { "users", o->users }, { "agents", o->agents },
		{ "tools", o->tools }, { "conversations", o->conversations },
		{ "messages", o->messages }, { "runs", o->runs }, { "calls", o->calls },
		{ "lo", 1 }, { "hi", o->tenants + 1 },
	};

	memcpy(vars, v, sizeof(v));
	return ST_ARRAY_LEN(v);
}

static void run_step_sql(strata_conn *c, const load_step *st, bench_var *vars, size_t nvars)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT;

	if (expand_vars(&sql, strata_buf_cstr(&st->sql), vars, nvars) != 0)
		bench_die(st->name, NULL);
	if (strata_conn_exec(c, strata_buf_cstr(&sql), &err) != 0)
		bench_die(st->name, &err);
	strata_buf_release(&sql);
}

/*
 * Runs a chunked step: the tenants in chunks of o->chunk, spread over o->jobs
 * child processes with a session each (chunk k goes to job k % jobs). A child
 * never touches the parent's connection and leaves with _exit, so that
 * buffered output is not written twice.
 */
static void run_chunked(const load_step *st, const char *db_url, const bench_opts *o)
{
	int nchunks = (o->tenants + o->chunk - 1) / o->chunk, j, failed = 0;
	pid_t pids[64];

	fflush(stdout);
	fflush(stderr);
	for (j = 0; j < o->jobs && j < nchunks; j++) {
		pids[j] = fork();
		if (pids[j] < 0)
			bench_die("fork", NULL);
		if (pids[j] == 0) {
			strata_conn *c = bench_open(db_url);
			bench_var vars[16];
			size_t nvars = size_vars(vars, o);
			int k;

			for (k = j; k < nchunks; k += o->jobs) {
				int64_t t0 = st_now_ns();

				vars[nvars - 2].value = 1 + k * o->chunk;
				vars[nvars - 1].value = 1 + (k + 1) * o->chunk < o->tenants + 1 ? 1 + (k + 1) * o->chunk
					: o->tenants + 1;
				run_step_sql(c, st, vars, nvars);
				fprintf(stderr, "bench-platform:   %s: tenants %d-%d in %.1f s\n", st->name,
					vars[nvars - 2].value, vars[nvars - 1].value - 1, st_ns_to_ms(st_now_ns() - t0) / 1000);
			}
			strata_conn_close(c);
			_exit(0);
		}
	}
	while (j-- > 0) {
		int status;

		if (waitpid(pids[j], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	if (failed)
		bench_die(st->name, NULL);
}

/* Loads the data file into db_url; *nsteps steps, timed, for the report. */
static void load_data(load_step *steps, int *nsteps, const char *repo, const char *db_url,
	const bench_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	strata_conn *c;
	bench_var vars[16];
	size_t nvars = size_vars(vars, o);
	int i;

	st_path_join(&path, repo, "bench/platform_data.sql");
	if (st_file_read(&text, strata_buf_cstr(&path), 1 << 20, &err) != 0)
		bench_die(strata_buf_cstr(&path), &err);
	if (split_steps(steps, nsteps, strata_buf_cstr(&text)) != 0)
		bench_die("the data file has no steps (or too many)", NULL);
	c = bench_open(db_url);
	for (i = 0; i < *nsteps; i++) {
		int64_t t0 = st_now_ns();

		fprintf(stderr, "bench-platform: %s ...\n", steps[i].name);
		if (steps[i].chunked)
			run_chunked(&steps[i], db_url, o);
		else
			run_step_sql(c, &steps[i], vars, nvars);
		steps[i].seconds = st_ns_to_ms(st_now_ns() - t0) / 1000;
		fprintf(stderr, "bench-platform: %s: %.1f s\n", steps[i].name, steps[i].seconds);
	}
	strata_conn_close(c);
	strata_buf_release(&path);
	strata_buf_release(&text);
}

/* ---- the queries ------------------------------------------------------ */

/*
 * A query in both modes. explicit_sql takes the tenant as $1 and the other
 * parameters from $2; rls_sql takes them from $1 and gets the tenant from
 * strata_tenant.set(). sample_sql, run by the superuser, returns rows of
 * (tenant, parameters...) drawn at random from the data, $1 of them.
 */
typedef struct query_def {
	const char *name;
	const char *rls_sql;
	const char *explicit_sql;
	int nparams;
	const char *sample_sql;
} query_def;

static const query_def queries[] = {
	{ "user by email within a tenant",
		"SELECT id, email, display_name, status, created_at FROM core.users WHERE email = $1",
		"SELECT id, email, display_name, status, created_at FROM core.users "
		"WHERE tenant_id = $1 AND email = $2",
		1,
		"SELECT tenant_id, email FROM core.users ORDER BY random() LIMIT $1" },
	{ "a conversation's latest 50 messages",
		"SELECT id, seq, role, run_id, envelope, envelope_hash, created_at FROM agents.messages "
		"WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 50",
		"SELECT id, seq, role, run_id, envelope, envelope_hash, created_at FROM agents.messages "
		"WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY seq DESC LIMIT 50",
		1,
		"SELECT tenant_id, id FROM agents.conversations ORDER BY random() LIMIT $1" },
	{ "a run with its tool calls",
		"SELECT r.id, r.agent_id, r.state, r.input, r.output, r.error, r.created_at, r.started_at, "
		"r.finished_at, c.id, c.tool_id, c.idempotency_key, c.state, c.arguments, c.result, c.error, "
		"c.started_at, c.finished_at "
		"FROM agents.agent_runs AS r LEFT JOIN agents.tool_calls AS c ON c.run_id = r.id "
		"WHERE r.id = $1 ORDER BY c.created_at, c.id",
		"SELECT r.id, r.agent_id, r.state, r.input, r.output, r.error, r.created_at, r.started_at, "
		"r.finished_at, c.id, c.tool_id, c.idempotency_key, c.state, c.arguments, c.result, c.error, "
		"c.started_at, c.finished_at "
		"FROM agents.agent_runs AS r LEFT JOIN agents.tool_calls AS c "
		"ON c.tenant_id = r.tenant_id AND c.run_id = r.id "
		"WHERE r.tenant_id = $1 AND r.id = $2 ORDER BY c.created_at, c.id",
		1,
		"SELECT tenant_id, id FROM agents.agent_runs ORDER BY random() LIMIT $1" },
	{ "role-binding check (principal, role, optional resource)",
		"SELECT EXISTS (SELECT FROM core.rbac_bindings AS b JOIN core.rbac_roles AS r ON r.id = b.role_id "
		"WHERE b.principal_type = $1 AND b.principal_id = $2 AND r.name = $3 "
		"AND (b.resource_id IS NULL OR (b.resource_type = $4 AND b.resource_id = $5)))",
		"SELECT EXISTS (SELECT FROM core.rbac_bindings AS b JOIN core.rbac_roles AS r "
		"ON r.tenant_id = b.tenant_id AND r.id = b.role_id "
		"WHERE b.tenant_id = $1 AND b.principal_type = $2 AND b.principal_id = $3 AND r.name = $4 "
		"AND (b.resource_id IS NULL OR (b.resource_type = $5 AND b.resource_id = $6)))",
		5,
		/* users, a built-in role, and half the time one of the tenant's agents */
		"SELECT u.tenant_id, 'user', u.id, (ARRAY['Admin', 'Planner', 'Viewer'])[1 + floor(random() * 3)::int], "
		"CASE WHEN u.scoped THEN 'agent' END, "
		"CASE WHEN u.scoped THEN (SELECT a.id FROM agents.agents AS a WHERE a.tenant_id = u.tenant_id "
		"ORDER BY random() LIMIT 1) END "
		"FROM (SELECT tenant_id, id, random() < 0.5 AS scoped FROM core.users ORDER BY random() LIMIT $1) AS u" },
};

#define NQUERIES ((int)ST_ARRAY_LEN(queries))
#define MAX_PARAMS 8

enum { MODE_EXPLICIT = 0, MODE_RLS = 1, NMODES = 2 };

static const char *const mode_role[NMODES] = { "platform_backup", "platform_app" };

/*
 * Puts the measuring session in mode's role, between transactions and
 * outside the timed part. Both modes share one session (one server process):
 * with a session each, the two backends land on different CPUs of a small
 * virtual machine, and their different wake-up delays showed as a difference
 * between the modes that changed from run to run.
 */
static void use_role(strata_conn *c, int mode)
{
	exec_or_die(c, mode == MODE_RLS ? "SET ROLE platform_app" : "SET ROLE platform_backup");
}

/* strata_tenant.set($1), prepared in the RLS role when --prepared. */
#define TENANT_SET_SQL "SELECT strata_tenant.set($1)"
#define TENANT_SET_NAME "tenant_set"

/* The prepared statement of query q in mode: "q<index>_rls" or "q<index>_explicit". */
static void statement_name(char *out, size_t outsz, const query_def *q, int mode)
{
	st_snprintf(out, outsz, "q%d_%s", (int)(q - queries), mode == MODE_RLS ? "rls" : "explicit");
}

/*
 * Prepares every query in both modes (and strata_tenant.set) on the
 * measuring session, each in the role it will run as: the RLS form as
 * platform_app, the explicit form as platform_backup. Prepared statements
 * belong to the session, not the role; preparing in the role avoids a
 * re-analysis on the first execution (a cached plan that depends on row
 * security is redone when the role differs from the one it was made for).
 */
static void prepare_all(strata_conn *c)
{
	strata_error err = STRATA_ERROR_INIT;
	char name[32];
	int i, m;

	for (m = 0; m < NMODES; m++) {
		use_role(c, m);
		if (m == MODE_RLS && strata_conn_prepare(c, TENANT_SET_NAME, TENANT_SET_SQL, 1, &err) != 0)
			bench_die("prepare", &err);
		for (i = 0; i < NQUERIES; i++) {
			const query_def *q = &queries[i];

			statement_name(name, sizeof(name), q, m);
			if (strata_conn_prepare(c, name, m == MODE_RLS ? q->rls_sql : q->explicit_sql,
				q->nparams + (m == MODE_EXPLICIT), &err) != 0)
				bench_die("prepare", &err);
		}
	}
	exec_or_die(c, "RESET ROLE");
}

/*
 * Runs one statement of a timed transaction: sql unprepared, or the
 * statement prepared as name.
 */
static int run_statement(strata_result **out, strata_conn *c, int prepared, const char *name,
	const char *sql, int nparams, const char *const *params, strata_error *err)
{
	if (prepared)
		return strata_conn_query_prepared(out, c, name, nparams, params, err);
	return strata_conn_query(out, c, sql, nparams, params, err);
}

typedef struct query_times {
	double *tx[NMODES];     /* whole transaction, ms */
	double *q[NMODES];      /* the query alone, ms */
	long long rows;         /* rows returned in the timed runs (RLS mode) */
	long long true_rows;    /* for the binding check: how many said yes */
} query_times;

/* The parameters of sample row i: tenant first, then the query's own. */
static void sample_params(const char *out[MAX_PARAMS], const strata_result *sample, int i, int nparams)
{
	int k;

	for (k = 0; k <= nparams; k++)
		out[k] = strata_result_value(sample, i, k);
}

/*
 * One transaction in one mode; *tx_ms and *q_ms (may be NULL) get the times,
 * *out (may be NULL) the query's rows.
 */
static void run_once(double *tx_ms, double *q_ms, strata_result **out, strata_conn *c, int mode,
	const query_def *q, const char *const *params, int prepared)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *res = NULL, *set = NULL;
	char name[32];
	int64_t t0, q0, q1;

	statement_name(name, sizeof(name), q, mode);
	use_role(c, mode);
	t0 = st_now_ns();
	if (strata_tx_begin(c, NULL, &err) != 0)
		bench_die("begin", &err);
	if (mode == MODE_RLS && prepared) {
		if (strata_conn_query_prepared(&set, c, TENANT_SET_NAME, 1, params, &err) != 0)
			bench_die("strata_tenant.set", &err);
		strata_result_free(set);
	} else if (mode == MODE_RLS && strata_conn_execp(c, TENANT_SET_SQL, 1, params, &err) != 0) {
		bench_die("strata_tenant.set", &err);
	}
	q0 = st_now_ns();
	if (mode == MODE_RLS) {
		if (run_statement(&res, c, prepared, name, q->rls_sql, q->nparams, params + 1, &err) != 0)
			bench_die(q->name, &err);
	} else if (run_statement(&res, c, prepared, name, q->explicit_sql, q->nparams + 1, params,
		&err) != 0) {
		bench_die(q->name, &err);
	}
	q1 = st_now_ns();
	if (strata_tx_commit(c, &err) != 0)
		bench_die("commit", &err);
	if (tx_ms)
		*tx_ms = st_ns_to_ms(st_now_ns() - t0);
	if (q_ms)
		*q_ms = st_ns_to_ms(q1 - q0);
	if (out)
		*out = res;
	else
		strata_result_free(res);
}

/* Same number of rows, and the same first column, in both modes. */
static int same_rows(const strata_result *a, const strata_result *b)
{
	int i;

	if (strata_result_nrows(a) != strata_result_nrows(b))
		return 0;
	for (i = 0; i < strata_result_nrows(a); i++) {
		const char *x = strata_result_value(a, i, 0), *y = strata_result_value(b, i, 0);

		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

static void measure(query_times *t, strata_conn *c, const query_def *q,
	const strata_result *sample, int iterations, int prepared)
{
	const char *params[MAX_PARAMS];
	int nsample = strata_result_nrows(sample), i, m;

	if (nsample == 0)
		bench_die(q->name, NULL);   /* an empty table: nothing to sample */
	/* Warm-up and check: every sample once in both modes, same answers. */
	for (i = 0; i < nsample; i++) {
		strata_result *r[NMODES];

		sample_params(params, sample, i, q->nparams);
		for (m = 0; m < NMODES; m++)
			run_once(NULL, NULL, &r[m], c, m, q, params, prepared);
		if (!same_rows(r[MODE_RLS], r[MODE_EXPLICIT])) {
			fprintf(stderr, "bench-platform: %s: RLS returned %d rows, explicit %d, for tenant %s\n",
				q->name, strata_result_nrows(r[MODE_RLS]), strata_result_nrows(r[MODE_EXPLICIT]),
				params[0]);
			exit(1);
		}
		for (m = 0; m < NMODES; m++)
			strata_result_free(r[m]);
	}
	for (m = 0; m < NMODES; m++) {
		t->tx[m] = malloc(sizeof(double) * (size_t)iterations);
		t->q[m] = malloc(sizeof(double) * (size_t)iterations);
		if (!t->tx[m] || !t->q[m])
			bench_die("out of memory", NULL);
	}
	for (i = 0; i < iterations; i++) {
		strata_result *res = NULL;

		sample_params(params, sample, i % nsample, q->nparams);
		/* alternate which mode goes first, so that neither always finds the other's pages */
		for (m = 0; m < NMODES; m++) {
			int mode = (i % 2 == 0) ? m : NMODES - 1 - m;

			run_once(&t->tx[mode][i], &t->q[mode][i], mode == MODE_RLS ? &res : NULL, c, mode,
				q, params, prepared);
		}
		t->rows += strata_result_nrows(res);
		if (strata_result_nrows(res) == 1) {
			const char *v = strata_result_value(res, 0, 0);

			t->true_rows += v != NULL && strcmp(v, "t") == 0;
		}
		strata_result_free(res);
	}
}

/*
 * "EXECUTE name('a', NULL, ...)": the prepared statement with params as
 * literals, for EXPLAIN (which takes no parameters of its own here).
 */
static void execute_sql(strata_buf *out, strata_conn *c, const char *name, int nparams,
	const char *const *params)
{
	strata_error err = STRATA_ERROR_INIT;
	int k;

	strata_buf_printf(out, "EXECUTE %s(", name);
	for (k = 0; k < nparams; k++) {
		if (k > 0)
			strata_buf_puts(out, ", ");
		if (params[k] == NULL)
			strata_buf_puts(out, "NULL");
		else if (strata_conn_quote_literal(out, c, params[k], &err) != 0)
			bench_die("explain", &err);
	}
	strata_buf_puts(out, ")");
}

/*
 * Prints one query's plan in both modes (EXPLAIN ANALYZE, first sample);
 * with prepared, the plan of the prepared statement as it runs now (generic
 * or custom, whichever PostgreSQL chose).
 */
static void explain(strata_conn *c, const query_def *q, const strata_result *sample, int prepared)
{
	strata_error err = STRATA_ERROR_INIT;
	const char *params[MAX_PARAMS];
	int m, i;

	sample_params(params, sample, 0, q->nparams);
	for (m = NMODES - 1; m >= 0; m--) {
		strata_buf sql = STRATA_BUF_INIT;
		strata_result *res = NULL;
		const char *const *qparams = m == MODE_RLS ? params + 1 : params;
		int nqparams = q->nparams + (m == MODE_EXPLICIT);
		char name[32];

		strata_buf_puts(&sql, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ");
		if (prepared) {
			statement_name(name, sizeof(name), q, m);
			execute_sql(&sql, c, name, nqparams, qparams);
			nqparams = 0;
		} else {
			strata_buf_puts(&sql, m == MODE_RLS ? q->rls_sql : q->explicit_sql);
		}
		use_role(c, m);
		if (strata_tx_begin(c, NULL, &err) != 0 ||
			(m == MODE_RLS && strata_conn_execp(c, TENANT_SET_SQL, 1, params, &err)) ||
			strata_conn_query(&res, c, strata_buf_cstr(&sql), nqparams, nqparams ? qparams : NULL,
				&err) != 0 ||
			strata_tx_commit(c, &err) != 0)
			bench_die("explain", &err);
		printf("\n%s, %s (as %s%s):\n\n```\n", q->name, m == MODE_RLS ? "RLS" : "explicit tenant_id",
			mode_role[m], prepared ? ", prepared" : "");
		for (i = 0; i < strata_result_nrows(res); i++)
			printf("%s\n", strata_result_value(res, i, 0));
		printf("```\n");
		strata_result_free(res);
		strata_buf_release(&sql);
	}
}

/* ---- the report ------------------------------------------------------- */

/* "+0.093 ms (+231%)": what RLS adds to the explicit figure. */
static void print_overhead(double rls, double explicit_)
{
	printf("%+.3f ms (%+.0f%%)", rls - explicit_, explicit_ > 0 ? (rls - explicit_) / explicit_ * 100 : 0);
}

static void print_latency(const query_times *times, int iterations, int whole_tx)
{
	int i, m;

	printf("\n#### %s, ms (%d runs per query and mode)\n\n", whole_tx ?
		"Whole transaction: BEGIN; [SELECT strata_tenant.set($1);] query; COMMIT" : "The query alone",
		iterations);
	printf("| query | rows | explicit p50 | RLS p50 | RLS adds | explicit p95 | RLS p95 | RLS adds | "
		"explicit mean | RLS mean |\n|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < NQUERIES; i++) {
		bench_stats s[NMODES];

		for (m = 0; m < NMODES; m++)
			s[m] = bench_summarise(whole_tx ? times[i].tx[m] : times[i].q[m], iterations);
		printf("| %s | %.1f | %.3f | %.3f | ", queries[i].name, (double)times[i].rows / iterations,
			s[MODE_EXPLICIT].p50, s[MODE_RLS].p50);
		print_overhead(s[MODE_RLS].p50, s[MODE_EXPLICIT].p50);
		printf(" | %.3f | %.3f | ", s[MODE_EXPLICIT].p95, s[MODE_RLS].p95);
		print_overhead(s[MODE_RLS].p95, s[MODE_EXPLICIT].p95);
		printf(" | %.3f | %.3f |\n", s[MODE_EXPLICIT].mean, s[MODE_RLS].mean);
	}
}

/*
 * With --prepared: how often PostgreSQL used a generic plan and how often it
 * planned for the parameters (pg_prepared_statements, PostgreSQL 14 and
 * later), warm-up included.
 */
static void print_plan_choices(strata_conn *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_result *r = NULL;
	char mode[64];
	int i;

	query_text(mode, sizeof(mode), c, "SELECT current_setting('plan_cache_mode')");
	if (strata_conn_query(&r, c, "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
		"ORDER BY name", 0, NULL, &err) != 0)
		bench_die("pg_prepared_statements", &err);
	printf("\n#### Plans of the prepared statements (plan_cache_mode = %s; warm-up included)\n\n"
		"| statement | generic plans | custom plans |\n|---|---|---|\n", mode);
	for (i = 0; i < strata_result_nrows(r); i++)
		printf("| %s | %s | %s |\n", strata_result_value(r, i, 0), strata_result_value(r, i, 1),
			strata_result_value(r, i, 2));
	strata_result_free(r);
}

static void print_sizes(strata_conn *c)
{
	static const char *const tables[] = {
		"core.tenants", "core.users", "core.memberships", "core.api_keys", "core.rbac_roles",
		"core.rbac_bindings", "core.model_registry", "core.budgets", "agents.agents", "agents.tools",
		"agents.agent_tools", "agents.workflows", "agents.plans", "agents.conversations",
		"agents.messages", "agents.agent_runs", "agents.tool_calls", "agents.memory_items",
		"audit.audit_log",
	};
	char sql[512], rows[64], size[64];
	size_t i;

	printf("\n| table | rows | size with indexes |\n|---|---|---|\n");
	for (i = 0; i < ST_ARRAY_LEN(tables); i++) {
		st_snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		query_text(rows, sizeof(rows), c, sql);
		st_snprintf(sql, sizeof(sql), "SELECT pg_size_pretty(pg_total_relation_size('%s'))", tables[i]);
		query_text(size, sizeof(size), c, sql);
		printf("| %s | %s | %s |\n", tables[i], rows, size);
	}
	query_text(size, sizeof(size), c, "SELECT pg_size_pretty(pg_database_size(current_database()))");
	printf("| (database) | | %s |\n", size);
}

static void loadavg(char *out, size_t outsz)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_error err = STRATA_ERROR_INIT;

	if (st_file_read(&b, "/proc/loadavg", 4096, &err) == 0) {
		strata_buf_rtrim(&b);
		st_snprintf(out, outsz, "%s", strata_buf_cstr(&b));
	} else {
		st_snprintf(out, outsz, "unknown");
	}
	strata_buf_release(&b);
}

/* ---- the private cluster ---------------------------------------------- */

/*
 * The cluster this run started, owned by the parent process. bench_die() exits
 * from anywhere (the loader's children too), so the cluster is stopped and
 * removed by an atexit handler, which only the owner runs: a child that
 * fails must not take the cluster down under its siblings.
 */
static struct {
	strata_cluster *cl;
	pid_t owner;
	int keep;
	char tmpdir[64];
	char *db_url;
} bench_cluster;

static void cluster_cleanup(void)
{
	strata_error err = STRATA_ERROR_INIT;

	if (bench_cluster.cl == NULL || getpid() != bench_cluster.owner)
		return;
	if (bench_cluster.keep) {
		fprintf(stderr, "bench-platform: kept the cluster: %s\n  psql '%s'\n  stop: %s%s/pg_ctl -D %s stop; "
			"rm -rf %s\n", strata_cluster_dir(bench_cluster.cl), bench_cluster.db_url ? bench_cluster.db_url : "",
			geteuid() == 0 ? "runuser -u postgres -- " : "", strata_cluster_bindir(bench_cluster.cl),
			strata_cluster_data_dir(bench_cluster.cl), bench_cluster.tmpdir);
	} else if (strata_cluster_down(bench_cluster.cl, &err) != 0 ||
		strata_cluster_destroy(bench_cluster.cl, &err) != 0 || st_rmtree(bench_cluster.tmpdir, &err) != 0) {
		fprintf(stderr, "bench-platform: removing the cluster in %s: %s\n", bench_cluster.tmpdir, err.message);
	}
	strata_cluster_free(bench_cluster.cl);
	bench_cluster.cl = NULL;
	strata_free(bench_cluster.db_url);
	bench_cluster.db_url = NULL;
}

/*
 * Starts a cluster in a new temporary folder and creates the database
 * platform_bench; returns its superuser URL (owned by bench_cluster).
 */
static const char *cluster_start(int keep)
{
	strata_cluster_options copts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c;
	char dir[128];

	st_strlcpy(bench_cluster.tmpdir, "/tmp/strata-bench-platform-XXXXXX", sizeof(bench_cluster.tmpdir));
	if (mkdtemp(bench_cluster.tmpdir) == NULL || chmod(bench_cluster.tmpdir, 0755) != 0)
		bench_die("mkdtemp", NULL);
	st_snprintf(dir, sizeof(dir), "%s/cluster", bench_cluster.tmpdir);
	copts.dir = dir;
	fprintf(stderr, "bench-platform: starting a cluster in %s (removed at the end%s)\n", dir,
		keep ? " unless --keep" : "");
	if (strata_cluster_open(&bench_cluster.cl, &copts, &err) != 0)
		bench_die("cluster", &err);
	bench_cluster.owner = getpid();
	bench_cluster.keep = keep;
	if (atexit(cluster_cleanup) != 0)
		bench_die("atexit", NULL);
	if (strata_cluster_up(NULL, bench_cluster.cl, &err) != 0)
		bench_die("cluster", &err);
	c = bench_open(strata_cluster_socket_url(bench_cluster.cl));
	exec_or_die(c, "CREATE DATABASE platform_bench");
	strata_conn_close(c);
	bench_cluster.db_url = strata_cluster_database_url(bench_cluster.cl, "platform_bench", 1);
	if (bench_cluster.db_url == NULL)
		bench_die("out of memory", NULL);
	return bench_cluster.db_url;
}

/* ---- main ------------------------------------------------------------- */

static void migrate(const char *strata, const char *repo, const char *db_url)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf project = STRATA_BUF_INIT, env_url = STRATA_BUF_INIT, errout = STRATA_BUF_INIT;
	st_proc_opts po;
	int status = -1;

	st_path_join(&project, repo, "schema/platform");
	strata_buf_printf(&env_url, "DATABASE_URL=%s", db_url);
	{
		const char *const argv[] = { strata, "migrate", "up", "--project-dir", strata_buf_cstr(&project), NULL };
		const char *const env[] = { strata_buf_cstr(&env_url), "PGHOST", "PGPORT", "PGDATABASE", "PGUSER",
			NULL };

		memset(&po, 0, sizeof(po));
		po.argv = argv;
		po.env = env;
		po.errout = &errout;
		po.timeout_ms = 300000;
		if (st_proc_run(&status, &po, &err) != 0 || status != 0) {
			fprintf(stderr, "bench-platform: strata migrate up exited %d %s\n%s", status, err.message,
				strata_buf_cstr(&errout));
			exit(1);
		}
	}
	strata_buf_release(&project);
	strata_buf_release(&env_url);
	strata_buf_release(&errout);
}

/*
 * The measuring session, its roles checked: platform_backup bypasses
 * row-level security, platform_app does not and sees nothing without a tenant.
 */
static strata_conn *measuring_session(const char *db_url)
{
	strata_conn *c = bench_open(db_url);
	char v[64];
	int m;

	for (m = 0; m < NMODES; m++) {
		use_role(c, m);
		query_text(v, sizeof(v), c, "SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user");
		if (strcmp(v, m == MODE_EXPLICIT ? "t" : "f") != 0)
			bench_die("role attributes are not the expected ones", NULL);
		if (m == MODE_RLS) {
			query_text(v, sizeof(v), c, "SELECT count(*) FROM core.users");
			if (strcmp(v, "0") != 0)
				bench_die("platform_app sees users without a tenant set", NULL);
		}
	}
	exec_or_die(c, "RESET ROLE");
	return c;
}

int main(int argc, char **argv)
{
	bench_opts o = { 1000, 100, 10, 12, 100, 100, 2, 5, 2000, 2, 50, 0, 0, 0, NULL };
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c, *mc;
	query_times times[NQUERIES];
	load_step steps[MAX_STEPS];
	int nsteps = 0, i;
	char load_before[128], load_after[128], version[128];
	const char *strata, *repo, *db_url;
	int64_t t_start = st_now_ns();
	double load_s = 0;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	strata = argv[1];
	repo = argv[2];
	optind = 3;
	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	memset(times, 0, sizeof(times));

	if (o.database_url) {
		db_url = o.database_url;
	} else {
		db_url = cluster_start(o.keep);
		fprintf(stderr, "bench-platform: strata migrate up --project-dir schema/platform\n");
		migrate(strata, repo, db_url);
		load_data(steps, &nsteps, repo, db_url, &o);
		load_s = st_ns_to_ms(st_now_ns() - t_start) / 1000;
	}

	c = bench_open(db_url);
	query_text(version, sizeof(version), c, "SELECT current_setting('server_version')");
	printf("platform_rls: the core queries through row-level security, PostgreSQL %s.\n", version);
	printf("Statements: %s.\n", o.prepared ?
		"prepared once per session (strata_tenant.set too), executed prepared" :
		"unprepared, every execution planned");
	if (!o.database_url) {
		printf("\nSizes: %d tenants; per tenant %d users, %d agents, %d tools, %d conversations;\n"
			"%d messages per conversation on average (%d to %d), %d runs per conversation,\n"
			"%d tool calls per run on average. Generated in %.0f s:\n\n| step | seconds |\n|---|---|\n",
			o.tenants, o.users, o.agents, o.tools, o.conversations, o.messages, o.messages / 5,
			o.messages / 5 + 8 * o.messages / 5, o.runs, o.calls, load_s);
		for (i = 0; i < nsteps; i++)
			printf("| %s | %.1f |\n", steps[i].name, steps[i].seconds);
		printf("| **total, cluster start and migration included** | **%.1f** |\n", load_s);
	}
	print_sizes(c);

	loadavg(load_before, sizeof(load_before));
	mc = measuring_session(db_url);
	if (o.prepared)
		prepare_all(mc);
	for (i = 0; i < NQUERIES; i++) {
		strata_result *sample = NULL;
		char n[32];
		const char *p[1] = { n };

		st_snprintf(n, sizeof(n), "%d", o.iterations);
		exec_or_die(c, "SELECT setseed(0.42)");
		if (strata_conn_query(&sample, c, queries[i].sample_sql, 1, p, &err) != 0)
			bench_die(queries[i].name, &err);
		fprintf(stderr, "bench-platform: measuring: %s\n", queries[i].name);
		measure(&times[i], mc, &queries[i], sample, o.iterations, o.prepared);
		if (o.explain)
			explain(mc, &queries[i], sample, o.prepared);
		strata_result_free(sample);
	}
	loadavg(load_after, sizeof(load_after));
	print_latency(times, o.iterations, 0);
	print_latency(times, o.iterations, 1);
	if (o.prepared)
		print_plan_choices(mc);
	printf("\nrole-binding check: %lld of %d answered yes. Load average (/proc/loadavg) before measuring: %s; "
		"after: %s. Whole run: %.0f s.\n", times[NQUERIES - 1].true_rows, o.iterations, load_before,
		load_after, st_ns_to_ms(st_now_ns() - t_start) / 1000);

	for (i = 0; i < NQUERIES; i++) {
		int m;

		for (m = 0; m < NMODES; m++) {
			free(times[i].tx[m]);
			free(times[i].q[m]);
		}
	}
	strata_conn_close(mc);
	strata_conn_close(c);
	for (i = 0; i < nsteps; i++)
		strata_buf_release(&steps[i].sql);
	cluster_cleanup();
	return 0;
}
