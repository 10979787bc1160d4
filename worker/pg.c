/*
 * The PostgreSQL connector: the client's start-up is answered here, the
 * backend is dialed by the monitor, and the backend's authentication is
 * done with answers that the monitor computes (MD5, SCRAM-SHA-256 and
 * -PLUS, for which we hash the backend's certificate) or, for cleartext
 * only and where the service allows it, with the password itself in
 * guarded memory.  require_auth and channel_binding are libpq's.  When the
 * backend says AuthenticationOk the client hears the same, and the rest of
 * the start-up (ParameterStatus, BackendKeyData, ReadyForQuery) reaches it
 * through the relay.
 *
 * References are to the PostgreSQL documentation, chapter "Frontend/Backend
 * Protocol", section "Message Flow" unless said otherwise.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "secret.h"
#include "endpoint.h"
#include "pgchan.h"
#include "pgopt.h"
#include "worker.h"
#include "util.h"
#include "pgproto.h"
#include "pgreuse.h"
#include "tls.h"

#define PG_SCRAM		"SCRAM-SHA-256"
#define PG_SCRAM_PLUS		"SCRAM-SHA-256-PLUS"
#define PG_MD5_RESPONSE_LEN	35		/* "md5" + 32 hex digits */
#define PG_STARTUP_PREFIX	"startup."
/* An error for the client is worth a short wait even past the deadline. */
#define PG_ERROR_WRITE_MS	1000
#define PG_ERRLEN		512
#define PG_TEXTLEN		512

/* Which authentication request may come next ("Start-up", "SASL"). */
enum pg_auth_state {
	AUTH_START,		/* nothing asked yet */
	AUTH_PASSWORD,		/* a PasswordMessage was sent */
	AUTH_SASL,		/* SASLInitialResponse sent */
	AUTH_SASL_CONT,		/* SASLResponse sent */
	AUTH_SASL_DONE,		/* the server signature was verified */
};

struct pg {
	struct wconn		*c;
	int			 dialed;	/* the monitor has dialed */
	int			 reported;	/* AUTHDONE was sent */
	int			 state;		/* enum pg_auth_state */
	int			 negotiated;	/* NegotiateProtocolVersion */
	/* The service's require_auth and channel_binding (pgopt.h). */
	unsigned int		 allowed;
	const char		*require_auth;	/* as given, or "" */
	enum pgopt_cbind	 cbind;
	int			 bound;		/* SCRAM-SHA-256-PLUS chosen */
	const char		*proven;	/* evidence.c's, or NULL */
	struct pgr		*reuse;		/* poolMode session (pgreuse.h) */
	int			 taken;		/* the backend is a reused one */
	struct pgp_startup	 su;		/* points into pkt */
	unsigned char		 pkt[PG_STARTUP_MAX_LEN];
	unsigned char		 msg[PG_HDR_LEN + PG_AUTH_MAX_BODY];
};

static int	 pg_handshake(struct wconn *);

const struct connector pg_connector = {
	.name = "pg",
	.handshake = pg_handshake,
};

/*
 * Text from a peer on its way to our log: no control characters (a forged
 * log line), and short.
 */
static void
clean(char *dst, size_t dstlen, const char *src)
{
	text_printable(dst, dstlen, src, src != NULL ? strlen(src) : 0);
}

static void
report(struct pg *pg, int ok)
{
	if (pg->dialed && !pg->reported) {
		pg->reported = 1;
		(void)wchan_authdone(pg->c, ok);
	}
}

/*
 * Every failure ends here: a FATAL ErrorResponse for the client, a line in
 * the log, AUTHDONE failed for the monitor.  The text never holds a secret:
 * it is made of our own words and reasons the monitor wrote for the client.
 */
static int __attribute__((format(printf, 4, 5)))
pg_fail(struct pg *pg, int error, const char *sqlstate, const char *fmt, ...)
{
	struct wconn	*c = pg->c;
	struct buf	*b;
	char		 text[PG_TEXTLEN], logtext[PG_TEXTLEN];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	clean(logtext, sizeof(logtext), text);
	log_warn("pg: %s (SQLSTATE %s)", wchan_reason(logtext), sqlstate);

	if (c->client.fd != -1 && (b = buf_new(PG_TEXTLEN + 64)) != NULL) {
		if (pgp_put_error(b, "FATAL", sqlstate, text) == 0)
			(void)ep_write_full(&c->client, buf_ptr(b), buf_len(b),
			    deadline_in(PG_ERROR_WRITE_MS));
		buf_free(b);
	}
	report(pg, 0);
	return error < 0 ? error : ERR_PROTO;
}

