/*
 * The monitor's side of the MySQL and MariaDB connector: where to dial,
 * which non-secret parameters the worker gets, and the answers computed
 * here so that the password never leaves the monitor: mysql_native_password,
 * caching_sha2_password's fast path and its full authentication over RSA,
 * and MariaDB's client_ed25519 (mysqlauth.c).  The password itself goes to
 * the worker only where the protocol puts it on the wire (mysql_clear_password,
 * caching_sha2's full authentication over TLS), and only as the service's
 * cleartextPassword policy allows, as pg's.
 *
 * A compromised worker can ask for what its state permits, so: each answer
 * once per connection; one authentication plugin per connection, changed
 * at most once (a server's AuthSwitchRequest: the greeting names the
 * server's default plugin, the account may use another); the RSA answer
 * only after the fast path, and only under a key that the service pins
 * (serverPublicKey) or where the password may be sent in clear anyway,
 * since whoever holds the key the server sent decrypts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "dbconfig.h"
#include "mysqlconfig.h"
#include "mysqlauth.h"
#include "mysqlmsg.h"
#include "rsapem.h"
#include "secret.h"
#include "util.h"

#define MY_DEFAULT_PORT		"3306"
#define MY_KEY_PART_MAX		(MYSQL_RSA_MAX_BITS / 8 + 1)

/* The plugins, weakest first: indexes of my_methods[] (connector.h). */
enum my_method {
	MYM_NONE = 0,
	MYM_CLEARTEXT,		/* mysql_clear_password */
	MYM_NATIVE,		/* mysql_native_password: SHA-1 */
	MYM_SHA2,		/* caching_sha2_password */
	MYM_ED25519,		/* client_ed25519: a signature */
};
static const char *const my_methods[] = {
	"none", "mysql_clear_password", "mysql_native_password",
	"caching_sha2_password", "client_ed25519", NULL,
};

extern const struct mon_connector mon_mysql;

/* A connection's authentication so far (w->cstate). */
struct my_state {
	int		 switched;	/* the plugin changed once */
};

static void
my_forget(struct worker *w)
{
	free(w->cstate);
	w->cstate = NULL;
}

/*
 * The plugin the worker is about to answer for.  The first fixes it; a
 * server's AuthSwitchRequest may change it once.  0: go on; else the
 * worker has been killed.
 */
static int
my_method(struct worker *w, enum my_method m)
{
	struct my_state	*st;

	if (w->method == 0 || w->method == (int)m) {
		w->method = m;
		return 0;
	}
	if ((st = w->cstate) == NULL &&
	    (st = w->cstate = calloc(1, sizeof(*st))) == NULL) {
		worker_kill(w, "out of memory");
		return ERR_NOMEM;
	}
	if (st->switched) {
		worker_kill(w, "asked for %s after %s and a switch before it",
		    mon_connector_method(&mon_mysql, m),
		    mon_connector_method(&mon_mysql, w->method));
		return ERR_DENIED;
	}
	st->switched = 1;
	w->method = m;
	return 0;
}

static int
my_dial_target(const struct worker *w, struct target *t, char *err,
    size_t errlen)
{
	memset(t, 0, sizeof(*t));
	return backend_address(w, MY_DEFAULT_PORT, t->host, sizeof(t->host),
	    t->port, sizeof(t->port), err, errlen);
}

/* What the worker is told: never the password, the key or a pin. */
static const char *const my_params[] = {
	"username", "sslmode", "sslrootcert", "sslcert", "sslhost",
};

static int
my_dial_params(const struct worker *w, struct kvlist *params)
{
	const struct secret	*v;
	char			 host[256], port[16], why[256];
	size_t			 i;
	int			 r;

	for (i = 0; i < nitems(my_params); i++)
		if ((v = creds_get(w->creds, my_params[i])) != NULL &&
		    (r = kv_set(params, my_params[i], v->data, v->len)) != 0)
			return r;
	if ((v = creds_get(w->creds, "sslkey")) != NULL && v->len > 0 &&
	    (r = kv_set_str(params, "sslkey", "1")) != 0)
		return r;
	/* The host TLS verifies is the one dialed (address or host). */
	if (backend_address(w, MY_DEFAULT_PORT, host, sizeof(host), port,
	    sizeof(port), why, sizeof(why)) != 0)
		return ERR_INVAL;
	return kv_set_str(params, "host", host);
}

