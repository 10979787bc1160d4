/*
 * The monitor's half of a connector: one row of mon_connectors[]
 * (connectors.c), in the manner of relayd's procs[].  Everything that the
 * monitor knows of a protocol is reached through its row; no shared file
 * names a connector.
 *
 * A row gives the credential names a service of the connector may have,
 * the check of its configuration at load, where to dial, what the worker
 * is told, the requests a worker of it may make beyond the common ones
 * (with the states they are permitted in and how often), and how its
 * per-connection state is forgotten.
 */
#ifndef AIRLOCK_CONNECTOR_H
#define AIRLOCK_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct kvlist;
struct service;
struct target;
struct worker;
struct worker_kind;
struct backpool_conf;

/* A state's bit in mon_request.states: S(W_HANDSHAKE) | ... */
#define S(st)		(1U << (st))

/*
 * One request type a worker may send, checked by dispatch.c before its
 * payload is parsed.  A request that is not permitted in the worker's
 * state, or past its limit, or before its "after", ends the worker.
 */
struct mon_request {
	uint32_t	 type;
	const char	*name;		/* in log lines */
	uint32_t	 states;	/* where it is permitted */
	uint32_t	 limit;		/* per connection; 0: no limit */
	int		 flags;
	uint32_t	 after;		/* a type that must have come first */
	int		 (*handler)(struct worker *, struct buf *);
};
/*
 * REQ_AUTH: a step of the backend's authentication (the first of them
 * ends the time for REQ_BEFORE_AUTH requests: a TLS client key signs in
 * the TLS handshake, which comes before).
 */
#define REQ_AUTH	0x1
#define REQ_BEFORE_AUTH	0x2
/* REQ_FD: it carries a descriptor (every other request with one is killed). */
#define REQ_FD		0x4

struct cfgcheck;

struct mon_connector {
	const char	*name;		/* connector: in the configuration */
	int		 flags;
	/*
	 * Credential names, NULL-terminated.  required: each entry must be
	 * there ("host|address": one of them).  optional: the others it
	 * reads; any other name is warned of at load (NULL: the check says
	 * what other names are).  worker_secrets: the only values that may
	 * ever reach a worker (MSG_CREDENTIAL), each at most once per
	 * connection, and only when release() says yes.
	 */
	const char *const *required;
	const char *const *optional;
	const char *const *worker_secrets;
	/*
	 * The authentication methods the monitor answers for, weakest
	 * first; index 0 is "none".  A connection uses one (worker_method),
	 * and evidence.c keeps the strongest proven for a service.
	 */
	const char *const *methods;

	/*
	 * The service's credentials and config: section, checked at load:
	 * 0, or an error reported with cfg_error (file:line:column).  May
	 * set svc->conn_conf, which conf_free frees.
	 */
	int		 (*check)(struct cfgcheck *, struct service *);
	void		 (*conf_free)(void *);

	/* Where to dial, from the resolved credentials (err: why not). */
	int		 (*dial_target)(const struct worker *, struct target *,
			    char *err, size_t);
	/* The worker's parameters (MSG_DIALED): never a secret. */
	int		 (*dial_params)(const struct worker *,
			    struct kvlist *);
	/*
	 * May the worker have this worker_secret now?  0: yes; otherwise
	 * the worker has been answered (MSG_FAILED) or killed.  NULL: yes.
	 */
	int		 (*release)(struct worker *, const char *name);
	/* Does an AUTHDONE ok fit the service's policy?  Else why not. */
	int		 (*authdone)(struct worker *, char *why, size_t);
	/* Drop the per-connection state (w->cstate), wiping its secrets. */
	void		 (*forget)(struct worker *);
	/*
	 * Forget what the connector keeps that was derived from a service's
	 * credentials (SCRAM's SaltedPassword): they were refused, or left
	 * the credential cache.  NULL: every service's (a reload).
	 */
	void		 (*forget_service)(const char *service);

	/*
	 * The kind of worker a connection needs (wkind.c): its executable
	 * and whether it sets TLS up.  NULL: airlock-worker, with TLS.
	 */
	void		 (*worker_kind)(const struct service *,
			    struct worker_kind *);

