/*
 * A provider's access token with a single flight of logins (ptoken.h).
 *
 * Waiters are answered from a zero timer of the token's own, so that no
 * callback runs inside ptoken_get or inside the provider's call to
 * ptoken_set; a waiter cancelled before that timer runs is simply
 * unlinked.  Expiry is kept on the monotonic clock: a wall clock that
 * jumps must not make a token live longer.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "ptoken.h"
#include "secret.h"

#define PTOKEN_ERRLEN		256
#define PTOKEN_MARGIN_MIN	5
#define PTOKEN_MARGIN_MAX	300

struct ptoken_wait {
	TAILQ_ENTRY(ptoken_wait) entry;
	struct ptoken		*pt;
	ptoken_cb		*cb;
	void			*arg;
};
TAILQ_HEAD(ptoken_waits, ptoken_wait);

struct ptoken {
	char			 who[64];
	ptoken_login_fn		*login;
	ptoken_abort_fn		*abort;
	void			*arg;

	struct secret		*token;		/* NULL when none is held */
	long long		 refresh_at;	/* monotonic seconds */
	long long		 expires_at;

	int			 in_flight;	/* a login runs */
	struct ptoken_waits	 waiting;	/* for the login */

	/* The answer being delivered, and to whom. */
	struct ptoken_waits	 ready;
	struct event		*ev_deliver;
	struct event_base	*base;
	struct secret		*answer;	/* a token not kept */
	int			 error;
	char			 err[PTOKEN_ERRLEN];
};

static long long
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

struct ptoken *
ptoken_new(const char *who, ptoken_login_fn *login, ptoken_abort_fn *abort,
    void *arg)
{
	struct ptoken	*pt;

	if (login == NULL || (pt = calloc(1, sizeof(*pt))) == NULL)
		return NULL;
	snprintf(pt->who, sizeof(pt->who), "%s", who);
	pt->login = login;
	pt->abort = abort;
	pt->arg = arg;
	TAILQ_INIT(&pt->waiting);
	TAILQ_INIT(&pt->ready);
	return pt;
}

static void
drop_waits(struct ptoken_waits *q)
{
	struct ptoken_wait	*w;

	while ((w = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, w, entry);
		free(w);
	}
}

void
ptoken_free(struct ptoken *pt)
{
	if (pt == NULL)
		return;
	if (pt->in_flight && pt->abort != NULL)
		pt->abort(pt, pt->arg);
	drop_waits(&pt->waiting);
	drop_waits(&pt->ready);
	if (pt->ev_deliver != NULL)
		event_free(pt->ev_deliver);
	secret_free(pt->token);
	secret_free(pt->answer);
	secret_wipe(pt, sizeof(*pt));
	free(pt);
}

/* Is the token held good for longer than the margin? */
static int
token_fresh(const struct ptoken *pt)
{
	return pt->token != NULL && now_s() < pt->refresh_at;
}

static void
deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ptoken		*pt = arg;
	struct ptoken_wait	*w;
	const struct secret	*tok;

	(void)fd;
	(void)what;
	/*
	 * A callback may call ptoken_get or ptoken_invalidate: take each
	 * waiter off the list before its call, and read the answer anew.
	 */
	while ((w = TAILQ_FIRST(&pt->ready)) != NULL) {
		TAILQ_REMOVE(&pt->ready, w, entry);
		if (pt->error != 0)
			w->cb(w->arg, pt->error, pt->err, NULL);
		else {
			tok = pt->answer != NULL ? pt->answer : pt->token;
			if (tok == NULL)
				w->cb(w->arg, ERR_AGAIN, "the token was "
				    "refused meanwhile", NULL);
			else
				w->cb(w->arg, 0, NULL, tok);
		}
		free(w);
	}
	secret_free(pt->answer);
	pt->answer = NULL;
	pt->error = 0;
}

static int
schedule(struct ptoken *pt)
{
	static const struct timeval now = { 0, 0 };

	return evtimer_add(pt->ev_deliver, &now);
}

