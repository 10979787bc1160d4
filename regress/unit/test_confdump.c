/*
 * airlockd -T's printer (confdump.c): YAML scalars quoted where they must
 * be, and a printed configuration that loads into the same one and prints
 * the same text again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "confkeys.h"
#include "confdump.h"
#include "conftext.h"
#include "test.h"

/* What confdump_scalar writes for len bytes of s (malloc'd). */
static char *
scalar(const char *s, size_t len)
{
	char	*out = NULL;
	size_t	 n;
	FILE	*f;

	if ((f = open_memstream(&out, &n)) == NULL)
		return NULL;
	confdump_scalar(f, s, len);
	fclose(f);
	return out;
}

static void
check_scalar(const char *s, const char *want)
{
	char	*got = scalar(s, strlen(s));

	CHECK_STR(got, want);
	free(got);
}

TEST(confdump_scalars)
{
	char	*got;

	/* Plain where every reader reads the same string back. */
	check_scalar("orders", "orders");
	check_scalar("tcp://127.0.0.1:5432", "tcp://127.0.0.1:5432");
	check_scalar("/etc/ssl/ca.pem", "/etc/ssl/ca.pem");
	check_scalar("5432", "5432");
	check_scalar("30s", "30s");
	check_scalar("0", "0");
	/* Quoted: indicators, comments, spaces, quotes, line breaks. */
	check_scalar("", "\"\"");
	check_scalar("a: b", "\"a: b\"");
	check_scalar("a:", "\"a:\"");
	check_scalar("#x", "\"#x\"");
	check_scalar("a #x", "\"a #x\"");
	check_scalar(" lead", "\" lead\"");
	check_scalar("trail ", "\"trail \"");
	check_scalar("it's", "\"it's\"");
	check_scalar("say \"hi\"", "\"say \\\"hi\\\"\"");
	check_scalar("back\\slash", "\"back\\\\slash\"");
	check_scalar("two\nlines", "\"two\\nlines\"");
	check_scalar("tab\there", "\"tab\\there\"");
	check_scalar("bell\x07", "\"bell\\x07\"");
	check_scalar("- item", "\"- item\"");
	check_scalar("*alias", "\"*alias\"");
	check_scalar("&anchor", "\"&anchor\"");
	check_scalar("!tag", "\"!tag\"");
	check_scalar("{a}", "\"{a}\"");
	check_scalar("[a]", "\"[a]\"");
	check_scalar("a,b", "\"a,b\"");
	check_scalar("|", "\"|\"");
	check_scalar(">", "\">\"");
	check_scalar("%x", "\"%x\"");
	check_scalar("@x", "\"@x\"");
	check_scalar("`x", "\"`x\"");
	/* Words and numbers that a YAML 1.1 reader would not keep as text. */
	check_scalar("null", "\"null\"");
	check_scalar("~", "\"~\"");
	check_scalar("true", "\"true\"");
	check_scalar("off", "\"off\"");
	check_scalar("Yes", "\"Yes\"");
	check_scalar("0660", "\"0660\"");
	check_scalar("0x1F", "\"0x1F\"");
	check_scalar("1e3", "\"1e3\"");
	check_scalar("1.5", "\"1.5\"");
	check_scalar("1_000", "\"1_000\"");
	check_scalar("100:30:200", "\"100:30:200\"");
	check_scalar("-1", "\"-1\"");
	/* UTF-8 kept; the line and paragraph separators escaped. */
	check_scalar("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	check_scalar("a\xe2\x80\xa8" "b", "\"a\\u2028b\"");
	check_scalar("\xc2\x85", "\"\\x85\"");
	/* A NUL (the loader refuses it) cannot end the scalar early. */
	got = scalar("a\0b", 3);
	CHECK_STR(got, "\"a\\x00b\"");
	free(got);
}

/* Every literal below must come back as it is. */
static const char nasty[] =
    "version: 2\n"
    "airlock:\n"
    "  chroot: /var/empty/x\n"
    "  worker: /usr/libexec/airlock-worker\n"
    "  handshakeTimeout: 1500ms\n"
    "  dialTimeout: 2m\n"
    "  idleTimeout: 1h\n"
    "  maxWorkers: 7\n"
    "  maxStartups: 5\n"
    "  perSourceMaxStartups: 3\n"
    "  perSourceNetBlockSize: 24\n"
    "  sandboxDebug: yes\n"
    "  workerMemoryLimit: 1536K\n"
    "  logLevel: warn\n"
    "  logFormat: json\n"
    "  logTarget: syslog\n"
    "  syslogFacility: local3\n"
    "  health: \"[::1]:9000\"\n"
    "  watch: true\n"
    "services:\n"
    "  \"odd name: #1\":\n"
    "    connector: pg\n"
    "    listenOn: unix:///tmp/airlock test.sock\n"
    "    credentials:\n"
    "      host: 127.0.0.1\n"
    "      username: \"  lead and trail  \"\n"
    "      password: \"a: b #c 'd' \\\"e\\\" \\\\ \\n\\t\\u2028 caf\\u00e9\"\n"
    "      sslmode: {from: env, get: \"PG SSL#MODE\"}\n"
    "      application_name: \"null\"\n"
    "      search_path: \"\"\n"
    "      options: \"0777\"\n"
    "    config:\n"
    "      socketMode: \"0600\"\n"
    "      cleartextPassword: tls\n"
    "      allowedUsers: [0]\n"
    "  plain:\n"
    "    connector: pg\n"
    "    listenOn: tcp://127.0.0.1:5999\n"
    "    credentials: {host: h, username: u}\n";

