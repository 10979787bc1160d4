/*
 * The ssh-agent connector's worker: serves the ssh-agent protocol
 * (draft-miller-ssh-agent) to one client on its socket.  The keyring is
 * the configuration's and stays in the monitor: identities come from
 * MSG_SSH_KEYS (asked once, at the first request that needs them),
 * signatures from MSG_SSH_SIGN, session-binds are verified by MSG_SSH_BIND.
 * The worker refuses itself what the monitor would end it for (a key not
 * the service's, data too long, past maxSignatures or SSH_MAX_BINDS), so
 * that an honest worker is never killed; whatever a client asks that
 * would change the keyring is answered SSH_AGENT_FAILURE.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "secret.h"
#include "ssh.h"
#include "sshmsg.h"
#include "worker.h"

/* No idleTimeout set: a client connection idle this long is closed. */
#define AGENT_IDLE_DEFAULT_MS	60000
/* One request to the monitor; it keeps its own timeouts. */
#define AGENT_CHAN_MS		120000
/* OpenSSH's agent takes a session identifier this long at most. */
#define AGENT_SID_MAX		128
/* A host key or its signature in a session-bind (RSA 16384 bits fits). */
#define AGENT_BIND_BLOB_MAX	4096
#define SESSION_BIND		"session-bind@openssh.com"

enum keys_state {
	KEYS_UNASKED = 0,
	KEYS_HELD,
	KEYS_REFUSED,		/* the monitor said why; asked once only */
};

struct agent_conn {
	struct wconn		*c;
	struct relay_stats	*st;
	unsigned char		*in;	/* read, not yet answered */
	size_t			 inlen;
	struct buf		*out;	/* one answer */
	struct ssh_keys		 keys;
	enum keys_state		 keys_state;
	uint32_t		 max_signatures;
	uint32_t		 signatures;	/* asked of the monitor */
	uint32_t		 binds;
	int			 idle_ms;
	int			 told_keyring;	/* logged (once) */
	int			 told_cap;
};

#define AGENT_IN_MAX		(AGENT_MAX_FRAME + 4)

static int	 agent_handshake(struct wconn *);
static int	 agent_serve(struct wconn *, struct relay_stats *);

const struct connector ssh_agent_connector = {
	.name = "ssh-agent",
	.handshake = agent_handshake,
	.serve = agent_serve,
};

/* Nothing happens before the first request: KEYS starts the session. */
static int
agent_handshake(struct wconn *c)
{
	(void)c;
	return 0;
}

/*
 * The ASSIGN option "maxSignatures": the configuration's scalar, digits
 * only (as the monitor's check reads it, leading zeros and all), up to
 * the dispatch table's hard cap.  Absent: SSH_DEFAULT_SIGNATURES, as the
 * monitor counts.
 */
static int
max_signatures(const struct wconn *c, uint32_t *max)
{
	const char	*v;
	size_t		 len, i;
	uint32_t	 n = 0;

	if ((v = kv_get(&c->opts, "maxSignatures", &len)) == NULL) {
		*max = SSH_DEFAULT_SIGNATURES;
		return 0;
	}
	if (len == 0 || len > 9)
		return ERR_PROTO;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return ERR_PROTO;
		n = n * 10 + (v[i] - '0');
	}
	if (n > SSH_MAX_SIGNATURES)
		return ERR_PROTO;
	*max = n;
	return 0;
}

/* The answer in out to the client, whole, within the idle timeout. */
static int
flush(struct agent_conn *ac)
{
	int	 r;

	if ((r = ep_write_full(&ac->c->client, buf_ptr(ac->out),
	    buf_len(ac->out), deadline_in(ac->idle_ms))) == 0)
		ac->st->b2c += buf_len(ac->out);
	buf_reset(ac->out);
	return r;
}

/* MSG_SSH_KEYS, once: 0 with ac->keys_state saying what came of it. */
static int
need_keys(struct agent_conn *ac)
{
	char	 err[256];
	int	 r;

	if (ac->keys_state != KEYS_UNASKED)
		return 0;
	ac->c->deadline = deadline_in(AGENT_CHAN_MS);
	r = sshchan_keys(ac->c, &ac->keys, err, sizeof(err));
	if (r == ERR_DENIED) {
		log_info("no keys: %s", wchan_reason(err));
		ac->keys_state = KEYS_REFUSED;
		return 0;
	}
	if (r != 0) {
		log_info("keys: %s", wchan_reason(err));
		return r;
	}
	ac->keys_state = KEYS_HELD;
	return 0;
}

