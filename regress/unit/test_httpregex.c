/*
 * Unit tests of Go-syntax patterns matched with PCRE2 (monitor/httpregex.c):
 * Secretless Broker's own patterns, what RE2 refuses, what the two read
 * differently, and the bound on a match.
 */
#include <stdlib.h>
#include <string.h>

#include "httpconf.h"
#include "httpmsg.h"
#include "test.h"
#include "util.h"

static int
matches(const char *pattern, const char *s)
{
	struct http_regex	*re;
	char			 err[256];
	int			 rc;

	if ((re = http_regex_compile(pattern, err, sizeof(err))) == NULL) {
		printf("    %s: %s\n", pattern, err);
		return -2;
	}
	rc = http_regex_match(re, s, strlen(s));
	http_regex_free(re);
	return rc;
}

static int
refused(const char *pattern, const char *why)
{
	struct http_regex	*re;
	char			 err[256];

	if ((re = http_regex_compile(pattern, err, sizeof(err))) != NULL) {
		http_regex_free(re);
		printf("    %s: compiled\n", pattern);
		return 0;
	}
	if (strstr(err, why) == NULL) {
		printf("    %s: \"%s\" lacks \"%s\"\n", pattern, err, why);
		return 0;
	}
	return 1;
}

/*
 * Every authenticateURLsMatching and credentialValidations pattern of
 * Secretless Broker's examples/generic_connector_configs and
 * test/connector/http, with URLs it is for and one it is not.
 */
TEST(httpregex_secretless_patterns)
{
	static const struct {
		const char	*pattern, *yes, *no;
	} t[] = {
		{ "^http[s]*", "https://api.datadoghq.com/api/v1/validate",
		    "ftp://x/" },
		{ "^http[s]*\\:\\/\\/", "http://localhost:9200/_search",
		    "httpx://" },
		{ "^http[s]*\\:\\/\\/api\\.github.*",
		    "https://api.github.com/user", "https://github.com/" },
		{ "^http[s]*\\:\\/\\/papertrailapp\\.com\\/api\\/v1\\/",
		    "https://papertrailapp.com/api/v1/events/search.json",
		    "https://papertrailapp.com/api/v2/" },
		{ "^http[s]*\\:\\/\\/api\\.sendgrid\\.com*",
		    "https://api.sendgrid.com/v3/mail/send",
		    "https://api.sendgrid.net/" },
		{ "^http[s]*\\:\\/\\/slack\\.com\\/api*",
		    "https://slack.com/api/chat.postMessage",
		    "https://slack.com/v1" },
		{ "^http[s]*\\:\\/\\/api\\.stripe\\.com*",
		    "https://api.stripe.com/v1/charges",
		    "https://stripe.com/v1/charges" },
		{ "^http[s]*\\:\\/\\/api\\.twitter\\.com*",
		    "https://api.twitter.com/1.1/statuses/update.json",
		    "https://twitter.com/" },
		{ "^http\\:\\/\\/conjur\\/", "http://conjur/secrets/a",
		    "https://conjur/" },
		{ "^http", "http://echo:8080/", "ftp://echo/" },
		{ ".*", "https://sts.amazonaws.com/", NULL },
		/* "com*" is "co" and any "m": as Go reads it too. */
		{ "^http[s]*\\:\\/\\/api\\.sendgrid\\.com*",
		    "https://api.sendgrid.co/", NULL },
		/* credentialValidations: unanchored, as Go's Match. */
		{ "[^:]+", "user", ":" },
	};
	size_t	 i;

	for (i = 0; i < nitems(t); i++) {
		CHECK_INT(matches(t[i].pattern, t[i].yes), 1);
		if (t[i].no != NULL)
			CHECK_INT(matches(t[i].pattern, t[i].no), 0);
	}
	/* Go's Match is unanchored: Secretless accepts this username too. */
	CHECK_INT(matches("[^:]+", "a:b"), 1);
}

