/*
 * Unit tests of backend reuse's framing and checks (worker/pgreuse.c):
 * Terminate found only where a message starts, whatever the reads cut;
 * whether a session was idle; the reset statement's tag; the session blob;
 * the answer to a reset, and the check of a taken backend over a
 * socketpair (nothing may follow the answer).
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h"
#include "errors.h"
#include "pgproto.h"
#include "pgreuse.h"
#include "pgrfeed.h"
#include "test.h"
#include "util.h"
#include "worker.h"

/* A string literal with its embedded NULs, without the final one. */
#define LIT(s)	(const unsigned char *)(s), sizeof(s) - 1

/* Query "select 'X'", Sync, then Terminate: the X inside is no Terminate. */
static const unsigned char client_stream[] =
    "Q\0\0\0\017select 'X'\0"
    "P\0\0\0\011\0X\0\0\0"
    "S\0\0\0\004"
    "X\0\0\0\004";

TEST(pgreuse_terminate_at_any_cut)
{
	struct pgr_frames	 f;
	size_t			 step, n = sizeof(client_stream) - 1;
	int			 stop;

	for (step = 1; step <= n; step++) {
		CHECK_INT(pgr_feed(&f, 1, NULL, client_stream, n, step,
		    &stop), n - 5);
		CHECK(stop);
		CHECK_INT(f.requests, 2);
		CHECK(!f.unsynced);
		CHECK(!f.broken);
	}
}

