/*
 * Endpoints: a non-blocking socket, plaintext or TLS, read and written in
 * exact amounts before a deadline.  The worker runs under a seccomp filter
 * that allows no open() or socket(): everything here is poll, read, send,
 * fcntl, shutdown and close on descriptors that the monitor handed over.
 * TLS goes through ep->tls (tlsep.c): nothing here names OpenSSL.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "endpoint.h"
#include "errors.h"
#include "util.h"

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id and pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
deadline_in(int timeout_ms)
{
	if (timeout_ms < 0)
		timeout_ms = 0;
	return now_ms() + (uint64_t)timeout_ms;
}

void
ep_init(struct endpoint *ep, int fd, const char *name)
{
	ep->fd = fd;
	ep->ssl = NULL;
	ep->ctx = NULL;
	ep->tls = NULL;
	ep->name = name;
}

/*
 * Only O_NONBLOCK: the monitor sets TCP_NODELAY and keepalive before it
 * passes the descriptor, so the worker needs no setsockopt() in its filter.
 */
int
ep_prepare(struct endpoint *ep)
{
	int	 flags;

	if (ep->fd == -1)
		return ERR_INVAL;
	if ((flags = fcntl(ep->fd, F_GETFL)) == -1)
		return ERR_SYS;
	if ((flags & O_NONBLOCK) == 0 &&
	    fcntl(ep->fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return ERR_SYS;
	return 0;
}

/*
 * Wait until fd is ready for events or the deadline passes.  An error or
 * hang-up counts as ready: the next read or write reports what happened.
 */
int
ep_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd	 pfd;
	uint64_t	 now;
	int		 timeout, r;

	for (;;) {
		now = now_ms();
		if (now >= deadline)
			return ERR_TIMEOUT;
		timeout = deadline - now > INT_MAX ? INT_MAX :
		    (int)(deadline - now);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, timeout);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return ERR_SYS;
		}
		if (r == 0)
			continue;	/* the deadline check above decides */
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return ERR_SYS;
		}
		return 0;
	}
}

/*
 * Pass an EOF on: close_notify for TLS (RFC 8446 section 6.1 lets the peer
 * go on sending after it), then a TCP half-close.
 */
int
ep_shutdown_write(struct endpoint *ep, short *want)
{
	int	 r;

	if (ep->tls != NULL && (r = ep->tls->shutdown_write(ep, want)) != 0)
		return r;
	if (shutdown(ep->fd, SHUT_WR) == -1)
		return ERR_SYS;
	return 0;
}

/*
 * One non-blocking read: the byte count in *got, or ERR_AGAIN with the
 * events to wait for in *want, or ERR_EOF, ERR_SYS, ERR_PROTO.
 */
int
ep_read_some(struct endpoint *ep, void *p, size_t len, size_t *got,
    short *want)
{
	ssize_t	 n;

	*got = 0;
	if (ep->tls != NULL)
		return ep->tls->read_some(ep, p, len, got, want);
	for (;;) {
		if ((n = read(ep->fd, p, len)) > 0) {
			*got = (size_t)n;
			return 0;
		}
		if (n == 0)
			return ERR_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*want = POLLIN;
			return ERR_AGAIN;
		}
		return ERR_SYS;
	}
}

/* As ep_read_some, for writing; a plain socket never raises SIGPIPE. */
int
ep_write_some(struct endpoint *ep, const void *p, size_t len, size_t *put,
    short *want)
{
	ssize_t	 n;

	*put = 0;
	if (ep->tls != NULL)
		return ep->tls->write_some(ep, p, len, put, want);
	for (;;) {
		if ((n = send(ep->fd, p, len, MSG_NOSIGNAL)) >= 0) {
			*put = (size_t)n;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*want = POLLOUT;
			return ERR_AGAIN;
		}
		return ERR_SYS;
	}
}

int
ep_read_full(struct endpoint *ep, void *p, size_t len, uint64_t deadline)
{
	unsigned char	*cp = p;
	size_t		 off = 0, got;
	short		 want;
	int		 r;

	if (ep->fd == -1)
		return ERR_INVAL;
	while (off < len) {
		r = ep_read_some(ep, cp + off, len - off, &got, &want);
		if (r == 0) {
			off += got;
			continue;
		}
		if (r != ERR_AGAIN)
			return r;
		if ((r = ep_wait(ep->fd, want, deadline)) != 0)
			return r;
	}
	return 0;
}

int
ep_write_full(struct endpoint *ep, const void *p, size_t len,
    uint64_t deadline)
{
	const unsigned char	*cp = p;
	size_t			 off = 0, put;
	short			 want;
	int			 r;

	if (ep->fd == -1)
		return ERR_INVAL;
	while (off < len) {
		r = ep_write_some(ep, cp + off, len - off, &put, &want);
		if (r == 0) {
			off += put;
			continue;
		}
		if (r != ERR_AGAIN)
			return r;
		if ((r = ep_wait(ep->fd, want, deadline)) != 0)
			return r;
	}
	return 0;
}

/*
 * 1 when a read would return data (or an EOF) at once, 0 when it would
 * block.  Decrypted or still undecrypted bytes inside the TLS library count:
 * poll() cannot see them.
 */
int
ep_has_pending(struct endpoint *ep)
{
	struct pollfd	 pfd;
	int		 r;

	if (ep->fd == -1)
		return 0;
	if (ep->tls != NULL && ep->tls->pending(ep))
		return 1;
	pfd.fd = ep->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	while ((r = poll(&pfd, 1, 0)) == -1)
		if (errno != EINTR)
			return ERR_SYS;
	return r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/* TLS's goodbye first (ep_tls_ops), then the socket. */
void
ep_close(struct endpoint *ep)
{
	if (ep->tls != NULL) {
		ep->tls->close(ep);
		ep->tls = NULL;
	}
	if (ep->fd != -1) {
		close(ep->fd);
		ep->fd = -1;
	}
}

int
sslmode_parse(const char *s)
{
	static const struct {
		const char	*word;
		enum sslmode	 mode;
	} modes[] = {
		{ "disable",		SSLMODE_DISABLE },
		{ "require",		SSLMODE_REQUIRE },
		{ "verify-ca",		SSLMODE_VERIFY_CA },
		{ "verify-full",	SSLMODE_VERIFY_FULL },
	};
	size_t	 i;

	/* libpq's "allow" and "prefer" are not Secretless words: refused. */
	if (s == NULL)
		return -1;
	for (i = 0; i < nitems(modes); i++)
		if (strcmp(s, modes[i].word) == 0)
			return modes[i].mode;
	return -1;
}
