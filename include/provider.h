/*
 * Credential providers.  They run in the monitor only.  Every provider has
 * the same asynchronous interface: a get of a list of references that calls
 * back once, from the event loop, with the values (in guarded memory) or an
 * error, within the timeout.  Synchronous providers (literal, env, file)
 * still call back from the loop, never from inside provider_get, so that the
 * caller's code path is the same for all.
 */
#ifndef AIRLOCK_PROVIDER_H
#define AIRLOCK_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;
struct secret;

/*
 * values[i] answers refs[i]; on error values is NULL and err is a message
 * that names the reference but never a value.  The callee owns values and
 * frees them (secret_free) after the callback returns: copy what you keep.
 */
typedef void	 provider_cb(void *arg, int error, const char *err,
		    struct secret **values, size_t n);

struct provider_req;

/* Is there a provider of this name?  (Used by the configuration check.) */
int		 provider_exists(const char *name);
/*
 * Make a provider ready, once per process: a provider that reads its own
 * settings (vault: VAULT_ADDR, VAULT_TOKEN, ...) reads and checks them now.
 * The configuration check calls it for every provider that a service
 * uses, so that a provider that cannot work fails `airlockd -t` and
 * start-up.  0, or an error with a message in err.
 */
int		 provider_setup(const char *name, char *err, size_t errlen);
/*
 * Called for each reference of a configuration as it is loaded, before any
 * get: the env provider moves the variable out of the environment now.
 * 0, or an error with a message in err (which names no value).
 */
int		 provider_prepare(const char *name, const char *ref, char *err,
		    size_t errlen);
/*
 * The monitor's loop and resolver, once they exist (after the
 * configuration check, before the first get): requests resolve names
 * with the monitor's evdns base, and a provider that works in the
 * background (Vault renews its token before it expires) starts now.
 */
void		 provider_attach(struct event_base *, struct evdns_base *);
/* Release what provider_setup and provider_prepare acquired (at exit). */
void		 provider_cleanup(void);
/*
 * Start a get.  Returns a request handle (for provider_cancel) or NULL when
 * the request could not even be started (among other reasons: timeout_ms
 * not above 0, more than 64 references); the callback is then not called.
 * The handle is invalid once its callback has run.
 */
struct provider_req *provider_get(struct event_base *, const char *provider,
		    const char *const *refs, size_t n, int timeout_ms,
		    provider_cb *, void *arg);
/* Forget a pending request: its callback will not be called. */
void		 provider_cancel(struct provider_req *);

/*
 * The counters behind /metrics (figures.h's outcomes): each request is
 * counted once as its caller hears the answer (a cancelled one is not);
 * a credentialCacheTTL hit is counted by the cache for each provider it
 * stood in for.  provider_counts_at gives the i-th provider's name and
 * counters, or NULL past the last.
 */
void		 provider_count_cache_hit(const char *provider);
const char	*provider_counts_at(size_t i, uint64_t *counts);

#endif
