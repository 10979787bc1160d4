/*
 * Idle authenticated backends, kept for the next client of the same
 * service and startup parameters (poolMode session; monitor.h says the
 * rules).  The monitor never reads an idle backend: a readable one has
 * closed or spoken out of turn (a server that shuts down says so with an
 * ErrorResponse), and either way it is closed.  The key and the session
 * blob are opaque bytes of the worker's making: compared and handed on,
 * never parsed here; the worker that takes a backend checks the session
 * itself before its client speaks.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"

struct idle_backend {
	TAILQ_ENTRY(idle_backend) entry;
	const struct service *svc;	/* of mon.conf: dropped at reload */
	unsigned char	*key;
	size_t		 keylen;
	unsigned char	*blob;
	size_t		 bloblen;
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	uint64_t	 created_us;
	struct event	*ev_read;	/* closed or spoke: drop it */
	struct event	*ev_timer;	/* lifetime or idle timeout */
};

TAILQ_HEAD(idle_list, idle_backend);

/* Reuses counted by service name: services come and go with reloads. */
struct reuse_count {
	char		*name;
	uint64_t	 n;
};

static struct idle_list	 idle = TAILQ_HEAD_INITIALIZER(idle);
static size_t		 nidle;
static struct byname	 reuses = BYNAME_INIT(struct reuse_count);

const struct backpool_conf *
backpool_conf_of(const struct service *svc)
{
	const struct mon_connector	*mc;

	if ((mc = mon_connector_find(svc->connector)) == NULL ||
	    mc->backpool == NULL)
		return NULL;
	return mc->backpool(svc);
}

static void
idle_free(struct idle_backend *b)
{
	TAILQ_REMOVE(&idle, b, entry);
	nidle--;
	if (b->ev_read != NULL)
		event_free(b->ev_read);
	if (b->ev_timer != NULL)
		event_free(b->ev_timer);
	if (b->fd != -1)
		close(b->fd);
	free(b->key);
	free(b->blob);
	free(b);
}

static void
idle_readable(evutil_socket_t fd, short what, void *arg)
{
	struct idle_backend	*b = arg;

	(void)fd;
	(void)what;
	log_debug("service %s: an idle backend closed or spoke; closing it",
	    b->svc->name);
	idle_free(b);
}

static void
idle_expired(evutil_socket_t fd, short what, void *arg)
{
	struct idle_backend	*b = arg;

	(void)fd;
	(void)what;
	log_debug("service %s: an idle backend reached serverLifetime or "
	    "serverIdleTimeout; closing it", b->svc->name);
	idle_free(b);
}

static size_t
idle_count(const struct service *svc)
{
	struct idle_backend	*b;
	size_t			 n = 0;

	TAILQ_FOREACH(b, &idle, entry)
		if (b->svc == svc)
			n++;
	return n;
}

/*
 * Idle backends are descriptors that no connection holds: keep them to a
 * quarter of the open-file limit, so that clients are never refused for
 * the sake of a spare.
 */
static int
fd_budget_left(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1;
	return nidle < rl.rlim_cur / 4;
}

