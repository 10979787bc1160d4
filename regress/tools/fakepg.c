/*
 * fakepg: a scripted, hostile PostgreSQL backend for
 * regress/t/pg-hostile-backend.sh.
 *
 * This is a stand-in for a PostgreSQL server, and the one place in the
 * tests where a stand-in is acceptable: a real server cannot be made to
 * send a malformed ErrorResponse, a forged SCRAM signature or a downgrade,
 * and those are what airlock must survive.  Every other test talks to a
 * real PostgreSQL.
 *
 *	fakepg PORT MODE
 *
 * listens on 127.0.0.1:PORT and serves connections one after another until
 * it is killed (or its parent goes away).  It reads startup packets the way
 * a server does (an SSLRequest or GSSENCRequest is answered 'N' unless the
 * mode says otherwise), then plays MODE (see modes[] below).
 *
 * With FAKEPG_TLS_CERT and FAKEPG_TLS_KEY (PEM files) it plays a man in the
 * middle instead: an SSLRequest is answered 'S', the TLS handshake is done
 * with that certificate (self-signed, say), and the mode is played inside
 * TLS.  FAKEPG_ITER is the SCRAM iteration count of the modes that do not
 * set their own (default 4096).  Wherever a
 * misbehaving mode would lead an airlock that does not notice it into a
 * session, fakepg carries on as a server that accepts anything: it says
 * AuthenticationOk and answers every query with one row, "fakepg-session",
 * so that a broken airlock shows as a psql that succeeds.
 *
 * One line per event goes to the file named by FAKEPG_LOG (else stderr):
 *
 *	listening PORT MODE		once, when it accepts connections
 *	connection			a connection was accepted
 *	ssl-request, gssenc-request, cancel-request
 *	tls-established, tls-failed	the handshake after an 'S' (TLS)
 *	startup user=U database=D	a StartupMessage
 *	tls-record, raw-bytes N		bytes after an 'S' answer
 *	password-message len=N		a 'p' answering cleartext or MD5
 *					(or answering nothing)
 *	sasl-initial MECH [cbind=y]	SASLInitialResponse (and its gs2
 *					header when it is "y,,")
 *	sasl-response proof=ok|bad|malformed	SASLResponse (the client
 *					proof checked against FAKEPG_PASSWORD)
 *	query, terminate, message 0xNN len=N	other frontend messages
 *	password-bytes-seen		the password, anywhere in what arrived
 *	bad-length N			a frontend length out of bounds
 *	eof				the peer closed (or reset) the connection
 *	timeout				our own deadline passed
 *	end				the connection is closed
 *	sent ...			what fakepg sent (for people reading)
 *
 * The password for the SCRAM computations and the search for a leaked
 * password is FAKEPG_PASSWORD (default "pencil").  Every wait is bounded:
 * a connection lives at most CONN_MS, a frontend message is at most
 * MAX_BODY bytes.  It is a test program: not sandboxed, no privilege.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "util.h"

#define CONN_MS		20000	/* the longest a connection may live */
#define SLOW_MS		1000	/* slowloris: one byte per second */
#define MAX_STARTUP	10000	/* as the server (pqcomm.h) */
#define MAX_BODY	65536	/* a frontend message while logging in */
#define OUT_MAX		4096
#define FIELD_MAX	64	/* of a value written to the log */
#define SCRAM_ITER	4096
#define SCRAM_KEYLEN	32
#define SCRAM_B64LEN	44	/* base64 of 32 bytes */
#define SALT_LEN	16
#define SNONCE_LEN	18
#define NONCE_MAX	256

/* "Message Formats" */
#define CODE_SSL	80877103
#define CODE_GSSENC	80877104
#define CODE_CANCEL	80877102
#define AUTH_OK		0
#define AUTH_CLEARTEXT	3
#define AUTH_MD5	5
#define AUTH_GSS	7
#define AUTH_SASL	10
#define AUTH_SASL_CONT	11
#define AUTH_SASL_FINAL	12

/* The read results. */
#define IO_OK		0
#define IO_EOF		-1
#define IO_TIMEOUT	-2

enum mode {
	M_ERROR_NO_SQLSTATE,
	M_ERROR_NO_TERMINATOR,
	M_ERROR_BAD_LENGTH,
	M_SASL_UNKNOWN,
	M_SASL_PLUS_ONLY,
	M_SCRAM_ITER_0,
	M_SCRAM_ITER_HUGE,
	M_SCRAM_ITER_OVER,
	M_SCRAM_BAD_NONCE,
	M_SCRAM_BAD_SIGNATURE,
	M_SCRAM_OK_WITHOUT_FINAL,
	M_SCRAM_OK,
	M_MD5_SHORT_SALT,
	M_MD5,
	M_CLEARTEXT,
	M_TRUST,
	M_SSL_N,
	M_SSL_S_THEN_GARBAGE,
	M_UNKNOWN_AUTH,
	M_UNEXPECTED_MESSAGE,
	M_SLOWLORIS,
	M_SSL_S_HOLD,
};

