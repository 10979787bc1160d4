/*
 * Small helpers of both sides (include/util.h).
 */
#include <stddef.h>

#include <string.h>

#include "util.h"

int
port_parse(const char *s, size_t len, unsigned int *port)
{
	unsigned int	 v = 0;
	size_t		 i;

	/* Five digits at most, so no overflow below. */
	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

void
text_printable(char *dst, size_t dstsize, const void *src, size_t len)
{
	const unsigned char	*p = src;
	size_t			 i;

	if (dstsize == 0)
		return;
	for (i = 0; i < len && i + 1 < dstsize; i++)
		dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	dst[i] = '\0';
}

int
text_has_control(const void *src, size_t len)
{
	const unsigned char	*p = src;
	size_t			 i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
	return 0;
}

long
utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	long	 cp;
	size_t	 need, i;

	*n = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else
		return -1;
	if (len < need)
		return -1;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*n = need;
	return cp;
}

int
bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int	 c = 0;

	if (alen > 0 && blen > 0)
		c = memcmp(a, b, alen < blen ? alen : blen);
	if (c == 0 && alen != blen)
		c = alen < blen ? -1 : 1;
	return c;
}

int
http_token(const void *v, size_t len)
{
	const unsigned char	*s = v;
	size_t			 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] != '\0' && strchr("!#$%&'*+-.^_`|~", s[i]) != NULL)))
			return 0;
	return 1;
}

void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}
