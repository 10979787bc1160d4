/*
 * A key the monitor holds, as an OpenSSL 3 provider built into the
 * worker: the key object holds the certificate's public key only, and its
 * one private operation, the signature of a TLS 1.3 CertificateVerify, is
 * asked of the monitor, which keeps the private key as sshd keeps its host
 * keys (worker/wchan.c): the backend leg's client key (MSG_TLS_SIGN) and
 * the client leg's listener key (MSG_CLIENT_TLS_SIGN), which libssl signs
 * with in the same way on either side of a handshake.  libssl sees
 * an ordinary RSA, EC or Ed25519 key: what it asks of the key (its type,
 * size, security bits, curve, point format, whether it matches the
 * certificate) the public key answers.
 *
 * The shapes are those of provider-keymgmt(7) and provider-signature(7).
 * The key management carries the real algorithms' names, which libssl
 * matches key types by, so the provider lives in a library context of its
 * own: nothing else in the worker that fetches "EC" or "RSA" can get it.
 * A signing operation with one of its keys still finds its signature,
 * since OpenSSL looks for one in the key's own provider too; the
 * signature has a name no other provider has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "errors.h"
#include "tlskey.h"
#include "tlsscheme.h"

#define PROVIDER_NAME	"airlock-tlskey"
#define PROVIDER_PROPQ	"provider=airlock-tlskey"
#define DEFAULT_PROPQ	"provider=default"
#define SIGNATURE_NAME	"AIRLOCK-TLSKEY-SIGN"
/* The import parameter that binds a key to its signer. */
#define PARAM_SIGNER	"airlock-tlskey-signer"
#define GROUP_NAME_MAX	64

enum { KT_RSA, KT_EC, KT_ED25519, KT_N };

/* The key types, as the default provider names and describes them. */
struct ktype {
	const char		*name;
	const OSSL_PARAM	*types;		/* of a public key */
	EVP_KEYMGMT		*real;		/* the default provider's */
};

static struct ktype ktypes[KT_N] = {
	[KT_RSA] = { "RSA", NULL, NULL },
	[KT_EC] = { "EC", NULL, NULL },
	[KT_ED25519] = { "ED25519", NULL, NULL },
};

struct tlskey {
	int			 type;		/* KT_* */
	int			 curve;		/* EC: its curve's NID */
	EVP_PKEY		*pub;		/* default provider's */
	struct tlskey_signer	*signer;	/* NULL: cannot sign */
};

/* One signing operation, as libssl sets it up. */
struct sigctx {
	struct tlskey	*key;
	int		 md;		/* the digest's NID, or 0 */
	int		 pss;		/* RSA: PSS padding asked for */
	int		 saltlen;	/* RSA_PSS_SALTLEN_* or bytes */
	int		 mgf1;		/* a NID; 0: the digest's */
};

static OSSL_LIB_CTX	*libctx;

/* Key management (provider-keymgmt(7)). */

static void *
key_new(int type)
{
	struct tlskey	*k;

	if ((k = OPENSSL_zalloc(sizeof(*k))) != NULL)
		k->type = type;
	return k;
}

static void
key_free(void *vk)
{
	struct tlskey	*k = vk;

	if (k != NULL) {
		EVP_PKEY_free(k->pub);
		OPENSSL_free(k);
	}
}

/* The private half is there in the sense that the signer can use it. */
static int
key_has(const void *vk, int selection)
{
	const struct tlskey	*k = vk;

	if (k == NULL || k->pub == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 &&
	    k->signer == NULL)
		return 0;
	return 1;
}

static int
curve_of(EVP_PKEY *pub)
{
	char	 group[GROUP_NAME_MAX];

	if (EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL) != 1)
		return 0;
	return OBJ_txt2nid(group);
}

/*
 * A public key, from tlskey_new (with its signer) or from OpenSSL itself,
 * which imports a certificate's key here to compare the two.  It is kept
 * by the default provider: a private key is never imported.
 */
static int
key_import(void *vk, int selection, const OSSL_PARAM params[])
{
	struct tlskey		*k = vk;
	const OSSL_PARAM	*p;
	EVP_PKEY_CTX		*ctx;
	const void		*signer = NULL;
	size_t			 len;
	int			 ok;

	if (k == NULL || k->pub != NULL ||
	    (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) == 0)
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, PARAM_SIGNER)) != NULL &&
	    (OSSL_PARAM_get_octet_ptr(p, &signer, &len) != 1 ||
	    len != sizeof(struct tlskey_signer)))
		return 0;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, ktypes[k->type].name,
	    DEFAULT_PROPQ)) == NULL)
		return 0;
	ok = EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &k->pub, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)params) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return 0;
	if (k->type == KT_EC && (k->curve = curve_of(k->pub)) == NID_undef)
		return 0;
	k->signer = (struct tlskey_signer *)signer;
	return 1;
}

