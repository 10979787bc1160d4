/*
 * The figures as text, in the sandboxed worker: the Prometheus text
 * exposition format 0.0.4 for /metrics, and JSON for ?full=1.  Service
 * names come from the configuration and may hold any printable character,
 * so every one is escaped for where it goes: label values as the
 * exposition format says (backslash, double quote, line feed), JSON
 * strings as RFC 8259 section 7 says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "figures.h"
#include "health.h"
#include "logfmt.h"
#include "msg.h"
#include "secret.h"
#include "util.h"

static int
put_str(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

static int __attribute__((format(printf, 2, 3)))
put_fmt(struct buf *b, const char *fmt, ...)
{
	char	 tmp[128];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ERR_INVAL;
	return buf_put(b, tmp, (size_t)n);
}

int
hfmt_label(struct buf *b, const char *v)
{
	int	 r = 0;

	for (; *v != '\0' && r == 0; v++) {
		if (*v == '\\')
			r = put_str(b, "\\\\");
		else if (*v == '"')
			r = put_str(b, "\\\"");
		else if (*v == '\n')
			r = put_str(b, "\\n");
		else
			r = buf_put_u8(b, (uint8_t)*v);
	}
	return r;
}

int
hfmt_json_string(struct buf *b, const char *s)
{
	size_t	 len = strlen(s), size, n;
	char	*tmp;
	int	 cut, r;

	/*
	 * The log's escaper: the same JSON, invalid UTF-8 included.  No
	 * string of the figures is longer than the channel's strings.
	 */
	if (len > MSG_MAX_STRING)
		return ERR_TOOBIG;
	size = len * 6 + 3;
	if ((tmp = malloc(size)) == NULL)
		return ERR_NOMEM;
	n = logfmt_json_string(tmp, size, s, len, &cut);
	r = cut ? ERR_TOOBIG : buf_put(b, tmp, n);
	free(tmp);
	return r;
}

