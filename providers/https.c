/*
 * One HTTPS request with libevent's evhttp client over bufferevent_openssl.
 *
 * evhttp calls back from inside its own connection code, which goes on
 * using the connection after the callback returns; so the callbacks here
 * only record what happened, and a zero timer of our own frees the
 * connection and tells the caller.  Nothing is called back after
 * https_abort, which frees the connection (evhttp_connection_free drops
 * its requests without calling them back).  Retries are off, so a request
 * is sent at most once, and evhttp follows no redirect: a 3xx is handed
 * to the caller as a status like any other.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "castore.h"
#include "errors.h"
#include "log.h"
#include "pctenc.h"
#include "secret.h"
#include "https.h"
#include "util.h"

#define HTTPS_ERRLEN		256
#define HTTPS_MAX_HEADERS	(64 * 1024)

struct https_req {
	struct event_base	*base;
	struct evhttp_connection *conn;		/* NULL once freed */
	struct event		*ev_done;
	https_cb		*cb;
	void			*arg;
	int			 timeout_ms;
	size_t			 max_body;

	/* What happened, recorded by the callbacks of evhttp and OpenSSL. */
	int			 finished;
	int			 error;
	char			 err[HTTPS_ERRLEN];
	int			 status;
	struct secret		*body;
	int			 verify_err;	/* first X509_V_ERR_*, or 0 */
	int			 http_err;	/* enum evhttp_request_error */
	int			 have_http_err;
};

/*
 * The resolver for host names: the monitor's (https_set_dns), or one made
 * on first use for the one loop of a tool or test.
 */
static struct evdns_base	*shared_dns;
static struct evdns_base	*resolver;
static struct event_base	*resolver_base;

int
https_parse_addr(const char *url, struct https_server *srv, char *err,
    size_t errlen)
{
	return https_parse_url(url, srv, NULL, 0, err, errlen);
}

/* A base path: segments of RFC 3986's pchar, no "." or ".." segment. */
static int
base_path_ok(const char *p, size_t len)
{
	size_t	 i, seg = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if ((i - seg == 1 && p[seg] == '.') ||
			    (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.'))
				return 0;
			seg = i + 1;
			continue;
		}
		if (!pct_unreserved((unsigned char)p[i]) &&
		    strchr("%!$&'()*+,;=:@", p[i]) == NULL)
			return 0;
	}
	return 1;
}

