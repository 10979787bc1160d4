/*
 * The worker's sandbox (include/sandbox.h).  The worker calls sandbox_apply()
 * once, after exec and library set-up and before it reads one byte from the
 * network.  The order follows OpenSSH's privsep_child_demote(),
 * permanently_set_uid() and sandbox-seccomp-filter.c:
 *
 *  0. a new, empty session keyring: none of the keys that airlockd's
 *     session reaches;
 *  1. rlimits: no file may grow, no core, few descriptors, a bounded
 *     address space;
 *  2. when root: chroot to an empty root-owned directory, empty the
 *     bounding set while CAP_SETPCAP is still ours, then setgroups,
 *     setresgid, setresuid, and prove that the drop cannot be undone;
 *     RLIMIT_NPROC 0 once the uid is no longer root;
 *  3. no capability left in the effective, permitted, inheritable or
 *     ambient set (nor in the bounding set when we were root);
 *  4. PR_SET_NO_NEW_PRIVS and not dumpable;
 *  5. a default-deny seccomp filter built from sandbox_allowed[].
 *
 * Every failure leaves the process in an unknown, partly locked state: the
 * caller must exit, never go on without the sandbox.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* setresuid, getresuid and friends */
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/futex.h>
#include <linux/keyctl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "errors.h"
#include "sandbox.h"
#include "util.h"

#ifdef AIRLOCK_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

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
fail(char *err, size_t errlen, int rc, int eno, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Fill err with "what: strerror(eno)" (or just "what") and return rc. */
static int
fail(char *err, size_t errlen, int rc, int eno, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (eno != 0 && n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(eno));
	return rc;
}

static int
set_limit(int resource, rlim_t value)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = value;
	return setrlimit(resource, &rl);
}

/*
 * RLIMIT_AS rather than RLIMIT_DATA: RLIMIT_DATA counts only private
 * writable mappings, and the filter lets a worker map shared anonymous
 * memory, which it would not count; RLIMIT_AS counts every mapping, the
 * stack included.  A limit that leaves no room beyond what the process
 * maps already would only fail at some later allocation, where even the
 * error could not be reported: the soft limit is tried first with a
 * mapping of AS_HEADROOM, and taken back if that fails.
 */
#define AS_HEADROOM	(1UL << 20)

