/*
 * exit.h: the exit codes of the strata command. Stable once published:
 * docs/exit-codes.md documents the same table and a test keeps both in step.
 */
#ifndef STRATA_CLI_EXIT_H
#define STRATA_CLI_EXIT_H

enum cli_exit {
	CLI_EXIT_OK = 0,           /* success */
	CLI_EXIT_FINDINGS = 1,     /* the command ran and found problems (a failed check, a difference) */
	CLI_EXIT_USAGE = 2,        /* bad command line: unknown command or option, bad option value */
	CLI_EXIT_INPUT = 3,        /* bad input: a file, a config or a URL that is malformed or unreadable */
	CLI_EXIT_DATABASE = 4,     /* no database, cannot connect or log in, or the server reported an error */
	CLI_EXIT_LOCK = 5,         /* a lock could not be taken or a timeout expired */
	CLI_EXIT_ENVIRONMENT = 6,  /* the local environment is unfit: PostgreSQL binaries, users, files, permissions */
	CLI_EXIT_INTERNAL = 7,     /* out of memory or a bug in strata */
	CLI_EXIT_INTERRUPTED = 130 /* stopped by Ctrl-C (SIGINT); other signals give 128 + their number */
};

/* The exit code for a libstrata error code. */
int cli_exit_for(int strata_code);

/* "ok", "findings", "usage", ...: the exit code's name (for JSON). */
const char *cli_exit_name(int exit_code);

#endif
