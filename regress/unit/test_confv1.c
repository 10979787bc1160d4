/*
 * Secretless Broker version 1 files, converted on load (confv1.c): files
 * from Secretless Broker's own tree (regress/unit/confv1/, each with its
 * origin in its first lines) converted and checked field by field, and
 * errors that name the version 1 file's line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config.h"
#include "conftext.h"
#include "confv1.h"
#include "test.h"
#include "../../providers/provider_impl.h"

#define FIXTURES	"regress/unit/confv1/"
/* A literal credential in the files below; no message may contain it. */
#define SECRET		"pw-Kq7-v1"

static char	 tmppath[CONFTEXT_PATH_LEN];

/* A fixture's text (malloc'd), or NULL. */
static char *
fixture(const char *name)
{
	char	 path[256], *text;
	FILE	*f;
	long	 len;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (text = calloc(1, len + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(text, 1, len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* text with every from replaced by to (malloc'd). */
static char *
replace(const char *text, const char *from, const char *to)
{
	const char	*p;
	char		*out;
	size_t		 n = 0, len;

	for (p = text; (p = strstr(p, from)) != NULL; p += strlen(from))
		n++;
	len = strlen(text) + n * strlen(to) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	while ((p = strstr(text, from)) != NULL) {
		strncat(out, text, p - text);
		strcat(out, to);
		text = p + strlen(from);
	}
	strcat(out, text);
	return out;
}

/*
 * The conversion alone, on a parsed document: 0 and *doc the version 2
 * document, or the error in err.  cf collects the warnings.
 */
static int
convert(const char *text, yaml_document_t *doc, struct config *cf,
    char *err, size_t errlen)
{
	yaml_parser_t	 parser;
	int		 r;

	err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    strlen(text));
	if (!yaml_parser_load(&parser, doc)) {
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	if (!confv1_is_v1(doc)) {
		yaml_document_delete(doc);
		return -1;
	}
	if ((r = confv1_convert(doc, cf, "v1.yml", err, errlen)) != 0)
		yaml_document_delete(doc);
	return r;
}

/*
 * The node at a path of mapping keys and sequence indexes:
 * "services/pg/credentials/password/from", "a/#0".
 */
static yaml_node_t *
node_at(yaml_document_t *d, const char *path)
{
	yaml_node_t	*n = yaml_document_get_root_node(d), *k;
	yaml_node_pair_t *p;
	char		 buf[256], *part, *save = NULL;
	long		 i;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, "/", &save); part != NULL && n != NULL;
	    part = strtok_r(NULL, "/", &save)) {
		if (part[0] == '#') {
			i = strtol(part + 1, NULL, 10);
			if (n->type != YAML_SEQUENCE_NODE ||
			    i >= n->data.sequence.items.top -
			    n->data.sequence.items.start)
				return NULL;
			n = yaml_document_get_node(d,
			    n->data.sequence.items.start[i]);
			continue;
		}
		if (n->type != YAML_MAPPING_NODE)
			return NULL;
		for (p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			k = yaml_document_get_node(d, p->key);
			if (strcmp((char *)k->data.scalar.value, part) == 0)
				break;
		}
		if (p == n->data.mapping.pairs.top)
			return NULL;
		n = yaml_document_get_node(d, p->value);
	}
	return n;
}

static const char *
str_at(yaml_document_t *d, const char *path)
{
	yaml_node_t	*n = node_at(d, path);

	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* The i-th key of the mapping at path, or NULL. */
static const char *
key_at(yaml_document_t *d, const char *path, size_t i)
{
	yaml_node_t	*n = node_at(d, path);

	if (n == NULL || n->type != YAML_MAPPING_NODE ||
	    i >= (size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start))
		return NULL;
	return (const char *)yaml_document_get_node(d,
	    n->data.mapping.pairs.start[i].key)->data.scalar.value;
}

/* The line (1-based) that the node at path carries, or 0. */
static int
line_at(yaml_document_t *d, const char *path)
{
	yaml_node_t	*n = node_at(d, path);

	return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

static void
check_pg_handler_cred(yaml_document_t *d, const char *svc, const char *addr)
{
	char	 p[128];

	/* Sorted by name, as Secretless Broker sorts them. */
	snprintf(p, sizeof(p), "services/%s/credentials", svc);
	CHECK_STR(key_at(d, p, 0), "address");
	CHECK_STR(key_at(d, p, 1), "password");
	CHECK_STR(key_at(d, p, 2), "username");
	CHECK(key_at(d, p, 3) == NULL);
	snprintf(p, sizeof(p), "services/%s/credentials/address/from", svc);
	CHECK_STR(str_at(d, p), "env");
	snprintf(p, sizeof(p), "services/%s/credentials/address/get", svc);
	CHECK_STR(str_at(d, p), addr);
	snprintf(p, sizeof(p), "services/%s/credentials/username/from", svc);
	CHECK_STR(str_at(d, p), "literal");
	snprintf(p, sizeof(p), "services/%s/credentials/username/get", svc);
	CHECK_STR(str_at(d, p), "test");
	snprintf(p, sizeof(p), "services/%s/credentials/password/get", svc);
	CHECK_STR(str_at(d, p), "PG_PASSWORD");
}

TEST(confv1_pg_handler)
{
	yaml_document_t	 d;
	struct config	*cf = calloc(1, sizeof(*cf));
	char		*text = fixture("pg_handler.yml"), err[512];

	REQUIRE(text != NULL && cf != NULL);
	CHECK_INT(convert(text, &d, cf, err, sizeof(err)), 0);
	free(text);
	if (err[0] != '\0')
		printf("    %s\n", err);
	REQUIRE(err[0] == '\0');
	CHECK_STR(str_at(&d, "version"), "2");
	/* One service per handler, sorted by name. */
	CHECK_STR(key_at(&d, "services", 0), "pg_via_socket");
	CHECK_STR(key_at(&d, "services", 1), "pg_via_tcp_no_tls");
	CHECK_STR(key_at(&d, "services", 2), "pg_via_tcp_tls");
	CHECK(key_at(&d, "services", 3) == NULL);
	CHECK_STR(str_at(&d, "services/pg_via_socket/connector"), "pg");
	CHECK_STR(str_at(&d, "services/pg_via_socket/listenOn"),
	    "unix:///sock/.s.PGSQL.5432");
	CHECK_STR(str_at(&d, "services/pg_via_tcp_no_tls/listenOn"),
	    "tcp://0.0.0.0:25432");
	CHECK_STR(str_at(&d, "services/pg_via_tcp_tls/listenOn"),
	    "tcp://0.0.0.0:15432");
	CHECK(node_at(&d, "services/pg_via_tcp_tls/config") == NULL);
	check_pg_handler_cred(&d, "pg_via_socket", "PG_TLS_ADDRESS");
	check_pg_handler_cred(&d, "pg_via_tcp_no_tls", "PG_NO_TLS_ADDRESS");
	check_pg_handler_cred(&d, "pg_via_tcp_tls", "PG_TLS_ADDRESS");
	/* The v1 file's positions (two lines of origin come first). */
	CHECK_INT(line_at(&d, "services/pg_via_socket"), 17);
	CHECK_INT(line_at(&d, "services/pg_via_socket/listenOn"), 14);
	CHECK_INT(line_at(&d, "services/pg_via_socket/connector"), 13);
	CHECK_INT(line_at(&d, "services/pg_via_socket/credentials/address/get"),
	    23);
	CHECK_INT(line_at(&d, "services/pg_via_tcp_tls/listenOn"), 6);
	/* The version 1 warning, then each handler's debug. */
	REQUIRE(cf->nwarnings == 4);
	CHECK(strncmp(cf->warnings[0], "v1.yml:3:1: a Secretless Broker "
	    "version 1 file", 43) == 0);
	CHECK(strstr(cf->warnings[0], "airlockd -T -f v1.yml") != NULL);
	CHECK(strstr(cf->warnings[1], "v1.yml:19:5: handler pg_via_socket: "
	    "debug has no version 2 equivalent") == cf->warnings[1]);
	config_free(cf);
	yaml_document_delete(&d);
}

TEST(confv1_mysql_handler)
{
	yaml_document_t	 d;
	struct config	*cf = calloc(1, sizeof(*cf));
	char		*text = fixture("mysql_handler.yml"), err[512];

	REQUIRE(text != NULL && cf != NULL);
	CHECK_INT(convert(text, &d, cf, err, sizeof(err)), 0);
	free(text);
	REQUIRE(err[0] == '\0');
	CHECK_STR(key_at(&d, "services", 0), "mysql_via_socket");
	CHECK_STR(key_at(&d, "services", 1), "mysql_via_tcp_no_tls");
	CHECK_STR(key_at(&d, "services", 2), "mysql_via_tcp_tls");
	CHECK_STR(str_at(&d, "services/mysql_via_tcp_tls/connector"),
	    "mysql");
	CHECK_STR(str_at(&d, "services/mysql_via_socket/listenOn"),
	    "unix:///sock/mysql.sock");
	CHECK_STR(str_at(&d, "services/mysql_via_tcp_no_tls/listenOn"),
	    "tcp://0.0.0.0:4306");
	CHECK_STR(key_at(&d, "services/mysql_via_tcp_tls/credentials", 0),
	    "host");
	CHECK_STR(key_at(&d, "services/mysql_via_tcp_tls/credentials", 3),
	    "username");
	CHECK_STR(str_at(&d,
	    "services/mysql_via_tcp_no_tls/credentials/host/get"),
	    "mysql_no_tls");
	CHECK_STR(str_at(&d,
	    "services/mysql_via_tcp_tls/credentials/port/from"), "env");
	config_free(cf);
	yaml_document_delete(&d);
}

/* A listener without protocol takes its name (pre-2019 Secretless). */
TEST(confv1_quick_demo)
{
	yaml_document_t	 d;
	struct config	*cf = calloc(1, sizeof(*cf));
	char		*text = fixture("quick_demo.yml"), err[512];

	REQUIRE(text != NULL && cf != NULL);
	CHECK_INT(convert(text, &d, cf, err, sizeof(err)), 0);
	free(text);
	REQUIRE(err[0] == '\0');
	CHECK_STR(str_at(&d, "services/pg/connector"), "pg");
	CHECK_INT(line_at(&d, "services/pg/connector"), 4);
	CHECK_STR(str_at(&d, "services/pg/listenOn"),
	    "unix://./run/postgresql/.s.PGSQL.5432");
	CHECK_STR(str_at(&d, "services/pg/credentials/username/get"),
	    "PG_USER");
	CHECK_INT(cf->nwarnings, 1);
	config_free(cf);
	yaml_document_delete(&d);
}

/*
 * http: the connector is the handler's type (its name when absent),
 * match becomes authenticateURLsMatching.
 */
TEST(confv1_http_match)
{
	yaml_document_t	 d;
	struct config	*cf = calloc(1, sizeof(*cf));
	char		*text = fixture("http_match.yml"), *t2, err[512];

	REQUIRE(text != NULL && cf != NULL);
	CHECK_INT(convert(text, &d, cf, err, sizeof(err)), 0);
	REQUIRE(err[0] == '\0');
	CHECK_STR(str_at(&d, "services/http_default/connector"),
	    "http_default");
	CHECK_STR(str_at(&d, "services/http_default/listenOn"),
	    "tcp://0.0.0.0:1080");
	CHECK_STR(str_at(&d, "services/http_default/config/"
	    "authenticateURLsMatching/#0"), "test_for_secretless_issues_216");
	CHECK_STR(str_at(&d,
	    "services/http_default/credentials/accessToken/from"), "conjur");
	yaml_document_delete(&d);

	/* Secretless Broker's v2_conversion: "http/aws" is aws. */
	t2 = replace(text, "    listener: http_default\n",
	    "    listener: http_default\n    type: http/aws\n");
	REQUIRE(t2 != NULL);
	CHECK_INT(convert(t2, &d, cf, err, sizeof(err)), 0);
	CHECK_STR(str_at(&d, "services/http_default/connector"), "aws");
	yaml_document_delete(&d);
	free(t2);
	free(text);
	config_free(cf);
}

/*
 * Through config_load: the version 2 check's errors name the version 1
 * file's lines.
 */
static void
expect_load_error(const char *text, int line, int col, const char *want)
{
	struct config	*cf;
	char		 err[1024], prefix[128];

	cf = config_from_text(text, tmppath, err, sizeof(err));
	CHECK(cf == NULL);
	config_free(cf);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", tmppath, line, col);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL) {
		printf("    got:  %s\n    want: %s...%s\n", err, prefix, want);
		CHECK(!"error message as expected");
	}
	CHECK(strstr(err, SECRET) == NULL);
}

/* A fixture's error, after one replacement in its text (from non-NULL). */
static void
expect_fixture_error(const char *name, int line, int col, const char *want,
    const char *from, const char *to)
{
	char	*text = fixture(name), *t2;

	REQUIRE(text != NULL);
	t2 = from != NULL ? replace(text, from, to) : strdup(text);
	free(text);
	REQUIRE(t2 != NULL);
	expect_load_error(t2, line, col, want);
	free(t2);
}

TEST(confv1_fixture_errors)
{
	/* Containers' files listen on every address. */
	expect_fixture_error("pg_handler.yml", 10, 14,
	    "listenOn 0.0.0.0:25432 is not a loopback address", NULL, NULL);
	expect_fixture_error("quick_demo.yml", 5, 13,
	    "the socket path must be absolute", NULL, NULL);
	/*
	 * With an absolute path, but without Conjur's settings in the
	 * environment: the conjur provider cannot work (the next test gives
	 * it the settings).
	 */
	expect_fixture_error("rds_demo.yml", 12, 19,
	    "provider conjur: CONJUR_APPLIANCE_URL is not set", "./run",
	    "/run");
	/* 2018's format, before listeners and handlers settled. */
	expect_fixture_error("pg_2018.yml", 3, 1,
	    "no version: a version 1 file (a version 2 file starts with "
	    "version: 2): unknown key providers", NULL, NULL);
}

/* A pg_handler file that airlock runs, loaded whole. */
TEST(confv1_load)
{
	struct config		*cf;
	const struct credential	*cr;
	char			*text = fixture("pg_handler.yml"), *t2, *t3;
	char			 err[1024];

	REQUIRE(text != NULL);
	t2 = replace(text, "0.0.0.0", "127.0.0.1");
	t3 = t2 != NULL ? replace(t2, "/sock/", "/tmp/") : NULL;
	free(text);
	free(t2);
	REQUIRE(t3 != NULL);
	cf = config_from_text(t3, tmppath, err, sizeof(err));
	free(t3);
	if (cf == NULL)
		printf("    %s\n", err);
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 3);
	CHECK_STR(cf->services[0].name, "pg_via_socket");
	CHECK_INT(cf->services[0].listen_kind, LISTEN_UNIX);
	CHECK_STR(cf->services[0].listen_path, "/tmp/.s.PGSQL.5432");
	CHECK_INT(cf->services[0].line, 17);
	CHECK_STR(cf->services[2].name, "pg_via_tcp_tls");
	CHECK_STR(cf->services[2].listen_host, "127.0.0.1");
	CHECK_STR(cf->services[2].listen_port, "15432");
	CHECK_STR(cf->services[2].connector, "pg");
	REQUIRE(cf->services[2].ncreds == 3);
	cr = service_credential(&cf->services[2], "username");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "literal");
	CHECK_STR(cr->ref, "test");
	CHECK_INT(cr->line, 54);
	cr = service_credential(&cf->services[2], "address");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "env");
	CHECK_STR(cr->ref, "PG_TLS_ADDRESS");
	CHECK_INT(cf->nwarnings, 4);
	config_free(cf);
}

/*
 * The rds demo, with the Conjur environment of Secretless Broker's
 * demos (an API key; -t logs in nowhere): it loads, its three
 * credentials from conjur, the ids as written.
 */
TEST(confv1_rds_demo_conjur)
{
	struct config		*cf;
	const struct credential	*cr;
	char			*text = fixture("rds_demo.yml"), *t2, err[1024];

	REQUIRE(text != NULL);
	t2 = replace(text, "./run", "/run");
	free(text);
	REQUIRE(t2 != NULL);
	setenv("CONJUR_APPLIANCE_URL", "https://conjur.example", 1);
	setenv("CONJUR_ACCOUNT", "dev", 1);
	setenv("CONJUR_AUTHN_LOGIN", "host/rds-demo", 1);
	setenv("CONJUR_AUTHN_API_KEY", SECRET, 1);
	cf = config_from_text(t2, tmppath, err, sizeof(err));
	free(t2);
	if (cf == NULL)
		printf("    %s\n", err);
	CHECK(cf == NULL || strstr(err, SECRET) == NULL);
	/* The API key left the environment at setup. */
	CHECK(getenv("CONJUR_AUTHN_API_KEY") == NULL);
	REQUIRE(cf != NULL);
	REQUIRE(cf->nservices == 1);
	cr = service_credential(&cf->services[0], "password");
	REQUIRE(cr != NULL);
	CHECK_STR(cr->provider, "conjur");
	CHECK_STR(cr->ref, "dev:variable:pg/password");
	config_free(cf);
	conjur_cleanup();
	unsetenv("CONJUR_APPLIANCE_URL");
	unsetenv("CONJUR_ACCOUNT");
	unsetenv("CONJUR_AUTHN_LOGIN");
}

/* Anchors and merge keys, as Go's YAML reads them. */
TEST(confv1_merge)
{
	yaml_document_t	 d;
	struct config	*cf = calloc(1, sizeof(*cf));
	char		 err[512];

	REQUIRE(cf != NULL);
	CHECK_INT(convert(
	    "listeners:\n"
	    "  - &l {name: a, protocol: pg, address: 127.0.0.1:1}\n"
	    "  - {<<: *l, name: b, address: 127.0.0.1:2}\n"
	    "handlers:\n"
	    "  - &h\n"
	    "    name: a\n"
	    "    credentials:\n"
	    "      - {name: host, provider: literal, id: h}\n"
	    "  - <<: *h\n"
	    "    name: b\n",
	    &d, cf, err, sizeof(err)), 0);
	if (err[0] != '\0')
		printf("    %s\n", err);
	REQUIRE(err[0] == '\0');
	CHECK_STR(str_at(&d, "services/b/connector"), "pg");
	CHECK_STR(str_at(&d, "services/b/listenOn"), "tcp://127.0.0.1:2");
	CHECK_STR(str_at(&d, "services/b/credentials/host/get"), "h");
	CHECK_INT(line_at(&d, "services/b/credentials/host/get"), 8);
	yaml_document_delete(&d);
	config_free(cf);
}

#define HEAD	"listeners:\n  - name: db\n    protocol: pg\n"
#define HANDLER	"handlers:\n  - name: db\n    listener: db\n"

TEST(confv1_errors)
{
	expect_load_error("listeners:\nhandlers: []\n", 1, 11,
	    "a version 1 file needs listeners");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n", 1, 1,
	    "a version 1 file needs handlers");
	expect_load_error(HEAD HANDLER, 2, 5,
	    "listener db needs an address or a socket");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n    socket: /s\n"
	    HANDLER, 5, 13, "listener db has both an address and a socket");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n"
	    "    caCertFiles: [/ca.pem]\n" HANDLER, 5, 5,
	    "listener db: caCertFiles has no version 2 equivalent");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n"
	    "    authorization: {none: true}\n" HANDLER, 5, 5,
	    "a listener: unknown key authorization (known: name, protocol, "
	    "address, socket, debug, caCertFiles)");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n"
	    "  - name: db\n    address: 127.0.0.1:2\n" HANDLER, 5, 11,
	    "listener name db is used twice (line 2)");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n"
	    "handlers:\n  - name: x\n    listener: nosuch\n", 7, 15,
	    "handler x: no listener named nosuch");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n"
	    "  - name: other\n    address: 127.0.0.1:2\n" HANDLER, 5, 11,
	    "listener other has no handler");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "  - name: db2\n    listener: db\n", 9, 15,
	    "handler db2: listener db (pg) already has handler db; only an "
	    "http listener takes several");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    match: [x]\n", 8, 5,
	    "handler db: match has no version 2 equivalent for a pg listener");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    credentials: {host: h}\n", 8, 18,
	    "handler db: credentials must be a list of name, provider and id");
	/* A literal id is a secret: neither error repeats it. */
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    credentials:\n      - name: password\n        id: " SECRET
	    "\n", 9, 9, "credential password of handler db needs a provider");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    credentials:\n      - name: password\n"
	    "        value: {literal: " SECRET "}\n", 10, 9,
	    "a credential of handler db: unknown key value (known: name, "
	    "provider, id)");
	/* The version 2 check, at the version 1 file's places. */
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    credentials:\n      - {name: host, provider: literal, "
	    "id: h}\n      - {name: username, provider: literal, id: u}\n"
	    "      - {name: sslmode, provider: literal, id: " SECRET "}\n",
	    11, 48, "credential sslmode of service db must be one of");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER
	    "    credentials:\n      - {name: host, provider: nosuch, "
	    "id: h}\n", 9, 32, "unknown provider nosuch");
	expect_load_error("listeners:\n  - name: db\n    protocol: nosuch\n"
	    "    address: 127.0.0.1:1\n" HANDLER, 3, 15,
	    "unknown connector nosuch");
	expect_load_error(HEAD "    address: 127.0.0.1:1\n" HANDLER, 6, 11,
	    "service db (pg) needs credential host");
	expect_load_error("version: 3\n" HEAD, 1, 10, "unsupported version 3");
}
