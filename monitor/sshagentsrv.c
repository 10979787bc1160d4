/*
 * The ssh connector's agent socketpair, the monitor's end (sshagentsrv.h):
 * draft-miller-ssh-agent framing (section 3), read with agentmsg.c's
 * decoder into a buffer capped at one frame.  Our worker's libssh asks
 * for the identities (4.4) and for a signature (4.5), nothing else: any
 * other request, or a frame that does not decode, kills the worker.  A
 * signature that the policy refuses is answered SSH_AGENT_FAILURE (the
 * backend's login then fails, and the worker says so).
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "agentmsg.h"
#include "buf.h"
#include "errors.h"
#include "monitor.h"
#include "sshagentsrv.h"
#include "sshkey.h"

/*
 * libssh asks for the identities once per ssh_userauth_agent, and our
 * worker calls that once; a few more are allowed, and no more.
 */
#define AGENTSRV_IDENTITIES_MAX	4

struct agentsrv {
	struct worker		*w;
	struct bufferevent	*bev;
	struct buf		*in;	/* at most one frame */
	int			 identities;	/* requests answered */
	int			 busy;	/* in a callback */
	int			 dead;	/* freed meanwhile: free on return */
};

static void
srv_release(struct agentsrv *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);	/* closes the fd */
	buf_free(s->in);
	free(s);
}

void
agentsrv_free(struct agentsrv *s)
{
	if (s == NULL)
		return;
	if (s->busy) {
		s->dead = 1;
		return;
	}
	srv_release(s);
}

/* One request; its answer frame to out.  Non-zero: the worker is gone. */
static int
answer(struct agentsrv *s, const struct agent_request *req, struct buf *out)
{
	struct buf	*sig;
	char		 why[256], tmp[32];
	int		 r;

	switch (req->type) {
	case SSH_AGENTC_REQUEST_IDENTITIES:
		/*
		 * Answers are written whether the worker reads them or not:
		 * count the requests, or a worker that only asks would grow
		 * our output buffer without end.
		 */
		if (++s->identities > AGENTSRV_IDENTITIES_MAX) {
			worker_kill(s->w, "more than %d identity requests on "
			    "the backend's agent socket",
			    AGENTSRV_IDENTITIES_MAX);
			return ERR_PROTO;
		}
		return mon_ssh_identities(s->w, out);
	case SSH_AGENTC_SIGN_REQUEST:
		if ((sig = buf_new(SSHKEY_SIG_MAX)) == NULL) {
			worker_kill(s->w, "out of memory");
			return ERR_NOMEM;
		}
		r = mon_ssh_sign(s->w, req->key, req->keylen, req->data,
		    req->datalen, req->flags, sig, why, sizeof(why));
		if (r == 0)
			r = agent_put_sign_response(out, buf_ptr(sig),
			    buf_len(sig));
		else if (r == ERR_DENIED) {
			wlog_info(s->w, "backend signature refused: %s", why);
			r = agent_put_failure(out);
		}
		buf_free(sig);
		return r;
	default:
		worker_kill(s->w, "agent request %s on the backend's agent "
		    "socket", agent_type_name(req->type, tmp, sizeof(tmp)));
		return ERR_PROTO;
	}
}

/* Take what fits of the input and answer each whole frame. */
static void
srv_read(struct bufferevent *bev, void *arg)
{
	struct agentsrv		*s = arg;
	struct evbuffer		*input = bufferevent_get_input(bev);
	struct agent_request	 req;
	struct buf		*out = NULL;
	unsigned char		*p;
	size_t			 room, n;
	int			 r = 0;

	s->busy = 1;
	if ((out = buf_new(AGENT_MAX_FRAME + 4)) == NULL) {
		worker_kill(s->w, "out of memory");
		goto done;
	}
	while (!s->dead && (n = evbuffer_get_length(input)) > 0) {
		buf_compact(s->in);	/* a frame's rest to the front */
		room = buf_room(s->in);
		if (n > room)
			n = room;
		if (n > 0 && (buf_reserve(s->in, n, &p) != 0 ||
		    evbuffer_remove(input, p, n) != (int)n)) {
			worker_kill(s->w, "out of memory");
			goto done;
		}
		while (!s->dead && (r = agent_decode(s->in, &req)) == 0) {
			buf_reset(out);
			if (answer(s, &req, out) != 0)
				goto done;
			if (bufferevent_write(bev, buf_ptr(out),
			    buf_len(out)) != 0) {
				worker_kill(s->w, "out of memory");
				goto done;
			}
		}
		if (!s->dead && r != ERR_AGAIN) {
			worker_kill(s->w, "malformed frame on the backend's "
			    "agent socket: %s", err_str(r));
			goto done;
		}
		if (n == 0)
			break;
	}
 done:
	buf_free(out);
	s->busy = 0;
	if (s->dead)
		srv_release(s);
}

/* The worker closed its end, or said nothing for too long: close ours. */
static void
srv_event(struct bufferevent *bev, short what, void *arg)
{
	struct agentsrv	*s = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		wlog_debug(s->w, "backend agent socket idle: closed");
	s->bev = NULL;
	bufferevent_free(bev);
	/* mon_ssh.c's state still points at s: it frees it (s->bev NULL). */
}

struct agentsrv *
agentsrv_start(struct worker *w, int fd, int timeout_ms)
{
	struct agentsrv	*s;
	struct timeval	 tv;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->in = buf_new(AGENT_MAX_FRAME + 4)) == NULL ||
	    evutil_make_socket_nonblocking(fd) != 0 ||
	    (s->bev = bufferevent_socket_new(mon.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (s != NULL)
			buf_free(s->in);
		free(s);
		close(fd);
		return NULL;
	}
	s->w = w;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	bufferevent_setcb(s->bev, srv_read, NULL, srv_event, s);
	bufferevent_set_timeouts(s->bev, &tv, NULL);
	if (bufferevent_enable(s->bev, EV_READ) != 0) {
		srv_release(s);
		return NULL;
	}
	return s;
}
