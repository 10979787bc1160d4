/*
 * MySQL / MariaDB client/server protocol: framing, the relay's stream
 * tracker, and the connection phase's packets.
 *
 * References in quotes are to MySQL's "Client/Server Protocol" pages
 * (dev.mysql.com/doc/dev/mysql-server/latest/): "MySQL Packets", "Basic
 * Data Types", "Capabilities Flags", "Connection Phase Packets"
 * (Protocol::HandshakeV10, Protocol::HandshakeResponse41,
 * Protocol::SSLRequest, Protocol::AuthSwitchRequest,
 * Protocol::AuthMoreData), "Generic Response Packets" (OK_Packet,
 * ERR_Packet), and to MariaDB's knowledge base page "Connection" (its
 * "1-connecting-connecting" chapter) where MariaDB differs: the extended
 * capabilities in the greeting's and the response's reserved bytes.
 * Nothing here reads a socket; every parser is handed one logical packet's
 * payload, checks every length against it, and consumes it whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "mysqlproto.h"

/* The header's int<3> length. */
static size_t
get24(const unsigned char *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
}

/*
 * "MySQL Packets": a payload of 2^24 - 1 bytes or more is sent as packets of
 * that size, each with the next sequence id, ended by a shorter one (empty
 * if need be).
 */
int
myp_packet_parse(const unsigned char *p, size_t len, size_t cap, uint8_t seq,
    struct myp_packet *pkt)
{
	size_t	 off = 0, total = 0, plen;
	uint8_t	 s = seq;

	memset(pkt, 0, sizeof(*pkt));
	for (;;) {
		if (len - off < MYP_HDR_LEN)
			return ERR_SHORT;
		plen = get24(p + off);
		if (p[off + 3] != s)
			return ERR_PROTO;
		/* Known from the header: the caller need not read on. */
		if (plen > cap - total)
			return ERR_TOOBIG;
		if (plen > len - off - MYP_HDR_LEN)
			return ERR_SHORT;
		off += MYP_HDR_LEN + plen;
		total += plen;
		s++;
		if (plen < MYP_MAX_PAYLOAD)
			break;
	}
	pkt->seq = seq;
	pkt->next = s;
	pkt->paylen = total;
	pkt->wirelen = off;
	pkt->payload = off == MYP_HDR_LEN + total ? p + MYP_HDR_LEN : NULL;
	return 0;
}

int
myp_packet_join(const unsigned char *p, const struct myp_packet *pkt,
    struct buf *out)
{
	unsigned char	*dst;
	size_t		 off = 0, plen;
	int		 r;

	if ((r = buf_reserve(out, pkt->paylen, &dst)) != 0)
		return r;
	while (off < pkt->wirelen) {
		plen = get24(p + off);
		if (plen > 0)
			memcpy(dst, p + off + MYP_HDR_LEN, plen);
		dst += plen;
		off += MYP_HDR_LEN + plen;
	}
	return 0;
}

int
myp_put_packet(struct buf *b, uint8_t seq, const void *v, size_t len)
{
	const unsigned char	*src = v;
	unsigned char		*p;
	size_t			 n = MYP_NPACKETS(len), plen;
	int			 r;

	if (len > SIZE_MAX - MYP_HDR_LEN * n)
		return ERR_TOOBIG;
	if ((r = buf_reserve(b, len + MYP_HDR_LEN * n, &p)) != 0)
		return r;
	for (; n > 0; n--) {
		plen = len < MYP_MAX_PAYLOAD ? len : MYP_MAX_PAYLOAD;
		p[0] = plen;
		p[1] = plen >> 8;
		p[2] = plen >> 16;
		p[3] = seq++;
		if (plen > 0) {
			memcpy(p + MYP_HDR_LEN, src, plen);
			src += plen;
			len -= plen;
		}
		p += MYP_HDR_LEN + plen;
	}
	return 0;
}

