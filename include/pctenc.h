/*
 * Percent-encoding (RFC 3986 2.1): the one encoder of the HTTP connectors'
 * signatures, SigV4's canonical requests and OAuth 1.0a's base strings
 * (RFC 5849 3.6), which both keep the unreserved characters (RFC 3986
 * 2.3) and escape every other byte in upper-case hex.
 */
#ifndef AIRLOCK_PCTENC_H
#define AIRLOCK_PCTENC_H

#include <stddef.h>

struct buf;

#define PCT_KEEP_SLASH	0x01	/* encode: "/" is kept */
#define PCT_PLUS	0x02	/* decode: "+" is a space (a query) */

/* Is c one of RFC 3986's unreserved characters? */
int		 pct_unreserved(int c);
/* The value of a hexadecimal digit, or -1. */
int		 pct_hexval(int c);
/* Append the bytes encoded.  0, or -1 when out is full. */
int		 pct_encode(struct buf *out, const void *, size_t, int flags);
/*
 * Append the bytes decoded: "%XX" as its byte.  0, or -1 for a "%" that
 * starts no escape, or when out is full.
 */
int		 pct_decode(struct buf *out, const void *, size_t, int flags);
/*
 * Append encoded bytes in their canonical form: decoded (with flags), then
 * encoded again.  0, or -1 as pct_decode.
 */
int		 pct_recode(struct buf *out, const void *, size_t, int flags);

/* A piece of a query or a form: name, and value after the first "=". */
struct pct_pair {
	const char	*name;
	size_t		 namelen;
	const char	*value;		/* empty when the piece has no "=" */
	size_t		 valuelen;
};
/*
 * The next non-empty piece of the "&"-separated s from *off (0 to
 * begin), as an HTML form or a query has them.  1, or 0 past the last.
 */
int		 pct_next_pair(const char *s, size_t len, size_t *off,
		    struct pct_pair *);

#endif
