/* Unit tests of the bounds-checked buffer (privsep/buf.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "test.h"
#include "util.h"

TEST(buf_integers_roundtrip)
{
	struct buf	*b = buf_new(0);
	uint8_t		 u8;
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;
	static const unsigned char want[] = {
		0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};

	REQUIRE(b != NULL);
	CHECK_INT(buf_put_u8(b, 0xab), 0);
	CHECK_INT(buf_put_u16(b, 0x1234), 0);
	CHECK_INT(buf_put_u32(b, 0xdeadbeef), 0);
	CHECK_INT(buf_put_u64(b, 0x0102030405060708ULL), 0);
	CHECK_INT(buf_len(b), sizeof(want));
	CHECK_MEM(buf_ptr(b), want, sizeof(want));	/* big-endian */
	CHECK_INT(buf_get_u8(b, &u8), 0);
	CHECK_INT(buf_get_u16(b, &u16), 0);
	CHECK_INT(buf_get_u32(b, &u32), 0);
	CHECK_INT(buf_get_u64(b, &u64), 0);
	CHECK_INT(u8, 0xab);
	CHECK_INT(u16, 0x1234);
	CHECK(u32 == 0xdeadbeef);
	CHECK(u64 == 0x0102030405060708ULL);
	CHECK_INT(buf_expect_end(b), 0);
	buf_free(b);
}

TEST(buf_short_reads_consume_nothing)
{
	struct buf	 v;
	uint32_t	 u32;
	uint64_t	 u64;
	static const unsigned char three[] = { 1, 2, 3 };
	static const unsigned char seven[] = { 1, 2, 3, 4, 5, 6, 7 };

	buf_view(&v, three, sizeof(three));
	CHECK_INT(buf_get_u32(&v, &u32), ERR_SHORT);
	CHECK_INT(buf_len(&v), 3);
	buf_view(&v, seven, sizeof(seven));
	CHECK_INT(buf_get_u64(&v, &u64), ERR_SHORT);
	CHECK_INT(buf_len(&v), 7);
	CHECK_INT(buf_consume(&v, 8), ERR_SHORT);
	CHECK_INT(buf_consume(&v, 7), 0);
	CHECK_INT(buf_expect_end(&v), 0);
}

TEST(buf_strings)
{
	struct buf		*b = buf_new(0);
	const unsigned char	*p;
	size_t			 n;
	char			*s;

	REQUIRE(b != NULL);
	CHECK_INT(buf_put_cstring(b, "hello"), 0);
	CHECK_INT(buf_put_string(b, "a\0b", 3), 0);
	CHECK_INT(buf_put_cstring(b, "toolong"), 0);
	CHECK_INT(buf_get_cstring(b, &s, 16), 0);
	CHECK_STR(s, "hello");
	free(s);
	/* An embedded NUL is refused and nothing is consumed. */
	CHECK_INT(buf_get_cstring(b, &s, 16), ERR_FORMAT);
	CHECK(s == NULL);
	CHECK_INT(buf_get_string_direct(b, &p, &n), 0);
	CHECK_INT(n, 3);
	CHECK_MEM(p, "a\0b", 3);
	CHECK_INT(buf_get_cstring(b, &s, 3), ERR_TOOBIG);
	CHECK_INT(buf_get_cstring(b, &s, 7), 0);
	CHECK_STR(s, "toolong");
	free(s);
	buf_free(b);
}

