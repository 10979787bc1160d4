/*
 * airlock-worker-plain: the connectors whose connections need no TLS and
 * no libssh (worker.h, struct worker_image), linked with neither OpenSSL
 * nor libssh: its TLS is notls.c's.  The monitor starts it for pg with
 * sslmode disable, health and ssh-agent (monitor/wkind.c), with -p.
 * mysql is not here: its caching_sha2 full authentication encrypts the
 * password to the server's RSA key with OpenSSL over a plaintext leg.
 */
#include <stddef.h>

#include "util.h"
#include "worker.h"

extern const struct connector pg_connector;
extern const struct connector health_connector;
extern const struct connector ssh_agent_connector;

static const struct connector *const connectors[] = {
	&pg_connector,
	&health_connector,
	&ssh_agent_connector,
};

static const struct worker_image image = {
	"airlock-worker-plain", connectors, nitems(connectors), NULL
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &image);
}
