/*
 * The ssh connector's server side: the client's key exchange under the
 * front host key (which the monitor hands over: see sshmsg.h,
 * MSG_SSH_HOSTKEY, for why the worker may hold it), and the client's
 * user authentication (RFC 4252): "none" (clientAuth: none, the default:
 * the listener's socket permissions and peer allow-list are the access
 * control) or "publickey" for the keys of authorizedKeys.  The backend leg
 * is made inside the authentication, once the client is known; when it
 * fails, the client is let in only to be told why (sshrefuse.c).
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "secret.h"
#include "ssh.h"
#include "sshconn.h"
#include "worker.h"

/*
 * Key exchanges that need no file: without the group exchanges, which
 * read /etc/ssh/moduli (RFC 4419; the sandbox has no files).
 */
#define FRONT_KEX	"curve25519-sha256,curve25519-sha256@libssh.org," \
			"ecdh-sha2-nistp256,ecdh-sha2-nistp384," \
			"ecdh-sha2-nistp521,diffie-hellman-group16-sha512," \
			"diffie-hellman-group18-sha512," \
			"diffie-hellman-group14-sha256"

/* The front host key: from the monitor's text into the bind (its owner). */
static int
front_hostkey(struct sshconn *sc, char *err, size_t errlen)
{
	struct secret	*text;
	ssh_key		 key = NULL;
	int		 r;

	if ((r = sshchan_hostkey(sc->c, &text, err, errlen)) != 0)
		return r;
	r = sshfront_import_key(text, &key);
	secret_free(text);
	if (r != 0) {
		snprintf(err, errlen, "airlock: the front host key does not "
		    "parse");
		return ERR_FORMAT;
	}
	if (ssh_bind_options_set(sc->bind, SSH_BIND_OPTIONS_IMPORT_KEY,
	    key) != SSH_OK) {
		ssh_key_free(key);
		snprintf(err, errlen, "airlock: the front host key: %s",
		    ssh_get_error(sc->bind));
		return ERR_FORMAT;
	}
	return 0;
}

int
sshfront_key_allowed(struct wconn *c, ssh_key key)
{
	const char	*list, *item;
	ssh_key		 k;
	size_t		 len;
	int		 same;

	if ((list = kv_get(&c->opts, "authorizedKeys", NULL)) == NULL)
		return 0;
	while (ssh_list_next(&list, &item, &len) == 0) {
		if ((k = ssh_key_from_text(item, len)) == NULL)
			continue;
		same = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(k);
		if (same)
			return 1;
	}
	return 0;
}

static int
client_auth_publickey(const struct wconn *c)
{
	const char	*v = kv_get(&c->opts, "clientAuth", NULL);

	return v != NULL && strcmp(v, "publickey") == 0;
}

/* The client is who it must be: now the backend (once). */
static int
front_let_in(struct sshconn *sc, const char *user)
{
	char	 err[256];

	if (sc->authed || sc->failed)
		return SSH_AUTH_DENIED;
	snprintf(sc->user, sizeof(sc->user), "%s", user);
	if (sshback_connect(sc, err, sizeof(err)) != 0) {
		/* Let it in to be told why (sshrefuse.c). */
		log_info("%s", wchan_reason(err));
		snprintf(sc->why, sizeof(sc->why), "%s", err);
		sc->failed = 1;
		return SSH_AUTH_SUCCESS;
	}
	sc->authed = 1;
	return SSH_AUTH_SUCCESS;
}

static int
auth_none(ssh_session s, const char *user, void *arg)
{
	struct sshconn	*sc = arg;

	(void)s;
	if (client_auth_publickey(sc->c))
		return SSH_AUTH_DENIED;
	return front_let_in(sc, user);
}

/*
 * RFC 4252 7: a request without a signature asks whether the key would
 * do (SSH_AUTH_SUCCESS here makes libssh answer PK_OK); libssh has
 * verified the signature of one with a signature (SSH_PUBLICKEY_STATE_
 * VALID) against the session identifier.
 */
