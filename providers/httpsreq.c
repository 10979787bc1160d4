/*
 * The providers' HTTPS requests (https.h), with libevent's evhttp client
 * over bufferevent_openssl, and one kept-alive connection per server.
 *
 * evhttp calls back from inside its own connection code, which goes on
 * using the connection after the callback returns; so the callbacks here
 * only record what happened, and a zero timer of our own decides what
 * becomes of the connection and tells the caller.  Nothing is called
 * back after https_abort.
 *
 * Who frees what (libevent 2.1's http.c): every request is ours
 * (evhttp_request_own), so evhttp never frees one, on any path: neither
 * when evhttp_make_request fails (it frees a request of its own there in
 * one case and not in the other, and the caller cannot tell which), nor
 * after the answer.  A request is freed here once it is off its
 * connection: after its answer or failure, or after the connection that
 * held it was freed.
 *
 * A connection whose answer came whole, and that neither side asked to
 * close, is kept idle (at most one per server, at most HTTPS_IDLE_S
 * seconds) for the next request to that server.  A server may close a
 * kept connection just as a request is sent on it (RFC 9112, 9.3.1: a
 * client "MAY" retry then); the request is sent again once, on a new
 * connection, only if not one byte of an answer came back.  evhttp's own
 * retries are off, and evhttp follows no redirect: a 3xx is handed to the
 * caller as a status like any other.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "errors.h"
#include "log.h"
#include "secret.h"
#include "https.h"
#include "util.h"

#define HTTPS_ERRLEN		256
#define HTTPS_MAX_HEADERS	(64 * 1024)
#define HTTPS_IDLE_S		30	/* a kept connection's idle life */
#define HTTPS_IDLE_MAX		16	/* kept connections, all servers */

/* A connection to one server, busy with one request or kept idle. */
struct https_conn {
	LIST_ENTRY(https_conn)	 entry;		/* while idle */
	struct evhttp_connection *evcon;
	struct event_base	*base;
	SSL_CTX			*ctx;		/* a reference; NULL: http */
	int			 port;
	char			 host[HTTPS_HOSTLEN + 1];
	struct event		*ev_idle;
	int			 idle;		/* kept, in the list */
	int			 kept;		/* served an answer before */
	int			 closed;	/* the socket is gone */
	size_t			 bytes_in;	/* of the current answer */
	int			 verify_err;	/* first X509_V_ERR_*, or 0 */
};
LIST_HEAD(https_conns, https_conn);

struct https_req {
	struct event_base	*base;
	struct https_server	 srv;		/* a copy; ctx referenced */
	struct evdns_base	*dns;
	struct https_conn	*conn;		/* NULL between tries */
	struct evhttp_request	*req;		/* ours; NULL between tries */
	struct event		*ev_done;
	https_cb		*cb;
	void			*arg;
	int			 timeout_ms;
	size_t			 max_body;

	/* The request, kept to be sent again once. */
	enum evhttp_cmd_type	 cmd;
	char			*uri;
	struct secret		*hdrs;		/* "name\0value\0" pairs */
	size_t			 nhdrs;
	struct secret		*reqbody;	/* NULL for none */
	int			 retried;

	/* What happened, recorded by the callbacks of evhttp and OpenSSL. */
	int			 finished;
	int			 error;
	char			 err[HTTPS_ERRLEN];
	int			 status;
	struct secret		*body;
	int			 http_err;	/* enum evhttp_request_error */
	int			 have_http_err;
	unsigned long		 tls_err;
};

/*
 * The resolver for host names: the monitor's (https_set_dns), or one made
 * on first use for the one loop of a tool or test.
 */
static struct evdns_base	*shared_dns;
static struct evdns_base	*resolver;
static struct event_base	*resolver_base;
static struct https_conns	 idle_conns = LIST_HEAD_INITIALIZER(idle_conns);
static size_t			 nidle;

static int	 send_request(struct https_req *, int);

