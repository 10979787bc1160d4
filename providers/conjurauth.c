/*
 * Conjur's access token (conjur.h), kept by ptoken for its 8 minutes less
 * the margin, and fetched by one of Conjur's authenticators, chosen as
 * Secretless Broker's conjur provider chooses (the first that applies):
 *
 *	CONJUR_AUTHN_LOGIN + CONJUR_AUTHN_API_KEY
 *		POST /authn/{account}/{login}/authenticate with the API key
 *		as the body (Conjur's API, "Authenticate")
 *	CONJUR_AUTHN_TOKEN_FILE
 *		a token that a sidecar (conjur-authn-k8s-client) writes and
 *		renews: read at each request, no login
 *	CONJUR_AUTHN_URL .../authn-jwt/{service}, or CONJUR_AUTHN_TYPE=jwt
 *	with CONJUR_SERVICE_ID (conjur-api-go's)
 *		POST .../authn-jwt/{service}/{account}[/{host id}]/authenticate
 *		with the form body jwt=<the JWT of JWT_TOKEN_PATH>, the host id
 *		from CONJUR_AUTHN_JWT_HOST_ID or CONJUR_AUTHN_LOGIN (Conjur's
 *		API, "JWT Authenticator")
 *	CONJUR_AUTHN_URL .../authn-k8s/{service} with CONJUR_AUTHN_LOGIN
 *		POST .../authn-k8s/{service}/{account}/{host id}/authenticate
 *		over mutual TLS, with the client certificate of conjurk8s.c
 *
 * Logins ask for "Accept-Encoding: base64", and Conjur answers with the
 * token in base64, which is what the Authorization header carries; a
 * server that ignores it sends the token's JSON, encoded here.  The token
 * file holds the JSON (as the sidecar writes it) or its base64.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "b64.h"
#include "conjur.h"
#include "formenc.h"
#include "https.h"
#include "jsonfield.h"
#include "provenv.h"
#include "ptoken.h"
#include "secret.h"
#include "util.h"

#define JWT_DEFAULT_PATH	"/var/run/secrets/kubernetes.io/serviceaccount/token"

enum conjur_authn {
	AUTHN_API_KEY,
	AUTHN_TOKEN_FILE,
	AUTHN_JWT,
	AUTHN_K8S
};

static struct {
	struct ptoken		*pt;
	enum conjur_authn	 method;
	const struct https_server *srv;		/* where logins go */
	struct https_server	 authn_srv;	/* CONJUR_AUTHN_URL's */
	char			 uri[CONJUR_PREFIX_MAX + 3 * (CONJUR_ACCOUNT_MAX +
				    CONJUR_LOGIN_MAX + CONJUR_KIND_MAX) + 64];
	struct secret		*apikey;
	char			 file[PATH_MAX];	/* token or JWT */
	struct https_req	*hr;		/* the login in flight */
	struct event_base	*base;		/* authn-k8s's, for its login */
	int			 timeout_ms;
} ca;

/*
 * The token of a login's answer or of the token file, as the header's
 * base64: Conjur's base64 (Base64.encode64 may break it into lines), or
 * the token's JSON, encoded.
 */
static int
token_from(const unsigned char *p, size_t len, struct secret **out,
    const char **why)
{
	struct secret		*s, *raw;
	struct jfield_doc	*doc;
	char			 msg[128];
	size_t			 i, n;
	int			 r;

	*out = NULL;
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
	    p[len - 1] == ' '))
		len--;
	if (len == 0 || len > CONJUR_TOKEN_MAX) {
		*why = "the token is empty or too large";
		return ERR_FORMAT;
	}
	if (p[0] == '{') {
		if (jfield_parse(p, len, &doc, msg, sizeof(msg)) != 0) {
			*why = "the token is not JSON";
			return ERR_FORMAT;
		}
		jfield_free(doc);
		if ((r = b64_encode(p, len, B64_STD, out)) != 0)
			*why = "out of memory";
		return r;
	}
	if ((s = secret_alloc(len)) == NULL) {
		*why = "out of memory";
		return ERR_NOMEM;
	}
	for (i = n = 0; i < len; i++)
		if (p[i] != '\n' && p[i] != '\r')
			s->data[n++] = p[i];
	s->len = n;
	s->data[n] = '\0';
	/* It must be base64 of a JSON object. */
	if (b64_decode((const char *)s->data, n, B64_STD, &raw) != 0 ||
	    raw->len == 0 || raw->data[0] != '{') {
		secret_free(raw);
		secret_free(s);
		*why = "the token is neither JSON nor base64 of JSON";
		return ERR_FORMAT;
	}
	secret_free(raw);
	*out = s;
	return 0;
}