static int
my_release(struct worker *w, const char *name)
{
	int	 tls, verified;

	if (strcmp(name, "password") != 0) {
		worker_kill(w, "asked for credential %s", name);
		return ERR_DENIED;
	}
	/*
	 * mysql_clear_password, or caching_sha2's full authentication over
	 * TLS (the worker asked for the fast path first): either way the
	 * password in clear, under the service's policy.
	 */
	if (w->method != MYM_SHA2 && my_method(w, MYM_CLEARTEXT) != 0)
		return ERR_DENIED;
	backend_tls(w, &tls, &verified);
	return backend_release_cleartext(w, "in clear", tls, verified);
}

/* A request of one string, the scramble, of exactly len bytes. */
static int
get_scramble(struct buf *b, const unsigned char **s, size_t len)
{
	size_t	 n;
	int	 r;

	if ((r = buf_get_string_direct(b, s, &n)) != 0)
		return r;
	return n == len ? 0 : ERR_FORMAT;
}

/* Answer with the scramble's answer, computed by fn. */
static int
answer_scramble(struct worker *w, struct buf *b, enum my_method m,
    uint32_t type, int (*fn)(const struct secret *, const unsigned char *,
    size_t, unsigned char *, size_t *))
{
	const unsigned char	*scr;
	const struct secret	*pw;
	unsigned char		 out[MYSQL_SHA2_LEN];
	size_t			 len = 0;
	int			 r;

	if ((r = get_scramble(b, &scr, MYSQL_SCRAMBLE_LEN)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (my_method(w, m) != 0)
		return 0;
	/*
	 * A service without a password (a client certificate's, say) logs
	 * in to an account without one: as libmysqlclient with no password,
	 * the empty answer, which holds nothing.
	 */
	if (creds_get(w->creds, "password") == NULL)
		return worker_reply(w, type, out, 0);
	if ((pw = backend_password(w)) == NULL)
		return 0;
	if ((r = fn(pw, scr, MYSQL_SCRAMBLE_LEN, out, &len)) != 0)
		return worker_fail(w, "%s computation failed",
		    mon_connector_method(&mon_mysql, m));
	r = worker_reply(w, type, out, len);
	secret_wipe(out, sizeof(out));
	return r;
}

static int
my_answer_native(struct worker *w, struct buf *b)
{
	return answer_scramble(w, b, MYM_NATIVE, MSG_MY_NATIVE,
	    mysql_native_scramble);
}

static int
my_answer_sha2(struct worker *w, struct buf *b)
{
	return answer_scramble(w, b, MYM_SHA2, MSG_MY_SHA2,
	    mysql_sha2_scramble);
}

static int
my_answer_ed25519(struct worker *w, struct buf *b)
{
	const unsigned char	*scr;
	const struct secret	*pw;
	unsigned char		 sig[MARIADB_ED25519_SIG_LEN];
	int			 r;

	if ((r = get_scramble(b, &scr, MARIADB_ED25519_SCRAMBLE_LEN)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (my_method(w, MYM_ED25519) != 0 || (pw = backend_password(w)) == NULL)
		return 0;
	if (mariadb_ed25519_sign(pw, scr, MARIADB_ED25519_SCRAMBLE_LEN,
	    sig) != 0)
		return worker_fail(w, "client_ed25519 computation failed");
	return worker_reply(w, MSG_MY_ED25519, sig, sizeof(sig));
}

/*
 * The pinned key's fingerprint, from the service's serverPublicKey (PEM,
 * from a provider: trusted input, unlike the key the worker relays).
 */
static int
pinned_fingerprint(const struct secret *pem, unsigned char fp[MYSQL_RSA_FP_LEN])
{
	unsigned char	 n[MY_KEY_PART_MAX], e[8];
	size_t		 nlen = sizeof(n), elen = sizeof(e);
	int		 r;

	if ((r = rsa_pem_numbers(pem->data, pem->len, n, &nlen, e,
	    &elen)) != 0)
		return r;
	return mysql_rsa_key_fingerprint(n, nlen, e, elen, fp);
}

/*
 * May the password go out under the key the server sent?  Whoever holds
 * its private key reads the password: with a pinned key, only the server;
 * otherwise, it is a cleartext release.  0: yes; else the worker has been
 * told why.
 */
static int
rsa_permitted(struct worker *w, const unsigned char *n, size_t nlen,
    const unsigned char *e, size_t elen)
{
	const struct secret	*pin;
	unsigned char		 want[MYSQL_RSA_FP_LEN], got[MYSQL_RSA_FP_LEN];
	int			 tls, verified;

	if ((pin = creds_get(w->creds, "serverPublicKey")) == NULL) {
		backend_tls(w, &tls, &verified);
		return backend_release_cleartext(w, "in clear", tls, verified);
	}
	if (pinned_fingerprint(pin, want) != 0)
		return worker_fail(w, "the serverPublicKey of service %s is "
		    "not an RSA public key in PEM", w->svc->name);
	if (mysql_rsa_key_fingerprint(n, nlen, e, elen, got) != 0)
		return worker_fail(w, "the backend's RSA key is not usable");
	if (sodium_memcmp(want, got, sizeof(want)) != 0) {
		wlog_warn(w, "the backend's RSA key is not the serverPublicKey "
		    "of the service: a man in the middle, or a new server key");
		return worker_fail(w, "the backend's RSA key is not the "
		    "serverPublicKey of service %s: refused", w->svc->name);
	}
	return 0;
}

static int
my_answer_rsa(struct worker *w, struct buf *b)
{
	const unsigned char	*scr, *n, *e;
	const struct secret	*pw;
	unsigned char		 out[MYSQL_RSA_OUT_MAX];
	size_t			 nlen, elen, len;
	int			 r;

	if ((r = get_scramble(b, &scr, MYSQL_SCRAMBLE_LEN)) != 0 ||
	    (r = buf_get_string_direct(b, &n, &nlen)) != 0 ||
	    (r = buf_get_string_direct(b, &e, &elen)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (nlen > MY_KEY_PART_MAX || elen > 8)
		return ERR_FORMAT;
	/* The full authentication of the plugin the fast path began. */
	if (w->method != MYM_SHA2) {
		worker_kill(w, "RSA full authentication without "
		    "caching_sha2_password");
		return 0;
	}
	if (rsa_permitted(w, n, nlen, e, elen) != 0 ||
	    (pw = backend_password(w)) == NULL)
		return 0;
	/* The key is the backend's, relayed: a bad one is its fault. */
	if ((r = mysql_rsa_encrypt(pw, scr, MYSQL_SCRAMBLE_LEN, n, nlen, e,
	    elen, out, sizeof(out), &len)) != 0)
		return worker_fail(w, "the backend's RSA key is refused (%s)",
		    err_str(r));
	return worker_reply(w, MSG_MY_RSA, out, len);
}

static const struct mon_request my_requests[] = {
	{ MSG_MY_NATIVE, "MY_NATIVE", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    my_answer_native },
	{ MSG_MY_SHA2, "MY_SHA2", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    my_answer_sha2 },
	{ MSG_MY_RSA, "MY_RSA", S(W_HANDSHAKE), 1, 0, MSG_MY_SHA2,
	    my_answer_rsa },
	{ MSG_MY_ED25519, "MY_ED25519", S(W_HANDSHAKE), 1, REQ_AUTH, 0,
	    my_answer_ed25519 },
};

static const char *const my_required[] = { "host|address", "username",
	NULL };
static const char *const my_optional[] = { "port", "password", "sslmode",
	"sslrootcert", "sslcert", "sslkey", "sslhost", "serverPublicKey",
	NULL };
static const char *const my_worker_secrets[] = { "password", NULL };

const struct mon_connector mon_mysql = {
	.name = "mysql",
	.flags = MC_BACKEND | MC_CLIENT_TLS,
	.required = my_required,
	.optional = my_optional,
	.worker_secrets = my_worker_secrets,
	.methods = my_methods,
	.check = mysql_check,
	.conf_free = db_conf_free,
	.dial_target = my_dial_target,
	.dial_params = my_dial_params,
	.release = my_release,
	.forget = my_forget,
	.requests = my_requests,
	.nrequests = nitems(my_requests),
	.worker_kind = db_worker_kind,
};
