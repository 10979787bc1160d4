/*
 * The worker's seccomp rules (include/sandbox_filter.h), and how libseccomp
 * compiles them.  The compiler runs at build time, in privsep/gen/sandboxgen,
 * which writes the BPF programs as C for the worker to load without
 * libseccomp (privsep/sandbox.c); the unit tests compile the rules again and
 * compare, so that the program the worker loads is always these rules.
 * Nothing here is linked into airlock-worker.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memfd_create */
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"
#include "sandbox_filter.h"
#include "util.h"

/*
 * What the worker may do once the filter is loaded, and who needs it.  The
 * same table feeds the filter, the tests and the container profile.  Names
 * that do not exist on the running architecture (the 32-bit and time64
 * variants on x86_64, for instance) are skipped when the filter is built.
 * A name that also appears in argrules[] is allowed only with the arguments
 * listed there.
 */
const struct sandbox_syscall sandbox_allowed[] = {
	/* I/O on the descriptors the worker already holds */
	{ "read",
	    "the channel, the client and backend sockets, the splice pipe" },
	{ "write",
	    "the same descriptors; the SIGSYS report in debug mode" },
	{ "readv",		"scatter/gather reads (channel, OpenSSL)" },
	{ "writev",		"gather writes (channel, OpenSSL)" },
	{ "recvmsg",
	    "the channel: a message and the fd riding on it" },
	{ "sendmsg",
	    "the channel: messages to the monitor (connected, no address)" },
	{ "recvfrom",		"recv(2) on a connected socket" },
	{ "sendto",
	    "send(2) on a connected socket: without an address only" },
	{ "poll",		"waiting for readiness with a deadline" },
	{ "ppoll",		"waiting for readiness with a deadline" },
	{ "ppoll_time64",	"ppoll on 32-bit architectures" },
	{ "close",		"ending a connection" },
	{ "shutdown",		"half-close in the relay" },
	{ "fcntl",		"O_NONBLOCK: F_GETFL and F_SETFL only" },
	{ "fcntl64",		"fcntl on 32-bit architectures" },
	{ "getsockopt",		"SO_ERROR, SO_DOMAIN, SO_TYPE: read-only" },
	{ "setsockopt",		"TCP_NODELAY and keepalive only" },
	{ "splice",
	    "the plaintext relay: socket to pipe to socket" },
	{ "pipe2",		"the splice pipe" },
	{ "fstat",
	    "glibc stdio asks what a descriptor is before buffering" },
	{ "fstat64",		"fstat on 32-bit architectures" },
	{ "newfstatat",		"glibc's fstat(): AT_EMPTY_PATH only" },
	{ "fstatat64",
	    "glibc's fstat() on 32-bit architectures: AT_EMPTY_PATH only" },

	/* time, when the vDSO cannot answer */
	{ "clock_gettime",	"deadlines; certificate validity" },
	{ "clock_gettime64",	"clock_gettime on 32-bit architectures" },
	{ "gettimeofday",	"OpenSSL's time sources" },
	{ "time",		"OpenSSL's certificate checks" },
	{ "clock_nanosleep",	"back-off" },
	{ "clock_nanosleep_time64", "clock_nanosleep on 32-bit architectures" },
	{ "nanosleep",		"back-off" },

	/* the process itself */
	{ "getpid",		"OpenSSL's DRBG reseeds when the pid changes" },
	{ "gettid",		"glibc internals" },
	{ "getrandom",		"OpenSSL's DRBG, libsodium's randombytes" },
	{ "futex",
	    "OpenSSL's locks and once-initialisation (no PI operations)" },
	{ "sched_yield",	"lock back-off in OpenSSL" },
	{ "rt_sigreturn",	"return from a signal handler" },
	{ "rt_sigprocmask",	"glibc blocks signals around some operations" },
	{ "restart_syscall",	"an interrupted sleep resumes" },
	{ "exit",		"leaving" },
	{ "exit_group",		"leaving" },

	/* memory: glibc malloc, libsodium guarded memory */
	{ "brk",		"glibc malloc" },
	{ "mmap",
	    "glibc malloc, sodium_malloc: never executable" },
	{ "mmap2",
	    "mmap on 32-bit architectures: never executable" },
	{ "munmap",		"free, sodium_free" },
	{ "mremap",		"realloc of large blocks" },
	{ "mprotect",
	    "sodium_malloc guard pages, sodium_mprotect_*: never executable" },
	{ "madvise",
	    "malloc trimming, MADV_DONTDUMP/DODUMP of sodium_malloc" },
	{ "mlock",		"sodium_malloc keeps secrets out of swap" },
	{ "munlock",		"sodium_free" },
};
const size_t sandbox_nallowed =
    nitems(sandbox_allowed);

