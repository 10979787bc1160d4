/*
 * filterof: which seccomp program a running process has loaded, read back
 * from the kernel (PTRACE_SECCOMP_GET_FILTER, root only) and compared with
 * the programs the build generated (include/sandbox_filter.h).  For
 * regress/t/sandbox-live-worker.sh.
 *
 *	filterof PID
 *
 * Prints "kill" or "trap" when the process's one filter is that program,
 * "other" when it is neither, and exits 0; 1 when it cannot be read.  The
 * process is stopped for the read only (PTRACE_SEIZE, PTRACE_INTERRUPT) and
 * goes on as before: an interrupted poll restarts.
 */
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_filter.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER	0x420c	/* kernel ABI, 4.4 */
#endif

static const char *
which(const struct sock_filter *prog, long n)
{
	static const struct {
		const char		*name;
		const struct sandbox_bpf *bpf;
	} known[] = {
		{ "kill", &sandbox_bpf_kill },
		{ "trap", &sandbox_bpf_trap },
	};
	size_t	 i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (n == known[i].bpf->len && memcmp(prog, known[i].bpf->insns,
		    n * SANDBOX_BPF_INSN) == 0)
			return known[i].name;
	return "other";
}

int
main(int argc, char **argv)
{
	struct sock_filter	 prog[SANDBOX_BPF_MAXLEN];
	const char		*what;
	pid_t			 pid;
	long			 n, more;
	int			 st;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: filterof pid\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) == -1 ||
	    ptrace(PTRACE_INTERRUPT, pid, 0, 0) == -1 ||
	    waitpid(pid, &st, __WALL) != pid) {
		fprintf(stderr, "filterof: %d: %s\n", pid, strerror(errno));
		return 1;
	}
	/* Filter 0 is the newest; a second one (index 1) must not exist. */
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, NULL);
	if (n > 0 && n <= SANDBOX_BPF_MAXLEN)
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, prog);
	more = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 1, NULL);
	if (n <= 0 || n > SANDBOX_BPF_MAXLEN) {
		fprintf(stderr, "filterof: %d: no filter to read (%s)\n", pid,
		    n == -1 ? strerror(errno) : "too long");
		ptrace(PTRACE_DETACH, pid, 0, 0);
		return 1;
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	what = more == -1 ? which(prog, n) : "other";
	printf("%s\n", what);
	return 0;
}
