/*
 * What a worker may ask, and when: the monitor's dispatch table, in the
 * manner of OpenSSH's monitor.c (MON_PERMIT / MON_ONCE).  Every request is
 * checked against the worker's state before its payload is even parsed;
 * a request that is not permitted now, or twice when once is the limit,
 * or that carries a descriptor, ends the worker and is answered with
 * nothing.  Handlers parse their payload exactly (buf_expect_end) and
 * re-validate every claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "figures.h"
#include "log.h"
#include "connector.h"
#include "monitor.h"
#include "msg.h"
#include "secret.h"
#include "util.h"

#define ANY_STATE	(S(W_ASSIGNED) | S(W_DIALING) | S(W_HANDSHAKE) | \
			 S(W_CANCEL) | S(W_RELAY) | S(W_DONE))
#define ONCE		0x1
#define HEALTH_ONLY	0x2	/* only a health worker may ask it */
#define ALSO_HEALTH	0x4	/* a health worker may ask it too */
#define BEFORE_AUTH	0x8	/* before any of AUTH_REQUESTS */

/*
 * The requests of the backend's authentication, which follows its TLS
 * handshake: a TLS client key signs before any of them (BEFORE_AUTH).
 */
#define AUTH_REQUESTS	((1U << MSG_CREDENTIAL) | (1U << MSG_PG_MD5) | \
			 (1U << MSG_SCRAM_START))

struct dispatch {
	uint32_t	 type;
	uint32_t	 states;	/* where the request is permitted */
	int		 flags;
	uint32_t	 after;		/* a request that must have come first */
	int		 (*handler)(struct worker *, struct buf *);
};

static int	 answer_dial(struct worker *, struct buf *);
static int	 answer_credential(struct worker *, struct buf *);
static int	 answer_authdone(struct worker *, struct buf *);
static int	 answer_log(struct worker *, struct buf *);
static int	 answer_stats(struct worker *, struct buf *);
static int	 answer_bye(struct worker *, struct buf *);

static const struct dispatch table[] = {
	{ MSG_DIAL,	    S(W_ASSIGNED), ONCE, 0, answer_dial },
	{ MSG_CREDENTIAL,   S(W_HANDSHAKE), 0, 0, answer_credential },
	{ MSG_PG_MD5,	    S(W_HANDSHAKE), ONCE, 0, pg_answer_md5 },
	{ MSG_SCRAM_START,  S(W_HANDSHAKE), ONCE, 0, pg_answer_scram_start },
	{ MSG_SCRAM_FINAL,  S(W_HANDSHAKE), ONCE, MSG_SCRAM_START,
	    pg_answer_scram_final },
	{ MSG_SCRAM_VERIFY, S(W_HANDSHAKE), ONCE, MSG_SCRAM_FINAL,
	    pg_answer_scram_verify },
	{ MSG_AUTHDONE,	    S(W_ASSIGNED) | S(W_HANDSHAKE) | S(W_CANCEL), ONCE,
	    0, answer_authdone },
	{ MSG_LOG,	    ANY_STATE, ALSO_HEALTH, 0, answer_log },
	{ MSG_STATS,	    S(W_RELAY) | S(W_DONE), ONCE, 0, answer_stats },
	{ MSG_BYE,	    ANY_STATE, ONCE | ALSO_HEALTH, 0, answer_bye },
	{ MSG_HEALTH,	    S(W_ASSIGNED), ONCE | HEALTH_ONLY, 0,
	    health_answer },
	{ MSG_TLS_SIGN,	    S(W_HANDSHAKE), ONCE | BEFORE_AUTH, 0,
	    tlssign_answer },
};

static const char *const state_names[] = {
	[W_ASSIGNED] = "assigned",
	[W_DIALING] = "dialing",
	[W_HANDSHAKE] = "handshake",
	[W_CANCEL] = "cancel",
	[W_RELAY] = "relay",
	[W_DONE] = "done",
};

