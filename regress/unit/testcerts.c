/*
 * Certificates for the unit tests (testcerts.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "secret.h"
#include "testcerts.h"

int
testcert_add_ext(X509 *x, X509V3_CTX *v, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, v, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

X509 *
testcert_make(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
    int ca, const char *san)
{
	static long	 serial = 1;
	X509V3_CTX	 v;
	X509_NAME	*name;
	X509		*x;
	int		 ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	ok = X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_set_pubkey(x, key) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ok = ok && testcert_add_ext(x, &v, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ok = ok && testcert_add_ext(x, &v, NID_key_usage, ca ?
	    "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (!ca)
		ok = ok && testcert_add_ext(x, &v, NID_ext_key_usage,
		    "serverAuth,clientAuth");
	/* Key identifiers tell apart two CAs of the same name. */
	ok = ok && testcert_add_ext(x, &v, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		ok = ok && testcert_add_ext(x, &v, NID_authority_key_identifier,
		    "keyid:always");
	if (san != NULL)
		ok = ok && testcert_add_ext(x, &v, NID_subject_alt_name, san);
	ok = ok && X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

unsigned char *
testcert_pem(X509 *x, EVP_PKEY *k, size_t *lenp)
{
	BIO		*bio;
	char		*data;
	unsigned char	*out = NULL;
	long		 n;
	int		 ok;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	ok = x != NULL ? PEM_write_bio_X509(bio, x) :
	    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
	if (ok && (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc(n)) != NULL) {
		memcpy(out, data, n);
		*lenp = n;
	}
	BIO_free(bio);
	return out;
}

struct secret *
testcert_secret(X509 *x, EVP_PKEY *k)
{
	struct secret	*s;
	unsigned char	*pem;
	size_t		 len;

	if ((pem = testcert_pem(x, k, &len)) == NULL)
		return NULL;
	s = secret_new(pem, len);
	free(pem);
	return s;
}
