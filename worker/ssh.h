/*
 * The worker's halves of the ssh-agent and ssh connectors.
 *
 *   sshchan.c	thin wrappers of the requests of sshmsg.h
 *   sshagent.c	ssh-agent: serve the agent protocol (agentmsg.h) to the
 *		client; identities and signatures come from the monitor
 *   ssh.c	ssh: an SSH server for the client and an SSH client to the
 *		backend, both libssh, relaying channels between them
 */
#ifndef AIRLOCK_WORKER_SSH_H
#define AIRLOCK_WORKER_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "sshmsg.h"

struct buf;
struct secret;
struct wconn;

/* The service's public keys (MSG_SSH_KEYS), as the monitor gave them. */
struct ssh_keys {
	size_t		 n;
	unsigned char	*blob[SSH_MAX_KEYS];
	size_t		 bloblen[SSH_MAX_KEYS];
	char		*comment[SSH_MAX_KEYS];
};

/*
 * MSG_SSH_KEYS: into keys (free with sshchan_keys_free).  err: why not,
 * fit for the client's log line.
 */
int	sshchan_keys(struct wconn *, struct ssh_keys *, char *err, size_t);
void	sshchan_keys_free(struct ssh_keys *);
/* MSG_SSH_SIGN: the signature blob, appended to sig. */
int	sshchan_sign(struct wconn *, const unsigned char *key, size_t keylen,
	    const unsigned char *data, size_t datalen, uint32_t flags,
	    struct buf *sig, char *err, size_t);
/* MSG_SSH_BIND: 0 when the monitor verified the session-bind. */
int	sshchan_bind(struct wconn *, const unsigned char *hostkey,
	    size_t hostkeylen, const unsigned char *sid, size_t sidlen,
	    const unsigned char *sig, size_t siglen, int forwarding,
	    char *err, size_t);
/* MSG_SSH_AGENT: the monitor's agent socket, for libssh; *fd is ours. */
int	sshchan_agent(struct wconn *, int *fd, char *err, size_t);
/* MSG_SSH_HOSTKEY: the front host key's text, in guarded memory. */
int	sshchan_hostkey(struct wconn *, struct secret **, char *err, size_t);

/* ssh.c: libssh's set-up, before the sandbox (its log goes to ours). */
int	ssh_global_init(void);

#endif
