/*
 * The worker table: spawning a worker for each client connection, its
 * channel, its deadline, killing and reaping.
 *
 * A worker is a fresh image (posix_spawn of airlock-worker), never a fork
 * of the monitor that would carry its memory: provider tokens, other
 * services' credentials, the configuration.  It gets an empty environment,
 * its channel at WORKER_CHANNEL_FD, the workers' stderr socket (stderr.c)
 * and nothing else.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "connector.h"
#include "errors.h"
#include "figures.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "safefile.h"
#include "secret.h"

/*
 * Grace beyond the worker's own deadline before we kill it: the worker's
 * clock starts after exec and the sandbox, a little after ours.  A health
 * worker's deadlines are seconds (HEALTH_REQUEST_MS), and so is its grace.
 */
#define DEADLINE_GRACE_MS	2000
#define HEALTH_GRACE_MS		1000

/*
 * Messages handled per worker per turn of the event loop.  The channel's
 * event is level-triggered: what is left is read at the next turn, after
 * every other worker, listener and timer has had its own, so that one
 * worker that floods its channel cannot starve the others.  Nothing is
 * lost by stopping early: the messages, and a descriptor riding on one,
 * wait in the socket, in order; a deadline is a timer, which fires at its
 * turn all the same; at reap, whatever is left is read (worker_reap).  An
 * honest worker sends a handful of messages at a time.
 */
#define WORKER_MSGS_PER_TURN	16

static void	 worker_chan_cb(int, short, void *);
static void	 worker_close_chan(struct worker *);
static void	 worker_deadline_cb(int, short, void *);

/* The executables, which sit in one directory: airlock-worker's. */
static char *const image_names[WIMAGE_COUNT] = {
	[WIMAGE_MAIN] = "airlock-worker",
	[WIMAGE_SSH] = "airlock-worker-ssh",
	[WIMAGE_PLAIN] = "airlock-worker-plain",
};

/* StrictModes, and what posix_spawn would say, said now. */
static int
exec_check_now(const char *path, char **canon, char *err, size_t errlen)
{
	char	 why[512];
	int	 fd;

	if ((fd = safefile_open(path, SAFEFILE_EXEC, canon, why,
	    sizeof(why))) < 0) {
		snprintf(err, errlen, "worker executable %s: %s", path, why);
		return fd;
	}
	close(fd);
	if (access(*canon, X_OK) == -1) {
		snprintf(err, errlen, "worker executable %s: %s", path,
		    strerror(errno));
		free(*canon);
		*canon = NULL;
		return ERR_SYS;
	}
	return 0;
}

/* The image's path beside the canonical path of airlock-worker. */
static char *
image_beside(const char *canon, enum worker_image img)
{
	char	*path;

	if (asprintf(&path, "%.*s/%s", (int)(strrchr(canon, '/') - canon),
	    canon, image_names[img]) == -1)
		return NULL;
	return path;
}

/*
 * The worker executable goes through StrictModes (safefile.c) when airlockd
 * starts, and again before each exec, which then names the path that was
 * checked: absolute, with no symbolic link.  An exec of the descriptor that
 * was checked (fexecve) would leave no window at all, but posix_spawn
 * cannot do it, and an exec of /proc/self/fd/N makes the worker's process
 * name "N" (ps, pgrep).  The window between the check and the exec is
 * closed by the check itself: every directory on the way is writable by
 * root only (or sticky, and the entry root's), so no one else can put
 * another file at that path meanwhile.
 */
int
worker_exec_set(const char *path, char *err, size_t errlen)
{
	char	*canon, *ssh = NULL, *plain = NULL, *checked = NULL;
	int	 r;

	if ((r = exec_check_now(path, &canon, err, errlen)) != 0)
		return r;
	if ((ssh = image_beside(canon, WIMAGE_SSH)) == NULL ||
	    (plain = image_beside(canon, WIMAGE_PLAIN)) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = ERR_NOMEM;
		goto fail;
	}
	/*
	 * airlock-worker-ssh is checked when a service needs it
	 * (worker_exec_need); airlock-worker-plain now: health's workers
	 * (and plaintext pg's) are its, and health may come with a reload.
	 */
	if ((r = exec_check_now(plain, &checked, err, errlen)) != 0)
		goto fail;
	free(checked);
	free(mon.worker_path);
	free(mon.worker_ssh_path);
	free(mon.worker_plain_path);
	mon.worker_path = canon;
	mon.worker_ssh_path = ssh;
	mon.worker_plain_path = plain;
	return 0;
 fail:
	free(canon);
	free(ssh);
	free(plain);
	return r;
}

