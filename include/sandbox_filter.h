/*
 * The worker's seccomp filter as data.  The rules (privsep/sandbox_rules.c)
 * are compiled once, at build time: privsep/gen/sandboxgen runs them through
 * libseccomp and writes the BPF programs and the syscall names of the build's
 * architecture as C (privsep/gen/sandbox_bpf.c, a build product).  The worker
 * loads a program with seccomp(2) and needs no libseccomp; the tests compile
 * the rules again and compare byte for byte.
 */
#ifndef AIRLOCK_SANDBOX_FILTER_H
#define AIRLOCK_SANDBOX_FILTER_H

#include <linux/filter.h>

#include <stddef.h>
#include <stdint.h>

/* The kernel's limit on a program, and the size of one instruction. */
#define SANDBOX_BPF_MAXLEN	BPF_MAXINSNS
#define SANDBOX_BPF_INSN	sizeof(struct sock_filter)

struct sandbox_bpf {
	const struct sock_filter *insns;
	unsigned short		 len;		/* instructions */
};

/* Generated (privsep/gen/sandbox_bpf.c). */
extern const struct sandbox_bpf	 sandbox_bpf_kill;	/* the default */
extern const struct sandbox_bpf	 sandbox_bpf_trap;	/* sandboxDebug */
extern const uint32_t		 sandbox_bpf_arch;	/* its AUDIT_ARCH_* */
/* Syscall names by number on that architecture (NULL: none), for the trap. */
extern const char *const	 sandbox_bpf_names[];
extern const size_t		 sandbox_bpf_nnames;

/*
 * privsep/sandbox_rules.c, with libseccomp, for the architecture it runs
 * on: the program of one variant (trap_debug: SIGSYS instead of a kill) as
 * the kernel takes it, in a buffer the caller frees.  0, or a negative
 * errno with err saying which rule or step failed.
 */
int		 sandbox_filter_compile(int trap_debug, unsigned char **prog,
		    size_t *len, char *err, size_t errlen);

#endif
