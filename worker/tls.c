/*
 * The backend leg's TLS client.  Certificates arrive as PEM bytes over the
 * privsep channel and are loaded from memory: the worker cannot open a
 * file, so nothing here may name one, and everything OpenSSL would
 * otherwise initialise lazily from disk is done by tls_global_init() before
 * the sandbox closes.  A client certificate's private key never comes here:
 * its key object (tlskey.c) asks the monitor for its one signature.
 *
 * sslmode follows libpq (PostgreSQL documentation, section 34.19.1 "SSL
 * Support", table "SSL Mode Descriptions"): require encrypts and verifies
 * nothing unless a root certificate is given, in which case it behaves as
 * verify-ca; verify-ca verifies the chain; verify-full also the host name.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "endpoint.h"
#include "errors.h"
#include "secret.h"
#include "tls.h"
#include "tlsint.h"
#include "tlskey.h"

#define TLS_FAILED	"TLS handshake with the backend failed"
#define TLS_13_NEEDED	\
	"a client certificate needs TLS 1.3 with the backend"

/*
 * Set by tls_global_init.  A worker started for a plaintext connection only
 * (main.c, -p) never sets OpenSSL up; should its connection ask for TLS
 * anyway, the handshake fails with a reason instead of meeting the filter
 * with a file to open.
 */
static int	 tls_ready;

/*
 * OPENSSL_INIT_LOAD_CONFIG: the system's openssl.cnf (providers, the
 * distribution's minimum protocol and security level) is read now, while
 * files can still be opened.  The RAND_bytes calls instantiate the primary,
 * public and private DRBGs (later reseeds use getrandom(2), not a file), and
 * one SSL_CTX makes the library fetch its ciphers, digests and groups from
 * the providers, which it would otherwise do on the first connection.
 * Certificate validity checks call gmtime_r(), and glibc reads
 * /etc/localtime on the first time conversion of a process, even a UTC one:
 * one conversion now, or the first verify-ca handshake meets the filter.
 * The provider of the keys that the monitor signs for is loaded now too.
 */
int
tls_global_init(void)
{
	unsigned char	 b[16];
	struct tm	 tm;
	time_t		 now;
	SSL_CTX		*ctx;

	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_LOAD_CONFIG,
	    NULL) != 1)
		goto fail;
	if (RAND_bytes(b, sizeof(b)) != 1 || RAND_priv_bytes(b, sizeof(b)) != 1)
		goto fail;
	secret_wipe(b, sizeof(b));
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	SSL_CTX_free(ctx);
	/* The client leg's server (clientTLS) fetches the same, and more. */
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_free(ctx);
	now = time(NULL);
	if (OPENSSL_gmtime(&now, &tm) == NULL || tlskey_init() != 0)
		goto fail;
	tls_ready = 1;
	return 0;
 fail:
	ERR_clear_error();
	return ERR_SYS;
}

int
tls_ep_ready(struct endpoint *ep, char *err, size_t errlen)
{
	int	 r;

	if (!tls_ready) {
		snprintf(err, errlen, "%s", TLS_NOT_SET_UP);
		return ERR_INVAL;
	}
	if (ep->fd == -1 || ep->ssl != NULL) {
		snprintf(err, errlen, "cannot set up TLS");
		return ERR_INVAL;
	}
	/* The deadline holds only if no call can block. */
	if ((r = ep_prepare(ep)) != 0) {
		snprintf(err, errlen, "cannot set up TLS");
		return r;
	}
	return 0;
}

static int
is_ip_literal(const char *host)
{
	unsigned char	 a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/*
 * Every certificate in the PEM bytes becomes a trust anchor of store; what
 * names the bytes in a reason (sslrootcert, clientCA).
 */
int
tls_add_roots(X509_STORE *store, const unsigned char *pem, size_t len,
    const char *what, char *err, size_t errlen)
{
	BIO		*bio;
	X509		*x;
	unsigned long	 e;
	int		 n = 0, ok;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(err, errlen, "cannot read %s", what);
		return ERR_INVAL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		ok = X509_STORE_add_cert(store, x);
		X509_free(x);
		if (!ok)
			break;
		n++;
	}
	BIO_free(bio);
	/* Reading ends with "no start line" once the bytes are used up. */
	e = ERR_peek_last_error();
	if (n == 0 || (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE))) {
		snprintf(err, errlen, "%s holds no valid certificate", what);
		return ERR_FORMAT;
	}
	ERR_clear_error();
	return 0;
}

