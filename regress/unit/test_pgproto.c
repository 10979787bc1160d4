/*
 * Unit tests of the PostgreSQL protocol parsers and builders
 * (worker/pgproto.c): good input, and each way a peer can get it wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "pgproto.h"
#include "test.h"
#include "util.h"

/* A string literal with its embedded NULs, without the final one. */
#define LIT(s)	(const unsigned char *)(s), sizeof(s) - 1

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A startup packet: length, code, body; returns its length. */
static size_t
mkpkt(unsigned char *out, uint32_t code, const unsigned char *body,
    size_t len)
{
	put32(out, 8 + len);
	put32(out + 4, code);
	if (len > 0)
		memcpy(out + 8, body, len);
	return 8 + len;
}

static int
parse_body(uint32_t code, const unsigned char *body, size_t len,
    struct pgp_startup *s)
{
	static unsigned char	 pkt[PG_STARTUP_MAX_LEN + 64];

	if (len + 8 > sizeof(pkt))
		return ERR_INVAL;
	return pgp_startup_parse(pkt, mkpkt(pkt, code, body, len), s);
}

TEST(pgproto_startup_good)
{
	struct pgp_startup	 s;
	const struct pgp_param	*p;

	REQUIRE(parse_body(PG_PROTO_3_0, LIT("user\0alice\0database\0db\0"
	    "application_name\0\0\0"), &s) == 0);
	CHECK_INT(s.kind, PGP_STARTUP);
	CHECK_INT(s.code, 196608);
	CHECK_INT(s.nparams, 3);
	REQUIRE((p = pgp_startup_get(&s, "database")) != NULL);
	CHECK_STR(p->val, "db");
	CHECK_INT(p->vallen, 2);
	REQUIRE((p = pgp_startup_get(&s, "application_name")) != NULL);
	CHECK_INT(p->vallen, 0);
	CHECK_STR(p->val, "");
	CHECK(pgp_startup_get(&s, "options") == NULL);
	CHECK(pgp_startup_get(&s, "user") != NULL);

	/* Any 3.x: the backend negotiates the minor version. */
	REQUIRE(parse_body(3 << 16 | 2, LIT("user\0u\0\0"), &s) == 0);
	CHECK_INT(s.kind, PGP_STARTUP);
	CHECK_INT(PG_PROTO_MINOR(s.code), 2);

	/* No parameter at all parses; requiring user is the caller's. */
	REQUIRE(parse_body(PG_PROTO_3_0, LIT("\0"), &s) == 0);
	CHECK_INT(s.nparams, 0);
}

TEST(pgproto_startup_lengths)
{
	struct pgp_startup	 s;
	unsigned char		 pkt[16];
	const uint32_t		 bad[] = { 0, 4, 7, 10001, 0xffffffff };
	size_t			 i;

	CHECK_INT(pgp_startup_len(8), 0);
	CHECK_INT(pgp_startup_len(10000), 0);
	CHECK_INT(pgp_startup_len(0), ERR_FORMAT);
	CHECK_INT(pgp_startup_len(7), ERR_FORMAT);
	CHECK_INT(pgp_startup_len(10001), ERR_TOOBIG);
	CHECK_INT(pgp_startup_len(0xffffffff), ERR_TOOBIG);

	/* The parser checks the length word it is given, too. */
	for (i = 0; i < nitems(bad); i++) {
		put32(pkt, bad[i]);
		put32(pkt + 4, PG_CODE_SSL);
		CHECK(pgp_startup_parse(pkt, 8, &s) != 0);
	}
	/* A word that disagrees with the bytes handed over. */
	put32(pkt, 9);
	put32(pkt + 4, PG_CODE_SSL);
	CHECK_INT(pgp_startup_parse(pkt, 8, &s), ERR_FORMAT);
	put32(pkt, 8);
	CHECK_INT(pgp_startup_parse(pkt, 3, &s), ERR_SHORT);
	CHECK_INT(pgp_startup_parse(pkt, 8, &s), 0);
	CHECK_INT(s.kind, PGP_SSL);
}

