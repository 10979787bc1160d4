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

#include <http_parser.h>

#include "httpmsg.h"

struct buf;
struct secret;
struct endpoint;
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
	char		*reason;	/* the status line's reason phrase */
	int		 http_minor;	/* HTTP/1.<minor> */
	struct http_field fields[HTTP_FIELDS_MAX];
	size_t		 nfields;
	/* Framing, from the fields: */
	int		 chunked;	/* Transfer-Encoding: chunked */
	int		 has_length;	/* Content-Length: */
	uint64_t	 length;
	int		 keep_alive;	/* after this message */
	int		 expect_continue;	/* Expect: 100-continue */
	int		 no_body;	/* a response without one (HEAD, 204,
					   304, 1xx) */
	/* The storage the pointers above point into. */
	char		*mem;
	size_t		 memlen;
	size_t		 memused;
	/* Paused at the end of the head; httpbody.c goes on with it. */
	http_parser	 parser;
};

/*
 * httphead.c.  Parse the head at the start of buf (len bytes so far):
 * 0 with *used the head's length when it is complete, ERR_AGAIN when
 * more bytes are needed, ERR_NOMEM, or the HTTP status a request deserves
 * (400, 405 for CONNECT, 414, 431; for a response: any of them means
 * garbage), with why for the client.  HTTP_HEAD_HEAD: the request was a
 * HEAD (its response has no body).  Free with http_head_free.
 */
#define HTTP_HEAD_REQUEST	0x1
#define HTTP_HEAD_HEAD		0x2
int		 http_head_parse(struct http_head *, int flags,
		    const unsigned char *buf, size_t len, size_t *used,
		    char *why, size_t whylen);
void		 http_head_free(struct http_head *);
/* The value of the first field of that name (any case), or NULL. */
const struct http_field *http_field_get(const struct http_head *,
		    const char *name);
/* Is name (namelen bytes) one of the comma-separated tokens of list? */
int		 http_token_in(const char *list, size_t listlen,
		    const char *name, size_t namelen);
/*
 * Is the field one that a proxy does not forward (RFC 9110 section 7.6.1:
 * Connection, the fields it names, and the usual hop-by-hop ones)?
 */
int		 http_hop_by_hop(const struct http_head *,
		    const struct http_field *);

/*
 * http.c.  An error for the client on ep, "HTTP/1.1 NNN", text/plain,
 * "airlock: " and why (HTTP_WHY at most); keep: the connection goes on,
 * else the answer says "Connection: close".  The bytes written, or -1.
 */
#define HTTP_WHY		512
#define HTTP_ANSWER_MS		5000	/* an error is worth a short wait */
int		 http_error_write(struct endpoint *, int status,
		    const char *why, int keep);

/*
 * httptls.c.  A listener with clientTLS is an HTTPS proxy: TLS from the
 * first byte.  0: c->client is TLS and the client accepted.  Else the
 * connection ends, the client told why where it can be (403 over TLS for
 * a refused client, 400 in the clear for a plain request).
 */
int		 http_client_tls(struct wconn *);

/*
 * httpbody.c.  A body's framing, decoded by the head's paused parser and
 * written out again: Content-Length as it is, chunked re-framed (chunk
 * extensions and trailers dropped), or up to the end of the connection.
 */
struct http_body {
	struct http_head *head;
	int		 reframe;	/* write chunked framing */
	int		 complete;	/* the whole body is through */
	int		 started;	/* the head's last LF was fed */
	int		 eof_ok;	/* ends with the connection */
	int		 error;
	uint64_t	 total;		/* body bytes decoded */
	uint64_t	 limit;		/* read whole: the most (else 0) */
	unsigned char	*out;		/* decoded and re-framed */
	size_t		 outlen;
	size_t		 outmax;
};

