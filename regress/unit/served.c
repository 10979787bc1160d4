/*
 * A worker row's serve loop in a forked child: see served.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "msg.h"
#include "served.h"
#include "worker.h"

static void __attribute__((noreturn))
child(const struct connector *conn, const struct kvlist *opts, int client,
    int chan)
{
	struct wconn		 c;
	struct relay_stats	 st;
	size_t			 i;
	int			 r;

	alarm(20);
	memset(&c, 0, sizeof(c));
	c.chan = chan;
	ep_init(&c.client, client, "client");
	ep_init(&c.backend, -1, "backend");
	ep_prepare(&c.client);
	for (i = 0; opts != NULL && i < opts->n; i++)
		if (kv_set(&c.opts, opts->v[i].key, opts->v[i].val,
		    opts->v[i].vlen) != 0)
			_exit(2);
	c.idle_timeout_ms = 5000;
	c.deadline = deadline_in(5000);
	memset(&st, 0, sizeof(st));
	r = conn->serve(&c, &st);
	wchan_stats(&c, &st);
	ep_close(&c.client);
	ep_close(&c.backend);
	kv_clear(&c.opts);
	_exit(r == 0 ? 0 : 1);
}

int
served_spawn(struct served *s, const struct connector *conn,
    const struct kvlist *opts)
{
	int	 cl[2], ch[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ch) == -1) {
		close(cl[0]);
		close(cl[1]);
		return -1;
	}
	fflush(stdout);
	if ((s->pid = fork()) == -1)
		return -1;
	if (s->pid == 0) {
		close(cl[0]);
		close(ch[0]);
		child(conn, opts, cl[1], ch[1]);
	}
	close(cl[1]);
	close(ch[1]);
	s->client = cl[0];
	s->chan = ch[0];
	return 0;
}

int
served_reap(struct served *s)
{
	int	 status;

	close(s->client);
	close(s->chan);
	if (waitpid(s->pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
served_recv(int chan, uint32_t want, struct buf *b)
{
	uint32_t	 type;
	int		 fd;

	if (msg_recv_timeout(chan, 5000, &type, b, &fd) != 0)
		return -1;
	if (fd != -1)
		close(fd);
	return type == want ? 0 : -1;
}
