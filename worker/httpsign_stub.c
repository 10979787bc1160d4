/*
 * TEMPORARY, until branch http-crypto's sigv4req.c and oauth1req.c are
 * merged (then this file goes): the declarations of http.h that they
 * implement, refusing, so that the worker links and its other parts can
 * be tested.
 */
#include <stdio.h>

#include "http.h"

int
sigv4_parse_authorization(const char *value, size_t len,
    struct sigv4_client *sc)
{
	(void)value;
	(void)len;
	(void)sc;
	return -1;
}

int
sigv4_canonical_hash(const struct http_head *h, const struct sigv4_client *sc,
    const char *service, const char *payload_hash, char out[65], char *why,
    size_t whylen)
{
	(void)h;
	(void)sc;
	(void)service;
	(void)payload_hash;
	out[0] = '\0';
	snprintf(why, whylen, "SigV4 is not built yet");
	return -1;
}

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
