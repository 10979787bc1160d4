/*
 * libFuzzer harness: a request's OAuth 1.0a parameters (worker/
 * oauth1req.c) and the header signed over them (monitor/oauth1.c).  The
 * input is the query, a newline, then a form body.  What the worker
 * produces must be what the monitor accepts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "oauth1.h"
#include "secret.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct secret	*key;
	struct oauth1_keys	 k;
	struct secret		*hdr;
	struct buf		*out;
	const uint8_t		*nl;
	char			*target, why[128];
	size_t			 qlen;

	if (key == NULL) {
		if (secret_init() != 0)
			abort();
		key = secret_new("k~ &+/", 6);
	}
	nl = memchr(data, '\n', size);
	qlen = nl != NULL ? (size_t)(nl - data) : size;
	if (memchr(data, '\0', qlen) != NULL ||
	    (target = malloc(qlen + 3)) == NULL)
		return 0;
	memcpy(target, "/?", 2);
	memcpy(target + 2, data, qlen);
	target[qlen + 2] = '\0';
	if ((out = buf_new(1024 * 1024)) == NULL) {
		free(target);
		return 0;
	}
	if (oauth1_request_params(target, "application/x-www-form-urlencoded",
	    nl != NULL ? nl + 1 : NULL, nl != NULL ? size - qlen - 1 : 0, out,
	    why, sizeof(why)) == 0) {
		if (oauth1_check_params((const char *)buf_ptr(out),
		    buf_len(out)) != 0)
			abort();
		k.consumer_key = k.consumer_secret = k.token =
		    k.token_secret = key;
		if (oauth1_header(&k, "POST", "https://example.com/a",
		    (const char *)buf_ptr(out), buf_len(out), "abc", "1", &hdr,
		    why, sizeof(why)) == 0)
			secret_free(hdr);
		else if (strstr(why, "oauth_") == NULL &&
		    strstr(why, "too large") == NULL)
			abort();
	}
	buf_free(out);
	free(target);
	return 0;
}
