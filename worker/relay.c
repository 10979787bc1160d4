/*
 * The relay: after the handshake the worker is a byte pump between the
 * client and the backend.  Each direction ("half") has one buffer; a half
 * reads from one endpoint and writes to the other, and carries an EOF over
 * as a half-close, because PostgreSQL and MySQL clients send their goodbye
 * and close, and the backend's last words must still reach them.
 *
 * Either endpoint may be TLS.  OpenSSL can need to write while reading and
 * read while writing (a handshake message, a key update), so each half keeps
 * the poll events that its blocked read or write is really waiting for,
 * and decrypted bytes held inside OpenSSL are read without asking poll(),
 * which cannot see them: a read is retried whenever it is not known to
 * block, not only when poll() says so.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "endpoint.h"
#include "errors.h"

#define RELAY_BUFSZ	(64 * 1024)
#define RELAY_END	2	/* the connection is over, no error of ours */

struct half {
	struct endpoint	*from;
	struct endpoint	*to;
	const struct relay_watch *watch;	/* looks at what is read */
	size_t		 ok;		/* buf[off..ok) may be written */
	int		 stopping;	/* the watch said stop at ok */
	uint64_t	 moved;		/* bytes delivered to "to" */
	size_t		 off;		/* buf[off..len) is still to write */
	size_t		 len;
	short		 rwant;		/* poll events a blocked read needs */
	short		 wwant;		/* the same for a write or shutdown */
	int		 eof;		/* "from" will send no more */
	int		 shut;		/* the EOF has been passed on to "to" */
	unsigned char	 buf[RELAY_BUFSZ];
};

struct relay {
	struct half	 c2b;
	struct half	 b2c;
};

/*
 * The end of the relay because of the network or the peer (a reset, a
 * broken pipe) is no error of ours; anything else is.
 */
static int
classify(int r)
{
	if (r == ERR_EOF)
		return RELAY_END;	/* a TLS peer gone while we wrote */
	if (r == ERR_SYS) {
		switch (errno) {
		case ECONNRESET:
		case ECONNABORTED:
		case EPIPE:
		case ENOTCONN:
		case ETIMEDOUT:
		case EHOSTUNREACH:
		case EHOSTDOWN:
		case ENETUNREACH:
		case ENETDOWN:
			return RELAY_END;
		}
	}
	return r;
}

/*
 * Let the watch look at the bytes read and not yet approved: those it
 * passes may be written; it may hold back the rest until more is read (a
 * header cut in two), or stop the relay before it.
 */
static void
watch(struct half *h)
{
	int	 stop = 0;

	if (h->watch == NULL) {
		h->ok = h->len;
		return;
	}
	h->ok += h->watch->look(h->watch->arg, h->buf + h->ok, h->len - h->ok,
	    &stop);
	if (stop)
		h->stopping = 1;
}

/* All that was approved is written: start again with what is held. */
static void
keep_held(struct half *h)
{
	if (h->ok < h->len)
		memmove(h->buf, h->buf + h->ok, h->len - h->ok);
	h->len -= h->ok;
	h->off = h->ok = 0;
}

/* Move what can be moved now without blocking; *moved says whether any. */
static int
half_step(struct half *h, int *moved)
{
	size_t	 n, room;
	short	 want = 0;
	int	 r;

	if (!h->eof && !h->stopping && h->rwant == 0 &&
	    h->len < sizeof(h->buf)) {
		room = sizeof(h->buf) - h->len;
		r = ep_read_some(h->from, h->buf + h->len, room, &n, &want);
		if (r == 0) {
			h->len += n;
			*moved = 1;
			watch(h);
			/*
			 * A short read from a plain socket took all there was:
			 * wait for poll() rather than read again into EAGAIN,
			 * a syscall saved per message.  Not for TLS, which may
			 * hold decrypted bytes that poll() cannot see.
			 */
			if (n < room && h->from->ssl == NULL)
				h->rwant = POLLIN;
		} else if (r == ERR_AGAIN)
			h->rwant = want;
		else if (r == ERR_EOF) {
			h->eof = 1;
			*moved = 1;
		} else
			return classify(r);
	}
	if (h->off < h->ok && h->wwant == 0) {
		/*
		 * After WANT_WRITE, OpenSSL wants the same bytes again; it may
		 * get more (partial writes), never fewer, since off stays put.
		 */
		r = ep_write_some(h->to, h->buf + h->off, h->ok - h->off,
		    &n, &want);
		if (r == 0) {
			h->off += n;
			h->moved += n;
			if (h->off == h->ok)
				keep_held(h);
			*moved = 1;
		} else if (r == ERR_AGAIN)
			h->wwant = want;
		else
			return classify(r);
	}
	if (h->eof && h->off == h->len && !h->stopping && !h->shut &&
	    h->wwant == 0) {
		r = ep_shutdown_write(h->to, &want);
		if (r == 0) {
			h->shut = 1;
			*moved = 1;
		} else if (r == ERR_AGAIN)
			h->wwant = want;
		else
			return classify(r);
	}
	return 0;
}

