/*
 * Unit tests of the MySQL / MariaDB protocol codec (worker/mysqlproto.c).
 *
 * The hex vectors were captured with a small Python proxy between real
 * programs and a throwaway MariaDB 10.11.19 (Debian 12's mariadbd): the
 * greeting, the mariadb client's (libmariadb 3.3.20) HandshakeResponse41,
 * OK, ERR and an ed25519 AuthSwitchRequest, PyMySQL 1.0.2's response, and
 * the mariadb client's SSLRequest.  Each is a whole packet, header included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "mysqlproto.h"
#include "test.h"
#include "util.h"

static const char greeting_hex[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465"
    "62313275310009000000457c645d2950386700fef72d0200ff81150000000000"
    "001d0000007d614f44487d5c373a5d472d006d7973716c5f6e61746976655f70"
    "617373776f726400";
static const char response_hex[] =
    "d20000018ca2bf00000010002100000000000000000000000000000000000000"
    "1d0000006e617400143af23b15ad66cf5ba5898a1811489cee63ea7e86646231"
    "006d7973716c5f6e61746976655f70617373776f7264007e035f6f73054c696e"
    "75780c5f636c69656e745f6e616d650a6c69626d617269616462045f70696404"
    "373431390f5f636c69656e745f76657273696f6e06332e332e3230095f706c61"
    "74666f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c0c"
    "5f7365727665725f686f7374093132372e302e302e31";
static const char pymysql_hex[] =
    "890000010da23a00ffffff002d00000000000000000000000000000000000000"
    "000000006e6174001410bc72d4278e39bea63e001e69dd145d380a2edc646231"
    "006d7973716c5f6e61746976655f70617373776f726400350c5f636c69656e74"
    "5f6e616d650770796d7973716c045f70696404373635330f5f636c69656e745f"
    "76657273696f6e05312e302e32";
static const char sslreq_hex[] =
    "2000000184aabf00000010002100000000000000000000000000000000000000"
    "1d000000";
static const char ok_track_hex[] = "0f000002000000024000000006010403646231";
static const char ok_plain_hex[] = "0700000200000002000000";
static const char err_hex[] =
    "47000002ff15042332383030304163636573732064656e69656420666f722075"
    "73657220276e61742740276c6f63616c686f73742720287573696e6720706173"
    "73776f72643a2059455329";
static const char switch_hex[] =
    "30000002fe636c69656e745f65643235353139001e573bf4cc450340915661cc"
    "c39a43bafa2de4e868ecc85590ed2902e215b82b";

/* A captured packet, decoded: pkt[0..len), its payload after 4 bytes. */
struct vec {
	unsigned char	 pkt[512];
	size_t		 len;
};

static int
unhex(const char *hex, struct vec *v)
{
	size_t		 i, n = strlen(hex) / 2;
	unsigned int	 x;
	char		 two[3] = { 0 };

	if (n > sizeof(v->pkt))
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(two, hex + 2 * i, 2);
		x = (unsigned int)strtoul(two, NULL, 16);
		v->pkt[i] = (unsigned char)x;
	}
	v->len = n;
	return 0;
}

#define PAY(v)	((v)->pkt + MYP_HDR_LEN), ((v)->len - MYP_HDR_LEN)

/* What a builder appended equals the captured packet, byte for byte. */
static int
same(const struct buf *b, const struct vec *v)
{
	return buf_len(b) == v->len && memcmp(buf_ptr(b), v->pkt, v->len) == 0;
}

/*
 * The captured greeting: its capabilities, and where its fields are in the
 * packet (header, protocol byte, 33 bytes of version, connection id, ...).
 */
#define MARIADB_CAPS	0x81fff7feU
#define GR_CAPS		(4 + 1 + 33 + 4 + 8 + 1)
#define GR_DATALEN	(GR_CAPS + 2 + 1 + 2 + 2)
#define GR_PART2	(GR_DATALEN + 1 + 10)

TEST(mysqlproto_framing)
{
	struct vec		 v;
	struct myp_packet	 pkt;
	unsigned char		 h[8];
	size_t			 cut;

	REQUIRE(unhex(greeting_hex, &v) == 0);
	CHECK_INT(myp_packet_parse(v.pkt, v.len, MYP_HANDSHAKE_MAX, 0, &pkt),
	    0);
	CHECK_INT(pkt.seq, 0);
	CHECK_INT(pkt.next, 1);
	CHECK_INT(pkt.paylen, 100);
	CHECK_INT(pkt.wirelen, v.len);
	CHECK(pkt.payload == v.pkt + 4);
	/* Bytes after the packet are the next one's. */
	CHECK_INT(myp_packet_parse(v.pkt, sizeof(v.pkt), MYP_HANDSHAKE_MAX, 0,
	    &pkt), 0);
	CHECK_INT(pkt.wirelen, v.len);
	for (cut = 0; cut < v.len; cut++)
		CHECK_INT(myp_packet_parse(v.pkt, cut, MYP_HANDSHAKE_MAX, 0,
		    &pkt), ERR_SHORT);
	/* A wrong sequence id, known from the header alone. */
	CHECK_INT(myp_packet_parse(v.pkt, 4, MYP_HANDSHAKE_MAX, 1, &pkt),
	    ERR_PROTO);
	/* The cap: at it, past it, and 0xffffff, known from the header. */
	memcpy(h, "\x00\x00\x01\x00", 4);
	CHECK_INT(myp_packet_parse(h, 4, MYP_HANDSHAKE_MAX, 0, &pkt),
	    ERR_SHORT);
	memcpy(h, "\x01\x00\x01\x00", 4);
	CHECK_INT(myp_packet_parse(h, 4, MYP_HANDSHAKE_MAX, 0, &pkt),
	    ERR_TOOBIG);
	memcpy(h, "\xff\xff\xff\x00", 4);
	CHECK_INT(myp_packet_parse(h, 4, MYP_HANDSHAKE_MAX, 0, &pkt),
	    ERR_TOOBIG);
	/* An empty packet is a packet. */
	memcpy(h, "\x00\x00\x00\x07", 4);
	CHECK_INT(myp_packet_parse(h, 4, 0, 7, &pkt), 0);
	CHECK_INT(pkt.paylen, 0);
	CHECK_INT(pkt.next, 8);
}

