/*
 * The MySQL connector's requests on the privsep channel (mysqlmsg.h):
 * thin wrappers, as wchan.c's, around the answers the monitor computes so
 * that the password never enters the worker.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "mysqlchan.h"
#include "mysqlmsg.h"
#include "worker.h"

/* Ask with req; copy the one string of the answer into out. */
static int
ask(struct wconn *c, uint32_t type, const struct buf *req, unsigned char *out,
    size_t *outlen, char *err, size_t errlen)
{
	struct buf	*v;
	int		 r;

	if ((v = buf_new(*outlen)) == NULL)
		return ERR_NOMEM;
	if ((r = wchan_ask(c, type, req, v, err, errlen)) == 0) {
		memcpy(out, buf_ptr(v), buf_len(v));
		*outlen = buf_len(v);
	}
	buf_free(v);		/* wipes the answer's copy */
	return r;
}

int
wchan_my_scramble(struct wconn *c, uint32_t type,
    const unsigned char *scramble, size_t len, unsigned char *out,
    size_t *outlen, char *err, size_t errlen)
{
	struct buf	*req;
	int		 r;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(req, scramble, len)) == 0)
		r = ask(c, type, req, out, outlen, err, errlen);
	buf_free(req);
	return r;
}

int
wchan_my_rsa(struct wconn *c, const unsigned char *scramble, size_t len,
    const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen,
    unsigned char *out, size_t *outlen, char *err, size_t errlen)
{
	struct buf	*req;
	int		 r;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(req, scramble, len)) == 0 &&
	    (r = buf_put_string(req, n, nlen)) == 0 &&
	    (r = buf_put_string(req, e, elen)) == 0)
		r = ask(c, MSG_MY_RSA, req, out, outlen, err, errlen);
	buf_free(req);
	return r;
}
