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

#include "buf.h"
#include "config.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"

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
	uint64_t	 fallbacks;	/* of those, found unfit by the taker */
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

void
backpool_fallback(const char *service)
{
	struct reuse_count	*rc;

	if ((rc = byname_get(&reuses, service)) != NULL)
		rc->fallbacks++;
}

uint64_t
backpool_fallbacks(const char *service)
{
	const struct reuse_count	*rc;

	return (rc = byname_find(&reuses, service)) != NULL ?
	    rc->fallbacks : 0;
}

/* The requests of a worker about reuse (dispatch.c calls them). */

/*
 * What the backend socket is, so that a returned descriptor can be known
 * for the very one (backpool_answer_return).  1: recorded.
 */
int
backpool_identify(struct worker *w, int fd)
{
	struct stat	 st;

	if (fstat(fd, &st) != 0)
		return 0;
	w->backend_known = 1;
	w->backend_dev = st.st_dev;
	w->backend_ino = st.st_ino;
	w->backend_created_us = metrics_now_us();
	return 1;
}

/*
 * An idle backend of the service under the worker's key (backpool.c), as
 * the answer to its DIAL: no credential is resolved or given.  1 when
 * answered so; 0: dial as usual.
 */
int
backpool_dial_reuse(struct worker *w)
{
	struct backpool_taken	 t;
	struct kvlist		 params;
	struct buf		*b;
	int			 r;

	if (w->pool_key == NULL || w->redialed ||
	    backpool_take(w->svc, w->pool_key, w->pool_keylen, &t) != 0)
		return 0;
	kv_init(&params);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    kv_set(&params, "session", t.blob, t.bloblen) != 0 ||
	    kv_put(b, &params) != 0) {
		/* Not given: closed, and the worker dials as usual. */
		kv_clear(&params);
		buf_free(b);
		backpool_taken_free(&t);
		return 0;
	}
	w->reused = 1;
	w->backend_known = 1;
	w->backend_dev = t.dev;
	w->backend_ino = t.ino;
	w->backend_created_us = t.created_us;
	w->purpose = DIAL_SESSION;
	w->state = W_HANDSHAKE;
	wlog_debug(w, "reusing an idle backend: no credential asked");
	r = worker_send(w, MSG_DIALED, b, t.fd);
	(void)r;
	kv_clear(&params);
	buf_free(b);
	backpool_taken_free(&t);
	return 1;
}

/*
 * The optional key of a DIAL: only for a session of a service with
 * poolMode session, and the same again in the fallback dial of a worker
 * whose reused backend failed its check.
 */
int
backpool_dial_key(struct worker *w, struct buf *b, uint8_t purpose)
{
	const unsigned char	*key;
	size_t			 len;
	int			 r;

	if (buf_len(b) == 0) {
		if (w->pool_key != NULL)
			return ERR_FORMAT;
		return 0;
	}
	if ((r = buf_get_string_direct(b, &key, &len)) != 0)
		return r;
	if (purpose != DIAL_SESSION || backpool_conf_of(w->svc) == NULL) {
		worker_kill(w, "DIAL with a key for a service without poolMode "
		    "session, or for a cancel");
		return ERR_DENIED;
	}
	if (len == 0 || len > BACKPOOL_KEY_MAX)
		return ERR_TOOBIG;
	if (w->pool_key != NULL)
		return w->pool_keylen == len &&
		    memcmp(w->pool_key, key, len) == 0 ? 0 : ERR_DENIED;
	if ((w->pool_key = malloc(len)) == NULL)
		return ERR_NOMEM;
	memcpy(w->pool_key, key, len);
	w->pool_keylen = len;
	return 0;
}

/*
 * A worker gives its backend back for the next client (poolMode session):
 * the key and session blob are opaque (the worker that takes it checks the
 * session itself), but the descriptor must be the very socket that the
 * monitor gave this worker, once authenticated, and the key the one it
 * dialed with.  Anything else is a worker that tries to plant a socket of
 * its own (its client, a pipe) in another client's connection: killed, and
 * the descriptor is closed (dispatch_message).
 */
int
backpool_answer_return(struct worker *w, struct buf *b)
{
	const unsigned char	*key, *blob;
	const char		*why;
	struct stat		 st;
	size_t			 keylen, bloblen;
	int			 r, fd;

	if ((r = buf_get_string_direct(b, &key, &keylen)) != 0 ||
	    (r = buf_get_string_direct(b, &blob, &bloblen)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (backpool_conf_of(w->svc) == NULL || w->pool_key == NULL) {
		worker_kill(w, "BACKEND_RETURN for a service without poolMode "
		    "session, or without a key in its DIAL");
		return 0;
	}
	if (keylen != w->pool_keylen || memcmp(key, w->pool_key, keylen) != 0) {
		worker_kill(w, "BACKEND_RETURN under another key than its "
		    "DIAL's");
		return 0;
	}
	if (bloblen > BACKPOOL_BLOB_MAX)
		return ERR_TOOBIG;
	if (!w->backend_known || fstat(w->rfd, &st) != 0 ||
	    !S_ISSOCK(st.st_mode) || st.st_dev != w->backend_dev ||
	    st.st_ino != w->backend_ino) {
		worker_kill(w, "BACKEND_RETURN with a descriptor that is not "
		    "the backend socket it was given");
		return 0;
	}
	fd = w->rfd;
	w->rfd = -1;
	w->returned = 1;
	if (backpool_put(w->svc, key, keylen, blob, bloblen, fd,
	    w->backend_created_us, &why) != 0)
		wlog_debug(w, "backend not kept: %s", why);
	else
		wlog_debug(w, "backend kept idle for the next client");
	return 0;
}
