/*
 * Warnings that a flood could repeat (connections dropped or refused at
 * accept): the first event is said at once, the ones after it as a count,
 * at most once every RATELIMIT_SECONDS, so that a flood of connections
 * cannot become a flood of log lines.
 */
#include <time.h>

#include "monitor.h"

#define RATELIMIT_SECONDS	10

int
ratelimit_pass(struct ratelimit *rl, unsigned long *n)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	rl->count++;
	if (rl->said && now.tv_sec - rl->last < RATELIMIT_SECONDS)
		return 0;
	*n = rl->count;
	rl->count = 0;
	rl->last = now.tv_sec;
	rl->said = 1;
	return 1;
}
