/*
 * One side of a worker's connection: a non-blocking socket, possibly wrapped
 * in TLS.  The handshake code reads and writes exact amounts with a deadline;
 * the relay moves bytes between two endpoints.  Plaintext and TLS share one
 * interface so that no connector needs to know which it has.
 */
#ifndef AIRLOCK_ENDPOINT_H
#define AIRLOCK_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct x509_store_st X509_STORE;
struct tlskey_signer;

struct endpoint {
	int		 fd;		/* -1 when closed */
	SSL		*ssl;		/* NULL for plaintext */
	SSL_CTX		*ctx;
	const char	*name;		/* "client" or "backend", for logs */
};

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
uint64_t	 now_ms(void);
/* A deadline timeout_ms from now. */
uint64_t	 deadline_in(int timeout_ms);

void		 ep_init(struct endpoint *, int fd, const char *name);
/* Make the socket non-blocking (the monitor has set the TCP options). */
int		 ep_prepare(struct endpoint *);
/* Exactly len bytes, or ERR_EOF / ERR_TIMEOUT / ERR_SYS / ERR_PROTO (TLS). */
int		 ep_read_full(struct endpoint *, void *, size_t,
		    uint64_t deadline);
int		 ep_write_full(struct endpoint *, const void *, size_t,
		    uint64_t deadline);
/*
 * Wait until fd is ready for events or the deadline passes: 0, ERR_TIMEOUT
 * or ERR_SYS.  An error or hang-up counts as ready.
 */
int		 ep_wait(int fd, short events, uint64_t deadline);
/*
 * One non-blocking read or write: 0 with the byte count in *n, or ERR_AGAIN
 * with the poll events to wait for in *want, ERR_EOF, ERR_SYS, ERR_PROTO.
 */
int		 ep_read_some(struct endpoint *, void *, size_t, size_t *n,
		    short *want);
int		 ep_write_some(struct endpoint *, const void *, size_t,
		    size_t *n, short *want);
/*
 * Pass an EOF on: close_notify for TLS, then a TCP half-close.  0, or
 * ERR_AGAIN with *want, or an error.
 */
int		 ep_shutdown_write(struct endpoint *, short *want);
/* Is at least one byte readable right now (without waiting)? */
int		 ep_has_pending(struct endpoint *);
/* Shut TLS down politely if possible, close, free. */
void		 ep_close(struct endpoint *);

enum sslmode {
	SSLMODE_DISABLE = 0,
	SSLMODE_REQUIRE,	/* encrypt; verify-ca when a root cert is given */
	SSLMODE_VERIFY_CA,
	SSLMODE_VERIFY_FULL,
};

/* The Secretless/libpq word for an sslmode, or -1. */
int		 sslmode_parse(const char *);

struct tls_params {
	enum sslmode	 mode;
	const char	*host;		/* verify-full name and SNI */
	const unsigned char *rootcert;	/* PEM bytes, may be NULL */
	size_t		 rootcertlen;
	X509_STORE	*store;		/* roots instead of rootcert */
	const unsigned char *cert;	/* client certificate, PEM */
	size_t		 certlen;
	/* Who signs with its key (tlskey.h), which the worker never holds. */
	struct tlskey_signer *signer;
};

/* OpenSSL set-up that must happen before the sandbox closes the files. */
int		 tls_global_init(void);
/* A store of the PEM bytes' certificates as trust anchors, or NULL. */
X509_STORE	*tls_store_new(const unsigned char *pem, size_t len, char *err,
		    size_t errlen);
/*
 * Client TLS handshake over ep->fd (no byte may have been buffered).  On
 * failure err holds a reason fit to show the client (no secret).
 */
int		 tls_client_start(struct endpoint *, const struct tls_params *,
		    uint64_t deadline, char *err, size_t errlen);

/*
 * SCRAM-SHA-256-PLUS's channel binding data of a TLS endpoint: the
 * tls-server-end-point hash of the peer's certificate (RFC 5929 4.1), of
 * 32, 48 or 64 bytes.  ERR_NOTFOUND without TLS or a certificate,
 * ERR_DENIED when its signature names no such hash.
 */
#define TLS_END_POINT_MAX	64
int		 tls_server_end_point(const struct endpoint *,
		    unsigned char out[TLS_END_POINT_MAX], size_t *len);

struct relay_stats {
	uint64_t	 c2b;		/* bytes client -> backend */
	uint64_t	 b2c;		/* bytes backend -> client */
};

/*
 * Pump bytes both ways until both directions have ended (an EOF on one
 * side is passed on as a half-close), an error, or no byte moved for
 * idle_timeout_ms (0: never).
 */
int		 relay_run(struct endpoint *client, struct endpoint *backend,
		    int idle_timeout_ms, struct relay_stats *);
/*
 * A look at the client's bytes as they are read, for a connector that
 * refuses some of its requests.  look sees the bytes read and not yet
 * passed, and returns how many of them may go to the backend now; the rest
 * is held and shown again with what is read next (a header cut in two),
 * unless it sets *stop: then the relay ends once the bytes passed are
 * through, and relay_run_watched returns RELAY_WATCH_STOP.
 */
struct relay_watch {
	size_t		 (*look)(void *arg, const unsigned char *, size_t n,
			    int *stop);
	void		*arg;
};
#define RELAY_WATCH_STOP	1
int		 relay_run_watched(struct endpoint *client,
		    struct endpoint *backend, int idle_timeout_ms,
		    struct relay_stats *, const struct relay_watch *);
/*
 * The same with a look at the backend's bytes too (bwatch), which must
 * pass them all: it may count, not hold or stop.
 */
int		 relay_run_both(struct endpoint *client,
		    struct endpoint *backend, int idle_timeout_ms,
		    struct relay_stats *, const struct relay_watch *watch,
		    const struct relay_watch *bwatch);

#endif
