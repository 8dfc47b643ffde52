/*
 * fuzz_pidfile.c: postmaster.pid may be half-written by a server killed
 * while writing it, or belong to another version. Parsing must never crash,
 * and an accepted file has a positive PID and a port in range.
 */
#include "fuzz.h"

#include "cluster/cluster_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st_pidfile pf;

	if (st_cluster_parse_pidfile(&pf, (const char *)data, size) == 0) {
		if (pf.pid <= 0)
			fuzz_fail("pid %d accepted", pf.pid);
		if (pf.port < 0 || pf.port > 65535)
			fuzz_fail("port %d accepted", pf.port);
	}
	return 0;
}
