/* Unit tests of the bounds-checked buffer (privsep/buf.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "test.h"

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
