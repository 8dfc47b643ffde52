/* placeholder: replaced by the SQL module */
#include "strata/sql.h"

#include "base/base.h"

int strata_sql_script_parse(strata_sql_script **out, const char *text, size_t len, unsigned options,
	strata_error *err)
{
	ST_UNUSED(text);
	ST_UNUSED(len);
	ST_UNUSED(options);
	*out = NULL;
	return strata_error_set(err, STRATA_EINTERNAL, "not written yet");
}

void strata_sql_script_free(strata_sql_script *script)
{
	ST_UNUSED(script);
}

int strata_sql_script_empty(const strata_sql_script *script)
{
	ST_UNUSED(script);
	return 1;
}
