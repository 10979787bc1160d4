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

/*
 * A duration setting of the config: section (yamlwalk.c's words), between
 * 1ms and 24h; absent: def.
 */
static int
pool_duration(struct cfgcheck *cc, const struct service *svc,
    const char *key, int def, int *out)
{
	const struct cfgnode	*n;
	long long		 ms;

	*out = def;
	if ((n = cfgnode_get(svc->settings, key)) == NULL)
		return 0;
	if (yw_duration_ms(n->value, &ms) != 0 || ms < 1 ||
	    ms > 24 * MS_HOUR)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s must be a duration from 1ms to 24h, such as "
		    "250ms, 30s or 5m", svc->name, key);
	*out = (int)ms;
	return 0;
}

/*
 * Backend reuse (poolMode session): PgBouncer's settings and defaults.  A
 * TLS session lives in the worker that made it, so a reused leg must be
 * plaintext, and sslmode must say so itself (its default is require).
 * The reset query is one statement (no ';'): the worker that takes a
 * backend requires exactly one CommandComplete for it.
 */
static int
check_pool(struct cfgcheck *cc, struct service *svc)
{
	struct backpool_conf	*p = &((struct db_conf *)svc->conn_conf)->pool;
	const struct cfgnode	*n, *pm;
	const struct credential	*mode;
	const char		*q = "DISCARD ALL";
	long long		 v;
	const char		*end;
	int			 r;

	if ((pm = cfgnode_get(svc->settings, "poolMode")) != NULL) {
		if (strcmp(pm->value, "session") == 0)
			p->session = 1;
		else if (strcmp(pm->value, "none") != 0)
			return cfg_error(cc, pm->line, pm->col, "service "
			    NAMEFMT ": config.poolMode must be none or "
			    "session", svc->name);
	}
	if ((n = cfgnode_get(svc->settings, "serverResetQuery")) != NULL) {
		q = n->value;
		if (*q == '\0' || strlen(q) > 1024 || strchr(q, ';') != NULL)
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": config.serverResetQuery must be one "
			    "statement without ';', of at most 1024 bytes",
			    svc->name);
	}
	if ((p->reset_query = strdup(q)) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	if ((r = pool_duration(cc, svc, "serverLifetime", MS_HOUR,
	    &p->lifetime_ms)) != 0 ||
	    (r = pool_duration(cc, svc, "serverIdleTimeout", 60 * MS_SECOND,
	    &p->idle_ms)) != 0)
		return r;
	p->size = 20;
	if ((n = cfgnode_get(svc->settings, "serverPoolSize")) != NULL) {
		if (yw_uint(n->value, &end, &v) != 0 || *end != '\0' ||
		    v > 10000)
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": config.serverPoolSize must be a number "
			    "from 0 to 10000", svc->name);
		p->size = (int)v;
	}
	if (!p->session)
		return 0;
	mode = service_credential(svc, "sslmode");
	if (mode == NULL || strcmp(mode->provider, "literal") != 0 ||
	    strcmp(mode->ref, "disable") != 0)
		return cfg_error(cc, pm->line, pm->col, "service " NAMEFMT
		    ": poolMode session needs the credential sslmode: "
		    "disable, as a literal (a TLS session lives in the "
		    "worker that made it and cannot be handed on)", svc->name);
	return 0;
}

const struct backpool_conf *
pg_backpool(const struct service *svc)
{
	const struct db_conf	*dc = svc->conn_conf;

	return dc != NULL && dc->pool.session ? &dc->pool : NULL;
}

/*
 * libpq never asks for TLS over a Unix socket ("SSL is not used" there,
 * whatever sslmode says): a pg service on one with clientTLS refuses
 * psql and every libpq client, which only other clients can use.
 */
static int
check_client_tls(struct cfgcheck *cc, const struct service *svc)
{
	if (svc->client_tls == NULL || svc->listen_kind != LISTEN_UNIX)
		return 0;
	return cfg_warn(cc, svc->client_tls->line, svc->client_tls->col,
	    "service " NAMEFMT ": libpq (psql) never asks for TLS over a Unix "
	    "socket, and clientTLS refuses a client without it: only clients "
	    "that send an SSLRequest there can connect", svc->name);
}

int
pg_check(struct cfgcheck *cc, struct service *svc)
{
	int	 r;

	if ((r = db_check_settings(cc, svc, "pg")) != 0 ||
	    (r = check_pool(cc, svc)) != 0 ||
	    (r = check_client_tls(cc, svc)) != 0)
		return r;
	return check_credentials(cc, svc);
}
