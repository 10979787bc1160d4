/*
 * A request's own parameters for OAuth 1.0a's signature base string (RFC
 * 5849 3.4.1.3.1): the query's, and the body's when it is
 * application/x-www-form-urlencoded, read as Go's Request.ParseForm reads
 * them for Secretless Broker (split on "&", empty pieces skipped, a piece
 * without "=" a name with an empty value, "+" a space), each name and
 * value encoded again as 3.6 says.  The monitor adds its own and sorts.
 * Go drops a piece with ";" or a bad escape silently, which would leave
 * the signature without it; here such a request is refused.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "pctenc.h"

#define FORM_TYPE	"application/x-www-form-urlencoded"

/* "a=b&c" into out as "a=b&c=", each part recoded; 0 or -1 and why. */
static int
add_params(struct buf *out, const char *s, size_t len, char *why,
    size_t whylen)
{
	struct pct_pair	 p;
	size_t		 off = 0;

	while (pct_next_pair(s, len, &off, &p)) {
		if (memchr(p.name, ';', p.namelen) != NULL ||
		    memchr(p.value, ';', p.valuelen) != NULL) {
			snprintf(why, whylen, "a \";\" in the request's "
			    "parameters");
			return -1;
		}
		if ((buf_len(out) > 0 && buf_put_u8(out, '&') != 0) ||
		    pct_recode(out, p.name, p.namelen, PCT_PLUS) != 0 ||
		    buf_put_u8(out, '=') != 0 ||
		    pct_recode(out, p.value, p.valuelen, PCT_PLUS) != 0) {
			snprintf(why, whylen, "the request's parameters are "
			    "malformed or too long");
			return -1;
		}
	}
	return 0;
}

/* Is the media type application/x-www-form-urlencoded (any parameters)? */
static int
is_form(const char *ct)
{
	size_t	 n = strlen(FORM_TYPE);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, FORM_TYPE, n) == 0 && (ct[n] == '\0' ||
	    ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

int
oauth1_request_params(const char *target, const char *content_type,
    const unsigned char *body, size_t bodylen, struct buf *out, char *why,
    size_t whylen)
{
	const char	*q;

	buf_reset(out);
	if ((q = strchr(target, '?')) != NULL &&
	    add_params(out, q + 1, strcspn(q + 1, "#"), why, whylen) == -1)
		return -1;
	if (is_form(content_type) && add_params(out, (const char *)body,
	    bodylen, why, whylen) == -1)
		return -1;
	return 0;
}
