/*
 * The Conjur provider's parts (conjur.c: settings, references, reads;
 * conjurauth.c: the access token).  Private to providers/ (and the
 * tests).
 */
#ifndef AIRLOCK_CONJUR_H
#define AIRLOCK_CONJUR_H

#include <stddef.h>

struct event_base;
struct https_server;
struct ptoken;

#define CONJUR_ACCOUNT_MAX	128
#define CONJUR_KIND_MAX		64
#define CONJUR_ID_MAX		512
#define CONJUR_PREFIX_MAX	256
#define CONJUR_LOGIN_MAX	512
#define CONJUR_APIKEY_MAX	1024
/* A base64 access token (a signed JSON document of a few hundred bytes). */
#define CONJUR_TOKEN_MAX	(16 * 1024)
#define CONJUR_JWT_MAX		(16 * 1024)
#define CONJUR_MAX_BODY		(1024 * 1024)
#define CONJUR_TOKEN_BODY	(64 * 1024)
/* An access token lives 8 minutes (Conjur's authn, "Authenticate"). */
#define CONJUR_TOKEN_LIFETIME	480
/* Secretless's id for the access token itself (its conjur provider). */
#define CONJUR_ACCESS_TOKEN	"accessToken"

/* A reference: "id", "kind:id" or "account:kind:id" (kind: variable). */
struct conjur_ref {
	int	 is_token;		/* accessToken */
	char	 account[CONJUR_ACCOUNT_MAX + 1];
	char	 kind[CONJUR_KIND_MAX + 1];
	char	 id[CONJUR_ID_MAX + 1];
};

int		 conjur_ref_parse(const char *ref, const char *account,
		    struct conjur_ref *, char *err, size_t errlen);
/* "account:kind:id", the key of a batch answer. */
int		 conjur_full_id(const struct conjur_ref *, char *, size_t);
/*
 * Append sep as it is, then s percent-encoded (every byte but RFC 3986's
 * unreserved, '/' included: conjur-api-go's url.PathEscape of an id), to
 * the NUL-terminated out.  0, or ERR_TOOBIG.
 */
int		 conjur_uri_add(char *out, size_t outlen, const char *sep,
		    const char *s);
/*
 * A server from a base URL (CONJUR_APPLIANCE_URL, CONJUR_AUTHN_URL):
 * https, or http to a loopback address; the CA of CONJUR_CERT_FILE or
 * CONJUR_SSL_CERTIFICATE, else the system's.  The URL's path goes to
 * prefix.  0, or an error with a message naming var.
 */
int		 conjur_server(const char *var, const char *url,
		    struct https_server *, char *prefix, size_t prefixlen,
		    char *err, size_t errlen);

/*
 * The access token (conjurauth.c), from the environment: an API key
 * (CONJUR_AUTHN_LOGIN + CONJUR_AUTHN_API_KEY), a token file
 * (CONJUR_AUTHN_TOKEN_FILE), or authn-jwt (CONJUR_AUTHN_URL or
 * CONJUR_AUTHN_TYPE=jwt).  Setup returns the token's cache, whose tokens
 * are the base64 that goes into "Authorization: Token token=...", and
 * describes the method in what (for the log).
 */
struct ptoken	*conjur_auth_setup(const struct https_server *,
		    const char *prefix, const char *account, char *what,
		    size_t whatlen, char *err, size_t errlen);
void		 conjur_auth_cleanup(void);

/*
 * authn-k8s's client certificate (conjurk8s.c).  Setup reads
 * MY_POD_NAMESPACE, MY_POD_NAME, CONJUR_CLIENT_CERT_PATH and
 * CONJUR_CLIENT_CERT_RETRY_COUNT_LIMIT, and gives CONJUR_AUTHN_URL's path
 * in prefix.  conjur_k8s_cert answers once, now or from the loop, with
 * the server to authenticate on (its TLS context holds the certificate
 * and our key), unless aborted; forget drops a certificate that Conjur
 * refused.
 */
typedef void	 conjur_k8s_cb(void *arg, int error, const char *err,
		    const struct https_server *mtls);
int		 conjur_k8s_setup(const char *url, const char *login,
		    char *prefix, size_t prefixlen, char *err, size_t errlen);
int		 conjur_k8s_cert(struct event_base *, int timeout_ms,
		    conjur_k8s_cb *, void *arg);
void		 conjur_k8s_abort(void);
void		 conjur_k8s_forget(void);
void		 conjur_k8s_cleanup(void);

#endif
