/*
 * PostgreSQL authentication computed in the monitor, so that the password
 * never enters a worker: the MD5 response and SCRAM-SHA-256 (RFC 5802,
 * RFC 7677) from the client side, with the server signature checked.
 */
#ifndef AIRLOCK_PGAUTH_H
#define AIRLOCK_PGAUTH_H

#include <stddef.h>

struct buf;
struct secret;

#define PG_MD5_LEN		35	/* "md5" + 32 hex digits */
#define SCRAM_NONCE_LEN		18	/* raw bytes, base64 on the wire */
#define SCRAM_MIN_ITERATIONS	1
/*
 * The key derivation runs on the monitor's event loop: 2^17 iterations cost
 * about 35 ms; a backend that asks for more is refused (PostgreSQL's
 * default is 4096).
 */
#define SCRAM_MAX_ITERATIONS	(1 << 17)

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
/* Check the server-final-message: 0 when the signature is right. */
int		 scram_verify(struct scram *, const unsigned char *server_final,
		    size_t len);

#endif
