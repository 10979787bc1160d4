/*
 * The ssh-agent and ssh connectors' configuration (sshconf.c) and the
 * front host key (sshhostkey.c): files that load, with every setting as
 * written; an error at FILE:LINE:COLUMN for every mistake, none with a
 * literal key in it; the warnings; the host key made once in
 * stateDirectory, and refused where others could change it.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "config.h"
#include "conftext.h"
#include "msg.h"
#include "secret.h"
#include "sshconf.h"
#include "sshkey.h"
#include "sshmsg.h"
#include "sshtestkeys.h"
#include "test.h"

#define SECRET	"Zq9-not-a-key-hunter2"

/* stateDirectory, a key in PEM (indented as a block scalar), its public. */
static char	 state[64];
static char	 pem[1024];
static char	 pub[300];

static void
setup(void)
{
	static int	 done;
	EVP_PKEY	*key;
	struct buf	*blob;
	unsigned char	 b64[256];

	if (done)
		return;
	done = 1;
	snprintf(state, sizeof(state), "/tmp/airlock-sshconf-XXXXXX");
	REQUIRE(mkdtemp(state) != NULL);
	REQUIRE((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	REQUIRE(sshtest_indent_pem(key, pem, sizeof(pem)) == 0);
	REQUIRE((blob = buf_new(SSHKEY_BLOB_MAX)) != NULL);
	REQUIRE(sshkey_public_blob(key, blob) == 0);
	EVP_EncodeBlock(b64, buf_ptr(blob), (int)buf_len(blob));
	snprintf(pub, sizeof(pub), "ssh-ed25519 %s", b64);
	buf_free(blob);
	EVP_PKEY_free(key);
}

/* The file: lines 1-4 the head, then the text (line 5 on). */
static char	*text(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

static char *
text(const char *fmt, ...)
{
	static char	 t[8192];
	char		 body[6144];
	va_list		 ap;

	setup();
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(t, sizeof(t), "version: 2\nairlock:\n  stateDirectory: %s\n"
	    "services:\n%s", state, body);
	return t;
}

/* An ssh-agent service with the PEM key (lines 5-12), config: line 13. */
#define AGENT	"  ag:\n    connector: ssh-agent\n" \
	"    listenOn: tcp://127.0.0.1:8022\n    credentials:\n" \
	"      privateKey: |\n%s      comment: deploy key\n"
/* An ssh service with it (lines 5-14), config: line 15. */
#define SSH	"  sh:\n    connector: ssh\n" \
	"    listenOn: tcp://127.0.0.1:8023\n    credentials:\n" \
	"      address: backend.example:2222\n      privateKey: |\n%s" \
	"      hostKey: %s\n"

static struct config *
load_ok(const char *t)
{
	struct config	*cf;
	char		 err[1024];

	if ((cf = config_from_text(t, NULL, err, sizeof(err))) == NULL)
		printf("    %s\n", err);
	return cf;
}

TEST(sshconf_agent_loads)
{
	const struct ssh_conf	*sc;
	struct config		*cf;
	struct buf		 b;
	const unsigned char	*k;
	size_t			 len;

	cf = load_ok(text(AGENT "    config:\n      maxSignatures: 7\n"
	    "      allowSHA1: true\n      allowedRemoteUsers: [git, deploy]\n"
	    "      allowedHostKeys:\n        - %s\n"
	    "        - SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n",
	    pem, pub));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	sc = cf->services[0].conn_conf;
	REQUIRE(sc != NULL);
	CHECK_INT(sc->max_signatures, 7);
	CHECK_INT(sc->allow_sha1, 1);
	REQUIRE(sc->allowed_users != NULL);
	CHECK_STR(sc->allowed_users[0], "git");
	CHECK_STR(sc->allowed_users[1], "deploy");
	CHECK(sc->allowed_users[2] == NULL);
	REQUIRE(sc->allowed_fps != NULL);
	CHECK_STR(sc->allowed_fps[0],
	    "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
	REQUIRE(sc->allowed_hostkeys != NULL);
	buf_view(&b, buf_ptr(sc->allowed_hostkeys),
	    buf_len(sc->allowed_hostkeys));
	REQUIRE(buf_get_string_direct(&b, &k, &len) == 0);
	CHECK_INT(len, 51);		/* string "ssh-ed25519", string 32 */
	CHECK_INT(buf_len(&b), 0);
	config_free(cf);

	/* The defaults. */
	cf = load_ok(text(AGENT, pem));
	REQUIRE(cf != NULL);
	sc = cf->services[0].conn_conf;
	CHECK_INT(sc->max_signatures, SSH_DEFAULT_SIGNATURES);
	CHECK_INT(sc->allow_sha1, 0);
	CHECK(sc->allowed_users == NULL && sc->allowed_hostkeys == NULL &&
	    sc->allowed_fps == NULL);
	config_free(cf);
}

TEST(sshconf_agent_errors)
{
	const char	*svc = "  ag:\n    connector: ssh-agent\n"
	    "    listenOn: tcp://127.0.0.1:8022\n    credentials:\n";

	conftext_error(text("%s      comment: c\n", svc), 5, 3,
	    "service ag (ssh-agent) needs a key: credential rsa, ecdsa, "
	    "ed25519 or privateKey", NULL);
	conftext_error(text("%s      rsa: " SECRET "\n", svc), 9, 12,
	    "service ag: credential rsa is not a private key airlock can "
	    "use", SECRET);
	conftext_error(text("%s      rsa: |\n%s", svc, pem), 9, 12,
	    "service ag: credential rsa holds a ssh-ed25519 key", NULL);
	conftext_error(text(AGENT "      lifetime: soon\n", pem), 14, 17,
	    "credential lifetime must be a number of seconds", NULL);
	conftext_error(text(AGENT "      confirm: maybe\n", pem), 14, 16,
	    "credential confirm must be true or false", NULL);
	conftext_error(text(AGENT "    config:\n      maxSignatures: 0\n", pem),
	    15, 22, "config.maxSignatures must be a number from 1 to 100000",
	    NULL);
	conftext_error(text(AGENT "    config:\n      allowSHA1: perhaps\n",
	    pem), 15, 18, "config.allowSHA1 must be true or false", NULL);
	conftext_error(text(AGENT "    config:\n      allowedRemoteUsers: []\n",
	    pem), 15, 27, "config.allowedRemoteUsers must be one value or a "
	    "list of 1 to 64", NULL);
	conftext_error(text(AGENT "    config:\n      allowedHostKeys:\n"
	    "        - ssh-ed25519 AAAA\n", pem), 16, 11,
	    "config.allowedHostKeys: not a public key", NULL);
	conftext_error(text(AGENT "    config:\n      allowedHostKeys: "
	    "SHA256:short\n", pem), 15, 24,
	    "config.allowedHostKeys: not a SHA256 fingerprint", NULL);
}

TEST(sshconf_agent_warnings)
{
	struct config	*cf;

	cf = conftext_warning(text(AGENT "      confirm: true\n", pem), 14, 16,
	    "service ag: confirm: true, and no one is there to confirm a "
	    "signature: every signature request is refused");
	config_free(cf);
	cf = conftext_warning(text(AGENT "    config:\n      hostKeyFile: /x\n",
	    pem), 15, 7, "service ag: config.hostKeyFile is not a ssh-agent "
	    "setting; ignored (known: maxSignatures, allowSHA1, "
	    "allowedRemoteUsers, allowedHostKeys)");
	config_free(cf);
}

/* The default front key: made once, 0600, and the same at each load. */
TEST(sshconf_ssh_hostkey_made)
{
	const struct ssh_conf	*sc;
	struct config		*cf;
	struct secret		*first;
	struct stat		 st;
	char			 path[128];

	cf = load_ok(text(SSH, pem, pub));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	sc = cf->services[0].conn_conf;
	snprintf(path, sizeof(path), "%s/ssh_host_ed25519_key", state);
	CHECK_STR(sc->hostkey_file, path);
	CHECK_STR(sc->known_hosts, "/etc/ssh/ssh_known_hosts");
	CHECK(sc->fingerprint == NULL && !sc->accept_any);
	CHECK_INT(sc->client_auth, SSH_CLIENT_AUTH_NONE);
	REQUIRE(sc->hostkey != NULL);
	CHECK(memmem(sc->hostkey->data, sc->hostkey->len,
	    "-----BEGIN PRIVATE KEY-----", 27) != NULL);
	REQUIRE(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(st.st_uid, 0);
	REQUIRE((first = secret_new(sc->hostkey->data, sc->hostkey->len)) !=
	    NULL);
	config_free(cf);

	cf = load_ok(text(SSH, pem, pub));
	REQUIRE(cf != NULL);
	sc = cf->services[0].conn_conf;
	CHECK_INT(sc->hostkey->len, first->len);
	CHECK(sc->hostkey->len == first->len &&
	    memcmp(sc->hostkey->data, first->data, first->len) == 0);
	secret_free(first);
	config_free(cf);
}

/* authorizedKeys reaches the worker as one option of base64 blobs. */
TEST(sshconf_ssh_client_auth)
{
	const struct ssh_conf	*sc;
	struct config		*cf;
	const char		*opt;
	char			 want[600];

	cf = load_ok(text(SSH "    config:\n      clientAuth: publickey\n"
	    "      authorizedKeys: [\"%s laptop\", \"%s\"]\n"
	    "      hostKeyFingerprint: "
	    "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n"
	    "      knownHostsFile: /nonexistent\n", pem, pub, pub, pub));
	REQUIRE(cf != NULL);
	CHECK_INT(cf->nwarnings, 0);
	sc = cf->services[0].conn_conf;
	CHECK_INT(sc->client_auth, SSH_CLIENT_AUTH_PUBLICKEY);
	CHECK_STR(sc->fingerprint,
	    "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
	CHECK_STR(sc->known_hosts, "/nonexistent");
	opt = kv_get(&cf->services[0].config, "authorizedKeys", NULL);
	REQUIRE(opt != NULL);
	snprintf(want, sizeof(want), "%s,%s", pub + 12, pub + 12);
	CHECK_STR(opt, want);
	config_free(cf);
}

/* Nothing to check the backend's host key against: warned at load. */
TEST(sshconf_ssh_no_host_key)
{
	struct config	*cf;

	cf = conftext_warning(text("  sh:\n    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:8023\n    credentials:\n"
	    "      address: backend.example:2222\n      privateKey: |\n%s"
	    "    config:\n      knownHostsFile: /nonexistent/known_hosts\n",
	    pem), 15, 23, "service sh: no credential hostKey, no "
	    "config.hostKeyFingerprint, and /nonexistent/known_hosts: No "
	    "such file or directory: every connection will fail to verify "
	    "the backend's host key");
	config_free(cf);
}

TEST(sshconf_ssh_errors)
{
	conftext_error(text("  sh:\n    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:8023\n    credentials:\n"
	    "      address: b\n      privateKey: " SECRET "\n"), 10, 19,
	    "service sh: credential privateKey is not a private key airlock "
	    "can use", SECRET);
	conftext_error(text("  sh:\n    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:8023\n    credentials:\n"
	    "      address: b\n      privateKey: |\n%s      hostKey: AAAA\n",
	    pem), 14, 16, "service sh: credential hostKey is not a public key",
	    NULL);
	conftext_error(text(SSH "    config:\n      hostKeyFingerprint: "
	    "MD5:aa\n", pem, pub), 16, 27, "config.hostKeyFingerprint must "
	    "be SHA256: and 43 characters of base64", NULL);
	conftext_error(text(SSH "    config:\n      acceptAnyHostKey: true\n",
	    pem, pub), 16, 25, "config.acceptAnyHostKey contradicts "
	    "credential hostKey", NULL);
	conftext_error(text(SSH "    config:\n      knownHostsFile: k\n", pem,
	    pub), 16, 23, "config.knownHostsFile must be an absolute path",
	    NULL);
	conftext_error(text(SSH "    config:\n      clientAuth: password\n",
	    pem, pub), 16, 19, "config.clientAuth must be none or publickey",
	    NULL);
	conftext_error(text(SSH "    config:\n      clientAuth: publickey\n",
	    pem, pub), 16, 19, "clientAuth: publickey needs "
	    "config.authorizedKeys", NULL);
	conftext_error(text(SSH "    config:\n      authorizedKeys: nope\n",
	    pem, pub), 16, 23, "config.authorizedKeys: not a public key",
	    NULL);
	conftext_error(text(SSH "    config:\n      hostKeyFile: /nonexistent/"
	    "key\n", pem, pub), 16, 20, "service sh: the host key "
	    "/nonexistent/key: ", NULL);
}

TEST(sshconf_ssh_warnings)
{
	struct config	*cf;

	cf = conftext_warning(text("  sh:\n    connector: ssh\n"
	    "    listenOn: tcp://127.0.0.1:8023\n    credentials:\n"
	    "      address: b\n      privateKey: |\n%s    config:\n"
	    "      acceptAnyHostKey: true\n", pem), 15, 25,
	    "service sh: config.acceptAnyHostKey: the backend's host key is "
	    "not verified");
	config_free(cf);
	cf = conftext_warning(text(SSH "    config:\n      authorizedKeys: "
	    "%s\n", pem, pub, pub), 16, 7, "service sh: config.authorizedKeys "
	    "is used only with clientAuth: publickey; ignored");
	config_free(cf);
}

/* A state directory that others may write to is refused, made or not. */
TEST(sshconf_state_dir_unsafe)
{
	char	 dir[128], t[8192], body[4096];

	setup();
	snprintf(dir, sizeof(dir), "%s/open", state);
	REQUIRE(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0);
	snprintf(body, sizeof(body), SSH, pem, pub);
	snprintf(t, sizeof(t), "version: 2\nairlock:\n  stateDirectory: %s\n"
	    "services:\n%s", dir, body);
	conftext_error(t, 5, 3, "service sh: the host key ", NULL);
	CHECK(access(dir, F_OK) == 0);
	snprintf(t, sizeof(t), "%s/ssh_host_ed25519_key", dir);
	CHECK(access(t, F_OK) != 0);
	rmdir(dir);
}
