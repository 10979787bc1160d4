/*
 * The backend client key's signature (MSG_TLS_SIGN).  The key (sslkey)
 * stays in the monitor, as sshd keeps its host keys, and the worker's TLS
 * gets one signature per connection, before any password-based
 * authentication, over the content of a TLS 1.3 client CertificateVerify
 * and nothing else: as OpenSSH's mm_answer_sign checks what it signs, the
 * content is checked to have that shape (RFC 8446 section 4.4.3) and the
 * scheme to be one that TLS 1.3 allows for the key (section 4.2.3).  What
 * the monitor cannot check is the transcript hash inside: a compromised
 * worker can have one CertificateVerify signed for a handshake of its
 * choice, which the README's table says.  TLS 1.2's CertificateVerify
 * signs the whole handshake, which could not be checked without parsing
 * the network's bytes here: the worker requires TLS 1.3 with a client key.
 *
 * The key is decoded from its PEM in guarded memory for each signature and
 * freed at once; OpenSSL clears a private key's numbers when it frees it,
 * and its temporary buffers are wiped by secret_openssl_hooks().
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "errors.h"
#include "monitor.h"
#include "msg.h"
#include "secret.h"
#include "tlsscheme.h"

#define GROUP_NAME_MAX	64

int
tlssign_check_content(const unsigned char *p, size_t len)
{
	return tlssign_check_context(p, len, TLS13_CV_CLIENT_CONTEXT);
}

int
tlssign_check_context(const unsigned char *p, size_t len,
    const char *context)
{
	size_t	 i;

	if (len != TLS13_CV_HEAD_LEN + 32 && len != TLS13_CV_HEAD_LEN + 48)
		return ERR_FORMAT;
	for (i = 0; i < TLS13_CV_PAD_LEN; i++)
		if (p[i] != 0x20)
			return ERR_FORMAT;
	/* The context string and its terminating zero byte. */
	if (strlen(context) + 1 != sizeof(TLS13_CV_CLIENT_CONTEXT) ||
	    memcmp(p + TLS13_CV_PAD_LEN, context,
	    sizeof(TLS13_CV_CLIENT_CONTEXT)) != 0)
		return ERR_FORMAT;
	return 0;
}

/*
 * A read-only memory BIO reads the PEM in place and copies nothing;
 * OpenSSL decodes private keys in memory it clears itself.
 */
static BIO *
pem_bio(const struct secret *pem)
{
	if (pem->len > INT_MAX)
		return NULL;
	return BIO_new_mem_buf(pem->data, (int)pem->len);
}

/* The leaf: the first certificate of the PEM bytes. */
static X509 *
read_cert(const struct secret *pem)
{
	X509	*x = NULL;
	BIO	*bio;

	if ((bio = pem_bio(pem)) != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* Does TLS 1.3 sign with this scheme for this key? */
static int
scheme_fits(EVP_PKEY *k, const struct tlsscheme *s)
{
	char	 group[GROUP_NAME_MAX];

	if (!EVP_PKEY_is_a(k, s->keytype))
		return 0;
	if (s->curve == 0)
		return 1;
	return EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) == 1 &&
	    OBJ_txt2nid(group) == s->curve;
}

/* EVP_DigestSign as the scheme says: RSA with PSS, salt = digest length. */
static int
sign_with(EVP_PKEY *k, const struct tlsscheme *s, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX	*mctx;
	EVP_PKEY_CTX	*pctx;
	const char	*md = s->md != 0 ? OBJ_nid2sn(s->md) : NULL;
	int		 ok;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, k,
	    NULL) == 1;
	if (ok && EVP_PKEY_is_a(k, "RSA"))
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_DIGEST) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) == 1;
	ok = ok && EVP_DigestSign(mctx, sig, siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(mctx);
	return ok;
}

int
tlssign_sign(const struct secret *keypem, const struct secret *certpem,
    const struct tlsscheme *s, const unsigned char *tbs, size_t tbslen,
    unsigned char *sig, size_t *siglen, char *why, size_t whylen)
{
	return tlssign_sign_as("sslkey", "sslcert", keypem, certpem, s, tbs,
	    tbslen, sig, siglen, why, whylen);
}

