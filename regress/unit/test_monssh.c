/*
 * The SSH connectors' requests in the monitor (monitor/mon_ssh.c,
 * sshagentsrv.c), in process: a loaded configuration, a stand-in worker
 * on a socketpair, and the monitor's loop run until each answer.  What an
 * ssh-agent worker gets: the keys' blobs and comments, signatures that
 * verify, refusals (MSG_FAILED) for SHA-1, for a user or a host the
 * service does not sign for, for confirm, and a kill past maxSignatures;
 * BIND verified.  What an ssh worker gets: the front host key, and an
 * agent socket that lists the one key and signs the backend login only.
 * No line logged and no reason holds a key's text.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agentmsg.h"
#include "buf.h"
#include "config.h"
#include "conftext.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "monworker.h"
#include "msg.h"
#include "provider.h"
#include "secret.h"
#include "sshconf.h"
#include "sshkey.h"
#include "sshmsg.h"
#include "sshtestkeys.h"
#include "test.h"
#include "testkeys.h"


static int	 leaked;
static char	 ed_pem[1024], rsa_pem[4096];
static char	 state[64];

/* No line may hold a key's PEM body (its second line, say). */
static void
sink(int level, const struct log_ctx *ctx, const char *line, void *arg)
{
	(void)level;
	(void)ctx;
	(void)arg;
	if (strstr(line, "PRIVATE KEY") != NULL ||
	    strstr(line, "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC9")
	    != NULL) {
		printf("    logged: %s\n", line);
		leaked++;
	}
}

static char *
conf_text(const char *fp)
{
	static char	 t[16384];

	snprintf(t, sizeof(t),
	    "version: 2\n"
	    "airlock:\n  stateDirectory: %s\n"
	    "services:\n"
	    "  ag:\n"
	    "    connector: ssh-agent\n"
	    "    listenOn: tcp://127.0.0.1:1\n"
	    "    credentials:\n"
	    "      ed25519: |\n%s"
	    "      rsa: |\n%s"
	    "      comment: team key\n"
	    "    config: {maxSignatures: 3}\n"
	    "  users:\n"
	    "    connector: ssh-agent\n"
	    "    listenOn: tcp://127.0.0.1:2\n"
	    "    credentials:\n"
	    "      privateKey: |\n%s"
	    "    config: {allowedRemoteUsers: [git]}\n"
	    "  hosts:\n"
	    "    connector: ssh-agent\n"
	    "    listenOn: tcp://127.0.0.1:3\n"
	    "    credentials:\n"
	    "      privateKey: |\n%s"
	    "    config: {allowedHostKeys: [\"%s\"]}\n"
	    "  confirm:\n"
	    "    connector: ssh-agent\n"
	    "    listenOn: tcp://127.0.0.1:4\n"
	    "    credentials:\n"
	    "      privateKey: |\n%s"
	    "      confirm: \"yes\"\n"
	    "  front:\n"
	    "    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:5\n"
	    "    credentials:\n"
	    "      address: 127.0.0.1:1\n"
	    "      user: deploy\n"
	    "      privateKey: |\n%s"
	    "    config: {acceptAnyHostKey: true}\n"
	    "  kh:\n"
	    "    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:6\n"
	    "    credentials:\n"
	    "      address: 127.0.0.1:2222\n"
	    "      privateKey: |\n%s"
	    "    config: {knownHostsFile: %s/known_hosts}\n",
	    state, ed_pem, rsa_pem, ed_pem, ed_pem, fp, ed_pem, ed_pem, ed_pem,
	    state);
	return t;
}

/*
 * Send a request (b consumed) and run the loop until an answer: its type
 * (the request's or MSG_FAILED, reason in why), -1 when none (killed).
 */
static int
ask(struct worker *w, int peer, uint32_t type, struct buf *b,
    struct buf *reply, int *fd, char *why, size_t whylen)
{
	struct pollfd		 pfd = { peer, POLLIN, 0 };
	const unsigned char	*reason;
	uint32_t		 rtype;
	size_t			 len;
	int			 i, r, rfd = -1;

