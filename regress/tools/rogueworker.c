/*
 * rogueworker: a compromised worker, for regress/t/rogue-worker.sh.
 *
 * airlockd executes it in place of airlock-worker when the configuration
 * says `airlock: worker: .../regress/tools/rogueworker`.  It peeks at the
 * MSG_ASSIGN waiting on the privsep channel (fd 3) without consuming it: for
 * a service whose name does not start with "rogue-" it executes the real
 * worker (../../airlock-worker from its own directory, or
 * ../../airlock-worker-ssh or -plain when started as that: regress/tools
 * has links of those names to it, where airlockd looks for those workers)
 * with the channel untouched, so that honest connections on the same
 * airlockd are served as usual.  A rogue service names the misbehaviour
 * to play (see rogues[]).  A health worker has no service of its own to
 * name one: it plays rogue-health-WORD when the file CHROOT.rogue-health
 * (CHROOT: the -c argument) holds WORD.  An idle worker of the pool has
 * none yet either: when the file CHROOT.rogue-pool exists, it sends a DIAL
 * at once, before any assignment (which the monitor must answer with a
 * kill), or floods its stderr when the file says "stderr", or shuts its
 * stderr (the socket all workers share) down when it says "shutdown", or
 * makes it non-blocking when it says "nonblock".
 *
 * Everything it sends and receives is written, one line each, to the report
 * file named by the service's `config: rogueReport:` option (else stderr):
 *
 *	assigned SERVICE
 *	sent DIAL
 *	received DIALED
 *	sent CREDENTIAL password (violation)
 *	eof
 *
 * The monitor must kill the worker at the line marked "(violation)" and
 * answer nothing to it: the test checks that no "received" line follows
 * (or, for a request that a backend or a man in the middle could have
 * caused, that the answer is FAILED; rogue-worker.sh says which).  After
 * the violation the rogue listens for up to WAIT_MS and then exits.
 *
 * It is a test program: not sandboxed, and it needs no privilege.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/sockios.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "errors.h"
#include "msg.h"
#include "mysqlmsg.h"
#include "pgmsg.h"
#include "figures.h"
#include "httpmsg.h"
#include "sshmsg.h"
#include "tlsscheme.h"
#include "util.h"

#define CHAN		WORKER_CHANNEL_FD
#define WAIT_MS		3000	/* how long to listen after a violation */
#define REPLY_MS	10000	/* how long to wait for a permitted answer */
#define FLOOD_FDS	200	/* below the kernel's SCM_MAX_FD (253) */
#define FLOOD_MS	2000	/* how long a flood lasts, unless killed */
#define STARVE_MS	10000	/* ... the flood that starves the others */
#define BURST		40	/* LOG messages queued at once */
#define HOLD_MS		20000	/* how long a health rogue holds its slot */
#define UNKNOWN_TYPE	9999

struct rogue_ctx {
	int		 chan;
	int		 report;	/* report file, or 2 */
	int		 client;	/* the client connection, kept open */
	char		*service;
	const char	*connector;	/* of the service, from MSG_ASSIGN */
	const char	*go;		/* rogueGo: a file to wait for */
	const char	*other_key;	/* rogueOtherKey: a blob, base64 */
	struct buf	*in;
};

struct rogue {
	const char	*name;
	void		 (*play)(struct rogue_ctx *);
};

static void
report(struct rogue_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
report(struct rogue_ctx *c, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line, unbuffered: a SIGKILL may come at any time. */
	if (write(c->report, line, (size_t)n) != n)
		return;		/* nowhere left to say so */
}

/* Send a well-formed message and note it. */
static void
send_msg(struct rogue_ctx *c, uint32_t type, const struct buf *payload,
    int fd, const char *what, int violation)
{
	int	 r;

	report(c, "sent %s%s", what, violation ? " (violation)" : "");
	if ((r = msg_send(c->chan, type, payload, fd)) != 0)
		report(c, "send failed: %s", err_str(r));
}

/* Send bytes as one datagram, bypassing msg_send's checks. */
static void
send_raw(struct rogue_ctx *c, const void *p, size_t len, const int *fds,
    size_t nfds, const char *what, int violation)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	unsigned char	*ctl = NULL;
	size_t		 ctllen = 0;
	ssize_t		 n;

	report(c, "sent %s%s", what, violation ? " (violation)" : "");
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		ctllen = CMSG_SPACE(nfds * sizeof(int));
		if ((ctl = calloc(1, ctllen)) == NULL) {
			report(c, "send failed: out of memory");
			return;
		}
		mh.msg_control = ctl;
		mh.msg_controllen = ctllen;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do {
		n = sendmsg(c->chan, &mh, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		report(c, "send failed: %s", strerror(errno));
	else if ((size_t)n != len)
		report(c, "sent only %zd of %zu bytes", n, len);
	free(ctl);
}

static void
put_hdr(unsigned char *h, uint32_t type, uint32_t len)
{
	h[0] = type >> 24; h[1] = type >> 16; h[2] = type >> 8; h[3] = type;
	h[4] = len >> 24; h[5] = len >> 16; h[6] = len >> 8; h[7] = len;
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Receive one message within timeout_ms and note it.  Returns its type, 0
 * on timeout, -1 on end of channel or error.
 */

/*
 * The names of the types a rogue sends: the common ones, and its
 * connector's (connectors number theirs from the same base).
 */
static int
is_http(const struct rogue_ctx *c)
{
	return c->connector != NULL && (strcmp(c->connector, "basic_auth") ==
	    0 || strcmp(c->connector, "conjur") == 0 ||
	    strcmp(c->connector, "aws") == 0 ||
	    strcmp(c->connector, "generic_http") == 0);
}

static int
is_ssh(const struct rogue_ctx *c)
{
	return c->connector != NULL && (strcmp(c->connector, "ssh") == 0 ||
	    strcmp(c->connector, "ssh-agent") == 0);
}

static const char *
type_name(const struct rogue_ctx *c, uint32_t type)
{
	if (is_ssh(c))
		switch (type) {
		case MSG_SSH_KEYS:	return "SSH_KEYS";
		case MSG_SSH_SIGN:	return "SSH_SIGN";
		case MSG_SSH_BIND:	return "SSH_BIND";
		case MSG_SSH_AGENT:	return "SSH_AGENT";
		case MSG_SSH_HOSTKEY:	return "SSH_HOSTKEY";
		default:		return msg_type_name(type);
		}
	if (is_http(c))
		switch (type) {
		case MSG_HTTP_ROUTE:	return "HTTP_ROUTE";
		case MSG_HTTP_ROOTS:	return "HTTP_ROOTS";
		case MSG_HTTP_DIAL:	return "HTTP_DIAL";
		case MSG_HTTP_HEADERS:	return "HTTP_HEADERS";
		case MSG_HTTP_SIGV4:	return "HTTP_SIGV4";
		default:		return msg_type_name(type);
		}
	if (c->connector != NULL && strcmp(c->connector, "mysql") == 0)
		switch (type) {
		case MSG_MY_NATIVE:	return "MY_NATIVE";
		case MSG_MY_SHA2:	return "MY_SHA2";
		case MSG_MY_RSA:	return "MY_RSA";
		case MSG_MY_ED25519:	return "MY_ED25519";
		default:		return msg_type_name(type);
		}
	switch (type) {
	case MSG_PG_MD5:		return "PG_MD5";
	case MSG_PG_SCRAM_START:	return "SCRAM_START";
	case MSG_PG_SCRAM_FINAL:	return "SCRAM_FINAL";
	case MSG_PG_SCRAM_VERIFY:	return "SCRAM_VERIFY";
	default:			return msg_type_name(type);
	}
}

static int
receive(struct rogue_ctx *c, int timeout_ms)
{
	uint32_t	 type;
	int		 fd, r;

	r = msg_recv_timeout(c->chan, timeout_ms, &type, c->in, &fd);
	if (r == ERR_TIMEOUT)
		return 0;
	if (r == ERR_EOF) {
		report(c, "eof");
		return -1;
	}
	if (r != 0) {
		report(c, "receive failed: %s", err_str(r));
		return -1;
	}
	/* An HTTP answer's status: 0, or the HTTP status of a refusal. */
	if (is_http(c) && type >= MSG_CONNECTOR_BASE && buf_len(c->in) >= 2)
		report(c, "received %s %u%s", type_name(c, type),
		    (unsigned)buf_ptr(c->in)[0] << 8 | buf_ptr(c->in)[1],
		    fd != -1 ? " with fd" : "");
	else
		report(c, "received %s%s", type_name(c, type),
		    fd != -1 ? " with fd" : "");
	if (fd != -1)
		close(fd);
	/* The payload stays in c->in until the next receive. */
	return (int)type;
}

/* Wait for the answer to a permitted request. */
static int
expect(struct rogue_ctx *c, uint32_t want)
{
	int	 t;

	if ((t = receive(c, REPLY_MS)) == 0)
		report(c, "timeout waiting for %s", type_name(c, want));
	return t == (int)want ? 0 : -1;
}

/* After a violation: note whatever still arrives, for WAIT_MS. */
static void
listen_after(struct rogue_ctx *c)
{
	uint64_t	 end = now_ms() + WAIT_MS, t;

	while ((t = now_ms()) < end)
		if (receive(c, (int)(end - t)) < 0)
			return;
	report(c, "still alive after %d ms", WAIT_MS);
}

static void
dial(struct rogue_ctx *c, uint8_t purpose, const char *what, int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, purpose) != 0)
		_exit(2);
	send_msg(c, MSG_DIAL, b, -1, what, violation);
	buf_free(b);
}

static int
dial_ok(struct rogue_ctx *c)
{
	dial(c, DIAL_SESSION, "DIAL", 0);
	return expect(c, MSG_DIALED);
}

static void
credential(struct rogue_ctx *c, const char *name, int violation)
{
	char		 what[128];
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, name) != 0)
		_exit(2);
	snprintf(what, sizeof(what), "CREDENTIAL %s", name);
	send_msg(c, MSG_CREDENTIAL, b, -1, what, violation);
	buf_free(b);
}

