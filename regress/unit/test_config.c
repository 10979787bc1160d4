/*
 * The configuration loader: Secretless Broker v2 files as they are, the
 * airlock section, and an error with FILE:LINE:COLUMN for every mistake,
 * none of which may repeat a literal credential.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"
#include "log.h"
#include "dbconfig.h"
#include "secret.h"
#include "test.h"
#include "util.h"

/* Every literal password in these files; no message may contain it. */
#define SECRET	"hunter2-Zq9"

static char	 tmppath[CONFTEXT_PATH_LEN];

/* cleartextPassword, as the pg connector's check made it. */
#define CLEARTEXT(s)	(((const struct db_conf *)(s)->conn_conf)->cleartext)

static struct config *
load(const char *text, char *err, size_t errlen)
{
	return config_from_text(text, tmppath, err, errlen);
}

/*
 * The file must be refused with an error at line:col that contains want,
 * and the error must not contain the secret.
 */
static void
expect_error(const char *text, int line, int col, const char *want)
{
	conftext_error(text, line, col, want, SECRET);
}

static const char good_v2[] =
    "version: 2\n"
    "services:\n"
    "  orders-db:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5432\n"
    "    credentials:\n"
    "      host: db.example.com\n"
    "      port: 5433\n"
    "      username: orders\n"
    "      password: " SECRET "\n"
    "      sslmode:\n"
    "        from: env\n"
    "        get: PGSSLMODE\n"
    "      sslrootcert:\n"
    "        from: file\n"
    "        get: /etc/ssl/ca.pem\n"
    "    config:\n"
    "      cleartextPassword: never\n"
    "      application_name: airlock\n"
    "  billing-db:\n"
    "    connector: pg\n"
    "    listenOn: tcp://[::1]:6432\n"
    "    credentials:\n"
    "      host: {from: literal, get: billing.internal}\n"
    "      username: {from: env, get: BILLING_USER}\n"
    "  0-local:\n"
    "    connector: pg\n"
    "    listenOn: tcp://localhost:7432\n"
    "    credentials: {host: h, username: u}\n";

TEST(config_good_v2)
{
	struct config		*cf;
	const struct credential	*cr;
	const struct service	*s;
	char			 err[1024];

	cf = load(good_v2, err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 3);

	/* File order, not name order. */
	s = &cf->services[0];
	CHECK_STR(s->name, "orders-db");
	CHECK_STR(s->connector, "pg");
	CHECK_STR(s->listen, "tcp://127.0.0.1:5432");
	CHECK_INT(s->listen_kind, LISTEN_TCP);
	CHECK_STR(s->listen_host, "127.0.0.1");
	CHECK_STR(s->listen_port, "5432");
	CHECK(s->listen_path == NULL);
	CHECK_INT(s->line, 3);
	CHECK_INT(s->col, 3);
	CHECK_INT(s->ncreds, 6);
	CHECK_STR(s->creds[0].name, "host");
	CHECK_STR(s->creds[0].provider, "literal");
	CHECK_STR(s->creds[0].ref, "db.example.com");
	cr = service_credential(s, "password");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "literal");
	CHECK_STR(cr->ref, SECRET);
	CHECK_INT(cr->line, 10);
	CHECK_INT(cr->col, 17);
	cr = service_credential(s, "sslmode");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "env");
	CHECK_STR(cr->ref, "PGSSLMODE");
	cr = service_credential(s, "sslrootcert");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "file");
	CHECK_STR(cr->ref, "/etc/ssl/ca.pem");
	CHECK(service_credential(s, "nope") == NULL);
	CHECK_STR(kv_get(&s->config, "application_name", NULL), "airlock");
	CHECK_STR(kv_get(&s->config, "cleartextPassword", NULL), "never");
	REQUIRE(s->conn_conf != NULL);
	CHECK_INT(CLEARTEXT(s), CLEARTEXT_NEVER);
	CHECK_INT(s->allow_nonloopback, 0);

	s = &cf->services[1];
	CHECK_STR(s->name, "billing-db");
	CHECK_STR(s->listen_host, "::1");
	CHECK_STR(s->listen_port, "6432");
	/* Never, unless the service says otherwise. */
	REQUIRE(s->conn_conf != NULL);
	CHECK_INT(CLEARTEXT(s), CLEARTEXT_NEVER);
	cr = service_credential(s, "host");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "literal");
	CHECK_STR(cr->ref, "billing.internal");
	CHECK_INT(s->config.n, 0);

	s = &cf->services[2];
	CHECK_STR(s->name, "0-local");
	CHECK_STR(s->listen_host, "localhost");

	/* The airlock section's defaults. */
	CHECK_STR(cf->user, "_airlock");
	CHECK_STR(cf->chroot_dir, "/var/empty/airlock");
	CHECK(cf->worker_path == NULL);
	CHECK_INT(cf->handshake_timeout_ms, 30000);
	CHECK_INT(cf->dial_timeout_ms, 10000);
	CHECK_INT(cf->provider_timeout_ms, 10000);
	CHECK_INT(cf->idle_timeout_ms, 0);
	CHECK_INT(cf->drain_timeout_ms, 30000);
	CHECK_INT(cf->max_workers, 1000);
	CHECK_INT(cf->pool_min_idle, 4);
	CHECK_INT(cf->pool_max_idle, 32);
	CHECK_INT(cf->sandbox_debug, 0);
	CHECK_INT(cf->log_level, LOG_LVL_INFO);
	CHECK(strstr(cf->path, "/tmp/airlock-cfg-") == cf->path);
	config_free(cf);
}

TEST(config_version_string)
{
	struct config	*cf;
	char		 err[1024];

	cf = load("version: \"2\"\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n", err, sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
	cf = load("version: '2'\n"
	    "services: {db: {connector: pg, listenOn: 'tcp://127.0.0.2:1',\n"
	    "  credentials: {host: h, username: u}}}\n", err, sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
}

TEST(config_literal_scalars)
{
	struct config		*cf;
	const struct credential	*cr;
	char			 err[1024];

	cf = load("version: 2\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials:\n"
	    "      host: 10.0.0.5\n"
	    "      username: \"app\"\n"
	    "      password: ''\n"
	    "      sslmode: verify-full\n"
	    "      port: 5432\n"
	    "      options: \"-c search_path=app\"\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 1);
	CHECK_INT(cf->services[0].ncreds, 6);
	cr = service_credential(&cf->services[0], "password");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "literal");
	CHECK_STR(cr->ref, "");
	cr = service_credential(&cf->services[0], "options");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->ref, "-c search_path=app");
	config_free(cf);
}

TEST(config_from_get)
{
	struct config		*cf;
	const struct credential	*cr;
	char			 err[1024];

	cf = load("version: 2\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials:\n"
	    "      host:\n"
	    "        from: literal\n"
	    "        get: db\n"
	    "      username:\n"
	    "        get: PGUSER\n"
	    "        from: env\n"
	    "      password:\n"
	    "        from: file\n"
	    "        get: /run/secrets/db.yml#postgres.password\n",
	    err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	cr = service_credential(&cf->services[0], "username");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "env");
	CHECK_STR(cr->ref, "PGUSER");
	cr = service_credential(&cf->services[0], "password");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "file");
	CHECK_STR(cr->ref, "/run/secrets/db.yml#postgres.password");
	CHECK_INT(cr->line, 15);
	CHECK_INT(cr->col, 14);
	config_free(cf);
}

