/*
 * Bounds-checked byte buffers, in the spirit of OpenSSH's sshbuf.
 *
 * A buffer holds bytes between a read offset and an end; getters consume from
 * the front, putters append at the end.  Every getter either consumes exactly
 * what it returns or, on error, consumes nothing.  Integers are big-endian
 * (network order), which is what both the privsep channel and PostgreSQL's
 * protocol use.  A buffer never grows beyond its maximum.  Freeing or
 * resetting a buffer zeroes its memory, so buffers may carry secrets briefly.
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stddef.h>
#include <stdint.h>

#define BUF_MAX_DEFAULT	(256 * 1024)

struct buf {
	unsigned char	*data;
	size_t		 off;		/* read position */
	size_t		 end;		/* end of valid data */
	size_t		 alloc;		/* allocated size; 0 for a read-only view */
	size_t		 max;		/* the buffer never grows beyond this */
	int		 readonly;	/* a view over memory the buffer does not own */
};

struct buf	*buf_new(size_t max);
void		 buf_free(struct buf *);
/* Point a stack buffer at memory owned elsewhere, for parsing only. */
void		 buf_view(struct buf *, const void *, size_t);
/* Empty the buffer (zeroing what it held); keeps its allocation. */
void		 buf_reset(struct buf *);

size_t		 buf_len(const struct buf *);		/* bytes left to read */
const unsigned char *buf_ptr(const struct buf *);	/* first unread byte */
int		 buf_consume(struct buf *, size_t);
/* Append room for n bytes and return a pointer to it. */
int		 buf_reserve(struct buf *, size_t, unsigned char **);
/*
 * Move the unread bytes to the front (the read ones are wiped), so that
 * the room before them serves buf_reserve again; and how many bytes may
 * still be appended before max.
 */
void		 buf_compact(struct buf *);
size_t		 buf_room(const struct buf *);

int		 buf_put(struct buf *, const void *, size_t);
int		 buf_put_u8(struct buf *, uint8_t);
int		 buf_put_u16(struct buf *, uint16_t);
int		 buf_put_u32(struct buf *, uint32_t);
int		 buf_put_u64(struct buf *, uint64_t);
/* A string on the privsep channel: u32 length, then the bytes. */
int		 buf_put_string(struct buf *, const void *, size_t);
int		 buf_put_cstring(struct buf *, const char *);

int		 buf_get(struct buf *, void *, size_t);
int		 buf_get_u8(struct buf *, uint8_t *);
int		 buf_get_u16(struct buf *, uint16_t *);
int		 buf_get_u32(struct buf *, uint32_t *);
int		 buf_get_u64(struct buf *, uint64_t *);
int		 buf_peek_u32(const struct buf *, uint32_t *);
/* A u32-prefixed string, returned as a pointer into the buffer. */
int		 buf_get_string_direct(struct buf *, const unsigned char **,
		    size_t *);
/*
 * A u32-prefixed string copied to a fresh NUL-terminated allocation; a string
 * with an embedded NUL or longer than maxlen is ERR_FORMAT / ERR_TOOBIG.
 */
int		 buf_get_cstring(struct buf *, char **, size_t maxlen);
/* Consumed whole?  Every message parser ends with this. */
int		 buf_expect_end(const struct buf *);

/*
 * Little-endian integers, as MySQL's protocol has them ("Basic Data Types",
 * int<2>, int<3>, int<4>, int<8>).
 */
int		 buf_put_u16le(struct buf *, uint16_t);
int		 buf_put_u24le(struct buf *, uint32_t);	/* < 2^24 */
int		 buf_put_u32le(struct buf *, uint32_t);
int		 buf_put_u64le(struct buf *, uint64_t);
int		 buf_get_u16le(struct buf *, uint16_t *);
int		 buf_get_u24le(struct buf *, uint32_t *);
int		 buf_get_u32le(struct buf *, uint32_t *);
int		 buf_get_u64le(struct buf *, uint64_t *);
/*
 * MySQL's length-encoded integer (int<lenenc>): one byte below 0xfb, else
 * 0xfc, 0xfd or 0xfe and 2, 3 or 8 little-endian bytes.  A first byte of
 * 0xfb (a NULL column) or 0xff (an ERR packet) is never a length and is
 * ERR_FORMAT.  The putter writes the shortest encoding.
 */
int		 buf_get_lenenc(struct buf *, uint64_t *);
int		 buf_put_lenenc(struct buf *, uint64_t);
/*
 * A length-encoded string (string<lenenc>), returned as a pointer into the
 * buffer; longer than max is ERR_TOOBIG.
 */
int		 buf_get_lenenc_string(struct buf *, const unsigned char **,
		    size_t *, size_t max);
int		 buf_put_lenenc_string(struct buf *, const void *, size_t);

#endif
