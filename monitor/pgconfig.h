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

#endif