static int
backend_io_fail(struct pg *pg, int r)
{
	if (r == ERR_EOF)
		return pg_fail(pg, r, "08006",
		    "airlock: the backend closed the connection");
	if (r == ERR_TIMEOUT)
		return pg_fail(pg, r, "08006",
		    "airlock: timeout while talking to the backend");
	return pg_fail(pg, r, "08006",
	    "airlock: could not talk to the backend: %s", err_str(r));
}

static int
backend_write(struct pg *pg, const void *p, size_t len)
{
	int	 r;

	if ((r = ep_write_full(&pg->c->backend, p, len, pg->c->deadline)) != 0)
		return backend_io_fail(pg, r);
	return 0;
}

static int
backend_write_buf(struct pg *pg, struct buf *b)
{
	return backend_write(pg, buf_ptr(b), buf_len(b));
}

static uint32_t
len32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * "SSL Session Encryption", server side, for a service with clientTLS: 'S',
 * then the handshake at once.  Bytes that came after the request were sent
 * before the client could know that TLS would be used, and would be read as
 * if they had come through it: a man in the middle's (CVE-2021-23222).
 * They are refused, as the server refuses them.
 */
static int
client_tls(struct pg *pg)
{
	struct wconn	*c = pg->c;
	char		 err[PG_ERRLEN];
	int		 r;

	if (ep_has_pending(&c->client) != 0)
		return pg_fail(pg, ERR_PROTO, "08P01",
		    "received unencrypted data after SSL request");
	if ((r = ep_write_full(&c->client, "S", 1, c->deadline)) != 0) {
		log_warn("pg: answering the SSLRequest: %s", err_str(r));
		return r;
	}
	r = wctls_accept(c, err, sizeof(err));
	if (r == ERR_DENIED)
		return pg_fail(pg, r, "28000", "%s", err);
	if (r != 0) {
		/* No TLS session: nothing more can be said to the client. */
		clean(err, sizeof(err), err);
		log_warn("pg: client TLS: %s", wchan_reason(err));
	}
	return r;
}

/*
 * An SSLRequest or a GSSENCRequest, each answered at most once, as the
 * server does; a client may try GSSAPI and then SSL or the reverse.  With
 * clientTLS an SSLRequest is answered 'S' and the rest of the start-up
 * comes through TLS, where no encryption request has a meaning any more.
 */
static int
client_encryption(struct pg *pg, int *ssl_done, int *gss_done)
{
	struct wconn	*c = pg->c;
	int		 ssl = pg->su.kind == PGP_SSL, r;

	if ((ssl && *ssl_done) || (!ssl && *gss_done))
		return pg_fail(pg, ERR_PROTO, "08P01", "%s sent twice",
		    ssl ? "SSLRequest" : "GSSENCRequest");
	if (c->client.tls != NULL)
		return pg_fail(pg, ERR_PROTO, "08P01",
		    "GSSENCRequest inside an SSL session");
	if (ssl)
		*ssl_done = 1;
	else
		*gss_done = 1;
	if (ssl && wctls_wanted(c))
		return client_tls(pg);
	if ((r = ep_write_full(&c->client, "N", 1, c->deadline)) != 0)
		log_warn("pg: answering the %s: %s", ssl ? "SSLRequest" :
		    "GSSENCRequest", err_str(r));
	return r;
}

/*
 * A StartupMessage without TLS to a service with clientTLS is refused in
 * words for the client ("sslmode=disable" shows them).  A CancelRequest is
 * not: it carries nothing but the key that the backend gave the client
 * through TLS, and libpq's PQcancel (psql's, before and since version 17),
 * like pgjdbc, sends it in plaintext whatever its connection used.  The
 * server and PgBouncer take it so too.
 */
static int
client_plaintext(struct pg *pg)
{
	struct wconn	*c = pg->c;
	char		 err[PG_ERRLEN];

	if (c->client.tls != NULL || !wctls_wanted(c) ||
	    pg->su.kind == PGP_CANCEL)
		return 0;
	wctls_plaintext(c, err, sizeof(err));
	return pg_fail(pg, ERR_DENIED, "28000", "%s", err);
}

/*
 * "Start-up", "SSL Session Encryption", "GSSAPI Session Encryption": read
 * startup packets until one that is not an encryption request.  Exactly
 * the announced length is read, so bytes sent after a request are the next
 * packet (or, before a TLS handshake, a refusal: client_tls).
 */
