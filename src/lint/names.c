/*
 * names.c: a set of names, open addressing with linear probing. A run adds
 * every table it creates (thousands in a big repository) and asks about
 * every table it alters.
 */
#include <string.h>

#include "lint/lint_int.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static char **slot(char **slots, size_t cap, const char *name)
{
	size_t i = hash(name) & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i], name) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(lint_names *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64, i;
	char **slots = st_calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return STRATA_ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i] != NULL)
			*slot(slots, cap, s->slots[i]) = s->slots[i];
	st_free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int lint_names_add(lint_names *s, const char *name)
{
	char **p;

	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return STRATA_ENOMEM;
	p = slot(s->slots, s->cap, name);
	if (*p != NULL)
		return 0;
	*p = st_strdup(name);
	if (*p == NULL)
		return STRATA_ENOMEM;
	s->n++;
	return 0;
}

int lint_names_has(const lint_names *s, const char *name)
{
	return s->cap > 0 && *slot(s->slots, s->cap, name) != NULL;
}

void lint_names_release(lint_names *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		st_free(s->slots[i]);
	st_free(s->slots);
	memset(s, 0, sizeof(*s));
}
