/*
 * The memfd_secret arena: its allocator (privsep/secretarena.c) over
 * ordinary anonymous memory, which runs anywhere (valgrind too), and
 * secret_memory_start() with secret_alloc()/secret_free() over a real
 * memfd_secret arena (privsep/secret.c).  The arena is mapped once per
 * process and not inherited, so each of the latter runs in a child of its
 * own; a child denies itself memfd_secret with a seccomp filter to see the
 * fallback.  Where the kernel has no memfd_secret (valgrind answers
 * ENOSYS), the tests that need it say so and check the fallback only.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "errors.h"
#include "secret.h"
#include "secretarena.h"
#include "test.h"

#ifdef SARENA_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* Old headers lack the number: privsep/secret.c says why it is 447. */
#ifdef SYS_memfd_secret
#define NR_MEMFD_SECRET	SYS_memfd_secret
#else
#define NR_MEMFD_SECRET	447
#endif

#define REGION		(64 * 1024)
#define NTHREADS	4
#define NROUNDS		3000

/* A struct secret of len bytes takes this much of the arena. */
#define FOOTPRINT(len)	((sizeof(struct secret) + (len) + 1 + 15) & ~15UL)

/* It reads freed bytes on purpose: no AddressSanitizer report there. */
__attribute__((no_sanitize_address)) static int
all_zero(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void *
region_new(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

TEST(sarena_alloc_aligned_zeroed)
{
	struct sarena		 a;
	struct sarena_figures	 f;
	unsigned char		*r, *p[4];
	size_t			 len[4] = { 1, 16, 17, 100 }, i;

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, REGION) == 0);
	for (i = 0; i < 4; i++) {
		REQUIRE((p[i] = sarena_alloc(&a, len[i])) != NULL);
		CHECK(sarena_owns(&a, p[i]));
		CHECK_INT((uintptr_t)p[i] % 16, 0);
		CHECK(all_zero(p[i], len[i]));
		memset(p[i], 0xa5, len[i]);
	}
	/* 1, 1, 2 and 7 granules, one after the other. */
	CHECK(p[1] == p[0] + 16 && p[2] == p[1] + 16 && p[3] == p[2] + 32);
	sarena_figures(&a, &f);
	CHECK_INT(f.size, REGION);
	CHECK_INT(f.used, (1 + 1 + 2 + 7) * 16);
	for (i = 0; i < 4; i++)
		sarena_free(&a, p[i]);
	sarena_figures(&a, &f);
	CHECK_INT(f.used, 0);
	CHECK_INT(f.peak, (1 + 1 + 2 + 7) * 16);
	CHECK(!sarena_owns(&a, r + REGION));
	CHECK(!sarena_owns(&a, r - 1));
	sarena_destroy(&a);
	munmap(r, REGION);
}

/* A free zeroes its own object whole, and nothing of its neighbour. */
TEST(sarena_free_wipes_its_object)
{
	struct sarena	 a;
	unsigned char	*r, *p, *q, pattern[48];

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, REGION) == 0);
	REQUIRE((p = sarena_alloc(&a, 40)) != NULL);
	REQUIRE((q = sarena_alloc(&a, 48)) != NULL);
	CHECK(q == p + 48);
	memset(p, 0xaa, 40);
	memset(q, 0x55, 48);
	memset(pattern, 0x55, sizeof(pattern));
	sarena_free(&a, p);
	CHECK(all_zero(p, 48));
	CHECK_MEM(q, pattern, sizeof(pattern));
	/* The freed object's place, handed out again, is zeroed. */
	CHECK(sarena_alloc(&a, 48) == p);
	sarena_free(&a, p);
	sarena_free(&a, q);
	CHECK(all_zero(q, 48));
	sarena_destroy(&a);
	munmap(r, REGION);
}

/*
 * Under AddressSanitizer only what is handed out is addressable: a byte
 * past an object, or a freed one, is poisoned (sanitize.sh asan).
 */
TEST(sarena_poisons_the_rest)
{
#ifdef SARENA_ASAN
	struct sarena	 a;
	unsigned char	*r, *p;

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, REGION) == 0);
	CHECK(__asan_address_is_poisoned(r));
	REQUIRE((p = sarena_alloc(&a, 40)) != NULL);
	CHECK(__asan_region_is_poisoned(p, 40) == NULL);
	CHECK(__asan_address_is_poisoned(p + 40));
	sarena_free(&a, p);
	CHECK(__asan_address_is_poisoned(p));
	sarena_destroy(&a);
	CHECK(__asan_region_is_poisoned(r, REGION) == NULL);
	munmap(r, REGION);