TEST(pgreuse_idle)
{
	/* Two ReadyForQuery, the last idle; then one in a transaction. */
	static const unsigned char idle[] =
	    "C\0\0\0\015SELECT 1\0Z\0\0\0\005I"
	    "1\0\0\0\004Z\0\0\0\005I";
	static const unsigned char intx[] =
	    "C\0\0\0\015SELECT 1\0Z\0\0\0\005I"
	    "1\0\0\0\004Z\0\0\0\005T";
	struct pgr_frames	 c, b;
	size_t			 step;
	int			 stop;

	for (step = 1; step < sizeof(idle); step++) {
		pgr_feed(&c, 1, NULL, client_stream,
		    sizeof(client_stream) - 1, 64, &stop);
		pgr_feed(&b, 0, NULL, LIT(idle), step, &stop);
		CHECK(!stop);
		CHECK_INT(b.ready, 2);
		CHECK(pgr_frames_idle(&c, &b));
		pgr_feed(&b, 0, NULL, LIT(intx), step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
		/* One answer missing: a request still unanswered. */
		pgr_feed(&b, 0, NULL, idle, 20, step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
		/* Cut inside the last message. */
		pgr_feed(&b, 0, NULL, idle, sizeof(idle) - 2, step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
	}
}

TEST(pgreuse_unsynced_and_broken)
{
	struct pgr_frames	 c, b;
	int			 stop;

	memset(&b, 0, sizeof(b));
	/* Parse without Sync, then Terminate. */
	pgr_feed(&c, 1, NULL, LIT("P\0\0\0\011\0X\0\0\0X\0\0\0\004"), 3,
	    &stop);
	CHECK(stop);
	CHECK(c.unsynced);
	CHECK(!pgr_frames_idle(&c, &b));
	/* A length below 4: framing lost, never idle, never a stop. */
	pgr_feed(&c, 1, NULL, LIT("Q\0\0\0\003X\0\0\0\004"), 1, &stop);
	CHECK(c.broken);
	CHECK(!stop);
	CHECK(!pgr_frames_idle(&c, &b));
}

TEST(pgreuse_reset_tag)
{
	char	 tag[64];

	pgr_reset_tag("DISCARD ALL", tag, sizeof(tag));
	CHECK_STR(tag, "DISCARD ALL");
	pgr_reset_tag("  discard\n  all ", tag, sizeof(tag));
	CHECK_STR(tag, "DISCARD ALL");
	pgr_reset_tag("deallocate all", tag, sizeof(tag));
	CHECK_STR(tag, "DEALLOCATE ALL");
	pgr_reset_tag("RESET ALL", tag, sizeof(tag));
	CHECK_STR(tag, "RESET");
	pgr_reset_tag("reset", tag, sizeof(tag));
	CHECK_STR(tag, "RESET");
	pgr_reset_tag("", tag, sizeof(tag));
	CHECK_STR(tag, "");
	pgr_reset_tag("DISCARD ALL", tag, 5);
	CHECK_STR(tag, "DISC");
}

TEST(pgreuse_blob)
{
	CHECK_INT(pgr_blob_check(LIT("S\0\0\0\012a\0b\0\0\0"
	    "K\0\0\0\014\0\0\0\1\0\0\0\2")), 0);
	CHECK_INT(pgr_blob_check(LIT("K\0\0\0\014\0\0\0\1\0\0\0\2")), 0);
	/* No BackendKeyData, two, another type, a cut, a bad length. */
	CHECK_INT(pgr_blob_check(LIT("S\0\0\0\006a\0")), ERR_FORMAT);
	CHECK_INT(pgr_blob_check(LIT("K\0\0\0\014\0\0\0\1\0\0\0\2"
	    "K\0\0\0\014\0\0\0\1\0\0\0\2")), ERR_FORMAT);
	CHECK_INT(pgr_blob_check(LIT("K\0\0\0\014\0\0\0\1\0\0\0\2"
	    "Z\0\0\0\005I")), ERR_FORMAT);
	CHECK_INT(pgr_blob_check(LIT("K\0\0\0\014\0\0\0\1\0\0\0")),
	    ERR_FORMAT);
	CHECK_INT(pgr_blob_check(LIT("K\0\0\0\003")), ERR_FORMAT);
	CHECK_INT(pgr_blob_check(NULL, 0), ERR_FORMAT);
}

/* DISCARD ALL's answer, and a ParameterStatus as a reload makes one. */
#define DISCARD_OK	"C\0\0\0\020DISCARD ALL\0Z\0\0\0\005I"
#define TZ_STATUS	"S\0\0\0\030TimeZone\0Asia/Tokyo\0"
#define SESSION_BLOB	"K\0\0\0\014\0\0\0\1\0\0\0\2"

/*
 * The messages of a stream, one by one, to a fresh answer of DISCARD ALL;
 * the first error, or 0 when all were taken (done says if it ended).
 */
static int
answer(struct pgr_answer *a, int strict, const unsigned char *p, size_t n)
{
	size_t	 off = 0, len;
	uint8_t	 type;
	int	 r = 0;

	memset(a, 0, sizeof(*a));
	a->tag = "DISCARD ALL";
	a->strict = strict;
	while (r == 0 && off < n) {
		if (n - off < PG_HDR_LEN || pgp_header_parse(p + off, &type,
		    &len, n - off - PG_HDR_LEN) != 0)
			return ERR_FORMAT;
		r = pgr_answer_msg(a, type, p + off + PG_HDR_LEN, len);
		off += PG_HDR_LEN + len;
	}
	return r;
}

TEST(pgreuse_answer)
{
	struct pgr_answer	 a;
	int			 strict;

	for (strict = 0; strict <= 1; strict++) {
		CHECK_INT(answer(&a, strict, LIT(DISCARD_OK)), 0);
		CHECK(a.done);
		/* Cut before ReadyForQuery: not yet done. */
		CHECK_INT(answer(&a, strict,
		    (const unsigned char *)DISCARD_OK, 17), 0);
		CHECK(!a.done);
		CHECK_INT(answer(&a, strict, LIT(DISCARD_OK DISCARD_OK)),
		    ERR_PROTO);
		CHECK_STR(a.why, "a message after ReadyForQuery");
		CHECK_INT(answer(&a, strict, LIT("Z\0\0\0\005I")),
		    ERR_PROTO);
		CHECK_STR(a.why, "ReadyForQuery before the reset's "
		    "CommandComplete");
		CHECK_INT(answer(&a, strict,
		    LIT("C\0\0\0\020DISCARD ALL\0Z\0\0\0\005T")), ERR_PROTO);
		CHECK_STR(a.why, "ReadyForQuery not idle");
		CHECK_INT(answer(&a, strict,
		    LIT("C\0\0\0\013RESET\0Z\0\0\0\005I")), ERR_PROTO);
		CHECK_STR(a.why, "a CommandComplete other than the reset's");
		CHECK_INT(answer(&a, strict,
		    LIT("C\0\0\0\020DISCARD ALL\0" DISCARD_OK)), ERR_PROTO);
		/* pg_terminate_backend's FATAL; a SQLSTATE that is none. */
		CHECK_INT(answer(&a, strict, LIT("E\0\0\0\030SFATAL\0"
		    "C57P01\0Mbye\0\0")), ERR_PROTO);
		CHECK_STR(a.why, "an ErrorResponse, SQLSTATE 57P01");
		CHECK_INT(answer(&a, strict, LIT("E\0\0\0\026SFATAL\0"
		    "C5%P01\0Mx\0\0")),
		    ERR_PROTO);
		CHECK_STR(a.why, "an ErrorResponse");
		CHECK_INT(answer(&a, strict, LIT("D\0\0\0\006\0\0")),
		    ERR_PROTO);
		CHECK_STR(a.why, "message type 0x44");
	}
	/* What the session says on the way: only for the giver's reset. */
	CHECK_INT(answer(&a, 0, LIT(TZ_STATUS DISCARD_OK)), 0);
	CHECK_INT(answer(&a, 1, LIT("C\0\0\0\020DISCARD ALL\0" TZ_STATUS
	    "Z\0\0\0\005I")), ERR_PROTO);
	CHECK_STR(a.why, "a ParameterStatus");
	CHECK_INT(answer(&a, 1, LIT("N\0\0\0\005\0" DISCARD_OK)), ERR_PROTO);
	CHECK_STR(a.why, "a NoticeResponse");
	CHECK_INT(answer(&a, 1, LIT("A\0\0\0\016\0\0\0\1ch\0\0" DISCARD_OK)),
	    ERR_PROTO);
	CHECK_STR(a.why, "a NotificationResponse");
}

TEST(pgreuse_answer_bounded)
{
	unsigned char		 notice[1024] = "N";
	struct pgr_answer	 a;
	size_t			 i;
	int			 r = 0;

	/* Notices of 1 KiB each, without end: cut off at 64 KiB. */
	notice[3] = sizeof(notice) >> 8;
	memset(&a, 0, sizeof(a));
	a.tag = "DISCARD ALL";
	for (i = 0; i < 100 && r == 0; i++)
		r = pgr_answer_msg(&a, 'N', notice + PG_HDR_LEN,
		    sizeof(notice) - PG_HDR_LEN);
	CHECK_INT(r, ERR_TOOBIG);
	CHECK_INT(i, 65);
	CHECK(a.total <= 64 * 1024);
}

/*
 * A taken backend over a socketpair: the answer written ahead (the reset
 * query fits in the socket's buffer), then pgr_take.
 */
static int
take(const unsigned char *ans, size_t n, int close_after)
{
	struct pgr	 p;
	struct wconn	 c;
	char		 q[64];
	int		 sv[2], r;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	snprintf(p.reset, sizeof(p.reset), "DISCARD ALL");
	pgr_reset_tag(p.reset, p.tag, sizeof(p.tag));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return ERR_SYS;
	ep_init(&c.backend, sv[0], "backend");
	if (ep_prepare(&c.backend) != 0 ||
	    write(sv[1], ans, n) != (ssize_t)n) {
		close(sv[0]);
		close(sv[1]);
		return ERR_SYS;
	}
	if (close_after)
		shutdown(sv[1], SHUT_WR);
	r = pgr_take(&p, &c, SESSION_BLOB, sizeof(SESSION_BLOB) - 1);
	/* The reset query went out whole. */
	CHECK_INT(read(sv[1], q, sizeof(q)), 17);
	CHECK_MEM(q, "Q\0\0\0\020DISCARD ALL", 17);
	if (r == 0)
		CHECK_INT(p.bloblen, sizeof(SESSION_BLOB) - 1);
	ep_close(&c.backend);
	close(sv[1]);
	return r;
}

TEST(pgreuse_take)
{
	CHECK_INT(take(LIT(DISCARD_OK), 0), 0);
	/* Trailing bytes, in the same write or as an EOF. */
	CHECK_INT(take(LIT(DISCARD_OK "N\0\0\0\005\0"), 0), ERR_PROTO);
	CHECK_INT(take(LIT(DISCARD_OK), 1), ERR_PROTO);
	/* Terminated: its FATAL, or only an EOF. */
	CHECK_INT(take(LIT("E\0\0\0\030SFATAL\0C57P01\0Mbye\0\0"),
	    1), ERR_PROTO);
	CHECK_INT(take(NULL, 0, 1), ERR_EOF);
	CHECK_INT(take(LIT("C\0\0\0\020DISCARD ALL\0" TZ_STATUS
	    "Z\0\0\0\005I"), 0), ERR_PROTO);
}

/*
 * The reuse key of a StartupMessage of protocol 3.0 whose parameters are
 * params (key NUL value NUL ..., the final NUL included), for a service
 * with poolMode session.
 */
static int
key_of(const unsigned char *params, size_t n, struct pgr *p)
{
	unsigned char		 pkt[512];
	struct pgp_startup	 su;
	struct wconn		 c;
	uint32_t		 len, code;
	int			 r;

	if (8 + n > sizeof(pkt))
		return ERR_TOOBIG;
	len = htonl(8 + n);
	code = htonl(PG_PROTO_3_0);
	memcpy(pkt, &len, 4);
	memcpy(pkt + 4, &code, 4);
	memcpy(pkt + 8, params, n);
	if ((r = pgp_startup_parse(pkt, 8 + n, &su)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	kv_init(&c.opts);
	if ((r = kv_set_str(&c.opts, "poolMode", "session")) == 0)
		r = pgr_init(p, &c, &su);
	kv_clear(&c.opts);
	return r;
}

TEST(pgreuse_key)
{
	struct pgr	 a, b;

	/* The user aside (the service's credentials name it). */
	REQUIRE(key_of(LIT("user\0ann\0database\0db\0\0"), &a) == 0);
	REQUIRE(key_of(LIT("user\0bob\0database\0db\0\0"), &b) == 0);
	CHECK(a.on && b.on);
	CHECK(a.keylen == b.keylen && memcmp(a.key, b.key, a.keylen) == 0);
	REQUIRE(key_of(LIT("user\0ann\0database\0other\0\0"), &b) == 0);
	CHECK(a.keylen != b.keylen || memcmp(a.key, b.key, a.keylen) != 0);
	/*
	 * GUC names are case-insensitive and PostgreSQL applies a startup's
	 * settings in their order: these two ask for German and for ISO, and
	 * must not share a backend.
	 */
	REQUIRE(key_of(LIT("DateStyle\0ISO\0datestyle\0German\0\0"), &a) == 0);
	REQUIRE(key_of(LIT("datestyle\0German\0DateStyle\0ISO\0\0"), &b) == 0);
	CHECK(a.keylen != b.keylen || memcmp(a.key, b.key, a.keylen) != 0);
}

/* A session's blob as a login makes it. */
static void
login_blob(struct pgr *p)
{
	memset(p, 0, sizeof(*p));
	pgr_blob_add(p, LIT("S\0\0\0\025TimeZone\0Etc/UTC\0"));
	pgr_blob_add(p, LIT("S\0\0\0\027DateStyle\0ISO, MDY\0"));
	pgr_blob_add(p, LIT(SESSION_BLOB));
}

TEST(pgreuse_blob_status)
{
	unsigned char	 big[PGR_PARAM_MAX];
	struct pgr	 p;
	int		 i;

	/* A name's new value replaces the old, at the end. */
	login_blob(&p);
	CHECK_INT(pgr_blob_status(&p, LIT("TimeZone\0Asia/Tokyo\0")), 0);
	CHECK_INT(p.bloblen, 24 + 13 + 25);
	CHECK_MEM(p.blob, "S\0\0\0\027DateStyle\0ISO, MDY\0" SESSION_BLOB
	    "S\0\0\0\030TimeZone\0Asia/Tokyo\0", p.bloblen);
	CHECK_INT(pgr_blob_check(p.blob, p.bloblen), 0);
	/* A new name is added; a name that is a prefix is another name. */
	CHECK_INT(pgr_blob_status(&p, LIT("Time\0x\0")), 0);
	CHECK_INT(p.bloblen, 24 + 13 + 25 + 12);
	CHECK(!p.overflow);
	/* Malformed: no value, an empty name, no final NUL: no reuse. */
	login_blob(&p);
	CHECK_INT(pgr_blob_status(&p, LIT("TimeZone\0")), ERR_FORMAT);
	CHECK(p.overflow);
	login_blob(&p);
	CHECK_INT(pgr_blob_status(&p, LIT("\0x\0")), ERR_FORMAT);
	CHECK(p.overflow);
	login_blob(&p);
	CHECK_INT(pgr_blob_status(&p, LIT("a\0b")), ERR_FORMAT);
	CHECK(p.overflow);
	/* Two strings exactly. */
	login_blob(&p);
	CHECK_INT(pgr_blob_status(&p, LIT("a\0b\0c\0")), ERR_FORMAT);
	CHECK(p.overflow);
	/* More than the blob holds: names 'a', 'b', ... of long values. */
	login_blob(&p);
	memset(big, 'v', sizeof(big));
	big[1] = big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 26 && !p.overflow; i++) {
		big[0] = 'a' + i;
		CHECK(pgr_blob_status(&p, big, sizeof(big)) == 0 ||
		    p.overflow);
	}
	CHECK(p.overflow);
	CHECK(p.bloblen <= sizeof(p.blob));
}

TEST(pgreuse_frames_status)
{
	/* A query's answer with a reload's TimeZone, read in every cut. */
	static const unsigned char answer[] =
	    "C\0\0\0\015SELECT 1\0S\0\0\0\030TimeZone\0Asia/Tokyo\0"
	    "Z\0\0\0\005I";
	struct pgr_frames	 f;
	struct pgr		 p;
	size_t			 step;
	int			 stop;

	for (step = 1; step < sizeof(answer); step++) {
		login_blob(&p);
		CHECK_INT(pgr_feed(&f, 0, &p, LIT(answer), step, &stop),
		    sizeof(answer) - 1);
		CHECK(!p.overflow);
		CHECK_INT(p.bloblen, 24 + 13 + 25);
		CHECK_MEM(p.blob + 24 + 13, "S\0\0\0\030TimeZone\0Asia/Tokyo\0",
		    25);
	}
}
