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
 *			u32 handshake timeout in ms (1 to ASSIGN_HANDSHAKE_MAX),
 *			u32 idle timeout in ms (0 none, to ASSIGN_IDLE_MAX),
 *			u8 log level (LOG_LVL_*), kv options (the service's
 *			non-secret settings).  The settings that a reload may
 *			change ride here, not in argv: a worker of the pool
 *			was started before them.
 *   MSG_DIAL		W->M  u8 purpose (DIAL_SESSION or DIAL_CANCEL)
 *			[string key]: only for DIAL_SESSION of a service
 *			with backend reuse (poolMode session): the startup
 *			parameters it will send, as canonical bytes that the
 *			monitor compares and never parses (BACKPOOL_KEY_MAX)
 *   MSG_DIALED		M->W, fd = backend socket
 *			kv params: the non-secret credentials of the service,
 *			resolved for this connection (username, sslmode, ...);
 *			for a reused backend only "session": the blob that
 *			came back with it (MSG_BACKEND_RETURN)
 *   MSG_FAILED		M->W  string reason; the answer to any request that
 *			was permitted but could not be fulfilled.  The reason
 *			is meant for the client and never holds a secret.
 *   MSG_CREDENTIAL	W->M  string name; M->W string value (a secret that
 *			the protocol puts on the wire itself, e.g. a cleartext
 *			password).  The worker keeps it in guarded memory.
 *   MSG_AUTHDONE	W->M  u8 ok (1 authenticated, 0 failed)
 *   MSG_LOG		W->M  u8 level, string text
 *   MSG_STATS		W->M  u64 bytes client->backend, u64 backend->client
 *   MSG_BYE		W->M  (empty) the worker is about to exit normally
 *   MSG_TLS_SIGN	W->M  string content, string scheme: the backend
 *			client key's signature of a TLS 1.3 client
 *			CertificateVerify (RFC 8446 4.4.3: 64 spaces, the
 *			client context string, a zero byte, a 32- or 48-byte
 *			transcript hash), with a SignatureScheme of
 *			include/tlsscheme.h ("ecdsa_secp256r1_sha256", ...);
 *			M->W  string signature.  The key stays in the monitor.
 *   MSG_BACKEND_RETURN	W->M, fd = the backend socket the monitor gave it
 *			string key (the DIAL's), string session (the
 *			backend's ParameterStatus and BackendKeyData messages
 *			of its login, at most BACKPOOL_BLOB_MAX bytes, opaque
 *			to the monitor): the session is reset and idle, keep
 *			it for the next client of the service.  No answer.
 *   MSG_CLIENT_TLS	W->M (empty): the client leg's TLS material of the
 *			listener's service (clientTLS, include/ctls.h), asked
 *			when the client asks for TLS; M->W kv: "certificate"
 *			(PEM, the leaf first, then its chain), "clientAuth"
 *			("none" or "cert"), with cert "clientCA" (PEM) and,
 *			when the service limits them, "allowedClients" (the
 *			names, one per line).  Never a secret.
 *   MSG_CLIENT_TLS_SIGN W->M string content, string scheme: the listener
 *			key's signature of a TLS 1.3 server
 *			CertificateVerify (as MSG_TLS_SIGN, with the server's
 *			context string); M->W string signature.  After
 *			MSG_CLIENT_TLS, once; the key stays in the monitor.
 *   MSG_CLIENT_TLS_DONE W->M u8 outcome (enum ctls_outcome), string client
 *			(the certificate's subject and names, for the log;
 *			empty without one): how the client leg ended.  The
 *			monitor logs and counts it, and permits no DIAL to a
 *			service with clientTLS before CTLS_OK.  No answer.
 *
 * These are the common types, below MSG_CONNECTOR_BASE.  A connector numbers
 * its own requests from MSG_CONNECTOR_BASE up, in its own header
 * (include/NAMEmsg.h); the numbers of two connectors may be the same,
 * since a worker serves one connector and the monitor reads its requests
 * in that connector's table.
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
	MSG_AUTHDONE,
	MSG_LOG,
	MSG_STATS,
	MSG_BYE,
	MSG_TLS_SIGN,
	MSG_BACKEND_RETURN,
	MSG_CLIENT_TLS,
	MSG_CLIENT_TLS_SIGN,
	MSG_CLIENT_TLS_DONE,
	MSG_COMMON_MAX		/* not a message; keep last */
};

/* A connector's own types: MSG_CONNECTOR_BASE + 0, + 1, ... */
#define MSG_CONNECTOR_BASE	64
/* No type is this large: a connector's rows are counted per worker. */
#define MSG_TYPE_LIMIT		256

enum dial_purpose {
	DIAL_SESSION = 1,	/* the connection that will be authenticated */
	DIAL_CANCEL = 2,	/* a connection for one CancelRequest only */
};

/* Backend reuse: the bounds of a DIAL's key and of a returned session. */
#define BACKPOOL_KEY_MAX	(10 * 1024)
#define BACKPOOL_BLOB_MAX	(8 * 1024)
/* MSG_ASSIGN's bounds: handshakeTimeout's and idleTimeout's (confkeys.c). */
#define ASSIGN_HANDSHAKE_MAX	3600000		/* an hour */
#define ASSIGN_IDLE_MAX		86400000	/* a day */

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
/* A common type's name; a connector's type is "type N" (not reentrant). */
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
