/*
 * worker/httphead.c: good heads parsed into their parts, and each head a
 * proxy must refuse (design of issue 10, "Refused by the worker") refused
 * with its status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "http.h"
#include "httpmsg.h"
#include "test.h"

static int
parse(struct http_head *h, int flags, const char *s, size_t *used)
{
	char	 why[256];

	return http_head_parse(h, flags, (const unsigned char *)s, strlen(s),
	    used, why, sizeof(why));
}

static int
reqn(const char *s, size_t len)
{
	struct http_head	 h;
	size_t			 used;
	char			 why[256];
	int			 r;

	memset(&h, 0, sizeof(h));
	r = http_head_parse(&h, HTTP_HEAD_REQUEST, (const unsigned char *)s,
	    len, &used, why, sizeof(why));
	http_head_free(&h);
	return r;
}

static int
req(const char *s)
{
	return reqn(s, strlen(s));
}

TEST(httphead_absolute_form)
{
	struct http_head	 h;
	const char		*s = "GET http://Example.COM:8080/a/b?x=1&y=%20 "
	    "HTTP/1.1\r\nHost: example.com\r\nX-One:  v1 \r\n"
	    "Content-Length: 5\r\n\r\nhello";
	size_t			 used;

	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, HTTP_HEAD_REQUEST, s, &used) == 0);
	CHECK_INT(used, strlen(s) - 5);
	CHECK_STR(h.method, "GET");
	CHECK_STR(h.scheme, "http");
	CHECK_STR(h.host, "example.com");
	CHECK_STR(h.port, "8080");
	CHECK_STR(h.target, "/a/b?x=1&y=%20");
	CHECK_INT(h.nfields, 3);
	CHECK_STR(http_field_get(&h, "x-one")->value, "v1");
	CHECK_INT(h.has_length, 1);
	CHECK_INT(h.length, 5);
	CHECK_INT(h.chunked, 0);
	CHECK_INT(h.keep_alive, 1);
	http_head_free(&h);
}

TEST(httphead_ipv6_no_path)
{
	struct http_head	 h;
	size_t			 used;

	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, HTTP_HEAD_REQUEST, "POST https://[::1]:443 HTTP/1.0"
	    "\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
	    &used) == 0);
	CHECK_STR(h.scheme, "https");
	CHECK_STR(h.host, "[::1]");
	CHECK_STR(h.port, "443");
	CHECK_STR(h.target, "/");
	CHECK_INT(h.chunked, 1);
	CHECK_INT(h.expect_continue, 1);
	CHECK_INT(h.keep_alive, 0);	/* HTTP/1.0 without keep-alive */
	http_head_free(&h);
}

TEST(httphead_many_fields_bare_lf)
{
	struct http_head	 h;
	char			 s[8192];
	size_t			 used, off, i;

	off = snprintf(s, sizeof(s), "GET http://h/ HTTP/1.1\n");
	for (i = 0; i < HTTP_FIELDS_MAX; i++)
		off += snprintf(s + off, sizeof(s) - off, "X-F%zu: %zu\n", i,
		    i);
	snprintf(s + off, sizeof(s) - off, "\n");
	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, HTTP_HEAD_REQUEST, s, &used) == 0);
	CHECK_INT(h.nfields, HTTP_FIELDS_MAX);
	CHECK_STR(h.fields[HTTP_FIELDS_MAX - 1].value, "127");
	http_head_free(&h);
	/* One more is too many. */
	off = strlen(s) - 1;
	snprintf(s + off, sizeof(s) - off, "X-More: 1\n\n");
	CHECK_INT(req(s), 431);
}

TEST(httphead_incomplete)
{
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nHost: h\r\n"), ERR_AGAIN);
	CHECK_INT(req("GET http://h/ HT"), ERR_AGAIN);
	CHECK_INT(req("\r\n\r\n"), ERR_AGAIN);
}

#define NUL_IN_VALUE	"GET http://h/ HTTP/1.1\r\nX-A: a\0b\r\n\r\n"

