/*
 * The HTTP connectors' configuration (httpconf.c): Secretless Broker's
 * settings and airlock's own, the shared listeners (http_group), and an
 * error at FILE:LINE:COLUMN for every mistake, none with a literal
 * credential in it.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "confdump.h"
#include "conftext.h"
#include "httpconf.h"
#include "test.h"

#define SECRET	"hunter2-Zq9"

#define HEAD	"version: 2\nservices:\n"
/* A basic_auth service on 8080 (lines 3-10 of a file after HEAD). */
#define ZETA	"  zeta:\n    connector: basic_auth\n" \
	"    listenOn: tcp://127.0.0.1:8080\n" \
	"    credentials: {username: u, password: " SECRET "}\n" \
	"    config:\n      authenticateURLsMatching: ^http://z\\.example/\n" \
	"      forceSSL: true\n"
/* A generic_http service: its config: follows (line 8 or 9 on). */
#define GEN0	"  gen:\n    connector: generic_http\n" \
	"    listenOn: tcp://127.0.0.1:8081\n" \
	"    credentials: {token: " SECRET ", user: u}\n    config:\n"
#define GEN	GEN0 "      authenticateURLsMatching: ^https://\n"

static const struct http_conf *
hconf(const struct config *cf, size_t i)
{
	return cf->services[i].conn_conf;
}

static struct config *
load_ok(const char *text)
{
	struct config	*cf;
	char		 err[1024];

	if ((cf = config_from_text(text, NULL, err, sizeof(err))) == NULL)
		printf("    %s\n", err);
	return cf;
}

/*
 * Two services of the family on one listenOn share it: the group in name
 * order, its listener the first by name; every setting as written.
 */
/*
 * A worker's group is its listener's services only: a service of another
 * listenOn is never one a request of this worker can be routed to.
 */
TEST(httpconf_group_is_one_listener)
{
	const struct service	*g[4];
	struct config		*cf;

	cf = load_ok(HEAD ZETA
	    "  alpha:\n    connector: basic_auth\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {username: u, password: " SECRET "}\n"
	    "    config: {authenticateURLsMatching: ^https://a\\.example/}\n"
	    "  beta:\n    connector: basic_auth\n"
	    "    listenOn: tcp://127.0.0.1:8081\n"
	    "    credentials: {username: u, password: " SECRET "}\n"
	    "    config: {authenticateURLsMatching: ^https://b\\.example/}\n");
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 3);
	REQUIRE(http_group(cf, config_service(cf, "alpha"), g, 4) == 2);
	CHECK_STR(g[0]->name, "alpha");
	CHECK_STR(g[1]->name, "zeta");
	REQUIRE(http_group(cf, config_service(cf, "beta"), g, 4) == 1);
	CHECK_STR(g[0]->name, "beta");
	config_free(cf);
}

