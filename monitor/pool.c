/*
 * The pool: workers started ahead of their clients, so that exec, the
 * libraries' start-up and the sandbox leave a connection's critical path.
 *
 * An idle worker has been executed, has initialised itself and locked
 * itself in (worker/main.c), and waits on its channel for MSG_ASSIGN; it
 * holds no service's data until then, and the monitor sends it none.  It
 * is not a struct worker (which is a connection of a service): the pool
 * keeps its process, channel and stderr, and spawn() in workers.c turns it
 * into a connection's worker when a client comes (pool_take).
 *
 * It may say nothing but MSG_LOG before its assignment (why it cannot
 * start: the sandbox, the libraries): any other message, a descriptor, or
 * a malformed frame kills it, as a request outside the dispatch table
 * kills a worker.  A pending message is read before it is handed out, so
 * that nothing it sent unassigned reaches the dispatch table.
 *
 * workerPoolMinIdle workers are kept idle per kind of worker that the
 * configuration uses (wkind.c); a miss (no idle worker of the kind when a
 * client came) raises that kind's target by one, up to workerPoolMaxIdle,
 * and a period without a miss lowers it halfway back.  The refill runs off
 * the critical path (a zero-timeout event after the accept), at most
 * POOL_SPAWNS_PER_TURN starts a turn of the loop, and always within
 * maxWorkers, which counts idle workers as the processes they are.  Idle
 * workers that die (an executable that cannot start, a sandbox that
 * fails) are logged and counted, and POOL_DEATHS of them within a second
 * stop the refill for a while, doubling, so that a worker that cannot
 * start does not make the monitor spin.
 *
 * Only a new process takes new arguments (user, root, memory limit,
 * sandbox mode: worker_exec_args): a reload that changes them retires the
 * idle workers started with the old ones, and a reload that drops a kind
 * retires that kind's.  Draining and stopping kill them all: they serve
 * nobody.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
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

#define POOL_SPAWNS_PER_TURN	2
/* Messages read from an idle worker per turn (WORKER_MSGS_PER_TURN). */
#define POOL_MSGS_PER_TURN	16
/* A period without a miss: each kind's target halves back to MinIdle. */
#define POOL_TICK_MS		5000
/* This many deaths of idle workers within a second: the refill waits. */
#define POOL_DEATHS		3
#define POOL_DEATH_WINDOW_US	1000000ULL
#define POOL_BACKOFF_MIN_MS	1000
#define POOL_BACKOFF_MAX_MS	30000
#define POOL_ARGS_MAX		(PATH_MAX + 128)
#define POOL_KINDS		(WIMAGE_COUNT * 2)

struct idle {
	TAILQ_ENTRY(idle) entry;
	struct wproc	 p;
	struct event	*ev_chan;
	struct worker_kind kind;
	char		*args;		/* worker_exec_args at its start */
	int		 gone;		/* its channel ended: it exits */
	int		 killed;	/* by us; freed when reaped */
	uint64_t	 spawned_at;
	struct budget	 log_budget;
};

struct kindpool {
	int		 in_use;	/* by a service of mon.conf */
	size_t		 idle;		/* of the kind, gone ones included */
	int		 target;	/* MinIdle to MaxIdle */
	int		 missed;	/* since the last tick */
};

static TAILQ_HEAD(, idle) idles = TAILQ_HEAD_INITIALIZER(idles);
static struct kindpool	 kinds[POOL_KINDS];
static size_t		 nidle;
static struct event	*ev_refill, *ev_tick;
static int		 stopped;
static int		 backoff_ms;	/* the last pause; 0: none */
static int		 backing_off;	/* ev_refill is the pause's end */
static uint64_t		 deaths[POOL_DEATHS];	/* when, a ring */
static size_t		 ndeaths;
static uint64_t		 hits, misses, spawned, died;

static void	 note_death(void);
static void	 schedule(void);