static int
set_address_space(unsigned long max, char *err, size_t errlen)
{
	struct rlimit	 old, rl;
	void		*p;

#ifdef AIRLOCK_SANITIZER
	/*
	 * Sanitizer builds only: ASan reserves terabytes of address space
	 * for its shadow memory, which no useful limit would leave room for.
	 */
	max = 0;
#endif
	if (max == 0)
		return 0;
	if (getrlimit(RLIMIT_AS, &old) == -1)
		return fail(err, errlen, ERR_SYS, errno, "rlimit: RLIMIT_AS");
	rl.rlim_cur = max;
	rl.rlim_max = old.rlim_max;
	if (setrlimit(RLIMIT_AS, &rl) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_AS %lu", max);
	p = mmap(NULL, AS_HEADROOM, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		setrlimit(RLIMIT_AS, &old);
		return fail(err, errlen, ERR_INVAL, 0, "rlimit: RLIMIT_AS: a "
		    "limit of %lu bytes leaves less than %lu bytes beyond what "
		    "the worker maps at start", max, AS_HEADROOM);
	}
	munmap(p, AS_HEADROOM);
	if (set_limit(RLIMIT_AS, max) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_AS %lu", max);
	return 0;
}

/* Step 1: the limits that need no privilege and do not hinder the drop. */
static int
set_rlimits(const struct sandbox_opts *opts, char *err, size_t errlen)
{
	if (set_limit(RLIMIT_FSIZE, 0) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_FSIZE");
	if (set_limit(RLIMIT_CORE, 0) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_CORE");
	if (set_limit(RLIMIT_NOFILE, opts->max_fds) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_NOFILE %u", opts->max_fds);
	return set_address_space(opts->max_address_space, err, errlen);
}

/*
 * RLIMIT_NPROC comes after the drop: it counts the processes of the real
 * uid, and kernels before 3.1 fail setresuid() with EAGAIN when the new
 * user is over it (newer ones defer the check to execve).  Lowering a limit
 * needs no privilege, so the unprivileged worker can still set it.
 */
static int
set_nproc(char *err, size_t errlen)
{
	if (set_limit(RLIMIT_NPROC, 0) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "rlimit: RLIMIT_NPROC");
	return 0;
}

/*
 * Step 2a.  The directory is opened once and every check, and the chroot
 * itself, work on that descriptor, so a rename in a parent directory
 * between the checks and chroot() cannot substitute another directory.
 */
static int
enter_chroot(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 fd, dfd, eno;

	if (dir == NULL || dir[0] != '/')
		return fail(err, errlen, ERR_INVAL, 0,
		    "chroot: the directory must be an absolute path");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return fail(err, errlen, ERR_SYS, errno, "chroot: %s", dir);
	if (fstat(fd, &st) == -1) {
		eno = errno;
		close(fd);
		return fail(err, errlen, ERR_SYS, eno, "chroot: stat %s", dir);
	}
	if (st.st_uid != 0) {
		close(fd);
		return fail(err, errlen, ERR_DENIED, 0,
		    "chroot: %s is not owned by root", dir);
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		return fail(err, errlen, ERR_DENIED, 0,
		    "chroot: %s is writable by group or others", dir);
	}

	/* Empty, so that a worker that breaks the filter finds nothing. */
	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (d = fdopendir(dfd)) == NULL) {
		eno = errno;
		if (dfd != -1)
			close(dfd);
		close(fd);
		return fail(err, errlen, ERR_SYS, eno, "chroot: opendir %s",
		    dir);
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			break;
	}
	eno = errno;
	closedir(d);
	if (de != NULL || eno != 0) {
		close(fd);
		if (de != NULL)
			return fail(err, errlen, ERR_DENIED, 0,
			    "chroot: %s is not empty", dir);
		return fail(err, errlen, ERR_SYS, eno, "chroot: readdir %s",
		    dir);
	}

	if (fchdir(fd) == -1) {
		eno = errno;
		close(fd);
		return fail(err, errlen, ERR_SYS, eno, "chroot: chdir %s", dir);
	}
	close(fd);
	if (chroot(".") == -1)
		return fail(err, errlen, ERR_SYS, errno, "chroot: %s", dir);
	if (chdir("/") == -1)
		return fail(err, errlen, ERR_SYS, errno, "chroot: chdir /");
	return 0;
}

/*
 * Step 2b.  Only a holder of CAP_SETPCAP may shrink the bounding set, and
 * setresuid() to a non-root uid takes every capability away: the bounding
 * set has to go now, while we are still root.  The effective and permitted
 * sets stay until setresuid(), which needs CAP_SETUID and CAP_SETGID.
 */
static int
drop_bounding(char *err, size_t errlen)
{
	capng_clear(CAPNG_SELECT_BOTH);
	errno = 0;
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: cannot empty the bounding set");
	/* EINVAL: a kernel older than 4.3 has no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: clear the ambient set");
	return 0;
}

/* Step 2c: the drop, and the proof that it cannot be undone. */
static int
drop_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid, groups[2];
	int	 n;

	groups[0] = gid;
	if (setgroups(1, groups) == -1)
		return fail(err, errlen, ERR_SYS, errno, "setgroups %u",
		    (unsigned int)gid);
	if (setresgid(gid, gid, gid) == -1)
		return fail(err, errlen, ERR_SYS, errno, "setresgid %u",
		    (unsigned int)gid);
	if (setresuid(uid, uid, uid) == -1)
		return fail(err, errlen, ERR_SYS, errno, "setresuid %u",
		    (unsigned int)uid);

	/*
	 * Every way back to root must now fail.  Should one succeed we are
	 * root again, and the caller, seeing the error, exits.
	 */
	if (setresuid(0, 0, 0) != -1 || setuid(0) != -1 || seteuid(0) != -1)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: uid 0 could be restored");
	if (setresgid(0, 0, 0) != -1 || setgid(0) != -1 || setegid(0) != -1)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: gid 0 could be restored");
	if (setgroups(0, NULL) != -1)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: the group list could still be changed");

	if (getresuid(&ruid, &euid, &suid) == -1)
		return fail(err, errlen, ERR_SYS, errno, "drop: getresuid");
	if (ruid != uid || euid != uid || suid != uid)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: uids are %u/%u/%u, not %u", (unsigned int)ruid,
		    (unsigned int)euid, (unsigned int)suid, (unsigned int)uid);
	if (getresgid(&rgid, &egid, &sgid) == -1)
		return fail(err, errlen, ERR_SYS, errno, "drop: getresgid");
	if (rgid != gid || egid != gid || sgid != gid)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: gids are %u/%u/%u, not %u", (unsigned int)rgid,
		    (unsigned int)egid, (unsigned int)sgid, (unsigned int)gid);
	if ((n = getgroups(nitems(groups), groups)) == -1)
		return fail(err, errlen, ERR_SYS, errno, "drop: getgroups");
	if (n != 1 || groups[0] != gid)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: supplementary groups are not just %u",
		    (unsigned int)gid);
	return 0;
}

/* Without privilege there is nothing to drop, but root must not get here. */
static int
check_unprivileged(char *err, size_t errlen)
{
	uid_t	 ruid, euid, suid;

	if (getresuid(&ruid, &euid, &suid) == -1)
		return fail(err, errlen, ERR_SYS, errno, "drop: getresuid");
	if (ruid == 0 || euid == 0 || suid == 0)
		return fail(err, errlen, ERR_DENIED, 0,
		    "drop: running as root but not asked to drop privileges");
	return 0;
}

/*
 * Step 3.  Lowering the effective, permitted and inheritable sets needs no
 * privilege; the bounding set was emptied before the drop (we could not do
 * it now), so here it is only checked.  The check asks the kernel, one
 * capability at a time, up to the last one it knows.
 */
static int
drop_caps(int privileged, char *err, size_t errlen)
{
	unsigned int	 i;
	int		 b, a;

	capng_clear(CAPNG_SELECT_CAPS);
	errno = 0;
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: cannot clear them");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: clear the ambient set");

	errno = 0;
	if (capng_get_caps_process() != 0)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: cannot read them back");
	for (i = 0; (b = prctl(PR_CAPBSET_READ, i, 0, 0, 0)) >= 0; i++) {
		if (capng_have_capability(CAPNG_EFFECTIVE, i) ||
		    capng_have_capability(CAPNG_PERMITTED, i) ||
		    capng_have_capability(CAPNG_INHERITABLE, i))
			return fail(err, errlen, ERR_DENIED, 0,
			    "capabilities: capability %u is still held", i);
		/* Unprivileged, the bounding set is not ours to shrink. */
		if (privileged && b != 0)
			return fail(err, errlen, ERR_DENIED, 0,
			    "capabilities: capability %u is still in the "
			    "bounding set", i);
		a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0);
		if (a > 0)
			return fail(err, errlen, ERR_DENIED, 0,
			    "capabilities: capability %u is still ambient", i);
	}
	if (i == 0)
		return fail(err, errlen, ERR_SYS, errno,
		    "capabilities: cannot read the bounding set");
	return 0;
}

