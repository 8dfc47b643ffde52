/* version.c: the library's version string, from the generated version.h. */
#include "strata/common.h"
#include "version.h"

const char *strata_version(void)
{
	return STRATA_VERSION;
}
