/*
 * Which worker executable a connection gets (monitor/wkind.c and the
 * connectors' rows): airlock-worker-plain, without OpenSSL, for pg whose
 * sslmode is a literal disable, health and ssh-agent; airlock-worker for a
 * pg leg that may be TLS (a provider's sslmode is known only later) and
 * for mysql, even without TLS (caching_sha2's RSA exchange is OpenSSL's);
 * airlock-worker-ssh for ssh.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "connector.h"
#include "conftext.h"
#include "monitor.h"
#include "test.h"
#include "util.h"

static const char services[] =
    "version: 2\n"
    "services:\n"
    "  pg-plain:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5432\n"
    "    credentials: {host: h, username: u, sslmode: disable}\n"
    "  pg-tls:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5433\n"
    "    credentials: {host: h, username: u, sslmode: require}\n"
    "  pg-provider:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5434\n"
    "    credentials:\n"
    "      host: h\n"
    "      username: u\n"
    "      sslmode: {from: env, get: PGSSLMODE}\n"
    "  pg-default:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5435\n"
    "    credentials: {host: h, username: u}\n"
    "  my-plain:\n"
    "    connector: mysql\n"
    "    listenOn: tcp://127.0.0.1:3306\n"
    "    credentials: {host: h, username: u, sslmode: disable}\n";

/* The kind of the service named, as the pool and worker_spawn ask. */
static void
kind_of(const struct config *cf, const char *name, struct worker_kind *k)
{
	const struct mon_connector	*mc;
	size_t				 i;

	k->image = WIMAGE_COUNT;
	k->tls = -1;
	for (i = 0; i < cf->nservices; i++) {
		if (strcmp(cf->services[i].name, name) != 0)
			continue;
		if ((mc = mon_connector_find(cf->services[i].connector)) !=
		    NULL)
			worker_kind_of(&cf->services[i], mc, k);
	}
}

TEST(wkind_services)
{
	static const struct {
		const char		*service;
		enum worker_image	 image;
		int			 tls;
	} want[] = {
		{ "pg-plain",		WIMAGE_PLAIN,	0 },
		{ "pg-tls",		WIMAGE_MAIN,	1 },
		{ "pg-provider",	WIMAGE_MAIN,	1 },
		{ "pg-default",		WIMAGE_MAIN,	1 },
		{ "my-plain",		WIMAGE_MAIN,	0 },
	};
	struct config		*cf;
	struct worker_kind	 k;
	char			 err[512];
	size_t			 i;

	cf = config_from_text(services, NULL, err, sizeof(err));
	REQUIRE(cf != NULL);
	for (i = 0; i < nitems(want); i++) {
		kind_of(cf, want[i].service, &k);
		if (k.image != want[i].image || k.tls != want[i].tls)
			printf("    %s: image %d tls %d\n", want[i].service,
			    (int)k.image, k.tls);
		CHECK_INT(k.image, want[i].image);
		CHECK_INT(k.tls, want[i].tls);
	}
	config_free(cf);
}

/* Rows that do not look at their service. */
TEST(wkind_rows)
{
	struct service		 none;
	struct worker_kind	 k;

	memset(&none, 0, sizeof(none));
	worker_kind_of(&none, &mon_health, &k);
	CHECK_INT(k.image, WIMAGE_PLAIN);
	CHECK_INT(k.tls, 0);
	worker_kind_of(&none, mon_connector_find("ssh-agent"), &k);
	CHECK_INT(k.image, WIMAGE_PLAIN);
	CHECK_INT(k.tls, 0);
	worker_kind_of(&none, mon_connector_find("ssh"), &k);
	CHECK_INT(k.image, WIMAGE_SSH);
}
