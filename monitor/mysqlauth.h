/*
 * MySQL and MariaDB authentication computed in the monitor, so that the
 * password never enters a worker: the answers of mysql_native_password,
 * of caching_sha2_password (fast path, and full authentication with the
 * server's RSA key) and of MariaDB's client_ed25519.  The worker hands us
 * the server's scramble (and key), and receives only the answer.
 *
 * Every function returns 0 or an ERR_* code (errors.h) and writes its
 * answer only on success.
 */
#ifndef AIRLOCK_MYSQLAUTH_H
#define AIRLOCK_MYSQLAUTH_H

#include <stddef.h>

struct secret;

/* The server's auth-plugin-data without its trailing NUL. */
#define MYSQL_SCRAMBLE_LEN		20
#define MYSQL_NATIVE_LEN		20	/* a SHA-1 */
#define MYSQL_SHA2_LEN			32	/* a SHA-256 */

#define MYSQL_RSA_MIN_BITS		2048
#define MYSQL_RSA_MAX_BITS		16384
/* One RSA block of the largest modulus we accept. */
#define MYSQL_RSA_OUT_MAX		(MYSQL_RSA_MAX_BITS / 8)
#define MYSQL_RSA_FP_LEN		32	/* a SHA-256 */

#define MARIADB_ED25519_SCRAMBLE_LEN	32
#define MARIADB_ED25519_PUB_LEN		32
#define MARIADB_ED25519_SIG_LEN		64

/*
 * mysql_native_password:
 * SHA1(password) XOR SHA1(scramble || SHA1(SHA1(password))).  *outlen is
 * MYSQL_NATIVE_LEN, or 0 for an empty password, which the client answers
 * with nothing.
 */
int	 mysql_native_scramble(const struct secret *password,
	    const unsigned char *scramble, size_t scramble_len,
	    unsigned char out[MYSQL_NATIVE_LEN], size_t *outlen);
/*
 * caching_sha2_password's fast path:
 * SHA256(password) XOR SHA256(SHA256(SHA256(password)) || scramble).
 * *outlen is MYSQL_SHA2_LEN, or 0 for an empty password.
 */
int	 mysql_sha2_scramble(const struct secret *password,
	    const unsigned char *scramble, size_t scramble_len,
	    unsigned char out[MYSQL_SHA2_LEN], size_t *outlen);
/*
 * caching_sha2_password's full authentication without TLS: the password
 * and a NUL, XOR'd with the scramble repeated, encrypted with RSA-OAEP
 * (SHA-1, MGF1 with SHA-1) under the public key (n, e), two big-endian
 * numbers; leading zero bytes are allowed and ignored.  The key is refused
 * when n has fewer than MYSQL_RSA_MIN_BITS (ERR_DENIED) or more than
 * MYSQL_RSA_MAX_BITS (ERR_TOOBIG), when n is even, or e is even or below 3
 * (ERR_FORMAT), or when e is 2^32 or more (ERR_TOOBIG); a password too long
 * for one block is ERR_TOOBIG.  *outlen is n's length in bytes.
 *
 * Whoever holds the private key of (n, e) reads the password: unless the
 * key is pinned (compare mysql_rsa_key_fingerprint with the configured
 * one), this releases the password in cleartext, and is allowed only
 * where a cleartext release would be.
 */
int	 mysql_rsa_encrypt(const struct secret *password,
	    const unsigned char *scramble, size_t scramble_len,
	    const unsigned char *n, size_t nlen,
	    const unsigned char *e, size_t elen,
	    unsigned char *out, size_t outmax, size_t *outlen);
/*
 * SHA-256 of (u32 nlen, n, u32 elen, e), with the lengths big-endian and
 * both numbers without leading zero bytes, so that a key has one print
 * however it was encoded.  A key mysql_rsa_encrypt refuses has none (the
 * same error).
 */
int	 mysql_rsa_key_fingerprint(const unsigned char *n, size_t nlen,
	    const unsigned char *e, size_t elen,
	    unsigned char out[MYSQL_RSA_FP_LEN]);

/*
 * MariaDB's client_ed25519 key: the scalar is SHA-512(password), clamped
 * as Ed25519 clamps; the public key is what the server stores (base64
 * without padding in mysql.global_priv).
 */
int	 mariadb_ed25519_public(const struct secret *password,
	    unsigned char out[MARIADB_ED25519_PUB_LEN]);
/*
 * The Ed25519 signature of the server's 32-byte scramble with that key:
 * it verifies with crypto_sign_verify_detached against the public key.
 */
int	 mariadb_ed25519_sign(const struct secret *password,
	    const unsigned char *scramble, size_t scramble_len,
	    unsigned char sig[MARIADB_ED25519_SIG_LEN]);

#endif
