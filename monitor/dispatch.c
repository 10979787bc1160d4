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
			 S(W_CANCEL) | S(W_RELAY) | S(W_SESSION) | S(W_DONE))

static int	 answer_dial(struct worker *, struct buf *);
static int	 answer_credential(struct worker *, struct buf *);
static int	 answer_authdone(struct worker *, struct buf *);
static int	 answer_log(struct worker *, struct buf *);
static int	 answer_stats(struct worker *, struct buf *);
static int	 answer_bye(struct worker *, struct buf *);

/* What every worker may send. */
static const struct mon_request common_rows[] = {
	{ MSG_LOG, "LOG", ANY_STATE, 0, 0, 0, answer_log },
	{ MSG_BYE, "BYE", ANY_STATE, 1, 0, 0, answer_bye },
};

/*
 * What a worker of a connector that dials a backend (MC_BACKEND) may send
 * besides.  A credential is given once by name (answer_credential); a TLS
 * client key signs in the TLS handshake, before the authentication that
 * follows it.  A second DIAL is the fallback of a worker whose reused
 * backend failed its check (answer_dial); a backend comes back once, in
 * RELAY (answer_return).
 */
static const struct mon_request backend_rows[] = {
	{ MSG_DIAL, "DIAL", S(W_ASSIGNED) | S(W_HANDSHAKE), 2, 0, 0,
	    answer_dial },
	{ MSG_BACKEND_RETURN, "BACKEND_RETURN", S(W_RELAY), 1, REQ_FD, 0,
	    backpool_answer_return },
	{ MSG_CREDENTIAL, "CREDENTIAL", S(W_HANDSHAKE), 0, REQ_AUTH, 0,
	    answer_credential },
	{ MSG_TLS_SIGN, "TLS_SIGN", S(W_HANDSHAKE), 1, REQ_BEFORE_AUTH, 0,
	    tlssign_answer },
	{ MSG_AUTHDONE, "AUTHDONE", S(W_ASSIGNED) | S(W_HANDSHAKE) |
	    S(W_CANCEL), 1, 0, 0, answer_authdone },
	{ MSG_STATS, "STATS", S(W_RELAY) | S(W_SESSION) | S(W_DONE), 1, 0, 0,
	    answer_stats },
};

/*
 * What a worker of a connector that serves requests in a session without
 * dialing through the common requests (MC_SESSION, not MC_BACKEND: the
 * HTTP family) may send besides: its byte counts, also when its client
 * left before a first request (W_ASSIGNED).
 */
static const struct mon_request session_rows[] = {
	{ MSG_STATS, "STATS", S(W_ASSIGNED) | S(W_SESSION) | S(W_DONE), 1,
	    0, 0, answer_stats },
};

/*
 * What a worker of a connector that serves TLS to its clients
 * (MC_CLIENT_TLS) may send besides, for a service with clientTLS
 * (clienttls.c): before its backend's authentication, or before its first
 * request of an HTTP session; MySQL's comes after its DIAL.
 */
#define CTLS_STATES	(S(W_ASSIGNED) | S(W_HANDSHAKE))
static const struct mon_request ctls_rows[] = {
	{ MSG_CLIENT_TLS, "CLIENT_TLS", CTLS_STATES, 1, REQ_BEFORE_AUTH, 0,
	    ctls_answer_material },
	{ MSG_CLIENT_TLS_SIGN, "CLIENT_TLS_SIGN", CTLS_STATES, 1,
	    REQ_BEFORE_AUTH, MSG_CLIENT_TLS, ctls_answer_sign },
	{ MSG_CLIENT_TLS_DONE, "CLIENT_TLS_DONE", CTLS_STATES, 1,
	    REQ_BEFORE_AUTH, 0, ctls_answer_done },
};

#define NCOMMON		nitems(common_rows)
#define NCTLS		nitems(ctls_rows)
#define NBACKEND	nitems(backend_rows)
#define NSESSION	nitems(session_rows)
#define SESSION_ONLY(mc) (((mc)->flags & (MC_SESSION | MC_BACKEND)) == \
			 MC_SESSION)

static const char *const state_names[] = {
	[W_ASSIGNED] = "assigned",
	[W_DIALING] = "dialing",
	[W_HANDSHAKE] = "handshake",
	[W_CANCEL] = "cancel",
	[W_RELAY] = "relay",
	[W_SESSION] = "session",
	[W_DONE] = "done",
};

size_t
dispatch_rows(const struct mon_connector *mc)
{
	return NCOMMON + NBACKEND + NSESSION + NCTLS + mc->nrequests;
}

/*
 * The worker's row for a request type, and its index in w->counts (the
 * common rows, the backend rows, the session rows, then the connector's
 * own); NULL when the worker's connector has none.
 */
