/*
 * Resolving a service's credentials for one connection: one provider
 * request per provider that the service uses, with all of that provider's
 * references (so that the Vault provider can read several fields of one
 * secret with one GET), all in flight at once, collected into guarded
 * memory.  The first error ends the resolution and cancels the rest.
 *
 * A service with credentialCacheTTL keeps the credentials of a successful
 * resolution, in guarded memory, for the next connections until the TTL
 * has passed: fewer look-ups, and a rotated secret seen that much later
 * (the trade-off of airlock.yml(5)).  Off by default.  The cache is
 * dropped at a reload, which is how an operator says that something has
 * changed, and a service's entry when its backend refused the credentials
 * (creds_refused).  A hit answers from the event loop, as a provider
 * does, never from inside creds_resolve.  What a service's credentials
 * bought (creds_forget: what connectors derived from them, the sessions
 * logged in with them) goes when they are refused, when their entry
 * expires and at a reload.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "provider.h"
#include "secret.h"

struct cred_req;

/* The credentials of a service that one provider answers. */
struct cred_group {
	struct cred_req		*req;
	const char		*provider;
	size_t			*index;		/* into creds, in ref order */
	size_t			 n;
	struct provider_req	*preq;
};

struct cred_req {
	const struct service	*svc;
	struct event		*ev_hit;	/* answered from the cache */
	creds_cb		*cb;
	void			*arg;
	struct creds		*creds;
	struct cred_group	*groups;
	size_t			 ngroups;
	size_t			 pending;
};

void
creds_free(struct creds *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->names[i]);
		secret_free(c->values[i]);
	}
	free(c->names);
	free(c->values);
	free(c);
}

const struct secret *
creds_get(const struct creds *c, const char *name)
{
	size_t	 i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->names[i], name) == 0)
			return c->values[i];
	return NULL;
}

/* A service's cached credentials, freed when the TTL has passed. */
struct cache_entry {
	const struct service	*svc;
	struct creds		*creds;
	uint64_t		 expires_us;	/* metrics_now_us() */
	struct event		*ev_expire;
	struct cache_entry	*next;
};
static struct cache_entry	*cache;

/* A copy in guarded memory, or NULL. */
static struct creds *
creds_copy(const struct creds *c)
{
	struct creds	*d;
	size_t		 i;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->names = calloc(c->n + 1, sizeof(char *))) == NULL ||
	    (d->values = calloc(c->n + 1, sizeof(struct secret *))) == NULL) {
		if (d != NULL)
			free(d->names);
		free(d);
		return NULL;
	}
	d->n = c->n;
	for (i = 0; i < c->n; i++)
		if ((d->names[i] = strdup(c->names[i])) == NULL ||
		    (d->values[i] = secret_new(c->values[i]->data,
		    c->values[i]->len)) == NULL) {
			creds_free(d);
			return NULL;
		}
	return d;
}

static void
cache_entry_free(struct cache_entry *e)
{
	struct cache_entry	**pp;

	for (pp = &cache; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	creds_free(e->creds);
	event_free(e->ev_expire);
	free(e);
}

/*
 * The credentials of a listener (clientTLS: config.h, struct client_tls),
 * resolved as a service of their own under the service's name.
 */
static int
is_listener_material(const struct service *cur, const struct service *svc)
{
	return cur->client_tls != NULL && &cur->client_tls->res == svc;
}

/*
 * The TTL has passed: the credentials, what was derived from them, and the
 * sessions logged in with them (backend reuse), for they may have been
 * rotated since.  A listener's certificate and key bought neither.
 */
static void
cache_expire(struct cache_entry *e)
{
	const struct service	*cur;

	cur = mon.conf != NULL ? config_service(mon.conf, e->svc->name) : NULL;
	if (cur == NULL || !is_listener_material(cur, e->svc))
		creds_forget(e->svc->name);
	cache_entry_free(e);
}

static void
cache_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cache_expire(arg);
}

static struct cache_entry *
cache_find(const struct service *svc)
{
	struct cache_entry	*e;

	for (e = cache; e != NULL; e = e->next)
		if (e->svc == svc)
			break;
	/* Its timer may not have run yet in a busy loop iteration. */
	if (e != NULL && metrics_now_us() >= e->expires_us) {
		cache_expire(e);
		e = NULL;
	}
	return e;
}

/* The service's cache entry, if it has one (its expiry may forget). */
static void
cache_drop(const struct service *svc)
{
	struct cache_entry	*e;

	if ((e = cache_find(svc)) != NULL) {
		log_debug("service %s: credential cache dropped", svc->name);
		cache_entry_free(e);
	}
}

void
creds_forget(const char *service)
{
	mon_connectors_forget(service);
	backpool_drop(service);
}

void
creds_refused(const struct service *svc)
{
	cache_drop(svc);
	creds_forget(svc->name);
}

void
creds_cache_clear(void)
{
	while (cache != NULL)
		cache_entry_free(cache);
}

/* A service of the running configuration, or its listener's material. */
static int
is_current(const struct service *svc)
{
	const struct service	*cur;

	if ((cur = config_service(mon.conf, svc->name)) == NULL)
		return 0;
	return cur == svc || is_listener_material(cur, svc);
}

/*
 * Keep a copy for the service's TTL; only for a service of the running
 * configuration (a worker of a replaced one may still be resolving).
 * Nothing kept is no error: the next connection asks the providers.
 */
