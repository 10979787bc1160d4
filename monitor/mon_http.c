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
 * The credentials are fetched for each HEADERS, made into its answer by
 * httpcreds.c, and wiped once the answer is sent; only aws's keys stay,
 * in guarded memory, for the SIGV4 of the same route, and go at its
 * answer or at the next ROUTE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "httpconf.h"
#include "httpmsg.h"
#include "httproute.h"
#include "monitor.h"
#include "msg.h"
#include "oauth1.h"
#include "secret.h"
#include "sigv4.h"
#include "util.h"

/* SIGV4's scope, as the worker bounds it (worker/http.h: SIGV4_SCOPE_MAX). */
#define SCOPE_MAX	128
/* AWS SigV4: how far X-Amz-Date may be from our clock (15 minutes). */
#define SIGV4_SKEW	900

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
	char		*params;	/* OAUTH1: HEADERS' params */
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
static int	 refuse(struct worker *, uint32_t, uint16_t, const char *,
		    ...) __attribute__((format(printf, 4, 5)));

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
/* HEADERS' answer, from the credentials of this request (httpcreds.c). */
static void
headers_answer(struct worker *w, const struct creds *creds)
{
	struct http_state	*st = w->cstate;
	struct http_grant	 g;
	struct buf		*out;
	char			 why[512];
	int			 r;

	r = http_grant_make(&st->url, &st->rt, st->params, st->paramslen,
	    creds, &g, why, sizeof(why));
	secret_wipe(st->params, st->paramslen);
	free(st->params);
	st->params = NULL;
	st->paramslen = 0;
	/*
	 * Nothing of st after an answer is sent or refused: a worker that
	 * has gone, or is killed, has its state forgotten there.
	 */
	if (r != 0) {
		refuse(w, MSG_HTTP_HEADERS, 503, "%s", why);
		return;
	}
	if ((out = answer_new(w, 0, "")) == NULL) {
		http_grant_clear(&g);
		return;
	}
	if (kv_put(out, &g.headers) != 0 || kv_put(out, &g.query) != 0) {
		buf_free(out);
		http_grant_clear(&g);
		refuse(w, MSG_HTTP_HEADERS, 503, "the headers of service %s do "
		    "not fit a message", st->rt.svc->name);
		return;
	}
	/* aws: the keys of this route's SIGV4. */
	st->akid = g.akid;
	st->secret_key = g.secret_key;
	g.akid = g.secret_key = NULL;
	http_grant_clear(&g);
	answer_send(w, MSG_HTTP_HEADERS, out, -1);	/* wiped */
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
	/*
	 * Credentials are fetched for each request, unless the service sets
	 * credentialCacheTTL (creds.c).
	 */
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
	struct buf		*out = NULL;
	char			*amzdate = NULL, *scope = NULL;
	char			*hash = NULL, sig[SIGV4_HEX_LEN + 1], why[256];
	uint16_t		 status = 0;
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
		status = 400;
	else if (sigv4_sign(st->secret_key, amzdate, scope, hash, sig) != 0 ||
	    (out = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u16(out, 0) != 0 || buf_put_cstring(out, "") != 0 ||
	    buf_put_string(out, st->akid->data, st->akid->len) != 0 ||
	    buf_put_cstring(out, sig) != 0) {
		status = 503;
		snprintf(why, sizeof(why), "the request of service %s could "
		    "not be signed", st->rt.svc->name);
	}
	secret_wipe(sig, sizeof(sig));
 done:
	/*
	 * One signature per route.  The keys go before the answer: once it
	 * is sent, st may be gone (a worker that has left is forgotten).
	 */
	secret_free(st->akid);
	secret_free(st->secret_key);
	st->akid = st->secret_key = NULL;
	free(amzdate);
	free(scope);
	free(hash);
	if (r != 0 || status != 0) {
		buf_free(out);
		return r != 0 ? r : refuse(w, MSG_HTTP_SIGV4, status, "%s",
		    why);
	}
	return answer_send(w, MSG_HTTP_SIGV4, out, -1);
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
	.flags = MC_SHARE | MC_SESSION | MC_CLIENT_TLS,
	.check = http_check_generic,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};

const struct mon_connector mon_basic_auth = {
	.name = "basic_auth",
	.flags = MC_SHARE | MC_SESSION | MC_CLIENT_TLS,
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
	.flags = MC_SHARE | MC_SESSION | MC_CLIENT_TLS,
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
	.flags = MC_SHARE | MC_SESSION | MC_CLIENT_TLS,
	.required = aws_required,
	.optional = aws_optional,
	.check = http_check_aws,
	.conf_free = http_conf_free,
	.forget = http_forget,
	.requests = http_requests,
	.nrequests = nitems(http_requests),
	.stop = http_roots_free,
};
