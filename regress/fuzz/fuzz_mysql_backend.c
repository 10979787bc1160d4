/*
 * libFuzzer harness: what a MySQL or MariaDB server sends a worker while
 * it authenticates: the greeting, then OK, ERR, AuthSwitchRequest or
 * AuthMoreData.  The first byte picks the parser, the next four the
 * capability flags the OK and ERR parsers read them with; the rest is the
 * payload (or a framed packet, for the framing).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mysqlproto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
greeting(const uint8_t *data, size_t size)
{
	struct myp_greeting	 g;
	struct buf		*b;

	if (myp_greeting_parse(data, size, &g) != 0)
		return;
	if (g.versionlen != strlen(g.version) ||
	    (g.plugin != NULL && g.pluginlen != strlen(g.plugin)))
		__builtin_trap();
	if ((b = buf_new(MYP_HANDSHAKE_MAX)) == NULL)
		return;
	/* A parsed greeting rebuilds unless its scramble holds a NUL. */
	if (myp_put_greeting(b, 0, &g) != 0 &&
	    memchr(g.scramble, 0, sizeof(g.scramble)) == NULL)
		__builtin_trap();
	buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct myp_packet	 pkt;
	struct myp_auth_switch	 sw;
	struct myp_ok		 ok;
	struct myp_err		 err;
	const unsigned char	*d;
	size_t			 dlen;
	uint32_t		 caps;

	if (size < 5)
		return 0;
	caps = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
	    (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
	(void)myp_auth_kind(data + 5, size - 5);
	switch (data[0] % 6) {
	case 0:
		greeting(data + 5, size - 5);
		break;
	case 1:
		if (myp_auth_switch_parse(data + 5, size - 5, &sw) == 0 &&
		    (sw.pluginlen != strlen(sw.plugin) || sw.datalen > size))
			__builtin_trap();
		break;
	case 2:
		(void)myp_more_data_parse(data + 5, size - 5, &d, &dlen);
		break;
	case 3:
		if (myp_ok_parse(data + 5, size - 5, caps, &ok) == 0 &&
		    (ok.infolen > size || ok.statelen > size))
			__builtin_trap();
		break;
	case 4:
		if (myp_err_parse(data + 5, size - 5, caps, &err) == 0 &&
		    (err.messagelen > size || strlen(err.sqlstate) % 5 != 0))
			__builtin_trap();
		break;
	case 5:
		if (myp_packet_parse(data + 5, size - 5, MYP_HANDSHAKE_MAX,
		    data[1], &pkt) == 0 && pkt.wirelen > size - 5)
			__builtin_trap();
		break;
	}
	return 0;
}
