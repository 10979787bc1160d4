/*
 * The counters behind /metrics.  They are kept per service NAME, not per
 * index into the configuration: a reload may add, remove or reorder
 * services, and a counter must never jump back or move to another service
 * (Prometheus reads a decrease as a restart).  A service's counters stay
 * after it is removed; they are few, and only the configuration adds names.
 *
 * Each metrics_* call sits where its event happens (listen.c, workers.c,
 * dispatch.c).  A connection is counted as failed at most once, with the
 * first reason given: a handshake timeout that ends in a kill is a
 * timeout, not a kill.  Health workers are counted nowhere: a probe must
 * not change what it measures.
 *
 * The byte counts are a worker's claim (MSG_STATS), checked before they
 * are counted (metrics_bytes_check), and their sums saturate rather than
 * wrap: no worker can make a counter go back.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ctls.h"
#include "errors.h"
#include "figures.h"
#include "log.h"
#include "monitor.h"
#include "provider.h"

/* worker->failure: not yet known, or authenticated (never a failure). */
#define OUTCOME_OPEN		0
#define OUTCOME_RELAYED		(-1)

static struct byname	 counters = BYNAME_INIT(struct fig_service);
static uint64_t		 start_time;

uint64_t
metrics_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
metrics_init(void)
{
	start_time = (uint64_t)time(NULL);
}

void
metrics_free(void)
{
	byname_clear(&counters);
}

/*
 * The counters of a service, created on first use.  NULL only when out of
 * memory: the event then goes uncounted, which is no reason to fail it.
 */
static struct fig_service *
lookup(const char *name)
{
	return byname_get(&counters, name);
}

static struct fig_service *
of_worker(const struct worker *w)
{
	return w->health ? NULL : lookup(w->svc->name);
}

void
metrics_accepted(const struct service *svc)
{
	struct fig_service	*c;

	if ((c = lookup(svc->name)) != NULL)
		c->accepted++;
}

void
metrics_refused(const struct service *svc)
{
	struct fig_service	*c;

	if ((c = lookup(svc->name)) != NULL)
		c->failed[FIG_REFUSED]++;
}

void
metrics_spawned(struct worker *w)
{
	struct fig_service	*c;

	w->t_start = metrics_now_us();
	if ((c = of_worker(w)) != NULL)
		c->active++;
	/* Secrets come and go with connections: a full arena is seen. */
	smem_check();
}

void
metrics_failed(struct worker *w, int reason)
{
	struct fig_service	*c;

	if (w->failure != OUTCOME_OPEN || reason < 0 ||
	    reason >= FIG_NREASONS)
		return;
	w->failure = 1 + reason;
	if ((c = of_worker(w)) != NULL)
		c->failed[reason]++;
}

void
metrics_authenticated(struct worker *w)
{
	struct fig_service	*c;

	if (w->failure != OUTCOME_OPEN)
		return;
	w->failure = OUTCOME_RELAYED;
	if ((c = of_worker(w)) != NULL)
		fig_hist_observe(&c->handshake, metrics_now_us() - w->t_start);
}

void
metrics_provider(struct worker *w)
{
	struct fig_service	*c;

	if (w->t_creds != 0 && (c = of_worker(w)) != NULL)
		fig_hist_observe(&c->provider, metrics_now_us() - w->t_creds);
}

/*
 * The fastest a connection carries bytes, each way: 100 Gbit/s, in bytes a
 * microsecond; with slack for a connection microseconds old.  A claim
 * above that, over the worker's whole life, is a lie.
 */
#define STATS_MAX_BYTES_PER_US	12500ULL
#define STATS_SLACK_BYTES	(1024 * 1024ULL)

static void
sat_add(uint64_t *sum, uint64_t v)
{
	*sum = v > UINT64_MAX - *sum ? UINT64_MAX : *sum + v;
}

int
metrics_bytes_check(const struct worker *w, uint64_t c2b, uint64_t b2c,
    uint64_t now_us, char *why, size_t whylen)
{
	uint64_t	 life = now_us > w->t_start ? now_us - w->t_start : 0;
	uint64_t	 max = STATS_SLACK_BYTES;

	/* Counts are totals so far: a later report never has less. */
	if (c2b < w->bytes_c2b || b2c < w->bytes_b2c) {
		snprintf(why, whylen, "byte counts went back");
		return ERR_PROTO;
	}
	sat_add(&max, life > UINT64_MAX / STATS_MAX_BYTES_PER_US ?
	    UINT64_MAX : life * STATS_MAX_BYTES_PER_US);
	if (c2b > max || b2c > max) {
		snprintf(why, whylen, "%llu bytes in %llu us, more than 100 "
		    "Gbit/s", (unsigned long long)(c2b > b2c ? c2b : b2c),
		    (unsigned long long)life);
		return ERR_PROTO;
	}
	return 0;
}