static void
log_with_fds(struct rogue_ctx *c, size_t nfds, int violation)
{
	unsigned char	*raw;
	char		 what[64];
	struct buf	*b;
	int		 fds[FLOOD_FDS];
	size_t		 i, n;

	if (nfds > FLOOD_FDS)
		_exit(2);
	for (i = 0; i < nfds; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
			report(c, "open /dev/null: %s", strerror(errno));
			_exit(2);
		}
	/* A valid LOG message in every respect but the descriptors. */
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, 2) != 0 ||
	    buf_put_cstring(b, "a log line with descriptors attached") != 0)
		_exit(2);
	n = buf_len(b);
	if ((raw = malloc(MSG_HDR_LEN + n)) == NULL)
		_exit(2);
	put_hdr(raw, MSG_LOG, (uint32_t)n);
	memcpy(raw + MSG_HDR_LEN, buf_ptr(b), n);
	snprintf(what, sizeof(what), "LOG with %zu fds", nfds);
	send_raw(c, raw, MSG_HDR_LEN + n, fds, nfds, what, violation);
	free(raw);
	buf_free(b);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

/* A request of one or two strings (v2 NULL: one). */
static void
strings(struct rogue_ctx *c, uint32_t type, const void *v, size_t len,
    const void *v2, size_t len2, const char *what, int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, v, len) != 0 ||
	    (v2 != NULL && buf_put_string(b, v2, len2) != 0))
		_exit(2);
	send_msg(c, type, b, -1, what, violation);
	buf_free(b);
}

static void
authdone(struct rogue_ctx *c, uint8_t ok, int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL || buf_put_u8(b, ok) != 0)
		_exit(2);
	send_msg(c, MSG_AUTHDONE, b, -1, ok ? "AUTHDONE 1" : "AUTHDONE 0",
	    violation);
	buf_free(b);
}

/* The rogues. */

/* Dialed, then authenticated as far as the monitor can tell. */
static int
authenticated(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return -1;
	authdone(c, 1, 0);
	return 0;
}

static void
play_after_authdone(struct rogue_ctx *c)
{
	if (authenticated(c) != 0)
		return;
	credential(c, "password", 1);
	listen_after(c);
}

static void
play_other_cred(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* A name the pg connector knows, but this service does not have. */
	credential(c, "sslkey", 1);
	listen_after(c);
}

static void
play_unknown_cred(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	credential(c, "aws_secret", 1);
	listen_after(c);
}

static void
play_cred_twice(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* The first is permitted (cleartext allowed): proof that we see it. */
	credential(c, "password", 0);
	if (expect(c, MSG_CREDENTIAL) != 0)
		return;
	credential(c, "password", 1);
	listen_after(c);
}

static void
play_plain_password(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/*
	 * The service's backend leg is plaintext and cleartext passwords are
	 * allowed over TLS only: the monitor must not hand it out, whatever
	 * the worker claims.  (Killing or MSG_FAILED are both right.)
	 */
	credential(c, "password", 1);
	listen_after(c);
}

static void
play_oversized(struct rogue_ctx *c)
{
	size_t		 len = MSG_HDR_LEN + MSG_MAX_PAYLOAD + 16;
	unsigned char	*p;

	if ((p = calloc(1, len)) == NULL)
		_exit(2);
	put_hdr(p, MSG_LOG, MSG_MAX_PAYLOAD + 16);
	send_raw(c, p, len, NULL, 0, "LOG of MSG_MAX_PAYLOAD+16 bytes", 1);
	free(p);
	listen_after(c);
}

static void
play_truncated(struct rogue_ctx *c)
{
	unsigned char	 p[MSG_HDR_LEN + 10];

	memset(p, 'A', sizeof(p));
	put_hdr(p, MSG_LOG, 100);
	send_raw(c, p, sizeof(p), NULL, 0, "LOG announcing 100 bytes with 10",
	    1);
	listen_after(c);
}

static void
play_short_header(struct rogue_ctx *c)
{
	unsigned char	 p[5] = { 0, 0, 0, MSG_DIAL, 0 };

	send_raw(c, p, sizeof(p), NULL, 0, "5-byte message", 1);
	listen_after(c);
}

static void
play_unknown_type(struct rogue_ctx *c)
{
	unsigned char	 p[MSG_HDR_LEN];

	put_hdr(p, UNKNOWN_TYPE, 0);
	send_raw(c, p, sizeof(p), NULL, 0, "type 9999", 1);
	listen_after(c);
}

static void
play_fd_flood(struct rogue_ctx *c)
{
	log_with_fds(c, FLOOD_FDS, 1);
	log_with_fds(c, 1, 1);
	listen_after(c);
}

static void
play_log_fd(struct rogue_ctx *c)
{
	log_with_fds(c, 1, 1);
	listen_after(c);
}

static void
play_twice(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	dial(c, DIAL_SESSION, "DIAL again", 1);
	listen_after(c);
}

static void
play_before_dial(struct rogue_ctx *c)
{
	credential(c, "password", 1);
	listen_after(c);
}

/*
 * Not a violation: a log line that claims another service and connection
 * and tries to close the JSON object it will be written into, with control
 * and non-UTF-8 bytes.  The monitor logs it as this worker's, tamed.
 */
static void
play_log_forge(struct rogue_ctx *c)
{
	static const char forged[] = "other-svc#999: \"},{\"service\":"
	    "\"forged\",\"conn\":999,\"msg\":\"\\ \x01\xff\xc3\n"
	    "{\"level\":\"error\"}";
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, 1) != 0 ||
	    buf_put_string(b, forged, sizeof(forged) - 1) != 0)
		_exit(2);
	send_msg(c, MSG_LOG, b, -1, "LOG forged", 0);
	buf_free(b);
	send_msg(c, MSG_BYE, NULL, -1, "BYE", 0);
}

static void
play_bad_purpose(struct rogue_ctx *c)
{
	dial(c, 77, "DIAL purpose 77", 1);
	listen_after(c);
}

static void
play_trailing(struct rogue_ctx *c)
{
	struct buf	*b;

	/* A DIAL followed by bytes its parser must not accept. */
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, DIAL_SESSION) != 0 ||
	    buf_put(b, "xyz", 3) != 0)
		_exit(2);
	send_msg(c, MSG_DIAL, b, -1, "DIAL with 3 trailing bytes", 1);
	buf_free(b);
	listen_after(c);
}

static void
play_md5_badsalt(struct rogue_ctx *c)
{
	struct buf	*b;

	if (dial_ok(c) != 0)
		return;
	/* The salt is 4 bytes (PostgreSQL 55.2, AuthenticationMD5Password). */
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, "12345", 5) != 0)
		_exit(2);
	send_msg(c, MSG_PG_MD5, b, -1, "PG_MD5 with a 5-byte salt", 1);
	buf_free(b);
	listen_after(c);
}

static void
play_scram_verify_first(struct rogue_ctx *c)
{
	struct buf	*b;

	if (dial_ok(c) != 0)
		return;
	/* A server-final-message for an exchange that never started. */
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	    != 0)
		_exit(2);
	send_msg(c, MSG_PG_SCRAM_VERIFY, b, -1, "SCRAM_VERIFY before START", 1);
	buf_free(b);
	listen_after(c);
}