TEST(config_protocol_spelling)
{
	struct config	*cf;
	char		 err[1024];

	cf = load("version: 2\n"
	    "services:\n"
	    "  db:\n"
	    "    protocol: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_STR(cf->services[0].connector, "pg");
	config_free(cf);
}

TEST(config_unix_listen)
{
	struct config	*cf;
	struct passwd	*pw;
	struct group	*gr;
	char		 text[1024], err[1024], user[64], group[64];

	REQUIRE((pw = getpwuid(getuid())) != NULL);
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	REQUIRE((gr = getgrgid(getgid())) != NULL);
	snprintf(group, sizeof(group), "%s", gr->gr_name);

	snprintf(text, sizeof(text), "version: 2\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: unix:///run/airlock/.s.PGSQL.5432\n"
	    "    credentials: {host: h, username: u}\n"
	    "    config:\n"
	    "      socketMode: \"0600\"\n"
	    "      socketOwner: %s\n"
	    "      socketGroup: %s\n", user, group);
	cf = load(text, err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->services[0].listen_kind, LISTEN_UNIX);
	CHECK_STR(cf->services[0].listen_path, "/run/airlock/.s.PGSQL.5432");
	CHECK(cf->services[0].listen_host == NULL);
	CHECK_INT(cf->services[0].socket_mode, 0600);
	CHECK_STR(cf->services[0].socket_owner, user);
	CHECK_STR(cf->services[0].socket_group, group);
	/* airlock's own, not a setting of the worker's. */
	CHECK(kv_get(&cf->services[0].config, "socketMode", NULL) == NULL);
	config_free(cf);

	/* Default mode, and a plain 0660 (a YAML int for others). */
	cf = load("version: 2\n"
	    "services:\n"
	    "  a:\n"
	    "    connector: pg\n"
	    "    listenOn: unix:///tmp/a.sock\n"
	    "    credentials: {host: h, username: u}\n"
	    "  b:\n"
	    "    connector: pg\n"
	    "    listenOn: unix:///tmp/b.sock\n"
	    "    credentials: {host: h, username: u}\n"
	    "    config: {socketMode: 0640}\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->services[0].socket_mode, 0660);
	CHECK_INT(cf->services[1].socket_mode, 0640);
	config_free(cf);
}

TEST(config_nonloopback_allowed)
{
	struct config	*cf;
	char		 err[1024];

	cf = load("version: 2\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://0.0.0.0:5432\n"
	    "    credentials: {host: h, username: u}\n"
	    "    config:\n"
	    "      allowNonLoopback: yes\n"
	    "      cleartextPassword: always\n", err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->services[0].allow_nonloopback, 1);
	CHECK_INT(CLEARTEXT(&cf->services[0]), CLEARTEXT_ALWAYS);
	CHECK(kv_get(&cf->services[0].config, "allowNonLoopback", NULL) ==
	    NULL);
	CHECK_STR(kv_get(&cf->services[0].config, "cleartextPassword", NULL),
	    "always");
	config_free(cf);
}

TEST(config_airlock_section)
{
	struct config	*cf;
	char		 err[1024];

	cf = load("version: 2\n"
	    "airlock:\n"
	    "  user: nobody\n"
	    "  chroot: /var/empty\n"
	    "  worker: /usr/libexec/airlock/airlock-worker\n"
	    "  handshakeTimeout: 250ms\n"
	    "  dialTimeout: 5\n"
	    "  providerTimeout: 2m\n"
	    "  idleTimeout: 0\n"
	    "  drainTimeout: 1h\n"
	    "  maxWorkers: 100000\n"
	    "  sandboxDebug: true\n"
	    "  logLevel: debug\n"
	    "  watch: true\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n", err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_STR(cf->user, "nobody");
	CHECK_STR(cf->chroot_dir, "/var/empty");
	CHECK_STR(cf->worker_path, "/usr/libexec/airlock/airlock-worker");
	CHECK_INT(cf->handshake_timeout_ms, 250);
	CHECK_INT(cf->dial_timeout_ms, 5000);
	CHECK_INT(cf->provider_timeout_ms, 120000);
	CHECK_INT(cf->idle_timeout_ms, 0);
	CHECK_INT(cf->drain_timeout_ms, 3600000);
	CHECK_INT(cf->max_workers, 100000);
	CHECK_INT(cf->sandbox_debug, 1);
	CHECK_INT(cf->log_level, LOG_LVL_DEBUG);
	CHECK_INT(cf->watch, 1);
	config_free(cf);

	cf = load("version: 2\n"
	    "airlock: {idleTimeout: 24h, dialTimeout: 1ms, logLevel: error}\n"
	    "services:\n"
	    "  db:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->idle_timeout_ms, 86400000);
	CHECK_INT(cf->dial_timeout_ms, 1);
	CHECK_INT(cf->log_level, LOG_LVL_ERROR);
	CHECK_INT(cf->watch, 0);
	config_free(cf);
}

TEST(config_merge_keys)
{
	struct config		*cf;
	const struct credential	*cr;
	char			 err[1024];

	cf = load("version: 2\n"
	    "x-creds: &creds\n"
	    "  host: db\n"
	    "  username: app\n"
	    "  password: " SECRET "\n"
	    "services:\n"
	    "  a:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: *creds\n", err, sizeof(err));
	/* Unknown top-level keys stay errors, anchors or not. */
	CHECK(cf == NULL);
	CHECK(strstr(err, "unknown top-level key x-creds") != NULL);
	CHECK(strstr(err, SECRET) == NULL);

	cf = load("version: 2\n"
	    "services:\n"
	    "  a:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: &creds\n"
	    "      host: db\n"
	    "      username: app\n"
	    "      password: " SECRET "\n"
	    "  b:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5433\n"
	    "    credentials:\n"
	    "      <<: *creds\n"
	    "      username: other\n", err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 2);
	CHECK_INT(cf->services[1].ncreds, 3);
	cr = service_credential(&cf->services[1], "username");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->ref, "other");
	cr = service_credential(&cf->services[1], "password");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->ref, SECRET);
	config_free(cf);
}

/* The head of a valid file, for errors further down. */
#define HEAD	"version: 2\nservices:\n  db:\n"
#define PG	"    connector: pg\n"
#define LOCAL	"    listenOn: tcp://127.0.0.1:5432\n"
#define CREDS	"    credentials: {host: h, username: u, password: " SECRET "}\n"

TEST(config_errors_top)
{
	struct config	*cf;
	char		 err[256];

	CHECK(config_load("/nonexistent/airlock.yml", err, sizeof(err)) ==
	    NULL);
	CHECK(strstr(err, "/nonexistent/airlock.yml: ") == err);

	expect_error("", 1, 1, "empty");
	expect_error("- 1\n- 2\n", 1, 1, "must be a mapping");
	/*
	 * Services without version (Secretless's oauth1 example writes
	 * "genericversion: 2"): Secretless reads version 1 and serves
	 * nothing; airlock reads version 2, and says so.
	 */
	cf = conftext_warning("services:\n  db:\n" PG LOCAL CREDS, 1, 1,
	    "no version: without version, Secretless Broker reads this file "
	    "as version 1 and serves nothing from it; airlock reads its "
	    "services as version 2 (write version: 2)");
	if (cf != NULL)
		CHECK_STR(cf->services[0].connector, "pg");
	config_free(cf);
	cf = conftext_warning("genericversion: 2\nservices:\n  db:\n" PG
	    LOCAL CREDS, 1, 1, "unknown top-level key genericversion is ignored: "
	    "without version, Secretless Broker reads this file as version 1");
	config_free(cf);
	expect_error("services:\n  db:\n    connector: pg\n", 2, 3,
	    "service db needs listenOn");
	/* Version 1 files are converted (test_confv1.c). */
	expect_error("listeners: []\nhandlers: []\n", 1, 12,
	    "a version 1 file needs listeners");
	expect_error("version: 1\nservices: {}\n", 2, 1,
	    "a version 1 file: unknown key services");
	expect_error("version: \"1\"\n", 1, 1,
	    "a version 1 file needs listeners");
	expect_error("version: 3\n", 1, 10, "unsupported version 3");
	expect_error("version: 2\n", 1, 1, "at least one service");
	expect_error("version: 2\nservices:\n", 2, 10,
	    "at least one service");
	expect_error("version: 2\nservices: {}\n", 2, 11,
	    "at least one service");
	expect_error("version: 2\nservices: []\n", 2, 11, "must be a mapping");
	expect_error("version: 2\nextra: 1\nservices: {}\n", 2, 1,
	    "unknown top-level key extra");
	expect_error("version: 2\nversion: 2\n", 2, 1, "duplicate key version");
	expect_error(HEAD PG LOCAL CREDS "---\nversion: 2\n", 8, 1,
	    "more than one YAML document");
	/* A YAML syntax error, right after a literal password. */
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: " SECRET "\n"
	    "     host: x\n", 8, 6, "");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: \"" SECRET "\n", 8, 1, "");
}

