/*
 * Reload: SIGHUP, SIGUSR1 (Secretless Broker's signal) or a change of the
 * file seen by the watch re-read the configuration.
 *
 * All or nothing: the new file is loaded and checked, and every new
 * listener bound, before anything changes; on any failure the running
 * configuration stays as it was.  Then new connections get the new
 * services, while each worker keeps the configuration it started with (it
 * holds a reference) until its connection ends: nothing in flight is cut.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "util.h"

/*
 * Settings used once at start: the workers' user and root, the worker
 * executable and the health listener's address.  A reload keeps the
 * running values and says so.  A row without a key is a field derived
 * from the row above it: kept with it, and not reported twice.
 */
static const struct {
	const char	*key;
	size_t		 off;
} fixed[] = {
	{ "user",	offsetof(struct config, user) },
	{ "chroot",	offsetof(struct config, chroot_dir) },
	{ "worker",	offsetof(struct config, worker_path) },
	{ "health",	offsetof(struct config, health) },
	{ NULL,		offsetof(struct config, health_host) },
	{ NULL,		offsetof(struct config, health_port) },
};

/*
 * The same for settings that are numbers: the memfd_secret arena is
 * mapped once (monitor/smem.c).
 */
static const struct {
	const char	*key;
	size_t		 off, size;
} fixed_values[] = {
	{ "secretMemory", offsetof(struct config, secret_memory),
	    sizeof(((struct config *)0)->secret_memory) },
	{ "secretMemorySize", offsetof(struct config, secret_memory_size),
	    sizeof(((struct config *)0)->secret_memory_size) },
};

static int	 cli_debug;	/* -d: debug logging whatever the file says */
static int	 cli_watch;	/* -watch: watch whatever the file says */

static char **
fixed_field(struct config *cf, size_t i)
{
	return (char **)(void *)((char *)cf + fixed[i].off);
}

static void
at_restart(const char *key)
{
	log_warn("reload: airlock.%s changed; it takes effect at the next "
	    "restart, the running value stays", key);
}

/* Give nc the running values of the settings that need a restart. */
static int
keep_fixed(struct config *nc, struct config *old)
{
	char	**nv, **ov, *copy, *nb, *ob;
	size_t	  i;

	for (i = 0; i < nitems(fixed); i++) {
		nv = fixed_field(nc, i);
		ov = fixed_field(old, i);
		if (cfg_str_equal(*nv, *ov))
			continue;
		/* Each its own: an unset running value is NULL, not the last copy. */
		copy = NULL;
		if (*ov != NULL && (copy = strdup(*ov)) == NULL)
			return ERR_NOMEM;
		if (fixed[i].key != NULL)
			at_restart(fixed[i].key);
		free(*nv);
		*nv = copy;
	}
	for (i = 0; i < nitems(fixed_values); i++) {
		nb = (char *)nc + fixed_values[i].off;
		ob = (char *)old + fixed_values[i].off;
		if (memcmp(nb, ob, fixed_values[i].size) == 0)
			continue;
		at_restart(fixed_values[i].key);
		memcpy(nb, ob, fixed_values[i].size);
	}
	return 0;
}

/* Would a connection of a get what one of b gets?  (Names are equal.) */
static int
service_equal(const struct service *a, const struct service *b)
{
	return strcmp(a->connector, b->connector) == 0 &&
	    strcmp(a->listen, b->listen) == 0 &&
	    service_creds_equal(a, b) &&
	    cfgnode_equal(a->settings, b->settings) &&
	    service_listen_equal(a, b);
}

/* Connections of the service name that are still running. */
static size_t
in_flight(const char *name)
{
	const struct worker	*w;
	size_t			 n = 0;

	TAILQ_FOREACH(w, &mon.workers, entry)
		if (strcmp(w->svc->name, name) == 0)
			n++;
	return n;
}

/* Say what the reload changes, service by service. */
static void
log_changes(const struct config *old, const struct config *nc, int *added,
    int *removed, int *changed)
{
	const struct service	*a, *b;
	size_t			 i;

	*added = *removed = *changed = 0;
	for (i = 0; i < nc->nservices; i++) {
		b = &nc->services[i];
		if ((a = config_service(old, b->name)) == NULL) {
			log_info("reload: service %s added", b->name);
			(*added)++;
		} else if (!service_equal(a, b)) {
			log_info("reload: service %s changed; new connections "
			    "use it, %zu in flight keep the previous one",
			    b->name, in_flight(b->name));
			(*changed)++;
		}
	}
	for (i = 0; i < old->nservices; i++) {
		a = &old->services[i];
		if (config_service(nc, a->name) != NULL)
			continue;
		log_info("reload: service %s removed; %zu connection(s) in "
		    "flight go on", a->name, in_flight(a->name));
		(*removed)++;
	}
}

static void
watch_fired(void *arg)
{
	(void)arg;
	reload_config("the file changed");
}

/* Watch the file when -watch or the file asks for it. */
static void
reload_watch(const struct config *cf)
{
	int	 want = cli_watch || cf->watch;

	if (want && !watch_active()) {
		if (watch_start(cf->path, watch_fired, NULL) != 0)
			log_warn("cannot watch %s: reload with SIGHUP",
			    cf->path);
	} else if (!want && watch_active()) {
		watch_stop();
		log_info("no longer watching %s", cf->path);
	}
}

void
reload_init(int debug, int watch)
{
	cli_debug = debug;
	cli_watch = watch;
	reload_watch(mon.conf);
}

int
reload_config(const char *why)
{
	struct config	*nc, *old = mon.conf;
	char		 err[1024];
	int		 r, added, removed, changed, old_max;

	if (mon.draining) {
		log_info("%s: draining, no reload", why);
		return ERR_DENIED;
	}
	log_info("%s: reloading %s", why, old->path);
	if ((nc = config_load(old->path, err, sizeof(err))) == NULL) {
		r = ERR_FORMAT;
		goto fail;
	}
	config_log_warnings(nc);
	if ((r = keep_fixed(nc, old)) != 0) {
		snprintf(err, sizeof(err), "%s: out of memory", old->path);
		goto fail;
	}
	if ((r = listeners_open(nc, err, sizeof(err))) != 0)
		goto fail;

	/* Committed: nothing below can fail. */
	log_changes(old, nc, &added, &removed, &changed);
	old_max = old->max_workers;
	/*
	 * A service's backend or credentials may have changed: nothing that
	 * the old ones bought serves (idle backends point at the old
	 * services: before config_unref).
	 */
	creds_forget(NULL);
	mon.conf = nc;
	config_unref(old);
	/*
	 * What the backends have proven starts afresh: the operator may have
	 * changed a password or a method on purpose, and says so by reloading.
	 */
	evidence_reset();
	/* So do cached credentials (credentialCacheTTL). */
	creds_cache_clear();
	log_set_level(cli_debug ? LOG_LVL_DEBUG : nc->log_level);
	log_set_output(nc->log_format, nc->log_target, nc->syslog_facility);
	/* maxWorkers may have risen above what had stopped us. */
	listeners_worker_gone();
	/* ... and above what the open-file and process limits carry. */
	limits_apply(nc, old_max);
	/* Idle workers started with the old arguments, or now of no use. */
	pool_reload();
	reload_watch(nc);
	log_info("reloaded %s: %zu service(s); %d added, %d removed, "
	    "%d changed", nc->path, nc->nservices, added, removed, changed);
	return 0;

 fail:
	config_unref(nc);
	log_error("reload failed: %s; keeping the running configuration",
	    err);
	return r;
}
