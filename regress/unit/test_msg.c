/* Unit tests of the privsep channel and kv lists (privsep/msg.c, kv.c). */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "msg.h"
#include "test.h"

static struct buf *
payload_buf(void)
{
	return buf_new(MSG_MAX_PAYLOAD + 1);
}

/* Send raw bytes as one datagram, optionally with n descriptors. */
static void
send_raw(int sock, const void *p, size_t len, const int *fds, int nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	unsigned char	 cbuf[CMSG_SPACE(sizeof(int) * 256)];
	struct cmsghdr	*c;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (sendmsg(sock, &mh, 0) == -1)
		test_fail(__FILE__, __LINE__, "sendmsg");
}

static int
count_open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

TEST(msg_roundtrip_with_fd)
{
	struct buf	*out = buf_new(0), *in = payload_buf();
	struct stat	 a, b;
	uint32_t	 type, v;
	int		 sv[2], fd, devnull;

	REQUIRE(out != NULL && in != NULL);
	REQUIRE(msg_channel(sv) == 0);
	devnull = open("/dev/null", O_RDONLY);
	CHECK_INT(buf_put_u32(out, 42), 0);
	CHECK_INT(msg_send(sv[0], MSG_DIALED, out, devnull), 0);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), 0);
	CHECK_INT(type, MSG_DIALED);
	CHECK_INT(buf_get_u32(in, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(buf_expect_end(in), 0);
	REQUIRE(fd != -1);
	fstat(fd, &a);
	fstat(devnull, &b);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	/* Received descriptors are close-on-exec. */
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(devnull);
	/* An empty message, no fd. */
	CHECK_INT(msg_send(sv[0], MSG_BYE, NULL, -1), 0);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), 0);
	CHECK_INT(type, MSG_BYE);
	CHECK_INT(fd, -1);
	CHECK_INT(buf_len(in), 0);
	close(sv[0]);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_EOF);
	close(sv[1]);
	buf_free(out);
	buf_free(in);
}

TEST(msg_refuses_oversized_send)
{
	struct buf	*out = buf_new(MSG_MAX_PAYLOAD + 10);
	unsigned char	*p;
	int		 sv[2];

	REQUIRE(out != NULL && msg_channel(sv) == 0);
	REQUIRE(buf_reserve(out, MSG_MAX_PAYLOAD + 1, &p) == 0);
	memset(p, 0, MSG_MAX_PAYLOAD + 1);
	CHECK_INT(msg_send(sv[0], MSG_LOG, out, -1), ERR_TOOBIG);
	close(sv[0]);
	close(sv[1]);
	buf_free(out);
}

