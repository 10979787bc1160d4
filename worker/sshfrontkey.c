/*
 * The front host key as libssh 0.10 can use it.  libssh imports a PKCS#8
 * PEM Ed25519 key (the kind the monitor generates, and OpenSSL writes)
 * with its 32-byte seed only and no public half, and then fails the key
 * exchange ("ssh_get_key_params: Out of memory": pki_crypto.c keeps the
 * seed where its own Ed25519 code wants seed and public key).  Such a key
 * is rewritten here into OpenSSH's format (PROTOCOL.key in OpenSSH's
 * sources: "openssh-key-v1", unencrypted), which libssh reads whole.
 * Every other key text goes to libssh as it is.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "sshconn.h"

#define ED25519_LEN	32
#define OPENSSH_BEGIN	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define OPENSSH_END	"\n-----END OPENSSH PRIVATE KEY-----\n"
#define OPENSSH_MAX	1024

/* string "ssh-ed25519", string public key (RFC 8709 4) */
static int
put_ed25519_blob(struct buf *b, const unsigned char *pub)
{
	struct buf	*blob;
	int		 r;

	if ((blob = buf_new(128)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_cstring(blob, "ssh-ed25519")) == 0 &&
	    (r = buf_put_string(blob, pub, ED25519_LEN)) == 0)
		r = buf_put_string(b, buf_ptr(blob), buf_len(blob));
	buf_free(blob);
	return r;
}

/*
 * PROTOCOL.key: the unencrypted private section is two equal check
 * words, the key (type, public key, seed and public key), a comment,
 * and padding 1, 2, 3, ... to the cipher's block size (8 for "none").
 */
static int
put_private(struct buf *b, const unsigned char *seed,
    const unsigned char *pub)
{
	struct buf	*priv;
	unsigned char	 sk[2 * ED25519_LEN];
	uint32_t	 check = randombytes_random();
	uint8_t		 pad;
	int		 r;

	if ((priv = buf_new(256)) == NULL)
		return ERR_NOMEM;
	memcpy(sk, seed, ED25519_LEN);
	memcpy(sk + ED25519_LEN, pub, ED25519_LEN);
	if ((r = buf_put_u32(priv, check)) == 0 &&
	    (r = buf_put_u32(priv, check)) == 0 &&
	    (r = buf_put_cstring(priv, "ssh-ed25519")) == 0 &&
	    (r = buf_put_string(priv, pub, ED25519_LEN)) == 0 &&
	    (r = buf_put_string(priv, sk, sizeof(sk))) == 0 &&
	    (r = buf_put_cstring(priv, "")) == 0)
		for (pad = 1; r == 0 && buf_len(priv) % 8 != 0; pad++)
			r = buf_put_u8(priv, pad);
	if (r == 0)
		r = buf_put_string(b, buf_ptr(priv), buf_len(priv));
	secret_wipe(sk, sizeof(sk));
	buf_free(priv);		/* wipes */
	return r;
}

/* The OpenSSH text of an Ed25519 key, into guarded memory. */
static struct secret *
openssh_text(const unsigned char *seed, const unsigned char *pub)
{
	struct buf	*b;
	struct secret	*text = NULL;
	size_t		 b64len, off;
	int		 r;

	if ((b = buf_new(OPENSSH_MAX)) == NULL)
		return NULL;
	if ((r = buf_put(b, "openssh-key-v1", 15)) == 0 &&
	    (r = buf_put_cstring(b, "none")) == 0 &&
	    (r = buf_put_cstring(b, "none")) == 0 &&
	    (r = buf_put_cstring(b, "")) == 0 &&
	    (r = buf_put_u32(b, 1)) == 0 &&
	    (r = put_ed25519_blob(b, pub)) == 0 &&
	    (r = put_private(b, seed, pub)) == 0) {
		b64len = sodium_base64_ENCODED_LEN(buf_len(b),
		    sodium_base64_VARIANT_ORIGINAL);
		/* One line of base64: libssh does not need it wrapped. */
		if ((text = secret_alloc(strlen(OPENSSH_BEGIN) + b64len +
		    strlen(OPENSSH_END))) != NULL) {
			off = strlen(OPENSSH_BEGIN);
			memcpy(text->data, OPENSSH_BEGIN, off);
			sodium_bin2base64((char *)text->data + off, b64len,
			    buf_ptr(b), buf_len(b),
			    sodium_base64_VARIANT_ORIGINAL);
			off += strlen((char *)text->data + off);
			memcpy(text->data + off, OPENSSH_END,
			    strlen(OPENSSH_END) + 1);
			text->len = off + strlen(OPENSSH_END);
		}
	}
	buf_free(b);		/* wipes */
	return text;
}

/* The key of a PEM text, when it is an Ed25519 one; else NULL. */
static EVP_PKEY *
pem_ed25519(const struct secret *pem)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*bio;

	if (strstr((const char *)pem->data, "-----BEGIN PRIVATE KEY-----") ==
	    NULL || pem->len > INT_MAX ||
	    (bio = BIO_new_mem_buf(pem->data, (int)pem->len)) == NULL)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

int
sshfront_import_key(const struct secret *text, ssh_key *key)
{
	unsigned char	 seed[ED25519_LEN], pub[ED25519_LEN];
	struct secret	*openssh = NULL;
	EVP_PKEY	*pkey;
	size_t		 slen = sizeof(seed), plen = sizeof(pub);
	int		 r;

	*key = NULL;
	if ((pkey = pem_ed25519(text)) != NULL) {
		if (EVP_PKEY_get_raw_private_key(pkey, seed, &slen) == 1 &&
		    EVP_PKEY_get_raw_public_key(pkey, pub, &plen) == 1 &&
		    slen == sizeof(seed) && plen == sizeof(pub))
			openssh = openssh_text(seed, pub);
		EVP_PKEY_free(pkey);
		secret_wipe(seed, sizeof(seed));
		if (openssh == NULL)
			return ERR_FORMAT;
		text = openssh;
	}
	r = ssh_pki_import_privkey_base64((const char *)text->data, NULL,
	    NULL, NULL, key);
	secret_free(openssh);
	return r == SSH_OK ? 0 : ERR_FORMAT;
}
