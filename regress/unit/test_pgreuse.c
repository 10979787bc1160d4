/*
 * Unit tests of backend reuse's framing and checks (worker/pgreuse.c):
 * Terminate found only where a message starts, whatever the reads cut;
 * whether a session was idle; the reset statement's tag; the session blob.
 */
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "pgreuse.h"
#include "test.h"
#include "util.h"

/* A string literal with its embedded NULs, without the final one. */
#define LIT(s)	(const unsigned char *)(s), sizeof(s) - 1

/*
 * Feed the stream to a fresh framing in reads of step bytes (the relay
 * passes what it has, again with what is held); how many bytes passed
 * before a stop, and whether it stopped.
 */
static size_t
feed(struct pgr_frames *f, int client, const unsigned char *p, size_t n,
    size_t step, int *stop)
{
	size_t	 off = 0, k, passed;

	memset(f, 0, sizeof(*f));
	f->client = client;
	*stop = 0;
	while (off < n) {
		k = n - off < step ? n - off : step;
		passed = pgr_frames_look(f, p + off, k, stop);
		off += passed;
		if (*stop)
			break;
	}
	return off;
}

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
		CHECK_INT(feed(&f, 1, client_stream, n, step, &stop), n - 5);
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
		feed(&c, 1, client_stream, sizeof(client_stream) - 1, 64,
		    &stop);
		feed(&b, 0, LIT(idle), step, &stop);
		CHECK(!stop);
		CHECK_INT(b.ready, 2);
		CHECK(pgr_frames_idle(&c, &b));
		feed(&b, 0, LIT(intx), step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
		/* One answer missing: a request still unanswered. */
		feed(&b, 0, idle, 20, step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
		/* Cut inside the last message. */
		feed(&b, 0, idle, sizeof(idle) - 2, step, &stop);
		CHECK(!pgr_frames_idle(&c, &b));
	}
}

TEST(pgreuse_unsynced_and_broken)
{
	struct pgr_frames	 c, b;
	int			 stop;

	memset(&b, 0, sizeof(b));
	/* Parse without Sync, then Terminate. */
	feed(&c, 1, LIT("P\0\0\0\011\0X\0\0\0X\0\0\0\004"), 3, &stop);
	CHECK(stop);
	CHECK(c.unsynced);
	CHECK(!pgr_frames_idle(&c, &b));
	/* A length below 4: framing lost, never idle, never a stop. */
	feed(&c, 1, LIT("Q\0\0\0\003X\0\0\0\004"), 1, &stop);
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
