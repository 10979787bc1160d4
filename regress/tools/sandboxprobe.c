/*
 * sandboxprobe: apply the worker's sandbox, then do one thing, for
 * regress/t/sandbox-syscalls.sh.
 *
 *	sandboxprobe -u UID -g GID -c CHROOTDIR [-t] ACTION
 *
 * Exit status: 0 when ACTION succeeded, 3 when it failed with an errno
 * (printed), 1 when the sandbox could not be applied, 2 for usage; a
 * forbidden ACTION dies of SIGSYS (or, with -t, prints the syscall's name
 * and exits 159, as a shell reports death by SIGSYS).
 *
 * The sandbox is applied with max_fds 16, privileged when run as root.
 * Whatever an action needs and the sandbox forbids to create (a TCP socket,
 * a socket pair) is made before the sandbox, as the monitor would.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sandbox.h"
#include "util.h"

#define EXIT_ERRNO	3

/* Descriptors made before the sandbox. */
static int	 tcpfd = -1;	/* an unconnected TCP socket */
static int	 sp[2] = { -1, -1 };	/* a connected AF_UNIX stream pair */
static pid_t	 ppid;

static const char *action_name;

static void
usage(void)
{
	fprintf(stderr, "usage: sandboxprobe -u uid -g gid -c chrootdir "
	    "[-t] action\n");
	exit(2);
}

static unsigned int
number(const char *s)
{
	unsigned long	 v;
	char		*end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > UINT_MAX)
		usage();
	return (unsigned int)v;
}

/* The result of an action that returns -1 and sets errno on failure. */
static int
result(long rc)
{
	int	 eno = errno;

	if (rc == -1) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
		fprintf(stderr, "sandboxprobe: %s: failed: errno %d %s (%s)\n",
		    action_name, eno, strerrorname_np(eno), strerror(eno));
#else
		fprintf(stderr, "sandboxprobe: %s: failed: errno %d (%s)\n",
		    action_name, eno, strerror(eno));
#endif
		return EXIT_ERRNO;
	}
	printf("sandboxprobe: %s: ok\n", action_name);
	return 0;
}

static int
act_write(void)
{
	static const char msg[] = "sandboxprobe: write: ok\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) == -1)
		return result(-1);
	return 0;
}

static int
act_sleep(void)
{
	struct timespec	 ts = { 5, 0 };
	int		 r;

	while ((r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts)) == EINTR)
		;
	errno = r;
	return result(r == 0 ? 0 : -1);
}

static int
act_open(void)
{
	return result(openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC));
}

/* fopen(name, "r"), as libssh reads known_hosts files. */
static int
act_open_read(void)
{
	return result(openat(AT_FDCWD, "/etc/passwd", O_RDONLY));
}

static int
act_socket(void)
{
	return result(socket(AF_INET, SOCK_STREAM, 0));
}

static int
act_connect(void)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return result(connect(tcpfd, (struct sockaddr *)&sin, sizeof(sin)));
}

static int
act_execve(void)
{
	char	*argv[] = { "true", NULL };
	char	*envp[] = { NULL };

	return result(execve("/bin/true", argv, envp));
}

static int
act_fork(void)
{
	pid_t	 pid;

	if ((pid = fork()) == 0)
		_exit(0);
	return result(pid);
}

static int
act_clone3(void)
{
#ifdef SYS_clone3
	/* struct clone_args, version 0 (flags .. tls): only the signal set. */
	uint64_t	 args[8];
	long		 r;

	memset(args, 0, sizeof(args));
	args[4] = SIGCHLD;		/* exit_signal */
	if ((r = syscall(SYS_clone3, args, sizeof(args))) == 0)
		_exit(0);
	return result(r);
#else
	errno = ENOSYS;
	return result(-1);
#endif
}

static int
act_ptrace(void)
{
	return result(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

/*
 * A worker inherits airlockd's session keyring, and so possesses what it
 * holds: no keyctl(2) at all (the keyring provider's keys stay airlockd's).
 */
static int
act_keyctl(void)
{
	return result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
	    KEY_SPEC_SESSION_KEYRING, 0));
}

static int
act_setuid0(void)
{
	return result(setuid(0));
}

static int
act_getrandom(void)
{
	unsigned char	 b[32];

	return result(getrandom(b, sizeof(b), 0) == sizeof(b) ? 0 : -1);
}

