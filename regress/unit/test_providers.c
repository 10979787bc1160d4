/*
 * Credential providers: literal, env, file (whole, and #key in YAML or
 * JSON), and the generic layer: answers come from the event loop only, a
 * cancelled request never calls back, the deadline wins over a slow
 * provider and its late answer is dropped.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "provider.h"
#include "secret.h"
#include "test.h"
#include "../../providers/provider_impl.h"

struct result {
	int		 calls;
	int		 error;
	char		 err[PROVIDER_ERRLEN];
	size_t		 n;
	char		 val[4][256];
	size_t		 len[4];
};

static void
collect(void *arg, int error, const char *err, struct secret **values,
    size_t n)
{
	struct result	*res = arg;
	size_t		 i;

	res->calls++;
	res->error = error;
	res->n = n;
	if (err != NULL)
		snprintf(res->err, sizeof(res->err), "%s", err);
	for (i = 0; values != NULL && i < n && i < 4; i++) {
		res->len[i] = values[i]->len;
		snprintf(res->val[i], sizeof(res->val[i]), "%.*s",
		    (int)values[i]->len, values[i]->data);
	}
}

/* One get, run to completion; checks that the answer came from the loop. */
static int
get(const char *provider, const char *const *refs, size_t n,
    struct result *res)
{
	struct event_base	*base;
	struct provider_req	*req;

	memset(res, 0, sizeof(*res));
	if ((base = event_base_new()) == NULL)
		return -1;
	req = provider_get(base, provider, refs, n, 1000, collect, res);
	if (req == NULL || res->calls != 0) {
		event_base_free(base);
		return -1;
	}
	event_base_dispatch(base);
	event_base_free(base);
	return res->calls == 1 ? 0 : -1;
}

static char	 tmp_path[64];

static const char *
write_tmp(const char *text, size_t len)
{
	int	 fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/airlock-prov-XXXXXX");
	if ((fd = mkstemp(tmp_path)) == -1)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	close(fd);
	return tmp_path;
}

TEST(providers_exists)
{
	CHECK(provider_exists("literal"));
	CHECK(provider_exists("env"));
	CHECK(provider_exists("file"));
	CHECK(provider_exists("vault"));
	CHECK(provider_exists("conjur"));
	CHECK(provider_exists("keyring"));
	CHECK(!provider_exists("nope"));
	CHECK(!provider_exists(""));
}

