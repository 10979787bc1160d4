/*
 * PostgreSQL frontend/backend protocol 3.x: parsers and builders.
 *
 * References are to the chapter "Frontend/Backend Protocol" of the
 * PostgreSQL documentation: "Message Flow" (Start-up, SSL Session
 * Encryption, GSSAPI Session Encryption, Canceling Requests in Progress),
 * "Message Formats" and "SASL Authentication".  Nothing here reads a socket;
 * every parser is handed a message whose length it checks again.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "pgproto.h"

/* A builder's longest error message text; ours are a line or two. */
#define PGP_MAX_ERROR_TEXT	4096
/* SASL data we ever send: a client-first or client-final message. */
#define PGP_MAX_SASL_DATA	PG_AUTH_MAX_BODY

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return p + 4;
}

static unsigned char *
putmem(unsigned char *p, const void *v, size_t len)
{
	if (len > 0)
		memcpy(p, v, len);
	return p + len;
}

/* A string followed by its NUL. */
static unsigned char *
putstr(unsigned char *p, const void *v, size_t len)
{
	p = putmem(p, v, len);
	*p++ = '\0';
	return p;
}

/* Bytes that are to become a protocol String must not hold a NUL. */
static int
nul_free(const void *v, size_t len)
{
	return len == 0 || memchr(v, '\0', len) == NULL;
}

int
pgp_startup_len(uint32_t len)
{
	if (len < PG_STARTUP_MIN_LEN)
		return ERR_FORMAT;
	if (len > PG_STARTUP_MAX_LEN)
		return ERR_TOOBIG;
	return 0;
}

/*
 * "StartupMessage": after the version, pairs of parameter name and value,
 * both Strings, then a zero byte that ends the packet.  Stricter than the
 * server in one respect: a parameter given twice is refused, so that there
 * is no doubt about which of the two the backend would use.
 */
static int
parse_params(const unsigned char *p, size_t len, size_t off,
    struct pgp_startup *s)
{
	const unsigned char	*key, *val, *nul;
	size_t			 keylen, vallen, i;

	for (;;) {
		if (off >= len)
			return ERR_FORMAT;	/* no terminator */
		if (p[off] == '\0')
			break;
		if (s->nparams == PG_MAX_PARAMS)
			return ERR_TOOBIG;
		key = p + off;
		if ((nul = memchr(key, '\0', len - off)) == NULL)
			return ERR_FORMAT;
		keylen = nul - key;
		off += keylen + 1;
		if (off >= len)
			return ERR_FORMAT;	/* no value */
		val = p + off;
		if ((nul = memchr(val, '\0', len - off)) == NULL)
			return ERR_FORMAT;
		vallen = nul - val;
		off += vallen + 1;
		for (i = 0; i < s->nparams; i++)
			if (s->params[i].keylen == keylen &&
			    memcmp(s->params[i].key, key, keylen) == 0)
				return ERR_FORMAT;
		s->params[s->nparams].key = (const char *)key;
		s->params[s->nparams].keylen = keylen;
		s->params[s->nparams].val = (const char *)val;
		s->params[s->nparams].vallen = vallen;
		s->nparams++;
	}
	/* The terminator must be the last byte of the packet. */
	if (off + 1 != len)
		return ERR_FORMAT;
	return 0;
}

