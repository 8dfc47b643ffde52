/*
 * log.c: levelled logging through an application-installed sink.
 *
 * The library calls strata_log*(); nothing is written unless the application
 * installed a sink. The standard sink (strata_log_use_stderr) writes text
 * lines or JSON lines to stderr, one write(2) per record so that lines from
 * concurrent processes do not interleave.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "strata/json.h"
#include "strata/log.h"

#include "base.h"

static strata_log_sink log_sink;
static void *log_sink_ud;
static strata_log_level log_level = STRATA_LOG_NOTICE;

static struct {
	strata_log_format format;
	int color;
	char prefix[64];
} stderr_cfg;

const char *strata_log_level_name(strata_log_level level)
{
	switch (level) {
	case STRATA_LOG_ERROR: return "error";
	case STRATA_LOG_WARNING: return "warning";
	case STRATA_LOG_NOTICE: return "notice";
	case STRATA_LOG_INFO: return "info";
	case STRATA_LOG_DEBUG: return "debug";
	case STRATA_LOG_TRACE: return "trace";
	}
	return "unknown";
}

void strata_log_set_sink(strata_log_sink sink, void *ud)
{
	log_sink = sink;
	log_sink_ud = ud;
}

void strata_log_set_level(strata_log_level level)
{
	log_level = level;
}

strata_log_level strata_log_get_level(void)
{
	return log_level;
}

int strata_log_enabled(strata_log_level level)
{
	return log_sink != NULL && level <= log_level;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static const char *level_color(strata_log_level level)
{
	switch (level) {
	case STRATA_LOG_ERROR: return "\033[1;31m";
	case STRATA_LOG_WARNING: return "\033[1;33m";
	case STRATA_LOG_NOTICE: return "\033[1;36m";
	default: return "\033[2m";
	}
}

/* Longest message and string field a record keeps; the rest is cut and marked. */
#define LOG_MSG_MAX 16384
#define LOG_FIELD_MAX 4096
#define LOG_LINE_MAX (1024 * 1024)

/* s, or a copy cut at max bytes (on a UTF-8 boundary) and marked, in tmp. */
static const char *clip(strata_buf *tmp, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	strata_buf_clear(tmp);
	strata_buf_append(tmp, s, max);
	strata_buf_puts(tmp, " [truncated]");
	return strata_buf_failed(tmp) ? "(log text could not be formatted)" : strata_buf_cstr(tmp);
}

static void format_record(strata_buf *line, strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields)
{
	strata_buf tmp = STRATA_BUF_INIT;
	char ts[40];
	int i;

	if (stderr_cfg.format == STRATA_LOG_JSON) {
		strata_json w;

		st_wall_iso8601(ts, sizeof(ts));
		strata_json_init(&w, line, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "ts");
		strata_json_string(&w, ts);
		strata_json_key(&w, "level");
		strata_json_string(&w, strata_log_level_name(level));
		strata_json_key(&w, "msg");
		strata_json_string(&w, clip(&tmp, msg, LOG_MSG_MAX));
		for (i = 0; i < nfields; i++) {
			strata_json_key(&w, fields[i].key);
			if (fields[i].str != NULL)
				strata_json_string(&w, clip(&tmp, fields[i].str, LOG_FIELD_MAX));
			else
				strata_json_int(&w, fields[i].num);
		}
		strata_json_object_end(&w);
	} else {
		if (stderr_cfg.prefix[0] != '\0')
			strata_buf_printf(line, "%s: ", stderr_cfg.prefix);
		if (level != STRATA_LOG_NOTICE) {
			if (stderr_cfg.color)
				strata_buf_printf(line, "%s%s:\033[0m ", level_color(level),
					strata_log_level_name(level));
			else
				strata_buf_printf(line, "%s: ", strata_log_level_name(level));
		}
		strata_buf_puts(line, clip(&tmp, msg, LOG_MSG_MAX));
		for (i = 0; i < nfields; i++) {
			if (fields[i].str != NULL)
				strata_buf_printf(line, " %s=%s", fields[i].key,
					clip(&tmp, fields[i].str, LOG_FIELD_MAX));
			else
				strata_buf_printf(line, " %s=%lld", fields[i].key, fields[i].num);
		}
	}
	strata_buf_putc(line, '\n');
	strata_buf_release(&tmp);
}

static void stderr_sink(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields, void *ud)
{
	strata_buf line = STRATA_BUF_INIT;

	ST_UNUSED(ud);
	strata_buf_init(&line, LOG_LINE_MAX);
	format_record(&line, level, msg, fields, nfields);
	if (strata_buf_failed(&line)) {
		/* Out of memory or absurdly many fields: still one whole, valid line. */
		static const char text[] = "strata: error: (a log record could not be formatted)\n";
		static const char json[] =
			"{\"level\":\"error\",\"msg\":\"(a log record could not be formatted)\"}\n";

		if (stderr_cfg.format == STRATA_LOG_JSON)
			write_all(STDERR_FILENO, json, sizeof(json) - 1);
		else
			write_all(STDERR_FILENO, text, sizeof(text) - 1);
	} else {
		write_all(STDERR_FILENO, strata_buf_cstr(&line), line.len);
	}
	strata_buf_release(&line);
}

void strata_log_use_stderr(strata_log_format format, int color, const char *prefix)
{
	stderr_cfg.format = format;
	stderr_cfg.color = color;
	st_strlcpy(stderr_cfg.prefix, prefix ? prefix : "", sizeof(stderr_cfg.prefix));
	strata_log_set_sink(stderr_sink, NULL);
}

void strata_log_fields(strata_log_level level, const char *msg,
	const strata_log_field *fields, int nfields)
{
	if (!strata_log_enabled(level))
		return;
	log_sink(level, msg, fields, nfields, log_sink_ud);
}

void strata_logv(strata_log_level level, const char *fmt, va_list ap)
{
	strata_buf msg = STRATA_BUF_INIT;

	if (!strata_log_enabled(level))
		return;
	strata_buf_init(&msg, LOG_LINE_MAX);
	strata_buf_vprintf(&msg, fmt, ap);
	log_sink(level, strata_buf_failed(&msg) ? "(a log message could not be formatted)"
		: strata_buf_cstr(&msg), NULL, 0, log_sink_ud);
	strata_buf_release(&msg);
}

void strata_log(strata_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_logv(level, fmt, ap);
	va_end(ap);
}
