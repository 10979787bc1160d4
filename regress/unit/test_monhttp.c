/*
 * The HTTP connectors' requests in the monitor (monitor/mon_http.c), in
 * process: a loaded configuration, a stand-in worker on a socketpair, and
 * the monitor's loop run until each answer.  What a worker gets: the route
 * (service, TLS, upstream, what it injects) and the session it opens; the
 * headers and query parameters rendered per request (basic_auth,
 * generic_http with credentialValidations, a header value with CR LF
 * refused); aws's session token and keys trimmed, SIGV4 signed with the
 * secret key that never leaves (and refused for a date out of range, and
 * once per route); the roots memfd; a name that resolves to loopback
 * refused without allowLoopback, a literal address dialed.  No reason and
 * no log line (at debug level) ever holds a credential's value.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "buf.h"
#include "conftext.h"
#include "config.h"
#include "connector.h"
#include "errors.h"
#include "httpmsg.h"
#include "httproute.h"
#include "log.h"
#include "monitor.h"
#include "monworker.h"
#include "msg.h"
#include "oauth1.h"
#include "provider.h"
#include "secret.h"
#include "sigv4.h"
#include "test.h"

#define CANARY		"Cn-monhttp-ry"

static const char conf_text[] =
    "version: 2\n"
    "services:\n"
    "  basic:\n"
    "    connector: basic_auth\n"
    "    listenOn: tcp://127.0.0.1:1\n"
    "    credentials: {username: alice, password: " CANARY "}\n"
    "    config:\n"
    "      authenticateURLsMatching: ^https?://api\\.example/\n"
    "  gen:\n"
    "    connector: generic_http\n"
    "    listenOn: tcp://127.0.0.1:2\n"
    "    credentials: {token: " CANARY ", user: bob, crlf: \"a\\r\\nX: 1\"}\n"
    "    config:\n"
    "      authenticateURLsMatching: [^https://gen\\., ^https://crlf\\.]\n"
    "      headers: {X-Token: \"t={{ .token }}\"}\n"
    "      queryParams: {key: \"{{ .token }}\"}\n"
    "      credentialValidations: {user: ^bob$}\n"
    "  gencr:\n"
    "    connector: generic_http\n"
    "    listenOn: tcp://127.0.0.1:3\n"
    "    credentials: {crlf: \"a\\r\\nX: " CANARY "\", user: eve}\n"
    "    config:\n"
    "      authenticateURLsMatching: ^https://crlf\\.\n"
    "      headers: {X-Crlf: \"{{ .crlf }}\"}\n"
    "  genbad:\n"
    "    connector: generic_http\n"
    "    listenOn: tcp://127.0.0.1:4\n"
    "    credentials: {user: " CANARY "}\n"
    "    config:\n"
    "      authenticateURLsMatching: ^https://bad\\.\n"
    "      headers: {X-User: \"{{ .user }}\"}\n"
    "      credentialValidations: {user: ^bob$}\n"
    "  s3:\n"
    "    connector: aws\n"
    "    listenOn: tcp://127.0.0.1:5\n"
    "    credentials:\n"
    "      accessKeyId: \" AKIDEXAMPLE \\n\"\n"
    "      secretAccessKey: \" " CANARY " \"\n"
    "      accessToken: \" tok \"\n"
    "    config:\n"
    "      authenticateURLsMatching: ^https://s3\\.example/\n"
    "  oa:\n"
    "    connector: generic_http\n"
    "    listenOn: tcp://127.0.0.1:7\n"
    "    credentials: {ck: key1, cs: " CANARY ", tk: tok1, ts: sec2}\n"
    "    config:\n"
    "      authenticateURLsMatching: ^https://oa\\.example\n"
    "      queryParams: {api: \"{{ .ck }}\"}\n"
    "      oauth1:\n"
    "        consumer_key: \"{{ .ck }}\"\n"
    "        consumer_secret: \"{{ .cs }}\"\n"
    "        token: \"{{ .tk }}\"\n"
    "        token_secret: \"{{ .ts }}\"\n"
    "  loop:\n"
    "    connector: generic_http\n"
    "    listenOn: tcp://127.0.0.1:6\n"
    "    config:\n"
    "      authenticateURLsMatching: \"^http://(localhost|127\\\\.0\\\\.0\\\\.1):\"\n"
    "      passthrough: true\n";

static int	 leaked;
static int	 lines;

/*
 * Every line the monitor logs, at debug level: none may hold the canary,
 * nor the base64 of basic_auth's "alice:CANARY".
 */
