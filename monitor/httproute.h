/*
 * The monitor's half of the HTTP connectors, besides their configuration
 * (httpconf.h) and their requests (mon_http.c):
 *
 *   httproute.c	a ROUTE's URL, each field's syntax checked, matched
 *		against the services of the listener, and the upstream
 *		it goes to
 *   httpcreds.c	what a routed request gets from the credentials
 *		fetched for it (MSG_HTTP_HEADERS)
 *   httproots.c	the roots an upstream's certificate must chain to,
 *		as a sealed memfd for the workers (MSG_HTTP_ROOTS)
 */
#ifndef AIRLOCK_HTTPROUTE_H
#define AIRLOCK_HTTPROUTE_H

#include <stddef.h>

#include "httpmsg.h"

struct buf;
struct config;
struct creds;
struct http_conf;
struct secret;
struct service;

/* A request's URL, as MSG_HTTP_ROUTE gives it (httpmsg.h). */
struct http_url {
	char		 method[HTTP_METHOD_MAX + 1];
	int		 https;		/* the scheme is https */
	char		 host[HTTP_HOST_MAX + 1];	/* [IPv6] */
	int		 literal;	/* host is an address, not a name */
	char		 port[6];	/* "" when the URL has none */
	char		 target[HTTP_TARGET_MAX + 1];
};

/* scheme "://" host ":" port target, and its NUL. */
#define HTTP_URL_MAX	(8 + 3 + HTTP_HOST_MAX + 6 + HTTP_TARGET_MAX + 1)

/*
 * The syntax of each field: 1 when it is valid, else 0.  A method is a
 * token (util.h's http_token) of HTTP_METHOD_MAX bytes at most; a host a lower-case DNS name ([a-z0-9_-] labels), an
 * IPv4 address in dotted decimal (a name whose last label is digits must
 * be one: "127.1" is not a name) or an IPv6 address in brackets, and
 * *literal says which; a target "/" then printable ASCII without space.
 */
int		 http_method_valid(const char *, size_t);
int		 http_host_valid(const char *, size_t, int *literal);
int		 http_target_valid(const char *, size_t);
/*
 * Read a ROUTE's payload (whole) into u, checking every field: 0, or an
 * error and why (for the log: the worker checked them first, so a bad
 * one comes from a compromised worker).
 */
int		 http_url_get(struct buf *, struct http_url *, char *why,
		    size_t whylen);
/*
 * The URL as the client wrote it (what Secretless Broker matches: Go's
 * URL.String()), with or without the query: its length.
 */
size_t		 http_url_string(const struct http_url *, int query,
		    char out[HTTP_URL_MAX]);

/* Where a routed request goes, and what it gets. */
struct http_route {
	const struct service	*svc;	/* the service matched */
	const struct http_conf	*hc;	/* its conn_conf */
	int		 tls;		/* https, or forceSSL */
	char		 host[HTTP_HOST_MAX + 1];	/* as in the URL */
	char		 dial_host[HTTP_HOST_MAX + 1];	/* IPv6 */
	int		 literal;	/* dialed as it is */
	char		 port[6];	/* the URL's, or 443 or 80 */
	enum http_inject inject;
};

/*
 * The first service of grp (the listener's, in name order) whose
 * authenticateURLsMatching matches the URL, and the upstream: 0; or the
 * HTTP status to answer (403) and why, for the client.
 */
int		 http_route_choose(const struct service *const *grp,
		    size_t n, const struct http_url *, struct http_route *,
		    char *why, size_t whylen);

/*
 * httpcreds.c.  What a routed request gets (HEADERS' answer):
 * credentialValidations checked, the headers and query parameters
 * rendered, for HTTP_INJECT_OAUTH1 the Authorization header signed (with
 * the request's params, as the worker sent them), for HTTP_INJECT_SIGV4
 * the session token's header and the keys, trimmed, for the route's
 * SIGV4.  Every value is a secret (kv_clear and secret_free wipe them).
 * 0, or -1 and why, for the client: never a value.
 */
struct http_grant {
	struct kvlist	 headers;
	struct kvlist	 query;
	struct secret	*akid;
	struct secret	*secret_key;
};
int		 http_grant_make(const struct http_url *,
		    const struct http_route *, const char *params,
		    size_t paramslen, const struct creds *, struct http_grant *,
		    char *why, size_t whylen);
void		 http_grant_clear(struct http_grant *);

/*
 * httproots.c.  A descriptor of its own (read-only, own offset) of the
 * memfd of roots made for conf (made at the first call for conf, kept
 * until another conf's or http_roots_free): the system's store
 * (HTTP_ROOTS_SYSTEM), SECRETLESS_HTTP_CA_BUNDLE's file, the airlock:
 * section's httpCABundle.  -1 and why otherwise.
 */
#define HTTP_ROOTS_SYSTEM	"/etc/ssl/certs/ca-certificates.crt"
int		 http_roots_fd(struct config *, char *why, size_t whylen);
void		 http_roots_free(void);
/* The memfd of the files given (NULLs skipped), sealed: -1 and why. */
int		 http_roots_make(const char *const *paths, size_t n,
		    char *why, size_t whylen);

#endif
