/*
 * libFuzzer harness: what a PostgreSQL backend sends a worker during
 * authentication.  The first byte picks the message type, the rest is its
 * body, as the worker's backend_auth loop hands them to the parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pgproto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_auth		 a;
	struct pgp_fields	 f;
	uint32_t		 version;
	size_t			 nopt, bodylen;
	uint8_t			 type;

	if (size < 1)
		return 0;
	if (size >= PG_HDR_LEN)
		(void)pgp_header_parse(data, &type, &bodylen, PG_AUTH_MAX_BODY);
	switch (data[0] % 3) {
	case 0:
		if (pgp_auth_parse(data + 1, size - 1, &a) == 0) {
			(void)pgp_sasl_has(&a, "SCRAM-SHA-256");
			if (a.data != NULL && a.datalen > size)
				__builtin_trap();
		}
		break;
	case 1:
		if (pgp_fields_parse(data + 1, size - 1, &f) == 0 &&
		    f.message != NULL)
			(void)strlen(f.message);
		break;
	case 2:
		(void)pgp_negotiate_parse(data + 1, size - 1, &version, &nopt);
		break;
	}
	return 0;
}
