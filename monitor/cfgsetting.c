/*
 * What the connectors' checks share about a service's config: section
 * (connector.h): a boolean setting, and the warning for keys a connector
 * does not take (Secretless Broker's decoder ignores them; so do we, and
 * say so).
 */
#include <string.h>

#include "config.h"
#include "connector.h"
#include "yamlwalk.h"

int
cfg_in_list(const char *const *list, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

int
cfg_setting_bool(struct cfgcheck *cc, const struct service *svc,
    const char *key, int *out)
{
	const struct cfgnode	*n;

	*out = 0;
	if ((n = cfgnode_get(svc->settings, key)) == NULL)
		return 0;
	if (n->kind != CFG_SCALAR || yw_bool_word(n->value, out) != 0)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s must be true or false", svc->name, key);
	return 0;
}

int
cfg_unknown_settings(struct cfgcheck *cc, const struct service *svc,
    const char *connector, const struct cfg_keys *lists, size_t nlists,
    const char *why)
{
	const struct cfgnode	*n;
	char			 known[256];
	size_t			 i, l, j;
	int			 r, found;

	for (i = 0; svc->settings != NULL && i < svc->settings->nitems;
	    i++) {
		n = &svc->settings->items[i];
		for (l = 0, found = cfg_own_key(n->key); !found && l < nlists;
		    l++)
			found = cfg_in_list(lists[l].keys, lists[l].n, n->key);
		if (found)
			continue;
		known[0] = '\0';
		for (l = 0; l < nlists; l++)
			for (j = 0; j < lists[l].n; j++)
				yw_list_add(known, sizeof(known),
				    lists[l].keys[j]);
		if ((r = cfg_warn(cc, n->key_line, n->key_col, "service "
		    NAMEFMT ": config." NAMEFMT " is not a %s setting; "
		    "ignored%s (known: %s)", svc->name, n->key, connector,
		    why, known)) != 0)
			return r;
	}
	return 0;
}
