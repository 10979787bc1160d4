/*
 * The monitor's signals, read from a signalfd instead of caught.
 *
 * A caught signal makes the kernel save the interrupted registers, vector
 * registers included, in a frame on the monitor's stack.  memcpy and the
 * parsers leave in those registers whatever they last moved: a SIGCHLD that
 * came after a Vault answer had been parsed left bytes of the password on
 * the stack below the event loop, where nothing would ever wipe them.  A
 * blocked signal read from a signalfd runs no handler, so no such frame is
 * ever written.  Workers start with an empty mask (workers.c).
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "monitor.h"

static const struct signal_action *actions;
static size_t		 nactions;
static struct event	*ev_signals;
static int		 sigfd = -1;

static void
signals_cb(int fd, short ev, void *arg)
{
	struct signalfd_siginfo	 si;
	ssize_t			 n;
	size_t			 i;

	(void)ev;
	(void)arg;
	/* Signals of one kind coalesce; each action copes with that. */
	while ((n = read(fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		for (i = 0; i < nactions; i++)
			if ((uint32_t)actions[i].sig == si.ssi_signo)
				actions[i].fn((int)si.ssi_signo);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("signalfd: %s", strerror(errno));
}

int
signals_open(struct event_base *base, const struct signal_action *a,
    size_t n)
{
	sigset_t	 set;
	size_t		 i;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, a[i].sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	actions = a;
	nactions = n;
	if ((ev_signals = event_new(base, sigfd, EV_READ | EV_PERSIST,
	    signals_cb, NULL)) == NULL || event_add(ev_signals, NULL) == -1) {
		signals_close();
		return -1;
	}
	return 0;
}

void
signals_close(void)
{
	if (ev_signals != NULL)
		event_free(ev_signals);
	ev_signals = NULL;
	if (sigfd != -1)
		close(sigfd);
	sigfd = -1;
}