TEST(config_errors_service)
{
	expect_error(HEAD, 3, 3, "service db has no settings");
	expect_error(HEAD "    - pg\n", 4, 5, "service db must be a mapping");
	expect_error(HEAD LOCAL CREDS, 3, 3, "service db needs a connector");
	expect_error(HEAD "    connector: mssql\n" LOCAL CREDS, 4, 16,
	    "connector mssql is not supported yet");
	expect_error(HEAD "    connector: oracle\n" LOCAL CREDS, 4, 16,
	    "unknown connector oracle (known: pg, mysql, basic_auth, conjur, "
	    "aws, generic_http, ssh-agent, ssh)");
	/* The health listener's row is not a service's connector. */
	expect_error(HEAD "    connector: health\n" LOCAL CREDS, 4, 16,
	    "unknown connector health (known: pg, mysql, basic_auth, conjur, "
	    "aws, generic_http, ssh-agent, ssh)");
	expect_error(HEAD "    connector: {x: 1}\n" LOCAL CREDS, 4, 16,
	    "connector must be a scalar");
	expect_error(HEAD PG CREDS, 3, 3, "service db needs listenOn");
	expect_error(HEAD PG LOCAL CREDS
	    "  db2:\n" PG LOCAL CREDS, 9, 15,
	    "listenOn tcp://127.0.0.1:5432 is already used by service db");
	expect_error(HEAD PG "    listenOn: unix:///tmp/x\n" CREDS
	    "  db2:\n" PG "    listenOn: unix:///tmp/x\n" CREDS, 9, 15,
	    "already used by service db");
	expect_error(HEAD PG LOCAL CREDS "    config: [1]\n", 7, 13,
	    "config must be a mapping");
	expect_error(HEAD PG LOCAL CREDS "    config:\n      opts: {a: 1}\n",
	    8, 13, "config.opts: connector pg takes only scalar settings");
	expect_error(HEAD PG LOCAL CREDS "    config:\n      a: 1\n      a: 2\n",
	    9, 7, "duplicate key a");
}

