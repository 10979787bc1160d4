/*
 * OAuth 1.0a's HMAC-SHA1 signature (RFC 5849 3.4) and Authorization
 * header (3.5.1), as Secretless Broker's generic_http connector makes
 * them: the monitor holds the consumer and token secrets, so it signs.
 */
#ifndef AIRLOCK_OAUTH1_H
#define AIRLOCK_OAUTH1_H

#include <stddef.h>

struct secret;

/* The four values the oauth1: templates render to. */
struct oauth1_keys {
	const struct secret *consumer_key;
	const struct secret *consumer_secret;
	const struct secret *token;
	const struct secret *token_secret;
};

/*
 * Is params "name=value" pairs joined by "&", each part made of RFC 3986
 * unreserved characters and %XX escapes only (RFC 5849 3.6)?  0 or -1.
 */
int		 oauth1_check_params(const char *params, size_t len);
/*
 * The Authorization header's value ("OAuth oauth_consumer_key=...") for a
 * request: method, base_url (RFC 5849 3.4.1.2: scheme://host[:port]/path,
 * without the query) and the request's own params (as checked above),
 * with the given nonce and timestamp (the caller makes them: 16
 * characters of [A-Za-z0-9], the time in seconds).  Into guarded memory;
 * -1 and why (no secret in it) on failure.
 */
int		 oauth1_header(const struct oauth1_keys *, const char *method,
		    const char *base_url, const char *params, size_t paramslen,
		    const char *nonce, const char *timestamp,
		    struct secret **out, char *why, size_t whylen);

#endif