TEST(pgproto_startup_bad_params)
{
	struct pgp_startup	 s;
	unsigned char		 body[2048];
	size_t			 i, len;

	/* No final NUL. */
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user\0alice\0"), &s),
	    ERR_FORMAT);
	/* A value without its NUL. */
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user\0alice"), &s),
	    ERR_FORMAT);
	/* A key without its NUL, and a key without a value. */
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user"), &s), ERR_FORMAT);
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user\0"), &s), ERR_FORMAT);
	/* An empty key reads as the terminator, and the rest is extra. */
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("\0alice\0\0"), &s),
	    ERR_FORMAT);
	/* Twice the same key. */
	CHECK_INT(parse_body(PG_PROTO_3_0,
	    LIT("user\0a\0database\0d\0user\0b\0\0"), &s), ERR_FORMAT);
	/* Bytes after the terminator. */
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user\0a\0\0x"), &s),
	    ERR_FORMAT);
	CHECK_INT(parse_body(PG_PROTO_3_0, LIT("user\0a\0\0\0"), &s),
	    ERR_FORMAT);
	/* The version alone: not even a terminator. */
	CHECK_INT(parse_body(PG_PROTO_3_0, NULL, 0, &s), ERR_FORMAT);
	CHECK_INT(s.nparams, 0);

	/* 64 parameters pass, 65 do not. */
	for (len = 0, i = 0; i < PG_MAX_PARAMS; i++)
		len += snprintf((char *)body + len, sizeof(body) - len,
		    "k%zu%cv%c", i, '\0', '\0');
	body[len] = '\0';
	CHECK_INT(parse_body(PG_PROTO_3_0, body, len + 1, &s), 0);
	CHECK_INT(s.nparams, PG_MAX_PARAMS);
	len += snprintf((char *)body + len, sizeof(body) - len, "k64%cv%c",
	    '\0', '\0');
	body[len] = '\0';
	CHECK_INT(parse_body(PG_PROTO_3_0, body, len + 1, &s), ERR_TOOBIG);
	CHECK_INT(s.nparams, 0);
}

TEST(pgproto_startup_requests)
{
	struct pgp_startup	 s;
	unsigned char		 key[4 + PG_CANCEL_KEY_MAX + 1];

	/* Protocol 2.0 and 4.0: known as unsupported, not parsed. */
	CHECK_INT(parse_body(2 << 16, LIT("user\0a\0\0"), &s), 0);
	CHECK_INT(s.kind, PGP_UNSUPPORTED);
	CHECK_INT(PG_PROTO_MAJOR(s.code), 2);
	CHECK_INT(parse_body(4 << 16, LIT("\0"), &s), 0);
	CHECK_INT(s.kind, PGP_UNSUPPORTED);

	CHECK_INT(parse_body(PG_CODE_SSL, NULL, 0, &s), 0);
	CHECK_INT(s.kind, PGP_SSL);
	CHECK_INT(parse_body(PG_CODE_GSSENC, NULL, 0, &s), 0);
	CHECK_INT(s.kind, PGP_GSSENC);
	/* An SSLRequest of length 12. */
	CHECK_INT(parse_body(PG_CODE_SSL, LIT("\0\0\0\0"), &s), ERR_FORMAT);
	CHECK_INT(parse_body(PG_CODE_GSSENC, LIT("\0"), &s), ERR_FORMAT);

	/* CancelRequest: process id and a 4-byte key (3.0) ... */
	CHECK_INT(parse_body(PG_CODE_CANCEL,
	    LIT("\x00\x00\x30\x39" "\xde\xad\xbe\xef"), &s), 0);
	CHECK_INT(s.kind, PGP_CANCEL);
	CHECK_INT(s.pid, 12345);
	CHECK_INT(s.keylen, 4);
	CHECK_MEM(s.key, "\xde\xad\xbe\xef", 4);
	/* ... or up to 256 bytes (3.2), never less than 4 nor more. */
	memset(key, 0xa5, sizeof(key));
	put32(key, 7);
	CHECK_INT(parse_body(PG_CODE_CANCEL, key, 4 + 32, &s), 0);
	CHECK_INT(s.keylen, 32);
	CHECK_INT(parse_body(PG_CODE_CANCEL, key, 4 + PG_CANCEL_KEY_MAX, &s),
	    0);
	CHECK_INT(parse_body(PG_CODE_CANCEL, key, 4 + PG_CANCEL_KEY_MAX + 1,
	    &s), ERR_FORMAT);
	CHECK_INT(parse_body(PG_CODE_CANCEL, LIT("\0\0\0\1"), &s),
	    ERR_FORMAT);
	CHECK_INT(parse_body(PG_CODE_CANCEL, LIT("\0\0\0\1\2\2\2"), &s),
	    ERR_FORMAT);
	CHECK_INT(parse_body(PG_CODE_CANCEL, NULL, 0, &s), ERR_FORMAT);
}

