/*
 * airlockd's secret memory: the memfd_secret arena of include/secret.h,
 * mapped once at start as airlock.secretMemory and secretMemorySize say,
 * its one line in the log, its figures for /ready?full=1 and /metrics, and
 * the warning when it is full.
 *
 * Only airlockd maps a memfd_secret arena: a worker holds a cleartext
 * password for microseconds, and memfd_secret per worker would cost a slow
 * system call per connection, RLIMIT_MEMLOCK per process and more pages
 * split out of the kernel's direct map.  A worker's arena is locked
 * anonymous memory (worker/main.c, SECRET_POLICY_LOCKED).
 *
 * The warning comes from the loop, at the next worker that starts or
 * ends, or at a timer when it would come too soon after the last one:
 * never from secret_alloc, which pgkdf.c's threads call too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "errors.h"
#include "figures.h"
#include "log.h"
#include "monitor.h"
#include "secret.h"

/* At most one warning a minute about secrets the arena could not hold. */
#define SMEM_WARN_SECONDS	60

static char		 fallback[512];	/* why not the arena; "" */
static struct event	*ev_warn;
static time_t		 warned_at;	/* CLOCK_MONOTONIC seconds; 0: never */
static unsigned long long seen_refused, seen_overflowed;

/* "16 MiB", "64 KiB": the sizes that secretMemorySize takes are exact. */
static void
size_text(char *buf, size_t len, size_t v)
{
	if (v % (1 << 20) == 0)
		snprintf(buf, len, "%zu MiB", v >> 20);
	else if (v % (1 << 10) == 0)
		snprintf(buf, len, "%zu KiB", v >> 10);
	else
		snprintf(buf, len, "%zu bytes", v);
}

void
smem_start(const struct config *cf)
{
	struct secret_memory_stats	 st;
	char				 size[32];

	fallback[0] = '\0';
	if (secret_memory_start(cf->secret_memory,
	    (size_t)cf->secret_memory_size, fallback, sizeof(fallback)) != 0)
		fatal("secret memory: secretMemory is memfd_secret, and the "
		    "arena cannot be mapped: %s", fallback);
	secret_memory_stats(&st);
	if (st.backing == SECRET_BACKING_MEMFD) {
		fallback[0] = '\0';
		size_text(size, sizeof(size), st.size);
		log_info("secret memory: memfd_secret arena of %s", size);
	} else if (cf->secret_memory == SECRET_POLICY_SODIUM) {
		fallback[0] = '\0';
		log_info("secret memory: libsodium guarded memory "
		    "(secretMemory: libsodium)");
	} else
		log_warn("secret memory: libsodium guarded memory (%s)",
		    fallback[0] != '\0' ? fallback : "no arena");
}

static time_t
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
warn_later_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	smem_check();
}

static void
warn_full(const struct secret_memory_stats *st, unsigned long long n,
    const char *fate)
{
	char	 size[32];

	size_text(size, sizeof(size), st->size);
	log_warn("secret memory: the memfd_secret arena of %s is full: %llu "
	    "secret(s) %s since the last warning (%zu bytes in use, peak "
	    "%zu); raise airlock.secretMemorySize", size, n, fate, st->used,
	    st->peak);
}

void
smem_check(void)
{
	struct secret_memory_stats	 st;
	struct timeval			 tv = { 0, 0 };
	time_t				 now;

	secret_memory_stats(&st);
	if (st.refused == seen_refused && st.overflowed == seen_overflowed)
		return;
	now = now_seconds();
	if (warned_at != 0 && now - warned_at < SMEM_WARN_SECONDS) {
		if (ev_warn == NULL && mon.base != NULL)
			ev_warn = evtimer_new(mon.base, warn_later_cb, NULL);
		if (ev_warn != NULL && !evtimer_pending(ev_warn, NULL)) {
			tv.tv_sec = SMEM_WARN_SECONDS - (now - warned_at);
			evtimer_add(ev_warn, &tv);
		}
		return;
	}
	if (st.overflowed > seen_overflowed)
		warn_full(&st, st.overflowed - seen_overflowed,
		    "kept in libsodium guarded memory instead");
	if (st.refused - st.overflowed > seen_refused - seen_overflowed)
		warn_full(&st, (st.refused - st.overflowed) -
		    (seen_refused - seen_overflowed), "refused");
	seen_refused = st.refused;
	seen_overflowed = st.overflowed;
	warned_at = now;
}

int
smem_figures(struct figures *f)
{
	struct secret_memory_stats	 st;

	smem_check();
	secret_memory_stats(&st);
	f->smem_backing = (uint8_t)st.backing;
	f->smem_size = st.size;
	f->smem_used = st.used;
	f->smem_peak = st.peak;
	f->smem_refused = st.refused;
	f->smem_overflowed = st.overflowed;
	if (fallback[0] != '\0' &&
	    (f->smem_why = strdup(fallback)) == NULL)
		return ERR_NOMEM;
	return 0;
}

void
smem_stop(void)
{
	if (ev_warn != NULL)
		event_free(ev_warn);
	ev_warn = NULL;
}
