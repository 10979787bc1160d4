/*
 * The seccomp filter that the worker loads (privsep/gen/sandbox_bpf.c,
 * generated at build time) is the allow-list: the rules of
 * privsep/sandbox_rules.c compiled now with libseccomp give the very same
 * program, byte for byte, for each variant, and the trap's syscall names
 * are libseccomp's for this architecture.  A table edited without the
 * program being generated again fails here.
 */
#include <sys/syscall.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "sandbox_filter.h"
#include "test.h"

/* 0 when the embedded program is what the rules compile to now. */
static int
same_program(const char *variant, const struct sandbox_bpf *bpf,
    int trap_debug)
{
	unsigned char	*prog;
	char		 err[256];
	size_t		 len, i, n;
	int		 differ;

	if (sandbox_filter_compile(trap_debug, &prog, &len, err,
	    sizeof(err)) != 0) {
		printf("    %s: %s\n", variant, err);
		return -1;
	}
	n = len / SANDBOX_BPF_INSN;
	differ = n != bpf->len ||
	    memcmp(prog, bpf->insns, len) != 0;
	if (differ) {
		for (i = 0; i < n && i < bpf->len; i++)
			if (memcmp(prog + i * SANDBOX_BPF_INSN, &bpf->insns[i],
			    SANDBOX_BPF_INSN) != 0)
				break;
		printf("    %s: the rules compile to %zu instructions, the "
		    "embedded program has %u; first difference at %zu "
		    "(make regenerates privsep/gen/sandbox_bpf.c)\n", variant,
		    n, bpf->len, i);
	}
	free(prog);
	return differ ? -1 : 0;
}

TEST(sandbox_bpf_is_the_rules_compiled)
{
	CHECK(sandbox_bpf_kill.len > 0);
	CHECK(same_program("kill", &sandbox_bpf_kill, 0) == 0);
	CHECK(sandbox_bpf_trap.len > 0);
	CHECK(same_program("trap", &sandbox_bpf_trap, 1) == 0);
	/* The variants differ in their action, so in their bytes. */
	CHECK(sandbox_bpf_kill.len != sandbox_bpf_trap.len ||
	    memcmp(sandbox_bpf_kill.insns, sandbox_bpf_trap.insns,
	    sandbox_bpf_kill.len * SANDBOX_BPF_INSN) != 0);
}

TEST(sandbox_bpf_names_are_this_arch)
{
	char	*name;
	size_t	 nr, missing = 0;

	CHECK_INT(sandbox_bpf_arch, seccomp_arch_native());
	REQUIRE(sandbox_bpf_nnames > 0);
	for (nr = 0; nr < sandbox_bpf_nnames + 64; nr++) {
		name = seccomp_syscall_resolve_num_arch(seccomp_arch_native(),
		    (int)nr);
		if (nr >= sandbox_bpf_nnames)
			CHECK(name == NULL);
		else if (name == NULL || sandbox_bpf_names[nr] == NULL)
			CHECK(name == NULL && sandbox_bpf_names[nr] == NULL);
		else
			CHECK_STR(sandbox_bpf_names[nr], name);
		if (name == NULL)
			missing++;
		free(name);
	}
	/* The trap names what sandbox-syscalls.sh sees it name. */
	REQUIRE(sandbox_bpf_names[__NR_openat] != NULL);
	CHECK_STR(sandbox_bpf_names[__NR_openat], "openat");
	CHECK(missing < sandbox_bpf_nnames);
}
