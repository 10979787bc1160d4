#!/bin/sh
#
# The whole suite again, in a build that looks for memory errors.
#
#	sh regress/sanitize.sh asan [WORD...]	    AddressSanitizer and
#		UndefinedBehaviorSanitizer (clang): airlockd, every worker (in
#		its real sandbox), the unit tests and the test tools
#	sh regress/sanitize.sh valgrind [WORD...]   airlockd and the unit
#		tests under valgrind memcheck (workers run natively)
#
# WORDs select tests as regress/run.sh does.  The work tree (tracked and new
# files) is copied to a temporary directory and built there, so the tree's
# own build is left alone; that copy's regress/run.sh runs the tests, and
# then every report is read: a test that passed, but whose airlockd or
# workers reported an error or a leak, counts as failed.  The last line is
# "N passed, N failed" (", N skipped" when some were), as regress/run.sh
# prints it, for this run alone; .ci/run adds up the runs.  The logs end up
# in regress/log/MODE/ (run.sh's, one airlockd log or valgrind log per
# airlockd, the sanitizers' report files).  KEEP=1 keeps the copy.
#
# Why each piece is there:
#  - airlockd starts workers with an empty environment, so ASAN_OPTIONS
#    cannot reach them: airlock-worker compiles its options in
#    (worker/main.c, AIRLOCK_SANITIZER).  Inside the seccomp filter
#    LeakSanitizer cannot run (it needs clone and ptrace), so workers are
#    not leak-checked, and a worker's report (module+offset: no symbolizer
#    can be executed) reaches airlockd's log as "worker stderr:" lines,
#    which the AIRLOCKD wrapper below copies out of the test's temporary
#    directory before the test removes it.
#  - clang, not gcc: gcc's UBSan runtime initialises itself at the first
#    report, reading /proc/self/exe and /proc/self/environ, which the
#    filter kills; clang's is part of the ASan runtime, ready before the
#    sandbox.
#  - $AIRLOCKD_LOADER, when a test sets it, is a command that the ASan
#    wrapper runs airlockd with, after its own set-up: a test that puts
#    airlockd under a container's seccomp profile must not put the
#    wrapper's shell, fifo and tee under it.
#  - Tests skipped here are listed in skip_reason() with the reason.

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LC_ALL=C
export LC_ALL

MODE=${1:-}
case "$MODE" in
asan|valgrind) shift ;;
*)
	echo "usage: sh regress/sanitize.sh asan|valgrind [word...]" >&2
	exit 2
	;;
esac

# The compiler and flags of the sanitizer build.
SAN_CC=${SAN_CC:-clang}
SAN_FLAGS=${SAN_FLAGS:-"-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=all -DAIRLOCK_SANITIZER"}
NCPU=$(nproc 2>/dev/null || echo 2)

# skip_reason NAME: why test NAME does not run in this mode (empty: it runs).
skip_reason()
{
	case "$MODE:$1" in
	*:fuzz-brief)
		echo "its libFuzzer harnesses are an ASan+UBSan build of their" \
		    "own, and run in the plain suite" ;;
	valgrind:sandbox-syscalls)
		echo "runs the sandbox probe only, never airlockd; ran in the" \
		    "plain and asan runs" ;;
	valgrind:contrib-seccomp)
		echo "it runs airlockd under the container profile, which is" \
		    "for airlockd's calls, not valgrind's; ran in the plain" \
		    "and asan runs" ;;
	valgrind:nonroot)
		echo "starts its own copy of airlockd (through setpriv), not" \
		    "through AIRLOCKD: nothing of it would run under valgrind" ;;
	esac
}

fatal_setup()
{
	echo "sanitize.sh $MODE: $*"
	echo "0 passed, 1 failed"
	exit 1
}

if [ "$MODE" = asan ]; then
	command -v "$SAN_CC" >/dev/null 2>&1 ||
	    fatal_setup "$SAN_CC not found (contrib/install-deps.sh installs clang)"
else
	if ! command -v valgrind >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] ||
		    fatal_setup "valgrind not installed, and not root"
		echo "sanitize.sh: installing valgrind"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends valgrind </dev/null >/dev/null ||
		    fatal_setup "cannot install valgrind"
	fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/airlock-$MODE.XXXXXX") ||
    fatal_setup "mktemp failed"
