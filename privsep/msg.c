/*
 * The privsep channel: framed messages over a SOCK_SEQPACKET socketpair,
 * with at most one descriptor each.  See include/msg.h.
 *
 * SEQPACKET keeps boundaries, so a message can never be split or merged
 * with the next one; we still carry the length in a header and require it
 * to match, so that a truncated datagram (MSG_TRUNC) or a lying header is
 * a framing error rather than a silently shorter message.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "msg.h"

/* Room for exactly one descriptor; more arrives as MSG_CTRUNC. */
union fdcmsg {
	struct cmsghdr	 hdr;
	unsigned char	 buf[CMSG_SPACE(sizeof(int))];
};

int
msg_channel(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == -1)
		return ERR_SYS;
	return 0;
}

int
msg_send(int sock, uint32_t type, const struct buf *payload, int fd)
{
	unsigned char	 hdr[MSG_HDR_LEN];
	struct iovec	 iov[2];
	struct msghdr	 mh;
	union fdcmsg	 cm;
	struct cmsghdr	*c;
	size_t		 len = payload ? buf_len(payload) : 0;
	ssize_t		 n;

	if (len > MSG_MAX_PAYLOAD)
		return ERR_TOOBIG;
	hdr[0] = type >> 24; hdr[1] = type >> 16; hdr[2] = type >> 8;
	hdr[3] = type;
	hdr[4] = len >> 24; hdr[5] = len >> 16; hdr[6] = len >> 8; hdr[7] = len;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = len ? (void *)buf_ptr(payload) : NULL;
	iov[1].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
	if (fd != -1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? ERR_AGAIN :
		    errno == EPIPE || errno == ECONNRESET ? ERR_EOF : ERR_SYS;
	if ((size_t)n != sizeof(hdr) + len)
		return ERR_SYS;		/* SEQPACKET sends whole or nothing */
	return 0;
}

/* Close every descriptor in the control data; return how many there were. */
static int
close_cmsg_fds(struct msghdr *mh, int *fd)
{
	struct cmsghdr	*c;
	size_t		 i, nfds;
	int		 total = 0, f;

	*fd = -1;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (total == 0)
				*fd = f;
			else
				close(f);
			total++;
		}
	}
	return total;
}

int
msg_recv(int sock, uint32_t *type, struct buf *payload, int *fd)
{
	unsigned char	 hdr[MSG_HDR_LEN];
	unsigned char	*p;
	struct iovec	 iov[2];
	struct msghdr	 mh;
	union fdcmsg	 cm;
	uint32_t	 len;
	ssize_t		 n;
	int		 nfds, r, resets = 0;

	*fd = -1;
	*type = 0;
	buf_reset(payload);
	/*
	 * Receive straight into the payload buffer, sized for the largest
	 * legal message plus one byte, so that an oversized message shows as
	 * MSG_TRUNC or as a length over the limit, never as a quiet cut.
	 */
	if ((r = buf_reserve(payload, MSG_MAX_PAYLOAD + 1, &p)) != 0)
		return r;
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = p;
	iov[1].iov_len = MSG_MAX_PAYLOAD + 1;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	/*
	 * A peer that closed with messages of ours unread resets the
	 * channel, and Linux reports ECONNRESET once, ahead of what the peer
	 * sent before it closed: read on, and that (a worker's last log line)
	 * arrives, then the end.
	 */
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n == -1 && (errno == EINTR || (errno == ECONNRESET &&
	    resets++ == 0)));
	if (n == -1) {
		buf_reset(payload);
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return ERR_AGAIN;
		return errno == ECONNRESET ? ERR_EOF : ERR_SYS;
	}
	nfds = close_cmsg_fds(&mh, fd);
	if (n == 0) {
		r = ERR_EOF;
		goto bad;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || nfds > 1) {
		r = ERR_TOOBIG;
		goto bad;
	}
	if ((size_t)n < sizeof(hdr)) {
		r = ERR_SHORT;
		goto bad;
	}
	len = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 |
	    (uint32_t)hdr[6] << 8 | hdr[7];
	if (len > MSG_MAX_PAYLOAD) {
		r = ERR_TOOBIG;
		goto bad;
	}
	if (len != (size_t)n - sizeof(hdr)) {
		r = ERR_FORMAT;
		goto bad;
	}
	*type = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	/* Trim the reservation to what arrived. */
	payload->end = payload->off + len;
	return 0;
 bad:
	if (*fd != -1)
		close(*fd);
	*fd = -1;
	buf_reset(payload);
	return r;
}

int
msg_recv_timeout(int sock, int timeout_ms, uint32_t *type,
    struct buf *payload, int *fd)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = sock;
	pfd.events = POLLIN;
	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return ERR_SYS;
	if (n == 0) {
		*fd = -1;
		return ERR_TIMEOUT;
	}
	return msg_recv(sock, type, payload, fd);
}

const char *
msg_type_name(uint32_t type)
{
	static const char *const names[MSG_COMMON_MAX] = {
		[MSG_ASSIGN] = "ASSIGN",
		[MSG_DIAL] = "DIAL",
		[MSG_DIALED] = "DIALED",
		[MSG_FAILED] = "FAILED",
		[MSG_CREDENTIAL] = "CREDENTIAL",
		[MSG_AUTHDONE] = "AUTHDONE",
		[MSG_LOG] = "LOG",
		[MSG_STATS] = "STATS",
		[MSG_BYE] = "BYE",
		[MSG_TLS_SIGN] = "TLS_SIGN",
		[MSG_BACKEND_RETURN] = "BACKEND_RETURN",
		[MSG_CLIENT_TLS] = "CLIENT_TLS",
		[MSG_CLIENT_TLS_SIGN] = "CLIENT_TLS_SIGN",
		[MSG_CLIENT_TLS_DONE] = "CLIENT_TLS_DONE",
	};
	static char	 other[32];

	if (type < MSG_COMMON_MAX && names[type] != NULL)
		return names[type];
	snprintf(other, sizeof(other), "type %u", type);
	return other;
}
