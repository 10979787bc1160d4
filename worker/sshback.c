/*
 * The ssh connector's client side: an SSH session to the backend over the
 * socket the monitor dialed, the backend's host key checked against what
 * the monitor says is known for it (MSG_DIALED's "hostKeys" blobs or
 * "hostKeyFingerprint"; "acceptAnyHostKey" only when the service says
 * so), and publickey authentication (RFC 4252 7) through the monitor's
 * agent socket (MSG_SSH_AGENT): libssh signs only with a key or through an
 * agent, and the key stays in the monitor, which checks what it signs.
 *
 * libssh reads ~/.ssh/config, /etc/ssh/ssh_config and the user's passwd
 * entry unless told otherwise: every such option is set here.  It also
 * opens the known_hosts files to order its host key algorithms, whatever
 * the options say (0.10's kex.c, ssh_client_select_hostkeys): that open
 * fails in the sandbox (sandbox.c) and libssh goes on without them.
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "ssh.h"
#include "sshconn.h"
#include "worker.h"

/* When the host key's type is not known in advance (a fingerprint). */
#define BACK_HOSTKEYS	"ssh-ed25519,ecdsa-sha2-nistp256," \
			"ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
			"rsa-sha2-512,rsa-sha2-256"

/* The host key algorithms of one expected key, for the key exchange. */
static const char *
key_algs(ssh_key k)
{
	switch (ssh_key_type(k)) {
	case SSH_KEYTYPE_RSA:
		return "rsa-sha2-512,rsa-sha2-256";
	case SSH_KEYTYPE_ECDSA_P256:
		return "ecdsa-sha2-nistp256";
	case SSH_KEYTYPE_ECDSA_P384:
		return "ecdsa-sha2-nistp384";
	case SSH_KEYTYPE_ECDSA_P521:
		return "ecdsa-sha2-nistp521";
	case SSH_KEYTYPE_ED25519:
		return "ssh-ed25519";
	default:
		return NULL;
	}
}

/*
 * Offer only the algorithms of the keys we would accept, as OpenSSH does
 * for a host in known_hosts: a server with keys of several types then
 * shows the one we can check.
 */
static void
hostkey_algs(struct sshconn *sc, char *out, size_t outlen)
{
	const char	*list, *item, *a;
	ssh_key		 k;
	size_t		 len, n;

	out[0] = '\0';
	if ((list = wchan_param(sc->c, "hostKeys")) != NULL) {
		while (ssh_list_next(&list, &item, &len) == 0) {
			if ((k = ssh_key_from_text(item, len)) == NULL)
				continue;
			a = key_algs(k);
			ssh_key_free(k);
			if (a == NULL || strstr(out, a) != NULL)
				continue;
			n = strlen(out);
			snprintf(out + n, outlen - n, "%s%s", n ? "," : "", a);
		}
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "%s", BACK_HOSTKEYS);
}

static int
back_options(struct sshconn *sc, const char *user, char *err, size_t errlen)
{
	char	 algs[256];
	long	 secs;
	int	 no = 0, fd = sc->c->backend.fd;

	hostkey_algs(sc, algs, sizeof(algs));
	secs = (ssh_remaining_ms(sc) + 999) / 1000;
	/*
	 * The host name only names the backend in libssh's messages; the
	 * socket is connected already.  The directory and known_hosts paths
	 * are set so that libssh looks up no home directory.
	 */
	if (ssh_options_set(sc->back, SSH_OPTIONS_PROCESS_CONFIG, &no) != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_HOST, "backend") != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_USER, user) != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_SSH_DIR, "/nonexistent") !=
	    0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_KNOWNHOSTS,
	    "/nonexistent/known_hosts") != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
	    "/nonexistent/ssh_known_hosts") != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_HOSTKEYS, algs) != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_TIMEOUT, &secs) != 0 ||
	    ssh_options_set(sc->back, SSH_OPTIONS_FD, &fd) != 0) {
		snprintf(err, errlen, "airlock: libssh: %s",
		    ssh_get_error(sc->back));
		return ERR_INVAL;
	}
	sc->c->backend.fd = -1;	/* the session's now: ssh_free closes it */
	return 0;
}