/* Payloads of 0xffffff bytes and more span packets. */
TEST(mysqlproto_framing_16mib)
{
	static const size_t	 sizes[] = { MYP_MAX_PAYLOAD - 1,
	    MYP_MAX_PAYLOAD, MYP_MAX_PAYLOAD + 5 };
	struct buf		*b, *j;
	struct myp_packet	 pkt;
	unsigned char		*pay;
	size_t			 i, n, len;

	REQUIRE((pay = malloc(MYP_MAX_PAYLOAD + 5)) != NULL);
	for (n = 0; n < MYP_MAX_PAYLOAD + 5; n++)
		pay[n] = (unsigned char)(n * 7);
	for (i = 0; i < nitems(sizes); i++) {
		len = sizes[i];
		REQUIRE((b = buf_new(len + 64)) != NULL);
		CHECK_INT(myp_put_packet(b, 254, pay, len), 0);
		CHECK_INT(buf_len(b), len + 4 * MYP_NPACKETS(len));
		CHECK_INT(myp_packet_parse(buf_ptr(b), buf_len(b), SIZE_MAX,
		    254, &pkt), 0);
		CHECK_INT(pkt.paylen, len);
		CHECK_INT(pkt.wirelen, buf_len(b));
		CHECK_INT(pkt.next, (uint8_t)(254 + MYP_NPACKETS(len)));
		CHECK((pkt.payload != NULL) == (len < MYP_MAX_PAYLOAD));
		REQUIRE((j = buf_new(len + 1)) != NULL);
		CHECK_INT(myp_packet_join(buf_ptr(b), &pkt, j), 0);
		CHECK(buf_len(j) == len && memcmp(buf_ptr(j), pay, len) == 0);
		buf_free(j);
		/* Just short of the last header, and of its payload. */
		if (len >= MYP_MAX_PAYLOAD) {
			CHECK_INT(myp_packet_parse(buf_ptr(b),
			    MYP_HDR_LEN + MYP_MAX_PAYLOAD + 3, SIZE_MAX, 254,
			    &pkt), ERR_SHORT);
			CHECK_INT(myp_packet_parse(buf_ptr(b), buf_len(b) - 1,
			    SIZE_MAX, 254, &pkt), len == MYP_MAX_PAYLOAD ?
			    ERR_SHORT : ERR_SHORT);
			/* The cap counts the whole logical payload. */
			CHECK_INT(myp_packet_parse(buf_ptr(b), buf_len(b),
			    len - 1, 254, &pkt), ERR_TOOBIG);
			/* The continuation's id must follow (255 here). */
			((unsigned char *)buf_ptr(b))[MYP_HDR_LEN +
			    MYP_MAX_PAYLOAD + 3] = 0;
			CHECK_INT(myp_packet_parse(buf_ptr(b), buf_len(b),
			    SIZE_MAX, 254, &pkt), ERR_PROTO);
		}
		buf_free(b);
	}
	free(pay);
}

TEST(mysqlproto_build_packet_fails_whole)
{
	struct buf	*b;

	REQUIRE((b = buf_new(10)) != NULL);
	CHECK_INT(myp_put_packet(b, 0, "abcdef", 6), 0);
	CHECK_INT(myp_put_packet(b, 1, "x", 1), ERR_TOOBIG);
	CHECK_INT(buf_len(b), 10);
	buf_reset(b);
	CHECK_INT(myp_put_packet(b, 3, NULL, 0), 0);
	CHECK_MEM(buf_ptr(b), "\0\0\0\3", 4);
	buf_free(b);
}

TEST(mysqlproto_greeting_mariadb)
{
	struct vec		 v, t;
	struct myp_greeting	 g;
	struct buf		*b;
	size_t			 cut;

	REQUIRE(unhex(greeting_hex, &v) == 0);
	REQUIRE(myp_greeting_parse(PAY(&v), &g) == 0);
	CHECK_INT(g.versionlen, 32);
	CHECK_STR(g.version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
	CHECK_INT(g.connid, 9);
	CHECK_MEM(g.scramble, "E|d])P8g}aODH}\\7:]G-", MYP_SCRAMBLE_LEN);
	CHECK(g.caps == MARIADB_CAPS);
	CHECK(!(g.caps & CLIENT_MYSQL));
	CHECK_INT(g.extcaps, MARIADB_EXT_PROGRESS |
	    MARIADB_EXT_STMT_BULK_OPERATIONS | MARIADB_EXT_EXTENDED_METADATA |
	    MARIADB_EXT_CACHE_METADATA);
	CHECK_INT(g.charset, 45);
	CHECK_INT(g.status, SERVER_STATUS_AUTOCOMMIT);
	CHECK(myp_name_is(g.plugin, g.pluginlen, "mysql_native_password"));
	CHECK(!myp_name_is(g.plugin, g.pluginlen, "mysql_native_passwor"));

	/* Our builder writes what MariaDB writes. */
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_greeting(b, 0, &g), 0);
	CHECK(same(b, &v));

	/* Truncated at every byte, or one byte too long. */
	for (cut = 0; cut < v.len - 4; cut++) {
		CHECK(myp_greeting_parse(v.pkt + 4, cut, &g) != 0);
		CHECK(g.version == NULL);
	}
	t = v;
	t.pkt[t.len++] = 0;
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_FORMAT);
	/* Protocol 9, and a 4.0 server without CLIENT_PROTOCOL_41. */
	t = v;
	t.pkt[4] = 9;
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_PROTO);
	t = v;
	t.pkt[GR_CAPS + 1] &= ~(CLIENT_PROTOCOL_41 >> 8);
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_PROTO);
	/* A scramble of 21 bytes; part 2 without its NUL. */
	t = v;
	t.pkt[GR_DATALEN] = 22;
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_FORMAT);
	t = v;
	t.pkt[GR_PART2 + 12] = 'x';
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_FORMAT);
	/* The filler after part 1 must be 0. */
	t = v;
	t.pkt[GR_CAPS - 1] = 1;
	CHECK_INT(myp_greeting_parse(PAY(&t), &g), ERR_FORMAT);
	buf_free(b);
}

