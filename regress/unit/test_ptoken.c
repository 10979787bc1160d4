/*
 * The providers' token cache (providers/ptoken.c): one login for many
 * waiters, answers from the loop only, a token kept until its margin, an
 * unknown lifetime not kept, failures not remembered, invalidation, a
 * cancelled waiter never called.
 */
#include <string.h>

#include <event2/event.h>

#include "errors.h"
#include "secret.h"
#include "test.h"
#include "../../providers/ptoken.h"

struct login {
	int			 calls;
	int			 aborts;
	struct ptoken		*pending;	/* answered by the test */
	const struct secret	*cur;
};

struct got {
	int	 calls;
	int	 error;
	char	 token[32];
};

static void
fake_login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct login	*l = arg;

	(void)base;
	(void)timeout_ms;
	l->calls++;
	l->pending = pt;
	l->cur = cur;
}

static void
fake_abort(struct ptoken *pt, void *arg)
{
	struct login	*l = arg;

	(void)pt;
	l->aborts++;
	l->pending = NULL;
}

static void
got_cb(void *arg, int error, const char *err, const struct secret *tok)
{
	struct got	*g = arg;

	(void)err;
	g->calls++;
	g->error = error;
	if (tok != NULL)
		snprintf(g->token, sizeof(g->token), "%s", tok->data);
}

static void
run(struct event_base *base)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

TEST(ptoken_single_flight)
{
	struct event_base	*base;
	struct ptoken		*pt;
	struct login		 l;
	struct got		 a, b, c;

	memset(&l, 0, sizeof(l));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	REQUIRE((base = event_base_new()) != NULL);
	REQUIRE((pt = ptoken_new("test", fake_login, fake_abort, &l)) != NULL);
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &b) != NULL);
	CHECK_INT(l.calls, 1);
	CHECK(l.cur == NULL);
	run(base);
	CHECK_INT(a.calls, 0);
	/* Answered inside the provider's call: delivered from the loop. */
	ptoken_set(pt, secret_new("tok1", 4), 3600);
	CHECK_INT(a.calls, 0);
	run(base);
	CHECK_INT(a.calls, 1);
	CHECK_INT(b.calls, 1);
	CHECK_STR(a.token, "tok1");
	CHECK_STR(b.token, "tok1");
	/* Kept: no second login. */
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &c) != NULL);
	CHECK_INT(c.calls, 0);
	run(base);
	CHECK_INT(c.calls, 1);
	CHECK_STR(c.token, "tok1");
	CHECK_INT(l.calls, 1);
	/* Refused by the server: the next get logs in, told the old one. */
	{
		struct secret	*same = secret_new("tok1", 4);

		ptoken_invalidate(pt, same);
		secret_free(same);
	}
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &c) != NULL);
	CHECK_INT(l.calls, 2);
	CHECK(l.cur == NULL);
	ptoken_set(pt, secret_new("tok2", 4), 3600);
	run(base);
	CHECK_INT(c.calls, 2);
	CHECK_STR(c.token, "tok2");
	ptoken_free(pt);
	CHECK_INT(l.aborts, 0);
	event_base_free(base);
}

TEST(ptoken_short_and_unknown_lifetimes)
{
	struct event_base	*base;
	struct ptoken		*pt;
	struct login		 l;
	struct got		 a;

	memset(&l, 0, sizeof(l));
	memset(&a, 0, sizeof(a));
	REQUIRE((base = event_base_new()) != NULL);
	REQUIRE((pt = ptoken_new("test", fake_login, NULL, &l)) != NULL);
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	/* 5 s to live, 5 s of margin: due for renewal at once. */
	ptoken_set(pt, secret_new("short", 5), 5);
	run(base);
	CHECK_STR(a.token, "short");
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	CHECK_INT(l.calls, 2);
	CHECK(l.cur != NULL && l.cur->len == 5);
	/* Unknown lifetime: these waiters get it, the next get logs in. */
	ptoken_set(pt, secret_new("once", 4), 0);
	run(base);
	CHECK_INT(a.calls, 2);
	CHECK_STR(a.token, "once");
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	CHECK_INT(l.calls, 3);
	CHECK(l.cur == NULL);
	ptoken_fail(pt, ERR_DENIED, "refused");
	run(base);
	CHECK_INT(a.calls, 3);
	CHECK_INT(a.error, ERR_DENIED);
	/* A failure is not remembered. */
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	CHECK_INT(l.calls, 4);
	ptoken_set(pt, secret_new("back", 4), 600);
	run(base);
	CHECK_INT(a.error, 0);
	CHECK_STR(a.token, "back");
	ptoken_free(pt);
	event_base_free(base);
}

TEST(ptoken_cancel_and_free)
{
	struct event_base	*base;
	struct ptoken		*pt;
	struct ptoken_wait	*w1, *w2;
	struct login		 l;
	struct got		 a, b;

	memset(&l, 0, sizeof(l));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	REQUIRE((base = event_base_new()) != NULL);
	REQUIRE((pt = ptoken_new("test", fake_login, fake_abort, &l)) != NULL);
	CHECK(ptoken_get(pt, base, 0, got_cb, &a) == NULL);
	REQUIRE((w1 = ptoken_get(pt, base, 1000, got_cb, &a)) != NULL);
	REQUIRE((w2 = ptoken_get(pt, base, 1000, got_cb, &b)) != NULL);
	ptoken_cancel(w1);
	ptoken_set(pt, secret_new("tok", 3), 3600);
	run(base);
	CHECK_INT(a.calls, 0);
	CHECK_INT(b.calls, 1);
	/* Cancelled after the answer was scheduled: still never called. */
	REQUIRE((w1 = ptoken_get(pt, base, 1000, got_cb, &a)) != NULL);
	ptoken_cancel(w1);
	run(base);
	CHECK_INT(a.calls, 0);
	/* Freed with a login in flight: aborted, no one answered. */
	ptoken_invalidate(pt, l.cur != NULL ? l.cur : NULL);
	{
		struct secret	*t = secret_new("tok", 3);

		ptoken_invalidate(pt, t);
		secret_free(t);
	}
	REQUIRE(ptoken_get(pt, base, 1000, got_cb, &a) != NULL);
	CHECK_INT(l.calls, 2);
	ptoken_free(pt);
	CHECK_INT(l.aborts, 1);
	run(base);
	CHECK_INT(a.calls, 0);
	(void)w2;
	event_base_free(base);
}
