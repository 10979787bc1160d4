/*
 * An RSA public key's numbers from PEM (rsapem.h), with OpenSSL's decoder.
 */
#include <limits.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "errors.h"
#include "rsapem.h"

int
rsa_pem_numbers(const void *pem, size_t len, unsigned char *n, size_t *nlen,
    unsigned char *e, size_t *elen)
{
	EVP_PKEY	*key = NULL;
	BIGNUM		*bn = NULL, *be = NULL;
	BIO		*bio;
	int		 r = ERR_FORMAT;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return ERR_FORMAT;
	if ((key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) != NULL &&
	    EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &be) == 1 &&
	    (size_t)BN_num_bytes(bn) <= *nlen &&
	    (size_t)BN_num_bytes(be) <= *elen) {
		*nlen = (size_t)BN_bn2bin(bn, n);
		*elen = (size_t)BN_bn2bin(be, e);
		r = 0;
	}
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return r;
}
