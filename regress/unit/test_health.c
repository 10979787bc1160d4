/*
 * The health endpoint's pieces: the figures' encoding (privsep/figures.c),
 * the request parser (worker/httpreq.c), the Prometheus and JSON
 * formatting (worker/healthfmt.c), and the airlock.health setting.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "conftext.h"
#include "errors.h"
#include "figures.h"
#include "health.h"
#include "connector.h"
#include "monitor.h"
#include "msg.h"
#include "secret.h"
#include "test.h"
#include "util.h"

/* One service with a little of everything. */
static void
sample_figures(struct figures *f, const char *name)
{
	struct fig_service	*s;
	struct fig_provider	*p;

	fig_init(f);
	f->start_time = 1700000000;
	f->version = strdup("9.9.9");
	f->ready = 1;
	f->workers = 3;
	f->max_workers = 1000;
	f->health_workers = 1;
	f->max_health_workers = 8;
	s = fig_add_service(f, name, "tcp://127.0.0.1:5432");
	s->configured = 1;
	s->listening = 1;
	s->active = 2;
	s->accepted = 7;
	s->failed[FIG_DIAL] = 4;
	s->bytes_c2b = 100;
	s->bytes_b2c = 2000;
	s->killed_sandbox = 1;
	s->http_routed = 11;
	s->http_refused = 5;
	s->backend_reused = 13;
	s->backend_fallbacks = 3;
	s->backend_idle = 2;
	fig_hist_observe(&s->handshake, 3000);		/* 0.005 */
	fig_hist_observe(&s->handshake, 20000);		/* 0.025 */
	fig_hist_observe(&s->handshake, 20000);
	fig_hist_observe(&s->handshake, 60000000);	/* +Inf */
	fig_hist_observe(&s->provider, 1000);
	p = fig_add_provider(f, "vault");
	p->outcome[FIG_P_OK] = 6;
	p->outcome[FIG_P_DENIED] = 2;
	p->outcome[FIG_P_CACHE_HIT] = 9;
	f->pool_min_idle = 4;
	f->pool_max_idle = 32;
	f->pool_state = FIG_POOL_BACKOFF;
	f->pool_hits = 12;
	f->pool_misses = 3;
	f->pool_spawned = 19;
	f->pool_died = 2;
	fig_add_pool_kind(f, "main", 4, 6);
	fig_add_pool_kind(f, "ssh", 1, 4);
	f->smem_backing = SECRET_BACKING_MEMFD;
	f->smem_size = 16 << 20;
	f->smem_used = 4096;
	f->smem_peak = 8192;
	f->smem_refused = 3;
	f->smem_overflowed = 2;
}

/* The header of the figures up to the pool: no pool, then what follows. */
static void
put_head(struct buf *b, int pool)
{
	int	 i;

	CHECK_INT(buf_put_u64(b, 0), 0);
	CHECK_INT(buf_put_cstring(b, "v"), 0);
	CHECK_INT(buf_put_u8(b, 0), 0);
	CHECK_INT(buf_put_u8(b, 0), 0);
	for (i = 0; i < 4; i++)		/* workers ... health maximum */
		CHECK_INT(buf_put_u32(b, 0), 0);
	CHECK_INT(buf_put_u8(b, SECRET_BACKING_SODIUM), 0);
	for (i = 0; i < 5; i++)		/* size ... overflowed */
		CHECK_INT(buf_put_u64(b, 0), 0);
	CHECK_INT(buf_put_cstring(b, ""), 0);
	if (!pool)
		return;
	CHECK_INT(buf_put_u32(b, 4), 0);
	CHECK_INT(buf_put_u32(b, 32), 0);
	CHECK_INT(buf_put_u8(b, FIG_POOL_OK), 0);
	for (i = 0; i < 4; i++)		/* hits, misses, spawned, died */
		CHECK_INT(buf_put_u64(b, 0), 0);
}

/* b's contents as a C string (the test owns the result). */
static char *
text(const struct buf *b)
{
	char	*s;

	if ((s = malloc(buf_len(b) + 1)) == NULL)
		return NULL;
	memcpy(s, buf_ptr(b), buf_len(b));
	s[buf_len(b)] = '\0';
	return s;
}

TEST(health_hist_observe)
{
	struct fig_hist	 h;

	memset(&h, 0, sizeof(h));
	fig_hist_observe(&h, 0);
	fig_hist_observe(&h, 5000);		/* on the bound: le="0.005" */
	fig_hist_observe(&h, 5001);
	fig_hist_observe(&h, 30000000);
	fig_hist_observe(&h, 30000001);
	CHECK_INT(h.buckets[0], 2);
	CHECK_INT(h.buckets[1], 1);
	CHECK_INT(h.buckets[FIG_NBUCKETS - 1], 1);
	CHECK_INT(h.buckets[FIG_NBUCKETS], 1);
	CHECK_INT(fig_hist_count(&h), 5);
	CHECK_INT(h.sum_us, 60010002);
}