static const char *
image_path(enum worker_image img)
{
	switch (img) {
	case WIMAGE_SSH:
		return mon.worker_ssh_path;
	case WIMAGE_PLAIN:
		return mon.worker_plain_path;
	default:
		return mon.worker_path;
	}
}

/*
 * StrictModes again, before an exec: a chmod or rename since the start.
 * *canon: the path that was checked, which is the one to execute.
 */
static int
worker_exec_check(enum worker_image img, char **canon, char *err,
    size_t errlen)
{
	int	 fd;

	if ((fd = safefile_open(image_path(img), SAFEFILE_EXEC, canon, err,
	    errlen)) < 0)
		return fd;
	close(fd);
	return 0;
}

int
worker_exec_need(const struct config *conf, char *err, size_t errlen)
{
	const struct mon_connector	*mc;
	struct worker_kind		 k;
	char				 why[512], *canon;
	size_t				 i;
	int				 r;

	for (i = 0; i < conf->nservices; i++) {
		if ((mc = mon_connector_find(conf->services[i].connector)) ==
		    NULL)
			continue;
		worker_kind_of(&conf->services[i], mc, &k);
		/* Those two are checked always (worker_exec_set). */
		if (k.image == WIMAGE_MAIN || k.image == WIMAGE_PLAIN)
			continue;
		if ((r = worker_exec_check(k.image, &canon, why,
		    sizeof(why))) != 0) {
			snprintf(err, errlen, "service %s needs the worker "
			    "executable %s: %s", conf->services[i].name,
			    image_path(k.image), why);
			return r;
		}
		free(canon);
	}
	return 0;
}

/*
 * The arguments of a worker of the kind, as it would be started now: only
 * what a process cannot change once started (its user, root, memory limit
 * and sandbox mode).  What a reload may change for each connection rides on
 * MSG_ASSIGN instead, so that an idle worker of the pool serves under the
 * configuration of the moment it is assigned.
 */
struct exec_args {
	char		 uid[16], gid[16], mem[24];
	char		*argv[16];
};

static void
exec_args(struct exec_args *a, const struct worker_kind *k)
{
	int	 argc = 0;

	snprintf(a->uid, sizeof(a->uid), "%u", (unsigned)mon.worker_uid);
	snprintf(a->gid, sizeof(a->gid), "%u", (unsigned)mon.worker_gid);
	snprintf(a->mem, sizeof(a->mem), "%lld",
	    mon.conf->worker_memory_limit);
	/* Its own name: a worker that a test stands in for reads it. */
	a->argv[argc++] = image_names[k->image];
	a->argv[argc++] = "-u";
	a->argv[argc++] = a->uid;
	a->argv[argc++] = "-g";
	a->argv[argc++] = a->gid;
	a->argv[argc++] = "-c";
	a->argv[argc++] = mon.conf->chroot_dir;
	a->argv[argc++] = "-m";
	a->argv[argc++] = a->mem;
	if (!mon.privileged)
		a->argv[argc++] = "-n";
	if (mon.conf->sandbox_debug)
		a->argv[argc++] = "-T";
	/* Plaintext only: it does not set OpenSSL up (wkind.c). */
	if (!k->tls)
		a->argv[argc++] = "-p";
	a->argv[argc] = NULL;
}

int
worker_exec_args(const struct worker_kind *k, char *buf, size_t len)
{
	struct exec_args	 a;
	size_t			 i, n = 0;
	int			 r;

	exec_args(&a, k);
	buf[0] = '\0';
	for (i = 1; a.argv[i] != NULL; i++) {
		r = snprintf(buf + n, len - n, "%s%s", i > 1 ? " " : "",
		    a.argv[i]);
		if (r < 0 || (size_t)r >= len - n)
			return ERR_TOOBIG;
		n += (size_t)r;
	}
	return 0;
}

