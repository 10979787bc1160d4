/*
 * One HTTPS GET from the monitor's event loop: libevent's evhttp client
 * over bufferevent_openssl, with the certificate and the host name
 * verified, a deadline, a cap on the body, and no redirect followed.  Plain
 * http is for a loopback address only (the caller checks).  The response
 * body may hold secrets: it reaches the caller in guarded memory, and what
 * libevent held of it is wiped.  Private to providers/ (and the tests).
 */
#ifndef AIRLOCK_HTTPS_H
#define AIRLOCK_HTTPS_H

#include <stddef.h>

struct event_base;
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
/* Is the server's host a loopback address literal (127/8, ::1)? */
int		 https_is_loopback(const struct https_server *);
/*
 * The TLS client context: CA file and/or directory (read now, through
 * StrictModes: castore.h), else the system's store; verify 0 checks
 * nothing (VAULT_SKIP_VERIFY).
 */
int		 https_ctx_new(struct https_server *, const char *cafile,
		    const char *capath, int verify, char *err, size_t errlen);
void		 https_server_clear(struct https_server *);

/*
 * Start a GET of uri (already escaped, starting with '/').  NULL when it
 * cannot even start; the callback is then not called.
 */
struct https_req *https_get(struct event_base *, const struct https_server *,
		    const char *uri, const struct https_header *, size_t,
		    int timeout_ms, size_t max_body, https_cb *, void *arg);
/* Stop a request: no callback, the connection closed and freed. */
void		 https_abort(struct https_req *);

/*
 * Make libevent wipe every block that it frees (request headers carry the
 * token, response bodies the secrets).  Before libevent's first allocation.
 */
void		 https_wipe_hooks(void);
/* Free the resolver, if a request made one. */
void		 https_cleanup(void);

#endif
