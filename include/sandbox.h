/*
 * The worker's sandbox, which the worker applies to itself after exec and
 * before it reads one byte from the network.  Order (as OpenSSH's
 * privsep_child_demote and sandbox-seccomp-filter): rlimits that need no
 * privilege, chroot to an empty directory, setgroups/setresgid/setresuid,
 * proof that the drop cannot be undone, no capability left in any set
 * (bounding set included), PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0, then the
 * default-deny seccomp filter.
 */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <sys/types.h>
#include <stddef.h>

struct sandbox_opts {
	int		 privileged;	/* running as root: chroot and drop */
	uid_t		 uid;		/* unprivileged user and group */
	gid_t		 gid;
	const char	*chroot_dir;	/* empty, root-owned, not writable */
	unsigned int	 max_fds;	/* RLIMIT_NOFILE */
	unsigned long	 max_address_space; /* RLIMIT_AS in bytes; 0: none */
	int		 trap_debug;	/* SIGSYS trap naming the syscall */
};

/*
 * Step 0 of sandbox_apply, exposed for its test: leave the session
 * keyring inherited from airlockd for a new, empty, anonymous one, so
 * that the worker possesses none of the keys that airlockd's session can
 * reach (the keyring provider's; root's user keyring, which a login
 * session links).  0, or -1 with errno; ENOSYS and EPERM (no keyrings
 * here, or keyctl refused by a container's filter, which the worker then
 * cannot call either) count as done.
 */
int		 sandbox_leave_keyrings(void);
/* Apply everything; on error err says which step failed. */
int		 sandbox_apply(const struct sandbox_opts *, char *err,
		    size_t errlen);

/*
 * The allow-list itself, exposed so that tests and the container seccomp
 * profile can be generated from (or checked against) the same source.
 */
struct sandbox_syscall {
	const char	*name;
	const char	*why;		/* one line: who needs it */
};
extern const struct sandbox_syscall sandbox_allowed[];
extern const size_t sandbox_nallowed;

#endif
