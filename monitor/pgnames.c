/*
 * The credential names of the PostgreSQL connector: which ones it knows,
 * which reach the worker as parameters, and what any other name is (a
 * startup parameter, or a libpq setting that airlock refuses).  Used by
 * the configuration's check (pgconfig.c) and by the connector (mon_pg.c);
 * a table, with no state.
 */
#include <string.h>

#include "monitor.h"
#include "pgconfig.h"
#include "util.h"

/*
 * Credentials the worker never sees in any form (the password only on
 * request, as the row's worker_secrets say; sslkey never: the monitor signs
 * with it, tlssign.c).
 */
static const char *const monitor_only[] = {
	"password", "sslkey", "port",
	/* Secretless Broker's older host:port: the worker gets its host. */
	"address",
};

/* Non-secret credentials passed under their own name; others are startup.* */
static const char *const known_params[] = {
	"host", "username", "sslmode", "sslhost", "sslrootcert", "sslcert",
	/* libpq's, enforced here (pg_policy) and by the worker (pgopt.h). */
	"require_auth", "channel_binding",
};

/*
 * libpq's key words that libpq itself sends as startup parameters: as
 * credentials they are startup parameters too, as the user expects.
 */
static const char *const libpq_startup[] = {
	"application_name", "client_encoding", "options", "replication",
};

/*
 * libpq's connection key words that are settings of the client library,
 * not startup parameters (PostgreSQL 17 documentation, 32.1.2 "Parameter
 * Key Words"; libpq puts only user, database, replication, options,
 * application_name and client_encoding in the StartupMessage, protocol
 * section 55.7).  A user who writes one of them as a credential believes
 * that airlock applies it; airlock would send it to the server in clear as
 * a startup parameter instead, and sslpassword or passfile are secrets.  So
 * they are refused at load (pgconfig.c).  The last rows are PostgreSQL 18's.
 * why, where given, says what the user probably wants instead.
 */
static const struct {
	const char	*name;
	const char	*why;
} libpq_only[] = {
	{ "hostaddr",			"write the address as host" },
	{ "passfile",			"give the password as the password "
					"credential, from a provider" },
	{ "sslpassword",		"give sslkey unencrypted, from a "
					"provider" },
	{ "sslcertmode",		NULL },
	{ "sslcrl",			NULL },
	{ "sslcrldir",			NULL },
	{ "sslsni",			NULL },
	{ "sslcompression",		NULL },
	{ "sslnegotiation",		NULL },
	{ "requiressl",			"set sslmode" },
	{ "requirepeer",		NULL },
	{ "ssl_min_protocol_version",	NULL },
	{ "ssl_max_protocol_version",	NULL },
	{ "gssencmode",			NULL },
	{ "gsslib",			NULL },
	{ "gssdelegation",		NULL },
	{ "krbsrvname",			NULL },
	{ "connect_timeout",		"set airlock.dialTimeout" },
	{ "keepalives",			NULL },
	{ "keepalives_idle",		NULL },
	{ "keepalives_interval",	NULL },
	{ "keepalives_count",		NULL },
	{ "tcp_user_timeout",		NULL },
	{ "service",			NULL },
	{ "target_session_attrs",	NULL },
	{ "load_balance_hosts",		NULL },
	{ "fallback_application_name",	"the client's application_name "
					"is forwarded" },
	{ "dbname",			"the database is the one the client "
					"asks for" },
	{ "user",			"airlock's name for it, as Secretless "
					"Broker's, is username" },
	{ "min_protocol_version",	NULL },
	{ "max_protocol_version",	NULL },
	{ "sslkeylogfile",		NULL },
	{ "oauth_issuer",		NULL },
	{ "oauth_client_id",		NULL },
	{ "oauth_client_secret",	NULL },
	{ "oauth_scope",		NULL },
	{ "scram_client_key",		NULL },
	{ "scram_server_key",		NULL },
};

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return (int)i;
	return -1;
}

#define IN(name, list)	in_list(name, list, nitems(list))

/* The worker never sees it in any form (not even as a parameter). */
int
pg_monitor_only(const char *name)
{
	return IN(name, monitor_only) >= 0;
}

/* Passed to the worker under its own name (others are startup.NAME). */
int
pg_known_param(const char *name)
{
	return IN(name, known_params) >= 0;
}

enum pg_cred_class
pg_credential_class(const char *name, const char **why)
{
	size_t	 i;

	*why = NULL;
	if (IN(name, monitor_only) >= 0 || IN(name, known_params) >= 0)
		return PG_CRED_KNOWN;
	for (i = 0; i < nitems(libpq_only); i++)
		if (strcmp(name, libpq_only[i].name) == 0) {
			*why = libpq_only[i].why;
			return PG_CRED_LIBPQ;
		}
	if (IN(name, libpq_startup) >= 0)
		return PG_CRED_STARTUP;
	return PG_CRED_UNKNOWN;
}
