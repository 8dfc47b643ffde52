/*
 * strata/buf.h: the one growable byte buffer that all string building uses.
 *
 * A strata_buf grows on demand up to a size cap. Once an allocation fails or
 * the cap would be exceeded the buffer enters a sticky failed state: every
 * later append is a no-op returning STRATA_ENOMEM, so that a long sequence of
 * appends can be checked once at the end with strata_buf_failed(). The content
 * is always NUL-terminated once anything was appended; strata_buf_cstr() never
 * returns NULL.
 *
 * Ownership: the buffer owns ptr until strata_buf_detach() hands it to the
 * caller (who frees it with strata_free). strata_buf_release() frees it.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default cap: 1 GiB. */
#define STRATA_BUF_DEFAULT_MAX ((size_t)1 << 30)

typedef struct strata_buf {
	char *ptr;    /* the content, NUL-terminated; NULL before the first append */
	size_t len;   /* bytes of content, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* the cap on len + 1; 0 means STRATA_BUF_DEFAULT_MAX */
	int failed;   /* sticky: an append failed */
} strata_buf;

#define STRATA_BUF_INIT { NULL, 0, 0, 0, 0 }

/* Initialises b with a size cap (0 for the default). */
STRATA_API void strata_buf_init(strata_buf *b, size_t max);

/* Frees the content and returns b to its initial state (the cap is kept). */
STRATA_API void strata_buf_release(strata_buf *b);

/* Empties b but keeps its allocation; clears the failed state. */
STRATA_API void strata_buf_clear(strata_buf *b);

/* Makes room for at least extra more bytes. */
STRATA_API int strata_buf_reserve(strata_buf *b, size_t extra);

STRATA_API int strata_buf_append(strata_buf *b, const void *data, size_t len);
STRATA_API int strata_buf_puts(strata_buf *b, const char *s);
STRATA_API int strata_buf_putc(strata_buf *b, char c);
STRATA_API int strata_buf_printf(strata_buf *b, const char *fmt, ...) STRATA_PRINTF(2, 3);
STRATA_API int strata_buf_vprintf(strata_buf *b, const char *fmt, va_list ap) STRATA_PRINTF(2, 0);

/* Shortens the content to len bytes (no-op when already shorter). */
STRATA_API void strata_buf_truncate(strata_buf *b, size_t len);

/* Removes trailing spaces, tabs, CR and LF. */
STRATA_API void strata_buf_rtrim(strata_buf *b);

/* The content as a C string; "" when empty. Valid until the next append. */
STRATA_API const char *strata_buf_cstr(const strata_buf *b);

/* Nonzero once an append has failed. */
STRATA_API int strata_buf_failed(const strata_buf *b);

/*
 * Hands the content to the caller, who frees it with strata_free, and resets
 * b. Returns NULL when the buffer failed (its content is then freed); an empty
 * buffer gives an allocated "".
 */
STRATA_API char *strata_buf_detach(strata_buf *b);

/* Frees memory handed out by libstrata (strata_buf_detach and friends). */
STRATA_API void strata_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