/* Print cf (malloc'd text). */
static char *
dump(const struct config *cf)
{
	char	*out = NULL;
	size_t	 n;
	FILE	*f;

	if ((f = open_memstream(&out, &n)) == NULL)
		return NULL;
	if (confdump_print(f, cf, "/found/airlock-worker") < 0) {
		fclose(f);
		free(out);
		return NULL;
	}
	fclose(f);
	return out;
}

static void
check_same(const struct config *a, const struct config *b)
{
	const struct service *s, *t;
	size_t		 i, j;

	CHECK_STR(a->user, b->user);
	CHECK_STR(a->chroot_dir, b->chroot_dir);
	CHECK_STR(a->worker_path, b->worker_path);
	CHECK_INT(a->handshake_timeout_ms, b->handshake_timeout_ms);
	CHECK_INT(a->dial_timeout_ms, b->dial_timeout_ms);
	CHECK_INT(a->provider_timeout_ms, b->provider_timeout_ms);
	CHECK_INT(a->idle_timeout_ms, b->idle_timeout_ms);
	CHECK_INT(a->drain_timeout_ms, b->drain_timeout_ms);
	CHECK_INT(a->max_workers, b->max_workers);
	CHECK_INT(a->startups_begin, b->startups_begin);
	CHECK_INT(a->startups_rate, b->startups_rate);
	CHECK_INT(a->startups_full, b->startups_full);
	CHECK_INT(a->per_source_max, b->per_source_max);
	CHECK_INT(a->per_source_v4, b->per_source_v4);
	CHECK_INT(a->per_source_v6, b->per_source_v6);
	CHECK_INT(a->sandbox_debug, b->sandbox_debug);
	CHECK_INT(a->worker_memory_limit, b->worker_memory_limit);
	CHECK_INT(a->log_level, b->log_level);
	CHECK_INT(a->log_format, b->log_format);
	CHECK_INT(a->log_target, b->log_target);
	CHECK_INT(a->syslog_facility, b->syslog_facility);
	CHECK((a->health == NULL) == (b->health == NULL));
	if (a->health != NULL && b->health != NULL)
		CHECK_STR(a->health, b->health);
	CHECK_INT(a->watch, b->watch);
	REQUIRE(a->nservices == b->nservices);
	for (i = 0; i < a->nservices; i++) {
		s = &a->services[i];
		t = &b->services[i];
		CHECK_STR(s->name, t->name);
		CHECK_STR(s->connector, t->connector);
		CHECK_STR(s->listen, t->listen);
		CHECK_INT(s->socket_mode, t->socket_mode);
		CHECK(cfgnode_equal(s->settings, t->settings));
		CHECK_INT(s->nallowed_uids, t->nallowed_uids);
		REQUIRE(s->ncreds == t->ncreds);
		for (j = 0; j < s->ncreds; j++) {
			CHECK_STR(s->creds[j].name, t->creds[j].name);
			CHECK_STR(s->creds[j].provider, t->creds[j].provider);
			CHECK_STR(s->creds[j].ref, t->creds[j].ref);
		}
		REQUIRE(s->config.n == t->config.n);
		for (j = 0; j < s->config.n; j++) {
			CHECK_STR(s->config.v[j].key, t->config.v[j].key);
			CHECK_STR((char *)s->config.v[j].val,
			    (char *)t->config.v[j].val);
		}
	}
}