int
backpool_put(const struct service *svc, const void *key, size_t keylen,
    const void *blob, size_t bloblen, int fd, uint64_t created_us,
    const char **why)
{
	const struct backpool_conf	*pc;
	struct idle_backend		*b;
	struct timeval			 tv;
	struct stat			 st;
	uint64_t			 now = metrics_now_us(), left_ms;

	*why = NULL;
	if ((pc = backpool_conf_of(svc)) == NULL || mon.draining ||
	    mon.conf == NULL || config_service(mon.conf, svc->name) != svc)
		*why = "the service's configuration has changed";
	else if (idle_count(svc) >= (size_t)pc->size)
		*why = "serverPoolSize idle backends are kept already";
	else if (!fd_budget_left())
		*why = "a quarter of the open-file limit is idle backends";
	else if (now - created_us >= (uint64_t)pc->lifetime_ms * 1000)
		*why = "it has reached serverLifetime";
	if (*why != NULL) {
		close(fd);
		return ERR_DENIED;
	}
	left_ms = pc->lifetime_ms - (now - created_us) / 1000;
	if (left_ms > (uint64_t)pc->idle_ms)
		left_ms = pc->idle_ms;
	tv.tv_sec = left_ms / 1000;
	tv.tv_usec = (left_ms % 1000) * 1000;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		close(fd);
		*why = "out of memory";
		return ERR_NOMEM;
	}
	b->svc = svc;
	b->fd = fd;
	b->created_us = created_us;
	TAILQ_INSERT_TAIL(&idle, b, entry);
	nidle++;
	if (fstat(fd, &st) != 0 ||
	    (b->key = malloc(keylen + 1)) == NULL ||
	    (b->blob = malloc(bloblen + 1)) == NULL ||
	    (b->ev_read = event_new(mon.base, fd, EV_READ, idle_readable,
	    b)) == NULL ||
	    (b->ev_timer = evtimer_new(mon.base, idle_expired, b)) == NULL ||
	    event_add(b->ev_read, NULL) != 0 ||
	    evtimer_add(b->ev_timer, &tv) != 0) {
		idle_free(b);
		*why = "out of memory";
		return ERR_NOMEM;
	}
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	memcpy(b->key, key, keylen);
	b->keylen = keylen;
	memcpy(b->blob, blob, bloblen);
	b->bloblen = bloblen;
	return 0;
}

int
backpool_take(const struct service *svc, const void *key, size_t keylen,
    struct backpool_taken *t)
{
	const struct backpool_conf	*pc;
	struct idle_backend		*b;
	struct reuse_count		*rc;
	uint64_t			 now = metrics_now_us();

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if ((pc = backpool_conf_of(svc)) == NULL)
		return -1;
	/* The most recently returned first: its cache is the warmest. */
	TAILQ_FOREACH_REVERSE(b, &idle, idle_list, entry) {
		if (b->svc != svc || b->keylen != keylen ||
		    memcmp(b->key, key, keylen) != 0)
			continue;
		/* Its timer may not have run yet: the lifetime is firm. */
		if (now - b->created_us >= (uint64_t)pc->lifetime_ms * 1000)
			continue;
		break;
	}
	if (b == NULL)
		return -1;
	t->fd = b->fd;
	t->dev = b->dev;
	t->ino = b->ino;
	t->created_us = b->created_us;
	t->blob = b->blob;
	t->bloblen = b->bloblen;
	b->fd = -1;
	b->blob = NULL;
	idle_free(b);
	if ((rc = byname_get(&reuses, svc->name)) != NULL)
		rc->n++;
	return 0;
}

void
backpool_taken_free(struct backpool_taken *t)
{
	if (t->fd != -1)
		close(t->fd);
	free(t->blob);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

void
backpool_drop(const char *service)
{
	struct idle_backend	*b, *next;
	size_t			 n = 0;

	for (b = TAILQ_FIRST(&idle); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (service == NULL || strcmp(b->svc->name, service) == 0) {
			idle_free(b);
			n++;
		}
	}
	if (n > 0)
		log_debug("closed %zu idle backend(s)%s%s", n,
		    service != NULL ? " of service " : "",
		    service != NULL ? service : "");
}

void
backpool_clear(void)
{
	backpool_drop(NULL);
}

size_t
backpool_idle(const char *service)
{
	struct idle_backend	*b;
	size_t			 n = 0;

	TAILQ_FOREACH(b, &idle, entry)
		if (strcmp(b->svc->name, service) == 0)
			n++;
	return n;
}

uint64_t
backpool_reused(const char *service)
{
	const struct reuse_count	*rc;

	return (rc = byname_find(&reuses, service)) != NULL ? rc->n : 0;
}
