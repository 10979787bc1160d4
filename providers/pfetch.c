/*
 * The frame of the providers that fetch one object per group of
 * references (pfetch.h): kubernetes, gcp, azure and aws keep only their
 * references, requests, values and status codes; the order of the steps,
 * the state of a request and its ending are here, once.
 *
 *	pre (a ptoken: GCP's project)	optional, before parsing
 *	parse and group			one fetch per distinct object
 *	token (a ptoken)		optional, shared by the fetches
 *	fetches, all at once		the first error ends the request
 *	a stale token (status's renew)	once: a new token, every fetch again
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "jsonfield.h"
#include "pfetch.h"
#include "provider_impl.h"
#include "ptoken.h"
#include "secret.h"

#define LABELFMT	"%.200s"
#define CODE_MAX	160

struct pfetch;

/* One request, for every reference to the same object. */
struct pfetch_one {
	struct pfetch		*pf;
	size_t			 first;		/* its first reference */
	struct https_req	*hr;
};

struct pfetch {
	struct provider_req	*req;
	const struct pfetch_ops	*ops;
	size_t			 n;
	char			**refs;		/* copies, while pre is asked */
	unsigned char		*parsed;	/* n of ops->ref_size */
	size_t			*fetch_of;	/* per reference */
	struct pfetch_one	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
	struct ptoken		*pt;		/* ops->token's */
	struct ptoken_wait	*wait;		/* pre's or the token's */
	struct secret		*token;		/* the one sent */
	int			 retried;
};

static void	 got_token(void *, int, const char *, const struct secret *);

static const void *
parsed(const struct pfetch *pf, size_t i)
{
	return pf->parsed + i * pf->ops->ref_size;
}

/* What messages call fetch f's object. */
static const char *
label(const struct pfetch *pf, const struct pfetch_one *f)
{
	return pf->ops->label(parsed(pf, f->first));
}

static void
refs_free(struct pfetch *pf)
{
	size_t	 i;

	if (pf->refs == NULL)
		return;
	for (i = 0; i < pf->n; i++)
		free(pf->refs[i]);
	free(pf->refs);
	pf->refs = NULL;
}

/* Stop the fetches and the wait; drop the values and the token. */
static void
stop(struct pfetch *pf)
{
	size_t	 i;

	ptoken_cancel(pf->wait);
	pf->wait = NULL;
	for (i = 0; i < pf->nfetches; i++) {
		https_abort(pf->fetches[i].hr);
		pf->fetches[i].hr = NULL;
	}
	for (i = 0; pf->values != NULL && i < pf->n; i++) {
		secret_free(pf->values[i]);
		pf->values[i] = NULL;
	}
	secret_free(pf->token);
	pf->token = NULL;
}

static void
pf_free(struct pfetch *pf)
{
	if (pf == NULL)
		return;
	stop(pf);
	refs_free(pf);
	free(pf->values);
	free(pf->fetches);
	free(pf->fetch_of);
	free(pf->parsed);
	free(pf);
}

/* The request owns pf: provider_done and provider_fail free it. */
static void
done(struct pfetch *pf)
{
	struct secret		**values = pf->values;

	pf->values = NULL;
	provider_done(pf->req, values);
}

static void
pf_free_state(void *arg)
{
	pf_free(arg);
}

/* Wait for pt's value (pre's, the token); what names the request. */
static void
wait_for(struct pfetch *pf, struct ptoken *pt, ptoken_cb *cb,
    const char *what)
{
	if ((pf->wait = ptoken_get(pt, provider_req_base(pf->req),
	    provider_req_timeout_ms(pf->req), cb, pf)) == NULL)
		provider_fail(pf->req, ERR_SYS,
		    "%s: " LABELFMT ": cannot start a login", pf->ops->name,
		    what);
}

/* The values of f's references, from its object's answer. */
static int
take_values(struct pfetch *pf, struct pfetch_one *f,
    const struct secret *body)
{
	const struct pfetch_ops	*ops = pf->ops;
	struct jfield_doc	*doc;
	char			 msg[200];
	size_t			 i, idx = f - pf->fetches;
	int			 r;

	if ((r = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) != 0) {
		provider_fail(pf->req, r, "%s: " LABELFMT ": %s", ops->name,
		    label(pf, f), msg);
		return r;
	}
	for (i = 0; i < pf->n; i++) {
		if (pf->fetch_of[i] != idx)
			continue;
		msg[0] = '\0';
		r = ops->value(parsed(pf, i), doc, &pf->values[i], msg,
		    sizeof(msg));
		if (r == 0 && pf->values[i] == NULL)
			r = ERR_NOMEM;
		if (r != 0) {
			jfield_free(doc);
			provider_fail(pf->req, r, "%s: " LABELFMT ": %s",
			    ops->name,
			    ops->ref_label != NULL ? ops->ref_label(parsed(pf,
			    i)) : ops->label(parsed(pf, i)),
			    msg[0] != '\0' ? msg : err_str(r));
			return r;
		}
	}
	jfield_free(doc);
	return 0;
}

