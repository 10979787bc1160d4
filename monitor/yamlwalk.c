/*
 * Walking a libyaml document (yaml_parser_load's node tree) against a
 * schema: see yamlwalk.h.  The document holds secrets (literal
 * credentials), so no message here prints a scalar's value unless its
 * caller names it as not secret.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config.h"
#include "errors.h"
#include "yamlwalk.h"

#define MERGE_MAX_DEPTH		8
#define MERGE_MAX		1024	/* merged mappings in one file */
#define TREE_MAX_DEPTH		16

int
yw_verror_at(struct yw *c, int line, int col, const char *fmt, va_list ap)
{
	char	 msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->path, line, col, msg);
	return ERR_FORMAT;
}

int
yw_error_at(struct yw *c, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = yw_verror_at(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int
yw_error(struct yw *c, const yaml_node_t *node, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = yw_verror_at(c, node != NULL ? yw_line(node) : 1,
	    node != NULL ? yw_col(node) : 1, fmt, ap);
	va_end(ap);
	return r;
}

int
yw_vwarn(struct yw *c, int line, int col, const char *fmt, va_list ap)
{
	char	 msg[512], *w, **nv;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (asprintf(&w, "%s:%d:%d: %s", c->path, line, col, msg) == -1)
		return yw_error_at(c, line, col, "out of memory");
	if ((nv = reallocarray(c->warnings, c->nwarnings + 1,
	    sizeof(*nv))) == NULL) {
		free(w);
		return yw_error_at(c, line, col, "out of memory");
	}
	c->warnings = nv;
	c->warnings[c->nwarnings++] = w;
	return 0;
}

int
yw_warn(struct yw *c, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = yw_vwarn(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

void
yw_free_warnings(struct yw *c)
{
	size_t	 i;

	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	c->warnings = NULL;
	c->nwarnings = 0;
}

int
yw_parser_error(struct yw *c, const yaml_parser_t *parser)
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

int
yw_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

int
yw_col(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

void
yw_list_add(char *buf, size_t size, const char *name)
{
	size_t	 len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len > 0 ? ", " : "", name);
}

yaml_node_t *
yw_node(struct yw *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

const char *
yw_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

int
yw_is_null(const yaml_node_t *n)
{
	const char	*s;

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = yw_sval(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

int
yw_scalar(struct yw *c, const yaml_node_t *n, const char *what,
    const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return yw_error(c, n, "%s must be a scalar", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
		return yw_error(c, n, "%s contains a NUL byte", what);
	*out = yw_sval(n);
	return 0;
}

int
yw_string(struct yw *c, const yaml_node_t *n, const char *what,
    const char **out)
{
	int	 r;

	if (yw_is_null(n))
		return yw_error(c, n, "%s needs a value", what);
	if ((r = yw_scalar(c, n, what, out)) != 0)
		return r;
	if (**out == '\0')
		return yw_error(c, n, "%s must not be empty", what);
	return 0;
}

int
yw_name(struct yw *c, const yaml_node_t *n, const char *what)
{
	const unsigned char *s = n->data.scalar.value;
	size_t		 i;

	if (n->data.scalar.length == 0)
		return yw_error(c, n, "%s must not be empty", what);
	if (n->data.scalar.length > YW_NAME_MAX)
		return yw_error(c, n, "%s is longer than %d bytes", what,
		    YW_NAME_MAX);
	for (i = 0; i < n->data.scalar.length; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return yw_error(c, n, "%s contains a control "
			    "character", what);
	return 0;
}

int
yw_strdup(struct yw *c, const yaml_node_t *n, const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return yw_error(c, n, "out of memory");
	return 0;
}

int
yw_bool_word(const char *s, int *out)
{
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

int
yw_bool(struct yw *c, const yaml_node_t *n, const char *what, int *out)
{
	const char	*s;
	int		 r;

	if ((r = yw_string(c, n, what, &s)) != 0)
		return r;
	if (yw_bool_word(s, out) != 0)
		return yw_error(c, n, "%s must be true or false", what);
	return 0;
}

int
yw_uint(const char *s, const char **end, long long *out)
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

int
yw_duration_ms(const char *s, long long *ms)
{
	const char	*end;
	long long	 v, unit;

	if (yw_uint(s, &end, &v) != 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		unit = MS_SECOND;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = MS_MINUTE;
	else if (strcmp(end, "h") == 0)
		unit = MS_HOUR;
	else
		return -1;
	*ms = v * unit;
	return 0;
}

int
yw_duration(struct yw *c, const yaml_node_t *n, const char *s,
    const char *what, long long min_ms, long long max_ms, int *out)
{
	long long	 v;

	if (yw_duration_ms(s, &v) != 0)
		goto bad;
	if (v < min_ms || v > max_ms)
		return yw_error(c, n, "%s must lie between %s and %s", what,
		    min_ms == 0 ? "0" : "1ms",
		    max_ms == MS_HOUR ? "1h" : "24h");
	*out = (int)v;
	return 0;
 bad:
	return yw_error(c, n, "%s: expected a duration such as 250ms, 30s "
	    "or 5m", what);
}

void
yw_size_name(char *buf, size_t len, long long v)
{
	static const char units[] = "GMK";
	int		 i;

	snprintf(buf, len, "%lld", v);
	for (i = 0; v != 0 && units[i] != '\0'; i++)
		if (v % (1LL << (30 - 10 * i)) == 0) {
			snprintf(buf, len, "%lld%c", v >> (30 - 10 * i),
			    units[i]);
			break;
		}
}

int
yw_size(struct yw *c, const yaml_node_t *n, const char *s, const char *what,
    long long min, long long max, int none_ok, long long *out)
{
	const char	*end;
	char		 lo[32], hi[32];
	long long	 v;

	if (none_ok && strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (yw_uint(s, &end, &v) != 0)
		goto bad;
	if (strcmp(end, "K") == 0)
		v <<= 10;
	else if (strcmp(end, "M") == 0)
		v <<= 20;
	else if (strcmp(end, "G") == 0)
		v <<= 30;
	else if (*end != '\0')
		goto bad;
	if (v < min || v > max) {
		yw_size_name(lo, sizeof(lo), min);
		yw_size_name(hi, sizeof(hi), max);
		return yw_error(c, n, "%s must lie between %s and %s", what,
		    lo, hi);
	}
	*out = v;
	return 0;
 bad:
	return yw_error(c, n, "%s: expected a size such as 64M or 1G%s", what,
	    none_ok ? ", or none" : "");
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

void
yw_pairs_free(struct pairs *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static int
is_merge_key(const yaml_node_t *k)
{
	return k->type == YAML_SCALAR_NODE &&
	    k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(yw_sval(k), "<<") == 0;
}

static int map_collect(struct yw *, yaml_node_t *, struct pairs *, int);

/* Add the pairs of a merged mapping whose keys are not there yet. */
static int
merge_one(struct yw *c, yaml_node_t *src, struct pairs *out, int depth)
{
	struct pairs	 sub = { NULL, 0, 0 };
	size_t		 i;
	int		 r;

	if (src == NULL || src->type != YAML_MAPPING_NODE)
		return yw_error(c, src, "a merge key (<<) takes a mapping or "
		    "a list of mappings");
	if (++c->merges > MERGE_MAX)
		return yw_error(c, src, "more than %d merges (<<)", MERGE_MAX);
	if ((r = map_collect(c, src, &sub, depth + 1)) != 0)
		goto out;
	for (i = 0; i < sub.n; i++) {
		if (pairs_find(out, sub.v[i].name, sub.v[i].len) != NULL)
			continue;
		if (out->n == YW_MAP_MAX) {
			r = yw_error(c, src, "more than %d keys in one mapping",
			    YW_MAP_MAX);
			goto out;
		}
		if ((r = pairs_add(out, &sub.v[i])) != 0) {
			r = yw_error(c, src, "out of memory");
			goto out;
		}
	}
 out:
	yw_pairs_free(&sub);
	return r;
}

/*
 * The pairs of a mapping.  A key given twice is an error.  Merge keys are
 * resolved as YAML 1.1 (and the Go YAML library that Secretless uses) do:
 * the mapping's own keys win, then earlier merged mappings over later ones.
 */
static int
map_collect(struct yw *c, yaml_node_t *map, struct pairs *out, int depth)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	yaml_node_t	*k, *v;
	struct pair	 np;
	int		 r;

	if (depth > MERGE_MAX_DEPTH)
		return yw_error(c, map, "merge keys (<<) nested too deeply");
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yw_node(c, p->key);
		v = yw_node(c, p->value);
		if (k == NULL || v == NULL)
			return yw_error(c, map, "broken mapping");
		if (is_merge_key(k))
			continue;
		if (k->type != YAML_SCALAR_NODE)
			return yw_error(c, k, "a mapping key must be a scalar");
		if (memchr(k->data.scalar.value, '\0',
		    k->data.scalar.length) != NULL)
			return yw_error(c, k, "a key contains a NUL byte");
		np.key = k;
		np.val = v;
		np.name = yw_sval(k);
		np.len = k->data.scalar.length;
		if (pairs_find(out, np.name, np.len) != NULL)
			return yw_error(c, k, "duplicate key " NAMEFMT,
			    np.name);
		if (out->n == YW_MAP_MAX)
			return yw_error(c, k, "more than %d keys in one "
			    "mapping", YW_MAP_MAX);
		if (pairs_add(out, &np) != 0)
			return yw_error(c, k, "out of memory");
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yw_node(c, p->key);
		if (!is_merge_key(k))
			continue;
		v = yw_node(c, p->value);
		if (v != NULL && v->type == YAML_SEQUENCE_NODE) {
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++)
				if ((r = merge_one(c, yw_node(c, *it), out,
				    depth)) != 0)
					return r;
		} else if ((r = merge_one(c, v, out, depth)) != 0)
			return r;
	}
	return 0;
}

int
yw_map(struct yw *c, yaml_node_t *n, const char *what, struct pairs *out)
{
	memset(out, 0, sizeof(*out));
	if (yw_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return yw_error(c, n, "%s must be a mapping", what);
	return map_collect(c, n, out, 0);
}

int
yw_key_is(const struct pair *p, const char *name)
{
	return strcmp(p->name, name) == 0;
}

/* Where a tree is built: its node budget (aliases could multiply it). */
struct treectx {
	struct yw	*c;
	const char	*what;
	yaml_node_t	*root;		/* where "too many" is reported */
	size_t		 nodes;
};

static int	 tree_node(struct treectx *, yaml_node_t *, struct cfgnode *,
		    int);

/* Room for a mapping's or a sequence's n items, within the budget. */
static int
tree_items(struct treectx *t, yaml_node_t *n, struct cfgnode *out,
    size_t cnt)
{
	if (cnt == 0)
		return 0;
	if ((t->nodes += cnt) > YW_MAP_MAX)
		return yw_error(t->c, t->root, "%s has more than %d settings",
		    t->what, YW_MAP_MAX);
	if ((out->items = calloc(cnt, sizeof(*out->items))) == NULL)
		return yw_error(t->c, n, "out of memory");
	return 0;
}

static int
tree_map(struct treectx *t, yaml_node_t *n, struct cfgnode *out, int depth)
{
	struct yw	*c = t->c;
	struct pairs	 ps = { NULL, 0, 0 };
	struct cfgnode	*it;
	size_t		 i;
	int		 r;

	if ((r = map_collect(c, n, &ps, 0)) != 0 ||
	    (r = tree_items(t, n, out, ps.n)) != 0)
		goto out;
	for (i = 0; i < ps.n; i++) {
		it = &out->items[out->nitems++];
		it->key_line = yw_line(ps.v[i].key);
		it->key_col = yw_col(ps.v[i].key);
		if ((it->key = strdup(ps.v[i].name)) == NULL) {
			r = yw_error(c, n, "out of memory");
			goto out;
		}
		if ((r = tree_node(t, ps.v[i].val, it, depth + 1)) != 0)
			goto out;
	}
 out:
	yw_pairs_free(&ps);
	return r;
}

static int
tree_node(struct treectx *t, yaml_node_t *n, struct cfgnode *out, int depth)
{
	struct yw	*c = t->c;
	yaml_node_item_t *it;
	const char	*s;
	size_t		 i, nit;
	int		 r;

	out->line = yw_line(n);
	out->col = yw_col(n);
	if (depth > TREE_MAX_DEPTH)
		return yw_error(c, n, "%s is nested too deeply", t->what);
	switch (n->type) {
	case YAML_MAPPING_NODE:
		out->kind = CFG_MAP;
		return tree_map(t, n, out, depth);
	case YAML_SEQUENCE_NODE:
		out->kind = CFG_SEQ;
		it = n->data.sequence.items.start;
		nit = n->data.sequence.items.top - it;
		if ((r = tree_items(t, n, out, nit)) != 0)
			return r;
		for (i = 0; i < nit; i++) {
			out->nitems++;
			if (yw_node(c, it[i]) == NULL)
				return yw_error(c, n, "broken sequence");
			if ((r = tree_node(t, yw_node(c, it[i]),
			    &out->items[i], depth + 1)) != 0)
				return r;
		}
		return 0;
	default:
		out->kind = CFG_SCALAR;
		if ((r = yw_scalar(c, n, t->what, &s)) != 0)
			return r;
		if (yw_is_null(n))
			s = "";
		if ((out->value = strdup(s)) == NULL)
			return yw_error(c, n, "out of memory");
		return 0;
	}
}

int
yw_tree(struct yw *c, yaml_node_t *n, const char *what, struct cfgnode **out)
{
	struct treectx	 t = { c, what, n, 0 };
	int		 r;

	*out = NULL;
	if (yw_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return yw_error(c, n, "%s must be a mapping", what);
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return yw_error(c, n, "out of memory");
	if ((r = tree_node(&t, n, *out, 0)) != 0) {
		cfgnode_free(*out);
		*out = NULL;
	}
	return r;
}
