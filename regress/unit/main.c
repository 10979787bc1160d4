/*
 * The unit-test runner: runs every registered test (or those named on the
 * command line) and ends with the line "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret.h"
#include "test.h"

#define MAX_TESTS	512

static struct {
	const char	*name;
	test_fn		*fn;
} tests[MAX_TESTS];
static size_t	 ntests;
static int	 failed_now;

void
test_register(const char *name, test_fn *fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void
test_fail(const char *file, int line, const char *expr)
{
	printf("    %s:%d: check failed: %s\n", file, line, expr);
	failed_now = 1;
}

void
test_fail_int(const char *file, int line, const char *ea, const char *eb,
    long long a, long long b)
{
	printf("    %s:%d: check failed: %s == %s (%lld != %lld)\n", file,
	    line, ea, eb, a, b);
	failed_now = 1;
}

void
test_fail_str(const char *file, int line, const char *ea, const char *eb,
    const char *a, const char *b)
{
	printf("    %s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n",
	    file, line, ea, eb, a ? a : "(null)", b ? b : "(null)");
	failed_now = 1;
}

int
test_failed_now(void)
{
	return failed_now;
}

static int
selected(const char *name, int argc, char **argv)
{
	int	 i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]) != NULL)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	size_t	 i, passed = 0, failed = 0;

	log_init("unittest", LOG_LVL_ERROR);
	if (secret_init() != 0) {
		fprintf(stderr, "secret_init failed\n");
		return 2;
	}
	for (i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		failed_now = 0;
		tests[i].fn();
		printf("%s %s\n", failed_now ? "FAIL" : "ok  ", tests[i].name);
		if (failed_now)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed != 0;
}
