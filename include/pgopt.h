/*
 * libpq's require_auth and channel_binding (PostgreSQL documentation,
 * "Parameter Key Words"), with libpq's words and rules.  A pg service sets
 * them as credentials, where Secretless users put libpq settings; they are
 * not secret.  Both sides read them the same way: the monitor enforces them
 * on each request, and the worker, which alone sees a backend that lets it
 * in without asking (trust), fails such a connection itself.
 */
#ifndef AIRLOCK_PGOPT_H
#define AIRLOCK_PGOPT_H

#include <stddef.h>

/* require_auth's methods, as bits of a set. */
#define PGOPT_PASSWORD	0x01	/* AuthenticationCleartextPassword */
#define PGOPT_MD5	0x02	/* AuthenticationMD5Password */
#define PGOPT_GSS	0x04	/* accepted, never satisfied: no GSSAPI */
#define PGOPT_SSPI	0x08	/* accepted, never satisfied: no SSPI */
#define PGOPT_SCRAM	0x10	/* SCRAM-SHA-256, with or without -PLUS */
#define PGOPT_NONE	0x20	/* AuthenticationOk unasked (trust, cert) */
#define PGOPT_ALL	0x3f

#define PGOPT_REQUIRE_AUTH_MAX	256	/* bytes of a value */

/*
 * The methods a require_auth value allows (an empty value: all of them):
 * a comma-separated list of methods, or of methods each negated with '!'
 * (the ones not allowed), with blanks around each.  0, or ERR_FORMAT with
 * *why a constant reason that repeats no part of the value.
 */
int		 pgopt_require_auth(const void *value, size_t len,
		    unsigned int *allowed, const char **why);

enum pgopt_cbind {
	PGOPT_CB_PREFER = 0,	/* bind when the server can (the default) */
	PGOPT_CB_DISABLE,	/* never bind */
	PGOPT_CB_REQUIRE,	/* only SCRAM-SHA-256-PLUS will do */
};

/* disable, prefer or require; ERR_FORMAT with a constant *why else. */
int		 pgopt_channel_binding(const void *value, size_t len,
		    enum pgopt_cbind *, const char **why);
/* The libpq word of a method bit, or of a channel_binding value. */
const char	*pgopt_method_name(unsigned int);
const char	*pgopt_cbind_name(enum pgopt_cbind);

#endif
