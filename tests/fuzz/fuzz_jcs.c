/*
 * fuzz_jcs.c: RFC 8785 canonicalization of any bytes: no crash or leak; what
 * is accepted canonicalizes to a fixed point (the canonical form of the
 * canonical form is itself), and anything refused is refused as bad input.
 * The one-pass writer and the strict reader agree: same bytes when both
 * accept, and the fast writer never accepts what the strict reader refuses.
 */
#include <string.h>

#include "fuzz.h"

#include "strata/jcs.h"

#include "jcs/jcs_int.h"

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
	strata_buf_clear(&b);
	if (st_jcs_strict(&b, (const char *)data, size, &err) != rc)
		fuzz_fail("the strict reader and the fast writer disagree on accepting the input");
	if (rc == 0 && (a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0))
		fuzz_fail("the fast writer and the strict reader give different bytes");
	strata_buf_release(&a);
	strata_buf_release(&b);
	return 0;
}
