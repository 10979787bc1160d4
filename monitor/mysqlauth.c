/*
 * MySQL and MariaDB authentication computed in the monitor, so that the
 * password never enters a worker.  Nothing here reads a socket: the worker
 * hands us the server's scramble (and, for RSA, its key as two numbers),
 * and gets back only the answer.
 *
 * mysql_native_password: MySQL Client/Server Protocol, "Connection Phase",
 * "Native Authentication".
 * caching_sha2_password: MySQL 8.0 Reference Manual, "Caching SHA-2
 * Pluggable Authentication", and the client of sql-common/
 * client_authentication.cc it describes: the fast path's scramble, and the
 * full authentication's RSA_PKCS1_OAEP_PADDING (PKCS #1 v2 OAEP with SHA-1
 * and MGF1-SHA-1, RFC 8017 section 7.1) of the password XOR'd with the
 * scramble.
 * client_ed25519: MariaDB Knowledge Base, "Authentication Plugin -
 * ed25519", whose server (plugin/auth_ed25519) derives the key from
 * SHA-512 of the whole password where RFC 8032 section 5.1.5 hashes a
 * 32-byte seed; the signature is otherwise RFC 8032 section 5.1.6's.
 *
 * Every value derived from the password lives in guarded memory
 * (secret_alloc) and is zeroed when it is freed.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "errors.h"
#include "mysqlauth.h"
#include "secret.h"
#include "util.h"

#define SHA1_LEN		20
#define SHA256_LEN		32
#define SCRAMBLE_HASH_MAX	SHA256_LEN

/* Ed25519's scalars (32 bytes) and the SHA-512 it reduces (64). */
#define ED_SCALAR_LEN		crypto_core_ed25519_SCALARBYTES
#define ED_HASH_LEN		crypto_hash_sha512_BYTES
_Static_assert(ED_HASH_LEN == crypto_core_ed25519_NONREDUCEDSCALARBYTES,
    "a SHA-512 is what scalar_reduce reduces");

/* RFC 8017 section 7.1.1: a message of at most k - 2 hLen - 2 bytes. */
#define OAEP_SHA1_OVERHEAD	(2 * SHA1_LEN + 2)
/* e < 2^32 (and so at most 4 bytes); at least 3 and odd. */
#define RSA_E_MAX_LEN		4
#define RSA_E_MIN		3

/* One piece of a hash's input. */
struct part {
	const void	*p;
	size_t		 len;
};

/* What the scramble answers derive from the password. */
struct scramble_keys {
	unsigned char	 h1[SCRAMBLE_HASH_MAX];	/* H(password) */
	unsigned char	 h2[SCRAMBLE_HASH_MAX];	/* H(H(password)) */
	unsigned char	 x[SCRAMBLE_HASH_MAX];	/* XOR'd with h1 */
};

/*
 * MariaDB's key and signature, RFC 8032 section 5.1.6 with its names: az is
 * the key's hash (a, then the prefix), a the scalar reduced modulo L, r the
 * nonce, ka the product k * a.
 */
struct ed25519_keys {
	unsigned char		 az[ED_HASH_LEN];
	unsigned char		 wide[ED_HASH_LEN];
	unsigned char		 a[ED_SCALAR_LEN];
	unsigned char		 r[ED_SCALAR_LEN];
	unsigned char		 ka[ED_SCALAR_LEN];
	crypto_hash_sha512_state hs;
};

/* An RSA public key as the worker reports it, leading zeros stripped. */
struct rsa_pub {
	const unsigned char	*n;
	size_t			 nlen;
	const unsigned char	*e;
	size_t			 elen;
};

