/*
 * Endpoints and the relay over socketpairs.  The relay runs in a forked
 * child between two socketpairs; the test plays the client and the backend
 * at the outer ends and reads the child's result from a pipe.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h"
#include "errors.h"
#include "test.h"

#define MIB	(1024 * 1024)

struct relay_child {
	pid_t	 pid;
	int	 client;	/* the application's end */
	int	 backend;	/* the backend's end */
	int	 result;	/* the child's struct outcome arrives here */
};

struct outcome {
	int			 r;
	struct relay_stats	 st;
};

static int
relay_spawn(struct relay_child *rc, int idle_timeout_ms)
{
	struct endpoint	 ce, be;
	struct outcome	 o;
	int		 c[2], b[2], res[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, b) == -1)
		return -1;
	if (pipe(res) == -1)
		return -1;
	fflush(stdout);
	if ((rc->pid = fork()) == -1)
		return -1;
	if (rc->pid == 0) {
		alarm(20);
		close(c[0]);
		close(b[0]);
		close(res[0]);
		ep_init(&ce, c[1], "client");
		ep_init(&be, b[1], "backend");
		memset(&o, 0, sizeof(o));
		o.r = relay_run(&ce, &be, idle_timeout_ms, &o.st);
		if (write(res[1], &o, sizeof(o)) != sizeof(o))
			_exit(1);
		_exit(0);
	}
	close(c[1]);
	close(b[1]);
	close(res[1]);
	rc->client = c[0];
	rc->backend = b[0];
	rc->result = res[0];
	return 0;
}

/* The relay's outcome; closes whatever the test left open. */
static int
relay_reap(struct relay_child *rc, struct outcome *o)
{
	int	 status, ok;

	ok = read(rc->result, o, sizeof(*o)) == sizeof(*o);
	if (rc->client != -1)
		close(rc->client);
	if (rc->backend != -1)
		close(rc->backend);
	close(rc->result);
	if (waitpid(rc->pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static void
pattern(unsigned char *p, size_t n, uint32_t x)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x & 0xff;
	}
}

/* Read exactly n bytes from a blocking fd within 5 s; -1 on EOF or error. */
static ssize_t
read_n(int fd, void *p, size_t n)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	size_t		 off = 0;
	ssize_t		 r;

	while (off < n) {
		if (poll(&pfd, 1, 5000) != 1)
			return -1;
		if ((r = read(fd, (char *)p + off, n - off)) <= 0)
			return -1;
		off += r;
	}
	return off;
}

/* 1 when the next read on fd reports EOF within 5 s. */
static int
sees_eof(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 c;

	if (poll(&pfd, 1, 5000) != 1)
		return 0;
	return read(fd, &c, 1) == 0;
}

/*
 * Both ends write n bytes and read n bytes at the same time, then
 * half-close, then read to EOF; a pump that blocks in one direction while
 * the other fills up deadlocks here.
 */
