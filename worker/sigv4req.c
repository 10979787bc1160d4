/*
 * An AWS request's canonical form, for the signature the monitor makes in
 * place of the client's ("Create a canonical request" of Signature Version
 * 4, AWS General Reference), built as botocore builds it (auth.py,
 * SigV4Auth.canonical_request; S3SigV4Auth for S3), so that a request
 * which botocore signed for a dummy key is signed alike for the real one:
 *
 *	method		as sent
 *	URI		not S3: the path with dot segments and empty
 *			segments removed (utils.remove_dot_segments), then
 *			URI-encoded with "/" kept: the path as sent is
 *			already encoded, so its escapes are encoded twice,
 *			as AWS wants it for every service but S3.
 *			S3: the path as sent, not normalised, encoded once:
 *			each escape of an unreserved character decoded,
 *			every other byte escaped, in upper-case hex
 *	query		each name and value decoded ("+" is a space) and
 *			URI-encoded (RFC 3986 unreserved characters kept),
 *			sorted by name, then value
 *	headers		the signed ones: names lower-cased, values
 *			trimmed
 *			with inner runs of blanks made one space, a field
 *			given twice joined with ","
 *	signed headers	the client's list, which must be sorted
 *	payload		its hash, or UNSIGNED-PAYLOAD
 *
 * What the client's own Authorization said (its scope, what it signed)
 * comes from sigv4_parse_authorization.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "pctenc.h"
#include "sigv4hash.h"
#include "util.h"

#define SIGV4_PREFIX		"AWS4-HMAC-SHA256"
#define SIGV4_CREQ_MAX		(256 * 1024)

/* A field name's character (RFC 9110 5.6.2 tchar), lower case. */
static int
is_lower_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * botocore's remove_dot_segments: "." and empty segments dropped, ".."
 * drops the one before; a leading "/" kept, a trailing one kept when
 * anything is left.  Into out (room for len + 1 bytes); its length.
 */
static size_t
remove_dot_segments(const char *path, size_t len, char *out)
{
	size_t	 o = 0, i = 0, seg, n;

	if (len == 0)
		return 0;
	if (path[0] == '/')
		out[o++] = '/';
	while (i < len) {
		for (seg = i; i < len && path[i] != '/'; i++)
			;
		n = i - seg;
		i++;
		if (n == 0 || (n == 1 && path[seg] == '.'))
			continue;
		if (n == 2 && path[seg] == '.' && path[seg + 1] == '.') {
			/* Drop the last segment and its "/". */
			if (o > 0 && out[o - 1] == '/' && o > (path[0] == '/'))
				o--;
			while (o > (size_t)(path[0] == '/') &&
			    out[o - 1] != '/')
				o--;
			continue;
		}
		memcpy(out + o, path + seg, n);
		o += n;
		out[o++] = '/';
	}
	/* Each kept segment left a "/"; the path's last tells if it stays. */
	if (o > (size_t)(path[0] == '/') && path[len - 1] != '/')
		o--;
	return o;
}

static int
canonical_uri(struct buf *b, const char *path, size_t len, int s3)
{
	char	*norm;
	size_t	 n, i, seg;
	int	 rc = 0;

	if (s3) {
		/* Segment by segment: an encoded "/" stays encoded. */
		for (i = 0; rc == 0 && i <= len; i++) {
			for (seg = i; i < len && path[i] != '/'; i++)
				;
			rc = pct_recode(b, path + seg, i - seg, 0) |
			    (i < len ? buf_put_u8(b, '/') : 0);
		}
		return rc == 0 ? 0 : -1;
	}
	if (len == 0)
		return buf_put_u8(b, '/');
	if ((norm = malloc(len + 1)) == NULL)
		return -1;
	n = remove_dot_segments(path, len, norm);
	rc = pct_encode(b, norm, n, PCT_KEEP_SLASH);
	free(norm);
	return rc;
}