TEST(health_figures_roundtrip)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD);
	uint32_t	 omitted;

	REQUIRE(b != NULL);
	sample_figures(&f, "db");
	REQUIRE(fig_add_service(&f, "gone", "") != NULL);
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	CHECK_INT(omitted, 0);
	REQUIRE(fig_decode(b, &g) == 0);
	CHECK_INT(g.start_time, 1700000000);
	CHECK_STR(g.version, "9.9.9");
	CHECK_INT(g.ready, 1);
	CHECK_INT(g.workers, 3);
	CHECK_INT(g.max_health_workers, 8);
	REQUIRE(g.nservices == 2);
	CHECK_STR(g.services[0].name, "db");
	CHECK_STR(g.services[0].listen, "tcp://127.0.0.1:5432");
	CHECK_INT(g.services[0].accepted, 7);
	CHECK_INT(g.services[0].failed[FIG_DIAL], 4);
	CHECK_INT(g.services[0].bytes_b2c, 2000);
	CHECK_INT(g.services[0].killed_sandbox, 1);
	CHECK_INT(g.services[0].http_routed, 11);
	CHECK_INT(g.services[0].http_refused, 5);
	CHECK_INT(g.services[0].backend_reused, 13);
	CHECK_INT(g.services[0].backend_fallbacks, 3);
	CHECK_INT(g.services[0].backend_idle, 2);
	CHECK(memcmp(&g.services[0].handshake, &f.services[0].handshake,
	    sizeof(struct fig_hist)) == 0);
	CHECK_STR(g.services[1].name, "gone");
	CHECK_INT(g.services[1].configured, 0);
	REQUIRE(g.nproviders == 1);
	CHECK_STR(g.providers[0].name, "vault");
	CHECK(memcmp(g.providers[0].outcome, f.providers[0].outcome,
	    sizeof(g.providers[0].outcome)) == 0);
	CHECK_INT(g.pool_min_idle, 4);
	CHECK_INT(g.pool_max_idle, 32);
	CHECK_INT(g.pool_state, FIG_POOL_BACKOFF);
	CHECK_INT(g.pool_hits, 12);
	CHECK_INT(g.pool_misses, 3);
	CHECK_INT(g.pool_spawned, 19);
	CHECK_INT(g.pool_died, 2);
	REQUIRE(g.npool_kinds == 2);
	CHECK_STR(g.pool_kinds[1].name, "ssh");
	CHECK_INT(g.pool_kinds[1].idle, 1);
	CHECK_INT(g.pool_kinds[1].target, 4);
	CHECK_INT(g.smem_backing, SECRET_BACKING_MEMFD);
	CHECK_INT(g.smem_size, 16 << 20);
	CHECK_INT(g.smem_used, 4096);
	CHECK_INT(g.smem_peak, 8192);
	CHECK_INT(g.smem_refused, 3);
	CHECK_INT(g.smem_overflowed, 2);
	CHECK_STR(g.smem_why, "");
	fig_free(&g);
	fig_free(&f);
	buf_free(b);
}

/* Secret memory: a backing without a name is refused; why comes through. */
TEST(health_figures_secret_memory)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD);
	uint32_t	 omitted;

	REQUIRE(b != NULL);
	sample_figures(&f, "db");
	f.smem_backing = SECRET_BACKING_SODIUM;
	REQUIRE((f.smem_why = strdup("Function not implemented")) != NULL);
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	REQUIRE(fig_decode(b, &g) == 0);
	CHECK_INT(g.smem_backing, SECRET_BACKING_SODIUM);
	CHECK_STR(g.smem_why, "Function not implemented");
	fig_free(&g);
	buf_reset(b);
	f.smem_backing = SECRET_BACKING_MEMFD + 1;
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	CHECK_INT(fig_decode(b, &g), ERR_FORMAT);
	fig_free(&f);
	buf_free(b);
}

TEST(health_figures_truncated)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD), v;
	const unsigned char *p;
	unsigned char	*copy;
	size_t		 len, i;
	uint32_t	 omitted;
	int		 bad = 0;

	REQUIRE(b != NULL);
	sample_figures(&f, "db");
	REQUIRE(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted) == 0);
	p = buf_ptr(b);
	len = buf_len(b);
	/* Every proper prefix is refused, and leaves nothing allocated. */
	for (i = 0; i < len; i++) {
		buf_view(&v, p, i);
		if (fig_decode(&v, &g) == 0)
			bad++;
		CHECK(g.nservices == 0 && g.version == NULL);
	}
	CHECK_INT(bad, 0);
	/* So is one byte too many. */
	REQUIRE((copy = malloc(len + 1)) != NULL);
	memcpy(copy, p, len);
	copy[len] = 0;
	buf_view(&v, copy, len + 1);
	CHECK_INT(fig_decode(&v, &g), ERR_FORMAT);
	/* A flag that is neither 0 nor 1 (ready, after u64 and version). */
	buf_view(&v, copy, len);
	copy[8 + 4 + 5] = 2;
	CHECK_INT(fig_decode(&v, &g), ERR_FORMAT);
	free(copy);
	fig_free(&f);
	buf_free(b);
}

