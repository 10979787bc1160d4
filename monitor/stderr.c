/*
 * The workers' stderr: one pipe shared by all workers, read by the monitor
 * and logged line by line.  A worker writes there only what cannot go over
 * its channel: the sandbox's trap message in debug mode, a library's
 * complaint before the channel is up, a sanitizer's report.  It must be a
 * pipe: with RLIMIT_FSIZE at 0, a write to a regular file kills the worker.
 * Lines of up to PIPE_BUF bytes from different workers do not interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define STDERR_LINE_MAX	1024

static int		 pipe_r = -1, pipe_w = -1;
static struct event	*ev_stderr;
static char		 line[STDERR_LINE_MAX + 1];
static size_t		 linelen;

static void
flush_line(void)
{
	size_t	 i;

	if (linelen == 0)
		return;
	for (i = 0; i < linelen; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[linelen] = '\0';
	log_warn("worker stderr: %s", line);
	linelen = 0;
}

static void
stderr_cb(int fd, short ev, void *arg)
{
	char	 buf[4096];
	ssize_t	 n, i;

	(void)ev;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line();
				continue;
			}
			if (linelen == STDERR_LINE_MAX)
				flush_line();
			line[linelen++] = buf[i];
		}
	}
}

int
worker_stderr_open(void)
{
	int	 fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1)
		return ERR_SYS;
	pipe_r = fds[0];
	pipe_w = fds[1];
	if (fcntl(pipe_r, F_SETFL, O_NONBLOCK) == -1)
		return ERR_SYS;
	ev_stderr = event_new(mon.base, pipe_r, EV_READ | EV_PERSIST,
	    stderr_cb, NULL);
	if (ev_stderr == NULL || event_add(ev_stderr, NULL) == -1)
		return ERR_NOMEM;
	return 0;
}

int
worker_stderr_fd(void)
{
	return pipe_w;
}

void
worker_stderr_close(void)
{
	if (ev_stderr != NULL) {
		/* What the last workers wrote is still worth a line. */
		stderr_cb(pipe_r, EV_READ, NULL);
		flush_line();
		event_free(ev_stderr);
	}
	if (pipe_r != -1)
		close(pipe_r);
	if (pipe_w != -1)
		close(pipe_w);
	ev_stderr = NULL;
	pipe_r = pipe_w = -1;
}