static void
cache_store(const struct service *svc, const struct creds *c)
{
	struct cache_entry	*e;
	struct timeval		 tv;

	if (svc->cache_ttl_ms <= 0 || mon.conf == NULL ||
	    !is_current(svc))
		return;
	cache_drop(svc);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->svc = svc;
	e->expires_us = metrics_now_us() + (uint64_t)svc->cache_ttl_ms * 1000;
	tv.tv_sec = svc->cache_ttl_ms / 1000;
	tv.tv_usec = (svc->cache_ttl_ms % 1000) * 1000;
	if ((e->creds = creds_copy(c)) == NULL ||
	    (e->ev_expire = evtimer_new(mon.base, cache_expired, e)) == NULL ||
	    evtimer_add(e->ev_expire, &tv) != 0) {
		creds_free(e->creds);
		if (e->ev_expire != NULL)
			event_free(e->ev_expire);
		free(e);
		return;
	}
	e->next = cache;
	cache = e;
}

static void
cred_req_free(struct cred_req *q)
{
	size_t	 i;

	for (i = 0; i < q->ngroups; i++) {
		if (q->groups[i].preq != NULL)
			provider_cancel(q->groups[i].preq);
		free(q->groups[i].index);
	}
	if (q->ev_hit != NULL)
		event_free(q->ev_hit);
	creds_free(q->creds);
	free(q->groups);
	free(q);
}

void
creds_cancel(struct cred_req *q)
{
	if (q != NULL)
		cred_req_free(q);
}

static void
group_done(void *arg, int error, const char *err, struct secret **values,
    size_t n)
{
	struct cred_group	*g = arg;
	struct cred_req		*q = g->req;
	struct creds		*c;
	creds_cb		*cb = q->cb;
	void			*cbarg = q->arg;
	size_t			 i, k;

	g->preq = NULL;
	if (error != 0 || n != g->n) {
		/* The provider's message names the reference, not a value. */
		cred_req_free(q);
		cb(cbarg, err != NULL ? err : err_str(error), NULL);
		return;
	}
	/* The provider frees its values after we return: keep copies. */
	for (k = 0; k < n; k++) {
		i = g->index[k];
		if ((q->creds->values[i] = secret_new(values[k]->data,
		    values[k]->len)) == NULL) {
			cred_req_free(q);
			cb(cbarg, "out of memory", NULL);
			return;
		}
	}
	if (--q->pending > 0)
		return;
	c = q->creds;
	q->creds = NULL;
	cache_store(q->svc, c);
	cred_req_free(q);
	cb(cbarg, NULL, c);
}

static void
cache_hit(evutil_socket_t fd, short what, void *arg)
{
	struct cred_req		*q = arg;
	struct creds		*c = q->creds;
	creds_cb		*cb = q->cb;
	void			*cbarg = q->arg;

	(void)fd;
	(void)what;
	q->creds = NULL;
	cred_req_free(q);
	cb(cbarg, NULL, c);
}

/* A request answered from the service's cache entry, or NULL. */
static struct cred_req *
cache_answer(struct cred_req *q, const struct service *svc)
{
	static const struct timeval now = { 0, 0 };
	struct cache_entry	*e;
	size_t			 i;

	if (svc->cache_ttl_ms <= 0 || (e = cache_find(svc)) == NULL)
		return NULL;
	if ((q->creds = creds_copy(e->creds)) == NULL ||
	    (q->ev_hit = evtimer_new(mon.base, cache_hit, q)) == NULL ||
	    evtimer_add(q->ev_hit, &now) != 0) {
		/* The providers, then. */
		creds_free(q->creds);
		q->creds = NULL;
		return NULL;
	}
	for (i = 0; i < q->ngroups; i++)
		provider_count_cache_hit(q->groups[i].provider);
	log_debug("service %s: credentials from the cache", svc->name);
	return q;
}

/* Sort the credentials into one group per provider. */
static int
make_groups(struct cred_req *q, const struct service *svc)
{
	struct cred_group	*g;
	size_t			 i, j, n = svc->ncreds;

	if ((q->groups = calloc(n + 1, sizeof(*q->groups))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		for (j = 0; j < q->ngroups; j++)
			if (strcmp(q->groups[j].provider,
			    svc->creds[i].provider) == 0)
				break;
		g = &q->groups[j];
		if (j == q->ngroups) {
			q->ngroups++;
			g->req = q;
			g->provider = svc->creds[i].provider;
			if ((g->index = calloc(n, sizeof(*g->index))) == NULL)
				return ERR_NOMEM;
		}
		g->index[g->n++] = i;
	}
	return 0;
}

struct cred_req *
creds_resolve(const struct service *svc, creds_cb *cb, void *arg)
{
	struct cred_req		*q;
	struct cred_group	*g;
	const char		*refs[MSG_MAX_KV];
	size_t			 i, k, n = svc->ncreds;

	/* Nothing to fetch is an error of the configuration check. */
	if (n == 0 || n > MSG_MAX_KV)
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->svc = svc;
	q->cb = cb;
	q->arg = arg;
	if (make_groups(q, svc) != 0)
		goto fail;
	if (cache_answer(q, svc) != NULL)
		return q;
	if ((q->creds = calloc(1, sizeof(*q->creds))) == NULL ||
	    (q->creds->names = calloc(n + 1, sizeof(char *))) == NULL ||
	    (q->creds->values = calloc(n + 1, sizeof(struct secret *))) ==
	    NULL)
		goto fail;
	q->creds->n = n;
	for (i = 0; i < n; i++)
		if ((q->creds->names[i] = strdup(svc->creds[i].name)) == NULL)
			goto fail;
	q->pending = q->ngroups;
	for (i = 0; i < q->ngroups; i++) {
		g = &q->groups[i];
		for (k = 0; k < g->n; k++)
			refs[k] = svc->creds[g->index[k]].ref;
		g->preq = provider_get(mon.base, g->provider, refs, g->n,
		    mon.conf->provider_timeout_ms, group_done, g);
		if (g->preq == NULL)
			goto fail;
	}
	return q;
 fail:
	cred_req_free(q);
	return NULL;
}
