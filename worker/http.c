/*
 * The HTTP connectors' worker half (basic_auth, conjur, aws,
 * generic_http): a forward proxy for one client connection, as Secretless
 * Broker's http proxy service is one (clients set http_proxy).  Requests
 * are served one after another, in order (a pipelined request waits in
 * the input buffer until the response before it is through):
 *
 *   1. the head is read and checked (httphead.c);
 *   2. the monitor routes it (MSG_HTTP_ROUTE): which service, which
 *      upstream, what it gets; or a status for the client;
 *   3. the upstream connection is kept for the next requests to the same
 *      (tls, host, port), else the monitor dials it (MSG_HTTP_DIAL); TLS
 *      verifies chain and name against the roots the monitor sends once
 *      (MSG_HTTP_ROOTS);
 *   4. and 5. the credentials: HEADERS' headers and query parameters, and
 *      for aws SIGV4's signature of the request's canonical form;
 *   6. the request goes upstream in origin form (RFC 9112 section 3.2.1)
 *      without the client's credentials and hop-by-hop fields, with the
 *      injected ones, whose values are wiped once written; its body is
 *      streamed (read whole first only where it must be hashed);
 *   7. the response comes back the same way; a redirect is the client's to
 *      follow, never ours.
 *
 * Errors reach the client as "HTTP/1.1 NNN", text/plain, "airlock: ...",
 * and close the connection, but for a request without a body that the
 * monitor refused before any of it went upstream; they never hold a
 * secret.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "buf.h"
#include "errors.h"
#include "http.h"
#include "httpmsg.h"
#include "log.h"
#include "secret.h"
#include "sigv4hash.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

/* No idleTimeout set: a client connection idle this long is closed. */
#define HTTP_IDLE_DEFAULT_MS	60000
/* A SigV4 request without x-amz-content-sha256: its body, hashed. */
#define HTTP_SIGV4_BODY_MAX	(1024 * 1024)
/* The head as it goes upstream: the client's, and what is injected. */
#define HTTP_OUT_HEAD_MAX	(4 * HTTP_HEAD_MAX + 2 * MSG_MAX_PAYLOAD)

/* What a step of a request says: go on, or end the connection. */
#define GO_ON			0
#define END			1
/* The upstream stopped taking the body: its answer may say why. */
#define BODY_CUT		2

struct http_conn {
	struct wconn	*c;
	struct relay_stats *st;
	int		 idle_ms;
	struct http_in	 cin;		/* from the client */
	struct http_in	 uin;		/* from the upstream */
	/* The upstream connection (c->backend) is for this one. */
	int		 up_tls;
	char		 up_host[HTTP_HOST_MAX + 1];
	char		 up_port[6];
	X509_STORE	*store;		/* ROOTS', once asked */
};

struct http_req {
	struct http_head h;		/* the client's head */
	struct http_route rt;
	struct http_creds creds;
	struct buf	*body;		/* read whole, or NULL: streamed */
	int		 continued;	/* we said 100 Continue ourselves */
	int		 body_cut;	/* the body did not all go up */
	int		 refused;	/* answered, the connection goes on */
	int		 has_body;
	struct buf	*target;	/* with the query parameters */
	char		 authz[SIGV4_SCOPE_MAX + SIGV4_SIGNED_MAX +
			    HTTP_AKID_MAX + 160];
	char		 length[24];	/* Content-Length of a body read whole */
	char		 host[HTTP_HOST_MAX + 8];
	struct http_field out[HTTP_FIELDS_MAX];	/* as sent upstream */
	size_t		 nout;
	int		 client_keep;
	int		 up_keep;
};

static int	 http_handshake(struct wconn *);
static int	 http_serve(struct wconn *, struct relay_stats *);

/* One row per connector name: they differ in the monitor only. */
const struct connector http_generic_connector = {
	.name = "generic_http",
	.handshake = http_handshake,
	.serve = http_serve,
};
const struct connector http_basic_auth_connector = {
	.name = "basic_auth",
	.handshake = http_handshake,
	.serve = http_serve,
};
const struct connector http_conjur_connector = {
	.name = "conjur",
	.handshake = http_handshake,
	.serve = http_serve,
};
const struct connector http_aws_connector = {
	.name = "aws",
	.handshake = http_handshake,
	.serve = http_serve,
};

/*
 * Nothing happens before the first request, whose ROUTE starts the
 * session; but for an HTTPS proxy (clientTLS), whose TLS comes first.
 */