void
dispatch_message(struct worker *w, uint32_t type, struct buf *b, int fd)
{
	const struct dispatch	*d = NULL;
	size_t			 i;
	int			 r;

	if (fd != -1) {
		/* No request of a worker carries a descriptor. */
		close(fd);
		worker_kill(w, "sent a descriptor with %s",
		    msg_type_name(type));
		return;
	}
	for (i = 0; i < nitems(table); i++)
		if (table[i].type == type)
			d = &table[i];
	if (d == NULL) {
		worker_kill(w, "unknown request type %u", type);
		return;
	}
	/* A health worker has no service: it may ask for figures only. */
	if (w->health ? (d->flags & (HEALTH_ONLY | ALSO_HEALTH)) == 0 :
	    (d->flags & HEALTH_ONLY) != 0) {
		worker_kill(w, "%s not permitted for a %s worker",
		    msg_type_name(type), w->health ? "health" : "session");
		return;
	}
	if ((d->states & S(w->state)) == 0) {
		worker_kill(w, "%s not permitted in state %s",
		    msg_type_name(type), state_names[w->state]);
		return;
	}
	if ((d->flags & ONCE) && (w->used & (1U << type))) {
		worker_kill(w, "%s requested twice", msg_type_name(type));
		return;
	}
	if (d->after != 0 && (w->used & (1U << d->after)) == 0) {
		worker_kill(w, "%s before %s", msg_type_name(type),
		    msg_type_name(d->after));
		return;
	}
	if ((d->flags & BEFORE_AUTH) && (w->used & AUTH_REQUESTS) != 0) {
		worker_kill(w, "%s after %s", msg_type_name(type),
		    msg_type_name(__builtin_ctz(w->used & AUTH_REQUESTS)));
		return;
	}
	w->used |= 1U << type;
	if ((r = d->handler(w, b)) != 0 && !w->killed)
		worker_kill(w, "bad %s request: %s", msg_type_name(type),
		    err_str(r));
}

static void	 dial_answered(void *, int, const char *);

/* Credentials resolved: dial the backend they name. */
static void
creds_done(void *arg, const char *err, struct creds *creds)
{
	struct worker	*w = arg;
	struct target	 t;
	char		 why[256];

	w->creq = NULL;
	metrics_provider(w);
	if (err != NULL) {
		metrics_failed(w, FIG_PROVIDER);
		worker_fail(w, "could not fetch the credentials of service "
		    "%s: %s", w->svc->name, err);
		w->state = W_DONE;
		return;
	}
	w->creds = creds;
	if (pg_dial_target(w, &t, why, sizeof(why)) != 0) {
		metrics_failed(w, FIG_DIAL);
		worker_fail(w, "%s", why);
		w->state = W_DONE;
		worker_forget_secrets(w);
		return;
	}
	w->dial = dial_start(t.unix_path[0] ? NULL : t.host,
	    t.unix_path[0] ? NULL : t.port, t.unix_path[0] ? t.unix_path : NULL,
	    mon.conf->dial_timeout_ms, dial_answered, w);
	if (w->dial == NULL) {
		metrics_failed(w, FIG_DIAL);
		worker_fail(w, "could not start connecting to the backend");
		w->state = W_DONE;
		worker_forget_secrets(w);
	}
}

