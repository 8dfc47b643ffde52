/* migrate_fleet.c: placeholder until fleets land (replaced later in this change). */
#include "migrate_cli.h"

int mig_fleet_up(cli_ctx *ctx, mig_opts *o, mig_project *p)
{
	(void)o;
	(void)p;
	return cli_usage_error(ctx, "--targets is not available yet");
}
