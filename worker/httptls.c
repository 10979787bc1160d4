/*
 * The HTTP listener as an HTTPS proxy (a service's clientTLS): clients
 * reach it with https_proxy=https://... (curl --proxy https://...), and
 * the connection is TLS from its first byte, before any request.
 *
 * A client set up for a plain proxy (http_proxy=http://...) sends its
 * request in the clear instead.  One byte, peeked, tells the two apart
 * exactly: a TLS record of a ClientHello starts with its content type,
 * handshake(22) (RFC 8446 section 5.1), and a request with its method, a
 * token, in capitals for every method that http-parser takes (RFC 9112
 * section 3).  Such a client is counted as plaintext and told so in the
 * clear with a 400, as nginx tells one ("The plain HTTP request was sent
 * to HTTPS port"): it reads HTTP, and a closed connection would leave its
 * user guessing.  Any other byte is the TLS handshake's to fail.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "http.h"
#include "log.h"
#include "worker.h"

#define TLS_CT_HANDSHAKE	22
/* After an answer, the client's bytes that are read and dropped. */
#define LINGER_MAX		(64 * 1024)

/* The client's first byte, left in the socket for the TLS handshake. */
static int
first_byte(struct wconn *c, unsigned char *b)
{
	ssize_t	 n;
	int	 r;

	for (;;) {
		if ((n = recv(c->client.fd, b, 1, MSG_PEEK)) == 1)
			return 0;
		if (n == 0)
			return ERR_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return ERR_SYS;
		if ((r = ep_wait(c->client.fd, POLLIN, c->deadline)) != 0)
			return r;
	}
}

/*
 * The end of a connection after an answer: ours first, then the client's
 * bytes (the request that is not served) read and dropped until it
 * closes, for a few seconds at most.  Closed with its request unread,
 * the socket would reset the connection, and the client could lose the
 * answer with it.
 */
static void
linger(struct endpoint *ep)
{
	unsigned char	 drop[4096];
	uint64_t	 deadline = deadline_in(HTTP_ANSWER_MS);
	size_t		 n, total = 0;
	short		 want;
	int		 r;

	while ((r = ep_shutdown_write(ep, &want)) != 0)
		if (r != ERR_AGAIN || ep_wait(ep->fd, want, deadline) != 0)
			return;
	while (total < LINGER_MAX) {
		if ((r = ep_read_some(ep, drop, sizeof(drop), &n, &want)) == 0)
			total += n;
		else if (r != ERR_AGAIN || ep_wait(ep->fd, want, deadline) != 0)
			return;
	}
}

int
http_client_tls(struct wconn *c)
{
	char		 err[HTTP_WHY], why[HTTP_WHY + 64];
	unsigned char	 b;
	int		 r;

	if ((r = first_byte(c, &b)) != 0) {
		log_debug("no byte from the client: %s", err_str(r));
		return r;
	}
	if (b != TLS_CT_HANDSHAKE && b >= 'A' && b <= 'Z') {
		wctls_plaintext(c, err, sizeof(err));
		snprintf(why, sizeof(why), "%s: the proxy's URL is "
		    "https://...", err);
		(void)http_error_write(&c->client, 400, why, 0);
		linger(&c->client);
		return ERR_DENIED;
	}
	/* wctls_accept logs how it ended. */
	if ((r = wctls_accept(c, err, sizeof(err))) == ERR_DENIED) {
		(void)http_error_write(&c->client, 403, err, 0);
		linger(&c->client);
	}
	return r;
}
