/*
 * What one provider implements, and what the generic layer (provider.c)
 * offers it.  Private to providers/ (and to the unit tests).
 *
 * A synchronous provider (literal, env, file) answers one reference at a
 * time with get_one; the generic layer loops over the references and
 * delivers the answer from the event loop.
 *
 * An asynchronous provider (vault, ...) has start instead: it must answer
 * the request exactly once with provider_done() or provider_fail(), now or
 * later from the event loop.  refs are valid only during start: copy what
 * is needed later.  When the caller cancels or the deadline passes first,
 * abort (if set) is called, and from then on the provider must not touch
 * the request; without abort, the provider still answers once, and that
 * late answer is dropped.
 */
#ifndef AIRLOCK_PROVIDER_IMPL_H
#define AIRLOCK_PROVIDER_IMPL_H

#include <stddef.h>

#include "provider.h"

struct event_base;

struct secret;

/* Error messages name the reference (never a value) and fit in this. */
#define PROVIDER_ERRLEN		256
#define PROVIDER_MAX_REFS	64

typedef int	 provider_one_fn(const char *ref, struct secret **out,
		    char *err, size_t errlen);
typedef void	 provider_start_fn(struct provider_req *,
		    const char *const *refs, size_t n);
typedef void	 provider_abort_fn(struct provider_req *);
typedef int	 provider_setup_fn(char *err, size_t errlen);
typedef void	 provider_cleanup_fn(void);
typedef int	 provider_prepare_fn(const char *ref, char *err,
		    size_t errlen);
typedef void	 provider_attach_fn(struct event_base *);

struct provider_ops {
	const char		*name;
	provider_one_fn		*get_one;	/* synchronous */
	provider_start_fn	*start;		/* asynchronous */
	provider_abort_fn	*abort;		/* optional */
	provider_setup_fn	*setup;		/* optional; see provider_setup */
	provider_cleanup_fn	*cleanup;	/* optional */
	provider_prepare_fn	*prepare;	/* optional; see provider_prepare */
	provider_attach_fn	*attach;	/* optional; see provider_attach */
};

/* Answer with n values (n as requested); the request takes them over. */
void		 provider_done(struct provider_req *, struct secret **);
/* Answer with an error; the message must not contain any value. */
void		 provider_fail(struct provider_req *, int error,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
struct event_base *provider_req_base(const struct provider_req *);
/* The request's deadline, for the provider's own transport timeouts. */
int		 provider_req_timeout_ms(const struct provider_req *);
/* One pointer of the provider's own per-request state. */
void		 provider_req_set_state(struct provider_req *, void *);
void		*provider_req_state(const struct provider_req *);
/*
 * The same, owned by the request: provider_done, provider_fail (after it
 * has formatted its message, whose arguments may point into the state),
 * the deadline and a cancel free it with fn, so that a provider ends a
 * request with one call and needs no abort function (fn stops what is
 * in flight).
 */
typedef void	 provider_state_free_fn(void *);
void		 provider_req_own(struct provider_req *, void *,
		    provider_state_free_fn *);

/*
 * Add a provider to the registry (tests, and providers that are not
 * built in).  Returns ERR_INVAL when the name is taken, ERR_TOOBIG when
 * the table is full.
 */
int		 provider_register(const struct provider_ops *);

/* The built-in synchronous providers. */
int		 literal_get_one(const char *, struct secret **, char *,
		    size_t);
int		 env_get_one(const char *, struct secret **, char *, size_t);
int		 env_prepare(const char *, char *, size_t);
void		 env_cleanup(void);
int		 file_get_one(const char *, struct secret **, char *,
		    size_t);
/* systemd's credentials: a name in $CREDENTIALS_DIRECTORY. */
int		 credential_get_one(const char *, struct secret **, char *,
		    size_t);

/* The Vault provider (vault.c). */
void		 vault_start(struct provider_req *, const char *const *,
		    size_t);
int		 vault_setup(char *, size_t);
void		 vault_cleanup(void);

/*
 * The providers of the clouds and secret stores, one file each (the
 * design is /work/briefs12/design.md's, summed up in each file's head).
 * Each has the four functions of an asynchronous provider; setup reads
 * its environment, as the provider's own SDK does.
 */
#define PROVIDER_ASYNC(p)						\
	void	 p##_start(struct provider_req *, const char *const *,	\
		    size_t);						\
	int	 p##_setup(char *, size_t);				\
	void	 p##_cleanup(void)
PROVIDER_ASYNC(conjur);
PROVIDER_ASYNC(aws);
PROVIDER_ASYNC(k8s);
PROVIDER_ASYNC(gcp);
PROVIDER_ASYNC(azure);
/* A reference checked at load (its host may get the token?). */
int		 azure_prepare(const char *, char *, size_t);
void		 vault_attach(struct event_base *);

/*
 * The Linux kernel keyring (keyring.c): "keyring" takes a key's
 * description, "keychain" Secretless's "service#account" (its macOS
 * Keychain), read from the same keyring.
 */
int		 keyring_get_one(const char *, struct secret **, char *,
		    size_t);
int		 keychain_get_one(const char *, struct secret **, char *,
		    size_t);
/*
 * A "keyring" reference: which keyring ("@s:", "@u:", "@p:", or none:
 * KEYRING_ANY) and the description after it.  0, or ERR_INVAL for an
 * empty description or one longer than the kernel takes.
 */
enum { KEYRING_ANY, KEYRING_SESSION, KEYRING_USER, KEYRING_PERSISTENT };
int		 keyring_parse_ref(const char *ref, int *which,
		    const char **desc);

/* Largest file that the file provider reads. */
#define FILE_PROVIDER_MAX	(1024 * 1024)

#endif
