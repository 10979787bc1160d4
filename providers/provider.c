/*
 * The provider registry and the request object that every provider shares.
 *
 * A request answers its caller from the event loop only (an evtimer with a
 * zero timeout), never from inside provider_get(), so that the caller has
 * one code path whatever the provider.  The deadline is kept here, not in
 * the providers: when it passes first, the caller gets ERR_TIMEOUT and
 * whatever the provider says afterwards is dropped.
 *
 * A request has two owners, the caller (until its callback has run or it
 * cancels) and the provider (until it has answered or been aborted); it is
 * freed when both are done with it.
 */
#include <sys/time.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "errors.h"
#include "figures.h"
#include "log.h"
#include "https.h"
#include "provider.h"
#include "provider_impl.h"
#include "secret.h"
#include "util.h"

struct provider_req {
	struct event_base	*base;
	const struct provider_ops *ops;
	provider_cb		*cb;
	void			*arg;
	size_t			 n;
	int			 timeout_ms;
	struct event		*ev_answer;	/* zero timeout */
	struct event		*ev_deadline;

	/* The provider's answer, held until the callback has run. */
	struct secret		**values;
	int			 error;
	char			 errmsg[PROVIDER_ERRLEN];

	int			 answered;	/* the provider is done */
	int			 closed;	/* the caller is done */
	void			*state;		/* the provider's */
	provider_state_free_fn	*state_free;	/* frees it at the end */
};

static const struct provider_ops builtin[] = {
	{ "literal",	literal_get_one, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "env",	env_get_one, NULL, NULL, NULL, env_cleanup,
			    env_prepare, NULL },
	{ "credential",	credential_get_one, NULL, NULL, NULL, NULL, NULL,
			    NULL },
	{ "systemd",	credential_get_one, NULL, NULL, NULL, NULL, NULL,
			    NULL },
	{ "file",	file_get_one, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "vault",	NULL, vault_start, NULL, vault_setup,
			    vault_cleanup, NULL, vault_attach },
	{ "conjur",	NULL, conjur_start, NULL, conjur_setup,
			    conjur_cleanup, NULL, NULL },
	{ "aws",	NULL, aws_start, NULL, aws_setup, aws_cleanup,
			    NULL, NULL },
	{ "kubernetes",	NULL, k8s_start, NULL, k8s_setup, k8s_cleanup,
			    NULL, NULL },
	{ "gcp",	NULL, gcp_start, NULL, gcp_setup, gcp_cleanup,
			    NULL, NULL },
	{ "azure",	NULL, azure_start, NULL, azure_setup,
			    azure_cleanup, azure_prepare, NULL },
	{ "keyring",	keyring_get_one, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "keychain",	keychain_get_one, NULL, NULL, NULL, NULL, NULL, NULL },
};

#define MAX_EXTRA	8
static const struct provider_ops *extra[MAX_EXTRA];
static size_t	 nextra;

/*
 * Look-ups by provider and outcome, for /metrics: the built-in providers
 * first, then the registered ones, in the order of provider_counts_at.
 */
static const struct provider_ops *provider_find(const char *);
static uint64_t	 counts[nitems(builtin) + MAX_EXTRA][FIG_NOUTCOMES];

static uint64_t *
counts_of(const struct provider_ops *ops)
{
	size_t	 i;

	if (ops >= builtin && ops < builtin + nitems(builtin))
		return counts[ops - builtin];
	for (i = 0; i < nextra; i++)
		if (extra[i] == ops)
			return counts[nitems(builtin) + i];
	return NULL;
}

static void
count(const struct provider_ops *ops, int error)
{
	uint64_t	*c;
	int		 o;

	switch (error) {
	case 0:
		o = FIG_P_OK;
		break;
	case ERR_TIMEOUT:
		o = FIG_P_TIMEOUT;
		break;
	case ERR_DENIED:
	case ERR_AUTH:
		o = FIG_P_DENIED;
		break;
	case ERR_NOTFOUND:
		o = FIG_P_NOTFOUND;
		break;
	default:
		o = FIG_P_ERROR;
		break;
	}
	if ((c = counts_of(ops)) != NULL)
		c[o]++;
}

void
provider_count_cache_hit(const char *name)
{
	uint64_t	*c;

	if ((c = counts_of(provider_find(name))) != NULL)
		c[FIG_P_CACHE_HIT]++;
}

const char *
provider_counts_at(size_t i, uint64_t *out)
{
	const struct provider_ops *ops;

	if (i < nitems(builtin))
		ops = &builtin[i];
	else if (i - nitems(builtin) < nextra)
		ops = extra[i - nitems(builtin)];
	else
		return NULL;
	memcpy(out, counts[i], sizeof(counts[i]));
	return ops->name;
}

