/*
 * Secrets in guarded memory.  One allocation holds the struct and the
 * bytes, so a secret is freed (and zeroed) in one step.  Until
 * secret_memory_start() maps the memfd_secret arena (airlockd does, once
 * its configuration is loaded; workers never do), and where it is full under
 * SECRET_POLICY_AUTO, that is libsodium's guarded memory: a mapping of its
 * own per secret, mlock'd, between guard pages.  The arena (allocator in
 * secretarena.c) is one memfd_secret mapping between two guard pages:
 * its pages leave the kernel's direct map, so neither /proc/PID/mem nor
 * ptrace nor a kernel bug that reads through the direct map reaches them.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "errors.h"
#include "secret.h"
#include "secretarena.h"

/*
 * glibc 2.36 has no wrapper, and headers older than Linux 5.14 no number:
 * memfd_secret is 447 in the generic table (aarch64) and on x86_64 alike.
 */
#if !defined(SYS_memfd_secret) && (defined(__x86_64__) || \
    defined(__aarch64__))
#define SYS_memfd_secret	447
#endif

/* Set once by secret_memory_start(), before any thread allocates. */
static struct {
	int			 started;
	enum secret_policy	 policy;
	struct sarena		 arena;		/* base NULL: no arena */
	unsigned char		*span;		/* the arena and its guards */
	size_t			 spanlen;
	unsigned long long	 overflowed;	/* atomic */
} smem;

/*
 * The secrets made between secret_memory_expect() and secret_memory_start()
 * and not freed yet: airlockd's configuration reads the env provider's
 * values and the providers' own keys and tokens as it loads, and the
 * arena's settings are in that configuration.  Their bytes move into the
 * arena when it starts (the struct stays where it is: its holders point at
 * it).  Pointers only, in ordinary memory; one thread, before any other.
 */
static struct {
	int		  on;
	struct secret	**v;
	size_t		  n, cap;
} early;

int
secret_init(void)
{
	return sodium_init() < 0 ? ERR_SYS : 0;
}

/* why: what failed, errno's text, and what an operator can do about it. */
static void
arena_why(char *why, size_t whylen, const char *what, int e, size_t size)
{
	struct rlimit	 rl;
	char		 hint[256] = "";

	switch (e) {
	case ENOSYS:
		snprintf(hint, sizeof(hint), " (ENOSYS: a kernel before 5.14,"
		    " secretmem.enable=0, or a tool that does not know the"
		    " system call, as valgrind)");
		break;
	case EPERM:
		snprintf(hint, sizeof(hint), " (EPERM: a seccomp profile"
		    " denies memfd_secret, as Docker's default does)");
		break;
	case EAGAIN:
	case ENOMEM:
		/* Without CAP_IPC_LOCK the whole arena counts at mmap. */
		if (strcmp(what, "mmap") != 0 ||
		    getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
			break;
		if (rl.rlim_cur == RLIM_INFINITY)
			snprintf(hint, sizeof(hint), " (an arena of %zu KiB)",
			    size / 1024);
		else
			snprintf(hint, sizeof(hint), " (an arena of %zu KiB,"
			    " with what is locked already, is over"
			    " RLIMIT_MEMLOCK of %llu KiB: raise LimitMEMLOCK="
			    " or ulimit -l, or grant CAP_IPC_LOCK)",
			    size / 1024,
			    (unsigned long long)rl.rlim_cur / 1024);
		break;
	}
	snprintf(why, whylen, "%s: %s%s", what, strerror(e), hint);
}

/*
 * A worker's arena: size bytes of anonymous memory between two PROT_NONE
 * guard pages, locked (no swap), not inherited (a worker never daemonizes);
 * NULL with why set.
 */
static void *
arena_map_locked(size_t size, size_t page, char *why, size_t whylen)
{
	unsigned char	*res, *p;
	size_t		 span = size + 2 * page;
	int		 e;

	res = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		arena_why(why, whylen, "mmap", errno, size);
		return NULL;
	}
	p = res + page;
	if (mprotect(p, size, PROT_READ | PROT_WRITE) == -1 ||
	    mlock(p, size) == -1 ||
	    madvise(res, span, MADV_DONTFORK) == -1) {
		e = errno;
		munmap(res, span);
		arena_why(why, whylen, "mprotect, mlock or madvise", e, size);
		return NULL;
	}
	return p;
}

/*
 * size bytes of memfd_secret memory between two PROT_NONE guard pages;
 * NULL with why set.  Inherited by a fork until secret_memory_nofork():
 * daemon(3) forks after it.
 */
static void *
arena_map(size_t size, size_t page, char *why, size_t whylen)
{
	unsigned char	*res, *p;
	size_t		 span = size + 2 * page;
	int		 fd, e;

#ifdef SYS_memfd_secret
	fd = (int)syscall(SYS_memfd_secret, O_CLOEXEC);
#else
	fd = -1;
	errno = ENOSYS;
#endif
	if (fd == -1) {
		arena_why(why, whylen, "memfd_secret", errno, size);
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) == -1) {
		e = errno;
		close(fd);
		arena_why(why, whylen, "ftruncate", e, size);
		return NULL;
	}
	res = mmap(NULL, span, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED) {
		e = errno;
		close(fd);
		arena_why(why, whylen, "mmap of the guard pages", e, size);
		return NULL;
	}
	p = mmap(res + page, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, fd, 0);
	e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		munmap(res, span);
		arena_why(why, whylen, "mmap", e, size);
		return NULL;
	}
	return p;
}

void
secret_memory_expect(void)
{
	early.on = 1;
}

