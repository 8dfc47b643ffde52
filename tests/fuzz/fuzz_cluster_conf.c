/*
 * fuzz_cluster_conf.c: cluster.conf is a file on disk that a user may edit.
 * Parsing it must never crash or leak, and a bad file is an error that names
 * the file.
 */
#include <string.h>

#include "fuzz.h"

#include "cluster/cluster_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_cluster c;
	strata_error err = STRATA_ERROR_INIT;
	int rc;

	memset(&c, 0, sizeof(c));
	c.conf_file = (char *)"/fuzz/cluster.conf";
	rc = st_cluster_meta_parse(&c, (const char *)data, size, &err);
	if (rc != 0 && strstr(err.message, "/fuzz/cluster.conf") == NULL && rc != STRATA_ENOMEM)
		fuzz_fail("error does not name the file: %s", err.message);
	if (rc == 0 && (c.port < 0 || c.port > 65535))
		fuzz_fail("port %d accepted", c.port);
	st_free(c.bindir);
	st_free(c.data_dir);
	st_free(c.sock_dir);
	st_free(c.log_dir);
	return 0;
}
