/*
 * The HTTP connectors' requests on the privsep channel (httpmsg.h): thin
 * wrappers, as wchan.c's.  Every answer starts with u16 status and a
 * reason; a refusal of the monitor (403, 502, 503) is an answer, not an
 * error, and the caller passes it on to the client.  HEADERS' values are
 * secrets: each goes into guarded memory, and the reply's buffer is wiped
 * when it is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "http.h"
#include "httpmsg.h"
#include "msg.h"
#include "secret.h"
#include "sigv4hash.h"
#include "util.h"
#include "worker.h"

#define CHANNEL_BROKEN	"airlock: internal channel error"

/*
 * Send req, receive the answer's status and reason; the rest of the
 * answer stays in reply.  A reason is shown to the client as it is,
 * without control characters, and says it comes from airlock.
 */
static int
ask(struct wconn *c, uint32_t type, const struct buf *req, struct buf *reply,
    int *fd, int *status, char *why, size_t whylen)
{
	const unsigned char	*reason;
	char			 text[512];
	size_t			 len;
	uint16_t		 st;
	int			 r;

	*status = 0;
	c->deadline = deadline_in(HTTP_CHAN_MS);
	if ((r = wchan_request(c, type, req, reply, fd, why, whylen)) != 0)
		return r;
	if (buf_get_u16(reply, &st) != 0 ||
	    buf_get_string_direct(reply, &reason, &len) != 0 ||
	    (st != 0 && (st < 400 || st > 599 || buf_expect_end(reply) != 0))) {
		if (fd != NULL && *fd != -1) {
			close(*fd);
			*fd = -1;
		}
		snprintf(why, whylen, CHANNEL_BROKEN);
		return ERR_PROTO;
	}
	*status = st;
	if (st != 0) {
		if (fd != NULL && *fd != -1) {
			close(*fd);
			*fd = -1;
		}
		text_printable(text, sizeof(text), reason, len);
		snprintf(why, whylen, "%s%s",
		    strncmp(text, "airlock: ", 9) == 0 ? "" : "airlock: ",
		    text);
	}
	return 0;
}

/* A string of the answer into dst (dstsize with its NUL), no NUL inside. */
static int
get_str(struct buf *b, char *dst, size_t dstsize)
{
	const unsigned char	*v;
	size_t			 len;

	if (buf_get_string_direct(b, &v, &len) != 0 || len >= dstsize ||
	    memchr(v, '\0', len) != NULL)
		return ERR_PROTO;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

static int
put_route(struct buf *b, const struct http_head *h)
{
	if (buf_put_cstring(b, h->method) != 0 ||
	    buf_put_cstring(b, h->scheme) != 0 ||
	    buf_put_cstring(b, h->host) != 0 ||
	    buf_put_cstring(b, h->port) != 0 ||
	    buf_put_cstring(b, h->target) != 0)
		return ERR_TOOBIG;
	return 0;
}

int
httpchan_route(struct wconn *c, const struct http_head *h,
    struct http_route *rt, int *status, char *why, size_t whylen)
{
	struct buf	*req, *reply;
	uint8_t		 tls, inject;
	int		 r;

	memset(rt, 0, sizeof(*rt));
	req = buf_new(MSG_MAX_PAYLOAD);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL)
		r = ERR_NOMEM;
	else if ((r = put_route(req, h)) == 0 &&
	    (r = ask(c, MSG_HTTP_ROUTE, req, reply, NULL, status, why,
	    whylen)) == 0 && *status == 0) {
		if (get_str(reply, rt->service, sizeof(rt->service)) != 0 ||
		    buf_get_u8(reply, &tls) != 0 || tls > 1 ||
		    get_str(reply, rt->host, sizeof(rt->host)) != 0 ||
		    get_str(reply, rt->port, sizeof(rt->port)) != 0 ||
		    buf_get_u8(reply, &inject) != 0 ||
		    inject > HTTP_INJECT_SIGV4 || buf_expect_end(reply) != 0) {
			snprintf(why, whylen, CHANNEL_BROKEN);
			r = ERR_PROTO;
		} else {
			rt->tls = tls;
			rt->inject = inject;
		}
	}
	buf_free(req);
	buf_free(reply);
	return r;
}

