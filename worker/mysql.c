/*
 * The MySQL and MariaDB connector, worker side (MySQL "Client/Server
 * Protocol", "Connection Phase"; mysqlproto.h is the codec).
 *
 * The server speaks first, so the backend is dialed at once and its
 * greeting read; the client gets a greeting of our own with the backend's
 * version, connection id (KILL QUERY from another connection names it) and
 * capabilities, less TLS, compression and LOAD DATA LOCAL, a scramble of
 * ours and mysql_native_password.  With the service's clientTLS the
 * greeting offers TLS instead, and the client must take it: its SSLRequest,
 * the handshake (wctls.c), then the rest over TLS.  Whatever the client
 * answers to the greeting is thrown away: its HandshakeResponse41 gives
 * the schema, capabilities, character set and connection attributes, and
 * airlock logs in to the backend as the service's user, with answers the
 * monitor computes (the password stays there).  Then bytes are relayed,
 * and a COM_CHANGE_USER, which would log in anew, is refused with an ERR
 * packet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "endpoint.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "mysqlchan.h"
#include "mysqlmsg.h"
#include "mysqlproto.h"
#include "rsapem.h"
#include "secret.h"
#include "util.h"
#include "worker.h"

#define MY_ERRLEN		512
/* An error for the client is worth a short wait even past the deadline. */
#define MY_ERROR_WRITE_MS	1000
/* Server packets in one authentication: switch, more data, key, OK. */
#define MY_AUTH_ROUNDS		8
#define MY_RSA_MAX		2048	/* an RSA-16384 block */
#define MY_PASSWORD_MAX		1024
#define MY_SCRAMBLE_MAX		32	/* client_ed25519's; the others 20 */

/* Server error codes and their SQLSTATEs (MySQL's errmsg-utf8.txt). */
#define ER_HANDSHAKE_ERROR		1043	/* 08S01 */
#define ER_ACCESS_DENIED_ERROR		1045	/* 28000 */
#define ER_NOT_SUPPORTED_YET		1235	/* 42000 */
#define ER_NOT_SUPPORTED_AUTH_MODE	1251	/* 08004 */

/*
 * What the client is never offered: TLS to airlock unless the service has
 * clientTLS (the backend leg has its own, from the backend's greeting),
 * compression (the relay counts packets as they are framed without it),
 * LOAD DATA LOCAL (its file's packets can wrap to sequence id 0 and look
 * like commands; and it lets a server read the client's files), and logins
 * that airlock does not do for it.
 */
#define MY_CAPS_NEVER	(CLIENT_SSL | CLIENT_COMPRESS | CLIENT_LOCAL_FILES | \
	CLIENT_ZSTD_COMPRESSION_ALGORITHM | MULTI_FACTOR_AUTHENTICATION | \
	CLIENT_SSL_VERIFY_SERVER_CERT | CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS | \
	CLIENT_REMEMBER_OPTIONS | CLIENT_CAPABILITY_EXTENSION)
/* What every 4.1 login of ours says. */
#define MY_CAPS_LOGIN	(CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | \
	CLIENT_PLUGIN_AUTH)

#define PLUGIN_NATIVE	"mysql_native_password"
#define PLUGIN_SHA2	"caching_sha2_password"
#define PLUGIN_ED25519	"client_ed25519"
#define PLUGIN_CLEAR	"mysql_clear_password"

/* caching_sha2_password's AuthMoreData (MySQL "Caching_sha2_password"). */
#define SHA2_FAST_OK		0x03
#define SHA2_FULL_AUTH		0x04
#define SHA2_REQUEST_KEY	0x02

struct my {
	struct wconn		*c;
	int			 dialed;	/* the monitor has dialed */
	int			 reported;	/* AUTHDONE was sent */
	int			 tls;		/* the backend leg is TLS */
	/*
	 * clientTLS, and the client's TLS is not accepted yet: the monitor
	 * takes no AUTHDONE then (it would end the worker).
	 */
	int			 held;
	uint8_t			 cseq;		/* next id towards the client */
	uint8_t			 bseq;		/* next id towards the backend */
	uint32_t		 ccaps;		/* the client's, for ERR */
	struct buf		*greeting;	/* the backend's, g points in */
	struct buf		*response;	/* the client's, r points in */
	struct buf		*in;		/* the backend's latest packet */
	struct myp_greeting	 g;
	struct myp_response	 r;
	/* The plugin answered for now, with its scramble. */
	const char		*plugin;
	unsigned char		 scramble[MY_SCRAMBLE_MAX];
	size_t			 scramblelen;
	struct myp_stream	 stream;	/* the relay's watch */
};

