#!/bin/sh
#
# The suite again, in a build that looks for memory errors: regress/run.sh
# run with other binaries.
#
#	sh regress/sanitize.sh asan [-j N] [WORD...]  AddressSanitizer and
#		UndefinedBehaviorSanitizer (clang): airlockd, every worker (in
#		its real sandbox), the unit tests and the test tools
#	sh regress/sanitize.sh valgrind [-j N] [WORD...]  airlockd, the unit
#		tests and provget ($PROVGET) under valgrind memcheck (workers
#		run natively)
#
# WORDs select tests as regress/run.sh does, and -j N (first) runs N at
# once as it does (default $AIRLOCK_TEST_JOBS, else twice the CPUs).  The
# work tree (tracked and new files) is copied to a temporary directory
# (KEEP=1 keeps it) and built there, and the copy's run.sh runs: a test
# that passed but left a report in its log directory fails
# (regress/reports.sh).  The last line is run.sh's; the logs end up in
# regress/log/MODE/NAME/.  A test that cannot run in a mode says so itself
# (skip_under, lib.sh); a test whose expectations a mode changes reads
# AIRLOCK_SANITIZE.
#
# Why each piece is there:
#  - airlockd starts workers with an empty environment, so ASAN_OPTIONS
#    cannot reach them: airlock-worker compiles its options in
#    (worker/main.c, AIRLOCK_SANITIZER).  Inside the seccomp filter
#    LeakSanitizer cannot run (it needs clone and ptrace), so workers are
#    not leak-checked, and a worker's report (module+offset: no symbolizer
#    can be executed) reaches airlockd's log as "worker stderr:" lines,
#    which lib.sh keeps in the test's log directory.
#  - clang, not gcc: gcc's UBSan runtime initialises itself at the first
#    report, reading /proc/self/exe and /proc/self/environ, which the
#    filter kills; clang's is part of the ASan runtime, ready before the
#    sandbox.
#  - Everything else takes its options from the environment; run.sh adds
#    the log_path of each test.  The ASan run's airlockd is the binary
#    itself (no wrapper), so the tests see its pid, its children and its
#    own stderr, and a test may run it under a loader (contrib-seccomp).

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LC_ALL=C
export LC_ALL

SAN_CC=${SAN_CC:-clang}
MODE=${1:-}
case "$MODE" in
asan)		TOOL=$SAN_CC ;;
valgrind)	TOOL=valgrind ;;
*)	echo "usage: sh regress/sanitize.sh asan|valgrind [-j N] [word...]" >&2
	exit 2 ;;
esac
shift
SAN_FLAGS=${SAN_FLAGS:-"-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=all -DAIRLOCK_SANITIZER"}
NCPU=$(nproc 2>/dev/null || echo 2)

fatal_setup()
{
	echo "sanitize.sh $MODE: $*"
	echo "0 passed, 1 failed"
	exit 1
}

command -v "$TOOL" >/dev/null 2>&1 ||
    fatal_setup "$TOOL not found (contrib/install-deps.sh installs it)"

# 0755: nonroot.sh runs airlockd as nobody, which must reach the copy.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/airlock-$MODE.XXXXXX") ||
    fatal_setup "mktemp failed"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
SRC=$WORK/src
chmod 0755 "$WORK" && mkdir -m 0755 "$SRC" || fatal_setup "mkdir"

# The copy: what git knows of plus new files, as they are in the work tree.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$TOP" ls-files -z -c -o --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
	    xargs -0 cp -P --parents -t "$SRC" || fatal_setup "copy failed"
else
	cp -a "$TOP/." "$SRC/" && make -C "$SRC" -s clean >/dev/null ||
	    fatal_setup "copy failed"
fi
rm -rf "$SRC/regress/log"

start=$(date +%s)
# shellcheck disable=SC2086
if [ "$MODE" = asan ]; then
	make -C "$SRC" -j"$NCPU" CC="$SAN_CC" SANITIZE="$(echo $SAN_FLAGS)" all
else
	make -C "$SRC" -j"$NCPU" all
fi >"$WORK/build.log" 2>&1 || {
	tail -n 40 "$WORK/build.log"
	fatal_setup "the build failed"
}
echo "sanitize.sh $MODE: built in $(( $(date +%s) - start ))s in $SRC"

if [ "$MODE" = asan ]; then
	AIRLOCKD=$SRC/airlockd
	ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:strict_string_checks=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:log_exe_name=1"
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_exe_name=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
	ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer ||
	    command -v llvm-symbolizer-14)
	[ -n "$ASAN_SYMBOLIZER_PATH" ] && export ASAN_SYMBOLIZER_PATH
else
	VG="valgrind --tool=memcheck --leak-check=full
	    --show-leak-kinds=definite,indirect --error-exitcode=99
	    --errors-for-leak-kinds=definite,indirect --track-fds=yes
	    --trace-children=no --num-callers=40
	    --suppressions=$SRC/regress/valgrind.supp"
	# vg NAME BINARY [OPTION]: a script that runs BINARY under memcheck,
	# its log in the test's log directory (%q: valgrind reads the variable).
	vg()
	{
		printf '#!/bin/sh\nexec %s %s --log-file=%s "%s" "$@"\n' \
		    "$(echo $VG)" "${3:-}" \
		    "%q{AIRLOCK_LOGDIR}/valgrind.$1.%p" "$2"
	}
	# airlockd's children: between posix_spawn's fork and its exec there
	# is only glibc, and their logs would end without a summary.
	vg airlockd "$SRC/airlockd" --child-silent-after-fork=yes \
	    >"$WORK/airlockd" || fatal_setup "wrapper"
	AIRLOCKD=$WORK/airlockd
	# The unit tests run the monitor's code (configuration, providers,
	# SCRAM) and the worker's (protocol, relay, TLS) in one process:
	# valgrind sees the uninitialised reads that ASan does not.  Their
	# forked stand-ins report too.
	mv "$SRC/regress/unit/unittest" "$SRC/regress/unit/unittest.bin" &&
	    vg unittest "$SRC/regress/unit/unittest.bin" \
	    >"$SRC/regress/unit/unittest" || fatal_setup "wrapper"
	chmod 0755 "$AIRLOCKD" "$SRC/regress/unit/unittest"
	# provget runs a provider as airlockd does: a test that takes
	# ${PROVGET:-...} runs it under memcheck too.
	vg provget "$SRC/regress/tools/provget" >"$WORK/provget" &&
	    chmod 0755 "$WORK/provget" || fatal_setup "wrapper"
	PROVGET=$WORK/provget
	export PROVGET
fi
AIRLOCK_SANITIZE=$MODE
export AIRLOCKD AIRLOCK_SANITIZE

sh "$SRC/regress/run.sh" "$@"
rc=$?
rm -rf "$TOP/regress/log/$MODE"
mkdir -p "$TOP/regress/log" && cp -R "$SRC/regress/log/$MODE" "$TOP/regress/log/" &&
    cp "$WORK/build.log" "$TOP/regress/log/$MODE/"
exit "$rc"
