/*
 * Backend reuse's framing fed as the relay feeds it (relay_run_both): a
 * stream in reads of step bytes, each shown to pgr_frames_look, which
 * passes them all or stops at the client's Terminate; nothing is read after
 * a stop.  For the unit tests (test_pgreuse.c) and the fuzz harness
 * (regress/fuzz/fuzz_pgreuse_frames.c).
 */
#ifndef AIRLOCK_PGRFEED_H
#define AIRLOCK_PGRFEED_H

#include <stdint.h>
#include <string.h>

#include "pgreuse.h"

/*
 * A fresh framing of one direction (client set for the client's; reuse the
 * session whose blob the backend's ParameterStatus keep current, or NULL)
 * fed the stream: how many bytes passed, *stop set if it stopped; SIZE_MAX
 * if the look broke its word (passed more than it was shown, or less
 * without a stop).
 */
static inline size_t
pgr_feed(struct pgr_frames *f, int client, struct pgr *reuse,
    const unsigned char *p, size_t n, size_t step, int *stop)
{
	size_t	 off = 0, k, passed;

	memset(f, 0, sizeof(*f));
	f->client = client;
	f->reuse = reuse;
	*stop = 0;
	while (off < n) {
		k = n - off < step ? n - off : step;
		passed = pgr_frames_look(f, p + off, k, stop);
		if (passed > k || (!*stop && passed != k))
			return SIZE_MAX;
		off += passed;
		if (*stop)
			break;
	}
	return off;
}

#endif
