/*
 * Bounds-checked byte buffers.  See include/buf.h.
 *
 * The invariant is off <= end <= alloc <= max.  Getters check the length
 * they need against end - off before touching memory and consume nothing
 * on failure, so a parser can never read past what it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "secret.h"

#define BUF_INITIAL	256

struct buf *
buf_new(size_t max)
{
	struct buf	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max ? max : BUF_MAX_DEFAULT;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (!b->readonly && b->data != NULL) {
		secret_wipe(b->data, b->alloc);
		free(b->data);
	}
	free(b);
}

void
buf_view(struct buf *b, const void *p, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->data = (unsigned char *)p;	/* never written: readonly */
	b->end = b->alloc = b->max = len;
	b->readonly = 1;
}

void
buf_reset(struct buf *b)
{
	if (!b->readonly && b->data != NULL)
		secret_wipe(b->data, b->end);
	b->off = 0;
	if (!b->readonly)
		b->end = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->end - b->off;
}

const unsigned char *
buf_ptr(const struct buf *b)
{
	/* An empty buffer may have no memory yet: NULL + 0 is undefined. */
	return b->data == NULL ? NULL : b->data + b->off;
}

int
buf_consume(struct buf *b, size_t n)
{
	if (n > buf_len(b))
		return ERR_SHORT;
	b->off += n;
	/* An emptied buffer starts over, so it never needs to grow for that. */
	if (b->off == b->end && !b->readonly)
		b->off = b->end = 0;
	return 0;
}

void
buf_compact(struct buf *b)
{
	size_t	 n;

	if (b->readonly || b->off == 0)
		return;
	n = b->end - b->off;
	memmove(b->data, b->data + b->off, n);
	secret_wipe(b->data + n, b->end - n);
	b->end = n;
	b->off = 0;
}

size_t
buf_room(const struct buf *b)
{
	return b->readonly ? 0 : b->max - b->end;
}

int
buf_reserve(struct buf *b, size_t n, unsigned char **p)
{
	size_t		 need, nalloc;
	unsigned char	*nd;

	if (b->readonly)
		return ERR_INVAL;
	if (n > b->max || b->end > b->max - n)
		return ERR_TOOBIG;
	need = b->end + n;
	/* Room for nothing still gets a block: *p is never NULL + 0. */
	if (need > b->alloc || b->data == NULL) {
		nalloc = b->alloc ? b->alloc : BUF_INITIAL;
		while (nalloc < need)
			nalloc = nalloc > b->max / 2 ? b->max : nalloc * 2;
		/*
		 * Not realloc: the old block may hold a secret, and realloc
		 * would free it unwiped.
		 */
		if ((nd = malloc(nalloc)) == NULL)
			return ERR_NOMEM;
		if (b->data != NULL) {
			memcpy(nd, b->data, b->end);
			secret_wipe(b->data, b->alloc);
			free(b->data);
		}
		b->data = nd;
		b->alloc = nalloc;
	}
	*p = b->data + b->end;
	b->end += n;
	return 0;
}

