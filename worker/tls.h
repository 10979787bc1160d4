/*
 * The backend leg's TLS client, as the worker's connectors see it: one
 * interface, two implementations.  airlock-worker and airlock-worker-ssh
 * link OpenSSL's (tls.c, with tlsep.c and tlskey.c); airlock-worker-plain
 * links notls.c instead, which has no OpenSSL and fails a TLS handshake
 * with a reason for the client, so that the plaintext connectors' image
 * loads neither libssl nor libcrypto.  notls.o goes before libworker.a on
 * that image's link line and defines every function here that its
 * connectors use, so that the archive's tls.o is never pulled in.
 */
#ifndef AIRLOCK_TLS_H
#define AIRLOCK_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "ctls.h"
#include "endpoint.h"

typedef struct x509_store_st X509_STORE;
struct tlskey_signer;

/* A worker without TLS set up, to a connection that asks for TLS. */
#define TLS_NOT_SET_UP	"TLS is not set up in this worker, which was " \
			"started for a plaintext connection"

struct tls_params {
	enum sslmode	 mode;
	const char	*host;		/* verify-full name and SNI */
	const unsigned char *rootcert;	/* PEM bytes, may be NULL */
	size_t		 rootcertlen;
	X509_STORE	*store;		/* roots instead of rootcert */
	const unsigned char *cert;	/* client certificate, PEM */
	size_t		 certlen;
	/* Who signs with its key (tlskey.h), which the worker never holds. */
	struct tlskey_signer *signer;
};

/*
 * 0 when the executable's OpenSSL wipes what it frees (secret.h: its
 * allocators, set from the executable's preinit array before any
 * library's constructor may allocate), or when it has no OpenSSL.
 */
int		 tls_alloc_ready(void);
/* OpenSSL set-up that must happen before the sandbox closes the files. */
int		 tls_global_init(void);
/*
 * A store of the PEM bytes' certificates as trust anchors, or NULL (the
 * http connector's; not in notls.c).
 */
X509_STORE	*tls_store_new(const unsigned char *pem, size_t len, char *err,
		    size_t errlen);
/*
 * Client TLS handshake over ep->fd (no byte may have been buffered).  On
 * failure err holds a reason fit to show the client (no secret).
 */
int		 tls_client_start(struct endpoint *, const struct tls_params *,
		    uint64_t deadline, char *err, size_t errlen);

/*
 * The client leg's TLS server (a service's clientTLS, include/ctls.h):
 * TLS 1.3 only, the certificate chain of the listener, whose key the
 * signer holds (the monitor), and, with a client CA, a client certificate
 * asked for and checked.
 */
struct tls_server_params {
	const char	*service;	/* its name, for the client's reasons */
	const unsigned char *chain;	/* PEM: the leaf first */
	size_t		 chainlen;
	const unsigned char *ca;	/* PEM: client CA; NULL: none asked */
	size_t		 calen;
	/* allowedClients: names, or none (any certificate of the CA). */
	const char *const *allowed;
	size_t		 nallowed;
	struct tlskey_signer *signer;
};

/* What tls_server_start found of the client. */
struct tls_client_peer {
	int		 outcome;	/* enum ctls_outcome */
	/* Its certificate's subject and names, for the log ("" none). */
	char		 desc[CTLS_CLIENT_MAX];
};

/*
 * Server TLS handshake over ep->fd (no byte of it may have been read).
 * 0 with peer->outcome CTLS_OK: ep is TLS and the client is accepted.
 * ERR_DENIED: the handshake completed, ep is TLS, and the client is
 * refused (peer->outcome says why, err in words for the client), so that
 * the connector can tell it in its own protocol.  Any other error: no
 * TLS session (peer->outcome CTLS_HANDSHAKE), err says why for the log.
 * A client certificate that fails the CA is not failed in the handshake
 * but after it, for that reason.
 */
int		 tls_server_start(struct endpoint *,
		    const struct tls_server_params *, uint64_t deadline,
		    struct tls_client_peer *peer, char *err, size_t errlen);

/*
 * SCRAM-SHA-256-PLUS's channel binding data of a TLS endpoint: the
 * tls-server-end-point hash of the peer's certificate (RFC 5929 4.1), of
 * 32, 48 or 64 bytes.  ERR_NOTFOUND without TLS or a certificate,
 * ERR_DENIED when its signature names no such hash.
 */
#define TLS_END_POINT_MAX	64
int		 tls_server_end_point(const struct endpoint *,
		    unsigned char out[TLS_END_POINT_MAX], size_t *len);

/* tlsep.c: a TLS endpoint's operations, which the handshakes set. */
extern const struct ep_tls_ops tls_endpoint_ops;

#endif
