/*
 * banned.h: libc calls that strata does not use, turned into compile errors.
 *
 * Each of these either writes without a bound (sprintf, strcpy, strcat, gets),
 * keeps hidden global state (strtok), or cannot report a malformed number
 * (atoi, atol, atoll). Use strata_buf, snprintf into a fixed buffer, memcpy
 * with a checked length, or st_parse_int64 instead. Included last by every
 * source file through base.h (the library) or cli.h (the command), after the system
 * headers.
 */
#ifndef STRATA_BANNED_H
#define STRATA_BANNED_H

#define STRATA_BANNED(func) sorry_##func##_is_a_banned_function_in_strata

#undef sprintf
#define sprintf(...) STRATA_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) STRATA_BANNED(vsprintf)
#undef strcpy
#define strcpy(x, y) STRATA_BANNED(strcpy)
#undef strcat
#define strcat(x, y) STRATA_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) STRATA_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) STRATA_BANNED(strncat)
#undef strtok
#define strtok(x, y) STRATA_BANNED(strtok)
#undef gets
#define gets(x) STRATA_BANNED(gets)
#undef atoi
#define atoi(x) STRATA_BANNED(atoi)
#undef atol
#define atol(x) STRATA_BANNED(atol)
#undef atoll
#define atoll(x) STRATA_BANNED(atoll)

#endif
