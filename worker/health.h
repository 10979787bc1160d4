/*
 * The health connector of the worker: one HTTP/1.1 request (RFC 9112) on a
 * connection to airlockd's health listener, answered from the figures that
 * the monitor hands over (include/figures.h), then the connection closes.
 *
 *   httpreq.c	the request, parsed with the packaged http-parser, bounded
 *   healthfmt.c	the figures as Prometheus text and as JSON
 *   health.c	the connector: read, route, ask, answer
 */
#ifndef AIRLOCK_HEALTH_H
#define AIRLOCK_HEALTH_H

#include <stddef.h>

#include <http_parser.h>

struct buf;
struct figures;

/* Everything up to the end of the request, body included. */
#define HREQ_MAX_BYTES		8192
#define HREQ_MAX_URL		2048

enum hreq_method {
	HREQ_GET = 1,
	HREQ_HEAD,
	HREQ_OTHER,
};

struct hreq {
	http_parser	 parser;
	size_t		 total;		/* bytes fed so far */
	int		 complete;
	int		 overflow;	/* URL longer than HREQ_MAX_URL */
	char		 url[HREQ_MAX_URL + 1];
	size_t		 urllen;
	/* Once complete: */
	int		 method;
	char		 path[HREQ_MAX_URL + 1];
	int		 full;		/* the query has full=1 (or true) */
};

void		 hreq_init(struct hreq *);
/*
 * Feed the bytes that arrived.  0: the request is complete (bytes after
 * it are ignored: one request per connection); ERR_AGAIN: more is needed;
 * ERR_FORMAT: not an HTTP request, or a URL that is not one; ERR_TOOBIG:
 * longer than HREQ_MAX_BYTES, or a URL longer than HREQ_MAX_URL.
 */
int		 hreq_feed(struct hreq *, const void *, size_t);

/* Append label value v escaped for the exposition format 0.0.4. */
int		 hfmt_label(struct buf *, const char *v);
/* Append s as a JSON string, quotes included (RFC 8259 section 7). */
int		 hfmt_json_string(struct buf *, const char *s);
/* The Prometheus text exposition format 0.0.4. */
int		 hfmt_metrics(struct buf *, const struct figures *);
/* The ?full=1 document; ready: /ready's checks, else /live's. */
int		 hfmt_json(struct buf *, const struct figures *, int ready);

#endif