TEST(health_figures_oversized)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD), v;
	char		 name[32];
	size_t		 i, n;
	uint32_t	 omitted;

	REQUIRE(b != NULL);
	/* More services than one message holds: the rest are counted. */
	fig_init(&f);
	f.version = strdup("1");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "service-%04zu", i);
		REQUIRE(fig_add_service(&f, name, "tcp://127.0.0.1:1") != NULL);
	}
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	CHECK(buf_len(b) <= MSG_MAX_PAYLOAD);
	CHECK(omitted > 0 && omitted < 1000);
	REQUIRE(fig_decode(b, &g) == 0);
	CHECK_INT(g.omitted, omitted);
	CHECK_INT(g.nservices + omitted, 1000);
	n = g.nservices;
	CHECK(n > 100);		/* the header's promise */
	CHECK_STR(g.services[n - 1].name, f.services[n - 1].name);
	fig_free(&g);

	/* Not even the header fits. */
	buf_reset(b);
	CHECK_INT(fig_encode(b, &f, 16, &omitted), ERR_TOOBIG);
	fig_free(&f);

	/* A count of services beyond the limit is refused at once. */
	buf_reset(b);
	put_head(b, 1);
	for (i = 0; i < 3; i++)		/* no kinds, no providers, omitted */
		CHECK_INT(buf_put_u32(b, 0), 0);
	CHECK_INT(buf_put_u32(b, FIG_SERVICES_MAX + 1), 0);
	buf_view(&v, buf_ptr(b), buf_len(b));
	CHECK_INT(fig_decode(&v, &g), ERR_TOOBIG);

	/* So is a count of providers beyond theirs. */
	buf_reset(b);
	put_head(b, 1);
	CHECK_INT(buf_put_u32(b, 0), 0);
	CHECK_INT(buf_put_u32(b, FIG_PROVIDERS_MAX + 1), 0);
	buf_view(&v, buf_ptr(b), buf_len(b));
	CHECK_INT(fig_decode(&v, &g), ERR_TOOBIG);

	/* And of the pool's kinds beyond theirs. */
	buf_reset(b);
	put_head(b, 1);
	CHECK_INT(buf_put_u32(b, FIG_POOL_KINDS_MAX + 1), 0);
	buf_view(&v, buf_ptr(b), buf_len(b));
	CHECK_INT(fig_decode(&v, &g), ERR_TOOBIG);

	/* A pool state that has no name. */
	buf_reset(b);
	put_head(b, 0);
	CHECK_INT(buf_put_u32(b, 4), 0);
	CHECK_INT(buf_put_u32(b, 32), 0);
	CHECK_INT(buf_put_u8(b, FIG_POOL_NSTATES), 0);
	for (i = 0; i < 4; i++)
		CHECK_INT(buf_put_u64(b, 0), 0);
	for (i = 0; i < 4; i++)
		CHECK_INT(buf_put_u32(b, 0), 0);
	buf_view(&v, buf_ptr(b), buf_len(b));
	CHECK_INT(fig_decode(&v, &g), ERR_FORMAT);

	/* One kind twice. */
	buf_reset(b);
	put_head(b, 1);
	CHECK_INT(buf_put_u32(b, 2), 0);
	for (i = 0; i < 2; i++) {
		CHECK_INT(buf_put_cstring(b, "main"), 0);
		CHECK_INT(buf_put_u32(b, 1), 0);
		CHECK_INT(buf_put_u32(b, 4), 0);
	}
	for (i = 0; i < 3; i++)
		CHECK_INT(buf_put_u32(b, 0), 0);
	buf_view(&v, buf_ptr(b), buf_len(b));
	CHECK_INT(fig_decode(&v, &g), ERR_FORMAT);
	buf_free(b);
}

TEST(health_figures_provider_names)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD);
	uint32_t	 omitted;

	REQUIRE(b != NULL);
	sample_figures(&f, "db");
	REQUIRE(fig_add_provider(&f, "vault") != NULL);
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	CHECK_INT(fig_decode(b, &g), ERR_FORMAT);
	CHECK_INT(g.nproviders, 0);
	fig_free(&f);
	buf_reset(b);
	sample_figures(&f, "db");
	free(f.providers[0].name);
	REQUIRE((f.providers[0].name = strdup("")) != NULL);
	CHECK_INT(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted), 0);
	CHECK_INT(fig_decode(b, &g), ERR_FORMAT);
	fig_free(&f);
	buf_free(b);
}