static void
sink(int level, const struct log_ctx *ctx, const char *line, void *arg)
{
	(void)level;
	(void)ctx;
	(void)arg;
	lines++;
	if (strstr(line, CANARY) != NULL ||
	    strstr(line, "YWxpY2U6Q24tbW9uaHR0cC1yeQ") != NULL) {
		printf("    logged: %s\n", line);
		leaked++;
	}
}

/*
 * Send a request (payload b, consumed) and run the loop until it is
 * answered (5 s at most): the answer's status, with the reason in why
 * and the rest in reply; -1 when none came (killed).  *fd, if not NULL,
 * gets the descriptor that came with it.
 */
static int
ask(struct worker *w, int peer, uint32_t type, struct buf *b,
    struct buf *reply, int *fd, char *why, size_t whylen)
{
	struct pollfd		 pfd = { peer, POLLIN, 0 };
	const unsigned char	*reason;
	uint32_t		 rtype;
	uint16_t		 status;
	size_t			 len;
	int			 i, r, rfd;

	dispatch_message(w, type, b, -1);
	buf_free(b);
	why[0] = '\0';
	for (i = 0; i < 500; i++) {
		r = msg_recv(peer, &rtype, reply, &rfd);
		if (r == 0)
			break;
		if (r != ERR_AGAIN || w->killed)
			return -1;
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		poll(&pfd, 1, 10);
	}
	if (i == 500 || rtype != type || buf_get_u16(reply, &status) != 0 ||
	    buf_get_string_direct(reply, &reason, &len) != 0)
		return -1;
	snprintf(why, whylen, "%.*s", (int)len, reason);
	if (strstr(why, CANARY) != NULL)
		leaked++;
	if (fd != NULL)
		*fd = rfd;
	else if (rfd != -1)
		close(rfd);
	return status;
}