static void
play_from_monitor(struct rogue_ctx *c)
{
	struct buf	*b;

	/* A message only the monitor sends. */
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u32(b, 0) != 0)
		_exit(2);
	send_msg(c, MSG_DIALED, b, -1, "DIALED (a monitor's message)", 1);
	buf_free(b);
	listen_after(c);
}

/* One method per connection: an MD5 answer, then SCRAM as well. */
static void
play_md5_then_scram(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	strings(c, MSG_PG_MD5, "salt", 4, NULL, 0, "PG_MD5", 0);
	if (expect(c, MSG_PG_MD5) != 0)
		return;
	strings(c, MSG_PG_SCRAM_START, "SCRAM-SHA-256", 13, "", 0,
	    "SCRAM_START SCRAM-SHA-256", 1);
	listen_after(c);
}

/* ... and the cleartext password, then an MD5 answer as well. */
static void
play_clear_then_md5(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	credential(c, "password", 0);
	if (expect(c, MSG_CREDENTIAL) != 0)
		return;
	strings(c, MSG_PG_MD5, "salt", 4, NULL, 0, "PG_MD5", 1);
	listen_after(c);
}

/*
 * A forged server-first-message with one iteration: a proof that would
 * let the password be guessed offline at once.  The monitor cannot tell a
 * lying worker from a lying backend: FAILED, and no client-final-message.
 */
static void
play_scram_i1(struct rogue_ctx *c)
{
	const unsigned char	*first, *nonce;
	char			 forged[512];
	size_t			 len;

	if (dial_ok(c) != 0)
		return;
	strings(c, MSG_PG_SCRAM_START, "SCRAM-SHA-256", 13, "", 0,
	    "SCRAM_START SCRAM-SHA-256", 0);
	if (expect(c, MSG_PG_SCRAM_START) != 0)
		return;
	if (buf_get_string_direct(c->in, &first, &len) != 0 ||
	    (nonce = memmem(first, len, ",r=", 3)) == NULL) {
		report(c, "no client nonce");
		return;
	}
	nonce += 3;
	snprintf(forged, sizeof(forged), "r=%.*srogue,s=c2FsdA==,i=1",
	    (int)(len - (size_t)(nonce - first)), (const char *)nonce);
	strings(c, MSG_PG_SCRAM_FINAL, forged, strlen(forged), NULL, 0,
	    "SCRAM_FINAL with i=1", 1);
	listen_after(c);
}

/*
 * The password, by the default policy (never) over verified TLS, or by
 * cleartextPassword: tls over TLS that verifies nothing.
 */
static void
play_password(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	credential(c, "password", 1);
	listen_after(c);
}

/* SCRAM-SHA-256-PLUS with 20 bytes: no tls-server-end-point hash. */
static void
play_plus_badlen(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	strings(c, MSG_PG_SCRAM_START, "SCRAM-SHA-256-PLUS", 18,
	    "01234567890123456789", 20, "SCRAM_START -PLUS with 20 bytes", 1);
	listen_after(c);
}

/*
 * Logged in unasked (trust) where require_auth excludes it: the monitor
 * cannot stop a worker that holds the backend socket, but says so and
 * counts a failure.
 */
static void
play_authdone_unasked(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	authdone(c, 1, 1);
	listen_after(c);
}

/*
 * The client key's signature (MSG_TLS_SIGN) of content made of the 64
 * spaces of a TLS 1.3 CertificateVerify, a context string with its zero
 * byte and a hash of hashlen bytes (RFC 8446 section 4.4.3).
 */
static void
tls_sign_as(struct rogue_ctx *c, uint32_t type, const char *context,
    size_t hashlen, const char *scheme, const char *what, int violation)
{
	unsigned char	 tbs[TLS13_CV_PAD_LEN + 64 + 64];
	struct buf	*b;
	size_t		 len = strlen(context) + 1;

	if (len > 64 || hashlen > 64)
		_exit(2);
	memset(tbs, 0x20, TLS13_CV_PAD_LEN);
	memcpy(tbs + TLS13_CV_PAD_LEN, context, len);
	len += TLS13_CV_PAD_LEN;
	memset(tbs + len, 0x5a, hashlen);
	len += hashlen;
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, tbs, len) != 0 ||
	    buf_put_cstring(b, scheme) != 0)
		_exit(2);
	send_msg(c, type, b, -1, what, violation);
	buf_free(b);
}

static void
tls_sign(struct rogue_ctx *c, const char *context, size_t hashlen,
    const char *scheme, const char *what, int violation)
{
	tls_sign_as(c, MSG_TLS_SIGN, context, hashlen, scheme, what,
	    violation);
}

static void
tls_sign_ok(struct rogue_ctx *c, const char *what, int violation)
{
	tls_sign(c, TLS13_CV_CLIENT_CONTEXT, 32, "ecdsa_secp256r1_sha256",
	    what, violation);
}

static void
play_sslkey_cred(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* The service has a client key: the monitor signs, never gives it. */
	credential(c, "sslkey", 1);
	listen_after(c);
}

static void
play_tls_sign_twice(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	tls_sign_ok(c, "TLS_SIGN", 0);
	if (expect(c, MSG_TLS_SIGN) != 0)
		return;
	tls_sign_ok(c, "TLS_SIGN again", 1);
	listen_after(c);
}

static void
play_tls_sign_before_dial(struct rogue_ctx *c)
{
	tls_sign_ok(c, "TLS_SIGN before DIAL", 1);
	listen_after(c);
}

static void
play_tls_sign_after_auth(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/*
	 * Asking for the password opens the authentication, whatever the
	 * answer: the TLS handshake is over by then.
	 */
	credential(c, "password", 0);
	if (receive(c, REPLY_MS) <= 0)
		return;
	tls_sign_ok(c, "TLS_SIGN after CREDENTIAL password", 1);
	listen_after(c);
}

static void
play_tls_sign_no_key(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	tls_sign_ok(c, "TLS_SIGN for a service without sslkey", 1);
	listen_after(c);
}

static void
play_tls_sign_server_cv(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* What a server, not a client, signs. */
	tls_sign(c, "TLS 1.3, server CertificateVerify", 32,
	    "ecdsa_secp256r1_sha256", "TLS_SIGN of a server's "
	    "CertificateVerify", 1);
	listen_after(c);
}

static void
play_tls_sign_junk(struct rogue_ctx *c)
{
	static const char	 junk[] = "GET /token HTTP/1.1";
	struct buf		*b;

	if (dial_ok(c) != 0)
		return;
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, junk, sizeof(junk) - 1) != 0 ||
	    buf_put_cstring(b, "ecdsa_secp256r1_sha256") != 0)
		_exit(2);
	send_msg(c, MSG_TLS_SIGN, b, -1, "TLS_SIGN of arbitrary bytes", 1);
	buf_free(b);
	listen_after(c);
}

static void
play_tls_sign_pkcs1(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* A TLS 1.2 scheme; never one of a TLS 1.3 CertificateVerify. */
	tls_sign(c, TLS13_CV_CLIENT_CONTEXT, 32, "rsa_pkcs1_sha256",
	    "TLS_SIGN with rsa_pkcs1_sha256", 1);
	listen_after(c);
}

/*
 * The client leg's TLS (clientTLS, regress/t/rogue-client-tls.sh): its
 * material asked where the service has none, the listener key's one
 * signature asked for what is not a server's CertificateVerify, or twice,
 * or before the material; a client said to be accepted without the
 * signature; what the service's credentials buy asked for before the
 * client was accepted.
 */
static void
ctls_material(struct rogue_ctx *c, const char *what, int violation)
{
	send_msg(c, MSG_CLIENT_TLS, NULL, -1, what, violation);
}

static void
ctls_sign(struct rogue_ctx *c, const char *context, const char *what,
    int violation)
{
	tls_sign_as(c, MSG_CLIENT_TLS_SIGN, context, 32,
	    "ecdsa_secp256r1_sha256", what, violation);
}

static void
ctls_done(struct rogue_ctx *c, uint8_t outcome, const char *what,
    int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, outcome) != 0 ||
	    buf_put_cstring(b, "CN=rogue") != 0)
		_exit(2);
	send_msg(c, MSG_CLIENT_TLS_DONE, b, -1, what, violation);
	buf_free(b);
}

/* The honest way in: material, one signature, accepted. */
static int
ctls_accepted(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS", 0);
	if (expect(c, MSG_CLIENT_TLS) != 0)
		return -1;
	ctls_sign(c, TLS13_CV_SERVER_CONTEXT, "CLIENT_TLS_SIGN", 0);
	if (expect(c, MSG_CLIENT_TLS_SIGN) != 0)
		return -1;
	ctls_done(c, 0, "CLIENT_TLS_DONE ok", 0);
	return 0;
}