TEST(health_figures_duplicate_names)
{
	struct figures	 f, g;
	struct buf	*b = buf_new(MSG_MAX_PAYLOAD);
	uint32_t	 omitted;

	REQUIRE(b != NULL);
	sample_figures(&f, "db");
	REQUIRE(fig_add_service(&f, "db", "") != NULL);
	REQUIRE(fig_encode(b, &f, MSG_MAX_PAYLOAD, &omitted) == 0);
	CHECK_INT(fig_decode(b, &g), ERR_FORMAT);
	fig_free(&f);
	buf_free(b);
}

TEST(health_prom_label_escaping)
{
	struct buf	*b = buf_new(0);
	char		*s;

	REQUIRE(b != NULL);
	CHECK_INT(hfmt_label(b, "a\"b\\c\nd\te"), 0);
	s = text(b);
	CHECK_STR(s, "a\\\"b\\\\c\\nd\te");
	free(s);
	buf_free(b);
}

TEST(health_prom_metrics)
{
	struct figures	 f;
	struct buf	*b = buf_new(0);
	char		*s;

	REQUIRE(b != NULL);
	sample_figures(&f, "we\"ird\\db\n");
	CHECK_INT(hfmt_metrics(b, &f), 0);
	s = text(b);
	REQUIRE(s != NULL);
#define HAS(line)	do { if (strstr(s, line "\n") == NULL) { \
	printf("    missing: %s\n", line); CHECK(!"line present"); } } while (0)
	HAS("# TYPE airlock_build_info gauge");
	HAS("airlock_build_info{version=\"9.9.9\"} 1");
	HAS("airlock_start_time_seconds 1700000000");
	HAS("airlock_ready 1");
	HAS("airlock_workers 3");
	HAS("# TYPE airlock_connections_accepted_total counter");
	HAS("airlock_connections_accepted_total{service=\"we\\\"ird\\\\db\\n\"} 7");
	HAS("airlock_connections_failed_total{service=\"we\\\"ird\\\\db\\n\","
	    "reason=\"dial\"} 4");
	HAS("airlock_relayed_bytes_total{service=\"we\\\"ird\\\\db\\n\","
	    "direction=\"backend_to_client\"} 2000");
	HAS("airlock_workers_killed_total{service=\"we\\\"ird\\\\db\\n\","
	    "by=\"sandbox\"} 1");
	HAS("# TYPE airlock_http_requests_total counter");
	HAS("airlock_http_requests_total{service=\"we\\\"ird\\\\db\\n\","
	    "outcome=\"routed\"} 11");
	HAS("airlock_http_requests_total{service=\"we\\\"ird\\\\db\\n\","
	    "outcome=\"refused\"} 5");
	HAS("# TYPE airlock_backend_reuse_total counter");
	HAS("airlock_backend_reuse_total{service=\"we\\\"ird\\\\db\\n\"} 13");
	HAS("# TYPE airlock_backend_reuse_fallbacks_total counter");
	HAS("airlock_backend_reuse_fallbacks_total{service=\"we\\\"ird\\\\db"
	    "\\n\"} 3");
	HAS("# TYPE airlock_backend_idle gauge");
	HAS("airlock_backend_idle{service=\"we\\\"ird\\\\db\\n\"} 2");
	/* Cumulative buckets, +Inf equal to the count. */
	HAS("# TYPE airlock_handshake_duration_seconds histogram");
	HAS("airlock_handshake_duration_seconds_bucket{service=\"we\\\"ird\\\\db"
	    "\\n\",le=\"0.005\"} 1");
	HAS("airlock_handshake_duration_seconds_bucket{service=\"we\\\"ird\\\\db"
	    "\\n\",le=\"0.01\"} 1");
	HAS("airlock_handshake_duration_seconds_bucket{service=\"we\\\"ird\\\\db"
	    "\\n\",le=\"0.025\"} 3");
	HAS("airlock_handshake_duration_seconds_bucket{service=\"we\\\"ird\\\\db"
	    "\\n\",le=\"30\"} 3");
	HAS("airlock_handshake_duration_seconds_bucket{service=\"we\\\"ird\\\\db"
	    "\\n\",le=\"+Inf\"} 4");
	HAS("airlock_handshake_duration_seconds_sum{service=\"we\\\"ird\\\\db"
	    "\\n\"} 60.043000");
	HAS("airlock_handshake_duration_seconds_count{service=\"we\\\"ird\\\\db"
	    "\\n\"} 4");
	HAS("airlock_provider_duration_seconds_count{service=\"we\\\"ird\\\\db"
	    "\\n\"} 1");
	HAS("# TYPE airlock_provider_requests_total counter");
	HAS("airlock_provider_requests_total{provider=\"vault\","
	    "outcome=\"ok\"} 6");
	HAS("airlock_provider_requests_total{provider=\"vault\","
	    "outcome=\"denied\"} 2");
	HAS("airlock_provider_requests_total{provider=\"vault\","
	    "outcome=\"timeout\"} 0");
	HAS("airlock_provider_requests_total{provider=\"vault\","
	    "outcome=\"cache_hit\"} 9");
	HAS("# TYPE airlock_worker_pool_idle gauge");
	HAS("airlock_worker_pool_idle{kind=\"main\"} 4");
	HAS("airlock_worker_pool_idle{kind=\"ssh\"} 1");
	HAS("airlock_worker_pool_hits_total 12");
	HAS("airlock_worker_pool_misses_total 3");
	HAS("airlock_worker_pool_spawned_total 19");
	HAS("airlock_worker_pool_died_total 2");
	HAS("# TYPE airlock_secret_memory_info gauge");
	HAS("airlock_secret_memory_info{backing=\"memfd_secret\"} 1");
	HAS("airlock_secret_memory_bytes{kind=\"size\"} 16777216");
	HAS("airlock_secret_memory_bytes{kind=\"used\"} 4096");
	HAS("airlock_secret_memory_bytes{kind=\"peak\"} 8192");
	HAS("# TYPE airlock_secret_memory_refused_total counter");
	HAS("airlock_secret_memory_refused_total 3");
	HAS("airlock_secret_memory_overflowed_total 2");
