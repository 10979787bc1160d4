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

struct vault_ref {
	char	 path[VAULT_PATH_MAX + 1];	/* no '/' at either end */
	char	 field[VAULT_FIELD_MAX + 1];	/* dotted, inside "data" */
};

/* Split and check a reference; messages name it. */
int		 vault_ref_parse(const char *ref, struct vault_ref *,
		    char *err, size_t errlen);
/* "/v1/" and the path, percent-encoded (RFC 3986, section 2.1). */
int		 vault_uri(const char *path, char *uri, size_t len);

#endif