TEST(mysqlproto_greeting_build)
{
	struct myp_greeting	 g, p;
	struct buf		*b;
	struct myp_packet	 pkt;
	unsigned char		 s[256];
	size_t			 i;

	memset(&g, 0, sizeof(g));
	g.version = "8.0.36-airlock";
	g.versionlen = strlen(g.version);
	g.connid = 0xdeadbeef;
	for (i = 0; i < sizeof(s); i++)
		s[i] = (unsigned char)i;
	myp_scramble_clean(s, sizeof(s));
	for (i = 0; i < sizeof(s); i++)
		CHECK(s[i] >= 1 && s[i] <= 127 && s[i] != '$');
	memcpy(g.scramble, s + 100, MYP_SCRAMBLE_LEN);
	/* A MySQL-style greeting: CLIENT_MYSQL set, no extended caps. */
	g.caps = CLIENT_MYSQL | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION |
	    CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_WITH_DB;
	g.extcaps = 0x1d;
	g.charset = 33;
	g.status = SERVER_STATUS_AUTOCOMMIT;
	g.plugin = "mysql_native_password";
	g.pluginlen = 21;
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_greeting(b, 0, &g), 0);
	REQUIRE(myp_packet_parse(buf_ptr(b), buf_len(b), MYP_HANDSHAKE_MAX, 0,
	    &pkt) == 0);
	REQUIRE(myp_greeting_parse(pkt.payload, pkt.paylen, &p) == 0);
	CHECK_STR(p.version, "8.0.36-airlock");
	CHECK(p.connid == 0xdeadbeef);
	CHECK_MEM(p.scramble, g.scramble, MYP_SCRAMBLE_LEN);
	CHECK(p.caps == g.caps);
	CHECK_INT(p.extcaps, 0);
	CHECK_INT(p.charset, 33);
	CHECK(myp_name_is(p.plugin, p.pluginlen, "mysql_native_password"));

	/* Without CLIENT_PLUGIN_AUTH: no plugin name, still 20 bytes. */
	buf_reset(b);
	g.caps &= ~CLIENT_PLUGIN_AUTH;
	CHECK_INT(myp_put_greeting(b, 0, &g), 0);
	REQUIRE(myp_greeting_parse(buf_ptr(b) + 4, buf_len(b) - 4, &p) == 0);
	CHECK(p.plugin == NULL);
	CHECK_MEM(p.scramble, g.scramble, MYP_SCRAMBLE_LEN);

	/* Refused, and nothing written: a NUL in the scramble or version. */
	buf_reset(b);
	g.scramble[5] = 0;
	CHECK_INT(myp_put_greeting(b, 0, &g), ERR_INVAL);
	memcpy(g.scramble, s + 100, MYP_SCRAMBLE_LEN);
	g.version = "8.0\0x";
	g.versionlen = 5;
	CHECK_INT(myp_put_greeting(b, 0, &g), ERR_FORMAT);
	g.caps &= ~CLIENT_SECURE_CONNECTION;
	CHECK_INT(myp_put_greeting(b, 0, &g), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

static const char *const mariadb_attrs[][2] = {
	{ "_os", "Linux" }, { "_client_name", "libmariadb" },
	{ "_pid", "7419" }, { "_client_version", "3.3.20" },
	{ "_platform", "x86_64" }, { "program_name", "mysql" },
	{ "_server_host", "127.0.0.1" },
};

TEST(mysqlproto_response_mariadb)
{
	struct vec		 v, t;
	struct myp_response	 r;
	struct buf		*b;
	size_t			 i, cut;

	REQUIRE(unhex(response_hex, &v) == 0);
	REQUIRE(myp_response_parse(PAY(&v), &r) == 0);
	CHECK_INT(r.kind, MYP_RESPONSE_41);
	CHECK(r.caps == 0x00bfa28c);
	CHECK(r.caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA);
	CHECK_INT(r.extcaps, 0x1d);
	CHECK_INT(r.maxpacket, 1024 * 1024);
	CHECK_INT(r.charset, 33);
	CHECK_STR(r.user, "nat");
	CHECK_INT(r.authlen, 20);
	CHECK_MEM(r.auth, "\x3a\xf2\x3b\x15", 4);
	CHECK_STR(r.db, "db1");
	CHECK(myp_name_is(r.plugin, r.pluginlen, "mysql_native_password"));
	REQUIRE(r.nattrs == nitems(mariadb_attrs));
	for (i = 0; i < r.nattrs; i++) {
		CHECK(r.attrs[i].keylen == strlen(mariadb_attrs[i][0]) &&
		    memcmp(r.attrs[i].key, mariadb_attrs[i][0],
		    r.attrs[i].keylen) == 0);
		CHECK(r.attrs[i].vallen == strlen(mariadb_attrs[i][1]) &&
		    memcmp(r.attrs[i].val, mariadb_attrs[i][1],
		    r.attrs[i].vallen) == 0);
	}
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_response(b, 1, &r), 0);
	CHECK(same(b, &v));

	for (cut = 0; cut < v.len - 4; cut++) {
		CHECK(myp_response_parse(v.pkt + 4, cut, &r) != 0);
		CHECK(r.kind == 0 && r.user == NULL && r.nattrs == 0);
	}
	t = v;
	t.pkt[t.len++] = 0;
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_FORMAT);

	/* The attributes' total overruns the packet, or a pair the total. */
	t = v;
	t.pkt[v.len - 127] = 0x7f;	/* the total, 0x7e */
	CHECK_INT(t.pkt[v.len - 127 + 1], 3);
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_SHORT);
	t = v;
	t.pkt[v.len - 10] = 10;		/* "127.0.0.1" is 9 */
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_FORMAT);
	t = v;
	t.pkt[v.len - 10] = 0xfc;	/* a 2-byte length past the end */
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_FORMAT);
	t = v;
	t.pkt[v.len - 10] = 0xfb;	/* NULL is no length */
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_FORMAT);
	/* The auth response's lenenc length overruns. */
	t = v;
	t.pkt[4 + 32 + 4] = 0xfd;
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_SHORT);
	buf_free(b);
}

