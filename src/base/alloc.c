/*
 * alloc.c: the one allocator layer of libstrata.
 *
 * Every allocation in the library passes through here so that tests can make
 * a chosen allocation fail and check that the caller reports STRATA_ENOMEM
 * and leaks nothing. The counters are process-wide and not thread-safe; the
 * hook is for single-threaded tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"

static long alloc_count;
static long fail_at;     /* 0: off; otherwise the allocation number that fails */
static int fail_sticky;

static int should_fail(void)
{
	alloc_count++;
	if (fail_at == 0)
		return 0;
	if (alloc_count == fail_at)
		return 1;
	return fail_sticky && alloc_count > fail_at;
}

void st_alloc_fail_after(long n, int sticky)
{
	alloc_count = 0;
	fail_at = n;
	fail_sticky = sticky;
}

long st_alloc_count(void)
{
	return alloc_count;
}

void *st_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *st_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	if (count == 0 || size == 0)
		return calloc(1, 1);
	return calloc(count, size);
}

void *st_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *st_strndup(const char *s, size_t n)
{
	char *copy;
	size_t len;

	if (s == NULL)
		return NULL;
	len = strnlen(s, n);
	copy = st_malloc(len + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *st_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return st_strndup(s, strlen(s));
}

void st_free(void *p)
{
	free(p);
}

void strata_free(void *p)
{
	free(p);
}