TEST(httphead_refusals)
{
	/* CONNECT */
	CHECK_INT(req("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), 405);
	/* origin-form to a proxy */
	CHECK_INT(req("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CHECK_INT(req("GET ftp://h/x HTTP/1.1\r\n\r\n"), 400);
	CHECK_INT(req("GET http://u:p@h/x HTTP/1.1\r\n\r\n"), 400);
	/* Content-Length with Transfer-Encoding, either order */
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), 400);
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\nContent-Length: 3\r\n\r\n"), 400);
	/* two Content-Lengths, even equal */
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nContent-Length: 3\r\n"
	    "Content-Length: 3\r\n\r\n"), 400);
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nContent-Length: 3, 3\r\n"
	    "\r\n"), 400);
	/* a coding other than chunked alone */
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip, "
	    "chunked\r\n\r\n"), 400);
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip"
	    "\r\n\r\n"), 400);
	CHECK_INT(req("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
	/* obs-fold: a continuation line, after a value or an empty one */
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n"),
	    400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX-A:\r\n\ttwo\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\n X-A: one\r\n\r\n"), 400);
	/* NUL, CR inside a value; a name that is not a token */
	CHECK_INT(reqn(NUL_IN_VALUE, sizeof(NUL_IN_VALUE) - 1), 400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX-A: a\rb\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX A: a\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX-A : a\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h/ HTTP/1.1\r\nX\"A: a\r\n\r\n"), 400);
	/* a control byte in the target, a non-ASCII one */
	CHECK_INT(req("GET http://h/\x01 HTTP/1.1\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h/\xc3\xa9 HTTP/1.1\r\n\r\n"), 400);
	CHECK_INT(req("FOO http://h/ HTTP/1.1\r\n\r\n"), 400);
	CHECK_INT(req("GET http://h:99999/ HTTP/1.1\r\n\r\n"), 400);
}

TEST(httphead_too_large)
{
	char	*s;
	size_t	 n;

	/* A URL over HTTP_TARGET_MAX: 414. */
	n = HTTP_TARGET_MAX + 100;
	REQUIRE((s = malloc(n + 64)) != NULL);
	memcpy(s, "GET http://h/", 13);
	memset(s + 13, 'a', n);
	strcpy(s + 13 + n, " HTTP/1.1\r\n\r\n");
	CHECK_INT(req(s), 414);
	free(s);
	/* A head over HTTP_HEAD_MAX: 431, with or without its end. */
	n = HTTP_HEAD_MAX + 100;
	REQUIRE((s = malloc(n + 64)) != NULL);
	strcpy(s, "GET http://h/ HTTP/1.1\r\nX-Big: ");
	memset(s + strlen(s), 'a', n);
	strcpy(s + 31 + n, "\r\n\r\n");
	CHECK_INT(req(s), 431);
	s[31 + n] = '\0';
	CHECK_INT(req(s), 431);
	free(s);
}

TEST(httphead_response)
{
	struct http_head	 h;
	const char		*s = "HTTP/1.1 302 Found Elsewhere\r\n"
	    "Location: http://other/\r\nTransfer-Encoding: chunked\r\n"
	    "Connection: close, X-Hop\r\nX-Hop: 1\r\nX-End: 2\r\n\r\n";
	size_t			 used;

	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, 0, s, &used) == 0);
	CHECK_INT(used, strlen(s));
	CHECK_INT(h.status, 302);
	CHECK_STR(h.reason, "Found Elsewhere");
	CHECK_INT(h.chunked, 1);
	CHECK_INT(h.keep_alive, 0);
	CHECK_INT(h.no_body, 0);
	CHECK_INT(http_hop_by_hop(&h, http_field_get(&h, "X-Hop")), 1);
	CHECK_INT(http_hop_by_hop(&h, http_field_get(&h, "Connection")), 1);
	CHECK_INT(http_hop_by_hop(&h, http_field_get(&h, "X-End")), 0);
	CHECK_INT(http_hop_by_hop(&h,
	    http_field_get(&h, "Transfer-Encoding")), 0);
	http_head_free(&h);

	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, HTTP_HEAD_HEAD, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 10\r\n\r\n", &used) == 0);
	CHECK_INT(h.no_body, 1);
	http_head_free(&h);
	memset(&h, 0, sizeof(h));
	REQUIRE(parse(&h, 0, "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 10\r\n\r\n", &used) == 0);
	CHECK_INT(h.no_body, 1);
	http_head_free(&h);
	memset(&h, 0, sizeof(h));
	CHECK_INT(parse(&h, 0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", &used), 400);
	http_head_free(&h);
}