# nonroot.sh runs airlockd as nobody: it must reach the copy and the logs.
chmod 0755 "$WORK"
SRC=$WORK/src
LOGS=$WORK/logs
mkdir -p "$SRC" "$LOGS" "$WORK/bin" "$WORK/options" || fatal_setup "mkdir"
chmod 1777 "$LOGS"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$WORK"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM

# The copy: what git knows of plus new files, as they are in the work tree.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$TOP" ls-files -z -c -o --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
	    xargs -0 cp -P --parents -t "$SRC" || fatal_setup "copy failed"
else
	cp -a "$TOP/." "$SRC/" && make -C "$SRC" -s clean >/dev/null ||
	    fatal_setup "copy failed"
fi
chmod 0755 "$SRC"
rm -rf "$SRC/regress/log"

start=$(date +%s)
if [ "$MODE" = asan ]; then
	# shellcheck disable=SC2086
	make -C "$SRC" -j"$NCPU" CC="$SAN_CC" SANITIZE="$(echo $SAN_FLAGS)" \
	    all >"$WORK/build.log" 2>&1
else
	make -C "$SRC" -j"$NCPU" all >"$WORK/build.log" 2>&1
fi || {
	tail -n 40 "$WORK/build.log"
	fatal_setup "the build failed"
}
echo "sanitize.sh $MODE: built in $(( $(date +%s) - start ))s in $SRC"

# The test that runs an airlockd: the nearest regress/t/NAME.sh above it.
cat >"$WORK/bin/testname" <<'EOF'
p=$PPID
name=other
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
	cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
	case $cmd in
	*regress/t/*.sh*)
		name=${cmd##*regress/t/}
		name=${name%%.sh*}
		break
		;;
	esac
	p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
done
EOF

VG="valgrind --tool=memcheck --leak-check=full
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99 --track-fds=yes --trace-children=no --num-callers=40"
[ -f "$TOP/regress/valgrind.supp" ] &&
    VG="$VG --suppressions=$TOP/regress/valgrind.supp"
VG=$(echo $VG)

if [ "$MODE" = asan ]; then
	# airlockd as itself (exec keeps the pid the tests watch), its stderr
	# copied through a fifo by a tee that is nobody's child: the tests
	# count airlockd's children.
	# no-core-dumps sends airlockd a SIGSEGV itself and checks that
	# airlockd set its own core limit to 0: ASan would report the signal
	# as a crash, and set that limit itself.
	cat >"$WORK/bin/airlockd" <<EOF
#!/bin/sh
. "$WORK/bin/testname"
echo "\$\$ \$name" >>"$LOGS/pids"
case \$name in
no-core-dumps)
	ASAN_OPTIONS="\$ASAN_OPTIONS:handle_segv=0:disable_coredump=0"
	export ASAN_OPTIONS
	;;
esac
fifo=$LOGS/.fifo.\$\$
mkfifo -m 0600 "\$fifo" || exec \$AIRLOCKD_LOADER "$SRC/airlockd" "\$@"
( { rm -f "\$fifo"; exec tee -a "$LOGS/\$name.airlockd.\$\$" >&2; } \\
    <"\$fifo" & )
exec \$AIRLOCKD_LOADER "$SRC/airlockd" "\$@" 2>"\$fifo"
EOF
	# Every other program gets its options from the environment.  The
	# sandbox probe exits inside the filter, where LeakSanitizer cannot
	# run: include_if_exists picks its own file by program name (%b).
	echo "detect_leaks=0" >"$WORK/options/sandboxprobe"
	ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:strict_string_checks=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$LOGS/report:log_exe_name=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:include_if_exists=$WORK/options/%b"
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
	UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$LOGS/report:log_exe_name=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
	for s in llvm-symbolizer llvm-symbolizer-14; do
		if p=$(command -v "$s"); then
			ASAN_SYMBOLIZER_PATH=$p
			export ASAN_SYMBOLIZER_PATH
			break
		fi
	done
else
	# Not the children: between posix_spawn's fork and its exec there is
	# only glibc, and their logs would end without a summary.
	cat >"$WORK/bin/airlockd" <<EOF
#!/bin/sh
. "$WORK/bin/testname"
echo "\$\$ \$name" >>"$LOGS/pids"
exec $VG --child-silent-after-fork=yes \\
    --log-file="$LOGS/\$name.valgrind.%p" "$SRC/airlockd" "\$@"
EOF
	# The unit tests run the monitor's code (configuration, providers,
	# SCRAM) and the worker's (protocol, relay, TLS) in one process:
	# valgrind sees the uninitialised reads that ASan does not.
	mv "$SRC/regress/unit/unittest" "$SRC/regress/unit/unittest.bin"
	cat >"$SRC/regress/unit/unittest" <<EOF
#!/bin/sh
exec $VG --log-file="$LOGS/unit.valgrind.%p" "$SRC/regress/unit/unittest.bin" "\$@"
EOF
	chmod 0755 "$SRC/regress/unit/unittest"
fi
chmod 0755 "$WORK/bin/airlockd"
AIRLOCKD=$WORK/bin/airlockd
# The few tests whose expectations a sanitizer changes read this.
AIRLOCK_SANITIZE=$MODE
export AIRLOCKD AIRLOCK_SANITIZE

# Skipped tests become stubs in the copy, so that run.sh reports them.
for t in "$SRC"/regress/t/*.sh; do
	name=$(basename "$t" .sh)
	why=$(skip_reason "$name")
	[ -n "$why" ] || continue
	printf '#!/bin/sh\necho "skip: %s (sanitize.sh %s)"\nexit 77\n' \
	    "$why" "$MODE" >"$t"
done

# run.sh's lines as they come, and with the time each came at: a report
# file belongs to the test that was running when it was written.
start=$(date +%s)
sh "$SRC/regress/run.sh" "$@" | while IFS= read -r l; do
	printf '%s\n' "$l"
	printf '%s %s\n' "$(date +%s.%N)" "$l" >>"$WORK/run.times"
done
secs=$(( $(date +%s) - start ))
touch "$WORK/run.times"
sed 's/^[^ ]* //' "$WORK/run.times" >"$WORK/run.out"

# symbolize: append "func at file:line" to frames printed as module+offset
# (the workers', and everyone's when no llvm-symbolizer is installed).
symbolize()
{
	while IFS= read -r line; do
		obj=$(echo "$line" |
		    sed -n 's/.*#[0-9][0-9]* 0x[0-9a-f]*  *(\([^ ()]*\)+\(0x[0-9a-f]*\)).*/\1 \2/p')
		if [ -n "$obj" ] && [ -r "${obj% *}" ]; then
			where=$(addr2line -f -i -p -C -e "${obj% *}" \
			    "${obj#* }" 2>/dev/null | tr '\n' ' ')
			echo "$line  ->  $where"
		else
			echo "$line"
		fi
	done
}

