/*
 * output.c: how the strata command speaks: errors and notices on stderr
 * (text or JSON lines), results on stdout, exit codes from error codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_for(int code)
{
	switch (code) {
	case STRATA_OK: return CLI_EXIT_OK;
	case STRATA_EINVAL: return CLI_EXIT_INPUT;
	case STRATA_ENOTFOUND: return CLI_EXIT_INPUT;
	case STRATA_ECONNECT: return CLI_EXIT_DATABASE;
	case STRATA_EDB: return CLI_EXIT_DATABASE;
	case STRATA_ETIMEOUT: return CLI_EXIT_LOCK;
	case STRATA_ELOCKED: return CLI_EXIT_LOCK;
	case STRATA_EIO: return CLI_EXIT_ENVIRONMENT;
	case STRATA_EENV: return CLI_EXIT_ENVIRONMENT;
	case STRATA_ESTATE: return CLI_EXIT_ENVIRONMENT;
	default: return CLI_EXIT_INTERNAL;
	}
}

static const struct exit_row {
	int code;
	const char *name;
	const char *meaning;
} exit_table[] = {
	{ CLI_EXIT_OK, "ok", "success" },
	{ CLI_EXIT_FINDINGS, "findings", "the command ran and found problems (a failed check, a stale cluster)" },
	{ CLI_EXIT_USAGE, "usage", "bad command line: unknown command or option, bad option value" },
	{ CLI_EXIT_INPUT, "input", "bad input: a malformed or unreadable file, config, URL or password file" },
	{ CLI_EXIT_DATABASE, "database", "no database given, cannot connect or log in, or the server reported an error" },
	{ CLI_EXIT_LOCK, "lock", "a lock could not be taken or a timeout expired" },
	{ CLI_EXIT_ENVIRONMENT, "environment", "the environment is unfit: PostgreSQL binaries, OS users, files, permissions, a cluster that is not running, a pooling proxy where the migration lock cannot hold" },
	{ CLI_EXIT_INTERNAL, "internal", "out of memory or a bug in strata" },
	{ CLI_EXIT_INTERRUPTED, "interrupted", "stopped by Ctrl-C (SIGINT); another signal gives 128 + its number" },
};

const char *cli_exit_name(int exit_code)
{
	size_t i;

	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].code == exit_code)
			return exit_table[i].name;
	return "unknown";
}

void cli_print_exit_codes(strata_buf *out, int json)
{
	size_t i, n = sizeof(exit_table) / sizeof(exit_table[0]);

	if (json) {
		strata_json w;

		strata_json_init(&w, out, 0);
		strata_json_array_begin(&w);
		for (i = 0; i < n; i++) {
			strata_json_object_begin(&w);
			strata_json_key(&w, "code");
			strata_json_int(&w, exit_table[i].code);
			strata_json_key(&w, "name");
			strata_json_string(&w, exit_table[i].name);
			strata_json_key(&w, "meaning");
			strata_json_string(&w, exit_table[i].meaning);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_buf_putc(out, '\n');
		return;
	}
	strata_buf_puts(out, "Exit codes of strata (stable; docs/exit-codes.md):\n");
	for (i = 0; i < n; i++)
		strata_buf_printf(out, "  %3d  %-12s  %s\n", exit_table[i].code, exit_table[i].name,
			exit_table[i].meaning);
}

static void write_stderr(const strata_buf *b)
{
	const char *p = strata_buf_cstr(b);
	size_t n = b->len;

	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

int cli_write_stdout(const strata_buf *b)
{
	const char *p = strata_buf_cstr(b);
	size_t n = b->len;

	fflush(stdout);
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w <= 0)
			return CLI_EXIT_ENVIRONMENT;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int report(const cli_ctx *ctx, int exit_code, const char *code_name, const strata_error *err,
	const char *message)
{
	strata_buf b = STRATA_BUF_INIT;

	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &b, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "error");
		strata_json_object_begin(&w);
		strata_json_key(&w, "code");
		strata_json_string(&w, code_name);
		strata_json_key(&w, "exit");
		strata_json_int(&w, exit_code);
		strata_json_key(&w, "message");
		strata_json_string(&w, message);
		if (err != NULL && err->sqlstate[0] != '\0') {
			strata_json_key(&w, "sqlstate");
			strata_json_string(&w, err->sqlstate);
		}
		if (err != NULL && err->detail[0] != '\0') {
			strata_json_key(&w, "detail");
			strata_json_string(&w, err->detail);
		}
		if (err != NULL && err->hint[0] != '\0') {
			strata_json_key(&w, "hint");
			strata_json_string(&w, err->hint);
		}
		strata_json_object_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&b, '\n');
	} else {
		const char *red = ctx->color_stderr ? "\033[1;31m" : "";
		const char *off = ctx->color_stderr ? "\033[0m" : "";

		strata_buf_printf(&b, "strata: %serror:%s %s", red, off, message);
		if (err != NULL && err->sqlstate[0] != '\0' && exit_code == CLI_EXIT_DATABASE &&
			strncmp(err->sqlstate, "08", 2) != 0 && strncmp(err->sqlstate, "28", 2) != 0)
			strata_buf_printf(&b, " (SQLSTATE %s)", err->sqlstate);
		strata_buf_putc(&b, '\n');
		if (err != NULL && err->detail[0] != '\0' && ctx->verbose > 0)
			strata_buf_printf(&b, "strata: detail: %s\n", err->detail);
		if (err != NULL && err->hint[0] != '\0')
			strata_buf_printf(&b, "strata: hint: %s\n", err->hint);
	}
	write_stderr(&b);
	strata_buf_release(&b);
	return exit_code;
}

int cli_report(const cli_ctx *ctx, const strata_error *err)
{
	int exit_code = cli_exit_for(err->code);

	return report(ctx, exit_code, strata_code_name(err->code), err,
		err->message[0] ? err->message : "unknown error");
}

int cli_report_exit(const cli_ctx *ctx, const strata_error *err, int exit_code)
{
	return report(ctx, exit_code, strata_code_name(err->code), err,
		err->message[0] ? err->message : "unknown error");
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
	strata_buf msg = STRATA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	report(ctx, CLI_EXIT_USAGE, "usage", NULL, strata_buf_cstr(&msg));
	strata_buf_release(&msg);
	return CLI_EXIT_USAGE;
}

void cli_format_size(char *out, size_t outsz, long long bytes)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outsz, "%lld bytes", bytes);
	else
		snprintf(out, outsz, "%.1f %s", v, units[u]);
}

void cli_setup_logging(cli_ctx *ctx)
{
	const char *no_color = getenv("NO_COLOR");
	int json;
	strata_log_level level = STRATA_LOG_NOTICE;

	if (no_color != NULL && *no_color != '\0')
		ctx->no_color = 1;
	ctx->color_stderr = !ctx->no_color && isatty(STDERR_FILENO);
	ctx->color_stdout = !ctx->no_color && isatty(STDOUT_FILENO);
	json = ctx->log_format >= 0 ? ctx->log_format == CLI_FORMAT_JSON : ctx->format == CLI_FORMAT_JSON;
	if (ctx->quiet)
		level = STRATA_LOG_WARNING;
	else if (ctx->verbose == 1)
		level = STRATA_LOG_INFO;
	else if (ctx->verbose == 2)
		level = STRATA_LOG_DEBUG;
	else if (ctx->verbose > 2)
		level = STRATA_LOG_TRACE;
	strata_log_set_level(level);
	strata_log_use_stderr(json ? STRATA_LOG_JSON : STRATA_LOG_TEXT, ctx->color_stderr, "strata");
}

void cli_notice(const char *message, void *ud)
{
	(void)ud;
	strata_log(STRATA_LOG_NOTICE, "%s", message);
}

/* Writes data to path through path.tmp and a rename, so a reader never sees half a file. */
int cli_write_file(const char *path, const strata_buf *data, strata_error *err)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return strata_error_set(err, STRATA_EINVAL, "path too long: %s", path);
	f = fopen(tmp, "wb");
	if (f == NULL)
		return strata_error_set(err, STRATA_EIO, "cannot write %s", tmp);
	ok = fwrite(data->ptr, 1, data->len, f) == data->len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		return strata_error_set(err, STRATA_EIO, "cannot write %s", path);
	}
	return 0;
}

/* Reads a whole file into out. */
int cli_read_file(const char *path, strata_buf *out, strata_error *err)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return strata_error_set(err, STRATA_EIO, "cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strata_buf_append(out, chunk, n);
	fclose(f);
	return strata_buf_failed(out) ? strata_error_set(err, STRATA_ENOMEM, "out of memory") : 0;
}
