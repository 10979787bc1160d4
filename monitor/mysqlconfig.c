/*
 * What the MySQL connector needs of a service, checked at load: the
 * credentials Secretless Broker's mysql connector reads, plus airlock's
 * address (as pg's) and serverPublicKey, and its config: section (the
 * database connectors' rules, dbconfig.c).  Its row is in mon_mysql.c.
 */
#include <string.h>

#include "config.h"
#include "connector.h"
#include "dbconfig.h"
#include "mysqlconfig.h"
#include "util.h"
#include "yamlwalk.h"

static const char *const known[] = {
	"host", "port", "username", "password", "sslmode", "sslrootcert",
	"sslcert", "sslkey", "sslhost", "address", "serverPublicKey",
};

/*
 * MySQL has no startup parameters to carry other names, so a name that is
 * not one of these is a mistake: said, and ignored, as Secretless Broker
 * ignores it.
 */
static int
check_names(struct cfgcheck *cc, const struct service *svc)
{
	const struct credential	*cr;
	size_t			 i, j;
	int			 r;

	for (i = 0; i < svc->ncreds; i++) {
		cr = &svc->creds[i];
		for (j = 0; j < nitems(known); j++)
			if (strcmp(cr->name, known[j]) == 0)
				break;
		if (j < nitems(known))
			continue;
		if ((r = cfg_warn(cc, cr->name_line, cr->name_col, "service "
		    NAMEFMT ": credential \"" NAMEFMT "\" is not a mysql "
		    "setting; ignored", svc->name, cr->name)) != 0)
			return r;
	}
	return 0;
}

int
mysql_check(struct cfgcheck *cc, struct service *svc)
{
	int	 r;

	if ((r = db_check_settings(cc, svc, "mysql")) != 0 ||
	    (r = db_check_tls_port(cc, svc)) != 0)
		return r;
	return check_names(cc, svc);
}
