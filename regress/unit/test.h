/*
 * A tiny unit-test helper in the spirit of OpenSSH's test_helper.  A test is
 * a function declared with TEST(name); it registers itself, so adding a test
 * file needs no list to edit.  CHECK() records a failure and goes on;
 * REQUIRE() records it and leaves the test.
 */
#ifndef AIRLOCK_TEST_H
#define AIRLOCK_TEST_H

#include <stdio.h>
#include <string.h>

typedef void	 test_fn(void);
void		 test_register(const char *, test_fn *);
void		 test_fail(const char *file, int line, const char *expr);
int		 test_failed_now(void);

#define TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void name##_register(void)	\
	{ test_register(#name, name); }					\
	static void name(void)

#define CHECK(e) do { if (!(e)) test_fail(__FILE__, __LINE__, #e); } while (0)
#define REQUIRE(e) do { if (!(e)) { test_fail(__FILE__, __LINE__, #e); \
	return; } } while (0)
void		 test_fail_int(const char *, int, const char *, const char *,
		    long long, long long);
void		 test_fail_str(const char *, int, const char *, const char *,
		    const char *, const char *);

#define CHECK_INT(a, b) do { long long _a = (a), _b = (b); if (_a != _b) \
	test_fail_int(__FILE__, __LINE__, #a, #b, _a, _b); } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) \
	test_fail_str(__FILE__, __LINE__, #a, #b, _a, _b); } while (0)
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#endif
