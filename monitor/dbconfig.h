/*
 * What the database connectors (pg, mysql) check alike in a service at
 * load, and what they make of its config: section.
 */
#ifndef AIRLOCK_DBCONFIG_H
#define AIRLOCK_DBCONFIG_H

#include "config.h"
#include "monitor.h"

struct cfgcheck;

/* The conn_conf of a database connector's service. */
struct db_conf {
	enum cleartext_policy cleartext;	/* cleartextPassword: */
	struct backpool_conf pool;		/* poolMode: ... (pg only) */
};

/*
 * config: scalar settings only (they reach the worker as strings) but
 * airlock's own, and cleartextPassword; sets svc->conn_conf.  connector
 * names the connector in messages.
 */
int		 db_check_settings(struct cfgcheck *, struct service *,
		    const char *connector);
/* Literal sslmode and port credentials, as libpq and MySQL read them. */
int		 db_check_tls_port(struct cfgcheck *, const struct service *);
void		 db_conf_free(void *);
/* The worker kind (wkind.c): TLS set up unless sslmode says disable. */
struct worker_kind;
void		 db_worker_kind(const struct service *, struct worker_kind *);

#endif
