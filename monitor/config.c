/*
 * The configuration loader: a Secretless Broker v2 file, accepted as it is,
 * plus airlock's optional top-level section "airlock:".
 *
 * libyaml builds the node tree (yaml_parser_load) and this file walks it
 * (yamlwalk.c) against a fixed schema: the document, its services, their
 * listenOn and credentials.  airlock's own settings come from the keyword
 * tables of confkeys.c; a service's connector (connector.h) checks its
 * credentials and config: section.  Every error names FILE:LINE:COLUMN.
 * The file holds secrets (literal credentials), so no message here prints
 * a credential value, and the file's bytes are wiped wherever they were
 * copied: our buffer, libyaml's buffers, its nodes.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "confv1.h"
#include "confkeys.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "provider.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"
#include "yamlwalk.h"

#define CONFIG_MAX_SIZE		(4 * 1024 * 1024)
#define CONFIG_VALUE_MAX	(MSG_MAX_STRING / 2)	/* fits an ASSIGN */

/*
 * Secretless Broker's providers, then airlock's own; provider_exists()
 * says which this airlock has.
 */
static const char *const provider_names[] = {
	"literal", "env", "file", "vault", "conjur", "aws", "kubernetes",
	"keychain", "credential", "systemd", "gcp", "azure", "keyring",
};

/*
 * A service's own keys.  Secretless Broker's decoder ignores any other
 * (its quick-start has "debug: true"): so does airlock, with a warning.
 */
enum { SK_CONNECTOR, SK_PROTOCOL, SK_LISTEN, SK_CREDENTIALS, SK_CONFIG };
static const char *const service_keys[] = {
	"connector", "protocol", "listenOn", "credentials", "config",
};

/*
 * protocol: http, Secretless Broker's older spelling, takes the connector
 * from config.authenticationStrategy.
 */
static const char *const http_strategies[] = {
	"aws", "basic_auth", "conjur",
};

struct ctx {
	struct yw	 yw;
	struct config	*cf;
};

/* What a connector's check reports through (connector.h). */
struct cfgcheck {
	struct yw	*yw;
	const struct config *cf;	/* its airlock: section is read */
};

const struct config *
cfg_config(const struct cfgcheck *cc)
{
	return cc->cf;
}