static const struct {
	const char	*name;
	enum mode	 mode;
	const char	*what;
} modes[] = {
	{ "error-no-sqlstate", M_ERROR_NO_SQLSTATE,
	    "ErrorResponse with only S and M fields" },
	{ "error-no-terminator", M_ERROR_NO_TERMINATOR,
	    "ErrorResponse without its final zero byte" },
	{ "error-bad-length", M_ERROR_BAD_LENGTH,
	    "a message header announcing 1 GiB" },
	{ "sasl-unknown", M_SASL_UNKNOWN,
	    "AuthenticationSASL offering SCRAM-SHA-1 and FOO" },
	{ "sasl-plus-only", M_SASL_PLUS_ONLY,
	    "AuthenticationSASL offering SCRAM-SHA-256-PLUS only" },
	{ "scram-iter-0", M_SCRAM_ITER_0, "server-first with i=0" },
	{ "scram-iter-huge", M_SCRAM_ITER_HUGE,
	    "server-first with i=1000000000" },
	{ "scram-iter-over", M_SCRAM_ITER_OVER,
	    "server-first with i=200000" },
	{ "scram-bad-nonce", M_SCRAM_BAD_NONCE,
	    "a server nonce that does not extend the client's" },
	{ "scram-bad-signature", M_SCRAM_BAD_SIGNATURE,
	    "SASLFinal with a wrong signature, then AuthenticationOk" },
	{ "scram-ok-without-final", M_SCRAM_OK_WITHOUT_FINAL,
	    "AuthenticationOk instead of SASLFinal" },
	{ "scram-ok", M_SCRAM_OK,
	    "an honest SCRAM-SHA-256 server (the control)" },
	{ "md5-short-salt", M_MD5_SHORT_SALT,
	    "AuthenticationMD5Password with a 2-byte salt" },
	{ "md5", M_MD5, "AuthenticationMD5Password" },
	{ "cleartext", M_CLEARTEXT, "AuthenticationCleartextPassword" },
	{ "trust", M_TRUST, "AuthenticationOk without asking anything" },
	{ "ssl-n", M_SSL_N, "'N' to the SSLRequest, then a trusting server" },
	{ "ssl-s-then-garbage", M_SSL_S_THEN_GARBAGE,
	    "'S' and plaintext in the same write (CVE-2021-23222)" },
	{ "unknown-auth", M_UNKNOWN_AUTH, "AuthenticationGSS" },
	{ "unexpected-message", M_UNEXPECTED_MESSAGE,
	    "a DataRow before authentication" },
	{ "slowloris", M_SLOWLORIS,
	    "AuthenticationSASL one byte per second" },
	{ "ssl-s-hold", M_SSL_S_HOLD,
	    "'S', then silence: a TLS handshake that never gets its answer" },
};

/* What the last authentication request asked for: what a 'p' answers. */
enum asked {
	ASKED_NOTHING,
	ASKED_PASSWORD,		/* cleartext or MD5 */
	ASKED_SASL,		/* AuthenticationSASL: SASLInitialResponse */
	ASKED_SASL_CONT,	/* SASLContinue: SASLResponse */
	ASKED_DONE,		/* nothing more to answer */
};

struct out {
	unsigned char	 b[OUT_MAX];
	size_t		 len;
	size_t		 mark;		/* where the open message starts */
};

struct conn {
	int		 fd;
	SSL		*ssl;		/* after an 'S', with FAKEPG_TLS_* */
	uint64_t	 deadline;
	enum asked	 asked;
	int		 session;	/* AuthenticationOk was sent */
	/* SCRAM, RFC 5802 section 3 */
	char		 cfirst_bare[NONCE_MAX + 64];
	size_t		 cfirst_bare_len;
	char		 nonce[2 * NONCE_MAX];	/* as the server sent it */
	char		 sfirst[3 * NONCE_MAX];
	size_t		 sfirst_len;
	unsigned char	 salt[SALT_LEN];
	unsigned long	 iter;
	const char	*cbind;		/* c=: base64 of the gs2 header */
};

static enum mode	 mode;
static const char	*mode_name;
static int		 logfd = 2;
static const char	*password = "pencil";
static const char	*iterations = "4096";	/* FAKEPG_ITER */
static SSL_CTX		*tls_ctx;		/* FAKEPG_TLS_CERT, _KEY */

static void	 logline(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static void
logline(const char *fmt, ...)
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
	/* One write per line: O_APPEND keeps lines whole. */
	(void)!write(logfd, line, (size_t)n);
}

static void
die(const char *what)
{
	logline("fakepg: %s: %s", what, strerror(errno));
	exit(2);
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A value from the peer, fit for one log line. */
static void
clean(char *dst, size_t dstlen, const unsigned char *src, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && i + 1 < dstlen; i++)
		dst[i] = (src[i] < 0x21 || src[i] > 0x7e) ? '?' : (char)src[i];
	dst[i] = '\0';
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd	 pfd;
	uint64_t	 now;
	int		 r;

	for (;;) {
		if ((now = now_ms()) >= deadline)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r > 0)
			return 1;
		if (r == -1 && errno != EINTR)
			die("poll");
	}
}

/*
 * One read or write of up to len bytes, plain or TLS: the byte count, 0
 * when it would block (*want says for what), or IO_EOF (closed or reset).
 */