/* An answer other than 200; once, a stale token is renewed. */
static void
answer_status(struct pfetch *pf, struct pfetch_one *f, int status,
    const struct secret *body)
{
	const char	*why = "";
	char		 code[CODE_MAX];
	int		 r, renew = 0;

	code[0] = '\0';
	r = pf->ops->status(status, body, code, sizeof(code), &why, &renew);
	if (renew && pf->pt != NULL) {
		ptoken_invalidate(pf->pt, pf->token);
		if (!pf->retried) {
			log_debug("provider %s: " LABELFMT ": HTTP %d, a new "
			    "token", pf->ops->name, label(pf, f), status);
			stop(pf);
			pf->retried = 1;
			wait_for(pf, pf->pt, got_token, label(pf, f));
			return;
		}
	}
	provider_fail(pf->req, r, "%s: " LABELFMT ": HTTP %d%s%s%s%s",
	    pf->ops->name, label(pf, f), status, code[0] != '\0' ? " " : "",
	    code, why[0] != '\0' ? ", " : "", why);
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct pfetch_one	*f = arg;
	struct pfetch		*pf = f->pf;

	f->hr = NULL;
	if (error != 0) {
		provider_fail(pf->req, error, "%s: " LABELFMT ": %s",
		    pf->ops->name, label(pf, f), err);
		return;
	}
	if (status != 200) {
		answer_status(pf, f, status, body);
		return;
	}
	if (take_values(pf, f, body) != 0)
		return;
	if (--pf->pending == 0)
		done(pf);
}

/* Every fetch at once, with the token (NULL without one). */
static void
fetch_all(struct pfetch *pf)
{
	struct pfetch_one	*f;
	char			 err[PROVIDER_ERRLEN];
	size_t			 j;
	int			 r;

	pf->pending = pf->nfetches;
	for (j = 0; j < pf->nfetches; j++) {
		f = &pf->fetches[j];
		err[0] = '\0';
		if ((r = pf->ops->fetch(provider_req_base(pf->req),
		    provider_req_timeout_ms(pf->req), parsed(pf, f->first),
		    pf->token, fetch_done, f, &f->hr, err, sizeof(err))) != 0) {
			provider_fail(pf->req, r, "%s: " LABELFMT ": %s",
			    pf->ops->name, label(pf, f),
			    err[0] != '\0' ? err : "cannot start the request");
			return;
		}
	}
}

static void
got_token(void *arg, int error, const char *err, const struct secret *tok)
{
	struct pfetch	*pf = arg;

	pf->wait = NULL;
	if (error != 0) {
		provider_fail(pf->req, error, "%s: " LABELFMT ": %s",
		    pf->ops->name, pf->ops->label(parsed(pf, 0)), err);
		return;
	}
	if ((pf->token = secret_new(tok->data, tok->len)) == NULL) {
		provider_fail(pf->req, ERR_NOMEM, "%s: out of memory",
		    pf->ops->name);
		return;
	}
	fetch_all(pf);
}

/* The references parsed (with pre's value) and grouped by object. */
static void
plan(struct pfetch *pf, const char *const *refs, const struct secret *pre)
{
	const struct pfetch_ops	*ops = pf->ops;
	char			 err[PROVIDER_ERRLEN];
	size_t			 i, j;
	int			 r;

	for (i = 0; i < pf->n; i++) {
		if ((r = ops->parse(refs[i], pre, pf->parsed + i *
		    ops->ref_size, err, sizeof(err))) != 0) {
			provider_fail(pf->req, r, "%s", err);
			return;
		}
		for (j = 0; j < pf->nfetches; j++)
			if (ops->same(parsed(pf, pf->fetches[j].first),
			    parsed(pf, i)))
				break;
		if (j == pf->nfetches) {
			pf->fetches[j].pf = pf;
			pf->fetches[j].first = i;
			pf->nfetches++;
		}
		pf->fetch_of[i] = j;
	}
	refs_free(pf);
	if (ops->token != NULL && (pf->pt = ops->token()) != NULL)
		wait_for(pf, pf->pt, got_token, ops->label(parsed(pf, 0)));
	else
		fetch_all(pf);
}

static void
got_pre(void *arg, int error, const char *err, const struct secret *value)
{
	struct pfetch	*pf = arg;

	pf->wait = NULL;
	if (error != 0) {
		provider_fail(pf->req, error, "%s: " LABELFMT ": %s",
		    pf->ops->name, pf->refs[0], err);
		return;
	}
	plan(pf, (const char *const *)pf->refs, value);
}

/* pre's value first: the references are copied till it comes. */
static void
ask_pre(struct pfetch *pf, struct ptoken *pt, const char *const *refs)
{
	size_t	 i;

	if ((pf->refs = calloc(pf->n, sizeof(*pf->refs))) == NULL) {
		provider_fail(pf->req, ERR_NOMEM, "%s: out of memory",
		    pf->ops->name);
		return;
	}
	for (i = 0; i < pf->n; i++)
		if ((pf->refs[i] = strdup(refs[i])) == NULL) {
			provider_fail(pf->req, ERR_NOMEM, "%s: out of memory",
			    pf->ops->name);
			return;
		}
	wait_for(pf, pt, got_pre, refs[0]);
}

void
pfetch_start(struct provider_req *req, const struct pfetch_ops *ops,
    const char *const *refs, size_t n)
{
	struct pfetch	*pf;
	struct ptoken	*pt;

	if (n == 0) {
		/* No fetch would answer, and no token is needed. */
		provider_done(req, calloc(1, sizeof(struct secret *)));
		return;
	}
	if ((pf = calloc(1, sizeof(*pf))) == NULL ||
	    (pf->parsed = calloc(n, ops->ref_size)) == NULL ||
	    (pf->fetch_of = calloc(n, sizeof(*pf->fetch_of))) == NULL ||
	    (pf->fetches = calloc(n, sizeof(*pf->fetches))) == NULL ||
	    (pf->values = calloc(n, sizeof(*pf->values))) == NULL) {
		pf_free(pf);
		provider_fail(req, ERR_NOMEM, "%s: out of memory", ops->name);
		return;
	}
	pf->req = req;
	pf->ops = ops;
	pf->n = n;
	provider_req_own(req, pf, pf_free_state);
	if (ops->pre != NULL && (pt = ops->pre(refs, n)) != NULL)
		ask_pre(pf, pt, refs);
	else
		plan(pf, refs, NULL);
}

