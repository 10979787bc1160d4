/*
 * libFuzzer harness: what the worker that takes an idle backend from the
 * monitor parses before its client speaks (pgr_take, worker/pgreuse.c):
 * the session blob that another worker made (pgr_blob_check), and the
 * backend's answer to the reset query (pgr_answer_msg), framed as the
 * worker reads it (pgp_header_parse, bodies up to PG_AUTH_MAX_BODY).  The
 * first byte picks which (bit 0) and, for an answer, whether it is the
 * strict check of a taken backend or the giver's (bit 1).  A reason for a
 * refusal goes to the log: it must be printable, of our own words.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "pgproto.h"
#include "pgreuse.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
blob(const uint8_t *p, size_t n)
{
	size_t	 off = 0, len;
	uint8_t	 type;
	int	 keys = 0;

	if (pgr_blob_check(p, n) != 0)
		return;
	/* Accepted: whole messages, ParameterStatus and one BackendKeyData. */
	while (off < n) {
		if (n - off < PG_HDR_LEN || pgp_header_parse(p + off, &type,
		    &len, n - off - PG_HDR_LEN) != 0)
			__builtin_trap();
		if (type == 'K')
			keys++;
		else if (type != 'S')
			__builtin_trap();
		off += PG_HDR_LEN + len;
	}
	if (keys != 1 || off != n)
		__builtin_trap();
}

static void
answer(const uint8_t *p, size_t n, int strict)
{
	struct pgr_answer	 a;
	size_t			 off = 0, len, i;
	uint8_t			 type;
	int			 r = 0;

	memset(&a, 0, sizeof(a));
	a.tag = "DISCARD ALL";
	a.strict = strict;
	while (r == 0 && !a.done && n - off >= PG_HDR_LEN) {
		if (pgp_header_parse(p + off, &type, &len,
		    PG_AUTH_MAX_BODY) != 0 || len > n - off - PG_HDR_LEN)
			return;
		r = pgr_answer_msg(&a, type, p + off + PG_HDR_LEN, len);
		off += PG_HDR_LEN + len;
	}
	if (a.done && (r != 0 || !a.tagged))
		__builtin_trap();
	if (a.total > 64 * 1024)
		__builtin_trap();
	if (r != 0) {
		if (a.why[0] == '\0' || memchr(a.why, '\0',
		    sizeof(a.why)) == NULL)
			__builtin_trap();
		for (i = 0; a.why[i] != '\0'; i++)
			if (a.why[i] < 0x20 || a.why[i] > 0x7e)
				__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		answer(data + 1, size - 1, (data[0] & 2) != 0);
	else
		blob(data + 1, size - 1);
	return 0;
}