static ssize_t
io_once(struct conn *c, void *p, size_t len, int wr, short *want)
{
	ssize_t	 n;
	int	 r;

	*want = wr ? POLLOUT : POLLIN;
	if (c->ssl != NULL) {
		r = wr ? SSL_write(c->ssl, p, (int)len) :
		    SSL_read(c->ssl, p, (int)len);
		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			*want = POLLIN;
			return 0;
		case SSL_ERROR_WANT_WRITE:
			*want = POLLOUT;
			return 0;
		default:
			ERR_clear_error();
			return IO_EOF;
		}
	}
	n = wr ? send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) :
	    recv(c->fd, p, len, MSG_DONTWAIT);
	if (n > 0)
		return n;
	if (n == 0 && !wr)
		return IO_EOF;
	if (n == -1 && (errno == ECONNRESET || errno == EPIPE))
		return IO_EOF;
	if (n == -1 && errno != EINTR && errno != EAGAIN)
		die(wr ? "send" : "recv");
	return 0;
}

/* Exactly len bytes, or IO_EOF (closed or reset), or IO_TIMEOUT. */
static int
io_full(struct conn *c, void *p, size_t len, int wr)
{
	unsigned char	*cp = p;
	size_t		 off = 0;
	ssize_t		 n;
	short		 want = 0;

	while (off < len) {
		if ((n = io_once(c, cp + off, len - off, wr, &want)) < 0)
			return IO_EOF;
		if (n > 0)
			off += (size_t)n;
		else if (!wait_fd(c->fd, want, c->deadline))
			return IO_TIMEOUT;
	}
	return IO_OK;
}

static int
read_full(struct conn *c, void *p, size_t len)
{
	return io_full(c, p, len, 0);
}

static int
write_full(struct conn *c, const void *p, size_t len)
{
	return io_full(c, (void *)p, len, 1);
}

/*
 * The man in the middle's TLS, after its 'S': a server handshake with the
 * certificate of FAKEPG_TLS_CERT, whatever the client expected.
 */