int
tlssign_sign_as(const char *keyname, const char *certname,
    const struct secret *keypem, const struct secret *certpem,
    const struct tlsscheme *s, const unsigned char *tbs, size_t tbslen,
    unsigned char *sig, size_t *siglen, char *why, size_t whylen)
{
	EVP_PKEY	*k = NULL;
	X509		*x = NULL;
	int		 r;

	if ((k = pem_private_key(keypem->data, keypem->len)) == NULL) {
		snprintf(why, whylen, "%s is not an unencrypted PEM "
		    "private key", keyname);
		r = ERR_FORMAT;
	} else if ((x = read_cert(certpem)) == NULL) {
		snprintf(why, whylen, "%s holds no valid certificate",
		    certname);
		r = ERR_FORMAT;
	} else if (X509_check_private_key(x, k) != 1) {
		snprintf(why, whylen, "%s does not match %s", keyname,
		    certname);
		r = ERR_FORMAT;
	} else if (!scheme_fits(k, s)) {
		snprintf(why, whylen, "the key does not sign with %s",
		    s->name);
		r = ERR_DENIED;
	} else if (EVP_PKEY_get_size(k) <= 0 ||
	    (size_t)EVP_PKEY_get_size(k) > *siglen) {
		snprintf(why, whylen, "%s is too large", keyname);
		r = ERR_FORMAT;
	} else if (!sign_with(k, s, tbs, tbslen, sig, siglen)) {
		snprintf(why, whylen, "signing with sslkey failed");
		r = ERR_SYS;
	} else
		r = 0;
	/* Freeing the key clears it. */
	EVP_PKEY_free(k);
	X509_free(x);
	ERR_clear_error();
	return r;
}

/* The backend leg's client key. */
static const struct tlssign_role client_role = {
	MSG_TLS_SIGN, TLS13_CV_CLIENT_CONTEXT, "client", "sslkey", "sslcert"
};

int
tlssign_answer(struct worker *w, struct buf *b)
{
	const struct secret	*key, *mode;
	int			 signed_now;

	key = creds_get(w->creds, "sslkey");
	mode = creds_get(w->creds, "sslmode");
	if (key == NULL || (mode != NULL &&
	    strcmp((const char *)mode->data, "disable") == 0)) {
		worker_kill(w, "asked for a TLS signature, and its service "
		    "has no client key in use");
		return 0;
	}
	return tlssign_answer_as(w, b, &client_role, key,
	    creds_get(w->creds, "sslcert"), &signed_now);
}

int
tlssign_answer_as(struct worker *w, struct buf *b,
    const struct tlssign_role *role, const struct secret *key,
    const struct secret *cert, int *signed_now)
{
	const struct tlsscheme	*s;
	const unsigned char	*tbs;
	unsigned char		 sig[TLSSIGN_SIG_MAX];
	char			*name = NULL, why[256];
	size_t			 tbslen, siglen = sizeof(sig);
	int			 r;

	*signed_now = 0;
	if ((r = buf_get_string_direct(b, &tbs, &tbslen)) != 0 ||
	    (r = buf_get_cstring(b, &name, TLSSCHEME_NAME_MAX)) != 0 ||
	    (r = buf_expect_end(b)) != 0) {
		free(name);
		return r;
	}
	if (tlssign_check_context(tbs, tbslen, role->context) != 0)
		worker_kill(w, "asked for a signature of something that is "
		    "not a TLS 1.3 %s CertificateVerify", role->side);
	else if ((s = tlsscheme_by_name(name)) == NULL)
		worker_kill(w, "asked for a TLS signature of a scheme that "
		    "TLS 1.3 does not allow for a %s key", role->side);
	else if (cert == NULL)
		r = worker_fail(w, "%s needs %s", role->keyname,
		    role->certname);
	else if ((r = tlssign_sign_as(role->keyname, role->certname, key,
	    cert, s, tbs, tbslen, sig, &siglen, why, sizeof(why))) ==
	    ERR_DENIED) {
		/* An honest worker asks for what its certificate's key does. */
		worker_kill(w, "asked for a TLS signature with %s, which %s "
		    "does not make", s->name, role->keyname);
		r = 0;
	} else if (r != 0)
		r = worker_fail(w, "%s", why);
	else {
		*signed_now = 1;
		wlog_debug(w, "signed the TLS %s CertificateVerify (%s)",
		    role->side, s->name);
		r = worker_reply(w, role->type, sig, siglen);
	}
	secret_wipe(sig, sizeof(sig));
	free(name);
	return r;
}