/* By kind_index; no connector asks for airlock-worker-plain with TLS. */
static const char *const kind_names[POOL_KINDS] = {
	"main-notls", "main", "ssh-notls", "ssh", "plain", "plain-tls",
};

static size_t
kind_index(const struct worker_kind *k)
{
	return (size_t)k->image * 2 + (k->tls ? 1 : 0);
}

static void
kind_at(size_t i, struct worker_kind *k)
{
	k->image = (enum worker_image)(i / 2);
	k->tls = (int)(i % 2);
}

static int
pool_on(void)
{
	return !stopped && !mon.draining && mon.conf->pool_min_idle > 0;
}

/* The processes allowed beside the connections' workers. */
static int
room(void)
{
	return mon.nworkers + nidle < (size_t)mon.conf->max_workers;
}

static void
schedule(void)
{
	struct timeval	 now = { 0, 0 };

	if (ev_refill == NULL || backing_off || !pool_on())
		return;
	evtimer_add(ev_refill, &now);
}

/* Let it go: killed if it still runs, and forgotten (the reaper skips it). */
static void
idle_free(struct idle *i)
{
	TAILQ_REMOVE(&idles, i, entry);
	nidle--;
	kinds[kind_index(&i->kind)].idle--;
	if (i->ev_chan != NULL)
		event_free(i->ev_chan);
	worker_proc_end(&i->p);
	free(i->args);
	free(i);
}

static void
idle_close(struct idle *i)
{
	i->gone = 1;
	if (i->ev_chan != NULL)
		event_del(i->ev_chan);
	close(i->p.chan);
	i->p.chan = -1;
}

/*
 * Kill it, with one line that says why.  It stays in the list, gone, until
 * it is reaped: the caller may be reading its channel or its stderr.
 */
static void __attribute__((format(printf, 2, 3)))
idle_kill(struct idle *i, const char *fmt, ...)
{
	char	 reason[256];
	va_list	 ap;

	if (i->killed)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_warn("worker pool: idle worker %ld killed: %s", (long)i->p.pid,
	    reason);
	i->killed = 1;
	if (i->p.pid != -1)
		kill(i->p.pid, SIGKILL);
	if (!i->gone)
		idle_close(i);
	wstderr_close(i->p.err);
	/* One that must be killed unassigned is as broken as one that died. */
	note_death();
	schedule();
}

/*
 * What an idle worker sent: its log lines are logged (within budget_log);
 * anything else kills it.  0: it may still be taken (unless gone: its
 * channel ended), else it has been killed.
 */
static int
idle_read(struct idle *i)
{
	const unsigned char	*text;
	struct buf		*b;
	uint32_t		 type;
	size_t			 n, len;
	char			 line[WORKER_TEXT_MAX + 1], why[160];
	int			 r, fd, level;

	if (i->gone)
		return 0;
	if ((b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL) {
		idle_kill(i, "out of memory");
		return ERR_NOMEM;
	}
	for (n = 0; n < POOL_MSGS_PER_TURN; n++) {
		if ((r = msg_recv(i->p.chan, &type, b, &fd)) == ERR_AGAIN) {
			r = 0;
			break;
		}
		if (r == ERR_EOF) {
			/* It exits (an error it logged): the reaper says. */
			idle_close(i);
			r = 0;
			break;
		}
		if (r != 0) {
			idle_kill(i, "malformed message: %s", err_str(r));
			break;
		}
		if (fd != -1) {
			close(fd);
			idle_kill(i, "sent a descriptor before its "
			    "assignment");
			r = ERR_PROTO;
			break;
		}
		if (type != MSG_LOG) {
			idle_kill(i, "%s before its assignment",
			    msg_type_name(type));
			r = ERR_PROTO;
			break;
		}
		if ((r = dispatch_log_parse(b, &level, &text, &len)) != 0) {
			idle_kill(i, "bad LOG: %s", err_str(r));
			break;
		}
		if ((r = budget_text(&i->log_budget, &budget_log, text, len,
		    line, sizeof(line))) != 0) {
			budget_exceeded(&budget_log, why, sizeof(why));
			idle_kill(i, "%s", why);
			break;
		}
		log_msg(level, "worker pool: worker %ld: %s", (long)i->p.pid,
		    line);
	}
	buf_free(b);
	return r;
}

static void
idle_chan_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	idle_read(arg);
}