/* Remember why verification failed; the handshake fails as it should. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	struct https_conn	*c;
	SSL			*ssl;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (!ok && ssl != NULL && (c = SSL_get_app_data(ssl)) != NULL &&
	    c->verify_err == 0)
		c->verify_err = X509_STORE_CTX_get_error(xs);
	return ok;
}

/* A new TLS session for one connection, with the peer's name to check. */
static SSL *
ssl_new(const struct https_server *srv, struct https_conn *c)
{
	SSL	*ssl;
	int	 ok;

	if ((ssl = SSL_new(srv->ctx)) == NULL)
		return NULL;
	SSL_set_app_data(ssl, c);
	/*
	 * A kept connection must not keep the last answer's plaintext in
	 * OpenSSL's record buffers: they are freed (and wiped, by the
	 * allocators of secret_openssl_hooks) when empty.
	 */
	SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	SSL_set_verify(ssl, srv->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    verify_cb);
	if (srv->host_is_ip)
		ok = !srv->verify || X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(ssl), srv->host) == 1;
	else
		ok = SSL_set_tlsext_host_name(ssl, srv->host) == 1 &&
		    (!srv->verify || SSL_set1_host(ssl, srv->host) == 1);
	if (!ok) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static void
conn_free(struct https_conn *c)
{
	if (c == NULL)
		return;
	if (c->idle) {
		LIST_REMOVE(c, entry);
		nidle--;
		c->idle = 0;
	}
	/*
	 * Drops a request still queued on it (ours, so not freed), and
	 * calls close_cb.
	 */
	if (c->evcon != NULL)
		evhttp_connection_free(c->evcon);
	if (c->ev_idle != NULL)
		event_free(c->ev_idle);
	SSL_CTX_free(c->ctx);
	free(c);
}

/* evhttp closed the socket: a kept connection goes, from the loop. */
static void
close_cb(struct evhttp_connection *evcon, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct https_conn	*c = arg;

	(void)evcon;
	c->closed = 1;
	if (c->idle && evtimer_add(c->ev_idle, &now) != 0)
		fatal("https: cannot schedule a connection's end");
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

/* Count what arrives of an answer: a retry is only for none at all. */
static void
input_cb(struct evbuffer *eb, const struct evbuffer_cb_info *info, void *arg)
{
	struct https_conn	*c = arg;

	(void)eb;
	c->bytes_in += info->n_added;
}

static struct https_conn *
conn_new(struct event_base *base, const struct https_server *srv,
    struct evdns_base *dns)
{
	struct https_conn	*c;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->port = srv->port;
	snprintf(c->host, sizeof(c->host), "%s", srv->host);
	if ((c->ev_idle = evtimer_new(base, idle_cb, c)) == NULL)
		goto fail;
	if (srv->tls) {
		if (SSL_CTX_up_ref(srv->ctx) != 1)
			goto fail;
		c->ctx = srv->ctx;
		if ((ssl = ssl_new(srv, c)) == NULL)
			goto fail;
		/* On success the bufferevent owns ssl (CLOSE_ON_FREE). */
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL) {
			SSL_free(ssl);
			goto fail;
		}
		/* The response's length says where it ends, not TLS's close. */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL)
		goto fail;
	if (evbuffer_add_cb(bufferevent_get_input(bev), input_cb, c) == NULL) {
		bufferevent_free(bev);
		goto fail;
	}
	/* From here the connection owns bev. */
	if ((c->evcon = evhttp_connection_base_bufferevent_new(base, dns, bev,
	    srv->host, (unsigned short)srv->port)) == NULL) {
		bufferevent_free(bev);
		goto fail;
	}
	evhttp_connection_set_closecb(c->evcon, close_cb, c);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_max_headers_size(c->evcon, HTTPS_MAX_HEADERS);
	return c;
 fail:
	conn_free(c);
	return NULL;
}