static void
play_ctls_ok(struct rogue_ctx *c)
{
	/* After it, the gate is open: the password, as the policy allows. */
	if (ctls_accepted(c) != 0 || dial_ok(c) != 0)
		return;
	credential(c, "password", 0);
	if (expect(c, MSG_CREDENTIAL) != 0)
		return;
	authdone(c, 1, 0);
	listen_after(c);
}

static void
play_ctls_unconfigured(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS without clientTLS", 1);
	listen_after(c);
}

static void
play_ctls_material_twice(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS", 0);
	if (expect(c, MSG_CLIENT_TLS) != 0)
		return;
	ctls_material(c, "CLIENT_TLS again", 1);
	listen_after(c);
}

static void
play_ctls_sign_first(struct rogue_ctx *c)
{
	ctls_sign(c, TLS13_CV_SERVER_CONTEXT, "CLIENT_TLS_SIGN first", 1);
	listen_after(c);
}

static void
play_ctls_sign_client_cv(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS", 0);
	if (expect(c, MSG_CLIENT_TLS) != 0)
		return;
	/* What a client signs: a login elsewhere with the listener's key. */
	ctls_sign(c, TLS13_CV_CLIENT_CONTEXT, "CLIENT_TLS_SIGN of a client's "
	    "CertificateVerify", 1);
	listen_after(c);
}

static void
play_ctls_sign_twice(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS", 0);
	if (expect(c, MSG_CLIENT_TLS) != 0)
		return;
	ctls_sign(c, TLS13_CV_SERVER_CONTEXT, "CLIENT_TLS_SIGN", 0);
	if (expect(c, MSG_CLIENT_TLS_SIGN) != 0)
		return;
	ctls_sign(c, TLS13_CV_SERVER_CONTEXT, "CLIENT_TLS_SIGN again", 1);
	listen_after(c);
}

static void
play_ctls_ok_unsigned(struct rogue_ctx *c)
{
	ctls_material(c, "CLIENT_TLS", 0);
	if (expect(c, MSG_CLIENT_TLS) != 0)
		return;
	ctls_done(c, 0, "CLIENT_TLS_DONE ok without a signature", 1);
	listen_after(c);
}

static void
play_ctls_bad_outcome(struct rogue_ctx *c)
{
	ctls_done(c, 200, "CLIENT_TLS_DONE with outcome 200", 1);
	listen_after(c);
}

static void
play_ctls_cred_first(struct rogue_ctx *c)
{
	/* A DIAL is permitted (MySQL greets after its backend): no more. */
	if (dial_ok(c) != 0)
		return;
	credential(c, "password", 1);
	listen_after(c);
}

static void
play_ctls_refused_then_cred(struct rogue_ctx *c)
{
	ctls_done(c, 1, "CLIENT_TLS_DONE plaintext", 0);
	if (dial_ok(c) != 0)
		return;
	credential(c, "password", 1);
	listen_after(c);
}

static void
play_ctls_reuse_dial(struct rogue_ctx *c)
{
	/* With backend reuse, a DIAL may hand over a logged-in session. */
	dial(c, DIAL_SESSION, "DIAL before the client's TLS", 1);
	listen_after(c);
}

/* MySQL: a request of one string, a scramble of len bytes. */
static void
my_scramble(struct rogue_ctx *c, uint32_t type, size_t len, const char *what,
    int violation)
{
	unsigned char	 s[64];

	if (len > sizeof(s))
		_exit(2);
	memset(s, 'x', len);
	strings(c, type, s, len, NULL, 0, what, violation);
}

/* ... and an answer to it that the monitor gives. */
static int
my_scramble_ok(struct rogue_ctx *c, uint32_t type, size_t len)
{
	my_scramble(c, type, len, type_name(c, type), 0);
	return expect(c, type);
}

/*
 * MY_RSA under a real RSA-2048 key, so that nothing but the monitor's
 * policy stands in the way of an answer.
 */
static void
my_rsa(struct rogue_ctx *c, const char *what, int violation)
{
	unsigned char	 scr[20], n[512], e[8];
	EVP_PKEY	*key;
	BIGNUM		*bn = NULL, *be = NULL;
	struct buf	*b;
	int		 nlen, elen;

	memset(scr, 'x', sizeof(scr));
	if ((key = EVP_RSA_gen(2048)) == NULL ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &be) != 1 ||
	    (nlen = BN_bn2binpad(bn, n, 256)) != 256 ||
	    (elen = BN_num_bytes(be)) > (int)sizeof(e) ||
	    BN_bn2bin(be, e) != elen)
		_exit(2);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, scr, sizeof(scr)) != 0 ||
	    buf_put_string(b, n, (size_t)nlen) != 0 ||
	    buf_put_string(b, e, (size_t)elen) != 0)
		_exit(2);
	send_msg(c, MSG_MY_RSA, b, -1, what, violation);
	buf_free(b);
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_free(key);
}

static void
play_my_native_twice(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0 || my_scramble_ok(c, MSG_MY_NATIVE, 20) != 0)
		return;
	my_scramble(c, MSG_MY_NATIVE, 20, "MY_NATIVE again", 1);
	listen_after(c);
}

static void
play_my_sha2_short(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	my_scramble(c, MSG_MY_SHA2, 19, "MY_SHA2 with a 19-byte scramble", 1);
	listen_after(c);
}

static void
play_my_ed25519_short(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	/* client_ed25519's scramble is 32 bytes, not the others' 20. */
	my_scramble(c, MSG_MY_ED25519, 20,
	    "MY_ED25519 with a 20-byte scramble", 1);
	listen_after(c);
}

/* The full authentication of a fast path that never began. */
static void
play_my_rsa_first(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	my_rsa(c, "MY_RSA before MY_SHA2", 1);
	listen_after(c);
}

/*
 * After the fast path, a key of the worker's choosing, where the service
 * pins none and sends no password in clear: a backend could ask the same,
 * so FAILED, never the encrypted password.
 */
static void
play_my_rsa_unpinned(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0 || my_scramble_ok(c, MSG_MY_SHA2, 20) != 0)
		return;
	my_rsa(c, "MY_RSA under a key of its own, no pin, no policy", 1);
	listen_after(c);
}

/* One plugin, switched once: native, ed25519, then caching_sha2. */
static void
play_my_third_plugin(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0 || my_scramble_ok(c, MSG_MY_NATIVE, 20) != 0 ||
	    my_scramble_ok(c, MSG_MY_ED25519, 32) != 0)
		return;
	my_scramble(c, MSG_MY_SHA2, 20, "MY_SHA2 after a switch", 1);
	listen_after(c);
}

/*
 * A pg request, well formed as pg's: connectors number their types from
 * the same base, so the monitor must judge it as one of mysql's.
 */
static void
play_my_pg_type(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	strings(c, MSG_PG_SCRAM_START, "SCRAM-SHA-256", 13, "", 0,
	    "pg's SCRAM_START from a mysql worker", 1);
	listen_after(c);
}

/* A type past the mysql connector's last. */
static void
play_my_type_past(struct rogue_ctx *c)
{
	if (dial_ok(c) != 0)
		return;
	my_scramble(c, MSG_MY_ED25519 + 1, 20, "type MSG_MY_ED25519 + 1", 1);
	listen_after(c);
}

/*
 * The HTTP connectors' rogues: a basic_auth service whose pattern is
 * ^http://127\.0\.0\.1:1/auth (and, for rogue-http-pass-headers, a
 * passthrough service on the same listener for .../open).
 */
static void
http_route(struct rogue_ctx *c, const char *host, const char *port,
    const char *target, const char *what, int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, "GET") != 0 ||
	    buf_put_cstring(b, "http") != 0 ||
	    buf_put_cstring(b, host) != 0 ||
	    buf_put_cstring(b, port) != 0 ||
	    buf_put_cstring(b, target) != 0)
		_exit(2);
	send_msg(c, MSG_HTTP_ROUTE, b, -1, what, violation);
	buf_free(b);
}

/* A ROUTE to http://127.0.0.1:1TARGET, answered yes. */
static int
http_route_ok(struct rogue_ctx *c, const char *target)
{
	char	 what[64];

	snprintf(what, sizeof(what), "HTTP_ROUTE %s", target);
	http_route(c, "127.0.0.1", "1", target, what, 0);
	if (expect(c, MSG_HTTP_ROUTE) != 0)
		return -1;
	return buf_len(c->in) >= 2 && buf_ptr(c->in)[0] == 0 &&
	    buf_ptr(c->in)[1] == 0 ? 0 : -1;
}