TEST(config_errors_listen)
{
	expect_error(HEAD PG "    listenOn: 127.0.0.1:5432\n" CREDS, 5, 15,
	    "expected tcp://HOST:PORT");
	expect_error(HEAD PG "    listenOn: http://127.0.0.1:5432\n" CREDS,
	    5, 15, "expected tcp://HOST:PORT");
	expect_error(HEAD PG "    listenOn: tcp://127.0.0.1\n" CREDS, 5, 15,
	    "no port");
	expect_error(HEAD PG "    listenOn: tcp://127.0.0.1:0\n" CREDS, 5, 15,
	    "port must be a number from 1 to 65535");
	expect_error(HEAD PG "    listenOn: tcp://127.0.0.1:65536\n" CREDS,
	    5, 15, "port must be");
	expect_error(HEAD PG "    listenOn: tcp://127.0.0.1:54x\n" CREDS,
	    5, 15, "port must be");
	expect_error(HEAD PG "    listenOn: tcp://:5432\n" CREDS, 5, 15,
	    "no host");
	expect_error(HEAD PG "    listenOn: tcp://::1:5432\n" CREDS, 5, 15,
	    "in brackets");
	expect_error(HEAD PG "    listenOn: tcp://[::1:5432\n" CREDS, 5, 15,
	    "expected tcp://[IPV6]:PORT");
	expect_error(HEAD PG "    listenOn: tcp://[nope]:5432\n" CREDS, 5, 15,
	    "not an IPv6 address");
	expect_error(HEAD PG "    listenOn: tcp://127.1:5432\n" CREDS, 5, 15,
	    "not a valid host name");
	expect_error(HEAD PG "    listenOn: tcp://a_b:5432\n" CREDS, 5, 15,
	    "not a valid host name");
	expect_error(HEAD PG "    listenOn: unix://tmp/x\n" CREDS, 5, 15,
	    "must be absolute");
	expect_error(HEAD PG "    listenOn: unix:///tmp/"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" CREDS, 5, 15,
	    "longer than 107 bytes");
	expect_error(HEAD PG "    listenOn: tcp://0.0.0.0:5432\n" CREDS, 5, 15,
	    "listenOn 0.0.0.0:5432 is not a loopback address; clients there "
	    "would get the service's credentials without authenticating; ask "
	    "them for certificates (config.clientTLS with clientAuth: cert), "
	    "or set config.allowNonLoopback: true if that is intended");
	expect_error(HEAD PG "    listenOn: tcp://[::]:5432\n" CREDS, 5, 15,
	    "listenOn [::]:5432 is not a loopback address");
	expect_error(HEAD PG "    listenOn: tcp://db.example.com:5432\n" CREDS,
	    5, 15, "not a loopback address");
	expect_error(HEAD PG "    listenOn: tcp://0.0.0.0:5432\n" CREDS
	    "    config: {allowNonLoopback: false}\n", 5, 15,
	    "not a loopback address");
	expect_error(HEAD PG LOCAL CREDS "    config: {allowNonLoopback: 1}\n",
	    7, 32, "config.allowNonLoopback must be true or false");
	expect_error(HEAD PG LOCAL CREDS "    config: {cleartextPassword: x}\n",
	    7, 33, "must be one of tls, always, never");
	expect_error(HEAD PG LOCAL CREDS "    config: {socketMode: \"0660\"}\n",
	    7, 14, "socketMode applies to unix listeners only");
	expect_error(HEAD PG "    listenOn: unix:///tmp/s\n" CREDS
	    "    config: {socketMode: \"rw\"}\n", 7, 26,
	    "octal mode");
	expect_error(HEAD PG "    listenOn: unix:///tmp/s\n" CREDS
	    "    config: {socketMode: \"4755\"}\n", 7, 26, "octal mode");
	expect_error(HEAD PG "    listenOn: unix:///tmp/s\n" CREDS
	    "    config: {socketOwner: no-such-user-zz}\n", 7, 27,
	    "no user no-such-user-zz");
	expect_error(HEAD PG "    listenOn: unix:///tmp/s\n" CREDS
	    "    config: {socketGroup: no-such-group-zz}\n", 7, 27,
	    "no group no-such-group-zz");
}

TEST(config_errors_credentials)
{
	expect_error(HEAD PG LOCAL "    credentials: [" SECRET "]\n", 6, 18,
	    "credentials must be a mapping");
	expect_error(HEAD PG LOCAL "    credentials:\n      password: [" SECRET
	    "]\n", 7, 17, "credential password of service db must be a value "
	    "or a mapping");
	expect_error(HEAD PG LOCAL "    credentials:\n      password:\n", 7, 16,
	    "credential password of service db has no value");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {from: literal, get: " SECRET ", as: x}\n",
	    7, 51, "unknown key as (known: from, get)");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {get: " SECRET "}\n", 7, 17,
	    "needs both from and get");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {from: env}\n", 7, 17, "needs both from and get");
	/* A provider that cannot work fails the check where it is named. */
	unsetenv("VAULT_TOKEN");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {from: vault, get: secret/db#password}\n", 7, 24,
	    "provider vault: VAULT_TOKEN is not set");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {from: magic, get: x}\n", 7, 24,
	    "unknown provider magic (known: literal, env, file, vault, "
	    "conjur, aws, kubernetes, keychain, credential, systemd, gcp, "
	    "azure, keyring)");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: {from: literal, get: [" SECRET "]}\n", 7, 38,
	    "get needs a scalar value");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: " SECRET "\n"
	    "      password: " SECRET "\n", 8, 7, "duplicate key password");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      password: \"" SECRET "\\0x\"\n", 7, 17, "NUL byte");
	/* pg's own needs. */
	expect_error(HEAD PG LOCAL "    credentials: {username: u, password: "
	    SECRET "}\n", 3, 3, "service db (pg) needs credential host");
	expect_error(HEAD PG LOCAL "    credentials: {host: h, password: "
	    SECRET "}\n", 3, 3, "service db (pg) needs credential username");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      host: h\n      username: u\n"
	    "      sslmode: " SECRET "\n", 9, 16,
	    "credential sslmode of service db must be one of disable, require, "
	    "verify-ca, verify-full");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      host: h\n      username: u\n"
	    "      port: " SECRET "\n", 9, 13,
	    "credential port of service db must be a number from 1 to 65535");
	expect_error(HEAD PG LOCAL "    credentials:\n"
	    "      host: h\n      username: u\n"
	    "      port: {from: literal, get: 70000}\n", 9, 34,
	    "credential port");
}