TEST(buf_string_length_lies)
{
	struct buf		 v;
	const unsigned char	*p;
	size_t			 n;
	char			*s;
	/* Lengths 5, 2^31 and 0xFFFFFFFF with only 3 bytes behind them. */
	static const unsigned char five[] = { 0, 0, 0, 5, 'a', 'b', 'c' };
	static const unsigned char big[] = { 0x80, 0, 0, 0, 'a', 'b', 'c' };
	static const unsigned char max[] = { 0xff, 0xff, 0xff, 0xff, 'a' };

	buf_view(&v, five, sizeof(five));
	CHECK_INT(buf_get_string_direct(&v, &p, &n), ERR_SHORT);
	CHECK_INT(buf_len(&v), sizeof(five));
	buf_view(&v, big, sizeof(big));
	CHECK_INT(buf_get_string_direct(&v, &p, &n), ERR_SHORT);
	CHECK_INT(buf_get_cstring(&v, &s, 1024), ERR_TOOBIG);
	buf_view(&v, max, sizeof(max));
	CHECK_INT(buf_get_string_direct(&v, &p, &n), ERR_SHORT);
}

TEST(buf_maximum_is_enforced)
{
	struct buf	*b = buf_new(16);
	unsigned char	 junk[32];
	unsigned char	*p;

	REQUIRE(b != NULL);
	memset(junk, 'x', sizeof(junk));
	CHECK_INT(buf_put(b, junk, 16), 0);
	CHECK_INT(buf_put_u8(b, 1), ERR_TOOBIG);
	CHECK_INT(buf_len(b), 16);
	CHECK_INT(buf_reserve(b, SIZE_MAX, &p), ERR_TOOBIG);
	CHECK_INT(buf_put_string(b, junk, 0), ERR_TOOBIG);
	buf_reset(b);
	CHECK_INT(buf_len(b), 0);
	CHECK_INT(buf_put_string(b, junk, 12), 0);
	buf_free(b);
}

TEST(buf_view_is_read_only)
{
	struct buf	 v;
	static const unsigned char data[] = { 1, 2 };

	buf_view(&v, data, sizeof(data));
	CHECK_INT(buf_put_u8(&v, 3), ERR_INVAL);
	CHECK_INT(buf_len(&v), 2);
	CHECK(buf_expect_end(&v) == ERR_FORMAT);
}

