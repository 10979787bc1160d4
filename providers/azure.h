/*
 * The azure provider's parts (azure.c: Key Vault's secrets; azureauth.c:
 * the Microsoft Entra ID access token for Key Vault).  Private to
 * providers/ (and the tests).
 */
#ifndef AIRLOCK_AZURE_H
#define AIRLOCK_AZURE_H

#include <stddef.h>

struct ptoken;
struct secret;

#define AZURE_DNS_SUFFIX	"vault.azure.net"
#define AZURE_API_VERSION	"7.4"
#define AZURE_VAULT_MAX		63	/* a DNS label (Azure: 3-24) */
#define AZURE_NAME_MAX		127	/* a secret's name */
#define AZURE_VERSION_MAX	64	/* a version id (Azure: 32 hex) */
#define AZURE_MAX_BODY		(1024 * 1024)
#define AZURE_TOKEN_BODY	(64 * 1024)
#define AZURE_TOKEN_MAX		(16 * 1024)
#define AZURE_SECRET_MAX	4096	/* a client secret */
#define AZURE_ID_MAX		128	/* tenant and client ids */

/* A reference, parsed (azure.c says which forms). */
#define AZURE_REFLEN		200
#define AZURE_HOST_MAX		255	/* HTTPS_HOSTLEN */
struct azure_ref {
	char		 text[AZURE_REFLEN + 1];	/* as given, cut */
	char		 host[AZURE_HOST_MAX + 1];
	int		 port;
	char		 name[AZURE_NAME_MAX + 1];
	char		 version[AZURE_VERSION_MAX + 1];
};

/*
 * "vault/name[/version]" or "https://host[:port]/secrets/name[/version]",
 * after azure_setup (the host is checked against the Key Vault DNS
 * suffix).  0, or an error with a message that names the reference.
 */
int		 azure_ref_parse(const char *, struct azure_ref *, char *err,
		    size_t errlen);

/*
 * Read the token source's settings from the environment, as
 * azure-identity's DefaultAzureCredential chooses: a client secret
 * (AZURE_CLIENT_SECRET), else workload identity (AZURE_FEDERATED_TOKEN_FILE),
 * else a managed identity (App Service's IDENTITY_ENDPOINT, else IMDS).
 * resource is Key Vault's ("https://vault.azure.net"), the audience of
 * the token.  0 or an error with a message.
 */
int		 azauth_setup(const char *resource, char *err,
		    size_t errlen);
/* The token, kept and fetched by ptoken (ptoken.h). */
struct ptoken	*azauth_token(void);
/* The source and its endpoint for the log line, never a secret. */
const char	*azauth_describe(void);
void		 azauth_cleanup(void);

/*
 * The Key Vault error code of an answer's body ({"error": {"code": ...,
 * "innererror": {"code": ...}}}) or the OAuth error of a token endpoint
 * ({"error": "invalid_client"}), as "CODE" or "CODE/INNER", or ""
 * (jfield_code: codes only, never the server's message, which may quote
 * the request).
 */
void		 azure_error_code(const struct secret *body, char *out,
		    size_t outlen);

#endif
