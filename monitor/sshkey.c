/*
 * SSH keys in the monitor (sshkey.h): private keys decoded from their
 * text, public key blobs, signatures made and verified.
 *
 * The wire forms are RFC 4253 6.6 (blobs), RFC 4251 5 (mpint), RFC 8332
 * (rsa-sha2-256/512), RFC 5656 3.1 and 3.1.2 (ECDSA keys and signatures),
 * RFC 8709 (ssh-ed25519); OpenSSH's private key format is its
 * PROTOCOL.key.  OpenSSL does the arithmetic: a key is an EVP_PKEY built
 * from its numbers (EVP_PKEY_fromdata), never by hand.
 *
 * Secrets: the private key text stays where the caller keeps it (guarded
 * memory); the OpenSSH format's base64 is decoded into guarded memory; the
 * private numbers go from there into BIGNUMs in OpenSSL's secure heap and
 * are cleared when freed, and whatever OpenSSL frees on the way is wiped
 * by secret_openssl_hooks().  Error messages name what is wrong with a
 * key, never a byte of it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "monitor.h"
#include "secret.h"
#include "sshkey.h"
#include "util.h"

/* OpenSSH's limits: RSA from 1024 bits (sshkey.h SSH_RSA_MINIMUM_MODULUS_SIZE)
 * to 16384 (SSHBUF_MAX_BIGNUM). */
#define RSA_MIN_BITS		1024
#define RSA_MAX_BITS		16384
#define MPINT_MAX_BYTES		(RSA_MAX_BITS / 8 + 1)
#define ED25519_PK_LEN		32
#define ED25519_SK_LEN		64	/* seed, then the public key */
#define ED25519_SIG_LEN		64

enum key_kind {
	KIND_NONE = 0,
	KIND_RSA,
	KIND_ECDSA,
	KIND_ED25519,
};

/* RFC 5656 6.2.1: the curves SSH names, and their digests (6.2.1's table). */
static const struct curve {
	int		 nid;
	const char	*ossl;		/* OSSL_PKEY_PARAM_GROUP_NAME */
	const char	*ssh;		/* the identifier in blobs */
	const char	*type;		/* key type and signature algorithm */
	const char	*md;
} curves[] = {
	{ NID_X9_62_prime256v1, "P-256", "nistp256", "ecdsa-sha2-nistp256",
	    "SHA256" },
	{ NID_secp384r1, "P-384", "nistp384", "ecdsa-sha2-nistp384",
	    "SHA384" },
	{ NID_secp521r1, "P-521", "nistp521", "ecdsa-sha2-nistp521",
	    "SHA512" },
};

/* The signature algorithms of RSA keys (RFC 8332 3, RFC 4253 6.6). */
static const struct rsa_alg {
	const char	*name;
	const char	*md;
} rsa_algs[] = {
	{ "ssh-rsa", "SHA1" },
	{ "rsa-sha2-256", "SHA256" },
	{ "rsa-sha2-512", "SHA512" },
};

static int
str_eq(const unsigned char *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* The curve whose SSH identifier (or, with type, key type) is name. */
static const struct curve *
curve_named(const unsigned char *name, size_t len, int type)
{
	size_t	 i;

	for (i = 0; i < nitems(curves); i++)
		if (str_eq(name, len, type ? curves[i].type : curves[i].ssh))
			return &curves[i];
	return NULL;
}

static const struct curve *
curve_of(EVP_PKEY *k)
{
	char	 group[64];
	size_t	 i;
	int	 nid;

	if (EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) != 1)
		return NULL;
	nid = OBJ_txt2nid(group);
	for (i = 0; i < nitems(curves); i++)
		if (curves[i].nid == nid)
			return &curves[i];
	return NULL;
}

static enum key_kind
kind_of(EVP_PKEY *k)
{
	if (k == NULL)
		return KIND_NONE;
	if (EVP_PKEY_is_a(k, "RSA"))
		return KIND_RSA;
	if (EVP_PKEY_is_a(k, "EC"))
		return curve_of(k) != NULL ? KIND_ECDSA : KIND_NONE;
	if (EVP_PKEY_is_a(k, "ED25519"))
		return KIND_ED25519;
	return KIND_NONE;
}

