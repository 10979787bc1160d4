/*
 * The monitor's connectors, one row each (connector.h), as relayd's
 * procs[]: the only place that lists them.
 */
#include <string.h>

#include "connector.h"
#include "monitor.h"
#include "util.h"

extern const struct mon_connector mon_pg;
extern const struct mon_connector mon_health;

static const struct mon_connector *const rows[] = {
	&mon_pg,
	&mon_health,
};

/*
 * Secretless Broker's connectors that airlock does not have yet: a file
 * that names one is refused with "not supported yet", not "unknown".
 */
static const char *const planned[] = {
	"mysql", "mssql", "basic_auth", "conjur", "aws", "generic_http",
	"ssh", "ssh-agent",
};

const struct mon_connector *
mon_connector_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(rows); i++)
		if (strcmp(rows[i]->name, name) == 0)
			return rows[i];
	return NULL;
}

const struct mon_connector *
mon_connector_at(size_t i)
{
	return i < nitems(rows) ? rows[i] : NULL;
}

int
mon_connector_planned(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(planned); i++)
		if (strcmp(planned[i], name) == 0)
			return 1;
	return 0;
}

int
mon_connector_secret(const struct mon_connector *mc, const char *name)
{
	int	 i;

	for (i = 0; mc->worker_secrets != NULL &&
	    mc->worker_secrets[i] != NULL; i++)
		if (strcmp(mc->worker_secrets[i], name) == 0)
			return i;
	return -1;
}

const char *
mon_connector_method(const struct mon_connector *mc, int method)
{
	int	 i;

	for (i = 0; mc->methods != NULL && mc->methods[i] != NULL; i++)
		if (i == method)
			return method == 0 ? "none" : mc->methods[i];
	return "none";
}