/* H(parts[0] || parts[1] || ...), without copying the parts together. */
static int
hash(const EVP_MD *md, const struct part *parts, size_t nparts,
    unsigned char *out)
{
	EVP_MD_CTX	*ctx;
	size_t		 i;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ERR_NOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (i = 0; ok && i < nparts; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : ERR_NOMEM;
}

/*
 * Both scramble answers are H(password) XOR H(scramble, H(H(password)))
 * with the two inputs of the last hash in the order each protocol says.
 */
enum scramble_order {
	SCRAMBLE_FIRST,		/* native: H(scramble || stage2) */
	SCRAMBLE_LAST,		/* caching_sha2: H(stage2 || scramble) */
};

static int
scramble_answer(const EVP_MD *md, enum scramble_order order,
    const struct secret *password, const unsigned char *scramble,
    size_t scramble_len, unsigned char *out, size_t *outlen)
{
	struct secret		*mem;
	struct scramble_keys	*k;
	struct part		 p[2];
	size_t			 i, len = (size_t)EVP_MD_get_size(md);
	int			 r;

	if (outlen == NULL)
		return ERR_INVAL;
	*outlen = 0;
	if (password == NULL || password->data == NULL || scramble == NULL ||
	    out == NULL || len > SCRAMBLE_HASH_MAX)
		return ERR_INVAL;
	if (scramble_len != MYSQL_SCRAMBLE_LEN)
		return ERR_FORMAT;
	/* As libmysqlclient: no password, no answer. */
	if (password->len == 0)
		return 0;
	if ((mem = secret_alloc(sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k = (struct scramble_keys *)mem->data;
	p[0] = (struct part){ password->data, password->len };
	if ((r = hash(md, p, 1, k->h1)) != 0)
		goto out;
	p[0] = (struct part){ k->h1, len };
	if ((r = hash(md, p, 1, k->h2)) != 0)
		goto out;
	p[order == SCRAMBLE_FIRST ? 0 : 1] =
	    (struct part){ scramble, scramble_len };
	p[order == SCRAMBLE_FIRST ? 1 : 0] = (struct part){ k->h2, len };
	if ((r = hash(md, p, 2, k->x)) != 0)
		goto out;
	for (i = 0; i < len; i++)
		out[i] = k->h1[i] ^ k->x[i];
	*outlen = len;
 out:
	secret_free(mem);
	return r;
}

int
mysql_native_scramble(const struct secret *password,
    const unsigned char *scramble, size_t scramble_len,
    unsigned char out[MYSQL_NATIVE_LEN], size_t *outlen)
{
	return scramble_answer(EVP_sha1(), SCRAMBLE_FIRST, password, scramble,
	    scramble_len, out, outlen);
}

int
mysql_sha2_scramble(const struct secret *password,
    const unsigned char *scramble, size_t scramble_len,
    unsigned char out[MYSQL_SHA2_LEN], size_t *outlen)
{
	return scramble_answer(EVP_sha256(), SCRAMBLE_LAST, password, scramble,
	    scramble_len, out, outlen);
}

/* Drop the leading zero bytes of a big-endian number. */
static void
strip_zeros(const unsigned char **p, size_t *len)
{
	while (*len > 0 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

/*
 * The key's shape, from the worker and so from the network: n of
 * MYSQL_RSA_MIN_BITS to MYSQL_RSA_MAX_BITS and odd (an even modulus is no
 * RSA modulus), e odd (an even e is no RSA exponent) in [3, 2^32): e = 1
 * would leave the plaintext as it is, and a larger e only costs us time.
 */
static int
rsa_pub_check(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, struct rsa_pub *k)
{
	size_t		 bits, i;
	uint32_t	 ev = 0;
	unsigned char	 top;

	if (n == NULL || e == NULL || k == NULL)
		return ERR_INVAL;
	strip_zeros(&n, &nlen);
	strip_zeros(&e, &elen);
	if (nlen == 0)
		return ERR_FORMAT;
	if (nlen > MYSQL_RSA_MAX_BITS / 8)
		return ERR_TOOBIG;
	for (bits = 8 * (nlen - 1), top = n[0]; top != 0; top >>= 1)
		bits++;
	if (bits < MYSQL_RSA_MIN_BITS)
		return ERR_DENIED;
	if ((n[nlen - 1] & 1) == 0)
		return ERR_FORMAT;
	if (elen > RSA_E_MAX_LEN)
		return ERR_TOOBIG;
	for (i = 0; i < elen; i++)
		ev = ev << 8 | e[i];
	if (ev < RSA_E_MIN || (ev & 1) == 0)
		return ERR_FORMAT;
	*k = (struct rsa_pub){ n, nlen, e, elen };
	return 0;
}

int
mysql_rsa_key_fingerprint(const unsigned char *n, size_t nlen,
    const unsigned char *e, size_t elen, unsigned char out[MYSQL_RSA_FP_LEN])
{
	struct rsa_pub	 k;
	struct part	 p[4];
	unsigned char	 nl[4], el[4];
	int		 r;

	if (out == NULL)
		return ERR_INVAL;
	if ((r = rsa_pub_check(n, nlen, e, elen, &k)) != 0)
		return r;
	/* Both lengths fit: at most MYSQL_RSA_OUT_MAX and 4. */
	nl[0] = 0;
	nl[1] = 0;
	nl[2] = (unsigned char)(k.nlen >> 8);
	nl[3] = (unsigned char)k.nlen;
	memset(el, 0, sizeof(el));
	el[3] = (unsigned char)k.elen;
	p[0] = (struct part){ nl, sizeof(nl) };
	p[1] = (struct part){ k.n, k.nlen };
	p[2] = (struct part){ el, sizeof(el) };
	p[3] = (struct part){ k.e, k.elen };
	return hash(EVP_sha256(), p, nitems(p), out);
}

/* The key as OpenSSL's object, from its two numbers (no PEM, no DER). */
static EVP_PKEY *
rsa_pub_key(const struct rsa_pub *k)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*key = NULL;
	BIGNUM		*n = NULL, *e = NULL;

	if ((n = BN_bin2bn(k->n, (int)k->nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(k->e, (int)k->elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return key;
}

/* RSA-OAEP with SHA-1 and MGF1-SHA-1 (RFC 8017 section 7.1.1). */
static int
rsa_oaep_sha1(EVP_PKEY *key, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t outmax, size_t *outlen)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 len;
	int		 r = ERR_NOMEM;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL)
		return ERR_NOMEM;
	if (EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA1", NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA1", NULL) != 1 ||
	    EVP_PKEY_encrypt(ctx, NULL, &len, in, inlen) != 1)
		goto out;
	if (len > outmax) {
		r = ERR_TOOBIG;
		goto out;
	}
	if (EVP_PKEY_encrypt(ctx, out, &len, in, inlen) != 1)
		goto out;
	*outlen = len;
	r = 0;
 out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/*
 * MySQL's client (client_authentication.cc) sends the password and its
 * NUL, each byte XOR'd with the scramble's byte at the same offset modulo
 * its length, so that the plaintext differs from one connection to the
 * next.
 */
int
mysql_rsa_encrypt(const struct secret *password,
    const unsigned char *scramble, size_t scramble_len,
    const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen,
    unsigned char *out, size_t outmax, size_t *outlen)
{
	struct rsa_pub	 k;
	struct secret	*plain = NULL;
	EVP_PKEY	*key = NULL;
	size_t		 i;
	int		 r;

	if (outlen == NULL)
		return ERR_INVAL;
	*outlen = 0;
	if (password == NULL || password->data == NULL || scramble == NULL ||
	    out == NULL)
		return ERR_INVAL;
	if (scramble_len != MYSQL_SCRAMBLE_LEN)
		return ERR_FORMAT;
	if ((r = rsa_pub_check(n, nlen, e, elen, &k)) != 0)
		return r;
	if (password->len + 1 > k.nlen - OAEP_SHA1_OVERHEAD)
		return ERR_TOOBIG;
	if (k.nlen > outmax)
		return ERR_TOOBIG;
	/* secret_alloc zeroes: the last byte is the password's NUL. */
	if ((plain = secret_alloc(password->len + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(plain->data, password->data, password->len);
	for (i = 0; i < plain->len; i++)
		plain->data[i] ^= scramble[i % scramble_len];
	if ((key = rsa_pub_key(&k)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = rsa_oaep_sha1(key, plain->data, plain->len, out, outmax, outlen);
 out:
	EVP_PKEY_free(key);
	secret_free(plain);
	ERR_clear_error();
	return r;
}

/*
 * MariaDB's key: az = SHA-512(password), a = az[0..31] clamped (RFC 8032
 * section 5.1.5 step 2), reduced modulo L so that libsodium's scalar
 * operations take it (a * B does not change: B has order L); A = a * B.
 */
static int
ed25519_key(const struct secret *password, struct ed25519_keys *k,
    unsigned char pub[MARIADB_ED25519_PUB_LEN])
{
	crypto_hash_sha512(k->az, password->data, password->len);
	k->az[0] &= 248;
	k->az[31] &= 127;
	k->az[31] |= 64;
	memset(k->wide, 0, sizeof(k->wide));
	memcpy(k->wide, k->az, ED_SCALAR_LEN);
	crypto_core_ed25519_scalar_reduce(k->a, k->wide);
	/* Fails only for a zero scalar, which a clamped one is not mod L. */
	if (crypto_scalarmult_ed25519_base_noclamp(pub, k->a) != 0)
		return ERR_INVAL;
	return 0;
}

int
mariadb_ed25519_public(const struct secret *password,
    unsigned char out[MARIADB_ED25519_PUB_LEN])
{
	struct secret	*mem;
	int		 r;

	if (password == NULL || password->data == NULL || out == NULL)
		return ERR_INVAL;
	if ((mem = secret_alloc(sizeof(struct ed25519_keys))) == NULL)
		return ERR_NOMEM;
	r = ed25519_key(password, (struct ed25519_keys *)mem->data, out);
	secret_free(mem);
	return r;
}

/*
 * RFC 8032 section 5.1.6, steps 2 to 5:
 *   r = SHA-512(prefix || M) mod L,  R = r * B,
 *   k = SHA-512(R || A || M) mod L,  S = (r + k * a) mod L,
 * the signature being R || S.
 */
int
mariadb_ed25519_sign(const struct secret *password,
    const unsigned char *scramble, size_t scramble_len,
    unsigned char sig[MARIADB_ED25519_SIG_LEN])
{
	struct secret		*mem;
	struct ed25519_keys	*k;
	unsigned char		 pub[MARIADB_ED25519_PUB_LEN];
	unsigned char		 rpoint[MARIADB_ED25519_PUB_LEN];
	unsigned char		 kh[ED_HASH_LEN];
	unsigned char		 ks[ED_SCALAR_LEN];
	int			 r;

	if (password == NULL || password->data == NULL || scramble == NULL ||
	    sig == NULL)
		return ERR_INVAL;
	if (scramble_len != MARIADB_ED25519_SCRAMBLE_LEN)
		return ERR_FORMAT;
	if ((mem = secret_alloc(sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k = (struct ed25519_keys *)mem->data;
	if ((r = ed25519_key(password, k, pub)) != 0)
		goto out;

	crypto_hash_sha512_init(&k->hs);
	crypto_hash_sha512_update(&k->hs, k->az + ED_SCALAR_LEN,
	    ED_HASH_LEN - ED_SCALAR_LEN);
	crypto_hash_sha512_update(&k->hs, scramble, scramble_len);
	crypto_hash_sha512_final(&k->hs, k->wide);
	crypto_core_ed25519_scalar_reduce(k->r, k->wide);
	if (crypto_scalarmult_ed25519_base_noclamp(rpoint, k->r) != 0) {
		r = ERR_INVAL;
		goto out;
	}

	/* k is public: the verifier computes it too. */
	crypto_hash_sha512_init(&k->hs);
	crypto_hash_sha512_update(&k->hs, rpoint, sizeof(rpoint));
	crypto_hash_sha512_update(&k->hs, pub, sizeof(pub));
	crypto_hash_sha512_update(&k->hs, scramble, scramble_len);
	crypto_hash_sha512_final(&k->hs, kh);
	crypto_core_ed25519_scalar_reduce(ks, kh);
	crypto_core_ed25519_scalar_mul(k->ka, ks, k->a);
	memcpy(sig, rpoint, sizeof(rpoint));
	crypto_core_ed25519_scalar_add(sig + sizeof(rpoint), k->r, k->ka);
 out:
	secret_free(mem);
	return r;
}
