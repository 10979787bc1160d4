/*
 * Bodies, streamed from one peer to the other (RFC 9112 section 6).  The
 * head's parser, paused at the end of the head (httphead.c), goes on to
 * decode the framing: a Content-Length body passes as it is, a chunked one
 * is written out again as chunks of the same sizes (RFC 9112 section 7.1:
 * chunk extensions and the trailer section are dropped, which 7.1.1 and
 * 7.1.2 allow a recipient to ignore), and a response without either ends
 * with the connection.  The parser is paused at the end of the message, so
 * the bytes of a pipelined request stay where they are.
 *
 * Never more than one input and one output buffer are held: the input is
 * fed in pieces no larger than half the room left in the output (a chunk
 * written with CRLF where it came with bare LF grows, but less than
 * twofold), and the output is written out before more is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "buf.h"
#include "endpoint.h"
#include "errors.h"
#include "http.h"

#define HTTP_BODY_OUT	(64 * 1024)
/* A chunk's size line, "0\r\n\r\n" and slack. */
#define HTTP_FRAME_MAX	32

static int
put_out(struct http_body *b, const void *p, size_t len)
{
	if (len > b->outmax - b->outlen)
		return -1;	/* the feed's bound makes this impossible */
	memcpy(b->out + b->outlen, p, len);
	b->outlen += len;
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct http_body	*b = p->data;

	b->total += len;
	if (b->limit != 0 && b->total > b->limit) {
		b->error = ERR_TOOBIG;
		return -1;
	}
	return put_out(b, at, len);
}

/* http-parser has the chunk's size in content_length here. */
static int
on_chunk_header(http_parser *p)
{
	struct http_body	*b = p->data;
	char			 line[24];
	int			 n;

	if (!b->reframe || p->content_length == 0)
		return 0;
	n = snprintf(line, sizeof(line), "%llx\r\n",
	    (unsigned long long)p->content_length);
	return put_out(b, line, n);
}

static int
on_chunk_complete(http_parser *p)
{
	struct http_body	*b = p->data;

	/* The last chunk's completion comes after its trailer section. */
	if (!b->reframe || (p->flags & F_TRAILING))
		return 0;
	return put_out(b, "\r\n", 2);
}

static int
on_message_complete(http_parser *p)
{
	struct http_body	*b = p->data;

	b->complete = 1;
	http_parser_pause(p, 1);
	if (b->reframe && b->head->chunked)
		return put_out(b, "0\r\n\r\n", 5);
	return 0;
}

static const http_parser_settings body_settings = {
	.on_body = on_body,
	.on_chunk_header = on_chunk_header,
	.on_chunk_complete = on_chunk_complete,
	.on_message_complete = on_message_complete,
};

void
http_body_init(struct http_body *b, struct http_head *h, int reframe)
{
	memset(b, 0, sizeof(*b));
	b->head = h;
	b->reframe = reframe && h->chunked;
	/* A response without a length or chunks ends with the connection. */
	b->eof_ok = !h->request && !h->chunked && !h->has_length &&
	    !h->no_body;
}

/* One piece through the parser; *used the bytes it took. */
static int
run(struct http_body *b, const char *p, size_t len, size_t *used)
{
	http_parser	*hp = &b->head->parser;
	size_t		 n;

	hp->data = b;
	n = http_parser_execute(hp, &body_settings, p, len);
	hp->data = NULL;
	*used = n;
	if (b->error != 0)
		return b->error;
	if (b->complete)
		return 0;
	if (HTTP_PARSER_ERRNO(hp) != HPE_OK || n != len)
		return len == 0 ? ERR_EOF : ERR_FORMAT;
	return 0;
}

