/*
 * The ssh connector's worker half (ssh.h's ssh.c), shared by its files:
 *
 *   ssh.c	the row: handshake (front, then back), serve, the end
 *   sshfront.c	the server for the client: the front host key, key
 *		exchange, the client's authentication (clientAuth)
 *   sshfrontkey.c the front host key's text as libssh 0.10 reads it
 *   sshback.c	the client to the backend: over the dialed fd, the
 *		backend's host key checked, publickey authentication
 *		through the monitor's agent socket
 *   sshrefuse.c	a failed backend leg told to the client, on its
 *		session channel's stderr
 *   sshrelay.c	the channels: session and direct-tcpip opens, their
 *		requests, data both ways with flow control, EOF, close,
 *		exit status and signal
 *
 * libssh (0.10) does the protocol; nothing here reads a file: every
 * option that would make libssh look one up is set (sshback.c), and
 * libssh is initialised before the sandbox (main.c).
 */
#ifndef AIRLOCK_WORKER_SSHCONN_H
#define AIRLOCK_WORKER_SSHCONN_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <libssh/callbacks.h>

struct wconn;
struct relay_stats;
struct sshpair;

struct sshconn {
	struct wconn	*c;
	ssh_bind	 bind;
	ssh_session	 front;		/* the client's session (we serve) */
	ssh_session	 back;		/* the backend's (we are its client) */
	ssh_event	 ev_front;	/* apart, so that a blocking backend */
	ssh_event	 ev_back;	/* call never runs the client's hooks */
	struct ssh_server_callbacks_struct scb;
	/* handshake */
	int		 authed;	/* the client is in, the backend too */
	int		 failed;	/* the backend leg failed: end */
	char		 why[256];	/* and why, for the client */
	ssh_channel	 refusal;	/* the client's channel that says so */
	struct ssh_channel_callbacks_struct refusal_cb;
	int		 refusal_asked;	/* it asked to run something */
	char		 user[64];	/* the name the client gave */
	/* relay */
	struct sshpair	*pairs;		/* open channel pairs */
	struct relay_stats *st;
	/* packets libssh decoded, wherever it read them (sshrelay.c) */
	struct ssh_counter_struct fcount;
	struct ssh_counter_struct bcount;
};

/* sshfront.c */
/* Key exchange with the client, with the front host key from the monitor. */
int	sshfront_start(struct sshconn *, char *err, size_t);
/*
 * The client's authentication: on its first acceptable request the
 * backend leg is made (sshback_connect); 0 once both are in.
 */
int	sshfront_auth(struct sshconn *, char *err, size_t);
/* sshfrontkey.c: a private key's text (PEM or OpenSSH) into *key. */
struct secret;
int	sshfront_import_key(const struct secret *, ssh_key *key);

/* sshrefuse.c */
/* The client's session channel when the backend failed (one only). */
ssh_channel sshrefuse_channel(struct sshconn *, ssh_session);
/* Serve the client until it asks to run something, then say why. */
int	sshrefuse_run(struct sshconn *);

/* sshback.c */
/* Dial, key exchange, host key check, agent userauth; AUTHDONE sent. */
int	sshback_connect(struct sshconn *, char *err, size_t);

/* sshrelay.c */
/* Install the client session's channel hooks (before its auth ends). */
void	sshrelay_init(struct sshconn *);
/* Relay channels until both sessions are done or idle; 0 or an error. */
int	sshrelay_run(struct sshconn *, int idle_timeout_ms);
void	sshrelay_free(struct sshconn *);

/* ssh.c */
/* Milliseconds left of the handshake, at least 1. */
int	ssh_remaining_ms(const struct sshconn *);
/* The list of "a,b,c" entries of an option or parameter, one at a time. */
int	ssh_list_next(const char **p, const char **item, size_t *len);
/* A public key from a base64 blob, or one line "type base64 [comment]". */
ssh_key	ssh_key_from_text(const char *s, size_t len);

#endif