/*
 * RFC 4251 5: an mpint that is not negative, in its shortest form (as
 * OpenSSH's sshbuf_get_bignum2 reads them), into a BIGNUM; in OpenSSL's
 * secure heap when it is a private number.
 */
static int
get_mpint(struct buf *b, int private, BIGNUM **out)
{
	const unsigned char	*p;
	size_t			 len;
	BIGNUM			*bn;
	int			 r;

	*out = NULL;
	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len > MPINT_MAX_BYTES)
		return ERR_TOOBIG;
	if (len > 0 && (p[0] & 0x80) != 0)
		return ERR_FORMAT;
	if (len > 1 && p[0] == 0 && (p[1] & 0x80) == 0)
		return ERR_FORMAT;
	if ((bn = private ? BN_secure_new() : BN_new()) == NULL)
		return ERR_NOMEM;
	if (BN_bin2bn(p, (int)len, bn) == NULL) {
		BN_clear_free(bn);
		return ERR_NOMEM;
	}
	*out = bn;
	return 0;
}

/* RFC 4251 5: a positive number as an mpint, written in place. */
static int
put_mpint(struct buf *b, const BIGNUM *bn)
{
	unsigned char	*p;
	size_t		 n = (size_t)BN_num_bytes(bn);
	size_t		 pad = n > 0 && BN_num_bits(bn) % 8 == 0;
	int		 r;

	if (BN_is_negative(bn) || n > MPINT_MAX_BYTES)
		return ERR_INVAL;
	if ((r = buf_put_u32(b, (uint32_t)(n + pad))) != 0 ||
	    (r = buf_reserve(b, n + pad, &p)) != 0)
		return r;
	if (pad)
		*p++ = 0;
	BN_bn2bin(bn, p);
	return 0;
}

/*
 * An EVP_PKEY from the params in bld: a key pair when private, else a
 * public key.
 */
static int
key_fromdata(const char *type, OSSL_PARAM_BLD *bld, int private,
    EVP_PKEY **out)
{
	EVP_PKEY_CTX	*ctx = NULL;
	OSSL_PARAM	*params = NULL;
	int		 r = ERR_FORMAT;

	*out = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		r = ERR_NOMEM;
	else if (EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, private ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) == 1)
		r = 0;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

/* The private numbers of an RSA key, when it has them. */
struct rsa_priv {
	BIGNUM	*d, *iqmp, *p, *q;
};

static void
rsa_priv_free(struct rsa_priv *rp)
{
	BN_clear_free(rp->d);
	BN_clear_free(rp->iqmp);
	BN_clear_free(rp->p);
	BN_clear_free(rp->q);
}

/* d mod (f - 1): the CRT exponents OpenSSH's format leaves out. */
static BIGNUM *
crt_exponent(const BIGNUM *d, const BIGNUM *f, BN_CTX *ctx)
{
	BIGNUM	*f1, *e;

	f1 = BN_secure_new();
	e = BN_secure_new();
	if (f1 == NULL || e == NULL || BN_copy(f1, f) == NULL ||
	    !BN_sub_word(f1, 1) || !BN_mod(e, d, f1, ctx)) {
		BN_clear_free(e);
		e = NULL;
	}
	BN_clear_free(f1);
	return e;
}

/* An RSA key from n, e and, when rp is not NULL, the private numbers. */
static int
rsa_key(const BIGNUM *n, const BIGNUM *e, const struct rsa_priv *rp,
    EVP_PKEY **out)
{
	OSSL_PARAM_BLD	*bld;
	BN_CTX		*ctx = NULL;
	BIGNUM		*dmp1 = NULL, *dmq1 = NULL;
	int		 r = ERR_NOMEM, bits = BN_num_bits(n);

	*out = NULL;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || BN_is_zero(e))
		return ERR_FORMAT;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return ERR_NOMEM;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	if (rp != NULL) {
		if (BN_is_zero(rp->p) || BN_is_zero(rp->q)) {
			r = ERR_FORMAT;
			goto out;
		}
		if ((ctx = BN_CTX_secure_new()) == NULL ||
		    (dmp1 = crt_exponent(rp->d, rp->p, ctx)) == NULL ||
		    (dmq1 = crt_exponent(rp->d, rp->q, ctx)) == NULL)
			goto out;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D,
		    rp->d) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1,
		    rp->p) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2,
		    rp->q) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		    dmp1) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		    dmq1) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld,
		    OSSL_PKEY_PARAM_RSA_COEFFICIENT1, rp->iqmp) != 1)
			goto out;
	}
	r = key_fromdata("RSA", bld, rp != NULL, out);
