/*
 * The health listener (/live, /ready, /metrics; Secretless Broker serves
 * the first two on port 5335) and the monitor's answer to a health worker.
 *
 * The monitor parses no byte from the network, HTTP included: a health
 * connection is accepted and handed to a sandboxed worker like any client
 * connection.  That worker may ask once for the figures; it gets them
 * encoded (include/figures.h), never as text to send on.  Health workers
 * count toward maxWorkers, and at most HEALTH_MAX_WORKERS run at once:
 * beyond that, probes wait in the listen backlog, so that a flood of them
 * cannot use up the processes that clients need.  So that idle
 * connections cannot hold those few either, a health worker has
 * HEALTH_REQUEST_MS for its request and HEALTH_ANSWER_MS for its answer
 * (include/msg.h), and one that outlives them, as only a compromised one
 * would, is killed.  The listener stays open while draining, so that
 * /ready can say 503.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "connector.h"
#include "errors.h"
#include "figures.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "util.h"

/* What a health worker's label and assignment say; it has no service. */
const struct service health_service = {
	.name = "airlock-health",
	.connector = "health",
	.listen = "health",
};

static int		 health_fd = -1;
static struct event	*ev_accept;
static struct event	*ev_resume;
static int		 paused;

static int
at_capacity(void)
{
	return mon.nhealth >= HEALTH_MAX_WORKERS ||
	    mon.nworkers >= (size_t)mon.conf->max_workers;
}

static void
pause_accept(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_del(ev_accept);
	paused = 1;
	if (ms > 0 && ev_resume != NULL)
		evtimer_add(ev_resume, &tv);
}

void
health_worker_gone(void)
{
	if (health_fd == -1 || !paused || at_capacity())
		return;
	paused = 0;
	event_add(ev_accept, NULL);
}

static void
resume_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	health_worker_gone();
}

static void
accept_cb(int fd, short ev, void *arg)
{
	int	 c, r;

	(void)ev;
	(void)arg;
	for (;;) {
		if (at_capacity()) {
			/* health_worker_gone resumes. */
			pause_accept(0);
			return;
		}
		c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept on the health listener: %s; "
				    "pausing it", strerror(errno));
				pause_accept(1000);
			}
			return;
		}
		r = worker_spawn_health(c);
		close(c);
		if (r == ERR_SYS && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOMEM || errno == EAGAIN)) {
			pause_accept(1000);
			return;
		}
		/* The service listeners too, if this was the last worker. */
		listeners_check_full();
	}
}

int
health_open(const struct config *conf, char *err, size_t errlen)
{
	if (conf->health_host == NULL)
		return 0;
	if ((health_fd = listeners_tcp_socket(conf->health_host,
	    conf->health_port, conf->health, err, errlen)) == -1)
		return ERR_SYS;
	ev_accept = event_new(mon.base, health_fd, EV_READ | EV_PERSIST,
	    accept_cb, NULL);
	ev_resume = evtimer_new(mon.base, resume_cb, NULL);
	if (ev_accept == NULL || ev_resume == NULL ||
	    event_add(ev_accept, NULL) == -1) {
		snprintf(err, errlen, "health %s: out of memory", conf->health);
		return ERR_NOMEM;
	}
	log_info("health and metrics on http://%s%s%s:%s/",
	    strchr(conf->health_host, ':') != NULL ? "[" : "",
	    conf->health_host,
	    strchr(conf->health_host, ':') != NULL ? "]" : "",
	    conf->health_port);
	return 0;
}

void
health_close(void)
{
	if (ev_accept != NULL)
		event_free(ev_accept);
	if (ev_resume != NULL)
		event_free(ev_resume);
	ev_accept = ev_resume = NULL;
	if (health_fd != -1)
		close(health_fd);
	health_fd = -1;
	paused = 0;
}

/* Ready: not draining, and every configured service has its listener. */
static int
ready(void)
{
	size_t	 i;

	if (mon.draining)
		return 0;
	for (i = 0; i < mon.conf->nservices; i++)
		if (!listeners_is_bound(mon.conf->services[i].name))
			return 0;
	return 1;
}

static int
health_answer(struct worker *w, struct buf *b)
{
	static int	 warned;
	struct figures	 f;
	struct buf	*out = NULL;
	uint32_t	 omitted;
	int		 r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	/* Whatever happens next, this worker asks nothing more. */
	w->state = W_DONE;
	worker_set_deadline(w, HEALTH_ANSWER_MS);
	fig_init(&f);
	f.ready = ready();
	f.draining = mon.draining != 0;
	f.workers = (uint32_t)mon.nworkers;
	f.max_workers = (uint32_t)mon.conf->max_workers;
	f.health_workers = (uint32_t)mon.nhealth;
	f.max_health_workers = HEALTH_MAX_WORKERS;
	if ((f.version = strdup(AIRLOCK_VERSION)) == NULL ||
	    metrics_snapshot(&f) != 0 || pool_figures(&f) != 0 ||
	    smem_figures(&f) != 0 ||
	    (out = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    fig_encode(out, &f, MSG_MAX_PAYLOAD, &omitted) != 0) {
		fig_free(&f);
		buf_free(out);
		r = worker_fail(w, "the figures are not available");
		return r == ERR_EOF ? 0 : r;
	}
	fig_free(&f);
	if (omitted > 0 && !warned) {
		warned = 1;
		log_warn("metrics: %u service(s) do not fit in one message "
		    "and are left out of /metrics (reported there as "
		    "airlock_metrics_services_omitted)", omitted);
	}
	r = worker_send(w, MSG_HEALTH, out, -1);
	buf_free(out);
	return r == ERR_EOF ? 0 : r;
}

/*
 * The health listener's connector: no service, no backend; its worker may
 * ask for the figures, once, and must be gone soon after.
 */
static const struct mon_request health_requests[] = {
	{ MSG_HEALTH, "HEALTH", S(W_ASSIGNED), 1, 0, 0, health_answer },
};

/* A health worker holds one of few slots: whatever its state, it ends. */
static void
health_deadline(struct worker *w)
{
	if (w->state == W_DONE)
		worker_kill(w, "still running %d ms after its figures",
		    HEALTH_ANSWER_MS);
	else
		worker_kill(w, "no health request within %d ms",
		    HEALTH_REQUEST_MS);
}

const struct mon_connector mon_health = {
	.name = "health",
	.flags = MC_HEALTH,
	.requests = health_requests,
	.nrequests = nitems(health_requests),
	.deadline_ms = HEALTH_REQUEST_MS,
	.deadline = health_deadline,
	.worker_kind = worker_kind_plain,
};
