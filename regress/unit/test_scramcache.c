/*
 * Unit tests for monitor/scramcache.c, SCRAM's SaltedPassword kept per
 * service: found only under the same service, password, salt and count; a
 * few per service, the least recently used giving way; dropped per service
 * and for all.  Then through the PostgreSQL connector's handlers (mon_pg.c):
 * kept only once the server's signature verified with it, used by the next
 * login instead of Hi(), and forgotten when the service's credentials are
 * refused and at a reload.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "monworker.h"
#include "msg.h"
#include "pgauth.h"
#include "pgmsg.h"
#include "provider.h"
#include "secret.h"
#include "test.h"

#define PASSWORD	"pencil-4-scram"

/* The key of an exchange of this password, salt and count. */
static struct secret *
key_for(const char *password, const char *salt, uint32_t iterations)
{
	struct scram_hi	 hi;
	struct secret	*k;

	memset(&hi, 0, sizeof(hi));
	if ((hi.password = secret_new(password, strlen(password))) == NULL)
		return NULL;
	memcpy(hi.salt, salt, strlen(salt));
	hi.salt_len = strlen(salt);
	hi.iterations = iterations;
	k = scramcache_key(&hi);
	scram_hi_clear(&hi);
	return k;
}

/* A SaltedPassword stand-in: 32 bytes of v. */
static struct secret *
salted_of(int v)
{
	struct secret	*s;

	if ((s = secret_alloc(32)) != NULL)
		memset(s->data, v, 32);
	return s;
}

/* Is the entry for key in service the SaltedPassword of salted_of(v)? */
static int
holds(const char *service, const struct secret *key, int v)
{
	struct secret	*s;
	int		 ok;

	if ((s = scramcache_find(service, key)) == NULL)
		return 0;
	ok = s->len == 32 && s->data[0] == v && s->data[31] == v;
	secret_free(s);
	return ok;
}

TEST(scramcache_key_parts)
{
	struct secret	*k, *pw2, *salt2, *iter2, *v;

	scramcache_close();
	k = key_for("password-one", "saltsaltsalt", 4096);
	pw2 = key_for("password-two", "saltsaltsalt", 4096);
	salt2 = key_for("password-one", "saltsaltsalX", 4096);
	iter2 = key_for("password-one", "saltsaltsalt", 8192);
	REQUIRE(k != NULL && pw2 != NULL && salt2 != NULL && iter2 != NULL);
	/* Empty at first. */
	CHECK(scramcache_find("db", k) == NULL);
	REQUIRE((v = salted_of(7)) != NULL);
	CHECK_INT(scramcache_add("db", k, v), 0);
	secret_free(v);
	CHECK(holds("db", k, 7));
	CHECK_INT(scramcache_count("db"), 1);
	/* A miss on each part of the key: service, password, salt, count. */
	CHECK(scramcache_find("db2", k) == NULL);
	CHECK(scramcache_find("db", pw2) == NULL);
	CHECK(scramcache_find("db", salt2) == NULL);
	CHECK(scramcache_find("db", iter2) == NULL);
	/* The version of a password is its own, not the password. */
	CHECK(memmem(k->data, k->len, "password-one", 12) == NULL);
	/* Not a key: nothing kept. */
	REQUIRE((v = salted_of(1)) != NULL);
	CHECK(scramcache_add("db", v, v) == ERR_INVAL);
	CHECK(scramcache_find("db", NULL) == NULL);
	secret_free(v);
	secret_free(k);
	secret_free(pw2);
	secret_free(salt2);
	secret_free(iter2);
	scramcache_close();
}

