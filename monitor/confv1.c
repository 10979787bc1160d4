/*
 * Secretless Broker version 1 files, converted to version 2 on load.
 *
 * A version 1 file lists listeners (name, protocol, address or socket) and
 * handlers (name, type, listener, match, credentials as a list of name,
 * provider and id).  Secretless Broker turns them into version 2 services
 * (pkg/secretless/config/v1/v2_conversion.go): one service per handler,
 * named after it, listening where its listener does; the connector is the
 * listener's protocol, or for an http listener the handler's type without
 * "http/", with the handler's match as authenticateURLsMatching; a
 * credential's provider and id become from and get.  A non-http listener
 * serves its first handler only.  Services and credentials are sorted by
 * name.  Before 2019 a listener without protocol took its name as protocol,
 * and a handler without type or listener its name (the quick-start demo's
 * file relies on it): so here too.
 *
 * The conversion builds a libyaml document of the version 2 file, each
 * node with the marks of the version 1 node it comes from, and config.c
 * checks it as any other.  What a version 1 file may say that version 2
 * cannot (caCertFiles, match on a non-http handler, a second handler on a
 * non-http listener, keys that Secretless Broker ignored) is an error that
 * names it; debug, which only raised Secretless Broker's log level for one
 * handler, is ignored with a warning.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config.h"
#include "confv1.h"
#include "yamlwalk.h"
#include "errors.h"
#include "secret.h"
#include "util.h"

#define V1_MAX_ITEMS	4096	/* listeners, handlers, credentials */

struct v1ctx {
	struct yw	 yw;		/* the walk of the input, its errors */
	yaml_document_t	*in;
	yaml_document_t	 out;
	struct config	*cf;
	const char	*path;
	char		*err;
	size_t		 errlen;
	int		*copied;	/* in node index - 1 -> out index */
	size_t		 ncopied;
};

/* The keys of one kind of mapping, and what the file gave for each. */
struct v1field {
	const char	*key;
	yaml_node_t	*val;
	yaml_node_t	*keynode;
};

struct v1listener {
	yaml_node_t	*node;
	yaml_node_t	*name;
	const char	*sname;
	yaml_node_t	*protocol;	/* or the name, when absent */
	const char	*sprotocol;
	yaml_node_t	*address;	/* one of these two */
	yaml_node_t	*socket;
	int		 http;
	const char	*first;		/* its first handler's name */
};

struct v1handler {
	size_t		 idx;		/* in the file, to keep sorts stable */
	yaml_node_t	*node;
	yaml_node_t	*name;
	const char	*sname;
	yaml_node_t	*type;		/* or the name, when absent */
	yaml_node_t	*match;
	yaml_node_t	*credentials;
	struct v1listener *l;
};

struct v1cred {
	size_t		 idx;
	yaml_node_t	*item;
	yaml_node_t	*name;
	yaml_node_t	*provider;
	yaml_node_t	*id;
};

static int
v1_err(struct v1ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
v1_err(struct v1ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%zu:%zu: %s", c->path,
	    n != NULL ? n->start_mark.line + 1 : 1,
	    n != NULL ? n->start_mark.column + 1 : 1, msg);
	return ERR_FORMAT;
}

static int
v1_warn(struct v1ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
v1_warn(struct v1ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct config	*cf = c->cf;
	char		 msg[512], *w, **nv;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&w, "%s:%zu:%zu: %s", c->path, n->start_mark.line + 1,
	    n->start_mark.column + 1, msg) == -1)
		return v1_err(c, n, "out of memory");
	if ((nv = reallocarray(cf->warnings, cf->nwarnings + 1,
	    sizeof(*nv))) == NULL) {
		free(w);
		return v1_err(c, n, "out of memory");
	}
	cf->warnings = nv;
	cf->warnings[cf->nwarnings++] = w;
	return 0;
}

static yaml_node_t *
in_node(struct v1ctx *c, int idx)
{
	return yaml_document_get_node(c->in, idx);
}

