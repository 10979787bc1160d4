/*
 * An HTTP/1.1 head (RFC 9112 sections 3 and 5; a response's, section 4),
 * parsed with the packaged http-parser 2.9.4 and checked for what a proxy
 * must refuse because two parsers could read it two ways (RFC 9112
 * section 11.2, "Request Smuggling").
 *
 * What http-parser refuses by itself: a second Content-Length, even an
 * equal one (HPE_UNEXPECTED_CONTENT_LENGTH), Content-Length with
 * Transfer-Encoding (the same), a request whose Transfer-Encoding does
 * not end in chunked (HPE_INVALID_TRANSFER_ENCODING), a non-digit in a
 * Content-Length, NUL and other control bytes in a field value and a CR
 * not followed by LF (HPE_INVALID_HEADER_TOKEN, HPE_LF_EXPECTED), methods
 * it does not know.  What it lets through, and is checked here: a field
 * name that is not a token (its table takes a space as a name byte, so
 * "Name : v" and a first field line that starts with a space pass),
 * obs-fold (RFC 9112 section 5.2: it joins the lines), a
 * Transfer-Encoding that is chunked after another coding, or named twice.
 *
 * The whole head is parsed at once, from the start of the buffer, when an
 * empty line has arrived: every name and value is then one callback, and
 * a value that comes in two is a folded one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "errors.h"
#include "http.h"
#include "httpmsg.h"
#include "util.h"

/* Where the callbacks are in a head. */
enum cb_state {
	CB_NONE,
	CB_NAME,
	CB_VALUE,
};

struct head_parse {
	struct http_head *h;
	int		 flags;
	int		 status;	/* an HTTP status to refuse with */
	const char	*why;
	int		 complete;
	enum cb_state	 last;
	const char	*url;
	size_t		 urllen;
	const char	*reason;
	size_t		 reasonlen;
	/* The raw fields, pointing into the caller's buffer. */
	struct {
		const char	*name;
		size_t		 namelen;
		const char	*value;
		size_t		 valuelen;
	} raw[HTTP_FIELDS_MAX];
};

static int
refuse(struct head_parse *hp, int status, const char *why)
{
	if (hp->status == 0) {
		hp->status = status;
		hp->why = why;
	}
	return -1;
}


static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct head_parse	*hp = p->data;

	if (hp->url == NULL)
		hp->url = at;
	hp->urllen = at + len - hp->url;
	if (hp->urllen > HTTP_TARGET_MAX)
		return refuse(hp, 414, "the URL is too long");
	return 0;
}

static int
on_status(http_parser *p, const char *at, size_t len)
{
	struct head_parse	*hp = p->data;

	if (hp->reason == NULL)
		hp->reason = at;
	hp->reasonlen = at + len - hp->reason;
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct head_parse	*hp = p->data;
	struct http_head	*h = hp->h;

	if (hp->last == CB_NAME) {
		hp->raw[h->nfields - 1].namelen = at + len -
		    hp->raw[h->nfields - 1].name;
		return 0;
	}
	if (h->nfields == HTTP_FIELDS_MAX)
		return refuse(hp, 431, "too many header fields");
	hp->raw[h->nfields].name = at;
	hp->raw[h->nfields].namelen = len;
	hp->raw[h->nfields].value = NULL;
	hp->raw[h->nfields].valuelen = 0;
	h->nfields++;
	hp->last = CB_NAME;
	return 0;
}

/*
 * A value is one callback; a second one for the same field is a folded
 * line, and so is a value whose first byte is on a line after its name's
 * (an empty first line, folded): RFC 9112 section 5.2 lets a proxy refuse
 * either with 400.
 */
static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct head_parse	*hp = p->data;
	const char		*cp;
	size_t			 i = hp->h->nfields - 1;

	if (hp->last != CB_NAME)
		return refuse(hp, 400, "obsolete line folding in a field");
	hp->last = CB_VALUE;
	hp->raw[i].value = at;
	hp->raw[i].valuelen = len;
	if (len == 0)
		return 0;
	/* Between the name and the value: the colon and blanks only. */
	for (cp = hp->raw[i].name + hp->raw[i].namelen + 1; cp < at; cp++)
		if (*cp != ' ' && *cp != '\t')
			return refuse(hp, 400,
			    "obsolete line folding in a field");
	return 0;
}

