/*
 * The monitor's half of the ssh-agent and ssh connectors (sshmsg.h): the
 * private keys stay here, and a worker gets public key blobs and
 * signatures, each counted and capped, each of data checked first.
 *
 * ssh-agent (MC_SESSION): KEYS fetches the service's keys for this
 * connection (a rotated key is used at once), decodes each, keeps their
 * texts in guarded memory until the worker ends and answers their blobs;
 * SIGN signs with one of them, at most maxSignatures times, within the
 * credential lifetime, as allowSHA1, allowedRemoteUsers and
 * allowedHostKeys allow; BIND records a session-bind@openssh.com whose
 * signature verifies.  A blob that KEYS did not give, or a SIGN past the
 * cap, is a compromised worker's (an honest one knows the cap from its
 * option "maxSignatures") and kills it; a refusal the client can cause is
 * a MSG_FAILED.
 *
 * ssh (MC_BACKEND): HOSTKEY gives the front host key, the key airlock
 * shows the ssh clients.  The worker holds that key: libssh signs its key
 * exchange with a key it holds, and no other way.  A compromised worker
 * may then impersonate airlock to local clients, which can reach the
 * backend through airlock anyway; the backend's key, privateKey, never
 * leaves the monitor.  AGENT gives the worker a socketpair on which
 * sshagentsrv.c signs the backend's userauth request (RFC 4252 7) for
 * the service's user and key only, at most SSH_CONNECT_SIGNATURES times,
 * until AUTHDONE.  The worker verifies the backend's host key against
 * what its parameters name (hostKey, hostKeyFingerprint, or the
 * known_hosts entries the monitor read when it dialed).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agentmsg.h"
#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "figures.h"
#include "monitor.h"
#include "msg.h"
#include "safefile.h"
#include "secret.h"
#include "sshagentsrv.h"
#include "sshconf.h"
#include "sshkey.h"
#include "sshmsg.h"
#include "util.h"
#include "yamlwalk.h"

#define SSH_DEFAULT_PORT	"22"
#define SSH_DEFAULT_USER	"root"
#define SESSION_ID_MAX		64	/* SHA-512, the longest KEX hash */
#define COMMENT_MAX		256

/* The ssh-agent's key credentials, in the order of its identities. */
static const char *const agent_key_names[] = {
	"rsa", "ecdsa", "ed25519", "privateKey",
};
static const char *const ssh_key_names[] = { "privateKey" };

struct ssh_key {
	struct secret	*text;		/* the private key's text */
	unsigned char	*blob;		/* its public key blob */
	size_t		 bloblen;
	char		*comment;
};

/* A session-bind@openssh.com that verified. */
struct ssh_bind {
	unsigned char	*hostkey;
	size_t		 hostkeylen;
	unsigned char	 sid[SESSION_ID_MAX];
	size_t		 sidlen;
};

/* A connection's keys and what it did with them (w->cstate). */
struct ssh_state {
	struct ssh_key	 keys[SSH_MAX_KEYS];
	size_t		 nkeys;
	int		 loaded;	/* keys fetched and decoded */
	int		 confirm;	/* confirm: true (nothing is signed) */
	uint32_t	 lifetime_s;	/* 0: none */
	struct timespec	 fetched;	/* when (CLOCK_MONOTONIC) */
	uint32_t	 signatures;
	struct ssh_bind	 binds[SSH_MAX_BINDS];
	size_t		 nbinds;
	struct agentsrv	*agent;		/* ssh: AGENT's server */
};

extern const struct mon_connector mon_ssh_agent;
extern const struct mon_connector mon_ssh;

static int
is_agent(const struct worker *w)
{
	return w->conn == &mon_ssh_agent;
}

static const struct ssh_conf *
conf_of(const struct worker *w)
{
	return w->svc->conn_conf;
}

static void
ssh_forget(struct worker *w)
{
	struct ssh_state	*st = w->cstate;
	size_t			 i;

	if (st == NULL)
		return;
	w->cstate = NULL;
	agentsrv_free(st->agent);
	for (i = 0; i < st->nkeys; i++) {
		secret_free(st->keys[i].text);
		free(st->keys[i].blob);
		free(st->keys[i].comment);
	}
	for (i = 0; i < st->nbinds; i++)
		free(st->binds[i].hostkey);
	secret_wipe(st, sizeof(*st));
	free(st);
}