static const struct provider_ops *
provider_find(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < nitems(builtin); i++)
		if (strcmp(builtin[i].name, name) == 0)
			return &builtin[i];
	for (i = 0; i < nextra; i++)
		if (strcmp(extra[i]->name, name) == 0)
			return extra[i];
	return NULL;
}

int
provider_exists(const char *name)
{
	return provider_find(name) != NULL;
}

/* The provider of this name, or NULL with a message in err. */
static const struct provider_ops *
provider_named(const char *name, char *err, size_t errlen)
{
	const struct provider_ops *ops;

	if (errlen > 0)
		err[0] = '\0';
	if ((ops = provider_find(name)) == NULL)
		snprintf(err, errlen, "no provider %.64s", name ? name : "");
	return ops;
}

int
provider_setup(const char *name, char *err, size_t errlen)
{
	const struct provider_ops *ops;

	if ((ops = provider_named(name, err, errlen)) == NULL)
		return ERR_NOTFOUND;
	return ops->setup != NULL ? ops->setup(err, errlen) : 0;
}

int
provider_prepare(const char *name, const char *ref, char *err, size_t errlen)
{
	const struct provider_ops *ops;

	if ((ops = provider_named(name, err, errlen)) == NULL)
		return ERR_NOTFOUND;
	return ops->prepare != NULL ? ops->prepare(ref, err, errlen) : 0;
}

void
provider_cleanup(void)
{
	size_t	 i;

	for (i = 0; i < nitems(builtin); i++)
		if (builtin[i].cleanup != NULL)
			builtin[i].cleanup();
	for (i = 0; i < nextra; i++)
		if (extra[i]->cleanup != NULL)
			extra[i]->cleanup();
}

void
provider_attach(struct event_base *base, struct evdns_base *dns)
{
	size_t	 i;

	https_set_dns(dns);
	for (i = 0; i < nitems(builtin); i++)
		if (builtin[i].attach != NULL)
			builtin[i].attach(base);
	for (i = 0; i < nextra; i++)
		if (extra[i]->attach != NULL)
			extra[i]->attach(base);
}

int
provider_register(const struct provider_ops *ops)
{
	if (ops == NULL || ops->name == NULL ||
	    (ops->get_one == NULL) == (ops->start == NULL) ||
	    provider_find(ops->name) != NULL)
		return ERR_INVAL;
	if (nextra == MAX_EXTRA)
		return ERR_TOOBIG;
	extra[nextra++] = ops;
	return 0;
}

static void
values_free(struct secret **values, size_t n)
{
	size_t	 i;

	if (values == NULL)
		return;
	for (i = 0; i < n; i++)
		secret_free(values[i]);
	free(values);
}

/* The provider's own state of the request, freed when the request ends. */
static void
state_drop(struct provider_req *req)
{
	provider_state_free_fn	*fn = req->state_free;
	void			*st = req->state;

	req->state = NULL;
	req->state_free = NULL;
	if (fn != NULL && st != NULL)
		fn(st);
}

/* Free the request once neither the caller nor the provider holds it. */
static void
req_release(struct provider_req *req)
{
	if (!req->answered || !req->closed)
		return;
	values_free(req->values, req->n);
	if (req->ev_answer != NULL)
		event_free(req->ev_answer);
	if (req->ev_deadline != NULL)
		event_free(req->ev_deadline);
	secret_wipe(req->errmsg, sizeof(req->errmsg));
	free(req);
}

/* Tell the caller; the values are freed when the callback returns. */
static void
deliver(struct provider_req *req)
{
	evtimer_del(req->ev_answer);
	evtimer_del(req->ev_deadline);
	req->closed = 1;
	count(req->ops, req->error);
	if (req->error != 0)
		req->cb(req->arg, req->error, req->errmsg, NULL, 0);
	else
		req->cb(req->arg, 0, NULL, req->values, req->n);
	req_release(req);
}

static void
answer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver(arg);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct provider_req	*req = arg;

	(void)fd;
	(void)what;
	/*
	 * An answer that is already in, but not yet delivered because both
	 * timers came due in the same loop iteration, still counts.
	 */
	if (req->answered) {
		deliver(req);
		return;
	}
	if (req->ops->abort != NULL || req->state_free != NULL) {
		if (req->ops->abort != NULL)
			req->ops->abort(req);
		state_drop(req);
		req->answered = 1;
	}
	req->error = ERR_TIMEOUT;
	snprintf(req->errmsg, sizeof(req->errmsg),
	    "provider %s gave no answer within %d ms", req->ops->name,
	    req->timeout_ms);
	evtimer_del(req->ev_answer);
	req->closed = 1;
	count(req->ops, req->error);
	req->cb(req->arg, req->error, req->errmsg, NULL, 0);
	req_release(req);
}