static int
load_roots(SSL_CTX *ctx, const unsigned char *pem, size_t len, char *err,
    size_t errlen)
{
	return tls_add_roots(SSL_CTX_get_cert_store(ctx), pem, len,
	    "sslrootcert", err, errlen);
}

X509_STORE *
tls_store_new(const unsigned char *pem, size_t len, char *err, size_t errlen)
{
	X509_STORE	*store;

	if ((store = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "cannot set up TLS");
		return NULL;
	}
	if (tls_add_roots(store, pem, len, "sslrootcert", err, errlen) != 0) {
		X509_STORE_free(store);
		return NULL;
	}
	return store;
}

/*
 * A certificate of ours: the first certificate in the PEM bytes is the
 * leaf, any others its chain, sent to the peer as they come.  Its key is
 * a tlskey: the public key of the leaf, whose signature the signer makes.
 * They go on the SSL object, not on its context, so that SSL_certs_clear
 * can drop them once the handshake no longer needs them.
 */
int
tls_use_chain(SSL *ssl, const unsigned char *pem, size_t len,
    struct tlskey_signer *signer, int role, char *err, size_t errlen)
{
	const char	*what = role == TLSKEY_SERVER ?
	    "clientTLS certificate" : "sslcert";
	BIO		*bio;
	X509		*x;
	EVP_PKEY	*pkey;
	unsigned long	 e;
	int		 n = 0, ok;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(err, errlen, "cannot read %s", what);
		return ERR_INVAL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (n == 0)
			ok = SSL_use_certificate(ssl, x);
		else
			ok = SSL_add1_chain_cert(ssl, x);
		X509_free(x);
		if (!ok)
			break;
		n++;
	}
	BIO_free(bio);
	e = ERR_peek_last_error();
	if (n == 0 || (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE))) {
		snprintf(err, errlen, "%s holds no valid certificate", what);
		return ERR_FORMAT;
	}
	ERR_clear_error();

	if ((pkey = tlskey_new(SSL_get_certificate(ssl), signer, role, err,
	    errlen)) == NULL)
		return ERR_FORMAT;
	ok = SSL_use_PrivateKey(ssl, pkey) == 1 &&
	    SSL_check_private_key(ssl) == 1;
	EVP_PKEY_free(pkey);
	if (!ok) {
		ERR_clear_error();
		snprintf(err, errlen, "cannot use %s's key", what);
		return ERR_FORMAT;
	}
	return 0;
}

static int
load_client_cert(SSL *ssl, const struct tls_params *p, char *err,
    size_t errlen)
{
	if (p->signer == NULL) {
		snprintf(err, errlen, "sslcert needs sslkey");
		return ERR_INVAL;
	}
	return tls_use_chain(ssl, p->cert, p->certlen, p->signer,
	    TLSKEY_CLIENT, err, errlen);
}

/*
 * Drive the handshake that ssl is set up for (SSL_set_connect_state or
 * SSL_set_accept_state) until it is done or the deadline: 0 when done;
 * TLS_HS_FAILED when OpenSSL failed it (*ret for SSL_get_error, the error
 * queue and errno left as it left them); else ep_wait's error, with a
 * reason that names the peer ("backend", "client").
 */
int
tls_handshake(SSL *ssl, int fd, uint64_t deadline, const char *peer,
    int *ret, char *err, size_t errlen)
{
	short	 want;
	int	 r;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((*ret = SSL_do_handshake(ssl)) == 1)
			return 0;
		switch (SSL_get_error(ssl, *ret)) {
		case SSL_ERROR_WANT_READ:
			want = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			want = POLLOUT;
			break;
		default:
			return TLS_HS_FAILED;
		}
		if ((r = ep_wait(fd, want, deadline)) != 0) {
			snprintf(err, errlen, r == ERR_TIMEOUT ?
			    "TLS handshake with the %s timed out" :
			    "TLS handshake with the %s failed", peer);
			return r;
		}
	}
}

int
tls_version_error(unsigned long e)
{
	if (ERR_GET_LIB(e) != ERR_LIB_SSL)
		return 0;
	switch (ERR_GET_REASON(e)) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_WRONG_SSL_VERSION:
		return 1;
	default:
		return 0;
	}
}