void
myp_stream_init(struct myp_stream *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * "Command Phase": the client starts each command with sequence id 0; a
 * command's own continuation packets and any packets it sends within the
 * exchange (LOAD DATA LOCAL INFILE contents, authentication answers) follow
 * with higher ids, and the ids wrap at 256, which is why a continuation is
 * known by the length of the packet before it, not by its id.  Payloads are
 * only counted; a header is only read when all of it is there.
 */
size_t
myp_stream_feed(struct myp_stream *s, const unsigned char *p, size_t len,
    int *cmd)
{
	size_t	 off = 0, step, plen;
	int	 starts;

	*cmd = MYP_STREAM_NONE;
	for (;;) {
		step = len - off < s->left ? len - off : s->left;
		s->left -= step;
		off += step;
		if (off == len || len - off < MYP_HDR_LEN)
			return off;
		plen = get24(p + off);
		starts = !s->more && p[off + 3] == 0 && plen > 0;
		if (starts && !s->announced) {
			if (len - off < MYP_HDR_LEN + 1)
				return off;
			s->announced = 1;
			*cmd = p[off + MYP_HDR_LEN];
			return off;
		}
		s->announced = 0;
		s->more = plen == MYP_MAX_PAYLOAD;
		s->left = plen;
		off += MYP_HDR_LEN;
	}
}

/*
 * "Basic Data Types": string<NUL>.  The NUL must be inside the packet; the
 * string is returned with its length, and at most max bytes long.
 */
static int
get_cstr(struct buf *b, const char **s, size_t *len, size_t max)
{
	const unsigned char	*nul;

	if (buf_len(b) == 0 ||
	    (nul = memchr(buf_ptr(b), '\0', buf_len(b))) == NULL)
		return ERR_FORMAT;
	if ((size_t)(nul - buf_ptr(b)) > max)
		return ERR_TOOBIG;
	*s = (const char *)buf_ptr(b);
	*len = nul - buf_ptr(b);
	return buf_consume(b, *len + 1);
}

/* A string<NUL> to write: no NUL inside, or it would end early. */
static int
put_cstr(struct buf *b, const char *s, size_t len)
{
	int	 r;

	if (len > 0 && memchr(s, '\0', len) != NULL)
		return ERR_FORMAT;
	if ((r = buf_put(b, s, len)) != 0)
		return r;
	return buf_put_u8(b, 0);
}

/* string[n]: n bytes, returned as a pointer into the packet. */
static int
get_fixed(struct buf *b, const unsigned char **v, size_t n)
{
	if (buf_len(b) < n)
		return ERR_SHORT;
	*v = buf_ptr(b);
	return buf_consume(b, n);
}

static int
put_zeros(struct buf *b, size_t n)
{
	unsigned char	*p;
	int		 r;

	if ((r = buf_reserve(b, n, &p)) != 0)
		return r;
	memset(p, 0, n);
	return 0;
}

/*
 * Builders write the payload into a scratch buffer and frame it only when
 * it is whole, so that the caller's buffer is changed all or not at all.
 * The scratch buffer may hold an auth response; buf_free wipes it.
 */
static struct buf *
scratch(void)
{
	return buf_new(MYP_HANDSHAKE_MAX);
}

static int
frame(struct buf *out, uint8_t seq, struct buf *payload, int r)
{
	if (r == 0)
		r = myp_put_packet(out, seq, buf_ptr(payload),
		    buf_len(payload));
	buf_free(payload);
	return r;
}

/*
 * Protocol::HandshakeV10.  auth-plugin-data-part-2 is MAX(13, length of
 * auth-plugin-data - 8) bytes, the scramble's last 12 and a NUL; MariaDB
 * puts its extended capabilities in the last 4 of the 10 reserved bytes
 * when it clears CLIENT_MYSQL.
 */
static int
greeting_fields(struct buf *b, struct myp_greeting *g)
{
	const unsigned char	*part1, *part2;
	uint16_t		 lo, hi;
	uint32_t		 ext;
	uint8_t			 proto, filler, datalen, nul;
	size_t			 part2len;
	int			 r;

	if ((r = buf_get_u8(b, &proto)) != 0)
		return r;
	if (proto != 10)
		return ERR_PROTO;
	if ((r = get_cstr(b, &g->version, &g->versionlen,
	    MYP_NAME_MAX)) != 0 ||
	    (r = buf_get_u32le(b, &g->connid)) != 0 ||
	    (r = get_fixed(b, &part1, 8)) != 0 ||
	    (r = buf_get_u8(b, &filler)) != 0 ||
	    (r = buf_get_u16le(b, &lo)) != 0 ||
	    (r = buf_get_u8(b, &g->charset)) != 0 ||
	    (r = buf_get_u16le(b, &g->status)) != 0 ||
	    (r = buf_get_u16le(b, &hi)) != 0 ||
	    (r = buf_get_u8(b, &datalen)) != 0 ||
	    (r = buf_consume(b, 6)) != 0 ||
	    (r = buf_get_u32le(b, &ext)) != 0)
		return r;
	if (filler != 0)
		return ERR_FORMAT;
	g->caps = (uint32_t)hi << 16 | lo;
	/* Servers older than 4.1 speak an authentication we do not. */
	if ((g->caps & (CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION)) !=
	    (CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION))
		return ERR_PROTO;
	if (!(g->caps & CLIENT_MYSQL))
		g->extcaps = ext;
	part2len = datalen > 8 + 13 ? datalen - 8u : 13;
	if (8 + part2len - 1 != MYP_SCRAMBLE_LEN)
		return ERR_FORMAT;
	if ((r = get_fixed(b, &part2, part2len - 1)) != 0 ||
	    (r = buf_get_u8(b, &nul)) != 0)
		return r;
	if (nul != 0)
		return ERR_FORMAT;
	memcpy(g->scramble, part1, 8);
	memcpy(g->scramble + 8, part2, MYP_SCRAMBLE_LEN - 8);
	if ((g->caps & CLIENT_PLUGIN_AUTH) &&
	    (r = get_cstr(b, &g->plugin, &g->pluginlen, MYP_NAME_MAX)) != 0)
		return r;
	return buf_expect_end(b);
}

int
myp_greeting_parse(const unsigned char *p, size_t len, struct myp_greeting *g)
{
	struct buf	 b;
	int		 r;

	memset(g, 0, sizeof(*g));
	buf_view(&b, p, len);
	if ((r = greeting_fields(&b, g)) != 0)
		memset(g, 0, sizeof(*g));
	return r;
}

int
myp_put_greeting(struct buf *out, uint8_t seq, const struct myp_greeting *g)
{
	struct buf	*b;
	int		 r, plugin = (g->caps & CLIENT_PLUGIN_AUTH) != 0;

	if ((g->caps & (CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION)) !=
	    (CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION) ||
	    memchr(g->scramble, '\0', MYP_SCRAMBLE_LEN) != NULL ||
	    g->versionlen > MYP_NAME_MAX ||
	    (plugin && (g->plugin == NULL || g->pluginlen > MYP_NAME_MAX)))
		return ERR_INVAL;
	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, 10)) != 0 ||
	    (r = put_cstr(b, g->version, g->versionlen)) != 0 ||
	    (r = buf_put_u32le(b, g->connid)) != 0 ||
	    (r = buf_put(b, g->scramble, 8)) != 0 ||
	    (r = buf_put_u8(b, 0)) != 0 ||
	    (r = buf_put_u16le(b, (uint16_t)g->caps)) != 0 ||
	    (r = buf_put_u8(b, g->charset)) != 0 ||
	    (r = buf_put_u16le(b, g->status)) != 0 ||
	    (r = buf_put_u16le(b, g->caps >> 16)) != 0 ||
	    (r = buf_put_u8(b, plugin ? MYP_SCRAMBLE_LEN + 1 : 0)) != 0 ||
	    (r = put_zeros(b, 6)) != 0 ||
	    (r = buf_put_u32le(b, (g->caps & CLIENT_MYSQL) ? 0 :
	    g->extcaps)) != 0 ||
	    (r = put_cstr(b, (const char *)g->scramble + 8,
	    MYP_SCRAMBLE_LEN - 8)) != 0)
		return frame(out, seq, b, r);
	if (plugin)
		r = put_cstr(b, g->plugin, g->pluginlen);
	return frame(out, seq, b, r);
}

