/*
 * The ssh connector's channel relay (RFC 4254): each channel the client
 * opens (a session, or a direct-tcpip forward) is opened the same on the
 * backend, and the two are a pair.  The client's requests on a session
 * (pty-req, shell, exec, subsystem, env, window-change, signal) are made
 * on the backend's channel, and the backend's answer is the client's;
 * exit-status and exit-signal come back.  Other channel types, global
 * requests (tcpip-forward) and agent or X11 forwarding are refused.
 *
 * Data moves in the loop, not in callbacks: libssh keeps what it
 * received in the channel's buffer, and a pair moves only as much as the
 * other side's window takes (pump() says how the buffers stay bounded),
 * so a slow reader slows its writer instead of filling the worker.
 *
 * The backend's requests are blocking calls (with the session's timeout)
 * made from the client's callbacks: the two sessions have events of their
 * own, so that such a call runs the backend's hooks only.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "ssh.h"
#include "sshconn.h"
#include "worker.h"

/* Seconds one request on the backend may take. */
#define RELAY_REQUEST_TIMEOUT	30
/*
 * The most one read of a flow takes: above what libssh may buffer for a
 * channel (WINDOWBASE and WINDOWLIMIT in its channels.c: under 2 MB).
 */
#define RELAY_FLOW_MAX		(4 * 1024 * 1024)

/* One direction of a pair's data: what was read and is not yet written. */
struct sshflow {
	ssh_channel	 src;
	ssh_channel	 dst;
	int		 is_stderr;
	unsigned char	*buf;		/* what the last read took */
	size_t		 size;		/* buf's */
	size_t		 off;
	size_t		 len;
};

enum { FLOW_B2C, FLOW_B2C_ERR, FLOW_C2B, FLOW_C2B_ERR, FLOW_N };

struct sshpair {
	struct sshpair	*next;
	struct sshflow	 flow[FLOW_N];
	struct sshconn	*sc;
	ssh_channel	 cch;		/* the client's */
	ssh_channel	 bch;		/* the backend's */
	struct ssh_channel_callbacks_struct ccb;
	struct ssh_channel_callbacks_struct bcb;
	int		 ceof_sent;	/* EOF sent to the client */
	int		 beof_sent;	/* EOF sent to the backend */
	int		 has_status;
	int		 status;
	char		*signal;	/* exit-signal, when one came */
	int		 core;
	char		*errmsg;
};

/* A blocking request on the backend, from a client's callback. */
static void
back_blocking(struct sshconn *sc, int on)
{
	ssh_set_blocking(sc->back, on);
}

/* The backend's answer to a client's request is the client's. */
static int
req_result(const char *what, int rc)
{
	if (rc != SSH_OK)
		log_debug("the backend refused %s", what);
	return rc == SSH_OK ? 0 : -1;
}

static int
on_pty(ssh_session s, ssh_channel ch, const char *term, int w, int h,
    int pw, int ph, void *arg)
{
	struct sshpair	*p = arg;
	int		 rc;

	(void)s, (void)ch, (void)pw, (void)ph;
	back_blocking(p->sc, 1);
	rc = ssh_channel_request_pty_size(p->bch, term, w, h);
	back_blocking(p->sc, 0);
	return req_result("a pty", rc);
}

static int
on_shell(ssh_session s, ssh_channel ch, void *arg)
{
	struct sshpair	*p = arg;
	int		 rc;

	(void)s, (void)ch;
	back_blocking(p->sc, 1);
	rc = ssh_channel_request_shell(p->bch);
	back_blocking(p->sc, 0);
	return req_result("a shell", rc);
}

static int
on_exec(ssh_session s, ssh_channel ch, const char *cmd, void *arg)
{
	struct sshpair	*p = arg;
	int		 rc;

	(void)s, (void)ch;
	back_blocking(p->sc, 1);
	rc = ssh_channel_request_exec(p->bch, cmd);
	back_blocking(p->sc, 0);
	return req_result("a command", rc);
}

static int
on_subsystem(ssh_session s, ssh_channel ch, const char *name, void *arg)
{
	struct sshpair	*p = arg;
	int		 rc;

	(void)s, (void)ch;
	back_blocking(p->sc, 1);
	rc = ssh_channel_request_subsystem(p->bch, name);
	back_blocking(p->sc, 0);
	return req_result("a subsystem", rc);
}

static int
on_env(ssh_session s, ssh_channel ch, const char *name, const char *value,
    void *arg)
{
	struct sshpair	*p = arg;
	int		 rc;

	(void)s, (void)ch;
	back_blocking(p->sc, 1);
	rc = ssh_channel_request_env(p->bch, name, value);
	back_blocking(p->sc, 0);
	return req_result("an environment variable", rc);
}

