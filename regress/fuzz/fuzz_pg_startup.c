/*
 * libFuzzer harness: the first packet a PostgreSQL client sends to a worker
 * (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pgproto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgp_startup	 su;
	uint32_t			 len;
	size_t				 i;

	if (size < 4)
		return 0;
	len = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	/* The worker reads exactly len bytes, and only an accepted len. */
	if (pgp_startup_len(len) != 0 || len > size)
		return 0;
	if (pgp_startup_parse(data, len, &su) != 0)
		return 0;
	if (su.kind == PGP_STARTUP) {
		for (i = 0; i < su.nparams; i++)
			if (su.params[i].keylen != strlen(su.params[i].key))
				__builtin_trap();
		(void)pgp_startup_get(&su, "user");
		(void)pgp_startup_get(&su, "database");
	}
	return 0;
}
