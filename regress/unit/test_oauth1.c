/*
 * Unit tests of OAuth 1.0a: a request's parameters (worker/oauth1req.c)
 * and the signed Authorization header (monitor/oauth1.c), with the
 * published examples: RFC 5849 3.4.1.3's parameters, OAuth Core 1.0's
 * Appendix A (photos.example.net) and Twitter's "Creating a signature"
 * ("Hello Ladies + Gentlemen", hCtSmYh+iHYCEqBWrE7C7hYmtUk=).
 */
#include <string.h>

#include "buf.h"
#include "http.h"
#include "oauth1.h"
#include "secret.h"
#include "test.h"
#include "util.h"

#define FORM	"application/x-www-form-urlencoded"

/* The request's own parameters, or "ERR: why". */
static const char *
params(const char *target, const char *ct, const char *body)
{
	static char	 s[1024];
	struct buf	*b = buf_new(4096);
	char		 why[128];

	if (b == NULL)
		return "ERR: nomem";
	if (oauth1_request_params(target, ct, (const unsigned char *)body,
	    body != NULL ? strlen(body) : 0, b, why, sizeof(why)) == -1)
		snprintf(s, sizeof(s), "ERR: %s", why);
	else
		snprintf(s, sizeof(s), "%.*s", (int)buf_len(b),
		    (const char *)buf_ptr(b));
	buf_free(b);
	return s;
}

/* The header for keys ck, cs, tok, ts, or "ERR: why". */
static const char *
header(const char *ck, const char *cs, const char *tok, const char *tsec,
    const char *method, const char *url, const char *p, const char *nonce,
    const char *timestamp)
{
	static char		 s[1024];
	struct oauth1_keys	 k;
	struct secret		*out, *v[4];
	char			 why[128];

	v[0] = secret_new(ck, strlen(ck));
	v[1] = secret_new(cs, strlen(cs));
	v[2] = secret_new(tok, strlen(tok));
	v[3] = secret_new(tsec, strlen(tsec));
	k.consumer_key = v[0];
	k.consumer_secret = v[1];
	k.token = v[2];
	k.token_secret = v[3];
	if (oauth1_header(&k, method, url, p, strlen(p), nonce, timestamp,
	    &out, why, sizeof(why)) == -1)
		snprintf(s, sizeof(s), "ERR: %s", why);
	else {
		snprintf(s, sizeof(s), "%s", out->data);
		secret_free(out);
	}
	for (size_t i = 0; i < nitems(v); i++)
		secret_free(v[i]);
	return s;
}

TEST(oauth1_rfc5849_params)
{
	/* 3.4.1.3.1: the query's and the form body's, decoded and encoded. */
	CHECK_STR(params("/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", FORM,
	    "c2&a3=2+q"), "b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&a3=2%20q");
	CHECK_INT(oauth1_check_params("b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&"
	    "a3=2%20q", 44), 0);
	/* Twitter's: %2b and %2c come back upper case, ! escaped. */
	CHECK_STR(params("/1.1/statuses/update.json?include_entities=true",
	    FORM, "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20"
	    "OAuth%20request%21"), "include_entities=true&status=Hello%20"
	    "Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21");
	/* The body only when it is a form; any case, with parameters. */
	CHECK_STR(params("/x?a=1", "application/json", "b=2"), "a=1");
	CHECK_STR(params("/x?a=1", NULL, "b=2"), "a=1");
	CHECK_STR(params("/x", "Application/X-WWW-Form-Urlencoded; "
	    "charset=utf-8", "b=2"), "b=2");
	CHECK_STR(params("/x", FORM "x", "b=2"), "");
	/* Empty pieces skipped, a name alone, unreserved kept, raw escaped. */
	CHECK_STR(params("/x?&&a&b=~._-&c=*'()!", NULL, NULL),
	    "a=&b=~._-&c=%2A%27%28%29%21");
	CHECK_STR(params("/x?%7e=%41", NULL, NULL), "~=A");
	CHECK_STR(params("/x", FORM, ""), "");
	/* Refused: a ";" (Go drops the pair), a bad escape. */
	CHECK(strncmp(params("/x?a=1;b=2", NULL, NULL), "ERR: ", 5) == 0);
	CHECK(strncmp(params("/x?a=%zz", NULL, NULL), "ERR: ", 5) == 0);
	CHECK(strncmp(params("/x", FORM, "a=%4"), "ERR: ", 5) == 0);
}