static int
answer_dial(struct worker *w, struct buf *b)
{
	uint8_t	 purpose;
	int	 r;

	if ((r = buf_get_u8(b, &purpose)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (purpose != DIAL_SESSION && purpose != DIAL_CANCEL)
		return ERR_FORMAT;
	w->purpose = purpose;
	w->state = W_DIALING;
	/* Credentials are resolved for each connection, never cached. */
	w->t_creds = metrics_now_us();
	if ((w->creq = creds_resolve(w->svc, creds_done, w)) == NULL) {
		metrics_failed(w, FIG_PROVIDER);
		worker_fail(w, "could not fetch the credentials of service %s",
		    w->svc->name);
		w->state = W_DONE;
	}
	return 0;
}

static void
dial_answered(void *arg, int fd, const char *err)
{
	struct worker	*w = arg;
	struct kvlist	 params;
	struct buf	*b;

	w->dial = NULL;
	if (fd == -1) {
		metrics_failed(w, FIG_DIAL);
		worker_fail(w, "could not connect to the backend: %s", err);
		w->state = W_DONE;
		worker_forget_secrets(w);
		return;
	}
	if (w->purpose == DIAL_CANCEL) {
		/* A cancel needs the address only: no secret stays. */
		worker_forget_secrets(w);
		w->state = W_CANCEL;
		worker_send(w, MSG_DIALED, NULL, fd);
		close(fd);
		return;
	}
	kv_init(&params);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    pg_dial_params(w, &params) != 0 || kv_put(b, &params) != 0) {
		worker_fail(w, "the connection parameters do not fit "
		    "a message");
		w->state = W_DONE;
		worker_forget_secrets(w);
	} else {
		w->state = W_HANDSHAKE;
		worker_send(w, MSG_DIALED, b, fd);
	}
	kv_clear(&params);
	buf_free(b);
	close(fd);
}

static int
answer_credential(struct worker *w, struct buf *b)
{
	const struct secret	*s;
	struct buf		*out;
	char			*name = NULL;
	int			 bit, r;

	if ((r = buf_get_cstring(b, &name, 64)) != 0 ||
	    (r = buf_expect_end(b)) != 0) {
		free(name);
		return r;
	}
	/*
	 * Only the secrets that the protocol itself puts on the wire may
	 * leave the monitor, each once, and only those the service has.
	 */
	if ((bit = pg_worker_secret(name)) < 0 ||
	    (s = creds_get(w->creds, name)) == NULL) {
		worker_kill(w, "asked for credential \"%.64s\", which it may "
		    "not have", name);
		free(name);
		return 0;
	}
	if (w->creds_given & (1U << bit)) {
		worker_kill(w, "asked for credential %s twice", name);
		free(name);
		return 0;
	}
	w->creds_given |= 1U << bit;
	/* Refused or killed there, with the reason. */
	if (strcmp(name, "password") == 0 && pg_check_cleartext(w) != 0) {
		free(name);
		return 0;
	}
	free(name);
	if ((out = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(out, s->data, s->len)) == 0)
		r = worker_send(w, MSG_CREDENTIAL, out, -1);
	buf_free(out);		/* wipes the copy */
	return r == ERR_EOF ? 0 : r;
}

static int
answer_authdone(struct worker *w, struct buf *b)
{
	char	 why[256];
	uint8_t	 ok;
	int	 r;

	if ((r = buf_get_u8(b, &ok)) != 0 || (r = buf_expect_end(b)) != 0)
		return r;
	if (ok && w->state != W_HANDSHAKE)
		return ERR_PROTO;
	/*
	 * A login that the service's policy does not allow (trust where
	 * require_auth excludes none, say).  Our worker checks it first and
	 * never reports it; a compromised one holds the backend socket and
	 * may relay whatever it likes, which we cannot stop, but it gained
	 * no credential by it.  Say so, and count a failure, not a login.
	 */
	if (ok && pg_check_authdone(w, why, sizeof(why)) != 0) {
		wlog_warn(w, "%s", why);
		ok = 0;
	}
	/* The handshake is over either way: nothing secret is needed now. */
	worker_forget_secrets(w);
	if (ok)
		worker_startup_over(w);
	w->state = ok ? W_RELAY : W_DONE;
	if (ok)
		metrics_authenticated(w);
	else
		metrics_failed(w, FIG_AUTH);
	if (ok && w->method != AUTHM_NONE)
		wlog_info(w, "authenticated (%s)", auth_method_name(w->method));
	else if (ok)
		wlog_info(w, "authenticated");
	else
		wlog_info(w, "authentication failed");
	return 0;
}

static int
answer_log(struct worker *w, struct buf *b)
{
	const unsigned char	*text;
	size_t			 len;
	uint8_t			 level;
	int			 r;

	if ((r = buf_get_u8(b, &level)) != 0 ||
	    (r = buf_get_string_direct(b, &text, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	/* A worker may not log louder than a warning. */
	if (level < LOG_LVL_WARN)
		level = LOG_LVL_WARN;
	/* Its service and id are ours, whatever its text claims. */
	worker_text(w, &w->log_budget, &budget_log, level, "", text, len);
	return 0;
}

static int
answer_stats(struct worker *w, struct buf *b)
{
	uint64_t	 c2b, b2c;
	char		 why[128];
	int		 r;

	if ((r = buf_get_u64(b, &c2b)) != 0 ||
	    (r = buf_get_u64(b, &b2c)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	/* A claim; one that cannot be true is not counted. */
	if (metrics_bytes_check(w, c2b, b2c, metrics_now_us(), why,
	    sizeof(why)) != 0) {
		worker_kill(w, "implausible STATS: %s", why);
		return 0;
	}
	metrics_bytes(w, c2b, b2c);
	return 0;
}

static int
answer_bye(struct worker *w, struct buf *b)
{
	int	 r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	worker_forget_secrets(w);
	if (w->state != W_RELAY)
		w->state = W_DONE;
	return 0;
}

const char *
auth_method_name(enum auth_method m)
{
	switch (m) {
	case AUTHM_CLEARTEXT:	return "cleartext password";
	case AUTHM_MD5:		return "md5";
	case AUTHM_SCRAM:	return "SCRAM-SHA-256";
	case AUTHM_SCRAM_PLUS:	return "SCRAM-SHA-256-PLUS";
	default:		return "none";
	}
}

/*
 * One authentication method per connection: the first that the worker
 * uses fixes it.  A backend never asks for two, so a second one is a
 * compromised worker shopping for the cheapest proof (an MD5 answer for a
 * chosen salt after a SCRAM exchange, the cleartext password after
 * either): it is killed.
 */
int
worker_method(struct worker *w, enum auth_method m)
{
	if (w->method != AUTHM_NONE && w->method != m) {
		worker_kill(w, "asked for %s after %s in one connection",
		    auth_method_name(m), auth_method_name(w->method));
		return ERR_DENIED;
	}
	w->method = m;
	return 0;
}
