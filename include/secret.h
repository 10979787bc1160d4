/*
 * Secrets in libsodium guarded memory: mlock'd, surrounded by guard pages,
 * and zeroed when freed.  The value is always followed by a NUL so that it
 * can be handed to APIs that want a C string, but its length is authoritative.
 */
#ifndef AIRLOCK_SECRET_H
#define AIRLOCK_SECRET_H

#include <stddef.h>

struct secret {
	size_t		 len;
	unsigned char	*data;		/* len bytes, then a NUL */
};

/* Library set-up (sodium_init); call once before any other function. */
int		 secret_init(void);
/* A copy of the bytes in guarded memory. */
struct secret	*secret_new(const void *, size_t);
/* Guarded memory for len bytes, zeroed. */
struct secret	*secret_alloc(size_t);
/* Zero and release; NULL is accepted. */
void		 secret_free(struct secret *);
/* Zero ordinary memory in a way the compiler cannot elide. */
void		 secret_wipe(void *, size_t);
/*
 * Zero a whole malloc(3) block, then free it: a free function for
 * libraries (OpenSSL, libevent, jansson) whose blocks may hold secrets.
 */
void		 secret_wipe_free(void *);
/* realloc(3) that never leaves an unwiped copy behind. */
void		*secret_wipe_realloc(void *, size_t);
/*
 * Make OpenSSL wipe every block it frees or moves.  Must run before
 * OpenSSL's first allocation.
 */
int		 secret_openssl_hooks(void);
/* Constant-time comparison of equal-length byte strings: 0 when equal. */
int		 secret_cmp(const void *, const void *, size_t);

#endif
