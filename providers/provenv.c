/*
 * The providers' settings from the environment (provenv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "provenv.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

const char *
penv(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
penv_bool(const char *name, int def, int *out, char *err, size_t errlen)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false",
	    "False" };
	const char	*s;
	size_t		 i;

	if ((s = penv(name)) == NULL) {
		*out = def;
		return 0;
	}
	for (i = 0; i < nitems(t); i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "%s %.20s is not true or false", name, s);
	return ERR_FORMAT;
}

int
header_safe(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

int
header_bearer(const struct secret *tok, struct secret **out)
{
	*out = NULL;
	if (strlen((const char *)tok->data) != tok->len ||
	    !header_safe((const char *)tok->data, tok->len))
		return ERR_FORMAT;
	if ((*out = secret_alloc(7 + tok->len)) == NULL)
		return ERR_NOMEM;
	memcpy((*out)->data, "Bearer ", 7);
	memcpy((*out)->data + 7, tok->data, tok->len);
	return 0;
}

int
penv_take(const char *name, size_t max, int header, struct secret **out,
    char *err, size_t errlen)
{
	char	*v;
	size_t	 len;

	*out = NULL;
	if ((v = getenv(name)) == NULL || *v == '\0')
		return ERR_NOTFOUND;
	len = strlen(v);
	if (len > max || (header && !header_safe(v, max))) {
		snprintf(err, errlen, "%s is longer than %zu bytes%s", name,
		    max, header ? " or has bytes that an HTTP header cannot "
		    "carry" : "");
		return ERR_INVAL;
	}
	if ((*out = secret_new(v, len)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return ERR_NOMEM;
	}
	/* Nothing spawned later, and no reader of our environ, gets it. */
	secret_wipe(v, len);
	unsetenv(name);
	return 0;
}

int
penv_read_file(const char *who, const char *path, size_t max,
    struct secret **out, char *err, size_t errlen)
{
	struct secret	*s, *t;
	size_t		 len;
	int		 r;

	*out = NULL;
	if ((r = file_read(path, 0, who, &s, err, errlen)) != 0)
		return r;
	len = s->len;
	while (len > 0 && (s->data[len - 1] == '\n' || s->data[len - 1] == '\r'))
		len--;
	if (len > max) {
		secret_free(s);
		snprintf(err, errlen, "%s: %.200s is larger than %zu bytes",
		    who, path, max);
		return ERR_TOOBIG;
	}
	if (len == 0) {
		secret_free(s);
		snprintf(err, errlen, "%s: %.200s is empty", who, path);
		return ERR_INVAL;
	}
	if (len != s->len) {
		t = secret_new(s->data, len);
		secret_free(s);
		if ((s = t) == NULL) {
			snprintf(err, errlen, "%s: out of memory", who);
			return ERR_NOMEM;
		}
	}
	*out = s;
	return 0;
}

int
penv_path(const char *name, const char *def, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char	*v;

	if ((v = penv(name)) == NULL && (v = def) == NULL)
		return ERR_NOTFOUND;
	if (v[0] != '/' || strlen(v) >= outlen) {
		snprintf(err, errlen, "%s %.200s is not an absolute path, or "
		    "is too long", name, v);
		return ERR_INVAL;
	}
	snprintf(out, outlen, "%s", v);
	return 0;
}