/* The kept connection to this server, taken out of the idle list. */
static struct https_conn *
conn_take(struct event_base *base, const struct https_server *srv)
{
	struct https_conn	*c;

	LIST_FOREACH(c, &idle_conns, entry)
		if (!c->closed && c->base == base && c->port == srv->port &&
		    c->ctx == (srv->tls ? srv->ctx : NULL) &&
		    strcasecmp(c->host, srv->host) == 0)
			break;
	if (c == NULL)
		return NULL;
	LIST_REMOVE(c, entry);
	nidle--;
	c->idle = 0;
	evtimer_del(c->ev_idle);
	return c;
}

/* Keep a connection whose answer came whole, or let it go. */
static void
conn_keep(struct https_conn *c)
{
	struct https_conn	*o;
	struct timeval		 tv = { HTTPS_IDLE_S, 0 };
	struct bufferevent	*bev;

	if (c->closed || nidle >= HTTPS_IDLE_MAX) {
		conn_free(c);
		return;
	}
	LIST_FOREACH(o, &idle_conns, entry)
		if (o->base == c->base && o->port == c->port &&
		    o->ctx == c->ctx && strcasecmp(o->host, c->host) == 0) {
			/* One per server: the older one has less life left. */
			conn_free(o);
			break;
		}
	/*
	 * evhttp watches an idle connection for the server's close, with
	 * the request's read timeout: none while idle, the idle timer
	 * instead; the next request sets its own.
	 */
	if ((bev = evhttp_connection_get_bufferevent(c->evcon)) != NULL)
		bufferevent_set_timeouts(bev, NULL, NULL);
	if (evtimer_add(c->ev_idle, &tv) != 0) {
		conn_free(c);
		return;
	}
	c->kept = 1;
	c->idle = 1;
	LIST_INSERT_HEAD(&idle_conns, c, entry);
	nidle++;
}

/* Put the outcome into words that name no byte of the response. */
static void
fail_msg(struct https_req *hr, int verify_err)
{
	char	 why[160];

	if (verify_err != 0) {
		hr->error = ERR_AUTH;
		snprintf(hr->err, sizeof(hr->err), "TLS: the server's "
		    "certificate is refused: %s",
		    X509_verify_cert_error_string(verify_err));
		return;
	}
	hr->error = ERR_PROTO;
	if (!hr->have_http_err) {
		hr->error = ERR_SYS;
		snprintf(hr->err, sizeof(hr->err), "cannot connect");
		return;
	}
	switch (hr->http_err) {
	case EVREQ_HTTP_TIMEOUT:
		hr->error = ERR_TIMEOUT;
		snprintf(hr->err, sizeof(hr->err), "no answer within %d ms",
		    hr->timeout_ms);
		break;
	case EVREQ_HTTP_EOF:
		/* No library's error: a system call's, or a closed socket. */
		if (hr->tls_err != 0 && ERR_GET_LIB(hr->tls_err) != 0) {
			ERR_error_string_n(hr->tls_err, why, sizeof(why));
			snprintf(hr->err, sizeof(hr->err), "TLS: %s", why);
		} else
			snprintf(hr->err, sizeof(hr->err), "the server "
			    "closed the connection");
		break;
	case EVREQ_HTTP_INVALID_HEADER:
		snprintf(hr->err, sizeof(hr->err), "invalid or too large "
		    "response header");
		break;
	case EVREQ_HTTP_DATA_TOO_LONG:
		hr->error = ERR_TOOBIG;
		snprintf(hr->err, sizeof(hr->err), "response body larger "
		    "than %zu bytes", hr->max_body);
		break;
	default:
		snprintf(hr->err, sizeof(hr->err), "request failed");
		break;
	}
}

/*
 * Send again?  Only a request on a kept connection that the server closed
 * (EOF, or a reset) before one byte of an answer, and only once.
 */
