/*
 * The keyring provider's references (providers/keyring.c): which keyring
 * a prefix names, what the description is, what is refused before any
 * keyctl(2).  The keys themselves are read for real in
 * regress/t/provider-keyring.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/provider_impl.h"

static void
check_ref(const char *ref, int want_which, const char *want_desc)
{
	const char	*desc = NULL;
	int		 which = -1;

	CHECK_INT(keyring_parse_ref(ref, &which, &desc), 0);
	CHECK_INT(which, want_which);
	CHECK_STR(desc, want_desc);
}

TEST(keyring_ref_forms)
{
	check_ref("db-password", KEYRING_ANY, "db-password");
	check_ref("@s:db", KEYRING_SESSION, "db");
	check_ref("@u:db", KEYRING_USER, "db");
	check_ref("@p:db", KEYRING_PERSISTENT, "db");
	/* One prefix only: the rest is the description, whatever it is. */
	check_ref("@u:@s:db", KEYRING_USER, "@s:db");
	check_ref("@u:svc#acc", KEYRING_USER, "svc#acc");
	/* Not a prefix: another keyring name, or no colon. */
	check_ref("@g:db", KEYRING_ANY, "@g:db");
	check_ref("@u", KEYRING_ANY, "@u");
	check_ref("@udb", KEYRING_ANY, "@udb");
	check_ref("db:@u:", KEYRING_ANY, "db:@u:");
}

TEST(keyring_ref_refused)
{
	struct secret	*s = (struct secret *)1;
	const char	*desc;
	char		*big, err[256];
	int		 which;

	CHECK_INT(keyring_parse_ref("", &which, &desc), ERR_INVAL);
	CHECK_INT(keyring_parse_ref("@u:", &which, &desc), ERR_INVAL);
	CHECK_INT(keyring_parse_ref("@p:", &which, &desc), ERR_INVAL);
	/* The kernel takes descriptions of up to 4095 bytes. */
	REQUIRE((big = malloc(4100)) != NULL);
	memset(big, 'k', 4099);
	big[4099] = '\0';
	memcpy(big, "@u:", 3);
	big[3 + 4095] = '\0';
	CHECK_INT(keyring_parse_ref(big, &which, &desc), 0);
	CHECK_INT(strlen(desc), 4095);
	big[3 + 4095] = 'k';
	big[3 + 4096] = '\0';
	CHECK_INT(keyring_parse_ref(big, &which, &desc), ERR_INVAL);
	free(big);

	/* Refused before any look-up, with a message that says the form. */
	CHECK_INT(keyring_get_one("@s:", &s, err, sizeof(err)), ERR_INVAL);
	CHECK(s == NULL);
	CHECK(strstr(err, "alone or after @s:, @u: or @p:") != NULL);
	s = (struct secret *)1;
	CHECK_INT(keychain_get_one("service", &s, err, sizeof(err)),
	    ERR_INVAL);
	CHECK(s == NULL);
	CHECK_STR(err, "keychain: service: expected service#account");
	CHECK_INT(keychain_get_one("#account", &s, err, sizeof(err)),
	    ERR_INVAL);
	CHECK_INT(keychain_get_one("service#", &s, err, sizeof(err)),
	    ERR_INVAL);
}
