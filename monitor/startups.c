/*
 * maxStartups: the connections of each service that are not yet
 * authenticated, and the decision to drop a new one.
 *
 * The count is kept by service name, not by position in a configuration:
 * a reload may reorder, add or remove services while the workers of the
 * previous configuration still finish their handshakes, and a changed
 * service must go on counting the startups of its earlier self.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

struct startup {
	char	*name;
	int	 n;
};

/* Only services with startups in progress have an entry: a short list. */
static struct startup	*tab;
static size_t		 ntab, atab;

static struct startup *
startups_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < ntab; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

int
startups_count(const char *name)
{
	const struct startup	*s = startups_find(name);

	return s != NULL ? s->n : 0;
}

int
startups_add(const char *name)
{
	struct startup	*s, *t;
	size_t		 na;

	if ((s = startups_find(name)) != NULL) {
		s->n++;
		return 0;
	}
	if (ntab == atab) {
		na = atab == 0 ? 8 : atab * 2;
		if ((t = reallocarray(tab, na, sizeof(*tab))) == NULL)
			return ERR_NOMEM;
		tab = t;
		atab = na;
	}
	if ((tab[ntab].name = strdup(name)) == NULL)
		return ERR_NOMEM;
	tab[ntab].n = 1;
	ntab++;
	return 0;
}

void
startups_remove(const char *name)
{
	struct startup	*s;

	if ((s = startups_find(name)) == NULL || s->n <= 0)
		fatal("startups of %s out of step", name);
	if (--s->n > 0)
		return;
	free(s->name);
	*s = tab[--ntab];
	if (ntab == 0) {
		free(tab);
		tab = NULL;
		atab = 0;
	}
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

/* One line for the first drop, then a count at most every ten seconds. */
static void
startups_log(const struct service *svc)
{
	static time_t		 last;
	static unsigned long	 dropped;
	time_t			 now = time(NULL);

	dropped++;
	if (last != 0 && now - last < 10)
		return;
	log_warn("%s: %d connections not yet authenticated (maxStartups); "
	    "dropped %lu connection(s)", svc->name, startups_count(svc->name),
	    dropped);
	last = now;
	dropped = 0;
}

int
startups_drop(const struct config *cf, const struct service *svc)
{
	if (!startups_full(cf, svc))
		return 0;
	startups_log(svc);
	return 1;
}