static void
http_headers(struct rogue_ctx *c, const char *what, int violation)
{
	strings(c, MSG_HTTP_HEADERS, "", 0, NULL, 0, what, violation);
}

static void
play_http_headers_first(struct rogue_ctx *c)
{
	http_headers(c, "HTTP_HEADERS before any ROUTE", 1);
	listen_after(c);
}

static void
play_http_dial_twice(struct rogue_ctx *c)
{
	if (http_route_ok(c, "/auth") != 0)
		return;
	/* Port 1: refused, and answered so (502). */
	send_msg(c, MSG_HTTP_DIAL, NULL, -1, "HTTP_DIAL", 0);
	if (expect(c, MSG_HTTP_DIAL) != 0)
		return;
	send_msg(c, MSG_HTTP_DIAL, NULL, -1, "HTTP_DIAL again", 1);
	listen_after(c);
}

static void
play_http_pass_headers(struct rogue_ctx *c)
{
	if (http_route_ok(c, "/open") != 0)
		return;
	http_headers(c, "HTTP_HEADERS for a passthrough route", 1);
	listen_after(c);
}

static void
play_http_sigv4(struct rogue_ctx *c)
{
	static const char hash[] = "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855";
	char		 date[32], scope[64];
	time_t		 now = time(NULL);
	struct tm	 tm;
	struct buf	*b;

	if (http_route_ok(c, "/auth") != 0)
		return;
	http_headers(c, "HTTP_HEADERS", 0);
	if (expect(c, MSG_HTTP_HEADERS) != 0)
		return;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(scope, sizeof(scope), "%.8s/us-east-1/s3/aws4_request", date);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, date) != 0 || buf_put_cstring(b, scope) != 0 ||
	    buf_put_cstring(b, hash) != 0)
		_exit(2);
	send_msg(c, MSG_HTTP_SIGV4, b, -1, "HTTP_SIGV4 for basic_auth", 1);
	buf_free(b);
	listen_after(c);
}

static void
play_http_bad_host(struct rogue_ctx *c)
{
	http_route(c, "127.0.0.1 x", "1", "/auth", "HTTP_ROUTE host with a "
	    "space", 1);
	listen_after(c);
}

static void
play_http_bad_target(struct rogue_ctx *c)
{
	http_route(c, "127.0.0.1", "1", "auth", "HTTP_ROUTE target without /",
	    1);
	listen_after(c);
}

static void
play_http_port_0(struct rogue_ctx *c)
{
	http_route(c, "127.0.0.1", "0", "/auth", "HTTP_ROUTE port 0", 1);
	listen_after(c);
}

static void
play_http_port_70000(struct rogue_ctx *c)
{
	http_route(c, "127.0.0.1", "70000", "/auth", "HTTP_ROUTE port 70000",
	    1);
	listen_after(c);
}

/* Not a violation: a URL that no pattern matches is refused, 403. */
static void
play_http_nomatch(struct rogue_ctx *c)
{
	http_route(c, "example.com", "", "/", "HTTP_ROUTE to example.com", 1);
	listen_after(c);
}

/*
 * HTTP_MAX_REQUESTS routes, each answered (not reported one by one), then
 * one more.
 */
static void
play_http_cap(struct rogue_ctx *c)
{
	uint64_t	 t0 = now_ms();
	unsigned long	 i;
	struct buf	*b;
	uint32_t	 type;
	int		 fd, r;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, "GET") != 0 ||
	    buf_put_cstring(b, "http") != 0 ||
	    buf_put_cstring(b, "127.0.0.1") != 0 ||
	    buf_put_cstring(b, "1") != 0 ||
	    buf_put_cstring(b, "/auth") != 0)
		_exit(2);
	for (i = 0; i < HTTP_MAX_REQUESTS; i++) {
		if ((r = msg_send(c->chan, MSG_HTTP_ROUTE, b, -1)) != 0 ||
		    (r = msg_recv_timeout(c->chan, REPLY_MS, &type, c->in,
		    &fd)) != 0 || type != MSG_HTTP_ROUTE || fd != -1) {
			report(c, "route %lu not answered: %s", i + 1,
			    err_str(r));
			return;
		}
	}
	buf_free(b);
	report(c, "%lu routes answered in %llu ms", i,
	    (unsigned long long)(now_ms() - t0));
	http_route(c, "127.0.0.1", "1", "/auth", "HTTP_ROUTE past the cap", 1);
	listen_after(c);
}

/*
 * Floods: as fast as the channel (or the pipe) takes it, for ms at most,
 * unless the monitor ends us first.  "flood over" says it was not.
 */
static void
flood_log(struct rogue_ctx *c, int ms)
{
	struct buf	*b;
	uint64_t	 end = now_ms() + (uint64_t)ms;
	unsigned long	 n = 0;
	int		 r = 0;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u8(b, 1) != 0 ||
	    buf_put_cstring(b, "flood: a line that says nothing, again and "
	    "again, as fast as the channel takes it") != 0)
		_exit(2);
	report(c, "sent LOG flood for %d ms (violation)", ms);
	while (r == 0 && ((n & 63) != 0 || now_ms() < end))
		if ((r = msg_send(c->chan, MSG_LOG, b, -1)) == 0)
			n++;
	report(c, "flood over: %lu LOG messages%s%s", n, r ? ", then " : "",
	    r ? err_str(r) : "");
	buf_free(b);
}

static void
play_log_flood(struct rogue_ctx *c)
{
	flood_log(c, FLOOD_MS);
	listen_after(c);
}

/* Longer: rogue-worker.sh runs an honest session meanwhile. */
static void
play_log_starve(struct rogue_ctx *c)
{
	flood_log(c, STARVE_MS);
	listen_after(c);
}

static void
play_stderr_flood(struct rogue_ctx *c)
{
	static const char line[] = "flood: a line on stderr that says "
	    "nothing, again and again, as fast as the pipe takes it\n";
	uint64_t	 end = now_ms() + FLOOD_MS;
	unsigned long	 n = 0;
	ssize_t		 w = 0;

	report(c, "sent stderr flood for %d ms (violation)", FLOOD_MS);
	while (w >= 0 && ((n & 63) != 0 || now_ms() < end))
		if ((w = write(2, line, sizeof(line) - 1)) > 0)
			n++;
	report(c, "flood over: %lu lines%s%s", n, w < 0 ? ", then " : "",
	    w < 0 ? strerror(errno) : "");
	listen_after(c);
}

/*
 * Not a violation: BURST log lines queued at once, once the file named by
 * rogueGo exists (rogue-worker.sh creates it while airlockd is stopped, so
 * that two such rogues have their bursts waiting when it goes on).  How the
 * monitor interleaves them shows how many messages of one worker it
 * handles before it turns to the others.
 */
static void
play_log_burst(struct rogue_ctx *c)
{
	struct buf	*b;
	char		 line[64];
	int		 i, n;

	report(c, "waiting for %s", c->go ? c->go : "(no rogueGo)");
	for (n = 0; c->go != NULL && access(c->go, F_OK) != 0 && n < 1000;
	    n++)
		usleep(10000);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		_exit(2);
	for (i = 0; i < BURST; i++) {
		snprintf(line, sizeof(line), "burst line %d", i + 1);
		buf_reset(b);
		if (buf_put_u8(b, 1) != 0 || buf_put_cstring(b, line) != 0 ||
		    msg_send(c->chan, MSG_LOG, b, -1) != 0)
			_exit(2);
	}
	buf_free(b);
	report(c, "sent %d LOG messages", BURST);
	/* Wait until the monitor has read them all (10 s at most). */
	for (n = 0; n < 1000; n++) {
		if (ioctl(c->chan, SIOCOUTQ, &i) == -1 || i == 0)
			break;
		usleep(10000);
	}
	send_msg(c, MSG_BYE, NULL, -1, "BYE", 0);
}

/* Byte counts of a relayed connection that it cannot have carried. */
static void
stats_after_auth(struct rogue_ctx *c, uint64_t c2b, uint64_t b2c,
    const char *what)
{
	struct buf	*b;

	if (authenticated(c) != 0)
		return;
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_u64(b, c2b) != 0 || buf_put_u64(b, b2c) != 0)
		_exit(2);
	send_msg(c, MSG_STATS, b, -1, what, 1);
	buf_free(b);
	listen_after(c);
}

static void
play_stats_huge(struct rogue_ctx *c)
{
	stats_after_auth(c, (uint64_t)1 << 63, 1, "STATS 2^63 bytes");
}