/* Is the backend's key one we know?  Else err says so, for the client. */
static int
check_hostkey(struct sshconn *sc, char *err, size_t errlen)
{
	const char	*list, *item, *pin;
	unsigned char	*hash = NULL;
	ssh_key		 key = NULL, k;
	size_t		 hlen, len;
	char		*fp = NULL;
	int		 r = ERR_DENIED;

	if (ssh_get_server_publickey(sc->back, &key) != SSH_OK ||
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0 ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
	    hlen)) == NULL) {
		snprintf(err, errlen, "airlock: the backend's host key "
		    "cannot be read");
		goto out;
	}
	if ((pin = wchan_param(sc->c, "acceptAnyHostKey")) != NULL &&
	    strcmp(pin, "1") == 0) {
		log_info("backend host key %s accepted unchecked "
		    "(acceptAnyHostKey)", fp);
		r = 0;
		goto out;
	}
	if ((list = wchan_param(sc->c, "hostKeys")) != NULL) {
		while (r != 0 && ssh_list_next(&list, &item, &len) == 0) {
			if ((k = ssh_key_from_text(item, len)) == NULL)
				continue;
			if (ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0)
				r = 0;
			ssh_key_free(k);
		}
	}
	/* Both spell it "SHA256:" and unpadded base64 (as ssh-keygen -l). */
	if ((pin = wchan_param(sc->c, "hostKeyFingerprint")) != NULL &&
	    strcmp(pin, fp) == 0)
		r = 0;
	if (r != 0)
		snprintf(err, errlen, "airlock: the backend's host key %s "
		    "does not match the one configured for it (%s)", fp,
		    pin != NULL ? "hostKeyFingerprint" : "hostKey or "
		    "knownHostsFile");
 out:
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return r;
}

/* RFC 4252 7, signed in the monitor; libssh asks its agent for the key. */
static int
back_userauth(struct sshconn *sc, char *err, size_t errlen)
{
	int	 fd, r;

	if ((r = sshchan_agent(sc->c, &fd, err, errlen)) != 0)
		return r;
	if (ssh_set_agent_socket(sc->back, fd) != SSH_OK) {
		snprintf(err, errlen, "airlock: libssh: %s",
		    ssh_get_error(sc->back));
		return ERR_INVAL;
	}
	r = ssh_userauth_agent(sc->back, NULL);
	if (r != SSH_AUTH_SUCCESS) {
		snprintf(err, errlen, "airlock: the backend refused the "
		    "service's key%s%s", r == SSH_AUTH_ERROR ? ": " : "",
		    r == SSH_AUTH_ERROR ? ssh_get_error(sc->back) : "");
		return ERR_AUTH;
	}
	return 0;
}

int
sshback_connect(struct sshconn *sc, char *err, size_t errlen)
{
	const char	*user;
	int		 r;

	if ((r = wchan_dial(sc->c, DIAL_SESSION, err, errlen)) != 0)
		return r;
	if ((user = wchan_param(sc->c, "user")) == NULL || user[0] == '\0')
		user = "root";
	if ((sc->back = ssh_new()) == NULL) {
		snprintf(err, errlen, "airlock: out of memory");
		r = ERR_NOMEM;
		goto fail;
	}
	if ((r = back_options(sc, user, err, errlen)) != 0)
		goto fail;
	if (ssh_connect(sc->back) != SSH_OK) {
		snprintf(err, errlen, "airlock: the backend's SSH: %s",
		    ssh_get_error(sc->back));
		r = ERR_PROTO;
		goto fail;
	}
	if ((r = check_hostkey(sc, err, errlen)) != 0 ||
	    (r = back_userauth(sc, err, errlen)) != 0)
		goto fail;
	if ((r = wchan_authdone(sc->c, 1)) != 0) {
		snprintf(err, errlen, "airlock: internal channel error");
		return r;
	}
	log_info("authenticated to the backend as %s for client user %s",
	    user, sc->user);
	return 0;
 fail:
	wchan_authdone(sc->c, 0);
	return r;
}
