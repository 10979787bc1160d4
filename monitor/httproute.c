/*
 * Where an HTTP request may go (MSG_HTTP_ROUTE, include/httpmsg.h).  The
 * worker parsed the request and names its method and absolute URL; the
 * monitor checks each field's syntax again (a compromised worker may send
 * anything), rebuilds the URL as the client wrote it, and tries the
 * listener's services in name order: the first whose
 * authenticateURLsMatching matches serves the request, as in Secretless
 * Broker (proxy_service.go, selectSubservice, on r.URL.String()).  A URL
 * that none matches is refused, where Secretless forwards it without
 * credentials.  The upstream is the URL's host and port, over TLS for an
 * https URL or a service with forceSSL (Secretless rewrites the scheme
 * only, so the port stays the URL's).
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "httpconf.h"
#include "httproute.h"
#include "util.h"


int
http_method_valid(const char *s, size_t len)
{
	return len <= HTTP_METHOD_MAX && http_token(s, len);
}

/* An address of family af, written in len bytes of s? */
static int
is_address(int af, const char *s, size_t len)
{
	unsigned char	 a[16];
	char		 text[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(text))
		return 0;
	memcpy(text, s, len);
	text[len] = '\0';
	return inet_pton(af, text, a) == 1;
}

int
http_host_valid(const char *s, size_t len, int *literal)
{
	size_t	 i, label = 0;
	int	 digits = 1;
	char	 c;

	*literal = 1;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		for (i = 1; i < len - 1; i++)
			if (s[i] >= 'A' && s[i] <= 'Z')
				return 0;
		return is_address(AF_INET6, s + 1, len - 2);
	}
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			digits = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_') || ++label > 63)
			return 0;
		if (c < '0' || c > '9')
			digits = 0;
	}
	if (label == 0)
		return 0;
	/*
	 * A last label of digits makes it an IPv4 address, as URL parsers
	 * and resolvers read it ("127.1", "2130706433"): only dotted
	 * decimal is taken, which dials what it says.
	 */
	if (digits)
		return is_address(AF_INET, s, len);
	*literal = 0;
	return 1;
}

int
http_target_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > HTTP_TARGET_MAX || s[0] != '/')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* A string field of at most max bytes into dst (room for max + 1). */
static int
get_field(struct buf *b, char *dst, size_t max)
{
	const unsigned char	*p;
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len > max)
		return ERR_TOOBIG;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

int
http_url_get(struct buf *b, struct http_url *u, char *why, size_t whylen)
{
	char		 scheme[8];
	unsigned int	 port;
	int		 r;

	memset(u, 0, sizeof(*u));
	if ((r = get_field(b, u->method, HTTP_METHOD_MAX)) != 0 ||
	    (r = get_field(b, scheme, sizeof(scheme) - 1)) != 0 ||
	    (r = get_field(b, u->host, HTTP_HOST_MAX)) != 0 ||
	    (r = get_field(b, u->port, sizeof(u->port) - 1)) != 0 ||
	    (r = get_field(b, u->target, HTTP_TARGET_MAX)) != 0 ||
	    (r = buf_expect_end(b)) != 0) {
		snprintf(why, whylen, "%s", err_str(r));
		return r;
	}
	if (!http_method_valid(u->method, strlen(u->method)))
		snprintf(why, whylen, "a method that is not a token");
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		snprintf(why, whylen, "scheme neither http nor https");
	else if (!http_host_valid(u->host, strlen(u->host), &u->literal))
		snprintf(why, whylen, "a host that is neither a name nor an "
		    "address");
	else if (u->port[0] != '\0' &&
	    port_parse(u->port, strlen(u->port), &port) != 0)
		snprintf(why, whylen, "a port not of 1 to 65535");
	else if (!http_target_valid(u->target, strlen(u->target)))
		snprintf(why, whylen, "a target that is not \"/\" and "
		    "printable ASCII");
	else {
		u->https = strcmp(scheme, "https") == 0;
		return 0;
	}
	return ERR_FORMAT;
}

size_t
http_url_string(const struct http_url *u, int query, char out[HTTP_URL_MAX])
{
	int	 n, tlen = (int)strlen(u->target);
	char	*q;

	if (!query && (q = strchr(u->target, '?')) != NULL)
		tlen = (int)(q - u->target);
	/* The fields' bounds make it fit. */
	n = snprintf(out, HTTP_URL_MAX, "%s://%s%s%s%.*s",
	    u->https ? "https" : "http", u->host, u->port[0] ? ":" : "",
	    u->port, tlen, u->target);
	return n < 0 ? 0 : (size_t)n;
}

/*
 * Does one of the service's patterns match?  1, 0, or -1 when one went
 * past its limits (then nothing is decided: the request is refused).
 */
static int
service_matches(const struct http_conf *hc, const char *url, size_t len)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < hc->npatterns; i++)
		if ((r = http_regex_match(hc->patterns[i], url, len)) != 0)
			return r;
	return 0;
}

/* What a request to the service gets (httpmsg.h, enum http_inject). */
static enum http_inject
inject_of(const struct service *svc, const struct http_conf *hc)
{
	if (hc->passthrough)
		return HTTP_INJECT_NONE;
	if (strcmp(svc->connector, "aws") == 0)
		return HTTP_INJECT_SIGV4;
	if (hc->noauth1 > 0)
		return HTTP_INJECT_OAUTH1;
	return HTTP_INJECT_HEADERS;
}

int
http_route_choose(const struct service *const *grp, size_t n,
    const struct http_url *u, struct http_route *rt, char *why,
    size_t whylen)
{
	const struct http_conf	*hc = NULL;
	char			 url[HTTP_URL_MAX], shown[HTTP_URL_MAX];
	size_t			 i, len;
	int			 m = 0;

	memset(rt, 0, sizeof(*rt));
	len = http_url_string(u, 1, url);
	http_url_string(u, 0, shown);
	for (i = 0; i < n && m == 0; i++)
		if ((hc = grp[i]->conn_conf) != NULL &&
		    (m = service_matches(hc, url, len)) < 0) {
			snprintf(why, whylen, "the URL %.300s is beyond what "
			    "the patterns of service %s may match", shown,
			    grp[i]->name);
			return 403;
		}
	if (m == 0) {
		snprintf(why, whylen, "no service of this listener matches "
		    "%.300s; airlock does not forward unauthenticated "
		    "requests", shown);
		return 403;
	}
	rt->svc = grp[i - 1];
	rt->hc = hc;
	rt->tls = u->https || hc->force_ssl;
	rt->inject = inject_of(rt->svc, hc);
	if (rt->inject != HTTP_INJECT_NONE && !rt->tls &&
	    !hc->allow_plain_http) {
		snprintf(why, whylen, "service %s sends credentials over "
		    "verified TLS only, and %.300s is plain http: use https, "
		    "or set forceSSL (or allowPlainHTTP) in its config",
		    rt->svc->name, shown);
		return 403;
	}
	snprintf(rt->host, sizeof(rt->host), "%s", u->host);
	/* The brackets of an IPv6 address are the URL's, not the address's. */
	if (u->host[0] == '[')
		snprintf(rt->dial_host, sizeof(rt->dial_host), "%.*s",
		    (int)strlen(u->host) - 2, u->host + 1);
	else
		snprintf(rt->dial_host, sizeof(rt->dial_host), "%s", u->host);
	rt->literal = u->literal;
	snprintf(rt->port, sizeof(rt->port), "%s", u->port[0] ? u->port :
	    rt->tls ? "443" : "80");
	return 0;
}
