/*
 * Listeners: one listening socket per service, TCP or Unix.  Accepting is
 * the only thing the monitor does with a client connection: the socket is
 * handed to a new worker before a byte is read from it.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define LISTEN_BACKLOG	511

struct listener {
	const struct service	*svc;
	int			 fd;
	struct event		*ev;
};

static struct listener	*listeners;
static size_t		 nlisteners;
static struct event	*ev_resume;
static int		 full;		/* paused at maxWorkers */

/*
 * OpenSSH's MaxStartups, per service: beyond start unauthenticated
 * connections a new one is dropped with a probability rising from rate
 * percent to 100 at full, so that slow or junk clients cannot hold every
 * worker while real clients still get through.
 */
static int
startups_drop(const struct service *svc)
{
	const struct config	*cf = mon.conf;
	int			 n = mon.startups[svc - cf->services], p;

	if (n < cf->startups_begin)
		return 0;
	if (n >= cf->startups_full)
		return 1;
	p = cf->startups_rate + (100 - cf->startups_rate) *
	    (n - cf->startups_begin) / (cf->startups_full - cf->startups_begin);
	return (int)randombytes_uniform(100) < p;
}

/* One line for the first drop, then a count at most every ten seconds. */
static void
startups_log(const struct service *svc)
{
	static time_t		 last;
	static unsigned long	 dropped;
	time_t			 now = time(NULL);

	dropped++;
	if (last != 0 && now - last < 10)
		return;
	log_warn("%s: %d connections not yet authenticated (maxStartups); "
	    "dropped %lu connection(s)", svc->name,
	    mon.startups[svc - mon.conf->services], dropped);
	last = now;
	dropped = 0;
}

static void
accept_cb(int fd, short ev, void *arg)
{
	struct listener	*l = arg;
	int		 c, one = 1, r;

	(void)ev;
	for (;;) {
		c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
		if (startups_drop(l->svc)) {
			metrics_refused(l->svc);
			startups_log(l->svc);
			close(c);
			continue;
		}
		if (l->svc->listen_kind == LISTEN_TCP) {
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one,
			    sizeof(one));
		}
		r = worker_spawn(l->svc, c);
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
	size_t	 i;

	for (i = 0; i < nlisteners; i++)
		if (strcmp(listeners[i].svc->name, name) == 0)
			return listeners[i].fd != -1;
	return 0;
}

void
listeners_worker_gone(void)
{
	size_t	 i;

	if (!full || mon.nworkers >= (size_t)mon.conf->max_workers)
		return;
	full = 0;
	log_info("below maxWorkers again: accepting");
	for (i = 0; i < nlisteners; i++)
		event_add(listeners[i].ev, NULL);
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

/* A socket file left by a dead process may go; a live one may not. */
static int
remove_stale_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, live;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "%s is in use by another process", path);
		return -1;
	}
	return unlink(path);
}

static int
open_unix(const struct service *svc, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct passwd		*pw;
	struct group		*gr;
	uid_t			 uid = (uid_t)-1;
	gid_t			 gid = (gid_t)-1;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(svc->listen_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", svc->listen);
		return -1;
	}
	strncpy(sun.sun_path, svc->listen_path, sizeof(sun.sun_path) - 1);
	if (remove_stale_socket(svc->listen_path, err, errlen) == -1) {
		if (*err == '\0')
			snprintf(err, errlen, "%s: %s", svc->listen_path,
			    strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto fail;
	/* Never a moment with wider permissions than asked for. */
	old = umask(0777 & ~svc->socket_mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(svc->listen_path, svc->socket_mode) == -1)
		goto fail;
	if (svc->socket_owner != NULL &&
	    (pw = getpwnam(svc->socket_owner)) != NULL)
		uid = pw->pw_uid;
	if (svc->socket_group != NULL &&
	    (gr = getgrnam(svc->socket_group)) != NULL)
		gid = gr->gr_gid;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(svc->listen_path, uid, gid) == -1)
		goto fail;
	if (listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
 fail:
	snprintf(err, errlen, "%s: %s", svc->listen_path, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
listeners_open(struct config *conf, char *err, size_t errlen)
{
	struct listener	*l;
	size_t		 i;

	if ((listeners = calloc(conf->nservices, sizeof(*listeners))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < conf->nservices; i++) {
		l = &listeners[i];
		l->svc = &conf->services[i];
		err[0] = '\0';
		l->fd = l->svc->listen_kind == LISTEN_UNIX ?
		    open_unix(l->svc, err, errlen) :
		    listeners_tcp_socket(l->svc->listen_host,
		    l->svc->listen_port, l->svc->listen, err, errlen);
		if (l->fd == -1)
			return ERR_SYS;
		nlisteners++;
		l->ev = event_new(mon.base, l->fd, EV_READ | EV_PERSIST,
		    accept_cb, l);
		if (l->ev == NULL || event_add(l->ev, NULL) == -1)
			return ERR_NOMEM;
		log_info("service %s (%s) listening on %s", l->svc->name,
		    l->svc->connector, l->svc->listen);
	}
	return 0;
}

void
listeners_close(void)
{
	size_t	 i;

	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].ev != NULL)
			event_free(listeners[i].ev);
		close(listeners[i].fd);
		if (listeners[i].svc->listen_kind == LISTEN_UNIX)
			unlink(listeners[i].svc->listen_path);
	}
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
	if (ev_resume != NULL)
		event_free(ev_resume);
	ev_resume = NULL;
}

static void
resume_cb(int fd, short ev, void *arg)
{
	size_t	 i;

	(void)fd;
	(void)ev;
	(void)arg;
	if (full)
		return;		/* listeners_worker_gone resumes */
	for (i = 0; i < nlisteners; i++)
		event_add(listeners[i].ev, NULL);
}

/* Stop accepting; for ms milliseconds, or until a worker exits if 0. */
void
listeners_pause(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	size_t		 i;

	for (i = 0; i < nlisteners; i++)
		event_del(listeners[i].ev);
	if (ms == 0)
		return;
	if (ev_resume == NULL &&
	    (ev_resume = evtimer_new(mon.base, resume_cb, NULL)) == NULL)
		return;
	evtimer_add(ev_resume, &tv);
}