/* 10 TB within a second or two: a 100 Gbit/s link carries 25 GB. */
static void
play_stats_fast(struct rogue_ctx *c)
{
	stats_after_auth(c, 1000, 10000000000000ULL, "STATS 10 TB");
}

/* A health worker that holds its slot without a word, then listens. */
static void
hold(struct rogue_ctx *c)
{
	uint64_t	 end = now_ms() + HOLD_MS, t;

	report(c, "holding for %d ms (violation)", HOLD_MS);
	while ((t = now_ms()) < end)
		if (receive(c, (int)(end - t)) < 0)
			return;
	report(c, "still alive after %d ms", HOLD_MS);
}

static void
play_health_silent(struct rogue_ctx *c)
{
	hold(c);
}

/* It asks for the figures, as it may, and then stays. */
static void
play_health_linger(struct rogue_ctx *c)
{
	send_msg(c, MSG_HEALTH, NULL, -1, "HEALTH", 0);
	if (expect(c, MSG_HEALTH) == 0)
		hold(c);
}

/*
 * The SSH connectors' rogues: an ssh-agent service with one key and
 * maxSignatures 1 (rogueOtherKey: the public blob of another service's
 * key), an ssh service whose address is a listener that accepts.
 */

/* KEYS, answered: the first key's blob into blob (NULL: not needed). */
static int
ssh_keys_ok(struct rogue_ctx *c, struct buf *blob)
{
	const unsigned char	*p;
	size_t			 len;
	uint32_t		 n;

	send_msg(c, MSG_SSH_KEYS, NULL, -1, "SSH_KEYS", 0);
	if (expect(c, MSG_SSH_KEYS) != 0)
		return -1;
	if (buf_get_u32(c->in, &n) != 0 || n == 0 ||
	    buf_get_string_direct(c->in, &p, &len) != 0 ||
	    buf_put(blob, p, len) != 0) {
		report(c, "bad SSH_KEYS answer");
		return -1;
	}
	return 0;
}

/* A SIGN of some bytes with the key of blob. */
static void
ssh_sign(struct rogue_ctx *c, const void *blob, size_t len, const char *what,
    int violation)
{
	struct buf	*b;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, blob, len) != 0 ||
	    buf_put_string(b, "rogue data", 10) != 0 ||
	    buf_put_u32(b, 0) != 0)
		_exit(2);
	send_msg(c, MSG_SSH_SIGN, b, -1, what, violation);
	buf_free(b);
}

