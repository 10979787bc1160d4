/*
 * The monitor's side of the PostgreSQL connector: where to dial, which
 * non-secret parameters the worker gets, and the authentication answers
 * computed here so that the password never leaves the monitor (MD5,
 * SCRAM-SHA-256 with or without channel binding).  Only a cleartext
 * password request, which puts the password itself on the wire, hands it
 * to the worker, and only as the service's policy allows.
 *
 * Every answer is made worth as little as possible to a compromised worker
 * or to a man in the middle of the backend leg (any certificate passes
 * sslmode require): one method per connection, the method allowed by the
 * service's require_auth and channel_binding (libpq's settings), nothing
 * weaker than what the service's backend has proven before (evidence.c),
 * no SCRAM proof below the iteration floor, and the cleartext password
 * only over verified TLS or where the service says always.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "pgauth.h"
#include "pgconfig.h"
#include "pgopt.h"
#include "secret.h"

#define PG_DEFAULT_PORT		"5432"
#define PG_SCRAM		"SCRAM-SHA-256"
#define PG_SCRAM_PLUS		"SCRAM-SHA-256-PLUS"
#define SCRAM_MSG_MAX		1024


/*
 * The service's authentication policy, from its resolved credentials.
 * The backend leg's TLS is what an honest worker will do (worker/tls.c,
 * as libpq): sslmode require, the default, encrypts and verifies nothing,
 * unless sslrootcert is given, when it verifies the chain as verify-ca
 * does; verify-ca and verify-full insist on sslrootcert.
 */
struct pg_policy {
	unsigned int	 allowed;	/* require_auth's methods (pgopt.h) */
	const char	*require_auth;	/* as given (libpq's words), or "" */
	enum pgopt_cbind cbind;		/* channel_binding */
	int		 tls;		/* the backend leg is TLS */
	int		 verified;	/* ... with a verified certificate */
};

static int
pg_policy(const struct worker *w, struct pg_policy *p, char *err,
    size_t errlen)
{
	const struct secret	*ra, *cb, *mode, *root;
	const char		*m, *why;

	memset(p, 0, sizeof(*p));
	p->require_auth = "";
	if ((ra = creds_get(w->creds, "require_auth")) != NULL) {
		if (pgopt_require_auth(ra->data, ra->len, &p->allowed,
		    &why) != 0) {
			snprintf(err, errlen, "credential require_auth of "
			    "service %s %s", w->svc->name, why);
			return ERR_FORMAT;
		}
		/* Made of libpq's words alone: fit for a message. */
		p->require_auth = (const char *)ra->data;
	} else
		p->allowed = PGOPT_ALL;
	if ((cb = creds_get(w->creds, "channel_binding")) != NULL &&
	    pgopt_channel_binding(cb->data, cb->len, &p->cbind, &why) != 0) {
		snprintf(err, errlen, "credential channel_binding of service "
		    "%s %s", w->svc->name, why);
		return ERR_FORMAT;
	}
	/* A NUL inside is no sslmode the worker would take either. */
	mode = creds_get(w->creds, "sslmode");
	m = mode == NULL ? "require" : memchr(mode->data, '\0', mode->len) ?
	    "" : (const char *)mode->data;
	root = creds_get(w->creds, "sslrootcert");
	p->tls = strcmp(m, "require") == 0 || strcmp(m, "verify-ca") == 0 ||
	    strcmp(m, "verify-full") == 0;
	p->verified = p->tls && root != NULL && root->len > 0;
	return 0;
}


/* A credential that must be a non-empty C string: its text, or NULL. */
static const char *
cred_str(const struct worker *w, const char *name)
{
	const struct secret	*v = creds_get(w->creds, name);

	if (v == NULL || v->len == 0 || memchr(v->data, '\0', v->len) != NULL)
		return NULL;
	return (const char *)v->data;
}

/*
 * The backend's host and port: the credentials host and port (5432 by
 * default), or Secretless Broker's older address, which wins where both
 * are given, as there: "host:port", "[v6]:port", or a host alone (Go's
 * net.SplitHostPort, then the host with the default port).
 */
