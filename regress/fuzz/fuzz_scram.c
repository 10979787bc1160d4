/*
 * libFuzzer harness: the SCRAM messages of a backend as the monitor parses
 * them (server-first, then server-final), separated by the first newline.
 * The iteration bound keeps each run fast: the key derivation is bounded by
 * SCRAM_MAX_ITERATIONS, and the harness skips inputs asking for more than
 * a few thousand so that the fuzzer spends its time on parsing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pgauth.h"
#include "secret.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NONCE	"rOprNGfwEbeRWgbNEkqO"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct secret	*pw;
	const uint8_t		*nl, *it;
	struct scram		*s;
	struct buf		*out;
	size_t			 first, digits = 0;

	if (pw == NULL) {
		secret_init();
		pw = secret_new("pencil", 6);
	}
	nl = memchr(data, '\n', size);
	first = nl ? (size_t)(nl - data) : size;
	/* Parsing is the target, not PBKDF2: skip i= of five digits or more. */
	if ((it = memmem(data, first, ",i=", 3)) != NULL) {
		for (it += 3; it < data + first && *it >= '0' && *it <= '9';
		    it++)
			digits++;
		if (digits > 4)
			return 0;
	}
	if ((s = scram_new()) == NULL || (out = buf_new(4096)) == NULL)
		abort();
	scram_set_nonce(s, NONCE);
	if (scram_client_first(s, out) == 0 &&
	    scram_client_final(s, pw, data, first, out) == 0 && nl != NULL)
		(void)scram_verify(s, nl + 1, size - first - 1);
	buf_free(out);
	scram_free(s);
	return 0;
}
