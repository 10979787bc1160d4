/*
 * What a worker's claims may cost the monitor: the token buckets of its log
 * and stderr (monitor/budget.c), and the plausibility of its byte counts
 * before they reach /metrics (monitor/metrics.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conftext.h"
#include "config.h"
#include "errors.h"
#include "figures.h"
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

/* The byte counts of a worker: within 100 Gbit/s of its life, monotonic. */
TEST(stats_plausible)
{
	struct worker	 w;
	char		 why[128];

	memset(&w, 0, sizeof(w));
	w.t_start = 1000 * SEC;
	/* Small counts, even at once. */
	CHECK_INT(metrics_bytes_check(&w, 30, 481, w.t_start, why,
	    sizeof(why)), 0);
	/* 1.25 GB in 100 ms (100 Gbit/s), plus the slack. */
	CHECK_INT(metrics_bytes_check(&w, 1250000000ULL, 1250000000ULL,
	    w.t_start + SEC / 10, why, sizeof(why)), 0);
	CHECK(metrics_bytes_check(&w, 1250000000ULL + 2 * 1024 * 1024, 0,
	    w.t_start + SEC / 10, why, sizeof(why)) != 0);
	CHECK(strstr(why, "100 Gbit/s") != NULL);
	/* 2^63 bytes would take 23 years. */
	CHECK(metrics_bytes_check(&w, 0, (uint64_t)1 << 63,
	    w.t_start + 86400 * SEC, why, sizeof(why)) != 0);
	CHECK(metrics_bytes_check(&w, UINT64_MAX, UINT64_MAX,
	    w.t_start + 86400 * SEC, why, sizeof(why)) != 0);
	/* A clock before the worker's start: the slack only. */
	CHECK(metrics_bytes_check(&w, 2 * 1024 * 1024, 0, 0, why,
	    sizeof(why)) != 0);

	/* After a report, a later one may not have less. */
	w.bytes_c2b = 1000;
	w.bytes_b2c = 2000;
	CHECK_INT(metrics_bytes_check(&w, 1000, 2000, w.t_start + SEC, why,
	    sizeof(why)), 0);
	CHECK(metrics_bytes_check(&w, 999, 3000, w.t_start + SEC, why,
	    sizeof(why)) != 0);
	CHECK(strstr(why, "went back") != NULL);
	CHECK(metrics_bytes_check(&w, 2000, 1999, w.t_start + SEC, why,
	    sizeof(why)) != 0);
}

static uint64_t
bytes_of(const char *name, int b2c)
{
	struct figures	 f;
	uint64_t	 n = 0;
	size_t		 i;

	memset(&f, 0, sizeof(f));
	if (metrics_snapshot(&f) != 0)
		return 0;
	for (i = 0; i < f.nservices; i++)
		if (strcmp(f.services[i].name, name) == 0)
			n = b2c ? f.services[i].bytes_b2c :
			    f.services[i].bytes_c2b;
	fig_free(&f);
	return n;
}

/*
 * The sums: each report counts what is new since the worker's last one,
 * and a sum stops at its maximum rather than wrap to a small number
 * (plausible counts can get there: workers that live for decades).
 */
TEST(stats_sums_saturate)
{
	struct worker	 w1, w2;
	char		 err[1024];

	mon.conf = config_from_text("version: 2\nservices:\n  db:\n"
	    "    connector: pg\n    listenOn: tcp://127.0.0.1:1\n"
	    "    credentials:\n      host: 127.0.0.1\n      username: u\n",
	    NULL, err, sizeof(err));
	REQUIRE(mon.conf != NULL);
	memset(&w1, 0, sizeof(w1));
	w1.svc = &mon.conf->services[0];
	w2 = w1;
	metrics_bytes(&w1, 100, 10);
	metrics_bytes(&w1, 150, 10);
	CHECK(bytes_of("db", 0) == 150);
	CHECK(bytes_of("db", 1) == 10);
	CHECK(w1.bytes_c2b == 150 && w1.bytes_b2c == 10);
	metrics_bytes(&w2, UINT64_MAX - 100, 5);
	CHECK(bytes_of("db", 0) == UINT64_MAX);
	CHECK(bytes_of("db", 1) == 15);
	metrics_bytes(&w1, 1000, 20);
	CHECK(bytes_of("db", 0) == UINT64_MAX);
	CHECK(bytes_of("db", 1) == 25);
	config_free(mon.conf);
	mon.conf = NULL;
	metrics_free();
}