static const struct mon_request *
find_row(const struct mon_connector *mc, uint32_t type, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < NCOMMON; i++)
		if (common_rows[i].type == type) {
			*idx = i;
			return &common_rows[i];
		}
	for (i = 0; (mc->flags & MC_BACKEND) && i < NBACKEND; i++)
		if (backend_rows[i].type == type) {
			*idx = NCOMMON + i;
			return &backend_rows[i];
		}
	for (i = 0; SESSION_ONLY(mc) && i < NSESSION; i++)
		if (session_rows[i].type == type) {
			*idx = NCOMMON + NBACKEND + i;
			return &session_rows[i];
		}
	for (i = 0; (mc->flags & MC_CLIENT_TLS) && i < NCTLS; i++)
		if (ctls_rows[i].type == type) {
			*idx = NCOMMON + NBACKEND + NSESSION + i;
			return &ctls_rows[i];
		}
	for (i = 0; type >= MSG_CONNECTOR_BASE && i < mc->nrequests; i++)
		if (mc->requests[i].type == type) {
			*idx = NCOMMON + NBACKEND + NSESSION + NCTLS + i;
			return &mc->requests[i];
		}
	return NULL;
}

const char *
dispatch_type_name(const struct mon_connector *mc, uint32_t type)
{
	const struct mon_request	*d;
	size_t				 i;

	if ((d = find_row(mc, type, &i)) != NULL)
		return d->name;
	return msg_type_name(type);
}

static void	 dispatch_checked(struct worker *, const struct mon_request *,
		    size_t, uint32_t, struct buf *);

void
dispatch_message(struct worker *w, uint32_t type, struct buf *b, int fd)
{
	const struct mon_request	*d;
	size_t				 i = 0;

	d = find_row(w->conn, type, &i);
	if (fd != -1 && (d == NULL || (d->flags & REQ_FD) == 0)) {
		/* No other request of a worker carries a descriptor. */
		close(fd);
		worker_kill(w, "sent a descriptor with %s",
		    dispatch_type_name(w->conn, type));
		return;
	}
	/* The handler may take it (setting -1); else it is closed here. */
	w->rfd = fd;
	dispatch_checked(w, d, i, type, b);
	if (w->rfd != -1)
		close(w->rfd);
	w->rfd = -1;
}

/* The rest of dispatch_message, with the descriptor kept in w->rfd. */
static void
dispatch_checked(struct worker *w, const struct mon_request *d, size_t i,
    uint32_t type, struct buf *b)
{
	const struct mon_request	*after;
	size_t				 ai;
	int				 r;

	if (d == NULL) {
		worker_kill(w, "request type %u is not one of the %s "
		    "connector's", type, w->conn->name);
		return;
	}
	if ((d->states & S(w->state)) == 0) {
		worker_kill(w, "%s not permitted in state %s", d->name,
		    state_names[w->state]);
		return;
	}
	if (ctls_gate(w, type) != 0) {
		worker_kill(w, "%s before its client was accepted over TLS "
		    "(clientTLS)", d->name);
		return;
	}
	if ((d->flags & REQ_FD) && w->rfd == -1) {
		worker_kill(w, "%s without its descriptor", d->name);
		return;
	}
	/*
	 * A reused backend was authenticated for another connection: this
	 * one has no proof, key or credential to ask for.
	 */
	if (w->reused && (d->flags & (REQ_AUTH | REQ_BEFORE_AUTH))) {
		worker_kill(w, "%s after it was given a reused backend",
		    d->name);
		return;
	}
	if (d->limit != 0 && w->counts[i] >= d->limit) {
		if (d->limit == 1)
			worker_kill(w, "%s requested twice", d->name);
		else
			worker_kill(w, "%s requested more than %u times",
			    d->name, d->limit);
		return;
	}
	if (d->after != 0 && ((after = find_row(w->conn, d->after, &ai)) ==
	    NULL || w->counts[ai] == 0)) {
		worker_kill(w, "%s before %s", d->name,
		    dispatch_type_name(w->conn, d->after));
		return;
	}
	if ((d->flags & REQ_BEFORE_AUTH) && w->auth_first != NULL) {
		worker_kill(w, "%s after %s", d->name, w->auth_first);
		return;
	}
	if ((d->flags & REQ_AUTH) && w->auth_first == NULL)
		w->auth_first = d->name;
	if (w->counts[i] < UINT32_MAX)
		w->counts[i]++;
	if ((r = d->handler(w, b)) != 0 && !w->killed)
		worker_kill(w, "bad %s request: %s", d->name, err_str(r));
}