/*
 * The servers' generate_user_salt: 7-bit bytes, never NUL (clients may
 * read the scramble as a C string) and never '$' (the separator of the
 * caching_sha2 hash format).
 */
void
myp_scramble_clean(unsigned char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		s[i] &= 0x7f;
		if (s[i] == '\0' || s[i] == '$')
			s[i]++;
	}
}

/*
 * CLIENT_CONNECT_ATTRS: int<lenenc> length of all key-values, then pairs of
 * string<lenenc>, which must fill that length exactly.
 */
static int
attrs_parse(struct buf *b, struct myp_response *r)
{
	struct buf	 a;
	uint64_t	 total;
	struct myp_attr	*at;
	int		 e;

	if ((e = buf_get_lenenc(b, &total)) != 0)
		return e;
	if (total > buf_len(b))
		return ERR_SHORT;
	buf_view(&a, buf_ptr(b), (size_t)total);
	while (buf_len(&a) > 0) {
		if (r->nattrs == MYP_MAX_ATTRS)
			return ERR_TOOBIG;
		at = &r->attrs[r->nattrs];
		if ((e = buf_get_lenenc_string(&a, &at->key, &at->keylen,
		    SIZE_MAX)) != 0 ||
		    (e = buf_get_lenenc_string(&a, &at->val, &at->vallen,
		    SIZE_MAX)) != 0)
			return e == ERR_SHORT ? ERR_FORMAT : e;
		r->nattrs++;
	}
	return buf_consume(b, (size_t)total);
}

