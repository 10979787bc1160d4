/*
 * AWS Signature Version 4 ("Signing AWS API requests", the SigV4 signing
 * process): the one signer of airlock, for the aws HTTP connector (the
 * worker builds the canonical request, the monitor signs its hash) and for
 * the aws provider's own requests.  The secret key is only ever read here.
 */
#ifndef AIRLOCK_SIGV4_H
#define AIRLOCK_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "sigv4hash.h"		/* SIGV4_HEX_LEN, sigv4_sha256_hex */

struct secret;

/*
 * Is amzdate "YYYYMMDDTHHMMSSZ" (a real date and time) and scope
 * "YYYYMMDD/region/service/aws4_request" of the same day, region and
 * service of [a-z0-9-] (1 to 63), hash 64 lower-case hex digits?  And is
 * amzdate within skew seconds of now?  0, or -1 and why (for the client).
 */
int		 sigv4_check(const char *amzdate, const char *scope,
		    const char *hash, time_t now, int skew, char *why,
		    size_t whylen);
/*
 * The signature (64 lower-case hex digits and a NUL) of the canonical
 * request whose hash is given: the string to sign ("AWS4-HMAC-SHA256",
 * amzdate, scope, hash, by lines) under the key derived from the secret
 * access key for the scope's date, region and service.  0 or -1.
 */
int		 sigv4_sign(const struct secret *secret_key, const char *amzdate,
		    const char *scope, const char *hash,
		    char sig[SIGV4_HEX_LEN + 1]);

#endif