TEST(config_errors_airlock)
{
	expect_error("version: 2\nairlock: [1]\n", 2, 10,
	    "the airlock section must be a mapping");
	expect_error("version: 2\nairlock: {color: blue}\n", 2, 11,
	    "unknown key color in the airlock section");
	expect_error("version: 2\nairlock: {handshakeTimeout: 0}\n", 2, 29,
	    "airlock.handshakeTimeout must lie between 1ms and 1h");
	expect_error("version: 2\nairlock: {dialTimeout: 61m}\n", 2, 24,
	    "airlock.dialTimeout must lie between 1ms and 1h");
	expect_error("version: 2\nairlock: {idleTimeout: 25h}\n", 2, 24,
	    "airlock.idleTimeout must lie between 0 and 24h");
	expect_error("version: 2\nairlock: {drainTimeout: 10 s}\n", 2, 25,
	    "expected a duration");
	expect_error("version: 2\nairlock: {drainTimeout: -1}\n", 2, 25,
	    "expected a duration");
	expect_error("version: 2\nairlock: {drainTimeout: 9999999999}\n", 2,
	    25, "expected a duration");
	expect_error("version: 2\nairlock: {maxWorkers: 0}\n", 2, 23,
	    "airlock.maxWorkers must be a number from 1 to 100000");
	expect_error("version: 2\nairlock: {maxWorkers: 100001}\n", 2, 23,
	    "maxWorkers must be");
	expect_error("version: 2\nairlock: {workerPoolMinIdle: -1}\n", 2, 30,
	    "airlock.workerPoolMinIdle must be a number from 0 to 1000");
	expect_error("version: 2\nairlock: {workerPoolMaxIdle: 1001}\n", 2, 30,
	    "workerPoolMaxIdle must be");
	/* The pool grows from MinIdle to MaxIdle: not the other way. */
	expect_error("version: 2\nairlock: {workerPoolMinIdle: 8, "
	    "workerPoolMaxIdle: 4}\n", 2, 10, "airlock.workerPoolMaxIdle (4) "
	    "is below workerPoolMinIdle (8)");
	expect_error("version: 2\nairlock: {logLevel: loud}\n", 2, 21,
	    "airlock.logLevel must be one of error, warn, info, debug");
	expect_error("version: 2\nairlock: {sandboxDebug: maybe}\n", 2, 25,
	    "airlock.sandboxDebug must be true or false");
	expect_error("version: 2\nairlock: {watch: often}\n", 2, 18,
	    "airlock.watch must be true or false");
	expect_error("version: 2\nairlock: {chroot: var/empty}\n", 2, 19,
	    "airlock.chroot must be an absolute path");
	expect_error("version: 2\nairlock: {worker: }\n", 2, 19,
	    "airlock.worker needs a value");
}

/* logFormat, logTarget, syslogFacility: defaults, values, errors. */
TEST(config_log_output)
{
	struct config	*cf;
	char		 err[1024];
	int		 daemon_fac, local5;

	REQUIRE(log_facility("daemon", &daemon_fac) == 0);
	REQUIRE(log_facility("local5", &local5) == 0);
	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->log_format, LOG_FMT_TEXT);
	CHECK_INT(cf->log_target, LOG_TGT_STDERR);
	CHECK_INT(cf->syslog_facility, daemon_fac);
	config_free(cf);
	cf = load("version: 2\nairlock: {logFormat: json, logTarget: syslog, "
	    "syslogFacility: local5}\nservices:\n  db:\n" PG LOCAL CREDS, err,
	    sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->log_format, LOG_FMT_JSON);
	CHECK_INT(cf->log_target, LOG_TGT_SYSLOG);
	CHECK_INT(cf->syslog_facility, local5);
	config_free(cf);
	expect_error("version: 2\nairlock: {logFormat: xml}\n", 2, 22,
	    "airlock.logFormat must be text or json");
	expect_error("version: 2\nairlock: {logTarget: file}\n", 2, 22,
	    "airlock.logTarget must be stderr or syslog");
	expect_error("version: 2\nairlock: {syslogFacility: kern}\n", 2, 27,
	    "airlock.syslogFacility must be one of daemon, user, auth, "
	    "authpriv, local0 to local7");
	expect_error("version: 2\nairlock: {logTarget: [syslog]}\n", 2, 22,
	    "airlock.logTarget");
}

TEST(config_errors_aliases)
{
	struct config	*cf;
	char		 err[1024], fifo[64];

	/* A mapping that merges itself. */
	expect_error(HEAD PG LOCAL "    credentials: &c\n"
	    "      password: " SECRET "\n"
	    "      <<: *c\n", 6, 18, "nested too deeply");
	/* An alias cycle through a credential. */
	expect_error(HEAD PG LOCAL "    credentials: &c\n"
	    "      password: *c\n", 7, 7,
	    "credential password of service db: unknown key password");
	/* Merges that multiply: 4 levels of 8 would be 4681 merges. */
	cf = load("version: 2\n"
	    "services:\n"
	    "  a: &a {x: 1}\n"
	    "  b: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\n"
	    "  c: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b]}\n"
	    "  d: &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c]}\n"
	    "airlock: {<<: [*d, *d, *d, *d, *d, *d, *d, *d]}\n",
	    err, sizeof(err));
	CHECK(cf == NULL);
	CHECK(strstr(err, "more than 1024 merges") != NULL);

	/* A FIFO must not block the loader. */
	snprintf(fifo, sizeof(fifo), "/tmp/airlock-fifo-%d", (int)getpid());
	unlink(fifo);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	cf = config_load(fifo, err, sizeof(err));
	CHECK(cf == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(fifo);
}

/* A pg service's credentials with one more line, at line 9. */
#define PG_CREDS	HEAD PG LOCAL "    credentials:\n" \
	"      host: h\n      username: u\n"

/*
 * libpq's own settings are not startup parameters: as credentials they
 * would reach the server in clear and do nothing the user meant.
 */
TEST(config_pg_libpq_settings)
{
	static const char *const names[] = {
		"sslpassword", "passfile", "hostaddr", "sslcertmode", "sslcrl",
		"sslcrldir", "sslsni", "sslcompression", "requiressl",
		"requirepeer", "ssl_min_protocol_version",
		"ssl_max_protocol_version", "gssencmode", "gsslib",
		"gssdelegation", "krbsrvname", "connect_timeout", "keepalives",
		"keepalives_idle", "keepalives_interval", "keepalives_count",
		"tcp_user_timeout", "service", "target_session_attrs",
		"load_balance_hosts", "sslnegotiation",
		"fallback_application_name", "dbname",
	};
	char	 text[512], want[128];
	size_t	 i;

	for (i = 0; i < nitems(names); i++) {
		snprintf(text, sizeof(text), PG_CREDS
		    "      %s: {from: literal, get: " SECRET "}\n", names[i]);
		snprintf(want, sizeof(want), "service db: credential \"%s\" "
		    "is a libpq setting that airlock does not support",
		    names[i]);
		expect_error(text, 9, 7, want);
	}
	expect_error(PG_CREDS "      sslpassword: " SECRET "\n", 9, 7,
	    "would otherwise send to the server in clear, as a startup "
	    "parameter; give sslkey unencrypted");
}

/*
 * Any other unknown name goes to the server as a startup parameter, as in
 * Secretless Broker, with a warning at its place; pg's own names, and the
 * names that libpq itself sends as startup parameters, warn of nothing.
 */
TEST(config_pg_startup_warning)
{
	struct config	*cf;
	char		 err[1024], want[512];

	cf = load(PG_CREDS
	    "      search_path: {from: literal, get: " SECRET "}\n"
	    "      sslmode: require\n"
	    "      require_auth: scram-sha-256\n"
	    "      channel_binding: require\n"
	    "      work_mem: " SECRET "\n"
	    "      application_name: a\n      client_encoding: UTF8\n"
	    "      options: -cgeqo=off\n      replication: \"false\"\n",
	    err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 2);
	snprintf(want, sizeof(want), "%s:9:7: service db: credential "
	    "\"search_path\" is not a pg setting; it will be sent to the server "
	    "as the startup parameter \"search_path\", as Secretless Broker "
	    "does", tmppath);
	if (cf->nwarnings > 0)
		CHECK_STR(cf->warnings[0], want);
	if (cf->nwarnings > 1) {
		CHECK(strstr(cf->warnings[1], ":13:7: service db: credential "
		    "\"work_mem\" is not a pg setting") != NULL);
		CHECK(strstr(cf->warnings[1], SECRET) == NULL);
	}
	config_free(cf);

	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
}

/* workerMemoryLimit: a size, 128M by default, or none. */
TEST(config_worker_memory_limit)
{
	static const struct {
		const char	*text;
		long long	 want;
	} ok[] = {
		{ "64M", 64LL << 20 },
		{ "1G", 1LL << 30 },
		{ "65536K", 64LL << 20 },
		{ "2097152", 2LL << 20 },
		{ "none", 0 },
	};
	struct config	*cf;
	char		 text[512], err[1024];
	size_t		 i;

	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->worker_memory_limit, 128LL << 20);
	config_free(cf);
	for (i = 0; i < nitems(ok); i++) {
		snprintf(text, sizeof(text), "version: 2\n"
		    "airlock: {workerMemoryLimit: %s}\n"
		    "services:\n  db:\n" PG LOCAL CREDS, ok[i].text);
		cf = load(text, err, sizeof(err));
		if (cf == NULL)
			printf("    %s: %s\n", ok[i].text, err);
		REQUIRE(cf != NULL);
		CHECK_INT(cf->worker_memory_limit, ok[i].want);
		config_free(cf);
	}
	expect_error("version: 2\nairlock: {workerMemoryLimit: 512K}\n", 2, 30,
	    "airlock.workerMemoryLimit must lie between 1M and 64G");
	expect_error("version: 2\nairlock: {workerMemoryLimit: 65G}\n", 2, 30,
	    "airlock.workerMemoryLimit must lie between 1M and 64G");
	expect_error("version: 2\nairlock: {workerMemoryLimit: 64MB}\n", 2, 30,
	    "airlock.workerMemoryLimit: expected a size such as 64M or 1G, "
	    "or none");
	expect_error("version: 2\nairlock: {workerMemoryLimit: -1}\n", 2, 30,
	    "expected a size");
}