/* The state, made at the first request; NULL: killed. */
static struct ssh_state *
state_of(struct worker *w)
{
	if (w->cstate == NULL && (w->cstate = calloc(1,
	    sizeof(struct ssh_state))) == NULL)
		worker_kill(w, "out of memory");
	return w->cstate;
}

/* A credential as a C string (no NUL inside), or NULL. */
static const char *
cred_str(const struct creds *c, const char *name)
{
	const struct secret	*v = creds_get(c, name);

	if (v == NULL || memchr(v->data, '\0', v->len) != NULL)
		return NULL;
	return (const char *)v->data;
}

/*
 * Decode the private key credential name of creds into the state: its
 * text copied to guarded memory, its blob taken.  why: no secret in it.
 */
static int
add_key(struct ssh_state *st, const struct creds *creds, const char *name,
    const char *comment, char *why, size_t whylen)
{
	const struct secret	*v = creds_get(creds, name);
	struct ssh_key		*k = &st->keys[st->nkeys];
	struct buf		*blob = NULL;
	EVP_PKEY		*key = NULL;
	char			 err[256];
	int			 r;

	if (v == NULL)
		return 0;
	err[0] = '\0';
	if ((r = sshkey_private(v->data, v->len, &key, err,
	    sizeof(err))) != 0) {
		snprintf(why, whylen, "credential %s is not a private key "
		    "airlock can use: %s", name, err[0] != '\0' ? err :
		    err_str(r));
		return r;
	}
	if ((blob = buf_new(SSHKEY_BLOB_MAX)) == NULL ||
	    (r = sshkey_public_blob(key, blob)) != 0 ||
	    (k->blob = malloc(buf_len(blob))) == NULL ||
	    (k->text = secret_new(v->data, v->len)) == NULL ||
	    (k->comment = strndup(comment != NULL ? comment : name,
	    COMMENT_MAX)) == NULL) {
		snprintf(why, whylen, "credential %s: out of memory", name);
		r = ERR_NOMEM;
	} else {
		memcpy(k->blob, buf_ptr(blob), buf_len(blob));
		k->bloblen = buf_len(blob);
		st->nkeys++;
	}
	if (r != 0) {
		free(k->blob);
		secret_free(k->text);
		free(k->comment);
		memset(k, 0, sizeof(*k));
	}
	buf_free(blob);
	EVP_PKEY_free(key);
	return r;
}

/* The connection's keys from resolved credentials (names: which). */
static int
load_keys(struct ssh_state *st, const struct creds *creds,
    const char *const *names, size_t nnames, char *why, size_t whylen)
{
	const char	*s, *end;
	long long	 v;
	size_t		 i;
	int		 r, on;

	for (i = 0; i < nnames && st->nkeys < SSH_MAX_KEYS; i++)
		if ((r = add_key(st, creds, names[i], cred_str(creds,
		    "comment"), why, whylen)) != 0)
			return r;
	if (st->nkeys == 0) {
		snprintf(why, whylen, "no key among the credentials");
		return ERR_NOTFOUND;
	}
	if ((s = cred_str(creds, "lifetime")) != NULL && s[0] != '\0') {
		if (yw_uint(s, &end, &v) != 0 || *end != '\0') {
			snprintf(why, whylen, "credential lifetime is not a "
			    "number of seconds");
			return ERR_FORMAT;
		}
		st->lifetime_s = (uint32_t)v;
	}
	if ((s = cred_str(creds, "confirm")) != NULL && s[0] != '\0') {
		if (yw_bool_word(s, &on) != 0) {
			snprintf(why, whylen, "credential confirm is not true "
			    "or false");
			return ERR_FORMAT;
		}
		st->confirm = on;
	}
	clock_gettime(CLOCK_MONOTONIC, &st->fetched);
	st->loaded = 1;
	return 0;
}

static struct ssh_key *
find_key(struct ssh_state *st, const unsigned char *blob, size_t len)
{
	size_t	 i;

	for (i = 0; i < st->nkeys; i++)
		if (bytes_cmp(st->keys[i].blob, st->keys[i].bloblen, blob,
		    len) == 0)
			return &st->keys[i];
	return NULL;
}