TEST(httpconf_shared_group)
{
	const struct service	*g[4];
	const struct http_conf	*h;
	struct config		*cf;

	cf = load_ok(HEAD ZETA
	    "  alpha:\n    connector: generic_http\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {token: " SECRET ", ck: a, cs: b, t: c, "
	    "ts: d}\n"
	    "    config:\n"
	    "      headers: {X-Api-Key: \"{{ .token }}\"}\n"
	    "      queryParams: {key: \"{{ .token }}\"}\n"
	    "      oauth1: {token_secret: \"{{ .ts }}\", token: \"{{ .t }}\", "
	    "consumer_secret: \"{{ .cs }}\", consumer_key: \"{{ .ck }}\"}\n"
	    "      credentialValidations: {token: '^[a-z0-9-]+$'}\n"
	    "      authenticateURLsMatching: [^https://a\\.example/, "
	    "^https://b\\.example/]\n"
	    "      allowLoopback: yes\n"
	    "  mid:\n    connector: aws\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {accessKeyId: a, secretAccessKey: " SECRET "}\n"
	    "    config: {authenticateURLsMatching: ^https://, "
	    "allowPlainHTTP: true}\n");
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	REQUIRE(cf->nservices == 3);
	REQUIRE(http_group(cf, &cf->services[0], g, 4) == 3);
	CHECK_STR(g[0]->name, "alpha");
	CHECK_STR(g[1]->name, "mid");
	CHECK_STR(g[2]->name, "zeta");
	/* Room for two: the first two by name. */
	REQUIRE(http_group(cf, &cf->services[2], g, 2) == 2);
	CHECK_STR(g[0]->name, "alpha");
	CHECK_STR(g[1]->name, "mid");
	CHECK(config_listener(cf, &cf->services[0]) == &cf->services[1]);
	CHECK(config_listener(cf, &cf->services[1]) == &cf->services[1]);

	h = hconf(cf, 0);
	REQUIRE(h != NULL);
	CHECK_INT(h->npatterns, 1);
	CHECK_STR(http_regex_pattern(h->patterns[0]), "^http://z\\.example/");
	CHECK_INT(h->force_ssl, 1);
	CHECK_INT(h->allow_plain_http, 0);
	CHECK_INT(h->passthrough, 0);
	REQUIRE(h->nheaders == 1);
	CHECK_STR(h->headers[0].name, "Authorization");
	CHECK_STR(gotmpl_name(h->headers[0].tmpl, 0), "username");
	CHECK_STR(gotmpl_name(h->headers[0].tmpl, 1), "password");
	/* RFC 7617: no colon in the user-id, wherever it is. */
	REQUIRE(h->nvalidations == 1);
	CHECK_STR(h->validations[0].cred, "username");
	CHECK_INT(http_regex_match(h->validations[0].re, "user", 4), 1);
	CHECK_INT(http_regex_match(h->validations[0].re, "us:er", 5), 0);

	h = hconf(cf, 1);
	REQUIRE(h != NULL);
	CHECK_INT(h->npatterns, 2);
	CHECK_INT(h->allow_loopback, 1);
	CHECK_INT(h->force_ssl, 0);
	REQUIRE(h->nheaders == 1);
	CHECK_STR(h->headers[0].name, "X-Api-Key");
	REQUIRE(h->nquery == 1);
	CHECK_STR(h->query[0].name, "key");
	REQUIRE(h->noauth1 == 4);
	CHECK_STR(h->oauth1[0].name, "consumer_key");
	CHECK_STR(h->oauth1[1].name, "consumer_secret");
	CHECK_STR(h->oauth1[2].name, "token");
	CHECK_STR(h->oauth1[3].name, "token_secret");
	CHECK_STR(gotmpl_name(h->oauth1[3].tmpl, 0), "ts");
	REQUIRE(h->nvalidations == 1);
	CHECK_STR(h->validations[0].cred, "token");

	h = hconf(cf, 2);
	REQUIRE(h != NULL);
	CHECK_INT(h->allow_plain_http, 1);
	CHECK_INT(h->nheaders, 0);
	config_free(cf);
}

/* Only the family shares; the listener's settings are the group's. */
TEST(httpconf_shared_refused)
{
	conftext_error(HEAD ZETA
	    "  db:\n    connector: pg\n    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {host: h, username: u}\n", 12, 15,
	    "listenOn tcp://127.0.0.1:8080 is already used by service zeta "
	    "(line 3); only services of the connectors basic_auth, conjur, "
	    "aws, generic_http may share one", SECRET);
	conftext_error(HEAD
	    "  db:\n    connector: pg\n    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {host: h, username: u}\n" ZETA, 9, 15,
	    "listenOn tcp://127.0.0.1:8080 is already used by service db",
	    SECRET);
	conftext_error(HEAD
	    "  a:\n    connector: conjur\n    listenOn: unix:///tmp/h.sock\n"
	    "    credentials: {accessToken: " SECRET "}\n"
	    "    config: {authenticateURLsMatching: ^https://}\n"
	    "  b:\n    connector: conjur\n    listenOn: unix:///tmp/h.sock\n"
	    "    credentials: {accessToken: " SECRET "}\n"
	    "    config: {authenticateURLsMatching: ^https://, "
	    "socketMode: \"0600\"}\n", 10, 15,
	    "service b shares listenOn unix:///tmp/h.sock with service a "
	    "(line 3), and must have the same settings of the listener",
	    SECRET);
}