/* A reason for a failed SSL_connect, from what OpenSSL left behind. */
static int
handshake_error(SSL *ssl, const struct tls_params *p, int ret, char *err,
    size_t errlen)
{
	unsigned long	 e;
	long		 v;
	int		 saved = errno;

	v = SSL_get_verify_result(ssl);
	e = ERR_peek_last_error();
	if (v != X509_V_OK) {
		snprintf(err, errlen, "%s: certificate verify failed (%s)",
		    TLS_FAILED, X509_verify_cert_error_string(v));
		return ERR_AUTH;
	}
	/* The monitor's reason is the one the client needs. */
	if (p->signer != NULL && p->signer->err[0] != '\0') {
		snprintf(err, errlen, "%s", p->signer->err);
		return ERR_DENIED;
	}
	if (p->signer != NULL && tls_version_error(e)) {
		snprintf(err, errlen, "%s: %s", TLS_FAILED, TLS_13_NEEDED);
		return ERR_PROTO;
	}
	return tls_handshake_failed(ssl, ret, saved, "backend", err, errlen);
}

int
tls_handshake_failed(SSL *ssl, int ret, int saved, const char *peer,
    char *err, size_t errlen)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*reason;

	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_SYSCALL:
		if (e != 0)
			break;
		/* No strerror(): message catalogues are files. */
		if (saved != 0 && saved != ECONNRESET && saved != EPIPE) {
			snprintf(err, errlen, "TLS handshake with the %s failed: "
			    "network error (errno %d)", peer, saved);
			errno = saved;
			return ERR_SYS;
		}
		/* FALLTHROUGH */
	case SSL_ERROR_ZERO_RETURN:
		snprintf(err, errlen, "TLS handshake with the %s failed: the %s "
		    "closed the connection", peer, peer);
		return ERR_EOF;
	}
	if ((reason = ERR_reason_error_string(e)) == NULL)
		reason = "protocol error";
	snprintf(err, errlen, "TLS handshake with the %s failed: %s", peer,
	    reason);
	return ERR_PROTO;
}

SSL_CTX *
tls_ctx_new(const SSL_METHOD *method, int min, int max, char *err,
    size_t errlen, int *rp)
{
	SSL_CTX		*ctx;

	if ((ctx = SSL_CTX_new(method)) == NULL) {
		snprintf(err, errlen, "cannot set up TLS");
		*rp = ERR_NOMEM;
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, max) != 1) {
		snprintf(err, errlen, "cannot set up TLS");
		*rp = ERR_SYS;
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static SSL_CTX *
make_ctx(const struct tls_params *p, char *err, size_t errlen, int *rp)
{
	SSL_CTX		*ctx;
	int		 verify;

	/*
	 * With a client key, TLS 1.3 only: its CertificateVerify signs a
	 * hash of the transcript under a fixed context string (RFC 8446
	 * section 4.4.3), a shape the monitor checks before it signs; TLS
	 * 1.2's signs the whole handshake, which it could not check.
	 */
	if ((ctx = tls_ctx_new(TLS_client_method(), p->signer != NULL ?
	    TLS1_3_VERSION : TLS1_2_VERSION, 0, err, errlen, rp)) == NULL)
		return NULL;
	/*
	 * No renegotiation: PostgreSQL turned it off long ago, and a byte pump
	 * gains nothing from a server that wants to change keys mid-stream.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);

	verify = p->mode == SSLMODE_VERIFY_CA ||
	    p->mode == SSLMODE_VERIFY_FULL;
	if (p->store != NULL) {
		/* Shared by the connection's upstreams: one reference each. */
		SSL_CTX_set1_cert_store(ctx, p->store);
		verify = 1;
	} else if (p->rootcert != NULL && p->rootcertlen > 0) {
		if ((*rp = load_roots(ctx, p->rootcert, p->rootcertlen, err,
		    errlen)) != 0)
			goto fail;
		verify = 1;
	}
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);

	if ((p->cert == NULL || p->certlen == 0) && p->signer != NULL) {
		snprintf(err, errlen, "sslkey needs sslcert");
		*rp = ERR_INVAL;
		goto fail;
	}
	return ctx;
 fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static int
check_params(const struct tls_params *p, char *err, size_t errlen)
{
	const char	*mode = p->mode == SSLMODE_VERIFY_FULL ?
	    "verify-full" : "verify-ca";

	switch (p->mode) {
	case SSLMODE_REQUIRE:
		return 0;
	case SSLMODE_VERIFY_CA:
	case SSLMODE_VERIFY_FULL:
		if (p->store == NULL &&
		    (p->rootcert == NULL || p->rootcertlen == 0)) {
			snprintf(err, errlen, "sslmode %s needs sslrootcert",
			    mode);
			return ERR_INVAL;
		}
		if (p->mode == SSLMODE_VERIFY_FULL &&
		    (p->host == NULL || *p->host == '\0')) {
			snprintf(err, errlen, "sslmode verify-full needs "
			    "a host name");
			return ERR_INVAL;
		}
		return 0;
	default:
		snprintf(err, errlen, "TLS is not enabled for this backend");
		return ERR_INVAL;
	}
}

