/*
 * One HTTP request, parsed with http-parser (the packaged libhttp-parser)
 * in the sandboxed health worker.  Only what routing needs is kept: the
 * method, the path and whether the query asks for full=1.  Header values
 * are never looked at; the whole request, body included, must fit in
 * HREQ_MAX_BYTES, and the first complete request ends the parse (the
 * parser is paused there, so pipelined bytes after it are ignored).
 */
#include <string.h>

#include <http_parser.h>

#include "errors.h"
#include "health.h"

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct hreq	*r = p->data;

	if (len > HREQ_MAX_URL - r->urllen) {
		r->overflow = 1;
		return -1;
	}
	memcpy(r->url + r->urllen, at, len);
	r->urllen += len;
	r->url[r->urllen] = '\0';
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct hreq	*r = p->data;

	r->complete = 1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_message_complete = on_message_complete,
};

void
hreq_init(struct hreq *r)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

/* "full=1" or "full=true" among the &-separated pairs of the query. */
static int
query_full(const char *q, size_t len)
{
	const char	*end = q + len, *amp;
	size_t		 n;

	while (q < end) {
		amp = memchr(q, '&', end - q);
		n = (amp != NULL ? amp : end) - q;
		if ((n == 6 && memcmp(q, "full=1", 6) == 0) ||
		    (n == 9 && memcmp(q, "full=true", 9) == 0))
			return 1;
		q += n + 1;
	}
	return 0;
}

/* RFC 9112 section 3.2: origin-form, or absolute-form with a path. */
static int
split_url(struct hreq *r)
{
	struct http_parser_url	 u;
	const char		*path = "/";
	size_t			 plen = 1;

	http_parser_url_init(&u);
	if (r->urllen == 0 ||
	    http_parser_parse_url(r->url, r->urllen, 0, &u) != 0)
		return ERR_FORMAT;
	if (u.field_set & (1 << UF_PATH)) {
		path = r->url + u.field_data[UF_PATH].off;
		plen = u.field_data[UF_PATH].len;
	}
	memcpy(r->path, path, plen);
	r->path[plen] = '\0';
	/* A path with a NUL in it names nothing we serve. */
	if (strlen(r->path) != plen)
		return ERR_FORMAT;
	if (u.field_set & (1 << UF_QUERY))
		r->full = query_full(r->url + u.field_data[UF_QUERY].off,
		    u.field_data[UF_QUERY].len);
	return 0;
}

int
hreq_feed(struct hreq *r, const void *p, size_t len)
{
	size_t	 n;

	if (r->complete)
		return 0;
	if (len > HREQ_MAX_BYTES - r->total)
		len = HREQ_MAX_BYTES - r->total + 1;	/* fails below */
	n = http_parser_execute(&r->parser, &settings, p, len);
	if (r->overflow)
		return ERR_TOOBIG;
	if (r->complete) {
		if (n > HREQ_MAX_BYTES - r->total)
			return ERR_TOOBIG;
		/* HTTP/0.9 (a request line without a version) is not served. */
		if (r->parser.http_major < 1)
			return ERR_FORMAT;
		switch (r->parser.method) {
		case HTTP_GET:
			r->method = HREQ_GET;
			break;
		case HTTP_HEAD:
			r->method = HREQ_HEAD;
			break;
		default:
			/* 405 whatever the target, CONNECT's authority too. */
			r->method = HREQ_OTHER;
			return 0;
		}
		return split_url(r);
	}
	if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK || n != len)
		return ERR_FORMAT;
	r->total += len;
	if (r->total > HREQ_MAX_BYTES)
		return ERR_TOOBIG;
	return ERR_AGAIN;
}