/*
 * secretMemory: auto, memfd_secret (required) or libsodium; and
 * secretMemorySize: a size from 64K to 1G, never none.
 */
TEST(config_secret_memory)
{
	struct config	*cf;
	char		 err[1024];

	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->secret_memory, SECRET_POLICY_AUTO);
	CHECK_INT(cf->secret_memory_size, 16LL << 20);
	config_free(cf);
	cf = load("version: 2\nairlock: {secretMemory: memfd_secret, "
	    "secretMemorySize: 64K}\nservices:\n  db:\n" PG LOCAL CREDS, err,
	    sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->secret_memory, SECRET_POLICY_REQUIRE);
	CHECK_INT(cf->secret_memory_size, 64LL << 10);
	config_free(cf);
	cf = load("version: 2\nairlock: {secretMemory: libsodium, "
	    "secretMemorySize: 1G}\nservices:\n  db:\n" PG LOCAL CREDS, err,
	    sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->secret_memory, SECRET_POLICY_SODIUM);
	CHECK_INT(cf->secret_memory_size, 1LL << 30);
	config_free(cf);
	expect_error("version: 2\nairlock: {secretMemory: memfd}\n", 2, 25,
	    "airlock.secretMemory must be one of auto, memfd_secret, "
	    "libsodium");
	expect_error("version: 2\nairlock: {secretMemorySize: 32K}\n", 2, 29,
	    "airlock.secretMemorySize must lie between 64K and 1G");
	expect_error("version: 2\nairlock: {secretMemorySize: 2G}\n", 2, 29,
	    "airlock.secretMemorySize must lie between 64K and 1G");
	expect_error("version: 2\nairlock: {secretMemorySize: none}\n", 2, 29,
	    "airlock.secretMemorySize: expected a size such as 64M or 1G");
}

/* perSourceMaxStartups and perSourceNetBlockSize, as OpenSSH's. */
TEST(config_per_source)
{
	struct config	*cf;
	char		 err[1024];

	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->per_source_max, 0);
	CHECK_INT(cf->per_source_v4, 32);
	CHECK_INT(cf->per_source_v6, 128);
	config_free(cf);
	cf = load("version: 2\nairlock:\n  perSourceMaxStartups: 10\n"
	    "  perSourceNetBlockSize: 24:56\nservices:\n  db:\n" PG LOCAL CREDS,
	    err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->per_source_max, 10);
	CHECK_INT(cf->per_source_v4, 24);
	CHECK_INT(cf->per_source_v6, 56);
	config_free(cf);
	cf = load("version: 2\nairlock:\n  perSourceMaxStartups: none\n"
	    "  perSourceNetBlockSize: 16\nservices:\n  db:\n" PG LOCAL CREDS,
	    err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->per_source_max, 0);
	CHECK_INT(cf->per_source_v4, 16);
	CHECK_INT(cf->per_source_v6, 128);
	config_free(cf);
	expect_error("version: 2\nairlock: {perSourceMaxStartups: 0}\n", 2, 33,
	    "airlock.perSourceMaxStartups must be a number from 1 to 100000, "
	    "or none");
	expect_error("version: 2\nairlock: {perSourceMaxStartups: 5:30:10}\n",
	    2, 33, "perSourceMaxStartups must be");
	expect_error("version: 2\nairlock: {perSourceNetBlockSize: 33}\n", 2,
	    34, "airlock.perSourceNetBlockSize must be V4 or V4:V6");
	expect_error("version: 2\nairlock: {perSourceNetBlockSize: 32:129}\n",
	    2, 34, "perSourceNetBlockSize must be");
	expect_error("version: 2\nairlock: {perSourceNetBlockSize: /24}\n", 2,
	    34, "perSourceNetBlockSize must be");
}

/* allowedUsers and allowedGroups of a Unix listener: names or numbers. */
#define UNIXSVC	"version: 2\nservices:\n  db:\n" PG \
	"    listenOn: unix:///tmp/db.sock\n" \
	"    credentials: {host: h, username: u}\n    config:\n"

