/*
 * allowedClients against client certificates made here in memory
 * (worker/ctlsname.c): each kind of entry, the names' case, a NUL inside
 * a name, a wildcard that is not expanded, and the log's description.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ctlsname.h"
#include "test.h"
#include "testcerts.h"

static EVP_PKEY *
key(void)
{
	static EVP_PKEY	*k;

	if (k == NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return k;
}

/* A subjectAltName of one name of this type, its bytes as given. */
static X509 *
with_raw_san(const char *cn, int type, const char *name, size_t len)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*gn;
	ASN1_IA5STRING	*s;
	X509		*x;
	int		 ok;

	if ((x = testcert_make(cn, key(), NULL, NULL, 0, NULL)) == NULL)
		return NULL;
	gens = sk_GENERAL_NAME_new_null();
	gn = GENERAL_NAME_new();
	s = ASN1_IA5STRING_new();
	ok = gens != NULL && gn != NULL && s != NULL &&
	    ASN1_STRING_set(s, name, (int)len) == 1;
	if (ok) {
		GENERAL_NAME_set0_value(gn, type, s);
		s = NULL;
		ok = sk_GENERAL_NAME_push(gens, gn) > 0;
		if (ok)
			gn = NULL;
	}
	ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT) == 1 && X509_sign(x, key(), EVP_sha256()) > 0;
	ASN1_IA5STRING_free(s);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
allowed1(X509 *x, const char *entry)
{
	const char	*list[1] = { entry };

	return ctls_name_allowed(x, list, 1);
}

TEST(ctlsname_each_kind)
{
	const char	*two[] = { "CN=nobody", "URI:spiffe://x/app" };
	X509		*x;

	REQUIRE((x = testcert_make("app", key(), NULL, NULL, 0,
	    "DNS:app.test,URI:spiffe://x/app,email:a@b.test")) != NULL);
	CHECK_INT(ctls_name_allowed(x, NULL, 0), 1);
	CHECK_INT(allowed1(x, "CN=app"), 1);
	CHECK_INT(allowed1(x, "CN=App"), 0);
	CHECK_INT(allowed1(x, "CN=ap"), 0);
	CHECK_INT(allowed1(x, "CN=app2"), 0);
	CHECK_INT(allowed1(x, "CN="), 0);
	CHECK_INT(allowed1(x, "DNS:app.test"), 1);
	CHECK_INT(allowed1(x, "DNS:APP.Test"), 1);
	CHECK_INT(allowed1(x, "DNS:app.tes"), 0);
	CHECK_INT(allowed1(x, "DNS:app"), 0);
	CHECK_INT(allowed1(x, "URI:spiffe://x/app"), 1);
	CHECK_INT(allowed1(x, "URI:spiffe://x/App"), 0);
	CHECK_INT(allowed1(x, "URI:spiffe://x/ap"), 0);
	CHECK_INT(allowed1(x, "email:a@b.test"), 1);
	CHECK_INT(allowed1(x, "email:A@B.TEST"), 1);
	CHECK_INT(allowed1(x, "email:b.test"), 0);
	/* A name of one kind does not stand for another. */
	CHECK_INT(allowed1(x, "DNS:spiffe://x/app"), 0);
	CHECK_INT(allowed1(x, "URI:app.test"), 0);
	CHECK_INT(allowed1(x, "CN=app.test"), 0);
	CHECK_INT(allowed1(x, "DNS:a@b.test"), 0);
	/* Neither another spelling of the kind nor a bare name. */
	CHECK_INT(allowed1(x, "cn=app"), 0);
	CHECK_INT(allowed1(x, "dns:app.test"), 0);
	CHECK_INT(allowed1(x, "app"), 0);
	CHECK_INT(allowed1(x, ""), 0);
	CHECK_INT(ctls_name_allowed(x, two, 2), 1);
	CHECK_INT(ctls_name_allowed(x, two, 1), 0);
	X509_free(x);
}

/* "app.test\0.evil" is not app.test, whatever C strings would say. */
TEST(ctlsname_nul_inside)
{
	static const char dns[] = "app.test\0.evil";
	static const char uri[] = "spiffe://x/app\0/evil";
	static const char mail[] = "a@b.test\0.evil";
	X509		*x;

	REQUIRE((x = with_raw_san("x", GEN_DNS, dns, sizeof(dns) - 1)) !=
	    NULL);
	CHECK_INT(allowed1(x, "DNS:app.test"), 0);
	X509_free(x);
	REQUIRE((x = with_raw_san("x", GEN_URI, uri, sizeof(uri) - 1)) !=
	    NULL);
	CHECK_INT(allowed1(x, "URI:spiffe://x/app"), 0);
	X509_free(x);
	REQUIRE((x = with_raw_san("x", GEN_EMAIL, mail, sizeof(mail) - 1)) !=
	    NULL);
	CHECK_INT(allowed1(x, "email:a@b.test"), 0);
	X509_free(x);
	/* The same bytes without the NUL: the helper makes a name that does. */
	REQUIRE((x = with_raw_san("x", GEN_DNS, dns, 8)) != NULL);
	CHECK_INT(allowed1(x, "DNS:app.test"), 1);
	X509_free(x);
}

/* A wildcard in the certificate is one more character. */
TEST(ctlsname_wildcard_not_expanded)
{
	X509	*x;

	REQUIRE((x = testcert_make("w", key(), NULL, NULL, 0,
	    "DNS:*.app.test")) != NULL);
	CHECK_INT(allowed1(x, "DNS:a.app.test"), 0);
	CHECK_INT(allowed1(x, "DNS:*.app.test"), 0);
	X509_free(x);
}

/* Without a subjectAltName only CN= can name it. */
TEST(ctlsname_no_san)
{
	X509	*x;

	REQUIRE((x = testcert_make("app", key(), NULL, NULL, 0, NULL)) !=
	    NULL);
	CHECK_INT(allowed1(x, "CN=app"), 1);
	CHECK_INT(allowed1(x, "DNS:app"), 0);
	X509_free(x);
}

TEST(ctlsname_describe)
{
	static const char evil[] = "app.test\n\033[31m";
	char		 d[512], small[12];
	X509		*x;

	REQUIRE((x = testcert_make("app", key(), NULL, NULL, 0,
	    "DNS:app.test,URI:spiffe://x/app,email:a@b.test,IP:127.0.0.1"))
	    != NULL);
	ctls_name_describe(x, d, sizeof(d));
	CHECK_STR(d, "CN=app; DNS:app.test; URI:spiffe://x/app; "
	    "email:a@b.test");
	ctls_name_describe(x, small, sizeof(small));
	CHECK_STR(small, "CN=app; DNS");
	X509_free(x);
	/* Control characters never reach a log line. */
	REQUIRE((x = with_raw_san("a\tb", GEN_DNS, evil, sizeof(evil) - 1)) !=
	    NULL);
	ctls_name_describe(x, d, sizeof(d));
	CHECK_STR(d, "CN=a?b; DNS:app.test??[31m");
	X509_free(x);
}
