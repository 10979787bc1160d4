/*
 * Each worker's stderr: a pipe of its own, read by the monitor and logged
 * line by line as that worker's ("SERVICE#ID: worker stderr: ..."), within
 * its stderr budget (budget.c).  A worker writes there only what cannot go
 * over its channel: the sandbox's trap message in debug mode, a library's
 * complaint before the channel is up, a sanitizer's report (which
 * regress/sanitize.sh finds in the log by "worker stderr:").  It must be a
 * pipe: with RLIMIT_FSIZE at 0, a write to a regular file kills the worker.
 *
 * One pipe per worker rather than one for all, so that a flood is charged
 * to the worker that writes it, which is then killed with one line, as for
 * MSG_LOG; a shared pipe can only be bounded as a whole, and then one
 * worker silences the others.  It costs one descriptor per worker in the
 * monitor, beside its channel.
 *
 * The pipe is made with the process (workers.c, worker_exec), before the
 * process is anyone's: an idle worker of the pool (pool.c) owns it first
 * and a worker of a connection adopts it.  Whoever owns it says where its
 * lines go (wstderr_watch).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define STDERR_LINE_MAX		WORKER_TEXT_MAX
/* Reads of a worker's pipe per turn of the loop (WORKER_MSGS_PER_TURN). */
#define STDERR_READS_PER_TURN	4

struct wstderr {
	int		 fd;		/* the read end; -1 once closed */
	struct event	*ev;
	wstderr_line_cb	*cb;		/* the owner's, with arg */
	void		*arg;
	struct budget	 budget;
	size_t		 len;
	unsigned char	 line[STDERR_LINE_MAX];
};

/* Hand the line so far to the owner, which charges it (and may close). */
static void
flush_line(struct wstderr *e)
{
	size_t	 len = e->len;

	if (len == 0 || e->cb == NULL)
		return;
	e->len = 0;
	e->cb(e->arg, &e->budget, e->line, len);
}

/* At most max reads, until the pipe is empty, at its end, or closed. */
static void
read_some(struct wstderr *e, size_t max)
{
	char		 buf[4096];
	ssize_t		 n, i;
	size_t		 reads;

	for (reads = 0; reads < max && e->fd != -1; reads++) {
		if ((n = read(e->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				wstderr_close(e);
			return;
		}
		if (n == 0) {
			/* The worker has exited: its last words too. */
			flush_line(e);
			wstderr_close(e);
			return;
		}
		/* A kill (over budget) closes the pipe: stop there. */
		for (i = 0; i < n && e->fd != -1; i++) {
			if (buf[i] == '\n')
				flush_line(e);
			else {
				if (e->len == STDERR_LINE_MAX)
					flush_line(e);
				e->line[e->len++] = buf[i];
			}
		}
	}
}

static void
stderr_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	read_some(arg, STDERR_READS_PER_TURN);
}

struct wstderr *
wstderr_open(int *wfd)
{
	struct wstderr	*e;
	int		 fds[2];

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	/* Only our end is non-blocking: the worker's writes may wait. */
	if (pipe2(fds, O_CLOEXEC) == -1) {
		free(e);
		return NULL;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (e->ev = event_new(mon.base, fds[0], EV_READ | EV_PERSIST,
	    stderr_cb, e)) == NULL) {
		close(fds[0]);
		close(fds[1]);
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	e->fd = fds[0];
	*wfd = fds[1];
	return e;
}

int
wstderr_watch(struct wstderr *e, wstderr_line_cb *cb, void *arg)
{
	e->cb = cb;
	e->arg = arg;
	if (e->fd == -1)
		return 0;
	return event_add(e->ev, NULL) == -1 ? ERR_NOMEM : 0;
}

void
wstderr_drain(struct wstderr *e)
{
	if (e == NULL)
		return;
	/* Its writers are gone, so the pipe ends: read it to its end. */
	read_some(e, SIZE_MAX);
	if (e->fd != -1) {
		flush_line(e);
		wstderr_close(e);
	}
}

void
wstderr_close(struct wstderr *e)
{
	if (e == NULL || e->fd == -1)
		return;
	event_del(e->ev);
	close(e->fd);
	e->fd = -1;
}

void
wstderr_free(struct wstderr *e)
{
	if (e == NULL)
		return;
	wstderr_close(e);
	event_free(e->ev);
	free(e);
}
