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
 *  5. a default-deny seccomp filter: the BPF program that the build
 *     compiled from privsep/sandbox_rules.c (include/sandbox_filter.h).
 *
 * Every failure leaves the process in an unknown, partly locked state: the
 * caller must exit, never go on without the sandbox.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* setresuid, getresuid and friends */
#endif

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/keyctl.h>
#include <linux/seccomp.h>

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

#include "errors.h"
#include "sandbox.h"
#include "sandbox_filter.h"
#include "util.h"

#ifdef AIRLOCK_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif


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
 * names come from a table that the build generated with the filter.
 */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1	/* si_code of a seccomp SIGSYS (kernel ABI) */
#endif

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
	if (info->si_code == SYS_SECCOMP &&
	    (uint32_t)info->si_arch == sandbox_bpf_arch && nr >= 0 &&
	    (size_t)nr < sandbox_bpf_nnames && sandbox_bpf_names[nr] != NULL)
		name = sandbox_bpf_names[nr];
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

/*
 * Step 5.  seccomp(2) takes the program as it is; prctl is the way of
 * kernels before 3.17, as libseccomp falls back.  No flags: the worker has
 * one thread, and its filter applies to it alone.
 */
static int
load_filter(int trap_debug, char *err, size_t errlen)
{
	const struct sandbox_bpf	*bpf;
	struct sock_fprog		 prog;
	int				 r;

	if (trap_debug && (r = trap_install(err, errlen)) != 0)
		return r;
	bpf = trap_debug ? &sandbox_bpf_trap : &sandbox_bpf_kill;
	memset(&prog, 0, sizeof(prog));
	prog.len = bpf->len;
	/* The kernel copies the program; it never writes to it. */
	prog.filter = (struct sock_filter *)bpf->insns;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno == ENOSYS &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
		return 0;
	return fail(err, errlen, ERR_SYS, errno, "seccomp: load");
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
