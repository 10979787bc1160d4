/*
 * A worker row's serve loop in a forked child (served.c), for the tests of
 * connectors that serve their client themselves: the test plays the
 * client, on a stream socketpair, and the monitor, on the channel.  The
 * child serves as worker/main.c has it do (serve, then STATS) and exits 0
 * when serve returned 0, 1 otherwise.
 */
#ifndef AIRLOCK_SERVED_H
#define AIRLOCK_SERVED_H

#include <sys/types.h>

#include <stdint.h>

struct buf;
struct connector;
struct kvlist;

struct served {
	pid_t	 pid;
	int	 client;	/* the client's end */
	int	 chan;		/* the monitor's end */
};

/* opts: MSG_ASSIGN's options, or NULL.  The child's timeouts are 5 s. */
int	served_spawn(struct served *, const struct connector *,
	    const struct kvlist *opts);
/* Close both ends; the child's exit status, or -1. */
int	served_reap(struct served *);
/* The monitor's side: the next message, which must be of type want. */
int	served_recv(int chan, uint32_t want, struct buf *);

#endif