static int
is_scalar(const yaml_node_t *n, const char *s)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    strcmp((const char *)n->data.scalar.value, s) == 0;
}

/* Absent, or a plain "", "~" or "null": what Go's YAML reads as "". */
static int
v1_null(const yaml_node_t *n)
{
	const char	*s;

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

/* A scalar that is there and not empty; what names it in the message. */
static int
v1_string(struct v1ctx *c, const yaml_node_t *n, const char *what,
    const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return v1_err(c, n, "%s must be a scalar", what);
	if (v1_null(n) || n->data.scalar.length == 0)
		return v1_err(c, n, "%s must not be empty", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
		return v1_err(c, n, "%s contains a NUL byte", what);
	*out = (const char *)n->data.scalar.value;
	return 0;
}

/*
 * The fields of a mapping: every key is one of fields[] (else an error
 * that lists them), none twice.  Merge keys ("<<") are resolved as Go's
 * YAML resolves them, by yamlwalk's walk: the mapping's own keys win over
 * merged ones.
 */
static int
v1_fields(struct v1ctx *c, yaml_node_t *map, const char *what,
    struct v1field *fields, size_t nfields)
{
	struct pairs	 ps;
	char		 known[256];
	size_t		 i, j;
	int		 r;

	if (map->type != YAML_MAPPING_NODE)
		return v1_err(c, map, "%s must be a mapping", what);
	if ((r = yw_map(&c->yw, map, what, &ps)) != 0)
		return r;
	for (i = 0; i < ps.n; i++) {
		for (j = 0; j < nfields; j++)
			if (yw_key_is(&ps.v[i], fields[j].key))
				break;
		if (j == nfields) {
			known[0] = '\0';
			for (j = 0; j < nfields; j++)
				yw_list_add(known, sizeof(known),
				    fields[j].key);
			r = v1_err(c, ps.v[i].key, "%s: unknown key " NAMEFMT
			    " (known: %s)", what, ps.v[i].name, known);
			break;
		}
		fields[j].val = ps.v[i].val;
		fields[j].keynode = ps.v[i].key;
	}
	yw_pairs_free(&ps);
	return r;
}

/* The items of a sequence that must be there and not be empty. */
static int
v1_list(struct v1ctx *c, yaml_node_t *n, yaml_node_t *parent,
    const char *what, yaml_node_item_t **items, size_t *nitems_out)
{
	if (v1_null(n))
		return v1_err(c, n != NULL ? n : parent, "a version 1 file "
		    "needs %s", what);
	if (n->type != YAML_SEQUENCE_NODE)
		return v1_err(c, n, "%s must be a list", what);
	*items = n->data.sequence.items.start;
	*nitems_out = n->data.sequence.items.top - *items;
	if (*nitems_out == 0)
		return v1_err(c, n, "a version 1 file needs %s", what);
	if (*nitems_out > V1_MAX_ITEMS)
		return v1_err(c, n, "more than %d %s", V1_MAX_ITEMS, what);
	return 0;
}

/* debug: raised one handler's log level; nothing in version 2 does. */
static int
v1_debug(struct v1ctx *c, const yaml_node_t *key, const char *what,
    const char *name)
{
	if (key == NULL)
		return 0;
	return v1_warn(c, key, "%s " NAMEFMT ": debug has no version 2 "
	    "equivalent and is ignored (airlockd -d, or airlock.logLevel: "
	    "debug, logs every service at debug level)", what, name);
}

static int
parse_listener(struct v1ctx *c, yaml_node_t *n, struct v1listener *l)
{
	struct v1field	 f[] = {
		{ "name", NULL, NULL }, { "protocol", NULL, NULL },
		{ "address", NULL, NULL }, { "socket", NULL, NULL },
		{ "debug", NULL, NULL }, { "caCertFiles", NULL, NULL },
	};
	int		 r;

	l->node = n;
	if ((r = v1_fields(c, n, "a listener", f, nitems(f))) != 0)
		return r;
	if (f[0].val == NULL)
		return v1_err(c, n, "a listener needs a name");
	if ((r = v1_string(c, f[0].val, "a listener's name", &l->sname)) != 0)
		return r;
	l->name = f[0].val;
	if (!v1_null(f[5].val))
		return v1_err(c, f[5].keynode, "listener " NAMEFMT ": "
		    "caCertFiles has no version 2 equivalent (Secretless "
		    "Broker version 2 reads the CA bundle from "
		    "SECRETLESS_HTTP_CA_BUNDLE)", l->sname);
	l->protocol = v1_null(f[1].val) ? l->name : f[1].val;
	if ((r = v1_string(c, l->protocol, "protocol", &l->sprotocol)) != 0)
		return r;
	l->http = strcmp(l->sprotocol, "http") == 0;
	l->address = v1_null(f[2].val) ? NULL : f[2].val;
	l->socket = v1_null(f[3].val) ? NULL : f[3].val;
	if (l->address == NULL && l->socket == NULL)
		return v1_err(c, n, "listener " NAMEFMT " needs an address "
		    "or a socket", l->sname);
	if (l->address != NULL && l->socket != NULL)
		return v1_err(c, l->socket, "listener " NAMEFMT " has both an "
		    "address and a socket; give one", l->sname);
	return v1_debug(c, f[4].keynode, "listener", l->sname);
}

static int
parse_listeners(struct v1ctx *c, yaml_node_t *seq, yaml_node_t *root,
    struct v1listener **out, size_t *nout)
{
	yaml_node_item_t *it;
	struct v1listener *ls;
	size_t		 n, i, j;
	int		 r;

	if ((r = v1_list(c, seq, root, "listeners", &it, &n)) != 0)
		return r;
	if ((ls = calloc(n, sizeof(*ls))) == NULL)
		return v1_err(c, seq, "out of memory");
	*out = ls;
	*nout = n;
	for (i = 0; i < n; i++) {
		if ((r = parse_listener(c, in_node(c, it[i]), &ls[i])) != 0)
			return r;
		for (j = 0; j < i; j++)
			if (strcmp(ls[j].sname, ls[i].sname) == 0)
				return v1_err(c, ls[i].name, "listener name "
				    NAMEFMT " is used twice (line %zu)",
				    ls[i].sname, ls[j].name->start_mark.line +
				    1);
	}
	return 0;
}

static int
parse_handler(struct v1ctx *c, yaml_node_t *n, struct v1handler *h,
    struct v1listener *ls, size_t nls)
{
	struct v1field	 f[] = {
		{ "name", NULL, NULL }, { "type", NULL, NULL },
		{ "listener", NULL, NULL }, { "debug", NULL, NULL },
		{ "match", NULL, NULL }, { "credentials", NULL, NULL },
	};
	yaml_node_t	*lnode;
	const char	*lname, *type;
	size_t		 i;
	int		 r;

	h->node = n;
	if ((r = v1_fields(c, n, "a handler", f, nitems(f))) != 0)
		return r;
	if (f[0].val == NULL)
		return v1_err(c, n, "a handler needs a name");
	if ((r = v1_string(c, f[0].val, "a handler's name", &h->sname)) != 0)
		return r;
	h->name = f[0].val;
	lnode = v1_null(f[2].val) ? h->name : f[2].val;
	if ((r = v1_string(c, lnode, "listener", &lname)) != 0)
		return r;
	for (i = 0; i < nls; i++)
		if (strcmp(ls[i].sname, lname) == 0)
			break;
	if (i == nls)
		return v1_err(c, lnode, "handler " NAMEFMT ": no listener "
		    "named " NAMEFMT, h->sname, lname);
	h->l = &ls[i];
	if (h->l->first != NULL && !h->l->http)
		return v1_err(c, lnode, "handler " NAMEFMT ": listener "
		    NAMEFMT " (%s) already has handler " NAMEFMT "; only an "
		    "http listener takes several (Secretless Broker used the "
		    "first and ignored the others)", h->sname, lname,
		    h->l->sprotocol, h->l->first);
	if (h->l->first == NULL)
		h->l->first = h->sname;
	h->type = v1_null(f[1].val) ? h->name : f[1].val;
	/* Only an http listener's handlers have a type that counts. */
	if (h->l->http && (r = v1_string(c, h->type, "type", &type)) != 0)
		return r;
	if (!v1_null(f[4].val)) {
		if (!h->l->http)
			return v1_err(c, f[4].keynode, "handler " NAMEFMT ": "
			    "match has no version 2 equivalent for a %s "
			    "listener (it selects http requests)", h->sname,
			    h->l->sprotocol);
		h->match = f[4].val;
	}
	h->credentials = v1_null(f[5].val) ? NULL : f[5].val;
	if (h->credentials != NULL &&
	    h->credentials->type != YAML_SEQUENCE_NODE)
		return v1_err(c, h->credentials, "handler " NAMEFMT ": "
		    "credentials must be a list of name, provider and id",
		    h->sname);
	return v1_debug(c, f[3].keynode, "handler", h->sname);
}

static int
parse_handlers(struct v1ctx *c, yaml_node_t *seq, yaml_node_t *root,
    struct v1listener *ls, size_t nls, struct v1handler **out, size_t *nout)
{
	yaml_node_item_t *it;
	struct v1handler *hs;
	size_t		 n, i;
	int		 r;

	if ((r = v1_list(c, seq, root, "handlers", &it, &n)) != 0)
		return r;
	if ((hs = calloc(n, sizeof(*hs))) == NULL)
		return v1_err(c, seq, "out of memory");
	*out = hs;
	*nout = n;
	for (i = 0; i < n; i++) {
		hs[i].idx = i;
		if ((r = parse_handler(c, in_node(c, it[i]), &hs[i], ls,
		    nls)) != 0)
			return r;
	}
	for (i = 0; i < nls; i++)
		if (ls[i].first == NULL)
			return v1_err(c, ls[i].name, "listener " NAMEFMT " has "
			    "no handler", ls[i].sname);
	return 0;
}

/* A node of the new document, with the marks of a node of the old. */
static int
out_marks(struct v1ctx *c, int idx, const yaml_node_t *at)
{
	yaml_node_t	*n;

	if (idx == 0 || (n = yaml_document_get_node(&c->out, idx)) == NULL)
		return 0;
	n->start_mark = at->start_mark;
	n->end_mark = at->end_mark;
	return idx;
}

static int
out_scalar(struct v1ctx *c, const char *s, size_t len,
    yaml_scalar_style_t style, const yaml_node_t *at)
{
	return out_marks(c, yaml_document_add_scalar(&c->out, NULL,
	    (const yaml_char_t *)s, (int)len, style), at);
}

static int
out_word(struct v1ctx *c, const char *s, const yaml_node_t *at)
{
	return out_scalar(c, s, strlen(s), YAML_PLAIN_SCALAR_STYLE, at);
}

static int
out_mapping(struct v1ctx *c, const yaml_node_t *at)
{
	return out_marks(c, yaml_document_add_mapping(&c->out, NULL,
	    YAML_BLOCK_MAPPING_STYLE), at);
}

/* map[k] = v, unless making either failed (0). */
static int
out_pair(struct v1ctx *c, int map, int k, int v)
{
	return k != 0 && v != 0 &&
	    yaml_document_append_mapping_pair(&c->out, map, k, v);
}

/*
 * A node of the old document and all below it, with their marks.  A node
 * reached twice (an alias) is copied once, so that aliases cannot make
 * the copy explode.
 */
static int
out_copy(struct v1ctx *c, int in_idx)
{
	yaml_node_t	*n = in_node(c, in_idx);
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	int		 idx = 0, v;

	if (n == NULL)
		return 0;
	if (c->copied[in_idx - 1] != 0)
		return c->copied[in_idx - 1];
	switch (n->type) {
	case YAML_SCALAR_NODE:
		idx = yaml_document_add_scalar(&c->out, n->tag,
		    n->data.scalar.value, (int)n->data.scalar.length,
		    n->data.scalar.style);
		break;
	case YAML_MAPPING_NODE:
		idx = yaml_document_add_mapping(&c->out, n->tag,
		    n->data.mapping.style);
		break;
	case YAML_SEQUENCE_NODE:
		idx = yaml_document_add_sequence(&c->out, n->tag,
		    n->data.sequence.style);
		break;
	default:
		return 0;
	}
	if ((idx = out_marks(c, idx, n)) == 0)
		return 0;
	c->copied[in_idx - 1] = idx;
	if (n->type == YAML_MAPPING_NODE) {
		for (p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++)
			if (!out_pair(c, idx, out_copy(c, p->key),
			    out_copy(c, p->value)))
				return 0;
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++)
			if ((v = out_copy(c, *it)) == 0 ||
			    !yaml_document_append_sequence_item(&c->out, idx,
			    v))
				return 0;
	}
	return idx;
}

static int
node_index(struct v1ctx *c, const yaml_node_t *n)
{
	return (int)(n - c->in->nodes.start) + 1;
}

/* map[key] = value, the key a word at the marks of at. */
static int
out_set(struct v1ctx *c, int map, const char *key, const yaml_node_t *at,
    int val)
{
	return val != 0 && out_pair(c, map, out_word(c, key, at), val);
}

static int
cred_cmp(const void *a, const void *b)
{
	const struct v1cred *x = a, *y = b;
	int		 r;

	r = strcmp((const char *)x->name->data.scalar.value,
	    (const char *)y->name->data.scalar.value);
	if (r != 0)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
handler_cmp(const void *a, const void *b)
{
	const struct v1handler *x = a, *y = b;
	int		 r;

	if ((r = strcmp(x->sname, y->sname)) != 0)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* One credential: - {name: N, provider: P, id: I}. */
static int
parse_cred(struct v1ctx *c, const struct v1handler *h, yaml_node_t *item,
    struct v1cred *cr)
{
	struct v1field	 f[] = {
		{ "name", NULL, NULL }, { "provider", NULL, NULL },
		{ "id", NULL, NULL },
	};
	const char	*s;
	char		 what[160];
	int		 r;

	snprintf(what, sizeof(what), "a credential of handler " NAMEFMT,
	    h->sname);
	if (item == NULL)
		return v1_err(c, h->credentials, "broken sequence");
	if ((r = v1_fields(c, item, what, f, nitems(f))) != 0)
		return r;
	if (f[0].val == NULL)
		return v1_err(c, item, "%s needs a name", what);
	if ((r = v1_string(c, f[0].val, "a credential's name", &s)) != 0)
		return r;
	/* The id is a secret when the provider is literal: never shown. */
	if (f[1].val == NULL || f[2].val == NULL)
		return v1_err(c, item, "credential " NAMEFMT " of handler "
		    NAMEFMT " needs %s", s, h->sname,
		    f[1].val == NULL ? "a provider" : "an id");
	cr->item = item;
	cr->name = f[0].val;
	cr->provider = f[1].val;
	cr->id = f[2].val;
	return 0;
}

/* credentials: {NAME: {from: PROVIDER, get: ID}, ...}, sorted by name. */
static int
out_credentials(struct v1ctx *c, const struct v1handler *h, int svc)
{
	yaml_node_item_t *it = h->credentials->data.sequence.items.start;
	struct v1cred	*crs;
	size_t		 n, i;
	int		 map, m, r = 0;

	n = h->credentials->data.sequence.items.top - it;
	if (n > V1_MAX_ITEMS)
		return v1_err(c, h->credentials, "more than %d credentials",
		    V1_MAX_ITEMS);
	if ((crs = calloc(n + 1, sizeof(*crs))) == NULL)
		return v1_err(c, h->credentials, "out of memory");
	for (i = 0; i < n && r == 0; i++) {
		crs[i].idx = i;
		r = parse_cred(c, h, in_node(c, it[i]), &crs[i]);
	}
	if (r != 0)
		goto out;
	qsort(crs, n, sizeof(*crs), cred_cmp);
	if ((map = out_mapping(c, h->credentials)) == 0 ||
	    !out_set(c, svc, "credentials", h->credentials, map))
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((m = out_mapping(c, crs[i].item)) == 0 ||
		    !out_set(c, m, "from", crs[i].provider,
		    out_copy(c, node_index(c, crs[i].provider))) ||
		    !out_set(c, m, "get", crs[i].id,
		    out_copy(c, node_index(c, crs[i].id))) ||
		    !out_pair(c, map, out_copy(c, node_index(c,
		    crs[i].name)), m))
			goto nomem;
	}
	goto out;
 nomem:
	r = v1_err(c, h->node, "out of memory");
 out:
	free(crs);
	return r;
}

/* "tcp://" + address or "unix://" + socket, at the address's marks. */
static int
out_listen(struct v1ctx *c, const struct v1listener *l)
{
	const yaml_node_t *at = l->address != NULL ? l->address : l->socket;
	const char	*s;
	char		*url;
	int		 idx, r;

	if ((r = v1_string(c, at, l->address != NULL ? "address" : "socket",
	    &s)) != 0)
		return -1;
	if (asprintf(&url, "%s%s", l->address != NULL ? "tcp://" : "unix://",
	    s) == -1)
		return 0;
	idx = out_scalar(c, url, strlen(url), YAML_PLAIN_SCALAR_STYLE, at);
	free(url);
	return idx;
}

/* One handler as the service it means. */
static int
out_service(struct v1ctx *c, const struct v1handler *h, int services)
{
	const struct v1listener *l = h->l;
	const yaml_node_t *conn_at = l->http ? h->type : l->protocol;
	const char	*conn;
	int		 svc, listen, cfg;

	if ((svc = out_mapping(c, h->node)) == 0 ||
	    !out_pair(c, services, out_copy(c, node_index(c, h->name)), svc))
		goto nomem;
	conn = (const char *)conn_at->data.scalar.value;
	if (l->http && strncmp(conn, "http/", 5) == 0)
		conn += 5;
	if (!out_set(c, svc, "connector", conn_at, out_scalar(c, conn,
	    strlen(conn), conn_at->data.scalar.style, conn_at)))
		goto nomem;
	if ((listen = out_listen(c, l)) == -1)
		return ERR_FORMAT;
	if (!out_set(c, svc, "listenOn", l->address != NULL ? l->address :
	    l->socket, listen))
		goto nomem;
	if (h->credentials != NULL &&
	    h->credentials->data.sequence.items.top !=
	    h->credentials->data.sequence.items.start &&
	    out_credentials(c, h, svc) != 0)
		return ERR_FORMAT;
	if (h->match != NULL &&
	    ((cfg = out_mapping(c, h->match)) == 0 ||
	    !out_set(c, svc, "config", h->match, cfg) ||
	    !out_set(c, cfg, "authenticateURLsMatching", h->match,
	    out_copy(c, node_index(c, h->match)))))
		goto nomem;
	return 0;
 nomem:
	return v1_err(c, h->node, "out of memory");
}

/* version: 2, services: {...}, and the airlock: section as it is. */
static int
build(struct v1ctx *c, yaml_node_t *root, struct v1field *top,
    struct v1handler *hs, size_t nhs)
{
	int	 doc, services;
	size_t	 i;

	if (!yaml_document_initialize(&c->out, NULL, NULL, NULL, 1, 1))
		return v1_err(c, root, "out of memory");
	if ((doc = out_mapping(c, root)) == 0 ||
	    !out_set(c, doc, "version", root, out_word(c, "2", root)))
		goto nomem;
	if (top[3].val != NULL &&
	    !out_pair(c, doc, out_copy(c, node_index(c, top[3].keynode)),
	    out_copy(c, node_index(c, top[3].val))))
		goto nomem;
	if ((services = out_mapping(c, top[2].val)) == 0 ||
	    !out_set(c, doc, "services", top[2].keynode, services))
		goto nomem;
	qsort(hs, nhs, sizeof(*hs), handler_cmp);
	for (i = 0; i < nhs; i++)
		if (out_service(c, &hs[i], services) != 0)
			return ERR_FORMAT;
	return 0;
 nomem:
	return v1_err(c, root, "out of memory");
}

static void
wipe_document(yaml_document_t *doc)
{
	yaml_node_t	*n;

	for (n = doc->nodes.start; n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE)
			secret_wipe(n->data.scalar.value,
			    n->data.scalar.length);
}

/* The root mapping's value of key, or NULL. */
static yaml_node_t *
root_key(yaml_document_t *doc, yaml_node_t *root, const char *key)
{
	yaml_node_pair_t *p;

	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++)
		if (is_scalar(yaml_document_get_node(doc, p->key), key))
			return yaml_document_get_node(doc, p->value);
	return NULL;
}

static yaml_node_t *
root_version(yaml_document_t *doc, yaml_node_t *root)
{
	return root_key(doc, root, "version");
}

int
confv1_is_v1(yaml_document_t *doc)
{
	yaml_node_t	*root = yaml_document_get_root_node(doc), *v;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return 0;
	v = root_version(doc, root);
	/*
	 * Without version, but with services and no listeners or handlers
	 * (Secretless's oauth1 example says "genericversion: 2"): Secretless
	 * reads it as version 1 and serves nothing; config.c reads its
	 * services as version 2, and says so.
	 */
	if (v == NULL && root_key(doc, root, "services") != NULL &&
	    root_key(doc, root, "listeners") == NULL &&
	    root_key(doc, root, "handlers") == NULL)
		return 0;
	return v == NULL || is_scalar(v, "1");
}

int
confv1_convert(yaml_document_t *doc, struct config *cf, const char *path,
    char *err, size_t errlen)
{
	struct v1field	 top[] = {
		{ "version", NULL, NULL }, { "listeners", NULL, NULL },
		{ "handlers", NULL, NULL }, { "airlock", NULL, NULL },
	};
	struct v1ctx	 c;
	struct v1listener *ls = NULL;
	struct v1handler *hs = NULL;
	yaml_node_t	*root = yaml_document_get_root_node(doc);
	size_t		 nls = 0, nhs = 0;
	int		 r, built = 0;

	memset(&c, 0, sizeof(c));
	c.in = doc;
	c.cf = cf;
	c.path = path;
	c.err = err;
	c.errlen = errlen;
	c.yw.path = path;
	c.yw.doc = doc;
	c.yw.err = err;
	c.yw.errlen = errlen;
	c.ncopied = doc->nodes.top - doc->nodes.start;
	if ((c.copied = calloc(c.ncopied + 1, sizeof(*c.copied))) == NULL)
		return v1_err(&c, root, "out of memory");
	if ((r = v1_fields(&c, root, root_version(doc, root) != NULL ?
	    "a version 1 file" : "no version: a version 1 file (a version 2 "
	    "file starts with version: 2)", top, nitems(top))) != 0 ||
	    (r = v1_warn(&c, root, "a Secretless Broker version 1 file "
	    "(listeners and handlers), deprecated: converted to version 2 on "
	    "load; airlockd -T -f %s prints the version 2 equivalent",
	    path)) != 0 ||
	    (r = parse_listeners(&c, top[1].val, root, &ls, &nls)) != 0 ||
	    (r = parse_handlers(&c, top[2].val, root, ls, nls, &hs,
	    &nhs)) != 0)
		goto out;
	built = 1;
	if ((r = build(&c, root, top, hs, nhs)) != 0)
		goto out;
	/* The old document's scalars hold the same secrets: wipe them. */
	wipe_document(doc);
	yaml_document_delete(doc);
	*doc = c.out;
	built = 0;
 out:
	if (built) {
		wipe_document(&c.out);
		yaml_document_delete(&c.out);
	}
	free(c.copied);
	free(ls);
	free(hs);
	return r;
}
