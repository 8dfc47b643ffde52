/*
 * problems.c: the list of everything wrong with a track's files, collected
 * in full before anything is reported, so that one run shows them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_int.h"

int strata_problems_add(strata_problems *p, const char *file, int line, const char *fmt, ...)
{
	strata_buf msg = STRATA_BUF_INIT;
	strata_problem *item;
	va_list ap;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		strata_problem *items = st_realloc(p->items, cap * sizeof(*items));

		if (items == NULL)
			return STRATA_ENOMEM;
		p->items = items;
		p->cap = cap;
	}
	va_start(ap, fmt);
	strata_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	item = &p->items[p->n];
	item->file = st_strdup(file);
	item->line = line;
	item->message = strata_buf_detach(&msg);
	if (item->message == NULL || (file != NULL && item->file == NULL)) {
		st_free(item->file);
		st_free(item->message);
		return STRATA_ENOMEM;
	}
	p->n++;
	return 0;
}

static int compare_problems(const void *a, const void *b)
{
	const strata_problem *x = a, *y = b;
	int c;

	if (x->file == NULL || y->file == NULL)
		c = (x->file == NULL) - (y->file == NULL);
	else
		c = strcmp(x->file, y->file);
	if (c != 0)
		return c;
	c = (x->line > y->line) - (x->line < y->line);
	/* qsort is not stable: the message decides ties, so that the order never varies. */
	return c != 0 ? c : strcmp(x->message, y->message);
}

void strata_problems_sort(strata_problems *p)
{
	if (p->n > 1)
		qsort(p->items, p->n, sizeof(*p->items), compare_problems);
}

void strata_problems_release(strata_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		st_free(p->items[i].file);
		st_free(p->items[i].message);
	}
	st_free(p->items);
	p->items = NULL;
	p->n = p->cap = 0;
}
