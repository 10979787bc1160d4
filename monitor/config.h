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

/*
 * A service's config: section as a tree, for its connector's check (nested
 * settings such as generic_http's headers reach it whole).  Merge keys are
 * resolved; a null scalar is "".
 */
enum cfg_kind {
	CFG_SCALAR = 1,
	CFG_MAP,
	CFG_SEQ,
};
struct cfgnode {
	enum cfg_kind	 kind;
	char		*key;		/* in a mapping: its key; else NULL */
	char		*value;		/* a scalar's text */
	struct cfgnode	*items;		/* a mapping's values, a sequence's */
	size_t		 nitems;
	int		 line, col;	/* of the value (a key's: key_line) */
	int		 key_line, key_col;
};

/* cfgnode.c */
/* A mapping's value of that key, or NULL (also when map is NULL). */
const struct cfgnode *cfgnode_get(const struct cfgnode *map,
		    const char *key);
/* Equal strings, or both NULL? */
int		 cfg_str_equal(const char *, const char *);
/* The same settings, wherever they are written? */
int		 cfgnode_equal(const struct cfgnode *, const struct cfgnode *);
void		 cfgnode_free(struct cfgnode *);

/*
 * cfgaddr.c: the syntax of addresses.  A port from 1 to 65535; a host
 * name or an IPv4 address (not "127.1"); a loopback host.
 */
int		 cfg_valid_port(const char *, unsigned int *);
int		 cfg_valid_host(const char *);
int		 cfg_is_loopback(const char *);

/* confkeys.c: is a config: key airlock's own (socketMode, ...)? */
int		 cfg_own_key(const char *);

/* cleartext.c: cleartextPassword (n may be NULL: never), for a check. */
struct cfgcheck;
int		 cfg_cleartext(struct cfgcheck *, const struct cfgnode *n,
		    enum cleartext_policy *);

struct credential {
	char		*name;		/* "password", "host", ... */
	char		*provider;	/* "literal", "env", "file", ... */
	char		*ref;		/* the "get" reference or literal value */
	int		 line, col;
	int		 name_line, name_col;	/* where its name is */
};

struct client_tls;

struct service {
	char		*name;
	char		*connector;	/* its row's name ("protocol" is accepted) */
	char		*listen;	/* listenOn as written */
	enum listen_kind listen_kind;
	char		*listen_host;	/* TCP: host part, brackets removed */
	char		*listen_port;	/* TCP: port */
	char		*listen_path;	/* Unix: socket path */
	struct credential *creds;
	size_t		 ncreds;
	struct kvlist	 config;	/* config: scalars, as strings */
	struct cfgnode	*settings;	/* config: as a tree, or NULL */
	/* What the connector's check made of it (connector.h), or NULL. */
	void		*conn_conf;
	int		 line, col;	/* where the service is defined */

	/* airlock's per-service settings, read from config: */
	int		 allow_nonloopback;	/* allowNonLoopback: true */
	mode_t		 socket_mode;		/* socketMode: "0660" */
	char		*socket_owner;		/* socketOwner: user name */
	char		*socket_group;		/* socketGroup: group name */
	/*
	 * Unix listeners: the peers allowed (allowedUsers, allowedGroups,
	 * resolved at load); peer_check when either was given.
	 */
	int		 peer_check;
	uid_t		*allowed_uids;
	size_t		 nallowed_uids;
	gid_t		*allowed_gids;
	size_t		 nallowed_gids;
	/*
	 * credentialCacheTTL: how long the credentials fetched for one
	 * connection serve the next ones (creds.c); 0, the default: never.
	 */
	int		 cache_ttl_ms;
	/* clientTLS: the client leg's TLS (ctlsconf.c), or NULL. */
	struct client_tls *client_tls;
};

/*
 * A service's clientTLS (airlock.yml(5), include/ctls.h).  Its three
 * credentials are resolved per connection as a service's are, so they
 * are kept as a service of their own (res: its name is the service's,
 * its credentials certificate, key and clientCA, its cache TTL the
 * service's) that creds_resolve takes as it is.
 */
enum ctls_auth {
	CTLS_AUTH_NONE_V = 0,
	CTLS_AUTH_CERT_V,
};