static int
key_export(void *vk, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct tlskey	*k = vk;

	/* There is no private half here to give. */
	if (k == NULL || k->pub == NULL ||
	    (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0)
		return 0;
	return EVP_PKEY_export(k->pub, selection, cb, cbarg);
}

static int
key_get_params(void *vk, OSSL_PARAM params[])
{
	struct tlskey	*k = vk;

	return k != NULL && k->pub != NULL &&
	    EVP_PKEY_get_params(k->pub, params) == 1;
}

static int
key_match(const void *va, const void *vb, int selection)
{
	const struct tlskey	*a = va, *b = vb;

	(void)selection;
	return a->type == b->type && a->pub != NULL && b->pub != NULL &&
	    EVP_PKEY_eq(a->pub, b->pub) == 1;
}

static void *
key_dup(const void *vk, int selection)
{
	const struct tlskey	*k = vk;
	struct tlskey		*d;

	if ((d = key_new(k->type)) == NULL)
		return NULL;
	if (k->pub != NULL && EVP_PKEY_up_ref(k->pub) != 1) {
		key_free(d);
		return NULL;
	}
	d->pub = k->pub;
	d->curve = k->curve;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0)
		d->signer = k->signer;
	return d;
}

static const char *
key_operation_name(int op)
{
	return op == OSSL_OP_SIGNATURE ? SIGNATURE_NAME : NULL;
}

/*
 * What must know the key type without being given a key: one set of
 * functions per type, and its dispatch table.
 */
#define KTYPE_KEYMGMT(t)						\
static void *								\
kt_##t##_new(void *provctx)						\
{									\
	(void)provctx;							\
	return key_new(KT_##t);						\
}									\
static const OSSL_PARAM *						\
kt_##t##_types(int selection)						\
{									\
	(void)selection;						\
	return ktypes[KT_##t].types;					\
}									\
static const OSSL_PARAM *						\
kt_##t##_gettable(void *provctx)					\
{									\
	(void)provctx;							\
	return EVP_KEYMGMT_gettable_params(ktypes[KT_##t].real);	\
}									\
static const OSSL_DISPATCH kt_##t##_keymgmt[] = {			\
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))kt_##t##_new },	\
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))key_free },		\
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))key_has },		\
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))key_match },	\
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))key_dup },		\
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))key_import },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES,				\
	    (void (*)(void))kt_##t##_types },				\
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))key_export },	\
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES,				\
	    (void (*)(void))kt_##t##_types },				\
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))key_get_params }, \
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,				\
	    (void (*)(void))kt_##t##_gettable },			\
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,			\
	    (void (*)(void))key_operation_name },			\
	{ 0, NULL }							\
};

KTYPE_KEYMGMT(RSA)
KTYPE_KEYMGMT(EC)
KTYPE_KEYMGMT(ED25519)

/* Signature (provider-signature(7)): the digest_sign one-shot only. */

static void *
sig_newctx(void *provctx, const char *propq)
{
	(void)provctx;
	(void)propq;
	return OPENSSL_zalloc(sizeof(struct sigctx));
}

static void
sig_freectx(void *vc)
{
	OPENSSL_free(vc);
}

static int
digest_nid(const char *name)
{
	const EVP_MD	*md;

	if ((md = EVP_get_digestbyname(name)) == NULL)
		return NID_undef;
	return EVP_MD_get_type(md);
}