/* The auth response in the form that the capability flags say. */
static int
auth_parse(struct buf *b, struct myp_response *r)
{
	const char	*s;
	uint8_t		 n;
	int		 e;

	if (r->caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
		return buf_get_lenenc_string(b, &r->auth, &r->authlen,
		    SIZE_MAX);
	if (r->caps & CLIENT_SECURE_CONNECTION) {
		if ((e = buf_get_u8(b, &n)) != 0)
			return e;
		r->authlen = n;
		return get_fixed(b, &r->auth, n);
	}
	if ((e = get_cstr(b, &s, &r->authlen, SIZE_MAX)) != 0)
		return e;
	r->auth = (const unsigned char *)s;
	return 0;
}

/*
 * Protocol::HandshakeResponse41 after its fixed 32 bytes.  Every field that
 * a flag announces must be there (the connector rebuilds the packet and
 * forwards nothing it did not understand).
 */
static int
response_fields(struct buf *b, struct myp_response *r)
{
	int	 e;

	if ((e = get_cstr(b, &r->user, &r->userlen, SIZE_MAX)) != 0 ||
	    (e = auth_parse(b, r)) != 0)
		return e;
	if ((r->caps & CLIENT_CONNECT_WITH_DB) &&
	    (e = get_cstr(b, &r->db, &r->dblen, SIZE_MAX)) != 0)
		return e;
	if ((r->caps & CLIENT_PLUGIN_AUTH) &&
	    (e = get_cstr(b, &r->plugin, &r->pluginlen, MYP_NAME_MAX)) != 0)
		return e;
	if ((r->caps & CLIENT_CONNECT_ATTRS) && (e = attrs_parse(b, r)) != 0)
		return e;
	if ((r->caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM) &&
	    (e = buf_get_u8(b, &r->zstdlevel)) != 0)
		return e;
	return buf_expect_end(b);
}

/*
 * The fixed part that HandshakeResponse41 and SSLRequest share: int<4>
 * client_flag, int<4> max_packet_size, int<1> character_set, string[23]
 * filler whose last 4 bytes are MariaDB's extended capabilities.
 */
#define MYP_RESPONSE_HEAD	32

int
myp_response_parse(const unsigned char *p, size_t len, struct myp_response *r)
{
	struct buf	 b;
	uint32_t	 ext;
	int		 e;

	memset(r, 0, sizeof(*r));
	if (len < 2)
		return ERR_SHORT;
	/* Protocol::HandshakeResponse320 has int<2> flags: too old. */
	if (!((p[0] | p[1] << 8) & CLIENT_PROTOCOL_41)) {
		r->kind = MYP_RESPONSE_320;
		r->caps = p[0] | p[1] << 8;
		return 0;
	}
	buf_view(&b, p, len);
	if ((e = buf_get_u32le(&b, &r->caps)) != 0 ||
	    (e = buf_get_u32le(&b, &r->maxpacket)) != 0 ||
	    (e = buf_get_u8(&b, &r->charset)) != 0 ||
	    (e = buf_consume(&b, 19)) != 0 ||
	    (e = buf_get_u32le(&b, &ext)) != 0)
		goto fail;
	if (!(r->caps & CLIENT_MYSQL))
		r->extcaps = ext;
	if (len == MYP_RESPONSE_HEAD && (r->caps & CLIENT_SSL)) {
		r->kind = MYP_SSL_REQUEST;
		return 0;
	}
	if ((e = response_fields(&b, r)) != 0)
		goto fail;
	r->kind = MYP_RESPONSE_41;
	return 0;
 fail:
	memset(r, 0, sizeof(*r));
	return e;
}

static int
put_response_head(struct buf *b, const struct myp_response *r, uint32_t caps)
{
	int	 e;

	if (!(caps & CLIENT_PROTOCOL_41))
		return ERR_INVAL;
	if ((e = buf_put_u32le(b, caps)) != 0 ||
	    (e = buf_put_u32le(b, r->maxpacket)) != 0 ||
	    (e = buf_put_u8(b, r->charset)) != 0 ||
	    (e = put_zeros(b, 19)) != 0)
		return e;
	return buf_put_u32le(b, (caps & CLIENT_MYSQL) ? 0 : r->extcaps);
}

static int
put_auth(struct buf *b, const struct myp_response *r)
{
	int	 e;

	if (r->caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
		return buf_put_lenenc_string(b, r->auth, r->authlen);
	if (r->caps & CLIENT_SECURE_CONNECTION) {
		if (r->authlen > 255)
			return ERR_TOOBIG;
		if ((e = buf_put_u8(b, (uint8_t)r->authlen)) != 0)
			return e;
		return buf_put(b, r->auth, r->authlen);
	}
	return put_cstr(b, (const char *)r->auth, r->authlen);
}

static int
put_attrs(struct buf *b, const struct myp_response *r)
{
	struct buf	*a;
	size_t		 i;
	int		 e = 0;

	if (r->nattrs > MYP_MAX_ATTRS)
		return ERR_INVAL;
	if ((a = scratch()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < r->nattrs && e == 0; i++)
		if ((e = buf_put_lenenc_string(a, r->attrs[i].key,
		    r->attrs[i].keylen)) == 0)
			e = buf_put_lenenc_string(a, r->attrs[i].val,
			    r->attrs[i].vallen);
	if (e == 0)
		e = buf_put_lenenc_string(b, buf_ptr(a), buf_len(a));
	buf_free(a);
	return e;
}

int
myp_put_response(struct buf *out, uint8_t seq, const struct myp_response *r)
{
	struct buf	*b;
	int		 e;

	if (((r->caps & CLIENT_CONNECT_WITH_DB) && r->db == NULL) ||
	    ((r->caps & CLIENT_PLUGIN_AUTH) && r->plugin == NULL))
		return ERR_INVAL;
	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((e = put_response_head(b, r, r->caps)) != 0 ||
	    (e = put_cstr(b, r->user, r->userlen)) != 0 ||
	    (e = put_auth(b, r)) != 0)
		return frame(out, seq, b, e);
	if ((r->caps & CLIENT_CONNECT_WITH_DB) &&
	    (e = put_cstr(b, r->db, r->dblen)) != 0)
		return frame(out, seq, b, e);
	if ((r->caps & CLIENT_PLUGIN_AUTH) &&
	    (e = put_cstr(b, r->plugin, r->pluginlen)) != 0)
		return frame(out, seq, b, e);
	if ((r->caps & CLIENT_CONNECT_ATTRS) && (e = put_attrs(b, r)) != 0)
		return frame(out, seq, b, e);
	if (r->caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM)
		e = buf_put_u8(b, r->zstdlevel);
	return frame(out, seq, b, e);
}

int
myp_put_ssl_request(struct buf *out, uint8_t seq, const struct myp_response *r)
{
	struct buf	*b;

	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	return frame(out, seq, b, put_response_head(b, r, r->caps | CLIENT_SSL));
}

/*
 * "Connection Phase": after the response the server sends OK, ERR, an
 * AuthSwitchRequest or AuthMoreData.  0xfe in fewer than 9 bytes is an EOF
 * packet, which here is Protocol::OldAuthSwitchRequest (mysql_old_password).
 */
int
myp_auth_kind(const unsigned char *p, size_t len)
{
	if (len == 0)
		return -1;
	switch (p[0]) {
	case MYP_OK:
	case MYP_ERR:
	case MYP_MORE_DATA:
		return p[0];
	case MYP_EOF:
		return len < 9 ? MYP_EOF : MYP_AUTH_SWITCH;
	}
	return -1;
}

/* Protocol::AuthSwitchRequest: 0xfe, string<NUL> plugin, string<EOF> data. */
int
myp_auth_switch_parse(const unsigned char *p, size_t len,
    struct myp_auth_switch *a)
{
	struct buf	 b;
	int		 r;

	memset(a, 0, sizeof(*a));
	if (myp_auth_kind(p, len) != MYP_AUTH_SWITCH)
		return ERR_FORMAT;
	buf_view(&b, p + 1, len - 1);
	if ((r = get_cstr(&b, &a->plugin, &a->pluginlen, MYP_NAME_MAX)) != 0 ||
	    a->pluginlen == 0) {
		memset(a, 0, sizeof(*a));
		return r != 0 ? r : ERR_FORMAT;
	}
	a->data = buf_ptr(&b);
	a->datalen = buf_len(&b);
	return 0;
}

int
myp_put_auth_switch(struct buf *out, uint8_t seq,
    const struct myp_auth_switch *a)
{
	struct buf	*b;
	int		 r;

	/* Shorter than 9 bytes, it would read as an EOF packet. */
	if (a->pluginlen == 0 || a->pluginlen > MYP_NAME_MAX ||
	    1 + a->pluginlen + 1 + a->datalen < 9)
		return ERR_INVAL;
	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, MYP_EOF)) == 0 &&
	    (r = put_cstr(b, a->plugin, a->pluginlen)) == 0)
		r = buf_put(b, a->data, a->datalen);
	return frame(out, seq, b, r);
}

