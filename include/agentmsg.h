/*
 * The ssh-agent protocol's messages (draft-miller-ssh-agent, section 3
 * for the framing, 4 for the requests), decoded and encoded on both sides
 * of the channel: by the ssh-agent connector's worker from its client, and
 * by the monitor from the socketpair it gives the ssh connector's libssh
 * (sshmsg.h, MSG_SSH_AGENT).  A frame is u32 length, then that many bytes:
 * u8 type and its contents.  The decoder reads one frame from a buffer,
 * refuses one longer than AGENT_MAX_FRAME, and consumes a frame whole or
 * not at all.
 */
#ifndef AIRLOCK_AGENTMSG_H
#define AIRLOCK_AGENTMSG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* draft-miller-ssh-agent 6.1: message numbers */
#define SSH_AGENT_FAILURE			5
#define SSH_AGENT_SUCCESS			6
#define SSH_AGENTC_REQUEST_IDENTITIES		11
#define SSH_AGENT_IDENTITIES_ANSWER		12
#define SSH_AGENTC_SIGN_REQUEST			13
#define SSH_AGENT_SIGN_RESPONSE			14
#define SSH_AGENTC_ADD_IDENTITY			17
#define SSH_AGENTC_REMOVE_IDENTITY		18
#define SSH_AGENTC_REMOVE_ALL_IDENTITIES	19
#define SSH_AGENTC_ADD_SMARTCARD_KEY		20
#define SSH_AGENTC_REMOVE_SMARTCARD_KEY		21
#define SSH_AGENTC_LOCK				22
#define SSH_AGENTC_UNLOCK			23
#define SSH_AGENTC_ADD_ID_CONSTRAINED		25
#define SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED 26
#define SSH_AGENTC_EXTENSION			27
#define SSH_AGENT_EXTENSION_FAILURE		28
/* 6.3: signature flags */
#define SSH_AGENT_RSA_SHA2_256			0x02
#define SSH_AGENT_RSA_SHA2_512			0x04

/* OpenSSH's ssh-agent caps a message at 256 KiB; so do we. */
#define AGENT_MAX_FRAME		(256 * 1024)

struct agent_request {
	uint8_t			 type;
	/* SIGN_REQUEST: views into the frame */
	const unsigned char	*key;	/* public key blob */
	size_t			 keylen;
	const unsigned char	*data;
	size_t			 datalen;
	uint32_t		 flags;
	/* EXTENSION: its name (a view, not NUL-terminated) and contents */
	const unsigned char	*ext;
	size_t			 extlen;
	const unsigned char	*extdata;
	size_t			 extdatalen;
};

/*
 * One frame from in: 0 and *req filled (views into in's bytes, valid
 * until in changes) with the frame consumed; ERR_AGAIN (errors.h) when in
 * holds less than a whole frame (nothing consumed); ERR_PROTO for a frame
 * that is too long, empty, or whose contents do not parse exactly (a
 * REQUEST_IDENTITIES with contents, a SIGN_REQUEST with trailing bytes).
 * Types other than the ones above with contents are returned with their
 * type only (their contents skipped): the caller answers them FAILURE.
 */
int	agent_decode(struct buf *in, struct agent_request *req);

/*
 * Frames, appended to out; ERR_TOOBIG for one longer than AGENT_MAX_FRAME.
 * On an error out may hold part of a frame: the caller discards it.
 */
int	agent_put_failure(struct buf *out);
int	agent_put_success(struct buf *out);
/* IDENTITIES_ANSWER: n keys, blobs[i]/bloblens[i] with comments[i]. */
int	agent_put_identities(struct buf *out, size_t n,
	    const unsigned char *const *blobs, const size_t *bloblens,
	    const char *const *comments);
int	agent_put_sign_response(struct buf *out, const unsigned char *sig,
	    size_t siglen);

/* A request's name for log lines ("SIGN_REQUEST", "type 99"). */
const char *agent_type_name(uint8_t type, char *tmp, size_t tmplen);

#endif
