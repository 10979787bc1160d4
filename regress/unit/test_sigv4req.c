/*
 * Unit tests of an AWS request's canonical form (worker/sigv4req.c), signed
 * with the monitor's signer (monitor/sigv4.c): the aws-sig-v4-test-suite's
 * requests, botocore's signatures of a set of varied requests
 * (sigv4_botocore.py, run at test time), the client's Authorization
 * header read, and the refusals.  Heads are filled by hand (head_set), as
 * the worker's parser would fill them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http.h"
#include "secret.h"
#include "sigv4.h"
#include "test.h"
#include "util.h"

#define SUITE_SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE	"20150830T123600Z"
#define SUITE_SCOPE	"20150830/us-east-1/service/aws4_request"
#define EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_HOST	"example.amazonaws.com"

/*
 * A request head: method, target, then field names and values (NULL
 * ends them).  The strings are the caller's; nothing is copied.
 */
static void
head_set(struct http_head *h, const char *method, const char *target, ...)
{
	va_list		 ap;
	const char	*n;

	memset(h, 0, sizeof(*h));
	h->request = 1;
	h->method = (char *)method;
	h->scheme = (char *)"https";
	h->host = (char *)SUITE_HOST;
	h->port = (char *)"";
	h->target = (char *)target;
	va_start(ap, target);
	while ((n = va_arg(ap, const char *)) != NULL &&
	    h->nfields < HTTP_FIELDS_MAX) {
		h->fields[h->nfields].name = (char *)n;
		h->fields[h->nfields].namelen = strlen(n);
		h->fields[h->nfields].value = va_arg(ap, char *);
		h->fields[h->nfields].valuelen =
		    strlen(h->fields[h->nfields].value);
		h->nfields++;
	}
	va_end(ap);
}

/* The signature of h as the suite's key signs it for service "service". */
static const char *
suite_sign(const struct http_head *h, const char *signed_headers,
    const char *service, const char *payload)
{
	static char		 sig[SIGV4_HEX_LEN + 1];
	struct sigv4_client	 c;
	struct secret		*key;
	char			 hash[65], why[128];

	memset(&c, 0, sizeof(c));
	snprintf(c.scope, sizeof(c.scope), "%s", SUITE_SCOPE);
	snprintf(c.signed_headers, sizeof(c.signed_headers), "%s",
	    signed_headers);
	if (sigv4_canonical_hash(h, &c, service, payload, hash, why,
	    sizeof(why)) != 0) {
		printf("    canonical: %s\n", why);
		return "error";
	}
	key = secret_new(SUITE_SECRET, strlen(SUITE_SECRET));
	if (key == NULL || sigv4_sign(key, SUITE_DATE, SUITE_SCOPE, hash,
	    sig) != 0)
		snprintf(sig, sizeof(sig), "error");
	secret_free(key);
	return sig;
}

#define STS_TOKEN \
	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLW" \
	"sKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrm" \
	"GdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HF" \
	"vlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+sc" \
	"qKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define HD	"Host:" SUITE_HOST "\nX-Amz-Date:" SUITE_DATE "\n"
#define SH	"host;x-amz-date"

/*
 * The suite's requests, as a client sends them: method, target, fields
 * ("Name:value" lines), signed names, service, payload (NULL: empty),
 * and the suite's signature.
 */
