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
#include "pgmsg.h"
#include "dbconfig.h"
#include "pgconfig.h"
#include "pgopt.h"
#include "secret.h"
#include "util.h"

#define PG_DEFAULT_PORT		"5432"
#define PG_SCRAM		"SCRAM-SHA-256"
#define PG_SCRAM_PLUS		"SCRAM-SHA-256-PLUS"
#define SCRAM_MSG_MAX		1024

/* The methods, weakest first: indexes of pg_methods[] (connector.h). */
enum pg_method {
	PGM_NONE = 0,		/* none yet (or trust: never asked) */
	PGM_CLEARTEXT,		/* the password itself, on the wire */
	PGM_MD5,		/* a salted hash */
	PGM_SCRAM,		/* SCRAM-SHA-256 */
	PGM_SCRAM_PLUS,		/* SCRAM-SHA-256-PLUS: bound to the TLS leg */
};
static const char *const pg_methods[] = {
	"none", "cleartext password", "md5", "SCRAM-SHA-256",
	"SCRAM-SHA-256-PLUS", NULL,
};

extern const struct mon_connector mon_pg;

/* A connection's SCRAM exchange (w->cstate), forgotten with its secrets. */
struct pg_state {
	struct scram	*scram;
	struct kdf_job	*kdf;		/* pending key derivation */
	struct secret	*ckey;		/* the exchange's in scramcache.c */
	struct secret	*salted;	/* SaltedPassword, until verified */
};

static const char *
method_name(int m)
{
	return mon_connector_method(&mon_pg, m);
}

static struct pg_state *
pg_state(struct worker *w)
{
	if (w->cstate == NULL)
		w->cstate = calloc(1, sizeof(struct pg_state));
	return w->cstate;
}

static void
pg_forget(struct worker *w)
{
	struct pg_state	*st = w->cstate;

	if (st == NULL)
		return;
	kdf_cancel(st->kdf);
	scram_free(st->scram);
	secret_free(st->ckey);
	secret_free(st->salted);
	free(st);
	w->cstate = NULL;
}


/*
 * The service's authentication policy, from its resolved credentials, and
 * its TLS leg as backend_tls sees it.
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
	const struct secret	*ra, *cb;
	const char		*why;

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
	backend_tls(w, &p->tls, &p->verified);
	return 0;
}


static int
pg_dial_target(const struct worker *w, struct target *t, char *err,
    size_t errlen)
{
	struct pg_policy	 pol;
	int			 r;

	memset(t, 0, sizeof(*t));
	/* A bad require_auth or channel_binding from a provider ends here. */
	if ((r = pg_policy(w, &pol, err, errlen)) != 0 ||
	    (r = backend_address(w, PG_DEFAULT_PORT, t->host, sizeof(t->host),
	    t->port, sizeof(t->port), err, errlen)) != 0)
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

static int
pg_dial_params(const struct worker *w, struct kvlist *params)
{
	const struct creds	*c = w->creds;
	const struct secret	*v;
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
	if ((v = creds_get(c, "sslkey")) != NULL && v->len > 0 &&
	    (r = kv_set_str(params, "sslkey", "1")) != 0)
		return r;
	/* The host that address names is the one TLS verifies. */
	if (creds_get(c, "address") != NULL &&
	    (backend_address(w, PG_DEFAULT_PORT, host, sizeof(host), port,
	    sizeof(port), why, sizeof(why)) != 0 ||
	    (r = kv_set_str(params, "host", host)) != 0))
		return ERR_INVAL;
	/*
	 * What the service's backend has proven: one that now lets the
	 * client in unasked (trust) may be a man in the middle, and only the
	 * worker sees that.  No credential is named "proven" here: the
	 * others are startup.* above.
	 */
	evidence_get(w->svc->name, &ev);
	if (ev.method != PGM_NONE && (r = kv_set_str(params, "proven",
	    method_name(ev.method))) != 0)
		return r;
	return 0;
}

static unsigned int
pgopt_of(enum pg_method m)
{
	switch (m) {
	case PGM_CLEARTEXT:	return PGOPT_PASSWORD;
	case PGM_MD5:		return PGOPT_MD5;
	case PGM_SCRAM:
	case PGM_SCRAM_PLUS:	return PGOPT_SCRAM;
	default:		return PGOPT_NONE;
	}
}

