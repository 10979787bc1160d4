/*
 * The Vault provider's pieces that need no server: references
 * ("path#field.path"), the request URI, VAULT_ADDR, and the extraction of
 * a string field from JSON bodies as Vault's KV v1 and v2 send them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/https.h"
#include "../../providers/jsonfield.h"
#include "../../providers/vault.h"
#include "util.h"

TEST(vault_ref_ok)
{
	struct vault_ref	 vr;
	char			 err[256];

	CHECK_INT(vault_ref_parse("secret/db", &vr, err, sizeof(err)), 0);
	CHECK_STR(vr.path, "secret/db");
	CHECK_STR(vr.field, "value");
	CHECK_INT(vault_ref_parse("secret/data/db#data.password", &vr, err,
	    sizeof(err)), 0);
	CHECK_STR(vr.path, "secret/data/db");
	CHECK_STR(vr.field, "data.password");
	CHECK_INT(vault_ref_parse("kv/a b#x#y", &vr, err, sizeof(err)), 0);
	CHECK_STR(vr.path, "kv/a b");
	CHECK_STR(vr.field, "x#y");
	CHECK_INT(vault_ref_parse("db#password", &vr, err, sizeof(err)), 0);
	CHECK_STR(vr.path, "db");
	CHECK_STR(vr.field, "password");
}

TEST(vault_ref_bad)
{
	static const struct {
		const char	*ref;
		int		 r;
		const char	*msg;
	} bad[] = {
		{ "", ERR_FORMAT, "empty path" },
		{ "#password", ERR_FORMAT, "empty path" },
		{ "secret/db#", ERR_FORMAT, "empty field" },
		{ "/secret/db", ERR_FORMAT, "segment" },
		{ "secret/db/", ERR_FORMAT, "segment" },
		{ "secret//db", ERR_FORMAT, "segment" },
		{ "secret/../sys/x", ERR_FORMAT, "segment" },
		{ "secret/./db", ERR_FORMAT, "segment" },
		{ "..", ERR_FORMAT, "segment" },
		{ "secret/db#.a", ERR_FORMAT, "empty component" },
		{ "secret/db#a.", ERR_FORMAT, "empty component" },
		{ "secret/db#a..b", ERR_FORMAT, "empty component" },
		{ "secret/d\nb", ERR_FORMAT, "control character" },
		{ "secret/db#a\tb", ERR_FORMAT, "control character" },
	};
	struct vault_ref	 vr;
	char			 err[256], big[VAULT_PATH_MAX + 64];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		err[0] = '\0';
		CHECK_INT(vault_ref_parse(bad[i].ref, &vr, err, sizeof(err)),
		    bad[i].r);
		if (strstr(err, bad[i].msg) == NULL)
			CHECK_STR(err, bad[i].msg);
		CHECK(strncmp(err, "vault: reference ", 17) == 0);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(vault_ref_parse(big, &vr, err, sizeof(err)), ERR_TOOBIG);
	big[0] = 'x';
	big[1] = '#';
	CHECK_INT(vault_ref_parse(big, &vr, err, sizeof(err)), ERR_TOOBIG);
	big[VAULT_PATH_MAX] = '\0';
	CHECK_INT(vault_ref_parse(big + 2, &vr, err, sizeof(err)), 0);
}

TEST(vault_uri_escape)
{
	char	 uri[VAULT_URI_MAX + 1], small[8];

	CHECK_INT(vault_uri("secret/data/db", uri, sizeof(uri)), 0);
	CHECK_STR(uri, "/v1/secret/data/db");
	CHECK_INT(vault_uri("kv/a b?c%d#e~f_g-h.i", uri, sizeof(uri)), 0);
	CHECK_STR(uri, "/v1/kv/a%20b%3Fc%25d%23e~f_g-h.i");
	CHECK_INT(vault_uri("kv/\xc3\xa9", uri, sizeof(uri)), 0);
	CHECK_STR(uri, "/v1/kv/%C3%A9");
	CHECK_INT(vault_uri("secret/db", small, sizeof(small)), ERR_TOOBIG);
}

TEST(vault_addr_parse)
{
	struct https_server	 s;
	char			 err[256];

	CHECK_INT(https_parse_addr("https://127.0.0.1:8200", &s, err,
	    sizeof(err)), 0);
	CHECK_INT(s.tls, 1);
	CHECK_STR(s.host, "127.0.0.1");
	CHECK_INT(s.port, 8200);
	CHECK_INT(s.host_is_ip, 1);
	CHECK(https_is_loopback(&s));
	CHECK_INT(https_parse_addr("https://vault.example.com/", &s, err,
	    sizeof(err)), 0);
	CHECK_STR(s.host, "vault.example.com");
	CHECK_INT(s.port, 443);
	CHECK_INT(s.host_is_ip, 0);
	CHECK(!https_is_loopback(&s));
	CHECK_INT(https_parse_addr("http://[::1]:8200", &s, err, sizeof(err)),
	    0);
	CHECK_INT(s.tls, 0);
	CHECK_STR(s.host, "::1");
	CHECK(https_is_loopback(&s));
	CHECK_INT(https_parse_addr("HTTP://localhost", &s, err, sizeof(err)),
	    0);
	CHECK_INT(s.port, 80);
	/* A name is not a loopback address, whatever it resolves to. */
	CHECK(!https_is_loopback(&s));
	CHECK_INT(https_parse_addr("http://10.0.0.1:8200", &s, err,
	    sizeof(err)), 0);
	CHECK(!https_is_loopback(&s));

	CHECK_INT(https_parse_addr("ftp://x", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("127.0.0.1:8200", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h:0", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h:65536", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h:8x", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h:", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h/v1", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://u:p@h", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h?x", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://[::1", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://h_x", &s, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK_INT(https_parse_addr("https://[vault]", &s, err, sizeof(err)),
	    ERR_FORMAT);
}

/* The string at path in body, as text; "" with *r set on error. */
static const char *
field(const char *body, const char *path, int *r, char *err, size_t errlen)
{
	static char		 out[256];
	struct jfield_doc	*doc;
	struct secret		*s;

	out[0] = '\0';
	err[0] = '\0';
	if ((*r = jfield_parse(body, strlen(body), &doc, err, errlen)) != 0)
		return out;
	if ((*r = jfield_string(doc, path, &s, err, errlen)) == 0) {
		snprintf(out, sizeof(out), "%.*s", (int)s->len, s->data);
		secret_free(s);
	}
	jfield_free(doc);
	return out;
}

#define V1	"{\"request_id\":\"x\",\"lease_duration\":2764800,\"data\":" \
		"{\"value\":\"pw-v1\",\"n\":5,\"o\":{\"a\":\"b\"},\"t\":true," \
		"\"z\":null,\"l\":[\"x\"],\"e\":\"\"},\"warnings\":null}"
#define V2	"{\"data\":{\"data\":{\"password\":\"pw\\\"v2\\u00e9\"," \
		"\"username\":\"u\",\"deep\":{\"er\":{\"x\":\"deep\"}}}," \
		"\"metadata\":{\"version\":1,\"destroyed\":false}}}"

TEST(vault_json_fields)
{
	char	 err[256];
	int	 r;

	CHECK_STR(field(V1, "data.value", &r, err, sizeof(err)), "pw-v1");
	CHECK_INT(r, 0);
	CHECK_STR(field(V1, "data.o.a", &r, err, sizeof(err)), "b");
	CHECK_STR(field(V1, "data.e", &r, err, sizeof(err)), "");
	CHECK_INT(r, 0);
	CHECK_STR(field(V2, "data.data.password", &r, err, sizeof(err)),
	    "pw\"v2\xc3\xa9");
	CHECK_STR(field(V2, "data.data.username", &r, err, sizeof(err)), "u");
	CHECK_STR(field(V2, "data.data.deep.er.x", &r, err, sizeof(err)),
	    "deep");
	CHECK_INT(r, 0);
}

TEST(vault_json_errors)
{
	static const struct {
		const char	*body;
		const char	*path;
		int		 r;
		const char	*msg;
	} bad[] = {
		{ V1, "data.password", ERR_NOTFOUND, "no field data.password" },
		{ V1, "data.value.x", ERR_FORMAT, "in a string, not an "
		    "object" },
		{ V1, "data.n", ERR_FORMAT, "field data.n is a number, not a "
		    "string" },
		{ V1, "data.o", ERR_FORMAT, "is an object, not a string" },
		{ V1, "data.t", ERR_FORMAT, "is a boolean" },
		{ V1, "data.z", ERR_FORMAT, "is null" },
		{ V1, "data.l", ERR_FORMAT, "is an array" },
		{ V1, "data.l.0", ERR_FORMAT, "in an array" },
		{ V2, "data.password", ERR_NOTFOUND, "no field" },
		{ "{\"errors\":[]}", "data.value", ERR_NOTFOUND, "no field" },
		{ "[\"data\"]", "data.value", ERR_FORMAT, "an array" },
		{ "{\"data\":\"s3cr3t\"}", "data.value", ERR_FORMAT,
		    "in a string" },
		{ "{\"data\":{\"value\":\"s3cr3t\"}", "data.value", ERR_FORMAT,
		    "invalid JSON (line 1, column" },
		{ "{\"data\":{\"value\":s3cr3t}}", "data.value", ERR_FORMAT,
		    "invalid JSON" },
		{ "{\"data\":{\"value\":\"s3cr3t\"}} x", "data.value",
		    ERR_FORMAT, "invalid JSON" },
		{ "{\"data\":{\"value\":\"a\",\"value\":\"s3cr3t\"}}",
		    "data.value", ERR_FORMAT, "invalid JSON" },
		{ "", "data.value", ERR_FORMAT, "invalid JSON" },
		{ "{\"data\":{\"value\":\"x\"}}", "data..value", ERR_INVAL,
		    "empty" },
	};
	char	 err[256];
	size_t	 i;
	int	 r;

	for (i = 0; i < nitems(bad); i++) {
		CHECK_STR(field(bad[i].body, bad[i].path, &r, err,
		    sizeof(err)), "");
		CHECK_INT(r, bad[i].r);
		if (strstr(err, bad[i].msg) == NULL)
			CHECK_STR(err, bad[i].msg);
		/* No message repeats a value of the document. */
		CHECK(strstr(err, "s3cr3t") == NULL);
		CHECK(strstr(err, "pw") == NULL);
	}
}

TEST(vault_json_huge)
{
	struct jfield_doc	*doc;
	struct secret		*s;
	char			*body, err[256];
	size_t			 n = JFIELD_MAX;

	/* The largest document accepted, and one byte more. */
	REQUIRE((body = malloc(n + 2)) != NULL);
	memcpy(body, "{\"data\":{\"value\":\"", 18);
	memset(body + 18, 'a', n - 18 - 3);
	memcpy(body + n - 3, "\"}}", 3);
	CHECK_INT(jfield_parse(body, n, &doc, err, sizeof(err)), 0);
	if (doc != NULL) {
		CHECK_INT(jfield_string(doc, "data.value", &s, err,
		    sizeof(err)), 0);
		CHECK(s != NULL && s->len == n - 21);
		secret_free(s);
		jfield_free(doc);
	}
	body[n] = ' ';
	CHECK_INT(jfield_parse(body, n + 1, &doc, err, sizeof(err)),
	    ERR_TOOBIG);
	CHECK(doc == NULL);
	/* Deep nesting is refused by jansson's own limit, not a crash. */
	memset(body, '[', n);
	CHECK_INT(jfield_parse(body, n, &doc, err, sizeof(err)), ERR_FORMAT);
	free(body);
}

/* A base URL with a path (Conjur Cloud's ".../api"): the prefix. */
TEST(vault_https_parse_url)
{
	struct https_server	 s;
	char			 err[256], pre[64];

	CHECK_INT(https_parse_url("https://conjur.example/api", &s, pre,
	    sizeof(pre), err, sizeof(err)), 0);
	CHECK_STR(s.host, "conjur.example");
	CHECK_INT(s.port, 443);
	CHECK_STR(pre, "/api");
	CHECK_INT(https_parse_url("https://h:8443/a/b%20c/", &s, pre,
	    sizeof(pre), err, sizeof(err)), 0);
	CHECK_INT(s.port, 8443);
	CHECK_STR(pre, "/a/b%20c");
	CHECK_INT(https_parse_url("http://[::1]:8080/", &s, pre, sizeof(pre),
	    err, sizeof(err)), 0);
	CHECK_STR(s.host, "::1");
	CHECK_STR(pre, "");
	CHECK_INT(https_parse_url("https://h", &s, pre, sizeof(pre), err,
	    sizeof(err)), 0);
	CHECK_STR(pre, "");
	CHECK_INT(https_parse_url("https://h/a/../b", &s, pre, sizeof(pre),
	    err, sizeof(err)), ERR_FORMAT);
	CHECK_INT(https_parse_url("https://h/./b", &s, pre, sizeof(pre), err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_INT(https_parse_url("https://h/api?x=1", &s, pre, sizeof(pre),
	    err, sizeof(err)), ERR_FORMAT);
	CHECK_INT(https_parse_url("https://h/api#f", &s, pre, sizeof(pre),
	    err, sizeof(err)), ERR_FORMAT);
	CHECK_INT(https_parse_url("https://u@h/api", &s, pre, sizeof(pre),
	    err, sizeof(err)), ERR_FORMAT);
	CHECK_INT(https_parse_url("https://h/a b", &s, pre, sizeof(pre), err,
	    sizeof(err)), ERR_FORMAT);
	/* A prefix that does not fit is refused, not cut. */
	CHECK_INT(https_parse_url("https://h/0123456789", &s, pre, 8, err,
	    sizeof(err)), ERR_FORMAT);
}

TEST(vault_https_is_metadata)
{
	struct https_server	 s;
	char			 err[256];

	CHECK_INT(https_parse_addr("http://169.254.169.254", &s, err,
	    sizeof(err)), 0);
	CHECK(https_is_metadata(&s));
	CHECK(!https_is_loopback(&s));
	CHECK_INT(https_parse_addr("http://[fd00:ec2::254]", &s, err,
	    sizeof(err)), 0);
	CHECK(https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://[fd00:ec2:0::254]:80", &s, err,
	    sizeof(err)), 0);
	CHECK(https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://Metadata.Google.Internal", &s, err,
	    sizeof(err)), 0);
	CHECK(https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://169.254.169.253", &s, err,
	    sizeof(err)), 0);
	CHECK(!https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://metadata.google.internal.evil",
	    &s, err, sizeof(err)), 0);
	CHECK(!https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://[fd00:ec2::255]", &s, err,
	    sizeof(err)), 0);
	CHECK(!https_is_metadata(&s));
	CHECK_INT(https_parse_addr("http://127.0.0.1", &s, err, sizeof(err)),
	    0);
	CHECK(!https_is_metadata(&s));
}

