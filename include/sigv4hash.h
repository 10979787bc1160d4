/*
 * The lower-case hex SHA-256 of SigV4 (canonical requests, payloads): on
 * both sides, the worker's canonical requests and the monitor's checks.
 */
#ifndef AIRLOCK_SIGV4HASH_H
#define AIRLOCK_SIGV4HASH_H

#include <stddef.h>

#define SIGV4_HEX_LEN	64		/* a SHA-256 in lower-case hex */

void		 sigv4_sha256_hex(const void *, size_t,
		    char out[SIGV4_HEX_LEN + 1]);
/* Is s (NUL-terminated) such a hash: 64 lower-case hex digits? */
int		 sigv4_is_sha256_hex(const char *s);

#endif