TEST(msg_framing_violations)
{
	struct buf	*in = payload_buf();
	unsigned char	 raw[MSG_HDR_LEN + MSG_MAX_PAYLOAD + 8];
	uint32_t	 type;
	int		 sv[2], fd, fds[200], i, before;
	/* Header says 100 bytes, 10 follow. */
	static const unsigned char lying[] = { 0, 0, 0, 11, 0, 0, 0, 100,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	/* Shorter than a header. */
	static const unsigned char stub[] = { 0, 0, 0 };

	REQUIRE(in != NULL && msg_channel(sv) == 0);
	send_raw(sv[0], lying, sizeof(lying), NULL, 0);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_FORMAT);
	CHECK_INT(fd, -1);
	send_raw(sv[0], stub, sizeof(stub), NULL, 0);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_SHORT);

	/* A payload over the maximum, header honest: too big. */
	memset(raw, 0, sizeof(raw));
	raw[3] = MSG_LOG;
	raw[4] = 0; raw[5] = (MSG_MAX_PAYLOAD + 8) >> 16;
	raw[6] = ((MSG_MAX_PAYLOAD + 8) >> 8) & 0xff;
	raw[7] = (MSG_MAX_PAYLOAD + 8) & 0xff;
	send_raw(sv[0], raw, sizeof(raw), NULL, 0);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_TOOBIG);

	/* A flood of descriptors on one message: refused, none leaks. */
	before = count_open_fds();
	for (i = 0; i < 200; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	memset(raw, 0, MSG_HDR_LEN);
	raw[3] = MSG_LOG;
	send_raw(sv[0], raw, MSG_HDR_LEN, fds, 200);
	for (i = 0; i < 200; i++)
		close(fds[i]);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_TOOBIG);
	CHECK_INT(fd, -1);
	CHECK_INT(count_open_fds(), before);

	/* Two descriptors: also refused, both closed. */
	fds[0] = open("/dev/null", O_RDONLY);
	fds[1] = open("/dev/null", O_RDONLY);
	send_raw(sv[0], raw, MSG_HDR_LEN, fds, 2);
	close(fds[0]);
	close(fds[1]);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_TOOBIG);
	CHECK_INT(count_open_fds(), before);

	/* Non-blocking and empty: ERR_AGAIN; with a deadline: ERR_TIMEOUT. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	CHECK_INT(msg_recv(sv[1], &type, in, &fd), ERR_AGAIN);
	CHECK_INT(msg_recv_timeout(sv[1], 20, &type, in, &fd), ERR_TIMEOUT);
	close(sv[0]);
	close(sv[1]);
	buf_free(in);
}

TEST(kv_roundtrip_and_rules)
{
	struct kvlist	 l, m;
	struct buf	*b = buf_new(0);
	size_t		 n;
	const char	*v;
	int		 i;
	char		 key[16];

	REQUIRE(b != NULL);
	kv_init(&l);
	CHECK_INT(kv_set_str(&l, "username", "alice"), 0);
	CHECK_INT(kv_set(&l, "pem", "a\0b", 3), 0);
	CHECK_INT(kv_set_str(&l, "username", "bob"), 0);	/* replace */
	CHECK_INT(l.n, 2);
	CHECK_INT(kv_put(b, &l), 0);
	CHECK_INT(kv_get_list(b, &m), 0);
	CHECK_INT(buf_expect_end(b), 0);
	CHECK_STR(kv_get(&m, "username", NULL), "bob");
	v = kv_get(&m, "pem", &n);
	CHECK_INT(n, 3);
	CHECK(v != NULL && memcmp(v, "a\0b", 3) == 0);
	CHECK(kv_get(&m, "nothere", NULL) == NULL);
	kv_clear(&m);

	/* A duplicated key on the wire is refused. */
	buf_reset(b);
	buf_put_u32(b, 2);
	buf_put_cstring(b, "k");
	buf_put_cstring(b, "1");
	buf_put_cstring(b, "k");
	buf_put_cstring(b, "2");
	CHECK_INT(kv_get_list(b, &m), ERR_FORMAT);
	CHECK_INT(m.n, 0);
	/* An empty key, a count over the limit, a truncated list. */
	buf_reset(b);
	buf_put_u32(b, 1);
	buf_put_cstring(b, "");
	buf_put_cstring(b, "x");
	CHECK_INT(kv_get_list(b, &m), ERR_FORMAT);
	buf_reset(b);
	buf_put_u32(b, MSG_MAX_KV + 1);
	CHECK_INT(kv_get_list(b, &m), ERR_TOOBIG);
	buf_reset(b);
	buf_put_u32(b, 0xffffffff);
	CHECK_INT(kv_get_list(b, &m), ERR_TOOBIG);
	buf_reset(b);
	buf_put_u32(b, 2);
	buf_put_cstring(b, "a");
	buf_put_cstring(b, "1");
	CHECK_INT(kv_get_list(b, &m), ERR_SHORT);
	CHECK_INT(m.n, 0);
	kv_clear(&l);
	/* No more than MSG_MAX_KV pairs can be built either. */
	for (i = 0; i < MSG_MAX_KV; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CHECK_INT(kv_set_str(&l, key, "v"), 0);
	}
	CHECK_INT(kv_set_str(&l, "one-more", "v"), ERR_TOOBIG);
	kv_clear(&l);
	buf_free(b);
}

/*
 * A worker that exits without reading what the monitor sent it (its
 * assignment, when its sandbox failed) resets the channel: the monitor's
 * next read says ECONNRESET before the messages the worker sent last.
 * Those still arrive (its last log line says why it ended), then EOF.
 */
TEST(msg_last_words_after_reset)
{
	struct buf	*in, *out;
	uint32_t	 type;
	int		 sv[2], fd;

	REQUIRE(msg_channel(sv) == 0);
	in = payload_buf();
	out = buf_new(64);
	REQUIRE(in != NULL && out != NULL);
	REQUIRE(buf_put_cstring(out, "sandbox: why") == 0);
	CHECK_INT(msg_send(sv[0], MSG_ASSIGN, out, -1), 0);
	CHECK_INT(msg_send(sv[1], MSG_LOG, out, -1), 0);
	close(sv[1]);
	CHECK_INT(msg_recv(sv[0], &type, in, &fd), 0);
	CHECK_INT(type, MSG_LOG);
	CHECK_INT(buf_len(in), buf_len(out));
	CHECK_INT(msg_recv(sv[0], &type, in, &fd), ERR_EOF);
	close(sv[0]);
	buf_free(in);
	buf_free(out);
}