/* A request with an empty payload whose answer brings a descriptor. */
static int
ask_fd(struct wconn *c, uint32_t type, int *fd, int *status, char *why,
    size_t whylen)
{
	struct buf	*reply;
	int		 r;

	*fd = -1;
	if ((reply = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	r = ask(c, type, NULL, reply, fd, status, why, whylen);
	if (r == 0 && *status == 0 && (*fd == -1 ||
	    buf_expect_end(reply) != 0)) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		snprintf(why, whylen, CHANNEL_BROKEN);
		r = ERR_PROTO;
	}
	buf_free(reply);
	return r;
}

int
httpchan_roots(struct wconn *c, int *fd, int *status, char *why,
    size_t whylen)
{
	return ask_fd(c, MSG_HTTP_ROOTS, fd, status, why, whylen);
}

int
httpchan_dial(struct wconn *c, int *fd, int *status, char *why,
    size_t whylen)
{
	return ask_fd(c, MSG_HTTP_DIAL, fd, status, why, whylen);
}

void
http_creds_clear(struct http_creds *cr)
{
	size_t	 i;

	for (i = 0; i < cr->nheaders; i++) {
		free(cr->headers[i].name);
		secret_free(cr->headers[i].value);
	}
	for (i = 0; i < cr->nquery; i++) {
		free(cr->query[i].name);
		secret_free(cr->query[i].value);
	}
	memset(cr, 0, sizeof(*cr));
}

/*
 * A kv list of secrets.  A header's name must be a token and its value
 * free of control characters but HT (RFC 9110 section 5.5), or a value
 * could end the field and start another: that is the monitor's to
 * prevent, and checked again here.
 */
static int
get_secrets(struct buf *b, struct http_kv *kv, size_t *n, int header)
{
	const unsigned char	*v;
	size_t			 len, i, j;
	uint32_t		 count;

	if (buf_get_u32(b, &count) != 0 || count > MSG_MAX_KV)
		return ERR_PROTO;
	for (i = 0; i < count; i++) {
		if (buf_get_cstring(b, &kv[i].name, 256) != 0)
			return ERR_PROTO;
		*n = i + 1;
		if (buf_get_string_direct(b, &v, &len) != 0)
			return ERR_PROTO;
		if (header) {
			if (!http_token(kv[i].name, strlen(kv[i].name)))
				return ERR_PROTO;
			for (j = 0; j < len; j++)
				if ((v[j] < ' ' && v[j] != '\t') || v[j] == 0x7f)
					return ERR_FORMAT;
		}
		if ((kv[i].value = secret_new(v, len)) == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

int
httpchan_headers(struct wconn *c, const char *params, size_t paramslen,
    struct http_creds *cr, int *status, char *why, size_t whylen)
{
	struct buf	*req, *reply;
	int		 r;

	memset(cr, 0, sizeof(*cr));
	req = buf_new(MSG_MAX_PAYLOAD);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL)
		r = ERR_NOMEM;
	else if ((r = buf_put_string(req, params, paramslen)) == 0 &&
	    (r = ask(c, MSG_HTTP_HEADERS, req, reply, NULL, status, why,
	    whylen)) == 0 && *status == 0) {
		if ((r = get_secrets(reply, cr->headers, &cr->nheaders,
		    1)) != 0 || (r = get_secrets(reply, cr->query,
		    &cr->nquery, 0)) != 0 || (r = buf_expect_end(reply)) != 0) {
			http_creds_clear(cr);
			if (r == ERR_FORMAT) {
				/* A credential that cannot be a header. */
				*status = 503;
				snprintf(why, whylen, "airlock: a header "
				    "rendered from the credentials holds a "
				    "control character");
				r = 0;
			} else
				snprintf(why, whylen, CHANNEL_BROKEN);
		}
	}
	buf_free(req);
	buf_free(reply);	/* wipes the plain copies of the values */
	return r;
}

int
httpchan_sigv4(struct wconn *c, const char *amzdate, const char *scope,
    const char *hash, char akid[HTTP_AKID_MAX + 1], char sig[65],
    int *status, char *why, size_t whylen)
{
	struct buf	*req, *reply;
	size_t		 i;
	int		 r;

	req = buf_new(MSG_MAX_PAYLOAD);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL)
		r = ERR_NOMEM;
	else if ((r = buf_put_cstring(req, amzdate)) == 0 &&
	    (r = buf_put_cstring(req, scope)) == 0 &&
	    (r = buf_put_cstring(req, hash)) == 0 &&
	    (r = ask(c, MSG_HTTP_SIGV4, req, reply, NULL, status, why,
	    whylen)) == 0 && *status == 0) {
		if (get_str(reply, akid, HTTP_AKID_MAX + 1) != 0 ||
		    get_str(reply, sig, 65) != 0 || !sigv4_is_sha256_hex(sig) ||
		    buf_expect_end(reply) != 0) {
			snprintf(why, whylen, CHANNEL_BROKEN);
			r = ERR_PROTO;
		}
		/* It goes into a header: a token's bytes at most. */
		for (i = 0; r == 0 && akid[i] != '\0'; i++)
			if (akid[i] <= ' ' || akid[i] >= 0x7f ||
			    akid[i] == ',' || akid[i] == '/') {
				snprintf(why, whylen, CHANNEL_BROKEN);
				r = ERR_PROTO;
			}
	}
	buf_free(req);
	buf_free(reply);
	return r;
}