/* RFC 4254 6.7 and 6.9: no reply is wanted. */
static int
on_window(ssh_session s, ssh_channel ch, int w, int h, int pw, int ph,
    void *arg)
{
	struct sshpair	*p = arg;

	(void)s, (void)ch, (void)pw, (void)ph;
	ssh_channel_change_pty_size(p->bch, w, h);
	return 0;
}

static void
on_signal(ssh_session s, ssh_channel ch, const char *sig, void *arg)
{
	struct sshpair	*p = arg;

	(void)s, (void)ch;
	ssh_channel_request_send_signal(p->bch, sig);
}

/* RFC 4254 6.10: kept, and passed on when the channel ends. */
static void
on_exit_status(ssh_session s, ssh_channel ch, int status, void *arg)
{
	struct sshpair	*p = arg;

	(void)s, (void)ch;
	p->has_status = 1;
	p->status = status;
}

static void
on_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
    const char *errmsg, const char *lang, void *arg)
{
	struct sshpair	*p = arg;

	(void)s, (void)ch, (void)lang;
	free(p->signal);
	free(p->errmsg);
	p->signal = strdup(sig);
	p->errmsg = strdup(errmsg != NULL ? errmsg : "");
	p->core = core;
}

/* Open the backend's half; then the client's is accepted by the caller. */
static struct sshpair *
pair_open(struct sshconn *sc, const char *host, int port, const char *orig,
    int oport)
{
	struct sshpair	*p;
	int		 rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->sc = sc;
	if ((p->bch = ssh_channel_new(sc->back)) == NULL) {
		free(p);
		return NULL;
	}
	back_blocking(sc, 1);
	if (host == NULL)
		rc = ssh_channel_open_session(p->bch);
	else
		rc = ssh_channel_open_forward(p->bch, host, port, orig,
		    oport);
	back_blocking(sc, 0);
	if (rc != SSH_OK) {
		log_info("the backend refused a %s channel%s%s",
		    host == NULL ? "session" : "direct-tcpip",
		    host == NULL ? "" : " to ", host == NULL ? "" : host);
		ssh_channel_free(p->bch);
		free(p);
		return NULL;
	}
	p->bcb.userdata = p;
	p->bcb.channel_exit_status_function = on_exit_status;
	p->bcb.channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(&p->bcb);
	ssh_set_channel_callbacks(p->bch, &p->bcb);
	return p;
}

static void
flow_init(struct sshflow *f, ssh_channel src, ssh_channel dst, int is_stderr)
{
	f->src = src;
	f->dst = dst;
	f->is_stderr = is_stderr;
}

static void
pair_attach(struct sshconn *sc, struct sshpair *p, ssh_channel cch)
{
	p->cch = cch;
	flow_init(&p->flow[FLOW_B2C], p->bch, cch, 0);
	flow_init(&p->flow[FLOW_B2C_ERR], p->bch, cch, 1);
	flow_init(&p->flow[FLOW_C2B], cch, p->bch, 0);
	flow_init(&p->flow[FLOW_C2B_ERR], cch, p->bch, 1);
	p->ccb.userdata = p;
	p->ccb.channel_pty_request_function = on_pty;
	p->ccb.channel_shell_request_function = on_shell;
	p->ccb.channel_exec_request_function = on_exec;
	p->ccb.channel_subsystem_request_function = on_subsystem;
	p->ccb.channel_env_request_function = on_env;
	p->ccb.channel_pty_window_change_function = on_window;
	p->ccb.channel_signal_function = on_signal;
	ssh_callbacks_init(&p->ccb);
	ssh_set_channel_callbacks(cch, &p->ccb);
	p->next = sc->pairs;
	sc->pairs = p;
}

static void
pair_free(struct sshpair *p)
{
	int	 i;

	for (i = 0; i < FLOW_N; i++)
		free(p->flow[i].buf);
	if (p->cch != NULL)
		ssh_channel_free(p->cch);
	if (p->bch != NULL)
		ssh_channel_free(p->bch);
	free(p->signal);
	free(p->errmsg);
	free(p);
}

/* A client's session channel (RFC 4254 6.1). */
static ssh_channel
on_session_open(ssh_session s, void *arg)
{
	struct sshconn	*sc = arg;
	struct sshpair	*p;
	ssh_channel	 cch;

	if (sc->failed)
		return sshrefuse_channel(sc, s);
	if ((p = pair_open(sc, NULL, 0, NULL, 0)) == NULL)
		return NULL;
	if ((cch = ssh_channel_new(s)) == NULL) {
		pair_free(p);
		return NULL;
	}
	pair_attach(sc, p, cch);
	return cch;
}

/*
 * What the server callbacks do not cover: direct-tcpip (RFC 4254 7.2) is
 * opened on the backend; everything else gets libssh's default answer,
 * a refusal.  1: refuse.
 */