	/* An empty request is an empty buffer, as msg_recv makes it. */
	if (b == NULL && (b = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		abort();
	dispatch_message(w, type, b, -1);
	buf_free(b);
	why[0] = '\0';
	for (i = 0; i < 500; i++) {
		r = msg_recv(peer, &rtype, reply, &rfd);
		if (r == 0)
			break;
		if (r != ERR_AGAIN || w->killed)
			return -1;
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		poll(&pfd, 1, 10);
	}
	if (i == 500)
		return -1;
	if (rtype == MSG_FAILED && buf_get_string_direct(reply, &reason,
	    &len) == 0) {
		snprintf(why, whylen, "%.*s", (int)len, reason);
		if (strstr(why, "PRIVATE") != NULL)
			leaked++;
	}
	if (fd != NULL)
		*fd = rfd;
	else if (rfd != -1)
		close(rfd);
	return (int)rtype;
}

static struct buf *
sign_req(const void *blob, size_t bloblen, const void *data, size_t len,
    uint32_t flags)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, blob, bloblen) != 0 ||
	    buf_put_string(b, data, len) != 0 || buf_put_u32(b, flags) != 0)
		abort();
	return b;
}

/* An RFC 4252 7 userauth request's signed data. */
static struct buf *
userauth(const char *sid, const char *user, const char *alg,
    const void *blob, size_t bloblen)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, sid) != 0 || buf_put_u8(b, 50) != 0 ||
	    buf_put_cstring(b, user) != 0 ||
	    buf_put_cstring(b, "ssh-connection") != 0 ||
	    buf_put_cstring(b, "publickey") != 0 || buf_put_u8(b, 1) != 0 ||
	    buf_put_cstring(b, alg) != 0 ||
	    buf_put_string(b, blob, bloblen) != 0)
		abort();
	return b;
}

struct key {
	unsigned char	 blob[SSHKEY_BLOB_MAX];
	size_t		 len;
	char		 comment[64];
};

/* KEYS: n keys into k[]. */
static int
keys(struct worker *w, int peer, struct buf *r, struct key *k, size_t max)
{
	const unsigned char	*p, *c;
	size_t			 len, clen;
	uint32_t		 n, i;
	char			 why[256];

	if (ask(w, peer, MSG_SSH_KEYS, NULL, r, NULL, why,
	    sizeof(why)) != MSG_SSH_KEYS || buf_get_u32(r, &n) != 0 ||
	    n > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (buf_get_string_direct(r, &p, &len) != 0 ||
		    buf_get_string_direct(r, &c, &clen) != 0 ||
		    len > sizeof(k[i].blob))
			return -1;
		memcpy(k[i].blob, p, len);
		k[i].len = len;
		snprintf(k[i].comment, sizeof(k[i].comment), "%.*s", (int)clen,
		    c);
	}
	return buf_expect_end(r) == 0 ? (int)n : -1;
}

/* SIGN's answer verifies over data with the key of blob, with alg. */
static int
verifies(struct buf *r, const struct key *k, const void *data, size_t len,
    const char *alg)
{
	const unsigned char	*sig;
	size_t			 siglen;
	struct buf		 s;
	char			*name = NULL;
	int			 ok;

	if (buf_get_string_direct(r, &sig, &siglen) != 0 ||
	    buf_expect_end(r) != 0)
		return 0;
	buf_view(&s, sig, siglen);
	ok = buf_get_cstring(&s, &name, 64) == 0 && strcmp(name, alg) == 0 &&
	    sshkey_verify(k->blob, k->len, sig, siglen, data, len) == 0;
	free(name);
	return ok;
}