#undef HAS
	/* No raw line feed inside a sample: every line is a comment or a sample. */
	CHECK(strstr(s, "db\n\"") == NULL);
	free(s);
	fig_free(&f);
	buf_free(b);
}

/* Names in JSON: escaped as the log escapes them, invalid UTF-8 too. */
TEST(health_json_string)
{
	struct buf	*b = buf_new(0);
	char		*s;

	REQUIRE(b != NULL);
	CHECK_INT(hfmt_json_string(b, "caf\xc3\xa9 \xff\"\n"), 0);
	s = text(b);
	CHECK_STR(s, "\"caf\xc3\xa9 \\ufffd\\\"\\n\"");
	free(s);
	buf_free(b);
}

TEST(health_json)
{
	struct figures	 f;
	struct buf	*b = buf_new(0);
	char		*s;

	REQUIRE(b != NULL);
	sample_figures(&f, "d\"b\x01");
	REQUIRE(fig_add_service(&f, "removed", "") != NULL);
	f.draining = 1;
	f.ready = 0;
	f.services[0].listening = 0;
	CHECK_INT(hfmt_json(b, &f, 1), 0);
	s = text(b);
	CHECK_STR(s, "{\"status\":\"unavailable\",\"checks\":{"
	    "\"configuration\":\"OK\",\"draining\":\"airlockd is draining\","
	    "\"listener:d\\\"b\\u0001\":\"not listening\"},"
	    "\"version\":\"9.9.9\",\"startTime\":1700000000,\"ready\":false,"
	    "\"draining\":true,\"workers\":{\"active\":3,\"max\":1000,"
	    "\"health\":1,\"healthMax\":8},\"pool\":{\"state\":\"backoff\","
	    "\"minIdle\":4,\"maxIdle\":32,\"hits\":12,\"misses\":3,"
	    "\"spawned\":19,\"died\":2,\"kinds\":{\"main\":{\"idle\":4,"
	    "\"target\":6},\"ssh\":{\"idle\":1,\"target\":4}}},"
	    "\"secretMemory\":{\"backing\":\"memfd_secret\","
	    "\"size\":16777216,\"used\":4096,\"peak\":8192,"
	    "\"refused\":3,\"overflowed\":2},"
	    "\"services\":{\"d\\\"b\\u0001\":{"
	    "\"listenOn\":\"tcp://127.0.0.1:5432\",\"listening\":false,"
	    "\"active\":2,\"accepted\":7}},\"servicesOmitted\":0}\n");
	free(s);
	/* /live: the monitor answered, whatever readiness says. */
	buf_reset(b);
	CHECK_INT(hfmt_json(b, &f, 0), 0);
	s = text(b);
	CHECK(strncmp(s, "{\"status\":\"ok\",\"checks\":{\"monitor\":\"OK\"},",
	    40) == 0);
	free(s);
	/* Fallen back: why, escaped as any string. */
	buf_reset(b);
	f.smem_backing = SECRET_BACKING_SODIUM;
	REQUIRE((f.smem_why = strdup("memfd_secret: \"EPERM\"")) != NULL);
	CHECK_INT(hfmt_json(b, &f, 1), 0);
	s = text(b);
	CHECK(strstr(s, "\"secretMemory\":{\"backing\":\"libsodium\","
	    "\"size\":16777216,\"used\":4096,\"peak\":8192,\"refused\":3,"
	    "\"overflowed\":2,\"fallback\":\"memfd_secret: \\\"EPERM\\\"\"},") !=
	    NULL);
	free(s);
	fig_free(&f);
	buf_free(b);
}

