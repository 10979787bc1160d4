/*
 * The PostgreSQL connector's check of a service at load (its row's check
 * in mon_pg.c); its conn_conf is a struct db_conf (dbconfig.h).
 */
#ifndef AIRLOCK_PGCONFIG_H
#define AIRLOCK_PGCONFIG_H

#include "config.h"

struct cfgcheck;

/* The credentials and config: of a pg service: 0, or cfg_error's. */
int		 pg_check(struct cfgcheck *, struct service *);

/* pgnames.c: the connector's credential names. */
int		 pg_monitor_only(const char *name);
int		 pg_known_param(const char *name);
/*
 * What a credential's name is to the connector: one of its own, a libpq
 * setting airlock does not support (why: a hint, or NULL), one that libpq
 * too sends as a startup parameter, or anything else, which is sent to the
 * server as a startup parameter as well.
 */
enum pg_cred_class {
	PG_CRED_KNOWN = 0,
	PG_CRED_LIBPQ,
	PG_CRED_STARTUP,
	PG_CRED_UNKNOWN,
};
enum pg_cred_class pg_credential_class(const char *name, const char **why);
/* Backend reuse: the service's settings when poolMode is session, or NULL. */
struct backpool_conf;
const struct backpool_conf *pg_backpool(const struct service *);
#endif