static int
client_startup(struct pg *pg)
{
	struct wconn		*c = pg->c;
	struct pgp_startup	*su = &pg->su;
	uint32_t		 len;
	int			 r, ssl_done = 0, gss_done = 0;

	for (;;) {
		r = ep_read_full(&c->client, pg->pkt, 4, c->deadline);
		if (r == ERR_EOF) {
			/* Nothing to tell a client that has gone. */
			log_debug("pg: the client closed the connection");
			return r;
		}
		if (r != 0)
			goto ioerr;
		len = len32(pg->pkt);
		if ((r = pgp_startup_len(len)) != 0)
			return pg_fail(pg, r, "08P01",
			    "invalid length of startup packet");
		r = ep_read_full(&c->client, pg->pkt + 4, len - 4,
		    c->deadline);
		if (r == ERR_EOF) {
			log_warn("pg: incomplete startup packet");
			return r;
		}
		if (r != 0)
			goto ioerr;
		if ((r = pgp_startup_parse(pg->pkt, len, su)) == ERR_TOOBIG)
			return pg_fail(pg, r, "08P01", "airlock: more than %d "
			    "startup parameters", PG_MAX_PARAMS);
		if (r != 0)
			return pg_fail(pg, r, "08P01",
			    "invalid startup packet layout");

		switch (su->kind) {
		case PGP_SSL:
		case PGP_GSSENC:
			if ((r = client_encryption(pg, &ssl_done,
			    &gss_done)) != 0)
				return r;
			continue;
		case PGP_CANCEL:
			return client_plaintext(pg);
		case PGP_STARTUP:
			if ((r = client_plaintext(pg)) != 0)
				return r;
			/* The server says the same for a packet without user. */
			if (pgp_startup_get(su, "user") == NULL)
				return pg_fail(pg, ERR_PROTO, "28000",
				    "no PostgreSQL user name specified in "
				    "startup packet");
			return 0;
		default:
			return pg_fail(pg, ERR_PROTO, "0A000",
			    "unsupported frontend protocol %u.%u: airlock "
			    "supports 3.0 and later 3.x",
			    PG_PROTO_MAJOR(su->code), PG_PROTO_MINOR(su->code));
		}
	}
 ioerr:
	if (r == ERR_TIMEOUT)
		return pg_fail(pg, r, "08006",
		    "airlock: timeout waiting for the startup packet");
	log_warn("pg: reading the startup packet: %s", err_str(r));
	return r;
}

/*
 * "Canceling Requests in Progress": the request goes to the backend on a
 * connection of its own, in plaintext as libpq sent it before version 17
 * (the server accepts it there whatever its SSL settings).  Nothing is ever
 * sent back.  As libpq does, wait for the server to close its end: it has
 * then acted on the request, and only then do we close the client's.
 */
static int
pg_cancel(struct pg *pg)
{
	struct wconn	*c = pg->c;
	struct buf	*b = NULL;
	char		 err[PG_ERRLEN];
	unsigned char	 byte;
	int		 r;

	if ((r = wchan_dial(c, DIAL_CANCEL, err, sizeof(err))) != 0) {
		clean(err, sizeof(err), err);
		log_warn("pg: cancel request: %s", wchan_reason(err));
		ep_close(&c->client);
		return r;
	}
	if ((b = buf_new(12 + PG_CANCEL_KEY_MAX)) == NULL)
		r = ERR_NOMEM;
	else if ((r = pgp_put_cancel(b, pg->su.pid, pg->su.key,
	    pg->su.keylen)) == 0 &&
	    (r = ep_write_full(&c->backend, buf_ptr(b), buf_len(b),
	    c->deadline)) == 0) {
		r = ep_read_full(&c->backend, &byte, 1, c->deadline);
		r = r == ERR_EOF ? 0 : r == 0 ? ERR_PROTO : r;
	}
	buf_free(b);
	if (r != 0)
		log_warn("pg: cancel request: %s", err_str(r));
	else
		log_debug("pg: cancel request forwarded");
	ep_close(&c->backend);
	ep_close(&c->client);
	return r;
}

/*
 * With poolMode session the DIAL carries the session's key, and the monitor
 * may answer with an idle backend of the service and key instead of a new
 * one ("session" in the parameters): it is checked here before anything
 * else, and a backend that fails the check is closed for a new dial (the
 * monitor's fallback, which never gives a reused one again).
 */
static int
backend_dial(struct pg *pg)
{
	struct pgr	*p = pg->reuse;
	const char	*blob;
	char		 err[PG_ERRLEN];
	size_t		 bloblen;
	int		 r, tries;

	for (tries = 0; tries < 2; tries++) {
		if ((r = wchan_dial_key(pg->c, DIAL_SESSION, p->on ? p->key :
		    NULL, p->keylen, err, sizeof(err))) != 0)
			return pg_fail(pg, r, "08006", "airlock: %s",
			    wchan_reason(err));
		pg->dialed = 1;
		if ((blob = kv_get(&pg->c->params, "session", &bloblen)) ==
		    NULL)
			return 0;
		if (!p->on || tries > 0)
			break;
		if (pgr_take(p, pg->c, blob, bloblen) == 0) {
			pg->taken = 1;
			return 0;
		}
		ep_close(&pg->c->backend);
	}
	return pg_fail(pg, ERR_PROTO, "08006",
	    "airlock: internal channel error");
}