struct client_tls {
	struct service	 res;
	enum ctls_auth	 auth;
	char		**allowed;	/* allowedClients, or none */
	size_t		 nallowed;
	int		 line, col;	/* where clientTLS is */
};

/* ctlsconf.c (the parsers are in confkeys.h): the same clientTLS? */
int		 ctls_conf_equal(const struct client_tls *,
		    const struct client_tls *);
void		 ctls_conf_free(struct client_tls *);
/* Does the service ask for client certificates?  (Non-loopback rule.) */
int		 ctls_conf_certs(const struct service *);

/*
 * workerMemoryLimit, a worker's address space (RLIMIT_AS).  Measured on
 * Debian 12 (x86_64, glibc 2.36, OpenSSL 3.0): a worker peaks at 9.1 MB of
 * address space (VmPeak; 7.6 MB resident, 1 MB of data) both through a TLS
 * session with verify-full that relays 20 MB, and through pgbench -c 10 in
 * plaintext and over TLS.  The default leaves a margin of fourteen.
 */
#define WORKER_MEMORY_DEFAULT	(128LL << 20)
#define WORKER_MEMORY_MIN	(1LL << 20)
#define WORKER_MEMORY_MAX	(64LL << 30)

/*
 * secretMemorySize, airlockd's memfd_secret arena (monitor/smem.c): 16M
 * holds some 100,000 secrets of the usual sizes (a password, a token, a
 * derived key: 32 to 256 bytes each, in 16-byte units); the whole arena
 * counts against RLIMIT_MEMLOCK at start.
 */
#define SECRET_MEMORY_DEFAULT	(16LL << 20)
#define SECRET_MEMORY_MIN	(64LL << 10)
#define SECRET_MEMORY_MAX	(1LL << 30)

/* workerPoolMinIdle, workerPoolMaxIdle: idle workers per kind (pool.c). */
#define POOL_IDLE_MAX		1000

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
	int		 pool_min_idle;		/* workerPoolMinIdle: 4 */
	int		 pool_max_idle;		/* workerPoolMaxIdle: 32 */
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
	long long	 worker_memory_limit;	/* workerMemoryLimit: 0 none */
	int		 per_source_max;	/* perSourceMaxStartups: 0 none */
	int		 per_source_v4;		/* perSourceNetBlockSize: 32:128 */
	int		 per_source_v6;
	/*
	 * PEM roots added to the system's for the HTTP connectors' upstreams:
	 * httpCABundle (NULL: none), and SECRETLESS_HTTP_CA_BUNDLE as it was
	 * at load (NULL: unset); both checked at load (StrictModes, PEM).
	 */
	char		*http_ca_bundle;
	char		*http_ca_env;
	/*
	 * stateDirectory: what airlockd keeps across restarts (the ssh
	 * connector's generated front host key); "/var/lib/airlock".
	 */
	char		*state_dir;
	/*
	 * secretMemory (enum secret_policy, include/secret.h: auto,
	 * memfd_secret, libsodium) and secretMemorySize: where airlockd keeps
	 * its secrets, set once at start.
	 */
	int		 secret_memory;
	long long	 secret_memory_size;

	/* What the load warns of, "FILE:LINE:COLUMN: ..." each. */
	char		**warnings;
	size_t		 nwarnings;
};

/*
 * Load and check a file.  On error returns NULL and err holds
 * "FILE:LINE:COLUMN: what is wrong".
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
/* Log the load's warnings (airlockd -t prints them instead). */
void		 config_log_warnings(const struct config *);
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
/*
 * Shared listeners (connector.h, MC_SHARE): do two services listen on the
 * same socket?  And the service whose listener and workers serve svc's
 * listenOn: the first by name of those that share it (svc when alone).
 */
int		 service_same_listen(const struct service *,
		    const struct service *);
const struct service *config_listener(const struct config *,
		    const struct service *svc);
/* The same settings of the listener (allowNonLoopback, socketMode, ...)? */
int		 service_listen_equal(const struct service *,
		    const struct service *);
/* The same credentials, in the same order, from the same places? */
int		 service_creds_equal(const struct service *,
		    const struct service *);
/* Free what a service holds (not the struct). */
void		 service_clear(struct service *);
/* The credential named name of a service, or NULL. */
const struct credential *service_credential(const struct service *,
		    const char *name);

#endif
