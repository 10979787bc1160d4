/*
 * OAuth 1.0a's HMAC-SHA1 signature and Authorization header (RFC 5849),
 * as Secretless Broker's generic_http connector sends them
 * (generic/oauth/v1/protocol.go): the parameters oauth_consumer_key,
 * oauth_nonce, oauth_signature_method HMAC-SHA1, oauth_timestamp,
 * oauth_token and oauth_version 1.0, in the header in that order with
 * oauth_signature after oauth_nonce, each value in double quotes.
 *
 * Encoding is RFC 5849 3.6's (pctenc.c).  Secretless's encodeURI, Go's
 * url.QueryEscape with "+" replaced by "%20", is the same encoding: Go
 * keeps exactly the unreserved characters, "~" among them (net/url's
 * shouldEscape), escapes in upper-case hex, and writes a space "+", which
 * the replacement makes "%20".  Unlike Secretless, the consumer key and
 * token are encoded in the header too, as 3.5.1 says (they are plain
 * tokens in practice, where both agree).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "buf.h"
#include "oauth1.h"
#include "pctenc.h"
#include "secret.h"
#include "util.h"

#define OAUTH1_BASE_MAX		(256 * 1024)
#define OAUTH1_NONCE_MAX	64
#define OAUTH1_TS_MAX		20
#define OAUTH1_METHOD_MAX	32
#define SHA1_LEN		20

/* A parameter of the base string: encoded name and value. */
struct oparam {
	const char	*name, *value;
	size_t		 namelen, valuelen;
};

static int
is_hex_upper(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

int
oauth1_check_params(const char *params, size_t len)
{
	size_t	 i;
	int	 eq = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (params[i] == '&') {
			if (!eq)
				return -1;
			eq = 0;
		} else if (params[i] == '=') {
			if (eq++)
				return -1;
		} else if (params[i] == '%') {
			if (len - i < 3 || !is_hex_upper(params[i + 1]) ||
			    !is_hex_upper(params[i + 2]))
				return -1;
			i += 2;
		} else if (!pct_unreserved((unsigned char)params[i]))
			return -1;
	}
	return eq ? 0 : -1;
}

/* RFC 5849 3.4.1.3.2: by name, then by value, in byte order. */
static int
oparam_cmp(const void *a, const void *b)
{
	const struct oparam	*x = a, *y = b;
	int			 c;

	if ((c = bytes_cmp(x->name, x->namelen, y->name, y->namelen)) != 0)
		return c;
	return bytes_cmp(x->value, x->valuelen, y->value, y->valuelen);
}

static void
oparam_set(struct oparam *p, const char *name, const void *value, size_t len)
{
	p->name = name;
	p->namelen = strlen(name);
	p->value = value;
	p->valuelen = len;
}

/*
 * The parameters of 3.4.1.3: the request's (checked: "a=b&c=d", encoded)
 * and the protocol's, sorted, then normalised into out ("a=b&c=d").
 */
static int
normalized_params(struct buf *out, const char *params, size_t len,
    const struct buf *ck, const struct buf *tok, const char *nonce,
    const char *timestamp)
{
	struct oparam	*p;
	struct pct_pair	 pair;
	size_t		 n = 0, i, off = 0, max = len / 2 + 7;
	int		 rc = 0;

	if ((p = calloc(max, sizeof(*p))) == NULL)
		return -1;
	while (pct_next_pair(params, len, &off, &pair)) {
		p[n].name = pair.name;
		p[n].namelen = pair.namelen;
		p[n].value = pair.value;
		p[n].valuelen = pair.valuelen;
		n++;
	}
	oparam_set(&p[n++], "oauth_consumer_key", buf_ptr(ck), buf_len(ck));
	oparam_set(&p[n++], "oauth_nonce", nonce, strlen(nonce));
	oparam_set(&p[n++], "oauth_signature_method", "HMAC-SHA1", 9);
	oparam_set(&p[n++], "oauth_timestamp", timestamp, strlen(timestamp));
	oparam_set(&p[n++], "oauth_token", buf_ptr(tok), buf_len(tok));
	oparam_set(&p[n++], "oauth_version", "1.0", 3);
	qsort(p, n, sizeof(*p), oparam_cmp);
	for (i = 0; rc == 0 && i < n; i++)
		rc = (i > 0 ? buf_put_u8(out, '&') : 0) |
		    buf_put(out, p[i].name, p[i].namelen) |
		    buf_put_u8(out, '=') | buf_put(out, p[i].value,
		    p[i].valuelen);
	free(p);
	return rc == 0 ? 0 : -1;
}

/* Does the request bring an oauth_ parameter of its own? */
static int
has_oauth_param(const char *params, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((i == 0 || params[i - 1] == '&') && len - i >= 6 &&
		    memcmp(params + i, "oauth_", 6) == 0)
			return 1;
	return 0;
}

static int
check_word(const char *s, size_t max, int digits_only)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !((s[i] >= '0' && s[i] <= '9') ||
		    (!digits_only && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))))
			return -1;
	return i > 0 ? 0 : -1;
}

/* A method: a token (RFC 9110 9.1), as the monitor checked it before. */
static int
check_method(const char *m)
{
	size_t	 i;

	for (i = 0; m[i] != '\0'; i++)
		if (i >= OAUTH1_METHOD_MAX || !((m[i] >= 'a' && m[i] <= 'z') ||
		    (m[i] >= 'A' && m[i] <= 'Z') || (m[i] >= '0' &&
		    m[i] <= '9') || strchr("!#$%&'*+-.^_`|~", m[i]) != NULL))
			return -1;
	return i > 0 ? 0 : -1;
}