static int
tls_accept(struct conn *c)
{
	int	 r;

	if ((c->ssl = SSL_new(tls_ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		logline("fakepg: SSL_new failed");
		exit(2);
	}
	(void)fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		if ((r = SSL_accept(c->ssl)) == 1) {
			logline("tls-established");
			return IO_OK;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			if (!wait_fd(c->fd, POLLIN, c->deadline))
				return IO_TIMEOUT;
			break;
		case SSL_ERROR_WANT_WRITE:
			if (!wait_fd(c->fd, POLLOUT, c->deadline))
				return IO_TIMEOUT;
			break;
		default:
			ERR_clear_error();
			logline("tls-failed");
			return IO_EOF;
		}
	}
}

/* Builders of backend messages ("Message Formats"); overflow is our bug. */
static void
out_need(struct out *o, size_t n)
{
	if (n > sizeof(o->b) - o->len) {
		logline("fakepg: internal error: output buffer full");
		exit(2);
	}
}

static void
put8(struct out *o, unsigned char v)
{
	out_need(o, 1);
	o->b[o->len++] = v;
}

static void
put32(struct out *o, uint32_t v)
{
	out_need(o, 4);
	o->b[o->len++] = v >> 24;
	o->b[o->len++] = v >> 16;
	o->b[o->len++] = v >> 8;
	o->b[o->len++] = v;
}

static void
putmem(struct out *o, const void *p, size_t n)
{
	out_need(o, n);
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

/* A String: the bytes and a terminating zero. */
static void
putstr(struct out *o, const char *s)
{
	putmem(o, s, strlen(s) + 1);
}

static void
msg_begin(struct out *o, unsigned char type)
{
	put8(o, type);
	o->mark = o->len;
	put32(o, 0);
}

/* The length counts itself and the body, not the type byte. */
static void
msg_end(struct out *o)
{
	uint32_t	 len = (uint32_t)(o->len - o->mark);

	o->b[o->mark] = len >> 24;
	o->b[o->mark + 1] = len >> 16;
	o->b[o->mark + 2] = len >> 8;
	o->b[o->mark + 3] = len;
}

static void
put_auth(struct out *o, uint32_t code, const void *data, size_t len)
{
	msg_begin(o, 'R');
	put32(o, code);
	if (len > 0)
		putmem(o, data, len);
	msg_end(o);
}

/* An ErrorResponse as the server writes it: S, V, C, M, zero. */
static void
put_error(struct out *o, const char *sqlstate, const char *text)
{
	msg_begin(o, 'E');
	put8(o, 'S');
	putstr(o, "FATAL");
	put8(o, 'V');
	putstr(o, "FATAL");
	put8(o, 'C');
	putstr(o, sqlstate);
	put8(o, 'M');
	putstr(o, text);
	put8(o, 0);
	msg_end(o);
}

static void
put_param(struct out *o, const char *key, const char *val)
{
	msg_begin(o, 'S');
	putstr(o, key);
	putstr(o, val);
	msg_end(o);
}

static void
put_ready(struct out *o)
{
	msg_begin(o, 'Z');
	put8(o, 'I');
	msg_end(o);
}

/*
 * "Start-up", after AuthenticationOk: what a server sends before the first
 * query.  A session with fakepg is the proof that airlock was fooled.
 */
static void
put_session(struct conn *c, struct out *o)
{
	put_auth(o, AUTH_OK, NULL, 0);
	put_param(o, "server_version", "16.0 (fakepg)");
	put_param(o, "server_encoding", "UTF8");
	put_param(o, "client_encoding", "UTF8");
	put_param(o, "DateStyle", "ISO, MDY");
	put_param(o, "integer_datetimes", "on");
	put_param(o, "standard_conforming_strings", "on");
	msg_begin(o, 'K');
	put32(o, 4242);
	put32(o, 0x5eed5eed);
	msg_end(o);
	put_ready(o);
	c->session = 1;
	c->asked = ASKED_DONE;
}

/* "Simple Query": one text column, one row, whatever the query. */
static void
put_result(struct out *o)
{
	static const char	 val[] = "fakepg-session";

	msg_begin(o, 'T');
	put8(o, 0);
	put8(o, 1);		/* Int16 1: one field */
	putstr(o, "fakepg");
	put32(o, 0);		/* table oid */
	put8(o, 0);
	put8(o, 0);		/* column number */
	put32(o, 25);		/* text */
	put8(o, 0xff);
	put8(o, 0xff);		/* Int16 -1: variable length */
	put32(o, 0xffffffff);	/* type modifier -1 */
	put8(o, 0);
	put8(o, 0);		/* text format */
	msg_end(o);
	msg_begin(o, 'D');
	put8(o, 0);
	put8(o, 1);
	put32(o, sizeof(val) - 1);
	putmem(o, val, sizeof(val) - 1);
	msg_end(o);
	msg_begin(o, 'C');
	putstr(o, "SELECT 1");
	msg_end(o);
	put_ready(o);
}

/* Send and forget the buffer; IO_EOF or IO_TIMEOUT when that failed. */
static int
flush(struct conn *c, struct out *o, const char *what)
{
	int	 r;

	r = write_full(c, o->b, o->len);
	o->len = 0;
	logline("sent %s%s", what, r == IO_OK ? "" : " (failed)");
	return r;
}

/* Has the password arrived, in whatever form of framing? */
static void
look_for_password(const unsigned char *p, size_t len)
{
	size_t	 pl = strlen(password);

	if (pl > 0 && memmem(p, len, password, pl) != NULL)
		logline("password-bytes-seen");
}

/* Base64, RFC 4648 section 4, as SCRAM uses it. */
static void
b64(char *dst, size_t dstlen, const unsigned char *p, size_t len)
{
	sodium_bin2base64(dst, dstlen, p, len, sodium_base64_VARIANT_ORIGINAL);
}

static void
hmac256(const unsigned char *key, size_t keylen, const void *data,
    size_t len, unsigned char out[SCRAM_KEYLEN])
{
	unsigned int	 outlen = SCRAM_KEYLEN;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != SCRAM_KEYLEN) {
		logline("fakepg: HMAC failed");
		exit(2);
	}
}

/*
 * RFC 5802 section 3: the client proof we expect and the server signature
 * for an AuthMessage.  0, or -1 when the iteration count is not one we are
 * willing to compute (a hostile count is only ever sent, never used).
 */
static int
scram_keys(const struct conn *c, const char *authmsg, size_t len,
    unsigned char proof[SCRAM_KEYLEN], unsigned char sig[SCRAM_KEYLEN])
{
	unsigned char	 salted[SCRAM_KEYLEN], ckey[SCRAM_KEYLEN];
	unsigned char	 stored[SCRAM_KEYLEN], skey[SCRAM_KEYLEN];
	unsigned char	 csig[SCRAM_KEYLEN];
	size_t		 i;

	if (c->iter < 1 || c->iter > 200000)
		return -1;
	/* "pencil" needs no SASLprep; neither does any ASCII password. */
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), c->salt,
	    sizeof(c->salt), (int)c->iter, EVP_sha256(), SCRAM_KEYLEN,
	    salted) != 1)
		return -1;
	hmac256(salted, sizeof(salted), "Client Key", 10, ckey);
	SHA256(ckey, sizeof(ckey), stored);
	hmac256(salted, sizeof(salted), "Server Key", 10, skey);
	hmac256(stored, sizeof(stored), authmsg, len, csig);
	for (i = 0; i < SCRAM_KEYLEN; i++)
		proof[i] = ckey[i] ^ csig[i];
	hmac256(skey, sizeof(skey), authmsg, len, sig);
	return 0;
}

static void
end_conn(int r)
{
	if (r == IO_EOF)
		logline("eof");
	else if (r == IO_TIMEOUT)
		logline("timeout");
}

/*
 * "SASLInitialResponse": String mechanism, Int32 length (-1: none), bytes.
 * The client-first-message must be "n,," gs2-header, then
 * "n=" saslname ",r=" c-nonce (RFC 5802 section 7); PostgreSQL ignores the
 * name, and so do we.  Answer with a server-first-message shaped by the
 * mode.
 */
