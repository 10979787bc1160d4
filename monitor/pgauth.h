/*
 * PostgreSQL authentication computed in the monitor, so that the password
 * never enters a worker: the MD5 response and SCRAM-SHA-256 (RFC 5802,
 * RFC 7677) from the client side, with or without channel binding
 * (SCRAM-SHA-256-PLUS, RFC 5929's tls-server-end-point), with the server
 * signature checked.
 */
#ifndef AIRLOCK_PGAUTH_H
#define AIRLOCK_PGAUTH_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct secret;

#define PG_MD5_LEN		35	/* "md5" + 32 hex digits */
#define SCRAM_NONCE_LEN		18	/* raw bytes, base64 on the wire */
/*
 * RFC 7677 section 4: at least 4096 iterations.  A count below it makes a
 * proof cheap to guess the password from, offline; the monitor raises the
 * floor further for a service (scram_set_floor) to what it has verified.
 */
#define SCRAM_MIN_ITERATIONS	4096
/*
 * Hi() runs in the monitor's KDF threads (kdf.c): 2^17 iterations cost
 * about 35 ms of one core; a backend that asks for more is refused
 * (PostgreSQL's default is 4096).
 */
#define SCRAM_MAX_ITERATIONS	(1 << 17)
#define SCRAM_SALT_MAX		64	/* decoded bytes */
/* tls-server-end-point: a SHA-256, SHA-384 or SHA-512 hash (RFC 5929 4.1) */
#define SCRAM_CBIND_DATA_MAX	64

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
 * Channel binding, RFC 5802 sections 6 and 7: what the gs2 header of the
 * client-first-message says, and what the c= attribute of the
 * client-final-message carries.
 */
enum scram_cbind {
	SCRAM_CBIND_NONE = 0,	/* "n,,": the client does not bind */
	SCRAM_CBIND_UNOFFERED,	/* "y,,": it could, but the server cannot */
	SCRAM_CBIND_END_POINT,	/* "p=tls-server-end-point,,": bound */
};
/*
 * Before the client-first-message (the default is SCRAM_CBIND_NONE).  For
 * SCRAM_CBIND_END_POINT, data is the hash of the server's certificate
 * (RFC 5929 section 4.1; 32, 48 or 64 bytes), computed by whoever holds
 * the TLS connection; otherwise data is NULL and len 0.
 */
int		 scram_set_channel_binding(struct scram *, enum scram_cbind,
		    const unsigned char *data, size_t len);
/*
 * The least iteration count a server-first-message may ask for; never
 * below SCRAM_MIN_ITERATIONS.  A lower count is refused (ERR_DENIED) and
 * nothing is computed.
 */
void		 scram_set_floor(struct scram *, uint32_t);
/*
 * The server-first-message's iteration count once parsed, also when it was
 * refused; 0 before.
 */
uint32_t	 scram_iterations(const struct scram *);
/*
 * The client-first-message, gs2 header then "n=,r=NONCE": an empty user
 * name, because PostgreSQL takes the user from the startup packet.
 */
int		 scram_client_first(struct scram *, struct buf *out);
/*
 * Parse the server-first-message; check that its nonce extends ours, the
 * salt decodes, and the iteration count lies between the floor and
 * SCRAM_MAX_ITERATIONS (else ERR_DENIED); append the
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

/*
 * pgkdf.c: SCRAM's Hi() on a few threads, off the loop.  kdf_start takes hi
 * over (and empties it), or returns NULL and leaves it to the caller; done
 * is called on the loop, once, unless the job was cancelled first.  salted
 * is freed after done returns.
 */
struct scram_hi;
struct kdf_job;
typedef void	 kdf_done_fn(void *arg, int error, const struct secret *salted);
int		 kdf_init(void);
struct kdf_job	*kdf_start(struct scram_hi *, kdf_done_fn *, void *);
void		 kdf_cancel(struct kdf_job *);
/* Stop the threads and free every job (at exit). */
void		 kdf_close(void);

/*
 * scramcache.c: SaltedPassword of verified exchanges, in guarded memory, a
 * few per service.  scramcache_key makes the key of an exchange (a keyed
 * hash of hi's password, its salt and count; guarded; NULL: no memory);
 * scramcache_find gives a copy of the SaltedPassword kept for it, or NULL;
 * scramcache_add keeps one, which the server's signature must have
 * verified, in place of the service's least recently used.
 * scramcache_drop forgets a service's (NULL: every service's);
 * scramcache_close also the hash key (at exit).
 */
struct secret	*scramcache_key(const struct scram_hi *);
struct secret	*scramcache_find(const char *service, const struct secret *key);
int		 scramcache_add(const char *service, const struct secret *key,
		    const struct secret *salted);
/* The entries kept for the service (tests). */
size_t		 scramcache_count(const char *service);
void		 scramcache_drop(const char *service);
void		 scramcache_close(void);

#endif