int
https_parse_url(const char *url, struct https_server *srv, char *prefix,
    size_t prefixlen, char *err, size_t errlen)
{
	const char	*path;
	size_t		 plen;
	const char	*p, *host, *end, *port = NULL;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 hlen;
	unsigned int	 v;

	memset(srv, 0, sizeof(*srv));
	if (strncasecmp(url, "https://", 8) == 0) {
		srv->tls = 1;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else {
		snprintf(err, errlen, "%.200s: not an https:// or http:// "
		    "address", url);
		return ERR_FORMAT;
	}
	host = p;
	if (*p == '[') {
		host = ++p;
		if ((end = strchr(p, ']')) == NULL) {
			snprintf(err, errlen, "%.200s: no ']' after the IPv6 "
			    "address", url);
			return ERR_FORMAT;
		}
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/?#@");
		p = end;
	}
	hlen = end - host;
	if (*p == ':') {
		port = ++p;
		p += strcspn(p, "/?#@");
	}
	path = p;
	plen = strcspn(p, "?#");
	/* Without a trailing '/': every request's uri starts with one. */
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (plen > 0 && path[0] == '/' && prefix != NULL) {
		if (path[plen + strspn(path + plen, "/")] != '\0' ||
		    !base_path_ok(path + 1, plen - 1) || plen >= prefixlen) {
			snprintf(err, errlen, "%.200s: only scheme://host"
			    "[:port][/path] is understood (no query, "
			    "fragment, user information or dot segment)", url);
			return ERR_FORMAT;
		}
		p += plen;
	}
	if (*p == '/')
		p++;
	if (*p != '\0') {
		snprintf(err, errlen, "%.200s: only scheme://host[:port] is "
		    "understood (no path, query or user information)", url);
		return ERR_FORMAT;
	}
	if (prefix != NULL && prefixlen > 0) {
		if (path[0] == '/' && plen > 0) {
			memcpy(prefix, path, plen);
			prefix[plen] = '\0';
		} else
			prefix[0] = '\0';
	}
	if (hlen == 0 || hlen > HTTPS_HOSTLEN) {
		snprintf(err, errlen, "%.200s: no host, or a host name too "
		    "long", url);
		return ERR_FORMAT;
	}
	memcpy(srv->host, host, hlen);
	srv->host[hlen] = '\0';
	if (inet_pton(AF_INET6, srv->host, &a6) == 1 ||
	    inet_pton(AF_INET, srv->host, &a4) == 1)
		srv->host_is_ip = 1;
	else {
		for (p = srv->host; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '.')
				break;
		if (*p != '\0' || host[-1] == '[') {
			snprintf(err, errlen, "%.200s: invalid host", url);
			return ERR_FORMAT;
		}
	}
	srv->port = srv->tls ? 443 : 80;
	if (port != NULL) {
		if (port_parse(port, strcspn(port, "/"), &v) != 0) {
			snprintf(err, errlen, "%.200s: invalid port", url);
			return ERR_FORMAT;
		}
		srv->port = (int)v;
	}
	return 0;
}

int
https_is_loopback(const struct https_server *srv)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (inet_pton(AF_INET, srv->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, srv->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int
https_is_metadata(const struct https_server *srv)
{
	struct in6_addr	 a6, ec2;

	if (strcmp(srv->host, "169.254.169.254") == 0 ||
	    strcasecmp(srv->host, "metadata.google.internal") == 0)
		return 1;
	return inet_pton(AF_INET6, srv->host, &a6) == 1 &&
	    inet_pton(AF_INET6, "fd00:ec2::254", &ec2) == 1 &&
	    memcmp(&a6, &ec2, sizeof(a6)) == 0;
}

/* The last OpenSSL error as text (OpenSSL's own strings, never data). */
static void
ssl_errstr(char *buf, size_t len)
{
	unsigned long	 e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(last, buf, len);
}

int
https_ctx_new(struct https_server *srv, const char *cafile,
    const char *capath, int verify, char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	char	 why[160];
	int	 r;

	srv->verify = verify;
	srv->ctx = NULL;
	if (!srv->tls)
		return 0;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "cannot create a TLS context: %s", why);
		SSL_CTX_free(ctx);
		return ERR_SYS;
	}
	if (cafile != NULL || capath != NULL) {
		/* StrictModes, and read now: castore.c says why. */
		if ((r = castore_load(SSL_CTX_get_cert_store(ctx), cafile,
		    capath, err, errlen)) != 0) {
			SSL_CTX_free(ctx);
			return r;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "cannot load the system's CA "
		    "certificates: %s", why);
		SSL_CTX_free(ctx);
		return ERR_SYS;
	}
	srv->ctx = ctx;
	return 0;
}

void
https_server_clear(struct https_server *srv)
{
	SSL_CTX_free(srv->ctx);
	memset(srv, 0, sizeof(*srv));
}

/* Remember why verification failed; the handshake fails as it should. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	struct https_req	*hr;
	SSL			*ssl;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (!ok && ssl != NULL && (hr = SSL_get_app_data(ssl)) != NULL &&
	    hr->verify_err == 0)
		hr->verify_err = X509_STORE_CTX_get_error(xs);
	return ok;
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct https_req	*hr = arg;

	(void)fd;
	(void)what;
	/* evhttp is done with the connection: nothing of it runs now. */
	evhttp_connection_free(hr->conn);
	hr->conn = NULL;
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
fail_msg(struct https_req *hr, unsigned long tls_err)
{
	char	 why[160];

	if (hr->verify_err != 0) {
		hr->error = ERR_AUTH;
		snprintf(hr->err, sizeof(hr->err), "TLS: the server's "
		    "certificate is refused: %s",
		    X509_verify_cert_error_string(hr->verify_err));
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
		if (tls_err != 0) {
			ERR_error_string_n(tls_err, why, sizeof(why));
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
		/* The connection failed, or was refused (no error code). */
		if (req != NULL)
			evbuffer_wipe(evhttp_request_get_input_buffer(req));
		bev = evhttp_connection_get_bufferevent(hr->conn);
		fail_msg(hr, bev != NULL ? bufferevent_get_openssl_error(bev) :
		    0);
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

/* A new TLS session for one request, with the peer's name to check. */
static SSL *
ssl_new(const struct https_server *srv, struct https_req *hr)
{
	SSL	*ssl;
	int	 ok;

	if ((ssl = SSL_new(srv->ctx)) == NULL)
		return NULL;
	SSL_set_app_data(ssl, hr);
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
	struct bufferevent	*bev;
	struct evhttp_request	*req;
	struct evkeyvalq	*out;
	struct evdns_base	*dns = NULL;
	struct timeval		 tv;
	char			 hosthdr[HTTPS_HOSTLEN + 16];
	SSL			*ssl;
	size_t			 i;

	if (base == NULL || srv == NULL || uri == NULL || uri[0] != '/' ||
	    cb == NULL || timeout_ms <= 0 || (srv->tls && srv->ctx == NULL) ||
	    (unsigned)method >= nitems(cmd) || (body == NULL && bodylen > 0))
		return NULL;
	if (!srv->host_is_ip && (dns = get_resolver(base)) == NULL)
		return NULL;
	if ((hr = calloc(1, sizeof(*hr))) == NULL)
		return NULL;
	hr->base = base;
	hr->cb = cb;
	hr->arg = arg;
	hr->timeout_ms = timeout_ms;
	hr->max_body = max_body;
	if ((hr->ev_done = evtimer_new(base, done_cb, hr)) == NULL)
		goto fail;

	if (srv->tls) {
		if ((ssl = ssl_new(srv, hr)) == NULL)
			goto fail;
		/* On success the bufferevent owns ssl (CLOSE_ON_FREE). */
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL) {
			SSL_free(ssl);
			goto fail;
		}
		/* The response's length says where it ends, not the TLS close. */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL)
		goto fail;
	/* From here the connection owns bev. */
	if ((hr->conn = evhttp_connection_base_bufferevent_new(base, dns, bev,
	    srv->host, (unsigned short)srv->port)) == NULL) {
		bufferevent_free(bev);
		goto fail;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(hr->conn, &tv);
	evhttp_connection_set_retries(hr->conn, 0);
	evhttp_connection_set_max_body_size(hr->conn, (ev_ssize_t)max_body);
	evhttp_connection_set_max_headers_size(hr->conn, HTTPS_MAX_HEADERS);

	if ((req = evhttp_request_new(http_done_cb, hr)) == NULL)
		goto fail;
	evhttp_request_set_error_cb(req, http_error_cb);
	out = evhttp_request_get_output_headers(req);
	if (https_host_header(srv, hosthdr, sizeof(hosthdr)) != 0 ||
	    evhttp_add_header(out, "Host", hosthdr) != 0 ||
	    evhttp_add_header(out, "Connection", "close") != 0 ||
	    evhttp_add_header(out, "Accept", "application/json") != 0 ||
	    evhttp_add_header(out, "User-Agent", "airlock") != 0) {
		evhttp_request_free(req);
		goto fail;
	}
	for (i = 0; i < nhdrs; i++)
		if (evhttp_add_header(out, hdrs[i].name, hdrs[i].value) != 0) {
			evhttp_request_free(req);
			goto fail;
		}
	/*
	 * evhttp adds Content-Length for a body; a PUT or POST without one
	 * still says 0 (IMDSv2's token PUT has none).  The output buffer is
	 * wiped when freed (https_wipe_hooks).
	 */
	if ((bodylen > 0 && evbuffer_add(evhttp_request_get_output_buffer(req),
	    body, bodylen) != 0) || (bodylen == 0 && method != HTTPS_GET &&
	    evhttp_add_header(out, "Content-Length", "0") != 0)) {
		evhttp_request_free(req);
		goto fail;
	}
	/*
	 * On failure evhttp has freed the request (or, when it could not
	 * even set up the socket, dropped it from the connection: too rare
	 * to leak much, and freeing it here could free it twice).  A
	 * failure to connect is reported later through the callbacks.
	 */
	if (evhttp_make_request(hr->conn, req, cmd[method], uri) != 0)
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
	if (hr->conn != NULL)
		evhttp_connection_free(hr->conn);
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
	if (resolver != NULL)
		evdns_base_free(resolver, 0);
	resolver = NULL;
	resolver_base = NULL;
}

int
https_host_header(const struct https_server *srv, char *buf, size_t len)
{
	int	 n;

	if (strchr(srv->host, ':') != NULL)
		n = snprintf(buf, len, "[%s]:%d", srv->host, srv->port);
	else
		n = snprintf(buf, len, "%s:%d", srv->host, srv->port);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