int
pgp_startup_parse(const unsigned char *p, size_t len, struct pgp_startup *s)
{
	uint32_t	 plen;
	int		 r;

	memset(s, 0, sizeof(*s));
	if (len < 4)
		return ERR_SHORT;
	plen = get32(p);
	if ((r = pgp_startup_len(plen)) != 0)
		return r;
	if (plen != len)
		return ERR_FORMAT;
	s->code = get32(p + 4);

	switch (s->code) {
	case PG_CODE_SSL:
	case PG_CODE_GSSENC:
		/* "SSLRequest", "GSSENCRequest": the code alone. */
		if (len != 8)
			return ERR_FORMAT;
		s->kind = s->code == PG_CODE_SSL ? PGP_SSL : PGP_GSSENC;
		return 0;
	case PG_CODE_CANCEL:
		/* "CancelRequest": process id, then the key (3.2: 4-256). */
		if (len < 12 + PG_CANCEL_KEY_MIN ||
		    len > 12 + PG_CANCEL_KEY_MAX)
			return ERR_FORMAT;
		s->kind = PGP_CANCEL;
		s->pid = get32(p + 8);
		s->key = p + 12;
		s->keylen = len - 12;
		return 0;
	}
	if (PG_PROTO_MAJOR(s->code) != 3) {
		/* Not parsed further: we do not know its layout. */
		s->kind = PGP_UNSUPPORTED;
		return 0;
	}
	if ((r = parse_params(p, len, 8, s)) != 0) {
		s->nparams = 0;
		return r;
	}
	s->kind = PGP_STARTUP;
	return 0;
}

const struct pgp_param *
pgp_startup_get(const struct pgp_startup *s, const char *key)
{
	size_t	 i, keylen = strlen(key);

	for (i = 0; i < s->nparams; i++)
		if (s->params[i].keylen == keylen &&
		    memcmp(s->params[i].key, key, keylen) == 0)
			return &s->params[i];
	return NULL;
}

/*
 * Builders reserve the whole message first and fill it in, so that a
 * failure leaves the buffer as it was.
 */

int
pgp_put_startup(struct buf *b, uint32_t version, const struct pgp_param *v,
    size_t n)
{
	unsigned char	*p;
	size_t		 i, total = 4 + 4 + 1;
	int		 r;

	if (PG_PROTO_MAJOR(version) != 3)
		return ERR_INVAL;
	for (i = 0; i < n; i++) {
		if (v[i].keylen == 0 || !nul_free(v[i].key, v[i].keylen) ||
		    !nul_free(v[i].val, v[i].vallen))
			return ERR_FORMAT;
		if (v[i].keylen > PG_STARTUP_MAX_LEN ||
		    v[i].vallen > PG_STARTUP_MAX_LEN)
			return ERR_TOOBIG;
		total += v[i].keylen + 1 + v[i].vallen + 1;
		if (total > PG_STARTUP_MAX_LEN)
			return ERR_TOOBIG;
	}
	if ((r = buf_reserve(b, total, &p)) != 0)
		return r;
	p = put32(p, total);
	p = put32(p, version);
	for (i = 0; i < n; i++) {
		p = putstr(p, v[i].key, v[i].keylen);
		p = putstr(p, v[i].val, v[i].vallen);
	}
	*p = '\0';
	return 0;
}

int
pgp_put_ssl_request(struct buf *b)
{
	unsigned char	*p;
	int		 r;

	if ((r = buf_reserve(b, 8, &p)) != 0)
		return r;
	p = put32(p, 8);
	put32(p, PG_CODE_SSL);
	return 0;
}

int
pgp_put_cancel(struct buf *b, uint32_t pid, const unsigned char *key,
    size_t keylen)
{
	unsigned char	*p;
	int		 r;

	if (keylen < PG_CANCEL_KEY_MIN || keylen > PG_CANCEL_KEY_MAX)
		return ERR_INVAL;
	if ((r = buf_reserve(b, 12 + keylen, &p)) != 0)
		return r;
	p = put32(p, 12 + keylen);
	p = put32(p, PG_CODE_CANCEL);
	p = put32(p, pid);
	putmem(p, key, keylen);
	return 0;
}

/* "PasswordMessage": 'p', length, the password as a String. */
int
pgp_password_msg(unsigned char *out, size_t outlen, const void *pw,
    size_t len)
{
	unsigned char	*p = out;

	if (len > PGP_PASSWORD_MAX)
		return ERR_TOOBIG;
	if (outlen != PGP_PASSWORD_MSG_LEN(len))
		return ERR_INVAL;
	if (!nul_free(pw, len))
		return ERR_FORMAT;
	*p++ = 'p';
	p = put32(p, 4 + len + 1);
	putstr(p, pw, len);
	return 0;
}