out:
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_CTX_free(ctx);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/*
 * An ECDSA key from its curve, its public point Q (SEC1 2.3.3, as RFC
 * 5656 3.1 sends it) and, when d is not NULL, its private number; the
 * point is checked to be on the curve, and to be d's.
 */
static int
ec_key(const struct curve *c, const unsigned char *q, size_t qlen,
    const BIGNUM *d, EVP_PKEY **out)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY_CTX	*ctx = NULL;
	int		 r = ERR_NOMEM;

	*out = NULL;
	/* Only the uncompressed form, which is what RFC 5656 3.1 sends. */
	if (qlen == 0 || q[0] != POINT_CONVERSION_UNCOMPRESSED)
		return ERR_FORMAT;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return ERR_NOMEM;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    c->ossl, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    q, qlen) == 1 &&
	    (d == NULL || OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_PRIV_KEY, d) == 1))
		r = key_fromdata("EC", bld, d != NULL, out);
	OSSL_PARAM_BLD_free(bld);
	if (r != 0)
		return r;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL)
		r = ERR_NOMEM;
	else if ((d == NULL ? EVP_PKEY_public_check(ctx) :
	    EVP_PKEY_pairwise_check(ctx)) != 1)
		r = ERR_FORMAT;
	EVP_PKEY_CTX_free(ctx);
	if (r != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * The fields of a public key blob after its type (RFC 4253 6.6, RFC 5656
 * 3.1, RFC 8709 4), for the type named.
 */
static int
public_from_fields(const unsigned char *type, size_t typelen, struct buf *b,
    EVP_PKEY **out)
{
	const struct curve	*c;
	const unsigned char	*p, *q;
	size_t			 plen, qlen;
	BIGNUM			*e = NULL, *n = NULL;
	int			 r;

	*out = NULL;
	if (str_eq(type, typelen, "ssh-rsa")) {
		if ((r = get_mpint(b, 0, &e)) == 0 &&
		    (r = get_mpint(b, 0, &n)) == 0)
			r = rsa_key(n, e, NULL, out);
		BN_free(e);
		BN_free(n);
		return r;
	}
	if ((c = curve_named(type, typelen, 1)) != NULL) {
		if ((r = buf_get_string_direct(b, &p, &plen)) != 0 ||
		    (r = buf_get_string_direct(b, &q, &qlen)) != 0)
			return r;
		/* RFC 5656 3.1: the curve again, as the type names it. */
		if (curve_named(p, plen, 0) != c)
			return ERR_FORMAT;
		return ec_key(c, q, qlen, NULL, out);
	}
	if (str_eq(type, typelen, "ssh-ed25519")) {
		if ((r = buf_get_string_direct(b, &p, &plen)) != 0)
			return r;
		if (plen != ED25519_PK_LEN)
			return ERR_FORMAT;
		*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, p,
		    plen);
		return *out != NULL ? 0 : ERR_FORMAT;
	}
	return ERR_FORMAT;
}