static int
spawn_process(const struct worker_kind *k, const char *path, pid_t *pid,
    int child_chan, int child_err)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	struct exec_args		 a;
	char				*envp[] = { NULL };
	int				 r;

	exec_args(&a, k);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/*
	 * stdin and stdout lead nowhere, stderr to the workers' socket,
	 * the channel at its fixed number; every other fd is close-on-exec.
	 */
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, child_err, 2);
	posix_spawn_file_actions_adddup2(&fa, child_chan, WORKER_CHANNEL_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, WORKER_CHANNEL_FD + 1);
	/* libevent blocks and catches signals; the worker starts clean. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(pid, path, &fa, &attr, a.argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		errno = r;
		return ERR_SYS;
	}
	return 0;
}

/*
 * One worker process, for a client now or for the pool: its channel and
 * stderr record made, the executable checked (StrictModes) and spawned.  On
 * failure nothing is left, errno says why when it is ERR_SYS (the caller
 * backs off on EMFILE, EAGAIN, ...), and so does why.
 */
int
worker_exec(const struct worker_kind *k, struct wproc *p, char *why,
    size_t whylen)
{
	int	 sv[2] = { -1, -1 }, r, saved_errno = 0;
	char	 err[512], *path = NULL;

	p->pid = -1;
	p->chan = -1;
	p->err = NULL;
	if ((r = worker_exec_check(k->image, &path, err, sizeof(err))) != 0) {
		/* Out of descriptors: the caller backs off on errno. */
		saved_errno = r == ERR_SYS ? errno : 0;
		snprintf(why, whylen, "cannot start worker %s: %s",
		    image_path(k->image), err);
		goto fail;
	}
	if ((r = msg_channel(sv)) != 0) {
		saved_errno = errno;
		snprintf(why, whylen, "cannot create a worker's channel: %s",
		    strerror(saved_errno));
		goto fail;
	}
	if ((p->err = wstderr_new()) == NULL) {
		saved_errno = ENOMEM;
		r = ERR_SYS;
		snprintf(why, whylen, "cannot start a worker: out of memory");
		goto fail;
	}
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1) {
		saved_errno = errno;
		r = ERR_SYS;
		snprintf(why, whylen, "cannot set up a worker's channel: %s",
		    strerror(saved_errno));
		goto fail;
	}
	if ((r = spawn_process(k, path, &p->pid, sv[1],
	    wstderr_child_fd())) != 0) {
		saved_errno = errno;
		snprintf(why, whylen, "cannot start worker %s: %s", path,
		    strerror(saved_errno));
		goto fail;
	}
	free(path);
	close(sv[1]);
	p->chan = sv[0];
	wstderr_spawned(p->err, p->pid);
	return 0;

 fail:
	free(path);
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	wstderr_free(p->err);
	p->err = NULL;
	p->pid = -1;
	errno = saved_errno;
	return r;
}

void
worker_proc_end(struct wproc *p)
{
	if (p->pid != -1)
		kill(p->pid, SIGKILL);
	if (p->chan != -1)
		close(p->chan);
	wstderr_free(p->err);
	p->pid = -1;
	p->chan = -1;
	p->err = NULL;
}

void
worker_startup_over(struct worker *w)
{
	if (w->unauthenticated) {
		w->unauthenticated = 0;
		startups_remove(w->svc->name);
		if (w->source != NULL)
			startups_source_remove(w->source);
	}
}

static void
worker_free(struct worker *w)
{
	worker_startup_over(w);
	worker_forget_secrets(w);
	wstderr_free(w->err);
	w->err = NULL;
	if (w->ev_chan != NULL)
		event_free(w->ev_chan);
	if (w->ev_deadline != NULL)
		event_free(w->ev_deadline);
	if (w->chan != -1)
		close(w->chan);
	free(w->pool_key);
	/* The last worker of a configuration replaced by reload frees it. */
	config_unref(w->conf);
	free(w->source);
	free(w->counts);
	free(w);
}

static int	 spawn(const struct service *, const struct mon_connector *,
		    int, const char *);

