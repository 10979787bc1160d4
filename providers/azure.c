/*
 * The azure provider: secrets of Azure Key Vault, read with "Get Secret"
 * (GET {vault}/secrets/{name}[/{version}]?api-version=7.4, the answer's
 * "value"; learn.microsoft.com/rest/api/keyvault/secrets/get-secret) with
 * a bearer token of Microsoft Entra ID for Key Vault (azureauth.c).
 *
 * References: "vault/name[/version]" for https://vault.{suffix}, or the
 * secret's URL "https://host[:port]/secrets/name[/version]" as the portal
 * shows it.  The token goes to no other host than a vault's under the Key
 * Vault DNS suffix, AZURE_KEYVAULT_DNS_SUFFIX (default vault.azure.net;
 * vault.azure.cn and the other sovereign clouds'): a host of exactly one
 * more label, over https, verified by the system's CA store.  A suffix
 * that is an IP address (a private endpoint, a test's stand-in) admits
 * that address only, named by URL.  The token's audience is
 * https://{suffix} (https://vault.azure.net for an address).
 *
 * One request makes one GET per distinct secret (and version).  A 401
 * means the token was refused: it is forgotten and the request tries once
 * more with a new one.  Messages name the reference, the HTTP status and
 * Key Vault's error code (SecretNotFound, Forbidden), never its message,
 * never a value or the token.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "azure.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "pfetch.h"
#include "provenv.h"
#include "provider_impl.h"
#include "secret.h"
#include "util.h"

#define URI_MAX		(AZURE_NAME_MAX + AZURE_VERSION_MAX + 64)
#define URLPATH_MAX	(AZURE_NAME_MAX + AZURE_VERSION_MAX + 32)
#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


static struct {
	int			 ready;
	char			 suffix[HTTPS_HOSTLEN + 1];
	int			 suffix_is_ip;
	struct https_server	 tmpl;		/* its TLS context */
} kv;

