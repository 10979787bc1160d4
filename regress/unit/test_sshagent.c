/*
 * worker/sshagent.c's serve loop in a forked child, with the test playing
 * the agent's client and the monitor (sshmsg.h's requests) over
 * socketpairs: requests that would change the keyring refused with
 * FAILURE and nothing asked; identities asked of the monitor once;
 * signatures relayed, refused by the monitor, or refused by the worker
 * itself (a key not the service's, past maxSignatures) without a word to
 * the monitor; session-bind relayed after KEYS; a malformed frame closes
 * the connection; STATS counts the bytes.
 */
#include <sys/socket.h>

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentmsg.h"
#include "buf.h"
#include "endpoint.h"
#include "errors.h"
#include "msg.h"
#include "served.h"
#include "sshmsg.h"
#include "test.h"
#include "worker.h"

extern const struct connector ssh_agent_connector;

static const unsigned char key1[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20"
    "0123456789abcdef0123456789abcdef";
static const unsigned char key2[] = "\0\0\0\x13" "ecdsa-sha2-nistp256"
    "\0\0\0\x08nistp256\0\0\0\x05\x04" "abcd";
static const unsigned char other[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20"
    "ffffffffffffffffffffffffffffffff";

/* The worker's serve(), with maxSignatures when it is not NULL. */
static int
agent_spawn(struct served *a, const char *max_signatures)
{
	struct kvlist	 opts;
	int		 r;

	kv_init(&opts);
	if (max_signatures != NULL &&
	    kv_set_str(&opts, "maxSignatures", max_signatures) != 0)
		return -1;
	r = served_spawn(a, &ssh_agent_connector, &opts);
	kv_clear(&opts);
	return r;
}

/* The client says goodbye; the worker's STATS, and its exit status. */
static int
agent_reap(struct served *a, uint64_t *c2b, uint64_t *b2c)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);

	shutdown(a->client, SHUT_WR);
	*c2b = *b2c = 0;
	if (b != NULL && served_recv(a->chan, MSG_STATS, b) == 0 &&
	    (buf_get_u64(b, c2b) != 0 || buf_get_u64(b, b2c) != 0))
		*c2b = *b2c = UINT64_MAX;
	buf_free(b);
	return served_reap(a);
}

/* A request; a worker that has gone is a failed send, not SIGPIPE. */
static int
client_send(int fd, uint8_t type, const struct buf *contents)
{
	struct buf	*b = buf_new(0);
	size_t		 len = contents != NULL ? buf_len(contents) : 0;
	int		 ok;

	ok = b != NULL && buf_put_u32(b, len + 1) == 0 &&
	    buf_put_u8(b, type) == 0 &&
	    (len == 0 || buf_put(b, buf_ptr(contents), len) == 0) &&
	    send(fd, buf_ptr(b), buf_len(b), MSG_NOSIGNAL) ==
	    (ssize_t)buf_len(b);
	buf_free(b);
	return ok ? 0 : -1;
}

static int
read_exact(int fd, unsigned char *p, size_t n)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	size_t		 off = 0;
	ssize_t		 r;

	while (off < n) {
		if (poll(&pfd, 1, 5000) != 1 ||
		    (r = read(fd, p + off, n - off)) <= 0)
			return -1;
		off += r;
	}
	return 0;
}

/* One answer: its type, and its contents into b (reset first). */
static int
client_recv(int fd, struct buf *b)
{
	unsigned char	 hdr[5], *p;
	uint32_t	 len;

	buf_reset(b);
	if (read_exact(fd, hdr, 5) != 0)
		return -1;
	len = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (len == 0 || len > 65536 || buf_reserve(b, len - 1, &p) != 0 ||
	    read_exact(fd, p, len - 1) != 0)
		return -1;
	return hdr[4];
}

