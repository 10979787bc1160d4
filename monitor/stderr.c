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
	struct budget	 budget;
	size_t		 len;
	unsigned char	 line[STDERR_LINE_MAX];
};

/* Log the line so far, if the budget allows; else the worker is killed. */
static void
flush_line(struct worker *w)
{
	struct wstderr	*e = w->err;
	size_t		 len = e->len;

	if (len == 0)
		return;
	e->len = 0;
	worker_text(w, &e->budget, &budget_stderr, LOG_LVL_WARN,
	    "worker stderr: ", e->line, len);
}

/* At most max reads, until the pipe is empty, at its end, or closed. */
static void
read_some(struct worker *w, size_t max)
{
	struct wstderr	*e = w->err;
	char		 buf[4096];
	ssize_t		 n, i;
	size_t		 reads;

	for (reads = 0; reads < max && e->fd != -1; reads++) {
		if ((n = read(e->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				worker_stderr_close(w);
			return;
		}
		if (n == 0) {
			/* The worker has exited: its last words too. */
			flush_line(w);
			worker_stderr_close(w);
			return;
		}
		/* A kill (over budget) closes the pipe: stop there. */
		for (i = 0; i < n && e->fd != -1; i++) {
			if (buf[i] == '\n')
				flush_line(w);
			else {
				if (e->len == STDERR_LINE_MAX)
					flush_line(w);
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

int
worker_stderr_open(struct worker *w)
{
	struct wstderr	*e;
	int		 fds[2];

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->fd = -1;
	w->err = e;
	/* Only our end is non-blocking: the worker's writes may wait. */
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (e->ev = event_new(mon.base, fds[0], EV_READ | EV_PERSIST,
	    stderr_cb, w)) == NULL || event_add(e->ev, NULL) == -1) {
		close(fds[0]);
		close(fds[1]);
		errno = ENOMEM;
		return -1;
	}
	e->fd = fds[0];
	return fds[1];
}

void
worker_stderr_drain(struct worker *w)
{
	if (w->err == NULL)
		return;
	/* Its writers are gone, so the pipe ends: read it to its end. */
	read_some(w, SIZE_MAX);
	if (w->err->fd != -1) {
		flush_line(w);
		worker_stderr_close(w);
	}
}

void
worker_stderr_close(struct worker *w)
{
	struct wstderr	*e = w->err;

	if (e == NULL || e->fd == -1)
		return;
	if (e->ev != NULL)
		event_del(e->ev);
	close(e->fd);
	e->fd = -1;
}

void
worker_stderr_free(struct worker *w)
{
	struct wstderr	*e = w->err;

	if (e == NULL)
		return;
	worker_stderr_close(w);
	if (e->ev != NULL)
		event_free(e->ev);
	free(e);
	w->err = NULL;
}