TEST(pgproto_build_startup)
{
	struct buf		*b;
	struct pgp_param	 v[2] = {
		{ "user", 4, "bob", 3 },
		{ "database", 8, "", 0 },
	};
	const unsigned char	 want[] = {
		0, 0, 0, 28, 0, 3, 0, 0,
		'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0,
		'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0, 0,
		0,
	};
	struct pgp_param	 bad;
	struct pgp_param	 big[2] = {
		{ "user", 4, NULL, PG_STARTUP_MAX_LEN - 16 },
		{ "x", 1, "y", 1 },
	};
	static char		 longval[PG_STARTUP_MAX_LEN];

	REQUIRE((b = buf_new(2 * PG_STARTUP_MAX_LEN)) != NULL);
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, v, 2), 0);
	CHECK_INT(buf_len(b), sizeof(want));
	CHECK_MEM(buf_ptr(b), want, sizeof(want));

	/* A NUL in a key or value would smuggle in another parameter. */
	buf_reset(b);
	bad = v[0];
	bad.val = "a\0database";
	bad.vallen = 10;
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, &bad, 1), ERR_FORMAT);
	bad = v[0];
	bad.key = "us\0r";
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, &bad, 1), ERR_FORMAT);
	bad.key = "";
	bad.keylen = 0;
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, &bad, 1), ERR_FORMAT);
	CHECK_INT(pgp_put_startup(b, 2 << 16, v, 2), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);

	/* No longer than the server accepts; nothing written on failure. */
	memset(longval, 'a', sizeof(longval));
	big[0].val = longval;
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, big, 1), 0);
	CHECK_INT(buf_len(b), PG_STARTUP_MAX_LEN - 16 + 8 + 5 + 1 + 1);
	buf_reset(b);
	CHECK_INT(pgp_put_startup(b, PG_PROTO_3_0, big, 2), ERR_TOOBIG);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

TEST(pgproto_build_frontend)
{
	struct buf		*b;
	unsigned char		 m[PGP_PASSWORD_MSG_LEN(6)];
	const unsigned char	 ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	const unsigned char	 cancel[] = {
		0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e,
		0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef,
	};
	const unsigned char	 pw[] = {
		'p', 0, 0, 0, 11, 's', 'e', 'c', 'r', 'e', 't', 0,
	};
	const unsigned char	 initial[] = {
		'p', 0, 0, 0, 26,
		'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5',
		'6', 0,
		0, 0, 0, 4, 'n', ',', ',', 'x',
	};
	const unsigned char	 response[] = {
		'p', 0, 0, 0, 7, 'c', '=', 'x',
	};

	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(pgp_put_ssl_request(b), 0);
	CHECK_INT(buf_len(b), sizeof(ssl));
	CHECK_MEM(buf_ptr(b), ssl, sizeof(ssl));

	buf_reset(b);
	CHECK_INT(pgp_put_cancel(b, 12345,
	    (const unsigned char *)"\xde\xad\xbe\xef", 4), 0);
	CHECK_INT(buf_len(b), sizeof(cancel));
	CHECK_MEM(buf_ptr(b), cancel, sizeof(cancel));
	buf_reset(b);
	CHECK_INT(pgp_put_cancel(b, 1, (const unsigned char *)"abc", 3),
	    ERR_INVAL);

	CHECK_INT(pgp_password_msg(m, sizeof(m), "secret", 6), 0);
	CHECK_INT(sizeof(m), sizeof(pw));
	CHECK_MEM(m, pw, sizeof(pw));
	CHECK_INT(pgp_password_msg(m, sizeof(m), "secre\0", 6), ERR_FORMAT);
	CHECK_INT(pgp_password_msg(m, sizeof(m) - 1, "secret", 6),
	    ERR_INVAL);

	buf_reset(b);
	CHECK_INT(pgp_put_sasl_initial(b, "SCRAM-SHA-256",
	    (const unsigned char *)"n,,x", 4), 0);
	CHECK_INT(buf_len(b), sizeof(initial));
	CHECK_MEM(buf_ptr(b), initial, sizeof(initial));

	buf_reset(b);
	CHECK_INT(pgp_put_sasl_response(b, (const unsigned char *)"c=x", 3),
	    0);
	CHECK_INT(buf_len(b), sizeof(response));
	CHECK_MEM(buf_ptr(b), response, sizeof(response));
	buf_free(b);
}

