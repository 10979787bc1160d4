/*
 * SigV4's hashes in hex ("Create a canonical request": the payload hash,
 * HexEncode(Hash(CanonicalRequest))).  Here because both sides use it.
 */
#include <openssl/sha.h>

#include "secret.h"
#include "sigv4hash.h"
#include "util.h"

void
sigv4_sha256_hex(const void *p, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];

	SHA256(p, len, md);
	hex_encode(md, sizeof(md), out);
	secret_wipe(md, sizeof(md));
}

int
sigv4_is_sha256_hex(const char *s)
{
	size_t	 i;

	for (i = 0; i < SIGV4_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[SIGV4_HEX_LEN] == '\0';
}
