/*
 * The figures behind /live, /ready and /metrics, as the monitor hands them
 * to a health worker (the answer to MSG_HEALTH).  The monitor counts
 * (monitor/metrics.c) and encodes; the sandboxed worker decodes, checking
 * every field as it would a peer's, and formats the Prometheus text and the
 * JSON (worker/healthfmt.c).  The monitor never formats text for the
 * network.
 *
 * Encoding (buf.h integers, big-endian; "string" is u32 length + bytes):
 *
 *   u64 start time (seconds since the epoch), string version,
 *   u8 ready, u8 draining, u32 workers, u32 maxWorkers,
 *   u32 health workers, u32 their maximum,
 *   secret memory (monitor/smem.c): u8 backing (enum secret_backing),
 *	u64 size, u64 used, u64 peak, u64 refused, u64 overflowed,
 *	string why the arena is not used ("" when it is, or not asked for),
 *   the pool (monitor/pool.c): u32 workerPoolMinIdle, u32 workerPoolMaxIdle,
 *	u8 state (FIG_POOL_*), u64 hits, u64 misses, u64 spawned, u64 died,
 *	u32 k (at most FIG_POOL_KINDS_MAX), then k times: string kind,
 *	u32 idle, u32 target;
 *   u32 p (at most FIG_PROVIDERS_MAX), then p times: string provider,
 *	FIG_NOUTCOMES x u64 look-ups by outcome;
 *   u32 services omitted, u32 n, then n times:
 *	string name, string listenOn ("" once no longer configured),
 *	u8 configured, u8 listening, u32 active, u64 accepted,
 *	FIG_NREASONS x u64 failed, u64 bytes client->backend,
 *	u64 bytes backend->client, u64 killed by the sandbox,
 *	u64 killed by the monitor, u64 HTTP requests routed, u64 HTTP
 *	requests refused, u64 backends reused, u64 reuse fallbacks,
 *	u32 idle backends, then
 *	two histograms (handshake, provider):
 *	(FIG_NBUCKETS + 1) x u64 count per bucket, the last one +Inf (not
 *	cumulative), u64 sum in microseconds.
 *
 * Services are encoded in the order given (the configured ones first)
 * until the next would overflow the message; those left out are counted
 * in "omitted", which the worker reports rather than hiding.  Readiness is
 * decided by the monitor over every service, so it never depends on what
 * fitted.  A service takes 300 to 700 bytes: over a hundred fit in
 * MSG_MAX_PAYLOAD.
 *
 * MSG_HEALTH, the health listener's connector's one request:
 *			W->M  (empty); M->W  the figures (fig_encode)
 */
#ifndef AIRLOCK_FIGURES_H
#define AIRLOCK_FIGURES_H

#include "ctls.h"
#include "msg.h"

#define MSG_HEALTH	(MSG_CONNECTOR_BASE + 0)

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Finite upper bounds of the latency histograms; +Inf is one more. */
#define FIG_NBUCKETS		12
extern const uint64_t	 fig_bucket_us[FIG_NBUCKETS];

#define FIG_NAME_MAX		256	/* service name, as decoded */
#define FIG_LISTEN_MAX		512	/* listenOn, as decoded */
#define FIG_VERSION_MAX		64
#define FIG_SERVICES_MAX	4096

/* Why a connection ended before it was relayed (label "reason"). */
enum fig_reason {
	FIG_REFUSED = 0,	/* maxStartups, or draining */
	FIG_SPAWN,		/* no worker could be started */
	FIG_PROVIDER,		/* credentials could not be fetched */
	FIG_DIAL,		/* the backend could not be reached */
	FIG_AUTH,		/* the backend refused the credentials */
	FIG_TIMEOUT,		/* handshake deadline */
	FIG_SANDBOX,		/* the worker died of SIGSYS */
	FIG_KILLED,		/* the monitor ended the worker */
	FIG_CRASHED,		/* the worker died of another signal */
	FIG_CLIENT,		/* the client left or spoke nonsense */
	FIG_NREASONS
};
extern const char *const fig_reason_names[FIG_NREASONS];

/*
 * How a provider's look-up ended (label "outcome"): counted per request
 * in providers/provider.c, cache hits in monitor/creds.c.
 */