TEST(scramcache_lru_bound)
{
	struct secret	*k[6], *v;
	char		 pw[32];
	int		 i;

	scramcache_close();
	for (i = 0; i < 6; i++) {
		snprintf(pw, sizeof(pw), "password-%d", i);
		REQUIRE((k[i] = key_for(pw, "saltsaltsalt", 4096)) != NULL);
	}
	for (i = 0; i < 4; i++) {
		REQUIRE((v = salted_of(i + 1)) != NULL);
		CHECK_INT(scramcache_add("db", k[i], v), 0);
		secret_free(v);
	}
	CHECK_INT(scramcache_count("db"), 4);
	/* Use 0: 1 is now the least recently used, and gives way to 4. */
	CHECK(holds("db", k[0], 1));
	REQUIRE((v = salted_of(5)) != NULL);
	CHECK_INT(scramcache_add("db", k[4], v), 0);
	secret_free(v);
	CHECK_INT(scramcache_count("db"), 4);
	CHECK(holds("db", k[0], 1));
	CHECK(scramcache_find("db", k[1]) == NULL);
	CHECK(holds("db", k[2], 3));
	CHECK(holds("db", k[3], 4));
	CHECK(holds("db", k[4], 5));
	/* Adding a key again replaces nothing, and refreshes it. */
	REQUIRE((v = salted_of(1)) != NULL);
	CHECK_INT(scramcache_add("db", k[0], v), 0);
	secret_free(v);
	CHECK_INT(scramcache_count("db"), 4);
	/* Another service has its own entries. */
	REQUIRE((v = salted_of(9)) != NULL);
	CHECK_INT(scramcache_add("other", k[5], v), 0);
	secret_free(v);
	CHECK_INT(scramcache_count("other"), 1);
	CHECK_INT(scramcache_count("db"), 4);

	/* Dropped per service, then for all. */
	scramcache_drop("db");
	CHECK_INT(scramcache_count("db"), 0);
	CHECK(scramcache_find("db", k[0]) == NULL);
	CHECK(holds("other", k[5], 9));
	scramcache_drop(NULL);
	CHECK_INT(scramcache_count("other"), 0);
	CHECK(scramcache_find("other", k[5]) == NULL);
	for (i = 0; i < 6; i++)
		secret_free(k[i]);
	scramcache_close();
}

/* The SCRAM exchange through the monitor's handlers. */

static int	 cache_lines;	/* "SCRAM key from the cache" logged */

static void
sink(int level, const struct log_ctx *ctx, const char *msg, void *arg)
{
	(void)level;
	(void)ctx;
	(void)arg;
	if (strstr(msg, "SCRAM key from the cache") != NULL)
		cache_lines++;
}

/* A request as the worker makes it; the answer's type (0: none). */
static uint32_t
request(struct worker *w, int peer, uint32_t type, const char *s1,
    const char *s2, struct buf *reply)
{
	struct pollfd	 pfd = { peer, POLLIN, 0 };
	struct buf	*req;
	uint32_t	 rtype;
	int		 i, fd;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return 0;
	if (s1 != NULL)
		buf_put_string(req, s1, strlen(s1));
	if (s2 != NULL)
		buf_put_string(req, s2, strlen(s2));
	if (type == MSG_DIAL)
		buf_put_u8(req, DIAL_SESSION);
	dispatch_message(w, type, req, -1);
	buf_free(req);
	for (i = 0; i < 500 && !w->killed; i++) {
		if (msg_recv(peer, &rtype, reply, &fd) == 0) {
			if (fd != -1)
				close(fd);
			return rtype;
		}
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		poll(&pfd, 1, 10);
	}
	return 0;
}

static void
hmac(const unsigned char *key, const void *d, size_t len, unsigned char *out)
{
	unsigned int	 n = 32;

	HMAC(EVP_sha256(), key, 32, d, len, out, &n);
}

/*
 * One login of service db with the server's salt: the server signature is
 * the one that PASSWORD makes (RFC 5802 section 3), or a wrong one.
 */