static const char *
status_why(int status, int *error)
{
	switch (status) {
	case 401:
		*error = ERR_AUTH;
		switch (ca.method) {
		case AUTHN_API_KEY:
			return "refused: check CONJUR_AUTHN_LOGIN and "
			    "CONJUR_AUTHN_API_KEY";
		case AUTHN_K8S:
			return "refused: check CONJUR_AUTHN_LOGIN and the "
			    "host's annotations";
		default:
			return "refused: check the JWT and the host id";
		}
	case 403:
		*error = ERR_DENIED;
		return "forbidden (is the authenticator enabled, and the "
		    "host allowed to use it?)";
	case 404:
		*error = ERR_NOTFOUND;
		return "no such account or authenticator";
	case 429: case 502: case 503: case 504:
		*error = ERR_AGAIN;
		return "Conjur is unavailable";
	default:
		*error = ERR_PROTO;
		return "unexpected status";
	}
}

static void
login_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct ptoken	*pt = arg;
	struct secret	*tok;
	const char	*why;
	int		 r;

	ca.hr = NULL;
	if (error != 0) {
		ptoken_fail(pt, error, "authenticate: %s", err);
		return;
	}
	if (status != 200) {
		/* A certificate that Conjur no longer takes: a new one. */
		if (ca.method == AUTHN_K8S && status == 401)
			conjur_k8s_forget();
		why = status_why(status, &r);
		ptoken_fail(pt, r, "authenticate: HTTP %d, %s", status, why);
		return;
	}
	if ((r = token_from(body->data, body->len, &tok, &why)) != 0) {
		ptoken_fail(pt, r, "authenticate: %s", why);
		return;
	}
	ptoken_set(pt, tok, CONJUR_TOKEN_LIFETIME);
}

/* The token file, read now; its token is not kept (the file is). */
static void
login_file(struct ptoken *pt)
{
	struct secret	*s, *tok;
	const char	*why;
	char		 err[256];
	int		 r;

	if ((r = penv_read_file("CONJUR_AUTHN_TOKEN_FILE", ca.file,
	    CONJUR_TOKEN_MAX * 2, &s, err, sizeof(err))) != 0) {
		ptoken_fail(pt, r, "%s", err);
		return;
	}
	r = token_from(s->data, s->len, &tok, &why);
	secret_free(s);
	if (r != 0) {
		ptoken_fail(pt, r, "CONJUR_AUTHN_TOKEN_FILE %.200s: %s",
		    ca.file, why);
		return;
	}
	ptoken_set(pt, tok, 0);
}

/* The authenticate request of authn-k8s, once the certificate is held. */
static void
k8s_ready(void *arg, int error, const char *err,
    const struct https_server *mtls)
{
	struct ptoken		*pt = arg;
	struct https_header	 hdrs[2];

	if (error != 0) {
		ptoken_fail(pt, error, "%s", err);
		return;
	}
	hdrs[0].name = "Accept-Encoding";
	hdrs[0].value = "base64";
	hdrs[1].name = "Content-Type";
	hdrs[1].value = "text/plain";
	if ((ca.hr = https_request(ca.base, mtls, HTTPS_POST, ca.uri, hdrs,
	    nitems(hdrs), NULL, 0, ca.timeout_ms, CONJUR_TOKEN_BODY,
	    login_done, pt)) == NULL)
		ptoken_fail(pt, ERR_SYS, "authenticate: cannot start the "
		    "request");
}

