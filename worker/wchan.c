/*
 * The worker's side of the privsep channel: one function per request, each
 * sending the request and waiting for its answer until the handshake
 * deadline, as OpenSSH's monitor_wrap.c does for its child.  The monitor
 * answers a permitted request with the same type, or with MSG_FAILED and a
 * reason for the client; anything else means the channel is broken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctls.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "secret.h"
#include "worker.h"

static int
remaining_ms(const struct wconn *c)
{
	uint64_t	 now = now_ms();

	if (now >= c->deadline)
		return 0;
	return c->deadline - now > 600000 ? 600000 : (int)(c->deadline - now);
}

/*
 * Send one request and receive its answer into reply.  The answer has the
 * request's type, except that DIAL is answered by DIALED.  On MSG_FAILED
 * the reason goes into err and ERR_DENIED is returned.
 */
int
wchan_request(struct wconn *c, uint32_t type, const struct buf *req,
    struct buf *reply, int *fd, char *err, size_t errlen)
{
	const unsigned char	*why;
	uint32_t		 rtype;
	size_t			 len;
	int			 r, rfd;

	if (fd != NULL)
		*fd = -1;
	if ((r = msg_send(c->chan, type, req, -1)) != 0) {
		snprintf(err, errlen, "airlock: internal channel error");
		return r;
	}
	r = msg_recv_timeout(c->chan, remaining_ms(c), &rtype, reply, &rfd);
	if (r != 0) {
		snprintf(err, errlen, r == ERR_TIMEOUT ?
		    "airlock: timed out waiting for the broker" :
		    "airlock: internal channel error");
		return r;
	}
	if (rtype == MSG_FAILED) {
		if (rfd != -1)
			close(rfd);
		if (buf_get_string_direct(reply, &why, &len) != 0 ||
		    buf_expect_end(reply) != 0)
			len = 0;
		snprintf(err, errlen, "airlock: %.*s", (int)len,
		    len ? (const char *)why : "request refused");
		return ERR_DENIED;
	}
	if (rtype != (type == MSG_DIAL ? MSG_DIALED : type)) {
		if (rfd != -1)
			close(rfd);
		snprintf(err, errlen, "airlock: internal channel error");
		return ERR_PROTO;
	}
	if (fd != NULL)
		*fd = rfd;
	else if (rfd != -1) {
		close(rfd);
		snprintf(err, errlen, "airlock: internal channel error");
		return ERR_PROTO;
	}
	return 0;
}

int
wchan_ask(struct wconn *c, uint32_t type, const struct buf *req,
    struct buf *answer, char *err, size_t errlen)
{
	const unsigned char	*v;
	struct buf		*reply;
	size_t			 len;
	int			 r;

	if ((reply = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	if ((r = wchan_request(c, type, req, reply, NULL, err, errlen)) == 0 &&
	    ((r = buf_get_string_direct(reply, &v, &len)) != 0 ||
	    (r = buf_expect_end(reply)) != 0 ||
	    (r = buf_put(answer, v, len)) != 0))
		snprintf(err, errlen, "airlock: internal channel error");
	buf_free(reply);	/* wipes the answer's copy */
	return r;
}

int
wchan_ask_strings(struct wconn *c, uint32_t type, const void *v, size_t vlen,
    const void *v2, size_t v2len, struct buf *answer, char *err,
    size_t errlen)
{
	struct buf	*req;
	int		 r;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(req, v, vlen)) == 0 &&
	    (v2 == NULL || (r = buf_put_string(req, v2, v2len)) == 0))
		r = wchan_ask(c, type, req, answer, err, errlen);
	buf_free(req);
	return r;
}

int
wchan_dial(struct wconn *c, int purpose, char *err, size_t errlen)
{
	return wchan_dial_key(c, purpose, NULL, 0, err, errlen);
}

