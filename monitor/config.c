/*
 * The configuration loader: a Secretless Broker v2 file, accepted as it is,
 * plus airlock's optional top-level section "airlock:".
 *
 * libyaml builds the node tree (yaml_parser_load) and this file walks it
 * against a fixed schema: every key is known or an error, every error names
 * FILE:LINE:COLUMN.  The file holds secrets (literal credentials), so no
 * message here prints a credential value, and the file's bytes are wiped
 * wherever they were copied: our buffer, libyaml's buffers, its nodes.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "confv1.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "pgopt.h"
#include "provider.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

#define CONFIG_MAX_SIZE		(4 * 1024 * 1024)
#define MERGE_MAX_DEPTH		8
#define MERGE_MAX		1024	/* merged mappings in one file */
#define MAP_MAX			4096	/* keys in one mapping */
#define NAME_MAX_LEN		128
#define CONFIG_VALUE_MAX	(MSG_MAX_STRING / 2)	/* fits an ASSIGN */

/* Names and values that are not secrets, cut short in messages. */
#define NAMEFMT			"%.64s"

#define MS_SECOND		1000LL
#define MS_MINUTE		(60 * MS_SECOND)
#define MS_HOUR			(60 * MS_MINUTE)

/* Secretless Broker's connectors; implemented says whether airlock has it. */
static const struct {
	const char	*name;
	int		 implemented;
} connectors[] = {
	{ "pg",			1 },
	{ "mysql",		1 },
	{ "mssql",		0 },
	{ "basic_auth",		0 },
	{ "conjur",		0 },
	{ "aws",		0 },
	{ "generic_http",	0 },
	{ "ssh",		0 },
	{ "ssh-agent",		0 },
};

/* Secretless Broker's providers; provider_exists() says which airlock has. */
static const char *const provider_names[] = {
	"literal", "env", "file", "vault", "conjur", "aws", "kubernetes",
	"keychain", "credential", "systemd",
};


struct ctx {
	const char	*path;
	yaml_document_t	*doc;
	struct config	*cf;
	char		*err;
	size_t		 errlen;
	int		 merges;	/* aliases can make these explode */
};

/* The pairs of a mapping, merge keys ("<<") resolved. */
struct pair {
	yaml_node_t	*key;
	yaml_node_t	*val;
	const char	*name;		/* the key's scalar */
	size_t		 len;
};

struct pairs {
	struct pair	*v;
	size_t		 n;
	size_t		 cap;
};

