/*
 * Resolving a service's credentials for one connection: one provider
 * request per credential, all in flight at once, collected into guarded
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

struct cred_slot {
	struct cred_req		*req;
	size_t			 index;
	struct provider_req	*preq;
};

struct cred_req {
	creds_cb		*cb;
	void			*arg;
	struct creds		*creds;
	struct cred_slot	*slots;
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

	if (q->creds != NULL)
		for (i = 0; i < q->creds->n; i++)
			if (q->slots[i].preq != NULL)
				provider_cancel(q->slots[i].preq);
	creds_free(q->creds);
	free(q->slots);
	free(q);
}

void
creds_cancel(struct cred_req *q)
{
	if (q != NULL)
		cred_req_free(q);
}

static void
slot_done(void *arg, int error, const char *err, struct secret **values,
    size_t n)
{
	struct cred_slot	*s = arg;
	struct cred_req		*q = s->req;
	struct creds		*c;
	creds_cb		*cb = q->cb;
	void			*cbarg = q->arg;

	s->preq = NULL;
	if (error != 0 || n != 1) {
		/* The provider's message names the reference, not a value. */
		cred_req_free(q);
		cb(cbarg, err != NULL ? err : err_str(error), NULL);
		return;
	}
	/* The provider frees its values after we return: keep a copy. */
	q->creds->values[s->index] = secret_new(values[0]->data,
	    values[0]->len);
	if (q->creds->values[s->index] == NULL) {
		cred_req_free(q);
		cb(cbarg, "out of memory", NULL);
		return;
	}
	if (--q->pending > 0)
		return;
	c = q->creds;
	q->creds = NULL;
	cred_req_free(q);
	cb(cbarg, NULL, c);
}

struct cred_req *
creds_resolve(const struct service *svc, creds_cb *cb, void *arg)
{
	struct cred_req	*q;
	const char	*ref;
	size_t		 i, n = svc->ncreds;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->cb = cb;
	q->arg = arg;
	if ((q->creds = calloc(1, sizeof(*q->creds))) == NULL ||
	    (q->creds->names = calloc(n + 1, sizeof(char *))) == NULL ||
	    (q->creds->values = calloc(n + 1, sizeof(struct secret *))) ==
	    NULL || (q->slots = calloc(n + 1, sizeof(*q->slots))) == NULL)
		goto fail;
	q->creds->n = n;
	for (i = 0; i < n; i++)
		if ((q->creds->names[i] = strdup(svc->creds[i].name)) == NULL)
			goto fail;
	q->pending = n;
	for (i = 0; i < n; i++) {
		q->slots[i].req = q;
		q->slots[i].index = i;
		ref = svc->creds[i].ref;
		q->slots[i].preq = provider_get(mon.base,
		    svc->creds[i].provider, &ref, 1,
		    mon.conf->provider_timeout_ms, slot_done, &q->slots[i]);
		if (q->slots[i].preq == NULL)
			goto fail;
	}
	if (n == 0) {
		/* Nothing to fetch is an error of the configuration check. */
		goto fail;
	}
	return q;
 fail:
	cred_req_free(q);
	return NULL;
}
