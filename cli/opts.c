/*
 * opts.c: the table-driven option parser and the help printer that reads the
 * same tables, so that --help can never disagree with what is accepted.
 *
 * Rules: long options as --name or --name=value or --name value; short ones
 * as -x, -xVALUE or -x VALUE, flags bundled (-vv); options and positionals
 * may interleave; "--" ends the options. Number and duration values are
 * range-checked and a bad one names the option and the value.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const format_choices[] = { "text", "json", NULL };

const cli_option *cli_global_options(cli_ctx *ctx)
{
	static cli_option table[10];
	const cli_option defs[] = {
		{ "database-url", 'd', CLI_OPT_STRING, &ctx->database_url, "URL",
		  "database to use (overrides DATABASE_URL and PG* variables)", 0, 0, NULL },
		{ "password-file", 0, CLI_OPT_STRING, &ctx->password_file, "FILE",
		  "read the database password from the first line of FILE", 0, 0, NULL },
		{ "connect-timeout", 0, CLI_OPT_DURATION, &ctx->connect_timeout_ms, "TIME",
		  "give up connecting after TIME (default 10s)", 0, 0, NULL },
		{ "project-dir", 'C', CLI_OPT_STRING, &ctx->project_dir, "DIR",
		  "run as if started in DIR", 0, 0, NULL },
		{ "format", 0, CLI_OPT_CHOICE, &ctx->format, "text|json",
		  "output format (default text)", 0, 0, format_choices },
		{ "quiet", 'q', CLI_OPT_FLAG, &ctx->quiet, NULL, "print only results and errors", 0, 0, NULL },
		{ "verbose", 'v', CLI_OPT_COUNT, &ctx->verbose, NULL,
		  "say more (repeat for debug output)", 0, 0, NULL },
		{ "no-color", 0, CLI_OPT_FLAG, &ctx->no_color, NULL,
		  "no colour (also NO_COLOR=1)", 0, 0, NULL },
		{ "help", 'h', CLI_OPT_FLAG, &ctx->help, NULL, "show help for the command", 0, 0, NULL },
		CLI_OPTIONS_END
	};

	memcpy(table, defs, sizeof(defs));
	return table;
}

static const cli_option *find_long(const cli_option *const *tables, const char *name, size_t len)
{
	int t;
	const cli_option *o;

	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]; o->name != NULL; o++)
			if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
	return NULL;
}

static const cli_option *find_short(const cli_option *const *tables, char c)
{
	int t;
	const cli_option *o;

	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]; o->name != NULL; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

static int takes_value(const cli_option *o)
{
	return o->kind != CLI_OPT_FLAG && o->kind != CLI_OPT_COUNT;
}

static int apply(const cli_ctx *ctx, const cli_option *o, const char *value)
{
	int64_t ms;
	int i;

	switch (o->kind) {
	case CLI_OPT_FLAG:
		*(int *)o->target = 1;
		return 0;
	case CLI_OPT_COUNT:
		(*(int *)o->target)++;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)o->target = value;
		return 0;
	case CLI_OPT_INT:
		{
			char *end = NULL;
			long long v = strtoll(value, &end, 10);

			if (value[0] == '\0' || value[0] == ' ' || value[0] == '+' || end == value ||
				*end != '\0' || v < o->min || v > o->max)
				return cli_usage_error(ctx,
					"invalid value '%s' for --%s: expected a whole number from %d to %d",
					value, o->name, o->min, o->max);
			*(int *)o->target = (int)v;
			return 0;
		}
	case CLI_OPT_DURATION:
		{
			char *end = NULL;
			long long n = strtoll(value, &end, 10);
			const char *unit = end;

			ms = -1;
			if (end != value && n >= 0 && n <= 100000000LL) {
				if (*unit == '\0' || strcmp(unit, "s") == 0)
					ms = n * 1000;
				else if (strcmp(unit, "ms") == 0)
					ms = n;
				else if (strcmp(unit, "min") == 0 || strcmp(unit, "m") == 0)
					ms = n * 60000;
				else if (strcmp(unit, "h") == 0)
					ms = n * 3600000;
			}
			if (ms < 0 || value[0] == '-' || value[0] == '+' || value[0] == ' ')
				return cli_usage_error(ctx,
					"invalid value '%s' for --%s: expected a duration such as 500ms, 5s, 2min or 1h",
					value, o->name);
			/* PostgreSQL's limit for a timeout, and strata.yaml's: about 24 days. */
			if (ms > 2147483647LL)
				return cli_usage_error(ctx, "invalid value '%s' for --%s: at most 24 days (2147483647ms)",
					value, o->name);
			*(int64_t *)o->target = ms;
			return 0;
		}
	case CLI_OPT_CHOICE:
		for (i = 0; o->choices[i] != NULL; i++) {
			if (strcmp(o->choices[i], value) == 0) {
				*(int *)o->target = i;
				return 0;
			}
		}
		return cli_usage_error(ctx, "invalid value '%s' for --%s: expected %s", value, o->name,
			o->metavar);
	case CLI_OPT_LIST:
		{
			cli_list *l = o->target;

			if (l->n >= CLI_LIST_MAX)
				return cli_usage_error(ctx, "too many --%s options (at most %d)", o->name,
					CLI_LIST_MAX);
			l->items[l->n++] = value;
			return 0;
		}
	}
	return CLI_EXIT_INTERNAL;
}