int
sshkey_from_blob(const unsigned char *blob, size_t len, EVP_PKEY **out)
{
	struct buf		 b;
	const unsigned char	*type;
	size_t			 typelen;
	int			 r;

	*out = NULL;
	if (len > SSHKEY_BLOB_MAX)
		return ERR_TOOBIG;
	buf_view(&b, blob, len);
	if ((r = buf_get_string_direct(&b, &type, &typelen)) == 0 &&
	    (r = public_from_fields(type, typelen, &b, out)) == 0 &&
	    (r = buf_expect_end(&b)) != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	ERR_clear_error();
	return r;
}

const char *
sshkey_type_name(EVP_PKEY *k)
{
	switch (kind_of(k)) {
	case KIND_RSA:
		return "ssh-rsa";
	case KIND_ECDSA:
		return curve_of(k)->type;
	case KIND_ED25519:
		return "ssh-ed25519";
	default:
		return NULL;
	}
}

static int
put_bn_param(struct buf *out, EVP_PKEY *k, const char *name)
{
	BIGNUM	*bn = NULL;
	int	 r;

	if (EVP_PKEY_get_bn_param(k, name, &bn) != 1)
		return ERR_FORMAT;
	r = put_mpint(out, bn);
	BN_free(bn);
	return r;
}

/*
 * RFC 5656 3.1: the point as its uncompressed octet string, which is how
 * OpenSSL encodes a key's point whatever form its PEM had it in.
 */
static int
put_ec_point(struct buf *out, EVP_PKEY *k)
{
	unsigned char	 q[1 + 2 * 66];	/* P-521: 66 bytes a coordinate */
	size_t		 qlen;

	if (EVP_PKEY_get_octet_string_param(k,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, q, sizeof(q), &qlen) != 1 ||
	    qlen == 0 || q[0] != POINT_CONVERSION_UNCOMPRESSED)
		return ERR_FORMAT;
	return buf_put_string(out, q, qlen);
}

int
sshkey_public_blob(EVP_PKEY *k, struct buf *out)
{
	unsigned char	 pk[ED25519_PK_LEN];
	size_t		 pklen = sizeof(pk);
	int		 r;

	if (sshkey_type_name(k) == NULL)
		return ERR_INVAL;
	if ((r = buf_put_cstring(out, sshkey_type_name(k))) != 0)
		return r;
	switch (kind_of(k)) {
	case KIND_RSA:
		if ((r = put_bn_param(out, k, OSSL_PKEY_PARAM_RSA_E)) != 0)
			return r;
		return put_bn_param(out, k, OSSL_PKEY_PARAM_RSA_N);
	case KIND_ECDSA:
		if ((r = buf_put_cstring(out, curve_of(k)->ssh)) != 0)
			return r;
		return put_ec_point(out, k);
	case KIND_ED25519:
		if (EVP_PKEY_get_raw_public_key(k, pk, &pklen) != 1 ||
		    pklen != sizeof(pk))
			return ERR_FORMAT;
		return buf_put_string(out, pk, pklen);
	default:
		return ERR_INVAL;
	}
}

/*
 * Private keys.
 */

#define ENCRYPTED_MSG	"the key is encrypted (passphrases are not supported)"
#define PEM_PKCS8_ENC	"-----BEGIN ENCRYPTED PRIVATE KEY-----"
#define PEM_PROC_ENC	"Proc-Type: 4,ENCRYPTED"
#define OPENSSH_BEGIN	"-----BEGIN OPENSSH PRIVATE KEY-----"
#define OPENSSH_END	"-----END OPENSSH PRIVATE KEY-----"
/* PROTOCOL.key: the magic, with its terminating NUL */
#define OPENSSH_MAGIC	"openssh-key-v1"

/* Is the key one we sign with (sshkey.h: the types and sizes OpenSSH takes)? */
static int
key_acceptable(EVP_PKEY *k, char *err, size_t errlen)
{
	switch (kind_of(k)) {
	case KIND_RSA:
		if (EVP_PKEY_get_bits(k) < RSA_MIN_BITS ||
		    EVP_PKEY_get_bits(k) > RSA_MAX_BITS) {
			snprintf(err, errlen, "an RSA key of %d bits (%d to %d "
			    "are supported)", EVP_PKEY_get_bits(k),
			    RSA_MIN_BITS, RSA_MAX_BITS);
			return 0;
		}
		return 1;
	case KIND_ECDSA:
	case KIND_ED25519:
		return 1;
	default:
		if (EVP_PKEY_is_a(k, "DSA"))
			snprintf(err, errlen, "DSA keys are not supported");
		else
			snprintf(err, errlen, "the key's type is not "
			    "supported (RSA, ECDSA on nistp256, nistp384 or "
			    "nistp521, and Ed25519 are)");
		return 0;
	}
}

/* PEM: OpenSSL's decoder (pemkey.c). */
static int
private_pem(const unsigned char *text, size_t len, EVP_PKEY **out,
    char *err, size_t errlen)
{
	/* PKCS#8's EncryptedPrivateKeyInfo, and RFC 1421 4.6.1.1 Proc-Type */
	if (memmem(text, len, PEM_PKCS8_ENC, strlen(PEM_PKCS8_ENC)) != NULL ||
	    memmem(text, len, PEM_PROC_ENC, strlen(PEM_PROC_ENC)) != NULL) {
		snprintf(err, errlen, ENCRYPTED_MSG);
		return ERR_DENIED;
	}
	if ((*out = pem_private_key(text, len)) == NULL) {
		snprintf(err, errlen, "not a PEM or OpenSSH private key");
		return ERR_FORMAT;
	}
	return 0;
}

/* The RSA numbers of an OpenSSH private key (PROTOCOL.key: n e d iqmp p q). */
static int
v1_rsa(struct buf *b, EVP_PKEY **out)
{
	struct rsa_priv	 rp;
	BIGNUM		*n = NULL, *e = NULL;
	int		 r;

	memset(&rp, 0, sizeof(rp));
	if ((r = get_mpint(b, 0, &n)) == 0 &&
	    (r = get_mpint(b, 0, &e)) == 0 &&
	    (r = get_mpint(b, 1, &rp.d)) == 0 &&
	    (r = get_mpint(b, 1, &rp.iqmp)) == 0 &&
	    (r = get_mpint(b, 1, &rp.p)) == 0 &&
	    (r = get_mpint(b, 1, &rp.q)) == 0)
		r = rsa_key(n, e, &rp, out);
	BN_free(n);
	BN_free(e);
	rsa_priv_free(&rp);
	return r;
}

/* ECDSA: string curve, string Q, mpint d. */
static int
v1_ecdsa(const struct curve *c, struct buf *b, EVP_PKEY **out)
{
	const unsigned char	*name, *q;
	size_t			 namelen, qlen;
	BIGNUM			*d = NULL;
	int			 r;

	if ((r = buf_get_string_direct(b, &name, &namelen)) != 0 ||
	    (r = buf_get_string_direct(b, &q, &qlen)) != 0 ||
	    (r = get_mpint(b, 1, &d)) != 0)
		return r;
	r = curve_named(name, namelen, 0) == c ? ec_key(c, q, qlen, d, out) :
	    ERR_FORMAT;
	BN_clear_free(d);
	return r;
}

/* Ed25519: string public key, string (seed, public key). */
static int
v1_ed25519(struct buf *b, EVP_PKEY **out)
{
	const unsigned char	*pk, *sk;
	size_t			 pklen, sklen;
	int			 r;

	if ((r = buf_get_string_direct(b, &pk, &pklen)) != 0 ||
	    (r = buf_get_string_direct(b, &sk, &sklen)) != 0)
		return r;
	/* the public halves are checked against the header's (v1_decode) */
	if (pklen != ED25519_PK_LEN || sklen != ED25519_SK_LEN)
		return ERR_FORMAT;
	*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
	return *out != NULL ? 0 : ERR_FORMAT;
}

/*
 * PROTOCOL.key's private section: u32 check, u32 check, the key (string
 * type, its fields), string comment, padding 1, 2, 3 ... to the cipher's
 * block size (8 for "none").
 */
static int
v1_private(struct buf *b, EVP_PKEY **out, char *err, size_t errlen)
{
	const struct curve	*c;
	const unsigned char	*type, *comment;
	size_t			 typelen, commentlen, i;
	uint32_t		 check1, check2;
	uint8_t			 pad;
	int			 r;

	if (buf_len(b) % 8 != 0 || (r = buf_get_u32(b, &check1)) != 0 ||
	    (r = buf_get_u32(b, &check2)) != 0 || check1 != check2) {
		snprintf(err, errlen, "the key's private section is damaged");
		return ERR_FORMAT;
	}
	if ((r = buf_get_string_direct(b, &type, &typelen)) != 0)
		return r;
	if (str_eq(type, typelen, "ssh-rsa"))
		r = v1_rsa(b, out);
	else if ((c = curve_named(type, typelen, 1)) != NULL)
		r = v1_ecdsa(c, b, out);
	else if (str_eq(type, typelen, "ssh-ed25519"))
		r = v1_ed25519(b, out);
	else if (str_eq(type, typelen, "ssh-dss")) {
		snprintf(err, errlen, "DSA keys are not supported");
		return ERR_DENIED;
	} else {
		snprintf(err, errlen, "the key's type is not supported");
		return ERR_DENIED;
	}
	if (r != 0)
		return r;
	if ((r = buf_get_string_direct(b, &comment, &commentlen)) != 0)
		return r;
	for (i = 1; buf_len(b) > 0; i++)
		if (buf_get_u8(b, &pad) != 0 || pad != (uint8_t)i)
			return ERR_FORMAT;
	return 0;
}

/* The public key in the header is the private key's (PROTOCOL.key 1). */
static int
v1_public_matches(EVP_PKEY *k, const unsigned char *pub, size_t publen)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(SSHKEY_BLOB_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = sshkey_public_blob(k, b)) == 0 &&
	    (buf_len(b) != publen || memcmp(buf_ptr(b), pub, publen) != 0))
		r = ERR_FORMAT;
	buf_free(b);
	return r;
}

