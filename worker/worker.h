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

struct connector {
	const char	*name;
	/*
	 * Authenticate the backend leg for the client.  0: relay.  On error
	 * the connector has already told the client, in its own protocol.
	 */
	int		 (*handshake)(struct wconn *);
};

const struct connector *connector_find(const char *);

/*
 * The worker's side of the channel: thin wrappers that send one request and
 * wait (until the handshake deadline) for its answer.  On MSG_FAILED or any
 * error, err holds a reason fit for the client.
 */
int		 wchan_dial(struct wconn *, int purpose, char *err, size_t);
int		 wchan_credential(struct wconn *, const char *name,
		    struct secret **, char *err, size_t);
int		 wchan_pg_md5(struct wconn *, const unsigned char salt[4],
		    char out[36], char *err, size_t);
/* cbind: -PLUS's tls-server-end-point data, or NULL and 0. */
int		 wchan_scram_start(struct wconn *, const char *mechanism,
		    const unsigned char *cbind, size_t cbindlen,
		    struct buf *out, char *err, size_t);
int		 wchan_scram_final(struct wconn *, const unsigned char *, size_t,
		    struct buf *out, char *err, size_t);
int		 wchan_scram_verify(struct wconn *, const unsigned char *,
		    size_t, char *err, size_t);
/*
 * The client key's signature of a TLS 1.3 CertificateVerify's content with
 * a SignatureScheme (tlsscheme.h): into sig, with room for *siglen bytes.
 */
int		 wchan_tls_sign(struct wconn *, const char *scheme,
		    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
		    size_t *siglen, char *err, size_t);
int		 wchan_authdone(struct wconn *, int ok);
int		 wchan_stats(struct wconn *, const struct relay_stats *);
/* A health worker's one request: the figures (fig_free them). */
struct figures;
int		 wchan_health(struct wconn *, struct figures *, char *err,
		    size_t);

#endif