/*
 * 3.4.2: HMAC-SHA1 of the base string under the key "consumer_secret &
 * token_secret" (both encoded); its base64, encoded, into sig.
 */
static int
sign(const struct oauth1_keys *k, const struct buf *base, struct buf *sig)
{
	struct buf	*key;
	unsigned char	 mac[SHA1_LEN];
	unsigned int	 maclen = sizeof(mac);
	char		 b64[sodium_base64_ENCODED_LEN(SHA1_LEN,
			    sodium_base64_VARIANT_ORIGINAL)];
	int		 rc = -1;

	if ((key = buf_new(4 * (k->consumer_secret->len +
	    k->token_secret->len) + 2)) == NULL)
		return -1;
	if (pct_encode(key, k->consumer_secret->data, k->consumer_secret->len,
	    0) != 0 || buf_put_u8(key, '&') != 0 || pct_encode(key,
	    k->token_secret->data, k->token_secret->len, 0) != 0)
		goto done;
	if (HMAC(EVP_sha1(), buf_ptr(key), (int)buf_len(key), buf_ptr(base),
	    buf_len(base), mac, &maclen) == NULL || maclen != SHA1_LEN)
		goto done;
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	rc = pct_encode(sig, b64, strlen(b64), 0);
 done:
	buf_free(key);
	secret_wipe(mac, sizeof(mac));
	return rc;
}

/* 3.5.1, in Secretless Broker's order and quoting. */
static int
header(struct buf *h, const struct buf *ck, const char *nonce,
    const struct buf *sig, const char *timestamp, const struct buf *tok)
{
	int	 rc;

	rc = buf_put(h, "OAuth oauth_consumer_key=\"", 26);
	rc |= buf_put(h, buf_ptr(ck), buf_len(ck));
	rc |= buf_put(h, "\", oauth_nonce=\"", 16);
	rc |= buf_put(h, nonce, strlen(nonce));
	rc |= buf_put(h, "\", oauth_signature=\"", 20);
	rc |= buf_put(h, buf_ptr(sig), buf_len(sig));
	rc |= buf_put(h, "\", oauth_signature_method=\"HMAC-SHA1\", "
	    "oauth_timestamp=\"", 56);
	rc |= buf_put(h, timestamp, strlen(timestamp));
	rc |= buf_put(h, "\", oauth_token=\"", 16);
	rc |= buf_put(h, buf_ptr(tok), buf_len(tok));
	rc |= buf_put(h, "\", oauth_version=\"1.0\"", 22);
	return rc == 0 ? 0 : -1;
}

int
oauth1_header(const struct oauth1_keys *k, const char *method,
    const char *base_url, const char *params, size_t paramslen,
    const char *nonce, const char *timestamp, struct secret **out,
    char *why, size_t whylen)
{
	struct buf	*ck = NULL, *tok = NULL, *norm = NULL, *base = NULL;
	struct buf	*sig = NULL, *h = NULL;
	size_t		 i;
	int		 rc = -1;

	*out = NULL;
	if (oauth1_check_params(params, paramslen) == -1) {
		snprintf(why, whylen, "the request's parameters are not "
		    "encoded as OAuth 1.0a wants them");
		return -1;
	}
	if (has_oauth_param(params, paramslen)) {
		snprintf(why, whylen, "the request has oauth_ parameters of "
		    "its own");
		return -1;
	}
	if (check_word(nonce, OAUTH1_NONCE_MAX, 0) == -1 ||
	    check_word(timestamp, OAUTH1_TS_MAX, 1) == -1 ||
	    check_method(method) == -1) {
		snprintf(why, whylen, "bad method, nonce or timestamp");
		return -1;
	}
	if ((ck = buf_new(OAUTH1_BASE_MAX)) == NULL ||
	    (tok = buf_new(OAUTH1_BASE_MAX)) == NULL ||
	    (norm = buf_new(OAUTH1_BASE_MAX)) == NULL ||
	    (base = buf_new(OAUTH1_BASE_MAX)) == NULL ||
	    (sig = buf_new(OAUTH1_BASE_MAX)) == NULL ||
	    (h = buf_new(OAUTH1_BASE_MAX)) == NULL)
		goto fail;
	if (pct_encode(ck, k->consumer_key->data, k->consumer_key->len,
	    0) != 0 || pct_encode(tok, k->token->data, k->token->len, 0) != 0 ||
	    normalized_params(norm, params, paramslen, ck, tok, nonce,
	    timestamp) != 0)
		goto fail;
	/* 3.4.1.1: METHOD & encoded base string URI & encoded params. */
	for (i = 0; method[i] != '\0'; i++)
		if (buf_put_u8(base, (uint8_t)(method[i] >= 'a' &&
		    method[i] <= 'z' ? method[i] - 'a' + 'A' : method[i])) != 0)
			goto fail;
	if (buf_put_u8(base, '&') != 0 ||
	    pct_encode(base, base_url, strlen(base_url), 0) != 0 ||
	    buf_put_u8(base, '&') != 0 ||
	    pct_encode(base, buf_ptr(norm), buf_len(norm), 0) != 0 ||
	    sign(k, base, sig) != 0 ||
	    header(h, ck, nonce, sig, timestamp, tok) != 0)
		goto fail;
	if ((*out = secret_new(buf_ptr(h), buf_len(h))) == NULL)
		goto fail;
	rc = 0;
	goto done;
 fail:
	snprintf(why, whylen, "the OAuth 1.0a signature could not be made "
	    "(the request is too large)");
 done:
	buf_free(ck);
	buf_free(tok);
	buf_free(norm);
	buf_free(base);
	buf_free(sig);
	buf_free(h);
	return rc;
}
