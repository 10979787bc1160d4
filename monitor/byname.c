/*
 * Small tables of records kept by name: a service's counters, startups and
 * evidence, a source's startups.  They are kept by name, not by position
 * in a configuration, because a reload may reorder, add or remove services
 * while the workers of the previous one still run.  A handful of entries:
 * a linear search.  Pointers to records last until the next byname_get or
 * byname_remove of the table.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

/* Every record starts with its name. */
#define REC(t, i)	((char *)(t)->recs + (i) * (t)->size)
#define NAME(rec)	(*(char **)(rec))

void *
byname_find(const struct byname *t, const char *name)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(NAME(REC(t, i)), name) == 0)
			return REC(t, i);
	return NULL;
}

void *
byname_get(struct byname *t, const char *name)
{
	void	*rec, *nr;
	size_t	 na;

	if ((rec = byname_find(t, name)) != NULL)
		return rec;
	if (t->n == t->alloc) {
		na = t->alloc == 0 ? 8 : t->alloc * 2;
		if ((nr = reallocarray(t->recs, na, t->size)) == NULL)
			return NULL;
		t->recs = nr;
		t->alloc = na;
	}
	rec = REC(t, t->n);
	memset(rec, 0, t->size);
	if ((NAME(rec) = strdup(name)) == NULL)
		return NULL;
	t->n++;
	return rec;
}

void *
byname_at(const struct byname *t, size_t i)
{
	return i < t->n ? REC(t, i) : NULL;
}

void
byname_remove(struct byname *t, void *rec)
{
	free(NAME(rec));
	if (rec != REC(t, t->n - 1))
		memcpy(rec, REC(t, t->n - 1), t->size);
	if (--t->n == 0)
		byname_clear(t);
}

void
byname_clear(struct byname *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(NAME(REC(t, i)));
	free(t->recs);
	t->recs = NULL;
	t->n = t->alloc = 0;
}
