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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "azure.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "provenv.h"
#include "provider_impl.h"
#include "ptoken.h"
#include "secret.h"
#include "util.h"

#define URI_MAX		(AZURE_NAME_MAX + AZURE_VERSION_MAX + 64)
#define URLPATH_MAX	(AZURE_NAME_MAX + AZURE_VERSION_MAX + 32)
#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


struct azure_state;

/* One GET, for every reference to the same secret. */
struct azure_fetch {
	struct azure_state	*st;
	size_t			 first;
	struct https_server	 srv;	/* kv.tmpl's TLS context */
	struct https_req	*hr;
};

struct azure_state {
	struct provider_req	*req;
	size_t			 n;
	struct azure_ref	*refs;
	size_t			*fetch_of;
	struct azure_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
	struct ptoken_wait	*wait;
	struct secret		*token;		/* the one sent */
	struct secret		*auth;		/* "Bearer ..." */
	int			 retried;
};

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
same_secret(const struct azure_ref *a, const struct azure_ref *b)
{
	return strcasecmp(a->host, b->host) == 0 && a->port == b->port &&
	    strcasecmp(a->name, b->name) == 0 &&
	    strcmp(a->version, b->version) == 0;
}

static void
fetches_stop(struct azure_state *st)
{
	size_t	 i;

	for (i = 0; i < st->nfetches; i++) {
		https_abort(st->fetches[i].hr);
		st->fetches[i].hr = NULL;
	}
	for (i = 0; i < st->n; i++) {
		secret_free(st->values[i]);
		st->values[i] = NULL;
	}
	ptoken_cancel(st->wait);
	st->wait = NULL;
	secret_free(st->token);
	secret_free(st->auth);
	st->token = st->auth = NULL;
}

static void
state_free(struct azure_state *st)
{
	if (st == NULL)
		return;
	if (st->values != NULL)
		fetches_stop(st);
	free(st->values);
	free(st->fetches);
	free(st->fetch_of);
	free(st->refs);
	free(st);
}

/* Everything stops at the first error: the request fails as a whole. */
static void
fail(struct azure_state *st, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct azure_state *st, int error, const char *fmt, ...)
{
	struct provider_req	*req = st->req;
	char			 msg[PROVIDER_ERRLEN];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_fail(req, error, "%s", msg);
}

static void	 token_ready(void *, int, const char *,
		    const struct secret *);

/* Get a token (kept or new), then read the secrets with it. */
static int
begin(struct azure_state *st)
{
	st->pending = st->nfetches;
	st->wait = ptoken_get(azauth_token(), provider_req_base(st->req),
	    provider_req_timeout_ms(st->req), token_ready, st);
	return st->wait != NULL ? 0 : ERR_SYS;
}

static int
status_error(int status, const char **why)
{
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

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct azure_fetch	*f = arg;
	struct azure_state	*st = f->st;
	struct provider_req	*req;
	struct secret		**values;
	struct jfield_doc	*doc;
	const char		*why, *ref = st->refs[f->first].text;
	char			 msg[200], code[160];
	size_t			 i, idx = f - st->fetches;
	int			 r;

	f->hr = NULL;
	if (error != 0) {
		fail(st, error, "azure: %s: %s", ref, err);
		return;
	}
	if (status == 401 && !st->retried) {
		/* Revoked, or expired early: once more with a new one. */
		log_debug("provider azure: %s: HTTP 401, a new token", ref);
		ptoken_invalidate(azauth_token(), st->token);
		st->retried = 1;
		fetches_stop(st);
		if (begin(st) != 0)
			fail(st, ERR_SYS, "azure: %s: cannot get a token",
			    ref);
		return;
	}
	if (status != 200) {
		r = status_error(status, &why);
		azure_error_code(body, code, sizeof(code));
		fail(st, r, "azure: %s: HTTP %d%s, %s", ref, status, code,
		    why);
		return;
	}
	if ((r = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) != 0) {
		fail(st, r, "azure: %s: %s", ref, msg);
		return;
	}
	for (i = 0; i < st->n; i++) {
		if (st->fetch_of[i] != idx)
			continue;
		if ((r = jfield_string(doc, "value", &st->values[i], msg,
		    sizeof(msg))) != 0) {
			jfield_free(doc);
			fail(st, r, "azure: %s: %s", ref, msg);
			return;
		}
	}
	jfield_free(doc);
	if (--st->pending > 0)
		return;
	req = st->req;
	values = st->values;
	st->values = NULL;
	secret_free(st->token);
	secret_free(st->auth);
	st->token = st->auth = NULL;
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_done(req, values);
}

