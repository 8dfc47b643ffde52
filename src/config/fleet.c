/* placeholder: replaced by the config module */
#include "strata/config.h"

#include "base/base.h"

int strata_fleet_config_load(strata_fleet_config **out, const char *path, strata_error *err)
{
	ST_UNUSED(path);
	*out = NULL;
	return strata_error_set(err, STRATA_EINTERNAL, "not written yet");
}

void strata_fleet_config_free(strata_fleet_config *config)
{
	ST_UNUSED(config);
}