static int
half_done(const struct half *h)
{
	return h->eof && h->off == h->len && h->shut;
}

/* Let the halves waiting on fd try again if poll() reported anything. */
static void
wake(struct relay *rl, int fd, short revents)
{
	struct half	*h[2] = { &rl->c2b, &rl->b2c };
	short		 any = POLLERR | POLLHUP;
	int		 i;

	for (i = 0; i < 2; i++) {
		if (h[i]->from->fd == fd && (revents & (h[i]->rwant | any)))
			h[i]->rwant = 0;
		if (h[i]->to->fd == fd && (revents & (h[i]->wwant | any)))
			h[i]->wwant = 0;
	}
}

static int
relay_loop(struct relay *rl, int idle_timeout_ms)
{
	struct pollfd	 pfd[2];
	struct endpoint	*ep[2] = { rl->c2b.from, rl->b2c.from };
	uint64_t	 last = now_ms(), now;
	int		 moved, timeout, r, i, n;

	for (;;) {
		do {
			moved = 0;
			if ((r = half_step(&rl->c2b, &moved)) != 0 ||
			    (r = half_step(&rl->b2c, &moved)) != 0)
				return r;
			if (moved)
				last = now_ms();
		} while (moved);
		if (half_done(&rl->c2b) && half_done(&rl->b2c))
			return RELAY_END;
		/* What came before a refused part is through: stop. */
		if (rl->c2b.stopping && rl->c2b.off == rl->c2b.ok)
			return RELAY_WATCH_STOP;

		/* Leave out an fd with nothing to wait for: POLLHUP spins. */
		n = 0;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = ep[i]->fd;
			pfd[i].events = 0;
			pfd[i].revents = 0;
		}
		pfd[0].events = rl->c2b.rwant | rl->b2c.wwant;
		pfd[1].events = rl->b2c.rwant | rl->c2b.wwant;
		for (i = 0; i < 2; i++) {
			if (pfd[i].events == 0)
				pfd[i].fd = -1;
			else
				n++;
		}
		if (n == 0)	/* a half neither done nor waiting: a bug */
			return ERR_INVAL;

		timeout = -1;
		if (idle_timeout_ms > 0) {
			now = now_ms();
			if (now - last >= (uint64_t)idle_timeout_ms)
				return ERR_TIMEOUT;
			timeout = (int)(last + idle_timeout_ms - now);
		}
		if ((r = poll(pfd, 2, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			return ERR_SYS;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents & POLLNVAL) {
				errno = EBADF;
				return ERR_SYS;
			}
			if (pfd[i].revents != 0)
				wake(rl, pfd[i].fd, pfd[i].revents);
		}
	}
}

int
relay_run(struct endpoint *client, struct endpoint *backend,
    int idle_timeout_ms, struct relay_stats *stats)
{
	return relay_run_watched(client, backend, idle_timeout_ms, stats,
	    NULL);
}

int
relay_run_watched(struct endpoint *client, struct endpoint *backend,
    int idle_timeout_ms, struct relay_stats *stats,
    const struct relay_watch *watch)
{
	return relay_run_both(client, backend, idle_timeout_ms, stats, watch,
	    NULL);
}

int
relay_run_both(struct endpoint *client, struct endpoint *backend,
    int idle_timeout_ms, struct relay_stats *stats,
    const struct relay_watch *watch, const struct relay_watch *bwatch)
{
	struct relay	*rl;
	int		 r;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (client->fd == -1 || backend->fd == -1)
		return 0;
	if (ep_prepare(client) != 0 || ep_prepare(backend) != 0)
		return ERR_SYS;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	rl->c2b.from = rl->b2c.to = client;
	rl->c2b.to = rl->b2c.from = backend;
	rl->c2b.watch = watch;
	rl->b2c.watch = bwatch;

	r = relay_loop(rl, idle_timeout_ms);
	if (stats != NULL) {
		stats->c2b = rl->c2b.moved;
		stats->b2c = rl->b2c.moved;
	}
	free(rl);
	return r == RELAY_END ? 0 : r;
}