static int
on_message(ssh_session s, ssh_message m, void *arg)
{
	struct sshconn	*sc = arg;
	struct sshpair	*p;
	ssh_channel	 cch;

	(void)s;
	if (ssh_message_type(m) != SSH_REQUEST_CHANNEL_OPEN ||
	    ssh_message_subtype(m) != SSH_CHANNEL_DIRECT_TCPIP) {
		/* The service request's default answer is an accept. */
		if (ssh_message_type(m) != SSH_REQUEST_SERVICE)
			log_debug("refused a request of type %d.%d from the "
			    "client", ssh_message_type(m),
			    ssh_message_subtype(m));
		return 1;
	}
	if (sc->failed)
		return 1;
	p = pair_open(sc, ssh_message_channel_request_open_destination(m),
	    ssh_message_channel_request_open_destination_port(m),
	    ssh_message_channel_request_open_originator(m),
	    ssh_message_channel_request_open_originator_port(m));
	if (p == NULL)
		return 1;
	if ((cch = ssh_message_channel_request_open_reply_accept(m)) ==
	    NULL) {
		pair_free(p);
		return 0;
	}
	pair_attach(sc, p, cch);
	return 0;
}

void
sshrelay_init(struct sshconn *sc)
{
	sc->scb.channel_open_request_session_function = on_session_open;
	ssh_set_message_callback(sc->front, on_message, sc);
}

/*
 * Move what the flow's source holds to its destination, as far as the
 * destination's window goes.  libssh opens the source's window again at
 * every read, whatever it still buffers (channels.c, ssh_channel_read_
 * timeout), so reading a window's worth at a time would let a fast
 * writer fill the worker: the flow takes all the source buffers in one
 * read, and reads again only when that has gone on.  What libssh buffers
 * is bounded by its own rule for data that arrives (the window grows only
 * while window and buffer together are under WINDOWLIMIT), so the flow's
 * copy is too.  A write may take less than it is given (none during a key
 * re-exchange): the rest waits.  The count moved, or -1 when a side
 * failed.
 */
static long
pump(struct sshflow *f)
{
	unsigned char	*nb;
	long		 moved = 0;
	int		 n, avail;

	for (;;) {
		if (f->len > 0) {
			n = f->is_stderr ? ssh_channel_write_stderr(f->dst,
			    f->buf + f->off, f->len) : ssh_channel_write(f->dst,
			    f->buf + f->off, f->len);
			if (n < 0)
				return -1;
			f->off += n;
			f->len -= n;
			moved += n;
			if (f->len > 0)
				break;
		}
		if (ssh_channel_window_size(f->dst) == 0)
			break;
		avail = ssh_channel_poll(f->src, f->is_stderr);
		if (avail == SSH_EOF || avail == 0)
			break;
		if (avail < 0)
			return -1;
		if (avail > RELAY_FLOW_MAX)
			avail = RELAY_FLOW_MAX;
		if ((size_t)avail > f->size) {
			if ((nb = realloc(f->buf, avail)) == NULL)
				return -1;
			f->buf = nb;
			f->size = avail;
		}
		n = ssh_channel_read_nonblocking(f->src, f->buf, avail,
		    f->is_stderr);
		if (n == SSH_EOF || n == 0)
			break;
		if (n < 0)
			return -1;
		f->off = 0;
		f->len = n;
	}
	return moved;
}

/* Has the source no more to give, and has all it gave gone on? */
static int
drained(struct sshflow *f)
{
	return f->len == 0 && ssh_channel_poll(f->src, f->is_stderr) <= 0;
}

/* An EOF that came, once what came before it has gone on. */
static void
pass_eof(struct sshflow *out, struct sshflow *err, int *sent)
{
	if (*sent || !ssh_channel_is_eof(out->src) ||
	    ssh_channel_is_closed(out->dst) || !drained(out) || !drained(err))
		return;
	ssh_channel_send_eof(out->dst);
	*sent = 1;
}

/* RFC 4254 6.10: the backend's end, as the client's. */
static void
pass_exit(struct sshpair *p)
{
	if (ssh_channel_is_closed(p->cch))
		return;
	if (p->has_status)
		ssh_channel_request_send_exit_status(p->cch, p->status);
	if (p->signal != NULL)
		ssh_channel_request_send_exit_signal(p->cch, p->signal,
		    p->core, p->errmsg, "");
}

