/*
 * The client leg's TLS server (a service's clientTLS): TLS 1.3 only, the
 * listener's certificate chain with a key that the monitor signs for
 * (tlskey.c, MSG_CLIENT_TLS_SIGN), and with a client CA a client
 * certificate asked for.  A certificate that fails is not failed in the
 * handshake, as OpenSSL would with an alert that the client reports as
 * "bad certificate" or "unknown CA" at best: the handshake completes, and
 * the connector then tells the client in its own protocol what is wrong,
 * in words a user can act on (pg's ErrorResponse, MySQL's ERR packet, an
 * HTTP 403).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "ctlsname.h"
#include "endpoint.h"
#include "errors.h"
#include "tls.h"
#include "tlsint.h"
#include "tlskey.h"

#define HS_FAILED	"TLS handshake with the client failed"

/* The first error that chain verification met (the verify callback's). */
struct verify_seen {
	int	 error;		/* X509_V_* */
};

/*
 * Record the first error and go on: the verdict is tls_server_start's,
 * after the handshake, so that it can be told in the client's protocol.
 */
static int
verify_cb(int ok, X509_STORE_CTX *sctx)
{
	struct verify_seen	*vs;
	SSL			*ssl;

	ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (!ok && ssl != NULL && (vs = SSL_get_app_data(ssl)) != NULL &&
	    vs->error == X509_V_OK)
		vs->error = X509_STORE_CTX_get_error(sctx);
	return 1;
}

/*
 * The client CA: trust anchors for the client certificate, and their
 * names in the CertificateRequest (certificate_authorities, RFC 8446
 * section 4.2.4), by which a client with several certificates picks.
 */
static int
use_client_ca(SSL_CTX *ctx, const struct tls_server_params *p, char *err,
    size_t errlen)
{
	STACK_OF(X509)	*certs;
	int		 i, n, r;

	if ((r = tls_add_roots(SSL_CTX_get_cert_store(ctx), p->ca, p->calen,
	    "clientCA", err, errlen)) != 0)
		return r;
	if ((certs = X509_STORE_get1_all_certs(SSL_CTX_get_cert_store(ctx)))
	    == NULL) {
		snprintf(err, errlen, "cannot set up TLS");
		return ERR_NOMEM;
	}
	n = sk_X509_num(certs);
	for (i = 0; i < n; i++)
		if (SSL_CTX_add_client_CA(ctx, sk_X509_value(certs, i)) != 1)
			break;
	sk_X509_pop_free(certs, X509_free);
	if (i < n) {
		snprintf(err, errlen, "cannot set up TLS");
		return ERR_NOMEM;
	}
	/* Fit for TLS client authentication, as OpenSSL's server default. */
	if (X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(ctx),
	    X509_PURPOSE_SSL_CLIENT) != 1) {
		snprintf(err, errlen, "cannot set up TLS");
		return ERR_SYS;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return 0;
}

static SSL_CTX *
make_ctx(const struct tls_server_params *p, char *err, size_t errlen,
    int *rp)
{
	SSL_CTX		*ctx;

	/*
	 * TLS 1.3 only: its CertificateVerify signs a transcript hash under
	 * a context string that the monitor checks before it signs; a TLS
	 * 1.2 server signs the randoms and key exchange, which it cannot.
	 */
	if ((ctx = tls_ctx_new(TLS_server_method(), TLS1_3_VERSION,
	    TLS1_3_VERSION, err, errlen, rp)) == NULL)
		return NULL;
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		snprintf(err, errlen, "cannot set up TLS");
		*rp = ERR_SYS;
		goto fail;
	}
	/* A worker serves one connection: nothing to resume. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (p->ca != NULL && (*rp = use_client_ca(ctx, p, err, errlen)) != 0)
		goto fail;
	return ctx;
 fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

/* A reason for the log of a handshake that OpenSSL failed. */
static int
handshake_error(SSL *ssl, const struct tls_server_params *p, int ret,
    char *err, size_t errlen)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*reason;
	int		 saved = errno;

	/* The monitor's refusal to sign, or a scheme it does not make. */
	if (p->signer->err[0] != '\0') {
		reason = p->signer->err;
		if (strncmp(reason, "airlock: ", 9) == 0)
			reason += 9;
		snprintf(err, errlen, "%s: %s", HS_FAILED, reason);
		return ERR_PROTO;
	}
	if (tls_version_error(e)) {
		snprintf(err, errlen, "%s: the client does not offer TLS 1.3",
		    HS_FAILED);
		return ERR_PROTO;
	}
	return tls_handshake_failed(ssl, ret, saved, "client", err, errlen);
}