static const struct {
	const char	*name, *method, *target, *fields, *signed_headers;
	const char	*service, *body, *sig;
} suite[] = {
	{ "get-vanilla", "GET", "/", HD, SH, "service", NULL,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-vanilla-query-order-key-case", "GET",
	    "/?Param2=value2&Param1=value1", HD, SH, "service", NULL,
	    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
	{ "get-vanilla-query-unreserved", "GET",
	    "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
	    "yz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
	    "xyz", HD, SH, "service", NULL,
	    "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
	{ "get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", HD, SH,
	    "service", NULL,
	    "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
	{ "post-vanilla-query-nonunreserved", "POST",
	    "/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B"
	    "%7D", HD, SH, "service", NULL,
	    "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e" },
	/* A name without "=". */
	{ "post-vanilla-query-space", "POST", "/?p", HD, SH, "service", NULL,
	    "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b" },
	{ "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz", HD, SH, "service", NULL,
	    "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
	{ "get-header-key-duplicate", "GET", "/", HD "My-Header1:value2\n"
	    "My-Header1:value2\nMy-Header1:value1\n",
	    "host;my-header1;x-amz-date", "service", NULL,
	    "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
	{ "get-header-value-trim", "GET", "/", HD "My-Header1:value1\n"
	    "My-Header2:\"a   b   c\"\n",
	    "host;my-header1;my-header2;x-amz-date", "service", NULL,
	    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
	{ "post-header-value-case", "POST", "/", HD "My-Header1:VALUE1\n",
	    "host;my-header1;x-amz-date", "service", NULL,
	    "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
	{ "post-x-www-form-urlencoded", "POST", "/",
	    "Content-Type:application/x-www-form-urlencoded\n" HD,
	    "content-type;host;x-amz-date", "service", "Param1=value1",
	    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
	{ "post-sts-header-before", "POST", "/",
	    HD "X-Amz-Security-Token:" STS_TOKEN "\n",
	    "host;x-amz-date;x-amz-security-token", "service", NULL,
	    "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
	{ "get-slashes", "GET", "//example//", HD, SH, "service", NULL,
	    "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84" },
	{ "get-relative-relative", "GET", "/example1/example2/../..", HD, SH,
	    "service", NULL,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-slash-pointless-dot", "GET", "/./example", HD, SH, "service",
	    NULL,
	    "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5" },
	/*
	 * get-space and get-utf8 sign a raw path encoded once; a client
	 * sends it encoded, which S3's rules encode once too.
	 */
	{ "get-space", "GET", "/example%20space/", HD, SH, "s3", NULL,
	    "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
	{ "get-utf8", "GET", "/%E1%88%B4", HD, SH, "s3", NULL,
	    "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
	/* Host from the URL when the head has none. */
	{ "get-vanilla without Host", "GET", "/", "X-Amz-Date:" SUITE_DATE "\n",
	    SH, "service", NULL,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
};

/* head_set, with the fields of "Name:value" lines in buf (cut there). */
static void
head_lines(struct http_head *h, const char *method, const char *target,
    char *buf)
{
	char	*line, *colon;

	head_set(h, method, target, NULL);
	while ((line = strsep(&buf, "\n")) != NULL && *line != '\0' &&
	    (colon = strchr(line, ':')) != NULL) {
		*colon = '\0';
		h->fields[h->nfields].name = line;
		h->fields[h->nfields].namelen = strlen(line);
		h->fields[h->nfields].value = colon + 1;
		h->fields[h->nfields].valuelen = strlen(colon + 1);
		h->nfields++;
	}
}

TEST(sigv4req_suite)
{
	struct http_head	*h;
	char			 body[SIGV4_HEX_LEN + 1], buf[1024];
	const char		*b;
	size_t			 i;

	REQUIRE((h = calloc(1, sizeof(*h))) != NULL);
	for (i = 0; i < nitems(suite); i++) {
		snprintf(buf, sizeof(buf), "%s", suite[i].fields);
		head_lines(h, suite[i].method, suite[i].target, buf);
		b = suite[i].body != NULL ? suite[i].body : "";
		sigv4_sha256_hex(b, strlen(b), body);
		if (strcmp(suite_sign(h, suite[i].signed_headers,
		    suite[i].service, body), suite[i].sig) != 0)
			printf("    %s\n", suite[i].name);
		CHECK_STR(suite_sign(h, suite[i].signed_headers,
		    suite[i].service, body), suite[i].sig);
	}
	free(h);
}

TEST(sigv4req_refusals)
{
	struct http_head	*h;
	struct sigv4_client	 c;
	char			 hash[65], why[128];

	REQUIRE((h = calloc(1, sizeof(*h))) != NULL);
	memset(&c, 0, sizeof(c));
	snprintf(c.scope, sizeof(c.scope), "%s", SUITE_SCOPE);
	snprintf(c.signed_headers, sizeof(c.signed_headers),
	    "host;x-amz-date");
	head_set(h, "GET", "/", "X-Amz-Date", SUITE_DATE, NULL);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", "STREAMING-AWS4-"
	    "HMAC-SHA256-PAYLOAD", hash, why, sizeof(why)), -1);
	CHECK(strstr(why, "streaming") != NULL);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", "E3B0C44298FC1C149AF"
	    "BF4C8996FB92427AE41E4649B934CA495991B7852B855", hash, why,
	    sizeof(why)), -1);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", "abc", hash, why,
	    sizeof(why)), -1);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", "UNSIGNED-PAYLOAD",
	    hash, why, sizeof(why)), 0);
	/* A signed field the request lacks. */
	snprintf(c.signed_headers, sizeof(c.signed_headers),
	    "host;x-amz-date;x-gone");
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	CHECK(strstr(why, "x-gone") != NULL);
	/* Not sorted, twice, upper case. */
	snprintf(c.signed_headers, sizeof(c.signed_headers), "x-amz-date;host");
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	snprintf(c.signed_headers, sizeof(c.signed_headers), "host;host");
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	snprintf(c.signed_headers, sizeof(c.signed_headers), "Host");
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	/* A malformed escape, a fragment. */
	snprintf(c.signed_headers, sizeof(c.signed_headers), "host");
	head_set(h, "GET", "/?a=%4", NULL);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	head_set(h, "GET", "/a%zz", NULL);
	CHECK_INT(sigv4_canonical_hash(h, &c, "s3", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	head_set(h, "GET", "/a#b", NULL);
	CHECK_INT(sigv4_canonical_hash(h, &c, "service", EMPTY_SHA256, hash,
	    why, sizeof(why)), -1);
	free(h);
}

#define A4	"AWS4-HMAC-SHA256 "

TEST(sigv4req_parse_authorization)
{
	struct sigv4_client	 c;
	static const char	*bad[] = {
		"",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA1 Credential=A/" SUITE_SCOPE ", "
		    "SignedHeaders=host, Signature=" EMPTY_SHA256,
		"AWS4-HMAC-SHA256Credential=A/" SUITE_SCOPE ", "
		    "SignedHeaders=host, Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=host",
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=host,"
		    " Signature=abc",
		A4 "Credential=A/" SUITE_SCOPE ", Credential=A/"
		    SUITE_SCOPE ", SignedHeaders=host, Signature=" EMPTY_SHA256,
		A4 "Credential=" SUITE_SCOPE ", SignedHeaders=host, "
		    "Signature=" EMPTY_SHA256 ", Extra=1",
		A4 "Credential=/" SUITE_SCOPE ", SignedHeaders=host, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/, SignedHeaders=host, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=Host, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=b;a, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE ", SignedHeaders=a b, "
		    "Signature=" EMPTY_SHA256,
		A4 "Credential=A/" SUITE_SCOPE " x, SignedHeaders=a, "
		    "Signature=" EMPTY_SHA256,
	};
	const char	*ok = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
			    SUITE_SCOPE ", SignedHeaders=host;x-amz-date, "
			    "Signature=" EMPTY_SHA256;
	char		 big[2048];
	size_t		 i;

	CHECK_INT(sigv4_parse_authorization(ok, strlen(ok), &c), 0);
	CHECK_STR(c.scope, SUITE_SCOPE);
	CHECK_STR(c.signed_headers, "host;x-amz-date");
	/* Any order, no blanks or several. */
	ok = "AWS4-HMAC-SHA256  Signature=" EMPTY_SHA256 ",SignedHeaders=host"
	    " ,  Credential=K/" SUITE_SCOPE;
	CHECK_INT(sigv4_parse_authorization(ok, strlen(ok), &c), 0);
	CHECK_STR(c.scope, SUITE_SCOPE);
	CHECK_STR(c.signed_headers, "host");
	/* Its length, not a NUL, ends it. */
	CHECK_INT(sigv4_parse_authorization(ok, strlen(ok) - 1, &c), 0);
	CHECK_STR(c.scope, "20150830/us-east-1/service/aws4_reques");
	for (i = 0; i < nitems(bad); i++) {
		if (sigv4_parse_authorization(bad[i], strlen(bad[i]), &c) != -1)
			printf("    accepted: %s\n", bad[i]);
		CHECK_INT(sigv4_parse_authorization(bad[i], strlen(bad[i]),
		    &c), -1);
	}
	/* Too long a scope, too many signed names. */
	snprintf(big, sizeof(big), "AWS4-HMAC-SHA256 Credential=A/%0200d, "
	    "SignedHeaders=a, Signature=%s", 0, EMPTY_SHA256);
	CHECK_INT(sigv4_parse_authorization(big, strlen(big), &c), -1);
	snprintf(big, sizeof(big), "AWS4-HMAC-SHA256 Credential=A/s, "
	    "SignedHeaders=a%01100d, Signature=%s", 0, EMPTY_SHA256);
	CHECK_INT(sigv4_parse_authorization(big, strlen(big), &c), -1);
}

TEST(sigv4req_add_signed)
{
	struct sigv4_client	 c;

	memset(&c, 0, sizeof(c));
	snprintf(c.signed_headers, sizeof(c.signed_headers),
	    "host;x-amz-date");
	CHECK_INT(sigv4_add_signed(&c, "x-amz-security-token"), 0);
	CHECK_STR(c.signed_headers, "host;x-amz-date;x-amz-security-token");
	CHECK_INT(sigv4_add_signed(&c, "x-amz-security-token"), 0);
	CHECK_STR(c.signed_headers, "host;x-amz-date;x-amz-security-token");
	CHECK_INT(sigv4_add_signed(&c, "content-type"), 0);
	CHECK_STR(c.signed_headers,
	    "content-type;host;x-amz-date;x-amz-security-token");
	CHECK_INT(sigv4_add_signed(&c, "x-amz"), 0);
	CHECK_STR(c.signed_headers,
	    "content-type;host;x-amz;x-amz-date;x-amz-security-token");
	CHECK_INT(sigv4_add_signed(&c, "zz"), 0);
	CHECK_STR(c.signed_headers,
	    "content-type;host;x-amz;x-amz-date;x-amz-security-token;zz");
	memset(&c, 0, sizeof(c));
	CHECK_INT(sigv4_add_signed(&c, "host"), 0);
	CHECK_STR(c.signed_headers, "host");
	memset(c.signed_headers, 'a', SIGV4_SIGNED_MAX - 3);
	CHECK_INT(sigv4_add_signed(&c, "b"), 0);
	CHECK_INT(sigv4_add_signed(&c, "c"), -1);
}

/*
 * One request of sigv4_botocore.py: the client's head and Authorization
 * as airlock's worker sees them, and botocore's own signature with the
 * real key, which airlock's must equal.
 */
static void
botocore_case(json_t *o)
{
	struct http_head	*h;
	struct sigv4_client	 c;
	struct secret		*key;
	json_t			*f;
	const char		*date = NULL, *name;
	char			 hash[65], sig[SIGV4_HEX_LEN + 1], why[128];
	char			 got[2048];
	size_t			 i;

	name = json_string_value(json_object_get(o, "name"));
	REQUIRE((h = calloc(1, sizeof(*h))) != NULL);
	h->request = 1;
	h->method = (char *)json_string_value(json_object_get(o, "method"));
	h->scheme = (char *)json_string_value(json_object_get(o, "scheme"));
	h->host = (char *)json_string_value(json_object_get(o, "host"));
	h->port = (char *)json_string_value(json_object_get(o, "port"));
	h->target = (char *)json_string_value(json_object_get(o, "target"));
	json_array_foreach(json_object_get(o, "fields"), i, f) {
		struct http_field	*fl = &h->fields[h->nfields++];

		fl->name = (char *)json_string_value(json_array_get(f, 0));
		fl->value = (char *)json_string_value(json_array_get(f, 1));
		fl->namelen = strlen(fl->name);
		fl->valuelen = strlen(fl->value);
		if (strcasecmp(fl->name, "x-amz-date") == 0)
			date = fl->value;
	}
	REQUIRE(date != NULL);
	name = json_string_value(json_object_get(o, "client_auth"));
	CHECK_INT(sigv4_parse_authorization(name, strlen(name), &c), 0);
	if (json_is_true(json_object_get(o, "token")))
		CHECK_INT(sigv4_add_signed(&c, "x-amz-security-token"), 0);
	CHECK_INT(sigv4_canonical_hash(h, &c, json_string_value(
	    json_object_get(o, "service")), json_string_value(json_object_get(o,
	    "payload")), hash, why, sizeof(why)), 0);
	key = secret_new(SUITE_SECRET, strlen(SUITE_SECRET));
	REQUIRE(key != NULL);
	CHECK_INT(sigv4_sign(key, date, c.scope, hash, sig), 0);
	secret_free(key);
	snprintf(got, sizeof(got), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%s, "
	    "SignedHeaders=%s, Signature=%s", c.scope, c.signed_headers, sig);
	if (strcmp(got, json_string_value(json_object_get(o, "want_auth"))) !=
	    0)
		printf("    %s\n", json_string_value(json_object_get(o,
		    "name")));
	CHECK_STR(got, json_string_value(json_object_get(o, "want_auth")));
	free(h);
}

TEST(sigv4req_botocore)
{
	FILE		*p;
	char		 line[8192];
	json_t		*o;
	json_error_t	 e;
	int		 n = 0;

	p = popen("python3 regress/unit/sigv4_botocore.py", "r");
	REQUIRE(p != NULL);
	while (fgets(line, sizeof(line), p) != NULL) {
		o = json_loads(line, 0, &e);
		CHECK(o != NULL);
		if (o == NULL)
			continue;
		botocore_case(o);
		json_decref(o);
		n++;
	}
	CHECK_INT(pclose(p), 0);
	CHECK(n >= 12);
}
