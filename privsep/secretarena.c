/*
 * The allocator of the memfd_secret arena (privsep/secret.c maps the arena
 * and decides what goes there): first fit over 16-byte granules, two
 * bitmaps, one mutex.
 *
 * The bookkeeping (which granules are in use, where each object starts)
 * lives outside the region, in ordinary memory: it is not secret, and the
 * region holds bytes that callers write with lengths of their own, so an
 * overflow of one secret may spoil its neighbour's bytes but never the
 * allocator's idea of what is free.  An object's extent is read from the
 * bitmaps alone (up to the next object's head or the next free granule),
 * never from the object, so free wipes exactly what alloc gave.  Freed
 * neighbours need no coalescing step: a free run is a run of clear bits.
 *
 * Every free zeroes the object before its granules are free again, and
 * the region starts zeroed (a fresh memfd), so alloc hands out zeroes
 * without writing them.  A scan is O(region / 64) words at worst, whatever
 * the holes it passes; "low", the lowest granule that may be free, lets
 * the usual allocation skip the full prefix.
 *
 * Only airlockd's arena is memfd_secret memory.  A worker's is 16 KiB of
 * locked anonymous memory (SECRET_POLICY_LOCKED): each holds a cleartext
 * secret for microseconds, and memfd_secret per worker would cost a slow
 * system call per connection, RLIMIT_MEMLOCK per worker and fragments of
 * the kernel's direct map per worker.
 */
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "secretarena.h"

#define WORD_BITS	64

/*
 * Under AddressSanitizer, what is not handed out is poisoned: an overflow
 * of a secret is a report, as it was a fault at libsodium's guard page.
 */
#ifdef SARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

/* The first index in [from, limit) whose bit is set (want) or clear. */
static size_t
bit_next(const uint64_t *map, size_t from, size_t limit, int want)
{
	uint64_t	 w;
	size_t		 i, found;

	for (i = from; i < limit; i = (i / WORD_BITS + 1) * WORD_BITS) {
		w = want ? map[i / WORD_BITS] : ~map[i / WORD_BITS];
		w &= ~(uint64_t)0 << (i % WORD_BITS);
		if (w != 0) {
			found = i / WORD_BITS * WORD_BITS +
			    (size_t)__builtin_ctzll(w);
			return found < limit ? found : limit;
		}
	}
	return limit;
}

/* Set or clear the bits [from, to), a word at a time. */
static void
bit_range(uint64_t *map, size_t from, size_t to, int set)
{
	uint64_t	 mask;
	size_t		 n;

	while (from < to) {
		n = WORD_BITS - from % WORD_BITS;
		if (n > to - from)
			n = to - from;
		mask = n == WORD_BITS ? ~(uint64_t)0 :
		    (((uint64_t)1 << n) - 1) << (from % WORD_BITS);
		if (set)
			map[from / WORD_BITS] |= mask;
		else
			map[from / WORD_BITS] &= ~mask;
		from += n;
	}
}

int
sarena_init(struct sarena *a, void *base, size_t size)
{
	size_t	 words;

	a->base = NULL;
	a->ngran = size / SARENA_GRANULE;
	if (base == NULL || (uintptr_t)base % SARENA_GRANULE != 0 ||
	    a->ngran == 0)
		return ERR_INVAL;
	words = (a->ngran + WORD_BITS - 1) / WORD_BITS;
	a->used = calloc(words, sizeof(*a->used));
	a->head = calloc(words, sizeof(*a->head));
	if (a->used == NULL || a->head == NULL) {
		free(a->used);
		free(a->head);
		return ERR_NOMEM;
	}
	if (pthread_mutex_init(&a->mtx, NULL) != 0) {
		free(a->used);
		free(a->head);
		return ERR_SYS;
	}
	a->low = a->inuse = a->peak = 0;
	a->refused = 0;
	a->base = base;
	POISON(a->base, a->ngran * SARENA_GRANULE);
	return 0;
}

void
sarena_destroy(struct sarena *a)
{
	if (a->base == NULL)
		return;
	UNPOISON(a->base, a->ngran * SARENA_GRANULE);
	pthread_mutex_destroy(&a->mtx);
	free(a->used);
	free(a->head);
	a->base = NULL;
}

/* The bits i of x where x has n ones in a row from i up, in x alone. */
static uint64_t
ones_runs(uint64_t x, size_t n)
{
	size_t	 k, s;

	/* Each step: bit i set iff bits i..i+k-1 are, for a growing k. */
	for (k = 1; k < n && x != 0; k += s) {
		s = k < n - k ? k : n - k;
		x &= x >> s;
	}
	return x;
}

