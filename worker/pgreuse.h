/*
 * Backend reuse for the PostgreSQL connector (poolMode session), the
 * worker's half: the key of a session, the session blob, the check of a
 * backend taken from the monitor's pool, and the relay that gives the
 * backend back when the client leaves with Terminate.
 */
#ifndef AIRLOCK_PGREUSE_H
#define AIRLOCK_PGREUSE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct pgp_startup;
struct relay_stats;
struct wconn;

#define PGR_RESET_MAX	1024		/* serverResetQuery (pgconfig.c) */
#define PGR_TAG_MAX	64

struct pgr {
	int		 on;		/* poolMode session */
	char		 reset[PGR_RESET_MAX + 1];
	char		 tag[PGR_TAG_MAX];	/* its CommandComplete's */
	unsigned char	 key[BACKPOOL_KEY_MAX];
	size_t		 keylen;
	unsigned char	 blob[BACKPOOL_BLOB_MAX];	/* 'S' and 'K' */
	size_t		 bloblen;
	int		 overflow;	/* the login said more: no reuse */
};

/* From the service's options and the client's StartupMessage. */
int		 pgr_init(struct pgr *, const struct wconn *,
		    const struct pgp_startup *);
/* Keep a ParameterStatus or BackendKeyData of the login (whole message). */
void		 pgr_blob_add(struct pgr *, const unsigned char *, size_t);
/*
 * A backend taken from the pool, before any client byte: its blob well
 * formed, the reset query answered exactly (CommandComplete with its tag,
 * ReadyForQuery idle, nothing else, nothing after).  0, or the backend is
 * unfit (the caller closes it and dials a new one).
 */
int		 pgr_take(struct pgr *, struct wconn *, const void *blob,
		    size_t bloblen);
/* Then the client hears AuthenticationOk, the blob and ReadyForQuery. */
int		 pgr_greet(const struct pgr *, struct wconn *);
/*
 * The relay of the session to its end, with the byte counts for the
 * monitor; the backend is given back after the client's Terminate if the
 * session was idle and resets cleanly.  Both endpoints are closed.
 */
void		 pgr_relay(struct pgr *, struct wconn *);

#endif
