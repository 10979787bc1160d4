/*
 * Base64 for the providers (b64.h), on libsodium's sodium_bin2base64 and
 * sodium_base642bin, whose timing does not depend on the bytes.
 */
#include <sodium.h>

#include "b64.h"
#include "errors.h"
#include "secret.h"

static int
sodium_variant(int variant)
{
	return variant == B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
	    sodium_base64_VARIANT_ORIGINAL;
}

int
b64_decode(const char *s, size_t len, int variant, struct secret **out)
{
	struct secret	*d, *t;
	const char	*end;
	size_t		 n;

	*out = NULL;
	/* At most 3 bytes for every 4 characters, and a partial group. */
	if ((d = secret_alloc(len / 4 * 3 + 3)) == NULL)
		return ERR_NOMEM;
	if (sodium_base642bin(d->data, d->len, s, len, NULL, &n, &end,
	    sodium_variant(variant)) != 0 || end != s + len) {
		secret_free(d);
		return ERR_FORMAT;
	}
	t = secret_new(d->data, n);
	secret_free(d);
	if (t == NULL)
		return ERR_NOMEM;
	*out = t;
	return 0;
}

int
b64_encode(const void *p, size_t len, int variant, struct secret **out)
{
	struct secret	*e, *t;
	size_t		 n;

	*out = NULL;
	n = sodium_base64_encoded_len(len, sodium_variant(variant));
	if ((e = secret_alloc(n)) == NULL)
		return ERR_NOMEM;
	sodium_bin2base64((char *)e->data, n, p, len, sodium_variant(variant));
	/* n counts the NUL; the secret's length does not. */
	t = secret_new(e->data, n - 1);
	secret_free(e);
	if (t == NULL)
		return ERR_NOMEM;
	*out = t;
	return 0;
}
