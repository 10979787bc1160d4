/*
 * What the backend leg's TLS client (tls.c) and the client leg's TLS
 * server (tlsserver.c) share: OpenSSL's side of both, so not in tls.h,
 * which notls.c implements without OpenSSL.
 */
#ifndef AIRLOCK_TLSINT_H
#define AIRLOCK_TLSINT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "endpoint.h"

struct tlskey_signer;

/* tls_handshake: OpenSSL failed the handshake (not an ERR_* code). */
#define TLS_HS_FAILED	1

/*
 * Is TLS set up in this worker (tls_global_init) and ep a plaintext
 * socket, now non-blocking?  0, or an error with a reason in err.
 */
int	 tls_ep_ready(struct endpoint *, char *err, size_t);
/*
 * A context of method for one connection's byte pump: versions from min
 * to max (0: OpenSSL's highest), partial writes from a moving buffer.
 * NULL, with *rp and a reason in err.
 */
SSL_CTX	*tls_ctx_new(const SSL_METHOD *, int min, int max, char *err,
	    size_t, int *rp);
/* The PEM bytes' certificates as trust anchors; what names them in err. */
int	 tls_add_roots(X509_STORE *, const unsigned char *pem, size_t len,
	    const char *what, char *err, size_t);
/*
 * Our certificate (PEM: the leaf, then its chain) and its key, whose
 * signature signer makes for role (enum tlskey_role), on ssl.
 */
int	 tls_use_chain(SSL *, const unsigned char *pem, size_t len,
	    struct tlskey_signer *, int role, char *err, size_t);
/*
 * Drive the handshake until done (0) or the deadline: TLS_HS_FAILED with
 * *ret for SSL_get_error when OpenSSL failed it, else ep_wait's error
 * with a reason in err that names the peer ("backend", "client").
 */
int	 tls_handshake(SSL *, int fd, uint64_t deadline, const char *peer,
	    int *ret, char *err, size_t);
/* Did a handshake fail (OpenSSL's error e) for want of a common version? */
int	 tls_version_error(unsigned long e);
/*
 * The reason for a handshake that OpenSSL failed (TLS_HS_FAILED), when
 * the caller has none of its own: the peer closed, a network error (saved
 * the errno of the failure), or OpenSSL's reason.
 */
int	 tls_handshake_failed(SSL *, int ret, int saved, const char *peer,
	    char *err, size_t);

#endif
