/*
 * The figures of the health endpoint: their encoding on the privsep channel
 * (see include/figures.h for the layout) and the histogram arithmetic.
 * Both sides link this file; the decoder runs in the worker and treats the
 * payload as it treats any message: exact, bounded, consumed whole.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "figures.h"
#include "secret.h"

/* Seconds: 5 ms to 30 s, the span of a handshake or a provider look-up. */
const uint64_t fig_bucket_us[FIG_NBUCKETS] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000,
};

const char *const fig_reason_names[FIG_NREASONS] = {
	[FIG_REFUSED] = "refused",
	[FIG_SPAWN] = "spawn",
	[FIG_PROVIDER] = "provider",
	[FIG_DIAL] = "dial",
	[FIG_AUTH] = "auth",
	[FIG_TIMEOUT] = "timeout",
	[FIG_SANDBOX] = "sandbox",
	[FIG_KILLED] = "killed",
	[FIG_CRASHED] = "crashed",
	[FIG_CLIENT] = "client",
};

const char *const fig_outcome_names[FIG_NOUTCOMES] = {
	[FIG_P_OK] = "ok",
	[FIG_P_ERROR] = "error",
	[FIG_P_TIMEOUT] = "timeout",
	[FIG_P_DENIED] = "denied",
	[FIG_P_NOTFOUND] = "notfound",
	[FIG_P_CACHE_HIT] = "cache_hit",
};

const char *const fig_pool_state_names[FIG_POOL_NSTATES] = {
	[FIG_POOL_OFF] = "off",
	[FIG_POOL_OK] = "ok",
	[FIG_POOL_BACKOFF] = "backoff",
};

void
fig_init(struct figures *f)
{
	memset(f, 0, sizeof(*f));
}

void
fig_free(struct figures *f)
{
	size_t	 i;

	for (i = 0; i < f->nservices; i++) {
		free(f->services[i].name);
		free(f->services[i].listen);
	}
	free(f->services);
	for (i = 0; i < f->nproviders; i++)
		free(f->providers[i].name);
	free(f->providers);
	for (i = 0; i < f->npool_kinds; i++)
		free(f->pool_kinds[i].name);
	free(f->version);
	free(f->smem_why);
	fig_init(f);
}

struct fig_service *
fig_add_service(struct figures *f, const char *name, const char *listen)
{
	struct fig_service	*v, *s;

	if (f->nservices >= FIG_SERVICES_MAX)
		return NULL;
	if ((v = reallocarray(f->services, f->nservices + 1,
	    sizeof(*v))) == NULL)
		return NULL;
	f->services = v;
	s = &v[f->nservices];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->listen = strdup(listen);
	if (s->name == NULL || s->listen == NULL) {
		free(s->name);
		free(s->listen);
		return NULL;
	}
	f->nservices++;
	return s;
}

struct fig_provider *
fig_add_provider(struct figures *f, const char *name)
{
	struct fig_provider	*v, *p;

	if (f->nproviders >= FIG_PROVIDERS_MAX)
		return NULL;
	if ((v = reallocarray(f->providers, f->nproviders + 1,
	    sizeof(*v))) == NULL)
		return NULL;
	f->providers = v;
	p = &v[f->nproviders];
	memset(p, 0, sizeof(*p));
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	f->nproviders++;
	return p;
}

struct fig_pool_kind *
fig_add_pool_kind(struct figures *f, const char *name, uint32_t idle,
    uint32_t target)
{
	struct fig_pool_kind	*k;

	if (f->npool_kinds >= FIG_POOL_KINDS_MAX)
		return NULL;
	k = &f->pool_kinds[f->npool_kinds];
	if ((k->name = strdup(name)) == NULL)
		return NULL;
	k->idle = idle;
	k->target = target;
	f->npool_kinds++;
	return k;
}

void
fig_hist_observe(struct fig_hist *h, uint64_t us)
{
	size_t	 i;

	for (i = 0; i < FIG_NBUCKETS; i++)
		if (us <= fig_bucket_us[i])
			break;
	h->buckets[i]++;
	h->sum_us += us;
}

uint64_t
fig_hist_count(const struct fig_hist *h)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i <= FIG_NBUCKETS; i++)
		n += h->buckets[i];
	return n;
}

static int
put_hist(struct buf *b, const struct fig_hist *h)
{
	size_t	 i;
	int	 r;

	for (i = 0; i <= FIG_NBUCKETS; i++)
		if ((r = buf_put_u64(b, h->buckets[i])) != 0)
			return r;
	return buf_put_u64(b, h->sum_us);
}

