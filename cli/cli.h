/*
 * cli.h: what the strata command's files share: the invocation context, the
 * table-driven option parser, the command table, output and exit codes.
 *
 * The CLI uses libstrata's public headers only. It is the one place that
 * decides what to print and how to exit.
 */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "strata/strata.h"

#include "exit.h"

/* Last, so that it cannot clash with system headers: see src/policy/banned.h. */
#include "banned.h"

typedef enum cli_format {
	CLI_FORMAT_TEXT = 0,
	CLI_FORMAT_JSON = 1
} cli_format;

/* Global options and what the CLI derived from them. */
typedef struct cli_ctx {
	const char *database_url;
	const char *password_file;
	const char *project_dir;
	int64_t connect_timeout_ms;
	int format;             /* cli_format */
	int log_format;         /* -1: follow --format */
	int quiet;
	int verbose;
	int no_color;
	int help;
	int color_stdout;       /* decided after parsing: colour allowed on stdout */
	int color_stderr;
	const char *command;    /* "dev up", "doctor": names the command in application_name */
} cli_ctx;

/* ---- options (opts.c) ---- */

typedef enum cli_opt_kind {
	CLI_OPT_FLAG,       /* int*: set to 1 */
	CLI_OPT_COUNT,      /* int*: incremented */
	CLI_OPT_STRING,     /* const char**: the argument */
	CLI_OPT_INT,        /* int*: range-checked integer */
	CLI_OPT_DURATION,   /* int64_t*: milliseconds, from "250ms", "5s", "2min" */
	CLI_OPT_CHOICE,     /* int*: index into choices */
	CLI_OPT_LIST        /* cli_list*: each use adds its value (a repeatable option) */
} cli_opt_kind;

typedef struct cli_option {
	const char *name;              /* long name, without "--" */
	char short_name;               /* 0 for none */
	cli_opt_kind kind;
	void *target;
	const char *metavar;           /* "URL", "N" */
	const char *help;
	int min, max;                  /* CLI_OPT_INT */
	const char *const *choices;    /* CLI_OPT_CHOICE, NULL-terminated */
} cli_option;

/* The values of a repeatable option (CLI_OPT_LIST), in the order given. */
#define CLI_LIST_MAX 64
typedef struct cli_list {
	const char *items[CLI_LIST_MAX];
	int n;
} cli_list;

#define CLI_OPTIONS_END { NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL, 0, 0, NULL }

/*
 * Parses argv[1..] against the command's options and the global ones,
 * allowing options anywhere before "--". Positional arguments are moved to
 * *out_args (a pointer into argv) and counted in *out_nargs. Returns 0, or
 * CLI_EXIT_USAGE after printing what is wrong.
 */
int cli_parse(cli_ctx *ctx, const cli_option *opts, int argc, char **argv, char ***out_args,
	int *out_nargs, const char *usage_name);

/* The global option table, bound to ctx. */
const cli_option *cli_global_options(cli_ctx *ctx);

/* What a subcommand's help shows: "Usage: <usage>", then "<summary>." and the options. */
typedef struct cli_sub_help {
	const char *name;
	const char *usage;
	const char *summary;
} cli_sub_help;

/*
 * Parses `strata <command> ... <sub> [options]` once the subcommand was found
 * at argv[idx]: the global options before it, then its own options (with
 * "<command> <sub>" written to usage_name for messages), and prints its help
 * when asked. Returns -1 when the caller should go on, else the exit code.
 */
int cli_parse_subcommand(cli_ctx *ctx, const cli_option *opts, int argc, char **argv, int idx,
	const char *command, const cli_sub_help *sub, char *usage_name, size_t usage_size, char ***args,
	int *nargs);

/* Prints "Options:" followed by the table, aligned. */
void cli_print_options(FILE *out, const char *title, const cli_option *opts);

/* ---- commands (main.c) ---- */

typedef struct cli_command {
	const char *name;
	const char *summary;           /* one line, for `strata --help` */
	int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_command;

int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_dev(cli_ctx *ctx, int argc, char **argv);
int cmd_integrity(cli_ctx *ctx, int argc, char **argv);
int cmd_doctor(cli_ctx *ctx, int argc, char **argv);
int cmd_lint(cli_ctx *ctx, int argc, char **argv);
int cmd_schema(cli_ctx *ctx, int argc, char **argv);
int cmd_seed(cli_ctx *ctx, int argc, char **argv);
int cmd_tenancy(cli_ctx *ctx, int argc, char **argv);
int cmd_version(cli_ctx *ctx, int argc, char **argv);
int cmd_help(cli_ctx *ctx, int argc, char **argv);

/*
 * Index in argv of the first word that is neither a global option nor its
 * value (the command, or a subcommand when argv starts at a command), or argc.
 */
int cli_command_index(cli_ctx *ctx, int argc, char **argv);

/* The command table (for help and the docs test). */
const cli_command *cli_commands(void);

/* ---- output (output.c) ---- */

/*
 * Reports err on stderr, one line "strata: error: message" (a JSON object
 * with --format json), a hint line when there is a hint, detail with
 * --verbose. Returns the exit code for err.
 */
int cli_report(const cli_ctx *ctx, const strata_error *err);
/* The same with an exit code chosen by the caller (a run stopped by a signal, say). */
int cli_report_exit(const cli_ctx *ctx, const strata_error *err, int exit_code);

/* Reports a usage problem ("strata: error: ...") and returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* The exit-code table, as text or a JSON array (strata help exit-codes). */
void cli_print_exit_codes(strata_buf *out, int json);

/* Writes b to stdout (all of it, or reports an I/O error). */
int cli_write_stdout(const strata_buf *b);

/* Writes data to path through path.tmp and a rename; reads a whole file into out. STRATA_EIO naming the file. */
int cli_write_file(const char *path, const strata_buf *data, strata_error *err);
int cli_read_file(const char *path, strata_buf *out, strata_error *err);

/* Human size: "38.2 MiB". */
void cli_format_size(char *out, size_t outsz, long long bytes);

/* Sets up logging from the options: level, format, colour. */
void cli_setup_logging(cli_ctx *ctx);

/* Milliseconds since main started (for -vv timings). */
double cli_elapsed_ms(void);

/* Prints a notice on stderr unless --quiet (a library notify callback). */
void cli_notice(const char *message, void *ud);

/* ---- database (db.c) ---- */

/*
 * Where to connect for a command that needs a database: --database-url,
 * DATABASE_URL, PG* environment, then the project's dev cluster when it is
 * running. Otherwise an error that says how to get a database.
 */
int cli_resolve_database(strata_conninfo **out, cli_ctx *ctx, strata_error *err);

/* The project's dev cluster folder (from --project-dir or the current folder). */
int cli_cluster_dir(strata_buf *out, const cli_ctx *ctx, strata_error *err);

/*
 * The project's strata.yaml (defaults without one), found from --project-dir
 * or the working folder; and a connection to the database the command
 * should use. Both report a failure themselves and return its exit code.
 */
int cli_project_config(strata_project_config **out, cli_ctx *ctx);
int cli_connect(strata_conn **out, cli_ctx *ctx);

#endif