static void
agent_keys_and_cap(struct buf *r)
{
	struct worker	*w;
	struct key	 k[4];
	char		 why[256];
	int		 peer, n;

	REQUIRE((w = test_worker_new("ag", &peer)) != NULL);
	/* SIGN before KEYS: killed by the table. */
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req("x", 1, "d", 1, 0), r,
	    NULL, why, sizeof(why)), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);

	REQUIRE((w = test_worker_new("ag", &peer)) != NULL);
	n = keys(w, peer, r, k, 4);
	CHECK_INT(n, 2);
	CHECK_INT(w->state, W_SESSION);
	REQUIRE(n == 2);
	/* In the order rsa, ecdsa, ed25519, privateKey; one comment. */
	CHECK_STR(k[0].comment, "team key");
	CHECK_STR(k[1].comment, "team key");
	CHECK(memcmp(k[0].blob + 4, "ssh-rsa", 7) == 0);
	CHECK(k[1].len == 51 && memcmp(k[1].blob + 4, "ssh-ed25519", 11) == 0);
	/* ed25519 signs. */
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[1].blob, k[1].len,
	    "hello", 5, 0), r, NULL, why, sizeof(why)), MSG_SSH_SIGN);
	CHECK(verifies(r, &k[1], "hello", 5, "ssh-ed25519"));
	/* RSA without a flag is SHA-1: refused, and counted. */
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "hello", 5, 0), r, NULL, why, sizeof(why)), MSG_FAILED);
	CHECK_STR(why, "ssh-rsa (SHA-1) signatures are not allowed for this "
	    "service");
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "hello", 5, SSH_AGENT_RSA_SHA2_512), r, NULL, why, sizeof(why)),
	    MSG_SSH_SIGN);
	CHECK(verifies(r, &k[0], "hello", 5, "rsa-sha2-512"));
	/* maxSignatures: 3, and that was the third. */
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "hello", 5, 0), r, NULL, why, sizeof(why)), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);

	/* A blob that KEYS did not give: killed. */
	REQUIRE((w = test_worker_new("ag", &peer)) != NULL);
	REQUIRE(keys(w, peer, r, k, 4) == 2);
	k[0].blob[k[0].len - 1] ^= 1;
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "hello", 5, 0), r, NULL, why, sizeof(why)), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);
}

static void
agent_users_and_confirm(struct buf *r)
{
	struct worker	*w;
	struct buf	*d;
	struct key	 k[1];
	char		 why[256];
	int		 peer;

	REQUIRE((w = test_worker_new("users", &peer)) != NULL);
	REQUIRE(keys(w, peer, r, k, 1) == 1);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "not a login", 11, 0), r, NULL, why, sizeof(why)), MSG_FAILED);
	CHECK_STR(why, "service users signs SSH logins only, and this is not "
	    "one");
	d = userauth("sid", "root", "ssh-ed25519", k[0].blob, k[0].len);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    buf_ptr(d), buf_len(d), 0), r, NULL, why, sizeof(why)),
	    MSG_FAILED);
	CHECK_STR(why, "service users does not sign logins as this user "
	    "(allowedRemoteUsers)");
	buf_free(d);
	d = userauth("sid", "git", "ssh-ed25519", k[0].blob, k[0].len);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    buf_ptr(d), buf_len(d), 0), r, NULL, why, sizeof(why)),
	    MSG_SSH_SIGN);
	CHECK(verifies(r, &k[0], buf_ptr(d), buf_len(d), "ssh-ed25519"));
	buf_free(d);
	CHECK_INT(w->killed, 0);
	test_worker_done(w, peer);

	REQUIRE((w = test_worker_new("confirm", &peer)) != NULL);
	REQUIRE(keys(w, peer, r, k, 1) == 1);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    "x", 1, 0), r, NULL, why, sizeof(why)), MSG_FAILED);
	CHECK_STR(why, "service confirm has confirm: true, and no one can "
	    "confirm a signature");
	test_worker_done(w, peer);
}