static void
play_ssh_sign_cap(struct rogue_ctx *c)
{
	struct buf	*blob;

	if ((blob = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		_exit(2);
	if (ssh_keys_ok(c, blob) == 0) {
		ssh_sign(c, buf_ptr(blob), buf_len(blob), "SSH_SIGN", 0);
		if (expect(c, MSG_SSH_SIGN) == 0) {
			ssh_sign(c, buf_ptr(blob), buf_len(blob),
			    "SSH_SIGN past maxSignatures", 1);
			listen_after(c);
		}
	}
	buf_free(blob);
}

static void
play_ssh_sign_first(struct rogue_ctx *c)
{
	ssh_sign(c, "", 0, "SSH_SIGN before SSH_KEYS", 1);
	listen_after(c);
}

static void
play_ssh_sign_other(struct rogue_ctx *c)
{
	unsigned char	 other[4096];
	struct buf	*blob;
	size_t		 len;
	int		 n;

	if (c->other_key == NULL || (len = strlen(c->other_key)) == 0 ||
	    len > sizeof(other) / 4 * 3 || (n = EVP_DecodeBlock(other,
	    (const unsigned char *)c->other_key, (int)len)) < 0) {
		report(c, "no rogueOtherKey");
		return;
	}
	/* EVP_DecodeBlock counts the padding's bytes too. */
	while (len > 0 && c->other_key[--len] == '=')
		n--;
	if ((blob = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		_exit(2);
	if (ssh_keys_ok(c, blob) == 0) {
		ssh_sign(c, other, (size_t)n, "SSH_SIGN with another "
		    "service's key", 1);
		listen_after(c);
	}
	buf_free(blob);
}

static void
play_ssh_agent_assigned(struct rogue_ctx *c)
{
	send_msg(c, MSG_SSH_AGENT, NULL, -1, "SSH_AGENT before DIAL", 1);
	listen_after(c);
}

static void
play_ssh_hostkey_twice(struct rogue_ctx *c)
{
	send_msg(c, MSG_SSH_HOSTKEY, NULL, -1, "SSH_HOSTKEY", 0);
	if (expect(c, MSG_SSH_HOSTKEY) != 0)
		return;
	send_msg(c, MSG_SSH_HOSTKEY, NULL, -1, "SSH_HOSTKEY again", 1);
	listen_after(c);
}

/*
 * The backend login's agent socket gets a frame that no agent client
 * sends our way: ADD_IDENTITY (draft-miller-ssh-agent 4.2), empty.
 */
static void
play_ssh_agent_junk(struct rogue_ctx *c)
{
	static const unsigned char frame[] = { 0, 0, 0, 1, 17 };
	uint32_t	 type;
	int		 fd = -1, r;

	if (dial_ok(c) != 0)
		return;
	send_msg(c, MSG_SSH_AGENT, NULL, -1, "SSH_AGENT", 0);
	r = msg_recv_timeout(c->chan, REPLY_MS, &type, c->in, &fd);
	if (r != 0 || type != MSG_SSH_AGENT || fd == -1) {
		report(c, "no SSH_AGENT answer with fd");
		if (fd != -1)
			close(fd);
		return;
	}
	report(c, "received SSH_AGENT with fd");
	report(c, "sent ADD_IDENTITY on the agent socket (violation)");
	if (write(fd, frame, sizeof(frame)) != (ssize_t)sizeof(frame))
		report(c, "send failed: %s", strerror(errno));
	listen_after(c);
	close(fd);
}

/*
 * Backend reuse (poolMode session, regress/t/pg-reuse-rogue.sh): a rogue
 * that gives back what is not its backend, or not when it may, or asks for
 * a proof with a backend that was authenticated for someone else.
 */
#define REUSE_KEY	"rogue-key"

/*
 * DIAL with a key; the backend's descriptor (kept, -1 on failure) and
 * whether it is a reused one (a "session" parameter).
 */
static int
reuse_dial(struct rogue_ctx *c, size_t keylen, int violation, int *reused)
{
	struct kvlist	 params;
	struct buf	*b;
	unsigned char	*key;
	uint32_t	 type;
	int		 fd = -1, r;

	*reused = 0;
	if ((key = calloc(1, keylen)) == NULL ||
	    (b = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		_exit(2);
	memcpy(key, REUSE_KEY, keylen < strlen(REUSE_KEY) ? keylen :
	    strlen(REUSE_KEY));
	if (buf_put_u8(b, DIAL_SESSION) != 0 ||
	    buf_put_string(b, key, keylen) != 0)
		_exit(2);
	send_msg(c, MSG_DIAL, b, -1, "DIAL with a key", violation);
	buf_free(b);
	free(key);
	if (violation) {
		listen_after(c);
		return -1;
	}
	r = msg_recv_timeout(c->chan, REPLY_MS, &type, c->in, &fd);
	if (r != 0 || type != MSG_DIALED || fd == -1) {
		report(c, "no DIALED with fd");
		if (fd != -1)
			close(fd);
		return -1;
	}
	kv_init(&params);
	if (kv_get_list(c->in, &params) == 0 &&
	    kv_get(&params, "session", NULL) != NULL)
		*reused = 1;
	kv_clear(&params);
	report(c, "received DIALED with fd%s", *reused ? " and session" : "");
	return fd;
}

static void
reuse_return(struct rogue_ctx *c, int fd, const char *key, size_t bloblen,
    const char *what, int violation)
{
	struct buf	*b;
	unsigned char	*blob;

	if ((blob = calloc(1, bloblen + 1)) == NULL ||
	    (b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_string(b, key, strlen(key)) != 0 ||
	    buf_put_string(b, blob, bloblen) != 0)
		_exit(2);
	send_msg(c, MSG_BACKEND_RETURN, b, fd, what, violation);
	buf_free(b);
	free(blob);
}

/* Dialed with the key and authenticated as far as the monitor can tell. */
static int
reuse_authenticated(struct rogue_ctx *c)
{
	int	 fd, reused;

	if ((fd = reuse_dial(c, strlen(REUSE_KEY), 0, &reused)) == -1)
		return -1;
	authdone(c, 1, 0);
	return fd;
}

/* The honest case: its own backend, once, after AUTHDONE: kept. */
static void
play_reuse_ok(struct rogue_ctx *c)
{
	int	 fd;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN", 0);
	close(fd);
	listen_after(c);
}

static void
play_reuse_client_fd(struct rogue_ctx *c)
{
	int	 fd;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	reuse_return(c, c->client, REUSE_KEY, 16, "BACKEND_RETURN of the "
	    "client", 1);
	listen_after(c);
	close(fd);
}

static void
play_reuse_other_fd(struct rogue_ctx *c)
{
	int	 fd, other;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	if ((other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		_exit(2);
	reuse_return(c, other, REUSE_KEY, 16, "BACKEND_RETURN of another "
	    "socket", 1);
	listen_after(c);
	close(other);
	close(fd);
}

static void
play_reuse_twice(struct rogue_ctx *c)
{
	int	 fd;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN", 0);
	reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN again", 1);
	listen_after(c);
	close(fd);
}

static void
play_reuse_before_auth(struct rogue_ctx *c)
{
	int	 fd, reused;

	if ((fd = reuse_dial(c, strlen(REUSE_KEY), 0, &reused)) == -1)
		return;
	reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN before AUTHDONE",
	    1);
	listen_after(c);
	close(fd);
}

/* A service without poolMode: dialed without a key, as ours would. */
static void
play_reuse_no_pool(struct rogue_ctx *c)
{
	struct buf	*b;
	uint32_t	 type;
	int		 fd = -1, r;

	if ((b = buf_new(16)) == NULL || buf_put_u8(b, DIAL_SESSION) != 0)
		_exit(2);
	send_msg(c, MSG_DIAL, b, -1, "DIAL", 0);
	buf_free(b);
	r = msg_recv_timeout(c->chan, REPLY_MS, &type, c->in, &fd);
	if (r != 0 || type != MSG_DIALED || fd == -1) {
		report(c, "no DIALED with fd");
		return;
	}
	report(c, "received DIALED with fd");
	authdone(c, 1, 0);
	reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN without poolMode",
	    1);
	listen_after(c);
	close(fd);
}

static void
play_reuse_big_key(struct rogue_ctx *c)
{
	int	 reused;

	(void)reuse_dial(c, BACKPOOL_KEY_MAX + 1, 1, &reused);
}

static void
play_reuse_big_blob(struct rogue_ctx *c)
{
	int	 fd;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	reuse_return(c, fd, REUSE_KEY, BACKPOOL_BLOB_MAX + 1,
	    "BACKEND_RETURN with an oversized session", 1);
	listen_after(c);
	close(fd);
}

static void
play_reuse_other_key(struct rogue_ctx *c)
{
	int	 fd;

	if ((fd = reuse_authenticated(c)) == -1)
		return;
	reuse_return(c, fd, "another-key", 16, "BACKEND_RETURN under another "
	    "key", 1);
	listen_after(c);
	close(fd);
}

/*
 * The first connection gives its backend back; the second, given it, asks
 * for the password (and would for a proof) as if it had to log in.
 */
static void
play_reuse_proof(struct rogue_ctx *c)
{
	int	 fd, reused;

	if ((fd = reuse_dial(c, strlen(REUSE_KEY), 0, &reused)) == -1)
		return;
	if (!reused) {
		authdone(c, 1, 0);
		reuse_return(c, fd, REUSE_KEY, 16, "BACKEND_RETURN", 0);
		close(fd);
		listen_after(c);
		return;
	}
	credential(c, "password", 1);
	listen_after(c);
	close(fd);
}

static const struct rogue rogues[] = {
	{ "rogue-after-authdone",	play_after_authdone },
	{ "rogue-other-cred",		play_other_cred },
	{ "rogue-unknown-cred",		play_unknown_cred },
	{ "rogue-cred-twice",		play_cred_twice },
	{ "rogue-plain-password",	play_plain_password },
	{ "rogue-oversized",		play_oversized },
	{ "rogue-truncated",		play_truncated },
	{ "rogue-short-header",		play_short_header },
	{ "rogue-unknown-type",		play_unknown_type },
	{ "rogue-fd-flood",		play_fd_flood },
	{ "rogue-log-fd",		play_log_fd },
	{ "rogue-twice",		play_twice },
	{ "rogue-before-dial",		play_before_dial },
	{ "rogue-bad-purpose",		play_bad_purpose },
	{ "rogue-trailing",		play_trailing },
	{ "rogue-md5-badsalt",		play_md5_badsalt },
	{ "rogue-scram-verify-first",	play_scram_verify_first },
	{ "rogue-from-monitor",		play_from_monitor },
	{ "rogue-log-forge",		play_log_forge },
	{ "rogue-md5-then-scram",	play_md5_then_scram },
	{ "rogue-clear-then-md5",	play_clear_then_md5 },
	{ "rogue-scram-i1",		play_scram_i1 },
	{ "rogue-default-password",	play_password },
	{ "rogue-tls-password",		play_password },
	{ "rogue-plus-badlen",		play_plus_badlen },
	{ "rogue-authdone-unasked",	play_authdone_unasked },
	{ "rogue-sslkey-cred",		play_sslkey_cred },
	{ "rogue-tls-sign-twice",	play_tls_sign_twice },
	{ "rogue-tls-sign-before-dial",	play_tls_sign_before_dial },
	{ "rogue-tls-sign-after-auth",	play_tls_sign_after_auth },
	{ "rogue-tls-sign-no-key",	play_tls_sign_no_key },
	{ "rogue-tls-sign-server-cv",	play_tls_sign_server_cv },
	{ "rogue-tls-sign-junk",	play_tls_sign_junk },
	{ "rogue-tls-sign-pkcs1",	play_tls_sign_pkcs1 },
	{ "rogue-log-flood",		play_log_flood },
	{ "rogue-log-starve",		play_log_starve },
	{ "rogue-stderr-flood",		play_stderr_flood },
	{ "rogue-log-burst-1",		play_log_burst },
	{ "rogue-log-burst-2",		play_log_burst },
	{ "rogue-health-silent",	play_health_silent },
	{ "rogue-health-linger",	play_health_linger },
	{ "rogue-stats-huge",		play_stats_huge },
	{ "rogue-stats-fast",		play_stats_fast },
	{ "rogue-my-native-twice",	play_my_native_twice },
	{ "rogue-my-sha2-short",	play_my_sha2_short },
	{ "rogue-my-ed25519-short",	play_my_ed25519_short },
	{ "rogue-my-rsa-first",		play_my_rsa_first },
	{ "rogue-my-rsa-unpinned",	play_my_rsa_unpinned },
	{ "rogue-my-third-plugin",	play_my_third_plugin },
	{ "rogue-my-password",		play_password },
	{ "rogue-my-sslkey",		play_sslkey_cred },
	{ "rogue-my-pg-type",		play_my_pg_type },
	{ "rogue-my-type-past",		play_my_type_past },
	{ "rogue-http-headers-first",	play_http_headers_first },
	{ "rogue-http-dial-twice",	play_http_dial_twice },
	{ "rogue-http-pass-headers",	play_http_pass_headers },
	{ "rogue-http-sigv4",		play_http_sigv4 },
	{ "rogue-http-bad-host",	play_http_bad_host },
	{ "rogue-http-bad-target",	play_http_bad_target },
	{ "rogue-http-port-0",		play_http_port_0 },
	{ "rogue-http-port-70000",	play_http_port_70000 },
	{ "rogue-http-nomatch",		play_http_nomatch },
	{ "rogue-http-cap",		play_http_cap },
	{ "rogue-ssh-sign-cap",		play_ssh_sign_cap },
	{ "rogue-ssh-sign-first",	play_ssh_sign_first },
	{ "rogue-ssh-sign-other",	play_ssh_sign_other },
	{ "rogue-ssh-agent-assigned",	play_ssh_agent_assigned },
	{ "rogue-ssh-hostkey-twice",	play_ssh_hostkey_twice },
	{ "rogue-ssh-agent-junk",	play_ssh_agent_junk },
	{ "rogue-reuse-ok",		play_reuse_ok },
	{ "rogue-reuse-client-fd",	play_reuse_client_fd },
	{ "rogue-reuse-other-fd",	play_reuse_other_fd },
	{ "rogue-reuse-twice",		play_reuse_twice },
	{ "rogue-reuse-before-auth",	play_reuse_before_auth },
	{ "rogue-reuse-no-pool",	play_reuse_no_pool },
	{ "rogue-reuse-big-key",	play_reuse_big_key },
	{ "rogue-reuse-big-blob",	play_reuse_big_blob },
	{ "rogue-reuse-other-key",	play_reuse_other_key },
	{ "rogue-reuse-proof",		play_reuse_proof },
	{ "rogue-ctls-ok",		play_ctls_ok },
	{ "rogue-ctls-unconfigured",	play_ctls_unconfigured },
	{ "rogue-ctls-material-twice",	play_ctls_material_twice },
	{ "rogue-ctls-sign-first",	play_ctls_sign_first },
	{ "rogue-ctls-sign-client-cv",	play_ctls_sign_client_cv },
	{ "rogue-ctls-sign-twice",	play_ctls_sign_twice },
	{ "rogue-ctls-ok-unsigned",	play_ctls_ok_unsigned },
	{ "rogue-ctls-bad-outcome",	play_ctls_bad_outcome },
	{ "rogue-ctls-cred-first",	play_ctls_cred_first },
	{ "rogue-ctls-refused-then-cred", play_ctls_refused_then_cred },
	{ "rogue-ctls-reuse-dial",	play_ctls_reuse_dial },
};

/*
 * Read the service name of the MSG_ASSIGN waiting on the channel without
 * consuming it.  A peek installs the attached descriptor in our table too;
 * close that copy.
 */
static char *
peek_service(int chan)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	static unsigned char msg[MSG_HDR_LEN + MSG_MAX_PAYLOAD];
	struct cmsghdr	*c;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct pollfd	 pfd;
	struct buf	 b;
	uint32_t	 type, len;
	size_t		 i, nfds;
	ssize_t		 n;
	char		*name = NULL;
	int		 fd;

	/* An idle worker of the pool waits for its client. */
	pfd.fd = chan;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, -1) != 1)
		return NULL;
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = msg;
	iov.iov_len = sizeof(msg);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(chan, &mh, MSG_PEEK | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return NULL;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}

	buf_view(&b, msg, (size_t)n);
	if (buf_get_u32(&b, &type) != 0 || buf_get_u32(&b, &len) != 0 ||
	    type != MSG_ASSIGN || len != buf_len(&b) ||
	    buf_get_cstring(&b, &name, MSG_MAX_STRING) != 0)
		return NULL;
	return name;
}

/* CHROOT.SUFFIX (CHROOT: the -c argument), opened; -1 if none. */
static int
chroot_file(int argc, char *argv[], const char *suffix)
{
	char	 path[PATH_MAX];
	int	 i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-c") == 0)
			break;
	if (i + 1 >= argc || (size_t)snprintf(path, sizeof(path), "%s.%s",
	    argv[i + 1], suffix) >= sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * An idle worker of the pool that asks before it is assigned, or (when the
 * file says "stderr") floods its stderr, or spoils the workers' stderr
 * socket for the others ("shutdown", "nonblock"), then waits a while.
 */
static void
pool_rogue(int argc, char *argv[])
{
	static const char line[] = "flood: an idle worker's stderr\n";
	struct buf	*b;
	char		 word[16];
	ssize_t		 n;
	int		 fd;

	if ((fd = chroot_file(argc, argv, "rogue-pool")) == -1)
		return;
	n = read(fd, word, sizeof(word) - 1);
	close(fd);
	word[n > 0 ? n : 0] = '\0';
	if (strncmp(word, "stderr", 6) == 0) {
		/* Until the monitor kills it (or closes the pipe). */
		while (write(2, line, sizeof(line) - 1) > 0)
			;
		_exit(1);
	}
	if (strncmp(word, "shutdown", 8) == 0 ||
	    strncmp(word, "nonblock", 8) == 0) {
		if (word[0] == 's')
			shutdown(2, SHUT_WR);
		else
			fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK);
		poll(NULL, 0, WAIT_MS);
		_exit(1);
	}
	if ((b = buf_new(16)) == NULL || buf_put_u8(b, DIAL_SESSION) != 0)
		_exit(1);
	fprintf(stderr, "rogueworker: sent DIAL before assignment "
	    "(violation)\n");
	msg_send(CHAN, MSG_DIAL, b, -1);
	buf_free(b);
	/* The monitor kills it; if not, it listens a while, then goes. */
	poll(NULL, 0, WAIT_MS);
	fprintf(stderr, "rogueworker: not killed\n");
	_exit(1);
}

/* Which rogue a health worker plays: see the comment at the top. */
static char *
health_rogue(int argc, char *argv[])
{
	char	 word[32], *play;
	ssize_t	 n;
	int	 fd;

	if ((fd = chroot_file(argc, argv, "rogue-health")) == -1)
		return NULL;
	n = read(fd, word, sizeof(word) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	word[n] = '\0';
	word[strcspn(word, " \n")] = '\0';
	if (asprintf(&play, "rogue-health-%s", word) == -1)
		return NULL;
	return play;
}

static void __attribute__((noreturn))
exec_real_worker(char *argv[])
{
	char	 self[PATH_MAX], path[PATH_MAX + 32], *slash;
	const char *image = "airlock-worker";
	ssize_t	 n;
	int	 flags;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1) {
		perror("rogueworker: /proc/self/exe");
		_exit(1);
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	/* airlockd names the executable it meant (workers.c). */
	if (strcmp(argv[0], "airlock-worker-ssh") == 0 ||
	    strcmp(argv[0], "airlock-worker-plain") == 0)
		image = argv[0];
	/* regress/tools/ -> the repository root, where make puts it. */
	snprintf(path, sizeof(path), "%s/../../%s", self, image);

	/* The channel must survive the exec as it survived ours. */
	if ((flags = fcntl(CHAN, F_GETFD)) != -1)
		(void)fcntl(CHAN, F_SETFD, flags & ~FD_CLOEXEC);
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "rogueworker: exec %s: %s\n", path, strerror(errno));
	_exit(1);
}

int
main(int argc, char *argv[])
{
	struct rogue_ctx c;
	struct kvlist	 opts;
	const char	*rpath;
	char		*service, *connector = NULL, *play = NULL;
	uint64_t	 id;
	uint32_t	 type, hs, idle;
	uint8_t		 level;
	size_t		 i;
	int		 fd, r;

	pool_rogue(argc, argv);
	if ((service = peek_service(CHAN)) == NULL) {
		fprintf(stderr, "rogueworker: no MSG_ASSIGN on fd %d\n", CHAN);
		return 1;
	}
	if (strcmp(service, "airlock-health") == 0)
		play = health_rogue(argc, argv);
	if (play == NULL && strncmp(service, "rogue-", 6) != 0)
		exec_real_worker(argv);

	memset(&c, 0, sizeof(c));
	c.chan = CHAN;
	c.report = 2;
	c.client = -1;
	c.service = service;
	kv_init(&opts);
	if ((c.in = buf_new(MSG_HDR_LEN + MSG_MAX_PAYLOAD + 1)) == NULL)
		return 1;

	/* Now take the ASSIGN for real; keep the client until we exit. */
	if ((r = msg_recv(CHAN, &type, c.in, &fd)) != 0 ||
	    type != MSG_ASSIGN) {
		fprintf(stderr, "rogueworker: ASSIGN: %s\n", err_str(r));
		return 1;
	}
	c.client = fd;
	free(service);
	if ((r = buf_get_cstring(c.in, &c.service, MSG_MAX_STRING)) != 0 ||
	    (r = buf_get_cstring(c.in, &connector, MSG_MAX_STRING)) != 0 ||
	    (r = buf_get_u64(c.in, &id)) != 0 ||
	    (r = buf_get_u32(c.in, &hs)) != 0 ||
	    (r = buf_get_u32(c.in, &idle)) != 0 ||
	    (r = buf_get_u8(c.in, &level)) != 0 ||
	    (r = kv_get_list(c.in, &opts)) != 0 ||
	    (r = buf_expect_end(c.in)) != 0) {
		fprintf(stderr, "rogueworker: ASSIGN: %s\n", err_str(r));
		return 1;
	}
	buf_reset(c.in);
	if ((rpath = kv_get(&opts, "rogueReport", NULL)) != NULL &&
	    (c.report = open(rpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1) {
		fprintf(stderr, "rogueworker: %s: %s\n", rpath,
		    strerror(errno));
		c.report = 2;
	}
	c.go = kv_get(&opts, "rogueGo", NULL);
	c.other_key = kv_get(&opts, "rogueOtherKey", NULL);
	c.connector = connector;
	report(&c, "assigned %s#%llu (%s)", c.service, (unsigned long long)id,
	    connector);

	for (i = 0; i < nitems(rogues); i++)
		if (strcmp(rogues[i].name, play ? play : c.service) == 0)
			break;
	if (i == nitems(rogues)) {
		report(&c, "no such rogue");
		return 1;
	}
	rogues[i].play(&c);
	report(&c, "exit");
	kv_clear(&opts);
	free(connector);
	free(c.service);
	free(play);
	buf_free(c.in);
	return 0;
}