/* Protocol::AuthMoreData: 0x01, string<EOF> data. */
int
myp_more_data_parse(const unsigned char *p, size_t len,
    const unsigned char **data, size_t *datalen)
{
	if (len < 1)
		return ERR_SHORT;
	if (p[0] != MYP_MORE_DATA)
		return ERR_FORMAT;
	*data = p + 1;
	*datalen = len - 1;
	return 0;
}

int
myp_put_more_data(struct buf *out, uint8_t seq, const unsigned char *data,
    size_t len)
{
	struct buf	*b;
	int		 r;

	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, MYP_MORE_DATA)) == 0)
		r = buf_put(b, data, len);
	return frame(out, seq, b, r);
}

/*
 * OK_Packet: int<lenenc> affected rows and last insert id, then the status
 * and warnings as the flags say.  With CLIENT_SESSION_TRACK the info is a
 * string<lenenc> that MySQL leaves out when it is empty and no state
 * changed, and the session state follows when SERVER_SESSION_STATE_CHANGED
 * says so; without, the info is the rest of the packet.
 */
static int
ok_fields(struct buf *b, uint32_t caps, struct myp_ok *ok)
{
	uint8_t	 header;
	int	 r;

	if ((r = buf_get_u8(b, &header)) != 0)
		return r;
	if (header != MYP_OK)
		return ERR_FORMAT;
	if ((r = buf_get_lenenc(b, &ok->affected)) != 0 ||
	    (r = buf_get_lenenc(b, &ok->lastid)) != 0)
		return r;
	if ((caps & (CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS)) &&
	    (r = buf_get_u16le(b, &ok->status)) != 0)
		return r;
	if ((caps & CLIENT_PROTOCOL_41) &&
	    (r = buf_get_u16le(b, &ok->warnings)) != 0)
		return r;
	if (!(caps & CLIENT_SESSION_TRACK)) {
		ok->info = buf_ptr(b);
		ok->infolen = buf_len(b);
		return buf_consume(b, buf_len(b));
	}
	if ((buf_len(b) > 0 || (ok->status & SERVER_SESSION_STATE_CHANGED)) &&
	    (r = buf_get_lenenc_string(b, &ok->info, &ok->infolen,
	    SIZE_MAX)) != 0)
		return r;
	if ((ok->status & SERVER_SESSION_STATE_CHANGED) &&
	    (r = buf_get_lenenc_string(b, &ok->state, &ok->statelen,
	    SIZE_MAX)) != 0)
		return r;
	return buf_expect_end(b);
}

