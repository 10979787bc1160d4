/*
 * The monitor's half of the HTTP connectors, basic_auth, conjur, aws and
 * generic_http: one row each (connector.h).  Their services may share a
 * listenOn (MC_SHARE); their workers are forward proxies that ask, per
 * request, where it may go and what it gets (httpmsg.h), so that they are
 * in W_SESSION (MC_SESSION) and dial nothing through the common requests
 * (not MC_BACKEND).  Their config: section is httpconf.c's.
 *
 * A worker's requests, per client request: ROUTE (httproute.c chooses the
 * service and the upstream), then DIAL (the route's upstream only, when
 * the worker holds no connection to it), HEADERS (the credentials,
 * fetched for this request, rendered into the service's headers and query
 * parameters, or an OAuth 1.0a header), SIGV4 (aws: the signature of the
 * canonical request's hash); each at most once per route and in that
 * order, ROUTE at most HTTP_MAX_REQUESTS times, ROOTS once.  Anything else
 * is a compromised worker's, and kills it.  The answers that a client or
 * an upstream can cause (no match, unreachable, a provider down, a date
 * out of range) are refusals with an HTTP status, not kills.
 *
 * The credentials are fetched for each HEADERS and wiped once the answer
 * is sent; only aws's keys stay, in guarded memory, for the SIGV4 of the
 * same route, and go at its answer or at the next ROUTE.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "httpconf.h"
#include "httpmsg.h"
#include "httproute.h"
#include "monitor.h"
#include "msg.h"
#include "oauth1.h"
#include "pctenc.h"
#include "secret.h"
#include "sigv4.h"
#include "util.h"

/*
 * Bounds of SIGV4's scope and of the access key id in its answer, as the
 * worker has them (worker/http.h: SCOPE_MAX, AKID_MAX).
 */
#define SCOPE_MAX	128
#define AKID_MAX	128
/* AWS SigV4: how far X-Amz-Date may be from our clock (15 minutes). */
#define SIGV4_SKEW	900
/* OAuth 1.0a's nonce: as Secretless makes it (protocol.go, generateNonce). */
#define NONCE_LEN	16
#define NONCE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* The connection's current route and what was done for it (w->cstate). */
struct http_state {
	const struct service **group;	/* the listener's, in name order */
	size_t		 ngroup;
	int		 routed;	/* the last ROUTE was answered yes */
	struct http_url	 url;		/* its URL */
	struct http_route rt;		/* and where it goes */
	int		 dialed;	/* DIAL asked for this route */
	int		 headers;	/* HEADERS asked for this route */
	int		 signed_;	/* SIGV4 asked for this route */
	char		*params;	/* OAUTH1: HEADERS' params, meanwhile */
	size_t		 paramslen;
	/* aws: the keys of this route's HEADERS, for its SIGV4 */
	struct secret	*akid;
	struct secret	*secret_key;
};

static void
forget_route(struct http_state *st)
{
	secret_free(st->akid);
	secret_free(st->secret_key);
	st->akid = st->secret_key = NULL;
	if (st->params != NULL) {
		secret_wipe(st->params, st->paramslen);
		free(st->params);
	}
	st->params = NULL;
	st->paramslen = 0;
	st->routed = st->dialed = st->headers = st->signed_ = 0;
}

static void
http_forget(struct worker *w)
{
	struct http_state	*st = w->cstate;

	if (st == NULL)
		return;
	forget_route(st);
	free(st->group);
	free(st);
	w->cstate = NULL;
}

/* The state, made at the first request; NULL: killed. */
static struct http_state *
state_of(struct worker *w)
{
	struct http_state	*st;

	if ((st = w->cstate) != NULL)
		return st;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->group = calloc(w->conf->nservices, sizeof(*st->group))) ==
	    NULL) {
		free(st);
		worker_kill(w, "out of memory");
		return NULL;
	}
	st->ngroup = http_group(w->conf, w->svc, st->group,
	    w->conf->nservices);
	w->cstate = st;
	return st;
}

/*
 * The state of a worker whose request about the current route (named
 * what) may be answered: one was routed, and no answer is pending (an
 * honest worker waits for each).  NULL: killed.
 */
static struct http_state *
routed_state(struct worker *w, const char *what)
{
	struct http_state	*st = w->cstate;

	if (w->dial != NULL || w->creq != NULL) {
		worker_kill(w, "%s while an answer is pending", what);
		return NULL;
	}
	if (st == NULL || !st->routed) {
		worker_kill(w, "%s without a route", what);
		return NULL;
	}
	return st;
}

