/*
 * A target's query with a service's queryParams added, as Secretless
 * Broker adds them (its generic connector's appendQueryParams): the query
 * parsed as Go's url.ParseQuery does, the parameters added, and the whole
 * encoded again as url.Values.Encode does, sorted by name (Go's
 * net/url package, "func (v Values) Encode"; its QueryEscape).
 *
 * ParseQuery: pairs are separated by "&"; an empty one is skipped; one
 * with a ";" in its name or an escape that is not "%" and two hex digits
 * is dropped (Go 1.17 and later); "+" is a space; a pair without "="
 * has the empty value.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "http.h"
#include "secret.h"

struct qpair {
	const unsigned char *k;
	size_t		 klen;
	const unsigned char *v;
	size_t		 vlen;
	size_t		 order;		/* for a stable sort */
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Go's QueryUnescape into dst (no longer than src); -1 on a bad escape. */
static int
unescape(const char *s, size_t len, unsigned char *dst, size_t *dlen)
{
	size_t	 i, n = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				return -1;
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			dst[n++] = hi << 4 | lo;
			i += 2;
		} else
			dst[n++] = s[i] == '+' ? ' ' : s[i];
	}
	*dlen = n;
	return 0;
}

/* Go's QueryEscape: unreserved bytes as they are, space as "+". */
static int
escape(struct buf *out, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char	 e[3];
	size_t		 i;
	int		 r = 0;

	for (i = 0; i < len && r == 0; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == '~')
			r = buf_put(out, &s[i], 1);
		else if (s[i] == ' ')
			r = buf_put(out, "+", 1);
		else {
			e[0] = '%';
			e[1] = hex[s[i] >> 4];
			e[2] = hex[s[i] & 15];
			r = buf_put(out, e, 3);
		}
	}
	return r;
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct qpair	*x = a, *y = b;
	size_t			 n = x->klen < y->klen ? x->klen : y->klen;
	int			 c;

	if ((c = memcmp(x->k, y->k, n)) != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The client's pairs, decoded into scratch. */
static size_t
parse_query(const char *q, size_t len, unsigned char *scratch,
    struct qpair *p)
{
	const char	*end = q + len, *amp, *eq;
	size_t		 n = 0, plen, klen, kd, vd;

	while (q < end) {
		amp = memchr(q, '&', end - q);
		plen = (amp != NULL ? amp : end) - q;
		eq = memchr(q, '=', plen);
		klen = eq != NULL ? (size_t)(eq - q) : plen;
		if (plen > 0 && memchr(q, ';', klen) == NULL &&
		    unescape(q, klen, scratch, &kd) == 0 &&
		    unescape(eq ? eq + 1 : q + plen, eq ? plen - klen - 1 : 0,
		    scratch + kd, &vd) == 0) {
			p[n].k = scratch;
			p[n].klen = kd;
			p[n].v = scratch + kd;
			p[n].vlen = vd;
			p[n].order = n;
			n++;
			scratch += kd + vd;
		}
		q += plen + 1;
	}
	return n;
}

int
http_query_add(const char *target, const struct http_kv *add, size_t nadd,
    struct buf *out)
{
	const char	*qm = strchr(target, '?');
	size_t		 pathlen, qlen, n, i;
	unsigned char	*scratch;
	struct qpair	*p;
	int		 r = 0;

	pathlen = qm != NULL ? (size_t)(qm - target) : strlen(target);
	qlen = qm != NULL ? strlen(qm + 1) : 0;
	/* At most one pair per two bytes of the query, and what is added. */
	scratch = malloc(qlen + 1);
	p = calloc(qlen / 2 + 1 + nadd, sizeof(*p));
	if (scratch == NULL || p == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	n = qm != NULL ? parse_query(qm + 1, qlen, scratch, p) : 0;
	for (i = 0; i < nadd; i++) {
		p[n].k = (const unsigned char *)add[i].name;
		p[n].klen = strlen(add[i].name);
		p[n].v = add[i].value->data;
		p[n].vlen = add[i].value->len;
		p[n].order = n;
		n++;
	}
	qsort(p, n, sizeof(*p), cmp_pair);
	if ((r = buf_put(out, target, pathlen)) != 0)
		goto out;
	for (i = 0; i < n && r == 0; i++) {
		if ((r = buf_put(out, i == 0 ? "?" : "&", 1)) == 0 &&
		    (r = escape(out, p[i].k, p[i].klen)) == 0 &&
		    (r = buf_put(out, "=", 1)) == 0)
			r = escape(out, p[i].v, p[i].vlen);
	}
 out:
	if (scratch != NULL)
		secret_wipe(scratch, qlen + 1);
	free(scratch);
	free(p);
	return r;
}