struct ptoken_wait *
ptoken_get(struct ptoken *pt, struct event_base *base, int timeout_ms,
    ptoken_cb *cb, void *arg)
{
	struct ptoken_wait	*w;

	if (pt == NULL || base == NULL || cb == NULL || timeout_ms <= 0 ||
	    (pt->base != NULL && pt->base != base))
		return NULL;
	if (pt->ev_deliver == NULL) {
		if ((pt->ev_deliver = evtimer_new(base, deliver_cb, pt)) ==
		    NULL)
			return NULL;
		pt->base = base;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->pt = pt;
	w->cb = cb;
	w->arg = arg;
	/* A fresh token, and no other answer pending: this one now. */
	if (token_fresh(pt) && TAILQ_EMPTY(&pt->ready)) {
		TAILQ_INSERT_TAIL(&pt->ready, w, entry);
		if (schedule(pt) != 0) {
			TAILQ_REMOVE(&pt->ready, w, entry);
			free(w);
			return NULL;
		}
		return w;
	}
	TAILQ_INSERT_TAIL(&pt->waiting, w, entry);
	if (!pt->in_flight) {
		pt->in_flight = 1;
		log_debug("%s: logging in", pt->who);
		pt->login(pt, base, timeout_ms, pt->token, pt->arg);
	}
	return w;
}

void
ptoken_cancel(struct ptoken_wait *w)
{
	struct ptoken		*pt;
	struct ptoken_wait	*x;

	if (w == NULL)
		return;
	pt = w->pt;
	TAILQ_FOREACH(x, &pt->ready, entry)
		if (x == w) {
			TAILQ_REMOVE(&pt->ready, w, entry);
			free(w);
			return;
		}
	/* A login in flight goes on: the token serves the next get. */
	TAILQ_REMOVE(&pt->waiting, w, entry);
	free(w);
}

/* The login ended: its waiters join the answer's. */
static void
login_ended(struct ptoken *pt)
{
	struct ptoken_wait	*w;

	if (!pt->in_flight)
		fatal("%s: a login answered twice", pt->who);
	pt->in_flight = 0;
	while ((w = TAILQ_FIRST(&pt->waiting)) != NULL) {
		TAILQ_REMOVE(&pt->waiting, w, entry);
		TAILQ_INSERT_TAIL(&pt->ready, w, entry);
	}
	if (!TAILQ_EMPTY(&pt->ready) && schedule(pt) != 0)
		fatal("%s: cannot schedule the token's answer", pt->who);
}

void
ptoken_set(struct ptoken *pt, struct secret *token, long long lifetime_s)
{
	long long	 margin, now = now_s();

	if (token == NULL)
		fatal("%s: a login answered without a token", pt->who);
	/* An earlier answer not yet delivered is replaced: same login. */
	secret_free(pt->answer);
	pt->answer = NULL;
	pt->error = 0;
	if (lifetime_s > 0) {
		margin = lifetime_s / 10;
		if (margin < PTOKEN_MARGIN_MIN)
			margin = PTOKEN_MARGIN_MIN;
		if (margin > PTOKEN_MARGIN_MAX)
			margin = PTOKEN_MARGIN_MAX;
		secret_free(pt->token);
		pt->token = token;
		pt->expires_at = now + lifetime_s;
		pt->refresh_at = pt->expires_at - margin;
	} else {
		/* Unknown lifetime: for these waiters only. */
		secret_free(pt->token);
		pt->token = NULL;
		pt->answer = token;
	}
	login_ended(pt);
}

void
ptoken_fail(struct ptoken *pt, int error, const char *fmt, ...)
{
	va_list	 ap;

	secret_free(pt->answer);
	pt->answer = NULL;
	pt->error = error < 0 ? error : ERR_INVAL;
	va_start(ap, fmt);
	vsnprintf(pt->err, sizeof(pt->err), fmt, ap);
	va_end(ap);
	/* A token that the login could not renew is not used again. */
	secret_free(pt->token);
	pt->token = NULL;
	login_ended(pt);
}

void
ptoken_invalidate(struct ptoken *pt, const struct secret *token)
{
	if (pt == NULL || token == NULL || pt->token == NULL)
		return;
	if (token == pt->token || (token->len == pt->token->len &&
	    secret_cmp(token->data, pt->token->data, token->len) == 0)) {
		secret_free(pt->token);
		pt->token = NULL;
	}
}
