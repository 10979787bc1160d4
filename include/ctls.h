/*
 * The client leg's TLS (a service's clientTLS, airlock.yml(5)): what both
 * sides of the channel share.  The worker is the TLS server towards the
 * client; the monitor gives it the certificate chain and the client CA
 * (MSG_CLIENT_TLS) and signs its one CertificateVerify with the listener
 * key, which never leaves the monitor (MSG_CLIENT_TLS_SIGN).  TLS 1.3
 * only: a TLS 1.2 server signs the randoms and the key exchange
 * parameters, which the monitor could not tell from anything else.
 */
#ifndef AIRLOCK_CTLS_H
#define AIRLOCK_CTLS_H

/* The option of MSG_ASSIGN that says a service has clientTLS, and how. */
#define CTLS_OPTION		"clientTLS"
#define CTLS_AUTH_NONE		"none"
#define CTLS_AUTH_CERT		"cert"

/* MSG_CLIENT_TLS's answer. */
#define CTLS_KEY_CERTIFICATE	"certificate"
#define CTLS_KEY_CLIENT_AUTH	"clientAuth"
#define CTLS_KEY_CLIENT_CA	"clientCA"
#define CTLS_KEY_ALLOWED	"allowedClients"

/* The longest subject line that MSG_CLIENT_TLS_DONE carries. */
#define CTLS_CLIENT_MAX		512
/* allowedClients: entries, and the length of one. */
#define CTLS_ALLOWED_MAX	64
#define CTLS_NAME_MAX		256

/*
 * How a client leg ended (MSG_CLIENT_TLS_DONE); the monitor counts each
 * (airlock_client_tls_total{service,outcome}).
 */
enum ctls_outcome {
	CTLS_OK = 0,		/* accepted */
	CTLS_PLAINTEXT,		/* came without TLS to a service with it */
	CTLS_HANDSHAKE,		/* the TLS handshake failed (version, ...) */
	CTLS_NO_CERT,		/* clientAuth: cert, and none was given */
	CTLS_UNKNOWN_CA,	/* it does not chain to clientCA (or expired) */
	CTLS_NOT_ALLOWED,	/* not one of allowedClients */
	CTLS_OUTCOME_MAX	/* not an outcome; keep last */
};

/* Its label in metrics and logs ("ok", "plaintext", ...), or NULL. */
const char	*ctls_outcome_name(int);

#endif
