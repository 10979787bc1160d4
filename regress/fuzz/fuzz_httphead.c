/*
 * libFuzzer harness: the HTTP connectors' head parser (worker/httphead.c)
 * and the body decoder after it (worker/httpbody.c), for requests and for
 * responses.  The first input byte chooses a request or a response (and
 * whether it answers a HEAD) and the piece size of the body's feed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "http.h"
#include "util.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_head(const struct http_head *h)
{
	size_t	 i;

	if (h->nfields > HTTP_FIELDS_MAX || (h->chunked && h->has_length))
		abort();
	for (i = 0; i < h->nfields; i++)
		if (strlen(h->fields[i].name) != h->fields[i].namelen ||
		    !http_token(h->fields[i].name, h->fields[i].namelen) ||
		    memchr(h->fields[i].value, '\r', h->fields[i].valuelen) ||
		    memchr(h->fields[i].value, '\n', h->fields[i].valuelen))
			abort();
	if (h->request && (h->target[0] != '/' ||
	    strlen(h->target) > HTTP_TARGET_MAX || h->host[0] == '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head	 h;
	struct http_body	 b;
	unsigned char		 out[4096];
	char			 why[256];
	size_t			 used, off, step, n;
	int			 flags, r;

	if (size == 0)
		return 0;
	flags = (data[0] & 1) ? HTTP_HEAD_REQUEST :
	    ((data[0] & 2) ? HTTP_HEAD_HEAD : 0);
	step = (data[0] >> 2) + 1;
	data++;
	size--;
	memset(&h, 0, sizeof(h));
	r = http_head_parse(&h, flags, data, size, &off, why, sizeof(why));
	if (r != 0) {
		if (r != ERR_AGAIN && r != 400 && r != 405 && r != 414 &&
		    r != 431)
			abort();
		http_head_free(&h);
		return 0;
	}
	if (off > size)
		abort();
	check_head(&h);
	http_body_init(&b, &h, 1);
	b.out = out;
	b.outmax = sizeof(out);
	for (;;) {
		n = size - off < step ? size - off : step;
		r = http_body_feed(&b, data + off, n, &used, off == size);
		if (used > n || b.outlen > b.outmax)
			abort();
		off += used;
		b.outlen = 0;
		if (r != 0 || b.complete || (off == size && used == 0))
			break;
	}
	if (r != 0 && r != ERR_FORMAT && r != ERR_EOF)
		abort();
	http_head_free(&h);
	return 0;
}