static int
http_handshake(struct wconn *c)
{
	return wctls_wanted(c) ? http_client_tls(c) : 0;
}

static const char *
status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

int
http_error_write(struct endpoint *ep, int status, const char *why, int keep)
{
	char	 msg[HTTP_WHY + 256], text[HTTP_WHY];
	int	 n;

	text_printable(text, sizeof(text), why, strlen(why));
	n = snprintf(msg, sizeof(msg), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "%s\r\n%s%s\n", status, status_text(status),
	    strlen(text) + 1 + (strncmp(text, "airlock: ", 9) ? 9 : 0),
	    keep ? "" : "Connection: close\r\n",
	    strncmp(text, "airlock: ", 9) ? "airlock: " : "", text);
	if (n <= 0 || (size_t)n >= sizeof(msg) ||
	    ep_write_full(ep, msg, n, deadline_in(HTTP_ANSWER_MS)) != 0)
		return -1;
	return n;
}

/* An error for the client, "airlock: " and why; 0 when it was written. */
static int
write_answer(struct http_conn *hc, int status, const char *why, int keep)
{
	char	 text[HTTP_WHY];
	int	 n;

	if ((n = http_error_write(&hc->c->client, status, why, keep)) < 0)
		return -1;
	hc->st->b2c += n;
	/*
	 * Once per connection: the monitor logs each refusal of its own,
	 * and a worker's lines count against its log budget.
	 */
	if (!keep) {
		text_printable(text, sizeof(text), why, strlen(why));
		log_debug("answered %d: %s", status, text);
	}
	return 0;
}

/* An error for the client; the connection ends after it. */
static int
answer(struct http_conn *hc, int status, const char *why)
{
	(void)write_answer(hc, status, why, 0);
	return END;
}

/*
 * A request the monitor refused before anything of it went upstream.
 * With nothing of it left unread, a client that keeps its connection
 * alive may go on with the next (RFC 9112 section 9.3).
 */
static int
refuse(struct http_conn *hc, struct http_req *rq, int status,
    const char *why)
{
	if (rq->has_body || !rq->h.keep_alive || rq->h.http_minor < 1)
		return answer(hc, status, why);
	if (write_answer(hc, status, why, 1) != 0)
		return END;
	rq->client_keep = 1;
	rq->up_keep = 1;	/* untouched, or closed already */
	return GO_ON;
}

/* 1. The request's head, or the end of the connection. */
static int
read_request(struct http_conn *hc, struct http_req *rq, uint64_t deadline)
{
	char	 why[HTTP_WHY];
	size_t	 used;
	int	 r;

	for (;;) {
		r = http_head_parse(&rq->h, HTTP_HEAD_REQUEST,
		    hc->cin.data + hc->cin.off, hc->cin.len - hc->cin.off,
		    &used, why, sizeof(why));
		if (r == 0)
			break;
		if (r == ERR_NOMEM)
			return r;
		if (r != ERR_AGAIN)
			return answer(hc, r, why);
		if (hc->cin.eof) {
			if (hc->cin.off == hc->cin.len)
				return END;	/* a client done with us */
			return answer(hc, 400, "the request is incomplete");
		}
		r = http_in_fill(&hc->cin, deadline);
		if (r == ERR_TIMEOUT) {
			if (hc->cin.off < hc->cin.len)
				return answer(hc, 408, "the request did not "
				    "arrive in time");
			/* Once per connection: a line for the log budget. */
			log_debug("idle for %d ms; closing", hc->idle_ms);
			return END;
		}
		if (r != 0 && r != ERR_EOF)
			return END;
	}
	hc->cin.off += used;
	rq->has_body = rq->h.chunked || (rq->h.has_length && rq->h.length > 0);
	return GO_ON;
}