static int
sasl_initial(struct conn *c, const unsigned char *p, size_t len)
{
	struct out	 o = { .len = 0 };
	const unsigned char *nul, *data, *r, *end;
	unsigned char	 snonce[SNONCE_LEN];
	char		 mech[FIELD_MAX], sn64[2 * SNONCE_LEN + 4];
	char		 salt64[2 * SALT_LEN + 4], cnonce[NONCE_MAX + 1];
	const char	*iter;
	uint32_t	 dlen;
	size_t		 mlen, cnlen;

	if ((nul = memchr(p, '\0', len)) == NULL ||
	    (size_t)(nul - p) + 1 + 4 > len) {
		logline("sasl-initial malformed");
		return IO_EOF;
	}
	mlen = nul - p;
	clean(mech, sizeof(mech), p, mlen);
	dlen = get32(nul + 1);
	data = nul + 5;
	if (dlen != len - mlen - 5) {
		logline("sasl-initial %s malformed", mech);
		return IO_EOF;
	}
	logline("sasl-initial %s%s", mech, dlen >= 3 &&
	    memcmp(data, "y,,", 3) == 0 ? " cbind=y" : "");
	if (mlen != strlen("SCRAM-SHA-256") ||
	    memcmp(p, "SCRAM-SHA-256", mlen) != 0)
		goto refuse;

	/*
	 * gs2-header "n,,", or "y,," (a client that could bind, but was not
	 * offered -PLUS: we offer none), no authzid; c= will be its base64.
	 */
	if (dlen >= 3 && memcmp(data, "n,,", 3) == 0)
		c->cbind = "biws";
	else if (dlen >= 3 && memcmp(data, "y,,", 3) == 0)
		c->cbind = "eSws";
	else
		goto refuse;
	data += 3;
	dlen -= 3;
	if (dlen >= sizeof(c->cfirst_bare) || dlen < 2 ||
	    memcmp(data, "n=", 2) != 0)
		goto refuse;
	memcpy(c->cfirst_bare, data, dlen);
	c->cfirst_bare_len = dlen;
	end = data + dlen;
	if ((r = memmem(data, dlen, ",r=", 3)) == NULL)
		goto refuse;
	r += 3;
	for (cnlen = 0; r + cnlen < end && r[cnlen] != ','; cnlen++)
		;
	if (cnlen == 0 || cnlen > NONCE_MAX)
		goto refuse;
	memcpy(cnonce, r, cnlen);
	cnonce[cnlen] = '\0';

	if (mode == M_SCRAM_BAD_NONCE) {
		/* Only the client's last character differs. */
		cnonce[cnlen - 1] = cnonce[cnlen - 1] == 'A' ? 'B' : 'A';
	}
	randombytes_buf(snonce, sizeof(snonce));
	b64(sn64, sizeof(sn64), snonce, sizeof(snonce));
	randombytes_buf(c->salt, sizeof(c->salt));
	b64(salt64, sizeof(salt64), c->salt, sizeof(c->salt));
	switch (mode) {
	case M_SCRAM_ITER_0:
		iter = "0";
		break;
	case M_SCRAM_ITER_HUGE:
		iter = "1000000000";
		break;
	case M_SCRAM_ITER_OVER:
		iter = "200000";	/* above airlock's 131072 */
		break;
	default:
		iter = iterations;
		break;
	}
	c->iter = strtoul(iter, NULL, 10);
	snprintf(c->nonce, sizeof(c->nonce), "%s%s", cnonce, sn64);
	c->sfirst_len = (size_t)snprintf(c->sfirst, sizeof(c->sfirst),
	    "r=%s,s=%s,i=%s", c->nonce, salt64, iter);
	put_auth(&o, AUTH_SASL_CONT, c->sfirst, c->sfirst_len);
	c->asked = ASKED_SASL_CONT;
	return flush(c, &o, "SASLContinue");

 refuse:
	put_error(&o, "28000", "fakepg: unacceptable SASLInitialResponse");
	(void)flush(c, &o, "ErrorResponse");
	return IO_EOF;
}

/*
 * "SASLResponse": the client-final-message,
 *   "c=biws,r=" nonce ",p=" proof
 * checked whole: the channel binding says "n,,", the nonce is the one we
 * sent, the proof is right for FAKEPG_PASSWORD.  Then the mode decides what
 * a server that got this far says.
 */