/*
 * Argument filters.  A call to a name listed here is allowed when any one
 * of its rows matches (all comparisons of a row must hold).  int arguments
 * are compared on their low 32 bits only: the ABI leaves the upper half of
 * the register undefined.
 */
#define A32(n, v)	\
	{ (n), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (scmp_datum_t)(v) }
#define AMASK(n, m, v)	\
	{ (n), SCMP_CMP_MASKED_EQ, (scmp_datum_t)(m), (scmp_datum_t)(v) }
#define AEQ(n, v)	{ (n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0 }

/* FUTEX_CMD_MASK, as the unsigned 32-bit value the kernel masks with. */
#define FUTEX_CMD	((uint32_t)FUTEX_CMD_MASK)

struct argrule {
	const char		*name;
	unsigned int		 ncmp;
	struct scmp_arg_cmp	 cmp[2];
};

static const struct argrule argrules[] = {
	/* The monitor sets everything else before it passes a descriptor. */
	{ "fcntl", 1, { A32(1, F_GETFL) } },
	{ "fcntl", 1, { A32(1, F_SETFL) } },
	{ "fcntl64", 1, { A32(1, F_GETFL) } },
	{ "fcntl64", 1, { A32(1, F_SETFL) } },

	/* Every socket is connected; an address would name a new peer. */
	{ "sendto", 1, { AEQ(4, 0) } },

	{ "setsockopt", 2, { A32(1, IPPROTO_TCP), A32(2, TCP_NODELAY) } },
	{ "setsockopt", 2, { A32(1, SOL_SOCKET), A32(2, SO_KEEPALIVE) } },
	{ "setsockopt", 2, { A32(1, IPPROTO_TCP), A32(2, TCP_KEEPIDLE) } },
	{ "setsockopt", 2, { A32(1, IPPROTO_TCP), A32(2, TCP_KEEPINTVL) } },
	{ "setsockopt", 2, { A32(1, IPPROTO_TCP), A32(2, TCP_KEEPCNT) } },

	/* No new executable memory: nothing is loaded after the filter. */
	{ "mmap", 1, { AMASK(2, PROT_EXEC, 0) } },
	{ "mmap2", 1, { AMASK(2, PROT_EXEC, 0) } },
	{ "mprotect", 1, { AMASK(2, PROT_EXEC, 0) } },

	/* The advice glibc and libsodium give; nothing exotic. */
	{ "madvise", 1, { A32(2, MADV_NORMAL) } },
	{ "madvise", 1, { A32(2, MADV_DONTNEED) } },
	{ "madvise", 1, { A32(2, MADV_FREE) } },
	{ "madvise", 1, { A32(2, MADV_DONTDUMP) } },
	{ "madvise", 1, { A32(2, MADV_DODUMP) } },
#ifdef AIRLOCK_SANITIZER
	/*
	 * Sanitizer builds only: ASan's allocator maps a region for a size
	 * class at its first use, with MADV_NOHUGEPAGE (strace), which may
	 * come after the filter (a health worker in rogue-worker.sh did).
	 */
	{ "madvise", 1, { A32(2, MADV_NOHUGEPAGE) } },
#endif

	/* The plain operations; the PI ones have a history of kernel bugs. */
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_WAIT) } },
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_WAKE) } },
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_WAIT_BITSET) } },
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_WAKE_BITSET) } },
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_REQUEUE) } },
	{ "futex", 1, { AMASK(1, FUTEX_CMD, FUTEX_CMP_REQUEUE) } },

	/* fstat() of a descriptor, never a look-up by name. */
	{ "newfstatat", 1, { AMASK(3, AT_EMPTY_PATH, AT_EMPTY_PATH) } },
	{ "fstatat64", 1, { AMASK(3, AT_EMPTY_PATH, AT_EMPTY_PATH) } },
};