TEST(httpconf_errors)
{
	/* authenticateURLsMatching: required, patterns, strings. */
	conftext_error(HEAD "  gen:\n    connector: conjur\n"
	    "    listenOn: tcp://127.0.0.1:8081\n"
	    "    credentials: {accessToken: " SECRET "}\n", 3, 3,
	    "service gen (conjur) needs config.authenticateURLsMatching",
	    SECRET);
	conftext_error(HEAD GEN0 "      headers: {X: a}\n"
	    "      authenticateURLsMatching: []\n", 9, 33,
	    "service gen: config.authenticateURLsMatching is empty", SECRET);
	conftext_error(HEAD GEN0 "      headers: {X: a}\n"
	    "      authenticateURLsMatching: [\"(x\"]\n", 9, 34,
	    "config.authenticateURLsMatching: \"(x\": ", SECRET);
	conftext_error(HEAD GEN0 "      headers: {X: a}\n"
	    "      authenticateURLsMatching: [[x]]\n", 9, 34,
	    "config.authenticateURLsMatching must be a regular expression or "
	    "a list of them", SECRET);
	conftext_error(HEAD GEN "      headers: {X: a}\n"
	    "      forceSSL: maybe\n", 10, 17,
	    "service gen: config.forceSSL must be true or false", SECRET);

	/* Headers: tokens, not airlock's own, once each. */
	conftext_error(HEAD GEN "      headers: {\"X Key\": a}\n", 9, 17,
	    "config.headers: \"X Key\" is not a header name (RFC 9110 5.1: a "
	    "token)", SECRET);
	conftext_error(HEAD GEN "      headers: {host: a}\n", 9, 17,
	    "service gen: config.headers: airlock writes Host itself; a "
	    "template may not set it", SECRET);
	conftext_error(HEAD GEN "      headers:\n"
	    "        transfer-encoding: chunked\n", 10, 9,
	    "airlock writes Transfer-Encoding itself", SECRET);
	conftext_error(HEAD GEN "      headers: {X-A: a, x-a: b}\n", 9, 25,
	    "config.headers: x-a twice", SECRET);
	conftext_error(HEAD GEN "      headers: {X-A: [a]}\n", 9, 22,
	    "service gen: config.headers.X-A must be a template", SECRET);
	conftext_error(HEAD GEN "      headers: [a]\n", 9, 16,
	    "config.headers must be a mapping of names to templates", SECRET);

	/* Go's text/template beyond the subset: refused, saying what. */
	conftext_error(HEAD GEN
	    "      headers: {X-A: \"{{ .token | upper }}\"}\n",
	    9, 22, "service gen: config.headers.X-A: function upper is not "
	    "supported", SECRET);
	/* Templates read the service's credentials only. */
	conftext_error(HEAD GEN "      headers: {X-A: \"{{ .password }}\"}\n",
	    9, 22, "service gen: config.headers.X-A reads credential "
	    "password, which the service does not have", SECRET);
	conftext_error(HEAD GEN "      queryParams: {k: \"{{ .nope }}\"}\n",
	    9, 24, "config.queryParams.k reads credential nope", SECRET);

	/* oauth1: its four keys and no other; not with Authorization. */
	conftext_error(HEAD GEN
	    "      oauth1: {consumer_key: \"{{ .user }}\"}\n",
	    9, 15, "service gen: config.oauth1 needs consumer_secret", SECRET);
	conftext_error(HEAD GEN "      oauth1: {realm: x}\n", 9, 16,
	    "config.oauth1.realm is not an OAuth 1.0a setting (known: "
	    "consumer_key, consumer_secret, token, token_secret)", SECRET);
	conftext_error(HEAD GEN "      headers: {authorization: x}\n"
	    "      oauth1: {consumer_key: a, consumer_secret: b, token: c, "
	    "token_secret: d}\n", 10, 15,
	    "config.oauth1 writes the Authorization header, which "
	    "config.headers sets too", SECRET);

	/* credentialValidations: of the service's credentials, patterns. */
	conftext_error(HEAD GEN "      headers: {X: a}\n"
	    "      credentialValidations: {password: x}\n", 10, 31,
	    "config.credentialValidations names credential password, which "
	    "the service does not have", SECRET);
	conftext_error(HEAD GEN "      headers: {X: a}\n"
	    "      credentialValidations: {token: \"(\"}\n", 10, 38,
	    "service gen: config.credentialValidations.token: ", SECRET);
}

