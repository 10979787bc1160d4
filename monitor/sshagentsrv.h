/*
 * The monitor's ssh-agent server (sshagentsrv.c) on the socketpair of
 * MSG_SSH_AGENT (sshmsg.h), and what it asks of mon_ssh.c: the ssh
 * connector's libssh authenticates to the backend through it, so that the
 * private key stays in the monitor.  Only the worker is at the other
 * end: a request that our worker's libssh never makes kills it.
 */
#ifndef AIRLOCK_SSHAGENTSRV_H
#define AIRLOCK_SSHAGENTSRV_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct worker;
struct agentsrv;

/*
 * Serve the worker's agent requests on fd (the monitor's end, which it
 * now owns), until agentsrv_free, the worker's end closes, or nothing
 * comes for timeout_ms.  NULL: out of memory (fd closed).
 */
struct agentsrv	*agentsrv_start(struct worker *, int fd, int timeout_ms);
/* Close and free; safe from within the server's own callbacks. */
void		 agentsrv_free(struct agentsrv *);

/* mon_ssh.c, for the server: the connection's keys ... */
int		 mon_ssh_identities(struct worker *, struct buf *out);
/*
 * ... and a signature of data with the key of blob, for the request's
 * flags (draft-miller-ssh-agent 4.5), appended to sig: 0; ERR_DENIED, a
 * refusal the client may cause, with why (no secret in it); any other
 * error: the worker has been killed.
 */
int		 mon_ssh_sign(struct worker *, const unsigned char *blob,
		    size_t bloblen, const unsigned char *data, size_t datalen,
		    uint32_t flags, struct buf *sig, char *why, size_t whylen);

#endif
