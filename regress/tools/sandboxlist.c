/*
 * sandboxlist: print the worker's seccomp allow-list, one name per line,
 * from the table that privsep/sandbox.c builds its filter from
 * (sandbox_allowed[]).  contrib/seccomp/gen.sh merges it into the
 * container profile.
 *
 *	sandboxlist [-w] [ARCH...]
 *
 * With architectures (libseccomp's names: x86_64, aarch64, ...), only the
 * names that exist on at least one of them (the table also holds the 32-bit
 * and time64 variants); without, every name.  -w adds, after a tab, why the
 * worker needs it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"

#define MAX_ARCHS	8

static void
usage(void)
{
	fprintf(stderr, "usage: sandboxlist [-w] [arch ...]\n");
}

int
main(int argc, char **argv)
{
	uint32_t	 arch[MAX_ARCHS];
	size_t		 i, j;
	int		 ch, narch = 0, why = 0, found;

	while ((ch = getopt(argc, argv, "w")) != -1) {
		switch (ch) {
		case 'w':
			why = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		if (narch == MAX_ARCHS) {
			usage();
			return 2;
		}
		if ((arch[narch] = seccomp_arch_resolve_name(argv[optind])) ==
		    0) {
			fprintf(stderr, "sandboxlist: unknown architecture "
			    "%s\n", argv[optind]);
			return 2;
		}
		narch++;
	}
	for (i = 0; i < sandbox_nallowed; i++) {
		found = narch == 0;
		for (j = 0; j < (size_t)narch && !found; j++)
			found = seccomp_syscall_resolve_name_arch(arch[j],
			    sandbox_allowed[i].name) >= 0;
		if (!found)
			continue;
		if (why)
			printf("%s\t%s\n", sandbox_allowed[i].name,
			    sandbox_allowed[i].why);
		else
			printf("%s\n", sandbox_allowed[i].name);
	}
	return ferror(stdout) ? 1 : 0;
}