static void
idle_stderr_line(void *arg, struct budget *b, const unsigned char *text,
    size_t len)
{
	struct idle	*i = arg;
	char		 line[WORKER_TEXT_MAX + 1], why[160];

	if (budget_text(b, &budget_stderr, text, len, line,
	    sizeof(line)) != 0) {
		budget_exceeded(&budget_stderr, why, sizeof(why));
		idle_kill(i, "%s", why);
		return;
	}
	log_warn("worker pool: worker %ld: worker stderr: %s",
	    (long)i->p.pid, line);
}

/*
 * An idle worker died or could not start: counted, and the third within a
 * second pauses the refill (1 s, then twice as long each time, to 30 s).
 */
static void
note_death(void)
{
	struct timeval	 tv;
	uint64_t	 now = metrics_now_us(), oldest;

	deaths[ndeaths++ % POOL_DEATHS] = now;
	if (ndeaths < POOL_DEATHS || backing_off)
		return;
	oldest = deaths[ndeaths % POOL_DEATHS];
	if (now - oldest > POOL_DEATH_WINDOW_US)
		return;
	backoff_ms = backoff_ms == 0 ? POOL_BACKOFF_MIN_MS :
	    backoff_ms * 2 > POOL_BACKOFF_MAX_MS ? POOL_BACKOFF_MAX_MS :
	    backoff_ms * 2;
	log_warn("worker pool: %d idle workers ended within a second; "
	    "starting none for %d ms", POOL_DEATHS, backoff_ms);
	backing_off = 1;
	tv.tv_sec = backoff_ms / 1000;
	tv.tv_usec = (backoff_ms % 1000) * 1000;
	if (ev_refill != NULL)
		evtimer_add(ev_refill, &tv);
}

/* One more idle worker of kind k: 0, or an error (logged, counted). */
static int
spawn_idle(size_t ki)
{
	struct worker_kind	 k;
	struct idle		*i;
	char			 args[POOL_ARGS_MAX], why[768];
	int			 r;

	kind_at(ki, &k);
	if ((i = calloc(1, sizeof(*i))) == NULL)
		return ERR_NOMEM;
	if ((r = worker_exec_args(&k, args, sizeof(args))) != 0 ||
	    (i->args = strdup(args)) == NULL) {
		free(i);
		return r != 0 ? r : ERR_NOMEM;
	}
	if ((r = worker_exec(&k, &i->p, why, sizeof(why))) != 0) {
		log_warn("worker pool: %s", why);
		free(i->args);
		free(i);
		note_death();
		return r;
	}
	i->kind = k;
	i->spawned_at = metrics_now_us();
	TAILQ_INSERT_TAIL(&idles, i, entry);
	nidle++;
	kinds[ki].idle++;
	spawned++;
	wstderr_watch(i->p.err, idle_stderr_line, i);
	if ((i->ev_chan = event_new(mon.base, i->p.chan, EV_READ | EV_PERSIST,
	    idle_chan_cb, i)) == NULL || event_add(i->ev_chan, NULL) == -1) {
		idle_kill(i, "out of memory");
		return ERR_NOMEM;
	}
	log_debug("worker pool: worker %ld started (%s)", (long)i->p.pid,
	    kind_names[ki]);
	return 0;
}

