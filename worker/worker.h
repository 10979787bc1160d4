/*
 * The worker: one client connection, one connector, one sandboxed process.
 */
#ifndef AIRLOCK_WORKER_H
#define AIRLOCK_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"
#include "msg.h"

struct buf;
struct secret;

struct wconn {
	int		 chan;		/* the privsep channel */
	struct endpoint	 client;
	struct endpoint	 backend;
	char		*service;
	char		*connector;
	uint64_t	 id;
	struct kvlist	 opts;		/* from MSG_ASSIGN */
	struct kvlist	 params;	/* from MSG_DIALED */
	uint64_t	 deadline;	/* end of the handshake */
	int		 idle_timeout_ms;
};

/*
 * A connector's worker half: one row of connectors[] (main.c).
 */
struct connector {
	const char	*name;
	/*
	 * Authenticate the backend leg for the client.  0: go on.  On error
	 * the connector has already told the client, in its own protocol.
	 */
	int		 (*handshake)(struct wconn *);
	/*
	 * After the handshake: serve the connection to its end, for a
	 * connector that does not end in a byte relay (it rewrites each
	 * request, or answers them itself).  NULL: relay bytes between the
	 * client and the backend.  Returns 0 or the error that ended it.
	 */
	int		 (*serve)(struct wconn *, struct relay_stats *);
};

const struct connector *connector_find(const char *);

/*
 * A worker executable (main.c runs it): its connectors, and what it sets up
 * before the sandbox beyond libsodium and TLS.  airlock-worker (wimage.c),
 * airlock-worker-ssh (wimage_ssh.c, the only one linked with libssh) and
 * airlock-worker-plain (wimage_plain.c, linked with no OpenSSL), so that a
 * connection does not load what it cannot need.
 */
struct worker_image {
	const char	*name;		/* its executable's */
	const struct connector *const *connectors;
	size_t		 nconnectors;
	int		 (*init)(void);	/* NULL: nothing more */
};
int		 worker_main(int argc, char **argv,
		    const struct worker_image *);

/*
 * The worker's side of the channel: thin wrappers that send one request and
 * wait (until the handshake deadline) for its answer.  On MSG_FAILED or any
 * error, err holds a reason fit for the client.
 */
/*
 * Send one request and receive its answer into reply (the request's type;
 * DIALED for DIAL); *fd, when fd is not NULL, the descriptor that came with
 * it.  On MSG_FAILED the reason goes into err and ERR_DENIED is returned.
 */
int		 wchan_request(struct wconn *, uint32_t type,
		    const struct buf *req, struct buf *reply, int *fd,
		    char *err, size_t);
/*
 * A request whose answer is one string, appended to answer (which says by
 * its maximum how long an answer may be); the request of wchan_ask_strings
 * is one string, or two when v2 is not NULL.
 */
int		 wchan_ask(struct wconn *, uint32_t type, const struct buf *req,
		    struct buf *answer, char *err, size_t);
int		 wchan_ask_strings(struct wconn *, uint32_t type, const void *v,
		    size_t vlen, const void *v2, size_t v2len,
		    struct buf *answer, char *err, size_t);
int		 wchan_dial(struct wconn *, int purpose, char *err, size_t);
/* DIAL with a backend reuse key (msg.h); key NULL: none. */
int		 wchan_dial_key(struct wconn *, int purpose, const void *key,
		    size_t keylen, char *err, size_t);
/* Give the backend socket back, reset and idle (MSG_BACKEND_RETURN). */
int		 wchan_backend_return(struct wconn *, const void *key,
		    size_t keylen, const void *blob, size_t bloblen);
/*
 * The reasons of wchan_* and tls_* are fit for the client and start with
 * "airlock: ": the text without it, for a message that says it once.
 */
const char	*wchan_reason(const char *err);
/* A parameter of MSG_DIALED that is a C string (no NUL inside), or NULL. */
const char	*wchan_param(struct wconn *, const char *key);
int		 wchan_credential(struct wconn *, const char *name,
		    struct secret **, char *err, size_t);
/* A request whose answer is one secret string, into guarded memory. */
int		 wchan_ask_secret(struct wconn *, uint32_t type,
		    const struct buf *req, struct secret **, char *err,
		    size_t);
/*
 * A key's signature of a TLS 1.3 CertificateVerify's content with a
 * SignatureScheme (tlsscheme.h), into sig, with room for *siglen bytes:
 * the backend's client key (type MSG_TLS_SIGN) or the client leg's
 * listener key (MSG_CLIENT_TLS_SIGN).
 */
int		 wchan_tls_sign(struct wconn *, uint32_t type,
		    const char *scheme, const unsigned char *tbs, size_t tbslen,
		    unsigned char *sig, size_t *siglen, char *err, size_t);
/* How the client leg ended (enum ctls_outcome), and who, for the log. */
int		 wchan_client_tls_done(struct wconn *, int outcome,
		    const char *client);
int		 wchan_authdone(struct wconn *, int ok);

/*
 * wtls.c: the backend leg's TLS from the service's parameters.  The
 * sslmode (enum sslmode, -1 for none we know; *name its word), and the
 * handshake over c->backend (err: why not, fit for the client).
 */
int		 wtls_mode(struct wconn *, const char **name);
int		 wtls_start(struct wconn *, int mode, char *err, size_t);
int		 wchan_stats(struct wconn *, const struct relay_stats *);

/*
 * wctls.c: the client leg's TLS, when the listener's service has
 * clientTLS (MSG_ASSIGN's option, include/ctls.h).
 *
 * wctls_wanted: does it?  Then the connector offers TLS (pg answers an
 * SSLRequest 'S', MySQL's greeting has CLIENT_SSL, the HTTP listener is
 * an HTTPS proxy) and refuses a client that goes on without it.
 *
 * wctls_accept: the handshake over c->client, with the material and the
 * signature of the monitor, which is told how it ended.  0: c->client is
 * TLS and the client accepted.  ERR_DENIED: c->client is TLS and the
 * client refused (no certificate, another CA, a name not allowed); err is
 * the reason for the client, which the connector sends in its protocol
 * before it ends.  Other errors: no TLS session; err is for the log, and
 * nothing more can be said to the client.
 *
 * wctls_plaintext: the client went on without TLS; the monitor is told
 * (counted), and the connector refuses it in its protocol with err.
 */
int		 wctls_wanted(struct wconn *);
int		 wctls_accept(struct wconn *, char *err, size_t);
void		 wctls_plaintext(struct wconn *, char *err, size_t);

#endif