static int	 my_handshake(struct wconn *);
static int	 my_serve(struct wconn *, struct relay_stats *);

const struct connector mysql_connector = {
	.name = "mysql",
	.handshake = my_handshake,
	.serve = my_serve,
};

/* The worker serves one connection: its state outlives the handshake. */
static struct my	*conn;

static void
report(struct my *my, int ok)
{
	if (my->dialed && !my->reported && !my->held) {
		my->reported = 1;
		(void)wchan_authdone(my->c, ok);
	}
}

/* An ERR packet for the client, with the next sequence id. */
static void
client_err(struct my *my, uint16_t code, const char *sqlstate,
    const char *text, size_t len)
{
	struct myp_err	 e;
	struct buf	*b;

	memset(&e, 0, sizeof(e));
	e.code = code;
	snprintf(e.sqlstate, sizeof(e.sqlstate), "%s", sqlstate);
	e.message = text;
	e.messagelen = len > MYP_ERRMSG_MAX ? MYP_ERRMSG_MAX : len;
	if (my->c->client.fd == -1 || (b = buf_new(MYP_ERRMSG_MAX + 64)) ==
	    NULL)
		return;
	if (myp_put_err(b, my->cseq++, my->ccaps, &e) == 0)
		(void)ep_write_full(&my->c->client, buf_ptr(b), buf_len(b),
		    deadline_in(MY_ERROR_WRITE_MS));
	buf_free(b);
}

/*
 * Every failure ends here: an ERR packet for the client, a line in the
 * log, AUTHDONE failed for the monitor.  The text is made of our own words
 * and reasons the monitor wrote for the client: never a secret.
 */
static int __attribute__((format(printf, 5, 6)))
my_fail(struct my *my, int error, uint16_t code, const char *sqlstate,
    const char *fmt, ...)
{
	char	 text[MY_ERRLEN], logtext[MY_ERRLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	text_printable(logtext, sizeof(logtext), text, strlen(text));
	log_warn("mysql: %s (error %u)", wchan_reason(logtext), code);
	client_err(my, code, sqlstate, text, strlen(text));
	report(my, 0);
	return error < 0 ? error : ERR_PROTO;
}

static int
io_fail(struct my *my, const char *who, int r)
{
	if (r == ERR_EOF)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the %s closed the connection", who);
	if (r == ERR_TIMEOUT)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: timeout while talking to the %s", who);
	if (r == ERR_TOOBIG || r == ERR_PROTO)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: malformed packet from the %s", who);
	return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
	    "airlock: could not talk to the %s: %s", who, err_str(r));
}

/*
 * One handshake packet of sequence id seq into b (header and payload; the
 * payload is at MYP_HDR_LEN).  The handshake's packets are small: a longer
 * one is refused from its header.
 */
static int
read_packet(struct endpoint *ep, uint8_t seq, struct buf *b, size_t *paylen,
    uint64_t deadline)
{
	struct myp_packet	 mp;
	struct buf		 v;
	unsigned char		*p;
	uint32_t		 len;
	int			 r;

	buf_reset(b);
	if ((r = buf_reserve(b, MYP_HDR_LEN, &p)) != 0 ||
	    (r = ep_read_full(ep, p, MYP_HDR_LEN, deadline)) != 0)
		return r;
	buf_view(&v, p, 3);
	if ((r = buf_get_u24le(&v, &len)) != 0)
		return r;
	if (len > MYP_HANDSHAKE_MAX)
		return ERR_TOOBIG;
	if ((r = buf_reserve(b, len, &p)) != 0 ||
	    (r = ep_read_full(ep, p, len, deadline)) != 0)
		return r;
	if ((r = myp_packet_parse(buf_ptr(b), buf_len(b), MYP_HANDSHAKE_MAX,
	    seq, &mp)) != 0)
		return r;
	*paylen = mp.paylen;
	return 0;
}

static const unsigned char *
payload(const struct buf *b)
{
	return buf_ptr(b) + MYP_HDR_LEN;
}

static int
write_buf(struct my *my, struct endpoint *ep, const char *who, struct buf *b)
{
	int	 r;

	if ((r = ep_write_full(ep, buf_ptr(b), buf_len(b),
	    my->c->deadline)) != 0)
		return io_fail(my, who, r);
	return 0;
}

