/*
 * Resolving a service's credentials for one connection: one provider
 * request per provider that the service uses, with all of that provider's
 * references (so that the Vault provider can read several fields of one
 * secret with one GET), all in flight at once, collected into guarded
 * memory.  The first error ends the resolution and cancels the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "provider.h"
#include "secret.h"

struct cred_req;

/* The credentials of a service that one provider answers. */
struct cred_group {
	struct cred_req		*req;
	const char		*provider;
	size_t			*index;		/* into creds, in ref order */
	size_t			 n;
	struct provider_req	*preq;
};

struct cred_req {
	creds_cb		*cb;
	void			*arg;
	struct creds		*creds;
	struct cred_group	*groups;
	size_t			 ngroups;
	size_t			 pending;
};

void
creds_free(struct creds *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->names[i]);
		secret_free(c->values[i]);
	}
	free(c->names);
	free(c->values);
	free(c);
}

const struct secret *
creds_get(const struct creds *c, const char *name)
{
	size_t	 i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->names[i], name) == 0)
			return c->values[i];
	return NULL;
}

static void
cred_req_free(struct cred_req *q)
{
	size_t	 i;

	for (i = 0; i < q->ngroups; i++) {
		if (q->groups[i].preq != NULL)
			provider_cancel(q->groups[i].preq);
		free(q->groups[i].index);
	}
	creds_free(q->creds);
	free(q->groups);
	free(q);
}

void
creds_cancel(struct cred_req *q)
{
	if (q != NULL)
		cred_req_free(q);
}

static void
group_done(void *arg, int error, const char *err, struct secret **values,
    size_t n)
{
	struct cred_group	*g = arg;
	struct cred_req		*q = g->req;
	struct creds		*c;
	creds_cb		*cb = q->cb;
	void			*cbarg = q->arg;
	size_t			 i, k;

	g->preq = NULL;
	if (error != 0 || n != g->n) {
		/* The provider's message names the reference, not a value. */
		cred_req_free(q);
		cb(cbarg, err != NULL ? err : err_str(error), NULL);
		return;
	}
	/* The provider frees its values after we return: keep copies. */
	for (k = 0; k < n; k++) {
		i = g->index[k];
		if ((q->creds->values[i] = secret_new(values[k]->data,
		    values[k]->len)) == NULL) {
			cred_req_free(q);
			cb(cbarg, "out of memory", NULL);
			return;
		}
	}
	if (--q->pending > 0)
		return;
	c = q->creds;
	q->creds = NULL;
	cred_req_free(q);
	cb(cbarg, NULL, c);
}

/* Sort the credentials into one group per provider. */
static int
make_groups(struct cred_req *q, const struct service *svc)
{
	struct cred_group	*g;
	size_t			 i, j, n = svc->ncreds;

	if ((q->groups = calloc(n + 1, sizeof(*q->groups))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		for (j = 0; j < q->ngroups; j++)
			if (strcmp(q->groups[j].provider,
			    svc->creds[i].provider) == 0)
				break;
		g = &q->groups[j];
		if (j == q->ngroups) {
			q->ngroups++;
			g->req = q;
			g->provider = svc->creds[i].provider;
			if ((g->index = calloc(n, sizeof(*g->index))) == NULL)
				return ERR_NOMEM;
		}
		g->index[g->n++] = i;
	}
	return 0;
}

struct cred_req *
creds_resolve(const struct service *svc, creds_cb *cb, void *arg)
{
	struct cred_req		*q;
	struct cred_group	*g;
	const char		*refs[MSG_MAX_KV];
	size_t			 i, k, n = svc->ncreds;

	/* Nothing to fetch is an error of the configuration check. */
	if (n == 0 || n > MSG_MAX_KV)
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->cb = cb;
	q->arg = arg;
	if ((q->creds = calloc(1, sizeof(*q->creds))) == NULL ||
	    (q->creds->names = calloc(n + 1, sizeof(char *))) == NULL ||
	    (q->creds->values = calloc(n + 1, sizeof(struct secret *))) ==
	    NULL)
		goto fail;
	q->creds->n = n;
	for (i = 0; i < n; i++)
		if ((q->creds->names[i] = strdup(svc->creds[i].name)) == NULL)
			goto fail;
	if (make_groups(q, svc) != 0)
		goto fail;
	q->pending = q->ngroups;
	for (i = 0; i < q->ngroups; i++) {
		g = &q->groups[i];
		for (k = 0; k < g->n; k++)
			refs[k] = svc->creds[g->index[k]].ref;
		g->preq = provider_get(mon.base, g->provider, refs, g->n,
		    mon.conf->provider_timeout_ms, group_done, g);
		if (g->preq == NULL)
			goto fail;
	}
	return q;
 fail:
	cred_req_free(q);
	return NULL;
}
