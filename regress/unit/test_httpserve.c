/*
 * worker/http.c's serve loop in a forked child, with the test playing the
 * client, the monitor (the channel's requests of httpmsg.h) and the
 * upstream over socketpairs: what goes upstream (origin form, Host, no
 * client credentials or hop-by-hop fields, the injected header and query
 * parameter), what comes back (hop-by-hop fields gone, chunks re-framed,
 * a redirect passed on), keep-alive with the upstream connection reused,
 * pipelined requests in order, and refusals before anything is asked.
 */
#include <sys/socket.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "errors.h"
#include "http.h"
#include "httpmsg.h"
#include "msg.h"
#include "served.h"
#include "test.h"
#include "worker.h"

extern const struct connector http_generic_connector;

static int
put(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

/* Exactly strlen(want) bytes within 5 s, and they are want. */
static int
got(int fd, const char *want)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 b[4096];
	size_t		 n = strlen(want), off = 0;
	ssize_t		 r;

	while (off < n) {
		if (poll(&pfd, 1, 5000) != 1 ||
		    (r = read(fd, b + off, n - off)) <= 0)
			break;
		off += r;
	}
	b[off] = '\0';
	if (off == n && memcmp(b, want, n) == 0)
		return 1;
	printf("    got \"%s\"\n    want \"%s\"\n", b, want);
	return 0;
}

/* What the client reads until the connection ends starts with want. */
static int
got_prefix(int fd, const char *want)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 b[4096];
	size_t		 off = 0;
	ssize_t		 r;

	while (off < sizeof(b) - 1 && poll(&pfd, 1, 5000) == 1 &&
	    (r = read(fd, b + off, sizeof(b) - 1 - off)) > 0)
		off += r;
	b[off] = '\0';
	if (strncmp(b, want, strlen(want)) == 0)
		return 1;
	printf("    got \"%s\"\n    want \"%s...\"\n", b, want);
	return 0;
}

static int
mon_route(int chan, const char *url_target, int inject)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	char		*method = NULL, *scheme = NULL, *host = NULL;
	char		*port = NULL, *target = NULL;
	int		 ok;

	ok = b != NULL && served_recv(chan, MSG_HTTP_ROUTE, b) == 0 &&
	    buf_get_cstring(b, &method, 64) == 0 &&
	    buf_get_cstring(b, &scheme, 64) == 0 &&
	    buf_get_cstring(b, &host, 300) == 0 &&
	    buf_get_cstring(b, &port, 64) == 0 &&
	    buf_get_cstring(b, &target, 9000) == 0 &&
	    buf_expect_end(b) == 0 && strcmp(host, "up.example") == 0 &&
	    strcmp(port, "8080") == 0 && strcmp(target, url_target) == 0;
	free(method);
	free(scheme);
	free(host);
	free(port);
	free(target);
	buf_reset(b);
	ok = ok && buf_put_u16(b, 0) == 0 && buf_put_cstring(b, "") == 0 &&
	    buf_put_cstring(b, "svc") == 0 && buf_put_u8(b, 0) == 0 &&
	    buf_put_cstring(b, "up.example") == 0 &&
	    buf_put_cstring(b, "8080") == 0 && buf_put_u8(b, inject) == 0 &&
	    msg_send(chan, MSG_HTTP_ROUTE, b, -1) == 0;
	buf_free(b);
	return ok ? 0 : -1;
}

/* DIAL answered with one end of a new socketpair; the other is returned. */
static int
mon_dial(int chan)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	int		 up[2], ok;

	ok = b != NULL && served_recv(chan, MSG_HTTP_DIAL, b) == 0 &&
	    socketpair(AF_UNIX, SOCK_STREAM, 0, up) == 0;
	if (ok) {
		buf_reset(b);
		ok = buf_put_u16(b, 0) == 0 && buf_put_cstring(b, "") == 0 &&
		    msg_send(chan, MSG_HTTP_DIAL, b, up[1]) == 0;
		close(up[1]);
	}
	buf_free(b);
	return ok ? up[0] : -1;
}

static int
mon_headers(int chan)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	const unsigned char *p;
	size_t		 len;
	int		 ok;

	ok = b != NULL && served_recv(chan, MSG_HTTP_HEADERS, b) == 0 &&
	    buf_get_string_direct(b, &p, &len) == 0 && len == 0;
	buf_reset(b);
	ok = ok && buf_put_u16(b, 0) == 0 && buf_put_cstring(b, "") == 0 &&
	    buf_put_u32(b, 1) == 0 && buf_put_cstring(b, "Authorization") == 0 &&
	    buf_put_cstring(b, "Basic c2VjcmV0") == 0 &&
	    buf_put_u32(b, 1) == 0 && buf_put_cstring(b, "key") == 0 &&
	    buf_put_cstring(b, "s e") == 0 &&
	    msg_send(chan, MSG_HTTP_HEADERS, b, -1) == 0;
	buf_free(b);
	return ok ? 0 : -1;
}

