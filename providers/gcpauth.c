/*
 * The gcp provider's access token (gcpauth.h).
 *
 * A service account key: a JWT (RFC 7519) signed RS256 (RFC 7515,
 * appendix A.2) with the key's private_key, claims iss (client_email),
 * scope, aud (token_uri), iat and exp, exchanged for an access token at
 * the key's token_uri with the JWT bearer grant (RFC 7523, 2.1), as
 * Google's "Using OAuth 2.0 for Server to Server Applications" describes.
 * The metadata server: GET .../instance/service-accounts/default/token
 * with "Metadata-Flavor: Google" (Compute Engine's "Access tokens"), plain
 * http to its link-local address, as every client library does.
 * The token kept is the whole header value, "Bearer <access_token>".
 * Without a key file, the default project is the metadata server's too
 * (.../project/project-id), asked once, when a reference needs it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "errors.h"
#include "log.h"
#include "safefile.h"
#include "secret.h"
#include "b64.h"
#include "gcpauth.h"
#include "https.h"
#include "jsonfield.h"
#include "provenv.h"
#include "ptoken.h"
#include "../monitor/sshkey.h"

#define GCP_TOKEN_URI	"https://oauth2.googleapis.com/token"
#define GCP_METADATA	"metadata.google.internal"
#define GCP_MD_PATH	"/computeMetadata/v1/instance/service-accounts/" \
			"default/token"
#define GCP_MD_PROJECT	"/computeMetadata/v1/project/project-id"
#define GCP_PROJECT_LIFE	86400	/* a project id does not change */
#define GCP_SCOPE	"https://www.googleapis.com/auth/cloud-platform"
#define GCP_GRANT	"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type" \
			"%3Ajwt-bearer&assertion="
#define GCP_JWT_LIFE	3600		/* the longest Google accepts */
#define GCP_TOKEN_BODY	(64 * 1024)
#define GCP_TOKEN_MAX	4096		/* an access token */
#define GCP_FIELD_MAX	512		/* client_email, token_uri, ... */
#define WHO		"provider gcp"
/* What a failed login means to the request that waits (gcp.c's). */
#define NOTOKEN		"no access token: "
#define NOPROJECT	"no project: "

static struct {
	int			 ready;
	int			 use_key;	/* else the metadata server */
	struct https_server	 srv;		/* token_uri's or metadata's */
	char			 uri[GCP_FIELD_MAX];
	EVP_PKEY		*key;
	char			 email[GCP_FIELD_MAX];
	char			 kid[GCP_FIELD_MAX];
	char			 aud[GCP_FIELD_MAX];
	char			 desc[GCP_FIELD_MAX + 64];
	struct ptoken		*pt;
	struct https_req	*hr;		/* the login in flight */
	struct ptoken		*project;	/* metadata: its project id */
	struct https_req	*phr;		/* its GET in flight */
} ga;

/* Text that goes into the JWT's JSON as it is: no quote, no escape. */
static int
json_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* A non-secret string field of the key file, checked, into out. */
static int
key_field(const struct jfield_doc *doc, const char *path, const char *def,
    char *out, size_t outlen, char *err, size_t errlen)
{
	struct secret	*s;
	char		 msg[200];
	int		 r;

	if ((r = jfield_string(doc, path, &s, msg, sizeof(msg))) != 0) {
		if (r == ERR_NOTFOUND && def != NULL) {
			snprintf(out, outlen, "%s", def);
			return 0;
		}
		snprintf(err, errlen, "%s", msg);
		return r;
	}
	if (s->len == 0 || s->len >= outlen ||
	    strlen((const char *)s->data) != s->len ||
	    !json_safe((const char *)s->data)) {
		secret_free(s);
		snprintf(err, errlen, "field %s is empty, too long or has "
		    "quotes or control characters", path);
		return ERR_FORMAT;
	}
	memcpy(out, s->data, s->len + 1);
	secret_free(s);
	return 0;
}

