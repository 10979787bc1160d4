/*
 * airlock-worker-ssh: the ssh connector's worker, the only executable
 * linked with libssh (worker.h, struct worker_image).  libssh's
 * constructor sets OpenSSL up when the library is loaded; main.c's
 * preinit hooks run before it.
 */
#include <stddef.h>

#include "ssh.h"
#include "util.h"
#include "worker.h"

/* not ssh_connector: libssh has a type of that name */
extern const struct connector sshconn_connector;

static const struct connector *const connectors[] = {
	&sshconn_connector,
};

static const struct worker_image image = {
	"airlock-worker-ssh", connectors, nitems(connectors), ssh_global_init
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &image);
}