/*
 * The service's require_auth and channel_binding, which the monitor has
 * checked when it resolved them: a bad one here is a broken channel.
 */
static int
backend_policy(struct pg *pg)
{
	const char	*v, *why;
	size_t		 vlen;

	pg->require_auth = "";
	pg->allowed = PGOPT_ALL;
	pg->cbind = PGOPT_CB_PREFER;
	if ((v = kv_get(&pg->c->params, "require_auth", &vlen)) != NULL) {
		if (pgopt_require_auth(v, vlen, &pg->allowed, &why) != 0)
			return pg_fail(pg, ERR_FORMAT, "08006", "airlock: "
			    "require_auth %s", why);
		pg->require_auth = v;
	}
	if ((v = kv_get(&pg->c->params, "channel_binding", &vlen)) != NULL &&
	    pgopt_channel_binding(v, vlen, &pg->cbind, &why) != 0)
		return pg_fail(pg, ERR_FORMAT, "08006", "airlock: "
		    "channel_binding %s", why);
	pg->proven = wchan_param(pg->c, "proven");
	return 0;
}

/*
 * "SSL Session Encryption", frontend side.  The single response byte is
 * read alone, and nothing may follow it before the TLS handshake: bytes
 * there would come from a man in the middle (CVE-2021-23222).
 */
static int
backend_tls(struct pg *pg)
{
	struct wconn		*c = pg->c;
	struct buf		*b;
	const char		*modename;
	char			 err[PG_ERRLEN];
	unsigned char		 resp;
	int			 mode, r;

	if ((mode = wtls_mode(c, &modename)) < 0)
		return pg_fail(pg, ERR_INVAL, "08006",
		    "airlock: invalid sslmode in the service's credentials");
	if (mode == SSLMODE_DISABLE)
		return 0;

	if ((b = buf_new(8)) == NULL)
		return pg_fail(pg, ERR_NOMEM, "08006", "airlock: out of memory");
	if ((r = pgp_put_ssl_request(b)) == 0)
		r = backend_write_buf(pg, b);
	else
		r = pg_fail(pg, r, "08006", "airlock: internal error");
	buf_free(b);
	if (r != 0)
		return r;
	if ((r = ep_read_full(&c->backend, &resp, 1, c->deadline)) != 0)
		return backend_io_fail(pg, r);
	switch (resp) {
	case 'S':
		break;
	case 'N':
		return pg_fail(pg, ERR_DENIED, "08006",
		    "airlock: the backend does not support TLS, and sslmode "
		    "is %s", modename);
	case 'E':
		/* An old server's ErrorResponse, unauthenticated: not shown. */
		return pg_fail(pg, ERR_PROTO, "08006",
		    "airlock: the backend refused the SSLRequest");
	default:
		return pg_fail(pg, ERR_PROTO, "08P01",
		    "airlock: invalid response to SSLRequest from the backend");
	}
	if (ep_has_pending(&c->backend) > 0)
		return pg_fail(pg, ERR_PROTO, "08006",
		    "airlock: the backend sent unencrypted data after its "
		    "SSL response");

	if ((r = wtls_start(c, mode, err, sizeof(err))) != 0)
		return pg_fail(pg, r, "08006", "airlock: %s", wchan_reason(err));
	return 0;
}

/*
 * "StartupMessage" for the backend: the client's protocol version, the user
 * from the credentials, the credentials' startup.* parameters that the
 * client did not give, then the client's own parameters but its user.
 */