#endif
}

/* Fill the region, free two neighbours: their sum fits, apart it did not. */
TEST(sarena_coalesces_neighbours)
{
	struct sarena		 a;
	struct sarena_figures	 f;
	unsigned char		*r, *p[REGION / 64];
	size_t			 i, n = REGION / 64;

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, REGION) == 0);
	for (i = 0; i < n; i++)
		REQUIRE((p[i] = sarena_alloc(&a, 64)) != NULL);
	CHECK(sarena_alloc(&a, 1) == NULL);
	sarena_free(&a, p[10]);
	sarena_free(&a, p[20]);
	CHECK(sarena_alloc(&a, 128) == NULL);	/* two holes of 64 */
	sarena_free(&a, p[11]);
	CHECK(sarena_alloc(&a, 128) == p[10]);
	sarena_free(&a, p[19]);
	sarena_free(&a, p[21]);
	CHECK(sarena_alloc(&a, 192) == p[19]);
	sarena_figures(&a, &f);
	CHECK_INT(f.used, REGION);
	CHECK_INT(f.refused, 2);
	sarena_free(&a, p[10]);
	sarena_free(&a, p[19]);
	for (i = 0; i < n; i++)
		if (i != 10 && i != 11 && (i < 19 || i > 21))
			sarena_free(&a, p[i]);
	/* All free again: the whole region in one piece. */
	CHECK(sarena_alloc(&a, REGION) == r);
	CHECK(sarena_alloc(&a, REGION + 1) == NULL);
	sarena_destroy(&a);
	munmap(r, REGION);
}

/*
 * First fit, checked against the obvious scan: random allocations (runs
 * within a word, across words, longer than a word) and frees over a
 * region that ends within a word; every allocation must be where the
 * first run of free granules that fits begins, or NULL where none does.
 */
TEST(sarena_first_fit)
{
	struct sarena	 a;
	unsigned char	*r, *p, *obj[512];
	unsigned char	 used[1000];		/* granules, the model */
	size_t		 len[512], n, i, g, run, want, nobj = 0;
	unsigned int	 seed = 15;
	int		 op, mismatches = 0, nulls = 0;

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, sizeof(used) * 16) == 0);
	memset(used, 0, sizeof(used));
	for (op = 0; op < 20000; op++) {
		if (nobj > 0 && (nobj == 512 || rand_r(&seed) % 2 == 0)) {
			i = (size_t)rand_r(&seed) % nobj;
			n = (len[i] + 15) / 16;
			memset(used + (obj[i] - r) / 16, 0, n);
			sarena_free(&a, obj[i]);
			obj[i] = obj[nobj - 1];
			len[i] = len[--nobj];
			continue;
		}
		len[nobj] = 1 + (size_t)rand_r(&seed) % (rand_r(&seed) % 4 ?
		    200 : 2000);
		n = (len[nobj] + 15) / 16;
		want = sizeof(used);
		for (g = 0, run = 0; g < sizeof(used); g++) {
			run = used[g] ? 0 : run + 1;
			if (run == n) {
				want = g + 1 - n;
				break;
			}
		}
		p = sarena_alloc(&a, len[nobj]);
		if (want == sizeof(used) ? p != NULL :
		    p != r + want * 16) {
			mismatches++;
			if (p != NULL)
				sarena_free(&a, p);
			continue;
		}
		if (p == NULL) {
			nulls++;
			continue;
		}
		memset(used + want, 1, n);
		obj[nobj++] = p;
	}
	CHECK_INT(mismatches, 0);
	CHECK(nulls > 0);		/* it ran full, too */
	while (nobj > 0)
		sarena_free(&a, obj[--nobj]);
	CHECK(sarena_alloc(&a, sizeof(used) * 16) == r);
	CHECK(sarena_alloc(&a, 1) == NULL);
	sarena_destroy(&a);
	munmap(r, REGION);
}

/* An allocator as the threads see it: the arena's, or secret.c's. */
struct pair {
	void	*(*alloc)(void *, size_t);
	void	 (*release)(void *, void *);
	void	*arg;
	int	 id;
	int	 bad;
};

/*
 * Rounds of a few objects each, every byte marked with the thread's id and
 * checked before it is freed: two threads given the same bytes would see
 * each other's marks.
 */
