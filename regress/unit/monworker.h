/*
 * A stand-in of a worker for tests that drive the monitor's handlers in
 * process (test_monhttp.c, test_monssh.c, test_log_secrets.c): a struct
 * worker of a service of mon.conf, in W_ASSIGNED and counted as a startup
 * as workers.c makes one, with its channel's other end (non-blocking) in
 * *peer; nothing is spawned.
 */
#ifndef AIRLOCK_TEST_MONWORKER_H
#define AIRLOCK_TEST_MONWORKER_H

struct worker;

/* A pid above pid_max: kill() finds no such process. */
#define NO_PID		(1 << 30)

struct worker	*test_worker_new(const char *service, int *peer);
/* Kill it if it lives, forget it, and close peer. */
void		 test_worker_done(struct worker *, int peer);

#endif
