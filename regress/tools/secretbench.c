/*
 * secretbench: secrets made and freed per second (secret_new, then
 * secret_free), in libsodium's guarded memory and in the memfd_secret
 * arena, in one process: libsodium first, then, once
 * secret_memory_start() has mapped the arena (SECRET_POLICY_REQUIRE, as
 * airlockd's default size), the arena; then, with -f, the arena again
 * with holes that no secret of those sizes fits (first fit walks past
 * them: its worst case).  Each round makes a batch of secrets that are
 * alive together, as a process holds several, then frees them.  For
 * regress/bench/secretmem.sh.
 *
 *	secretbench [-t MS] [-b N] [-s BYTES] [-f N]
 *		-t MS	 time per size and backing (default 500)
 *		-b N	 secrets per batch (default 64)
 *		-s BYTES the arena's size (default 16 MiB)
 *		-f N	 N holes of 16 bytes, between N secrets of 1 byte
 *			 that stay, before the third run, "fragmented"
 *
 * Output: a line per size and backing, "SIZE BACKING RATE", RATE in
 * secrets per second; "n/a" for the arena where it cannot be mapped (why
 * on standard error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"

#define MAX_BATCH	4096
#define MAX_HOLES	100000

static const struct {
	const char	*name;
	size_t		 len;
} sizes[] = {
	{ "32B", 32 },
	{ "256B", 256 },
	{ "4KiB", 4096 },
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Secrets of len bytes per second over ms milliseconds; -1 on failure. */
static double
rate(size_t len, size_t batch, long ms)
{
	static struct secret	*s[MAX_BATCH];
	static unsigned char	 value[4096];
	double			 start, end, t;
	unsigned long long	 n = 0;
	size_t			 i;

	memset(value, 0x5a, sizeof(value));
	start = now();
	end = start + (double)ms / 1000;
	do {
		for (i = 0; i < batch; i++)
			if ((s[i] = secret_new(value, len)) == NULL)
				return -1;
		for (i = 0; i < batch; i++)
			secret_free(s[i]);
		n += batch;
	} while ((t = now()) < end);
	return (double)n / (t - start);
}

static long
number(const char *arg, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > max) {
		fprintf(stderr, "secretbench: %s: not a number from 1 to %ld\n",
		    arg, max);
		exit(2);
	}
	return v;
}

/* A line per size; n/a where the backing failed. */
static int
measure(const char *backing, size_t batch, long ms)
{
	size_t	 i;
	double	 r;
	int	 rc = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if ((r = rate(sizes[i].len, batch, ms)) < 0) {
			fprintf(stderr, "secretbench: %s: %s secrets of %zu "
			    "bytes failed\n", backing, backing, sizes[i].len);
			printf("%s %s n/a\n", sizes[i].name, backing);
			rc = 1;
		} else
			printf("%s %s %.0f\n", sizes[i].name, backing, r);
	}
	return rc;
}

/*
 * 2n secrets of 1 byte (32 bytes each in the arena), every other one
 * freed: n holes of 32 bytes that a 32-byte secret (64 bytes) does not
 * fit.  The n that stay are returned, to be freed after the run.
 */
static struct secret **
fragment(size_t n)
{
	struct secret	**all;
	size_t		  i;

	if ((all = calloc(2 * n, sizeof(*all))) == NULL)
		return NULL;
	for (i = 0; i < 2 * n; i++)
		if ((all[i] = secret_alloc(1)) == NULL)
			return NULL;
	for (i = 0; i < n; i++) {
		secret_free(all[2 * i + 1]);
		all[i] = all[2 * i];
	}
	return all;
}

int
main(int argc, char **argv)
{
	struct secret_memory_stats	 st;
	char				 why[256];
	struct secret			**keep;
	size_t				 batch = 64, size = 16 << 20, holes = 0, i;
	long				 ms = 500;
	int				 c, rc;

	while ((c = getopt(argc, argv, "b:f:s:t:")) != -1) {
		switch (c) {
		case 'b':
			batch = (size_t)number(optarg, MAX_BATCH);
			break;
		case 'f':
			holes = (size_t)number(optarg, MAX_HOLES);
			break;
		case 's':
			size = (size_t)number(optarg, 1L << 30);
			break;
		case 't':
			ms = number(optarg, 600000);
			break;
		default:
			fprintf(stderr, "usage: secretbench [-t ms] [-b batch]"
			    " [-s bytes] [-f holes]\n");
			return 2;
		}
	}
	if (secret_init() != 0) {
		fprintf(stderr, "secretbench: secret_init failed\n");
		return 1;
	}
	rc = measure("libsodium", batch, ms);
	if (secret_memory_start(SECRET_POLICY_REQUIRE, size, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "secretbench: no arena: %s\n", why);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			printf("%s memfd_secret n/a\n", sizes[i].name);
		return rc;
	}
	rc |= measure("memfd_secret", batch, ms);
	if (holes > 0) {
		if ((keep = fragment(holes)) == NULL) {
			fprintf(stderr, "secretbench: %zu holes do not fit\n",
			    holes);
			return 1;
		}
		rc |= measure("fragmented", batch, ms);
		for (i = 0; i < holes; i++)
			secret_free(keep[i]);
		free(keep);
	}
	secret_memory_stats(&st);
	if (st.used != 0 || st.refused != 0) {
		fprintf(stderr, "secretbench: the arena holds %zu bytes after "
		    "the run, %llu refused\n", st.used, st.refused);
		rc = 1;
	}
	return rc;
}
