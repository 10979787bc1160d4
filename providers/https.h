/*
 * One HTTPS request (GET, POST, PUT) from the monitor's event loop:
 * libevent's evhttp client over bufferevent_openssl, with the certificate
 * and the host name verified, a deadline, a cap on the body, and no
 * redirect followed, over one kept-alive connection per server
 * (httpsreq.c).  Plain http is for a loopback address only, or a
 * cloud's link-local metadata service (the caller checks).  The response
 * body may hold secrets: it reaches the caller in guarded memory, and what
 * libevent held of it is wiped.  Private to providers/ (and the tests).
 */
#ifndef AIRLOCK_HTTPS_H
#define AIRLOCK_HTTPS_H

#include <stddef.h>

struct event_base;
struct evdns_base;
struct secret;
struct ssl_ctx_st;

#define HTTPS_HOSTLEN		255

/* Where to send requests: from https_parse_addr and https_ctx_new. */
struct https_server {
	int		 tls;			/* https (1) or http (0) */
	char		 host[HTTPS_HOSTLEN + 1];	/* no brackets */
	int		 host_is_ip;		/* an IPv4 or IPv6 literal */
	int		 port;
	int		 verify;		/* certificate and name */
	struct ssl_ctx_st *ctx;			/* NULL for http */
};

/* The method of a request. */
enum https_method {
	HTTPS_GET,
	HTTPS_POST,
	HTTPS_PUT
};

struct https_header {
	const char	*name;
	const char	*value;		/* may be a secret (a token) */
};

/*
 * The answer, once, from the event loop: error 0 and the HTTP status (any,
 * redirects included) with the body, or an error and a message that names
 * no byte of the response.  The body is freed when the callback returns.
 */
typedef void	 https_cb(void *arg, int error, const char *err, int status,
		    const struct secret *body);

struct https_req;

/*
 * "https://host[:port][/]" or "http://..."; the port defaults to 443 or 80.
 * Anything more (a path, a query, user information) is refused.
 */
int		 https_parse_addr(const char *url, struct https_server *,
		    char *err, size_t errlen);
/*
 * The same, for a base URL that may carry a path ("https://conjur/api",
 * Conjur Cloud's form): the path, without its trailing '/' and
 * percent-encoded as given, is copied to prefix ("" when none), to be put
 * before every request's uri.  No query, fragment or user information.
 */
int		 https_parse_url(const char *url, struct https_server *,
		    char *prefix, size_t prefixlen, char *err, size_t errlen);
/* Is the server's host a loopback address literal (127/8, ::1)? */
int		 https_is_loopback(const struct https_server *);
/*
 * Is it a cloud's metadata service, which only speaks plain http on a
 * link-local address: 169.254.169.254 (AWS, Azure, GCP), fd00:ec2::254
 * (AWS over IPv6), or the name metadata.google.internal?
 */
int		 https_is_metadata(const struct https_server *);
/*
 * The TLS client context: CA file and/or directory (read now, through
 * StrictModes: castore.h), else the system's store; verify 0 checks
 * nothing (VAULT_SKIP_VERIFY).
 */
int		 https_ctx_new(struct https_server *, const char *cafile,
		    const char *capath, int verify, char *err, size_t errlen);
/*
 * A client certificate for the server's context (Vault's
 * VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, Conjur's authn-k8s): PEM files
 * read now through StrictModes, the key checked against the certificate;
 * the key is in OpenSSL's memory from then on (the wiping allocators are
 * installed at start).  Replaces one set before.  0 or an error.
 */
int		 https_ctx_client_cert(struct https_server *,
		    const char *certfile, const char *keyfile, char *err,
		    size_t errlen);
void		 https_server_clear(struct https_server *);
/*
 * The Host header that requests to srv carry ("host:port", "[v6]:port"),
 * for a signature that covers it (SigV4).  0, or -1 when it does not fit.
 */
int		 https_host_header(const struct https_server *, char *,
		    size_t);

/*
 * Start a request of uri (already escaped, starting with '/'), with the
 * given headers and a body of bodylen bytes (may be a secret: Vault's
 * login, Conjur's API key; NULL and 0 for none; with a body, give
 * Content-Type among the headers).  NULL when it cannot even start; the
 * callback is then not called.
 */
struct https_req *https_request(struct event_base *,
		    const struct https_server *, enum https_method,
		    const char *uri, const struct https_header *, size_t,
		    const void *body, size_t bodylen, int timeout_ms,
		    size_t max_body, https_cb *, void *arg);
/* A GET: https_request without a body. */
struct https_req *https_get(struct event_base *, const struct https_server *,
		    const char *uri, const struct https_header *, size_t,
		    int timeout_ms, size_t max_body, https_cb *, void *arg);
/*
 * Stop a request: no callback; its connection is closed and freed (a
 * request in flight leaves nothing to keep).
 */
void		 https_abort(struct https_req *);

/*
 * Make libevent wipe every block that it frees (request headers carry the
 * token, response bodies the secrets).  Before libevent's first allocation.
 */
void		 https_wipe_hooks(void);
/*
 * The resolver that requests to host names use: the monitor's own (one
 * evdns base per loop, DESIGN.md).  Without one set, a request to a name
 * makes its own on first use (the tools and tests).
 */
void		 https_set_dns(struct evdns_base *);
/*
 * Free the idle kept-alive connections, then a resolver that a request
 * made (before the loop is freed).
 */
void		 https_cleanup(void);

#endif