/* Verification errors that say the chain leads to no CA of the service. */
static int
issuer_error(int v)
{
	switch (v) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return 1;
	default:
		return 0;
	}
}

/*
 * The client certificate's verdict, once the handshake is done: 0, or
 * ERR_DENIED with peer->outcome and the reason for the client in err.
 */
static int
check_client(SSL *ssl, const struct tls_server_params *p,
    const struct verify_seen *vs, struct tls_client_peer *peer, char *err,
    size_t errlen)
{
	X509	*x;
	char	 who[96], *semi;
	long	 v;

	if ((x = SSL_get0_peer_certificate(ssl)) == NULL) {
		peer->outcome = CTLS_NO_CERT;
		snprintf(err, errlen, "airlock: a client certificate is "
		    "required to connect to service %s", p->service);
		return ERR_DENIED;
	}
	ctls_name_describe(x, peer->desc, sizeof(peer->desc));
	/* The client is named by its first name (its CN, mostly). */
	snprintf(who, sizeof(who), "%.*s", (int)sizeof(who) - 1, peer->desc);
	if ((semi = strchr(who, ';')) != NULL)
		*semi = '\0';
	if (*who == '\0')
		snprintf(who, sizeof(who), "without a name");
	if ((v = vs->error) == X509_V_OK)
		v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK) {
		peer->outcome = CTLS_UNKNOWN_CA;
		snprintf(err, errlen, issuer_error(v) ?
		    "airlock: the client certificate (%s) was not issued by a "
		    "CA that service %s trusts (%s)" :
		    "airlock: the client certificate (%s) is not valid for "
		    "service %s (%s)", who, p->service,
		    X509_verify_cert_error_string(v));
		return ERR_DENIED;
	}
	if (!ctls_name_allowed(x, p->allowed, p->nallowed)) {
		peer->outcome = CTLS_NOT_ALLOWED;
		snprintf(err, errlen, "airlock: the client certificate (%s) is "
		    "not allowed to connect to service %s", who, p->service);
		return ERR_DENIED;
	}
	return 0;
}

int
tls_server_start(struct endpoint *ep, const struct tls_server_params *p,
    uint64_t deadline, struct tls_client_peer *peer, char *err,
    size_t errlen)
{
	struct verify_seen	 vs = { X509_V_OK };
	SSL_CTX			*ctx;
	SSL			*ssl = NULL;
	int			 r, ret;

	peer->outcome = CTLS_HANDSHAKE;
	peer->desc[0] = '\0';
	if (errlen > 0)
		*err = '\0';
	if ((r = tls_ep_ready(ep, err, errlen)) != 0)
		return r;
	if (p->chain == NULL || p->chainlen == 0 || p->signer == NULL ||
	    p->service == NULL) {
		snprintf(err, errlen, "clientTLS needs a certificate and "
		    "its key");
		return ERR_INVAL;
	}
	if ((ctx = make_ctx(p, err, errlen, &r)) == NULL)
		return r;
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, ep->fd) != 1 ||
	    SSL_set_app_data(ssl, &vs) != 1) {
		snprintf(err, errlen, "cannot set up TLS");
		r = ERR_NOMEM;
		goto fail;
	}
	if ((r = tls_use_chain(ssl, p->chain, p->chainlen, p->signer,
	    TLSKEY_SERVER, err, errlen)) != 0)
		goto fail;
	SSL_set_accept_state(ssl);
	if ((r = tls_handshake(ssl, ep->fd, deadline, "client", &ret, err,
	    errlen)) == TLS_HS_FAILED)
		r = handshake_error(ssl, p, ret, err, errlen);
	if (r != 0)
		goto fail;
	/*
	 * The key signed its one CertificateVerify; TLS 1.3 has no
	 * renegotiation to sign again for, and a KeyUpdate signs nothing.
	 * The callback's record lives on this stack: unhook it.
	 */
	SSL_certs_clear(ssl);
	SSL_set_app_data(ssl, NULL);
	ep->ssl = ssl;
	ep->ctx = ctx;
	ep->tls = &tls_endpoint_ops;
	peer->outcome = CTLS_OK;
	if (p->ca != NULL)
		return check_client(ssl, p, &vs, peer, err, errlen);
	return 0;
 fail:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return r;
}
