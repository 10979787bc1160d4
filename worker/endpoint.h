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
struct endpoint;

/*
 * What a TLS endpoint does instead of read(2), send(2), shutdown(2) and
 * close(2), each as the ep_ function of its name (tlsep.c; the TLS
 * handshake sets it, tls.h).  endpoint.c names no OpenSSL function, so
 * that an executable without OpenSSL (airlock-worker-plain) links it.
 */
struct ep_tls_ops {
	int	(*read_some)(struct endpoint *, void *, size_t, size_t *,
		    short *);
	int	(*write_some)(struct endpoint *, const void *, size_t,
		    size_t *, short *);
	int	(*shutdown_write)(struct endpoint *, short *);
	/* Bytes read from the socket and held inside the library. */
	int	(*pending)(struct endpoint *);
	/* close_notify if it can go out at once; ssl and ctx freed. */
	void	(*close)(struct endpoint *);
};

struct endpoint {
	int		 fd;		/* -1 when closed */
	SSL		*ssl;		/* NULL for plaintext */
	SSL_CTX		*ctx;
	const struct ep_tls_ops *tls;	/* NULL for plaintext */
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