static int
put_service(struct buf *b, const struct fig_service *s)
{
	size_t	 i;
	int	 r;

	if ((r = buf_put_cstring(b, s->name)) != 0 ||
	    (r = buf_put_cstring(b, s->listen)) != 0 ||
	    (r = buf_put_u8(b, s->configured)) != 0 ||
	    (r = buf_put_u8(b, s->listening)) != 0 ||
	    (r = buf_put_u32(b, s->active)) != 0 ||
	    (r = buf_put_u64(b, s->accepted)) != 0)
		return r;
	for (i = 0; i < FIG_NREASONS; i++)
		if ((r = buf_put_u64(b, s->failed[i])) != 0)
			return r;
	if ((r = buf_put_u64(b, s->bytes_c2b)) != 0 ||
	    (r = buf_put_u64(b, s->bytes_b2c)) != 0 ||
	    (r = buf_put_u64(b, s->killed_sandbox)) != 0 ||
	    (r = buf_put_u64(b, s->killed_monitor)) != 0 ||
	    (r = buf_put_u64(b, s->http_routed)) != 0 ||
	    (r = buf_put_u64(b, s->http_refused)) != 0)
		return r;
	for (i = 0; i < CTLS_OUTCOME_MAX; i++)
		if ((r = buf_put_u64(b, s->client_tls[i])) != 0)
			return r;
	if ((r = buf_put_u64(b, s->backend_reused)) != 0 ||
	    (r = buf_put_u64(b, s->backend_fallbacks)) != 0 ||
	    (r = buf_put_u32(b, s->backend_idle)) != 0 ||
	    (r = put_hist(b, &s->handshake)) != 0)
		return r;
	return put_hist(b, &s->provider);
}

static int
put_pool(struct buf *b, const struct figures *f)
{
	size_t	 i;
	int	 r;

	if (f->npool_kinds > FIG_POOL_KINDS_MAX)
		return ERR_TOOBIG;
	if ((r = buf_put_u32(b, f->pool_min_idle)) != 0 ||
	    (r = buf_put_u32(b, f->pool_max_idle)) != 0 ||
	    (r = buf_put_u8(b, f->pool_state)) != 0 ||
	    (r = buf_put_u64(b, f->pool_hits)) != 0 ||
	    (r = buf_put_u64(b, f->pool_misses)) != 0 ||
	    (r = buf_put_u64(b, f->pool_spawned)) != 0 ||
	    (r = buf_put_u64(b, f->pool_died)) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)f->npool_kinds)) != 0)
		return r;
	for (i = 0; i < f->npool_kinds; i++)
		if ((r = buf_put_cstring(b, f->pool_kinds[i].name)) != 0 ||
		    (r = buf_put_u32(b, f->pool_kinds[i].idle)) != 0 ||
		    (r = buf_put_u32(b, f->pool_kinds[i].target)) != 0)
			return r;
	return 0;
}

static int
put_smem(struct buf *b, const struct figures *f)
{
	int	 r;

	if ((r = buf_put_u8(b, f->smem_backing)) != 0 ||
	    (r = buf_put_u64(b, f->smem_size)) != 0 ||
	    (r = buf_put_u64(b, f->smem_used)) != 0 ||
	    (r = buf_put_u64(b, f->smem_peak)) != 0 ||
	    (r = buf_put_u64(b, f->smem_refused)) != 0 ||
	    (r = buf_put_u64(b, f->smem_overflowed)) != 0)
		return r;
	return buf_put_cstring(b, f->smem_why != NULL ? f->smem_why : "");
}

static int
put_providers(struct buf *b, const struct figures *f)
{
	size_t	 i, k;
	int	 r;

	if (f->nproviders > FIG_PROVIDERS_MAX)
		return ERR_TOOBIG;
	if ((r = buf_put_u32(b, (uint32_t)f->nproviders)) != 0)
		return r;
	for (i = 0; i < f->nproviders; i++) {
		if ((r = buf_put_cstring(b, f->providers[i].name)) != 0)
			return r;
		for (k = 0; k < FIG_NOUTCOMES; k++)
			if ((r = buf_put_u64(b,
			    f->providers[i].outcome[k])) != 0)
				return r;
	}
	return 0;
}

