/*
 * The PostgreSQL connector's check of a service at load (its row's check
 * and conf_free in mon_pg.c), and what it makes of the config: section.
 */
#ifndef AIRLOCK_PGCONFIG_H
#define AIRLOCK_PGCONFIG_H

#include "config.h"

struct cfgcheck;

/* A pg service's conn_conf. */
struct pg_conf {
	enum cleartext_policy cleartext;	/* cleartextPassword: */
};

/* The credentials and config: of a pg service: 0, or cfg_error's. */
int		 pg_check(struct cfgcheck *, struct service *);
void		 pg_conf_free(void *);

#endif
