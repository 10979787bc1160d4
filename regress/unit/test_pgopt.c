/*
 * Unit tests for privsep/pgopt.c: require_auth and channel_binding, read
 * as libpq reads them.  The cases follow PostgreSQL's own tests of
 * require_auth (src/test/authentication/t/001_password.pl): a list all
 * plain or all negated, no method twice, "none" for trust.
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "pgopt.h"
#include "test.h"
#include "util.h"

#define P	PGOPT_PASSWORD
#define M	PGOPT_MD5
#define G	PGOPT_GSS
#define S	PGOPT_SSPI
#define SC	PGOPT_SCRAM
#define N	PGOPT_NONE

TEST(pgopt_require_auth_words)
{
	static const struct {
		const char	*value;
		unsigned int	 allowed;
	} good[] = {
		{ "", PGOPT_ALL },
		{ "password", P },
		{ "md5", M },
		{ "gss", G },
		{ "sspi", S },
		{ "scram-sha-256", SC },
		{ "none", N },
		{ "md5,scram-sha-256,password", M | SC | P },
		{ "scram-sha-256,none", SC | N },
		{ " scram-sha-256 , md5\t", SC | M },
		{ "!password", PGOPT_ALL & ~P },
		{ "!none", PGOPT_ALL & ~N },
		{ "!password,!md5,!none", SC | G | S },
		{ "!password , !md5", SC | G | S | N },
	};
	static const struct {
		const char	*value;
		const char	*why;
	} bad[] = {
		{ "scram-sha-256,!md5", "mixes negated and plain methods" },
		{ "!password,!none,scram-sha-256",
		    "mixes negated and plain methods" },
		{ "password,md5,password", "names a method twice" },
		{ "!password,!password", "names a method twice" },
		{ "none,none", "names a method twice" },
		{ "!none,!none", "names a method twice" },
		{ "scram", "names an unknown method" },
		{ "SCRAM-SHA-256", "names an unknown method" },
		{ "scram-sha-256-plus", "names an unknown method" },
		{ "password,", "names an unknown method" },
		{ ",password", "names an unknown method" },
		{ "!", "names an unknown method" },
		{ "! password", "names an unknown method" },
		{ " ", "names an unknown method" },
		{ "pass word", "names an unknown method" },
	};
	unsigned int	 allowed;
	const char	*why;
	char		 big[PGOPT_REQUIRE_AUTH_MAX + 2];
	size_t		 i;
	int		 r;

	for (i = 0; i < nitems(good); i++) {
		r = pgopt_require_auth(good[i].value, strlen(good[i].value),
		    &allowed, &why);
		if (r != 0 || allowed != good[i].allowed)
			printf("    \"%s\": %d, 0x%x\n", good[i].value, r,
			    allowed);
		CHECK_INT(r, 0);
		CHECK_INT(allowed, good[i].allowed);
		CHECK(why == NULL);
	}
	for (i = 0; i < nitems(bad); i++) {
		r = pgopt_require_auth(bad[i].value, strlen(bad[i].value),
		    &allowed, &why);
		if (r != ERR_FORMAT)
			printf("    \"%s\": %d\n", bad[i].value, r);
		CHECK_INT(r, ERR_FORMAT);
		CHECK_STR(why, bad[i].why);
	}
	/* Length, not a NUL, ends a value; a NUL is no method. */
	CHECK_INT(pgopt_require_auth("md5\0", 4, &allowed, &why), ERR_FORMAT);
	CHECK_INT(pgopt_require_auth("md5,x", 3, &allowed, &why), 0);
	CHECK_INT(allowed, M);
	memset(big, ' ', sizeof(big));
	memcpy(big, "md5", 3);
	CHECK_INT(pgopt_require_auth(big, PGOPT_REQUIRE_AUTH_MAX, &allowed,
	    &why), 0);
	CHECK_INT(pgopt_require_auth(big, PGOPT_REQUIRE_AUTH_MAX + 1, &allowed,
	    &why), ERR_FORMAT);
}

TEST(pgopt_channel_binding_words)
{
	enum pgopt_cbind cb;
	const char	*why;

	CHECK_INT(pgopt_channel_binding("prefer", 6, &cb, &why), 0);
	CHECK_INT(cb, PGOPT_CB_PREFER);
	CHECK_INT(pgopt_channel_binding("disable", 7, &cb, &why), 0);
	CHECK_INT(cb, PGOPT_CB_DISABLE);
	CHECK_INT(pgopt_channel_binding("require", 7, &cb, &why), 0);
	CHECK_INT(cb, PGOPT_CB_REQUIRE);
	CHECK_STR(pgopt_cbind_name(cb), "require");
	/* As libpq: the words exactly, and an empty value is none. */
	CHECK_INT(pgopt_channel_binding("", 0, &cb, &why), ERR_FORMAT);
	CHECK_STR(why, "must be one of disable, prefer, require");
	CHECK_INT(pgopt_channel_binding("Require", 7, &cb, &why), ERR_FORMAT);
	CHECK_INT(pgopt_channel_binding("require ", 8, &cb, &why), ERR_FORMAT);
	CHECK_INT(pgopt_channel_binding("allow", 5, &cb, &why), ERR_FORMAT);
	CHECK_INT(pgopt_channel_binding("require\0", 8, &cb, &why),
	    ERR_FORMAT);

	CHECK_STR(pgopt_method_name(PGOPT_SCRAM), "scram-sha-256");
	CHECK_STR(pgopt_method_name(PGOPT_PASSWORD), "password");
	CHECK_STR(pgopt_method_name(0x40), "unknown");
}
