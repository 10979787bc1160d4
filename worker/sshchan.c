/*
 * The SSH connectors' requests on the privsep channel (sshmsg.h): thin
 * wrappers on wchan_request, as httpchan.c's.  Each checks the answer's
 * layout exactly; an answer that does not parse is a broken channel.
 * The private keys stay in the monitor: what comes back is public key
 * blobs, signatures, a socket, and (ssh only) the front host key, which
 * goes into guarded memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "msg.h"
#include "secret.h"
#include "ssh.h"
#include "sshmsg.h"
#include "worker.h"

#define CHANNEL_BROKEN	"airlock: internal channel error"
/* Longest comment of an identity we pass on. */
#define SSH_COMMENT_MAX	1024

static int
broken(char *err, size_t errlen)
{
	snprintf(err, errlen, CHANNEL_BROKEN);
	return ERR_PROTO;
}

void
sshchan_keys_free(struct ssh_keys *keys)
{
	size_t	 i;

	for (i = 0; i < keys->n; i++) {
		free(keys->blob[i]);
		free(keys->comment[i]);
	}
	memset(keys, 0, sizeof(*keys));
}

/* u32 n (1..SSH_MAX_KEYS), then n times string blob, string comment. */
static int
get_keys(struct buf *b, struct ssh_keys *keys)
{
	const unsigned char	*v;
	size_t			 len;
	uint32_t		 n, i;

	if (buf_get_u32(b, &n) != 0 || n == 0 || n > SSH_MAX_KEYS)
		return ERR_PROTO;
	for (i = 0; i < n; i++) {
		if (buf_get_string_direct(b, &v, &len) != 0 || len == 0 ||
		    (keys->blob[i] = malloc(len)) == NULL)
			return ERR_PROTO;
		memcpy(keys->blob[i], v, len);
		keys->bloblen[i] = len;
		keys->n = i + 1;
		if (buf_get_cstring(b, &keys->comment[i], SSH_COMMENT_MAX) != 0)
			return ERR_PROTO;
	}
	return buf_expect_end(b);
}

int
sshchan_keys(struct wconn *c, struct ssh_keys *keys, char *err,
    size_t errlen)
{
	struct buf	*reply;
	int		 r;

	memset(keys, 0, sizeof(*keys));
	if ((reply = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	if ((r = wchan_request(c, MSG_SSH_KEYS, NULL, reply, NULL, err,
	    errlen)) == 0 && get_keys(reply, keys) != 0) {
		sshchan_keys_free(keys);
		r = broken(err, errlen);
	}
	buf_free(reply);
	return r;
}

int
sshchan_sign(struct wconn *c, const unsigned char *key, size_t keylen,
    const unsigned char *data, size_t datalen, uint32_t flags,
    struct buf *sig, char *err, size_t errlen)
{
	struct buf	*req;
	size_t		 before = buf_len(sig);
	int		 r;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(req, key, keylen)) != 0 ||
	    (r = buf_put_string(req, data, datalen)) != 0 ||
	    (r = buf_put_u32(req, flags)) != 0)
		snprintf(err, errlen, "airlock: the request to sign is too "
		    "long");
	else if ((r = wchan_ask(c, MSG_SSH_SIGN, req, sig, err,
	    errlen)) == 0 && buf_len(sig) == before)
		r = broken(err, errlen);
	buf_free(req);
	return r;
}

int
sshchan_bind(struct wconn *c, const unsigned char *hostkey,
    size_t hostkeylen, const unsigned char *sid, size_t sidlen,
    const unsigned char *sig, size_t siglen, int forwarding, char *err,
    size_t errlen)
{
	struct buf	*req, *reply;
	int		 r;

	req = buf_new(MSG_MAX_PAYLOAD);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL)
		r = ERR_NOMEM;
	else if ((r = buf_put_string(req, hostkey, hostkeylen)) != 0 ||
	    (r = buf_put_string(req, sid, sidlen)) != 0 ||
	    (r = buf_put_string(req, sig, siglen)) != 0 ||
	    (r = buf_put_u8(req, forwarding ? 1 : 0)) != 0)
		snprintf(err, errlen, "airlock: the session-bind is too long");
	else if ((r = wchan_request(c, MSG_SSH_BIND, req, reply, NULL, err,
	    errlen)) == 0 && buf_expect_end(reply) != 0)
		r = broken(err, errlen);
	buf_free(req);
	buf_free(reply);
	return r;
}

int
sshchan_agent(struct wconn *c, int *fd, char *err, size_t errlen)
{
	struct buf	*reply;
	int		 r;

	*fd = -1;
	if ((reply = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	r = wchan_request(c, MSG_SSH_AGENT, NULL, reply, fd, err, errlen);
	if (r == 0 && (*fd == -1 || buf_expect_end(reply) != 0)) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		r = broken(err, errlen);
	}
	buf_free(reply);
	return r;
}

int
sshchan_hostkey(struct wconn *c, struct secret **out, char *err,
    size_t errlen)
{
	return wchan_ask_secret(c, MSG_SSH_HOSTKEY, NULL, out, err, errlen);
}