static int
sasl_response(struct conn *c, const unsigned char *p, size_t len)
{
	struct out	 o = { .len = 0 };
	unsigned char	 proof[SCRAM_KEYLEN], sig[SCRAM_KEYLEN];
	unsigned char	 got[SCRAM_KEYLEN + 3];
	char		 authmsg[sizeof(c->cfirst_bare) + sizeof(c->sfirst) +
			    sizeof(c->nonce) + 32];
	char		 head[sizeof(c->nonce) + 16], final[SCRAM_B64LEN + 8];
	const char	*verdict = "malformed";
	size_t		 hlen, alen, glen;
	int		 keys, proof_ok = 0;

	hlen = (size_t)snprintf(head, sizeof(head), "c=%s,r=%s,p=",
	    c->cbind, c->nonce);
	keys = -1;
	if (len == hlen + SCRAM_B64LEN && memcmp(p, head, hlen) == 0 &&
	    sodium_base642bin(got, sizeof(got), (const char *)p + hlen,
	    SCRAM_B64LEN, NULL, &glen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && glen == SCRAM_KEYLEN) {
		/* AuthMessage: client-first-bare, server-first, final sans p */
		alen = (size_t)snprintf(authmsg, sizeof(authmsg),
		    "%.*s,%.*s,%.*s", (int)c->cfirst_bare_len, c->cfirst_bare,
		    (int)c->sfirst_len, c->sfirst, (int)(hlen - 3), head);
		keys = scram_keys(c, authmsg, alen, proof, sig);
		if (keys == 0) {
			proof_ok = sodium_memcmp(proof, got,
			    SCRAM_KEYLEN) == 0;
			verdict = proof_ok ? "ok" : "bad";
		} else
			verdict = "unchecked";
	}
	logline("sasl-response proof=%s", verdict);
	c->asked = ASKED_DONE;

	switch (mode) {
	case M_SCRAM_BAD_SIGNATURE:
		if (keys != 0)
			memset(sig, 0x5a, sizeof(sig));
		sig[SCRAM_KEYLEN - 1] ^= 1;	/* one bit off */
		memcpy(final, "v=", 2);
		b64(final + 2, sizeof(final) - 2, sig, sizeof(sig));
		put_auth(&o, AUTH_SASL_FINAL, final, strlen(final));
		put_session(c, &o);
		return flush(c, &o, "SASLFinal (wrong signature), "
		    "AuthenticationOk, session");
	case M_SCRAM_OK_WITHOUT_FINAL:
		put_session(c, &o);
		return flush(c, &o, "AuthenticationOk (no SASLFinal), "
		    "session");
	default:
		break;
	}
	/* An honest server; the others only get here if airlock erred. */
	if (keys == 0 && !proof_ok) {
		put_error(&o, "28P01", "password authentication failed for "
		    "user (fakepg)");
		(void)flush(c, &o, "ErrorResponse (wrong proof)");
		return IO_EOF;
	}
	if (keys == 0) {
		memcpy(final, "v=", 2);
		b64(final + 2, sizeof(final) - 2, sig, sizeof(sig));
		put_auth(&o, AUTH_SASL_FINAL, final, strlen(final));
	}
	put_session(c, &o);
	return flush(c, &o, "SASLFinal, AuthenticationOk, session");
}

/* A 'p' message: what it is depends on what we asked for last. */
static int
on_password(struct conn *c, const unsigned char *p, size_t len)
{
	struct out	 o = { .len = 0 };

	switch (c->asked) {
	case ASKED_SASL:
		return sasl_initial(c, p, len);
	case ASKED_SASL_CONT:
		return sasl_response(c, p, len);
	default:
		break;
	}
	logline("password-message len=%zu", len);
	if (c->session)
		return IO_OK;
	/* A server that takes any password, so that the mistake shows. */
	put_session(c, &o);
	return flush(c, &o, "AuthenticationOk, session");
}

/*
 * Frontend messages after the startup packet, until the peer goes or we
 * close: "Message Formats", Byte1 type, Int32 length (itself included).
 */
static int
converse(struct conn *c)
{
	struct out	 o = { .len = 0 };
	unsigned char	 hdr[5];
	unsigned char	*body;
	uint32_t	 len;
	int		 r;

	if ((body = malloc(MAX_BODY)) == NULL)
		die("malloc");
	for (;;) {
		if ((r = read_full(c, hdr, sizeof(hdr))) != IO_OK)
			break;
		len = get32(hdr + 1);
		if (len < 4 || len - 4 > MAX_BODY) {
			logline("bad-length %u", len);
			r = IO_OK;
			break;
		}
		len -= 4;
		if ((r = read_full(c, body, len)) != IO_OK)
			break;
		look_for_password(body, len);
		switch (hdr[0]) {
		case 'p':
			r = on_password(c, body, len);
			break;
		case 'Q':
			logline("query");
			if (c->session) {
				put_result(&o);
				r = flush(c, &o, "result");
			} else {
				put_error(&o, "08P01", "fakepg: a query "
				    "before authentication");
				(void)flush(c, &o, "ErrorResponse");
				r = IO_EOF;
			}
			break;
		case 'X':
			logline("terminate");
			r = IO_OK;
			goto out;
		default:
			logline("message 0x%02x len=%u", hdr[0], len);
			break;
		}
		if (r != IO_OK)
			break;
	}
 out:
	free(body);
	return r;
}

/* After an 'S': whatever comes now is either TLS or an error. */
static int
after_s(struct conn *c)
{
	unsigned char	 b[4096];
	ssize_t		 n;
	int		 first = 1;

	for (;;) {
		if (!wait_fd(c->fd, POLLIN, c->deadline))
			return IO_TIMEOUT;
		n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && (errno == ECONNRESET ||
		    errno == EPIPE)))
			return IO_EOF;
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("recv");
		}
		look_for_password(b, (size_t)n);
		if (first) {
			/* RFC 8446 section 5.1: handshake records are 22. */
			if (b[0] == 0x16)
				logline("tls-record");
			else
				logline("raw-bytes %zd", n);
			first = 0;
		}
	}
}

/*
 * Drip a whole AuthenticationSASL one byte at a time; between bytes, stop
 * as soon as the peer says something (or goes).
 */
static int
slowloris(struct conn *c)
{
	struct out	 o = { .len = 0 };
	size_t		 i;
	int		 r;

	put_auth(&o, AUTH_SASL, "SCRAM-SHA-256\0", 15);
	for (i = 0, r = IO_OK; i < o.len && r == IO_OK; ) {
		if ((r = write_full(c, o.b + i, 1)) == IO_OK)
			i++;
		if (r == IO_OK && i < o.len &&
		    wait_fd(c->fd, POLLIN, now_ms() + SLOW_MS))
			break;
	}
	logline("sent %zu of %zu bytes, one a second", i, o.len);
	if (r != IO_OK)
		return r;
	if (i == o.len)
		c->asked = ASKED_SASL;
	/* Whatever came instead, converse() logs it. */
	return converse(c);
}

