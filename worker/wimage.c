/*
 * airlock-worker: the connectors that need no libssh (worker.h, struct
 * worker_image).  ssh-agent is one: the monitor signs, and the worker only
 * speaks the agent protocol (agentmsg.h).
 */
#include <stddef.h>

#include "util.h"
#include "worker.h"

extern const struct connector pg_connector;
extern const struct connector mysql_connector;
extern const struct connector health_connector;
extern const struct connector http_generic_connector;
extern const struct connector http_basic_auth_connector;
extern const struct connector http_conjur_connector;
extern const struct connector http_aws_connector;
extern const struct connector ssh_agent_connector;

static const struct connector *const connectors[] = {
	&pg_connector,
	&mysql_connector,
	&health_connector,
	&http_generic_connector,
	&http_basic_auth_connector,
	&http_conjur_connector,
	&http_aws_connector,
	&ssh_agent_connector,
};

static const struct worker_image image = {
	"airlock-worker", connectors, nitems(connectors), NULL
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &image);
}
