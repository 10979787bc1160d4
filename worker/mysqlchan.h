/*
 * The MySQL connector's requests on the privsep channel (mysqlmsg.h), as
 * thin wrappers.  On MSG_FAILED or any error, err holds a reason fit for
 * the client.
 */
#ifndef AIRLOCK_MYSQLCHAN_H
#define AIRLOCK_MYSQLCHAN_H

#include <stddef.h>
#include <stdint.h>

struct wconn;

/*
 * The answer to a scramble (type MSG_MY_NATIVE, MSG_MY_SHA2 or
 * MSG_MY_ED25519) into out, with room for *outlen bytes, then its length.
 */
int		 wchan_my_scramble(struct wconn *, uint32_t type,
		    const unsigned char *scramble, size_t len,
		    unsigned char *out, size_t *outlen, char *err, size_t);
/* caching_sha2's full authentication under the server's RSA key. */
int		 wchan_my_rsa(struct wconn *, const unsigned char *scramble,
		    size_t len, const unsigned char *n, size_t nlen,
		    const unsigned char *e, size_t elen, unsigned char *out,
		    size_t *outlen, char *err, size_t);

#endif
