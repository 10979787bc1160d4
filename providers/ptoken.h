/*
 * A provider's access token: Conjur's, Vault's after a login, GCP's and
 * Azure's OAuth tokens, AWS's temporary credentials (several values that
 * the provider packs into one secret).  It is kept in guarded memory
 * until shortly before it expires, and fetched by one login at a time
 * however many requests wait for it (a single flight): the waiters are
 * answered together, from the event loop, never from inside ptoken_get.
 * A failed login is not remembered: the next get tries again.  Private
 * to providers/ (and the tests).
 */
#ifndef AIRLOCK_PTOKEN_H
#define AIRLOCK_PTOKEN_H

#include <stddef.h>

struct event_base;
struct secret;
struct ptoken;
struct ptoken_wait;

/*
 * Start a login for pt, within timeout_ms: the provider calls ptoken_set
 * or ptoken_fail exactly once, now or later from the loop, unless abort
 * is called first.  cur is the token held now (NULL when none): a
 * provider that can renew it (Vault's renew-self) may do that instead.
 */
typedef void	 ptoken_login_fn(struct ptoken *pt, struct event_base *,
		    int timeout_ms, const struct secret *cur, void *arg);
/* Stop a login in flight; it must not answer after this. */
typedef void	 ptoken_abort_fn(struct ptoken *pt, void *arg);
/*
 * The answer to one waiter: error 0 and the token (valid during the call
 * only: copy what is kept), or an error and a message without a secret.
 */
typedef void	 ptoken_cb(void *arg, int error, const char *err,
		    const struct secret *token);

/* who names the provider in messages ("provider conjur"). */
struct ptoken	*ptoken_new(const char *who, ptoken_login_fn *,
		    ptoken_abort_fn *, void *arg);
/* Abort a login in flight, drop the waiters unanswered, wipe the token. */
void		 ptoken_free(struct ptoken *);

/*
 * Get the token: the one held when it is good for more than the margin
 * (a tenth of its lifetime, between 5 s and 5 min), else after a login
 * (started now unless one is in flight).  NULL when nothing could start;
 * the callback is then not called.  Cancel with ptoken_cancel, which a
 * provider's abort (its request's deadline) does.
 */
struct ptoken_wait *ptoken_get(struct ptoken *, struct event_base *,
		    int timeout_ms, ptoken_cb *, void *arg);
void		 ptoken_cancel(struct ptoken_wait *);

/*
 * The login's answer: the token is taken over, good for lifetime_s
 * seconds from now (as the server said: expires_in, or an absolute
 * expiry the provider turned into seconds); 0 or less is "unknown": the
 * waiters get it, and it is not kept for the next get.
 */
void		 ptoken_set(struct ptoken *, struct secret *token,
		    long long lifetime_s);
void		 ptoken_fail(struct ptoken *, int error, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * The server refused this token (401 or 403 on a request that used it):
 * forget it if it is still the one held, so that the next get logs in
 * again.  A provider then fails its request, or retries it once.
 */
void		 ptoken_invalidate(struct ptoken *, const struct secret *token);

#endif
