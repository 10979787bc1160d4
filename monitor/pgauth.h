/*
 * PostgreSQL authentication computed in the monitor, so that the password
 * never enters a worker: the MD5 response and SCRAM-SHA-256 (RFC 5802,
 * RFC 7677) from the client side, with the server signature checked.
 */
#ifndef AIRLOCK_PGAUTH_H
#define AIRLOCK_PGAUTH_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct secret;

#define PG_MD5_LEN		35	/* "md5" + 32 hex digits */
#define SCRAM_NONCE_LEN		18	/* raw bytes, base64 on the wire */
#define SCRAM_MIN_ITERATIONS	1
/*
 * Hi() runs in the monitor's KDF threads (kdf.c): 2^17 iterations cost
 * about 35 ms of one core; a backend that asks for more is refused
 * (PostgreSQL's default is 4096).
 */
#define SCRAM_MAX_ITERATIONS	(1 << 17)
#define SCRAM_SALT_MAX		64	/* decoded bytes */

/* "md5" || hex(md5(hex(md5(password || user)) || salt)), NUL-terminated. */
int		 pgauth_md5(const struct secret *password, const char *user,
		    const unsigned char salt[4], char out[PG_MD5_LEN + 1]);

struct scram;

struct scram	*scram_new(void);
void		 scram_free(struct scram *);		/* zeroes all */
/* Use this nonce instead of a random one (tests only). */
int		 scram_set_nonce(struct scram *, const char *);
/* Put this user name into the client-first-message (tests only). */
int		 scram_set_user(struct scram *, const char *);
/*
 * The client-first-message, "n,,n=,r=NONCE": no channel binding, and an
 * empty user name because PostgreSQL takes the user from the startup packet.
 */
int		 scram_client_first(struct scram *, struct buf *out);
/*
 * Parse the server-first-message; check that its nonce extends ours, the
 * salt decodes, and the iteration count lies within bounds; append the
 * client-final-message to out and remember the expected server signature.
 */
int		 scram_client_final(struct scram *, const struct secret *password,
		    const unsigned char *server_first, size_t len,
		    struct buf *out);
/*
 * The same in three steps, so that Hi(), the costly one, can run on
 * another thread: _begin parses and checks the server-first-message and
 * fills hi (the SASLprep'd password in guarded memory, the salt, the
 * iteration count); scram_hi computes SaltedPassword from hi alone
 * (thread-safe; *salted in guarded memory); _finish derives the rest and
 * appends the client-final-message to out.  Any error ends the exchange;
 * scram_hi_clear frees hi whatever happened.
 */
struct scram_hi {
	struct secret	*password;
	unsigned char	 salt[SCRAM_SALT_MAX];
	size_t		 salt_len;
	uint32_t	 iterations;
};
int		 scram_client_final_begin(struct scram *,
		    const struct secret *password,
		    const unsigned char *server_first, size_t len,
		    struct scram_hi *hi);
int		 scram_hi(const struct scram_hi *, struct secret **salted);
int		 scram_client_final_finish(struct scram *,
		    const struct secret *salted, struct buf *out);
void		 scram_hi_clear(struct scram_hi *);
/* Check the server-final-message: 0 when the signature is right. */
int		 scram_verify(struct scram *, const unsigned char *server_final,
		    size_t len);

#endif
