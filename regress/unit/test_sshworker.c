/*
 * The ssh connector's worker helpers that need no peer: the lists of keys
 * in its options and parameters (ssh.c), and the front host key as libssh
 * takes it (sshfrontkey.c): a PKCS#8 Ed25519 PEM, which airlockd makes,
 * must come out as a whole key, public half included.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "errors.h"
#include "secret.h"
#include "sshconn.h"
#include "test.h"

#define PUB_B64	"AAAAC3NzaC1lZDI1NTE5AAAAIJEQ1GDjViNE" \
	"yRGGiOZGswjxXGIPKZGEuT0Hg2vAjKM8"
#define PUB2_B64	"AAAAC3NzaC1lZDI1NTE5AAAAIIB0FYlvPSNJ" \
	"mv4so1M4KgFNo6ufLH0JTrKmylFuqaoP"

TEST(ssh_list_entries)
{
	const char	*p = " a, bb ,,\n c d \r\n,", *item;
	size_t		 len;

	REQUIRE(ssh_list_next(&p, &item, &len) == 0);
	CHECK(len == 1 && memcmp(item, "a", 1) == 0);
	REQUIRE(ssh_list_next(&p, &item, &len) == 0);
	CHECK(len == 2 && memcmp(item, "bb", 2) == 0);
	/* A line may hold spaces: "type base64 comment". */
	REQUIRE(ssh_list_next(&p, &item, &len) == 0);
	CHECK(len == 3 && memcmp(item, "c d", 3) == 0);
	CHECK_INT(ssh_list_next(&p, &item, &len), ERR_NOTFOUND);
	p = "";
	CHECK_INT(ssh_list_next(&p, &item, &len), ERR_NOTFOUND);
}

static int
same_key(const char *a, const char *b)
{
	ssh_key	 ka, kb;
	int	 same;

	ka = ssh_key_from_text(a, strlen(a));
	kb = ssh_key_from_text(b, strlen(b));
	same = ka != NULL && kb != NULL &&
	    ssh_key_cmp(ka, kb, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(ka);
	ssh_key_free(kb);
	return same;
}

TEST(ssh_key_texts)
{
	static const char *const bad[] = {
		"", "AAAA", "not base64 at all", "ssh-ed25519",
		/* the name's length runs past the blob */
		"AAAAfw==",
		/* a name no one knows */
		"AAAAB3h4eHh4eHg=",
	};
	ssh_key	 k;
	size_t	 i;

	CHECK(same_key(PUB_B64, "ssh-ed25519 " PUB_B64));
	CHECK(same_key(PUB_B64, "ssh-ed25519 " PUB_B64 " a comment"));
	CHECK(!same_key(PUB_B64, PUB2_B64));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = ssh_key_from_text(bad[i], strlen(bad[i]));
		CHECK(k == NULL);
		ssh_key_free(k);
	}
}

/* A fresh Ed25519 key as airlockd writes it: PKCS#8 PEM. */
static struct secret *
ed25519_pem(unsigned char pub[32])
{
	EVP_PKEY	*pkey;
	BIO		*bio;
	struct secret	*s = NULL;
	char		*p;
	size_t		 publen = 32;
	long		 n;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return NULL;
	if ((bio = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) == 1 &&
	    EVP_PKEY_get_raw_public_key(pkey, pub, &publen) == 1 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		s = secret_new(p, n);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return s;
}

TEST(sshfront_pem_ed25519)
{
	unsigned char	 pub[32], blob[64];
	struct secret	*pem;
	ssh_key		 key = NULL, pubkey = NULL;
	char		*b64 = NULL;
	size_t		 bloblen = 0;

	REQUIRE((pem = ed25519_pem(pub)) != NULL);
	CHECK_INT(sshfront_import_key(pem, &key), 0);
	secret_free(pem);
	REQUIRE(key != NULL);
	CHECK_INT(ssh_key_type(key), SSH_KEYTYPE_ED25519);
	CHECK(ssh_key_is_private(key));
	/* What libssh's key exchange does with it (server.c). */
	REQUIRE(ssh_pki_export_privkey_to_pubkey(key, &pubkey) == SSH_OK);
	REQUIRE(ssh_pki_export_pubkey_base64(pubkey, &b64) == SSH_OK);
	CHECK(sodium_base642bin(blob, sizeof(blob), b64, strlen(b64), NULL,
	    &bloblen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
	/* string "ssh-ed25519" (4 + 11), string key (4 + 32) */
	CHECK_INT(bloblen, 51);
	CHECK_MEM(blob + 19, pub, 32);
	ssh_string_free_char(b64);
	ssh_key_free(pubkey);
	ssh_key_free(key);
}

TEST(sshfront_other_keys)
{
	static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	EVP_PKEY	*pkey;
	BIO		*bio;
	struct secret	*s;
	ssh_key		 key;
	char		*p;
	long		 n;

	/* An ECDSA PEM goes to libssh as it is. */
	REQUIRE((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) !=
	    NULL);
	REQUIRE((bio = BIO_new(BIO_s_mem())) != NULL);
	REQUIRE(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) == 1);
	n = BIO_get_mem_data(bio, &p);
	REQUIRE((s = secret_new(p, n)) != NULL);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	CHECK_INT(sshfront_import_key(s, &key), 0);
	CHECK(key != NULL && ssh_key_type(key) == SSH_KEYTYPE_ECDSA_P256);
	ssh_key_free(key);
	secret_free(s);

	REQUIRE((s = secret_new(garbage, strlen(garbage))) != NULL);
	CHECK_INT(sshfront_import_key(s, &key), ERR_FORMAT);
	CHECK(key == NULL);
	secret_free(s);
}