static int
exchange(int a, int b, const unsigned char *outa, const unsigned char *outb,
    unsigned char *ina, unsigned char *inb, size_t n)
{
	struct pollfd	 pfd[2];
	size_t		 wa = 0, wb = 0, ra = 0, rb = 0;
	int		 eofa = 0, eofb = 0, shuta = 0, shutb = 0;
	ssize_t		 r;
	unsigned char	 extra[1];

	fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
	fcntl(b, F_SETFL, fcntl(b, F_GETFL) | O_NONBLOCK);
	while (!eofa || !eofb) {
		if (wa == n && !shuta) {
			shutdown(a, SHUT_WR);
			shuta = 1;
		}
		if (wb == n && !shutb) {
			shutdown(b, SHUT_WR);
			shutb = 1;
		}
		pfd[0].fd = a;
		pfd[0].events = (eofa ? 0 : POLLIN) | (wa < n ? POLLOUT : 0);
		pfd[1].fd = b;
		pfd[1].events = (eofb ? 0 : POLLIN) | (wb < n ? POLLOUT : 0);
		if (poll(pfd, 2, 5000) <= 0)
			return -1;
		if ((pfd[0].revents & POLLOUT) &&
		    (r = write(a, outa + wa, n - wa)) > 0)
			wa += r;
		if ((pfd[1].revents & POLLOUT) &&
		    (r = write(b, outb + wb, n - wb)) > 0)
			wb += r;
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			r = read(a, ra < n ? ina + ra : extra,
			    ra < n ? n - ra : sizeof(extra));
			if (r == 0)
				eofa = 1;
			else if (r > 0 && ra + r > n)
				return -1;	/* more than was sent */
			else if (r > 0)
				ra += r;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			r = read(b, rb < n ? inb + rb : extra,
			    rb < n ? n - rb : sizeof(extra));
			if (r == 0)
				eofb = 1;
			else if (r > 0 && rb + r > n)
				return -1;
			else if (r > 0)
				rb += r;
		}
	}
	return ra == n && rb == n ? 0 : -1;
}

TEST(relay_both_ways_1mib)
{
	struct relay_child	 rc;
	struct outcome		 o;
	unsigned char		*c2b, *b2c, *atb, *atc;

	c2b = malloc(MIB);
	b2c = malloc(MIB);
	atb = calloc(1, MIB);
	atc = calloc(1, MIB);
	REQUIRE(c2b != NULL && b2c != NULL && atb != NULL && atc != NULL);
	pattern(c2b, MIB, 0x12345678);
	pattern(b2c, MIB, 0x9abcdef1);
	REQUIRE(relay_spawn(&rc, 0) == 0);
	CHECK_INT(exchange(rc.client, rc.backend, c2b, b2c, atc, atb, MIB), 0);
	CHECK_MEM(atb, c2b, MIB);
	CHECK_MEM(atc, b2c, MIB);
	REQUIRE(relay_reap(&rc, &o) == 0);
	CHECK_INT(o.r, 0);
	CHECK_INT(o.st.c2b, MIB);
	CHECK_INT(o.st.b2c, MIB);
	free(c2b);
	free(b2c);
	free(atb);
	free(atc);
}

/* PostgreSQL's goodbye: the client sends Terminate and closes its side. */
TEST(relay_half_close_client_first)
{
	static const unsigned char terminate[5] = { 'X', 0, 0, 0, 4 };
	struct relay_child	 rc;
	struct outcome		 o;
	unsigned char		 buf[8];

	REQUIRE(relay_spawn(&rc, 0) == 0);
	CHECK_INT(write(rc.client, terminate, sizeof(terminate)), 5);
	CHECK_INT(shutdown(rc.client, SHUT_WR), 0);
	CHECK_INT(read_n(rc.backend, buf, 5), 5);
	CHECK_MEM(buf, terminate, 5);
	CHECK(sees_eof(rc.backend));
	/* The backend still has its say after the client's EOF. */
	CHECK_INT(write(rc.backend, "bye", 3), 3);
	close(rc.backend);
	rc.backend = -1;
	CHECK_INT(read_n(rc.client, buf, 3), 3);
	CHECK_MEM(buf, "bye", 3);
	CHECK(sees_eof(rc.client));
	REQUIRE(relay_reap(&rc, &o) == 0);
	CHECK_INT(o.r, 0);
	CHECK_INT(o.st.c2b, 5);
	CHECK_INT(o.st.b2c, 3);
}