static int
is_ip(const char *s)
{
	unsigned char	 a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
azure_setup(char *err, size_t errlen)
{
	const char	*s;
	char		 resource[HTTPS_HOSTLEN + 16], why[512];
	size_t		 len;
	int		 r;

	if (kv.ready)
		return 0;
	if ((s = penv("AZURE_KEYVAULT_DNS_SUFFIX")) == NULL)
		s = AZURE_DNS_SUFFIX;
	/* The Azure CLI's clouds write it with a leading dot. */
	if (*s == '.')
		s++;
	len = strlen(s);
	snprintf(kv.suffix, sizeof(kv.suffix), "%s", s);
	kv.suffix_is_ip = is_ip(kv.suffix);
	if (!kv.suffix_is_ip && (len == 0 || len > HTTPS_HOSTLEN ||
	    strspn(s, NAME_CHARS ".-") != len || strchr(s, '.') == NULL ||
	    s[len - 1] == '.' || strstr(s, "..") != NULL)) {
		snprintf(err, errlen, "provider azure: "
		    "AZURE_KEYVAULT_DNS_SUFFIX %.200s is not a domain of two "
		    "labels or more, nor an IP address", s);
		return ERR_INVAL;
	}
	snprintf(resource, sizeof(resource), "https://%s", kv.suffix_is_ip ?
	    AZURE_DNS_SUFFIX : kv.suffix);
	/* Before the token source takes its secret out of the environment. */
	kv.tmpl.tls = 1;
	if ((r = https_ctx_new(&kv.tmpl, NULL, NULL, 1, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, "provider azure: %s", why);
		return r;
	}
	if ((r = azauth_setup(resource, err, errlen)) != 0) {
		https_server_clear(&kv.tmpl);
		return r;
	}
	kv.ready = 1;
	log_info("provider azure: Key Vault under %s%s, token from %s",
	    kv.suffix, kv.suffix_is_ip ? " (an address)" : "",
	    azauth_describe());
	return 0;
}

void
azure_cleanup(void)
{
	if (!kv.ready)
		return;
	azauth_cleanup();
	https_server_clear(&kv.tmpl);
	https_cleanup();
	memset(&kv, 0, sizeof(kv));
}

/* len bytes of chars (and '-' when dash), 1 to max of them. */
static int
word_ok(const char *s, size_t len, size_t max, int dash)
{
	size_t	 i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr(NAME_CHARS, s[i]) == NULL &&
		    !(dash && s[i] == '-'))
			return 0;
	return 1;
}

/*
 * May the token go to host?  Only a vault's: one label (a vault's name)
 * before the suffix, or the suffix itself when it is an address.
 */
static int
host_allowed(const char *host)
{
	size_t	 hl = strlen(host), sl = strlen(kv.suffix);

	if (kv.suffix_is_ip)
		return strcasecmp(host, kv.suffix) == 0;
	return hl > sl + 1 && host[hl - sl - 1] == '.' &&
	    strcasecmp(host + hl - sl, kv.suffix) == 0 &&
	    word_ok(host, hl - sl - 1, AZURE_VAULT_MAX, 1);
}

/* "name[/version]" (the rest of a reference) into ar. */
static int
name_version(const char *p, struct azure_ref *ar, char *err, size_t errlen)
{
	size_t	 nlen = strcspn(p, "/"), vlen = 0;

	if (p[nlen] == '/')
		vlen = strlen(p + nlen + 1);
	if (!word_ok(p, nlen, AZURE_NAME_MAX, 1) ||
	    (p[nlen] == '/' && !word_ok(p + nlen + 1, vlen,
	    AZURE_VERSION_MAX, 0))) {
		snprintf(err, errlen, "azure: %s: a secret's name is 1 to "
		    "%d letters, digits and '-', and its version up to %d "
		    "letters and digits", ar->text, AZURE_NAME_MAX,
		    AZURE_VERSION_MAX);
		return ERR_FORMAT;
	}
	memcpy(ar->name, p, nlen);
	if (vlen > 0)
		memcpy(ar->version, p + nlen + 1, vlen);
	return 0;
}

int
azure_ref_parse(const char *ref, struct azure_ref *ar, char *err,
    size_t errlen)
{
	struct https_server	 srv;
	const char		*p;
	char			 path[URLPATH_MAX];
	char			 why[300];
	size_t			 vlen;

	memset(ar, 0, sizeof(*ar));
	snprintf(ar->text, sizeof(ar->text), "%s", ref);
	if (text_has_control(ref, strlen(ref))) {
		snprintf(err, errlen, "azure: reference %s has a control "
		    "character", ar->text);
		return ERR_FORMAT;
	}
	if (strncasecmp(ref, "https://", 8) == 0 ||
	    strncasecmp(ref, "http://", 7) == 0) {
		if (https_parse_url(ref, &srv, path, sizeof(path), why,
		    sizeof(why)) != 0 || strncmp(path, "/secrets/", 9) != 0) {
			snprintf(err, errlen, "azure: %s: not a secret's URL, "
			    "https://VAULT.%s/secrets/NAME[/VERSION]",
			    ar->text, kv.suffix);
			return ERR_FORMAT;
		}
		if (!srv.tls || !host_allowed(srv.host)) {
			snprintf(err, errlen, "azure: %s: the token goes "
			    "only to a vault under %s%s over https "
			    "(AZURE_KEYVAULT_DNS_SUFFIX)", ar->text,
			    kv.suffix_is_ip ? "the address " : "", kv.suffix);
			return ERR_DENIED;
		}
		snprintf(ar->host, sizeof(ar->host), "%s", srv.host);
		ar->port = srv.port;
		return name_version(path + 9, ar, err, errlen);
	}
	if (kv.suffix_is_ip) {
		snprintf(err, errlen, "azure: %s: AZURE_KEYVAULT_DNS_SUFFIX "
		    "is an address: name the secret by its URL, https://%s/"
		    "secrets/NAME", ar->text, kv.suffix);
		return ERR_FORMAT;
	}
	vlen = strcspn(ref, "/");
	if (ref[vlen] != '/' || !word_ok(ref, vlen, AZURE_VAULT_MAX, 1)) {
		snprintf(err, errlen, "azure: %s: not vault/name[/version] "
		    "(a vault's name is letters, digits and '-')", ar->text);
		return ERR_FORMAT;
	}
	p = ref + vlen + 1;
	if (vlen + 1 + strlen(kv.suffix) > HTTPS_HOSTLEN) {
		snprintf(err, errlen, "azure: %s: the vault's host name is "
		    "too long", ar->text);
		return ERR_TOOBIG;
	}
	memcpy(ar->host, ref, vlen);
	ar->host[vlen] = '.';
	memcpy(ar->host + vlen + 1, kv.suffix, strlen(kv.suffix) + 1);
	ar->port = 443;
	return name_version(p, ar, err, errlen);
}

int
azure_prepare(const char *ref, char *err, size_t errlen)
{
	struct azure_ref	 ar;

	if (!kv.ready) {
		snprintf(err, errlen, "provider azure is not set up");
		return ERR_INVAL;
	}
	return azure_ref_parse(ref, &ar, err, errlen);
}

static int
ref_parse(const char *ref, const struct secret *pre, void *parsed, char *err,
    size_t errlen)
{
	(void)pre;
	return azure_ref_parse(ref, parsed, err, errlen);
}

static int
same_secret(const void *pa, const void *pb)
{
	const struct azure_ref	*a = pa, *b = pb;

	return strcasecmp(a->host, b->host) == 0 && a->port == b->port &&
	    strcasecmp(a->name, b->name) == 0 &&
	    strcmp(a->version, b->version) == 0;
}

static const char *
ref_text(const void *parsed)
{
	return ((const struct azure_ref *)parsed)->text;
}

/* Key Vault's error code names the error; a 401 gets a new token once. */
static int
status_error(int status, const struct secret *body, char *code,
    size_t codelen, const char **why, int *renew)
{
	azure_error_code(body, code, codelen);
	*renew = status == 401;
	switch (status) {
	case 401:
		*why = "the token was refused";
		return ERR_AUTH;
	case 403:
		*why = "the identity may not get this secret (access policy "
		    "or role), or the secret is disabled";
		return ERR_DENIED;
	case 404:
		*why = "no such secret, version or vault";
		return ERR_NOTFOUND;
	case 429: case 500: case 502: case 503: case 504:
		*why = "Key Vault is throttling or unavailable";
		return ERR_AGAIN;
	default:
		*why = "unexpected status";
		return ERR_PROTO;
	}
}

static int
secret_value(const void *parsed, const struct jfield_doc *doc,
    struct secret **out, char *err, size_t errlen)
{
	(void)parsed;
	return jfield_string(doc, "value", out, err, errlen);
}

/* The GET of the secret, to its vault with the token. */
static int
get_secret(struct event_base *base, int timeout_ms, const void *parsed,
    const struct secret *token, https_cb *cb, void *arg,
    struct https_req **hr, char *err, size_t errlen)
{
	const struct azure_ref	*ar = parsed;
	struct https_server	 srv;
	struct https_header	 h;
	struct secret		*auth;
	char			 uri[URI_MAX];
	int			 r;

	if ((r = header_bearer(token, &auth)) != 0) {
		snprintf(err, errlen, "%s", r == ERR_NOMEM ? "out of memory" :
		    "the token has bytes that an HTTP header cannot carry");
		return r;
	}
	h.name = "Authorization";
	h.value = (const char *)auth->data;
	/* The template's TLS context, for this vault (request copies it). */
	srv = kv.tmpl;
	snprintf(srv.host, sizeof(srv.host), "%s", ar->host);
	srv.host_is_ip = is_ip(srv.host);
	srv.port = ar->port;
	snprintf(uri, sizeof(uri), "/secrets/%s%s%s?api-version="
	    AZURE_API_VERSION, ar->name, ar->version[0] != '\0' ? "/" : "",
	    ar->version);
	*hr = https_get(base, &srv, uri, &h, 1, timeout_ms, AZURE_MAX_BODY,
	    cb, arg);
	secret_free(auth);
	return *hr != NULL ? 0 : ERR_SYS;
}

static const struct pfetch_ops azure_ops = {
	.name = "azure",
	.ref_size = sizeof(struct azure_ref),
	.parse = ref_parse,
	.same = same_secret,
	.label = ref_text,
	.token = azauth_token,
	.fetch = get_secret,
	.value = secret_value,
	.status = status_error,
};

void
azure_start(struct provider_req *req, const char *const *refs, size_t n)
{
	if (!kv.ready) {
		provider_fail(req, ERR_INVAL, "provider azure is not set up");
		return;
	}
	pfetch_start(req, &azure_ops, refs, n);
}