/* The fields of a service account key file, and its private key. */
static int
key_fields(const struct jfield_doc *doc, char *project, size_t projectlen,
    char *err, size_t errlen)
{
	struct secret	*pem;
	char		 type[64], msg[200];
	int		 r;

	if ((r = key_field(doc, "type", NULL, type, sizeof(type), err,
	    errlen)) != 0)
		return r;
	if (strcmp(type, "service_account") != 0) {
		snprintf(err, errlen, "a key of type %.40s (airlock reads "
		    "service_account keys)", type);
		return ERR_INVAL;
	}
	if ((r = key_field(doc, "client_email", NULL, ga.email,
	    sizeof(ga.email), err, errlen)) != 0 ||
	    (r = key_field(doc, "private_key_id", "", ga.kid,
	    sizeof(ga.kid), err, errlen)) != 0 ||
	    (r = key_field(doc, "token_uri", GCP_TOKEN_URI, ga.aud,
	    sizeof(ga.aud), err, errlen)) != 0 ||
	    (r = key_field(doc, "project_id", "", project, projectlen, err,
	    errlen)) != 0)
		return r;
	if ((r = jfield_string(doc, "private_key", &pem, err, errlen)) != 0)
		return r;
	r = sshkey_private(pem->data, pem->len, &ga.key, msg, sizeof(msg));
	secret_free(pem);
	if (r != 0) {
		snprintf(err, errlen, "private_key: %s", msg);
		return r;
	}
	if (!EVP_PKEY_is_a(ga.key, "RSA")) {
		snprintf(err, errlen, "private_key is not an RSA key");
		return ERR_INVAL;
	}
	return 0;
}

/* GOOGLE_APPLICATION_CREDENTIALS: the key file, and its token_uri. */
static int
setup_key(const char *path, char *project, size_t projectlen, char *err,
    size_t errlen)
{
	struct jfield_doc	*doc;
	struct secret		*file;
	char			 why[512], prefix[GCP_FIELD_MAX];
	int			 r;

	if ((r = file_read(path, 0, WHO, &file, err, errlen)) != 0)
		return r;
	r = jfield_parse(file->data, file->len, &doc, why, sizeof(why));
	secret_free(file);
	if (r == 0) {
		r = key_fields(doc, project, projectlen, why, sizeof(why));
		jfield_free(doc);
	}
	if (r != 0) {
		snprintf(err, errlen, WHO ": GOOGLE_APPLICATION_CREDENTIALS "
		    "%.200s: %s", path, why);
		return r;
	}
	if (https_parse_url(ga.aud, &ga.srv, prefix, sizeof(prefix), why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, WHO ": token_uri %.200s: %s", ga.aud,
		    why);
		return ERR_INVAL;
	}
	if (!ga.srv.tls && !https_is_loopback(&ga.srv)) {
		snprintf(err, errlen, WHO ": token_uri %.200s: plain http is "
		    "allowed only to a loopback address", ga.aud);
		return ERR_DENIED;
	}
	snprintf(ga.uri, sizeof(ga.uri), "%s", prefix[0] != '\0' ? prefix :
	    "/");
	if ((r = https_ctx_new(&ga.srv, NULL, NULL, 1, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, WHO ": %s", why);
		return r;
	}
	ga.use_key = 1;
	snprintf(ga.desc, sizeof(ga.desc), "service account %.200s, tokens "
	    "from %.200s", ga.email, ga.aud);
	return 0;
}

/* The metadata server: GCE_METADATA_HOST (host[:port]) or its name. */
static int
setup_metadata(char *err, size_t errlen)
{
	const char	*host;
	char		 url[HTTPS_HOSTLEN + 32], why[512];

	if ((host = penv("GCE_METADATA_HOST")) == NULL)
		host = GCP_METADATA;
	snprintf(url, sizeof(url), "http://%.255s", host);
	if (https_parse_addr(url, &ga.srv, why, sizeof(why)) != 0) {
		snprintf(err, errlen, WHO ": GCE_METADATA_HOST %s", why);
		return ERR_INVAL;
	}
	/* The token crosses in clear: only to the link-local service. */
	if (!https_is_metadata(&ga.srv) && !https_is_loopback(&ga.srv)) {
		snprintf(err, errlen, WHO ": GCE_METADATA_HOST %.200s is "
		    "neither the metadata server (169.254.169.254, "
		    GCP_METADATA ") nor a loopback address: the token would "
		    "cross the network in clear", host);
		return ERR_DENIED;
	}
	snprintf(ga.uri, sizeof(ga.uri), "%s", GCP_MD_PATH);
	snprintf(ga.desc, sizeof(ga.desc), "no GOOGLE_APPLICATION_CREDENTIALS"
	    ": tokens from the metadata server %.200s", url);
	return 0;
}

/* base64url of len bytes, appended to the secret at *off. */
static int
put_b64(struct secret *out, size_t *off, const void *p, size_t len)
{
	struct secret	*e;

	if (b64_encode(p, len, B64_URL, &e) != 0)
		return ERR_NOMEM;
	if (*off + e->len > out->len) {
		secret_free(e);
		return ERR_TOOBIG;
	}
	memcpy(out->data + *off, e->data, e->len);
	*off += e->len;
	secret_free(e);
	return 0;
}

/* The form body of the token request: the grant and a signed JWT. */
static int
jwt_body(struct secret **out)
{
	EVP_MD_CTX	*md = NULL;
	struct secret	*b;
	unsigned char	 sig[2048];
	char		 hdr[GCP_FIELD_MAX + 64];
	char		 claims[3 * GCP_FIELD_MAX];
	size_t		 off, start, siglen = sizeof(sig);
	long long	 now = (long long)time(NULL);
	int		 r = ERR_NOMEM;

	*out = NULL;
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"typ\":\"JWT\"%s%s%s}",
	    ga.kid[0] != '\0' ? ",\"kid\":\"" : "", ga.kid,
	    ga.kid[0] != '\0' ? "\"" : "");
	snprintf(claims, sizeof(claims), "{\"iss\":\"%s\",\"scope\":\""
	    GCP_SCOPE "\",\"aud\":\"%s\",\"iat\":%lld,\"exp\":%lld}",
	    ga.email, ga.aud, now, now + GCP_JWT_LIFE);
	if ((b = secret_alloc(sizeof(GCP_GRANT) + 2 * (sizeof(hdr) +
	    sizeof(claims) + sizeof(sig)))) == NULL)
		return ERR_NOMEM;
	off = strlen(GCP_GRANT);
	memcpy(b->data, GCP_GRANT, off);
	start = off;
	if ((r = put_b64(b, &off, hdr, strlen(hdr))) != 0)
		goto done;
	b->data[off++] = '.';
	if ((r = put_b64(b, &off, claims, strlen(claims))) != 0)
		goto done;
	r = ERR_SYS;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ga.key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, b->data + start,
	    off - start) != 1)
		goto done;
	b->data[off++] = '.';
	if ((r = put_b64(b, &off, sig, siglen)) != 0)
		goto done;
	b->len = off;
	*out = b;
	b = NULL;
 done:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	secret_free(b);
	return r;
}

