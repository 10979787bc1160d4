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
 * has the empty value.  The percent-encoding is pctenc.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "http.h"
#include "pctenc.h"
#include "secret.h"

struct qpair {
	const unsigned char *k;
	size_t		 klen;
	const unsigned char *v;
	size_t		 vlen;
	size_t		 koff;		/* in the scratch buffer */
	size_t		 voff;
	size_t		 order;		/* for a stable sort */
};

/* Go's QueryEscape: RFC 3986's unreserved bytes as they are, space "+". */
static int
escape(struct buf *out, const unsigned char *s, size_t len)
{
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < len && r == 0; i++)
		r = s[i] == ' ' ? buf_put(out, "+", 1) :
		    pct_encode(out, &s[i], 1, 0);
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

/*
 * The client's pairs, decoded into scratch (Go's QueryUnescape); a pair
 * that does not decode leaves bytes there that no pair points to.
 */
static size_t
parse_query(const char *q, size_t len, struct buf *scratch, struct qpair *p)
{
	const char	*end = q + len, *amp, *eq;
	size_t		 n = 0, plen, klen, i;

	while (q < end) {
		amp = memchr(q, '&', end - q);
		plen = (amp != NULL ? amp : end) - q;
		eq = memchr(q, '=', plen);
		klen = eq != NULL ? (size_t)(eq - q) : plen;
		p[n].koff = buf_len(scratch);
		if (plen > 0 && memchr(q, ';', klen) == NULL &&
		    pct_decode(scratch, q, klen, PCT_PLUS) == 0) {
			p[n].voff = buf_len(scratch);
			if (pct_decode(scratch, eq ? eq + 1 : q + plen,
			    eq ? plen - klen - 1 : 0, PCT_PLUS) == 0) {
				p[n].klen = p[n].voff - p[n].koff;
				p[n].vlen = buf_len(scratch) - p[n].voff;
				p[n].order = n;
				n++;
			}
		}
		q += plen + 1;
	}
	/* The buffer does not move once it is written. */
	for (i = 0; i < n; i++) {
		p[i].k = buf_ptr(scratch) + p[i].koff;
		p[i].v = buf_ptr(scratch) + p[i].voff;
	}
	return n;
}

int
http_query_add(const char *target, const struct http_kv *add, size_t nadd,
    struct buf *out)
{
	const char	*qm = strchr(target, '?');
	size_t		 pathlen, qlen, n, i;
	struct buf	*scratch;
	struct qpair	*p;
	int		 r = 0;

	pathlen = qm != NULL ? (size_t)(qm - target) : strlen(target);
	qlen = qm != NULL ? strlen(qm + 1) : 0;
	/* At most one pair per two bytes of the query, and what is added. */
	/* Decoding never lengthens. */
	scratch = buf_new(qlen + 1);
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
	buf_free(scratch);
	free(p);
	return r;
}
