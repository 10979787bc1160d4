/*
 * worker/sshchan.c: the SSH requests' wrappers, each with the monitor's
 * answer queued on the channel before it is called: what they send, what
 * they take from an answer, and answers they refuse (a count out of
 * range, bytes after the last field, an empty signature, no socket).
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "errors.h"
#include "msg.h"
#include "secret.h"
#include "ssh.h"
#include "sshmsg.h"
#include "test.h"
#include "worker.h"

struct chan {
	struct wconn	 c;
	int		 mon;		/* the monitor's end */
	struct buf	*b;
};

static int
chan_open(struct chan *ch)
{
	int	 sv[2];

	memset(ch, 0, sizeof(*ch));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1 ||
	    (ch->b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		return -1;
	ch->c.chan = sv[0];
	ch->mon = sv[1];
	ch->c.deadline = deadline_in(5000);
	return 0;
}

static void
chan_close(struct chan *ch)
{
	close(ch->c.chan);
	close(ch->mon);
	buf_free(ch->b);
}

/* The monitor's answer, queued: ch->b's bytes with type and fd. */
static int
answer(struct chan *ch, uint32_t type, int fd)
{
	int	 r = msg_send(ch->mon, type, ch->b, fd);

	buf_reset(ch->b);
	return r;
}

/* The request the wrapper sent, into ch->b: 0 when it is of type want. */
static int
request(struct chan *ch, uint32_t want)
{
	uint32_t	 type;
	int		 fd;

	if (msg_recv_timeout(ch->mon, 1000, &type, ch->b, &fd) != 0 ||
	    fd != -1)
		return -1;
	return type == want ? 0 : -1;
}

static int
put_keys(struct buf *b, uint32_t n)
{
	uint32_t	 i;

	if (buf_put_u32(b, n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_put_cstring(b, "BLOB") != 0 ||
		    buf_put_cstring(b, i == 0 ? "first" : "") != 0)
			return -1;
	return 0;
}

TEST(sshchan_keys_answers)
{
	struct chan	 ch;
	struct ssh_keys	 keys;
	char		 err[128];

	REQUIRE(chan_open(&ch) == 0);
	REQUIRE(put_keys(ch.b, 2) == 0 && answer(&ch, MSG_SSH_KEYS, -1) == 0);
	CHECK_INT(sshchan_keys(&ch.c, &keys, err, sizeof(err)), 0);
	CHECK_INT(request(&ch, MSG_SSH_KEYS), 0);
	CHECK_INT(buf_len(ch.b), 0);
	CHECK_INT(keys.n, 2);
	CHECK(keys.bloblen[0] == 4 && memcmp(keys.blob[0], "BLOB", 4) == 0);
	CHECK_STR(keys.comment[0], "first");
	CHECK_STR(keys.comment[1], "");
	sshchan_keys_free(&keys);
	CHECK_INT(keys.n, 0);

	/* None, more than SSH_MAX_KEYS, a byte more: a broken channel. */
	REQUIRE(put_keys(ch.b, 0) == 0 && answer(&ch, MSG_SSH_KEYS, -1) == 0);
	CHECK_INT(sshchan_keys(&ch.c, &keys, err, sizeof(err)), ERR_PROTO);
	CHECK_STR(err, "airlock: internal channel error");
	REQUIRE(put_keys(ch.b, SSH_MAX_KEYS + 1) == 0 &&
	    answer(&ch, MSG_SSH_KEYS, -1) == 0);
	CHECK_INT(sshchan_keys(&ch.c, &keys, err, sizeof(err)), ERR_PROTO);
	REQUIRE(put_keys(ch.b, 1) == 0 && buf_put_u8(ch.b, 0) == 0 &&
	    answer(&ch, MSG_SSH_KEYS, -1) == 0);
	CHECK_INT(sshchan_keys(&ch.c, &keys, err, sizeof(err)), ERR_PROTO);
	CHECK_INT(keys.n, 0);

	/* The monitor's refusal, with its reason for the client. */
	REQUIRE(buf_put_cstring(ch.b, "no keys today") == 0 &&
	    answer(&ch, MSG_FAILED, -1) == 0);
	CHECK_INT(sshchan_keys(&ch.c, &keys, err, sizeof(err)), ERR_DENIED);
	CHECK_STR(err, "airlock: no keys today");
	chan_close(&ch);
}

TEST(sshchan_sign_answers)
{
	struct chan		 ch;
	struct buf		*sig = buf_new(0);
	const unsigned char	*v;
	size_t			 len;
	uint32_t		 flags;
	char			 err[128];

	REQUIRE(sig != NULL && chan_open(&ch) == 0);
	REQUIRE(buf_put_cstring(ch.b, "SIGNATURE") == 0 &&
	    answer(&ch, MSG_SSH_SIGN, -1) == 0);
	CHECK_INT(sshchan_sign(&ch.c, (const unsigned char *)"KEY", 3,
	    (const unsigned char *)"data", 4, 4, sig, err, sizeof(err)), 0);
	CHECK(buf_len(sig) == 9 && memcmp(buf_ptr(sig), "SIGNATURE", 9) == 0);
	CHECK_INT(request(&ch, MSG_SSH_SIGN), 0);
	CHECK(buf_get_string_direct(ch.b, &v, &len) == 0 && len == 3 &&
	    memcmp(v, "KEY", 3) == 0);
	CHECK(buf_get_string_direct(ch.b, &v, &len) == 0 && len == 4 &&
	    memcmp(v, "data", 4) == 0);
	CHECK(buf_get_u32(ch.b, &flags) == 0 && flags == 4 &&
	    buf_expect_end(ch.b) == 0);
	buf_reset(ch.b);

	/* An empty signature is none. */
	buf_reset(sig);
	REQUIRE(buf_put_cstring(ch.b, "") == 0 &&
	    answer(&ch, MSG_SSH_SIGN, -1) == 0);
	CHECK_INT(sshchan_sign(&ch.c, (const unsigned char *)"KEY", 3,
	    (const unsigned char *)"data", 4, 0, sig, err, sizeof(err)),
	    ERR_PROTO);
	buf_free(sig);
	chan_close(&ch);
}

TEST(sshchan_bind_answers)
{
	struct chan		 ch;
	const unsigned char	*v;
	size_t			 len;
	uint8_t			 fwd;
	char			 err[128];

	REQUIRE(chan_open(&ch) == 0);
	REQUIRE(answer(&ch, MSG_SSH_BIND, -1) == 0);
	CHECK_INT(sshchan_bind(&ch.c, (const unsigned char *)"HK", 2,
	    (const unsigned char *)"SID", 3, (const unsigned char *)"S", 1, 1,
	    err, sizeof(err)), 0);
	CHECK_INT(request(&ch, MSG_SSH_BIND), 0);
	CHECK(buf_get_string_direct(ch.b, &v, &len) == 0 && len == 2);
	CHECK(buf_get_string_direct(ch.b, &v, &len) == 0 && len == 3);
	CHECK(buf_get_string_direct(ch.b, &v, &len) == 0 && len == 1);
	CHECK(buf_get_u8(ch.b, &fwd) == 0 && fwd == 1 &&
	    buf_expect_end(ch.b) == 0);
	buf_reset(ch.b);
	REQUIRE(buf_put_u8(ch.b, 0) == 0 && answer(&ch, MSG_SSH_BIND, -1) == 0);
	CHECK_INT(sshchan_bind(&ch.c, (const unsigned char *)"HK", 2,
	    (const unsigned char *)"SID", 3, (const unsigned char *)"S", 1, 0,
	    err, sizeof(err)), ERR_PROTO);
	chan_close(&ch);
}

TEST(sshchan_agent_answers)
{
	struct chan	 ch;
	char		 err[128];
	int		 sv[2], fd;

	REQUIRE(chan_open(&ch) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	REQUIRE(answer(&ch, MSG_SSH_AGENT, sv[1]) == 0);
	close(sv[1]);
	CHECK_INT(sshchan_agent(&ch.c, &fd, err, sizeof(err)), 0);
	CHECK_INT(request(&ch, MSG_SSH_AGENT), 0);
	/* It is the socket the monitor sent. */
	CHECK(fd != -1 && write(fd, "x", 1) == 1);
	CHECK(read(sv[0], err, 1) == 1 && err[0] == 'x');
	if (fd != -1)
		close(fd);
	close(sv[0]);
	/* An answer without its socket. */
	REQUIRE(answer(&ch, MSG_SSH_AGENT, -1) == 0);
	CHECK_INT(sshchan_agent(&ch.c, &fd, err, sizeof(err)), ERR_PROTO);
	CHECK_INT(fd, -1);
	chan_close(&ch);
}

TEST(sshchan_hostkey_answers)
{
	struct chan	 ch;
	struct secret	*key;
	char		 err[128];

	REQUIRE(chan_open(&ch) == 0);
	REQUIRE(buf_put_cstring(ch.b, "-----BEGIN PRIVATE KEY-----") == 0 &&
	    answer(&ch, MSG_SSH_HOSTKEY, -1) == 0);
	CHECK_INT(sshchan_hostkey(&ch.c, &key, err, sizeof(err)), 0);
	CHECK_INT(request(&ch, MSG_SSH_HOSTKEY), 0);
	CHECK(key != NULL && key->len == 27 &&
	    memcmp(key->data, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	secret_free(key);
	REQUIRE(buf_put_cstring(ch.b, "K") == 0 && buf_put_u8(ch.b, 0) == 0 &&
	    answer(&ch, MSG_SSH_HOSTKEY, -1) == 0);
	CHECK_INT(sshchan_hostkey(&ch.c, &key, err, sizeof(err)), ERR_FORMAT);
	CHECK(key == NULL);
	chan_close(&ch);
}
