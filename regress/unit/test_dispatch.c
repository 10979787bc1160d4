/*
 * Unit tests for monitor/dispatch.c with a connector made for the test: its
 * own request types far above 32 (the counts are per row, not bits of a
 * word), once, after, capped session requests, and the TLS signature that
 * must come before any authentication request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "connector.h"
#include "log.h"
#include "monitor.h"
#include "monworker.h"
#include "msg.h"
#include "test.h"
#include "util.h"


#define T_START		(MSG_CONNECTOR_BASE + 0)
#define T_STEP		(MSG_CONNECTOR_BASE + 40)
#define T_SIGN		(MSG_CONNECTOR_BASE + 150)

static int	 answered;
static char	 last_line[512];

static int
answer(struct worker *w, struct buf *b)
{
	(void)w;
	answered++;
	return buf_expect_end(b);
}

static const struct mon_request t_requests[] = {
	{ T_START, "T_START", S(W_HANDSHAKE), 1, REQ_AUTH, 0, answer },
	{ T_STEP, "T_STEP", S(W_HANDSHAKE), 1, 0, T_START, answer },
	{ T_SIGN, "T_SIGN", S(W_SESSION), 3, 0, 0, answer },
};

static const struct mon_connector t_conn = {
	.name = "test",
	.flags = MC_BACKEND | MC_SESSION,
	.requests = t_requests,
	.nrequests = nitems(t_requests),
};

static const struct service t_svc = {
	.name = "t",
	.connector = "test",
};

static void
capture(int level, const struct log_ctx *ctx, const char *line, void *arg)
{
	(void)level;
	(void)ctx;
	(void)arg;
	snprintf(last_line, sizeof(last_line), "%s", line);
}

static void
worker_init(struct worker *w, enum wstate st)
{
	memset(w, 0, sizeof(*w));
	w->svc = &t_svc;
	w->pid = NO_PID;
	w->chan = -1;
	w->state = st;
	if (worker_set_connector(w, &t_conn) != 0)
		abort();
}

/* Send an empty request of type; 1 when the worker was killed for it. */
static int
send_empty(struct worker *w, uint32_t type)
{
	struct buf	*b = buf_new(16);
	int		 killed;

	last_line[0] = '\0';
	dispatch_message(w, type, b, -1);
	buf_free(b);
	killed = w->killed;
	return killed;
}

TEST(dispatch_connector_rows)
{
	struct worker	 w;
	char		 err[256];
	int		 saved = log_level();

	log_set_sink(capture, NULL);
	log_set_level(LOG_LVL_WARN);
	CHECK_INT(mon_connector_valid(&t_conn, err, sizeof(err)), 0);
	CHECK_INT(mon_connectors_valid(err, sizeof(err)), 0);

	/* A type above 32 once, after its predecessor only. */
	worker_init(&w, W_HANDSHAKE);
	answered = 0;
	CHECK_INT(send_empty(&w, T_STEP), 1);
	CHECK(strstr(last_line, "T_STEP before T_START") != NULL);
	CHECK_INT(answered, 0);
	free(w.counts);

	worker_init(&w, W_HANDSHAKE);
	CHECK_INT(send_empty(&w, T_START), 0);
	CHECK_INT(send_empty(&w, T_STEP), 0);
	CHECK_INT(answered, 2);
	CHECK_INT(send_empty(&w, T_STEP), 1);
	CHECK(strstr(last_line, "T_STEP requested twice") != NULL);
	CHECK_INT(answered, 2);
	free(w.counts);

	/* The TLS signature comes before any authentication request. */
	worker_init(&w, W_HANDSHAKE);
	CHECK_INT(send_empty(&w, T_START), 0);
	CHECK_INT(send_empty(&w, MSG_TLS_SIGN), 1);
	CHECK(strstr(last_line, "TLS_SIGN after T_START") != NULL);
	free(w.counts);

	/* Session requests: in W_SESSION only, and three at most. */
	worker_init(&w, W_RELAY);
	CHECK_INT(send_empty(&w, T_SIGN), 1);
	CHECK(strstr(last_line, "not permitted in state relay") != NULL);
	free(w.counts);
	worker_init(&w, W_SESSION);
	answered = 0;
	CHECK_INT(send_empty(&w, T_SIGN), 0);
	CHECK_INT(send_empty(&w, T_SIGN), 0);
	CHECK_INT(send_empty(&w, T_SIGN), 0);
	CHECK_INT(answered, 3);
	CHECK_INT(send_empty(&w, T_SIGN), 1);
	CHECK(strstr(last_line, "T_SIGN requested more than 3 times") != NULL);
	CHECK_INT(answered, 3);
	free(w.counts);

	/* A type of no row of the connector, and a common one it lacks. */
	worker_init(&w, W_HANDSHAKE);
	CHECK_INT(send_empty(&w, T_START + 1), 1);
	CHECK(strstr(last_line, "not one of the test connector's") != NULL);
	free(w.counts);
	worker_init(&w, W_ASSIGNED);
	w.conn = &mon_health;
	CHECK_INT(send_empty(&w, MSG_DIAL), 1);
	free(w.counts);

	log_set_sink(NULL, NULL);
	log_set_level(saved);
	/* The kills were counted under service t: other tests count anew. */
	metrics_free();
}