/* What RE2 refuses and PCRE2 would take. */
TEST(httpregex_refusals)
{
	CHECK(refused("(a)\\1", "backreference"));
	CHECK(refused("\\1", "backreference"));
	CHECK(refused("a(?=b)", "lookahead"));
	CHECK(refused("a(?!b)", "lookahead"));
	CHECK(refused("(?<=a)b", "lookbehind"));
	CHECK(refused("(?<!a)b", "lookbehind"));
	CHECK(refused("(?>a+)b", "atomic"));
	CHECK(refused("a*+b", "possessive"));
	CHECK(refused("a++b", "possessive"));
	CHECK(refused("a{2}+b", "possessive"));
	CHECK(refused("a**", "nested repetition"));
	CHECK(refused("a\\Cb", "\\C is not supported"));
	CHECK(refused("a\\Kb", "\\K is not supported"));
	CHECK(refused("a\\Z", "\\Z is not supported"));
	CHECK(refused("\\g1", "\\g is not supported"));
	CHECK(refused("(?<n>a)\\k<n>", "\\k is not supported"));
	CHECK(refused("(a)(?1)", "(?1 is not supported"));
	CHECK(refused("(?R)", "(?R is not supported"));
	CHECK(refused("(?#comment)", "(?# is not supported"));
	CHECK(refused("(?x)a b", "(?x is not supported"));
	CHECK(refused("(*UTF)a", "(* is not supported"));
	CHECK(refused("(?(1)a|b)", "(?( is not supported"));
	CHECK(refused("a{1001}", "repeat count"));
	CHECK(refused("a{3,2}", "repeat count"));
	CHECK(refused("[\\b]", "not allowed in a character class"));
	CHECK(refused("\\x4", "invalid escape"));
	CHECK(refused("a\\", "trailing backslash"));
	CHECK(refused("[abc", "missing"));
	CHECK(refused("(ab", "missing"));
	CHECK(refused("*a", "missing argument"));
}

/* What Go reads otherwise than PCRE2 by default, read as Go does. */
TEST(httpregex_go_semantics)
{
	/* $: the end of the text, not before a final newline. */
	CHECK_INT(matches("a$", "a"), 1);
	CHECK_INT(matches("a$", "a\n"), 0);
	CHECK_INT(matches("(?m)a$", "a\nb"), 1);
	/* \v is VT; \s is not. */
	CHECK_INT(matches("^\\v$", "\v"), 1);
	CHECK_INT(matches("^\\v$", "\n"), 0);
	CHECK_INT(matches("\\s", "\v"), 0);
	CHECK_INT(matches("^\\s\\S$", " x"), 1);
	CHECK_INT(matches("^[\\s]$", "\v"), 0);
	/* Octal, never a backreference. */
	CHECK_INT(matches("^\\101\\060$", "A0"), 1);
	CHECK_INT(matches("^(a)\\12$", "a\n"), 1);
	/* A "{" that is not a repeat is itself. */
	CHECK_INT(matches("^a{,3}$", "a{,3}"), 1);
	CHECK_INT(matches("^x{2}$", "xx"), 1);
	CHECK_INT(matches("^x{2,}$", "xxxx"), 1);
	CHECK_INT(matches("^x{1,2}$", "xxx"), 0);
	CHECK_INT(matches("^{}$", "{}"), 1);
	/* What both have. */
	CHECK_INT(matches("^(?P<scheme>https?)://\\z", "https://"), 1);
	CHECK_INT(matches("^(?<s>a)(?:b)$", "ab"), 1);
	CHECK_INT(matches("\\Qa.b\\E", "axb"), 0);
	CHECK_INT(matches("\\Qa.b\\E", "a.b"), 1);
	CHECK_INT(matches("(?i)^HTTP", "http://"), 1);
	CHECK_INT(matches("(?i:H)TTP", "hTTP"), 1);
	CHECK_INT(matches("^[[:alpha:]]+$", "abc"), 1);
	CHECK_INT(matches("^[]a]$", "]"), 1);
	CHECK_INT(matches("^[[.]$", "["), 1);
	CHECK_INT(matches("^\\pL\\p{Greek}$", "a\xce\xb1"), 1);
	CHECK_INT(matches("^\\d\\w$", "1\xc3\xa9"), 0);	/* ASCII \w */
	CHECK_INT(matches("^.$", "\xc3\xa9"), 1);	/* one code point */
	CHECK_INT(matches("^a+?b*?$", "aab"), 1);
	CHECK_INT(matches("^\\x41\\x{42}\\.$", "AB."), 1);
	CHECK_INT(matches("\\bb", "a b"), 1);
	/* A subject with a NUL is matched by its length. */
	{
		struct http_regex	*re;
		char			 err[256];

		re = http_regex_compile("b$", err, sizeof(err));
		REQUIRE(re != NULL);
		CHECK_INT(http_regex_match(re, "a\0b", 3), 1);
		CHECK_STR(http_regex_pattern(re), "b$");
		http_regex_free(re);
	}
}

/* A pattern that backtracks exponentially ends at its limit. */
TEST(httpregex_limit)
{
	struct http_regex	*re;
	char			 err[256], *s;
	size_t			 len = HTTP_TARGET_MAX;

	REQUIRE((s = malloc(len + 1)) != NULL);
	memset(s, 'a', len);
	s[len - 1] = '!';
	s[len] = '\0';
	re = http_regex_compile("^(a|aa)+$", err, sizeof(err));
	REQUIRE(re != NULL);
	CHECK_INT(http_regex_match(re, s, len), -1);
	http_regex_free(re);
	re = http_regex_compile("^(a+)+b", err, sizeof(err));
	REQUIRE(re != NULL);
	CHECK(http_regex_match(re, s, len) != 1);
	http_regex_free(re);
	free(s);
}