TEST(providers_literal)
{
	struct result		 res;
	const char *const	 refs[] = { "s3cret", "", "two words" };

	REQUIRE(get("literal", refs, 3, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_INT(res.n, 3);
	CHECK_STR(res.val[0], "s3cret");
	CHECK_INT(res.len[1], 0);
	CHECK_STR(res.val[2], "two words");
}

TEST(providers_env)
{
	struct result		 res;
	const char *const	 refs[] = { "AIRLOCK_TEST_A", "AIRLOCK_TEST_E" };
	const char *const	 unset[] = { "AIRLOCK_TEST_A",
	    "AIRLOCK_TEST_UNSET" };
	const char *const	 bad[] = { "PATH=/bin" };

	setenv("AIRLOCK_TEST_A", "alpha", 1);
	setenv("AIRLOCK_TEST_E", "", 1);
	unsetenv("AIRLOCK_TEST_UNSET");
	REQUIRE(get("env", refs, 2, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_STR(res.val[0], "alpha");
	CHECK_INT(res.len[1], 0);

	/* One missing reference fails the whole request. */
	REQUIRE(get("env", unset, 2, &res) == 0);
	CHECK_INT(res.error, ERR_NOTFOUND);
	CHECK_INT(res.n, 0);
	CHECK_STR(res.err, "environment variable AIRLOCK_TEST_UNSET is not set");

	REQUIRE(get("env", bad, 1, &res) == 0);
	CHECK(res.error != 0);
	CHECK(strstr(res.err, "PATH=/bin") == NULL);
	unsetenv("AIRLOCK_TEST_A");
	unsetenv("AIRLOCK_TEST_E");
}

/*
 * A variable that a configuration names leaves the environment as it is
 * loaded: its bytes wiped, its name unset, its value served from guarded
 * memory; a name prepared again (a reload) keeps the value.
 */
TEST(providers_env_prepare)
{
	struct result		 res;
	const char *const	 refs[] = { "AIRLOCK_TEST_P" };
	char			 err[256], *was;

	setenv("AIRLOCK_TEST_P", "canary-7f3e", 1);
	REQUIRE((was = getenv("AIRLOCK_TEST_P")) != NULL);
	CHECK_INT(provider_prepare("env", "AIRLOCK_TEST_P", err, sizeof(err)),
	    0);
	CHECK(getenv("AIRLOCK_TEST_P") == NULL);
	/* glibc keeps setenv's strings for reuse: the old bytes are there. */
	CHECK(memcmp(was, "\0\0\0\0\0\0\0\0\0\0\0", 11) == 0);
	REQUIRE(get("env", refs, 1, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_STR(res.val[0], "canary-7f3e");

	CHECK_INT(provider_prepare("env", "AIRLOCK_TEST_P", err, sizeof(err)),
	    0);
	REQUIRE(get("env", refs, 1, &res) == 0);
	CHECK_STR(res.val[0], "canary-7f3e");

	/* Unset, or not a name: no error now; the get says why. */
	CHECK_INT(provider_prepare("env", "AIRLOCK_TEST_UNSET", err,
	    sizeof(err)), 0);
	CHECK_INT(provider_prepare("env", "PATH=/bin", err, sizeof(err)), 0);
	CHECK(getenv("PATH") != NULL);
	env_cleanup();
	REQUIRE(get("env", refs, 1, &res) == 0);
	CHECK_INT(res.error, ERR_NOTFOUND);
}

TEST(providers_file_whole)
{
	static const char	 pem[] = "-----BEGIN X-----\nAAAA\0BBBB\n";
	struct result		 res;
	const char		*refs[1];
	char			 path[64];

	REQUIRE(write_tmp(pem, sizeof(pem) - 1) != NULL);
	snprintf(path, sizeof(path), "%s", tmp_path);
	refs[0] = path;
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, 0);
	/* The length is authoritative, NUL bytes included. */
	CHECK_INT(res.len[0], sizeof(pem) - 1);
	CHECK_STR(res.val[0], "-----BEGIN X-----\nAAAA");
	unlink(path);

	REQUIRE(write_tmp("", 0) != NULL);
	snprintf(path, sizeof(path), "%s", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_INT(res.len[0], 0);
	unlink(path);
}

TEST(providers_file_missing)
{
	struct result		 res;
	const char *const	 refs[] = { "/nonexistent/airlock/secret" };
	const char *const	 keyed[] = { "/nonexistent/airlock/s#a.b" };
	const char *const	 dir[] = { "/tmp" };
	const char *const	 empty[] = { "" };
	char			 fifo[64];
	const char *const	 fiforef[] = { fifo };

	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, ERR_NOTFOUND);
	CHECK(strstr(res.err, "/nonexistent/airlock/secret") != NULL);
	REQUIRE(get("file", keyed, 1, &res) == 0);
	CHECK_INT(res.error, ERR_NOTFOUND);
	CHECK(strstr(res.err, "/nonexistent/airlock/s:") != NULL);
	REQUIRE(get("file", dir, 1, &res) == 0);
	CHECK(strstr(res.err, "not a regular file") != NULL);
	REQUIRE(get("file", empty, 1, &res) == 0);
	CHECK(res.error != 0);

	/* A FIFO with no writer must not block the monitor. */
	snprintf(fifo, sizeof(fifo), "/tmp/airlock-pfifo-%d", (int)getpid());
	unlink(fifo);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	REQUIRE(get("file", fiforef, 1, &res) == 0);
	CHECK(strstr(res.err, "not a regular file") != NULL);
	unlink(fifo);
}

TEST(providers_file_too_big)
{
	struct result	 res;
	const char	*refs[1];
	char		*big, path[64];
	size_t		 len = FILE_PROVIDER_MAX + 1;

	REQUIRE((big = malloc(len)) != NULL);
	memset(big, 'x', len);
	REQUIRE(write_tmp(big, len) != NULL);
	snprintf(path, sizeof(path), "%s", tmp_path);
	refs[0] = path;
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, ERR_TOOBIG);
	CHECK(strstr(res.err, path) != NULL);
	CHECK(strstr(res.err, "xxxx") == NULL);
	unlink(path);

	/* Exactly the limit is fine. */
	REQUIRE(write_tmp(big, len - 1) != NULL);
	snprintf(path, sizeof(path), "%s", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, 0);
	unlink(path);
	free(big);
}

TEST(providers_file_key_yaml)
{
	static const char	 yaml[] =
	    "postgres:\n"
	    "  password: 'pg-pass'\n"
	    "  user: app\n"
	    "  nested:\n"
	    "    deeper:\n"
	    "      key: \"deep value\"\n"
	    "list: [1, 2]\n"
	    "top: plain\n";
	struct result	 res;
	char		 r0[128], r1[128], r2[128], r3[128];
	const char	*refs[4] = { r0, r1, r2, r3 };

	REQUIRE(write_tmp(yaml, sizeof(yaml) - 1) != NULL);
	snprintf(r0, sizeof(r0), "%s#top", tmp_path);
	snprintf(r1, sizeof(r1), "%s#postgres.password", tmp_path);
	snprintf(r2, sizeof(r2), "%s#postgres.nested.deeper.key", tmp_path);
	snprintf(r3, sizeof(r3), "%s", tmp_path);
	REQUIRE(get("file", refs, 4, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_STR(res.val[0], "plain");
	CHECK_STR(res.val[1], "pg-pass");
	CHECK_STR(res.val[2], "deep value");
	CHECK_INT(res.len[3], sizeof(yaml) - 1);

	snprintf(r0, sizeof(r0), "%s#postgres.missing", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, ERR_NOTFOUND);
	CHECK(strstr(res.err, "has no key postgres.missing") != NULL);
	CHECK(strstr(res.err, tmp_path) != NULL);
	CHECK(strstr(res.err, "pg-pass") == NULL);

	snprintf(r0, sizeof(r0), "%s#postgres", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK(strstr(res.err, "is not a scalar") != NULL);

	snprintf(r0, sizeof(r0), "%s#top.x", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK(strstr(res.err, "no mapping") != NULL);
	CHECK(strstr(res.err, "plain") == NULL);

	snprintf(r0, sizeof(r0), "%s#postgres..user", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK(strstr(res.err, "empty component") != NULL);

	snprintf(r0, sizeof(r0), "%s#", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK(strstr(res.err, "empty key") != NULL);
	unlink(tmp_path);

	/* Not YAML at all: the message says where, not what. */
	REQUIRE(write_tmp("a: 'pg-pass\n", 12) != NULL);
	snprintf(r0, sizeof(r0), "%s#a", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK_INT(res.error, ERR_FORMAT);
	CHECK(strstr(res.err, "not valid YAML or JSON") != NULL);
	CHECK(strstr(res.err, "pg-pass") == NULL);
	unlink(tmp_path);

	REQUIRE(write_tmp("a: 1\na: 2\n", 10) != NULL);
	snprintf(r0, sizeof(r0), "%s#a", tmp_path);
	REQUIRE(get("file", refs, 1, &res) == 0);
	CHECK(strstr(res.err, "appears twice") != NULL);
	unlink(tmp_path);
}

TEST(providers_file_key_json)
{
	static const char	 json[] =
	    "{\"data\": {\"data\": {\"password\": \"js\\\"on\\u00e9\","
	    "\"n\": 42}},\n\t\"flag\": true, \"url\": \"a\\/b\"}";
	struct result	 res;
	char		 r0[128], r1[128], r2[128], r3[128];
	const char	*refs[4] = { r0, r1, r2, r3 };

	REQUIRE(write_tmp(json, sizeof(json) - 1) != NULL);
	snprintf(r0, sizeof(r0), "%s#data.data.password", tmp_path);
	snprintf(r1, sizeof(r1), "%s#data.data.n", tmp_path);
	snprintf(r2, sizeof(r2), "%s#flag", tmp_path);
	snprintf(r3, sizeof(r3), "%s#url", tmp_path);
	REQUIRE(get("file", refs, 4, &res) == 0);
	CHECK_INT(res.error, 0);
	CHECK_STR(res.val[0], "js\"on\xc3\xa9");
	CHECK_STR(res.val[1], "42");
	CHECK_STR(res.val[2], "true");
	CHECK_STR(res.val[3], "a/b");
	unlink(tmp_path);
}

TEST(providers_async)
{
	struct event_base	*base;
	struct provider_req	*req;
	struct result		 res;
	const char *const	 refs[] = { "x" };

	memset(&res, 0, sizeof(res));
	REQUIRE((base = event_base_new()) != NULL);
	req = provider_get(base, "literal", refs, 1, 1000, collect, &res);
	REQUIRE(req != NULL);
	/* Never from inside provider_get, even for an answer at hand. */
	CHECK_INT(res.calls, 0);
	event_base_dispatch(base);
	CHECK_INT(res.calls, 1);
	CHECK_STR(res.val[0], "x");

	/* Errors too come from the loop. */
	memset(&res, 0, sizeof(res));
	req = provider_get(base, "file", (const char *const[]){ "" }, 1, 1000,
	    collect, &res);
	REQUIRE(req != NULL);
	CHECK_INT(res.calls, 0);
	event_base_dispatch(base);
	CHECK_INT(res.calls, 1);
	CHECK(res.error != 0);
	event_base_free(base);
}

TEST(providers_cancel)
{
	struct event_base	*base;
	struct provider_req	*req, *req2;
	struct result		 res, res2;
	const char *const	 refs[] = { "x" };

	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	REQUIRE((base = event_base_new()) != NULL);
	req = provider_get(base, "literal", refs, 1, 1000, collect, &res);
	req2 = provider_get(base, "literal", refs, 1, 1000, collect, &res2);
	REQUIRE(req != NULL && req2 != NULL);
	provider_cancel(req);
	provider_cancel(NULL);
	event_base_dispatch(base);
	CHECK_INT(res.calls, 0);
	CHECK_INT(res2.calls, 1);
	event_base_free(base);
}

TEST(providers_bad_args)
{
	struct event_base	*base;
	struct result		 res;
	const char *const	 refs[] = { "x", NULL };

	memset(&res, 0, sizeof(res));
	REQUIRE((base = event_base_new()) != NULL);
	CHECK(provider_get(base, "nope", refs, 1, 1000, collect, &res) ==
	    NULL);
	CHECK(provider_get(base, "magic", refs, 1, 1000, collect, &res) ==
	    NULL);
	CHECK(provider_get(base, "literal", refs, 2, 1000, collect, &res) ==
	    NULL);
	CHECK(provider_get(base, "literal", refs, 1, 0, collect, &res) ==
	    NULL);
	CHECK(provider_get(base, "literal", refs, 1, 1000, NULL, &res) ==
	    NULL);
	CHECK(provider_get(NULL, "literal", refs, 1, 1000, collect, &res) ==
	    NULL);
	event_base_dispatch(base);
	CHECK_INT(res.calls, 0);
	event_base_free(base);
}

/*
 * A slow asynchronous provider, to see the deadline win: it answers
 * after slow_ms, from a timer of its own.
 */
static int	 slow_ms;
static int	 slow_answers;
static int	 slow_aborts;

static void
slow_answer(evutil_socket_t fd, short what, void *arg)
{
	struct provider_req	*req = arg;
	struct secret		**v;

	(void)fd;
	(void)what;
	event_free(provider_req_state(req));
	slow_answers++;
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v[0] = secret_new("late", 4)) == NULL)
		abort();
	provider_done(req, v);
}

static void
slow_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct event	*ev;
	struct timeval	 tv = { 0, slow_ms * 1000 };

	(void)refs;
	(void)n;
	ev = evtimer_new(provider_req_base(req), slow_answer, req);
	if (ev == NULL || evtimer_add(ev, &tv) != 0)
		abort();
	provider_req_set_state(req, ev);
}

static void
slow_abort(struct provider_req *req)
{
	event_free(provider_req_state(req));
	slow_aborts++;
}

static const struct provider_ops slow_ops = {
	"test-slow", NULL, slow_start, NULL, NULL, NULL, NULL, NULL
};
static const struct provider_ops slow_abort_ops = {
	"test-slow-abort", NULL, slow_start, slow_abort, NULL, NULL, NULL,
	NULL
};

TEST(providers_timeout)
{
	static int		 registered;
	struct event_base	*base;
	struct result		 res;
	const char *const	 refs[] = { "x" };

	if (!registered) {
		REQUIRE(provider_register(&slow_ops) == 0);
		REQUIRE(provider_register(&slow_abort_ops) == 0);
		registered = 1;
	}
	CHECK(provider_register(&slow_ops) == ERR_INVAL);
	REQUIRE((base = event_base_new()) != NULL);

	/* In time. */
	memset(&res, 0, sizeof(res));
	slow_ms = 5;
	slow_answers = 0;
	REQUIRE(provider_get(base, "test-slow", refs, 1, 500, collect,
	    &res) != NULL);
	event_base_dispatch(base);
	CHECK_INT(res.calls, 1);
	CHECK_INT(res.error, 0);
	CHECK_STR(res.val[0], "late");

	/* Too late: the deadline answers, the late answer is dropped. */
	memset(&res, 0, sizeof(res));
	slow_ms = 60;
	slow_answers = 0;
	REQUIRE(provider_get(base, "test-slow", refs, 1, 10, collect,
	    &res) != NULL);
	event_base_dispatch(base);
	CHECK_INT(slow_answers, 1);
	CHECK_INT(res.calls, 1);
	CHECK_INT(res.error, ERR_TIMEOUT);
	CHECK(strstr(res.err, "test-slow") != NULL);
	CHECK(strstr(res.err, "late") == NULL);

	/* With an abort hook the provider is stopped instead. */
	memset(&res, 0, sizeof(res));
	slow_answers = slow_aborts = 0;
	REQUIRE(provider_get(base, "test-slow-abort", refs, 1, 10, collect,
	    &res) != NULL);
	event_base_dispatch(base);
	CHECK_INT(slow_answers, 0);
	CHECK_INT(slow_aborts, 1);
	CHECK_INT(res.calls, 1);
	CHECK_INT(res.error, ERR_TIMEOUT);

	/* A cancel before the slow answer: neither callback nor leak. */
	memset(&res, 0, sizeof(res));
	slow_answers = 0;
	slow_ms = 5;
	provider_cancel(provider_get(base, "test-slow", refs, 1, 500, collect,
	    &res));
	event_base_dispatch(base);
	CHECK_INT(slow_answers, 1);
	CHECK_INT(res.calls, 0);
	event_base_free(base);
}