/* The provider has answered: schedule delivery, or drop a late answer. */
static void
req_answered(struct provider_req *req)
{
	static const struct timeval now = { 0, 0 };

	if (req->answered)
		fatal("provider %s answered a request twice", req->ops->name);
	req->answered = 1;
	if (req->closed) {
		log_debug("provider %s answered after its deadline or a "
		    "cancel; answer dropped", req->ops->name);
		req_release(req);
		return;
	}
	if (evtimer_add(req->ev_answer, &now) != 0)
		fatal("provider %s: cannot schedule an answer", req->ops->name);
}

void
provider_done(struct provider_req *req, struct secret **values)
{
	if (values == NULL && req->n != 0)
		fatal("provider %s answered without values", req->ops->name);
	req->values = values;
	req->error = 0;
	state_drop(req);
	req_answered(req);
}

void
provider_fail(struct provider_req *req, int error, const char *fmt, ...)
{
	va_list	 ap;

	req->error = error < 0 ? error : ERR_INVAL;
	va_start(ap, fmt);
	vsnprintf(req->errmsg, sizeof(req->errmsg), fmt, ap);
	va_end(ap);
	/* After the message: its arguments may point into the state. */
	state_drop(req);
	req_answered(req);
}

struct event_base *
provider_req_base(const struct provider_req *req)
{
	return req->base;
}

int
provider_req_timeout_ms(const struct provider_req *req)
{
	return req->timeout_ms;
}

void
provider_req_set_state(struct provider_req *req, void *state)
{
	req->state = state;
}

void
provider_req_own(struct provider_req *req, void *state,
    provider_state_free_fn *fn)
{
	req->state = state;
	req->state_free = fn;
}

void *
provider_req_state(const struct provider_req *req)
{
	return req->state;
}

/* A synchronous provider: every reference in turn, all or nothing. */
static void
get_sync(struct provider_req *req, const char *const *refs, size_t n)
{
	struct secret	**values;
	char		 err[PROVIDER_ERRLEN];
	size_t		 i;
	int		 r;

	if ((values = calloc(n ? n : 1, sizeof(*values))) == NULL) {
		provider_fail(req, ERR_NOMEM, "provider %s: out of memory",
		    req->ops->name);
		return;
	}
	for (i = 0; i < n; i++) {
		err[0] = '\0';
		r = req->ops->get_one(refs[i], &values[i], err, sizeof(err));
		if (r == 0 && values[i] == NULL)
			r = ERR_NOMEM;
		if (r != 0) {
			values_free(values, n);
			provider_fail(req, r, "%s", err[0] != '\0' ? err :
			    err_str(r));
			return;
		}
	}
	provider_done(req, values);
}

struct provider_req *
provider_get(struct event_base *base, const char *provider,
    const char *const *refs, size_t n, int timeout_ms, provider_cb *cb,
    void *arg)
{
	const struct provider_ops *ops;
	struct provider_req	*req;
	struct timeval		 tv;
	size_t			 i;

	if (base == NULL || cb == NULL || timeout_ms <= 0 ||
	    n > PROVIDER_MAX_REFS || (n > 0 && refs == NULL) ||
	    (ops = provider_find(provider)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (refs[i] == NULL)
			return NULL;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->base = base;
	req->ops = ops;
	req->cb = cb;
	req->arg = arg;
	req->n = n;
	req->timeout_ms = timeout_ms;
	req->ev_answer = evtimer_new(base, answer_cb, req);
	req->ev_deadline = evtimer_new(base, deadline_cb, req);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (req->ev_answer == NULL || req->ev_deadline == NULL ||
	    evtimer_add(req->ev_deadline, &tv) != 0) {
		req->answered = req->closed = 1;
		req_release(req);
		return NULL;
	}

	if (ops->get_one != NULL)
		get_sync(req, refs, n);
	else
		ops->start(req, refs, n);
	return req;
}

void
provider_cancel(struct provider_req *req)
{
	/* Inside its own callback the request is already closed. */
	if (req == NULL || req->closed)
		return;
	req->closed = 1;
	evtimer_del(req->ev_answer);
	evtimer_del(req->ev_deadline);
	if (!req->answered && (req->ops->abort != NULL ||
	    req->state_free != NULL)) {
		if (req->ops->abort != NULL)
			req->ops->abort(req);
		state_drop(req);
		req->answered = 1;
	}
	req_release(req);
}