TEST(mysqlproto_response_pymysql)
{
	struct vec		 v;
	struct myp_response	 r;
	struct buf		*b;

	REQUIRE(unhex(pymysql_hex, &v) == 0);
	REQUIRE(myp_response_parse(PAY(&v), &r) == 0);
	CHECK_INT(r.kind, MYP_RESPONSE_41);
	CHECK(r.caps == 0x003aa20d);
	CHECK(r.caps & CLIENT_MYSQL);
	CHECK_INT(r.extcaps, 0);
	CHECK_INT(r.maxpacket, 0xffffff);
	CHECK_STR(r.user, "nat");
	CHECK_INT(r.authlen, 20);
	CHECK_STR(r.db, "db1");
	REQUIRE(r.nattrs == 3);
	CHECK(r.attrs[0].vallen == 7 &&
	    memcmp(r.attrs[0].val, "pymysql", 7) == 0);
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_response(b, 1, &r), 0);
	CHECK(same(b, &v));
	buf_free(b);
}

/* Every form of the auth response and every optional field, rebuilt. */
TEST(mysqlproto_response_forms)
{
	static const uint32_t	 forms[] = {
		CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT_SECURE_CONNECTION,
		CLIENT_SECURE_CONNECTION,
		0,
	};
	static unsigned char	 auth[300];
	struct myp_response	 r, p;
	struct buf		*b;
	size_t			 i;

	memset(auth, 'a', sizeof(auth));
	REQUIRE((b = buf_new(4096)) != NULL);
	for (i = 0; i < nitems(forms); i++) {
		memset(&r, 0, sizeof(r));
		r.caps = CLIENT_PROTOCOL_41 | CLIENT_ZSTD_COMPRESSION_ALGORITHM |
		    CLIENT_CONNECT_ATTRS | forms[i];
		r.maxpacket = 1024;
		r.charset = 8;
		r.extcaps = 0x20;
		r.user = "u";
		r.userlen = 1;
		r.auth = auth;
		r.authlen = 20;
		r.zstdlevel = 3;
		r.attrs[0].key = (const unsigned char *)"k";
		r.attrs[0].keylen = 1;
		r.attrs[0].val = auth;
		r.attrs[0].vallen = 251;
		r.nattrs = 1;
		buf_reset(b);
		CHECK_INT(myp_put_response(b, 1, &r), 0);
		REQUIRE(myp_response_parse(buf_ptr(b) + 4, buf_len(b) - 4,
		    &p) == 0);
		CHECK_INT(p.kind, MYP_RESPONSE_41);
		CHECK(p.caps == r.caps);
		CHECK_INT(p.extcaps, 0x20);
		CHECK_INT(p.authlen, 20);
		CHECK(p.db == NULL && p.plugin == NULL);
		CHECK_INT(p.nattrs, 1);
		CHECK_INT(p.attrs[0].vallen, 251);
		CHECK_INT(p.zstdlevel, 3);
		/* 300 bytes: not with a one-byte length, not with a NUL. */
		buf_reset(b);
		r.authlen = sizeof(auth);
		if (forms[i] & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
			CHECK_INT(myp_put_response(b, 1, &r), 0);
		else if (forms[i] & CLIENT_SECURE_CONNECTION)
			CHECK_INT(myp_put_response(b, 1, &r), ERR_TOOBIG);
		else {
			r.auth = (const unsigned char *)"a\0b";
			r.authlen = 3;
			CHECK_INT(myp_put_response(b, 1, &r), ERR_FORMAT);
		}
	}
	/* Flags that announce a field that is not given. */
	buf_reset(b);
	r.caps |= CLIENT_CONNECT_WITH_DB;
	CHECK_INT(myp_put_response(b, 1, &r), ERR_INVAL);
	r.caps &= ~CLIENT_PROTOCOL_41;
	r.db = "";
	CHECK_INT(myp_put_response(b, 1, &r), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

TEST(mysqlproto_response_attrs_cap)
{
	unsigned char		 pkt[32 + 2 + 1 + 3 + 3 * (MYP_MAX_ATTRS + 1)];
	struct myp_response	 r;
	size_t			 len, i;

	memset(pkt, 0, sizeof(pkt));
	pkt[1] = (CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION) >> 8;
	pkt[2] = CLIENT_CONNECT_ATTRS >> 16;
	len = 32;
	pkt[len++] = 'u';
	pkt[len++] = 0;
	pkt[len++] = 0;			/* no auth response */
	pkt[len++] = 0xfc;		/* the total, filled in below */
	len += 2;
	for (i = 0; i < MYP_MAX_ATTRS; i++) {
		pkt[len++] = 1;
		pkt[len++] = 'k';
		pkt[len++] = 0;
	}
	pkt[36] = (unsigned char)(3 * MYP_MAX_ATTRS);
	pkt[37] = (unsigned char)((3 * MYP_MAX_ATTRS) >> 8);
	CHECK_INT(myp_response_parse(pkt, len, &r), 0);
	CHECK_INT(r.nattrs, MYP_MAX_ATTRS);
	pkt[len++] = 1;
	pkt[len++] = 'k';
	pkt[len++] = 0;
	pkt[36] = (unsigned char)(3 * MYP_MAX_ATTRS + 3);
	CHECK_INT(myp_response_parse(pkt, len, &r), ERR_TOOBIG);
	CHECK_INT(r.nattrs, 0);
}

TEST(mysqlproto_ssl_request_and_old_clients)
{
	struct vec		 v, t;
	struct myp_response	 r, in;
	struct buf		*b;
	static const unsigned char old[] = {
		0x85, 0x00, 0x00, 0x00, 0x01, 'u', 0, 0,
	};

	REQUIRE(unhex(sslreq_hex, &v) == 0);
	CHECK_INT(myp_response_parse(PAY(&v), &r), 0);
	CHECK_INT(r.kind, MYP_SSL_REQUEST);
	CHECK(r.caps & CLIENT_SSL);
	CHECK_INT(r.extcaps, 0x1d);
	CHECK_INT(r.charset, 33);
	/* Our SSLRequest for a backend is what the mariadb client sends. */
	memset(&in, 0, sizeof(in));
	in.caps = 0x00bfa284;		/* CLIENT_SSL added by the builder */
	in.maxpacket = r.maxpacket;
	in.charset = 33;
	in.extcaps = 0x1d;
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_ssl_request(b, 1, &in), 0);
	CHECK(same(b, &v));
	/* 32 bytes without CLIENT_SSL: a response without its user. */
	t = v;
	t.pkt[5] &= ~(CLIENT_SSL >> 8);
	CHECK(myp_response_parse(PAY(&t), &r) != 0);
	/* HandshakeResponse320: known, not parsed. */
	CHECK_INT(myp_response_parse(old, sizeof(old), &r), 0);
	CHECK_INT(r.kind, MYP_RESPONSE_320);
	CHECK(!(r.caps & CLIENT_PROTOCOL_41));
	CHECK_INT(myp_response_parse(old, 1, &r), ERR_SHORT);
	buf_free(b);
}

/*
 * A client of a service with clientTLS: its SSLRequest is the packet of
 * sequence id 1 and exactly 32 bytes (the TLS handshake follows it at
 * once); anything else is a response without TLS, which is refused.
 */
TEST(mysqlproto_ssl_request_exact)
{
	struct vec		 v, t;
	struct myp_response	 r;
	struct myp_packet	 pkt;

	REQUIRE(unhex(sslreq_hex, &v) == 0);
	CHECK_INT(myp_packet_parse(v.pkt, v.len, MYP_HANDSHAKE_MAX, 1, &pkt),
	    0);
	CHECK_INT(pkt.paylen, 32);
	CHECK_INT(pkt.next, 2);
	CHECK_INT(myp_packet_parse(v.pkt, v.len, MYP_HANDSHAKE_MAX, 2, &pkt),
	    ERR_PROTO);
	/* The ClientHello that follows in the same read is not part of it. */
	t = v;
	memcpy(t.pkt + t.len, "\x16\x03\x01", 3);
	CHECK_INT(myp_packet_parse(t.pkt, t.len + 3, MYP_HANDSHAKE_MAX, 1,
	    &pkt), 0);
	CHECK_INT(pkt.wirelen, v.len);
	/* PyMySQL's: the 23 bytes of filler all zero, CLIENT_MYSQL set. */
	REQUIRE(unhex(pymysql_hex, &t) == 0);
	t.len = MYP_HDR_LEN + 32;
	t.pkt[0] = 32;
	t.pkt[5] |= CLIENT_SSL >> 8;
	CHECK_INT(myp_response_parse(PAY(&t), &r), 0);
	CHECK_INT(r.kind, MYP_SSL_REQUEST);
	CHECK_INT(r.extcaps, 0);
	CHECK_INT(r.maxpacket, 0xffffff);
	CHECK_INT(r.charset, 45);
	/* One byte short: no kind at all. */
	t = v;
	t.len--;
	CHECK_INT(myp_response_parse(PAY(&t), &r), ERR_SHORT);
	CHECK_INT(r.kind, 0);
	/* One byte more: a response (cut short here), not an SSLRequest. */
	t = v;
	t.pkt[t.len++] = 0;
	CHECK(myp_response_parse(PAY(&t), &r) != 0);
	CHECK_INT(r.kind, 0);
	/* A whole response that claims TLS, in plaintext: a response. */
	REQUIRE(unhex(response_hex, &t) == 0);
	t.pkt[5] |= CLIENT_SSL >> 8;
	CHECK_INT(myp_response_parse(PAY(&t), &r), 0);
	CHECK_INT(r.kind, MYP_RESPONSE_41);
	CHECK(r.caps & CLIENT_SSL);
}

TEST(mysqlproto_auth_switch)
{
	struct vec		 v, t;
	struct myp_auth_switch	 a;
	struct buf		*b;
	const unsigned char	*d;
	size_t			 dlen, cut;

	REQUIRE(unhex(switch_hex, &v) == 0);
	CHECK_INT(myp_auth_kind(PAY(&v)), MYP_AUTH_SWITCH);
	REQUIRE(myp_auth_switch_parse(PAY(&v), &a) == 0);
	CHECK_STR(a.plugin, "client_ed25519");
	CHECK_INT(a.datalen, 32);
	CHECK_MEM(a.data, "\x1e\x57\x3b\xf4", 4);
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_auth_switch(b, 2, &a), 0);
	CHECK(same(b, &v));
	/* Without the plugin name's NUL; an empty name. */
	for (cut = 9; cut < 1 + 14 + 1; cut++)
		CHECK_INT(myp_auth_switch_parse(v.pkt + 4, cut, &a),
		    ERR_FORMAT);
	t = v;
	t.pkt[5] = 0;
	CHECK_INT(myp_auth_switch_parse(PAY(&t), &a), ERR_FORMAT);
	CHECK(a.plugin == NULL);

	/* 0xfe in fewer than 9 bytes is an EOF, not a switch. */
	CHECK_INT(myp_auth_kind((const unsigned char *)"\xfe", 1), MYP_EOF);
	CHECK_INT(myp_auth_kind((const unsigned char *)"\xfe" "abc\0def", 8),
	    MYP_EOF);
	CHECK_INT(myp_auth_switch_parse((const unsigned char *)"\xfe" "abc\0def",
	    8, &a), ERR_FORMAT);
	CHECK_INT(myp_auth_switch_parse((const unsigned char *)"\xfe" "abc\0defg",
	    9, &a), 0);
	CHECK_INT(myp_auth_kind((const unsigned char *)"\x00", 1), MYP_OK);
	CHECK_INT(myp_auth_kind((const unsigned char *)"\xff", 1), MYP_ERR);
	CHECK_INT(myp_auth_kind((const unsigned char *)"\x01", 1),
	    MYP_MORE_DATA);
	CHECK_INT(myp_auth_kind((const unsigned char *)"\x02", 1), -1);
	CHECK_INT(myp_auth_kind(NULL, 0), -1);
	/* Our builder refuses what would read as an EOF. */
	buf_reset(b);
	a.plugin = "abc";
	a.pluginlen = 3;
	a.data = (const unsigned char *)"xyz";
	a.datalen = 3;
	CHECK_INT(myp_put_auth_switch(b, 2, &a), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);

	/* AuthMoreData. */
	CHECK_INT(myp_put_more_data(b, 3, (const unsigned char *)"\x04", 1),
	    0);
	CHECK_INT(buf_len(b), 6);
	CHECK_MEM(buf_ptr(b), "\x02\x00\x00\x03\x01\x04", 6);
	CHECK_INT(myp_more_data_parse(buf_ptr(b) + 4, 2, &d, &dlen), 0);
	CHECK_INT(dlen, 1);
	CHECK_INT(d[0], 4);
	CHECK_INT(myp_more_data_parse(buf_ptr(b) + 4, 0, &d, &dlen),
	    ERR_SHORT);
	CHECK_INT(myp_more_data_parse((const unsigned char *)"\x02", 1, &d,
	    &dlen), ERR_FORMAT);
	buf_free(b);
}

TEST(mysqlproto_ok)
{
	struct vec	 v, w;
	struct myp_ok	 ok;
	struct buf	*b;
	size_t		 cut;
	const uint32_t	 track = 0x00bfa28c, plain = 0x003aa20d;

	REQUIRE(unhex(ok_track_hex, &v) == 0);
	REQUIRE(myp_ok_parse(PAY(&v), track, &ok) == 0);
	CHECK_INT(ok.affected, 0);
	CHECK_INT(ok.status, SERVER_STATUS_AUTOCOMMIT |
	    SERVER_SESSION_STATE_CHANGED);
	CHECK_INT(ok.infolen, 0);
	CHECK_INT(ok.statelen, 6);
	CHECK_MEM(ok.state, "\x01\x04\x03" "db1", 6);	/* SESSION_TRACK_SCHEMA */
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_ok(b, 2, track, &ok), 0);
	CHECK(same(b, &v));
	for (cut = 0; cut < v.len - 4; cut++)
		CHECK(myp_ok_parse(v.pkt + 4, cut, track, &ok) != 0);

	REQUIRE(unhex(ok_plain_hex, &w) == 0);
	REQUIRE(myp_ok_parse(PAY(&w), plain, &ok) == 0);
	CHECK_INT(ok.status, SERVER_STATUS_AUTOCOMMIT);
	CHECK_INT(ok.infolen, 0);
	buf_reset(b);
	CHECK_INT(myp_put_ok(b, 2, plain, &ok), 0);
	CHECK(same(b, &w));
	/* With CLIENT_SESSION_TRACK MySQL leaves out an empty info. */
	CHECK_INT(myp_ok_parse(PAY(&w), track, &ok), 0);

	/* Length-encoded integers that overrun, or are NULL. */
	CHECK_INT(myp_ok_parse((const unsigned char *)"\x00\xfc\x01", 3,
	    plain, &ok), ERR_SHORT);
	CHECK_INT(myp_ok_parse((const unsigned char *)"\x00\xfe\x01\x02\x03",
	    5, plain, &ok), ERR_SHORT);
	CHECK_INT(myp_ok_parse((const unsigned char *)"\x00\xfb\x00\x00\x00"
	    "\x00\x00", 7, plain, &ok), ERR_FORMAT);
	CHECK_INT(myp_ok_parse((const unsigned char *)"\x01\x00\x00\x00\x00"
	    "\x00\x00", 7, plain, &ok), ERR_FORMAT);
	/* Large counts, and info as the rest of the packet. */
	ok.affected = 0x1000000;
	ok.lastid = 251;
	ok.info = (const unsigned char *)"Rows matched: 1";
	ok.infolen = 15;
	buf_reset(b);
	CHECK_INT(myp_put_ok(b, 1, plain, &ok), 0);
	memset(&ok, 0, sizeof(ok));
	CHECK_INT(myp_ok_parse(buf_ptr(b) + 4, buf_len(b) - 4, plain, &ok),
	    0);
	CHECK(ok.affected == 0x1000000);
	CHECK_INT(ok.lastid, 251);
	CHECK(ok.infolen == 15 && memcmp(ok.info, "Rows matched: 1", 15) == 0);
	buf_free(b);
}

