/*
 * fuzz_checkpoint.c: audit checkpoint text (a file a user hands to
 * `strata audit verify --checkpoint`): any bytes are read without a crash or
 * leak; what is accepted writes back to the same text, and refusals are bad
 * input.
 */
#include <string.h>

#include "fuzz.h"

#include "strata/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_audit_checkpoint cp, again;
	strata_buf text = STRATA_BUF_INIT;
	int rc = strata_audit_checkpoint_parse(&cp, (const char *)data, size, &err);

	if (rc != 0 && rc != STRATA_EINVAL)
		fuzz_fail("unexpected failure %d: %s", rc, err.message);
	if (rc == 0) {
		if (strata_audit_checkpoint_format(&text, &cp) != 0)
			fuzz_fail("cannot write an accepted checkpoint");
		if (strata_audit_checkpoint_parse(&again, text.ptr, text.len, &err) != 0)
			fuzz_fail("the written checkpoint does not read back: %s", err.message);
		if (again.size != cp.size || memcmp(again.head, cp.head, sizeof(cp.head)) != 0 ||
			again.time != cp.time || strcmp(again.chain, cp.chain) != 0 ||
			memcmp(again.signature, cp.signature, sizeof(cp.signature)) != 0)
			fuzz_fail("the checkpoint changed on a round trip");
	}
	strata_buf_release(&text);
	return 0;
}