/* 4.4: the service's public keys and their comments. */
static int
identities(struct agent_conn *ac)
{
	int	 r;

	if ((r = need_keys(ac)) != 0)
		return r;
	if (ac->keys_state != KEYS_HELD)
		return agent_put_failure(ac->out);
	return agent_put_identities(ac->out, ac->keys.n,
	    (const unsigned char *const *)ac->keys.blob, ac->keys.bloblen,
	    (const char *const *)ac->keys.comment);
}

static int
is_our_key(const struct agent_conn *ac, const unsigned char *blob,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < ac->keys.n; i++)
		if (ac->keys.bloblen[i] == len &&
		    memcmp(ac->keys.blob[i], blob, len) == 0)
			return 1;
	return 0;
}

/*
 * 4.5: the monitor signs.  Every MSG_SSH_SIGN counts against the cap,
 * refused or not, as the monitor counts them.
 */
static int
sign(struct agent_conn *ac, const struct agent_request *req)
{
	struct buf	*sig;
	char		 err[256];
	int		 r;

	if ((r = need_keys(ac)) != 0)
		return r;
	if (ac->keys_state != KEYS_HELD ||
	    !is_our_key(ac, req->key, req->keylen)) {
		log_debug("SIGN_REQUEST for a key not this service's: refused");
		return agent_put_failure(ac->out);
	}
	if (req->datalen > SSH_SIGN_DATA_MAX) {
		log_info("SIGN_REQUEST of %zu bytes: refused (at most %d)",
		    req->datalen, SSH_SIGN_DATA_MAX);
		return agent_put_failure(ac->out);
	}
	if (ac->signatures >= ac->max_signatures) {
		if (!ac->told_cap)
			log_info("maxSignatures (%u) reached: further "
			    "signatures refused", ac->max_signatures);
		ac->told_cap = 1;
		return agent_put_failure(ac->out);
	}
	ac->signatures++;
	if ((sig = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	ac->c->deadline = deadline_in(AGENT_CHAN_MS);
	r = sshchan_sign(ac->c, req->key, req->keylen, req->data,
	    req->datalen, req->flags, sig, err, sizeof(err));
	if (r == 0)
		r = agent_put_sign_response(ac->out, buf_ptr(sig),
		    buf_len(sig));
	else if (r == ERR_DENIED) {
		log_info("signature refused: %s", wchan_reason(err));
		r = agent_put_failure(ac->out);
	} else
		log_info("sign: %s", wchan_reason(err));
	buf_free(sig);
	return r;
}

/*
 * OpenSSH's PROTOCOL.agent 1.2, session-bind@openssh.com: string host
 * key, string session identifier, string the host's signature over it,
 * bool forwarding.  The monitor verifies the signature and remembers the
 * binding for its allowedHostKeys check.
 */
static int
session_bind(struct agent_conn *ac, const struct agent_request *req)
{
	const unsigned char	*key, *sid, *sig;
	struct buf		 b;
	char			 err[256];
	size_t			 keylen, sidlen, siglen;
	uint8_t			 fwd;
	int			 r;

	buf_view(&b, req->extdata, req->extdatalen);
	if (buf_get_string_direct(&b, &key, &keylen) != 0 ||
	    buf_get_string_direct(&b, &sid, &sidlen) != 0 ||
	    buf_get_string_direct(&b, &sig, &siglen) != 0 ||
	    buf_get_u8(&b, &fwd) != 0 || fwd > 1 ||
	    buf_expect_end(&b) != 0 || keylen > AGENT_BIND_BLOB_MAX ||
	    sidlen == 0 || sidlen > AGENT_SID_MAX ||
	    siglen > AGENT_BIND_BLOB_MAX) {
		log_debug("a malformed session-bind: refused");
		return agent_put_failure(ac->out);
	}
	if (ac->binds >= SSH_MAX_BINDS) {
		log_info("more than %d session-binds: refused", SSH_MAX_BINDS);
		return agent_put_failure(ac->out);
	}
	/* MSG_SSH_BIND is a session's request: KEYS opens the session. */
	if ((r = need_keys(ac)) != 0)
		return r;
	if (ac->keys_state != KEYS_HELD)
		return agent_put_failure(ac->out);
	ac->binds++;
	ac->c->deadline = deadline_in(AGENT_CHAN_MS);
	r = sshchan_bind(ac->c, key, keylen, sid, sidlen, sig, siglen, fwd,
	    err, sizeof(err));
	if (r == 0)
		return agent_put_success(ac->out);
	if (r == ERR_DENIED) {
		log_info("session-bind refused: %s", wchan_reason(err));
		return agent_put_failure(ac->out);
	}
	log_info("session-bind: %s", wchan_reason(err));
	return r;
}

/* 4.7: session-bind is the only extension; "query" too is answered FAILURE. */
static int
extension(struct agent_conn *ac, const struct agent_request *req)
{
	if (req->extlen == strlen(SESSION_BIND) &&
	    memcmp(req->ext, SESSION_BIND, req->extlen) == 0)
		return session_bind(ac, req);
	return agent_put_failure(ac->out);
}

/* What a request that would change the keyring asked, for the log. */
static const char *
keyring_request(uint8_t type)
{
	switch (type) {
	case SSH_AGENTC_ADD_IDENTITY:
	case SSH_AGENTC_ADD_ID_CONSTRAINED:
		return "add a key";
	case SSH_AGENTC_REMOVE_IDENTITY:
	case SSH_AGENTC_REMOVE_ALL_IDENTITIES:
		return "remove keys";
	case SSH_AGENTC_ADD_SMARTCARD_KEY:
	case SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED:
		return "add a smartcard key";
	case SSH_AGENTC_REMOVE_SMARTCARD_KEY:
		return "remove a smartcard key";
	case SSH_AGENTC_LOCK:
		return "lock the agent";
	case SSH_AGENTC_UNLOCK:
		return "unlock the agent";
	default:
		return NULL;
	}
}

static int
answer(struct agent_conn *ac, const struct agent_request *req)
{
	const char	*what;
	char		 tmp[16];

	switch (req->type) {
	case SSH_AGENTC_REQUEST_IDENTITIES:
		return identities(ac);
	case SSH_AGENTC_SIGN_REQUEST:
		return sign(ac, req);
	case SSH_AGENTC_EXTENSION:
		return extension(ac, req);
	}
	if ((what = keyring_request(req->type)) != NULL) {
		if (!ac->told_keyring)
			log_info("client asked to %s: refused, the keyring "
			    "is the configuration's", what);
		ac->told_keyring = 1;
	} else
		log_debug("%s: refused", agent_type_name(req->type, tmp,
		    sizeof(tmp)));
	return agent_put_failure(ac->out);
}

/*
 * Answer every whole frame read, in order, each answer written before
 * the next request is looked at; what is left of a frame stays.
 */
static int
answer_frames(struct agent_conn *ac)
{
	struct agent_request	 req;
	struct buf		 in;
	size_t			 used;
	int			 r;

	buf_view(&in, ac->in, ac->inlen);
	while ((r = agent_decode(&in, &req)) == 0)
		if ((r = answer(ac, &req)) != 0 || (r = flush(ac)) != 0)
			break;
	used = ac->inlen - buf_len(&in);
	memmove(ac->in, ac->in + used, ac->inlen - used);
	ac->inlen -= used;
	if (r == ERR_PROTO)
		log_info("a malformed frame from the client; closing");
	return r == ERR_AGAIN ? 0 : r;
}

/* More of the client's bytes, waiting at most the idle timeout. */
static int
read_more(struct agent_conn *ac)
{
	uint64_t	 deadline = deadline_in(ac->idle_ms);
	size_t		 n;
	short		 want;
	int		 r;

	/* A frame never fills the buffer without being answered. */
	if (ac->inlen == AGENT_IN_MAX)
		return ERR_PROTO;
	for (;;) {
		r = ep_read_some(&ac->c->client, ac->in + ac->inlen,
		    AGENT_IN_MAX - ac->inlen, &n, &want);
		if (r == 0) {
			ac->inlen += n;
			ac->st->c2b += n;
			return 0;
		}
		if (r != ERR_AGAIN ||
		    (r = ep_wait(ac->c->client.fd, want, deadline)) != 0)
			return r;
	}
}

static int
agent_serve(struct wconn *c, struct relay_stats *st)
{
	struct agent_conn	 ac;
	int			 r;

	memset(st, 0, sizeof(*st));
	memset(&ac, 0, sizeof(ac));
	ac.c = c;
	ac.st = st;
	ac.idle_ms = c->idle_timeout_ms > 0 ? c->idle_timeout_ms :
	    AGENT_IDLE_DEFAULT_MS;
	if (max_signatures(c, &ac.max_signatures) != 0) {
		log_error("a bad maxSignatures option from the monitor");
		return ERR_PROTO;
	}
	ac.in = malloc(AGENT_IN_MAX);
	ac.out = buf_new(AGENT_IN_MAX);
	if (ac.in == NULL || ac.out == NULL)
		r = ERR_NOMEM;
	else
		while ((r = answer_frames(&ac)) == 0 &&
		    (r = read_more(&ac)) == 0)
			;
	if (r == ERR_EOF)
		r = 0;
	else if (r == ERR_TIMEOUT)
		log_info("idle for %d ms; closing", ac.idle_ms);
	if (ac.in != NULL)
		secret_wipe(ac.in, AGENT_IN_MAX);
	free(ac.in);
	buf_free(ac.out);
	sshchan_keys_free(&ac.keys);
	return r;
}