/* Microseconds as seconds, exactly. */
static int
put_seconds(struct buf *b, uint64_t us)
{
	return put_fmt(b, "%llu.%06llu", (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
}

static int
family(struct buf *b, const char *name, const char *type, const char *help)
{
	return put_fmt(b, "# HELP %s ", name) ||
	    put_str(b, help) || put_fmt(b, "\n# TYPE %s %s\n", name, type) ?
	    ERR_TOOBIG : 0;
}

/*
 * name{what="...",key="val"} (either may be NULL), without the value;
 * what is "service" but for the providers' series.
 */
static int
series_of(struct buf *b, const char *name, const char *what,
    const char *service, const char *key, const char *val)
{
	if (put_str(b, name) != 0)
		return ERR_TOOBIG;
	if (service == NULL && key == NULL)
		return buf_put_u8(b, ' ');
	if (put_str(b, "{") != 0)
		return ERR_TOOBIG;
	if (service != NULL && (put_fmt(b, "%s=\"", what) != 0 ||
	    hfmt_label(b, service) != 0 || put_str(b, "\"") != 0))
		return ERR_TOOBIG;
	if (key != NULL && (put_fmt(b, "%s%s=\"", service != NULL ? "," : "",
	    key) != 0 || hfmt_label(b, val) != 0 || put_str(b, "\"") != 0))
		return ERR_TOOBIG;
	return put_str(b, "} ");
}

static int
series(struct buf *b, const char *name, const char *service,
    const char *key, const char *val)
{
	return series_of(b, name, "service", service, key, val);
}

static int
sample(struct buf *b, const char *name, const char *service,
    const char *key, const char *val, uint64_t v)
{
	if (series(b, name, service, key, val) != 0)
		return ERR_TOOBIG;
	return put_fmt(b, "%llu\n", (unsigned long long)v);
}

/* A per-service counter or gauge: one family, one sample per service. */
static int
per_service(struct buf *b, const struct figures *f, const char *name,
    const char *type, const char *help, size_t field_off, int width)
{
	const struct fig_service	*s;
	const unsigned char		*p;
	uint64_t			 v;
	size_t				 i;
	uint32_t			 v32;

	if (family(b, name, type, help) != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		p = (const unsigned char *)s + field_off;
		if (width == 4) {
			memcpy(&v32, p, sizeof(v32));
			v = v32;
		} else
			memcpy(&v, p, sizeof(v));
		if (sample(b, name, s->name, NULL, NULL, v) != 0)
			return ERR_TOOBIG;
	}
	return 0;
}

/* Prometheus histograms: cumulative buckets, +Inf equal to _count. */
static int
histogram(struct buf *b, const struct figures *f, const char *name,
    const char *help, int provider)
{
	const struct fig_service	*s;
	const struct fig_hist		*h;
	char				 le[32], bucket[96], sum[96], count[96];
	uint64_t			 cum;
	size_t				 i, k;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	snprintf(sum, sizeof(sum), "%s_sum", name);
	snprintf(count, sizeof(count), "%s_count", name);
	if (family(b, name, "histogram", help) != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		h = provider ? &s->provider : &s->handshake;
		cum = 0;
		for (k = 0; k <= FIG_NBUCKETS; k++) {
			cum += h->buckets[k];
			if (k < FIG_NBUCKETS)
				snprintf(le, sizeof(le), "%g",
				    fig_bucket_us[k] / 1e6);
			else
				snprintf(le, sizeof(le), "+Inf");
			if (sample(b, bucket, s->name, "le", le, cum) != 0)
				return ERR_TOOBIG;
		}
		if (series(b, sum, s->name, NULL, NULL) != 0 ||
		    put_seconds(b, h->sum_us) != 0 || put_str(b, "\n") != 0 ||
		    sample(b, count, s->name, NULL, NULL, cum) != 0)
			return ERR_TOOBIG;
	}
	return 0;
}

static int
globals(struct buf *b, const struct figures *f)
{
	static const struct {
		const char	*name;
		const char	*help;
		size_t		 off;
		int		 width;
	} g[] = {
		{ "airlock_ready", "1 when every listener is bound and "
		    "airlockd is not draining.",
		    offsetof(struct figures, ready), 1 },
		{ "airlock_draining", "1 after SIGTERM, while connections "
		    "finish.", offsetof(struct figures, draining), 1 },
		{ "airlock_workers", "Workers of connections, health workers "
		    "included (the pool's idle ones are "
		    "airlock_worker_pool_idle).", offsetof(struct figures,
		    workers), 4 },
		{ "airlock_workers_max", "maxWorkers.",
		    offsetof(struct figures, max_workers), 4 },
		{ "airlock_health_workers", "Workers serving the health "
		    "endpoint.", offsetof(struct figures, health_workers), 4 },
		{ "airlock_health_workers_max", "Concurrent health workers "
		    "at most.", offsetof(struct figures, max_health_workers),
		    4 },
		{ "airlock_metrics_services_omitted", "Services left out of "
		    "this page: their figures did not fit in one message.",
		    offsetof(struct figures, omitted), 4 },
	};
	const unsigned char	*p;
	uint32_t		 v32;
	uint64_t		 v;
	size_t			 i;

	if (family(b, "airlock_build_info", "gauge", "airlockd's version.") ||
	    sample(b, "airlock_build_info", NULL, "version", f->version, 1) ||
	    family(b, "airlock_start_time_seconds", "gauge", "When airlockd "
	    "started, in seconds since the Unix epoch.") ||
	    sample(b, "airlock_start_time_seconds", NULL, NULL, NULL,
	    f->start_time))
		return ERR_TOOBIG;
	for (i = 0; i < nitems(g); i++) {
		p = (const unsigned char *)f + g[i].off;
		if (g[i].width == 1)
			v = *p;
		else {
			memcpy(&v32, p, sizeof(v32));
			v = v32;
		}
		if (family(b, g[i].name, "gauge", g[i].help) != 0 ||
		    sample(b, g[i].name, NULL, NULL, NULL, v) != 0)
			return ERR_TOOBIG;
	}
	return 0;
}

#define SVC_FIELD(f)	offsetof(struct fig_service, f)

/* A counter without labels, for the tables below. */
struct counter {
	const char	*name;
	const char	*help;
	uint64_t	 v;
};

static int
counters(struct buf *b, const struct counter *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (family(b, c[i].name, "counter", c[i].help) != 0 ||
		    sample(b, c[i].name, NULL, NULL, NULL, c[i].v) != 0)
			return ERR_TOOBIG;
	return 0;
}

/* The pool of idle workers (monitor/pool.c). */
static int
pool_metrics(struct buf *b, const struct figures *f)
{
	const struct counter c[] = {
		{ "airlock_worker_pool_hits_total", "Client connections given "
		    "an idle worker of the pool.", f->pool_hits },
		{ "airlock_worker_pool_misses_total", "Client connections that "
		    "found no idle worker of their kind and had one started "
		    "for them.", f->pool_misses },
		{ "airlock_worker_pool_spawned_total", "Idle workers started by "
		    "the pool.", f->pool_spawned },
		{ "airlock_worker_pool_died_total", "Idle workers that ended "
		    "before a client came (not those the pool retired).",
		    f->pool_died },
	};
	size_t	 i;

	if (family(b, "airlock_worker_pool_idle", "gauge", "Idle workers, "
	    "started and sandboxed ahead of clients, by kind.") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->npool_kinds; i++)
		if (series_of(b, "airlock_worker_pool_idle", "kind",
		    f->pool_kinds[i].name, NULL, NULL) != 0 ||
		    put_fmt(b, "%u\n", f->pool_kinds[i].idle) != 0)
			return ERR_TOOBIG;
	return counters(b, c, nitems(c));
}

/* Where airlockd keeps its secrets (monitor/smem.c). */
static int
smem_metrics(struct buf *b, const struct figures *f)
{
	const struct counter c[] = {
		{ "airlock_secret_memory_refused_total", "Secrets that the "
		    "memfd_secret arena could not hold, refused "
		    "(secretMemory: memfd_secret) or overflowed.",
		    f->smem_refused },
		{ "airlock_secret_memory_overflowed_total", "Of those, the "
		    "secrets kept in libsodium guarded memory instead "
		    "(secretMemory: auto).", f->smem_overflowed },
	};

	if (family(b, "airlock_secret_memory_info", "gauge", "Where "
	    "airlockd keeps its secrets: memfd_secret (out of the kernel's "
	    "direct map) or libsodium (guarded memory).") != 0 ||
	    sample(b, "airlock_secret_memory_info", NULL, "backing",
	    secret_backing_name(f->smem_backing), 1) != 0 ||
	    family(b, "airlock_secret_memory_bytes", "gauge", "The "
	    "memfd_secret arena: its size, the bytes in use and the most "
	    "ever in use (all 0 without it).") != 0 ||
	    sample(b, "airlock_secret_memory_bytes", NULL, "kind", "size",
	    f->smem_size) != 0 ||
	    sample(b, "airlock_secret_memory_bytes", NULL, "kind", "used",
	    f->smem_used) != 0 ||
	    sample(b, "airlock_secret_memory_bytes", NULL, "kind", "peak",
	    f->smem_peak) != 0)
		return ERR_TOOBIG;
	return counters(b, c, nitems(c));
}

static int
json_pool(struct buf *b, const struct figures *f)
{
	size_t	 i;

	if (put_fmt(b, "\"pool\":{\"state\":\"%s\",\"minIdle\":%u,"
	    "\"maxIdle\":%u,", f->pool_state < FIG_POOL_NSTATES ?
	    fig_pool_state_names[f->pool_state] : "?", f->pool_min_idle,
	    f->pool_max_idle) != 0 ||
	    put_fmt(b, "\"hits\":%llu,\"misses\":%llu,",
	    (unsigned long long)f->pool_hits,
	    (unsigned long long)f->pool_misses) != 0 ||
	    put_fmt(b, "\"spawned\":%llu,\"died\":%llu,\"kinds\":{",
	    (unsigned long long)f->pool_spawned,
	    (unsigned long long)f->pool_died) != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->npool_kinds; i++)
		if ((i > 0 && put_str(b, ",") != 0) ||
		    hfmt_json_string(b, f->pool_kinds[i].name) != 0 ||
		    put_fmt(b, ":{\"idle\":%u,\"target\":%u}",
		    f->pool_kinds[i].idle, f->pool_kinds[i].target) != 0)
			return ERR_TOOBIG;
	return put_str(b, "}},");
}

int
hfmt_metrics(struct buf *b, const struct figures *f)
{
	const struct fig_service	*s;
	size_t				 i, k;

	if (globals(b, f) != 0 ||
	    family(b, "airlock_service_listening", "gauge", "1 when the "
	    "service's listener is bound (configured services only).") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++)
		if (f->services[i].configured &&
		    sample(b, "airlock_service_listening",
		    f->services[i].name, NULL, NULL,
		    f->services[i].listening) != 0)
			return ERR_TOOBIG;
	if (per_service(b, f, "airlock_connections_accepted_total", "counter",
	    "Client connections accepted.", SVC_FIELD(accepted), 8) != 0 ||
	    per_service(b, f, "airlock_connections_active", "gauge",
	    "Client connections with a worker now.", SVC_FIELD(active),
	    4) != 0)
		return ERR_TOOBIG;
	if (family(b, "airlock_connections_failed_total", "counter",
	    "Client connections that ended before they were relayed, "
	    "by the first reason.") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++)
		for (k = 0; k < FIG_NREASONS; k++)
			if (sample(b, "airlock_connections_failed_total",
			    f->services[i].name, "reason",
			    fig_reason_names[k], f->services[i].failed[k]) != 0)
				return ERR_TOOBIG;
	if (family(b, "airlock_relayed_bytes_total", "counter", "Bytes "
	    "relayed, counted when a connection closes.") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		if (sample(b, "airlock_relayed_bytes_total", s->name,
		    "direction", "client_to_backend", s->bytes_c2b) != 0 ||
		    sample(b, "airlock_relayed_bytes_total", s->name,
		    "direction", "backend_to_client", s->bytes_b2c) != 0)
			return ERR_TOOBIG;
	}
	if (family(b, "airlock_workers_killed_total", "counter", "Workers "
	    "killed by their seccomp sandbox (SIGSYS) or by the "
	    "monitor.") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		if (sample(b, "airlock_workers_killed_total", s->name, "by",
		    "sandbox", s->killed_sandbox) != 0 ||
		    sample(b, "airlock_workers_killed_total", s->name, "by",
		    "monitor", s->killed_monitor) != 0)
			return ERR_TOOBIG;
	}
	if (family(b, "airlock_http_requests_total", "counter", "Requests "
	    "of the HTTP connectors, routed to the service whose pattern "
	    "matched, or refused (no match, plain http, a refused "
	    "upstream address, the credentials).") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		if (sample(b, "airlock_http_requests_total", s->name,
		    "outcome", "routed", s->http_routed) != 0 ||
		    sample(b, "airlock_http_requests_total", s->name,
		    "outcome", "refused", s->http_refused) != 0)
			return ERR_TOOBIG;
	}
	if (family(b, "airlock_client_tls_total", "counter", "Client "
	    "connections to services with clientTLS, by how their TLS "
	    "ended: accepted (ok), or refused and why.") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++)
		for (k = 0; k < CTLS_OUTCOME_MAX; k++)
			if (sample(b, "airlock_client_tls_total",
			    f->services[i].name, "outcome",
			    ctls_outcome_name(k),
			    f->services[i].client_tls[k]) != 0)
				return ERR_TOOBIG;
	if (per_service(b, f, "airlock_backend_reuse_total", "counter",
	    "Clients given an idle authenticated backend (poolMode "
	    "session).", SVC_FIELD(backend_reused), 8) != 0 ||
	    per_service(b, f, "airlock_backend_reuse_fallbacks_total",
	    "counter", "Of those, the idle backends that the client's worker "
	    "found unfit (closed, or its reset answered otherwise) and "
	    "replaced with a new login.", SVC_FIELD(backend_fallbacks),
	    8) != 0 ||
	    per_service(b, f, "airlock_backend_idle", "gauge",
	    "Authenticated backends kept idle for the next client.",
	    SVC_FIELD(backend_idle), 4) != 0)
		return ERR_TOOBIG;
	if (family(b, "airlock_provider_requests_total", "counter",
	    "Credential look-ups by provider and outcome (a request of a "
	    "connection for all of a service's references to one provider), "
	    "and the cache hits that stood in for one "
	    "(credentialCacheTTL).") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nproviders; i++)
		for (k = 0; k < FIG_NOUTCOMES; k++)
			if (series_of(b, "airlock_provider_requests_total",
			    "provider", f->providers[i].name, "outcome",
			    fig_outcome_names[k]) != 0 || put_fmt(b, "%llu\n",
			    (unsigned long long)f->providers[i].outcome[k]) !=
			    0)
				return ERR_TOOBIG;
	if (pool_metrics(b, f) != 0 || smem_metrics(b, f) != 0)
		return ERR_TOOBIG;
	if (histogram(b, f, "airlock_handshake_duration_seconds", "From "
	    "accept to an authenticated backend connection.", 0) != 0 ||
	    histogram(b, f, "airlock_provider_duration_seconds", "Fetching "
	    "a connection's credentials from their providers.", 1) != 0)
		return ERR_TOOBIG;
	return 0;
}

static int
json_kv_str(struct buf *b, const char *key, const char *val, int comma)
{
	if ((comma && put_str(b, ",") != 0) ||
	    hfmt_json_string(b, key) != 0 || put_str(b, ":") != 0)
		return ERR_TOOBIG;
	return hfmt_json_string(b, val);
}

static int
json_checks(struct buf *b, const struct figures *f, int ready)
{
	const struct fig_service	*s;
	char				 key[FIG_NAME_MAX + 16];
	size_t				 i;

	if (!ready)
		return json_kv_str(b, "monitor", "OK", 0);
	if (json_kv_str(b, "configuration", "OK", 0) != 0 ||
	    json_kv_str(b, "draining", f->draining ? "airlockd is draining" :
	    "OK", 1) != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		if (!s->configured)
			continue;
		snprintf(key, sizeof(key), "listener:%s", s->name);
		if (json_kv_str(b, key, s->listening ? "OK" :
		    "not listening", 1) != 0)
			return ERR_TOOBIG;
	}
	return 0;
}

static int
json_smem(struct buf *b, const struct figures *f)
{
	if (put_fmt(b, "\"secretMemory\":{\"backing\":\"%s\",",
	    secret_backing_name(f->smem_backing)) != 0 ||
	    put_fmt(b, "\"size\":%llu,\"used\":%llu,\"peak\":%llu,",
	    (unsigned long long)f->smem_size,
	    (unsigned long long)f->smem_used,
	    (unsigned long long)f->smem_peak) != 0 ||
	    put_fmt(b, "\"refused\":%llu,\"overflowed\":%llu",
	    (unsigned long long)f->smem_refused,
	    (unsigned long long)f->smem_overflowed) != 0)
		return ERR_TOOBIG;
	if (f->smem_why != NULL && f->smem_why[0] != '\0' &&
	    (put_str(b, ",") != 0 ||
	    json_kv_str(b, "fallback", f->smem_why, 0) != 0))
		return ERR_TOOBIG;
	return put_str(b, "},");
}

int
hfmt_json(struct buf *b, const struct figures *f, int ready)
{
	const struct fig_service	*s;
	size_t				 i;
	int				 first = 1;

	if (put_fmt(b, "{\"status\":\"%s\",\"checks\":{",
	    !ready || f->ready ? "ok" : "unavailable") != 0 ||
	    json_checks(b, f, ready) != 0 ||
	    put_str(b, "},\"version\":") != 0 ||
	    hfmt_json_string(b, f->version) != 0 ||
	    put_fmt(b, ",\"startTime\":%llu,\"ready\":%s,\"draining\":%s,",
	    (unsigned long long)f->start_time, f->ready ? "true" : "false",
	    f->draining ? "true" : "false") != 0 ||
	    put_fmt(b, "\"workers\":{\"active\":%u,\"max\":%u,", f->workers,
	    f->max_workers) != 0 ||
	    put_fmt(b, "\"health\":%u,\"healthMax\":%u},",
	    f->health_workers, f->max_health_workers) != 0 ||
	    json_pool(b, f) != 0 || json_smem(b, f) != 0 ||
	    put_str(b, "\"services\":{") != 0)
		return ERR_TOOBIG;
	for (i = 0; i < f->nservices; i++) {
		s = &f->services[i];
		if (!s->configured)
			continue;
		if ((!first && put_str(b, ",") != 0) ||
		    hfmt_json_string(b, s->name) != 0 ||
		    put_str(b, ":{") != 0 ||
		    json_kv_str(b, "listenOn", s->listen, 0) != 0 ||
		    put_fmt(b, ",\"listening\":%s,\"active\":%u,"
		    "\"accepted\":%llu}", s->listening ? "true" : "false",
		    s->active, (unsigned long long)s->accepted) != 0)
			return ERR_TOOBIG;
		first = 0;
	}
	return put_fmt(b, "},\"servicesOmitted\":%u}\n", f->omitted);
}
