/*
 * The TLS interface (tls.h) without OpenSSL: airlock-worker-plain's, whose
 * connectors (pg with sslmode disable, health, ssh-agent) need no TLS.
 * The monitor starts that image only for a connection without TLS (its
 * kind, monitor/wkind.c); should one ask for TLS all the same, the
 * handshake fails with the reason that an airlock-worker started with -p
 * gives, for the client.  Linked before libworker.a, so that tls.o and
 * OpenSSL stay out of the image (the Makefile keeps it out of the archive).
 */
#include <stdio.h>

#include "endpoint.h"
#include "errors.h"
#include "tls.h"

/* No OpenSSL: nothing of it to allocate, nothing to wipe. */
int
tls_alloc_ready(void)
{
	return 0;
}

/* Started without -p: the monitor meant another image; do not start. */
int
tls_global_init(void)
{
	return ERR_SYS;
}

int
tls_client_start(struct endpoint *ep, const struct tls_params *p,
    uint64_t deadline, char *err, size_t errlen)
{
	(void)ep;
	(void)p;
	(void)deadline;
	snprintf(err, errlen, "%s", TLS_NOT_SET_UP);
	return ERR_INVAL;
}

/* pg asks only on a TLS leg, which this image never has. */
int
tls_server_end_point(const struct endpoint *ep,
    unsigned char out[TLS_END_POINT_MAX], size_t *len)
{
	(void)ep;
	(void)out;
	*len = 0;
	return ERR_NOTFOUND;
}

int
tls_server_start(struct endpoint *ep, const struct tls_server_params *p,
    uint64_t deadline, struct tls_client_peer *peer, char *err,
    size_t errlen)
{
	(void)ep;
	(void)p;
	(void)deadline;
	peer->outcome = CTLS_HANDSHAKE;
	peer->desc[0] = '\0';
	snprintf(err, errlen, "%s", TLS_NOT_SET_UP);
	return ERR_INVAL;
}
