/*
 * A worker: serves exactly one client connection, sandboxed.  The body of
 * every executable (worker.h, struct worker_image): airlock-worker
 * (wimage.c), airlock-worker-ssh (wimage_ssh.c) and airlock-worker-plain
 * (wimage_plain.c, with notls.c for TLS), which differ in their
 * connectors and in the libraries they link.
 *
 * The monitor executes one with the channel at WORKER_CHANNEL_FD, an empty
 * environment and non-secret arguments: what only a new process can change
 * (user, root, memory limit, sandbox mode, whether it sets TLS up).  It
 * initialises what cannot be initialised later (libsodium; OpenSSL unless
 * -p says the connection needs no TLS), locks itself in (sandbox.c), and
 * only then reads its assignment and with it the client's socket and the
 * connection's settings.  A worker of the pool (monitor/pool.c) waits there
 * until a client comes; one started for a client finds its assignment
 * waiting.  After the connector's handshake it relays bytes until either
 * side closes.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "secret.h"
#include "tls.h"
#include "worker.h"
#include "util.h"

/* channel, stdio, client, backend, a pipe pair, and spares for libraries */
#define WORKER_MAX_FDS		16
/*
 * The worker's secrets (include/secret.h, SECRET_POLICY_LOCKED): one
 * connection's passwords and header values, a few hundred bytes at a time;
 * what does not fit goes to libsodium.  Locked at start: 4 pages of USS.
 */
#define WORKER_SECRET_ARENA	(16 * 1024)

#ifdef AIRLOCK_SANITIZER
/*
 * Sanitizer builds only (regress/sanitize.sh).  The monitor starts the
 * worker with an empty environment, so ASAN_OPTIONS and UBSAN_OPTIONS never
 * reach it: these are its options.  No leak check: LeakSanitizer stops the
 * world with prctl, clone and ptrace at exit, which the filter kills.  No
 * symbolizer: it would have to be executed; reports name module+offset,
 * which regress/reports.sh turns into file:line.
 */
const char	*__asan_default_options(void);
const char	*__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:halt_on_error=1:symbolize=0:"
	    "detect_stack_use_after_return=1:strict_string_checks=1";
}

const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1:symbolize=0";
}
#endif

/* The executable's (worker_main). */
static const struct worker_image	*image;

const struct connector *
connector_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < image->nconnectors; i++)
		if (strcmp(image->connectors[i]->name, name) == 0)
			return image->connectors[i];
	return NULL;
}

/*
 * Log lines go to the monitor, which adds the service and the connection
 * from its own table: what the worker would claim about itself is not
 * trusted, so ctx is not sent.
 */
static void
log_to_monitor(int level, const struct log_ctx *ctx, const char *line,
    void *arg)
{
	int		 chan = *(int *)arg;
	struct buf	*b;

	(void)ctx;
	if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL)
		return;
	if (buf_put_u8(b, level) == 0 && buf_put_cstring(b, line) == 0)
		msg_send(chan, MSG_LOG, b, -1);
	buf_free(b);
}

