/*
 * No credential value is ever formatted into a log line, nor into the
 * reason of a refusal that goes back to a worker (and on to its client).
 *
 * The proof drives the monitor's own credential paths in process, at debug
 * level, with a random canary as the value of every credential: resolution
 * through the literal, env and file providers, provider errors, a port
 * that is not one, PostgreSQL MD5 and SCRAM-SHA-256 computed for a worker
 * (a wrong server signature, a bad challenge), the cleartext policy, a
 * credential asked for twice, and configuration errors.  A capturing sink
 * sees every message, renders it in both line formats, and looks for the
 * canary, its hex and its base64.  The test then checks that each path
 * really ran (its line was logged) and that the canary really flowed (a
 * worker that may have the cleartext password gets exactly the canary),
 * and that the detector finds the canary when it is logged on purpose.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "logfmt.h"
#include "connector.h"
#include "monitor.h"
#include "monworker.h"
#include "msg.h"
#include "pgauth.h"
#include "pgmsg.h"
#include "provider.h"
#include "test.h"
#include "util.h"

#define NFORMS		6
#define CAPTURE_MAX	(256 * 1024)

/*
 * A pid that cannot exist (above the kernel's PID_MAX_LIMIT, 2^22), so that
 * the SIGKILL of worker_kill() reaches no one.
 */

static char	 canary[64];
static char	 forms[NFORMS][128];
static char	 captured[CAPTURE_MAX];
static size_t	 captured_len;
static int	 leaks;
static int	 quiet;		/* the detector's own check: leaks expected */

/* The canary, its hex (both cases), and its base64 at each alignment. */
static void
make_forms(void)
{
	unsigned char	 rnd[12], shifted[64];
	char		 b64[128], hex[2 * sizeof(rnd) + 1];
	size_t		 len, i, shift;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(canary, sizeof(canary), "Cn-%s-ry!", hex);
	len = strlen(canary);
	snprintf(forms[0], sizeof(forms[0]), "%s", canary);
	sodium_bin2hex(forms[1], sizeof(forms[1]), (unsigned char *)canary,
	    len);
	for (i = 0; forms[1][i] != '\0'; i++)
		forms[2][i] = forms[1][i] >= 'a' ? forms[1][i] - 32 :
		    forms[1][i];
	/*
	 * Inside a longer buffer the canary's base64 depends on where it
	 * starts: for each of the three offsets, keep the blocks that hold
	 * canary bytes only.
	 */
	for (shift = 0; shift < 3; shift++) {
		memset(shifted, 0, shift);
		memcpy(shifted + shift, canary, len);
		sodium_bin2base64(b64, sizeof(b64), shifted, shift + len,
		    sodium_base64_VARIANT_ORIGINAL);
		b64[(shift + len) / 3 * 4] = '\0';
		snprintf(forms[3 + shift], sizeof(forms[3 + shift]), "%s",
		    b64 + (shift ? 4 : 0));
	}
}

static int
has_canary(const char *s)
{
	size_t	 i;

	for (i = 0; i < NFORMS; i++)
		if (strstr(s, forms[i]) != NULL)
			return 1;
	return 0;
}

static void
inspect(const char *what, const char *s)
{
	size_t	 n = strlen(s);

	if (has_canary(s)) {
		if (!quiet)
				printf("    a credential in %s: %s\n", what, s);
		leaks++;
	}
	if (captured_len + n + 1 < sizeof(captured)) {
		memcpy(captured + captured_len, s, n);
		captured_len += n;
		captured[captured_len++] = '\n';
		captured[captured_len] = '\0';
	}
}

/* Every message, as it is and as both line formats render it. */
static void
sink(int level, const struct log_ctx *ctx, const char *msg, void *arg)
{
	struct timespec	 ts = { 0, 0 };
	char		 line[LOG_LINE_MAX];

	(void)arg;
	inspect("a log message", msg);
	logfmt_text(line, sizeof(line), &ts, level, ctx, msg);
	inspect("a text line", line);
	logfmt_json(line, sizeof(line), &ts, level, ctx, msg);
	inspect("a JSON line", line);
}

static int
logged(const char *s)
{
	if (strstr(captured, s) != NULL)
		return 1;
	printf("    never logged: %s\n", s);
	return 0;
}

/*
 * Make a request as the worker would and run the monitor's loop until it
 * answers (5 s at most).  Returns the answer's type, or 0 when there was
 * none (the worker was killed); a MSG_FAILED reason is inspected.
 */