static void
login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct https_header	 hdrs[2];
	struct form_field	 field;
	struct secret		*jwt = NULL, *form = NULL;
	const void		*body;
	size_t			 bodylen;
	char			 err[256];
	int			 r;

	(void)cur;
	(void)arg;
	if (ca.method == AUTHN_TOKEN_FILE) {
		login_file(pt);
		return;
	}
	if (ca.method == AUTHN_K8S) {
		ca.base = base;
		ca.timeout_ms = timeout_ms;
		if ((r = conjur_k8s_cert(base, timeout_ms, k8s_ready,
		    pt)) != 0)
			ptoken_fail(pt, r, "authn-k8s: cannot ask for a client "
			    "certificate");
		return;
	}
	hdrs[0].name = "Accept-Encoding";
	hdrs[0].value = "base64";
	hdrs[1].name = "Content-Type";
	if (ca.method == AUTHN_API_KEY) {
		hdrs[1].value = "text/plain";
		body = ca.apikey->data;
		bodylen = ca.apikey->len;
	} else {
		if ((r = penv_read_file("JWT_TOKEN_PATH", ca.file,
		    CONJUR_JWT_MAX, &jwt, err, sizeof(err))) != 0) {
			ptoken_fail(pt, r, "%s", err);
			return;
		}
		field.name = "jwt";
		field.value = jwt->data;
		field.len = jwt->len;
		form = form_encode(&field, 1);
		secret_free(jwt);
		if (form == NULL) {
			ptoken_fail(pt, ERR_NOMEM, "out of memory");
			return;
		}
		hdrs[1].value = "application/x-www-form-urlencoded";
		body = form->data;
		bodylen = form->len;
	}
	ca.hr = https_request(base, ca.srv, HTTPS_POST, ca.uri, hdrs,
	    nitems(hdrs), body, bodylen, timeout_ms, CONJUR_TOKEN_BODY,
	    login_done, pt);
	secret_free(form);
	if (ca.hr == NULL)
		ptoken_fail(pt, ERR_SYS, "authenticate: cannot start the "
		    "request");
}

static void
login_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	https_abort(ca.hr);
	ca.hr = NULL;
	if (ca.method == AUTHN_K8S)
		conjur_k8s_abort();
}

/* Append "/" and each part, percent-encoded, to ca.uri. */
static int
uri_add(const char *const *parts, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (conjur_uri_add(ca.uri, sizeof(ca.uri), "/", parts[i]) != 0)
			return ERR_TOOBIG;
	return 0;
}

static int
setup_api_key(const char *prefix, const char *account, const char *login,
    char *err, size_t errlen)
{
	const char	*parts[] = { "authn", account, login, "authenticate" };

	if (strlen(login) > CONJUR_LOGIN_MAX) {
		snprintf(err, errlen, "CONJUR_AUTHN_LOGIN is longer than %d "
		    "bytes", CONJUR_LOGIN_MAX);
		return ERR_INVAL;
	}
	snprintf(ca.uri, sizeof(ca.uri), "%s", prefix);
	return uri_add(parts, nitems(parts));
}

/* The JWT's file must be there and readable now: kubelet mounts it. */
static int
setup_jwt(const char *prefix, const char *service, const char *account,
    char *err, size_t errlen)
{
	const char	*parts[] = { "authn-jwt", service, "authenticate" };
	const char	*host;
	struct secret	*jwt;
	int		 r;

	if ((host = penv("CONJUR_AUTHN_JWT_HOST_ID")) == NULL)
		host = penv("CONJUR_AUTHN_LOGIN");
	if (host != NULL && strlen(host) > CONJUR_LOGIN_MAX) {
		snprintf(err, errlen, "the host id is longer than %d bytes",
		    CONJUR_LOGIN_MAX);
		return ERR_INVAL;
	}
	if ((r = penv_path("JWT_TOKEN_PATH", JWT_DEFAULT_PATH, ca.file,
	    sizeof(ca.file), err, errlen)) != 0)
		return r;
	if ((r = penv_read_file("JWT_TOKEN_PATH", ca.file, CONJUR_JWT_MAX,
	    &jwt, err, errlen)) != 0)
		return r;
	secret_free(jwt);
	/* CONJUR_AUTHN_URL names authn-jwt/{service} already. */
	snprintf(ca.uri, sizeof(ca.uri), "%s", prefix);
	r = service != NULL ? uri_add(parts, 2) : 0;
	if (r == 0)
		r = uri_add(&account, 1);
	if (r == 0 && host != NULL)
		r = uri_add(&host, 1);
	return r != 0 ? r : uri_add(parts + 2, 1);
}