/*
 * Harmless probes that libraries make and that must fail softly rather than
 * kill: the library has a fallback, and the fallback is either allowed or
 * itself killed by the default action.
 */
struct denyrule {
	const char		*name;
	int			 eno;
	unsigned int		 ncmp;
	struct scmp_arg_cmp	 cmp[1];
};

static const struct denyrule denyrules[] = {
	/*
	 * glibc tries clone3 first and falls back to clone on ENOSYS only
	 * (EPERM would be final); clone then meets the default action, so
	 * no thread or process can be made either way.
	 */
	{ "clone3", ENOSYS, 0, { { 0, 0, 0, 0 } } },
	/*
	 * glibc registers rseq in each new thread and takes ENOSYS as "no
	 * rseq in this kernel".  The main thread registered before the
	 * filter and no other thread can exist, so this is only insurance.
	 */
	{ "rseq", ENOSYS, 0, { { 0, 0, 0, 0 } } },
	/* glibc's fstat() on some 32-bit ABIs tries statx, then fstatat64. */
	{ "statx", ENOSYS, 0, { { 0, 0, 0, 0 } } },
	/* isatty() from stdio when an fd is a character device. */
	{ "ioctl", ENOTTY, 1, { A32(1, TCGETS) } },
	/*
	 * The ssh connector: libssh 0.10's client reads the known_hosts
	 * files to order its host key algorithms, whatever its options say
	 * (kex.c, ssh_client_select_hostkeys), with fopen(name, "r"), and
	 * takes a failure as "no such file".  airlock checks the host key
	 * itself (worker/sshback.c).  Only that exact read-only open fails
	 * softly; every other open still kills (and the chroot is empty).
	 */
	{ "openat", EACCES, 1, { A32(2, O_RDONLY) } },
#ifdef AIRLOCK_SANITIZER
	/*
	 * Sanitizer builds only (regress/sanitize.sh): a report on a fatal
	 * signal re-reads /proc/self/maps with the raw open(2), and falls back
	 * to the copy cached by sandbox_apply() when that fails.  glibc opens
	 * with openat(2), which still kills.
	 */
	{ "open", EACCES, 0, { { 0, 0, 0, 0 } } },
#endif
};

static int
is_allowed(const char *name)
{
	size_t	 i;

	for (i = 0; i < sandbox_nallowed; i++)
		if (strcmp(sandbox_allowed[i].name, name) == 0)
			return 1;
	return 0;
}

static int
has_argrule(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(argrules); i++)
		if (strcmp(argrules[i].name, name) == 0)
			return 1;
	return 0;
}

/* "seccomp: WHAT NAME: strerror", and the error code r (negative). */
static int
compile_error(char *err, size_t errlen, int r, const char *what,
    const char *name)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "seccomp: %s %s: %s", what, name,
		    strerror(-r));
	return r;
}