TEST(config_peer_lists)
{
	struct config		*cf;
	const struct service	*s;
	char			 err[1024];

	cf = load(UNIXSVC "      allowedUsers: [root, 4242]\n", err,
	    sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	s = &cf->services[0];
	CHECK_INT(s->peer_check, 1);
	REQUIRE(s->nallowed_uids == 2);
	CHECK_INT(s->allowed_uids[0], 0);
	CHECK_INT(s->allowed_uids[1], 4242);
	CHECK_INT(s->nallowed_gids, 0);
	/* Not a setting of the worker's. */
	CHECK(kv_get(&s->config, "allowedUsers", NULL) == NULL);
	config_free(cf);

	cf = load(UNIXSVC "      allowedGroups: root\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	s = &cf->services[0];
	CHECK_INT(s->peer_check, 1);
	CHECK_INT(s->nallowed_uids, 0);
	REQUIRE(s->nallowed_gids == 1);
	CHECK_INT(s->allowed_gids[0], 0);
	config_free(cf);

	cf = load(UNIXSVC "      socketMode: \"0666\"\n", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->services[0].peer_check, 0);
	config_free(cf);

	expect_error(UNIXSVC "      allowedUsers: [root, no-such-user-zz]\n",
	    8, 28, "config.allowedUsers: no user no-such-user-zz");
	expect_error(UNIXSVC "      allowedGroups:\n        - no-such-group-zz\n",
	    9, 11, "config.allowedGroups: no group no-such-group-zz");
	expect_error(UNIXSVC "      allowedUsers: []\n", 8, 21,
	    "config.allowedUsers needs at least one user");
	expect_error(UNIXSVC "      allowedUsers: [[root]]\n", 8, 22,
	    "config.allowedUsers must be a scalar");
	expect_error(HEAD PG LOCAL CREDS "    config:\n"
	    "      allowedUsers: [root]\n", 8, 7,
	    "config.allowedUsers applies to unix listeners only");
}

/*
 * libpq's require_auth and channel_binding, when literal, are checked at
 * -t where they are written; a value from a provider is checked when it is
 * resolved (mon_pg.c).  The messages repeat no part of the value.
 */
#define PGAUTH	HEAD PG LOCAL "    credentials:\n      host: h\n" \
		"      username: u\n"
TEST(config_pg_auth_words)
{
	struct config	*cf;
	char		 err[1024];

	expect_error(PGAUTH "      require_auth: md5," SECRET "\n", 9, 21,
	    "credential require_auth of service db names an unknown method "
	    "(methods: password, md5, gss, sspi, scram-sha-256, none; all "
	    "plain or all negated with !)");
	expect_error(PGAUTH "      require_auth: \"!md5,scram-sha-256\"\n",
	    9, 21, "require_auth of service db mixes negated and plain "
	    "methods");
	expect_error(PGAUTH "      require_auth: md5,md5\n", 9, 21,
	    "require_auth of service db names a method twice");
	expect_error(PGAUTH "      channel_binding: " SECRET "\n", 9, 24,
	    "credential channel_binding of service db must be one of disable, "
	    "prefer, require");
	expect_error(PGAUTH "      sslmode: disable\n"
	    "      channel_binding: require\n", 10, 24,
	    "channel_binding require needs TLS, and sslmode is disable");

	cf = load(PGAUTH "      require_auth: \"!password, !md5\"\n"
	    "      channel_binding: require\n", err, sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
	cf = load(PGAUTH "      require_auth: scram-sha-256,none\n"
	    "      channel_binding: disable\n      sslmode: disable\n", err,
	    sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
	/* From a provider: checked when resolved, not now. */
	cf = load(PGAUTH "      require_auth: {from: env, get: NO_SUCH_VAR}\n"
	    "      channel_binding: {from: env, get: NO_SUCH_VAR}\n", err,
	    sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
}

/* One warning, at line:col, that contains want; the file loads. */
static struct config *
expect_warning(const char *text, int line, int col, const char *want)
{
	return conftext_warning(text, line, col, want);
}

/*
 * The config: section as a tree for the connector's check: nested
 * settings, merge keys resolved, positions kept; scalars that are not
 * airlock's own also as strings for the worker.
 */
TEST(config_settings_tree)
{
	struct config		*cf;
	const struct cfgnode	*t, *n;
	char			 err[1024];

	cf = load(HEAD PG LOCAL CREDS
	    "    config:\n"
	    "      <<: {cleartextPassword: tls, application_name: base}\n"
	    "      application_name: app\n"
	    "      allowNonLoopback: no\n", err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	t = cf->services[0].settings;
	REQUIRE(t != NULL);
	CHECK_INT(t->kind, CFG_MAP);
	CHECK_INT(t->nitems, 3);
	REQUIRE((n = cfgnode_get(t, "application_name")) != NULL);
	CHECK_STR(n->value, "app");
	CHECK_INT(n->line, 9);
	CHECK_INT(n->col, 25);
	CHECK_INT(n->key_line, 9);
	CHECK_INT(n->key_col, 7);
	REQUIRE((n = cfgnode_get(t, "cleartextPassword")) != NULL);
	CHECK_STR(n->value, "tls");
	CHECK_INT(n->line, 8);
	CHECK(cfgnode_get(t, "nope") == NULL);
	CHECK_INT(CLEARTEXT(&cf->services[0]), CLEARTEXT_TLS);
	CHECK_STR(kv_get(&cf->services[0].config, "application_name", NULL),
	    "app");
	CHECK(kv_get(&cf->services[0].config, "allowNonLoopback", NULL) ==
	    NULL);
	config_free(cf);

	/* No config: no tree, cleartext never. */
	cf = load(HEAD PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK(cf->services[0].settings == NULL);
	CHECK_INT(CLEARTEXT(&cf->services[0]), CLEARTEXT_NEVER);
	config_free(cf);

	/* Aliases that would multiply a tree, and a cycle. */
	expect_error(HEAD PG LOCAL CREDS "    config:\n"
	    "      a: &a [1, 2, 3, 4, 5, 6, 7, 8]\n"
	    "      b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "      c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "      d: [*c, *c, *c, *c, *c, *c, *c, *c]\n", 8, 7,
	    "config has more than 4096 settings");
	expect_error(HEAD PG LOCAL CREDS "    config: &c\n      x: *c\n", 7, 13,
	    "config is nested too deeply");
}

/* Trees are equal whatever their positions, and only then. */
TEST(config_settings_equal)
{
	struct config	*a, *b, *d;
	char		 err[1024];

	a = load(HEAD PG LOCAL CREDS "    config:\n"
	    "      x: {y: [1, 2]}\n      cleartextPassword: tls\n", err,
	    sizeof(err));
	b = load(HEAD PG LOCAL CREDS "    config:\n\n"
	    "      cleartextPassword: tls\n      x:\n        y:\n"
	    "          - 1\n          - 2\n", err, sizeof(err));
	d = load(HEAD PG LOCAL CREDS "    config:\n"
	    "      x: {y: [1, 3]}\n      cleartextPassword: tls\n", err,
	    sizeof(err));
	/* pg takes scalars only: these are the tree's own tests. */
	CHECK(a == NULL);
	config_free(a);
	config_free(b);
	config_free(d);

	a = load(HEAD PG LOCAL CREDS "    config:\n"
	    "      x: 1\n      cleartextPassword: tls\n", err, sizeof(err));
	b = load(HEAD PG LOCAL CREDS "    config:\n\n"
	    "      x: \"1\"\n      cleartextPassword: tls\n", err,
	    sizeof(err));
	d = load(HEAD PG LOCAL CREDS "    config:\n"
	    "      x: 1\n      cleartextPassword: always\n", err,
	    sizeof(err));
	REQUIRE(a != NULL && b != NULL && d != NULL);
	CHECK(cfgnode_equal(a->services[0].settings, b->services[0].settings));
	CHECK(!cfgnode_equal(a->services[0].settings,
	    d->services[0].settings));
	CHECK(!cfgnode_equal(a->services[0].settings, NULL));
	CHECK(cfgnode_equal(NULL, NULL));
	config_free(a);
	config_free(b);
	config_free(d);
}

/*
 * Secretless Broker's reading of a service (pkg/secretless/config/v2/
 * service.go): connector wins over protocol, with a warning; an empty
 * protocol is absent; protocol http takes the connector from
 * config.authenticationStrategy; keys it does not know are ignored.
 */
TEST(config_secretless_rules)
{
	struct config	*cf;
	char		 err[1024];

	cf = expect_warning(HEAD PG "    protocol: pg\n" LOCAL CREDS, 5, 15,
	    "service db has both connector and protocol (the old spelling of "
	    "connector); protocol is ignored");
	if (cf != NULL)
		CHECK_STR(cf->services[0].connector, "pg");
	config_free(cf);
	cf = expect_warning(HEAD "    protocol: mysql\n" PG LOCAL CREDS, 4, 15,
	    "has both connector and protocol");
	if (cf != NULL)
		CHECK_STR(cf->services[0].connector, "pg");
	config_free(cf);

	cf = load(HEAD "    protocol: \"\"\n" PG LOCAL CREDS, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
	cf = load(HEAD "    connector: \"\"\n    protocol: pg\n" LOCAL CREDS, err,
	    sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_STR(cf->services[0].connector, "pg");
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
	expect_error(HEAD "    protocol: \"\"\n" LOCAL CREDS, 3, 3,
	    "service db needs a connector");

	cf = load(HEAD "    protocol: http\n" LOCAL
	    "    credentials: {username: u, password: " SECRET "}\n"
	    "    config:\n      authenticationStrategy: basic_auth\n"
	    "      authenticateURLsMatching: ^https://\n", err, sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_STR(cf->services[0].connector, "basic_auth");
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
	expect_error(HEAD "    protocol: http\n" LOCAL CREDS, 4, 15,
	    "service db: protocol http needs config.authenticationStrategy, "
	    "one of aws, basic_auth, conjur");
	expect_error(HEAD "    protocol: http\n" LOCAL CREDS "    config:\n"
	    "      authenticationStrategy: oauth\n", 8, 31,
	    "service db: config.authenticationStrategy must be one of aws, "
	    "basic_auth, conjur");
	/* Only protocol: has the http spelling. */
	expect_error(HEAD "    connector: http\n" LOCAL CREDS "    config:\n"
	    "      authenticationStrategy: conjur\n", 4, 16,
	    "unknown connector http");

	cf = expect_warning(HEAD PG "    debug: true\n" LOCAL CREDS, 5, 5,
	    "service db: unknown key debug is ignored, as Secretless Broker "
	    "ignores it (known: connector, protocol, listenOn, credentials, "
	    "config)");
	config_free(cf);
	cf = expect_warning(HEAD PG LOCAL CREDS "    color: [" SECRET "]\n", 7,
	    5, "unknown key color is ignored");
	if (cf != NULL)
		CHECK(strstr(cf->warnings[0], SECRET) == NULL);
	config_free(cf);
	/* airlock's own section stays strict. */
	expect_error("version: 2\nairlock: {debug: true}\n", 2, 11,
	    "unknown key debug in the airlock section (known: user, chroot, "
	    "worker, handshakeTimeout, dialTimeout, providerTimeout, "
	    "idleTimeout, drainTimeout, maxWorkers, workerPoolMinIdle, "
	    "workerPoolMaxIdle, maxStartups, "
	    "sandboxDebug, logLevel, logFormat, logTarget, syslogFacility, "
	    "health, watch, workerMemoryLimit, perSourceMaxStartups, "
	    "perSourceNetBlockSize, httpCABundle, stateDirectory, "
	    "secretMemory, secretMemorySize)");
}

/*
 * mysql lists the credentials it reads (its row's required and optional):
 * any other name is a warning, and the file loads; its literal sslmode and
 * port are checked as pg's, and an empty sslmode is require.
 */
TEST(config_mysql_names)
{
	struct config	*cf;
	char		 err[1024];

	cf = expect_warning(HEAD "    connector: mysql\n" LOCAL
	    "    credentials:\n      host: h\n      username: u\n"
	    "      database: shop\n", 9, 7,
	    "service db: credential \"database\" is not a mysql setting; "
	    "ignored");
	config_free(cf);
	cf = load(HEAD "    connector: mysql\n" LOCAL "    credentials:\n"
	    "      address: h:3307\n      username: u\n      sslmode: \"\"\n"
	    "      serverPublicKey: {from: file, get: /k.pem}\n", err,
	    sizeof(err));
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	config_free(cf);
	expect_error(HEAD "    connector: mysql\n" LOCAL "    credentials:\n"
	    "      host: h\n      username: u\n      sslmode: prefer\n", 9, 16,
	    "credential sslmode of service db must be one of disable, "
	    "require, verify-ca, verify-full");
	expect_error(HEAD "    connector: mysql\n" LOCAL "    credentials:\n"
	    "      username: u\n", 3, 3, "service db (mysql) needs credential "
	    "host");
}
