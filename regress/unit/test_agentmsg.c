/*
 * privsep/agentmsg.c: the ssh-agent protocol's frames.  Every request
 * type, frames cut anywhere (ERR_AGAIN, nothing consumed), too long or
 * empty frames, trailing or missing bytes, and the encoders read back.
 */
#include <stdlib.h>
#include <string.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "test.h"

/* A frame: u32 length, type, then contents. */
static struct buf *
frame(uint8_t type, const void *contents, size_t len)
{
	struct buf	*b = buf_new(AGENT_MAX_FRAME + 16);

	if (b == NULL || buf_put_u32(b, len + 1) != 0 ||
	    buf_put_u8(b, type) != 0 || buf_put(b, contents, len) != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

/* SIGN_REQUEST's contents (draft-miller-ssh-agent 4.5), and extra. */
static struct buf *
sign_contents(const char *extra, size_t extralen)
{
	struct buf	*c = buf_new(0);

	if (c == NULL || buf_put_cstring(c, "KEYBLOB") != 0 ||
	    buf_put_cstring(c, "to be signed") != 0 ||
	    buf_put_u32(c, SSH_AGENT_RSA_SHA2_512) != 0 ||
	    buf_put(c, extra, extralen) != 0) {
		buf_free(c);
		return NULL;
	}
	return c;
}

TEST(agentmsg_identities_request)
{
	struct agent_request	 req;
	struct buf		*b;

	REQUIRE((b = frame(SSH_AGENTC_REQUEST_IDENTITIES, "", 0)) != NULL);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK_INT(req.type, SSH_AGENTC_REQUEST_IDENTITIES);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);

	/* 4.4: the request has no contents; a byte more is not it. */
	REQUIRE((b = frame(SSH_AGENTC_REQUEST_IDENTITIES, "x", 1)) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	CHECK_INT(buf_len(b), 6);
	buf_free(b);
}

TEST(agentmsg_sign_request)
{
	struct agent_request	 req;
	struct buf		*c, *b;

	REQUIRE((c = sign_contents("", 0)) != NULL);
	REQUIRE((b = frame(SSH_AGENTC_SIGN_REQUEST, buf_ptr(c),
	    buf_len(c))) != NULL);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK_INT(req.type, SSH_AGENTC_SIGN_REQUEST);
	CHECK_INT(req.keylen, 7);
	CHECK(req.key != NULL && memcmp(req.key, "KEYBLOB", 7) == 0);
	CHECK_INT(req.datalen, 12);
	CHECK(req.data != NULL && memcmp(req.data, "to be signed", 12) == 0);
	CHECK_INT(req.flags, SSH_AGENT_RSA_SHA2_512);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
	buf_free(c);

	/* A byte after the flags, or the flags cut short: not a request. */
	REQUIRE((c = sign_contents("!", 1)) != NULL);
	REQUIRE((b = frame(SSH_AGENTC_SIGN_REQUEST, buf_ptr(c),
	    buf_len(c))) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	CHECK_INT(buf_len(b), 5 + buf_len(c));
	CHECK(req.key == NULL && req.data == NULL);
	buf_free(b);
	REQUIRE((b = frame(SSH_AGENTC_SIGN_REQUEST, buf_ptr(c),
	    buf_len(c) - 3)) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	buf_free(b);
	buf_free(c);

	/* A key blob's length that runs past the frame. */
	REQUIRE((b = frame(SSH_AGENTC_SIGN_REQUEST,
	    "\0\0\0\x20KEY\0\0\0\0\0\0\0\0", 15)) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	buf_free(b);
}

TEST(agentmsg_extension)
{
	struct agent_request	 req;
	struct buf		*b;

	REQUIRE((b = frame(SSH_AGENTC_EXTENSION,
	    "\0\0\0\x05query", 9)) != NULL);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK_INT(req.type, SSH_AGENTC_EXTENSION);
	CHECK(req.extlen == 5 && memcmp(req.ext, "query", 5) == 0);
	CHECK_INT(req.extdatalen, 0);
	buf_free(b);

	/* 4.7: the extension's own contents follow its name, whole. */
	REQUIRE((b = frame(SSH_AGENTC_EXTENSION,
	    "\0\0\0\x03" "ext" "abcd", 11)) != NULL);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK(req.extlen == 3 && memcmp(req.ext, "ext", 3) == 0);
	CHECK(req.extdatalen == 4 && memcmp(req.extdata, "abcd", 4) == 0);
	buf_free(b);

	/* No name at all, or one longer than the frame. */
	REQUIRE((b = frame(SSH_AGENTC_EXTENSION, "\0\0", 2)) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	buf_free(b);
	REQUIRE((b = frame(SSH_AGENTC_EXTENSION, "\0\0\0\x09query",
	    9)) != NULL);
	CHECK_INT(agent_decode(b, &req), ERR_PROTO);
	buf_free(b);
}

/*
 * Every type without contents: the two that need contents are not
 * requests then; every other type comes back with its type alone.
 */
TEST(agentmsg_every_type)
{
	struct agent_request	 req;
	struct buf		*b;
	unsigned int		 t;
	int			 want;

	for (t = 0; t < 256; t++) {
		REQUIRE((b = frame(t, "", 0)) != NULL);
		want = t == SSH_AGENTC_SIGN_REQUEST ||
		    t == SSH_AGENTC_EXTENSION ? ERR_PROTO : 0;
		CHECK_INT(agent_decode(b, &req), want);
		if (want == 0) {
			CHECK_INT(req.type, t);
			CHECK_INT(buf_len(b), 0);
		}
		buf_free(b);
	}
}

/* The requests airlock refuses: their contents are skipped, unread. */
TEST(agentmsg_refused_types_skipped)
{
	static const uint8_t	 types[] = { SSH_AGENTC_ADD_IDENTITY,
	    SSH_AGENTC_REMOVE_IDENTITY, SSH_AGENTC_LOCK, SSH_AGENTC_UNLOCK,
	    SSH_AGENTC_ADD_ID_CONSTRAINED, SSH_AGENTC_ADD_SMARTCARD_KEY, 99 };
	struct agent_request	 req;
	struct buf		*b;
	size_t			 i;

	for (i = 0; i < sizeof(types); i++) {
		REQUIRE((b = frame(types[i], "\0\0\0\x07ssh-rsa\xff", 12)) !=
		    NULL);
		REQUIRE(buf_put_u32(b, 1) == 0 && buf_put_u8(b, 11) == 0);
		CHECK_INT(agent_decode(b, &req), 0);
		CHECK_INT(req.type, types[i]);
		CHECK(req.key == NULL && req.ext == NULL);
		/* The next frame is next. */
		CHECK_INT(agent_decode(b, &req), 0);
		CHECK_INT(req.type, SSH_AGENTC_REQUEST_IDENTITIES);
		CHECK_INT(buf_len(b), 0);
		buf_free(b);
	}
}

/* A frame cut anywhere: ERR_AGAIN, and nothing consumed. */
TEST(agentmsg_partial)
{
	struct agent_request	 req;
	struct buf		*c, *b, part;
	size_t			 n;

	REQUIRE((c = sign_contents("", 0)) != NULL);
	REQUIRE((b = frame(SSH_AGENTC_SIGN_REQUEST, buf_ptr(c),
	    buf_len(c))) != NULL);
	for (n = 0; n < buf_len(b); n++) {
		buf_view(&part, buf_ptr(b), n);
		CHECK_INT(agent_decode(&part, &req), ERR_AGAIN);
		CHECK_INT(buf_len(&part), n);
	}
	buf_view(&part, buf_ptr(b), n);
	CHECK_INT(agent_decode(&part, &req), 0);
	CHECK_INT(buf_len(&part), 0);
	buf_free(b);
	buf_free(c);
}

TEST(agentmsg_frame_length)
{
	struct agent_request	 req;
	struct buf		*b, v;
	unsigned char		*big;

	/* Empty: not even a type. */
	buf_view(&v, "\0\0\0\0", 4);
	CHECK_INT(agent_decode(&v, &req), ERR_PROTO);
	CHECK_INT(buf_len(&v), 4);
	/* Too long: refused from its length, before its bytes arrive. */
	buf_view(&v, "\0\x04\0\x01\x0b", 5);
	CHECK_INT(agent_decode(&v, &req), ERR_PROTO);
	buf_view(&v, "\xff\xff\xff\xff", 4);
	CHECK_INT(agent_decode(&v, &req), ERR_PROTO);
	/* The longest frame OpenSSH's agent takes is taken. */
	REQUIRE((big = calloc(1, AGENT_MAX_FRAME)) != NULL);
	REQUIRE((b = frame(SSH_AGENTC_ADD_IDENTITY, big,
	    AGENT_MAX_FRAME - 1)) != NULL);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK_INT(req.type, SSH_AGENTC_ADD_IDENTITY);
	buf_free(b);
	free(big);
}

TEST(agentmsg_put_status)
{
	struct buf	*b = buf_new(0);

	REQUIRE(b != NULL);
	CHECK_INT(agent_put_failure(b), 0);
	CHECK_INT(agent_put_success(b), 0);
	CHECK_INT(buf_len(b), 10);
	CHECK_MEM(buf_ptr(b), "\0\0\0\x01\x05\0\0\0\x01\x06", 10);
	buf_free(b);
}

TEST(agentmsg_put_identities)
{
	const unsigned char	*blobs[2] = {
	    (const unsigned char *)"BLOB-ONE", (const unsigned char *)"B2" };
	const size_t		 lens[2] = { 8, 2 };
	const char		*comments[2] = { "first", "" };
	const unsigned char	*v;
	struct agent_request	 req;
	struct buf		*b = buf_new(0), body;
	uint32_t		 len, n;
	size_t			 vlen;

	REQUIRE(b != NULL);
	CHECK_INT(agent_put_identities(b, 2, blobs, lens, comments), 0);
	/* The frame is whole: the decoder takes it (as a type it refuses). */
	REQUIRE(buf_peek_u32(b, &len) == 0);
	CHECK_INT(len, buf_len(b) - 4);
	buf_view(&body, buf_ptr(b) + 5, len - 1);
	CHECK_INT(buf_ptr(b)[4], SSH_AGENT_IDENTITIES_ANSWER);
	CHECK_INT(buf_get_u32(&body, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(buf_get_string_direct(&body, &v, &vlen), 0);
	CHECK(vlen == 8 && memcmp(v, "BLOB-ONE", 8) == 0);
	CHECK_INT(buf_get_string_direct(&body, &v, &vlen), 0);
	CHECK(vlen == 5 && memcmp(v, "first", 5) == 0);
	CHECK_INT(buf_get_string_direct(&body, &v, &vlen), 0);
	CHECK(vlen == 2 && memcmp(v, "B2", 2) == 0);
	CHECK_INT(buf_get_string_direct(&body, &v, &vlen), 0);
	CHECK_INT(vlen, 0);
	CHECK_INT(buf_expect_end(&body), 0);
	CHECK_INT(agent_decode(b, &req), 0);
	CHECK_INT(req.type, SSH_AGENT_IDENTITIES_ANSWER);
	buf_reset(b);
	/* None at all is an answer too. */
	CHECK_INT(agent_put_identities(b, 0, NULL, NULL, NULL), 0);
	CHECK_INT(buf_len(b), 9);
	CHECK_MEM(buf_ptr(b), "\0\0\0\x05\x0c\0\0\0\0", 9);
	buf_free(b);
}

TEST(agentmsg_put_sign_response)
{
	const unsigned char	*v;
	struct buf		*b = buf_new(AGENT_MAX_FRAME + 4), body;
	unsigned char		*big;
	size_t			 vlen;

	REQUIRE(b != NULL);
	CHECK_INT(agent_put_sign_response(b, (const unsigned char *)"SIG",
	    3), 0);
	CHECK_INT(buf_len(b), 12);
	CHECK_MEM(buf_ptr(b), "\0\0\0\x08\x0e", 5);
	buf_view(&body, buf_ptr(b) + 5, buf_len(b) - 5);
	CHECK_INT(buf_get_string_direct(&body, &v, &vlen), 0);
	CHECK(vlen == 3 && memcmp(v, "SIG", 3) == 0);
	CHECK_INT(buf_expect_end(&body), 0);
	buf_reset(b);
	/* A frame the peer would refuse is not made. */
	REQUIRE((big = calloc(1, AGENT_MAX_FRAME)) != NULL);
	CHECK_INT(agent_put_sign_response(b, big, AGENT_MAX_FRAME - 4),
	    ERR_TOOBIG);
	CHECK_INT(buf_len(b), 0);
	CHECK_INT(agent_put_sign_response(b, big, AGENT_MAX_FRAME - 5), 0);
	CHECK_INT(buf_len(b), 4 + AGENT_MAX_FRAME);
	free(big);
	buf_free(b);
}

TEST(agentmsg_type_name)
{
	char	 tmp[16];

	CHECK_STR(agent_type_name(SSH_AGENTC_SIGN_REQUEST, tmp, sizeof(tmp)),
	    "SIGN_REQUEST");
	CHECK_STR(agent_type_name(99, tmp, sizeof(tmp)), "type 99");
}