/*
 * The first run of n free granules at or after from, or ngran: a word at
 * a time, so that a scan costs a few operations per 64 granules however
 * many holes too small it passes.  run counts the free granules that end
 * the words seen so far, from start.
 */
static size_t
run_find(const struct sarena *a, size_t from, size_t n)
{
	uint64_t	 w, fits;
	size_t		 wi, nwords, run = 0, start = from, base;

	nwords = (a->ngran + WORD_BITS - 1) / WORD_BITS;
	for (wi = from / WORD_BITS; wi < nwords; wi++) {
		base = wi * WORD_BITS;
		w = a->used[wi];
		/* What lies below from, or past the end, counts as used. */
		if (wi == from / WORD_BITS)
			w |= ((uint64_t)1 << (from % WORD_BITS)) - 1;
		if (wi == nwords - 1 && a->ngran % WORD_BITS != 0)
			w |= ~(uint64_t)0 << (a->ngran % WORD_BITS);
		if (run == 0)
			start = base;
		if (w == 0) {
			if ((run += WORD_BITS) >= n)
				return start;
			continue;
		}
		if (run + (size_t)__builtin_ctzll(w) >= n)
			return start;
		if (n < WORD_BITS && (fits = ones_runs(~w, n)) != 0)
			return base + (size_t)__builtin_ctzll(fits);
		run = (size_t)__builtin_clzll(w);
		start = base + WORD_BITS - run;
	}
	return a->ngran;
}

void *
sarena_alloc(struct sarena *a, size_t len)
{
	size_t	 n, start;

	n = len == 0 ? 1 : len / SARENA_GRANULE + (len % SARENA_GRANULE != 0);
	pthread_mutex_lock(&a->mtx);
	a->low = bit_next(a->used, a->low, a->ngran, 0);
	if (n > a->ngran || (start = run_find(a, a->low, n)) == a->ngran) {
		a->refused++;
		pthread_mutex_unlock(&a->mtx);
		return NULL;
	}
	bit_range(a->used, start, start + n, 1);
	bit_range(a->head, start, start + 1, 1);
	if (start == a->low)
		a->low = start + n;
	a->inuse += n;
	if (a->inuse > a->peak)
		a->peak = a->inuse;
	UNPOISON(a->base + start * SARENA_GRANULE, len);
	pthread_mutex_unlock(&a->mtx);
	return a->base + start * SARENA_GRANULE;
}

void
sarena_free(struct sarena *a, void *p)
{
	size_t	 i, end, nexthead;

	if (!sarena_owns(a, p) ||
	    ((unsigned char *)p - a->base) % SARENA_GRANULE != 0)
		fatal("secret arena: free of %p, not an object", p);
	i = (size_t)((unsigned char *)p - a->base) / SARENA_GRANULE;
	pthread_mutex_lock(&a->mtx);
	if (!(a->head[i / WORD_BITS] & (uint64_t)1 << (i % WORD_BITS)))
		fatal("secret arena: free of %p, not an object", p);
	end = bit_next(a->used, i + 1, a->ngran, 0);
	nexthead = bit_next(a->head, i + 1, end, 1);
	end = nexthead < end ? nexthead : end;
	UNPOISON(p, (end - i) * SARENA_GRANULE);
	sodium_memzero(p, (end - i) * SARENA_GRANULE);
	POISON(p, (end - i) * SARENA_GRANULE);
	bit_range(a->used, i, end, 0);
	bit_range(a->head, i, i + 1, 0);
	a->inuse -= end - i;
	if (i < a->low)
		a->low = i;
	pthread_mutex_unlock(&a->mtx);
}

int
sarena_owns(const struct sarena *a, const void *p)
{
	uintptr_t	 u = (uintptr_t)p, b = (uintptr_t)a->base;

	return a->base != NULL && u >= b &&
	    u - b < a->ngran * SARENA_GRANULE;
}

void
sarena_figures(struct sarena *a, struct sarena_figures *f)
{
	if (a->base == NULL) {
		f->size = f->used = f->peak = 0;
		f->refused = 0;
		return;
	}
	pthread_mutex_lock(&a->mtx);
	f->size = a->ngran * SARENA_GRANULE;
	f->used = a->inuse * SARENA_GRANULE;
	f->peak = a->peak * SARENA_GRANULE;
	f->refused = a->refused;
	pthread_mutex_unlock(&a->mtx);
}
