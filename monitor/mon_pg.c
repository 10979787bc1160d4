/*
 * The monitor's side of the PostgreSQL connector: where to dial, which
 * non-secret parameters the worker gets, and the authentication answers
 * computed here so that the password never leaves the monitor (MD5,
 * SCRAM-SHA-256).  Only a cleartext password request, which puts the
 * password itself on the wire, hands it to the worker, and only as the
 * service's policy allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "pgauth.h"
#include "secret.h"

#define PG_DEFAULT_PORT		"5432"
#define SCRAM_MSG_MAX		1024

/*
 * Credentials that go to the worker only on request, as bits of a mask.
 * Not sslkey: the monitor signs with it (tlssign.c).
 */
static const char *const worker_secrets[] = { "password" };

/* Credentials the worker never sees in any form. */
static const char *const monitor_only[] = { "password", "sslkey", "port" };

/* Non-secret credentials passed under their own name; others are startup.* */
static const char *const known_params[] = {
	"host", "username", "sslmode", "sslhost", "sslrootcert", "sslcert",
	/*
	 * Per-service authentication policy, libpq's words (issue 8, item 3,
	 * another change): known here so that they never become startup
	 * parameters, whatever the worker makes of them meanwhile.
	 */
	"require_auth", "channel_binding",
};

/*
 * libpq's key words that libpq itself sends as startup parameters: as
 * credentials they are startup parameters too, as the user expects.
 */
static const char *const libpq_startup[] = {
	"application_name", "client_encoding", "options", "replication",
};

/*
 * libpq's connection key words that are settings of the client library,
 * not startup parameters (PostgreSQL 17 documentation, 32.1.2 "Parameter
 * Key Words"; libpq puts only user, database, replication, options,
 * application_name and client_encoding in the StartupMessage, protocol
 * section 55.7).  A user who writes one of them as a credential believes
 * that airlock applies it; airlock would send it to the server in clear as
 * a startup parameter instead, and sslpassword or passfile are secrets.  So
 * they are refused at load (config.c).  The last rows are PostgreSQL 18's.
 * why, where given, says what the user probably wants instead.
 */
static const struct {
	const char	*name;
	const char	*why;
} libpq_only[] = {
	{ "hostaddr",			"write the address as host" },
	{ "passfile",			"give the password as the password "
					"credential, from a provider" },
	{ "sslpassword",		"give sslkey unencrypted, from a "
					"provider" },
	{ "sslcertmode",		NULL },
	{ "sslcrl",			NULL },
	{ "sslcrldir",			NULL },
	{ "sslsni",			NULL },
	{ "sslcompression",		NULL },
	{ "sslnegotiation",		NULL },
	{ "requiressl",			"set sslmode" },
	{ "requirepeer",		NULL },
	{ "ssl_min_protocol_version",	NULL },
	{ "ssl_max_protocol_version",	NULL },
	{ "gssencmode",			NULL },
	{ "gsslib",			NULL },
	{ "gssdelegation",		NULL },
	{ "krbsrvname",			NULL },
	{ "connect_timeout",		"set airlock.dialTimeout" },
	{ "keepalives",			NULL },
	{ "keepalives_idle",		NULL },
	{ "keepalives_interval",	NULL },
	{ "keepalives_count",		NULL },
	{ "tcp_user_timeout",		NULL },
	{ "service",			NULL },
	{ "target_session_attrs",	NULL },
	{ "load_balance_hosts",		NULL },
	{ "fallback_application_name",	"the client's application_name "
					"is forwarded" },
	{ "dbname",			"the database is the one the client "
					"asks for" },
	{ "user",			"airlock's name for it, as Secretless "
					"Broker's, is username" },
	{ "min_protocol_version",	NULL },
	{ "max_protocol_version",	NULL },
	{ "sslkeylogfile",		NULL },
	{ "oauth_issuer",		NULL },
	{ "oauth_client_id",		NULL },
	{ "oauth_client_secret",	NULL },
	{ "oauth_scope",		NULL },
	{ "scram_client_key",		NULL },
	{ "scram_server_key",		NULL },
};

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return (int)i;
	return -1;
}

#define IN(name, list)	in_list(name, list, sizeof(list) / sizeof(list[0]))

int
pg_worker_secret(const char *name)
{
	return IN(name, worker_secrets);
}