void
metrics_bytes(struct worker *w, uint64_t c2b, uint64_t b2c)
{
	struct fig_service	*c;

	if ((c = of_worker(w)) != NULL) {
		sat_add(&c->bytes_c2b, c2b - w->bytes_c2b);
		sat_add(&c->bytes_b2c, b2c - w->bytes_b2c);
	}
	w->bytes_c2b = c2b;
	w->bytes_b2c = b2c;
}

void
metrics_http_request(const struct service *svc, int routed)
{
	struct fig_service	*c;

	if ((c = lookup(svc->name)) == NULL)
		return;
	if (routed)
		c->http_routed++;
	else
		c->http_refused++;
}

void
metrics_client_tls(struct worker *w, int outcome)
{
	struct fig_service	*c;

	if (outcome >= 0 && outcome < CTLS_OUTCOME_MAX &&
	    (c = of_worker(w)) != NULL)
		c->client_tls[outcome]++;
}

void
metrics_killed(struct worker *w)
{
	struct fig_service	*c;

	if ((c = of_worker(w)) == NULL)
		return;
	c->killed_monitor++;
	metrics_failed(w, FIG_KILLED);
}

void
metrics_reaped(struct worker *w, int status)
{
	struct fig_service	*c;

	smem_check();
	if ((c = of_worker(w)) == NULL)
		return;
	if (c->active > 0)
		c->active--;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		c->killed_sandbox++;
		metrics_failed(w, FIG_SANDBOX);
	} else if (WIFSIGNALED(status) && !w->killed)
		metrics_failed(w, FIG_CRASHED);
	else if (WIFEXITED(status) &&
	    WEXITSTATUS(status) == WORKER_EXIT_TIMEOUT)
		metrics_failed(w, FIG_TIMEOUT);
	/* A CancelRequest is never relayed and has not failed. */
	if (w->purpose != DIAL_CANCEL)
		metrics_failed(w, FIG_CLIENT);
}

static int
snapshot_one(struct figures *f, const char *name, const char *listen,
    int configured)
{
	struct fig_service	*s, *c;

	if ((s = fig_add_service(f, name, listen)) == NULL)
		return ERR_NOMEM;
	if ((c = lookup(name)) != NULL) {
		memcpy(s->failed, c->failed, sizeof(s->failed));
		s->active = c->active;
		s->accepted = c->accepted;
		s->bytes_c2b = c->bytes_c2b;
		s->bytes_b2c = c->bytes_b2c;
		s->killed_sandbox = c->killed_sandbox;
		s->killed_monitor = c->killed_monitor;
		s->http_routed = c->http_routed;
		s->http_refused = c->http_refused;
		memcpy(s->client_tls, c->client_tls, sizeof(s->client_tls));
		s->handshake = c->handshake;
		s->provider = c->provider;
	}
	s->backend_reused = backpool_reused(name);
	s->backend_fallbacks = backpool_fallbacks(name);
	s->backend_idle = backpool_idle(name);
	s->configured = configured;
	s->listening = configured && listeners_is_bound(name);
	return 0;
}

/* Does a configured service take credentials from this provider? */
static int
provider_in_use(const struct config *cf, const char *name)
{
	size_t	 i, k;

	for (i = 0; i < cf->nservices; i++)
		for (k = 0; k < cf->services[i].ncreds; k++)
			if (strcmp(cf->services[i].creds[k].provider,
			    name) == 0)
				return 1;
	return 0;
}

/*
 * The providers' look-ups (providers/provider.c counts them): those that
 * a service uses, from zero, and any other that has counted.
 */
static int
snapshot_providers(struct figures *f, const struct config *cf)
{
	struct fig_provider	*p;
	uint64_t		 c[FIG_NOUTCOMES];
	const char		*name;
	size_t			 i, k;
	int			 any;

	for (i = 0; (name = provider_counts_at(i, c)) != NULL; i++) {
		for (k = 0, any = 0; k < FIG_NOUTCOMES; k++)
			any |= c[k] != 0;
		if (!any && !provider_in_use(cf, name))
			continue;
		if ((p = fig_add_provider(f, name)) == NULL)
			return ERR_NOMEM;
		memcpy(p->outcome, c, sizeof(p->outcome));
	}
	return 0;
}

int
metrics_snapshot(struct figures *f)
{
	const struct config	*cf = mon.conf;
	const struct fig_service *c;
	size_t			 i;
	int			 r;

	f->start_time = start_time;
	if ((r = snapshot_providers(f, cf)) != 0)
		return r;
	for (i = 0; i < cf->nservices; i++)
		if ((r = snapshot_one(f, cf->services[i].name,
		    cf->services[i].listen, 1)) != 0)
			return r;
	/* Services removed by a reload: their counters, not their state. */
	for (i = 0; (c = byname_at(&counters, i)) != NULL; i++)
		if (config_service(cf, c->name) == NULL &&
		    (r = snapshot_one(f, c->name, "", 0)) != 0)
			return r;
	return 0;
}