/* passthrough: the explicit opt-in to forwarding without credentials. */
TEST(httpconf_passthrough)
{
	struct config	*cf;

	conftext_error(HEAD GEN, 3, 3, "service gen (generic_http) adds no "
	    "credentials: it needs config.headers, queryParams or oauth1, "
	    "or passthrough: true", SECRET);
	conftext_error(HEAD GEN "      passthrough: true\n", 9, 20,
	    "service gen: passthrough forwards requests with nothing added, "
	    "and takes no credentials", SECRET);
	conftext_error(HEAD "  open:\n    connector: generic_http\n"
	    "    listenOn: tcp://127.0.0.1:8081\n    config:\n"
	    "      authenticateURLsMatching: ^http://\n"
	    "      passthrough: true\n      headers: {X-A: b}\n", 8, 20,
	    "and takes no headers, queryParams or oauth1", NULL);
	/* No credentials to protect: no word of plain http. */
	cf = load_ok(HEAD "  open:\n    connector: generic_http\n"
	    "    listenOn: tcp://127.0.0.1:8081\n    config:\n"
	    "      authenticateURLsMatching: ^http://\n"
	    "      passthrough: true\n");
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	CHECK_INT(hconf(cf, 0)->passthrough, 1);
	CHECK_INT(hconf(cf, 0)->nheaders, 0);
	config_free(cf);
}

TEST(httpconf_warnings)
{
	struct config	*cf;

	/* Credentials would go in clear: said once, at the service. */
	cf = conftext_warning(HEAD "  c:\n    connector: conjur\n"
	    "    listenOn: tcp://127.0.0.1:8081\n"
	    "    credentials: {accessToken: " SECRET "}\n"
	    "    config:\n      authenticateURLsMatching: [^https://, "
	    "^http://]\n", 3, 3, "service c: requests to http:// URLs get no "
	    "credentials and are refused (403): set forceSSL: true to send "
	    "them over https, or allowPlainHTTP: true to send the credentials "
	    "in clear");
	config_free(cf);
	/* Keys that Secretless ignores (its own test file has one). */
	cf = conftext_warning(HEAD GEN "      headers: {X: \"{{ .token }}\"}\n"
	    "      credentialValidations: {user: '^u$'}\n"
	    "      credentialPatterns: {token: x}\n", 11, 7,
	    "service gen: config.credentialPatterns is not a generic_http "
	    "setting; ignored, as Secretless Broker ignores it (known: "
	    "authenticateURLsMatching, forceSSL, allowPlainHTTP, passthrough, "
	    "allowLoopback, authenticationStrategy, headers, queryParams, "
	    "oauth1, credentialValidations)");
	config_free(cf);
	/* generic_http: a credential that nothing reads. */
	cf = conftext_warning(HEAD GEN "      headers: {X: \"{{ .token }}\"}\n",
	    6, 39, "service gen: credential \"user\" is read by no template; "
	    "ignored");
	if (cf != NULL)
		CHECK(strstr(cf->warnings[0], SECRET) == NULL);
	config_free(cf);
	cf = conftext_warning(HEAD ZETA "      headers: {X: a}\n", 10, 7,
	    "service zeta: config.headers is not a basic_auth setting");
	config_free(cf);
	/* basic_auth takes no other credential. */
	cf = conftext_warning(HEAD "  zeta:\n    connector: basic_auth\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {username: u, password: " SECRET ", x: y}\n"
	    "    config: {authenticateURLsMatching: ^https://}\n", 6, 55,
	    "service zeta: credential \"x\" is not a basic_auth setting");
	config_free(cf);
	cf = conftext_warning(HEAD "  a:\n    connector: aws\n"
	    "    listenOn: tcp://127.0.0.1:8080\n"
	    "    credentials: {accessKeyId: a, secretAccessKey: " SECRET
	    ", accessToken: t, region: r}\n"
	    "    config: {authenticateURLsMatching: ^https://}\n", 6, 81,
	    "service a: credential \"region\" is not a aws setting");
	config_free(cf);
}