enum pg_cred_class
pg_credential_class(const char *name, const char **why)
{
	size_t	 i;

	*why = NULL;
	if (IN(name, worker_secrets) >= 0 || IN(name, monitor_only) >= 0 ||
	    IN(name, known_params) >= 0)
		return PG_CRED_KNOWN;
	for (i = 0; i < sizeof(libpq_only) / sizeof(libpq_only[0]); i++)
		if (strcmp(name, libpq_only[i].name) == 0) {
			*why = libpq_only[i].why;
			return PG_CRED_LIBPQ;
		}
	if (IN(name, libpq_startup) >= 0)
		return PG_CRED_STARTUP;
	return PG_CRED_UNKNOWN;
}

int
pg_dial_target(const struct worker *w, struct target *t, char *err,
    size_t errlen)
{
	const struct secret	*host, *port;
	const char		*p;

	memset(t, 0, sizeof(*t));
	host = creds_get(w->creds, "host");
	port = creds_get(w->creds, "port");
	p = port != NULL ? (const char *)port->data : PG_DEFAULT_PORT;
	if (host == NULL || host->len == 0 ||
	    memchr(host->data, '\0', host->len) != NULL) {
		snprintf(err, errlen, "service %s has no usable host "
		    "credential", w->svc->name);
		return ERR_INVAL;
	}
	if (port != NULL && (port->len == 0 || port->len > 5 ||
	    strspn(p, "0123456789") != port->len || atoi(p) < 1 ||
	    atoi(p) > 65535)) {
		snprintf(err, errlen, "service %s has an invalid port",
		    w->svc->name);
		return ERR_INVAL;
	}
	/* As libpq: a host that is a directory holds the server's socket. */
	if (host->data[0] == '/') {
		if ((size_t)snprintf(t->unix_path, sizeof(t->unix_path),
		    "%s/.s.PGSQL.%s", host->data, p) >= sizeof(t->unix_path)) {
			snprintf(err, errlen, "backend socket path too long");
			return ERR_TOOBIG;
		}
		return 0;
	}
	if (host->len >= sizeof(t->host)) {
		snprintf(err, errlen, "backend host name too long");
		return ERR_TOOBIG;
	}
	memcpy(t->host, host->data, host->len);
	snprintf(t->port, sizeof(t->port), "%s", p);
	return 0;
}

int
pg_dial_params(const struct worker *w, struct kvlist *params)
{
	const struct creds	*c = w->creds;
	char			 key[128];
	size_t			 i;
	int			 r;

	for (i = 0; i < c->n; i++) {
		if (IN(c->names[i], monitor_only) >= 0)
			continue;
		if (IN(c->names[i], known_params) >= 0)
			r = kv_set(params, c->names[i], c->values[i]->data,
			    c->values[i]->len);
		else {
			/* Secretless: any other credential is a startup
			 * parameter for the backend. */
			if ((size_t)snprintf(key, sizeof(key), "startup.%s",
			    c->names[i]) >= sizeof(key))
				return ERR_TOOBIG;
			r = kv_set(params, key, c->values[i]->data,
			    c->values[i]->len);
		}
		if (r != 0)
			return r;
	}
	if (creds_get(c, "sslkey") != NULL &&
	    (r = kv_set_str(params, "sslkey", "1")) != 0)
		return r;
	return 0;
}

int
pg_check_cleartext(struct worker *w, char *why, size_t len)
{
	const struct secret	*mode = creds_get(w->creds, "sslmode");
	int			 tls;

	/* require is the default, as in Secretless Broker. */
	tls = mode == NULL || strcmp((const char *)mode->data, "disable") != 0;
	switch (w->svc->cleartext) {
	case CLEARTEXT_ALWAYS:
		return 0;
	case CLEARTEXT_NEVER:
		snprintf(why, len, "the backend asked for a cleartext "
		    "password, which service %s refuses (cleartextPassword: "
		    "never)", w->svc->name);
		return ERR_DENIED;
	case CLEARTEXT_TLS:
	default:
		if (tls)
			return 0;
		snprintf(why, len, "the backend asked for a cleartext "
		    "password over a connection without TLS; airlock refuses "
		    "to send it (set sslmode, or cleartextPassword: always)");
		return ERR_DENIED;
	}
}

