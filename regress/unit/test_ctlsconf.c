/*
 * clientTLS in a service's config: (monitor/ctlsconf.c): what loads, what
 * is refused and where, the option the worker is told, and the rule for
 * listeners beyond loopback.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "conftext.h"
#include "ctls.h"
#include "test.h"

#define HEAD	"version: 2\nservices:\n  db:\n    connector: pg\n"
#define LOCAL	"    listenOn: tcp://127.0.0.1:5432\n"
#define ANY	"    listenOn: tcp://0.0.0.0:5432\n"
#define CREDS	"    credentials: {host: h, username: u}\n"
#define CFG	"    config:\n      clientTLS:\n"
#define CERT	"        certificate: {from: file, get: /etc/airlock/l.crt}\n"
#define KEY	"        key: {from: env, get: LISTENER_KEY}\n"
#define CA	"        clientCA: {from: file, get: /etc/airlock/ca.crt}\n"

static struct config *
load(const char *text)
{
	char		 err[1024];
	struct config	*cf;

	if ((cf = config_from_text(text, NULL, err, sizeof(err))) == NULL)
		printf("    %s\n", err);
	return cf;
}

TEST(ctlsconf_loads)
{
	struct config		*cf;
	const struct client_tls	*ct;

	cf = load(HEAD LOCAL CREDS CFG CERT KEY CA
	    "        allowedClients: [\"CN=app\", \"DNS:app.test\", "
	    "\"URI:spiffe://x/app\", \"email:a@b.test\"]\n"
	    "      credentialCacheTTL: 30s\n");
	REQUIRE(cf != NULL);
	ct = cf->services[0].client_tls;
	REQUIRE(ct != NULL);
	/* A CA without clientAuth: cert is what it means. */
	CHECK_INT(ct->auth, CTLS_AUTH_CERT_V);
	CHECK_INT(ct->nallowed, 4);
	CHECK_STR(ct->allowed[1], "DNS:app.test");
	/* Resolved as a service of its own, with the service's name and TTL. */
	CHECK_STR(ct->res.name, "db");
	CHECK_INT(ct->res.ncreds, 3);
	CHECK_INT(ct->res.cache_ttl_ms, 30000);
	CHECK(service_credential(&ct->res, "key") != NULL);
	CHECK_STR(service_credential(&ct->res, "key")->provider, "env");
	/* Not among the service's own credentials. */
	CHECK(service_credential(&cf->services[0], "key") == NULL);
	CHECK_STR(kv_get(&cf->services[0].config, CTLS_OPTION, NULL),
	    CTLS_AUTH_CERT);
	config_free(cf);

	cf = load(HEAD LOCAL CREDS CFG CERT KEY);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->services[0].client_tls->auth, CTLS_AUTH_NONE_V);
	CHECK_STR(kv_get(&cf->services[0].config, CTLS_OPTION, NULL),
	    CTLS_AUTH_NONE);
	config_free(cf);

	/* Without clientTLS the worker hears nothing of it. */
	cf = load(HEAD LOCAL CREDS);
	REQUIRE(cf != NULL);
	CHECK(cf->services[0].client_tls == NULL);
	CHECK(kv_get(&cf->services[0].config, CTLS_OPTION, NULL) == NULL);
	config_free(cf);
}

TEST(ctlsconf_errors)
{
	conftext_error(HEAD LOCAL CREDS CFG KEY, 9, 9,
	    "config.clientTLS needs certificate and key", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY
	    "        clientAuth: cert\n", 9, 9,
	    "clientAuth: cert needs clientCA", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY CA
	    "        clientAuth: none\n", 9, 9,
	    "clientCA is given, and clientAuth is none", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY
	    "        allowedClients: CN=app\n", 9, 9,
	    "allowedClients needs clientAuth: cert", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY CA
	    "        allowedClients: [app]\n", 12, 26,
	    "app is not CN=name, DNS:name, URI:uri or email:address", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY CA
	    "        allowedClients: [\"CN=\"]\n", 12, 26, "is not CN=name",
	    NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY CA
	    "        allowedClients: []\n", 12, 25, "needs from 1 to 64 names",
	    NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY
	    "        clientAuth: maybe\n", 11, 21,
	    "config.clientTLS.clientAuth must be none or cert", NULL);
	conftext_error(HEAD LOCAL CREDS CFG CERT KEY "        cipher: x\n", 11,
	    9, "unknown key cipher in config.clientTLS (known: "
	    "certificate, key, clientCA, clientAuth, allowedClients)", NULL);
	conftext_error(HEAD LOCAL CREDS "    config: {clientTLS: yes}\n", 7, 25,
	    "config.clientTLS must be a mapping", NULL);
	/* A literal key is a secret: the message must not show it. */
	conftext_error(HEAD LOCAL CREDS CFG CERT
	    "        key: {from: literal}\n", 10, 14,
	    "credential key of service db needs both from and get",
	    NULL);
	conftext_error("version: 2\nservices:\n  s:\n    connector: ssh\n"
	    LOCAL "    credentials: {address: h, privateKey: k}\n"
	    CFG CERT KEY, 9, 9, "config.clientTLS: the ssh connector does not "
	    "serve TLS to its clients", NULL);
}

TEST(ctlsconf_nonloopback)
{
	struct config	*cf;

	/* Clients with certificates may come from anywhere. */
	cf = load(HEAD ANY CREDS CFG CERT KEY CA);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
	/* TLS alone is no authentication. */
	conftext_error(HEAD ANY CREDS CFG CERT KEY, 5, 15,
	    "not a loopback address; clients there would get the service's "
	    "credentials without authenticating; ask them for certificates",
	    NULL);
	/* The explicit opt-out loads, and says what it means. */
	cf = conftext_warning(HEAD ANY CREDS
	    "    config: {allowNonLoopback: true}\n", 5, 15,
	    "service db: listenOn 0.0.0.0:5432 is not a loopback address, "
	    "and its clients show no certificate (config.clientTLS with "
	    "clientAuth: cert): whoever reaches it uses the service's "
	    "credentials");
	config_free(cf);
}

/* Services that share an HTTP listener share its clientTLS. */
TEST(ctlsconf_shared_listener)
{
	static const char head[] = "version: 2\nservices:\n"
	    "  a:\n    connector: basic_auth\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {username: u, password: p}\n"
	    "    config:\n      authenticateURLsMatching: ^http://a\n"
	    "      clientTLS:\n" CERT KEY
	    "  b:\n    connector: basic_auth\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {username: u, password: p}\n"
	    "    config:\n      authenticateURLsMatching: ^http://b\n";
	char		 text[2048];
	struct config	*cf;

	snprintf(text, sizeof(text), "%s      clientTLS:\n" CERT KEY, head);
	cf = load(text);
	CHECK(cf != NULL);
	config_free(cf);
	conftext_error(head, 14, 15, "must have the same settings of the "
	    "listener (allowNonLoopback, socketMode, socketOwner, "
	    "socketGroup, allowedUsers, allowedGroups, clientTLS)", NULL);
}
