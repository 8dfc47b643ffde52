/* placeholder: replaced by the config module */
#include "strata/config.h"

#include "base/base.h"

int strata_project_config_load(strata_project_config **out, const char *root, strata_error *err)
{
	ST_UNUSED(root);
	*out = NULL;
	return strata_error_set(err, STRATA_EINTERNAL, "not written yet");
}

void strata_project_config_free(strata_project_config *config)
{
	ST_UNUSED(config);
}

const strata_track_config *strata_project_config_track(const strata_project_config *config,
	const char *name)
{
	ST_UNUSED(config);
	ST_UNUSED(name);
	return NULL;
}

int64_t strata_track_lock_timeout_ms(const strata_project_config *config,
	const strata_track_config *track)
{
	ST_UNUSED(track);
	return config->lock_timeout_ms;
}

int64_t strata_track_statement_timeout_ms(const strata_project_config *config,
	const strata_track_config *track)
{
	ST_UNUSED(track);
	return config->statement_timeout_ms;
}

const char *strata_layout_name(strata_layout layout)
{
	ST_UNUSED(layout);
	return "?";
}

const char *strata_version_scheme_name(strata_version_scheme scheme)
{
	ST_UNUSED(scheme);
	return "?";
}