/* What glibc malloc and libsodium's guarded memory do. */
static int
act_malloc(void)
{
	unsigned char	*small, *big, *p, *page;
	long		 pagesz = sysconf(_SC_PAGESIZE);

	if ((small = malloc(64)) == NULL ||		/* brk */
	    (big = malloc(4 << 20)) == NULL)		/* mmap */
		return result(-1);
	memset(big, 1, 4 << 20);
	if ((p = realloc(big, 8 << 20)) == NULL)	/* mremap */
		return result(-1);
	big = p;
	free(big);					/* munmap */
	free(small);

	/* mmap, mprotect, mlock, madvise; then the same undone. */
	if ((p = sodium_malloc(100)) == NULL)
		return result(-1);
	memset(p, 2, 100);
	if (sodium_mprotect_readonly(p) != 0 ||
	    sodium_mprotect_readwrite(p) != 0)
		return result(-1);
	sodium_free(p);

	page = mmap(NULL, pagesz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return result(-1);
	if (mlock(page, pagesz) == -1 || munlock(page, pagesz) == -1 ||
	    madvise(page, pagesz, MADV_DONTDUMP) == -1 ||
	    mprotect(page, pagesz, PROT_NONE) == -1 ||
	    munmap(page, pagesz) == -1)
		return result(-1);
	return result(0);
}

/* W^X: no new executable memory once the filter is on. */
static int
act_mmap_exec(void)
{
	void	*p;

	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return result(p == MAP_FAILED ? -1 : 0);
}

static int
act_kill(void)
{
	return result(kill(ppid, 0));
}

/* O_NONBLOCK as the endpoints set it. */
static int
act_fcntl(void)
{
	int	 fl;

	if ((fl = fcntl(sp[0], F_GETFL)) == -1)
		return result(-1);
	return result(fcntl(sp[0], F_SETFL, fl | O_NONBLOCK));
}

/* Any other fcntl, e.g. making a new descriptor. */
static int
act_fcntl_dupfd(void)
{
	return result(fcntl(sp[0], F_DUPFD, 0));
}

static int
act_sockopt(void)
{
	int	 on = 1;

	if (setsockopt(tcpfd, IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(tcpfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		return result(-1);
	return result(0);
}

static int
act_sockopt_other(void)
{
	int	 sz = 4096;

	return result(setsockopt(tcpfd, SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz)));
}

/* send(2) is sendto(2) without an address. */
static int
act_send(void)
{
	char	 c;

	if (send(sp[0], "x", 1, MSG_NOSIGNAL) != 1 ||
	    recv(sp[1], &c, 1, 0) != 1)
		return result(-1);
	return result(0);
}

static int
act_sendto_addr(void)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, "/nonexistent", sizeof(sun.sun_path) - 1);
	return result(sendto(sp[0], "x", 1, MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, sizeof(sun)));
}

/* The plaintext relay: socket -> pipe -> socket, with poll. */
static int
act_splice(void)
{
	struct pollfd	 pfd;
	int		 p[2];
	char		 c;

	if (pipe2(p, O_CLOEXEC) == -1)
		return result(-1);
	if (write(sp[0], "y", 1) != 1)
		return result(-1);
	pfd.fd = sp[1];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) != 1)
		return result(-1);
	if (splice(sp[1], NULL, p[1], NULL, 1, 0) != 1 ||
	    splice(p[0], NULL, sp[1], NULL, 1, 0) != 1 ||
	    read(sp[0], &c, 1) != 1 || c != 'y')
		return result(-1);
	close(p[0]);
	close(p[1]);
	return result(0);
}

/* isatty() is a harmless probe: it must fail softly (ENOTTY). */
static int
act_isatty(void)
{
	struct termios	 t;

	return result(tcgetattr(STDIN_FILENO, &t));
}

static const struct action {
	const char	*name;
	int		 (*fn)(void);
} actions[] = {
	{ "write",		act_write },
	{ "sleep",		act_sleep },
	{ "open",		act_open },
	{ "open-read",		act_open_read },
	{ "socket",		act_socket },
	{ "connect",		act_connect },
	{ "execve",		act_execve },
	{ "fork",		act_fork },
	{ "clone3",		act_clone3 },
	{ "ptrace",		act_ptrace },
	{ "keyctl",		act_keyctl },
	{ "setuid0",		act_setuid0 },
	{ "getrandom",		act_getrandom },
	{ "malloc",		act_malloc },
	{ "mmap-exec",		act_mmap_exec },
	{ "kill",		act_kill },
	{ "fcntl",		act_fcntl },
	{ "fcntl-dupfd",	act_fcntl_dupfd },
	{ "sockopt",		act_sockopt },
	{ "sockopt-other",	act_sockopt_other },
	{ "send",		act_send },
	{ "sendto-addr",	act_sendto_addr },
	{ "splice",		act_splice },
	{ "isatty",		act_isatty },
};

int
main(int argc, char **argv)
{
	const struct action	*a = NULL;
	struct sandbox_opts	 opts;
	char			 err[256];
	size_t			 i;
	int			 ch, haveu = 0, haveg = 0;

	memset(&opts, 0, sizeof(opts));
	while ((ch = getopt(argc, argv, "u:g:c:t")) != -1) {
		switch (ch) {
		case 'u':
			opts.uid = number(optarg);
			haveu = 1;
			break;
		case 'g':
			opts.gid = number(optarg);
			haveg = 1;
			break;
		case 'c':
			opts.chroot_dir = optarg;
			break;
		case 't':
			opts.trap_debug = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || !haveu || !haveg || opts.chroot_dir == NULL)
		usage();
	for (i = 0; i < nitems(actions); i++)
		if (strcmp(actions[i].name, argv[0]) == 0)
			a = &actions[i];
	if (a == NULL)
		usage();
	action_name = a->name;

	/* Set-up that the worker, too, does before the sandbox. */
	if (sodium_init() < 0) {
		fprintf(stderr, "sandboxprobe: sodium_init failed\n");
		return 1;
	}
	if ((tcpfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		fprintf(stderr, "sandboxprobe: socket: %s\n", strerror(errno));
		return 1;
	}
	ppid = getppid();

	opts.privileged = geteuid() == 0;
	opts.max_fds = 16;
	if (sandbox_apply(&opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "sandboxprobe: sandbox: %s\n", err);
		return 1;
	}
	return a->fn();
}
