/*
 * airlock's own settings as keyword tables, in the manner of OpenSSH's
 * servconf.c: the "airlock:" section, and a service's per-service keys
 * under config:.  One row per key gives its name, its parser, where it is
 * stored and its default; the "known" lists of error messages come from
 * the tables.
 */
#ifndef AIRLOCK_CONFKEYS_H
#define AIRLOCK_CONFKEYS_H

#include <yaml.h>

struct config;
struct pair;
struct service;
struct yw;

/* Every default of the airlock section: 0, or ERR_NOMEM. */
int		 ck_airlock_defaults(struct yw *, struct config *);
/* The "airlock:" section (NULL: absent). */
int		 ck_airlock(struct yw *, yaml_node_t *, struct config *);

/* The i-th key of the airlock: section, NULL past the last. */
const char	*ck_airlock_key(size_t i);

/* A service's per-service defaults (socketMode). */
int		 ck_service_defaults(struct yw *, struct service *);
/*
 * A key of a service's config: section: airlock's own (parsed into svc,
 * *ours set; *unix_only set to the key's node when it applies to Unix
 * listeners only), or the connector's (*ours cleared, nothing done).
 */
int		 ck_service_key(struct yw *, const struct pair *,
		    struct service *, int *ours, yaml_node_t **unix_only);

/* One credential: a plain scalar is a literal, else {from, get}. */
struct credential;
int		 cfg_parse_credential(struct yw *, const struct pair *,
		    const struct service *, struct credential *);
/*
 * ctlsconf.c: clientTLS of a service's config: (a row of the service's
 * keys), and its check once the whole service is read: its connector
 * (may it serve TLS to clients?) and its listener's address.
 */
int		 ctls_conf_parse(struct yw *, yaml_node_t *, struct service *);
int		 ctls_conf_check(struct yw *, struct service *,
		    int connector_has_tls);

#endif
