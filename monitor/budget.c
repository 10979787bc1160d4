/*
 * What a worker may make the monitor write: its log lines (MSG_LOG) and
 * its stderr, each within a budget of lines and of bytes.  A worker past
 * either budget is killed with one line that says so, and nothing more of
 * its text is printed (dispatch.c, stderr.c).  Without a budget one worker
 * wrote 1.2 million lines in 8 s, and 2 GB of stderr.
 *
 * A budget is a token bucket, not a count over the worker's life: a
 * relayed connection may live for days (idleTimeout 0) and log now and
 * then, an idle close, a backend's notice, and must never be killed for
 * it; what it may not do is log fast.  The bucket starts full (burst) and
 * refills at a steady rate up to the burst; each line costs one line and
 * its length in bytes.  So a worker may write at most burst + rate * t in
 * t seconds of its life, however it spreads them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* Tokens are kept in millionths, so that a rate per second refills per µs. */
#define MICRO		1000000ULL
/* Longer than any bucket takes to fill; keeps elapsed * rate from wrapping. */
#define ELAPSED_MAX_US	(1000000ULL * 86400 * 365)

/*
 * MSG_LOG.  Measured at -d (through the real worker): a pg session's
 * worker sends one line, "pg: authenticated to the backend", 32 bytes, for
 * psql -c 'select 1' and for each connection of a 4-client pgbench run of
 * 5 s (about 2000 transactions a second); by the code, a failing handshake
 * sends at most four lines of at most 1 KiB (LOG_MSG_MAX), a health worker
 * one.  The burst is 25 times the worst of these; the rate lets a
 * connection that lives for days log a line a second on average.
 * A connector that logs per request or per message while relaying would
 * run out at debug level: log per connection, not per message.
 */
const struct budget_rule budget_log = {
	.what = "log",
	.burst_lines = 100,
	.burst_bytes = 32 * 1024,
	.rate_lines = 1,
	.rate_bytes = 512,
};

/*
 * stderr.  An honest worker writes there only what cannot go over its
 * channel: the sandbox's trap report in sandboxDebug mode (a line), a
 * library's complaint before the channel is up, and in the sanitizer
 * builds (regress/sanitize.sh) one report before it dies.  Such a report
 * must get through whole: measured, 55 lines and 3.3 KiB for a three-frame
 * stack; a worker's (three stacks of at most 30 frames and the shadow map)
 * should stay under 150 lines and 16 KiB.  The burst is well above that;
 * the rate is MSG_LOG's.
 */
const struct budget_rule budget_stderr = {
	.what = "stderr",
	.burst_lines = 400,
	.burst_bytes = 64 * 1024,
	.rate_lines = 1,
	.rate_bytes = 512,
};

int
budget_text(struct budget *b, const struct budget_rule *rule,
    const unsigned char *text, size_t len, char *line, size_t size)
{
	/* Every line counts, printed or below our level. */
	if (budget_take(b, rule, len, metrics_now_us()) != 0)
		return ERR_TOOBIG;
	/* The worker's text is untrusted: printable ASCII only. */
	text_printable(line, size, text, len);
	return 0;
}

void
budget_exceeded(const struct budget_rule *rule, char *why, size_t size)
{
	snprintf(why, size, "%s budget exceeded (at most %u lines and %u "
	    "bytes at once, then %u lines/s and %u bytes/s)", rule->what,
	    rule->burst_lines, rule->burst_bytes, rule->rate_lines,
	    rule->rate_bytes);
}

void
worker_text(struct worker *w, struct budget *b, const struct budget_rule *rule,
    int level, const char *prefix, const unsigned char *text, size_t len)
{
	char	 line[WORKER_TEXT_MAX + 1], why[160];

	if (budget_text(b, rule, text, len, line, sizeof(line)) != 0) {
		budget_exceeded(rule, why, sizeof(why));
		worker_kill(w, "%s", why);
		return;
	}
	wlog(level, w, "%s%s", prefix, line);
}

static uint64_t
refill(uint64_t tokens, uint64_t elapsed_us, uint32_t rate, uint32_t burst)
{
	uint64_t	 full = (uint64_t)burst * MICRO;

	tokens += elapsed_us * rate;
	return tokens > full ? full : tokens;
}

int
budget_take(struct budget *b, const struct budget_rule *rule, size_t len,
    uint64_t now_us)
{
	uint64_t	 elapsed, cost;

	if (!b->started) {
		b->started = 1;
		b->t_us = now_us;
		b->lines = (uint64_t)rule->burst_lines * MICRO;
		b->bytes = (uint64_t)rule->burst_bytes * MICRO;
	}
	/* CLOCK_MONOTONIC does not go back; a caller's clock might. */
	elapsed = now_us > b->t_us ? now_us - b->t_us : 0;
	if (elapsed > ELAPSED_MAX_US)
		elapsed = ELAPSED_MAX_US;
	b->t_us = now_us > b->t_us ? now_us : b->t_us;
	b->lines = refill(b->lines, elapsed, rule->rate_lines,
	    rule->burst_lines);
	b->bytes = refill(b->bytes, elapsed, rule->rate_bytes,
	    rule->burst_bytes);
	if (len > rule->burst_bytes)
		return ERR_TOOBIG;
	cost = (uint64_t)len * MICRO;
	if (b->lines < MICRO || b->bytes < cost)
		return ERR_TOOBIG;
	b->lines -= MICRO;
	b->bytes -= cost;
	return 0;
}
