/*
 * The Vault provider's references and requests (vault.c).  Private to
 * providers/ (and the tests); the provider itself is in provider_impl.h.
 *
 * A reference is Secretless Broker's "path#field.path": GET /v1/<path>,
 * then the string at field.path inside the response's top-level "data"
 * object; the field defaults to "value".  KV v1: "secret/db" is
 * data.value; KV v2: "secret/data/db#data.password" is data.data.password.
 */
#ifndef AIRLOCK_VAULT_H
#define AIRLOCK_VAULT_H

#include <stddef.h>

#define VAULT_PATH_MAX		512
#define VAULT_FIELD_MAX		256
#define VAULT_URI_MAX		(4 + 3 * VAULT_PATH_MAX)
#define VAULT_DEFAULT_FIELD	"value"
#define VAULT_DEFAULT_ADDR	"https://127.0.0.1:8200"
#define VAULT_MAX_BODY		(1024 * 1024)
#define VAULT_TOKEN_MAX		4096
#define VAULT_LOGIN_MAX_BODY	(64 * 1024)	/* a token endpoint's answer */
#define VAULT_JWT_MAX		(16 * 1024)
#define VAULT_ID_MAX		1024		/* a role id, a secret id */
#define VAULT_NAME_MAX		128		/* an auth mount, a role */
#define VAULT_SA_TOKEN_FILE	\
	"/var/run/secrets/kubernetes.io/serviceaccount/token"

struct vault_ref {
	char	 path[VAULT_PATH_MAX + 1];	/* no '/' at either end */
	char	 field[VAULT_FIELD_MAX + 1];	/* dotted, inside "data" */
};

/* Split and check a reference; messages name it. */
int		 vault_ref_parse(const char *ref, struct vault_ref *,
		    char *err, size_t errlen);
/* "/v1/" and the path, percent-encoded (RFC 3986, section 2.1). */
int		 vault_uri(const char *path, char *uri, size_t len);

struct event_base;
struct https_header;
struct https_server;
struct ptoken_wait;
struct secret;

/* vault.c: where requests go, and the headers every one carries (3). */
#define VAULT_NHEADERS		3
const struct https_server *vault_server(void);
size_t		 vault_headers(struct https_header *,
		    const struct secret *token);

/*
 * vaultauth.c: the token that requests carry.  VAULT_TOKEN, re-read from
 * VAULT_TOKEN_FILE at each request, or a login's (VAULT_AUTH_METHOD
 * approle, kubernetes, jwt), kept by ptoken, renewed with renew-self
 * while Vault lets it, then replaced by a new login.
 */
int		 vault_auth_setup(char *err, size_t errlen);
void		 vault_auth_cleanup(void);
/* The method and where its logins go, for setup's log line. */
const char	*vault_auth_describe(void);
/*
 * The token, once, from the loop: cb(arg, 0, NULL, token) or an error
 * (the ptoken_cb of ptoken.h).  Cancel with ptoken_cancel.
 */
struct ptoken_wait *vault_auth_token(struct event_base *, int timeout_ms,
		    void (*cb)(void *, int, const char *,
		    const struct secret *), void *arg);
/*
 * Vault refused this token (403): forget it.  1 when another token may
 * come of asking again (a login, a token file), 0 for VAULT_TOKEN.
 */
int		 vault_auth_refused(const struct secret *token);
/* Renew a renewable VAULT_TOKEN in the background, before its TTL ends. */
void		 vault_auth_attach(struct event_base *);

#endif
