/*
 * Connecting to a backend without blocking the monitor: asynchronous name
 * resolution (evdns), then a non-blocking connect to each address in turn,
 * all within one deadline.  The result is a connected socket with the
 * options a relay wants, ready to be passed to a worker.  With DIAL_PUBLIC
 * the addresses a name resolves to are checked before they are dialed
 * (addrclass.c): the check and the connect see the same address, so a
 * second answer of the name's DNS server changes nothing (rebinding).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

struct dial {
	dial_cb			*cb;
	void			*arg;
	struct evdns_getaddrinfo_request *dnsreq;
	struct evutil_addrinfo	*ai_list;
	struct evutil_addrinfo	*ai_next;
	struct sockaddr_un	 sun;
	int			 is_unix;
	int			 fd;
	struct event		*ev_conn;
	struct event		*ev_deadline;
	struct event		*ev_done;	/* reports the result */
	int			 finished;
	int			 result_fd;
	int			 result_error;
	int			 flags;		/* DIAL_PUBLIC */
	int			 refused;	/* addresses DIAL_PUBLIC refused */
	char			 what[300];	/* for error messages */
	char			 result_err[512];
	char			 last_err[128];
	char			 refused_err[128];
};

static void	 dial_try_next(struct dial *);

/*
 * May the address be dialed?  With DIAL_PUBLIC, only one of the
 * internet's (addrclass.c); the first refused is named in the error.
 */
static int
dial_permitted(struct dial *d, const struct sockaddr *sa)
{
	enum addr_kind	 k;
	char		 addr[INET6_ADDRSTRLEN];
	const void	*a;

	if (!(d->flags & DIAL_PUBLIC) || (k = addr_class(sa)) == ADDR_PUBLIC)
		return 1;
	if (d->refused++ == 0) {
		a = sa->sa_family == AF_INET6 ?
		    (const void *)&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr :
		    (const void *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		if (inet_ntop(sa->sa_family, a, addr, sizeof(addr)) == NULL)
			snprintf(addr, sizeof(addr), "?");
		snprintf(d->refused_err, sizeof(d->refused_err), "resolves "
		    "to %s, a%s %s address", addr,
		    k == ADDR_UNSPECIFIED ? "n" : "", addr_class_name(k));
	}
	return 0;
}

static void
dial_free(struct dial *d)
{
	if (d->dnsreq != NULL)
		evdns_getaddrinfo_cancel(d->dnsreq);
	if (d->ai_list != NULL)
		evutil_freeaddrinfo(d->ai_list);
	if (d->ev_conn != NULL)
		event_free(d->ev_conn);
	if (d->ev_deadline != NULL)
		event_free(d->ev_deadline);
	if (d->ev_done != NULL)
		event_free(d->ev_done);
	if (d->result_fd != -1)
		close(d->result_fd);
	if (d->fd != -1)
		close(d->fd);
	free(d);
}

void
dial_cancel(struct dial *d)
{
	if (d != NULL)
		dial_free(d);
}

/*
 * Report from the loop, never from inside the call that found the result:
 * name resolution of a numeric host and a refused loopback connect both
 * finish at once, and the caller must not be called back before
 * dial_start has even returned.
 */
static void
dial_finish(struct dial *d, int fd, int error, const char *err)
{
	if (d->finished)
		return;
	d->finished = 1;
	if (fd == d->fd)
		d->fd = -1;
	d->result_fd = fd;
	d->result_error = fd == -1 ? error : 0;
	if (err != NULL)
		snprintf(d->result_err, sizeof(d->result_err), "%s: %s",
		    d->what, err);
	if (d->ev_conn != NULL)
		event_del(d->ev_conn);
	event_del(d->ev_deadline);
	event_active(d->ev_done, EV_TIMEOUT, 0);
}

static void
dial_report(int fd, short ev, void *arg)
{
	struct dial	*d = arg;
	dial_cb		*cb = d->cb;
	void		*cbarg = d->arg;
	char		 err[sizeof(d->result_err)];
	int		 rfd = d->result_fd, error = d->result_error;

	(void)fd;
	(void)ev;
	memcpy(err, d->result_err, sizeof(err));
	d->result_fd = -1;
	dial_free(d);
	cb(cbarg, rfd, error, rfd == -1 ? err : NULL);
}

static void
set_relay_options(int fd, int family)
{
	int	 one = 1;

	/* The worker cannot call setsockopt: set what the relay wants now. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (family == AF_INET || family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
dial_connected(int fd, short ev, void *arg)
{
	struct dial	*d = arg;
	socklen_t	 len = sizeof(int);
	int		 soerr = 0;

	(void)ev;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		snprintf(d->last_err, sizeof(d->last_err), "%s",
		    strerror(soerr));
		close(d->fd);
		d->fd = -1;
		dial_try_next(d);
		return;
	}
	dial_finish(d, d->fd, 0, NULL);
}

static int
dial_addr(struct dial *d, const struct sockaddr *sa, socklen_t salen)
{
	d->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (d->fd == -1) {
		snprintf(d->last_err, sizeof(d->last_err), "%s",
		    strerror(errno));
		return -1;
	}
	set_relay_options(d->fd, sa->sa_family);
	if (connect(d->fd, sa, salen) == 0) {
		dial_finish(d, d->fd, 0, NULL);
		return 1;
	}
	if (errno != EINPROGRESS) {
		snprintf(d->last_err, sizeof(d->last_err), "%s",
		    strerror(errno));
		close(d->fd);
		d->fd = -1;
		return -1;
	}
	if (d->ev_conn != NULL)
		event_free(d->ev_conn);
	d->ev_conn = event_new(mon.base, d->fd, EV_WRITE, dial_connected, d);
	if (d->ev_conn == NULL || event_add(d->ev_conn, NULL) == -1) {
		close(d->fd);
		d->fd = -1;
		return -1;
	}
	return 0;
}

static void
dial_try_next(struct dial *d)
{
	struct evutil_addrinfo	*ai;
	int			 r;

	if (d->is_unix) {
		/* One address only, and it was tried. */
		dial_finish(d, -1, ERR_SYS, d->last_err[0] ? d->last_err :
		    "connection failed");
		return;
	}
	while ((ai = d->ai_next) != NULL) {
		d->ai_next = ai->ai_next;
		if (!dial_permitted(d, ai->ai_addr))
			continue;
		if ((r = dial_addr(d, ai->ai_addr, ai->ai_addrlen)) >= 0)
			return;		/* connected (and called back) or pending */
	}
	/* Every address refused: the name is not the service's to reach. */
	if (d->refused > 0 && d->last_err[0] == '\0')
		dial_finish(d, -1, ERR_DENIED, d->refused_err);
	else
		dial_finish(d, -1, ERR_SYS, d->last_err[0] ? d->last_err :
		    "no address to connect to");
}