struct qparam {
	struct buf	*name, *value;
};

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam	*x = a, *y = b;
	int			 c;

	if ((c = bytes_cmp(buf_ptr(x->name), buf_len(x->name),
	    buf_ptr(y->name), buf_len(y->name))) != 0)
		return c;
	return bytes_cmp(buf_ptr(x->value), buf_len(x->value),
	    buf_ptr(y->value), buf_len(y->value));
}

/* The query's parameters, encoded and sorted, joined by "&". */
static int
canonical_query(struct buf *b, const char *q, size_t len)
{
	struct qparam	*p = NULL;
	struct pct_pair	 pair;
	size_t		 np = 0, i, off = 0;
	int		 rc = -1;

	if ((p = calloc(len / 2 + 1, sizeof(*p))) == NULL)
		return -1;
	while (pct_next_pair(q, len, &off, &pair)) {
		p[np].name = buf_new(SIGV4_CREQ_MAX);
		p[np].value = buf_new(SIGV4_CREQ_MAX);
		/* "+" is a space, as botocore sends one and AWS reads it. */
		if (p[np++].value == NULL || p[np - 1].name == NULL ||
		    pct_recode(p[np - 1].name, pair.name, pair.namelen,
		    PCT_PLUS) != 0 || pct_recode(p[np - 1].value, pair.value,
		    pair.valuelen, PCT_PLUS) != 0)
			goto done;
	}
	qsort(p, np, sizeof(*p), qparam_cmp);
	rc = 0;
	for (i = 0; rc == 0 && i < np; i++)
		rc = (i > 0 ? buf_put_u8(b, '&') : 0) |
		    buf_put(b, buf_ptr(p[i].name), buf_len(p[i].name)) |
		    buf_put_u8(b, '=') |
		    buf_put(b, buf_ptr(p[i].value), buf_len(p[i].value));
 done:
	for (i = 0; i < np; i++) {
		buf_free(p[i].name);
		buf_free(p[i].value);
	}
	free(p);
	return rc == 0 ? 0 : -1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* A value trimmed, its inner runs of blanks one space (Python split()). */
static int
put_trimall(struct buf *b, const char *v, size_t len)
{
	size_t	 i = 0, start;
	int	 first = 1, rc = 0;

	while (rc == 0 && i < len) {
		while (i < len && is_blank((unsigned char)v[i]))
			i++;
		for (start = i; i < len && !is_blank((unsigned char)v[i]); i++)
			;
		if (i == start)
			break;
		rc = (first ? 0 : buf_put_u8(b, ' ')) |
		    buf_put(b, v + start, i - start);
		first = 0;
	}
	return rc;
}

/*
 * One signed field's canonical line, "name:value\n".  Host, when the head
 * has no such field, is the URL's host with its port unless the default
 * (botocore's _host_from_url).  -1 when the request lacks the field.
 */
static int
canonical_header(struct buf *b, const struct http_head *h, const char *name,
    size_t namelen)
{
	size_t	 i, n = 0;
	int	 rc;

	rc = buf_put(b, name, namelen) | buf_put_u8(b, ':');
	for (i = 0; rc == 0 && i < h->nfields; i++) {
		if (h->fields[i].namelen != namelen ||
		    strncasecmp(h->fields[i].name, name, namelen) != 0)
			continue;
		rc = (n++ > 0 ? buf_put_u8(b, ',') : 0) | put_trimall(b,
		    h->fields[i].value, h->fields[i].valuelen);
	}
	if (rc == 0 && n == 0) {
		if (namelen != 4 || memcmp(name, "host", 4) != 0)
			return -1;
		rc = buf_put(b, h->host, strlen(h->host));
		if (h->port[0] != '\0' && !(strcmp(h->port, "80") == 0 &&
		    strcmp(h->scheme, "http") == 0) &&
		    !(strcmp(h->port, "443") == 0 &&
		    strcmp(h->scheme, "https") == 0))
			rc |= buf_put_u8(b, ':') | buf_put(b, h->port,
			    strlen(h->port));
	}
	return rc | buf_put_u8(b, '\n');
}

/* The signed names: lower-case tokens joined by ";", in ascending order. */
static int
check_signed(const char *list)
{
	const char	*p = list, *prev = NULL, *end;
	size_t		 n, prevlen = 0;

	for (;;) {
		end = strchr(p, ';');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!is_lower_tchar((unsigned char)p[i]))
				return -1;
		if (prev != NULL) {
			if (bytes_cmp(prev, prevlen, p, n) >= 0)
				return -1;
		}
		prev = p;
		prevlen = n;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

static int
check_payload_hash(const char *h, char *why, size_t whylen)
{
	size_t	 i;

	if (strcmp(h, "UNSIGNED-PAYLOAD") == 0)
		return 0;
	if (strncmp(h, "STREAMING-", 10) == 0) {
		snprintf(why, whylen, "streaming (chunk-signed) payloads are "
		    "not supported");
		return -1;
	}
	for (i = 0; h[i] != '\0'; i++)
		if (pct_hexval((unsigned char)h[i]) == -1 || (h[i] >= 'A' &&
		    h[i] <= 'F'))
			break;
	if (i != SIGV4_HEX_LEN || h[i] != '\0') {
		snprintf(why, whylen, "x-amz-content-sha256 is neither a "
		    "SHA-256 in hex nor UNSIGNED-PAYLOAD");
		return -1;
	}
	return 0;
}

static int
is_s3(const char *service)
{
	return strcmp(service, "s3") == 0 || strncmp(service, "s3-", 3) == 0;
}

int
sigv4_canonical_hash(const struct http_head *h, const struct sigv4_client *c,
    const char *service, const char *payload_hash, char out[65], char *why,
    size_t whylen)
{
	struct buf	*b;
	const char	*target = h->target, *q, *name, *end;
	size_t		 pathlen, n;
	int		 rc = -1;

	if (check_payload_hash(payload_hash, why, whylen) == -1)
		return -1;
	if (check_signed(c->signed_headers) == -1) {
		snprintf(why, whylen, "SignedHeaders is not a sorted list of "
		    "lower-case field names");
		return -1;
	}
	if (target[0] != '/' || strchr(target, '#') != NULL) {
		snprintf(why, whylen, "the request target is not a path and "
		    "query");
		return -1;
	}
	if ((b = buf_new(SIGV4_CREQ_MAX)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	q = strchr(target, '?');
	pathlen = q != NULL ? (size_t)(q - target) : strlen(target);
	if (buf_put(b, h->method, strlen(h->method)) != 0 ||
	    buf_put_u8(b, '\n') != 0 ||
	    canonical_uri(b, target, pathlen, is_s3(service)) != 0 ||
	    buf_put_u8(b, '\n') != 0 ||
	    (q != NULL && canonical_query(b, q + 1, strlen(q + 1)) != 0) ||
	    buf_put_u8(b, '\n') != 0) {
		snprintf(why, whylen, "the request's URL has a malformed "
		    "%%-escape");
		goto done;
	}
	for (name = c->signed_headers; ; name = end + 1) {
		end = strchr(name, ';');
		n = end != NULL ? (size_t)(end - name) : strlen(name);
		if (canonical_header(b, h, name, n) != 0) {
			snprintf(why, whylen, "the request lacks the field "
			    "%.*s that its signature covers", (int)n, name);
			goto done;
		}
		if (end == NULL)
			break;
	}
	if (buf_put_u8(b, '\n') != 0 || buf_put(b, c->signed_headers,
	    strlen(c->signed_headers)) != 0 || buf_put_u8(b, '\n') != 0 ||
	    buf_put(b, payload_hash, strlen(payload_hash)) != 0) {
		snprintf(why, whylen, "the request is too large to sign");
		goto done;
	}
	sigv4_sha256_hex(buf_ptr(b), buf_len(b), out);
	rc = 0;
 done:
	buf_free(b);
	return rc;
}

/* "Name=value" at p (up to end): the value, or NULL when not name's. */
static const char *
component(const char *p, const char *end, const char *name, size_t *len)
{
	size_t	 n = strlen(name);

	if ((size_t)(end - p) <= n || memcmp(p, name, n) != 0 || p[n] != '=')
		return NULL;
	*len = (size_t)(end - p) - n - 1;
	return p + n + 1;
}

/*
 * "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b,
 * Signature=hex" (its three components in any order, once each, with
 * blanks after the commas).
 */
int
sigv4_parse_authorization(const char *value, size_t len,
    struct sigv4_client *c)
{
	const char	*p = value, *end = value + len, *comma, *vend, *v;
	const char	*slash;
	size_t		 vlen, i, plen = strlen(SIGV4_PREFIX);
	int		 seen = 0;

	memset(c, 0, sizeof(*c));
	if (len <= plen || memcmp(p, SIGV4_PREFIX, plen) != 0 ||
	    (p[plen] != ' ' && p[plen] != '\t'))
		return -1;
	for (p += plen; p < end; p = comma + 1) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (comma = p; comma < end && *comma != ','; comma++)
			;
		/* Blanks before the comma are no part of the value. */
		for (vend = comma; vend > p && (vend[-1] == ' ' ||
		    vend[-1] == '\t'); vend--)
			;
		if ((v = component(p, vend, "Credential", &vlen)) != NULL) {
			/* AKID/scope: the key is the client's dummy. */
			if (seen & 1 ||
			    (slash = memchr(v, '/', vlen)) == NULL ||
			    slash == v || vend - slash - 1 == 0 ||
			    (size_t)(vend - slash - 1) > SIGV4_SCOPE_MAX)
				goto bad;
			for (i = 0; i < vlen; i++)
				if (v[i] <= ' ' || v[i] >= 0x7f)
					goto bad;
			memcpy(c->scope, slash + 1, (size_t)(vend - slash - 1));
			seen |= 1;
		} else if ((v = component(p, vend, "SignedHeaders", &vlen)) !=
		    NULL) {
			if (seen & 2 || vlen == 0 || vlen > SIGV4_SIGNED_MAX)
				goto bad;
			memcpy(c->signed_headers, v, vlen);
			if (check_signed(c->signed_headers) == -1)
				goto bad;
			seen |= 2;
		} else if ((v = component(p, vend, "Signature", &vlen)) !=
		    NULL) {
			for (i = 0; i < vlen &&
			    pct_hexval((unsigned char)v[i]) != -1; i++)
				;
			if (seen & 4 || i != SIGV4_HEX_LEN || vlen != i)
				goto bad;
			seen |= 4;
		} else
			goto bad;
		if (comma == end)
			break;
	}
	if (seen == 7)
		return 0;
 bad:
	memset(c, 0, sizeof(*c));
	return -1;
}

int
sigv4_add_signed(struct sigv4_client *c, const char *name)
{
	char	 list[SIGV4_SIGNED_MAX + 1];
	char	*p = c->signed_headers, *end;
	size_t	 n, len = strlen(name), at, total;
	int	 cmp;

	if (*p == '\0') {
		if (len > SIGV4_SIGNED_MAX)
			return -1;
		memcpy(c->signed_headers, name, len + 1);
		return check_signed(c->signed_headers);
	}
	/* Where name goes: before the first name greater than it. */
	for (;;) {
		end = strchr(p, ';');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		cmp = memcmp(p, name, n < len ? n : len);
		if (cmp == 0 && n == len)
			return 0;
		if (cmp > 0 || (cmp == 0 && n > len))
			break;
		if (end == NULL) {
			p += n;
			break;
		}
		p = end + 1;
	}
	total = strlen(c->signed_headers);
	if (total + 1 + len > SIGV4_SIGNED_MAX)
		return -1;
	/* The names before, ";" when last, name, ";" and the rest else. */
	at = (size_t)(p - c->signed_headers);
	memcpy(list, c->signed_headers, at);
	if (*p == '\0')
		list[at++] = ';';
	memcpy(list + at, name, len);
	at += len;
	if (*p != '\0') {
		list[at++] = ';';
		memcpy(list + at, p, strlen(p));
		at += strlen(p);
	}
	list[at] = '\0';
	memcpy(c->signed_headers, list, at + 1);
	return check_signed(c->signed_headers);
}