int
wchan_dial_key(struct wconn *c, int purpose, const void *key, size_t keylen,
    char *err, size_t errlen)
{
	struct buf	*req, *reply;
	int		 r, fd;

	req = buf_new(16 + keylen);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = buf_put_u8(req, purpose)) != 0 ||
	    (key != NULL && (r = buf_put_string(req, key, keylen)) != 0) ||
	    (r = wchan_request(c, MSG_DIAL, req, reply, &fd, err, errlen)) != 0)
		goto out;
	if (fd == -1) {
		snprintf(err, errlen, "airlock: internal channel error");
		r = ERR_PROTO;
		goto out;
	}
	ep_init(&c->backend, fd, "backend");
	if ((r = ep_prepare(&c->backend)) != 0) {
		snprintf(err, errlen, "airlock: cannot use the backend socket");
		goto out;
	}
	kv_clear(&c->params);
	/* A cancel dial carries no parameters at all. */
	if (buf_len(reply) > 0 && (r = kv_get_list(reply, &c->params)) != 0)
		snprintf(err, errlen, "airlock: internal channel error");
	else if ((r = buf_expect_end(reply)) != 0)
		snprintf(err, errlen, "airlock: internal channel error");
 out:
	buf_free(req);
	buf_free(reply);
	return r;
}

const char *
wchan_reason(const char *err)
{
	if (strncmp(err, "airlock: ", 9) == 0)
		return err + 9;
	return err;
}

const char *
wchan_param(struct wconn *c, const char *key)
{
	const char	*v;
	size_t		 vlen;

	if ((v = kv_get(&c->params, key, &vlen)) == NULL ||
	    strlen(v) != vlen)
		return NULL;
	return v;
}

int
wchan_ask_secret(struct wconn *c, uint32_t type, const struct buf *req,
    struct secret **out, char *err, size_t errlen)
{
	struct buf	*v;
	int		 r;

	*out = NULL;
	if ((v = buf_new(MSG_MAX_STRING)) == NULL)
		return ERR_NOMEM;
	r = wchan_ask(c, type, req, v, err, errlen);
	if (r == 0 && (*out = secret_new(buf_ptr(v), buf_len(v))) == NULL)
		r = ERR_NOMEM;
	buf_free(v);		/* wipes the plain copy of the value */
	return r;
}

int
wchan_credential(struct wconn *c, const char *name, struct secret **out,
    char *err, size_t errlen)
{
	struct buf	*req;
	int		 r;

	*out = NULL;
	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_cstring(req, name)) == 0)
		r = wchan_ask_secret(c, MSG_CREDENTIAL, req, out, err, errlen);
	buf_free(req);
	return r;
}

int
wchan_tls_sign(struct wconn *c, uint32_t type, const char *scheme,
    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
    size_t *siglen, char *err, size_t errlen)
{
	struct buf	*req, *v;
	int		 r;

	req = buf_new(MSG_MAX_PAYLOAD);
	v = buf_new(*siglen);
	if (req == NULL || v == NULL)
		r = ERR_NOMEM;
	else if ((r = buf_put_string(req, tbs, tbslen)) == 0 &&
	    (r = buf_put_cstring(req, scheme)) == 0 &&
	    (r = wchan_ask(c, type, req, v, err, errlen)) == 0) {
		if (buf_len(v) == 0) {
			snprintf(err, errlen,
			    "airlock: internal channel error");
			r = ERR_PROTO;
		} else {
			memcpy(sig, buf_ptr(v), buf_len(v));
			*siglen = buf_len(v);
		}
	}
	buf_free(req);
	buf_free(v);
	return r;
}

/* A notice to the monitor that needs no answer. */
static int
notify(struct wconn *c, uint32_t type, const struct buf *b)
{
	return msg_send(c->chan, type, b, -1);
}

int
wchan_client_tls_done(struct wconn *c, int outcome, const char *client)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(CTLS_CLIENT_MAX + 16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, outcome)) == 0 &&
	    (r = buf_put_string(b, client, strnlen(client,
	    CTLS_CLIENT_MAX - 1))) == 0)
		r = notify(c, MSG_CLIENT_TLS_DONE, b);
	buf_free(b);
	return r;
}

int
wchan_authdone(struct wconn *c, int ok)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, ok ? 1 : 0)) == 0)
		r = notify(c, MSG_AUTHDONE, b);
	buf_free(b);
	return r;
}

int
wchan_backend_return(struct wconn *c, const void *key, size_t keylen,
    const void *blob, size_t bloblen)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(keylen + bloblen + 16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(b, key, keylen)) == 0 &&
	    (r = buf_put_string(b, blob, bloblen)) == 0)
		r = msg_send(c->chan, MSG_BACKEND_RETURN, b, c->backend.fd);
	buf_free(b);
	return r;
}

int
wchan_stats(struct wconn *c, const struct relay_stats *st)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(32)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u64(b, st->c2b)) == 0 &&
	    (r = buf_put_u64(b, st->b2c)) == 0)
		r = notify(c, MSG_STATS, b);
	buf_free(b);
	return r;
}