/* The backend's greeting, or its ERR (too many connections, a host ban). */
static int
backend_greeting(struct my *my)
{
	struct myp_err	 e;
	size_t		 len;
	int		 r;

	if ((r = read_packet(&my->c->backend, 0, my->greeting, &len,
	    my->c->deadline)) != 0)
		return io_fail(my, "backend", r);
	if (len > 0 && payload(my->greeting)[0] == MYP_ERR) {
		if (myp_err_parse(payload(my->greeting), len, 0, &e) != 0)
			return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR,
			    "08S01", "airlock: malformed error from the "
			    "backend");
		return my_fail(my, ERR_DENIED, e.code, "08S01", "airlock: "
		    "the backend refused the connection: %.*s",
		    (int)e.messagelen, e.message);
	}
	if ((r = myp_greeting_parse(payload(my->greeting), len, &my->g)) ==
	    ERR_PROTO)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend's greeting is not one of MySQL 4.1 "
		    "or later");
	if (r != 0)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: malformed greeting from the backend");
	my->bseq = 1;
	return 0;
}

/* Our greeting to the client: the backend's, but what we never offer. */
static int
client_greeting(struct my *my)
{
	struct myp_greeting	 g = my->g;
	struct buf		*b;
	int			 r;

	g.caps = (g.caps & ~MY_CAPS_NEVER) | MY_CAPS_LOGIN;
	if (my->held)
		g.caps |= CLIENT_SSL;
	g.plugin = PLUGIN_NATIVE;
	g.pluginlen = strlen(PLUGIN_NATIVE);
	/*
	 * Our own: the client's answer to it proves nothing we use.
	 * libsodium's, not OpenSSL's: a plaintext worker sets no OpenSSL up.
	 */
	randombytes_buf(g.scramble, sizeof(g.scramble));
	myp_scramble_clean(g.scramble, sizeof(g.scramble));
	if ((b = buf_new(MYP_HANDSHAKE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = myp_put_greeting(b, my->cseq++, &g)) == 0)
		r = write_buf(my, &my->c->client, "client", b);
	else
		r = my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: cannot build a greeting");
	buf_free(b);
	return r;
}

/*
 * The client's TLS after its SSLRequest (sequence id 1), and its
 * HandshakeResponse41 over it (2).  A client refused for its certificate
 * is told so over TLS, in an ERR packet that answers that response: it
 * sends the response without waiting, and a socket closed on bytes unread
 * could reset the connection before the client has read the ERR.
 */
static int
client_tls(struct my *my, size_t *len)
{
	char	 err[MY_ERRLEN], logtext[MY_ERRLEN];
	int	 a, r;

	a = wctls_accept(my->c, err, sizeof(err));
	if (a != 0 && a != ERR_DENIED) {
		text_printable(logtext, sizeof(logtext), err, strlen(err));
		log_warn("mysql: the client's TLS failed: %s",
		    wchan_reason(logtext));
		return a;
	}
	r = read_packet(&my->c->client, 2, my->response, len,
	    my->c->deadline);
	my->cseq = 3;
	if (a == ERR_DENIED)
		return my_fail(my, ERR_DENIED, ER_ACCESS_DENIED_ERROR, "28000",
		    "%s", err);
	my->held = 0;
	if (r == ERR_EOF) {
		log_debug("mysql: the client closed the connection after TLS");
		return r;
	}
	if (r != 0)
		return io_fail(my, "client", r);
	return 0;
}

/*
 * The client's HandshakeResponse41: what it asks for, not who it is.  With
 * clientTLS, an SSLRequest and the handshake come first, and a client that
 * answers without TLS is refused.
 */
static int
client_response(struct my *my)
{
	char	 err[MY_ERRLEN];
	size_t	 len;
	int	 r;

	r = read_packet(&my->c->client, 1, my->response, &len,
	    my->c->deadline);
	if (r == ERR_EOF) {
		log_debug("mysql: the client closed the connection");
		return r;
	}
	if (r != 0)
		return io_fail(my, "client", r);
	my->cseq = 2;
	if ((r = myp_response_parse(payload(my->response), len, &my->r)) != 0)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: malformed handshake response");
	my->ccaps = my->r.caps;
	if (my->held && my->r.kind != MYP_SSL_REQUEST) {
		wctls_plaintext(my->c, err, sizeof(err));
		return my_fail(my, ERR_DENIED, ER_ACCESS_DENIED_ERROR, "28000",
		    "%s", err);
	}
	if (my->held) {
		if ((r = client_tls(my, &len)) != 0)
			return r;
		/* The response over TLS may not ask for TLS again. */
		if ((r = myp_response_parse(payload(my->response), len,
		    &my->r)) != 0 || my->r.kind == MYP_SSL_REQUEST)
			return my_fail(my, r != 0 ? r : ERR_PROTO,
			    ER_HANDSHAKE_ERROR, "08S01",
			    "airlock: malformed handshake response");
		my->ccaps = my->r.caps;
	}
	switch (my->r.kind) {
	case MYP_SSL_REQUEST:
		return my_fail(my, ERR_DENIED, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock does not offer TLS to clients (connect without "
		    "it; the leg to the backend has its own)");
	case MYP_RESPONSE_320:
		return my_fail(my, ERR_DENIED, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: clients older than MySQL 4.1 are not supported");
	}
	/* We never offered these: a client that sets them is broken. */
	if (my->r.caps & (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM))
		return my_fail(my, ERR_DENIED, ER_NOT_SUPPORTED_YET, "42000",
		    "airlock: compression is not supported");
	if ((my->r.caps & CLIENT_SSL) && !wctls_wanted(my->c))
		return my_fail(my, ERR_DENIED, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock does not offer TLS to clients");
	return 0;
}

/* TLS to the backend: the SSLRequest, then the handshake (wtls.c). */
static int
backend_tls(struct my *my, struct myp_response *br)
{
	const char	*modename;
	struct buf	*b;
	char		 err[MY_ERRLEN];
	int		 mode, r;

	if ((mode = wtls_mode(my->c, &modename)) < 0)
		return my_fail(my, ERR_INVAL, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: invalid sslmode in the service's credentials");
	if (mode == SSLMODE_DISABLE)
		return 0;
	if ((my->g.caps & CLIENT_SSL) == 0)
		return my_fail(my, ERR_DENIED, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend does not support TLS, and sslmode "
		    "is %s", modename);
	br->caps |= CLIENT_SSL;
	if ((b = buf_new(64)) == NULL)
		return ERR_NOMEM;
	if ((r = myp_put_ssl_request(b, my->bseq++, br)) == 0)
		r = write_buf(my, &my->c->backend, "backend", b);
	buf_free(b);
	if (r != 0)
		return r;
	/* Nothing may come before the server's TLS handshake. */
	if (ep_has_pending(&my->c->backend) > 0)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend sent data before TLS");
	if ((r = wtls_start(my->c, mode, err, sizeof(err))) != 0)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01", "airlock: "
		    "%s", wchan_reason(err));
	my->tls = 1;
	return 0;
}

/*
 * The answer to the plugin's scramble from the monitor: out holds *len
 * bytes.  An unknown plugin is refused.
 */
static int
plugin_answer(struct my *my, unsigned char *out, size_t *len)
{
	struct secret	*pw = NULL;
	char		 err[MY_ERRLEN];
	uint32_t	 type;
	size_t		 want;
	int		 r;

	if (myp_name_is(my->plugin, strlen(my->plugin), PLUGIN_NATIVE)) {
		type = MSG_MY_NATIVE;
		want = MYP_SCRAMBLE_LEN;
	} else if (myp_name_is(my->plugin, strlen(my->plugin), PLUGIN_SHA2)) {
		type = MSG_MY_SHA2;
		want = MYP_SCRAMBLE_LEN;
	} else if (myp_name_is(my->plugin, strlen(my->plugin),
	    PLUGIN_ED25519)) {
		type = MSG_MY_ED25519;
		want = MY_SCRAMBLE_MAX;
	} else if (myp_name_is(my->plugin, strlen(my->plugin), PLUGIN_CLEAR)) {
		/* The password itself, as the plugin sends it: with a NUL. */
		if ((r = wchan_credential(my->c, "password", &pw, err,
		    sizeof(err))) != 0)
			return my_fail(my, r, ER_ACCESS_DENIED_ERROR, "28000",
			    "airlock: %s", wchan_reason(err));
		if (pw->len + 1 > *len || memchr(pw->data, '\0', pw->len)) {
			secret_free(pw);
			return my_fail(my, ERR_TOOBIG, ER_ACCESS_DENIED_ERROR,
			    "28000", "airlock: the password cannot be sent "
			    "by mysql_clear_password");
		}
		memcpy(out, pw->data, pw->len);
		out[pw->len] = '\0';
		*len = pw->len + 1;
		secret_free(pw);
		return 0;
	} else
		return my_fail(my, ERR_DENIED, ER_NOT_SUPPORTED_AUTH_MODE,
		    "08004", "airlock: the backend asks for authentication "
		    "plugin %.64s, which airlock does not support",
		    my->plugin);
	if (my->scramblelen != want)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend's %s scramble has %zu bytes",
		    my->plugin, my->scramblelen);
	if ((r = wchan_my_scramble(my->c, type, my->scramble, want, out, len,
	    err, sizeof(err))) != 0)
		return my_fail(my, r, ER_ACCESS_DENIED_ERROR, "28000",
		    "airlock: %s", wchan_reason(err));
	return 0;
}

/* The HandshakeResponse41 for the backend: the client's, as our user. */
static int
backend_response(struct my *my)
{
	struct myp_response	 br = my->r;
	unsigned char		 ans[MY_PASSWORD_MAX];
	const char		*user;
	struct buf		*b;
	size_t			 alen = sizeof(ans);
	int			 r;

	if ((user = wchan_param(my->c, "username")) == NULL || *user == '\0')
		return my_fail(my, ERR_INVAL, ER_ACCESS_DENIED_ERROR, "28000",
		    "airlock: the service has no usable username");
	/* What both sides can do, and what our login says. */
	br.caps = (my->r.caps & my->g.caps & ~MY_CAPS_NEVER) | MY_CAPS_LOGIN;
	br.caps |= my->g.caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA;
	br.extcaps = my->r.extcaps & my->g.extcaps;
	if ((r = backend_tls(my, &br)) != 0)
		return r;
	br.user = user;
	br.userlen = strlen(user);
	/* A greeting without a plugin name means native. */
	my->plugin = my->g.plugin != NULL ? my->g.plugin : PLUGIN_NATIVE;
	memcpy(my->scramble, my->g.scramble, MYP_SCRAMBLE_LEN);
	my->scramblelen = MYP_SCRAMBLE_LEN;
	if ((r = plugin_answer(my, ans, &alen)) != 0)
		return r;
	br.auth = ans;
	br.authlen = alen;
	br.plugin = my->plugin;
	br.pluginlen = strlen(my->plugin);
	if ((b = buf_new(MYP_HANDSHAKE_MAX)) == NULL)
		r = ERR_NOMEM;
	else if ((r = myp_put_response(b, my->bseq++, &br)) == 0)
		r = write_buf(my, &my->c->backend, "backend", b);
	else
		r = my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the handshake response does not fit a packet");
	buf_free(b);
	secret_wipe(ans, sizeof(ans));
	return r;
}

static int
backend_write(struct my *my, const unsigned char *p, size_t len)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(MYP_HANDSHAKE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = myp_put_packet(b, my->bseq++, p, len)) == 0)
		r = write_buf(my, &my->c->backend, "backend", b);
	buf_free(b);
	return r;
}

/*
 * The plugin a server names, as one of our own names: the name in its
 * packet is overwritten by the next packet read.  An unknown name is kept
 * as it is, for the error that follows at once.
 */
static const char *
plugin_known(const char *name, size_t len)
{
	static const char *const known[] = { PLUGIN_NATIVE, PLUGIN_SHA2,
		PLUGIN_ED25519, PLUGIN_CLEAR };
	size_t	 i;

	for (i = 0; i < nitems(known); i++)
		if (myp_name_is(name, len, known[i]))
			return known[i];
	return name;
}

/* An AuthSwitchRequest: another plugin, with a scramble of its own. */
static int
auth_switch(struct my *my, const unsigned char *p, size_t len)
{
	struct myp_auth_switch	 sw;
	unsigned char		 ans[MY_PASSWORD_MAX];
	size_t			 alen = sizeof(ans);
	int			 r;

	if (myp_auth_switch_parse(p, len, &sw) != 0)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: malformed auth switch request from the backend");
	/*
	 * The 20-byte scramble of native and caching_sha2 ends in a NUL that
	 * is not part of it; client_ed25519's 32 random bytes have none, and
	 * their last byte is 0 once in 256 logins.
	 */
	if (sw.datalen == MYP_SCRAMBLE_LEN + 1 &&
	    sw.data[sw.datalen - 1] == '\0')
		sw.datalen--;
	if (sw.datalen > sizeof(my->scramble))
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend's scramble is too long");
	memcpy(my->scramble, sw.data, sw.datalen);
	my->scramblelen = sw.datalen;
	my->plugin = plugin_known(sw.plugin, sw.pluginlen);
	if ((r = plugin_answer(my, ans, &alen)) == 0)
		r = backend_write(my, ans, alen);
	secret_wipe(ans, sizeof(ans));
	return r;
}

/*
 * caching_sha2_password's full authentication: the password in clear
 * over TLS, or encrypted under the server's RSA key, which we ask for.
 * The monitor decides whether either may happen.
 */
static int
sha2_full(struct my *my)
{
	unsigned char	 out[MY_RSA_MAX], n[MY_RSA_MAX], e[8];
	unsigned char	 req = SHA2_REQUEST_KEY;
	const unsigned char *pem;
	size_t		 len, outlen = sizeof(out), nlen = sizeof(n);
	size_t		 elen = sizeof(e), pemlen;
	char		 err[MY_ERRLEN];
	int		 r;

	if (my->tls) {
		my->plugin = PLUGIN_CLEAR;	/* the same bytes on the wire */
		if ((r = plugin_answer(my, out, &outlen)) == 0)
			r = backend_write(my, out, outlen);
		secret_wipe(out, sizeof(out));
		my->plugin = PLUGIN_SHA2;
		return r;
	}
	if ((r = backend_write(my, &req, 1)) != 0)
		return r;
	if ((r = read_packet(&my->c->backend, my->bseq++, my->in, &len,
	    my->c->deadline)) != 0)
		return io_fail(my, "backend", r);
	if (myp_auth_kind(payload(my->in), len) != MYP_MORE_DATA ||
	    myp_more_data_parse(payload(my->in), len, &pem, &pemlen) != 0 ||
	    pemlen > MYP_HANDSHAKE_MAX ||
	    rsa_pem_numbers(pem, pemlen, n, &nlen, e, &elen) != 0)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: the backend did not send a usable RSA public "
		    "key");
	if ((r = wchan_my_rsa(my->c, my->scramble, my->scramblelen, n, nlen, e,
	    elen, out, &outlen, err, sizeof(err))) != 0)
		return my_fail(my, r, ER_ACCESS_DENIED_ERROR, "28000",
		    "airlock: %s", wchan_reason(err));
	return backend_write(my, out, outlen);
}