/* The access token of a token endpoint's answer, as a header value. */
static int
token_answer(const struct secret *body, struct secret **out,
    long long *life, char *err, size_t errlen)
{
	struct jfield_doc	*doc;
	struct secret		*tok;
	int			 r;

	*out = NULL;
	*life = 0;
	if ((r = jfield_parse(body->data, body->len, &doc, err,
	    errlen)) != 0)
		return r;
	if ((r = jfield_string(doc, "access_token", &tok, err,
	    errlen)) == 0 && (r = jfield_int(doc, "expires_in", life, err,
	    errlen)) == ERR_NOTFOUND)
		r = 0;
	jfield_free(doc);
	if (r != 0) {
		secret_free(tok);
		return r;
	}
	r = tok->len > GCP_TOKEN_MAX ? ERR_FORMAT : header_bearer(tok, out);
	secret_free(tok);
	if (r != 0)
		snprintf(err, errlen, "%s", r == ERR_NOMEM ? "out of memory" :
		    "the access token is too long or has bytes that an HTTP "
		    "header cannot carry");
	return r;
}

static void
login_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct ptoken	*pt = arg;
	struct secret	*tok;
	const char	*from = ga.use_key ? "token_uri" : "metadata server";
	char		 code[72], msg[200];
	long long	 life;
	int		 r;

	ga.hr = NULL;
	if (error != 0) {
		ptoken_fail(pt, error, NOTOKEN "%s: %s", from, err);
		return;
	}
	if (status != 200) {
		/* OAuth's error code (RFC 6749, 5.2): invalid_grant, ... */
		jfield_code(body, "error", code, sizeof(code));
		ptoken_fail(pt, status == 404 || status >= 500 ? ERR_AGAIN :
		    ERR_DENIED, NOTOKEN "%s: HTTP %d%s%s%s", from, status,
		    code[0] != '\0' ? " " : "", code, status == 404 &&
		    !ga.use_key ? ", no service account on this instance" :
		    "");
		return;
	}
	if ((r = token_answer(body, &tok, &life, msg, sizeof(msg))) != 0) {
		ptoken_fail(pt, r, NOTOKEN "%s: %s", from, msg);
		return;
	}
	ptoken_set(pt, tok, life);
}

