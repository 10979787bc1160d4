/*
 * libFuzzer harness: a client's SigV4 Authorization header and the
 * canonical request of its target (worker/sigv4req.c).  The input is the
 * header, a newline, then the request target; a header that parses is
 * hashed with the target for an S3 and a non-S3 service.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head	 h;
	struct sigv4_client	 c;
	const uint8_t		*nl;
	char			*target, hash[65], why[128];
	size_t			 alen;

	nl = memchr(data, '\n', size);
	alen = nl != NULL ? (size_t)(nl - data) : size;
	if (sigv4_parse_authorization((const char *)data, alen, &c) != 0)
		return 0;
	if (strlen(c.scope) > SIGV4_SCOPE_MAX ||
	    strlen(c.signed_headers) > SIGV4_SIGNED_MAX)
		abort();
	if ((target = malloc(size - alen + 2)) == NULL)
		return 0;
	/* A target as the worker's parser passes it: "/" and no NUL. */
	target[0] = '/';
	memcpy(target + 1, nl != NULL ? nl + 1 : data + size,
	    nl != NULL ? size - alen - 1 : 0);
	target[nl != NULL ? size - alen : 1] = '\0';
	if (strlen(target) == (nl != NULL ? size - alen : 1)) {
		memset(&h, 0, sizeof(h));
		h.request = 1;
		h.method = (char *)"GET";
		h.scheme = (char *)"https";
		h.host = (char *)"example.amazonaws.com";
		h.port = (char *)"";
		h.target = target;
		h.fields[0].name = (char *)"X-Amz-Date";
		h.fields[0].namelen = 10;
		h.fields[0].value = (char *)"20150830T123600Z";
		h.fields[0].valuelen = 16;
		h.nfields = 1;
		(void)sigv4_canonical_hash(&h, &c, "s3", "UNSIGNED-PAYLOAD",
		    hash, why, sizeof(why));
		(void)sigv4_canonical_hash(&h, &c, "service",
		    "UNSIGNED-PAYLOAD", hash, why, sizeof(why));
	}
	(void)sigv4_add_signed(&c, "x-amz-security-token");
	if (strlen(c.signed_headers) > SIGV4_SIGNED_MAX)
		abort();
	free(target);
	return 0;
}