/* The worker asked the monitor nothing (it answered the client first). */
static int
chan_quiet(int chan)
{
	struct pollfd	 pfd = { .fd = chan, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

/* KEYS answered with key1 and key2. */
static int
mon_keys(int chan)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	int		 ok;

	ok = b != NULL && served_recv(chan, MSG_SSH_KEYS, b) == 0 &&
	    buf_len(b) == 0 && buf_put_u32(b, 2) == 0 &&
	    buf_put_string(b, key1, sizeof(key1) - 1) == 0 &&
	    buf_put_cstring(b, "first") == 0 &&
	    buf_put_string(b, key2, sizeof(key2) - 1) == 0 &&
	    buf_put_cstring(b, "second") == 0 &&
	    msg_send(chan, MSG_SSH_KEYS, b, -1) == 0;
	buf_free(b);
	return ok ? 0 : -1;
}

static int
mon_failed(int chan, uint32_t want)
{
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD + 1);
	int		 ok;

	ok = b != NULL && served_recv(chan, want, b) == 0;
	buf_reset(b);
	ok = ok && buf_put_cstring(b, "refused for the test") == 0 &&
	    msg_send(chan, MSG_FAILED, b, -1) == 0;
	buf_free(b);
	return ok ? 0 : -1;
}

/* SIGN of "data" with key2 and flags 4, answered "SIGNATURE". */
static int
mon_sign(int chan)
{
	struct buf		*b = buf_new(MSG_MAX_PAYLOAD + 1);
	const unsigned char	*k, *d;
	size_t			 klen, dlen;
	uint32_t		 flags;
	int			 ok;

	ok = b != NULL && served_recv(chan, MSG_SSH_SIGN, b) == 0 &&
	    buf_get_string_direct(b, &k, &klen) == 0 &&
	    buf_get_string_direct(b, &d, &dlen) == 0 &&
	    buf_get_u32(b, &flags) == 0 && buf_expect_end(b) == 0 &&
	    klen == sizeof(key2) - 1 && memcmp(k, key2, klen) == 0 &&
	    dlen == 4 && memcmp(d, "data", 4) == 0 && flags == 4;
	buf_reset(b);
	ok = ok && buf_put_cstring(b, "SIGNATURE") == 0 &&
	    msg_send(chan, MSG_SSH_SIGN, b, -1) == 0;
	buf_free(b);
	return ok ? 0 : -1;
}

static struct buf *
sign_request(const unsigned char *key, size_t keylen, const char *data)
{
	struct buf	*c = buf_new(0);

	if (c != NULL && (buf_put_string(c, key, keylen) != 0 ||
	    buf_put_cstring(c, data) != 0 || buf_put_u32(c, 4) != 0)) {
		buf_free(c);
		return NULL;
	}
	return c;
}

/* IDENTITIES_ANSWER of key1 "first" and key2 "second". */
static int
is_identities(struct buf *b)
{
	const unsigned char	*v;
	size_t			 len;
	uint32_t		 n;

	return buf_get_u32(b, &n) == 0 && n == 2 &&
	    buf_get_string_direct(b, &v, &len) == 0 &&
	    len == sizeof(key1) - 1 && memcmp(v, key1, len) == 0 &&
	    buf_get_string_direct(b, &v, &len) == 0 &&
	    len == 5 && memcmp(v, "first", 5) == 0 &&
	    buf_get_string_direct(b, &v, &len) == 0 &&
	    len == sizeof(key2) - 1 && memcmp(v, key2, len) == 0 &&
	    buf_get_string_direct(b, &v, &len) == 0 &&
	    len == 6 && memcmp(v, "second", 6) == 0 &&
	    buf_expect_end(b) == 0;
}

/*
 * A client adding a key is refused, and the monitor is asked nothing;
 * identities come from one KEYS, a signature from SIGN.
 */
