/*
 * What the ssh-agent and ssh connectors need of a service, checked at
 * load (sshconf.h lists the settings): the credentials that name keys,
 * decoded now when literal so that a bad key is said at -t, and the
 * config: section.  Literal credentials are secrets: no message repeats
 * one.  Lists (allowedRemoteUsers, allowedHostKeys, authorizedKeys) are
 * one value or a sequence; authorizedKeys reaches the worker as one
 * option, "authorizedKeys": the blobs in base64, separated by ",".
 *
 * allowedUsers, the name of the restriction to remote users that the
 * design first had, is airlock's own key for a Unix listener's peers
 * (confkeys.c): the remote users are allowedRemoteUsers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "config.h"
#include "connector.h"
#include "errors.h"
#include "msg.h"
#include "secret.h"
#include "sshconf.h"
#include "sshkey.h"
#include "sshmsg.h"
#include "util.h"
#include "yamlwalk.h"

#define KNOWN_HOSTS_DEFAULT	"/etc/ssh/ssh_known_hosts"
#define HOSTKEY_NAME		"ssh_host_ed25519_key"
#define LIST_MAX		64

static const char *const agent_keys[] = {
	"maxSignatures", "allowSHA1", "allowedRemoteUsers", "allowedHostKeys",
};
static const char *const ssh_keys[] = {
	"knownHostsFile", "hostKeyFingerprint", "acceptAnyHostKey",
	"hostKeyFile", "clientAuth", "authorizedKeys",
};

/* The ssh-agent's key credentials, and the key type each must hold. */
static const struct {
	const char	*name;
	const char	*type;		/* a prefix of its blob's type name */
} agent_creds[] = {
	{ "rsa", "ssh-rsa" },
	{ "ecdsa", "ecdsa-" },
	{ "ed25519", "ssh-ed25519" },
	{ "privateKey", "" },
};

/* Keys that the connector does not take: said, and ignored. */
static int
check_keys(struct cfgcheck *cc, const struct service *svc,
    const char *const *keys, size_t nkeys)
{
	const struct cfg_keys	 list = { keys, nkeys };

	if (svc->settings != NULL && svc->settings->kind != CFG_MAP)
		return cfg_error(cc, svc->line, svc->col, "service " NAMEFMT
		    ": config must be a mapping", svc->name);
	return cfg_unknown_settings(cc, svc, svc->connector, &list, 1, "");
}

/* A scalar setting's text, or NULL when absent; -1: not a scalar. */
static int
get_scalar(struct cfgcheck *cc, const struct service *svc, const char *key,
    const struct cfgnode **out)
{
	const struct cfgnode	*n;

	*out = NULL;
	if ((n = cfgnode_get(svc->settings, key)) == NULL)
		return 0;
	if (n->kind != CFG_SCALAR || n->value[0] == '\0')
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s must be a value", svc->name, key);
	*out = n;
	return 0;
}

/*
 * A list setting: its items (one scalar, or a sequence of them), each
 * passed to add; absent is none.
 */
typedef int list_add_fn(struct cfgcheck *, const struct service *,
    const struct cfgnode *, const char *key, struct ssh_conf *);

static int
get_list(struct cfgcheck *cc, const struct service *svc, const char *key,
    struct ssh_conf *sc, list_add_fn *add)
{
	const struct cfgnode	*n, *it;
	size_t			 i, cnt;
	int			 r;

	if ((n = cfgnode_get(svc->settings, key)) == NULL)
		return 0;
	cnt = n->kind == CFG_SEQ ? n->nitems : 1;
	if (n->kind == CFG_MAP || cnt == 0 || cnt > LIST_MAX)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s must be one value or a list of 1 to %d",
		    svc->name, key, LIST_MAX);
	for (i = 0; i < cnt; i++) {
		it = n->kind == CFG_SEQ ? &n->items[i] : n;
		if (it->kind != CFG_SCALAR || it->value[0] == '\0')
			return cfg_error(cc, it->line, it->col, "service "
			    NAMEFMT ": config.%s: each entry must be a value",
			    svc->name, key);
		if ((r = add(cc, svc, it, key, sc)) != 0)
			return r;
	}
	return 0;
}

