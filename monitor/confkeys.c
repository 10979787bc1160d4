/*
 * airlock's own settings, as keyword tables (confkeys.h): each row says
 * how its value is read, where it goes, and its default, which is read by
 * the same parser as the file's value.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <yaml.h>

#include "config.h"
#include "confkeys.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "secret.h"
#include "util.h"
#include "yamlwalk.h"
#include "../providers/castore.h"

struct kw;

/*
 * A value's parser: s is the value (NULL for KW_NODE rows, which read the
 * node), n where it is written (NULL for a default), what its name in
 * messages, base the struct config or service that the row's offset is in.
 */
typedef int kw_set(struct yw *, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *, void *base);

struct kwname {
	const char	*name;
	int		 value;
};

struct kw {
	const char	*name;
	kw_set		*set;
	size_t		 off;
	long long	 min, max;
	const struct kwname *names;	/* set_enum's words, NULL-ended */
	const char	*def;		/* the default, as written in a file */
	int		 flags;
};
#define KW_NODE		0x1	/* the parser reads the node itself */
#define KW_UNIX		0x2	/* Unix listeners only */
#define KW_SOME		0x4	/* a size that cannot be "none" */

static void *
field(const struct kw *k, void *base)
{
	return (char *)base + k->off;
}

static int
set_str(struct yw *c, const yaml_node_t *n, const char *s, char **out)
{
	free(*out);
	*out = NULL;
	return yw_strdup(c, n, s, out);
}

/* user: a name that goes into logs. */
static int
set_name(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	int	 r;

	if (n != NULL && (r = yw_name(c, n, what)) != 0)
		return r;
	return set_str(c, n, s, field(k, base));
}

static int
set_path(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	if (s[0] != '/')
		return yw_error(c, n, "%s must be an absolute path", what);
	return set_str(c, n, s, field(k, base));
}

/*
 * PEM roots (httpCABundle, SECRETLESS_HTTP_CA_BUNDLE): read now through
 * StrictModes, as the Vault provider's CA.  A CA that someone other than
 * root could change would vouch for any upstream, and so receive the
 * credentials sent there.
 */
