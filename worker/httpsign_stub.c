/*
 * TEMPORARY, until branch http-crypto's oauth1req.c is merged (then this
 * file goes): the declaration of http.h that it implements, refusing, so
 * that the worker links and its other parts can be tested.
 */
#include <stdio.h>

#include "http.h"

int
oauth1_request_params(const char *target, const char *content_type,
    const unsigned char *body, size_t bodylen, struct buf *out, char *why,
    size_t whylen)
{
	(void)target;
	(void)content_type;
	(void)body;
	(void)bodylen;
	(void)out;
	snprintf(why, whylen, "OAuth 1.0a is not built yet");
	return -1;
}