/* BIND with host's signature over sid; its answer's type. */
static int
bind_req(struct worker *w, int peer, struct buf *r, EVP_PKEY *host,
    const char *sid, int corrupt)
{
	struct buf	*hb, *sig, *b;
	char		 why[256];
	int		 t;

	if ((hb = buf_new(SSHKEY_BLOB_MAX)) == NULL ||
	    (sig = buf_new(SSHKEY_SIG_MAX)) == NULL ||
	    sshkey_public_blob(host, hb) != 0 ||
	    sshkey_sign(host, "ssh-ed25519", (const unsigned char *)sid,
	    strlen(sid), sig) != 0)
		abort();
	if (corrupt)
		sig->data[sig->end - 1] ^= 1;
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, buf_ptr(hb), buf_len(hb)) != 0 ||
	    buf_put_cstring(b, sid) != 0 ||
	    buf_put_string(b, buf_ptr(sig), buf_len(sig)) != 0 ||
	    buf_put_u8(b, 0) != 0)
		abort();
	t = ask(w, peer, MSG_SSH_BIND, b, r, NULL, why, sizeof(why));
	buf_free(hb);
	buf_free(sig);
	return t;
}

static void
agent_hosts(struct buf *r, EVP_PKEY *host, EVP_PKEY *other)
{
	struct worker	*w;
	struct buf	*d;
	struct key	 k[1];
	char		 why[256];
	int		 peer;

	REQUIRE((w = test_worker_new("hosts", &peer)) != NULL);
	REQUIRE(keys(w, peer, r, k, 1) == 1);
	CHECK_INT(bind_req(w, peer, r, host, "session-1", 1), MSG_FAILED);
	CHECK_INT(bind_req(w, peer, r, host, "session-1", 0), MSG_SSH_BIND);
	CHECK_INT(bind_req(w, peer, r, other, "session-2", 0), MSG_SSH_BIND);
	d = userauth("session-1", "u", "ssh-ed25519", k[0].blob, k[0].len);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    buf_ptr(d), buf_len(d), 0), r, NULL, why, sizeof(why)),
	    MSG_SSH_SIGN);
	buf_free(d);
	/* Bound, but to a host that is not allowed; or not bound. */
	d = userauth("session-2", "u", "ssh-ed25519", k[0].blob, k[0].len);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    buf_ptr(d), buf_len(d), 0), r, NULL, why, sizeof(why)),
	    MSG_FAILED);
	CHECK(strstr(why, "allowedHostKeys") != NULL);
	buf_free(d);
	d = userauth("session-3", "u", "ssh-ed25519", k[0].blob, k[0].len);
	CHECK_INT(ask(w, peer, MSG_SSH_SIGN, sign_req(k[0].blob, k[0].len,
	    buf_ptr(d), buf_len(d), 0), r, NULL, why, sizeof(why)),
	    MSG_FAILED);
	buf_free(d);
	CHECK_INT(w->killed, 0);
	test_worker_done(w, peer);
}

/* One agent exchange on fd, the loop run meanwhile: the answer's frame. */
static int
agent_ask(int fd, struct buf *frame, struct buf *in, struct worker *w)
{
	unsigned char	 tmp[4096];
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 n;
	int		 i;

	if (write(fd, buf_ptr(frame), buf_len(frame)) !=
	    (ssize_t)buf_len(frame))
		return -1;
	buf_free(frame);
	for (i = 0; i < 500 && !w->killed; i++) {
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 10) != 1)
			continue;
		if ((n = read(fd, tmp, sizeof(tmp))) <= 0)
			return -1;
		if (buf_put(in, tmp, (size_t)n) != 0)
			return -1;
		/* Our answers are the client's requests to the decoder. */
		if (buf_len(in) >= 5)
			return buf_ptr(in)[4];
	}
	return -1;
}

static struct buf *
frame(uint8_t type, const struct buf *body)
{
	struct buf	*b;
	size_t		 len = 1 + (body != NULL ? buf_len(body) : 0);

	if ((b = buf_new(AGENT_MAX_FRAME + 4)) == NULL ||
	    buf_put_u32(b, (uint32_t)len) != 0 || buf_put_u8(b, type) != 0 ||
	    (body != NULL && buf_put(b, buf_ptr(body), buf_len(body)) != 0))
		abort();
	return b;
}

