/*
 * rawpg: a raw PostgreSQL client that says exactly what it is told, for
 * regress/t/pg-bad-client.sh.
 *
 *	rawpg HOST PORT STEP...
 *
 * connects over TCP and plays the steps in order:
 *
 *	x:HEX	send these bytes
 *	s:TEXT	send this text (no NUL: use z)
 *	z	send a NUL byte
 *	b:HEX	send these bytes one at a time, 10 ms apart
 *	R:N	repeat the next send step (x, s, z, b) N times
 *	d:MS	sleep MS milliseconds
 *	r[:MS]	read and print what arrives until the server waits for us
 *		(after a ReadyForQuery, or a lone answer to an encryption
 *		request), EOF, MS (default 5000) of silence, or 10 s in all;
 *		what came after the point where it stopped is kept for the
 *		next r
 *
 * Consecutive x, s and z steps are gathered and go out in one write when
 * the next b, d or r step comes, or at the end of the script; then the
 * connection is closed.  A read prints one line per PostgreSQL message:
 *
 *	N			a lone 'N' (or 'S', 'G'): an answer to an
 *				SSLRequest or GSSENCRequest
 *	E S=FATAL C=08P01 M=...	ErrorResponse (NoticeResponse: "N S=...")
 *	R 0			an authentication request and its code
 *	S name=value		ParameterStatus
 *	K			BackendKeyData
 *	Z I			ReadyForQuery and the transaction status
 *	C tag, T n, D a|b, I	CommandComplete, RowDescription (n columns),
 *				DataRow (NULL for a null), EmptyQueryResponse
 *	v VERSION N		NegotiateProtocolVersion
 *	X len=N			any other message, by type and body length
 *	partial N bytes		an incomplete message where the read ended
 *	garbage N bytes		bytes that are no message (a bad length)
 *
 * and then how it ended: EOF, RESET (the peer reset the connection),
 * SILENT (nothing for MS), CAP (10 s in all), or nothing when the server
 * waits for us.  A lone 'N' is told from a NoticeResponse by the byte
 * after it (a message length starts with a zero byte) or, when nothing
 * follows, by 200 ms without one: servers write a message whole.  A
 * failed send prints "SENDERR reason" once, and sends nothing more.  Text
 * from the server is printed with anything but printable ASCII as '?'.
 *
 * Exit status: 0 when the script ran (whatever the server did), 1 when the
 * connection could not be made, 2 for a bad script.  Every wait for the
 * network has a timeout.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define CONNECT_MS	5000
#define SEND_MS		5000
#define SILENCE_MS	5000
#define CAP_MS		10000
#define BYTE_GAP_MS	10
#define LONE_MS		200	/* a byte alone this long is a lone answer */
#define MAX_REPEAT	100000
#define MAX_SLEEP_MS	60000
#define OUT_MAX		(4 * 1024 * 1024)
#define IN_MAX		(1024 * 1024)
#define MSG_MAX		(1024 * 1024)	/* longest message we parse */
#define TEXT_MAX	200		/* printed per string */

enum end { END_NONE, END_EOF, END_RESET };

struct conn {
	int		 fd;
	struct buf	*out;		/* gathered, not yet sent */
	struct buf	*in;		/* received, not yet printed */
	enum end	 end;		/* how the peer ended, if it has */
	int		 dead;		/* a send failed: send nothing more */
};