/*
 * "SASLInitialResponse": 'p', length, the mechanism name as a String, the
 * length of the initial response, the response.
 */
int
pgp_put_sasl_initial(struct buf *b, const char *mechanism,
    const unsigned char *data, size_t len)
{
	unsigned char	*p;
	size_t		 mlen = strlen(mechanism), total;
	int		 r;

	if (mlen == 0 || mlen > 64)
		return ERR_INVAL;
	if (len > PGP_MAX_SASL_DATA)
		return ERR_TOOBIG;
	total = 1 + 4 + mlen + 1 + 4 + len;
	if ((r = buf_reserve(b, total, &p)) != 0)
		return r;
	*p++ = 'p';
	p = put32(p, total - 1);
	p = putstr(p, mechanism, mlen);
	p = put32(p, len);
	putmem(p, data, len);
	return 0;
}

/* "SASLResponse": 'p', length, the data. */
int
pgp_put_sasl_response(struct buf *b, const unsigned char *data, size_t len)
{
	unsigned char	*p;
	int		 r;

	if (len > PGP_MAX_SASL_DATA)
		return ERR_TOOBIG;
	if ((r = buf_reserve(b, 1 + 4 + len, &p)) != 0)
		return r;
	*p++ = 'p';
	p = put32(p, 4 + len);
	putmem(p, data, len);
	return 0;
}

/*
 * "ErrorResponse" with the fields that "Error and Notice Message Fields"
 * says are always present: S (localized severity), V (severity, 9.6 and
 * later), C (SQLSTATE) and M (message).
 */
int
pgp_put_error(struct buf *b, const char *severity, const char *sqlstate,
    const char *message)
{
	unsigned char	*p;
	size_t		 slen = strlen(severity), mlen = strlen(message), total;
	int		 r;

	if (slen == 0 || slen > 16 || strlen(sqlstate) != 5)
		return ERR_INVAL;
	if (mlen > PGP_MAX_ERROR_TEXT)
		return ERR_TOOBIG;
	total = 1 + 4 + 2 * (1 + slen + 1) + (1 + 5 + 1) + (1 + mlen + 1) + 1;
	if ((r = buf_reserve(b, total, &p)) != 0)
		return r;
	*p++ = 'E';
	p = put32(p, total - 1);
	*p++ = 'S';
	p = putstr(p, severity, slen);
	*p++ = 'V';
	p = putstr(p, severity, slen);
	*p++ = 'C';
	p = putstr(p, sqlstate, 5);
	*p++ = 'M';
	p = putstr(p, message, mlen);
	*p = '\0';
	return 0;
}

int
pgp_put_auth_ok(struct buf *b)
{
	unsigned char	*p;
	int		 r;

	if ((r = buf_reserve(b, 9, &p)) != 0)
		return r;
	*p++ = 'R';
	p = put32(p, 8);
	put32(p, PG_AUTH_OK);
	return 0;
}

/* Every message after the start-up: Byte1 type, Int32 length (self incl.). */
int
pgp_header_parse(const unsigned char hdr[PG_HDR_LEN], uint8_t *type,
    size_t *bodylen, size_t max)
{
	uint32_t	 len = get32(hdr + 1);

	if (len < 4)
		return ERR_FORMAT;
	if (len - 4 > max)
		return ERR_TOOBIG;
	*type = hdr[0];
	*bodylen = len - 4;
	return 0;
}

/*
 * "AuthenticationSASL": a list of mechanism names, each a non-empty String,
 * ended by an empty String that is the last byte of the message.
 */
static int
sasl_list_check(const unsigned char *p, size_t len)
{
	const unsigned char	*nul;
	size_t			 off = 0;

	for (;;) {
		if (off >= len)
			return ERR_FORMAT;
		if (p[off] == '\0')
			break;
		if ((nul = memchr(p + off, '\0', len - off)) == NULL)
			return ERR_FORMAT;
		off = nul - p + 1;
	}
	if (off + 1 != len)
		return ERR_FORMAT;
	return 0;
}

