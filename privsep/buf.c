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
	if (need > b->alloc) {
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
