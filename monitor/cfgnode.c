/*
 * A service's config: section as a tree (config.h): lookup, comparison
 * and freeing, for the connectors' checks and for reload.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

const struct cfgnode *
cfgnode_get(const struct cfgnode *map, const char *key)
{
	size_t	 i;

	if (map == NULL || map->kind != CFG_MAP)
		return NULL;
	for (i = 0; i < map->nitems; i++)
		if (strcmp(map->items[i].key, key) == 0)
			return &map->items[i];
	return NULL;
}

int
cfg_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Positions are not compared: an edit elsewhere in the file moves them. */
int
cfgnode_equal(const struct cfgnode *a, const struct cfgnode *b)
{
	size_t	 i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || a->nitems != b->nitems ||
	    !cfg_str_equal(a->key, b->key) ||
	    !cfg_str_equal(a->value, b->value))
		return 0;
	for (i = 0; i < a->nitems; i++)
		if (!cfgnode_equal(&a->items[i], &b->items[i]))
			return 0;
	return 1;
}

static void
cfgnode_clear(struct cfgnode *n)
{
	size_t	 i;

	for (i = 0; i < n->nitems; i++)
		cfgnode_clear(&n->items[i]);
	free(n->items);
	free(n->key);
	free(n->value);
}

void
cfgnode_free(struct cfgnode *n)
{
	if (n == NULL)
		return;
	cfgnode_clear(n);
	free(n);
}