/* AuthMoreData: caching_sha2's verdict on the fast path. */
static int
more_data(struct my *my, const unsigned char *p, size_t len)
{
	const unsigned char	*d;
	size_t			 dlen;

	if (myp_more_data_parse(p, len, &d, &dlen) != 0 || dlen != 1 ||
	    !myp_name_is(my->plugin, strlen(my->plugin), PLUGIN_SHA2))
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: unexpected data from the backend during "
		    "authentication");
	if (d[0] == SHA2_FAST_OK)
		return 0;		/* the OK follows */
	if (d[0] == SHA2_FULL_AUTH)
		return sha2_full(my);
	return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
	    "airlock: unknown caching_sha2_password step from the backend");
}

/* The backend's OK goes to the client as the answer to its response. */
static int
auth_ok(struct my *my, const unsigned char *p, size_t len)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(MYP_HANDSHAKE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = myp_put_packet(b, my->cseq++, p, len)) == 0)
		r = write_buf(my, &my->c->client, "client", b);
	buf_free(b);
	if (r != 0)
		return r;
	report(my, 1);
	log_debug("mysql: authenticated with %s", my->plugin);
	return 0;
}

/* The backend's ERR, as it is: who was refused and why, never a secret. */
static int
auth_err(struct my *my, const unsigned char *p, size_t len)
{
	struct myp_err	 e;

	if (myp_err_parse(p, len, CLIENT_PROTOCOL_41, &e) != 0)
		return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
		    "airlock: malformed error from the backend");
	return my_fail(my, ERR_AUTH, e.code, e.sqlstate[0] != '\0' ?
	    e.sqlstate : "28000", "%.*s", (int)e.messagelen, e.message);
}

