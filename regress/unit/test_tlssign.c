/*
 * The monitor's TLS client signature (monitor/tlssign.c): what content it
 * signs (RFC 8446 section 4.4.3), with which schemes for which keys
 * (section 4.2.3), and that its signatures verify as TLS 1.3 verifies them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "errors.h"
#include "monitor.h"
#include "secret.h"
#include "test.h"
#include "testkeys.h"
#include "tlsscheme.h"
#include "util.h"

enum { K_RSA, K_P256, K_P384, K_P521, K_ED25519, K_N };

static struct {
	EVP_PKEY	*key;
	struct secret	*key_pem, *cert_pem;
} keys[K_N];

static struct secret *
pem_of(X509 *x, EVP_PKEY *k)
{
	struct secret	*s = NULL;
	BIO		*bio;
	char		*data;
	long		 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if ((x != NULL ? PEM_write_bio_X509(bio, x) :
	    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0)
		s = secret_new(data, (size_t)n);
	BIO_free(bio);
	return s;
}

/* A self-signed certificate: all that tlssign looks at is its key. */
static X509 *
self_signed(EVP_PKEY *k)
{
	X509	*x;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (!X509_set_version(x, X509_VERSION_3) || !X509_set_pubkey(x, k) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL ||
	    X509_sign(x, k, EVP_PKEY_is_a(k, "ED25519") ? NULL :
	    EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
setup(void)
{
	static int	 ready;
	X509		*x;
	size_t		 i;

	if (ready)
		return 0;
	keys[K_RSA].key = testkey_rsa();
	keys[K_P256].key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys[K_P384].key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	keys[K_P521].key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	keys[K_ED25519].key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	for (i = 0; i < K_N; i++) {
		if (keys[i].key == NULL ||
		    (x = self_signed(keys[i].key)) == NULL)
			return -1;
		keys[i].key_pem = pem_of(NULL, keys[i].key);
		keys[i].cert_pem = pem_of(x, NULL);
		X509_free(x);
		if (keys[i].key_pem == NULL || keys[i].cert_pem == NULL)
			return -1;
	}
	ready = 1;
	return 0;
}

/* A client CertificateVerify's content with a hash of hlen bytes. */
static size_t
content(unsigned char *p, size_t hlen)
{
	memset(p, 0x20, TLS13_CV_PAD_LEN);
	memcpy(p + TLS13_CV_PAD_LEN, TLS13_CV_CLIENT_CONTEXT,
	    sizeof(TLS13_CV_CLIENT_CONTEXT));
	memset(p + TLS13_CV_HEAD_LEN, 0xa5, hlen);
	return TLS13_CV_HEAD_LEN + hlen;
}

TEST(tlssign_content)
{
	unsigned char	 p[TLS13_CV_HEAD_LEN + 64];
	size_t		 len;

	CHECK_INT(TLS13_CV_HEAD_LEN, 98);
	CHECK_INT(tlssign_check_content(p, content(p, 32)), 0);
	CHECK_INT(tlssign_check_content(p, content(p, 48)), 0);
	/* Only the hash lengths of the TLS 1.3 cipher suites. */
	CHECK_INT(tlssign_check_content(p, content(p, 20)), ERR_FORMAT);
	CHECK_INT(tlssign_check_content(p, content(p, 31)), ERR_FORMAT);
	CHECK_INT(tlssign_check_content(p, content(p, 33)), ERR_FORMAT);
	CHECK_INT(tlssign_check_content(p, content(p, 64)), ERR_FORMAT);
	CHECK_INT(tlssign_check_content(p, 0), ERR_FORMAT);
	/* A pad byte that is not a space. */
	len = content(p, 32);
	p[17] = 0x21;
	CHECK_INT(tlssign_check_content(p, len), ERR_FORMAT);
	/* The server's context string. */
	len = content(p, 32);
	memcpy(p + TLS13_CV_PAD_LEN, "TLS 1.3, server", 15);
	CHECK_INT(tlssign_check_content(p, len), ERR_FORMAT);
	/* No zero byte after the context. */
	len = content(p, 32);
	p[TLS13_CV_HEAD_LEN - 1] = ' ';
	CHECK_INT(tlssign_check_content(p, len), ERR_FORMAT);
	/* Arbitrary bytes of the right length. */
	memset(p, 'x', sizeof(p));
	CHECK_INT(tlssign_check_content(p, TLS13_CV_HEAD_LEN + 32),
	    ERR_FORMAT);
}

TEST(tlssign_scheme_names)
{
	const struct tlsscheme	*s;

	REQUIRE((s = tlsscheme_by_name("rsa_pss_rsae_sha256")) != NULL);
	CHECK_STR(s->keytype, "RSA");
	CHECK_INT(s->md, NID_sha256);
	REQUIRE((s = tlsscheme_by_name("ecdsa_secp384r1_sha384")) != NULL);
	CHECK_INT(s->curve, NID_secp384r1);
	REQUIRE((s = tlsscheme_by_name("ed25519")) != NULL);
	CHECK_INT(s->md, 0);
	/* Not TLS 1.3 CertificateVerify schemes, or not ones we sign with. */
	CHECK(tlsscheme_by_name("rsa_pkcs1_sha256") == NULL);
	CHECK(tlsscheme_by_name("rsa_pkcs1_sha1") == NULL);
	CHECK(tlsscheme_by_name("ecdsa_sha1") == NULL);
	CHECK(tlsscheme_by_name("rsa_pss_pss_sha256") == NULL);
	CHECK(tlsscheme_by_name("ed448") == NULL);
	CHECK(tlsscheme_by_name("") == NULL);
	CHECK(tlsscheme_by_name("ED25519") == NULL);
	/* What the worker's key object looks up. */
	CHECK(tlsscheme_find("EC", NID_X9_62_prime256v1, NID_sha256) ==
	    tlsscheme_by_name("ecdsa_secp256r1_sha256"));
	CHECK(tlsscheme_find("EC", NID_X9_62_prime256v1, NID_sha384) == NULL);
	CHECK(tlsscheme_find("RSA", 0, NID_sha1) == NULL);
	CHECK(tlsscheme_find("ED25519", 0, NID_sha512) == NULL);
	CHECK(tlsscheme_has_curve(NID_secp521r1));
	CHECK(!tlsscheme_has_curve(NID_secp256k1));
	CHECK(!tlsscheme_has_curve(0));
}

/* Verify as a TLS 1.3 server would: PSS with a salt of digest length. */
static int
verifies(EVP_PKEY *k, const struct tlsscheme *s, const unsigned char *tbs,
    size_t tbslen, const unsigned char *sig, size_t siglen, int pss)
{
	EVP_MD_CTX	*m;
	EVP_PKEY_CTX	*pc;
	int		 ok;

	if ((m = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit_ex(m, &pc, s->md ? OBJ_nid2sn(s->md) : NULL,
	    NULL, NULL, k, NULL) == 1;
	if (ok && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
		    RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && EVP_DigestVerify(m, sig, siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok;
}

TEST(tlssign_signs_for_its_key)
{
	static const struct {
		int		 key;
		const char	*scheme;
	} good[] = {
		{ K_RSA, "rsa_pss_rsae_sha256" },
		{ K_RSA, "rsa_pss_rsae_sha384" },
		{ K_RSA, "rsa_pss_rsae_sha512" },
		{ K_P256, "ecdsa_secp256r1_sha256" },
		{ K_P384, "ecdsa_secp384r1_sha384" },
		{ K_P521, "ecdsa_secp521r1_sha512" },
		{ K_ED25519, "ed25519" },
	};
	const struct tlsscheme	*s;
	unsigned char		 tbs[TLS13_CV_MAX_LEN];
	unsigned char		 sig[TLSSIGN_SIG_MAX];
	char			 why[256];
	size_t			 i, len, siglen;

	REQUIRE(setup() == 0);
	for (i = 0; i < nitems(good); i++) {
		len = content(tbs, i % 2 ? 48 : 32);
		siglen = sizeof(sig);
		REQUIRE((s = tlsscheme_by_name(good[i].scheme)) != NULL);
		CHECK_INT(tlssign_sign(keys[good[i].key].key_pem,
		    keys[good[i].key].cert_pem, s, tbs, len, sig, &siglen, why,
		    sizeof(why)), 0);
		CHECK(verifies(keys[good[i].key].key, s, tbs, len, sig, siglen,
		    good[i].key == K_RSA));
		/* PSS, not PKCS #1 v1.5. */
		if (good[i].key == K_RSA)
			CHECK(!verifies(keys[K_RSA].key, s, tbs, len, sig,
			    siglen, 0));
	}
	CHECK_INT(ERR_peek_error(), 0);
}

TEST(tlssign_refuses)
{
	static const struct {
		int		 key;
		const char	*scheme;
	} bad[] = {
		{ K_RSA, "ecdsa_secp256r1_sha256" },
		{ K_RSA, "ed25519" },
		/* TLS 1.3 pairs each curve with one digest. */
		{ K_P256, "ecdsa_secp384r1_sha384" },
		{ K_P384, "ecdsa_secp256r1_sha256" },
		{ K_P521, "ecdsa_secp256r1_sha256" },
		{ K_P256, "rsa_pss_rsae_sha256" },
		{ K_ED25519, "ecdsa_secp256r1_sha256" },
	};
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	const struct tlsscheme	*s;
	struct secret		*enc, *j;
	unsigned char		 tbs[TLS13_CV_MAX_LEN];
	unsigned char		 sig[TLSSIGN_SIG_MAX];
	char			 why[256];
	size_t			 i, len, siglen;
	BIO			*bio;
	char			*data;
	long			 n;

	REQUIRE(setup() == 0);
	len = content(tbs, 32);
	for (i = 0; i < nitems(bad); i++) {
		siglen = sizeof(sig);
		REQUIRE((s = tlsscheme_by_name(bad[i].scheme)) != NULL);
		CHECK_INT(tlssign_sign(keys[bad[i].key].key_pem,
		    keys[bad[i].key].cert_pem, s, tbs, len, sig, &siglen, why,
		    sizeof(why)), ERR_DENIED);
	}

	s = tlsscheme_by_name("ecdsa_secp256r1_sha256");
	/* A key that is not the certificate's. */
	siglen = sizeof(sig);
	CHECK_INT(tlssign_sign(keys[K_P256].key_pem, keys[K_P384].cert_pem, s,
	    tbs, len, sig, &siglen, why, sizeof(why)), ERR_FORMAT);
	CHECK_STR(why, "sslkey does not match sslcert");
	/* Not a key; an encrypted key, and no prompt for its passphrase. */
	REQUIRE((j = secret_new(junk, sizeof(junk) - 1)) != NULL);
	CHECK_INT(tlssign_sign(j, keys[K_P256].cert_pem, s, tbs, len, sig,
	    &siglen, why, sizeof(why)), ERR_FORMAT);
	CHECK_STR(why, "sslkey is not an unencrypted PEM private key");
	REQUIRE((bio = BIO_new(BIO_s_mem())) != NULL);
	REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, keys[K_P256].key,
	    EVP_aes_128_cbc(), "secret", 6, NULL, NULL) == 1);
	REQUIRE((n = BIO_get_mem_data(bio, &data)) > 0);
	REQUIRE((enc = secret_new(data, (size_t)n)) != NULL);
	BIO_free(bio);
	CHECK_INT(tlssign_sign(enc, keys[K_P256].cert_pem, s, tbs, len, sig,
	    &siglen, why, sizeof(why)), ERR_FORMAT);
	CHECK_STR(why, "sslkey is not an unencrypted PEM private key");
	/* Not a certificate. */
	CHECK_INT(tlssign_sign(keys[K_P256].key_pem, j, s, tbs, len, sig,
	    &siglen, why, sizeof(why)), ERR_FORMAT);
	CHECK_STR(why, "sslcert holds no valid certificate");
	/* No room for the signature. */
	siglen = 16;
	CHECK_INT(tlssign_sign(keys[K_P256].key_pem, keys[K_P256].cert_pem, s,
	    tbs, len, sig, &siglen, why, sizeof(why)), ERR_FORMAT);
	CHECK_INT(ERR_peek_error(), 0);
	secret_free(j);
	secret_free(enc);
}
