/*
 * Small things every folder uses.
 */
#ifndef AIRLOCK_UTIL_H
#define AIRLOCK_UTIL_H

#include <stddef.h>

/* The number of elements of an array (not of a pointer), as BSD's nitems. */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * A TCP port: one to five decimal digits (no sign, no space) of 1 to
 * 65535.  0, or -1 for anything else.
 */
int		 port_parse(const char *s, size_t len, unsigned int *port);
/*
 * Text from a peer on its way to a log line or a message: printable ASCII
 * kept, every other byte '?' (no forged line, no terminal escape), cut to
 * what fits dst with its NUL.
 */
void		 text_printable(char *dst, size_t dstsize, const void *src,
		    size_t len);
/* Does the text hold a control character (below 0x20, or DEL)? */
int		 text_has_control(const void *, size_t);
/*
 * The code point of the UTF-8 sequence at s (*n its length, len > 0), or
 * -1 for a byte that starts none (*n 1): a bad lead or continuation byte,
 * a truncated, overlong or surrogate sequence, or one past U+10FFFF (as
 * Go's utf8.DecodeRune reads them).
 */
long		 utf8_next(const unsigned char *s, size_t len, size_t *n);
/*
 * Byte strings in lexicographic order, a prefix first (as sorting in
 * Python or Go orders them): <0, 0 or >0.  Either may be NULL when empty.
 */
int		 bytes_cmp(const void *, size_t, const void *, size_t);
/* Is it an RFC 9110 token (5.6.2: 1*tchar), as methods and field names are? */
int		 http_token(const void *, size_t);
/* len bytes as 2 * len lower-case hex digits and a NUL, into out. */
void		 hex_encode(const unsigned char *, size_t len, char *out);

#endif