TEST(pgproto_build_backend)
{
	struct buf		*b;
	struct pgp_fields	 f;
	uint8_t			 type;
	size_t			 len;
	const unsigned char	 ok[] = { 'R', 0, 0, 0, 8, 0, 0, 0, 0 };
	const unsigned char	 err[] = {
		'E', 0, 0, 0, 32,
		'S', 'F', 'A', 'T', 'A', 'L', 0,
		'V', 'F', 'A', 'T', 'A', 'L', 0,
		'C', '0', '8', 'P', '0', '1', 0,
		'M', 'n', 'o', 'p', 'e', 0,
		0,
	};

	REQUIRE((b = buf_new(1024)) != NULL);
	CHECK_INT(pgp_put_auth_ok(b), 0);
	CHECK_INT(buf_len(b), sizeof(ok));
	CHECK_MEM(buf_ptr(b), ok, sizeof(ok));

	buf_reset(b);
	CHECK_INT(pgp_put_error(b, "FATAL", "08P01", "nope"), 0);
	REQUIRE(buf_len(b) == sizeof(err));
	CHECK_MEM(buf_ptr(b), err, sizeof(err));
	/* What we build, we parse. */
	CHECK_INT(pgp_header_parse(buf_ptr(b), &type, &len, 1024), 0);
	CHECK_INT(type, 'E');
	CHECK_INT(len, sizeof(err) - PG_HDR_LEN);
	REQUIRE(pgp_fields_parse(buf_ptr(b) + PG_HDR_LEN, len, &f) == 0);
	CHECK_INT(f.n, 4);
	CHECK_STR(f.severity, "FATAL");
	CHECK_STR(f.code, "08P01");
	CHECK_STR(f.message, "nope");

	buf_reset(b);
	CHECK_INT(pgp_put_error(b, "FATAL", "08P0", "x"), ERR_INVAL);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

TEST(pgproto_header)
{
	unsigned char	 h[PG_HDR_LEN] = { 'R', 0, 0, 0, 12 };
	uint8_t		 type;
	size_t		 len;

	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY), 0);
	CHECK_INT(type, 'R');
	CHECK_INT(len, 8);
	put32(h + 1, 4);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY), 0);
	CHECK_INT(len, 0);
	put32(h + 1, 3);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY),
	    ERR_FORMAT);
	put32(h + 1, 0);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY),
	    ERR_FORMAT);
	put32(h + 1, 4 + PG_AUTH_MAX_BODY);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY), 0);
	put32(h + 1, 5 + PG_AUTH_MAX_BODY);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY),
	    ERR_TOOBIG);
	put32(h + 1, 0xffffffff);
	CHECK_INT(pgp_header_parse(h, &type, &len, PG_AUTH_MAX_BODY),
	    ERR_TOOBIG);
}