TEST(dispatch_table_checks)
{
	static const struct mon_request low[] = {
		{ MSG_LOG, "LOW", S(W_HANDSHAKE), 1, 0, 0, answer },
	};
	static const struct mon_request twice[] = {
		{ T_START, "A", S(W_HANDSHAKE), 1, 0, 0, answer },
		{ T_START, "B", S(W_HANDSHAKE), 1, 0, 0, answer },
	};
	static const struct mon_request orphan[] = {
		{ T_STEP, "A", S(W_HANDSHAKE), 1, 0, T_START, answer },
	};
	struct mon_connector	 c = t_conn;
	char			 err[256];

	c.requests = low;
	c.nrequests = nitems(low);
	CHECK(mon_connector_valid(&c, err, sizeof(err)) != 0);
	c.requests = twice;
	c.nrequests = nitems(twice);
	CHECK(mon_connector_valid(&c, err, sizeof(err)) != 0);
	CHECK(strstr(err, "twice") != NULL);
	c.requests = orphan;
	c.nrequests = nitems(orphan);
	CHECK(mon_connector_valid(&c, err, sizeof(err)) != 0);
}

/*
 * A connector that serves requests in a session without the backend rows
 * (the HTTP family) may report its byte counts, once, also before its
 * first request; one with the backend rows may not before its login.
 */
TEST(dispatch_session_stats)
{
	static const struct mon_connector s_conn = {
		.name = "session",
		.flags = MC_SESSION,
	};
	struct worker	 w;
	struct buf	*b;
	int		 saved = log_level();

	log_set_sink(capture, NULL);
	log_set_level(LOG_LVL_WARN);
	REQUIRE((b = buf_new(64)) != NULL);
	worker_init(&w, W_ASSIGNED);
	REQUIRE(worker_set_connector(&w, &s_conn) == 0);
	CHECK(buf_put_u64(b, 0) == 0 && buf_put_u64(b, 0) == 0);
	dispatch_message(&w, MSG_STATS, b, -1);
	CHECK_INT(w.killed, 0);
	buf_reset(b);
	CHECK(buf_put_u64(b, 0) == 0 && buf_put_u64(b, 0) == 0);
	dispatch_message(&w, MSG_STATS, b, -1);
	CHECK_INT(w.killed, 1);
	CHECK(strstr(last_line, "STATS requested twice") != NULL);
	free(w.counts);
	/* Nor the backend rows' requests. */
	worker_init(&w, W_ASSIGNED);
	REQUIRE(worker_set_connector(&w, &s_conn) == 0);
	CHECK_INT(send_empty(&w, MSG_DIAL), 1);
	CHECK(strstr(last_line, "not one of the session connector's") != NULL);
	free(w.counts);
	/* A backend's worker reports after its login, not before. */
	worker_init(&w, W_ASSIGNED);
	buf_reset(b);
	CHECK(buf_put_u64(b, 0) == 0 && buf_put_u64(b, 0) == 0);
	dispatch_message(&w, MSG_STATS, b, -1);
	CHECK_INT(w.killed, 1);
	CHECK(strstr(last_line, "not permitted in state assigned") != NULL);
	free(w.counts);
	buf_free(b);
	log_set_sink(NULL, NULL);
	log_set_level(saved);
	metrics_free();
}
