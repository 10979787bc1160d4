/*
 * libFuzzer harness: the health worker's HTTP request parser
 * (worker/httpreq.c), as a client's bytes reach it: in pieces.  The first
 * input byte chooses the piece size, so that the fuzzer explores requests
 * split at every place as well as whole ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "health.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hreq	 req;
	size_t		 step, off = 0, n;
	int		 r = ERR_AGAIN;

	if (size == 0)
		return 0;
	step = data[0] == 0 ? size : data[0];
	data++;
	size--;
	hreq_init(&req);
	while (off < size && r == ERR_AGAIN) {
		n = size - off < step ? size - off : step;
		r = hreq_feed(&req, data + off, n);
		off += n;
	}
	if (r == 0) {
		/* A complete request: what the router reads is bounded. */
		if (strlen(req.path) > HREQ_MAX_URL || req.total > HREQ_MAX_BYTES)
			abort();
		if (req.method != HREQ_GET && req.method != HREQ_HEAD &&
		    req.method != HREQ_OTHER)
			abort();
	} else if (r != ERR_AGAIN && r != ERR_FORMAT && r != ERR_TOOBIG)
		abort();
	return 0;
}
