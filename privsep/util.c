/*
 * Small helpers of both sides (include/util.h).
 */
#include <stddef.h>

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