TEST(confdump_roundtrip)
{
	struct config	*a, *b, *c;
	const char	*key;
	char		 err[1024], line[64], *ta, *tb, *tc;
	size_t		 i;

	a = config_from_text(nasty, NULL, err, sizeof(err));
	if (a == NULL)
		printf("    %s\n", err);
	REQUIRE(a != NULL);
	ta = dump(a);
	REQUIRE(ta != NULL);
	b = config_from_text(ta, NULL, err, sizeof(err));
	if (b == NULL)
		printf("    %s\n    in:\n%s", err, ta);
	REQUIRE(b != NULL);
	check_same(a, b);
	/* A fixed point: the same text again. */
	tb = dump(b);
	CHECK_STR(ta, tb);
	CHECK(strstr(ta, "  handshakeTimeout: 1500ms\n  dialTimeout: 2m\n"
	    "  providerTimeout: 10s\n  idleTimeout: 1h\n") != NULL);
	CHECK(strstr(ta, "  maxStartups: 5\n") != NULL);
	CHECK(strstr(ta, "  workerMemoryLimit: 1536K\n") != NULL);
	CHECK(strstr(ta, "  sandboxDebug: true\n") != NULL);
	CHECK(strstr(ta, "  syslogFacility: local3\n") != NULL);
	CHECK(strstr(ta, "  worker: /usr/libexec/airlock-worker\n") != NULL);
	CHECK(strstr(ta, "      allowedUsers:\n        - 0\n") != NULL);
	CHECK(strstr(ta, "      sslmode:\n        from: env\n"
	    "        get: \"PG SSL#MODE\"\n") != NULL);
	free(tb);

	/* Defaults, every one printed; the worker found when none is set. */
	c = config_from_text("version: 2\nservices:\n  p:\n    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:1\n    credentials: {host: h, "
	    "username: u}\n", NULL, err, sizeof(err));
	REQUIRE(c != NULL);
	tc = dump(c);
	REQUIRE(tc != NULL);
	CHECK_STR(tc, "version: 2\n"
	    "airlock:\n"
	    "  user: _airlock\n"
	    "  chroot: /var/empty/airlock\n"
	    "  worker: /found/airlock-worker\n"
	    "  handshakeTimeout: 30s\n"
	    "  dialTimeout: 10s\n"
	    "  providerTimeout: 10s\n"
	    "  idleTimeout: 0\n"
	    "  drainTimeout: 30s\n"
	    "  maxWorkers: 1000\n"
	    "  workerPoolMinIdle: 4\n"
	    "  workerPoolMaxIdle: 32\n"
	    "  maxStartups: \"100:30:200\"\n"
	    "  perSourceMaxStartups: none\n"
	    "  perSourceNetBlockSize: \"32:128\"\n"
	    "  sandboxDebug: false\n"
	    "  workerMemoryLimit: 128M\n"
	    "  logLevel: info\n"
	    "  logFormat: text\n"
	    "  logTarget: stderr\n"
	    "  syslogFacility: daemon\n"
	    "  health: \"127.0.0.1:5335\"\n"
	    "  watch: false\n"
	    "  httpCABundle: none\n"
	    "  stateDirectory: /var/lib/airlock\n"
	    "  secretMemory: auto\n"
	    "  secretMemorySize: 16M\n"
	    "services:\n"
	    "  p:\n"
	    "    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:1\n"
	    "    credentials:\n"
	    "      host: h\n"
	    "      username: u\n");
	/* A key added to the table is printed too (confdump.c lists them). */
	for (i = 0; (key = ck_airlock_key(i)) != NULL; i++) {
		snprintf(line, sizeof(line), "\n  %s: ", key);
		CHECK(strstr(tc, line) != NULL);
	}
	free(tc);
	free(ta);
	config_free(a);
	config_free(b);
	config_free(c);
}

/* A config: tree (nested settings of connectors to come), block style. */
TEST(confdump_tree)
{
	struct cfgnode	 seq[] = {
		{ CFG_SCALAR, NULL, "^https://api\\.", NULL, 0, 0, 0, 0, 0 },
		{ CFG_MAP, NULL, NULL, NULL, 0, 0, 0, 0, 0 },
	};
	struct cfgnode	 top[] = {
		{ CFG_SEQ, "authenticateURLsMatching", NULL, seq, 2, 0, 0,
		    0, 0 },
		{ CFG_SCALAR, "forceSSL", "true", NULL, 0, 0, 0, 0, 0 },
	};
	struct cfgnode	 root = { CFG_MAP, NULL, NULL, top, 2, 0, 0, 0, 0 };
	struct config	*cf;
	char		 err[256], *t;

	cf = config_from_text("version: 2\nservices:\n  p:\n    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:1\n    credentials: {host: h, "
	    "username: u}\n", NULL, err, sizeof(err));
	REQUIRE(cf != NULL);
	cf->services[0].settings = &root;
	t = dump(cf);
	cf->services[0].settings = NULL;
	REQUIRE(t != NULL);
	CHECK(strstr(t, "      username: u\n    config:\n"
	    "      authenticateURLsMatching:\n"
	    "        - \"^https://api\\\\.\"\n"
	    "        - {}\n"
	    "      forceSSL: \"true\"\n") != NULL);
	free(t);
	config_free(cf);
}
