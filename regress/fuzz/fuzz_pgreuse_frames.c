/*
 * libFuzzer harness: the framing that backend reuse follows in each
 * direction of a relayed session (pgr_frames_look, worker/pgreuse.c):
 * every byte from the client and from the backend goes through it.  The
 * first byte picks the direction (bit 0) and the size of the reads (the
 * rest); the stream is fed whole to one framing and in those reads to
 * another, and both must agree: where the client's Terminate stops the
 * relay, and what the session's state is after, with the session blob
 * that the backend's ParameterStatus messages keep current.  Then whether
 * the session is idle, with a fresh framing of the other direction.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pgreuse.h"
#include "../unit/pgrfeed.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A session blob as a PostgreSQL login makes it. */
static void
login(struct pgr *p)
{
	static const unsigned char	 s[] =
	    "S\0\0\0\025TimeZone\0Etc/UTC\0"
	    "S\0\0\0\027DateStyle\0ISO, MDY\0"
	    "K\0\0\0\014\0\0\0\1\0\0\0\2";

	memset(p, 0, sizeof(*p));
	pgr_blob_add(p, s, sizeof(s) - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgr	 rw, rc;
	struct pgr_frames	 whole, cut, other;
	size_t			 n1, n2, step;
	int			 client, stop1, stop2;

	if (size < 1)
		return 0;
	client = data[0] & 1;
	step = 1 + (data[0] >> 1);
	login(&rw);
	login(&rc);
	n1 = pgr_feed(&whole, client, client ? NULL : &rw, data + 1, size - 1,
	    size, &stop1);
	n2 = pgr_feed(&cut, client, client ? NULL : &rc, data + 1, size - 1,
	    step, &stop2);
	if (n1 == SIZE_MAX || n1 != n2 || stop1 != stop2 ||
	    whole.broken != cut.broken || whole.hdrgot != cut.hdrgot ||
	    whole.body != cut.body || whole.requests != cut.requests ||
	    whole.unsynced != cut.unsynced || whole.ready != cut.ready ||
	    whole.status != cut.status || whole.zfirst != cut.zfirst ||
	    rw.overflow != rc.overflow || rw.bloblen != rc.bloblen ||
	    memcmp(rw.blob, rc.blob, rw.bloblen) != 0)
		__builtin_trap();
	/* A blob kept current is still one that a taker accepts. */
	if (!rw.overflow && pgr_blob_check(rw.blob, rw.bloblen) != 0)
		__builtin_trap();
	/* A stop is only ever the client's, at an 'X' that starts a message. */
	if (stop1 && (!client || data[1 + n1] != 'X' || whole.hdrgot != 0 ||
	    whole.body != 0))
		__builtin_trap();
	memset(&other, 0, sizeof(other));
	other.client = !client;
	if (client)
		(void)pgr_frames_idle(&whole, &other);
	else if (pgr_frames_idle(&other, &whole) &&
	    (whole.broken || whole.body != 0 || whole.hdrgot != 0))
		__builtin_trap();
	return 0;
}
