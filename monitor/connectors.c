/*
 * The monitor's connectors, one row each (connector.h), as relayd's
 * procs[]: the only place that lists them.
 */
#include <stdio.h>
#include <string.h>

#include "connector.h"
#include "msg.h"
#include "monitor.h"
#include "util.h"

extern const struct mon_connector mon_pg;
extern const struct mon_connector mon_mysql;
extern const struct mon_connector mon_health;
extern const struct mon_connector mon_basic_auth;
extern const struct mon_connector mon_conjur;
extern const struct mon_connector mon_aws;
extern const struct mon_connector mon_generic_http;
extern const struct mon_connector mon_ssh_agent;
extern const struct mon_connector mon_ssh;

static const struct mon_connector *const rows[] = {
	&mon_pg,
	&mon_mysql,
	&mon_health,
	&mon_basic_auth,
	&mon_conjur,
	&mon_aws,
	&mon_generic_http,
	&mon_ssh_agent,
	&mon_ssh,
};

/*
 * Secretless Broker's connectors that airlock does not have yet: a file
 * that names one is refused with "not supported yet", not "unknown".
 */
static const char *const planned[] = {
	"mssql",
};

void
mon_connectors_start(void)
{
	size_t	 i;

	for (i = 0; i < nitems(rows); i++)
		if (rows[i]->start != NULL)
			rows[i]->start();
}

void
mon_connectors_stop(void)
{
	size_t	 i;

	for (i = 0; i < nitems(rows); i++)
		if (rows[i]->stop != NULL)
			rows[i]->stop();
}

void
mon_connectors_forget(const char *service)
{
	size_t	 i;

	for (i = 0; i < nitems(rows); i++)
		if (rows[i]->forget_service != NULL)
			rows[i]->forget_service(service);
}

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

/*
 * A row's requests: types of its own (from MSG_CONNECTOR_BASE, below
 * MSG_TYPE_LIMIT, none twice), each "after" one of them, and a handler.
 */
int
mon_connector_valid(const struct mon_connector *mc, char *err, size_t errlen)
{
	const struct mon_request	*q;
	size_t				 i, j;
	int				 found;

	/* struct worker's creds_given has a bit for each. */
	for (i = 0; mc->worker_secrets != NULL &&
	    mc->worker_secrets[i] != NULL; i++)
		if (i == 32) {
			snprintf(err, errlen, "connector %s: more than 32 "
			    "worker secrets", mc->name);
			return -1;
		}
	for (i = 0; i < mc->nrequests; i++) {
		q = &mc->requests[i];
		if (q->type < MSG_CONNECTOR_BASE || q->type >= MSG_TYPE_LIMIT ||
		    q->name == NULL || q->handler == NULL || q->states == 0) {
			snprintf(err, errlen, "connector %s: request %zu is "
			    "malformed", mc->name, i);
			return -1;
		}
		for (found = q->after == 0, j = 0; j < mc->nrequests; j++) {
			if (j != i && mc->requests[j].type == q->type) {
				snprintf(err, errlen, "connector %s: type %u "
				    "twice", mc->name, q->type);
				return -1;
			}
			if (mc->requests[j].type == q->after)
				found = 1;
		}
		if (!found) {
			snprintf(err, errlen, "connector %s: %s comes after a "
			    "type it does not have", mc->name, q->name);
			return -1;
		}
	}
	return 0;
}

int
mon_connectors_valid(char *err, size_t errlen)
{
	size_t	 i, j;

	for (i = 0; i < nitems(rows); i++) {
		if (mon_connector_valid(rows[i], err, errlen) != 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(rows[i]->name, rows[j]->name) == 0) {
				snprintf(err, errlen, "connector %s twice",
				    rows[i]->name);
				return -1;
			}
	}
	return 0;
}