/* What the backend asked for, in libpq's words (fe-auth.c). */
static const char *
asked(enum pg_method m)
{
	switch (m) {
	case PGM_CLEARTEXT:	return "server requested a cleartext password";
	case PGM_MD5:		return "server requested a hashed password";
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
pg_method_permitted(struct worker *w, enum pg_method m,
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
	if (p->cbind == PGOPT_CB_REQUIRE && m != PGM_SCRAM_PLUS) {
		(void)worker_fail(w, "channel binding required, but %s",
		    m == PGM_SCRAM ? "the server did not offer "
		    "SCRAM-SHA-256-PLUS over TLS" : "not supported by the "
		    "server's authentication request");
		return ERR_DENIED;
	}
	/* The backend proved a stronger method before: a downgrade. */
	evidence_get(w->svc->name, &ev);
	if ((int)m < ev.method) {
		wlog_warn(w, "refusing %s after verified %s: possible "
		    "downgrade by a man in the middle (a reload accepts it "
		    "again)", method_name(m), method_name(ev.method));
		(void)worker_fail(w, "refusing %s: the backend of service %s "
		    "has proven %s before, so this looks like a downgrade by "
		    "a man in the middle", method_name(m), w->svc->name,
		    method_name(ev.method));
		return ERR_DENIED;
	}
	return 0;
}

static int
pg_check_cleartext(struct worker *w)
{
	struct pg_policy	 p;

	if (pg_method_permitted(w, PGM_CLEARTEXT, &p) != 0)
		return ERR_DENIED;
	return backend_release_cleartext(w, "in clear", p.tls, p.verified);
}

static int
pg_check_authdone(struct worker *w, char *why, size_t len)
{
	struct pg_policy	 p;
	struct evidence		 ev;

	if (pg_policy(w, &p, why, len) != 0)
		return ERR_FORMAT;
	evidence_get(w->svc->name, &ev);
	if (w->method == PGM_NONE && (p.allowed & PGOPT_NONE) == 0)
		snprintf(why, len, "server did not complete authentication, "
		    "but require_auth is \"%s\"", p.require_auth);
	else if (w->method < ev.method)
		snprintf(why, len, "authenticated with %s after verified %s: "
		    "possible downgrade", method_name(w->method),
		    method_name(ev.method));
	else if ((w->method == PGM_SCRAM || w->method == PGM_SCRAM_PLUS) &&
	    !w->method_proven)
		snprintf(why, len, "authenticated without a verified SCRAM "
		    "server signature");
	else if (p.cbind == PGOPT_CB_REQUIRE &&
	    (w->method != PGM_SCRAM_PLUS || !w->method_proven))
		snprintf(why, len, "channel binding required, but the server "
		    "authenticated the client without channel binding");
	else
		return 0;
	return ERR_DENIED;
}

static int
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
	if (pg_method_permitted(w, PGM_MD5, &pol) != 0 ||
	    (pw = backend_password(w)) == NULL)
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
scram_binding(struct worker *w, enum pg_method m, const struct pg_policy *p,
    const unsigned char *cb, size_t cblen)
{
	struct pg_state	*st = w->cstate;

	if (m == PGM_SCRAM) {
		if (cblen != 0) {
			worker_kill(w, "SCRAM-SHA-256 with channel binding "
			    "data");
			return ERR_DENIED;
		}
		return scram_set_channel_binding(st->scram, p->tls &&
		    p->cbind != PGOPT_CB_DISABLE ? SCRAM_CBIND_UNOFFERED :
		    SCRAM_CBIND_NONE, NULL, 0);
	}
	if (!p->tls || p->cbind == PGOPT_CB_DISABLE) {
		worker_kill(w, "SCRAM-SHA-256-PLUS where %s",
		    p->tls ? "channel_binding is disable" : "no TLS is "
		    "configured (sslmode)");
		return ERR_DENIED;
	}
	return scram_set_channel_binding(st->scram, SCRAM_CBIND_END_POINT, cb,
	    cblen);
}

static int
pg_answer_scram_start(struct worker *w, struct buf *b)
{
	const unsigned char	*mech, *cb;
	struct pg_policy	 pol;
	struct pg_state		*st;
	enum pg_method		 m;
	struct buf		*out;
	size_t			 len, cblen;
	int			 r;

	if ((r = buf_get_string_direct(b, &mech, &len)) != 0 ||
	    (r = buf_get_string_direct(b, &cb, &cblen)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (len == strlen(PG_SCRAM) && memcmp(mech, PG_SCRAM, len) == 0)
		m = PGM_SCRAM;
	else if (len == strlen(PG_SCRAM_PLUS) &&
	    memcmp(mech, PG_SCRAM_PLUS, len) == 0)
		m = PGM_SCRAM_PLUS;
	else
		return worker_fail(w, "SASL mechanism not supported");
	/* tls-server-end-point is a hash of 32, 48 or 64 bytes. */
	if (m == PGM_SCRAM_PLUS && cblen != 32 && cblen != 48 &&
	    cblen != 64) {
		worker_kill(w, "SCRAM-SHA-256-PLUS with %zu bytes of channel "
		    "binding data (tls-server-end-point has 32, 48 or 64)",
		    cblen);
		return 0;
	}
	if (pg_method_permitted(w, m, &pol) != 0 || backend_password(w) == NULL)
		return 0;
	if ((st = pg_state(w)) == NULL || (st->scram = scram_new()) == NULL)
		return ERR_NOMEM;
	if ((r = scram_binding(w, m, &pol, cb, cblen)) != 0)
		return w->killed ? 0 : r;
	if ((out = buf_new(SCRAM_MSG_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = scram_client_first(st->scram, out)) == 0)
		r = worker_reply(w, MSG_PG_SCRAM_START, buf_ptr(out),
		    buf_len(out));
	buf_free(out);
	return r;
}

/*
 * SaltedPassword is ready (kdf.c, or scramcache.c): answer with the
 * client-final-message, and keep a copy until the server's signature says
 * whether it may be kept for the next logins.
 */
static void
scram_hi_done(void *arg, int error, const struct secret *salted)
{
	struct worker	*w = arg;
	struct pg_state	*st = w->cstate;
	struct buf	*out = NULL;
	int		 r;

	st->kdf = NULL;
	if (error != 0)
		r = worker_fail(w, "SCRAM key derivation failed (%s)",
		    err_str(error));
	else if ((out = buf_new(SCRAM_MSG_MAX)) == NULL)
		r = ERR_NOMEM;
	else if ((r = scram_client_final_finish(st->scram, salted, out)) != 0)
		r = worker_fail(w, "SCRAM computation failed (%s)",
		    err_str(r));
	else {
		/* No copy is no error: the next login derives it again. */
		if (st->ckey != NULL)
			st->salted = secret_new(salted->data, salted->len);
		r = worker_reply(w, MSG_PG_SCRAM_FINAL, buf_ptr(out),
		    buf_len(out));
	}
	buf_free(out);
	if (r != 0)
		worker_kill(w, "answering %s: %s",
		    "PG_SCRAM_FINAL", err_str(r));
}

static int
pg_answer_scram_final(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	const struct secret	*pw;
	struct secret		*salted;
	struct pg_state		*st = w->cstate;
	struct scram_hi		 hi;
	struct evidence		 ev;
	uint32_t		 least, it;
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (st == NULL || st->scram == NULL || st->kdf != NULL ||
	    (pw = backend_password(w)) == NULL)
		return ERR_PROTO;
	/*
	 * No cheaper proof than the backend of this service has proven it
	 * takes, nor than RFC 7677's minimum: the floor.
	 */
	evidence_get(w->svc->name, &ev);
	least = ev.cost > SCRAM_MIN_ITERATIONS ? ev.cost :
	    SCRAM_MIN_ITERATIONS;
	scram_set_floor(st->scram, least);
	/*
	 * The server-first-message is the backend's, relayed by the worker:
	 * a bad one is the backend's fault, so the worker lives and is told.
	 */
	r = scram_client_final_begin(st->scram, pw, msg, len, &hi);
	if (r == ERR_DENIED && (it = scram_iterations(st->scram)) < least) {
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
	/*
	 * The floor has been checked: a SaltedPassword that this service's
	 * backend verified for this password, salt and count spares Hi().
	 */
	st->ckey = scramcache_key(&hi);
	if ((salted = scramcache_find(w->svc->name, st->ckey)) != NULL) {
		scram_hi_clear(&hi);
		wlog_debug(w, "SCRAM key from the cache (%u iterations "
		    "spared)", scram_iterations(st->scram));
		scram_hi_done(w, 0, salted);
		secret_free(salted);
		return 0;
	}
	/* The answer goes out from scram_hi_done. */
	if ((st->kdf = kdf_start(&hi, scram_hi_done, w)) == NULL) {
		scram_hi_clear(&hi);
		return worker_fail(w, "SCRAM's key derivation cannot start");
	}
	return 0;
}

static int
pg_answer_scram_verify(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	struct pg_state		*st = w->cstate;
	struct buf		*out;
	size_t			 len;
	int			 r, ok;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (st == NULL || st->scram == NULL)
		return ERR_PROTO;
	ok = scram_verify(st->scram, msg, len) == 0;
	if (!ok)
		wlog_warn(w, "the backend's SCRAM server signature is wrong");
	else {
		w->method_proven = 1;
		/*
		 * Evidence, for this configuration only: a worker of the one
		 * a reload replaced may have dialed another backend.
		 */
		if (w->conf == mon.conf && evidence_add(w->svc->name,
		    w->method, scram_iterations(st->scram)) != 0)
			wlog_warn(w, "out of memory: what the backend proved "
			    "is not kept");
		/* Verified with it: SaltedPassword may serve again. */
		if (w->conf == mon.conf && st->ckey != NULL &&
		    st->salted != NULL && scramcache_add(w->svc->name,
		    st->ckey, st->salted) != 0)
			wlog_warn(w, "out of memory: the SCRAM key is not "
			    "kept");
	}
	secret_free(st->salted);
	st->salted = NULL;
	if ((out = buf_new(16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(out, ok)) == 0)
		r = worker_send(w, MSG_PG_SCRAM_VERIFY, out, -1);
	buf_free(out);
	return r == ERR_EOF ? 0 : r;
}

/*
 * May the worker have this credential now?  Only the password is ever
 * given (pg_worker_secrets), for a cleartext password request.
 */
static int
pg_release(struct worker *w, const char *name)
{
	if (strcmp(name, "password") == 0)
		return pg_check_cleartext(w);
	worker_kill(w, "asked for credential %s", name);
	return ERR_DENIED;
}

/* SCRAM's key derivation threads (pgkdf.c). */
static void
pg_start(void)
{
	if (kdf_init() != 0)
		log_warn("SCRAM's key derivation threads will be tried again "
		    "at the first SCRAM login");
}

/* At exit: the threads, and the SCRAM keys kept (wiped). */
static void
pg_stop(void)
{
	kdf_close();
	scramcache_close();
}

static const struct mon_request pg_requests[] = {
	{ MSG_PG_MD5, "PG_MD5", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    pg_answer_md5 },
	{ MSG_PG_SCRAM_START, "PG_SCRAM_START", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    pg_answer_scram_start },
	{ MSG_PG_SCRAM_FINAL, "PG_SCRAM_FINAL", S(W_HANDSHAKE), 1, 0,
	    MSG_PG_SCRAM_START, pg_answer_scram_final },
	{ MSG_PG_SCRAM_VERIFY, "PG_SCRAM_VERIFY", S(W_HANDSHAKE), 1, 0,
	    MSG_PG_SCRAM_FINAL, pg_answer_scram_verify },
};

static const char *const pg_required[] = { "host|address", "username", NULL };
/* Not sslkey: the monitor signs with it (tlssign.c). */
static const char *const pg_worker_secrets[] = { "password", NULL };

/*
 * As a database's (dbconfig.c), and a plaintext leg's worker is the image
 * without OpenSSL: pg needs it for TLS only (MySQL's RSA exchange needs it
 * over plaintext too, and keeps airlock-worker).
 */
static void
pg_worker_kind(const struct service *svc, struct worker_kind *k)
{
	db_worker_kind(svc, k);
	if (!k->tls)
		k->image = WIMAGE_PLAIN;
}

const struct mon_connector mon_pg = {
	.name = "pg",
	.flags = MC_BACKEND | MC_CLIENT_TLS,
	.required = pg_required,
	.worker_secrets = pg_worker_secrets,
	.methods = pg_methods,
	.dial_target = pg_dial_target,
	.dial_params = pg_dial_params,
	.release = pg_release,
	.authdone = pg_check_authdone,
	.forget = pg_forget,
	.forget_service = scramcache_drop,
	.start = pg_start,
	.stop = pg_stop,
	.backpool = pg_backpool,
	.requests = pg_requests,
	.nrequests = nitems(pg_requests),
	.check = pg_check,
	.conf_free = db_conf_free,
	.worker_kind = pg_worker_kind,
};