/* Step 4. */
static int
set_prctls(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "prctl: PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "prctl: PR_SET_DUMPABLE");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return fail(err, errlen, ERR_DENIED, 0,
		    "prctl: the settings did not hold");
	return 0;
}

/*
 * Debug mode: SIGSYS names the syscall.  The handler may only use
 * async-signal-safe calls that the filter allows (write, _exit), so the
 * names are looked up once, before the filter is loaded.
 */
#define TRAP_NAMES	1024

#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1	/* si_code of a seccomp SIGSYS (kernel ABI) */
#endif

static const char	*trap_name[TRAP_NAMES];
static uint32_t		 trap_arch;

static size_t
trap_cat(char *buf, size_t off, size_t size, const char *s)
{
	while (*s != '\0' && off < size)
		buf[off++] = *s++;
	return off;
}

static size_t
trap_num(char *buf, size_t off, size_t size, long v)
{
	char		 digits[24];
	unsigned long	 u;
	size_t		 n = 0;

	if (v < 0 && off < size)
		buf[off++] = '-';
	u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do {
		digits[n++] = '0' + (u % 10);
		u /= 10;
	} while (u != 0 && n < sizeof(digits));
	while (n > 0 && off < size)
		buf[off++] = digits[--n];
	return off;
}

static void
trap_handler(int signo, siginfo_t *info, void *uctx)
{
	char		 msg[160];
	const char	*name = "?";
	size_t		 off = 0;
	int		 nr;

	(void)signo;
	(void)uctx;
	nr = info->si_syscall;
	if (info->si_code == SYS_SECCOMP && info->si_arch == trap_arch &&
	    nr >= 0 && nr < TRAP_NAMES && trap_name[nr] != NULL)
		name = trap_name[nr];
	off = trap_cat(msg, off, sizeof(msg),
	    "airlock-worker: sandbox: syscall ");
	off = trap_cat(msg, off, sizeof(msg), name);
	off = trap_cat(msg, off, sizeof(msg), " (");
	off = trap_num(msg, off, sizeof(msg), nr);
	off = trap_cat(msg, off, sizeof(msg), ") not permitted\n");
	if (write(STDERR_FILENO, msg, off) == -1) {
		/* Nowhere left to say it. */
	}
	/* The status a shell shows for death by SIGSYS. */
	_exit(128 + SIGSYS);
}

