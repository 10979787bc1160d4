/*
 * A TLS endpoint's reads and writes (endpoint.h, struct ep_tls_ops): what
 * endpoint.c does with read(2) and send(2) on a plaintext socket, done
 * with OpenSSL on ep->ssl.  tls_client_start (the backend leg) and
 * tls_server_start (the client leg) set them once their handshake is done.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "endpoint.h"
#include "errors.h"
#include "tls.h"

/*
 * A failed TLS call as ERR_AGAIN (with the poll events that let it go on in
 * *want), ERR_EOF, ERR_SYS (errno kept) or ERR_PROTO; the error queue is
 * emptied.  OpenSSL 3 reports a TCP close without close_notify as
 * SSL_R_UNEXPECTED_EOF_WHILE_READING: an EOF too, since HTTP servers
 * commonly close that way and the relayed protocol's own framing is what
 * tells a truncated message.
 */
static int
tlsep_error(SSL *ssl, short *want)
{
	unsigned long	 e;
	int		 saved = errno, r;

	switch (SSL_get_error(ssl, 0)) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		return ERR_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		return ERR_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		r = ERR_EOF;
		break;
	case SSL_ERROR_SYSCALL:
		r = saved == 0 ? ERR_EOF : ERR_SYS;
		break;
	case SSL_ERROR_SSL:
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			r = ERR_EOF;
		else
			r = ERR_PROTO;
		break;
	default:
		r = ERR_PROTO;
		break;
	}
	ERR_clear_error();
	errno = saved;
	return r;
}

static int
tlsep_read_some(struct endpoint *ep, void *p, size_t len, size_t *got,
    short *want)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(ep->ssl, p, len, got) == 1)
		return 0;
	return tlsep_error(ep->ssl, want);
}

static int
tlsep_write_some(struct endpoint *ep, const void *p, size_t len,
    size_t *put, short *want)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(ep->ssl, p, len, put) == 1)
		return 0;
	return tlsep_error(ep->ssl, want);
}

/*
 * close_notify (RFC 8446 section 6.1 lets the peer go on sending after
 * it); endpoint.c half-closes the socket after it.
 */
static int
tlsep_shutdown_write(struct endpoint *ep, short *want)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_shutdown(ep->ssl) < 0) {
		switch (SSL_get_error(ep->ssl, -1)) {
		case SSL_ERROR_WANT_WRITE:
			*want = POLLOUT;
			return ERR_AGAIN;
		case SSL_ERROR_WANT_READ:
			/* Sent; it wants the peer's, not awaited. */
			break;
		default:
			return tlsep_error(ep->ssl, want);
		}
	}
	ERR_clear_error();
	return 0;
}

static int
tlsep_pending(struct endpoint *ep)
{
	return SSL_pending(ep->ssl) > 0 || SSL_has_pending(ep->ssl);
}

/*
 * Send close_notify if we have not yet and it can go out without waiting
 * (RFC 8446 section 6.1); the peer's answer is not awaited.
 */
static void
tlsep_close(struct endpoint *ep)
{
	if ((SSL_get_shutdown(ep->ssl) & SSL_SENT_SHUTDOWN) == 0)
		(void)SSL_shutdown(ep->ssl);
	ERR_clear_error();
	SSL_free(ep->ssl);
	ep->ssl = NULL;
	SSL_CTX_free(ep->ctx);
	ep->ctx = NULL;
}

const struct ep_tls_ops tls_endpoint_ops = {
	.read_some = tlsep_read_some,
	.write_some = tlsep_write_some,
	.shutdown_write = tlsep_shutdown_write,
	.pending = tlsep_pending,
	.close = tlsep_close,
};