static uint32_t
ask(struct worker *w, int peer, uint32_t type, const void *v, size_t len,
    const void *v2, size_t len2, int u8, struct buf *reply)
{
	struct buf		*req;
	struct pollfd		 pfd = { peer, POLLIN, 0 };
	const unsigned char	*why;
	char			 reason[1024];
	uint32_t		 rtype;
	size_t			 wlen;
	int			 i, r, fd;

	if ((req = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return 0;
	if (u8 >= 0)
		buf_put_u8(req, u8);
	if (v != NULL)
		buf_put_string(req, v, len);
	if (v2 != NULL)
		buf_put_string(req, v2, len2);
	dispatch_message(w, type, req, -1);
	buf_free(req);
	for (i = 0; i < 500; i++) {
		r = msg_recv(peer, &rtype, reply, &fd);
		if (r == 0) {
			if (fd != -1)
				close(fd);
			if (rtype == MSG_FAILED &&
			    buf_get_string_direct(reply, &why, &wlen) == 0) {
				snprintf(reason, sizeof(reason), "%.*s",
				    (int)wlen, why);
				inspect("a refusal's reason", reason);
			}
			return rtype;
		}
		if (r != ERR_AGAIN || w->killed)
			return 0;
		event_base_loop(mon.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		poll(&pfd, 1, 10);
	}
	return 0;
}

/* A request that the monitor answers with nothing. */
static void
tell(struct worker *w, uint32_t type, int u8)
{
	struct buf	*req;

	if ((req = buf_new(16)) == NULL)
		return;
	buf_put_u8(req, u8);
	dispatch_message(w, type, req, -1);
	buf_free(req);
}

#define DIAL(w, p, b)	ask(w, p, MSG_DIAL, NULL, 0, NULL, 0, DIAL_SESSION, b)
#define ASK(w, p, t, s, b) ask(w, p, t, s, strlen(s), NULL, 0, -1, b)
/* SCRAM without channel binding: no binding data. */
#define START(w, p, b)	ask(w, p, MSG_PG_SCRAM_START, "SCRAM-SHA-256", 13, "", \
			    0, -1, b)

/* SCRAM through the monitor, with a server that gets the signature wrong. */
static void
scram_wrong_signature(struct worker *w, int peer, struct buf *b)
{
	const unsigned char	*first;
	char			 server_first[256];
	size_t			 len;
	uint8_t			 ok = 1;
	const char		*nonce;

	REQUIRE(START(w, peer, b) == MSG_PG_SCRAM_START);
	REQUIRE(buf_get_string_direct(b, &first, &len) == 0);
	snprintf(server_first, sizeof(server_first), "%.*s", (int)len, first);
	REQUIRE((nonce = strstr(server_first, "r=")) != NULL);
	snprintf(server_first, sizeof(server_first),
	    "%.*sSRVNONCE,s=c2FsdHNhbHRzYWx0c2FsdA==,i=4096",
	    (int)(len - (nonce - (const char *)server_first)),
	    (const char *)first + (nonce - server_first));
	REQUIRE(ASK(w, peer, MSG_PG_SCRAM_FINAL, server_first, b) ==
	    MSG_PG_SCRAM_FINAL);
	REQUIRE(ASK(w, peer, MSG_PG_SCRAM_VERIFY,
	    "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", b) ==
	    MSG_PG_SCRAM_VERIFY);
	CHECK(buf_get_u8(b, &ok) == 0 && ok == 0);
}

/* A service whose credentials resolve: every request the worker may make. */
static void
good_service(const char *name, int cleartext, struct buf *b)
{
	struct worker		*w;
	const unsigned char	*v;
	size_t			 len;
	int			 peer;

	/* One method per connection: a worker each. */
	REQUIRE((w = test_worker_new(name, &peer)) != NULL);
	CHECK(DIAL(w, peer, b) == MSG_DIALED);
	CHECK(w->state == W_HANDSHAKE);
	CHECK(ASK(w, peer, MSG_PG_MD5, "salt", b) == MSG_PG_MD5);
	test_worker_done(w, peer);
	REQUIRE((w = test_worker_new(name, &peer)) != NULL);
	CHECK(DIAL(w, peer, b) == MSG_DIALED);
	scram_wrong_signature(w, peer, b);
	test_worker_done(w, peer);
	REQUIRE((w = test_worker_new(name, &peer)) != NULL);
	CHECK(DIAL(w, peer, b) == MSG_DIALED);
	if (cleartext) {
		/* The one way out, by design: the value itself. */
		CHECK(ASK(w, peer, MSG_CREDENTIAL, "password", b) ==
		    MSG_CREDENTIAL);
		CHECK(buf_get_string_direct(b, &v, &len) == 0 &&
		    len == strlen(canary) && memcmp(v, canary, len) == 0);
		tell(w, MSG_AUTHDONE, 1);
		CHECK(w->state == W_RELAY);
	} else {
		CHECK(ASK(w, peer, MSG_CREDENTIAL, "password", b) ==
		    MSG_FAILED);
		CHECK(ASK(w, peer, MSG_CREDENTIAL, "password", b) == 0);
		CHECK(w->killed);
	}
	test_worker_done(w, peer);
	/* A fourth worker gets a challenge that is not SCRAM. */
	REQUIRE((w = test_worker_new(name, &peer)) != NULL);
	CHECK(DIAL(w, peer, b) == MSG_DIALED);
	CHECK(START(w, peer, b) == MSG_PG_SCRAM_START);
	CHECK(ASK(w, peer, MSG_PG_SCRAM_FINAL, "r=x,s=!!,i=0", b) == MSG_FAILED);
	test_worker_done(w, peer);
}

/* A service whose credentials cannot be used: refused at the dial. */
static void
bad_service(const char *name, struct buf *b)
{
	struct worker	*w;
	int		 peer;

	REQUIRE((w = test_worker_new(name, &peer)) != NULL);
	CHECK(DIAL(w, peer, b) == MSG_FAILED);
	CHECK(w->state == W_DONE);
	test_worker_done(w, peer);
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void
config_errors(const char *dir)
{
	/* Each line with the canary between its two halves. */
	static const char *const bad[][2] = {
		{ "password: {from: literal, get: \"", "\", as: x}" },
		{ "password: {get: \"", "\"}" },
		{ "port: \"", "\"" },
		{ "sslmode: \"", "\"" },
		{ "password: [\"", "\"]" },
		{ "password: \"", "\"\n      password: x" },
	};
	struct config	*cf;
	char		 text[1024], err[1024], path[256];
	size_t		 i;

	snprintf(path, sizeof(path), "%s/bad.yml", dir);
	for (i = 0; i < nitems(bad); i++) {
		snprintf(text, sizeof(text), "version: 2\nservices:\n  db:\n"
		    "    connector: pg\n    listenOn: tcp://127.0.0.1:5432\n"
		    "    credentials:\n      host: h\n      username: u\n"
		    "      %s%s%s\n", bad[i][0], canary, bad[i][1]);
		CHECK(write_file(dir, "bad.yml", text) == 0);
		cf = config_load(path, err, sizeof(err));
		CHECK(cf == NULL);
		config_free(cf);
		CHECK(err[0] != '\0');
		inspect("a configuration error", err);
	}
}

TEST(log_never_a_secret)
{
	struct buf	*b;
	char		 dir[] = "/tmp/airlock-canary-XXXXXX";
	char		 text[4096], err[1024], path[256];
	struct sockaddr_un sun;
	unsigned char	 buf[128];
	char		 enc[256];
	int		 lfd = -1, saved_level = log_level(), before;
	size_t		 i, len;

	make_forms();
	captured_len = 0;
	captured[0] = '\0';
	leaks = 0;
	REQUIRE(mkdtemp(dir) != NULL);
	REQUIRE(setenv("AIRLOCK_TEST_CANARY", canary, 1) == 0);
	unsetenv("AIRLOCK_TEST_UNSET");

	/* The backend: a listening socket where libpq would look for one. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/.s.PGSQL.5432", dir);
	REQUIRE((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(lfd, 64) == 0);

	snprintf(text, sizeof(text), "%s\n", canary);
	REQUIRE(write_file(dir, "pw", text) == 0);
	snprintf(text, sizeof(text), "db: {password: \"%s\"}\n", canary);
	REQUIRE(write_file(dir, "pw.yml", text) == 0);
	snprintf(text, sizeof(text), "\"%s\": [\n", canary);
	REQUIRE(write_file(dir, "notyaml", text) == 0);
#define SVC(name, port, cred, extra)					\
	"  " name ":\n    connector: pg\n"				\
	"    listenOn: tcp://127.0.0.1:" port "\n"			\
	"    credentials:\n      host: %1$s\n      username: u\n"	\
	"      sslmode: disable\n      " cred "\n" extra
	snprintf(text, sizeof(text), "version: 2\nservices:\n"
	    SVC("lit", "1", "password: {from: literal, get: \"%2$s\"}",
	    "    config: {cleartextPassword: always}\n")
	    SVC("env", "2", "password: {from: env, get: AIRLOCK_TEST_CANARY}",
	    "")
	    SVC("file", "3", "password: {from: file, get: %1$s/pw}", "")
	    SVC("filekey", "4",
	    "password: {from: file, get: \"%1$s/pw.yml#db.password\"}", "")
	    SVC("envport", "5", "port: {from: env, get: AIRLOCK_TEST_CANARY}",
	    "")
	    SVC("notyaml", "6",
	    "password: {from: file, get: \"%1$s/notyaml#password\"}", "")
	    SVC("nokey", "7",
	    "password: {from: file, get: \"%1$s/pw.yml#db.nosuch\"}", "")
	    SVC("notmap", "8",
	    "password: {from: file, get: \"%1$s/pw.yml#db.password.x\"}", "")
	    SVC("envref", "9", "password: {from: env, get: \"%2$s\"}", "")
	    SVC("unset", "10",
	    "password: {from: env, get: AIRLOCK_TEST_UNSET}", ""),
	    dir, canary);
#undef SVC
	REQUIRE(write_file(dir, "airlock.yml", text) == 0);
	snprintf(path, sizeof(path), "%s/airlock.yml", dir);

	log_set_sink(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	memset(&mon, 0, sizeof(mon));
	TAILQ_INIT(&mon.workers);
	/* No listeners here: a worker's exit must not resume them. */
	mon.draining = 1;
	mon.base = event_base_new();
	mon.conf = config_load(path, err, sizeof(err));
	if (mon.conf == NULL)
		printf("    %s\n", err);
	inspect("a configuration error", err);
	if (mon.base == NULL || mon.conf == NULL ||
	    (b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL) {
		CHECK(!"monitor set up");
		goto out;
	}

	good_service("lit", 1, b);
	good_service("env", 0, b);
	good_service("file", 0, b);
	good_service("filekey", 0, b);
	bad_service("envport", b);
	bad_service("notyaml", b);
	bad_service("nokey", b);
	bad_service("notmap", b);
	bad_service("envref", b);
	bad_service("unset", b);
	config_errors(dir);
	buf_free(b);

	/* Each path ran, and left its line. */
	CHECK(logged("authenticated (cleartext password)"));
	CHECK(logged("SCRAM server signature is wrong"));
	CHECK(logged("unacceptable SCRAM challenge"));
	CHECK(logged("refuses to send"));
	CHECK(logged("asked for credential password twice"));
	CHECK(logged("has an invalid port"));
	CHECK(logged("is not valid YAML"));
	CHECK(logged("has no key db.nosuch"));
	CHECK(logged("no mapping to look up"));
	CHECK(logged("not a valid environment variable name"));
	CHECK(logged("AIRLOCK_TEST_UNSET is not set"));
	CHECK(logged("credential port of service db must be a number"));
	CHECK_INT(leaks, 0);

	/* The detector is not blind: each form of the canary is found. */
	before = leaks;
	quiet = 1;
	for (i = 0; i < NFORMS; i++)
		log_debug("on purpose: x%sx", forms[i]);
	/* And inside a longer buffer, at each alignment, in hex and base64. */
	len = strlen(canary);
	for (i = 0; i < 3; i++) {
		memcpy(buf, "xyz", i);
		memcpy(buf + i, canary, len);
		memcpy(buf + i + len, "tail", 4);
		sodium_bin2base64(enc, sizeof(enc), buf, i + len + 4,
		    sodium_base64_VARIANT_ORIGINAL);
		log_debug("on purpose: %s", enc);
		sodium_bin2hex(enc, sizeof(enc), buf, i + len + 4);
		log_debug("on purpose: %s", enc);
	}
	CHECK_INT(leaks - before, 3 * (NFORMS + 6));
	leaks = before;
	quiet = 0;
 out:
	log_set_sink(NULL, NULL);
	log_set_level(saved_level);
	unsetenv("AIRLOCK_TEST_CANARY");
	if (lfd != -1)
		close(lfd);
	config_free(mon.conf);
	/* SCRAM's threads, and the env provider's kept values. */
	kdf_close();
	provider_cleanup();
	if (mon.base != NULL)
		event_base_free(mon.base);
	memset(&mon, 0, sizeof(mon));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("    could not remove %s\n", dir);
}