TEST(pgproto_auth)
{
	struct pgp_auth	 a;

	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\0"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_OK);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\0x"), &a), ERR_FORMAT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0"), &a), ERR_SHORT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\3"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_CLEARTEXT);

	/* MD5: exactly a 4-byte salt. */
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\5" "\1\2\3\4"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_MD5);
	CHECK_MEM(a.salt, "\1\2\3\4", 4);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\5" "\1\2\3"), &a), ERR_FORMAT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\5" "\1\2\3\4\5"), &a),
	    ERR_FORMAT);

	/* SASL mechanism lists. */
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12"
	    "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_SASL);
	CHECK(pgp_sasl_has(&a, "SCRAM-SHA-256"));
	CHECK(pgp_sasl_has(&a, "SCRAM-SHA-256-PLUS"));
	CHECK(!pgp_sasl_has(&a, "SCRAM-SHA"));
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12" "SCRAM-SHA-256-PLUS\0\0"),
	    &a), 0);
	CHECK(!pgp_sasl_has(&a, "SCRAM-SHA-256"));
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12" "SCRAM-SHA-256\0"), &a),
	    ERR_FORMAT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12" "SCRAM-SHA-256"), &a),
	    ERR_FORMAT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12"), &a), ERR_FORMAT);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\12" "SCRAM-SHA-256\0\0x"), &a),
	    ERR_FORMAT);
	CHECK(!pgp_sasl_has(&a, "SCRAM-SHA-256"));

	/* SASLContinue and SASLFinal carry the mechanism's data. */
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\13" "r=abc,s=xyz,i=4096"), &a),
	    0);
	CHECK_INT(a.code, PG_AUTH_SASL_CONT);
	CHECK_INT(a.datalen, 18);
	CHECK_MEM(a.data, "r=abc", 5);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\14" "v=sig"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_SASL_FINAL);
	CHECK_INT(a.datalen, 5);

	/* Unknown or unsupported: only the code, for the caller to name. */
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\52" "whatever"), &a), 0);
	CHECK_INT(a.code, 42);
	CHECK(a.data == NULL);
	CHECK_INT(pgp_auth_parse(LIT("\0\0\0\7"), &a), 0);
	CHECK_INT(a.code, PG_AUTH_GSS);
}

TEST(pgproto_fields)
{
	struct pgp_fields	 f;
	unsigned char		 many[PG_MAX_FIELDS * 3 + 32];
	size_t			 i, len;

	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0C28P01\0Mpassword "
	    "authentication failed for user \"x\"\0Rauth_failed\0\0"), &f), 0);
	CHECK_INT(f.n, 4);
	CHECK_STR(f.code, "28P01");
	CHECK_STR(f.severity, "FATAL");
	CHECK_STR(f.message, "password authentication failed for user \"x\"");

	/* Without the final zero byte. */
	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0C28P01\0Mno\0"), &f),
	    ERR_FORMAT);
	CHECK(f.message == NULL);
	/* A field without its NUL. */
	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0C28P01\0Mno"), &f),
	    ERR_FORMAT);
	/* A type byte with no string at all. */
	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0C28P01\0M"), &f), ERR_FORMAT);
	/* Bytes after the end. */
	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0C28P01\0Mno\0\0x"), &f),
	    ERR_FORMAT);
	/* S, C and M are always present. */
	CHECK_INT(pgp_fields_parse(LIT("SFATAL\0Mno\0\0"), &f), ERR_FORMAT);
	CHECK_INT(pgp_fields_parse(LIT("\0"), &f), ERR_FORMAT);
	CHECK_INT(pgp_fields_parse(NULL, 0, &f), ERR_FORMAT);

	/* A cap on the number of fields. */
	len = 0;
	memcpy(many, "SFATAL\0C28P01\0Mno\0", 18);
	len = 18;
	for (i = 3; i < PG_MAX_FIELDS; i++) {
		many[len++] = 'x';
		many[len++] = 'y';
		many[len++] = '\0';
	}
	many[len] = '\0';
	CHECK_INT(pgp_fields_parse(many, len + 1, &f), 0);
	CHECK_INT(f.n, PG_MAX_FIELDS);
	memcpy(many + len, "xy\0", 3);
	len += 3;
	many[len] = '\0';
	CHECK_INT(pgp_fields_parse(many, len + 1, &f), ERR_TOOBIG);
}

TEST(pgproto_negotiate)
{
	uint32_t	 version = 0;
	size_t		 n = 99;

	CHECK_INT(pgp_negotiate_parse(LIT("\0\0\0\0" "\0\0\0\0"), &version,
	    &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0" "\0\0\0\2"
	    "_pq_.a\0_pq_.b\0"), &version, &n), 0);
	CHECK_INT(version, PG_PROTO_3_0);
	CHECK_INT(n, 2);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0" "\0\0\0\2" "_pq_.a\0"),
	    &version, &n), ERR_FORMAT);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0" "\0\0\0\1" "_pq_.a"),
	    &version, &n), ERR_FORMAT);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0" "\0\0\0\1" "a\0b"),
	    &version, &n), ERR_FORMAT);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0" "\xff\xff\xff\xff"),
	    &version, &n), ERR_TOOBIG);
	CHECK_INT(pgp_negotiate_parse(LIT("\0\3\0\0"), &version, &n),
	    ERR_SHORT);
}
