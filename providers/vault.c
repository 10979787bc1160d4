/*
 * The Vault provider, compatible with Secretless Broker's: its settings
 * come from Vault's usual environment variables, read once (the first
 * time the configuration names the provider, which is at start-up):
 *
 *	VAULT_ADDR		https://host:port (default https://127.0.0.1:8200);
 *				http:// only to a loopback address
 *	VAULT_CACERT		a PEM file of CA certificates
 *	VAULT_CAPATH		a directory of them (c_rehash layout)
 *	VAULT_CLIENT_CERT	a client certificate (PEM, with its chain),
 *	VAULT_CLIENT_KEY	and its key, for Vault's TLS listener
 *	VAULT_NAMESPACE		sent as X-Vault-Namespace
 *	VAULT_SKIP_VERIFY	true: no certificate check (warned about)
 *
 * and the token's settings (VAULT_TOKEN, VAULT_AUTH_METHOD, ...), which
 * vaultauth.c reads.
 *
 * One request of n references gets the token, then makes one GET per
 * distinct path (KV v1: https://developer.hashicorp.com/vault/api-docs/
 * secret/kv/kv-v1, "Read secret"; KV v2: .../kv-v2, "Read secret
 * version"); the fields are read from the response's "data" object.  A
 * 403 with a token that can be replaced (a login's, a token file's) is
 * tried once more with a new one.  Messages name the reference and the
 * HTTP status, never a value, never the token, and never what Vault said
 * (its body may hold secrets).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "provider_impl.h"
#include "secret.h"
#include "https.h"
#include "provenv.h"
#include "jsonfield.h"
#include "ptoken.h"
#include "vault.h"
#include "util.h"

#define REFFMT		"%.200s"

struct vault_state;

/* One GET, for every reference to the same path. */
struct vault_fetch {
	struct vault_state	*st;
	size_t			 first;		/* its first reference */
	struct https_req	*hr;
};

struct vault_state {
	struct provider_req	*req;
	struct ptoken_wait	*tw;		/* the token, while awaited */
	struct secret		*token;		/* the GETs' */
	int			 retried;	/* after a 403 */
	size_t			 n;
	struct vault_ref	*refs;
	size_t			*fetch_of;	/* per reference */
	struct vault_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
};

static struct {
	int			 ready;
	struct https_server	 srv;
	char			 ns[256];
} vault;

const struct https_server *
vault_server(void)
{
	return &vault.srv;
}

size_t
vault_headers(struct https_header *hdrs, const struct secret *token)
{
	size_t	 nh = 0;

	if (token != NULL) {
		hdrs[nh].name = "X-Vault-Token";
		hdrs[nh++].value = (const char *)token->data;
	}
	/* Vault's own client sends X-Vault-Request against SSRF. */
	hdrs[nh].name = "X-Vault-Request";
	hdrs[nh++].value = "true";
	if (vault.ns[0] != '\0') {
		hdrs[nh].name = "X-Vault-Namespace";
		hdrs[nh++].value = vault.ns;
	}
	return nh;
}

/* VAULT_CLIENT_CERT and VAULT_CLIENT_KEY: both, or neither. */
static int
client_cert(struct https_server *srv, char *err, size_t errlen)
{
	const char	*cert = penv("VAULT_CLIENT_CERT");
	const char	*key = penv("VAULT_CLIENT_KEY");
	char		 why[512];
	int		 r;

	if (cert == NULL && key == NULL)
		return 0;
	if (cert == NULL || key == NULL) {
		snprintf(err, errlen, "provider vault: VAULT_CLIENT_CERT and "
		    "VAULT_CLIENT_KEY go together: %s is not set",
		    cert == NULL ? "VAULT_CLIENT_CERT" : "VAULT_CLIENT_KEY");
		return ERR_INVAL;
	}
	if ((r = https_ctx_client_cert(srv, cert, key, why,
	    sizeof(why))) != 0)
		snprintf(err, errlen, "provider vault: %s", why);
	return r;
}