int
worker_spawn(const struct service *svc, int client_fd, const char *source)
{
	const struct mon_connector	*mc;

	/* The load checked it: a connector that is not there is a bug. */
	if ((mc = mon_connector_find(svc->connector)) == NULL)
		fatal("service %s: no connector %s", svc->name,
		    svc->connector);
	return spawn(svc, mc, client_fd, source);
}

int
worker_spawn_health(int client_fd)
{
	return spawn(&health_service, &mon_health, client_fd, NULL);
}

int
worker_set_connector(struct worker *w, const struct mon_connector *mc)
{
	free(w->counts);
	w->conn = mc;
	w->health = (mc->flags & MC_HEALTH) != 0;
	if ((w->counts = calloc(dispatch_rows(mc), sizeof(*w->counts))) ==
	    NULL)
		return ERR_NOMEM;
	return 0;
}

size_t
worker_sessions(void)
{
	return mon.nworkers - mon.nhealth;
}

static void
worker_stderr_line(void *arg, struct budget *b, const unsigned char *line,
    size_t len)
{
	worker_text(arg, b, &budget_stderr, LOG_LVL_WARN, "worker stderr: ",
	    line, len);
}

/* The assignment: the connection, and the settings of this moment. */
static int
send_assignment(struct worker *w, int client_fd)
{
	const struct service	*svc = w->svc;
	struct buf		*b;
	int			 r;

	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, svc->name) != 0 ||
	    buf_put_cstring(b, svc->connector) != 0 ||
	    buf_put_u64(b, w->id) != 0 ||
	    buf_put_u32(b, (uint32_t)w->conf->handshake_timeout_ms) != 0 ||
	    buf_put_u32(b, (uint32_t)w->conf->idle_timeout_ms) != 0 ||
	    buf_put_u8(b, (uint8_t)log_level()) != 0 ||
	    kv_put(b, &svc->config) != 0) {
		buf_free(b);
		worker_kill(w, "cannot build its assignment");
		return ERR_NOMEM;
	}
	r = worker_send(w, MSG_ASSIGN, b, client_fd);
	buf_free(b);
	return r;
}

static int
spawn(const struct service *svc, const struct mon_connector *mc,
    int client_fd, const char *source)
{
	struct worker		*w;
	struct worker_kind	 k;
	struct wproc		 p = { -1, -1, NULL };
	char			 why[768];
	int			 r, pooled, saved_errno = 0;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ERR_NOMEM;
	w->chan = -1;
	w->rfd = -1;
	/* svc is a service of mon.conf, which must outlive this worker. */
	w->conf = config_ref(mon.conf);
	w->svc = svc;
	w->id = ++mon.next_id;
	w->state = W_ASSIGNED;
	if ((r = worker_set_connector(w, mc)) != 0) {
		wlog_error(w, "cannot start a worker: out of memory");
		goto fail;
	}

	/*
	 * An idle worker of the pool if there is one of the kind (health
	 * workers come and go on demand, and are not the pool's to count);
	 * else one started now.
	 */
	worker_kind_of(svc, mc, &k);
	pooled = !w->health && pool_take(&k, &p) == 0;
	if (!pooled)
		pool_make_room();
	if (!pooled && (r = worker_exec(&k, &p, why, sizeof(why))) != 0) {
		saved_errno = errno;
		wlog_error(w, "%s", why);
		goto fail;
	}
	w->pid = p.pid;
	w->chan = p.chan;
	w->err = p.err;
	p.pid = -1;
	p.chan = -1;
	p.err = NULL;
	w->ev_chan = event_new(mon.base, w->chan, EV_READ | EV_PERSIST,
	    worker_chan_cb, w);
	w->ev_deadline = evtimer_new(mon.base, worker_deadline_cb, w);
	wstderr_watch(w->err, worker_stderr_line, w);
	if (w->ev_chan == NULL || w->ev_deadline == NULL ||
	    event_add(w->ev_chan, NULL) == -1) {
		r = ERR_NOMEM;
		goto killit;
	}
	/* A health worker is no startup of any service. */
	if (!w->health) {
		if ((r = startups_add(svc->name)) != 0)
			goto killit;
		w->unauthenticated = 1;
		if (source != NULL && source[0] != '\0') {
			if ((w->source = strdup(source)) == NULL) {
				r = ERR_NOMEM;
				goto killit;
			}
			if ((r = startups_source_add(source)) != 0) {
				free(w->source);
				w->source = NULL;
				goto killit;
			}
		}
	}
	worker_set_deadline(w, mc->deadline_ms != 0 ? mc->deadline_ms :
	    mon.conf->handshake_timeout_ms);
	TAILQ_INSERT_TAIL(&mon.workers, w, entry);
	mon.nworkers++;
	metrics_spawned(w);
	if (w->health)
		mon.nhealth++;

	/*
	 * A new worker finds its assignment waiting in the channel when it
	 * has locked itself in; a worker of the pool has, and waits for it.
	 * Either reads it, and so the client fd, only once sandboxed.
	 */
	r = send_assignment(w, client_fd);
	wlog_debug(w, "worker %ld started%s", (long)w->pid, pooled ?
	    " (from the pool)" : "");
	return r;

 killit:
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
	/* Reaped here: what it wrote is read before its pid is forgotten. */
	wstderr_read_all();
 fail:
	worker_proc_end(&p);
	metrics_failed(w, FIG_SPAWN);
	worker_free(w);
	/* The caller decides on errno whether to back off. */
	errno = saved_errno;
	return r;
}