int
buf_put(struct buf *b, const void *v, size_t n)
{
	unsigned char	*p;
	int		 r;

	if ((r = buf_reserve(b, n, &p)) != 0)
		return r;
	if (n > 0)
		memcpy(p, v, n);
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	unsigned char	 p[2] = { v >> 8, v };

	return buf_put(b, p, sizeof(p));
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	unsigned char	 p[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_put(b, p, sizeof(p));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	int	 r;

	if ((r = buf_put_u32(b, v >> 32)) != 0)
		return r;
	return buf_put_u32(b, (uint32_t)v);
}

int
buf_put_string(struct buf *b, const void *v, size_t n)
{
	unsigned char	*p;
	int		 r;

	if (n > UINT32_MAX)
		return ERR_TOOBIG;
	/* One reservation, so that a failure leaves nothing half-written. */
	if ((r = buf_reserve(b, 4 + n, &p)) != 0)
		return r;
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
	if (n > 0)
		memcpy(p + 4, v, n);
	return 0;
}

int
buf_put_cstring(struct buf *b, const char *s)
{
	return buf_put_string(b, s, s ? strlen(s) : 0);
}

int
buf_get(struct buf *b, void *v, size_t n)
{
	if (n > buf_len(b))
		return ERR_SHORT;
	if (v != NULL && n > 0)
		memcpy(v, buf_ptr(b), n);
	return buf_consume(b, n);
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get(b, v, 1);
}

int
buf_get_u16(struct buf *b, uint16_t *v)
{
	unsigned char	 p[2];
	int		 r;

	if ((r = buf_get(b, p, 2)) != 0)
		return r;
	if (v != NULL)
		*v = (uint16_t)p[0] << 8 | p[1];
	return 0;
}

int
buf_peek_u32(const struct buf *b, uint32_t *v)
{
	const unsigned char	*p = buf_ptr(b);

	if (buf_len(b) < 4)
		return ERR_SHORT;
	if (v != NULL)
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	int	 r;

	if ((r = buf_peek_u32(b, v)) != 0)
		return r;
	return buf_consume(b, 4);
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t	 hi, lo;
	int		 r;

	if (buf_len(b) < 8)
		return ERR_SHORT;
	if ((r = buf_get_u32(b, &hi)) != 0 || (r = buf_get_u32(b, &lo)) != 0)
		return r;
	if (v != NULL)
		*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
buf_get_string_direct(struct buf *b, const unsigned char **v, size_t *n)
{
	uint32_t	 len;
	int		 r;

	if ((r = buf_peek_u32(b, &len)) != 0)
		return r;
	if (len > buf_len(b) - 4)
		return ERR_SHORT;
	if (v != NULL)
		*v = buf_ptr(b) + 4;
	if (n != NULL)
		*n = len;
	return buf_consume(b, 4 + (size_t)len);
}

int
buf_get_cstring(struct buf *b, char **v, size_t maxlen)
{
	const unsigned char	*p;
	size_t			 n;
	uint32_t		 len;
	char			*s;
	int			 r;

	*v = NULL;
	if ((r = buf_peek_u32(b, &len)) != 0)
		return r;
	if (len > maxlen)
		return ERR_TOOBIG;
	if (len > buf_len(b) - 4)
		return ERR_SHORT;
	p = buf_ptr(b) + 4;
	n = len;
	if (memchr(p, '\0', n) != NULL)
		return ERR_FORMAT;
	if ((s = malloc(n + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(s, p, n);
	s[n] = '\0';
	*v = s;
	return buf_consume(b, 4 + n);
}

int
buf_expect_end(const struct buf *b)
{
	return buf_len(b) == 0 ? 0 : ERR_FORMAT;
}

/*
 * MySQL's integers (MySQL "Client/Server Protocol", "Basic Data Types":
 * "Integer Types").  One decoder and one encoder of n little-endian bytes
 * serve every width and the length-encoded integers.
 */
static uint64_t
le_decode(const unsigned char *p, size_t n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void
le_encode(unsigned char *p, uint64_t v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static int
buf_get_le(struct buf *b, size_t n, uint64_t *v)
{
	if (buf_len(b) < n)
		return ERR_SHORT;
	*v = le_decode(buf_ptr(b), n);
	return buf_consume(b, n);
}

static int
buf_put_le(struct buf *b, uint64_t v, size_t n)
{
	unsigned char	*p;
	int		 r;

	if ((r = buf_reserve(b, n, &p)) != 0)
		return r;
	le_encode(p, v, n);
	return 0;
}

int
buf_put_u16le(struct buf *b, uint16_t v)
{
	return buf_put_le(b, v, 2);
}

int
buf_put_u24le(struct buf *b, uint32_t v)
{
	if (v > 0xffffff)
		return ERR_INVAL;
	return buf_put_le(b, v, 3);
}

int
buf_put_u32le(struct buf *b, uint32_t v)
{
	return buf_put_le(b, v, 4);
}

int
buf_put_u64le(struct buf *b, uint64_t v)
{
	return buf_put_le(b, v, 8);
}

int
buf_get_u16le(struct buf *b, uint16_t *v)
{
	uint64_t	 x;
	int		 r;

	if ((r = buf_get_le(b, 2, &x)) == 0 && v != NULL)
		*v = (uint16_t)x;
	return r;
}

int
buf_get_u24le(struct buf *b, uint32_t *v)
{
	uint64_t	 x;
	int		 r;

	if ((r = buf_get_le(b, 3, &x)) == 0 && v != NULL)
		*v = (uint32_t)x;
	return r;
}

int
buf_get_u32le(struct buf *b, uint32_t *v)
{
	uint64_t	 x;
	int		 r;

	if ((r = buf_get_le(b, 4, &x)) == 0 && v != NULL)
		*v = (uint32_t)x;
	return r;
}

int
buf_get_u64le(struct buf *b, uint64_t *v)
{
	uint64_t	 x;
	int		 r;

	if ((r = buf_get_le(b, 8, &x)) == 0 && v != NULL)
		*v = x;
	return r;
}

/*
 * "Length-Encoded Integer Type": the value and the bytes it takes, without
 * consuming them, so that a string getter can check its length first.
 */
static int
lenenc_peek(const struct buf *b, uint64_t *v, size_t *n)
{
	const unsigned char	*p = buf_ptr(b);
	size_t			 width;

	if (buf_len(b) < 1)
		return ERR_SHORT;
	switch (p[0]) {
	case 0xfb:	/* NULL in a text resultset row */
	case 0xff:	/* the first byte of an ERR packet */
		return ERR_FORMAT;
	case 0xfc:
		width = 2;
		break;
	case 0xfd:
		width = 3;
		break;
	case 0xfe:
		width = 8;
		break;
	default:
		*v = p[0];
		*n = 1;
		return 0;
	}
	if (buf_len(b) < 1 + width)
		return ERR_SHORT;
	*v = le_decode(p + 1, width);
	*n = 1 + width;
	return 0;
}

int
buf_get_lenenc(struct buf *b, uint64_t *v)
{
	uint64_t	 x;
	size_t		 n;
	int		 r;

	if ((r = lenenc_peek(b, &x, &n)) != 0)
		return r;
	if (v != NULL)
		*v = x;
	return buf_consume(b, n);
}

/* The bytes of the shortest encoding of v, its first byte in *first. */
static size_t
lenenc_width(uint64_t v, unsigned char *first)
{
	if (v < 0xfb) {
		*first = (unsigned char)v;
		return 0;
	}
	if (v <= 0xffff) {
		*first = 0xfc;
		return 2;
	}
	if (v <= 0xffffff) {
		*first = 0xfd;
		return 3;
	}
	*first = 0xfe;
	return 8;
}

/* One reservation for the length and the bytes: nothing half-written. */
static int
put_lenenc(struct buf *b, uint64_t v, const void *data, size_t len)
{
	unsigned char	*p, first;
	size_t		 width = lenenc_width(v, &first);
	int		 r;

	if (len > SIZE_MAX - 9)
		return ERR_TOOBIG;
	if ((r = buf_reserve(b, 1 + width + len, &p)) != 0)
		return r;
	*p++ = first;
	le_encode(p, v, width);
	if (len > 0)
		memcpy(p + width, data, len);
	return 0;
}

int
buf_put_lenenc(struct buf *b, uint64_t v)
{
	return put_lenenc(b, v, NULL, 0);
}

int
buf_get_lenenc_string(struct buf *b, const unsigned char **v, size_t *len,
    size_t max)
{
	uint64_t	 x;
	size_t		 n;
	int		 r;

	if ((r = lenenc_peek(b, &x, &n)) != 0)
		return r;
	if (x > max)
		return ERR_TOOBIG;
	if (x > buf_len(b) - n)
		return ERR_SHORT;
	if (v != NULL)
		*v = buf_ptr(b) + n;
	if (len != NULL)
		*len = (size_t)x;
	return buf_consume(b, n + (size_t)x);
}

int
buf_put_lenenc_string(struct buf *b, const void *v, size_t len)
{
	return put_lenenc(b, len, v, len);
}