static const struct secret *
password_of(struct worker *w)
{
	const struct secret	*pw = creds_get(w->creds, "password");

	if (pw == NULL)
		worker_fail(w, "the backend asked for a password and service "
		    "%s has none", w->svc->name);
	return pw;
}

int
pg_answer_md5(struct worker *w, struct buf *b)
{
	const struct secret	*pw, *user;
	const unsigned char	*salt;
	char			 out[PG_MD5_LEN + 1];
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &salt, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (len != 4)
		return ERR_FORMAT;
	if ((pw = password_of(w)) == NULL)
		return 0;
	if ((user = creds_get(w->creds, "username")) == NULL ||
	    memchr(user->data, '\0', user->len) != NULL)
		return worker_fail(w, "service %s has no usable username",
		    w->svc->name);
	if ((r = pgauth_md5(pw, (const char *)user->data, salt, out)) != 0)
		return worker_fail(w, "MD5 computation failed");
	r = worker_reply(w, MSG_PG_MD5, out, PG_MD5_LEN);
	secret_wipe(out, sizeof(out));
	return r;
}

int
pg_answer_scram_start(struct worker *w, struct buf *b)
{
	const unsigned char	*mech;
	struct buf		*out;
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &mech, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (len != strlen("SCRAM-SHA-256") ||
	    memcmp(mech, "SCRAM-SHA-256", len) != 0)
		return worker_fail(w, "SASL mechanism not supported");
	if (password_of(w) == NULL)
		return 0;
	if ((w->scram = scram_new()) == NULL ||
	    (out = buf_new(SCRAM_MSG_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = scram_client_first(w->scram, out)) == 0)
		r = worker_reply(w, MSG_SCRAM_START, buf_ptr(out),
		    buf_len(out));
	buf_free(out);
	return r;
}

/* SaltedPassword is ready (kdf.c): answer with the client-final-message. */
static void
scram_hi_done(void *arg, int error, const struct secret *salted)
{
	struct worker	*w = arg;
	struct buf	*out = NULL;
	int		 r;

	w->kdf = NULL;
	if (error != 0)
		r = worker_fail(w, "SCRAM key derivation failed (%s)",
		    err_str(error));
	else if ((out = buf_new(SCRAM_MSG_MAX)) == NULL)
		r = ERR_NOMEM;
	else if ((r = scram_client_final_finish(w->scram, salted, out)) != 0)
		r = worker_fail(w, "SCRAM computation failed (%s)",
		    err_str(r));
	else
		r = worker_reply(w, MSG_SCRAM_FINAL, buf_ptr(out),
		    buf_len(out));
	buf_free(out);
	if (r != 0)
		worker_kill(w, "answering %s: %s",
		    msg_type_name(MSG_SCRAM_FINAL), err_str(r));
}

int
pg_answer_scram_final(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	const struct secret	*pw;
	struct scram_hi		 hi;
	size_t			 len;
	int			 r;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (w->scram == NULL || w->kdf != NULL ||
	    (pw = password_of(w)) == NULL)
		return ERR_PROTO;
	/*
	 * The server-first-message is the backend's, relayed by the worker:
	 * a bad one is the backend's fault, so the worker lives and is told.
	 */
	if ((r = scram_client_final_begin(w->scram, pw, msg, len, &hi)) != 0)
		return worker_fail(w, "the backend sent an unacceptable SCRAM "
		    "challenge (%s)", err_str(r));
	/* The answer goes out from scram_hi_done. */
	if ((w->kdf = kdf_start(&hi, scram_hi_done, w)) == NULL) {
		scram_hi_clear(&hi);
		return worker_fail(w, "SCRAM's key derivation cannot start");
	}
	return 0;
}

int
pg_answer_scram_verify(struct worker *w, struct buf *b)
{
	const unsigned char	*msg;
	struct buf		*out;
	size_t			 len;
	int			 r, ok;

	if ((r = buf_get_string_direct(b, &msg, &len)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	if (w->scram == NULL)
		return ERR_PROTO;
	ok = scram_verify(w->scram, msg, len) == 0;
	if (!ok)
		wlog_warn(w, "the backend's SCRAM server signature is wrong");
	if ((out = buf_new(16)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_u8(out, ok)) == 0)
		r = worker_send(w, MSG_SCRAM_VERIFY, out, -1);
	buf_free(out);
	return r == ERR_EOF ? 0 : r;
}