/* A copy into the head's own storage, NUL-terminated. */
static char *
keep(struct http_head *h, const char *s, size_t len)
{
	char	*d;

	if (len + 1 > h->memlen - h->memused)
		return NULL;
	d = h->mem + h->memused;
	memcpy(d, s, len);
	d[len] = '\0';
	h->memused += len + 1;
	return d;
}

static char *
keep_lower(struct http_head *h, const char *s, size_t len)
{
	char	*d;
	size_t	 i;

	if ((d = keep(h, s, len)) != NULL)
		for (i = 0; i < len; i++)
			if (d[i] >= 'A' && d[i] <= 'Z')
				d[i] += 'a' - 'A';
	return d;
}

/* The fields, checked and kept, blanks around values cut. */
static int
keep_fields(struct head_parse *hp)
{
	struct http_head	*h = hp->h;
	struct http_field	*f;
	const char		*v;
	size_t			 i, vlen;

	for (i = 0; i < h->nfields; i++) {
		f = &h->fields[i];
		if (!http_token(hp->raw[i].name, hp->raw[i].namelen))
			return refuse(hp, 400, "a field name is not a token");
		v = hp->raw[i].value;
		vlen = hp->raw[i].valuelen;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if ((f->name = keep(h, hp->raw[i].name,
		    hp->raw[i].namelen)) == NULL ||
		    (f->value = keep(h, vlen ? v : "", vlen)) == NULL)
			return refuse(hp, 431, "the head is too large");
		f->namelen = hp->raw[i].namelen;
		f->valuelen = vlen;
	}
	return 0;
}

/*
 * Framing (RFC 9112 section 6): chunked alone, or a Content-Length, or
 * neither; http-parser has already refused the two together and a second
 * length.
 */
static int
check_framing(struct head_parse *hp, http_parser *p)
{
	struct http_head	*h = hp->h;
	size_t			 i, te = 0, cl = 0;

	for (i = 0; i < h->nfields; i++) {
		if (strcasecmp(h->fields[i].name, "Transfer-Encoding") == 0) {
			if (strcasecmp(h->fields[i].value, "chunked") != 0)
				return refuse(hp, 400, "a transfer coding "
				    "other than chunked alone");
			te++;
		} else if (strcasecmp(h->fields[i].name,
		    "Content-Length") == 0)
			cl++;
	}
	if (te > 1 || cl > 1 || (te && cl))
		return refuse(hp, 400, "ambiguous message framing");
	h->chunked = te == 1 && (p->flags & F_CHUNKED) != 0;
	h->has_length = cl == 1;
	h->length = h->has_length ? p->content_length : 0;
	h->keep_alive = http_should_keep_alive(p);
	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, "Expect") == 0 &&
		    strcasecmp(h->fields[i].value, "100-continue") == 0)
			h->expect_continue = 1;
	return 0;
}

/*
 * RFC 9112 section 3.2.2: a request to a proxy is in absolute-form.  The
 * URL's parts, as the monitor wants them (httpmsg.h, MSG_HTTP_ROUTE).
 */
