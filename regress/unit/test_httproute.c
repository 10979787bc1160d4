/*
 * A ROUTE's URL (monitor/httproute.c): each field's syntax, the URL
 * rebuilt as the client wrote it, the service chosen (the first in name
 * order whose pattern matches) and the upstream (forceSSL, ports), and
 * the refusals (no match, credentials over plain http).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "httpconf.h"
#include "httproute.h"
#include "test.h"

#define S(s)	(s), strlen(s)

TEST(httproute_method)
{
	CHECK(http_method_valid(S("GET")));
	CHECK(http_method_valid(S("M-SEARCH")));
	CHECK(http_method_valid(S("!#$%&'*+-.^_`|~09azAZ")));
	CHECK(!http_method_valid(S("")));
	CHECK(!http_method_valid(S("GE T")));
	CHECK(!http_method_valid(S("GET\r\n")));
	CHECK(!http_method_valid(S("G(ET")));
	CHECK(!http_method_valid(S("GET/")));
	CHECK(!http_method_valid("G\0T", 3));
	CHECK(http_method_valid(S("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF")));
	CHECK(!http_method_valid(S("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG")));
}

TEST(httproute_host)
{
	char	 long_label[80], long_name[300];
	int	 lit = -1;

	CHECK(http_host_valid(S("example.com"), &lit) && lit == 0);
	CHECK(http_host_valid(S("localhost"), &lit) && lit == 0);
	CHECK(http_host_valid(S("a-b_c.d9.example"), &lit) && lit == 0);
	CHECK(http_host_valid(S("1.2.3.4.example"), &lit) && lit == 0);
	CHECK(http_host_valid(S("127.0.0.1"), &lit) && lit == 1);
	CHECK(http_host_valid(S("[::1]"), &lit) && lit == 1);
	CHECK(http_host_valid(S("[2001:db8::a]"), &lit) && lit == 1);
	CHECK(http_host_valid(S("[::ffff:127.0.0.1]"), &lit) && lit == 1);
	/* Digits that resolvers would read as an address of their own. */
	CHECK(!http_host_valid(S("127.1"), &lit));
	CHECK(!http_host_valid(S("2130706433"), &lit));
	CHECK(!http_host_valid(S("example.123"), &lit));
	CHECK(!http_host_valid(S("256.0.0.1"), &lit));
	CHECK(!http_host_valid(S("1.2.3.4.5"), &lit));
	CHECK(!http_host_valid(S(""), &lit));
	CHECK(!http_host_valid(S("exa mple.com"), &lit));
	CHECK(!http_host_valid(S("Example.com"), &lit));
	CHECK(!http_host_valid(S("example.com."), &lit));
	CHECK(!http_host_valid(S(".example.com"), &lit));
	CHECK(!http_host_valid(S("a..b"), &lit));
	CHECK(!http_host_valid(S("user@example.com"), &lit));
	CHECK(!http_host_valid(S("example.com:80"), &lit));
	CHECK(!http_host_valid("exam\0ple", 8, &lit));
	CHECK(!http_host_valid(S("[::1"), &lit));
	CHECK(!http_host_valid(S("::1"), &lit));
	CHECK(!http_host_valid(S("[::g]"), &lit));
	CHECK(!http_host_valid(S("[2001:DB8::A]"), &lit));
	CHECK(!http_host_valid(S("[fe80::1%25eth0]"), &lit));
	CHECK(!http_host_valid(S("[127.0.0.1]"), &lit));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	CHECK(!http_host_valid(S(long_label), &lit));
	long_label[63] = '\0';
	CHECK(http_host_valid(S(long_label), &lit));
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", long_label,
	    long_label, long_label, long_label);	/* 255 */
	CHECK(!http_host_valid(S(long_name), &lit));
	long_name[253] = '\0';
	CHECK(http_host_valid(S(long_name), &lit));
}

TEST(httproute_target)
{
	char	*big;

	CHECK(http_target_valid(S("/")));
	CHECK(http_target_valid(S("/a/b?c=d&e=%20f#x")));
	CHECK(!http_target_valid(S("")));
	CHECK(!http_target_valid(S("a/b")));
	CHECK(!http_target_valid(S("*")));
	CHECK(!http_target_valid(S("/a b")));
	CHECK(!http_target_valid(S("/a\tb")));
	CHECK(!http_target_valid(S("/a\x7f")));
	CHECK(!http_target_valid(S("/\xc3\xa9")));
	CHECK(!http_target_valid("/a\0b", 4));
	REQUIRE((big = malloc(HTTP_TARGET_MAX + 1)) != NULL);
	memset(big, 'a', HTTP_TARGET_MAX + 1);
	big[0] = '/';
	CHECK(http_target_valid(big, HTTP_TARGET_MAX));
	CHECK(!http_target_valid(big, HTTP_TARGET_MAX + 1));
	free(big);
}

