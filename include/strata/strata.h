/*
 * strata/strata.h: the whole public API of libstrata.
 *
 * libstrata is a PostgreSQL change-and-integrity toolkit. Each module has its
 * own header; this one includes them all. Link with `pkg-config --libs libstrata`.
 */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include "common.h"
#include "version.h"
#include "error.h"
#include "buf.h"
#include "log.h"
#include "json.h"
#include "pg.h"
#include "health.h"
#include "cluster.h"
#include "sql.h"
#include "config.h"
#include "migrate.h"
#include "seed.h"
#include "tenancy.h"
#include "lint.h"
#include "catalog.h"
#include "jcs.h"
#include "audit.h"

#endif