static long
number_arg(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max) {
		fprintf(stderr, "airlock-worker: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/*
 * The assignment, and nothing before it.  No deadline: the channel is no
 * network, and a worker of the pool waits for a client as long as the
 * monitor keeps it; the monitor closing the channel (EOF) ends it quietly.
 */
static int
receive_assignment(struct wconn *c, int *handshake_ms)
{
	struct buf	*b;
	uint32_t	 type, hs, idle;
	uint8_t		 level;
	int		 r, fd = -1;

	if ((b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return ERR_NOMEM;
	r = msg_recv_timeout(c->chan, -1, &type, b, &fd);
	if (r == 0 && (type != MSG_ASSIGN || fd == -1))
		r = ERR_PROTO;
	if (r == 0 && ((r = buf_get_cstring(b, &c->service, 256)) != 0 ||
	    (r = buf_get_cstring(b, &c->connector, 64)) != 0 ||
	    (r = buf_get_u64(b, &c->id)) != 0 ||
	    (r = buf_get_u32(b, &hs)) != 0 ||
	    (r = buf_get_u32(b, &idle)) != 0 ||
	    (r = buf_get_u8(b, &level)) != 0 ||
	    (r = kv_get_list(b, &c->opts)) != 0 ||
	    (r = buf_expect_end(b)) != 0))
		r = ERR_PROTO;
	/* The bounds of handshakeTimeout and idleTimeout (confkeys.c). */
	if (r == 0 && (hs < 1 || hs > ASSIGN_HANDSHAKE_MAX ||
	    idle > ASSIGN_IDLE_MAX || level > LOG_LVL_DEBUG))
		r = ERR_PROTO;
	buf_free(b);
	if (r != 0) {
		if (fd != -1)
			close(fd);
		return r;
	}
	*handshake_ms = (int)hs;
	c->idle_timeout_ms = (int)idle;
	log_set_level(level);
	ep_init(&c->client, fd, "client");
	return ep_prepare(&c->client);
}

/*
 * Before the sandbox: what only TLS needs (OpenSSL's configuration, DRBGs
 * and algorithms; 2 ms and most of an idle worker's memory) is set up only
 * when the connection may need it, and the image's own libraries after it.
 */
static int
crypto_init(int tls)
{
	char	 why[256];

	if (tls_alloc_ready() != 0 || secret_init() != 0)
		return ERR_SYS;
	/* Else libsodium's memory, a mapping per secret: slower, as safe. */
	if (secret_memory_start(SECRET_POLICY_LOCKED, WORKER_SECRET_ARENA,
	    why, sizeof(why)) != 0 || why[0] != '\0')
		log_debug("secret memory: libsodium (%s)", why);
	if (tls && tls_global_init() != 0)
		return ERR_SYS;
	if (image->init != NULL && image->init() != 0)
		return ERR_SYS;
	return 0;
}

int
worker_main(int argc, char **argv, const struct worker_image *img)
{
	struct sandbox_opts	 sb;
	struct wconn		 c;
	struct relay_stats	 st;
	struct stat		 sst;
	const struct connector	*conn;
	char			 err[256];
	int			 ch, handshake_ms, r, tls = 1;

	image = img;
	memset(&sb, 0, sizeof(sb));
	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	ep_init(&c.client, -1, "client");
	ep_init(&c.backend, -1, "backend");
	sb.privileged = 1;
	sb.max_fds = WORKER_MAX_FDS;
	log_init("airlock-worker", LOG_LVL_INFO);
	while ((ch = getopt(argc, argv, "c:g:m:npTu:")) != -1) {
		switch (ch) {
		case 'c':
			sb.chroot_dir = optarg;
			break;
		case 'g':
			sb.gid = number_arg(optarg, 1, INT_MAX);
			break;
		case 'm':
			sb.max_address_space = number_arg(optarg, 0, LONG_MAX);
			break;
		case 'n':
			sb.privileged = 0;
			break;
		case 'p':
			tls = 0;
			break;
		case 'T':
			sb.trap_debug = 1;
			break;
		case 'u':
			sb.uid = number_arg(optarg, 1, INT_MAX);
			break;
		default:
			fprintf(stderr, "airlock-worker: started by airlockd "
			    "only\n");
			return 2;
		}
	}
	c.chan = WORKER_CHANNEL_FD;
	if (fstat(c.chan, &sst) == -1 || !S_ISSOCK(sst.st_mode)) {
		fprintf(stderr, "airlock-worker: no channel at fd %d; this "
		    "program is started by airlockd\n", WORKER_CHANNEL_FD);
		return 2;
	}
	log_set_sink(log_to_monitor, &c.chan);

	/*
	 * Everything that may touch a file happens before the sandbox.  glibc
	 * reads /etc/localtime the first time a time is converted, which
	 * OpenSSL does when it checks a certificate's validity: read it now.
	 */
	tzset();
	/* OpenSSL writes with write(2): a gone peer is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	if (crypto_init(tls) != 0) {
		log_error("cannot initialise the crypto libraries");
		return WORKER_EXIT_FAILED;
	}
	if (sandbox_apply(&sb, err, sizeof(err)) != 0) {
		log_error("sandbox: %s", err);
		return WORKER_EXIT_FAILED;
	}

	if ((r = receive_assignment(&c, &handshake_ms)) == ERR_EOF)
		return WORKER_EXIT_OK;	/* the pool let it go */
	if (r != 0) {
		log_error("no valid assignment from the monitor");
		return WORKER_EXIT_FAILED;
	}
	c.deadline = deadline_in(handshake_ms);
	/* After the assignment, which may set the log level. */
	log_debug("worker %s, TLS %s", image->name, tls ? "set up" :
	    "not set up");
	if ((conn = connector_find(c.connector)) == NULL) {
		log_error("connector %s is not built in", c.connector);
		return WORKER_EXIT_FAILED;
	}
	if ((r = conn->handshake(&c)) != 0)
		return r == ERR_TIMEOUT ? WORKER_EXIT_TIMEOUT :
		    WORKER_EXIT_FAILED;
	if (conn->serve != NULL) {
		r = conn->serve(&c, &st);
		wchan_stats(&c, &st);
	} else if (c.client.fd != -1 && c.backend.fd != -1) {
		/* A CancelRequest leaves nothing to relay. */
		r = relay_run(&c.client, &c.backend, c.idle_timeout_ms, &st);
		if (r == ERR_TIMEOUT)
			log_info("idle for %d ms; closing", c.idle_timeout_ms);
		wchan_stats(&c, &st);
	}
	ep_close(&c.client);
	ep_close(&c.backend);
	msg_send(c.chan, MSG_BYE, NULL, -1);
	return WORKER_EXIT_OK;
}