static int
auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
    char state, void *arg)
{
	struct sshconn	*sc = arg;

	(void)s;
	if (!client_auth_publickey(sc->c) ||
	    !sshfront_key_allowed(sc->c, key))
		return SSH_AUTH_DENIED;
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;
	if (state != SSH_PUBLICKEY_STATE_VALID)
		return SSH_AUTH_DENIED;
	return front_let_in(sc, user);
}

/*
 * Before the key exchange: a client sends its first requests right
 * after its NEWKEYS, and libssh may read them with it, inside
 * ssh_handle_key_exchange; without the hooks it would queue them
 * unanswered.
 */
static int
front_hooks(struct sshconn *sc, char *err, size_t errlen)
{
	memset(&sc->scb, 0, sizeof(sc->scb));
	sc->scb.userdata = sc;
	sc->scb.auth_none_function = auth_none;
	sc->scb.auth_pubkey_function = auth_pubkey;
	sshrelay_init(sc);
	ssh_callbacks_init(&sc->scb);
	if (ssh_set_server_callbacks(sc->front, &sc->scb) != SSH_OK) {
		snprintf(err, errlen, "airlock: libssh: %s",
		    ssh_get_error(sc->front));
		return ERR_INVAL;
	}
	ssh_set_auth_methods(sc->front, client_auth_publickey(sc->c) ?
	    SSH_AUTH_METHOD_PUBLICKEY : SSH_AUTH_METHOD_NONE);
	return 0;
}

int
sshfront_start(struct sshconn *sc, char *err, size_t errlen)
{
	long	 secs;
	int	 no = 0, r;

	if ((sc->bind = ssh_bind_new()) == NULL ||
	    (sc->front = ssh_new()) == NULL) {
		snprintf(err, errlen, "airlock: out of memory");
		return ERR_NOMEM;
	}
	/* No /etc/ssh/libssh_server_config. */
	if (ssh_bind_options_set(sc->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG,
	    &no) != SSH_OK ||
	    ssh_bind_options_set(sc->bind, SSH_BIND_OPTIONS_KEY_EXCHANGE,
	    FRONT_KEX) != SSH_OK) {
		snprintf(err, errlen, "airlock: libssh: %s",
		    ssh_get_error(sc->bind));
		return ERR_INVAL;
	}
	if ((r = front_hostkey(sc, err, errlen)) != 0)
		return r;
	if (ssh_bind_accept_fd(sc->bind, sc->front, sc->c->client.fd) !=
	    SSH_OK) {
		snprintf(err, errlen, "airlock: libssh: %s",
		    ssh_get_error(sc->bind));
		return ERR_INVAL;
	}
	sc->c->client.fd = -1;	/* the session's now: ssh_free closes it */
	if ((r = front_hooks(sc, err, errlen)) != 0)
		return r;
	secs = (ssh_remaining_ms(sc) + 999) / 1000;
	ssh_options_set(sc->front, SSH_OPTIONS_TIMEOUT, &secs);
	if (ssh_handle_key_exchange(sc->front) != SSH_OK) {
		snprintf(err, errlen, "client key exchange: %s",
		    ssh_get_error(sc->front));
		return ERR_PROTO;
	}
	return 0;
}

int
sshfront_auth(struct sshconn *sc, char *err, size_t errlen)
{
	int	 r;

	if ((sc->ev_front = ssh_event_new()) == NULL ||
	    ssh_event_add_session(sc->ev_front, sc->front) != SSH_OK) {
		snprintf(err, errlen, "airlock: out of memory");
		return ERR_NOMEM;
	}
	while (!sc->authed && !sc->failed) {
		if (now_ms() >= sc->c->deadline) {
			snprintf(err, errlen, "the client did not "
			    "authenticate in time");
			return ERR_TIMEOUT;
		}
		r = ssh_event_dopoll(sc->ev_front, ssh_remaining_ms(sc));
		if (r == SSH_ERROR || (ssh_get_status(sc->front) &
		    (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
			snprintf(err, errlen, "the client left before it "
			    "authenticated");
			return ERR_EOF;
		}
	}
	if (sc->failed) {
		sshrefuse_run(sc);
		err[0] = '\0';		/* front_let_in said why */
		return ERR_AUTH;
	}
	return 0;
}