void
worker_set_deadline(struct worker *w, int ms)
{
	struct timeval	 tv;

	if (w->ev_deadline == NULL)
		return;		/* a unit test's stand-in */
	ms += w->health ? HEALTH_GRACE_MS : DEADLINE_GRACE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(w->ev_deadline, &tv);
}

int
worker_send(struct worker *w, uint32_t type, const struct buf *b, int fd)
{
	int	 r;

	if (w->chan == -1 || w->killed)
		return ERR_EOF;
	if ((r = msg_send(w->chan, type, b, fd)) == 0)
		return 0;
	if (r == ERR_EOF) {
		/* It has gone (its client left): nothing to answer. */
		wlog_debug(w, "worker gone before %s", dispatch_type_name(w->conn, type));
		worker_close_chan(w);
		worker_forget_secrets(w);
		return r;
	}
	/*
	 * The monitor never blocks on a worker: a worker whose channel is
	 * full is not reading what it asked for, so it is misbehaving.
	 */
	worker_kill(w, "cannot send %s: %s", dispatch_type_name(w->conn, type), err_str(r));
	return r;
}

int
worker_fail(struct worker *w, const char *fmt, ...)
{
	char		 reason[512];
	struct buf	*b;
	va_list		 ap;
	int		 r;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	wlog_info(w, "%s", reason);
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL ||
	    buf_put_cstring(b, reason) != 0) {
		buf_free(b);
		worker_kill(w, "out of memory");
		return ERR_NOMEM;
	}
	r = worker_send(w, MSG_FAILED, b, -1);
	buf_free(b);
	return r;
}

int
worker_reply(struct worker *w, uint32_t type, const void *v, size_t len)
{
	struct buf	*out;
	int		 r;

	if ((out = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return ERR_NOMEM;
	if ((r = buf_put_string(out, v, len)) == 0)
		r = worker_send(w, type, out, -1);
	buf_free(out);
	return r == ERR_EOF ? 0 : r;
}

void
worker_forget_secrets(struct worker *w)
{
	if (w->creq != NULL) {
		creds_cancel(w->creq);
		w->creq = NULL;
	}
	if (w->dial != NULL) {
		dial_cancel(w->dial);
		w->dial = NULL;
	}
	creds_free(w->creds);
	w->creds = NULL;
	ctls_forget(w);
	if (w->conn != NULL && w->conn->forget != NULL)
		w->conn->forget(w);
}

static void
worker_close_chan(struct worker *w)
{
	if (w->ev_chan != NULL)
		event_del(w->ev_chan);
	if (w->ev_deadline != NULL)
		event_del(w->ev_deadline);
	if (w->chan != -1)
		close(w->chan);
	w->chan = -1;
}

void
worker_kill(struct worker *w, const char *fmt, ...)
{
	char	 reason[256];
	va_list	 ap;

	if (w->killed)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	wlog_warn(w, "worker %ld killed: %s", (long)w->pid, reason);
	metrics_killed(w);
	w->killed = 1;
	w->state = W_DONE;
	if (!w->reaped)
		kill(w->pid, SIGKILL);
	worker_close_chan(w);
	wstderr_close(w->err);
	worker_forget_secrets(w);
}

void
worker_kill_all(void)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &mon.workers, entry)
		if (!w->killed)
			worker_kill(w, "airlockd is stopping");
}

