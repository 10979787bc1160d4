/*
 * Key/value lists carried on the privsep channel (connector options and the
 * non-secret parameters of a connection).  See include/msg.h.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "msg.h"
#include "secret.h"

void
kv_init(struct kvlist *l)
{
	l->v = NULL;
	l->n = 0;
}

void
kv_clear(struct kvlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		secret_wipe(l->v[i].val, l->v[i].vlen);
		free(l->v[i].val);
	}
	free(l->v);
	kv_init(l);
}

static struct kv *
kv_find(const struct kvlist *l, const char *key)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return &l->v[i];
	return NULL;
}

int
kv_set(struct kvlist *l, const char *key, const void *val, size_t vlen)
{
	struct kv	*e, *nv;
	unsigned char	*copy;

	if (vlen == SIZE_MAX)
		return ERR_TOOBIG;
	if ((copy = malloc(vlen + 1)) == NULL)
		return ERR_NOMEM;
	if (vlen > 0)
		memcpy(copy, val, vlen);
	copy[vlen] = '\0';
	if ((e = kv_find(l, key)) != NULL) {
		secret_wipe(e->val, e->vlen);
		free(e->val);
		e->val = copy;
		e->vlen = vlen;
		return 0;
	}
	if (l->n >= MSG_MAX_KV ||
	    (nv = reallocarray(l->v, l->n + 1, sizeof(*nv))) == NULL) {
		free(copy);
		return l->n >= MSG_MAX_KV ? ERR_TOOBIG : ERR_NOMEM;
	}
	l->v = nv;
	if ((nv[l->n].key = strdup(key)) == NULL) {
		free(copy);
		return ERR_NOMEM;
	}
	nv[l->n].val = copy;
	nv[l->n].vlen = vlen;
	l->n++;
	return 0;
}

int
kv_set_str(struct kvlist *l, const char *key, const char *val)
{
	return kv_set(l, key, val, strlen(val));
}

const char *
kv_get(const struct kvlist *l, const char *key, size_t *vlen)
{
	struct kv	*e;

	if ((e = kv_find(l, key)) == NULL)
		return NULL;
	if (vlen != NULL)
		*vlen = e->vlen;
	return (const char *)e->val;
}

int
kv_put(struct buf *b, const struct kvlist *l)
{
	size_t	 i;
	int	 r;

	if ((r = buf_put_u32(b, (uint32_t)l->n)) != 0)
		return r;
	for (i = 0; i < l->n; i++) {
		if ((r = buf_put_cstring(b, l->v[i].key)) != 0 ||
		    (r = buf_put_string(b, l->v[i].val, l->v[i].vlen)) != 0)
			return r;
	}
	return 0;
}

int
kv_get_list(struct buf *b, struct kvlist *l)
{
	const unsigned char	*v;
	size_t			 vlen;
	uint32_t		 n, i;
	char			*key = NULL;
	int			 r;

	kv_init(l);
	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > MSG_MAX_KV)
		return ERR_TOOBIG;
	for (i = 0; i < n; i++) {
		if ((r = buf_get_cstring(b, &key, 256)) != 0)
			goto fail;
		if (*key == '\0' || kv_find(l, key) != NULL) {
			r = ERR_FORMAT;
			goto fail;
		}
		if ((r = buf_get_string_direct(b, &v, &vlen)) != 0 ||
		    (r = kv_set(l, key, v, vlen)) != 0)
			goto fail;
		free(key);
		key = NULL;
	}
	return 0;
 fail:
	free(key);
	kv_clear(l);
	return r;
}
