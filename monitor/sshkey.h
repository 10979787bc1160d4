/*
 * SSH keys in the monitor (sshkey.c, sshpub.c): the private keys of the
 * ssh-agent and ssh connectors are decoded here for each signature and
 * freed at once (as tlssign.c does with the TLS client key); public keys
 * and host keys are parsed, compared and fingerprinted here.  Keys come
 * from providers (trusted), signature requests' data from workers
 * (hostile: sshauth.c checks it before anything is signed).
 *
 * Key types: RSA (>= 1024 bits, as OpenSSH), ECDSA on nistp256, nistp384,
 * nistp521, Ed25519.  Private key text: PEM (PKCS#1 "RSA PRIVATE KEY",
 * SEC1 "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY", which Ed25519 keys use) or
 * OpenSSH's own format ("OPENSSH PRIVATE KEY", PROTOCOL.key), unencrypted:
 * an encrypted key is refused with a message that says so (Secretless
 * Broker takes no passphrase either).
 */
#ifndef AIRLOCK_SSHKEY_H
#define AIRLOCK_SSHKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct buf;

/* Longest public key blob we accept (RSA 16384 bits fits). */
#define SSHKEY_BLOB_MAX		4096
/* Longest signature blob we make (RSA 16384 bits fits). */
#define SSHKEY_SIG_MAX		2200
/* "SHA256:" and 43 characters of unpadded base64 (OpenSSH's form) */
#define SSHKEY_FP_LEN		50

/*
 * Decode a private key from its text (len bytes, not NUL-terminated; it
 * is a secret: nothing of it is copied outside guarded memory, and err
 * never quotes it).  *out is the key; EVP_PKEY_free it.
 */
int	sshkey_private(const unsigned char *text, size_t len, EVP_PKEY **out,
	    char *err, size_t errlen);
/* The public key blob (RFC 4253 6.6) of a key, appended to out. */
int	sshkey_public_blob(EVP_PKEY *, struct buf *out);
/* The key's type name in blobs ("ssh-ed25519", "ecdsa-sha2-nistp256"). */
const char *sshkey_type_name(EVP_PKEY *);

/*
 * The signature algorithm for a key and an agent request's flags
 * (draft-miller-ssh-agent 4.5.1): RSA gives rsa-sha2-512 or rsa-sha2-256
 * as flagged, and "ssh-rsa" (SHA-1) without a flag only when allow_sha1;
 * else NULL.  Other types have one algorithm and ignore the flags.
 */
const char *sshkey_sign_alg(EVP_PKEY *, uint32_t flags, int allow_sha1);
/* The signature blob of data with alg (from sshkey_sign_alg), to out. */
int	sshkey_sign(EVP_PKEY *, const char *alg, const unsigned char *data,
	    size_t datalen, struct buf *out);

/*
 * A public key from a blob (checked: a type we know, its fields whole and
 * valid, nothing after them).  *out: EVP_PKEY_free it.
 */
int	sshkey_from_blob(const unsigned char *blob, size_t len,
	    EVP_PKEY **out);
/*
 * Does sig (a signature blob) verify over data with the key of blob?  0
 * when it does, ERR_AUTH when it does not, ERR_FORMAT (or ERR_TOOBIG)
 * when blob or sig does not parse or sig's algorithm is not the key's.
 */
int	sshkey_verify(const unsigned char *blob, size_t bloblen,
	    const unsigned char *sig, size_t siglen,
	    const unsigned char *data, size_t datalen);

/*
 * A public key as users write it, to its blob (appended to out): the
 * OpenSSH text line "TYPE BASE64 [COMMENT]" or the base64 of a blob, or
 * (as Secretless Broker's ssh.ParsePublicKey reads hostKey) the raw blob.
 */
int	sshkey_parse_public(const unsigned char *text, size_t len,
	    struct buf *out, char *err, size_t errlen);
/* OpenSSH's fingerprint of a blob: "SHA256:" + unpadded base64. */
int	sshkey_fingerprint(const unsigned char *blob, size_t len,
	    char fp[SSHKEY_FP_LEN + 1]);
/*
 * The keys a known_hosts text (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT")
 * lists for host and port (port 22 is written bare, others "[host]:port";
 * hashed names |1|salt|hash are matched; @revoked lines are refused, and
 * @cert-authority lines skipped), appended to out as string blobs.  The
 * count found into *n.
 */
int	sshkey_known_hosts(const char *text, size_t len, const char *host,
	    const char *port, struct buf *out, size_t *n);

/*
 * sshauth.c: what a signature request's data says, when it is an SSH
 * userauth request (RFC 4252 7: string session identifier, byte 50,
 * string user, string service, string "publickey", bool TRUE, string
 * algorithm, string key blob; or OpenSSH's method
 * "publickey-hostbound-v00@openssh.com", PROTOCOL 2.5, with string host
 * key blob after them, which OpenSSH's ssh uses with OpenSSH's sshd), as
 * OpenSSH's agent reads it for its restrictions.  Views into data.  0,
 * or ERR_FORMAT when data is not exactly that.
 */
struct ssh_userauth {
	const unsigned char	*session_id;
	size_t			 session_idlen;
	const unsigned char	*user;
	size_t			 userlen;
	const unsigned char	*service;
	size_t			 servicelen;
	const unsigned char	*alg;
	size_t			 alglen;
	const unsigned char	*key;
	size_t			 keylen;
	const unsigned char	*hostkey;	/* hostbound only, else NULL */
	size_t			 hostkeylen;
};
int	ssh_userauth_parse(const unsigned char *data, size_t len,
	    struct ssh_userauth *out);

#endif
