/*
 * Listeners: one listening socket per service, TCP or Unix (one for the
 * services that share a listenOn: config_listener's).  Accepting is
 * the only thing the monitor does with a client connection: the socket is
 * handed to a new worker before a byte is read from it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define LISTEN_BACKLOG	511

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	const struct service	*svc;	/* a service of mon.conf */
	const struct service	*next;	/* its service after a switch */
	int			 fd;
	struct event		*ev;
	char			*unix_path;	/* removed at close */
	struct sockfile		 file;		/* what is at unix_path */
};

TAILQ_HEAD(listenerlist, listener);

static struct listenerlist listeners = TAILQ_HEAD_INITIALIZER(listeners);
static struct event	*ev_resume;
static int		 full;		/* paused at maxWorkers */
static int		 backoff;	/* paused until ev_resume */

static void
accept_cb(int fd, short ev, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct source		 src;
	int			 c, one = 1, r;

	(void)ev;
	for (;;) {
		sslen = sizeof(ss);
		c = accept4(fd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (c == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Back off instead of spinning on the error. */
				log_warn("accept on %s: %s; pausing listeners",
				    l->svc->listen, strerror(errno));
				listeners_pause(1000);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept on %s: %s", l->svc->listen,
				    strerror(errno));
			return;
		}
		metrics_accepted(l->svc);
		if (mon.draining) {
			metrics_refused(l->svc);
			close(c);
			continue;
		}
		startups_source(mon.conf, (struct sockaddr *)&ss, sslen, &src);
		if (!peer_allowed(l->svc, c) ||
		    startups_source_drop(mon.conf, l->svc, &src) ||
		    startups_drop(mon.conf, l->svc)) {
			metrics_refused(l->svc);
			close(c);
			continue;
		}
		if (l->svc->listen_kind == LISTEN_TCP) {
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one,
			    sizeof(one));
		}
		r = worker_spawn(l->svc, c, src.key);
		close(c);
		if (r == ERR_SYS && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOMEM || errno == EAGAIN)) {
			/*
			 * Out of descriptors or processes: accepting more
			 * would only drop them.  Let them wait in the backlog.
			 */
			log_warn("cannot start workers; pausing listeners");
			listeners_pause(1000);
			return;
		}
		if (listeners_check_full())
			return;
	}
}

int
listeners_check_full(void)
{
	if (mon.nworkers < (size_t)mon.conf->max_workers)
		return 0;
	if (full)
		return 1;
	/*
	 * Stop accepting rather than accept and drop: further clients wait
	 * in the listen backlog until a worker exits (listeners_worker_gone).
	 */
	log_warn("%zu workers, the maximum: not accepting until one exits",
	    mon.nworkers);
	full = 1;
	listeners_pause(0);
	return 1;
}

int
listeners_is_bound(const char *name)
{
	const struct service	*svc;
	struct listener		*l;

	/* A service that shares a listener has that one. */
	if ((svc = config_service(mon.conf, name)) != NULL)
		name = config_listener(mon.conf, svc)->name;
	TAILQ_FOREACH(l, &listeners, entry)
		if (strcmp(l->svc->name, name) == 0)
			return l->fd != -1;
	return 0;
}

/* Accept on every listener, unless paused or draining. */
static void
listeners_accept(void)
{
	struct listener	*l;

	if (full || backoff || mon.draining)
		return;
	TAILQ_FOREACH(l, &listeners, entry)
		event_add(l->ev, NULL);
}

void
listeners_worker_gone(void)
{
	if (!full || mon.nworkers >= (size_t)mon.conf->max_workers)
		return;
	full = 0;
	log_info("below maxWorkers again: accepting");
	listeners_accept();
}

