/*
 * The SigV4 headers of the aws provider's own requests ("Create a
 * canonical request" of Signature Version 4, AWS General Reference), to
 * be signed by the one signer, monitor/sigv4.c.  The worker's
 * worker/sigv4req.c builds the canonical form of any client's request
 * (its path normalised, its query sorted, its fields trimmed); these
 * requests are always of one shape that airlock makes itself: POST /,
 * no query, fields whose names and values it chose, so their canonical
 * form is the request as sent.  The session token is signed: the
 * canonical request is built in guarded memory.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "secret.h"
#include "../monitor/sigv4.h"

#define AWS_CREQ_MAX	(8 * 1024)

int
aws_sign_post(const struct aws_creds *c, const char *region,
    const char *service, const char *host, const char *content_type,
    const char *target, const void *body, size_t bodylen, time_t now,
    struct aws_signed *out)
{
	struct secret	*creq;
	struct tm	 tm;
	char		 scope[128], bodyhash[SIGV4_HEX_LEN + 1];
	char		 hash[SIGV4_HEX_LEN + 1], sig[SIGV4_HEX_LEN + 1];
	const char	*signed_headers;
	int		 n, rc = -1;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out->amzdate, sizeof(out->amzdate), "%Y%m%dT%H%M%SZ",
	    &tm) == 0)
		return -1;
	n = snprintf(scope, sizeof(scope), "%.8s/%s/%s/aws4_request",
	    out->amzdate, region, service);
	if (n < 0 || (size_t)n >= sizeof(scope))
		return -1;
	/* Signed names in ascending order; the same as the lines below. */
	signed_headers = c->token != NULL ?
	    "content-type;host;x-amz-date;x-amz-security-token;x-amz-target" :
	    "content-type;host;x-amz-date;x-amz-target";
	sigv4_sha256_hex(body, bodylen, bodyhash);
	if ((creq = secret_alloc(AWS_CREQ_MAX)) == NULL)
		return -1;
	n = snprintf((char *)creq->data, AWS_CREQ_MAX,
	    "POST\n/\n\n"
	    "content-type:%s\nhost:%s\nx-amz-date:%s\n%s%s%s"
	    "x-amz-target:%s\n\n%s\n%s",
	    content_type, host, out->amzdate,
	    c->token != NULL ? "x-amz-security-token:" : "",
	    c->token != NULL ? c->token : "", c->token != NULL ? "\n" : "",
	    target, signed_headers, bodyhash);
	if (n < 0 || n >= AWS_CREQ_MAX)
		goto done;
	sigv4_sha256_hex(creq->data, (size_t)n, hash);
	if (sigv4_sign(&c->secret_key, out->amzdate, scope, hash, sig) != 0)
		goto done;
	n = snprintf(out->auth, sizeof(out->auth), "AWS4-HMAC-SHA256 "
	    "Credential=%s/%s, SignedHeaders=%s, Signature=%s", c->akid,
	    scope, signed_headers, sig);
	if (n < 0 || (size_t)n >= sizeof(out->auth))
		goto done;
	rc = 0;
 done:
	secret_free(creq);
	secret_wipe(sig, sizeof(sig));
	return rc;
}
