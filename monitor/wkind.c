/*
 * What a worker is started as (monitor.h, "wkind.c"): the connector of the
 * service decides; without a say, the main executable with TLS set up,
 * which can serve every connector that does not need libssh.
 */
#include <sys/types.h>

#include "config.h"
#include "connector.h"
#include "monitor.h"

void
worker_kind_of(const struct service *svc, const struct mon_connector *mc,
    struct worker_kind *k)
{
	k->image = WIMAGE_MAIN;
	k->tls = 1;
	if (mc->worker_kind != NULL)
		mc->worker_kind(svc, k);
	/* TLS to the client needs OpenSSL, whatever the backend leg has. */
	if (svc->client_tls != NULL) {
		if (k->image == WIMAGE_PLAIN)
			k->image = WIMAGE_MAIN;
		k->tls = 1;
	}
}

void
worker_kind_plain(const struct service *svc, struct worker_kind *k)
{
	(void)svc;
	k->image = WIMAGE_PLAIN;
	k->tls = 0;
}

int
worker_kind_eq(const struct worker_kind *a, const struct worker_kind *b)
{
	return a->image == b->image && a->tls == b->tls;
}
