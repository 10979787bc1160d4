/*
 * The workers' stderr: one socket for all of them, read by the monitor and
 * logged line by line as each worker's ("SERVICE#ID: worker stderr: ..."),
 * within its stderr budget (budget.c).  A worker writes there only what
 * cannot go over its channel: the sandbox's trap message in debug mode, a
 * library's complaint before the channel is up, a sanitizer's report
 * (which regress/sanitize.sh finds in the log by "worker stderr:").  It
 * must not be a regular file: with RLIMIT_FSIZE at 0, a write to one kills
 * the worker.
 *
 * Why one socket: a pipe per worker cost the monitor a descriptor per
 * worker beside its channel, and 10,000 idle connections under a hard
 * RLIMIT_NOFILE of 20,000 did not fit.  Now airlockd makes one AF_UNIX
 * datagram socket pair at start (wstderr_start): it reads one end, with
 * SO_PASSCRED, and every worker gets the other as its fd 2 (posix_spawn
 * dup2s it; airlockd's copy is close-on-exec).  The kernel stamps each
 * datagram with the pid of the process that wrote it (SCM_CREDENTIALS; a
 * process without CAP_SYS_ADMIN cannot claim another's, unix(7)), so each
 * is still charged to its writer: the worker, or the idle worker of the
 * pool, of that pid, with the same line assembly, budget and kill as
 * before.  A datagram may hold several lines or part of one (a sanitizer
 * writes its report in many writes); a write is still write(2) for the
 * worker's seccomp filter.  The datagram of a process that is no worker
 * of ours (one the pool let go, before it is reaped) is dropped.
 *
 * A pid is a name only until its process is reaped: whatever a worker
 * wrote before it died is in the socket by then, so the reaper reads the
 * socket to its end (wstderr_read_all) before it forgets the worker, and
 * its last words (a sanitizer's report, the trap message) are still its.
 *
 * What it costs: the workers share one buffer, the send buffer of the
 * writing end (SO_SNDBUF; its receive queue is not bounded by
 * net.unix.max_dgram_qlen, since the pair is connected to itself).  A
 * worker that floods its stderr makes the others' writes to theirs wait
 * until airlockd reads; airlockd reads every turn of the loop and kills
 * the flooder at its budget, as before.  A worker may send nothing else
 * on it: a descriptor riding on a datagram finds no room in what we
 * receive, and the kernel drops it.  And the writing end is one open file
 * in every worker: one may shut it down or make it non-blocking for all
 * (its sandbox allows shutdown(2) and F_SETFL on any descriptor, and
 * libseccomp cannot single fd 2 out soundly), so before each spawn the
 * monitor checks it, and replaces a spoiled pair (wstderr_child_fd).
 *
 * The record of a worker's stderr is made before its process (workers.c,
 * worker_exec) and named by the pid once spawned; an idle worker of the
 * pool (pool.c) owns it first and a worker of a connection adopts it.
 * Whoever owns it says where its lines go (wstderr_watch).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define STDERR_LINE_MAX		WORKER_TEXT_MAX
/*
 * Datagrams read per turn of the loop, of all workers together: more than
 * the send buffer holds (278 datagrams of one byte with the default 208
 * KiB), so that each turn empties the socket and a flooder meets its
 * budget within a turn or two.
 */
#define STDERR_DGRAMS_PER_TURN	512
/* Pids hash into this many lists: a lookup per datagram, which are rare. */
#define STDERR_BUCKETS		1024

struct wstderr {
	LIST_ENTRY(wstderr) entry;	/* in its pid's bucket once spawned */
	pid_t		 pid;		/* -1 until then */
	int		 closed;	/* killed: its text is dropped */
	wstderr_line_cb	*cb;		/* the owner's, with arg */
	void		*arg;
	struct budget	 budget;
	size_t		 len;
	unsigned char	 line[STDERR_LINE_MAX];
};

LIST_HEAD(wstderr_list, wstderr);

static struct wstderr_list	 buckets[STDERR_BUCKETS];
static int			 rfd = -1, wfd = -1;
static struct event		*ev;
/* As large as the send buffer: no datagram can be larger (unix(7)). */
static unsigned char		*dgram;
static size_t			 dgram_size;
static uint64_t			 strangers;	/* datagrams dropped */
static pid_t			 self;		/* our own probes' pid */

static struct wstderr_list *
bucket(pid_t pid)
{
	return &buckets[(unsigned long)pid % STDERR_BUCKETS];
}

static struct wstderr *
lookup(pid_t pid)
{
	struct wstderr	*e;

	if (pid <= 0)
		return NULL;
	LIST_FOREACH(e, bucket(pid), entry)
		if (e->pid == pid)
			return e;
	return NULL;
}

/*
 * Hand the line so far to the owner, which charges it (and may close); a
 * line of no owner (closed, or not watched yet) is dropped.
 */
static void
flush_line(struct wstderr *e)
{
	size_t	 len = e->len;

	e->len = 0;
	if (len == 0 || e->cb == NULL || e->closed)
		return;
	e->cb(e->arg, &e->budget, e->line, len);
}

/* A datagram of the worker: its lines to the owner, until a kill. */
static void
take(struct wstderr *e, const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && !e->closed; i++) {
		if (p[i] == '\n')
			flush_line(e);
		else {
			if (e->len == STDERR_LINE_MAX)
				flush_line(e);
			e->line[e->len++] = p[i];
		}
	}
}