static void
dial_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct dial	*d = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;		/* d is being freed by dial_cancel */
	d->dnsreq = NULL;
	if (result != 0) {
		dial_finish(d, -1, ERR_NOTFOUND, evutil_gai_strerror(result));
		return;
	}
	d->ai_list = d->ai_next = res;
	dial_try_next(d);
}

static void
dial_deadline(int fd, short ev, void *arg)
{
	struct dial	*d = arg;

	(void)fd;
	(void)ev;
	dial_finish(d, -1, ERR_TIMEOUT, "timed out");
}

struct dial *
dial_start(const char *host, const char *port, const char *unix_path,
    int timeout_ms, dial_cb *cb, void *arg)
{
	return dial_start_flags(host, port, unix_path, timeout_ms, 0, cb, arg);
}

struct dial *
dial_start_flags(const char *host, const char *port, const char *unix_path,
    int timeout_ms, int flags, dial_cb *cb, void *arg)
{
	struct evutil_addrinfo	 hints;
	struct dial		*d;
	struct timeval		 tv;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->fd = d->result_fd = -1;
	d->cb = cb;
	d->arg = arg;
	d->flags = flags;
	d->ev_deadline = evtimer_new(mon.base, dial_deadline, d);
	d->ev_done = event_new(mon.base, -1, 0, dial_report, d);
	if (d->ev_deadline == NULL || d->ev_done == NULL) {
		dial_free(d);
		return NULL;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(d->ev_deadline, &tv);

	if (unix_path != NULL) {
		snprintf(d->what, sizeof(d->what), "%s", unix_path);
		d->is_unix = 1;
		d->sun.sun_family = AF_UNIX;
		if (strlen(unix_path) >= sizeof(d->sun.sun_path)) {
			dial_free(d);
			return NULL;
		}
		strncpy(d->sun.sun_path, unix_path, sizeof(d->sun.sun_path) - 1);
		if (dial_addr(d, (struct sockaddr *)&d->sun,
		    sizeof(d->sun)) < 0)
			dial_try_next(d);
		return d;
	}
	snprintf(d->what, sizeof(d->what), "%s port %s", host, port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	/* This may call dial_resolved before it returns (numeric hosts). */
	d->dnsreq = evdns_getaddrinfo(mon.dns, host, port, &hints,
	    dial_resolved, d);
	return d;
}