/* One pair's turn: data both ways, EOFs, the end.  1: the pair is done. */
static int
pair_turn(struct sshconn *sc, struct sshpair *p, int *moved)
{
	long	 n[FLOW_N];
	int	 i;

	for (i = 0; i < FLOW_N; i++)
		if ((n[i] = pump(&p->flow[i])) < 0)
			return 1;
	if (n[0] + n[1] + n[2] + n[3] > 0)
		*moved = 1;
	sc->st->b2c += n[FLOW_B2C] + n[FLOW_B2C_ERR];
	sc->st->c2b += n[FLOW_C2B] + n[FLOW_C2B_ERR];
	i = p->ceof_sent + p->beof_sent;
	pass_eof(&p->flow[FLOW_B2C], &p->flow[FLOW_B2C_ERR], &p->ceof_sent);
	pass_eof(&p->flow[FLOW_C2B], &p->flow[FLOW_C2B_ERR], &p->beof_sent);
	if (p->ceof_sent + p->beof_sent != i)
		*moved = 1;
	if (ssh_channel_is_closed(p->cch))
		return 1;
	/* Closed means read to its end (libssh delays it until then). */
	if (ssh_channel_is_closed(p->bch) && p->flow[FLOW_B2C].len == 0 &&
	    p->flow[FLOW_B2C_ERR].len == 0) {
		pass_exit(p);
		if (!p->ceof_sent)
			ssh_channel_send_eof(p->cch);
		return 1;
	}
	return 0;
}

static int
session_gone(ssh_session s)
{
	return (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0 ||
	    !ssh_is_connected(s);
}

static short
poll_events(ssh_session s)
{
	return POLLIN | ((ssh_get_poll_flags(s) & SSH_WRITE_PENDING) ?
	    POLLOUT : 0);
}

static void
relay_turns(struct sshconn *sc, int *moved)
{
	struct sshpair	**pp, *p;

	for (pp = &sc->pairs; (p = *pp) != NULL; ) {
		if (pair_turn(sc, p, moved)) {
			*pp = p->next;
			pair_free(p);
			*moved = 1;
		} else
			pp = &p->next;
	}
}

/* Packets libssh has decoded on both sessions so far. */
static uint64_t
packets_in(const struct sshconn *sc)
{
	return sc->fcount.in_packets + sc->bcount.in_packets;
}

/*
 * One loop: the sessions' events, then every pair's turn, then a wait on
 * both sockets.  libssh reads its sockets inside many calls of a turn
 * (a channel poll, the flush after a write), so what a turn's later step
 * read may concern a pair or a flow it has passed already, and the socket
 * no longer says so: while a turn made progress or libssh decoded
 * packets in it, the next turn comes without a wait.
 */
int
sshrelay_run(struct sshconn *sc, int idle_timeout_ms)
{
	struct pollfd	 pfd[2];
	uint64_t	 last = now_ms(), now, seen;
	long		 secs = RELAY_REQUEST_TIMEOUT;
	int		 moved, timeout;

	memset(&sc->fcount, 0, sizeof(sc->fcount));
	memset(&sc->bcount, 0, sizeof(sc->bcount));
	ssh_set_counters(sc->front, NULL, &sc->fcount);
	ssh_set_counters(sc->back, NULL, &sc->bcount);
	ssh_options_set(sc->back, SSH_OPTIONS_TIMEOUT, &secs);
	if ((sc->ev_back = ssh_event_new()) == NULL ||
	    ssh_event_add_session(sc->ev_back, sc->back) != SSH_OK)
		return ERR_NOMEM;
	ssh_set_blocking(sc->front, 0);
	ssh_set_blocking(sc->back, 0);
	for (;;) {
		moved = 0;
		ssh_event_dopoll(sc->ev_front, 0);
		ssh_event_dopoll(sc->ev_back, 0);
		seen = packets_in(sc);
		relay_turns(sc, &moved);
		if (session_gone(sc->front) || session_gone(sc->back))
			break;
		now = now_ms();
		if (moved)
			last = now;
		timeout = -1;
		if (idle_timeout_ms > 0) {
			if (now - last >= (uint64_t)idle_timeout_ms)
				return ERR_TIMEOUT;
			timeout = idle_timeout_ms - (int)(now - last);
		}
		if (moved || packets_in(sc) != seen)
			timeout = 0;
		pfd[0].fd = ssh_get_fd(sc->front);
		pfd[0].events = poll_events(sc->front);
		pfd[1].fd = ssh_get_fd(sc->back);
		pfd[1].events = poll_events(sc->back);
		/* Idle means no channel data either way: not a keepalive. */
		(void)poll(pfd, 2, timeout);
	}
	/* What the backend said last reaches the client. */
	while (sc->pairs != NULL) {
		moved = 0;
		relay_turns(sc, &moved);
		if (!moved)
			break;
	}
	if (!session_gone(sc->front))
		ssh_blocking_flush(sc->front, RELAY_REQUEST_TIMEOUT * 1000);
	return 0;
}

void
sshrelay_free(struct sshconn *sc)
{
	struct sshpair	*p;

	while ((p = sc->pairs) != NULL) {
		sc->pairs = p->next;
		pair_free(p);
	}
}
