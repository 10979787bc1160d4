/*
 * TEMPORARY, until http-crypto's oauth1.c is merged (then this file goes):
 * oauth1.h's interface, refusing everything, so that mon_http.c links.
 */
#include <stdio.h>

#include "oauth1.h"

int
oauth1_check_params(const char *params, size_t len)
{
	(void)params;
	return len == 0 ? 0 : -1;
}

int
oauth1_header(const struct oauth1_keys *keys, const char *method,
    const char *base_url, const char *params, size_t paramslen,
    const char *nonce, const char *timestamp, struct secret **out,
    char *why, size_t whylen)
{
	(void)keys;
	(void)method;
	(void)base_url;
	(void)params;
	(void)paramslen;
	(void)nonce;
	(void)timestamp;
	*out = NULL;
	snprintf(why, whylen, "OAuth 1.0a is not built yet");
	return -1;
}