static int
backend_startup(struct pg *pg)
{
	struct wconn		*c = pg->c;
	struct pgp_startup	*su = &pg->su;
	struct pgp_param	 v[1 + MSG_MAX_KV + PG_MAX_PARAMS];
	const struct kv		*kv;
	const char		*user, *name;
	struct buf		*b;
	size_t			 i, n = 0;
	int			 r;

	if ((user = wchan_param(c, "username")) == NULL || *user == '\0')
		return pg_fail(pg, ERR_NOTFOUND, "28000",
		    "airlock: the service has no username credential");
	v[n].key = "user";
	v[n].keylen = 4;
	v[n].val = user;
	v[n++].vallen = strlen(user);

	for (i = 0; i < c->params.n && i < MSG_MAX_KV; i++) {
		kv = &c->params.v[i];
		if (strncmp(kv->key, PG_STARTUP_PREFIX,
		    strlen(PG_STARTUP_PREFIX)) != 0)
			continue;
		name = kv->key + strlen(PG_STARTUP_PREFIX);
		if (*name == '\0' || strcmp(name, "user") == 0 ||
		    pgp_startup_get(su, name) != NULL)
			continue;
		v[n].key = name;
		v[n].keylen = strlen(name);
		v[n].val = (const char *)kv->val;
		v[n++].vallen = kv->vlen;
	}
	for (i = 0; i < su->nparams; i++) {
		if (strcmp(su->params[i].key, "user") == 0)
			continue;
		v[n++] = su->params[i];
	}

	if ((b = buf_new(PG_STARTUP_MAX_LEN)) == NULL)
		return pg_fail(pg, ERR_NOMEM, "08006", "airlock: out of memory");
	if ((r = pgp_put_startup(b, su->code, v, n)) == 0)
		r = backend_write_buf(pg, b);
	else if (r == ERR_TOOBIG)
		r = pg_fail(pg, r, "08P01", "airlock: the startup packet "
		    "for the backend would be too long");
	else
		r = pg_fail(pg, r, "08P01", "airlock: a startup parameter "
		    "in the service's credentials is malformed");
	buf_free(b);
	return r;
}

/* "AuthenticationCleartextPassword": the one case where the secret travels. */
static int
auth_cleartext(struct pg *pg)
{
	struct secret	*pw = NULL, *m = NULL;
	char		 err[PG_ERRLEN];
	int		 r;

	if ((r = wchan_credential(pg->c, "password", &pw, err,
	    sizeof(err))) != 0)
		return pg_fail(pg, r, "28000", "airlock: %s", wchan_reason(err));
	if (pw->len > PGP_PASSWORD_MAX)
		r = ERR_TOOBIG;
	else if ((m = secret_alloc(PGP_PASSWORD_MSG_LEN(pw->len))) == NULL)
		r = ERR_NOMEM;
	else
		r = pgp_password_msg(m->data, m->len, pw->data, pw->len);
	secret_free(pw);
	if (r != 0) {
		secret_free(m);
		return pg_fail(pg, r, "28000", "airlock: the password cannot "
		    "be sent as a PasswordMessage");
	}
	r = backend_write(pg, m->data, m->len);
	secret_free(m);
	return r;
}

/* "AuthenticationMD5Password": the monitor hashes; we frame. */
static int
auth_md5(struct pg *pg, const struct pgp_auth *a)
{
	unsigned char	 m[PGP_PASSWORD_MSG_LEN(PG_MD5_RESPONSE_LEN)];
	char		 out[PG_MD5_RESPONSE_LEN + 1], err[PG_ERRLEN];
	int		 r;

	if ((r = wchan_pg_md5(pg->c, a->salt, out, err, sizeof(err))) != 0)
		return pg_fail(pg, r, "28000", "airlock: %s", wchan_reason(err));
	if (strnlen(out, sizeof(out)) != PG_MD5_RESPONSE_LEN)
		r = ERR_FORMAT;
	else
		r = pgp_password_msg(m, sizeof(m), out, PG_MD5_RESPONSE_LEN);
	if (r == 0)
		r = backend_write(pg, m, sizeof(m));
	else
		r = pg_fail(pg, r, "28000", "airlock: internal error");
	secret_wipe(out, sizeof(out));
	secret_wipe(m, sizeof(m));
	return r;
}

/*
 * The mechanism, as libpq chooses it (fe-auth.c, pg_SASL_init): -PLUS when
 * the leg is TLS, the server offers it and channel_binding is not disable
 * (RFC 5929's tls-server-end-point, computed here from the certificate we
 * hold, is sent with it); plain SCRAM-SHA-256 otherwise.  With
 * channel_binding require, nothing but -PLUS will do.
 */
static int
sasl_mechanism(struct pg *pg, const struct pgp_auth *a, const char **mech,
    unsigned char cb[TLS_END_POINT_MAX], size_t *cblen)
{
	int	 tls = pg->c->backend.ssl != NULL;

	*cblen = 0;
	if (pg->cbind == PGOPT_CB_REQUIRE && !tls)
		return pg_fail(pg, ERR_DENIED, "28000", "airlock: channel "
		    "binding required, but SSL not in use (sslmode)");
	if (tls && pg->cbind != PGOPT_CB_DISABLE &&
	    pgp_sasl_has(a, PG_SCRAM_PLUS)) {
		if (tls_server_end_point(&pg->c->backend, cb, cblen) != 0)
			return pg_fail(pg, ERR_DENIED, "28000", "airlock: "
			    "cannot bind the channel to the backend's "
			    "certificate: its signature uses no hash that "
			    "tls-server-end-point knows");
		pg->bound = 1;
		*mech = PG_SCRAM_PLUS;
		return 0;
	}
	if (pg->cbind == PGOPT_CB_REQUIRE)
		return pg_fail(pg, ERR_DENIED, "28000", "airlock: channel "
		    "binding is required, but the server did not offer an "
		    "authentication method that supports channel binding");
	if (!pgp_sasl_has(a, PG_SCRAM))
		return pg_fail(pg, ERR_AUTH, "28000", "airlock: the backend "
		    "offers no SASL mechanism that airlock supports");
	*mech = PG_SCRAM;
	return 0;
}