TEST(mysqlproto_err)
{
	struct vec	 v;
	struct myp_err	 e;
	struct buf	*b;
	static char	 longmsg[MYP_ERRMSG_MAX + 1];
	static const char denied[] =
	    "Access denied for user 'nat'@'localhost' (using password: YES)";

	REQUIRE(unhex(err_hex, &v) == 0);
	REQUIRE(myp_err_parse(PAY(&v), CLIENT_PROTOCOL_41, &e) == 0);
	CHECK_INT(e.code, 1045);
	CHECK_STR(e.sqlstate, "28000");
	CHECK(e.messagelen == strlen(denied) &&
	    memcmp(e.message, denied, e.messagelen) == 0);
	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(myp_put_err(b, 2, CLIENT_PROTOCOL_41, &e), 0);
	CHECK(same(b, &v));

	/* Before the client's flags are known: no SQLSTATE. */
	CHECK_INT(myp_err_parse((const unsigned char *)"\xff\x10\x04Too many",
	    11, CLIENT_PROTOCOL_41, &e), 0);
	CHECK_INT(e.code, 1040);
	CHECK_STR(e.sqlstate, "");
	CHECK_INT(e.messagelen, 8);
	CHECK_INT(myp_err_parse((const unsigned char *)"\xff\x10\x04#28000x",
	    10, 0, &e), 0);
	CHECK_INT(e.messagelen, 7);
	/* A short or strange SQLSTATE, a short packet. */
	CHECK_INT(myp_err_parse((const unsigned char *)"\xff\x10\x04#280", 7,
	    CLIENT_PROTOCOL_41, &e), ERR_FORMAT);
	CHECK_INT(myp_err_parse((const unsigned char *)"\xff\x10\x04#28\n00",
	    9, CLIENT_PROTOCOL_41, &e), ERR_FORMAT);
	CHECK_INT(myp_err_parse((const unsigned char *)"\xff\x10", 2,
	    CLIENT_PROTOCOL_41, &e), ERR_SHORT);
	CHECK_INT(myp_err_parse((const unsigned char *)"\x00\x10\x04", 3,
	    CLIENT_PROTOCOL_41, &e), ERR_FORMAT);

	/* The connector's own: refused whole when it would be wrong. */
	buf_reset(b);
	memset(&e, 0, sizeof(e));
	e.code = 1045;
	memcpy(e.sqlstate, "28000", 6);
	memset(longmsg, 'm', sizeof(longmsg));
	e.message = longmsg;
	e.messagelen = sizeof(longmsg);
	CHECK_INT(myp_put_err(b, 2, CLIENT_PROTOCOL_41, &e), ERR_TOOBIG);
	e.messagelen = MYP_ERRMSG_MAX;
	memcpy(e.sqlstate, "2800", 5);
	CHECK_INT(myp_put_err(b, 2, CLIENT_PROTOCOL_41, &e), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);
	/* Without CLIENT_PROTOCOL_41 (a 3.20 client told why): no state. */
	CHECK_INT(myp_put_err(b, 2, 0, &e), 0);
	CHECK_INT(buf_len(b), 4 + 3 + MYP_ERRMSG_MAX);
	buf_free(b);
}