/* Fill the filter context from the tables. */
static int
add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	const struct sandbox_syscall	*s;
	const struct argrule		*ar;
	const struct denyrule		*dr;
	size_t				 i;
	int				 nr, r;

	for (i = 0; i < sandbox_nallowed; i++) {
		s = &sandbox_allowed[i];
		/*
		 * Negative: unknown here (a 32-bit or time64 variant on a
		 * 64-bit architecture, or a name this libseccomp predates).
		 */
		if ((nr = seccomp_syscall_resolve_name(s->name)) < 0)
			continue;
		if (has_argrule(s->name))
			continue;
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			return compile_error(err, errlen, r, "allow", s->name);
	}
	for (i = 0; i < nitems(argrules); i++) {
		ar = &argrules[i];
		/* A filter on a name that the list does not allow is a typo. */
		if (!is_allowed(ar->name))
			return compile_error(err, errlen, -EINVAL,
			    "argument filter on a name that is not allowed:",
			    ar->name);
		if ((nr = seccomp_syscall_resolve_name(ar->name)) < 0)
			continue;
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, ar->ncmp,
		    ar->cmp);
		if (r < 0)
			return compile_error(err, errlen, r,
			    "allow with arguments", ar->name);
	}
	for (i = 0; i < nitems(denyrules); i++) {
		dr = &denyrules[i];
		if ((nr = seccomp_syscall_resolve_name(dr->name)) < 0)
			continue;
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(dr->eno), nr,
		    dr->ncmp, dr->cmp);
		if (r < 0)
			return compile_error(err, errlen, r, "deny", dr->name);
	}
	return 0;
}

/*
 * libseccomp 2.5 exports to a descriptor only: a memfd, read back whole.
 * The program is at most BPF_MAXINSNS instructions of 8 bytes.
 */
static int
export_bpf(scmp_filter_ctx ctx, unsigned char **prog, size_t *len,
    char *err, size_t errlen)
{
	struct stat	 st;
	unsigned char	*p;
	size_t		 n = 0;
	int		 fd, r;

	if ((fd = memfd_create("sandbox-bpf", MFD_CLOEXEC)) == -1)
		return compile_error(err, errlen, -errno, "export:",
		    "memfd_create");
	if ((r = seccomp_export_bpf(ctx, fd)) < 0) {
		close(fd);
		return compile_error(err, errlen, r, "export:",
		    "seccomp_export_bpf");
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (n = (size_t)st.st_size) > SANDBOX_BPF_MAXLEN * SANDBOX_BPF_INSN ||
	    n % SANDBOX_BPF_INSN != 0) {
		close(fd);
		return compile_error(err, errlen, -EINVAL, "export:",
		    "not a whole BPF program");
	}
	if ((p = malloc(n)) == NULL) {
		close(fd);
		return compile_error(err, errlen, -ENOMEM, "export:", "malloc");
	}
	if (pread(fd, p, n, 0) != (ssize_t)n) {
		free(p);
		close(fd);
		return compile_error(err, errlen, -EIO, "export:", "read back");
	}
	close(fd);
	*prog = p;
	*len = n;
	return 0;
}

int
sandbox_filter_compile(int trap_debug, unsigned char **prog, size_t *len,
    char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 action;
	int		 r;

	*prog = NULL;
	*len = 0;
	/*
	 * The program is for the kernels it runs on, not the one that
	 * compiles it: libseccomp would otherwise probe the running kernel
	 * and refuse KILL_PROCESS where that lacks it (or where valgrind
	 * does not know seccomp(2)).  Level 3: seccomp(2) and
	 * SECCOMP_RET_KILL_PROCESS, Linux 4.14.  An older kernel takes an
	 * action it does not know as a kill of the thread, which for the
	 * single-threaded worker is the same.
	 */
	if ((r = seccomp_api_set(3)) < 0)
		return compile_error(err, errlen, r, "API level", "3");
	action = trap_debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	if ((ctx = seccomp_init(action)) == NULL)
		return compile_error(err, errlen, -ENOMEM, "init:",
		    "seccomp_init");
	/* Only for error reporting: older libseccomps say EINVAL here. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A syscall made through another ABI (int 0x80, x32) is hostile. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, action)) < 0)
		r = compile_error(err, errlen, r, "bad-architecture",
		    "action");
	else if ((r = add_rules(ctx, err, errlen)) == 0)
		r = export_bpf(ctx, prog, len, err, errlen);
	seccomp_release(ctx);
	return r;
}
