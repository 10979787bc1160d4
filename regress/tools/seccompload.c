/*
 * seccompload: load a container seccomp profile (the JSON of Docker, Podman
 * and the OCI runtimes, as contrib/seccomp/airlockd.json) the way a runtime
 * would, with libseccomp, then run a program under it.  For
 * regress/t/contrib-seccomp.sh.
 *
 *	seccompload -c PROFILE			check only
 *	seccompload PROFILE COMMAND [ARG...]	load, then exec COMMAND
 *	seccompload -p PROFILE SYSCALL [ARG...]	load, then make one call
 *
 * -c checks what a runtime would take on trust: known actions and
 * operators, every architecture known to libseccomp, every name a system
 * call of at least one of the profile's architectures.  -p makes the named
 * call with the given (numeric) arguments, the rest zero, and prints
 * "SYSCALL: ok" or "SYSCALL: errno N (text)".
 *
 * What is read: defaultAction and defaultErrnoRet; archMap (or the older
 * architectures); for each entry of syscalls, names, action (SCMP_ACT_ALLOW
 * or SCMP_ACT_ERRNO with errnoRet, EPERM by default) and args.  A name
 * that does not exist on the running architecture is skipped, as runtimes
 * do.  no_new_privs is set (libseccomp's default), which airlockd does not
 * mind: it only drops privileges, it never gains any by exec.
 *
 * Exit status: 1 for an unusable profile or a failed load, 2 for usage,
 * else the command's (or 0 after -c and -p).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <seccomp.h>

#include "util.h"

#define MAX_ARGS	6

struct load {
	const char	*path;
	int		 check_only;
	uint32_t	 arch[16];
	int		 narch;
	int		 nnames;
	int		 bad;
};

static void
usage(void)
{
	fprintf(stderr, "usage: seccompload -c profile\n"
	    "       seccompload profile command [arg ...]\n"
	    "       seccompload -p profile syscall [arg ...]\n");
	exit(2);
}

static int
complain(struct load *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
complain(struct load *l, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "seccompload: %s: ", l->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->bad++;
	return -1;
}

/* "SCMP_ACT_ERRNO" with errno, or "SCMP_ACT_ALLOW". */
static int
parse_action(struct load *l, const char *s, json_t *eno, int dflt,
    uint32_t *out)
{
	int	 e = dflt;

	if (eno != NULL) {
		if (!json_is_integer(eno) || json_integer_value(eno) < 0 ||
		    json_integer_value(eno) > 4095)
			return complain(l, "%s: errnoRet is not an errno",
			    s);
		e = (int)json_integer_value(eno);
	}
	if (strcmp(s, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(s, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO(e);
	else
		return complain(l, "action %s is not supported here", s);
	return 0;
}

static int
parse_op(struct load *l, const char *s, enum scmp_compare *op)
{
	static const struct {
		const char		*name;
		enum scmp_compare	 op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	size_t	 i;

	for (i = 0; i < nitems(ops); i++)
		if (strcmp(ops[i].name, s) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return complain(l, "unknown operator %s", s);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static int
add_arch(struct load *l, scmp_filter_ctx ctx, const char *s)
{
	char		 name[32];
	size_t		 i;
	uint32_t	 a;
	int		 r;

	if (strncmp(s, "SCMP_ARCH_", 10) != 0 ||
	    strlen(s + 10) >= sizeof(name))
		return complain(l, "unknown architecture %s", s);
	for (i = 0; s[10 + i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)s[10 + i]);
	name[i] = '\0';
	if ((a = seccomp_arch_resolve_name(name)) == 0)
		return complain(l, "unknown architecture %s", s);
	if (l->narch < (int)(sizeof(l->arch) / sizeof(l->arch[0])))
		l->arch[l->narch++] = a;
	if (ctx != NULL && a != seccomp_arch_native() &&
	    (r = seccomp_arch_add(ctx, a)) < 0 && r != -EEXIST)
		return complain(l, "cannot add architecture %s", s);
	return 0;
}

static int
parse_archs(struct load *l, scmp_filter_ctx ctx, json_t *root)
{
	json_t	*map, *e, *sub, *v;
	size_t	 i, j;
	int	 native = 0;

	if ((map = json_object_get(root, "archMap")) != NULL) {
		if (!json_is_array(map))
			return complain(l, "%s is not a list", "archMap");
		json_array_foreach(map, i, e) {
			v = json_object_get(e, "architecture");
			if (!json_is_string(v))
				return complain(l, "%s without architecture",
				    "archMap entry");
			if (add_arch(l, ctx, json_string_value(v)) != 0)
				return -1;
			sub = json_object_get(e, "subArchitectures");
			json_array_foreach(sub, j, v)
				if (!json_is_string(v) || add_arch(l, ctx,
				    json_string_value(v)) != 0)
					return -1;
		}
	} else if ((map = json_object_get(root, "architectures")) != NULL) {
		json_array_foreach(map, i, v)
			if (!json_is_string(v) || add_arch(l, ctx,
			    json_string_value(v)) != 0)
				return -1;
	}
	for (i = 0; i < (size_t)l->narch; i++)
		if (l->arch[i] == seccomp_arch_native())
			native = 1;
	if (!native && !l->check_only)
		return complain(l, "%s", "the running architecture is not in "
		    "the profile");
	return 0;
}

/* The args of one entry: index, value, valueTwo, op. */
static int
parse_args(struct load *l, json_t *args, struct scmp_arg_cmp *cmp,
    unsigned int *ncmp)
{
	json_t		*a, *idx, *v1, *v2, *op;
	size_t		 i;

	*ncmp = 0;
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args) || json_array_size(args) > MAX_ARGS)
		return complain(l, "%s: not a list of at most 6", "args");
	json_array_foreach(args, i, a) {
		idx = json_object_get(a, "index");
		v1 = json_object_get(a, "value");
		v2 = json_object_get(a, "valueTwo");
		op = json_object_get(a, "op");
		if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		    json_integer_value(idx) >= MAX_ARGS ||
		    !json_is_integer(v1) || (v2 != NULL &&
		    !json_is_integer(v2)) || !json_is_string(op))
			return complain(l, "%s: index, value, valueTwo, op",
			    "args");
		cmp[i].arg = (unsigned int)json_integer_value(idx);
		cmp[i].datum_a = (scmp_datum_t)json_integer_value(v1);
		cmp[i].datum_b = v2 != NULL ?
		    (scmp_datum_t)json_integer_value(v2) : 0;
		if (parse_op(l, json_string_value(op), &cmp[i].op) != 0)
			return -1;
	}
	*ncmp = (unsigned int)json_array_size(args);
	return 0;
}

/* Does the name exist on one of the profile's architectures? */
static int
resolves(const struct load *l, const char *name)
{
	int	 i;

	for (i = 0; i < l->narch; i++)
		if (seccomp_syscall_resolve_name_arch(l->arch[i], name) >= 0)
			return 1;
	return 0;
}

static int
parse_syscalls(struct load *l, scmp_filter_ctx ctx, json_t *root,
    int dflt_errno)
{
	struct scmp_arg_cmp	 cmp[MAX_ARGS];
	json_t			*list, *e, *names, *n, *act;
	const char		*name;
	uint32_t		 action;
	unsigned int		 ncmp;
	size_t			 i, j;
	int			 nr, r;

	if (!json_is_array(list = json_object_get(root, "syscalls")))
		return complain(l, "%s is not a list", "syscalls");
	json_array_foreach(list, i, e) {
		names = json_object_get(e, "names");
		act = json_object_get(e, "action");
		if (!json_is_array(names) || !json_is_string(act))
			return complain(l, "%s without names or action",
			    "a syscalls entry");
		if (parse_action(l, json_string_value(act),
		    json_object_get(e, "errnoRet"), dflt_errno, &action) != 0 ||
		    parse_args(l, json_object_get(e, "args"), cmp, &ncmp) != 0)
			return -1;
		json_array_foreach(names, j, n) {
			if (!json_is_string(n))
				return complain(l, "%s", "a name is not a "
				    "string");
			name = json_string_value(n);
			l->nnames++;
			if (!resolves(l, name)) {
				complain(l, "%s is not a system call of the "
				    "profile's architectures", name);
				continue;
			}
			if (ctx == NULL)
				continue;
			/* Not on this architecture: skipped, as runc does. */
			if ((nr = seccomp_syscall_resolve_name(name)) < 0)
				continue;
			r = seccomp_rule_add_array(ctx, action, nr, ncmp, cmp);
			if (r < 0) {
				errno = -r;
				complain(l, "cannot add a rule for %s", name);
			}
		}
	}
	return l->bad ? -1 : 0;
}

/* Make one call; report its result. */
static int
probe(char **argv)
{
	unsigned long	 a[MAX_ARGS] = { 0 };
	long		 r;
	int		 nr, i;

	if ((nr = seccomp_syscall_resolve_name(argv[0])) < 0) {
		fprintf(stderr, "seccompload: no system call %s\n", argv[0]);
		return 2;
	}
	for (i = 0; i < MAX_ARGS && argv[i + 1] != NULL; i++)
		a[i] = strtoul(argv[i + 1], NULL, 0);
	errno = 0;
	r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r == -1)
		printf("%s: errno %d (%s)\n", argv[0], errno, strerror(errno));
	else
		printf("%s: ok\n", argv[0]);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct load	 l;
	scmp_filter_ctx	 ctx = NULL;
	json_error_t	 jerr;
	json_t		*root, *v;
	uint32_t	 dflt;
	int		 ch, do_probe = 0, dflt_errno = EPERM, r;

	memset(&l, 0, sizeof(l));
	while ((ch = getopt(argc, argv, "+cp")) != -1) {
		switch (ch) {
		case 'c':
			l.check_only = 1;
			break;
		case 'p':
			do_probe = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (l.check_only && argc != 1) ||
	    (!l.check_only && argc < 2))
		usage();
	l.path = argv[0];

	if ((root = json_load_file(l.path, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		fprintf(stderr, "seccompload: %s:%d: %s\n", l.path, jerr.line,
		    jerr.text);
		return 1;
	}
	if ((v = json_object_get(root, "defaultErrnoRet")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > 4095) {
			fprintf(stderr, "seccompload: %s: defaultErrnoRet is "
			    "not an errno\n", l.path);
			return 1;
		}
		dflt_errno = (int)json_integer_value(v);
	}
	v = json_object_get(root, "defaultAction");
	if (!json_is_string(v) || parse_action(&l, json_string_value(v),
	    NULL, dflt_errno, &dflt) != 0)
		return complain(&l, "%s", "no usable defaultAction"), 1;
	if (!l.check_only && (ctx = seccomp_init(dflt)) == NULL) {
		fprintf(stderr, "seccompload: seccomp_init failed\n");
		return 1;
	}
	if (parse_archs(&l, ctx, root) != 0 ||
	    parse_syscalls(&l, ctx, root, EPERM) != 0) {
		json_decref(root);
		return 1;
	}
	json_decref(root);
	if (l.check_only) {
		printf("%s: %d names, all known\n", l.path, l.nnames);
		return 0;
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		fprintf(stderr, "seccompload: seccomp_load: %s\n",
		    strerror(-r));
		return 1;
	}
	if (do_probe)
		return probe(argv + 1);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "seccompload: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