int cli_parse(cli_ctx *ctx, const cli_option *opts, int argc, char **argv, char ***out_args,
	int *out_nargs, const char *usage_name)
{
	const cli_option *tables[3];
	int i, npos = 0, rc;

	tables[0] = opts;
	tables[1] = cli_global_options(ctx);
	tables[2] = NULL;
	if (opts == NULL) {
		tables[0] = tables[1];
		tables[1] = NULL;
	}
	/* Positionals are compacted to the front of argv + 1, in order. */
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				argv[1 + npos++] = argv[i];
			break;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const cli_option *o = find_long(tables, name, len);
			const char *value = NULL;

			if (o == NULL)
				return cli_usage_error(ctx, "unknown option '--%.*s' for 'strata %s' (see 'strata %s --help')",
					(int)len, name, usage_name, usage_name);
			if (takes_value(o)) {
				if (eq != NULL)
					value = eq + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return cli_usage_error(ctx, "option '--%s' needs a value (%s)", o->name,
						o->metavar);
			} else if (eq != NULL) {
				return cli_usage_error(ctx, "option '--%s' takes no value", o->name);
			}
			rc = apply(ctx, o, value);
			if (rc != 0)
				return rc;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			const char *p;

			for (p = a + 1; *p != '\0'; p++) {
				const cli_option *o = find_short(tables, *p);

				if (o == NULL)
					return cli_usage_error(ctx, "unknown option '-%c' for 'strata %s' (see 'strata %s --help')",
						*p, usage_name, usage_name);
				if (takes_value(o)) {
					const char *value = p[1] != '\0' ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
					if (value == NULL)
						return cli_usage_error(ctx, "option '-%c' needs a value (%s)", *p,
							o->metavar);
					rc = apply(ctx, o, value);
					if (rc != 0)
						return rc;
					break;
				}
				rc = apply(ctx, o, NULL);
				if (rc != 0)
					return rc;
			}
			continue;
		}
		argv[1 + npos++] = a;
	}
	*out_args = argv + 1;
	*out_nargs = npos;
	cli_setup_logging(ctx);
	return 0;
}

void cli_print_options(FILE *out, const char *title, const cli_option *opts)
{
	const cli_option *o;
	char left[64];

	fprintf(out, "%s:\n", title);
	for (o = opts; o->name != NULL; o++) {
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				o->metavar ? " " : "", o->metavar ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
				o->metavar ? o->metavar : "");
		if (strlen(left) > 28)
			fprintf(out, "  %s\n  %-28s  %s\n", left, "", o->help);
		else
			fprintf(out, "  %-28s  %s\n", left, o->help);
	}
}

int cli_parse_subcommand(cli_ctx *ctx, const cli_option *opts, int argc, char **argv, int idx,
	const char *command, const cli_sub_help *sub, char *usage_name, size_t usage_size, char ***args,
	int *nargs)
{
	int rc;

	/* Global options may come before the subcommand's name, its own after it. */
	rc = cli_parse(ctx, NULL, idx, argv, args, nargs, command);
	if (rc != 0)
		return rc;
	snprintf(usage_name, usage_size, "%s %s", command, sub->name);
	rc = cli_parse(ctx, opts, argc - idx, argv + idx, args, nargs, usage_name);
	if (rc != 0)
		return rc;
	if (ctx->help) {
		printf("Usage: %s\n\n%s.\n\n", sub->usage, sub->summary);
		cli_print_options(stdout, "Options", opts);
		printf("\n");
		cli_print_options(stdout, "Global options", cli_global_options(ctx));
		return CLI_EXIT_OK;
	}
	return -1;
}
