/*
 * The azure provider's access token for Key Vault, from Microsoft Entra
 * ID or a managed identity, chosen from airlockd's environment as
 * azure-identity's DefaultAzureCredential does (its EnvironmentCredential,
 * WorkloadIdentityCredential, then ManagedIdentityCredential):
 *
 *	AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
 *		a client secret: POST {AZURE_AUTHORITY_HOST}/{tenant}/oauth2/
 *		v2.0/token, grant_type=client_credentials (Microsoft identity
 *		platform, "OAuth 2.0 client credentials flow", first case)
 *	AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE
 *		workload identity: the same request with the file's JWT as
 *		client_assertion (same page, "second case: access token
 *		request with a certificate"; RFC 7521, 4.2), read at each
 *		login: the kubelet rotates it
 *	IDENTITY_ENDPOINT, IDENTITY_HEADER
 *		App Service's managed identity: GET {IDENTITY_ENDPOINT}
 *		?api-version=2019-08-01&resource=... with X-IDENTITY-HEADER
 *	otherwise
 *		IMDS: GET http://169.254.169.254/metadata/identity/oauth2/
 *		token
 *		?api-version=2018-02-01&resource=... with Metadata: true
 *		(AZURE_POD_IDENTITY_AUTHORITY_HOST replaces the address);
 *		AZURE_CLIENT_ID names a user-assigned identity
 *
 * AZURE_AUTHORITY_HOST defaults to https://login.microsoftonline.com.
 * Plain http is refused except to a loopback address (App Service's own
 * endpoint is one) and, for IMDS, to the link-local metadata address.
 * The token's lifetime is the answer's expires_in, or expires_on (App
 * Service sends only that: epoch seconds) less the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "azure.h"
#include "errors.h"
#include "formenc.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "provenv.h"
#include "ptoken.h"
#include "secret.h"

#define AUTHORITY_DEFAULT	"https://login.microsoftonline.com"
#define IMDS_DEFAULT		"http://169.254.169.254"
#define IMDS_PATH		"/metadata/identity/oauth2/token"
#define IMDS_API		"2018-02-01"
#define APPSERVICE_API		"2019-08-01"
#define ASSERTION_TYPE	\
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define PREFIX_MAX		512
#define URI_MAX			2048
#define JWT_MAX			(16 * 1024)
#define ERRLEN			256

enum az_source {
	AZ_SECRET,
	AZ_WORKLOAD,
	AZ_APPSERVICE,
	AZ_IMDS
};

static const char *const source_name[] = {
	[AZ_SECRET] = "client secret",
	[AZ_WORKLOAD] = "workload identity",
	[AZ_APPSERVICE] = "App Service managed identity",
	[AZ_IMDS] = "managed identity",
};

static struct {
	int			 ready;
	enum az_source		 src;
	struct https_server	 srv;		/* the token endpoint */
	char			 uri[URI_MAX];
	char			 client_id[AZURE_ID_MAX + 1];
	char			 scope[HTTPS_HOSTLEN + 32];
	char			*token_file;
	struct secret		*client_secret;
	struct secret		*identity_header;
	struct ptoken		*pt;
	struct https_req	*hr;		/* the login in flight */
	char			 describe[URI_MAX + 512];
} az;

/* A GUID, or a tenant's domain name: nothing to escape in a path. */
static int
id_ok(const char *s)
{
	size_t	 len = strlen(s);

	return len > 0 && len <= AZURE_ID_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == len;
}

/*
 * The endpoint in var (or def): its server, TLS context and path.  http
 * only to loopback, or to the metadata address when metadata is set.
 */