static void *
churn(void *v)
{
	struct pair	*t = v;
	unsigned char	*p[8];
	size_t		 len[8], i, j, n;
	unsigned int	 seed = (unsigned int)t->id;
	int		 round;

	for (round = 0; round < NROUNDS && !t->bad; round++) {
		n = 1 + (size_t)rand_r(&seed) % 8;
		for (i = 0; i < n; i++) {
			len[i] = 1 + (size_t)rand_r(&seed) % 600;
			if ((p[i] = t->alloc(t->arg, len[i])) == NULL) {
				t->bad = 1;
				n = i;
				break;
			}
			memset(p[i], t->id, len[i]);
		}
		for (i = 0; i < n; i++) {
			for (j = 0; j < len[i]; j++)
				if (p[i][j] != t->id)
					t->bad = 1;
			t->release(t->arg, p[i]);
		}
	}
	return NULL;
}

/* NTHREADS threads churning at once: no failure, nothing left in use. */
static int
churn_threads(const struct pair *how)
{
	pthread_t	 th[NTHREADS];
	struct pair	 t[NTHREADS];
	int		 i, bad = 0;

	for (i = 0; i < NTHREADS; i++) {
		t[i] = *how;
		t[i].id = i + 1;
		if (pthread_create(&th[i], NULL, churn, &t[i]) != 0)
			return -1;
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		bad |= t[i].bad;
	}
	return bad;
}

static void *
arena_alloc_fn(void *a, size_t len)
{
	return sarena_alloc(a, len);
}

static void
arena_free_fn(void *a, void *p)
{
	sarena_free(a, p);
}

TEST(sarena_threads)
{
	struct sarena		 a;
	struct sarena_figures	 f;
	struct pair		 how = { arena_alloc_fn, arena_free_fn, &a, 0, 0 };
	unsigned char		*r;

	REQUIRE((r = region_new(REGION)) != NULL);
	REQUIRE(sarena_init(&a, r, REGION) == 0);
	CHECK_INT(churn_threads(&how), 0);
	sarena_figures(&a, &f);
	CHECK_INT(f.used, 0);
	CHECK(f.peak > 0 && f.peak <= REGION);
	CHECK(all_zero(r, REGION));
	sarena_destroy(&a);
	munmap(r, REGION);
}

/*
 * The processes' part: each test body runs in a child, whose failures are
 * the test's.
 */
