/*
 * The MySQL connector's check of a service at load (its row's check in
 * mon_mysql.c); its conn_conf is a struct db_conf (dbconfig.h).
 */
#ifndef AIRLOCK_MYSQLCONFIG_H
#define AIRLOCK_MYSQLCONFIG_H

struct cfgcheck;
struct service;

/* The credentials and config: of a mysql service: 0, or cfg_error's. */
int		 mysql_check(struct cfgcheck *, struct service *);

#endif