static int
endpoint(const char *var, const char *def, int metadata, char *prefix,
    char *err, size_t errlen)
{
	const char	*url;
	char		 why[512];
	int		 r;

	if ((url = penv(var)) == NULL)
		url = def;
	if (https_parse_url(url, &az.srv, prefix, PREFIX_MAX, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "provider azure: %s %s", var, why);
		return ERR_INVAL;
	}
	if (!az.srv.tls && !https_is_loopback(&az.srv) &&
	    !(metadata && https_is_metadata(&az.srv))) {
		snprintf(err, errlen, "provider azure: %s %.200s: plain http "
		    "is allowed only to a loopback address%s: elsewhere the "
		    "token would cross the network in clear; use https://",
		    var, url, metadata ? " or the metadata service "
		    "169.254.169.254" : "");
		return ERR_DENIED;
	}
	if ((r = https_ctx_new(&az.srv, NULL, NULL, 1, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, "provider azure: %s: %s", var, why);
		return r;
	}
	return 0;
}

/* "api-version=...&resource=...[&client_id=...]" after base. */
static int
query_uri(const char *base, const char *api, const char *resource)
{
	struct form_field	 f[3];
	struct secret		*q;
	size_t			 n = 0;
	int			 len;

	f[n].name = "api-version";
	f[n].value = api;
	f[n++].len = strlen(api);
	f[n].name = "resource";
	f[n].value = resource;
	f[n++].len = strlen(resource);
	if (az.client_id[0] != '\0') {
		f[n].name = "client_id";
		f[n].value = az.client_id;
		f[n++].len = strlen(az.client_id);
	}
	if ((q = form_encode(f, n)) == NULL)
		return ERR_NOMEM;
	len = snprintf(az.uri, sizeof(az.uri), "%s?%s", base,
	    (const char *)q->data);
	secret_free(q);
	return len < 0 || (size_t)len >= sizeof(az.uri) ? ERR_TOOBIG : 0;
}

static int
need_ids(const char *why, char *err, size_t errlen)
{
	const char	*tenant = penv("AZURE_TENANT_ID");
	const char	*client = penv("AZURE_CLIENT_ID");

	if (tenant == NULL || client == NULL) {
		snprintf(err, errlen, "provider azure: %s needs "
		    "AZURE_TENANT_ID and AZURE_CLIENT_ID", why);
		return ERR_INVAL;
	}
	if (!id_ok(tenant) || !id_ok(client)) {
		snprintf(err, errlen, "provider azure: AZURE_TENANT_ID or "
		    "AZURE_CLIENT_ID is not a GUID or a domain name");
		return ERR_INVAL;
	}
	return 0;
}

static int
setup_entra(char *err, size_t errlen)
{
	const char	*tenant = penv("AZURE_TENANT_ID");
	char		 prefix[PREFIX_MAX], why[256];
	int		 r, len;

	if ((r = need_ids(az.src == AZ_SECRET ? "AZURE_CLIENT_SECRET" :
	    "AZURE_FEDERATED_TOKEN_FILE", err, errlen)) != 0 ||
	    (r = endpoint("AZURE_AUTHORITY_HOST", AUTHORITY_DEFAULT, 0,
	    prefix, err, errlen)) != 0)
		return r;
	len = snprintf(az.uri, sizeof(az.uri), "%s/%s/oauth2/v2.0/token",
	    prefix, tenant);
	if (len < 0 || (size_t)len >= sizeof(az.uri)) {
		snprintf(err, errlen, "provider azure: AZURE_AUTHORITY_HOST "
		    "is too long");
		return ERR_TOOBIG;
	}
	if (az.src == AZ_WORKLOAD) {
		if ((az.token_file = strdup(penv(
		    "AZURE_FEDERATED_TOKEN_FILE"))) == NULL) {
			snprintf(err, errlen, "provider azure: out of memory");
			return ERR_NOMEM;
		}
	} else if ((r = penv_take("AZURE_CLIENT_SECRET", AZURE_SECRET_MAX,
	    0, &az.client_secret, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "provider azure: %s", why);
		return r;
	}
	snprintf(az.describe, sizeof(az.describe), "%s of client %s at "
	    "%s:%d%s", source_name[az.src], az.client_id, az.srv.host,
	    az.srv.port, az.uri);
	return 0;
}

static int
setup_managed(const char *resource, char *err, size_t errlen)
{
	const char	*url;
	char		 prefix[PREFIX_MAX], why[256];
	char		 base[PREFIX_MAX + sizeof(IMDS_PATH)];
	int		 r;

	if (az.src == AZ_APPSERVICE) {
		if ((r = endpoint("IDENTITY_ENDPOINT", NULL, 0, prefix, err,
		    errlen)) != 0)
			return r;
		/* The endpoint is used as given: keep its final '/'. */
		url = penv("IDENTITY_ENDPOINT");
		snprintf(base, sizeof(base), "%s%s", prefix,
		    url[strlen(url) - 1] == '/' ? "/" : "");
		r = query_uri(base, APPSERVICE_API, resource);
	} else {
		if ((r = endpoint("AZURE_POD_IDENTITY_AUTHORITY_HOST",
		    IMDS_DEFAULT, 1, prefix, err, errlen)) != 0)
			return r;
		snprintf(base, sizeof(base), "%s%s", prefix, IMDS_PATH);
		r = query_uri(base, IMDS_API, resource);
	}
	if (r != 0) {
		snprintf(err, errlen, "provider azure: the managed identity's "
		    "endpoint is too long");
		return r;
	}
	if (az.src == AZ_APPSERVICE && (r = penv_take("IDENTITY_HEADER",
	    AZURE_TOKEN_MAX, 1, &az.identity_header, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, "provider azure: %s", why);
		return r;
	}
	if (az.client_id[0] != '\0')
		snprintf(az.describe, sizeof(az.describe), "user-assigned %s "
		    "%s at %s:%d%s", source_name[az.src], az.client_id,
		    az.srv.host, az.srv.port, base);
	else
		snprintf(az.describe, sizeof(az.describe), "%s at %s:%d%s",
		    source_name[az.src], az.srv.host, az.srv.port, base);
	return 0;
}

static void	 login(struct ptoken *, struct event_base *, int,
		    const struct secret *, void *);
static void	 login_abort(struct ptoken *, void *);

int
azauth_setup(const char *resource, char *err, size_t errlen)
{
	const char	*client;
	int		 r;

	if (az.ready)
		return 0;
	memset(&az, 0, sizeof(az));
	if ((client = penv("AZURE_CLIENT_ID")) != NULL) {
		if (!id_ok(client)) {
			snprintf(err, errlen, "provider azure: "
			    "AZURE_CLIENT_ID is not a GUID");
			return ERR_INVAL;
		}
		snprintf(az.client_id, sizeof(az.client_id), "%s", client);
	}
	snprintf(az.scope, sizeof(az.scope), "%s/.default", resource);
	if (penv("AZURE_CLIENT_SECRET") != NULL)
		az.src = AZ_SECRET;
	else if (penv("AZURE_CLIENT_CERTIFICATE_PATH") != NULL) {
		snprintf(err, errlen, "provider azure: "
		    "AZURE_CLIENT_CERTIFICATE_PATH (a client certificate) is "
		    "not supported: use a client secret, workload identity "
		    "or a managed identity");
		return ERR_INVAL;
	} else if (penv("AZURE_FEDERATED_TOKEN_FILE") != NULL)
		az.src = AZ_WORKLOAD;
	else if (penv("IDENTITY_ENDPOINT") != NULL &&
	    penv("IDENTITY_HEADER") != NULL)
		az.src = AZ_APPSERVICE;
	else
		az.src = AZ_IMDS;
	if (az.src == AZ_SECRET || az.src == AZ_WORKLOAD)
		r = setup_entra(err, errlen);
	else
		r = setup_managed(resource, err, errlen);
	if (r == 0 && (az.pt = ptoken_new("provider azure", login,
	    login_abort, NULL)) == NULL) {
		snprintf(err, errlen, "provider azure: out of memory");
		r = ERR_NOMEM;
	}
	if (r != 0) {
		azauth_cleanup();
		return r;
	}
	az.ready = 1;
	return 0;
}

struct ptoken *
azauth_token(void)
{
	return az.pt;
}

const char *
azauth_describe(void)
{
	return az.describe;
}

void
azauth_cleanup(void)
{
	ptoken_free(az.pt);
	https_abort(az.hr);
	secret_free(az.client_secret);
	secret_free(az.identity_header);
	free(az.token_file);
	https_server_clear(&az.srv);
	memset(&az, 0, sizeof(az));
}

void
azure_error_code(const struct secret *body, char *out, size_t outlen)
{
	char	 code[80], inner[80];

	jfield_code(body, "error.code", code, sizeof(code));
	if (code[0] == '\0')
		jfield_code(body, "error", code, sizeof(code));
	if (code[0] == '\0') {
		out[0] = '\0';
		return;
	}
	jfield_code(body, "error.innererror.code", inner, sizeof(inner));
	snprintf(out, outlen, "%s%s%s", code, inner[0] != '\0' ? "/" : "",
	    inner);
}

/* The login's answer: a token, and how long it lives. */
static void
login_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct jfield_doc	*doc;
	struct secret		*tok;
	long long		 life = 0, on;
	char			 why[160], code[160];
	int			 r;

	(void)arg;
	az.hr = NULL;
	if (error != 0) {
		ptoken_fail(az.pt, error, "%s token: %s", source_name[az.src],
		    err);
		return;
	}
	if (status != 200) {
		azure_error_code(body, code, sizeof(code));
		if (status == 400 || status == 401)
			r = ERR_AUTH;
		else if (status == 403)
			r = ERR_DENIED;
		else if (status == 404)
			r = ERR_NOTFOUND;
		else if (status == 429 || status >= 500)
			r = ERR_AGAIN;
		else
			r = ERR_PROTO;
		ptoken_fail(az.pt, r, "%s token: HTTP %d%s%s",
		    source_name[az.src], status, code[0] != '\0' ? ", " : "",
		    code);
		return;
	}
	if ((r = jfield_parse(body->data, body->len, &doc, why,
	    sizeof(why))) != 0) {
		ptoken_fail(az.pt, r, "%s token: %s", source_name[az.src],
		    why);
		return;
	}
	if ((r = jfield_string(doc, "access_token", &tok, why,
	    sizeof(why))) != 0) {
		jfield_free(doc);
		ptoken_fail(az.pt, r, "%s token: %s", source_name[az.src],
		    why);
		return;
	}
	/* It goes into a header: printable, no NUL, not too long. */
	if (tok->len == 0 || tok->len > AZURE_TOKEN_MAX ||
	    strlen((char *)tok->data) != tok->len ||
	    !header_safe((char *)tok->data, AZURE_TOKEN_MAX)) {
		secret_free(tok);
		jfield_free(doc);
		ptoken_fail(az.pt, ERR_FORMAT, "%s token: access_token is "
		    "empty, too long, or not fit for a header",
		    source_name[az.src]);
		return;
	}
	if (jfield_int(doc, "expires_in", &life, why, sizeof(why)) != 0 &&
	    jfield_int(doc, "expires_on", &on, why, sizeof(why)) == 0)
		life = on - (long long)time(NULL);
	jfield_free(doc);
	log_debug("provider azure: %s token for %lld s", source_name[az.src],
	    life);
	ptoken_set(az.pt, tok, life);
}

static struct secret *
login_form(char *err, size_t errlen)
{
	struct form_field	 f[5];
	struct secret		*jwt = NULL, *body;
	size_t			 n = 0;

	f[n].name = "grant_type";
	f[n].value = "client_credentials";
	f[n++].len = strlen("client_credentials");
	f[n].name = "client_id";
	f[n].value = az.client_id;
	f[n++].len = strlen(az.client_id);
	f[n].name = "scope";
	f[n].value = az.scope;
	f[n++].len = strlen(az.scope);
	if (az.src == AZ_SECRET) {
		f[n].name = "client_secret";
		f[n].value = az.client_secret->data;
		f[n++].len = az.client_secret->len;
	} else {
		if (penv_read_file("provider azure: "
		    "AZURE_FEDERATED_TOKEN_FILE", az.token_file, JWT_MAX, &jwt,
		    err, errlen) != 0)
			return NULL;
		f[n].name = "client_assertion_type";
		f[n].value = ASSERTION_TYPE;
		f[n++].len = strlen(ASSERTION_TYPE);
		f[n].name = "client_assertion";
		f[n].value = jwt->data;
		f[n++].len = jwt->len;
	}
	if ((body = form_encode(f, n)) == NULL)
		snprintf(err, errlen, "provider azure: out of memory");
	secret_free(jwt);
	return body;
}

static void
login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct https_header	 h[2];
	struct secret		*body = NULL;
	char			 err[ERRLEN];
	size_t			 nh = 0;

	(void)cur;
	(void)arg;
	switch (az.src) {
	case AZ_SECRET:
	case AZ_WORKLOAD:
		if ((body = login_form(err, sizeof(err))) == NULL) {
			ptoken_fail(pt, ERR_INVAL, "%s", err);
			return;
		}
		h[nh].name = "Content-Type";
		h[nh++].value = "application/x-www-form-urlencoded";
		break;
	case AZ_APPSERVICE:
		h[nh].name = "X-IDENTITY-HEADER";
		h[nh++].value = (const char *)az.identity_header->data;
		break;
	case AZ_IMDS:
		h[nh].name = "Metadata";
		h[nh++].value = "true";
		break;
	}
	az.hr = https_request(base, &az.srv, body != NULL ? HTTPS_POST :
	    HTTPS_GET, az.uri, h, nh, body != NULL ? body->data : NULL,
	    body != NULL ? body->len : 0, timeout_ms, AZURE_TOKEN_BODY,
	    login_done, NULL);
	secret_free(body);
	if (az.hr == NULL)
		ptoken_fail(pt, ERR_SYS, "%s token: cannot start the request",
		    source_name[az.src]);
}

static void
login_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	https_abort(az.hr);
	az.hr = NULL;
}
