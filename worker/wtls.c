/*
 * The backend leg's TLS as the service's parameters say (MSG_DIALED):
 * sslmode, the host to verify (sslhost, else host), sslrootcert, sslcert,
 * and a client key that stays in the monitor, which signs for us
 * (MSG_TLS_SIGN).  Shared by the connectors whose protocol switches to
 * TLS after a request of its own (pg's SSLRequest, MySQL's).
 */
#include <string.h>

#include "endpoint.h"
#include "errors.h"
#include "tls.h"
#include "tlskey.h"
#include "worker.h"

int
wtls_mode(struct wconn *c, const char **name)
{
	/* None, or empty as Secretless Broker's files have it: require. */
	if ((*name = wchan_param(c, "sslmode")) == NULL || **name == '\0')
		*name = "require";
	return sslmode_parse(*name);
}

/* The client key's signatures are the monitor's. */
static int
monitor_sign(void *arg, const char *scheme, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t *siglen, char *err,
    size_t errlen)
{
	return wchan_tls_sign(arg, MSG_TLS_SIGN, scheme, tbs, tbslen, sig,
	    siglen, err, errlen);
}

int
wtls_start(struct wconn *c, int mode, char *err, size_t errlen)
{
	struct tls_params	 tp;
	struct tlskey_signer	 signer;
	const char		*host, *v;
	size_t			 vlen;

	memset(&tp, 0, sizeof(tp));
	tp.mode = mode;
	if ((host = wchan_param(c, "sslhost")) == NULL || *host == '\0')
		host = wchan_param(c, "host");
	tp.host = host;
	if ((v = kv_get(&c->params, "sslrootcert", &vlen)) != NULL &&
	    vlen > 0) {
		tp.rootcert = (const unsigned char *)v;
		tp.rootcertlen = vlen;
	}
	if ((v = kv_get(&c->params, "sslcert", &vlen)) != NULL && vlen > 0) {
		tp.cert = (const unsigned char *)v;
		tp.certlen = vlen;
	}
	/* The key itself stays in the monitor, which signs for us. */
	if ((v = wchan_param(c, "sslkey")) != NULL && strcmp(v, "1") == 0) {
		memset(&signer, 0, sizeof(signer));
		signer.sign = monitor_sign;
		signer.arg = c;
		tp.signer = &signer;
	}
	return tls_client_start(&c->backend, &tp, c->deadline, err, errlen);
}
