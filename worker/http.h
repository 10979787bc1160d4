/*
 * The HTTP connectors' worker half (basic_auth, conjur, aws, generic_http):
 * a forward proxy for one client connection.  Each request is parsed with
 * the packaged http-parser, checked, routed by the monitor (httpmsg.h),
 * given its credentials, and forwarded with its body streamed; the answer
 * comes back the same way.
 *
 *   http.c	the connector: the serve loop, one request after another
 *   httphead.c	a request's or a response's head, parsed and checked
 *   httpbody.c	bodies streamed both ways (Content-Length, chunked)
 *   httpchan.c	the requests to the monitor (httpmsg.h)
 *   sigv4req.c	an AWS request's canonical form, for its new signature
 *   oauth1req.c	a request's own parameters, for OAuth 1.0a
 */
#ifndef AIRLOCK_HTTP_H
#define AIRLOCK_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct secret;
struct wconn;

/* A head: the request line or status line, and the fields. */
#define HTTP_HEAD_MAX		(64 * 1024)	/* bytes of a head */
#define HTTP_FIELDS_MAX		128		/* fields of a head */

struct http_field {
	char		*name;		/* as received; NUL-terminated */
	size_t		 namelen;
	char		*value;		/* leading and trailing blanks cut */
	size_t		 valuelen;
};

struct http_head {
	int		 request;	/* 1: a request, 0: a response */
	/* A request's: */
	char		*method;	/* "GET", ... */
	char		*scheme;	/* of the absolute URL: "http" */
	char		*host;		/* lower case; IPv6 in brackets */
	char		*port;		/* "" when the URL has none */
	char		*target;	/* path and query, from "/" */
	/* A response's: */
	int		 status;
	int		 http_minor;	/* HTTP/1.<minor> */
	struct http_field fields[HTTP_FIELDS_MAX];
	size_t		 nfields;
	/* Framing, from the fields: */
	int		 chunked;	/* Transfer-Encoding: chunked */
	int		 has_length;	/* Content-Length: */
	uint64_t	 length;
	int		 keep_alive;	/* after this message */
	int		 expect_continue;	/* Expect: 100-continue */
	/* The storage the pointers above point into. */
	char		*mem;
	size_t		 memlen;
};

/* The value of the first field of that name (any case), or NULL. */
const struct http_field *http_field_get(const struct http_head *,
		    const char *name);

/*
 * sigv4req.c.  What a client's own SigV4 Authorization header says
 * ("AWS4-HMAC-SHA256 Credential=KEY/SCOPE, SignedHeaders=a;b,
 * Signature=..."): its scope and the fields it signed, in its order.
 */
#define SIGV4_SCOPE_MAX		128
#define SIGV4_SIGNED_MAX	1024
struct sigv4_client {
	char		 scope[SIGV4_SCOPE_MAX + 1];
	char		 signed_headers[SIGV4_SIGNED_MAX + 1];
};
/* 0, or -1 when it is not such a header. */
int		 sigv4_parse_authorization(const char *value, size_t len,
		    struct sigv4_client *);
/*
 * Add a field name (lower case) to the signed ones, in its sorted place,
 * as the canonical request wants them (x-amz-security-token when the
 * monitor adds that field).  0, or -1 when it does not fit.
 */
int		 sigv4_add_signed(struct sigv4_client *, const char *name);
/*
 * The hash (lower-case hex, NUL-terminated) of the canonical request
 * (method, canonical URI and query, the signed fields' canonical lines,
 * the signed field names, the payload's hash) that the request, as it
 * will be sent, has: head's fields as they will be sent, payload_hash
 * the body's SHA-256 in hex or the client's x-amz-content-sha256 (which
 * may be UNSIGNED-PAYLOAD).  The canonical URI is encoded as the service
 * of the scope wants it (S3: once, not normalised; others: normalised
 * and encoded twice, as botocore does).  0, or -1 and why for the client.
 */
int		 sigv4_canonical_hash(const struct http_head *,
		    const struct sigv4_client *, const char *service,
		    const char *payload_hash, char out[65], char *why,
		    size_t whylen);

/*
 * oauth1req.c.  A request's own parameters for OAuth 1.0a's base string
 * (RFC 5849 3.4.1.3.1): the query's, and the body's when it is
 * application/x-www-form-urlencoded, each name and value decoded and
 * encoded again as 3.6 says, "name=value" joined by "&".  Into out
 * (emptied first); 0, or -1 and why (for the client).
 */
int		 oauth1_request_params(const char *target,
		    const char *content_type, const unsigned char *body,
		    size_t bodylen, struct buf *out, char *why, size_t whylen);

#endif