/* u32 n, then string blob, string comment each (sshmsg.h, KEYS). */
static int
put_keys(const struct ssh_state *st, struct buf *out)
{
	size_t	 i;
	int	 r;

	if ((r = buf_put_u32(out, (uint32_t)st->nkeys)) != 0)
		return r;
	for (i = 0; i < st->nkeys; i++)
		if ((r = buf_put_string(out, st->keys[i].blob,
		    st->keys[i].bloblen)) != 0 ||
		    (r = buf_put_cstring(out, st->keys[i].comment)) != 0)
			return r;
	return 0;
}

static void
keys_fetched(void *arg, const char *err, struct creds *creds)
{
	struct worker		*w = arg;
	struct ssh_state	*st = w->cstate;
	struct buf		*out;
	char			 why[384];

	w->creq = NULL;
	metrics_provider(w);
	if (err != NULL || load_keys(st, creds, agent_key_names,
	    nitems(agent_key_names), why, sizeof(why)) != 0) {
		creds_free(creds);
		metrics_failed(w, FIG_PROVIDER);
		worker_fail(w, "the keys of service %s: %s", w->svc->name,
		    err != NULL ? err : why);
		w->state = W_DONE;
		return;
	}
	creds_free(creds);
	/* The session begins: its startup is over, as a login's. */
	w->state = W_SESSION;
	worker_startup_over(w);
	metrics_authenticated(w);
	if ((out = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    put_keys(st, out) != 0) {
		buf_free(out);
		worker_fail(w, "the keys of service %s do not fit a message",
		    w->svc->name);
		w->state = W_DONE;
		return;
	}
	worker_send(w, MSG_SSH_KEYS, out, -1);
	buf_free(out);
}

static int
answer_keys(struct worker *w, struct buf *b)
{
	int	 r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	if (state_of(w) == NULL)
		return 0;
	/* Fetched for each connection, never cached. */
	w->t_creds = metrics_now_us();
	if ((w->creq = creds_resolve(w->svc, keys_fetched, w)) == NULL) {
		metrics_failed(w, FIG_PROVIDER);
		worker_fail(w, "could not fetch the keys of service %s",
		    w->svc->name);
		w->state = W_DONE;
	}
	return 0;
}

/* Is the host key allowed by allowedHostKeys (a blob or a fingerprint)? */
static int
hostkey_allowed(const struct ssh_conf *sc, const unsigned char *blob,
    size_t len)
{
	struct buf		 b;
	const unsigned char	*k;
	char			 fp[SSHKEY_FP_LEN + 1];
	size_t			 klen, i;

	if (sc->allowed_hostkeys != NULL) {
		buf_view(&b, buf_ptr(sc->allowed_hostkeys),
		    buf_len(sc->allowed_hostkeys));
		while (buf_get_string_direct(&b, &k, &klen) == 0)
			if (bytes_cmp(k, klen, blob, len) == 0)
				return 1;
	}
	if (sc->allowed_fps == NULL || sshkey_fingerprint(blob, len, fp) != 0)
		return 0;
	for (i = 0; sc->allowed_fps[i] != NULL; i++)
		if (strcmp(sc->allowed_fps[i], fp) == 0)
			return 1;
	return 0;
}

/*
 * ssh-agent's restrictions on what is signed (allowedRemoteUsers,
 * allowedHostKeys), as OpenSSH's agent reads a userauth request for its
 * destination constraints: 0, or ERR_DENIED with why.
 */
static int
agent_policy(const struct worker *w, const struct ssh_state *st,
    const unsigned char *data, size_t len, char *why, size_t whylen)
{
	const struct ssh_conf	*sc = conf_of(w);
	struct ssh_userauth	 ua;
	size_t			 i;

	if (sc->allowed_users == NULL && sc->allowed_hostkeys == NULL &&
	    sc->allowed_fps == NULL)
		return 0;
	if (ssh_userauth_parse(data, len, &ua) != 0) {
		snprintf(why, whylen, "service %s signs SSH logins only, and "
		    "this is not one", w->svc->name);
		return ERR_DENIED;
	}
	if (sc->allowed_users != NULL) {
		for (i = 0; sc->allowed_users[i] != NULL; i++)
			if (bytes_cmp(sc->allowed_users[i],
			    strlen(sc->allowed_users[i]), ua.user,
			    ua.userlen) == 0)
				break;
		if (sc->allowed_users[i] == NULL) {
			snprintf(why, whylen, "service %s does not sign logins "
			    "as this user (allowedRemoteUsers)", w->svc->name);
			return ERR_DENIED;
		}
	}
	if (sc->allowed_hostkeys == NULL && sc->allowed_fps == NULL)
		return 0;
	/*
	 * A hostbound request names its host too (OpenSSH PROTOCOL 2.5):
	 * it must be the one bound to its session.
	 */
	for (i = 0; i < st->nbinds; i++)
		if (bytes_cmp(st->binds[i].sid, st->binds[i].sidlen,
		    ua.session_id, ua.session_idlen) == 0 &&
		    (ua.hostkey == NULL || bytes_cmp(ua.hostkey, ua.hostkeylen,
		    st->binds[i].hostkey, st->binds[i].hostkeylen) == 0) &&
		    hostkey_allowed(sc, st->binds[i].hostkey,
		    st->binds[i].hostkeylen))
			return 0;
	snprintf(why, whylen, "service %s signs logins only to the hosts of "
	    "allowedHostKeys, and this session is not bound to one", 
	    w->svc->name);
	return ERR_DENIED;
}

/*
 * The ssh connector's backend login, and nothing else: a userauth request
 * for the service's user, on "ssh-connection", with the service's key and
 * the algorithm about to sign.  Our worker's libssh sends nothing else.
 */
static int
ssh_policy(struct worker *w, const struct ssh_key *k, const char *alg,
    const unsigned char *data, size_t len)
{
	struct ssh_userauth	 ua;
	const char		*user = cred_str(w->creds, "user");

	if (user == NULL || user[0] == '\0')
		user = SSH_DEFAULT_USER;
	if (ssh_userauth_parse(data, len, &ua) != 0 ||
	    bytes_cmp(ua.user, ua.userlen, user, strlen(user)) != 0 ||
	    bytes_cmp(ua.service, ua.servicelen, "ssh-connection", 14) != 0 ||
	    bytes_cmp(ua.key, ua.keylen, k->blob, k->bloblen) != 0 ||
	    bytes_cmp(ua.alg, ua.alglen, alg, strlen(alg)) != 0) {
		worker_kill(w, "asked to sign what is not the backend login "
		    "of service %s", w->svc->name);
		return ERR_DENIED;
	}
	return 0;
}

static int
expired(const struct ssh_state *st)
{
	struct timespec	 now;

	if (st->lifetime_s == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - st->fetched.tv_sec >= (time_t)st->lifetime_s;
}

int
mon_ssh_sign(struct worker *w, const unsigned char *blob, size_t bloblen,
    const unsigned char *data, size_t datalen, uint32_t flags,
    struct buf *sig, char *why, size_t whylen)
{
	const struct ssh_conf	*sc = conf_of(w);
	struct ssh_state	*st = w->cstate;
	struct ssh_key		*k;
	EVP_PKEY		*key = NULL;
	const char		*alg;
	uint32_t		 cap;
	int			 r;

	if (st == NULL || !st->loaded || w->creq != NULL) {
		worker_kill(w, "SIGN without keys");
		return ERR_PROTO;
	}
	if ((k = find_key(st, blob, bloblen)) == NULL) {
		worker_kill(w, "SIGN with a key that is not this connection's");
		return ERR_PROTO;
	}
	if (datalen > SSH_SIGN_DATA_MAX) {
		worker_kill(w, "SIGN of %zu bytes", datalen);
		return ERR_TOOBIG;
	}
	cap = is_agent(w) ? sc->max_signatures : SSH_CONNECT_SIGNATURES;
	if (st->signatures >= cap) {
		worker_kill(w, "SIGN past the %u signatures of a connection",
		    cap);
		return ERR_PROTO;
	}
	st->signatures++;
	if (st->confirm) {
		snprintf(why, whylen, "service %s has confirm: true, and no one "
		    "can confirm a signature", w->svc->name);
		return ERR_DENIED;
	}
	if (expired(st)) {
		snprintf(why, whylen, "the keys of service %s have expired "
		    "(lifetime %u s)", w->svc->name, st->lifetime_s);
		return ERR_DENIED;
	}
	if ((r = sshkey_private(k->text->data, k->text->len, &key, why,
	    whylen)) != 0) {
		snprintf(why, whylen, "the key of service %s does not decode",
		    w->svc->name);
		return ERR_DENIED;
	}
	if ((alg = sshkey_sign_alg(key, flags, sc->allow_sha1)) == NULL) {
		snprintf(why, whylen, "ssh-rsa (SHA-1) signatures are not "
		    "allowed for this service");
		r = ERR_DENIED;
	} else if (is_agent(w))
		r = agent_policy(w, st, data, datalen, why, whylen);
	else if ((r = ssh_policy(w, k, alg, data, datalen)) != 0)
		r = ERR_PROTO;		/* killed */
	if (r == 0 && (r = sshkey_sign(key, alg, data, datalen, sig)) != 0) {
		snprintf(why, whylen, "the key of service %s could not sign",
		    w->svc->name);
		r = ERR_DENIED;
	}
	EVP_PKEY_free(key);
	return r;
}

static int
answer_sign(struct worker *w, struct buf *b)
{
	const unsigned char	*blob, *data;
	struct buf		*sig;
	size_t			 bloblen, datalen;
	uint32_t		 flags;
	char			 why[256];
	int			 r;

	if ((r = buf_get_string_direct(b, &blob, &bloblen)) != 0 ||
	    (r = buf_get_string_direct(b, &data, &datalen)) != 0 ||
	    (r = buf_get_u32(b, &flags)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if ((sig = buf_new(SSHKEY_SIG_MAX)) == NULL) {
		worker_kill(w, "out of memory");
		return 0;
	}
	r = mon_ssh_sign(w, blob, bloblen, data, datalen, flags, sig, why,
	    sizeof(why));
	if (r == 0)
		r = worker_reply(w, MSG_SSH_SIGN, buf_ptr(sig), buf_len(sig));
	else if (r == ERR_DENIED)
		(void)worker_fail(w, "%s", why);
	buf_free(sig);
	/* A worker gone or killed meanwhile is not this request's fault. */
	return 0;
}

int
mon_ssh_identities(struct worker *w, struct buf *out)
{
	struct ssh_state	*st = w->cstate;
	const unsigned char	*blobs[SSH_MAX_KEYS];
	const char		*comments[SSH_MAX_KEYS];
	size_t			 lens[SSH_MAX_KEYS], i;

	if (st == NULL || !st->loaded) {
		worker_kill(w, "identities asked without keys");
		return ERR_PROTO;
	}
	for (i = 0; i < st->nkeys; i++) {
		blobs[i] = st->keys[i].blob;
		lens[i] = st->keys[i].bloblen;
		comments[i] = st->keys[i].comment;
	}
	if (agent_put_identities(out, st->nkeys, blobs, lens,
	    comments) != 0) {
		worker_kill(w, "out of memory");
		return ERR_NOMEM;
	}
	return 0;
}

/*
 * session-bind@openssh.com (OpenSSH PROTOCOL.agent 1.2): the host's
 * signature over the session identifier must verify.  The client chooses
 * what it sends, so a bad one is a refusal, not a kill.
 */
static int
answer_bind(struct worker *w, struct buf *b)
{
	struct ssh_state	*st;
	struct ssh_bind		*bd;
	const unsigned char	*hk, *sid, *sig;
	size_t			 hklen, sidlen, siglen;
	uint8_t			 fwd;
	int			 r;

	if ((r = buf_get_string_direct(b, &hk, &hklen)) != 0 ||
	    (r = buf_get_string_direct(b, &sid, &sidlen)) != 0 ||
	    (r = buf_get_string_direct(b, &sig, &siglen)) != 0 ||
	    (r = buf_get_u8(b, &fwd)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if ((st = w->cstate) == NULL || !st->loaded || w->creq != NULL) {
		worker_kill(w, "BIND without keys");
		return 0;
	}
	if (hklen > SSHKEY_BLOB_MAX || sidlen == 0 ||
	    sidlen > SESSION_ID_MAX || st->nbinds >= SSH_MAX_BINDS ||
	    sshkey_verify(hk, hklen, sig, siglen, sid, sidlen) != 0) {
		(void)worker_fail(w, "the session-bind signature does not "
		    "verify");
		return 0;
	}
	bd = &st->binds[st->nbinds];
	if ((bd->hostkey = malloc(hklen)) == NULL) {
		worker_kill(w, "out of memory");
		return 0;
	}
	memcpy(bd->hostkey, hk, hklen);
	bd->hostkeylen = hklen;
	memcpy(bd->sid, sid, sidlen);
	bd->sidlen = sidlen;
	st->nbinds++;
	(void)worker_send(w, MSG_SSH_BIND, NULL, -1);
	return 0;
}

/* The front host key's text, loaded with the configuration. */
static int
answer_hostkey(struct worker *w, struct buf *b)
{
	const struct ssh_conf	*sc = conf_of(w);
	int			 r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	return worker_reply(w, MSG_SSH_HOSTKEY, sc->hostkey->data,
	    sc->hostkey->len);
}

/*
 * The backend login's agent: the key of privateKey (resolved at DIAL,
 * held until AUTHDONE) behind a socketpair that sshagentsrv.c serves.
 */
static int
answer_agent(struct worker *w, struct buf *b)
{
	struct ssh_state	*st;
	char			 why[384];
	int			 fds[2], r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	if ((st = state_of(w)) == NULL)
		return 0;
	if (load_keys(st, w->creds, ssh_key_names, nitems(ssh_key_names), why,
	    sizeof(why)) != 0) {
		metrics_failed(w, FIG_PROVIDER);
		worker_fail(w, "the key of service %s: %s", w->svc->name, why);
		w->state = W_DONE;
		worker_forget_secrets(w);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == -1) {
		worker_fail(w, "airlock cannot make the backend's agent "
		    "socket");
		w->state = W_DONE;
		worker_forget_secrets(w);
		return 0;
	}
	if ((st->agent = agentsrv_start(w, fds[0],
	    w->conf->handshake_timeout_ms)) == NULL) {
		close(fds[1]);
		worker_kill(w, "out of memory");
		return 0;
	}
	(void)worker_send(w, MSG_SSH_AGENT, NULL, fds[1]);
	close(fds[1]);
	return 0;
}

/*
 * The backend's host keys that the worker may accept, into params: the
 * credential hostKey, else hostKeyFingerprint, else the known_hosts
 * entries for host and port, read now (StrictModes); or acceptAnyHostKey.
 * Nothing known: ERR_NOTFOUND, and why, for the client.
 */
static int
backend_hostkeys(const struct worker *w, struct kvlist *params, char *why,
    size_t whylen)
{
	const struct ssh_conf	*sc = conf_of(w);
	const struct secret	*hk = creds_get(w->creds, "hostKey");
	struct secret		*text = NULL;
	struct buf		*blobs, *one;
	char			 host[256], port[16], err[256], *s = NULL;
	size_t			 n = 0;
	int			 r;

	if (sc->accept_any)
		return kv_set_str(params, "acceptAnyHostKey", "1");
	if (hk == NULL && sc->fingerprint != NULL)
		return kv_set_str(params, "hostKeyFingerprint",
		    sc->fingerprint);
	if ((r = backend_address(w, SSH_DEFAULT_PORT, host, sizeof(host),
	    port, sizeof(port), why, whylen)) != 0)
		return r;
	if ((blobs = buf_new(MSG_MAX_STRING)) == NULL)
		return ERR_NOMEM;
	err[0] = '\0';
	if (hk != NULL) {
		if ((one = buf_new(SSHKEY_BLOB_MAX)) == NULL)
			r = ERR_NOMEM;
		else if ((r = sshkey_parse_public(hk->data, hk->len, one, err,
		    sizeof(err))) == 0 && (r = buf_put_string(blobs,
		    buf_ptr(one), buf_len(one))) == 0)
			n = 1;
		buf_free(one);
		if (r != 0)
			snprintf(why, whylen, "the hostKey of service %s is not "
			    "a public key", w->svc->name);
	} else if ((r = file_read(sc->known_hosts, 0, "knownHostsFile",
	    &text, err, sizeof(err))) == 0)
		r = sshkey_known_hosts((const char *)text->data, text->len,
		    host, port, blobs, &n);
	secret_free(text);
	if (r == 0 && n == 0)
		r = ERR_NOTFOUND;
	if (r != 0 && hk == NULL)
		snprintf(why, whylen, "no known host key for %s:%s (set "
		    "hostKey, knownHostsFile or hostKeyFingerprint)%s%s",
		    host, port, err[0] != '\0' ? ": " : "", err);
	if (r == 0 && (s = ssh_blobs_base64(blobs)) == NULL)
		r = ERR_NOMEM;
	if (r == 0)
		r = kv_set_str(params, "hostKeys", s);
	free(s);
	buf_free(blobs);
	return r;
}

/*
 * The backend's host and port (address, port 22 by default), and a host
 * key known for it: else nothing is dialed, and the client hears why.
 */
static int
ssh_dial_target(const struct worker *w, struct target *t, char *err,
    size_t errlen)
{
	struct kvlist	 tmp;
	int		 r;

	memset(t, 0, sizeof(*t));
	if ((r = backend_address(w, SSH_DEFAULT_PORT, t->host,
	    sizeof(t->host), t->port, sizeof(t->port), err, errlen)) != 0)
		return r;
	kv_init(&tmp);
	err[0] = '\0';
	if ((r = backend_hostkeys(w, &tmp, err, errlen)) != 0 &&
	    err[0] == '\0')
		snprintf(err, errlen, "the host keys of service %s: %s",
		    w->svc->name, err_str(r));
	kv_clear(&tmp);
	return r;
}

/* DIALED's parameters: the backend user, and its host keys. */
static int
ssh_dial_params(const struct worker *w, struct kvlist *params)
{
	const char	*user = cred_str(w->creds, "user");
	char		 why[512];
	int		 r;

	if (user == NULL || user[0] == '\0')
		user = SSH_DEFAULT_USER;
	if ((r = kv_set_str(params, "user", user)) != 0)
		return r;
	return backend_hostkeys(w, params, why, sizeof(why));
}

static const struct mon_request agent_requests[] = {
	{ MSG_SSH_KEYS, "SSH_KEYS", S(W_ASSIGNED), 1, 0, 0, answer_keys },
	{ MSG_SSH_SIGN, "SSH_SIGN", S(W_SESSION), SSH_MAX_SIGNATURES, 0,
	    MSG_SSH_KEYS, answer_sign },
	{ MSG_SSH_BIND, "SSH_BIND", S(W_SESSION), SSH_MAX_BINDS, 0,
	    MSG_SSH_KEYS, answer_bind },
};

static const struct mon_request ssh_requests[] = {
	{ MSG_SSH_HOSTKEY, "SSH_HOSTKEY", S(W_ASSIGNED), 1, 0, 0,
	    answer_hostkey },
	{ MSG_SSH_AGENT, "SSH_AGENT", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    answer_agent },
};

static const char *const agent_optional[] = {
	"rsa", "ecdsa", "ed25519", "privateKey", "comment", "lifetime",
	"confirm", NULL,
};
static const char *const ssh_required[] = { "address", "privateKey",
	NULL };
static const char *const ssh_optional[] = { "user", "hostKey", NULL };

/* libssh is airlock-worker-ssh's, and with it OpenSSL (wkind.c). */
static void
ssh_worker_kind(const struct service *svc, struct worker_kind *k)
{
	(void)svc;
	k->image = WIMAGE_SSH;
	k->tls = 1;
}

const struct mon_connector mon_ssh_agent = {
	.name = "ssh-agent",
	.flags = MC_SESSION,
	.optional = agent_optional,
	.check = ssh_check_agent,
	.conf_free = ssh_conf_free,
	.forget = ssh_forget,
	.requests = agent_requests,
	.nrequests = nitems(agent_requests),
	/* The agent protocol needs neither libssh nor TLS. */
	.worker_kind = worker_kind_plain,
};

const struct mon_connector mon_ssh = {
	.name = "ssh",
	.flags = MC_BACKEND,
	.required = ssh_required,
	.optional = ssh_optional,
	.check = ssh_check_ssh,
	.conf_free = ssh_conf_free,
	.dial_target = ssh_dial_target,
	.dial_params = ssh_dial_params,
	.forget = ssh_forget,
	.requests = ssh_requests,
	.nrequests = nitems(ssh_requests),
	.worker_kind = ssh_worker_kind,
};
