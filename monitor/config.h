/*
 * The configuration: a Secretless Broker v2 file, accepted as it is, plus one
 * optional top-level section "airlock:" of airlock's own settings.
 */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <sys/types.h>
#include <stddef.h>

#include "msg.h"

enum listen_kind {
	LISTEN_TCP = 1,
	LISTEN_UNIX,
};

/*
 * cleartextPassword: whether a backend that asks for the password itself
 * gets it.  Never, by default: a compromised worker or a man in the middle
 * (any certificate passes sslmode require) would have it.
 */
enum cleartext_policy {
	CLEARTEXT_NEVER = 0,	/* the default */
	CLEARTEXT_TLS,		/* only over verified TLS (verify-ca/-full) */
	CLEARTEXT_ALWAYS,	/* whatever the leg: the service says so */
};

struct credential {
	char		*name;		/* "password", "host", ... */
	char		*provider;	/* "literal", "env", "file", ... */
	char		*ref;		/* the "get" reference or literal value */
	int		 line, col;
};

struct service {
	char		*name;
	char		*connector;	/* "pg", ... ("protocol" is accepted) */
	char		*listen;	/* listenOn as written */
	enum listen_kind listen_kind;
	char		*listen_host;	/* TCP: host part, brackets removed */
	char		*listen_port;	/* TCP: port */
	char		*listen_path;	/* Unix: socket path */
	struct credential *creds;
	size_t		 ncreds;
	struct kvlist	 config;	/* config: scalars, as strings */
	int		 line, col;	/* where the service is defined */

	/* airlock's per-service settings, read from config: */
	int		 allow_nonloopback;	/* allowNonLoopback: true */
	enum cleartext_policy cleartext;	/* cleartextPassword: */
	mode_t		 socket_mode;		/* socketMode: "0660" */
	char		*socket_owner;		/* socketOwner: user name */
	char		*socket_group;		/* socketGroup: group name */
};

struct config {
	char		*path;
	int		 refs;		/* config_ref / config_unref */
	struct service	*services;
	size_t		 nservices;

	/* The "airlock:" section; every field has a default. */
	char		*user;		/* user: worker user ("_airlock") */
	char		*chroot_dir;	/* chroot: ("/var/empty/airlock") */
	char		*worker_path;	/* worker: airlock-worker executable */
	int		 handshake_timeout_ms;	/* handshakeTimeout: 30s */
	int		 dial_timeout_ms;	/* dialTimeout: 10s */
	int		 provider_timeout_ms;	/* providerTimeout: 10s */
	int		 idle_timeout_ms;	/* idleTimeout: 0 (none) */
	int		 drain_timeout_ms;	/* drainTimeout: 30s */
	int		 max_workers;		/* maxWorkers: 1000 */
	int		 startups_begin;	/* maxStartups: 100:30:200 */
	int		 startups_rate;
	int		 startups_full;
	int		 sandbox_debug;		/* sandboxDebug: false */
	int		 log_level;		/* logLevel: info */
	/* health: 127.0.0.1:5335; NULLs when "off" */
	char		*health;		/* as written */
	char		*health_host;		/* IPv6 without brackets */
	char		*health_port;
	int		 log_format;		/* logFormat: text */
	int		 log_target;		/* logTarget: stderr */
	int		 syslog_facility;	/* syslogFacility: daemon */
	int		 watch;			/* watch: false */
};

/*
 * Load and check a file.  On error returns NULL and err holds
 * "FILE:LINE:COLUMN: what is wrong".
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
/*
 * A loaded configuration has one reference; every worker takes one more for
 * its service (a reload replaces the configuration under running workers).
 */
struct config	*config_ref(struct config *);
void		 config_unref(struct config *);	/* frees at the last one */
/* Free now, whatever the count: for a configuration never shared. */
void		 config_free(struct config *);
/* The service of that name, or NULL. */
const struct service *config_service(const struct config *,
		    const char *name);
/* The credential named name of a service, or NULL. */
const struct credential *service_credential(const struct service *,
		    const char *name);

#endif
