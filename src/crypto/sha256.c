/* sha256.c: SHA-256 and random bytes through OpenSSL libcrypto. */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"

int st_sha256(unsigned char out[ST_SHA256_LEN], const void *data, size_t len)
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != ST_SHA256_LEN)
		return STRATA_EINTERNAL;
	return 0;
}

int st_sha256_hex(char out[2 * ST_SHA256_LEN + 1], const void *data, size_t len)
{
	unsigned char digest[ST_SHA256_LEN];
	int rc = st_sha256(digest, data, len);

	if (rc != 0)
		return rc;
	st_hex_encode(out, digest, sizeof(digest));
	return 0;
}

int st_random_bytes(void *out, size_t len, strata_error *err)
{
	if (len > (size_t)INT32_MAX || RAND_bytes(out, (int)len) != 1)
		return strata_error_set(err, STRATA_EINTERNAL, "cannot get random bytes from the system");
	return 0;
}
