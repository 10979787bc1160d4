/*
 * What the MySQL connector needs of a service, checked at load: its
 * credentials' values and its config: section (the database connectors'
 * rules, dbconfig.c).  Its row, in mon_mysql.c, lists the names it reads:
 * Secretless Broker's mysql connector's, plus airlock's address (as pg's)
 * and serverPublicKey; any other is warned of (config.c).
 */
#include "config.h"
#include "connector.h"
#include "dbconfig.h"
#include "mysqlconfig.h"
#include "util.h"
#include "yamlwalk.h"

int
mysql_check(struct cfgcheck *cc, struct service *svc)
{
	int	 r;

	if ((r = db_check_settings(cc, svc, "mysql")) != 0)
		return r;
	return db_check_tls_port(cc, svc);
}
