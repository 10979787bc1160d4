/*
 * Secrets in memory that the rest of the process cannot reach by accident:
 * in airlockd, one memfd_secret(2) arena (out of the kernel's direct map,
 * unreadable through /proc/PID/mem and ptrace, never swapped, not in core
 * dumps) once secret_memory_start() has mapped it; elsewhere, and where the
 * kernel or a seccomp profile refuses memfd_secret, libsodium guarded memory
 * (mlock'd, guard pages around each secret).  Either way zeroed when freed.
 * The value is always followed by a NUL so that it can be handed to APIs
 * that want a C string, but its length is authoritative.
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

/* Where secret_alloc() puts secrets. */
enum secret_backing {
	SECRET_BACKING_SODIUM,	/* libsodium guarded memory, a mapping each */
	SECRET_BACKING_MEMFD,	/* the memfd_secret arena */
	SECRET_BACKING_LOCKED,	/* a worker's arena of locked memory */
};

/* secretMemory: what secret_memory_start() may settle for. */
enum secret_policy {
	SECRET_POLICY_AUTO,	/* the arena where the kernel allows it */
	SECRET_POLICY_REQUIRE,	/* the arena, or fail */
	SECRET_POLICY_SODIUM,	/* libsodium only, no arena */
	/*
	 * A worker's: an arena of anonymous memory, mlock'd, between guard
	 * pages, else libsodium.  Its secrets are one connection's, each
	 * held for microseconds; libsodium's three system calls to make and
	 * three to free each one were a third of an HTTP worker's time per
	 * request, and memfd_secret per worker is not worth its cost.
	 */
	SECRET_POLICY_LOCKED,
};

/*
 * Note the secrets made from now on until secret_memory_start(), whose
 * bytes it moves into the arena (airlockd: before its configuration
 * loads, since the arena's settings are in it).
 */
void		 secret_memory_expect(void);
/*
 * Map the memfd_secret arena of size bytes (rounded up to pages, guard
 * pages around it), once, and move the noted secrets' bytes into it.
 * SECRET_POLICY_AUTO falls back to libsodium and says why in why;
 * SECRET_POLICY_REQUIRE fails with ERR_* and says why.  Secrets allocated
 * before, and those freed after, are told apart by address.  One thread
 * until it returns; thread-safe after (pgkdf.c's threads allocate).
 */
int		 secret_memory_start(enum secret_policy, size_t size,
		    char *why, size_t whylen);
/*
 * After the last fork that keeps the arena (daemon(3)): no child has it
 * (MADV_DONTFORK).
 */
int		 secret_memory_nofork(void);
/* What the process uses, for its start-up line, /ready and /metrics. */
struct secret_memory_stats {
	enum secret_backing backing;
	size_t		 size;		/* the arena's usable bytes; 0: none */
	size_t		 used;		/* bytes allocated now, headers too */
	size_t		 peak;		/* the most ever in use */
	unsigned long long refused;	/* allocations the arena could not hold */
	unsigned long long overflowed;	/* ...that went to libsodium (AUTO) */
};
void		 secret_memory_stats(struct secret_memory_stats *);
const char	*secret_backing_name(enum secret_backing);
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