static int
backend_auth(struct my *my)
{
	const unsigned char	*p;
	size_t			 len;
	int			 i, r;

	for (i = 0; i < MY_AUTH_ROUNDS; i++) {
		if ((r = read_packet(&my->c->backend, my->bseq++, my->in, &len,
		    my->c->deadline)) != 0)
			return io_fail(my, "backend", r);
		p = payload(my->in);
		switch (myp_auth_kind(p, len)) {
		case MYP_OK:
			return auth_ok(my, p, len);
		case MYP_ERR:
			return auth_err(my, p, len);
		case MYP_AUTH_SWITCH:
			r = auth_switch(my, p, len);
			break;
		case MYP_MORE_DATA:
			r = more_data(my, p, len);
			break;
		default:
			return my_fail(my, ERR_PROTO, ER_NOT_SUPPORTED_AUTH_MODE,
			    "08004", "airlock: the backend asks for an "
			    "authentication that airlock does not support");
		}
		if (r != 0)
			return r;
	}
	return my_fail(my, ERR_PROTO, ER_HANDSHAKE_ERROR, "08S01",
	    "airlock: the backend's authentication does not end");
}

static int
my_run(struct my *my)
{
	char	 err[MY_ERRLEN];
	int	 r;

	if ((r = wchan_dial(my->c, DIAL_SESSION, err, sizeof(err))) != 0)
		return my_fail(my, r, ER_HANDSHAKE_ERROR, "08S01", "airlock: "
		    "%s", wchan_reason(err));
	my->dialed = 1;
	if ((r = backend_greeting(my)) != 0 ||
	    (r = client_greeting(my)) != 0 ||
	    (r = client_response(my)) != 0 ||
	    (r = backend_response(my)) != 0)
		return r;
	return backend_auth(my);
}

