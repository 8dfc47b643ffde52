/* sql_int.h: internals of the SQL module (src/sql only; the one place that includes pg_query.h). */
#ifndef STRATA_SRC_SQL_INT_H
#define STRATA_SQL_INT_PLACEHOLDER 1
#endif
