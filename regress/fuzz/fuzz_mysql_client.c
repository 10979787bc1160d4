/*
 * libFuzzer harness: what a MySQL client sends a worker.  The first byte
 * picks the target: the first packet's payload (HandshakeResponse41,
 * SSLRequest, HandshakeResponse320), framed or not; or the byte stream of
 * the command phase, fed to the relay's tracker in chunks whose sizes come
 * from the input itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mysqlproto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
response(const uint8_t *data, size_t size)
{
	static struct myp_response	 r;
	struct myp_packet		 pkt;
	struct buf			*b;
	size_t				 i;

	if (myp_packet_parse(data, size, MYP_HANDSHAKE_MAX, 1, &pkt) == 0 &&
	    pkt.payload != NULL)
		(void)myp_response_parse(pkt.payload, pkt.paylen, &r);
	if (myp_response_parse(data, size, &r) != 0)
		return;
	/* An SSLRequest is exactly its 32 bytes, TLS asked for. */
	if (r.kind == MYP_SSL_REQUEST && (size != 32 ||
	    !(r.caps & CLIENT_SSL) || !(r.caps & CLIENT_PROTOCOL_41)))
		__builtin_trap();
	if (r.kind != MYP_RESPONSE_41)
		return;
	if (r.userlen != strlen(r.user) || r.authlen > size)
		__builtin_trap();
	for (i = 0; i < r.nattrs; i++)
		if (r.attrs[i].keylen > size || r.attrs[i].vallen > size)
			__builtin_trap();
	/* What we parsed, we can build again, as the connector will. */
	if ((b = buf_new(MYP_HANDSHAKE_MAX * 2)) == NULL)
		return;
	if (myp_put_response(b, 1, &r) != 0 && size < MYP_HANDSHAKE_MAX / 2)
		__builtin_trap();
	buf_free(b);
}

/* Each chunk's length is the next input byte; the relay keeps the rest. */
static void
stream(const uint8_t *data, size_t size)
{
	struct myp_stream	 st;
	size_t			 passed = 0, avail = 0, n;
	int			 cmd;

	myp_stream_init(&st);
	while (avail < size) {
		avail += 1 + data[avail];
		if (avail > size)
			avail = size;
		do {
			n = myp_stream_feed(&st, data + passed, avail - passed,
			    &cmd);
			passed += n;
			if (passed > avail)
				__builtin_trap();
		} while (cmd != MYP_STREAM_NONE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		response(data + 1, size - 1);
	else
		stream(data + 1, size - 1);
	return 0;
}
