/*
 * What Secretless Broker's database connectors share (pg, mysql): where
 * the backend is, from the credentials host and port or the older address;
 * what their TLS leg verifies, from sslmode and sslrootcert; and when the
 * password itself may go to the worker.
 */
#include <stdio.h>
#include <string.h>

#include "dbconfig.h"
#include "errors.h"
#include "monitor.h"
#include "secret.h"
#include "util.h"

/* A credential that must be a non-empty C string: its text, or NULL. */
static const char *
cred_str(const struct worker *w, const char *name)
{
	const struct secret	*v = creds_get(w->creds, name);

	if (v == NULL || v->len == 0 || memchr(v->data, '\0', v->len) != NULL)
		return NULL;
	return (const char *)v->data;
}

/*
 * The credentials host and port (the connector's default port when there
 * is none), or Secretless Broker's older address, which wins where both
 * are given, as there: "host:port", "[v6]:port", or a host alone (Go's
 * net.SplitHostPort, then the host with the default port).
 */
int
backend_address(const struct worker *w, const char *default_port,
    char *host, size_t hostlen, char *port, size_t portlen, char *err,
    size_t errlen)
{
	const char	*a, *h, *p, *colon;
	unsigned int	 pn;
	size_t		 hl;

	h = cred_str(w, "host");
	hl = h != NULL ? strlen(h) : 0;
	if ((p = cred_str(w, "port")) == NULL)
		p = creds_get(w->creds, "port") != NULL ? "" : default_port;
	if ((a = cred_str(w, "address")) != NULL) {
		p = default_port;
		colon = strrchr(a, ':');
		if (a[0] == '[' && colon != NULL && colon > a &&
		    colon[-1] == ']') {
			h = a + 1;
			hl = (size_t)(colon - a) - 2;
			p = colon + 1;
		} else if (colon != NULL && strchr(a, ':') == colon) {
			h = a;
			hl = (size_t)(colon - a);
			p = colon + 1;
		} else if (colon == NULL) {
			h = a;
			hl = strlen(a);
		} else
			h = NULL;
		if (h == NULL || hl == 0 || memchr(h, ']', hl) != NULL ||
		    memchr(h, '[', hl) != NULL) {
			snprintf(err, errlen, "service %s has an invalid "
			    "address (host:port, [IPv6]:port or host)",
			    w->svc->name);
			return ERR_INVAL;
		}
	}
	if (h == NULL || hl == 0) {
		snprintf(err, errlen, "service %s has no usable host "
		    "credential", w->svc->name);
		return ERR_INVAL;
	}
	if (port_parse(p, strlen(p), &pn) != 0) {
		snprintf(err, errlen, "service %s has an invalid port",
		    w->svc->name);
		return ERR_INVAL;
	}
	if (hl >= hostlen) {
		snprintf(err, errlen, "backend host name too long");
		return ERR_TOOBIG;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%s", p);
	return 0;
}

/*
 * The backend leg's TLS is what an honest worker will do (worker/tls.c,
 * as libpq): sslmode require, the default, encrypts and verifies nothing,
 * unless sslrootcert is given, when it verifies the chain as verify-ca
 * does; verify-ca and verify-full insist on sslrootcert.
 */
void
backend_tls(const struct worker *w, int *tls, int *verified)
{
	const struct secret	*mode, *root;
	const char		*m;

	/*
	 * An empty one is require, as Secretless Broker reads it; a NUL
	 * inside is no sslmode the worker would take either.
	 */
	mode = creds_get(w->creds, "sslmode");
	m = mode == NULL || mode->len == 0 ? "require" :
	    memchr(mode->data, '\0', mode->len) ? "" :
	    (const char *)mode->data;
	root = creds_get(w->creds, "sslrootcert");
	*tls = strcmp(m, "require") == 0 || strcmp(m, "verify-ca") == 0 ||
	    strcmp(m, "verify-full") == 0;
	*verified = *tls && root != NULL && root->len > 0;
}

int
backend_release_cleartext(struct worker *w, const char *how, int tls,
    int verified)
{
	const struct db_conf	*dc = w->svc->conn_conf;

	switch (dc != NULL ? dc->cleartext : CLEARTEXT_NEVER) {
	case CLEARTEXT_ALWAYS:
		return 0;
	case CLEARTEXT_TLS:
		/* An unverified certificate may be anyone's. */
		if (verified)
			return 0;
		(void)worker_fail(w, "the backend asked for the password %s "
		    "%s; service %s sends it only over verified TLS "
		    "(cleartextPassword: tls): set sslmode: verify-full with "
		    "sslrootcert, or cleartextPassword: always", how,
		    tls ? "over TLS without sslrootcert" : "without TLS",
		    w->svc->name);
		return ERR_DENIED;
	default:
		(void)worker_fail(w, "the backend asked for the password %s, "
		    "which service %s refuses to send: set sslmode: "
		    "verify-full with sslrootcert and config: "
		    "cleartextPassword: tls, or cleartextPassword: always",
		    how, w->svc->name);
		return ERR_DENIED;
	}
}

const struct secret *
backend_password(struct worker *w)
{
	const struct secret	*pw = creds_get(w->creds, "password");

	if (pw == NULL)
		worker_fail(w, "the backend asked for a password and service "
		    "%s has none", w->svc->name);
	return pw;
}
