/*
 * The monitor's SSH keys (monitor/sshkey.c): private keys of each type in
 * PEM and OpenSSH's format, their public blobs against ssh-keygen's,
 * signatures checked by sshkey_verify and by OpenSSL directly, and the
 * keys and texts that are refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "sshkey.h"
#include "sshtestkeys.h"
#include "test.h"

#define BLOB_B64_MAX	1024

static const unsigned char tbs[] = "the data a client asks to sign";

static EVP_PKEY *
load(const char *text, int *r)
{
	EVP_PKEY	*k = NULL;
	char		 err[256];

	*r = sshkey_private((const unsigned char *)text, strlen(text), &k,
	    err, sizeof(err));
	return k;
}

/* The blob of a public line "TYPE BASE64 COMMENT". */
static size_t
pub_blob(const char *line, unsigned char *blob, size_t max)
{
	const char	*b64 = strchr(line, ' ') + 1;
	const char	*end = strchr(b64, ' ');
	size_t		 len;

	if (end == NULL)
		end = b64 + strlen(b64);
	if (sodium_base642bin(blob, max, b64, (size_t)(end - b64), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return len;
}

static int
blob_is(EVP_PKEY *k, const char *publine)
{
	unsigned char	 want[BLOB_B64_MAX];
	size_t		 wantlen = pub_blob(publine, want, sizeof(want));
	struct buf	*b = buf_new(SSHKEY_BLOB_MAX);
	int		 ok;

	ok = wantlen > 0 && sshkey_public_blob(k, b) == 0 &&
	    buf_len(b) == wantlen && memcmp(buf_ptr(b), want, wantlen) == 0;
	buf_free(b);
	return ok;
}

TEST(sshkey_private_both_formats)
{
	EVP_PKEY	*k;
	size_t		 i, typelen;
	int		 r;

	for (i = 0; i < nsshtestkeys; i++) {
		typelen = strcspn(sshtestkeys[i].pub, " ");
		k = load(sshtestkeys[i].pem, &r);
		CHECK_INT(r, 0);
		CHECK(blob_is(k, sshtestkeys[i].pub));
		CHECK(sshkey_type_name(k) != NULL &&
		    strncmp(sshkey_type_name(k), sshtestkeys[i].pub,
		    typelen) == 0);
		EVP_PKEY_free(k);
		k = load(sshtestkeys[i].v1, &r);
		CHECK_INT(r, 0);
		CHECK(blob_is(k, sshtestkeys[i].pub));
		EVP_PKEY_free(k);
	}
}

TEST(sshkey_private_refused)
{
	EVP_PKEY	*k = NULL;
	char		 err[256];
	size_t		 i;
	int		 r;

	for (i = 0; i < nsshtestbadkeys; i++) {
		r = sshkey_private((const unsigned char *)
		    sshtestbadkeys[i].text, strlen(sshtestbadkeys[i].text),
		    &k, err, sizeof(err));
		CHECK(r != 0);
		CHECK(k == NULL);
		CHECK(err[0] != '\0');
		if (strncmp(sshtestbadkeys[i].name, "enc", 3) == 0)
			CHECK_STR(err, "the key is encrypted (passphrases are "
			    "not supported)");
		if (strncmp(sshtestbadkeys[i].name, "dsa", 3) == 0)
			CHECK_STR(err, "DSA keys are not supported");
	}
	r = sshkey_private((const unsigned char *)"garbage", 7, &k, err,
	    sizeof(err));
	CHECK(r != 0 && k == NULL && err[0] != '\0');
}

/*
 * A text cut before its end line is refused, and nothing crashes: cuts in
 * the armour line, then in stretches of the base64 (the binary is cut at
 * every length in sshkey_private_v1_mutated; OpenSSL's PEM decoder is
 * slow enough under valgrind to be sampled).
 */
TEST(sshkey_private_truncated)
{
	EVP_PKEY	*k;
	char		 err[256];
	const char	*texts[2], *end;
	size_t		 i, j, n;

	for (i = 0; i < nsshtestkeys; i++) {
		texts[0] = sshtestkeys[i].pem;
		texts[1] = sshtestkeys[i].v1;
		for (j = 0; j < 2; j++) {
			end = strstr(texts[j], "-----END");
			for (n = 0; n < (size_t)(end - texts[j]);
			    n += n < 40 ? 3 : 61) {
				k = NULL;
				CHECK(sshkey_private((const unsigned char *)
				    texts[j], n, &k, err, sizeof(err)) != 0);
				CHECK(k == NULL);
			}
		}
	}
}

/* The ed25519 key's OpenSSH binary, for mutations. */
static size_t
v1_binary(const char *text, unsigned char *bin, size_t max)
{
	const char	*b = strchr(text, '\n') + 1;
	const char	*e = strstr(text, "-----END");
	size_t		 len;

	if (sodium_base642bin(bin, max, b, (size_t)(e - b), "\n", &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return len;
}

static int
v1_try(const unsigned char *bin, size_t len, char *err, size_t errlen)
{
	char		 text[4096];
	EVP_PKEY	*k = NULL;
	int		 r, n;

	n = snprintf(text, sizeof(text), "-----BEGIN OPENSSH PRIVATE KEY-----"
	    "\n");
	sodium_bin2base64(text + n, sizeof(text) - n, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	n = (int)strlen(text);
	snprintf(text + n, sizeof(text) - n, "\n-----END OPENSSH PRIVATE KEY"
	    "-----\n");
	r = sshkey_private((unsigned char *)text, strlen(text), &k, err,
	    errlen);
	EVP_PKEY_free(k);
	return r;
}

/*
 * OpenSSH's format cut at every length, and with every byte changed:
 * refused or decoded, never a crash (ASan and valgrind runs watch).
 */
TEST(sshkey_private_v1_mutated)
{
	unsigned char	 bin[2048], save;
	char		 err[256];
	size_t		 len, i, k;
	const size_t	 which[] = { TK_EC256, TK_ED25519 };

	for (k = 0; k < 2; k++) {
		len = v1_binary(sshtestkeys[which[k]].v1, bin, sizeof(bin));
		REQUIRE(len > 0);
		CHECK_INT(v1_try(bin, len, err, sizeof(err)), 0);
		for (i = 0; i < len; i++)
			CHECK(v1_try(bin, i, err, sizeof(err)) != 0);
		for (i = 0; i < len; i++) {
			save = bin[i];
			bin[i] ^= 0x81;
			(void)v1_try(bin, len, err, sizeof(err));
			bin[i] = save;
		}
	}
}

/* check1 != check2: the section is damaged (PROTOCOL.key 3). */
TEST(sshkey_private_v1_check)
{
	unsigned char	 bin[2048];
	char		 err[256];
	size_t		 len, off;

	len = v1_binary(sshtestkeys[TK_ED25519].v1, bin, sizeof(bin));
	REQUIRE(len > 0);
	/* The private section is last; its checks are its first 8 bytes. */
	off = len - 136 + 4;
	bin[off] ^= 1;
	CHECK(v1_try(bin, len, err, sizeof(err)) != 0);
	CHECK_STR(err, "the key's private section is damaged");
}

TEST(sshkey_sign_alg_flags)
{
	EVP_PKEY	*k;
	int		 r;

	k = load(sshtestkeys[TK_RSA].pem, &r);
	REQUIRE(r == 0);
	CHECK(sshkey_sign_alg(k, 0, 0) == NULL);
	CHECK_STR(sshkey_sign_alg(k, 0, 1), "ssh-rsa");
	CHECK_STR(sshkey_sign_alg(k, SSH_AGENT_RSA_SHA2_256, 0),
	    "rsa-sha2-256");
	CHECK_STR(sshkey_sign_alg(k, SSH_AGENT_RSA_SHA2_512, 0),
	    "rsa-sha2-512");
	/* OpenSSH's ssh-agent tests SHA2_256 first */
	CHECK_STR(sshkey_sign_alg(k, SSH_AGENT_RSA_SHA2_256 |
	    SSH_AGENT_RSA_SHA2_512, 0), "rsa-sha2-256");
	EVP_PKEY_free(k);
	k = load(sshtestkeys[TK_EC384].pem, &r);
	REQUIRE(r == 0);
	CHECK_STR(sshkey_sign_alg(k, 0, 0), "ecdsa-sha2-nistp384");
	CHECK_STR(sshkey_sign_alg(k, SSH_AGENT_RSA_SHA2_512, 1),
	    "ecdsa-sha2-nistp384");
	EVP_PKEY_free(k);
	k = load(sshtestkeys[TK_ED25519].v1, &r);
	REQUIRE(r == 0);
	CHECK_STR(sshkey_sign_alg(k, 0, 0), "ssh-ed25519");
	EVP_PKEY_free(k);
}

/* RFC 5656 3.1.2's string(mpint r, mpint s) as DER, in the test's own way. */
static size_t
rs_to_der(const unsigned char *rs, size_t rslen, unsigned char *der)
{
	struct buf		 b;
	const unsigned char	*r, *s;
	size_t			 rlen, slen;
	ECDSA_SIG		*es;
	int			 n;

	buf_view(&b, rs, rslen);
	if (buf_get_string_direct(&b, &r, &rlen) != 0 ||
	    buf_get_string_direct(&b, &s, &slen) != 0 ||
	    (es = ECDSA_SIG_new()) == NULL)
		return 0;
	ECDSA_SIG_set0(es, BN_bin2bn(r, (int)rlen, NULL),
	    BN_bin2bn(s, (int)slen, NULL));
	n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	return n > 0 ? (size_t)n : 0;
}

/* Does OpenSSL itself verify the signature blob with k? */
static int
openssl_verifies(EVP_PKEY *k, const char *md, const unsigned char *sig,
    size_t siglen)
{
	struct buf		 b;
	const unsigned char	*alg, *s;
	unsigned char		 der[256];
	size_t			 alglen, slen;
	EVP_MD_CTX		*m;
	int			 ok;

	buf_view(&b, sig, siglen);
	if (buf_get_string_direct(&b, &alg, &alglen) != 0 ||
	    buf_get_string_direct(&b, &s, &slen) != 0 ||
	    buf_expect_end(&b) != 0)
		return 0;
	if (EVP_PKEY_is_a(k, "EC")) {
		slen = rs_to_der(s, slen, der);
		s = der;
	}
	m = EVP_MD_CTX_new();
	ok = EVP_DigestVerifyInit_ex(m, NULL, md, NULL, NULL, k, NULL) == 1 &&
	    EVP_DigestVerify(m, s, slen, tbs, sizeof(tbs)) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

static void
sign_and_check(EVP_PKEY *k, const char *alg, const char *md)
{
	struct buf		*blob = buf_new(SSHKEY_BLOB_MAX);
	struct buf		*sig = buf_new(SSHKEY_SIG_MAX);
	struct buf		 v;
	const unsigned char	*name;
	size_t			 namelen;
	unsigned char		 bad[sizeof(tbs)];

	CHECK_INT(sshkey_public_blob(k, blob), 0);
	CHECK_INT(sshkey_sign(k, alg, tbs, sizeof(tbs), sig), 0);
	buf_view(&v, buf_ptr(sig), buf_len(sig));
	CHECK(buf_get_string_direct(&v, &name, &namelen) == 0 &&
	    namelen == strlen(alg) && memcmp(name, alg, namelen) == 0);
	CHECK_INT(sshkey_verify(buf_ptr(blob), buf_len(blob), buf_ptr(sig),
	    buf_len(sig), tbs, sizeof(tbs)), 0);
	CHECK(openssl_verifies(k, md, buf_ptr(sig), buf_len(sig)));
	memcpy(bad, tbs, sizeof(bad));
	bad[0] ^= 1;
	CHECK_INT(sshkey_verify(buf_ptr(blob), buf_len(blob), buf_ptr(sig),
	    buf_len(sig), bad, sizeof(bad)), ERR_AUTH);
	/* the signature cut short, or with a byte more */
	CHECK(sshkey_verify(buf_ptr(blob), buf_len(blob), buf_ptr(sig),
	    buf_len(sig) - 1, tbs, sizeof(tbs)) != 0);
	CHECK(buf_put_u8(sig, 0) == 0);
	CHECK(sshkey_verify(buf_ptr(blob), buf_len(blob), buf_ptr(sig),
	    buf_len(sig), tbs, sizeof(tbs)) != 0);
	buf_free(blob);
	buf_free(sig);
}

TEST(sshkey_sign_verify)
{
	static const struct {
		size_t		 key;
		const char	*alg, *md;
	} cases[] = {
		{ TK_RSA, "ssh-rsa", "SHA1" },
		{ TK_RSA, "rsa-sha2-256", "SHA256" },
		{ TK_RSA, "rsa-sha2-512", "SHA512" },
		{ TK_EC256, "ecdsa-sha2-nistp256", "SHA256" },
		{ TK_EC384, "ecdsa-sha2-nistp384", "SHA384" },
		{ TK_EC521, "ecdsa-sha2-nistp521", "SHA512" },
		{ TK_ED25519, "ssh-ed25519", NULL },
	};
	EVP_PKEY	*k;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = load(sshtestkeys[cases[i].key].v1, &r);
		REQUIRE(r == 0);
		sign_and_check(k, cases[i].alg, cases[i].md);
		EVP_PKEY_free(k);
	}
}

/* A key signs with its own algorithms only. */
TEST(sshkey_sign_wrong_alg)
{
	struct buf	*sig = buf_new(SSHKEY_SIG_MAX);
	EVP_PKEY	*k;
	int		 r;

	k = load(sshtestkeys[TK_EC256].pem, &r);
	REQUIRE(r == 0);
	CHECK(sshkey_sign(k, "ecdsa-sha2-nistp384", tbs, sizeof(tbs),
	    sig) != 0);
	CHECK(sshkey_sign(k, "rsa-sha2-256", tbs, sizeof(tbs), sig) != 0);
	CHECK(sshkey_sign(k, NULL, tbs, sizeof(tbs), sig) != 0);
	CHECK_INT(buf_len(sig), 0);
	EVP_PKEY_free(k);
	buf_free(sig);
}

/* A signature under another key's algorithm name does not verify. */
TEST(sshkey_verify_alg_mismatch)
{
	struct buf	*sig = buf_new(SSHKEY_SIG_MAX);
	unsigned char	 blob[BLOB_B64_MAX];
	size_t		 bloblen;
	EVP_PKEY	*k;
	int		 r;

	k = load(sshtestkeys[TK_EC256].pem, &r);
	REQUIRE(r == 0);
	CHECK_INT(sshkey_sign(k, "ecdsa-sha2-nistp256", tbs, sizeof(tbs),
	    sig), 0);
	/* the P-256 signature against the P-384 key */
	bloblen = pub_blob(sshtestkeys[TK_EC384].pub, blob, sizeof(blob));
	CHECK(sshkey_verify(blob, bloblen, buf_ptr(sig), buf_len(sig), tbs,
	    sizeof(tbs)) != 0);
	EVP_PKEY_free(k);
	buf_free(sig);
}

TEST(sshkey_from_blob_checks)
{
	unsigned char	 blob[BLOB_B64_MAX];
	size_t		 len, i, n;
	EVP_PKEY	*k;

	for (i = 0; i < nsshtestkeys; i++) {
		len = pub_blob(sshtestkeys[i].pub, blob, sizeof(blob) - 1);
		REQUIRE(len > 0);
		CHECK_INT(sshkey_from_blob(blob, len, &k), 0);
		CHECK(blob_is(k, sshtestkeys[i].pub));
		EVP_PKEY_free(k);
		/* a byte more */
		blob[len] = 0;
		CHECK(sshkey_from_blob(blob, len + 1, &k) != 0 && k == NULL);
		/* every cut */
		for (n = 0; n < len; n++)
			CHECK(sshkey_from_blob(blob, n, &k) != 0 && k == NULL);
	}
	/* ECDSA whose curve field is not its type's (RFC 5656 3.1) */
	len = pub_blob(sshtestkeys[TK_EC256].pub, blob, sizeof(blob));
	memcpy(blob + 4 + 19 + 4, "nistp384", 8);
	CHECK(sshkey_from_blob(blob, len, &k) != 0);
	/* a point off the curve */
	len = pub_blob(sshtestkeys[TK_EC256].pub, blob, sizeof(blob));
	blob[len - 1] ^= 1;
	CHECK(sshkey_from_blob(blob, len, &k) != 0);
}

/*
 * The P-256 test key written with its point compressed (openssl ec
 * -conv_form compressed): its blob has the uncompressed point all the
 * same, as RFC 5656 3.1 sends it.
 */
static const char ecdsa256_compressed[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MFcCAQEEIN31ELbfTFjKZFL6XtbFygnn9ZKOAOd/28TuDjo+/NAXoAoGCCqGSM49\n"
    "AwEHoSQDIgADI9oi8ekjF7eMvTNPRhKpZA4tCrdIpSyG6tyMxesvcNs=\n"
    "-----END EC PRIVATE KEY-----\n";

TEST(sshkey_public_blob_compressed_pem)
{
	EVP_PKEY	*k;
	int		 r;

	k = load(ecdsa256_compressed, &r);
	CHECK_INT(r, 0);
	CHECK(blob_is(k, sshtestkeys[TK_EC256].pub));
	EVP_PKEY_free(k);
}
