/*
 * The PostgreSQL connector's requests on the privsep channel (pgmsg.h),
 * with the signatures of what they stand for.  On MSG_FAILED or any error,
 * err holds a reason fit for the client.
 */
#ifndef AIRLOCK_PGCHAN_H
#define AIRLOCK_PGCHAN_H

#include <stddef.h>

struct buf;
struct wconn;

/* "md5" + 32 hex digits, NUL-terminated, for the backend's salt. */
int		 wchan_pg_md5(struct wconn *, const unsigned char salt[4],
		    char out[36], char *err, size_t);
/* cbind: -PLUS's tls-server-end-point data, or NULL and 0. */
int		 wchan_pg_scram_start(struct wconn *, const char *mechanism,
		    const unsigned char *cbind, size_t cbindlen,
		    struct buf *out, char *err, size_t);
int		 wchan_pg_scram_final(struct wconn *, const unsigned char *,
		    size_t, struct buf *out, char *err, size_t);
int		 wchan_pg_scram_verify(struct wconn *, const unsigned char *,
		    size_t, char *err, size_t);

#endif