/* The roots of MSG_HTTP_ROOTS: a sealed memfd, mapped and read once. */
static int
load_store(struct http_conn *hc, char *why, size_t whylen, int *status)
{
	struct stat	 sb;
	void		*p;
	int		 fd, r;

	if ((r = httpchan_roots(hc->c, &fd, status, why, whylen)) != 0 ||
	    *status != 0)
		return r;
	r = 0;
	if (fstat(fd, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > HTTP_ROOTS_MAX ||
	    (p = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED) {
		snprintf(why, whylen, "airlock: no usable TLS roots");
		*status = 502;
	} else {
		hc->store = tls_store_new(p, sb.st_size, why, whylen);
		munmap(p, sb.st_size);
		if (hc->store == NULL) {
			snprintf(why, whylen, "airlock: no usable TLS roots");
			*status = 502;
		}
	}
	close(fd);
	return r;
}

static void
up_close(struct http_conn *hc)
{
	ep_close(&hc->c->backend);
	hc->uin.off = hc->uin.len = 0;
	hc->uin.eof = 0;
}

/* The host for TLS: an IPv6 literal without its brackets. */
static void
bare_host(const char *host, char *out, size_t outlen)
{
	size_t	 len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		snprintf(out, outlen, "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(out, outlen, "%s", host);
}

/*
 * 3. An upstream connection for the route: the one held if it is for the
 * same upstream and has not been closed meanwhile (nothing may be
 * readable on an idle connection), else a new one.
 */
static int
upstream(struct http_conn *hc, const struct http_route *rt, int *status,
    char *why, size_t whylen)
{
	struct endpoint		*up = &hc->c->backend;
	struct tls_params	 tp;
	char			 host[HTTP_HOST_MAX + 1], err[256];
	int			 fd, r;

	*status = 0;
	if (up->fd != -1 && hc->up_tls == rt->tls &&
	    strcmp(hc->up_host, rt->host) == 0 &&
	    strcmp(hc->up_port, rt->port) == 0 &&
	    hc->uin.off == hc->uin.len && ep_has_pending(up) == 0)
		return 0;
	up_close(hc);
	if ((r = httpchan_dial(hc->c, &fd, status, why, whylen)) != 0 ||
	    *status != 0)
		return r;
	ep_init(up, fd, "upstream");
	if (ep_prepare(up) != 0) {
		ep_close(up);
		*status = 502;
		snprintf(why, whylen, "airlock: cannot use the upstream "
		    "socket");
		return 0;
	}
	if (rt->tls) {
		if (hc->store == NULL &&
		    ((r = load_store(hc, why, whylen, status)) != 0 ||
		    *status != 0)) {
			ep_close(up);
			return r;
		}
		bare_host(rt->host, host, sizeof(host));
		memset(&tp, 0, sizeof(tp));
		tp.mode = SSLMODE_VERIFY_FULL;
		tp.host = host;
		tp.store = hc->store;
		if (tls_client_start(up, &tp, deadline_in(hc->idle_ms), err,
		    sizeof(err)) != 0) {
			ep_close(up);
			*status = 502;
			snprintf(why, whylen, "airlock: TLS with %s failed: %s",
			    rt->host, err);
			return 0;
		}
	}
	hc->up_tls = rt->tls;
	snprintf(hc->up_host, sizeof(hc->up_host), "%s", rt->host);
	snprintf(hc->up_port, sizeof(hc->up_port), "%s", rt->port);
	return 0;
}

/* Send 100 Continue to a client that waits for it before its body. */
static int
say_continue(struct http_conn *hc, struct http_req *rq)
{
	static const char	 cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (!rq->h.expect_continue || rq->h.http_minor < 1 || rq->continued)
		return 0;
	rq->continued = 1;
	if (ep_write_full(&hc->c->client, cont, sizeof(cont) - 1,
	    deadline_in(hc->idle_ms)) != 0)
		return ERR_EOF;
	hc->st->b2c += sizeof(cont) - 1;
	return 0;
}

/* The body read whole, at most max bytes (413 above). */
static int
read_whole(struct http_conn *hc, struct http_req *rq, size_t max)
{
	struct http_body	 b;
	int			 r;

	if ((rq->body = buf_new(max)) == NULL)
		return ERR_NOMEM;
	if (say_continue(hc, rq) != 0)
		return END;
	http_body_init(&b, &rq->h, 0);
	b.limit = max;
	r = http_body_read_all(&hc->cin, &b, rq->body, hc->idle_ms);
	if (r == ERR_TOOBIG)
		return answer(hc, 413, "the request body is too large to be "
		    "signed (the most is read whole before it is sent)");
	if (r == ERR_FORMAT)
		return answer(hc, 400, "malformed request body framing");
	if (r != 0)
		return END;
	snprintf(rq->length, sizeof(rq->length), "%zu", buf_len(rq->body));
	return GO_ON;
}

static int
add_out(struct http_req *rq, const char *name, const char *value,
    size_t valuelen)
{
	if (rq->nout == nitems(rq->out))
		return -1;
	rq->out[rq->nout].name = (char *)name;
	rq->out[rq->nout].namelen = strlen(name);
	rq->out[rq->nout].value = (char *)value;
	rq->out[rq->nout].valuelen = valuelen;
	rq->nout++;
	return 0;
}

/* Is the client's field one that does not go upstream? */
static int
dropped(const struct http_req *rq, const struct http_field *f)
{
	static const char *const never[] = {
		"Host", "Authorization", "Proxy-Authorization",
	};
	size_t	 i;

	for (i = 0; i < nitems(never); i++)
		if (strcasecmp(f->name, never[i]) == 0)
			return 1;
	if (http_hop_by_hop(&rq->h, f))
		return 1;
	/* A body read whole goes with its length, and needs no 100. */
	if (rq->body != NULL && (strcasecmp(f->name, "Content-Length") == 0 ||
	    strcasecmp(f->name, "Transfer-Encoding") == 0 ||
	    strcasecmp(f->name, "Expect") == 0))
		return 1;
	for (i = 0; i < rq->creds.nheaders; i++)
		if (strcasecmp(f->name, rq->creds.headers[i].name) == 0)
			return 1;
	return 0;
}

/*
 * 6. The fields as they go upstream: Host (RFC 9112 section 3.2.2: the
 * target's authority), the client's that may go, the injected ones.
 */
static int
out_fields(struct http_req *rq)
{
	size_t	 i;

	rq->nout = 0;
	snprintf(rq->host, sizeof(rq->host), "%s%s%s", rq->h.host,
	    rq->h.port[0] ? ":" : "", rq->h.port);
	if (add_out(rq, "Host", rq->host, strlen(rq->host)) != 0)
		return -1;
	for (i = 0; i < rq->h.nfields; i++)
		if (!dropped(rq, &rq->h.fields[i]) &&
		    add_out(rq, rq->h.fields[i].name, rq->h.fields[i].value,
		    rq->h.fields[i].valuelen) != 0)
			return -1;
	if (rq->body != NULL &&
	    add_out(rq, "Content-Length", rq->length, strlen(rq->length)) != 0)
		return -1;
	for (i = 0; i < rq->creds.nheaders; i++)
		if (add_out(rq, rq->creds.headers[i].name,
		    (const char *)rq->creds.headers[i].value->data,
		    rq->creds.headers[i].value->len) != 0)
			return -1;
	return 0;
}

/* The target as it goes: with the query parameters, NUL-terminated. */
static const char *
out_target(const struct http_req *rq)
{
	if (rq->target == NULL)
		return rq->h.target;
	return (const char *)buf_ptr(rq->target);
}

/* The canonical request's hash, of the request as it will be sent. */
static int
canonical_hash(struct http_req *rq, const struct sigv4_client *sc,
    const char *service, const char *payload, char hash[65], char *why,
    size_t whylen)
{
	struct http_head	*sent;
	int			 r;

	if ((sent = calloc(1, sizeof(*sent))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	sent->request = 1;
	sent->method = rq->h.method;
	sent->target = (char *)out_target(rq);
	sent->scheme = rq->h.scheme;
	sent->host = rq->h.host;
	sent->port = rq->h.port;
	memcpy(sent->fields, rq->out, rq->nout * sizeof(rq->out[0]));
	sent->nfields = rq->nout;
	r = sigv4_canonical_hash(sent, sc, service, payload, hash, why,
	    whylen);
	free(sent);
	return r;
}

/*
 * 5. SigV4: the client signed with keys of its own (any will do); the
 * request is signed again, as it will be sent, by the monitor, which
 * holds the secret key.  The client's scope and signed fields are kept
 * (AWS SigV4, "Create a signed AWS API request").
 */
static int
sign_v4(struct http_conn *hc, struct http_req *rq, const struct http_field
    *authz)
{
	struct sigv4_client	 sc;
	const struct http_field	*f;
	char			 payload[65], hash[65], akid[HTTP_AKID_MAX + 1];
	char			 sig[65], why[HTTP_WHY], service[64];
	const char		*p, *q;
	size_t			 i;
	int			 status, r;

	if (authz == NULL || sigv4_parse_authorization(authz->value,
	    authz->valuelen, &sc) != 0)
		return answer(hc, 400, "an aws request must be signed by the "
		    "client with AWS SigV4 (with any keys)");
	if ((f = http_field_get(&rq->h, "X-Amz-Date")) == NULL ||
	    f->valuelen != 16)
		return answer(hc, 400, "an aws request needs X-Amz-Date");
	/* The scope's service: "date/region/service/aws4_request". */
	if ((p = strchr(sc.scope, '/')) == NULL ||
	    (p = strchr(p + 1, '/')) == NULL ||
	    (q = strchr(p + 1, '/')) == NULL ||
	    (size_t)(q - p - 1) >= sizeof(service))
		return answer(hc, 400, "malformed SigV4 credential scope");
	snprintf(service, sizeof(service), "%.*s", (int)(q - p - 1), p + 1);
	/* An x-amz-security-token added is signed too. */
	for (i = 0; i < rq->creds.nheaders; i++)
		if (strcasecmp(rq->creds.headers[i].name,
		    "X-Amz-Security-Token") == 0 &&
		    sigv4_add_signed(&sc, "x-amz-security-token") != 0)
			return answer(hc, 400, "too many signed headers");
	if ((f = http_field_get(&rq->h, "X-Amz-Content-Sha256")) != NULL)
		snprintf(payload, sizeof(payload), "%s", f->value);
	else if (rq->body != NULL)
		sigv4_sha256_hex(buf_ptr(rq->body), buf_len(rq->body), payload);
	else
		sigv4_sha256_hex("", 0, payload);
	if (canonical_hash(rq, &sc, service, payload, hash, why,
	    sizeof(why)) != 0)
		return answer(hc, 400, why);
	if ((r = httpchan_sigv4(hc->c, http_field_get(&rq->h,
	    "X-Amz-Date")->value, sc.scope, hash, akid, sig, &status, why,
	    sizeof(why))) != 0)
		return answer(hc, 502, why);
	if (status != 0)
		return answer(hc, status, why);
	snprintf(rq->authz, sizeof(rq->authz), "AWS4-HMAC-SHA256 "
	    "Credential=%s/%s, SignedHeaders=%s, Signature=%s", akid,
	    sc.scope, sc.signed_headers, sig);
	secret_wipe(sig, sizeof(sig));
	if (add_out(rq, "Authorization", rq->authz, strlen(rq->authz)) != 0)
		return answer(hc, 431, "too many header fields");
	return GO_ON;
}

static int
is_form(const struct http_head *h)
{
	const struct http_field	*f = http_field_get(h, "Content-Type");
	static const char	 form[] = "application/x-www-form-urlencoded";

	return f != NULL && strncasecmp(f->value, form, sizeof(form) - 1) ==
	    0 && (f->value[sizeof(form) - 1] == '\0' ||
	    f->value[sizeof(form) - 1] == ';' ||
	    f->value[sizeof(form) - 1] == ' ');
}

/*
 * 4. and 5.  What the route gets, fetched for this request: the body read
 * first where it must be (an OAuth 1.0a form, an unhashed SigV4 one).
 */
static int
inject(struct http_conn *hc, struct http_req *rq)
{
	const struct http_field	*sha;
	struct buf		*params = NULL;
	char			 why[HTTP_WHY];
	int			 status, r;

	if (rq->rt.inject == HTTP_INJECT_SIGV4) {
		sha = http_field_get(&rq->h, "X-Amz-Content-Sha256");
		if (sha != NULL && strncmp(sha->value, "STREAMING-", 10) == 0)
			return answer(hc, 400, "aws STREAMING payloads are "
			    "not supported; send the payload's hash or "
			    "UNSIGNED-PAYLOAD");
		if (sha == NULL && rq->has_body && (r = read_whole(hc, rq,
		    HTTP_SIGV4_BODY_MAX)) != GO_ON)
			return r;
	}
	if ((params = buf_new(MSG_MAX_STRING)) == NULL)
		return ERR_NOMEM;
	if (rq->rt.inject == HTTP_INJECT_OAUTH1) {
		if (rq->has_body && is_form(&rq->h) &&
		    (r = read_whole(hc, rq, HTTP_PARAMS_MAX)) != GO_ON)
			goto out;
		if (oauth1_request_params(rq->h.target,
		    http_field_get(&rq->h, "Content-Type") ?
		    http_field_get(&rq->h, "Content-Type")->value : NULL,
		    rq->body ? buf_ptr(rq->body) : NULL,
		    rq->body ? buf_len(rq->body) : 0, params, why,
		    sizeof(why)) != 0) {
			r = answer(hc, 400, why);
			goto out;
		}
	}
	if ((r = httpchan_headers(hc->c, (const char *)buf_ptr(params),
	    buf_len(params), &rq->creds, &status, why, sizeof(why))) != 0) {
		r = answer(hc, 502, why);
		goto out;
	}
	if (status != 0) {
		r = refuse(hc, rq, status, why);
		rq->refused = 1;
		goto out;
	}
	r = GO_ON;
	if (rq->creds.nquery > 0) {
		if ((rq->target = buf_new(HTTP_OUT_HEAD_MAX)) == NULL ||
		    http_query_add(rq->h.target, rq->creds.query,
		    rq->creds.nquery, rq->target) != 0 ||
		    buf_put_u8(rq->target, 0) != 0)
			r = answer(hc, 414, "the URL with the query "
			    "parameters is too long");
	}
 out:
	buf_free(params);
	return r;
}

static int
put_field(struct buf *b, const char *name, const char *value, size_t len)
{
	if (buf_put(b, name, strlen(name)) != 0 || buf_put(b, ": ", 2) != 0 ||
	    buf_put(b, value, len) != 0 || buf_put(b, "\r\n", 2) != 0)
		return -1;
	return 0;
}

/* The head upstream, in origin form; the buffer is wiped when freed. */
static int
write_request(struct http_conn *hc, struct http_req *rq)
{
	struct buf	*b;
	const char	*target = out_target(rq);
	size_t		 i;
	int		 r = 0;

	if ((b = buf_new(HTTP_OUT_HEAD_MAX)) == NULL)
		return ERR_NOMEM;
	if (buf_put(b, rq->h.method, strlen(rq->h.method)) != 0 ||
	    buf_put(b, " ", 1) != 0 ||
	    buf_put(b, target, strlen(target)) != 0 ||
	    buf_put(b, " HTTP/1.1\r\n", 11) != 0)
		r = -1;
	for (i = 0; r == 0 && i < rq->nout; i++)
		r = put_field(b, rq->out[i].name, rq->out[i].value,
		    rq->out[i].valuelen);
	if (r == 0)
		r = buf_put(b, "\r\n", 2);
	if (r != 0)
		r = answer(hc, 431, "the request's head is too large");
	else if (ep_write_full(&hc->c->backend, buf_ptr(b), buf_len(b),
	    deadline_in(hc->idle_ms)) != 0)
		r = answer(hc, 502, "the upstream closed the connection");
	else {
		hc->st->c2b += buf_len(b);
		r = GO_ON;
	}
	buf_free(b);
	/* Written: the injected values are of no more use here. */
	buf_free(rq->target);
	rq->target = NULL;
	http_creds_clear(&rq->creds);
	secret_wipe(rq->authz, sizeof(rq->authz));
	rq->nout = 0;
	return r;
}

/*
 * The request's body upstream: the whole one read, or streamed.  An
 * upstream may answer before it has read the body (413, 401) and close:
 * BODY_CUT, and its answer is read next.
 */
static int
send_body(struct http_conn *hc, struct http_req *rq)
{
	struct http_body	 b;
	int			 failed, r;

	if (rq->body != NULL) {
		if (ep_write_full(&hc->c->backend, buf_ptr(rq->body),
		    buf_len(rq->body), deadline_in(hc->idle_ms)) != 0) {
			rq->body_cut = 1;
			return BODY_CUT;
		}
		hc->st->c2b += buf_len(rq->body);
		return GO_ON;
	}
	http_body_init(&b, &rq->h, 1);
	r = http_body_stream(&hc->cin, &b, &hc->c->backend, hc->idle_ms,
	    &hc->st->c2b, &failed);
	if (r == 0)
		return GO_ON;
	if (failed) {
		rq->body_cut = 1;
		return BODY_CUT;
	}
	if (r == ERR_FORMAT)
		return answer(hc, 400, "malformed request body framing");
	return END;
}

/*
 * Which comes first, after a head with Expect: 100-continue went up: the
 * client's body (it stopped waiting), or the upstream's answer?  1 for
 * the upstream, 0 for the client, or an error.
 */
static int
upstream_first(struct http_conn *hc)
{
	struct pollfd	 pfd[2];
	int		 r, timeout = hc->idle_ms;

	for (;;) {
		if (hc->cin.off < hc->cin.len)
			return 0;
		if (ep_has_pending(&hc->c->backend) == 1)
			return 1;
		/* An HTTPS proxy's client: TLS bytes poll() cannot see. */
		if (ep_has_pending(&hc->c->client) == 1)
			return 0;
		pfd[0].fd = hc->c->client.fd;
		pfd[1].fd = hc->c->backend.fd;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if ((r = poll(pfd, 2, timeout)) == 0)
			return ERR_TIMEOUT;
		if (r == -1)
			return ERR_SYS;
		if (pfd[1].revents != 0)
			return 1;
		if (pfd[0].revents != 0)
			return 0;
	}
}

static int
read_response(struct http_conn *hc, struct http_req *rq, struct http_head *rh)
{
	char	 why[HTTP_WHY], msg[HTTP_WHY + 64];
	size_t	 used;
	int	 r;

	for (;;) {
		r = http_head_parse(rh, strcmp(rq->h.method, "HEAD") == 0 ?
		    HTTP_HEAD_HEAD : 0, hc->uin.data + hc->uin.off,
		    hc->uin.len - hc->uin.off, &used, why, sizeof(why));
		if (r == 0)
			break;
		if (r == ERR_NOMEM)
			return r;
		if (r != ERR_AGAIN) {
			snprintf(msg, sizeof(msg), "the upstream's answer is "
			    "not valid HTTP: %s", why);
			return answer(hc, 502, msg);
		}
		if (hc->uin.eof)
			return answer(hc, 502, "the upstream closed the "
			    "connection without an answer");
		r = http_in_fill(&hc->uin, deadline_in(hc->idle_ms));
		if (r == ERR_TIMEOUT)
			return answer(hc, 504, "the upstream did not answer "
			    "in time");
		if (r != 0 && r != ERR_EOF)
			return answer(hc, 502, "the upstream's connection "
			    "failed");
	}
	hc->uin.off += used;
	if (rh->status == 101)
		return answer(hc, 502, "the upstream switched protocols, "
		    "which airlock does not relay");
	return GO_ON;
}

/* A response's head to the client, without the hop-by-hop fields. */
static int
write_response(struct http_conn *hc, struct http_req *rq,
    struct http_head *rh, int reframe)
{
	struct buf	*b;
	char		 reason[256];
	size_t		 i;
	int		 r = 0;

	/* http-parser takes any byte but CR and LF in a reason phrase. */
	text_printable(reason, sizeof(reason), rh->reason, strlen(rh->reason));
	if ((b = buf_new(HTTP_OUT_HEAD_MAX)) == NULL)
		return ERR_NOMEM;
	if (buf_put(b, "HTTP/1.1 ", 9) != 0 ||
	    buf_put_u8(b, '0' + rh->status / 100) != 0 ||
	    buf_put_u8(b, '0' + rh->status / 10 % 10) != 0 ||
	    buf_put_u8(b, '0' + rh->status % 10) != 0 ||
	    buf_put(b, " ", 1) != 0 ||
	    buf_put(b, reason, strlen(reason)) != 0 ||
	    buf_put(b, "\r\n", 2) != 0)
		r = -1;
	for (i = 0; r == 0 && i < rh->nfields; i++) {
		if (http_hop_by_hop(rh, &rh->fields[i]) ||
		    (!reframe && rh->chunked && strcasecmp(rh->fields[i].name,
		    "Transfer-Encoding") == 0))
			continue;
		r = put_field(b, rh->fields[i].name, rh->fields[i].value,
		    rh->fields[i].valuelen);
	}
	if (r == 0 && rh->status >= 200 && !rq->client_keep)
		r = buf_put(b, "Connection: close\r\n", 19);
	if (r == 0)
		r = buf_put(b, "\r\n", 2);
	if (r == 0 && (r = ep_write_full(&hc->c->client, buf_ptr(b),
	    buf_len(b), deadline_in(hc->idle_ms))) == 0)
		hc->st->b2c += buf_len(b);
	buf_free(b);
	return r == 0 ? GO_ON : END;
}

/*
 * 7. The response: 1xx on the way (100 Continue lets a waiting body go
 * up), then the final one, streamed.  body_pending: the request's body
 * has not all gone up (Expect: 100-continue, or BODY_CUT); the client's
 * connection then ends after the answer.
 */
static int
relay_response(struct http_conn *hc, struct http_req *rq, int body_pending)
{
	struct http_head	 rh;
	struct http_body	 b;
	int			 r, failed, reframe;

	memset(&rh, 0, sizeof(rh));
	for (;;) {
		if ((r = read_response(hc, rq, &rh)) != GO_ON)
			goto out;
		if (rh.status >= 200)
			break;
		/* RFC 9110 section 15.2: not to an HTTP/1.0 client. */
		if (rq->h.http_minor >= 1 &&
		    !(rh.status == 100 && rq->continued) &&
		    (r = write_response(hc, rq, &rh, 1)) != GO_ON)
			goto out;
		if (rh.status == 100 && body_pending && !rq->body_cut) {
			rq->continued = 1;
			body_pending = (r = send_body(hc, rq)) == BODY_CUT;
			if (r != GO_ON && r != BODY_CUT)
				goto out;
		}
	}
	/* An HTTP/1.0 client gets the data of chunks, and the end. */
	reframe = rq->h.http_minor >= 1;
	http_body_init(&b, &rh, reframe);
	rq->client_keep = rq->h.keep_alive && rq->h.http_minor >= 1 &&
	    !b.eof_ok && !(rh.chunked && !reframe) && !body_pending;
	rq->up_keep = rh.keep_alive && !b.eof_ok && !body_pending;
	if ((r = write_response(hc, rq, &rh, reframe)) != GO_ON)
		goto out;
	r = http_body_stream(&hc->uin, &b, &hc->c->client, hc->idle_ms,
	    &hc->st->b2c, &failed);
	if (r != 0) {
		/* The head is out: all that is left is to stop. */
		log_debug("response body: %s", err_str(r));
		r = END;
		goto out;
	}
	/* Bytes after a response nobody asked for: not a connection to keep. */
	if (hc->uin.off != hc->uin.len)
		rq->up_keep = 0;
	r = rq->client_keep ? GO_ON : END;
 out:
	http_head_free(&rh);
	return r;
}

static int
one_request(struct http_conn *hc, struct http_req *rq, uint64_t deadline)
{
	char	 why[HTTP_WHY];
	int	 status, r;

	if ((r = read_request(hc, rq, deadline)) != GO_ON)
		return r;
	if ((r = httpchan_route(hc->c, &rq->h, &rq->rt, &status, why,
	    sizeof(why))) != 0)
		return answer(hc, 502, why);
	if (status != 0)
		return refuse(hc, rq, status, why);
	if ((r = upstream(hc, &rq->rt, &status, why, sizeof(why))) != 0)
		return answer(hc, 502, why);
	if (status != 0)
		return refuse(hc, rq, status, why);
	if (rq->rt.inject != HTTP_INJECT_NONE &&
	    ((r = inject(hc, rq)) != GO_ON || rq->refused))
		return r;
	if (out_fields(rq) != 0)
		return answer(hc, 431, "too many header fields");
	if (rq->rt.inject == HTTP_INJECT_SIGV4 &&
	    (r = sign_v4(hc, rq, http_field_get(&rq->h, "Authorization"))) !=
	    GO_ON)
		return r;
	if ((r = write_request(hc, rq)) != GO_ON)
		return r;
	if (rq->has_body && rq->body == NULL && rq->h.expect_continue &&
	    rq->h.http_minor >= 1) {
		if ((r = upstream_first(hc)) < 0)
			return answer(hc, 504, "neither the client nor the "
			    "upstream went on");
		if (r == 1)
			return relay_response(hc, rq, 1);
	}
	if ((r = send_body(hc, rq)) != GO_ON && r != BODY_CUT)
		return r;
	return relay_response(hc, rq, r == BODY_CUT);
}

static void
req_free(struct http_req *rq)
{
	http_head_free(&rq->h);
	http_creds_clear(&rq->creds);
	buf_free(rq->body);
	buf_free(rq->target);
	secret_wipe(rq, sizeof(*rq));
}

static int
http_serve(struct wconn *c, struct relay_stats *st)
{
	struct http_conn	*hc;
	struct http_req		*rq;
	uint64_t		 deadline = c->deadline;
	int			 r;

	memset(st, 0, sizeof(*st));
	hc = calloc(1, sizeof(*hc));
	rq = calloc(1, sizeof(*rq));
	if (hc == NULL || rq == NULL) {
		free(hc);
		free(rq);
		return ERR_NOMEM;
	}
	hc->c = c;
	hc->st = st;
	hc->idle_ms = c->idle_timeout_ms > 0 ? c->idle_timeout_ms :
	    HTTP_IDLE_DEFAULT_MS;
	hc->cin.ep = &c->client;
	hc->uin.ep = &c->backend;
	for (;;) {
		r = one_request(hc, rq, deadline);
		if (r == GO_ON && !rq->up_keep)
			up_close(hc);
		req_free(rq);
		if (r != GO_ON)
			break;
		deadline = deadline_in(hc->idle_ms);
	}
	X509_STORE_free(hc->store);
	free(hc);
	free(rq);
	return r == END ? 0 : r;
}