static void
refill_cb(int fd, short ev, void *arg)
{
	size_t	 ki, n = 0;
	int	 more = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	backing_off = 0;
	if (!pool_on())
		return;
	for (ki = 0; ki < POOL_KINDS; ki++) {
		while (kinds[ki].in_use &&
		    kinds[ki].idle < (size_t)kinds[ki].target && room()) {
			if (n == POOL_SPAWNS_PER_TURN) {
				more = 1;
				break;
			}
			n++;
			if (spawn_idle(ki) != 0)
				return;		/* note_death decides */
		}
	}
	if (more)
		schedule();
}

/*
 * Kill idle workers beyond what the configuration wants: of kinds it no
 * longer uses, above a kind's target, and above maxWorkers; the oldest
 * first.
 */
static void
trim(void)
{
	struct idle	*i, *next;
	struct kindpool	*kp;

	for (i = TAILQ_FIRST(&idles); i != NULL; i = next) {
		next = TAILQ_NEXT(i, entry);
		kp = &kinds[kind_index(&i->kind)];
		if (!pool_on() || !kp->in_use ||
		    kp->idle > (size_t)kp->target ||
		    mon.nworkers + nidle > (size_t)mon.conf->max_workers) {
			log_debug("worker pool: idle worker %ld retired",
			    (long)i->p.pid);
			idle_free(i);
		}
	}
}

/* A period without a miss: each kind's target halfway back to MinIdle. */
static void
tick_cb(int fd, short ev, void *arg)
{
	struct timeval	 tv = { POOL_TICK_MS / 1000, 0 };
	int		 min = mon.conf->pool_min_idle;
	size_t		 ki;

	(void)fd;
	(void)ev;
	(void)arg;
	for (ki = 0; ki < POOL_KINDS; ki++) {
		if (!kinds[ki].missed && kinds[ki].target > min)
			kinds[ki].target -= (kinds[ki].target - min + 1) / 2;
		kinds[ki].missed = 0;
	}
	trim();
	/* maxWorkers may have kept it low while connections ran. */
	schedule();
	if (!stopped)
		evtimer_add(ev_tick, &tv);
}

/* The kinds that the services of cf use, with their targets reset. */
static void
kinds_of(const struct config *cf)
{
	const struct mon_connector	*mc;
	const struct service		*svc;
	struct worker_kind		 k;
	size_t				 i;

	for (i = 0; i < POOL_KINDS; i++) {
		kinds[i].in_use = 0;
		kinds[i].target = cf->pool_min_idle;
		kinds[i].missed = 0;
	}
	for (i = 0; i < cf->nservices; i++) {
		svc = &cf->services[i];
		/* A shared listener's workers are its first service's. */
		if (config_listener(cf, svc) != svc ||
		    (mc = mon_connector_find(svc->connector)) == NULL)
			continue;
		worker_kind_of(svc, mc, &k);
		kinds[kind_index(&k)].in_use = 1;
	}
}

void
pool_start(void)
{
	struct timeval	 tv = { POOL_TICK_MS / 1000, 0 };

	if ((ev_refill = evtimer_new(mon.base, refill_cb, NULL)) == NULL ||
	    (ev_tick = evtimer_new(mon.base, tick_cb, NULL)) == NULL) {
		log_warn("worker pool: out of memory; workers start on "
		    "demand");
		return;
	}
	evtimer_add(ev_tick, &tv);
	kinds_of(mon.conf);
	schedule();
}

/* Every idle worker killed and forgotten: how many there were. */
static size_t
free_all(void)
{
	struct idle	*i;
	size_t		 n = 0;

	while ((i = TAILQ_FIRST(&idles)) != NULL) {
		idle_free(i);
		n++;
	}
	return n;
}

void
pool_reload(void)
{
	struct idle	*i, *next;
	char		 args[POOL_ARGS_MAX];
	size_t		 stale = 0;

	kinds_of(mon.conf);
	for (i = TAILQ_FIRST(&idles); i != NULL; i = next) {
		next = TAILQ_NEXT(i, entry);
		if (worker_exec_args(&i->kind, args, sizeof(args)) == 0 &&
		    strcmp(args, i->args) == 0)
			continue;
		idle_free(i);
		stale++;
	}
	if (stale > 0)
		log_info("worker pool: %zu idle worker(s) retired: started "
		    "with other settings", stale);
	trim();
	schedule();
}