static int
pg_backend(const struct worker *w, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen)
{
	const char	*a, *h, *p, *colon;
	size_t		 hl;

	h = cred_str(w, "host");
	hl = h != NULL ? strlen(h) : 0;
	if ((p = cred_str(w, "port")) == NULL)
		p = creds_get(w->creds, "port") != NULL ? "" : PG_DEFAULT_PORT;
	if ((a = cred_str(w, "address")) != NULL) {
		p = PG_DEFAULT_PORT;
		colon = strrchr(a, ':');
		if (a[0] == '[' && colon != NULL && colon > a &&
		    colon[-1] == ']') {
			h = a + 1;
			hl = (size_t)(colon - a) - 2;
			p = colon + 1;
		} else if (colon != NULL && strchr(a, ':') == colon) {
			h = a;
			hl = (size_t)(colon - a);
			p = colon + 1;
		} else if (colon == NULL) {
			h = a;
			hl = strlen(a);
		} else
			h = NULL;
		if (h == NULL || hl == 0 || memchr(h, ']', hl) != NULL ||
		    memchr(h, '[', hl) != NULL) {
			snprintf(err, errlen, "service %s has an invalid "
			    "address (host:port, [IPv6]:port or host)",
			    w->svc->name);
			return ERR_INVAL;
		}
	}
	if (h == NULL || hl == 0) {
		snprintf(err, errlen, "service %s has no usable host "
		    "credential", w->svc->name);
		return ERR_INVAL;
	}
	if (*p == '\0' || strlen(p) > 5 || strspn(p, "0123456789") !=
	    strlen(p) || atoi(p) < 1 || atoi(p) > 65535) {
		snprintf(err, errlen, "service %s has an invalid port",
		    w->svc->name);
		return ERR_INVAL;
	}
	if (hl >= hostlen) {
		snprintf(err, errlen, "backend host name too long");
		return ERR_TOOBIG;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%s", p);
	return 0;
}

int
pg_dial_target(const struct worker *w, struct target *t, char *err,
    size_t errlen)
{
	struct pg_policy	 pol;
	int			 r;

	memset(t, 0, sizeof(*t));
	/* A bad require_auth or channel_binding from a provider ends here. */
	if ((r = pg_policy(w, &pol, err, errlen)) != 0 ||
	    (r = pg_backend(w, t->host, sizeof(t->host), t->port,
	    sizeof(t->port), err, errlen)) != 0)
		return r;
	/* As libpq: a host that is a directory holds the server's socket. */
	if (t->host[0] == '/') {
		if ((size_t)snprintf(t->unix_path, sizeof(t->unix_path),
		    "%s/.s.PGSQL.%s", t->host, t->port) >=
		    sizeof(t->unix_path)) {
			snprintf(err, errlen, "backend socket path too long");
			return ERR_TOOBIG;
		}
		t->host[0] = '\0';
		t->port[0] = '\0';
	}
	return 0;
}

int
pg_dial_params(const struct worker *w, struct kvlist *params)
{
	const struct creds	*c = w->creds;
	struct evidence		 ev;
	char			 key[128], host[256], port[16], why[256];
	size_t			 i;
	int			 r;

	for (i = 0; i < c->n; i++) {
		if (pg_monitor_only(c->names[i]))
			continue;
		if (pg_known_param(c->names[i]))
			r = kv_set(params, c->names[i], c->values[i]->data,
			    c->values[i]->len);
		else {
			/* Secretless: any other credential is a startup
			 * parameter for the backend. */
			if ((size_t)snprintf(key, sizeof(key), "startup.%s",
			    c->names[i]) >= sizeof(key))
				return ERR_TOOBIG;
			r = kv_set(params, key, c->values[i]->data,
			    c->values[i]->len);
		}
		if (r != 0)
			return r;
	}
	if (creds_get(c, "sslkey") != NULL &&
	    (r = kv_set_str(params, "sslkey", "1")) != 0)
		return r;
	/* The host that address names is the one TLS verifies. */
	if (creds_get(c, "address") != NULL &&
	    (pg_backend(w, host, sizeof(host), port, sizeof(port), why,
	    sizeof(why)) != 0 || (r = kv_set_str(params, "host", host)) != 0))
		return ERR_INVAL;
	/*
	 * What the service's backend has proven: one that now lets the
	 * client in unasked (trust) may be a man in the middle, and only the
	 * worker sees that.  No credential is named "proven" here: the
	 * others are startup.* above.
	 */
	evidence_get(w->svc->name, &ev);
	if (ev.method != AUTHM_NONE && (r = kv_set_str(params, "proven",
	    auth_method_name(ev.method))) != 0)
		return r;
	return 0;
}

static unsigned int
pgopt_of(enum auth_method m)
{
	switch (m) {
	case AUTHM_CLEARTEXT:	return PGOPT_PASSWORD;
	case AUTHM_MD5:		return PGOPT_MD5;
	case AUTHM_SCRAM:
	case AUTHM_SCRAM_PLUS:	return PGOPT_SCRAM;
	default:		return PGOPT_NONE;
	}
}

/* What the backend asked for, in libpq's words (fe-auth.c). */
static const char *
asked(enum auth_method m)
{
	switch (m) {
	case AUTHM_CLEARTEXT:	return "server requested a cleartext password";
	case AUTHM_MD5:		return "server requested a hashed password";
	default:		return "server requested SASL authentication";
	}
}

/*
 * The one place where the method a worker uses meets the service's
 * policy, before anything is computed or handed out.  0: go on.  Else the
 * worker has been killed (a second method in one connection) or answered
 * with MSG_FAILED (a method the policy refuses: a backend, or a man in the
 * middle, may have asked for it), and the caller stops.
 */
static int
pg_method_permitted(struct worker *w, enum auth_method m,
    struct pg_policy *p)
{
	struct evidence	 ev;
	char		 why[256];

	if (worker_method(w, m) != 0)
		return ERR_DENIED;
	if (pg_policy(w, p, why, sizeof(why)) != 0) {
		(void)worker_fail(w, "%s", why);
		return ERR_DENIED;
	}
	if ((p->allowed & pgopt_of(m)) == 0) {
		(void)worker_fail(w, "%s, but require_auth is \"%s\"",
		    asked(m), p->require_auth);
		return ERR_DENIED;
	}
	if (p->cbind == PGOPT_CB_REQUIRE && m != AUTHM_SCRAM_PLUS) {
		(void)worker_fail(w, "channel binding required, but %s",
		    m == AUTHM_SCRAM ? "the server did not offer "
		    "SCRAM-SHA-256-PLUS over TLS" : "not supported by the "
		    "server's authentication request");
		return ERR_DENIED;
	}
	/* The backend proved a stronger method before: a downgrade. */
	evidence_get(w->svc->name, &ev);
	if (m < ev.method) {
		wlog_warn(w, "refusing %s after verified %s: possible "
		    "downgrade by a man in the middle (a reload accepts it "
		    "again)", auth_method_name(m), auth_method_name(ev.method));
		(void)worker_fail(w, "refusing %s: the backend of service %s "
		    "has proven %s before, so this looks like a downgrade by "
		    "a man in the middle", auth_method_name(m), w->svc->name,
		    auth_method_name(ev.method));
		return ERR_DENIED;
	}
	return 0;
}

int
pg_check_cleartext(struct worker *w)
{
	struct pg_policy	 p;

	if (pg_method_permitted(w, AUTHM_CLEARTEXT, &p) != 0)
		return ERR_DENIED;
	switch (((const struct pg_conf *)w->svc->conn_conf)->cleartext) {
	case CLEARTEXT_ALWAYS:
		return 0;
	case CLEARTEXT_TLS:
		/* An unverified certificate may be anyone's. */
		if (p.verified)
			return 0;
		(void)worker_fail(w, "the backend asked for the password in "
		    "clear %s; service %s sends it only over verified TLS "
		    "(cleartextPassword: tls): set sslmode: verify-full with "
		    "sslrootcert, or cleartextPassword: always",
		    p.tls ? "over TLS without sslrootcert" : "without TLS",
		    w->svc->name);
		return ERR_DENIED;
	default:
		(void)worker_fail(w, "the backend asked for the password in "
		    "clear, which service %s refuses to send: set sslmode: "
		    "verify-full with sslrootcert and config: "
		    "cleartextPassword: tls, or cleartextPassword: always",
		    w->svc->name);
		return ERR_DENIED;
	}
}

int
pg_check_authdone(struct worker *w, char *why, size_t len)
{
	struct pg_policy	 p;
	struct evidence		 ev;

	if (pg_policy(w, &p, why, len) != 0)
		return ERR_FORMAT;
	evidence_get(w->svc->name, &ev);
	if (w->method == AUTHM_NONE && (p.allowed & PGOPT_NONE) == 0)
		snprintf(why, len, "server did not complete authentication, "
		    "but require_auth is \"%s\"", p.require_auth);
	else if (w->method < ev.method)
		snprintf(why, len, "authenticated with %s after verified %s: "
		    "possible downgrade", auth_method_name(w->method),
		    auth_method_name(ev.method));
	else if ((w->method == AUTHM_SCRAM || w->method == AUTHM_SCRAM_PLUS) &&
	    !w->method_proven)
		snprintf(why, len, "authenticated without a verified SCRAM "
		    "server signature");
	else if (p.cbind == PGOPT_CB_REQUIRE &&
	    (w->method != AUTHM_SCRAM_PLUS || !w->method_proven))
		snprintf(why, len, "channel binding required, but the server "
		    "authenticated the client without channel binding");
	else
		return 0;
	return ERR_DENIED;
}

static const struct secret *
password_of(struct worker *w)
{
	const struct secret	*pw = creds_get(w->creds, "password");

	if (pw == NULL)
		worker_fail(w, "the backend asked for a password and service "
		    "%s has none", w->svc->name);
	return pw;
}

int
pg_answer_md5(struct worker *w, struct buf *b)
{
	const struct secret	*pw, *user;
	const unsigned char	*salt;
	struct pg_policy	 pol;
	char			 out[PG_MD5_LEN + 1];
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &salt, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (len != 4)
		return ERR_FORMAT;
	if (pg_method_permitted(w, AUTHM_MD5, &pol) != 0 ||
	    (pw = password_of(w)) == NULL)
		return 0;
	if ((user = creds_get(w->creds, "username")) == NULL ||
	    memchr(user->data, '\0', user->len) != NULL)
		return worker_fail(w, "service %s has no usable username",
		    w->svc->name);
	if ((r = pgauth_md5(pw, (const char *)user->data, salt, out)) != 0)
		return worker_fail(w, "MD5 computation failed");
	r = worker_reply(w, MSG_PG_MD5, out, PG_MD5_LEN);
	secret_wipe(out, sizeof(out));
	return r;
}

/*
 * How an exchange binds its channel (RFC 5802 section 6), from the
 * mechanism the worker chose and the service's settings, never from what
 * the worker claims about the leg.  -PLUS carries the hash of the backend's
 * certificate (RFC 5929 section 4.1), which only the worker can compute:
 * opaque bytes to us, of a hash's length.  A request that our worker would
 * never make kills it: -PLUS where no TLS is configured or binding is
 * disabled, binding data of another length, or with plain SCRAM.  Plain
 * SCRAM over TLS says "y" when binding is allowed, so that a server that
 * does offer -PLUS notices a mechanism list stripped on the way.
 */
static int
scram_binding(struct worker *w, enum auth_method m, const struct pg_policy *p,
    const unsigned char *cb, size_t cblen)
{
	if (m == AUTHM_SCRAM) {
		if (cblen != 0) {
			worker_kill(w, "SCRAM-SHA-256 with channel binding "
			    "data");
			return ERR_DENIED;
		}
		return scram_set_channel_binding(w->scram, p->tls &&
		    p->cbind != PGOPT_CB_DISABLE ? SCRAM_CBIND_UNOFFERED :
		    SCRAM_CBIND_NONE, NULL, 0);
	}
	if (!p->tls || p->cbind == PGOPT_CB_DISABLE) {
		worker_kill(w, "SCRAM-SHA-256-PLUS where %s",
		    p->tls ? "channel_binding is disable" : "no TLS is "
		    "configured (sslmode)");
		return ERR_DENIED;
	}
	return scram_set_channel_binding(w->scram, SCRAM_CBIND_END_POINT, cb,
	    cblen);
}

int
pg_answer_scram_start(struct worker *w, struct buf *b)
{
	const unsigned char	*mech, *cb;
	struct pg_policy	 pol;
	enum auth_method	 m;
	struct buf		*out;
	size_t			 len, cblen;
	int			 r;

	if ((r = buf_get_string_direct(b, &mech, &len)) != 0 ||
	    (r = buf_get_string_direct(b, &cb, &cblen)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (len == strlen(PG_SCRAM) && memcmp(mech, PG_SCRAM, len) == 0)
		m = AUTHM_SCRAM;
	else if (len == strlen(PG_SCRAM_PLUS) &&
	    memcmp(mech, PG_SCRAM_PLUS, len) == 0)
		m = AUTHM_SCRAM_PLUS;
	else
		return worker_fail(w, "SASL mechanism not supported");
	/* tls-server-end-point is a hash of 32, 48 or 64 bytes. */
	if (m == AUTHM_SCRAM_PLUS && cblen != 32 && cblen != 48 &&
	    cblen != 64) {
		worker_kill(w, "SCRAM-SHA-256-PLUS with %zu bytes of channel "
		    "binding data (tls-server-end-point has 32, 48 or 64)",
		    cblen);
		return 0;
	}
	if (pg_method_permitted(w, m, &pol) != 0 || password_of(w) == NULL)
		return 0;
	if ((w->scram = scram_new()) == NULL)
		return ERR_NOMEM;
	if ((r = scram_binding(w, m, &pol, cb, cblen)) != 0)
		return w->killed ? 0 : r;
	if ((out = buf_new(SCRAM_MSG_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = scram_client_first(w->scram, out)) == 0)
		r = worker_reply(w, MSG_SCRAM_START, buf_ptr(out),
		    buf_len(out));
	buf_free(out);
	return r;
}

/* SaltedPassword is ready (kdf.c): answer with the client-final-message. */
static void
scram_hi_done(void *arg, int error, const struct secret *salted)
{
	struct worker	*w = arg;
	struct buf	*out = NULL;
	int		 r;

	w->kdf = NULL;
	if (error != 0)
		r = worker_fail(w, "SCRAM key derivation failed (%s)",
		    err_str(error));
	else if ((out = buf_new(SCRAM_MSG_MAX)) == NULL)
		r = ERR_NOMEM;
	else if ((r = scram_client_final_finish(w->scram, salted, out)) != 0)
		r = worker_fail(w, "SCRAM computation failed (%s)",
		    err_str(r));
	else
		r = worker_reply(w, MSG_SCRAM_FINAL, buf_ptr(out),
		    buf_len(out));
	buf_free(out);
	if (r != 0)
		worker_kill(w, "answering %s: %s",
		    msg_type_name(MSG_SCRAM_FINAL), err_str(r));
}

int
pg_answer_scram_final(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	const struct secret	*pw;
	struct scram_hi		 hi;
	struct evidence		 ev;
	uint32_t		 least, it;
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (w->scram == NULL || w->kdf != NULL ||
	    (pw = password_of(w)) == NULL)
		return ERR_PROTO;
	/*
	 * No cheaper proof than the backend of this service has proven it
	 * takes, nor than RFC 7677's minimum: the floor.
	 */
	evidence_get(w->svc->name, &ev);
	least = ev.cost > SCRAM_MIN_ITERATIONS ? ev.cost :
	    SCRAM_MIN_ITERATIONS;
	scram_set_floor(w->scram, least);
	/*
	 * The server-first-message is the backend's, relayed by the worker:
	 * a bad one is the backend's fault, so the worker lives and is told.
	 */
	r = scram_client_final_begin(w->scram, pw, msg, len, &hi);
	if (r == ERR_DENIED && (it = scram_iterations(w->scram)) < least) {
		wlog_warn(w, "SCRAM with %u iterations, below the floor of %u "
		    "(%s): refused, nothing computed; a man in the middle or a "
		    "compromised worker may be after a proof to guess the "
		    "password from", it, least, ev.cost > SCRAM_MIN_ITERATIONS ?
		    "proven by this service's backend" : "RFC 7677");
		return worker_fail(w, "the backend asked for SCRAM with %u "
		    "iterations, fewer than the %u that service %s requires: "
		    "refused (a possible attack)", it, least, w->svc->name);
	}
	if (r != 0)
		return worker_fail(w, "the backend sent an unacceptable SCRAM "
		    "challenge (%s)", err_str(r));
	/* The answer goes out from scram_hi_done. */
	if ((w->kdf = kdf_start(&hi, scram_hi_done, w)) == NULL) {
		scram_hi_clear(&hi);
		return worker_fail(w, "SCRAM's key derivation cannot start");
	}
	return 0;
}

int
pg_answer_scram_verify(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	struct buf		*out;
	size_t			 len;
	int			 r, ok;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (w->scram == NULL)
		return ERR_PROTO;
	ok = scram_verify(w->scram, msg, len) == 0;
	if (!ok)
		wlog_warn(w, "the backend's SCRAM server signature is wrong");
	else {
		w->method_proven = 1;
		/*
		 * Evidence, for this configuration only: a worker of the one
		 * a reload replaced may have dialed another backend.
		 */
		if (w->conf == mon.conf && evidence_add(w->svc->name,
		    w->method, scram_iterations(w->scram)) != 0)
			wlog_warn(w, "out of memory: what the backend proved "
			    "is not kept");
	}
	if ((out = buf_new(16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(out, ok)) == 0)
		r = worker_send(w, MSG_SCRAM_VERIFY, out, -1);
	buf_free(out);
	return r == ERR_EOF ? 0 : r;
}

static const char *const pg_required[] = { "host|address", "username", NULL };
static const char *const pg_worker_secrets[] = { "password", NULL };
static const char *const pg_methods[] = {
	"none", "cleartext password", "md5", "SCRAM-SHA-256",
	"SCRAM-SHA-256-PLUS", NULL,
};

const struct mon_connector mon_pg = {
	.name = "pg",
	.flags = MC_BACKEND,
	.required = pg_required,
	.worker_secrets = pg_worker_secrets,
	.methods = pg_methods,
	.check = pg_check,
	.conf_free = pg_conf_free,
};
