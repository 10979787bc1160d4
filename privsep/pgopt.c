/*
 * libpq's require_auth and channel_binding, read as libpq reads them
 * (PostgreSQL 16 and later, fe-connect.c's connectOptions2): the same
 * words, a list either all plain or all negated, no method twice, and
 * "none" for a server that lets the client in without asking.  See
 * include/pgopt.h.
 */
#include <string.h>

#include "errors.h"
#include "pgopt.h"
#include "util.h"

static const struct {
	const char	*word;
	unsigned int	 bit;
} methods[] = {
	{ "password",		PGOPT_PASSWORD },
	{ "md5",		PGOPT_MD5 },
	{ "gss",		PGOPT_GSS },
	{ "sspi",		PGOPT_SSPI },
	{ "scram-sha-256",	PGOPT_SCRAM },
	{ "none",		PGOPT_NONE },
};


static unsigned int
method_bit(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(methods); i++)
		if (strlen(methods[i].word) == len &&
		    memcmp(methods[i].word, p, len) == 0)
			return methods[i].bit;
	return 0;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

int
pgopt_require_auth(const void *value, size_t len, unsigned int *allowed,
    const char **why)
{
	const char	*p = value, *end, *e;
	unsigned int	 bit, seen = 0;
	int		 negated = 0, first = 1;

	*allowed = PGOPT_ALL;
	*why = NULL;
	if (len == 0)
		return 0;
	if (len > PGOPT_REQUIRE_AUTH_MAX) {
		*why = "is too long";
		return ERR_FORMAT;
	}
	if (memchr(p, '\0', len) != NULL) {
		*why = "names an unknown method";
		return ERR_FORMAT;
	}
	end = p + len;
	for (;;) {
		/* libpq's parse_comma_separated_list: blanks around go. */
		while (p < end && blank(*p))
			p++;
		for (e = p; e < end && *e != ','; e++)
			;
		len = e - p;
		while (len > 0 && blank(p[len - 1]))
			len--;
		if (len > 0 && *p == '!') {
			if (!first && !negated)
				goto mixed;
			negated = 1;
			p++;
			len--;
		} else if (negated)
			goto mixed;
		if (first)
			*allowed = negated ? PGOPT_ALL : 0;
		first = 0;
		if ((bit = method_bit(p, len)) == 0) {
			*why = "names an unknown method";
			return ERR_FORMAT;
		}
		/* A method twice is likely a typo, where typos cost most. */
		if (seen & bit) {
			*why = "names a method twice";
			return ERR_FORMAT;
		}
		seen |= bit;
		if (negated)
			*allowed &= ~bit;
		else
			*allowed |= bit;
		if (e == end)
			return 0;
		p = e + 1;
	}
 mixed:
	*why = "mixes negated and plain methods";
	return ERR_FORMAT;
}

int
pgopt_channel_binding(const void *value, size_t len, enum pgopt_cbind *cb,
    const char **why)
{
	static const struct {
		const char	*word;
		enum pgopt_cbind cb;
	} words[] = {
		{ "prefer",	PGOPT_CB_PREFER },
		{ "disable",	PGOPT_CB_DISABLE },
		{ "require",	PGOPT_CB_REQUIRE },
	};
	size_t	 i;

	*why = NULL;
	for (i = 0; i < nitems(words); i++)
		if (strlen(words[i].word) == len &&
		    memcmp(words[i].word, value, len) == 0) {
			*cb = words[i].cb;
			return 0;
		}
	*cb = PGOPT_CB_PREFER;
	*why = "must be one of disable, prefer, require";
	return ERR_FORMAT;
}

const char *
pgopt_method_name(unsigned int bit)
{
	size_t	 i;

	for (i = 0; i < nitems(methods); i++)
		if (methods[i].bit == bit)
			return methods[i].word;
	return "unknown";
}

const char *
pgopt_cbind_name(enum pgopt_cbind cb)
{
	switch (cb) {
	case PGOPT_CB_DISABLE:	return "disable";
	case PGOPT_CB_REQUIRE:	return "require";
	default:		return "prefer";
	}
}