int
myp_ok_parse(const unsigned char *p, size_t len, uint32_t caps,
    struct myp_ok *ok)
{
	struct buf	 b;
	int		 r;

	memset(ok, 0, sizeof(*ok));
	buf_view(&b, p, len);
	if ((r = ok_fields(&b, caps, ok)) != 0)
		memset(ok, 0, sizeof(*ok));
	return r;
}

int
myp_put_ok(struct buf *out, uint8_t seq, uint32_t caps, const struct myp_ok *ok)
{
	struct buf	*b;
	int		 r;

	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, MYP_OK)) != 0 ||
	    (r = buf_put_lenenc(b, ok->affected)) != 0 ||
	    (r = buf_put_lenenc(b, ok->lastid)) != 0)
		return frame(out, seq, b, r);
	if ((caps & (CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS)) &&
	    (r = buf_put_u16le(b, ok->status)) != 0)
		return frame(out, seq, b, r);
	if ((caps & CLIENT_PROTOCOL_41) &&
	    (r = buf_put_u16le(b, ok->warnings)) != 0)
		return frame(out, seq, b, r);
	if (!(caps & CLIENT_SESSION_TRACK))
		r = buf_put(b, ok->info, ok->infolen);
	else if ((r = buf_put_lenenc_string(b, ok->info, ok->infolen)) == 0 &&
	    (ok->status & SERVER_SESSION_STATE_CHANGED))
		r = buf_put_lenenc_string(b, ok->state, ok->statelen);
	return frame(out, seq, b, r);
}