enum fig_outcome {
	FIG_P_OK = 0,
	FIG_P_ERROR,		/* any other failure */
	FIG_P_TIMEOUT,		/* the deadline, or the provider's own */
	FIG_P_DENIED,		/* refused: 401, 403, a permission */
	FIG_P_NOTFOUND,		/* no such secret, key or field */
	FIG_P_CACHE_HIT,	/* credentialCacheTTL answered instead */
	FIG_NOUTCOMES
};
extern const char *const fig_outcome_names[FIG_NOUTCOMES];
#define FIG_PROVIDERS_MAX	32

struct fig_provider {
	char		*name;
	uint64_t	 outcome[FIG_NOUTCOMES];
};

struct fig_hist {
	uint64_t	 buckets[FIG_NBUCKETS + 1];	/* not cumulative */
	uint64_t	 sum_us;
};

struct fig_service {
	char		*name;
	char		*listen;
	uint8_t		 configured;
	uint8_t		 listening;
	uint32_t	 active;
	uint64_t	 accepted;
	uint64_t	 failed[FIG_NREASONS];
	uint64_t	 bytes_c2b, bytes_b2c;
	uint64_t	 killed_sandbox, killed_monitor;
	/* The HTTP connectors' requests, routed and refused (mon_http.c). */
	uint64_t	 http_routed, http_refused;
	/* How clients' TLS ended (clientTLS), by enum ctls_outcome. */
	uint64_t	 client_tls[CTLS_OUTCOME_MAX];
	/* Backend reuse (poolMode session, monitor/backpool.c). */
	uint64_t	 backend_reused;
	uint64_t	 backend_fallbacks;	/* taken, found unfit */
	uint32_t	 backend_idle;
	struct fig_hist	 handshake, provider;
};

/* The pool's state: off (MinIdle 0, draining), refilling, paused. */
enum fig_pool_state {
	FIG_POOL_OFF = 0,
	FIG_POOL_OK,
	FIG_POOL_BACKOFF,	/* idle workers died at start: paused */
	FIG_POOL_NSTATES
};
extern const char *const fig_pool_state_names[FIG_POOL_NSTATES];
/* Why airlockd fell back to libsodium, as decoded. */
#define FIG_SMEM_WHY_MAX	512

#define FIG_POOL_KINDS_MAX	8
#define FIG_KIND_MAX		32	/* a kind's name, as decoded */

struct fig_pool_kind {
	char		*name;		/* "main", "main-notls", "ssh", ... */
	uint32_t	 idle, target;
};

struct figures {
	uint64_t	 start_time;
	char		*version;
	uint8_t		 ready, draining;
	uint32_t	 workers, max_workers;
	uint32_t	 health_workers, max_health_workers;
	/* Where airlockd keeps its secrets (include/secret.h's figures). */
	uint8_t		 smem_backing;	/* enum secret_backing */
	uint64_t	 smem_size, smem_used, smem_peak;
	uint64_t	 smem_refused, smem_overflowed;
	char		*smem_why;	/* NULL: none */
	uint32_t	 pool_min_idle, pool_max_idle;
	uint8_t		 pool_state;
	uint64_t	 pool_hits, pool_misses, pool_spawned, pool_died;
	struct fig_pool_kind pool_kinds[FIG_POOL_KINDS_MAX];
	size_t		 npool_kinds;
	uint32_t	 omitted;
	struct fig_service *services;
	size_t		 nservices;
	struct fig_provider *providers;
	size_t		 nproviders;
};

void		 fig_init(struct figures *);
void		 fig_free(struct figures *);
/* Append a zeroed service with these names (copied). */
struct fig_service *fig_add_service(struct figures *, const char *name,
		    const char *listen);
/* Append a provider's counters under this name (copied). */
struct fig_provider *fig_add_provider(struct figures *, const char *name);
/* Append a kind of the pool (its name copied); NULL when full or no memory. */
struct fig_pool_kind *fig_add_pool_kind(struct figures *, const char *name,
		    uint32_t idle, uint32_t target);
void		 fig_hist_observe(struct fig_hist *, uint64_t us);
uint64_t	 fig_hist_count(const struct fig_hist *);
/*
 * Encode into b, at most max bytes in all; services beyond that are left
 * out and counted (in the message's "omitted", and in *omitted).
 */
int		 fig_encode(struct buf *, const struct figures *, size_t max,
		    uint32_t *omitted);
/* Decode a whole payload (buf_expect_end); on error f is left empty. */
int		 fig_decode(struct buf *, struct figures *);

#endif