static int
split_url(struct head_parse *hp)
{
	struct http_head	*h = hp->h;
	struct http_parser_url	 u;
	const char		*path = "/", *host;
	size_t			 pathlen = 1, hostlen, i;
	unsigned int		 port;
	char			*t;

	http_parser_url_init(&u);
	if (hp->url == NULL ||
	    http_parser_parse_url(hp->url, hp->urllen, 0, &u) != 0)
		return refuse(hp, 400, "malformed request target");
	if ((u.field_set & (1 << UF_SCHEMA)) == 0 ||
	    (u.field_set & (1 << UF_HOST)) == 0)
		return refuse(hp, 400, "the request is not in absolute "
		    "form (airlock is a forward proxy: set http_proxy)");
	if (u.field_set & ((1 << UF_USERINFO) | (1 << UF_FRAGMENT)))
		return refuse(hp, 400, "a URL with user information or a "
		    "fragment is not forwarded");
	h->scheme = keep_lower(h, hp->url + u.field_data[UF_SCHEMA].off,
	    u.field_data[UF_SCHEMA].len);
	if (h->scheme == NULL || (strcmp(h->scheme, "http") != 0 &&
	    strcmp(h->scheme, "https") != 0))
		return refuse(hp, 400, "the URL's scheme is not http or https");
	host = hp->url + u.field_data[UF_HOST].off;
	hostlen = u.field_data[UF_HOST].len;
	if (hostlen == 0 || hostlen > HTTP_HOST_MAX - 2)
		return refuse(hp, 400, "malformed host in the URL");
	/* http-parser gives an IPv6 address without its brackets. */
	if (memchr(host, ':', hostlen) != NULL) {
		if (host == hp->url || host[-1] != '[')
			return refuse(hp, 400, "malformed host in the URL");
		host--;
		hostlen += 2;
	}
	if ((h->host = keep_lower(h, host, hostlen)) == NULL)
		return refuse(hp, 431, "the head is too large");
	h->port = keep(h, "", 0);
	if (u.field_set & (1 << UF_PORT)) {
		if (port_parse(hp->url + u.field_data[UF_PORT].off,
		    u.field_data[UF_PORT].len, &port) != 0)
			return refuse(hp, 400, "malformed port in the URL");
		h->port = keep(h, hp->url + u.field_data[UF_PORT].off,
		    u.field_data[UF_PORT].len);
	}
	if (u.field_set & (1 << UF_PATH)) {
		path = hp->url + u.field_data[UF_PATH].off;
		pathlen = u.field_data[UF_PATH].len;
	}
	/* The path, then "?" and the query when there is one. */
	if ((t = keep(h, path, pathlen)) == NULL)
		return refuse(hp, 431, "the head is too large");
	if (u.field_set & (1 << UF_QUERY)) {
		/* keep() put a NUL after the path: it becomes the "?". */
		h->memused--;
		if (keep(h, hp->url + u.field_data[UF_QUERY].off - 1,
		    u.field_data[UF_QUERY].len + 1) == NULL)
			return refuse(hp, 431, "the head is too large");
	}
	h->target = t;
	if (t[0] != '/' || strlen(t) > HTTP_TARGET_MAX)
		return refuse(hp, 400, "malformed request target");
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			return refuse(hp, 400, "a byte in the request target "
			    "that is not printable ASCII");
	if (h->host == NULL || h->port == NULL)
		return refuse(hp, 431, "the head is too large");
	return 0;
}

static int
on_headers_complete(http_parser *p)
{
	struct head_parse	*hp = p->data;
	struct http_head	*h = hp->h;

	hp->complete = 1;
	http_parser_pause(p, 1);
	if (keep_fields(hp) != 0 || check_framing(hp, p) != 0)
		return 0;
	h->http_minor = p->http_minor;
	if (p->http_major != 1)
		return refuse(hp, 400, "not HTTP/1.x");
	if (h->request) {
		if (p->method == HTTP_CONNECT)
			return refuse(hp, 405, "CONNECT is not supported; "
			    "airlock forwards plain http requests only");
		if ((h->method = keep(h, http_method_str(p->method),
		    strlen(http_method_str(p->method)))) == NULL)
			return refuse(hp, 431, "the head is too large");
		(void)split_url(hp);
		return 0;
	}
	h->status = p->status_code;
	if ((h->reason = keep(h, hp->reason ? hp->reason : "",
	    hp->reasonlen)) == NULL)
		return refuse(hp, 431, "the head is too large");
	/* RFC 9110 section 6.4.1: these have no content, whatever it says. */
	h->no_body = (hp->flags & HTTP_HEAD_HEAD) || h->status / 100 == 1 ||
	    h->status == 204 || h->status == 304;
	return h->no_body ? 1 : 0;
}

static const http_parser_settings head_settings = {
	.on_url = on_url,
	.on_status = on_status,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
};

/* Has an empty line (the end of a head) arrived? */
static int
head_ended(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, "\n\r\n", 3) != NULL ||
	    memmem(buf, len, "\n\n", 2) != NULL;
}