int
listeners_tcp_socket(const char *host, const char *port, const char *label,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, one = 1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", label, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		snprintf(err, errlen, "%s: %s", label, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void
listener_free(struct listener *l)
{
	if (l->ev != NULL)
		event_free(l->ev);
	close(l->fd);
	if (l->unix_path != NULL)
		sockfile_remove(l->unix_path, &l->file);
	free(l->unix_path);
	free(l);
}

/* Bind one service's socket; err says why not, at the service's place. */
static struct listener *
listener_new(const struct config *conf, const struct service *svc, char *err,
    size_t errlen)
{
	struct listener	*l;
	char		 why[512];

	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto nomem;
	l->svc = svc;
	why[0] = '\0';
	l->fd = svc->listen_kind == LISTEN_UNIX ?
	    sockfile_listen(svc, LISTEN_BACKLOG, &l->file, why, sizeof(why)) :
	    listeners_tcp_socket(svc->listen_host, svc->listen_port,
	    svc->listen, why, sizeof(why));
	if (l->fd == -1) {
		free(l);
		snprintf(err, errlen, "%s:%d:%d: service %s: cannot listen: %s",
		    conf->path, svc->line, svc->col, svc->name, why);
		return NULL;
	}
	if (svc->listen_kind == LISTEN_UNIX &&
	    (l->unix_path = strdup(svc->listen_path)) == NULL) {
		close(l->fd);
		sockfile_remove(svc->listen_path, &l->file);
		free(l);
		goto nomem;
	}
	if ((l->ev = event_new(mon.base, l->fd, EV_READ | EV_PERSIST,
	    accept_cb, l)) == NULL) {
		listener_free(l);
		goto nomem;
	}
	return l;
 nomem:
	snprintf(err, errlen, "%s: service %s: out of memory", conf->path,
	    svc->name);
	return NULL;
}

/*
 * Bind what conf needs that is not bound yet, all or nothing: on the first
 * failure every socket just bound is closed and nothing else has changed.
 * Then commit: the sockets whose address is unchanged are kept for the
 * services of conf (no moment in which clients are refused), the others
 * are closed; the connections already accepted are workers' and live on.
 */
int
listeners_open(struct config *conf, char *err, size_t errlen)
{
	struct listenerlist	 fresh = TAILQ_HEAD_INITIALIZER(fresh);
	struct listener		*l, *tmp;
	const struct service	*svc;
	char			 why[512];
	size_t			 i;

	for (i = 0; i < conf->nservices; i++) {
		svc = &conf->services[i];
		/* A shared listenOn: bound once, for the first by name. */
		if (config_listener(conf, svc) != svc)
			continue;
		/* The same socket: a switch keeps it, not binding again. */
		TAILQ_FOREACH(l, &listeners, entry)
			if (l->next == NULL && service_same_listen(l->svc, svc))
				break;
		if (l != NULL) {
			l->next = svc;
			continue;
		}
		if ((l = listener_new(conf, svc, err, errlen)) == NULL)
			goto fail;
		TAILQ_INSERT_TAIL(&fresh, l, entry);
	}

	for (l = TAILQ_FIRST(&listeners); l != NULL; l = tmp) {
		tmp = TAILQ_NEXT(l, entry);
		if (l->next == NULL) {
			log_info("service %s: no longer listening on %s",
			    l->svc->name, l->svc->listen);
			TAILQ_REMOVE(&listeners, l, entry);
			listener_free(l);
			continue;
		}
		svc = l->next;
		if (svc->listen_kind == LISTEN_UNIX &&
		    (svc->socket_mode != l->svc->socket_mode ||
		    svc->socket_owner != NULL || svc->socket_group != NULL) &&
		    sockfile_perms(svc, &l->file, why, sizeof(why)) == -1)
			log_warn("service %s: %s", svc->name, why);
		if (strcmp(svc->name, l->svc->name) != 0)
			log_info("service %s takes over %s from %s",
			    svc->name, svc->listen, l->svc->name);
		l->svc = svc;
		l->next = NULL;
	}
	while ((l = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, l, entry);
		TAILQ_INSERT_TAIL(&listeners, l, entry);
		log_info("service %s (%s) listening on %s", l->svc->name,
		    l->svc->connector, l->svc->listen);
	}
	/* A lower maxWorkers than the workers running: wait for them. */
	if (mon.nworkers >= (size_t)conf->max_workers) {
		full = 1;
		listeners_pause(0);
	} else
		listeners_accept();
	return 0;

 fail:
	while ((l = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, l, entry);
		listener_free(l);
	}
	TAILQ_FOREACH(l, &listeners, entry)
		l->next = NULL;
	return ERR_SYS;
}

void
listeners_close(void)
{
	struct listener	*l;

	while ((l = TAILQ_FIRST(&listeners)) != NULL) {
		TAILQ_REMOVE(&listeners, l, entry);
		listener_free(l);
	}
	if (ev_resume != NULL)
		event_free(ev_resume);
	ev_resume = NULL;
	backoff = 0;
}

static void
resume_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	backoff = 0;
	listeners_accept();	/* unless full: listeners_worker_gone then */
}

/* Stop accepting; for ms milliseconds, or until a worker exits if 0. */
void
listeners_pause(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct listener	*l;

	TAILQ_FOREACH(l, &listeners, entry)
		event_del(l->ev);
	if (ms == 0)
		return;
	if (ev_resume == NULL &&
	    (ev_resume = evtimer_new(mon.base, resume_cb, NULL)) == NULL)
		return;
	backoff = 1;
	evtimer_add(ev_resume, &tv);
}