static struct buf *
strings(const char *a, const char *b, const char *c, const char *d,
    const char *e)
{
	const char	*v[5] = { a, b, c, d, e };
	struct buf	*m;
	size_t		 i;

	if ((m = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		abort();
	for (i = 0; i < 5 && v[i] != NULL; i++)
		if (buf_put_cstring(m, v[i]) != 0)
			abort();
	return m;
}

#define ROUTE(w, p, scheme, host, port, target, r, why) \
	ask(w, p, MSG_HTTP_ROUTE, strings("GET", scheme, host, port, target), \
	    r, NULL, why, sizeof(why))
#define HEADERS(w, p, r, why) \
	ask(w, p, MSG_HTTP_HEADERS, strings("", NULL, NULL, NULL, NULL), r, \
	    NULL, why, sizeof(why))

/* The next kv list of the answer, as "name=value;..." (values shown). */
static int
kv_text(struct buf *reply, char *out, size_t outlen)
{
	struct kvlist	 l;
	size_t		 i, n = 0;

	out[0] = '\0';
	if (kv_get_list(reply, &l) != 0)
		return -1;
	for (i = 0; i < l.n && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s=%s;",
		    l.v[i].key, (const char *)l.v[i].val);
	kv_clear(&l);
	return 0;
}

/* ROUTE's answer after its status and reason. */
static void
check_route(struct buf *r, const char *svc, int tls, const char *host,
    const char *port, int inject)
{
	char	*s = NULL, *h = NULL, *p = NULL;
	uint8_t	 t = 9, i = 9;

	CHECK(buf_get_cstring(r, &s, 256) == 0 && buf_get_u8(r, &t) == 0 &&
	    buf_get_cstring(r, &h, 256) == 0 &&
	    buf_get_cstring(r, &p, 16) == 0 && buf_get_u8(r, &i) == 0 &&
	    buf_expect_end(r) == 0);
	CHECK_STR(s, svc);
	CHECK_INT(t, tls);
	CHECK_STR(h, host);
	CHECK_STR(p, port);
	CHECK_INT(i, inject);
	free(s);
	free(h);
	free(p);
}

static void
basic_and_generic(struct buf *r)
{
	struct worker	*w;
	char		 why[512], text[512];
	int		 peer;

	/* basic_auth: the session opens at the first ROUTE. */
	REQUIRE((w = test_worker_new("basic", &peer)) != NULL);
	CHECK_INT(startups_count("basic"), 1);
	CHECK_INT(ROUTE(w, peer, "https", "api.example", "", "/x?q=1", r,
	    why), 0);
	check_route(r, "basic", 1, "api.example", "443", HTTP_INJECT_HEADERS);
	CHECK_INT(w->state, W_SESSION);
	CHECK_INT(startups_count("basic"), 0);
	CHECK_INT(HEADERS(w, peer, r, why), 0);
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	/* base64("alice:" CANARY) */
	CHECK_STR(text, "Authorization=Basic YWxpY2U6Q24tbW9uaHR0cC1yeQ==;");
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "");
	/* Plain http to a service without allowPlainHTTP: 403. */
	CHECK_INT(ROUTE(w, peer, "http", "api.example", "", "/", r, why),
	    403);
	CHECK(strstr(why, "allowPlainHTTP") != NULL);
	CHECK_INT(w->killed, 0);
	test_worker_done(w, peer);

	/* generic_http: headers, query, a validation that passes. */
	REQUIRE((w = test_worker_new("gen", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "gen.example", "8443", "/", r,
	    why), 0);
	check_route(r, "gen", 1, "gen.example", "8443", HTTP_INJECT_HEADERS);
	CHECK_INT(HEADERS(w, peer, r, why), 0);
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "X-Token=t=" CANARY ";");
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "key=" CANARY ";");
	/* No match on this listener: 403, the worker lives. */
	CHECK_INT(ROUTE(w, peer, "https", "crlf.example", "", "/p?secret=1",
	    r, why), 0);
	CHECK_INT(ROUTE(w, peer, "https", "other.example", "", "/p?secret=1",
	    r, why), 403);
	CHECK_STR(why, "no service of this listener matches "
	    "https://other.example/p; airlock does not forward "
	    "unauthenticated requests");
	CHECK_INT(w->killed, 0);
	test_worker_done(w, peer);

	/* A header value with CR LF: 503, not the value. */
	REQUIRE((w = test_worker_new("gencr", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "crlf.example", "", "/", r, why),
	    0);
	CHECK_INT(HEADERS(w, peer, r, why), 503);
	CHECK(strstr(why, "X-Crlf") != NULL);
	test_worker_done(w, peer);

	/* A credential that fails its validation: 503, the pattern named. */
	REQUIRE((w = test_worker_new("genbad", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "bad.example", "", "/", r, why),
	    0);
	CHECK_INT(HEADERS(w, peer, r, why), 503);
	CHECK(strstr(why, "credential user of service genbad") != NULL);
	CHECK(strstr(why, "^bob$") != NULL);
	/* Each per route: HEADERS again is a compromised worker's. */
	CHECK_INT(HEADERS(w, peer, r, why), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);
}

static struct buf *
sigv4_msg(time_t t)
{
	char		 date[32], scope[64];
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(scope, sizeof(scope), "%.8s/us-east-1/s3/aws4_request",
	    date);
	return strings(date, scope, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855", NULL, NULL);
}

static void
aws(struct buf *r)
{
	struct worker	*w;
	struct secret	*key;
	struct buf	*m;
	char		 why[512], text[512], want[SIGV4_HEX_LEN + 1];
	char		*akid = NULL, *sig = NULL, *date = NULL;
	char		*scope = NULL;
	char		*hash = NULL;
	int		 peer;

	REQUIRE((w = test_worker_new("s3", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "s3.example", "", "/b/k", r, why),
	    0);
	check_route(r, "s3", 1, "s3.example", "443", HTTP_INJECT_SIGV4);
	CHECK_INT(HEADERS(w, peer, r, why), 0);
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "X-Amz-Security-Token=tok;");
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "");
	/* An hour off: the client's to hear of, 400. */
	CHECK_INT(ask(w, peer, MSG_HTTP_SIGV4, sigv4_msg(time(NULL) - 3600),
	    r, NULL, why, sizeof(why)), 400);
	CHECK_INT(w->killed, 0);
	/* A new route, its HEADERS, then a signature. */
	CHECK_INT(ROUTE(w, peer, "https", "s3.example", "", "/b/k", r, why),
	    0);
	CHECK_INT(HEADERS(w, peer, r, why), 0);
	m = sigv4_msg(time(NULL));
	CHECK(buf_get_cstring(m, &date, 16) == 0 &&
	    buf_get_cstring(m, &scope, 64) == 0 &&
	    buf_get_cstring(m, &hash, 64) == 0);
	buf_free(m);
	CHECK_INT(ask(w, peer, MSG_HTTP_SIGV4, strings(date, scope, hash,
	    NULL, NULL), r, NULL, why, sizeof(why)), 0);
	CHECK(buf_get_cstring(r, &akid, 256) == 0 &&
	    buf_get_cstring(r, &sig, 256) == 0 && buf_expect_end(r) == 0);
	/* The keys trimmed, as Secretless's TrimSpace. */
	CHECK_STR(akid, "AKIDEXAMPLE");
	REQUIRE((key = secret_new(CANARY, strlen(CANARY))) != NULL);
	CHECK(sigv4_sign(key, date, scope, hash, want) == 0);
	CHECK_STR(sig, want);
	secret_free(key);
	/* Once per route. */
	CHECK_INT(ask(w, peer, MSG_HTTP_SIGV4, sigv4_msg(time(NULL)), r, NULL,
	    why, sizeof(why)), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);
	free(akid);
	free(sig);
	free(date);
	free(scope);
	free(hash);
}

/*
 * A worker that leaves while its answer is on the way is forgotten as the
 * answer fails to go (worker_send): nothing of its state may be touched
 * after that, for HEADERS (answered from the loop) and SIGV4.
 */
static void
gone(struct buf *r)
{
	struct worker	*w;
	struct buf	*m;
	char		 why[512];
	int		 peer, i;

	REQUIRE((w = test_worker_new("s3", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "s3.example", "", "/", r, why), 0);
	m = strings("", NULL, NULL, NULL, NULL);
	dispatch_message(w, MSG_HTTP_HEADERS, m, -1);
	buf_free(m);
	close(peer);
	for (i = 0; i < 500 && w->creq != NULL; i++)
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	CHECK(w->creq == NULL && w->cstate == NULL && w->chan == -1);
	CHECK_INT(w->killed, 0);
	REQUIRE((peer = dup(0)) != -1);
	test_worker_done(w, peer);

	REQUIRE((w = test_worker_new("s3", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "s3.example", "", "/", r, why), 0);
	CHECK_INT(HEADERS(w, peer, r, why), 0);
	close(peer);
	m = sigv4_msg(time(NULL));
	dispatch_message(w, MSG_HTTP_SIGV4, m, -1);
	buf_free(m);
	CHECK(w->cstate == NULL && w->chan == -1);
	CHECK_INT(w->killed, 0);
	REQUIRE((peer = dup(0)) != -1);
	test_worker_done(w, peer);
}

/* The quoted value of name="..." in an OAuth header, into out. */
static int
oauth_value(const char *hdr, const char *name, char *out, size_t outlen)
{
	char		 key[64];
	const char	*p, *q;

	snprintf(key, sizeof(key), "%s=\"", name);
	if ((p = strstr(hdr, key)) == NULL ||
	    (q = strchr(p + strlen(key), '"')) == NULL)
		return -1;
	p += strlen(key);
	snprintf(out, outlen, "%.*s", (int)(q - p), p);
	return 0;
}

/*
 * OAuth 1.0a signed in the monitor: the base URL without the default
 * port or the query, the request's parameters and the query parameters
 * the request gets, a fresh nonce and the time.
 */
static void
oauth1(struct buf *r)
{
	struct secret		*k[4], *want = NULL;
	struct oauth1_keys	 keys;
	struct kvlist		 h;
	struct worker		*w;
	const char		*got;
	char			 why[512], nonce[64], ts[32], text[512];
	int			 peer, i;

	REQUIRE((w = test_worker_new("oa", &peer)) != NULL);
	CHECK_INT(ROUTE(w, peer, "https", "oa.example", "443", "/p?a=1", r,
	    why), 0);
	check_route(r, "oa", 1, "oa.example", "443", HTTP_INJECT_OAUTH1);
	CHECK_INT(ask(w, peer, MSG_HTTP_HEADERS, strings("a=1&b=x%20y", NULL,
	    NULL, NULL, NULL), r, NULL, why, sizeof(why)), 0);
	REQUIRE(kv_get_list(r, &h) == 0);
	got = kv_get(&h, "Authorization", NULL);
	REQUIRE(got != NULL);
	CHECK(kv_text(r, text, sizeof(text)) == 0);
	CHECK_STR(text, "api=key1;");
	CHECK(oauth_value(got, "oauth_nonce", nonce, sizeof(nonce)) == 0);
	CHECK_INT(strlen(nonce), 16);
	CHECK(oauth_value(got, "oauth_timestamp", ts, sizeof(ts)) == 0);
	CHECK(llabs(atoll(ts) - (long long)time(NULL)) < 60);
	k[0] = secret_new("key1", 4);
	k[1] = secret_new(CANARY, strlen(CANARY));
	k[2] = secret_new("tok1", 4);
	k[3] = secret_new("sec2", 4);
	keys.consumer_key = k[0];
	keys.consumer_secret = k[1];
	keys.token = k[2];
	keys.token_secret = k[3];
	CHECK(oauth1_header(&keys, "GET", "https://oa.example/p",
	    "a=1&b=x%20y&api=key1", 20, nonce, ts, &want, why,
	    sizeof(why)) == 0);
	CHECK(want != NULL && strcmp((const char *)want->data, got) == 0);
	secret_free(want);
	for (i = 0; i < 4; i++)
		secret_free(k[i]);
	kv_clear(&h);
	test_worker_done(w, peer);
}

static void
roots_and_dials(struct buf *r)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct worker		*w;
	char			 why[512], port[8];
	int			 peer, fd = -1, ls;

	REQUIRE((w = test_worker_new("loop", &peer)) != NULL);
	/* A passthrough route: plain http is fine, nothing injected. */
	CHECK_INT(ROUTE(w, peer, "http", "localhost", "9", "/", r, why), 0);
	check_route(r, "loop", 0, "localhost", "9", HTTP_INJECT_NONE);
	CHECK_INT(ask(w, peer, MSG_HTTP_ROOTS, strings(NULL, NULL, NULL,
	    NULL, NULL), r, &fd, why, sizeof(why)), 0);
	CHECK(fd != -1 && fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL));
	if (fd != -1)
		close(fd);
	/* localhost resolves to loopback: refused without allowLoopback. */
	CHECK_INT(ask(w, peer, MSG_HTTP_DIAL, strings(NULL, NULL, NULL, NULL,
	    NULL), r, NULL, why, sizeof(why)), 403);
	CHECK(strstr(why, "a loopback address") != NULL);
	CHECK(strstr(why, "allowLoopback") != NULL);
	/* A literal address is dialed as the pattern allowed it. */
	REQUIRE((ls = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(ls, 1) == 0 &&
	    getsockname(ls, (struct sockaddr *)&sin, &len) == 0);
	snprintf(port, sizeof(port), "%u", ntohs(sin.sin_port));
	CHECK_INT(ROUTE(w, peer, "http", "127.0.0.1", port, "/", r, why), 0);
	CHECK_INT(ask(w, peer, MSG_HTTP_DIAL, strings(NULL, NULL, NULL, NULL,
	    NULL), r, &fd, why, sizeof(why)), 0);
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	close(ls);
	/* HEADERS for a passthrough route: killed. */
	CHECK_INT(HEADERS(w, peer, r, why), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);
}

TEST(monhttp_requests)
{
	struct buf	*r;
	char		 err[512];
	int		 saved = log_level();

	log_set_sink(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	memset(&mon, 0, sizeof(mon));
	TAILQ_INIT(&mon.workers);
	mon.draining = 1;		/* no listeners to resume */
	REQUIRE((mon.base = event_base_new()) != NULL);
	mon.dns = evdns_base_new(mon.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (mon.dns == NULL)
		mon.dns = evdns_base_new(mon.base, 0);
	mon.conf = config_from_text(conf_text, NULL, err, sizeof(err));
	if (mon.conf == NULL)
		printf("    %s\n", err);
	REQUIRE(mon.conf != NULL && mon.dns != NULL);
	REQUIRE((r = buf_new(MSG_MAX_PAYLOAD + 1)) != NULL);
	leaked = 0;
	basic_and_generic(r);
	aws(r);
	oauth1(r);
	gone(r);
	roots_and_dials(r);
	CHECK_INT(leaked, 0);
	CHECK(lines > 20);
	buf_free(r);
	http_roots_free();
	config_unref(mon.conf);
	provider_cleanup();
	evdns_base_free(mon.dns, 0);
	event_base_free(mon.base);
	metrics_free();
	memset(&mon, 0, sizeof(mon));
	log_set_sink(NULL, NULL);
	log_set_level(saved);
}