/* Feed a whole request; the parser's verdict. */
static int
parse(struct hreq *r, const char *req)
{
	hreq_init(r);
	return hreq_feed(r, req, strlen(req));
}

TEST(health_request_basic)
{
	struct hreq	 r;
	const char	*req = "GET /ready?x=1&full=1 HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t		 i;
	int		 v = ERR_AGAIN;

	CHECK_INT(parse(&r, req), 0);
	CHECK_INT(r.method, HREQ_GET);
	CHECK_STR(r.path, "/ready");
	CHECK_INT(r.full, 1);
	/* One byte at a time: more wanted until the blank line. */
	hreq_init(&r);
	for (i = 0; req[i] != '\0'; i++) {
		v = hreq_feed(&r, req + i, 1);
		if (req[i + 1] != '\0')
			CHECK_INT(v, ERR_AGAIN);
	}
	CHECK_INT(v, 0);
	CHECK_STR(r.path, "/ready");

	CHECK_INT(parse(&r, "HEAD /live HTTP/1.0\r\n\r\n"), 0);
	CHECK_INT(r.method, HREQ_HEAD);
	CHECK_INT(r.full, 0);
	CHECK_INT(parse(&r, "GET /live?full=10&fully=1 HTTP/1.1\r\n\r\n"), 0);
	CHECK_INT(r.full, 0);
	CHECK_INT(parse(&r, "GET /live?full=true HTTP/1.1\r\n\r\n"), 0);
	CHECK_INT(r.full, 1);
	/* Absolute-form (RFC 9112 section 3.2.2). */
	CHECK_INT(parse(&r, "GET http://h:5335/metrics HTTP/1.1\r\n\r\n"), 0);
	CHECK_STR(r.path, "/metrics");
	/* A second, pipelined request is not looked at. */
	CHECK_INT(parse(&r, "GET /live HTTP/1.1\r\n\r\nPOST /x HTTP/1.1\r\n"),
	    0);
	CHECK_STR(r.path, "/live");
	CHECK_INT(hreq_feed(&r, "junk", 4), 0);
	CHECK_INT(parse(&r, "GET /live HTTP/1.1\r\nHost: a\r\n"), ERR_AGAIN);
}

TEST(health_request_methods)
{
	struct hreq	 r;

	CHECK_INT(parse(&r, "POST /live HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
	    "ab"), 0);
	CHECK_INT(r.method, HREQ_OTHER);
	CHECK_INT(parse(&r, "CONNECT h:1 HTTP/1.1\r\n\r\n"), 0);
	CHECK_INT(r.method, HREQ_OTHER);
	CHECK_INT(parse(&r, "DELETE * HTTP/1.1\r\n\r\n"), 0);
	CHECK_INT(r.method, HREQ_OTHER);
	/* Not a method http-parser knows: malformed. */
	CHECK_INT(parse(&r, "FROB /live HTTP/1.1\r\n\r\n"), ERR_FORMAT);
}