/*
 * PROTOCOL.key 1: magic, string cipher, string kdf, string kdf options,
 * u32 number of keys (one), string public key, string private section.
 */
static int
v1_decode(struct buf *b, EVP_PKEY **out, char *err, size_t errlen)
{
	const unsigned char	*cipher, *kdf, *kdfopt, *pub, *priv;
	size_t			 cipherlen, kdflen, kdfoptlen, publen, privlen;
	uint32_t		 nkeys;
	struct buf		 pb;
	int			 r;

	if (buf_len(b) < sizeof(OPENSSH_MAGIC) || memcmp(buf_ptr(b),
	    OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
		return ERR_FORMAT;
	if ((r = buf_consume(b, sizeof(OPENSSH_MAGIC))) != 0 ||
	    (r = buf_get_string_direct(b, &cipher, &cipherlen)) != 0 ||
	    (r = buf_get_string_direct(b, &kdf, &kdflen)) != 0 ||
	    (r = buf_get_string_direct(b, &kdfopt, &kdfoptlen)) != 0)
		return r;
	if (!str_eq(cipher, cipherlen, "none") || !str_eq(kdf, kdflen,
	    "none") || kdfoptlen != 0) {
		snprintf(err, errlen, ENCRYPTED_MSG);
		return ERR_DENIED;
	}
	if ((r = buf_get_u32(b, &nkeys)) != 0)
		return r;
	if (nkeys != 1) {
		snprintf(err, errlen, "the text holds %u keys (one is "
		    "supported)", nkeys);
		return ERR_FORMAT;
	}
	if ((r = buf_get_string_direct(b, &pub, &publen)) != 0 ||
	    (r = buf_get_string_direct(b, &priv, &privlen)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	buf_view(&pb, priv, privlen);
	if ((r = v1_private(&pb, out, err, errlen)) == 0 &&
	    (r = v1_public_matches(*out, pub, publen)) != 0)
		snprintf(err, errlen, "the key's public and private parts "
		    "differ");
	return r;
}

/* The base64 between the armour lines, decoded into guarded memory. */
static int
private_openssh(const unsigned char *text, size_t len, EVP_PKEY **out,
    char *err, size_t errlen)
{
	const unsigned char	*b64, *end;
	struct secret		*bin;
	struct buf		 b;
	size_t			 b64len, binlen;
	int			 r;

	if ((b64 = memmem(text, len, OPENSSH_BEGIN,
	    strlen(OPENSSH_BEGIN))) == NULL)
		return ERR_FORMAT;
	b64 += strlen(OPENSSH_BEGIN);
	end = memmem(b64, len - (size_t)(b64 - text), OPENSSH_END,
	    strlen(OPENSSH_END));
	if (end == NULL) {
		snprintf(err, errlen, "the OpenSSH private key has no end "
		    "line");
		return ERR_FORMAT;
	}
	b64len = (size_t)(end - b64);
	if ((bin = secret_alloc(b64len)) == NULL)
		return ERR_NOMEM;
	if (sodium_base642bin(bin->data, bin->len, (const char *)b64, b64len,
	    " \t\r\n", &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		snprintf(err, errlen, "the OpenSSH private key is not valid "
		    "base64");
		r = ERR_FORMAT;
	} else {
		buf_view(&b, bin->data, binlen);
		r = v1_decode(&b, out, err, errlen);
	}
	secret_free(bin);
	return r;
}

int
sshkey_private(const unsigned char *text, size_t len, EVP_PKEY **out,
    char *err, size_t errlen)
{
	int	 r;

	*out = NULL;
	err[0] = '\0';
	if (memmem(text, len, OPENSSH_BEGIN, strlen(OPENSSH_BEGIN)) != NULL)
		r = private_openssh(text, len, out, err, errlen);
	else
		r = private_pem(text, len, out, err, errlen);
	if (r == 0 && !key_acceptable(*out, err, errlen))
		r = ERR_DENIED;
	if (r != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		if (err[0] == '\0')
			snprintf(err, errlen, "the private key is damaged "
			    "(%s)", err_str(r));
	}
	ERR_clear_error();
	return r;
}

/*
 * Signatures.
 */

const char *
sshkey_sign_alg(EVP_PKEY *k, uint32_t flags, int allow_sha1)
{
	if (kind_of(k) != KIND_RSA)
		return sshkey_type_name(k);
	/* draft-miller-ssh-agent 4.5.1, in OpenSSH's ssh-agent's order */
	if (flags & SSH_AGENT_RSA_SHA2_256)
		return "rsa-sha2-256";
	if (flags & SSH_AGENT_RSA_SHA2_512)
		return "rsa-sha2-512";
	return allow_sha1 ? "ssh-rsa" : NULL;
}

/* The digest of alg for the key k, or NULL when k does not sign with alg. */
static int
alg_digest(EVP_PKEY *k, const unsigned char *alg, size_t alglen,
    const char **md)
{
	const struct curve	*c;
	size_t			 i;

	switch (kind_of(k)) {
	case KIND_RSA:
		for (i = 0; i < nitems(rsa_algs); i++)
			if (str_eq(alg, alglen, rsa_algs[i].name)) {
				*md = rsa_algs[i].md;
				return 0;
			}
		return ERR_FORMAT;
	case KIND_ECDSA:
		c = curve_of(k);
		*md = c->md;
		return str_eq(alg, alglen, c->type) ? 0 : ERR_FORMAT;
	case KIND_ED25519:
		*md = NULL;
		return str_eq(alg, alglen, "ssh-ed25519") ? 0 : ERR_FORMAT;
	default:
		return ERR_FORMAT;
	}
}

/* RFC 5656 3.1.2: the DER ECDSA-Sig-Value as string(mpint r, mpint s). */
static int
put_ecdsa_sig(struct buf *out, const unsigned char *der, size_t derlen)
{
	ECDSA_SIG		*es;
	struct buf		*rs;
	const unsigned char	*p = der;
	int			 r = ERR_NOMEM;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		return ERR_FORMAT;
	if ((rs = buf_new(SSHKEY_SIG_MAX)) != NULL &&
	    (r = put_mpint(rs, ECDSA_SIG_get0_r(es))) == 0 &&
	    (r = put_mpint(rs, ECDSA_SIG_get0_s(es))) == 0)
		r = buf_put_string(out, buf_ptr(rs), buf_len(rs));
	buf_free(rs);
	ECDSA_SIG_free(es);
	return r;
}

int
sshkey_sign(EVP_PKEY *k, const char *alg, const unsigned char *data,
    size_t datalen, struct buf *out)
{
	EVP_MD_CTX	*mctx = NULL;
	unsigned char	 sig[SSHKEY_SIG_MAX];
	size_t		 siglen = sizeof(sig);
	const char	*md = NULL;
	int		 r;

	if (alg == NULL || alg_digest(k, (const unsigned char *)alg,
	    strlen(alg), &md) != 0)
		return ERR_INVAL;
	if (EVP_PKEY_get_size(k) <= 0 ||
	    (size_t)EVP_PKEY_get_size(k) > sizeof(sig))
		return ERR_INVAL;
	/* RSA's padding is PKCS#1 v1.5 by default: RFC 8332 3. */
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return ERR_NOMEM;
	if (EVP_DigestSignInit_ex(mctx, NULL, md, NULL, NULL, k, NULL) != 1 ||
	    EVP_DigestSign(mctx, sig, &siglen, data, datalen) != 1)
		r = ERR_SYS;
	else if ((r = buf_put_cstring(out, alg)) != 0)
		;
	else if (kind_of(k) == KIND_ECDSA)
		r = put_ecdsa_sig(out, sig, siglen);
	else
		r = buf_put_string(out, sig, siglen);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return r;
}

/* RFC 5656 3.1.2: string(mpint r, mpint s) back to DER, for OpenSSL. */
static int
ecdsa_der(const unsigned char *rs, size_t rslen, unsigned char *der,
    size_t *derlen)
{
	struct buf	 b;
	ECDSA_SIG	*es;
	BIGNUM		*br = NULL, *bs = NULL;
	unsigned char	*p = der;
	int		 r, n;

	buf_view(&b, rs, rslen);
	if ((r = get_mpint(&b, 0, &br)) != 0 ||
	    (r = get_mpint(&b, 0, &bs)) != 0 || (r = buf_expect_end(&b)) != 0 ||
	    (es = ECDSA_SIG_new()) == NULL) {
		BN_free(br);
		BN_free(bs);
		return r != 0 ? r : ERR_NOMEM;
	}
	ECDSA_SIG_set0(es, br, bs);
	if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > *derlen)
		r = ERR_FORMAT;
	else
		*derlen = (size_t)i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	return r;
}

/*
 * The signature bytes in the form OpenSSL verifies: DER for ECDSA; RSA's
 * padded on the left to the modulus's length, as OpenSSH's
 * ssh_rsa_verify accepts a shorter one.
 */
static int
sig_for_openssl(EVP_PKEY *k, const unsigned char *s, size_t slen,
    unsigned char *out, size_t *outlen)
{
	size_t	 size = (size_t)EVP_PKEY_get_size(k);

	switch (kind_of(k)) {
	case KIND_RSA:
		if (slen > size || size > *outlen)
			return ERR_FORMAT;
		memset(out, 0, size - slen);
		memcpy(out + (size - slen), s, slen);
		*outlen = size;
		return 0;
	case KIND_ECDSA:
		return ecdsa_der(s, slen, out, outlen);
	case KIND_ED25519:
		if (slen != ED25519_SIG_LEN)
			return ERR_FORMAT;
		memcpy(out, s, slen);
		*outlen = slen;
		return 0;
	default:
		return ERR_FORMAT;
	}
}

int
sshkey_verify(const unsigned char *blob, size_t bloblen,
    const unsigned char *sig, size_t siglen, const unsigned char *data,
    size_t datalen)
{
	EVP_PKEY		*k = NULL;
	EVP_MD_CTX		*mctx = NULL;
	struct buf		 b;
	const unsigned char	*alg, *s;
	unsigned char		 os[SSHKEY_SIG_MAX];
	size_t			 alglen, slen, oslen = sizeof(os);
	const char		*md;
	int			 r;

	buf_view(&b, sig, siglen);
	if ((r = buf_get_string_direct(&b, &alg, &alglen)) != 0 ||
	    (r = buf_get_string_direct(&b, &s, &slen)) != 0 ||
	    (r = buf_expect_end(&b)) != 0 ||
	    (r = sshkey_from_blob(blob, bloblen, &k)) != 0)
		return r;
	if ((r = alg_digest(k, alg, alglen, &md)) == 0 &&
	    (r = sig_for_openssl(k, s, slen, os, &oslen)) == 0) {
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			r = ERR_NOMEM;
		else if (EVP_DigestVerifyInit_ex(mctx, NULL, md, NULL, NULL,
		    k, NULL) != 1 || EVP_DigestVerify(mctx, os, oslen, data,
		    datalen) != 1)
			r = ERR_AUTH;
	}
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return r;
}