static int
ca_bundle_check(const char *path, char *err, size_t errlen)
{
	X509_STORE	*store;
	int		 r;

	if ((store = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	r = castore_load(store, path, NULL, err, errlen);
	X509_STORE_free(store);
	return r;
}

/*
 * httpCABundle: an absolute path of PEM certificates, readable now, or
 * "none".
 */
static int
set_ca_bundle(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	char	**field_p = field(k, base), why[1024];
	int	 r;

	if (strcmp(s, "none") == 0) {
		free(*field_p);
		*field_p = NULL;
		return 0;
	}
	if ((r = set_path(c, n, s, what, k, base)) != 0)
		return r;
	if (ca_bundle_check(s, why, sizeof(why)) != 0)
		return yw_error(c, n, "%s: %s", what, why);
	return 0;
}

/*
 * SECRETLESS_HTTP_CA_BUNDLE, Secretless Broker's way to add roots for the
 * HTTP connectors' upstreams: honoured as httpCABundle is, and checked at
 * each load as it is.
 */
static int
ca_bundle_env(struct yw *c, struct config *cf)
{
	const char	*s = getenv("SECRETLESS_HTTP_CA_BUNDLE");
	char		 why[1024];

	free(cf->http_ca_env);
	cf->http_ca_env = NULL;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (ca_bundle_check(s, why, sizeof(why)) != 0)
		return yw_error(c, NULL, "SECRETLESS_HTTP_CA_BUNDLE: %s", why);
	return yw_strdup(c, NULL, s, &cf->http_ca_env);
}

static int
set_duration(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	return yw_duration(c, n, s, what, k->min, k->max, field(k, base));
}

static int
set_number(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	const char	*end;
	long long	 v;

	if (yw_uint(s, &end, &v) != 0 || *end != '\0' || v < k->min ||
	    v > k->max)
		return yw_error(c, n, "%s must be a number from %lld to %lld",
		    what, k->min, k->max);
	*(int *)field(k, base) = (int)v;
	return 0;
}

static int
set_size(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	return yw_size(c, n, s, what, k->min, k->max, !(k->flags & KW_SOME),
	    field(k, base));
}

static int
set_bool(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	(void)s;
	if (n == NULL) {
		*(int *)field(k, base) = strcmp(k->def, "true") == 0;
		return 0;
	}
	return yw_bool(c, n, what, field(k, base));
}

/* One word of k->names: "must be one of a, b, c" or "must be a or b". */
static int
set_enum(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	char	 known[256];
	size_t	 i;

	known[0] = '\0';
	for (i = 0; k->names[i].name != NULL; i++) {
		if (strcmp(k->names[i].name, s) == 0) {
			*(int *)field(k, base) = k->names[i].value;
			return 0;
		}
		yw_list_add(known, sizeof(known), k->names[i].name);
	}
	if (i == 2)
		return yw_error(c, n, "%s must be %s or %s", what,
		    k->names[0].name, k->names[1].name);
	return yw_error(c, n, "%s must be one of %s", what, known);
}

static int
set_facility(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	if (log_facility(s, field(k, base)) != 0)
		return yw_error(c, n, "%s must be one of daemon, user, auth, "
		    "authpriv, local0 to local7", what);
	return 0;
}

/*
 * maxStartups, as OpenSSH's: "start:rate:full" (unauthenticated
 * connections of a service beyond start are dropped with a probability
 * that grows from rate percent to 100 at full), or one number N for
 * "drop every one beyond N".
 */
static int
set_startups(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	struct config	*cf = base;
	long long	 start, rate = 100, full;
	const char	*end;

	(void)k;
	if (yw_uint(s, &end, &start) != 0 || start < 1 || start > 100000)
		goto bad;
	full = start;
	if (*end == ':') {
		if (yw_uint(end + 1, &end, &rate) != 0 || rate < 1 ||
		    rate > 100 || *end != ':' ||
		    yw_uint(end + 1, &end, &full) != 0 || full <= start ||
		    full > 100000)
			goto bad;
	}
	if (*end != '\0')
		goto bad;
	cf->startups_begin = (int)start;
	cf->startups_rate = (int)rate;
	cf->startups_full = (int)full;
	return 0;
 bad:
	return yw_error(c, n, "%s must be a number N or start:rate:full with "
	    "1 <= start < full <= 100000 and rate a percentage from 1 to 100",
	    what);
}

/* perSourceMaxStartups, as OpenSSH's: a number, or "none". */
static int
set_per_source_max(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	const char	*end;
	long long	 v;

	if (strcmp(s, "none") == 0) {
		*(int *)field(k, base) = 0;
		return 0;
	}
	if (yw_uint(s, &end, &v) != 0 || *end != '\0' || v < 1 ||
	    v > 100000)
		return yw_error(c, n, "%s must be a number from 1 to 100000, "
		    "or none", what);
	*(int *)field(k, base) = (int)v;
	return 0;
}

/*
 * perSourceNetBlockSize, as OpenSSH's: the bits of a source address that
 * make one source, "V4" or "V4:V6".
 */
static int
set_netblock(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	struct config	*cf = base;
	const char	*end;
	long long	 v4, v6 = 128;

	(void)k;
	if (yw_uint(s, &end, &v4) != 0 || v4 > 32)
		goto bad;
	if (*end == ':' && (yw_uint(end + 1, &end, &v6) != 0 || v6 > 128))
		goto bad;
	if (*end != '\0')
		goto bad;
	cf->per_source_v4 = (int)v4;
	cf->per_source_v6 = (int)v6;
	return 0;
 bad:
	return yw_error(c, n, "%s must be V4 or V4:V6, prefix lengths from 0 "
	    "to 32 and from 0 to 128", what);
}

/*
 * health: HOST:PORT or [IPV6]:PORT, or "off".  Any address may be given:
 * Kubernetes probes come from outside the pod.
 */
static int
set_health(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	struct config	*cf = base;
	struct in6_addr	 a6;
	const char	*colon;
	char		*host, portbuf[8];
	unsigned int	 port;
	int		 v6 = 0;

	(void)k;
	free(cf->health);
	free(cf->health_host);
	free(cf->health_port);
	cf->health = cf->health_host = cf->health_port = NULL;
	if (strcmp(s, "off") == 0)
		return 0;
	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			goto bad;
		host = strndup(s + 1, colon - s - 1);
		colon++;
		v6 = 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		host = strndup(s, colon - s);
	}
	if (host == NULL)
		return yw_error(c, n, "out of memory");
	if (!(v6 ? inet_pton(AF_INET6, host, &a6) == 1 :
	    strchr(host, ':') == NULL && cfg_valid_host(host)) ||
	    !cfg_valid_port(colon + 1, &port)) {
		free(host);
		goto bad;
	}
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	cf->health_host = host;
	if ((cf->health_port = strdup(portbuf)) == NULL ||
	    (cf->health = strdup(s)) == NULL)
		return yw_error(c, n, "out of memory");
	return 0;
 bad:
	return yw_error(c, n, "%s " NAMEFMT ": expected HOST:PORT, "
	    "[IPV6]:PORT or off", what, s);
}

static const struct kwname log_levels[] = {
	{ "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN },
	{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG }, { NULL, 0 },
};
static const struct kwname log_formats[] = {
	{ "text", LOG_FMT_TEXT }, { "json", LOG_FMT_JSON }, { NULL, 0 },
};
static const struct kwname log_targets[] = {
	{ "stderr", LOG_TGT_STDERR }, { "syslog", LOG_TGT_SYSLOG },
	{ NULL, 0 },
};

/* secretMemory: memfd_secret means that airlockd needs it to start. */
static const struct kwname secret_memories[] = {
	{ "auto", SECRET_POLICY_AUTO },
	{ "memfd_secret", SECRET_POLICY_REQUIRE },
	{ "libsodium", SECRET_POLICY_SODIUM }, { NULL, 0 },
};

#define CF(f)	offsetof(struct config, f)

/* The "airlock:" section, in the order that its messages list it. */
static const struct kw airlock_keys[] = {
	{ "user", set_name, CF(user), 0, 0, NULL, "_airlock", 0 },
	{ "chroot", set_path, CF(chroot_dir), 0, 0, NULL,
	    "/var/empty/airlock", 0 },
	/* No default: next to airlockd, or the installed one. */
	{ "worker", set_path, CF(worker_path), 0, 0, NULL, NULL, 0 },
	{ "handshakeTimeout", set_duration, CF(handshake_timeout_ms), 1,
	    MS_HOUR, NULL, "30s", 0 },
	{ "dialTimeout", set_duration, CF(dial_timeout_ms), 1, MS_HOUR, NULL,
	    "10s", 0 },
	{ "providerTimeout", set_duration, CF(provider_timeout_ms), 1,
	    MS_HOUR, NULL, "10s", 0 },
	{ "idleTimeout", set_duration, CF(idle_timeout_ms), 0, 24 * MS_HOUR,
	    NULL, "0", 0 },
	{ "drainTimeout", set_duration, CF(drain_timeout_ms), 1, MS_HOUR,
	    NULL, "30s", 0 },
	{ "maxWorkers", set_number, CF(max_workers), 1, 100000, NULL, "1000",
	    0 },
	{ "workerPoolMinIdle", set_number, CF(pool_min_idle), 0, POOL_IDLE_MAX,
	    NULL, "4", 0 },
	{ "workerPoolMaxIdle", set_number, CF(pool_max_idle), 0, POOL_IDLE_MAX,
	    NULL, "32", 0 },
	{ "maxStartups", set_startups, 0, 0, 0, NULL, "100:30:200", 0 },
	{ "sandboxDebug", set_bool, CF(sandbox_debug), 0, 0, NULL, "false",
	    0 },
	{ "logLevel", set_enum, CF(log_level), 0, 0, log_levels, "info", 0 },
	{ "logFormat", set_enum, CF(log_format), 0, 0, log_formats, "text",
	    0 },
	{ "logTarget", set_enum, CF(log_target), 0, 0, log_targets, "stderr",
	    0 },
	{ "syslogFacility", set_facility, CF(syslog_facility), 0, 0, NULL,
	    "daemon", 0 },
	{ "health", set_health, 0, 0, 0, NULL, "127.0.0.1:5335", 0 },
	{ "watch", set_bool, CF(watch), 0, 0, NULL, "false", 0 },
	{ "workerMemoryLimit", set_size, CF(worker_memory_limit),
	    WORKER_MEMORY_MIN, WORKER_MEMORY_MAX, NULL, "128M", 0 },
	{ "perSourceMaxStartups", set_per_source_max, CF(per_source_max), 0,
	    0, NULL, "none", 0 },
	{ "perSourceNetBlockSize", set_netblock, 0, 0, 0, NULL, "32:128", 0 },
	{ "httpCABundle", set_ca_bundle, CF(http_ca_bundle), 0, 0, NULL,
	    "none", 0 },
	/* Checked and made where it is used (sshhostkey.c). */
	{ "stateDirectory", set_path, CF(state_dir), 0, 0, NULL,
	    "/var/lib/airlock", 0 },
	/* Used once, at start (monitor/smem.c). */
	{ "secretMemory", set_enum, CF(secret_memory), 0, 0, secret_memories,
	    "auto", 0 },
	{ "secretMemorySize", set_size, CF(secret_memory_size),
	    SECRET_MEMORY_MIN, SECRET_MEMORY_MAX, NULL, "16M", KW_SOME },
};

/* socketMode: octal, as chmod takes it; no set-id or sticky bits. */
static int
set_mode(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	mode_t	 m = 0;
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7' || i == 4)
			break;
		m = m * 8 + (s[i] - '0');
	}
	if (s[i] != '\0' || i < 3 || m > 0777)
		return yw_error(c, n, "%s must be an octal mode such as "
		    "\"0660\"", what);
	*(mode_t *)field(k, base) = m;
	return 0;
}

/* socketOwner, socketGroup: a name that exists now. */
static int
set_owner(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	int	 group = k->min;

	if (group ? getgrnam(s) == NULL : getpwnam(s) == NULL)
		return yw_error(c, n, "%s: no %s " NAMEFMT, what,
		    group ? "group" : "user", s);
	return set_str(c, n, s, field(k, base));
}

/* A user or a group: a name that exists now, or else a number (as chown). */
static int
peer_id(struct yw *c, const yaml_node_t *n, const char *what, int group,
    unsigned long *out)
{
	const char	*s, *end;
	struct passwd	*pw;
	struct group	*gr;
	long long	 v;
	int		 r;

	if (n == NULL)
		return yw_error(c, n, "%s: broken sequence", what);
	if ((r = yw_string(c, n, what, &s)) != 0)
		return r;
	if (group && (gr = getgrnam(s)) != NULL)
		*out = gr->gr_gid;
	else if (!group && (pw = getpwnam(s)) != NULL)
		*out = pw->pw_uid;
	else if (yw_uint(s, &end, &v) == 0 && *end == '\0')
		*out = (unsigned long)v;
	else
		return yw_error(c, n, "%s: no %s " NAMEFMT, what,
		    group ? "group" : "user", s);
	return 0;
}

/*
 * allowedUsers, allowedGroups: a list of names or numbers (or just one),
 * resolved now, so that a name that does not exist is an error at load.
 */
static int
set_peers(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    const struct kw *k, void *base)
{
	struct service	*svc = base;
	yaml_node_item_t *it = NULL;
	int		 group = k->min;
	uid_t		*uids = NULL;
	gid_t		*gids = NULL;
	unsigned long	 id = 0;
	size_t		 cnt = 1, i;
	int		 r;

	(void)s;
	if (n->type == YAML_SEQUENCE_NODE) {
		it = n->data.sequence.items.start;
		cnt = n->data.sequence.items.top - it;
	}
	if (cnt == 0)
		return yw_error(c, n, "%s needs at least one %s", what,
		    group ? "group" : "user");
	if (cnt > YW_MAP_MAX)
		return yw_error(c, n, "%s has more than %d entries", what,
		    YW_MAP_MAX);
	if (group)
		gids = calloc(cnt, sizeof(*gids));
	else
		uids = calloc(cnt, sizeof(*uids));
	if (gids == NULL && uids == NULL)
		return yw_error(c, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		if ((r = peer_id(c, it != NULL ? yw_node(c, it[i]) : n, what,
		    group, &id)) != 0) {
			free(uids);
			free(gids);
			return r;
		}
		if (group)
			gids[i] = (gid_t)id;
		else
			uids[i] = (uid_t)id;
	}
	svc->peer_check = 1;
	if (group) {
		free(svc->allowed_gids);
		svc->allowed_gids = gids;
		svc->nallowed_gids = cnt;
	} else {
		free(svc->allowed_uids);
		svc->allowed_uids = uids;
		svc->nallowed_uids = cnt;
	}
	return 0;
}

/* clientTLS: a mapping of its own (ctlsconf.c). */
static int
set_client_tls(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, const struct kw *k, void *base)
{
	(void)s;
	(void)what;
	(void)k;
	return ctls_conf_parse(c, (yaml_node_t *)n, base);
}

#define SV(f)	offsetof(struct service, f)

/*
 * A service's own keys under config:, never sent to the worker.  (min is
 * 1 for a group where the parser takes users or groups.)
 */
static const struct kw service_keys[] = {
	{ "allowNonLoopback", set_bool, SV(allow_nonloopback), 0, 0, NULL,
	    "false", 0 },
	{ "socketMode", set_mode, SV(socket_mode), 0, 0, NULL, "0660",
	    KW_UNIX },
	{ "socketOwner", set_owner, SV(socket_owner), 0, 0, NULL, NULL,
	    KW_UNIX },
	{ "socketGroup", set_owner, SV(socket_group), 1, 0, NULL, NULL,
	    KW_UNIX },
	{ "allowedUsers", set_peers, 0, 0, 0, NULL, NULL, KW_NODE | KW_UNIX },
	{ "allowedGroups", set_peers, 0, 1, 0, NULL, NULL,
	    KW_NODE | KW_UNIX },
	{ "credentialCacheTTL", set_duration, SV(cache_ttl_ms), 0, MS_HOUR,
	    NULL, "0", 0 },
	{ "clientTLS", set_client_tls, 0, 0, 0, NULL, NULL, KW_NODE },
};

const char *
ck_airlock_key(size_t i)
{
	return i < nitems(airlock_keys) ? airlock_keys[i].name : NULL;
}

static const struct kw *
kw_find(const struct kw *t, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* The row's value from the file, as what (e.g. "airlock.user"). */
static int
kw_parse(struct yw *c, const struct kw *k, const yaml_node_t *n,
    const char *prefix, void *base)
{
	const char	*s = NULL;
	char		 what[96];
	int		 r;

	snprintf(what, sizeof(what), "%s.%s", prefix, k->name);
	if (!(k->flags & KW_NODE) && (r = yw_string(c, n, what, &s)) != 0)
		return r;
	return k->set(c, n, s, what, k, base);
}

/* The defaults: a table's own text, which cannot fail but for memory. */
static int
kw_defaults(struct yw *c, const struct kw *t, size_t n, const char *prefix,
    void *base)
{
	char	 what[96];
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		if (t[i].def == NULL)
			continue;
		snprintf(what, sizeof(what), "%s.%s", prefix, t[i].name);
		if ((r = t[i].set(c, NULL, t[i].def, what, &t[i], base)) != 0)
			return r;
	}
	return 0;
}

int
ck_airlock_defaults(struct yw *c, struct config *cf)
{
	return kw_defaults(c, airlock_keys, nitems(airlock_keys), "airlock",
	    cf);
}

int
ck_service_defaults(struct yw *c, struct service *svc)
{
	return kw_defaults(c, service_keys, nitems(service_keys), "config",
	    svc);
}

int
ck_airlock(struct yw *c, yaml_node_t *node, struct config *cf)
{
	const struct kw	*k;
	struct pairs	 ps;
	char		 known[768];
	size_t		 i;
	int		 r;

	if ((r = yw_map(c, node, "the airlock section", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n && r == 0; i++) {
		k = kw_find(airlock_keys, nitems(airlock_keys), ps.v[i].name);
		if (k != NULL) {
			r = kw_parse(c, k, ps.v[i].val, "airlock", cf);
			continue;
		}
		known[0] = '\0';
		for (k = airlock_keys; k < airlock_keys + nitems(airlock_keys);
		    k++)
			yw_list_add(known, sizeof(known), k->name);
		r = yw_error(c, ps.v[i].key, "unknown key " NAMEFMT " in the "
		    "airlock section (known: %s)", ps.v[i].name, known);
	}
	if (r == 0 && cf->pool_max_idle < cf->pool_min_idle)
		r = yw_error(c, node, "airlock.workerPoolMaxIdle (%d) is below "
		    "workerPoolMinIdle (%d)", cf->pool_max_idle,
		    cf->pool_min_idle);
	if (r == 0)
		r = ca_bundle_env(c, cf);
 out:
	yw_pairs_free(&ps);
	return r;
}

int
ck_service_key(struct yw *c, const struct pair *p, struct service *svc,
    int *ours, yaml_node_t **unix_only)
{
	const struct kw	*k;

	*ours = 0;
	if ((k = kw_find(service_keys, nitems(service_keys), p->name)) == NULL)
		return 0;
	*ours = 1;
	if (k->flags & KW_UNIX)
		*unix_only = p->key;
	return kw_parse(c, k, p->val, "config", svc);
}

int
cfg_own_key(const char *name)
{
	return kw_find(service_keys, nitems(service_keys), name) != NULL;
}
