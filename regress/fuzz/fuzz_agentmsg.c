/*
 * libFuzzer harness: an agent client's bytes as the ssh-agent worker
 * (and the monitor's agent server) decode them, frame after frame with
 * privsep/agentmsg.c's agent_decode.  A frame is consumed whole or not at
 * all, its views lie inside it, and a request that parsed is exactly its
 * frame: encoded again from its fields it gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const unsigned char *v, size_t len, const unsigned char *frame,
    size_t framelen)
{
	if (len > 0 && (v < frame || v + len > frame + framelen))
		abort();
}

/* The request's fields, framed again, must be the frame. */
static void
same_frame(const struct agent_request *req, const unsigned char *frame,
    size_t framelen, struct buf *out)
{
	buf_reset(out);
	if (buf_put_u32(out, framelen - 4) != 0 ||
	    buf_put_u8(out, req->type) != 0)
		abort();
	switch (req->type) {
	case SSH_AGENTC_SIGN_REQUEST:
		if (buf_put_string(out, req->key, req->keylen) != 0 ||
		    buf_put_string(out, req->data, req->datalen) != 0 ||
		    buf_put_u32(out, req->flags) != 0)
			abort();
		break;
	case SSH_AGENTC_EXTENSION:
		if (buf_put_string(out, req->ext, req->extlen) != 0 ||
		    buf_put(out, req->extdata, req->extdatalen) != 0)
			abort();
		break;
	case SSH_AGENTC_REQUEST_IDENTITIES:
		break;
	default:
		/* Refused types: their contents are not read. */
		return;
	}
	if (buf_len(out) != framelen || memcmp(buf_ptr(out), frame,
	    framelen) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf	*out;
	struct agent_request	 req;
	struct buf		 in;
	const unsigned char	*frame;
	size_t			 before;
	int			 r;

	if (out == NULL && (out = buf_new(AGENT_MAX_FRAME + 8)) == NULL)
		abort();
	buf_view(&in, data, size);
	for (;;) {
		before = buf_len(&in);
		frame = buf_ptr(&in);
		r = agent_decode(&in, &req);
		if (r != 0) {
			if ((r != ERR_AGAIN && r != ERR_PROTO) ||
			    buf_len(&in) != before)
				abort();
			break;
		}
		if (before - buf_len(&in) < 5 ||
		    before - buf_len(&in) > AGENT_MAX_FRAME + 4)
			abort();
		inside(req.key, req.keylen, frame, before - buf_len(&in));
		inside(req.data, req.datalen, frame, before - buf_len(&in));
		inside(req.ext, req.extlen, frame, before - buf_len(&in));
		inside(req.extdata, req.extdatalen, frame,
		    before - buf_len(&in));
		same_frame(&req, frame, before - buf_len(&in), out);
		/* The answers made from what a request held. */
		buf_reset(out);
		if (req.type == SSH_AGENTC_SIGN_REQUEST &&
		    (agent_put_identities(out, 1, &req.key, &req.keylen,
		    (const char *const[]){ "c" }) != 0 ||
		    agent_put_sign_response(out, req.data, req.datalen) != 0))
			abort();
	}
	return 0;
}