/* An answer: u16 status, string reason (httpmsg.h); NULL: killed. */
static struct buf *
answer_new(struct worker *w, uint16_t status, const char *reason)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u16(b, status) != 0 || buf_put_cstring(b, reason) != 0) {
		buf_free(b);
		worker_kill(w, "out of memory");
		return NULL;
	}
	return b;
}

/* Send an answer and free it; a worker already gone is no error. */
static int
answer_send(struct worker *w, uint32_t type, struct buf *b, int fd)
{
	int	 r;

	r = worker_send(w, type, b, fd);
	buf_free(b);
	return r == ERR_EOF ? 0 : r;
}

/*
 * A refusal that the client gets (and the log, at info, and /metrics,
 * under the service routed to, else the listener's).
 */
static int	 refuse(struct worker *, uint32_t, uint16_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static int
refuse(struct worker *w, uint32_t type, uint16_t status, const char *fmt,
    ...)
{
	const struct http_state	*st = w->cstate;
	struct buf		*b;
	char			 why[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	wlog_info(w, "%s refused (%u): %s", dispatch_type_name(w->conn, type),
	    status, why);
	metrics_http_request(st != NULL && st->rt.svc != NULL ? st->rt.svc :
	    w->svc, 0);
	if ((b = answer_new(w, status, why)) == NULL)
		return 0;
	return answer_send(w, type, b, -1);
}

/*
 * The first request ends the worker's startup: it is no longer counted
 * against maxStartups, and its handshake deadline no longer applies
 * (W_SESSION).  An HTTP connection has no handshake of its own: the
 * first request is what a login is to the others.
 */
static void
session_begins(struct worker *w)
{
	if (w->state != W_ASSIGNED)
		return;
	w->state = W_SESSION;
	worker_startup_over(w);
	metrics_authenticated(w);
}

static int
http_answer_route(struct worker *w, struct buf *b)
{
	struct http_state	*st;
	struct buf		*out;
	char			 why[512];
	int			 status, r;

	if (w->dial != NULL || w->creq != NULL) {
		worker_kill(w, "ROUTE while an answer is pending");
		return 0;
	}
	if ((st = state_of(w)) == NULL)
		return 0;
	forget_route(st);
	if ((r = http_url_get(b, &st->url, why, sizeof(why))) != 0) {
		worker_kill(w, "bad ROUTE request: %s", why);
		return 0;
	}
	session_begins(w);
	if ((status = http_route_choose(st->group, st->ngroup, &st->url,
	    &st->rt, why, sizeof(why))) != 0)
		return refuse(w, MSG_HTTP_ROUTE, (uint16_t)status, "%s", why);
	st->routed = 1;
	metrics_http_request(st->rt.svc, 1);
	/* Never the path or the query: they may carry what is private. */
	wlog_debug(w, "%s to %s port %s%s: service %s", st->url.method,
	    st->rt.host, st->rt.port, st->rt.tls ? " (TLS)" : "",
	    st->rt.svc->name);
	if ((out = answer_new(w, 0, "")) == NULL)
		return 0;
	if (buf_put_cstring(out, st->rt.svc->name) != 0 ||
	    buf_put_u8(out, (uint8_t)st->rt.tls) != 0 ||
	    buf_put_cstring(out, st->rt.host) != 0 ||
	    buf_put_cstring(out, st->rt.port) != 0 ||
	    buf_put_u8(out, (uint8_t)st->rt.inject) != 0) {
		buf_free(out);
		worker_kill(w, "out of memory");
		return 0;
	}
	return answer_send(w, MSG_HTTP_ROUTE, out, -1);
}

static int
http_answer_roots(struct worker *w, struct buf *b)
{
	struct buf	*out;
	char		 why[512];
	int		 fd, r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	if (routed_state(w, "ROOTS") == NULL)
		return 0;
	if ((fd = http_roots_fd(w->conf, why, sizeof(why))) == -1) {
		wlog_error(w, "the CA certificates for upstream TLS: %s", why);
		return refuse(w, MSG_HTTP_ROOTS, 502, "airlock cannot read "
		    "the CA certificates to verify upstreams with");
	}
	if ((out = answer_new(w, 0, "")) == NULL) {
		close(fd);
		return 0;
	}
	r = answer_send(w, MSG_HTTP_ROOTS, out, fd);
	close(fd);
	return r;
}

static void
http_dialed(void *arg, int fd, int error, const char *err)
{
	struct worker		*w = arg;
	struct http_state	*st = w->cstate;
	struct buf		*out;

	w->dial = NULL;
	if (fd == -1 && error == ERR_DENIED) {
		refuse(w, MSG_HTTP_DIAL, 403, "%s; service %s does not allow "
		    "such upstreams (allowLoopback)", err, st->rt.svc->name);
		return;
	}
	if (fd == -1) {
		refuse(w, MSG_HTTP_DIAL, 502, "could not connect to the "
		    "upstream: %s", err);
		return;
	}
	if ((out = answer_new(w, 0, "")) != NULL)
		answer_send(w, MSG_HTTP_DIAL, out, fd);
	close(fd);
}

static int
http_answer_dial(struct worker *w, struct buf *b)
{
	struct http_state	*st;
	int			 r, flags = 0;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	if ((st = routed_state(w, "DIAL")) == NULL)
		return 0;
	if (st->dialed || st->headers) {
		worker_kill(w, "DIAL %s in one route", st->dialed ? "twice" :
		    "after HEADERS");
		return 0;
	}
	st->dialed = 1;
	/*
	 * A name is checked on what it resolves to; an address in the URL
	 * is what the pattern that matched allowed.
	 */
	if (!st->rt.literal && !st->rt.hc->allow_loopback)
		flags |= DIAL_PUBLIC;
	if ((w->dial = dial_start_flags(st->rt.dial_host, st->rt.port, NULL,
	    w->conf->dial_timeout_ms, flags, http_dialed, w)) == NULL)
		return refuse(w, MSG_HTTP_DIAL, 502, "could not start "
		    "connecting to the upstream");
	return 0;
}
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
		if (header && (!http_token_valid(t[i].name,
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
oauth1_params(const struct http_state *st, const struct kvlist *query,
    struct buf *b)
{
	size_t	 i;
	int	 r;

	if ((r = buf_put(b, st->params, st->paramslen)) != 0)
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
oauth1_base_url(const struct http_state *st, char out[HTTP_URL_MAX])
{
	const char	*def = st->rt.tls ? "443" : "80";
	int		 plen = (int)strcspn(st->url.target, "?");
	int		 port = st->url.port[0] != '\0' &&
			    strcmp(st->url.port, def) != 0;

	snprintf(out, HTTP_URL_MAX, "%s://%s%s%s%.*s",
	    st->rt.tls ? "https" : "http", st->url.host, port ? ":" : "",
	    port ? st->url.port : "", plen, st->url.target);
}

/* The oauth1: templates rendered, the Authorization header signed. */
static int
oauth1_sign(const struct http_state *st, const struct creds *creds,
    const struct kvlist *query, struct kvlist *hdrs, char *why,
    size_t whylen)
{
	static const char *const names[4] = { "consumer_key",
	    "consumer_secret", "token", "token_secret" };
	const struct http_conf	*hc = st->rt.hc;
	const char		*svc = st->rt.svc->name;
	struct secret		*v[4] = { NULL, NULL, NULL, NULL }, *hdr = NULL;
	struct oauth1_keys	 keys;
	struct buf		*params = NULL;
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
	oauth1_base_url(st, url);
	if ((params = buf_new(HTTP_PARAMS_MAX + MSG_MAX_PAYLOAD)) == NULL ||
	    oauth1_params(st, query, params) != 0) {
		snprintf(why, whylen, "service %s: the OAuth 1.0a parameters "
		    "are too long", svc);
		goto done;
	}
	if (oauth1_header(&keys, st->url.method, url,
	    (const char *)buf_ptr(params), buf_len(params), nonce, ts, &hdr,
	    err, sizeof(err)) != 0) {
		snprintf(why, whylen, "service %s: no OAuth 1.0a signature: "
		    "%s", svc, err);
		goto done;
	}
	if (kv_set(hdrs, "Authorization", hdr->data, hdr->len) != 0) {
		snprintf(why, whylen, "service %s: out of memory", svc);
		goto done;
	}
	r = 0;
 done:
	for (j = 0; j < 4; j++)
		secret_free(v[j]);
	secret_free(hdr);
	buf_free(params);
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
aws_keys(struct http_state *st, const struct creds *creds,
    struct kvlist *hdrs, char *why, size_t whylen)
{
	const char	*svc = st->rt.svc->name;
	struct secret	*token;
	int		 r = 0;

	st->akid = trimmed(creds, "accessKeyId");
	st->secret_key = trimmed(creds, "secretAccessKey");
	if ((token = trimmed(creds, "accessToken")) == NULL ||
	    st->akid == NULL || st->secret_key == NULL) {
		snprintf(why, whylen, "service %s: out of memory", svc);
		r = -1;
	} else if (!akid_ok(st->akid) || st->secret_key->len == 0) {
		snprintf(why, whylen, "service %s: AWS connection parameter "
		    "'%s' is not available", svc, !akid_ok(st->akid) ?
		    "accessKeyId" : "secretAccessKey");
		r = -1;
	} else if (token->len > 0 && (!field_value_ok(token->data,
	    token->len) || kv_set(hdrs, "X-Amz-Security-Token", token->data,
	    token->len) != 0)) {
		snprintf(why, whylen, "service %s: its accessToken does not "
		    "fit a header", svc);
		r = -1;
	}
	secret_free(token);
	return r;
}

/* HEADERS' answer, from the credentials of this request. */
static void
headers_answer(struct worker *w, const struct creds *creds)
{
	struct http_state	*st = w->cstate;
	const struct http_conf	*hc = st->rt.hc;
	const struct service	*svc = st->rt.svc;
	struct kvlist		 hdrs, query;
	struct buf		*out;
	char			 why[512];

	kv_init(&hdrs);
	kv_init(&query);
	if (validate(svc, hc, creds, why, sizeof(why)) != 0 ||
	    render(svc, hc->headers, hc->nheaders, creds, 1, &hdrs, why,
	    sizeof(why)) != 0 ||
	    render(svc, hc->query, hc->nquery, creds, 0, &query, why,
	    sizeof(why)) != 0 ||
	    (st->rt.inject == HTTP_INJECT_OAUTH1 && oauth1_sign(st, creds,
	    &query, &hdrs, why, sizeof(why)) != 0) ||
	    (st->rt.inject == HTTP_INJECT_SIGV4 && aws_keys(st, creds, &hdrs,
	    why, sizeof(why)) != 0)) {
		secret_free(st->akid);
		secret_free(st->secret_key);
		st->akid = st->secret_key = NULL;
		refuse(w, MSG_HTTP_HEADERS, 503, "%s", why);
	} else if ((out = answer_new(w, 0, "")) != NULL) {
		if (kv_put(out, &hdrs) != 0 || kv_put(out, &query) != 0) {
			buf_free(out);
			refuse(w, MSG_HTTP_HEADERS, 503, "the headers of "
			    "service %s do not fit a message", svc->name);
		} else
			answer_send(w, MSG_HTTP_HEADERS, out, -1);	/* wiped */
	}
	kv_clear(&hdrs);
	kv_clear(&query);
	if (st->params != NULL) {
		secret_wipe(st->params, st->paramslen);
		free(st->params);
		st->params = NULL;
		st->paramslen = 0;
	}
}

static void
headers_fetched(void *arg, const char *err, struct creds *creds)
{
	struct worker	*w = arg;

	w->creq = NULL;
	metrics_provider(w);
	if (err != NULL) {
		refuse(w, MSG_HTTP_HEADERS, 503, "could not fetch the "
		    "credentials of service %s: %s",
		    ((struct http_state *)w->cstate)->rt.svc->name, err);
		return;
	}
	headers_answer(w, creds);
	creds_free(creds);
}

static int
http_answer_headers(struct worker *w, struct buf *b)
{
	static const struct creds	 none;
	struct http_state		*st;
	const unsigned char		*p;
	size_t				 len;
	int				 r;

	if ((st = routed_state(w, "HEADERS")) == NULL)
		return 0;
	if (st->rt.inject == HTTP_INJECT_NONE) {
		worker_kill(w, "HEADERS for a route of passthrough service %s",
		    st->rt.svc->name);
		return 0;
	}
	if (st->headers) {
		worker_kill(w, "HEADERS twice in one route");
		return 0;
	}
	st->headers = 1;
	if ((r = buf_get_string_direct(b, &p, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	/* Only OAuth 1.0a signs the request's own parameters. */
	if (len > HTTP_PARAMS_MAX || (st->rt.inject != HTTP_INJECT_OAUTH1 &&
	    len > 0) || (len > 0 && (memchr(p, '\0', len) != NULL ||
	    oauth1_check_params((const char *)p, len) != 0)))
		return ERR_FORMAT;
	if ((st->params = malloc(len + 1)) == NULL) {
		worker_kill(w, "out of memory");
		return 0;
	}
	memcpy(st->params, p, len);
	st->params[len] = '\0';
	st->paramslen = len;
	/* Credentials are fetched for each request, never cached. */
	if (st->rt.svc->ncreds == 0) {
		headers_answer(w, &none);
		return 0;
	}
	w->t_creds = metrics_now_us();
	if ((w->creq = creds_resolve(st->rt.svc, headers_fetched, w)) == NULL)
		return refuse(w, MSG_HTTP_HEADERS, 503, "could not fetch the "
		    "credentials of service %s", st->rt.svc->name);
	return 0;
}

static int
http_answer_sigv4(struct worker *w, struct buf *b)
{
	struct http_state	*st;
	struct buf		*out;
	char			*amzdate = NULL, *scope = NULL, *hash = NULL;
	char			 sig[SIGV4_HEX_LEN + 1], why[256];
	int			 r;

	if ((st = routed_state(w, "SIGV4")) == NULL)
		return 0;
	if (st->rt.inject != HTTP_INJECT_SIGV4) {
		worker_kill(w, "SIGV4 for a route of service %s (%s)",
		    st->rt.svc->name, st->rt.svc->connector);
		return 0;
	}
	if (!st->headers || st->signed_ || st->secret_key == NULL) {
		worker_kill(w, "SIGV4 %s", st->signed_ ? "twice in one route" :
		    !st->headers ? "before HEADERS" : "after HEADERS refused");
		return 0;
	}
	st->signed_ = 1;
	if ((r = buf_get_cstring(b, &amzdate, 16)) != 0 ||
	    (r = buf_get_cstring(b, &scope, SCOPE_MAX)) != 0 ||
	    (r = buf_get_cstring(b, &hash, SIGV4_HEX_LEN)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		goto done;
	/* The date is the client's: one out of range is its to hear of. */
	if (sigv4_check(amzdate, scope, hash, time(NULL), SIGV4_SKEW, why,
	    sizeof(why)) != 0)
		r = refuse(w, MSG_HTTP_SIGV4, 400, "%s", why);
	else if (sigv4_sign(st->secret_key, amzdate, scope, hash, sig) != 0)
		r = refuse(w, MSG_HTTP_SIGV4, 503, "the request of service %s "
		    "could not be signed", st->rt.svc->name);
	else if ((out = answer_new(w, 0, "")) != NULL) {
		if (buf_put_string(out, st->akid->data, st->akid->len) != 0 ||
		    buf_put_cstring(out, sig) != 0) {
			buf_free(out);
			worker_kill(w, "out of memory");
		} else
			r = answer_send(w, MSG_HTTP_SIGV4, out, -1);
	}
	secret_wipe(sig, sizeof(sig));
 done:
	/* One signature per route. */
	secret_free(st->akid);
	secret_free(st->secret_key);
	st->akid = st->secret_key = NULL;
	free(amzdate);
	free(scope);
	free(hash);
	return r;
}

/*
 * The requests of every HTTP connector.  ROUTE opens the session; the
 * per-route order and "once" are the handlers' (the table counts per
 * connection).
 */
static const struct mon_request http_requests[] = {
	{ MSG_HTTP_ROUTE, "HTTP_ROUTE", S(W_ASSIGNED) | S(W_SESSION),
	    HTTP_MAX_REQUESTS, 0, 0, http_answer_route },
	{ MSG_HTTP_ROOTS, "HTTP_ROOTS", S(W_SESSION), 1, 0, MSG_HTTP_ROUTE,
	    http_answer_roots },
	{ MSG_HTTP_DIAL, "HTTP_DIAL", S(W_SESSION), 0, 0, MSG_HTTP_ROUTE,
	    http_answer_dial },
	{ MSG_HTTP_HEADERS, "HTTP_HEADERS", S(W_SESSION), 0, 0,
	    MSG_HTTP_ROUTE, http_answer_headers },
	{ MSG_HTTP_SIGV4, "HTTP_SIGV4", S(W_SESSION), 0, 0, MSG_HTTP_HEADERS,
	    http_answer_sigv4 },
};

/* generic_http: the templates name what they read; any name goes. */
static const char *const basic_auth_required[] = { "username", "password",
	NULL };
static const char *const conjur_required[] = { "accessToken", NULL };
static const char *const aws_required[] = { "accessKeyId",
	"secretAccessKey", NULL };
static const char *const aws_optional[] = { "accessToken", NULL };
static const char *const none[] = { NULL };

const struct mon_connector mon_generic_http = {
	.name = "generic_http",
	.flags = MC_SHARE | MC_SESSION,
	.check = http_check_generic,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};

const struct mon_connector mon_basic_auth = {
	.name = "basic_auth",
	.flags = MC_SHARE | MC_SESSION,
	.required = basic_auth_required,
	.optional = none,
	.check = http_check_basic_auth,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};

const struct mon_connector mon_conjur = {
	.name = "conjur",
	.flags = MC_SHARE | MC_SESSION,
	.required = conjur_required,
	.optional = none,
	.check = http_check_conjur,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};

const struct mon_connector mon_aws = {
	.name = "aws",
	.flags = MC_SHARE | MC_SESSION,
	.required = aws_required,
	.optional = aws_optional,
	.check = http_check_aws,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};
