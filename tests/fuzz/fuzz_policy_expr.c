/*
 * fuzz_policy_expr.c: the policy expression scanner of strata tenancy
 * (st_tenancy_expr_refs) reads node-tree text from the catalog: on any text
 * it must not read out of bounds (unbalanced braces, escapes and quotes at
 * the end, huge numbers) nor fail, and it answers 0 or 1.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "tenancy/tenancy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st_tenancy_refs refs;
	char *text = malloc(size + 1);
	int attnum = size > 0 ? data[0] % 8 : 1;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (st_tenancy_expr_refs(&refs, text, attnum) != 0)
		fuzz_fail("scan failed on %zu bytes", size);
	if ((refs.column != 0 && refs.column != 1) || (refs.others != 0 && refs.others != 1))
		fuzz_fail("odd answer %d/%d", refs.column, refs.others);
	free(text);
	return 0;
}