static void
ssh_front(struct buf *r)
{
	const struct ssh_conf	*sc;
	struct worker		*w;
	struct creds		*c;
	struct buf		*in, *body, *d;
	const unsigned char	*p;
	unsigned char		 blob[SSHKEY_BLOB_MAX];
	size_t			 len, bloblen;
	uint32_t		 n;
	char			 why[256];
	int			 peer, fd = -1;

	REQUIRE((w = test_worker_new("front", &peer)) != NULL);
	sc = w->svc->conn_conf;
	CHECK_INT(ask(w, peer, MSG_SSH_HOSTKEY, NULL, r, NULL, why,
	    sizeof(why)), MSG_SSH_HOSTKEY);
	CHECK(buf_get_string_direct(r, &p, &len) == 0 && len ==
	    sc->hostkey->len && memcmp(p, sc->hostkey->data, len) == 0);
	/* AGENT in W_ASSIGNED: killed. */
	CHECK_INT(ask(w, peer, MSG_SSH_AGENT, NULL, r, NULL, why,
	    sizeof(why)), -1);
	CHECK_INT(w->killed, 1);
	test_worker_done(w, peer);

	/* As after DIALED: the credentials held, in the handshake. */
	REQUIRE((w = test_worker_new("front", &peer)) != NULL);
	REQUIRE((c = calloc(1, sizeof(*c))) != NULL);
	REQUIRE((c->names = calloc(2, sizeof(*c->names))) != NULL);
	REQUIRE((c->values = calloc(2, sizeof(*c->values))) != NULL);
	c->n = 2;
	c->names[0] = strdup("privateKey");
	c->values[0] = secret_new(service_credential(w->svc,
	    "privateKey")->ref, strlen(service_credential(w->svc,
	    "privateKey")->ref));
	c->names[1] = strdup("user");
	c->values[1] = secret_new("deploy", 6);
	w->creds = c;
	w->state = W_HANDSHAKE;
	CHECK_INT(ask(w, peer, MSG_SSH_AGENT, NULL, r, &fd, why,
	    sizeof(why)), MSG_SSH_AGENT);
	REQUIRE(fd != -1);
	REQUIRE((in = buf_new(AGENT_MAX_FRAME + 4)) != NULL);
	CHECK_INT(agent_ask(fd, frame(SSH_AGENTC_REQUEST_IDENTITIES, NULL), in,
	    w), SSH_AGENT_IDENTITIES_ANSWER);
	REQUIRE(buf_consume(in, 5) == 0);
	CHECK(buf_get_u32(in, &n) == 0 && n == 1);
	REQUIRE(buf_get_string_direct(in, &p, &bloblen) == 0 &&
	    bloblen <= sizeof(blob));
	memcpy(blob, p, bloblen);
	buf_reset(in);
	/* The backend login as deploy: signed. */
	d = userauth("sid", "deploy", "ssh-ed25519", blob, bloblen);
	REQUIRE((body = buf_new(MSG_MAX_PAYLOAD)) != NULL);
	REQUIRE(buf_put_string(body, blob, bloblen) == 0 &&
	    buf_put_string(body, buf_ptr(d), buf_len(d)) == 0 &&
	    buf_put_u32(body, 0) == 0);
	CHECK_INT(agent_ask(fd, frame(SSH_AGENTC_SIGN_REQUEST, body), in,
	    w), SSH_AGENT_SIGN_RESPONSE);
	buf_free(body);
	buf_free(d);
	buf_reset(in);
	/* As root: not the service's login, killed. */
	d = userauth("sid", "root", "ssh-ed25519", blob, bloblen);
	REQUIRE((body = buf_new(MSG_MAX_PAYLOAD)) != NULL);
	REQUIRE(buf_put_string(body, blob, bloblen) == 0 &&
	    buf_put_string(body, buf_ptr(d), buf_len(d)) == 0 &&
	    buf_put_u32(body, 0) == 0);
	CHECK_INT(agent_ask(fd, frame(SSH_AGENTC_SIGN_REQUEST, body), in,
	    w), -1);
	CHECK_INT(w->killed, 1);
	buf_free(body);
	buf_free(d);
	buf_free(in);
	close(fd);
	test_worker_done(w, peer);
}

