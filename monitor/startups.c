/*
 * maxStartups and perSourceMaxStartups: the connections that are not yet
 * authenticated, by service and by source, and the decision to drop a new
 * one.
 *
 * The count is kept by service name, not by position in a configuration:
 * a reload may reorder, add or remove services while the workers of the
 * previous configuration still finish their handshakes, and a changed
 * service must go on counting the startups of its earlier self.  A source
 * is counted by the key its worker holds, so that a reload that changes
 * perSourceNetBlockSize leaves the counts of running workers right.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

struct startup {
	char	*name;		/* first: the table's name */
	int	 n;
};

/* Only names with startups in progress have an entry: a short list. */
static struct byname	 by_service = BYNAME_INIT(struct startup);
static struct byname	 by_source = BYNAME_INIT(struct startup);

static int
tally_count(const struct byname *t, const char *name)
{
	const struct startup	*s = byname_find(t, name);

	return s != NULL ? s->n : 0;
}

static int
tally_add(struct byname *t, const char *name)
{
	struct startup	*s;

	if ((s = byname_get(t, name)) == NULL)
		return ERR_NOMEM;
	s->n++;
	return 0;
}

static void
tally_remove(struct byname *t, const char *name)
{
	struct startup	*s;

	if ((s = byname_find(t, name)) == NULL || s->n <= 0)
		fatal("startups of %s out of step", name);
	if (--s->n == 0)
		byname_remove(t, s);
}

int
startups_count(const char *name)
{
	return tally_count(&by_service, name);
}

int
startups_add(const char *name)
{
	return tally_add(&by_service, name);
}

void
startups_remove(const char *name)
{
	tally_remove(&by_service, name);
}

/*
 * OpenSSH's MaxStartups, per service: beyond start unauthenticated
 * connections a new one is dropped with a probability rising from rate
 * percent to 100 at full, so that slow or junk clients cannot hold every
 * worker while real clients still get through.
 */
static int
startups_full(const struct config *cf, const struct service *svc)
{
	int	 n = startups_count(svc->name), p;

	if (n < cf->startups_begin)
		return 0;
	if (n >= cf->startups_full)
		return 1;
	p = cf->startups_rate + (100 - cf->startups_rate) *
	    (n - cf->startups_begin) / (cf->startups_full - cf->startups_begin);
	return (int)randombytes_uniform(100) < p;
}

static void
startups_log(const struct service *svc)
{
	static struct ratelimit	 rl;
	unsigned long		 dropped;

	if (ratelimit_pass(&rl, &dropped))
		log_warn("%s: %d connections not yet authenticated "
		    "(maxStartups); dropped %lu connection(s)", svc->name,
		    startups_count(svc->name), dropped);
}

int
startups_drop(const struct config *cf, const struct service *svc)
{
	if (!startups_full(cf, svc))
		return 0;
	startups_log(svc);
	return 1;
}

/*
 * The source of a connection as OpenSSH's PerSourceNetBlockSize groups
 * it: the address cut to the configured prefix.  An IPv4 client of an
 * IPv6 socket (::ffff:a.b.c.d) is an IPv4 source.  Empty when there is
 * nothing to count: no perSourceMaxStartups, or not an IP peer.
 */
void
startups_source(const struct config *cf, const struct sockaddr *sa,
    socklen_t salen, struct source *src)
{
	const struct sockaddr_in6 *s6;
	unsigned char		 a[16];
	char			 text[INET6_ADDRSTRLEN];
	int			 af, bits, i;
	size_t			 alen;

	src->key[0] = src->addr[0] = '\0';
	if (cf->per_source_max == 0)
		return;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		af = AF_INET;
		alen = 4;
		memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, alen);
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			af = AF_INET;
			alen = 4;
			memcpy(a, &s6->sin6_addr.s6_addr[12], alen);
		} else {
			af = AF_INET6;
			alen = 16;
			memcpy(a, &s6->sin6_addr, alen);
		}
	} else
		return;
	if (inet_ntop(af, a, src->addr, sizeof(src->addr)) == NULL)
		return;
	bits = af == AF_INET ? cf->per_source_v4 : cf->per_source_v6;
	for (i = 0; i < (int)alen; i++) {
		if (bits >= 8 * (i + 1))
			continue;
		a[i] &= bits <= 8 * i ? 0 : (unsigned char)(0xff <<
		    (8 * (i + 1) - bits));
	}
	if (inet_ntop(af, a, text, sizeof(text)) != NULL)
		snprintf(src->key, sizeof(src->key), "%s/%d", text, bits);
}

int
startups_source_add(const char *key)
{
	return tally_add(&by_source, key);
}

void
startups_source_remove(const char *key)
{
	tally_remove(&by_source, key);
}

int
startups_source_drop(const struct config *cf, const struct service *svc,
    const struct source *src)
{
	static struct ratelimit	 rl;
	unsigned long		 dropped;

	if (src->key[0] == '\0' || cf->per_source_max == 0 ||
	    tally_count(&by_source, src->key) < cf->per_source_max)
		return 0;
	if (ratelimit_pass(&rl, &dropped))
		log_warn("%s: connection from %s dropped: %s has %d "
		    "connections not yet authenticated (perSourceMaxStartups); "
		    "%lu dropped from sources at the limit since the last such "
		    "line", svc->name, src->addr, src->key,
		    tally_count(&by_source, src->key), dropped);
	return 1;
}
