/*
 * The checks at load that the database connectors share (dbconfig.h).
 * Literal credentials are secrets: no message repeats one.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connector.h"
#include "dbconfig.h"
#include "monitor.h"
#include "util.h"
#include "yamlwalk.h"

int
db_check_settings(struct cfgcheck *cc, struct service *svc,
    const char *connector)
{
	const struct cfgnode	*n;
	struct db_conf		*dc;
	size_t			 i;

	for (i = 0; svc->settings != NULL && i < svc->settings->nitems;
	    i++) {
		n = &svc->settings->items[i];
		if (n->kind != CFG_SCALAR && !cfg_own_key(n->key))
			return cfg_error(cc, n->line, n->col, "config." NAMEFMT
			    ": connector %s takes only scalar settings",
			    n->key, connector);
	}
	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	svc->conn_conf = dc;
	return cfg_cleartext(cc, cfgnode_get(svc->settings,
	    "cleartextPassword"), &dc->cleartext);
}

int
db_check_tls_port(struct cfgcheck *cc, const struct service *svc)
{
	static const char *const modes[] = {
		"disable", "require", "verify-ca", "verify-full",
	};
	const struct credential *cr;
	unsigned int	 port;
	size_t		 i;

	/* Empty is require, as Secretless Broker reads it. */
	if ((cr = service_credential(svc, "sslmode")) != NULL &&
	    strcmp(cr->provider, "literal") == 0 && cr->ref[0] != '\0') {
		for (i = 0; i < nitems(modes); i++)
			if (strcmp(cr->ref, modes[i]) == 0)
				break;
		if (i == nitems(modes))
			return cfg_error(cc, cr->line, cr->col, "credential "
			    "sslmode of service " NAMEFMT " must be one of "
			    "disable, require, verify-ca, verify-full",
			    svc->name);
	}
	if ((cr = service_credential(svc, "port")) != NULL &&
	    strcmp(cr->provider, "literal") == 0 &&
	    !cfg_valid_port(cr->ref, &port))
		return cfg_error(cc, cr->line, cr->col, "credential port of "
		    "service " NAMEFMT " must be a number from 1 to 65535",
		    svc->name);
	return 0;
}

/*
 * TLS unless sslmode is a literal disable: a provider's sslmode is known
 * only when the connection resolves it, after the worker has started.
 */
void
db_worker_kind(const struct service *svc, struct worker_kind *k)
{
	const struct credential	*cr;

	k->image = WIMAGE_MAIN;
	k->tls = (cr = service_credential(svc, "sslmode")) == NULL ||
	    strcmp(cr->provider, "literal") != 0 ||
	    strcmp(cr->ref, "disable") != 0;
}

void
db_conf_free(void *conf)
{
	struct db_conf	*dc = conf;

	if (dc != NULL)
		free(dc->pool.reset_query);
	free(dc);
}