# Findings, one file per test: $WORK/find/NAME holds what was found.
FIND=$WORK/find
mkdir -p "$FIND"
# test_of FILE PID: the test whose airlockd had PID, else the test that
# was running when FILE was last written, else "other".
test_of()
{
	_n=$(awk -v p="$2" '$1 == p { n = $2 } END { print n }' \
	    "$LOGS/pids" 2>/dev/null)
	[ -z "$_n" ] && _n=$(awk -v t="$(date -r "$1" +%s.%N)" '
	    { at = $1; sub(/^[^ ]* /, "") }
	    at >= t && /^(ok   |FAIL |skip )/ { print $2; exit }' \
	    "$WORK/run.times")
	echo "${_n:-other}"
}

if [ "$MODE" = asan ]; then
	# Report files (log_path): airlockd's, the unit tests', the tools'.
	for f in "$LOGS"/report.*; do
		[ -s "$f" ] || continue
		pid=${f##*.}
		prog=${f#"$LOGS"/report.}
		prog=${prog%.*}
		case $prog in
		unittest)	name=unit ;;
		*)		name=$(test_of "$f" "$pid") ;;
		esac
		{
			echo "--- $prog (pid $pid): $(basename "$f")"
			head -n 60 "$f" | symbolize
		} >>"$FIND/$name"
	done
	# The workers' reports, and workers that the filter killed (in this
	# build that may be the sanitizer's runtime hitting the filter).
	for f in "$LOGS"/*.airlockd.*; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		name=${name%%.airlockd.*}
		pat='worker stderr: (.*ERROR: AddressSanitizer|.*ERROR: LeakSanitizer|.*runtime error:|.*SUMMARY: |.*AddressSanitizer:DEADLYSIGNAL|.*    #[0-9]+ )|died of signal 31'
		if grep -Eq "$pat" "$f"; then
			{
				echo "--- workers of airlockd $(basename "$f")"
				grep -E "$pat|worker stderr: " "$f" | head -n 80 |
				    symbolize
			} >>"$FIND/$name"
		fi
	done
else
	for f in "$LOGS"/*.valgrind.*; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		name=${name%%.valgrind.*}
		# A forked child of the unit tests reports too; each must be
		# clean, and each must have finished its report.
		# Only SIGKILL keeps valgrind from its summary: fine when the
		# test kills airlockd so on purpose, a finding otherwise.
		if ! grep -q "ERROR SUMMARY: " "$f"; then
			if grep -Eq 'kill -(KILL|9) "?\$AIRLOCK_PID' \
			    "$SRC/regress/t/$name.sh" 2>/dev/null; then
				echo "note: $(basename "$f"): no summary; $name" \
				    "kills airlockd with SIGKILL itself"
				continue
			fi
			# The unit tests' stand-in workers, which the code
			# under test kills with SIGKILL: valgrind reports an
			# error when it happens, so a log that ends with its
			# preamble reported none.
			if [ "$name" = unit ] && ! sed '1,/Parent PID:/d' "$f" |
			    grep -qv '^==[0-9]*== *$'; then
				echo "note: $(basename "$f"): no summary; a" \
				    "child that a unit test killed with SIGKILL," \
				    "nothing reported before"
				continue
			fi
			{
				echo "--- $(basename "$f"): no ERROR SUMMARY" \
				    "(killed with SIGKILL before it could report)"
				tail -n 20 "$f"
			} >>"$FIND/$name"
		elif ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
			{
				echo "--- $(basename "$f"):"
				grep -v "^==[0-9]*== *$" "$f" | head -n 150
			} >>"$FIND/$name"
		fi
		# --track-fds: what airlockd opened and still held when it
		# exited by itself (not the unit tests' scaffolding, not a
		# test's deliberate fatal signal).
		[ "$name" = unit ] && continue
		grep -q "Process terminating with default action" "$f" &&
		    continue
		fds=$(awk '
		    /== Open / { blk = $0; inh = 0; inopen = 1; next }
		    inopen && /<inherited from parent>/ { inh = 1 }
		    inopen && /^==[0-9]+== *$/ {
			if (!inh) print blk "\n" stk; inopen = 0; stk = ""; next }
		    inopen { stk = stk (stk == "" ? "" : "\n") $0 }' "$f")
		if [ -n "$fds" ]; then
			{
				echo "--- $(basename "$f"): descriptors open at exit"
				echo "$fds"
			} >>"$FIND/$name"
		fi
	done
fi

# The tally: run.sh's, with every passed test that has findings turned into
# a failed one.  Findings of the unit tests or of no test count one more.
passed=0
failed=0
skipped=0
line=$(tail -n 1 "$WORK/run.out")
case $line in
*" passed, "*" failed"*)
	passed=${line%% passed*}
	failed=${line#*passed, }
	failed=${failed%% failed*}
	case $line in
	*skipped) skipped=${line##*failed, }; skipped=${skipped%% skipped} ;;
	esac
	;;
*)
	failed=1
	echo "sanitize.sh: run.sh printed no summary"
	;;
esac
nfound=0
for f in "$FIND"/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	nfound=$((nfound + 1))
	echo
	if grep -Eq "^ok   $name( |\$)" "$WORK/run.out" && [ "$name" != unit ]
	then
		echo "FAIL $name ($MODE: passed, but with the reports below)"
		passed=$((passed - 1))
		failed=$((failed + 1))
	elif grep -Eq "^FAIL $name( |\$)" "$WORK/run.out"; then
		echo "FAIL $name (failed above; $MODE reports below)"
	else
		echo "FAIL $name ($MODE reports)"
		failed=$((failed + 1))
	fi
	sed 's/^/    /' "$f"
done

# The logs, where the tree's own run.sh keeps its own.
dest=$TOP/regress/log/$MODE
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$SRC/regress/log/." "$dest/" 2>/dev/null
cp "$WORK/build.log" "$WORK/run.out" "$dest/" 2>/dev/null
mkdir -p "$dest/reports"
find "$LOGS" -maxdepth 1 -type f ! -name '.fifo.*' \
    -exec cp {} "$dest/reports/" \; 2>/dev/null
[ "$nfound" -eq 0 ] || cp -R "$FIND" "$dest/findings" 2>/dev/null

echo
echo "sanitize.sh $MODE: tests took ${secs}s; $nfound test(s) with" \
    "$MODE reports; logs in regress/log/$MODE/"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
