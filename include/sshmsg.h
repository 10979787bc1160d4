/*
 * The SSH connectors' requests on the privsep channel (msg.h has the
 * framing and the common types): ssh-agent and ssh share them.  The
 * monitor's half is monitor/mon_ssh.c, the worker's wrappers are
 * worker/sshchan.c.  The private keys never leave the monitor: the worker
 * gets public key blobs and signatures, each signature counted and capped.
 *
 * Blobs are SSH wire format (RFC 4253 6.6): a public key blob is
 * string type + the type's fields, a signature blob string algorithm +
 * string signature (RFC 8332 for rsa-sha2-*, RFC 5656 3.1.2 for ecdsa,
 * RFC 8709 for ssh-ed25519).
 *
 *   MSG_SSH_KEYS	W->M  (empty)
 *			M->W  u32 n (1..SSH_MAX_KEYS), then n times: string
 *			public key blob, string comment.  The service's keys,
 *			fetched from the providers for this connection (so a
 *			rotated key is used at once) and kept by the monitor,
 *			in guarded memory, until the worker ends.  Once per
 *			connection; a provider failure or a key that does not
 *			parse is a MSG_FAILED with a reason.
 *   MSG_SSH_SIGN	W->M  string public key blob (one of KEYS' answer),
 *			string data, u32 flags (draft-miller-ssh-agent 4.5.1:
 *			SSH_AGENT_RSA_SHA2_256, SSH_AGENT_RSA_SHA2_512)
 *			M->W  string signature blob.  After KEYS.  Counted:
 *			past the service's maxSignatures the worker is killed
 *			(an honest worker knows the cap from MSG_ASSIGN's
 *			option "maxSignatures" and answers SSH_AGENT_FAILURE
 *			itself).  A refusal the client can cause (ssh-rsa
 *			without allowSHA1, data that is not a userauth
 *			request for an allowed user where the service
 *			restricts them) is a MSG_FAILED with a reason.
 *			For the ssh connector the data must be the backend
 *			userauth request (RFC 4252 7) for the service's user
 *			and key, and at most SSH_CONNECT_SIGNATURES are given.
 *   MSG_SSH_BIND	W->M  string host key blob, string session
 *			identifier, string signature blob, u8 forwarding:
 *			the client's session-bind@openssh.com (OpenSSH
 *			PROTOCOL.agent 1.2).  M->W (empty) when the signature
 *			verifies, else MSG_FAILED.  ssh-agent only; at most
 *			SSH_MAX_BINDS per connection.  Where the service
 *			restricts host keys, a SIGN's userauth session
 *			identifier must be one bound to an allowed host key.
 *   MSG_SSH_AGENT	W->M  (empty)
 *			M->W  (empty); fd: one end of a stream socketpair on
 *			which the monitor answers the ssh-agent protocol
 *			(REQUEST_IDENTITIES and SIGN_REQUEST only, with the
 *			same checks and count as MSG_SSH_SIGN): the worker
 *			gives it to libssh (ssh_set_agent_socket) for the
 *			backend's publickey authentication, because libssh
 *			signs only with a key or through an agent.  ssh only,
 *			once, in W_HANDSHAKE after DIALED; the monitor closes
 *			its end at AUTHDONE.
 *   MSG_SSH_HOSTKEY	W->M  (empty)
 *			M->W  string private key (text, PEM or OpenSSH
 *			format): the host key airlock shows the ssh
 *			connector's clients
 *			(the front leg only; see mon_ssh.c for why the worker
 *			may hold it).  ssh only, once, in W_ASSIGNED.
 */
#ifndef AIRLOCK_SSHMSG_H
#define AIRLOCK_SSHMSG_H

#include "msg.h"

enum ssh_msg_type {
	MSG_SSH_KEYS = MSG_CONNECTOR_BASE,
	MSG_SSH_SIGN,
	MSG_SSH_BIND,
	MSG_SSH_AGENT,
	MSG_SSH_HOSTKEY,
};

#define SSH_MAX_KEYS		16	/* keys of one service */
#define SSH_MAX_BINDS		16	/* session-binds per connection */
#define SSH_SIGN_DATA_MAX	(16 * 1024)	/* data one SIGN may carry */
#define SSH_MAX_SIGNATURES	100000	/* hard cap (dispatch table) */
#define SSH_DEFAULT_SIGNATURES	100	/* maxSignatures by default */
#define SSH_CONNECT_SIGNATURES	2	/* ssh: userauth signatures */

#endif