static void __attribute__((noreturn))
usage(const char *why, const char *step)
{
	fprintf(stderr, "rawpg: %s%s%s\n"
	    "usage: rawpg HOST PORT {x:HEX|s:TEXT|z|b:HEX|R:N|d:MS|r[:MS]}...\n",
	    why, step != NULL ? ": " : "", step != NULL ? step : "");
	exit(2);
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A decimal number in [min, max], or -1. */
static long
number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into b; with b NULL, only check it.  0 or -1. */
static int
unhex(const char *s, struct buf *b)
{
	size_t	 i, len = strlen(s);
	int	 hi, lo;

	if (len == 0 || len % 2 != 0)
		return -1;
	for (i = 0; i < len; i += 2) {
		if ((hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return -1;
		if (b != NULL && buf_put_u8(b, hi << 4 | lo) != 0)
			return -1;
	}
	return 0;
}

/* The whole script is checked before anything is sent. */
static void
check_script(int n, char **steps)
{
	const char	*s;
	int		 i, repeat = 0;

	for (i = 0; i < n; i++) {
		s = steps[i];
		if (repeat && s[0] != 'x' && s[0] != 's' && s[0] != 'z' &&
		    s[0] != 'b')
			usage("R:N must be followed by a send step", s);
		repeat = 0;
		if ((s[0] == 'x' || s[0] == 'b') && s[1] == ':') {
			if (unhex(s + 2, NULL) != 0)
				usage("bad hex", s);
		} else if (s[0] == 's' && s[1] == ':') {
			/* any text, even empty */
		} else if (strcmp(s, "z") == 0 || strcmp(s, "r") == 0) {
			/* no argument */
		} else if (s[0] == 'r' && s[1] == ':') {
			if (number(s + 2, 1, CAP_MS) < 0)
				usage("bad read silence", s);
		} else if (s[0] == 'd' && s[1] == ':') {
			if (number(s + 2, 0, MAX_SLEEP_MS) < 0)
				usage("bad sleep", s);
		} else if (s[0] == 'R' && s[1] == ':') {
			if (number(s + 2, 1, MAX_REPEAT) < 0)
				usage("bad repeat count", s);
			repeat = 1;
		} else
			usage("unknown step", s);
	}
	if (repeat)
		usage("R:N at the end of the script", NULL);
}

static int
connect_to(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	struct pollfd	 pfd;
	socklen_t	 sl;
	int		 fd = -1, r, err, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "rawpg: %s port %s: %s\n", host, port,
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			err = errno;
			if (err == EINPROGRESS) {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				r = poll(&pfd, 1, CONNECT_MS);
				sl = sizeof(err);
				if (r != 1)
					err = ETIMEDOUT;
				else if (getsockopt(fd, SOL_SOCKET, SO_ERROR,
				    &err, &sl) == -1)
					err = errno;
			}
		}
		if (err == 0)
			break;
		fprintf(stderr, "rawpg: connect to %s port %s: %s\n", host,
		    port, strerror(err));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	/* Each b: byte must leave as a segment of its own. */
	if (fd != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* Send what has been gathered, in one write as far as the kernel allows. */
static void
flush(struct conn *c)
{
	const unsigned char	*p = buf_ptr(c->out);
	struct pollfd		 pfd;
	size_t			 off = 0, len = buf_len(c->out);
	ssize_t			 n;
	uint64_t		 deadline = now_ms() + SEND_MS, now;

	while (off < len && !c->dead) {
		n = send(c->fd, p + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((now = now_ms()) < deadline) {
				pfd.fd = c->fd;
				pfd.events = POLLOUT;
				(void)poll(&pfd, 1, (int)(deadline - now));
				continue;
			}
			errno = ETIMEDOUT;
		}
		printf("SENDERR %s\n", strerror(errno));
		c->dead = 1;
	}
	buf_reset(c->out);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Print len bytes of server text, at most TEXT_MAX, printable only. */
static void
put_text(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && i < TEXT_MAX; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
	if (len > TEXT_MAX)
		fputs("...", stdout);
}

/* A String of the protocol: the bytes up to its NUL, which is consumed. */
static int
get_string(struct buf *b, const unsigned char **s, size_t *len)
{
	const unsigned char	*nul;

	if (buf_len(b) == 0 ||
	    (nul = memchr(buf_ptr(b), '\0', buf_len(b))) == NULL)
		return -1;
	*s = buf_ptr(b);
	*len = nul - *s;
	return buf_consume(b, *len + 1);
}

/* "Error and Notice Message Fields": S, C and M, whatever their order. */
static int
print_fields(char type, struct buf *b)
{
	const unsigned char	*s, *sev = NULL, *code = NULL, *msg = NULL;
	size_t			 len, sevlen = 0, codelen = 0, msglen = 0;
	uint8_t			 t;

	for (;;) {
		if (buf_get_u8(b, &t) != 0)
			return -1;
		if (t == '\0')
			break;
		if (get_string(b, &s, &len) != 0)
			return -1;
		if (t == 'S' && sev == NULL) {
			sev = s;
			sevlen = len;
		} else if (t == 'C' && code == NULL) {
			code = s;
			codelen = len;
		} else if (t == 'M' && msg == NULL) {
			msg = s;
			msglen = len;
		}
	}
	if (buf_expect_end(b) != 0)
		return -1;
	printf("%c S=", type);
	put_text(sev, sevlen);
	fputs(" C=", stdout);
	put_text(code, codelen);
	fputs(" M=", stdout);
	put_text(msg, msglen);
	putchar('\n');
	return 0;
}

/* "DataRow": the column values joined by '|'. */
static int
print_row(struct buf *b)
{
	struct buf	 v;
	uint16_t	 n, i;
	uint32_t	 len;

	if (buf_get_u16(b, &n) != 0)
		return -1;
	/* Print only once the whole row is known to be well formed. */
	v = *b;
	for (i = 0; i < n; i++) {
		if (buf_get_u32(&v, &len) != 0)
			return -1;
		if (len != 0xffffffff && buf_consume(&v, len) != 0)
			return -1;
	}
	if (buf_expect_end(&v) != 0)
		return -1;
	putchar('D');
	for (i = 0; i < n; i++) {
		(void)buf_get_u32(b, &len);
		putchar(i == 0 ? ' ' : '|');
		if (len == 0xffffffff) {
			fputs("NULL", stdout);
			continue;
		}
		put_text(buf_ptr(b), len);
		(void)buf_consume(b, len);
	}
	putchar('\n');
	return 0;
}

/* One whole message: its type and body.  -1 when the body is malformed. */
static int
print_message(uint8_t type, const unsigned char *body, size_t len)
{
	struct buf		 b;
	const unsigned char	*s1, *s2;
	size_t			 l1, l2;
	uint32_t		 u1, u2;
	uint16_t		 u16;
	uint8_t			 u8;

	buf_view(&b, body, len);
	switch (type) {
	case 'E':
	case 'N':
		return print_fields(type, &b);
	case 'R':
		/* The code; SASL data and MD5 salt follow, not printed. */
		if (buf_get_u32(&b, &u1) != 0)
			return -1;
		printf("R %u\n", u1);
		return 0;
	case 'S':
		if (get_string(&b, &s1, &l1) != 0 ||
		    get_string(&b, &s2, &l2) != 0 || buf_expect_end(&b) != 0)
			return -1;
		fputs("S ", stdout);
		put_text(s1, l1);
		putchar('=');
		put_text(s2, l2);
		putchar('\n');
		return 0;
	case 'K':
		/* Process id and a key of 4 (3.2: up to 256) bytes. */
		if (len < 8 || len > 4 + 256)
			return -1;
		puts("K");
		return 0;
	case 'Z':
		if (buf_get_u8(&b, &u8) != 0 || buf_expect_end(&b) != 0)
			return -1;
		printf("Z ");
		put_text(&u8, 1);
		putchar('\n');
		return 0;
	case 'C':
		if (get_string(&b, &s1, &l1) != 0 || buf_expect_end(&b) != 0)
			return -1;
		fputs("C ", stdout);
		put_text(s1, l1);
		putchar('\n');
		return 0;
	case 'T':
		if (buf_get_u16(&b, &u16) != 0)
			return -1;
		printf("T %u\n", u16);
		return 0;
	case 'D':
		return print_row(&b);
	case 'I':
		if (len != 0)
			return -1;
		puts("I");
		return 0;
	case 'v':
		if (buf_get_u32(&b, &u1) != 0 || buf_get_u32(&b, &u2) != 0)
			return -1;
		printf("v %u %u\n", u1, u2);
		return 0;
	default:
		if (type >= 0x20 && type < 0x7f)
			printf("%c len=%zu\n", type, len);
		else
			printf("0x%02x len=%zu\n", type, len);
		return 0;
	}
}

/*
 * Print the whole messages at the front of c->in, up to the first point
 * where the server waits for us: after a ReadyForQuery or a lone 'N', 'S'
 * or 'G' (the answer to an encryption request).  Such a lone byte is told
 * from a message of that type by what follows it: a message's length
 * starts with a zero byte, as no message is 16 MB long.  With final set,
 * nothing more is coming for now: a lone byte is a lone byte, and an
 * incomplete message is printed as such.  Returns 1 when it stopped at a
 * waiting point, else 0.
 */
static int
print_messages(struct conn *c, int final)
{
	const unsigned char	*p;
	size_t			 len;
	uint32_t		 mlen;
	uint8_t			 type;

	while ((len = buf_len(c->in)) > 0) {
		p = buf_ptr(c->in);
		type = p[0];
		if ((type == 'N' || type == 'S' || type == 'G') &&
		    ((len >= 2 && p[1] != 0) || (len == 1 && final))) {
			printf("%c\n", type);
			(void)buf_consume(c->in, 1);
			return 1;
		}
		if (len < 5)
			break;
		mlen = get32(p + 1);
		if (mlen < 4 || mlen - 4 > MSG_MAX) {
			printf("garbage %zu bytes\n", len);
			(void)buf_consume(c->in, len);
			break;
		}
		if (len - 5 < mlen - 4)
			break;
		if (print_message(type, p + 5, mlen - 4) != 0) {
			if (type >= 0x20 && type < 0x7f)
				printf("%c malformed len=%u\n", type,
				    mlen - 4);
			else
				printf("0x%02x malformed len=%u\n", type,
				    mlen - 4);
		}
		(void)buf_consume(c->in, 1 + mlen);
		if (type == 'Z')
			return 1;
	}
	if (final && (len = buf_len(c->in)) > 0) {
		printf("partial %zu bytes\n", len);
		if (c->end != END_NONE)
			(void)buf_consume(c->in, len);
	}
	return 0;
}

/* Everything received, waiting points or not: nothing more is coming. */
static void
print_all(struct conn *c)
{
	while (print_messages(c, 1))
		;
}

/* Is all we hold one byte that may be a lone answer, or a message type? */
static int
maybe_lone(struct conn *c)
{
	const unsigned char	*p = buf_ptr(c->in);

	return buf_len(c->in) == 1 && (p[0] == 'N' || p[0] == 'S' ||
	    p[0] == 'G');
}

/* The r step. */
static void
do_read(struct conn *c, int silence_ms)
{
	struct pollfd	 pfd;
	unsigned char	 tmp[16384];
	uint64_t	 start = now_ms(), last = start, now, left, quiet, wait;
	ssize_t		 n;
	int		 r, lone;

	/* What an earlier read left comes first. */
	if (c->end == END_NONE && print_messages(c, 0))
		return;
	for (;;) {
		if (c->end != END_NONE) {
			print_all(c);
			puts(c->end == END_RESET ? "RESET" : "EOF");
			return;
		}
		now = now_ms();
		left = now - start >= CAP_MS ? 0 : CAP_MS - (now - start);
		quiet = now - last >= (uint64_t)silence_ms ? 0 :
		    silence_ms - (now - last);
		if (left == 0 || quiet == 0) {
			print_all(c);
			puts(left == 0 ? "CAP" : "SILENT");
			return;
		}
		wait = left < quiet ? left : quiet;
		/* A message would come whole: a byte alone is an answer. */
		if ((lone = maybe_lone(c)) && wait > LONE_MS)
			wait = LONE_MS;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, (int)wait)) == 0 && lone) {
			(void)print_messages(c, 1);
			return;
		}
		if (r < 1)
			continue;	/* EINTR or time: checked above */
		n = recv(c->fd, tmp, sizeof(tmp), 0);
		if (n > 0) {
			last = now_ms();
			if (buf_put(c->in, tmp, n) != 0) {
				printf("overflow: more than %d bytes unread\n",
				    IN_MAX);
				buf_reset(c->in);
				c->end = END_EOF;
				continue;
			}
			if (print_messages(c, 0))
				return;
		} else if (n == 0)
			c->end = END_EOF;
		else if (errno == ECONNRESET)
			c->end = END_RESET;
		else if (errno != EINTR && errno != EAGAIN) {
			printf("RECVERR %s\n", strerror(errno));
			c->end = END_EOF;
		}
	}
}

/* The b step: one byte per write, BYTE_GAP_MS apart. */
static void
send_bytewise(struct conn *c, const char *hex, long repeat)
{
	struct buf	*bytes;
	size_t		 i;
	long		 k;

	if ((bytes = buf_new(OUT_MAX)) == NULL || unhex(hex, bytes) != 0) {
		fprintf(stderr, "rawpg: out of memory\n");
		exit(2);
	}
	for (k = 0; k < repeat; k++) {
		for (i = 0; i < buf_len(bytes) && !c->dead; i++) {
			if (buf_put_u8(c->out, buf_ptr(bytes)[i]) != 0)
				abort();	/* out is empty here */
			flush(c);
			sleep_ms(BYTE_GAP_MS);
		}
	}
	buf_free(bytes);
}

int
main(int argc, char **argv)
{
	struct conn	 c;
	const char	*s;
	long		 repeat = 1, k;
	int		 i, r;

	if (argc < 4)
		usage("no script", NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_script(argc - 3, argv + 3);

	memset(&c, 0, sizeof(c));
	if ((c.out = buf_new(OUT_MAX)) == NULL ||
	    (c.in = buf_new(IN_MAX)) == NULL) {
		fprintf(stderr, "rawpg: out of memory\n");
		return 2;
	}
	if ((c.fd = connect_to(argv[1], argv[2])) == -1) {
		buf_free(c.out);
		buf_free(c.in);
		return 1;
	}

	for (i = 3; i < argc; i++) {
		s = argv[i];
		switch (s[0]) {
		case 'R':
			repeat = number(s + 2, 1, MAX_REPEAT);
			continue;	/* keeps repeat for the next step */
		case 'x':
		case 's':
		case 'z':
			for (k = 0, r = 0; k < repeat && r == 0; k++) {
				if (s[0] == 'x')
					r = unhex(s + 2, c.out);
				else if (s[0] == 's')
					r = buf_put(c.out, s + 2, strlen(s + 2));
				else
					r = buf_put_u8(c.out, 0);
			}
			if (r != 0) {
				fprintf(stderr, "rawpg: more than %d bytes "
				    "in one write\n", OUT_MAX);
				return 2;
			}
			break;
		case 'b':
			flush(&c);
			send_bytewise(&c, s + 2, repeat);
			break;
		case 'd':
			flush(&c);
			sleep_ms(number(s + 2, 0, MAX_SLEEP_MS));
			break;
		case 'r':
			flush(&c);
			do_read(&c, s[1] == ':' ? (int)number(s + 2, 1,
			    CAP_MS) : SILENCE_MS);
			break;
		}
		repeat = 1;
	}
	flush(&c);
	close(c.fd);
	buf_free(c.out);
	buf_free(c.in);
	return 0;
}