static int
add_user(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *key, struct ssh_conf *sc)
{
	char	**v;
	size_t	 i;

	(void)key;
	(void)svc;
	for (i = 0; sc->allowed_users != NULL && sc->allowed_users[i] != NULL;
	    i++)
		;
	if ((v = reallocarray(sc->allowed_users, i + 2, sizeof(*v))) ==
	    NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	sc->allowed_users = v;
	if ((v[i] = strdup(n->value)) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	v[i + 1] = NULL;
	return 0;
}

/* A public key's blob, as a string, appended to *to (made when NULL). */
static int
add_blob(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *key, struct buf **to)
{
	struct buf	*blob;
	char		 why[256];
	int		 r;

	if (*to == NULL && (*to = buf_new(LIST_MAX *
	    (SSHKEY_BLOB_MAX + 4))) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	if ((blob = buf_new(SSHKEY_BLOB_MAX)) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	why[0] = '\0';
	if ((r = sshkey_parse_public((const unsigned char *)n->value,
	    strlen(n->value), blob, why, sizeof(why))) != 0) {
		buf_free(blob);
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s: not a public key (%s)", svc->name, key,
		    why[0] != '\0' ? why : err_str(r));
	}
	r = buf_put_string(*to, buf_ptr(blob), buf_len(blob));
	buf_free(blob);
	if (r != 0)
		return cfg_error(cc, n->line, n->col, "out of memory");
	return 0;
}

/* A "SHA256:" fingerprint as OpenSSH prints it: 43 unpadded base64. */
static int
valid_fingerprint(const char *s)
{
	size_t	 i;

	if (strncmp(s, "SHA256:", 7) != 0 || strlen(s) != SSHKEY_FP_LEN)
		return 0;
	for (i = 7; s[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/", s[i]) == NULL)
			return 0;
	return 1;
}

/* allowedHostKeys: a public key, or a SHA256 fingerprint of one. */
static int
add_hostkey(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *key, struct ssh_conf *sc)
{
	char	**v;
	size_t	 i;

	if (strncmp(n->value, "SHA256:", 7) != 0)
		return add_blob(cc, svc, n, key, &sc->allowed_hostkeys);
	if (!valid_fingerprint(n->value))
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.%s: not a SHA256 fingerprint (SHA256: and 43 "
		    "characters of base64, as ssh-keygen -l prints it)",
		    svc->name, key);
	for (i = 0; sc->allowed_fps != NULL && sc->allowed_fps[i] != NULL;
	    i++)
		;
	if ((v = reallocarray(sc->allowed_fps, i + 2, sizeof(*v))) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	sc->allowed_fps = v;
	if ((v[i] = strdup(n->value)) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	v[i + 1] = NULL;
	return 0;
}

static int
add_authorized(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *key, struct ssh_conf *sc)
{
	return add_blob(cc, svc, n, key, &sc->authorized);
}

/*
 * A literal private key: decoded now (the message says why not, never
 * what it holds), of the type its name says.
 */
static int
check_private(struct cfgcheck *cc, const struct service *svc,
    const struct credential *cr, const char *type)
{
	EVP_PKEY	*key;
	const char	*have;
	char		 why[256];
	int		 ok;

	if (strcmp(cr->provider, "literal") != 0)
		return 0;
	why[0] = '\0';
	if (sshkey_private((const unsigned char *)cr->ref, strlen(cr->ref),
	    &key, why, sizeof(why)) != 0)
		return cfg_error(cc, cr->line, cr->col, "service " NAMEFMT
		    ": credential %s is not a private key airlock can use: "
		    "%s", svc->name, cr->name, why[0] != '\0' ? why :
		    "it does not decode");
	have = sshkey_type_name(key);
	ok = have != NULL && strncmp(have, type, strlen(type)) == 0;
	EVP_PKEY_free(key);
	if (!ok)
		return cfg_error(cc, cr->line, cr->col, "service " NAMEFMT
		    ": credential %s holds a %s key", svc->name, cr->name,
		    have != NULL ? have : "unknown");
	return 0;
}

/* The ssh-agent's keys: one at least; literal ones decoded now. */
static int
check_agent_creds(struct cfgcheck *cc, const struct service *svc,
    struct ssh_conf *sc)
{
	const struct credential	*cr;
	const char		*end;
	long long		 v;
	size_t			 i, n = 0;
	int			 r, on;

	for (i = 0; i < nitems(agent_creds); i++) {
		if ((cr = service_credential(svc, agent_creds[i].name)) ==
		    NULL)
			continue;
		n++;
		if ((r = check_private(cc, svc, cr, agent_creds[i].type)) != 0)
			return r;
	}
	if (n == 0)
		return cfg_error(cc, svc->line, svc->col, "service " NAMEFMT
		    " (ssh-agent) needs a key: credential rsa, ecdsa, ed25519 "
		    "or privateKey", svc->name);
	if ((cr = service_credential(svc, "lifetime")) != NULL &&
	    strcmp(cr->provider, "literal") == 0) {
		if (yw_uint(cr->ref, &end, &v) != 0 || *end != '\0')
			return cfg_error(cc, cr->line, cr->col, "service "
			    NAMEFMT ": credential lifetime must be a number of "
			    "seconds", svc->name);
		sc->lifetime_s = (uint32_t)v;
	}
	if ((cr = service_credential(svc, "confirm")) != NULL &&
	    strcmp(cr->provider, "literal") == 0) {
		if (yw_bool_word(cr->ref, &on) != 0)
			return cfg_error(cc, cr->line, cr->col, "service "
			    NAMEFMT ": credential confirm must be true or "
			    "false", svc->name);
		if (on && (r = cfg_warn(cc, cr->line, cr->col, "service "
		    NAMEFMT ": confirm: true, and no one is there to confirm "
		    "a signature: every signature request is refused",
		    svc->name)) != 0)
			return r;
	}
	return 0;
}

int
ssh_check_agent(struct cfgcheck *cc, struct service *svc)
{
	const struct cfgnode	*n;
	struct ssh_conf		*sc;
	const char		*end;
	long long		 v;
	int			 r;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	svc->conn_conf = sc;
	sc->max_signatures = SSH_DEFAULT_SIGNATURES;
	if ((r = check_keys(cc, svc, agent_keys, nitems(agent_keys))) != 0 ||
	    (r = check_agent_creds(cc, svc, sc)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "allowSHA1", &sc->allow_sha1)) != 0 ||
	    (r = get_scalar(cc, svc, "maxSignatures", &n)) != 0)
		return r;
	if (n != NULL) {
		if (yw_uint(n->value, &end, &v) != 0 || *end != '\0' ||
		    v < 1 || v > SSH_MAX_SIGNATURES)
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": config.maxSignatures must be a number "
			    "from 1 to %d", svc->name, SSH_MAX_SIGNATURES);
		sc->max_signatures = (uint32_t)v;
	}
	if ((r = get_list(cc, svc, "allowedRemoteUsers", sc, add_user)) != 0)
		return r;
	return get_list(cc, svc, "allowedHostKeys", sc, add_hostkey);
}

char *
ssh_blobs_base64(const struct buf *blobs)
{
	struct buf		 b;
	const unsigned char	*blob;
	char			*s, *p;
	size_t			 len;

	buf_view(&b, buf_ptr(blobs), buf_len(blobs));
	/* 4 characters for 3 bytes, less than 2 for 1; a comma per string. */
	if ((s = p = calloc(1, buf_len(blobs) * 2 + 1)) == NULL)
		return NULL;
	while (buf_get_string_direct(&b, &blob, &len) == 0) {
		if (p != s)
			*p++ = ',';
		p += EVP_EncodeBlock((unsigned char *)p, blob, (int)len);
	}
	return s;
}

/* authorizedKeys, for the worker: base64 blobs separated by ",". */
static int
authorized_option(struct cfgcheck *cc, struct service *svc,
    const struct ssh_conf *sc)
{
	char	*s;
	int	 r;

	if ((s = ssh_blobs_base64(sc->authorized)) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	if (strlen(s) > MSG_MAX_STRING / 2)
		r = cfg_error(cc, svc->line, svc->col, "service " NAMEFMT
		    ": config.authorizedKeys is too long", svc->name);
	else if (kv_set_str(&svc->config, "authorizedKeys", s) != 0)
		r = cfg_error(cc, svc->line, svc->col, "out of memory");
	else
		r = 0;
	free(s);
	return r;
}

/* The backend's host key: one way to know it, or acceptAnyHostKey. */
static int
check_backend_key(struct cfgcheck *cc, struct service *svc,
    struct ssh_conf *sc)
{
	const struct credential	*cr;
	const struct cfgnode	*n, *fp, *kh;
	struct buf		*blob;
	struct stat		 st;
	char			 why[256];
	int			 r;

	if ((cr = service_credential(svc, "hostKey")) != NULL &&
	    strcmp(cr->provider, "literal") == 0) {
		if ((blob = buf_new(SSHKEY_BLOB_MAX)) == NULL)
			return cfg_error(cc, cr->line, cr->col, "out of memory");
		why[0] = '\0';
		r = sshkey_parse_public((const unsigned char *)cr->ref,
		    strlen(cr->ref), blob, why, sizeof(why));
		buf_free(blob);
		if (r != 0)
			return cfg_error(cc, cr->line, cr->col, "service "
			    NAMEFMT ": credential hostKey is not a public key "
			    "(%s)", svc->name, why[0] != '\0' ? why :
			    err_str(r));
	}
	if ((r = get_scalar(cc, svc, "hostKeyFingerprint", &fp)) != 0 ||
	    (r = get_scalar(cc, svc, "knownHostsFile", &kh)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "acceptAnyHostKey", &sc->accept_any)) != 0)
		return r;
	if (fp != NULL && !valid_fingerprint(fp->value))
		return cfg_error(cc, fp->line, fp->col, "service " NAMEFMT
		    ": config.hostKeyFingerprint must be SHA256: and 43 "
		    "characters of base64, as ssh-keygen -l prints it",
		    svc->name);
	if (fp != NULL && (sc->fingerprint = strdup(fp->value)) == NULL)
		return cfg_error(cc, fp->line, fp->col, "out of memory");
	if (kh != NULL && kh->value[0] != '/')
		return cfg_error(cc, kh->line, kh->col, "service " NAMEFMT
		    ": config.knownHostsFile must be an absolute path",
		    svc->name);
	if ((sc->known_hosts = strdup(kh != NULL ? kh->value :
	    KNOWN_HOSTS_DEFAULT)) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	if (sc->accept_any && (cr != NULL || fp != NULL)) {
		n = cfgnode_get(svc->settings, "acceptAnyHostKey");
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.acceptAnyHostKey contradicts %s", svc->name,
		    cr != NULL ? "credential hostKey" :
		    "config.hostKeyFingerprint");
	}
	if (sc->accept_any) {
		n = cfgnode_get(svc->settings, "acceptAnyHostKey");
		return cfg_warn(cc, n->line, n->col, "service " NAMEFMT
		    ": config.acceptAnyHostKey: the backend's host key is not "
		    "verified (whoever is on the way to it gets the session "
		    "and may impersonate the backend)", svc->name);
	}
	/* Nothing to verify the backend against: say so now, not per client. */
	if (cr == NULL && fp == NULL && stat(sc->known_hosts, &st) == -1)
		return cfg_warn(cc, kh != NULL ? kh->line : svc->line,
		    kh != NULL ? kh->col : svc->col, "service " NAMEFMT
		    ": no credential hostKey, no config.hostKeyFingerprint, "
		    "and %.200s: %s: every connection will fail to verify "
		    "the backend's host key", svc->name, sc->known_hosts,
		    strerror(errno));
	return 0;
}

/* The front host key: hostKeyFile, or the one made in stateDirectory. */
static int
check_front_key(struct cfgcheck *cc, struct service *svc,
    struct ssh_conf *sc)
{
	const struct config	*cf = cfg_config(cc);
	const struct cfgnode	*n;
	char			 why[512];
	size_t			 len;
	int			 r, line = svc->line, col = svc->col;

	if ((r = get_scalar(cc, svc, "hostKeyFile", &n)) != 0)
		return r;
	if (n != NULL) {
		if (n->value[0] != '/')
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": config.hostKeyFile must be an absolute "
			    "path", svc->name);
		sc->hostkey_file = strdup(n->value);
		line = n->line;
		col = n->col;
	} else {
		len = strlen(cf->state_dir) + sizeof(HOSTKEY_NAME) + 1;
		if ((sc->hostkey_file = malloc(len)) != NULL)
			snprintf(sc->hostkey_file, len, "%s/%s",
			    cf->state_dir, HOSTKEY_NAME);
	}
	if (sc->hostkey_file == NULL)
		return cfg_error(cc, line, col, "out of memory");
	if (ssh_hostkey_load(sc->hostkey_file, n == NULL, &sc->hostkey, why,
	    sizeof(why)) != 0)
		return cfg_error(cc, line, col, "service " NAMEFMT ": the "
		    "host key %.200s: %s", svc->name, sc->hostkey_file, why);
	return 0;
}

/* clientAuth and authorizedKeys: who may use the service. */
static int
check_client_auth(struct cfgcheck *cc, struct service *svc,
    struct ssh_conf *sc)
{
	const struct cfgnode	*n, *ak;
	int			 r;

	if ((r = get_scalar(cc, svc, "clientAuth", &n)) != 0 ||
	    (r = get_list(cc, svc, "authorizedKeys", sc,
	    add_authorized)) != 0)
		return r;
	if (n != NULL && strcmp(n->value, "publickey") == 0)
		sc->client_auth = SSH_CLIENT_AUTH_PUBLICKEY;
	else if (n != NULL && strcmp(n->value, "none") != 0)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.clientAuth must be none or publickey",
		    svc->name);
	ak = cfgnode_get(svc->settings, "authorizedKeys");
	if (sc->client_auth == SSH_CLIENT_AUTH_PUBLICKEY && ak == NULL)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": clientAuth: publickey needs config.authorizedKeys",
		    svc->name);
	if (sc->client_auth == SSH_CLIENT_AUTH_NONE && ak != NULL)
		return cfg_warn(cc, ak->key_line, ak->key_col, "service "
		    NAMEFMT ": config.authorizedKeys is used only with "
		    "clientAuth: publickey; ignored", svc->name);
	if (sc->authorized != NULL)
		return authorized_option(cc, svc, sc);
	return 0;
}

int
ssh_check_ssh(struct cfgcheck *cc, struct service *svc)
{
	const struct credential	*cr;
	struct ssh_conf		*sc;
	int			 r;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	svc->conn_conf = sc;
	if ((r = check_keys(cc, svc, ssh_keys, nitems(ssh_keys))) != 0)
		return r;
	if ((cr = service_credential(svc, "privateKey")) != NULL &&
	    (r = check_private(cc, svc, cr, "")) != 0)
		return r;
	if ((r = check_backend_key(cc, svc, sc)) != 0 ||
	    (r = check_client_auth(cc, svc, sc)) != 0)
		return r;
	return check_front_key(cc, svc, sc);
}

static void
free_strv(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
ssh_conf_free(void *conf)
{
	struct ssh_conf	*sc = conf;

	if (sc == NULL)
		return;
	free_strv(sc->allowed_users);
	buf_free(sc->allowed_hostkeys);
	free_strv(sc->allowed_fps);
	free(sc->known_hosts);
	free(sc->fingerprint);
	free(sc->hostkey_file);
	secret_free(sc->hostkey);
	buf_free(sc->authorized);
	free(sc);
}