/* Credentials as the providers resolve them: name, value, ..., NULL. */
static struct creds *
make_creds(const char *name, ...)
{
	struct creds	*c;
	const char	*v;
	va_list		 ap;
	size_t		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->names = calloc(8, sizeof(*c->names))) == NULL ||
	    (c->values = calloc(8, sizeof(*c->values))) == NULL)
		abort();
	va_start(ap, name);
	for (i = 0; name != NULL && i < 8; i++) {
		v = va_arg(ap, const char *);
		c->names[i] = strdup(name);
		c->values[i] = secret_new(v, strlen(v));
		c->n++;
		name = va_arg(ap, const char *);
	}
	va_end(ap);
	return c;
}

/*
 * The backend's agent socket answers a few identity requests, and kills a
 * worker that keeps asking (its answers would pile up unread).
 */
static void
ssh_front_identities(struct buf *r)
{
	struct worker	*w;
	struct buf	*in;
	char		 why[256];
	int		 i, peer, fd = -1;

	REQUIRE((w = test_worker_new("front", &peer)) != NULL);
	w->creds = make_creds("privateKey", service_credential(w->svc,
	    "privateKey")->ref, "user", "deploy", NULL);
	w->state = W_HANDSHAKE;
	CHECK_INT(ask(w, peer, MSG_SSH_AGENT, NULL, r, &fd, why,
	    sizeof(why)), MSG_SSH_AGENT);
	REQUIRE(fd != -1);
	REQUIRE((in = buf_new(AGENT_MAX_FRAME + 4)) != NULL);
	for (i = 0; i < 4; i++) {
		CHECK_INT(agent_ask(fd, frame(SSH_AGENTC_REQUEST_IDENTITIES,
		    NULL), in, w), SSH_AGENT_IDENTITIES_ANSWER);
		buf_reset(in);
	}
	CHECK_INT(w->killed, 0);
	CHECK_INT(agent_ask(fd, frame(SSH_AGENTC_REQUEST_IDENTITIES, NULL),
	    in, w), -1);
	CHECK_INT(w->killed, 1);
	buf_free(in);
	close(fd);
	test_worker_done(w, peer);
}

/*
 * Where the ssh connector dials and what its worker is told of the
 * backend's host key: accept any; the known_hosts entry of its host and
 * port; refused, saying so, when nothing is known.
 */
static void
ssh_dial(EVP_PKEY *host, EVP_PKEY *other)
{
	struct kvlist	 params;
	struct target	 t;
	struct worker	*w;
	struct buf	*hb;
	FILE		*f;
	char		 err[512], path[128], b64[256], ob64[256];
	char		 line[300];
	const char	*v;
	int		 peer;

	REQUIRE((w = test_worker_new("front", &peer)) != NULL);
	w->creds = make_creds("address", "127.0.0.1:1", "user", "deploy",
	    NULL);
	CHECK_INT(w->conn->dial_target(w, &t, err, sizeof(err)), 0);
	CHECK_STR(t.host, "127.0.0.1");
	CHECK_STR(t.port, "1");
	CHECK_STR(t.unix_path, "");
	kv_init(&params);
	CHECK_INT(w->conn->dial_params(w, &params), 0);
	CHECK((v = kv_get(&params, "user", NULL)) != NULL &&
	    strcmp(v, "deploy") == 0);
	CHECK((v = kv_get(&params, "acceptAnyHostKey", NULL)) != NULL &&
	    strcmp(v, "1") == 0);
	CHECK(kv_get(&params, "hostKeys", NULL) == NULL);
	kv_clear(&params);
	test_worker_done(w, peer);

	REQUIRE((w = test_worker_new("kh", &peer)) != NULL);
	w->creds = make_creds("address", "127.0.0.1:2222", NULL);
	snprintf(path, sizeof(path), "%s/known_hosts", state);
	unlink(path);
	CHECK(w->conn->dial_target(w, &t, err, sizeof(err)) != 0);
	CHECK(strncmp(err, "no known host key for 127.0.0.1:2222 (set hostKey, "
	    "knownHostsFile or hostKeyFingerprint)", 88) == 0);
	REQUIRE((hb = buf_new(SSHKEY_BLOB_MAX)) != NULL);
	REQUIRE(sshkey_public_blob(host, hb) == 0);
	EVP_EncodeBlock((unsigned char *)b64, buf_ptr(hb), (int)buf_len(hb));
	buf_reset(hb);
	REQUIRE(sshkey_public_blob(other, hb) == 0);
	EVP_EncodeBlock((unsigned char *)ob64, buf_ptr(hb), (int)buf_len(hb));
	buf_free(hb);
	REQUIRE((f = fopen(path, "w")) != NULL);
	fprintf(f, "[127.0.0.1]:2223 ssh-ed25519 %s\n"
	    "[127.0.0.1]:2222 ssh-ed25519 %s\n", b64, b64);
	fclose(f);
	chmod(path, 0644);
	CHECK_INT(w->conn->dial_target(w, &t, err, sizeof(err)), 0);
	kv_init(&params);
	CHECK_INT(w->conn->dial_params(w, &params), 0);
	CHECK((v = kv_get(&params, "user", NULL)) != NULL &&
	    strcmp(v, "root") == 0);
	CHECK((v = kv_get(&params, "hostKeys", NULL)) != NULL &&
	    strcmp(v, b64) == 0);
	kv_clear(&params);
	/* A hostKey credential is the one key, whatever the file says. */
	creds_free(w->creds);
	snprintf(line, sizeof(line), "ssh-ed25519 %s", ob64);
	w->creds = make_creds("address", "127.0.0.1:2222", "hostKey", line,
	    NULL);
	kv_init(&params);
	CHECK_INT(w->conn->dial_params(w, &params), 0);
	CHECK((v = kv_get(&params, "hostKeys", NULL)) != NULL &&
	    strcmp(v, ob64) == 0);
	kv_clear(&params);
	test_worker_done(w, peer);
}