/* Vault's "renewable", and a login's body built by jansson. */
TEST(vault_json_bool_object)
{
	static const char *const kv[] = {
		"role_id", "r\"1\\", "secret_id", "s\n\x01\xc3\xa9",
	};
	static const char *const bad[] = { "jwt", "\xff" };
	struct jfield_doc	*doc;
	struct secret		*s;
	const char		*body = "{\"auth\":{\"renewable\":true,"
				    "\"n\":false,\"x\":1}}";
	char			 err[256];
	int			 b = -1;

	CHECK_INT(jfield_parse(body, strlen(body), &doc, err, sizeof(err)),
	    0);
	CHECK_INT(jfield_bool(doc, "auth.renewable", &b, err, sizeof(err)),
	    0);
	CHECK_INT(b, 1);
	CHECK_INT(jfield_bool(doc, "auth.n", &b, err, sizeof(err)), 0);
	CHECK_INT(b, 0);
	CHECK_INT(jfield_bool(doc, "auth.x", &b, err, sizeof(err)),
	    ERR_FORMAT);
	CHECK(strstr(err, "a number, not a boolean") != NULL);
	CHECK_INT(jfield_bool(doc, "auth.none", &b, err, sizeof(err)),
	    ERR_NOTFOUND);
	jfield_free(doc);

	CHECK_INT(jfield_object(kv, 2, &s, err, sizeof(err)), 0);
	CHECK_INT((int)s->len, (int)strlen("{\"role_id\":\"r\\\"1\\\\\","
	    "\"secret_id\":\"s\\n\\u0001\xc3\xa9\"}"));
	CHECK(memcmp(s->data, "{\"role_id\":\"r\\\"1\\\\\",\"secret_id\":"
	    "\"s\\n\\u0001\xc3\xa9\"}", s->len) == 0);
	secret_free(s);
	CHECK_INT(jfield_object(bad, 1, &s, err, sizeof(err)), ERR_FORMAT);
	CHECK(s == NULL);
	CHECK(strstr(err, "jwt") != NULL && strchr(err, '\xff') == NULL);
}