int
cfg_error(struct cfgcheck *cc, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = yw_verror_at(cc->yw, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int
cfg_warn(struct cfgcheck *cc, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = yw_vwarn(cc->yw, line, col, fmt, ap);
	va_end(ap);
	return r;
}

static int
check_provider(struct yw *c, const yaml_node_t *n, const char *s)
{
	char	 known[256], why[512];
	size_t	 i;

	if (provider_exists(s)) {
		/* A provider that cannot work fails the check (vault). */
		if (provider_setup(s, why, sizeof(why)) != 0)
			return yw_error(c, n, "%s", why);
		return 0;
	}
	for (i = 0; i < nitems(provider_names); i++)
		if (strcmp(provider_names[i], s) == 0)
			return yw_error(c, n, "provider %s is not supported "
			    "yet", provider_names[i]);
	known[0] = '\0';
	for (i = 0; i < nitems(provider_names); i++)
		if (provider_exists(provider_names[i]))
			yw_list_add(known, sizeof(known), provider_names[i]);
	return yw_error(c, n, "unknown provider " NAMEFMT " (known: %s)", s,
	    known);
}

/* listenOn: tcp://HOST:PORT, tcp://[V6]:PORT or unix:///PATH. */
static int
parse_listen(struct yw *c, const yaml_node_t *n, struct service *svc)
{
	struct sockaddr_un sun;
	struct in6_addr	 a6;
	const char	*s, *rest, *colon;
	char		*host = NULL, portbuf[8];
	unsigned int	 port;
	int		 v6 = 0, r;

	if ((r = yw_string(c, n, "listenOn", &s)) != 0)
		return r;
	if ((r = yw_strdup(c, n, s, &svc->listen)) != 0)
		return r;

	if (strncmp(s, "unix://", 7) == 0) {
		rest = s + 7;
		if (rest[0] != '/')
			return yw_error(c, n, "listenOn " NAMEFMT ": the "
			    "socket path must be absolute (unix:///path)", s);
		if (strlen(rest) >= sizeof(sun.sun_path))
			return yw_error(c, n, "listenOn: the socket path is "
			    "longer than %zu bytes", sizeof(sun.sun_path) - 1);
		svc->listen_kind = LISTEN_UNIX;
		return yw_strdup(c, n, rest, &svc->listen_path);
	}
	if (strncmp(s, "tcp://", 6) != 0)
		return yw_error(c, n, "listenOn " NAMEFMT ": expected "
		    "tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:///PATH", s);

	rest = s + 6;
	if (rest[0] == '[') {
		if ((colon = strchr(rest, ']')) == NULL || colon[1] != ':')
			return yw_error(c, n, "listenOn " NAMEFMT ": expected "
			    "tcp://[IPV6]:PORT", s);
		host = strndup(rest + 1, colon - rest - 1);
		colon++;
		v6 = 1;
	} else {
		if ((colon = strrchr(rest, ':')) == NULL)
			return yw_error(c, n, "listenOn " NAMEFMT ": no port "
			    "(tcp://HOST:PORT)", s);
		host = strndup(rest, colon - rest);
	}
	if (host == NULL)
		return yw_error(c, n, "out of memory");
	svc->listen_kind = LISTEN_TCP;
	svc->listen_host = host;
	if (host[0] == '\0')
		return yw_error(c, n, "listenOn " NAMEFMT ": no host; write "
		    "tcp://127.0.0.1:PORT, or tcp://0.0.0.0:PORT to listen "
		    "on every address", s);
	if (v6 && inet_pton(AF_INET6, host, &a6) != 1)
		return yw_error(c, n, "listenOn " NAMEFMT ": not an IPv6 "
		    "address between the brackets", s);
	if (!v6 && strchr(host, ':') != NULL)
		return yw_error(c, n, "listenOn " NAMEFMT ": write an IPv6 "
		    "address in brackets, tcp://[::1]:PORT", s);
	if (!v6 && !cfg_valid_host(host))
		return yw_error(c, n, "listenOn " NAMEFMT ": not a valid host "
		    "name or IPv4 address", s);
	if (!cfg_valid_port(colon + 1, &port))
		return yw_error(c, n, "listenOn " NAMEFMT ": the port must be "
		    "a number from 1 to 65535", s);
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	if ((r = yw_strdup(c, n, portbuf, &svc->listen_port)) != 0)
		return r;

	/* Beyond this host, clients show a certificate, or the file says. */
	if (cfg_is_loopback(host) || ctls_conf_certs(svc))
		return 0;
	if (!svc->allow_nonloopback)
		return yw_error(c, n, "listenOn %s%s%s:%s is not a loopback "
		    "address; clients there would get the service's "
		    "credentials without authenticating; ask them for "
		    "certificates (config.clientTLS with clientAuth: cert), or "
		    "set config.allowNonLoopback: true if that is intended",
		    v6 ? "[" : "", host, v6 ? "]" : "", svc->listen_port);
	return yw_warn(c, yw_line(n), yw_col(n), "service " NAMEFMT ": "
	    "listenOn %s%s%s:%s is not a loopback address, and its clients "
	    "show no certificate (config.clientTLS with clientAuth: cert): "
	    "whoever reaches it uses the service's credentials", svc->name,
	    v6 ? "[" : "", host, v6 ? "]" : "", svc->listen_port);
}

int
service_same_listen(const struct service *a, const struct service *b)
{
	if (a->listen_kind != b->listen_kind)
		return 0;
	if (a->listen_kind == LISTEN_UNIX)
		return strcmp(a->listen_path, b->listen_path) == 0;
	return strcasecmp(a->listen_host, b->listen_host) == 0 &&
	    strcmp(a->listen_port, b->listen_port) == 0;
}

/* The same allowedUsers and allowedGroups? */
static int
peers_equal(const struct service *a, const struct service *b)
{
	return a->peer_check == b->peer_check &&
	    a->nallowed_uids == b->nallowed_uids &&
	    a->nallowed_gids == b->nallowed_gids &&
	    (a->nallowed_uids == 0 || memcmp(a->allowed_uids, b->allowed_uids,
	    a->nallowed_uids * sizeof(*a->allowed_uids)) == 0) &&
	    (a->nallowed_gids == 0 || memcmp(a->allowed_gids, b->allowed_gids,
	    a->nallowed_gids * sizeof(*a->allowed_gids)) == 0);
}

int
service_listen_equal(const struct service *a, const struct service *b)
{
	return a->allow_nonloopback == b->allow_nonloopback &&
	    a->socket_mode == b->socket_mode &&
	    cfg_str_equal(a->socket_owner, b->socket_owner) &&
	    cfg_str_equal(a->socket_group, b->socket_group) &&
	    peers_equal(a, b) && ctls_conf_equal(a->client_tls, b->client_tls);
}

const struct service *
config_listener(const struct config *cf, const struct service *svc)
{
	const struct service	*s, *first = svc;
	size_t			 i;

	for (i = 0; i < cf->nservices; i++) {
		s = &cf->services[i];
		if (s->listen != NULL && service_same_listen(s, svc) &&
		    strcmp(s->name, first->name) < 0)
			first = s;
	}
	return first;
}

/* Does the connector of the service let it share its listener? */
static int
shares(const struct service *svc)
{
	const struct mon_connector *mc = mon_connector_find(svc->connector);

	return mc != NULL && (mc->flags & MC_SHARE);
}

/*
 * The same socket as a service before it: one listener for both when
 * their connectors share (the http family, as in Secretless Broker), with
 * the same settings of the socket, which are the listener's; else an
 * error.
 */
static int
check_listen_unique(struct ctx *c, const yaml_node_t *n, size_t idx)
{
	const struct service *a, *b = &c->cf->services[idx];
	const struct mon_connector *mc;
	char		 sharing[128];
	size_t		 i, j;

	for (i = 0; i < idx; i++) {
		a = &c->cf->services[i];
		if (!service_same_listen(a, b))
			continue;
		if (shares(a) && shares(b)) {
			if (!service_listen_equal(a, b))
				return yw_error(&c->yw, n, "service " NAMEFMT
				    " shares listenOn " NAMEFMT " with service "
				    NAMEFMT " (line %d), and must have the "
				    "same settings of the listener "
				    "(allowNonLoopback, socketMode, "
				    "socketOwner, socketGroup, allowedUsers, "
				    "allowedGroups, clientTLS)", b->name, b->listen,
				    a->name, a->line);
			continue;
		}
		sharing[0] = '\0';
		for (j = 0; (mc = mon_connector_at(j)) != NULL; j++)
			if (mc->flags & MC_SHARE)
				yw_list_add(sharing, sizeof(sharing), mc->name);
		return yw_error(&c->yw, n, "listenOn " NAMEFMT " is "
		    "already used by service " NAMEFMT " (line %d); only "
		    "services of the connectors %s may share one", b->listen,
		    a->name, a->line, sharing);
	}
	return 0;
}

/*
 * config: the connector's settings, as a tree for its check and, the
 * scalars, as strings for the worker; and airlock's own per-service
 * settings (confkeys.c), which the worker never gets.
 */
static int
parse_service_config(struct yw *c, yaml_node_t *node, struct service *svc,
    yaml_node_t **unix_only)
{
	struct pairs	 ps;
	struct pair	*p;
	const char	*s;
	char		 what[96];
	int		 r, ours;
	size_t		 i;

	if ((r = yw_tree(c, node, "config", &svc->settings)) != 0)
		return r;
	if ((r = yw_map(c, node, "config", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n && r == 0; i++) {
		p = &ps.v[i];
		snprintf(what, sizeof(what), "config." NAMEFMT, p->name);
		if ((r = yw_name(c, p->key, "a config key")) != 0 ||
		    (r = ck_service_key(c, p, svc, &ours,
		    unix_only)) != 0 || ours)
			continue;
		/* Nested settings reach the connector's check in the tree. */
		if (p->val->type != YAML_SCALAR_NODE)
			continue;
		if ((r = yw_scalar(c, p->val, what, &s)) != 0)
			break;
		if (yw_is_null(p->val))
			s = "";
		if (strlen(s) > CONFIG_VALUE_MAX) {
			r = yw_error(c, p->val, "%s is longer than %d "
			    "bytes", what, CONFIG_VALUE_MAX);
			break;
		}
		if ((r = kv_set_str(&svc->config, p->name, s)) != 0) {
			if (r == ERR_TOOBIG)
				r = yw_error(c, p->key, "config has more "
				    "than %d settings", MSG_MAX_KV);
			else
				r = yw_error(c, p->key, "out of memory");
		}
	}
 out:
	yw_pairs_free(&ps);
	return r;
}

int
cfg_parse_credential(struct yw *c, const struct pair *cp,
    const struct service *svc, struct credential *cr)
{
	struct pairs	 ps;
	yaml_node_t	*from = NULL, *get = NULL;
	const char	*s;
	char		 what[160], why[256];
	size_t		 i;
	int		 r;

	memset(&ps, 0, sizeof(ps));
	cr->line = cp->val->start_mark.line + 1;
	cr->col = cp->val->start_mark.column + 1;
	cr->name_line = cp->key->start_mark.line + 1;
	cr->name_col = cp->key->start_mark.column + 1;
	if ((r = yw_name(c, cp->key, "a credential name")) != 0 ||
	    (r = yw_strdup(c, cp->key, cp->name, &cr->name)) != 0)
		return r;
	snprintf(what, sizeof(what), "credential " NAMEFMT " of service "
	    NAMEFMT, cr->name, svc->name);

	if (cp->val->type == YAML_SCALAR_NODE) {
		/* Nothing of a literal value may reach a message. */
		if (yw_is_null(cp->val))
			return yw_error(c, cp->val, "%s has no value (write "
			    "\"\" for an empty literal)", what);
		if ((r = yw_scalar(c, cp->val, what, &s)) != 0 ||
		    (r = yw_strdup(c, cp->val, "literal", &cr->provider)) != 0)
			return r;
		return yw_strdup(c, cp->val, s, &cr->ref);
	}
	if (cp->val->type != YAML_MAPPING_NODE)
		return yw_error(c, cp->val, "%s must be a value or a mapping "
		    "with from and get", what);

	if ((r = yw_map(c, cp->val, what, &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		if (yw_key_is(&ps.v[i], "from"))
			from = ps.v[i].val;
		else if (yw_key_is(&ps.v[i], "get"))
			get = ps.v[i].val;
		else {
			r = yw_error(c, ps.v[i].key, "%s: unknown key " NAMEFMT
			    " (known: from, get)", what, ps.v[i].name);
			goto out;
		}
	}
	if (from == NULL || get == NULL) {
		r = yw_error(c, cp->val, "%s needs both from and get", what);
		goto out;
	}
	if ((r = yw_string(c, from, "from", &s)) != 0 ||
	    (r = check_provider(c, from, s)) != 0 ||
	    (r = yw_strdup(c, from, s, &cr->provider)) != 0)
		goto out;
	/* get is a secret when from is literal: say nothing of it. */
	if (get->type != YAML_SCALAR_NODE || yw_is_null(get)) {
		r = yw_error(c, get, "%s: get needs a scalar value", what);
		goto out;
	}
	if ((r = yw_scalar(c, get, what, &s)) != 0 ||
	    (r = yw_strdup(c, get, s, &cr->ref)) != 0)
		goto out;
	if (provider_prepare(cr->provider, cr->ref, why, sizeof(why)) != 0) {
		r = yw_error(c, get, "%s: %s", what, why);
		goto out;
	}
	cr->line = get->start_mark.line + 1;
	cr->col = get->start_mark.column + 1;
 out:
	yw_pairs_free(&ps);
	return r;
}

static int
parse_credentials(struct yw *c, yaml_node_t *node, struct service *svc)
{
	struct pairs	 ps;
	size_t		 i;
	int		 r;

	if ((r = yw_map(c, node, "credentials", &ps)) != 0)
		goto out;
	if (ps.n > MSG_MAX_KV) {
		r = yw_error(c, node, "more than %d credentials", MSG_MAX_KV);
		goto out;
	}
	if (ps.n > 0 && (svc->creds = calloc(ps.n,
	    sizeof(*svc->creds))) == NULL) {
		r = yw_error(c, node, "out of memory");
		goto out;
	}
	for (i = 0; i < ps.n && r == 0; i++) {
		/* Counted first, so that config_free frees a partial one. */
		svc->ncreds++;
		r = cfg_parse_credential(c, &ps.v[i], svc, &svc->creds[i]);
	}
 out:
	yw_pairs_free(&ps);
	return r;
}

/* Empty, as Secretless Broker's decoder reads it: absent. */
static int
is_empty(const yaml_node_t *n)
{
	return n == NULL || yw_is_null(n) || (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == 0);
}

/*
 * The connector a service names: known, or "not supported yet" for one of
 * Secretless Broker's that airlock does not have, or unknown.
 */
static int
find_connector(struct ctx *c, int line, int col, const char *s,
    const struct mon_connector **out)
{
	const struct mon_connector *mc;
	char		 known[256];
	size_t		 i;

	if ((mc = mon_connector_find(s)) != NULL &&
	    !(mc->flags & MC_HEALTH)) {
		*out = mc;
		return 0;
	}
	if (mon_connector_planned(s))
		return yw_error_at(&c->yw, line, col, "connector " NAMEFMT
		    " is not supported yet", s);
	known[0] = '\0';
	for (i = 0; (mc = mon_connector_at(i)) != NULL; i++)
		if (!(mc->flags & MC_HEALTH))
			yw_list_add(known, sizeof(known), mc->name);
	return yw_error_at(&c->yw, line, col, "unknown connector " NAMEFMT
	    " (known: %s)", s, known);
}

/* protocol: http takes its connector from config.authenticationStrategy. */
static int
http_strategy(struct ctx *c, const yaml_node_t *proto,
    const struct service *svc, const struct cfgnode **out)
{
	const struct cfgnode *n;
	char		 known[128];
	size_t		 i;

	known[0] = '\0';
	for (i = 0; i < nitems(http_strategies); i++)
		yw_list_add(known, sizeof(known), http_strategies[i]);
	n = cfgnode_get(svc->settings, "authenticationStrategy");
	if (n == NULL || n->kind != CFG_SCALAR)
		return yw_error(&c->yw, n == NULL ? proto : NULL, "service "
		    NAMEFMT ": protocol http needs "
		    "config.authenticationStrategy, one of %s", svc->name,
		    known);
	for (i = 0; i < nitems(http_strategies); i++)
		if (strcmp(n->value, http_strategies[i]) == 0) {
			*out = n;
			return 0;
		}
	return yw_error_at(&c->yw, n->line, n->col, "service " NAMEFMT ": "
	    "config.authenticationStrategy must be one of %s", svc->name,
	    known);
}

/*
 * connector:, or protocol: (its older spelling) when connector is absent
 * or empty, as Secretless Broker reads them.
 */
static int
parse_connector(struct ctx *c, yaml_node_t *const *nodes, yaml_node_t *key,
    struct service *svc, const struct mon_connector **mc)
{
	yaml_node_t		*conn = nodes[SK_CONNECTOR];
	yaml_node_t		*proto = nodes[SK_PROTOCOL];
	const struct cfgnode	*strategy = NULL;
	const char		*s;
	int			 line, col, r;

	if (is_empty(conn))
		conn = NULL;
	if (is_empty(proto))
		proto = NULL;
	if (conn != NULL && proto != NULL &&
	    (r = yw_warn(&c->yw, yw_line(proto), yw_col(proto), "service "
	    NAMEFMT " has both connector and protocol (the old spelling of "
	    "connector); protocol is ignored", svc->name)) != 0)
		return r;
	if (conn == NULL)
		conn = proto;
	else
		proto = NULL;
	if (conn == NULL)
		return yw_error(&c->yw, key, "service " NAMEFMT " needs a "
		    "connector", svc->name);
	if ((r = yw_string(&c->yw, conn, "connector", &s)) != 0)
		return r;
	line = yw_line(conn);
	col = yw_col(conn);
	if (proto != NULL && strcmp(s, "http") == 0) {
		if ((r = http_strategy(c, proto, svc, &strategy)) != 0)
			return r;
		s = strategy->value;
		line = strategy->line;
		col = strategy->col;
	}
	if ((r = find_connector(c, line, col, s, mc)) != 0)
		return r;
	return yw_strdup(&c->yw, conn, s, &svc->connector);
}

/* Is name one of a list of the row's ("a|b" entries count as two)? */
static int
in_names(const char *const *list, const char *name)
{
	const char	*p, *bar;
	size_t		 i, len;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		for (p = list[i]; p != NULL; p = bar != NULL ? bar + 1 : NULL) {
			bar = strchr(p, '|');
			len = bar != NULL ? (size_t)(bar - p) : strlen(p);
			if (strlen(name) == len && strncmp(p, name, len) == 0)
				return 1;
		}
	return 0;
}

/*
 * A credential that is neither required nor optional for a connector that
 * lists its optional ones is a mistake: said, and ignored, as Secretless
 * Broker ignores it (a connector without the list checks names itself).
 */
static int
check_known(struct ctx *c, const struct mon_connector *mc,
    const struct service *svc)
{
	const struct credential	*cr;
	size_t			 i;
	int			 r;

	for (i = 0; mc->optional != NULL && i < svc->ncreds; i++) {
		cr = &svc->creds[i];
		if (in_names(mc->required, cr->name) ||
		    in_names(mc->optional, cr->name))
			continue;
		if ((r = yw_warn(&c->yw, cr->name_line, cr->name_col, "service "
		    NAMEFMT ": credential \"" NAMEFMT "\" is not a %s "
		    "setting; ignored", svc->name, cr->name, mc->name)) != 0)
			return r;
	}
	return 0;
}

/* The connector's required credentials ("a|b": one of them). */
static int
check_required(struct ctx *c, const struct mon_connector *mc,
    const struct service *svc)
{
	const char	*req, *bar;
	char		 name[64];
	size_t		 i, len;
	int		 found;

	for (i = 0; mc->required != NULL && mc->required[i] != NULL; i++) {
		found = 0;
		for (req = mc->required[i]; !found; req = bar + 1) {
			bar = strchr(req, '|');
			len = bar != NULL ? (size_t)(bar - req) : strlen(req);
			snprintf(name, sizeof(name), "%.*s", (int)len, req);
			found = service_credential(svc, name) != NULL;
			if (bar == NULL)
				break;
		}
		if (found)
			continue;
		len = strcspn(mc->required[i], "|");
		return yw_error_at(&c->yw, svc->line, svc->col, "service "
		    NAMEFMT " (%s) needs credential %.*s", svc->name,
		    mc->name, (int)len, mc->required[i]);
	}
	return 0;
}

/* A service's own keys, each node or NULL; any other is a warning. */
static int
service_nodes(struct ctx *c, const struct pairs *ps, const char *name,
    yaml_node_t **nodes)
{
	char	 known[128];
	size_t	 i, k;
	int	 r;

	for (i = 0; i < ps->n; i++) {
		for (k = 0; k < nitems(service_keys); k++)
			if (yw_key_is(&ps->v[i], service_keys[k]))
				break;
		if (k < nitems(service_keys)) {
			nodes[k] = ps->v[i].val;
			continue;
		}
		known[0] = '\0';
		for (k = 0; k < nitems(service_keys); k++)
			yw_list_add(known, sizeof(known), service_keys[k]);
		if ((r = yw_warn(&c->yw, yw_line(ps->v[i].key),
		    yw_col(ps->v[i].key), "service " NAMEFMT ": unknown key "
		    NAMEFMT " is ignored, as Secretless Broker ignores it "
		    "(known: %s)", name, ps->v[i].name, known)) != 0)
			return r;
	}
	return 0;
}

static int
parse_service(struct ctx *c, const struct pair *sp, size_t idx)
{
	struct service	*svc = &c->cf->services[idx];
	const struct mon_connector *mc = NULL;
	struct cfgcheck	 cc = { &c->yw, c->cf };
	struct pairs	 ps;
	yaml_node_t	*nodes[nitems(service_keys)] = { NULL };
	yaml_node_t	*listen, *unix_only = NULL;
	int		 r;

	kv_init(&svc->config);
	svc->line = yw_line(sp->key);
	svc->col = yw_col(sp->key);
	if ((r = ck_service_defaults(&c->yw, svc)) != 0 ||
	    (r = yw_name(&c->yw, sp->key, "a service name")) != 0 ||
	    (r = yw_strdup(&c->yw, sp->key, sp->name, &svc->name)) != 0)
		return r;
	if (yw_is_null(sp->val))
		return yw_error(&c->yw, sp->key, "service " NAMEFMT " has no "
		    "settings", svc->name);
	if (sp->val->type != YAML_MAPPING_NODE)
		return yw_error(&c->yw, sp->val, "service " NAMEFMT " must be "
		    "a mapping", svc->name);
	if ((r = yw_map(&c->yw, sp->val, "a service", &ps)) != 0)
		goto out;
	if ((r = service_nodes(c, &ps, svc->name, nodes)) != 0 ||
	    (r = parse_service_config(&c->yw, nodes[SK_CONFIG], svc,
	    &unix_only)) != 0 ||
	    (r = parse_connector(c, nodes, sp->key, svc, &mc)) != 0)
		goto out;

	if ((listen = nodes[SK_LISTEN]) == NULL) {
		r = yw_error(&c->yw, sp->key, "service " NAMEFMT " needs "
		    "listenOn", svc->name);
		goto out;
	}
	if ((r = parse_listen(&c->yw, listen, svc)) != 0 ||
	    (r = check_listen_unique(c, listen, idx)) != 0)
		goto out;
	if (unix_only != NULL && svc->listen_kind != LISTEN_UNIX) {
		r = yw_error(&c->yw, unix_only, "config." NAMEFMT " applies to "
		    "unix listeners only", yw_sval(unix_only));
		goto out;
	}

	if ((r = parse_credentials(&c->yw, nodes[SK_CREDENTIALS], svc)) != 0 ||
	    (r = check_required(c, mc, svc)) != 0 ||
	    (r = check_known(c, mc, svc)) != 0)
		goto out;
	if ((r = ctls_conf_check(&c->yw, svc,
	    (mc->flags & MC_CLIENT_TLS) != 0)) != 0)
		goto out;
	if (mc->check != NULL)
		r = mc->check(&cc, svc);
 out:
	yw_pairs_free(&ps);
	return r;
}

static int
parse_services(struct ctx *c, yaml_node_t *node)
{
	struct pairs	 ps;
	size_t		 i;
	int		 r;

	if ((r = yw_map(&c->yw, node, "services", &ps)) != 0)
		goto out;
	if (ps.n == 0) {
		r = yw_error(&c->yw, node, "at least one service is required");
		goto out;
	}
	if ((c->cf->services = calloc(ps.n,
	    sizeof(*c->cf->services))) == NULL) {
		r = yw_error(&c->yw, node, "out of memory");
		goto out;
	}
	for (i = 0; i < ps.n && r == 0; i++) {
		c->cf->nservices++;
		r = parse_service(c, &ps.v[i], i);
	}
 out:
	yw_pairs_free(&ps);
	return r;
}

static int
check_version(struct yw *c, yaml_node_t *root, yaml_node_t *n)
{
	const char	*s;
	int		 r;

	/* Version 1 files (no version, or 1) were converted (confv1.c). */
	if (n == NULL)
		return yw_error(c, root, "no version");
	if ((r = yw_string(c, n, "version", &s)) != 0)
		return r;
	if (strcmp(s, "2") == 0)
		return 0;
	return yw_error(c, n, "unsupported version %.16s: airlock reads "
	    "Secretless Broker version 2 files", s);
}

/*
 * A file with services but without version (Secretless's oauth1 example
 * misspells it "genericversion: 2").  Secretless Broker reads such a
 * file as version 1, finds no listeners or handlers in it, and serves
 * nothing; airlock serves its services, as version 2, and says so, at the
 * key that is not version when there is one.
 */
static int
warn_unversioned(struct ctx *c, yaml_node_t *root, const struct pair *key)
{
	static const char why[] = "without version, Secretless Broker reads "
	    "this file as version 1 and serves nothing from it; airlock reads "
	    "its services as version 2 (write version: 2)";

	if (key == NULL)
		return yw_warn(&c->yw, yw_line(root), yw_col(root), "no "
		    "version: %s", why);
	return yw_warn(&c->yw, yw_line(key->key), yw_col(key->key), "unknown "
	    "top-level key " NAMEFMT " is ignored: %s", key->name, why);
}

/* The document's keys. */
enum { RK_VERSION, RK_SERVICES, RK_AIRLOCK };
static const char *const root_keys[] = { "version", "services", "airlock" };

static int
parse_root(struct ctx *c, yaml_node_t *root)
{
	struct pairs	 ps;
	yaml_node_t	*nodes[nitems(root_keys)] = { NULL };
	char		 known[64];
	size_t		 i, k, unknown = SIZE_MAX;
	int		 r;

	if (root == NULL || yw_is_null(root))
		return yw_error(&c->yw, root, "the configuration is empty");
	if (root->type != YAML_MAPPING_NODE)
		return yw_error(&c->yw, root, "the configuration must be a "
		    "mapping");
	if ((r = yw_map(&c->yw, root, "the configuration", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		for (k = 0; k < nitems(root_keys); k++)
			if (yw_key_is(&ps.v[i], root_keys[k]))
				break;
		if (k < nitems(root_keys))
			nodes[k] = ps.v[i].val;
		else if (unknown == SIZE_MAX)
			unknown = i;
	}
	if (nodes[RK_VERSION] == NULL) {
		/* confv1.c left it: services, and no version. */
		if ((r = warn_unversioned(c, root, unknown != SIZE_MAX ?
		    &ps.v[unknown] : NULL)) != 0)
			goto out;
		unknown = SIZE_MAX;
	}
	/* A v1 file has unknown keys too; its version says more. */
	else if ((r = check_version(&c->yw, root, nodes[RK_VERSION])) != 0)
		goto out;
	if (unknown != SIZE_MAX) {
		known[0] = '\0';
		for (k = 0; k < nitems(root_keys); k++)
			yw_list_add(known, sizeof(known), root_keys[k]);
		r = yw_error(&c->yw, ps.v[unknown].key, "unknown top-level key "
		    NAMEFMT " (known: %s)", ps.v[unknown].name, known);
		goto out;
	}
	if ((r = ck_airlock(&c->yw, nodes[RK_AIRLOCK], c->cf)) != 0)
		goto out;
	if (nodes[RK_SERVICES] == NULL) {
		r = yw_error(&c->yw, root, "no services: at least one service "
		    "is required");
		goto out;
	}
	r = parse_services(c, nodes[RK_SERVICES]);
 out:
	yw_pairs_free(&ps);
	return r;
}

/* The file's bytes in memory that is wiped afterwards: it holds secrets. */
static int
read_file(const char *path, unsigned char **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct stat	 st;
	unsigned char	*p;
	char		 why[512];
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, saved;

	/*
	 * StrictModes: the file names the program that airlockd executes,
	 * so only root (or airlockd's own user) may be able to change it.
	 * A FIFO or a device is refused before it is opened.
	 */
	if ((fd = safefile_open(path, 0, NULL, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return fd;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		return ERR_SYS;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_SIZE) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ?
		    "not a regular file" : "larger than 4 MiB");
		return ERR_INVAL;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return ERR_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, p + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			secret_wipe(p, got);
			free(p);
			snprintf(err, errlen, "%s: %s", path, strerror(saved));
			return ERR_SYS;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*out = p;
	*outlen = got;
	return 0;
}

/* Zero libyaml's copies of the file before they are freed. */
static void
yaml_wipe(yaml_parser_t *parser, yaml_document_t *doc)
{
	yaml_node_t	*node;

	if (doc != NULL)
		for (node = doc->nodes.start; node < doc->nodes.top; node++)
			if (node->type == YAML_SCALAR_NODE)
				secret_wipe(node->data.scalar.value,
				    node->data.scalar.length);
	if (parser->raw_buffer.start != NULL)
		secret_wipe(parser->raw_buffer.start,
		    parser->raw_buffer.end - parser->raw_buffer.start);
	if (parser->buffer.start != NULL)
		secret_wipe(parser->buffer.start,
		    parser->buffer.end - parser->buffer.start);
}

void
service_clear(struct service *svc)
{
	const struct mon_connector *mc;
	size_t	 i;

	for (i = 0; i < svc->ncreds; i++) {
		free(svc->creds[i].name);
		free(svc->creds[i].provider);
		if (svc->creds[i].ref != NULL) {
			secret_wipe(svc->creds[i].ref,
			    strlen(svc->creds[i].ref));
			free(svc->creds[i].ref);
		}
	}
	free(svc->creds);
	kv_clear(&svc->config);
	cfgnode_free(svc->settings);
	if (svc->conn_conf != NULL && svc->connector != NULL &&
	    (mc = mon_connector_find(svc->connector)) != NULL &&
	    mc->conf_free != NULL)
		mc->conf_free(svc->conn_conf);
	free(svc->name);
	free(svc->connector);
	free(svc->listen);
	free(svc->listen_host);
	free(svc->listen_port);
	free(svc->listen_path);
	free(svc->socket_owner);
	free(svc->socket_group);
	free(svc->allowed_uids);
	free(svc->allowed_gids);
	ctls_conf_free(svc->client_tls);
}

void
config_free(struct config *cf)
{
	size_t	 i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nservices; i++)
		service_clear(&cf->services[i]);
	free(cf->services);
	free(cf->path);
	free(cf->user);
	free(cf->chroot_dir);
	free(cf->worker_path);
	free(cf->health);
	free(cf->health_host);
	free(cf->health_port);
	free(cf->http_ca_bundle);
	free(cf->http_ca_env);
	free(cf->state_dir);
	for (i = 0; i < cf->nwarnings; i++)
		free(cf->warnings[i]);
	free(cf->warnings);
	free(cf);
}

void
config_log_warnings(const struct config *cf)
{
	size_t	 i;

	for (i = 0; i < cf->nwarnings; i++)
		log_warn("%s", cf->warnings[i]);
}

struct config *
config_ref(struct config *cf)
{
	if (cf->refs <= 0 || cf->refs == INT_MAX)
		fatal("configuration reference count %d", cf->refs);
	cf->refs++;
	return cf;
}

void
config_unref(struct config *cf)
{
	if (cf == NULL)
		return;
	if (cf->refs <= 0)
		fatal("configuration reference count %d", cf->refs);
	if (--cf->refs == 0)
		config_free(cf);
}

const struct credential *
service_credential(const struct service *svc, const char *name)
{
	size_t	 i;

	for (i = 0; i < svc->ncreds; i++)
		if (strcmp(svc->creds[i].name, name) == 0)
			return &svc->creds[i];
	return NULL;
}

int
service_creds_equal(const struct service *a, const struct service *b)
{
	size_t	 i;

	if (a->ncreds != b->ncreds)
		return 0;
	for (i = 0; i < a->ncreds; i++)
		if (strcmp(a->creds[i].name, b->creds[i].name) != 0 ||
		    strcmp(a->creds[i].provider, b->creds[i].provider) != 0 ||
		    strcmp(a->creds[i].ref, b->creds[i].ref) != 0)
			return 0;
	return 1;
}

const struct service *
config_service(const struct config *cf, const char *name)
{
	size_t	 i;

	for (i = 0; i < cf->nservices; i++)
		if (strcmp(cf->services[i].name, name) == 0)
			return &cf->services[i];
	return NULL;
}

static struct config *
config_new(struct ctx *c, const char *path)
{
	struct config	*cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	cf->refs = 1;
	if ((cf->path = strdup(path)) == NULL ||
	    ck_airlock_defaults(&c->yw, cf) != 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct ctx	 c;
	yaml_parser_t	 parser;
	yaml_document_t	 doc, doc2;
	yaml_node_t	*extra;
	unsigned char	*text;
	size_t		 len;
	int		 r;

	if (errlen > 0)
		err[0] = '\0';
	if (read_file(path, &text, &len, err, errlen) != 0)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.yw.path = path;
	c.yw.doc = &doc;
	c.yw.err = err;
	c.yw.errlen = errlen;
	if ((c.cf = config_new(&c, path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		secret_wipe(text, len);
		free(text);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		config_free(c.cf);
		secret_wipe(text, len);
		free(text);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, text, len);

	if (!yaml_parser_load(&parser, &doc)) {
		r = yw_parser_error(&c.yw, &parser);
		yaml_wipe(&parser, NULL);
	} else {
		/* Secretless Broker version 1: its version 2 (confv1.c). */
		r = confv1_is_v1(&doc) ? confv1_convert(&doc, c.cf, path, err,
		    errlen) : 0;
		/* Its warnings come first among the load's. */
		c.yw.warnings = c.cf->warnings;
		c.yw.nwarnings = c.cf->nwarnings;
		c.cf->warnings = NULL;
		c.cf->nwarnings = 0;
		if (r == 0)
			r = parse_root(&c, yaml_document_get_root_node(&doc));
		/* A second document would be silently ignored: refuse it. */
		if (r == 0) {
			if (!yaml_parser_load(&parser, &doc2))
				r = yw_parser_error(&c.yw, &parser);
			else {
				extra = yaml_document_get_root_node(&doc2);
				if (extra != NULL) {
					c.yw.doc = &doc2;
					r = yw_error(&c.yw, extra, "more than "
					    "one YAML document");
				}
				yaml_wipe(&parser, &doc2);
				yaml_document_delete(&doc2);
			}
		}
		yaml_wipe(&parser, &doc);
		yaml_document_delete(&doc);
	}
	yaml_wipe(&parser, NULL);
	yaml_parser_delete(&parser);
	secret_wipe(text, len);
	free(text);

	if (r != 0) {
		yw_free_warnings(&c.yw);
		config_free(c.cf);
		return NULL;
	}
	c.cf->warnings = c.yw.warnings;
	c.cf->nwarnings = c.yw.nwarnings;
	return c.cf;
}