TEST(sshagent_identities_and_sign)
{
	struct served	 a;
	struct buf	*b = buf_new(0), *req;
	const unsigned char *v;
	size_t		 len;
	uint64_t	 c2b, b2c;

	REQUIRE(b != NULL);
	REQUIRE(agent_spawn(&a, NULL) == 0);
	REQUIRE(buf_put_cstring(b, "ssh-ed25519") == 0);
	CHECK(client_send(a.client, SSH_AGENTC_ADD_IDENTITY, b) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK_INT(buf_len(b), 0);
	CHECK(client_send(a.client, SSH_AGENTC_REMOVE_ALL_IDENTITIES,
	    NULL) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(chan_quiet(a.chan));

	CHECK(client_send(a.client, SSH_AGENTC_REQUEST_IDENTITIES, NULL) == 0);
	CHECK(mon_keys(a.chan) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_IDENTITIES_ANSWER);
	CHECK(is_identities(b));

	REQUIRE((req = sign_request(key2, sizeof(key2) - 1, "data")) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK(mon_sign(a.chan) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_SIGN_RESPONSE);
	CHECK(buf_get_string_direct(b, &v, &len) == 0 && len == 9 &&
	    memcmp(v, "SIGNATURE", 9) == 0 && buf_expect_end(b) == 0);
	buf_free(req);

	/* Keys are asked once: the second list is the first's. */
	CHECK(client_send(a.client, SSH_AGENTC_REQUEST_IDENTITIES, NULL) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_IDENTITIES_ANSWER);
	CHECK(is_identities(b));
	CHECK(chan_quiet(a.chan));
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 0);
	/* Five requests, five answers. */
	CHECK_INT(c2b, 20 + 5 + 5 + (5 + 4 + sizeof(key2) - 1 + 8 + 4) + 5);
	CHECK_INT(b2c, 5 + 5 + 2 * (5 + 4 + 4 + sizeof(key1) - 1 + 4 + 5 +
	    4 + sizeof(key2) - 1 + 4 + 6) + 5 + 4 + 9);
	buf_free(b);
}

/*
 * Signatures: for a key not the service's, the worker refuses without
 * asking; the monitor's refusal is FAILURE; past maxSignatures (each
 * SIGN sent counts, refused or not) the worker refuses itself.
 */
TEST(sshagent_sign_refusals_and_cap)
{
	struct served	 a;
	struct buf	*b = buf_new(0), *req;
	uint64_t	 c2b, b2c;

	REQUIRE(b != NULL);
	/* The configuration's scalar as written (the monitor reads it so). */
	REQUIRE(agent_spawn(&a, "00000002") == 0);
	/* The first request that needs keys asks for them. */
	REQUIRE((req = sign_request(other, sizeof(other) - 1, "data")) !=
	    NULL);
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK(mon_keys(a.chan) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(chan_quiet(a.chan));
	buf_free(req);

	REQUIRE((req = sign_request(key2, sizeof(key2) - 1, "data")) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK(mon_failed(a.chan, MSG_SSH_SIGN) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK(mon_sign(a.chan) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_SIGN_RESPONSE);
	/* The cap of 2 is reached: answered here. */
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(chan_quiet(a.chan));
	buf_free(req);
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 0);
	buf_free(b);
}

/* The monitor has no keys to give: FAILURE, and KEYS is not asked again. */
TEST(sshagent_keys_refused)
{
	struct served	 a;
	struct buf	*b = buf_new(0), *req;
	uint64_t	 c2b, b2c;

	REQUIRE(b != NULL);
	REQUIRE(agent_spawn(&a, NULL) == 0);
	CHECK(client_send(a.client, SSH_AGENTC_REQUEST_IDENTITIES, NULL) == 0);
	CHECK(mon_failed(a.chan, MSG_SSH_KEYS) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	REQUIRE((req = sign_request(key2, sizeof(key2) - 1, "data")) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_SIGN_REQUEST, req) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(chan_quiet(a.chan));
	buf_free(req);
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 0);
	buf_free(b);
}

static struct buf *
bind_request(const char *name, const char *sid, int forwarding)
{
	struct buf	*c = buf_new(0);

	if (c != NULL && (buf_put_cstring(c, name) != 0 ||
	    buf_put_string(c, key1, sizeof(key1) - 1) != 0 ||
	    buf_put_cstring(c, sid) != 0 ||
	    buf_put_cstring(c, "HOSTSIG") != 0 ||
	    buf_put_u8(c, forwarding) != 0)) {
		buf_free(c);
		return NULL;
	}
	return c;
}

/*
 * session-bind@openssh.com goes to the monitor (after KEYS, which opens
 * the session); a malformed one and other extensions are FAILURE.
 */
TEST(sshagent_session_bind)
{
	struct served		 a;
	struct buf		*b = buf_new(MSG_MAX_PAYLOAD + 1), *req;
	const unsigned char	*k, *sid, *sig;
	size_t			 klen, sidlen, siglen;
	uint64_t		 c2b, b2c;
	uint8_t			 fwd;

	REQUIRE(b != NULL);
	REQUIRE(agent_spawn(&a, NULL) == 0);
	REQUIRE((req = bind_request("session-bind@openssh.com", "SESSIONID",
	    0)) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_EXTENSION, req) == 0);
	CHECK(mon_keys(a.chan) == 0);
	CHECK(served_recv(a.chan, MSG_SSH_BIND, b) == 0);
	CHECK(buf_get_string_direct(b, &k, &klen) == 0 &&
	    klen == sizeof(key1) - 1 && memcmp(k, key1, klen) == 0);
	CHECK(buf_get_string_direct(b, &sid, &sidlen) == 0 && sidlen == 9 &&
	    memcmp(sid, "SESSIONID", 9) == 0);
	CHECK(buf_get_string_direct(b, &sig, &siglen) == 0 && siglen == 7 &&
	    memcmp(sig, "HOSTSIG", 7) == 0);
	CHECK(buf_get_u8(b, &fwd) == 0 && fwd == 0 && buf_expect_end(b) == 0);
	buf_reset(b);
	CHECK(msg_send(a.chan, MSG_SSH_BIND, NULL, -1) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_SUCCESS);
	buf_free(req);

	/* The monitor's refusal (a signature that does not verify). */
	REQUIRE((req = bind_request("session-bind@openssh.com", "OTHER",
	    1)) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_EXTENSION, req) == 0);
	CHECK(mon_failed(a.chan, MSG_SSH_BIND) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	buf_free(req);

	/* A bool that is not one, and other extensions: not asked. */
	REQUIRE((req = bind_request("session-bind@openssh.com", "SESSIONID",
	    2)) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_EXTENSION, req) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	buf_free(req);
	REQUIRE((req = bind_request("query", "SESSIONID", 0)) != NULL);
	CHECK(client_send(a.client, SSH_AGENTC_EXTENSION, req) == 0);
	CHECK_INT(client_recv(a.client, b), SSH_AGENT_FAILURE);
	CHECK(chan_quiet(a.chan));
	buf_free(req);
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 0);
	buf_free(b);
}

/* A frame that is not one ends the connection, unanswered. */
TEST(sshagent_malformed_frame_closes)
{
	struct served	 a;
	struct buf	*b = buf_new(0);
	uint64_t	 c2b, b2c;

	REQUIRE(b != NULL);
	REQUIRE(agent_spawn(&a, NULL) == 0);
	REQUIRE(buf_put_u8(b, 0) == 0);
	CHECK(client_send(a.client, SSH_AGENTC_REQUEST_IDENTITIES, b) == 0);
	CHECK_INT(client_recv(a.client, b), -1);
	/* The worker's next word to the monitor is its STATS. */
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 1);
	CHECK_INT(c2b, 6);
	CHECK_INT(b2c, 0);
	buf_free(b);
}

/* A maxSignatures the worker cannot read: it serves nothing. */
TEST(sshagent_bad_max_signatures)
{
	struct served	 a;
	struct buf	*b = buf_new(0);
	uint64_t	 c2b, b2c;

	REQUIRE(b != NULL);
	REQUIRE(agent_spawn(&a, "2x") == 0);
	/*
	 * The worker refuses its options and exits, maybe before the send:
	 * then the send fails (EPIPE), which is as good as no answer.
	 */
	(void)client_send(a.client, SSH_AGENTC_REQUEST_IDENTITIES, NULL);
	CHECK_INT(client_recv(a.client, b), -1);
	CHECK_INT(agent_reap(&a, &c2b, &b2c), 1);
	CHECK_INT(c2b, 0);
	buf_free(b);
}