int
pgp_auth_parse(const unsigned char *p, size_t len, struct pgp_auth *a)
{
	int	 r;

	memset(a, 0, sizeof(*a));
	if (len < 4)
		return ERR_SHORT;
	a->code = get32(p);
	p += 4;
	len -= 4;

	switch (a->code) {
	case PG_AUTH_OK:
	case PG_AUTH_CLEARTEXT:
		if (len != 0)
			return ERR_FORMAT;
		break;
	case PG_AUTH_MD5:
		if (len != sizeof(a->salt))
			return ERR_FORMAT;
		memcpy(a->salt, p, sizeof(a->salt));
		break;
	case PG_AUTH_SASL:
		if ((r = sasl_list_check(p, len)) != 0)
			return r;
		a->data = p;
		a->datalen = len;
		break;
	case PG_AUTH_SASL_CONT:
	case PG_AUTH_SASL_FINAL:
		/* Its meaning is the mechanism's (RFC 5802), not ours. */
		a->data = p;
		a->datalen = len;
		break;
	default:
		/* A method we do not speak; the caller names the code. */
		break;
	}
	return 0;
}

int
pgp_sasl_has(const struct pgp_auth *a, const char *mechanism)
{
	const unsigned char	*p = a->data, *nul;
	size_t			 off = 0, mlen = strlen(mechanism);

	if (a->code != PG_AUTH_SASL || p == NULL)
		return 0;
	while (off < a->datalen && p[off] != '\0') {
		if ((nul = memchr(p + off, '\0', a->datalen - off)) == NULL)
			return 0;
		if ((size_t)(nul - (p + off)) == mlen &&
		    memcmp(p + off, mechanism, mlen) == 0)
			return 1;
		off = nul - p + 1;
	}
	return 0;
}

/*
 * "ErrorResponse", "NoticeResponse" and "Error and Notice Message Fields":
 * fields of a non-zero type byte and a String, ended by a zero byte that is
 * the last byte of the message.  S, C and M are always present.
 */
int
pgp_fields_parse(const unsigned char *p, size_t len, struct pgp_fields *f)
{
	const unsigned char	*nul;
	const char		*s;
	size_t			 off = 0;
	unsigned char		 t;

	memset(f, 0, sizeof(*f));
	for (;;) {
		if (off >= len)
			goto bad;
		if ((t = p[off++]) == '\0')
			break;
		if (f->n == PG_MAX_FIELDS)
			goto toobig;
		if (off >= len ||
		    (nul = memchr(p + off, '\0', len - off)) == NULL)
			goto bad;
		s = (const char *)(p + off);
		off = nul - p + 1;
		f->n++;
		if (t == 'S' && f->severity == NULL)
			f->severity = s;
		else if (t == 'C' && f->code == NULL)
			f->code = s;
		else if (t == 'M' && f->message == NULL)
			f->message = s;
	}
	if (off != len || f->severity == NULL || f->code == NULL ||
	    f->message == NULL)
		goto bad;
	return 0;
 toobig:
	memset(f, 0, sizeof(*f));
	return ERR_TOOBIG;
 bad:
	memset(f, 0, sizeof(*f));
	return ERR_FORMAT;
}

/*
 * "NegotiateProtocolVersion": the newest version the server supports for
 * the major version asked for, a count, and that many option names that it
 * did not recognise, each a String.
 */
int
pgp_negotiate_parse(const unsigned char *p, size_t len, uint32_t *version,
    size_t *noptions)
{
	const unsigned char	*nul;
	uint32_t		 n, i;
	size_t			 off = 8;

	if (len < 8)
		return ERR_SHORT;
	n = get32(p + 4);
	if (n > PG_MAX_PARAMS)
		return ERR_TOOBIG;
	for (i = 0; i < n; i++) {
		if (off >= len ||
		    (nul = memchr(p + off, '\0', len - off)) == NULL)
			return ERR_FORMAT;
		off = nul - p + 1;
	}
	if (off != len)
		return ERR_FORMAT;
	*version = get32(p);
	*noptions = n;
	return 0;
}
