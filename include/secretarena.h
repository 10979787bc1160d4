/*
 * A first-fit allocator over one region whose bookkeeping lives elsewhere:
 * privsep/secret.c puts it over the memfd_secret arena (privsep/
 * secretarena.c says why the metadata is outside).  Thread-safe: every
 * call but sarena_init and sarena_owns takes the arena's mutex.
 */
#ifndef AIRLOCK_SECRETARENA_H
#define AIRLOCK_SECRETARENA_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * SARENA_ASAN: built with AddressSanitizer, which is told what is handed
 * out (the rest of the region is poisoned).
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SARENA_ASAN
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SARENA_ASAN)
#define SARENA_ASAN
#endif

/* Every object starts at, and is a whole number of, granules. */
#define SARENA_GRANULE	16

struct sarena {
	unsigned char	*base;		/* the region; NULL: none */
	size_t		 ngran;		/* its size in granules */
	uint64_t	*used;		/* a bit per granule: allocated */
	uint64_t	*head;		/* ...: the first of an object */
	size_t		 low;		/* no free granule below this one */
	size_t		 inuse;		/* granules allocated */
	size_t		 peak;		/* the most ever allocated */
	unsigned long long refused;	/* allocations that did not fit */
	pthread_mutex_t	 mtx;
};

/* What an arena holds, in bytes. */
struct sarena_figures {
	size_t		 size;
	size_t		 used;
	size_t		 peak;
	unsigned long long refused;
};

/* Manage size bytes at base (granule-aligned; size rounded down). */
int		 sarena_init(struct sarena *, void *base, size_t size);
/* Release the bookkeeping, not the region. */
void		 sarena_destroy(struct sarena *);
/* len bytes, zeroed, 16-aligned; NULL (counted refused) when none fit. */
void		*sarena_alloc(struct sarena *, size_t len);
/* Zero the object at p, then make it reusable; p must be an object. */
void		 sarena_free(struct sarena *, void *p);
/* Whether p lies in the region (no lock: base and size never change). */
int		 sarena_owns(const struct sarena *, const void *p);
void		 sarena_figures(struct sarena *, struct sarena_figures *);

#endif
