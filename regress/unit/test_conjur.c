/*
 * The conjur provider's pieces that need no server: references as
 * Secretless Broker reads them ("id", "kind:id", "account:kind:id",
 * "accessToken"), the full id of a batch answer's key, and the
 * percent-encoding of the parts of a request's path.
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "test.h"
#include "../../providers/conjur.h"

TEST(conjur_ref_forms)
{
	struct conjur_ref	 cr;
	char			 err[256], id[1200];

	CHECK_INT(conjur_ref_parse("db/password", "dev", &cr, err,
	    sizeof(err)), 0);
	CHECK_STR(cr.account, "dev");
	CHECK_STR(cr.kind, "variable");
	CHECK_STR(cr.id, "db/password");
	CHECK_INT(cr.is_token, 0);
	CHECK_INT(conjur_ref_parse("host:web/1", "dev", &cr, err,
	    sizeof(err)), 0);
	CHECK_STR(cr.account, "dev");
	CHECK_STR(cr.kind, "host");
	CHECK_STR(cr.id, "web/1");
	/* The id keeps the ':' after the second, as Secretless splits. */
	CHECK_INT(conjur_ref_parse("prod:variable:a:b:c", "dev", &cr, err,
	    sizeof(err)), 0);
	CHECK_STR(cr.account, "prod");
	CHECK_STR(cr.kind, "variable");
	CHECK_STR(cr.id, "a:b:c");
	CHECK_INT(conjur_full_id(&cr, id, sizeof(id)), 0);
	CHECK_STR(id, "prod:variable:a:b:c");
	CHECK_INT(conjur_full_id(&cr, id, 8), ERR_TOOBIG);
	CHECK_INT(conjur_ref_parse("accessToken", "dev", &cr, err,
	    sizeof(err)), 0);
	CHECK_INT(cr.is_token, 1);
}

TEST(conjur_ref_bad)
{
	static const char *const bad[] = {
		"", ":x", "x:", "a::x", "::", "a:b:", "x\ny", "x\ty",
	};
	struct conjur_ref	 cr;
	char			 err[256], big[700];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(conjur_ref_parse(bad[i], "dev", &cr, err,
		    sizeof(err)) == ERR_FORMAT);
		CHECK(strncmp(err, "conjur: reference ", 18) == 0);
	}
	/* An id over 512 bytes; a kind over 64. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(conjur_ref_parse(big, "dev", &cr, err, sizeof(err)),
	    ERR_TOOBIG);
	big[65] = ':';
	big[67] = '\0';
	CHECK_INT(conjur_ref_parse(big, "dev", &cr, err, sizeof(err)),
	    ERR_TOOBIG);
	/* A kind of 64 bytes is one. */
	big[64] = ':';
	big[65] = 'a';
	CHECK_INT(conjur_ref_parse(big, "dev", &cr, err, sizeof(err)), 0);
	CHECK_INT((int)strlen(cr.kind), 64);
	CHECK_STR(cr.id, "aa");
}

TEST(conjur_uri_encoding)
{
	char	 uri[64] = "/api/secrets";

	/* url.PathEscape of an id: '/' too, and every reserved byte. */
	CHECK_INT(conjur_uri_add(uri, sizeof(uri), "/", "dev"), 0);
	CHECK_INT(conjur_uri_add(uri, sizeof(uri), "/", "a/b c+d,e%"), 0);
	CHECK_STR(uri, "/api/secrets/dev/a%2Fb%20c%2Bd%2Ce%25");
	CHECK_INT(conjur_uri_add(uri, sizeof(uri), "%2C", "x~y-_.z"), 0);
	CHECK_STR(uri, "/api/secrets/dev/a%2Fb%20c%2Bd%2Ce%25%2Cx~y-_.z");
	/* Too long: nothing appended. */
	CHECK_INT(conjur_uri_add(uri, sizeof(uri), "/", "0123456789abcdef"),
	    ERR_TOOBIG);
	CHECK_STR(uri, "/api/secrets/dev/a%2Fb%20c%2Bd%2Ce%25%2Cx~y-_.z");
}
