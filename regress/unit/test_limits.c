/*
 * What a worker may cost the monitor: the token buckets of its log and
 * stderr (monitor/budget.c).
 */
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "monitor.h"
#include "test.h"

#define SEC	1000000ULL	/* microseconds */

static const struct budget_rule rule = {
	.what = "test",
	.burst_lines = 10,
	.burst_bytes = 1000,
	.rate_lines = 2,
	.rate_bytes = 100,
};

TEST(budget_burst_then_refused)
{
	struct budget	 b;
	int		 i;

	memset(&b, 0, sizeof(b));
	/* A fresh budget is full: the burst passes at once ... */
	for (i = 0; i < 10; i++)
		CHECK_INT(budget_take(&b, &rule, 10, 5 * SEC), 0);
	/* ... and not one line more, and nothing charged for the refusal. */
	CHECK_INT(budget_take(&b, &rule, 0, 5 * SEC), ERR_TOOBIG);
	CHECK_INT(budget_take(&b, &rule, 0, 5 * SEC), ERR_TOOBIG);
	/* Half a second refills one line (2 a second). */
	CHECK_INT(budget_take(&b, &rule, 0, 5 * SEC + SEC / 2), 0);
	CHECK_INT(budget_take(&b, &rule, 0, 5 * SEC + SEC / 2), ERR_TOOBIG);
}

TEST(budget_bytes)
{
	struct budget	 b;

	memset(&b, 0, sizeof(b));
	CHECK_INT(budget_take(&b, &rule, 1001, 0), ERR_TOOBIG);
	CHECK_INT(budget_take(&b, &rule, 900, 0), 0);
	CHECK_INT(budget_take(&b, &rule, 101, 0), ERR_TOOBIG);
	CHECK_INT(budget_take(&b, &rule, 100, 0), 0);
	CHECK_INT(budget_take(&b, &rule, 1, 0), ERR_TOOBIG);
	/* 100 bytes a second. */
	CHECK_INT(budget_take(&b, &rule, 50, SEC / 2), 0);
	CHECK_INT(budget_take(&b, &rule, 1, SEC / 2), ERR_TOOBIG);
}

/* Idle for long, a budget is full again, never more than full. */
TEST(budget_refill_caps)
{
	struct budget	 b;
	uint64_t	 t;
	int		 i, ok;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < 10; i++)
		(void)budget_take(&b, &rule, 0, 0);
	/* Days of quiet, and a clock that has run for decades. */
	t = 30ULL * 365 * 86400 * SEC;
	for (ok = 0, i = 0; i < 20; i++)
		ok += budget_take(&b, &rule, 0, t) == 0;
	CHECK_INT(ok, 10);
	/* A clock that goes back refills nothing, and breaks nothing. */
	CHECK_INT(budget_take(&b, &rule, 0, 1), ERR_TOOBIG);
	CHECK_INT(budget_take(&b, &rule, 0, t + SEC / 2), 0);
}

/* A connection that logs a line now and then is never stopped. */
TEST(budget_steady_trickle)
{
	struct budget	 b;
	uint64_t	 t;
	int		 refused = 0;

	memset(&b, 0, sizeof(b));
	for (t = 0; t < 3 * 86400 * SEC; t += 10 * SEC)
		refused += budget_take(&b, &budget_log, 200, t) != 0;
	CHECK_INT(refused, 0);
}