static int
sig_set_params(void *vc, const OSSL_PARAM params[])
{
	struct sigctx		*c = vc;
	const OSSL_PARAM	*p;
	const char		*s;
	char			*end;
	long			 l;
	int			 v;

	if (params == NULL)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_DIGEST)) != NULL &&
	    (OSSL_PARAM_get_utf8_string_ptr(p, &s) != 1 ||
	    (c->md = digest_nid(s)) == NID_undef))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL &&
	    (OSSL_PARAM_get_utf8_string_ptr(p, &s) != 1 ||
	    (c->mgf1 = digest_nid(s)) == NID_undef))
		return 0;
	/* libssl sets these as numbers or as words: take both. */
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (OSSL_PARAM_get_utf8_string_ptr(p, &s) == 1)
			c->pss = strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0;
		else if (OSSL_PARAM_get_int(p, &v) == 1)
			c->pss = v == RSA_PKCS1_PSS_PADDING;
		else
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		if (OSSL_PARAM_get_utf8_string_ptr(p, &s) == 1) {
			if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0)
				c->saltlen = RSA_PSS_SALTLEN_DIGEST;
			else {
				/* "max", "auto" or a number: never digest. */
				l = strtol(s, &end, 10);
				c->saltlen = *s != '\0' && *end == '\0' &&
				    l >= 0 && l <= 1024 ? (int)l :
				    RSA_PSS_SALTLEN_AUTO;
			}
		} else if (OSSL_PARAM_get_int(p, &c->saltlen) != 1)
			return 0;
	}
	return 1;
}

static const OSSL_PARAM *
sig_settable_params(void *vc, void *provctx)
{
	static const OSSL_PARAM settable[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL,
		    0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL,
		    0),
		OSSL_PARAM_END
	};

	(void)vc;
	(void)provctx;
	return settable;
}

static int
sig_init(void *vc, const char *mdname, void *vk, const OSSL_PARAM params[])
{
	struct sigctx	*c = vc;
	struct tlskey	*k = vk;

	/* A key that came from a comparison has no signer. */
	if (k == NULL || k->pub == NULL || k->signer == NULL)
		return 0;
	memset(c, 0, sizeof(*c));
	c->key = k;
	c->saltlen = RSA_PSS_SALTLEN_AUTO;
	if (mdname != NULL && *mdname != '\0' &&
	    (c->md = digest_nid(mdname)) == NID_undef)
		return 0;
	return sig_set_params(c, params);
}

/*
 * The SignatureScheme that libssl has set up (RFC 8446 section 4.2.3): for
 * RSA, PSS whose salt is as long as the digest and whose MGF1 uses the
 * same digest; for ECDSA, the digest that goes with the key's curve.
 * Anything else is no TLS 1.3 signature and is not asked for.
 */
static const struct tlsscheme *
sig_scheme(const struct sigctx *c)
{
	const EVP_MD	*md;

	if (c->key->type == KT_RSA) {
		if (!c->pss || (c->mgf1 != 0 && c->mgf1 != c->md) ||
		    (md = EVP_get_digestbynid(c->md)) == NULL)
			return NULL;
		if (c->saltlen != RSA_PSS_SALTLEN_DIGEST &&
		    c->saltlen != EVP_MD_get_size(md))
			return NULL;
	}
	return tlsscheme_find(ktypes[c->key->type].name, c->key->curve,
	    c->md);
}

static int
sig_sign(void *vc, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	struct sigctx		*c = vc;
	struct tlskey_signer	*sg;
	const struct tlsscheme	*s;
	size_t			 len = sigsize;
	int			 max;

	if (c->key == NULL || (sg = c->key->signer) == NULL ||
	    (max = EVP_PKEY_get_size(c->key->pub)) <= 0)
		return 0;
	if (sig == NULL) {
		*siglen = (size_t)max;
		return 1;
	}
	if ((s = sig_scheme(c)) == NULL) {
		snprintf(sg->err, sizeof(sg->err), "%s",
		    sg->role == TLSKEY_SERVER ? "airlock: the client's TLS "
		    "asked for a server signature that airlock does not make" :
		    "airlock: the backend's TLS asked for a client signature "
		    "that airlock does not make");
		return 0;
	}
	if (sg->sign(sg->arg, s->name, tbs, tbslen, sig, &len, sg->err,
	    sizeof(sg->err)) != 0)
		return 0;
	*siglen = len;
	return 1;
}

static const OSSL_DISPATCH sig_funcs[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sig_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))sig_sign },
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))sig_set_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))sig_settable_params },
	{ 0, NULL }
};

/*
 * The provider.  The key managements have the names of the default
 * provider's, by which libssl tells key types apart.
 */

static const OSSL_ALGORITHM keymgmts[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", PROVIDER_PROPQ,
	    kt_RSA_keymgmt, "RSA, signing in airlockd" },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", PROVIDER_PROPQ,
	    kt_EC_keymgmt, "EC, signing in airlockd" },
	{ "ED25519:1.3.101.112", PROVIDER_PROPQ, kt_ED25519_keymgmt,
	    "Ed25519, signing in airlockd" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM signatures[] = {
	{ SIGNATURE_NAME, PROVIDER_PROPQ, sig_funcs,
	    "a TLS 1.3 CertificateVerify signature, made by airlockd" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *
provider_query(void *provctx, int op, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT:
		return keymgmts;
	case OSSL_OP_SIGNATURE:
		return signatures;
	default:
		return NULL;
	}
}

static const OSSL_DISPATCH provider_funcs[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))provider_query },
	{ 0, NULL }
};