/* The mode's opening, once the StartupMessage has arrived. */
static int
play(struct conn *c)
{
	static const char	 no_term[] = "SFATAL\0VFATAL\0C28000\0"
	    "Mfakepg: an ErrorResponse without its terminator";
	struct out		 o = { .len = 0 };
	unsigned char		 salt[4];
	const char		*what;
	int			 r;

	switch (mode) {
	case M_ERROR_NO_SQLSTATE:
		msg_begin(&o, 'E');
		put8(&o, 'S');
		putstr(&o, "FATAL");
		put8(&o, 'M');
		putstr(&o, "fakepg: an ErrorResponse without SQLSTATE");
		put8(&o, 0);
		msg_end(&o);
		what = "ErrorResponse (S and M only)";
		break;
	case M_ERROR_NO_TERMINATOR:
		/* The last field's String is whole; the list's 0 is missing. */
		msg_begin(&o, 'E');
		putmem(&o, no_term, sizeof(no_term));
		msg_end(&o);
		what = "ErrorResponse (no terminator)";
		break;
	case M_ERROR_BAD_LENGTH:
		put8(&o, 'E');
		put32(&o, 1U << 30);
		putstr(&o, "SFATAL");
		what = "ErrorResponse header announcing 1 GiB";
		break;
	case M_SASL_UNKNOWN:
		put_auth(&o, AUTH_SASL, "SCRAM-SHA-1\0FOO\0", 17);
		c->asked = ASKED_SASL;
		what = "AuthenticationSASL (SCRAM-SHA-1, FOO)";
		break;
	case M_SASL_PLUS_ONLY:
		put_auth(&o, AUTH_SASL, "SCRAM-SHA-256-PLUS\0", 20);
		c->asked = ASKED_SASL;
		what = "AuthenticationSASL (SCRAM-SHA-256-PLUS)";
		break;
	case M_SCRAM_ITER_0:
	case M_SCRAM_ITER_HUGE:
	case M_SCRAM_ITER_OVER:
	case M_SCRAM_BAD_NONCE:
	case M_SCRAM_BAD_SIGNATURE:
	case M_SCRAM_OK_WITHOUT_FINAL:
	case M_SCRAM_OK:
		put_auth(&o, AUTH_SASL, "SCRAM-SHA-256\0", 15);
		c->asked = ASKED_SASL;
		what = "AuthenticationSASL (SCRAM-SHA-256)";
		break;
	case M_MD5_SHORT_SALT:
		put_auth(&o, AUTH_MD5, "\x12\x34", 2);
		c->asked = ASKED_PASSWORD;
		what = "AuthenticationMD5Password (2-byte salt)";
		break;
	case M_MD5:
		randombytes_buf(salt, sizeof(salt));
		put_auth(&o, AUTH_MD5, salt, sizeof(salt));
		c->asked = ASKED_PASSWORD;
		what = "AuthenticationMD5Password";
		break;
	case M_CLEARTEXT:
		put_auth(&o, AUTH_CLEARTEXT, NULL, 0);
		c->asked = ASKED_PASSWORD;
		what = "AuthenticationCleartextPassword";
		break;
	case M_TRUST:
	case M_SSL_N:
	case M_SSL_S_THEN_GARBAGE:
		/* Downgraded: a server that trusts everyone. */
		put_session(c, &o);
		what = "AuthenticationOk, session";
		break;
	case M_UNKNOWN_AUTH:
		put_auth(&o, AUTH_GSS, NULL, 0);
		c->asked = ASKED_PASSWORD;
		what = "AuthenticationGSS";
		break;
	case M_UNEXPECTED_MESSAGE:
		msg_begin(&o, 'D');
		put8(&o, 0);
		put8(&o, 1);
		put32(&o, 6);
		putmem(&o, "fakepg", 6);
		msg_end(&o);
		what = "DataRow";
		break;
	case M_SLOWLORIS:
		return slowloris(c);
	default:
		return IO_EOF;
	}
	if ((r = flush(c, &o, what)) != IO_OK)
		return r;
	return converse(c);
}

/* The value of a StartupMessage parameter, for the log. */
static void
startup_get(const unsigned char *p, size_t len, const char *key, char *dst,
    size_t dstlen)
{
	const unsigned char	*k, *v, *nul, *end = p + len;

	snprintf(dst, dstlen, "(none)");
	for (k = p; k < end && *k != '\0'; k = v) {
		if ((nul = memchr(k, '\0', end - k)) == NULL)
			return;
		v = nul + 1;
		if (v >= end || (nul = memchr(v, '\0', end - v)) == NULL)
			return;
		if (strcmp((const char *)k, key) == 0) {
			clean(dst, dstlen, v, nul - v);
			return;
		}
		v = nul + 1;
	}
}

/*
 * "Start-up": startup packets until a StartupMessage; encryption requests
 * are answered (at most once each) as the mode says.
 */