int
fig_encode(struct buf *b, const struct figures *f, size_t max,
    uint32_t *omitted)
{
	struct buf	*svcs = NULL, *one = NULL;
	size_t		 i, n = 0, room;
	int		 r;

	*omitted = f->omitted;
	if ((r = buf_put_u64(b, f->start_time)) != 0 ||
	    (r = buf_put_cstring(b, f->version != NULL ? f->version : "")) !=
	    0 || (r = buf_put_u8(b, f->ready)) != 0 ||
	    (r = buf_put_u8(b, f->draining)) != 0 ||
	    (r = buf_put_u32(b, f->workers)) != 0 ||
	    (r = buf_put_u32(b, f->max_workers)) != 0 ||
	    (r = buf_put_u32(b, f->health_workers)) != 0 ||
	    (r = buf_put_u32(b, f->max_health_workers)) != 0 ||
	    (r = put_smem(b, f)) != 0 ||
	    (r = put_pool(b, f)) != 0 ||
	    (r = put_providers(b, f)) != 0)
		return r;
	/* What is left for the services after the two counts. */
	if (buf_len(b) + 8 > max)
		return ERR_TOOBIG;
	room = max - buf_len(b) - 8;
	/* buf_new(0) would mean the default maximum. */
	if ((svcs = buf_new(room ? room : 1)) == NULL ||
	    (one = buf_new(room ? room : 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < f->nservices; i++) {
		buf_reset(one);
		r = put_service(one, &f->services[i]);
		if (r == 0)
			r = buf_put(svcs, buf_ptr(one), buf_len(one));
		if (r == ERR_TOOBIG)
			break;
		if (r != 0)
			goto out;
		n++;
	}
	*omitted += (uint32_t)(f->nservices - n);
	if ((r = buf_put_u32(b, *omitted)) == 0 &&
	    (r = buf_put_u32(b, (uint32_t)n)) == 0 && n > 0)
		r = buf_put(b, buf_ptr(svcs), buf_len(svcs));
 out:
	buf_free(svcs);
	buf_free(one);
	return r;
}

static int
get_flag(struct buf *b, uint8_t *v)
{
	int	 r;

	if ((r = buf_get_u8(b, v)) != 0)
		return r;
	return *v > 1 ? ERR_FORMAT : 0;
}

static int
get_hist(struct buf *b, struct fig_hist *h)
{
	size_t	 i;
	int	 r;

	for (i = 0; i <= FIG_NBUCKETS; i++)
		if ((r = buf_get_u64(b, &h->buckets[i])) != 0)
			return r;
	return buf_get_u64(b, &h->sum_us);
}

static int
get_service(struct buf *b, struct figures *f)
{
	struct fig_service	*s;
	char			*name = NULL, *listen = NULL;
	size_t			 i;
	int			 r;

	if ((r = buf_get_cstring(b, &name, FIG_NAME_MAX)) != 0 ||
	    (r = buf_get_cstring(b, &listen, FIG_LISTEN_MAX)) != 0)
		goto out;
	if (name[0] == '\0') {
		r = ERR_FORMAT;
		goto out;
	}
	if ((s = fig_add_service(f, name, listen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = get_flag(b, &s->configured)) != 0 ||
	    (r = get_flag(b, &s->listening)) != 0 ||
	    (r = buf_get_u32(b, &s->active)) != 0 ||
	    (r = buf_get_u64(b, &s->accepted)) != 0)
		goto out;
	for (i = 0; i < FIG_NREASONS; i++)
		if ((r = buf_get_u64(b, &s->failed[i])) != 0)
			goto out;
	if ((r = buf_get_u64(b, &s->bytes_c2b)) != 0 ||
	    (r = buf_get_u64(b, &s->bytes_b2c)) != 0 ||
	    (r = buf_get_u64(b, &s->killed_sandbox)) != 0 ||
	    (r = buf_get_u64(b, &s->killed_monitor)) != 0 ||
	    (r = buf_get_u64(b, &s->http_routed)) != 0 ||
	    (r = buf_get_u64(b, &s->http_refused)) != 0)
		goto out;
	for (i = 0; i < CTLS_OUTCOME_MAX; i++)
		if ((r = buf_get_u64(b, &s->client_tls[i])) != 0)
			goto out;
	if ((r = buf_get_u64(b, &s->backend_reused)) != 0 ||
	    (r = buf_get_u64(b, &s->backend_fallbacks)) != 0 ||
	    (r = buf_get_u32(b, &s->backend_idle)) != 0 ||
	    (r = get_hist(b, &s->handshake)) != 0)
		goto out;
	r = get_hist(b, &s->provider);
 out:
	free(name);
	free(listen);
	return r;
}

static int
get_smem(struct buf *b, struct figures *f)
{
	int	 r;

	if ((r = buf_get_u8(b, &f->smem_backing)) != 0 ||
	    (r = buf_get_u64(b, &f->smem_size)) != 0 ||
	    (r = buf_get_u64(b, &f->smem_used)) != 0 ||
	    (r = buf_get_u64(b, &f->smem_peak)) != 0 ||
	    (r = buf_get_u64(b, &f->smem_refused)) != 0 ||
	    (r = buf_get_u64(b, &f->smem_overflowed)) != 0 ||
	    (r = buf_get_cstring(b, &f->smem_why, FIG_SMEM_WHY_MAX)) != 0)
		return r;
	/* The label's value is a name. */
	return f->smem_backing > SECRET_BACKING_MEMFD ? ERR_FORMAT : 0;
}

static int
get_pool(struct buf *b, struct figures *f)
{
	char		*name = NULL;
	uint32_t	 n, i, idle, target;
	size_t		 j;
	int		 r;

	if ((r = buf_get_u32(b, &f->pool_min_idle)) != 0 ||
	    (r = buf_get_u32(b, &f->pool_max_idle)) != 0 ||
	    (r = buf_get_u8(b, &f->pool_state)) != 0 ||
	    (r = buf_get_u64(b, &f->pool_hits)) != 0 ||
	    (r = buf_get_u64(b, &f->pool_misses)) != 0 ||
	    (r = buf_get_u64(b, &f->pool_spawned)) != 0 ||
	    (r = buf_get_u64(b, &f->pool_died)) != 0 ||
	    (r = buf_get_u32(b, &n)) != 0)
		return r;
	if (f->pool_state >= FIG_POOL_NSTATES)
		return ERR_FORMAT;
	if (n > FIG_POOL_KINDS_MAX)
		return ERR_TOOBIG;
	for (i = 0; i < n; i++) {
		if ((r = buf_get_cstring(b, &name, FIG_KIND_MAX)) != 0)
			return r;
		if ((r = buf_get_u32(b, &idle)) == 0)
			r = buf_get_u32(b, &target);
		/* One series per kind, as for the services. */
		for (j = 0; r == 0 && j < f->npool_kinds; j++)
			if (strcmp(f->pool_kinds[j].name, name) == 0)
				r = ERR_FORMAT;
		if (r == 0 && name[0] == '\0')
			r = ERR_FORMAT;
		if (r == 0 && fig_add_pool_kind(f, name, idle, target) == NULL)
			r = ERR_NOMEM;
		free(name);
		name = NULL;
		if (r != 0)
			return r;
	}
	return 0;
}

static int
get_providers(struct buf *b, struct figures *f)
{
	struct fig_provider	*p;
	char			*name = NULL;
	uint32_t		 n, i;
	size_t			 j, k;
	int			 r;

	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > FIG_PROVIDERS_MAX)
		return ERR_TOOBIG;
	for (i = 0; i < n; i++) {
		if ((r = buf_get_cstring(b, &name, FIG_NAME_MAX)) != 0)
			return r;
		/* One series per name, as for the services. */
		for (j = 0; j < f->nproviders; j++)
			if (strcmp(f->providers[j].name, name) == 0)
				r = ERR_FORMAT;
		if (r == 0 && name[0] == '\0')
			r = ERR_FORMAT;
		if (r == 0 && (p = fig_add_provider(f, name)) == NULL)
			r = ERR_NOMEM;
		free(name);
		name = NULL;
		for (k = 0; r == 0 && k < FIG_NOUTCOMES; k++)
			r = buf_get_u64(b, &p->outcome[k]);
		if (r != 0)
			return r;
	}
	return 0;
}

int
fig_decode(struct buf *b, struct figures *f)
{
	uint32_t	 n, i;
	size_t		 j;
	int		 r;

	fig_init(f);
	if ((r = buf_get_u64(b, &f->start_time)) != 0 ||
	    (r = buf_get_cstring(b, &f->version, FIG_VERSION_MAX)) != 0 ||
	    (r = get_flag(b, &f->ready)) != 0 ||
	    (r = get_flag(b, &f->draining)) != 0 ||
	    (r = buf_get_u32(b, &f->workers)) != 0 ||
	    (r = buf_get_u32(b, &f->max_workers)) != 0 ||
	    (r = buf_get_u32(b, &f->health_workers)) != 0 ||
	    (r = buf_get_u32(b, &f->max_health_workers)) != 0 ||
	    (r = get_smem(b, f)) != 0 ||
	    (r = get_pool(b, f)) != 0 ||
	    (r = get_providers(b, f)) != 0 ||
	    (r = buf_get_u32(b, &f->omitted)) != 0 ||
	    (r = buf_get_u32(b, &n)) != 0)
		goto bad;
	if (n > FIG_SERVICES_MAX) {
		r = ERR_TOOBIG;
		goto bad;
	}
	for (i = 0; i < n; i++)
		if ((r = get_service(b, f)) != 0)
			goto bad;
	/* Names label the series: one series per name. */
	for (i = 0; i < f->nservices; i++)
		for (j = i + 1; j < f->nservices; j++)
			if (strcmp(f->services[i].name,
			    f->services[j].name) == 0) {
				r = ERR_FORMAT;
				goto bad;
			}
	if ((r = buf_expect_end(b)) != 0)
		goto bad;
	return 0;
 bad:
	fig_free(f);
	return r;
}