TEST(relay_half_close_backend_first)
{
	struct relay_child	 rc;
	struct outcome		 o;
	unsigned char		 buf[8];

	REQUIRE(relay_spawn(&rc, 0) == 0);
	CHECK_INT(write(rc.backend, "hello", 5), 5);
	CHECK_INT(shutdown(rc.backend, SHUT_WR), 0);
	CHECK_INT(read_n(rc.client, buf, 5), 5);
	CHECK_MEM(buf, "hello", 5);
	CHECK(sees_eof(rc.client));
	CHECK_INT(write(rc.client, "more", 4), 4);
	CHECK_INT(shutdown(rc.client, SHUT_WR), 0);
	CHECK_INT(read_n(rc.backend, buf, 4), 4);
	CHECK_MEM(buf, "more", 4);
	CHECK(sees_eof(rc.backend));
	REQUIRE(relay_reap(&rc, &o) == 0);
	CHECK_INT(o.r, 0);
	CHECK_INT(o.st.c2b, 4);
	CHECK_INT(o.st.b2c, 5);
}

/* A reset from the backend ends the relay, and it is not our error. */
TEST(relay_reset_ends_normally)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct linger		 lg = { 1, 0 };
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	struct outcome		 o;
	pid_t			 pid;
	int			 lfd, bfd, peer, c[2], res[2], status;
	char			 buf[4];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	REQUIRE(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	REQUIRE(listen(lfd, 1) == 0);
	REQUIRE(getsockname(lfd, (struct sockaddr *)&sin, &slen) == 0);
	REQUIRE((bfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	REQUIRE(connect(bfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	REQUIRE((peer = accept(lfd, NULL, NULL)) != -1);
	close(lfd);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	REQUIRE(pipe(res) == 0);
	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(20);
		close(c[0]);
		close(peer);
		ep_init(&ce, c[1], "client");
		ep_init(&be, bfd, "backend");
		o.r = relay_run(&ce, &be, 0, &st);
		o.st = st;
		_exit(write(res[1], &o, sizeof(o)) == sizeof(o) ? 0 : 1);
	}
	close(c[1]);
	close(bfd);
	close(res[1]);
	CHECK_INT(write(peer, "abc", 3), 3);
	CHECK_INT(read_n(c[0], buf, 3), 3);
	/* Unread data and a zero linger: the close sends a reset. */
	CHECK_INT(write(c[0], "q", 1), 1);
	usleep(50000);
	CHECK_INT(setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(peer);
	CHECK(sees_eof(c[0]));
	CHECK_INT(read(res[0], &o, sizeof(o)), sizeof(o));
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(o.r, 0);
	CHECK_INT(o.st.b2c, 3);
	close(c[0]);
	close(res[0]);
}

TEST(relay_idle_timeout)
{
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	uint64_t		 t0, dt;
	int			 c[2], b[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	ep_init(&ce, c[1], "client");
	ep_init(&be, b[1], "backend");
	t0 = now_ms();
	CHECK_INT(relay_run(&ce, &be, 100, &st), ERR_TIMEOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 100 && dt < 2000);
	CHECK_INT(st.c2b, 0);
	CHECK_INT(st.b2c, 0);
	close(c[0]);
	close(c[1]);
	close(b[0]);
	close(b[1]);
}

/* Traffic keeps an idle timeout away; silence afterwards does not. */
TEST(relay_idle_timeout_counts_from_last_byte)
{
	struct relay_child	 rc;
	struct outcome		 o;
	uint64_t		 t0, dt;
	char			 buf[8];
	int			 i;

	REQUIRE(relay_spawn(&rc, 150) == 0);
	t0 = now_ms();
	for (i = 0; i < 6; i++) {
		usleep(50000);
		CHECK_INT(write(rc.client, "x", 1), 1);
		CHECK_INT(read_n(rc.backend, buf, 1), 1);
	}
	REQUIRE(relay_reap(&rc, &o) == 0);
	dt = now_ms() - t0;
	CHECK_INT(o.r, ERR_TIMEOUT);
	CHECK_INT(o.st.c2b, 6);
	CHECK(dt >= 300 + 150);
}

TEST(relay_closed_endpoint)
{
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	int			 b[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	ep_init(&ce, -1, "client");
	ep_init(&be, b[1], "backend");
	memset(&st, 0xff, sizeof(st));
	CHECK_INT(relay_run(&ce, &be, 0, &st), 0);
	CHECK_INT(st.c2b, 0);
	CHECK_INT(st.b2c, 0);
	close(b[0]);
	close(b[1]);
}

TEST(ep_deadlines)
{
	uint64_t	 t0, t1;

	t0 = now_ms();
	t1 = deadline_in(250);
	CHECK(t1 >= t0 + 250 && t1 < t0 + 1250);
	CHECK(deadline_in(-5) <= now_ms());
	CHECK(now_ms() >= t0);
}

TEST(ep_read_full_timeout)
{
	struct endpoint	 ep;
	unsigned char	 buf[4];
	uint64_t	 t0, dt;
	int		 sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "client");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	/* Some bytes, not enough: still a timeout. */
	CHECK_INT(write(sv[1], "ab", 2), 2);
	t0 = now_ms();
	CHECK_INT(ep_read_full(&ep, buf, sizeof(buf), deadline_in(50)),
	    ERR_TIMEOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 50 && dt < 1000);
	/* A deadline already gone does not wait at all. */
	t0 = now_ms();
	CHECK_INT(ep_read_full(&ep, buf, 1, now_ms() - 1), ERR_TIMEOUT);
	CHECK(now_ms() - t0 < 50);
	ep_close(&ep);
	CHECK_INT(ep.fd, -1);
	close(sv[1]);
}

TEST(ep_read_full_pieces)
{
	struct endpoint	 ep;
	unsigned char	 buf[4];
	pid_t		 pid;
	int		 sv[2], status;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		if (write(sv[1], "ab", 2) != 2)
			_exit(1);
		usleep(30000);
		if (write(sv[1], "cd", 2) != 2)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	ep_init(&ep, sv[0], "backend");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK_INT(ep_read_full(&ep, buf, 4, deadline_in(5000)), 0);
	CHECK_MEM(buf, "abcd", 4);
	CHECK_INT(ep_read_full(&ep, buf, 1, deadline_in(5000)), ERR_EOF);
	ep_close(&ep);
	CHECK_INT(waitpid(pid, &status, 0), pid);
}

TEST(ep_eof)
{
	struct endpoint	 ep;
	unsigned char	 buf[8];
	int		 sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "client");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK_INT(write(sv[1], "abc", 3), 3);
	close(sv[1]);
	/* Fewer bytes than asked, then EOF. */
	CHECK_INT(ep_read_full(&ep, buf, 5, deadline_in(1000)), ERR_EOF);
	CHECK_INT(ep_read_full(&ep, buf, 1, deadline_in(1000)), ERR_EOF);
	ep_close(&ep);

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "client");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK_INT(write(sv[1], "abc", 3), 3);
	shutdown(sv[1], SHUT_WR);
	CHECK_INT(ep_read_full(&ep, buf, 3, deadline_in(1000)), 0);
	CHECK_MEM(buf, "abc", 3);
	CHECK_INT(ep_has_pending(&ep), 1);	/* the EOF is readable */
	CHECK_INT(ep_read_full(&ep, buf, 1, deadline_in(1000)), ERR_EOF);
	ep_close(&ep);
	close(sv[1]);

	/* Reading nothing succeeds; a closed endpoint is refused. */
	ep_init(&ep, -1, "client");
	CHECK_INT(ep_read_full(&ep, buf, 1, deadline_in(1000)), ERR_INVAL);
	CHECK_INT(ep_write_full(&ep, buf, 1, deadline_in(1000)), ERR_INVAL);
	CHECK_INT(ep_prepare(&ep), ERR_INVAL);
	CHECK_INT(ep_has_pending(&ep), 0);
	ep_close(&ep);
}

TEST(ep_write_full_timeout_and_epipe)
{
	struct endpoint	 ep;
	unsigned char	*big;
	uint64_t	 t0, dt;
	size_t		 n = 16 * MIB;
	int		 sv[2];

	REQUIRE((big = calloc(1, n)) != NULL);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "backend");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK_INT(ep_write_full(&ep, "ping", 4, deadline_in(1000)), 0);
	/* Nobody reads: the socket buffer fills and the deadline passes. */
	t0 = now_ms();
	CHECK_INT(ep_write_full(&ep, big, n, deadline_in(50)), ERR_TIMEOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 50 && dt < 1000);
	/* A closed peer is an error, not a SIGPIPE. */
	close(sv[1]);
	errno = 0;
	CHECK_INT(ep_write_full(&ep, "x", 1, deadline_in(1000)), ERR_SYS);
	CHECK_INT(errno, EPIPE);
	ep_close(&ep);
	free(big);
}

TEST(ep_has_pending_plain)
{
	struct endpoint	 ep;
	unsigned char	 buf[2];
	int		 sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "client");
	CHECK_INT(ep_prepare(&ep), 0);
	CHECK_INT(ep_has_pending(&ep), 0);
	CHECK_INT(write(sv[1], "z", 1), 1);
	CHECK_INT(ep_has_pending(&ep), 1);
	CHECK_INT(ep_read_full(&ep, buf, 1, deadline_in(1000)), 0);
	CHECK_INT(ep_has_pending(&ep), 0);
	ep_close(&ep);
	close(sv[1]);
}

/*
 * A watch that lets everything before the first 'X' through and stops
 * there, and holds a trailing '?' back until the byte after it is read.
 */
static size_t
stop_at_x(void *arg, const unsigned char *p, size_t n, int *stop)
{
	const unsigned char	*x = memchr(p, 'X', n);

	(*(int *)arg)++;
	if (x != NULL) {
		*stop = 1;
		return (size_t)(x - p);
	}
	return n > 0 && p[n - 1] == '?' ? n - 1 : n;
}

/* The watch stops the relay once what came before the refused part is out. */
TEST(relay_watch_stops)
{
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	struct relay_watch	 watch;
	char			 buf[16];
	int			 c[2], b[2], looks = 0;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	ep_init(&ce, c[1], "client");
	ep_init(&be, b[1], "backend");
	watch.look = stop_at_x;
	watch.arg = &looks;
	REQUIRE(write(c[0], "abcXdef", 7) == 7);
	CHECK_INT(relay_run_watched(&ce, &be, 2000, &st, &watch),
	    RELAY_WATCH_STOP);
	CHECK(looks >= 1);
	CHECK_INT(st.c2b, 3);
	CHECK_INT(read(b[0], buf, sizeof(buf)), 3);
	CHECK_MEM(buf, "abc", 3);
	close(c[0]);
	close(c[1]);
	close(b[0]);
	close(b[1]);
}

/* Held bytes wait for the next read and then go through in order. */
TEST(relay_watch_holds)
{
	struct relay_watch	 watch;
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	char			 buf[16];
	int			 c[2], b[2], looks = 0, n, status;
	pid_t			 pid;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	fflush(stdout);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(20);
		close(c[0]);
		close(b[0]);
		ep_init(&ce, c[1], "client");
		ep_init(&be, b[1], "backend");
		watch.look = stop_at_x;
		watch.arg = &looks;
		_exit(relay_run_watched(&ce, &be, 5000, &st, &watch) ==
		    RELAY_WATCH_STOP && st.c2b == 5 ? 0 : 1);
	}
	close(c[1]);
	close(b[1]);
	REQUIRE(write(c[0], "ab?", 3) == 3);
	/* Only "ab" arrives: the '?' is held. */
	CHECK_INT(read_n(b[0], buf, 2), 2);
	CHECK_MEM(buf, "ab", 2);
	usleep(100000);
	REQUIRE(write(c[0], "cdXe", 4) == 4);
	n = read_n(b[0], buf, 3);
	CHECK_INT(n, 3);
	CHECK_MEM(buf, "?cd", 3);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	close(c[0]);
	close(b[0]);
}