static void
token_ready(void *arg, int error, const char *err, const struct secret *tok)
{
	struct azure_state	*st = arg;
	struct azure_fetch	*f;
	struct azure_ref	*ar;
	struct https_header	 h;
	char			 uri[URI_MAX];
	size_t			 j;

	st->wait = NULL;
	if (error != 0) {
		fail(st, error, "azure: %s: %s", st->refs[0].text, err);
		return;
	}
	if ((st->token = secret_new(tok->data, tok->len)) == NULL ||
	    (st->auth = secret_alloc(tok->len + 7)) == NULL) {
		fail(st, ERR_NOMEM, "azure: out of memory");
		return;
	}
	memcpy(st->auth->data, "Bearer ", 7);
	memcpy(st->auth->data + 7, tok->data, tok->len);
	h.name = "Authorization";
	h.value = (const char *)st->auth->data;
	for (j = 0; j < st->nfetches; j++) {
		f = &st->fetches[j];
		ar = &st->refs[f->first];
		snprintf(uri, sizeof(uri), "/secrets/%s%s%s?api-version="
		    AZURE_API_VERSION, ar->name, ar->version[0] != '\0' ?
		    "/" : "", ar->version);
		if ((f->hr = https_get(provider_req_base(st->req), &f->srv,
		    uri, &h, 1, provider_req_timeout_ms(st->req),
		    AZURE_MAX_BODY, fetch_done, f)) == NULL) {
			fail(st, ERR_SYS, "azure: %s: cannot start the "
			    "request", ar->text);
			return;
		}
	}
}

void
azure_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct azure_state	*st;
	struct azure_fetch	*f;
	struct secret		**values;
	char			 err[PROVIDER_ERRLEN];
	size_t			 i, j;
	int			 r;

	if (!kv.ready) {
		provider_fail(req, ERR_INVAL, "provider azure is not set up");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->refs = calloc(n + 1, sizeof(*st->refs))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL ||
	    (st->values = calloc(n + 1, sizeof(*st->values))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "azure: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	if (n == 0) {
		/* Nothing to read, and no token to get for it. */
		values = st->values;
		st->values = NULL;
		state_free(st);
		provider_done(req, values);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((r = azure_ref_parse(refs[i], &st->refs[i], err,
		    sizeof(err))) != 0) {
			state_free(st);
			provider_fail(req, r, "%s", err);
			return;
		}
		for (j = 0; j < st->nfetches; j++)
			if (same_secret(&st->refs[st->fetches[j].first],
			    &st->refs[i]))
				break;
		if (j == st->nfetches) {
			f = &st->fetches[j];
			f->st = st;
			f->first = i;
			/* The template's TLS context, for this vault. */
			f->srv = kv.tmpl;
			snprintf(f->srv.host, sizeof(f->srv.host), "%s",
			    st->refs[i].host);
			f->srv.host_is_ip = is_ip(f->srv.host);
			f->srv.port = st->refs[i].port;
			st->nfetches++;
		}
		st->fetch_of[i] = j;
	}
	provider_req_set_state(req, st);
	if (begin(st) != 0)
		fail(st, ERR_SYS, "azure: %s: cannot get a token",
		    st->refs[0].text);
}

void
azure_abort(struct provider_req *req)
{
	struct azure_state	*st = provider_req_state(req);

	provider_req_set_state(req, NULL);
	state_free(st);
}