TEST(buf_grows_across_many_puts)
{
	struct buf	*b = buf_new(1 << 20);
	uint32_t	 i, v;
	int		 ok = 1;

	REQUIRE(b != NULL);
	for (i = 0; i < 100000; i++)
		if (buf_put_u32(b, i) != 0)
			ok = 0;
	CHECK(ok);
	for (i = 0; i < 100000; i++)
		if (buf_get_u32(b, &v) != 0 || v != i)
			ok = 0;
	CHECK(ok);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

TEST(buf_little_endian)
{
	struct buf	*b = buf_new(0);
	struct buf	 v;
	uint16_t	 u16;
	uint32_t	 u24, u32;
	uint64_t	 u64;
	size_t		 i;
	static const unsigned char want[] = {
		0x34, 0x12, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	};

	REQUIRE(b != NULL);
	CHECK_INT(buf_put_u16le(b, 0x1234), 0);
	CHECK_INT(buf_put_u24le(b, 0x123456), 0);
	CHECK_INT(buf_put_u32le(b, 0xdeadbeef), 0);
	CHECK_INT(buf_put_u64le(b, 0x0102030405060708ULL), 0);
	/* A 3-byte integer holds no more than 2^24 - 1. */
	CHECK_INT(buf_put_u24le(b, 0x1000000), ERR_INVAL);
	REQUIRE(buf_len(b) == sizeof(want));
	CHECK_MEM(buf_ptr(b), want, sizeof(want));
	CHECK_INT(buf_get_u16le(b, &u16), 0);
	CHECK_INT(buf_get_u24le(b, &u24), 0);
	CHECK_INT(buf_get_u32le(b, &u32), 0);
	CHECK_INT(buf_get_u64le(b, &u64), 0);
	CHECK_INT(u16, 0x1234);
	CHECK_INT(u24, 0x123456);
	CHECK(u32 == 0xdeadbeef);
	CHECK(u64 == 0x0102030405060708ULL);
	CHECK_INT(buf_expect_end(b), 0);
	buf_free(b);

	/* Each getter on every truncation: ERR_SHORT, nothing consumed. */
	for (i = 0; i < 8; i++) {
		buf_view(&v, want, i);
		if (i < 2)
			CHECK_INT(buf_get_u16le(&v, &u16), ERR_SHORT);
		if (i < 3)
			CHECK_INT(buf_get_u24le(&v, &u24), ERR_SHORT);
		if (i < 4)
			CHECK_INT(buf_get_u32le(&v, &u32), ERR_SHORT);
		CHECK_INT(buf_get_u64le(&v, &u64), ERR_SHORT);
		CHECK_INT(buf_len(&v), i);
	}
}

/* "Length-Encoded Integer Type" at each boundary between widths. */
static const struct {
	uint64_t	 v;
	size_t		 len;
	unsigned char	 enc[9];
} lenenc_vec[] = {
	{ 0, 1, { 0x00 } },
	{ 250, 1, { 0xfa } },
	{ 251, 3, { 0xfc, 0xfb, 0x00 } },
	{ 65535, 3, { 0xfc, 0xff, 0xff } },
	{ 65536, 4, { 0xfd, 0x00, 0x00, 0x01 } },
	{ 0xffffff, 4, { 0xfd, 0xff, 0xff, 0xff } },
	{ 0x1000000, 9, { 0xfe, 0, 0, 0, 1, 0, 0, 0, 0 } },
	{ UINT64_MAX, 9, { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff } },
};

TEST(buf_lenenc_boundaries)
{
	struct buf	*b;
	struct buf	 v;
	uint64_t	 x;
	size_t		 i, cut;

	for (i = 0; i < nitems(lenenc_vec); i++) {
		REQUIRE((b = buf_new(0)) != NULL);
		CHECK_INT(buf_put_lenenc(b, lenenc_vec[i].v), 0);
		CHECK_INT(buf_len(b), lenenc_vec[i].len);
		CHECK_MEM(buf_ptr(b), lenenc_vec[i].enc, lenenc_vec[i].len);
		x = 1;
		CHECK_INT(buf_get_lenenc(b, &x), 0);
		CHECK(x == lenenc_vec[i].v);
		CHECK_INT(buf_expect_end(b), 0);
		buf_free(b);
		/* Truncated at every byte: ERR_SHORT, nothing consumed. */
		for (cut = 0; cut < lenenc_vec[i].len; cut++) {
			buf_view(&v, lenenc_vec[i].enc, cut);
			CHECK_INT(buf_get_lenenc(&v, &x), ERR_SHORT);
			CHECK_INT(buf_len(&v), cut);
		}
	}
}

TEST(buf_lenenc_never_null_or_err)
{
	struct buf	 v;
	uint64_t	 x;
	static const unsigned char nul[] = { 0xfb, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char err[] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* Longer than needed: the server reads these, so do we. */
	static const unsigned char wide[] = { 0xfe, 5, 0, 0, 0, 0, 0, 0, 0 };

	buf_view(&v, nul, sizeof(nul));
	CHECK_INT(buf_get_lenenc(&v, &x), ERR_FORMAT);
	CHECK_INT(buf_len(&v), sizeof(nul));
	buf_view(&v, err, sizeof(err));
	CHECK_INT(buf_get_lenenc(&v, &x), ERR_FORMAT);
	CHECK_INT(buf_len(&v), sizeof(err));
	buf_view(&v, wide, sizeof(wide));
	CHECK_INT(buf_get_lenenc(&v, &x), 0);
	CHECK_INT(x, 5);
}

TEST(buf_lenenc_strings)
{
	struct buf		*b;
	struct buf		 v;
	const unsigned char	*p;
	size_t			 n, cut, len;
	static unsigned char	 big[70000];
	static const unsigned char overrun[] = { 0xfc, 0x00, 0x01, 'a', 'b' };
	static const unsigned char huge[] = {
		0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a',
	};

	memset(big, 'x', sizeof(big));
	REQUIRE((b = buf_new(1 << 20)) != NULL);
	CHECK_INT(buf_put_lenenc_string(b, "abc", 3), 0);
	CHECK_INT(buf_put_lenenc_string(b, NULL, 0), 0);
	CHECK_INT(buf_put_lenenc_string(b, big, 251), 0);
	CHECK_INT(buf_put_lenenc_string(b, big, 65536), 0);
	CHECK_INT(buf_len(b), 4 + 1 + 3 + 251 + 4 + 65536);
	CHECK_MEM(buf_ptr(b), "\003abc\000\374\373\000x", 9);
	CHECK_INT(buf_get_lenenc_string(b, &p, &n, 16), 0);
	CHECK_INT(n, 3);
	CHECK_MEM(p, "abc", 3);
	CHECK_INT(buf_get_lenenc_string(b, &p, &n, 16), 0);
	CHECK_INT(n, 0);
	/* Over the maximum: ERR_TOOBIG, nothing consumed. */
	len = buf_len(b);
	CHECK_INT(buf_get_lenenc_string(b, &p, &n, 250), ERR_TOOBIG);
	CHECK_INT(buf_len(b), len);
	CHECK_INT(buf_get_lenenc_string(b, &p, &n, 251), 0);
	CHECK_INT(n, 251);
	CHECK_INT(buf_get_lenenc_string(b, &p, &n, SIZE_MAX), 0);
	CHECK_INT(n, 65536);
	CHECK_INT(buf_expect_end(b), 0);

	/* Truncated at every byte of a string of 251. */
	CHECK_INT(buf_put_lenenc_string(b, big, 251), 0);
	for (cut = 0; cut < 3 + 251; cut++) {
		buf_view(&v, buf_ptr(b), cut);
		CHECK_INT(buf_get_lenenc_string(&v, &p, &n, SIZE_MAX),
		    ERR_SHORT);
		CHECK_INT(buf_len(&v), cut);
	}
	buf_free(b);

	/* Lengths that overrun what follows them. */
	buf_view(&v, overrun, sizeof(overrun));
	CHECK_INT(buf_get_lenenc_string(&v, &p, &n, SIZE_MAX), ERR_SHORT);
	CHECK_INT(buf_len(&v), sizeof(overrun));
	buf_view(&v, huge, sizeof(huge));
	CHECK_INT(buf_get_lenenc_string(&v, &p, &n, SIZE_MAX), ERR_SHORT);
	CHECK_INT(buf_get_lenenc_string(&v, &p, &n, 1024), ERR_TOOBIG);
	CHECK_INT(buf_len(&v), sizeof(huge));
}

/* An empty put into a new buffer: a valid pointer, nothing appended. */
TEST(buf_reserve_zero)
{
	struct buf	*b = buf_new(16);
	unsigned char	*p = NULL;

	REQUIRE(b != NULL);
	CHECK_INT(buf_reserve(b, 0, &p), 0);
	CHECK(p != NULL);
	CHECK_INT(buf_put(b, "", 0), 0);
	CHECK_INT(buf_len(b), 0);
	buf_free(b);
}

TEST(buf_compact_keeps_the_unread)
{
	struct buf	*b;
	unsigned char	*p;

	REQUIRE((b = buf_new(8)) != NULL);
	REQUIRE(buf_put(b, "abcdefgh", 8) == 0);
	CHECK(buf_room(b) == 0);
	CHECK(buf_reserve(b, 1, &p) == ERR_TOOBIG);
	REQUIRE(buf_consume(b, 5) == 0);
	buf_compact(b);
	CHECK(buf_len(b) == 3 && memcmp(buf_ptr(b), "fgh", 3) == 0);
	CHECK(buf_room(b) == 5);
	REQUIRE(buf_put(b, "12345", 5) == 0);
	CHECK(buf_len(b) == 8 && memcmp(buf_ptr(b), "fgh12345", 8) == 0);
	buf_compact(b);		/* nothing read: nothing moves */
	CHECK(buf_len(b) == 8 && buf_room(b) == 0);
	buf_free(b);
}
