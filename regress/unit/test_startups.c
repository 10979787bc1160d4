/*
 * perSourceMaxStartups (monitor/startups.c): a client address cut to
 * perSourceNetBlockSize is its source; a source at the limit is dropped.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "config.h"
#include "monitor.h"
#include "test.h"
#include "util.h"

static struct config	 cf;

/* The source of addr (IPv4 or IPv6 text) as the listener would see it. */
static void
source_of(const char *addr, struct source *src)
{
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		startups_source(&cf, (struct sockaddr *)&s4, sizeof(s4), src);
	} else {
		s6.sin6_family = AF_INET6;
		CHECK(inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1);
		startups_source(&cf, (struct sockaddr *)&s6, sizeof(s6), src);
	}
}

TEST(startups_source_netblocks)
{
	static const struct {
		int		 v4, v6;
		const char	*addr, *key;
	} t[] = {
		{ 32, 128, "127.0.0.2", "127.0.0.2/32" },
		{ 24, 128, "192.0.2.77", "192.0.2.0/24" },
		{ 20, 128, "192.0.18.77", "192.0.16.0/20" },
		{ 0, 128, "192.0.2.77", "0.0.0.0/0" },
		{ 24, 64, "::ffff:192.0.2.77", "192.0.2.0/24" },
		{ 32, 64, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
		{ 32, 57, "2001:db8:1:2ff::1", "2001:db8:1:280::/57" },
		{ 32, 128, "::1", "::1/128" },
	};
	struct source	 src;
	size_t		 i;

	memset(&cf, 0, sizeof(cf));
	cf.per_source_max = 1;
	for (i = 0; i < nitems(t); i++) {
		cf.per_source_v4 = t[i].v4;
		cf.per_source_v6 = t[i].v6;
		source_of(t[i].addr, &src);
		CHECK_STR(src.key, t[i].key);
	}
	/* The client's own address is kept for the log. */
	CHECK_STR(src.addr, "::1");
	source_of("::ffff:192.0.2.77", &src);
	CHECK_STR(src.addr, "192.0.2.77");
	/* No limit, nothing to count. */
	cf.per_source_max = 0;
	source_of("192.0.2.77", &src);
	CHECK_STR(src.key, "");
}

TEST(startups_source_limit)
{
	struct service	 svc;
	struct source	 a, b;

	memset(&cf, 0, sizeof(cf));
	memset(&svc, 0, sizeof(svc));
	svc.name = "db";
	cf.per_source_max = 2;
	cf.per_source_v4 = 32;
	cf.per_source_v6 = 128;
	source_of("127.0.0.1", &a);
	source_of("127.0.0.2", &b);
	CHECK_INT(startups_source_drop(&cf, &svc, &a), 0);
	CHECK_INT(startups_source_add(a.key), 0);
	CHECK_INT(startups_source_drop(&cf, &svc, &a), 0);
	CHECK_INT(startups_source_add(a.key), 0);
	/* The third from .1 is dropped; .2 is another source. */
	CHECK_INT(startups_source_drop(&cf, &svc, &a), 1);
	CHECK_INT(startups_source_drop(&cf, &svc, &b), 0);
	startups_source_remove(a.key);
	CHECK_INT(startups_source_drop(&cf, &svc, &a), 0);
	startups_source_remove(a.key);
	/* A reload that lifts the limit lets everything through. */
	CHECK_INT(startups_source_add(a.key), 0);
	CHECK_INT(startups_source_add(a.key), 0);
	cf.per_source_max = 0;
	CHECK_INT(startups_source_drop(&cf, &svc, &a), 0);
	startups_source_remove(a.key);
	startups_source_remove(a.key);
}
