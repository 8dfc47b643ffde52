/*
 * fuzz_jcs.c: RFC 8785 canonicalization of any bytes: no crash or leak; what
 * is accepted canonicalizes to a fixed point (the canonical form of the
 * canonical form is itself), and anything refused is refused as bad input.
 */
#include <string.h>

#include "fuzz.h"

#include "strata/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf a = STRATA_BUF_INIT, b = STRATA_BUF_INIT;
	int rc = strata_jcs_canonicalize(&a, (const char *)data, size, &err);

	if (rc != 0 && rc != STRATA_EINVAL && rc != STRATA_ENOMEM)
		fuzz_fail("unexpected failure %d: %s", rc, err.message);
	if (rc == 0) {
		if (strata_jcs_canonicalize(&b, a.ptr != NULL ? a.ptr : "", a.len, &err) != 0)
			fuzz_fail("the canonical form does not read back: %s", err.message);
		if (a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0)
			fuzz_fail("not a fixed point");
	}
	strata_buf_release(&a);
	strata_buf_release(&b);
	return 0;
}