static void
worker_deadline_cb(int fd, short ev, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)ev;
	/* A connector may have deadlines of its own (health's). */
	if (w->conn->deadline != NULL) {
		w->conn->deadline(w);
		return;
	}
	if (w->state != W_RELAY && w->state != W_SESSION &&
	    w->state != W_DONE) {
		metrics_failed(w, FIG_TIMEOUT);
		worker_kill(w, "handshake not finished within %d ms",
		    w->conf->handshake_timeout_ms);
	}
}

/* Handle at most max messages of the worker; each is handled or kills. */
static void
worker_read(struct worker *w, size_t max)
{
	struct buf	*b;
	uint32_t	 type;
	size_t		 n;
	int		 r, mfd, fd = w->chan;

	if (fd == -1 || w->killed)
		return;
	if ((b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL) {
		worker_kill(w, "out of memory");
		return;
	}
	for (n = 0; n < max && w->chan == fd && !w->killed; n++) {
		r = msg_recv(fd, &type, b, &mfd);
		if (r == ERR_AGAIN)
			break;
		if (r == ERR_EOF) {
			wlog_debug(w, "channel closed");
			worker_close_chan(w);
			worker_forget_secrets(w);
			break;
		}
		if (r != 0) {
			worker_kill(w, "malformed message: %s", err_str(r));
			break;
		}
		dispatch_message(w, type, b, mfd);
	}
	buf_free(b);
}

static void
worker_chan_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	worker_read(arg, WORKER_MSGS_PER_TURN);
}

static const char *
signal_note(int sig)
{
	switch (sig) {
	case SIGSYS:	return " (SIGSYS, sandbox violation)";
	case SIGKILL:	return " (SIGKILL)";
	case SIGSEGV:	return " (SIGSEGV)";
	case SIGABRT:	return " (SIGABRT)";
	default:	return "";
	}
}

void
worker_reap(void)
{
	struct worker	*w;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/*
		 * Whatever it wrote to its stderr is in the socket now, under
		 * a pid that may be another process's from now on: read it
		 * while it is still its, whoever's it was.
		 */
		wstderr_read_all();
		TAILQ_FOREACH(w, &mon.workers, entry)
			if (w->pid == pid)
				break;
		/* An idle worker of the pool, or one the pool let go. */
		if (w == NULL) {
			pool_reaped(pid, status);
			continue;
		}
		/*
		 * What it left on its channel (STATS, BYE, its last lines)
		 * is read now, within its limits, and its stderr's last
		 * line without a newline is logged.  Its pid
		 * may be another process's already: no kill(2) any more.
		 */
		w->reaped = 1;
		worker_read(w, SIZE_MAX);
		wstderr_drain(w->err);
		if (WIFSIGNALED(status) && !w->killed)
			wlog_warn(w, "worker %ld died of signal %d%s",
			    (long)pid, WTERMSIG(status),
			    signal_note(WTERMSIG(status)));
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			wlog_info(w, "worker %ld exited with status %d",
			    (long)pid, WEXITSTATUS(status));
		metrics_reaped(w, status);
		if (w->health)
			wlog_debug(w, "closed");
		else if (w->state == W_RELAY || w->state == W_SESSION ||
		    w->state == W_DONE)
			wlog_info(w, "closed (%llu bytes in, %llu out)",
			    (unsigned long long)w->bytes_c2b,
			    (unsigned long long)w->bytes_b2c);
		worker_close_chan(w);
		TAILQ_REMOVE(&mon.workers, w, entry);
		mon.nworkers--;
		if (w->health)
			mon.nhealth--;
		worker_free(w);
		if (!mon.draining)
			listeners_worker_gone();
		health_worker_gone();
	}
}
