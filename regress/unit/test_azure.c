/*
 * The azure provider's references and the rule of which hosts get its
 * token (providers/azure.c), and form bodies (providers/formenc.c).
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/azure.h"
#include "../../providers/formenc.h"
#include "../../providers/provider_impl.h"

/* Set up under suffix (NULL: the default), with IMDS: nothing to read. */
static int
setup(const char *suffix)
{
	char	 err[512];

	azure_cleanup();
	unsetenv("AZURE_CLIENT_SECRET");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	unsetenv("IDENTITY_ENDPOINT");
	unsetenv("AZURE_CLIENT_ID");
	if (suffix != NULL)
		setenv("AZURE_KEYVAULT_DNS_SUFFIX", suffix, 1);
	else
		unsetenv("AZURE_KEYVAULT_DNS_SUFFIX");
	return azure_setup(err, sizeof(err));
}

static int
parse(const char *ref, struct azure_ref *ar)
{
	char	 err[PROVIDER_ERRLEN];

	return azure_ref_parse(ref, ar, err, sizeof(err));
}

TEST(azure_ref_forms)
{
	struct azure_ref	 ar;

	REQUIRE(setup(NULL) == 0);
	CHECK_INT(parse("my-vault/db-pass", &ar), 0);
	CHECK_STR(ar.host, "my-vault.vault.azure.net");
	CHECK_INT(ar.port, 443);
	CHECK_STR(ar.name, "db-pass");
	CHECK_STR(ar.version, "");
	CHECK_INT(parse("kv1/db/0123456789abcdef0123456789abcdef", &ar), 0);
	CHECK_STR(ar.host, "kv1.vault.azure.net");
	CHECK_STR(ar.version, "0123456789abcdef0123456789abcdef");
	CHECK_INT(parse("https://kv1.vault.azure.net/secrets/db", &ar), 0);
	CHECK_STR(ar.host, "kv1.vault.azure.net");
	CHECK_INT(parse("https://KV1.Vault.Azure.Net:8443/secrets/db/v1/",
	    &ar), 0);
	CHECK_INT(ar.port, 8443);
	CHECK_STR(ar.version, "v1");
	/* Names: letters, digits, '-'; nothing to escape in the path. */
	CHECK_INT(parse("kv1/db_pass", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1/db%2F..", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1/db/v-1", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1/db/v1/x", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1/", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1", &ar), ERR_FORMAT);
	CHECK_INT(parse("k.v/db", &ar), ERR_FORMAT);
	CHECK_INT(parse("kv1/db\n", &ar), ERR_FORMAT);
	CHECK_INT(parse("https://kv1.vault.azure.net/keys/db", &ar),
	    ERR_FORMAT);
	CHECK_INT(parse("https://kv1.vault.azure.net/secrets/db?x=1", &ar),
	    ERR_FORMAT);
	azure_cleanup();
}

TEST(azure_token_hosts)
{
	struct azure_ref	 ar;

	REQUIRE(setup(NULL) == 0);
	/* One label before the suffix, https: nothing else. */
	CHECK_INT(parse("https://vault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	CHECK_INT(parse("https://a.b.vault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	CHECK_INT(parse("https://kv1.vault.azure.net.evil.example/secrets/db",
	    &ar), ERR_DENIED);
	CHECK_INT(parse("https://kv1xvault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	CHECK_INT(parse("https://kv1.evilvault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	CHECK_INT(parse("http://kv1.vault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	CHECK_INT(parse("https://127.0.0.1/secrets/db", &ar), ERR_DENIED);
	CHECK_INT(parse("https://user@kv1.vault.azure.net/secrets/db", &ar),
	    ERR_FORMAT);
	/* A sovereign cloud's suffix, written with the CLI's dot. */
	REQUIRE(setup(".vault.azure.cn") == 0);
	CHECK_INT(parse("kv1/db", &ar), 0);
	CHECK_STR(ar.host, "kv1.vault.azure.cn");
	CHECK_INT(parse("https://kv1.vault.azure.net/secrets/db", &ar),
	    ERR_DENIED);
	/* An address: itself, by URL only. */
	REQUIRE(setup("127.0.0.1") == 0);
	CHECK_INT(parse("https://127.0.0.1:4430/secrets/db", &ar), 0);
	CHECK_STR(ar.host, "127.0.0.1");
	CHECK_INT(ar.port, 4430);
	CHECK_INT(parse("https://127.0.0.2/secrets/db", &ar), ERR_DENIED);
	CHECK_INT(parse("kv1/db", &ar), ERR_FORMAT);
	/* Suffixes that would admit too much. */
	CHECK(setup("net") != 0);
	CHECK(setup("vault..net") != 0);
	CHECK(setup("vault.azure.net.") != 0);
	CHECK(setup("*.vault.azure.net") != 0);
	azure_cleanup();
	unsetenv("AZURE_KEYVAULT_DNS_SUFFIX");
}

TEST(form_encoding)
{
	struct form_field	 f[3] = {
		{ "grant_type", "client_credentials", 18 },
		{ "scope", "https://vault.azure.net/.default", 32 },
		{ "client_secret", "a+b/c=d e~f_g.h-\0z", 18 },
	};
	struct secret		*s;

	REQUIRE((s = form_encode(f, 3)) != NULL);
	CHECK_STR((char *)s->data, "grant_type=client_credentials&"
	    "scope=https%3A%2F%2Fvault.azure.net%2F.default&"
	    "client_secret=a%2Bb%2Fc%3Dd%20e~f_g.h-%00z");
	CHECK_INT(s->len, strlen((char *)s->data));
	secret_free(s);
	REQUIRE((s = form_encode(f, 0)) != NULL);
	CHECK_INT(s->len, 0);
	secret_free(s);
}
