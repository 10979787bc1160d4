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
#define PGR_PARAM_MAX	512		/* a ParameterStatus's body */

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

/*
 * The framing of one direction of the relay ("Message Formats": a type
 * byte, an int32 length, the body), and what its messages mean for whether
 * the session is idle.  Zeroed to start; client set for the client's.
 */
struct pgr_frames {
	int		 client;	/* the client's direction */
	unsigned char	 hdr[5];
	size_t		 hdrgot;	/* of the header being read */
	uint64_t	 body;		/* body bytes still to pass */
	int		 broken;	/* a length below 4: framing lost */
	int		 zfirst;	/* the next body byte is Z's status */
	/* client: requests that end in ReadyForQuery ('Q', 'F', 'S') */
	uint64_t	 requests;
	int		 unsynced;	/* extended query messages without Sync */
	/* backend */
	uint64_t	 ready;		/* ReadyForQuery seen */
	unsigned char	 status;	/* the last one's */
	/*
	 * backend: a ParameterStatus's body, for pgr_blob_status, when reuse
	 * is set (the session's blob to keep current).
	 */
	struct pgr	*reuse;
	unsigned char	 param[PGR_PARAM_MAX];
	size_t		 paramgot;
	int		 inparam;	/* reading one's body */
};
/*
 * The relay's look (relay_watch): every byte passes but the client's
 * Terminate ('X' where a message starts), which stops the relay.
 */
size_t		 pgr_frames_look(void *frames, const unsigned char *, size_t,
		    int *stop);
/* Was the session idle when the client said Terminate? */
int		 pgr_frames_idle(const struct pgr_frames *client,
		    const struct pgr_frames *backend);
/* The CommandComplete tag of a reset statement ("DISCARD ALL", "RESET"). */
void		 pgr_reset_tag(const char *query, char *tag, size_t);
/* A session blob: whole 'S' messages and exactly one 'K'.  0 or ERR_FORMAT. */
int		 pgr_blob_check(const unsigned char *, size_t);

/*
 * The answer to a reset query ("Simple Query"), one backend message at a
 * time: CommandComplete with the reset's tag, then ReadyForQuery idle.
 * strict (a backend taken from the pool): nothing else; otherwise what the
 * session says on the way (ParameterStatus of reset settings, notices,
 * notifications) may come too, but no ErrorResponse.  Zeroed to start.
 */
struct pgr_answer {
	const char	*tag;		/* the CommandComplete expected */
	int		 strict;
	int		 tagged;	/* the CommandComplete came */
	int		 done;		/* then ReadyForQuery idle: the end */
	size_t		 total;		/* bytes of answer so far */
	char		 why[64];	/* what was wrong, fit for a log */
};
/*
 * One message of the answer (its type, body and body length): 0, and done
 * set after the last; or ERR_PROTO or ERR_TOOBIG, with why.
 */
int		 pgr_answer_msg(struct pgr_answer *, uint8_t type,
		    const unsigned char *body, size_t len);

/* From the service's options and the client's StartupMessage. */
int		 pgr_init(struct pgr *, const struct wconn *,
		    const struct pgp_startup *);
/* Keep a ParameterStatus or BackendKeyData of the login (whole message). */
void		 pgr_blob_add(struct pgr *, const unsigned char *, size_t);
/*
 * A ParameterStatus that the session said after its login (its body: name
 * and value): it replaces the blob's of that name, so that the next
 * client of the backend hears the session's current values.  0, or
 * ERR_FORMAT or ERR_TOOBIG, and the backend is not reused (overflow).
 */
int		 pgr_blob_status(struct pgr *, const unsigned char *, size_t);
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
