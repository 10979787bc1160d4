/*
 * Secrets in libsodium guarded memory.  One allocation holds the struct
 * and the bytes, so a secret is freed (and zeroed) in one step.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "errors.h"
#include "secret.h"

int
secret_init(void)
{
	return sodium_init() < 0 ? ERR_SYS : 0;
}

struct secret *
secret_alloc(size_t len)
{
	struct secret	*s;
	size_t		 size;

	if (len > SIZE_MAX - sizeof(*s) - 32)
		return NULL;
	/*
	 * sodium_malloc puts the region's end against a guard page, so its
	 * start is aligned only if the size is a multiple of the alignment.
	 */
	size = (sizeof(*s) + len + 1 + 15) & ~(size_t)15;
	if ((s = sodium_malloc(size)) == NULL)
		return NULL;
	/* sodium_malloc fills with 0xdb to catch uninitialised use. */
	sodium_memzero(s, size);
	s->len = len;
	s->data = (unsigned char *)(s + 1);
	return s;
}

struct secret *
secret_new(const void *v, size_t len)
{
	struct secret	*s;

	if ((s = secret_alloc(len)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(s->data, v, len);
	return s;
}

void
secret_free(struct secret *s)
{
	/* sodium_free zeroes the whole region before unmapping it. */
	if (s != NULL)
		sodium_free(s);
}

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		sodium_memzero(p, len);
}

void
secret_wipe_free(void *p)
{
	if (p != NULL) {
		sodium_memzero(p, malloc_usable_size(p));
		free(p);
	}
}

/* Not realloc: it could move the block and free the old one unwiped. */
void *
secret_wipe_realloc(void *p, size_t n)
{
	size_t	 old;
	void	*q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		secret_wipe_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	secret_wipe_free(p);
	return q;
}

int
secret_cmp(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0 ? 0 : 1;
}