static int
parser_status(struct head_parse *hp, http_parser *p, const char **why)
{
	switch (HTTP_PARSER_ERRNO(p)) {
	case HPE_INVALID_METHOD:
		*why = "unknown method";
		return 400;
	case HPE_HEADER_OVERFLOW:
		*why = "the head is too large";
		return 431;
	case HPE_UNEXPECTED_CONTENT_LENGTH:
	case HPE_INVALID_TRANSFER_ENCODING:
	case HPE_INVALID_CONTENT_LENGTH:
		*why = "ambiguous message framing";
		return 400;
	case HPE_INVALID_HEADER_TOKEN:
	case HPE_LF_EXPECTED:
		*why = "a field with a byte that is not allowed there";
		return 400;
	default:
		(void)hp;
		*why = http_errno_description(HTTP_PARSER_ERRNO(p));
		return 400;
	}
}

int
http_head_parse(struct http_head *h, int flags, const unsigned char *buf,
    size_t len, size_t *used, char *why, size_t whylen)
{
	struct head_parse	*hp;
	const char		*reason = NULL;
	size_t			 n;
	int			 r;

	*used = 0;
	if (whylen > 0)
		*why = '\0';
	if (len > HTTP_HEAD_MAX)
		len = HTTP_HEAD_MAX;
	if (!head_ended(buf, len)) {
		if (len < HTTP_HEAD_MAX)
			return ERR_AGAIN;
		snprintf(why, whylen, "the head is too large");
		return 431;
	}
	http_head_free(h);
	h->request = (flags & HTTP_HEAD_REQUEST) != 0;
	h->memlen = len * 2 + 64;
	if ((h->mem = malloc(h->memlen)) == NULL ||
	    (hp = calloc(1, sizeof(*hp))) == NULL) {
		http_head_free(h);
		return ERR_NOMEM;
	}
	hp->h = h;
	hp->flags = flags;
	http_parser_init(&h->parser, h->request ? HTTP_REQUEST :
	    HTTP_RESPONSE);
	h->parser.data = hp;
	n = http_parser_execute(&h->parser, &head_settings,
	    (const char *)buf, len);
	h->parser.data = NULL;
	if (hp->status != 0) {
		r = hp->status;
		reason = hp->why;
	} else if (hp->complete && HTTP_PARSER_ERRNO(&h->parser) == HPE_PAUSED) {
		/* Paused at the head's last LF, which the body parse eats. */
		*used = n + 1;
		r = 0;
	} else if (HTTP_PARSER_ERRNO(&h->parser) == HPE_OK && n == len) {
		/* Empty lines before a request line (RFC 9112 section 2.2). */
		r = len < HTTP_HEAD_MAX ? ERR_AGAIN : 431;
		reason = "the head is too large";
	} else
		r = parser_status(hp, &h->parser, &reason);
	free(hp);
	if (r != 0 && reason != NULL)
		snprintf(why, whylen, "%s", reason);
	return r;
}

void
http_head_free(struct http_head *h)
{
	free(h->mem);
	memset(h, 0, sizeof(*h));
}

const struct http_field *
http_field_get(const struct http_head *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, name) == 0)
			return &h->fields[i];
	return NULL;
}

int
http_token_in(const char *list, size_t listlen, const char *name,
    size_t namelen)
{
	const char	*end = list + listlen, *comma;
	size_t		 n;

	while (list < end) {
		while (list < end && (*list == ' ' || *list == '\t' ||
		    *list == ','))
			list++;
		comma = memchr(list, ',', end - list);
		n = (comma != NULL ? comma : end) - list;
		while (n > 0 && (list[n - 1] == ' ' || list[n - 1] == '\t'))
			n--;
		if (n == namelen && n > 0 && strncasecmp(list, name, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

int
http_hop_by_hop(const struct http_head *h, const struct http_field *f)
{
	static const char *const hop[] = {
		"Connection", "Keep-Alive", "Proxy-Connection", "TE",
		"Trailer", "Upgrade",
	};
	size_t	 i;

	for (i = 0; i < nitems(hop); i++)
		if (strcasecmp(f->name, hop[i]) == 0)
			return 1;
	/* The framing is ours to keep, whatever Connection names. */
	if (strcasecmp(f->name, "Content-Length") == 0 ||
	    strcasecmp(f->name, "Transfer-Encoding") == 0 ||
	    strcasecmp(f->name, "Host") == 0)
		return 0;
	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, "Connection") == 0 &&
		    http_token_in(h->fields[i].value, h->fields[i].valuelen,
		    f->name, f->namelen))
			return 1;
	return 0;
}
