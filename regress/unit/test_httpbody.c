/*
 * worker/httpbody.c: bodies decoded and re-framed, whole or a byte at a
 * time, what follows a message left alone, bad framing refused; and
 * httpquery.c's query parameters, added as Go adds them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "http.h"
#include "secret.h"
#include "test.h"

struct decoded {
	int		 r;
	size_t		 rest;		/* bytes not taken */
	size_t		 outlen;
	unsigned char	 out[4096];
};

/*
 * Parse the head at the start of msg, then feed its body in pieces of
 * step bytes (0: all at once), with eof at the end.
 */
static void
decode(const char *msg, int flags, int reframe, size_t step, int eof,
    struct decoded *d)
{
	struct http_head	 h;
	struct http_body	 b;
	const unsigned char	*p = (const unsigned char *)msg;
	size_t			 len = strlen(msg), off, used, n;
	char			 why[128];

	memset(d, 0, sizeof(*d));
	memset(&h, 0, sizeof(h));
	d->r = http_head_parse(&h, flags, p, len, &off, why, sizeof(why));
	if (d->r != 0) {
		http_head_free(&h);
		return;
	}
	http_body_init(&b, &h, reframe);
	b.out = d->out;
	b.outmax = sizeof(d->out);
	for (;;) {
		n = len - off;
		if (step != 0 && n > step)
			n = step;
		d->r = http_body_feed(&b, p + off, n, &used,
		    eof && off + n == len);
		off += used;
		if (d->r != 0 || b.complete || (off == len && !eof))
			break;
		if (used == 0 && off < len)
			continue;
		if (off == len && n == 0)
			break;
	}
	if (d->r == 0 && !b.complete)
		d->r = ERR_AGAIN;
	d->rest = len - off;
	d->outlen = b.outlen;
	http_head_free(&h);
}

#define POST	"POST http://h/ HTTP/1.1\r\n"
#define CHUNKED	"Transfer-Encoding: chunked\r\n\r\n"

TEST(httpbody_chunked_reframed)
{
	const char	*in = POST CHUNKED "5;ext=1\r\nhello\r\n"
	    "0006\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nGET http://next/";
	const char	*want = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
	struct decoded	 d;
	size_t		 step;

	for (step = 0; step < 4; step++) {
		decode(in, HTTP_HEAD_REQUEST, 1, step, 0, &d);
		CHECK_INT(d.r, 0);
		CHECK_INT(d.rest, strlen("GET http://next/"));
		CHECK_INT(d.outlen, strlen(want));
		CHECK_MEM(d.out, want, strlen(want));
	}
	/* Not re-framed: the data alone. */
	decode(in, HTTP_HEAD_REQUEST, 0, 0, 0, &d);
	CHECK_INT(d.r, 0);
	CHECK_INT(d.outlen, 11);
	CHECK_MEM(d.out, "hello world", 11);
}

TEST(httpbody_length)
{
	struct decoded	 d;

	decode(POST "Content-Length: 5\r\n\r\nhelloXYZ", HTTP_HEAD_REQUEST, 1,
	    1, 0, &d);
	CHECK_INT(d.r, 0);
	CHECK_INT(d.rest, 3);
	CHECK_INT(d.outlen, 5);
	CHECK_MEM(d.out, "hello", 5);
	/* No length, no chunks: a request has no body. */
	decode("GET http://h/ HTTP/1.1\r\n\r\nGET", HTTP_HEAD_REQUEST, 1, 0, 0,
	    &d);
	CHECK_INT(d.r, 0);
	CHECK_INT(d.rest, 3);
	CHECK_INT(d.outlen, 0);
}

TEST(httpbody_close_delimited)
{
	struct decoded	 d;

	decode("HTTP/1.1 200 OK\r\n\r\nall of it", 0, 1, 2, 1, &d);
	CHECK_INT(d.r, 0);
	CHECK_INT(d.outlen, 9);
	CHECK_MEM(d.out, "all of it", 9);
	/* A response to HEAD has none, whatever its length says. */
	decode("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", HTTP_HEAD_HEAD,
	    1, 0, 0, &d);
	CHECK_INT(d.r, 0);
	CHECK_INT(d.outlen, 0);
}

TEST(httpbody_bad_framing)
{
	struct decoded	 d;

	decode(POST CHUNKED "zz\r\nhello\r\n0\r\n\r\n", HTTP_HEAD_REQUEST, 1,
	    0, 0, &d);
	CHECK_INT(d.r, ERR_FORMAT);
	decode(POST CHUNKED "fffffffffffffffffff\r\n", HTTP_HEAD_REQUEST, 1,
	    0, 0, &d);
	CHECK_INT(d.r, ERR_FORMAT);
	decode(POST CHUNKED "5\r\nhelloX\r\n", HTTP_HEAD_REQUEST, 1, 0, 0, &d);
	CHECK_INT(d.r, ERR_FORMAT);
	/* Cut short by the end of the connection. */
	decode(POST "Content-Length: 10\r\n\r\nhello", HTTP_HEAD_REQUEST, 1, 0,
	    1, &d);
	CHECK_INT(d.r, ERR_EOF);
	decode("HTTP/1.1 200 OK\r\n" CHUNKED "5\r\nhel", 0, 1, 0, 1, &d);
	CHECK_INT(d.r, ERR_EOF);
}

TEST(httpbody_limit)
{
	struct http_head	 h;
	struct http_body	 b;
	unsigned char		 out[256];
	const char		*m = POST "Content-Length: 10\r\n\r\n0123456789";
	size_t			 off, used;
	char			 why[64];

	memset(&h, 0, sizeof(h));
	REQUIRE(http_head_parse(&h, HTTP_HEAD_REQUEST, (const unsigned char *)m,
	    strlen(m), &off, why, sizeof(why)) == 0);
	http_body_init(&b, &h, 0);
	b.out = out;
	b.outmax = sizeof(out);
	b.limit = 9;
	CHECK_INT(http_body_feed(&b, (const unsigned char *)m + off,
	    strlen(m) - off, &used, 0), ERR_TOOBIG);
	http_head_free(&h);
}

static void
query(const char *target, const char *name, const char *value,
    const char *want)
{
	struct http_kv	 kv;
	struct buf	*b;

	kv.name = (char *)name;
	kv.value = secret_new(value, strlen(value));
	b = buf_new(4096);
	CHECK(kv.value != NULL && b != NULL);
	if (kv.value == NULL || b == NULL)
		return;
	CHECK_INT(http_query_add(target, &kv, name ? 1 : 0, b), 0);
	CHECK_INT(buf_put_u8(b, 0), 0);
	CHECK_STR((const char *)buf_ptr(b), want);
	buf_free(b);
	secret_free(kv.value);
}

/* By the rules of Go's url.ParseQuery and url.Values.Encode. */
TEST(httpquery_as_go)
{
	query("/p", "key", "s3cr t", "/p?key=s3cr+t");
	query("/p?b=2&a=1&b=1", "a", "0", "/p?a=1&a=0&b=2&b=1");
	query("/p?x=%41%2f+y&&flag", "k", "&=?", "/p?flag=&k=%26%3D%3F&x=A%2F+y");
	/* Dropped as Go drops them: a bad escape, a ";" in a name. */
	query("/p?bad=%zz&a;b=1&ok=~", "z", "", "/p?ok=~&z=");
	query("/p?only=1", NULL, "", "/p?only=1");
}