TEST(monssh_requests)
{
	EVP_PKEY	*ed, *rsa, *host, *other;
	struct buf	*r, *hb;
	char		 err[512], fp[SSHKEY_FP_LEN + 1];
	int		 saved = log_level();

	snprintf(state, sizeof(state), "/tmp/airlock-monssh-XXXXXX");
	REQUIRE(mkdtemp(state) != NULL);
	REQUIRE((ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	REQUIRE((host = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	REQUIRE((other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	REQUIRE((rsa = testkey_rsa()) != NULL);
	ed_pem[0] = rsa_pem[0] = '\0';
	REQUIRE(sshtest_indent_pem(ed, ed_pem, sizeof(ed_pem)) == 0);
	REQUIRE(sshtest_indent_pem(rsa, rsa_pem, sizeof(rsa_pem)) == 0);
	REQUIRE((hb = buf_new(SSHKEY_BLOB_MAX)) != NULL);
	REQUIRE(sshkey_public_blob(host, hb) == 0);
	REQUIRE(sshkey_fingerprint(buf_ptr(hb), buf_len(hb), fp) == 0);
	buf_free(hb);

	log_set_sink(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	memset(&mon, 0, sizeof(mon));
	TAILQ_INIT(&mon.workers);
	mon.draining = 1;
	REQUIRE((mon.base = event_base_new()) != NULL);
	mon.conf = config_from_text(conf_text(fp), NULL, err, sizeof(err));
	if (mon.conf == NULL)
		printf("    %s\n", err);
	REQUIRE(mon.conf != NULL);
	REQUIRE((r = buf_new(MSG_MAX_PAYLOAD + 1)) != NULL);
	leaked = 0;
	agent_keys_and_cap(r);
	agent_users_and_confirm(r);
	agent_hosts(r, host, other);
	ssh_front(r);
	ssh_front_identities(r);
	ssh_dial(host, other);
	CHECK_INT(leaked, 0);
	buf_free(r);
	config_unref(mon.conf);
	provider_cleanup();
	event_base_free(mon.base);
	metrics_free();
	memset(&mon, 0, sizeof(mon));
	log_set_sink(NULL, NULL);
	log_set_level(saved);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(host);
	EVP_PKEY_free(other);
}
