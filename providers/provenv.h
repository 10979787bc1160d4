/*
 * What every provider does with its settings, which come from airlockd's
 * environment as each cloud's own SDK reads them (Secretless Broker's
 * providers do the same): look them up, check them, and move a secret
 * (a token, an API key, a client secret) into guarded memory and out of
 * the environment, so that nothing spawned later and no reader of
 * /proc/PID/environ finds it.  Private to providers/ (and the tests).
 */
#ifndef AIRLOCK_PROVENV_H
#define AIRLOCK_PROVENV_H

#include <stddef.h>

struct secret;

/* The variable's value, or NULL when it is unset or empty. */
const char	*penv(const char *name);
/*
 * Go's strconv.ParseBool, which the SDKs use for their booleans
 * (VAULT_SKIP_VERIFY): 1 t T TRUE true True, 0 f F FALSE false False.
 * An unset variable is def.  0, or ERR_FORMAT with a message naming the
 * variable (its value is not a secret).
 */
int		 penv_bool(const char *name, int def, int *out, char *err,
		    size_t errlen);
/*
 * Take a secret variable: its value copied to guarded memory, then wiped
 * in place and unset.  An unset variable is ERR_NOTFOUND with *out NULL
 * (no message: the caller knows whether it was optional); a value over
 * max bytes, or with bytes that an HTTP header cannot carry when
 * header is set, is an error with a message that names the variable
 * only.  A variable taken once stays taken: call it from setup.
 */
int		 penv_take(const char *name, size_t max, int header,
		    struct secret **out, char *err, size_t errlen);
/*
 * Read a small secret file as root through StrictModes (safefile.h), to
 * guarded memory, with trailing newlines (CR, LF) removed: Conjur's and
 * Kubernetes' token files, a Vault token file, a JWT.  Read at each use,
 * so a rotated file is seen.  0 or an error that starts with who and
 * names the path, never the contents.
 */
int		 penv_read_file(const char *who, const char *path, size_t max,
		    struct secret **out, char *err, size_t errlen);
/*
 * A path setting: the variable's value, or def when it is unset (def may
 * be NULL: then unset is ERR_NOTFOUND, no message); it must be absolute
 * and fit in out.  0, or ERR_INVAL with a message naming the variable.
 */
int		 penv_path(const char *name, const char *def, char *out,
		    size_t outlen, char *err, size_t errlen);
/* Bytes that can go into an HTTP header value (RFC 9110, 5.5), no space. */
int		 header_safe(const char *s, size_t max);
/*
 * "Bearer <token>" in guarded memory, an Authorization header's value
 * (RFC 6750, 2.1): 0, ERR_FORMAT when the token has a byte that a header
 * cannot carry (NUL included), or ERR_NOMEM.
 */
int		 header_bearer(const struct secret *token, struct secret **out);

#endif
