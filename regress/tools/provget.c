/*
 * One provider's answers on the command line, through the same calls as
 * airlockd (provider_setup, provider_prepare, provider_get on an event
 * loop), so that regress/t/provider-*.sh can test a provider against its
 * stand-in without a backend in the way, down to the bytes of a value:
 *
 *	provget [-r N] [-w MS] [-t MS] PROVIDER REF...
 *
 * gets the references N times (default 1), MS milliseconds apart (-w,
 * default 0), each get with a deadline of -t MS (default 20000).  For each
 * get it prints "get K ok", then "value I HEX" for each reference (the
 * value in lower-case hex, so that NUL and newline bytes show), or
 * "get K error NAME: MESSAGE"; a failed setup prints "setup error: ...".
 * The exit status is 0 when every get succeeded, 1 otherwise, 2 for
 * usage.  Test values only: they are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "provider.h"
#include "secret.h"
#include "../../providers/https.h"

static struct event_base	*base;
static const char		*provider;
static const char *const	*refs;
static size_t			 nrefs;
/*
 * A hang is caught by a deadline, not by a figure: 20 s leaves room for a
 * valgrind run on a busy machine (tests of a timeout pass -t).
 */
static int			 rounds = 1, wait_ms, timeout_ms = 20000;
static int			 done, failed, stopped;
static struct event		*ev_next;

static void	 next_get(evutil_socket_t, short, void *);

static void
answer(void *arg, int error, const char *err, struct secret **values,
    size_t n)
{
	struct timeval	 tv;
	size_t		 i, j;

	(void)arg;
	done++;
	if (error != 0) {
		printf("get %d error %s: %s\n", done, err_str(error),
		    err != NULL ? err : "");
		failed = 1;
	} else {
		printf("get %d ok\n", done);
		for (i = 0; i < n; i++) {
			printf("value %zu ", i);
			for (j = 0; j < values[i]->len; j++)
				printf("%02x", values[i]->data[j]);
			printf("\n");
		}
	}
	fflush(stdout);
	if (done < rounds) {
		tv.tv_sec = wait_ms / 1000;
		tv.tv_usec = (wait_ms % 1000) * 1000;
		evtimer_add(ev_next, &tv);
	}
}

static void
next_get(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (provider_get(base, provider, refs, nrefs, timeout_ms, answer,
	    NULL) == NULL) {
		printf("get %d error: cannot start\n", done + 1);
		failed = stopped = 1;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: provget [-r N] [-w MS] [-t MS] PROVIDER "
	    "REF...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct evdns_base	*dns;
	struct timeval		 now = { 0, 0 };
	char			 err[1024];
	int			 ch, i;

	log_init("provget", LOG_LVL_INFO);
	if (secret_init() != 0 || secret_openssl_hooks() != 0)
		return 1;
	https_wipe_hooks();
	while ((ch = getopt(argc, argv, "r:t:w:")) != -1) {
		switch (ch) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || rounds < 1 || wait_ms < 0)
		usage();
	provider = argv[0];
	refs = (const char *const *)argv + 1;
	nrefs = (size_t)argc - 1;
	if (provider_setup(provider, err, sizeof(err)) != 0) {
		printf("setup error: %s\n", err);
		return 1;
	}
	for (i = 1; i < argc; i++)
		if (provider_prepare(provider, argv[i], err, sizeof(err)) != 0) {
			printf("prepare error: %s\n", err);
			return 1;
		}
	if ((base = event_base_new()) == NULL ||
	    (dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) ==
	    NULL || (ev_next = evtimer_new(base, next_get, NULL)) == NULL)
		return 1;
	provider_attach(base, dns);
	evtimer_add(ev_next, &now);
	while (done < rounds && !stopped)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	provider_cleanup();
	event_free(ev_next);
	evdns_base_free(dns, 0);
	event_base_free(base);
	return failed;
}