int
http_body_feed(struct http_body *b, const unsigned char *p, size_t len,
    size_t *used, int eof)
{
	size_t	 room, n;
	int	 r;

	*used = 0;
	if (b->complete)
		return 0;
	if (!b->started) {
		/* The head's last LF, where httphead.c paused the parser. */
		http_parser_pause(&b->head->parser, 0);
		b->started = 1;
		if ((r = run(b, "\n", 1, &n)) != 0 || b->complete)
			return r;
	}
	room = b->outmax - b->outlen;
	if (room < 2 * HTTP_FRAME_MAX)
		return 0;
	if (len > room / 2 - HTTP_FRAME_MAX)
		len = room / 2 - HTTP_FRAME_MAX;
	if (len == 0) {
		if (!eof)
			return 0;
		/* The end of the connection: the end of such a body only. */
		if ((r = run(b, NULL, 0, &n)) != 0)
			return r;
		return b->complete ? 0 : ERR_EOF;
	}
	return run(b, (const char *)p, len, used);
}

void
http_in_compact(struct http_in *in)
{
	if (in->off == 0)
		return;
	memmove(in->data, in->data + in->off, in->len - in->off);
	in->len -= in->off;
	in->off = 0;
}

int
http_in_fill(struct http_in *in, uint64_t deadline)
{
	size_t	 n;
	short	 want;
	int	 r;

	http_in_compact(in);
	if (in->len == sizeof(in->data))
		return ERR_TOOBIG;
	for (;;) {
		r = ep_read_some(in->ep, in->data + in->len,
		    sizeof(in->data) - in->len, &n, &want);
		if (r == 0) {
			in->len += n;
			return 0;
		}
		if (r == ERR_EOF)
			in->eof = 1;
		if (r != ERR_AGAIN)
			return r;
		if ((r = ep_wait(in->ep->fd, want, deadline)) != 0)
			return r;
	}
}

/*
 * The loop of both: feed what in holds, hand the output to sink, read
 * more when in is used up, until the body is complete.
 */
static int
pump(struct http_in *in, struct http_body *b, int idle_ms,
    int (*sink)(void *, const unsigned char *, size_t), void *arg,
    int *sink_failed)
{
	size_t	 used;
	int	 r;

	if ((b->out = malloc(HTTP_BODY_OUT)) == NULL)
		return ERR_NOMEM;
	b->outmax = HTTP_BODY_OUT;
	b->outlen = 0;
	for (;;) {
		r = http_body_feed(b, in->data + in->off, in->len - in->off,
		    &used, in->eof);
		in->off += used;
		if (r != 0)
			break;
		if (b->outlen > 0) {
			if ((r = sink(arg, b->out, b->outlen)) != 0) {
				*sink_failed = 1;
				break;
			}
			b->outlen = 0;
		}
		if (b->complete)
			break;
		if (in->off == in->len && !in->eof &&
		    (r = http_in_fill(in, deadline_in(idle_ms))) != 0 &&
		    r != ERR_EOF)
			break;
		r = 0;
	}
	free(b->out);
	b->out = NULL;
	return r;
}

struct write_sink {
	struct endpoint	*to;
	int		 idle_ms;
	uint64_t	*moved;
};

static int
write_sink(void *arg, const unsigned char *p, size_t len)
{
	struct write_sink	*ws = arg;
	int			 r;

	if ((r = ep_write_full(ws->to, p, len, deadline_in(ws->idle_ms))) != 0)
		return r;
	*ws->moved += len;
	return 0;
}

int
http_body_stream(struct http_in *in, struct http_body *b,
    struct endpoint *to, int idle_ms, uint64_t *moved, int *to_failed)
{
	struct write_sink	 ws = { to, idle_ms, moved };

	*to_failed = 0;
	return pump(in, b, idle_ms, write_sink, &ws, to_failed);
}

static int
buf_sink(void *arg, const unsigned char *p, size_t len)
{
	return buf_put(arg, p, len) == 0 ? 0 : ERR_TOOBIG;
}

int
http_body_read_all(struct http_in *in, struct http_body *b, struct buf *out,
    int idle_ms)
{
	int	 failed = 0, r;

	b->reframe = 0;
	r = pump(in, b, idle_ms, buf_sink, out, &failed);
	return failed ? ERR_TOOBIG : r;
}
