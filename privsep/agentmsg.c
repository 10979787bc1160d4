/*
 * The ssh-agent protocol's frames (draft-miller-ssh-agent; OpenSSH's
 * PROTOCOL.agent for its extensions), decoded from a client's or
 * libssh's bytes and encoded for them.  See include/agentmsg.h.
 *
 * The decoder is the only code that reads an agent client's bytes: it
 * takes a frame whole or not at all, and parses the requests airlock
 * acts on exactly, so that what it returns is all the frame held.
 */
#include <stdio.h>
#include <string.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "util.h"

static const struct {
	uint8_t		 type;
	const char	*name;
} names[] = {
	{ SSH_AGENT_FAILURE,			"FAILURE" },
	{ SSH_AGENT_SUCCESS,			"SUCCESS" },
	{ SSH_AGENTC_REQUEST_IDENTITIES,	"REQUEST_IDENTITIES" },
	{ SSH_AGENT_IDENTITIES_ANSWER,		"IDENTITIES_ANSWER" },
	{ SSH_AGENTC_SIGN_REQUEST,		"SIGN_REQUEST" },
	{ SSH_AGENT_SIGN_RESPONSE,		"SIGN_RESPONSE" },
	{ SSH_AGENTC_ADD_IDENTITY,		"ADD_IDENTITY" },
	{ SSH_AGENTC_REMOVE_IDENTITY,		"REMOVE_IDENTITY" },
	{ SSH_AGENTC_REMOVE_ALL_IDENTITIES,	"REMOVE_ALL_IDENTITIES" },
	{ SSH_AGENTC_ADD_SMARTCARD_KEY,		"ADD_SMARTCARD_KEY" },
	{ SSH_AGENTC_REMOVE_SMARTCARD_KEY,	"REMOVE_SMARTCARD_KEY" },
	{ SSH_AGENTC_LOCK,			"LOCK" },
	{ SSH_AGENTC_UNLOCK,			"UNLOCK" },
	{ SSH_AGENTC_ADD_ID_CONSTRAINED,	"ADD_ID_CONSTRAINED" },
	{ SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED,
	    "ADD_SMARTCARD_KEY_CONSTRAINED" },
	{ SSH_AGENTC_EXTENSION,			"EXTENSION" },
	{ SSH_AGENT_EXTENSION_FAILURE,		"EXTENSION_FAILURE" },
};

const char *
agent_type_name(uint8_t type, char *tmp, size_t tmplen)
{
	size_t	 i;

	for (i = 0; i < nitems(names); i++)
		if (names[i].type == type)
			return names[i].name;
	snprintf(tmp, tmplen, "type %u", type);
	return tmp;
}

/*
 * The contents of one frame (after its type byte), read exactly: 4.4
 * REQUEST_IDENTITIES has none; 4.5 SIGN_REQUEST is string key blob,
 * string data, uint32 flags; 4.7 EXTENSION is string name and the
 * extension's own contents, which its handler parses.
 */
static int
decode_contents(struct buf *f, struct agent_request *req)
{
	switch (req->type) {
	case SSH_AGENTC_REQUEST_IDENTITIES:
		return buf_expect_end(f);
	case SSH_AGENTC_SIGN_REQUEST:
		if (buf_get_string_direct(f, &req->key, &req->keylen) != 0 ||
		    buf_get_string_direct(f, &req->data, &req->datalen) != 0 ||
		    buf_get_u32(f, &req->flags) != 0)
			return ERR_FORMAT;
		return buf_expect_end(f);
	case SSH_AGENTC_EXTENSION:
		if (buf_get_string_direct(f, &req->ext, &req->extlen) != 0)
			return ERR_FORMAT;
		req->extdata = buf_ptr(f);
		req->extdatalen = buf_len(f);
		return 0;
	default:
		/* Refused whatever it holds: nothing of it is read. */
		return 0;
	}
}

int
agent_decode(struct buf *in, struct agent_request *req)
{
	struct buf	 f;
	uint32_t	 len;

	memset(req, 0, sizeof(*req));
	/* Section 3: uint32 length, then that many bytes, type first. */
	if (buf_peek_u32(in, &len) != 0)
		return ERR_AGAIN;
	if (len == 0 || len > AGENT_MAX_FRAME)
		return ERR_PROTO;
	if (buf_len(in) - 4 < len)
		return ERR_AGAIN;
	buf_view(&f, buf_ptr(in) + 4, len);
	if (buf_get_u8(&f, &req->type) != 0 ||
	    decode_contents(&f, req) != 0) {
		memset(req, 0, sizeof(*req));
		return ERR_PROTO;
	}
	return buf_consume(in, 4 + (size_t)len);
}

/* A frame's length and type; len counts the contents after the type. */
static int
put_header(struct buf *out, uint8_t type, size_t len)
{
	int	 r;

	if (len > AGENT_MAX_FRAME - 1)
		return ERR_TOOBIG;
	if ((r = buf_put_u32(out, len + 1)) != 0 ||
	    (r = buf_put_u8(out, type)) != 0)
		return r;
	return 0;
}

int
agent_put_failure(struct buf *out)
{
	return put_header(out, SSH_AGENT_FAILURE, 0);
}

int
agent_put_success(struct buf *out)
{
	return put_header(out, SSH_AGENT_SUCCESS, 0);
}

/* 4.4: uint32 nkeys, then nkeys times string key blob, string comment. */
int
agent_put_identities(struct buf *out, size_t n,
    const unsigned char *const *blobs, const size_t *bloblens,
    const char *const *comments)
{
	size_t	 i, len = 4, clen;
	int	 r;

	for (i = 0; i < n; i++) {
		clen = strlen(comments[i]);
		if (bloblens[i] > AGENT_MAX_FRAME || clen > AGENT_MAX_FRAME)
			return ERR_TOOBIG;
		len += 8 + bloblens[i] + clen;
		if (len > AGENT_MAX_FRAME)
			return ERR_TOOBIG;
	}
	if ((r = put_header(out, SSH_AGENT_IDENTITIES_ANSWER, len)) != 0 ||
	    (r = buf_put_u32(out, n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = buf_put_string(out, blobs[i], bloblens[i])) != 0 ||
		    (r = buf_put_cstring(out, comments[i])) != 0)
			return r;
	return 0;
}

/* 4.5: string signature. */
int
agent_put_sign_response(struct buf *out, const unsigned char *sig,
    size_t siglen)
{
	int	 r;

	if (siglen > AGENT_MAX_FRAME)
		return ERR_TOOBIG;
	if ((r = put_header(out, SSH_AGENT_SIGN_RESPONSE, 4 + siglen)) != 0)
		return r;
	return buf_put_string(out, sig, siglen);
}