static int
may_retry(const struct https_req *hr, const struct https_conn *c)
{
	return hr->error != 0 && !hr->retried && c->kept &&
	    c->bytes_in == 0 && c->verify_err == 0 && hr->have_http_err &&
	    hr->http_err == EVREQ_HTTP_EOF;
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct https_req	*hr = arg;
	struct https_conn	*c = hr->conn;

	(void)fd;
	(void)what;
	/* evhttp is done with the request: nothing of it runs now. */
	hr->conn = NULL;
	evhttp_request_free(hr->req);
	hr->req = NULL;
	if (may_retry(hr, c)) {
		log_debug("https: %s:%d closed a kept connection; sending "
		    "again on a new one", c->host, c->port);
		conn_free(c);
		hr->retried = 1;
		hr->finished = hr->error = hr->have_http_err = 0;
		hr->err[0] = '\0';
		hr->tls_err = 0;
		if (send_request(hr, 1) == 0)
			return;
		hr->error = ERR_SYS;
		snprintf(hr->err, sizeof(hr->err), "cannot connect");
	} else if (hr->error == 0)
		conn_keep(c);
	else
		conn_free(c);
	if (hr->error != 0)
		hr->cb(hr->arg, hr->error, hr->err, 0, NULL);
	else
		hr->cb(hr->arg, 0, NULL, hr->status, hr->body);
	https_abort(hr);
}

static void
finish(struct https_req *hr)
{
	static const struct timeval now = { 0, 0 };

	hr->finished = 1;
	if (evtimer_add(hr->ev_done, &now) != 0)
		fatal("https: cannot schedule an answer");
}

static void
http_error_cb(enum evhttp_request_error e, void *arg)
{
	struct https_req	*hr = arg;

	hr->http_err = e;
	hr->have_http_err = 1;
}

/* Zero what evhttp holds of the body, then let it go. */
static void
evbuffer_wipe(struct evbuffer *eb)
{
	struct evbuffer_iovec	 v[16];
	size_t			 len;
	int			 i, n;

	while ((len = evbuffer_get_length(eb)) > 0) {
		n = evbuffer_peek(eb, -1, NULL, v, 16);
		if (n > 16)
			n = 16;
		len = 0;
		for (i = 0; i < n; i++) {
			secret_wipe(v[i].iov_base, v[i].iov_len);
			len += v[i].iov_len;
		}
		if (n <= 0 || evbuffer_drain(eb, len) != 0)
			break;
	}
}

/*
 * The answer, or its failure (req NULL after evhttp's error callback, or
 * a request with no status when the connection could not be made).
 */
static void
http_done_cb(struct evhttp_request *req, void *arg)
{
	struct https_req	*hr = arg;
	struct bufferevent	*bev;
	struct evbuffer		*eb;
	size_t			 len;

	if (hr->finished)
		return;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		evbuffer_wipe(evhttp_request_get_input_buffer(hr->req));
		bev = evhttp_connection_get_bufferevent(hr->conn->evcon);
		if (bev != NULL && hr->srv.tls)
			hr->tls_err = bufferevent_get_openssl_error(bev);
		fail_msg(hr, hr->conn->verify_err);
		finish(hr);
		return;
	}
	hr->status = evhttp_request_get_response_code(req);
	eb = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(eb);
	if (len > hr->max_body) {
		hr->error = ERR_TOOBIG;
		snprintf(hr->err, sizeof(hr->err), "response body larger "
		    "than %zu bytes", hr->max_body);
	} else if ((hr->body = secret_alloc(len)) == NULL) {
		hr->error = ERR_NOMEM;
		snprintf(hr->err, sizeof(hr->err), "out of memory");
	} else if (len > 0 &&
	    evbuffer_copyout(eb, hr->body->data, len) != (ev_ssize_t)len) {
		hr->error = ERR_SYS;
		snprintf(hr->err, sizeof(hr->err), "cannot read the body");
	}
	evbuffer_wipe(eb);
	finish(hr);
}

void
https_set_dns(struct evdns_base *dns)
{
	shared_dns = dns;
}