/* Note s as made before the arena; ERR_NOMEM when the list cannot grow. */
static int
early_note(struct secret *s)
{
	struct secret	**v;
	size_t		  cap;

	if (early.n == early.cap) {
		cap = early.cap == 0 ? 32 : early.cap * 2;
		if ((v = reallocarray(early.v, cap, sizeof(*v))) == NULL)
			return ERR_NOMEM;
		early.v = v;
		early.cap = cap;
	}
	early.v[early.n++] = s;
	return 0;
}

static void
early_forget(struct secret *s)
{
	size_t	 i;

	for (i = 0; i < early.n; i++)
		if (early.v[i] == s) {
			early.v[i] = early.v[--early.n];
			return;
		}
}

static void
early_end(void)
{
	free(early.v);
	memset(&early, 0, sizeof(early));
}

/*
 * Move the early secrets' bytes into the arena, wiping where they were;
 * the number that did not fit (they stay in libsodium's memory).
 */
static size_t
early_move(void)
{
	struct secret	*s;
	unsigned char	*d;
	size_t		 i, left = 0;

	for (i = 0; i < early.n; i++) {
		s = early.v[i];
		if ((d = sarena_alloc(&smem.arena, s->len + 1)) == NULL) {
			left++;
			continue;
		}
		memcpy(d, s->data, s->len + 1);
		sodium_memzero(s->data, s->len + 1);
		s->data = d;
	}
	return left;
}

/* secret_memory_start's work, once the list of early secrets is known. */
static int
start_arena(enum secret_policy policy, size_t size, char *why, size_t whylen)
{
	unsigned char	*p;
	size_t		 page, left;
	int		 rc;

	if (policy == SECRET_POLICY_SODIUM) {
		snprintf(why, whylen, "libsodium was asked for");
		return 0;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (size == 0 || size > SIZE_MAX / 2) {
		snprintf(why, whylen, "an arena of %zu bytes", size);
		return ERR_INVAL;
	}
	size = (size + page - 1) / page * page;
	p = policy == SECRET_POLICY_LOCKED ?
	    arena_map_locked(size, page, why, whylen) :
	    arena_map(size, page, why, whylen);
	if (p == NULL)
		return policy == SECRET_POLICY_REQUIRE ? ERR_SYS : 0;
	if ((rc = sarena_init(&smem.arena, p, size)) != 0) {
		munmap(p - page, size + 2 * page);
		snprintf(why, whylen, "the arena's bookkeeping: %s",
		    err_str(rc));
		return policy == SECRET_POLICY_REQUIRE ? rc : 0;
	}
	/* Either mapping sits between its guard pages. */
	smem.span = p - page;
	smem.spanlen = size + 2 * page;
	/* The kernel may refuse it; secretmem pages are not dumped anyway. */
	(void)madvise(p, size, MADV_DONTDUMP);
	if ((left = early_move()) > 0 && policy == SECRET_POLICY_REQUIRE) {
		snprintf(why, whylen, "%zu secret(s) of the configuration do "
		    "not fit in an arena of %zu bytes", left, size);
		return ERR_NOMEM;
	}
	return 0;
}

int
secret_memory_start(enum secret_policy policy, size_t size, char *why,
    size_t whylen)
{
	int	 rc;

	if (whylen > 0)
		why[0] = '\0';
	if (smem.started) {
		snprintf(why, whylen, "secret memory is set up already");
		return ERR_INVAL;
	}
	smem.started = 1;
	smem.policy = policy;
	rc = start_arena(policy, size, why, whylen);
	early_end();
	return rc;
}

int
secret_memory_nofork(void)
{
	if (smem.span == NULL)
		return 0;
	return madvise(smem.span, smem.spanlen, MADV_DONTFORK) == -1 ?
	    ERR_SYS : 0;
}

void
secret_memory_stats(struct secret_memory_stats *st)
{
	struct sarena_figures	 f;

	sarena_figures(&smem.arena, &f);
	st->backing = smem.arena.base == NULL ? SECRET_BACKING_SODIUM :
	    smem.policy == SECRET_POLICY_LOCKED ? SECRET_BACKING_LOCKED :
	    SECRET_BACKING_MEMFD;
	st->size = f.size;
	st->used = f.used;
	st->peak = f.peak;
	st->refused = f.refused;
	st->overflowed = __atomic_load_n(&smem.overflowed, __ATOMIC_RELAXED);
}

const char *
secret_backing_name(enum secret_backing b)
{
	switch (b) {
	case SECRET_BACKING_MEMFD:
		return "memfd_secret";
	case SECRET_BACKING_LOCKED:
		return "locked";
	default:
		return "libsodium";
	}
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
	if (smem.arena.base != NULL) {
		/* Zeroed already: the arena wipes every object it frees. */
		if ((s = sarena_alloc(&smem.arena, size)) != NULL)
			goto made;
		if (smem.policy == SECRET_POLICY_REQUIRE)
			return NULL;
	}
	if ((s = sodium_malloc(size)) == NULL)
		return NULL;
	/* sodium_malloc fills with 0xdb to catch uninitialised use. */
	sodium_memzero(s, size);
	if (smem.arena.base != NULL)
		__atomic_add_fetch(&smem.overflowed, 1, __ATOMIC_RELAXED);
	else if (early.on && early_note(s) != 0) {
		sodium_free(s);
		return NULL;
	}
made:
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
	/*
	 * Both zero the whole object first.  The address tells them apart:
	 * secrets from before the arena, and its overflow, are sodium's; the
	 * bytes of an early one may have moved into the arena.
	 */
	if (s == NULL)
		return;
	if (sarena_owns(&smem.arena, s)) {
		sarena_free(&smem.arena, s);
		return;
	}
	if (early.on)
		early_forget(s);
	if (s->data != (unsigned char *)(s + 1))
		sarena_free(&smem.arena, s->data);
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
