/*
 * Unit tests for monitor/mysqlauth.c: the MySQL and MariaDB answers that
 * the monitor computes for a worker.
 *
 * Expected values were computed outside this code:
 *  - the scramble answers with Python's hashlib, by the one-liner beside
 *    each;
 *  - the native stage 2 and the ed25519 public keys by a real MariaDB
 *    10.11.19 (Debian 12's mariadbd, a throwaway server from
 *    mariadb-install-db): SELECT PASSWORD(...), and SELECT
 *    ed25519_password(...) after CREATE FUNCTION ed25519_password RETURNS
 *    STRING SONAME 'auth_ed25519.so' (the same value as a user's
 *    authentication_string after IDENTIFIED VIA ed25519 USING
 *    PASSWORD('secret'));
 *  - the RSA key's fingerprint with Python from `openssl rsa -modulus` of
 *    testkeys.c's key.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "errors.h"
#include "mysqlauth.h"
#include "secret.h"
#include "test.h"
#include "testkeys.h"

#define SCRAMBLE	"0123456789abcdefghij"
/* Bytes >= 0x80 and a NUL: the password's length is not strlen's. */
#define HIGH_PW		"\xc3\xa9\xe2\x82\xac\x00\xff"

/* The bytes of a hex string (tests only: the input is ours). */
static void
unhex(const char *hex, unsigned char *out, size_t len)
{
	size_t	 bin;

	REQUIRE(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &bin,
	    NULL) == 0 && bin == len);
}

static struct secret *
pw(const char *p, size_t len)
{
	return secret_new(p, len);
}

/* The answer of f for password p and SCRAMBLE, as hex ("" for none). */
typedef int scramble_fn(const struct secret *, const unsigned char *,
    size_t, unsigned char *, size_t *);

static void
check_answer(scramble_fn *f, const char *p, size_t plen, const char *want)
{
	struct secret	*s;
	unsigned char	 out[MYSQL_SHA2_LEN];
	char		 hex[2 * sizeof(out) + 1];
	size_t		 outlen = 99;

	REQUIRE((s = pw(p, plen)) != NULL);
	CHECK_INT(f(s, (const unsigned char *)SCRAMBLE, 20, out, &outlen), 0);
	REQUIRE(outlen <= sizeof(out));
	sodium_bin2hex(hex, sizeof(hex), out, outlen);
	CHECK_STR(hex, want);
	secret_free(s);
}

/*
 * python3 -c 'import hashlib as h; p=b"secret"; s=b"0123456789abcdefghij";
 *   a=h.sha1(p).digest(); x=h.sha1(s+h.sha1(a).digest()).digest();
 *   print(bytes(i^j for i,j in zip(a,x)).hex())'
 * and the same with p=b"\xc3\xa9\xe2\x82\xac\x00\xff".
 */
TEST(mysql_native_vectors)
{
	check_answer(mysql_native_scramble, "secret", 6,
	    "f5cac3f3b3df2133feb57db682c71e6ed433a988");
	check_answer(mysql_native_scramble, HIGH_PW, 7,
	    "11aa7cdac8aebaa49c0d7155f690355011c5c8c9");
	/* As libmysqlclient: an empty password is an empty answer. */
	check_answer(mysql_native_scramble, "", 0, "");
}

/*
 * python3 -c 'import hashlib as h; p=b"secret"; s=b"0123456789abcdefghij";
 *   a=h.sha256(p).digest(); x=h.sha256(h.sha256(a).digest()+s).digest();
 *   print(bytes(i^j for i,j in zip(a,x)).hex())'
 * and the same with p=b"\xc3\xa9\xe2\x82\xac\x00\xff".
 */
TEST(mysql_sha2_vectors)
{
	check_answer(mysql_sha2_scramble, "secret", 6,
	    "7e4adda2f2d5ef09b4147518becb0cee"
	    "2939376203650a8c2bb2815959364bd0");
	check_answer(mysql_sha2_scramble, HIGH_PW, 7,
	    "3705ac75ece39ef65bbe65fadd57ca48"
	    "c6ced496981eea04bf1af24bda45a39f");
	check_answer(mysql_sha2_scramble, "", 0, "");
}

/*
 * What the server does with our answer (MySQL's check_scramble): with
 * stage2 = SHA1(SHA1(password)), as MariaDB's PASSWORD() shows it,
 * SHA1(scramble || stage2) XOR answer is SHA1(password), whose SHA1 must
 * be stage2 again.
 */
