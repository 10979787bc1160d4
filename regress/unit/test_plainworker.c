/*
 * A worker started for a plaintext connection (airlock-worker -p) has set
 * no OpenSSL up: should its connection ask for TLS all the same, the
 * handshake fails with a reason for the client and the worker exits, never
 * a crash and never OpenSSL's start inside the sandbox.  So does
 * airlock-worker-plain, which has no OpenSSL at all (worker/notls.c).  The
 * real executables, beside this one's directory (../../airlock-worker),
 * with the test as their monitor, their pg client and their backend.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "test.h"

/* A worker's path, from this executable's (regress/unit/unittest). */
static int
worker_path(const char *image, char *path, size_t len)
{
	char	 self[PATH_MAX], *slash;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	return (size_t)snprintf(path, len, "%s/../../%s", self, image) < len ?
	    0 : -1;
}

/*
 * As root (the tests run as root), the worker insists on its whole drop:
 * nobody, in an empty root of its own (root); else unprivileged (-n).
 */
static pid_t
spawn_plain(const char *image, int chan, char *root)
{
	posix_spawn_file_actions_t	 fa;
	char				 path[PATH_MAX + 32];
	char				*argv[] = { "airlock-worker", "-p", "-n",
					    NULL, NULL, NULL, NULL, NULL, NULL,
					    NULL };
	char				*envp[] = { NULL };
	pid_t				 pid;
	int				 r;

	if (worker_path(image, path, sizeof(path)) != 0)
		return -1;
	/* Its own name, as airlockd gives it (monitor/workers.c). */
	argv[0] = (char *)image;
	if (geteuid() == 0) {
		if (mkdtemp(root) == NULL || chmod(root, 0755) == -1)
			return -1;
		argv[2] = "-u";
		argv[3] = "65534";
		argv[4] = "-g";
		argv[5] = "65534";
		argv[6] = "-c";
		argv[7] = root;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, chan, WORKER_CHANNEL_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, WORKER_CHANNEL_FD + 1);
	r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	return r == 0 ? pid : -1;
}

/* The next message that is not a log line: its type, or 0. */
static uint32_t
next_request(int chan, struct buf *b)
{
	uint32_t	 type;
	int		 fd;

	for (;;) {
		buf_reset(b);
		if (msg_recv_timeout(chan, 5000, &type, b, &fd) != 0)
			return 0;
		if (fd != -1)
			close(fd);
		if (type != MSG_LOG)
			return type;
	}
}

/* Read what comes until EOF (or 5 s, or len bytes): the count. */
static size_t
read_all(int fd, char *p, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 got = 0;
	ssize_t		 n;

	while (got < len && poll(&pfd, 1, 5000) == 1) {
		if ((n = read(fd, p + got, len - got)) <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* image -p: a pg connection whose backend says yes to SSLRequest. */
static void
refuses_tls(const char *image)
{
	/* StartupMessage, protocol 3.0 (PostgreSQL protocol, 55.7). */
	static const char startup[] = "\0\0\0\x1b\0\x03\0\0user\0x\0"
	    "database\0y\0";
	char		 ssl[8], out[1024];
	struct buf	*b;
	struct kvlist	 params;
	char		 root[] = "/tmp/airlock-plainworker.XXXXXX";
	pid_t		 pid;
	size_t		 n;
	int		 ch[2], cl[2], be[2], status = -1;

	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ch) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, be) == 0);
	REQUIRE((b = buf_new(MSG_MAX_PAYLOAD + 1)) != NULL);
	kv_init(&params);
	/* A worker that is gone early is a failed check, not our death. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	pid = spawn_plain(image, ch[1], root);
	close(ch[1]);
	REQUIRE(pid > 0);

	/* The assignment of a pg connection, and the client's startup. */
	CHECK(buf_put_cstring(b, "plain") == 0 &&
	    buf_put_cstring(b, "pg") == 0 && buf_put_u64(b, 1) == 0 &&
	    buf_put_u32(b, 5000) == 0 && buf_put_u32(b, 0) == 0 &&
	    buf_put_u8(b, 0) == 0 && kv_put(b, &params) == 0);
	CHECK(msg_send(ch[0], MSG_ASSIGN, b, cl[1]) == 0);
	close(cl[1]);
	CHECK(write(cl[0], startup, sizeof(startup)) ==
	    (ssize_t)sizeof(startup));

	/* The dial, answered with a backend whose sslmode is require. */
	CHECK_INT(next_request(ch[0], b), MSG_DIAL);
	buf_reset(b);
	CHECK(kv_set_str(&params, "sslmode", "require") == 0 &&
	    kv_set_str(&params, "host", "localhost") == 0 &&
	    kv_put(b, &params) == 0);
	CHECK(msg_send(ch[0], MSG_DIALED, b, be[1]) == 0);
	close(be[1]);
	/* SSLRequest (55.2.10), answered yes. */
	CHECK_INT(read_all(be[0], ssl, sizeof(ssl)), sizeof(ssl));
	CHECK(write(be[0], "S", 1) == 1);

	/* An ErrorResponse that says why, and a worker that exits. */
	n = read_all(cl[0], out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK(n > 0 && out[0] == 'E');
	CHECK(memmem(out, n, "TLS is not set up in this worker", 32) != NULL);
	close(cl[0]);
	close(be[0]);
	close(ch[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (strchr(root, 'X') == NULL)
		rmdir(root);
	kv_clear(&params);
	buf_free(b);
}

TEST(plain_worker_refuses_tls)
{
	refuses_tls("airlock-worker");
}

TEST(plain_image_refuses_tls)
{
	refuses_tls("airlock-worker-plain");
}