static void
my_free(struct my *my)
{
	if (my == NULL)
		return;
	buf_free(my->greeting);
	buf_free(my->response);
	buf_free(my->in);
	secret_wipe(my, sizeof(*my));
	free(my);
}

static int
my_handshake(struct wconn *c)
{
	struct my	*my;
	int		 r;

	if ((my = calloc(1, sizeof(*my))) == NULL ||
	    (my->greeting = buf_new(MYP_HDR_LEN + MYP_HANDSHAKE_MAX)) == NULL ||
	    (my->response = buf_new(MYP_HDR_LEN + MYP_HANDSHAKE_MAX)) == NULL ||
	    (my->in = buf_new(MYP_HDR_LEN + MYP_HANDSHAKE_MAX)) == NULL) {
		my_free(my);
		log_error("mysql: out of memory");
		return ERR_NOMEM;
	}
	my->c = c;
	my->held = wctls_wanted(c);
	if ((r = my_run(my)) != 0) {
		my_free(my);
		return r;
	}
	conn = my;
	return 0;
}

/*
 * The relay's watch on the client's stream: a COM_CHANGE_USER would log
 * in anew, with a password of the client's: it stops the relay before it.
 */
static size_t
watch_commands(void *arg, const unsigned char *p, size_t n, int *stop)
{
	struct my	*my = arg;
	size_t		 off = 0, k;
	int		 cmd;

	while (off < n) {
		k = myp_stream_feed(&my->stream, p + off, n - off, &cmd);
		off += k;
		if (cmd == COM_CHANGE_USER) {
			*stop = 1;
			return off;
		}
		/* A header cut in two: hold it until the rest is read. */
		if (cmd == MYP_STREAM_NONE && k == 0)
			break;
	}
	return off;
}

static int
my_serve(struct wconn *c, struct relay_stats *st)
{
	struct my		*my = conn;
	struct relay_watch	 w;
	static const char	 text[] = "airlock: COM_CHANGE_USER is not "
	    "supported (the broker logs in as the service's user)";
	int			 r;

	myp_stream_init(&my->stream);
	w.look = watch_commands;
	w.arg = my;
	r = relay_run_watched(&c->client, &c->backend, c->idle_timeout_ms, st,
	    &w);
	if (r == RELAY_WATCH_STOP) {
		log_warn("mysql: the client sent COM_CHANGE_USER: refused, "
		    "connection closed");
		/* The answer to the command, whose sequence id was 0. */
		my->cseq = 1;
		client_err(my, ER_NOT_SUPPORTED_YET, "42000", text,
		    sizeof(text) - 1);
		r = 0;
	} else if (r == ERR_TIMEOUT)
		log_info("idle for %d ms; closing", c->idle_timeout_ms);
	conn = NULL;
	my_free(my);
	return r;
}
