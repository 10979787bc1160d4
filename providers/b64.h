/*
 * Base64 (RFC 4648) of secrets, with libsodium's constant-time codec:
 * Kubernetes' Secret data, AWS's SecretBinary and GCP's payload.data are
 * base64 of the secret; Conjur's access token goes into its header as
 * base64; a JWT is base64url without padding.  Private to providers/ (and
 * the tests).
 */
#ifndef AIRLOCK_B64_H
#define AIRLOCK_B64_H

#include <stddef.h>

struct secret;

#define B64_STD		0	/* "+/", padded (section 4) */
#define B64_URL		1	/* "-_", no padding (section 5, as JWTs) */

/*
 * Decode len characters into guarded memory.  Whitespace is not allowed
 * (none of the APIs sends it).  0, or ERR_FORMAT (not base64 of that
 * variant) or ERR_NOMEM.
 */
int		 b64_decode(const char *s, size_t len, int variant,
		    struct secret **out);
/* Encode len bytes into guarded memory, NUL-terminated.  0 or ERR_NOMEM. */
int		 b64_encode(const void *, size_t len, int variant,
		    struct secret **out);

#endif