static void
in_child(void (*fn)(void))
{
	pid_t	 pid;
	int	 status;

	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(test_failed_now() ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Whether this kernel gives us memfd_secret; if not, say so once. */
static int
have_memfd_secret(void)
{
	static int	 have = -1;
	int		 fd;

	if (have != -1)
		return have;
	fd = (int)syscall(NR_MEMFD_SECRET, O_CLOEXEC);
	if (fd == -1)
		printf("    no memfd_secret here (%s): its tests check the "
		    "fallback only\n", strerror(errno));
	else
		close(fd);
	return have = fd != -1;
}

/*
 * Whether the mapping of p (any mapping, with p NULL) is a memfd_secret
 * one, by /proc/self/maps; -1 if that cannot be read.
 */
static int
secretmem_at(const void *p)
{
	FILE		*f;
	char		 line[512];
	unsigned long	 lo, hi;
	int		 found = 0;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (p == NULL || (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uintptr_t)p >= lo && (uintptr_t)p < hi))
			found |= strstr(line, "secretmem") != NULL;
	fclose(f);
	return found;
}

static void
start_and_use(void)
{
	struct secret_memory_stats	 st;
	struct secret			*s;
	unsigned char			*data;
	char				 why[256];
	pid_t				 pid;
	int				 status;

	CHECK_INT(secret_memory_start(SECRET_POLICY_REQUIRE, 64 * 1024, why,
	    sizeof(why)), 0);
	secret_memory_stats(&st);
	CHECK_INT(st.backing, SECRET_BACKING_MEMFD);
	CHECK_STR(secret_backing_name(st.backing), "memfd_secret");
	CHECK_INT(st.size, 64 * 1024);
	CHECK_INT(st.used, 0);
	REQUIRE((s = secret_new("canary", 6)) != NULL);
	CHECK_INT(s->len, 6);
	CHECK(memcmp(s->data, "canary", 7) == 0);
	CHECK_INT((uintptr_t)s % 16, 0);
	CHECK_INT(secretmem_at(s), 1);
	secret_memory_stats(&st);
	CHECK_INT(st.used, FOOTPRINT(6));
	CHECK_INT(st.peak, FOOTPRINT(6));
	/* daemon(3)'s child keeps it... */
	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(secretmem_at(NULL) == 1 ? 0 : 1);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* ...a later child has no arena at all (MADV_DONTFORK). */
	CHECK_INT(secret_memory_nofork(), 0);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(secretmem_at(NULL) == 0 ? 0 : 1);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Freed: zero, read through the arena's own pointer. */
	data = s->data;
	secret_free(s);
	CHECK(all_zero(data - sizeof(*s), FOOTPRINT(6)));
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
	CHECK_INT(st.peak, FOOTPRINT(6));
	CHECK_INT(st.refused + st.overflowed, 0);
	/* Once per process. */
	CHECK_INT(secret_memory_start(SECRET_POLICY_AUTO, 64 * 1024, why,
	    sizeof(why)), ERR_INVAL);
}

TEST(secret_memory_arena)
{
	if (have_memfd_secret())
		in_child(start_and_use);
}

/* A secret from before the arena is libsodium's, and freed as one. */
static void
free_pre_start(void)
{
	struct secret_memory_stats	 st;
	struct secret			*old, *s;
	char				 why[256];

	REQUIRE((old = secret_new("before", 6)) != NULL);
	REQUIRE(secret_memory_start(SECRET_POLICY_AUTO, 64 * 1024, why,
	    sizeof(why)) == 0);
	REQUIRE((s = secret_new("after", 5)) != NULL);
	CHECK_INT(secretmem_at(old), 0);
	secret_free(old);
	secret_memory_stats(&st);
	CHECK_INT(st.used, FOOTPRINT(5));
	secret_free(s);
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
}

TEST(secret_memory_free_pre_start)
{
	if (have_memfd_secret())
		in_child(free_pre_start);
}

/*
 * Noted (secret_memory_expect, as airlockd before its configuration
 * loads): the bytes of a secret made before the arena move into it, and
 * where they were is zero; one freed before the start is forgotten.
 */
static void
move_early(void)
{
	struct secret_memory_stats	 st;
	struct secret			*early, *gone;
	unsigned char			*was;
	char				 why[256];

	secret_memory_expect();
	REQUIRE((gone = secret_new("gone", 4)) != NULL);
	REQUIRE((early = secret_new("early-canary", 12)) != NULL);
	secret_free(gone);
	was = early->data;
	REQUIRE(secret_memory_start(SECRET_POLICY_REQUIRE, 64 * 1024, why,
	    sizeof(why)) == 0);
	CHECK_INT(secretmem_at(early), 0);
	CHECK_INT(secretmem_at(early->data), 1);
	CHECK(early->data != was);
	CHECK_INT(early->len, 12);
	CHECK(memcmp(early->data, "early-canary", 13) == 0);
	CHECK(all_zero(was, 13));
	secret_memory_stats(&st);
	CHECK(st.used > 0);
	secret_free(early);
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
}

TEST(secret_memory_moves_early_secrets)
{
	if (have_memfd_secret())
		in_child(move_early);
}

/* The locked memory of this process, in kB (VmLck). */
static long
locked_kb(void)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * A worker's arena (SECRET_POLICY_LOCKED): locked anonymous memory, not
 * secretmem, zeroed on free, its overflow libsodium's, not inherited.
 */
static void
locked_arena(void)
{
	struct secret_memory_stats	 st;
	struct secret			*s[5];
	unsigned char			*data;
	char				 why[256];
	long				 before = locked_kb();
	pid_t				 pid;
	int				 i, status;

	REQUIRE(before >= 0);
	REQUIRE(secret_memory_start(SECRET_POLICY_LOCKED, 4096, why,
	    sizeof(why)) == 0);
	CHECK_STR(why, "");
	secret_memory_stats(&st);
	CHECK_INT(st.backing, SECRET_BACKING_LOCKED);
	CHECK_STR(secret_backing_name(st.backing), "locked");
	CHECK_INT(st.size, 4096);
#ifndef SARENA_ASAN
	/* AddressSanitizer's mlock(2) does nothing (its shadow is huge). */
	CHECK_INT(locked_kb() - before, 4);
#endif
	for (i = 0; i < 4; i++)
		REQUIRE((s[i] = secret_alloc(1000)) != NULL);
	CHECK_INT(secretmem_at(s[0]), 0);
	secret_memory_stats(&st);
	CHECK_INT(st.used, 4096);
	/* The fifth goes to libsodium. */
	REQUIRE((s[4] = secret_new("over", 4)) != NULL);
	secret_memory_stats(&st);
	CHECK_INT(st.overflowed, 1);
	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	/* Not inherited (MADV_DONTFORK): the child has nothing mapped there. */
	if (pid == 0)
		_exit(msync((void *)((uintptr_t)s[0] & ~(uintptr_t)4095), 4096,
		    MS_ASYNC) == -1 && errno == ENOMEM ? 0 : 1);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	memcpy(s[1]->data, "locked-canary", 13);
	data = s[1]->data;
	for (i = 0; i < 5; i++)
		secret_free(s[i]);
	CHECK(all_zero(data, 13));
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
}

TEST(secret_memory_locked)
{
	in_child(locked_arena);
}

/* Under REQUIRE, noted secrets that the arena cannot hold fail the start. */
static void
early_too_big(void)
{
	struct secret	*big;
	char		 why[256];

	secret_memory_expect();
	REQUIRE((big = secret_alloc(8192)) != NULL);
	CHECK_INT(secret_memory_start(SECRET_POLICY_REQUIRE, 4096, why,
	    sizeof(why)), ERR_NOMEM);
	CHECK(strstr(why, "1 secret(s) of the configuration") != NULL);
	secret_free(big);
}

TEST(secret_memory_early_too_big)
{
	if (have_memfd_secret())
		in_child(early_too_big);
}

/*
 * One page: four 1000-byte secrets fit (1024 bytes each with the header),
 * the fifth does not.  REQUIRE: NULL, counted; AUTO: libsodium's, counted.
 */
static void
exhaust(enum secret_policy policy)
{
	struct secret_memory_stats	 st;
	struct secret			*s[5];
	char				 why[256];
	size_t				 page = (size_t)sysconf(_SC_PAGESIZE);
	int				 i;

	REQUIRE(page == 4096);
	REQUIRE(secret_memory_start(policy, 100, why, sizeof(why)) == 0);
	secret_memory_stats(&st);
	CHECK_INT(st.size, page);
	for (i = 0; i < 4; i++) {
		REQUIRE((s[i] = secret_alloc(1000)) != NULL);
		CHECK_INT(secretmem_at(s[i]), 1);
	}
	s[4] = secret_alloc(1000);
	secret_memory_stats(&st);
	CHECK_INT(st.used, page);
	CHECK_INT(st.refused, 1);
	if (policy == SECRET_POLICY_REQUIRE) {
		CHECK(s[4] == NULL);
		CHECK_INT(st.overflowed, 0);
	} else {
		REQUIRE(s[4] != NULL);
		CHECK_INT(secretmem_at(s[4]), 0);
		CHECK_INT(s[4]->len, 1000);
		CHECK(all_zero(s[4]->data, 1001));
		CHECK_INT(st.overflowed, 1);
	}
	for (i = 0; i < 5; i++)
		secret_free(s[i]);
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
	CHECK_INT(st.peak, page);
	/* Room again: the arena's. */
	REQUIRE((s[0] = secret_alloc(3000)) != NULL);
	CHECK_INT(secretmem_at(s[0]), 1);
	secret_free(s[0]);
}

static void
exhaust_require(void)
{
	exhaust(SECRET_POLICY_REQUIRE);
}

static void
exhaust_auto(void)
{
	exhaust(SECRET_POLICY_AUTO);
}

TEST(secret_memory_exhausted)
{
	if (!have_memfd_secret())
		return;
	in_child(exhaust_require);
	in_child(exhaust_auto);
}

static void *
secret_alloc_fn(void *arg, size_t len)
{
	struct secret	*s;

	(void)arg;
	/* The bytes the thread marks begin at the struct: they are its own. */
	if ((s = secret_alloc(len)) == NULL)
		return NULL;
	return s->data;
}

static void
secret_free_fn(void *arg, void *data)
{
	(void)arg;
	secret_free((struct secret *)data - 1);
}

/* secret.c's path with threads, as pgkdf.c's allocate SaltedPassword. */
static void
threads(void)
{
	struct secret_memory_stats	 st;
	struct pair			 how = { secret_alloc_fn,
					    secret_free_fn, NULL, 0, 0 };
	char				 why[256];

	REQUIRE(secret_memory_start(SECRET_POLICY_REQUIRE, 64 * 1024, why,
	    sizeof(why)) == 0);
	CHECK_INT(churn_threads(&how), 0);
	secret_memory_stats(&st);
	CHECK_INT(st.used, 0);
	CHECK_INT(st.refused, 0);
	CHECK(st.peak > 0);
}

TEST(secret_memory_threads)
{
	if (have_memfd_secret())
		in_child(threads);
}

/* Deny this process memfd_secret with errno e, as a seccomp profile does. */
static int
deny_memfd_secret(int e)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	/*
	 * Level 1 (prctl): the plain way, whatever the level that
	 * sandbox_filter_compile() set in this process for its own use.
	 */
	if (seccomp_api_set(1) != 0 ||
	    (ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -1;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(e), NR_MEMFD_SECRET, 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

static int	 denied_errno;
static const char *denied_name;

/* AUTO: libsodium, and why says so; a secret still works. */
static void
fallback_auto(void)
{
	struct secret_memory_stats	 st;
	struct secret			*s;
	char				 why[256];

	REQUIRE(deny_memfd_secret(denied_errno) == 0);
	CHECK_INT(secret_memory_start(SECRET_POLICY_AUTO, 64 * 1024, why,
	    sizeof(why)), 0);
	CHECK(strstr(why, "memfd_secret: ") == why);
	CHECK(strstr(why, denied_name) != NULL);
	secret_memory_stats(&st);
	CHECK_INT(st.backing, SECRET_BACKING_SODIUM);
	CHECK_STR(secret_backing_name(st.backing), "libsodium");
	CHECK_INT(st.size, 0);
	REQUIRE((s = secret_new("canary", 6)) != NULL);
	CHECK(memcmp(s->data, "canary", 7) == 0);
	CHECK_INT(secretmem_at(NULL), 0);
	secret_free(s);
	secret_memory_stats(&st);
	CHECK_INT(st.refused + st.overflowed, 0);
}

/* REQUIRE: an error, and why says why. */
static void
fallback_require(void)
{
	struct secret_memory_stats	 st;
	char				 why[256];

	REQUIRE(deny_memfd_secret(denied_errno) == 0);
	CHECK_INT(secret_memory_start(SECRET_POLICY_REQUIRE, 64 * 1024, why,
	    sizeof(why)), ERR_SYS);
	CHECK(strstr(why, "memfd_secret: ") == why);
	CHECK(strstr(why, denied_name) != NULL);
	secret_memory_stats(&st);
	CHECK_INT(st.backing, SECRET_BACKING_SODIUM);
}

TEST(secret_memory_fallback)
{
	denied_errno = ENOSYS;
	denied_name = "ENOSYS";
	in_child(fallback_auto);
	in_child(fallback_require);
	/* valgrind answers ENOSYS before the filter could answer EPERM. */
	if (!have_memfd_secret())
		return;
	denied_errno = EPERM;
	denied_name = "EPERM";
	in_child(fallback_auto);
	in_child(fallback_require);
}

/*
 * Without CAP_IPC_LOCK the arena counts against RLIMIT_MEMLOCK at mmap:
 * over the limit, why names the limit and the setting to raise.
 */
static void
memlock(void)
{
	struct rlimit	 rl = { 64 * 1024, 64 * 1024 };
	char		 why[256];

	capng_get_caps_process();
	capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_IPC_LOCK);
	REQUIRE(capng_apply(CAPNG_SELECT_CAPS) == 0);
	REQUIRE(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	CHECK_INT(secret_memory_start(SECRET_POLICY_REQUIRE, 1024 * 1024,
	    why, sizeof(why)), ERR_SYS);
	CHECK(strstr(why, "mmap: ") == why);
	CHECK(strstr(why, "RLIMIT_MEMLOCK of 64 KiB") != NULL);
	CHECK(strstr(why, "LimitMEMLOCK") != NULL);
}

TEST(secret_memory_memlock)
{
	if (have_memfd_secret())
		in_child(memlock);
}

/* SECRET_POLICY_SODIUM maps nothing. */
static void
sodium_only(void)
{
	struct secret_memory_stats	 st;
	struct secret			*s;
	char				 why[256];

	CHECK_INT(secret_memory_start(SECRET_POLICY_SODIUM, 64 * 1024, why,
	    sizeof(why)), 0);
	secret_memory_stats(&st);
	CHECK_INT(st.backing, SECRET_BACKING_SODIUM);
	CHECK_INT(st.size, 0);
	REQUIRE((s = secret_alloc(10)) != NULL);
	CHECK_INT(secretmem_at(NULL), 0);
	secret_free(s);
}

TEST(secret_memory_sodium_policy)
{
	in_child(sodium_only);
}