static void
check_native_server(const char *p, size_t plen, const char *stage2hex)
{
	struct secret	*s;
	unsigned char	 stage2[20], x[20], answer[20], cand[20];
	size_t		 i, outlen;
	EVP_MD_CTX	*ctx;

	unhex(stage2hex, stage2, sizeof(stage2));
	REQUIRE((s = pw(p, plen)) != NULL);
	CHECK_INT(mysql_native_scramble(s, (const unsigned char *)SCRAMBLE,
	    20, answer, &outlen), 0);
	secret_free(s);
	REQUIRE(outlen == 20);
	REQUIRE((ctx = EVP_MD_CTX_new()) != NULL);
	CHECK(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, SCRAMBLE, 20) == 1 &&
	    EVP_DigestUpdate(ctx, stage2, 20) == 1 &&
	    EVP_DigestFinal_ex(ctx, x, NULL) == 1);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 20; i++)
		cand[i] = x[i] ^ answer[i];
	CHECK(EVP_Digest(cand, 20, x, NULL, EVP_sha1(), NULL) == 1);
	CHECK_MEM(x, stage2, 20);
}

TEST(mysql_native_server_check)
{
	/* MariaDB 10.11: SELECT PASSWORD('secret'), minus its '*'. */
	check_native_server("secret", 6,
	    "14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
	/* SELECT PASSWORD(x'c3a9e282ac00ff') */
	check_native_server(HIGH_PW, 7,
	    "253040E631B308B3813FF73E56696CA4BA9C63EF");
}

TEST(mysql_scramble_refusals)
{
	struct secret	*s;
	unsigned char	 scr[21], out[MYSQL_SHA2_LEN];
	size_t		 outlen = 99;

	memset(scr, 'a', sizeof(scr));
	REQUIRE((s = pw("secret", 6)) != NULL);
	/* The worker strips the greeting's NUL: 20 bytes, no more, no less. */
	CHECK_INT(mysql_native_scramble(s, scr, 19, out, &outlen), ERR_FORMAT);
	CHECK_INT(outlen, 0);
	CHECK_INT(mysql_native_scramble(s, scr, 21, out, &outlen), ERR_FORMAT);
	CHECK_INT(mysql_sha2_scramble(s, scr, 19, out, &outlen), ERR_FORMAT);
	CHECK_INT(mysql_sha2_scramble(s, scr, 21, out, &outlen), ERR_FORMAT);
	CHECK_INT(mysql_sha2_scramble(s, NULL, 20, out, &outlen), ERR_INVAL);
	CHECK_INT(mysql_sha2_scramble(NULL, scr, 20, out, &outlen), ERR_INVAL);
	CHECK_INT(mysql_sha2_scramble(s, scr, 20, out, NULL), ERR_INVAL);
	secret_free(s);
}

/* testkeys.c's RSA key as the worker would hand it over. */
struct rsakey {
	EVP_PKEY	*pkey;
	unsigned char	 n[256];
	size_t		 nlen;
	unsigned char	 e[3];
	size_t		 elen;
};

static int
rsakey_load(struct rsakey *k)
{
	BIGNUM	*n = NULL, *e = NULL;
	int	 ok;

	memset(k, 0, sizeof(*k));
	if ((k->pkey = testkey_rsa()) == NULL)
		return 0;
	ok = EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
	    EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
	    BN_num_bytes(n) == 256 && BN_num_bytes(e) == 3;
	if (ok) {
		k->nlen = (size_t)BN_bn2bin(n, k->n);
		k->elen = (size_t)BN_bn2bin(e, k->e);
	}
	BN_free(n);
	BN_free(e);
	return ok;
}

/* Decrypt with the private key (OAEP, SHA-1) and undo the XOR. */
static int
rsa_open(EVP_PKEY *pkey, const unsigned char *ct, size_t ctlen,
    unsigned char *pt, size_t *ptlen)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 i;
	int		 ok;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return 0;
	ok = EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_decrypt(ctx, pt, ptlen, ct, ctlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	for (i = 0; ok && i < *ptlen; i++)
		pt[i] ^= SCRAMBLE[i % 20];
	return ok;
}

static int
encrypt(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, const char *p, size_t plen, unsigned char *out,
    size_t *outlen)
{
	struct secret	*s;
	int		 r;

	if ((s = pw(p, plen)) == NULL)
		return ERR_NOMEM;
	r = mysql_rsa_encrypt(s, (const unsigned char *)SCRAMBLE, 20, n, nlen,
	    e, elen, out, MYSQL_RSA_OUT_MAX, outlen);
	secret_free(s);
	return r;
}

/* Encrypt p under k, decrypt, and find p and its NUL. */
static void
check_rsa_roundtrip(const struct rsakey *k, const unsigned char *n,
    size_t nlen, const char *p, size_t plen)
{
	unsigned char	 ct[MYSQL_RSA_OUT_MAX], pt[256];
	size_t		 ctlen = 0, ptlen = sizeof(pt);

	CHECK_INT(encrypt(n, nlen, k->e, k->elen, p, plen, ct, &ctlen), 0);
	CHECK_INT(ctlen, 256);
	REQUIRE(rsa_open(k->pkey, ct, ctlen, pt, &ptlen));
	CHECK_INT(ptlen, plen + 1);
	CHECK(ptlen == plen + 1 && memcmp(pt, p, plen) == 0 &&
	    pt[plen] == '\0');
}

TEST(mysql_rsa_encrypt_roundtrip)
{
	struct rsakey	 k;
	unsigned char	 ct1[MYSQL_RSA_OUT_MAX], ct2[MYSQL_RSA_OUT_MAX];
	unsigned char	 lead[1 + 256];
	char		 longest[256 - 42];
	size_t		 len1, len2;

	REQUIRE(rsakey_load(&k));
	check_rsa_roundtrip(&k, k.n, k.nlen, "secret", 6);
	check_rsa_roundtrip(&k, k.n, k.nlen, HIGH_PW, 7);
	check_rsa_roundtrip(&k, k.n, k.nlen, "", 0);
	/* The longest password one OAEP block holds: 256 - 42 - 1 bytes. */
	memset(longest, 'p', sizeof(longest));
	check_rsa_roundtrip(&k, k.n, k.nlen, longest, sizeof(longest) - 1);
	/* A leading zero byte (a DER INTEGER's) is no part of the number. */
	lead[0] = 0;
	memcpy(lead + 1, k.n, k.nlen);
	check_rsa_roundtrip(&k, lead, k.nlen + 1, "secret", 6);
	/* OAEP is randomised: two encryptions differ. */
	CHECK_INT(encrypt(k.n, k.nlen, k.e, k.elen, "secret", 6, ct1,
	    &len1), 0);
	CHECK_INT(encrypt(k.n, k.nlen, k.e, k.elen, "secret", 6, ct2,
	    &len2), 0);
	CHECK(len1 == len2 && memcmp(ct1, ct2, len1) != 0);
	EVP_PKEY_free(k.pkey);
}

TEST(mysql_rsa_refusals)
{
	struct rsakey	 k;
	struct secret	*s;
	unsigned char	 n[MYSQL_RSA_OUT_MAX + 1], out[MYSQL_RSA_OUT_MAX];
	unsigned char	 e1[] = { 1 }, e2p32[] = { 1, 0, 0, 0, 1 };
	unsigned char	 eeven[] = { 1, 0, 0 };
	unsigned char	 ebig[] = { 0xff, 0xff, 0xff, 0xff };
	char		 toolong[256 - 42];
	size_t		 outlen = 99;

	REQUIRE(rsakey_load(&k));
	/* 1024 bits: too weak.  The first half of n is odd and 1024 bits. */
	memcpy(n, k.n, 128);
	n[127] |= 1;
	CHECK_INT(encrypt(n, 128, k.e, k.elen, "secret", 6, out, &outlen),
	    ERR_DENIED);
	CHECK_INT(outlen, 0);
	/* 2047 bits. */
	memcpy(n, k.n, 256);
	n[0] = 0x7f;
	CHECK_INT(encrypt(n, 256, k.e, k.elen, "secret", 6, out, &outlen),
	    ERR_DENIED);
	/* 16384 bits are the most; one more byte is too many. */
	memset(n, 0xff, sizeof(n));
	CHECK_INT(encrypt(n, sizeof(n) - 1, k.e, k.elen, "secret", 6, out,
	    &outlen), 0);
	CHECK_INT(outlen, MYSQL_RSA_OUT_MAX);
	CHECK_INT(encrypt(n, sizeof(n), k.e, k.elen, "secret", 6, out,
	    &outlen), ERR_TOOBIG);
	/* Even. */
	memcpy(n, k.n, 256);
	n[255] &= 0xfe;
	CHECK_INT(encrypt(n, 256, k.e, k.elen, "secret", 6, out, &outlen),
	    ERR_FORMAT);
	/* Zero, or nothing at all. */
	memset(n, 0, 256);
	CHECK_INT(encrypt(n, 256, k.e, k.elen, "secret", 6, out, &outlen),
	    ERR_FORMAT);
	CHECK_INT(encrypt(n, 0, k.e, k.elen, "secret", 6, out, &outlen),
	    ERR_FORMAT);
	/* Exponents 1, even, 2^32 + 1; 2^32 - 1 is the largest allowed. */
	CHECK_INT(encrypt(k.n, k.nlen, e1, sizeof(e1), "secret", 6, out,
	    &outlen), ERR_FORMAT);
	CHECK_INT(encrypt(k.n, k.nlen, eeven, sizeof(eeven), "secret", 6,
	    out, &outlen), ERR_FORMAT);
	CHECK_INT(encrypt(k.n, k.nlen, e2p32, sizeof(e2p32), "secret", 6,
	    out, &outlen), ERR_TOOBIG);
	CHECK_INT(encrypt(k.n, k.nlen, ebig, sizeof(ebig), "secret", 6,
	    out, &outlen), 0);
	/* One byte more than a 2048-bit block holds with its NUL. */
	memset(toolong, 'p', sizeof(toolong));
	CHECK_INT(encrypt(k.n, k.nlen, k.e, k.elen, toolong,
	    sizeof(toolong), out, &outlen), ERR_TOOBIG);
	/* The scramble is 20 bytes; the output must hold one block. */
	REQUIRE((s = pw("secret", 6)) != NULL);
	CHECK_INT(mysql_rsa_encrypt(s, (const unsigned char *)SCRAMBLE, 19,
	    k.n, k.nlen, k.e, k.elen, out, sizeof(out), &outlen), ERR_FORMAT);
	CHECK_INT(mysql_rsa_encrypt(s, (const unsigned char *)SCRAMBLE, 20,
	    k.n, k.nlen, k.e, k.elen, out, 255, &outlen), ERR_TOOBIG);
	CHECK_INT(outlen, 0);
	secret_free(s);
	EVP_PKEY_free(k.pkey);
}

/*
 * python3: n from `openssl rsa -noout -modulus` of testkeys.c's key,
 * e = (65537).to_bytes(3, "big"), then
 * hashlib.sha256(struct.pack(">I", len(n)) + n +
 *     struct.pack(">I", len(e)) + e).hexdigest()
 */
#define TESTKEY_FP	"0313fdf02061f329063f31066bd17548" \
			"bfd37088c8e7d9aa3cf5654b94e6775a"

TEST(mysql_rsa_fingerprint)
{
	struct rsakey	 k;
	unsigned char	 fp[MYSQL_RSA_FP_LEN], fp2[MYSQL_RSA_FP_LEN];
	unsigned char	 want[MYSQL_RSA_FP_LEN], lead[2 + 256], e0[4];
	unsigned char	 n[256];

	REQUIRE(rsakey_load(&k));
	unhex(TESTKEY_FP, want, sizeof(want));
	CHECK_INT(mysql_rsa_key_fingerprint(k.n, k.nlen, k.e, k.elen, fp), 0);
	CHECK_MEM(fp, want, sizeof(want));
	/* Leading zeros do not change it. */
	memset(lead, 0, 2);
	memcpy(lead + 2, k.n, k.nlen);
	e0[0] = 0;
	memcpy(e0 + 1, k.e, 3);
	CHECK_INT(mysql_rsa_key_fingerprint(lead, sizeof(lead), e0,
	    sizeof(e0), fp2), 0);
	CHECK_MEM(fp2, want, sizeof(want));
	/* Another modulus has another print. */
	memcpy(n, k.n, sizeof(n));
	n[100] ^= 0x10;
	CHECK_INT(mysql_rsa_key_fingerprint(n, sizeof(n), k.e, k.elen, fp2),
	    0);
	CHECK(memcmp(fp2, want, sizeof(want)) != 0);
	/* A key that would not be used has none. */
	n[255] &= 0xfe;
	CHECK_INT(mysql_rsa_key_fingerprint(n, sizeof(n), k.e, k.elen, fp2),
	    ERR_FORMAT);
	EVP_PKEY_free(k.pkey);
}

/* 32 bytes in base64 without padding (and, below, a NUL). */
#define ED_PUB_B64_LEN	43

/* MariaDB 10.11: SELECT ed25519_password(...), base64 without padding. */
static void
check_ed25519_public(const char *p, size_t plen, const char *b64)
{
	struct secret	*s;
	unsigned char	 pub[MARIADB_ED25519_PUB_LEN];
	char		 got[ED_PUB_B64_LEN + 1];

	REQUIRE((s = pw(p, plen)) != NULL);
	CHECK_INT(mariadb_ed25519_public(s, pub), 0);
	secret_free(s);
	sodium_bin2base64(got, sizeof(got), pub, sizeof(pub),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	CHECK_STR(got, b64);
}

#define ED_SECRET_PUB	"ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY"

TEST(mariadb_ed25519_public_key)
{
	check_ed25519_public("secret", 6, ED_SECRET_PUB);
	check_ed25519_public("", 0,
	    "4LH+dBF+G5W2CKTyId8xR3SyDqZoQjUNUVNxx8aWbG4");
	check_ed25519_public(HIGH_PW, 7,
	    "dUb9I2u+5j82IRQ2LfHOI6LdrUf7zcXbVgACXRbLXUo");
}

TEST(mariadb_ed25519_signature)
{
	struct secret	*s, *other;
	unsigned char	 pub[MARIADB_ED25519_PUB_LEN], msg[32];
	unsigned char	 sig[MARIADB_ED25519_SIG_LEN];
	unsigned char	 sig2[MARIADB_ED25519_SIG_LEN];
	size_t		 len;

	/* The public key as the server stores it, not as we compute it. */
	REQUIRE(sodium_base642bin(pub, sizeof(pub), ED_SECRET_PUB,
	    strlen(ED_SECRET_PUB), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
	    len == sizeof(pub));
	memcpy(msg, "a 32-byte scramble from a server", 32);
	REQUIRE((s = pw("secret", 6)) != NULL);
	CHECK_INT(mariadb_ed25519_sign(s, msg, sizeof(msg), sig), 0);
	CHECK(crypto_sign_verify_detached(sig, msg, sizeof(msg), pub) == 0);
	/* Deterministic, as Ed25519 is. */
	CHECK_INT(mariadb_ed25519_sign(s, msg, sizeof(msg), sig2), 0);
	CHECK_MEM(sig, sig2, sizeof(sig));
	/* A flipped bit of R, of S or of the message fails. */
	sig2[3] ^= 0x08;
	CHECK(crypto_sign_verify_detached(sig2, msg, sizeof(msg), pub) != 0);
	memcpy(sig2, sig, sizeof(sig));
	sig2[40] ^= 0x01;
	CHECK(crypto_sign_verify_detached(sig2, msg, sizeof(msg), pub) != 0);
	msg[0] ^= 0x80;
	CHECK(crypto_sign_verify_detached(sig, msg, sizeof(msg), pub) != 0);
	msg[0] ^= 0x80;
	/* Another password's signature fails. */
	REQUIRE((other = pw("secreT", 6)) != NULL);
	CHECK_INT(mariadb_ed25519_sign(other, msg, sizeof(msg), sig2), 0);
	CHECK(crypto_sign_verify_detached(sig2, msg, sizeof(msg), pub) != 0);
	secret_free(other);
	/* The scramble is 32 bytes. */
	CHECK_INT(mariadb_ed25519_sign(s, msg, 31, sig2), ERR_FORMAT);
	CHECK_INT(mariadb_ed25519_sign(s, msg, 33, sig2), ERR_FORMAT);
	secret_free(s);
}

/*
 * Any length of password: the whole of it is hashed, not a 32-byte seed.
 * MariaDB 10.11: SELECT ed25519_password(repeat('x', 300)).
 */
TEST(mariadb_ed25519_long_password)
{
	struct secret	*s;
	unsigned char	 pub[MARIADB_ED25519_PUB_LEN], msg[32];
	unsigned char	 sig[MARIADB_ED25519_SIG_LEN];
	char		 p[300];

	memset(p, 'x', sizeof(p));
	check_ed25519_public(p, sizeof(p),
	    "eSS9X/TO8Epmrf7qexlsx6nP5dk8sSW6CXWFEDaszhI");
	memset(msg, 0xa5, sizeof(msg));
	REQUIRE((s = pw(p, sizeof(p))) != NULL);
	CHECK_INT(mariadb_ed25519_public(s, pub), 0);
	CHECK_INT(mariadb_ed25519_sign(s, msg, sizeof(msg), sig), 0);
	CHECK(crypto_sign_verify_detached(sig, msg, sizeof(msg), pub) == 0);
	secret_free(s);
}
