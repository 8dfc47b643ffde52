/*
 * crypto.h: the only door to OpenSSL in libstrata (internal).
 *
 * SHA-256 uses OpenSSL's EVP interface, which picks the SHA-NI or AVX code
 * paths of the running CPU. Random bytes come from the OS through OpenSSL's
 * DRBG.
 */
#ifndef STRATA_SRC_CRYPTO_H
#define STRATA_SRC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define ST_SHA256_LEN 32

int st_sha256(unsigned char out[ST_SHA256_LEN], const void *data, size_t len);
/* Lowercase hex digest into out (65 bytes). */
int st_sha256_hex(char out[2 * ST_SHA256_LEN + 1], const void *data, size_t len);
/*
 * The checksums of a SQL file, as lowercase hex: normalised (a UTF-8 BOM,
 * CR line endings and trailing blanks do not count) and raw.
 */
int st_text_checksums(char norm[65], char raw[65], const char *text, size_t len);
/* Fills out with cryptographically strong random bytes. */
int st_random_bytes(void *out, size_t len, strata_error *err);

#endif
