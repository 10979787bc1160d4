/*
 * The aws provider's pieces without a server: the shared files' INI
 * reader, the packed credentials, and the SigV4 headers of a
 * GetSecretValue, against signatures that botocore 1.43 computed for the
 * same request (SigV4Auth, "secretsmanager", with the timestamp fixed).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/aws.h"
#include "../../providers/jsonfield.h"

static const char ini[] =
    "# a comment\n"
    "[default]\n"
    "aws_access_key_id=AKIDDEFAULT\n"
    "region = eu-west-3  \r\n"
    "\n"
    "  [ profile work ]\n"
    "; another comment\n"
    "region=us-east-2\n"
    "aws_secret_access_key =  a b=c \n"
    "[broken\n"
    "region = nowhere\n"
    "[last]\n"
    "key = no newline at the end";

static int
ini_is(const char *section, const char *key, const char *want)
{
	struct secret	*file, *v = NULL;
	int		 r, ok;

	if ((file = secret_new(ini, strlen(ini))) == NULL)
		return 0;
	r = awsini_get(file, section, key, &v);
	secret_free(file);
	if (want == NULL)
		ok = r == ERR_NOTFOUND && v == NULL;
	else
		ok = r == 0 && v->len == strlen(want) &&
		    memcmp(v->data, want, v->len) == 0;
	secret_free(v);
	return ok;
}

TEST(awsini_sections_keys)
{
	CHECK(ini_is("default", "aws_access_key_id", "AKIDDEFAULT"));
	CHECK(ini_is("default", "region", "eu-west-3"));
	CHECK(ini_is("profile work", "region", "us-east-2"));
	CHECK(ini_is("profile work", "aws_secret_access_key", "a b=c"));
	CHECK(ini_is("last", "key", "no newline at the end"));
	/* A key of another section, an unknown section, a broken header. */
	CHECK(ini_is("profile work", "aws_access_key_id", NULL));
	CHECK(ini_is("work", "region", NULL));
	CHECK(ini_is("default", "nowhere", NULL));
	CHECK(ini_is("profile work", "nowhere", NULL));
	CHECK(ini_is("broken", "region", NULL));
}

TEST(awsini_section_exists)
{
	struct secret	*file, *v = NULL;

	REQUIRE((file = secret_new(ini, strlen(ini))) != NULL);
	CHECK_INT(awsini_get(file, "profile work", NULL, &v), 0);
	CHECK(v == NULL);
	CHECK_INT(awsini_get(file, "last", NULL, &v), 0);
	CHECK_INT(awsini_get(file, "work", NULL, &v), ERR_NOTFOUND);
	CHECK_INT(awsini_get(file, "broken", NULL, &v), ERR_NOTFOUND);
	secret_free(file);
}

TEST(awscreds_pack_unpack)
{
	struct secret		*s = NULL;
	struct aws_creds	 c;

	REQUIRE(awscreds_pack("AKID", 4, "sec", 3, "", 0, &s) == 0);
	REQUIRE(awscreds_unpack(s, &c) == 0);
	CHECK_STR(c.akid, "AKID");
	CHECK_INT(c.secret_key.len, 3);
	CHECK_MEM(c.secret_key.data, "sec", 3);
	CHECK(c.token == NULL);
	secret_free(s);
	REQUIRE(awscreds_pack("AKID", 4, "sec", 3, "tok", 3, &s) == 0);
	REQUIRE(awscreds_unpack(s, &c) == 0);
	CHECK_STR(c.token, "tok");
	secret_free(s);
	/* Bytes that a header cannot carry, a NUL in the key, lengths. */
	CHECK_INT(awscreds_pack("AK ID", 5, "sec", 3, "", 0, &s), ERR_FORMAT);
	CHECK_INT(awscreds_pack("AKID", 4, "s\0c", 3, "", 0, &s), ERR_FORMAT);
	CHECK_INT(awscreds_pack("AKID", 4, "sec", 3, "t\nk", 3, &s),
	    ERR_FORMAT);
	CHECK_INT(awscreds_pack("", 0, "sec", 3, "", 0, &s), ERR_TOOBIG);
	CHECK(s == NULL);
}

static void
sign_is(const char *token, const char *want_signed, const char *want_sig)
{
	static const char	 key[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	static const char	 body[] = "{\"SecretId\":\"prod/db\"}";
	struct aws_creds	 c;
	struct aws_signed	 sig;
	char			 want[512];

	memset(&c, 0, sizeof(c));
	c.akid = "AKIDEXAMPLE";
	c.secret_key.data = (unsigned char *)(uintptr_t)key;
	c.secret_key.len = strlen(key);
	c.token = token;
	/* 2026-12-07T13:35:07Z */
	REQUIRE(aws_sign_post(&c, "eu-west-3", "secretsmanager",
	    "secretsmanager.eu-west-3.amazonaws.com:443",
	    "application/x-amz-json-1.1", "secretsmanager.GetSecretValue",
	    body, strlen(body), 1796650507, &sig) == 0);
	CHECK_STR(sig.amzdate, "20261207T133507Z");
	snprintf(want, sizeof(want), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
	    "20261207/eu-west-3/secretsmanager/aws4_request, SignedHeaders=%s, "
	    "Signature=%s", want_signed, want_sig);
	CHECK_STR(sig.auth, want);
}

TEST(aws_sign_post_botocore)
{
	sign_is(NULL, "content-type;host;x-amz-date;x-amz-target",
	    "e71e39ab615c445ad78b52b8f4878fc9644b0a59f05323298020bc98458a1da0");
	sign_is("FQoGZXIvYXdzEXAMPLETOKEN/+=",
	    "content-type;host;x-amz-date;x-amz-security-token;x-amz-target",
	    "116010e85bc3f68cb1168eaff263fcac97fc958d7d690dbed20192d924ba2bf0");
}

/* STS's JSON Expiration is a real of an integral value. */
TEST(jfield_int_real)
{
	static const char	 doc[] =
	    "{\"a\": 1.7966505E9, \"b\": 1.5, \"c\": 1e300}";
	struct jfield_doc	*d;
	char			 err[200];
	long long		 v = 0;

	REQUIRE(jfield_parse(doc, strlen(doc), &d, err, sizeof(err)) == 0);
	CHECK_INT(jfield_int(d, "a", &v, err, sizeof(err)), 0);
	CHECK_INT(v, 1796650500LL);
	CHECK_INT(jfield_int(d, "b", &v, err, sizeof(err)), ERR_FORMAT);
	CHECK_INT(jfield_int(d, "c", &v, err, sizeof(err)), ERR_FORMAT);
	jfield_free(d);
}
