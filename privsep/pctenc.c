/*
 * Percent-encoding and decoding (RFC 3986 2.1, 2.3, 2.4), for both sides.
 */
#include <stdint.h>

#include "buf.h"
#include "pctenc.h"

int
pct_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

int
pct_encode(struct buf *out, const void *p, size_t len, int flags)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = p;
	unsigned char		 e[3];
	size_t			 i;
	int			 rc = 0;

	for (i = 0; rc == 0 && i < len; i++) {
		if (pct_unreserved(s[i]) ||
		    ((flags & PCT_KEEP_SLASH) && s[i] == '/')) {
			rc = buf_put_u8(out, s[i]);
			continue;
		}
		e[0] = '%';
		e[1] = (unsigned char)hex[s[i] >> 4];
		e[2] = (unsigned char)hex[s[i] & 0xf];
		rc = buf_put(out, e, sizeof(e));
	}
	return rc == 0 ? 0 : -1;
}

int
pct_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
pct_decode(struct buf *out, const void *p, size_t len, int flags)
{
	const unsigned char	*s = p;
	size_t			 i;
	int			 hi, lo, rc = 0;

	for (i = 0; rc == 0 && i < len; i++) {
		if (s[i] == '+' && (flags & PCT_PLUS))
			rc = buf_put_u8(out, ' ');
		else if (s[i] != '%')
			rc = buf_put_u8(out, s[i]);
		else {
			if (len - i < 3 || (hi = pct_hexval(s[i + 1])) == -1 ||
			    (lo = pct_hexval(s[i + 2])) == -1)
				return -1;
			rc = buf_put_u8(out, (uint8_t)(hi << 4 | lo));
			i += 2;
		}
	}
	return rc == 0 ? 0 : -1;
}

int
pct_recode(struct buf *out, const void *p, size_t len, int flags)
{
	struct buf	*tmp;
	int		 rc;

	/* Decoding never lengthens. */
	if ((tmp = buf_new(len + 1)) == NULL)
		return -1;
	rc = pct_decode(tmp, p, len, flags);
	if (rc == 0)
		rc = pct_encode(out, buf_ptr(tmp), buf_len(tmp), 0);
	buf_free(tmp);
	return rc;
}

int
pct_next_pair(const char *s, size_t len, size_t *off, struct pct_pair *p)
{
	size_t	 i = *off, end, eq;

	while (i < len && s[i] == '&')
		i++;
	if (i >= len)
		return 0;
	for (end = i; end < len && s[end] != '&'; end++)
		;
	for (eq = i; eq < end && s[eq] != '='; eq++)
		;
	p->name = s + i;
	p->namelen = eq - i;
	p->value = eq < end ? s + eq + 1 : s + end;
	p->valuelen = eq < end ? end - eq - 1 : 0;
	*off = end;
	return 1;
}