/*
 * "SASL Authentication", "SCRAM-SHA-256 Authentication": the monitor writes
 * the client-first and client-final messages and checks the server's
 * signature; the worker only chooses the mechanism, hands the monitor the
 * channel binding data, and frames the messages.
 */
static int
auth_sasl(struct pg *pg, const struct pgp_auth *a)
{
	unsigned char	 cb[TLS_END_POINT_MAX];
	struct buf	*out = NULL, *m = NULL;
	const char	*mech = PG_SCRAM;
	char		 err[PG_ERRLEN];
	size_t		 cblen = 0;
	int		 r;

	if (a->code == PG_AUTH_SASL &&
	    (r = sasl_mechanism(pg, a, &mech, cb, &cblen)) != 0)
		return r;
	if ((out = buf_new(MSG_MAX_STRING)) == NULL ||
	    (m = buf_new(MSG_MAX_STRING + 64)) == NULL) {
		r = pg_fail(pg, ERR_NOMEM, "08006", "airlock: out of memory");
		goto out;
	}
	if (a->code == PG_AUTH_SASL)
		r = wchan_pg_scram_start(pg->c, mech, cb, cblen, out, err,
		    sizeof(err));
	else
		r = wchan_pg_scram_final(pg->c, a->data, a->datalen, out, err,
		    sizeof(err));
	if (r != 0) {
		r = pg_fail(pg, r, "28000", "airlock: %s", wchan_reason(err));
		goto out;
	}
	if (a->code == PG_AUTH_SASL)
		r = pgp_put_sasl_initial(m, mech, buf_ptr(out), buf_len(out));
	else
		r = pgp_put_sasl_response(m, buf_ptr(out), buf_len(out));
	if (r != 0)
		r = pg_fail(pg, r, "08006", "airlock: internal error");
	else
		r = backend_write_buf(pg, m);
 out:
	buf_free(out);
	buf_free(m);
	return r;
}

/*
 * AuthenticationOk, as libpq's require_auth and channel_binding judge it
 * (fe-auth.c, check_expected_areq): a server that lets us in without
 * asking anything where require_auth excludes "none", or without channel
 * binding where it is required, may be a man in the middle that has no
 * password to check: the client must not talk to it.  So may one that
 * does so after it has proven a password to the monitor (evidence.c).
 * Only we see this; the monitor hears of it in AUTHDONE.
 */
static int
auth_ok_allowed(struct pg *pg)
{
	if (pg->state == AUTH_START && (pg->allowed & PGOPT_NONE) == 0)
		return pg_fail(pg, ERR_AUTH, "28000", "airlock: server did not "
		    "complete authentication, but require_auth is \"%s\"",
		    pg->require_auth);
	/* The monitor's evidence: the server proved a password before. */
	if (pg->state == AUTH_START && pg->proven != NULL)
		return pg_fail(pg, ERR_AUTH, "28000", "airlock: server did not "
		    "complete authentication, but it has proven %s before: "
		    "possible man in the middle", pg->proven);
	if (pg->cbind == PGOPT_CB_REQUIRE &&
	    (pg->state != AUTH_SASL_DONE || !pg->bound))
		return pg_fail(pg, ERR_AUTH, "28000", "airlock: channel "
		    "binding required, but server authenticated client "
		    "without channel binding");
	return 0;
}

static int
auth_ok(struct pg *pg)
{
	struct wconn	*c = pg->c;
	struct buf	*b;
	int		 r;

	/* Credentials are no longer needed, whatever the client does now. */
	pg->reported = 1;
	if ((r = wchan_authdone(c, 1)) != 0) {
		log_warn("pg: reporting authentication: %s", err_str(r));
		return r;
	}
	if ((b = buf_new(16)) == NULL)
		return ERR_NOMEM;
	if ((r = pgp_put_auth_ok(b)) == 0)
		r = ep_write_full(&c->client, buf_ptr(b), buf_len(b),
		    c->deadline);
	buf_free(b);
	if (r != 0) {
		log_warn("pg: writing AuthenticationOk to the client: %s",
		    err_str(r));
		return r;
	}
	log_debug("pg: authenticated to the backend");
	return 0;
}

