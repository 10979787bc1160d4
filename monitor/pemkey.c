/*
 * A PEM private key from memory (monitor.h), for every key the monitor
 * signs with: tlssign.c's TLS client key and sshkey.c's SSH keys.  A
 * read-only memory BIO reads the text in place and copies nothing;
 * OpenSSL decodes private keys in memory that secret_openssl_hooks()
 * wipes when it is freed.
 */
#include <limits.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "monitor.h"

/* Encrypted keys are not supported: never prompt on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

EVP_PKEY *
pem_private_key(const void *text, size_t len)
{
	EVP_PKEY	*k = NULL;
	BIO		*bio;

	if (len <= INT_MAX && (bio = BIO_new_mem_buf(text, (int)len)) != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	return k;
}
