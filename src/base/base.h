/*
 * base.h: internal helpers shared by every libstrata module (st_ names).
 *
 * Memory: all library allocations go through st_malloc and friends so that
 * tests can make the n-th allocation fail (st_alloc_fail_after) and prove that
 * every error path cleans up. Memory handed to callers is freed with
 * strata_free, which is st_free.
 *
 * This header is not installed. It includes banned.h last.
 */
#ifndef STRATA_SRC_BASE_H
#define STRATA_SRC_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/log.h"

#define ST_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ST_UNUSED(x) ((void)(x))

/* ---- memory (alloc.c) ---- */
void *st_malloc(size_t n);
void *st_calloc(size_t count, size_t size);
void *st_realloc(void *p, size_t n);
char *st_strdup(const char *s);          /* NULL in, NULL out */
char *st_strndup(const char *s, size_t n);
void st_free(void *p);

/*
 * Test hook: the n-th allocation from now fails (1 = the next one), and every
 * one after it while `sticky` is set. n = 0 turns failure injection off.
 * Returns how many allocations were made since the hook was last set.
 */
void st_alloc_fail_after(long n, int sticky);
long st_alloc_count(void);

/* ---- strings and numbers (str.c) ---- */
/* Copies src into dst of size dstsz, always NUL-terminating; returns strlen(src). */
size_t st_strlcpy(char *dst, const char *src, size_t dstsz);
/* Formats into a fixed buffer, truncating; always NUL-terminates. */
void st_snprintf(char *dst, size_t dstsz, const char *fmt, ...) STRATA_PRINTF(3, 4);
/* Parses a whole decimal integer in [min, max]; EINVAL on anything else. */
int st_parse_int64(int64_t *out, const char *s, int64_t min, int64_t max);
int st_parse_int(int *out, const char *s, int min, int max);
/*
 * Parses a duration such as "250ms", "5s", "10min", "2h" or a bare number of
 * seconds into milliseconds, in [0, max_ms].
 */
int st_parse_duration_ms(int64_t *out, const char *s, int64_t max_ms);
int st_str_starts_with(const char *s, const char *prefix);
int st_str_ends_with(const char *s, const char *suffix);
/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void st_hex_encode(char *out, const unsigned char *in, size_t len);
/* A hex digit's value (either case), or -1. */
int st_hex_digit(char c);
/* The len bytes that exactly 2 * len hex digits (either case) in hex stand for: 0, else -1. */
int st_hex_decode(unsigned char *out, const char *hex, size_t len);
/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when invalid. */
size_t st_utf8_seq_len(const unsigned char *s, size_t n);
/* Nonzero when text is valid UTF-8 (no overlongs, surrogates or > U+10FFFF); else the first bad byte. */
int st_utf8_valid(const char *text, size_t len, size_t *bad_offset);
/* Appends s percent-encoded for a URL (keeps A-Z a-z 0-9 - . _ ~ and /). */
int st_url_encode(strata_buf *out, const char *s);
/* Replaces every occurrence of needle in b with repl (needle not empty). */
int st_buf_replace_all(strata_buf *b, const char *needle, const char *repl);

/* ---- clocks (clock.c) ---- */
int64_t st_now_ns(void);                 /* monotonic */
double st_ns_to_ms(int64_t ns);
/* UTC wall time as 2026-11-21T10:00:00.123Z into out (at least 32 bytes). */
void st_wall_iso8601(char *out, size_t outsz);
void st_sleep_ms(int64_t ms);
/*
 * Microseconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SSZ", or with micro
 * "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC, proleptic Gregorian), by arithmetic
 * (gmtime and strftime cost more, per row). -1, writing nothing, for a year
 * outside 0..9999 or an out shorter than 21 (28 with micro) bytes.
 */
int st_utc_text(char *out, size_t size, int64_t unix_us, int micro);

/* ---- files and paths (fs.c) ---- */
int st_file_read(strata_buf *out, const char *path, size_t max, strata_error *err);
/* Writes data to path through a temporary file and rename; mode as in open(2). */
int st_file_write_atomic(const char *path, const void *data, size_t len, int mode, strata_error *err);
int st_mkdir_p(const char *path, int mode, strata_error *err);
/* Removes path and everything below it; a missing path is not an error. */
int st_rmtree(const char *path, strata_error *err);
/* Total bytes of regular files below path. */
int st_dir_size(long long *out, const char *path, strata_error *err);
int st_path_exists(const char *path);
int st_is_dir(const char *path);
int st_is_executable(const char *path);
/* Absolute, normalised form of path (which must exist). */
int st_realpath(strata_buf *out, const char *path, strata_error *err);
int st_path_join(strata_buf *out, const char *a, const char *b);
/* Changes owner of path and everything below it. */
int st_chown_tree(const char *path, uid_t uid, gid_t gid, strata_error *err);

/* ---- child processes (proc.c) ---- */
typedef struct st_proc_opts {
	const char *const *argv;   /* argv[0] is the program path */
	const char *const *env;    /* NAME=value entries to set, or NAME to unset; NULL-terminated */
	const char *cwd;           /* NULL: inherit */
	int run_as;                /* nonzero: drop privileges to uid/gid below before exec */
	uid_t uid;
	gid_t gid;
	int64_t timeout_ms;        /* 0: wait forever; on expiry the child gets SIGKILL */
	int detach;                /* new session, stdin from /dev/null (daemons keep running) */
	strata_buf *out;           /* NULL: discard stdout */
	strata_buf *errout;        /* NULL: discard stderr */
} st_proc_opts;

/*
 * Runs a program and waits for it. *out_status is its exit code, or 128 + the
 * signal number when a signal ended it. Returns 0 when the program ran (even
 * if it failed), EIO when it could not be started, ETIMEOUT on expiry.
 */
int st_proc_run(int *out_status, const st_proc_opts *opts, strata_error *err);

/* Looks a program up in PATH; ENOTFOUND when absent. */
int st_which(strata_buf *out, const char *name, strata_error *err);

#include "policy/banned.h"

/* ---- actor.c ---- */
/* The OS user running strata (its name, or "uid N"). */
const char *st_actor_os_user(void);
/* The CI system and run ("github-actions owner/repo run 123"), or NULL outside CI. */
const char *st_actor_ci(void);

#endif
