/*
 * SCRAM's Hi() off the event loop.  PBKDF2 costs 1 ms of a core at
 * PostgreSQL's 4096 iterations and 35 ms at the 2^17 we accept; on the
 * loop, every other connection, accept and health probe waited for it, and
 * a connection storm used one core.  A few threads (one per core, at most
 * KDF_MAX_THREADS) compute it instead and hand the result back to the loop.
 *
 * The threads run scram_hi() and nothing else: they touch no libevent
 * object, no worker and no log, and they start with every signal blocked
 * (the monitor's signals are read from a signalfd by the loop, signals.c).
 * A job belongs to the loop except between kdf_start handing it over and
 * the loop taking it back from the finished list; kdf_cancel on a job a
 * thread holds only clears its callback, and the loop frees it on return.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "pgauth.h"
#include "secret.h"

#define KDF_MAX_THREADS	4

enum kdf_where { KDF_QUEUED, KDF_RUNNING, KDF_FINISHED };

struct kdf_job {
	struct scram_hi	 hi;		/* the input, freed by the loop */
	struct secret	*salted;	/* the output */
	int		 error;
	enum kdf_where	 where;
	kdf_done_fn	*done;		/* NULL once cancelled */
	void		*arg;
	TAILQ_ENTRY(kdf_job) entry;
};
TAILQ_HEAD(kdf_list, kdf_job);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 more = PTHREAD_COND_INITIALIZER;
static struct kdf_list	 queued = TAILQ_HEAD_INITIALIZER(queued);
static struct kdf_list	 finished = TAILQ_HEAD_INITIALIZER(finished);
static int		 stopping;
static pthread_t	 threads[KDF_MAX_THREADS];
static int		 nthreads;
static int		 wakefd = -1;	/* eventfd: a job has finished */
static struct event	*ev_wake;

static void
job_free(struct kdf_job *j)
{
	scram_hi_clear(&j->hi);
	secret_free(j->salted);
	free(j);
}

static void *
kdf_thread(void *unused)
{
	struct kdf_job	*j;
	uint64_t	 one = 1;
	ssize_t		 wrote;

	(void)unused;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (TAILQ_EMPTY(&queued) && !stopping)
			pthread_cond_wait(&more, &lock);
		if (stopping)
			break;
		j = TAILQ_FIRST(&queued);
		TAILQ_REMOVE(&queued, j, entry);
		j->where = KDF_RUNNING;
		pthread_mutex_unlock(&lock);

		j->error = scram_hi(&j->hi, &j->salted);

		pthread_mutex_lock(&lock);
		j->where = KDF_FINISHED;
		TAILQ_INSERT_TAIL(&finished, j, entry);
		/* Only a full counter (2^64 - 2 wakes unread) fails it. */
		wrote = write(wakefd, &one, sizeof(one));
		(void)wrote;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* On the loop: hand each finished job's result to its owner. */
static void
kdf_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct kdf_list	 done = TAILQ_HEAD_INITIALIZER(done);
	struct kdf_job	*j;
	uint64_t	 n;

	(void)ev;
	(void)arg;
	/* Empty the counter; the list says what finished. */
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("kdf: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&lock);
	TAILQ_CONCAT(&done, &finished, entry);
	pthread_mutex_unlock(&lock);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, entry);
		if (j->done != NULL)
			j->done(j->arg, j->error, j->salted);
		job_free(j);
	}
}

/*
 * The threads and the eventfd: at start-up, once the monitor's signals are
 * blocked, so that the descriptors airlockd holds when idle include them;
 * if that fails, again at the first use.
 */
int
kdf_init(void)
{
	sigset_t	 all, old;
	long		 ncpu;
	int		 i, r;

	if ((wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("kdf: eventfd: %s", strerror(errno));
		return ERR_SYS;
	}
	if ((ev_wake = event_new(mon.base, wakefd, EV_READ | EV_PERSIST,
	    kdf_wake_cb, NULL)) == NULL || event_add(ev_wake, NULL) == -1) {
		log_warn("kdf: cannot watch the eventfd");
		kdf_close();
		return ERR_NOMEM;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ncpu = ncpu < 1 ? 1 : ncpu > KDF_MAX_THREADS ? KDF_MAX_THREADS : ncpu;
	/* A new thread inherits this mask: no signal is ever taken there. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < ncpu; i++) {
		if ((r = pthread_create(&threads[i], NULL, kdf_thread,
		    NULL)) != 0)
			break;
		nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (nthreads == 0) {
		log_warn("kdf: cannot start a thread: %s", strerror(r));
		kdf_close();
		return ERR_SYS;
	}
	log_debug("kdf: %d thread(s) for SCRAM's key derivation", nthreads);
	return 0;
}

struct kdf_job *
kdf_start(struct scram_hi *hi, kdf_done_fn *done, void *arg)
{
	struct kdf_job	*j;

	if (wakefd == -1 && kdf_init() != 0)
		return NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	/* The job takes the input over: the caller's copy is emptied. */
	j->hi = *hi;
	memset(hi, 0, sizeof(*hi));
	j->done = done;
	j->arg = arg;
	j->where = KDF_QUEUED;
	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&queued, j, entry);
	pthread_cond_signal(&more);
	pthread_mutex_unlock(&lock);
	return j;
}

void
kdf_cancel(struct kdf_job *j)
{
	int	 mine;

	if (j == NULL)
		return;
	pthread_mutex_lock(&lock);
	if ((mine = j->where == KDF_QUEUED))
		TAILQ_REMOVE(&queued, j, entry);
	j->done = NULL;
	pthread_mutex_unlock(&lock);
	/* Else a thread has it, or it waits for kdf_wake_cb, which frees it. */
	if (mine)
		job_free(j);
}

void
kdf_close(void)
{
	struct kdf_job	*j;
	int		 i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
	while ((j = TAILQ_FIRST(&queued)) != NULL) {
		TAILQ_REMOVE(&queued, j, entry);
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&finished)) != NULL) {
		TAILQ_REMOVE(&finished, j, entry);
		job_free(j);
	}
	if (ev_wake != NULL)
		event_free(ev_wake);
	ev_wake = NULL;
	if (wakefd != -1)
		close(wakefd);
	wakefd = -1;
	stopping = 0;
}
