/*
 * libFuzzer harness: one datagram from a (compromised) worker on the
 * privsep channel, as the monitor receives and decodes it: the framing of
 * msg_recv, then the payload decoders the dispatch handlers use (a kv list,
 * strings, integers), each required to consume its payload exactly.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 sv[2] = { -1, -1 };
	static struct buf	*in;
	const unsigned char	*p;
	struct kvlist		 kv;
	struct buf		 copy;
	uint32_t		 type;
	uint64_t		 u64;
	size_t			 len;
	uint8_t			 u8;
	char			*s;
	int			 fd;

	if (sv[0] == -1) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
			abort();
		in = buf_new(MSG_MAX_PAYLOAD + 1);
	}
	if (size > MSG_HDR_LEN + MSG_MAX_PAYLOAD + 64)
		return 0;
	if (send(sv[0], data, size, 0) != (ssize_t)size)
		return 0;
	if (msg_recv(sv[1], &type, in, &fd) != 0)
		return 0;
	if (fd != -1)
		close(fd);
	/* Every layout the monitor parses, on a fresh view each time. */
	buf_view(&copy, buf_ptr(in), buf_len(in));
	if (kv_get_list(&copy, &kv) == 0) {
		(void)buf_expect_end(&copy);
		kv_clear(&kv);
	}
	buf_view(&copy, buf_ptr(in), buf_len(in));
	if (buf_get_cstring(&copy, &s, 64) == 0)
		free(s);
	buf_view(&copy, buf_ptr(in), buf_len(in));
	if (buf_get_u8(&copy, &u8) == 0 &&
	    buf_get_string_direct(&copy, &p, &len) == 0)
		(void)buf_expect_end(&copy);
	buf_view(&copy, buf_ptr(in), buf_len(in));
	if (buf_get_u64(&copy, &u64) == 0 && buf_get_u64(&copy, &u64) == 0)
		(void)buf_expect_end(&copy);
	return 0;
}