static struct evdns_base *
get_resolver(struct event_base *base)
{
	if (shared_dns != NULL)
		return shared_dns;
	if (resolver != NULL)
		return resolver_base == base ? resolver : NULL;
	if ((resolver = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (resolver = evdns_base_new(base, 0)) == NULL)
		return NULL;
	resolver_base = base;
	return resolver;
}

/* The headers of a request, kept in guarded memory: they hold tokens. */
static struct secret *
headers_save(const struct https_header *hdrs, size_t n)
{
	struct secret	*s;
	size_t		 i, len = 0, o = 0, l;

	for (i = 0; i < n; i++)
		len += strlen(hdrs[i].name) + strlen(hdrs[i].value) + 2;
	if ((s = secret_alloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		l = strlen(hdrs[i].name) + 1;
		memcpy(s->data + o, hdrs[i].name, l);
		o += l;
		l = strlen(hdrs[i].value) + 1;
		memcpy(s->data + o, hdrs[i].value, l);
		o += l;
	}
	return s;
}

/* Build the request as evhttp wants it; 0 or -1. */
static int
request_fill(struct https_req *hr, struct evhttp_request *req)
{
	struct evkeyvalq	*out;
	const char		*name, *value;
	char			 hosthdr[HTTPS_HOSTLEN + 16];
	size_t			 i, o = 0;

	out = evhttp_request_get_output_headers(req);
	/* The Host that a signature covers (SigV4): https_host_header's. */
	if (https_host_header(&hr->srv, hosthdr, sizeof(hosthdr)) != 0 ||
	    evhttp_add_header(out, "Host", hosthdr) != 0 ||
	    evhttp_add_header(out, "Accept", "application/json") != 0 ||
	    evhttp_add_header(out, "User-Agent", "airlock") != 0)
		return -1;
	for (i = 0; i < hr->nhdrs; i++) {
		name = (const char *)hr->hdrs->data + o;
		o += strlen(name) + 1;
		value = (const char *)hr->hdrs->data + o;
		o += strlen(value) + 1;
		if (evhttp_add_header(out, name, value) != 0)
			return -1;
	}
	/*
	 * evhttp adds Content-Length for a body; a PUT or POST without one
	 * still says 0 (IMDSv2's token PUT has none).  The output buffer is
	 * wiped when freed (https_wipe_hooks).
	 */
	if (hr->reqbody != NULL)
		return evbuffer_add(evhttp_request_get_output_buffer(req),
		    hr->reqbody->data, hr->reqbody->len);
	if (hr->cmd != EVHTTP_REQ_GET)
		return evhttp_add_header(out, "Content-Length", "0");
	return 0;
}

/*
 * Send the request on the kept connection (unless fresh), or on a new
 * one; 0 or -1.
 */
static int
send_request(struct https_req *hr, int fresh)
{
	struct timeval		 tv;
	struct https_conn	*c = NULL;
	struct evhttp_request	*req;

	if ((fresh || (c = conn_take(hr->base, &hr->srv)) == NULL) &&
	    (c = conn_new(hr->base, &hr->srv, hr->dns)) == NULL)
		return -1;
	if ((req = evhttp_request_new(http_done_cb, hr)) == NULL) {
		conn_free(c);
		return -1;
	}
	evhttp_request_own(req);
	evhttp_request_set_error_cb(req, http_error_cb);
	c->bytes_in = 0;
	tv.tv_sec = hr->timeout_ms / 1000;
	tv.tv_usec = (hr->timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(c->evcon, &tv);
	evhttp_connection_set_max_body_size(c->evcon,
	    (ev_ssize_t)hr->max_body);
	if (request_fill(hr, req) != 0) {
		evhttp_request_free(req);
		conn_free(c);
		return -1;
	}
	/*
	 * evhttp may answer a failed connect from inside this call: the
	 * callbacks find the request and its connection set.
	 */
	hr->conn = c;
	hr->req = req;
	if (evhttp_make_request(c->evcon, req, hr->cmd, hr->uri) != 0) {
		/* Ours and off the queue whichever way it failed. */
		hr->conn = NULL;
		hr->req = NULL;
		conn_free(c);
		evhttp_request_free(req);
		return -1;
	}
	return 0;
}

struct https_req *
https_get(struct event_base *base, const struct https_server *srv,
    const char *uri, const struct https_header *hdrs, size_t nhdrs,
    int timeout_ms, size_t max_body, https_cb *cb, void *arg)
{
	return https_request(base, srv, HTTPS_GET, uri, hdrs, nhdrs, NULL, 0,
	    timeout_ms, max_body, cb, arg);
}

struct https_req *
https_request(struct event_base *base, const struct https_server *srv,
    enum https_method method, const char *uri,
    const struct https_header *hdrs, size_t nhdrs, const void *body,
    size_t bodylen, int timeout_ms, size_t max_body, https_cb *cb, void *arg)
{
	static const enum evhttp_cmd_type cmd[] = {
		[HTTPS_GET] = EVHTTP_REQ_GET,
		[HTTPS_POST] = EVHTTP_REQ_POST,
		[HTTPS_PUT] = EVHTTP_REQ_PUT,
	};
	struct https_req	*hr;
	struct evdns_base	*dns = NULL;

	if (base == NULL || srv == NULL || uri == NULL || uri[0] != '/' ||
	    cb == NULL || timeout_ms <= 0 || (srv->tls && srv->ctx == NULL) ||
	    (unsigned)method >= nitems(cmd) || (body == NULL && bodylen > 0) ||
	    (hdrs == NULL && nhdrs > 0))
		return NULL;
	if (!srv->host_is_ip && (dns = get_resolver(base)) == NULL)
		return NULL;
	if ((hr = calloc(1, sizeof(*hr))) == NULL)
		return NULL;
	hr->base = base;
	hr->srv = *srv;
	if (srv->tls && SSL_CTX_up_ref(srv->ctx) != 1) {
		hr->srv.ctx = NULL;
		goto fail;
	}
	hr->dns = dns;
	hr->cb = cb;
	hr->arg = arg;
	hr->timeout_ms = timeout_ms;
	hr->max_body = max_body;
	hr->cmd = cmd[method];
	hr->nhdrs = nhdrs;
	if ((hr->ev_done = evtimer_new(base, done_cb, hr)) == NULL ||
	    (hr->uri = strdup(uri)) == NULL ||
	    (hr->hdrs = headers_save(hdrs, nhdrs)) == NULL ||
	    (bodylen > 0 && (hr->reqbody = secret_new(body, bodylen)) == NULL))
		goto fail;
	if (send_request(hr, 0) != 0)
		goto fail;
	return hr;
 fail:
	https_abort(hr);
	return NULL;
}

void
https_abort(struct https_req *hr)
{
	if (hr == NULL)
		return;
	if (hr->ev_done != NULL)
		event_free(hr->ev_done);
	/* The connection first: it holds the request in its queue. */
	conn_free(hr->conn);
	if (hr->req != NULL)
		evhttp_request_free(hr->req);
	SSL_CTX_free(hr->srv.ctx);
	free(hr->uri);
	secret_free(hr->hdrs);
	secret_free(hr->reqbody);
	secret_free(hr->body);
	secret_wipe(hr, sizeof(*hr));
	free(hr);
}

void
https_wipe_hooks(void)
{
	event_set_mem_functions(malloc, secret_wipe_realloc, secret_wipe_free);
}

void
https_cleanup(void)
{
	struct https_conn	*c;

	/* The kept connections first: they may use the resolver. */
	while ((c = LIST_FIRST(&idle_conns)) != NULL)
		conn_free(c);
	if (resolver != NULL)
		evdns_base_free(resolver, 0);
	resolver = NULL;
	resolver_base = NULL;
}