static int
provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	(void)in;
	*out = provider_funcs;
	*provctx = (void *)handle;
	return 1;
}

/*
 * Everything is fetched now, while the worker may still open files: the
 * default provider's key managements (for the public keys) and ours.
 */
int
tlskey_init(void)
{
	EVP_PKEY_CTX	*ctx;
	EVP_KEYMGMT	*km;
	EVP_SIGNATURE	*sig;
	size_t		 i;

	if (libctx != NULL)
		return 0;
	for (i = 0; i < KT_N; i++) {
		ktypes[i].real = EVP_KEYMGMT_fetch(NULL, ktypes[i].name,
		    DEFAULT_PROPQ);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, ktypes[i].name,
		    DEFAULT_PROPQ);
		if (ktypes[i].real == NULL || ctx == NULL ||
		    EVP_PKEY_fromdata_init(ctx) != 1 ||
		    (ktypes[i].types = EVP_PKEY_fromdata_settable(ctx,
		    EVP_PKEY_PUBLIC_KEY)) == NULL) {
			EVP_PKEY_CTX_free(ctx);
			goto fail;
		}
		EVP_PKEY_CTX_free(ctx);
	}
	if ((libctx = OSSL_LIB_CTX_new()) == NULL ||
	    OSSL_PROVIDER_add_builtin(libctx, PROVIDER_NAME,
	    provider_init) != 1 ||
	    OSSL_PROVIDER_load(libctx, PROVIDER_NAME) == NULL)
		goto fail;
	for (i = 0; i < KT_N; i++) {
		if ((km = EVP_KEYMGMT_fetch(libctx, ktypes[i].name,
		    PROVIDER_PROPQ)) == NULL)
			goto fail;
		EVP_KEYMGMT_free(km);
	}
	if ((sig = EVP_SIGNATURE_fetch(libctx, SIGNATURE_NAME,
	    PROVIDER_PROPQ)) == NULL)
		goto fail;
	EVP_SIGNATURE_free(sig);
	return 0;
 fail:
	ERR_clear_error();
	return ERR_SYS;
}

/*
 * The certificate as the configuration names it: the backend's sslcert,
 * or the service's clientTLS certificate.
 */
static const char *
cert_name(int role)
{
	return role == TLSKEY_SERVER ? "clientTLS certificate" : "sslcert";
}

EVP_PKEY *
tlskey_new(X509 *cert, struct tlskey_signer *signer, int role, char *err,
    size_t errlen)
{
	OSSL_PARAM	 bind[2], *pub = NULL, *all = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*cpk, *key = NULL;
	void		*sp = signer;
	size_t		 i;

	signer->role = role;
	if (libctx == NULL || (cpk = X509_get0_pubkey(cert)) == NULL) {
		snprintf(err, errlen, "cannot read %s's public key",
		    cert_name(role));
		goto out;
	}
	for (i = 0; i < KT_N; i++)
		if (EVP_PKEY_is_a(cpk, ktypes[i].name))
			break;
	if (i == KT_N) {
		snprintf(err, errlen, "%s's key is of a type that "
		    "airlock cannot sign with (RSA, EC or Ed25519)",
		    cert_name(role));
		goto out;
	}
	if (i == KT_EC && !tlsscheme_has_curve(curve_of(cpk))) {
		snprintf(err, errlen, "%s's EC key is not on one of the "
		    "curves P-256, P-384 or P-521", cert_name(role));
		goto out;
	}
	bind[0] = OSSL_PARAM_construct_octet_ptr(PARAM_SIGNER, &sp,
	    sizeof(*signer));
	bind[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_todata(cpk, EVP_PKEY_PUBLIC_KEY, &pub) != 1 ||
	    (all = OSSL_PARAM_merge(pub, bind)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(libctx, ktypes[i].name,
	    PROVIDER_PROPQ)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, all) != 1) {
		snprintf(err, errlen, "cannot set up %s's key",
		    cert_name(role));
		key = NULL;
	}
 out:
	EVP_PKEY_CTX_free(ctx);
	/* A merge copies the array, not the data it points to. */
	OPENSSL_free(all);
	OSSL_PARAM_free(pub);
	ERR_clear_error();
	return key;
}
