/*
 * Evidence: what each service's backend has proven to the monitor, kept by
 * service name until the configuration is reloaded.  An exchange counts
 * only when the monitor itself checked the server's proof (a SCRAM server
 * signature); what a worker says never counts.  A connector reads it to
 * refuse, for that service, any method weaker than the strongest verified
 * (a downgrade) and any key derivation cheaper than the costliest verified
 * (a cheap proof that a man in the middle would guess the password from).
 *
 * It only ever rises, so a backend whose password or method changed for
 * the weaker is refused until a reload, which starts afresh: the operator
 * who changed it says so.  By name, as startups.c and metrics.c: workers
 * of the previous configuration may still be running when it is reset.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

struct proof {
	char		*service;	/* first: the table's name */
	struct evidence	 ev;
};

/* A service with evidence has an entry: one per service at most. */
static struct byname	 proofs = BYNAME_INIT(struct proof);

void
evidence_get(const char *service, struct evidence *ev)
{
	const struct proof	*p = byname_find(&proofs, service);

	if (p != NULL)
		*ev = p->ev;
	else
		memset(ev, 0, sizeof(*ev));
}

int
evidence_add(const char *service, int method, uint32_t cost)
{
	struct proof	*p;

	if ((p = byname_get(&proofs, service)) == NULL)
		return ERR_NOMEM;
	if (method > p->ev.method)
		p->ev.method = method;
	if (cost > p->ev.cost)
		p->ev.cost = cost;
	return 0;
}

void
evidence_reset(void)
{
	byname_clear(&proofs);
}