static void
login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct https_header	 hdr;
	struct secret		*body;
	int			 r;

	(void)cur;
	(void)arg;
	if (!ga.use_key) {
		hdr.name = "Metadata-Flavor";
		hdr.value = "Google";
		ga.hr = https_get(base, &ga.srv, ga.uri, &hdr, 1, timeout_ms,
		    GCP_TOKEN_BODY, login_done, pt);
	} else {
		if ((r = jwt_body(&body)) != 0) {
			ptoken_fail(pt, r, NOTOKEN "cannot sign the JWT");
			return;
		}
		hdr.name = "Content-Type";
		hdr.value = "application/x-www-form-urlencoded";
		ga.hr = https_request(base, &ga.srv, HTTPS_POST, ga.uri, &hdr,
		    1, body->data, body->len, timeout_ms, GCP_TOKEN_BODY,
		    login_done, pt);
		secret_free(body);
	}
	if (ga.hr == NULL)
		ptoken_fail(pt, ERR_SYS, NOTOKEN "cannot start the token "
		    "request");
}

static void
login_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	https_abort(ga.hr);
	ga.hr = NULL;
}

static void
project_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct ptoken	*pt = arg;
	size_t		 i;

	ga.phr = NULL;
	if (error != 0) {
		ptoken_fail(pt, error, NOPROJECT "metadata server: %s", err);
		return;
	}
	if (status != 200) {
		ptoken_fail(pt, status == 404 ? ERR_NOTFOUND : ERR_PROTO,
		    NOPROJECT "metadata server: HTTP %d for the project id",
		    status);
		return;
	}
	/* Text; lower-case letters, digits, '-', and '.' ':' of a domain. */
	for (i = 0; i < body->len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-.:",
		    body->data[i]) == NULL || body->data[i] == '\0')
			break;
	if (body->len == 0 || body->len > GCPAUTH_PROJECT_MAX ||
	    i != body->len) {
		ptoken_fail(pt, ERR_FORMAT, NOPROJECT "metadata server: the "
		    "project id is not one");
		return;
	}
	ptoken_set(pt, secret_new(body->data, body->len), GCP_PROJECT_LIFE);
}

/* The project id of the metadata server, as Google's libraries ask it. */
static void
project_login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct https_header	 hdr;

	(void)cur;
	(void)arg;
	hdr.name = "Metadata-Flavor";
	hdr.value = "Google";
	if ((ga.phr = https_get(base, &ga.srv, GCP_MD_PROJECT, &hdr, 1,
	    timeout_ms, GCP_TOKEN_BODY, project_done, pt)) == NULL)
		ptoken_fail(pt, ERR_SYS, NOPROJECT "cannot start the "
		    "project's request");
}

static void
project_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	https_abort(ga.phr);
	ga.phr = NULL;
}

int
gcpauth_setup(char *project, size_t projectlen, char *err, size_t errlen)
{
	const char	*path;
	int		 r;

	project[0] = '\0';
	if (ga.ready)
		return 0;
	if ((path = penv("GOOGLE_APPLICATION_CREDENTIALS")) != NULL)
		r = setup_key(path, project, projectlen, err, errlen);
	else
		r = setup_metadata(err, errlen);
	if (r == 0 && ((ga.pt = ptoken_new(WHO, login, login_abort,
	    NULL)) == NULL || (!ga.use_key && (ga.project = ptoken_new(WHO,
	    project_login, project_abort, NULL)) == NULL))) {
		snprintf(err, errlen, WHO ": out of memory");
		r = ERR_NOMEM;
	}
	if (r != 0) {
		gcpauth_cleanup();
		return r;
	}
	ga.ready = 1;
	return 0;
}

void
gcpauth_cleanup(void)
{
	ptoken_free(ga.pt);
	https_abort(ga.hr);
	ptoken_free(ga.project);
	https_abort(ga.phr);
	EVP_PKEY_free(ga.key);
	https_server_clear(&ga.srv);
	memset(&ga, 0, sizeof(ga));
}

struct ptoken *
gcpauth_token(void)
{
	return ga.pt;
}

struct ptoken *
gcpauth_project(void)
{
	return ga.project;
}

const char *
gcpauth_describe(void)
{
	return ga.desc;
}
