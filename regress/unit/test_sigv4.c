/*
 * Unit tests of the SigV4 signer (monitor/sigv4.c) with AWS's published
 * vectors: the aws-sig-v4-test-suite's get-vanilla and post-x-www-form-
 * urlencoded (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T
 * 123600Z, us-east-1, service "service"), and the IAM ListUsers example of
 * AWS's "Signature Version 4 signing process" documentation.
 */
#include <string.h>
#include <time.h>

#include "secret.h"
#include "sigv4.h"
#include "test.h"
#include "util.h"

#define SUITE_SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE	"20150830T123600Z"
#define SUITE_SCOPE	"20150830/us-east-1/service/aws4_request"
#define EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
check_vector(const char *creq, const char *scope, const char *want_hash,
    const char *want_sig)
{
	struct secret	*key;
	char		 hash[SIGV4_HEX_LEN + 1], sig[SIGV4_HEX_LEN + 1];

	sigv4_sha256_hex(creq, strlen(creq), hash);
	if (want_hash != NULL)
		CHECK_STR(hash, want_hash);
	key = secret_new(SUITE_SECRET, strlen(SUITE_SECRET));
	REQUIRE(key != NULL);
	CHECK_INT(sigv4_sign(key, SUITE_DATE, scope, hash, sig), 0);
	CHECK_STR(sig, want_sig);
	secret_free(key);
}

TEST(sigv4_suite_get_vanilla)
{
	check_vector("GET\n/\n\nhost:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA256,
	    SUITE_SCOPE,
	    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(sigv4_suite_post_form)
{
	/* post-x-www-form-urlencoded: the body "Param1=value1" hashed. */
	char	 body[SIGV4_HEX_LEN + 1];
	char	 creq[512];

	sigv4_sha256_hex("Param1=value1", 13, body);
	snprintf(creq, sizeof(creq), "POST\n/\n\n"
	    "content-type:application/x-www-form-urlencoded\n"
	    "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
	    "content-type;host;x-amz-date\n%s", body);
	check_vector(creq, SUITE_SCOPE, NULL,
	    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(sigv4_docs_iam_listusers)
{
	check_vector("GET\n/\nAction=ListUsers&Version=2010-05-08\n"
	    "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
	    "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
	    "content-type;host;x-amz-date\n" EMPTY_SHA256,
	    "20150830/us-east-1/iam/aws4_request",
	    "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
	    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(sigv4_sign_refuses_bad_scope)
{
	struct secret	*key = secret_new("k", 1);
	char		 sig[SIGV4_HEX_LEN + 1];

	REQUIRE(key != NULL);
	CHECK_INT(sigv4_sign(key, SUITE_DATE, "20150830/us-east-1/service",
	    EMPTY_SHA256, sig), -1);
	CHECK_INT(sigv4_sign(key, SUITE_DATE,
	    "20150830/us-east-1/service/aws4_requestX", EMPTY_SHA256, sig), -1);
	secret_free(key);
}

TEST(sigv4_check_refusals)
{
	static const struct {
		const char	*date, *scope, *hash, *why;
	} t[] = {
		{ "20150230T123600Z", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "20150830T246000Z", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "20150830T123660Z", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "20150830t123600Z", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "20150830T123600", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "20150830T123600ZZ", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ "2015083aT123600Z", SUITE_SCOPE, EMPTY_SHA256, "X-Amz-Date" },
		{ SUITE_DATE, "20150831/us-east-1/service/aws4_request",
		    EMPTY_SHA256, "day" },
		{ SUITE_DATE, "20150830/US-EAST-1/service/aws4_request",
		    EMPTY_SHA256, "scope" },
		{ SUITE_DATE, "20150830//service/aws4_request", EMPTY_SHA256,
		    "scope" },
		{ SUITE_DATE, "20150830/us-east-1/service/aws4_requesx",
		    EMPTY_SHA256, "scope" },
		{ SUITE_DATE, "20150830/us-east-1/service/aws4_request/",
		    EMPTY_SHA256, "scope" },
		{ SUITE_DATE, "20150830/us-east-1/s3/x/aws4_request",
		    EMPTY_SHA256, "scope" },
		{ SUITE_DATE, "20150830/a234567890123456789012345678901234567890"
		    "123456789012345678901234/s3/aws4_request", EMPTY_SHA256,
		    "scope" },
		{ SUITE_DATE, SUITE_SCOPE, "E3B0C44298FC1C149AFBF4C8996FB924"
		    "27AE41E4649B934CA495991B7852B855", "hash" },
		{ SUITE_DATE, SUITE_SCOPE, "e3b0", "hash" },
		{ SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256 "0", "hash" },
	};
	struct tm	 tm;
	time_t		 now;
	char		 why[128];
	size_t		 i;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 115;
	tm.tm_mon = 7;
	tm.tm_mday = 30;
	tm.tm_hour = 12;
	tm.tm_min = 36;
	now = timegm(&tm);
	CHECK_INT(sigv4_check(SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256, now, 900,
	    why, sizeof(why)), 0);
	/* A 63-character region is one. */
	CHECK_INT(sigv4_check(SUITE_DATE, "20150830/a23456789012345678901234"
	    "567890123456789012345678901234567890123/s3/aws4_request",
	    EMPTY_SHA256, now, 900, why, sizeof(why)), 0);
	for (i = 0; i < nitems(t); i++) {
		why[0] = '\0';
		CHECK_INT(sigv4_check(t[i].date, t[i].scope, t[i].hash, now,
		    900, why, sizeof(why)), -1);
		if (strstr(why, t[i].why) == NULL)
			printf("    %zu: \"%s\" lacks \"%s\"\n", i, why,
			    t[i].why);
		CHECK(strstr(why, t[i].why) != NULL);
	}
	/* 15 minutes each way, and not a second more. */
	CHECK_INT(sigv4_check(SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256, now + 900,
	    900, why, sizeof(why)), 0);
	CHECK_INT(sigv4_check(SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256, now - 900,
	    900, why, sizeof(why)), 0);
	CHECK_INT(sigv4_check(SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256, now + 901,
	    900, why, sizeof(why)), -1);
	CHECK(strstr(why, "900 seconds") != NULL);
	CHECK_INT(sigv4_check(SUITE_DATE, SUITE_SCOPE, EMPTY_SHA256, now - 901,
	    900, why, sizeof(why)), -1);
}
