/*
 * A signature request's data read as an SSH userauth request
 * (monitor/sshauth.c): RFC 4252 7 exactly, OpenSSH's hostbound method,
 * and every other shape refused.
 */
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "sshkey.h"
#include "test.h"

static const unsigned char sid[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const unsigned char keyblob[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20"
    "0123456789abcdef0123456789abcdef";
static const unsigned char hostblob[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20"
    "fedcba9876543210fedcba9876543210";

/* The data ssh signs for "publickey" (or method), user and service. */
static struct buf *
request(const char *method, const char *user, const char *service,
    uint8_t type, uint8_t sig_follows)
{
	struct buf	*b = buf_new(0);

	buf_put_string(b, sid, sizeof(sid));
	buf_put_u8(b, type);
	buf_put_cstring(b, user);
	buf_put_cstring(b, service);
	buf_put_cstring(b, method);
	buf_put_u8(b, sig_follows);
	buf_put_cstring(b, "ssh-ed25519");
	buf_put_string(b, keyblob, sizeof(keyblob) - 1);
	return b;
}

static int
span_is(const unsigned char *p, size_t len, const void *want, size_t wlen)
{
	return len == wlen && memcmp(p, want, len) == 0;
}

TEST(sshauth_publickey)
{
	struct buf		*b = request("publickey", "alice",
				    "ssh-connection", 50, 1);
	struct ssh_userauth	 ua;

	CHECK_INT(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua), 0);
	CHECK(span_is(ua.session_id, ua.session_idlen, sid, sizeof(sid)));
	CHECK(span_is(ua.user, ua.userlen, "alice", 5));
	CHECK(span_is(ua.service, ua.servicelen, "ssh-connection", 14));
	CHECK(span_is(ua.alg, ua.alglen, "ssh-ed25519", 11));
	CHECK(span_is(ua.key, ua.keylen, keyblob, sizeof(keyblob) - 1));
	CHECK(ua.hostkey == NULL && ua.hostkeylen == 0);
	/* a byte more is not a userauth request */
	buf_put_u8(b, 0);
	CHECK_INT(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua),
	    ERR_FORMAT);
	CHECK(ua.user == NULL);
	buf_free(b);
}

/* OpenSSH's PROTOCOL 2.5: the server's host key after the key. */
TEST(sshauth_hostbound)
{
	struct buf		*b = request(
				    "publickey-hostbound-v00@openssh.com",
				    "bob", "ssh-connection", 50, 1);
	struct ssh_userauth	 ua;

	/* without its host key it is cut short */
	CHECK_INT(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua),
	    ERR_FORMAT);
	buf_put_string(b, hostblob, sizeof(hostblob) - 1);
	CHECK_INT(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua), 0);
	CHECK(span_is(ua.user, ua.userlen, "bob", 3));
	CHECK(span_is(ua.hostkey, ua.hostkeylen, hostblob,
	    sizeof(hostblob) - 1));
	buf_free(b);
	/* and "publickey" with a host key is a byte string too many */
	b = request("publickey", "bob", "ssh-connection", 50, 1);
	buf_put_string(b, hostblob, sizeof(hostblob) - 1);
	CHECK_INT(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua),
	    ERR_FORMAT);
	buf_free(b);
}

TEST(sshauth_refused)
{
	/* not a userauth request; not publickey; no signature follows */
	static const struct {
		const char	*method;
		uint8_t		 type, sig_follows;
	} cases[] = {
		{ "publickey", 51, 1 },
		{ "password", 50, 1 },
		{ "hostbased", 50, 1 },
		{ "publickey", 50, 0 },
	};
	struct ssh_userauth	 ua;
	struct buf		*b;
	size_t			 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = request(cases[i].method, "alice", "ssh-connection",
		    cases[i].type, cases[i].sig_follows);
		CHECK(ssh_userauth_parse(buf_ptr(b), buf_len(b), &ua) != 0);
		buf_free(b);
	}
	/* every cut */
	b = request("publickey", "alice", "ssh-connection", 50, 1);
	for (n = 0; n < buf_len(b); n++)
		CHECK(ssh_userauth_parse(buf_ptr(b), n, &ua) == ERR_FORMAT);
	buf_free(b);
	/* a length past the end */
	CHECK(ssh_userauth_parse((const unsigned char *)"\xff\xff\xff\xff",
	    4, &ua) == ERR_FORMAT);
}
