/*
 * The data of a signature request read as an SSH userauth request
 * (sshkey.h): what the monitor checks before it signs for an ssh-agent
 * client that is restricted to users or hosts, or for the ssh
 * connector's backend authentication.  The data comes from a worker
 * (hostile): it is read exactly, with every length checked, and anything
 * else is refused.
 */
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "sshkey.h"

/* RFC 4253 12: SSH_MSG_USERAUTH_REQUEST */
#define SSH2_MSG_USERAUTH_REQUEST	50
#define METHOD_PUBLICKEY		"publickey"
/* OpenSSH's PROTOCOL 2.5 */
#define METHOD_HOSTBOUND		"publickey-hostbound-v00@openssh.com"

static int
str_is(const unsigned char *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

int
ssh_userauth_parse(const unsigned char *data, size_t len,
    struct ssh_userauth *out)
{
	struct buf		 b;
	const unsigned char	*method;
	size_t			 methodlen;
	uint8_t			 type, sig_follows;
	int			 hostbound;

	memset(out, 0, sizeof(*out));
	buf_view(&b, data, len);
	if (buf_get_string_direct(&b, &out->session_id,
	    &out->session_idlen) != 0 ||
	    buf_get_u8(&b, &type) != 0 ||
	    type != SSH2_MSG_USERAUTH_REQUEST ||
	    buf_get_string_direct(&b, &out->user, &out->userlen) != 0 ||
	    buf_get_string_direct(&b, &out->service, &out->servicelen) != 0 ||
	    buf_get_string_direct(&b, &method, &methodlen) != 0)
		goto bad;
	hostbound = str_is(method, methodlen, METHOD_HOSTBOUND);
	if (!hostbound && !str_is(method, methodlen, METHOD_PUBLICKEY))
		goto bad;
	/* RFC 4252 7: TRUE, a signature follows (as OpenSSH writes it, 1) */
	if (buf_get_u8(&b, &sig_follows) != 0 || sig_follows != 1 ||
	    buf_get_string_direct(&b, &out->alg, &out->alglen) != 0 ||
	    buf_get_string_direct(&b, &out->key, &out->keylen) != 0)
		goto bad;
	if (hostbound && buf_get_string_direct(&b, &out->hostkey,
	    &out->hostkeylen) != 0)
		goto bad;
	if (buf_expect_end(&b) != 0)
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return ERR_FORMAT;
}
