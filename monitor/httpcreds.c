/*
 * What a routed HTTP request gets from the credentials fetched for it (the
 * answer to MSG_HTTP_HEADERS, include/httpmsg.h), as Secretless Broker's
 * connectors make it (generic/connector.go, Connect; aws/aws.go):
 * credentialValidations checked, the headers and query parameters
 * rendered from their templates, OAuth 1.0a's Authorization header signed
 * here (the consumer and token secrets stay in the monitor), aws's session
 * token as X-Amz-Security-Token, and aws's keys, trimmed, kept for the
 * route's SIGV4.  Every value is a secret; no message ever holds one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "httpconf.h"
#include "httproute.h"
#include "monitor.h"
#include "oauth1.h"
#include "pctenc.h"
#include "secret.h"
#include "util.h"

/* An access key id, as the worker bounds it (worker/http.h: HTTP_AKID_MAX). */
#define AKID_MAX	128
/* OAuth 1.0a's nonce: as Secretless makes it (protocol.go, generateNonce). */
#define NONCE_LEN	16
#define NONCE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* RFC 9110 5.5: a field value has no control character but HT. */
static int
field_value_ok(const unsigned char *v, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * credentialValidations: each named credential must be there and match
 * its pattern, at each fetch (Secretless's config.validate).  Neither the
 * value nor a part of it is ever in a message.
 */
static int
validate(const struct service *svc, const struct http_conf *hc,
    const struct creds *creds, char *why, size_t whylen)
{
	const struct secret	*v;
	size_t			 i;

	for (i = 0; i < hc->nvalidations; i++) {
		if ((v = creds_get(creds, hc->validations[i].cred)) == NULL) {
			snprintf(why, whylen, "service %s has no credential "
			    "%s to check", svc->name, hc->validations[i].cred);
			return -1;
		}
		if (http_regex_match(hc->validations[i].re,
		    (const char *)v->data, v->len) != 1) {
			snprintf(why, whylen, "the credential %s of service "
			    "%s does not match its credentialValidations "
			    "pattern %.200s", hc->validations[i].cred,
			    svc->name,
			    http_regex_pattern(hc->validations[i].re));
			return -1;
		}
	}
	return 0;
}

/* Render templates into a kv list: headers' values must be fit for one. */
static int
render(const struct service *svc, const struct http_tmpl *t, size_t n,
    const struct creds *creds, int header, struct kvlist *out, char *why,
    size_t whylen)
{
	struct secret	*v;
	char		 err[256];
	size_t		 i;
	int		 r;

	for (i = 0; i < n; i++) {
		if (gotmpl_render(t[i].tmpl, creds, &v, err, sizeof(err)) !=
		    0) {
			snprintf(why, whylen, "the %s %s of service %s cannot "
			    "be rendered: %s", header ? "header" :
			    "query parameter", t[i].name, svc->name, err);
			return -1;
		}
		if (header && (!http_token(t[i].name,
		    strlen(t[i].name)) || !field_value_ok(v->data, v->len))) {
			secret_free(v);
			snprintf(why, whylen, "the header %s of service %s, "
			    "rendered from its credentials, is not fit for a "
			    "header (a control character?)", t[i].name,
			    svc->name);
			return -1;
		}
		r = kv_set(out, t[i].name, v->data, v->len);
		secret_free(v);
		if (r != 0) {
			snprintf(why, whylen, "the %ss of service %s do not "
			    "fit a message", header ? "header" :
			    "query parameter", svc->name);
			return -1;
		}
	}
	return 0;
}

/*
 * The request's own parameters for OAuth 1.0a (the worker's), and the
 * query parameters this request gets as well, encoded as RFC 5849 3.6
 * says: Secretless adds them to the URL before it signs
 * (generic/connector.go, Connect).
 */
static int
oauth1_params(const char *params, size_t paramslen,
    const struct kvlist *query, struct buf *b)
{
	size_t	 i;
	int	 r;

	if ((r = buf_put(b, params, paramslen)) != 0)
		return r;
	for (i = 0; i < query->n; i++)
		if ((buf_len(b) > 0 && (r = buf_put_u8(b, '&')) != 0) ||
		    (r = pct_encode(b, query->v[i].key,
		    strlen(query->v[i].key), 0)) != 0 ||
		    (r = buf_put_u8(b, '=')) != 0 ||
		    (r = pct_encode(b, query->v[i].val, query->v[i].vlen,
		    0)) != 0)
			return r;
	return 0;
}

/*
 * RFC 5849 3.4.1.2: the base string URI, the upstream's scheme (forceSSL
 * makes it https, as Secretless's), the host, the port unless it is the
 * scheme's default, and the path without the query.
 */
static void
oauth1_base_url(const struct http_url *u, const struct http_route *rt,
    char out[HTTP_URL_MAX])
{
	const char	*def = rt->tls ? "443" : "80";
	int		 plen = (int)strcspn(u->target, "?");
	int		 port;

	port = u->port[0] != '\0' && strcmp(u->port, def) != 0;
	snprintf(out, HTTP_URL_MAX, "%s://%s%s%s%.*s",
	    rt->tls ? "https" : "http", u->host, port ? ":" : "",
	    port ? u->port : "", plen, u->target);
}

/* The oauth1: templates rendered, the Authorization header signed. */
static int
oauth1_sign(const struct http_url *u, const struct http_route *rt,
    const char *params, size_t paramslen, const struct creds *creds,
    struct http_grant *g, char *why, size_t whylen)
{
	static const char *const names[4] = { "consumer_key",
	    "consumer_secret", "token", "token_secret" };
	const struct http_conf	*hc = rt->hc;
	const char		*svc = rt->svc->name;
	struct secret		*v[4] = { NULL, NULL, NULL, NULL };
	struct secret		*hdr = NULL;
	struct oauth1_keys	 keys;
	struct buf		*all = NULL;
	char			 url[HTTP_URL_MAX], nonce[NONCE_LEN + 1];
	char			 ts[24], err[256];
	size_t			 i, j;
	int			 r = -1;

	for (j = 0; j < 4; j++) {
		for (i = 0; i < hc->noauth1 &&
		    strcmp(hc->oauth1[i].name, names[j]) != 0; i++)
			;
		if (i == hc->noauth1 || gotmpl_render(hc->oauth1[i].tmpl,
		    creds, &v[j], err, sizeof(err)) != 0 || v[j]->len == 0) {
			snprintf(why, whylen, "service %s: required oAuth1 "
			    "parameter '%s' not found", svc, names[j]);
			goto done;
		}
	}
	keys.consumer_key = v[0];
	keys.consumer_secret = v[1];
	keys.token = v[2];
	keys.token_secret = v[3];
	for (i = 0; i < NONCE_LEN; i++)
		nonce[i] = NONCE_CHARS[randombytes_uniform(
		    sizeof(NONCE_CHARS) - 1)];
	nonce[NONCE_LEN] = '\0';
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	oauth1_base_url(u, rt, url);
	if ((all = buf_new(HTTP_PARAMS_MAX + MSG_MAX_PAYLOAD)) == NULL ||
	    oauth1_params(params, paramslen, &g->query, all) != 0) {
		snprintf(why, whylen, "service %s: the OAuth 1.0a parameters "
		    "are too long", svc);
		goto done;
	}
	if (oauth1_header(&keys, u->method, url, (const char *)buf_ptr(all),
	    buf_len(all), nonce, ts, &hdr, err, sizeof(err)) != 0) {
		snprintf(why, whylen, "service %s: no OAuth 1.0a signature: "
		    "%s", svc, err);
		goto done;
	}
	if (kv_set(&g->headers, "Authorization", hdr->data, hdr->len) != 0) {
		snprintf(why, whylen, "service %s: out of memory", svc);
		goto done;
	}
	r = 0;
 done:
	for (j = 0; j < 4; j++)
		secret_free(v[j]);
	secret_free(hdr);
	buf_free(all);
	return r;
}

/* A credential without the white space around it (Go's TrimSpace). */
static struct secret *
trimmed(const struct creds *creds, const char *name)
{
	const struct secret	*v;
	size_t			 a, z;

	if ((v = creds_get(creds, name)) == NULL)
		return secret_new("", 0);
	for (a = 0; a < v->len && isspace(v->data[a]); a++)
		;
	for (z = v->len; z > a && isspace(v->data[z - 1]); z--)
		;
	return secret_new(v->data + a, z - a);
}

/* An access key id goes into a header: a token without "/" or ",". */
static int
akid_ok(const struct secret *s)
{
	size_t	 i;

	if (s->len == 0 || s->len > AKID_MAX)
		return 0;
	for (i = 0; i < s->len; i++)
		if (!isalnum(s->data[i]) && s->data[i] != '_' &&
		    s->data[i] != '-')
			return 0;
	return 1;
}

/*
 * aws (Secretless's aws.go, newAmzStaticCredentials): the keys, trimmed,
 * kept for this route's SIGV4; the session token, if any, as the
 * X-Amz-Security-Token header (which the worker then signs).
 */
static int
aws_keys(const struct http_route *rt, const struct creds *creds,
    struct http_grant *g, char *why, size_t whylen)
{
	const char	*svc = rt->svc->name;
	struct secret	*token;
	int		 r = 0;

	g->akid = trimmed(creds, "accessKeyId");
	g->secret_key = trimmed(creds, "secretAccessKey");
	if ((token = trimmed(creds, "accessToken")) == NULL ||
	    g->akid == NULL || g->secret_key == NULL) {
		snprintf(why, whylen, "service %s: out of memory", svc);
		r = -1;
	} else if (!akid_ok(g->akid) || g->secret_key->len == 0) {
		snprintf(why, whylen, "service %s: AWS connection parameter "
		    "'%s' is not available", svc, !akid_ok(g->akid) ?
		    "accessKeyId" : "secretAccessKey");
		r = -1;
	} else if (token->len > 0 && (!field_value_ok(token->data,
	    token->len) || kv_set(&g->headers, "X-Amz-Security-Token",
	    token->data, token->len) != 0)) {
		snprintf(why, whylen, "service %s: its accessToken does not "
		    "fit a header", svc);
		r = -1;
	}
	secret_free(token);
	return r;
}

void
http_grant_clear(struct http_grant *g)
{
	kv_clear(&g->headers);
	kv_clear(&g->query);
	secret_free(g->akid);
	secret_free(g->secret_key);
	g->akid = g->secret_key = NULL;
}

int
http_grant_make(const struct http_url *u, const struct http_route *rt,
    const char *params, size_t paramslen, const struct creds *creds,
    struct http_grant *g, char *why, size_t whylen)
{
	const struct http_conf	*hc = rt->hc;

	memset(g, 0, sizeof(*g));
	kv_init(&g->headers);
	kv_init(&g->query);
	if (validate(rt->svc, hc, creds, why, whylen) != 0 ||
	    render(rt->svc, hc->headers, hc->nheaders, creds, 1, &g->headers,
	    why, whylen) != 0 ||
	    render(rt->svc, hc->query, hc->nquery, creds, 0, &g->query, why,
	    whylen) != 0 ||
	    (rt->inject == HTTP_INJECT_OAUTH1 && oauth1_sign(u, rt, params,
	    paramslen, creds, g, why, whylen) != 0) ||
	    (rt->inject == HTTP_INJECT_SIGV4 && aws_keys(rt, creds, g, why,
	    whylen) != 0)) {
		http_grant_clear(g);
		return -1;
	}
	return 0;
}
