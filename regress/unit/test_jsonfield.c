/*
 * jsonfield's lookups that the kubernetes and gcp providers added: a key
 * taken whole in the object at a path (a Secret's "data" keys hold '.'),
 * and an API's error code, which is all of an error body that a message
 * may name.
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/jsonfield.h"

#define SECRET	"{\"kind\":\"Secret\",\"data\":{\"tls.crt\":\"Y2VydA==\"," \
		"\"a\":{\"b\":\"nested\"},\"n\":1},\"x\":\"top\"}"

/* The string of key in the object at path, as text; *r its status. */
static const char *
in(const char *path, const char *key, int *r)
{
	static char		 out[64];
	struct jfield_doc	*doc;
	struct secret		*s;
	char			 err[200];

	out[0] = '\0';
	if ((*r = jfield_parse(SECRET, strlen(SECRET), &doc, err,
	    sizeof(err))) != 0)
		return out;
	if ((*r = jfield_string_in(doc, path, key, &s, err,
	    sizeof(err))) == 0) {
		snprintf(out, sizeof(out), "%.*s", (int)s->len, s->data);
		secret_free(s);
	}
	jfield_free(doc);
	return out;
}

TEST(jfield_string_in_keys)
{
	int	 r;

	/* The key is taken whole: "tls.crt" is one key, not a path. */
	CHECK_STR(in("data", "tls.crt", &r), "Y2VydA==");
	CHECK_INT(r, 0);
	CHECK_STR(in(NULL, "x", &r), "top");
	CHECK_INT(r, 0);
	CHECK_STR(in("data.a", "b", &r), "nested");
	CHECK_INT(r, 0);
	in("data", "a.b", &r);
	CHECK_INT(r, ERR_NOTFOUND);
	in("data", "nope", &r);
	CHECK_INT(r, ERR_NOTFOUND);
	in("nodata", "x", &r);
	CHECK_INT(r, ERR_NOTFOUND);
	in("x", "y", &r);
	CHECK_INT(r, ERR_FORMAT);
	in("data", "n", &r);
	CHECK_INT(r, ERR_FORMAT);
}

/* The code at path of body, or "" when it is none. */
static const char *
code(const char *body, const char *path)
{
	static char	 out[72];
	struct secret	*s;

	if ((s = secret_new(body, strlen(body))) == NULL)
		return "(nomem)";
	jfield_code(s, path, out, sizeof(out));
	secret_free(s);
	return out;
}

TEST(jfield_code_only_codes)
{
	char	 small[4];

	CHECK_STR(code("{\"kind\":\"Status\",\"reason\":\"NotFound\","
	    "\"message\":\"secrets \\\"db\\\" not found\"}", "reason"),
	    "NotFound");
	CHECK_STR(code("{\"error\":{\"code\":403,\"status\":"
	    "\"PERMISSION_DENIED\"}}", "error.status"), "PERMISSION_DENIED");
	CHECK_STR(code("{\"__type\":\"com.amazonaws.secretsmanager#"
	    "ResourceNotFoundException\"}", "__type"),
	    "com.amazonaws.secretsmanager#ResourceNotFoundException");
	/* Not a code: a space, a quote, a NUL, too long, not a string. */
	CHECK_STR(code("{\"reason\":\"pw is hunter2\"}", "reason"), "");
	CHECK_STR(code("{\"reason\":\"a\\\"b\"}", "reason"), "");
	CHECK_STR(code("{\"reason\":\"ab\\u0000cd\"}", "reason"), "");
	CHECK_STR(code("{\"reason\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	    "reason"), "");
	CHECK_STR(code("{\"reason\":403}", "reason"), "");
	CHECK_STR(code("{\"reason\":\"\"}", "reason"), "");
	CHECK_STR(code("not json", "reason"), "");
	CHECK_STR(code("{}", "reason"), "");
	/* A code longer than the room for it is not cut: none. */
	jfield_code(NULL, "reason", small, sizeof(small));
	CHECK_STR(small, "");
	{
		struct secret	*s = secret_new("{\"r\":\"Forbidden\"}", 17);

		REQUIRE(s != NULL);
		jfield_code(s, "r", small, sizeof(small));
		CHECK_STR(small, "");
		secret_free(s);
	}
}
