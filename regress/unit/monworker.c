/*
 * A stand-in of a worker for in-process tests of the monitor's handlers
 * (monworker.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "connector.h"
#include "monitor.h"
#include "msg.h"
#include "monworker.h"

struct worker *
test_worker_new(const char *name, int *peer)
{
	struct worker	*w;
	int		 sv[2];

	if ((w = calloc(1, sizeof(*w))) == NULL || msg_channel(sv) != 0) {
		free(w);
		return NULL;
	}
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	w->conf = mon.conf;
	w->svc = config_service(mon.conf, name);
	if (w->svc == NULL || worker_set_connector(w,
	    mon_connector_find(w->svc->connector)) != 0 ||
	    startups_add(w->svc->name) != 0) {
		close(sv[0]);
		close(sv[1]);
		free(w);
		return NULL;
	}
	w->unauthenticated = 1;
	w->id = ++mon.next_id;
	w->pid = NO_PID;
	w->chan = sv[0];
	w->state = W_ASSIGNED;
	TAILQ_INSERT_TAIL(&mon.workers, w, entry);
	mon.nworkers++;
	*peer = sv[1];
	return w;
}

void
test_worker_done(struct worker *w, int peer)
{
	if (!w->killed)
		worker_kill(w, "the test is over");
	worker_startup_over(w);
	TAILQ_REMOVE(&mon.workers, w, entry);
	mon.nworkers--;
	worker_forget_secrets(w);
	free(w->counts);
	free(w);
	close(peer);
}