/*
 * One 'R' message.  The requests must follow one another as the protocol
 * orders them; in particular AuthenticationOk after SASL only counts once
 * the server has proven that it knows the password (SASLFinal verified).
 * Returns 1 when authentication is complete.
 */
static int
auth_request(struct pg *pg, const unsigned char *body, size_t len)
{
	struct pgp_auth	 a;
	char		 err[PG_ERRLEN];
	int		 r;

	if ((r = pgp_auth_parse(body, len, &a)) != 0)
		return pg_fail(pg, r, "08P01", "airlock: invalid "
		    "authentication request from the backend");
	switch (a.code) {
	case PG_AUTH_OK:
		if (pg->state != AUTH_START && pg->state != AUTH_PASSWORD &&
		    pg->state != AUTH_SASL_DONE)
			break;
		if ((r = auth_ok_allowed(pg)) != 0 || (r = auth_ok(pg)) != 0)
			return r;
		return 1;
	case PG_AUTH_CLEARTEXT:
	case PG_AUTH_MD5:
		if (pg->state != AUTH_START)
			break;
		pg->state = AUTH_PASSWORD;
		if (a.code == PG_AUTH_CLEARTEXT)
			return auth_cleartext(pg);
		return auth_md5(pg, &a);
	case PG_AUTH_SASL:
		if (pg->state != AUTH_START)
			break;
		pg->state = AUTH_SASL;
		return auth_sasl(pg, &a);
	case PG_AUTH_SASL_CONT:
		if (pg->state != AUTH_SASL)
			break;
		pg->state = AUTH_SASL_CONT;
		return auth_sasl(pg, &a);
	case PG_AUTH_SASL_FINAL:
		if (pg->state != AUTH_SASL_CONT)
			break;
		if ((r = wchan_pg_scram_verify(pg->c, a.data, a.datalen, err,
		    sizeof(err))) != 0) {
			/* A wrong signature, or the channel failed: say which. */
			return pg_fail(pg, ERR_AUTH, "28000", "airlock: %s",
			    wchan_reason(err));
		}
		pg->state = AUTH_SASL_DONE;
		return 0;
	default:
		return pg_fail(pg, ERR_DENIED, "28000", "airlock: the backend "
		    "asked for an authentication method airlock does not "
		    "support (%u)", a.code);
	}
	return pg_fail(pg, ERR_PROTO, "08P01", "airlock: authentication "
	    "request %u from the backend out of order", a.code);
}

/* Forward a backend message the client may see as it is. */
static int
client_forward(struct pg *pg, size_t len)
{
	int	 r;

	r = ep_write_full(&pg->c->client, pg->msg, PG_HDR_LEN + len,
	    pg->c->deadline);
	if (r != 0) {
		log_warn("pg: writing to the client: %s", err_str(r));
		report(pg, 0);
	}
	return r;
}

/*
 * "ErrorResponse" during authentication: the backend's own words (which
 * never echo a password) go to the client as they are, if well formed.
 */
static int
backend_error(struct pg *pg, const unsigned char *body, size_t len)
{
	struct pgp_fields	 f;
	char			 code[8], text[PG_TEXTLEN];
	int			 r;

	if ((r = pgp_fields_parse(body, len, &f)) != 0)
		return pg_fail(pg, r, "08P01",
		    "airlock: the backend sent a malformed ErrorResponse");
	clean(code, sizeof(code), f.code);
	clean(text, sizeof(text), f.message);
	log_warn("pg: the backend refused: %s (SQLSTATE %s)", text, code);
	(void)ep_write_full(&pg->c->client, pg->msg, PG_HDR_LEN + len,
	    deadline_in(PG_ERROR_WRITE_MS));
	report(pg, 0);
	return ERR_AUTH;
}

/* One backend message of the start-up into pg->msg. */
static int
backend_read(struct pg *pg, uint8_t *type, size_t *len)
{
	struct wconn	*c = pg->c;
	int		 r;

	r = ep_read_full(&c->backend, pg->msg, PG_HDR_LEN, c->deadline);
	if (r != 0)
		return backend_io_fail(pg, r);
	r = pgp_header_parse(pg->msg, type, len, PG_AUTH_MAX_BODY);
	if (r != 0)
		return pg_fail(pg, r, "08P01", "airlock: invalid "
		    "message length from the backend");
	r = ep_read_full(&c->backend, pg->msg + PG_HDR_LEN, *len,
	    c->deadline);
	if (r != 0)
		return backend_io_fail(pg, r);
	return 0;
}

