/*
 * The AWS SDKs' shared credentials file and config file ("Configuration
 * and credential file settings", AWS CLI User Guide; "Location of the
 * shared files", AWS SDKs and Tools Reference Guide): INI sections
 * "[name]" of "key = value" lines, comments from '#' or ';' at a line's
 * start.  The file is in guarded memory (it holds secret keys), and so is
 * the value found; nothing is copied anywhere else.
 */
#include <string.h>

#include "aws.h"
#include "errors.h"
#include "secret.h"

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* [s, *e) without blanks at either end. */
static const char *
trim(const char *s, const char **e)
{
	while (s < *e && is_space((unsigned char)*s))
		s++;
	while (*e > s && is_space((unsigned char)(*e)[-1]))
		(*e)--;
	return s;
}

static int
same(const char *s, const char *e, const char *want)
{
	size_t	 n = strlen(want);

	return (size_t)(e - s) == n && memcmp(s, want, n) == 0;
}

int
awsini_get(const struct secret *file, const char *section, const char *key,
    struct secret **out)
{
	const char	*p = (const char *)file->data, *end = p + file->len;
	const char	*line, *eol, *s, *e, *eq, *ks, *ke, *vs, *ve;
	int		 in = 0;

	*out = NULL;
	for (line = p; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		e = eol;
		s = trim(line, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 2) {
				in = 0;
				continue;
			}
			e--;
			s = trim(s + 1, &e);
			if ((in = same(s, e, section)) && key == NULL)
				return 0;
			continue;
		}
		if (!in || (eq = memchr(s, '=', (size_t)(e - s))) == NULL)
			continue;
		ke = eq;
		ks = trim(s, &ke);
		ve = e;
		vs = trim(eq + 1, &ve);
		if (!same(ks, ke, key))
			continue;
		if ((*out = secret_new(vs, (size_t)(ve - vs))) == NULL)
			return ERR_NOMEM;
		return 0;
	}
	return ERR_NOTFOUND;
}
