/*
 * The privsep channel between the monitor and one worker.
 *
 * The channel is a SOCK_SEQPACKET socketpair, so the kernel keeps message
 * boundaries: one sendmsg() is one message and one recvmsg() receives it
 * whole, with at most one file descriptor attached (SCM_RIGHTS).  Every
 * message still starts with an explicit header (type, payload length) and the
 * length must match the bytes received exactly.  A payload is a sequence of
 * fields written with buf_put_* and read back with buf_get_*; every parser
 * must consume its payload whole (buf_expect_end).
 *
 * Payload layouts ("string" is u32 length + bytes; "kv" is a kv list):
 *
 *   MSG_ASSIGN		M->W, fd = client socket
 *			string service, string connector, u64 connection id,
 *			kv options (the service's non-secret settings)
 *   MSG_DIAL		W->M  u8 purpose (DIAL_SESSION or DIAL_CANCEL)
 *   MSG_DIALED		M->W, fd = backend socket
 *			kv params: the non-secret credentials of the service,
 *			resolved for this connection (username, sslmode, ...)
 *   MSG_FAILED		M->W  string reason; the answer to any request that
 *			was permitted but could not be fulfilled.  The reason
 *			is meant for the client and never holds a secret.
 *   MSG_CREDENTIAL	W->M  string name; M->W string value (a secret that
 *			the protocol puts on the wire itself, e.g. a cleartext
 *			password).  The worker keeps it in guarded memory.
 *   MSG_PG_MD5		W->M  string salt (4 bytes);
 *			M->W  string "md5" + 32 hex digits
 *   MSG_SCRAM_START	W->M  string mechanism ("SCRAM-SHA-256" or
 *			"SCRAM-SHA-256-PLUS"), string channel binding data
 *			(-PLUS: the tls-server-end-point hash of the
 *			backend's certificate, RFC 5929 4.1, of 32, 48 or 64
 *			bytes; else empty);
 *			M->W  string client-first-message (RFC 5802 7, with
 *			its gs2 header), to be sent as is
 *   MSG_SCRAM_FINAL	W->M  string server-first-message;
 *			M->W  string client-final-message, to be sent as is
 *   MSG_SCRAM_VERIFY	W->M  string server-final-message;
 *			M->W  u8 1 when the server signature is right
 *   MSG_AUTHDONE	W->M  u8 ok (1 authenticated, 0 failed)
 *   MSG_LOG		W->M  u8 level, string text
 *   MSG_STATS		W->M  u64 bytes client->backend, u64 backend->client
 *   MSG_BYE		W->M  (empty) the worker is about to exit normally
 *   MSG_HEALTH		W->M  (empty) a health worker's only request;
 *			M->W  the figures (include/figures.h: fig_encode)
 *   MSG_TLS_SIGN	W->M  string content, string scheme: the backend
 *			client key's signature of a TLS 1.3 client
 *			CertificateVerify (RFC 8446 4.4.3: 64 spaces, the
 *			client context string, a zero byte, a 32- or 48-byte
 *			transcript hash), with a SignatureScheme of
 *			include/tlsscheme.h ("ecdsa_secp256r1_sha256", ...);
 *			M->W  string signature.  The key stays in the monitor.
 *
 * Which request is permitted when is the monitor's business (its dispatch
 * table); a request it does not permit ends the worker.
 */
#ifndef AIRLOCK_MSG_H
#define AIRLOCK_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MSG_HDR_LEN		8
#define MSG_MAX_PAYLOAD		(60 * 1024)	/* fits SEQPACKET's default */
#define MSG_MAX_STRING		(32 * 1024)
#define MSG_MAX_KV		64		/* pairs in one kv list */