/* The backend's side of "Start-up", up to AuthenticationOk. */
static int
backend_auth(struct pg *pg)
{
	struct pgp_fields	 f;
	const unsigned char	*body = pg->msg + PG_HDR_LEN;
	uint32_t		 version;
	size_t			 len, nopt;
	uint8_t			 type;
	int			 r;

	for (;;) {
		if ((r = backend_read(pg, &type, &len)) != 0)
			return r;

		switch (type) {
		case 'R':
			if ((r = auth_request(pg, body, len)) < 0)
				return r;
			if (r == 1)
				return 0;
			break;
		case 'E':
			return backend_error(pg, body, len);
		case 'N':
			if (pgp_fields_parse(body, len, &f) != 0)
				return pg_fail(pg, ERR_PROTO, "08P01",
				    "airlock: the backend sent a malformed "
				    "NoticeResponse");
			if ((r = client_forward(pg, len)) != 0)
				return r;
			break;
		case 'v':
			/* Sent once, before any authentication request. */
			if (pg->negotiated || pg->state != AUTH_START ||
			    pgp_negotiate_parse(body, len, &version,
			    &nopt) != 0)
				return pg_fail(pg, ERR_PROTO, "08P01",
				    "airlock: invalid NegotiateProtocolVersion "
				    "from the backend");
			pg->negotiated = 1;
			if ((r = client_forward(pg, len)) != 0)
				return r;
			break;
		default:
			return pg_fail(pg, ERR_PROTO, "08P01", "airlock: "
			    "unexpected message type 0x%02x from the backend "
			    "during authentication", type);
		}
	}
}

/*
 * "Start-up" after AuthenticationOk, read here rather than by the relay
 * when the backend may be reused: its ParameterStatus and BackendKeyData
 * messages are the session's blob, which the next client of a reused
 * backend hears in its place.  Up to ReadyForQuery, all go to the client.
 */
static int
backend_login_rest(struct pg *pg)
{
	size_t	 len;
	uint8_t	 type;
	int	 r;

	if (!pg->reuse->on)
		return 0;
	for (;;) {
		if ((r = backend_read(pg, &type, &len)) != 0)
			return r;
		switch (type) {
		case 'S':
		case 'K':
			pgr_blob_add(pg->reuse, pg->msg, PG_HDR_LEN + len);
			break;
		case 'N':
		case 'Z':
		case 'E':
			break;
		default:
			return pg_fail(pg, ERR_PROTO, "08P01", "airlock: "
			    "unexpected message type 0x%02x from the backend "
			    "during start-up", type);
		}
		if ((r = client_forward(pg, len)) != 0)
			return r;
		if (type == 'Z')
			return 0;
		if (type == 'E')
			return ERR_AUTH;
	}
}

/* A reused backend: the monitor hears of it, then the client. */
static int
reused_ready(struct pg *pg)
{
	int	 r;

	pg->reported = 1;
	if ((r = wchan_authdone(pg->c, 1)) != 0 ||
	    (r = pgr_greet(pg->reuse, pg->c)) != 0) {
		log_warn("pg: starting the session of a reused backend: %s",
		    err_str(r));
		return r;
	}
	log_debug("pg: reusing an idle backend");
	return 0;
}

static int
pg_run(struct pg *pg)
{
	int	 r;

	if ((r = client_startup(pg)) != 0)
		return r;
	if (pg->su.kind == PGP_CANCEL)
		return pg_cancel(pg);
	if ((pg->reuse = calloc(1, sizeof(*pg->reuse))) == NULL)
		return pg_fail(pg, ERR_NOMEM, "08006", "airlock: out of memory");
	if ((r = pgr_init(pg->reuse, pg->c, &pg->su)) != 0 ||
	    (r = backend_dial(pg)) != 0)
		return r;
	if (pg->taken)
		r = reused_ready(pg);
	else if ((r = backend_policy(pg)) == 0 &&
	    (r = backend_tls(pg)) == 0 &&
	    (r = backend_startup(pg)) == 0 &&
	    (r = backend_auth(pg)) == 0)
		r = backend_login_rest(pg);
	/*
	 * A session that may be reused is relayed here, to its end: the
	 * worker's own relay knows no framing.
	 */
	if (r == 0 && pg->reuse->on)
		pgr_relay(pg->reuse, pg->c);
	return r;
}

static int
pg_handshake(struct wconn *c)
{
	struct pg	*pg;
	int		 r;

	if ((pg = calloc(1, sizeof(*pg))) == NULL) {
		log_error("pg: out of memory");
		return ERR_NOMEM;
	}
	pg->c = c;
	pg->state = AUTH_START;
	r = pg_run(pg);
	free(pg->reuse);
	secret_wipe(pg, sizeof(*pg));
	free(pg);
	return r;
}
