/*
 * cmd_dev.c: `strata dev`, the project's local PostgreSQL cluster.
 *
 *   strata dev up       create (first time) and start it; print its URL
 *   strata dev down     stop it; no process is left behind
 *   strata dev status   running or stopped, PID, port, size
 *   strata dev url      the URL alone, for scripts
 *   strata dev psql     psql connected to it (arguments after -- go to psql)
 *   strata dev reset    delete it and create it afresh
 *   strata dev destroy  stop it and delete it with all its data
 *
 * The cluster lives in <project>/.strata/cluster (see strata/cluster.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct dev_opts {
	const char *bindir;
	int socket;
	int yes;
} dev_opts;

typedef int (*dev_fn)(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args);

typedef struct dev_sub {
	const char *name;
	const char *summary;
	const char *usage;
	dev_fn run;
	int takes_args;
} dev_sub;

static const char *action_name(strata_cluster_action a)
{
	switch (a) {
	case STRATA_CLUSTER_ALREADY_RUNNING: return "already_running";
	case STRATA_CLUSTER_STARTED: return "started";
	case STRATA_CLUSTER_CREATED: return "created";
	case STRATA_CLUSTER_RECOVERED: return "recovered";
	}
	return "unknown";
}

static void json_cluster_fields(strata_json *w, strata_cluster *c, const strata_cluster_status *st)
{
	strata_json_key(w, "state");
	strata_json_string(w, strata_cluster_state_name(st->state));
	strata_json_key(w, "pid");
	if (st->pid > 0)
		strata_json_int(w, st->pid);
	else
		strata_json_null(w);
	strata_json_key(w, "port");
	if (st->port > 0)
		strata_json_int(w, st->port);
	else
		strata_json_null(w);
	strata_json_key(w, "accepting");
	strata_json_bool(w, st->accepting);
	strata_json_key(w, "size_bytes");
	strata_json_int(w, st->size_bytes);
	strata_json_key(w, "pg_major");
	if (st->pg_major > 0)
		strata_json_int(w, st->pg_major);
	else
		strata_json_null(w);
	strata_json_key(w, "url");
	strata_json_string(w, st->state == STRATA_CLUSTER_ABSENT ? NULL : strata_cluster_url(c));
	strata_json_key(w, "socket_url");
	strata_json_string(w, st->state == STRATA_CLUSTER_ABSENT ? NULL : strata_cluster_socket_url(c));
	strata_json_key(w, "dir");
	strata_json_string(w, strata_cluster_dir(c));
	strata_json_key(w, "data_dir");
	strata_json_string(w, strata_cluster_data_dir(c));
	strata_json_key(w, "socket_dir");
	strata_json_string(w, strata_cluster_socket_dir(c));
	strata_json_key(w, "log_file");
	strata_json_string(w, strata_cluster_log_file(c));
	strata_json_key(w, "server_user");
	strata_json_string(w, st->server_user);
}

static int dev_up(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_action action;
	strata_cluster_status st;
	strata_buf out = STRATA_BUF_INIT;
	int rc;

	(void)o;
	(void)nargs;
	(void)args;
	rc = strata_cluster_up(&action, c, &err);
	if (rc != 0)
		return cli_report(ctx, &err);
	rc = strata_cluster_get_status(&st, c, &err);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "action");
		strata_json_string(&w, action_name(action));
		json_cluster_fields(&w, c, &st);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		if (action == STRATA_CLUSTER_ALREADY_RUNNING)
			strata_log(STRATA_LOG_NOTICE, "the dev cluster is already running (pid %d, port %d)",
				st.pid, st.port);
		else
			strata_log(STRATA_LOG_NOTICE, "the dev cluster is %s: PostgreSQL %d on port %d (pid %d)",
				action == STRATA_CLUSTER_CREATED ? "created and running"
				: action == STRATA_CLUSTER_RECOVERED ? "recovered and running" : "running",
				st.pg_major, st.port, st.pid);
		strata_buf_printf(&out, "%s\n", strata_cluster_url(c));
	}
	rc = cli_write_stdout(&out);
	strata_buf_release(&out);
	return rc;
}

static int dev_down(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status before;
	strata_buf out = STRATA_BUF_INIT;
	const char *what;
	int rc;

	(void)o;
	(void)nargs;
	(void)args;
	rc = strata_cluster_get_status(&before, c, &err);
	if (rc == 0)
		rc = strata_cluster_down(c, &err);
	if (rc != 0)
		return cli_report(ctx, &err);
	what = before.state == STRATA_CLUSTER_RUNNING ? "stopped"
		: before.state == STRATA_CLUSTER_STALE ? "cleaned_up"
		: before.state == STRATA_CLUSTER_ABSENT ? "absent" : "not_running";
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf_printf(&out, "{\"action\":\"%s\"}\n", what);
		rc = cli_write_stdout(&out);
	} else if (before.state == STRATA_CLUSTER_RUNNING) {
		strata_log(STRATA_LOG_NOTICE, "stopped the dev cluster (pid %d)", before.pid);
	} else if (before.state == STRATA_CLUSTER_STALE) {
		strata_log(STRATA_LOG_NOTICE,
			"the dev cluster was not running; cleared what a crashed server left behind");
	} else if (before.state == STRATA_CLUSTER_ABSENT) {
		strata_log(STRATA_LOG_NOTICE, "there is no dev cluster in '%s'", strata_cluster_dir(c));
	} else {
		strata_log(STRATA_LOG_NOTICE, "the dev cluster is not running");
	}
	strata_buf_release(&out);
	return rc;
}

static int dev_status(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status st;
	strata_buf out = STRATA_BUF_INIT;
	char size[32];
	int rc;

	(void)o;
	(void)nargs;
	(void)args;
	rc = strata_cluster_get_status(&st, c, &err);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		json_cluster_fields(&w, c, &st);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else if (st.state == STRATA_CLUSTER_ABSENT) {
		strata_buf_printf(&out, "state:   absent (no cluster in '%s'; 'strata dev up' creates one)\n",
			strata_cluster_dir(c));
	} else {
		cli_format_size(size, sizeof(size), st.size_bytes);
		strata_buf_printf(&out, "state:   %s%s\n", strata_cluster_state_name(st.state),
			st.state == STRATA_CLUSTER_STALE ? " (the server crashed or was killed; 'strata dev up' recovers it)"
			: st.state == STRATA_CLUSTER_RUNNING && !st.accepting ? " (not accepting connections yet)"
			: "");
		if (st.pid > 0 && st.state == STRATA_CLUSTER_RUNNING)
			strata_buf_printf(&out, "pid:     %d\n", st.pid);
		if (st.port > 0)
			strata_buf_printf(&out, "port:    %d\n", st.port);
		strata_buf_printf(&out, "size:    %s\n", size);
		strata_buf_printf(&out, "version: PostgreSQL %d\n", st.pg_major);
		if (strata_cluster_url(c) != NULL)
			strata_buf_printf(&out, "url:     %s\n", strata_cluster_url(c));
		strata_buf_printf(&out, "data:    %s\n", strata_cluster_data_dir(c));
		strata_buf_printf(&out, "log:     %s\n", strata_cluster_log_file(c));
		strata_buf_printf(&out, "user:    %s\n", st.server_user);
	}
	rc = cli_write_stdout(&out);
	strata_buf_release(&out);
	if (rc == 0 && st.state == STRATA_CLUSTER_STALE)
		rc = CLI_EXIT_FINDINGS;
	return rc;
}

static int require_running(cli_ctx *ctx, strata_cluster *c)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status st;

	if (strata_cluster_get_status(&st, c, &err) != 0)
		return cli_report(ctx, &err);
	if (st.state == STRATA_CLUSTER_RUNNING)
		return 0;
	strata_error_set(&err, STRATA_EENV, "the dev cluster is %s: run 'strata dev up' first",
		st.state == STRATA_CLUSTER_ABSENT ? "not created" : "not running");
	return cli_report(ctx, &err);
}

static int dev_url(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_buf out = STRATA_BUF_INIT;
	const char *url;
	int rc;

	(void)nargs;
	(void)args;
	rc = require_running(ctx, c);
	if (rc != 0)
		return rc;
	url = o->socket ? strata_cluster_socket_url(c) : strata_cluster_url(c);
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "url");
		strata_json_string(&w, url);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	} else {
		strata_buf_printf(&out, "%s\n", url);
	}
	rc = cli_write_stdout(&out);
	strata_buf_release(&out);
	return rc;
}

static int dev_psql(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf psql = STRATA_BUF_INIT;
	char **argv;
	int i, rc;

	(void)o;
	rc = require_running(ctx, c);
	if (rc != 0)
		return rc;
	strata_buf_printf(&psql, "%s/psql", strata_cluster_bindir(c));
	if (strata_cluster_bindir(c)[0] == '\0' || access(strata_buf_cstr(&psql), X_OK) != 0) {
		strata_buf_clear(&psql);
		strata_buf_puts(&psql, "psql");
	}
	argv = calloc((size_t)nargs + 3, sizeof(char *));
	if (argv == NULL || strata_buf_failed(&psql)) {
		free(argv);
		strata_buf_release(&psql);
		strata_error_set(&err, STRATA_ENOMEM, "out of memory");
		return cli_report(ctx, &err);
	}
	argv[0] = (char *)strata_buf_cstr(&psql);
	argv[1] = (char *)strata_cluster_socket_url(c);
	for (i = 0; i < nargs; i++)
		argv[2 + i] = args[i];
	argv[2 + nargs] = NULL;
	fflush(stdout);
	fflush(stderr);
	execvp(argv[0], argv);
	strata_error_set(&err, STRATA_EENV, "cannot run '%s': %s", argv[0], strerror(errno));
	free(argv);
	strata_buf_release(&psql);
	return cli_report(ctx, &err);
}

static int confirm_delete(cli_ctx *ctx, strata_cluster *c, const dev_opts *o, int *proceed)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status st;
	char answer[16] = "";

	*proceed = 1;
	if (o->yes || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0;
	if (strata_cluster_get_status(&st, c, &err) != 0)
		return cli_report(ctx, &err);
	if (st.state == STRATA_CLUSTER_ABSENT)
		return 0;
	fprintf(stderr, "strata: delete every database of the dev cluster in '%s'? [y/N] ",
		strata_cluster_dir(c));
	if (fgets(answer, sizeof(answer), stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
		fprintf(stderr, "strata: nothing changed\n");
		*proceed = 0;
	}
	return 0;
}

static int dev_reset(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	int rc, proceed;

	rc = confirm_delete(ctx, c, o, &proceed);
	if (rc != 0 || !proceed)
		return rc;
	if (strata_cluster_reset(c, &err) != 0)
		return cli_report(ctx, &err);
	strata_log(STRATA_LOG_NOTICE, "the dev cluster was deleted and created afresh");
	return dev_up(ctx, c, o, nargs, args);
}

static int dev_destroy(cli_ctx *ctx, strata_cluster *c, dev_opts *o, int nargs, char **args)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_cluster_status before;
	strata_buf out = STRATA_BUF_INIT;
	int rc, proceed;

	(void)nargs;
	(void)args;
	rc = confirm_delete(ctx, c, o, &proceed);
	if (rc != 0 || !proceed)
		return rc;
	if (strata_cluster_get_status(&before, c, &err) != 0 || strata_cluster_destroy(c, &err) != 0)
		return cli_report(ctx, &err);
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_buf_printf(&out, "{\"action\":\"%s\"}\n",
			before.state == STRATA_CLUSTER_ABSENT ? "absent" : "destroyed");
		rc = cli_write_stdout(&out);
	} else if (before.state == STRATA_CLUSTER_ABSENT) {
		strata_log(STRATA_LOG_NOTICE, "there is no dev cluster in '%s'", strata_cluster_dir(c));
	} else {
		strata_log(STRATA_LOG_NOTICE, "deleted the dev cluster in '%s'", strata_cluster_dir(c));
	}
	strata_buf_release(&out);
	return rc;
}

static const dev_sub subs[] = {
	{ "up", "create (the first time) and start the cluster; print its URL", "strata dev up [--bindir DIR]", dev_up, 0 },
	{ "down", "stop the cluster, leaving no process behind", "strata dev down", dev_down, 0 },
	{ "status", "running or stopped, PID, port, size, URL", "strata dev status", dev_status, 0 },
	{ "url", "print the cluster's URL alone (for scripts)", "strata dev url [--socket]", dev_url, 0 },
	{ "psql", "open psql on the cluster (arguments after -- go to psql)", "strata dev psql [-- psql arguments]", dev_psql, 1 },
	{ "reset", "delete the cluster and all its data, then create it afresh", "strata dev reset [--yes]", dev_reset, 0 },
	{ "destroy", "stop the cluster and delete it with all its data", "strata dev destroy [--yes]", dev_destroy, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static void print_dev_help(cli_ctx *ctx, const cli_option *opts)
{
	const dev_sub *s;

	printf("Usage: strata dev <command> [options]\n\n"
		"A private PostgreSQL cluster for this project, in .strata/cluster/. It listens on a\n"
		"Unix socket in that folder and on 127.0.0.1 at a free port. Commands that need a\n"
		"database use it when no other database is given and it is running.\n\n"
		"Commands:\n");
	for (s = subs; s->name != NULL; s++)
		printf("  %-8s  %s\n", s->name, s->summary);
	printf("\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

int cmd_dev(cli_ctx *ctx, int argc, char **argv)
{
	dev_opts o;
	const cli_option opts[] = {
		{ "bindir", 0, CLI_OPT_STRING, &o.bindir, "DIR",
		  "PostgreSQL binaries to use (up, reset; default: found automatically)", 0, 0, NULL },
		{ "socket", 0, CLI_OPT_FLAG, &o.socket, NULL, "print the Unix-socket URL (url)", 0, 0, NULL },
		{ "yes", 'y', CLI_OPT_FLAG, &o.yes, NULL, "do not ask before deleting data (reset, destroy)", 0, 0, NULL },
		CLI_OPTIONS_END
	};
	strata_cluster_options copts = STRATA_CLUSTER_OPTIONS_INIT;
	strata_cluster *cluster = NULL;
	strata_error err = STRATA_ERROR_INIT;
	strata_buf dir = STRATA_BUF_INIT;
	const dev_sub *s;
	char usage_name[32];
	char **args;
	int nargs, idx, rc;

	memset(&o, 0, sizeof(o));
	idx = cli_command_index(ctx, argc, argv);
	if (idx >= argc) {
		rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "dev");
		if (rc != 0)
			return rc;
		if (ctx->help) {
			print_dev_help(ctx, opts);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(ctx, "'strata dev' needs a command: up, down, status, url, psql, reset or destroy");
	}
	for (s = subs; s->name != NULL; s++)
		if (strcmp(s->name, argv[idx]) == 0)
			break;
	if (s->name == NULL)
		return cli_usage_error(ctx, "unknown command 'strata dev %s' (see 'strata dev --help')",
			argv[idx]);
	{
		const cli_sub_help help = { s->name, s->usage, s->summary };

		rc = cli_parse_subcommand(ctx, opts, argc, argv, idx, "dev", &help, usage_name, sizeof(usage_name),
			&args, &nargs);
		if (rc >= 0)
			return rc;
	}
	if (nargs > 0 && !s->takes_args)
		return cli_usage_error(ctx, "'strata %s' takes no arguments (got '%s')", usage_name, args[0]);
	ctx->command = "dev";

	rc = cli_cluster_dir(&dir, ctx, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	copts.dir = strata_buf_cstr(&dir);
	copts.bindir = o.bindir;
	copts.notify = cli_notice;
	rc = strata_cluster_open(&cluster, &copts, &err);
	if (rc != 0) {
		rc = cli_report(ctx, &err);
		goto done;
	}
	rc = s->run(ctx, cluster, &o, nargs, args);
done:
	strata_cluster_free(cluster);
	strata_buf_release(&dir);
	return rc;
}