	/*
	 * Backend reuse (backpool.c): the service's pool settings, or NULL
	 * when it keeps no backend (NULL: the connector never does).
	 */
	const struct backpool_conf *(*backpool)(const struct service *);

	const struct mon_request *requests;
	size_t		 nrequests;
	/*
	 * The worker's first deadline, from its start (0: handshakeTimeout),
	 * and what happens when a deadline passes (NULL: a worker still in
	 * its handshake is ended; one past it lives on).
	 */
	int		 deadline_ms;
	void		 (*deadline)(struct worker *);
	/*
	 * Once the monitor's loop is there, and at exit: what the connector
	 * keeps for all its connections (threads, say).  start may fail; the
	 * connector then says so and tries again when it needs it.
	 */
	void		 (*start)(void);
	void		 (*stop)(void);
};
/*
 * MC_BACKEND: it dials a backend (the common requests DIAL, CREDENTIAL,
 * TLS_SIGN, AUTHDONE and STATS are permitted to it).
 * MC_SESSION: after AUTHDONE its worker is in W_SESSION, where only the
 * connector's own (capped) requests are permitted, not W_RELAY.
 * MC_HEALTH: not a service's connector but the health listener's.
 * MC_SHARE: services of connectors with this flag may share one listenOn
 * (the HTTP family, as in Secretless Broker): the listener is bound once,
 * and its worker serves them all (httpconf.h, http_group).
 */
#define MC_BACKEND	0x1
#define MC_SESSION	0x2
#define MC_HEALTH	0x4
#define MC_SHARE	0x8
/* MC_CLIENT_TLS: it serves TLS to its clients (a service's clientTLS). */
#define MC_CLIENT_TLS	0x10

/* connectors.c */
void		 mon_connectors_start(void);
void		 mon_connectors_stop(void);
/* Each connector's forget_service (service NULL: every service). */
void		 mon_connectors_forget(const char *service);
const struct mon_connector *mon_connector_find(const char *name);
/* The i-th row (NULL past the end), for lists of known connectors. */
const struct mon_connector *mon_connector_at(size_t i);
/* A connector that Secretless Broker has and airlock has not (yet)? */
int		 mon_connector_planned(const char *name);
/* Is name one of the connector's worker_secrets?  Its index, or -1. */
int		 mon_connector_secret(const struct mon_connector *,
		    const char *name);
/*
 * Is the table (or one row) well made: request types of the connector's
 * own range, none twice, each "after" one of them?  airlockd checks at
 * start; -1 and why otherwise.
 */
int		 mon_connectors_valid(char *err, size_t);
int		 mon_connector_valid(const struct mon_connector *, char *err,
		    size_t);
/* The method's name, "none" for 0 or one out of range. */
const char	*mon_connector_method(const struct mon_connector *,
		    int method);

/*
 * config.c's side, for a connector's check: an error or a warning at a
 * place of the file ("FILE:LINE:COLUMN: ..."); cfg_error returns the
 * non-zero value that check returns.
 */
int		 cfg_error(struct cfgcheck *, int line, int col,
		    const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
int		 cfg_warn(struct cfgcheck *, int line, int col,
		    const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* cfgsetting.c: what the checks of config: sections share. */
int		 cfg_in_list(const char *const *list, size_t n, const char *s);
/* A boolean setting as YAML writes one; absent is false. */
int		 cfg_setting_bool(struct cfgcheck *, const struct service *,
		    const char *key, int *out);
/*
 * Warn of each config: key of the service that is in none of the lists
 * and not airlock's own (socketMode, ...): "ignored" then why ("" or
 * ", as ..."), and the keys known.
 */
struct cfg_keys {
	const char *const *keys;
	size_t		 n;
};
int		 cfg_unknown_settings(struct cfgcheck *, const struct service *,
		    const char *connector, const struct cfg_keys *,
		    size_t nlists, const char *why);
/* The configuration being loaded: its airlock: section is already read. */
struct config;
const struct config *cfg_config(const struct cfgcheck *);

#endif