#define ROOTS	"/etc/ssl/certs/ca-certificates.crt"

/*
 * httpCABundle and SECRETLESS_HTTP_CA_BUNDLE: PEM roots, read at load
 * through StrictModes.
 */
TEST(httpconf_ca_bundle)
{
	struct config	*cf;
	char		 path[] = "/tmp/airlock-roots-XXXXXX", text[256];
	int		 fd;

	conftext_error("version: 2\nairlock: {httpCABundle: roots.pem}\n", 2,
	    25, "airlock.httpCABundle must be an absolute path", NULL);
	conftext_error("version: 2\nairlock: {httpCABundle: /nonexistent}\n",
	    2, 25, "airlock.httpCABundle: cannot load CA certificates from "
	    "/nonexistent", NULL);
	/* Not PEM. */
	conftext_error("version: 2\nairlock: {httpCABundle: /etc/passwd}\n",
	    2, 25, "airlock.httpCABundle: cannot load CA certificates from "
	    "/etc/passwd", NULL);
	/* Roots that anyone may change vouch for anything: refused. */
	REQUIRE((fd = mkstemp(path)) != -1);
	CHECK(fchmod(fd, 0666) == 0);
	close(fd);
	snprintf(text, sizeof(text), "version: 2\nairlock: {httpCABundle: "
	    "%s}\n", path);
	conftext_error(text, 2, 25, "airlock.httpCABundle: cannot load CA "
	    "certificates from /tmp/airlock-roots-", NULL);
	unlink(path);

	cf = load_ok("version: 2\nairlock: {httpCABundle: " ROOTS "}\n"
	    "services:\n" ZETA);
	REQUIRE(cf != NULL);
	CHECK_STR(cf->http_ca_bundle, ROOTS);
	CHECK(cf->http_ca_env == NULL);
	config_free(cf);

	/* Secretless Broker's variable, checked as the key is. */
	setenv("SECRETLESS_HTTP_CA_BUNDLE", "/nonexistent", 1);
	conftext_error(HEAD ZETA, 1, 1, "SECRETLESS_HTTP_CA_BUNDLE: cannot "
	    "load CA certificates from /nonexistent", SECRET);
	setenv("SECRETLESS_HTTP_CA_BUNDLE", ROOTS, 1);
	cf = load_ok(HEAD ZETA);
	unsetenv("SECRETLESS_HTTP_CA_BUNDLE");
	REQUIRE(cf != NULL);
	CHECK_STR(cf->http_ca_env, ROOTS);
	CHECK(cf->http_ca_bundle == NULL);
	config_free(cf);
}

/* airlockd -T: the settings and templates as written, nothing rendered. */
TEST(httpconf_dump)
{
	struct config	*cf;
	char		*out = NULL;
	size_t		 n;
	FILE		*f;

	cf = load_ok("version: 2\nairlock: {httpCABundle: " ROOTS "}\n"
	    "services:\n" GEN "      headers: {X-Api-Key: \"{{ .token }}\"}\n"
	    "      allowLoopback: true\n");
	REQUIRE(cf != NULL);
	REQUIRE((f = open_memstream(&out, &n)) != NULL);
	confdump_print(f, cf, NULL);
	fclose(f);
	REQUIRE(out != NULL);
	CHECK(strstr(out, "\n  httpCABundle: " ROOTS "\n") != NULL);
	CHECK(strstr(out, "\n        X-Api-Key: \"{{ .token }}\"\n") != NULL);
	CHECK(strstr(out, "\n      allowLoopback: \"true\"\n") != NULL);
	CHECK(strstr(out, "\n      authenticateURLsMatching: \"^https://\"\n")
	    != NULL);
	free(out);
	config_free(cf);
}