static int
serve(struct conn *c)
{
	unsigned char	 pkt[MAX_STARTUP];
	char		 user[FIELD_MAX], db[FIELD_MAX];
	uint32_t	 len, code;
	int		 r, ssl = 0, gss = 0;

	for (;;) {
		if ((r = read_full(c, pkt, 4)) != IO_OK)
			return r;
		len = get32(pkt);
		if (len < 8 || len > MAX_STARTUP) {
			logline("bad-length %u", len);
			return IO_OK;
		}
		if ((r = read_full(c, pkt + 4, len - 4)) != IO_OK)
			return r;
		look_for_password(pkt + 4, len - 4);
		code = get32(pkt + 4);
		if (code == CODE_SSL && len == 8 && !ssl) {
			logline("ssl-request");
			ssl = 1;
			if (mode == M_SSL_S_THEN_GARBAGE) {
				/*
				 * CVE-2021-23222: a man in the middle's
				 * plaintext, in the same segment as the 'S'.
				 */
				static const unsigned char s[] = {
					'S', 'R', 0, 0, 0, 8, 0, 0, 0, 0
				};

				if ((r = write_full(c, s, sizeof(s))) != IO_OK)
					return r;
				logline("sent S and an AuthenticationOk in "
				    "plaintext");
				return after_s(c);
			}
			if (mode == M_SSL_S_HOLD) {
				/* The client waits in its TLS handshake. */
				if ((r = write_full(c, "S", 1)) != IO_OK)
					return r;
				logline("sent S");
				return after_s(c);
			}
			if (tls_ctx != NULL && mode != M_SSL_N) {
				if ((r = write_full(c, "S", 1)) != IO_OK)
					return r;
				logline("sent S");
				if ((r = tls_accept(c)) != IO_OK)
					return r;
				continue;
			}
			if ((r = write_full(c, "N", 1)) != IO_OK)
				return r;
			logline("sent N");
			continue;
		}
		if (code == CODE_GSSENC && len == 8 && !gss) {
			logline("gssenc-request");
			gss = 1;
			if ((r = write_full(c, "N", 1)) != IO_OK)
				return r;
			logline("sent N");
			continue;
		}
		if (code == CODE_CANCEL) {
			logline("cancel-request");
			return IO_OK;
		}
		if (code >> 16 != 3) {
			logline("startup-unsupported %u.%u", code >> 16,
			    code & 0xffff);
			return IO_OK;
		}
		if (pkt[len - 1] != '\0') {
			logline("startup malformed");
			return IO_OK;
		}
		startup_get(pkt + 8, len - 8, "user", user, sizeof(user));
		startup_get(pkt + 8, len - 8, "database", db, sizeof(db));
		logline("startup user=%s database=%s", user, db);
		return play(c);
	}
}

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: fakepg PORT MODE\nmodes:\n");
	for (i = 0; i < nitems(modes); i++)
		fprintf(stderr, "  %-24s %s\n", modes[i].name, modes[i].what);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct conn		 c;
	struct pollfd		 pfd;
	const char		*v;
	char			*ep;
	unsigned long		 port;
	pid_t			 parent;
	size_t			 i;
	int			 s, one = 1, r;

	if (argc != 3)
		usage();
	port = strtoul(argv[1], &ep, 10);
	if (*argv[1] == '\0' || *ep != '\0' || port < 1 || port > 65535)
		usage();
	for (i = 0; i < nitems(modes); i++)
		if (strcmp(argv[2], modes[i].name) == 0)
			break;
	if (i == nitems(modes))
		usage();
	mode = modes[i].mode;
	mode_name = modes[i].name;
	if ((v = getenv("FAKEPG_PASSWORD")) != NULL)
		password = v;
	if ((v = getenv("FAKEPG_ITER")) != NULL && *v != '\0')
		iterations = v;
	if (getenv("FAKEPG_TLS_CERT") != NULL) {
		if ((tls_ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
		    SSL_CTX_use_certificate_chain_file(tls_ctx,
		    getenv("FAKEPG_TLS_CERT")) != 1 ||
		    getenv("FAKEPG_TLS_KEY") == NULL ||
		    SSL_CTX_use_PrivateKey_file(tls_ctx,
		    getenv("FAKEPG_TLS_KEY"), SSL_FILETYPE_PEM) != 1) {
			fprintf(stderr, "fakepg: cannot load FAKEPG_TLS_CERT "
			    "and FAKEPG_TLS_KEY\n");
			return 2;
		}
	}
	if ((v = getenv("FAKEPG_LOG")) != NULL && *v != '\0' &&
	    (logfd = open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1) {
		logfd = 2;
		die(v);
	}
	if (sodium_init() < 0) {
		logline("fakepg: sodium_init failed");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	parent = getppid();

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		die("setsockopt");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind");
	if (listen(s, 16) == -1)
		die("listen");
	logline("listening %lu %s", port, mode_name);

	for (;;) {
		/* Until killed; a test that died without us is no reason. */
		if (getppid() != parent)
			return 0;
		pfd.fd = s;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((r = poll(&pfd, 1, 1000)) == -1 && errno != EINTR)
			die("poll");
		if (r <= 0)
			continue;
		memset(&c, 0, sizeof(c));
		if ((c.fd = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		(void)setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		c.deadline = now_ms() + CONN_MS;
		c.asked = ASKED_NOTHING;
		logline("connection");
		end_conn(serve(&c));
		SSL_free(c.ssl);
		close(c.fd);
		logline("end");
	}
}