TEST(health_request_malformed)
{
	struct hreq	 r;
	char		 nul[] = "GET /li\0ve HTTP/1.1\r\n\r\n";

	CHECK_INT(parse(&r, "junk\r\n\r\n"), ERR_FORMAT);
	CHECK_INT(parse(&r, "GET /live\r\n\r\n"), ERR_FORMAT);
	CHECK_INT(parse(&r, "GET /live HTTP/9.9x\r\n\r\n"), ERR_FORMAT);
	CHECK_INT(parse(&r, "GET /live HTTP/1.1\r\nNo colon\r\n\r\n"),
	    ERR_FORMAT);
	CHECK_INT(parse(&r, "GET /live HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
	    ERR_FORMAT);
	hreq_init(&r);
	CHECK_INT(hreq_feed(&r, nul, sizeof(nul) - 1), ERR_FORMAT);
	/* An error stays an error. */
	CHECK(hreq_feed(&r, "GET / HTTP/1.1\r\n\r\n", 18) != 0);
}

TEST(health_request_limits)
{
	struct hreq	 r;
	char		*big;
	size_t		 n;

	/* A URL of HREQ_MAX_URL bytes is fine; one more is not. */
	REQUIRE((big = malloc(2 * HREQ_MAX_BYTES)) != NULL);
	n = (size_t)snprintf(big, 2 * HREQ_MAX_BYTES, "GET /%0*d HTTP/1.1\r\n\r\n",
	    HREQ_MAX_URL - 1, 0);
	hreq_init(&r);
	CHECK_INT(hreq_feed(&r, big, n), 0);
	n = (size_t)snprintf(big, 2 * HREQ_MAX_BYTES, "GET /%0*d HTTP/1.1\r\n\r\n",
	    HREQ_MAX_URL, 0);
	hreq_init(&r);
	CHECK_INT(hreq_feed(&r, big, n), ERR_TOOBIG);

	/* Headers beyond HREQ_MAX_BYTES, fed whole or in pieces. */
	memcpy(big, "GET /live HTTP/1.1\r\nX: ", 23);
	memset(big + 23, 'a', 2 * HREQ_MAX_BYTES - 23);
	hreq_init(&r);
	CHECK_INT(hreq_feed(&r, big, 2 * HREQ_MAX_BYTES), ERR_TOOBIG);
	hreq_init(&r);
	for (n = 0; n + 1000 <= HREQ_MAX_BYTES; n += 1000)
		CHECK_INT(hreq_feed(&r, big + n, 1000), ERR_AGAIN);
	CHECK_INT(hreq_feed(&r, big + n, 1000), ERR_TOOBIG);

	/* A body that would take the request over the limit. */
	CHECK_INT(parse(&r, "GET /live HTTP/1.1\r\nContent-Length: 100000\r\n"
	    "\r\nab"), ERR_AGAIN);
	memset(big, 'b', HREQ_MAX_BYTES);
	CHECK_INT(hreq_feed(&r, big, HREQ_MAX_BYTES), ERR_TOOBIG);
	free(big);
}

/* airlock.health, in a configuration file. */
static struct config *
load_health(const char *value, char *err, size_t errlen)
{
	char	 text[512];

	snprintf(text, sizeof(text), "version: 2\n%s%s%s"
	    "services:\n  db:\n    connector: pg\n"
	    "    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n",
	    value != NULL ? "airlock:\n  health: " : "",
	    value != NULL ? value : "", value != NULL ? "\n" : "");
	return config_from_text(text, NULL, err, errlen);
}

TEST(health_config)
{
	static const char *const bad[] = {
		"5335", ":5335", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
		"\"[::1]5335\"", "\"[nothost]:5335\"", "::1:5335", "on", "a b:1",
		"127.0.0.1:53x",
	};
	struct config	*cf;
	char		 err[1024];
	size_t		 i;

	cf = load_health(NULL, err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_STR(cf->health_host, "127.0.0.1");
	CHECK_STR(cf->health_port, "5335");
	config_free(cf);
	cf = load_health("off", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK(cf->health == NULL && cf->health_host == NULL);
	config_free(cf);
	cf = load_health("\"[::1]:8080\"", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_STR(cf->health_host, "::1");
	CHECK_STR(cf->health_port, "8080");
	config_free(cf);
	/* Probes come from outside the pod: any address is allowed. */
	cf = load_health("0.0.0.0:5335", err, sizeof(err));
	REQUIRE(cf != NULL);
	CHECK_STR(cf->health_host, "0.0.0.0");
	config_free(cf);
	cf = load_health("localhost:5335", err, sizeof(err));
	CHECK(cf != NULL);
	config_free(cf);
	for (i = 0; i < nitems(bad); i++) {
		cf = load_health(bad[i], err, sizeof(err));
		if (cf != NULL)
			printf("    accepted: %s\n", bad[i]);
		CHECK(cf == NULL);
		if (strstr(err, "airlock.health") == NULL)
			printf("    %s: %s\n", bad[i], err);
		CHECK(strstr(err, "airlock.health") != NULL);
		config_free(cf);
	}
}

/*
 * The dispatch table's rule for health workers, on a stand-in worker whose
 * process is a sleeping child (so that a kill is real and seen): it may
 * ask for the figures once and nothing else, and no other worker may ask
 * for them.
 */
/*
 * airlockd defines the monitor's state in monitor/main.c, which the unit
 * tests do not link.  Weak, so that another test file may define it too.
 */
struct monitor	 mon __attribute__((weak));

static pid_t
sleeper(void)
{
	pid_t	 pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static int
killed_by_sigkill(pid_t pid)
{
	int	 status;

	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

TEST(health_dispatch_rules)
{
	struct worker	 w;
	struct figures	 f;
	struct buf	*empty = buf_new(0), *in = buf_new(MSG_MAX_PAYLOAD + 1),
			*dial = buf_new(0);
	char		 err[1024];
	uint32_t	 type;
	int		 sv[2], fd;

	REQUIRE(empty != NULL && in != NULL && dial != NULL);
	REQUIRE(buf_put_u8(dial, DIAL_SESSION) == 0);
	mon.conf = load_health("off", err, sizeof(err));
	REQUIRE(mon.conf != NULL);

	/* A health worker asks for the figures: answered, once. */
	REQUIRE(msg_channel(sv) == 0);
	memset(&w, 0, sizeof(w));
	REQUIRE(worker_set_connector(&w, &mon_health) == 0);
	w.svc = &health_service;
	w.chan = sv[0];
	w.pid = sleeper();
	dispatch_message(&w, MSG_HEALTH, empty, -1);
	CHECK_INT(w.killed, 0);
	CHECK_INT(w.state, W_DONE);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), 0);
	CHECK_INT(type, MSG_HEALTH);
	REQUIRE(fig_decode(in, &f) == 0);
	CHECK(f.nservices == 1 && strcmp(f.services[0].name, "db") == 0);
	CHECK_INT(f.ready, 0);		/* nothing is bound here */
	fig_free(&f);
	buf_reset(empty);
	dispatch_message(&w, MSG_HEALTH, empty, -1);
	CHECK_INT(w.killed, 1);
	CHECK(killed_by_sigkill(w.pid));
	close(sv[1]);
	free(w.counts);

	/* A health worker asks to dial: killed. */
	memset(&w, 0, sizeof(w));
	REQUIRE(worker_set_connector(&w, &mon_health) == 0);
	w.svc = &health_service;
	w.chan = -1;
	w.pid = sleeper();
	dispatch_message(&w, MSG_DIAL, dial, -1);
	CHECK_INT(w.killed, 1);
	CHECK(killed_by_sigkill(w.pid));
	free(w.counts);

	/*
	 * A client's worker sends the health request's type: it is not one
	 * of pg's (whose own types start at the same number, so it reads as
	 * pg's first, which is not permitted before the handshake): killed.
	 */
	memset(&w, 0, sizeof(w));
	w.svc = &mon.conf->services[0];
	REQUIRE(worker_set_connector(&w,
	    mon_connector_find(w.svc->connector)) == 0);
	w.chan = -1;
	w.pid = sleeper();
	buf_reset(empty);
	dispatch_message(&w, MSG_HEALTH, empty, -1);
	CHECK_INT(w.killed, 1);
	CHECK(killed_by_sigkill(w.pid));
	free(w.counts);

	config_free(mon.conf);
	mon.conf = NULL;
	metrics_free();
	buf_free(empty);
	buf_free(in);
	buf_free(dial);
}

/*
 * The reason a connection's failure is counted under, from how its worker
 * ended: the first reason given wins, a worker's own timeout (its exit
 * status) is a timeout, SIGSYS is the sandbox, any other end is the client.
 */
static uint64_t
failed_of(const char *name, int reason)
{
	struct figures	 f;
	uint64_t	 n = UINT64_MAX;
	size_t		 i;

	memset(&f, 0, sizeof(f));
	if (metrics_snapshot(&f) != 0)
		return n;
	for (i = 0; i < f.nservices; i++)
		if (strcmp(f.services[i].name, name) == 0)
			n = f.services[i].failed[reason];
	fig_free(&f);
	return n;
}

static void
reap_one(int status)
{
	struct worker	 w;

	memset(&w, 0, sizeof(w));
	w.svc = &mon.conf->services[0];
	w.purpose = DIAL_SESSION;
	metrics_spawned(&w);
	metrics_reaped(&w, status);
}

TEST(health_failure_reasons)
{
	struct worker	 w;
	char		 err[1024];

	mon.conf = load_health("off", err, sizeof(err));
	REQUIRE(mon.conf != NULL);

	reap_one(WORKER_EXIT_TIMEOUT << 8);
	CHECK(failed_of("db", FIG_TIMEOUT) == 1);
	CHECK(failed_of("db", FIG_CLIENT) == 0);

	reap_one(WORKER_EXIT_FAILED << 8);
	CHECK(failed_of("db", FIG_CLIENT) == 1);
	CHECK(failed_of("db", FIG_TIMEOUT) == 1);

	reap_one(SIGSYS);
	CHECK(failed_of("db", FIG_SANDBOX) == 1);
	CHECK(failed_of("db", FIG_CLIENT) == 1);

	/* The monitor's deadline came first: one timeout, whatever the exit. */
	memset(&w, 0, sizeof(w));
	w.svc = &mon.conf->services[0];
	w.purpose = DIAL_SESSION;
	metrics_spawned(&w);
	metrics_failed(&w, FIG_TIMEOUT);
	metrics_reaped(&w, WORKER_EXIT_FAILED << 8);
	CHECK(failed_of("db", FIG_TIMEOUT) == 2);
	CHECK(failed_of("db", FIG_CLIENT) == 1);

	config_free(mon.conf);
	mon.conf = NULL;
	metrics_free();
}