static void	 dial_answered(void *, int, int, const char *);

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
	if (w->conn->dial_target(w, &t, why, sizeof(why)) != 0) {
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

	if ((r = buf_get_u8(b, &purpose)) != 0)
		return r;
	if (ctls_gate_dial(w, purpose) != 0) {
		worker_kill(w, "DIAL before its client was accepted over TLS "
		    "(clientTLS)");
		return 0;
	}
	if (w->state == W_HANDSHAKE) {
		/* Only the fallback from a reused backend, once. */
		if (!w->reused || purpose != DIAL_SESSION) {
			worker_kill(w, "DIAL requested twice");
			return 0;
		}
		w->reused = 0;
		w->redialed = 1;
		w->backend_known = 0;
		backpool_fallback(w->svc->name);
		wlog_debug(w, "the reused backend failed the worker's check; "
		    "dialing a new one");
	}
	if ((r = backpool_dial_key(w, b, purpose)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return w->killed ? 0 : r;
	if (purpose != DIAL_SESSION && purpose != DIAL_CANCEL)
		return ERR_FORMAT;
	w->purpose = purpose;
	if (backpool_dial_reuse(w))
		return 0;
	w->state = W_DIALING;
	/*
	 * Credentials are resolved for each connection, unless the service
	 * sets credentialCacheTTL (creds.c).
	 */
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
dial_answered(void *arg, int fd, int error, const char *err)
{
	struct worker	*w = arg;
	struct kvlist	 params;
	struct buf	*b;

	(void)error;
	w->dial = NULL;
	if (fd == -1) {
		metrics_failed(w, FIG_DIAL);
		worker_fail(w, "could not connect to the backend: %s", err);
		w->state = W_DONE;
		worker_forget_secrets(w);
		return;
	}
	if (w->purpose == DIAL_SESSION && !backpool_identify(w, fd)) {
		metrics_failed(w, FIG_DIAL);
		worker_fail(w, "could not use the backend socket");
		w->state = W_DONE;
		worker_forget_secrets(w);
		close(fd);
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
	    w->conn->dial_params(w, &params) != 0 || kv_put(b, &params) != 0) {
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
	if ((bit = mon_connector_secret(w->conn, name)) < 0 ||
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
	if (w->conn->release != NULL && w->conn->release(w, name) != 0) {
		free(name);
		return 0;
	}
	free(name);
	/* Its buffer is wiped as it is freed. */
	return worker_reply(w, MSG_CREDENTIAL, s->data, s->len);
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
	if (ok && !w->reused && w->conn->authdone != NULL &&
	    w->conn->authdone(w, why, sizeof(why)) != 0) {
		wlog_warn(w, "%s", why);
		ok = 0;
	}
	/* The handshake is over either way: nothing secret is needed now. */
	worker_forget_secrets(w);
	if (ok)
		worker_startup_over(w);
	if (!ok)
		w->state = W_DONE;
	else
		w->state = (w->conn->flags & MC_SESSION) ? W_SESSION : W_RELAY;
	if (ok)
		metrics_authenticated(w);
	else {
		metrics_failed(w, FIG_AUTH);
		/*
		 * Credentials that failed are not tried again, nor is what
		 * they bought; a reused session presented none.
		 */
		if (!w->reused)
			creds_refused(w->svc);
	}
	if (ok && w->reused)
		wlog_info(w, "authenticated (reused backend)");
	else if (ok && w->method != 0)
		wlog_info(w, "authenticated (%s)",
		    mon_connector_method(w->conn, w->method));
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
	int			 level, r;

	if ((r = dispatch_log_parse(b, &level, &text, &len)) != 0)
		return r;
	/* Its service and id are ours, whatever its text claims. */
	worker_text(w, &w->log_budget, &budget_log, level, "", text, len);
	return 0;
}

int
dispatch_log_parse(struct buf *b, int *level, const unsigned char **text,
    size_t *len)
{
	uint8_t	 lvl;
	int	 r;

	if ((r = buf_get_u8(b, &lvl)) != 0 ||
	    (r = buf_get_string_direct(b, text, len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (lvl > LOG_LVL_DEBUG)
		lvl = LOG_LVL_DEBUG;
	/* A worker may not log louder than a warning. */
	if (lvl < LOG_LVL_WARN)
		lvl = LOG_LVL_WARN;
	*level = lvl;
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
	if (w->state != W_RELAY && w->state != W_SESSION)
		w->state = W_DONE;
	return 0;
}

/*
 * One authentication method per connection: the first that the worker
 * uses fixes it.  A backend never asks for two, so a second one is a
 * compromised worker shopping for the cheapest proof (a weak hash of a
 * salt of its choosing after a strong exchange, the cleartext password
 * after either): it is killed.
 */
int
worker_method(struct worker *w, int m)
{
	if (w->method != 0 && w->method != m) {
		worker_kill(w, "asked for %s after %s in one connection",
		    mon_connector_method(w->conn, m),
		    mon_connector_method(w->conn, w->method));
		return ERR_DENIED;
	}
	w->method = m;
	return 0;
}