int
vault_setup(char *err, size_t errlen)
{
	struct https_server	 srv;
	const char		*addr, *ns;
	char			 why[512];
	int			 r, noverify = 0;

	if (vault.ready)
		return 0;
	if ((addr = penv("VAULT_ADDR")) == NULL)
		addr = VAULT_DEFAULT_ADDR;
	if (https_parse_addr(addr, &srv, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "provider vault: VAULT_ADDR %s", why);
		return ERR_INVAL;
	}
	if (!srv.tls && !https_is_loopback(&srv)) {
		snprintf(err, errlen, "provider vault: VAULT_ADDR %.200s: "
		    "plain http is allowed only to a loopback address "
		    "(127.0.0.1, [::1]): elsewhere the token and the secrets "
		    "would cross the network in clear; use https://", addr);
		return ERR_DENIED;
	}
	if (penv_bool("VAULT_SKIP_VERIFY", 0, &noverify, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "provider vault: %s", why);
		return ERR_INVAL;
	}
	if ((ns = penv("VAULT_NAMESPACE")) != NULL &&
	    !header_safe(ns, sizeof(vault.ns) - 1)) {
		snprintf(err, errlen, "provider vault: VAULT_NAMESPACE is "
		    "too long or has bytes that an HTTP header cannot carry");
		return ERR_INVAL;
	}
	if ((r = https_ctx_new(&srv, penv("VAULT_CACERT"),
	    penv("VAULT_CAPATH"), !noverify, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "provider vault: %s", why);
		return r;
	}
	if ((r = client_cert(&srv, err, errlen)) != 0 ||
	    (r = vault_auth_setup(err, errlen)) != 0) {
		https_server_clear(&srv);
		return r;
	}

	vault.srv = srv;
	snprintf(vault.ns, sizeof(vault.ns), "%s", ns != NULL ? ns : "");
	vault.ready = 1;
	if (noverify && srv.tls)
		log_warn("provider vault: VAULT_SKIP_VERIFY is set: the "
		    "certificate of %s is not verified, and whoever can "
		    "intercept the connection gets the token", addr);
	log_info("provider vault: %s%s%s, %s%s", addr, ns != NULL ?
	    ", namespace " : "", vault.ns, vault_auth_describe(),
	    penv("VAULT_CLIENT_CERT") != NULL ? ", client certificate" : "");
	return 0;
}

void
vault_cleanup(void)
{
	if (!vault.ready)
		return;
	vault_auth_cleanup();
	https_server_clear(&vault.srv);
	https_cleanup();
	memset(&vault, 0, sizeof(vault));
}

/* A '/'-separated path with no empty, "." or ".." segment. */
static int
path_ok(const char *p, size_t len)
{
	const char	*seg, *end = p + len;
	size_t		 n;

	for (seg = p; seg <= end; seg += n + 1) {
		n = strcspn(seg, "/");
		if (seg + n > end)
			n = end - seg;
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	return 1;
}

int
vault_ref_parse(const char *ref, struct vault_ref *vr, char *err,
    size_t errlen)
{
	const char	*hash, *field;
	size_t		 plen, flen;

	memset(vr, 0, sizeof(*vr));
	if (text_has_control(ref, strlen(ref))) {
		snprintf(err, errlen, "vault: reference " REFFMT
		    " has a control character", ref);
		return ERR_FORMAT;
	}
	/* The first '#' ends the path, as in Secretless Broker. */
	if ((hash = strchr(ref, '#')) != NULL) {
		plen = hash - ref;
		field = hash + 1;
		if (*field == '\0') {
			snprintf(err, errlen, "vault: reference " REFFMT
			    ": empty field after '#'", ref);
			return ERR_FORMAT;
		}
	} else {
		plen = strlen(ref);
		field = VAULT_DEFAULT_FIELD;
	}
	if (plen == 0) {
		snprintf(err, errlen, "vault: reference " REFFMT ": empty "
		    "path", ref);
		return ERR_FORMAT;
	}
	if (plen > VAULT_PATH_MAX) {
		snprintf(err, errlen, "vault: reference " REFFMT ": path "
		    "longer than %d bytes", ref, VAULT_PATH_MAX);
		return ERR_TOOBIG;
	}
	if (!path_ok(ref, plen)) {
		snprintf(err, errlen, "vault: reference " REFFMT ": the path "
		    "has an empty, \".\" or \"..\" segment, or a '/' at "
		    "either end", ref);
		return ERR_FORMAT;
	}
	if ((flen = strlen(field)) > VAULT_FIELD_MAX) {
		snprintf(err, errlen, "vault: reference " REFFMT ": field "
		    "longer than %d bytes", ref, VAULT_FIELD_MAX);
		return ERR_TOOBIG;
	}
	if (field[0] == '.' || field[flen - 1] == '.' ||
	    strstr(field, "..") != NULL) {
		snprintf(err, errlen, "vault: reference " REFFMT ": the field "
		    "path has an empty component", ref);
		return ERR_FORMAT;
	}
	memcpy(vr->path, ref, plen);
	memcpy(vr->field, field, flen);
	return 0;
}

int
vault_uri(const char *path, char *uri, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t		 o;

	if (len < 5)
		return ERR_TOOBIG;
	memcpy(uri, "/v1/", 4);
	o = 4;
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (o + 4 > len)
			return ERR_TOOBIG;
		/* RFC 3986, 2.3: unreserved, and '/' between segments. */
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~' || *p == '/')
			uri[o++] = *p;
		else {
			uri[o++] = '%';
			uri[o++] = hex[*p >> 4];
			uri[o++] = hex[*p & 15];
		}
	}
	uri[o] = '\0';
	return 0;
}

static void
state_free(struct vault_state *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	ptoken_cancel(st->tw);
	secret_free(st->token);
	for (i = 0; i < st->nfetches; i++)
		https_abort(st->fetches[i].hr);
	if (st->values != NULL)
		for (i = 0; i < st->n; i++)
			secret_free(st->values[i]);
	free(st->values);
	free(st->fetches);
	free(st->fetch_of);
	free(st->refs);
	free(st);
}

/*
 * The request owns st (provider_req_own): provider_done, provider_fail,
 * the deadline and a cancel free it.
 */
static void
state_free_cb(void *arg)
{
	state_free(arg);
}

static int
status_error(int status, const char **why)
{
	switch (status) {
	case 403:
		*why = "permission denied: check VAULT_TOKEN and its policy";
		return ERR_DENIED;
	case 404:
		*why = "no secret at this path";
		return ERR_NOTFOUND;
	case 301: case 302: case 303: case 307: case 308:
		*why = "a redirect, which airlock does not follow (is "
		    "VAULT_ADDR a standby node?)";
		return ERR_PROTO;
	case 429: case 503:
		*why = "Vault is sealed, in standby or rate limiting";
		return ERR_AGAIN;
	default:
		*why = "unexpected status";
		return ERR_PROTO;
	}
}

static void	 token_done(void *, int, const char *, const struct secret *);

/* Ask for the token; the GETs start when it comes. */
static int
get_token(struct vault_state *st)
{
	st->tw = vault_auth_token(provider_req_base(st->req),
	    provider_req_timeout_ms(st->req), token_done, st);
	return st->tw != NULL ? 0 : -1;
}

/*
 * A 403: Vault refused the token.  When a new one can come of asking
 * again (a login's expired early, a token file rotated), every GET of
 * the request starts again, once, with the new token.
 */
static int
retry_refused(struct vault_state *st)
{
	size_t	 i;

	if (st->retried || !vault_auth_refused(st->token))
		return 0;
	st->retried = 1;
	for (i = 0; i < st->nfetches; i++) {
		https_abort(st->fetches[i].hr);
		st->fetches[i].hr = NULL;
	}
	for (i = 0; i < st->n; i++) {
		secret_free(st->values[i]);
		st->values[i] = NULL;
	}
	secret_free(st->token);
	st->token = NULL;
	log_debug("provider vault: the token was refused; trying once more "
	    "with a new one");
	return get_token(st) == 0;
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct vault_fetch	*f = arg;
	struct vault_state	*st = f->st;
	struct provider_req	*req;
	struct secret		**values;
	struct jfield_doc	*doc;
	const char		*why, *path = st->refs[f->first].path;
	char			 field[VAULT_FIELD_MAX + 8], msg[200];
	size_t			 i, idx = f - st->fetches;
	int			 r;

	f->hr = NULL;
	if (error != 0) {
		provider_fail(st->req, error, "vault: " REFFMT ": %s", path,
		    err);
		return;
	}
	if (status == 403 && retry_refused(st))
		return;
	if (status != 200) {
		r = status_error(status, &why);
		provider_fail(st->req, r, "vault: " REFFMT ": HTTP %d, %s",
		    path, status, why);
		return;
	}
	if ((r = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) != 0) {
		provider_fail(st->req, r, "vault: " REFFMT ": %s", path, msg);
		return;
	}
	for (i = 0; i < st->n; i++) {
		if (st->fetch_of[i] != idx)
			continue;
		snprintf(field, sizeof(field), "data.%s", st->refs[i].field);
		if ((r = jfield_string(doc, field, &st->values[i], msg,
		    sizeof(msg))) != 0) {
			jfield_free(doc);
			provider_fail(st->req, r, "vault: " REFFMT "#%s: %s",
			    path, st->refs[i].field, msg);
			return;
		}
	}
	jfield_free(doc);
	if (--st->pending > 0)
		return;
	req = st->req;
	values = st->values;
	st->values = NULL;
	provider_done(req, values);
}

void
vault_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct vault_state	*st;
	char			 err[PROVIDER_ERRLEN];
	size_t			 i, j;
	int			 r;

	if (!vault.ready) {
		provider_fail(req, ERR_INVAL, "provider vault is not set up");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->refs = calloc(n + 1, sizeof(*st->refs))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL ||
	    (st->values = calloc(n + 1, sizeof(*st->values))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "vault: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	for (i = 0; i < n; i++) {
		if ((r = vault_ref_parse(refs[i], &st->refs[i], err,
		    sizeof(err))) != 0) {
			state_free(st);
			provider_fail(req, r, "%s", err);
			return;
		}
		for (j = 0; j < st->nfetches; j++)
			if (strcmp(st->refs[st->fetches[j].first].path,
			    st->refs[i].path) == 0)
				break;
		if (j == st->nfetches) {
			st->fetches[j].st = st;
			st->fetches[j].first = i;
			st->nfetches++;
		}
		st->fetch_of[i] = j;
	}
	if (n == 0) {
		state_free(st);
		provider_done(req, calloc(1, sizeof(struct secret *)));
		return;
	}
	provider_req_own(req, st, state_free_cb);
	if (get_token(st) != 0)
		provider_fail(st->req, ERR_SYS,
		    "vault: " REFFMT ": cannot get the token",
		    st->refs[0].path);
}

/* The token came: one GET per path. */
static void
token_done(void *arg, int error, const char *err, const struct secret *tok)
{
	struct vault_state	*st = arg;
	struct https_header	 hdrs[VAULT_NHEADERS];
	char			 uri[VAULT_URI_MAX + 1];
	size_t			 j, nh;

	st->tw = NULL;
	if (error != 0) {
		provider_fail(st->req, error, "vault: " REFFMT ": %s",
		    st->refs[0].path, err);
		return;
	}
	if ((st->token = secret_new(tok->data, tok->len)) == NULL) {
		provider_fail(st->req, ERR_NOMEM, "vault: out of memory");
		return;
	}
	nh = vault_headers(hdrs, st->token);
	st->pending = st->nfetches;
	for (j = 0; j < st->nfetches; j++) {
		if (vault_uri(st->refs[st->fetches[j].first].path, uri,
		    sizeof(uri)) != 0 ||
		    (st->fetches[j].hr = https_get(provider_req_base(st->req),
		    &vault.srv, uri, hdrs, nh,
		    provider_req_timeout_ms(st->req), VAULT_MAX_BODY,
		    fetch_done, &st->fetches[j])) == NULL) {
			provider_fail(st->req, ERR_SYS,
			    "vault: " REFFMT ": cannot start " "the request",
			    st->refs[st->fetches[j].first].path);
			return;
		}
	}
}


void
vault_attach(struct event_base *base)
{
	if (vault.ready)
		vault_auth_attach(base);
}