int
tls_client_start(struct endpoint *ep, const struct tls_params *p,
    uint64_t deadline, char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	SSL		*ssl = NULL;
	int		 r, ret, ip;

	if (errlen > 0)
		*err = '\0';
	if ((r = tls_ep_ready(ep, err, errlen)) != 0 ||
	    (r = check_params(p, err, errlen)) != 0)
		return r;
	if ((ctx = make_ctx(p, err, errlen, &r)) == NULL)
		return r;
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, ep->fd) != 1) {
		snprintf(err, errlen, "cannot set up TLS");
		r = ERR_NOMEM;
		goto fail;
	}
	if (p->cert != NULL && p->certlen > 0 &&
	    (r = load_client_cert(ssl, p, err, errlen)) != 0)
		goto fail;

	ip = p->host != NULL && is_ip_literal(p->host);
	/* RFC 6066 section 3: no IP literals in server_name. */
	if (p->host != NULL && *p->host != '\0' && !ip &&
	    SSL_set_tlsext_host_name(ssl, p->host) != 1) {
		snprintf(err, errlen, "invalid backend host name for TLS");
		r = ERR_INVAL;
		goto fail;
	}
	if (p->mode == SSLMODE_VERIFY_FULL) {
		if (ip)
			ret = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    p->host);
		else {
			/* As libpq: a wildcard is a whole left-most label. */
			SSL_set_hostflags(ssl,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ret = SSL_set1_host(ssl, p->host);
		}
		if (ret != 1) {
			snprintf(err, errlen, "invalid backend host name "
			    "for TLS");
			r = ERR_INVAL;
			goto fail;
		}
	}

	SSL_set_connect_state(ssl);
	if ((r = tls_handshake(ssl, ep->fd, deadline, "backend", &ret, err,
	    errlen)) == TLS_HS_FAILED)
		r = handshake_error(ssl, p, ret, err, errlen);
	if (r != 0)
		goto fail;

	/* Belt and braces: SSL_VERIFY_PEER has already insisted on both. */
	if (SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE &&
	    (SSL_get0_peer_certificate(ssl) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK)) {
		snprintf(err, errlen, "%s: no verified server certificate",
		    TLS_FAILED);
		r = ERR_AUTH;
		goto fail;
	}
	/*
	 * The client key signs in the handshake only (we offer no
	 * post-handshake authentication and no renegotiation): drop it and
	 * its signer now, which lives no longer than this call.
	 */
	SSL_certs_clear(ssl);
	ep->ssl = ssl;
	ep->ctx = ctx;
	ep->tls = &tls_endpoint_ops;
	return 0;
 fail:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return r;
}

/*
 * Channel binding for SCRAM-SHA-256-PLUS: tls-server-end-point (RFC 5929
 * section 4.1), the hash of the backend's certificate with the hash
 * function of the certificate's signature, SHA-256 where that is MD5 or
 * SHA-1; what PostgreSQL's server computes on its side.  The monitor takes
 * it as opaque bytes and never sees a certificate.
 */
int
tls_server_end_point(const struct endpoint *ep,
    unsigned char out[TLS_END_POINT_MAX], size_t *len)
{
	const EVP_MD	*md;
	X509		*x;
	unsigned int	 n = 0;
	int		 nid;

	*len = 0;
	if (ep->ssl == NULL || (x = SSL_get0_peer_certificate(ep->ssl)) == NULL)
		return ERR_NOTFOUND;
	/* No single hash (Ed25519, Ed448): the binding is undefined. */
	if (X509_get_signature_info(x, &nid, NULL, NULL, NULL) != 1 ||
	    nid == NID_undef) {
		ERR_clear_error();
		return ERR_DENIED;
	}
	if (nid == NID_md5 || nid == NID_sha1)
		nid = NID_sha256;
	/* SHA-256, SHA-384 or SHA-512: what the monitor takes. */
	if ((md = EVP_get_digestbynid(nid)) == NULL ||
	    EVP_MD_get_size(md) > TLS_END_POINT_MAX ||
	    X509_digest(x, md, out, &n) != 1 || (n != 32 && n != 48 &&
	    n != 64)) {
		ERR_clear_error();
		return ERR_DENIED;
	}
	*len = n;
	return 0;
}
