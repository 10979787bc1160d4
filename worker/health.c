/*
 * The health connector: one request on a connection to the health
 * listener, answered and closed (RFC 9112 section 9.6, "Connection:
 * close").  /live and /ready as Secretless Broker serves them, ?full=1 for
 * a JSON detail, /metrics in the Prometheus text format.  The figures come
 * from the monitor (one MSG_HEALTH).  The request must arrive whole within
 * HEALTH_REQUEST_MS and HREQ_MAX_BYTES, and the answer is written within
 * HEALTH_ANSWER_MS (include/msg.h).  No credential, no dial.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "figures.h"
#include "health.h"
#include "log.h"
#include "msg.h"
#include "worker.h"

/* /metrics of a few hundred services, with room to spare. */
#define BODY_MAX		(4 * 1024 * 1024)

#define CT_TEXT			"text/plain; charset=utf-8"
#define CT_JSON			"application/json"
#define CT_PROMETHEUS		"text/plain; version=0.0.4; charset=utf-8"

/* The connector's one request: the figures (fig_free them). */
static int
health_figures(struct wconn *c, struct figures *f, char *err, size_t errlen)
{
	struct buf	*reply;
	int		 r;

	fig_init(f);
	if ((reply = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	if ((r = wchan_request(c, MSG_HEALTH, NULL, reply, NULL, err, errlen)) == 0 &&
	    (r = fig_decode(reply, f)) != 0)
		snprintf(err, errlen, "airlock: malformed figures");
	buf_free(reply);
	return r;
}

static const char *
status_text(int code)
{
	switch (code) {
	case 200:	return "OK";
	case 400:	return "Bad Request";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 500:	return "Internal Server Error";
	case 503:	return "Service Unavailable";
	default:	return "Error";
	}
}

static int
respond(struct wconn *c, int head, int code, const char *type,
    const struct buf *body)
{
	char	 hdr[512];
	int	 n, r;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n%s"
	    "Connection: close\r\n\r\n", code, status_text(code), type,
	    buf_len(body), code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return ERR_INVAL;
	if ((r = ep_write_full(&c->client, hdr, (size_t)n, c->deadline)) != 0)
		return r;
	if (head || buf_len(body) == 0)
		return 0;
	return ep_write_full(&c->client, buf_ptr(body), buf_len(body),
	    c->deadline);
}

/* A short text answer. */
static int
respond_text(struct wconn *c, int head, int code, const char *text)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(256)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put(b, text, strlen(text))) == 0)
		r = respond(c, head, code, CT_TEXT, b);
	buf_free(b);
	return r;
}

static int
read_request(struct wconn *c, struct hreq *req)
{
	unsigned char	 chunk[2048];
	size_t		 got;
	short		 want;
	int		 r;

	for (;;) {
		r = ep_read_some(&c->client, chunk, sizeof(chunk), &got, &want);
		if (r == ERR_AGAIN) {
			if ((r = ep_wait(c->client.fd, want, c->deadline)) != 0)
				return r;
			continue;
		}
		if (r != 0)
			return r;
		if ((r = hreq_feed(req, chunk, got)) != ERR_AGAIN)
			return r;
	}
}

/* The figures' page for a path, or 404. */
static int
serve(struct wconn *c, const struct hreq *req, const struct figures *f)
{
	struct buf	*body;
	int		 head = req->method == HREQ_HEAD, code = 200, r;
	const char	*type = CT_TEXT;

	if ((body = buf_new(BODY_MAX)) == NULL)
		return ERR_NOMEM;
	if (strcmp(req->path, "/metrics") == 0) {
		type = CT_PROMETHEUS;
		r = hfmt_metrics(body, f);
	} else {
		if (strcmp(req->path, "/ready") == 0 && !f->ready)
			code = 503;
		if (req->full) {
			type = CT_JSON;
			r = hfmt_json(body, f, strcmp(req->path, "/ready") == 0);
		} else
			r = buf_put(body, code == 200 ? "ok\n" :
			    "not ready\n", code == 200 ? 3 : 10);
	}
	if (r != 0)
		r = respond_text(c, head, 500, "the page does not fit\n");
	else
		r = respond(c, head, code, type, body);
	buf_free(body);
	return r;
}

static int
health_handshake(struct wconn *c)
{
	struct hreq	 req;
	struct figures	 f;
	char		 err[256];
	int		 head, r;

	hreq_init(&req);
	/* A health request gets seconds, not the handshake's deadline. */
	if (deadline_in(HEALTH_REQUEST_MS) < c->deadline)
		c->deadline = deadline_in(HEALTH_REQUEST_MS);
	r = read_request(c, &req);
	c->deadline = deadline_in(HEALTH_ANSWER_MS);
	if (r == ERR_TIMEOUT || r == ERR_EOF || r == ERR_SYS) {
		/* A client that does not finish its request gets nothing. */
		log_debug("health: %s before a whole request", err_str(r));
		return 0;
	}
	/*
	 * The client hears of its mistakes; whether it listens is its own
	 * business, so write errors end the connection and nothing else.
	 */
	if (r != 0) {
		(void)respond_text(c, 0, 400, "bad request\n");
		return 0;
	}
	if (req.method == HREQ_OTHER) {
		(void)respond_text(c, 0, 405, "GET or HEAD only\n");
		return 0;
	}
	head = req.method == HREQ_HEAD;
	if (strcmp(req.path, "/live") != 0 && strcmp(req.path, "/ready") != 0 &&
	    strcmp(req.path, "/metrics") != 0) {
		(void)respond_text(c, head, 404, "not found\n");
		return 0;
	}
	/* The monitor's answer is itself the proof that its loop runs. */
	if ((r = health_figures(c, &f, err, sizeof(err))) != 0) {
		log_debug("health: no figures: %s", err);
		(void)respond_text(c, head, 503, "airlockd did not answer\n");
		return 0;
	}
	if ((r = serve(c, &req, &f)) != 0)
		log_debug("health: cannot answer: %s", err_str(r));
	fig_free(&f);
	return 0;
}

const struct connector health_connector = {
	.name = "health",
	.handshake = health_handshake,
};