/* CONJUR_AUTHN_URL: authn-jwt or authn-k8s, on a server of its own. */
static int
setup_authn_url(const char *url, const char *account, char *err,
    size_t errlen)
{
	const char	*login = penv("CONJUR_AUTHN_LOGIN");
	const char	*parts[] = { account, login, "authenticate" };
	char		 prefix[CONJUR_PREFIX_MAX + 1];
	int		 r;

	if (strstr(url, "/authn-k8s/") != NULL) {
		if (login == NULL) {
			snprintf(err, errlen, "authn-k8s needs "
			    "CONJUR_AUTHN_LOGIN, the host id");
			return ERR_INVAL;
		}
		ca.method = AUTHN_K8S;
		if ((r = conjur_k8s_setup(url, login, prefix, sizeof(prefix),
		    err, errlen)) != 0)
			return r;
		snprintf(ca.uri, sizeof(ca.uri), "%s", prefix);
		return uri_add(parts, nitems(parts));
	}
	if (strstr(url, "/authn-jwt/") == NULL) {
		snprintf(err, errlen, "CONJUR_AUTHN_URL %.200s names neither "
		    "authn-jwt nor authn-k8s", url);
		return ERR_INVAL;
	}
	if ((r = conjur_server("CONJUR_AUTHN_URL", url, &ca.authn_srv, prefix,
	    sizeof(prefix), err, errlen)) != 0)
		return r;
	ca.srv = &ca.authn_srv;
	return setup_jwt(prefix, NULL, account, err, errlen);
}

static int
setup_method(const struct https_server *srv, const char *prefix,
    const char *account, char *what, size_t whatlen, char *err,
    size_t errlen)
{
	const char	*login, *v;
	int		 r;

	ca.srv = srv;
	login = penv("CONJUR_AUTHN_LOGIN");
	r = penv_take("CONJUR_AUTHN_API_KEY", CONJUR_APIKEY_MAX, 0, &ca.apikey,
	    err, errlen);
	if (r != 0 && r != ERR_NOTFOUND)
		return r;
	if (login != NULL && ca.apikey != NULL) {
		ca.method = AUTHN_API_KEY;
		snprintf(what, whatlen, "API key of %.200s", login);
		return setup_api_key(prefix, account, login, err, errlen);
	}
	if ((r = penv_path("CONJUR_AUTHN_TOKEN_FILE", NULL, ca.file,
	    sizeof(ca.file), err, errlen)) != ERR_NOTFOUND) {
		ca.method = AUTHN_TOKEN_FILE;
		snprintf(what, whatlen, "token file %.200s", ca.file);
		return r;
	}
	ca.method = AUTHN_JWT;
	if ((v = penv("CONJUR_AUTHN_URL")) != NULL) {
		snprintf(what, whatlen, "%s at %.200s",
		    strstr(v, "/authn-k8s/") != NULL ? "authn-k8s" : "authn-jwt",
		    v);
		return setup_authn_url(v, account, err, errlen);
	}
	if ((v = penv("CONJUR_AUTHN_TYPE")) != NULL && strcmp(v, "jwt") == 0) {
		if ((v = penv("CONJUR_SERVICE_ID")) == NULL) {
			snprintf(err, errlen, "CONJUR_AUTHN_TYPE jwt needs "
			    "CONJUR_SERVICE_ID");
			return ERR_INVAL;
		}
		snprintf(what, whatlen, "authn-jwt/%.100s", v);
		return setup_jwt(prefix, v, account, err, errlen);
	}
	snprintf(err, errlen, "no credentials: set CONJUR_AUTHN_LOGIN and "
	    "CONJUR_AUTHN_API_KEY, or CONJUR_AUTHN_TOKEN_FILE, or "
	    "CONJUR_AUTHN_URL (authn-jwt or authn-k8s)");
	return ERR_INVAL;
}

struct ptoken *
conjur_auth_setup(const struct https_server *srv, const char *prefix,
    const char *account, char *what, size_t whatlen, char *err,
    size_t errlen)
{
	err[0] = '\0';
	if (setup_method(srv, prefix, account, what, whatlen, err,
	    errlen) != 0 || (ca.pt = ptoken_new("provider conjur", login,
	    login_abort, NULL)) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		conjur_auth_cleanup();
		return NULL;
	}
	return ca.pt;
}

void
conjur_auth_cleanup(void)
{
	ptoken_free(ca.pt);
	https_abort(ca.hr);
	conjur_k8s_cleanup();
	secret_free(ca.apikey);
	https_server_clear(&ca.authn_srv);
	memset(&ca, 0, sizeof(ca));
}
