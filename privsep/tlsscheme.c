/*
 * The TLS 1.3 SignatureSchemes of a client key: one table for the worker,
 * which names the signature it needs, and the monitor, which signs.
 */
#include <string.h>

#include <openssl/obj_mac.h>

#include "tlsscheme.h"
#include "util.h"

/* RFC 8446 section 4.2.3; the EC curves as section 4.2.7 names them. */
static const struct tlsscheme schemes[] = {
	{ "rsa_pss_rsae_sha256", "RSA", 0, NID_sha256 },
	{ "rsa_pss_rsae_sha384", "RSA", 0, NID_sha384 },
	{ "rsa_pss_rsae_sha512", "RSA", 0, NID_sha512 },
	{ "ecdsa_secp256r1_sha256", "EC", NID_X9_62_prime256v1, NID_sha256 },
	{ "ecdsa_secp384r1_sha384", "EC", NID_secp384r1, NID_sha384 },
	{ "ecdsa_secp521r1_sha512", "EC", NID_secp521r1, NID_sha512 },
	{ "ed25519", "ED25519", 0, 0 },
};


const struct tlsscheme *
tlsscheme_by_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(schemes); i++)
		if (strcmp(schemes[i].name, name) == 0)
			return &schemes[i];
	return NULL;
}

const struct tlsscheme *
tlsscheme_find(const char *keytype, int curve, int md)
{
	size_t	 i;

	for (i = 0; i < nitems(schemes); i++)
		if (strcmp(schemes[i].keytype, keytype) == 0 &&
		    schemes[i].curve == curve && schemes[i].md == md)
			return &schemes[i];
	return NULL;
}

int
tlsscheme_has_curve(int curve)
{
	size_t	 i;

	for (i = 0; i < nitems(schemes); i++)
		if (curve != 0 && schemes[i].curve == curve)
			return 1;
	return 0;
}