/* The commands a relay saw, and how many bytes it had passed on then. */
struct seen {
	int		 cmd[16];
	size_t		 at[16];
	size_t		 n;
	size_t		 passed;
};

/*
 * Feed s[0..len) as a relay does, the bytes arriving up to each cut in
 * turn: pass on what the tracker allows, note each command and go on from
 * its header, keep undecided bytes for the next arrival.
 */
static void
relay_sim(const unsigned char *s, size_t len, const size_t *cuts,
    size_t ncuts, struct seen *seen)
{
	struct myp_stream	 st;
	size_t			 i, avail, n;
	int			 cmd;

	memset(seen, 0, sizeof(*seen));
	myp_stream_init(&st);
	for (i = 0; i <= ncuts; i++) {
		avail = i < ncuts ? cuts[i] : len;
		for (;;) {
			n = myp_stream_feed(&st, s + seen->passed,
			    avail - seen->passed, &cmd);
			seen->passed += n;
			if (cmd == MYP_STREAM_NONE)
				break;
			if (seen->n < nitems(seen->cmd)) {
				seen->cmd[seen->n] = cmd;
				seen->at[seen->n] = seen->passed;
			}
			seen->n++;
		}
	}
}

/* Append one packet to a stream under construction. */
static size_t
pkt(unsigned char *out, size_t off, uint8_t seq, const char *payload,
    size_t len)
{
	out[off] = len;
	out[off + 1] = len >> 8;
	out[off + 2] = len >> 16;
	out[off + 3] = seq;
	memcpy(out + off + 4, payload, len);
	return off + 4 + len;
}