enum msg_type {
	MSG_ASSIGN = 1,
	MSG_DIAL,
	MSG_DIALED,
	MSG_FAILED,
	MSG_CREDENTIAL,
	MSG_PG_MD5,
	MSG_SCRAM_START,
	MSG_SCRAM_FINAL,
	MSG_SCRAM_VERIFY,
	MSG_AUTHDONE,
	MSG_LOG,
	MSG_STATS,
	MSG_BYE,
	MSG_HEALTH,
	MSG_TLS_SIGN,
	MSG_TYPE_MAX		/* not a message; keep last */
};

enum dial_purpose {
	DIAL_SESSION = 1,	/* the connection that will be authenticated */
	DIAL_CANCEL = 2,	/* a connection for one CancelRequest only */
};

/* The fd number at which the worker finds its channel after exec. */
#define WORKER_CHANNEL_FD	3

/*
 * A worker's exit status, for the monitor's failure counters: which deadline
 * ended a handshake is known only in the worker.  It is the worker's claim,
 * as "client" is, and changes nothing but the reason a failure is counted
 * under.  2 is the usage error of a worker not started by airlockd.
 */
#define WORKER_EXIT_OK		0
#define WORKER_EXIT_FAILED	1
#define WORKER_EXIT_TIMEOUT	3

/*
 * A health connection (/live, /ready, /metrics) is short, so that idle
 * connections cannot hold the few health workers for long: its client has
 * HEALTH_REQUEST_MS from the worker's start to send the whole request, and
 * then HEALTH_ANSWER_MS to take the answer, whatever handshakeTimeout
 * says.  The worker keeps both deadlines itself (worker/health.c), and the
 * monitor ends a health worker that outlives them (monitor/health.c).  A
 * probe sends its request at once: kubelet's own probe timeout is 1 s.
 */
#define HEALTH_REQUEST_MS	2000
#define HEALTH_ANSWER_MS	2000

/* A socketpair(AF_UNIX, SOCK_SEQPACKET) with close-on-exec on both ends. */
int		 msg_channel(int fds[2]);
/* Send one message; payload may be NULL (empty), fd -1 for none. */
int		 msg_send(int sock, uint32_t type, const struct buf *payload,
		    int fd);
/*
 * Receive one message into payload (reset first; its max must exceed
 * MSG_MAX_PAYLOAD).  *fd is -1 or a descriptor that the caller now owns.
 * Returns 0, ERR_EOF, ERR_AGAIN on a non-blocking socket with nothing to
 * read, ERR_TOOBIG or ERR_FORMAT for a message that violates the framing
 * (more than one fd, truncated, length mismatch), ERR_SYS.  On error no fd
 * is left open.
 */
int		 msg_recv(int sock, uint32_t *type, struct buf *payload,
		    int *fd);
/* As msg_recv, waiting at most timeout_ms (ERR_TIMEOUT); -1 waits forever. */
int		 msg_recv_timeout(int sock, int timeout_ms, uint32_t *type,
		    struct buf *payload, int *fd);
const char	*msg_type_name(uint32_t);

/* A list of key/value pairs; values are bytes (PEM, numbers, names). */
struct kv {
	char		*key;
	unsigned char	*val;		/* vlen bytes followed by a NUL */
	size_t		 vlen;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
};

void		 kv_init(struct kvlist *);
void		 kv_clear(struct kvlist *);	/* frees (and zeroes) all */
/* Add or replace; the value is copied. */
int		 kv_set(struct kvlist *, const char *key, const void *val,
		    size_t vlen);
int		 kv_set_str(struct kvlist *, const char *key, const char *val);
/* The value of key, or NULL; *vlen may be NULL. */
const char	*kv_get(const struct kvlist *, const char *key, size_t *vlen);
/* Encode as u32 count, then count times (string key, string value). */
int		 kv_put(struct buf *, const struct kvlist *);
/*
 * Decode a kv list: at most MSG_MAX_KV pairs, keys are non-empty strings
 * without NUL, no key twice.
 */
int		 kv_get_list(struct buf *, struct kvlist *);

#endif