static int
trap_install(char *err, size_t errlen)
{
	struct sigaction	 sa;
	sigset_t		 set;
	int			 nr;

	trap_arch = seccomp_arch_native();
	for (nr = 0; nr < TRAP_NAMES; nr++) {
		/* Kept for the life of the process: the handler needs them. */
		trap_name[nr] = seccomp_syscall_resolve_num_arch(trap_arch,
		    nr);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "seccomp: sigaction SIGSYS");
	/* A blocked SIGSYS would turn the trap into a plain kill. */
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		return fail(err, errlen, ERR_SYS, errno,
		    "seccomp: unblock SIGSYS");
	return 0;
}

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
			return fail(err, errlen, ERR_SYS, -r,
			    "seccomp: allow %s", s->name);
	}
	for (i = 0; i < nitems(argrules); i++) {
		ar = &argrules[i];
		/* A filter on a name that the list does not allow is a typo. */
		if (!is_allowed(ar->name))
			return fail(err, errlen, ERR_INVAL, 0,
			    "seccomp: %s has an argument filter but is not "
			    "allowed", ar->name);
		if ((nr = seccomp_syscall_resolve_name(ar->name)) < 0)
			continue;
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, ar->ncmp,
		    ar->cmp);
		if (r < 0)
			return fail(err, errlen, ERR_SYS, -r,
			    "seccomp: allow %s with arguments", ar->name);
	}
	for (i = 0; i < nitems(denyrules); i++) {
		dr = &denyrules[i];
		if ((nr = seccomp_syscall_resolve_name(dr->name)) < 0)
			continue;
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(dr->eno), nr,
		    dr->ncmp, dr->cmp);
		if (r < 0)
			return fail(err, errlen, ERR_SYS, -r,
			    "seccomp: deny %s", dr->name);
	}
	return 0;
}

/* Step 5. */
static int
load_filter(int trap_debug, char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 action;
	int		 r;

	if (trap_debug && (r = trap_install(err, errlen)) != 0)
		return r;
	action = trap_debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	if ((ctx = seccomp_init(action)) == NULL)
		return fail(err, errlen, ERR_SYS, 0,
		    "seccomp: seccomp_init failed");
	/* Only for error reporting: older libseccomps say EINVAL here. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A syscall made through another ABI (int 0x80, x32) is hostile. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, action)) < 0) {
		seccomp_release(ctx);
		return fail(err, errlen, ERR_SYS, -r,
		    "seccomp: bad-architecture action");
	}
	if ((r = add_rules(ctx, err, errlen)) != 0) {
		seccomp_release(ctx);
		return r;
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return fail(err, errlen, ERR_SYS, -r, "seccomp: load");
	return 0;
}

int
sandbox_leave_keyrings(void)
{
	/* A NULL name: a new anonymous keyring, which nobody else holds. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 &&
	    errno != ENOSYS && errno != EPERM)
		return -1;
	return 0;
}

int
sandbox_apply(const struct sandbox_opts *opts, char *err, size_t errlen)
{
	int	 r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (opts == NULL || opts->max_fds == 0)
		return fail(err, errlen, ERR_INVAL, 0,
		    "sandbox: invalid options");
	/* (uid_t)-1 would leave an id unchanged, i.e. root. */
	if (opts->privileged && (opts->uid == 0 || opts->gid == 0 ||
	    opts->uid == (uid_t)-1 || opts->gid == (gid_t)-1))
		return fail(err, errlen, ERR_INVAL, 0,
		    "drop: refusing to run as uid %u gid %u",
		    (unsigned int)opts->uid, (unsigned int)opts->gid);

#ifdef AIRLOCK_SANITIZER
	/*
	 * Sanitizer builds only: let the runtime cache the memory map while
	 * files can still be opened, so that its reports can name modules
	 * inside the chroot and under the filter.
	 */
	__sanitizer_sandbox_on_notify(NULL);
#endif
	if (sandbox_leave_keyrings() == -1)
		return fail(err, errlen, ERR_SYS, errno, "keyrings: cannot "
		    "leave the session keyring");
	if ((r = set_rlimits(opts, err, errlen)) != 0)
		return r;
	if (opts->privileged) {
		if ((r = enter_chroot(opts->chroot_dir, err, errlen)) != 0 ||
		    (r = drop_bounding(err, errlen)) != 0 ||
		    (r = drop_ids(opts->uid, opts->gid, err, errlen)) != 0)
			return r;
	} else if ((r = check_unprivileged(err, errlen)) != 0)
		return r;
	if ((r = set_nproc(err, errlen)) != 0 ||
	    (r = drop_caps(opts->privileged, err, errlen)) != 0 ||
	    (r = set_prctls(err, errlen)) != 0 ||
	    (r = load_filter(opts->trap_debug, err, errlen)) != 0)
		return r;
	return 0;
}