TEST(mysqlproto_stream_every_boundary)
{
	unsigned char	 s[256];
	size_t		 len = 0, at[5], cut, cuts[256], i;
	struct seen	 seen, one;
	static const int want[] = { 0x03, 0x03, COM_CHANGE_USER,
	    COM_RESET_CONNECTION, COM_QUIT };

	at[0] = len;
	len = pkt(s, len, 0, "\x03select 1", 9);
	/* LOAD DATA LOCAL INFILE contents, then its empty end packet. */
	at[1] = len;
	len = pkt(s, len, 0, "\x03LOAD DATA LOCAL INFILE 'f' INTO TABLE t",
	    39);
	len = pkt(s, len, 2, "\x11\x1f\x01 file data", 13);
	len = pkt(s, len, 3, "", 0);
	/* An empty packet of id 0 is no command. */
	len = pkt(s, len, 0, "", 0);
	at[2] = len;
	len = pkt(s, len, 0, "\x11user\0", 6);
	/* An answer within the exchange (an auth switch response). */
	len = pkt(s, len, 3, "\x1f\x1f\x1f", 3);
	at[3] = len;
	len = pkt(s, len, 0, "\x1f", 1);
	at[4] = len;
	len = pkt(s, len, 0, "\x01", 1);

	/* All at once. */
	relay_sim(s, len, NULL, 0, &one);
	CHECK_INT(one.passed, len);
	REQUIRE(one.n == nitems(want));
	for (i = 0; i < nitems(want); i++) {
		CHECK_INT(one.cmd[i], want[i]);
		CHECK_INT(one.at[i], at[i]);
	}
	/* Cut once at every offset, then one byte at a time. */
	for (cut = 0; cut <= len; cut++) {
		relay_sim(s, len, &cut, 1, &seen);
		CHECK(seen.passed == len && seen.n == one.n &&
		    memcmp(seen.cmd, one.cmd, sizeof(one.cmd)) == 0 &&
		    memcmp(seen.at, one.at, sizeof(one.at)) == 0);
	}
	for (i = 0; i < len; i++)
		cuts[i] = i;
	relay_sim(s, len, cuts, len, &seen);
	CHECK(seen.passed == len && seen.n == one.n &&
	    memcmp(seen.cmd, one.cmd, sizeof(one.cmd)) == 0 &&
	    memcmp(seen.at, one.at, sizeof(one.at)) == 0);
}

