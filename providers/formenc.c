/*
 * Form bodies and queries in guarded memory (formenc.h).
 */
#include <string.h>

#include "formenc.h"
#include "pctenc.h"
#include "secret.h"

struct secret *
form_encode(const struct form_field *f, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct secret		*s;
	const unsigned char	*p;
	size_t			 i, j, o, len = 0, nlen;

	for (i = 0; i < n; i++)
		len += strlen(f[i].name) + 2 + 3 * f[i].len;
	if ((s = secret_alloc(len)) == NULL)
		return NULL;
	o = 0;
	for (i = 0; i < n; i++) {
		if (i > 0)
			s->data[o++] = '&';
		nlen = strlen(f[i].name);
		memcpy(s->data + o, f[i].name, nlen);
		o += nlen;
		s->data[o++] = '=';
		p = f[i].value;
		for (j = 0; j < f[i].len; j++) {
			if (pct_unreserved(p[j]))
				s->data[o++] = p[j];
			else {
				s->data[o++] = '%';
				s->data[o++] = hex[p[j] >> 4];
				s->data[o++] = hex[p[j] & 15];
			}
		}
	}
	s->data[o] = '\0';
	s->len = o;
	return s;
}