/* A SQLSTATE is five characters of digits and capitals. */
static int
sqlstate_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len != MYP_SQLSTATE_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/*
 * ERR_Packet: 0xff, int<2> code, with CLIENT_PROTOCOL_41 '#' and a 5-byte
 * SQLSTATE, then the message to the end.  A server that refuses a
 * connection before the response (too many connections, a blocked host)
 * does not know the client's flags and sends no SQLSTATE, so the marker
 * decides, as in the servers' own clients.
 */
int
myp_err_parse(const unsigned char *p, size_t len, uint32_t caps,
    struct myp_err *e)
{
	memset(e, 0, sizeof(*e));
	if (len < 3)
		return ERR_SHORT;
	if (p[0] != MYP_ERR)
		return ERR_FORMAT;
	e->code = p[1] | p[2] << 8;
	p += 3;
	len -= 3;
	if ((caps & CLIENT_PROTOCOL_41) && len > 0 && p[0] == '#') {
		if (len < 1 + MYP_SQLSTATE_LEN ||
		    !sqlstate_ok((const char *)p + 1, MYP_SQLSTATE_LEN)) {
			memset(e, 0, sizeof(*e));
			return ERR_FORMAT;
		}
		memcpy(e->sqlstate, p + 1, MYP_SQLSTATE_LEN);
		p += 1 + MYP_SQLSTATE_LEN;
		len -= 1 + MYP_SQLSTATE_LEN;
	}
	e->message = (const char *)p;
	e->messagelen = len;
	return 0;
}

int
myp_put_err(struct buf *out, uint8_t seq, uint32_t caps,
    const struct myp_err *e)
{
	struct buf	*b;
	int		 r;

	if (e->messagelen > MYP_ERRMSG_MAX)
		return ERR_TOOBIG;
	if ((caps & CLIENT_PROTOCOL_41) &&
	    !sqlstate_ok(e->sqlstate, strnlen(e->sqlstate,
	    sizeof(e->sqlstate))))
		return ERR_INVAL;
	if ((b = scratch()) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(b, MYP_ERR)) != 0 ||
	    (r = buf_put_u16le(b, e->code)) != 0)
		return frame(out, seq, b, r);
	if ((caps & CLIENT_PROTOCOL_41) &&
	    ((r = buf_put_u8(b, '#')) != 0 ||
	    (r = buf_put(b, e->sqlstate, MYP_SQLSTATE_LEN)) != 0))
		return frame(out, seq, b, r);
	r = buf_put(b, e->message, e->messagelen);
	return frame(out, seq, b, r);
}

int
myp_name_is(const char *s, size_t len, const char *name)
{
	return s != NULL && strlen(name) == len && memcmp(s, name, len) == 0;
}
