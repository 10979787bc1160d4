/*
 * The ssh-agent and ssh connectors' configuration (sshconf.c), and the
 * front host key of the ssh connector (sshhostkey.c).
 *
 * ssh-agent, credentials (Secretless Broker's names, and airlock's):
 *   rsa, ecdsa	a PEM private key (Secretless Broker's two names)
 *   ed25519, privateKey	any private key text sshkey.h decodes
 *   comment		the comment of the identities (default: the
 *			credential's name)
 *   lifetime	seconds a connection may use the keys after it fetched
 *			them (0 or absent: no limit)
 *   confirm		see sshconf.c (no one is there to confirm)
 * config: (airlock's; Secretless Broker's decoder ignores them)
 *   maxSignatures	signatures per connection (SSH_DEFAULT_SIGNATURES)
 *   allowSHA1		bool: sign ssh-rsa (SHA-1) requests (default no)
 *   allowedRemoteUsers	list: sign only userauth requests for these users
 *			(allowedUsers is airlock's own key: a Unix listener's
 *			peers, confkeys.c)
 *   allowedHostKeys	list of public keys or SHA256 fingerprints: sign
 *			only userauth requests of sessions the client bound
 *			(session-bind@openssh.com) to one of these hosts
 *
 * ssh, credentials (Secretless Broker's): address (host[:port], port
 * 22), user (default "root"), privateKey, hostKey (optional).
 * config:
 *   knownHostsFile	the backend's keys are looked up there when hostKey
 *			is absent (default /etc/ssh/ssh_known_hosts)
 *   hostKeyFingerprint	a pinned "SHA256:..." of the backend's key
 *   acceptAnyHostKey	bool: verify nothing (warned of at load)
 *   hostKeyFile	the front host key (default: generated once into
 *			stateDirectory/ssh_host_ed25519_key, 0600, root)
 *   clientAuth		none (default) | publickey
 *   authorizedKeys	list of public keys a client may present
 *			(clientAuth: publickey)
 */
#ifndef AIRLOCK_SSHCONF_H
#define AIRLOCK_SSHCONF_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct cfgcheck;
struct secret;
struct service;

enum ssh_client_auth {
	SSH_CLIENT_AUTH_NONE = 0,
	SSH_CLIENT_AUTH_PUBLICKEY,
};

/* A service's conn_conf. */
struct ssh_conf {
	/* ssh-agent */
	uint32_t	 max_signatures;
	int		 allow_sha1;
	char		**allowed_users;	/* allowedRemoteUsers: NULL-
						   terminated, or NULL */
	struct buf	*allowed_hostkeys;	/* string blobs, or NULL */
	char		**allowed_fps;		/* fingerprints, or NULL */
	uint32_t	 lifetime_s;		/* literal only; else per fetch */
	/* ssh */
	char		*known_hosts;		/* path */
	char		*fingerprint;		/* "SHA256:...", or NULL */
	int		 accept_any;
	char		*hostkey_file;		/* front host key path */
	struct secret	*hostkey;		/* its text, loaded with the
						   configuration */
	enum ssh_client_auth client_auth;
	struct buf	*authorized;		/* string blobs, or NULL */
};

/*
 * Strings (u32 length, bytes) of blobs as base64 separated by ",", as
 * the worker reads authorizedKeys and hostKeys; NULL: no memory.
 */
char	*ssh_blobs_base64(const struct buf *blobs);

int	ssh_check_agent(struct cfgcheck *, struct service *);
int	ssh_check_ssh(struct cfgcheck *, struct service *);
void	ssh_conf_free(void *);

/*
 * sshhostkey.c: the front host key's private text (PEM or OpenSSH) for a
 * service: its hostKeyFile, made (Ed25519, PKCS#8 PEM, 0600, root) when
 * it is absent and the path is the default one in stateDirectory.
 * Loaded at start and reload, checked as safefile.c checks files the
 * monitor reads as root.
 */
int	ssh_hostkey_load(const char *path, int create, struct secret **out,
	    char *err, size_t errlen);

#endif
