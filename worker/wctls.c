/*
 * The client leg's TLS as the listener's service says (clientTLS): the
 * material and the signature are the monitor's (MSG_CLIENT_TLS,
 * MSG_CLIENT_TLS_SIGN), and the monitor hears how it ended
 * (MSG_CLIENT_TLS_DONE).
 */
#include <stdio.h>
#include <string.h>

#include "ctls.h"
#include "errors.h"
#include "worker.h"

int
wctls_wanted(struct wconn *c)
{
	return kv_get(&c->opts, CTLS_OPTION, NULL) != NULL;
}

/* Being built (issue 16): refuses every TLS client for now. */
int
wctls_accept(struct wconn *c, char *err, size_t errlen)
{
	(void)c;
	snprintf(err, errlen, "airlock: TLS to clients is not built yet");
	return ERR_SYS;
}

void
wctls_plaintext(struct wconn *c, char *err, size_t errlen)
{
	snprintf(err, errlen, "airlock: service %s accepts TLS connections "
	    "only", c->service);
}