/* Bytes read from a peer and not yet used (a head, a body). */
#define HTTP_INBUF		(HTTP_HEAD_MAX + 1)
struct http_in {
	struct endpoint	*ep;
	unsigned char	 data[HTTP_INBUF];
	size_t		 off;		/* data[off..len) unused */
	size_t		 len;
	int		 eof;
};

/* Start decoding head's body; reframe: chunked stays chunked. */
void		 http_body_init(struct http_body *, struct http_head *,
		    int reframe);
/*
 * Feed bytes in: decoded (and re-framed) bytes are added to out (at most
 * twice as many as taken, plus a chunk's size line); *used the bytes
 * taken.  eof: the peer has closed.  0, or ERR_FORMAT (bad framing),
 * ERR_EOF (cut short), ERR_TOOBIG (past limit).
 */
int		 http_body_feed(struct http_body *, const unsigned char *,
		    size_t len, size_t *used, int eof);
/*
 * Stream the body of in's message to "to", never holding more than one
 * buffer, waiting at most idle_ms for each step.  0 once the body is
 * through (what follows it stays in in), or ERR_FORMAT / ERR_EOF (from
 * in's side), ERR_SYS / ERR_EOF with *to_failed set (to's side),
 * ERR_TIMEOUT.  *moved counts the bytes written.
 */
int		 http_body_stream(struct http_in *in, struct http_body *,
		    struct endpoint *to, int idle_ms, uint64_t *moved,
		    int *to_failed);
/*
 * Read in's body whole into out (at most max bytes; ERR_TOOBIG above),
 * for a request that must be hashed or signed before it is sent.
 */
int		 http_body_read_all(struct http_in *in, struct http_body *,
		    struct buf *out, int idle_ms);
/* More bytes from in's peer (ERR_EOF, ERR_TIMEOUT, ERR_TOOBIG: full). */
int		 http_in_fill(struct http_in *, uint64_t deadline);
/* Drop the used bytes from the front. */
void		 http_in_compact(struct http_in *);

/*
 * httpchan.c.  The requests of httpmsg.h.  Each returns 0 when the monitor
 * has answered, with *status 0 (go on) or the HTTP status to answer the
 * client with and why (a reason for the client, "airlock: ..."); or a
 * negative error when the channel is broken (why says so).
 */
#define HTTP_CHAN_MS		120000	/* the monitor keeps its own timeouts */
struct http_route {
	char		 service[256];
	int		 tls;
	char		 host[HTTP_HOST_MAX + 1];
	char		 port[6];
	int		 inject;	/* enum http_inject */
};
/* HEADERS' answer: the values in guarded memory. */
struct http_kv {
	char		*name;
	struct secret	*value;
};
struct http_creds {
	struct http_kv	 headers[MSG_MAX_KV];
	size_t		 nheaders;
	struct http_kv	 query[MSG_MAX_KV];
	size_t		 nquery;
};
int		 httpchan_route(struct wconn *, const struct http_head *,
		    struct http_route *, int *status, char *why, size_t);
/* ROOTS and DIAL: the descriptor in *fd when *status is 0. */
int		 httpchan_roots(struct wconn *, int *fd, int *status,
		    char *why, size_t);
int		 httpchan_dial(struct wconn *, int *fd, int *status, char *why,
		    size_t);
int		 httpchan_headers(struct wconn *, const char *params,
		    size_t paramslen, struct http_creds *, int *status,
		    char *why, size_t);
/* Frees and wipes what HEADERS gave. */
void		 http_creds_clear(struct http_creds *);
#define HTTP_AKID_MAX		128
int		 httpchan_sigv4(struct wconn *, const char *amzdate,
		    const char *scope, const char *hash,
		    char akid[HTTP_AKID_MAX + 1], char sig[65], int *status,
		    char *why, size_t);

/*
 * httpquery.c.  The target with the query parameters added as Secretless
 * Broker adds them (Go's url.Values: parsed, added, encoded again sorted
 * by name), into out.
 */
int		 http_query_add(const char *target, const struct http_kv *,
		    size_t n, struct buf *out);

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