static void
login(const char *salt64, int right)
{
	struct worker		*w;
	struct buf		*b;
	const unsigned char	*m;
	unsigned char		 salt[64], salted[32], skey[32], sig[32];
	char			 first[256], sfirst[256], final[512];
	char			 authmsg[1024], v[128];
	size_t			 len, slen;
	uint8_t			 ok;
	int			 peer;
	char			*p;

	REQUIRE((b = buf_new(MSG_MAX_PAYLOAD + 1)) != NULL);
	REQUIRE((w = test_worker_new("db", &peer)) != NULL);
	CHECK_INT(request(w, peer, MSG_DIAL, NULL, NULL, b), MSG_DIALED);
	REQUIRE(request(w, peer, MSG_PG_SCRAM_START, "SCRAM-SHA-256", "",
	    b) == MSG_PG_SCRAM_START);
	REQUIRE(buf_get_string_direct(b, &m, &len) == 0 && len > 3 &&
	    len < sizeof(first));
	/* "n,," then the bare message, whose nonce the server extends. */
	snprintf(first, sizeof(first), "%.*s", (int)len - 3, m + 3);
	snprintf(sfirst, sizeof(sfirst), "%sSRV,s=%s,i=4096",
	    strstr(first, "r="), salt64);
	REQUIRE(request(w, peer, MSG_PG_SCRAM_FINAL, sfirst, NULL, b) ==
	    MSG_PG_SCRAM_FINAL);
	REQUIRE(buf_get_string_direct(b, &m, &len) == 0 &&
	    len < sizeof(final));
	snprintf(final, sizeof(final), "%.*s", (int)len, m);
	REQUIRE((p = strstr(final, ",p=")) != NULL);
	*p = '\0';
	snprintf(authmsg, sizeof(authmsg), "%s,%s,%s", first, sfirst, final);
	REQUIRE(sodium_base642bin(salt, sizeof(salt), salt64, strlen(salt64),
	    NULL, &slen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
	REQUIRE(PKCS5_PBKDF2_HMAC(PASSWORD, strlen(PASSWORD), salt,
	    (int)slen, 4096, EVP_sha256(), 32, salted) == 1);
	hmac(salted, "Server Key", 10, skey);
	hmac(skey, authmsg, strlen(authmsg), sig);
	if (!right)
		sig[0] ^= 1;
	memcpy(v, "v=", 2);
	sodium_bin2base64(v + 2, sizeof(v) - 2, sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	REQUIRE(request(w, peer, MSG_PG_SCRAM_VERIFY, v, NULL, b) ==
	    MSG_PG_SCRAM_VERIFY);
	CHECK(buf_get_u8(b, &ok) == 0 && ok == right);
	test_worker_done(w, peer);
	buf_free(b);
}

TEST(scramcache_pg_verified_only)
{
	char		 dir[] = "/tmp/airlock-scramcache-XXXXXX";
	char		 text[1024], path[256], err[512];
	struct sockaddr_un sun;
	FILE		*f;
	int		 lfd = -1, saved = log_level();

	REQUIRE(mkdtemp(dir) != NULL);
	/* The backend's socket, where the dial looks for one. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/.s.PGSQL.5432", dir);
	REQUIRE((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(lfd, 64) == 0);
	snprintf(text, sizeof(text), "version: 2\nservices:\n  db:\n"
	    "    connector: pg\n    listenOn: tcp://127.0.0.1:1\n"
	    "    credentials:\n      host: %s\n      username: u\n"
	    "      sslmode: disable\n"
	    "      password: {from: literal, get: \"%s\"}\n", dir, PASSWORD);
	snprintf(path, sizeof(path), "%s/airlock.yml", dir);
	REQUIRE((f = fopen(path, "w")) != NULL);
	fputs(text, f);
	fclose(f);

	memset(&mon, 0, sizeof(mon));
	TAILQ_INIT(&mon.workers);
	mon.draining = 1;
	scramcache_close();
	evidence_reset();
	cache_lines = 0;
	log_set_sink(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	mon.base = event_base_new();
	mon.conf = config_load(path, err, sizeof(err));
	if (mon.conf == NULL)
		printf("    %s\n", err);
	if (mon.base == NULL || mon.conf == NULL) {
		CHECK(!"monitor set up");
		goto out;
	}

	/* A wrong server signature keeps nothing. */
	login("c2FsdHNhbHRzYWx0c2FsdA==", 0);
	CHECK_INT(scramcache_count("db"), 0);
	CHECK_INT(cache_lines, 0);
	/* A verified one keeps SaltedPassword, which the next login uses. */
	login("c2FsdHNhbHRzYWx0c2FsdA==", 1);
	CHECK_INT(scramcache_count("db"), 1);
	CHECK_INT(cache_lines, 0);
	login("c2FsdHNhbHRzYWx0c2FsdA==", 1);
	CHECK_INT(cache_lines, 1);
	CHECK_INT(scramcache_count("db"), 1);
	/* Another salt (a password set again on the server): derived. */
	login("b3RoZXJzYWx0b3RoZXJzYWx0", 1);
	CHECK_INT(cache_lines, 1);
	CHECK_INT(scramcache_count("db"), 2);
	/* Credentials refused: the service's keys go. */
	creds_refused(config_service(mon.conf, "db"));
	CHECK_INT(scramcache_count("db"), 0);
	login("c2FsdHNhbHRzYWx0c2FsdA==", 1);
	CHECK_INT(cache_lines, 1);
	CHECK_INT(scramcache_count("db"), 1);
	/* A reload's forgetting. */
	creds_forget(NULL);
	CHECK_INT(scramcache_count("db"), 0);
 out:
	log_set_sink(NULL, NULL);
	log_set_level(saved);
	if (lfd != -1)
		close(lfd);
	config_free(mon.conf);
	kdf_close();
	scramcache_close();
	evidence_reset();
	provider_cleanup();
	if (mon.base != NULL)
		event_base_free(mon.base);
	memset(&mon, 0, sizeof(mon));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("    could not remove %s\n", dir);
}