/* A ROUTE payload of five strings. */
static struct buf *
route_msg(const char *method, const char *scheme, const char *host,
    const char *port, const char *target)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, method) != 0 ||
	    buf_put_cstring(b, scheme) != 0 ||
	    buf_put_cstring(b, host) != 0 ||
	    buf_put_cstring(b, port) != 0 ||
	    buf_put_cstring(b, target) != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

/* Parse a ROUTE: its result. */
static int
url_of(const char *method, const char *scheme, const char *host,
    const char *port, const char *target, struct http_url *u)
{
	struct buf	*b;
	char		 why[128];
	int		 r;

	if ((b = route_msg(method, scheme, host, port, target)) == NULL)
		return ERR_NOMEM;
	r = http_url_get(b, u, why, sizeof(why));
	buf_free(b);
	return r;
}

TEST(httproute_url_get)
{
	static struct http_url	 u;
	char			 url[HTTP_URL_MAX];
	struct buf		*b;
	char			 why[128];

	CHECK_INT(url_of("GET", "http", "example.com", "", "/a?b=c", &u), 0);
	CHECK_STR(u.method, "GET");
	CHECK_INT(u.https, 0);
	CHECK_INT(u.literal, 0);
	CHECK_INT(http_url_string(&u, 1, url),
	    strlen("http://example.com/a?b=c"));
	CHECK_STR(url, "http://example.com/a?b=c");
	http_url_string(&u, 0, url);
	CHECK_STR(url, "http://example.com/a");
	CHECK_INT(url_of("POST", "https", "[::1]", "8443", "/", &u), 0);
	http_url_string(&u, 1, url);
	CHECK_STR(url, "https://[::1]:8443/");
	CHECK_INT(u.literal, 1);

	CHECK_INT(url_of("G T", "http", "a", "", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "ftp", "a", "", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "HTTP", "a", "", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a b", "", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a", "0", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a", "70000", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a", "8a", "/", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a", "123456", "/", &u), ERR_TOOBIG);
	CHECK_INT(url_of("GET", "http", "a", "", "x", &u), ERR_FORMAT);
	CHECK_INT(url_of("GET", "http", "a", "", "", &u), ERR_FORMAT);
	/* A field too long, one missing, one too many. */
	CHECK_INT(url_of("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", "http", "a", "",
	    "/", &u), ERR_TOOBIG);
	REQUIRE((b = buf_new(MSG_MAX_PAYLOAD)) != NULL);
	CHECK(buf_put_cstring(b, "GET") == 0 &&
	    buf_put_cstring(b, "http") == 0);
	CHECK(http_url_get(b, &u, why, sizeof(why)) != 0);
	buf_free(b);
	REQUIRE((b = route_msg("GET", "http", "a", "", "/")) != NULL);
	CHECK(buf_put_u8(b, 0) == 0);
	CHECK_INT(http_url_get(b, &u, why, sizeof(why)), ERR_FORMAT);
	buf_free(b);
}

/* A service of the HTTP family with one pattern. */
struct fake {
	struct service		 svc;
	struct http_conf	 hc;
	struct http_regex	*re[1];
};

static int
fake_init(struct fake *f, const char *name, const char *connector,
    const char *pattern)
{
	char	 err[256];

	memset(f, 0, sizeof(*f));
	f->svc.name = (char *)name;
	f->svc.connector = (char *)connector;
	f->svc.conn_conf = &f->hc;
	if ((f->re[0] = http_regex_compile(pattern, err, sizeof(err))) ==
	    NULL)
		return -1;
	f->hc.patterns = f->re;
	f->hc.npatterns = 1;
	return 0;
}

static void
fake_free(struct fake *f)
{
	http_regex_free(f->re[0]);
}

/* Route method scheme://host:port target through the group. */
static int
route(const struct service *const *grp, size_t n, const char *scheme,
    const char *host, const char *port, const char *target,
    struct http_route *rt, char *why, size_t whylen)
{
	static struct http_url	 u;

	if (url_of("GET", scheme, host, port, target, &u) != 0)
		return -1;
	return http_route_choose(grp, n, &u, rt, why, whylen);
}

TEST(httproute_choose)
{
	static struct fake	 a, b, p;
	const struct service	*grp[3];
	struct http_route	 rt;
	char			 why[512];

	/* a-api matches first (name order), b-all matches everything. */
	REQUIRE(fake_init(&a, "a-api", "basic_auth", "^https?://api\\.") == 0);
	REQUIRE(fake_init(&b, "b-all", "generic_http", ".*") == 0);
	REQUIRE(fake_init(&p, "c-pass", "generic_http", "public") == 0);
	p.hc.passthrough = 1;
	grp[0] = &a.svc;
	grp[1] = &b.svc;
	grp[2] = &p.svc;

	CHECK_INT(route(grp, 3, "https", "api.example.com", "", "/x", &rt,
	    why, sizeof(why)), 0);
	CHECK(rt.svc == &a.svc);
	CHECK_INT(rt.tls, 1);
	CHECK_STR(rt.port, "443");
	CHECK_STR(rt.host, "api.example.com");
	CHECK_INT(rt.inject, HTTP_INJECT_HEADERS);
	CHECK_INT(route(grp, 3, "https", "www.example.com", "8443", "/x",
	    &rt, why, sizeof(why)), 0);
	CHECK(rt.svc == &b.svc);
	CHECK_STR(rt.port, "8443");

	/* Credentials over plain http: refused, naming the settings. */
	CHECK_INT(route(grp, 3, "http", "api.example.com", "", "/x", &rt,
	    why, sizeof(why)), 403);
	CHECK(strstr(why, "service a-api") != NULL);
	CHECK(strstr(why, "allowPlainHTTP") != NULL);
	CHECK(strstr(why, "http://api.example.com/x") != NULL);
	/* ... unless allowPlainHTTP: port 80. */
	a.hc.allow_plain_http = 1;
	CHECK_INT(route(grp, 3, "http", "api.example.com", "", "/x", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.tls, 0);
	CHECK_STR(rt.port, "80");
	a.hc.allow_plain_http = 0;
	/* forceSSL: TLS, and the URL's port or 443. */
	a.hc.force_ssl = 1;
	CHECK_INT(route(grp, 3, "http", "api.example.com", "", "/x", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.tls, 1);
	CHECK_STR(rt.port, "443");
	CHECK_INT(route(grp, 3, "http", "api.example.com", "8080", "/x", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.tls, 1);
	CHECK_STR(rt.port, "8080");
	a.hc.force_ssl = 0;

	/* Nothing matches: 403, the URL shown without its query. */
	CHECK_INT(route(grp, 1, "https", "www.example.com", "", "/p?key=v",
	    &rt, why, sizeof(why)), 403);
	CHECK_STR(why, "no service of this listener matches "
	    "https://www.example.com/p; airlock does not forward "
	    "unauthenticated requests");
	CHECK(rt.svc == NULL);

	/* A passthrough service: nothing injected, plain http is fine. */
	grp[0] = &p.svc;
	CHECK_INT(route(grp, 1, "http", "public.example.com", "", "/", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.inject, HTTP_INJECT_NONE);
	CHECK_INT(rt.tls, 0);
	CHECK_STR(rt.port, "80");

	/* aws signs; generic_http with oauth1 signs its own way. */
	b.svc.connector = "aws";
	CHECK_INT(route(grp + 1, 1, "https", "s3.example.com", "", "/", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.inject, HTTP_INJECT_SIGV4);
	b.svc.connector = "generic_http";
	b.hc.noauth1 = 4;
	CHECK_INT(route(grp + 1, 1, "https", "s3.example.com", "", "/", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(rt.inject, HTTP_INJECT_OAUTH1);
	b.hc.noauth1 = 0;

	/* An IPv6 literal: brackets in the URL, none to dial. */
	CHECK_INT(route(grp + 1, 1, "https", "[::1]", "", "/", &rt, why,
	    sizeof(why)), 0);
	CHECK_STR(rt.host, "[::1]");
	CHECK_STR(rt.dial_host, "::1");
	CHECK_INT(rt.literal, 1);

	fake_free(&a);
	fake_free(&b);
	fake_free(&p);
}

/* The pattern sees the URL as written: port, path and query. */
TEST(httproute_match_string)
{
	static struct fake	 f;
	const struct service	*grp[1];
	struct http_route	 rt;
	char			 why[512];

	REQUIRE(fake_init(&f, "s", "generic_http",
	    "^https://h\\.example:8443/p\\?q=1$") == 0);
	grp[0] = &f.svc;
	CHECK_INT(route(grp, 1, "https", "h.example", "8443", "/p?q=1", &rt,
	    why, sizeof(why)), 0);
	CHECK_INT(route(grp, 1, "https", "h.example", "", "/p?q=1", &rt,
	    why, sizeof(why)), 403);
	CHECK_INT(route(grp, 1, "https", "h.example", "8443", "/p?q=2", &rt,
	    why, sizeof(why)), 403);
	fake_free(&f);
}