/* One datagram, charged to its writer: 1, or 0 when there is none. */
static int
read_one(void)
{
	union {
		struct cmsghdr	 h;
		unsigned char	 b[CMSG_SPACE(sizeof(struct ucred))];
	}		 ctl;
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*c;
	struct ucred	 uc;
	struct wstderr	*e;
	ssize_t		 n;
	pid_t		 pid = 0;

	if (rfd == -1)
		return 0;
	memset(&m, 0, sizeof(m));
	iov.iov_base = dgram;
	iov.iov_len = dgram_size;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	while ((n = recvmsg(rfd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1) {
		if (errno != EAGAIN)
			log_warn("cannot read the workers' stderr: %s",
			    strerror(errno));
		return 0;
	}
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(uc))) {
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			pid = uc.pid;
		}
	if (pid == self)
		return 1;	/* a probe of wstderr_child_fd */
	if ((e = lookup(pid)) == NULL) {
		if (strangers++ == 0)
			log_debug("stderr of process %ld, no worker of ours: "
			    "dropped (and any more such, silently)",
			    (long)pid);
		return 1;
	}
	take(e, dgram, (size_t)n);
	return 1;
}

static void
stderr_cb(int fd, short what, void *arg)
{
	size_t	 i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < STDERR_DGRAMS_PER_TURN && read_one(); i++)
		;
}

int
wstderr_start(char *err, size_t errlen)
{
	int		 sv[2], on = 1, size;
	socklen_t	 len = sizeof(size);

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return ERR_SYS;
	}
	/* Only our end is non-blocking: the workers' writes may wait. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)) == -1 || fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1 ||
	    getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, &len) == -1) {
		snprintf(err, errlen, "socket options: %s", strerror(errno));
		goto fail;
	}
	if (size <= 0 || (dgram = malloc((size_t)size)) == NULL ||
	    (ev = event_new(mon.base, sv[0], EV_READ | EV_PERSIST, stderr_cb,
	    NULL)) == NULL || event_add(ev, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	dgram_size = (size_t)size;
	rfd = sv[0];
	wfd = sv[1];
	self = getpid();
	return 0;

 fail:
	if (ev != NULL)
		event_free(ev);
	ev = NULL;
	free(dgram);
	dgram = NULL;
	close(sv[0]);
	close(sv[1]);
	return ERR_SYS;
}

void
wstderr_stop(void)
{
	if (rfd == -1)
		return;
	event_free(ev);
	ev = NULL;
	close(rfd);
	close(wfd);
	rfd = wfd = -1;
	free(dgram);
	dgram = NULL;
}

/*
 * The writing end is one open file and one socket for every worker: one
 * that is compromised may shut it down (shutdown(2), which the relay needs,
 * on its fd 2) or make it non-blocking (fcntl(2) F_SETFL), and so make the
 * others' stderr fail.  0 when it has.
 */
static int
sound(void)
{
	int	 fl;

	if ((fl = fcntl(wfd, F_GETFL)) == -1 || (fl & O_NONBLOCK) != 0)
		return 0;
	/* An empty datagram of ours, dropped when read; EPIPE once shut. */
	return send(wfd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) != -1 ||
	    errno != EPIPE;
}

/*
 * A new pair for the workers started from now on, away from every worker
 * so far; the pool's idle workers, which hold the old one, are retired.
 * What is in the old one is read first.
 */
static void
renew(void)
{
	struct event	*oev = ev;
	unsigned char	*odgram = dgram;
	size_t		 osize = dgram_size;
	char		 err[256];
	int		 orfd = rfd, owfd = wfd;

	wstderr_read_all();
	ev = NULL;
	dgram = NULL;
	rfd = wfd = -1;
	if (wstderr_start(err, sizeof(err)) != 0) {
		log_warn("the workers' stderr socket was shut down or made "
		    "non-blocking by a worker, and no new one: %s", err);
		ev = oev;
		dgram = odgram;
		dgram_size = osize;
		rfd = orfd;
		wfd = owfd;
		return;
	}
	event_free(oev);
	close(orfd);
	close(owfd);
	free(odgram);
	log_warn("the workers' stderr socket was shut down or made "
	    "non-blocking by a worker: a new one for the workers started "
	    "from now on");
	pool_retire("their stderr socket was replaced");
}

int
wstderr_child_fd(void)
{
	if (wfd != -1 && !sound())
		renew();
	return wfd;
}

struct wstderr *
wstderr_new(void)
{
	struct wstderr	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->pid = -1;
	return e;
}

void
wstderr_spawned(struct wstderr *e, pid_t pid)
{
	e->pid = pid;
	LIST_INSERT_HEAD(bucket(pid), e, entry);
}

void
wstderr_watch(struct wstderr *e, wstderr_line_cb *cb, void *arg)
{
	e->cb = cb;
	e->arg = arg;
}

void
wstderr_read_all(void)
{
	/*
	 * Bounded: a worker that keeps writing is charged for it, and
	 * killed at its budget; one that is no worker of ours was killed.
	 */
	while (read_one())
		;
}

void
wstderr_drain(struct wstderr *e)
{
	if (e == NULL)
		return;
	/* Its last words (read by then), even without their newline. */
	flush_line(e);
	wstderr_close(e);
}

void
wstderr_close(struct wstderr *e)
{
	if (e != NULL)
		e->closed = 1;
}

void
wstderr_free(struct wstderr *e)
{
	if (e == NULL)
		return;
	/* Its pid may be another's once reaped: forget it now. */
	if (e->pid != -1)
		LIST_REMOVE(e, entry);
	free(e);
}