/* The first error wins; every caller returns at once after this. */
static int
cerr(struct ctx *c, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
cerr_at(struct ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int
cerr_at(struct ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
{
	char	 msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(c->err, c->errlen, "%s:%zu:%zu: %s", c->path, line, col, msg);
	return ERR_FORMAT;
}

static int
cerr(struct ctx *c, const yaml_node_t *node, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = cerr_at(c, node != NULL ? node->start_mark.line + 1 : 1,
	    node != NULL ? node->start_mark.column + 1 : 1, fmt, ap);
	va_end(ap);
	return r;
}

/* At a position, once the node is out of reach. */
static int
cerr_at_line(struct ctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
cerr_at_line(struct ctx *c, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = cerr_at(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

/* At a credential's position, once its node is out of reach. */
#define cerr_cred(c, cr, ...)	cerr_at_line((c), (cr)->line, (cr)->col, \
	__VA_ARGS__)

/*
 * A warning: the file loads, but the user should hear of this (airlockd -t
 * prints it, a start or a reload logs it).  Non-zero only when out of
 * memory.
 */
static int
cwarn(struct ctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
cwarn(struct ctx *c, int line, int col, const char *fmt, ...)
{
	struct config	*cf = c->cf;
	char		 msg[512], *w, **nv;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&w, "%s:%d:%d: %s", c->path, line, col, msg) == -1)
		return cerr_at_line(c, line, col, "out of memory");
	if ((nv = reallocarray(cf->warnings, cf->nwarnings + 1,
	    sizeof(*nv))) == NULL) {
		free(w);
		return cerr_at_line(c, line, col, "out of memory");
	}
	cf->warnings = nv;
	cf->warnings[cf->nwarnings++] = w;
	return 0;
}

/* "a, b, c" */
static void
list_add(char *buf, size_t size, const char *name)
{
	size_t	 len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len > 0 ? ", " : "", name);
}

static yaml_node_t *
node_get(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static const char *
sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* An untagged plain scalar that YAML reads as null: "", "~", "null". */
static int
is_null(const yaml_node_t *n)
{
	const char	*s;

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = sval(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A scalar without NUL bytes; what names it in the message. */
static int
get_scalar(struct ctx *c, const yaml_node_t *n, const char *what,
    const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return cerr(c, n, "%s must be a scalar", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
		return cerr(c, n, "%s contains a NUL byte", what);
	*out = sval(n);
	return 0;
}

/* A scalar that must be there and not be empty. */
static int
get_string(struct ctx *c, const yaml_node_t *n, const char *what,
    const char **out)
{
	int	 r;

	if (is_null(n))
		return cerr(c, n, "%s needs a value", what);
	if ((r = get_scalar(c, n, what, out)) != 0)
		return r;
	if (**out == '\0')
		return cerr(c, n, "%s must not be empty", what);
	return 0;
}

/* A name that goes into logs and messages: no control characters. */
static int
check_name(struct ctx *c, const yaml_node_t *n, const char *what)
{
	const unsigned char *s = n->data.scalar.value;
	size_t		 i;

	if (n->data.scalar.length == 0)
		return cerr(c, n, "%s must not be empty", what);
	if (n->data.scalar.length > NAME_MAX_LEN)
		return cerr(c, n, "%s is longer than %d bytes", what,
		    NAME_MAX_LEN);
	for (i = 0; i < n->data.scalar.length; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return cerr(c, n, "%s contains a control character",
			    what);
	return 0;
}

static struct pair *
pairs_find(const struct pairs *ps, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i].len == len &&
		    memcmp(ps->v[i].name, name, len) == 0)
			return &ps->v[i];
	return NULL;
}

static int
pairs_add(struct pairs *ps, const struct pair *p)
{
	struct pair	*nv;
	size_t		 ncap;

	if (ps->n == ps->cap) {
		ncap = ps->cap ? ps->cap * 2 : 8;
		if ((nv = reallocarray(ps->v, ncap, sizeof(*nv))) == NULL)
			return ERR_NOMEM;
		ps->v = nv;
		ps->cap = ncap;
	}
	ps->v[ps->n++] = *p;
	return 0;
}

static void
pairs_free(struct pairs *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static int
is_merge_key(const yaml_node_t *k)
{
	return k->type == YAML_SCALAR_NODE &&
	    k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(sval(k), "<<") == 0;
}

static int map_collect(struct ctx *, yaml_node_t *, struct pairs *, int);

/* Add the pairs of a merged mapping whose keys are not there yet. */
static int
merge_one(struct ctx *c, yaml_node_t *src, struct pairs *out, int depth)
{
	struct pairs	 sub = { NULL, 0, 0 };
	size_t		 i;
	int		 r;

	if (src == NULL || src->type != YAML_MAPPING_NODE)
		return cerr(c, src, "a merge key (<<) takes a mapping or a "
		    "list of mappings");
	if (++c->merges > MERGE_MAX)
		return cerr(c, src, "more than %d merges (<<)", MERGE_MAX);
	if ((r = map_collect(c, src, &sub, depth + 1)) != 0)
		goto out;
	for (i = 0; i < sub.n; i++) {
		if (pairs_find(out, sub.v[i].name, sub.v[i].len) != NULL)
			continue;
		if (out->n == MAP_MAX) {
			r = cerr(c, src, "more than %d keys in one mapping",
			    MAP_MAX);
			goto out;
		}
		if ((r = pairs_add(out, &sub.v[i])) != 0) {
			r = cerr(c, src, "out of memory");
			goto out;
		}
	}
 out:
	pairs_free(&sub);
	return r;
}

/*
 * The pairs of a mapping.  A key given twice is an error.  Merge keys are
 * resolved as YAML 1.1 (and the Go YAML library that Secretless uses) do:
 * the mapping's own keys win, then earlier merged mappings over later ones.
 */
static int
map_collect(struct ctx *c, yaml_node_t *map, struct pairs *out, int depth)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	yaml_node_t	*k, *v;
	struct pair	 np;
	int		 r;

	if (depth > MERGE_MAX_DEPTH)
		return cerr(c, map, "merge keys (<<) nested too deeply");
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = node_get(c, p->key);
		v = node_get(c, p->value);
		if (k == NULL || v == NULL)
			return cerr(c, map, "broken mapping");
		if (is_merge_key(k))
			continue;
		if (k->type != YAML_SCALAR_NODE)
			return cerr(c, k, "a mapping key must be a scalar");
		if (memchr(k->data.scalar.value, '\0',
		    k->data.scalar.length) != NULL)
			return cerr(c, k, "a key contains a NUL byte");
		np.key = k;
		np.val = v;
		np.name = sval(k);
		np.len = k->data.scalar.length;
		if (pairs_find(out, np.name, np.len) != NULL)
			return cerr(c, k, "duplicate key " NAMEFMT, np.name);
		if (out->n == MAP_MAX)
			return cerr(c, k, "more than %d keys in one mapping",
			    MAP_MAX);
		if (pairs_add(out, &np) != 0)
			return cerr(c, k, "out of memory");
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = node_get(c, p->key);
		if (!is_merge_key(k))
			continue;
		v = node_get(c, p->value);
		if (v != NULL && v->type == YAML_SEQUENCE_NODE) {
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++)
				if ((r = merge_one(c, node_get(c, *it), out,
				    depth)) != 0)
					return r;
		} else if ((r = merge_one(c, v, out, depth)) != 0)
			return r;
	}
	return 0;
}

/* The pairs of a mapping that may also be left empty (null). */
static int
get_map(struct ctx *c, yaml_node_t *n, const char *what, struct pairs *out)
{
	memset(out, 0, sizeof(*out));
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return cerr(c, n, "%s must be a mapping", what);
	return map_collect(c, n, out, 0);
}

static int
key_is(const struct pair *p, const char *name)
{
	return strcmp(p->name, name) == 0;
}

static int
dup_str(struct ctx *c, const yaml_node_t *n, const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return cerr(c, n, "out of memory");
	return 0;
}

/* true/false/yes/no, as Secretless users write booleans. */
static int
get_bool(struct ctx *c, const yaml_node_t *n, const char *what, int *out)
{
	const char	*s;
	int		 r;

	if ((r = get_string(c, n, what, &s)) != 0)
		return r;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
		*out = 0;
	else
		return cerr(c, n, "%s must be true or false", what);
	return 0;
}

/* A decimal number without sign, at most 9 digits so that it fits. */
static int
parse_uint(const char *s, const char **end, long long *out)
{
	long long	 v = 0;
	int		 i;

	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		if (i == 9)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	*end = s + i;
	*out = v;
	return 0;
}

/* "250ms", "30s", "5m", "1h", or a bare number of seconds. */
static int
get_duration(struct ctx *c, const yaml_node_t *n, const char *what,
    long long min_ms, long long max_ms, int *out)
{
	const char	*s, *end;
	long long	 v, unit;
	int		 r;

	if ((r = get_string(c, n, what, &s)) != 0)
		return r;
	if (parse_uint(s, &end, &v) != 0)
		return cerr(c, n, "%s: expected a duration such as 250ms, 30s "
		    "or 5m", what);
	if (*end == '\0' || strcmp(end, "s") == 0)
		unit = MS_SECOND;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = MS_MINUTE;
	else if (strcmp(end, "h") == 0)
		unit = MS_HOUR;
	else
		return cerr(c, n, "%s: expected a duration such as 250ms, 30s "
		    "or 5m", what);
	v *= unit;
	if (v < min_ms || v > max_ms)
		return cerr(c, n, "%s must lie between %s and %s", what,
		    min_ms == 0 ? "0" : "1ms",
		    max_ms == MS_HOUR ? "1h" : "24h");
	*out = (int)v;
	return 0;
}

static int
abs_path(struct ctx *c, const yaml_node_t *n, const char *what, char **out)
{
	const char	*s;
	int		 r;

	if ((r = get_string(c, n, what, &s)) != 0)
		return r;
	if (s[0] != '/')
		return cerr(c, n, "%s must be an absolute path", what);
	free(*out);
	*out = NULL;
	return dup_str(c, n, s, out);
}

/*
 * maxStartups, as OpenSSH's: "start:rate:full" (unauthenticated
 * connections of a service beyond start are dropped with a probability
 * that grows from rate percent to 100 at full), or one number N for
 * "drop every one beyond N".
 */
static int
parse_startups(struct ctx *c, const yaml_node_t *n, const char *s,
    struct config *cf)
{
	long long		 start, rate = 100, full;
	const char		*end;

	if (parse_uint(s, &end, &start) != 0 || start < 1 || start > 100000)
		goto bad;
	full = start;
	if (*end == ':') {
		if (parse_uint(end + 1, &end, &rate) != 0 || rate < 1 ||
		    rate > 100 || *end != ':' ||
		    parse_uint(end + 1, &end, &full) != 0 || full <= start ||
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
	return cerr(c, n, "airlock.maxStartups must be a number N or "
	    "start:rate:full with 1 <= start < full <= 100000 and rate a "
	    "percentage from 1 to 100");
}

/* perSourceMaxStartups, as OpenSSH's: a number, or "none". */
static int
parse_per_source_max(struct ctx *c, const yaml_node_t *n, const char *s,
    struct config *cf)
{
	const char	*end;
	long long	 v;

	if (strcmp(s, "none") == 0) {
		cf->per_source_max = 0;
		return 0;
	}
	if (parse_uint(s, &end, &v) != 0 || *end != '\0' || v < 1 ||
	    v > 100000)
		return cerr(c, n, "airlock.perSourceMaxStartups must be a "
		    "number from 1 to 100000, or none");
	cf->per_source_max = (int)v;
	return 0;
}

/*
 * perSourceNetBlockSize, as OpenSSH's: the bits of a source address that
 * make one source, "V4" or "V4:V6".
 */
static int
parse_netblock(struct ctx *c, const yaml_node_t *n, const char *s,
    struct config *cf)
{
	const char	*end;
	long long	 v4, v6 = 128;

	if (parse_uint(s, &end, &v4) != 0 || v4 > 32)
		goto bad;
	if (*end == ':' && (parse_uint(end + 1, &end, &v6) != 0 || v6 > 128))
		goto bad;
	if (*end != '\0')
		goto bad;
	cf->per_source_v4 = (int)v4;
	cf->per_source_v6 = (int)v6;
	return 0;
 bad:
	return cerr(c, n, "airlock.perSourceNetBlockSize must be V4 or V4:V6, "
	    "prefix lengths from 0 to 32 and from 0 to 128");
}

/*
 * A size in bytes: "64M", "1G", "512K" (powers of 1024), a bare number of
 * bytes, or "none" (0) where none is allowed.
 */
static int
get_size(struct ctx *c, const yaml_node_t *n, const char *what,
    long long min, long long max, int none_ok, long long *out)
{
	const char	*s, *end;
	long long	 v;
	int		 r;

	if ((r = get_string(c, n, what, &s)) != 0)
		return r;
	if (none_ok && strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_uint(s, &end, &v) != 0)
		goto bad;
	if (strcmp(end, "K") == 0)
		v <<= 10;
	else if (strcmp(end, "M") == 0)
		v <<= 20;
	else if (strcmp(end, "G") == 0)
		v <<= 30;
	else if (*end != '\0')
		goto bad;
	if (v < min || v > max)
		return cerr(c, n, "%s must lie between %lldM and %lldG", what,
		    min >> 20, max >> 30);
	*out = v;
	return 0;
 bad:
	return cerr(c, n, "%s: expected a size such as 64M or 1G%s", what,
	    none_ok ? ", or none" : "");
}

/*
 * health: HOST:PORT or [IPV6]:PORT, or "off".  Any address may be given:
 * Kubernetes probes come from outside the pod.  Declared before the
 * helpers it uses are, hence the prototypes.
 */
static int	 valid_host(const char *);
static int	 valid_port(const char *, unsigned int *);

static int
parse_health(struct ctx *c, const yaml_node_t *n, const char *s,
    struct config *cf)
{
	struct in6_addr	 a6;
	const char	*colon;
	char		*host, portbuf[8];
	unsigned int	 port;
	int		 v6 = 0;

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
		return cerr(c, n, "out of memory");
	if (!(v6 ? inet_pton(AF_INET6, host, &a6) == 1 :
	    strchr(host, ':') == NULL && valid_host(host)) ||
	    !valid_port(colon + 1, &port)) {
		free(host);
		goto bad;
	}
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	cf->health_host = host;
	if ((cf->health_port = strdup(portbuf)) == NULL ||
	    (cf->health = strdup(s)) == NULL)
		return cerr(c, n, "out of memory");
	return 0;
 bad:
	return cerr(c, n, "airlock.health " NAMEFMT ": expected HOST:PORT, "
	    "[IPV6]:PORT or off", s);
}

/* The optional "airlock:" section; defaults are already in place. */
static int
parse_airlock(struct ctx *c, yaml_node_t *node)
{
	struct config	*cf = c->cf;
	struct pairs	 ps;
	struct pair	*p;
	const char	*s;
	long long	 v;
	const char	*end;
	size_t		 i;
	int		 r;

	if ((r = get_map(c, node, "the airlock section", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n && r == 0; i++) {
		p = &ps.v[i];
		if (key_is(p, "user")) {
			if ((r = get_string(c, p->val, "airlock.user",
			    &s)) == 0 &&
			    (r = check_name(c, p->val, "airlock.user")) == 0) {
				free(cf->user);
				cf->user = NULL;
				r = dup_str(c, p->val, s, &cf->user);
			}
		} else if (key_is(p, "chroot"))
			r = abs_path(c, p->val, "airlock.chroot",
			    &cf->chroot_dir);
		else if (key_is(p, "worker"))
			r = abs_path(c, p->val, "airlock.worker",
			    &cf->worker_path);
		else if (key_is(p, "handshakeTimeout"))
			r = get_duration(c, p->val, "airlock.handshakeTimeout",
			    1, MS_HOUR, &cf->handshake_timeout_ms);
		else if (key_is(p, "dialTimeout"))
			r = get_duration(c, p->val, "airlock.dialTimeout",
			    1, MS_HOUR, &cf->dial_timeout_ms);
		else if (key_is(p, "providerTimeout"))
			r = get_duration(c, p->val, "airlock.providerTimeout",
			    1, MS_HOUR, &cf->provider_timeout_ms);
		else if (key_is(p, "idleTimeout"))
			r = get_duration(c, p->val, "airlock.idleTimeout",
			    0, 24 * MS_HOUR, &cf->idle_timeout_ms);
		else if (key_is(p, "drainTimeout"))
			r = get_duration(c, p->val, "airlock.drainTimeout",
			    1, MS_HOUR, &cf->drain_timeout_ms);
		else if (key_is(p, "maxWorkers")) {
			if ((r = get_string(c, p->val, "airlock.maxWorkers",
			    &s)) != 0)
				break;
			if (parse_uint(s, &end, &v) != 0 || *end != '\0' ||
			    v < 1 || v > 100000)
				r = cerr(c, p->val, "airlock.maxWorkers must "
				    "be a number from 1 to 100000");
			else
				cf->max_workers = (int)v;
		} else if (key_is(p, "maxStartups")) {
			if ((r = get_string(c, p->val, "airlock.maxStartups",
			    &s)) != 0)
				break;
			r = parse_startups(c, p->val, s, cf);
		} else if (key_is(p, "watch"))
			r = get_bool(c, p->val, "airlock.watch", &cf->watch);
		else if (key_is(p, "sandboxDebug"))
			r = get_bool(c, p->val, "airlock.sandboxDebug",
			    &cf->sandbox_debug);
		else if (key_is(p, "logLevel")) {
			if ((r = get_string(c, p->val, "airlock.logLevel",
			    &s)) != 0)
				break;
			if (strcmp(s, "error") == 0)
				cf->log_level = LOG_LVL_ERROR;
			else if (strcmp(s, "warn") == 0)
				cf->log_level = LOG_LVL_WARN;
			else if (strcmp(s, "info") == 0)
				cf->log_level = LOG_LVL_INFO;
			else if (strcmp(s, "debug") == 0)
				cf->log_level = LOG_LVL_DEBUG;
			else
				r = cerr(c, p->val, "airlock.logLevel must be "
				    "one of error, warn, info, debug");
		} else if (key_is(p, "logFormat")) {
			if ((r = get_string(c, p->val, "airlock.logFormat",
			    &s)) != 0)
				break;
			if (strcmp(s, "text") == 0)
				cf->log_format = LOG_FMT_TEXT;
			else if (strcmp(s, "json") == 0)
				cf->log_format = LOG_FMT_JSON;
			else
				r = cerr(c, p->val, "airlock.logFormat must be "
				    "text or json");
		} else if (key_is(p, "logTarget")) {
			if ((r = get_string(c, p->val, "airlock.logTarget",
			    &s)) != 0)
				break;
			if (strcmp(s, "stderr") == 0)
				cf->log_target = LOG_TGT_STDERR;
			else if (strcmp(s, "syslog") == 0)
				cf->log_target = LOG_TGT_SYSLOG;
			else
				r = cerr(c, p->val, "airlock.logTarget must be "
				    "stderr or syslog");
		} else if (key_is(p, "syslogFacility")) {
			if ((r = get_string(c, p->val,
			    "airlock.syslogFacility", &s)) != 0)
				break;
			if (log_facility(s, &cf->syslog_facility) != 0)
				r = cerr(c, p->val, "airlock.syslogFacility "
				    "must be one of daemon, user, auth, "
				    "authpriv, local0 to local7");
		} else if (key_is(p, "health")) {
			if ((r = get_string(c, p->val, "airlock.health",
			    &s)) == 0)
				r = parse_health(c, p->val, s, cf);
		} else if (key_is(p, "workerMemoryLimit"))
			r = get_size(c, p->val, "airlock.workerMemoryLimit",
			    WORKER_MEMORY_MIN, WORKER_MEMORY_MAX, 1,
			    &cf->worker_memory_limit);
		else if (key_is(p, "perSourceMaxStartups")) {
			if ((r = get_string(c, p->val,
			    "airlock.perSourceMaxStartups", &s)) == 0)
				r = parse_per_source_max(c, p->val, s, cf);
		} else if (key_is(p, "perSourceNetBlockSize")) {
			if ((r = get_string(c, p->val,
			    "airlock.perSourceNetBlockSize", &s)) == 0)
				r = parse_netblock(c, p->val, s, cf);
		} else
			r = cerr(c, p->key, "unknown key " NAMEFMT " in the "
			    "airlock section (known: user, chroot, worker, "
			    "handshakeTimeout, dialTimeout, providerTimeout, "
			    "idleTimeout, drainTimeout, maxWorkers, "
			    "maxStartups, sandboxDebug, logLevel, logFormat, "
			    "logTarget, syslogFacility, health, watch, "
			    "workerMemoryLimit, perSourceMaxStartups, "
			    "perSourceNetBlockSize)", p->name);
	}
 out:
	pairs_free(&ps);
	return r;
}

static int
check_connector(struct ctx *c, const yaml_node_t *n, const char *s)
{
	char	 known[256];
	size_t	 i;

	for (i = 0; i < nitems(connectors); i++) {
		if (strcmp(connectors[i].name, s) != 0)
			continue;
		if (!connectors[i].implemented)
			return cerr(c, n, "connector %s is not supported yet",
			    connectors[i].name);
		return 0;
	}
	known[0] = '\0';
	for (i = 0; i < nitems(connectors); i++)
		list_add(known, sizeof(known), connectors[i].name);
	return cerr(c, n, "unknown connector " NAMEFMT " (known: %s)", s,
	    known);
}

static int
check_provider(struct ctx *c, const yaml_node_t *n, const char *s)
{
	char	 known[256], why[512];
	size_t	 i;

	if (provider_exists(s)) {
		/* A provider that cannot work fails the check (vault). */
		if (provider_setup(s, why, sizeof(why)) != 0)
			return cerr(c, n, "%s", why);
		return 0;
	}
	for (i = 0; i < nitems(provider_names); i++)
		if (strcmp(provider_names[i], s) == 0)
			return cerr(c, n, "provider %s is not supported yet",
			    provider_names[i]);
	known[0] = '\0';
	for (i = 0; i < nitems(provider_names); i++)
		if (provider_exists(provider_names[i]))
			list_add(known, sizeof(known), provider_names[i]);
	return cerr(c, n, "unknown provider " NAMEFMT " (known: %s)", s, known);
}

static int
valid_port(const char *s, unsigned int *port)
{
	const char	*end;
	long long	 v;

	if (parse_uint(s, &end, &v) != 0 || *end != '\0' || v < 1 ||
	    v > 65535)
		return 0;
	*port = (unsigned int)v;
	return 1;
}

static int
is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* A host name or an IPv4 address, as written between "tcp://" and ":". */
static int
valid_host(const char *h)
{
	struct in_addr	 a4;
	size_t		 i, len = strlen(h);
	int		 numeric = 1;

	if (len == 0 || len > 253)
		return 0;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return 1;
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)h[i]) || h[i] == '-')
			numeric = 0;
		else if (!isdigit((unsigned char)h[i]) && h[i] != '.')
			return 0;
	}
	/* "127.1" would resolve, but not to what a reader expects. */
	return !numeric;
}

/* listenOn: tcp://HOST:PORT, tcp://[V6]:PORT or unix:///PATH. */
static int
parse_listen(struct ctx *c, const yaml_node_t *n, struct service *svc)
{
	struct sockaddr_un sun;
	struct in6_addr	 a6;
	const char	*s, *rest, *colon;
	char		*host = NULL, portbuf[8];
	unsigned int	 port;
	int		 v6 = 0, r;

	if ((r = get_string(c, n, "listenOn", &s)) != 0)
		return r;
	if ((r = dup_str(c, n, s, &svc->listen)) != 0)
		return r;

	if (strncmp(s, "unix://", 7) == 0) {
		rest = s + 7;
		if (rest[0] != '/')
			return cerr(c, n, "listenOn " NAMEFMT ": the socket "
			    "path must be absolute (unix:///path)", s);
		if (strlen(rest) >= sizeof(sun.sun_path))
			return cerr(c, n, "listenOn: the socket path is "
			    "longer than %zu bytes", sizeof(sun.sun_path) - 1);
		svc->listen_kind = LISTEN_UNIX;
		return dup_str(c, n, rest, &svc->listen_path);
	}
	if (strncmp(s, "tcp://", 6) != 0)
		return cerr(c, n, "listenOn " NAMEFMT ": expected "
		    "tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:///PATH", s);

	rest = s + 6;
	if (rest[0] == '[') {
		if ((colon = strchr(rest, ']')) == NULL || colon[1] != ':')
			return cerr(c, n, "listenOn " NAMEFMT ": expected "
			    "tcp://[IPV6]:PORT", s);
		host = strndup(rest + 1, colon - rest - 1);
		colon++;
		v6 = 1;
	} else {
		if ((colon = strrchr(rest, ':')) == NULL)
			return cerr(c, n, "listenOn " NAMEFMT ": no port "
			    "(tcp://HOST:PORT)", s);
		host = strndup(rest, colon - rest);
	}
	if (host == NULL)
		return cerr(c, n, "out of memory");
	svc->listen_kind = LISTEN_TCP;
	svc->listen_host = host;
	if (host[0] == '\0')
		return cerr(c, n, "listenOn " NAMEFMT ": no host; write "
		    "tcp://127.0.0.1:PORT, or tcp://0.0.0.0:PORT to listen "
		    "on every address", s);
	if (v6 && inet_pton(AF_INET6, host, &a6) != 1)
		return cerr(c, n, "listenOn " NAMEFMT ": not an IPv6 address "
		    "between the brackets", s);
	if (!v6 && strchr(host, ':') != NULL)
		return cerr(c, n, "listenOn " NAMEFMT ": write an IPv6 "
		    "address in brackets, tcp://[::1]:PORT", s);
	if (!v6 && !valid_host(host))
		return cerr(c, n, "listenOn " NAMEFMT ": not a valid host name "
		    "or IPv4 address", s);
	if (!valid_port(colon + 1, &port))
		return cerr(c, n, "listenOn " NAMEFMT ": the port must be a "
		    "number from 1 to 65535", s);
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	if ((r = dup_str(c, n, portbuf, &svc->listen_port)) != 0)
		return r;

	if (!svc->allow_nonloopback && !is_loopback(host))
		return cerr(c, n, "listenOn %s%s%s:%s is not a loopback "
		    "address; clients there would get the service's "
		    "credentials without authenticating; set "
		    "config.allowNonLoopback: true if that is intended",
		    v6 ? "[" : "", host, v6 ? "]" : "", svc->listen_port);
	return 0;
}

/* The same socket as a service before it?  (The http family will share.) */
static int
check_listen_unique(struct ctx *c, const yaml_node_t *n, size_t idx)
{
	const struct service *a, *b = &c->cf->services[idx];
	size_t		 i;

	for (i = 0; i < idx; i++) {
		a = &c->cf->services[i];
		if (a->listen_kind != b->listen_kind)
			continue;
		if (a->listen_kind == LISTEN_UNIX ?
		    strcmp(a->listen_path, b->listen_path) == 0 :
		    (strcasecmp(a->listen_host, b->listen_host) == 0 &&
		    strcmp(a->listen_port, b->listen_port) == 0))
			return cerr(c, n, "listenOn " NAMEFMT " is already "
			    "used by service " NAMEFMT " (line %d)", b->listen,
			    a->name, a->line);
	}
	return 0;
}

/* socketMode: octal, as chmod takes it; no set-id or sticky bits. */
static int
get_mode(struct ctx *c, const yaml_node_t *n, mode_t *out)
{
	const char	*s;
	mode_t		 m = 0;
	size_t		 i;
	int		 r;

	if ((r = get_string(c, n, "config.socketMode", &s)) != 0)
		return r;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7' || i == 4)
			break;
		m = m * 8 + (s[i] - '0');
	}
	if (s[i] != '\0' || i < 3 || m > 0777)
		return cerr(c, n, "config.socketMode must be an octal mode "
		    "such as \"0660\"");
	*out = m;
	return 0;
}

/* A user or a group: a name that exists now, or else a number (as chown). */
static int
peer_id(struct ctx *c, const yaml_node_t *n, const char *what, int group,
    unsigned long *out)
{
	const char	*s, *end;
	struct passwd	*pw;
	struct group	*gr;
	long long	 v;
	int		 r;

	if (n == NULL)
		return cerr(c, n, "%s: broken sequence", what);
	if ((r = get_string(c, n, what, &s)) != 0)
		return r;
	if (group && (gr = getgrnam(s)) != NULL)
		*out = gr->gr_gid;
	else if (!group && (pw = getpwnam(s)) != NULL)
		*out = pw->pw_uid;
	else if (parse_uint(s, &end, &v) == 0 && *end == '\0')
		*out = (unsigned long)v;
	else
		return cerr(c, n, "%s: no %s " NAMEFMT, what,
		    group ? "group" : "user", s);
	return 0;
}

/*
 * allowedUsers, allowedGroups: a list of names or numbers (or just one),
 * resolved now, so that a name that does not exist is an error at load.
 */
static int
parse_peer_list(struct ctx *c, const struct pair *p, struct service *svc)
{
	yaml_node_item_t *it = NULL;
	yaml_node_t	*item;
	int		 group = key_is(p, "allowedGroups");
	uid_t		*uids = NULL;
	gid_t		*gids = NULL;
	unsigned long	 id = 0;
	size_t		 n = 1, i;
	char		 what[96];
	int		 r;

	snprintf(what, sizeof(what), "config.%s", p->name);
	if (p->val->type == YAML_SEQUENCE_NODE) {
		it = p->val->data.sequence.items.start;
		n = p->val->data.sequence.items.top - it;
	}
	if (n == 0)
		return cerr(c, p->val, "%s needs at least one %s", what,
		    group ? "group" : "user");
	if (n > MAP_MAX)
		return cerr(c, p->val, "%s has more than %d entries", what,
		    MAP_MAX);
	if (group)
		gids = calloc(n, sizeof(*gids));
	else
		uids = calloc(n, sizeof(*uids));
	if (gids == NULL && uids == NULL)
		return cerr(c, p->val, "out of memory");
	for (i = 0; i < n; i++) {
		item = it != NULL ? node_get(c, it[i]) : p->val;
		if ((r = peer_id(c, item, what, group, &id)) != 0) {
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
		svc->nallowed_gids = n;
	} else {
		free(svc->allowed_uids);
		svc->allowed_uids = uids;
		svc->nallowed_uids = n;
	}
	return 0;
}

/*
 * config: the connector's settings, kept as strings for the worker, and
 * airlock's own per-service settings, read from there too.
 */
static int
parse_service_config(struct ctx *c, yaml_node_t *node, struct service *svc,
    yaml_node_t **unix_only)
{
	struct pairs	 ps;
	struct pair	*p;
	const char	*s;
	char		 what[96];
	int		 r, ours, pg = strcmp(svc->connector, "pg") == 0;
	size_t		 i;

	if ((r = get_map(c, node, "config", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n && r == 0; i++) {
		p = &ps.v[i];
		snprintf(what, sizeof(what), "config." NAMEFMT, p->name);
		if ((r = check_name(c, p->key, "a config key")) != 0)
			break;
		/* Lists of airlock's own, never sent to the worker. */
		if (key_is(p, "allowedUsers") || key_is(p, "allowedGroups")) {
			r = parse_peer_list(c, p, svc);
			*unix_only = p->key;
			continue;
		}
		ours = key_is(p, "allowNonLoopback") ||
		    key_is(p, "cleartextPassword") ||
		    key_is(p, "socketMode") || key_is(p, "socketOwner") ||
		    key_is(p, "socketGroup");
		/*
		 * Nested settings belong to connectors that are not there
		 * yet; pg has none, so there they can only be a mistake.
		 */
		if (p->val->type != YAML_SCALAR_NODE && !ours) {
			if (pg)
				r = cerr(c, p->val, "%s: connector pg takes "
				    "only scalar settings", what);
			continue;
		}
		if ((r = get_scalar(c, p->val, what, &s)) != 0)
			break;
		if (is_null(p->val))
			s = "";
		if (strlen(s) > CONFIG_VALUE_MAX) {
			r = cerr(c, p->val, "%s is longer than %d bytes", what,
			    CONFIG_VALUE_MAX);
			break;
		}
		if ((r = kv_set_str(&svc->config, p->name, s)) != 0) {
			if (r == ERR_TOOBIG)
				r = cerr(c, p->key, "config has more than %d "
				    "settings", MSG_MAX_KV);
			else
				r = cerr(c, p->key, "out of memory");
			break;
		}

		if (key_is(p, "allowNonLoopback"))
			r = get_bool(c, p->val, what, &svc->allow_nonloopback);
		else if (key_is(p, "cleartextPassword")) {
			if ((r = get_string(c, p->val, what, &s)) != 0)
				break;
			if (strcmp(s, "tls") == 0)
				svc->cleartext = CLEARTEXT_TLS;
			else if (strcmp(s, "always") == 0)
				svc->cleartext = CLEARTEXT_ALWAYS;
			else if (strcmp(s, "never") == 0)
				svc->cleartext = CLEARTEXT_NEVER;
			else
				r = cerr(c, p->val, "%s must be one of tls, "
				    "always, never", what);
		} else if (key_is(p, "socketMode")) {
			r = get_mode(c, p->val, &svc->socket_mode);
			*unix_only = p->key;
		} else if (key_is(p, "socketOwner")) {
			if ((r = get_string(c, p->val, what, &s)) != 0)
				break;
			if (getpwnam(s) == NULL)
				r = cerr(c, p->val, "%s: no user " NAMEFMT,
				    what, s);
			else
				r = dup_str(c, p->val, s, &svc->socket_owner);
			*unix_only = p->key;
		} else if (key_is(p, "socketGroup")) {
			if ((r = get_string(c, p->val, what, &s)) != 0)
				break;
			if (getgrnam(s) == NULL)
				r = cerr(c, p->val, "%s: no group " NAMEFMT,
				    what, s);
			else
				r = dup_str(c, p->val, s, &svc->socket_group);
			*unix_only = p->key;
		}
	}
 out:
	pairs_free(&ps);
	return r;
}

/* One credential: a plain scalar is a literal, else {from, get}. */
static int
parse_credential(struct ctx *c, const struct pair *cp, struct service *svc,
    struct credential *cr)
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
	if ((r = check_name(c, cp->key, "a credential name")) != 0 ||
	    (r = dup_str(c, cp->key, cp->name, &cr->name)) != 0)
		return r;
	snprintf(what, sizeof(what), "credential " NAMEFMT " of service "
	    NAMEFMT, cr->name, svc->name);

	if (cp->val->type == YAML_SCALAR_NODE) {
		/* Nothing of a literal value may reach a message. */
		if (is_null(cp->val))
			return cerr(c, cp->val, "%s has no value (write \"\" "
			    "for an empty literal)", what);
		if ((r = get_scalar(c, cp->val, what, &s)) != 0 ||
		    (r = dup_str(c, cp->val, "literal", &cr->provider)) != 0)
			return r;
		return dup_str(c, cp->val, s, &cr->ref);
	}
	if (cp->val->type != YAML_MAPPING_NODE)
		return cerr(c, cp->val, "%s must be a value or a mapping with "
		    "from and get", what);

	if ((r = get_map(c, cp->val, what, &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		if (key_is(&ps.v[i], "from"))
			from = ps.v[i].val;
		else if (key_is(&ps.v[i], "get"))
			get = ps.v[i].val;
		else {
			r = cerr(c, ps.v[i].key, "%s: unknown key " NAMEFMT
			    " (known: from, get)", what, ps.v[i].name);
			goto out;
		}
	}
	if (from == NULL || get == NULL) {
		r = cerr(c, cp->val, "%s needs both from and get", what);
		goto out;
	}
	if ((r = get_string(c, from, "from", &s)) != 0 ||
	    (r = check_provider(c, from, s)) != 0 ||
	    (r = dup_str(c, from, s, &cr->provider)) != 0)
		goto out;
	/* get is a secret when from is literal: say nothing of it. */
	if (get->type != YAML_SCALAR_NODE || is_null(get)) {
		r = cerr(c, get, "%s: get needs a scalar value", what);
		goto out;
	}
	if ((r = get_scalar(c, get, what, &s)) != 0 ||
	    (r = dup_str(c, get, s, &cr->ref)) != 0)
		goto out;
	if (provider_prepare(cr->provider, cr->ref, why, sizeof(why)) != 0) {
		r = cerr(c, get, "%s: %s", what, why);
		goto out;
	}
	cr->line = get->start_mark.line + 1;
	cr->col = get->start_mark.column + 1;
 out:
	pairs_free(&ps);
	return r;
}

static int
parse_credentials(struct ctx *c, yaml_node_t *node, struct service *svc)
{
	struct pairs	 ps;
	size_t		 i;
	int		 r;

	if ((r = get_map(c, node, "credentials", &ps)) != 0)
		goto out;
	if (ps.n > MSG_MAX_KV) {
		r = cerr(c, node, "more than %d credentials", MSG_MAX_KV);
		goto out;
	}
	if (ps.n > 0 && (svc->creds = calloc(ps.n,
	    sizeof(*svc->creds))) == NULL) {
		r = cerr(c, node, "out of memory");
		goto out;
	}
	for (i = 0; i < ps.n && r == 0; i++) {
		/* Counted first, so that config_free frees a partial one. */
		svc->ncreds++;
		r = parse_credential(c, &ps.v[i], svc, &svc->creds[i]);
	}
 out:
	pairs_free(&ps);
	return r;
}

static int
only_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * libpq's require_auth and channel_binding (pgopt.h), when literal: a
 * mistake there would weaken what the user meant to pin.  The messages
 * repeat no part of the value, as for every literal.
 */
static int
check_pg_auth(struct ctx *c, const struct service *svc)
{
	const struct credential	*cr, *mode;
	enum pgopt_cbind	 cb;
	unsigned int		 allowed;
	const char		*why;

	if ((cr = service_credential(svc, "require_auth")) != NULL &&
	    strcmp(cr->provider, "literal") == 0 &&
	    pgopt_require_auth(cr->ref, strlen(cr->ref), &allowed, &why) != 0)
		return cerr_cred(c, cr, "credential require_auth of service "
		    NAMEFMT " %s (methods: password, md5, gss, sspi, "
		    "scram-sha-256, none; all plain or all negated with !)",
		    svc->name, why);
	if ((cr = service_credential(svc, "channel_binding")) == NULL ||
	    strcmp(cr->provider, "literal") != 0)
		return 0;
	if (pgopt_channel_binding(cr->ref, strlen(cr->ref), &cb, &why) != 0)
		return cerr_cred(c, cr, "credential channel_binding of service "
		    NAMEFMT " %s", svc->name, why);
	/* Channel binding needs TLS: this pair can never connect. */
	if (cb == PGOPT_CB_REQUIRE &&
	    (mode = service_credential(svc, "sslmode")) != NULL &&
	    strcmp(mode->provider, "literal") == 0 &&
	    strcmp(mode->ref, "disable") == 0)
		return cerr_cred(c, cr, "service " NAMEFMT ": channel_binding "
		    "require needs TLS, and sslmode is disable", svc->name);
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
check_pg_names(struct ctx *c, const struct service *svc)
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
			return cerr_at_line(c, cr->name_line, cr->name_col,
			    "service " NAMEFMT ": credential \"" NAMEFMT "\" "
			    "is a libpq setting that airlock does not support "
			    "and would otherwise send to the server in clear, "
			    "as a startup parameter%s%s", svc->name, cr->name,
			    why != NULL ? "; " : "", why != NULL ? why : "");
		case PG_CRED_UNKNOWN:
			if ((r = cwarn(c, cr->name_line, cr->name_col,
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

/* What pg needs, checked now rather than at the first connection. */
static int
check_pg(struct ctx *c, const yaml_node_t *n, const struct service *svc)
{
	static const char *const modes[] = {
		"disable", "require", "verify-ca", "verify-full",
	};
	const struct credential *cr;
	unsigned int	 port;
	size_t		 i;
	int		 r;

	/* address: Secretless Broker's older spelling of host:port. */
	if (service_credential(svc, "host") == NULL &&
	    service_credential(svc, "address") == NULL)
		return cerr(c, n, "service " NAMEFMT " (pg) needs credential "
		    "host", svc->name);
	if (service_credential(svc, "username") == NULL)
		return cerr(c, n, "service " NAMEFMT " (pg) needs credential "
		    "username", svc->name);
	/* Literal values are secrets: the messages do not repeat them. */
	if ((cr = service_credential(svc, "sslmode")) != NULL &&
	    strcmp(cr->provider, "literal") == 0) {
		for (i = 0; i < nitems(modes); i++)
			if (strcmp(cr->ref, modes[i]) == 0)
				break;
		if (i == nitems(modes))
			return cerr_cred(c, cr, "credential sslmode of service "
			    NAMEFMT " must be one of disable, require, "
			    "verify-ca, verify-full", svc->name);
	}
	if ((cr = service_credential(svc, "port")) != NULL &&
	    strcmp(cr->provider, "literal") == 0 &&
	    (!only_digits(cr->ref) || !valid_port(cr->ref, &port)))
		return cerr_cred(c, cr, "credential port of service " NAMEFMT
		    " must be a number from 1 to 65535", svc->name);
	if ((r = check_pg_auth(c, svc)) != 0)
		return r;
	return check_pg_names(c, svc);
}

static int
parse_service(struct ctx *c, const struct pair *sp, size_t idx)
{
	struct service	*svc = &c->cf->services[idx];
	struct pairs	 ps;
	struct pair	*p;
	yaml_node_t	*conn = NULL, *proto = NULL, *listen = NULL;
	yaml_node_t	*creds = NULL, *config = NULL, *unix_only = NULL;
	const char	*s;
	size_t		 i;
	int		 r;

	kv_init(&svc->config);
	svc->cleartext = CLEARTEXT_NEVER;
	svc->socket_mode = 0660;
	svc->line = sp->key->start_mark.line + 1;
	svc->col = sp->key->start_mark.column + 1;
	if ((r = check_name(c, sp->key, "a service name")) != 0 ||
	    (r = dup_str(c, sp->key, sp->name, &svc->name)) != 0)
		return r;
	if (is_null(sp->val))
		return cerr(c, sp->key, "service " NAMEFMT " has no settings",
		    svc->name);
	if (sp->val->type != YAML_MAPPING_NODE)
		return cerr(c, sp->val, "service " NAMEFMT " must be a mapping",
		    svc->name);
	if ((r = get_map(c, sp->val, "a service", &ps)) != 0)
		goto out;

	for (i = 0; i < ps.n; i++) {
		p = &ps.v[i];
		if (key_is(p, "connector"))
			conn = p->val;
		else if (key_is(p, "protocol"))
			proto = p->val;
		else if (key_is(p, "listenOn"))
			listen = p->val;
		else if (key_is(p, "credentials"))
			creds = p->val;
		else if (key_is(p, "config"))
			config = p->val;
		else {
			r = cerr(c, p->key, "service " NAMEFMT ": unknown key "
			    NAMEFMT " (known: connector, listenOn, "
			    "credentials, config)", svc->name, p->name);
			goto out;
		}
	}
	if (conn != NULL && proto != NULL) {
		r = cerr(c, proto->start_mark.line > conn->start_mark.line ?
		    proto : conn, "service " NAMEFMT " has both connector "
		    "and protocol (the old spelling of connector)", svc->name);
		goto out;
	}
	if (conn == NULL)
		conn = proto;
	if (conn == NULL) {
		r = cerr(c, sp->key, "service " NAMEFMT " needs a connector",
		    svc->name);
		goto out;
	}
	if ((r = get_string(c, conn, "connector", &s)) != 0 ||
	    (r = check_connector(c, conn, s)) != 0 ||
	    (r = dup_str(c, conn, s, &svc->connector)) != 0)
		goto out;

	if ((r = parse_service_config(c, config, svc, &unix_only)) != 0)
		goto out;

	if (listen == NULL) {
		r = cerr(c, sp->key, "service " NAMEFMT " needs listenOn",
		    svc->name);
		goto out;
	}
	if ((r = parse_listen(c, listen, svc)) != 0 ||
	    (r = check_listen_unique(c, listen, idx)) != 0)
		goto out;
	if (unix_only != NULL && svc->listen_kind != LISTEN_UNIX) {
		r = cerr(c, unix_only, "config." NAMEFMT " applies to unix "
		    "listeners only", sval(unix_only));
		goto out;
	}

	if ((r = parse_credentials(c, creds, svc)) != 0)
		goto out;
	if (strcmp(svc->connector, "pg") == 0)
		r = check_pg(c, sp->key, svc);
 out:
	pairs_free(&ps);
	return r;
}

static int
parse_services(struct ctx *c, yaml_node_t *node)
{
	struct pairs	 ps;
	size_t		 i;
	int		 r;

	if ((r = get_map(c, node, "services", &ps)) != 0)
		goto out;
	if (ps.n == 0) {
		r = cerr(c, node, "at least one service is required");
		goto out;
	}
	if ((c->cf->services = calloc(ps.n,
	    sizeof(*c->cf->services))) == NULL) {
		r = cerr(c, node, "out of memory");
		goto out;
	}
	for (i = 0; i < ps.n && r == 0; i++) {
		c->cf->nservices++;
		r = parse_service(c, &ps.v[i], i);
	}
 out:
	pairs_free(&ps);
	return r;
}

static int
check_version(struct ctx *c, yaml_node_t *root, yaml_node_t *n)
{
	const char	*s;
	int		 r;

	if (n == NULL)
		return cerr(c, root, "no version: this looks like a "
		    "Secretless Broker version 1 file (listeners and "
		    "handlers), which airlock does not support; write a "
		    "version 2 file (version: 2, services:)");
	if ((r = get_string(c, n, "version", &s)) != 0)
		return r;
	if (strcmp(s, "2") == 0)
		return 0;
	if (strcmp(s, "1") == 0)
		return cerr(c, n, "version 1 is not supported: airlock reads "
		    "Secretless Broker version 2 files");
	return cerr(c, n, "unsupported version %.16s: airlock reads "
	    "Secretless Broker version 2 files", s);
}

static int
parse_root(struct ctx *c, yaml_node_t *root)
{
	struct pairs	 ps;
	struct pair	*p;
	yaml_node_t	*version = NULL, *services = NULL, *airlock = NULL;
	size_t		 i;
	int		 r;

	if (root == NULL || is_null(root))
		return cerr(c, root, "the configuration is empty");
	if (root->type != YAML_MAPPING_NODE)
		return cerr(c, root, "the configuration must be a mapping");
	if ((r = get_map(c, root, "the configuration", &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		p = &ps.v[i];
		if (key_is(p, "version"))
			version = p->val;
		else if (key_is(p, "services"))
			services = p->val;
		else if (key_is(p, "airlock"))
			airlock = p->val;
	}
	/* A v1 file has unknown keys too; its version says more. */
	if ((r = check_version(c, root, version)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		p = &ps.v[i];
		if (!key_is(p, "version") && !key_is(p, "services") &&
		    !key_is(p, "airlock")) {
			r = cerr(c, p->key, "unknown top-level key " NAMEFMT
			    " (known: version, services, airlock)", p->name);
			goto out;
		}
	}
	if ((r = parse_airlock(c, airlock)) != 0)
		goto out;
	if (services == NULL) {
		r = cerr(c, root, "no services: at least one service is "
		    "required");
		goto out;
	}
	r = parse_services(c, services);
 out:
	pairs_free(&ps);
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

static int
yaml_error(struct ctx *c, const yaml_parser_t *parser)
{
	const yaml_mark_t *m = parser->problem != NULL ?
	    &parser->problem_mark : &parser->context_mark;

	/* libyaml's messages are constant strings, never input. */
	snprintf(c->err, c->errlen, "%s:%zu:%zu: %s%s%s", c->path,
	    m->line + 1, m->column + 1,
	    parser->problem != NULL ? parser->problem : "cannot parse",
	    parser->context != NULL ? " " : "",
	    parser->context != NULL ? parser->context : "");
	return ERR_FORMAT;
}

static void
service_free(struct service *svc)
{
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
}

void
config_free(struct config *cf)
{
	size_t	 i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nservices; i++)
		service_free(&cf->services[i]);
	free(cf->services);
	free(cf->path);
	free(cf->user);
	free(cf->chroot_dir);
	free(cf->worker_path);
	free(cf->health);
	free(cf->health_host);
	free(cf->health_port);
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
config_new(const char *path)
{
	struct config	*cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	cf->refs = 1;
	cf->path = strdup(path);
	cf->user = strdup("_airlock");
	cf->chroot_dir = strdup("/var/empty/airlock");
	cf->worker_path = NULL;
	cf->handshake_timeout_ms = 30 * MS_SECOND;
	cf->dial_timeout_ms = 10 * MS_SECOND;
	cf->provider_timeout_ms = 10 * MS_SECOND;
	cf->idle_timeout_ms = 0;
	cf->drain_timeout_ms = 30 * MS_SECOND;
	cf->max_workers = 1000;
	cf->startups_begin = 100;
	cf->startups_rate = 30;
	cf->startups_full = 200;
	cf->sandbox_debug = 0;
	cf->log_level = LOG_LVL_INFO;
	cf->log_format = LOG_FMT_TEXT;
	cf->log_target = LOG_TGT_STDERR;
	cf->health = strdup("127.0.0.1:5335");
	cf->health_host = strdup("127.0.0.1");
	cf->health_port = strdup("5335");
	cf->worker_memory_limit = WORKER_MEMORY_DEFAULT;
	cf->per_source_max = 0;
	cf->per_source_v4 = 32;
	cf->per_source_v6 = 128;
	if (log_facility("daemon", &cf->syslog_facility) != 0 ||
	    cf->path == NULL || cf->user == NULL || cf->chroot_dir == NULL ||
	    cf->health == NULL || cf->health_host == NULL ||
	    cf->health_port == NULL) {
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
	c.path = path;
	c.doc = &doc;
	c.err = err;
	c.errlen = errlen;
	if ((c.cf = config_new(path)) == NULL) {
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
		r = yaml_error(&c, &parser);
		yaml_wipe(&parser, NULL);
	} else {
		/* Secretless Broker version 1: its version 2 (confv1.c). */
		r = confv1_is_v1(&doc) ? confv1_convert(&doc, c.cf, path, err,
		    errlen) : 0;
		if (r == 0)
			r = parse_root(&c, yaml_document_get_root_node(&doc));
		/* A second document would be silently ignored: refuse it. */
		if (r == 0) {
			if (!yaml_parser_load(&parser, &doc2))
				r = yaml_error(&c, &parser);
			else {
				extra = yaml_document_get_root_node(&doc2);
				if (extra != NULL) {
					c.doc = &doc2;
					r = cerr(&c, extra, "more than one "
					    "YAML document");
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
		config_free(c.cf);
		return NULL;
	}
	return c.cf;
}