TEST(oauth1_core_appendix_a)
{
	CHECK_STR(header("dpf43f3p2l4k3l03", "kd94hf93k423kf44",
	    "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00", "GET",
	    "http://photos.example.net/photos",
	    params("/photos?file=vacation.jpg&size=original", NULL, NULL),
	    "kllo9940pd9333jh", "1191242096"),
	    "OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\", "
	    "oauth_nonce=\"kllo9940pd9333jh\", "
	    "oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\", "
	    "oauth_signature_method=\"HMAC-SHA1\", "
	    "oauth_timestamp=\"1191242096\", "
	    "oauth_token=\"nnch734d00sl2jdk\", oauth_version=\"1.0\"");
}

TEST(oauth1_twitter)
{
	const char	*p;
	char		 ps[256];

	p = params("/1.1/statuses/update.json?include_entities=true", FORM,
	    "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth"
	    "%20request%21");
	snprintf(ps, sizeof(ps), "%s", p);
	CHECK_STR(header("xvz1evFS4wEEPTGEFPHBog",
	    "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	    "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
	    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", "post",
	    "https://api.twitter.com/1.1/statuses/update.json", ps,
	    "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", "1318622958"),
	    "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
	    "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
	    "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", "
	    "oauth_signature_method=\"HMAC-SHA1\", "
	    "oauth_timestamp=\"1318622958\", "
	    "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\""
	    ", oauth_version=\"1.0\"");
}

TEST(oauth1_refusals)
{
	static const char *const bad[] = {
		"a", "a=b=c", "a=%2", "a=%2f", "a=b c", "a=b&", "&a=b",
		"a=b&&c=d", "a=\xc3\xa9", "a=+",
	};
	size_t	 i;

	CHECK_INT(oauth1_check_params("", 0), 0);
	CHECK_INT(oauth1_check_params("=", 1), 0);
	CHECK_INT(oauth1_check_params("a=%2F&b=", 8), 0);
	for (i = 0; i < nitems(bad); i++)
		CHECK_INT(oauth1_check_params(bad[i], strlen(bad[i])), -1);
	/* Its length counts, not a NUL. */
	CHECK_INT(oauth1_check_params("a=b&c", 3), 0);
	CHECK(strncmp(header("k", "s", "t", "u", "GET", "http://x/", "a=b c",
	    "n", "1"), "ERR: ", 5) == 0);
	CHECK_STR(header("k", "s", "t", "u", "GET", "http://x/", "a=1&"
	    "oauth_token=x", "n", "1"), "ERR: the request has oauth_ "
	    "parameters of its own");
	CHECK(strncmp(header("k", "s", "t", "u", "GET", "http://x/", "",
	    "n-1", "1"), "ERR: ", 5) == 0);
	CHECK(strncmp(header("k", "s", "t", "u", "GET", "http://x/", "",
	    "n", "1a"), "ERR: ", 5) == 0);
	CHECK(strncmp(header("k", "s", "t", "u", "GE T", "http://x/", "",
	    "n", "1"), "ERR: ", 5) == 0);
	/* Keys with reserved characters are encoded in the header too. */
	CHECK(strstr(header("k y", "s", "t&", "u", "GET", "http://x/", "", "n",
	    "1"), "oauth_consumer_key=\"k%20y\"") != NULL);
	CHECK(strstr(header("k y", "s", "t&", "u", "GET", "http://x/", "", "n",
	    "1"), "oauth_token=\"t%26\"") != NULL);
}
