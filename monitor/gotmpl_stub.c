/*
 * TEMPORARY, until http-crypto's gotmpl.c is merged (then this file goes):
 * enough of gotmpl.c's interface (httpconf.h) for httpconf.c to build and
 * be tested: the credential names a template reads are its ".name"s.  It
 * parses nothing else and renders nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpconf.h"

#define STUB_NAMES	8
#define STUB_NAME_MAX	64

struct gotmpl {
	char	 names[STUB_NAMES][STUB_NAME_MAX];
	size_t	 n;
};

static int
name_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

struct gotmpl *
gotmpl_parse(const char *text, char *err, size_t errlen)
{
	struct gotmpl	*t;
	const char	*p = text;
	size_t		 i;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while ((p = strstr(p, " .")) != NULL && t->n < STUB_NAMES) {
		p += 2;
		for (i = 0; name_char(p[i]) && i < STUB_NAME_MAX - 1; i++)
			t->names[t->n][i] = p[i];
		if (i > 0)
			t->n++;
	}
	return t;
}

const char *
gotmpl_name(const struct gotmpl *t, size_t i)
{
	return i < t->n ? t->names[i] : NULL;
}

void
gotmpl_free(struct gotmpl *t)
{
	free(t);
}
