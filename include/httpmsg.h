/*
 * The HTTP connectors' requests on the privsep channel (msg.h has the
 * framing and the common types): basic_auth, conjur, aws and generic_http
 * share them.  The worker is a forward proxy (clients set http_proxy); it
 * parses each request and, per request, asks the monitor where it may go
 * and what to add.  The monitor's half is monitor/mon_http.c, the worker's
 * wrappers are worker/httpchan.c.
 *
 * A worker serves one client connection, which may carry many requests
 * (keep-alive) and reach several services: services that share a listenOn
 * share the listener, and each request goes to the first of them, in
 * service-name order, whose authenticateURLsMatching matches its URL (as
 * Secretless Broker does).  So every request starts with a ROUTE, and the
 * other requests are about the request last routed.  Every answer starts
 * with u16 status: 0 for yes, or the HTTP status the worker answers the
 * client with (403, 502, 503), and a reason fit for the client (never a
 * secret), "" when status is 0.
 *
 *   MSG_HTTP_ROUTE	W->M  string method (an RFC 9110 token), string
 *			scheme ("http" or "https"), string host (as in the
 *			client's absolute URL: a lower-case name, an IPv4
 *			address, or an IPv6 address in brackets), string
 *			port (digits, "" when the URL has none), string
 *			target (the path and query as the client sent them:
 *			"/" then printable ASCII without space)
 *			M->W  u16 status, string reason; when status is 0:
 *			string service (the one matched, for log lines),
 *			u8 tls (1: the upstream leg is TLS with a verified
 *			certificate and name, for an https URL or forceSSL),
 *			string host, string port (the upstream to connect
 *			to: the URL's, port filled in), u8 inject (enum
 *			http_inject: what the request gets)
 *   MSG_HTTP_ROOTS	W->M  (empty)
 *			M->W  u16 status, string reason; fd: a sealed,
 *			read-only memfd of PEM certificates, at most
 *			HTTP_ROOTS_MAX bytes: the roots an upstream's
 *			certificate must chain to (the system store,
 *			SECRETLESS_HTTP_CA_BUNDLE, the airlock: section's
 *			httpCABundle).  Once per connection.
 *   MSG_HTTP_DIAL	W->M  (empty): the route's upstream
 *			M->W  u16 status, string reason; fd: the connected
 *			socket when status is 0.  At most once per route;
 *			the worker keeps an upstream connection open for
 *			the next requests to the same upstream.
 *   MSG_HTTP_HEADERS	W->M  string params: for HTTP_INJECT_OAUTH1, the
 *			request's own parameters (RFC 5849 3.4.1.3.1: the
 *			query's and an application/x-www-form-urlencoded
 *			body's), each name and value encoded as RFC 5849
 *			3.6 says, as "name=value" joined by "&", in any
 *			order; "" otherwise
 *			M->W  u16 status, string reason; when status is 0:
 *			kv headers (name -> value, each to replace any
 *			header of that name the client sent), kv query
 *			(name -> value, not yet encoded, to add to the
 *			query).  The values are secrets: the worker keeps
 *			them in guarded memory and wipes them once
 *			written.  Once per route, not for HTTP_INJECT_NONE.
 *   MSG_HTTP_SIGV4	W->M  string amzdate ("YYYYMMDDTHHMMSSZ"), string
 *			scope ("YYYYMMDD/region/service/aws4_request"),
 *			string hash (the canonical request's SHA-256, 64
 *			lower-case hex digits; AWS SigV4, "Create a
 *			canonical request")
 *			M->W  u16 status, string reason; when status is 0:
 *			string access key id, string signature (64
 *			lower-case hex digits).  Once per route, after its
 *			HEADERS, for HTTP_INJECT_SIGV4 only.  The secret
 *			access key never leaves the monitor.
 */
#ifndef AIRLOCK_HTTPMSG_H
#define AIRLOCK_HTTPMSG_H

#include "msg.h"

enum http_msg_type {
	MSG_HTTP_ROUTE = MSG_CONNECTOR_BASE,
	MSG_HTTP_ROOTS,
	MSG_HTTP_DIAL,
	MSG_HTTP_HEADERS,
	MSG_HTTP_SIGV4,
};

/* What a routed request gets (MSG_HTTP_ROUTE's answer). */
enum http_inject {
	HTTP_INJECT_NONE = 0,	/* a passthrough service: nothing */
	HTTP_INJECT_HEADERS,	/* HEADERS' headers and query parameters */
	HTTP_INJECT_OAUTH1,	/* HEADERS with the request's parameters:
				   its Authorization is an OAuth 1.0a one */
	HTTP_INJECT_SIGV4,	/* HEADERS, then SIGV4's signature */
};

/* Bounds of a ROUTE's fields, checked on both sides. */
#define HTTP_METHOD_MAX		32
#define HTTP_HOST_MAX		255
#define HTTP_TARGET_MAX		8192
/* HEADERS' params (an OAuth 1.0a form body is read whole, up to this). */
#define HTTP_PARAMS_MAX		(32 * 1024)
/* ROOTS' memfd. */
#define HTTP_ROOTS_MAX		(4 * 1024 * 1024)
/*
 * The requests one client connection may make (ROUTEs): a compromised
 * worker gets at most this many headers rendered or signatures made.
 */
#define HTTP_MAX_REQUESTS	100000

#endif
