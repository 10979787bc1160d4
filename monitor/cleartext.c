/*
 * cleartextPassword, a setting of the connectors whose backends may ask
 * for the password itself (pg, mysql): one parser for all of them.
 */
#include <string.h>

#include "config.h"
#include "connector.h"

int
cfg_cleartext(struct cfgcheck *cc, const struct cfgnode *n,
    enum cleartext_policy *out)
{
	*out = CLEARTEXT_NEVER;
	if (n == NULL)
		return 0;
	if (n->kind == CFG_SCALAR) {
		if (n->value[0] == '\0')
			return cfg_error(cc, n->line, n->col,
			    "config.cleartextPassword needs a value");
		if (strcmp(n->value, "tls") == 0)
			*out = CLEARTEXT_TLS;
		else if (strcmp(n->value, "always") == 0)
			*out = CLEARTEXT_ALWAYS;
		else if (strcmp(n->value, "never") == 0)
			*out = CLEARTEXT_NEVER;
		else
			return cfg_error(cc, n->line, n->col,
			    "config.cleartextPassword must be one of tls, "
			    "always, never");
		return 0;
	}
	return cfg_error(cc, n->line, n->col,
	    "config.cleartextPassword must be a scalar");
}
