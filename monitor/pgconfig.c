/*
 * What the PostgreSQL connector needs of a service, checked at load rather
 * than at the first connection: its credentials (as libpq reads them, and
 * which are startup parameters, pgnames.c) and its config: section.
 * Literal credentials are secrets: no message repeats one.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connector.h"
#include "dbconfig.h"
#include "monitor.h"
#include "pgconfig.h"
#include "pgopt.h"
#include "util.h"
#include "yamlwalk.h"

/*
 * libpq's require_auth and channel_binding (pgopt.h), when literal: a
 * mistake there would weaken what the user meant to pin.  The messages
 * repeat no part of the value, as for every literal.
 */
static int
check_auth(struct cfgcheck *cc, const struct service *svc)
{
	const struct credential	*cr, *mode;
	enum pgopt_cbind	 cb;
	unsigned int		 allowed;
	const char		*why;

	if ((cr = service_credential(svc, "require_auth")) != NULL &&
	    strcmp(cr->provider, "literal") == 0 &&
	    pgopt_require_auth(cr->ref, strlen(cr->ref), &allowed, &why) != 0)
		return cfg_error(cc, cr->line, cr->col, "credential "
		    "require_auth of service " NAMEFMT " %s (methods: "
		    "password, md5, gss, sspi, scram-sha-256, none; all "
		    "plain or all negated with !)",
		    svc->name, why);
	if ((cr = service_credential(svc, "channel_binding")) == NULL ||
	    strcmp(cr->provider, "literal") != 0)
		return 0;
	if (pgopt_channel_binding(cr->ref, strlen(cr->ref), &cb, &why) != 0)
		return cfg_error(cc, cr->line, cr->col, "credential "
		    "channel_binding of service " NAMEFMT " %s", svc->name,
		    why);
	/* Channel binding needs TLS: this pair can never connect. */
	if (cb == PGOPT_CB_REQUIRE &&
	    (mode = service_credential(svc, "sslmode")) != NULL &&
	    strcmp(mode->provider, "literal") == 0 &&
	    strcmp(mode->ref, "disable") == 0)
		return cfg_error(cc, cr->line, cr->col, "service " NAMEFMT
		    ": channel_binding require needs TLS, and sslmode is "
		    "disable", svc->name);
	return 0;
}

/*
 * Credential names that pg does not know: a libpq setting is refused (it
 * would reach the server in clear and do nothing of what the user meant);
 * any other name is sent to the server as a startup parameter, as
 * Secretless Broker does, and the user is told so unless libpq would send
 * it so too (application_name, ...).
 */
static int
check_names(struct cfgcheck *cc, const struct service *svc)
{
	const struct credential	*cr;
	const char		*why;
	size_t			 i;
	int			 r;

	for (i = 0; i < svc->ncreds; i++) {
		cr = &svc->creds[i];
		switch (pg_credential_class(cr->name, &why)) {
		case PG_CRED_KNOWN:
		case PG_CRED_STARTUP:
			break;
		case PG_CRED_LIBPQ:
			return cfg_error(cc, cr->name_line, cr->name_col,
			    "service " NAMEFMT ": credential \"" NAMEFMT "\" "
			    "is a libpq setting that airlock does not support "
			    "and would otherwise send to the server in clear, "
			    "as a startup parameter%s%s", svc->name, cr->name,
			    why != NULL ? "; " : "", why != NULL ? why : "");
		case PG_CRED_UNKNOWN:
			if ((r = cfg_warn(cc, cr->name_line, cr->name_col,
			    "service " NAMEFMT ": credential \"" NAMEFMT "\" "
			    "is not a pg setting; it will be sent to the "
			    "server as the startup parameter \"" NAMEFMT "\", "
			    "as Secretless Broker does", svc->name, cr->name,
			    cr->name)) != 0)
				return r;
			break;
		}
	}
	return 0;
}

/* The credentials a pg service may have, as libpq reads them. */
static int
check_credentials(struct cfgcheck *cc, const struct service *svc)
{
	int	 r;

	if ((r = db_check_tls_port(cc, svc)) != 0 ||
	    (r = check_auth(cc, svc)) != 0)
		return r;
	return check_names(cc, svc);
}

int
pg_check(struct cfgcheck *cc, struct service *svc)
{
	int	 r;

	if ((r = db_check_settings(cc, svc, "pg")) != 0)
		return r;
	return check_credentials(cc, svc);
}
