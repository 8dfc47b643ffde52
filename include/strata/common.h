/*
 * strata/common.h: what every public header of libstrata shares: the export
 * macro, attribute helpers and the library's own version query.
 *
 * Conventions (see docs/design/conventions.md): public names are
 * strata_<module>_<verb>; functions return 0 on success or a negative
 * STRATA_E* code and report details through a strata_error; out-parameters
 * come first and are named out, and whatever comes back through **out belongs
 * to the caller and has a matching _free that accepts NULL.
 */
#ifndef STRATA_COMMON_H
#define STRATA_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#define STRATA_API __attribute__((visibility("default")))
#define STRATA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define STRATA_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define STRATA_API
#define STRATA_PRINTF(fmt, args)
#define STRATA_WARN_UNUSED
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the linked library, for example "0.1.0". */
STRATA_API const char *strata_version(void);

#ifdef __cplusplus
}
#endif

#endif
