/*
 * The frame of a provider that answers a request with one HTTPS request
 * per distinct object (a Kubernetes Secret, a Secret Manager version, a
 * Key Vault secret, a Secrets Manager secret, a Vault path): the
 * references parsed and grouped by object; optionally a value that they
 * depend on (GCP's project) and a token (from a ptoken) got first; every
 * fetch in flight at once; an answer that says the token is stale (401)
 * answered once by a new token and every fetch again; the first error
 * failing the whole request and stopping the rest; the values delivered
 * in the references' order.  Private to providers/.
 *
 * The answer is JSON (parsed once per object, for every reference to it).
 * Messages are "NAME: LABEL: why", LABEL being what label() calls the
 * object (or ref_label() one reference, for its value), and for a status
 * "NAME: LABEL: HTTP 404[ CODE][, why]".
 */
#ifndef AIRLOCK_PFETCH_H
#define AIRLOCK_PFETCH_H

#include <stddef.h>

#include "https.h"

struct event_base;
struct jfield_doc;
struct provider_req;
struct ptoken;
struct secret;

struct pfetch_ops {
	const char	*name;		/* "gcp": messages start with it */
	size_t		 ref_size;	/* the provider's parsed reference */
	/*
	 * Optional: a value that parsing needs and that must be asked
	 * first (GCP's project from the metadata server), or NULL when
	 * these references need none.
	 */
	struct ptoken	*(*pre)(const char *const *refs, size_t n);
	/*
	 * Parse ref into parsed (ref_size zeroed bytes), with pre's value
	 * (NULL without).  0, or an error with a message that names ref.
	 */
	int		 (*parse)(const char *ref, const struct secret *pre,
			    void *parsed, char *err, size_t errlen);
	/* Do two parsed references name the same object (one fetch)? */
	int		 (*same)(const void *a, const void *b);
	/* What messages call the object of a parsed reference. */
	const char	*(*label)(const void *parsed);
	/*
	 * Optional: what a message about one reference's value calls it,
	 * when that is more than its object (Kubernetes' "secret#key");
	 * NULL: label.
	 */
	const char	*(*ref_label)(const void *parsed);
	/* Optional: the token to get before the fetches; NULL: none. */
	struct ptoken	*(*token)(void);
	/*
	 * Start the fetch of parsed's object with the token (NULL without
	 * one): *hr = https_request(..., cb, arg).  0, or an error (ERR_SYS
	 * when https_request gave NULL) with a message in err, or err left
	 * "" for "cannot start the request".
	 */
	int		 (*fetch)(struct event_base *, int timeout_ms,
			    const void *parsed, const struct secret *token,
			    https_cb *cb, void *arg, struct https_req **hr,
			    char *err, size_t errlen);
	/*
	 * The value of parsed from its object's 200 answer (a JSON
	 * document), into guarded memory.  0, or an error with a message
	 * that names no value.
	 */
	int		 (*value)(const void *parsed, const struct jfield_doc *,
			    struct secret **out, char *err, size_t errlen);
	/*
	 * An answer other than 200: the error (ERR_*), the API's error code
	 * into code ("" when none; read with jfield_code, never the body's
	 * message) and a hint in *why.  *renew set: the token is stale, and
	 * one new token and a second try may help (a 401; AWS's
	 * ExpiredToken).
	 */
	int		 (*status)(int status, const struct secret *body,
			    char *code, size_t codelen, const char **why,
			    int *renew);
};

/*
 * Answer req (provider_done or provider_fail, now or later from the
 * loop) for refs: the provider's start function calls this.  A request
 * of no references is answered at once.  The request owns the frame's
 * state (provider_req_own): a deadline or a cancel stops it, and the
 * provider needs no abort function.
 */
void		 pfetch_start(struct provider_req *, const struct pfetch_ops *,
		    const char *const *refs, size_t n);

#endif