void
pool_make_room(void)
{
	struct idle	*i;

	if (room() || (i = TAILQ_FIRST(&idles)) == NULL)
		return;
	log_debug("worker pool: idle worker %ld retired for room",
	    (long)i->p.pid);
	idle_free(i);
}

void
pool_retire(const char *why)
{
	size_t	 n;

	if ((n = free_all()) > 0)
		log_info("worker pool: %zu idle worker(s) retired: %s", n, why);
	schedule();
}

int
pool_take(const struct worker_kind *k, struct wproc *p)
{
	struct kindpool	*kp = &kinds[kind_index(k)];
	struct idle	*i, *next;

	if (!pool_on())
		return ERR_NOTFOUND;
	/* Its stderr too: a flood there kills it before it is handed out. */
	wstderr_read_all();
	for (i = TAILQ_FIRST(&idles); i != NULL; i = next) {
		next = TAILQ_NEXT(i, entry);
		if (!worker_kind_eq(&i->kind, k) || i->gone)
			continue;
		/* What it sent unassigned is read, and judged, now. */
		if (idle_read(i) != 0 || i->gone)
			continue;
		*p = i->p;
		i->p.pid = -1;
		i->p.chan = -1;
		i->p.err = NULL;
		idle_free(i);
		hits++;
		/* A worker of the pool works: a pause starts afresh. */
		backoff_ms = 0;
		schedule();
		return 0;
	}
	misses++;
	kp->missed = 1;
	if (kp->target < mon.conf->pool_max_idle)
		kp->target++;
	schedule();
	return ERR_NOTFOUND;
}

void
pool_reaped(pid_t pid, int status)
{
	struct idle	*i;

	TAILQ_FOREACH(i, &idles, entry)
		if (i->p.pid == pid)
			break;
	if (i == NULL)
		return;		/* one the pool let go */
	/* Its pid is no longer ours: nothing to kill any more. */
	i->p.pid = -1;
	wstderr_drain(i->p.err);
	/* Killed: said and counted then. */
	if (!i->killed) {
		if (WIFSIGNALED(status))
			log_warn("worker pool: idle worker %ld died of signal "
			    "%d", (long)pid, WTERMSIG(status));
		else
			log_warn("worker pool: idle worker %ld exited with "
			    "status %d", (long)pid, WEXITSTATUS(status));
		died++;
		note_death();
	}
	idle_free(i);
	schedule();
}

void
pool_stop(void)
{
	size_t	 n;

	stopped = 1;
	if ((n = free_all()) > 0)
		log_debug("worker pool: %zu idle worker(s) killed", n);
	if (ev_refill != NULL)
		event_free(ev_refill);
	if (ev_tick != NULL)
		event_free(ev_tick);
	ev_refill = ev_tick = NULL;
}

int
pool_figures(struct figures *f)
{
	size_t	 ki;

	f->pool_min_idle = (uint32_t)mon.conf->pool_min_idle;
	f->pool_max_idle = (uint32_t)mon.conf->pool_max_idle;
	f->pool_state = !pool_on() ? FIG_POOL_OFF : backing_off ?
	    FIG_POOL_BACKOFF : FIG_POOL_OK;
	f->pool_hits = hits;
	f->pool_misses = misses;
	f->pool_spawned = spawned;
	f->pool_died = died;
	for (ki = 0; ki < POOL_KINDS; ki++) {
		if (!kinds[ki].in_use && kinds[ki].idle == 0)
			continue;
		if (fig_add_pool_kind(f, kind_names[ki],
		    (uint32_t)kinds[ki].idle, (uint32_t)kinds[ki].target) ==
		    NULL)
			return ERR_NOMEM;
	}
	return 0;
}