/*
 * A relay stops right before a refused command: nothing of it has passed,
 * and what it had passed before is exactly the commands before it.
 */
TEST(mysqlproto_stream_stops_before_command)
{
	struct myp_stream	 st;
	unsigned char		 s[64];
	size_t			 len, n;
	int			 cmd;

	len = pkt(s, 0, 0, "\x0e", 1);				/* COM_PING */
	len = pkt(s, len, 0, "\x11" "bob\0", 5);
	myp_stream_init(&st);
	n = myp_stream_feed(&st, s, len, &cmd);
	CHECK_INT(cmd, 0x0e);
	CHECK_INT(n, 0);
	n = myp_stream_feed(&st, s, len, &cmd);
	CHECK_INT(cmd, COM_CHANGE_USER);
	CHECK_INT(n, 5);
	/* The header alone: not yet known. */
	myp_stream_init(&st);
	n = myp_stream_feed(&st, s + 5, 4, &cmd);
	CHECK_INT(cmd, MYP_STREAM_NONE);
	CHECK_INT(n, 0);
	n = myp_stream_feed(&st, s + 5, 3, &cmd);
	CHECK_INT(n, 0);
	n = myp_stream_feed(&st, s + 5, 5, &cmd);
	CHECK_INT(cmd, COM_CHANGE_USER);
	CHECK_INT(n, 0);
}

/*
 * A command of 16 MiB + 1: a packet of 0xffffff bytes, then one of 2; the
 * second is a continuation even if its id wraps to 0 and its first byte
 * looks like COM_CHANGE_USER.
 */
TEST(mysqlproto_stream_16mib)
{
	struct buf	*b;
	unsigned char	*pay, *s;
	size_t		 len, plen = MYP_MAX_PAYLOAD + 1, i, cuts[64], hdr2;
	struct seen	 seen;

	REQUIRE((pay = malloc(plen)) != NULL);
	memset(pay, 0, plen);
	pay[0] = 0x03;
	pay[MYP_MAX_PAYLOAD] = COM_CHANGE_USER;
	REQUIRE((b = buf_new(plen + 64)) != NULL);
	REQUIRE(myp_put_packet(b, 0, pay, plen) == 0);
	REQUIRE(myp_put_packet(b, 0, "\x1f", 1) == 0);
	s = (unsigned char *)buf_ptr(b);
	len = buf_len(b);
	hdr2 = MYP_HDR_LEN + MYP_MAX_PAYLOAD;
	CHECK_INT(s[hdr2 + 3], 1);

	/* Relay-sized chunks, then cuts all around the second header. */
	for (i = 0; i < nitems(cuts) && (i + 1) * 65536 < len; i++)
		cuts[i] = (i + 1) * 65536;
	relay_sim(s, len, cuts, i, &seen);
	CHECK_INT(seen.passed, len);
	REQUIRE(seen.n == 2);
	CHECK_INT(seen.cmd[0], 0x03);
	CHECK_INT(seen.cmd[1], COM_RESET_CONNECTION);
	CHECK_INT(seen.at[1], hdr2 + 4 + 1);
	for (i = 0; i < 8; i++) {
		cuts[0] = hdr2 - 2 + i;
		relay_sim(s, len, cuts, 1, &seen);
		CHECK(seen.passed == len && seen.n == 2 &&
		    seen.cmd[1] == COM_RESET_CONNECTION);
	}
	/* The continuation's id wrapped to 0: still no command. */
	s[hdr2 + 3] = 0;
	relay_sim(s, len, NULL, 0, &seen);
	CHECK_INT(seen.n, 2);
	CHECK_INT(seen.cmd[1], COM_RESET_CONNECTION);
	buf_free(b);
	free(pay);
}