TEST(httpserve_inject_keepalive_pipelined)
{
	struct served	 s;
	int		 up;

	REQUIRE(served_spawn(&s, &http_generic_connector, NULL) == 0);
	/* Two requests at once: the second waits for the first's answer. */
	CHECK(put(s.client, "POST http://up.example:8080/p?a=1 HTTP/1.1\r\n"
	    "Host: wrong\r\nAuthorization: Basic Y2xpZW50\r\n"
	    "Proxy-Authorization: x\r\nConnection: keep-alive, X-Hop\r\n"
	    "X-Hop: 1\r\nX-Keep: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3;ext\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"
	    "GET http://up.example:8080/second HTTP/1.1\r\n"
	    "Authorization: Bearer Y2xpZW50\r\n\r\n") == 0);
	CHECK(mon_route(s.chan, "/p?a=1", HTTP_INJECT_HEADERS) == 0);
	CHECK((up = mon_dial(s.chan)) != -1);
	CHECK(mon_headers(s.chan) == 0);
	CHECK(got(up, "POST /p?a=1&key=s+e HTTP/1.1\r\n"
	    "Host: up.example:8080\r\nX-Keep: 2\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Authorization: Basic c2VjcmV0\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
	CHECK(put(up, "HTTP/1.1 302 Found\r\nLocation: http://elsewhere/\r\n"
	    "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok") == 0);
	CHECK(got(s.client, "HTTP/1.1 302 Found\r\n"
	    "Location: http://elsewhere/\r\nContent-Length: 2\r\n\r\nok"));
	/*
	 * The same upstream: no DIAL, the connection is reused; the client's
	 * Authorization is dropped with nothing to replace it.
	 */
	CHECK(mon_route(s.chan, "/second", HTTP_INJECT_NONE) == 0);
	CHECK(got(up, "GET /second HTTP/1.1\r\nHost: up.example:8080\r\n\r\n"));
	CHECK(put(up, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "4;e=1\r\nwxyz\r\n0\r\nT: x\r\n\r\n") == 0);
	CHECK(got(s.client, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n"));
	close(up);
	shutdown(s.client, SHUT_WR);
	CHECK_INT(served_reap(&s), 0);
}

/* Refused by the worker before the monitor is asked anything. */
static void
refused(const char *request, const char *want)
{
	struct served	 s;
	struct buf	*b;

	if (served_spawn(&s, &http_generic_connector, NULL) != 0) {
		CHECK(0);
		return;
	}
	CHECK(put(s.client, request) == 0);
	CHECK(got_prefix(s.client, want));
	b = buf_new(MSG_MAX_PAYLOAD + 1);
	/* The worker ended without a request to the monitor. */
	CHECK(b != NULL && served_recv(s.chan, MSG_HTTP_ROUTE, b) == -1);
	buf_free(b);
	CHECK_INT(served_reap(&s), 0);
}

TEST(httpserve_refusals)
{
	refused("CONNECT up.example:443 HTTP/1.1\r\nHost: up.example\r\n\r\n",
	    "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 77\r\nConnection: close\r\n\r\nairlock: CONNECT "
	    "is not supported; airlock forwards plain http requests only\n");
	refused("GET /origin HTTP/1.1\r\nHost: up.example\r\n\r\n",
	    "HTTP/1.1 400 Bad Request\r\n");
	refused("GET http://up.example/ HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
	    "HTTP/1.1 400 Bad Request\r\n");
	refused("POST http://up.example/ HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n");
}

static int
mon_refuse(int chan)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	int		 ok;

	ok = b != NULL && served_recv(chan, MSG_HTTP_ROUTE, b) == 0;
	if (ok) {
		buf_reset(b);
		ok = buf_put_u16(b, 403) == 0 && buf_put_cstring(b, "airlock: "
		    "no service of this listener matches "
		    "http://up.example:8080/x") == 0 &&
		    msg_send(chan, MSG_HTTP_ROUTE, b, -1) == 0;
	}
	buf_free(b);
	return ok ? 0 : -1;
}

/*
 * The monitor's refusal, answered with its reason; a request without a
 * body leaves a kept-alive connection usable, one with a body ends it.
 */
TEST(httpserve_monitor_refuses)
{
	struct served	 s;
	int		 up;

	REQUIRE(served_spawn(&s, &http_generic_connector, NULL) == 0);
	CHECK(put(s.client, "GET http://up.example:8080/x?secret=1 HTTP/1.1"
	    "\r\n\r\n") == 0);
	CHECK(mon_refuse(s.chan) == 0);
	CHECK(got(s.client, "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 70\r\n"
	    "\r\nairlock: no service of this listener "
	    "matches http://up.example:8080/x\n"));
	CHECK(put(s.client, "GET http://up.example:8080/ok HTTP/1.1\r\n\r\n")
	    == 0);
	CHECK(mon_route(s.chan, "/ok", HTTP_INJECT_NONE) == 0);
	CHECK((up = mon_dial(s.chan)) != -1);
	CHECK(got(up, "GET /ok HTTP/1.1\r\nHost: up.example:8080\r\n\r\n"));
	CHECK(put(up, "HTTP/1.1 204 No Content\r\n\r\n") == 0);
	CHECK(got(s.client, "HTTP/1.1 204 No Content\r\n\r\n"));
	CHECK(put(s.client, "POST http://up.example:8080/x HTTP/1.1\r\n"
	    "Content-Length: 3\r\n\r\nabc") == 0);
	CHECK(mon_refuse(s.chan) == 0);
	CHECK(got_prefix(s.client, "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 70\r\n"
	    "Connection: close\r\n\r\nairlock: no service"));
	close(up);
	CHECK_INT(served_reap(&s), 0);
}

/*
 * Expect: 100-continue: the head goes up alone, the upstream's 100 comes
 * back to the client, and only then does the body go up.
 */
TEST(httpserve_expect_continue)
{
	struct served	 s;
	int		 up;

	REQUIRE(served_spawn(&s, &http_generic_connector, NULL) == 0);
	CHECK(put(s.client, "PUT http://up.example:8080/u HTTP/1.1\r\n"
	    "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n") == 0);
	CHECK(mon_route(s.chan, "/u", HTTP_INJECT_NONE) == 0);
	CHECK((up = mon_dial(s.chan)) != -1);
	CHECK(got(up, "PUT /u HTTP/1.1\r\nHost: up.example:8080\r\n"
	    "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
	CHECK(put(up, "HTTP/1.1 100 Continue\r\n\r\n") == 0);
	CHECK(got(s.client, "HTTP/1.1 100 Continue\r\n\r\n"));
	CHECK(put(s.client, "hello") == 0);
	CHECK(got(up, "hello"));
	CHECK(put(up, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n") ==
	    0);
	CHECK(got(s.client, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n"
	    "\r\n"));
	close(up);
	shutdown(s.client, SHUT_WR);
	CHECK_INT(served_reap(&s), 0);
}

/*
 * An HTTP/1.0 client knows no chunks: it gets the data, the end of the
 * connection as the end, and Connection: close; and the reason phrase
 * without its control bytes.
 */
TEST(httpserve_http10_client)
{
	struct served	 s;
	int		 up;

	REQUIRE(served_spawn(&s, &http_generic_connector, NULL) == 0);
	CHECK(put(s.client, "GET http://up.example:8080/old HTTP/1.0\r\n\r\n") ==
	    0);
	CHECK(mon_route(s.chan, "/old", HTTP_INJECT_NONE) == 0);
	CHECK((up = mon_dial(s.chan)) != -1);
	CHECK(got(up, "GET /old HTTP/1.1\r\nHost: up.example:8080\r\n\r\n"));
	/* A control byte in the reason phrase does not reach the client. */
	CHECK(put(up, "HTTP/1.1 200 O\033K\r\nTransfer-Encoding: chunked\r\n"
	    "X-Up: 1\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == 0);
	CHECK(got_prefix(s.client, "HTTP/1.1 200 O?K\r\nX-Up: 1\r\n"
	    "Connection: close\r\n\r\nabcde"));
	close(up);
	CHECK_INT(served_reap(&s), 0);
}

/*
 * An upstream that answers before it has read the body, and closes: its
 * answer reaches the client (with Connection: close), not a 502.
 */
TEST(httpserve_early_answer)
{
	struct served	 s;
	struct pollfd	 pfd;
	char		*body;
	size_t		 n = 4 * 1024 * 1024, off;
	ssize_t		 w;
	int		 up;

	REQUIRE(served_spawn(&s, &http_generic_connector, NULL) == 0);
	REQUIRE((body = calloc(1, n)) != NULL);
	CHECK(put(s.client, "POST http://up.example:8080/big HTTP/1.1\r\n"
	    "Content-Length: 4194304\r\n\r\n") == 0);
	CHECK(mon_route(s.chan, "/big", HTTP_INJECT_NONE) == 0);
	CHECK((up = mon_dial(s.chan)) != -1);
	CHECK(got(up, "POST /big HTTP/1.1\r\nHost: up.example:8080\r\n"
	    "Content-Length: 4194304\r\n\r\n"));
	CHECK(put(up, "HTTP/1.1 413 Content Too Large\r\n"
	    "Content-Length: 4\r\nConnection: close\r\n\r\nbig!") == 0);
	close(up);
	/* As much of the body as the worker takes, until the answer comes. */
	pfd.fd = s.client;
	pfd.events = POLLIN | POLLOUT;
	for (off = 0; off < n; off += w) {
		if (poll(&pfd, 1, 5000) != 1 || (pfd.revents & POLLIN) ||
		    (w = write(s.client, body + off, n - off)) <= 0)
			break;
	}
	CHECK(got_prefix(s.client, "HTTP/1.1 413 Content Too Large\r\n"
	    "Content-Length: 4\r\nConnection: close\r\n\r\nbig!"));
	free(body);
	CHECK_INT(served_reap(&s), 0);
}
